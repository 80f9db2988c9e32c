"""Financing API: requests, browsing, interest and deals. Amounts are strings."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.errors import NotFound, PermissionDenied
from bayfin.common.money import Money
from bayfin.common.schemas import MoneyOut, Pagination, StrictIn, money_out

from . import selectors, services
from .models import Deal, FinancingRequest, TermSheetStatus
from .transitions import DealStage

router = Router(tags=["financing"])


# --------------------------------------------------------------------------- schemas


class RequestIn(StrictIn):
    """Amounts as strings ("8000000.00"); a JSON number is refused."""

    title: str | None = None
    amount: str | int | float | None = None
    currency: str | None = None
    instruments: list[str] | None = None
    purpose: str | None = None
    use_of_funds: str | None = None
    term_months: int | None = None
    deadline: date | None = None
    channel: int | str | None = Field(
        None, description='The preferred channel\'s id; null or "" for none'
    )


class EnterprisePublicOut(Schema):
    """The enterprise's public profile only (enterprises.selectors.PublicProfile)."""

    id: int
    name: str = Field(..., alias="display_name")
    jurisdiction: str
    sector: str
    stage: str
    description: str
    founding_year: int | None
    employee_band: str
    badges: list[str] = Field(
        default_factory=list, description="Qualifications the enterprise published (never scores)"
    )


class ChannelRefOut(Schema):
    """A channel as a request or deal names it (its name in the request's language)."""

    id: int
    code: str
    name: str


def channel_ref(channel: Any) -> dict[str, Any] | None:
    if channel is None:
        return None
    return {"id": channel.pk, "code": channel.code, "name": channel.display_name()}


def _user(context: Any) -> Any:
    request = (context or {}).get("request")
    return getattr(request, "user", None)


class RequestOut(Schema):
    id: int
    title: str
    amount: MoneyOut
    instruments: list[str]
    purpose: str
    use_of_funds: str
    term_months: int | None
    deadline: date
    status: str
    submitted_at: datetime | None
    created_at: datetime
    enterprise: EnterprisePublicOut
    channel: ChannelRefOut | None = Field(
        None, description="The cross-border channel the enterprise means to use"
    )
    allowed_transitions: list[str] = Field([], description="Statuses you may move this request to")

    @staticmethod
    def resolve_amount(obj: FinancingRequest) -> Any:
        return money_out(obj.amount, obj.currency)

    @staticmethod
    def resolve_channel(obj: FinancingRequest) -> Any:
        return channel_ref(obj.channel)

    @staticmethod
    def resolve_enterprise(obj: FinancingRequest) -> Any:
        return selectors.public_profile(obj.enterprise)

    @staticmethod
    def resolve_allowed_transitions(obj: FinancingRequest, context: Any) -> list[str]:
        return selectors.request_actions_for(_user(context), obj)


class TransitionIn(StrictIn):
    to: str
    reason: str = ""


class InterestIn(StrictIn):
    message: str
    product_id: int | None = None


class DealTransitionIn(StrictIn):
    to: str
    comment: str = Field(
        "", description="Required when declining or withdrawing: the other side is told why"
    )
    expected_stage: str | None = Field(
        None,
        description="The stage you saw: if the deal moved meanwhile, the "
        "move is refused with 409 deal_moved",
    )
    document_ids: list[int | str] = Field(
        [], description="Documents to attach to this step (from your data room or this deal)"
    )


class InstitutionRefOut(Schema):
    id: int
    name: str


class DocumentRefOut(Schema):
    id: int
    title: str
    kind: str
    sha256: str


class DealEventOut(Schema):
    from_stage: str
    to_stage: str
    actor: str | None
    comment: str
    at: datetime
    documents: list[DocumentRefOut] = Field([], description="Documents attached to this step")

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.email if obj.actor else None

    @staticmethod
    def resolve_documents(obj: Any) -> Any:
        return list(obj.documents.all())


