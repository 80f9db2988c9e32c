"""Admin: operators read everything; the only change offered (creating an association)
goes through the same service as the page, so it writes its audit event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bayfin.common.admin_base import ReadOnlyMixin

from . import services
from .models import Association, Institution, Product


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "licence_number", "aum_amount", "aum_currency")
    list_filter = ("kind", "organisation__status")
    search_fields = ("organisation__name_en", "organisation__name_zh_hans", "licence_number")
    list_select_related = ("organisation",)  # each row's name is the organisation's


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "institution", "instrument", "status", "ticket_currency", "ticket_min",
                    "ticket_max", "active_from", "active_until")
    list_filter = ("status", "instrument", "ticket_currency")
    search_fields = ("name",)


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    fields = ("name",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None  # the add form only; existing associations are read-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Association, form: Any, change: bool) -> None:
        created = services.association_create(actor=request.user, name=obj.name)
        obj.pk = created.pk
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
