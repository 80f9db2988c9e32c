"""Pages of the consent app: the enterprise's data sharing and access log, the institution's
"shared with us". Thin views over ``services`` and ``selectors``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render as django_render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import DomainError, NotFound, ValidationFailed
from bayfin.common.forms import apply_domain_error
from bayfin.common.vocab import Jurisdiction, Sector, Stage
from bayfin.ledger import selectors as ledger_selectors
from bayfin.ledger.services import reference_of

from . import selectors, services
from .forms import (
    SCOPE_EXPLANATIONS,
    AccessFilterForm,
    ConfirmForm,
    GrantForm,
    ReasonForm,
    scope_choices,
)
from .models import ConsentGrant, GrantStatus, Scope

PAGE_SIZE = 20
# The vocabularies templates turn codes into labels with (``|choice_label:Scope``).
VOCABULARIES = {"Scope": Scope, "Jurisdiction": Jurisdiction, "Sector": Sector, "Stage": Stage}


def render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return django_render(request, template, {**VOCABULARIES, **context})


def _documents_url(enterprise_id: int) -> str:
    """The data room's page for an enterprise, once the documents app has one."""
    try:
        return reverse("documents:shared_for", kwargs={"enterprise_id": enterprise_id})
    except NoReverseMatch:
        return ""


def _error_text(exc: DomainError) -> str:
    parts = [str(exc.message)]
    for reasons in exc.fields.values():
        parts.extend(str(m) for m in reasons)
    return " ".join(p for p in parts if p)


def _receipts(request: HttpRequest, grants: list[ConsentGrant]) -> tuple[dict[str, int], set[str]]:
    references = [reference_of(g) for g in grants if g.granted_at is not None]
    return (
        ledger_selectors.receipt_indices_for(request.user, references),
        ledger_selectors.receipt_pending_for(request.user, references),
    )


def _rows(request: HttpRequest, grants: list[ConsentGrant]) -> list[dict[str, Any]]:
    receipts, pending = _receipts(request, grants)
    live = {g.pk for g in grants if g.status == GrantStatus.ACTIVE and selectors.is_live(g)}
    return [
        {
            "grant": g,
            "live": g.pk in live,
            "receipt": receipts.get(reference_of(g)),
            "receipt_pending": reference_of(g) in pending,
        }
        for g in grants
    ]


# --------------------------------------------------------------------------- enterprise


@role_required("enterprise")
def grants(request: HttpRequest) -> HttpResponse:
    rows = _rows(request, list(selectors.grant_list_own(request.user)))
    return render(
        request,
        "consent/grants.html",
        {
            "proposed": [r for r in rows if r["grant"].status == GrantStatus.PROPOSED],
            "active": [r for r in rows if r["grant"].status == GrantStatus.ACTIVE],
            "past": [
                r
                for r in rows
                if r["grant"].status not in (GrantStatus.PROPOSED, GrantStatus.ACTIVE)
            ],
            "dismiss_form": ReasonForm(),
        },
    )


def _scope_options(form: Any) -> list[dict[str, Any]]:
    """The scope checkboxes with their explanations and whether each is ticked."""
    raw = (
        form.data.getlist("scopes")
        if form.is_bound and hasattr(form.data, "getlist")
        else (form.initial.get("scopes") or [])
    )
    return [
        {
            "value": value,
            "label": label,
            "explanation": explanation,
            "checked": value in raw,
            "id": f"id_scopes_{index}",
        }
        for index, (value, label, explanation) in enumerate(scope_choices())
    ]


