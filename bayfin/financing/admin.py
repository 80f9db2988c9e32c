"""Admin for financing: read-only, so no change escapes its audit event.

Requests and deals change only through ``services`` (the pages and the API).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Deal, DealEvent, FinancingRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DealEventInline(admin.TabularInline):
    model = DealEvent
    extra = 0
    fields = ("at", "from_stage", "to_stage", "actor", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DealInline(admin.TabularInline):
    model = Deal
    extra = 0
    fields = ("institution", "stage", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FinancingRequest)
class FinancingRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "enterprise", "amount", "currency", "status", "deadline", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("title", "enterprise__organisation__name_en", "enterprise__organisation__name_zh_hans")
    list_select_related = ("enterprise__organisation",)
    inlines = [DealInline]


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = ("id", "request", "institution", "stage", "created_at", "updated_at")
    list_filter = ("stage",)
    search_fields = ("request__title", "institution__organisation__name_en")
    list_select_related = ("request", "institution__organisation")
    inlines = [DealEventInline]
