"""Forms of the institutions pages. They only parse; the services decide every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import (
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)

from .models import GRADE_CHOICES

BLANK = [("", "—")]
WIDE = {"col": "col-12"}


class CheckboxColumns(forms.CheckboxSelectMultiple):
    """Checkboxes in responsive columns, each with its own label."""

    template_name = "institutions/widgets/checkbox_columns.html"


def _checkboxes(label: Any, choices: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False, help_text=help_text,
                                     widget=CheckboxColumns(attrs={"class": "form-check-input", **WIDE}))


class InstitutionProfileForm(ServiceFormMixin, forms.Form):
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), required=False)
    name_zh_hant = forms.CharField(label=_("Name (Traditional Chinese)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    name_pt = forms.CharField(label=_("Name (Portuguese)"), required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=BLANK + list(Jurisdiction.choices),
                                     required=False)
    kind = forms.ChoiceField(label=_("Institution kind"), choices=BLANK + list(InstitutionKind.choices),
                             required=False)
    licence_number = forms.CharField(label=_("Licence number"), required=False)
    aum_amount = forms.CharField(label=_("Assets under management"), required=False,
                                 help_text=_("For example 5000000000.00"))
    aum_currency = forms.ChoiceField(label=_("AUM currency"), choices=BLANK + CURRENCY_CHOICES,
                                     required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, **WIDE}))


class ProductForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), required=False)
    instrument = forms.ChoiceField(label=_("Instrument"), choices=BLANK + list(Instrument.choices),
                                   required=False)
    sectors = _checkboxes(_("Sectors"), Sector.choices, _("None selected means any sector."))
    stages = _checkboxes(_("Stages"), Stage.choices, _("None selected means any stage."))
    jurisdictions = _checkboxes(_("Jurisdictions served"), Jurisdiction.choices,
                                _("None selected means any jurisdiction."))
    currencies = _checkboxes(_("Currencies"), CURRENCY_CHOICES, _("Select at least one."))
    ticket_currency = forms.ChoiceField(label=_("Ticket currency"), choices=BLANK + CURRENCY_CHOICES,
                                        required=False)
    ticket_min = forms.CharField(label=_("Minimum ticket"), required=False)
    ticket_max = forms.CharField(label=_("Maximum ticket"), required=False)
    term_min_months = forms.CharField(label=_("Minimum term (months)"), required=False)
    term_max_months = forms.CharField(label=_("Maximum term (months)"), required=False)
    rate_min_percent = forms.CharField(label=_("Indicative rate from (% a year)"), required=False)
    rate_max_percent = forms.CharField(label=_("Indicative rate to (% a year)"), required=False)
    pricing_note = forms.CharField(label=_("Pricing note"), required=False)
    min_years_operating = forms.CharField(label=_("Minimum years operating"), required=False)
    min_revenue_amount = forms.CharField(label=_("Minimum yearly revenue"), required=False)
    min_revenue_currency = forms.ChoiceField(label=_("Revenue currency"),
                                             choices=BLANK + CURRENCY_CHOICES, required=False)
    required_certifications = _checkboxes(_("Required certifications"), CertificationKind.choices)
    min_credit_grade = forms.ChoiceField(
        label=_("Minimum credit grade"), choices=BLANK + GRADE_CHOICES, required=False,
        help_text=_("Checked only for enterprises the platform has graded; AAA is the best grade."))
    required_qualifications = _checkboxes(
        _("Required sci-tech qualifications"), Qualification.choices,
        _("Any one of those selected is enough; an enterprise not yet evaluated is not excluded."))
    cross_border = forms.BooleanField(label=_("Cross-border"), required=False)
    active_from = forms.DateField(label=_("Active from"), required=False, widget=DateInput())
    active_until = forms.DateField(label=_("Active until"), required=False, widget=DateInput())
    thesis = forms.CharField(label=_("Thesis"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4, **WIDE}))


class BrowseFilterForm(StyledFormMixin, forms.Form):
    """The GET filter form of product browsing (parsed again by the selector)."""

    sector = forms.ChoiceField(label=_("Sector"), choices=BLANK + list(Sector.choices), required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=BLANK + list(Jurisdiction.choices),
                                     required=False)
    amount = forms.CharField(label=_("Amount"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES, required=False)
    instrument = forms.ChoiceField(label=_("Instrument"), choices=BLANK + list(Instrument.choices),
                                   required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + list(Stage.choices), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("newest", _("Newest")), ("name", _("Name")), ("ticket_min", _("Minimum ticket")),
        ("-ticket_min", _("Minimum ticket, largest first")),
    ])


class AssociationForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Association name"), required=False)
