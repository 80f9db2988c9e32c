"""Admin: operators read everything here; changes happen on the pages and the API.

Every change to an enterprise goes through a service that writes its audit event and
is limited to the enterprise's own members, so the admin is read-only.
"""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import BeneficialOwner, Certification, Enterprise, FinancialStatement


class BeneficialOwnerInline(ReadOnlyMixin, admin.TabularInline):
    model = BeneficialOwner
    fields = ("name", "share_percent", "nationality")
    readonly_fields = fields
    extra = 0


class CertificationInline(ReadOnlyMixin, admin.TabularInline):
    model = Certification
    fields = ("kind", "number", "issued_on", "expires_on", "published")
    readonly_fields = fields
    extra = 0


class FinancialStatementInline(ReadOnlyMixin, admin.TabularInline):
    model = FinancialStatement
    fields = ("year", "currency", *FinancialStatement.AMOUNT_FIELDS, "tax_credit_grade")
    readonly_fields = fields
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "registration_number", "sector", "stage", "employees", "founding_date")
    list_filter = ("sector", "stage", "organisation__status", "organisation__jurisdiction")
    search_fields = ("registration_number", "organisation__name_en", "organisation__name_zh_hans",
                     "organisation__name_zh_hant", "organisation__name_pt")
    list_select_related = ("organisation",)
    inlines = (BeneficialOwnerInline, CertificationInline, FinancialStatementInline)


@admin.register(BeneficialOwner)
class BeneficialOwnerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "share_percent", "nationality", "enterprise")
    search_fields = ("name", "enterprise__registration_number")
    list_select_related = ("enterprise__organisation",)


@admin.register(Certification)
class CertificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("kind", "number", "issued_on", "expires_on", "published", "enterprise")
    list_filter = ("kind", "published")
    list_select_related = ("enterprise__organisation",)


@admin.register(FinancialStatement)
class FinancialStatementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("enterprise", "year", "currency", "revenue", "net_profit", "tax_credit_grade")
    list_filter = ("year", "currency")
    list_select_related = ("enterprise__organisation",)
