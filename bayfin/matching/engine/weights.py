"""The one versioned configuration of the soft score. Every version ever shipped stays in WEIGHTS,
so a stored match can always be read against the weights that made it."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

PARTS: tuple[str, ...] = ("semantic", "sector", "stage", "ticket", "term", "record", "load")


@dataclass(frozen=True)
class Weights:
    version: str = "2026.11-1"
    # weights of the parts (sum to 1)
    semantic: float = 0.30
    sector: float = 0.15
    stage: float = 0.10
    ticket: float = 0.15
    term: float = 0.05
    record: float = 0.15
    load: float = 0.10
    # cosine -> part: clip((cos - floor) / (ceiling - floor), 0, 1)
    semantic_floor: float = 0.10
    semantic_ceiling: float = 0.60
    neutral: float = 0.5  # part value when a side is unknown (no thesis, open product, no term ...)
    family: float = 0.5  # sector part for a same-family sector
    term_decay_months: int = 12  # term part = max(0, 1 - months outside the range / decay)
    record_prior: float = 5.0  # pseudo-deals at the platform rate
    load_top: int = 5  # exposure = appearances in the previous batch's top-`load_top` lists

    def __post_init__(self) -> None:
        ws = [getattr(self, p) for p in PARTS]
        if any(not math.isfinite(w) or w < 0 for w in ws):
            raise ValueError("part weights must be finite and >= 0")
        if abs(math.fsum(ws) - 1.0) > 1e-9:
            raise ValueError(f"part weights must sum to 1, not {math.fsum(ws)!r}")
        if not self.semantic_floor < self.semantic_ceiling:
            raise ValueError("semantic_floor must be below semantic_ceiling")
        for name in ("neutral", "family"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if self.term_decay_months < 1:
            raise ValueError("term_decay_months must be >= 1")
        if not self.record_prior > 0:
            raise ValueError("record_prior must be > 0")
        if self.load_top < 1:
            raise ValueError("load_top must be >= 1")

    def part_weights(self) -> dict[str, float]:
        return {p: float(getattr(self, p)) for p in PARTS}

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


CURRENT = Weights()
WEIGHTS: dict[str, Weights] = {CURRENT.version: CURRENT}
