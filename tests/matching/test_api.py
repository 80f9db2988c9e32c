"""The matching API: a request's matches and "why not" for its enterprise, a product's matches for
its institution, the recommendations for institutions, the batches for operators and observers.

Figures travel as strings; refusals answer in the one error format (401 anonymous, 403 a role
that may not, 404 another organisation's object, 422 a bad choice naming its field); an
institution reads a reason on private data only under a live consent to its scope.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bayfin.consent.models import Scope
from bayfin.institutions.models import ProductStatus
from bayfin.matching.engine.weights import CURRENT
from bayfin.matching.models import BatchKind, MatchBatch
from tests.consent.conftest import ConsentGrantFactory
from tests.factories import (
    EnterpriseFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)

from .ui_support import HIDDEN_TEXT, PARTS, REVENUE_TEXT, store_batch, store_match

pytestmark = pytest.mark.django_db

V = "/api/v1"


@pytest.fixture
def product(institution: Any) -> Any:
    return ProductFactory(institution=institution, name="Lotus chip credit")


@pytest.fixture
def open_request(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise, title="Tape-out loan")


@pytest.fixture
def matched(open_request: Any, product: Any) -> Any:
    return store_match(request=open_request, product=product)


@pytest.fixture
def bank(db: Any) -> Any:
    return InstitutionFactory(organisation__jurisdiction="hengqin", kind="commercial_bank")


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


# --------------------------------------------------------------------------- a request's matches


def test_a_requests_matches_with_parts_and_reasons(api_for: Any, enterprise_user: Any, matched: Any,
                                                   product: Any, institution: Any, enterprise: Any) -> None:
    response = api_for(enterprise_user).get(f"{V}/requests/{matched.request_id}/matches")
    assert response.status_code == 200
    data = response.json()
    assert data["request_id"] == matched.request_id
    [m] = data["matches"]
    assert m["rank"] == 1 and m["score"] == "0.770000"
    assert m["product"] == {"id": product.pk, "name": "Lotus chip credit"}
    assert m["institution"] == {"id": institution.pk, "name": institution.organisation.display_name()}
    assert m["enterprise"]["id"] == enterprise.pk and m["request_id"] == matched.request_id
    assert m["weights_version"] == CURRENT.version and m["computed_at"]
    parts = {p["part"]: p for p in m["parts"]}
    assert set(parts) == set(PARTS)
    assert parts["semantic"] == {"part": "semantic", "label": "Thesis and description", "value": "0.7500",
                                 "weight": "0.3000", "contribution": "0.2250"}
    assert sum(Decimal(p["contribution"]) for p in m["parts"]) == Decimal("0.7700")
    texts = {r["code"]: r for r in m["reasons"]}
    assert texts["sector_same"] == {"code": "sector_same", "text": "Sector matches: Integrated circuits and electronics",
                                    "private": False}
    # Its own private data: the enterprise reads the reason, marked private.
    assert texts["revenue_ok"] == {"code": "revenue_ok", "text": REVENUE_TEXT, "private": True}


def test_operators_read_a_requests_matches(api_for: Any, operator_user: Any, matched: Any) -> None:
    data = api_for(operator_user).get(f"{V}/requests/{matched.request_id}/matches").json()
    assert [m["product"]["name"] for m in data["matches"]] == ["Lotus chip credit"]


def test_no_match_yet_is_an_empty_list(api_for: Any, enterprise_user: Any, open_request: Any) -> None:
    response = api_for(enterprise_user).get(f"{V}/requests/{open_request.pk}/matches")
    assert response.json() == {"request_id": open_request.pk, "matches": []}


@pytest.mark.parametrize(("role", "status"), [("other_enterprise", 404), ("institution", 403),
                                              ("other_institution", 403), ("observer", 403), ("anonymous", 401)])
def test_a_requests_matches_are_refused_to_others(request: Any, api_for: Any, matched: Any, role: str,
                                                  status: int) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    body = assert_error(api_for(user).get(f"{V}/requests/{matched.request_id}/matches"), status)
    assert "Lotus chip credit" not in str(body)


def test_an_unknown_request_is_404(api_for: Any, enterprise_user: Any) -> None:
    assert_error(api_for(enterprise_user).get(f"{V}/requests/999999/matches"), 404, "not_found")


# --------------------------------------------------------------------------- why not


def test_why_not_names_each_failed_requirement(api_for: Any, enterprise_user: Any, open_request: Any, bank: Any,
                                               channels: Any, rates: Any) -> None:
    picky = ProductFactory(institution=bank, name="Veterans only", min_years_operating=40, stages=["mature"])
    response = api_for(enterprise_user).get(f"{V}/requests/{open_request.pk}/why-not/{picky.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["request_id"] == open_request.pk and data["product"] == {"id": picky.pk, "name": "Veterans only"}
    assert data["passed"] is False and len(data["failures"]) == 2
    assert "does not finance the Series A stage" in data["failures"][0]
    assert "at least 40 years operating" in data["failures"][1]


def test_why_not_says_it_fits(api_for: Any, enterprise_user: Any, open_request: Any, bank: Any, channels: Any,
                              rates: Any) -> None:
    fits = ProductFactory(institution=bank)
    data = api_for(enterprise_user).get(f"{V}/requests/{open_request.pk}/why-not/{fits.pk}").json()
    assert data["passed"] is True and data["failures"] == []


@pytest.mark.parametrize("which", ["unknown", "draft", "archived"])
def test_why_not_a_product_that_is_not_published_names_the_field(api_for: Any, enterprise_user: Any,
                                                                 open_request: Any, bank: Any, which: str) -> None:
    product_id = 999999
    if which != "unknown":
        product_id = ProductFactory(institution=bank, status=ProductStatus(which)).pk
    body = assert_error(api_for(enterprise_user).get(f"{V}/requests/{open_request.pk}/why-not/{product_id}"), 422,
                        "validation_failed")
    assert body["fields"] == {"product_id": ["No published product has this id."]}


def test_why_not_with_a_product_id_that_is_no_number(api_for: Any, enterprise_user: Any, open_request: Any) -> None:
    body = assert_error(api_for(enterprise_user).get(f"{V}/requests/{open_request.pk}/why-not/chips"), 422)
    assert body["fields"] == {"product_id": ["Enter a whole number."]}


@pytest.mark.parametrize(("role", "status"), [("other_enterprise", 404), ("institution", 403), ("operator", 403),
                                              ("observer", 403), ("anonymous", 401)])
def test_why_not_is_the_enterprises_alone(request: Any, api_for: Any, open_request: Any, product: Any, role: str,
                                          status: int) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    assert_error(api_for(user).get(f"{V}/requests/{open_request.pk}/why-not/{product.pk}"), status)


def test_another_enterprises_request_is_404_before_the_product_is_checked(api_for: Any, other_enterprise_user: Any,
                                                                         open_request: Any) -> None:
    assert_error(api_for(other_enterprise_user).get(f"{V}/requests/{open_request.pk}/why-not/999999"), 404)


# --------------------------------------------------------------------------- a product's matches


def test_a_products_matches_hide_private_reasons_without_consent(api_for: Any, institution_user: Any,
                                                                 matched: Any, product: Any) -> None:
    response = api_for(institution_user).get(f"{V}/products/{product.pk}/matches")
    assert response.status_code == 200
    data = response.json()
    assert data["product_id"] == product.pk
    [m] = data["matches"]
    assert m["request_id"] == matched.request_id and m["score"] == "0.770000"
    texts = [r["text"] for r in m["reasons"]]
    assert "Sector matches: Integrated circuits and electronics" in texts
    assert HIDDEN_TEXT in texts and REVENUE_TEXT not in texts
    assert "5000000" not in response.content.decode() and "5,000,000" not in response.content.decode()


def test_a_products_matches_under_a_live_consent(api_for: Any, institution_user: Any, matched: Any, product: Any,
                                                 institution: Any, enterprise: Any) -> None:
    ConsentGrantFactory(enterprise=enterprise, institution=institution, scopes=[Scope.STATEMENTS.value])
    [m] = api_for(institution_user).get(f"{V}/products/{product.pk}/matches").json()["matches"]
    assert {"code": "revenue_ok", "text": REVENUE_TEXT, "private": True} in m["reasons"]
    assert HIDDEN_TEXT not in [r["text"] for r in m["reasons"]]


def test_operators_read_a_products_matches(api_for: Any, operator_user: Any, matched: Any, product: Any) -> None:
    [m] = api_for(operator_user).get(f"{V}/products/{product.pk}/matches").json()["matches"]
    assert REVENUE_TEXT in [r["text"] for r in m["reasons"]]


@pytest.mark.parametrize(("role", "status"), [("other_institution", 404), ("enterprise", 403),
                                              ("other_enterprise", 403), ("observer", 403), ("anonymous", 401)])
def test_a_products_matches_are_refused_to_others(request: Any, api_for: Any, matched: Any, product: Any,
                                                  role: str, status: int) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    assert_error(api_for(user).get(f"{V}/products/{product.pk}/matches"), status)


# --------------------------------------------------------------------------- recommendations


def test_recommendations_are_paginated_and_filtered(api_for: Any, institution_user: Any, institution: Any,
                                                    product: Any) -> None:
    other = ProductFactory(institution=institution, name="Lotus growth equity")
    a, b = EnterpriseFactory(organisation__name_en="Cotai Biochips"), EnterpriseFactory()
    store_match(enterprise=a, product=product)
    store_match(enterprise=b, product=other, parts={"sector": 0.5})
    data = api_for(institution_user).get(f"{V}/matching/recommendations?page_size=1").json()
    assert data["count"] == 2 and data["page_size"] == 1
    [first] = data["items"]
    assert first["enterprise"]["name"] == "Cotai Biochips" and first["request_id"] is None
    assert HIDDEN_TEXT in [r["text"] for r in first["reasons"]]
    only = api_for(institution_user).get(f"{V}/matching/recommendations?product_id={other.pk}").json()
    assert [m["product"]["id"] for m in only["items"]] == [other.pk]


@pytest.mark.parametrize("which", ["unknown", "theirs", "draft"])
def test_recommendations_for_a_product_not_its_own_name_the_field(api_for: Any, institution_user: Any,
                                                                 institution: Any, other_institution: Any,
                                                                 which: str) -> None:
    product_id = {"unknown": lambda: 999999,
                  "theirs": lambda: ProductFactory(institution=other_institution).pk,
                  "draft": lambda: ProductFactory(institution=institution, status=ProductStatus.DRAFT).pk}[which]()
    body = assert_error(api_for(institution_user).get(f"{V}/matching/recommendations?product_id={product_id}"), 422)
    assert body["fields"] == {"product_id": ["No published product has this id."]}


def test_recommendations_with_a_product_id_that_is_no_number(api_for: Any, institution_user: Any) -> None:
    body = assert_error(api_for(institution_user).get(f"{V}/matching/recommendations?product_id=x"), 422)
    assert body["fields"] == {"product_id": ["Enter a whole number."]}


@pytest.mark.parametrize(("role", "status"), [("enterprise", 403), ("operator", 403), ("observer", 403),
                                              ("anonymous", 401)])
def test_recommendations_are_for_institutions(request: Any, api_for: Any, role: str, status: int) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    assert_error(api_for(user).get(f"{V}/matching/recommendations"), status)


# --------------------------------------------------------------------------- batches


@pytest.mark.parametrize("role", ["operator", "observer"])
def test_batches_with_their_concentration(request: Any, api_for: Any, role: str) -> None:
    batch = store_batch()
    data = api_for(request.getfixturevalue(f"{role}_user")).get(f"{V}/matching/batches").json()
    assert data["count"] == 1
    [item] = data["items"]
    assert item["id"] == batch.pk and item["kind"] == "requests" and item["status"] == "done"
    assert item["queries"] == 8 and item["products"] == 20 and item["chunks_done"] == item["chunks_total"] == 1
    assert item["concentration"] == {"top": 5, "slots": 40, "products": 20, "distinct_products": 12,
                                     "share_top_1pct": "0.1250", "share_top_10pct": "0.3750", "gini": "0.4213"}


@pytest.mark.parametrize(("role", "status"), [("enterprise", 403), ("institution", 403), ("anonymous", 401)])
def test_batches_are_refused_to_others(request: Any, api_for: Any, role: str, status: int) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    assert_error(api_for(user).get(f"{V}/matching/batches"), status)


def test_a_running_batch_has_no_concentration_yet(api_for: Any, operator_user: Any) -> None:
    MatchBatch.objects.create(kind=BatchKind.ENTERPRISES, weights_version="2026.11-1", chunks_total=3, chunks_done=1)
    [item] = api_for(operator_user).get(f"{V}/matching/batches").json()["items"]
    assert item["status"] == "running" and item["kind"] == "enterprises" and item["concentration"] is None
    assert item["finished_at"] is None and (item["chunks_done"], item["chunks_total"]) == (1, 3)
