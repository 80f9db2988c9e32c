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

import hashlib
import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
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
from bayfin.common.money import Money, quantize
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import InstitutionKind, Instrument
from bayfin.consent.models import Scope
from bayfin.fx import explain as fx_explain
from bayfin.fx import selectors as fx_selectors
from bayfin.fx.engine import limits as fx_limits
from bayfin.fx.engine.channels import Mismatch
from bayfin.fx.models import Channel
from bayfin.institutions.models import Institution, Product, ProductStatus
from bayfin.ledger.entries import canonical_json
from bayfin.ledger.services import Party, ledger_record, registration_of
from bayfin.matching.services import request_matches_on_commit
from bayfin.notifications.services import notify
from bayfin.scoring.services import request_score_on_commit

from .engine import schedule
from .models import (
    Deal,
    DealEvent,
    FinancingRequest,
    Instalment,
    Payment,
    RepaymentMethod,
    TermSheet,
    TermSheetStatus,
)
from .selectors import deal_side, funded_amount, loan_position
from .transitions import (
    DEAL_OPEN_STAGES,
    DEAL_OUTCOME_STAGES,
    DEAL_REASON_REQUIRED,
    DEAL_TERMINAL_STAGES,
    DEAL_TRANSITIONS,
    DISBURSED_INSTRUMENTS,
    INVESTED_INSTRUMENTS,
    REQUEST_EDITABLE_STATUSES,
    REQUEST_EXPIRABLE_STATUSES,
    REQUEST_TRANSITIONS,
    REQUEST_VISIBLE_STATUSES,
    DealStage,
    RequestStatus,
)

log = logging.getLogger(__name__)

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
               "guarantor": _("the guarantor"), "system": _("the platform")}


# Consent lives in its own app, whose services move a deal when a consent is confirmed (they
# import this module inside their functions); these two calls import it the same way.
def consent_propose_for_deal(*, actor: Any, deal: Deal) -> Any:
    from bayfin.consent.services import consent_propose_for_deal as propose

    return propose(actor=actor, deal=deal)


def consent_end_for_deal(*, deal: Deal, reason: str) -> Any:
    from bayfin.consent.services import consent_end_for_deal as end

    return end(deal=deal, reason=reason)


def live_grant(*, institution: Any, enterprise: Any, scope: str) -> Any:
    from bayfin.consent.selectors import live_grant as live

    return live(institution=institution, enterprise=enterprise, scope=scope)


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
    request_matches_on_commit(req.pk)
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
        if req.status != RequestStatus.DRAFT and {"amount", "currency", "instruments"} & after.keys():
            request_score_on_commit(req.pk, "amount")
        request_matches_on_commit(req.pk)
    return req


def _close_live_deals(req: FinancingRequest, *, actor: Any, reason: str) -> int:
    """Close the request's deals that have not moved money yet (locked after the request row).
    Deals that disbursed or invested go on (a loan is repaid whatever becomes of the request).
    Returns how many were closed."""
    deals = list(Deal.objects.select_for_update(of=("self",)).select_related("institution", "guarantor")
                 .filter(request=req, stage__in=DEAL_OPEN_STAGES).order_by("pk"))
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
    if to_status == RequestStatus.OPEN and current == RequestStatus.DRAFT:
        request_score_on_commit(req.pk, "submitted")
    # Submitted: institutions may now see its matches; ended: it loses them.
    request_matches_on_commit(req.pk)
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


def _stage_msgid(stage: str) -> str:
    """A stage's English label: the message id the notification translates for each reader."""
    with translation.override("en"):
        return _label(DealStage, stage)


def _parties(deal: Deal) -> list[Party]:
    """The parties to a deal, each with its role: the enterprise, the institution, the guarantor.
    Its notifications go to them, and its ledger entries name them."""
    parties = [Party(deal.request.enterprise.organisation, "enterprise"),
               Party(deal.institution.organisation, "institution")]
    if deal.guarantor is not None:
        parties.append(Party(deal.guarantor.organisation, "guarantor"))
    return parties


def _notify_deal(deal: Deal, *, actor: Any, kind: str, message: str, params: Mapping[str, Any]) -> None:
    """Tell the deal's other parties (every party, for a move the platform made)."""
    actor_org = getattr(actor, "organisation", None) if getattr(actor, "is_authenticated", False) else None
    others = [p.organisation for p in _parties(deal) if actor_org is None or p.organisation.pk != actor_org.pk]
    notify(organisations=others, kind=kind, message=message,
           params={"deal": deal.pk, "request": deal.request.title, **params},
           link=reverse("financing:deal_detail", args=[deal.pk]), subject=f"financing.deal:{deal.pk}",
           exclude_user=actor if actor_org is not None else None)


