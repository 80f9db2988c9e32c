"""Every code the HNTE and Macao checks emit reads as an English sentence naming its numbers,
the same from a fresh result and from a stored one's JSON."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.evaluation.engine import hnte, macao_tech
from bayfin.evaluation.engine.facts import MACAO_TIERS, Declarations, Facts
from bayfin.evaluation.engine.results import Result
from bayfin.evaluation.explain import explained
from bayfin.evaluation.explain import hnte as hnte_text
from bayfin.evaluation.explain import macao_tech as macao_text

from .test_engine_hnte import GOOD, M, three, year, years
from .test_engine_hnte import facts as hnte_facts
from .test_engine_macao_tech import MAIN
from .test_engine_macao_tech import facts as macao_facts

TABLES = ("INDICATORS", "CONDITIONS", "CHANGES", "MISSING", "PATHS")


def messages(module: Any, result: Result) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(table, code, params from the result, params from its stored JSON) for every code in the result."""
    data = result.to_json()
    out = []
    for obj, stored in zip(result.indicators, data["indicators"], strict=True):
        out.append(("INDICATORS", obj.code, own(asdict(obj)), own(stored)))
    for obj, stored in zip(result.conditions, data["conditions"], strict=True):
        out.append(("CONDITIONS", obj.code, own(asdict(obj)), own(stored)))
    for advice, stored_advice in zip(result.advice, data["advice"], strict=True):
        for obj, stored in zip(advice.changes, stored_advice["changes"], strict=True):
            out.append(("CHANGES", obj.kind, own(asdict(obj)), own(stored)))
    out.extend(("MISSING", code, {}, {}) for code in result.missing)
    if result.path:
        out.append(("PATHS", result.path, {}, {}))
    return out


def own(fields: dict[str, Any]) -> dict[str, Any]:
    """What an explainer receives: the object's own fields and its detail pairs as keys."""
    params = {k: v for k, v in fields.items() if k != "detail"}
    params.update(dict(fields.get("detail", ())))
    return params


def say(module: Any, result: Result) -> dict[tuple[str, str], str]:
    said = {}
    for table, code, fresh, stored in messages(module, result):
        explain = getattr(module, table).get(code)
        assert explain is not None, f"{result.rule_set} {table} has no sentence for {code!r}"
        text = explain(fresh)
        assert text and "%(" not in text and "None" not in text, (code, text)
        assert explain(stored) == text, f"{code}: a stored result reads differently"
        said.setdefault((table, code), text)
    return said


def hnte_corpus() -> list[Facts]:
    """Enterprises covering every branch of every HNTE code."""
    return [
        hnte_facts(),
        hnte_facts(mainland=False, founding_date=date(2025, 1, 31), years=years(10 * M, "8", n=1)),
        hnte_facts(class_i_ip=0, class_ii_ip=0, tech_staff=8, years=years(37 * M, "3.2"),
                   declarations=replace(GOOD, rd_in_china_share=Decimal(50), high_tech_income_share=Decimal("59.5"))),
        hnte_facts(class_i_ip=0, class_ii_ip=3, years=three(("-5", "100", "110"), ("10", "0", "50"))),
        hnte_facts(years=three(("100", "135", "182.25"), ("100", "100.01", "100.02"))),
        hnte_facts(years=years(80 * M, "2")),
        hnte_facts(years=years(300 * M, "1")),
        hnte_facts(years=years(Decimal(0), "0")),
        hnte_facts(years=()),
        hnte_facts(years=years(10 * M, "8", n=2)),
        hnte_facts(tech_staff=0, employees=0),
        hnte_facts(declarations=Declarations()),
        hnte_facts(declarations=replace(GOOD, hnte_field="none", serious_incident=True)),
    ]


def test_every_hnte_code_has_a_sentence_and_every_sentence_is_used():
    emitted: dict[str, set[str]] = {t: set() for t in TABLES}
    for f in hnte_corpus():
        for table, code in say(hnte_text, hnte.evaluate_2016(f)):
            emitted[table].add(code)
    for table in ("INDICATORS", "CONDITIONS", "CHANGES", "MISSING"):
        assert emitted[table] == set(getattr(hnte_text, table)), table
    # "pre_check" needs the experts' parts, which the platform does not hold: read it directly
    assert set(hnte_text.PATHS) == {"pre_check"}
    assert "above 70" in hnte_text.PATHS["pre_check"]({})


