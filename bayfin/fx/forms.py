"""Forms of the fx pages. They only parse what the user typed; the services decide every rule."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bayfin.common.errors import ValidationFailed
from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES, Money
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import CertificationKind, Instrument, Jurisdiction

from .models import Channel, ChannelDocument, LimitParameterSet, LimitRule

BLANK = [("", "—")]
WIDE = {"col": "col-12"}
# An uploaded CSV larger than this is refused before it is read (the import takes at most
# 20,000 rows, well under a megabyte).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class CheckboxColumns(forms.CheckboxSelectMultiple):
    """Checkboxes in responsive columns, each with its own label (the institutions widget)."""

    template_name = "institutions/widgets/checkbox_columns.html"


def _checkboxes(label: Any, choices: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=True, help_text=help_text,
                                     widget=CheckboxColumns(attrs={"class": "form-check-input", **WIDE}))


def _decimal_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


# ------------------------------------------------------------------ rates


class RateFilterForm(StyledFormMixin, forms.Form):
    """The GET filter of the rate list (parsed again by the selector)."""

    base = forms.ChoiceField(label=_("Base currency"), choices=BLANK + CURRENCY_CHOICES, required=False)
    quote = forms.ChoiceField(label=_("Quote currency"), choices=BLANK + CURRENCY_CHOICES, required=False)
    day_from = forms.CharField(label=_("From"), required=False, widget=DateInput())
    day_to = forms.CharField(label=_("To"), required=False, widget=DateInput())


class RateForm(ServiceFormMixin, forms.Form):
    day = forms.CharField(label=_("Date"), widget=DateInput())
    base = forms.ChoiceField(label=_("Base currency"), choices=BLANK + CURRENCY_CHOICES,
                             help_text=_("One unit of this currency…"))
    quote = forms.ChoiceField(label=_("Quote currency"), choices=BLANK + CURRENCY_CHOICES,
                              help_text=_("…is worth the rate in this currency."))
    rate = forms.CharField(label=_("Rate"), widget=_decimal_input(),
                           help_text=_("For example 0.8880 (1 MOP = 0.8880 CNY); up to 10 decimal places."))
    source = forms.CharField(label=_("Source"), help_text=_("Where the rate comes from, for example "
                                                             "\"PBoC central parity\" or \"AMCM\"."))


class RateCorrectForm(ServiceFormMixin, forms.Form):
    """A correction keeps the rate's date and pair: only the value and the source change."""

    rate = forms.CharField(label=_("Rate"), widget=_decimal_input(),
                           help_text=_("Up to 10 decimal places."))
    source = forms.CharField(label=_("Source"))


class RateImportForm(ServiceFormMixin, forms.Form):
    text = forms.CharField(label=_("Paste the CSV"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false",
                                                        "class": "font-monospace", **WIDE}))
    file = forms.FileField(label=_("…or upload a CSV file"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}))
    source = forms.CharField(label=_("Source for rows without one"), required=False)
    replace = forms.BooleanField(label=_("Replace rates that exist already for the same pair and day"),
                                 required=False)

    def csv_text(self) -> tuple[str, str]:
        """The CSV as text and the field it came from ("file" or "text"); a ValidationFailed
        when neither was given or the file cannot be read."""
        upload = self.cleaned_data.get("file")
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationFailed(fields={"file": [_("The file is larger than 5 MB.")]})
            try:
                return upload.read().decode("utf-8-sig"), "file"
            except UnicodeDecodeError:
                raise ValidationFailed(fields={"file": [_("Save the file as UTF-8 text (CSV) and upload it "
                                                          "again.")]}) from None
        text = self.cleaned_data.get("text") or ""
        if not text.strip():
            raise ValidationFailed(fields={"text": [_("Paste the CSV here or choose a file.")]})
        return text, "text"


# ------------------------------------------------------------------ channels


