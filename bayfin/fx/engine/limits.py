"""The limits on a Mainland enterprise's borrowing from abroad.

1. The People's Bank of China's macro-prudential cap on full-scope cross-border
   financing (本外币一体化全口径跨境融资宏观审慎管理, 银发〔2017〕9号, with the
   adjustment parameter as later announced):

       risk-weighted balance = sum(balance x term factor x category factor)
                             + sum(foreign-currency balance x exchange-rate factor)
       cap = net assets x cross-border financing leverage ratio
                        x macro-prudential adjustment parameter

   All amounts in CNY. A debt whose original term is ``short_term_months`` (one year) or
   less takes the short-term factor; an off-balance-sheet (contingent) debt the off-balance factor.

2. The foreign-debt facilitation quota for high-tech and "specialised, refined,
   distinctive and novel" enterprises (国家外汇管理局 汇发〔2022〕16号): in the pilot
   areas such an enterprise may borrow foreign debt up to a quota (USD 10 million),
   whatever its net assets. The balance counted against it is the enterprise's whole
   outstanding cross-border debt, unweighted, in USD.

Every number is a parameter the operator sets; the engine only does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MPA_CAP = "mpa_cap"
FACILITATION_QUOTA = "facilitation_quota"
# Which limits each channel limit rule looks at.
LIMITS_OF_RULE: dict[str, tuple[str, ...]] = {
    "none": (),
    MPA_CAP: (MPA_CAP,),
    "mpa_cap_or_facilitation_quota": (MPA_CAP, FACILITATION_QUOTA),
}


@dataclass(frozen=True)
class MacroPrudentialParameters:
    leverage_ratio: Decimal = Decimal("2")
    adjustment_parameter: Decimal = Decimal("1.5")
    short_term_factor: Decimal = Decimal("1.5")
    long_term_factor: Decimal = Decimal("1")
    on_balance_factor: Decimal = Decimal("1")
    off_balance_factor: Decimal = Decimal("1")
    fx_risk_factor: Decimal = Decimal("0.5")
    short_term_months: int = 12


@dataclass(frozen=True)
class FacilitationParameters:
    quota_usd: Decimal = Decimal("10000000")
    eligible_certifications: frozenset[str] = frozenset({"hnte", "srdi"})
    pilot_jurisdictions: frozenset[str] = frozenset({"hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"})


@dataclass(frozen=True, slots=True)
class Debt:
    """One outstanding cross-border debt, its balance already converted to the limit's currency."""

    balance: Decimal
    term_months: int
    foreign_currency: bool
    off_balance: bool = False


@dataclass(frozen=True)
class LimitCheck:
    """One limit applied to one new borrowing. Amounts are in ``currency``.

    ``applies`` is False when the enterprise cannot use this limit at all (``reason``
    says why: no_statement, not_certified, not_pilot_area); then ``ok`` is False.
    """

    rule: str
    currency: str
    limit: Decimal
    balance: Decimal
    requested: Decimal
    applies: bool = True
    reason: str = ""

    @property
    def after(self) -> Decimal:
        return self.balance + self.requested

    @property
    def headroom(self) -> Decimal:
        return max(Decimal(0), self.limit - self.balance)

    @property
    def excess(self) -> Decimal:
        return max(Decimal(0), self.after - self.limit) if self.applies else self.requested

    @property
    def ok(self) -> bool:
        return self.applies and self.after <= self.limit


def weighted(debt: Debt, params: MacroPrudentialParameters) -> Decimal:
    term = params.short_term_factor if debt.term_months <= params.short_term_months else params.long_term_factor
    category = params.off_balance_factor if debt.off_balance else params.on_balance_factor
    value = debt.balance * term * category
    if debt.foreign_currency:
        value += debt.balance * params.fx_risk_factor
    return value


def mpa_check(*, net_assets: Decimal | None, debts: Iterable[Debt], new_debt: Debt,
              params: MacroPrudentialParameters, currency: str = "CNY") -> LimitCheck:
    balance = sum((weighted(d, params) for d in debts), Decimal(0))
    requested = weighted(new_debt, params)
    if net_assets is None:
        return LimitCheck(MPA_CAP, currency, Decimal(0), balance, requested, applies=False, reason="no_statement")
    limit = max(Decimal(0), net_assets) * params.leverage_ratio * params.adjustment_parameter
    return LimitCheck(MPA_CAP, currency, limit, balance, requested)


def facilitation_check(*, certifications: Iterable[str], jurisdiction: str, balance_usd: Decimal,
                       requested_usd: Decimal, params: FacilitationParameters) -> LimitCheck:
    held = set(certifications) & params.eligible_certifications
    reason = ""
    if jurisdiction not in params.pilot_jurisdictions:
        reason = "not_pilot_area"
    elif not held:
        reason = "not_certified"
    return LimitCheck(FACILITATION_QUOTA, "USD", params.quota_usd, balance_usd, requested_usd,
                      applies=not reason, reason=reason)


def within(limit_rule: str, checks: Iterable[LimitCheck]) -> bool:
    """Whether a channel's limit rule is met: "mpa_cap" needs the cap; "mpa_cap_or_facilitation_quota" either."""
    by_rule = {c.rule: c for c in checks}
    if limit_rule == "none":
        return True
    if limit_rule == MPA_CAP:
        return MPA_CAP in by_rule and by_rule[MPA_CAP].ok
    if limit_rule == "mpa_cap_or_facilitation_quota":
        return any(c.ok for c in by_rule.values() if c.rule in (MPA_CAP, FACILITATION_QUOTA))
    raise ValueError(f"Unknown limit rule {limit_rule!r}")


def certifications_valid_on(certs: Iterable[tuple[str, date, date | None]], on: date) -> frozenset[str]:
    """The kinds of the certifications (kind, issued, expires) in force on a date."""
    return frozenset(kind for kind, issued, expires in certs if issued <= on and (expires is None or on <= expires))