def _deal_move(deal: Deal, *, to_stage: str, actor: Any, comment: str, documents: Any = (),
               on: date | None = None) -> DealEvent:
    """Set a locked deal's stage, write its history row (with the attached documents), its audit
    event and its ledger entry, tell the other side, and end the deal's consents when it ends.
    No checks: callers check the transition table first."""
    current = deal.stage
    deal.stage = to_stage
    update_fields = ["stage", "updated_at"]
    if to_stage in DEAL_OUTCOME_STAGES:
        deal.outcome_on = on or timezone.localdate()  # the job's day for the platform's moves
        update_fields.append("outcome_on")
    deal.save(update_fields=update_fields)
    event = DealEvent.objects.create(deal=deal, from_stage=current, to_stage=to_stage,
                                     actor=actor if getattr(actor, "is_authenticated", False) else None,
                                     comment=comment)
    documents = list(documents)
    if documents:
        event.documents.set(documents)
    audit_record(actor=actor, action=f"financing.deal_{to_stage}", subject=deal,
                 old={"stage": current},
                 new={"stage": to_stage, "comment": comment, "documents": [d.sha256 for d in documents]},
                 organisation_id=deal.institution.organisation_id)
    _ledger_deal_event(deal, event)
    _notify_deal(deal, actor=actor, kind="deal.stage_changed",
                 message=gettext_noop("Deal #%(deal)s on “%(request)s” moved to: %(stage)s."),
                 params={"stage": {"_": _stage_msgid(to_stage)}})
    if to_stage in DEAL_TERMINAL_STAGES:
        consent_end_for_deal(deal=deal, reason=gettext("The deal ended: %(stage)s.")
                             % {"stage": _label(DealStage, to_stage)})
    return event


