"""Gap advice: the smallest changes that would make an enterprise qualify on the score path.

The levers are what an enterprise can change by effort in a year:

- ``rd_expense``: RMB x more R&D expense in the year. R&D is part of total costs, so
  R&D / sales becomes (r + x) / s and R&D / total costs (r + x) / (c + x).
- ``tech_staff``: x more tech staff hired: the share becomes (t + x) / (e + x), and
  employees stay within the staff limit.
- ``class_i_ip`` and ``class_ii_ip``: x more Class I or Class II IP items.

Conditions (residence, size, industry, incidents, list status) are never advised on:
they are reported, not changed by effort.

How the advice is found. Amounts are whole units (money rounded up to whole RMB). For
each lever alone, the smallest amount that makes the enterprise qualify is searched with
the rules' own scoring function (doubling, then bisection; every candidate is re-scored,
none is taken from algebra), so one unit less does not qualify. Where at least one lever
works alone, the advice is those single changes. Only where none does, pairs of levers on
different indicators are tried: for each band step of one lever (the smallest amount
that raises its indicator to each higher points level) the smallest amount of the other
that then qualifies; each pair keeps its combination of smallest summed relative size.
Every advised change raises its indicator's points: none is advised that the rules do
not reward.

Ranking rule. Each change is ranked by its relative size: the increase as a share of
the current value (RMB 1,240,000 more on RMB 3,600,000 of R&D is 0.3444; one hire on
eight tech staff is 0.125; one IP item on two of that class is 0.5). Where the current
value is zero, the increase is divided by one unit instead (one item, one person,
RMB 1), so building from nothing ranks by the plain count. A combination ranks by the
sum of its changes' relative sizes. Advice is sorted by that size, smallest first, ties
in the lever order above (R&D expense, tech staff, Class I IP, Class II IP), and at
most five are given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations
from typing import Any

from .results import Advice, Change, Indicator

LEVERS: tuple[str, ...] = ("rd_expense", "tech_staff", "class_i_ip", "class_ii_ip")
CHANGE_KINDS = LEVERS
# The indicator each lever moves.
LEVER_INDICATOR: dict[str, str] = {
    "rd_expense": "rd", "tech_staff": "tech_staff_share", "class_i_ip": "ip", "class_ii_ip": "ip",
}
MAX_ADVICE = 5
RELATIVE_PLACES = Decimal("0.0001")
# Where a search gives up: more than anyone could be advised to add.
MONEY_CEILING = 10**13  # RMB 10 trillion
COUNT_CEILING = 1_000


@dataclass(frozen=True)
class Position:
    """The figures the score path reads, for one year."""

    employees: int
    tech_staff: int
    class_i_ip: int
    class_ii_ip: int
    revenue: Decimal
    rd_expense: Decimal
    total_costs: Decimal

    def plus(self, kind: str, amount: int) -> Position:
        if kind == "rd_expense":
            return replace(self, rd_expense=self.rd_expense + amount, total_costs=self.total_costs + amount)
        if kind == "tech_staff":
            return replace(self, tech_staff=self.tech_staff + amount, employees=self.employees + amount)
        if kind == "class_i_ip":
            return replace(self, class_i_ip=self.class_i_ip + amount)
        if kind == "class_ii_ip":
            return replace(self, class_ii_ip=self.class_ii_ip + amount)
        raise ValueError(f"unknown lever {kind}")

    def current(self, kind: str) -> Decimal:
        if kind == "rd_expense":
            return self.rd_expense
        if kind == "tech_staff":
            return Decimal(self.tech_staff)
        if kind == "class_i_ip":
            return Decimal(self.class_i_ip)
        if kind == "class_ii_ip":
            return Decimal(self.class_ii_ip)
        raise ValueError(f"unknown lever {kind}")


Scorer = Callable[[Position], tuple[Indicator, ...]]
Passes = Callable[[tuple[Indicator, ...]], bool]


def relative_size(kind: str, amount: int, position: Position) -> Decimal:
    """The increase over the current value (over one unit where the current value is zero)."""
    current = position.current(kind)
    return (Decimal(amount) / (current if current > 0 else Decimal(1))).quantize(RELATIVE_PLACES)


def _ceiling(kind: str, position: Position, max_employees: int) -> int:
    if kind == "rd_expense":
        return MONEY_CEILING
    if kind == "tech_staff":
        return max(0, max_employees - position.employees)
    return COUNT_CEILING


def smallest(test: Callable[[int], bool], ceiling: int) -> int | None:
    """The smallest x in 1..ceiling with ``test(x)``, for a ``test`` false then true as x grows."""
    if ceiling < 1:
        return None
    high = 1
    while not test(high):
        if high >= ceiling:
            return None
        high = min(high * 2, ceiling)
    low = high // 2  # test(low) is false (or low is 0)
    while high - low > 1:
        mid = (low + high) // 2
        if test(mid):
            high = mid
        else:
            low = mid
    return high


def _points(indicators: tuple[Indicator, ...], code: str) -> int | None:
    return next(i.points for i in indicators if i.code == code)


def _indicator(indicators: tuple[Indicator, ...], code: str) -> Indicator:
    return next(i for i in indicators if i.code == code)


def change(kind: str, amount: int, position: Position, score: Scorer) -> Change:
    """The change of ``amount`` of ``kind`` applied alone to ``position``, with its values and points."""
    code = LEVER_INDICATOR[kind]
    before, after = _indicator(score(position), code), _indicator(score(position.plus(kind, amount)), code)
    detail: tuple[tuple[str, Any], ...] = ()
    value_from, value_to = before.value, after.value
    if kind == "rd_expense":
        # Name one ratio: the one that scores after the change, shown before and after.
        ratio = dict(after.detail).get("ratio")
        value_from = dict(before.detail).get(ratio) if ratio else None
        detail = (("ratio", ratio), ("rd_expense_from", position.rd_expense),
                  ("rd_expense_to", position.rd_expense + amount))
    elif kind == "tech_staff":
        detail = (("tech_staff_from", position.tech_staff), ("tech_staff_to", position.tech_staff + amount),
                  ("employees_from", position.employees), ("employees_to", position.employees + amount))
    else:
        value_from = position.current(kind)
        value_to = value_from + amount
    return Change(
        kind=kind, amount=Decimal(amount), indicator=code,
        value_from=value_from, value_to=value_to,
        points_from=before.points, points_to=after.points,
        relative_size=relative_size(kind, amount, position), detail=detail,
    )


def _rewarded(c: Change) -> bool:
    return c.points_from is not None and c.points_to is not None and c.points_to > c.points_from


def _band_steps(kind: str, position: Position, score: Scorer, ceiling: int) -> list[int]:
    """The smallest amount of ``kind`` reaching each higher points level of its indicator."""
    code = LEVER_INDICATOR[kind]
    steps: list[int] = []
    reached = 0
    level = _points(score(position), code) or 0
    while True:
        base, floor = position.plus(kind, reached), level

        def raises(x: int, base: Position = base, floor: int = floor) -> bool:
            return (_points(score(base.plus(kind, x)), code) or 0) > floor

        found = smallest(raises, ceiling - reached)
        if found is None:
            return steps
        reached += found
        steps.append(reached)
        level = _points(score(position.plus(kind, reached)), code) or 0


def _qualifies_with(position: Position, kind: str, score: Scorer, passes: Passes) -> Callable[[int], bool]:
    def test(x: int) -> bool:
        return passes(score(position.plus(kind, x)))

    return test


def advise(position: Position, score: Scorer, passes: Passes, *, max_employees: int,
           limit: int = MAX_ADVICE) -> tuple[Advice, ...]:
    """Single changes that qualify, or else the best pair per pair of levers; ranked, at most ``limit``."""
    if passes(score(position)):
        return ()
    order = {kind: n for n, kind in enumerate(LEVERS)}
    ceilings = {kind: _ceiling(kind, position, max_employees) for kind in LEVERS}

    singles: list[Advice] = []
    for kind in LEVERS:
        amount = smallest(_qualifies_with(position, kind, score, passes), ceilings[kind])
        if amount is None:
            continue
        c = change(kind, amount, position, score)
        if _rewarded(c):
            singles.append(Advice((c,), c.relative_size))
    if singles:
        return tuple(sorted(singles, key=lambda a: (a.relative_size, order[a.changes[0].kind]))[:limit])

    pairs: list[Advice] = []
    for first, second in combinations(LEVERS, 2):
        if LEVER_INDICATOR[first] == LEVER_INDICATOR[second]:
            continue  # two changes on one indicator: only the better one would count
        best: Advice | None = None
        for stepped, other in ((first, second), (second, first)):
            for step in _band_steps(stepped, position, score, ceilings[stepped]):
                moved = position.plus(stepped, step)
                amount = smallest(_qualifies_with(moved, other, score, passes), ceilings[other])
                if amount is None:
                    continue
                changes = tuple(sorted((change(stepped, step, position, score),
                                        change(other, amount, position, score)),
                                       key=lambda c: order[c.kind]))
                if not all(_rewarded(c) for c in changes):
                    continue
                candidate = Advice(changes, sum((c.relative_size for c in changes), Decimal(0)))
                if best is None or candidate.relative_size < best.relative_size:
                    best = candidate
        if best is not None:
            pairs.append(best)
    pairs.sort(key=lambda a: (a.relative_size, *(order[c.kind] for c in a.changes)))
    return tuple(pairs[:limit])
