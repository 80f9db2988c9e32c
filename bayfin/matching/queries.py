"""Financing requests and enterprises as the engine's queries.

What a query holds (``engine.types.Query``): the request's instruments, amount and term (an
enterprise without a request: every instrument, no amount, no term), the enterprise's sector,
stage, jurisdiction and years operating, its latest declared revenue, its certifications valid
today, its sci-tech statuses that are decided (the latest evaluation of each rule set), its current
credit grade (the request's score, else the enterprise's), the embedding (the normalised mean of
the description's and the purpose's) and ``channel_ok``: per product channel class, whether an
active channel carries such money to it within its cross-border limits.

Amounts and revenue are converted into every currency that has a rate on the day, through the fx
engine with one rate book (the conversion ``fx.selectors.convert`` makes); a currency without a rate
is left out, and the engine then says ``no_rate`` for a product in it.

The channel answer is computed per distinct (enterprise jurisdiction, currency, certifications,
years, term) and product channel class, once per batch (``Context``); the enterprise's limits only
where every channel that fits has a limit rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from bayfin.common.money import CURRENCIES, Money
from bayfin.enterprises.models import Certification, Enterprise, FinancialStatement
from bayfin.evaluation.models import Evaluation, EvaluationStatus
from bayfin.financing.models import FinancingRequest
from bayfin.fx import selectors as fx
from bayfin.fx.engine import limits as limits_engine
from bayfin.fx.engine.channels import ChannelRule, Flow, check_channel
from bayfin.fx.engine.rates import FxError, RateBook
from bayfin.fx.engine.rates import convert as fx_convert
from bayfin.fx.models import Channel, CrossBorderDebt
from bayfin.scoring.models import CreditScore, ScoreKind, ScoreStatus

from .embeddings import vectors
from .engine.embed import combine
from .engine.types import Query
from .index import Snapshot, codebook
from .models import EmbeddingKind

# Channel status of one product class for one query.
OK, NO_CHANNEL, LIMIT = "ok", "no_channel", "limit"


@dataclass
class ChannelFit:
    """Per product channel class: whether money can flow, and through which channel."""

    ok: np.ndarray  # bool (n_classes,)
    status: list[str]  # OK, NO_CHANNEL or LIMIT
    channel: list[str]  # the code of the channel used ("" when none)


@dataclass
class Context:
    """What building many queries reads once: the day, the rates, the channels, the index."""

    snap: Snapshot
    day: date = field(default_factory=timezone.localdate)
    book: RateBook | None = None
    rules: list[ChannelRule] | None = None
    limit_rule: dict[str, str] = field(default_factory=dict)
    params: Any = None  # the limit parameter set in force
    flows: dict[tuple[Any, ...], tuple[list[list[ChannelRule]], list[list[ChannelRule]]]] = field(default_factory=dict)
    class_rules: list[list[ChannelRule]] = field(default_factory=list)
    fits: dict[int, ChannelFit] = field(default_factory=dict)  # query id -> channel answer

    def __post_init__(self) -> None:
        if self.book is None:
            self.book = fx.rate_book(self.day)
        if self.rules is None:
            channels = list(Channel.objects.filter(active=True))
            self.rules = [fx.channel_rule(c) for c in channels]
        self.rules = sorted(self.rules, key=lambda r: (r.priority, r.code))
        self.limit_rule = {r.code: r.limit_rule for r in self.rules}
        self.params = fx.limit_parameters_on(self.day)

    def in_every_currency(self, amount: Decimal, currency: str) -> dict[str, float]:
        """``amount`` in each currency that has a rate on the day (itself always)."""
        out: dict[str, float] = {}
        assert self.book is not None
        for to in codebook().currencies:
            if to == currency:
                out[to] = float(amount)
                continue
            try:
                out[to] = float(fx_convert(Money(amount, currency), to, self.day, self.book,
                                           max_age_days=settings.BAYFIN_FX_MAX_RATE_AGE_DAYS).result.amount)
            except FxError:
                continue
        return out


def years_operating(founding: date | None, on: date) -> int:
    if founding is None:
        return 0
    return max(0, on.year - founding.year - ((on.month, on.day) < (founding.month, founding.day)))


# --------------------------------------------------------------------------- channels


# A channel rule's checks split into the lender's side (the product's channel class) and the
# borrower's side (the query): each side is checked once, by the fx engine's own ``check_channel``
# on a flow whose other side is left out, and a rule carries a class's money to a query when both
# sides pass, which is exactly when ``check_channel`` passes on the whole flow.
LENDER_SIDE = frozenset({"inactive", "lender_jurisdiction", "instrument", "lender_currency"})
BORROWER_SIDE = frozenset({"enterprise_jurisdiction", "borrower_currency"})
LENDER_FACTS = frozenset({"institution.kind"})


def _side_ok(verdict: Any, codes: frozenset[str], *, lender: bool) -> bool:
    for m in verdict.mismatches:
        if m.code == "condition":
            if (m.condition.field in LENDER_FACTS) == lender:
                return False
        elif m.code in codes:
            return False
    return True


def _class_rules(ctx: Context) -> list[list[ChannelRule]]:
    """Per product channel class, the rules (best first) its lender side passes."""
    assert ctx.rules is not None
    n = len(ctx.snap.classes)
    if len(ctx.class_rules) != n:
        out = []
        for cls in ctx.snap.classes:
            flow = Flow(lender_jurisdiction=cls.jurisdiction, enterprise_jurisdiction="",
                        instruments=frozenset({cls.instrument}), lender_currency=cls.currency, borrower_currency="",
                        facts={"institution.kind": cls.institution_kind})
            out.append([r for r in ctx.rules if _side_ok(check_channel(r, flow), LENDER_SIDE, lender=True)])
        ctx.class_rules = out
    return ctx.class_rules


def _query_rules(ctx: Context, *, jurisdiction: str, currencies: Sequence[str], facts: dict[str, Any]) -> set[str]:
    """The codes of the rules whose borrower side this query passes in one of ``currencies``."""
    assert ctx.rules is not None
    out: set[str] = set()
    for rule in ctx.rules:
        for currency in currencies:
            flow = Flow(lender_jurisdiction="", enterprise_jurisdiction=jurisdiction, instruments=rule.instruments,
                        lender_currency="", borrower_currency=currency, facts=facts)
            if _side_ok(check_channel(rule, flow), BORROWER_SIDE, lender=False):
                out.add(rule.code)
                break
    return out


def _position(enterprise: Enterprise, ctx: Context) -> fx.Position:
    """What the enterprise's limits rest on, from the prefetched rows (no query)."""
    statements = sorted(enterprise.statements.all(), key=lambda s: -s.year)
    net = year = None
    if statements:
        s = statements[0]
        net, year = Money(s.total_assets - s.total_liabilities, s.currency), s.year
    return ctx.params, list(enterprise.cross_border_debts.all()), net, year


