"""The fx API: exchange rates and conversion, cross-border channels, limit parameters, an
enterprise's declared cross-border debts and limits, and the channel assessment of a
request and a product. Schemas in, one service or selector, schema out.

Money travels as ``{"amount": "1000.00", "currency": "MOP"}`` and rates as strings
("7.1234"), never floats; a JSON number for a rate or an amount is refused by the
service with a clear reason (integers are parsed exactly).
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from bayfin.common.money import Money
from bayfin.common.schemas import ErrorOut, MoneyOut, Pagination, StrictIn, money_out
from bayfin.common.validation import FieldErrors

from . import explain, selectors, services
from .engine.limits import LimitCheck
from .engine.rates import Conversion
from .models import Channel, CrossBorderDebt, FxRate, LimitParameterSet

router = Router(tags=["fx"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# Amounts, rates and factors: strings. Numbers are accepted only to be refused with a clear
# reason (floats) or parsed exactly (integers).
Number = str | int | float | None


def rate_text(value: Decimal) -> str:
    """A stored rate without its padding zeros and never in exponent form: "7.1234", "10"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# A rate or factor as a JSON string, the same whether just saved or read back ("1.75", not "1.7500").
DecimalText = Annotated[
    Decimal,
    PlainSerializer(rate_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["1.5"]}),
]

# --------------------------------------------------------------------------- schemas: rates


class RateFilters(Schema):
    base: str | None = None
    quote: str | None = None
    day_from: str | None = None
    day_to: str | None = None


class RateIn(StrictIn):
    """1 ``base`` = ``rate`` ``quote`` on ``day``; the rate as a string ("7.1234")."""

    day: date | None = None
    base: str | None = None
    quote: str | None = None
    rate: Number = None
    source: str | None = None


class RatePatch(StrictIn):
    """A correction: the day and the pair stay."""

    rate: Number = None
    source: str | None = None


class RateOut(Schema):
    id: int
    day: date
    base: str
    quote: str
    rate: str
    source: str

    @staticmethod
    def resolve_rate(obj: FxRate) -> str:
        return rate_text(obj.rate)


class RateImportIn(StrictIn):
    csv: str
    source: str = ""
    replace: bool = False


class RateImportOut(Schema):
    created: int
    replaced: int
    unchanged: int


class ConvertQuery(Schema):
    amount: str | None = None
    currency: str | None = None
    to: str | None = None
    on: str | None = None


class LegOut(Schema):
    base: str
    quote: str
    rate: str
    day: date
    inverted: bool


class ConversionOut(Schema):
    amount: MoneyOut
    result: MoneyOut
    on: date
    path: str
    legs: list[LegOut]
    rate_day: date | None

    @staticmethod
    def of(conversion: Conversion) -> dict[str, Any]:
        return {
            "amount": conversion.source.as_json(), "result": conversion.result.as_json(),
            "on": conversion.on, "path": conversion.path, "rate_day": conversion.rate_day,
            "legs": [{"base": leg.base, "quote": leg.quote, "rate": rate_text(leg.rate), "day": leg.day,
                      "inverted": leg.inverted} for leg in conversion.legs],
        }


# --------------------------------------------------------------------------- schemas: channels


class ChannelFilters(Schema):
    include_inactive: bool = False


class ChannelPatch(StrictIn):
    """Any of a channel's fields but its code (which never changes)."""

    name_en: str | None = None
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_pt: str | None = None
    notes_en: str | None = None
    notes_zh_hans: str | None = None
    notes_zh_hant: str | None = None
    notes_pt: str | None = None
    from_jurisdictions: list[str] | None = None
    to_jurisdictions: list[str] | None = None
    instruments: list[str] | None = None
    lender_currencies: list[str] | None = None
    borrower_currencies: list[str] | None = None
    conditions: list[Any] | None = None
    documents: list[str] | None = None
    limit_rule: str | None = None
    policy_source: str | None = None
    priority: int | None = None
    active: bool | None = None


class ChannelIn(ChannelPatch):
    code: str | None = None


class ChannelRefOut(Schema):
    id: int
    code: str
    name: str


class ChannelOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    name_pt: str
    notes: str
    notes_en: str
    notes_zh_hans: str
    notes_zh_hant: str
    notes_pt: str
    from_jurisdictions: list[str]
    to_jurisdictions: list[str]
    instruments: list[str]
    lender_currencies: list[str]
    borrower_currencies: list[str]
    conditions: list[dict[str, Any]]
    condition_texts: list[str]
    documents: list[str]
    limit_rule: str
    policy_source: str
    priority: int
    active: bool

    @staticmethod
    def resolve_name(obj: Channel) -> str:
        return obj.display_name()

    @staticmethod
    def resolve_notes(obj: Channel) -> str:
        return obj.notes()

    @staticmethod
    def resolve_condition_texts(obj: Channel) -> list[str]:
        return selectors.condition_texts(obj)


def channel_ref(channel: Channel | None) -> dict[str, Any] | None:
    if channel is None:
        return None
    return {"id": channel.pk, "code": channel.code, "name": channel.display_name()}


# --------------------------------------------------------------------------- schemas: limits


class LimitParametersIn(StrictIn):
    """Factors as strings ("1.5"); the quota in USD as a string."""

    effective_from: date | None = None
    leverage_ratio: Number = None
    adjustment_parameter: Number = None
    short_term_factor: Number = None
    long_term_factor: Number = None
    on_balance_factor: Number = None
    off_balance_factor: Number = None
    fx_risk_factor: Number = None
    short_term_months: int | None = None
    facilitation_quota_usd: Number = None
    facilitation_certifications: list[str] | None = None
    facilitation_jurisdictions: list[str] | None = None
    source: str | None = None


class LimitParametersOut(Schema):
    id: int
    effective_from: date
    leverage_ratio: DecimalText
    adjustment_parameter: DecimalText
    short_term_factor: DecimalText
    long_term_factor: DecimalText
    on_balance_factor: DecimalText
    off_balance_factor: DecimalText
    fx_risk_factor: DecimalText
    short_term_months: int
    facilitation_quota: MoneyOut
    facilitation_certifications: list[str]
    facilitation_jurisdictions: list[str]
    source: str

    @staticmethod
    def resolve_facilitation_quota(obj: LimitParameterSet) -> dict[str, str] | None:
        return money_out(obj.facilitation_quota_usd, "USD")


class DebtIn(StrictIn):
    """A declared cross-border debt; the balance as a string, ``channel`` a channel id."""

    lender: str | None = None
    channel: int | None = None
    balance: Number = None
    currency: str | None = None
    term_months: int | None = None
    drawn_on: date | None = None
    off_balance: bool | None = None


class DebtOut(Schema):
    id: int
    lender: str
    channel: ChannelRefOut | None
    balance: MoneyOut
    term_months: int
    drawn_on: date
    off_balance: bool

    @staticmethod
    def resolve_channel(obj: CrossBorderDebt) -> dict[str, Any] | None:
        return channel_ref(obj.channel)

    @staticmethod
    def resolve_balance(obj: CrossBorderDebt) -> dict[str, str] | None:
        return money_out(obj.balance, obj.currency)


class LimitCheckOut(Schema):
    rule: str
    name: str
    currency: str
    limit: MoneyOut
    balance: MoneyOut
    requested: MoneyOut
    headroom: MoneyOut
    excess: MoneyOut
    applies: bool
    reason: str
    reason_text: str
    text: str
    ok: bool

    @staticmethod
    def of(check: LimitCheck) -> dict[str, Any]:
        def money(value: Decimal) -> dict[str, str] | None:
            return money_out(value, check.currency)

        return {
            "rule": check.rule, "name": explain.limit_name(check.rule), "currency": check.currency,
            "limit": money(check.limit), "balance": money(check.balance), "requested": money(check.requested),
            "headroom": money(check.headroom), "excess": money(check.excess), "applies": check.applies,
            "reason": check.reason, "reason_text": explain.limit_reason_text(check),
            "text": explain.limit_text(check), "ok": check.ok,
        }


class LimitsOut(Schema):
    on: date
    net_assets: MoneyOut | None
    statement_year: int | None
    checks: list[LimitCheckOut]
    parameters: LimitParametersOut | None
    missing_rates: list[str]

    @staticmethod
    def of(limits: selectors.EnterpriseLimits) -> dict[str, Any]:
        net = limits.net_assets
        return {
            "on": limits.on, "net_assets": net.as_json() if net is not None else None,
            "statement_year": limits.statement_year, "checks": [LimitCheckOut.of(c) for c in limits.checks],
            "parameters": limits.parameters, "missing_rates": limits.missing_rates,
        }


