"""From the platform's rows to the model's features (the Django side of ``engine/features.py``).

| Platform | Applicant field | How |
| --- | --- | --- |
| enterprise sector | ``naics_sector`` | ``bayfin.common.vocab.SECTORS[sector].naics2`` |
| enterprise employees | ``employees`` | as given; 0 is "not given" (the profile form asks for it, a company with no staff is not one the platform lends to), so the score is refused naming ``employees`` |
| founding date | ``years_operating`` | years (365.25 days) from founding to the scoring day |
| request amount (or the reference loan) | ``amount_usd`` | to USD on the scoring day by the fx service's rate; no rate → ``amount`` missing |
| guarantor / instrument | ``guaranteed`` | an open deal on the request names a guarantor, or every loan instrument the request accepts is a guaranteed loan |
| instruments | ``revolving`` | every loan instrument the request accepts is factoring; a request accepting no loan instrument cannot be given a PD (``instrument`` missing) |

The request's term is *not* a model feature: in the SBA file ``Term`` leaks the outcome (a loan
charged off early records a short term), so the model never learnt from it.

An enterprise's own score is the PD of a *reference loan*: the median amount (in USD) of the
submitted requests in its sector; if its sector has none, of all submitted requests; else
``REFERENCE_AMOUNT_USD``. A term loan, not guaranteed. The basis is stored with the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.utils import timezone

from bayfin.common.money import Money
from bayfin.common.vocab import LOAN_INSTRUMENTS, SECTORS, Instrument
from bayfin.enterprises.models import Enterprise
from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import DEAL_TERMINAL_STAGES
from bayfin.fx.engine.rates import RateBook
from bayfin.fx.selectors import convert_or_none, rate_book

from .engine import features as F

REFERENCE_AMOUNT_USD = Decimal("150000.00")
DAYS_PER_YEAR = 365.25
CENT = Decimal("0.01")


class Basis:
    SECTOR_MEDIAN = "sector_median"
    PLATFORM_MEDIAN = "platform_median"
    DEFAULT = "default"


@dataclass(frozen=True)
class Reference:
    """The reference loan an enterprise's own score is the PD of."""

    amount: Decimal  # USD
    basis: str
    sector: str

    def as_json(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "currency": "USD", "basis": self.basis, "sector": self.sector}


@dataclass(frozen=True)
class Mapped:
    """One applicant's model inputs (``features.describe``), or the platform fields missing."""

    inputs: dict[str, Any] | None
    missing: list[str]


# --------------------------------------------------------------------------- currency


class UsdRates:
    """The factor from each currency to USD on one day (one rate look-up per currency, so a
    single score and a batch convert an amount identically)."""

    def __init__(self, on: date, book: RateBook | None = None) -> None:
        self.on = on
        self._book = book
        self._factors: dict[str, Decimal | None] = {"USD": Decimal(1)}

    def factor(self, currency: str) -> Decimal | None:
        if currency not in self._factors:
            if self._book is None:
                self._book = rate_book(self.on)
            conv = convert_or_none(Money(Decimal(1), currency), "USD", self.on, book=self._book)
            self._factors[currency] = None if conv is None else conv.effective_rate()
        return self._factors[currency]

    def to_usd(self, amount: Decimal, currency: str) -> Decimal | None:
        factor = self.factor(currency)
        if factor is None:
            return None
        return (Decimal(amount) * factor).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- fields


def naics_of(sector: str) -> str | None:
    info = SECTORS.get(sector)
    return info.naics2 if info is not None else None


def employees_of(enterprise: Enterprise) -> int | None:
    return enterprise.employees if enterprise.employees and enterprise.employees > 0 else None


def years_operating(founding_date: date | None, on: date) -> float | None:
    if founding_date is None or founding_date > on:
        return None
    return (on - founding_date).days / DAYS_PER_YEAR


def loan_instruments(instruments: Iterable[str]) -> list[str]:
    return [i for i in instruments if i in LOAN_INSTRUMENTS]


def revolving_of(instruments: Iterable[str]) -> bool | None:
    """Every loan instrument accepted is factoring; None when no loan instrument is accepted."""
    loans = loan_instruments(instruments)
    return all(i == Instrument.FACTORING for i in loans) if loans else None