class DealOut(Schema):
    id: int
    request_id: int
    request_title: str
    request_amount: MoneyOut
    enterprise: EnterprisePublicOut
    institution: InstitutionRefOut
    product_id: int | None
    channel: ChannelRefOut | None = Field(None, description="The channel the product's money takes")
    guarantor: InstitutionRefOut | None = Field(
        None, description="The guarantee company that guarantees the deal (a party to it)"
    )
    stage: str
    message: str
    agreed_amount: MoneyOut | None = Field(
        None, description="From the term sheet every party confirmed"
    )
    agreed_instrument: str | None = None
    disbursed_on: date | None = None
    days_past_due: int = Field(0, description="Loans: days the oldest unpaid instalment is late")
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[str] = Field(
        [], description="Stages you may move this deal to with POST deals/{id}/transition"
    )
    next_steps: list[str] = Field(
        [],
        description="Every stage you may take the deal to next, including "
        "term_sheet (propose terms) and data_access (confirm the "
        "consent), which have their own endpoints",
    )

    @staticmethod
    def resolve_channel(obj: Deal) -> Any:
        return channel_ref(obj.channel)

    @staticmethod
    def resolve_request_title(obj: Deal) -> str:
        return obj.request.title

    @staticmethod
    def resolve_request_amount(obj: Deal) -> Any:
        return money_out(obj.request.amount, obj.request.currency)

    @staticmethod
    def resolve_enterprise(obj: Deal) -> Any:
        return selectors.public_profile(obj.request.enterprise)

    @staticmethod
    def resolve_institution(obj: Deal) -> Any:
        return {"id": obj.institution_id, "name": obj.institution.organisation.display_name()}

    @staticmethod
    def resolve_guarantor(obj: Deal) -> Any:
        if obj.guarantor_id is None:
            return None
        return {"id": obj.guarantor_id, "name": obj.guarantor.organisation.display_name()}

    @staticmethod
    def resolve_agreed_amount(obj: Deal) -> Any:
        return money_out(obj.agreed_amount, obj.agreed_currency)

    @staticmethod
    def resolve_agreed_instrument(obj: Deal) -> str | None:
        return obj.agreed_instrument or None

    @staticmethod
    def resolve_allowed_transitions(obj: Deal, context: Any) -> list[str]:
        return selectors.deal_actions_for(_user(context), obj)

    @staticmethod
    def resolve_next_steps(obj: Deal, context: Any) -> list[str]:
        return selectors.deal_next_steps_for(_user(context), obj)


class DealDetailOut(DealOut):
    history: list[DealEventOut]

    @staticmethod
    def resolve_history(obj: Deal) -> Any:
        return list(obj.events.all())


class TermSheetIn(StrictIn):
    """Amounts and the rate as strings ("4.35"); a JSON number for money is refused."""

    instrument: str | None = None
    amount: str | int | float | None = None
    currency: str | None = None
    annual_rate: str | int | float | None = Field(
        None, description="Loans: the annual rate in per cent"
    )
    valuation: str | int | float | None = Field(
        None, description="Equity: the pre-money valuation, same currency"
    )
    term_months: int | str | None = Field(None, description="Loans only")
    repayment: str | None = Field(
        None, description="Loans only: annuity, equal_principal or bullet"
    )
    conditions: str | None = None
    expected_stage: str | None = Field(
        None, description="The stage you saw (409 deal_moved if it moved)"
    )


class ConfirmIn(StrictIn):
    sha256: str | None = Field(
        None,
        description="The SHA-256 of the version you read (409 term_sheet_changed "
        "if the terms are not those)",
    )


class GuarantorIn(StrictIn):
    guarantor_id: int | str | None = Field(
        None, description="A verified guarantee company; null removes it"
    )


class PaymentIn(StrictIn):
    amount: str | int | float | None = None
    currency: str | None = Field(None, description="Optional; must be the loan's currency")
    paid_on: date | str | None = None
    reference: str | None = None


class ConfirmationOut(Schema):
    by: str | None
    at: datetime | None


