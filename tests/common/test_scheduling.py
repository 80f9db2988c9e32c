"""Every scheduled job runs, and running it twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.models import AuditEvent
from bayfin.common.scheduling import JOBS, Job, celery_beat_schedule, load_task, run_job

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int]:
    return AuditEvent.objects.count(), AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("job", JOBS, ids=[j.name for j in JOBS])
def test_job_is_idempotent(job: Job) -> None:
    run_job(job)
    after_first = _state()
    run_job(job)
    assert _state() == after_first


@pytest.mark.parametrize("job", JOBS, ids=[j.name for j in JOBS])
def test_job_is_a_registered_celery_task(job: Job) -> None:
    task = load_task(job.task)
    assert task.name == job.task
    assert job.every_seconds > 0


def test_beat_schedule_has_every_job() -> None:
    assert set(celery_beat_schedule()) == {j.name for j in JOBS}


def test_expiry_job_with_due_work_runs_twice(enterprise: Any) -> None:
    from bayfin.financing.models import FinancingRequest
    from tests.factories import FinancingRequestFactory

    job = next(j for j in JOBS if j.task == "bayfin.financing.tasks.expire_requests")
    req = FinancingRequestFactory(enterprise=enterprise, deadline=timezone.localdate() - dt.timedelta(days=1))
    assert run_job(job) == 1
    events = AuditEvent.objects.count()
    assert run_job(job) == 0
    assert AuditEvent.objects.count() == events
    assert FinancingRequest.objects.get(pk=req.pk).status == "expired"


def test_embedded_scheduler_runs_every_due_job_once(enterprise: Any) -> None:
    from django.core.management import call_command

    from bayfin.financing.models import FinancingRequest
    from tests.factories import FinancingRequestFactory

    req = FinancingRequestFactory(enterprise=enterprise, deadline=timezone.localdate() - dt.timedelta(days=3))
    call_command("run_scheduler", "--once")
    assert FinancingRequest.objects.get(pk=req.pk).status == "expired"
