"""A small codebook and product / query builders with sensible defaults (override by keyword)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from bayfin.matching.engine import Codebook, ProductRow, Query, RecordTable

DAY = 739_000  # an ordinal "today"

CB = Codebook(
    instruments=("loan", "equity", "guarantee"),
    sectors=("ic", "ai", "biotech", "meddev", "fintech"),
    sector_family=("tech", "tech", "health", "health", "finance"),
    stages=("seed", "early", "growth", "mature"),
    jurisdictions=("hk", "mo", "gd", "hq"),
    currencies=("CNY", "HKD", "MOP"),
    certifications=("iso9001", "hntc"),
    qualifications=("srdi", "little_giant"),
    grades=("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"),
)

N_CHANNEL_CLASSES = 3


def product(product_id: int = 1, **kw: Any) -> ProductRow:
    base = ProductRow(
        product_id=product_id,
        institution_id=100,
        instrument="loan",
        sectors=frozenset(),
        focus_sectors=frozenset(),
        stages=frozenset(),
        jurisdictions=frozenset(),
        currency="CNY",
        ticket_min=1_000_000.0,
        ticket_max=20_000_000.0,
        term_min=None,
        term_max=None,
        min_years=0,
        min_revenue=0.0,
        min_revenue_currency="",
        required_certifications=frozenset(),
        required_qualifications=frozenset(),
        min_grade="",
        active_from=DAY - 100,
        active_until=None,
        channel_class=0,
        embedding=None,
    )
    return replace(base, **kw)


def query(query_id: int = 1, **kw: Any) -> Query:
    base = Query(
        query_id=query_id,
        enterprise_id=500,
        instruments=frozenset(CB.instruments),
        amount={"CNY": 8_000_000.0, "HKD": 8_800_000.0, "MOP": 9_000_000.0},
        term_months=None,
        sector="ic",
        stage="early",
        jurisdiction="hq",
        years_operating=3,
        revenue=None,
        certifications=frozenset(),
        qualified=frozenset(),
        not_qualified=frozenset(),
        grade="",
        day=DAY,
        channel_ok=np.ones(N_CHANNEL_CLASSES, dtype=bool),
        embedding=None,
    )
    return replace(base, **kw)


def no_records() -> RecordTable:
    return RecordTable.empty(CB)


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float64)
    return (v / np.linalg.norm(v)).astype(np.float32)
