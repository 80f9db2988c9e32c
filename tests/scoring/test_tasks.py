"""Background scoring jobs: one enterprise or request after a change (a deleted one, or a platform
with no model yet, is nothing to do), the chunk task, and the nightly job the scheduler runs,
storing only what changed so a second run writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from bayfin.common.models import AuditEvent
from bayfin.common.scheduling import JOBS, celery_beat_schedule, load_task, run_job
from bayfin.scoring import tasks
from bayfin.scoring.models import CreditScore, ModelVersion
from tests.factories import EnterpriseFactory, FinancingRequestFactory

pytestmark = pytest.mark.django_db

JOB = next(job for job in JOBS if job.name == "score-credit")


def test_the_nightly_job_is_registered_daily():
    assert JOB.task == "bayfin.scoring.tasks.score_all"
    assert JOB.every_seconds == 24 * 3600
    assert load_task(JOB.task) is tasks.score_all
    assert celery_beat_schedule()["score-credit"]["task"] == JOB.task


def test_a_deleted_enterprise_or_request_is_nothing_to_score(champion):
    enterprise = EnterpriseFactory()
    req = FinancingRequestFactory(enterprise=enterprise)
    gone_e, gone_r = enterprise.pk, req.pk
    enterprise.delete()
    assert tasks.score_enterprise.delay(gone_e, "profile").get() == 0
    assert tasks.score_request.delay(gone_r, "submitted").get() == 0
    assert not CreditScore.objects.exists()


def test_no_champion_yet_is_nothing_to_score(db, enterprise):
    ModelVersion.objects.update(is_champion=False)
    assert tasks.score_enterprise(enterprise.pk, "profile") == 0
    assert tasks.score_all() == 0
    assert not CreditScore.objects.exists()


def test_scoring_an_enterprise_scores_its_open_requests_too_and_is_idempotent(champion, enterprise):
    FinancingRequestFactory(enterprise=enterprise, currency="USD", amount=Decimal("80000.00"))
    assert tasks.score_enterprise.delay(enterprise.pk, "profile").get() == 2
    assert tasks.score_enterprise(enterprise.pk, "profile") == 0
    assert set(CreditScore.objects.values_list("kind", "trigger")) == {("enterprise", "profile"),
                                                                       ("request", "profile")}


def test_scoring_a_request_returns_whether_it_changed(champion, enterprise):
    req = FinancingRequestFactory(enterprise=enterprise, currency="USD")
    assert tasks.score_request(req.pk, "submitted") == 1
    assert tasks.score_request(req.pk, "submitted") == 0


def test_the_scheduler_scores_everyone_and_stores_only_changes(champion):
    first, second = EnterpriseFactory(), EnterpriseFactory()
    FinancingRequestFactory(enterprise=first, currency="USD")
    assert run_job(JOB) == 3
    assert set(CreditScore.objects.values_list("enterprise_id", flat=True)) == {first.pk, second.pk}
    assert set(CreditScore.objects.values_list("trigger", flat=True)) == {"nightly"}
    assert AuditEvent.objects.filter(action="scoring.score_batch", actor_label="system").count() == 2
    assert run_job(JOB) == 0


def test_the_embedded_scheduler_runs_it_once(champion, enterprise):
    call_command("run_scheduler", "--once")
    assert CreditScore.objects.filter(enterprise=enterprise, trigger="nightly").count() == 1
