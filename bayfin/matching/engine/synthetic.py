"""A seeded generator of matching inputs at any scale: products, records, exposure and queries.

Pure (numpy and the engine's own types; no Django, no app import), so the benchmarks and the
engine tests can draw a market of 10,000 products and 100,000 requests in a second or two
without a database. The codes mirror ``bayfin.common.vocab`` (the tests check they still do);
the distributions are those of the platform's market, roughly:

- institutions in Hengqin, Zhuhai, Macao, Hong Kong, Guangzhou and Shenzhen, about five
  products each, of a kind (bank, investor, guarantor, lessor/factor, securities firm) that
  decides the instruments they offer;
- ticket ranges by instrument (an angel round of RMB 0.5–5m, a bond of RMB 100m+), drawn in
  CNY and quoted in the institution's currency: CNY on the Mainland, MOP in Macao, HKD in
  Hong Kong, some USD everywhere; bounds rounded to two significant figures as people write
  them;
- about 30 % of products restrict their sectors (one to three, mostly one family), a third
  their jurisdictions; stages by instrument (equity early, bonds late, half the loans open);
  loans carry terms, minimum years, revenue, certifications, sci-tech qualifications and
  credit grades now and then; a few products are expired or not yet active;
- embeddings are random unit float32 vectors clustered by topic: a sector direction (itself
  near its family's) plus noise, so that a thesis and a description in the same sector have
  cosine about 0.5, the same family about 0.25 and unrelated sectors about 0, the spread
  the multilingual model gives (same subject about 0.45, unrelated below 0.18);
- requests: an amount (log-normal around RMB 5m) in the enterprise's currency, converted into
  every currency that has a rate; one to three instruments of one family; a term for most
  loan requests; 10 % are recommendation queries (every instrument, no amount, no term).

Every draw comes from ``numpy.random.default_rng`` seeded with ``(seed, what, block)``, and
queries are drawn in blocks of ``BLOCK`` rows, so row ``i`` is the same whichever ``n`` is
asked for (``queries(1_000)`` is the first thousand of ``queries(100_000)``), and
``query_batch(n)`` holds exactly the rows of ``QueryBatch.from_queries(queries(n))``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from .focus import product_focus
from .types import Codebook, ProductRow, Query, QueryBatch, RecordTable

DIM = 512
BLOCK = 1024
DAY = date(2026, 12, 1).toordinal()  # "today" of every generated query

INSTRUMENTS = (
    "equity",
    "convertible",
    "credit_loan",
    "ip_pledge_loan",
    "equity_pledge_loan",
    "guaranteed_loan",
    "venture_debt",
    "financial_leasing",
    "factoring",
    "guarantee",
    "bond",
)
SECTORS = {  # code -> family, as in bayfin.common.vocab.SECTORS
    "integrated_circuits": "information_technology",
    "ai_big_data": "information_technology",
    "iot": "information_technology",
    "biomedicine": "life_sciences",
    "tcm": "life_sciences",
    "new_materials": "energy_and_materials",
    "new_energy": "energy_and_materials",
    "advanced_manufacturing": "industry",
    "fintech": "finance",
    "culture_tourism": "services",
    "commerce_logistics": "services",
}
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "mature")
JURISDICTIONS = (
    "hengqin",
    "zhuhai",
    "macao",
    "hong_kong",
    "guangzhou",
    "shenzhen",
    "other_gba",
    "elsewhere",
)
CURRENCIES = ("CNY", "MOP", "HKD", "USD", "EUR")
CERTIFICATIONS = ("hnte", "scitech_sme", "macao_tech", "srdi")
QUALIFICATIONS = ("scitech_sme", "hnte", "macao_tech")
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
CNY_PER = {"CNY": 1.0, "MOP": 0.885, "HKD": 0.915, "USD": 7.18, "EUR": 7.76}  # CNY for one unit
LOANS = frozenset(
    {
        "credit_loan",
        "ip_pledge_loan",
        "equity_pledge_loan",
        "guaranteed_loan",
        "venture_debt",
        "financial_leasing",
        "factoring",
    }
)

# Institution kinds (coarse) and the instruments each offers, with weights.
KINDS: dict[str, dict[str, float]] = {
    "bank": {
        "credit_loan": 5,
        "ip_pledge_loan": 2,
        "equity_pledge_loan": 1,
        "guaranteed_loan": 3,
        "venture_debt": 1,
        "factoring": 1,
    },
    "investor": {"equity": 6, "convertible": 2},
    "guarantor": {"guarantee": 4, "guaranteed_loan": 1},
    "lessor": {"financial_leasing": 3, "factoring": 2},
    "securities": {"bond": 3, "equity": 1, "convertible": 1},
}
# The institution kind code (bayfin.common.vocab.InstitutionKind) a coarse kind stands for: what
# decides whether an open product takes its institution's sector focus (focus.product_focus).
VOCAB_KIND = {
    "bank": "commercial_bank",
    "investor": "venture_capital",
    "guarantor": "guarantee_company",
    "lessor": "financial_leasing",
    "securities": "securities_firm",
}
KIND_WEIGHTS = {
    "bank": 0.40,
    "investor": 0.32,
    "guarantor": 0.10,
    "lessor": 0.10,
    "securities": 0.08,
}
INSTITUTION_PLACES = {
    "hengqin": 20,
    "zhuhai": 15,
    "macao": 20,
    "hong_kong": 15,
    "guangzhou": 10,
    "shenzhen": 15,
    "other_gba": 5,
}
ENTERPRISE_PLACES = {
    "hengqin": 35,
    "zhuhai": 10,
    "macao": 25,
    "hong_kong": 10,
    "guangzhou": 6,
    "shenzhen": 10,
    "other_gba": 3,
    "elsewhere": 1,
}
PLACE_CURRENCY = {  # the currency a party in that place mostly quotes in, with weights
    "macao": {"MOP": 6, "CNY": 2, "HKD": 1, "USD": 1},
    "hong_kong": {"HKD": 6, "USD": 3, "CNY": 1},
}
MAINLAND_CURRENCY = {"CNY": 9, "USD": 1}
SECTOR_WEIGHTS = {
    "integrated_circuits": 14,
    "ai_big_data": 16,
    "iot": 9,
    "biomedicine": 11,
    "tcm": 8,
    "new_materials": 7,
    "new_energy": 8,
    "advanced_manufacturing": 10,
    "fintech": 8,
    "culture_tourism": 5,
    "commerce_logistics": 4,
}
STAGE_WEIGHTS = (10, 15, 25, 18, 10, 7, 15)
# Ticket by instrument: the lower bound in CNY (log-uniform between the two) and the max/min ratio.
TICKETS: dict[str, tuple[float, float, float, float]] = {
    "equity": (5e5, 3e7, 3, 20),
    "convertible": (1e6, 2e7, 3, 10),
    "credit_loan": (1e5, 5e6, 5, 50),
    "ip_pledge_loan": (5e5, 5e6, 4, 20),
    "equity_pledge_loan": (1e6, 1e7, 4, 20),
    "guaranteed_loan": (2e5, 5e6, 5, 40),
    "venture_debt": (2e6, 2e7, 3, 10),
    "financial_leasing": (1e6, 2e7, 5, 30),
    "factoring": (1e5, 2e6, 5, 50),
    "guarantee": (5e5, 1e7, 5, 40),
    "bond": (5e7, 3e8, 2, 10),
}
# Stages an instrument's products usually list (a contiguous range drawn inside these bounds).
STAGE_SPAN = {"equity": (0, 4), "convertible": (1, 5), "venture_debt": (2, 5), "bond": (5, 6)}


def codebook() -> Codebook:
    """The platform's codes, in the order of ``bayfin.common.vocab`` (and the scoring grades)."""
    return Codebook(
        instruments=INSTRUMENTS,
        sectors=tuple(SECTORS),
        sector_family=tuple(SECTORS.values()),
        stages=STAGES,
        jurisdictions=JURISDICTIONS,
        currencies=CURRENCIES,
        certifications=CERTIFICATIONS,
        qualifications=QUALIFICATIONS,
        grades=GRADES,
    )