def channel_fit(ctx: Context, enterprise: Enterprise, *, currencies: Sequence[str], amount: Decimal | None,
                amount_currency: str, term_months: int | None, certifications: frozenset[str],
                years: int) -> ChannelFit:
    """Per product channel class: a fitting channel within the enterprise's limits."""
    snap = ctx.snap
    jurisdiction = enterprise.organisation.jurisdiction
    key = (jurisdiction, tuple(currencies), certifications, years, term_months, len(snap.classes))
    cached = ctx.flows.get(key)
    if cached is None:
        facts = {"enterprise.certifications": certifications, "enterprise.years_operating": years,
                 "request.term_months": term_months}
        passing = _query_rules(ctx, jurisdiction=jurisdiction, currencies=currencies, facts=facts)
        fitting = [[r for r in rules if r.code in passing] for rules in _class_rules(ctx)]
        cached = (fitting, [[r for r in f if r.limit_rule == "none"] for f in fitting])
        ctx.flows[key] = cached
    fitting, unlimited = cached
    n = len(snap.classes)
    ok = np.zeros(n, dtype=bool)
    status = [NO_CHANNEL] * n
    channel = [""] * n
    limits: dict[str, list[limits_engine.LimitCheck]] = {}
    for c, cls in enumerate(snap.classes):
        if not fitting[c]:
            continue
        if unlimited[c]:
            ok[c], status[c], channel[c] = True, OK, unlimited[c][0].code
            continue
        # Every fitting channel has a limit: the enterprise's position decides (Mainland borrowers
        # only; without a parameter set nothing is checked).
        if cls.currency not in limits:
            lent = _lent(ctx, amount, amount_currency, cls.currency)
            limits[cls.currency] = fx.limits_for_enterprise(
                enterprise, amount=lent, term_months=term_months, on=ctx.day, book=ctx.book,
                position=_position(enterprise, ctx)).checks
        checks = limits[cls.currency]
        good = [r for r in fitting[c] if not checks or limits_engine.within(r.limit_rule, checks)]
        if good:
            ok[c], status[c], channel[c] = True, OK, good[0].code
        else:
            status[c] = LIMIT
    return ChannelFit(ok, status, channel)


