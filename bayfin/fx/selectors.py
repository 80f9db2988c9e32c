"""Reads for fx: rates and conversion, channels and the answer for a request and a product,
limit parameters and an enterprise's limits.

``convert`` is the platform's one way to convert money: every app calls it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import (
    is_operator,
    organisation_of,
    require_member,
    require_operator,
    require_signed_in,
)
from bayfin.common.errors import NotFound, ValidationFailed
from bayfin.common.money import Money
from bayfin.common.vocab import (
    MAINLAND_JURISDICTIONS,
    CertificationKind,
    InstitutionKind,
    Jurisdiction,
)
from bayfin.financing.selectors import request_get_for
from bayfin.institutions.selectors import product_get_for

from . import explain
from .engine import limits as limits_engine
from .engine.channels import (
    ChannelAnswer,
    ChannelRule,
    Flow,
    channels_for,
    direction,
    parse_conditions,
)
from .engine.rates import Conversion, FxError, Rate, RateBook, RatePolicy
from .engine.rates import convert as engine_convert
from .models import Channel, CrossBorderDebt, FxRate, LimitParameterSet

KNOWN_CODES: dict[str, Iterable[str]] = {
    "institution.kind": InstitutionKind.values,
    "enterprise.certifications": CertificationKind.values,
}
MAINLAND = frozenset(str(j) for j in MAINLAND_JURISDICTIONS)
# The currency each place thinks in, for "≈ RMB 9,148,000 at 2026-11-27" beside an amount.
REFERENCE_CURRENCY: dict[str, str] = {
    str(Jurisdiction.MACAO): "MOP", str(Jurisdiction.HONG_KONG): "HKD", str(Jurisdiction.ELSEWHERE): "USD"}


class RateMissing(ValidationFailed):
    code = "rate_unavailable"


def rate_policy() -> RatePolicy:
    return RatePolicy(max_age_days=settings.BAYFIN_FX_MAX_RATE_AGE_DAYS,
                      peg_tolerance=settings.BAYFIN_FX_PEG_TOLERANCE,
                      cross_tolerance=settings.BAYFIN_FX_CROSS_TOLERANCE)


def _as_rate(row: FxRate) -> Rate:
    return Rate(row.day, row.base, row.quote, row.rate, row.source)


def rate_book(on: date, *, days: int | None = None, exclude_id: int | None = None,
              exclude_ids: Iterable[int] = ()) -> RateBook:
    """The rates that can serve a conversion on ``on`` (the window of the maximum age),
    less the stored rows ``exclude_id`` / ``exclude_ids`` (rows being corrected or replaced)."""
    window = settings.BAYFIN_FX_MAX_RATE_AGE_DAYS if days is None else days
    rows = FxRate.objects.filter(day__lte=on, day__gte=on - timedelta(days=window))
    excluded = {*exclude_ids, *(() if exclude_id is None else (exclude_id,))}
    if excluded:
        rows = rows.exclude(pk__in=excluded)
    return RateBook(_as_rate(r) for r in rows)


def convert(money: Money, to: str, on: date | None = None, *, book: RateBook | None = None) -> Conversion:
    """Money in another currency on a date (today by default): raises RateMissing, never guesses."""
    day = on or timezone.localdate()
    try:
        return engine_convert(money, to, day, book if book is not None else rate_book(day),
                              max_age_days=settings.BAYFIN_FX_MAX_RATE_AGE_DAYS)
    except FxError as exc:
        if exc.code == "rate_unavailable" and exc.params.get("newest") is None:
            # The book holds only the window, so the engine cannot see an older rate: name it from the table.
            exc.params["newest"] = _newest_rate_day(money.currency, to, day)
        raise RateMissing(explain.rate_error_text(exc), fields={"currency": [explain.rate_error_text(exc)]}) from None


def _newest_rate_day(frm: str, to: str, on: date) -> date | None:
    """The day of the newest stored rate between two currencies (either way round) on or before ``on``."""
    pair = Q(base=frm, quote=to) | Q(base=to, quote=frm)
    return FxRate.objects.filter(pair, day__lte=on).order_by("-day").values_list("day", flat=True).first()


def convert_or_none(money: Money, to: str, on: date | None = None, *,
                    book: RateBook | None = None) -> Conversion | None:
    """For display beside an amount: None when there is no rate (the amount shows alone).

    Calls the engine directly: no error message is wanted, so no query for the newest rate."""
    day = on or timezone.localdate()
    try:
        return engine_convert(money, to, day, book if book is not None else rate_book(day),
                              max_age_days=settings.BAYFIN_FX_MAX_RATE_AGE_DAYS)
    except FxError:
        return None


def reference_currency_for(user: Any) -> str:
    """The viewer's reference currency: their organisation's home currency (CNY on the Mainland)."""
    org = organisation_of(user)
    if org is None:
        return "CNY"
    return REFERENCE_CURRENCY.get(org.jurisdiction, "CNY")


# --------------------------------------------------------------------------- rates

RATE_FILTERS = ("base", "quote", "day_from", "day_to")


def rate_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FxRate]:
    """Rates are public reference data: any signed-in user reads them; operators write them."""
    require_signed_in(user)
    rows = FxRate.objects.all()
    f = filters or {}
    if f.get("base"):
        rows = rows.filter(base=f["base"])
    if f.get("quote"):
        rows = rows.filter(quote=f["quote"])
    for key, lookup in (("day_from", "day__gte"), ("day_to", "day__lte")):
        value = f.get(key)
        if value:
            try:
                rows = rows.filter(**{lookup: value if isinstance(value, date) else date.fromisoformat(str(value))})
            except ValueError:
                raise ValidationFailed(fields={key: [_("Enter a valid date (YYYY-MM-DD).")]}) from None
    return rows


def rate_get_for_operator(user: Any, rate_id: int) -> FxRate:
    require_operator(user)
    rate = FxRate.objects.filter(pk=rate_id).first()
    if rate is None:
        raise NotFound(_("Exchange rate not found."))
    return rate


# --------------------------------------------------------------------------- channels


def channel_rule(channel: Channel) -> ChannelRule:
    return ChannelRule(
        code=channel.code,
        from_jurisdictions=frozenset(channel.from_jurisdictions),
        to_jurisdictions=frozenset(channel.to_jurisdictions),
        instruments=frozenset(channel.instruments),
        lender_currencies=frozenset(channel.lender_currencies),
        borrower_currencies=frozenset(channel.borrower_currencies),
        conditions=parse_conditions(channel.conditions, known_codes=KNOWN_CODES),
        limit_rule=channel.limit_rule,
        active=channel.active,
        priority=channel.priority,
    )


def channel_list_for(user: Any, *, include_inactive: bool = False) -> QuerySet[Channel]:
    """The channel catalogue: every signed-in user reads the active ones; operators all."""
    require_signed_in(user)
    rows = Channel.objects.all()
    if not (include_inactive and is_operator(user)):
        rows = rows.filter(active=True)
    return rows


def channel_get_for(user: Any, channel_id: int) -> Channel:
    channel = channel_list_for(user, include_inactive=True).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(_("Channel not found."))
    return channel


def condition_texts(channel: Channel) -> list[str]:
    return [explain.condition_text(c) for c in channel_rule(channel).conditions]


def _years_operating(founding: date | None, on: date) -> int | None:
    if founding is None:
        return None
    return on.year - founding.year - ((on.month, on.day) < (founding.month, founding.day))


def certifications_of(enterprise: Any, on: date) -> frozenset[str]:
    return limits_engine.certifications_valid_on(
        ((c.kind, c.issued_on, c.expires_on) for c in enterprise.certifications.all()), on)


def flow_for(req: Any, product: Any, *, on: date | None = None,
             certifications: frozenset[str] | None = None) -> Flow:
    """The money a product would move to a request's enterprise, as the engine sees it
    (``certifications``: the enterprise's, when the caller has read them already)."""
    day = on or timezone.localdate()
    enterprise = req.enterprise
    institution = product.institution
    return Flow(
        lender_jurisdiction=institution.organisation.jurisdiction,
        enterprise_jurisdiction=enterprise.organisation.jurisdiction,
        instruments=frozenset(req.instruments) & {product.instrument},
        lender_currency=product.ticket_currency,
        borrower_currency=req.currency,
        facts={
            "institution.kind": institution.kind,
            "enterprise.certifications": (certifications if certifications is not None
                                          else certifications_of(enterprise, day)),
            "enterprise.years_operating": _years_operating(enterprise.founding_date, day),
            "request.term_months": req.term_months,
        },
    )


def active_rules() -> list[ChannelRule]:
    return [channel_rule(c) for c in Channel.objects.filter(active=True)]


def channel_answer(req: Any, product: Any, *, rules: list[ChannelRule] | None = None) -> ChannelAnswer:
    """Which channels let this product serve this request, and why not the others (no permission check:
    callers are services and selectors that checked already)."""
    return channels_for(flow_for(req, product), active_rules() if rules is None else rules)


def channels_open_to_request(req: Any, *, enterprise: Any | None = None,
                             values: Mapping[str, Any] | None = None) -> list[Channel]:
    """Channels that could carry money to this request from some lender (for the preferred channel)."""
    ent = enterprise or req.enterprise
    currency = (values or {}).get("currency") or req.currency
    wanted = set((values or {}).get("instruments") or req.instruments)
    out = []
    for channel in Channel.objects.filter(active=True):
        if (ent.organisation.jurisdiction in channel.to_jurisdictions and currency in channel.borrower_currencies
                and wanted & set(channel.instruments)):
            out.append(channel)
    return out


# --------------------------------------------------------------------------- limits


def limit_parameters_on(on: date | None = None) -> LimitParameterSet | None:
    day = on or timezone.localdate()
    return LimitParameterSet.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def limit_parameter_list_for(user: Any) -> QuerySet[LimitParameterSet]:
    require_signed_in(user)
    return LimitParameterSet.objects.all()


def _mpa_params(row: LimitParameterSet) -> limits_engine.MacroPrudentialParameters:
    return limits_engine.MacroPrudentialParameters(
        leverage_ratio=row.leverage_ratio, adjustment_parameter=row.adjustment_parameter,
        short_term_factor=row.short_term_factor, long_term_factor=row.long_term_factor,
        on_balance_factor=row.on_balance_factor, off_balance_factor=row.off_balance_factor,
        fx_risk_factor=row.fx_risk_factor, short_term_months=row.short_term_months)


def _facilitation_params(row: LimitParameterSet) -> limits_engine.FacilitationParameters:
    return limits_engine.FacilitationParameters(
        quota_usd=row.facilitation_quota_usd,
        eligible_certifications=frozenset(row.facilitation_certifications),
        pilot_jurisdictions=frozenset(row.facilitation_jurisdictions))


@dataclass
class EnterpriseLimits:
    """An enterprise's cross-border borrowing position (private to it and the operator)."""

    on: date
    parameters: LimitParameterSet | None
    # Only Mainland enterprises are bound by the cap and the quota (no checks otherwise).
    net_assets: Money | None
    statement_year: int | None
    debts: list[CrossBorderDebt]
    checks: list[limits_engine.LimitCheck] = field(default_factory=list)
    missing_rates: list[str] = field(default_factory=list)

    @property
    def mpa(self) -> limits_engine.LimitCheck | None:
        return next((c for c in self.checks if c.rule == limits_engine.MPA_CAP), None)

    @property
    def facilitation(self) -> limits_engine.LimitCheck | None:
        return next((c for c in self.checks if c.rule == limits_engine.FACILITATION_QUOTA), None)

    def texts(self) -> list[str]:
        return [explain.limit_text(c) for c in self.checks]

    def checks_for(self, *limit_rules: str) -> list[limits_engine.LimitCheck]:
        """Only the limits that these channel limit rules look at."""
        wanted = {name for rule in limit_rules for name in limits_engine.LIMITS_OF_RULE.get(rule, ())}
        return [c for c in self.checks if c.rule in wanted]

    def texts_for(self, *limit_rules: str) -> list[str]:
        return [explain.limit_text(c) for c in self.checks_for(*limit_rules)]


def _net_assets(enterprise: Any) -> tuple[Money | None, int | None]:
    statement = enterprise.statements.order_by("-year").first()
    if statement is None:
        return None, None
    return Money(statement.total_assets - statement.total_liabilities, statement.currency), statement.year


def lent_in_foreign_currency(channel: Channel, amount: Money) -> bool:
    """Whether a borrowing through ``channel`` is foreign-currency debt: it is when asked in a
    foreign currency, or when the channel lends no RMB (the direct loan: the enterprise asks in
    RMB, but the loan is made in a foreign currency and settled)."""
    return amount.currency != "CNY" or "CNY" not in channel.lender_currencies


# What the limits of one enterprise rest on: the parameter set in force, its declared debts,
# its net assets and the year of the statement they come from.
Position = tuple[LimitParameterSet | None, list[CrossBorderDebt], Money | None, int | None]


def position_of(enterprise: Any, on: date) -> Position:
    net, year = _net_assets(enterprise)
    return limit_parameters_on(on), list(enterprise.cross_border_debts.all()), net, year


def limits_for_enterprise(enterprise: Any, *, amount: Money | None = None, term_months: int | None = None,
                          on: date | None = None, foreign_currency: bool | None = None,
                          book: RateBook | None = None, position: Position | None = None) -> EnterpriseLimits:
    """Both limits for an enterprise, with ``amount`` as a new borrowing (zero when None).

    Balances and net assets are converted to CNY (the cap) and USD (the quota) on ``on``.
    A new borrowing of unknown term counts as short-term (the heavier weight). It counts as
    foreign-currency debt when ``foreign_currency`` says so, or by default when it is not in CNY.
    """
    day = on or timezone.localdate()
    params_row, debts, net, year = position if position is not None else position_of(enterprise, day)
    result = EnterpriseLimits(day, params_row, net, year, list(debts))
    if params_row is None or enterprise.organisation.jurisdiction not in MAINLAND:
        return result  # the cap and the quota bind Mainland borrowers only
    book = book if book is not None else rate_book(day)
    missing: list[str] = []

    def to(money: Money, currency: str) -> Decimal:
        if money.amount == 0:
            return Decimal(0)  # zero in any currency: no rate needed, none reported missing
        try:
            return convert(money, currency, day, book=book).result.amount
        except RateMissing as exc:
            missing.append(str(exc.message))
            return Decimal(0)

    mpa = _mpa_params(params_row)
    debts_cny = [limits_engine.Debt(to(Money(d.balance, d.currency), "CNY"), d.term_months,
                                    d.currency != "CNY", d.off_balance) for d in debts]
    new = amount or Money(Decimal(0), "CNY")
    foreign = new.currency != "CNY" if foreign_currency is None else foreign_currency
    new_debt = limits_engine.Debt(to(new, "CNY"), term_months or 0, foreign)
    net_cny = to(net, "CNY") if net is not None else None
    result.checks.append(limits_engine.mpa_check(net_assets=net_cny, debts=debts_cny, new_debt=new_debt, params=mpa))
    balance_usd = sum((to(Money(d.balance, d.currency), "USD") for d in debts), Decimal(0))
    result.checks.append(limits_engine.facilitation_check(
        certifications=certifications_of(enterprise, day), jurisdiction=enterprise.organisation.jurisdiction,
        balance_usd=balance_usd, requested_usd=to(new, "USD"), params=_facilitation_params(params_row)))
    result.missing_rates = sorted(set(missing))
    if missing:
        # Fail closed: a balance that could not be converted is not counted as zero.
        result.checks = [dataclasses.replace(c, applies=False, reason="missing_rate") for c in result.checks]
    return result


def limits_own(user: Any) -> EnterpriseLimits:
    org = require_member(user, OrganisationKind.ENTERPRISE)
    enterprise = getattr(org, "enterprise", None)
    if enterprise is None:
        raise NotFound(_("Complete your company profile first."))
    return limits_for_enterprise(enterprise)


def debt_list_own(user: Any) -> QuerySet[CrossBorderDebt]:
    org = require_member(user, OrganisationKind.ENTERPRISE)
    return CrossBorderDebt.objects.filter(enterprise__organisation=org).select_related("channel")


def debt_get_own(user: Any, debt_id: int) -> CrossBorderDebt:
    debt = debt_list_own(user).filter(pk=debt_id).first()
    if debt is None:
        raise NotFound(_("Cross-border debt not found."))
    return debt


# --------------------------------------------------------------------------- a request and a product


@dataclass
class ChannelAssessment:
    """Which channels carry a product's money to a request, why not the others, and the limits."""

    direction: str
    answer: ChannelAnswer
    channels: dict[str, Channel]
    limits: EnterpriseLimits | None  # only for the enterprise itself and operators
    conversion: Conversion | None  # the request's amount in the product's currency

    @property
    def fitting(self) -> list[Channel]:
        return [self.channels[r.code] for r in self.answer.fitting]

    def refusals(self) -> list[tuple[Channel, list[str]]]:
        return [(self.channels[v.channel.code], [explain.mismatch_text(m) for m in v.mismatches])
                for v in self.answer.refused]

    def within_limits(self, channel: Channel) -> bool | None:
        if self.limits is None or not self.limits.checks:
            return None
        return limits_engine.within(channel.limit_rule, self.limits.checks)


def assess_all(pairs: Iterable[tuple[Any, Any]], *, with_limits: bool,
               on: date | None = None) -> list[ChannelAssessment]:
    """``assess`` for several (request, product) pairs, reading the channels and the rates once."""
    day = on or timezone.localdate()
    channels = {c.code: c for c in Channel.objects.filter(active=True)}
    rules = [channel_rule(c) for c in channels.values()]
    book = rate_book(day)
    held: dict[int, frozenset[str]] = {}  # each enterprise's certifications, read once
    positions: dict[int, Position] = {}  # and what its limits rest on
    out = []
    for req, product in pairs:
        if req.enterprise_id not in held:
            held[req.enterprise_id] = certifications_of(req.enterprise, day)
        answer = channels_for(flow_for(req, product, on=day, certifications=held[req.enterprise_id]), rules)
        flow_direction = direction(product.institution.organisation.jurisdiction,
                                   req.enterprise.organisation.jurisdiction, mainland=MAINLAND)
        conversion = convert_or_none(Money(req.amount, req.currency), product.ticket_currency, day, book=book)
        limits = None
        if with_limits and any(channels[r.code].limit_rule != "none" for r in answer.fitting):
            lent = conversion.result if conversion else Money(req.amount, req.currency)
            if req.enterprise_id not in positions:
                positions[req.enterprise_id] = position_of(req.enterprise, day)
            limits = limits_for_enterprise(req.enterprise, amount=lent, term_months=req.term_months, on=day,
                                           book=book, position=positions[req.enterprise_id])
        out.append(ChannelAssessment(flow_direction, answer, channels, limits, conversion))
    return out


def assess(req: Any, product: Any, *, with_limits: bool, on: date | None = None) -> ChannelAssessment:
    return assess_all([(req, product)], with_limits=with_limits, on=on)[0]


def assessment_for(user: Any, request_id: int, product_id: int) -> ChannelAssessment:
    """For the request's enterprise (with its limits), an institution for its own products on a request
    open to it (without the enterprise's private limits), and operators (with them)."""
    req = request_get_for(user, request_id)
    product = product_get_for(user, product_id)
    org = organisation_of(user)
    if org is not None and org.kind == OrganisationKind.INSTITUTION and product.institution.organisation_id != org.pk:
        raise NotFound(_("Product not found."))
    private = is_operator(user) or (org is not None and req.enterprise.organisation_id == org.pk)
    return assess(req, product, with_limits=private)
