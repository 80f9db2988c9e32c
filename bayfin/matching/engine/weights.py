"""The one versioned configuration of the soft score. Every version ever shipped stays in WEIGHTS,
so a stored match can always be read against the weights that made it, and an old ranking can be
reproduced (``bayfin matching evaluate --weights 2026.11-1``).

The field defaults are those of the first version, 2026.11-1; a later version is written out below
naming only what it changes, and becomes CURRENT."""

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
    # ticket part inside the range = floor + (1 - floor) x the log-scale fit (an amount at either
    # end of the range is inside it, so it still fits; 0 made an end score like a far miss)
    ticket_floor: float = 0.0
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
        for name in ("neutral", "family", "ticket_floor"):
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


# 2026.11-1: the first version (the field defaults).
V2026_11_1 = Weights(version="2026.11-1")
# 2026.11-2: the ticket part is 0.5-1 inside the range (0.5 at either end, 1 at the log-scale
# middle) instead of 0-1, so a first choice whose range ends at the amount asked is not ranked
# below products no loan officer would propose (docs/matching.md, "Where the engine fails").
V2026_11_2 = Weights(version="2026.11-2", ticket_floor=0.5)

CURRENT = V2026_11_2
WEIGHTS: dict[str, Weights] = {w.version: w for w in (V2026_11_1, V2026_11_2)}
