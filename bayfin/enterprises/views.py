"""Pages for the enterprises app: thin views over services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import ValidationFailed
from bayfin.common.forms import apply_domain_error

from . import selectors, services
from .forms import CertificationForm, OwnerForm, ProfileForm, StatementForm
from .models import FinancialStatement

# --- profile -----------------------------------------------------------------------


@role_required("enterprise")
def profile(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.enterprise_update_profile(actor=request.user, enterprise_id=enterprise.pk,
                                                   data=form.cleaned_data)
            except ValidationFailed as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("The profile is saved."))
                return redirect("enterprises:profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(enterprise))
    return render(request, "enterprises/profile.html", {
        "form": form,
        "enterprise": enterprise,
        "owners": selectors.owners_list_for(request.user, enterprise.pk),
        "certifications": selectors.certifications_list_for(request.user, enterprise.pk),
    })


def _edit_page(request: HttpRequest, *, form: forms.Form, save: Callable[[dict[str, Any]], Any],
               title: str, success: str, back: str) -> HttpResponse:
    """The shared add/edit flow: parse, call the service, keep what was typed on errors."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(back)
    return render(request, "enterprises/edit.html", {"form": form, "title": title, "back": back})


@role_required("enterprise")
def owner_add(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    form = OwnerForm(request.POST or None)
    return _edit_page(
        request, form=form, title=_("Add a beneficial owner"), success=_("The owner is added."),
        back="enterprises:profile",
        save=lambda data: services.owner_add(actor=request.user, enterprise_id=enterprise.pk, data=data))


@role_required("enterprise")
def owner_edit(request: HttpRequest, owner_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    owner = selectors.owner_get_for(request.user, enterprise.pk, owner_id)
    initial = {"name": owner.name, "share_percent": str(owner.share_percent), "nationality": owner.nationality}
    form = OwnerForm(request.POST or None, initial=initial)
    return _edit_page(
        request, form=form, title=_("Edit a beneficial owner"), success=_("The owner is saved."),
        back="enterprises:profile",
        save=lambda data: services.owner_update(actor=request.user, enterprise_id=enterprise.pk,
                                                owner_id=owner.pk, data=data))


@require_POST
@role_required("enterprise")
def owner_remove(request: HttpRequest, owner_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    services.owner_remove(actor=request.user, enterprise_id=enterprise.pk, owner_id=owner_id)
    messages.success(request, _("The owner is removed."))
    return redirect("enterprises:profile")


@role_required("enterprise")
def certification_add(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    form = CertificationForm(request.POST or None)
    return _edit_page(
        request, form=form, title=_("Add a certification"), success=_("The certification is added."),
        back="enterprises:profile",
        save=lambda data: services.certification_add(actor=request.user, enterprise_id=enterprise.pk, data=data))


@role_required("enterprise")
def certification_edit(request: HttpRequest, certification_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    cert = selectors.certification_get_for(request.user, enterprise.pk, certification_id)
    initial = {"kind": cert.kind, "number": cert.number, "issued_on": cert.issued_on,
               "expires_on": cert.expires_on, "published": cert.published}
    form = CertificationForm(request.POST or None, initial=initial)
    return _edit_page(
        request, form=form, title=_("Edit a certification"), success=_("The certification is saved."),
        back="enterprises:profile",
        save=lambda data: services.certification_update(actor=request.user, enterprise_id=enterprise.pk,
                                                         certification_id=cert.pk, data=data))


@require_POST
@role_required("enterprise")
def certification_remove(request: HttpRequest, certification_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    services.certification_remove(actor=request.user, enterprise_id=enterprise.pk,
                                  certification_id=certification_id)
    messages.success(request, _("The certification is removed."))
    return redirect("enterprises:profile")


# --- statements --------------------------------------------------------------------


@role_required("enterprise")
def statements(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    years = list(selectors.statements_list_for(request.user, enterprise.pk))
    # Line items as rows and years as columns, the way a statement is read.
    rows = [(FinancialStatement._meta.get_field(name).verbose_name,
             [(getattr(s, name), s.currency) for s in years])
            for name in FinancialStatement.AMOUNT_FIELDS]
    return render(request, "enterprises/statements.html", {"enterprise": enterprise, "statements": years,
                                                           "rows": rows})


@role_required("enterprise")
def statement_add(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    form = StatementForm(request.POST or None)
    return _edit_page(
        request, form=form, title=_("Add a year's statement"), success=_("The statement is saved."),
        back="enterprises:statements",
        save=lambda data: services.statement_save(actor=request.user, enterprise_id=enterprise.pk,
                                                  year=data["year"], data=data, create_only=True))


@role_required("enterprise")
def statement_edit(request: HttpRequest, year: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    statement = selectors.statement_get_for(request.user, enterprise.pk, year)
    form = StatementForm(request.POST or None, initial=StatementForm.initial_for(statement), fixed_year=year)
    return _edit_page(
        request, form=form, title=_("Edit the statement of %(year)d") % {"year": year},
        success=_("The statement is saved."), back="enterprises:statements",
        save=lambda data: services.statement_save(actor=request.user, enterprise_id=enterprise.pk,
                                                  year=year, data=data))


@require_POST
@role_required("enterprise")
def statement_delete(request: HttpRequest, year: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_own(request.user)
    services.statement_delete(actor=request.user, enterprise_id=enterprise.pk, year=year)
    messages.success(request, _("The statement is deleted."))
    return redirect("enterprises:statements")


# --- public profile (any signed-in role) ---------------------------------------------


@role_required()  # any signed-in role: the public profile holds nothing private
def public_profile(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    profile = selectors.enterprise_public_get_for(request.user, enterprise_id)
    return render(request, "enterprises/public_profile.html", {"profile": profile})
