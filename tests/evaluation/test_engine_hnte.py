"""The HNTE pre-check (国科发火〔2016〕32号 art. 11 and the 2016 guidelines): pure rules, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.evaluation.engine import hnte
from bayfin.evaluation.engine.facts import HNTE_FIELDS, Declarations, Facts, YearFigures
from bayfin.evaluation.engine.results import Condition, Result

M = Decimal(1_000_000)
AS_OF = date(2025, 6, 1)
EXPERT_PARTS = ("hnte_ip_quality", "hnte_transformation", "hnte_rd_management")
GOOD = Declarations(
    hnte_field="electronic_information",
    rd_in_china_share=Decimal("80"),
    high_tech_income_share=Decimal("75"),
    serious_incident=False,
)


def year(y: int, sales: str | Decimal, rd: str | Decimal = "0", net_assets: str | Decimal = "1000000") -> YearFigures:
    sales, rd, net_assets = Decimal(sales), Decimal(rd), Decimal(net_assets)
    return YearFigures(year=y, revenue=sales, rd_expense=rd, total_costs=sales, total_assets=net_assets * 2,
                       net_assets=net_assets)


def years(sales: Decimal, rd_pct: str, n: int = 3, last: int = 2024) -> tuple[YearFigures, ...]:
    """n years with the same sales, R&D at rd_pct percent of sales, net assets growing 20% a year."""
    return tuple(
        year(last - n + 1 + i, sales, sales * Decimal(rd_pct) / 100, Decimal(1_000_000) * Decimal("1.2") ** i)
        for i in range(n)
    )


def facts(**changes: object) -> Facts:
    """An enterprise meeting every condition: 20% tech staff, one Class I item, R&D 8% of RMB 10m."""
    base = Facts(
        as_of=AS_OF, jurisdiction="guangdong", mainland=True, macao=False, founding_date=date(2015, 3, 10),
        employees=100, tech_staff=20, class_i_ip=1, class_ii_ip=0,
        years=years(10 * M, "8"), declarations=GOOD,
    )
    return replace(base, **changes)


def declaring(**answers: object) -> Facts:
    return facts(declarations=replace(GOOD, **answers))


def cond(result: Result, code: str) -> Condition:
    (found,) = [c for c in result.conditions if c.code == code]
    return found


def status(f: Facts, code: str) -> str:
    return cond(hnte.evaluate_2016(f), code).status


def ind(result: Result, code: str):
    (found,) = [i for i in result.indicators if i.code == code]
    return found


# --------------------------------------------------------------------------- the whole result


def test_an_enterprise_meeting_every_condition_is_undetermined_until_the_experts_score():
    r = hnte.evaluate_2016(facts())
    assert (r.rule_set, r.version, r.pass_mark) == ("hnte", "2016", 71)
    assert [c.code for c in r.conditions] == [
        "mainland_resident", "registered_one_year", "core_ip", "hnte_field", "tech_staff_share",
        "rd_intensity", "rd_in_china", "high_tech_income", "no_major_incident",
    ]
    assert all(c.status == "met" for c in r.conditions)
    assert [i.code for i in r.indicators] == ["ip", "transformation", "rd_management", "growth"]
    assert sum(i.max_points for i in r.indicators) == 100
    # IP 8-30 (one Class I), transformation 0-30, R&D management 0-20; growth: net assets +20% a year 5-6,
    # flat sales 0
    assert (ind(r, "ip").low, ind(r, "ip").high) == (8, 30)
    assert (ind(r, "growth").low, ind(r, "growth").high) == (5, 6)
    assert (r.score, r.score_low, r.score_high) == (None, 13, 86)
    assert r.status == "undetermined" and r.path is None
    assert r.missing == EXPERT_PARTS
    assert r.advice == ()


def test_the_result_is_plain_json():
    data = hnte.evaluate_2016(facts()).to_json()
    assert data["status"] == "undetermined"
    assert dict(data["conditions"][1]["detail"])["met_on"] == "2016-03-10"


# --------------------------------------------------------------------------- conditions


def test_only_mainland_resident_enterprises():
    r = hnte.evaluate_2016(facts(mainland=False))
    c = cond(r, "mainland_resident")
    assert (c.status, c.changeable) == ("failed", False)
    assert r.status == "not_qualified" and r.advice == ()


@pytest.mark.parametrize(
    ("founded", "as_of", "months", "expected"),
    [
        (date(2024, 6, 1), date(2025, 5, 31), 11, "failed"),
        (date(2024, 6, 1), date(2025, 6, 1), 12, "met"),
        (date(2024, 6, 15), date(2025, 6, 14), 11, "failed"),
        (date(2024, 6, 15), date(2025, 6, 15), 12, "met"),
    ],
)
def test_registered_one_year_on_both_sides(founded, as_of, months, expected):
    r = hnte.evaluate_2016(facts(founding_date=founded, as_of=as_of, years=years(10 * M, "8", n=1)))
    c = cond(r, "registered_one_year")
    assert c.status == expected and not c.changeable
    assert dict(c.detail)["months"] == months
    assert dict(c.detail)["met_on"] == date(founded.year + 1, founded.month, founded.day)


def test_the_date_a_29_february_registration_reaches_one_year():
    assert hnte.met_on(date(2020, 2, 29), 12) == date(2021, 3, 1)
    for day, expected in ((date(2021, 2, 28), "failed"), (date(2021, 3, 1), "met")):
        f = facts(founding_date=date(2020, 2, 29), as_of=day, years=years(10 * M, "8", n=1, last=2020))
        assert status(f, "registered_one_year") == expected
    assert hnte.met_on(date(2024, 1, 31), 1) == date(2024, 3, 1)
    assert hnte.met_on(date(2024, 12, 31), 12) == date(2025, 12, 31)


def test_too_young_gets_no_advice_even_where_other_conditions_could_change():
    r = hnte.evaluate_2016(facts(founding_date=date(2024, 12, 1), tech_staff=1, years=years(10 * M, "8", n=1)))
    assert cond(r, "registered_one_year").status == "failed"
    assert cond(r, "tech_staff_share").status == "failed"
    assert r.status == "not_qualified" and r.advice == ()


@pytest.mark.parametrize(
    ("class_i", "class_ii", "expected"),
    [(0, 0, "failed"), (0, 1, "met"), (1, 0, "met"), (2, 7, "met")],
)
def test_core_ip(class_i, class_ii, expected):
    c = cond(hnte.evaluate_2016(facts(class_i_ip=class_i, class_ii_ip=class_ii)), "core_ip")
    assert c.status == expected and c.changeable
    assert dict(c.detail) == {"class_i": class_i, "class_ii": class_ii}


@pytest.mark.parametrize("field", HNTE_FIELDS)
def test_each_supported_field_is_met(field):
    assert status(declaring(hnte_field=field), "hnte_field") == "met"


def test_no_supported_field_fails_and_effort_cannot_change_it():
    for answer in ("none", "agriculture"):
        r = hnte.evaluate_2016(declaring(hnte_field=answer))
        c = cond(r, "hnte_field")
        assert (c.status, c.changeable, dict(c.detail)) == ("failed", False, {"field": answer})
        assert r.status == "not_qualified" and r.advice == ()


def test_an_unanswered_field_is_missing():
    r = hnte.evaluate_2016(declaring(hnte_field=None))
    assert status(declaring(hnte_field=None), "hnte_field") == "missing"
    assert r.missing[0] == "hnte_field" and r.status == "undetermined"


@pytest.mark.parametrize(
    ("tech", "employees", "expected", "share"),
    [
        (999, 10_000, "failed", "9.99"),
        (1000, 10_000, "met", "10.00"),
        (9, 91, "failed", "9.89"),
        (10, 100, "met", "10.00"),
        (1, 10, "met", "10.00"),
        (0, 5, "failed", "0.00"),
        (0, 0, "failed", "0"),
    ],
)
def test_tech_staff_share_on_both_sides(tech, employees, expected, share):
    c = cond(hnte.evaluate_2016(facts(tech_staff=tech, employees=employees)), "tech_staff_share")
    assert c.status == expected and c.changeable
    assert dict(c.detail)["share"] == Decimal(share)
    assert dict(c.detail)["required"] == 10


def test_a_share_that_rounds_to_10_but_is_below_fails():
    c = cond(hnte.evaluate_2016(facts(tech_staff=99_999, employees=1_000_000)), "tech_staff_share")
    assert c.status == "failed" and dict(c.detail)["share"] == Decimal("9.99")  # shown rounded down


FIFTY_M, TWO_HUNDRED_M = 50 * M, 200 * M


@pytest.mark.parametrize(
    ("sales", "pct", "required", "expected"),
    [
        (FIFTY_M, "4.99", 5, "failed"),
        (FIFTY_M, "5", 5, "met"),
        (Decimal(10 * M), "4.99", 5, "failed"),
        (FIFTY_M + 1, "3.99", 4, "failed"),
        (FIFTY_M + 1, "4", 4, "met"),
        (TWO_HUNDRED_M, "3.99", 4, "failed"),
        (TWO_HUNDRED_M, "4", 4, "met"),
        (TWO_HUNDRED_M + 1, "2.99", 3, "failed"),
        (TWO_HUNDRED_M + 1, "3", 3, "met"),
        (Decimal(5000 * M), "3", 3, "met"),
    ],
)
def test_rd_intensity_thresholds_by_the_latest_years_sales(sales, pct, required, expected):
    c = cond(hnte.evaluate_2016(facts(years=years(sales, pct))), "rd_intensity")
    d = dict(c.detail)
    assert c.status == expected and c.changeable
    assert d["required"] == required
    assert d["ratio"] == Decimal(pct).quantize(Decimal("0.01"))
    assert d["years"] == (2022, 2023, 2024)


def test_rd_intensity_tiers_are_recorded():
    for sales, above, up_to in ((FIFTY_M, None, FIFTY_M), (FIFTY_M + 1, FIFTY_M, TWO_HUNDRED_M),
                                (TWO_HUNDRED_M + 1, TWO_HUNDRED_M, None)):
        d = dict(cond(hnte.evaluate_2016(facts(years=years(sales, "9"))), "rd_intensity").detail)
        assert (d["tier_above"], d["tier_up_to"], d["latest_sales"]) == (above, up_to, sales)


def test_rd_intensity_is_the_three_year_sum_and_the_tier_the_latest_years():
    # Sales 300m, 250m, then 40m: the latest year is in the 5% tier. R&D 5m+5m+2.5m = 12.5m of 590m = 2.1%.
    ys = (year(2020, 999 * M, 999 * M), year(2021, 300 * M, 5 * M), year(2022, 250 * M, 5 * M),
          year(2023, 40 * M, Decimal("2.5") * M))
    d = dict(cond(hnte.evaluate_2016(facts(years=ys)), "rd_intensity").detail)
    assert d["years"] == (2021, 2022, 2023)  # the oldest year is not counted
    assert (d["rd_total"], d["sales_total"], d["required"]) == (Decimal("12.5") * M, 590 * M, 5)
    assert d["ratio"] == Decimal("2.11")


def test_a_young_enterprise_counts_the_years_it_has():
    f = facts(founding_date=date(2023, 3, 1), years=(year(2023, 4 * M, "100000"), year(2024, 6 * M, "400000")))
    c = cond(hnte.evaluate_2016(f), "rd_intensity")
    assert c.status == "met" and dict(c.detail)["years"] == (2023, 2024)  # 500k / 10m = 5%
    assert dict(c.detail)["ratio"] == Decimal("5.00")


def test_an_older_enterprise_with_fewer_than_three_years_on_file_lacks_them():
    r = hnte.evaluate_2016(facts(years=years(10 * M, "8", n=2)))
    c = cond(r, "rd_intensity")
    assert c.status == "missing" and dict(c.detail) == {"years_available": 2}
    assert "statements_3y" in r.missing and r.status == "undetermined"


def test_no_statements_at_all():
    r = hnte.evaluate_2016(facts(years=()))
    assert cond(r, "rd_intensity").status == "missing"
    assert r.missing == ("statements", *EXPERT_PARTS, "statements_3y")
    assert (ind(r, "growth").low, ind(r, "growth").high, ind(r, "growth").points) == (0, 20, None)


def test_no_sales_cannot_be_fixed_by_more_rd():
    r = hnte.evaluate_2016(facts(years=years(Decimal(0), "0")))
    c = cond(r, "rd_intensity")
    assert (c.status, c.changeable, dict(c.detail)["ratio"]) == ("failed", False, None)
    assert r.advice == ()


@pytest.mark.parametrize(
    ("condition", "answer", "field_name"),
    [("rd_in_china", "rd_in_china_share", "rd_in_china_share"),
     ("high_tech_income", "high_tech_income_share", "high_tech_income_share")],
)
def test_declared_shares_on_both_sides_and_unanswered(condition, answer, field_name):
    for share, expected in (("59.99", "failed"), ("60", "met"), ("100", "met"), ("0", "failed")):
        c = cond(hnte.evaluate_2016(declaring(**{answer: Decimal(share)})), condition)
        assert (c.status, c.changeable, dict(c.detail)) == (expected, True, {"share": Decimal(share), "required": 60})
    r = hnte.evaluate_2016(declaring(**{answer: None}))
    assert cond(r, condition).status == "missing"
    assert field_name in r.missing and r.status == "undetermined"


def test_a_major_incident_fails_and_cannot_be_advised_on():
    r = hnte.evaluate_2016(declaring(serious_incident=True, rd_in_china_share=Decimal(10)))
    c = cond(r, "no_major_incident")
    assert (c.status, c.changeable) == ("failed", False)
    assert r.status == "not_qualified" and r.advice == ()
    r = hnte.evaluate_2016(declaring(serious_incident=None))
    assert cond(r, "no_major_incident").status == "missing" and "serious_incident" in r.missing


def test_missing_inputs_are_listed_once_in_the_order_of_the_conditions():
    f = facts(declarations=Declarations(), years=years(10 * M, "8", n=2))
    r = hnte.evaluate_2016(f)
    assert r.missing == ("hnte_field", "statements_3y", "rd_in_china_share", "high_tech_income_share",
                         "serious_incident", *EXPERT_PARTS)
    assert r.status == "undetermined"


# --------------------------------------------------------------------------- the innovation score


@pytest.mark.parametrize(
    ("class_i", "class_ii", "low", "high", "quantity"),
    [
        (0, 0, 0, 0, (0, 0)),
        (0, 1, 2, 26, (1, 2)),
        (0, 2, 2, 26, (1, 2)),
        (0, 3, 4, 28, (3, 4)),
        (0, 4, 4, 28, (3, 4)),
        (0, 5, 6, 30, (5, 6)),
        (0, 40, 6, 30, (5, 6)),
        (1, 0, 8, 30, (7, 8)),
        (3, 9, 8, 30, (7, 8)),
    ],
)
def test_ip_quantity_is_counted_and_the_rest_left_to_the_experts(class_i, class_ii, low, high, quantity):
    r = hnte.evaluate_2016(facts(class_i_ip=class_i, class_ii_ip=class_ii))
    ip = ind(r, "ip")
    assert (ip.low, ip.high, ip.max_points) == (low, high, 30)
    assert (dict(ip.detail)["quantity_low"], dict(ip.detail)["quantity_high"]) == quantity
    assert ip.value == class_i + class_ii
    if class_i + class_ii:
        # judged parts with IP held: advancement 0-8, core support 0-8, obtained 1-6, standards 0-2; total <= 30
        assert ip.points is None and "hnte_ip_quality" in r.missing
    else:
        assert ip.points == 0 and "hnte_ip_quality" not in r.missing


def test_the_expert_parts_are_full_ranges():
    r = hnte.evaluate_2016(facts())
    for code, top in (("transformation", 30), ("rd_management", 20)):
        i = ind(r, code)
        assert (i.points, i.low, i.high, i.max_points) == (None, 0, top, top)


def grown(first: str, second: str, third: str) -> tuple[Fraction | None, str]:
    return hnte.growth_rate(Decimal(first), Decimal(second), Decimal(third))


def test_the_growth_formula():
    assert grown("100", "120", "150") == (Fraction(1, 2) * (Fraction(6, 5) + Fraction(5, 4)) - 1, "three_years")
    assert grown("100", "135", "182.25") == (Fraction(35, 100), "three_years")
    assert grown("100", "80", "64") == (Fraction(-20, 100), "three_years")
    # a first year of 0, or less, counts the later two years only
    assert grown("0", "100", "130") == (Fraction(30, 100), "later_two_years")
    assert grown("-50", "100", "110") == (Fraction(10, 100), "later_two_years")
    # a second year of 0 scores 0, whatever the first and third
    assert grown("100", "0", "500") == (None, "year2_zero")
    assert grown("0", "0", "500") == (None, "year2_zero")
    assert grown("100", "-10", "-50") == (None, "year2_zero")


def rate(pct: str) -> Fraction:
    return Fraction(Decimal(pct)) / 100


@pytest.mark.parametrize(
    ("pct", "band", "points"),
    [
        ("500", "35", (9, 10)),
        ("35", "35", (9, 10)),
        ("34.99", "25", (7, 8)),
        ("25", "25", (7, 8)),
        ("24.99", "15", (5, 6)),
        ("15", "15", (5, 6)),
        ("14.99", "5", (3, 4)),
        ("5", "5", (3, 4)),
        ("4.99", "0", (1, 2)),
        ("0.01", "0", (1, 2)),
        ("0", None, (0, 0)),
        ("-0.01", None, (0, 0)),
        ("-60", None, (0, 0)),
    ],
)
def test_every_growth_band_edge(pct, band, points):
    assert hnte.growth_band(rate(pct), hnte.RULES_2016) == (None if band is None else Decimal(band), *points)


def test_no_rate_scores_zero():
    assert hnte.growth_band(None, hnte.RULES_2016) == (None, 0, 0)


def three(net: tuple[str, str, str], sales: tuple[str, str, str]) -> tuple[YearFigures, ...]:
    return tuple(year(2022 + i, sales[i], Decimal(sales[i]) / 10, net[i]) for i in range(3))


def test_growth_indicator_adds_the_two_parts():
    r = hnte.evaluate_2016(facts(years=three(("100", "135", "182.25"), ("100", "105", "110.25"))))
    g = ind(r, "growth")
    d = dict(g.detail)
    assert (d["net_assets_rate"], d["net_assets_band"], d["net_assets_low"], d["net_assets_high"]) == (
        Decimal("35.00"), Decimal(35), 9, 10)
    assert (d["sales_rate"], d["sales_band"], d["sales_low"], d["sales_high"]) == (Decimal("5.00"), Decimal(5), 3, 4)
    assert (g.points, g.low, g.high, g.max_points) == (None, 12, 14, 20)
    assert d["years"] == (2022, 2023, 2024)


def test_growth_zero_and_negative_rules_in_the_indicator():
    # net assets: first year negative -> later two years (110/100 - 1 = 10%: 3-4); sales: second year 0 -> 0
    g = ind(hnte.evaluate_2016(facts(years=three(("-5", "100", "110"), ("10", "0", "50")))), "growth")
    d = dict(g.detail)
    assert (d["net_assets_rule"], d["net_assets_rate"], d["net_assets_low"]) == ("later_two_years", Decimal("10.00"), 3)
    assert (d["sales_rule"], d["sales_rate"], d["sales_band"], d["sales_high"]) == ("year2_zero", None, None, 0)
    assert (g.low, g.high) == (3, 4)


def test_shrinking_scores_a_known_zero():
    g = ind(hnte.evaluate_2016(facts(years=three(("100", "90", "80"), ("100", "100", "100")))), "growth")
    assert (g.points, g.low, g.high) == (0, 0, 0)


def test_fewer_than_three_years_leaves_growth_open():
    f = facts(founding_date=date(2023, 1, 5), years=years(10 * M, "8", n=2))
    r = hnte.evaluate_2016(f)
    g = ind(r, "growth")
    assert (g.points, g.low, g.high, dict(g.detail)) == (None, 0, 20, {"years_available": 2})
    assert cond(r, "rd_intensity").status == "met"  # a young enterprise's R&D counts its two years
    assert r.missing == (*EXPERT_PARTS, "statements_3y")


# --------------------------------------------------------------------------- status


def conds(*statuses: str) -> tuple[Condition, ...]:
    return tuple(Condition(f"c{i}", s) for i, s in enumerate(statuses))


@pytest.mark.parametrize(
    ("statuses", "low", "high", "expected"),
    [
        (("met", "met"), 71, 100, ("qualified", "pre_check")),
        (("met", "met"), 70, 100, ("undetermined", None)),  # the range straddles 70
        (("met", "met"), 13, 86, ("undetermined", None)),
        (("met", "met"), 0, 71, ("undetermined", None)),
        (("met", "met"), 0, 70, ("not_qualified", None)),  # even the top is not above 70
        (("met", "missing"), 71, 100, ("undetermined", None)),
        (("met", "missing"), 0, 70, ("not_qualified", None)),
        (("failed", "met"), 80, 100, ("not_qualified", None)),
        (("failed", "missing"), 80, 100, ("not_qualified", None)),
    ],
)
def test_status_logic(statuses, low, high, expected):
    assert hnte.decide(conds(*statuses), low, high, 71) == expected


def test_without_ip_the_top_of_the_range_is_70_which_is_not_above_70():
    r = hnte.evaluate_2016(facts(class_i_ip=0, years=three(("100", "200", "400"), ("100", "200", "400"))))
    assert (ind(r, "growth").low, ind(r, "growth").high) == (18, 20)
    assert (r.score_low, r.score_high) == (18, 70)
    assert r.status == "not_qualified"


def test_a_score_is_given_only_when_every_part_is_known():
    r = hnte.evaluate_2016(facts())
    assert r.score is None
    assert all(i.points == i.low == i.high for i in r.indicators if i.points is not None)


# --------------------------------------------------------------------------- advice


def apply(f: Facts, kind: str, amount: Decimal) -> Facts:
    if kind == "tech_staff":
        return replace(f, tech_staff=f.tech_staff + int(amount), employees=f.employees + int(amount))
    if kind == "rd_expense":
        last = f.years[-1]
        return replace(f, years=(*f.years[:-1], replace(last, rd_expense=last.rd_expense + amount)))
    if kind == "ip_item":
        return replace(f, class_ii_ip=f.class_ii_ip + int(amount))
    if kind in ("rd_in_china_share", "high_tech_income_share"):
        current = getattr(f.declarations, kind)
        return replace(f, declarations=replace(f.declarations, **{kind: current + amount}))
    raise AssertionError(kind)


UNIT = {"tech_staff": Decimal(1), "rd_expense": Decimal(1), "ip_item": Decimal(1),
        "rd_in_china_share": Decimal("0.01"), "high_tech_income_share": Decimal("0.01")}


def check_advice(f: Facts) -> Result:
    """Applying the advice makes every failed condition pass; one unit less of any change does not."""
    r = hnte.evaluate_2016(f)
    failed = [c for c in r.conditions if c.status == "failed"]
    if not failed or not all(c.changeable for c in failed):
        assert r.advice == ()
        return r
    (advice,) = r.advice
    assert sorted(ch.indicator for ch in advice.changes) == sorted(c.code for c in failed)
    assert advice.relative_size == sum(ch.relative_size for ch in advice.changes)
    after = f
    for ch in advice.changes:
        assert ch.amount > 0
        after = apply(after, ch.kind, ch.amount)
    fixed = hnte.evaluate_2016(after)
    assert not [c for c in fixed.conditions if c.status == "failed"]
    for ch in advice.changes:
        less = f
        for other in advice.changes:
            less = apply(less, other.kind, other.amount - (UNIT[other.kind] if other is ch else 0))
        assert cond(hnte.evaluate_2016(less), ch.indicator).status == "failed", ch
    return r


def test_advice_fixes_every_changeable_failed_condition_minimally():
    f = facts(class_i_ip=0, tech_staff=8, years=years(37 * M, "3.2"),
              declarations=replace(GOOD, rd_in_china_share=Decimal(50), high_tech_income_share=Decimal("59.5")))
    r = check_advice(f)
    changes = {ch.kind: ch for ch in r.advice[0].changes}
    assert list(changes) == ["ip_item", "tech_staff", "rd_expense", "rd_in_china_share", "high_tech_income_share"]
    assert (changes["tech_staff"].amount, changes["tech_staff"].value_from, changes["tech_staff"].value_to) == (
        3, Decimal("8.00"), Decimal("10.67"))  # 11 of 103
    assert changes["tech_staff"].relative_size == Decimal("0.375")  # 3 hires on 8 tech staff
    # 5% of 111m = 5.55m; R&D is 3.552m: 1,998,000 more in the latest year
    rd = changes["rd_expense"]
    assert (rd.amount, rd.value_from, rd.value_to) == (Decimal(1_998_000), Decimal("3.20"), Decimal("5.00"))
    assert rd.relative_size == (Decimal(1_998_000) / Decimal(1_184_000)).quantize(Decimal("0.0001"))
    ip = changes["ip_item"]
    assert (ip.amount, ip.indicator, ip.relative_size) == (1, "core_ip", 1)  # no IP yet: one item on one unit
    share = changes["rd_in_china_share"]
    assert (share.amount, share.value_from, share.value_to, share.relative_size) == (10, 50, 60, Decimal("0.2"))
    assert changes["high_tech_income_share"].amount == Decimal("0.5")
    assert r.advice[0].relative_size == sum(ch.relative_size for ch in r.advice[0].changes)


def test_rd_advice_is_rounded_up_to_whole_rmb():
    # R&D 4.99% of 3 x 3,333,333.33: the gap is a fraction of a yuan past whole RMB
    f = facts(years=tuple(year(2022 + i, "3333333.33", "166333.33") for i in range(3)))
    (advice,) = check_advice(f).advice
    (ch,) = advice.changes
    assert ch.kind == "rd_expense" and ch.amount == ch.amount.to_integral_value()


def test_zero_current_values_count_as_one_unit():
    f = facts(tech_staff=0, employees=9, years=years(10 * M, "0"),
              declarations=replace(GOOD, high_tech_income_share=Decimal(0)))
    changes = {ch.kind: ch for ch in check_advice(f).advice[0].changes}
    assert changes["tech_staff"].amount == 1 and changes["tech_staff"].relative_size == 1  # 1 of 10
    assert changes["rd_expense"].relative_size == changes["rd_expense"].amount  # on RMB 1
    assert changes["high_tech_income_share"].relative_size == 60  # 60 points on one point


def test_no_employees_one_tech_hire():
    changes = check_advice(facts(tech_staff=0, employees=0)).advice[0].changes
    assert [(c.kind, c.amount, c.value_to) for c in changes] == [("tech_staff", 1, Decimal("100.00"))]


def test_no_advice_when_nothing_failed_or_something_cannot_change():
    assert hnte.evaluate_2016(facts()).advice == ()
    assert hnte.evaluate_2016(declaring(rd_in_china_share=None)).advice == ()
    assert hnte.evaluate_2016(facts(tech_staff=1, mainland=False)).advice == ()


def test_advice_leaves_missing_conditions_alone():
    r = check_advice(facts(tech_staff=5, declarations=replace(GOOD, serious_incident=None)))
    assert r.status == "not_qualified"
    assert [ch.kind for ch in r.advice[0].changes] == ["tech_staff"]


@settings(max_examples=150, deadline=None)
@given(
    employees=st.integers(0, 5000),
    tech_share=st.integers(0, 200),  # per mille of employees
    class_i=st.integers(0, 2),
    class_ii=st.integers(0, 6),
    sales=st.integers(0, 400_000_000),
    rd_per_mille=st.integers(0, 80),
    n_years=st.integers(1, 3),
    rd_in_china=st.decimals(0, 100, places=2),
    high_tech=st.decimals(0, 100, places=2),
)
def test_advice_property(employees, tech_share, class_i, class_ii, sales, rd_per_mille, n_years, rd_in_china, high_tech):
    tech = employees * tech_share // 1000
    ys = tuple(year(2024 - n_years + 1 + i, Decimal(sales) + i, Decimal(sales) * rd_per_mille / 1000)
               for i in range(n_years))
    f = facts(employees=employees, tech_staff=tech, class_i_ip=class_i, class_ii_ip=class_ii,
              founding_date=date(2023, 1, 1) if n_years < 3 else date(2015, 1, 1), years=ys,
              declarations=replace(GOOD, rd_in_china_share=rd_in_china, high_tech_income_share=high_tech))
    check_advice(f)


# --------------------------------------------------------------------------- monotonicity


FAILED_RANK = {"met": 0, "missing": 1, "failed": 2}


def assert_not_worse(before: Result, after: Result) -> None:
    assert after.score_low >= before.score_low and after.score_high >= before.score_high
    for b, a in zip(before.conditions, after.conditions, strict=True):
        assert FAILED_RANK[a.status] <= FAILED_RANK[b.status], (b, a)


enterprise = st.builds(
    lambda employees, share, ci, cii, sales, rd, net: facts(
        employees=employees, tech_staff=employees * share // 100, class_i_ip=ci, class_ii_ip=cii,
        years=tuple(year(2022 + i, Decimal(sales[i]), Decimal(rd[i]), Decimal(net[i])) for i in range(3)),
    ),
    st.integers(0, 1000), st.integers(0, 100), st.integers(0, 2), st.integers(0, 8),
    st.lists(st.integers(0, 300_000_000), min_size=3, max_size=3),
    st.lists(st.integers(0, 20_000_000), min_size=3, max_size=3),
    st.lists(st.integers(-1_000_000, 50_000_000), min_size=3, max_size=3),
)


@settings(max_examples=100, deadline=None)
@given(f=enterprise, more=st.integers(1, 10_000_000), which=st.integers(0, 2))
def test_more_rd_never_lowers_anything(f, more, which):
    ys = list(f.years)
    ys[which] = replace(ys[which], rd_expense=ys[which].rd_expense + more)
    assert_not_worse(hnte.evaluate_2016(f), hnte.evaluate_2016(replace(f, years=tuple(ys))))


@settings(max_examples=100, deadline=None)
@given(f=enterprise, hires=st.integers(1, 500))
def test_more_tech_staff_never_lowers_anything(f, hires):
    before = hnte.evaluate_2016(f)
    assert_not_worse(before, hnte.evaluate_2016(replace(f, tech_staff=f.tech_staff + hires,
                                                        employees=f.employees + hires)))
    # moving existing staff into tech roles too
    moved = min(hires, f.employees - f.tech_staff)
    assert_not_worse(before, hnte.evaluate_2016(replace(f, tech_staff=f.tech_staff + moved)))


@settings(max_examples=100, deadline=None)
@given(f=enterprise, more_i=st.integers(0, 3), more_ii=st.integers(0, 10))
def test_more_ip_never_lowers_anything(f, more_i, more_ii):
    after = replace(f, class_i_ip=f.class_i_ip + more_i, class_ii_ip=f.class_ii_ip + more_ii)
    assert_not_worse(hnte.evaluate_2016(f), hnte.evaluate_2016(after))


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("tech", "employees", "hires"),
    [(8, 100, 3), (9, 91, 1), (10, 100, 0), (0, 0, 1), (0, 1, 1), (0, 9, 1), (0, 10, 2), (0, 900, 100)],
)
def test_hires_needed(tech, employees, hires):
    assert hnte.hires_needed(tech, employees, Decimal(10)) == hires


def test_rules_are_data_a_new_version_can_override():
    stricter = replace(hnte.RULES_2016, version="2030", tech_staff_min=Decimal(20))
    r = hnte.evaluate(facts(tech_staff=15), stricter)
    assert r.version == "2030" and cond(r, "tech_staff_share").status == "failed"
    assert cond(hnte.evaluate_2016(facts(tech_staff=15)), "tech_staff_share").status == "met"
