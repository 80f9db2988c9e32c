"""Exchange rates and the conversion of Money on a date.

A rate says ``1 base = rate quote`` on a day. Conversion picks its path in one place,
``conversion_path``:

1. the same currency: no rate, the amount unchanged;
2. a *direct* rate (base = from, quote = to);
3. the *inverse* of a rate (base = to, quote = from); when both orientations are
   stored, the newer is used (the direct one on the same day);
4. across a *pivot*, trying ``PIVOTS`` in order (USD, then HKD): each of the two legs
   is itself direct or inverse.

Each leg uses the latest rate on or before the date, and no rate older than
``max_age_days`` before it: a missing rate is an error, never a silent old rate. The
amount is multiplied through every leg at full precision and rounded once, half-even,
to the target currency's minor unit.

Rates are checked on entry against the pegs: the pataca is pegged at MOP 1.03 per HKD,
and the Hong Kong dollar trades in the band HKD 7.75-7.85 per USD (the HKMA's
convertibility undertakings). Any pair between USD, HKD and MOP must fall in the band
the pegs imply, widened by ``peg_tolerance``; and a rate of a pegged currency against
another currency (HKD/CNY, say) must agree, through the pegs, with the rates of the
other pegged currencies against that currency on the same day.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from bayfin.common.money import CURRENCIES, Money, quantize

PIVOTS: tuple[str, ...] = ("USD", "HKD")
DEFAULT_MAX_AGE_DAYS = 7
# A rate of a pegged pair may stray this far (relatively) outside the pegged band.
DEFAULT_PEG_TOLERANCE = Decimal("0.01")
# The pivot path and the direct path agree within this relative difference (the
# properties test it; rate entry refuses a direct rate that breaks it).
DEFAULT_CROSS_TOLERANCE = Decimal("0.02")
RATE_DECIMAL_PLACES = 10
RATE_MAX = Decimal(10) ** 6
RATE_MIN = Decimal(10) ** -6

# Each pegged currency: (anchor currency, low, high), meaning 1 anchor = low..high units.
PEGS: dict[str, tuple[str, Decimal, Decimal]] = {
    "HKD": ("USD", Decimal("7.75"), Decimal("7.85")),
    "MOP": ("HKD", Decimal("1.03"), Decimal("1.03")),
}
PEG_FAMILY = frozenset({"USD", *PEGS})
_PRECISION = 40


class FxError(Exception):
    """A rate or conversion problem. ``code`` names it; ``params`` fill the message."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class RateUnavailable(FxError):
    pass


class RateRefused(FxError):
    pass


@dataclass(frozen=True, slots=True)
class Rate:
    day: date
    base: str
    quote: str
    rate: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True)
class Leg:
    """One step of a conversion: the stored rate and whether it was used inverted."""

    base: str
    quote: str
    rate: Decimal
    day: date
    inverted: bool = False

    @property
    def source_currency(self) -> str:
        return self.quote if self.inverted else self.base

    @property
    def target_currency(self) -> str:
        return self.base if self.inverted else self.quote

    def factor(self) -> Decimal:
        with localcontext(prec=_PRECISION):
            return Decimal(1) / self.rate if self.inverted else +self.rate


@dataclass(frozen=True, slots=True)
class Conversion:
    source: Money
    result: Money
    on: date
    path: str  # "identity", "direct", "inverse" or "pivot:USD" / "pivot:HKD"
    legs: tuple[Leg, ...] = ()

    @property
    def rate_day(self) -> date | None:
        """The date of the oldest rate used: the date to show beside the result."""
        return min((leg.day for leg in self.legs), default=None)

    def effective_rate(self) -> Decimal:
        with localcontext(prec=_PRECISION):
            factor = Decimal(1)
            for leg in self.legs:
                factor *= leg.factor()
            return factor


def check_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise FxError("unknown_currency", f"Unknown currency {code!r}", currency=code)


