"""Engine = reference on random data: the same candidates in the same order (ties by product id),
scores within 1e-6; match_batch = match_one; an updated index = a rebuilt one.

The random worlds are small (a few codes per list, up to 30 products, 8-dimensional embeddings
drawn from a pool of 4 so that equal products and exact ties are common).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayfin.matching.engine import (
    Codebook,
    ProductRow,
    Query,
    QueryBatch,
    RecordTable,
    Weights,
    build_index,
    match_batch,
    match_one,
    update_index,
    why_not,
)
from bayfin.matching.engine import match as engine_match
from bayfin.matching.engine.index import ProductIndex

from . import reference

DAY = 739_000
DIM = 8
_rng = np.random.default_rng(8)
POOL = [(v / np.linalg.norm(v)).astype(np.float32) for v in _rng.normal(size=(4, DIM))] + [
    (np.ones(DIM) / np.sqrt(DIM)).astype(np.float32)
]
MONEY = [0.0, 1.0, 500.0, 1_000.0, 20_000.0, 1_000_000.0, 5_000_000.0, 20_000_000.0]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class World:
    cb: Codebook
    rows: list[ProductRow]
    queries: list[Query]
    records: RecordTable
    exposure: dict[int, int]
    w: Weights
    k: int


def _codes(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(n))


def _subset(draw: Any, codes: tuple[str, ...], empty_bias: bool = True) -> frozenset[str]:
    if empty_bias and draw(st.booleans()):
        return frozenset()
    return frozenset(draw(st.lists(st.sampled_from(codes), max_size=len(codes))))


@st.composite
def worlds(draw: Any) -> World:
    n_sec = draw(st.integers(1, 5))
    families = _codes("f", draw(st.integers(1, 3)))
    cb = Codebook(
        instruments=_codes("i", draw(st.integers(1, 3))),
        sectors=_codes("s", n_sec),
        sector_family=tuple(draw(st.sampled_from(families)) for _ in range(n_sec)),
        stages=_codes("t", draw(st.integers(1, 5))),
        jurisdictions=_codes("j", draw(st.integers(1, 3))),
        currencies=_codes("c", draw(st.integers(1, 3))),
        certifications=_codes("x", draw(st.integers(1, 3))),
        qualifications=_codes("q", draw(st.integers(1, 3))),
        grades=_codes("g", draw(st.integers(1, 4))),
    )
    n_channels = 3
    institutions = [100, 101, 102]
    ids = draw(st.lists(st.integers(1, 60), min_size=1, max_size=30, unique=True))
    rows = []
    for pid in ids:
        tmin, tmax = sorted(draw(st.lists(st.sampled_from(MONEY), min_size=2, max_size=2)))
        term = sorted(draw(st.lists(st.integers(0, 48), min_size=2, max_size=2)))
        has_rev = draw(st.booleans())
        rows.append(
            ProductRow(
                product_id=pid,
                institution_id=draw(st.sampled_from(institutions)),
                instrument=draw(st.sampled_from(cb.instruments)),
                sectors=_subset(draw, cb.sectors),
                focus_sectors=_subset(draw, cb.sectors),
                stages=_subset(draw, cb.stages),
                jurisdictions=_subset(draw, cb.jurisdictions),
                currency=draw(st.sampled_from(cb.currencies)),
                ticket_min=tmin,
                ticket_max=tmax,
                term_min=draw(st.sampled_from([None, term[0]])),
                term_max=draw(st.sampled_from([None, term[1]])),
                min_years=draw(st.sampled_from([0, 0, 2, 5])),
                min_revenue=draw(st.sampled_from(MONEY[1:])) if has_rev else 0.0,
                min_revenue_currency=draw(st.sampled_from(cb.currencies)) if has_rev else "",
                required_certifications=_subset(draw, cb.certifications),
                required_qualifications=_subset(draw, cb.qualifications),
                min_grade=draw(st.sampled_from(("", "") + cb.grades)),
                active_from=DAY + draw(st.sampled_from([-30, -30, 0, 1])),
                active_until=draw(st.sampled_from([None, None, DAY - 1, DAY, DAY + 30])),
                channel_class=draw(st.integers(0, n_channels - 1)),
                embedding=draw(st.sampled_from([None, *POOL])),
            )
        )
    # exact ties: copies of some products under other ids (ties are broken by product id)
    for new_id, original in enumerate(draw(st.lists(st.sampled_from(rows), max_size=6)), 61):
        rows.append(replace(original, product_id=new_id))
    ids = [r.product_id for r in rows]
    queries = []
    for qid in range(draw(st.integers(1, 4))):
        quals = _subset(draw, cb.qualifications)
        decided = _subset(draw, cb.qualifications)
        queries.append(
            Query(
                query_id=qid,
                enterprise_id=1000 + qid,
                instruments=_subset(draw, cb.instruments, empty_bias=False)
                or frozenset(cb.instruments),
                amount=draw(
                    st.none()
                    | st.dictionaries(st.sampled_from(cb.currencies), st.sampled_from(MONEY))
                ),
                term_months=draw(st.none() | st.integers(0, 72)),
                sector=draw(st.sampled_from(("",) + cb.sectors)),
                stage=draw(st.sampled_from(("",) + cb.stages)),
                jurisdiction=draw(st.sampled_from(("",) + cb.jurisdictions)),
                years_operating=draw(st.integers(0, 6)),
                revenue=draw(
                    st.none()
                    | st.dictionaries(st.sampled_from(cb.currencies), st.sampled_from(MONEY))
                ),
                certifications=_subset(draw, cb.certifications),
                qualified=quals - decided,
                not_qualified=decided - quals,
                grade=draw(st.sampled_from(("",) + cb.grades)),
                day=DAY,
                channel_ok=np.array(
                    draw(
                        st.lists(
                            st.sampled_from([True, True, False]),
                            min_size=n_channels,
                            max_size=n_channels,
                        )
                    )
                ),
                embedding=draw(st.sampled_from([None, *POOL])),
            )
        )
    rec_inst = draw(st.lists(st.sampled_from(institutions), unique=True))
    shape = (len(rec_inst), len(cb.sectors), len(cb.stages))
    n = np.array(
        draw(
            st.lists(
                st.sampled_from([0.0, 1.0, 2.5, 7.0]),
                min_size=int(np.prod(shape)),
                max_size=int(np.prod(shape)),
            )
        )
    ).reshape(shape)
    f = np.floor(n * draw(st.sampled_from([0.0, 0.5, 1.0])) * 2) / 2
    records = RecordTable(
        np.array(rec_inst, dtype=np.int64),
        f,
        n,
        draw(st.sampled_from([None, 0.2, 0.5])),
    )
    exposure = draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 6)))
    raw = draw(st.lists(st.integers(0, 4), min_size=7, max_size=7).filter(any))
    total = sum(raw)
    names = ("semantic", "sector", "stage", "ticket", "term", "record", "load")
    w = Weights(
        version="test",
        **{name: r / total for name, r in zip(names, raw, strict=True)},
        semantic_floor=draw(st.sampled_from([0.0, 0.1])),
        semantic_ceiling=draw(st.sampled_from([0.6, 1.0])),
        neutral=draw(st.sampled_from([0.5, 0.3])),
        family=draw(st.sampled_from([0.5, 0.8])),
        term_decay_months=draw(st.sampled_from([1, 12])),
        record_prior=draw(st.sampled_from([1.0, 5.0])),
        ticket_floor=draw(st.sampled_from([0.0, 0.5, 0.3])),
    )
    return World(cb, rows, queries, records, exposure, w, draw(st.integers(1, 8)))


@contextmanager
def dense_above(n: int) -> Iterator[None]:
    """Score densely every query passing more than n products (-1: all; 10**9: none)."""
    with (
        mock.patch.object(engine_match, "DENSE_MIN", n),
        mock.patch.object(engine_match, "DENSE_SHARE", 0.0),
    ):
        yield


def _index(world: World, rows: list[ProductRow] | None = None, version: int = 1) -> ProductIndex:
    return build_index(
        world.rows if rows is None else rows,
        world.cb,
        records=world.records,
        exposure=world.exposure,
        version=version,
    )


@SETTINGS
@given(worlds(), st.sampled_from([-1, 3, 10**9]))
def test_engine_equals_reference(world: World, dense: int) -> None:
    ix = _index(world)
    for q in world.queries:
        ref = reference.match(
            world.rows,
            world.cb,
            q,
            world.w,
            records=world.records,
            exposure=world.exposure,
            k=world.k,
        )
        with dense_above(dense):
            got = match_one(ix, q, world.w, k=world.k)
            everything = match_one(ix, q, world.w, k=len(world.rows), explain=False)
        assert [e.candidate.product_id for e in got] == [c.product_id for c in ref]
        for e, c in zip(got, ref, strict=True):
            assert abs(e.candidate.score - c.score) <= 1e-6
            assert e.candidate.institution_id == c.institution_id
            for name, value in c.parts.items():
                assert abs(e.candidate.parts[name] - value) <= 1e-9, name
        # the hard requirements: the engine's pass set is the reference's, and why_not agrees
        passing = {e.candidate.product_id for e in everything}
        for p in world.rows:
            expected = reference.fails(p, q, world.cb)
            assert [f.code for f in why_not(ix, q, p.product_id)] == expected
            assert (p.product_id in passing) == (not expected)


@SETTINGS
@given(worlds(), st.sampled_from([-1, 2, 5, 10**9]))
def test_match_batch_equals_match_one(world: World, dense: int) -> None:
    """In any block, whichever path (sparse or dense) each query takes."""
    ix = _index(world)
    qb = QueryBatch.from_queries(world.queries, world.cb)
    for chunk in (1, 3):
        with dense_above(dense):
            ids, scores = match_batch(ix, qb, world.w, k=world.k, chunk=chunk)
        assert ids.shape == scores.shape == (len(world.queries), world.k)
        for i, q in enumerate(world.queries):
            with dense_above(dense):
                one = match_one(ix, q, world.w, k=world.k, explain=False)
            expected_ids = [e.candidate.product_id for e in one]
            expected_ids += [-1] * (world.k - len(one))
            assert ids[i].tolist() == expected_ids
            for j, e in enumerate(one):
                assert abs(scores[i, j] - e.candidate.score) <= 1e-12
            assert np.isnan(scores[i, len(one) :]).all()


@SETTINGS
@given(worlds(), st.data())
def test_update_equals_rebuild(world: World, data: Any) -> None:
    rows = world.rows
    start = data.draw(st.lists(st.sampled_from(rows), unique_by=lambda r: r.product_id))
    target = data.draw(st.lists(st.sampled_from(rows), unique_by=lambda r: r.product_id))
    old = _index(world, start)
    # upsert everything in the target (some are new, some replace themselves), remove the rest
    target_ids = {r.product_id for r in target}
    remove = [r.product_id for r in start if r.product_id not in target_ids] + [9999]
    updated = update_index(old, upsert=target, remove=remove, version=2)
    rebuilt = _index(world, target, version=2)
    _assert_same_index(updated, rebuilt)
    for q in world.queries:
        a = match_one(updated, q, world.w, k=world.k)
        b = match_one(rebuilt, q, world.w, k=world.k)
        assert a == b


def _assert_same_index(a: ProductIndex, b: ProductIndex) -> None:
    assert a.version == b.version
    assert a.rows == b.rows
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, name
            np.testing.assert_array_equal(x, y, err_msg=name)


@pytest.mark.parametrize("dense", [-1, 10**9])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_ties_at_the_cut_go_to_the_lower_product_id(dense: int, k: int) -> None:
    """Four equal products and one better: whichever path, the cut keeps the lowest ids."""
    from .support import CB, no_records, product, query, unit

    rows = [product(pid) for pid in (9, 4, 7, 2)] + [
        product(5, focus_sectors=frozenset({"ic"}), embedding=unit(1, 0))
    ]
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    q = query(embedding=unit(1, 0))
    with dense_above(dense):
        got = [e.candidate.product_id for e in match_one(ix, q, Weights(), k=k)]
        ids, _ = match_batch(ix, QueryBatch.from_queries([q, q], CB), Weights(), k=k)
    assert got == [5, 2, 4, 7, 9][:k]
    assert ids.tolist() == [got, got]
