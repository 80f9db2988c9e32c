"""Reading shared data: only under a live consent, every read logged, and a revocation or a
passed date taking effect mid-session, on the pages and through the API alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied
from bayfin.consent import selectors, services
from bayfin.consent.models import ConsentGrant, DataAccess, GrantStatus

from .conftest import ConsentGrantFactory, days, secrets

pytestmark = pytest.mark.django_db

API = "/api/v1/consent"
READERS = [
    selectors.shared_profile_for,
    selectors.shared_statements_for,
    selectors.shared_evaluation_for,
    selectors.shared_credit_for,
]


def detail(enterprise: Any, scope: str = "") -> str:
    url = reverse("consent:shared_detail", args=[enterprise.pk])
    return f"{url}?scope={scope}" if scope else url


def assert_no_secrets(text: str, enterprise: Any) -> None:
    for secret in secrets(enterprise):
        assert secret not in text, secret


# --------------------------------------------------------------------------- selectors


def test_each_scope_reads_its_data_and_logs_the_read(grant: Any, institution_user: Any) -> None:
    e = grant.enterprise
    profile = selectors.shared_profile_for(institution_user, e.pk)
    assert profile.registration_number == e.registration_number
    assert [o.name for o in profile.owners] == ["Chan Tai Man"]
    assert profile.certifications[0].number == "GR-SECRET-4471"
    statements = selectors.shared_statements_for(institution_user, e.pk, via="api")
    assert [s.year for s in statements.statements] == [2025]
    assert selectors.shared_evaluation_for(institution_user, e.pk).results == []
    credit = selectors.shared_credit_for(institution_user, e.pk)
    assert credit.computed is False and "No credit score has been computed yet" in credit.message
    log = list(DataAccess.objects.order_by("pk").values_list("scope", "via", "user_id", "grant_id"))
    assert log == [
        ("profile", "page", institution_user.pk, grant.pk),
        ("statements", "api", institution_user.pk, grant.pk),
        ("evaluation", "page", institution_user.pk, grant.pk),
        ("credit", "page", institution_user.pk, grant.pk),
    ]


@pytest.mark.parametrize("reader", READERS)
def test_without_a_live_grant_an_institution_gets_not_found(
    reader: Any, private_data: Any, institution_user: Any
) -> None:
    with pytest.raises(NotFound) as info:
        reader(institution_user, private_data.pk)
    assert "No live consent covers this data" in str(info.value.message)
    assert not DataAccess.objects.exists()


@pytest.mark.parametrize("reader", READERS)
def test_other_roles_read_nothing(
    reader: Any,
    grant: Any,
    enterprise_user: Any,
    other_enterprise_user: Any,
    operator_user: Any,
    observer_user: Any,
    other_institution_user: Any,
) -> None:
    for user in (enterprise_user, other_enterprise_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            reader(user, grant.enterprise.pk)
    with pytest.raises(NotFound):
        reader(other_institution_user, grant.enterprise.pk)
    with pytest.raises(NotAuthenticated):
        reader(None, grant.enterprise.pk)
    assert not DataAccess.objects.exists()


def test_a_scope_outside_the_grant_is_refused(
    private_data: Any, institution: Any, institution_user: Any
) -> None:
    ConsentGrantFactory(enterprise=private_data, institution=institution, scopes=["statements"])
    selectors.shared_statements_for(institution_user, private_data.pk)
    with pytest.raises(NotFound):
        selectors.shared_profile_for(institution_user, private_data.pk)
    assert DataAccess.objects.count() == 1


def test_shared_enterprises_lists_live_scopes_only(
    grant: Any, institution_user: Any, other_enterprise: Any, institution: Any
) -> None:
    ConsentGrantFactory(
        enterprise=other_enterprise, institution=institution, status=GrantStatus.REVOKED
    )
    ConsentGrantFactory(
        enterprise=other_enterprise, institution=institution, status=GrantStatus.PROPOSED
    )
    entries = selectors.shared_enterprises_for(institution_user)
    assert [e.enterprise for e in entries] == [grant.enterprise]
    assert entries[0].scopes == ["profile", "statements", "credit", "evaluation"]
    assert not DataAccess.objects.exists()  # listing reads nothing private


# --------------------------------------------------------------------------- mid-session, on the pages


def test_revocation_mid_session_on_the_page(
    grant: Any, client_for: Any, institution_user: Any, enterprise_user: Any
) -> None:
    reader = client_for(institution_user)
    r = reader.get(detail(grant.enterprise, "profile"))
    assert r.status_code == 200 and "GR-SECRET-4471" in r.content.decode()
    owner = client_for(enterprise_user)
    r = owner.post(reverse("consent:grant_revoke", args=[grant.pk]), {"reason": "Changed our mind"})
    assert r.status_code == 302
    r = reader.get(detail(grant.enterprise, "profile"))
    assert r.status_code == 404
    assert_no_secrets(r.content.decode(), grant.enterprise)
    r = reader.get(reverse("consent:shared"))
    assert (
        grant.enterprise.organisation.name_en
        not in r.content.decode().split("Consents received")[0]
    )
    assert DataAccess.objects.count() == 1


def test_expiry_mid_session_before_the_job(
    grant: Any, client_for: Any, institution_user: Any
) -> None:
    reader = client_for(institution_user)
    assert reader.get(detail(grant.enterprise, "statements")).status_code == 200
    ConsentGrant.objects.filter(pk=grant.pk).update(
        valid_until=days(-1)
    )  # the date passed; the job has not run
    r = reader.get(detail(grant.enterprise, "statements"))
    assert r.status_code == 404
    assert_no_secrets(r.content.decode(), grant.enterprise)
    assert services.consent_expire_due(today=days(0)) == 1
    assert services.consent_expire_due(today=days(0)) == 0
    assert reader.get(detail(grant.enterprise, "statements")).status_code == 404


def test_the_detail_page_reads_only_the_tab_shown(
    grant: Any, client_for: Any, institution_user: Any
) -> None:
    reader = client_for(institution_user)
    r = reader.get(detail(grant.enterprise))
    assert r.status_code == 200 and grant.enterprise.registration_number in r.content.decode()
    r = reader.get(detail(grant.enterprise, "statements"))
    body = r.content.decode()
    assert "38,123,456" in body and grant.enterprise.registration_number not in body
    r = reader.get(detail(grant.enterprise, "documents"))
    assert "Not shared with you." in r.content.decode()
    assert list(DataAccess.objects.order_by("pk").values_list("scope", flat=True)) == [
        "profile",
        "statements",
    ]


def test_a_scope_revoked_while_another_stays_shows_not_shared(
    private_data: Any,
    institution: Any,
    client_for: Any,
    institution_user: Any,
    enterprise_user: Any,
) -> None:
    ConsentGrantFactory(enterprise=private_data, institution=institution, scopes=["statements"])
    profile = ConsentGrantFactory(
        enterprise=private_data, institution=institution, scopes=["profile"]
    )
    services.consent_revoke(actor=enterprise_user, grant_id=profile.pk)
    r = client_for(institution_user).get(detail(private_data, "profile"))
    assert r.status_code == 200 and "Not shared with you." in r.content.decode()
    assert_no_secrets(r.content.decode(), private_data)


# --------------------------------------------------------------------------- mid-session, through the API


def test_revocation_mid_session_through_the_api(
    grant: Any, api_for: Any, institution_user: Any, enterprise_user: Any
) -> None:
    reader = api_for(institution_user)
    r = reader.get(f"{API}/shared/{grant.enterprise.pk}/profile")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (
        body["grant_id"] == grant.pk
        and body["data"]["certifications"][0]["number"] == "GR-SECRET-4471"
    )
    r = reader.get(f"{API}/shared/{grant.enterprise.pk}/statements")
    assert r.json()["data"]["statements"][0]["revenue"] == {
        "amount": "38123456.00",
        "currency": "CNY",
    }
    r = api_for(enterprise_user).post(
        f"{API}/grants/{grant.pk}/revoke", data={"reason": ""}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["live"] is False
    r = reader.get(f"{API}/shared/{grant.enterprise.pk}/profile")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert_no_secrets(r.content.decode(), grant.enterprise)
    assert reader.get(f"{API}/shared").json() == []
    assert list(DataAccess.objects.values_list("via", flat=True)) == ["api", "api"]


def test_expiry_mid_session_through_the_api(
    grant: Any, api_for: Any, institution_user: Any
) -> None:
    reader = api_for(institution_user)
    assert reader.get(f"{API}/shared/{grant.enterprise.pk}/credit").status_code == 200
    ConsentGrant.objects.filter(pk=grant.pk).update(valid_until=days(-1))
    assert reader.get(f"{API}/shared/{grant.enterprise.pk}/credit").status_code == 404


@pytest.mark.parametrize("scope", ["profile", "statements", "evaluation", "credit"])
def test_api_reads_refused_to_everyone_else(
    scope: str,
    grant: Any,
    api_for: Any,
    enterprise_user: Any,
    other_enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    url = f"{API}/shared/{grant.enterprise.pk}/{scope}"
    expected = {
        None: 401,
        enterprise_user: 403,
        other_enterprise_user: 403,
        operator_user: 403,
        observer_user: 403,
        other_institution_user: 404,
    }
    for user, status in expected.items():
        r = api_for(user).get(url)
        assert r.status_code == status, (user, r.content)
        assert_no_secrets(r.content.decode(), grant.enterprise)
    assert not DataAccess.objects.exists()


def test_api_documents_scope_points_to_the_documents_api(
    grant: Any, api_for: Any, institution_user: Any, observer_user: Any
) -> None:
    r = api_for(institution_user).get(f"{API}/shared/{grant.enterprise.pk}/documents")
    assert r.status_code == 422 and "documents" in r.json()["fields"]["scope"][0]
    assert (
        api_for(observer_user).get(f"{API}/shared/{grant.enterprise.pk}/documents").status_code
        == 403
    )


@pytest.mark.parametrize(
    "role", ["anonymous", "enterprise", "other_institution", "operator", "observer"]
)
def test_shared_pages_refused_to_everyone_else(
    role: str,
    grant: Any,
    client_for: Any,
    enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    user = {
        "anonymous": None,
        "enterprise": enterprise_user,
        "other_institution": other_institution_user,
        "operator": operator_user,
        "observer": observer_user,
    }[role]
    client = client_for(user)
    for scope in ("profile", "statements", "evaluation", "credit"):
        r = client.get(detail(grant.enterprise, scope))
        expected = {"anonymous": 302, "other_institution": 404}.get(role, 403)
        assert r.status_code == expected
        assert_no_secrets(r.content.decode(), grant.enterprise)
    assert not DataAccess.objects.exists()


# --------------------------------------------------------------------------- the enterprise's access log


def test_every_read_shows_on_the_access_log(
    grant: Any, client_for: Any, api_for: Any, institution_user: Any, enterprise_user: Any
) -> None:
    institution_user.first_name, institution_user.last_name = "Ada", "Wong"
    institution_user.save()
    client_for(institution_user).get(detail(grant.enterprise, "profile"))
    api_for(institution_user).get(f"{API}/shared/{grant.enterprise.pk}/statements")
    owner = client_for(enterprise_user)
    r = owner.get(reverse("consent:access_log"))
    body = r.content.decode()
    assert r.status_code == 200
    assert body.count("Ada Wong") == 2
    assert grant.institution.organisation.name_en in body
    assert "Profile details" in body and "Financial statements" in body
    assert reverse("consent:grant_detail", args=[grant.pk]) in body
    assert "API" in body and "Page" in body
    r = owner.get(reverse("consent:access_log"), {"scope": "statements"})
    assert r.content.decode().count("Ada Wong") == 1
    r = api_for(enterprise_user).get(f"{API}/accesses")
    assert r.json()["count"] == 2 and r.json()["items"][0]["user"] == "Ada Wong"
    assert r.json()["items"][0]["via"] == "api"


def test_access_log_is_the_enterprises_own(
    grant: Any, institution_user: Any, other_enterprise_user: Any, client_for: Any, api_for: Any
) -> None:
    selectors.shared_profile_for(institution_user, grant.enterprise.pk)
    r = client_for(other_enterprise_user).get(reverse("consent:access_log"))
    assert r.status_code == 200 and "No institution has read your data yet" in r.content.decode()
    assert api_for(other_enterprise_user).get(f"{API}/accesses").json()["count"] == 0
    assert api_for(institution_user).get(f"{API}/accesses").status_code == 403
