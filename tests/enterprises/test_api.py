"""The enterprises API: /api/v1/enterprises/. Amounts are strings; other enterprises' objects are 404."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bayfin.common.models import AuditEvent
from bayfin.enterprises.models import BeneficialOwner, Certification, FinancialStatement

from ..factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
)
from .conftest import statement_data

BASE = "/api/v1/enterprises"


def send(client, method, path, body=None):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(BASE + path, **kwargs)


# --- /me ---------------------------------------------------------------------------


def test_me_returns_the_private_profile(api_for, enterprise, enterprise_user):
    body = send(api_for(enterprise_user), "get", "/me").json()
    assert body["registration_number"] == enterprise.registration_number
    assert body["employees"] == 60 and body["class_i_ip"] == 3 and body["class_ii_ip"] == 5
    assert body["sector_family"] == "information_technology" and body["status"] == "verified"


def test_me_patch_updates_and_audits(api_for, enterprise, enterprise_user):
    response = send(api_for(enterprise_user), "patch", "/me",
                    {"name_pt": "Chips Lda", "employees": 90, "tech_staff": 40, "stage": "series_b"})
    assert response.status_code == 200, response.content
    assert response.json()["name_pt"] == "Chips Lda" and response.json()["employees"] == 90
    assert AuditEvent.objects.filter(action="enterprise.profile_updated").count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"tech_staff": 61}, "tech_staff"),
    ({"founding_date": "2999-01-01"}, "founding_date"),
    ({"jurisdiction": "narnia"}, "jurisdiction"),
    ({"jurisdiction": "macao", "registration_number": "12-34"}, "registration_number"),
    ({"jurisdiction": "hong_kong", "registration_number": "123"}, "registration_number"),
    ({"registration_number": "91440400MA0000001X"}, "registration_number"),
    ({"name_en": "", "name_zh_hans": ""}, "name_en"),
    ({"sector": "mining"}, "sector"),
    ({"employees": "lots"}, "employees"),
    ({"nickname": "x"}, "nickname"),
])
def test_me_patch_refusals(api_for, enterprise, enterprise_user, body, field):
    response = send(api_for(enterprise_user), "patch", "/me", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    enterprise.refresh_from_db()
    assert enterprise.employees == 60 and enterprise.organisation.name_en


def test_malformed_json_is_refused(api_for, enterprise_user):
    response = api_for(enterprise_user).patch(BASE + "/me", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)


# --- owners ------------------------------------------------------------------------


def test_owners_crud(api_for, enterprise, enterprise_user):
    c = api_for(enterprise_user)
    created = send(c, "post", "/me/owners", {"name": "Leong", "share_percent": "51.25", "nationality": "MO"})
    assert created.status_code == 201 and created.json()["share_percent"] == "51.25"
    owner_id = created.json()["id"]
    listed = send(c, "get", "/me/owners").json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "Leong"
    patched = send(c, "patch", f"/me/owners/{owner_id}", {"share_percent": "49"})
    assert patched.status_code == 200 and patched.json()["share_percent"] == "49.00"
    assert send(c, "delete", f"/me/owners/{owner_id}").status_code == 204
    assert not BeneficialOwner.objects.exists()


def test_owner_shares_over_100_and_floats_are_422(api_for, enterprise, enterprise_user):
    BeneficialOwnerFactory(enterprise=enterprise, share_percent=Decimal("70.00"))
    c = api_for(enterprise_user)
    response = send(c, "post", "/me/owners", {"name": "B", "share_percent": "30.01", "nationality": "HK"})
    assert response.status_code == 422 and "share_percent" in response.json()["fields"]
    response = send(c, "post", "/me/owners", {"name": "B", "share_percent": 10.5, "nationality": "HK"})
    assert response.status_code == 422 and "share_percent" in response.json()["fields"]
    assert BeneficialOwner.objects.count() == 1


# --- certifications ----------------------------------------------------------------


def test_certifications_crud_and_refusal(api_for, enterprise, enterprise_user):
    c = api_for(enterprise_user)
    bad = send(c, "post", "/me/certifications", {"kind": "hnte", "issued_on": "2023-01-01",
                                                  "expires_on": "2022-01-01"})
    assert bad.status_code == 422 and "expires_on" in bad.json()["fields"]
    created = send(c, "post", "/me/certifications", {"kind": "scitech_sme", "issued_on": "2024-04-01"})
    assert created.status_code == 201 and created.json()["published"] is True
    cert_id = created.json()["id"]
    assert send(c, "get", "/me/certifications").json()["count"] == 1
    patched = send(c, "patch", f"/me/certifications/{cert_id}", {"published": False})
    assert patched.status_code == 200 and patched.json()["published"] is False
    assert send(c, "delete", f"/me/certifications/{cert_id}").status_code == 204
    assert not Certification.objects.exists()


# --- statements --------------------------------------------------------------------


def test_statements_put_get_delete(api_for, enterprise, enterprise_user):
    c = api_for(enterprise_user)
    response = send(c, "put", "/me/statements/2024", statement_data())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revenue"] == "38000000.00" and body["net_profit"] == "-240000.50" and body["year"] == 2024
    assert send(c, "put", "/me/statements/2024", statement_data(revenue="1.50")).json()["revenue"] == "1.50"
    listed = send(c, "get", "/me/statements").json()
    assert listed["count"] == 1 and listed["items"][0]["revenue"] == "1.50"
    assert send(c, "get", "/me/statements/2024").json()["currency"] == "CNY"
    assert send(c, "delete", "/me/statements/2024").status_code == 204
    assert send(c, "delete", "/me/statements/2024").status_code == 404
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "enterprise.statement_created", "enterprise.statement_updated", "enterprise.statement_deleted"]


@pytest.mark.parametrize(("year", "overrides", "field"), [
    (2010, {}, "year"),
    (2024, {"revenue": "-5.00"}, "revenue"),
    (2024, {"revenue": "5.001"}, "revenue"),
    (2024, {"total_assets": "10000000000000.00"}, "total_assets"),
    (2024, {"currency": "XYZ"}, "currency"),
    (2024, {"revenue": 1000.25}, "revenue"),  # a JSON number, not a string
    (2024, {"revenue": 1000}, "revenue"),
    (2024, {"tax_credit_grade": "Z"}, "tax_credit_grade"),
])
def test_statement_refusals(api_for, enterprise, enterprise_user, year, overrides, field):
    response = send(api_for(enterprise_user), "put", f"/me/statements/{year}", statement_data(**overrides))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_failed" and field in body["fields"]
    assert not FinancialStatement.objects.exists()


# --- public ------------------------------------------------------------------------


def test_public_list_and_detail(api_for, enterprise, pending_enterprise, institution_user):
    CertificationFactory(enterprise=enterprise, published=True)
    EnterpriseFactory(sector="fintech", organisation__jurisdiction="hong_kong", registration_number="87654321")
    c = api_for(institution_user)
    listed = send(c, "get", "/public").json()
    assert listed["count"] == 2 and pending_enterprise.pk not in [i["id"] for i in listed["items"]]
    filtered = c.get(BASE + "/public", {"sector": "fintech", "jurisdiction": "hong_kong"}).json()
    assert filtered["count"] == 1
    assert c.get(BASE + "/public", {"stage": "series_a", "page_size": 1}).json()["page_size"] == 1
    bad = c.get(BASE + "/public", {"jurisdiction": "atlantis"})
    assert bad.status_code == 422 and "jurisdiction" in bad.json()["fields"]
    detail = send(c, "get", f"/public/{enterprise.pk}").json()
    assert set(detail) == {"id", "names", "display_name", "jurisdiction", "sector", "sector_family", "stage",
                           "description", "founding_year", "employee_band", "certifications", "badges"}
    assert detail["certifications"] == [{"kind": "hnte", "year": 2023}]
    assert send(c, "get", f"/public/{pending_enterprise.pk}").status_code == 404


def test_observer_sees_public_profiles(api_for, enterprise, observer_user):
    assert send(api_for(observer_user), "get", f"/public/{enterprise.pk}").status_code == 200


# --- permissions -------------------------------------------------------------------

PRIVATE_ENDPOINTS = [
    ("get", "/me", None), ("patch", "/me", {"stage": "seed"}),
    ("get", "/me/owners", None), ("post", "/me/owners", {"name": "X", "share_percent": "1", "nationality": "MO"}),
    ("get", "/me/certifications", None),
    ("post", "/me/certifications", {"kind": "hnte", "issued_on": "2023-01-01"}),
    ("get", "/me/statements", None), ("put", "/me/statements/2024", statement_data()),
    ("delete", "/me/statements/2024", None),
]


@pytest.mark.parametrize(("method", "path", "body"), [*PRIVATE_ENDPOINTS, ("get", "/public", None)])
def test_anonymous_gets_401(api_for, enterprise, method, path, body):
    assert send(api_for(None), method, path, body).status_code == 401


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
@pytest.mark.parametrize(("method", "path", "body"), PRIVATE_ENDPOINTS)
def test_other_roles_get_403_on_private_endpoints(request, api_for, enterprise, role, method, path, body):
    user = request.getfixturevalue(role)
    response = send(api_for(user), method, path, body)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not FinancialStatement.objects.exists()


def test_another_enterprises_owner_and_certification_are_404(api_for, enterprise_user, other_enterprise):
    owner = BeneficialOwnerFactory(enterprise=other_enterprise)
    cert = CertificationFactory(enterprise=other_enterprise)
    FinancialStatementFactory(enterprise=other_enterprise, year=2023)
    c = api_for(enterprise_user)
    assert send(c, "patch", f"/me/owners/{owner.pk}", {"name": "Mine"}).status_code == 404
    assert send(c, "delete", f"/me/owners/{owner.pk}").status_code == 404
    assert send(c, "patch", f"/me/certifications/{cert.pk}", {"published": False}).status_code == 404
    assert send(c, "delete", f"/me/certifications/{cert.pk}").status_code == 404
    assert send(c, "get", "/me/statements/2023").status_code == 404
    assert send(c, "get", "/me/statements").json()["count"] == 0
    owner.refresh_from_db()
    cert.refresh_from_db()
    assert owner.name != "Mine" and cert.published


def test_pending_enterprise_can_patch_its_profile(api_for, pending_enterprise, pending_enterprise_user):
    response = send(api_for(pending_enterprise_user), "patch", "/me", {"description": "Pending but busy."})
    assert response.status_code == 200
