"""Forms of the evaluation pages. They only parse what the user typed; the services decide every rule."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES

from .engine.facts import HNTE_FIELDS, MACAO_TIERS, NO_HNTE_FIELD
from .explain.hnte import FIELD_LABELS as HNTE_FIELD_LABELS
from .explain.macao_tech import TIER_LABELS
from .models import ApplicationStatus, Programme, RuleSet
from .selectors import BOOLEAN_QUESTIONS, QUESTIONS, SHARE_QUESTIONS

BLANK = [("", "—")]
WIDE = {"col": "col-12"}


def _decimal_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


# ------------------------------------------------------------------ declarations

# Each question's label and help text, as the enterprise reads it.
QUESTION_TEXT: dict[str, tuple[Any, Any]] = {
    "restricted_industry": (
        _("Is the enterprise in a restricted or eliminated industry?"),
        _("The restricted and eliminated categories of the national industrial structure adjustment catalogue. "
          "A sci-tech SME condition."),
    ),
    "serious_incident": (
        _("In the previous or the current year, did the enterprise have a major safety or quality accident, a "
          "serious environmental violation, fraud or research misconduct?"),
        _("A condition of the sci-tech SME rules and, for the year before, of the HNTE rules."),
    ),
    "on_credit_blacklist": (
        _("In the previous or the current year, was the enterprise on the abnormal-operations list or the "
          "serious-dishonesty list?"),
        _("A sci-tech SME condition. It is reported, never advised on: effort cannot change it."),
    ),
    "national_award_top3": (
        _("In the last five years, did the enterprise win a national science and technology award, ranked in "
          "the top three?"),
        _("One of the direct paths to sci-tech SME status."),
    ),
    "provincial_rd_institution": (
        _("Does the enterprise have a recognised provincial or ministerial R&D institution?"),
        _("One of the direct paths to sci-tech SME status."),
    ),
    "led_standard": (
        _("In the last five years, did the enterprise lead the drafting of an international, national or "
          "industry standard?"),
        _("One of the direct paths to sci-tech SME status."),
    ),
    "hnte_field": (
        _("Which supported high-tech field is the core technology in?"),
        _("The eight fields the state supports for High and New Technology Enterprises."),
    ),
    "high_tech_income_share": (
        _("High-tech income as a share of total income (%)"),
        _("Income from high-tech products and services in the latest year; the HNTE rules require at least 60%."),
    ),
    "rd_in_china_share": (
        _("Share of R&D expense spent in China (%)"),
        _("Over the last three years; the HNTE rules require at least 60%."),
    ),
    "macao_scitech_main_business": (
        _("Has sci-tech innovation been the enterprise's main business for more than a year?"),
        _("A condition of the Macao technology enterprise certification."),
    ),
    "macao_tier": (
        _("Macao certification tier applied for"),
        _("The committee decides the tier; the platform records the one you aim for."),
    ),
}

# The questions grouped as the page shows them.
QUESTION_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_("Conditions"), ("restricted_industry", "serious_incident", "on_credit_blacklist")),
    (_("Direct paths to sci-tech SME status"), ("national_award_top3", "provincial_rd_institution",
                                                "led_standard")),
    (_("High and New Technology Enterprise"), ("hnte_field", "high_tech_income_share", "rd_in_china_share")),
    (_("Macao technology enterprise"), ("macao_scitech_main_business", "macao_tier")),
)

YES_NO = [("yes", _("Yes")), ("no", _("No")), ("", _("Not answered"))]


def hnte_field_choices() -> list[tuple[str, Any]]:
    return [*BLANK, *((code, HNTE_FIELD_LABELS[code]().capitalize()) for code in HNTE_FIELDS),
            (NO_HNTE_FIELD, _("None of the eight fields"))]


def macao_tier_choices() -> list[tuple[str, Any]]:
    return [*BLANK, *((code, TIER_LABELS[code]()) for code in MACAO_TIERS)]


def _question_field(name: str) -> forms.Field:
    label, help_text = QUESTION_TEXT[name]
    if name in BOOLEAN_QUESTIONS:
        return forms.ChoiceField(label=label, help_text=help_text, choices=YES_NO, required=False,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    if name in SHARE_QUESTIONS:
        return forms.CharField(label=label, help_text=help_text, required=False,
                               widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100",
                                                               "inputmode": "decimal"}))
    choices = hnte_field_choices if name == "hnte_field" else macao_tier_choices
    return forms.ChoiceField(label=label, help_text=help_text, required=False, choices=choices)


class _QuestionFields(forms.Form):
    """One field per question, added before the styling mixin dresses them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in QUESTIONS:
            self.fields[name] = _question_field(name)


