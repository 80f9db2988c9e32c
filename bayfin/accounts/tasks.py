"""Clock-driven jobs of the accounts app (registered in bayfin.common.scheduling.JOBS)."""

from __future__ import annotations

from celery import shared_task

from .services import invitations_expire


@shared_task(name="bayfin.accounts.tasks.expire_invitations")
def expire_invitations() -> int:
    """Mark lapsed invitations expired. Idempotent: an invitation is marked only once."""
    return invitations_expire()