def deal_event_entry(deal: Deal, event: DealEvent) -> dict[str, Any]:
    """What the ledger records of a deal stage change (``ledger.services.ledger_record``'s
    arguments): every party (enterprise, institution, guarantor), the stages, the amount asked
    (and the agreed amount once a term sheet is confirmed) as decimal strings with their
    currency, the SHA-256 of each attached document, and the comment as its salted hash only."""
    req = deal.request
    amounts = [(req.amount, req.currency)]
    if deal.agreed_amount is not None:
        amounts.append((deal.agreed_amount, deal.agreed_currency))
    return {
        "kind": "deal.stage_changed", "subject": deal, "reference": event, "at": event.at,
        "parties": _parties(deal),
        "data": {"from": event.from_stage, "to": event.to_stage, "request": req.pk, "product": deal.product_id,
                 "channel": deal.channel.code if deal.channel is not None else None,
                 "documents": sorted(d.sha256 for d in event.documents.all()) if event.pk else []},
        "texts": [event.comment],
        "amounts": amounts,
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
    _notify_deal(deal, actor=actor, kind="deal.interest",
                 message=gettext_noop("%(institution)s is interested in your request “%(request)s” (deal #%(deal)s)."),
                 params={"institution": str(institution)})
    audit_record(actor=actor, action="financing.deal_interest", subject=deal,
                 new={"stage": DealStage.INTEREST, "request": req.pk, "product": product.pk if product else None,
                      "channel": channel.pk if channel else None, "message": text},
                 organisation_id=org.pk)
    return deal


def deal_lock(deal_id: int) -> Deal:
    """Lock a deal for a change, in the platform's lock order: its request row, then the deal row.

    Call inside a transaction. Other apps (consent) call this before locking their own rows
    that belong to the deal, so every path takes the locks in the same order.
    """
    request_id = Deal.objects.filter(pk=deal_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotFound(_("Deal not found."))
    req = FinancingRequest.objects.select_for_update(of=("self",)).select_related(
        "enterprise__organisation").get(pk=request_id)
    deal = (Deal.objects.select_for_update(of=("self",))
            .select_related("institution__organisation", "guarantor__organisation", "channel").get(pk=deal_id))
    deal.request = req
    return deal


def _deal_for_actor(actor: Any, deal_id: int) -> tuple[Deal, str]:
    """The locked deal and the actor's side in it; NotFound for anyone not party to it."""
    require_member(actor, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    deal = deal_lock(deal_id)
    side = deal_side(actor, deal)
    if side is None:
        raise NotFound(_("Deal not found."))
    return deal, side


def _check_expected(deal: Deal, expected_stage: str | None) -> None:
    """Two people moving one deal at once: the second is told the deal moved, not moved twice."""
    if expected_stage and expected_stage != deal.stage:
        raise Conflict(
            _("Someone else moved this deal to %(stage)s while you were looking at it. "
              "Reload the deal and decide again.") % {"stage": _label(DealStage, deal.stage)},
            code="deal_moved",
        )


def _clean_comment(to_stage: str, comment: str) -> str:
    text = (comment or "").strip()
    errors = FieldErrors()
    if to_stage in DEAL_REASON_REQUIRED and not text:
        errors.add("comment", _("Give a reason: the other side is told why."))
    elif len(text) > MAX_TEXT:
        errors.add("comment", _("Use at most %(n)d characters.") % {"n": MAX_TEXT})
    errors.raise_if_any()
    return text


def _attachable(actor: Any, deal: Deal, document_ids: Any) -> list[Any]:
    """The documents the actor attaches to a step: from its data room or this deal only."""
    ids = [i for i in (document_ids or []) if i not in (None, "")]
    if not ids:
        return []
    from bayfin.documents.selectors import attachable_documents_for

    wanted: set[int] = set()
    for raw in ids:
        text = str(raw).strip()
        if not text.isdigit():
            raise ValidationFailed(_("Some fields are not valid."),
                                   fields={"documents": [_("Choose documents from the list.")]})
        wanted.add(int(text))
    found = list(attachable_documents_for(actor, deal).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationFailed(_("Some fields are not valid."), fields={"documents": [
            _("Attach only documents from your data room or from this deal.")]})
    return found


def _confirmed_term_sheet(deal: Deal) -> TermSheet | None:
    return deal.term_sheets.filter(status=TermSheetStatus.CONFIRMED).first()


def _precondition(deal: Deal, to_stage: str) -> str | None:
    """Why a move the table allows cannot happen yet (None when it can)."""
    req = deal.request
    if to_stage == DealStage.ACCEPTED and req.status not in REQUEST_VISIBLE_STATUSES:
        return gettext("The request is %(status)s: deals on it can no longer be accepted.") % {
            "status": _label(RequestStatus, req.status)}
    if to_stage == DealStage.DATA_ACCESS and not any(
            live_grant(institution=deal.institution, enterprise=req.enterprise, scope=scope)
            for scope in Scope.values):
        return gettext("Grant the institution access to your data first: confirm or edit the proposed "
                       "consent on the data sharing page.")
    if to_stage == DealStage.TERM_SHEET:
        return gettext("Propose a term sheet: the deal moves to this stage with the first proposal.")
    if to_stage == DealStage.APPROVED and _confirmed_term_sheet(deal) is None:
        return gettext("Every party must confirm a term sheet before the deal is approved.")
    if to_stage == DealStage.DISBURSED and deal.agreed_instrument not in DISBURSED_INSTRUMENTS:
        return gettext("Only a loan is disbursed; this deal's agreed instrument is %(instrument)s.") % {
            "instrument": _label(Instrument, deal.agreed_instrument)}
    if to_stage == DealStage.INVESTED and deal.agreed_instrument not in INVESTED_INSTRUMENTS:
        return gettext("Only equity is invested; this deal's agreed instrument is %(instrument)s.") % {
            "instrument": _label(Instrument, deal.agreed_instrument)}
    return None


@transaction.atomic
def deal_transition(*, actor: Any, deal_id: int, to_stage: str, comment: str = "",
                    expected_stage: str | None = None, document_ids: Any = ()) -> Deal:
    """The one place people move deals, along DEAL_TRANSITIONS; one DealEvent per move.

    ``expected_stage`` is the stage the actor saw: when someone else moved the deal meanwhile,
    the move is refused with a conflict instead of being applied to a stage the actor never saw.
    Declining and withdrawing need a reason. Accepting proposes the default data-sharing consent
    and moves an open request to *in progress*; disbursing makes the repayment schedule; money
    moving may fund the request. Every refusal names its reason.
    """
    deal, side = _deal_for_actor(actor, deal_id)
    _check_expected(deal, expected_stage)
    _check_transition(DEAL_TRANSITIONS, DealStage, deal.stage, to_stage, side,
                      _("A deal at stage %(current)s cannot move to %(target)s: %(reason)s."))
    text = _clean_comment(to_stage, comment)
    documents = _attachable(actor, deal, document_ids)
    why_not = _precondition(deal, to_stage)
    if why_not:
        raise InvalidTransition(why_not)
    req = deal.request
    if to_stage == DealStage.DISBURSED:
        _disburse(deal, on=timezone.localdate())
    _deal_move(deal, to_stage=to_stage, actor=actor, comment=text, documents=documents)
    if to_stage == DealStage.ACCEPTED:
        consent_propose_for_deal(actor=actor, deal=deal)
        if req.status == RequestStatus.OPEN:
            _request_move(req, to_status=RequestStatus.IN_PROGRESS, side="system", actor=actor,
                          reason=gettext("A deal was accepted."))
    if to_stage in (DealStage.DISBURSED, DealStage.INVESTED):
        _fund_if_reached(req, actor=actor)
    return deal


@transaction.atomic
def deal_data_access_granted(*, actor: Any, deal_id: int) -> Deal | None:
    """Called by consent when the enterprise confirms a deal's consent: an *accepted* deal moves
    to *data access granted*. A no-op (None) at any other stage."""
    deal, side = _deal_for_actor(actor, deal_id)
    if deal.stage != DealStage.ACCEPTED:
        return None
    _check_transition(DEAL_TRANSITIONS, DealStage, deal.stage, DealStage.DATA_ACCESS, side,
                      _("A deal at stage %(current)s cannot move to %(target)s: %(reason)s."))
    _deal_move(deal, to_stage=DealStage.DATA_ACCESS, actor=actor,
               comment=gettext("The enterprise granted access to its data."))
    return deal


@transaction.atomic
def deal_set_guarantor(*, actor: Any, deal_id: int, guarantor_id: int | None) -> Deal:
    """The lending institution names (or removes) the guarantee company that guarantees this deal.

    Only before a term sheet is confirmed: the guarantor confirms the terms too.
    """
    deal, side = _deal_for_actor(actor, deal_id)
    if side != "institution":
        raise PermissionDenied(_("Only the lending institution can name a guarantor."))
    if deal.stage not in DEAL_OPEN_STAGES or deal.stage == DealStage.APPROVED or _confirmed_term_sheet(deal):
        raise Conflict(_("The guarantor can change only until a term sheet is confirmed."), code="terms_agreed")
    guarantor = None
    if guarantor_id not in (None, ""):
        guarantor = (Institution.objects.select_related("organisation")
                     .filter(pk=guarantor_id, kind=InstitutionKind.GUARANTEE_COMPANY,
                             organisation__status=OrganisationStatus.VERIFIED).first())
        if guarantor is None or guarantor.pk == deal.institution_id:
            raise ValidationFailed(_("Some fields are not valid."), fields={"guarantor_id": [
                _("Choose a verified guarantee company other than your own institution.")]})
    old = deal.guarantor_id
    deal.guarantor = guarantor
    deal.save(update_fields=["guarantor", "updated_at"])
    # The guarantor is part of the terms' document and confirms it: terms proposed before the change
    # are superseded (their hash no longer matches the document), and are proposed again.
    superseded: list[int] = []
    if old != deal.guarantor_id:
        open_sheets = list(deal.term_sheets.select_for_update().filter(status=TermSheetStatus.PROPOSED))
        deal.term_sheets.filter(pk__in=[t.pk for t in open_sheets]).update(status=TermSheetStatus.SUPERSEDED)
        superseded = [t.number for t in open_sheets]
        request_score_on_commit(deal.request_id, "guarantor")
    audit_record(actor=actor, action="financing.deal_guarantor", subject=deal, old={"guarantor": old},
                 new={"guarantor": guarantor.pk if guarantor else None, "superseded": superseded},
                 organisation_id=deal.institution.organisation_id)
    if guarantor is not None:
        _notify_deal(deal, actor=actor, kind="deal.guarantor",
                     message=gettext_noop("%(guarantor)s was named the guarantor of deal #%(deal)s on "
                                          "“%(request)s”."),
                     params={"guarantor": str(guarantor)})
    return deal


# --------------------------------------------------------------------------- term sheets

TERM_SHEET_FIELDS = ("instrument", "amount", "currency", "annual_rate", "valuation", "term_months", "repayment",
                     "conditions")
MAX_RATE_PERCENT = Decimal(36)  # the PRC courts' ceiling on lending rates protects borrowers far below this


def clean_term_sheet(errors: FieldErrors, data: Mapping[str, Any], *, req: FinancingRequest) -> dict[str, Any]:
    """The terms: the one place their rules live. Loans need a rate, a term and a repayment
    method; equity needs a valuation; the instrument is one the request accepts."""
    out: dict[str, Any] = dict.fromkeys(TERM_SHEET_FIELDS)
    allowed = [i for i in req.instruments if i != Instrument.GUARANTEE]
    instrument = errors.choice("instrument", data.get("instrument"), Instrument)
    if instrument is not None and instrument not in allowed:
        errors.add("instrument", gettext("The request accepts %(accepted)s.") % {
            "accepted": fx_explain.instruments(allowed)})
        instrument = None
    out["instrument"] = instrument
    currency = errors.currency("currency", data.get("currency") or "")
    out["currency"] = currency
    out["amount"] = errors.money("amount", data.get("amount"), currency)
    out["conditions"] = errors.text("conditions", data.get("conditions"), required=False, max_length=MAX_TEXT)
    out["repayment"] = ""
    if instrument in INVESTED_INSTRUMENTS:
        out["valuation"] = errors.money("valuation", data.get("valuation"), currency)
        # A convertible may carry an interest rate (its coupon until conversion); equity none.
        loan_only = ("term_months", "repayment") if instrument == Instrument.CONVERTIBLE else (
            "annual_rate", "term_months", "repayment")
        for name in loan_only:
            if data.get(name) not in (None, ""):
                errors.add(name, _("Leave this empty for equity: it applies to loans."))
        if instrument == Instrument.CONVERTIBLE:
            out["annual_rate"] = errors.percent("annual_rate", data.get("annual_rate"), required=False,
                                                maximum=MAX_RATE_PERCENT) if "annual_rate" not in errors else None
    elif instrument is not None:
        out["annual_rate"] = errors.percent("annual_rate", data.get("annual_rate"), maximum=MAX_RATE_PERCENT)
        out["term_months"] = errors.whole_number("term_months", data.get("term_months"), minimum=1,
                                                 maximum=MAX_TERM_MONTHS)
        out["repayment"] = errors.choice("repayment", data.get("repayment"), RepaymentMethod) or ""
        if data.get("valuation") not in (None, ""):
            errors.add("valuation", _("Leave this empty for a loan: it applies to equity."))
    return out


def term_sheet_document(ts: TermSheet) -> dict[str, Any]:
    """The term sheet as the canonical JSON document whose SHA-256 the ledger records: every
    party can download it, hash it (RFC 8785) and compare. Amounts are decimal strings."""
    deal = ts.deal
    req = deal.request
    # Decimals as stored (the amount to the currency's minor unit, the rate to four places), so the
    # document hashed when proposed is the one read back from the database later.
    rate = Decimal(ts.annual_rate).quantize(RATE_PLACES) if ts.annual_rate is not None else None
    return {
        "type": "bayfin-term-sheet/v1",
        "deal": deal.pk, "request": req.pk, "number": ts.number,
        "enterprise": registration_of(req.enterprise.organisation),
        "institution": registration_of(deal.institution.organisation),
        "guarantor": registration_of(deal.guarantor.organisation) if deal.guarantor is not None else None,
        "instrument": ts.instrument,
        "amount": {"amount": str(quantize(Decimal(ts.amount), ts.currency)), "currency": ts.currency},
        "annual_rate_percent": str(rate) if rate is not None else None,
        "valuation": ({"amount": str(quantize(Decimal(ts.valuation), ts.currency)), "currency": ts.currency}
                      if ts.valuation is not None else None),
        "term_months": ts.term_months,
        "repayment": ts.repayment or None,
        "conditions": ts.conditions,
    }


RATE_PLACES = Decimal("0.0001")  # TermSheet.annual_rate's decimal places


def term_sheet_document_bytes(ts: TermSheet) -> bytes:
    return canonical_json(term_sheet_document(ts))


def _required_sides(deal: Deal) -> tuple[str, ...]:
    return ("enterprise", "institution", "guarantor") if deal.guarantor_id else ("enterprise", "institution")


def _confirm_side(ts: TermSheet, side: str, actor: Any) -> None:
    setattr(ts, f"{side}_confirmed_by", actor)
    setattr(ts, f"{side}_confirmed_at", timezone.now())


def term_sheet_confirmed_by(ts: TermSheet, side: str) -> bool:
    return getattr(ts, f"{side}_confirmed_at", None) is not None


@transaction.atomic
def term_sheet_propose(*, actor: Any, deal_id: int, data: Mapping[str, Any],
                       expected_stage: str | None = None) -> TermSheet:
    """The enterprise or the institution proposes terms (proposing is the proposer's confirmation).

    At *due diligence* the first proposal moves the deal to *term sheet*; at *term sheet* a new
    proposal replaces the one still open (the others must confirm the new one).
    """
    deal, side = _deal_for_actor(actor, deal_id)
    if side not in ("enterprise", "institution"):
        raise PermissionDenied(_("Only the enterprise or the lending institution can propose terms."))
    _check_expected(deal, expected_stage)
    if deal.stage not in (DealStage.DUE_DILIGENCE, DealStage.TERM_SHEET):
        raise InvalidTransition(_("Terms are proposed during due diligence or at the term sheet stage; this deal is "
                                  "at stage %(stage)s.") % {"stage": _label(DealStage, deal.stage)})
    if deal.stage == DealStage.DUE_DILIGENCE:
        _check_transition(DEAL_TRANSITIONS, DealStage, deal.stage, DealStage.TERM_SHEET, side,
                          _("A deal at stage %(current)s cannot move to %(target)s: %(reason)s."))
    agreed = _confirmed_term_sheet(deal)
    if agreed is not None:
        # Agreed terms are in the ledger; a second confirmed sheet would also break the one-confirmed rule.
        raise Conflict(_("Every party already confirmed term sheet %(n)d: these are the agreed terms.")
                       % {"n": agreed.number}, code="terms_agreed")
    errors = FieldErrors()
    values = clean_term_sheet(errors, data, req=deal.request)
    errors.raise_if_any()
    superseded = list(deal.term_sheets.select_for_update().filter(status=TermSheetStatus.PROPOSED))
    deal.term_sheets.filter(pk__in=[t.pk for t in superseded]).update(status=TermSheetStatus.SUPERSEDED)
    number = (deal.term_sheets.aggregate(n=Max("number"))["n"] or 0) + 1
    ts = TermSheet(deal=deal, number=number, proposed_by=actor, proposed_side=side, **values)
    ts.document_sha256 = hashlib.sha256(term_sheet_document_bytes(ts)).hexdigest()
    _confirm_side(ts, side, actor)
    ts.save()
    audit_record(actor=actor, action="financing.term_sheet_propose", subject=deal,
                 new={"term_sheet": number, "sha256": ts.document_sha256,
                      "superseded": [t.number for t in superseded],
                      **{k: str(v) if v is not None else None for k, v in values.items()}},
                 organisation_id=actor.organisation.pk)
    if deal.stage == DealStage.DUE_DILIGENCE:
        _deal_move(deal, to_stage=DealStage.TERM_SHEET, actor=actor,
                   comment=gettext("Term sheet %(n)d proposed.") % {"n": number})
    else:
        _notify_deal(deal, actor=actor, kind="deal.term_sheet",
                     message=gettext_noop("New terms (term sheet %(number)s) were proposed on deal #%(deal)s on "
                                          "“%(request)s”: your confirmation is needed."),
                     params={"number": number})
    return ts


@transaction.atomic
def term_sheet_confirm(*, actor: Any, deal_id: int, term_sheet_id: int, sha256: str | None = None) -> TermSheet:
    """A party confirms the open term sheet. Once every party has (the enterprise, the institution
    and the guarantor if there is one), it is the deal's agreed terms and its document's SHA-256
    goes into the ledger. ``sha256``, when given, must be the hash of the version the actor read."""
    deal, side = _deal_for_actor(actor, deal_id)
    ts = TermSheet.objects.select_for_update().filter(pk=term_sheet_id, deal=deal).first()
    if ts is None:
        raise NotFound(_("Term sheet not found."))
    if ts.status != TermSheetStatus.PROPOSED or deal.stage != DealStage.TERM_SHEET:
        raise Conflict(_("This term sheet is no longer open for confirmation (it is %(status)s).")
                       % {"status": _label(TermSheetStatus, ts.status)}, code="term_sheet_closed")
    if sha256 and sha256 != ts.document_sha256:
        raise Conflict(_("These are not the terms you read: they changed. Reload and read them again."),
                       code="term_sheet_changed")
    if term_sheet_confirmed_by(ts, side):
        raise Conflict(_("Your side has already confirmed these terms."), code="already_confirmed")
    _confirm_side(ts, side, actor)
    done = all(term_sheet_confirmed_by(ts, s) for s in _required_sides(deal))
    if done:
        ts.status = TermSheetStatus.CONFIRMED
        ts.confirmed_at = timezone.now()
    ts.save()
    audit_record(actor=actor, action="financing.term_sheet_confirm", subject=deal,
                 new={"term_sheet": ts.number, "side": side, "sha256": ts.document_sha256, "all_confirmed": done},
                 organisation_id=actor.organisation.pk)
    if not done:
        _notify_deal(deal, actor=actor, kind="deal.term_sheet",
                     message=gettext_noop("Term sheet %(number)s of deal #%(deal)s on “%(request)s” was confirmed "
                                          "by one party."), params={"number": ts.number})
        return ts
    deal.agreed_amount, deal.agreed_currency, deal.agreed_instrument = ts.amount, ts.currency, ts.instrument
    deal.save(update_fields=["agreed_amount", "agreed_currency", "agreed_instrument", "updated_at"])
    ledger_record(kind="deal.term_sheet_confirmed", subject=deal, reference=ts, at=ts.confirmed_at,
                  parties=_parties(deal),
                  data={"deal": deal.pk, "term_sheet": ts.number, "document_sha256": ts.document_sha256,
                        "instrument": ts.instrument},
                  amounts=[(ts.amount, ts.currency)])
    _notify_deal(deal, actor=actor, kind="deal.term_sheet",
                 message=gettext_noop("Every party confirmed term sheet %(number)s of deal #%(deal)s on "
                                      "“%(request)s”."), params={"number": ts.number})
    return ts


# --------------------------------------------------------------------------- disbursement, repayment, funding


def _disburse(deal: Deal, *, on: date) -> None:
    """Make the loan's repayment schedule from the confirmed term sheet, starting ``on``."""
    ts = _confirmed_term_sheet(deal)
    if ts is None or ts.term_months is None or ts.annual_rate is None or not ts.repayment:
        raise InvalidTransition(_("The confirmed term sheet has no repayment terms."))
    lines = schedule.build(principal=ts.amount, currency=ts.currency, annual_rate_percent=ts.annual_rate,
                           term_months=ts.term_months, method=ts.repayment, start=on)
    deal.instalments.all().delete()
    Instalment.objects.bulk_create([
        Instalment(deal=deal, number=line.number, due_on=line.due_on, principal=line.principal,
                   interest=line.interest, currency=ts.currency) for line in lines])
    deal.disbursed_on = on
    deal.days_past_due, deal.days_past_due_on = 0, on
    deal.save(update_fields=["disbursed_on", "days_past_due", "days_past_due_on", "updated_at"])


def _apply_position(deal: Deal, *, on: date, actor: Any, may_default: bool = True) -> None:
    """Store days past due and make the moves the repayment rules call for: *repaying* once the
    first instalment falls due or is paid, *repaid* when everything is paid, *defaulted* at
    ``settings.BAYFIN_DEFAULT_DAYS_PAST_DUE`` days past due. The platform makes these moves."""
    found = loan_position(deal, on=on)
    if found is None:
        return
    pos = found[0]
    deal.days_past_due, deal.days_past_due_on = pos.days_past_due, on
    deal.save(update_fields=["days_past_due", "days_past_due_on", "updated_at"])
    first_due = pos.lines[0].line.due_on
    started = deal.payments.exists() or first_due <= on
    if deal.stage == DealStage.DISBURSED and (started or pos.repaid):
        _deal_move(deal, to_stage=DealStage.REPAYING, actor=None,
                   comment=gettext("Repayment has started."))
    if deal.stage != DealStage.REPAYING:
        return
    if pos.repaid:
        _deal_move(deal, to_stage=DealStage.REPAID, actor=None, comment=gettext("Every instalment is paid."), on=on)
    elif may_default and pos.days_past_due >= settings.BAYFIN_DEFAULT_DAYS_PAST_DUE:
        _deal_move(deal, to_stage=DealStage.DEFAULTED, actor=None, on=on,
                   comment=gettext("%(days)d days past due (default is at %(limit)d).")
                   % {"days": pos.days_past_due, "limit": settings.BAYFIN_DEFAULT_DAYS_PAST_DUE})


@transaction.atomic
def payment_record(*, actor: Any, deal_id: int, data: Mapping[str, Any]) -> Payment:
    """The lender records a repayment received, in the loan's currency, on a day not in the
    future nor before disbursement. It goes into the ledger; the loan's position is recomputed."""
    deal, side = _deal_for_actor(actor, deal_id)
    if side != "institution":
        raise PermissionDenied(_("Only the lending institution records repayments."))
    if deal.stage not in (DealStage.DISBURSED, DealStage.REPAYING):
        raise InvalidTransition(_("Repayments are recorded on a disbursed loan; this deal is at stage %(stage)s.")
                                % {"stage": _label(DealStage, deal.stage)})
    errors = FieldErrors()
    currency = deal.agreed_currency
    if data.get("currency") not in (None, "", currency):
        errors.add("currency", _("Record the payment in the loan's currency, %(currency)s.") % {"currency": currency})
    amount = errors.money("amount", data.get("amount"), currency)
    today = timezone.localdate()
    paid_on = errors.not_future("paid_on", errors.iso_date("paid_on", data.get("paid_on")), today)
    if paid_on is not None and deal.disbursed_on and paid_on < deal.disbursed_on:
        errors.add("paid_on", _("The loan was disbursed on %(day)s; a repayment cannot be earlier.")
                   % {"day": deal.disbursed_on.isoformat()})
    reference = errors.text("reference", data.get("reference"), required=False, max_length=100)
    errors.raise_if_any()
    assert amount is not None and paid_on is not None
    payment = Payment.objects.create(deal=deal, amount=amount, currency=currency, paid_on=paid_on,
                                     reference=reference, recorded_by=actor)
    audit_record(actor=actor, action="financing.payment_record", subject=deal,
                 new={"amount": str(amount), "currency": currency, "paid_on": paid_on.isoformat(),
                      "reference": reference}, organisation_id=deal.institution.organisation_id)
    ledger_record(kind="deal.payment_recorded", subject=deal, reference=payment, at=payment.recorded_at,
                  parties=_parties(deal),
                  data={"deal": deal.pk, "paid_on": paid_on.isoformat()}, texts=[reference],
                  amounts=[(amount, currency)])
    _notify_deal(deal, actor=actor, kind="deal.payment",
                 message=gettext_noop("A repayment of %(amount)s %(currency)s on %(day)s was recorded on deal "
                                      "#%(deal)s on “%(request)s”."),
                 params={"amount": str(amount), "currency": currency, "day": paid_on.isoformat()})
    # A payment can only improve the position: it never triggers a default (the daily job decides that).
    _apply_position(deal, on=today, actor=actor, may_default=False)
    return payment


def deal_update_days_past_due(*, today: date) -> int:
    """The daily job: days past due of every disbursed or repaying loan, and the moves they call
    for. One transaction per deal (a failure on one does not hold up the others); idempotent.
    Returns how many deals it looked at."""
    ids = list(Deal.objects.filter(stage__in=(DealStage.DISBURSED, DealStage.REPAYING))
               .order_by("pk").values_list("pk", flat=True))
    for deal_id in ids:
        try:
            with transaction.atomic():
                deal = deal_lock(deal_id)
                if deal.stage in (DealStage.DISBURSED, DealStage.REPAYING):
                    _apply_position(deal, on=today, actor=None)
        except Exception:  # noqa: BLE001 - one bad loan must not stop the others' count; the next run retries
            log.exception("days past due: deal %s failed", deal_id)
    return len(ids)


def _fund_if_reached(req: FinancingRequest, *, actor: Any) -> None:
    """A request in progress is funded once its disbursed and invested money reaches the amount asked."""
    if req.status != RequestStatus.IN_PROGRESS:
        return
    total, _missing = funded_amount(req, on=timezone.localdate())
    if total.amount >= req.amount:
        _request_move(req, to_status=RequestStatus.FUNDED, side="system", actor=actor,
                      reason=gettext("Deals disbursed or invested %(total)s of the %(asked)s asked.")
                      % {"total": total.rounded(), "asked": Money(req.amount, req.currency)})
