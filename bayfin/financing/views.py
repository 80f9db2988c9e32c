"""Pages for the financing app: thin views over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import DomainError, NotFound, ValidationFailed
from bayfin.common.forms import apply_domain_error
from bayfin.fx import selectors as fx_selectors
from bayfin.fx.engine.channels import direction
from bayfin.ledger import selectors as ledger_selectors
from bayfin.ledger.services import reference_of

from . import selectors, services
from .forms import (
    BrowseFilterForm,
    DealTransitionForm,
    InterestForm,
    OperatorRequestFilterForm,
    RequestForm,
    RequestTransitionForm,
)
from .models import FinancingRequest
from .transitions import REQUEST_VISIBLE_STATUSES, DealStage, RequestStatus

PAGE_SIZE = 20


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(exc: DomainError) -> str:
    parts = [str(exc.message)]
    for messages_ in exc.fields.values():
        parts.extend(str(m) for m in messages_)
    return " ".join(p for p in parts if p)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# --------------------------------------------------------------------------- enterprise: own requests


@role_required("enterprise")
def my_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    qs = selectors.request_list_own(request.user, {"status": status} if status in RequestStatus.values else {})
    return render(request, "financing/my_requests.html", {
        "page_obj": _page(request, qs), "statuses": RequestStatus.choices, "status": status,
    })


@role_required("enterprise")
def request_create(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, channels=fx_selectors.channel_list_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_create(actor=request.user, data=form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The request was saved as a draft. Submit it when it is ready."))
            return redirect("financing:request_detail", request_id=req.pk)
    return render(request, "financing/request_form.html", {"form": form, "financing_request": None})


def _initial(req: FinancingRequest) -> dict[str, Any]:
    return {"title": req.title, "amount": req.amount, "currency": req.currency,
            "instruments": req.instruments, "purpose": req.purpose, "use_of_funds": req.use_of_funds,
            "term_months": req.term_months or "", "deadline": req.deadline.isoformat(),
            "channel": str(req.channel_id or "")}


@role_required("enterprise")
def request_edit(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_get_for(request.user, request_id)
    if not selectors.request_editable_for(request.user, req):
        messages.error(request, _("Only draft or open requests can be edited."))
        return redirect("financing:request_detail", request_id=req.pk)
    channels = list(fx_selectors.channel_list_for(request.user))
    if req.channel is not None and req.channel not in channels:
        channels.append(req.channel)  # no longer in use: shown, so that saving does not drop it unseen
    form = RequestForm(request.POST or None, initial=_initial(req), channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_update(actor=request.user, request_id=req.pk, data=form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The request was updated."))
            return redirect("financing:request_detail", request_id=req.pk)
    return render(request, "financing/request_form.html", {"form": form, "financing_request": req})


@role_required("enterprise")
@require_POST
def request_transition(request: HttpRequest, request_id: int) -> HttpResponse:
    form = RequestTransitionForm(request.POST)
    target = reverse("financing:request_detail", kwargs={"request_id": request_id})
    if not form.is_valid():
        messages.error(request, _("Choose a valid action."))
        return redirect(target)
    try:
        req = services.request_transition(actor=request.user, request_id=request_id,
                                          to_status=form.cleaned_data["to"],
                                          reason=form.cleaned_data.get("reason") or "")
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(target)
    messages.success(request, _("The request is now %(status)s.") % {"status": req.get_status_display()})
    return redirect(target)


# --------------------------------------------------------------------------- request page (all parties)


def _detail_context(request: HttpRequest, req: FinancingRequest, interest_form: Any = None) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", None)
    deals = list(selectors.deals_on_request_for(user, req))
    ctx: dict[str, Any] = {
        "financing_request": req,
        "profile": selectors.public_profile(req.enterprise),
        "deals": [{"deal": d, "actions": selectors.deal_actions_for(user, d)} for d in deals],
        "request_actions": selectors.request_actions_for(user, req),
        "can_edit": selectors.request_editable_for(user, req),
        "is_owner": role == "enterprise",
        "DealStage": DealStage,
        "limit_position": selectors.request_limit_position_for(user, req),
    }
    if role == "institution" and req.status in REQUEST_VISIBLE_STATUSES:
        ctx["product_fits"] = selectors.product_fits_for_request(user, req)
        live = [d for d in deals if selectors.deal_is_live(d)]
        ctx["own_live_deal"] = live[0] if live else None
        if not live and req.status in REQUEST_VISIBLE_STATUSES:
            ctx["interest_form"] = interest_form or InterestForm(
                products=selectors.own_published_products(user))
    return ctx


@role_required("enterprise", "institution", "operator")
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_get_for(request.user, request_id)
    return render(request, "financing/request_detail.html", _detail_context(request, req))


@role_required("institution")
@require_POST
def request_interest(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_get_for(request.user, request_id)
    form = InterestForm(request.POST, products=selectors.own_published_products(request.user))
    if form.is_valid():
        try:
            deal = services.deal_express_interest(actor=request.user, request_id=req.pk,
                                                  message=form.cleaned_data["message"],
                                                  product_id=form.cleaned_data.get("product") or None)
        except ValidationFailed as exc:
            exc.fields = {("product" if k == "product_id" else k): v for k, v in exc.fields.items()}
            apply_domain_error(form, exc)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            return redirect("financing:request_detail", request_id=req.pk)
        else:
            messages.success(request, _("Your interest was sent to the enterprise."))
            return redirect("financing:deal_detail", deal_id=deal.pk)
    return render(request, "financing/request_detail.html", _detail_context(request, req, form))


# --------------------------------------------------------------------------- institutions: browse


@role_required("institution", "operator")
def request_browse(request: HttpRequest) -> HttpResponse:
    form = BrowseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    try:
        qs = selectors.request_browse_for(request.user, filters)
    except ValidationFailed as exc:
        apply_domain_error(form, exc)
        qs = selectors.request_browse_for(request.user, {})
    page_obj = _page(request, qs)
    rows = [{"r": r, "profile": selectors.public_profile(r.enterprise)} for r in page_obj]
    return render(request, "financing/browse.html", {"form": form, "page_obj": page_obj, "rows": rows})


# --------------------------------------------------------------------------- deals


@role_required("enterprise", "institution", "operator")
def deals(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage") or ""
    qs = selectors.deal_list_for(request.user, {"stage": stage} if stage in DealStage.values else {})
    return render(request, "financing/deals.html", {
        "page_obj": _page(request, qs), "stages": DealStage.choices, "stage": stage,
    })


@role_required("enterprise", "institution", "operator")
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get_for(request.user, deal_id)
    form = None
    if request.method == "POST":
        form = DealTransitionForm(request.POST)
        if form.is_valid():
            try:
                services.deal_transition(actor=request.user, deal_id=deal.pk, to_stage=form.cleaned_data["to"],
                                         comment=form.cleaned_data.get("comment") or "")
            except ValidationFailed as exc:
                apply_domain_error(form, exc)
            except NotFound:
                raise
            except DomainError as exc:
                messages.error(request, _error_text(exc))
                return redirect("financing:deal_detail", deal_id=deal.pk)
            else:
                deal.refresh_from_db()
                messages.success(request, _("The deal is now at stage %(stage)s.") % {
                    "stage": deal.get_stage_display()})
                fallback = reverse("financing:deal_detail", kwargs={"deal_id": deal.pk})
                return redirect(_safe_next(request, fallback))
    flow_direction = direction(deal.institution.organisation.jurisdiction,
                               deal.request.enterprise.organisation.jurisdiction, mainland=fx_selectors.MAINLAND)
    # Each history row with its ledger receipt, once its entry is in a signed checkpoint.
    events = list(deal.events.all())
    references = [reference_of(e) for e in events]
    receipts = ledger_selectors.receipt_indices_for(request.user, references)
    pending = ledger_selectors.receipt_pending_for(request.user, references)
    return render(request, "financing/deal_detail.html", {
        "deal": deal, "actions": selectors.deal_actions_for(request.user, deal),
        "history": [(e, receipts.get(reference_of(e)), reference_of(e) in pending) for e in events],
        "direction": selectors.direction_label(flow_direction),
        "profile": selectors.public_profile(deal.request.enterprise), "form": form,
        "failed_to": form.data.get("to") if form is not None else None, "DealStage": DealStage,
    })


# --------------------------------------------------------------------------- operator console


@role_required("operator")
def operator_requests(request: HttpRequest) -> HttpResponse:
    form = OperatorRequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.operator_request_list(request.user, filters)
    return render(request, "financing/operator_requests.html", {"form": form, "page_obj": _page(request, qs)})
