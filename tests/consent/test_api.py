"""The consent API: grants (create, list, get, confirm, dismiss, revoke), the access log,
and who may call what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from bayfin.consent import services
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.financing.transitions import DealStage
from bayfin.ledger.models import LedgerEntry
from tests.factories import DealFactory, FinancingRequestFactory

from .conftest import ConsentGrantFactory, days

pytestmark = pytest.mark.django_db

API = "/api/v1/consent"


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_create_list_and_get(
    api_for: Any,
    enterprise_user: Any,
    grant_data: dict,
    mainland_institution: Any,
    mainland_institution_user: Any,
) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{API}/grants", grant_data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["status"] == "active"
        and body["live"] is True
        and body["scopes"] == ["profile", "statements"]
    )
    assert body["institution"] == {
        "id": mainland_institution.pk,
        "name": "Shenzhen Tech Bank",
        "jurisdiction": "shenzhen",
    }
    assert body["cross_border"] is False and body["valid_until"] == grant_data["valid_until"]
    assert LedgerEntry.objects.filter(kind="consent.granted").count() == 1
    assert api.get(f"{API}/grants").json()["count"] == 1
    assert api.get(f"{API}/grants/{body['id']}").json()["id"] == body["id"]
    # The institution sees the grants it received.
    received = api_for(mainland_institution_user)
    assert [g["id"] for g in received.get(f"{API}/grants").json()["items"]] == [body["id"]]
    assert received.get(f"{API}/grants/{body['id']}").status_code == 200
    shared = received.get(f"{API}/shared").json()
    assert shared[0]["scopes"] == ["profile", "statements"] and shared[0]["grant_ids"] == [
        body["id"]
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scopes", []),
        ("scopes", ["everything"]),
        ("valid_until", days(-1).isoformat()),
        ("purpose", ""),
        ("institution_id", 424242),
        ("valid_until", None),
    ],
)
def test_create_refuses_with_the_field(
    api_for: Any, enterprise_user: Any, grant_data: dict, field: str, value: Any
) -> None:
    grant_data[field] = value
    r = post(api_for(enterprise_user), f"{API}/grants", grant_data)
    assert r.status_code == 422 and list(r.json()["fields"]) == [field], r.content
    assert not ConsentGrant.objects.exists()


def test_cross_border_needs_the_separate_consent(
    api_for: Any, enterprise_user: Any, grant_data: dict, institution: Any
) -> None:
    grant_data["institution_id"] = institution.pk
    r = post(api_for(enterprise_user), f"{API}/grants", grant_data)
    assert r.status_code == 422 and "Macao" in r.json()["fields"]["cross_border_consent"][0]
    r = post(
        api_for(enterprise_user), f"{API}/grants", {**grant_data, "cross_border_consent": True}
    )
    assert r.status_code == 201 and r.json()["cross_border"] is True
    assert r.json()["recipient_jurisdiction"] == "macao" and r.json()["cross_border_consent_at"]


def test_unknown_fields_are_refused(api_for: Any, enterprise_user: Any, grant_data: dict) -> None:
    r = post(api_for(enterprise_user), f"{API}/grants", {**grant_data, "scope": ["profile"]})
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("institution", 403),
        ("operator", 403),
        ("observer", 403),
        ("pending_enterprise", 403),
    ],
)
def test_only_verified_enterprises_create(
    role: str,
    status: int,
    api_for: Any,
    grant_data: dict,
    institution_user: Any,
    operator_user: Any,
    observer_user: Any,
    pending_enterprise_user: Any,
) -> None:
    user = {
        "anonymous": None,
        "institution": institution_user,
        "operator": operator_user,
        "observer": observer_user,
        "pending_enterprise": pending_enterprise_user,
    }[role]
    assert post(api_for(user), f"{API}/grants", grant_data).status_code == status
    assert not ConsentGrant.objects.exists()


def test_confirm_and_dismiss_proposals(
    api_for: Any, enterprise: Any, enterprise_user: Any, mainland_institution: Any
) -> None:
    deals = [
        DealFactory(
            request=FinancingRequestFactory(enterprise=enterprise),
            institution=mainland_institution,
            stage=DealStage.ACCEPTED,
        )
        for _ in range(2)
    ]
    with transaction.atomic():
        first, second = (
            services.consent_propose_for_deal(actor=enterprise_user, deal=d) for d in deals
        )
    api = api_for(enterprise_user)
    items = api.get(f"{API}/grants").json()["items"]
    assert [i["status"] for i in items] == ["proposed", "proposed"]
    r = post(api, f"{API}/grants/{first.pk}/confirm", {"scopes": ["statements"]})
    assert r.status_code == 200, r.content
    assert (
        r.json()["status"] == "active"
        and r.json()["scopes"] == ["statements"]
        and r.json()["valid_until"] is None
    )
    deals[0].refresh_from_db()
    assert deals[0].stage == DealStage.DATA_ACCESS
    r = post(api, f"{API}/grants/{second.pk}/dismiss", {"reason": "Not this one"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert post(api, f"{API}/grants/{second.pk}/confirm", {}).status_code == 409


def test_proposals_are_not_shown_to_the_institution(
    api_for: Any,
    enterprise: Any,
    enterprise_user: Any,
    mainland_institution: Any,
    mainland_institution_user: Any,
) -> None:
    deal = DealFactory(
        request=FinancingRequestFactory(enterprise=enterprise),
        institution=mainland_institution,
        stage=DealStage.ACCEPTED,
    )
    with transaction.atomic():
        grant = services.consent_propose_for_deal(actor=enterprise_user, deal=deal)
    api = api_for(mainland_institution_user)
    assert api.get(f"{API}/grants").json()["count"] == 0
    assert api.get(f"{API}/grants/{grant.pk}").status_code == 404


def test_grants_of_others_are_not_found(
    api_for: Any,
    grant: Any,
    other_enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    for user in (other_enterprise_user, other_institution_user):
        api = api_for(user)
        assert api.get(f"{API}/grants/{grant.pk}").status_code == 404
        assert api.get(f"{API}/grants").json()["count"] == 0
    assert (
        post(api_for(other_enterprise_user), f"{API}/grants/{grant.pk}/revoke", {}).status_code
        == 404
    )
    assert (
        post(api_for(other_institution_user), f"{API}/grants/{grant.pk}/revoke", {}).status_code
        == 403
    )
    for user in (operator_user, observer_user):
        assert api_for(user).get(f"{API}/grants").status_code == 403
        assert api_for(user).get(f"{API}/shared").status_code == 403
        assert api_for(user).get(f"{API}/accesses").status_code == 403
    assert api_for(None).get(f"{API}/grants").status_code == 401
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE


def test_revoke_twice_is_a_conflict(api_for: Any, grant: Any, enterprise_user: Any) -> None:
    api = api_for(enterprise_user)
    assert post(api, f"{API}/grants/{grant.pk}/revoke", {"reason": "No"}).status_code == 200
    r = post(api, f"{API}/grants/{grant.pk}/revoke", {})
    assert r.status_code == 409


def test_filter_grants_by_status(api_for: Any, grant: Any, enterprise_user: Any) -> None:
    ConsentGrantFactory(
        enterprise=grant.enterprise, institution=grant.institution, status=GrantStatus.REVOKED
    )
    api = api_for(enterprise_user)
    assert api.get(f"{API}/grants", {"status": "revoked"}).json()["count"] == 1
    assert api.get(f"{API}/grants", {"status": "nonsense"}).status_code == 422
