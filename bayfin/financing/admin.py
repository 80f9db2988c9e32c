"""Admin for financing: read-only, so no change escapes its audit event.

Requests and deals change only through ``services`` (the pages and the API).
"""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import Deal, DealEvent, FinancingRequest


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class DealEventInline(ReadOnlyMixin, admin.TabularInline):
    model = DealEvent
    extra = 0
    fields = ("at", "from_stage", "to_stage", "actor", "comment")
    readonly_fields = fields


class DealInline(ReadOnlyMixin, admin.TabularInline):
    model = Deal
    extra = 0
    fields = ("institution", "stage", "created_at")
    readonly_fields = fields
    show_change_link = True


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
