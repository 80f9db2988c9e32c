"""Pages for the accounts app: thin views over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.common.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.forms import apply_domain_error
from bayfin.ledger import selectors as ledger_selectors

from . import selectors, services
from .decorators import role_required
from .forms import (
    SIGNUP_FORMS,
    AcceptInvitationForm,
    AuditFilterForm,
    InviteForm,
    OrganisationFilterForm,
    RejectForm,
    TokenForm,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"
PAGE_SIZE = 25
NEW_TOKEN_SESSION_KEY = "accounts_new_api_token"


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _refusal_message(request: HttpRequest, exc: DomainError) -> None:
    """A refused action on a POST-and-redirect page becomes a message on the next page.

    Not found and not allowed stay 404 and 403 (``role_required`` turns them into those).
    """
    if isinstance(exc, (NotFound, PermissionDenied, NotAuthenticated)):
        raise exc
    messages.error(request, str(exc.message))


# ---------------------------------------------------------------------------------------
# Sign-up


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    return render(request, "accounts/signup_choose.html")


def signup_kind(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = SIGNUP_FORMS.get(kind)
    if form_class is None:
        raise Http404
    if request.user.is_authenticated:
        return redirect("web:home")
    if request.method == "POST":
        form = form_class(request.POST)
        try:
            user = services.organisation_register(
                kind=form.kind, email=request.POST.get("email", ""),
                password=request.POST.get("password", ""), names=form.names(),
                jurisdiction=request.POST.get("jurisdiction", ""), profile=form.profile(),
            )
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to BayFin. Your organisation is registered and "
                                        "waits for verification by the platform operator."))
            return redirect("web:home")
    else:
        form = form_class()
    return render(request, "accounts/signup_form.html", {"form": form, "kind": kind})


# ---------------------------------------------------------------------------------------
# Operator console: verification, organisations


@role_required("operator")
def verification_queue(request: HttpRequest) -> HttpResponse:
    filters = OrganisationFilterForm(request.GET or None)
    clean = filters.cleaned_data if filters.is_valid() else {}
    page_obj = _page(request, selectors.verification_queue_for(request.user, clean))
    return render(request, "accounts/verification_queue.html",
                  {"page_obj": page_obj, "reject_form": RejectForm(), "filters": filters})


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on; never to another site (``/\\evil.example`` included)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@require_POST
@role_required("operator")
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        org = services.organisation_verify(actor=request.user, organisation_id=pk)
    except DomainError as exc:
        _refusal_message(request, exc)
    else:
        messages.success(request, _("%(name)s is verified.") % {"name": org.display_name()})
    return _back(request, "accounts:verification_queue")


@require_POST
@role_required("operator")
def organisation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    try:
        org = services.organisation_reject(actor=request.user, organisation_id=pk,
                                           reason=request.POST.get("reason", ""))
    except ValidationFailed as exc:
        apply_domain_error(form, exc)
        organisation = selectors.organisation_get_for(request.user, pk)
        return render(request, "accounts/organisation_detail.html",
                      _detail_context(request, organisation, form), status=422)
    except DomainError as exc:
        _refusal_message(request, exc)
    else:
        messages.success(request, _("%(name)s is rejected.") % {"name": org.display_name()})
    return _back(request, "accounts:verification_queue")


@role_required("operator")
def organisations(request: HttpRequest) -> HttpResponse:
    filters = OrganisationFilterForm(request.GET or None)
    clean = filters.cleaned_data if filters.is_valid() else {}
    page_obj = _page(request, selectors.organisation_list_for(request.user, clean))
    return render(request, "accounts/organisations.html", {"filters": filters, "page_obj": page_obj})


# The ledger entries that record an organisation's verification decision.
DECISION_KINDS = ("organisation.verified", "organisation.rejected")


def _detail_context(request: HttpRequest, organisation: Any, reject_form: Any = None) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "decision_receipt": ledger_selectors.receipt_index_for_subject(request.user, organisation,
                                                                       kinds=DECISION_KINDS),
        "owners": selectors.beneficial_owners_for(request.user, organisation),
        "members": selectors.membership_list_for(request.user, organisation),
        "reject_form": reject_form or RejectForm(),
    }


@role_required("operator")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(request.user, pk)
    return render(request, "accounts/organisation_detail.html", _detail_context(request, organisation))


# ---------------------------------------------------------------------------------------
# Team and invitations


@role_required()
def team(request: HttpRequest) -> HttpResponse:
    members = selectors.membership_list_for(request.user)
    invitations = selectors.invitation_list_for(request.user)
    form = InviteForm()
    if request.method == "POST":  # a member who is not an admin: the service refuses (403)
        form = InviteForm(request.POST)
        try:
            invitation, _raw = services.invitation_create(actor=request.user,
                                                          email=request.POST.get("email", ""))
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:team")
    return render(request, "accounts/team.html",
                  {"members": members, "invitations": invitations, "form": form,
                   "is_admin": request.user.is_org_admin})  # type: ignore[union-attr]


@require_POST
@role_required()
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.invitation_revoke(actor=request.user, invitation_id=pk)
    except DomainError as exc:
        _refusal_message(request, exc)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("accounts:team")


@require_POST
@role_required()
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.membership_remove(actor=request.user, membership_id=pk)
    except DomainError as exc:
        _refusal_message(request, exc)
    else:
        messages.success(request, _("The member is removed."))
    return redirect("accounts:team")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    problem = services.invitation_problem(invitation)
    status = 200 if problem is None else 410
    if request.user.is_authenticated and problem is None:
        problem = _("You are signed in. Sign out first to accept this invitation with a new account.")
    form = AcceptInvitationForm()
    if problem is None and request.method == "POST":
        form = AcceptInvitationForm(request.POST)
        try:
            user = services.invitation_accept(raw_token=token, password=request.POST.get("password", ""),
                                              name=request.POST.get("name", ""))
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except DomainError as exc:
            problem, status = exc.message, 410
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to BayFin."))
            return redirect("web:home")
    return render(request, "accounts/invitation_accept.html",
                  {"invitation": invitation if problem is None else None, "problem": problem,
                   "form": form}, status=status)


# ---------------------------------------------------------------------------------------
# API tokens


@role_required()
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm()
    if request.method == "POST":
        form = TokenForm(request.POST)
        try:
            _token, raw = services.api_token_create(actor=request.user, name=request.POST.get("name", ""))
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = raw
            return redirect("accounts:tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(request, "accounts/tokens.html",
                  {"tokens": selectors.api_token_list_for(request.user), "form": form,
                   "new_token": new_token})


@require_POST
@role_required()
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.api_token_revoke(actor=request.user, token_id=pk)
    messages.success(request, _("The API token is revoked."))
    return redirect("accounts:tokens")


# ---------------------------------------------------------------------------------------
# Audit log


@role_required("operator")
def audit(request: HttpRequest) -> HttpResponse:
    filters = AuditFilterForm(request.GET or None, subject_types=selectors.audit_subject_types())
    clean = filters.cleaned_data if filters.is_valid() else {}
    page_obj = _page(request, selectors.audit_list_for(request.user, clean))
    return render(request, "accounts/audit.html", {"filters": filters, "page_obj": page_obj})
