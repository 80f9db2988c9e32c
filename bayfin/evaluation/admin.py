"""Admin: operators read every evaluation record; changes go through the pages and the API
(services with their checks and audit events), never through the admin."""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import Badge, Declaration, Evaluation, Programme, ProgrammeApplication


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "rule_set", "version", "as_of", "status", "path", "score", "trigger", "created_at")
    list_filter = ("rule_set", "status", "version", "trigger")
    date_hierarchy = "created_at"
    search_fields = ("enterprise__organisation__name_en",)
    list_select_related = ("enterprise__organisation",)


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "question", "answer", "declared_by", "declared_at")
    list_filter = ("question",)
    search_fields = ("enterprise__organisation__name_en",)
    list_select_related = ("enterprise__organisation", "declared_by")


@admin.register(Badge)
class BadgeAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "rule_set", "shown", "created_at")
    list_filter = ("rule_set", "shown")
    search_fields = ("enterprise__organisation__name_en",)
    list_select_related = ("enterprise__organisation",)


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "sponsor", "cap_amount", "cap_currency", "active_from", "active_until")
    search_fields = ("code", "name_en", "name_zh_hans", "name_zh_hant", "name_pt", "sponsor")


@admin.register(ProgrammeApplication)
class ProgrammeApplicationAdmin(ReadOnlyAdmin):
    list_display = ("programme", "enterprise", "status", "amount", "currency", "amount_granted", "created_at",
                    "decided_at")
    list_filter = ("status", "programme")
    search_fields = ("enterprise__organisation__name_en", "programme__code")
    list_select_related = ("programme", "enterprise__organisation")
