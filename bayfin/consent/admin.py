"""Admin for consent: read-only, so no grant changes without its audit event and ledger entry.

Grants change only through ``services`` (the pages and the API); the access log is append-only.
"""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import ConsentGrant, DataAccess


@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "enterprise",
        "institution",
        "status",
        "valid_until",
        "cross_border",
        "granted_at",
    )
    list_filter = ("status", "cross_border")
    list_select_related = ("enterprise__organisation", "institution__organisation")
    raw_id_fields = ("enterprise", "institution", "deal", "granted_by", "revoked_by")


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "enterprise", "institution", "user", "scope", "via", "grant")
    list_filter = ("scope", "via")
    list_select_related = ("enterprise__organisation", "institution__organisation", "user")
    raw_id_fields = ("grant", "enterprise", "institution", "user")