@dataclass(frozen=True)
class Market:
    """What the queries need to know about the products' side: the channel table and the rates."""

    cb: Codebook
    channel_classes: tuple[
        tuple[str, str, str], ...
    ]  # (institution place, kind, currency) per product class
    query_classes: tuple[str, ...]  # the enterprise's place per query class
    channel_table: np.ndarray  # bool (n_query_classes, n_channel_classes)
    cny_per: dict[str, float]


def _rng(seed: int, what: str, block: int = 0) -> np.random.Generator:
    return np.random.default_rng(
        [seed, sum(ord(c) << (8 * (i % 4)) for i, c in enumerate(what)), block]
    )


def _pick(
    rng: np.random.Generator, weights: Mapping[str, float], size: int | None = None
) -> np.ndarray:
    keys = list(weights)
    p = np.asarray([weights[k] for k in keys], dtype=float)
    return np.asarray(keys)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _round2(x: float) -> float:
    """Two significant figures, as a product sheet writes a ticket bound."""
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x)) - 1
    return float(round(x / 10**e) * 10**e)


def _round2v(x: np.ndarray) -> np.ndarray:
    """``_round2`` over an array of positive values."""
    scale = 10.0 ** (np.floor(np.log10(x)) - 1)
    return np.round(x / scale) * scale