def test_every_macao_code_has_a_sentence_and_every_sentence_is_used():
    emitted: dict[str, set[str]] = {t: set() for t in TABLES}
    for f in (macao_facts(), macao_facts(macao=False, as_of=date(2023, 1, 1)),
              macao_facts(declarations=Declarations(macao_tier="growth")),
              macao_facts(declarations=replace(MAIN, macao_scitech_main_business=False, macao_tier="key"))):
        for table, code in say(macao_text, macao_tech.evaluate_2023(f)):
            emitted[table].add(code)
    for table in TABLES:
        assert emitted[table] == set(getattr(macao_text, table)), table


@settings(max_examples=60, deadline=None)
@given(
    employees=st.integers(0, 300), tech=st.integers(0, 300), class_i=st.integers(0, 2), class_ii=st.integers(0, 6),
    sales=st.lists(st.integers(-10, 300_000_000), min_size=0, max_size=4),
    net=st.lists(st.integers(-1_000_000, 9_000_000), min_size=4, max_size=4),
    months=st.integers(0, 80), share=st.one_of(st.none(), st.decimals(0, 100, places=2)),
    field=st.sampled_from([None, "none", "biomedicine"]), incident=st.sampled_from([None, True, False]),
    main=st.sampled_from([None, True, False]), tier=st.sampled_from([None, *MACAO_TIERS]), macao=st.booleans(),
)
def test_any_result_reads(employees, tech, class_i, class_ii, sales, net, months, share, field, incident, main,
                          tier, macao):
    as_of = date(2025, 6, 1)
    total = 2025 * 12 + 5 - months  # the first of the month, ``months`` before June 2025
    founded = date(total // 12, total % 12 + 1, 1)
    f = hnte_facts(
        employees=employees, tech_staff=min(tech, employees), class_i_ip=class_i, class_ii_ip=class_ii, macao=macao,
        founding_date=founded, as_of=as_of,
        years=tuple(year(2021 + i, Decimal(max(s, 0)), Decimal(max(s, 0)) / 25, Decimal(net[i]))
                    for i, s in enumerate(sales)),
        declarations=Declarations(hnte_field=field, rd_in_china_share=share, high_tech_income_share=share,
                                  serious_incident=incident, macao_scitech_main_business=main, macao_tier=tier),
    )
    say(hnte_text, hnte.evaluate_2016(f))
    say(macao_text, macao_tech.evaluate_2023(f))


# --------------------------------------------------------------------------- the sentences name the numbers


def conditions(result: Result) -> dict[str, str]:
    return {code: text for (table, code), text in say(hnte_text, result).items() if table == "CONDITIONS"}


def test_rd_intensity_names_the_ratio_and_the_tier():
    said = conditions(hnte.evaluate_2016(hnte_facts(years=years(37 * M, "3.2"))))
    assert said["rd_intensity"] == (
        "R&D over 2022 to 2024 is 3.2% of sales (RMB 3,552,000 of RMB 111,000,000); "
        "5% is required for latest-year sales up to RMB 50,000,000.")
    said = conditions(hnte.evaluate_2016(hnte_facts(years=years(80 * M, "3.99"))))
    assert said["rd_intensity"].endswith(
        "4% is required for latest-year sales above RMB 50,000,000 and up to RMB 200,000,000.")
    said = conditions(hnte.evaluate_2016(hnte_facts(years=years(300 * M, "2.99"))))
    assert "is 2.99% of sales" in said["rd_intensity"]
    assert said["rd_intensity"].endswith("3% is required for latest-year sales above RMB 200,000,000.")
    said = conditions(hnte.evaluate_2016(hnte_facts(years=years(10 * M, "8", n=2))))
    assert said["rd_intensity"] == "R&D intensity is measured over the last three complete years; 2 are on file."


def test_conditions_name_their_numbers():
    said = conditions(hnte.evaluate_2016(hnte_facts(
        tech_staff=999, employees=10_000, founding_date=date(2024, 9, 15), years=years(10 * M, "8", n=1),
        declarations=replace(GOOD, rd_in_china_share=Decimal("59.99"), hnte_field="none"))))
    assert said["tech_staff_share"] == "Tech staff are 9.99% of employees (999 of 10000); at least 10% is required."
    assert said["registered_one_year"] == (
        "Registered 8 months ago; at least 12 months are required, reached on Sep 15, 2025.")
    assert said["rd_in_china"] == "Declared the share of R&D spent in China: 59.99%; at least 60% is required."
    assert said["hnte_field"] == (
        "The core technology is in none of the eight supported high-tech fields, which the rules require.")
    assert said["core_ip"] == "Owns 1 Class I and 0 Class II IP items; at least one core IP item is required."


def test_growth_and_ip_name_their_bands():
    r = hnte.evaluate_2016(hnte_facts(class_i_ip=0, class_ii_ip=3,
                                      years=three(("100", "135", "182.25"), ("-5", "100", "104"))))
    said = {code: text for (table, code), text in say(hnte_text, r).items() if table == "INDICATORS"}
    assert said["growth"] == (
        "Growth over 2022 to 2024: net assets grew 35% a year: 35% or more, 9 to 10 points; "
        "sales grew 4% a year: above 0%, 1 to 2 points (the later two years only, the first year's figure "
        "being zero or less). Growth: 10 to 12 of 20.")
    assert said["ip"].startswith("IP: 0 Class I and 3 Class II items give 3 to 4 of the 8 points for quantity")
    assert said["ip"].endswith(": 4 to 28 of 30.")
    assert said["transformation"] == "Transformation of results: judged by the experts, 0 to 30 of 30."


def test_advice_reads_as_the_changes():
    r = hnte.evaluate_2016(hnte_facts(
        class_i_ip=0, tech_staff=8, years=years(37 * M, "3.2"),
        declarations=replace(GOOD, high_tech_income_share=Decimal("59.5"))))
    said = {code: text for (table, code), text in say(hnte_text, r).items() if table == "CHANGES"}
    assert said["tech_staff"] == (
        "Hiring 3 more tech staff (tech staff from 8% to 10.67% of employees) meets the tech-staff condition.")
    assert said["rd_expense"] == (
        "R&D expense of RMB 1,998,000 more in the latest year (three-year R&D / sales from 3.2% to 5%) "
        "meets the R&D condition.")
    assert said["high_tech_income_share"] == (
        "Raising high-tech income as a share of total income by 0.5 percentage points, from 59.5% to 60%, "
        "meets its condition.")
    one = hnte.evaluate_2016(hnte_facts(tech_staff=9, employees=91))
    assert say(hnte_text, one)[("CHANGES", "tech_staff")].startswith("Hiring 1 more tech staff member ")


@pytest.mark.parametrize(
    ("score", "low", "high", "ending"),
    [
        (None, 41, 88, "41 to 88 of 100; above 70 is required; the experts' parts decide."),
        (None, 5, 70, "5 to 70 of 100; above 70 is required, which even the top of the range does not reach."),
        (None, 71, 90, "71 to 90 of 100; above 70 is required, which even the bottom of the range reaches."),
        (75, 75, 75, "75 of 100; above 70 is required."),
    ],
)
def test_the_score_line(score, low, high, ending):
    text = hnte_text.score({"score": score, "score_low": low, "score_high": high, "pass_mark": 71})
    assert text == "Innovation score: " + ending


def test_macao_sentences():
    r = macao_tech.evaluate_2023(macao_facts(declarations=replace(MAIN, macao_tier="potential")))
    said = say(macao_text, r)
    assert said[("CONDITIONS", "scitech_main_business")] == (
        "Sci-tech innovation is the main business (declared). Applying as: Promising Technology Enterprise; "
        "the committee decides the tier.")
    assert said[("CONDITIONS", "registered_one_year")] == "Operating for 33 months; at least 12 months are required."
    assert "committee" in said[("PATHS", "eligible_to_apply")]
    young = macao_tech.evaluate_2023(macao_facts(as_of=date(2023, 3, 1), macao=False))
    said = say(macao_text, young)
    assert said[("CONDITIONS", "registered_one_year")] == (
        "Operating for 6 months; at least 12 months are required, reached on Sep 1, 2023.")
    assert said[("CONDITIONS", "operating_in_macao")].startswith("Does not operate in Macao")


def test_the_lead_explainer_reads_these_results_without_raw_codes():
    for result in (hnte.evaluate_2016(hnte_facts(tech_staff=5)), macao_tech.evaluate_2023(macao_facts())):
        shown = explained(result)
        texts = [i["text"] for i in shown["indicators"]] + [c["text"] for c in shown["conditions"]]
        texts += [m["text"] for m in shown["missing"]] + [a["text"] for a in shown["advice"]]
        texts += [shown["path_text"]] if shown["path"] else []
        codes = {i.code for i in result.indicators} | {c.code for c in result.conditions} | set(result.missing)
        assert texts and not codes & set(texts)
