"""Sign-up: every kind succeeds, every bad input is refused on its field and nothing is saved."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bayfin.accounts.models import Membership, Organisation, OrganisationStatus, User
from bayfin.common.models import AuditEvent
from bayfin.enterprises.models import Enterprise
from bayfin.institutions.models import Institution
from tests.factories import UserFactory

from .conftest import api_payload

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (User.objects.count(), Organisation.objects.count(), Membership.objects.count(),
            Enterprise.objects.count(), Institution.objects.count(), AuditEvent.objects.count())


def test_chooser_links_to_each_kind(client: Any) -> None:
    html = client.get(reverse("accounts:signup")).content.decode()
    for kind in ("enterprise", "institution", "observer"):
        assert f"/accounts/signup/{kind}/" in html


def test_unknown_kind_is_404(client: Any) -> None:
    assert client.get("/accounts/signup/operator/").status_code == 404


@pytest.mark.parametrize("kind", ["enterprise", "institution", "observer"])
def test_signup_page_success(client: Any, request: Any, kind: str) -> None:
    data = request.getfixturevalue(f"{kind}_signup")
    assert client.get(f"/accounts/signup/{kind}/").status_code == 200
    response = client.post(f"/accounts/signup/{kind}/", data)
    assert response.status_code == 302
    user = User.objects.get(email=data["email"])
    assert user.username == data["email"]
    org = user.organisation
    assert org.kind == kind and org.status == OrganisationStatus.PENDING
    assert user.is_org_admin
    assert AuditEvent.objects.filter(action="organisation.registered", subject_id=str(org.pk)).exists()
    if kind == "enterprise":
        assert org.enterprise.registration_number == data["registration_number"]
        assert AuditEvent.objects.filter(action="enterprise.created").exists()
    if kind == "institution":
        assert str(org.institution.aum_amount) == "1000000.00"
    # signed in: the dashboard shows the pending notice
    home = client.get("/")
    assert "waiting for verification" in home.content.decode()


def test_login_with_email_any_case(client: Any, enterprise_signup: dict[str, Any]) -> None:
    client.post("/accounts/signup/enterprise/", enterprise_signup)
    client.post("/accounts/logout/")
    response = client.post(reverse("accounts:login"),
                           {"username": enterprise_signup["email"].upper(), "password": enterprise_signup["password"]})
    assert response.status_code == 302
    assert client.get("/api/v1/accounts/me").json()["email"] == enterprise_signup["email"]


def test_login_page_labels_email(client: Any) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert ">Email" in html and "form-control" in html


BAD_ENTERPRISE = [
    ({"registration_number": "91440400MA0000001X"}, "registration_number"),
    ({"tech_staff": "50", "employees": "10"}, "tech_staff"),
    ({"founding_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, "founding_date"),
    ({"name_en": "", "name_zh_hans": ""}, "name_en"),
    ({"password": "12345678"}, "password"),
    ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ({"email": "not-an-email"}, "email"),
]


@pytest.mark.parametrize(("change", "field"), BAD_ENTERPRISE)
def test_signup_page_refuses_bad_input(client: Any, enterprise_signup: dict[str, Any],
                                       change: dict[str, str], field: str) -> None:
    before = _counts()
    response = client.post("/accounts/signup/enterprise/", {**enterprise_signup, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _counts() == before
    # the form keeps what the user typed
    assert enterprise_signup["description"] in response.content.decode()


def test_wrong_uscc_check_character_message(client: Any, enterprise_signup: dict[str, Any]) -> None:
    good = enterprise_signup["registration_number"]
    bad_char = "0" if good[-1] != "0" else "1"
    response = client.post("/accounts/signup/enterprise/",
                           {**enterprise_signup, "registration_number": good[:-1] + bad_char})
    assert "check character" in str(response.context["form"].errors["registration_number"])


def test_duplicate_email_case_insensitive(client: Any, enterprise_signup: dict[str, Any]) -> None:
    UserFactory(email="founder@chipco.example", username="someone")
    before = _counts()
    response = client.post("/accounts/signup/enterprise/",
                           {**enterprise_signup, "email": "Founder@ChipCo.example"})
    assert "email" in response.context["form"].errors
    assert _counts() == before


def test_all_errors_reported_at_once(client: Any, enterprise_signup: dict[str, Any]) -> None:
    response = client.post("/accounts/signup/enterprise/", {
        **enterprise_signup, "password": "123", "name_en": "", "name_zh_hans": "",
        "tech_staff": "99", "jurisdiction": "atlantis",
    })
    errors = response.context["form"].errors
    assert {"password", "name_en", "tech_staff", "jurisdiction"} <= set(errors)


def test_institution_bad_currency_refused(client: Any, institution_signup: dict[str, Any]) -> None:
    before = _counts()
    response = client.post("/accounts/signup/institution/", {**institution_signup, "aum_currency": "XYZ"})
    assert "aum_currency" in response.context["form"].errors
    assert _counts() == before


def test_signed_in_user_is_sent_home(client_for: Any, enterprise_user: Any) -> None:
    assert client_for(enterprise_user).get("/accounts/signup/").status_code == 302


# API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["enterprise", "institution", "observer"])
def test_api_signup_success(api_for: Any, request: Any, kind: str) -> None:
    data = request.getfixturevalue(f"{kind}_signup")
    response = api_for(None).post("/api/v1/accounts/signup", json.dumps(api_payload(kind, data)),
                                  content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == kind and body["organisation"]["status"] == "pending"


@pytest.mark.parametrize(("change", "field"), BAD_ENTERPRISE)
def test_api_signup_refuses(api_for: Any, enterprise_signup: dict[str, Any],
                            change: dict[str, str], field: str) -> None:
    before = _counts()
    payload = api_payload("enterprise", {**enterprise_signup, **change})
    response = api_for(None).post("/api/v1/accounts/signup", json.dumps(payload),
                                  content_type="application/json")
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert _counts() == before


def test_api_signup_cannot_register_operator(api_for: Any, observer_signup: dict[str, Any]) -> None:
    response = api_for(None).post("/api/v1/accounts/signup",
                                  json.dumps(api_payload("operator", observer_signup)),
                                  content_type="application/json")
    assert response.status_code == 422 and "kind" in response.json()["fields"]


def test_api_signup_malformed_json(api_for: Any) -> None:
    response = api_for(None).post("/api/v1/accounts/signup", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert User.objects.count() == 0


def test_api_me(api_for: Any, enterprise_user: Any) -> None:
    body = api_for(enterprise_user).get("/api/v1/accounts/me").json()
    assert body["email"] == enterprise_user.email
    assert body["role"] == "enterprise"
    assert body["organisation"]["id"] == enterprise_user.organisation.pk
    assert api_for(None).get("/api/v1/accounts/me").status_code == 401
