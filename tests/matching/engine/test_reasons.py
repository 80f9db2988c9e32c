"""Reasons: codes and parameters (never words), built only for the top k, with the scope a
reason rests on."""

from __future__ import annotations

from unittest import mock

import numpy as np

from bayfin.matching.engine import (
    CURRENT,
    QueryBatch,
    Reason,
    RecordTable,
    build_index,
    explain,
    match_one,
)
from bayfin.matching.engine import match as engine_match

from .support import CB, DAY, no_records, product, query, unit


def reasons_by_code(reasons: tuple[Reason, ...]) -> dict[str, Reason]:
    return {r.code: r for r in reasons}


def test_reasons_are_built_only_for_the_top_k() -> None:
    rows = [product(pid) for pid in range(1, 31)]
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    with mock.patch.object(engine_match, "_reasons", wraps=engine_match._reasons) as spy:
        out = match_one(ix, query(), CURRENT, k=3)
    assert len(out) == 3
    assert spy.call_count == 3
    assert sorted(call.args[2] for call in spy.call_args_list) == [0, 1, 2]  # columns of 1, 2, 3
    with mock.patch.object(engine_match, "_reasons", wraps=engine_match._reasons) as spy:
        out = match_one(ix, query(), CURRENT, k=3, explain=False)
    assert spy.call_count == 0
    assert all(e.reasons == () for e in out)


def test_public_reasons_from_the_profile_and_the_request() -> None:
    shape = (1, len(CB.sectors), len(CB.stages))
    f, n = np.zeros(shape), np.zeros(shape)
    f[0, CB.sectors.index("ic"), CB.stages.index("early")] = 2.0
    n[0, CB.sectors.index("ic"), CB.stages.index("early")] = 3.0
    records = RecordTable(np.array([100], dtype=np.int64), f, n, 0.3)
    p = product(
        7,
        focus_sectors=frozenset({"ic"}),
        stages=frozenset({"early"}),
        ticket_min=5e6,
        term_min=12,
        term_max=36,
        channel_class=1,
        embedding=unit(1, 0),
    )
    ix = build_index([p, product(8)], CB, records=records, exposure={7: 0, 8: 9}, version=1)
    (e,) = [
        x
        for x in match_one(ix, query(term_months=24, embedding=unit(1, 0.05)), CURRENT)
        if x.candidate.product_id == 7
    ]
    r = reasons_by_code(e.reasons)
    assert r["sector_same"] == Reason("sector_same", "sector", None, {"sector": "ic"})
    assert r["stage_fit"].params == {"stage": "early"}
    assert r["ticket_covers"].params == {"amount": 8e6, "currency": "CNY", "min": 5e6, "max": 20e6}
    assert r["term_within"].params == {"term": 24, "min": 12, "max": 36}
    assert r["thesis_close"].part == "semantic" and r["thesis_close"].params["similarity"] > 0.99
    assert r["record"].params == {"funded": 2.0, "deals": 3.0}
    assert r["low_exposure"].part == "load"
    assert r["channel"] == Reason("channel", None, None, {"channel_class": 1})
    assert all(x.scope is None for x in e.reasons)
    # the score parts come first, by contribution (semantic 0.30 x 1 leads)
    assert e.reasons[0].code == "thesis_close"
    assert [x.part for x in e.reasons][-1] is None


def test_family_near_term_and_no_thesis_reason_below_half() -> None:
    p = product(
        7,
        focus_sectors=frozenset({"ai"}),
        term_min=12,
        term_max=36,
        embedding=unit(0.3, 1),  # cosine ~0.29 with unit(1, 0): semantic part < 0.5
    )
    ix = build_index([p], CB, records=no_records(), exposure={}, version=1)
    (e,) = match_one(ix, query(term_months=40, embedding=unit(1, 0)), CURRENT)
    r = reasons_by_code(e.reasons)
    assert r["sector_family"].params == {"sector": "ic", "family": "tech"}
    assert r["term_near"].params == {"term": 40, "min": 12, "max": 36}
    assert "thesis_close" not in r
    assert "record" not in r  # no funded deal
    assert "low_exposure" not in r  # no previous batch


def test_met_requirements_on_private_data_carry_their_scope() -> None:
    p = product(
        7,
        min_years=2,
        required_certifications=frozenset({"hntc"}),
        min_revenue=1e6,
        min_revenue_currency="CNY",
        required_qualifications=frozenset({"srdi", "little_giant"}),
        min_grade="BBB",
    )
    q = query(
        years_operating=4,
        certifications=frozenset({"hntc", "iso9001"}),
        revenue={"CNY": 3e6},
        qualified=frozenset({"little_giant"}),
        grade="A",
    )
    ix = build_index([p], CB, records=no_records(), exposure={}, version=1)
    (e,) = match_one(ix, q, CURRENT)
    r = reasons_by_code(e.reasons)
    assert r["years_ok"] == Reason("years_ok", None, "profile", {"min_years": 2})
    assert r["certifications_ok"] == Reason(
        "certifications_ok", None, "profile", {"certs": ["hntc"]}
    )
    assert r["revenue_ok"] == Reason(
        "revenue_ok", None, "statements", {"min": 1e6, "currency": "CNY"}
    )
    assert r["qualification_ok"] == Reason(
        "qualification_ok", None, "evaluation", {"qualifications": ["little_giant"]}
    )
    assert r["grade_ok"] == Reason("grade_ok", None, "credit", {"min_grade": "BBB"})


def test_no_private_reason_when_the_requirement_was_not_tested() -> None:
    """An undecided status or an unknown grade passes, but is not claimed as met."""
    p = product(7, required_qualifications=frozenset({"srdi"}), min_grade="BBB")
    ix = build_index([p], CB, records=no_records(), exposure={}, version=1)
    (e,) = match_one(ix, query(grade=""), CURRENT)
    codes = {x.code for x in e.reasons}
    assert not codes & {"qualification_ok", "grade_ok", "revenue_ok"}


def test_explain_given_products_and_batch_rows_back_as_queries() -> None:
    rows = [product(pid, active_until=DAY if pid == 3 else None) for pid in (1, 2, 3)]
    rows.append(product(4, instrument="equity"))
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    q = query(instruments=frozenset({"loan"}), embedding=unit(1, 2), term_months=12)
    qb = QueryBatch.from_queries([q], CB)
    back = qb.row(0, CB)
    assert back == q
    assert np.array_equal(back.embedding, q.embedding)
    out = explain(ix, back, [3, 1, 4, 99], CURRENT)  # 4 fails, 99 is unknown
    assert [e.candidate.product_id for e in out] == [1, 3]
    assert [e.candidate for e in out] == [e.candidate for e in match_one(ix, q, CURRENT)[::2]]
    assert all(e.reasons for e in out)