def _lent(ctx: Context, amount: Decimal | None, currency: str, to: str) -> Money:
    """The new borrowing, in the currency lent (no amount: nothing new)."""
    if amount is None:
        return Money(Decimal(0), to)
    if currency == to:
        return Money(amount, to)
    conversion = fx.convert_or_none(Money(amount, currency), to, ctx.day, book=ctx.book)
    return conversion.result if conversion is not None else Money(amount, currency)


# --------------------------------------------------------------------------- what the queries read


def _enterprises(ids: Iterable[int]) -> dict[int, Enterprise]:
    qs = (Enterprise.objects.filter(pk__in=list(set(ids))).select_related("organisation")
          .prefetch_related(Prefetch("certifications", queryset=Certification.objects.order_by("pk")),
                            Prefetch("statements", queryset=FinancialStatement.objects.order_by("-year")),
                            Prefetch("cross_border_debts", queryset=CrossBorderDebt.objects.order_by("pk"))))
    return {e.pk: e for e in qs}


def _statuses(enterprise_ids: Iterable[int]) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """(qualified, not qualified) per enterprise, from the latest evaluation of each rule set."""
    seen: set[tuple[int, str]] = set()
    qualified: dict[int, set[str]] = defaultdict(set)
    not_qualified: dict[int, set[str]] = defaultdict(set)
    rows = (Evaluation.objects.filter(enterprise_id__in=list(set(enterprise_ids)))
            .order_by("enterprise_id", "rule_set", "-created_at", "-id")
            .values_list("enterprise_id", "rule_set", "status"))
    for enterprise_id, rule_set, status in rows:
        if (enterprise_id, rule_set) in seen:
            continue
        seen.add((enterprise_id, rule_set))
        if status == EvaluationStatus.QUALIFIED:
            qualified[enterprise_id].add(rule_set)
        elif status == EvaluationStatus.NOT_QUALIFIED:
            not_qualified[enterprise_id].add(rule_set)
    return {e: (frozenset(qualified.get(e, ())), frozenset(not_qualified.get(e, ())))
            for e in set(qualified) | set(not_qualified)}


def _grades(enterprise_ids: Iterable[int], request_ids: Iterable[int] = ()) -> tuple[dict[int, str], dict[int, str]]:
    """The current grades: (per enterprise, per request); refused scores have none."""
    scored = CreditScore.objects.filter(is_current=True, status=ScoreStatus.SCORED)
    ent = dict(scored.filter(kind=ScoreKind.ENTERPRISE, enterprise_id__in=list(set(enterprise_ids)))
               .values_list("enterprise_id", "grade"))
    req = dict(scored.filter(kind=ScoreKind.REQUEST, request_id__in=list(set(request_ids)))
               .values_list("request_id", "grade"))
    return {int(k): v for k, v in ent.items() if v}, {int(k): v for k, v in req.items() if v}


