"""Each hard requirement: it passes at its boundary, fails one step past it, and why_not names it.

Every case starts from the support defaults (a product and a query that fit) and changes only the
fields the requirement reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bayfin.matching.engine import CURRENT, build_index, match_one, why_not

from .support import CB, DAY, no_records, product, query

A = 8_000_000.0  # the amount the default query asks, in CNY


def codes(p_kw: dict[str, Any], q_kw: dict[str, Any]) -> list[str]:
    """why_not's codes for one product and query; checks the matcher agrees on pass/fail."""
    p = product(7, **p_kw)
    q = query(**q_kw)
    ix = build_index([p], CB, records=no_records(), exposure={}, version=1)
    failed = [f.code for f in why_not(ix, q, 7)]
    matched = [e.candidate.product_id for e in match_one(ix, q, CURRENT)]
    assert matched == ([] if failed else [7])
    return failed


CASES = [
    # (requirement, product fields, query fields at the boundary, query/product one step past)
    ("inactive", {"active_from": DAY}, {}, {"p": {"active_from": DAY + 1}}),
    ("inactive", {"active_until": DAY}, {}, {"p": {"active_until": DAY - 1}}),
    (
        "instrument",
        {"instrument": "equity"},
        {"instruments": frozenset({"equity"})},
        {"q": {"instruments": frozenset({"loan", "guarantee"})}},
    ),
    ("ticket", {"ticket_min": A}, {}, {"p": {"ticket_min": A + 1}}),
    ("ticket", {"ticket_max": A}, {}, {"p": {"ticket_max": A - 1}}),
    ("no_rate", {"currency": "MOP"}, {"amount": {"MOP": A}}, {"q": {"amount": {"CNY": A}}}),
    (
        "channel",
        {"channel_class": 2},
        {"channel_ok": np.array([False, False, True])},
        {"q": {"channel_ok": np.array([True, True, False])}},
    ),
    (
        "jurisdiction",
        {"jurisdictions": frozenset({"hq", "mo"})},
        {"jurisdiction": "mo"},
        {"q": {"jurisdiction": "hk"}},
    ),
    (
        "stage",
        {"stages": frozenset({"seed", "early"})},
        {"stage": "early"},
        {"q": {"stage": "growth"}},
    ),
    (
        "sector",
        {"sectors": frozenset({"ic"})},
        {"sector": "ic"},
        {"q": {"sector": "ai"}},
    ),  # the same family is not the same sector
    ("years", {"min_years": 3}, {"years_operating": 3}, {"q": {"years_operating": 2}}),
    (
        "revenue",
        {"min_revenue": 5e6, "min_revenue_currency": "CNY"},
        {"revenue": {"CNY": 5e6}},
        {"q": {"revenue": {"CNY": 5e6 - 1}}},
    ),
    (
        "revenue",
        {"min_revenue": 5e6, "min_revenue_currency": "CNY"},
        {"revenue": {"CNY": 5e6}},
        {"q": {"revenue": None}},
    ),  # undeclared revenue does not meet a minimum
    (
        "revenue",
        {"min_revenue": 5e6, "min_revenue_currency": "CNY"},
        {"revenue": {"CNY": 5e6}},
        {"q": {"revenue": {"HKD": 9e6}}},
    ),  # no rate into the minimum's currency
    (
        "certifications",
        {"required_certifications": frozenset({"iso9001", "hntc"})},
        {"certifications": frozenset({"iso9001", "hntc"})},
        {"q": {"certifications": frozenset({"hntc"})}},
    ),
    (
        "qualification",
        {"required_qualifications": frozenset({"srdi", "little_giant"})},
        {"not_qualified": frozenset({"srdi"})},  # one still undecided: passes
        {"q": {"not_qualified": frozenset({"srdi", "little_giant"})}},
    ),
    ("grade", {"min_grade": "BBB"}, {"grade": "BBB"}, {"q": {"grade": "BB"}}),
]


@pytest.mark.parametrize(("code", "p_kw", "q_kw", "past"), CASES, ids=[c[0] for c in CASES])
def test_boundary_passes_and_one_step_past_fails(
    code: str, p_kw: dict[str, Any], q_kw: dict[str, Any], past: dict[str, dict[str, Any]]
) -> None:
    assert codes(p_kw, q_kw) == []
    assert codes({**p_kw, **past.get("p", {})}, {**q_kw, **past.get("q", {})}) == [code]


def test_no_amount_skips_the_ticket() -> None:
    """A recommendation query (no amount) is not held to any ticket range or rate."""
    assert codes({"ticket_min": 1e9, "ticket_max": 2e9, "currency": "MOP"}, {"amount": None}) == []


def test_an_unknown_grade_or_undecided_status_does_not_fail() -> None:
    assert codes({"min_grade": "AAA"}, {"grade": ""}) == []
    assert codes({"required_qualifications": frozenset({"srdi"})}, {}) == []
    assert (
        codes({"required_qualifications": frozenset({"srdi"})}, {"qualified": frozenset({"srdi"})})
        == []
    )


def test_why_not_names_every_failure_in_order_with_its_params() -> None:
    p = product(
        7,
        active_from=DAY + 5,
        instrument="equity",
        ticket_min=10_000_000.0,
        stages=frozenset({"seed"}),
        min_years=5,
        min_grade="A",
    )
    q = query(instruments=frozenset({"loan"}), grade="B", years_operating=1)
    ix = build_index([p], CB, records=no_records(), exposure={}, version=1)
    failures = why_not(ix, q, 7)
    assert [f.code for f in failures] == [
        "inactive",
        "instrument",
        "ticket",
        "stage",
        "years",
        "grade",
    ]
    by_code = {f.code: f.params for f in failures}
    assert by_code["ticket"] == {
        "amount": A,
        "currency": "CNY",
        "min": 10_000_000.0,
        "max": 20_000_000.0,
    }
    assert by_code["stage"] == {"stage": "early", "allowed": ["seed"]}
    assert by_code["years"] == {"years": 1, "min_years": 5}
    assert by_code["grade"] == {"grade": "B", "min_grade": "A"}
    assert by_code["inactive"]["active_from"] == DAY + 5


def test_why_not_for_a_product_not_in_the_index() -> None:
    ix = build_index([product(7)], CB, records=no_records(), exposure={}, version=1)
    with pytest.raises(KeyError):
        why_not(ix, query(), 8)
