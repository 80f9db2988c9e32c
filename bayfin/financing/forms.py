"""Financing forms: they only parse what the user typed; services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import Instrument, Jurisdiction, Qualification, Sector, Stage

from .transitions import RequestStatus

BLANK = [("", "—")]


class RequestForm(ServiceFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.CharField(label=_("Amount"), help_text=_("For example 8000000.00"),
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    currency = forms.ChoiceField(label=_("Currency"), choices=BLANK + CURRENCY_CHOICES)
    instruments = forms.MultipleChoiceField(label=_("Acceptable instruments"), choices=Instrument.choices,
                                            widget=forms.CheckboxSelectMultiple, required=False)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    use_of_funds = forms.CharField(label=_("Use of funds"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    term_months = forms.CharField(label=_("Term (months)"), required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    deadline = forms.CharField(label=_("Deadline"), widget=DateInput)
    channel = forms.ChoiceField(
        label=_("Channel (optional)"), required=False,
        help_text=_("The cross-border channel you mean to use. Leave it empty if you do not know: "
                    "each institution's product shows which channels fit. A channel with a limit "
                    "checks the amount against your cross-border borrowing limit."))

    def __init__(self, *args: Any, channels: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = BLANK + [(str(c.pk), c.display_name()) for c in channels]
        for name in ("instruments", "purpose", "use_of_funds"):
            self.fields[name].widget.attrs["col"] = "col-12"


class RequestTransitionForm(ServiceFormMixin, forms.Form):
    to = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000)


class DealTransitionForm(ServiceFormMixin, forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"}))


class InterestForm(ServiceFormMixin, forms.Form):
    message = forms.CharField(label=_("Message to the enterprise"),
                              widget=forms.Textarea(attrs={"rows": 4, "col": "col-12"}))
    product = forms.ChoiceField(label=_("Product (optional)"), required=False)

    def __init__(self, *args: Any, products: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = BLANK + [(str(p.pk), p.name) for p in products]


class BrowseFilterForm(StyledFormMixin, forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=BLANK + list(Sector.choices))
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False,
                                     choices=BLANK + list(Jurisdiction.choices))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=BLANK + list(Stage.choices))
    instrument = forms.ChoiceField(label=_("Instrument"), required=False,
                                   choices=BLANK + list(Instrument.choices))
    badge = forms.ChoiceField(label=_("Published qualification"), required=False,
                              choices=BLANK + list(Qualification.choices))
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=BLANK + CURRENCY_CHOICES,
                                 help_text=_("Amounts are compared within this currency only."))
    amount_min = forms.DecimalField(label=_("Amount from"), required=False, min_value=0, max_digits=17,
                                    decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount to"), required=False, min_value=0, max_digits=17,
                                    decimal_places=2)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("newest", _("Newest")), ("deadline", _("Deadline")), ("amount", _("Amount"))])


class OperatorRequestFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + list(RequestStatus.choices))
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False,
                                     choices=BLANK + list(Jurisdiction.choices))
