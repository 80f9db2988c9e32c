"""Forms of the enterprise pages. They only parse; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import Organisation
from bayfin.common.forms import DateInput, ServiceFormMixin
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import CertificationKind, Jurisdiction, Sector, Stage, TaxCreditGrade

from .models import Enterprise, FinancialStatement

BLANK: list[tuple[str, Any]] = [("", "---------")]


def _count_field(label: Any, *, required: bool = False, col: str = "col-6 col-md-4") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, widget=forms.NumberInput(attrs={"col": col}))


class ProfileForm(ServiceFormMixin, forms.Form):
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), required=False, max_length=200)
    name_zh_hant = forms.CharField(label=_("Name (Traditional Chinese)"), required=False, max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), required=False, max_length=200,
                              help_text=_("Give the name in at least one language."))
    name_pt = forms.CharField(label=_("Name (Portuguese)"), required=False, max_length=200)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=BLANK + list(Jurisdiction.choices))
    registration_number = forms.CharField(
        label=_("Registration number"), max_length=40,
        help_text=_("Mainland: the 18-character Unified Social Credit Code; Macao: the commercial "
                    "registry number; Hong Kong: the 8-digit Business Registration number."))
    founding_date = forms.DateField(label=_("Founding date"), widget=DateInput)
    employees = _count_field(_("Employees"), required=True, col="col-6 col-md-3")
    tech_staff = _count_field(_("Tech staff"), required=True, col="col-6 col-md-3")
    sector = forms.ChoiceField(label=_("Sector"), choices=BLANK + list(Sector.choices))
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + list(Stage.choices))
    description = forms.CharField(label=_("Business description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, "col": "col-12"}))
    invention_patents = _count_field(_("Invention patents (Class I)"))
    other_class_i = _count_field(_("Other Class I IP"))
    utility_models = _count_field(_("Utility models (Class II)"))
    designs = _count_field(_("Designs (Class II)"))
    software_copyrights = _count_field(_("Software copyrights (Class II)"))
    other_class_ii = _count_field(_("Other Class II IP"))

    @classmethod
    def initial_for(cls, enterprise: Enterprise) -> dict[str, Any]:
        org = enterprise.organisation
        initial: dict[str, Any] = {f: getattr(org, f) for f in (*Organisation.NAME_FIELDS, "jurisdiction")}
        initial.update({name: getattr(enterprise, name) for name in cls.base_fields if hasattr(enterprise, name)})
        return initial


class OwnerForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    share_percent = forms.CharField(label=_("Share (%)"), max_length=20,
                                    help_text=_("More than 0 and at most 100, with up to 2 decimals."))
    nationality = forms.CharField(label=_("Nationality"), max_length=2,
                                  help_text=_("Two-letter country code (ISO 3166), for example MO, CN or HK."))


class CertificationForm(ServiceFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Certification"), choices=BLANK + list(CertificationKind.choices))
    number = forms.CharField(label=_("Certificate number"), required=False, max_length=64)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput)
    published = forms.BooleanField(label=_("Show on the public profile"), required=False, initial=True)


class StatementForm(ServiceFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"))
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES)
    revenue = forms.CharField(label=_("Revenue"), max_length=30)
    rd_expense = forms.CharField(label=_("R&D expense"), max_length=30)
    total_costs = forms.CharField(label=_("Total costs"), max_length=30)
    net_profit = forms.CharField(label=_("Net profit"), max_length=30,
                                 help_text=_("Negative for a loss, for example -120000.00."))
    total_assets = forms.CharField(label=_("Total assets"), max_length=30)
    total_liabilities = forms.CharField(label=_("Total liabilities"), max_length=30)
    operating_cash_flow = forms.CharField(label=_("Operating cash flow"), max_length=30,
                                          help_text=_("Negative for a net outflow."))
    tax_credit_grade = forms.ChoiceField(label=_("Tax credit grade"), required=False,
                                         choices=BLANK + list(TaxCreditGrade.choices))

    def __init__(self, *args: Any, fixed_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_year is not None:
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year

    @staticmethod
    def initial_for(statement: FinancialStatement) -> dict[str, Any]:
        initial: dict[str, Any] = {"year": statement.year, "currency": statement.currency,
                                   "tax_credit_grade": statement.tax_credit_grade}
        initial.update({f: str(getattr(statement, f)) for f in FinancialStatement.AMOUNT_FIELDS})
        return initial
