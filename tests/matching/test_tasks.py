"""Matches refresh once a change commits (and not before), the nightly job, and a batch whose
results do not depend on how it is split into chunks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.errors import ValidationFailed
from bayfin.common.scheduling import JOBS, run_job
from bayfin.enterprises import services as enterprise_services
from bayfin.financing import services as financing_services
from bayfin.financing.transitions import RequestStatus
from bayfin.institutions import services as institution_services
from bayfin.institutions.models import ProductStatus
from bayfin.matching import index as ix
from bayfin.matching import services, tasks
from bayfin.matching.models import BatchKind, Match, MatchBatch, MatchKind
from tests.conftest import member_of
from tests.factories import EnterpriseFactory

from .support import bank, listed, product, recommended, request

pytestmark = pytest.mark.django_db

JOB = next(job for job in JOBS if job.name == "match-all")


@pytest.fixture(autouse=True)
def _platform(channels: Any, rates: Any) -> None:
    """Channels and today's rates."""


def test_an_edited_request_is_rematched_once_the_edit_commits(django_capture_on_commit_callbacks: Any) -> None:
    small = product(ticket_min=Decimal("1000000.00"), ticket_max=Decimal("2500000.00"))
    large = product()
    req = request()
    services.request_matches_refresh(request_id=req.pk)
    assert listed(req) == [large.pk]
    user = member_of(req.enterprise.organisation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        financing_services.request_update(actor=user, request_id=req.pk, data={"amount": "1500000.00"})
    assert listed(req) == [large.pk]  # nothing runs inside the transaction
    for callback in callbacks:
        callback()
    assert listed(req) == [small.pk, large.pk]


def test_a_submitted_request_gets_matches_and_a_withdrawn_one_loses_them(
        django_capture_on_commit_callbacks: Any) -> None:
    fits = product()
    req = request(status=RequestStatus.DRAFT, submitted_at=None)
    user = member_of(req.enterprise.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        financing_services.request_transition(actor=user, request_id=req.pk, to_status=RequestStatus.OPEN)
    assert listed(req) == [fits.pk]
    with django_capture_on_commit_callbacks(execute=True):
        financing_services.request_transition(actor=user, request_id=req.pk, to_status=RequestStatus.WITHDRAWN)
    assert listed(req) == []


def test_a_published_product_reaches_open_requests_and_an_archived_one_leaves(
        django_capture_on_commit_callbacks: Any, embedder: Any) -> None:
    institution = bank()
    draft = product(institution, status=ProductStatus.DRAFT, thesis="Chip loans.")
    req = request()
    user = member_of(institution.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        institution_services.product_publish(actor=user, product_id=draft.pk)
    assert listed(req) == [draft.pk]
    assert "Chip loans." in embedder.texts
    assert "thesis_close" in [r["code"] for r in Match.objects.get(request=req).reasons]
    with django_capture_on_commit_callbacks(execute=True):
        institution_services.product_archive(actor=user, product_id=draft.pk)
    assert listed(req) == []


def test_a_changed_product_moves_the_index_version_inside_the_writer_transaction(
        django_capture_on_commit_callbacks: Any) -> None:
    published = product()
    before = ix.stored_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        institution_services.product_update(actor=member_of(published.institution.organisation),
                                            product_id=published.pk, data={"ticket_max": "30000000.00"})
    assert ix.stored_version() == before + 1
    assert len(callbacks) == 1


def test_an_enterprise_statement_refreshes_its_requests_and_recommendations(
        django_capture_on_commit_callbacks: Any) -> None:
    needs = product(min_revenue_amount=Decimal("10000000.00"), min_revenue_currency="CNY")
    req = request()
    services.enterprise_refresh(enterprise_id=req.enterprise_id)
    assert listed(req) == [] and recommended(req.enterprise) == []
    user = member_of(req.enterprise.organisation)
    data = {"currency": "CNY", "revenue": "38000000.00", "rd_expense": "3100000.00", "total_costs": "33000000.00",
            "net_profit": "100000.00", "total_assets": "52000000.00", "total_liabilities": "21000000.00",
            "operating_cash_flow": "1800000.00", "tax_credit_grade": "A"}
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_services.statement_save(actor=user, enterprise_id=req.enterprise_id,
                                           year=timezone.localdate().year - 1, data=data)
    assert listed(req) == [needs.pk] and recommended(req.enterprise) == [needs.pk]


def test_a_rolled_back_change_refreshes_nothing(django_capture_on_commit_callbacks: Any) -> None:
    product()
    req = request()
    user = member_of(req.enterprise.organisation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(ValidationFailed):
        financing_services.request_update(actor=user, request_id=req.pk, data={"amount": "-1"})
    assert callbacks == [] and listed(req) == []


def test_the_tasks_call_the_services() -> None:
    fits = product()
    req = request()
    assert tasks.refresh_request(req.pk) == 1 and listed(req) == [fits.pk]
    assert tasks.refresh_enterprise(req.enterprise_id) == 2
    assert tasks.refresh_requests([req.pk]) == 1
    assert tasks.refresh_product(fits.pk) == 1
    assert tasks.refresh_request(999_999) == 0


# --------------------------------------------------------------------------- the nightly job and batches


def test_the_nightly_job_is_registered_and_runs_twice(django_capture_on_commit_callbacks: Any) -> None:
    fits = product()
    req = request()
    run_job(JOB)
    run_job(JOB)
    assert listed(req) == [fits.pk] and recommended(req.enterprise) == [fits.pk]
    assert MatchBatch.objects.count() == 4
    assert JOB.task == "bayfin.matching.tasks.match_all" and JOB.every_seconds == 86400


def _stored(kind: str) -> list[tuple[Any, ...]]:
    return sorted(Match.objects.filter(kind=kind).values_list("request_id", "enterprise_id", "product_id", "rank",
                                                              "score", "parts", "reasons"), key=repr)


@pytest.mark.parametrize("kind", [BatchKind.REQUESTS, BatchKind.ENTERPRISES])
def test_a_batch_split_into_one_or_three_chunks_stores_the_same_results(kind: str) -> None:
    institutions = [bank() for _ in range(3)]
    for i in range(7):
        product(institutions[i % 3], thesis=["Chip loans.", "芯片", "Hotels.", ""][i % 4],
                ticket_max=Decimal(5_000_000 + 3_000_000 * i), term_max_months=12 + 6 * i)
    for i in range(6):
        request(enterprise=EnterpriseFactory(description=["Chip design.", "Tourism.", ""][i % 3]),
                amount=Decimal(1_500_000 * (i + 1)), term_months=6 + 9 * i)
    match_kind = MatchKind.REQUEST if kind == BatchKind.REQUESTS else MatchKind.ENTERPRISE
    services.batch_start(kind=kind)  # a previous batch: the exposure both runs below read
    previous = MatchBatch.objects.get()
    assert previous.exposure
    one = services.batch_start(kind=kind, chunk_size=100)
    assert one.chunks_total == 1
    single = _stored(match_kind)
    one.delete()  # so the next run reads the same previous batch
    ix.bump([ix.REBUILD])
    three = services.batch_start(kind=kind, chunk_size=2)
    assert three.chunks_total == 3
    split = _stored(match_kind)
    assert split == single and single
    assert three.exposure == MatchBatch.objects.filter(pk=three.pk).values_list("exposure", flat=True).get()


def test_chunks_taken_by_workers_finish_the_batch_when_the_last_one_is_done(settings: Any,
                                                                             monkeypatch: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[tuple[int, list[int]]] = []
    monkeypatch.setattr(tasks.match_chunk, "delay", lambda batch_id, ids: queued.append((batch_id, ids)))
    product()
    reqs = [request() for _ in range(3)]
    batch = services.batch_start(kind=BatchKind.REQUESTS, chunk_size=2)
    assert batch.status == "running" and len(queued) == 2
    for batch_id, ids in reversed(queued):  # workers finish in any order
        tasks.match_chunk(batch_id, ids)
    batch.refresh_from_db()
    assert (batch.status, batch.chunks_done) == ("done", 2)
    assert all(listed(r) for r in reqs)


def test_an_expired_product_leaves_at_the_next_batch() -> None:
    gone = product(active_until=timezone.localdate() + dt.timedelta(days=30))
    req = request()
    services.batch_start(kind=BatchKind.REQUESTS)
    assert listed(req) == [gone.pk]
    type(gone).objects.filter(pk=gone.pk).update(active_until=timezone.localdate() - dt.timedelta(days=1))
    ix.bump([gone.pk])
    services.batch_start(kind=BatchKind.REQUESTS)
    assert listed(req) == []
