"""What the matching page and API tests share: stored matches with known parts and reasons.

A stored ``Match`` is what the pages read (the engine's own tests check how it is made), so
these tests write rows whose score, parts and reasons they know, one of them resting on private
data (revenue, ``statements`` scope), and check what each reader is shown.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from bayfin.matching.engine.weights import CURRENT
from bayfin.matching.models import BatchKind, BatchStatus, Match, MatchBatch, MatchKind

# A fit that is good but not perfect: score 0.77 ("77%").
PARTS = {"semantic": 0.75, "sector": 1.0, "stage": 0.5, "ticket": 0.8, "term": 1.0, "record": 0.5, "load": 1.0}
SECTOR_REASON = {"code": "sector_same", "part": "sector", "scope": None, "params": {"sector": "integrated_circuits"}}
TICKET_REASON = {"code": "ticket_covers", "part": "ticket", "scope": None,
                 "params": {"amount": 8000000.0, "currency": "CNY", "min": 1000000.0, "max": 20000000.0}}
# Rests on the enterprise's statements: an institution reads it only under a live "statements" consent.
REVENUE_REASON = {"code": "revenue_ok", "part": None, "scope": "statements",
                  "params": {"min": 5000000.0, "currency": "CNY"}}
REASONS = [SECTOR_REASON, TICKET_REASON, REVENUE_REASON]
REVENUE_TEXT = "Revenue meets the minimum of CN¥5,000,000.00"
HIDDEN_TEXT = "Meets your product's requirements"


def score_of(parts: dict[str, float]) -> float:
    weights = CURRENT.part_weights()
    return sum(weights[p] * v for p, v in parts.items())


def store_match(*, product: Any, request: Any = None, enterprise: Any = None, rank: int = 1,
                parts: dict[str, float] | None = None, reasons: list[dict[str, Any]] | None = None) -> Match:
    """A request's match (``request``) or an enterprise's recommendation (``enterprise`` alone)."""
    parts = dict(PARTS if parts is None else parts)
    return Match.objects.create(
        kind=MatchKind.REQUEST if request is not None else MatchKind.ENTERPRISE,
        request=request, enterprise=request.enterprise if request is not None else enterprise, product=product,
        rank=rank, score=score_of(parts), parts=parts, reasons=list(REASONS if reasons is None else reasons),
        weights_version=CURRENT.version, computed_at=timezone.now())


def store_batch(**concentration: Any) -> MatchBatch:
    figures = {"slots": 40, "products": 20, "distinct_products": 12, "share_top_1pct": 0.125,
               "share_top_10pct": 0.375, "gini": 0.4213, "top": 5, **concentration}
    return MatchBatch.objects.create(kind=BatchKind.REQUESTS, status=BatchStatus.DONE, weights_version=CURRENT.version,
                                     index_version=3, products=20, queries=8, chunks_total=1, chunks_done=1,
                                     finished_at=timezone.now(), exposure={}, concentration=figures)