# --------------------------------------------------------------------------- schemas: assessment


class AssessmentQuery(Schema):
    request_id: int
    product_id: int


class FittingChannelOut(Schema):
    id: int
    code: str
    name: str
    limit_rule: str
    within_limits: bool | None


class RefusedChannelOut(Schema):
    id: int
    code: str
    name: str
    reasons: list[str]


class AssessmentOut(Schema):
    direction: str
    fitting: list[FittingChannelOut]
    refused: list[RefusedChannelOut]
    conversion: ConversionOut | None
    limits: LimitsOut | None


# --------------------------------------------------------------------------- rates


@router.get("/rates", response={200: list[RateOut], **ERRORS}, summary="Exchange rates (newest first)")
@paginate(Pagination)
def rates(request: HttpRequest, filters: Query[RateFilters]) -> Any:
    return selectors.rate_list_for(request.user, filters.dict())


@router.post("/rates", response={201: RateOut, **ERRORS}, summary="Enter a rate (operators)",
             description="Refused when zero or negative, dated after today, for an unknown currency, or "
             "breaking the MOP/HKD/USD pegs or the pivot path by more than the tolerance.")
def rate_create(request: HttpRequest, payload: RateIn) -> Any:
    return Status(201, services.rate_create(actor=request.user, data=payload.dict(exclude_unset=True)))


@router.post("/rates/import", response={200: RateImportOut, **ERRORS}, summary="Import rates from CSV (operators)",
             description="Columns day, base, quote, rate and optionally source. All or nothing: any bad row "
             "refuses the whole file, with every row's reasons under `fields.file`. A pair and day already "
             "stored is an error unless `replace` is true.")
def rate_import(request: HttpRequest, payload: RateImportIn) -> Any:
    result = services.rate_import(actor=request.user, text=payload.csv, source=payload.source,
                                  replace=payload.replace)
    return {"created": result.created, "replaced": result.replaced, "unchanged": result.unchanged}


@router.patch("/rates/{int:rate_id}", response={200: RateOut, **ERRORS},
              summary="Correct a rate's value or source (operators)")
def rate_update(request: HttpRequest, rate_id: int, payload: RatePatch) -> Any:
    return services.rate_update(actor=request.user, rate_id=rate_id, data=payload.dict(exclude_unset=True))


@router.delete("/rates/{int:rate_id}", response={204: None, **ERRORS}, summary="Delete a rate (operators)")
def rate_delete(request: HttpRequest, rate_id: int) -> Any:
    services.rate_delete(actor=request.user, rate_id=rate_id)
    return Status(204, None)


@router.get("/convert", response={200: ConversionOut, **ERRORS}, summary="Convert an amount on a date",
            description="`amount` (a string) in `currency` to `to` on `on` (today by default): direct, "
            "inverse or through a pivot (USD, then HKD), rounded once. With no rate within the allowed age "
            "the answer is 422 `rate_unavailable`, never an older rate.")
def convert(request: HttpRequest, filters: Query[ConvertQuery]) -> Any:
    errors = FieldErrors()
    currency = errors.currency("currency", filters.currency)
    amount = errors.money("amount", filters.amount, currency)
    to = errors.currency("to", filters.to)
    on = errors.iso_date("on", filters.on, required=False)
    errors.raise_if_any()
    assert amount is not None and currency is not None and to is not None
    return ConversionOut.of(selectors.convert(Money(amount, currency), to, on or timezone.localdate()))


# --------------------------------------------------------------------------- channels


@router.get("/channels", response={200: list[ChannelOut], **ERRORS}, summary="Cross-border channels",
            description="The active channels; operators may add `include_inactive=true`.")
@paginate(Pagination)
def channels(request: HttpRequest, filters: Query[ChannelFilters]) -> Any:
    return selectors.channel_list_for(request.user, include_inactive=filters.include_inactive)


@router.get("/channels/{int:channel_id}", response={200: ChannelOut, **ERRORS}, summary="One channel")
def channel_detail(request: HttpRequest, channel_id: int) -> Any:
    return selectors.channel_get_for(request.user, channel_id)


@router.post("/channels", response={201: ChannelOut, **ERRORS}, summary="Create a channel (operators)",
             description="`conditions` is a list of `{field, op, value}`; an unknown field, operator or code "
             "is refused under `fields.conditions`.")
