"""Clock-driven work: one registry, two runners.

Each job is a Celery task (in an app's ``tasks.py``) that is idempotent. Production
runs them with Celery beat (``config/celery.py`` builds the beat schedule from
``JOBS``); the embedded mode runs them with ``manage.py run_scheduler``, which
``make run`` starts beside the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path to a Celery task
    every_seconds: int


JOBS: list[Job] = [
    Job("expire-financing-requests", "bayfin.financing.tasks.expire_requests", 300),
    Job("deals-days-past-due", "bayfin.financing.tasks.update_days_past_due", 86400),
    Job("expire-invitations", "bayfin.accounts.tasks.expire_invitations", 3600),
    Job("reevaluate-enterprises", "bayfin.evaluation.tasks.reevaluate_all", 86400),
    Job("score-credit", "bayfin.scoring.tasks.score_all", 86400),
    Job("match-all", "bayfin.matching.tasks.match_all", 86400),
    Job("ledger-integrate-and-checkpoint", "bayfin.ledger.tasks.integrate_pending", 30),
    Job("expire-consents", "bayfin.consent.tasks.expire_consents", 3600),
]


def load_task(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    return getattr(import_module(module), attr)


def run_job(job: Job) -> Any:
    """Run a job in this process (the embedded scheduler and the tests)."""
    return load_task(job.task).apply().get()


def celery_beat_schedule() -> dict[str, dict[str, Any]]:
    return {job.name: {"task": job.task, "schedule": float(job.every_seconds)} for job in JOBS}