def _revenue(ctx: Context, enterprise: Enterprise) -> dict[str, float] | None:
    statements = sorted(enterprise.statements.all(), key=lambda s: -s.year)
    if not statements:
        return None
    latest = statements[0]
    return ctx.in_every_currency(latest.revenue, latest.currency)


def _query(ctx: Context, enterprise: Enterprise, *, query_id: int, instruments: frozenset[str],
           amount: Decimal | None, currency: str, term_months: int | None, grade: str,
           statuses: tuple[frozenset[str], frozenset[str]], embedding: np.ndarray | None) -> Query:
    day = ctx.day
    certifications = fx.certifications_of(enterprise, day)
    years = years_operating(enterprise.founding_date, day)
    currencies = [currency] if amount is not None else sorted(CURRENCIES)
    fit = channel_fit(ctx, enterprise, currencies=currencies, amount=amount, amount_currency=currency,
                      term_months=term_months, certifications=certifications, years=years)
    ctx.fits[query_id] = fit
    return Query(
        query_id=query_id, enterprise_id=enterprise.pk, instruments=instruments,
        amount=ctx.in_every_currency(amount, currency) if amount is not None else None,
        term_months=term_months, sector=enterprise.sector or "", stage=enterprise.stage or "",
        jurisdiction=enterprise.organisation.jurisdiction or "", years_operating=years,
        revenue=_revenue(ctx, enterprise), certifications=certifications,
        qualified=statuses[0], not_qualified=statuses[1], grade=grade, day=day.toordinal(),
        channel_ok=fit.ok, embedding=embedding,
    )


def request_queries(ctx: Context, request_ids: Sequence[int]) -> list[Query]:
    """The queries of these requests, in id order (missing ids are skipped)."""
    requests = list(FinancingRequest.objects.filter(pk__in=list(request_ids)).order_by("pk"))
    enterprise_ids = [r.enterprise_id for r in requests]
    enterprises = _enterprises(enterprise_ids)
    statuses = _statuses(enterprise_ids)
    ent_grades, req_grades = _grades(enterprise_ids, [r.pk for r in requests])
    ent_vecs = vectors(EmbeddingKind.ENTERPRISE, enterprise_ids)
    req_vecs = vectors(EmbeddingKind.REQUEST, [r.pk for r in requests])
    every = frozenset(codebook().instruments)
    out = []
    for r in requests:
        e = enterprises[r.enterprise_id]
        out.append(_query(
            ctx, e, query_id=r.pk, instruments=frozenset(str(i) for i in r.instruments or ()) & every,
            amount=r.amount, currency=r.currency, term_months=r.term_months,
            grade=req_grades.get(r.pk) or ent_grades.get(e.pk, ""),
            statuses=statuses.get(e.pk, (frozenset(), frozenset())),
            embedding=combine(ent_vecs.get(e.pk), req_vecs.get(r.pk))))
    return out


def enterprise_queries(ctx: Context, enterprise_ids: Sequence[int]) -> list[Query]:
    """Recommendation queries: every instrument, no amount, no term; in id order."""
    enterprises = _enterprises(enterprise_ids)
    ids = sorted(enterprises)
    statuses = _statuses(ids)
    ent_grades, _ = _grades(ids)
    ent_vecs = vectors(EmbeddingKind.ENTERPRISE, ids)
    every = frozenset(codebook().instruments)
    return [_query(ctx, enterprises[i], query_id=i, instruments=every, amount=None, currency="",
                   term_months=None, grade=ent_grades.get(i, ""),
                   statuses=statuses.get(i, (frozenset(), frozenset())),
                   embedding=combine(ent_vecs.get(i), None)) for i in ids]