def guaranteed_of(instruments: Iterable[str], *, deal_guarantor: bool) -> bool:
    loans = loan_instruments(instruments)
    return deal_guarantor or (bool(loans) and all(i == Instrument.GUARANTEED_LOAN for i in loans))


def _applicant_mapped(a: F.Applicant) -> Mapped:
    try:
        return Mapped(F.describe(F.to_features(a)), [])
    except F.MissingFeatures as exc:
        return Mapped(None, exc.fields)


# --------------------------------------------------------------------------- requests


def request_has_guarantor(req: FinancingRequest) -> bool:
    return Deal.objects.filter(request=req, guarantor__isnull=False).exclude(
        stage__in=DEAL_TERMINAL_STAGES).exists()


def request_applicant(req: FinancingRequest, *, on: date, rates: UsdRates, deal_guarantor: bool) -> F.Applicant:
    enterprise = req.enterprise
    amount = rates.to_usd(req.amount, req.currency)
    return F.Applicant(
        naics_sector=naics_of(enterprise.sector), employees=employees_of(enterprise),
        years_operating=years_operating(enterprise.founding_date, on),
        amount_usd=float(amount) if amount is not None else None,
        guaranteed=guaranteed_of(req.instruments, deal_guarantor=deal_guarantor),
        revolving=revolving_of(req.instruments),
    )


def map_request(req: FinancingRequest, *, on: date | None = None, rates: UsdRates | None = None,
                deal_guarantor: bool | None = None) -> Mapped:
    day = on or timezone.localdate()
    guarantor = request_has_guarantor(req) if deal_guarantor is None else deal_guarantor
    return _applicant_mapped(request_applicant(req, on=day, rates=rates or UsdRates(day), deal_guarantor=guarantor))


def requests_with_guarantor(request_ids: Sequence[int]) -> set[int]:
    return set(Deal.objects.filter(request_id__in=request_ids, guarantor__isnull=False)
               .exclude(stage__in=DEAL_TERMINAL_STAGES).values_list("request_id", flat=True))


# --------------------------------------------------------------------------- reference loans


class ReferenceLoans:
    """Median submitted amounts (USD) per sector and overall, computed once (per batch)."""

    def __init__(self, *, on: date, rates: UsdRates | None = None) -> None:
        self.rates = rates or UsdRates(on)
        by_sector: dict[str, list[Decimal]] = {}
        everything: list[Decimal] = []
        rows = (FinancingRequest.objects.filter(submitted_at__isnull=False)
                .values_list("enterprise__sector", "amount", "currency"))
        for sector, amount, currency in rows.iterator():
            usd = self.rates.to_usd(amount, currency)
            if usd is None:
                continue  # no rate: this request cannot say what a loan costs in USD
            by_sector.setdefault(sector, []).append(usd)
            everything.append(usd)
        self.sector_medians = {s: _median(v) for s, v in by_sector.items()}
        self.platform_median = _median(everything) if everything else None

    def for_sector(self, sector: str) -> Reference:
        if sector in self.sector_medians:
            return Reference(self.sector_medians[sector], Basis.SECTOR_MEDIAN, sector)
        if self.platform_median is not None:
            return Reference(self.platform_median, Basis.PLATFORM_MEDIAN, sector)
        return Reference(REFERENCE_AMOUNT_USD, Basis.DEFAULT, sector)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    mid = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return Decimal(mid).quantize(CENT, rounding=ROUND_HALF_UP)


def enterprise_applicant(enterprise: Enterprise, reference: Reference, *, on: date) -> F.Applicant:
    return F.Applicant(
        naics_sector=naics_of(enterprise.sector), employees=employees_of(enterprise),
        years_operating=years_operating(enterprise.founding_date, on), amount_usd=float(reference.amount),
        guaranteed=False, revolving=False,
    )


def map_enterprise(enterprise: Enterprise, *, on: date | None = None,
                   references: ReferenceLoans | None = None) -> tuple[Mapped, Reference]:
    day = on or timezone.localdate()
    reference = (references or ReferenceLoans(on=day)).for_sector(enterprise.sector)
    return _applicant_mapped(enterprise_applicant(enterprise, reference, on=day)), reference


