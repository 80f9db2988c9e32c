"""Financing forms: they only parse what the user typed; services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import Instrument, Jurisdiction, Qualification, Sector, Stage

from .models import RepaymentMethod
from .transitions import RequestStatus

BLANK = [("", "—")]


class RequestForm(ServiceFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.CharField(
        label=_("Amount"),
        help_text=_("For example 8000000.00"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES)
    instruments = forms.MultipleChoiceField(
        label=_("Acceptable instruments"),
        choices=Instrument.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    use_of_funds = forms.CharField(
        label=_("Use of funds"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    term_months = forms.CharField(
        label=_("Term (months)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    deadline = forms.CharField(label=_("Deadline"), widget=DateInput)
    channel = forms.ChoiceField(
        label=_("Channel (optional)"),
        required=False,
        help_text=_(
            "The cross-border channel you mean to use. Leave it empty if you do not know: "
            "each institution's product shows which channels fit. A channel with a limit "
            "checks the amount against your cross-border borrowing limit."
        ),
    )

    def __init__(self, *args: Any, channels: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = BLANK + [(str(c.pk), c.display_name()) for c in channels]
        for name in ("instruments", "purpose", "use_of_funds"):
            self.fields[name].widget.attrs["col"] = "col-12"


class RequestTransitionForm(ServiceFormMixin, forms.Form):
    to = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000)


class DealTransitionForm(ServiceFormMixin, forms.Form):
    """One plain move of a deal. The page shows one per allowed move, each with the move's stage
    as its prefix (so ids stay unique); ``to`` and ``expected_stage`` travel unprefixed."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"}),
    )
    documents = forms.MultipleChoiceField(
        label=_("Attach documents"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"col": "col-12"}),
    )

    def __init__(
        self, *args: Any, documents: Any = (), reason_required: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        comment = self.fields["comment"]
        if reason_required:
            comment.label = _("Reason")
            comment.required = True
            comment.help_text = _("Required: the other side is told why.")
            comment.widget.attrs.setdefault(
                "aria-describedby", f"id_{self.add_prefix('comment')}_helptext"
            )
        field = self.fields["documents"]
        field.choices = [(str(d.pk), f"{d.title} ({d.get_kind_display()})") for d in documents]
        if not documents:
            field.help_text = _(
                "No documents to attach yet: upload one to this deal below, or to your data room."
            )
            field.widget.attrs.setdefault(
                "aria-describedby", f"id_{self.add_prefix('documents')}_helptext"
            )


class TermSheetForm(ServiceFormMixin, forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"))
    amount = forms.CharField(
        label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES)
    annual_rate = forms.CharField(
        label=_("Annual interest rate (%)"),
        required=False,
        help_text=_(
            "Loans (and optionally convertibles): for example 4.35. Leave empty for equity."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    valuation = forms.CharField(
        label=_("Pre-money valuation"),
        required=False,
        help_text=_("Equity and convertibles only, in the same currency. Leave empty for a loan."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    term_months = forms.CharField(
        label=_("Term (months)"),
        required=False,
        help_text=_("Loans only."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    repayment = forms.ChoiceField(
        label=_("Repayment"),
        required=False,
        help_text=_("Loans only."),
        choices=BLANK + list(RepaymentMethod.choices),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "col": "col-12"}),
    )

    def __init__(
        self, *args: Any, instruments: Any = (), currency: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = BLANK + [
            (i, Instrument(i).label) for i in instruments if i in Instrument.values
        ]
        # Progressive enhancement: the page hides the fields the chosen instrument does not use.
        for name, group in (
            ("annual_rate", "rate"),
            ("valuation", "equity"),
            ("term_months", "loan"),
            ("repayment", "loan"),
        ):
            self.fields[name].widget.attrs["col"] = f"col-12 col-md-6 bf-for-{group}"
        if currency and not self.is_bound:
            self.initial.setdefault("currency", currency)


class GuarantorForm(ServiceFormMixin, forms.Form):
    guarantor_id = forms.ChoiceField(
        label=_("Guarantee company"),
        required=False,
        help_text=_(
            "A verified guarantee company. It becomes a party to the deal "
            "and must confirm the terms too. Choose none to remove it."
        ),
    )

    def __init__(self, *args: Any, guarantors: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guarantor_id"].choices = [("", _("None"))] + [
            (str(g.pk), g.organisation.display_name()) for g in guarantors
        ]


class PaymentForm(ServiceFormMixin, forms.Form):
    amount = forms.CharField(
        label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    paid_on = forms.CharField(label=_("Paid on"), widget=DateInput)
    reference = forms.CharField(label=_("Reference (optional)"), required=False, max_length=100)


class InterestForm(ServiceFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the enterprise"),
        widget=forms.Textarea(attrs={"rows": 4, "col": "col-12"}),
    )
    product = forms.ChoiceField(label=_("Product (optional)"), required=False)

    def __init__(self, *args: Any, products: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = BLANK + [(str(p.pk), p.name) for p in products]


class BrowseFilterForm(StyledFormMixin, forms.Form):
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=BLANK + list(Sector.choices)
    )
    jurisdiction = forms.ChoiceField(
        label=_("Jurisdiction"), required=False, choices=BLANK + list(Jurisdiction.choices)
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=BLANK + list(Stage.choices))
    instrument = forms.ChoiceField(
        label=_("Instrument"), required=False, choices=BLANK + list(Instrument.choices)
    )
    badge = forms.ChoiceField(
        label=_("Published qualification"),
        required=False,
        choices=BLANK + list(Qualification.choices),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=BLANK + CURRENCY_CHOICES,
        help_text=_("Amounts are compared within this currency only."),
    )
    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, max_digits=17, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Amount to"), required=False, min_value=0, max_digits=17, decimal_places=2
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("newest", _("Newest")), ("deadline", _("Deadline")), ("amount", _("Amount"))],
    )


class OperatorRequestFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + list(RequestStatus.choices)
    )
    jurisdiction = forms.ChoiceField(
        label=_("Jurisdiction"), required=False, choices=BLANK + list(Jurisdiction.choices)
    )
