"""Consent forms: they only parse what the user typed; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.vocab import Jurisdiction

from .models import Scope
from .services import is_cross_border

BLANK = [("", "—")]

# What each scope shares, in one line (the grant form and the institution's page say it).
SCOPE_EXPLANATIONS = {
    Scope.PROFILE: _(
        "Registration number, founding date, exact headcount and tech staff, IP counts, every "
        "certification with its number, and your beneficial owners' names, shares and nationalities."
    ),
    Scope.STATEMENTS: _(
        "Your yearly financial statements: revenue, R&D expense, costs, profit, assets, liabilities, "
        "cash flow and tax credit grade."
    ),
    Scope.CREDIT: _("Your credit score and the reasons behind it, once one has been computed."),
    Scope.EVALUATION: _(
        "Your latest sci-tech evaluations (Sci-Tech SME, HNTE, Macao) with their reasons."
    ),
    Scope.DOCUMENTS: _(
        "The documents you uploaded to the data room (business plan, statements, patents, contracts)."
    ),
}


def scope_choices() -> list[tuple[str, Any, Any]]:
    return [
        (value, label, SCOPE_EXPLANATIONS.get(Scope(value), "")) for value, label in Scope.choices
    ]


class InstitutionSelect(forms.Select):
    """A select whose options say where each institution is (``data-jurisdiction``) and whether
    granting to it is a cross-border transfer (``data-cross-border``), for the page's notice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_data: dict[str, dict[str, str]] = {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option


def institution_label(institution: Any) -> str:
    org = institution.organisation
    try:
        where = Jurisdiction(org.jurisdiction).label
    except ValueError:
        where = org.jurisdiction
    return f"{org.display_name()} ({where})"


class GrantForm(ServiceFormMixin, forms.Form):
    institution_id = forms.ChoiceField(label=_("Institution"), widget=InstitutionSelect)
    scopes = forms.MultipleChoiceField(
        label=_("What to share"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the institution may use your data for."),
    )
    valid_until = forms.CharField(
        label=_("Valid until"),
        widget=DateInput,
        help_text=_("The last day the institution may read it (at most three years ahead)."),
    )
    cross_border_consent = forms.BooleanField(
        label=_("I separately consent to transferring this data outside the Mainland."),
        required=False,
    )

    def __init__(self, *args: Any, institutions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution_id"]
        field.choices = BLANK + [(str(i.pk), institution_label(i)) for i in institutions]
        widget = field.widget
        assert isinstance(widget, InstitutionSelect)  # noqa: S101
        widget.option_data = {
            str(i.pk): {
                "data-cross-border": "true"
                if is_cross_border(i.organisation.jurisdiction)
                else "false",
                "data-name": i.organisation.display_name(),
                "data-jurisdiction": str(Jurisdiction(i.organisation.jurisdiction).label)
                if i.organisation.jurisdiction in Jurisdiction.values
                else i.organisation.jurisdiction,
            }
            for i in institutions
        }
        self.institutions = {str(i.pk): i for i in institutions}

    def chosen_institution(self) -> Any:
        """The institution picked in the posted data (to say server-side whether it crosses the border)."""
        value = (
            self.data.get("institution_id") if self.is_bound else self.initial.get("institution_id")
        )
        return self.institutions.get(str(value or ""))


class ConfirmForm(ServiceFormMixin, forms.Form):
    """Confirming (and perhaps editing) a proposed grant: the institution is fixed."""

    scopes = GrantForm.base_fields["scopes"]
    purpose = GrantForm.base_fields["purpose"]
    valid_until = forms.CharField(
        label=_("Valid until"),
        widget=DateInput,
        required=False,
        help_text=_(
            "Leave empty to share for the life of the deal: access ends when the deal ends."
        ),
    )
    cross_border_consent = GrantForm.base_fields["cross_border_consent"]


class ReasonForm(ServiceFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AccessFilterForm(StyledFormMixin, forms.Form):
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    scope = forms.ChoiceField(label=_("Data"), required=False, choices=BLANK + list(Scope.choices))

    def __init__(self, *args: Any, institutions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = BLANK + [
            (str(i.pk), institution_label(i)) for i in institutions
        ]
