"""Admin: operators read the stored matches and the batches; every write goes through the services
(refresh on commit, the nightly batch, ``bayfin matching batch``), never through the admin."""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import Match, MatchBatch


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(MatchBatch)
class MatchBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "status", "started_at", "finished_at", "queries", "products", "chunks_done",
                    "chunks_total", "weights_version", "index_version")
    list_filter = ("kind", "status", "weights_version")
    date_hierarchy = "started_at"


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ("kind", "request", "enterprise", "product", "rank", "score", "weights_version", "batch",
                    "computed_at")
    list_filter = ("kind", "weights_version")
    search_fields = ("request__title", "product__name", "enterprise__organisation__name_en")
    list_select_related = ("request", "enterprise__organisation", "product", "batch")
