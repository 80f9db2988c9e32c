"""The Macao technology enterprise check (DSEDT, 2023): the published conditions only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bayfin.evaluation.engine import macao_tech
from bayfin.evaluation.engine.facts import MACAO_TIERS, Declarations, Facts, YearFigures
from bayfin.evaluation.engine.results import Condition, Result

COMMITTEE = ("macao_business_scale", "macao_rd_status", "macao_innovation_level")
MAIN = Declarations(macao_scitech_main_business=True)


def facts(**changes: object) -> Facts:
    base = Facts(
        as_of=date(2025, 6, 1), jurisdiction="macao", mainland=False, macao=True, founding_date=date(2022, 9, 1),
        employees=12, tech_staff=6, class_i_ip=0, class_ii_ip=2,
        years=(YearFigures(2024, Decimal(3_000_000), Decimal(600_000), Decimal(2_800_000), Decimal(5_000_000),
                           Decimal(2_000_000)),),
        declarations=MAIN,
    )
    return replace(base, **changes)


def cond(result: Result, code: str) -> Condition:
    (found,) = [c for c in result.conditions if c.code == code]
    return found


def test_meeting_the_published_conditions_is_eligible_to_apply():
    r = macao_tech.evaluate_2023(facts())
    assert (r.rule_set, r.version) == ("macao_tech", "2023")
    assert [c.code for c in r.conditions] == ["operating_in_macao", "scitech_main_business", "registered_one_year"]
    assert all(c.status == "met" for c in r.conditions)
    assert (r.status, r.path) == ("qualified", "eligible_to_apply")
    assert r.missing == COMMITTEE  # the committee's scoring is never the platform's


def test_no_score_and_no_advice_ever():
    for f in (facts(), facts(macao=False), facts(declarations=Declarations())):
        r = macao_tech.evaluate_2023(f)
        assert (r.score, r.score_low, r.score_high, r.pass_mark, r.indicators, r.advice) == (None, 0, 0, None, (), ())


def test_an_enterprise_not_operating_in_macao_is_not_eligible():
    r = macao_tech.evaluate_2023(facts(macao=False, mainland=True))
    c = cond(r, "operating_in_macao")
    assert (c.status, c.changeable, dict(c.detail)) == ("failed", False, {"macao": False})
    assert (r.status, r.path, r.missing) == ("not_qualified", None, COMMITTEE)


def test_main_business_declared_not_scitech_fails():
    r = macao_tech.evaluate_2023(facts(declarations=Declarations(macao_scitech_main_business=False)))
    c = cond(r, "scitech_main_business")
    assert (c.status, dict(c.detail)) == ("failed", {"declared": False})
    assert r.status == "not_qualified" and r.advice == ()


def test_an_unanswered_main_business_is_missing():
    r = macao_tech.evaluate_2023(facts(declarations=Declarations()))
    assert cond(r, "scitech_main_business").status == "missing"
    assert (r.status, r.path) == ("undetermined", None)
    assert r.missing == ("macao_scitech_main_business", *COMMITTEE)


def test_a_failed_condition_outweighs_a_missing_one():
    r = macao_tech.evaluate_2023(facts(macao=False, declarations=Declarations()))
    assert r.status == "not_qualified"
    assert r.missing == ("macao_scitech_main_business", *COMMITTEE)


@pytest.mark.parametrize(
    ("as_of", "months", "expected"),
    [(date(2023, 8, 31), 11, "failed"), (date(2023, 9, 1), 12, "met"), (date(2030, 1, 1), 88, "met")],
)
def test_one_year_of_operation_on_both_sides(as_of, months, expected):
    r = macao_tech.evaluate_2023(facts(as_of=as_of))
    c = cond(r, "registered_one_year")
    assert (c.status, c.changeable) == (expected, False)
    assert dict(c.detail) == {"months": months, "required": 12, "met_on": date(2023, 9, 1)}
    assert r.status == ("qualified" if expected == "met" else "not_qualified")


@pytest.mark.parametrize("tier", MACAO_TIERS)
def test_the_tier_applied_for_is_recorded_not_decided(tier):
    r = macao_tech.evaluate_2023(facts(declarations=replace(MAIN, macao_tier=tier)))
    assert dict(cond(r, "scitech_main_business").detail) == {"declared": True, "tier": tier}
    assert (r.status, r.path) == ("qualified", "eligible_to_apply")
    # a tier with the main business unanswered is still recorded
    r = macao_tech.evaluate_2023(facts(declarations=Declarations(macao_tier=tier)))
    assert dict(cond(r, "scitech_main_business").detail) == {"tier": tier}


def test_no_tier_no_detail():
    assert dict(cond(macao_tech.evaluate_2023(facts()), "scitech_main_business").detail) == {"declared": True}


def test_nothing_but_the_published_conditions_counts():
    # no staff, no IP, no statements, a Mainland enterprise that also operates in Macao: still eligible to apply
    f = facts(employees=0, tech_staff=0, class_ii_ip=0, years=(), mainland=True)
    assert macao_tech.evaluate_2023(f).status == "qualified"


def test_the_result_is_plain_json():
    data = macao_tech.evaluate_2023(facts(declarations=replace(MAIN, macao_tier="key"))).to_json()
    assert data["path"] == "eligible_to_apply"
    assert data["conditions"][2]["detail"] == [["months", 33], ["required", 12], ["met_on", "2023-09-01"]]
