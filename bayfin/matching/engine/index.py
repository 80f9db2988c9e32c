"""The product index: every product as columns (bit masks, numeric ranges, the embedding matrix).

Rows are sorted by product id, so a column position breaks score ties the same way the product id
does. Lookup tables with the product as the last axis are precomputed for the query attributes that
take few values: ``sector_ok[s]`` / ``stage_ok[t]`` / ``jurisdiction_ok[j]`` (the hard filters, row
-1 = a query with that attribute unknown), ``sector_rel[s]`` (0 unrelated, 1 same family, 2 same
sector, 3 no focus) and ``stage_part[t]`` (NaN where the product lists no stage: neutral). Nothing
in the index depends on the weights, so one index serves every weights version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .types import Codebook, ProductRow, RecordTable

NO_END = np.iinfo(np.int64).max  # active_until None

# Per-product arrays: the product is axis 0 of "emb" and the last axis of every other array.
_COLUMNS = (
    "ids",
    "institution",
    "instrument_bit",
    "currency",
    "ticket_min",
    "ticket_max",
    "ticket_mid",
    "ticket_half",
    "term_lo",
    "term_hi",
    "min_years",
    "min_revenue",
    "revenue_currency",
    "certifications",
    "qualifications",
    "min_grade",
    "active_from",
    "active_until",
    "channel_class",
    "has_embedding",
    "sector_ok",
    "stage_ok",
    "jurisdiction_ok",
    "sector_rel",
    "stage_part",
)


@dataclass(frozen=True, eq=False)
class ProductIndex:
    version: int
    cb: Codebook
    rows: tuple[ProductRow, ...]  # sorted by product id
    ids: np.ndarray  # int64 (P,)
    institution: np.ndarray  # int64 (P,)
    instrument_bit: np.ndarray  # int64 (P,): 1 << instrument position
    currency: np.ndarray  # int64 (P,): ticket currency position
    ticket_min: np.ndarray  # float64 (P,)
    ticket_max: np.ndarray  # float64 (P,)
    ticket_mid: np.ndarray  # float64 (P,): (ln lo' + ln max') / 2
    ticket_half: np.ndarray  # float64 (P,): (ln max' - ln lo') / 2 (<= 0: the part is 1)
    term_lo: np.ndarray  # float64 (P,), -inf = open
    term_hi: np.ndarray  # float64 (P,), +inf = open
    min_years: np.ndarray  # int64 (P,)
    min_revenue: np.ndarray  # float64 (P,), 0 = none
    revenue_currency: np.ndarray  # int64 (P,): position of min_revenue_currency (0 when none)
    certifications: np.ndarray  # int64 (P,): required (all)
    qualifications: np.ndarray  # int64 (P,): required (any of)
    min_grade: np.ndarray  # int64 (P,): grade position, -1 = none
    active_from: np.ndarray  # int64 (P,)
    active_until: np.ndarray  # int64 (P,), NO_END = open
    channel_class: np.ndarray  # int64 (P,)
    has_embedding: np.ndarray  # bool (P,)
    emb: np.ndarray  # float32 (P, dim), zeros where there is no embedding
    sector_ok: np.ndarray  # bool (S+1, P)
    stage_ok: np.ndarray  # bool (T+1, P)
    jurisdiction_ok: np.ndarray  # bool (J+1, P)
    sector_rel: np.ndarray  # int8 (S+1, P)
    stage_part: np.ndarray  # float64 (T+1, P), NaN = neutral
    records: RecordTable
    record_pos: np.ndarray  # int64 (P,): row in records (len(records.institution_ids) = none)
    exposure: Mapping[int, int]
    has_previous_batch: bool  # exposure non-empty
    load: np.ndarray  # float64 (P,): the load part

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def dim(self) -> int:
        return int(self.emb.shape[1])

    def position(self, product_id: int) -> int:
        """The column of a product (KeyError if it is not in the index)."""
        return self._positions[int(product_id)]

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {pid: i for i, pid in enumerate(self.ids.tolist())}

    def take(self, positions: Sequence[int] | np.ndarray) -> ProductIndex:
        """A sub-index of some columns (their load and record stay as in the whole index)."""
        pos = np.sort(np.asarray(positions, dtype=np.int64))
        cols = {name: getattr(self, name)[..., pos] for name in _COLUMNS}
        sub = replace(
            self,
            rows=tuple(self.rows[i] for i in pos.tolist()),
            emb=self.emb[pos],
            record_pos=self.record_pos[pos],
            load=self.load[pos],
            **cols,
        )
        sub.__dict__["_parent"] = (self, pos)  # lets the matcher slice the parent's tables
        return sub


def build_index(
    rows: Sequence[ProductRow],
    cb: Codebook,
    *,
    records: RecordTable,
    exposure: Mapping[int, int],
    version: int,
) -> ProductIndex:
    """The index of ``rows`` (product ids must be distinct)."""
    ordered = sorted(rows, key=lambda r: r.product_id)
    ids = [r.product_id for r in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("product ids must be distinct")
    cols, emb = _columns(ordered, cb)
    return _finish(version, cb, tuple(ordered), cols, emb, records, exposure)


def update_index(
    index: ProductIndex,
    *,
    upsert: Sequence[ProductRow],
    remove: Iterable[int],
    version: int,
    records: RecordTable | None = None,
    exposure: Mapping[int, int] | None = None,
) -> ProductIndex:
    """A new index with ``upsert`` added or replaced and ``remove`` dropped; equal to a rebuild.

    Only the changed rows are converted; the rest are sliced from ``index``. ``records`` and
    ``exposure`` default to the old index's.
    """
    new = sorted(upsert, key=lambda r: r.product_id)
    new_ids = [r.product_id for r in new]
    if len(set(new_ids)) != len(new_ids):
        raise ValueError("product ids must be distinct")
    gone = np.array(sorted({int(x) for x in remove} | set(new_ids)), dtype=np.int64)
    keep = np.flatnonzero(~np.isin(index.ids, gone))
    old_cols = {name: getattr(index, name)[..., keep] for name in _COLUMNS}
    new_cols, new_emb = _columns(new, index.cb)
    old_emb = index.emb[keep]
    dim = max(old_emb.shape[1], new_emb.shape[1])
    old_emb = _widen(old_emb, dim, index.has_embedding[keep])
    new_emb = _widen(new_emb, dim, new_cols["has_embedding"])
    cols = {n: np.concatenate([old_cols[n], new_cols[n]], axis=-1) for n in _COLUMNS}
    emb = np.concatenate([old_emb, new_emb], axis=0)
    rows = tuple(index.rows[i] for i in keep.tolist()) + tuple(new)
    order = np.argsort(cols["ids"], kind="stable")
    cols = {n: a[..., order] for n, a in cols.items()}
    emb = emb[order]
    rows = tuple(rows[i] for i in order.tolist())
    return _finish(
        version,
        index.cb,
        rows,
        cols,
        emb,
        index.records if records is None else records,
        index.exposure if exposure is None else exposure,
    )


def _widen(emb: np.ndarray, dim: int, has: np.ndarray) -> np.ndarray:
    if emb.shape[1] == dim:
        return emb
    if has.any():
        raise ValueError("every product embedding must have the same dimension")
    return np.zeros((emb.shape[0], dim), dtype=np.float32)


def _finish(
    version: int,
    cb: Codebook,
    rows: tuple[ProductRow, ...],
    cols: dict[str, np.ndarray],
    emb: np.ndarray,
    records: RecordTable,
    exposure: Mapping[int, int],
) -> ProductIndex:
    ids = cols["ids"]
    if not cols["has_embedding"].any():
        emb = np.zeros((len(ids), 0), dtype=np.float32)
    n_inst = len(records.institution_ids)
    shape = (n_inst, len(cb.sectors), len(cb.stages))
    if records.f.shape != shape or records.n.shape != shape:
        raise ValueError(f"records: f and n must have shape {shape}")
    row_of = {int(inst): i for i, inst in enumerate(records.institution_ids.tolist())}
    record_pos = np.array(
        [row_of.get(inst, n_inst) for inst in cols["institution"].tolist()], dtype=np.int64
    ).reshape(len(ids))
    e = np.array([int(exposure.get(int(pid), 0)) for pid in ids.tolist()], dtype=np.float64)
    mean_e = float(e.sum()) / len(e) if len(e) else 0.0
    load = 1.0 / (1.0 + e / max(1.0, mean_e))
    return ProductIndex(
        version=version,
        cb=cb,
        rows=rows,
        emb=emb,
        records=records,
        record_pos=record_pos,
        exposure=dict(exposure),
        has_previous_batch=len(exposure) > 0,
        load=load,
        **cols,
    )


def _columns(rows: Sequence[ProductRow], cb: Codebook) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The per-product arrays of ``rows`` (in the given order) and their embedding matrix."""
    n = len(rows)
    n_sec, n_stg, n_jur = len(cb.sectors), len(cb.stages), len(cb.jurisdictions)
    fam_of = [cb.sector_family[s] for s in range(n_sec)]
    ints: dict[str, list[int]] = {
        k: []
        for k in (
            "ids",
            "institution",
            "instrument_bit",
            "currency",
            "min_years",
            "revenue_currency",
            "certifications",
            "qualifications",
            "min_grade",
            "active_from",
            "active_until",
            "channel_class",
        )
    }
    floats: dict[str, list[float]] = {
        k: []
        for k in (
            "ticket_min",
            "ticket_max",
            "ticket_mid",
            "ticket_half",
            "term_lo",
            "term_hi",
            "min_revenue",
        )
    }
    sector_ok = np.zeros((n_sec + 1, n), dtype=bool)
    stage_ok = np.zeros((n_stg + 1, n), dtype=bool)
    jurisdiction_ok = np.zeros((n_jur + 1, n), dtype=bool)
    sector_rel = np.zeros((n_sec + 1, n), dtype=np.int8)
    stage_part = np.zeros((n_stg + 1, n))
    has_embedding = np.zeros(n, dtype=bool)
    dim = next((r.embedding.shape[0] for r in rows if r.embedding is not None), 0)
    emb = np.zeros((n, dim), dtype=np.float32)
    for i, r in enumerate(rows):
        ints["ids"].append(r.product_id)
        ints["institution"].append(r.institution_id)
        ints["instrument_bit"].append(1 << cb.index_of("instruments", r.instrument))
        ints["currency"].append(cb.index_of("currencies", r.currency))
        ints["min_years"].append(r.min_years)
        ints["revenue_currency"].append(
            max(cb.index_of("currencies", r.min_revenue_currency), 0) if r.min_revenue > 0 else 0
        )
        ints["certifications"].append(cb.mask_of("certifications", r.required_certifications))
        ints["qualifications"].append(cb.mask_of("qualifications", r.required_qualifications))
        ints["min_grade"].append(cb.index_of("grades", r.min_grade))
        ints["active_from"].append(r.active_from)
        ints["active_until"].append(NO_END if r.active_until is None else r.active_until)
        ints["channel_class"].append(r.channel_class)
        if r.min_revenue > 0 and not r.min_revenue_currency:
            raise ValueError(f"product {r.product_id}: min_revenue needs min_revenue_currency")
        lo, hi, mid, half = _ticket_log(r.ticket_min, r.ticket_max)
        floats["ticket_min"].append(float(r.ticket_min))
        floats["ticket_max"].append(float(r.ticket_max))
        floats["ticket_mid"].append(mid)
        floats["ticket_half"].append(half)
        floats["term_lo"].append(-math.inf if r.term_min is None else float(r.term_min))
        floats["term_hi"].append(math.inf if r.term_max is None else float(r.term_max))
        floats["min_revenue"].append(float(r.min_revenue))
        # hard filters by query attribute (last row: the query's attribute is unknown)
        for s in range(n_sec):
            sector_ok[s, i] = not r.sectors or cb.sectors[s] in r.sectors
        sector_ok[n_sec, i] = not r.sectors
        for t in range(n_stg):
            stage_ok[t, i] = not r.stages or cb.stages[t] in r.stages
        stage_ok[n_stg, i] = not r.stages
        for j in range(n_jur):
            jurisdiction_ok[j, i] = not r.jurisdictions or cb.jurisdictions[j] in r.jurisdictions
        jurisdiction_ok[n_jur, i] = not r.jurisdictions
        _check(cb, "sectors", r.sectors | r.focus_sectors, r.product_id)
        _check(cb, "stages", r.stages, r.product_id)
        _check(cb, "jurisdictions", r.jurisdictions, r.product_id)
        # sector part: 2 same, 1 same family, 0 unrelated, 3 neutral (no focus / unknown sector)
        focus_fams = {fam_of[cb.index_of("sectors", c)] for c in r.focus_sectors}
        for s in range(n_sec):
            if not r.focus_sectors:
                sector_rel[s, i] = 3
            elif cb.sectors[s] in r.focus_sectors:
                sector_rel[s, i] = 2
            elif fam_of[s] in focus_fams:
                sector_rel[s, i] = 1
        sector_rel[n_sec, i] = 3
        # stage part: 1 - |ord - centre| / (hi - lo + 1), clipped; NaN = neutral (no stage listed)
        if r.stages:
            ords = [cb.index_of("stages", c) for c in r.stages]
            centre = sum(ords) / len(ords)
            width = max(ords) - min(ords) + 1
            for t in range(n_stg):
                stage_part[t, i] = min(1.0, max(0.0, 1.0 - abs(t - centre) / width))
            stage_part[n_stg, i] = 0.0
        else:
            stage_part[:, i] = np.nan
        if r.embedding is not None:
            if r.embedding.shape != (dim,):
                raise ValueError("every product embedding must have the same dimension")
            emb[i] = r.embedding
            has_embedding[i] = True
    cols: dict[str, np.ndarray] = {
        k: np.array(v, dtype=np.int64).reshape(n) for k, v in ints.items()
    }
    cols.update({k: np.array(v, dtype=np.float64).reshape(n) for k, v in floats.items()})
    cols.update(
        sector_ok=sector_ok,
        stage_ok=stage_ok,
        jurisdiction_ok=jurisdiction_ok,
        sector_rel=sector_rel,
        stage_part=stage_part,
        has_embedding=has_embedding,
    )
    return cols, emb


def _ticket_log(ticket_min: float, ticket_max: float) -> tuple[float, float, float, float]:
    """lo' = max(min, max/1000, 1), hi' = max(max, 1); mid and half-width on the log scale."""
    lo = max(float(ticket_min), float(ticket_max) / 1000.0, 1.0)
    hi = max(float(ticket_max), 1.0)
    mid = (math.log(lo) + math.log(hi)) / 2.0
    half = (math.log(hi) - math.log(lo)) / 2.0
    return lo, hi, mid, half


def _check(cb: Codebook, kind: str, codes: frozenset[str], product_id: int) -> None:
    known = cb.position[kind]
    for c in codes:
        if c not in known:
            raise ValueError(f"product {product_id}: unknown {kind} code {c!r}")
