"""Every write about financing: requests, their state machine, deals and their history.

Lock order (to avoid deadlocks on PostgreSQL): always the request row first, then its
deal rows, and only those (``select_for_update(of=("self",))``: the enterprise or
institution joined in for reading is not locked, so other apps' services never wait on
a deal). Every function is one transaction and writes its audit events inside it.

What happens to the live deals of a request that ends
-----------------------------------------------------
When a request becomes *closed*, *withdrawn* or *expired*, every live deal on it
(stage *interest* or *accepted*) is closed too, with a ``DealEvent`` whose comment
says why and an audit event, so no institution is left waiting on a request nobody
can act on any more. When a request becomes *funded*, its deals stay as they are
(the accepted ones are the deals that funded it; a later issue carries them on
through the rest of the pipeline).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member
from bayfin.common.audit import audit_record, changed, snapshot
from bayfin.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.money import Money
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Instrument
from bayfin.fx import explain as fx_explain
from bayfin.fx import selectors as fx_selectors
from bayfin.fx.engine import limits as fx_limits
from bayfin.fx.engine.channels import Mismatch
from bayfin.fx.models import Channel
from bayfin.institutions.models import Product, ProductStatus
from bayfin.ledger.services import Party, ledger_record

from .models import Deal, DealEvent, FinancingRequest
from .selectors import deal_side
from .transitions import (
    DEAL_TERMINAL_STAGES,
    DEAL_TRANSITIONS,
    REQUEST_EDITABLE_STATUSES,
    REQUEST_EXPIRABLE_STATUSES,
    REQUEST_TRANSITIONS,
    REQUEST_VISIBLE_STATUSES,
    DealStage,
    RequestStatus,
)

REQUEST_FIELDS = ("title", "amount", "currency", "instruments", "purpose", "use_of_funds",
                  "term_months", "deadline")
# The preferred channel is checked against the enterprise (clean_request_channel), not alone.
REQUEST_CHANNEL_FIELDS = (*REQUEST_FIELDS, "channel")
REQUEST_AUDIT_FIELDS = (*REQUEST_CHANNEL_FIELDS, "status")
# A change to one of these (or to the channel) re-checks the preferred channel's limit.
REQUEST_LIMIT_FIELDS = ("amount", "currency", "term_months")
# Request statuses that end the request's live deals (see the module docstring).
REQUEST_ENDING_STATUSES = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN, RequestStatus.EXPIRED)
MAX_TERM_MONTHS = 600
MAX_TEXT = 5000
SIDE_LABELS = {"enterprise": _("the enterprise"), "institution": _("the institution"),
               "system": _("the platform")}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _check_transition(table: Mapping[tuple[str, str], frozenset[str]], choices: Any, current: str,
                      target: str, side: str, message: Any) -> None:
    """Refuse a move the transition table does not give to ``side``, saying who could make it.

    ``message`` names %(current)s, %(target)s and %(reason)s.
    """
    actors = table.get((current, target))
    if actors and side in actors:
        return
    if actors:
        reason = gettext("only %(who)s can do this") % {
            "who": " / ".join(str(SIDE_LABELS[a]) for a in sorted(actors))}
    else:
        reason = gettext("this transition is not allowed")
    raise InvalidTransition(message % {"current": _label(choices, current), "target": _label(choices, target),
                                       "reason": reason})


# --------------------------------------------------------------------------- validation


def clean_request(errors: FieldErrors, data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Validate a financing request's fields: the one place for each rule."""
    out: dict[str, Any] = {}
    out["title"] = errors.text("title", data.get("title"), max_length=200)

    raw_currency = data.get("currency")
    if raw_currency in (None, ""):
        errors.add("currency", _("This field is required."))
        currency = None
    else:
        currency = errors.currency("currency", raw_currency)
    out["currency"] = currency
    out["amount"] = errors.money("amount", data.get("amount"), currency)

    instruments = data.get("instruments")
    if instruments is not None and not isinstance(instruments, (list, tuple)):
        errors.add("instruments", _("Enter a list."))
        instruments = []
    out["instruments"] = errors.choices("instruments", instruments, Instrument, required=True)

    out["purpose"] = errors.text("purpose", data.get("purpose"), max_length=MAX_TEXT)
    out["use_of_funds"] = errors.text("use_of_funds", data.get("use_of_funds"), required=False,
                                      max_length=MAX_TEXT)

    term = data.get("term_months")
    out["term_months"] = errors.whole_number("term_months", term, required=False, minimum=1,
                                             maximum=MAX_TERM_MONTHS)

    deadline = errors.iso_date("deadline", data.get("deadline"))
    out["deadline"] = None
    if deadline is not None:
        if deadline <= today:
            errors.add("deadline", _("The deadline must be after today."))
        else:
            out["deadline"] = deadline
    return out


