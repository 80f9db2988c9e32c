"""Ledger jobs: integrate pending entries (on commit and by the scheduler) and sign a
checkpoint when one is due. Idempotent: with nothing pending they do nothing."""

from __future__ import annotations

import logging

from celery import shared_task

from .keys import LedgerKeyMissing
from .services import checkpoint_if_due, integrate

log = logging.getLogger(__name__)


@shared_task(name="bayfin.ledger.tasks.integrate_pending")
def integrate_pending() -> int:
    """Integrate what is pending, then sign a checkpoint if one is due."""
    done = integrate()
    try:
        checkpoint_if_due()
    except LedgerKeyMissing as exc:
        log.warning("ledger: %s (entries are integrated, no checkpoint is signed)", exc)
    return done
