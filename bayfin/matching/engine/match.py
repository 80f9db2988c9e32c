"""Matching: hard filters as boolean masks, the soft score as array arithmetic, top k exactly.

How a block of queries is ranked against every product:

1. The hard requirements become one boolean matrix ``ok`` (queries x products). Query attributes
   that take few values (sector, stage, jurisdiction, day, instruments, channel class, years,
   certifications, decided qualifications, grade) become a table over their distinct values in the
   block, gathered row by row; the ticket range and minimum revenue are compared pair by pair.
2. The non-semantic parts are summed in float64: ``rest = static + w.ticket * ticket + w.term *
   term``, where ``static`` (sector, stage, record and load: ``w.sector * sector + w.stage * stage
   + w.record * record + w.load * load``) is a table by query sector and stage, made once per
   index and weights, and the term part a table by distinct term.
3. The semantic part comes from float64 cosines of the float32 embeddings. A query that passes
   few products (most requests) is scored on its passing pairs only, its cosines by one
   matrix-vector product over those products; a query that passes many (a recommendation with
   every instrument and no amount) is scored densely, with the block's other such queries in one
   matrix product, and cut to its k best with ``argpartition``.
4. Scores are rounded to 1e-9 (``SCORE_STEP``), so products equal on every part tie exactly
   whatever the summation order, and ranked by (score descending, product id ascending): one sort
   of the surviving pairs by (query, -score, product position); positions are in product id order.

A pair computes the same bits on either path (the same operations on the same values), so a query
gets the same ranking from ``match_one`` and from ``match_batch`` in any block. Explanations are
built only for the top k (``match_one``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .explain import Failure, Reason, failures, requirement_reasons
from .index import ProductIndex
from .types import Query, QueryBatch
from .weights import PARTS, Weights

SCORE_SCALE = 1e9  # scores are rounded to 1 / SCORE_SCALE
SCORE_STEP = 1.0 / SCORE_SCALE
BLOCK_PAIRS = 1 << 20  # query x product pairs scored at once (8 MB per float64 matrix)
# a query passing more than max(DENSE_MIN, DENSE_SHARE x products) products is scored densely
DENSE_MIN = 256
DENSE_SHARE = 0.25


@dataclass(frozen=True)
class Candidate:
    product_id: int
    institution_id: int
    score: float
    parts: dict[str, float]  # part -> value in [0, 1]


@dataclass(frozen=True)
class Explanation:
    candidate: Candidate
    reasons: tuple[Reason, ...]


def match_one(
    index: ProductIndex, q: Query, w: Weights, *, k: int = 10, explain: bool = True
) -> list[Explanation]:
    """The top ``k`` products for one query, best first, each with its parts (and reasons)."""
    if k <= 0 or len(index) == 0:
        return []
    qb = QueryBatch.from_queries([q], index.cb)
    tables = _tables(index, w)
    _, cols, score, sem, cos, ticket, term, _ = _block_top(index, qb, 0, 1, w, tables, k)
    n_sec, n_stg = len(index.cb.sectors), len(index.cb.stages)
    s = n_sec if qb.sector[0] < 0 else int(qb.sector[0])
    t = n_stg if qb.stage[0] < 0 else int(qb.stage[0])
    out: list[Explanation] = []
    for j, pos in enumerate(cols.tolist()):
        values = {
            "semantic": float(sem[j]),
            "sector": float(tables.sector_lut[index.sector_rel[s, pos]]),
            "stage": float(tables.stage[t, pos]),
            "ticket": float(ticket[j]),
            "term": float(term[j]),
            "record": float(tables.record[index.record_pos[pos], s, t]),
            "load": float(index.load[pos]),
        }
        row = index.rows[pos]
        cand = Candidate(row.product_id, row.institution_id, float(score[j] / SCORE_SCALE), values)
        reasons = _reasons(index, q, pos, values, float(cos[j]), w) if explain else ()
        out.append(Explanation(cand, reasons))
    return out


def explain(
    index: ProductIndex, q: Query, product_ids: Sequence[int], w: Weights
) -> list[Explanation]:
    """Candidates with reasons for some products (e.g. a batch's top k), best first.

    Products that fail a hard requirement (or are not in the index) are left out.
    """
    positions = [index.position(pid) for pid in product_ids if in_index(index, pid)]
    if not positions:
        return []
    return match_one(index.take(positions), q, w, k=len(positions))


def match_batch(
    index: ProductIndex, qb: QueryBatch, w: Weights, *, k: int = 10, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` product ids and scores of every query (n x k; -1 / NaN padding), no reasons.

    Queries are scored in blocks of at most ``chunk`` queries and at most ``BLOCK_PAIRS`` query x
    product pairs, so memory stays flat (tens of MB) whatever the number of queries.
    """
    n = len(qb)
    ids = np.full((n, k), -1, dtype=np.int64)
    scores = np.full((n, k), np.nan)
    if k <= 0 or len(index) == 0 or n == 0:
        return ids, scores
    tables = _tables(index, w)
    step = max(1, min(chunk, BLOCK_PAIRS // len(index)))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        rows, cols, score, *_, rank = _block_top(index, qb, lo, hi, w, tables, k)
        ids[lo + rows, rank] = index.ids[cols]
        scores[lo + rows, rank] = score / SCORE_SCALE
    return ids, scores


def why_not(index: ProductIndex, q: Query, product_id: int) -> list[Failure]:
    """Every hard requirement the product fails for the query, in order; [] if it passes.

    KeyError if the product is not in the index.
    """
    return failures(index.rows[index.position(product_id)], q, index.cb)


# ---------------------------------------------------------------------------------------------


def in_index(index: ProductIndex, pid: int) -> bool:
    try:
        index.position(pid)
    except KeyError:
        return False
    return True


@dataclass(frozen=True)
class _Tables:
    """What depends on the weights but not on the query, made once per index and weights."""

    sector_lut: np.ndarray  # sector_rel code -> sector part
    stage: np.ndarray  # (T+1, P): the stage part (neutral filled in)
    record: np.ndarray  # (n_inst+1, S+1, T+1): the record part
    static: (
        np.ndarray
    )  # ((S+1)(T+1), P): w.sector*sector + w.stage*stage + w.record*record + w.load*load
    narrow: np.ndarray  # (P,): a single-point ticket range (the ticket part is 1)
    half: np.ndarray  # (P,): the ticket's half-width on the log scale (1 where narrow)

    @classmethod
    def make(cls, ix: ProductIndex, w: Weights) -> _Tables:
        sector_lut = np.array([0.0, w.family, 1.0, w.neutral])
        stage = np.where(np.isnan(ix.stage_part), w.neutral, ix.stage_part)
        record = _record_table(ix, w)
        sector = sector_lut[ix.sector_rel]  # (S+1, P)
        by_product = np.moveaxis(record[ix.record_pos], 0, -1)  # (S+1, T+1, P)
        static = (
            w.sector * sector[:, None, :]
            + w.stage * stage[None, :, :]
            + w.record * by_product
            + w.load * ix.load
        )
        narrow = ix.ticket_half <= 0
        return cls(
            sector_lut=sector_lut,
            stage=stage,
            record=record,
            static=static.reshape(-1, len(ix)),
            narrow=narrow,
            half=np.where(narrow, 1.0, ix.ticket_half),
        )

    def take(self, pos: np.ndarray) -> _Tables:
        """The tables of a sub-index (the same values, so the same scores)."""
        return _Tables(
            sector_lut=self.sector_lut,
            stage=self.stage[:, pos],
            record=self.record,
            static=self.static[:, pos],
            narrow=self.narrow[pos],
            half=self.half[pos],
        )


def _tables(ix: ProductIndex, w: Weights) -> _Tables:
    """The weights' tables for this index, kept on the (immutable) index for the next call; a
    sub-index (``ProductIndex.take``) slices its parent's."""
    cache: dict[Weights, _Tables] = ix.__dict__.setdefault("_weights_tables", {})
    tables = cache.get(w)
    if tables is None:
        if len(cache) >= 4:
            cache.clear()
        parent = ix.__dict__.get("_parent")
        if parent is not None:
            tables = _tables(parent[0], w).take(parent[1])
        else:
            tables = _Tables.make(ix, w)
        cache[w] = tables
    return tables


def _record_table(index: ProductIndex, w: Weights) -> np.ndarray:
    """(n_inst + 1, S + 1, T + 1): the record part per institution row, sector and stage.

    The extra institution row is "no record"; the extra sector / stage is "unknown": both 0 deals.
    """
    rec = index.records
    m = w.neutral if rec.platform_rate is None else float(rec.platform_rate)
    n_inst, n_sec, n_stg = rec.f.shape
    f = np.zeros((n_inst + 1, n_sec + 1, n_stg + 1))
    n = np.zeros_like(f)
    f[:n_inst, :n_sec, :n_stg] = rec.f
    n[:n_inst, :n_sec, :n_stg] = rec.n
    return (f + w.record_prior * m) / (n + w.record_prior)


def _by_value(values: np.ndarray, table: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``table(values)`` computed once per distinct value and gathered back row by row."""
    if len(values) <= 1:
        return table(values)
    distinct, inverse = np.unique(values, return_inverse=True)
    if len(distinct) == len(values):
        return table(values)
    return table(distinct)[inverse.reshape(-1)]


@dataclass
class _Block:
    """Queries lo:hi, prepared once: their table rows, log amounts, term table, embeddings."""

    lo: int
    hi: int
    s: np.ndarray  # (b,) sector row of the tables (S = unknown)
    t: np.ndarray  # (b,) stage row (T = unknown)
    static_row: np.ndarray  # (b,) row of tables.static
    has_amount: np.ndarray  # (b,)
    la: np.ndarray  # (b, n_cur): ln max(amount, 1); 0 where there is no rate (filtered out)
    term_table: np.ndarray  # (u, P): the term part per distinct term of the block
    term_row: np.ndarray  # (b,) row of term_table
    has_embedding: np.ndarray  # (b,)
    q64: np.ndarray  # (b, dim) float64


def _prepare(ix: ProductIndex, qb: QueryBatch, lo: int, hi: int, w: Weights) -> _Block:
    n_sec, n_stg = len(ix.cb.sectors), len(ix.cb.stages)
    qs, qt = qb.sector[lo:hi], qb.stage[lo:hi]
    s = np.where(qs < 0, n_sec, qs)
    t = np.where(qt < 0, n_stg, qt)
    with np.errstate(invalid="ignore"):
        la = np.log(np.maximum(qb.amount[lo:hi], 1.0))
    np.nan_to_num(la, copy=False, nan=0.0)
    terms, term_row = np.unique(qb.term[lo:hi], return_inverse=True)  # every NaN is one value
    terms = terms[:, None]
    with np.errstate(invalid="ignore"):
        term = np.maximum(ix.term_lo - terms, terms - ix.term_hi)
        np.maximum(term, 0.0, out=term)
        term /= w.term_decay_months
        np.subtract(1.0, term, out=term)
        np.maximum(term, 0.0, out=term)
    term[np.isnan(terms[:, 0])] = w.neutral
    if ix.dim and qb.embedding.shape[1] not in (0, ix.dim):
        raise ValueError("query and product embeddings differ in dimension")
    has_embedding = qb.has_embedding[lo:hi] & (qb.embedding.shape[1] == ix.dim > 0)
    return _Block(
        lo=lo,
        hi=hi,
        s=s,
        t=t,
        static_row=s * (n_stg + 1) + t,
        has_amount=qb.has_amount[lo:hi],
        la=la,
        term_table=term,
        term_row=term_row.reshape(-1),
        has_embedding=has_embedding,
        q64=qb.embedding[lo:hi].astype(np.float64),
    )


def _filters(ix: ProductIndex, qb: QueryBatch, lo: int, hi: int) -> np.ndarray:
    """ok (b, P): the pairs that pass every hard requirement."""
    ok = ix.sector_ok[qb.sector[lo:hi]]
    ok &= ix.stage_ok[qb.stage[lo:hi]]
    ok &= ix.jurisdiction_ok[qb.jurisdiction[lo:hi]]
    ok &= _by_value(
        qb.day[lo:hi], lambda d: (d[:, None] >= ix.active_from) & (d[:, None] <= ix.active_until)
    )
    ok &= _by_value(qb.instruments[lo:hi], lambda m: (m[:, None] & ix.instrument_bit) != 0)
    channel = qb.channel_table
    need = int(ix.channel_class.max()) + 1
    if channel.shape[1] < need:  # a product class the caller did not cover carries nothing
        pad = np.zeros((channel.shape[0], need - channel.shape[1]), dtype=bool)
        channel = np.concatenate([channel, pad], axis=1)
    ok &= _by_value(qb.channel_class[lo:hi], lambda c: channel[c][:, ix.channel_class])
    if (ix.min_years > 0).any():
        ok &= _by_value(qb.years[lo:hi], lambda y: y[:, None] >= ix.min_years)
    if ix.certifications.any():
        ok &= _by_value(qb.certifications[lo:hi], lambda m: (ix.certifications & ~m[:, None]) == 0)
    if ix.qualifications.any():
        ok &= _by_value(
            qb.not_qualified[lo:hi],
            lambda m: (ix.qualifications == 0) | ((ix.qualifications & ~m[:, None]) != 0),
        )
    if (ix.min_grade >= 0).any():
        ok &= _by_value(
            qb.grade[lo:hi],
            lambda g: (ix.min_grade < 0) | (g[:, None] < 0) | (g[:, None] <= ix.min_grade),
        )
    cols = np.flatnonzero(ix.min_revenue > 0)
    if len(cols):
        rev = qb.revenue[lo:hi][:, ix.revenue_currency[cols]]
        enough = rev >= ix.min_revenue[cols]  # NaN (unknown) fails
        if len(cols) == len(ix):
            ok &= enough
        else:
            ok[:, cols] &= enough
    has_amount = qb.has_amount[lo:hi]
    if has_amount.any():
        a = qb.amount[lo:hi][:, ix.currency]  # NaN = no rate: fails
        inside = a >= ix.ticket_min
        inside &= a <= ix.ticket_max
        inside[~has_amount] = True
        ok &= inside
    return ok


def _rest_at(
    ix: ProductIndex, blk: _Block, r: np.ndarray, c: np.ndarray, w: Weights, tables: _Tables
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact non-semantic score at rows r (of the block) x products c (broadcast together):
    (rest, ticket part, term part). The same operations whatever the shape, so a pair scores the
    same bits on the dense and the sparse path."""
    static = tables.static[blk.static_row[r], c]
    # ticket: floor + (1 - floor) x (1 - |ln a - mid| / half, clipped) on the log scale; neutral
    # without an amount
    ticket = blk.la[r, ix.currency[c]] - ix.ticket_mid[c]
    np.abs(ticket, out=ticket)
    ticket /= tables.half[c]
    np.subtract(1.0, ticket, out=ticket)
    np.maximum(ticket, 0.0, out=ticket)
    np.minimum(ticket, 1.0, out=ticket)
    ticket = np.where(tables.narrow[c], 1.0, ticket)
    ticket *= 1.0 - w.ticket_floor
    ticket += w.ticket_floor
    ticket = np.where(blk.has_amount[r], ticket, w.neutral)
    term = blk.term_table[blk.term_row[r], c]
    rest = static + w.ticket * ticket
    rest += w.term * term
    return rest, ticket, term


def _semantic(cos: np.ndarray, both: np.ndarray, w: Weights) -> np.ndarray:
    """cos -> the semantic part: clip((cos - floor) / (ceiling - floor), 0, 1); neutral unless both
    sides have an embedding."""
    sem = cos - w.semantic_floor
    sem /= w.semantic_ceiling - w.semantic_floor
    np.maximum(sem, 0.0, out=sem)
    np.minimum(sem, 1.0, out=sem)
    return np.where(both, sem, w.neutral)


def _dot(rows32: np.ndarray, q64: np.ndarray) -> np.ndarray:
    """float32 rows . a float64 vector, computed in float64."""
    return np.einsum("ij,j->i", rows32, q64, dtype=np.float64)


def _emb64(ix: ProductIndex) -> np.ndarray:
    """The products' embeddings in float64 (made once per index)."""
    emb64: np.ndarray | None = ix.__dict__.get("_emb64")
    if emb64 is None:
        emb64 = ix.__dict__["_emb64"] = ix.emb.astype(np.float64)
    return emb64


def _block_top(
    ix: ProductIndex, qb: QueryBatch, lo: int, hi: int, w: Weights, tables: _Tables, k: int
) -> tuple[np.ndarray, ...]:
    """The top k of queries lo:hi as pairs sorted by (row, rank): (rows, cols, rounded scores
    (integers, score x SCORE_SCALE), semantic parts, cosines, ticket parts, term parts).

    A query passing few products (most requests) is scored on those pairs only, its cosines by
    a matrix-vector product over the rows it passes; a query passing many (a recommendation with
    every instrument and no amount) is scored densely, its cosines by one matrix product with the
    other dense queries of the block, and cut to its k best with argpartition.
    """
    ok = _filters(ix, qb, lo, hi)
    blk = _prepare(ix, qb, lo, hi, w)
    p = len(ix)
    counts = ok.sum(axis=1)
    dense = np.flatnonzero(counts > max(DENSE_MIN, int(p * DENSE_SHARE)))
    semantic = bool(ix.dim) and bool(ix.has_embedding.any())
    pieces: list[tuple[np.ndarray, ...]] = []

    # --- sparse rows: every passing pair --------------------------------------------------------
    sparse_ok = ok if len(dense) == 0 else ok.copy()
    sparse_ok[dense] = False
    rows, cols = np.nonzero(sparse_ok)
    if len(rows):
        rest, ticket, term = _rest_at(ix, blk, rows, cols, w, tables)
        cos = np.zeros(len(rows))
        if semantic:
            # per query: its passing products' float32 rows, dotted in float64 (einsum: no BLAS
            # threads to wake for a few hundred rows)
            bounds = np.searchsorted(rows, np.arange(hi - lo + 1))
            for i in np.flatnonzero(blk.has_embedding).tolist():
                a, b = int(bounds[i]), int(bounds[i + 1])
                if a < b:
                    cos[a:b] = _dot(ix.emb[cols[a:b]], blk.q64[i])
        both = blk.has_embedding[rows] & ix.has_embedding[cols]
        sem = _semantic(cos, both, w)
        score = np.rint((w.semantic * sem + rest) * SCORE_SCALE)
        pieces.append((rows, cols, score, sem, cos, ticket, term))

    # --- dense rows: score everything, keep the k best per row ----------------------------------
    if len(dense):
        r = dense[:, None]
        c = np.arange(p)[None, :]
        rest, ticket, term = _rest_at(ix, blk, r, c, w, tables)
        if not (semantic and blk.has_embedding[dense].any()):
            cos = np.zeros((len(dense), p))
        elif len(dense) <= 4:
            cos = np.stack([_dot(ix.emb, blk.q64[i]) for i in dense.tolist()])
        else:
            cos = blk.q64[dense] @ _emb64(ix).T
        both = blk.has_embedding[dense][:, None] & ix.has_embedding[None, :]
        sem = _semantic(cos, both, w)
        score = np.rint((w.semantic * sem + rest) * SCORE_SCALE)
        key = score * p + np.arange(p - 1, -1, -1)  # exact in float64 (below 2^53)
        np.copyto(key, -1.0, where=~ok[dense])
        kk = min(k, p)
        top = np.argpartition(key, p - kk, axis=1)[:, p - kk :]
        keep = np.take_along_axis(key, top, axis=1) >= 0
        rr = np.broadcast_to(np.arange(len(dense))[:, None], top.shape)[keep]
        cc = top[keep]
        pieces.append(
            (
                dense[rr],
                cc,
                score[rr, cc],
                sem[rr, cc],
                cos[rr, cc],
                ticket[rr, cc],
                term[rr, cc],
            )
        )

    if not pieces:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0)
        return empty_i, empty_i, empty_f, empty_f, empty_f, empty_f, empty_f, empty_i
    rows, cols, score, sem, cos, ticket, term = (
        np.concatenate(x) for x in zip(*pieces, strict=True)
    )
    order = np.lexsort((cols, -score, rows))
    rows = rows[order]
    first = np.searchsorted(rows, np.arange(hi - lo))
    rank = np.arange(len(rows)) - first[rows]
    keep = rank < k
    pick = order[keep]
    return (
        rows[keep],
        cols[pick],
        score[pick],
        sem[pick],
        cos[pick],
        ticket[pick],
        term[pick],
        rank[keep],
    )


def _reasons(
    ix: ProductIndex, q: Query, pos: int, parts: dict[str, float], cos: float, w: Weights
) -> tuple[Reason, ...]:
    """The reasons of one top-k candidate: score parts by contribution, channel, met requirements."""
    row = ix.rows[pos]
    cb = ix.cb
    part_reasons: list[tuple[float, int, Reason]] = []

    def add(part: str, reason: Reason) -> None:
        weight = float(getattr(w, part))
        part_reasons.append((-weight * parts[part], PARTS.index(part), reason))

    if q.embedding is not None and row.embedding is not None and parts["semantic"] >= 0.5:
        add("semantic", Reason("thesis_close", "semantic", None, {"similarity": round(cos, 6)}))
    qs = cb.index_of("sectors", q.sector)
    if qs >= 0:
        rel = int(ix.sector_rel[qs, pos])
        if rel == 2:
            add("sector", Reason("sector_same", "sector", None, {"sector": q.sector}))
        elif rel == 1:
            family = cb.sector_family[qs]
            add(
                "sector",
                Reason("sector_family", "sector", None, {"sector": q.sector, "family": family}),
            )
    if row.stages and q.stage:
        add("stage", Reason("stage_fit", "stage", None, {"stage": q.stage}))
    if q.amount is not None and row.currency in q.amount:
        params = {
            "amount": float(q.amount[row.currency]),
            "currency": row.currency,
            "min": row.ticket_min,
            "max": row.ticket_max,
        }
        add("ticket", Reason("ticket_covers", "ticket", None, params))
    if q.term_months is not None and (row.term_min is not None or row.term_max is not None):
        params = {"term": q.term_months, "min": row.term_min, "max": row.term_max}
        if parts["term"] >= 1.0:
            add("term", Reason("term_within", "term", None, params))
        elif parts["term"] > 0.0:
            add("term", Reason("term_near", "term", None, params))
    r = int(ix.record_pos[pos])
    qt = cb.index_of("stages", q.stage)
    if r < len(ix.records.institution_ids) and qs >= 0 and qt >= 0:
        funded = float(ix.records.f[r, qs, qt])
        if funded >= 1.0:
            deals = float(ix.records.n[r, qs, qt])
            add("record", Reason("record", "record", None, {"funded": funded, "deals": deals}))
    if ix.has_previous_batch and parts["load"] >= 0.9:
        add("load", Reason("low_exposure", "load", None, {}))
    part_reasons.sort(key=lambda t: (t[0], t[1]))
    out = [reason for _, _, reason in part_reasons]
    out.append(Reason("channel", None, None, {"channel_class": row.channel_class}))
    out.extend(requirement_reasons(row, q, cb))
    return tuple(out)
