"""The quality evaluation: the metrics on hand-computed cases, the baselines, the scenario format's
errors (each naming its field), the channels and conversions a file implies, and the command
printing its table for the shipped set and for a small file in the format's other layout."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bayfin.matching import evaluation
from bayfin.matching.engine import CURRENT, RecordTable, build_index, why_not
from bayfin.matching.engine.evaluate import (
    OVERALL,
    Scenario,
    dcg_at_k,
    evaluate,
    ideal_precision_at_k,
    ndcg_at_k,
    precision_at_k,
    rank_embeddings,
    rank_filters,
    ticket_fit,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "matching"
MAIN = DATA / "scenarios.json"
SMALL = DATA / "scenarios_small.json"


def fake_encode(texts: list[str]) -> np.ndarray:
    """Deterministic unit vectors, one per text; texts that share the word 'chip' (or 芯片) are close."""
    out = np.zeros((len(texts), 512))
    for i, t in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:4], "little")
        out[i] = np.random.default_rng(seed).normal(0, 0.05, 512)
        if "chip" in t.lower() or "芯片" in t or "集成电路" in t:
            out[i, 0] += 1.0
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


# --------------------------------------------------------------------------- metrics


def test_precision_counts_relevant_in_the_first_k_over_k() -> None:
    rel = {2: 1, 5: 2, 9: 1}
    assert precision_at_k([1, 2, 3, 4, 5, 9], rel, 5) == pytest.approx(2 / 5)
    # a short list is not padded with credit
    assert precision_at_k([9], rel, 5) == pytest.approx(1 / 5)
    assert precision_at_k([], rel, 5) == 0.0
    assert ideal_precision_at_k(rel, 5) == pytest.approx(3 / 5)
    assert ideal_precision_at_k({1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}, 5) == 1.0
    with pytest.raises(ValueError):
        precision_at_k([1], rel, 0)


def test_ndcg_with_graded_relevance_by_hand() -> None:
    # ranked 3, 1, 2 with grades 0, 2, 1: DCG = 3/log2(3) + 1/log2(4); ideal 3/log2(2) + 1/log2(3)
    rel = {1: 2, 2: 1}
    dcg = 3 / math.log2(3) + 1 / 2
    idcg = 3 + 1 / math.log2(3)
    assert dcg_at_k([0, 2, 1], 3) == pytest.approx(dcg)
    assert ndcg_at_k([3, 1, 2], rel, 3) == pytest.approx(dcg / idcg)  # 0.659
    assert ndcg_at_k([1, 2], rel, 10) == pytest.approx(1.0)
    assert ndcg_at_k([2, 1], rel, 10) == pytest.approx((1 + 3 / math.log2(3)) / idcg)
    # cut at k: the grade-2 product at rank 3 does not count at k = 2
    assert ndcg_at_k([7, 2, 1], rel, 2) == pytest.approx((1 / math.log2(3)) / idcg)
    assert ndcg_at_k([1, 2], {}, 10) == 0.0


def test_ticket_fit_is_one_in_the_log_middle_and_zero_at_the_ends() -> None:
    assert ticket_fit(math.sqrt(1e6 * 1e8), 1e6, 1e8) == pytest.approx(1.0)
    assert ticket_fit(1e6, 1e6, 1e8) == pytest.approx(0.0)
    assert ticket_fit(1e8, 1e6, 1e8) == pytest.approx(0.0)
    assert ticket_fit(10**6.5, 1e6, 1e8) == pytest.approx(0.5)  # half way to the end, in decades
    assert ticket_fit(5e8, 1e6, 1e8) == 0.0  # outside: clipped
    # an open minimum counts from max / 1000
    mid, half = (math.log(1e4) + math.log(1e7)) / 2, (math.log(1e7) - math.log(1e4)) / 2
    assert ticket_fit(5e6, 0, 1e7) == pytest.approx(1 - abs(math.log(5e6) - mid) / half)
    assert ticket_fit(3e6, 3e6, 3e6) == 1.0  # a single-value ticket


# --------------------------------------------------------------------------- the small file, by hand


@pytest.fixture(scope="module")
def small() -> evaluation.ScenarioFile:
    return evaluation.load(SMALL)


def small_index(sf: evaluation.ScenarioFile) -> tuple[Any, list[Scenario]]:
    cb, rows, scenarios = evaluation.build(sf, encode=fake_encode)
    return build_index(rows, cb, records=RecordTable.empty(cb), exposure={}, version=1), scenarios


def test_the_nested_layout_loads(small: evaluation.ScenarioFile) -> None:
    assert [p.id for p in small.products] == [1, 2, 3, 4, 5]
    assert [p.institution for p in small.products] == [1, 1, 2, 2, 3]
    r1, r2, r3, r4 = small.requests
    assert r1.enterprise.years_operating == 4 and r1.enterprise.id == 1  # inline: the request's id
    assert r3.enterprise.id == 30 and r3.amount is None
    assert r3.instruments == frozenset(evaluation.Instrument.values)  # left out: every instrument
    assert r1.relevance == {3: 2, 2: 1}
    assert r4.relevance == {}


def test_conversion_uses_the_files_rates(small: evaluation.ScenarioFile) -> None:
    amount = small.convert(*small.requests[1].amount)  # HKD 1.4m
    assert amount["HKD"] == pytest.approx(1_400_000)
    assert amount["MOP"] == pytest.approx(1_400_000 * 0.1282 / 0.1245)
    assert amount["CNY"] == pytest.approx(1_400_000 * 0.1282 / 0.1408)
    assert "EUR" not in amount  # no rate: the engine's no_rate


def test_channels_from_flags_codes_and_the_seeded_rules(small: evaluation.ScenarioFile) -> None:
    r1, r2, r3, _ = small.requests
    p1, p2, p3, p4, p5 = small.products
    # a Macao bank's CNY loan to Hengqin: the cross-border RMB loan channel, the only one it lists
    assert evaluation.channel_open(small, p2, r1)
    assert not evaluation.channel_open(small, p2, r2)
    assert evaluation.channel_open(small, p1, r1)  # a MOP loan to Hengqin: cross-border direct loan
    assert evaluation.channel_open(small, p1, r2)  # local Macao financing
    # true / false flags
    assert evaluation.channel_open(small, p3, r2)
    assert not evaluation.channel_open(small, p4, r1)
    sf = evaluation.parse(json.loads(MAIN.read_text(encoding="utf-8")), path="main")
    by_id = {p.id: p for p in sf.products}
    req = {r.id: r for r in sf.requests}
    # a Zhuhai bank may lend to a Macao company (Mainland bank to Macao), a Hengqin leasing company
    # may not; a Macao bank's MOP loan reaches Hengqin (cross-border direct loan)
    assert evaluation.channel_open(sf, by_id[12], req[204])
    assert not evaluation.channel_open(sf, by_id[35], req[204])
    assert evaluation.channel_open(sf, by_id[9], req[253])
    # a Hengqin company asking in patacas: no channel carries a Mainland bank's RMB loan to it
    assert not evaluation.channel_open(sf, by_id[17], req[253])


def test_the_baselines_and_the_run_on_the_small_file_by_hand(small: Any) -> None:
    index, scenarios = small_index(small)
    s1, s2, s3, s4 = scenarios
    # request 1: products 2 and 3 pass; both tickets put RMB 10m at the same log distance from
    # their middles (sqrt(2m x 20m) and sqrt(5m x 50m)), so the tie goes to the lower id
    assert rank_filters(index, s1.query, 10) == [2, 3]
    assert rank_filters(index, s2.query, 10) == [1]  # HKD 1.4m = MOP 1.44m
    # no amount: the ticket part is neutral, so by id; product 4 has no channel
    assert rank_filters(index, s3.query, 10) == [2, 5]
    assert rank_filters(index, s4.query, 10) == []  # HKD 5m = RMB 4.55m < 5m
    assert [f.code for f in why_not(index, s4.query, 3)] == ["ticket"]
    assert [f.code for f in why_not(index, s3.query, 4)] == ["channel"]
    # embeddings only: every product, no filters; product 5 has no thesis and comes last
    emb = rank_embeddings(index, s1.query, 10)
    assert sorted(emb) == [1, 2, 3, 4, 5] and emb[-1] == 5 and set(emb[:2]) == {2, 3}

    ev = evaluate(index, scenarios, CURRENT)
    assert ev.skipped == (4,)
    assert ev.inconsistencies == ()
    by_id = {r.request_id: r for r in ev.scenarios}
    assert by_id[1].precision["filters"] == pytest.approx(2 / 5)
    idcg = 3 + 1 / math.log2(3)
    assert by_id[1].ndcg["filters"] == pytest.approx((1 + 3 / math.log2(3)) / idcg)
    assert by_id[2].ndcg["filters"] == 1.0
    assert by_id[3].ndcg["filters"] == pytest.approx(1 / math.log2(3))
    assert sorted(by_id[1].ranking["engine"]) == [2, 3]  # the engine passes what why_not passes
    rows = {r.category: r for r in ev.rows}
    assert [r.category for r in ev.rows] == [OVERALL, "chips", "macao", "recommendation"]
    assert rows[OVERALL].n == 3 and rows["chips"].n == 1
    assert rows[OVERALL].precision["filters"] == pytest.approx((0.4 + 0.2 + 0.2) / 3)
    assert rows[OVERALL].ideal_precision == pytest.approx((0.4 + 0.2 + 0.2) / 3)


# --------------------------------------------------------------------------- format errors


def minimal() -> dict[str, Any]:
    return {
        "date": "2026-12-01",
        "rates": {"CNY": "1", "MOP": "0.8864"},
        "institutions": [
            {"id": 1, "name": "Bank", "kind": "commercial_bank", "jurisdiction": "zhuhai"}
        ],
        "products": [
            {
                "id": 1,
                "institution": 1,
                "name": "Loan",
                "instrument": "credit_loan",
                "currency": "CNY",
                "ticket_min": "100000",
                "ticket_max": "3000000",
            }
        ],
        "enterprises": [
            {
                "id": 1,
                "name": "Co",
                "jurisdiction": "zhuhai",
                "sector": "iot",
                "stage": "seed",
                "founded": "2020-01-01",
            }
        ],
        "requests": [
            {"id": 1, "enterprise": 1, "amount": "500000", "currency": "CNY", "relevant": [1]}
        ],
    }


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(evaluation.ScenarioError) as exc:
        evaluation.parse(data)
    return dict(exc.value.errors)


def test_the_minimal_file_is_valid() -> None:
    sf = evaluation.parse(minimal())
    assert sf.requests[0].enterprise.years_operating == 6


@pytest.mark.parametrize(
    ("edit", "path", "reason"),
    [
        (
            lambda d: d["products"][0].__setitem__("ticket_max", 3000000.5),
            "products[0].ticket_max",
            "amounts are strings",
        ),
        (
            lambda d: d["products"][0].__setitem__("ticket_min", "lots"),
            "products[0].ticket_min",
            "is not an amount",
        ),
        (
            lambda d: d["products"][0].__setitem__("ticket_min", "5000000"),
            "products[0].ticket_max",
            "is below ticket_min",
        ),
        (
            lambda d: d["products"][0].__setitem__("sectors", ["chips"]),
            "products[0].sectors[0]",
            "unknown sector 'chips'",
        ),
        (
            lambda d: d["products"][0].__setitem__("min_grade", "BBB-"),
            "products[0].min_grade",
            "unknown grade",
        ),
        (
            lambda d: d["products"][0].__setitem__("colour", "red"),
            "products[0].colour",
            "unknown field",
        ),
        (lambda d: d["products"][0].pop("instrument"), "products[0].instrument", "is required"),
        (
            lambda d: d["products"][0].__setitem__("institution", 7),
            "products[0].institution",
            "no institution with id 7",
        ),
        (
            lambda d: d["products"][0].update(channel=True, channels=["domestic-mainland"]),
            "products[0].channels",
            "not both",
        ),
        (
            lambda d: d["products"][0].__setitem__("channels", ["teleport"]),
            "products[0].channels[0]",
            "unknown channel",
        ),
        (
            lambda d: d["products"][0].__setitem__("active_until", "2026-13-01"),
            "products[0].active_until",
            "is not a date",
        ),
        (
            lambda d: d["products"].append(copy.deepcopy(d["products"][0])),
            "products[1].id",
            "defined twice",
        ),
        (
            lambda d: d["enterprises"][0].__setitem__("founded", "2027-01-01"),
            "enterprises[0].founded",
            "after the file's date",
        ),
        (
            lambda d: d["enterprises"][0].update(qualified=["hnte"], not_qualified=["hnte"]),
            "enterprises[0].not_qualified",
            "also in qualified",
        ),
        (
            lambda d: d["enterprises"][0].__setitem__("years_operating", 3),
            "enterprises[0]",
            'either "founded"',
        ),
        (
            lambda d: d["requests"][0].__setitem__("enterprise", 9),
            "requests[0].enterprise",
            "no enterprise with id 9",
        ),
        (lambda d: d["requests"][0].pop("currency"), "requests[0]", 'both "amount" and "currency"'),
        (
            lambda d: d["requests"][0].__setitem__("currency", "BTC"),
            "requests[0].currency",
            "unknown currency",
        ),
        (
            lambda d: d["requests"][0].__setitem__("relevant", [5]),
            "requests[0].relevant[0]",
            "no product with id 5",
        ),
        (
            lambda d: d["requests"][0].__setitem__("relevant", [{"id": 1, "grade": 4}]),
            "requests[0].relevant[0].grade",
            "at most 3",
        ),
        (
            lambda d: d["requests"][0].__setitem__("relevant", [1, {"id": 1}]),
            "requests[0].relevant[1]",
            "listed twice",
        ),
        (
            lambda d: d["requests"][0].__setitem__("tags", ["overall"]),
            "requests[0].tags",
            "reserved",
        ),
        (
            lambda d: d["requests"][0].__setitem__("instruments", []),
            "requests[0].instruments",
            "at least one instrument",
        ),
        (
            lambda d: d["requests"][0].__setitem__("term_months", "24"),
            "requests[0].term_months",
            "whole number",
        ),
        (lambda d: d["rates"].__setitem__("MOP", 0.8864), "rates.MOP", "strings"),
        (lambda d: d["rates"].__setitem__("XYZ", "1"), "rates.XYZ", "unknown currency"),
        (lambda d: d.__setitem__("format", "v2"), "format", "must be"),
        (lambda d: d.pop("date"), "(file).date", "is required"),
        (lambda d: d.__setitem__("requests", []), "requests", "non-empty list"),
    ],
)
def test_format_errors_name_the_field_and_the_reason(edit: Any, path: str, reason: str) -> None:
    data = minimal()
    edit(data)
    errors = errors_of(data)
    assert path in errors, errors
    assert reason in errors[path]


def test_every_error_is_reported_at_once() -> None:
    data = minimal()
    data["products"][0]["currency"] = "XXX"
    data["enterprises"][0]["sector"] = "mining"
    data["requests"][0]["relevant"] = "1"
    assert {"products[0].currency", "enterprises[0].sector", "requests[0].relevant"} <= set(
        errors_of(data)
    )


def test_unreadable_and_non_json_files(tmp_path: Path) -> None:
    with pytest.raises(evaluation.ScenarioError, match="cannot be read"):
        evaluation.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"date": "2026-12-01",', encoding="utf-8")
    with pytest.raises(evaluation.ScenarioError, match="is not JSON"):
        evaluation.load(bad)
    with pytest.raises(evaluation.ScenarioError, match="must be an object"):
        evaluation.parse([1, 2])


def test_the_example_in_the_docs_is_a_valid_file() -> None:
    doc = (ROOT / "docs" / "matching.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    sf = evaluation.parse(json.loads(example))
    assert [p.id for p in sf.products] == [21, 24] and sf.requests[0].relevance == {21: 2, 24: 2}


# --------------------------------------------------------------------------- the shipped set


def test_the_shipped_set_is_what_the_docs_promise() -> None:
    sf = evaluation.load(MAIN)
    assert len(sf.requests) >= 60
    assert 30 <= len(sf.products) <= 60
    tags = {t for r in sf.requests for t in r.tags}
    assert {"cross_language", "near_miss", "sector_family", "cross_border"} <= tags
    assert all(r.relevance for r in sf.requests)
    kinds = {i.kind for i in sf.institutions.values()}
    assert {
        "macao_bank",
        "guarantee_company",
        "qflp_fund",
        "guidance_fund",
        "venture_capital",
    } <= kinds
    assert {p.instrument for p in sf.products} >= {
        "ip_pledge_loan",
        "factoring",
        "financial_leasing",
    }


def test_labels_never_name_a_product_that_fails_its_own_requirements_but_one() -> None:
    """A loan officer does not propose a product whose stated requirement the enterprise misses;
    the one exception in the set is request 253 (an officer offers RMB to a company that asked in
    patacas, and the channel rule takes the asked currency literally)."""
    sf = evaluation.load(MAIN)
    index, scenarios = small_index(sf)
    failing = {
        (s.request_id, pid): [f.code for f in why_not(index, s.query, pid)]
        for s in scenarios
        for pid in s.relevance
        if why_not(index, s.query, pid)
    }
    assert failing == {(253, 17): ["channel"]}


# --------------------------------------------------------------------------- the command


def test_run_prints_the_table_for_the_shipped_set() -> None:
    out = io.StringIO()
    assert evaluation.run({"scenarios": str(MAIN)}, out) == 0
    text = out.getvalue()
    assert "| **overall** | 65 |" in text
    for header in (
        "P@5 engine",
        "P@5 filters+ticket",
        "P@5 embeddings",
        "nDCG@10 engine",
        "P@5 ceiling",
    ):
        assert header in text
    for tag in ("cross_language", "near_miss", "sector_family"):
        assert f"| {tag} |" in text


def test_run_accepts_the_other_layout_and_prints_json() -> None:
    out = io.StringIO()
    assert evaluation.run({"scenarios": str(SMALL), "json_output": True}, out) == 0
    data = json.loads(out.getvalue())
    assert data["requests"] == 4 and data["skipped"] == [4]
    assert [r["category"] for r in data["rows"]] == [OVERALL, "chips", "macao", "recommendation"]
    assert data["rows"][0]["precision"]["filters"] == pytest.approx(0.8 / 3)


def test_run_reports_format_errors_with_exit_code_2(tmp_path: Path) -> None:
    data = minimal()
    data["products"][0]["ticket_max"] = 3000000.5
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    assert evaluation.run({"scenarios": str(path)}, out) == 2
    assert "products[0].ticket_max: amounts are strings" in out.getvalue()


def test_the_default_path_is_the_shipped_set() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    evaluation.add_arguments(parser)
    options = vars(parser.parse_args([]))
    assert Path(options["scenarios"]) == evaluation.DEFAULT_PATH
    assert options["json_output"] is False and options["weights"] is None


def test_the_management_command_delegates_to_the_evaluation() -> None:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("matching", "evaluate", str(SMALL), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["products"] == 5 and data["rows"][0]["category"] == OVERALL

    out = io.StringIO()
    call_command("matching", "evaluate", str(SMALL), stdout=out)
    assert (
        "| **overall** | 3 |" in out.getvalue()
        and "Not scored (no relevant product): requests 4" in out.getvalue()
    )

    with pytest.raises(CommandError):
        call_command("matching", "evaluate", str(DATA / "missing.json"), stdout=io.StringIO())