def _channel_id(value: Any) -> int | None | bool:
    """A posted channel: its id, None for none, False when it is not an id at all."""
    if isinstance(value, Channel):
        return value.pk
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else False


def clean_request_channel(errors: FieldErrors, raw: Any, values: Mapping[str, Any], *, enterprise: Any,
                          check_limits: bool = True, current: Channel | None = None) -> Channel | None:
    """The preferred channel: one that can carry money to this enterprise, in this currency, for
    one of these instruments; and, when it has a limit rule, the amount must fit the limit.

    ``values`` are the request's cleaned fields. The channel is checked only once the currency
    and instruments are valid (their own errors come first). The limit's refusal goes on
    ``amount`` and names the limit, the current balance and the excess. A request keeps a
    channel it already has when the operator has since retired it (until it changes channel).
    """
    channel_id = _channel_id(raw)
    if channel_id is None:
        return None
    if current is not None and channel_id == current.pk and not current.active:
        return current
    channel = Channel.objects.filter(pk=channel_id, active=True).first() if channel_id else None
    if channel is None:
        errors.add("channel", _("Choose one of the channels in use, or leave the channel empty."))
        return None
    if not values.get("currency") or not values.get("instruments"):
        return channel
    open_ids = {c.pk for c in fx_selectors.channels_open_to_request(
        None, enterprise=enterprise, values={"currency": values["currency"], "instruments": values["instruments"]})}
    if channel.pk not in open_ids:
        jurisdiction = enterprise.organisation.jurisdiction
        mismatches = []
        if jurisdiction not in channel.to_jurisdictions:
            mismatches.append(Mismatch("enterprise_jurisdiction", tuple(sorted(channel.to_jurisdictions)),
                                       jurisdiction))
        if values["currency"] not in channel.borrower_currencies:
            mismatches.append(Mismatch("borrower_currency", tuple(sorted(channel.borrower_currencies)),
                                       values["currency"]))
        if not set(values["instruments"]) & set(channel.instruments):
            mismatches.append(Mismatch("instrument", tuple(sorted(channel.instruments)),
                                       tuple(sorted(values["instruments"]))))
        errors.add("channel", " ".join([
            gettext("%(channel)s cannot carry this request.") % {"channel": channel.display_name()},
            *(fx_explain.mismatch_text(m) for m in mismatches)]))
        return channel
    if check_limits and channel.limit_rule != "none" and values.get("amount") is not None:
        refusal = _limit_refusal(channel, enterprise, Money(values["amount"], values["currency"]),
                                 values.get("term_months"))
        if refusal:
            errors.add("amount", refusal)
    return channel


def _limit_refusal(channel: Channel, enterprise: Any, amount: Money, term_months: int | None) -> str:
    """Why the amount does not fit the channel's limit rule ("" when it does)."""
    limits = fx_selectors.limits_for_enterprise(enterprise, amount=amount, term_months=term_months,
                                                foreign_currency=fx_selectors.lent_in_foreign_currency(channel,
                                                                                                      amount))
    head = gettext("Through %(channel)s this amount does not fit your cross-border borrowing limit.") % {
        "channel": channel.display_name()}
    if limits.parameters is None:
        return " ".join([head, gettext("No limit parameters are in force yet, so the limit cannot be checked; "
                                       "ask the platform operator.")])
    if limits.missing_rates:
        # A missing rate would count the amount as nothing: refuse rather than guess.
        return " ".join([gettext("The limit of %(channel)s cannot be checked:") % {
            "channel": channel.display_name()}, *limits.missing_rates])
    if fx_limits.within(channel.limit_rule, limits.checks):
        return ""
    return " ".join([head, *limits.texts_for(channel.limit_rule)])


# --------------------------------------------------------------------------- requests


def _own_request_locked(actor: Any, request_id: int) -> FinancingRequest:
    org = require_member(actor, OrganisationKind.ENTERPRISE)
    req = (FinancingRequest.objects.select_for_update()
           .filter(pk=request_id, enterprise__organisation=org).first())
    if req is None:
        raise NotFound(_("Financing request not found."))
    return req