def market(seed: int = 0, cb: Codebook | None = None) -> Market:
    """The channel classes and the table saying which query class a channel serves."""
    cb = cb or codebook()
    rng = _rng(seed, "market")
    classes = tuple(
        (place, kind, cur)
        for place in INSTITUTION_PLACES
        for kind in KINDS
        for cur in ("CNY", "MOP", "HKD", "USD")
    )
    places = cb.jurisdictions
    table = np.zeros((len(places), len(classes)), dtype=bool)
    mainland = {"hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"}
    for q, qplace in enumerate(places):
        for c, (iplace, _kind, cur) in enumerate(classes):
            same_side = (
                (qplace in mainland) == (iplace in mainland)
                and qplace not in ("macao", "hong_kong")
                or qplace == iplace
            )
            if same_side:
                p = 0.98
            elif qplace == "elsewhere":
                p = 0.35 if cur == "USD" else 0.1
            elif "hengqin" in (qplace, iplace) and "macao" in (qplace, iplace):
                p = 0.95  # the Hengqin-Macao corridor: cross-border RMB loans, MOP both ways
            else:
                p = 0.75 if cur in ("CNY", "HKD", "USD") else 0.55
            table[q, c] = rng.random() < p
    return Market(
        cb=cb,
        channel_classes=classes,
        query_classes=places,
        channel_table=table,
        cny_per=dict(CNY_PER),
    )


