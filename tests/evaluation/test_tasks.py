"""Background evaluation jobs: re-evaluating one enterprise after its data changed (a
deleted enterprise is nothing to do), and the nightly job the scheduler runs (the rules
depend on the date), storing only what changed so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bayfin.common.models import AuditEvent
from bayfin.common.scheduling import JOBS, celery_beat_schedule, load_task, run_job
from bayfin.evaluation import tasks
from bayfin.evaluation.models import Evaluation
from tests.factories import CertificationFactory, EnterpriseFactory, FinancialStatementFactory

pytestmark = pytest.mark.django_db

LAST = timezone.localdate().year - 1
JOB = next(job for job in JOBS if job.name == "reevaluate-enterprises")


def test_a_deleted_enterprise_is_nothing_to_evaluate(db):
    enterprise = EnterpriseFactory()
    gone = enterprise.pk
    enterprise.delete()
    assert tasks.evaluate_enterprise(gone, "statements") == 0
    assert tasks.evaluate_enterprise.delay(gone, "statements").get() == 0
    assert not Evaluation.objects.exists()


def test_evaluating_an_enterprise_returns_how_many_results_changed(enterprise):
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    assert tasks.evaluate_enterprise.delay(enterprise.pk, "statements").get() == 3
    assert tasks.evaluate_enterprise(enterprise.pk, "statements") == 0  # idempotent
    assert set(Evaluation.objects.values_list("trigger", flat=True)) == {"statements"}


def test_the_nightly_job_is_registered_daily():
    assert JOB.task == "bayfin.evaluation.tasks.reevaluate_all"
    assert JOB.every_seconds == 24 * 3600
    assert load_task(JOB.task) is tasks.reevaluate_all
    assert celery_beat_schedule()["reevaluate-enterprises"]["task"] == JOB.task


def test_the_scheduler_reevaluates_every_enterprise_and_stores_only_changes(db):
    first, second = EnterpriseFactory(), EnterpriseFactory()
    FinancialStatementFactory(enterprise=first, year=LAST)
    assert run_job(JOB) == 6  # three rule sets each
    assert set(Evaluation.objects.values_list("enterprise_id", flat=True)) == {first.pk, second.pk}
    assert set(Evaluation.objects.values_list("trigger", flat=True)) == {"nightly"}
    assert AuditEvent.objects.filter(action="evaluation.evaluate", actor_label="system").count() == 6
    assert run_job(JOB) == 0


def test_a_certificate_expiring_is_caught_by_the_nightly_run(enterprise, enterprise_user):
    """The rules depend on the date: a certificate that expired overnight changes the result
    though nobody edited anything."""
    from bayfin.evaluation import services

    enterprise.tech_staff = 5  # no tech-staff points: only a direct path can qualify it
    enterprise.save()
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    today = timezone.localdate()
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=today - dt.timedelta(days=900),
                         expires_on=today)
    services.declarations_save(actor=enterprise_user, data={
        "restricted_industry": "no", "serious_incident": "no", "on_credit_blacklist": "no"})
    assert Evaluation.objects.get(rule_set="scitech_sme").path == "hnte_certificate"
    assert services.evaluation_run_all(on=today + dt.timedelta(days=1)) >= 1
    latest = Evaluation.objects.filter(rule_set="scitech_sme").order_by("-id").first()
    assert latest is not None and (latest.status, latest.trigger) == ("undetermined", "nightly")


def test_the_embedded_scheduler_runs_it_once(enterprise):
    call_command("run_scheduler", "--once")
    assert Evaluation.objects.filter(enterprise=enterprise, trigger="nightly").count() == 3
