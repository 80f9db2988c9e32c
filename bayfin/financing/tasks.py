"""Clock-driven financing jobs (registered in ``bayfin.common.scheduling.JOBS``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services import request_expire_due


@shared_task(name="bayfin.financing.tasks.expire_requests")
def expire_requests() -> int:
    """Expire requests whose deadline has passed. Idempotent; returns how many expired."""
    return request_expire_due(today=timezone.localdate())


@shared_task(name="bayfin.financing.tasks.update_days_past_due")
def update_days_past_due() -> int:
    """Days past due of every loan being repaid, and the repaying / repaid / defaulted moves."""
    from .services import deal_update_days_past_due

    return deal_update_days_past_due(today=timezone.localdate())