# --------------------------------------------------------------------------- batches


def columns_of(applicants: Sequence[F.Applicant]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Model columns of the applicants that can be scored, and the mask of which those are.

    Vectorised through ``features.to_columns`` (no per-row feature logic here)."""
    n = len(applicants)
    sector = np.array([a.naics_sector or "" for a in applicants], dtype=str) if n else np.array([], dtype=str)
    emp = np.array([np.nan if a.employees is None else a.employees for a in applicants], dtype=np.float64)
    years = np.array([np.nan if a.years_operating is None else a.years_operating for a in applicants],
                     dtype=np.float64)
    amount = np.array([np.nan if a.amount_usd is None else a.amount_usd for a in applicants], dtype=np.float64)
    known = np.array([a.guaranteed is not None and a.revolving is not None for a in applicants], dtype=bool)
    guar = np.array([bool(a.guaranteed) for a in applicants], dtype=bool)
    rev = np.array([bool(a.revolving) for a in applicants], dtype=bool)
    ok = F.complete_rows(naics_sector=sector, employees=emp, years_operating=years, amount_usd=amount) & known
    cols = F.to_columns(naics_sector=sector[ok], employees=emp[ok], years_operating=years[ok],
                        amount_usd=amount[ok], guaranteed=guar[ok], revolving=rev[ok])
    return cols, ok


def missing_of(a: F.Applicant) -> list[str]:
    try:
        F.to_features(a)
    except F.MissingFeatures as exc:
        return exc.fields
    return []


def row_inputs(columns: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """The stored inputs of row ``i`` of a batch (the same JSON a single score stores)."""
    return F.describe({name: columns[name][i].item() if hasattr(columns[name][i], "item") else columns[name][i]
                       for name in F.FEATURES})


# --------------------------------------------------------------------------- platform outcomes


@dataclass
class Outcomes:
    """The platform's own outcomes as training rows, and the deals left out (with why)."""

    rows: list[dict[str, Any]]
    defaults: list[int]
    deal_ids: list[int]
    skipped: dict[int, list[str]]  # deal id -> missing platform fields


def platform_outcomes(*, since: date | None = None) -> Outcomes:
    """Deals disbursed and then repaid (0) or defaulted (1), mapped as on the disbursal day.

    Invested deals are left out: equity has no default. The deal's agreed terms are used
    (amount, instrument, guarantor), else the request's."""
    from bayfin.financing.selectors import deal_outcomes
    from bayfin.financing.transitions import DealStage

    out = Outcomes([], [], [], {})
    rates: dict[date, UsdRates] = {}
    deals = deal_outcomes(since=since).filter(stage__in=(DealStage.REPAID, DealStage.DEFAULTED))
    for deal in deals.select_related("request__enterprise"):
        req = deal.request
        day = deal.disbursed_on or deal.outcome_on or timezone.localdate()
        day_rates = rates.setdefault(day, UsdRates(day))
        if deal.agreed_amount is not None and deal.agreed_currency:
            amount = day_rates.to_usd(deal.agreed_amount, deal.agreed_currency)
        else:
            amount = day_rates.to_usd(req.amount, req.currency)
        instruments = [deal.agreed_instrument] if deal.agreed_instrument else list(req.instruments)
        enterprise = req.enterprise
        applicant = F.Applicant(
            naics_sector=naics_of(enterprise.sector), employees=employees_of(enterprise),
            years_operating=years_operating(enterprise.founding_date, day),
            amount_usd=float(amount) if amount is not None else None,
            guaranteed=guaranteed_of(instruments, deal_guarantor=deal.guarantor_id is not None),
            revolving=revolving_of(instruments),
        )
        mapped = _applicant_mapped(applicant)
        if mapped.inputs is None:
            out.skipped[deal.pk] = mapped.missing
            continue
        out.rows.append(mapped.inputs)
        out.defaults.append(int(deal.stage == DealStage.DEFAULTED))
        out.deal_ids.append(deal.pk)
    return out