class RateBook:
    """Rates indexed by pair and day, for lookups of 'the latest rate not after D'."""

    def __init__(self, rates: Iterable[Rate] = ()) -> None:
        self._days: dict[tuple[str, str], list[date]] = {}
        self._rates: dict[tuple[str, str], list[Rate]] = {}
        for rate in sorted(rates, key=lambda r: r.day):
            self.add(rate)

    def add(self, rate: Rate) -> None:
        key = (rate.base, rate.quote)
        days = self._days.setdefault(key, [])
        rates = self._rates.setdefault(key, [])
        i = bisect.bisect_right(days, rate.day)
        if i and days[i - 1] == rate.day:
            rates[i - 1] = rate
        else:
            days.insert(i, rate.day)
            rates.insert(i, rate)

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self._rates)

    def latest(self, base: str, quote: str, on: date, max_age_days: int) -> Rate | None:
        days = self._days.get((base, quote))
        if not days:
            return None
        i = bisect.bisect_right(days, on)
        if i == 0:
            return None
        rate = self._rates[(base, quote)][i - 1]
        if (on - rate.day).days > max_age_days:
            return None
        return rate

    def newest_before(self, base: str, quote: str, on: date) -> Rate | None:
        """The latest rate on or before ``on`` of either orientation, however old (for errors)."""
        found = [r for r in (self.latest(base, quote, on, 10**6), self.latest(quote, base, on, 10**6)) if r]
        return max(found, key=lambda r: r.day, default=None)

    def leg(self, frm: str, to: str, on: date, max_age_days: int) -> Leg | None:
        """The newest rate between the two currencies, direct or inverted (direct on a tie).

        Taking the newer orientation means a newer inverse rate is never passed over for
        an older direct one, and a conversion and its reverse use the same stored rate.
        """
        direct = self.latest(frm, to, on, max_age_days)
        inverse = self.latest(to, frm, on, max_age_days)
        if direct is not None and (inverse is None or direct.day >= inverse.day):
            return Leg(direct.base, direct.quote, direct.rate, direct.day, inverted=False)
        if inverse is not None:
            return Leg(inverse.base, inverse.quote, inverse.rate, inverse.day, inverted=True)
        return None


def conversion_path(book: RateBook, frm: str, to: str, on: date, *,
                    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
                    pivots: tuple[str, ...] = PIVOTS) -> tuple[str, tuple[Leg, ...]]:
    """The one place the path is chosen (see the module docstring for the order)."""
    check_currency(frm)
    check_currency(to)
    if frm == to:
        return "identity", ()
    leg = book.leg(frm, to, on, max_age_days)
    if leg is not None:
        return ("inverse" if leg.inverted else "direct"), (leg,)
    for pivot in pivots:
        if pivot in (frm, to):
            continue
        first = book.leg(frm, pivot, on, max_age_days)
        second = book.leg(pivot, to, on, max_age_days) if first else None
        if first and second:
            return f"pivot:{pivot}", (first, second)
    newest = book.newest_before(frm, to, on)
    raise RateUnavailable(
        "rate_unavailable",
        f"No {frm}/{to} rate in the {max_age_days} days up to {on.isoformat()}",
        frm=frm, to=to, on=on, max_age_days=max_age_days,
        newest=newest.day if newest else None,
    )


def convert(money: Money, to: str, on: date, book: RateBook, *,
            max_age_days: int = DEFAULT_MAX_AGE_DAYS,
            pivots: tuple[str, ...] = PIVOTS) -> Conversion:
    """Convert on a date: the path from ``conversion_path``, rounded once at the end."""
    path, legs = conversion_path(book, money.currency, to, on, max_age_days=max_age_days, pivots=pivots)
    with localcontext(prec=_PRECISION):
        amount = money.amount
        for leg in legs:
            amount = amount * leg.factor()
        result = Money(quantize(amount, to), to)
    return Conversion(source=money, result=result, on=on, path=path, legs=legs)


# --------------------------------------------------------------------------- checks on entry


def _anchors(currency: str) -> list[str]:
    """The currency and the chain of anchors above it: MOP -> [MOP, HKD, USD]."""
    chain = [currency]
    while chain[-1] in PEGS:
        chain.append(PEGS[chain[-1]][0])
    return chain


def _units_per(currency: str, root: str) -> tuple[Decimal, Decimal]:
    """How many units of ``currency`` one ``root`` is worth, along the pegs: (low, high)."""
    low, high = Decimal(1), Decimal(1)
    with localcontext(prec=_PRECISION):
        while currency != root:
            currency, peg_low, peg_high = PEGS[currency]
            low, high = low * peg_low, high * peg_high
    return low, high


def peg_band(base: str, quote: str) -> tuple[Decimal, Decimal] | None:
    """The band the pegs allow for ``1 base = x quote``, or None for a pair outside them.

    Both sides are measured from the nearest anchor they share, so a peg the two have
    in common does not widen the band (HKD/MOP is 1.03, whatever the HKD does).
    """
    if base not in PEG_FAMILY or quote not in PEG_FAMILY or base == quote:
        return None
    quote_chain = _anchors(quote)
    root = next(c for c in _anchors(base) if c in quote_chain)
    b_low, b_high = _units_per(base, root)
    q_low, q_high = _units_per(quote, root)
    with localcontext(prec=_PRECISION):
        return q_low / b_high, q_high / b_low