@role_required("enterprise")
def grant_create(request: HttpRequest) -> HttpResponse:
    institutions = list(selectors.institutions_to_grant(request.user))
    form = GrantForm(
        request.POST or None,
        institutions=institutions,
        initial={"institution_id": request.GET.get("institution", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.consent_grant(actor=request.user, data=form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(institution)s may now read what you chose, until %(date)s.")
                % {
                    "institution": grant.institution.organisation.display_name(),
                    "date": grant.valid_until,
                },
            )
            return redirect("consent:grant_detail", grant_id=grant.pk)
    chosen = form.chosen_institution()
    return render(
        request,
        "consent/grant_form.html",
        {
            "form": form,
            "scope_options": _scope_options(form),
            "institution": chosen,
            "cross_border": chosen is not None
            and services.is_cross_border(chosen.organisation.jurisdiction),
            "grant": None,
        },
    )


@role_required("enterprise")
def grant_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_get_own(request.user, grant_id)
    row = _rows(request, [grant])[0]
    accesses = selectors.access_log_own(request.user).filter(grant=grant)
    return render(
        request,
        "consent/grant_detail.html",
        {
            "grant": grant,
            "grant_row": row,
            "accesses": accesses[:20],
            "access_count": accesses.count(),
            "explanations": SCOPE_EXPLANATIONS,
            "revoke_form": ReasonForm(),
        },
    )


@role_required("enterprise")
def grant_confirm(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_get_own(request.user, grant_id)
    if grant.status != GrantStatus.PROPOSED:
        messages.info(request, _("This consent is no longer waiting for your confirmation."))
        return redirect("consent:grant_detail", grant_id=grant.pk)
    initial = {
        "scopes": list(grant.scopes),
        "purpose": grant.purpose,
        "valid_until": grant.valid_until.isoformat() if grant.valid_until else "",
    }
    form = ConfirmForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.consent_confirm(
                actor=request.user, grant_id=grant.pk, data=form.cleaned_data
            )
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            return redirect("consent:grants")
        else:
            messages.success(
                request,
                _("Consent given: %(institution)s may now read what you chose.")
                % {"institution": grant.institution.organisation.display_name()},
            )
            return redirect("consent:grant_detail", grant_id=grant.pk)
    return render(
        request,
        "consent/grant_form.html",
        {
            "form": form,
            "scope_options": _scope_options(form),
            "institution": grant.institution,
            "cross_border": services.is_cross_border(grant.institution.organisation.jurisdiction),
            "grant": grant,
        },
    )


@role_required("enterprise")
@require_POST
def grant_dismiss(request: HttpRequest, grant_id: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.consent_dismiss(
            actor=request.user, grant_id=grant_id, reason=form.cleaned_data.get("reason") or ""
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The proposed consent was declined: nothing is shared."))
    return redirect("consent:grants")


@role_required("enterprise")
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    """GET: the confirmation page; POST: revoke (effective for the institution's next read)."""
    grant = selectors.grant_get_own(request.user, grant_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(
                actor=request.user, grant_id=grant.pk, reason=form.cleaned_data.get("reason") or ""
            )
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            return redirect("consent:grant_detail", grant_id=grant.pk)
        else:
            messages.success(
                request,
                _("Consent revoked: %(institution)s can no longer read this data.")
                % {"institution": grant.institution.organisation.display_name()},
            )
            return redirect("consent:grant_detail", grant_id=grant.pk)
    if grant.status != GrantStatus.ACTIVE:
        messages.info(request, _("Only an active consent can be revoked."))
        return redirect("consent:grant_detail", grant_id=grant.pk)
    return render(request, "consent/grant_revoke.html", {"grant": grant, "form": form})


@role_required("enterprise")
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessFilterForm(
        request.GET or None, institutions=selectors.access_log_institutions_own(request.user)
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    try:
        qs = selectors.access_log_own(request.user, filters)
    except ValidationFailed as exc:
        apply_domain_error(form, exc)
        qs = selectors.access_log_own(request.user, {})
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "consent/access_log.html",
        {"form": form, "page_obj": page_obj, "filtered": bool(filters and any(filters.values()))},
    )


# --------------------------------------------------------------------------- institution


@role_required("institution")
def shared(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consent/shared.html",
        {
            "entries": selectors.shared_enterprises_for(request.user),
            "received": list(selectors.grant_list_received(request.user)[:50]),
        },
    )


@role_required("institution")
def shared_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """One enterprise's shared data, one scope at a time (``?scope=``): only the scope shown is
    read, so the enterprise's log lists exactly what was looked at."""
    entry = selectors.shared_enterprise_for(request.user, enterprise_id)
    readable = [s for s in entry.scopes if s in selectors.SHARED_READERS]
    scope = request.GET.get("scope") or (
        readable[0] if readable else (entry.scopes[0] if entry.scopes else "")
    )
    if scope not in Scope.values:
        scope = readable[0] if readable else ""
    section: Any = None
    if scope in entry.scopes and scope in selectors.SHARED_READERS:
        try:
            section = selectors.SHARED_READERS[Scope(scope)](
                request.user, enterprise_id, via="page"
            )
        except NotFound:
            section = None  # revoked or ended since the list was read: shown as not shared
    tabs = [
        {"value": value, "label": label, "shared": value in entry.scopes, "active": value == scope}
        for value, label in Scope.choices
    ]
    return render(
        request,
        "consent/shared_detail.html",
        {
            "entry": entry,
            "scope": scope,
            "tabs": tabs,
            "section": section,
            "shared": scope in entry.scopes and (section is not None or scope == Scope.DOCUMENTS),
            "explanation": SCOPE_EXPLANATIONS.get(Scope(scope)) if scope in Scope.values else "",
            "documents_url": _documents_url(enterprise_id) if scope == Scope.DOCUMENTS else "",
        },
    )