def channel_create(request: HttpRequest, payload: ChannelIn) -> Any:
    return Status(201, services.channel_create(actor=request.user, data=payload.dict(exclude_unset=True)))


@router.patch("/channels/{int:channel_id}", response={200: ChannelOut, **ERRORS},
              summary="Change a channel (operators); `active: false` retires it")
def channel_update(request: HttpRequest, channel_id: int, payload: ChannelPatch) -> Any:
    return services.channel_update(actor=request.user, channel_id=channel_id,
                                   data=payload.dict(exclude_unset=True))


# --------------------------------------------------------------------------- limit parameters


@router.get("/limit-parameters", response={200: list[LimitParametersOut], **ERRORS},
            summary="Limit parameter sets (newest first)")
@paginate(Pagination)
def limit_parameters(request: HttpRequest) -> Any:
    return selectors.limit_parameter_list_for(request.user)


@router.post("/limit-parameters", response={201: LimitParametersOut, **ERRORS},
             summary="A new limit parameter set, in force from its date (operators)")
def limit_parameters_create(request: HttpRequest, payload: LimitParametersIn) -> Any:
    return Status(201, services.limit_parameters_create(actor=request.user,
                                                        data=payload.dict(exclude_unset=True)))


# --------------------------------------------------------------------------- own debts and limits


@router.get("/debts", response={200: list[DebtOut], **ERRORS},
            summary="My enterprise's declared cross-border debts")
@paginate(Pagination)
def debts(request: HttpRequest) -> Any:
    return selectors.debt_list_own(request.user)


@router.post("/debts", response={201: DebtOut, **ERRORS}, summary="Declare an outstanding cross-border debt")
def debt_create(request: HttpRequest, payload: DebtIn) -> Any:
    return Status(201, services.debt_create(actor=request.user, data=payload.dict(exclude_unset=True)))


@router.get("/debts/{int:debt_id}", response={200: DebtOut, **ERRORS})
def debt_detail(request: HttpRequest, debt_id: int) -> Any:
    return selectors.debt_get_own(request.user, debt_id)


@router.patch("/debts/{int:debt_id}", response={200: DebtOut, **ERRORS})
def debt_update(request: HttpRequest, debt_id: int, payload: DebtIn) -> Any:
    return services.debt_update(actor=request.user, debt_id=debt_id, data=payload.dict(exclude_unset=True))


@router.delete("/debts/{int:debt_id}", response={204: None, **ERRORS}, summary="Remove a repaid debt")
def debt_delete(request: HttpRequest, debt_id: int) -> Any:
    services.debt_delete(actor=request.user, debt_id=debt_id)
    return Status(204, None)


@router.get("/limits", response={200: LimitsOut, **ERRORS}, summary="My enterprise's cross-border limits",
            description="For a Mainland enterprise, the PBoC macro-prudential cap (in CNY) and the SAFE "
            "facilitation quota (in USD): limit, balance, headroom and whether each applies. Neither binds "
            "an enterprise outside the Mainland: its `checks` are empty.")
def limits(request: HttpRequest) -> Any:
    return LimitsOut.of(selectors.limits_own(request.user))


# --------------------------------------------------------------------------- assessment


@router.get("/assessment", response={200: AssessmentOut, **ERRORS},
            summary="Which channels let a product serve a request, and why not the others",
            description="For the request's enterprise and operators, with the enterprise's limits when a "
            "fitting channel has a limit rule; for an institution (its own products on a request open to it) "
            "without them (`limits` and `within_limits` are null).")
def assessment(request: HttpRequest, filters: Query[AssessmentQuery]) -> Any:
    result = selectors.assessment_for(request.user, filters.request_id, filters.product_id)
    return {
        "direction": result.direction,
        "fitting": [{"id": c.pk, "code": c.code, "name": c.display_name(), "limit_rule": c.limit_rule,
                     "within_limits": result.within_limits(c)} for c in result.fitting],
        "refused": [{"id": c.pk, "code": c.code, "name": c.display_name(), "reasons": reasons}
                    for c, reasons in result.refusals()],
        "conversion": ConversionOut.of(result.conversion) if result.conversion else None,
        "limits": LimitsOut.of(result.limits) if result.limits is not None else None,
    }
