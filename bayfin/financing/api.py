"""Financing API: requests, browsing, interest and deals. Amounts are strings."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.schemas import MoneyOut, Pagination, StrictIn, money_out

from . import selectors, services
from .models import Deal, FinancingRequest

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
    channel: int | str | None = Field(None, description="The preferred channel's id; null or \"\" for none")


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
    badges: list[str] = Field(default_factory=list,
                              description="Qualifications the enterprise published (never scores)")


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
    channel: ChannelRefOut | None = Field(None, description="The cross-border channel the enterprise means to use")
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
    comment: str = ""


class InstitutionRefOut(Schema):
    id: int
    name: str


class DealEventOut(Schema):
    from_stage: str
    to_stage: str
    actor: str | None
    comment: str
    at: datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.email if obj.actor else None


class DealOut(Schema):
    id: int
    request_id: int
    request_title: str
    request_amount: MoneyOut
    enterprise: EnterprisePublicOut
    institution: InstitutionRefOut
    product_id: int | None
    channel: ChannelRefOut | None = Field(None, description="The channel the product's money takes")
    stage: str
    message: str
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[str] = Field([], description="Stages you may move this deal to")

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
    def resolve_allowed_transitions(obj: Deal, context: Any) -> list[str]:
        return selectors.deal_actions_for(_user(context), obj)


class DealDetailOut(DealOut):
    history: list[DealEventOut]

    @staticmethod
    def resolve_history(obj: Deal) -> Any:
        return list(obj.events.all())


class BrowseFilters(Schema):
    sector: str | None = None
    jurisdiction: str | None = None
    stage: str | None = None
    instrument: str | None = None
    badge: str | None = Field(None, description="A published qualification: scitech_sme, hnte or macao_tech")
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
    req = services.request_update(actor=request.user, request_id=request_id,
                                  data=payload.dict(exclude_unset=True))
    return req


@router.post("/requests/{request_id}/transition", response=RequestOut,
             summary="Submit, close, withdraw or mark funded")
def transition_request(request: HttpRequest, request_id: int, payload: TransitionIn) -> Any:
    req = services.request_transition(actor=request.user, request_id=request_id, to_status=payload.to,
                                      reason=payload.reason)
    return req


@router.get("/browse", response=list[RequestOut], summary="Open requests (institutions)")
@paginate(Pagination)
def browse_requests(request: HttpRequest, filters: Query[BrowseFilters]) -> Any:
    return selectors.request_browse_for(request.user, filters.dict())


@router.post("/requests/{request_id}/interest", response={201: DealDetailOut},
             summary="Express interest: creates a deal")
def express_interest(request: HttpRequest, request_id: int, payload: InterestIn) -> Any:
    deal = services.deal_express_interest(actor=request.user, request_id=request_id,
                                          message=payload.message, product_id=payload.product_id)
    return Status(201, selectors.deal_get_for(request.user, deal.pk))


# --------------------------------------------------------------------------- deals


@router.get("/deals", response=list[DealOut])
@paginate(Pagination)
def list_deals(request: HttpRequest, filters: Query[DealFilters]) -> Any:
    return selectors.deal_list_for(request.user, filters.dict())


@router.get("/deals/{deal_id}", response=DealDetailOut)
def get_deal(request: HttpRequest, deal_id: int) -> Any:
    return selectors.deal_get_for(request.user, deal_id)


@router.post("/deals/{deal_id}/transition", response=DealDetailOut)
def transition_deal(request: HttpRequest, deal_id: int, payload: DealTransitionIn) -> Any:
    services.deal_transition(actor=request.user, deal_id=deal_id, to_stage=payload.to, comment=payload.comment)
    return selectors.deal_get_for(request.user, deal_id)