@transaction.atomic
def request_create(*, actor: Any, data: Mapping[str, Any]) -> FinancingRequest:
    """A new request, as a draft, for the actor's own enterprise (pending enterprises too)."""
    org = require_member(actor, OrganisationKind.ENTERPRISE)
    enterprise = getattr(org, "enterprise", None)
    if enterprise is None:
        raise PermissionDenied(_("Complete your company profile before posting a request."))
    errors = FieldErrors()
    values = clean_request(errors, data, today=timezone.localdate())
    values["channel"] = clean_request_channel(errors, data.get("channel"), values, enterprise=enterprise)
    errors.raise_if_any()
    req = FinancingRequest.objects.create(enterprise=enterprise, created_by=actor,
                                          status=RequestStatus.DRAFT, **values)
    audit_record(actor=actor, action="financing.request_create", subject=req,
                 new=snapshot(req, REQUEST_AUDIT_FIELDS), organisation_id=org.pk)
    return req


@transaction.atomic
def request_update(*, actor: Any, request_id: int, data: Mapping[str, Any]) -> FinancingRequest:
    """Change a draft or open request. ``data`` may hold only some fields (PATCH)."""
    req = _own_request_locked(actor, request_id)
    if req.status not in REQUEST_EDITABLE_STATUSES:
        raise Conflict(
            _("Only draft or open requests can be edited; this one is %(status)s.")
            % {"status": _label(RequestStatus, req.status)},
            code="not_editable",
        )
    merged = {name: getattr(req, name) for name in REQUEST_FIELDS}
    merged["channel"] = req.channel_id
    merged.update({k: v for k, v in data.items() if k in REQUEST_CHANNEL_FIELDS})
    errors = FieldErrors()
    values = clean_request(errors, merged, today=timezone.localdate())
    old = snapshot(req, REQUEST_CHANNEL_FIELDS)
    # The limit is checked when something it depends on changes (a title edit is not refused
    # because a debt declared since then fills the cap).
    limit_changed = any(values.get(k) != getattr(req, k) for k in REQUEST_LIMIT_FIELDS) or (
        _channel_id(merged["channel"]) != req.channel_id)
    values["channel"] = clean_request_channel(errors, merged["channel"], values, enterprise=req.enterprise,
                                              check_limits=limit_changed, current=req.channel)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(req, name, value)
    req.save()
    before, after = changed(old, snapshot(req, REQUEST_CHANNEL_FIELDS))
    if after:
        audit_record(actor=actor, action="financing.request_update", subject=req, old=before, new=after,
                     organisation_id=req.enterprise.organisation_id)
    return req


def _close_live_deals(req: FinancingRequest, *, actor: Any, reason: str) -> int:
    """Close the request's live deals (locked after the request row). Returns how many."""
    deals = list(Deal.objects.select_for_update(of=("self",)).select_related("institution").filter(request=req)
                 .exclude(stage__in=DEAL_TERMINAL_STAGES).order_by("pk"))
    for deal in deals:
        _deal_move(deal, to_stage=DealStage.CLOSED, actor=actor, comment=reason)
    return len(deals)


def _request_move(req: FinancingRequest, *, to_status: str, side: str, actor: Any,
                  reason: str = "") -> FinancingRequest:
    """Move a locked request along REQUEST_TRANSITIONS for ``side``; audit it.

    The internal helper behind request_transition, deal acceptance and expiry.
    """
    current = req.status
    _check_transition(REQUEST_TRANSITIONS, RequestStatus, current, to_status, side,
                      _("A request that is %(current)s cannot become %(target)s: %(reason)s."))
    req.status = to_status
    update_fields = ["status", "updated_at"]
    if to_status == RequestStatus.OPEN and req.submitted_at is None:
        req.submitted_at = timezone.now()
        update_fields.append("submitted_at")
    req.save(update_fields=update_fields)
    new: dict[str, Any] = {"status": to_status}
    if reason:
        new["reason"] = reason
    audit_record(actor=actor, action=f"financing.request_{to_status}", subject=req,
                 old={"status": current}, new=new, organisation_id=req.enterprise.organisation_id)
    if to_status in REQUEST_ENDING_STATUSES:
        _close_live_deals(
            req, actor=actor,
            reason=gettext("The request became %(status)s.") % {"status": _label(RequestStatus, to_status)}
            + (f" {reason}" if reason else ""),
        )
    return req


