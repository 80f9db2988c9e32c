"""Background evaluation jobs: load by id, call the service, idempotent."""

from __future__ import annotations

from celery import shared_task

from .services import evaluation_run, evaluation_run_all


@shared_task(name="bayfin.evaluation.tasks.evaluate_enterprise")
def evaluate_enterprise(enterprise_id: int, trigger: str) -> int:
    """Re-evaluate one enterprise after its data changed; returns how many results changed."""
    from bayfin.enterprises.models import Enterprise

    if not Enterprise.objects.filter(pk=enterprise_id).exists():
        return 0  # deleted meanwhile
    return len(evaluation_run(enterprise_id=enterprise_id, trigger=trigger))


@shared_task(name="bayfin.evaluation.tasks.reevaluate_all")
def reevaluate_all() -> int:
    """Nightly: the rules depend on the date, so every enterprise is re-run; only changes are stored."""
    return evaluation_run_all()
