"""Verification queue and organisations: operators only; approve, reject with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail

from bayfin.accounts.models import OrganisationStatus
from bayfin.accounts.services import organisation_reject, organisation_verify
from bayfin.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from tests.factories import BeneficialOwnerFactory, EnterpriseFactory, InstitutionFactory

pytestmark = pytest.mark.django_db

NON_OPERATORS = ["enterprise_user", "institution_user", "observer_user", "pending_enterprise_user"]
OPERATOR_PAGES = ["/accounts/operator/verification/", "/accounts/operator/organisations/",
                  "/accounts/operator/audit/"]


def test_queue_shows_pending_with_beneficial_owners(client_for: Any, operator_user: Any,
                                                     pending_enterprise: Any, enterprise: Any) -> None:
    BeneficialOwnerFactory(enterprise=pending_enterprise, name="Ada Lam", share_percent="60.00")
    html = client_for(operator_user).get("/accounts/operator/verification/").content.decode()
    assert pending_enterprise.organisation.name_en in html
    assert pending_enterprise.registration_number in html
    assert "Ada Lam" in html
    assert enterprise.organisation.name_en not in html  # verified: not in the queue


@pytest.mark.parametrize("page", OPERATOR_PAGES)
@pytest.mark.parametrize("role", NON_OPERATORS)
def test_operator_pages_refuse_other_roles(client_for: Any, request: Any, role: str, page: str,
                                           pending_enterprise: Any) -> None:
    response = client_for(request.getfixturevalue(role)).get(page)
    assert response.status_code == 403
    assert pending_enterprise.organisation.name_en not in response.content.decode()


@pytest.mark.parametrize("page", OPERATOR_PAGES)
def test_operator_pages_send_anonymous_to_login(client_for: Any, page: str, db: Any) -> None:
    response = client_for(None).get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_approve_from_page(client_for: Any, operator_user: Any, pending_enterprise_user: Any,
                           django_capture_on_commit_callbacks: Any) -> None:
    org = pending_enterprise_user.organisation
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator_user).post(f"/accounts/operator/organisations/{org.pk}/verify/")
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == OrganisationStatus.VERIFIED and org.verified_by == operator_user
    event = AuditEvent.objects.get(action="organisation.verified")
    assert event.old == {"status": "pending"} and event.new == {"status": "verified"}
    assert mail.outbox[-1].to == [pending_enterprise_user.email]
    assert "verified" in mail.outbox[-1].subject


def test_reject_requires_reason(client_for: Any, operator_user: Any, pending_enterprise_user: Any,
                                django_capture_on_commit_callbacks: Any) -> None:
    org = pending_enterprise_user.organisation
    c = client_for(operator_user)
    response = c.post(f"/accounts/operator/organisations/{org.pk}/reject/", {"reason": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    org.refresh_from_db()
    assert org.status == OrganisationStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/accounts/operator/organisations/{org.pk}/reject/", {"reason": "Licence missing"})
    org.refresh_from_db()
    assert org.status == OrganisationStatus.REJECTED and org.rejection_reason == "Licence missing"
    assert "Licence missing" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="organisation.rejected", subject_id=str(org.pk)).exists()


@pytest.mark.parametrize("role", NON_OPERATORS)
def test_verify_refused_for_other_roles(client_for: Any, request: Any, role: str,
                                        pending_enterprise: Any) -> None:
    org = pending_enterprise.organisation
    user = request.getfixturevalue(role)
    assert client_for(user).post(f"/accounts/operator/organisations/{org.pk}/verify/").status_code == 403
    with pytest.raises(PermissionDenied):
        organisation_verify(actor=user, organisation_id=org.pk)
    org.refresh_from_db()
    assert org.status == OrganisationStatus.PENDING


def test_only_pending_can_be_decided(operator_user: Any, enterprise: Any) -> None:
    with pytest.raises(InvalidTransition):
        organisation_verify(actor=operator_user, organisation_id=enterprise.organisation.pk)
    with pytest.raises(InvalidTransition):
        organisation_reject(actor=operator_user, organisation_id=enterprise.organisation.pk, reason="x")


def test_reject_service_reason_field(operator_user: Any, pending_enterprise: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        organisation_reject(actor=operator_user, organisation_id=pending_enterprise.organisation.pk, reason="")
    assert "reason" in exc.value.fields


def test_organisations_filters_and_detail(client_for: Any, operator_user: Any, enterprise: Any,
                                          institution: Any, pending_enterprise: Any) -> None:
    c = client_for(operator_user)
    html = c.get("/accounts/operator/organisations/?kind=institution").content.decode()
    assert institution.organisation.name_en in html and enterprise.organisation.name_en not in html
    html = c.get("/accounts/operator/organisations/?status=pending").content.decode()
    assert pending_enterprise.organisation.name_en in html and enterprise.organisation.name_en not in html
    html = c.get(f"/accounts/operator/organisations/?q={enterprise.organisation.name_en}").content.decode()
    assert enterprise.organisation.name_en in html and institution.organisation.name_en not in html
    html = c.get("/accounts/operator/organisations/?jurisdiction=macao").content.decode()
    assert institution.organisation.name_en in html and enterprise.organisation.name_en not in html
    detail = c.get(f"/accounts/operator/organisations/{pending_enterprise.organisation.pk}/")
    assert detail.status_code == 200 and pending_enterprise.registration_number in detail.content.decode()
    assert c.get("/accounts/operator/organisations/999999/").status_code == 404


# API -----------------------------------------------------------------------------------


def test_api_organisations_list(api_for: Any, operator_user: Any, pending_enterprise: Any,
                                institution: Any) -> None:
    body = api_for(operator_user).get("/api/v1/accounts/organisations?status=pending&page_size=5").json()
    assert body["count"] == 1 and body["page_size"] == 5
    assert body["items"][0]["id"] == pending_enterprise.organisation.pk


@pytest.mark.parametrize("role", NON_OPERATORS)
def test_api_organisations_refused(api_for: Any, request: Any, role: str) -> None:
    response = api_for(request.getfixturevalue(role)).get("/api/v1/accounts/organisations")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_api_organisations_anonymous(api_for: Any, db: Any) -> None:
    assert api_for(None).get("/api/v1/accounts/organisations").status_code == 401


def test_api_organisation_get_scoped(api_for: Any, enterprise_user: Any, pending_enterprise: Any) -> None:
    c = api_for(enterprise_user)
    assert c.get(f"/api/v1/accounts/organisations/{enterprise_user.organisation.pk}").status_code == 200
    assert c.get(f"/api/v1/accounts/organisations/{pending_enterprise.organisation.pk}").status_code == 404


def test_api_verify_and_reject(api_for: Any, operator_user: Any, pending_enterprise: Any,
                               pending_enterprise_user: Any, enterprise_user: Any) -> None:
    org = pending_enterprise.organisation
    c = api_for(operator_user)
    assert api_for(enterprise_user).post(f"/api/v1/accounts/organisations/{org.pk}/verify").status_code == 403
    assert api_for(None).post(f"/api/v1/accounts/organisations/{org.pk}/verify").status_code == 401
    r = c.post(f"/api/v1/accounts/organisations/{org.pk}/reject", json.dumps({"reason": ""}),
               content_type="application/json")
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    r = c.post(f"/api/v1/accounts/organisations/{org.pk}/verify")
    assert r.status_code == 200 and r.json()["status"] == "verified"
    r = c.post(f"/api/v1/accounts/organisations/{org.pk}/reject", json.dumps({"reason": "late"}),
               content_type="application/json")
    assert r.status_code == 409
    assert c.post("/api/v1/accounts/organisations/999999/verify").status_code == 404


@pytest.mark.django_db
def test_operator_finds_a_pending_organisation_by_registration_number(operator_user, client_for):
    wanted = EnterpriseFactory(organisation__status="pending", organisation__name_en="Needle Photonics")
    EnterpriseFactory(organisation__status="pending", organisation__name_en="Haystack Materials")
    page = client_for(operator_user).get(
        "/accounts/operator/verification/", {"q": wanted.registration_number[-8:]}
    ).content.decode()
    assert "Needle Photonics" in page
    assert "Haystack Materials" not in page


@pytest.mark.django_db
def test_verification_queue_filters_by_kind(operator_user, client_for):
    EnterpriseFactory(organisation__status="pending", organisation__name_en="Pending Chips")
    InstitutionFactory(organisation__status="pending", organisation__name_en="Pending Bank")
    page = client_for(operator_user).get("/accounts/operator/verification/", {"kind": "institution"}).content.decode()
    assert "Pending Bank" in page and "Pending Chips" not in page


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_decision_never_redirects_to_another_site(client_for: Any, operator_user: Any,
                                                  pending_enterprise_user: Any, target: str) -> None:
    org = pending_enterprise_user.organisation
    response = client_for(operator_user).post(f"/accounts/operator/organisations/{org.pk}/verify/",
                                              {"next": target})
    assert response.status_code == 302 and response["Location"] == "/accounts/operator/verification/"


def test_decision_returns_to_the_page_it_was_made_on(client_for: Any, operator_user: Any,
                                                     pending_enterprise_user: Any) -> None:
    org = pending_enterprise_user.organisation
    back = "/accounts/operator/verification/?kind=enterprise"
    response = client_for(operator_user).post(f"/accounts/operator/organisations/{org.pk}/verify/",
                                              {"next": back})
    assert response["Location"] == back