@transaction.atomic
def request_transition(*, actor: Any, request_id: int, to_status: str, reason: str = "") -> FinancingRequest:
    """Submit, close, withdraw or mark funded the actor's own request.

    Submitting (draft -> open) needs a verified enterprise and re-checks every field
    (a draft's deadline may have passed meanwhile).
    """
    if to_status == RequestStatus.OPEN:
        require_member(actor, OrganisationKind.ENTERPRISE, verified=True)
    req = _own_request_locked(actor, request_id)
    if to_status == RequestStatus.OPEN and req.status == RequestStatus.DRAFT:
        errors = FieldErrors()
        clean_request(errors, {name: getattr(req, name) for name in REQUEST_FIELDS},
                      today=timezone.localdate())
        errors.raise_if_any(_("Correct the request before submitting it."))
    return _request_move(req, to_status=to_status, side="enterprise", actor=actor,
                         reason=(reason or "").strip()[:MAX_TEXT])


@transaction.atomic
def request_expire_due(*, today: date) -> int:
    """Expire every open or in-progress request whose deadline is before ``today``.

    Run by the scheduler; idempotent (a second run finds nothing to do). Returns the count.
    """
    due = list(FinancingRequest.objects.select_for_update(of=("self",))
               .filter(status__in=REQUEST_EXPIRABLE_STATUSES, deadline__lt=today)
               .select_related("enterprise").order_by("pk"))
    for req in due:
        _request_move(req, to_status=RequestStatus.EXPIRED, side="system", actor=None)
    return len(due)


# --------------------------------------------------------------------------- deals


def _deal_move(deal: Deal, *, to_stage: str, actor: Any, comment: str) -> DealEvent:
    """Set a locked deal's stage, write its history row and audit event (no checks)."""
    current = deal.stage
    deal.stage = to_stage
    deal.save(update_fields=["stage", "updated_at"])
    event = DealEvent.objects.create(deal=deal, from_stage=current, to_stage=to_stage,
                                     actor=actor if getattr(actor, "is_authenticated", False) else None,
                                     comment=comment)
    audit_record(actor=actor, action=f"financing.deal_{to_stage}", subject=deal,
                 old={"stage": current}, new={"stage": to_stage, "comment": comment},
                 organisation_id=deal.institution.organisation_id)
    _ledger_deal_event(deal, event)
    return event


def deal_event_entry(deal: Deal, event: DealEvent) -> dict[str, Any]:
    """What the ledger records of a deal stage change (``ledger.services.ledger_record``'s
    arguments): both sides as parties, the stages, the amount asked as a decimal string
    with its currency, and the comment as its salted hash only."""
    req = deal.request
    return {
        "kind": "deal.stage_changed", "subject": deal, "reference": event, "at": event.at,
        "parties": [Party(req.enterprise.organisation, "enterprise"), Party(deal.institution.organisation, "institution")],
        "data": {"from": event.from_stage, "to": event.to_stage, "request": req.pk, "product": deal.product_id,
                 "channel": deal.channel.code if deal.channel is not None else None},
        "texts": [event.comment],
        "amounts": [(req.amount, req.currency)],
    }


def _ledger_deal_event(deal: Deal, event: DealEvent) -> None:
    """Every deal stage change is agreement-level: both sides can prove it later."""
    ledger_record(**deal_event_entry(deal, event))


# Above this length the refusal lists only the closest channels' reasons (the fewest mismatches).
MAX_REFUSAL_TEXT = 700


def _deal_channel(errors: FieldErrors, req: FinancingRequest, product: Product) -> Channel | None:
    """The channel a product's money takes to the request: the request's preferred channel if it
    fits, else the best that fits. None (with an error on ``product_id``) when none does."""
    if product.instrument not in req.instruments:
        # No channel can carry an instrument the request does not accept: say that, not every channel.
        errors.add("product_id", gettext("No channel lets this product serve this request: the request accepts "
                                         "%(accepted)s, not %(instrument)s.") % {
            "accepted": fx_explain.instruments(req.instruments), "instrument": product.get_instrument_display()})
        return None
    channels = {c.code: c for c in Channel.objects.filter(active=True)}
    answer = fx_selectors.channel_answer(req, product,
                                         rules=[fx_selectors.channel_rule(c) for c in channels.values()])
    fitting = [channels[rule.code] for rule in answer.fitting]
    if fitting:
        preferred = next((c for c in fitting if c.pk == req.channel_id), None)
        return preferred or fitting[0]
    head = gettext("No channel lets this product serve this request:")
    if not answer.refused:
        errors.add("product_id", " ".join([head, gettext("no cross-border channel is in use on the platform.")]))
        return None

    def reasons(verdict: Any) -> str:
        return gettext("%(channel)s: %(reasons)s") % {
            "channel": channels[verdict.channel.code].display_name(),
            "reasons": " ".join(fx_explain.mismatch_text(m) for m in verdict.mismatches)}

    every = " ".join([head, *(reasons(v) for v in answer.refused)])
    if len(every) <= MAX_REFUSAL_TEXT:
        errors.add("product_id", every)
        return None
    fewest = min(len(v.mismatches) for v in answer.refused)
    closest = [v for v in answer.refused if len(v.mismatches) == fewest][:5]
    errors.add("product_id", " ".join([
        head, gettext("the closest channels fail on:"), *(reasons(v) for v in closest),
        gettext("The other channels differ on more points.")]))
    return None