class TermSheetOut(Schema):
    number: int
    status: str
    instrument: str
    amount: MoneyOut
    annual_rate: str | None = Field(None, description="Per cent a year, as a string")
    valuation: MoneyOut | None
    term_months: int | None
    repayment: str | None
    conditions: str
    proposed_side: str
    proposed_at: datetime
    confirmations: dict[str, ConfirmationOut] = Field(
        ...,
        description="Each party whose confirmation is needed (enterprise, institution, guarantor)",
    )
    document_sha256: str
    confirmed_at: datetime | None
    can_confirm: bool = Field(False, description="Whether you may confirm it now")

    @staticmethod
    def resolve_amount(obj: Any) -> Any:
        return money_out(obj.amount, obj.currency)

    @staticmethod
    def resolve_annual_rate(obj: Any) -> str | None:
        return str(obj.annual_rate) if obj.annual_rate is not None else None

    @staticmethod
    def resolve_valuation(obj: Any) -> Any:
        return money_out(obj.valuation, obj.currency)

    @staticmethod
    def resolve_repayment(obj: Any) -> str | None:
        return obj.repayment or None

    @staticmethod
    def resolve_confirmations(obj: Any) -> dict[str, Any]:
        return {
            side: {
                "by": getattr(getattr(obj, f"{side}_confirmed_by"), "email", None),
                "at": getattr(obj, f"{side}_confirmed_at"),
            }
            for side in _sides(obj.deal)
        }

    @staticmethod
    def resolve_can_confirm(obj: Any, context: Any) -> bool:
        user = _user(context)
        side = selectors.deal_side(user, obj.deal)
        return (
            side in _sides(obj.deal)
            and obj.status == TermSheetStatus.PROPOSED
            and obj.deal.stage == DealStage.TERM_SHEET
            and not services.term_sheet_confirmed_by(obj, side)
        )


def _sides(deal: Deal) -> tuple[str, ...]:
    return (
        ("enterprise", "institution", "guarantor")
        if deal.guarantor_id
        else ("enterprise", "institution")
    )


class InstalmentOut(Schema):
    number: int
    due_on: date
    principal: str
    interest: str
    total: str
    paid: str
    outstanding: str
    paid_in_full_on: date | None
    status: str = Field(..., description="paid, late (due before today and not fully paid) or due")


class ScheduleOut(Schema):
    currency: str
    disbursed_on: date | None
    days_past_due: int
    default_days_past_due: int = Field(
        ..., description="A loan defaults at this many days past due (BAYFIN_DEFAULT_DAYS_PAST_DUE)"
    )
    outstanding_principal: MoneyOut
    overdue: MoneyOut
    repaid: bool
    instalments: list[InstalmentOut]


class PaymentOut(Schema):
    id: int
    amount: MoneyOut
    paid_on: date
    reference: str
    recorded_by: str | None
    recorded_at: datetime

    @staticmethod
    def resolve_amount(obj: Any) -> Any:
        return money_out(obj.amount, obj.currency)

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str | None:
        return obj.recorded_by.email if obj.recorded_by else None


class FundingDealOut(Schema):
    id: int
    institution: InstitutionRefOut
    guarantor: InstitutionRefOut | None
    stage: str
    amount: MoneyOut
    converted: MoneyOut | None = Field(
        None, description="In the request's currency at today's rate (null: no rate today)"
    )


class FundingOut(Schema):
    asked: MoneyOut
    funded: MoneyOut = Field(
        ..., description="Disbursed and invested money converted at today's rates"
    )
    reached: bool
    missing_rates: list[str]
    deals: list[FundingDealOut]


def _ref(institution: Any) -> dict[str, Any] | None:
    if institution is None:
        return None
    return {"id": institution.pk, "name": institution.organisation.display_name()}


def _money(m: Any) -> dict[str, str] | None:
    return money_out(m.amount, m.currency) if m is not None else None


def _schedule(deal: Deal, repayment: Any) -> dict[str, Any]:
    pos, currency = repayment.position, repayment.currency
    return {
        "currency": currency,
        "disbursed_on": deal.disbursed_on,
        "days_past_due": pos.days_past_due,
        "default_days_past_due": repayment.default_days,
        "outstanding_principal": money_out(pos.outstanding_principal, currency),
        "overdue": money_out(pos.overdue, currency),
        "repaid": pos.repaid,
        "instalments": [
            {
                "number": row.number,
                "due_on": row.due_on,
                "principal": _amount(row.principal, currency),
                "interest": _amount(row.interest, currency),
                "total": _amount(row.total, currency),
                "paid": _amount(row.paid, currency),
                "outstanding": _amount(row.outstanding, currency),
                "paid_in_full_on": row.paid_in_full_on,
                "status": row.status,
            }
            for row in repayment.rows
        ],
    }


def _amount(value: Any, currency: str) -> str:
    return Money(value, currency).rounded().as_json()["amount"]


