"""Pages for the financing app: thin views over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.forms import apply_domain_error
from bayfin.common.i18n import format_amount
from bayfin.common.vocab import Instrument
from bayfin.consent.models import GrantStatus
from bayfin.documents import selectors as document_selectors
from bayfin.fx import selectors as fx_selectors
from bayfin.fx.engine.channels import direction
from bayfin.ledger import selectors as ledger_selectors
from bayfin.ledger.services import reference_of

from . import selectors, services
from .forms import (
    BrowseFilterForm,
    DealTransitionForm,
    GuarantorForm,
    InterestForm,
    OperatorRequestFilterForm,
    PaymentForm,
    RequestForm,
    RequestTransitionForm,
    TermSheetForm,
)
from .models import FinancingRequest, TermSheetStatus
from .transitions import (
    DEAL_REASON_REQUIRED,
    DISBURSED_INSTRUMENTS,
    INVESTED_INSTRUMENTS,
    REQUEST_VISIBLE_STATUSES,
    DealStage,
    RequestStatus,
)

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
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --------------------------------------------------------------------------- enterprise: own requests


@role_required("enterprise")
def my_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    qs = selectors.request_list_own(
        request.user, {"status": status} if status in RequestStatus.values else {}
    )
    return render(
        request,
        "financing/my_requests.html",
        {
            "page_obj": _page(request, qs),
            "statuses": RequestStatus.choices,
            "status": status,
        },
    )


@role_required("enterprise")
def request_create(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, channels=fx_selectors.channel_list_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_create(actor=request.user, data=form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("The request was saved as a draft. Submit it when it is ready.")
            )
            return redirect("financing:request_detail", request_id=req.pk)
    return render(request, "financing/request_form.html", {"form": form, "financing_request": None})


def _initial(req: FinancingRequest) -> dict[str, Any]:
    return {
        "title": req.title,
        "amount": req.amount,
        "currency": req.currency,
        "instruments": req.instruments,
        "purpose": req.purpose,
        "use_of_funds": req.use_of_funds,
        "term_months": req.term_months or "",
        "deadline": req.deadline.isoformat(),
        "channel": str(req.channel_id or ""),
    }


@role_required("enterprise")
def request_edit(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_get_for(request.user, request_id)
    if not selectors.request_editable_for(request.user, req):
        messages.error(request, _("Only draft or open requests can be edited."))
        return redirect("financing:request_detail", request_id=req.pk)
    channels = list(fx_selectors.channel_list_for(request.user))
    if req.channel is not None and req.channel not in channels:
        channels.append(
            req.channel
        )  # no longer in use: shown, so that saving does not drop it unseen
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
        req = services.request_transition(
            actor=request.user,
            request_id=request_id,
            to_status=form.cleaned_data["to"],
            reason=form.cleaned_data.get("reason") or "",
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(target)
    messages.success(
        request, _("The request is now %(status)s.") % {"status": req.get_status_display()}
    )
    return redirect(target)


# --------------------------------------------------------------------------- request page (all parties)


def _detail_context(
    request: HttpRequest, req: FinancingRequest, interest_form: Any = None
) -> dict[str, Any]:
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
        "funding": selectors.funding_for(user, req),
    }
    if role == "institution" and req.status in REQUEST_VISIBLE_STATUSES:
        ctx["product_fits"] = selectors.product_fits_for_request(user, req)
        live = [d for d in deals if selectors.deal_is_live(d)]
        ctx["own_live_deal"] = live[0] if live else None
        if not live and req.status in REQUEST_VISIBLE_STATUSES:
            ctx["interest_form"] = interest_form or InterestForm(
                products=selectors.own_published_products(user)
            )
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
            deal = services.deal_express_interest(
                actor=request.user,
                request_id=req.pk,
                message=form.cleaned_data["message"],
                product_id=form.cleaned_data.get("product") or None,
            )
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
    return render(
        request, "financing/browse.html", {"form": form, "page_obj": page_obj, "rows": rows}
    )


# --------------------------------------------------------------------------- deals


@role_required("enterprise", "institution", "operator")
def deals(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage") or ""
    qs = selectors.deal_list_for(
        request.user, {"stage": stage} if stage in DealStage.values else {}
    )
    return render(
        request,
        "financing/deals.html",
        {
            "page_obj": _page(request, qs),
            "stages": DealStage.choices,
            "stage": stage,
        },
    )


# The path a deal takes, for the pipeline strip. "money" is disbursed (loans) or invested (equity),
# "outcome" is repaid or defaulted; which one shows depends on the agreed instrument.
PIPELINE = (
    DealStage.INTEREST,
    DealStage.ACCEPTED,
    DealStage.DATA_ACCESS,
    DealStage.DUE_DILIGENCE,
    DealStage.TERM_SHEET,
    DealStage.APPROVED,
    "money",
    DealStage.REPAYING,
    "outcome",
)
SIDE_EXITS = (DealStage.DECLINED, DealStage.WITHDRAWN, DealStage.CLOSED)
PIPELINE_POSITION = {
    DealStage.DISBURSED: "money",
    DealStage.INVESTED: "money",
    DealStage.REPAID: "outcome",
    DealStage.DEFAULTED: "outcome",
}
TERM_SHEET_STAGES = (DealStage.DUE_DILIGENCE, DealStage.TERM_SHEET)
REPAYMENT_STAGES = (DealStage.DISBURSED, DealStage.REPAYING, DealStage.REPAID, DealStage.DEFAULTED)


def _pipeline(deal: Any, events: list[Any]) -> dict[str, Any]:
    """The steps of the deal's path, each done, current or to come; a side exit (declined,
    withdrawn, closed) is shown after the step where it happened."""
    equity = deal.stage == DealStage.INVESTED or deal.agreed_instrument in INVESTED_INSTRUMENTS
    loan = deal.stage in REPAYMENT_STAGES or deal.agreed_instrument in DISBURSED_INSTRUMENTS
    labels: dict[str, str] = {s: str(DealStage(s).label) for s in DealStage.values}
    labels["money"] = (
        labels[DealStage.INVESTED]
        if equity
        else labels[DealStage.DISBURSED]
        if loan
        else _("Disbursed or invested")
    )
    labels["outcome"] = (
        labels[deal.stage]
        if deal.stage in (DealStage.REPAID, DealStage.DEFAULTED)
        else _("Repaid or defaulted")
    )
    path = [s for s in PIPELINE if not (equity and s in (DealStage.REPAYING, "outcome"))]
    exit_stage = deal.stage if deal.stage in SIDE_EXITS else None
    if exit_stage:
        last = next((e for e in reversed(events) if e.to_stage == exit_stage), None)
        reached = (
            PIPELINE_POSITION.get(last.from_stage, last.from_stage)
            if last and last.from_stage
            else ""
        )
    else:
        reached = PIPELINE_POSITION.get(deal.stage, deal.stage)
    position = path.index(reached) if reached in path else -1
    steps = []
    for i, stage in enumerate(path):
        if i < position or (exit_stage and i == position):
            state = "done"
        elif i == position:
            state = "current"
        else:
            state = "todo"
        steps.append({"stage": stage, "label": labels[stage], "state": state})
        if exit_stage and i == position:
            steps.append({"stage": exit_stage, "label": labels[exit_stage], "state": "exit"})
    if exit_stage and position < 0:
        steps.insert(0, {"stage": exit_stage, "label": labels[exit_stage], "state": "exit"})
    return {"steps": steps, "ended": exit_stage is not None}


def _documents_for(user: Any, deal: Any) -> list[Any]:
    return list(document_selectors.attachable_documents_for(user, deal))


def _transition_forms(
    request: HttpRequest, deal: Any, actions: list[str], bound: Any = None
) -> list[Any]:
    """One form per allowed plain move; ``bound`` replaces the one that was posted."""
    documents = _documents_for(request.user, deal) if actions else []
    forms = []
    for to in actions:
        if bound is not None and bound.prefix == to:
            forms.append(bound)
        else:
            forms.append(
                DealTransitionForm(
                    prefix=to, documents=documents, reason_required=to in DEAL_REASON_REQUIRED
                )
            )
    return forms


def _term_sheet_form(deal: Any, data: Any = None) -> TermSheetForm:
    req = deal.request
    return TermSheetForm(
        data,
        instruments=[i for i in req.instruments if i != Instrument.GUARANTEE],
        currency=req.currency,
    )


def _deal_context(
    request: HttpRequest,
    deal: Any,
    *,
    transition_form: Any = None,
    term_sheet_form: Any = None,
    guarantor_form: Any = None,
    payment_form: Any = None,
    conflict: str = "",
) -> dict[str, Any]:
    user = request.user
    side = selectors.deal_side(user, deal)
    actions = selectors.deal_actions_for(user, deal)
    next_steps = selectors.deal_next_steps_for(user, deal)
    flow_direction = direction(
        deal.institution.organisation.jurisdiction,
        deal.request.enterprise.organisation.jurisdiction,
        mainland=fx_selectors.MAINLAND,
    )
    # Each history row with its ledger receipt, once its entry is in a signed checkpoint.
    events = list(deal.events.all())
    references = [reference_of(e) for e in events]
    receipts = ledger_selectors.receipt_indices_for(user, references)
    pending = ledger_selectors.receipt_pending_for(user, references)

    term_sheets = list(selectors.term_sheets_for(user, deal))
    confirm_sides = (
        ("enterprise", "institution", "guarantor")
        if deal.guarantor_id
        else ("enterprise", "institution")
    )
    sheet_rows = []
    for ts in term_sheets:
        confirmations = [
            (s, getattr(ts, f"{s}_confirmed_by"), getattr(ts, f"{s}_confirmed_at"))
            for s in confirm_sides
        ]
        can_confirm = (
            side is not None
            and ts.status == TermSheetStatus.PROPOSED
            and deal.stage == DealStage.TERM_SHEET
            and side in confirm_sides
            and not services.term_sheet_confirmed_by(ts, side)
        )
        sheet_rows.append({"ts": ts, "confirmations": confirmations, "can_confirm": can_confirm})

    can_propose = side in ("enterprise", "institution") and (
        deal.stage == DealStage.TERM_SHEET or DealStage.TERM_SHEET in next_steps
    )
    can_name_guarantor = (
        side == "institution"
        and deal.stage in TERM_SHEET_STAGES
        and not any(ts.status == TermSheetStatus.CONFIRMED for ts in term_sheets)
    )
    repayment = selectors.repayment_for(user, deal)
    can_record_payment = side == "institution" and deal.stage in (
        DealStage.DISBURSED,
        DealStage.REPAYING,
    )
    proposed_grant = None
    if deal.stage == DealStage.ACCEPTED and side == "enterprise":
        proposed_grant = deal.consents.filter(status=GrantStatus.PROPOSED).order_by("pk").first()
    return {
        "deal": deal,
        "side": side,
        "actions": actions,
        "next_steps": next_steps,
        "transition_forms": _transition_forms(request, deal, actions, transition_form),
        "pipeline": _pipeline(deal, events),
        "history": [(e, receipts.get(reference_of(e)), reference_of(e) in pending) for e in events],
        "direction": selectors.direction_label(flow_direction),
        "profile": selectors.public_profile(deal.request.enterprise),
        "term_sheets": sheet_rows,
        "confirm_pending": any(row["can_confirm"] for row in sheet_rows),
        "term_sheet_form": (term_sheet_form or _term_sheet_form(deal)) if can_propose else None,
        "guarantor_form": (
            guarantor_form
            or GuarantorForm(
                initial={"guarantor_id": str(deal.guarantor_id or "")},
                guarantors=selectors.guarantor_choices_for(user, deal),
            )
        )
        if can_name_guarantor
        else None,
        "repayment": repayment,
        "payment_form": (
            payment_form or PaymentForm(initial={"paid_on": timezone.localdate().isoformat()})
        )
        if can_record_payment and repayment is not None
        else None,
        "proposed_grant": proposed_grant,
        "conflict": conflict,
        "DealStage": DealStage,
    }


def _render_deal(request: HttpRequest, deal: Any, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(
        request, "financing/deal_detail.html", _deal_context(request, deal, **kwargs), status=status
    )


def _deal_refused(
    request: HttpRequest, deal_id: int, exc: DomainError, **kwargs: Any
) -> HttpResponse | None:
    """How a page shows a service's refusal: 404 and 403 go through; a deal moved meanwhile shows
    the message at the top over the deal as it is now; field errors go back to the form (None:
    the caller re-renders); anything else is a message over the deal page."""
    if isinstance(exc, (NotFound, PermissionDenied)):
        raise exc
    if isinstance(exc, Conflict) and exc.code == "deal_moved":
        return _render_deal(
            request,
            selectors.deal_get_for(request.user, deal_id),
            status=409,
            conflict=str(exc.message),
        )
    if isinstance(exc, ValidationFailed) and exc.fields:
        return None
    messages.error(request, _error_text(exc))
    return redirect("financing:deal_detail", deal_id=deal_id)


def _deal_form_refused(
    request: HttpRequest, deal: Any, exc: DomainError, form_name: str, form: Any
) -> HttpResponse:
    """A deal form's refusal: as ``_deal_refused``, and field errors next to the form's fields,
    re-rendered on the deal page as ``form_name``."""
    response = _deal_refused(request, deal.pk, exc)
    if response is not None:
        return response
    apply_domain_error(form, exc)
    return _render_deal(request, deal, **{form_name: form})


def _deal_done(request: HttpRequest, deal_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    fallback = reverse("financing:deal_detail", kwargs={"deal_id": deal_id})
    return redirect(_safe_next(request, fallback))


@role_required("enterprise", "institution", "operator")
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    """The deal: its pipeline, parties, next steps, term sheets, repayment and history. A POST is
    a plain move (``to``, ``expected_stage``, and the move's ``<to>-comment`` / ``<to>-documents``)."""
    deal = selectors.deal_get_for(request.user, deal_id)
    if request.method != "POST":
        return _render_deal(request, deal)
    if selectors.deal_side(request.user, deal) is None:
        raise PermissionDenied(_("Only the deal's parties move it."))
    to = request.POST.get("to") or ""
    prefix = to if to in DealStage.values else "move"
    form = DealTransitionForm(
        request.POST,
        prefix=prefix,
        documents=_documents_for(request.user, deal),
        reason_required=to in DEAL_REASON_REQUIRED,
    )
    form.is_valid()
    try:
        services.deal_transition(
            actor=request.user,
            deal_id=deal.pk,
            to_stage=to,
            comment=form.cleaned_data.get("comment") or "",
            expected_stage=request.POST.get("expected_stage") or None,
            document_ids=form.cleaned_data.get("documents") or [],
        )
    except DomainError as exc:
        return _deal_form_refused(request, deal, exc, "transition_form", form)
    deal.refresh_from_db()
    return _deal_done(
        request,
        deal.pk,
        _("The deal is now at stage %(stage)s.") % {"stage": deal.get_stage_display()},
    )


@role_required("enterprise", "institution")
@require_POST
def deal_term_sheet_propose(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get_for(request.user, deal_id)
    form = _term_sheet_form(deal, request.POST)
    form.is_valid()
    try:
        ts = services.term_sheet_propose(
            actor=request.user,
            deal_id=deal.pk,
            data=form.cleaned_data,
            expected_stage=request.POST.get("expected_stage") or None,
        )
    except DomainError as exc:
        return _deal_form_refused(request, deal, exc, "term_sheet_form", form)
    return _deal_done(
        request,
        deal.pk,
        _("Term sheet %(number)d was proposed. The other parties are asked to confirm it.")
        % {"number": ts.number},
    )


@role_required("enterprise", "institution")
@require_POST
def deal_term_sheet_confirm(request: HttpRequest, deal_id: int, number: int) -> HttpResponse:
    ts = selectors.term_sheet_get_for(request.user, deal_id, number)
    try:
        ts = services.term_sheet_confirm(
            actor=request.user,
            deal_id=deal_id,
            term_sheet_id=ts.pk,
            sha256=request.POST.get("sha256") or None,
        )
    except DomainError as exc:
        response = _deal_refused(request, deal_id, exc)
        return response or redirect("financing:deal_detail", deal_id=deal_id)
    if ts.status == TermSheetStatus.CONFIRMED:
        message = _(
            "Every party has confirmed term sheet %(number)d: these are the agreed terms, recorded in the "
            "ledger."
        ) % {"number": ts.number}
    else:
        message = _("You confirmed term sheet %(number)d. It is agreed once every party has.") % {
            "number": ts.number
        }
    return _deal_done(request, deal_id, message)


@role_required("enterprise", "institution", "operator")
def term_sheet_document(request: HttpRequest, deal_id: int, number: int) -> HttpResponse:
    """The term sheet as the canonical JSON whose SHA-256 the ledger records (parties, operators)."""
    ts = selectors.term_sheet_get_for(request.user, deal_id, number)
    response = HttpResponse(services.term_sheet_document_bytes(ts), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="deal-{deal_id}-term-sheet-{ts.number}.json"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required("institution")
@require_POST
def deal_guarantor(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get_for(request.user, deal_id)
    form = GuarantorForm(
        request.POST, guarantors=selectors.guarantor_choices_for(request.user, deal)
    )
    form.is_valid()
    try:
        deal = services.deal_set_guarantor(
            actor=request.user,
            deal_id=deal.pk,
            guarantor_id=form.cleaned_data.get("guarantor_id") or None,
        )
    except DomainError as exc:
        return _deal_form_refused(request, deal, exc, "guarantor_form", form)
    if deal.guarantor_id:
        message = _("%(guarantor)s is now the deal's guarantor.") % {
            "guarantor": deal.guarantor.organisation.display_name()
        }
    else:
        message = _("The deal has no guarantor now.")
    return _deal_done(request, deal.pk, message)


@role_required("institution")
@require_POST
def deal_payment(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = selectors.deal_get_for(request.user, deal_id)
    form = PaymentForm(request.POST)
    form.is_valid()
    try:
        payment = services.payment_record(
            actor=request.user, deal_id=deal.pk, data=form.cleaned_data
        )
    except DomainError as exc:
        return _deal_form_refused(request, deal, exc, "payment_form", form)
    return _deal_done(
        request,
        deal.pk,
        _("A repayment of %(amount)s was recorded.")
        % {"amount": format_amount(payment.amount, payment.currency)},
    )


# --------------------------------------------------------------------------- operator console


@role_required("operator")
def operator_requests(request: HttpRequest) -> HttpResponse:
    form = OperatorRequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.operator_request_list(request.user, filters)
    return render(
        request, "financing/operator_requests.html", {"form": form, "page_obj": _page(request, qs)}
    )
