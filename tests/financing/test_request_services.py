"""Financing request services: validation, the state machine, expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.models import AuditEvent
from bayfin.financing import services
from bayfin.financing.models import DealEvent, FinancingRequest
from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import DealFactory, FinancingRequestFactory

pytestmark = pytest.mark.django_db


def test_create_saves_a_draft_with_an_audit_event(enterprise_user: Any, valid_data: dict) -> None:
    req = services.request_create(actor=enterprise_user, data=valid_data)
    assert req.status == RequestStatus.DRAFT
    assert str(req.amount) == "8000000.00" and req.currency == "CNY"
    assert req.instruments == ["credit_loan", "equity"]
    event = AuditEvent.objects.get(action="financing.request_create")
    assert event.actor == enterprise_user and event.subject_id == str(req.pk)
    assert event.new["amount"] == "8000000.00"


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "0"),
    ("amount", "-5"),
    ("amount", "10000000000000"),
    ("amount", "100.123"),
    ("amount", 1000.5),
    ("amount", "abc"),
    ("currency", "XYZ"),
    ("currency", ""),
    ("instruments", []),
    ("instruments", ["crypto"]),
    ("title", ""),
    ("purpose", "  "),
    ("term_months", 0),
    ("term_months", 601),
    ("deadline", (timezone.localdate() - dt.timedelta(days=1)).isoformat()),
    ("deadline", timezone.localdate().isoformat()),
    ("deadline", "not-a-date"),
    ("deadline", None),
])
def test_create_refuses_bad_input_and_saves_nothing(enterprise_user: Any, valid_data: dict,
                                                    field: str, value: Any) -> None:
    valid_data[field] = value
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user, data=valid_data)
    assert field in exc.value.fields
    assert FinancingRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(action="financing.request_create").exists()


def test_create_reports_every_bad_field_at_once(enterprise_user: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user, data={"currency": "CNY"})
    assert {"title", "amount", "instruments", "purpose", "deadline"} <= set(exc.value.fields)


def test_pending_enterprise_can_create_a_draft_but_not_submit(pending_enterprise_user: Any,
                                                               valid_data: dict) -> None:
    req = services.request_create(actor=pending_enterprise_user, data=valid_data)
    with pytest.raises(PermissionDenied) as exc:
        services.request_transition(actor=pending_enterprise_user, request_id=req.pk, to_status="open")
    assert "verified" in str(exc.value.message)
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT


def test_institution_cannot_create_requests(institution_user: Any, valid_data: dict) -> None:
    with pytest.raises(PermissionDenied):
        services.request_create(actor=institution_user, data=valid_data)


def test_submit_opens_the_request(enterprise_user: Any, draft_request: Any) -> None:
    req = services.request_transition(actor=enterprise_user, request_id=draft_request.pk, to_status="open")
    assert req.status == RequestStatus.OPEN and req.submitted_at is not None
    event = AuditEvent.objects.get(action="financing.request_open")
    assert event.old == {"status": "draft"} and event.new == {"status": "open"}


def test_submit_rechecks_the_deadline(enterprise_user: Any, enterprise: Any) -> None:
    stale = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT,
                                    deadline=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        services.request_transition(actor=enterprise_user, request_id=stale.pk, to_status="open")
    assert "deadline" in exc.value.fields


@pytest.mark.parametrize(("start", "target"), [
    ("funded", "open"),
    ("draft", "funded"),
    ("open", "funded"),
    ("expired", "open"),
    ("closed", "in_progress"),
    ("open", "expired"),  # only the system expires requests
    ("open", "nonsense"),
])
def test_refused_transitions_name_current_and_target(enterprise_user: Any, enterprise: Any,
                                                     start: str, target: str) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=start)
    with pytest.raises(InvalidTransition) as exc:
        services.request_transition(actor=enterprise_user, request_id=req.pk, to_status=target)
    req.refresh_from_db()
    assert req.status == start
    message = str(exc.value.message)
    assert str(RequestStatus(start).label) in message


def test_funded_to_open_refused_with_reason(enterprise_user: Any, enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.FUNDED)
    with pytest.raises(InvalidTransition) as exc:
        services.request_transition(actor=enterprise_user, request_id=req.pk, to_status="open")
    assert str(exc.value.message) == (
        "A request that is Funded cannot become Open: this transition is not allowed.")


@pytest.mark.parametrize(("start", "target"), [
    ("draft", "withdrawn"), ("open", "closed"), ("open", "withdrawn"), ("in_progress", "funded"),
    ("in_progress", "closed"), ("open", "in_progress"),
])
def test_allowed_transitions(enterprise_user: Any, enterprise: Any, start: str, target: str) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=start)
    assert services.request_transition(actor=enterprise_user, request_id=req.pk, to_status=target).status == target


def test_other_enterprise_cannot_touch_the_request(other_enterprise_user: Any, open_request: Any,
                                                   valid_data: dict) -> None:
    with pytest.raises(NotFound):
        services.request_transition(actor=other_enterprise_user, request_id=open_request.pk, to_status="closed")
    with pytest.raises(NotFound):
        services.request_update(actor=other_enterprise_user, request_id=open_request.pk, data={"title": "x"})


def test_update_changes_only_given_fields_and_audits(enterprise_user: Any, open_request: Any) -> None:
    req = services.request_update(actor=enterprise_user, request_id=open_request.pk,
                                  data={"amount": "9000000.50"})
    assert str(req.amount) == "9000000.50" and req.title == open_request.title
    event = AuditEvent.objects.get(action="financing.request_update")
    assert event.old == {"amount": "8000000.00"} and event.new == {"amount": "9000000.50"}


def test_update_refuses_bad_amount_and_keeps_the_old(enterprise_user: Any, open_request: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.request_update(actor=enterprise_user, request_id=open_request.pk, data={"amount": "1.001"})
    open_request.refresh_from_db()
    assert str(open_request.amount) == "8000000.00"


def test_update_refused_once_the_request_is_in_progress(enterprise_user: Any, enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.IN_PROGRESS)
    with pytest.raises(Conflict):
        services.request_update(actor=enterprise_user, request_id=req.pk, data={"title": "New"})


def test_closing_a_request_closes_its_live_deals(enterprise_user: Any, open_request: Any,
                                                 institution: Any, other_institution: Any) -> None:
    live = DealFactory(request=open_request, institution=institution, stage=DealStage.INTEREST)
    declined = DealFactory(request=open_request, institution=other_institution, stage=DealStage.DECLINED)
    services.request_transition(actor=enterprise_user, request_id=open_request.pk, to_status="closed",
                                reason="Raised elsewhere")
    live.refresh_from_db()
    declined.refresh_from_db()
    assert live.stage == DealStage.CLOSED and declined.stage == DealStage.DECLINED
    event = DealEvent.objects.get(deal=live)
    assert (event.from_stage, event.to_stage) == ("interest", "closed")
    assert "Raised elsewhere" in event.comment


def test_funding_keeps_deals_as_they_are(enterprise_user: Any, enterprise: Any, institution: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.IN_PROGRESS)
    accepted = DealFactory(request=req, institution=institution, stage=DealStage.ACCEPTED)
    services.request_transition(actor=enterprise_user, request_id=req.pk, to_status="funded")
    accepted.refresh_from_db()
    assert accepted.stage == DealStage.ACCEPTED


class TestExpiry:
    def test_expires_only_due_open_and_in_progress_requests(self, enterprise: Any, institution: Any) -> None:
        today = timezone.localdate()
        past = today - dt.timedelta(days=1)
        due_open = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN, deadline=past)
        due_progress = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.IN_PROGRESS,
                                               deadline=past)
        due_draft = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT, deadline=past)
        today_open = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN, deadline=today)
        deal = DealFactory(request=due_progress, institution=institution, stage=DealStage.ACCEPTED)

        assert services.request_expire_due(today=today) == 2
        for req, status in [(due_open, "expired"), (due_progress, "expired"), (due_draft, "draft"),
                            (today_open, "open")]:
            req.refresh_from_db()
            assert req.status == status
        deal.refresh_from_db()
        assert deal.stage == DealStage.CLOSED
        events = AuditEvent.objects.filter(action="financing.request_expired")
        assert events.count() == 2 and {e.actor_label for e in events} == {"system"}

        assert services.request_expire_due(today=today) == 0
        assert AuditEvent.objects.filter(action="financing.request_expired").count() == 2

    def test_task_runs_twice_idempotently(self, enterprise: Any) -> None:
        from bayfin.financing.tasks import expire_requests

        FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN,
                                deadline=timezone.localdate() - dt.timedelta(days=3))
        assert expire_requests.apply().get() == 1
        assert expire_requests.apply().get() == 0