class BrowseFilters(Schema):
    sector: str | None = None
    jurisdiction: str | None = None
    stage: str | None = None
    instrument: str | None = None
    badge: str | None = Field(
        None, description="A published qualification: scitech_sme, hnte or macao_tech"
    )
    currency: str | None = None
    amount_min: str | None = Field(None, description="Only applied together with currency")
    amount_max: str | None = Field(None, description="Only applied together with currency")
    sort: str | None = Field(None, description="newest, deadline or amount")


class OwnFilters(Schema):
    status: str | None = None


class DealFilters(Schema):
    stage: str | None = None


# --------------------------------------------------------------------------- requests


@router.get("/requests", response=list[RequestOut], summary="My enterprise's financing requests")
@paginate(Pagination)
def list_requests(request: HttpRequest, filters: Query[OwnFilters]) -> Any:
    return selectors.request_list_own(request.user, filters.dict())


@router.post("/requests", response={201: RequestOut}, summary="Create a draft financing request")
def create_request(request: HttpRequest, payload: RequestIn) -> Any:
    req = services.request_create(actor=request.user, data=payload.dict())
    return Status(201, req)


@router.get("/requests/{request_id}", response=RequestOut)
def get_request(request: HttpRequest, request_id: int) -> Any:
    return selectors.request_get_for(request.user, request_id)


@router.patch("/requests/{request_id}", response=RequestOut, summary="Edit a draft or open request")
def update_request(request: HttpRequest, request_id: int, payload: RequestIn) -> Any:
    req = services.request_update(
        actor=request.user, request_id=request_id, data=payload.dict(exclude_unset=True)
    )
    return req


@router.post(
    "/requests/{request_id}/transition",
    response=RequestOut,
    summary="Submit, close, withdraw or mark funded",
)
def transition_request(request: HttpRequest, request_id: int, payload: TransitionIn) -> Any:
    req = services.request_transition(
        actor=request.user, request_id=request_id, to_status=payload.to, reason=payload.reason
    )
    return req


@router.get("/browse", response=list[RequestOut], summary="Open requests (institutions)")
@paginate(Pagination)
def browse_requests(request: HttpRequest, filters: Query[BrowseFilters]) -> Any:
    return selectors.request_browse_for(request.user, filters.dict())


@router.post(
    "/requests/{request_id}/interest",
    response={201: DealDetailOut},
    summary="Express interest: creates a deal",
)
def express_interest(request: HttpRequest, request_id: int, payload: InterestIn) -> Any:
    deal = services.deal_express_interest(
        actor=request.user,
        request_id=request_id,
        message=payload.message,
        product_id=payload.product_id,
    )
    return Status(201, selectors.deal_get_for(request.user, deal.pk))


# --------------------------------------------------------------------------- deals


@router.get("/deals", response=list[DealOut])
@paginate(Pagination)
def list_deals(request: HttpRequest, filters: Query[DealFilters]) -> Any:
    return selectors.deal_list_for(request.user, filters.dict())


@router.get("/deals/{deal_id}", response=DealDetailOut)
def get_deal(request: HttpRequest, deal_id: int) -> Any:
    return selectors.deal_get_for(request.user, deal_id)


@router.post(
    "/deals/{deal_id}/transition",
    response=DealDetailOut,
    summary="Move a deal (409 deal_moved when expected_stage is stale)",
)
def transition_deal(request: HttpRequest, deal_id: int, payload: DealTransitionIn) -> Any:
    services.deal_transition(
        actor=request.user,
        deal_id=deal_id,
        to_stage=payload.to,
        comment=payload.comment,
        expected_stage=payload.expected_stage,
        document_ids=payload.document_ids,
    )
    return selectors.deal_get_for(request.user, deal_id)


@router.get(
    "/deals/{deal_id}/term-sheets",
    response=list[TermSheetOut],
    summary="A deal's term sheets, newest first",
)
def list_term_sheets(request: HttpRequest, deal_id: int) -> Any:
    deal = selectors.deal_get_for(request.user, deal_id)
    sheets = list(selectors.term_sheets_for(request.user, deal))
    for ts in sheets:
        ts.deal = deal
    return sheets


