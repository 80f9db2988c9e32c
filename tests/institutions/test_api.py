"""The institutions API: success, refusals (422 with the field), permissions (401/403/404)."""

from __future__ import annotations

import json

import pytest

from bayfin.common.models import AuditEvent
from bayfin.institutions.models import Association, Product, ProductStatus
from tests.factories import ProductFactory

from .conftest import product_data

pytestmark = pytest.mark.django_db
BASE = "/api/v1/institutions"


def send(client, method, url, body=None):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


# ------------------------------------------------------------------ /me


def test_get_and_patch_own_profile(api_for, institution_user, institution):
    client = api_for(institution_user)
    response = client.get(f"{BASE}/me")
    assert response.status_code == 200
    assert response.json()["aum"] == {"amount": "5000000000.00", "currency": "MOP"}
    response = send(client, "patch", f"{BASE}/me", {"aum_amount": "7500000.50", "aum_currency": "HKD",
                                                    "name_pt": "Banco Exemplo"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["aum"] == {"amount": "7500000.50", "currency": "HKD"}
    assert body["name_pt"] == "Banco Exemplo"
    assert body["licence_number"] == institution.licence_number


@pytest.mark.parametrize("body, field", [
    ({"aum_amount": "-1", "aum_currency": "MOP"}, "aum_amount"),
    ({"aum_amount": 12.5, "aum_currency": "MOP"}, "aum_amount"),
    ({"aum_currency": "ABC"}, "aum_currency"),
    ({"jurisdiction": "mars"}, "jurisdiction"),
])
def test_patch_profile_refuses_bad_input(api_for, institution_user, body, field):
    response = send(api_for(institution_user), "patch", f"{BASE}/me", body)
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_pending_institution_edits_its_profile_through_the_api(api_for, pending_institution_user):
    response = send(api_for(pending_institution_user), "patch", f"{BASE}/me", {"description": "Hello"})
    assert response.status_code == 200
    assert response.json()["status"] == "pending"


def test_me_permissions(api_for, enterprise_user, observer_user):
    assert api_for(None).get(f"{BASE}/me").status_code == 401
    assert api_for(enterprise_user).get(f"{BASE}/me").status_code == 403
    assert send(api_for(observer_user), "patch", f"{BASE}/me", {"description": "x"}).status_code == 403


# ------------------------------------------------------------------ own products


def test_create_update_publish_archive_through_the_api(api_for, institution_user):
    client = api_for(institution_user)
    response = send(client, "post", f"{BASE}/me/products", product_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["ticket_min"] == {"amount": "1000000.00", "currency": "CNY"}
    assert body["rate_max_percent"] == "4.800"
    pid = body["id"]
    response = send(client, "patch", f"{BASE}/me/products/{pid}", {"ticket_max": "30000000"})
    assert response.json()["ticket_max"]["amount"] == "30000000.00"
    assert client.post(f"{BASE}/me/products/{pid}/publish").json()["status"] == "published"
    assert client.post(f"{BASE}/me/products/{pid}/publish").status_code == 409
    assert client.delete(f"{BASE}/me/products/{pid}").status_code == 409
    assert client.post(f"{BASE}/me/products/{pid}/archive").json()["status"] == "archived"
    listing = client.get(f"{BASE}/me/products").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == pid
    assert client.get(f"{BASE}/me/products?status=draft").json()["count"] == 0


def test_delete_a_draft(api_for, institution_user):
    client = api_for(institution_user)
    pid = send(client, "post", f"{BASE}/me/products", product_data()).json()["id"]
    assert client.delete(f"{BASE}/me/products/{pid}").status_code == 204
    assert not Product.objects.filter(pk=pid).exists()


@pytest.mark.parametrize("overrides, field", [
    ({"ticket_min": "50000000", "ticket_max": "1000"}, "ticket_min"),
    ({"ticket_min": "0"}, "ticket_min"),
    ({"ticket_max": "-100"}, "ticket_max"),
    ({"ticket_max": "10000000000000"}, "ticket_max"),
    ({"ticket_max": "100.001"}, "ticket_max"),
    ({"ticket_max": 20000000.5}, "ticket_max"),
    ({"ticket_currency": "BTC"}, "ticket_currency"),
    ({"sectors": ["gambling"]}, "sectors"),
    ({"jurisdictions": ["narnia"]}, "jurisdictions"),
    ({"active_from": "2026-06-01", "active_until": "2026-05-01"}, "active_until"),
    ({"active_from": "June 1st"}, "active_from"),
    ({"term_min_months": "twelve"}, "term_min_months"),
])
def test_create_refuses_bad_input_with_the_field(api_for, institution_user, overrides, field):
    response = send(api_for(institution_user), "post", f"{BASE}/me/products", product_data(**overrides))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert field in body["fields"]
    assert not Product.objects.exists()


def test_malformed_json_is_refused(api_for, institution_user):
    response = api_for(institution_user).post(f"{BASE}/me/products", data="{not json",
                                              content_type="application/json")
    assert response.status_code in (400, 422)
    assert not Product.objects.exists()


def test_pending_institution_cannot_create_or_publish(api_for, pending_institution, pending_institution_user):
    client = api_for(pending_institution_user)
    response = send(client, "post", f"{BASE}/me/products", product_data())
    assert response.status_code == 403
    assert response.json()["code"] == "organisation_not_verified"
    assert "verified" in response.json()["message"]
    draft = ProductFactory(institution=pending_institution, status=ProductStatus.DRAFT)
    assert client.post(f"{BASE}/me/products/{draft.pk}/publish").status_code == 403


@pytest.mark.parametrize("who, status", [("enterprise_user", 403), ("observer_user", 403),
                                         ("operator_user", 403), (None, 401)])
def test_other_roles_cannot_create_products(request, api_for, who, status):
    user = request.getfixturevalue(who) if who else None
    response = send(api_for(user), "post", f"{BASE}/me/products", product_data())
    assert response.status_code == status
    assert not Product.objects.exists()


def test_another_institutions_product_is_404(api_for, institution_user, other_institution):
    product = ProductFactory(institution=other_institution, status=ProductStatus.DRAFT)
    client = api_for(institution_user)
    url = f"{BASE}/me/products/{product.pk}"
    assert client.get(url).status_code == 404
    assert send(client, "patch", url, {"name": "mine now"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.post(f"{url}/publish").status_code == 404
    assert client.post(f"{url}/archive").status_code == 404
    assert client.get(f"{BASE}/products/{product.pk}").status_code == 404
    product.refresh_from_db()
    assert product.name != "mine now"


# ------------------------------------------------------------------ browse and public profile


def test_browse_products(api_for, enterprise_user, institution):
    ProductFactory(institution=institution, name="Chips", sectors=["integrated_circuits"])
    ProductFactory(institution=institution, name="Bio", sectors=["biomedicine"])
    ProductFactory(institution=institution, name="Draft", status=ProductStatus.DRAFT)
    client = api_for(enterprise_user)
    body = client.get(f"{BASE}/products").json()
    assert body["count"] == 2 and body["page"] == 1
    body = client.get(f"{BASE}/products?sector=biomedicine").json()
    assert [p["name"] for p in body["items"]] == ["Bio"]
    body = client.get(f"{BASE}/products?amount=5000000&currency=CNY").json()
    assert body["count"] == 2 and body["items"][0]["amount_checked"] is True
    assert body["items"][0]["institution_name"] == institution.organisation.display_name()
    body = client.get(f"{BASE}/products?amount=5000000").json()
    assert "currency" in body["fields"]
    assert client.get(f"{BASE}/products?jurisdiction=mars").status_code == 422


def test_browse_permissions(api_for, observer_user, institution_user, operator_user):
    assert api_for(None).get(f"{BASE}/products").status_code == 401
    assert api_for(observer_user).get(f"{BASE}/products").status_code == 403
    assert api_for(institution_user).get(f"{BASE}/products").status_code == 200
    assert api_for(operator_user).get(f"{BASE}/products").status_code == 200


def test_public_profile(api_for, enterprise_user, institution, pending_institution):
    ProductFactory(institution=institution, name="Chips")
    ProductFactory(institution=institution, name="Draft", status=ProductStatus.DRAFT)
    client = api_for(enterprise_user)
    body = client.get(f"{BASE}/{institution.pk}").json()
    assert body["kind"] == "macao_bank"
    assert [p["name"] for p in body["products"]] == ["Chips"]
    assert "licence_number" not in body and "aum" not in body
    assert client.get(f"{BASE}/{pending_institution.pk}").status_code == 404
    assert client.get(f"{BASE}/999999").status_code == 404
    assert api_for(None).get(f"{BASE}/{institution.pk}").status_code == 401


# ------------------------------------------------------------------ operator: associations


def test_operator_manages_associations(api_for, operator_user, institution):
    client = api_for(operator_user)
    response = send(client, "post", f"{BASE}/associations", {"name": "Macao Venture Capital Association"})
    assert response.status_code == 201
    aid = response.json()["id"]
    assert send(client, "post", f"{BASE}/associations", {"name": "Macao Venture Capital Association"}).status_code == 422
    assert client.get(f"{BASE}/associations").json()["count"] == 1
    response = send(client, "put", f"{BASE}/{institution.pk}/associations", {"association_ids": [aid]})
    assert response.status_code == 200
    assert response.json() == [{"id": aid, "name": "Macao Venture Capital Association"}]
    response = send(client, "put", f"{BASE}/{institution.pk}/associations", {"association_ids": [424242]})
    assert response.status_code == 422 and "association_ids" in response.json()["fields"]
    # Ids no database key can hold (found by schemathesis): the same 422, not an overflow.
    for absurd in (13932803353499774976, -567, 0):
        response = send(client, "put", f"{BASE}/{institution.pk}/associations", {"association_ids": [absurd]})
        assert response.status_code == 422 and "association_ids" in response.json()["fields"]
    assert send(client, "put", f"{BASE}/999999/associations", {"association_ids": []}).status_code == 404
    assert AuditEvent.objects.filter(action="institution.associations_set").count() == 1


@pytest.mark.parametrize("who, status", [("institution_user", 403), ("enterprise_user", 403),
                                         ("observer_user", 403), (None, 401)])
def test_only_operators_manage_associations(request, api_for, institution, who, status):
    user = request.getfixturevalue(who) if who else None
    client = api_for(user)
    assert send(client, "post", f"{BASE}/associations", {"name": "Club"}).status_code == status
    assert client.get(f"{BASE}/associations").status_code == status
    assert send(client, "put", f"{BASE}/{institution.pk}/associations",
                {"association_ids": []}).status_code == status
    assert not Association.objects.exists()