def topics(seed: int = 0, cb: Codebook | None = None) -> np.ndarray:
    """One unit direction per sector (float64 (n_sectors, DIM)); sectors of a family share half of it."""
    cb = cb or codebook()
    rng = _rng(seed, "topics")
    families = sorted(set(cb.sector_family))
    fam = {f: _unit(rng.standard_normal(DIM)) for f in families}
    out = np.empty((len(cb.sectors), DIM))
    for i, f in enumerate(cb.sector_family):
        out[i] = _unit(fam[f] + _unit(rng.standard_normal(DIM)))
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _embed(rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    """Unit float32 vectors about ``centres`` (rows): cosine about 0.72 to the centre."""
    noise = _unit(rng.standard_normal(centres.shape))
    return _unit(0.72 * centres + 0.69 * noise).astype(np.float32)


def products(
    n: int,
    *,
    seed: int = 0,
    cb: Codebook | None = None,
    mk: Market | None = None,
    embeddings: bool = True,
    thesis_share: float = 0.85,
    day: int = DAY,
) -> list[ProductRow]:
    """``n`` products with ids 1..n, about five per institution, sorted by product id."""
    cb = cb or codebook()
    mk = mk or market(seed, cb)
    rng = _rng(seed, "products")
    n_inst = max(1, n // 5)
    inst_place = _pick(rng, INSTITUTION_PLACES, n_inst)
    inst_kind = _pick(rng, KIND_WEIGHTS, n_inst)
    size = rng.lognormal(0.0, 0.8, n_inst)
    inst_of = np.sort(rng.choice(n_inst, size=n, p=size / size.sum()))
    sector_p = np.asarray([SECTOR_WEIGHTS[s] for s in cb.sectors], dtype=float)
    sector_p /= sector_p.sum()
    family_of = np.asarray(cb.sector_family)
    centres = topics(seed, cb)
    class_index = {c: i for i, c in enumerate(mk.channel_classes)}

    drafts: list[ProductRow] = []
    topic_of: list[int] = []
    for pid in range(1, n + 1):
        i = int(inst_of[pid - 1])
        place, kind = str(inst_place[i]), str(inst_kind[i])
        instrument = str(_pick(rng, KINDS[kind]))
        currency = str(_pick(rng, PLACE_CURRENCY.get(place, MAINLAND_CURRENCY)))
        lo_a, lo_b, r_a, r_b = TICKETS[instrument]
        lo_cny = math.exp(rng.uniform(math.log(lo_a), math.log(lo_b)))
        ratio = math.exp(rng.uniform(math.log(r_a), math.log(r_b)))
        ticket_min = _round2(lo_cny / CNY_PER[currency])
        ticket_max = _round2(lo_cny * ratio / CNY_PER[currency])
        if rng.random() < 0.30:
            k = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
            first = int(rng.choice(len(cb.sectors), p=sector_p))
            if rng.random() < 0.7:  # stay within the first sector's family
                pool = np.flatnonzero(family_of == family_of[first])
            else:
                pool = np.arange(len(cb.sectors))
            pool = pool[pool != first]
            more = (
                rng.choice(pool, size=min(k - 1, len(pool)), replace=False)
                if k > 1 and len(pool)
                else ()
            )
            sectors = frozenset(cb.sectors[j] for j in [first, *map(int, more)])
        else:
            sectors = frozenset()
        if (
            instrument in STAGE_SPAN
            or (instrument in LOANS and rng.random() < 0.5)
            or rng.random() < 0.2
        ):
            lo, hi = STAGE_SPAN.get(instrument, (2, 6))
            a = int(rng.integers(lo, hi + 1))
            b = int(rng.integers(a, hi + 1))
            stages = frozenset(cb.stages[a : b + 1])
        else:
            stages = frozenset()
        if rng.random() < 0.35:
            others = [j for j in cb.jurisdictions if j != place]
            extra = rng.choice(others, size=int(rng.integers(0, 4)), replace=False)
            jurisdictions = frozenset({place, *map(str, extra)})
        else:
            jurisdictions = frozenset()
        loan = instrument in LOANS
        if loan or instrument == "bond":
            term_min = int(rng.choice([0, 3, 6, 12])) if rng.random() < 0.8 else None
            term_max = int(rng.choice([12, 24, 36, 60, 120])) if rng.random() < 0.9 else None
            term_min = term_min or None
        else:
            term_min = term_max = None
        min_years = int(rng.choice([1, 2, 3, 5])) if rng.random() < (0.5 if loan else 0.2) else 0
        if loan and rng.random() < 0.3:
            rev_cur = currency if rng.random() < 0.8 else "CNY"
            min_revenue = _round2(
                math.exp(rng.uniform(math.log(1e6), math.log(5e7))) / CNY_PER[rev_cur]
            )
        else:
            rev_cur, min_revenue = "", 0.0
        certs = (
            frozenset({str(rng.choice(cb.certifications))}) if rng.random() < 0.15 else frozenset()
        )
        if rng.random() < 0.10:
            quals = frozenset(
                map(str, rng.choice(cb.qualifications, size=int(rng.integers(1, 3)), replace=False))
            )
        else:
            quals = frozenset()
        min_grade = str(rng.choice(["BBB", "BB", "B"])) if loan and rng.random() < 0.2 else ""
        active_from = day - int(rng.integers(0, 1000))
        if rng.random() < 0.03:
            active_from = day + int(rng.integers(1, 90))
        active_until = day + int(rng.integers(-200, 700)) if rng.random() < 0.2 else None
        if active_until is not None and active_until < active_from:
            active_until = active_from
        topic = (
            int(rng.choice([cb.sectors.index(s) for s in sorted(sectors)]))
            if sectors
            else int(rng.choice(len(cb.sectors), p=sector_p))
        )
        thesis = embeddings and rng.random() < thesis_share
        drafts.append(
            ProductRow(
                product_id=pid,
                institution_id=i + 1,
                instrument=instrument,
                sectors=sectors,
                focus_sectors=sectors,
                stages=stages,
                jurisdictions=jurisdictions,
                currency=currency,
                ticket_min=ticket_min,
                ticket_max=ticket_max,
                term_min=term_min,
                term_max=term_max,
                min_years=min_years,
                min_revenue=min_revenue,
                min_revenue_currency=rev_cur,
                required_certifications=certs,
                required_qualifications=quals,
                min_grade=min_grade,
                active_from=active_from,
                active_until=active_until,
                channel_class=class_index[(place, kind, currency)],
            )
        )
        topic_of.append(topic if thesis else -1)
    # focus: the product's sectors, else (for an investor) its institution's products' sectors
    union: dict[int, set[str]] = {}
    for d in drafts:
        union.setdefault(d.institution_id, set()).update(d.sectors)
    has = [j for j, t in enumerate(topic_of) if t >= 0]
    vectors = (
        _embed(rng, centres[[topic_of[j] for j in has]]) if has else np.zeros((0, DIM), np.float32)
    )
    vec_of = dict(zip(has, vectors, strict=True))
    rows = [
        replace(
            d,
            focus_sectors=product_focus(
                d.sectors,
                union[d.institution_id],
                VOCAB_KIND[str(inst_kind[d.institution_id - 1])],
            ),
            embedding=vec_of.get(j),
        )
        for j, d in enumerate(drafts)
    ]
    return rows


def records(
    rows: Sequence[ProductRow], cb: Codebook | None = None, *, seed: int = 0, new_share: float = 0.3
) -> RecordTable:
    """Deal records of the products' institutions: about 30 % have none (new), the rest ~8 deals."""
    cb = cb or codebook()
    rng = _rng(seed, "records")
    inst = np.asarray(sorted({r.institution_id for r in rows}), dtype=np.int64)
    n_s, n_t = len(cb.sectors), len(cb.stages)
    funded = np.zeros((len(inst), n_s, n_t))
    final = np.zeros((len(inst), n_s, n_t))
    focus: dict[int, list[int]] = {}
    for r in rows:
        focus.setdefault(r.institution_id, []).extend(cb.sectors.index(s) for s in r.focus_sectors)
    for k, iid in enumerate(inst):
        if rng.random() < new_share:
            continue
        deals = int(rng.poisson(8))
        rate = rng.beta(3, 5)
        pool = focus.get(int(iid)) or list(range(n_s))
        for _ in range(deals):
            s = int(rng.choice(pool)) if rng.random() < 0.8 else int(rng.integers(n_s))
            t = int(rng.choice(n_t, p=np.asarray(STAGE_WEIGHTS) / sum(STAGE_WEIGHTS)))
            if rng.random() < 0.85:  # reached a final outcome or funding
                final[k, s, t] += 1
                funded[k, s, t] += rng.random() < rate
    total = final.sum()
    platform_rate = float(funded.sum() / total) if total else 0.5

    def weighted(a: np.ndarray) -> np.ndarray:  # same stage + 0.5 x same sector at other stages
        return a + 0.5 * (a.sum(axis=2, keepdims=True) - a)

    return RecordTable(
        institution_ids=inst, f=weighted(funded), n=weighted(final), platform_rate=platform_rate
    )


def exposure(
    rows: Sequence[ProductRow], *, seed: int = 0, queries: int = 10_000, top: int = 5
) -> dict[int, int]:
    """Appearances of each product in a previous batch's top-``top`` lists (Zipf-skewed; absent = 0)."""
    rng = _rng(seed, "exposure")
    ids = np.asarray([r.product_id for r in rows], dtype=np.int64)
    weight = 1.0 / np.arange(1, len(ids) + 1) ** 1.1
    weight = weight[rng.permutation(len(ids))]
    counts = rng.multinomial(queries * top, weight / weight.sum())
    return {int(i): int(c) for i, c in zip(ids, counts, strict=True) if c}


# -- queries -------------------------------------------------------------------------------------------------------


def _query_block(
    seed: int,
    block: int,
    rows: int,
    cb: Codebook,
    mk: Market,
    centres: np.ndarray,
    recommendation_share: float,
    day: int,
) -> dict[str, np.ndarray]:
    """``rows`` queries of block ``block`` as columns (bit masks in codebook order, -1 / NaN = none)."""
    rng = _rng(seed, "queries", block)
    n_i, n_c = len(cb.instruments), len(cb.currencies)
    sector_p = np.asarray([SECTOR_WEIGHTS[s] for s in cb.sectors], dtype=float)
    sector = rng.choice(len(cb.sectors), size=rows, p=sector_p / sector_p.sum())
    stage = rng.choice(len(cb.stages), size=rows, p=np.asarray(STAGE_WEIGHTS) / sum(STAGE_WEIGHTS))
    place_p = np.asarray([ENTERPRISE_PLACES.get(j, 0) for j in cb.jurisdictions], dtype=float)
    place = rng.choice(len(cb.jurisdictions), size=rows, p=place_p / place_p.sum())
    recommendation = rng.random(rows) < recommendation_share
    # instruments: one to three of a family (equity-like or debt-like), by stage
    equity_like = [cb.instruments.index(c) for c in ("equity", "convertible")]
    debt_like = [j for j, c in enumerate(cb.instruments) if c in LOANS or c == "guarantee"]
    wants_equity = rng.random(rows) < np.where(stage <= 3, 0.7, 0.2)
    k = rng.choice([1, 2, 3], size=rows, p=[0.5, 0.3, 0.2])
    instruments = np.zeros(rows, dtype=np.int64)
    for pool, rows_of in ((equity_like, wants_equity), (debt_like, ~wants_equity)):
        order = np.argsort(
            rng.random((rows, len(pool))), axis=1
        )  # a random order of the pool per row
        for rank in range(min(3, len(pool))):
            take = rows_of & (k > rank)
            instruments[take] |= np.int64(1) << np.asarray(pool, dtype=np.int64)[order[take, rank]]
    bond = (stage >= 5) & (rng.random(rows) < 0.2)
    instruments[bond] |= np.int64(1) << cb.instruments.index("bond")
    instruments[recommendation] = (1 << n_i) - 1
    # amount in the enterprise's currency, converted into every currency with a rate
    own_idx = np.zeros(rows, dtype=np.int64)
    draw = rng.random(rows)
    for p_i, p_code in enumerate(cb.jurisdictions):
        weights = PLACE_CURRENCY.get(p_code, MAINLAND_CURRENCY)
        cum = np.cumsum(list(weights.values())) / sum(weights.values())
        at = place == p_i
        own_idx[at] = np.asarray([cb.currencies.index(c) for c in weights])[
            np.searchsorted(cum, draw[at], side="right")
        ]
    cny = np.exp(rng.normal(math.log(5e6) + 0.35 * (stage - 2), 1.1, rows))
    cny_per = np.asarray([mk.cny_per.get(c, np.nan) for c in cb.currencies])
    own_units = _round2v(cny / cny_per[own_idx])
    amount = (own_units * cny_per[own_idx])[:, None] / cny_per[None, :]
    missing = rng.random(rows) < 0.01  # a rate the fx service does not have today
    gone = rng.integers(0, n_c, rows)
    missing &= gone != own_idx
    amount[np.flatnonzero(missing), gone[missing]] = np.nan
    amount[recommendation] = np.nan
    has_amount = ~recommendation
    debt = (instruments & sum(1 << j for j in debt_like)) != 0
    term = np.where(
        debt & (rng.random(rows) < 0.8) & has_amount,
        rng.choice([6, 12, 18, 24, 36, 60], size=rows),
        -1,
    ).astype(np.int64)
    years = np.minimum(np.round(rng.exponential(2.0 + stage, rows)), 40).astype(np.int64)
    has_revenue = rng.random(rows) < 0.7
    rev_cny = np.exp(rng.normal(math.log(3e6) + 0.5 * stage, 1.2, rows))
    revenue = np.where(has_revenue[:, None], rev_cny[:, None] / cny_per[None, :], np.nan)
    certs = np.zeros(rows, dtype=np.int64)
    for j in range(len(cb.certifications)):
        certs |= (rng.random(rows) < 0.2).astype(np.int64) << j
    decided = rng.random((rows, len(cb.qualifications))) < 0.4
    passed = rng.random((rows, len(cb.qualifications))) < 0.5
    bits = 1 << np.arange(len(cb.qualifications), dtype=np.int64)
    qualified = ((decided & passed) * bits).sum(axis=1)
    not_qualified = ((decided & ~passed) * bits).sum(axis=1)
    grade = np.where(
        rng.random(rows) < 0.5,
        rng.choice(len(cb.grades), size=rows, p=_grade_p(len(cb.grades))),
        -1,
    ).astype(np.int64)
    has_embedding = rng.random(rows) < 0.9
    embedding = _embed(rng, centres[sector])
    return {
        "instruments": instruments,
        "amount": amount,
        "has_amount": has_amount,
        "term": term,
        "sector": sector,
        "stage": stage,
        "jurisdiction": place,
        "years": years,
        "revenue": revenue,
        "has_revenue": has_revenue,
        "certifications": certs,
        "qualified": qualified,
        "not_qualified": not_qualified,
        "grade": grade,
        "channel_class": place.astype(np.int64),
        "embedding": embedding,
        "has_embedding": has_embedding,
        "day": np.full(rows, day, dtype=np.int64),
    }


def _grade_p(n: int) -> np.ndarray:
    p = np.asarray([2, 5, 10, 18, 22, 18, 12, 8, 5][:n], dtype=float)
    return p / p.sum()


def query_columns(
    n: int,
    *,
    seed: int = 0,
    start: int = 0,
    cb: Codebook | None = None,
    mk: Market | None = None,
    recommendation_share: float = 0.1,
    day: int = DAY,
) -> dict[str, np.ndarray]:
    """Rows ``start .. start + n`` of the query stream as columns (see ``_query_block``), ids from 1."""
    cb = cb or codebook()
    mk = mk or market(seed, cb)
    centres = topics(seed, cb)
    first, last = start // BLOCK, max((start + n + BLOCK - 1) // BLOCK, start // BLOCK + 1)
    cols: dict[str, np.ndarray] = {}
    for b in range(first, last):  # filled block by block: no second copy of the embeddings
        part = _query_block(seed, b, BLOCK, cb, mk, centres, recommendation_share, day)
        lo, hi = max(start, b * BLOCK), min(start + n, (b + 1) * BLOCK)
        if not cols:
            cols = {key: np.empty((n, *v.shape[1:]), dtype=v.dtype) for key, v in part.items()}
        for key, v in part.items():
            cols[key][lo - start : hi - start] = v[lo - b * BLOCK : hi - b * BLOCK]
    ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
    cols["query_id"] = ids
    cols["enterprise_id"] = ids
    return cols


def _mask_set(mask: int, codes: Sequence[str]) -> frozenset[str]:
    return frozenset(c for j, c in enumerate(codes) if mask >> j & 1)


def queries(
    n: int,
    *,
    seed: int = 0,
    start: int = 0,
    cb: Codebook | None = None,
    mk: Market | None = None,
    recommendation_share: float = 0.1,
    day: int = DAY,
) -> list[Query]:
    """The same rows as ``query_columns``, as ``Query`` objects."""
    cb = cb or codebook()
    mk = mk or market(seed, cb)
    cols = query_columns(
        n, seed=seed, start=start, cb=cb, mk=mk, recommendation_share=recommendation_share, day=day
    )
    out = []
    for r in range(n):
        amount = (
            {
                c: float(cols["amount"][r, j])
                for j, c in enumerate(cb.currencies)
                if not np.isnan(cols["amount"][r, j])
            }
            if cols["has_amount"][r]
            else None
        )
        revenue = (
            {c: float(cols["revenue"][r, j]) for j, c in enumerate(cb.currencies)}
            if cols["has_revenue"][r]
            else None
        )
        out.append(
            Query(
                query_id=int(cols["query_id"][r]),
                enterprise_id=int(cols["enterprise_id"][r]),
                instruments=_mask_set(int(cols["instruments"][r]), cb.instruments),
                amount=amount,
                term_months=int(cols["term"][r]) if cols["term"][r] >= 0 else None,
                sector=cb.sectors[cols["sector"][r]],
                stage=cb.stages[cols["stage"][r]],
                jurisdiction=cb.jurisdictions[cols["jurisdiction"][r]],
                years_operating=int(cols["years"][r]),
                revenue=revenue,
                certifications=_mask_set(int(cols["certifications"][r]), cb.certifications),
                qualified=_mask_set(int(cols["qualified"][r]), cb.qualifications),
                not_qualified=_mask_set(int(cols["not_qualified"][r]), cb.qualifications),
                grade=cb.grades[cols["grade"][r]] if cols["grade"][r] >= 0 else "",
                day=int(cols["day"][r]),
                channel_ok=mk.channel_table[cols["channel_class"][r]].copy(),
                embedding=cols["embedding"][r] if cols["has_embedding"][r] else None,
            )
        )
    return out


def query_batch(
    n: int,
    *,
    seed: int = 0,
    start: int = 0,
    cb: Codebook | None = None,
    mk: Market | None = None,
    recommendation_share: float = 0.1,
    day: int = DAY,
) -> QueryBatch:
    """The same rows as ``queries`` as a ``QueryBatch``, built from the columns (no ``Query`` objects)."""
    cb = cb or codebook()
    mk = mk or market(seed, cb)
    cols = query_columns(
        n, seed=seed, start=start, cb=cb, mk=mk, recommendation_share=recommendation_share, day=day
    )
    return _to_batch(cols, cb, mk)


def _to_batch(cols: dict[str, np.ndarray], cb: Codebook, mk: Market) -> QueryBatch:
    embedding = cols["embedding"]
    embedding[~cols["has_embedding"]] = 0.0  # the batch holds zeros where there is no embedding
    return QueryBatch(
        query_id=cols["query_id"],
        enterprise_id=cols["enterprise_id"],
        instruments=cols["instruments"],
        has_amount=cols["has_amount"],
        amount=cols["amount"],
        term=np.where(cols["term"] >= 0, cols["term"], np.nan).astype(np.float64),
        sector=cols["sector"].astype(np.int64),
        stage=cols["stage"].astype(np.int64),
        jurisdiction=cols["jurisdiction"].astype(np.int64),
        years=cols["years"],
        revenue=np.where(cols["has_revenue"][:, None], cols["revenue"], np.nan),
        certifications=cols["certifications"],
        qualified=cols["qualified"].astype(np.int64),
        not_qualified=cols["not_qualified"].astype(np.int64),
        grade=cols["grade"],
        day=cols["day"],
        channel_class=cols["channel_class"],
        channel_table=mk.channel_table,
        has_embedding=cols["has_embedding"],
        embedding=embedding,
    )


# -- texts for the embedding benchmark -----------------------------------------------------------------------------

_SUBJECTS = {
    "integrated_circuits": ("芯片设计", "design de chips", "chip design"),
    "ai_big_data": (
        "人工智能与大数据",
        "inteligência artificial e big data",
        "artificial intelligence and big data",
    ),
    "iot": ("物联网传感器", "sensores de internet das coisas", "internet of things sensors"),
    "biomedicine": ("创新药物研发", "investigação de novos medicamentos", "new drug research"),
    "tcm": (
        "中医药产品",
        "produtos de medicina tradicional chinesa",
        "traditional Chinese medicine products",
    ),
    "new_materials": ("新型复合材料", "novos materiais compósitos", "new composite materials"),
    "new_energy": ("储能电池", "baterias de armazenamento de energia", "energy storage batteries"),
    "advanced_manufacturing": ("工业机器人", "robôs industriais", "industrial robots"),
    "fintech": (
        "跨境支付平台",
        "plataforma de pagamentos transfronteiriços",
        "cross-border payment platform",
    ),
    "culture_tourism": (
        "文旅会展服务",
        "serviços de turismo cultural e convenções",
        "cultural tourism and events",
    ),
    "commerce_logistics": (
        "跨境电商物流",
        "logística de comércio eletrónico transfronteiriço",
        "cross-border e-commerce logistics",
    ),
}
_TEMPLATES = (
    (
        "我们是一家位于{place}的科技企业，专注于{subject}，现寻求融资以扩大产能。",
        "Somos uma empresa tecnológica em {place} dedicada a {subject}; procuramos financiamento para expandir.",
        "We are a technology company in {place} focused on {subject}, raising funds to scale up production.",
    ),
    (
        "本基金投资于粤港澳大湾区{subject}领域的早期企业。",
        "O fundo investe em empresas em fase inicial de {subject} na Grande Baía.",
        "The fund invests in early-stage {subject} companies across the Greater Bay Area.",
    ),
    (
        "为{subject}企业提供流动资金贷款，支持研发和市场拓展。",
        "Empréstimos de fundo de maneio para empresas de {subject}, apoiando I&D e expansão comercial.",
        "Working-capital loans for {subject} firms to support research and market expansion.",
    ),
    (
        "公司在{place}完成了{subject}的中试，计划明年量产。",
        "A empresa concluiu em {place} o piloto de {subject} e prevê produção em massa no próximo ano.",
        "The company completed a pilot of {subject} in {place} and plans mass production next year.",
    ),
)
_PLACES = (
    ("横琴", "Hengqin", "Hengqin"),
    ("澳门", "Macau", "Macao"),
    ("珠海", "Zhuhai", "Zhuhai"),
    ("香港", "Hong Kong", "Hong Kong"),
    ("深圳", "Shenzhen", "Shenzhen"),
)


def texts(n: int, *, seed: int = 0) -> list[str]:
    """``n`` short descriptions and theses, a third each in Chinese, Portuguese and English."""
    rng = _rng(seed, "texts")
    subjects = list(_SUBJECTS.values())
    out = []
    for i in range(n):
        lang = i % 3
        template = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))][lang]
        subject = subjects[int(rng.integers(len(subjects)))][lang]
        place = _PLACES[int(rng.integers(len(_PLACES)))][lang]
        text = template.format(subject=subject, place=place)
        if rng.random() < 0.5:  # a second sentence on another subject, as real descriptions wander
            text += " " + _TEMPLATES[int(rng.integers(len(_TEMPLATES)))][lang].format(
                subject=subjects[int(rng.integers(len(subjects)))][lang], place=place
            )
        out.append(text)
    return out
