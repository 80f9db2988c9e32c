"""The reference matcher: a straightforward per-pair Python loop over the same rules and weights.

No numpy in the rules: arrays from the engine's inputs (embeddings, the record table, channel_ok)
are turned into Python lists first. Scores are rounded to 1e-9 like the engine's, so products equal
on every part tie exactly and the tie goes to the lower product id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bayfin.matching.engine import Codebook, ProductRow, Query, RecordTable, Weights

PARTS = ("semantic", "sector", "stage", "ticket", "term", "record", "load")


@dataclass
class RefCandidate:
    product_id: int
    institution_id: int
    score: float
    parts: dict[str, float]


def fails(p: ProductRow, q: Query, cb: Codebook) -> list[str]:
    """The codes of every hard requirement p fails for q, in order."""
    out = []
    if q.day < p.active_from or (p.active_until is not None and q.day > p.active_until):
        out.append("inactive")
    if p.instrument not in q.instruments:
        out.append("instrument")
    if q.amount is not None:
        if p.currency not in q.amount:
            out.append("no_rate")
        elif q.amount[p.currency] < p.ticket_min or q.amount[p.currency] > p.ticket_max:
            out.append("ticket")
    channel_ok = [bool(x) for x in q.channel_ok.tolist()]
    if p.channel_class >= len(channel_ok) or not channel_ok[p.channel_class]:
        out.append("channel")
    if p.jurisdictions and q.jurisdiction not in p.jurisdictions:
        out.append("jurisdiction")
    if p.stages and q.stage not in p.stages:
        out.append("stage")
    if p.sectors and q.sector not in p.sectors:
        out.append("sector")
    if q.years_operating < p.min_years:
        out.append("years")
    if p.min_revenue > 0:
        revenue = (q.revenue or {}).get(p.min_revenue_currency)
        if revenue is None or revenue < p.min_revenue:
            out.append("revenue")
    if not p.required_certifications <= q.certifications:
        out.append("certifications")
    if p.required_qualifications and all(x in q.not_qualified for x in p.required_qualifications):
        out.append("qualification")
    if p.min_grade and q.grade and cb.grades.index(q.grade) > cb.grades.index(p.min_grade):
        out.append("grade")
    return out


def parts(
    p: ProductRow,
    q: Query,
    cb: Codebook,
    w: Weights,
    *,
    record: tuple[float, float] | None,  # (f, n) of p's institution for q's sector and stage
    platform_rate: float | None,
    exposure: int,
    mean_exposure: float,
) -> dict[str, float]:
    out: dict[str, float] = {}
    # semantic
    if p.embedding is None or q.embedding is None:
        out["semantic"] = w.neutral
    else:
        cos = 0.0
        for a, b in zip(p.embedding.tolist(), q.embedding.tolist(), strict=True):
            cos += a * b
        x = (cos - w.semantic_floor) / (w.semantic_ceiling - w.semantic_floor)
        out["semantic"] = min(1.0, max(0.0, x))
    # sector
    if not p.focus_sectors or not q.sector:
        out["sector"] = w.neutral
    elif q.sector in p.focus_sectors:
        out["sector"] = 1.0
    else:
        family = cb.sector_family[cb.sectors.index(q.sector)]
        families = {cb.sector_family[cb.sectors.index(s)] for s in p.focus_sectors}
        out["sector"] = w.family if family in families else 0.0
    # stage
    if not p.stages:
        out["stage"] = w.neutral
    elif not q.stage:
        out["stage"] = 0.0
    else:
        ords = [cb.stages.index(s) for s in p.stages]
        centre = sum(ords) / len(ords)
        x = 1.0 - abs(cb.stages.index(q.stage) - centre) / (max(ords) - min(ords) + 1)
        out["stage"] = min(1.0, max(0.0, x))
    # ticket (log scale, lifted to [floor, 1])
    if q.amount is None:
        out["ticket"] = w.neutral
    else:
        lo = max(p.ticket_min, p.ticket_max / 1000.0, 1.0)
        hi = max(p.ticket_max, 1.0)
        mid = (math.log(lo) + math.log(hi)) / 2.0
        half = (math.log(hi) - math.log(lo)) / 2.0
        if half <= 0:
            fit = 1.0
        else:
            a = max(q.amount[p.currency], 1.0)
            fit = min(1.0, max(0.0, 1.0 - abs(math.log(a) - mid) / half))
        out["ticket"] = w.ticket_floor + (1.0 - w.ticket_floor) * fit
    # term
    if q.term_months is None:
        out["term"] = w.neutral
    else:
        t = q.term_months
        if p.term_min is not None and t < p.term_min:
            d = float(p.term_min - t)
        elif p.term_max is not None and t > p.term_max:
            d = float(t - p.term_max)
        else:
            d = 0.0
        out["term"] = max(0.0, 1.0 - d / w.term_decay_months)
    # record
    m = w.neutral if platform_rate is None else platform_rate
    f, n = record if record is not None else (0.0, 0.0)
    out["record"] = (f + w.record_prior * m) / (n + w.record_prior)
    # load
    out["load"] = 1.0 / (1.0 + exposure / max(1.0, mean_exposure))
    return out


def score(part_values: Mapping[str, float], w: Weights) -> float:
    total = 0.0
    for name in PARTS:
        total += getattr(w, name) * part_values[name]
    return round(total * 1e9) / 1e9


def match(
    rows: Sequence[ProductRow],
    cb: Codebook,
    q: Query,
    w: Weights,
    *,
    records: RecordTable,
    exposure: Mapping[int, int],
    k: int,
) -> list[RefCandidate]:
    inst_rows = {inst: i for i, inst in enumerate(records.institution_ids.tolist())}
    f_list, n_list = records.f.tolist(), records.n.tolist()
    mean_exposure = sum(exposure.get(r.product_id, 0) for r in rows) / len(rows) if rows else 0.0
    found = []
    for p in rows:
        if fails(p, q, cb):
            continue
        record = None
        i = inst_rows.get(p.institution_id)
        if i is not None and q.sector and q.stage:
            s, t = cb.sectors.index(q.sector), cb.stages.index(q.stage)
            record = (f_list[i][s][t], n_list[i][s][t])
        values = parts(
            p,
            q,
            cb,
            w,
            record=record,
            platform_rate=records.platform_rate,
            exposure=exposure.get(p.product_id, 0),
            mean_exposure=mean_exposure,
        )
        found.append(RefCandidate(p.product_id, p.institution_id, score(values, w), values))
    found.sort(key=lambda c: (-c.score, c.product_id))
    return found[:k]
