"""The sci-tech SME rules (国科发政〔2017〕115号, 2022 guidelines): bands on both sides of
every boundary, each condition, each direct path, missing inputs, and properties.

No database: ``bayfin.evaluation.engine.scitech_sme`` takes Facts and returns a Result.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.evaluation.engine.facts import Declarations, Facts, YearFigures
from bayfin.evaluation.engine.gaps import Position
from bayfin.evaluation.engine.results import Result
from bayfin.evaluation.engine.scitech_sme import (
    CONDITION_CODES,
    INDICATOR_CODES,
    ip_indicator,
    rd_indicator,
    score_position,
    tech_staff_indicator,
)
from bayfin.evaluation.engine.scitech_sme import evaluate_2022 as evaluate

M = Decimal(1_000_000)
CLEAN = Declarations(restricted_industry=False, serious_incident=False, on_credit_blacklist=False)
NO_PATHS = replace(CLEAN, national_award_top3=False, provincial_rd_institution=False, led_standard=False)


def year(revenue: Any = 100 * M, rd: Any = 6 * M, costs: Any = 90 * M, assets: Any = 50 * M,
         y: int = 2023) -> YearFigures:
    return YearFigures(year=y, revenue=Decimal(revenue), rd_expense=Decimal(rd), total_costs=Decimal(costs),
                       total_assets=Decimal(assets), net_assets=Decimal(assets) / 2)


def facts(*, employees: int = 100, tech_staff: int = 30, class_i: int = 1, class_ii: int = 0,
          years: tuple[YearFigures, ...] | None = None, declarations: Declarations = CLEAN,
          mainland: bool = True, hnte: bool = False, **figures: Any) -> Facts:
    """By default a full-marks enterprise: 30% tech staff, 6% R&D / sales, one Class I item."""
    return Facts(
        as_of=date(2024, 6, 30), jurisdiction="hengqin", mainland=mainland, macao=False,
        founding_date=date(2018, 3, 1), employees=employees, tech_staff=tech_staff,
        class_i_ip=class_i, class_ii_ip=class_ii,
        years=years if years is not None else (year(**figures),),
        hnte_certificate_valid=hnte, declarations=declarations,
    )


def points(result: Result) -> dict[str, int | None]:
    return {i.code: i.points for i in result.indicators}


def condition(result: Result, code: str) -> str:
    return next(c.status for c in result.conditions if c.code == code)


# --------------------------------------------------------------------------- the shape


def test_a_full_marks_enterprise_qualifies_on_its_score():
    result = evaluate(facts())
    assert (result.rule_set, result.version, result.pass_mark) == ("scitech_sme", "2022", 60)
    assert (result.status, result.path) == ("qualified", "score")
    assert result.score == result.score_low == result.score_high == 100
    assert points(result) == {"tech_staff_share": 20, "rd": 50, "ip": 30}
    assert tuple(i.code for i in result.indicators) == INDICATOR_CODES
    assert tuple(c.code for c in result.conditions) == CONDITION_CODES
    assert all(c.status == "met" for c in result.conditions)
    assert result.missing == ()
    assert result.advice == ()


def test_every_condition_is_not_changeable_by_effort():
    for f in (facts(), facts(employees=900), facts(declarations=Declarations()), facts(years=())):
        assert all(c.changeable is False for c in evaluate(f).conditions)


def test_the_latest_complete_year_is_read():
    old = year(revenue=300 * M, rd=0, assets=300 * M, y=2022)
    result = evaluate(facts(years=(old, year(y=2023))))
    assert condition(result, "sales_limit") == "met"
    assert dict(result.indicators[1].detail)["year"] == 2023
    assert points(result)["rd"] == 50


# --------------------------------------------------------------------------- tech staff bands


@pytest.mark.parametrize(
    ("tech", "expected", "band"),
    [
        (3000, 20, 30), (2999, 16, 25),
        (2500, 16, 25), (2499, 12, 20),
        (2000, 12, 20), (1999, 8, 15),
        (1500, 8, 15), (1499, 4, 10),
        (1000, 4, 10), (999, 0, None),
        (0, 0, None), (10000, 20, 30),
    ],
)
def test_tech_staff_bands_on_both_sides(tech, expected, band):
    indicator = tech_staff_indicator(tech, 10000)
    assert indicator.points == indicator.low == indicator.high == expected
    assert indicator.band == (Decimal(band) if band is not None else None)
    assert indicator.value == Decimal(tech) / 100
    assert indicator.max_points == 20


def test_tech_staff_share_is_shown_truncated_and_banded_exactly():
    indicator = tech_staff_indicator(2, 3)  # 66.666...%
    assert indicator.value == Decimal("66.66")
    # 29.99...% just under the top band, however many digits: the lower band.
    assert tech_staff_indicator(3 * 10**20 - 1, 10**21).points == 16
    assert tech_staff_indicator(3 * 10**20 - 1, 10**21).value == Decimal("29.99")


def test_no_employees_scores_nothing_for_tech_staff():
    indicator = tech_staff_indicator(0, 0)
    assert (indicator.points, indicator.value, indicator.band) == (0, None, None)


# --------------------------------------------------------------------------- R&D bands


@pytest.mark.parametrize(
    ("rd", "expected", "band"),
    [
        ("600", 50, 6), ("599.99", 40, 5),
        ("500", 40, 5), ("499.99", 30, 4),
        ("400", 30, 4), ("399.99", 20, 3),
        ("300", 20, 3), ("299.99", 10, 2),
        ("200", 10, 2), ("199.99", 0, None),
        ("0", 0, None),
    ],
)
def test_rd_to_sales_bands_on_both_sides(rd, expected, band):
    # Costs so large that the cost ratio scores nothing: the sales ratio decides.
    indicator = rd_indicator(Decimal(10000), Decimal(rd), Decimal(10**9))
    assert indicator.points == expected
    assert indicator.band == (Decimal(band) if band is not None else None)
    assert dict(indicator.detail)["ratio"] == "rd_sales"
    # Shown truncated, never rounded up into the next band: 5.9999% shows as 5.99%.
    shown = (Decimal(rd) / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    assert indicator.value == dict(indicator.detail)["rd_sales"] == shown


@pytest.mark.parametrize(
    ("rd", "expected", "band"),
    [
        ("3000", 50, 30), ("2999.99", 40, 25),
        ("2500", 40, 25), ("2499.99", 30, 20),
        ("2000", 30, 20), ("1999.99", 20, 15),
        ("1500", 20, 15), ("1499.99", 10, 10),
        ("1000", 10, 10), ("999.99", 0, None),
    ],
)
def test_rd_to_total_costs_bands_on_both_sides(rd, expected, band):
    # No sales: only the cost ratio is scored.
    indicator = rd_indicator(Decimal(0), Decimal(rd), Decimal(10000))
    assert indicator.points == expected
    assert indicator.band == (Decimal(band) if band is not None else None)
    detail = dict(indicator.detail)
    assert detail["ratio"] == "rd_costs"
    assert detail["rd_sales"] is None


def test_the_better_ratio_wins_and_both_are_recorded():
    # R&D / sales 3% (20 points), R&D / costs 25% (40 points).
    indicator = rd_indicator(Decimal(1000), Decimal(30), Decimal(120))
    detail = dict(indicator.detail)
    assert indicator.points == 40
    assert detail["ratio"] == "rd_costs"
    assert (detail["rd_sales"], detail["rd_costs"]) == (Decimal("3.00"), Decimal("25.00"))
    assert (detail["rd_sales_points"], detail["rd_costs_points"]) == (20, 40)
    assert indicator.value == Decimal("25.00") and indicator.band == 25
    # And the other way round: R&D / sales 6% beats R&D / costs 10%.
    indicator = rd_indicator(Decimal(1000), Decimal(60), Decimal(600))
    assert (indicator.points, dict(indicator.detail)["ratio"]) == (50, "rd_sales")


def test_equal_points_name_the_sales_ratio():
    indicator = rd_indicator(Decimal(1000), Decimal(30), Decimal(200))  # 3% -> 20, 15% -> 20
    assert (indicator.points, dict(indicator.detail)["ratio"]) == (20, "rd_sales")


def test_zero_costs_score_only_the_sales_ratio_and_zero_everything_scores_nothing():
    indicator = rd_indicator(Decimal(1000), Decimal(40), Decimal(0))
    assert (indicator.points, dict(indicator.detail)["rd_costs"]) == (30, None)
    indicator = rd_indicator(Decimal(0), Decimal(0), Decimal(0))
    assert (indicator.points, indicator.value, dict(indicator.detail)["ratio"]) == (0, None, None)


def test_no_statements_leave_rd_open_between_0_and_50():
    indicator = rd_indicator(None, None, None)
    assert (indicator.points, indicator.low, indicator.high, indicator.max_points) == (None, 0, 50, 50)


# --------------------------------------------------------------------------- IP bands


@pytest.mark.parametrize(
    ("class_i", "class_ii", "expected"),
    [
        (1, 0, 30), (3, 0, 30), (1, 4, 30),
        (0, 5, 24), (0, 4, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0),
    ],
)
def test_ip_bands(class_i, class_ii, expected):
    indicator = ip_indicator(class_i, class_ii)
    assert indicator.points == expected
    assert indicator.max_points == 30


# --------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"mainland": False}, "resident_mainland"),
        ({"employees": 501, "tech_staff": 200}, "staff_limit"),
        ({"revenue": Decimal("200000000.01"), "rd": 13 * M}, "sales_limit"),
        ({"assets": Decimal("200000000.01")}, "assets_limit"),
        ({"declarations": replace(CLEAN, restricted_industry=True)}, "restricted_industry"),
        ({"declarations": replace(CLEAN, serious_incident=True)}, "serious_incident"),
        ({"declarations": replace(CLEAN, on_credit_blacklist=True)}, "credit_blacklist"),
    ],
)
def test_each_failing_condition_fails_even_full_marks_and_a_direct_path(changes, code):
    declarations = changes.pop("declarations", CLEAN)
    result = evaluate(facts(declarations=replace(declarations, led_standard=True), hnte=True, **changes))
    assert condition(result, code) == "failed"
    assert [c.code for c in result.conditions if c.status != "met"] == [code]
    assert (result.status, result.path) == ("not_qualified", None)
    assert result.score == 100
    assert result.advice == ()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"employees": 500, "tech_staff": 150}, "staff_limit"),
        ({"revenue": 200 * M, "rd": 12 * M}, "sales_limit"),
        ({"assets": 200 * M}, "assets_limit"),
    ],
)
def test_the_limits_themselves_are_within(changes, code):
    result = evaluate(facts(**changes))
    assert condition(result, code) == "met"
    assert result.status == "qualified"


def test_limits_carry_their_numbers():
    result = evaluate(facts(employees=320, tech_staff=96))
    detail = {c.code: dict(c.detail) for c in result.conditions}
    assert detail["staff_limit"] == {"actual": 320, "limit": 500}
    assert detail["sales_limit"] == {"actual": 100 * M, "limit": 200 * M, "year": 2023}
    assert detail["assets_limit"] == {"actual": 50 * M, "limit": 200 * M, "year": 2023}
    assert detail["credit_blacklist"] == {"declared": False}


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("restricted_industry", "restricted_industry"),
        ("serious_incident", "serious_incident"),
        ("on_credit_blacklist", "credit_blacklist"),
    ],
)
def test_an_unanswered_condition_is_missing_never_assumed(field, code):
    result = evaluate(facts(declarations=replace(CLEAN, **{field: None})))
    assert condition(result, code) == "missing"
    assert result.missing == (field,)  # the score qualifies: the direct paths are not asked
    assert (result.status, result.path) == ("undetermined", None)


def test_an_unanswered_condition_cannot_help_when_nothing_else_could_qualify():
    # Score 20 at most, every direct path answered no: whatever the answer, it does not qualify.
    result = evaluate(facts(class_i=0, rd=0, declarations=replace(NO_PATHS, serious_incident=None)))
    assert result.status == "not_qualified"
    assert result.missing == ("serious_incident",)


# --------------------------------------------------------------------------- direct paths

LOW_SCORE = {"class_i": 0, "rd": 0}  # 20 points: tech staff only


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"hnte": True}, "hnte_certificate"),
        ({"declarations": replace(NO_PATHS, national_award_top3=True)}, "national_award"),
        ({"declarations": replace(NO_PATHS, provincial_rd_institution=True)}, "provincial_rd_institution"),
        ({"declarations": replace(NO_PATHS, led_standard=True)}, "led_standard"),
    ],
)
def test_each_direct_path_qualifies_a_low_score(changes, path):
    changes = {"declarations": NO_PATHS, **changes}
    result = evaluate(facts(**LOW_SCORE, **changes))
    assert result.score == 20
    assert (result.status, result.path) == ("qualified", path)
    assert result.missing == ()
    assert result.advice == ()


def test_a_direct_path_qualifies_even_with_a_zero_tech_staff_score():
    result = evaluate(facts(tech_staff=0, declarations=replace(CLEAN, led_standard=True)))
    assert (result.status, result.path) == ("qualified", "led_standard")


def test_the_score_path_is_named_when_both_hold():
    result = evaluate(facts(hnte=True, declarations=replace(NO_PATHS, national_award_top3=True)))
    assert (result.status, result.path) == ("qualified", "score")


def test_a_direct_path_still_needs_every_condition():
    result = evaluate(facts(**LOW_SCORE, hnte=True, declarations=replace(CLEAN, restricted_industry=None)))
    assert result.status == "undetermined"
    assert result.missing == ("restricted_industry",)  # the path holds: the other paths are not asked


def test_unanswered_direct_paths_leave_a_low_score_undetermined():
    result = evaluate(facts(**LOW_SCORE))
    assert result.status == "undetermined"
    assert result.missing == ("national_award_top3", "provincial_rd_institution", "led_standard")
    result = evaluate(facts(**LOW_SCORE, declarations=replace(NO_PATHS, provincial_rd_institution=None)))
    assert result.missing == ("provincial_rd_institution",)
    assert result.status == "undetermined"


def test_every_direct_path_answered_no_and_a_low_score_does_not_qualify():
    result = evaluate(facts(**LOW_SCORE, declarations=NO_PATHS))
    assert (result.status, result.path, result.missing) == ("not_qualified", None, ())
    assert result.advice  # no condition failed: the advice says how to get there


def test_sixty_points_need_a_non_zero_tech_staff_score():
    # 0 + 50 + 30 = 80, but no tech-staff points.
    result = evaluate(facts(tech_staff=9, declarations=NO_PATHS))
    assert result.score == 80
    assert points(result)["tech_staff_share"] == 0
    assert result.status == "not_qualified"
    result = evaluate(facts(tech_staff=10, declarations=NO_PATHS))
    assert (result.score, result.status, result.path) == (84, "qualified", "score")


def test_the_pass_mark_on_both_sides():
    # 12 (20%) + 30 (4%) + 18 (3 Class II) = 60; one Class II item fewer = 54.
    base = {"tech_staff": 20, "rd": 4 * M, "class_i": 0, "declarations": NO_PATHS}
    assert (evaluate(facts(class_ii=3, **base)).score, evaluate(facts(class_ii=3, **base)).status) == (
        60, "qualified")
    assert (evaluate(facts(class_ii=2, **base)).score, evaluate(facts(class_ii=2, **base)).status) == (
        54, "not_qualified")


# --------------------------------------------------------------------------- no statements


def test_no_statements_are_missing_and_leave_the_score_open():
    result = evaluate(facts(years=()))
    assert result.score is None
    assert (result.score_low, result.score_high) == (50, 100)
    assert points(result)["rd"] is None
    assert condition(result, "sales_limit") == condition(result, "assets_limit") == "missing"
    assert result.status == "undetermined"
    assert result.missing == ("statements", "national_award_top3", "provincial_rd_institution", "led_standard")
    assert result.advice == ()


def test_no_statements_and_no_way_to_qualify_is_not_qualified():
    result = evaluate(facts(years=(), tech_staff=0, declarations=NO_PATHS))
    assert result.status == "not_qualified"
    assert result.missing == ("statements",)


def test_no_statements_with_a_direct_path_stay_undetermined_on_the_size_limits():
    result = evaluate(facts(years=(), hnte=True))
    assert result.status == "undetermined"
    assert result.missing == ("statements",)


# --------------------------------------------------------------------------- properties

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=40)


@st.composite
def positions(draw: Any) -> Position:
    employees = draw(st.integers(min_value=1, max_value=500))
    revenue = draw(money)
    rd = draw(money)
    return Position(
        employees=employees, tech_staff=draw(st.integers(min_value=0, max_value=employees)),
        class_i_ip=draw(st.integers(min_value=0, max_value=3)), class_ii_ip=draw(counts),
        revenue=revenue, rd_expense=rd, total_costs=rd + draw(money),
    )


def total(position: Position) -> int:
    return sum(i.points or 0 for i in score_position(position))


@settings(max_examples=150, deadline=None)
@given(positions(), st.integers(min_value=1, max_value=10**9))
def test_more_rd_never_lowers_the_score(position, x):
    assert total(position.plus("rd_expense", x)) >= total(position)
    # Even with total costs held (R&D moved from elsewhere in costs), when R&D fits within them.
    if position.rd_expense + x <= position.total_costs:
        assert total(replace(position, rd_expense=position.rd_expense + x)) >= total(position)


@settings(max_examples=150, deadline=None)
@given(positions(), st.integers(min_value=1, max_value=500))
def test_more_tech_staff_never_lowers_the_score(position, x):
    assert total(position.plus("tech_staff", x)) >= total(position)
    # Or staff retrained as tech staff, headcount unchanged.
    if position.tech_staff + x <= position.employees:
        assert total(replace(position, tech_staff=position.tech_staff + x)) >= total(position)


@settings(max_examples=150, deadline=None)
@given(positions(), st.integers(min_value=1, max_value=20), st.sampled_from(["class_i_ip", "class_ii_ip"]))
def test_more_ip_never_lowers_the_score(position, x, kind):
    assert total(position.plus(kind, x)) >= total(position)


@st.composite
def any_facts(draw: Any) -> Facts:
    answer = st.none() | st.booleans()
    employees = draw(st.integers(min_value=0, max_value=700))
    years = draw(st.lists(st.builds(
        year, revenue=money, rd=money, costs=money, assets=money, y=st.integers(min_value=2015, max_value=2024),
    ), max_size=2))
    return facts(
        employees=employees, tech_staff=draw(st.integers(min_value=0, max_value=max(employees, 0))),
        class_i=draw(st.integers(min_value=0, max_value=2)), class_ii=draw(st.integers(min_value=0, max_value=6)),
        years=tuple(years), mainland=draw(st.booleans()), hnte=draw(st.booleans()),
        declarations=Declarations(
            restricted_industry=draw(answer), serious_incident=draw(answer), on_credit_blacklist=draw(answer),
            national_award_top3=draw(answer), provincial_rd_institution=draw(answer), led_standard=draw(answer),
        ),
    )


@settings(max_examples=100, deadline=None)
@given(any_facts())
def test_results_are_consistent_and_survive_json(f):
    result = evaluate(f)
    assert Result.from_json(json.loads(json.dumps(result.to_json()))) == result
    assert result.score_low <= result.score_high
    if result.status == "qualified":
        assert result.path is not None and not result.advice
        assert all(c.status == "met" for c in result.conditions)
    else:
        assert result.path is None
    if any(c.status == "failed" for c in result.conditions):
        assert result.status == "not_qualified" and not result.advice
    if result.status == "undetermined":
        assert result.missing
