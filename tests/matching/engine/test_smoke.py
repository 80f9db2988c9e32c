"""The engine's API end to end on a handful of products: build, match one, match a batch, why not."""

from __future__ import annotations

from bayfin.matching.engine import (
    CURRENT,
    QueryBatch,
    build_index,
    match_batch,
    match_one,
    update_index,
    why_not,
)

from .support import CB, no_records, product, query


def test_smoke() -> None:
    rows = [
        product(1, focus_sectors=frozenset({"ic"})),
        product(2, focus_sectors=frozenset({"biotech"})),
        product(3, ticket_min=10_000_000.0),  # the 8m asked is below its ticket
    ]
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    q = query()
    out = match_one(ix, q, CURRENT, k=10)
    assert [e.candidate.product_id for e in out] == [1, 2]
    assert out[0].candidate.parts["sector"] == 1.0
    assert any(r.code == "sector_same" for r in out[0].reasons)
    assert [f.code for f in why_not(ix, q, 3)] == ["ticket"]
    assert why_not(ix, q, 1) == []
    ids, scores = match_batch(ix, QueryBatch.from_queries([q, q], CB), CURRENT, k=3)
    assert ids.tolist() == [[1, 2, -1], [1, 2, -1]]
    assert scores[0, 0] == out[0].candidate.score
    ix2 = update_index(ix, upsert=[product(3)], remove=[2], version=2)
    assert [e.candidate.product_id for e in match_one(ix2, q, CURRENT)] == [1, 3]