@transaction.atomic
def deal_express_interest(*, actor: Any, request_id: int, message: str,
                          product_id: int | None = None) -> Deal:
    """A verified institution's member expresses interest: a deal at stage *interest*.

    With a product, the deal records the channel its money takes (fx); a product no channel
    can carry to this request is refused, with every channel's reasons.
    """
    org = require_member(actor, OrganisationKind.INSTITUTION, verified=True)
    institution = getattr(org, "institution", None)
    if institution is None:
        raise PermissionDenied(_("Complete your institution profile first."))
    req = (FinancingRequest.objects.select_for_update()
           .filter(pk=request_id, status__in=REQUEST_VISIBLE_STATUSES,
                   enterprise__organisation__status=OrganisationStatus.VERIFIED).first())
    if req is None:
        raise NotFound(_("Financing request not found."))

    errors = FieldErrors()
    text = errors.text("message", message, max_length=MAX_TEXT)
    product = None
    if product_id not in (None, ""):
        product = Product.objects.filter(pk=product_id, institution=institution,
                                         status=ProductStatus.PUBLISHED).first()
        if product is None:
            errors.add("product_id", _("Choose one of your institution's published products."))
    channel = None
    if product is not None:
        channel = _deal_channel(errors, req, product)
    errors.raise_if_any()

    # The partial unique constraint (one live deal per request and institution) decides,
    # not a check before the insert: two members clicking at once get one deal and a 409.
    try:
        with transaction.atomic():
            deal = Deal.objects.create(request=req, institution=institution, product=product, channel=channel,
                                       stage=DealStage.INTEREST, message=text, created_by=actor)
    except IntegrityError:
        raise Conflict(_("Your institution already has a live deal on this request."),
                       code="deal_exists") from None
    event = DealEvent.objects.create(deal=deal, from_stage="", to_stage=DealStage.INTEREST, actor=actor,
                                     comment=text)
    _ledger_deal_event(deal, event)
    audit_record(actor=actor, action="financing.deal_interest", subject=deal,
                 new={"stage": DealStage.INTEREST, "request": req.pk, "product": product.pk if product else None,
                      "channel": channel.pk if channel else None, "message": text},
                 organisation_id=org.pk)
    return deal


@transaction.atomic
def deal_transition(*, actor: Any, deal_id: int, to_stage: str, comment: str = "") -> Deal:
    """The one place deals move, along DEAL_TRANSITIONS; one DealEvent per move.

    Declining needs a reason. Accepting the first deal of an open request moves the
    request to *in progress*.
    """
    require_member(actor, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    request_id = Deal.objects.filter(pk=deal_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotFound(_("Deal not found."))
    # Lock order: the request, then the deal.
    req = FinancingRequest.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=request_id)
    deal = Deal.objects.select_for_update(of=("self",)).select_related("institution").get(pk=deal_id)
    deal.request = req
    side = deal_side(actor, deal)
    if side is None:
        raise NotFound(_("Deal not found."))

    _check_transition(DEAL_TRANSITIONS, DealStage, deal.stage, to_stage, side,
                      _("A deal at stage %(current)s cannot move to %(target)s: %(reason)s."))
    text = (comment or "").strip()
    if to_stage == DealStage.DECLINED and not text:
        raise ValidationFailed(_("Give a reason for declining."),
                               fields={"comment": [_("Give a reason for declining.")]})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields={"comment": [_("Use at most %(n)d characters.") % {"n": MAX_TEXT}]})
    if to_stage == DealStage.ACCEPTED and req.status not in REQUEST_VISIBLE_STATUSES:
        raise InvalidTransition(
            _("The request is %(status)s: deals on it can no longer be accepted.")
            % {"status": _label(RequestStatus, req.status)},
        )
    _deal_move(deal, to_stage=to_stage, actor=actor, comment=text)
    if to_stage == DealStage.ACCEPTED and req.status == RequestStatus.OPEN:
        _request_move(req, to_status=RequestStatus.IN_PROGRESS, side="system", actor=actor,
                      reason=gettext("A deal was accepted."))
    return deal
