"""Every code the sci-tech SME rules can emit has a sentence, fresh or read back from JSON."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

import pytest

from bayfin.evaluation.engine import gaps, scitech_sme
from bayfin.evaluation.engine.facts import Declarations
from bayfin.evaluation.engine.results import Result
from bayfin.evaluation.engine.scitech_sme import evaluate_2022 as evaluate
from bayfin.evaluation.explain import scitech_sme as explain

from .test_engine_gaps import EXAMPLE, NO_SINGLE, SCENARIOS
from .test_engine_scitech_sme import CLEAN, NO_PATHS, M, facts

FACTS = [
    facts(),
    facts(years=()),
    facts(employees=0, tech_staff=0, class_i=0, class_ii=0, revenue=0, rd=0, costs=0, declarations=Declarations()),
    facts(mainland=False, employees=600, assets=300 * M, revenue=300 * M, declarations=replace(
        CLEAN, restricted_industry=True, serious_incident=True, on_credit_blacklist=True)),
    facts(class_i=0, class_ii=1, tech_staff=5, hnte=True),
    facts(class_i=0, rd=0, declarations=replace(NO_PATHS, national_award_top3=True)),
    facts(class_i=0, rd=0, declarations=replace(NO_PATHS, provincial_rd_institution=True)),
    facts(class_i=0, rd=0, declarations=replace(NO_PATHS, led_standard=True)),
    facts(revenue=0, rd=25 * M, costs=100 * M),
    EXAMPLE, NO_SINGLE, *SCENARIOS.values(),
]


def own(obj: Any) -> dict[str, Any]:
    """What the explanation receives: the object's fields with its detail spread in."""
    params = {k: v for k, v in asdict(obj).items() if k != "detail"}
    params.update(dict(obj.detail))
    return params


def sentences(result: Result) -> list[str]:
    out = [explain.INDICATORS[i.code](own(i)) for i in result.indicators]
    out += [explain.CONDITIONS[c.code](own(c)) for c in result.conditions]
    out += [explain.CONDITIONS[c.code](dict(c.detail)) for c in result.conditions]  # detail alone suffices
    out += [explain.MISSING[m]({}) for m in result.missing]
    out += [explain.CHANGES[c.kind](own(c)) for a in result.advice for c in a.changes]
    if result.path:
        out.append(explain.PATHS[result.path]({}))
    return out


def test_the_tables_cover_every_code_the_engine_has():
    assert set(explain.INDICATORS) == set(scitech_sme.INDICATOR_CODES)
    assert set(explain.CONDITIONS) == set(scitech_sme.CONDITION_CODES)
    assert set(explain.PATHS) == set(scitech_sme.PATH_CODES)
    assert set(explain.MISSING) == set(scitech_sme.MISSING_CODES)
    assert set(explain.CHANGES) == set(gaps.CHANGE_KINDS)


def test_every_emitted_code_has_a_sentence_fresh_and_from_json():
    seen: dict[str, set[str]] = {"indicator": set(), "condition": set(), "path": set(), "missing": set(),
                                 "change": set()}
    for f in FACTS:
        result = evaluate(f)
        seen["indicator"] |= {i.code for i in result.indicators}
        seen["condition"] |= {c.code for c in result.conditions}
        seen["missing"] |= set(result.missing)
        seen["change"] |= {c.kind for a in result.advice for c in a.changes}
        seen["path"] |= {result.path} if result.path else set()
        # Fresh, and read back from stored JSON (with and without from_json).
        for r in (result, Result.from_json(result.to_json())):
            for text in sentences(r):
                assert text and "%(" not in text and "None" not in text, text
    # The cases above do reach every code, so the loop checked them all.
    assert seen["indicator"] == set(scitech_sme.INDICATOR_CODES)
    assert seen["condition"] == set(scitech_sme.CONDITION_CODES)
    assert seen["path"] == set(scitech_sme.PATH_CODES)
    assert seen["missing"] == set(scitech_sme.MISSING_CODES)
    assert seen["change"] == set(gaps.CHANGE_KINDS)


def test_raw_json_detail_with_numbers_as_strings_is_explained_too():
    result = evaluate(EXAMPLE)
    data = result.to_json()
    for i in data["indicators"]:
        params = {k: v for k, v in i.items() if k != "detail"} | dict(i["detail"])
        assert "%(" not in explain.INDICATORS[i["code"]](params)
    for a in data["advice"]:
        for c in a["changes"]:
            params = {k: v for k, v in c.items() if k != "detail"} | dict(c["detail"])
            assert explain.CHANGES[c["kind"]](params).startswith("R&D expense of RMB 1,240,000 more")


def test_the_issues_sentence():
    (change,) = evaluate(EXAMPLE).advice[0].changes
    assert explain.CHANGES["rd_expense"](own(change)) == (
        "R&D expense of RMB 1,240,000 more in the year (R&D / sales from 3.6% to 5.0%) raises the R&D score "
        "from 20 to 40."
    )


def test_indicator_sentences_name_the_numbers():
    result = evaluate(EXAMPLE)
    tech, rd, ip = (explain.INDICATORS[i.code](own(i)) for i in result.indicators)
    assert tech == "Tech staff are 18.50% of employees (37 of 200): 8 of 20 points (band 15%)."
    assert rd == ("R&D in 2023: R&D / sales 3.60%, R&D / total costs 3.98%; the better, R&D / sales, "
                  "scores 20 of 50 points (band 3%).")
    assert ip == "2 Class II IP items and no Class I: 12 of 30 points."


@pytest.mark.parametrize(
    ("kind", "amount", "expected"),
    [
        ("class_i_ip", 1, "1 Class I IP item raises IP from 12 to 30."),
        ("class_ii_ip", 2, "2 more Class II IP items (from 2 to 4) raise IP from 12 to 24."),
        ("tech_staff", 1, "Hiring 1 more tech staff member"),
    ],
)
def test_change_sentences(kind, amount, expected):
    from bayfin.evaluation.engine.gaps import Position, change
    from bayfin.evaluation.engine.scitech_sme import score_position

    p = Position(employees=200, tech_staff=37, class_i_ip=0, class_ii_ip=2, revenue=Decimal(100),
                 rd_expense=Decimal(3), total_costs=Decimal(90))
    c = change(kind, amount, p, score_position)
    assert explain.CHANGES[kind](own(c)).startswith(expected)


def test_the_ranking_rule_is_said():
    assert "relative size" in explain.ranking_rule()
