"""Background scoring jobs: load by id, call the service, idempotent (only changes are stored)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from celery import shared_task

from . import registry, services

log = logging.getLogger(__name__)


def _ready() -> bool:
    """A champion exists (a platform with no model registered yet has nothing to score with)."""
    try:
        registry.champion()
    except registry.ModelUnavailable:
        log.warning("credit scoring skipped: no champion model version is registered")
        return False
    return True


@shared_task(name="bayfin.scoring.tasks.score_enterprise")
def score_enterprise(enterprise_id: int, trigger: str) -> int:
    """Rescore one enterprise and its open requests after its data changed; rows written."""
    from bayfin.enterprises.models import Enterprise

    if not Enterprise.objects.filter(pk=enterprise_id).exists() or not _ready():
        return 0  # deleted meanwhile, or no model yet
    return services.rescore_enterprise_and_requests(enterprise_id, trigger)


@shared_task(name="bayfin.scoring.tasks.score_request")
def score_request(request_id: int, trigger: str) -> int:
    """Rescore one financing request (submitted, amount changed, guarantor named); rows written."""
    from bayfin.financing.models import FinancingRequest

    if not FinancingRequest.objects.filter(pk=request_id).exists() or not _ready():
        return 0
    before = services.CreditScore.objects.filter(request_id=request_id, is_current=True).values_list(
        "pk", flat=True).first()
    row = services.score_request(request_id=request_id, trigger=trigger)
    return int(row.pk != before)


@shared_task(name="bayfin.scoring.tasks.score_chunk")
def score_chunk(kind: str, ids: list[int], trigger: str, on: str, version_id: int,
                references: dict[str, Any] | None = None) -> int:
    """One chunk of the nightly run (or of a rescore after a promotion)."""
    return services.score_chunk(kind=kind, ids=ids, trigger=trigger, on=date.fromisoformat(on),
                                version_id=version_id, references=references)


@shared_task(name="bayfin.scoring.tasks.score_all")
def score_all(trigger: str = services.NIGHTLY) -> int:
    """Nightly: years in business and exchange rates move with the date, so everyone is rescored;
    only changes are stored."""
    if not _ready():
        return 0
    return services.score_all(trigger=trigger)