def _widen(band: tuple[Decimal, Decimal], tolerance: Decimal) -> tuple[Decimal, Decimal]:
    with localcontext(prec=_PRECISION):
        return band[0] * (1 - tolerance), band[1] * (1 + tolerance)


@dataclass(frozen=True)
class RatePolicy:
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    peg_tolerance: Decimal = DEFAULT_PEG_TOLERANCE
    cross_tolerance: Decimal = DEFAULT_CROSS_TOLERANCE
    pivots: tuple[str, ...] = field(default=PIVOTS)


def _round(value: Decimal, places: int = 6) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places))


def check_rate(rate: Rate, book: RateBook, *, today: date, policy: RatePolicy = RatePolicy()) -> None:
    """Refuse a rate that cannot be right; ``book`` holds the rates already stored.

    Codes: unknown_currency, same_currency, not_positive, too_many_decimals, absurd,
    future_date, inverse_exists, against_peg, against_cross.
    """
    check_currency(rate.base)
    check_currency(rate.quote)
    if rate.base == rate.quote:
        raise RateRefused("same_currency", "Base and quote must differ")
    value = rate.rate
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RateRefused("not_positive", "The rate must be a positive number")
    if value <= 0:
        raise RateRefused("not_positive", "The rate must be a positive number")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_DECIMAL_PLACES:
        raise RateRefused("too_many_decimals", f"At most {RATE_DECIMAL_PLACES} decimal places",
                          places=RATE_DECIMAL_PLACES)
    if value < RATE_MIN or value >= RATE_MAX:
        raise RateRefused("absurd", "The rate is outside any plausible range", low=RATE_MIN, high=RATE_MAX)
    if rate.day > today:
        raise RateRefused("future_date", "A rate cannot be dated in the future", today=today)
    same_day_inverse = book.latest(rate.quote, rate.base, rate.day, 0)
    if same_day_inverse is not None:
        raise RateRefused("inverse_exists", "A rate for the inverse pair exists on this day",
                          base=rate.quote, quote=rate.base)

    band = peg_band(rate.base, rate.quote)
    if band is not None:
        low, high = _widen(band, policy.peg_tolerance)
        if not low <= value <= high:
            raise RateRefused("against_peg", "The rate breaks the currency peg",
                              low=_round(band[0]), high=_round(band[1]), tolerance=policy.peg_tolerance)
        return

    # A pegged currency against another: agree, through the pegs, with its siblings.
    family_side = rate.base if rate.base in PEG_FAMILY else rate.quote if rate.quote in PEG_FAMILY else None
    if family_side is not None:
        other = rate.quote if family_side == rate.base else rate.base
        with localcontext(prec=_PRECISION):
            other_per_family = value if family_side == rate.base else Decimal(1) / value
            for sibling in sorted(PEG_FAMILY - {family_side}):
                leg = book.leg(sibling, other, rate.day, 0)
                if leg is None:
                    continue
                sib_band = peg_band(family_side, sibling)
                assert sib_band is not None
                implied = (sib_band[0] * leg.factor(), sib_band[1] * leg.factor())
                low, high = _widen(implied, policy.peg_tolerance)
                if not low <= other_per_family <= high:
                    # The band the pegs imply, before the tolerance, in the orientation entered.
                    band_shown = implied if family_side == rate.base else (1 / implied[1], 1 / implied[0])
                    raise RateRefused("against_peg", "The rate breaks the currency peg",
                                      low=_round(band_shown[0]), high=_round(band_shown[1]), sibling=sibling,
                                      tolerance=policy.peg_tolerance)
        return

    # Two floating currencies (CNY/EUR): agree with the pivot path, when there is one.
    for pivot in policy.pivots:
        first = book.leg(rate.base, pivot, rate.day, 0)
        second = book.leg(pivot, rate.quote, rate.day, 0) if first else None
        if first and second:
            with localcontext(prec=_PRECISION):
                through = first.factor() * second.factor()
                if abs(value - through) > through * policy.cross_tolerance:
                    raise RateRefused("against_cross", "The rate disagrees with the rates through a pivot",
                                      pivot=pivot, implied=_round(through))
            return
