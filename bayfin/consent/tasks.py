"""Clock-driven consent jobs (registered in ``bayfin.common.scheduling.JOBS``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services import consent_expire_due


@shared_task(name="bayfin.consent.tasks.expire_consents")
def expire_consents() -> int:
    """Mark active grants past their date as expired. Idempotent; returns how many expired.

    Reads are refused from the day after a grant's date whether or not this has run
    (``selectors.live_grant``); the job makes the status and the enterprise's page say so.
    """
    return consent_expire_due(today=timezone.localdate())