class DeclarationsForm(ServiceFormMixin, _QuestionFields):
    """Every question the rules need and the profile does not hold; empty means not answered."""

    @staticmethod
    def initial_for(declarations: dict[str, Any]) -> dict[str, Any]:
        """The stored answers as the form shows them ("yes"/"no", a percentage, a code)."""
        initial: dict[str, Any] = {}
        for name in QUESTIONS:
            row = declarations.get(name)
            if row is None:
                initial[name] = ""
            elif name in BOOLEAN_QUESTIONS:
                initial[name] = "yes" if row.answer is True else "no"
            else:
                initial[name] = str(row.answer)
        return initial

    def service_data(self) -> dict[str, Any]:
        """Only the questions the page sent (an empty answer clears one)."""
        out: dict[str, Any] = {}
        for name in QUESTIONS:
            if name in self.data:
                value = self.cleaned_data.get(name)
                out[name] = value.strip() if isinstance(value, str) else value
        return out


# ------------------------------------------------------------------ history


class HistoryFilterForm(StyledFormMixin, forms.Form):
    rule_set = forms.ChoiceField(label=_("Rule set"), choices=BLANK + list(RuleSet.choices), required=False)


# ------------------------------------------------------------------ programmes and applications


class ApplicationForm(ServiceFormMixin, forms.Form):
    amount = forms.CharField(label=_("Amount asked"), required=False, widget=_decimal_input(),
                             help_text=_("Optional; within the programme's cap, in its currency."))
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES, required=False)
    note = forms.CharField(label=_("Note to the operator"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, **WIDE}))


class ProgrammeForm(ServiceFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), help_text=_("Lowercase letters, digits and hyphens; it cannot change "
                                                         "later."))
    name_en = forms.CharField(label=_("Name (English)"))
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), required=False)
    name_zh_hant = forms.CharField(label=_("Name (Traditional Chinese)"), required=False)
    name_pt = forms.CharField(label=_("Name (Portuguese)"), required=False)
    benefit_en = forms.CharField(label=_("Benefit (English)"), widget=forms.Textarea(attrs={"rows": 3}))
    benefit_zh_hans = forms.CharField(label=_("Benefit (Simplified Chinese)"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    benefit_zh_hant = forms.CharField(label=_("Benefit (Traditional Chinese)"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    benefit_pt = forms.CharField(label=_("Benefit (Portuguese)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    sponsor = forms.CharField(label=_("Sponsor"), required=False,
                              help_text=_("Who funds the programme, for example a district's finance bureau."))
    policy_source = forms.CharField(label=_("Policy source"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("The notice the programme rests on, with a link."))
    cap_amount = forms.CharField(label=_("Cap per enterprise"), required=False,
                                 widget=_decimal_input(), help_text=_("Leave empty for no cap."))
    cap_currency = forms.ChoiceField(label=_("Currency of the cap"), choices=BLANK + CURRENCY_CHOICES,
                                     required=False)
    active_from = forms.CharField(label=_("Open from"), widget=DateInput())
    active_until = forms.CharField(label=_("Open until"), required=False, widget=DateInput(),
                                   help_text=_("Leave empty while the programme runs."))
    rule = forms.CharField(
        label=_("Eligibility rule (JSON)"),
        help_text=_("Written in the rule language described beside the form; the rule is checked when you save."),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "font-monospace", **WIDE}))

    def __init__(self, *args: Any, fixed_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_code:
            del self.fields["code"]

    @staticmethod
    def initial_for(programme: Programme) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(programme, name)
                                   for name in (*Programme.NAME_FIELDS, *Programme.BENEFIT_FIELDS,
                                                "sponsor", "policy_source", "cap_currency")}
        initial["cap_amount"] = "" if programme.cap_amount is None else str(programme.cap_amount)
        initial["active_from"] = programme.active_from.isoformat()
        initial["active_until"] = programme.active_until.isoformat() if programme.active_until else ""
        initial["rule"] = json.dumps(programme.rule, indent=2, ensure_ascii=False)
        return initial

    def service_data(self) -> dict[str, Any]:
        """The values for programme_create / programme_update; the rule stays JSON text, which the
        service parses and checks (its refusals name the line and the place in the rule)."""
        return dict(self.cleaned_data)


class ApplicationFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + list(ApplicationStatus.choices), required=False)
    programme = forms.ChoiceField(label=_("Programme"), required=False)

    def __init__(self, *args: Any, programmes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = BLANK + [(str(p.pk), p.display_name()) for p in programmes]


class DecisionForm(ServiceFormMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    amount_granted = forms.CharField(label=_("Amount granted"), required=False, widget=_decimal_input(),
                                     help_text=_("Optional, on approval; within the programme's cap."))
    note = forms.CharField(label=_("Reason or note"), required=False, widget=forms.Textarea(attrs={"rows": 3, **WIDE}),
                           help_text=_("Required to reject: the enterprise reads it."))
