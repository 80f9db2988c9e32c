"""Forms for the accounts pages. They only parse; the services decide every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import DateInput, ServiceFormMixin, StyledFormMixin
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import InstitutionKind, Jurisdiction, Sector, Stage

from .models import Organisation, OrganisationKind, OrganisationStatus


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "---------"), *choices]


class LoginForm(StyledFormMixin, AuthenticationForm):
    username = forms.CharField(label=_("Email"), max_length=254,
                               widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean(self) -> dict[str, Any]:
        if self.cleaned_data.get("username"):
            self.cleaned_data["username"] = self.cleaned_data["username"].strip().lower()
        return super().clean()


class SignupForm(ServiceFormMixin, forms.Form):
    """Account and organisation fields common to every kind."""

    email = forms.CharField(label=_("Email"), max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits and not a common password."),
    )
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), required=False, max_length=200)
    name_zh_hant = forms.CharField(label=_("Name (Traditional Chinese)"), required=False, max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), required=False, max_length=200,
                              help_text=_("Give the name in at least one language."))
    name_pt = forms.CharField(label=_("Name (Portuguese)"), required=False, max_length=200)
    jurisdiction = forms.CharField(label=_("Jurisdiction"),
                                   widget=forms.Select(choices=_blank(Jurisdiction.choices)))

    kind: str = OrganisationKind.OBSERVER
    profile_fields: tuple[str, ...] = ()

    def names(self) -> dict[str, str]:
        return {f: self.data.get(f, "") for f in Organisation.NAME_FIELDS}

    def profile(self) -> dict[str, Any]:
        return {f: self.data.get(f, "") for f in self.profile_fields}


class EnterpriseSignupForm(SignupForm):
    kind = OrganisationKind.ENTERPRISE
    profile_fields = ("registration_number", "founding_date", "employees", "tech_staff", "sector",
                      "stage", "description")

    registration_number = forms.CharField(
        label=_("Registration number"), max_length=32,
        help_text=_("Mainland: the 18-character Unified Social Credit Code; Macao: the commercial "
                    "registry number; Hong Kong: the BR number."),
    )
    founding_date = forms.CharField(label=_("Founding date"), widget=DateInput())
    employees = forms.CharField(label=_("Employees"), widget=forms.NumberInput(attrs={"min": 0}))
    tech_staff = forms.CharField(label=_("Tech staff"), widget=forms.NumberInput(attrs={"min": 0}))
    sector = forms.CharField(label=_("Sector"), widget=forms.Select(choices=_blank(Sector.choices)))
    stage = forms.CharField(label=_("Stage"), widget=forms.Select(choices=_blank(Stage.choices)))
    description = forms.CharField(label=_("Business description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, "col": "col-12"}),
                                  help_text=_("In any language."))


class InstitutionSignupForm(SignupForm):
    kind = OrganisationKind.INSTITUTION
    profile_fields = ("kind", "licence_number", "aum_amount", "aum_currency")

    licence_number = forms.CharField(label=_("Licence number"), max_length=64)
    aum_amount = forms.CharField(label=_("Assets under management"), required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    aum_currency = forms.CharField(
        label=_("AUM currency"), required=False,
        widget=forms.Select(choices=_blank(CURRENCY_CHOICES)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.CharField(label=_("Institution kind"),
                                widget=forms.Select(choices=_blank(InstitutionKind.choices)))
        field.widget.attrs["class"] = "form-select"
        self.fields["kind"] = field
        order = [n for n in self.fields if n != "kind"]
        order.insert(order.index("licence_number"), "kind")
        self.order_fields(order)


class ObserverSignupForm(SignupForm):
    kind = OrganisationKind.OBSERVER


SIGNUP_FORMS: dict[str, type[SignupForm]] = {
    "enterprise": EnterpriseSignupForm,
    "institution": InstitutionSignupForm,
    "observer": ObserverSignupForm,
}


class RejectForm(ServiceFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"),
                             widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"}))


class OrganisationFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or registration number"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(OrganisationKind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(OrganisationStatus.choices))
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False,
                                     choices=_blank(Jurisdiction.choices))


class InviteForm(ServiceFormMixin, forms.Form):
    email = forms.CharField(label=_("Email of your colleague"), max_length=254,
                            widget=forms.EmailInput(attrs={"col": "col-12"}))


class AcceptInvitationForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), required=False, max_length=150)
    password = forms.CharField(
        label=_("Choose a password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits and not a common password."),
    )


class TokenForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100,
                           help_text=_("What the token is for, for example \"ERP sync\"."),
                           widget=forms.TextInput(attrs={"col": "col-12"}))


class AuditFilterForm(StyledFormMixin, forms.Form):
    action = forms.CharField(label=_("Action"), required=False,
                             widget=forms.TextInput(attrs={"col": "col-6 col-md-2"}))
    subject_type = forms.ChoiceField(label=_("Subject type"), required=False, choices=[],
                                     widget=forms.Select(attrs={"col": "col-6 col-md-2"}))
    actor = forms.CharField(label=_("Actor email"), required=False,
                            widget=forms.TextInput(attrs={"col": "col-6 col-md-2"}))
    organisation = forms.IntegerField(label=_("Organisation ID"), required=False,
                                      widget=forms.NumberInput(attrs={"col": "col-6 col-md-2"}))
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=DateInput(attrs={"col": "col-6 col-md-2"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=DateInput(attrs={"col": "col-6 col-md-2"}))

    def __init__(self, *args: Any, subject_types: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _blank([(t, t) for t in sorted(subject_types or [])])
