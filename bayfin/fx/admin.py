"""Admin: operators read every fx record; changes go through the pages and the API (services
with their checks and audit events), never through the admin."""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import Channel, CrossBorderDebt, FxRate, LimitParameterSet


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(FxRate)
class FxRateAdmin(ReadOnlyAdmin):
    list_display = ("day", "base", "quote", "rate", "source", "created_by")
    list_filter = ("base", "quote")
    date_hierarchy = "day"
    search_fields = ("source",)
    list_select_related = ("created_by",)


@admin.register(Channel)
class ChannelAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "limit_rule", "priority", "active")
    list_filter = ("active", "limit_rule")
    search_fields = ("code", "name_en", "name_zh_hans", "name_zh_hant", "name_pt")


@admin.register(LimitParameterSet)
class LimitParameterSetAdmin(ReadOnlyAdmin):
    list_display = ("effective_from", "leverage_ratio", "adjustment_parameter", "fx_risk_factor",
                    "facilitation_quota_usd")


@admin.register(CrossBorderDebt)
class CrossBorderDebtAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "lender", "currency", "balance", "term_months", "drawn_on", "off_balance")
    list_filter = ("currency", "off_balance")
    search_fields = ("lender", "enterprise__organisation__name_en")
    list_select_related = ("enterprise__organisation",)
