"""Matching: hard filters as boolean masks, the soft score as array arithmetic, top k by argpartition.

Scores are rounded to 1e-9 (``SCORE_STEP``) before ranking, so two products equal on every part tie
exactly whatever the floating-point summation order, and the tie goes to the lower product id. The
ranking key is one int64 per pair: ``rounded_score * P + (P - 1 - column)`` (columns are in product
id order), so ``argpartition`` plus a sort of the k winners gives the exact order
(score descending, product id ascending).

Cosines are computed in float64 from the float32 embeddings (the products' matrix is kept as float64
in the index), so one query (matrix-vector) and a batch (matrix-matrix) agree with each other and
with a plain per-pair Python sum far inside 1e-9.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .explain import Failure, Reason, failures, requirement_reasons
from .index import ProductIndex
from .types import Query, QueryBatch
from .weights import PARTS, Weights

SCORE_SCALE = 1e9  # scores are rounded to 1 / SCORE_SCALE
SCORE_STEP = 1.0 / SCORE_SCALE


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
    ok, score, parts, cos = _block(index, qb, 0, 1, w, keep_parts=True)
    top, _ = _top_k(ok, score, k)
    out: list[Explanation] = []
    for pos in top[0].tolist():
        if pos < 0:
            break
        values = {name: float(parts[name][0, pos]) for name in PARTS}
        row = index.rows[pos]
        cand = Candidate(row.product_id, row.institution_id, float(score[0, pos]), values)
        reasons = _reasons(index, q, pos, values, float(cos[0, pos]), w) if explain else ()
        out.append(Explanation(cand, reasons))
    return out


def explain(
    index: ProductIndex, q: Query, product_ids: Sequence[int], w: Weights
) -> list[Explanation]:
    """Candidates with reasons for some products (e.g. a batch's top k), best first.

    Products that fail a hard requirement (or are not in the index) are left out.
    """
    positions = [index.position(pid) for pid in product_ids if _has(index, pid)]
    if not positions:
        return []
    return match_one(index.take(positions), q, w, k=len(positions))


def match_batch(
    index: ProductIndex, qb: QueryBatch, w: Weights, *, k: int = 10, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` product ids and scores of every query (n x k; -1 / NaN padding), no reasons.

    Queries are scored ``chunk`` at a time (memory ~ 40 bytes x chunk x products).
    """
    n = len(qb)
    ids = np.full((n, k), -1, dtype=np.int64)
    scores = np.full((n, k), np.nan)
    if k <= 0 or len(index) == 0 or n == 0:
        return ids, scores
    static = _static_table(index, w)
    for lo in range(0, n, max(1, chunk)):
        hi = min(n, lo + max(1, chunk))
        ok, score, _, _ = _block(index, qb, lo, hi, w, keep_parts=False, static=static)
        top, top_scores = _top_k(ok, score, k)
        valid = top >= 0
        ids[lo:hi] = np.where(valid, index.ids[np.maximum(top, 0)], -1)
        scores[lo:hi] = top_scores
    return ids, scores


def why_not(index: ProductIndex, q: Query, product_id: int) -> list[Failure]:
    """Every hard requirement the product fails for the query, in order; [] if it passes.

    KeyError if the product is not in the index.
    """
    return failures(index.rows[index.position(product_id)], q, index.cb)


# ---------------------------------------------------------------------------------------------


def _has(index: ProductIndex, pid: int) -> bool:
    try:
        index.position(pid)
    except KeyError:
        return False
    return True


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


def _static_table(index: ProductIndex, w: Weights) -> np.ndarray:
    """(S + 1, T + 1, P): the sector, stage, record and load contributions by query sector, stage."""
    lut = np.array([0.0, w.family, 1.0, w.neutral])
    sector = lut[index.sector_rel]  # (S+1, P)
    stage = np.where(np.isnan(index.stage_part), w.neutral, index.stage_part)  # (T+1, P)
    record = np.moveaxis(_record_table(index, w)[index.record_pos], 0, -1)  # (S+1, T+1, P)
    return (
        w.sector * sector[:, None, :]
        + w.stage * stage[None, :, :]
        + w.record * record
        + w.load * index.load
    )


def _and_where(ok: np.ndarray, cols: np.ndarray, cond: np.ndarray) -> None:
    """ok[:, cols] &= cond (cond is (b, len(cols)))."""
    if len(cols) == ok.shape[1]:
        ok &= cond
    elif len(cols):
        ok[:, cols] &= cond


def _block(
    ix: ProductIndex,
    qb: QueryBatch,
    lo: int,
    hi: int,
    w: Weights,
    *,
    keep_parts: bool,
    static: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Queries lo:hi against every product: (ok, rounded score, parts if keep_parts, cosines)."""
    b, p = hi - lo, len(ix)
    qs, qt, qj = qb.sector[lo:hi], qb.stage[lo:hi], qb.jurisdiction[lo:hi]

    # --- hard requirements -------------------------------------------------------------------
    ok = ix.sector_ok[qs]
    ok &= ix.stage_ok[qt]
    ok &= ix.jurisdiction_ok[qj]
    day = qb.day[lo:hi, None]
    ok &= day >= ix.active_from
    ok &= day <= ix.active_until
    ok &= (qb.instruments[lo:hi, None] & ix.instrument_bit) != 0
    table = qb.channel_table
    need = int(ix.channel_class.max()) + 1
    if table.shape[1] < need:  # a class the caller did not cover carries nothing
        table = np.concatenate(
            [table, np.zeros((table.shape[0], need - table.shape[1]), dtype=bool)], axis=1
        )
    ok &= table[qb.channel_class[lo:hi]][:, ix.channel_class]
    cols = np.flatnonzero(ix.min_years > 0)
    _and_where(ok, cols, qb.years[lo:hi, None] >= ix.min_years[cols])
    cols = np.flatnonzero(ix.min_revenue > 0)
    if len(cols):
        rev = qb.revenue[lo:hi][:, ix.revenue_currency[cols]]
        _and_where(ok, cols, rev >= ix.min_revenue[cols])  # NaN (unknown) fails
    cols = np.flatnonzero(ix.certifications != 0)
    _and_where(ok, cols, (ix.certifications[cols] & ~qb.certifications[lo:hi, None]) == 0)
    cols = np.flatnonzero(ix.qualifications != 0)
    _and_where(ok, cols, (ix.qualifications[cols] & ~qb.not_qualified[lo:hi, None]) != 0)
    cols = np.flatnonzero(ix.min_grade >= 0)
    if len(cols):
        g = qb.grade[lo:hi, None]
        _and_where(ok, cols, (g < 0) | (g <= ix.min_grade[cols]))
    has_amount = qb.has_amount[lo:hi]
    amount = qb.amount[lo:hi]
    if has_amount.any():
        a = amount[:, ix.currency]  # NaN = no rate: fails
        inside = a >= ix.ticket_min
        inside &= a <= ix.ticket_max
        inside[~has_amount] = True
        ok &= inside

    # --- soft score ----------------------------------------------------------------------------
    parts: dict[str, np.ndarray] = {}
    q_has = qb.has_embedding[lo:hi]
    if ix.dim and q_has.any() and ix.has_embedding.any():
        if qb.embedding.shape[1] != ix.dim:
            raise ValueError("query and product embeddings differ in dimension")
        cos = qb.embedding[lo:hi].astype(np.float64) @ ix.emb.T
        if keep_parts:
            sem = cos - w.semantic_floor
        else:  # reuse the product's memory
            sem, cos = cos, np.zeros((0, 0))
            sem -= w.semantic_floor
        sem /= w.semantic_ceiling - w.semantic_floor
        np.clip(sem, 0.0, 1.0, out=sem)
        sem[:, ~ix.has_embedding] = w.neutral
        sem[~q_has] = w.neutral
    else:
        cos = np.zeros((b, p) if keep_parts else (0, 0))
        sem = np.full((b, p), w.neutral)

    # ticket: 1 - |ln a - mid| / half on the log scale, clipped; neutral without an amount
    if has_amount.any():
        with np.errstate(invalid="ignore"):
            la = np.log(np.maximum(amount, 1.0))  # (b, n_cur); NaN stays NaN
        ticket = la[:, ix.currency]
        ticket -= ix.ticket_mid
        np.abs(ticket, out=ticket)
        narrow = ix.ticket_half <= 0
        ticket /= np.where(narrow, 1.0, ix.ticket_half)
        np.subtract(1.0, ticket, out=ticket)
        np.clip(ticket, 0.0, 1.0, out=ticket)
        ticket[:, narrow] = 1.0
        ticket[~has_amount] = w.neutral
        np.nan_to_num(ticket, copy=False, nan=0.0)  # no rate: filtered out anyway
    else:
        ticket = np.full((b, p), w.neutral)

    # term: 1 inside [lo, hi], else max(0, 1 - months outside / decay); neutral without a term
    t = qb.term[lo:hi, None]
    with np.errstate(invalid="ignore"):
        term = np.maximum(ix.term_lo - t, t - ix.term_hi)
        np.maximum(term, 0.0, out=term)
        term /= w.term_decay_months
        np.subtract(1.0, term, out=term)
        np.maximum(term, 0.0, out=term)
    term[np.isnan(qb.term[lo:hi])] = w.neutral

    if keep_parts:
        lut = np.array([0.0, w.family, 1.0, w.neutral])
        stage_tab = np.where(np.isnan(ix.stage_part), w.neutral, ix.stage_part)
        rec = _record_table(ix, w)
        parts = {
            "semantic": sem,
            "sector": lut[ix.sector_rel[qs]],
            "stage": stage_tab[qt],
            "ticket": ticket,
            "term": term,
            "record": rec[ix.record_pos[None, :], qs[:, None], qt[:, None]],
            "load": np.broadcast_to(ix.load, (b, p)),
        }
        static_part = (
            w.sector * parts["sector"]
            + w.stage * parts["stage"]
            + w.record * parts["record"]
            + w.load * parts["load"]
        )
        # the same operations, in the same order, as the batch branch below
        score = w.semantic * sem + static_part + w.ticket * ticket + w.term * term
    else:
        if static is None:
            static = _static_table(ix, w)
        score = sem
        score *= w.semantic
        score += static[qs, qt]
        ticket *= w.ticket
        score += ticket
        term *= w.term
        score += term
    score *= SCORE_SCALE
    np.rint(score, out=score)
    score /= SCORE_SCALE
    return ok, score, parts, cos


def _top_k(ok: np.ndarray, score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of the k best passing pairs (score desc, column asc); -1 / NaN padding."""
    b, p = score.shape
    key = np.rint(score * SCORE_SCALE).astype(np.int64)
    key *= p
    key += np.arange(p - 1, -1, -1, dtype=np.int64)
    key[~ok] = -1
    kk = min(k, p)
    if kk < p:
        part = np.argpartition(key, p - kk, axis=1)[:, p - kk :]
    else:
        part = np.broadcast_to(np.arange(p), (b, p)).copy()
    pk = np.take_along_axis(key, part, axis=1)
    order = np.argsort(-pk, axis=1, kind="stable")
    cols = np.take_along_axis(part, order, axis=1)
    keys = np.take_along_axis(pk, order, axis=1)
    valid = keys >= 0
    top = np.full((b, k), -1, dtype=np.int64)
    top_scores = np.full((b, k), np.nan)
    top[:, :kk] = np.where(valid, cols, -1)
    top_scores[:, :kk] = np.where(valid, np.take_along_axis(score, cols, axis=1), np.nan)
    return top, top_scores


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
