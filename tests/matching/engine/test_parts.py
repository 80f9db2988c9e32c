"""Each part of the soft score on hand-computed cases, and the score as their weighted sum."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from bayfin.matching.engine import (
    CURRENT,
    PARTS,
    WEIGHTS,
    RecordTable,
    Weights,
    build_index,
    match_one,
)

from .support import CB, no_records, product, query, unit

W = CURRENT


def parts_of(
    p_kw: dict[str, Any] | None = None,
    q_kw: dict[str, Any] | None = None,
    *,
    rows: list[Any] | None = None,
    records: RecordTable | None = None,
    exposure: dict[int, int] | None = None,
    w: Weights = W,
) -> dict[str, float]:
    """The parts of product 7 for the query."""
    rows = rows or []
    ix = build_index(
        [product(7, **(p_kw or {})), *rows],
        CB,
        records=records or no_records(),
        exposure=exposure or {},
        version=1,
    )
    out = {
        e.candidate.product_id: e.candidate for e in match_one(ix, query(**(q_kw or {})), w, k=50)
    }
    return out[7].parts


def _vec_at_cos(c: float) -> np.ndarray:
    """A unit vector whose cosine with unit(1, 0) is c (2-dimensional)."""
    return unit(c, math.sqrt(1 - c * c))


# --- semantic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cos", "part"), [(0.05, 0.0), (0.10, 0.0), (0.35, 0.5), (0.60, 1.0), (0.9, 1.0)]
)
def test_semantic_maps_floor_to_ceiling_onto_0_to_1(cos: float, part: float) -> None:
    got = parts_of({"embedding": _vec_at_cos(cos)}, {"embedding": unit(1, 0)})["semantic"]
    assert got == pytest.approx(part, abs=1e-6)


def test_semantic_is_neutral_when_a_side_has_no_embedding() -> None:
    assert parts_of({"embedding": None}, {"embedding": unit(1, 0)})["semantic"] == W.neutral
    assert parts_of({"embedding": unit(1, 0)}, {"embedding": None})["semantic"] == W.neutral


# --- sector --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("focus", "sector", "part"),
    [
        ({"ic"}, "ic", 1.0),
        ({"ai", "fintech"}, "ic", W.family),  # ai is in ic's family (tech)
        ({"biotech"}, "ic", 0.0),
        (set(), "ic", W.neutral),  # no focus
        ({"ic"}, "", W.neutral),  # the query's sector is unknown
    ],
)
def test_sector_same_family_unrelated(focus: set[str], sector: str, part: float) -> None:
    assert parts_of({"focus_sectors": frozenset(focus)}, {"sector": sector})["sector"] == part


# --- stage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stages", "stage", "part"),
    [
        ({"early"}, "early", 1.0),
        ({"seed", "early", "growth"}, "early", 1.0),  # the centre
        ({"seed", "early", "growth"}, "seed", 1 - 1 / 3),
        ({"seed", "growth", "mature"}, "seed", 1 - (5 / 3) / 4),  # centre 5/3, width 4
        (set(), "early", W.neutral),
    ],
)
def test_stage_fit_around_the_centre(stages: set[str], stage: str, part: float) -> None:
    assert parts_of({"stages": frozenset(stages)}, {"stage": stage})["stage"] == pytest.approx(part)


# --- ticket --------------------------------------------------------------------------------


V1, V2 = WEIGHTS["2026.11-1"], WEIGHTS["2026.11-2"]


@pytest.mark.parametrize(
    ("lo", "hi", "amount", "v1", "v2"),
    [
        # 2026.11-1: 1 - |ln a - mid| / half; 2026.11-2: 0.5 + 0.5 x that (an end still fits)
        (1e6, 100e6, 10e6, 1.0, 1.0),  # the geometric middle
        (1e6, 100e6, 1e6, 0.0, 0.5),  # an end
        (1e6, 100e6, 100e6, 0.0, 0.5),
        (1e6, 100e6, 1e7 * 10**0.25, 0.75, 0.875),  # a quarter of the half-range from the middle
        (1e6, 100e6, 1e6 * 10**0.25, 0.25, 0.625),  # a quarter of the half-range from the end
        (0.0, 1e9, 1e6 * 10**1.5, 1.0, 1.0),  # lo' = max/1000 = 1e6: middle 10^7.5
        (0.0, 1e9, 1e6, 0.0, 0.5),  # lo' = 1e6: the effective end
        (5e6, 5e6, 5e6, 1.0, 1.0),  # a single-point range
    ],
)
def test_ticket_fit_on_a_log_scale(
    lo: float, hi: float, amount: float, v1: float, v2: float
) -> None:
    for w, part in ((V1, v1), (V2, v2)):
        got = parts_of(
            {"ticket_min": lo, "ticket_max": hi},
            {"amount": {"CNY": amount}},
            w=w,
        )["ticket"]
        assert got == pytest.approx(part, abs=1e-9), w.version


@pytest.mark.parametrize("w", [V1, V2], ids=lambda w: w.version)
def test_ticket_is_neutral_without_an_amount(w: Weights) -> None:
    # the floor lifts a fit inside the range; a recommendation with no amount stays neutral
    assert parts_of({}, {"amount": None}, w=w)["ticket"] == w.neutral


def test_at_the_end_of_its_range_a_product_keeps_half_its_ticket_weight() -> None:
    """Request 263's case: a first choice whose RMB 60m maximum is the amount asked, against an
    otherwise equal product with the amount in the middle of its range."""
    ix = build_index(
        [
            product(1, ticket_min=20e6, ticket_max=60e6),  # the amount at its maximum
            product(2, ticket_min=6e6, ticket_max=600e6),  # the amount at its middle
        ],
        CB,
        records=no_records(),
        exposure={},
        version=1,
    )
    q = query(amount={"CNY": 60e6})
    for w, ticket_gap in ((V1, 1.0), (V2, 0.5)):
        score = {e.candidate.product_id: e.candidate.score for e in match_one(ix, q, w)}
        assert score[2] - score[1] == pytest.approx(w.ticket * ticket_gap), w.version


# --- term ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tmin", "tmax", "term", "part"),
    [
        (12, 36, 12, 1.0),
        (12, 36, 36, 1.0),
        (12, 36, 42, 0.5),  # 6 months past, decay 12
        (12, 36, 0, 0.0),  # 12 months short
        (None, 36, 1, 1.0),  # an open bound
        (12, None, 600, 1.0),
    ],
)
def test_term_inside_and_decaying_outside(
    tmin: int | None, tmax: int | None, term: int, part: float
) -> None:
    got = parts_of({"term_min": tmin, "term_max": tmax}, {"term_months": term})["term"]
    assert got == pytest.approx(part)


def test_term_is_neutral_without_a_term() -> None:
    assert parts_of({"term_min": 12, "term_max": 36}, {"term_months": None})["term"] == W.neutral


# --- record --------------------------------------------------------------------------------


def _records(f: float, n: float, rate: float | None) -> RecordTable:
    shape = (1, len(CB.sectors), len(CB.stages))
    fa, na = np.zeros(shape), np.zeros(shape)
    s, t = CB.sectors.index("ic"), CB.stages.index("early")
    fa[0, s, t], na[0, s, t] = f, n
    return RecordTable(np.array([100], dtype=np.int64), fa, na, rate)


def test_record_is_smoothed_towards_the_platform_rate() -> None:
    # institution 100 funded 3 of its 4 weighted deals with ic / early enterprises; platform 20 %
    got = parts_of({}, {}, records=_records(3.0, 4.0, 0.2))["record"]
    assert got == pytest.approx((3.0 + 5.0 * 0.2) / (4.0 + 5.0))


def test_a_new_institution_gets_the_platform_rate() -> None:
    got = parts_of({"institution_id": 999}, {}, records=_records(3.0, 4.0, 0.2))["record"]
    assert got == pytest.approx(0.2)


def test_no_deals_on_the_platform_at_all_is_neutral() -> None:
    assert parts_of({}, {}, records=_records(0.0, 0.0, None))["record"] == pytest.approx(W.neutral)


# --- load ----------------------------------------------------------------------------------


def test_load_falls_with_exposure_relative_to_the_mean() -> None:
    rows = [product(8), product(9)]
    exposure = {7: 6, 8: 0, 9: 3}  # mean 3
    assert parts_of({}, {}, rows=rows, exposure=exposure)["load"] == pytest.approx(1 / (1 + 6 / 3))
    # a mean below 1 counts as 1
    assert parts_of({}, {}, rows=rows, exposure={7: 1})["load"] == pytest.approx(1 / 2)


def test_no_previous_batch_gives_full_load_part() -> None:
    assert parts_of({}, {})["load"] == 1.0


# --- the score -----------------------------------------------------------------------------


def test_score_is_the_weighted_sum_of_the_parts_rounded_to_1e9() -> None:
    ix = build_index(
        [
            product(
                7,
                focus_sectors=frozenset({"ai"}),
                stages=frozenset({"early", "growth"}),
                term_min=6,
                term_max=24,
                embedding=_vec_at_cos(0.3),
            )
        ],
        CB,
        records=_records(1.0, 3.0, 0.25),
        exposure={7: 2},
        version=1,
    )
    (e,) = match_one(ix, query(term_months=30, embedding=unit(1, 0)), W)
    c = e.candidate
    assert list(c.parts) == list(PARTS)
    assert all(0.0 <= v <= 1.0 for v in c.parts.values())
    total = sum(getattr(W, name) * c.parts[name] for name in PARTS)
    assert c.score == pytest.approx(total, abs=1e-9)
    assert c.score == round(c.score, 9)


def test_weights_are_versioned_and_validated() -> None:
    assert WEIGHTS[W.version] is W
    assert W.version == "2026.11-2"
    # 2026.11-1 stays reproducible: the same weights, with the ticket part not floored
    assert V1.ticket_floor == 0.0 and V2.ticket_floor == 0.5
    assert {k: v for k, v in V1.as_dict().items() if k not in ("version", "ticket_floor")} == {
        k: v for k, v in V2.as_dict().items() if k not in ("version", "ticket_floor")
    }
    for w in WEIGHTS.values():
        assert sum(w.part_weights().values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ticket_floor"):
        Weights(ticket_floor=1.5)
    assert sum(W.part_weights().values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        Weights(semantic=0.5)
    with pytest.raises(ValueError, match="floor"):
        Weights(semantic_floor=0.7)
    with pytest.raises(ValueError, match=">= 0"):
        Weights(semantic=-0.1, load=0.5)