class ChannelForm(ServiceFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), help_text=_("Letters, digits, hyphens and underscores (stored in lower case); it cannot change later."))
    name_en = forms.CharField(label=_("Name (English)"))
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), required=False)
    name_zh_hant = forms.CharField(label=_("Name (Traditional Chinese)"), required=False)
    name_pt = forms.CharField(label=_("Name (Portuguese)"), required=False)
    from_jurisdictions = _checkboxes(_("Money from (the lender's or investor's jurisdiction)"),
                                     Jurisdiction.choices)
    to_jurisdictions = _checkboxes(_("Enterprise in"), Jurisdiction.choices)
    instruments = _checkboxes(_("Instruments"), Instrument.choices)
    lender_currencies = _checkboxes(_("Currencies lent or invested"), CURRENCY_CHOICES)
    borrower_currencies = _checkboxes(_("Currencies the enterprise receives"), CURRENCY_CHOICES)
    conditions = forms.CharField(
        label=_("Checked conditions (JSON)"), required=False,
        help_text=_("A list of conditions; leave empty for none. The allowed fields and operators are listed "
                    "beside the form."),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "font-monospace", **WIDE}))
    documents = forms.MultipleChoiceField(label=_("Required documents"), choices=ChannelDocument.choices,
                                          required=False,
                                          widget=CheckboxColumns(attrs={"class": "form-check-input", **WIDE}))
    limit_rule = forms.ChoiceField(label=_("Limit rule"), choices=LimitRule.choices)
    priority = forms.CharField(label=_("Priority"), required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                               help_text=_("Lower comes first when several channels fit (default 100)."))
    active = forms.BooleanField(label=_("Active (shown in the catalogue and used in matching)"), required=False)
    notes_en = forms.CharField(label=_("Conditions and notes (English)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4, **WIDE}))
    notes_zh_hans = forms.CharField(label=_("Conditions and notes (Simplified Chinese)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 4, **WIDE}))
    notes_zh_hant = forms.CharField(label=_("Conditions and notes (Traditional Chinese)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 4, **WIDE}))
    notes_pt = forms.CharField(label=_("Conditions and notes (Portuguese)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4, **WIDE}))
    policy_source = forms.CharField(label=_("Policy sources"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3, **WIDE}),
                                    help_text=_("The regulations and notices the channel rests on, with links."))

    def __init__(self, *args: Any, fixed_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_code:
            del self.fields["code"]

    @staticmethod
    def initial_for(channel: Channel) -> dict[str, Any]:
        from .services import CHANNEL_FIELDS

        initial = {name: getattr(channel, name) for name in CHANNEL_FIELDS}
        initial["conditions"] = (json.dumps(channel.conditions, indent=2, ensure_ascii=False)
                                 if channel.conditions else "")
        initial["priority"] = str(channel.priority)
        return initial

    def service_data(self) -> dict[str, Any]:
        """The values for channel_create / channel_update, with the conditions parsed from JSON
        (a ValidationFailed next to the field when the JSON itself is broken)."""
        data = dict(self.cleaned_data)
        raw = (data.get("conditions") or "").strip()
        if not raw:
            data["conditions"] = []
            return data
        try:
            data["conditions"] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(fields={"conditions": [
                _("This is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}]}) from None
        return data


# ------------------------------------------------------------------ limit parameters


class LimitParametersForm(ServiceFormMixin, forms.Form):
    effective_from = forms.CharField(label=_("In force from"), widget=DateInput(),
                                     help_text=_("The set applies from this date until the next set."))
    leverage_ratio = forms.CharField(label=_("Cross-border financing leverage ratio"), widget=_decimal_input())
    adjustment_parameter = forms.CharField(label=_("Macro-prudential adjustment parameter"),
                                           widget=_decimal_input())
    short_term_factor = forms.CharField(label=_("Term factor, short term"), widget=_decimal_input())
    long_term_factor = forms.CharField(label=_("Term factor, longer term"), widget=_decimal_input())
    short_term_months = forms.CharField(label=_("Short term means up to (months)"),
                                        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    on_balance_factor = forms.CharField(label=_("Category factor, on balance sheet"), widget=_decimal_input())
    off_balance_factor = forms.CharField(label=_("Category factor, off balance sheet"), widget=_decimal_input())
    fx_risk_factor = forms.CharField(label=_("Exchange-rate risk factor"), widget=_decimal_input(),
                                     help_text=_("Added for each debt in a foreign currency."))
    facilitation_quota_usd = forms.CharField(label=_("Facilitation quota (USD)"), widget=_decimal_input())
    facilitation_certifications = forms.MultipleChoiceField(
        label=_("Certifications that qualify for the quota"), choices=CertificationKind.choices, required=False,
        widget=CheckboxColumns(attrs={"class": "form-check-input", **WIDE}))
    facilitation_jurisdictions = forms.MultipleChoiceField(
        label=_("Pilot areas of the quota"), choices=Jurisdiction.choices, required=False,
        widget=CheckboxColumns(attrs={"class": "form-check-input", **WIDE}))
    source = forms.CharField(label=_("Sources"), widget=forms.Textarea(attrs={"rows": 3, **WIDE}),
                             help_text=_("The notices these values come from."))

    @staticmethod
    def initial_from(row: LimitParameterSet | None) -> dict[str, Any]:
        """A new set starts as a copy of the current one (usually one value changes)."""
        if row is None:
            return {"short_term_months": "12"}
        initial: dict[str, Any] = {name: format(getattr(row, name).normalize(), "f")
                                   for name in row.FACTOR_FIELDS}
        initial.update({
            "short_term_months": str(row.short_term_months),
            "facilitation_quota_usd": format(row.facilitation_quota_usd, "f"),
            "facilitation_certifications": row.facilitation_certifications,
            "facilitation_jurisdictions": row.facilitation_jurisdictions,
            "source": row.source,
        })
        return initial


# ------------------------------------------------------------------ declared debts


class DebtForm(ServiceFormMixin, forms.Form):
    lender = forms.CharField(label=_("Lender"))
    balance = forms.CharField(label=_("Outstanding balance"), widget=_decimal_input(),
                              help_text=_("For example 5000000.00"))
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES)
    term_months = forms.CharField(label=_("Original term (months)"),
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    drawn_on = forms.CharField(label=_("Drawn on"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    off_balance = forms.BooleanField(label=_("Off balance sheet (a guarantee or other contingent debt)"),
                                     required=False)

    def __init__(self, *args: Any, channels: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = BLANK + [(str(c.pk), c.display_name()) for c in channels]

    @staticmethod
    def initial_for(debt: Any) -> dict[str, Any]:
        return {"lender": debt.lender, "balance": str(debt.balance), "currency": debt.currency,
                "term_months": str(debt.term_months), "drawn_on": debt.drawn_on.isoformat(),
                "channel": str(debt.channel_id or ""), "off_balance": debt.off_balance}


# ------------------------------------------------------------------ converter


class ConverterForm(StyledFormMixin, forms.Form):
    """A GET form: the conversion shows below it; ``parse`` reads the values."""

    amount = forms.CharField(label=_("Amount"), widget=_decimal_input())
    currency = forms.ChoiceField(label=pgettext_lazy("currency", "From"), choices=CURRENCY_CHOICES)
    to = forms.ChoiceField(label=pgettext_lazy("currency", "To"), choices=CURRENCY_CHOICES)
    on = forms.CharField(label=_("On"), widget=DateInput(), required=False,
                         help_text=_("Today when empty."))

    def parse(self) -> tuple[Money, str, date]:
        """The money, the target currency and the date, or a ValidationFailed with each field's reason."""
        errors = FieldErrors()
        currency = errors.currency("currency", self.data.get("currency"))
        to = errors.currency("to", self.data.get("to"))
        amount = errors.money("amount", (self.data.get("amount") or "").strip(), currency)
        day = errors.iso_date("on", self.data.get("on"), required=False) or timezone.localdate()
        errors.raise_if_any()
        assert currency is not None and to is not None and amount is not None
        return Money(amount, currency), to, day
