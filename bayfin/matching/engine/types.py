"""What the matching engine reads: the codebook, the products, the queries (one or a batch), the record.

Plain frozen dataclasses and numpy arrays; codes are passed in by the caller (the engine imports
no vocabulary). A code outside the codebook in a product is an error (``ValueError`` when the index
is built); in a query, the empty string means "unknown" (for sector, stage, jurisdiction, grade).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

MAX_CODES = 63  # one int64 bit mask per code list


# The code lists of a Codebook that are positions (bits or ordinals); sector_family is per sector.
CODE_LISTS = (
    "instruments",
    "sectors",
    "stages",
    "jurisdictions",
    "currencies",
    "certifications",
    "qualifications",
    "grades",
)


@dataclass(frozen=True)
class Codebook:
    """The code lists in bit/ordinal order, built by the caller from the vocabulary."""

    instruments: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_family: tuple[str, ...]  # the family code of each sector, same order as ``sectors``
    stages: tuple[str, ...]  # ordered seed .. mature
    jurisdictions: tuple[str, ...]
    currencies: tuple[str, ...]
    certifications: tuple[str, ...]
    qualifications: tuple[str, ...]
    grades: tuple[str, ...]  # best (AAA) .. worst (C)

    def __post_init__(self) -> None:
        if len(self.sector_family) != len(self.sectors):
            raise ValueError("sector_family needs one family code per sector")
        for name in CODE_LISTS:
            codes = getattr(self, name)
            if len(codes) > MAX_CODES:
                raise ValueError(f"{name}: at most {MAX_CODES} codes (one int64 bit mask)")
            if len(set(codes)) != len(codes) or "" in codes:
                raise ValueError(f"{name}: codes must be distinct and non-empty")

    @cached_property
    def position(self) -> dict[str, dict[str, int]]:
        """Code -> bit/ordinal position, per code list."""
        return {
            name: {code: i for i, code in enumerate(getattr(self, name))} for name in CODE_LISTS
        }

    def index_of(self, kind: str, code: str, *, unknown_ok: bool = False) -> int:
        """The position of ``code`` in the list ``kind``; -1 for "" (or any unknown code if allowed)."""
        pos = self.position[kind].get(code)
        if pos is None:
            if code == "" or unknown_ok:
                return -1
            raise ValueError(f"unknown {kind} code {code!r}")
        return pos

    def mask_of(self, kind: str, codes: frozenset[str] | set[str]) -> int:
        """The bit mask of a set of codes (every code must be known)."""
        mask = 0
        for code in codes:
            mask |= 1 << self.index_of(kind, code)
        return mask


@dataclass(frozen=True)
class ProductRow:
    """One product as the index sees it."""

    product_id: int
    institution_id: int
    instrument: str
    sectors: frozenset[str]  # empty = all sectors
    focus_sectors: frozenset[str]  # for the soft part (focus.product_focus); empty = neutral
    stages: frozenset[str]  # empty = all
    jurisdictions: frozenset[str]  # empty = all
    currency: str  # ticket currency
    ticket_min: float
    ticket_max: float  # both in ``currency``
    term_min: int | None
    term_max: int | None
    min_years: int
    min_revenue: float  # 0 = none
    min_revenue_currency: str  # "" = none
    required_certifications: frozenset[str]  # all required
    required_qualifications: frozenset[str]  # any of them (sci-tech status)
    min_grade: str  # "" = none
    active_from: int  # date.toordinal()
    active_until: int | None
    channel_class: int  # index into the caller's product channel classes
    embedding: np.ndarray | None = field(default=None, compare=False)  # float32, L2-normalised


@dataclass(frozen=True)
class Query:
    """A financing request, or an enterprise without a request (a recommendation query)."""

    query_id: int
    enterprise_id: int
    instruments: frozenset[str]  # a recommendation query passes every instrument
    amount: dict[str, float] | None  # the amount in each currency that has a rate; None = no amount
    term_months: int | None
    sector: str
    stage: str
    jurisdiction: str
    years_operating: int
    revenue: dict[str, float] | None  # latest revenue in each currency; None = not declared
    certifications: frozenset[str]  # valid today
    qualified: frozenset[str]
    not_qualified: frozenset[str]  # sci-tech statuses that are decided
    grade: str  # "" = none
    day: int  # date.toordinal() of "today"
    channel_ok: np.ndarray = field(compare=False)  # bool (n_channel_classes,)
    embedding: np.ndarray | None = field(default=None, compare=False)  # float32, normalised


@dataclass(frozen=True, eq=False)
class QueryBatch:
    """Many queries as columns (row i = query i). Codes are positions in the codebook, -1 = unknown.

    Money columns are ``(n, len(cb.currencies))`` float64 with NaN where there is no rate / no value.
    ``channel_table[channel_class[i]]`` is query i's ``channel_ok``; ``embedding[i]`` is meaningful
    only where ``has_embedding[i]`` (zeros elsewhere).
    """

    query_id: np.ndarray  # int64 (n,)
    enterprise_id: np.ndarray  # int64 (n,)
    instruments: np.ndarray  # int64 bit mask (n,)
    has_amount: np.ndarray  # bool (n,)
    amount: np.ndarray  # float64 (n, n_currencies), NaN = no rate (or no amount)
    term: np.ndarray  # float64 (n,), NaN = no term
    sector: np.ndarray  # int64 (n,), -1 = unknown
    stage: np.ndarray  # int64 (n,), -1 = unknown
    jurisdiction: np.ndarray  # int64 (n,), -1 = unknown
    years: np.ndarray  # int64 (n,)
    revenue: np.ndarray  # float64 (n, n_currencies), NaN = not declared / no rate
    certifications: np.ndarray  # int64 bit mask (n,)
    qualified: np.ndarray  # int64 bit mask (n,)
    not_qualified: np.ndarray  # int64 bit mask (n,)
    grade: np.ndarray  # int64 (n,), -1 = none
    day: np.ndarray  # int64 (n,)
    channel_class: np.ndarray  # int64 (n,), row of channel_table
    channel_table: np.ndarray  # bool (n_query_classes, n_channel_classes)
    has_embedding: np.ndarray  # bool (n,)
    embedding: np.ndarray  # float32 (n, dim); dim may be 0 when no query has an embedding

    def __len__(self) -> int:
        return int(self.query_id.shape[0])

    @classmethod
    def from_queries(cls, queries: Sequence[Query], cb: Codebook) -> QueryBatch:
        n = len(queries)
        ncur = len(cb.currencies)
        amount = np.full((n, ncur), np.nan)
        revenue = np.full((n, ncur), np.nan)
        term = np.full(n, np.nan)
        has_amount = np.zeros(n, dtype=bool)
        classes: dict[bytes, int] = {}
        table: list[np.ndarray] = []
        channel_class = np.zeros(n, dtype=np.int64)
        dim = next((q.embedding.shape[0] for q in queries if q.embedding is not None), 0)
        embedding = np.zeros((n, dim), dtype=np.float32)
        has_embedding = np.zeros(n, dtype=bool)
        cols: dict[str, list[int]] = {
            k: []
            for k in (
                "query_id",
                "enterprise_id",
                "instruments",
                "sector",
                "stage",
                "jurisdiction",
                "years",
                "certifications",
                "qualified",
                "not_qualified",
                "grade",
                "day",
            )
        }
        for i, q in enumerate(queries):
            cols["query_id"].append(q.query_id)
            cols["enterprise_id"].append(q.enterprise_id)
            cols["instruments"].append(_known_mask(cb, "instruments", q.instruments))
            cols["sector"].append(cb.index_of("sectors", q.sector))
            cols["stage"].append(cb.index_of("stages", q.stage))
            cols["jurisdiction"].append(cb.index_of("jurisdictions", q.jurisdiction))
            cols["years"].append(q.years_operating)
            cols["certifications"].append(_known_mask(cb, "certifications", q.certifications))
            cols["qualified"].append(_known_mask(cb, "qualifications", q.qualified))
            cols["not_qualified"].append(_known_mask(cb, "qualifications", q.not_qualified))
            cols["grade"].append(cb.index_of("grades", q.grade))
            cols["day"].append(q.day)
            if q.amount is not None:
                has_amount[i] = True
                _fill_money(amount, i, q.amount, cb)
            if q.revenue is not None:
                _fill_money(revenue, i, q.revenue, cb)
            if q.term_months is not None:
                term[i] = q.term_months
            ok = np.ascontiguousarray(q.channel_ok, dtype=bool)
            key = ok.tobytes() + len(ok).to_bytes(4, "little")
            if key not in classes:
                classes[key] = len(table)
                table.append(ok)
            channel_class[i] = classes[key]
            if q.embedding is not None:
                if q.embedding.shape != (dim,):
                    raise ValueError("every query embedding must have the same dimension")
                embedding[i] = q.embedding
                has_embedding[i] = True
        widths = {len(t) for t in table}
        if len(widths) > 1:
            raise ValueError("every query's channel_ok must have the same length")
        width = widths.pop() if widths else 0
        channel_table = np.array(table, dtype=bool).reshape(len(table), width)

        def col(name: str) -> np.ndarray:
            return np.array(cols[name], dtype=np.int64).reshape(n)

        return cls(
            query_id=col("query_id"),
            enterprise_id=col("enterprise_id"),
            instruments=col("instruments"),
            has_amount=has_amount,
            amount=amount,
            term=term,
            sector=col("sector"),
            stage=col("stage"),
            jurisdiction=col("jurisdiction"),
            years=col("years"),
            revenue=revenue,
            certifications=col("certifications"),
            qualified=col("qualified"),
            not_qualified=col("not_qualified"),
            grade=col("grade"),
            day=col("day"),
            channel_class=channel_class,
            channel_table=channel_table,
            has_embedding=has_embedding,
            embedding=embedding,
        )

    def row(self, i: int, cb: Codebook) -> Query:
        """Query i back as a ``Query`` (for explanations and "why not" on a batch row)."""

        def codes(kind: str, mask: int) -> frozenset[str]:
            names: tuple[str, ...] = getattr(cb, kind)
            return frozenset(c for b, c in enumerate(names) if mask >> b & 1)

        def code(kind: str, pos: int) -> str:
            names: tuple[str, ...] = getattr(cb, kind)
            return names[pos] if pos >= 0 else ""

        def money(arr: np.ndarray) -> dict[str, float]:
            return {
                c: float(arr[i, j]) for j, c in enumerate(cb.currencies) if arr[i, j] == arr[i, j]
            }

        revenue = money(self.revenue)
        return Query(
            query_id=int(self.query_id[i]),
            enterprise_id=int(self.enterprise_id[i]),
            instruments=codes("instruments", int(self.instruments[i])),
            amount=money(self.amount) if self.has_amount[i] else None,
            term_months=None if np.isnan(self.term[i]) else int(self.term[i]),
            sector=code("sectors", int(self.sector[i])),
            stage=code("stages", int(self.stage[i])),
            jurisdiction=code("jurisdictions", int(self.jurisdiction[i])),
            years_operating=int(self.years[i]),
            revenue=revenue or None,
            certifications=codes("certifications", int(self.certifications[i])),
            qualified=codes("qualifications", int(self.qualified[i])),
            not_qualified=codes("qualifications", int(self.not_qualified[i])),
            grade=code("grades", int(self.grade[i])),
            day=int(self.day[i]),
            channel_ok=self.channel_table[int(self.channel_class[i])].copy(),
            embedding=self.embedding[i].copy() if self.has_embedding[i] else None,
        )


def _known_mask(cb: Codebook, kind: str, codes: frozenset[str]) -> int:
    """A query's mask: codes outside the codebook are ignored (they match no product)."""
    mask = 0
    for c in codes:
        pos = cb.index_of(kind, c, unknown_ok=True)
        if pos >= 0:
            mask |= 1 << pos
    return mask


def _fill_money(arr: np.ndarray, i: int, values: Mapping[str, float], cb: Codebook) -> None:
    for cur, value in values.items():
        pos = cb.index_of("currencies", cur, unknown_ok=True)
        if pos >= 0:
            arr[i, pos] = float(value)


@dataclass(frozen=True, eq=False)
class RecordTable:
    """The institutions' platform record, weighted as the record part needs it.

    ``f[i, s, t]`` = funded deals of institution ``institution_ids[i]`` with enterprises of sector s
    and stage t, + 0.5 x its funded deals in sector s at other stages; ``n`` the same weighting of all
    its deals that reached a final outcome or funding. ``platform_rate`` = the platform's funding rate
    (None = no deals on the platform at all: the neutral value is used).
    """

    institution_ids: np.ndarray  # int64 (n_inst,)
    f: np.ndarray  # float64 (n_inst, n_sectors, n_stages)
    n: np.ndarray  # float64 (n_inst, n_sectors, n_stages)
    platform_rate: float | None

    @classmethod
    def empty(cls, cb: Codebook) -> RecordTable:
        shape = (0, len(cb.sectors), len(cb.stages))
        return cls(np.zeros(0, dtype=np.int64), np.zeros(shape), np.zeros(shape), None)