@router.post(
    "/deals/{deal_id}/term-sheets",
    response={201: TermSheetOut},
    summary="Propose terms (the enterprise or the lender; counts as the proposer's confirmation)",
)
def propose_term_sheet(request: HttpRequest, deal_id: int, payload: TermSheetIn) -> Any:
    data = payload.dict(exclude={"expected_stage"})
    ts = services.term_sheet_propose(
        actor=request.user, deal_id=deal_id, data=data, expected_stage=payload.expected_stage
    )
    return Status(201, selectors.term_sheet_get_for(request.user, deal_id, ts.number))


@router.post(
    "/deals/{deal_id}/term-sheets/{number}/confirm",
    response=TermSheetOut,
    summary="Confirm the open term sheet (the enterprise, the lender, the guarantor)",
)
def confirm_term_sheet(request: HttpRequest, deal_id: int, number: int, payload: ConfirmIn) -> Any:
    ts = selectors.term_sheet_get_for(request.user, deal_id, number)
    services.term_sheet_confirm(
        actor=request.user, deal_id=deal_id, term_sheet_id=ts.pk, sha256=payload.sha256
    )
    return selectors.term_sheet_get_for(request.user, deal_id, number)


@router.get(
    "/deals/{deal_id}/term-sheets/{number}/document",
    summary="The term sheet's canonical JSON document",
    response={200: dict[str, Any]},
)
def term_sheet_document(request: HttpRequest, deal_id: int, number: int) -> Any:
    ts = selectors.term_sheet_get_for(request.user, deal_id, number)
    response = HttpResponse(services.term_sheet_document_bytes(ts), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="deal-{deal_id}-term-sheet-{ts.number}.json"'
    )
    return response


@router.post(
    "/deals/{deal_id}/guarantor",
    response=DealDetailOut,
    summary="Name or remove the deal's guarantor (the lender, until terms are confirmed)",
)
def set_guarantor(request: HttpRequest, deal_id: int, payload: GuarantorIn) -> Any:
    services.deal_set_guarantor(
        actor=request.user, deal_id=deal_id, guarantor_id=payload.guarantor_id
    )
    return selectors.deal_get_for(request.user, deal_id)


@router.get(
    "/deals/{deal_id}/schedule",
    response=ScheduleOut,
    summary="A disbursed loan's repayment schedule, what was paid, and its position today",
)
def get_schedule(request: HttpRequest, deal_id: int) -> Any:
    deal = selectors.deal_get_for(request.user, deal_id)
    repayment = selectors.repayment_for(request.user, deal)
    if repayment is None:
        raise NotFound(_("This deal has no repayment schedule: only a disbursed loan has one."))
    return _schedule(deal, repayment)


@router.get(
    "/deals/{deal_id}/payments", response=list[PaymentOut], summary="Repayments recorded on a loan"
)
def list_payments(request: HttpRequest, deal_id: int) -> Any:
    deal = selectors.deal_get_for(request.user, deal_id)
    repayment = selectors.repayment_for(request.user, deal)
    return repayment.payments if repayment is not None else []


@router.post(
    "/deals/{deal_id}/payments",
    response={201: PaymentOut},
    summary="Record a repayment received (the lender)",
)
def record_payment(request: HttpRequest, deal_id: int, payload: PaymentIn) -> Any:
    payment = services.payment_record(actor=request.user, deal_id=deal_id, data=payload.dict())
    return Status(201, payment)


@router.get(
    "/requests/{request_id}/funding",
    response=FundingOut,
    summary="How much of a request its deals funded (the request's enterprise, operators)",
)
def get_funding(request: HttpRequest, request_id: int) -> Any:
    req = selectors.request_get_for(request.user, request_id)
    funding = selectors.funding_for(request.user, req)
    if funding is None:
        raise PermissionDenied(_("Only the request's enterprise and operators see its funding."))
    return {
        "asked": _money(funding.asked),
        "funded": _money(funding.funded.rounded()),
        "reached": funding.reached,
        "missing_rates": funding.missing_rates,
        "deals": [
            {
                "id": d.pk,
                "institution": _ref(d.institution),
                "guarantor": _ref(d.guarantor),
                "stage": d.stage,
                "amount": _money(amount),
                "converted": _money(converted),
            }
            for d, amount, converted in funding.lines
        ],
    }
