"""Gap advice for the sci-tech SME score path: the advised change qualifies, one unit less
does not, pairs only where no single change works, and the ranking rule."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.evaluation.engine.facts import Declarations, Facts, YearFigures
from bayfin.evaluation.engine.gaps import LEVERS, Position, advise, relative_size, smallest
from bayfin.evaluation.engine.results import Advice, Change
from bayfin.evaluation.engine.scitech_sme import evaluate_2022 as evaluate
from bayfin.evaluation.engine.scitech_sme import passes_score, score_position

from .test_engine_scitech_sme import NO_PATHS, M, facts

ORDER = {kind: n for n, kind in enumerate(LEVERS)}


def apply(f: Facts, changes: tuple[Change, ...], less: str | None = None) -> Facts:
    """The facts with the changes made (``less``: that kind one unit smaller)."""
    latest = f.latest
    assert latest is not None
    for c in changes:
        amount = int(c.amount) - (1 if c.kind == less else 0)
        if c.kind == "rd_expense":
            latest = replace(latest, rd_expense=latest.rd_expense + amount,
                             total_costs=latest.total_costs + amount)
        elif c.kind == "tech_staff":
            f = replace(f, tech_staff=f.tech_staff + amount, employees=f.employees + amount)
        elif c.kind == "class_i_ip":
            f = replace(f, class_i_ip=f.class_i_ip + amount)
        elif c.kind == "class_ii_ip":
            f = replace(f, class_ii_ip=f.class_ii_ip + amount)
    return replace(f, years=(*f.years[:-1], latest))


def on_score(f: Facts) -> bool:
    result = evaluate(f)
    return result.status == "qualified" and result.path == "score"


def position(f: Facts) -> Position:
    y = f.latest
    assert y is not None
    return Position(employees=f.employees, tech_staff=f.tech_staff, class_i_ip=f.class_i_ip,
                    class_ii_ip=f.class_ii_ip, revenue=y.revenue, rd_expense=y.rd_expense,
                    total_costs=y.total_costs)


def kinds(advice: tuple[Advice, ...]) -> list[tuple[str, ...]]:
    return [tuple(c.kind for c in a.changes) for a in advice]


# --------------------------------------------------------------------------- the issue's example

# Sales RMB 88.6 million, R&D RMB 3.19 million (3.6%: 20 points), 18.5% tech staff (8), two Class II items (12).
EXAMPLE = facts(employees=200, tech_staff=37, class_i=0, class_ii=2, revenue=Decimal(88_600_000),
                rd=Decimal(3_190_000), costs=80 * M, declarations=NO_PATHS)


def test_the_issues_example_is_reproduced():
    result = evaluate(EXAMPLE)
    assert (result.score, result.status) == (40, "not_qualified")
    assert len(result.advice) == 1  # only more R&D reaches 60 alone
    (change,) = result.advice[0].changes
    assert change.kind == "rd_expense" and change.indicator == "rd"
    assert change.amount == Decimal(1_240_000)
    assert (change.value_from, change.value_to) == (Decimal("3.60"), Decimal("5.00"))
    assert (change.points_from, change.points_to) == (20, 40)
    assert dict(change.detail)["ratio"] == "rd_sales"
    assert change.relative_size == result.advice[0].relative_size == Decimal("0.3887")  # 1.24 / 3.19
    assert on_score(apply(EXAMPLE, (change,)))
    assert not on_score(apply(EXAMPLE, (change,), less="rd_expense"))


# --------------------------------------------------------------------------- single changes

SCENARIOS = {
    # tech 16 (25%) + R&D 40 (5%) + IP 0 = 56: every lever works alone.
    "all_levers": facts(employees=100, tech_staff=25, class_i=0, class_ii=0, rd=5 * M, declarations=NO_PATHS),
    "example": EXAMPLE,
    # tech 4 (10%) + R&D by costs 40 (25%) + IP 6 = 50.
    "costs_ratio": facts(employees=60, tech_staff=6, class_i=0, class_ii=1, revenue=0, rd=25 * M, costs=100 * M,
                         declarations=NO_PATHS),
    # No R&D at all: from zero, the relative size is the plain amount.
    "no_rd": facts(employees=40, tech_staff=12, class_i=1, class_ii=0, rd=0, declarations=NO_PATHS),
    # Close to the staff limit: only a few hires are possible.
    "near_staff_limit": facts(employees=495, tech_staff=120, class_i=0, class_ii=4, rd=Decimal("2.5") * M,
                              declarations=NO_PATHS),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_advised_single_change_qualifies_and_one_unit_less_does_not(name):
    f = SCENARIOS[name]
    result = evaluate(f)
    assert result.status != "qualified"
    assert result.advice
    for advice in result.advice:
        assert len(advice.changes) == 1
        (change,) = advice.changes
        assert on_score(apply(f, (change,)))
        assert not on_score(apply(f, (change,), less=change.kind))
        assert change.points_to is not None and change.points_from is not None
        assert change.points_to > change.points_from
        assert change.amount == change.amount.to_integral_value() and change.amount > 0


def test_every_lever_alone_when_each_works_ranked_by_relative_size_ties_in_lever_order():
    f = SCENARIOS["all_levers"]
    advice = evaluate(f).advice
    assert kinds(advice) == [("rd_expense",), ("tech_staff",), ("class_i_ip",), ("class_ii_ip",)]
    rd, tech, class_i, class_ii = (a.changes[0] for a in advice)
    assert (rd.amount, rd.relative_size) == (1 * M, Decimal("0.2000"))  # 5% -> 6%
    assert (tech.amount, tech.relative_size) == (8, Decimal("0.3200"))  # (25+8)/(100+8) = 30.56%
    assert (tech.value_from, tech.value_to) == (Decimal("25.00"), Decimal("30.55"))
    assert (tech.points_from, tech.points_to) == (16, 20)
    # From zero items, one item is divided by one unit: a tie, broken by lever order.
    assert class_i.relative_size == class_ii.relative_size == 1
    assert (class_i.value_from, class_i.value_to, class_i.points_to) == (0, 1, 30)
    assert (class_ii.value_from, class_ii.value_to, class_ii.points_to) == (0, 1, 6)


def test_from_zero_rd_the_relative_size_is_the_plain_amount():
    advice = evaluate(SCENARIOS["no_rd"]).advice
    rd = next(a.changes[0] for a in advice if a.changes[0].kind == "rd_expense")
    # 12/40 = 30% tech (20) + IP 30 = 50: R&D must reach 10 points, 2% of RMB 100 million.
    assert rd.amount == 2 * M
    assert rd.relative_size == 2 * M
    assert kinds(advice)[-1] == ("rd_expense",)


def test_the_cost_ratio_is_named_when_it_is_the_one_that_scores():
    advice = evaluate(SCENARIOS["costs_ratio"]).advice
    rd = next(a.changes[0] for a in advice if a.changes[0].kind == "rd_expense")
    assert dict(rd.detail)["ratio"] == "rd_costs"
    assert (rd.value_from, rd.value_to, rd.points_from, rd.points_to) == (Decimal("25.00"), Decimal("30.00"), 40, 50)
    # (25 + x) / (100 + x) >= 30%: x = 50/7 million, rounded up to the whole RMB.
    assert rd.amount == Decimal(7_142_858)


def test_hires_stay_within_the_staff_limit():
    # Tech 12 (120 staff, about 24%) + R&D 40 + IP 6 = 58: reaching 25% tech staff is enough.
    def near(employees: int) -> Facts:
        return facts(employees=employees, tech_staff=120, class_i=0, class_ii=1, rd=5 * M, declarations=NO_PATHS)

    tech = [a.changes[0] for a in evaluate(near(490)).advice if a.changes[0].kind == "tech_staff"]
    assert [c.amount for c in tech] == [4]  # 124 / 494 = 25.1%, 494 staff
    # From 496 staff it takes 6 hires, 502 staff: over the limit, so never advised.
    assert all(c.kind != "tech_staff" for a in evaluate(near(496)).advice for c in a.changes)
    assert evaluate(near(496)).advice  # the other levers still are
    assert all(c.kind != "tech_staff" for a in evaluate(near(500)).advice for c in a.changes)


def test_no_change_the_rules_do_not_reward():
    # A Class I item already holds the IP score at 30: more IP of either class is never advised.
    f = facts(employees=100, tech_staff=10, class_i=1, class_ii=0, rd=2 * M, declarations=NO_PATHS)
    advice = evaluate(f).advice
    assert advice
    assert all(c.kind not in ("class_i_ip", "class_ii_ip") for a in advice for c in a.changes)


def test_at_most_five_and_sorted():
    for f in SCENARIOS.values():
        advice = evaluate(f).advice
        assert len(advice) <= 5
        keys = [(a.relative_size, [ORDER[c.kind] for c in a.changes]) for a in advice]
        assert keys == sorted(keys)


# --------------------------------------------------------------------------- pairs

# Tech 0 (5%), R&D 20 (3%), IP 12 = 32: no lever alone reaches 60 with tech points.
NO_SINGLE = facts(employees=100, tech_staff=5, class_i=0, class_ii=2, rd=3 * M, declarations=NO_PATHS)


def test_pairs_only_where_no_single_change_works():
    f = NO_SINGLE
    p = position(f)
    for kind in LEVERS:  # check the premise with large changes
        big = {"rd_expense": 10**10, "tech_staff": 400, "class_i_ip": 5, "class_ii_ip": 10}[kind]
        assert not passes_score(score_position(p.plus(kind, big)))
    advice = evaluate(f).advice
    assert advice
    assert all(len(a.changes) == 2 for a in advice)
    assert len(advice) <= 5
    for a in advice:
        first, second = a.changes
        assert ORDER[first.kind] < ORDER[second.kind]
        assert first.indicator != second.indicator
        assert a.relative_size == first.relative_size + second.relative_size
        assert on_score(apply(f, a.changes))
        # Each change one unit smaller (with the other as advised) no longer qualifies.
        assert not on_score(apply(f, a.changes, less=first.kind))
        assert not on_score(apply(f, a.changes, less=second.kind))
        assert all(c.points_to > c.points_from for c in a.changes)  # type: ignore[operator]


def test_singles_win_over_pairs():
    advice = evaluate(SCENARIOS["all_levers"]).advice
    assert all(len(a.changes) == 1 for a in advice)


def test_a_pair_is_the_smallest_combination_for_its_levers():
    f = NO_SINGLE
    pair = next(a for a in evaluate(f).advice if kinds((a,)) == [("rd_expense", "tech_staff")])
    rd, tech = pair.changes
    # Brute force over tech hires: the smallest R&D for each, and the smallest summed relative size.
    p = position(f)
    best = None
    for hires in range(1, 401):
        moved = p.plus("tech_staff", hires)
        amount = smallest(lambda x, moved=moved: passes_score(score_position(moved.plus("rd_expense", x))),
                          10**13)
        if amount is None:
            continue
        size = relative_size("tech_staff", hires, p) + relative_size("rd_expense", amount, p)
        if best is None or size < best[0]:
            best = (size, hires, amount)
    assert best is not None
    assert pair.relative_size == best[0]
    assert (tech.amount, rd.amount) == (best[1], best[2])


# --------------------------------------------------------------------------- when there is none


def test_a_failed_condition_gets_no_advice():
    for declarations in (replace(NO_PATHS, on_credit_blacklist=True), replace(NO_PATHS, restricted_industry=True)):
        assert evaluate(replace(EXAMPLE, declarations=declarations)).advice == ()
    assert evaluate(replace(EXAMPLE, employees=600)).advice == ()
    assert evaluate(replace(EXAMPLE, mainland=False)).advice == ()


def test_a_qualified_enterprise_gets_none():
    assert evaluate(facts()).advice == ()
    # Qualified directly: no advice either.
    assert evaluate(replace(EXAMPLE, hnte_certificate_valid=True)).advice == ()


def test_unanswered_questions_still_get_advice_on_the_score_path():
    result = evaluate(replace(EXAMPLE, declarations=Declarations()))
    assert result.status == "undetermined"
    assert kinds(result.advice) == [("rd_expense",)]


def test_advise_on_a_position_that_already_passes_is_empty():
    p = position(facts())
    assert advise(p, score_position, passes_score, max_employees=500) == ()


def test_smallest():
    assert smallest(lambda x: x >= 1, 100) == 1
    assert smallest(lambda x: x >= 37, 100) == 37
    assert smallest(lambda x: x >= 100, 100) == 100
    assert smallest(lambda x: x >= 101, 100) is None
    assert smallest(lambda x: True, 0) is None


# --------------------------------------------------------------------------- property

@st.composite
def unqualified(draw: Any) -> Facts:
    employees = draw(st.integers(min_value=1, max_value=500))
    revenue = Decimal(draw(st.integers(min_value=0, max_value=2 * 10**8)))
    rd = Decimal(draw(st.integers(min_value=0, max_value=10**7)))
    costs = rd + Decimal(draw(st.integers(min_value=0, max_value=2 * 10**8)))
    return facts(
        employees=employees, tech_staff=draw(st.integers(min_value=0, max_value=employees)),
        class_i=draw(st.integers(min_value=0, max_value=1)), class_ii=draw(st.integers(min_value=0, max_value=5)),
        years=(YearFigures(2023, revenue, rd, costs, Decimal(10**7), Decimal(10**6)),), declarations=NO_PATHS,
    )


@settings(max_examples=40, deadline=None)
@given(unqualified())
def test_every_advice_qualifies_and_raises_points(f):
    result = evaluate(f)
    if result.status == "qualified":
        assert result.advice == ()
        return
    for a in result.advice:
        assert on_score(apply(f, a.changes))
        assert all(c.points_to > c.points_from for c in a.changes)  # type: ignore[operator]
        if len(a.changes) == 1:
            assert not on_score(apply(f, a.changes, less=a.changes[0].kind))
    if any(len(a.changes) == 2 for a in result.advice):
        assert all(len(a.changes) == 2 for a in result.advice)

