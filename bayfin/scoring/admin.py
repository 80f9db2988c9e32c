"""Admin: operators read the model registry and every stored score; changes go through the
services (promotion checks the file's hash and is audited), never through the admin."""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import CreditScore, ModelVersion


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "source", "is_champion", "created_at", "trained_by_name", "promoted_at", "sha256")
    list_filter = ("kind", "source", "is_champion")
    search_fields = ("name", "sha256")


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "kind", "request", "status", "grade", "pd", "points", "model_version", "trigger",
                    "computed_at", "is_current")
    list_filter = ("kind", "status", "grade", "is_current", "trigger", "model_version")
    date_hierarchy = "computed_at"
    search_fields = ("enterprise__organisation__name_en", "request__title")
    list_select_related = ("enterprise__organisation", "request", "model_version")
