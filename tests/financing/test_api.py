"""The financing API: success, bad input (422 with the field), and permissions for each role."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import (
    CertificationFactory,
    DealFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/financing"


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client: Any, url: str, body: Any) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


# --------------------------------------------------------------------------- own requests


def test_create_and_read_a_request(api_for: Any, enterprise_user: Any, valid_data: dict) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/requests", valid_data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount"] == {"amount": "8000000.00", "currency": "CNY"}
    assert body["status"] == "draft" and body["allowed_transitions"] == ["open", "withdrawn"]
    r = api.get(f"{BASE}/requests/{body['id']}")
    assert r.status_code == 200 and r.json()["title"] == valid_data["title"]
    r = api.get(f"{BASE}/requests")
    assert r.status_code == 200 and r.json()["count"] == 1


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "0"), ("amount", "-1.00"), ("amount", "10000000000000"), ("amount", "5.123"),
    ("amount", 1000.5), ("currency", "XYZ"), ("instruments", []),
    ("deadline", (timezone.localdate() - dt.timedelta(days=2)).isoformat()),
    ("term_months", 0), ("title", ""),
])
def test_create_refuses_bad_input_with_the_field(api_for: Any, enterprise_user: Any, valid_data: dict,
                                                 field: str, value: Any) -> None:
    valid_data[field] = value
    r = post(api_for(enterprise_user), f"{BASE}/requests", valid_data)
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == "validation_failed" and field in body["fields"]
    assert FinancingRequest.objects.count() == 0


def test_float_amount_is_refused_with_a_clear_reason(api_for: Any, enterprise_user: Any, valid_data: dict) -> None:
    valid_data["amount"] = 8000000.0
    r = post(api_for(enterprise_user), f"{BASE}/requests", valid_data)
    assert r.status_code == 422
    assert "string" in r.json()["fields"]["amount"][0]


def test_malformed_json_is_refused(api_for: Any, enterprise_user: Any) -> None:
    r = api_for(enterprise_user).post(f"{BASE}/requests", data="{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert FinancingRequest.objects.count() == 0


def test_patch_updates_and_refuses(api_for: Any, enterprise_user: Any, open_request: Any) -> None:
    api = api_for(enterprise_user)
    r = patch(api, f"{BASE}/requests/{open_request.pk}", {"title": "New title"})
    assert r.status_code == 200 and r.json()["title"] == "New title"
    r = patch(api, f"{BASE}/requests/{open_request.pk}", {"amount": "0"})
    assert r.status_code == 422 and "amount" in r.json()["fields"]


def test_transition_endpoint(api_for: Any, enterprise_user: Any, draft_request: Any) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/requests/{draft_request.pk}/transition", {"to": "open"})
    assert r.status_code == 200 and r.json()["status"] == "open"
    r = post(api, f"{BASE}/requests/{draft_request.pk}/transition", {"to": "funded"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert "Open" in r.json()["message"] and "Funded" in r.json()["message"]


def test_pending_enterprise_gets_403_on_submit(api_for: Any, pending_enterprise_user: Any, valid_data: dict) -> None:
    api = api_for(pending_enterprise_user)
    r = post(api, f"{BASE}/requests", valid_data)
    assert r.status_code == 201
    r = post(api, f"{BASE}/requests/{r.json()['id']}/transition", {"to": "open"})
    assert r.status_code == 403
    assert r.json()["code"] == "organisation_not_verified"
    assert "verified" in r.json()["message"]


@pytest.mark.parametrize("method", ["get", "patch", "transition"])
def test_other_enterprise_gets_404(api_for: Any, other_enterprise_user: Any, open_request: Any, method: str) -> None:
    api = api_for(other_enterprise_user)
    url = f"{BASE}/requests/{open_request.pk}"
    if method == "get":
        r = api.get(url)
    elif method == "patch":
        r = patch(api, url, {"title": "x"})
    else:
        r = post(api, url + "/transition", {"to": "closed"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_anonymous_gets_401_everywhere(api_for: Any, open_request: Any) -> None:
    api = api_for(None)
    for url in ("/requests", f"/requests/{open_request.pk}", "/browse", "/deals", "/deals/1"):
        assert api.get(BASE + url).status_code == 401
    assert post(api, f"{BASE}/requests", {}).status_code == 401
    assert post(api, f"{BASE}/requests/{open_request.pk}/interest", {"message": "x"}).status_code == 401


def test_wrong_roles_get_403(api_for: Any, institution_user: Any, observer_user: Any, operator_user: Any,
                             enterprise_user: Any, valid_data: dict) -> None:
    for user in (institution_user, observer_user, operator_user):
        assert api_for(user).get(f"{BASE}/requests").status_code == 403
        assert post(api_for(user), f"{BASE}/requests", valid_data).status_code == 403
    assert api_for(enterprise_user).get(f"{BASE}/browse").status_code == 403
    assert api_for(observer_user).get(f"{BASE}/browse").status_code == 403
    assert api_for(observer_user).get(f"{BASE}/deals").status_code == 403


def test_observer_sees_no_request(api_for: Any, observer_user: Any, open_request: Any) -> None:
    assert api_for(observer_user).get(f"{BASE}/requests/{open_request.pk}").status_code == 404


# --------------------------------------------------------------------------- browse


def test_browse_shows_only_visible_requests_and_no_private_figures(
        api_for: Any, institution_user: Any, enterprise: Any, pending_enterprise: Any) -> None:
    FinancialStatementFactory(enterprise=enterprise, revenue="38000000.00")
    visible = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN)
    progress = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.IN_PROGRESS)
    for status in ("draft", "expired", "closed", "withdrawn", "funded"):
        FinancingRequestFactory(enterprise=enterprise, status=status)
    FinancingRequestFactory(enterprise=pending_enterprise, status=RequestStatus.OPEN)

    r = api_for(institution_user).get(f"{BASE}/browse")
    assert r.status_code == 200
    body = r.json()
    assert {i["id"] for i in body["items"]} == {visible.pk, progress.pk}
    text = r.content.decode()
    for private in ("38000000", "revenue", "registration_number", "beneficial", "employees\"", "patent",
                    str(enterprise.registration_number)):
        assert private not in text
    profile = body["items"][0]["enterprise"]
    assert set(profile) == {"id", "name", "jurisdiction", "sector", "stage", "description", "founding_year",
                            "employee_band", "badges"}
    assert profile["employee_band"] == "50-99" and profile["founding_year"] == 2018


def test_browse_filters(api_for: Any, institution_user: Any) -> None:
    from tests.factories import EnterpriseFactory

    chip = EnterpriseFactory(sector="integrated_circuits", stage="series_a", organisation__jurisdiction="hengqin")
    bio = EnterpriseFactory(sector="biomedicine", stage="seed", organisation__jurisdiction="macao")
    a = FinancingRequestFactory(enterprise=chip, amount="1000000.00", currency="CNY", instruments=["credit_loan"])
    b = FinancingRequestFactory(enterprise=bio, amount="5000000.00", currency="CNY", instruments=["equity"])
    c = FinancingRequestFactory(enterprise=bio, amount="3000000.00", currency="MOP",
                                instruments=["equity_pledge_loan"])
    api = api_for(institution_user)

    def ids(query: str) -> set[int]:
        r = api.get(f"{BASE}/browse?{query}")
        assert r.status_code == 200, r.content
        return {i["id"] for i in r.json()["items"]}

    assert ids("sector=integrated_circuits") == {a.pk}
    assert ids("jurisdiction=macao") == {b.pk, c.pk}
    assert ids("stage=seed") == {b.pk, c.pk}
    assert ids("instrument=equity") == {b.pk}  # not the equity-pledge loan
    assert ids("currency=CNY&amount_min=2000000") == {b.pk}
    assert ids("currency=CNY&amount_max=2000000") == {a.pk}
    # Without a currency, amounts are not compared across currencies.
    assert ids("amount_min=2000000") == {a.pk, b.pk, c.pk}
    r = api.get(f"{BASE}/browse?sort=amount&currency=CNY")
    assert [i["id"] for i in r.json()["items"]] == [b.pk, a.pk]
    r = api.get(f"{BASE}/browse?page_size=1&page=2")
    assert r.json()["count"] == 3 and len(r.json()["items"]) == 1


def test_institution_can_read_a_visible_request_but_not_a_draft(api_for: Any, institution_user: Any,
                                                                open_request: Any, draft_request: Any) -> None:
    api = api_for(institution_user)
    assert api.get(f"{BASE}/requests/{open_request.pk}").status_code == 200
    assert api.get(f"{BASE}/requests/{draft_request.pk}").status_code == 404


# --------------------------------------------------------------------------- interest and deals


def test_interest_accept_flow(channels: None, api_for: Any, institution_user: Any, institution: Any, enterprise_user: Any,
                              open_request: Any) -> None:
    product = ProductFactory(institution=institution)
    inst = api_for(institution_user)
    r = post(inst, f"{BASE}/requests/{open_request.pk}/interest", {"message": "Let us talk", "product_id": product.pk})
    assert r.status_code == 201, r.content
    deal = r.json()
    assert deal["stage"] == "interest" and deal["allowed_transitions"] == ["closed"]
    assert deal["request_amount"] == {"amount": "8000000.00", "currency": "CNY"}
    assert [h["to_stage"] for h in deal["history"]] == ["interest"]

    r = post(inst, f"{BASE}/requests/{open_request.pk}/interest", {"message": "Again"})
    assert r.status_code == 409 and r.json()["code"] == "deal_exists"

    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "accepted"})
    assert r.status_code == 409 and "only the enterprise" in r.json()["message"]

    ent = api_for(enterprise_user)
    r = ent.get(f"{BASE}/deals/{deal['id']}")
    assert r.status_code == 200 and r.json()["allowed_transitions"] == ["accepted", "declined", "closed"]
    r = post(ent, f"{BASE}/deals/{deal['id']}/transition", {"to": "accepted", "comment": "Welcome"})
    assert r.status_code == 200 and r.json()["stage"] == "accepted"
    assert [h["to_stage"] for h in r.json()["history"]] == ["interest", "accepted"]
    assert ent.get(f"{BASE}/requests/{open_request.pk}").json()["status"] == "in_progress"

    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "closed", "comment": "Done"})
    assert r.status_code == 200 and r.json()["stage"] == "closed"


def test_interest_bad_input(api_for: Any, institution_user: Any, other_institution: Any, open_request: Any) -> None:
    api = api_for(institution_user)
    r = post(api, f"{BASE}/requests/{open_request.pk}/interest", {"message": ""})
    assert r.status_code == 422 and "message" in r.json()["fields"]
    other = ProductFactory(institution=other_institution)
    r = post(api, f"{BASE}/requests/{open_request.pk}/interest", {"message": "Hi", "product_id": other.pk})
    assert r.status_code == 422 and "product_id" in r.json()["fields"]
    assert not Deal.objects.exists()


def test_interest_wrong_roles(api_for: Any, enterprise_user: Any, observer_user: Any, open_request: Any,
                              draft_request: Any, institution_user: Any) -> None:
    assert post(api_for(enterprise_user), f"{BASE}/requests/{open_request.pk}/interest",
                {"message": "x"}).status_code == 403
    assert post(api_for(observer_user), f"{BASE}/requests/{open_request.pk}/interest",
                {"message": "x"}).status_code == 403
    assert post(api_for(institution_user), f"{BASE}/requests/{draft_request.pk}/interest",
                {"message": "x"}).status_code == 404


def test_decline_needs_a_reason(api_for: Any, enterprise_user: Any, deal: Any) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined"})
    assert r.status_code == 422 and "comment" in r.json()["fields"]
    r = post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined", "comment": "Not now"})
    assert r.status_code == 200 and r.json()["stage"] == "declined"


def test_deal_visibility(api_for: Any, enterprise_user: Any, institution_user: Any, other_enterprise_user: Any,
                         other_institution_user: Any, operator_user: Any, observer_user: Any, deal: Any) -> None:
    for user in (enterprise_user, institution_user, operator_user):
        api = api_for(user)
        assert api.get(f"{BASE}/deals/{deal.pk}").status_code == 200
        assert api.get(f"{BASE}/deals").json()["count"] == 1
    for user in (other_enterprise_user, other_institution_user):
        api = api_for(user)
        assert api.get(f"{BASE}/deals/{deal.pk}").status_code == 404
        assert api.get(f"{BASE}/deals").json()["count"] == 0
        assert post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "closed"}).status_code == 404
    assert api_for(observer_user).get(f"{BASE}/deals/{deal.pk}").status_code == 404
    assert api_for(operator_user).get(f"{BASE}/deals/{deal.pk}").json()["allowed_transitions"] == []
    assert post(api_for(operator_user), f"{BASE}/deals/{deal.pk}/transition", {"to": "closed"}).status_code == 403
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST


@pytest.mark.parametrize(("query", "field"), [
    ("sector=space_mining", "sector"), ("jurisdiction=atlantis", "jurisdiction"), ("currency=XYZ", "currency"),
    ("currency=CNY&amount_min=abc", "amount_min"), ("currency=CNY&amount_min=-1", "amount_min"),
    ("currency=CNY&amount_min=1.001", "amount_min"),
    ("currency=CNY&amount_min=10&amount_max=5", "amount_max"), ("instrument=crypto", "instrument"),
])
def test_browse_refuses_bad_filters(api_for: Any, institution_user: Any, query: str, field: str) -> None:
    r = api_for(institution_user).get(f"{BASE}/browse?{query}")
    assert r.status_code == 422 and field in r.json()["fields"]


def test_deal_list_costs_the_same_number_of_queries_for_3_or_30_deals(operator_user, api_for, django_assert_max_num_queries):
    api = api_for(operator_user)
    for _ in range(3):
        CertificationFactory(enterprise=DealFactory().request.enterprise)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/financing/deals?page_size=50").status_code == 200
    for _ in range(27):
        CertificationFactory(enterprise=DealFactory().request.enterprise)
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/financing/deals?page_size=50")
    assert response.json()["count"] == 30
