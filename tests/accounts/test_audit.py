"""Audit log: operators only, filters, old and new values; the operator command."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bayfin.accounts.models import Organisation, OrganisationKind, User
from bayfin.accounts.services import api_token_create, organisation_verify
from bayfin.common.models import AuditEvent

pytestmark = pytest.mark.django_db

NON_OPERATORS = ["enterprise_user", "institution_user", "observer_user"]


def test_audit_page_filters_and_values(client_for: Any, operator_user: Any, pending_enterprise: Any,
                                       enterprise_user: Any) -> None:
    organisation_verify(actor=operator_user, organisation_id=pending_enterprise.organisation.pk)
    api_token_create(actor=enterprise_user, name="cli")
    c = client_for(operator_user)
    html = c.get("/accounts/operator/audit/?action=organisation.verified").content.decode()
    assert "organisation.verified" in html and "api_token.created" not in html
    assert "pending" in html and "verified" in html  # old and new values
    html = c.get(f"/accounts/operator/audit/?actor={enterprise_user.email}").content.decode()
    assert "api_token.created" in html and "organisation.verified" not in html
    html = c.get("/accounts/operator/audit/?subject_type=accounts.apitoken").content.decode()
    assert "api_token.created" in html and "organisation.verified" not in html
    html = c.get(f"/accounts/operator/audit/?organisation={pending_enterprise.organisation.pk}").content.decode()
    assert "organisation.verified" in html and "api_token.created" not in html
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    html = c.get(f"/accounts/operator/audit/?date_from={tomorrow}").content.decode()
    assert "organisation.verified" not in html and "No audit events" in html


@pytest.mark.parametrize("role", NON_OPERATORS)
def test_audit_refused_for_other_roles(client_for: Any, api_for: Any, request: Any, role: str) -> None:
    user = request.getfixturevalue(role)
    assert client_for(user).get("/accounts/operator/audit/").status_code == 403
    assert api_for(user).get("/api/v1/accounts/audit").status_code == 403


def test_api_audit(api_for: Any, operator_user: Any, enterprise_user: Any) -> None:
    api_token_create(actor=enterprise_user, name="cli")
    body = api_for(operator_user).get("/api/v1/accounts/audit?action=api_token").json()
    assert body["count"] == 1 and body["items"][0]["new"]["name"] == "cli"
    assert api_for(None).get("/api/v1/accounts/audit").status_code == 401
    r = api_for(operator_user).get("/api/v1/accounts/audit?date_from=not-a-date")
    assert r.status_code == 422 and "date_from" in r.json()["fields"]


def test_create_operator_command() -> None:
    call_command("create_operator", email="ops@bayfin.example", password="Lantern-Harbour-8841", name="Ops")
    call_command("create_operator", email="ops2@bayfin.example", password="Lantern-Harbour-8841")
    user = User.objects.get(email="ops@bayfin.example")
    assert user.is_operator and user.is_staff and user.is_superuser
    assert Organisation.objects.filter(kind=OrganisationKind.OPERATOR).count() == 1
    assert user.organisation.name_en == "BayFin Operations" and user.organisation.is_verified
    assert AuditEvent.objects.filter(action="operator.created").count() == 2
    with pytest.raises(CommandError):
        call_command("create_operator", email="ops@bayfin.example", password="Lantern-Harbour-8841")
    with pytest.raises(CommandError):
        call_command("create_operator", email="weak@bayfin.example", password="123")


def test_admin_audit_is_read_only(client_for: Any, operator_user: Any) -> None:
    operator_user.is_superuser = True
    operator_user.save()
    c = client_for(operator_user)
    assert c.get("/admin/common/auditevent/").status_code == 200
    assert c.get("/admin/common/auditevent/add/").status_code == 403
    assert c.get("/admin/accounts/organisation/").status_code == 200
    assert c.get("/admin/accounts/apitoken/add/").status_code == 403


def test_admin_verify_action_goes_through_service(client_for: Any, operator_user: Any,
                                                  pending_enterprise: Any) -> None:
    operator_user.is_superuser = True
    operator_user.save()
    org = pending_enterprise.organisation
    client_for(operator_user).post("/admin/accounts/organisation/",
                                   {"action": "verify", "_selected_action": [org.pk]})
    org.refresh_from_db()
    assert org.is_verified
    assert AuditEvent.objects.filter(action="organisation.verified", subject_id=str(org.pk)).exists()


def test_admin_reject_action_asks_reason(client_for: Any, operator_user: Any, pending_enterprise: Any) -> None:
    operator_user.is_superuser = True
    operator_user.save()
    org = pending_enterprise.organisation
    c = client_for(operator_user)
    page = c.post("/admin/accounts/organisation/", {"action": "reject", "_selected_action": [org.pk]})
    assert page.status_code == 200 and "Reason for rejection" in page.content.decode()
    c.post("/admin/accounts/organisation/", {"action": "reject", "_selected_action": [org.pk],
                                             "apply": "1", "reason": "No licence"})
    org.refresh_from_db()
    assert org.status == "rejected" and org.rejection_reason == "No licence"
