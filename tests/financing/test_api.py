"""The financing API: success, bad input (422 with the field), and permissions for each role."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
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
from tests.financing import deal_steps

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


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-1.00"),
        ("amount", "10000000000000"),
        ("amount", "5.123"),
        ("amount", 1000.5),
        ("currency", "XYZ"),
        ("instruments", []),
        ("deadline", (timezone.localdate() - dt.timedelta(days=2)).isoformat()),
        ("term_months", 0),
        ("title", ""),
    ],
)
def test_create_refuses_bad_input_with_the_field(
    api_for: Any, enterprise_user: Any, valid_data: dict, field: str, value: Any
) -> None:
    valid_data[field] = value
    r = post(api_for(enterprise_user), f"{BASE}/requests", valid_data)
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == "validation_failed" and field in body["fields"]
    assert FinancingRequest.objects.count() == 0


def test_float_amount_is_refused_with_a_clear_reason(
    api_for: Any, enterprise_user: Any, valid_data: dict
) -> None:
    valid_data["amount"] = 8000000.0
    r = post(api_for(enterprise_user), f"{BASE}/requests", valid_data)
    assert r.status_code == 422
    assert "string" in r.json()["fields"]["amount"][0]


def test_malformed_json_is_refused(api_for: Any, enterprise_user: Any) -> None:
    r = api_for(enterprise_user).post(
        f"{BASE}/requests", data="{not json", content_type="application/json"
    )
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


def test_pending_enterprise_gets_403_on_submit(
    api_for: Any, pending_enterprise_user: Any, valid_data: dict
) -> None:
    api = api_for(pending_enterprise_user)
    r = post(api, f"{BASE}/requests", valid_data)
    assert r.status_code == 201
    r = post(api, f"{BASE}/requests/{r.json()['id']}/transition", {"to": "open"})
    assert r.status_code == 403
    assert r.json()["code"] == "organisation_not_verified"
    assert "verified" in r.json()["message"]


@pytest.mark.parametrize("method", ["get", "patch", "transition"])
def test_other_enterprise_gets_404(
    api_for: Any, other_enterprise_user: Any, open_request: Any, method: str
) -> None:
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
    assert (
        post(api, f"{BASE}/requests/{open_request.pk}/interest", {"message": "x"}).status_code
        == 401
    )


def test_wrong_roles_get_403(
    api_for: Any,
    institution_user: Any,
    observer_user: Any,
    operator_user: Any,
    enterprise_user: Any,
    valid_data: dict,
) -> None:
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
    api_for: Any, institution_user: Any, enterprise: Any, pending_enterprise: Any
) -> None:
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
    for private in (
        "38000000",
        "revenue",
        "registration_number",
        "beneficial",
        'employees"',
        "patent",
        str(enterprise.registration_number),
    ):
        assert private not in text
    profile = body["items"][0]["enterprise"]
    assert set(profile) == {
        "id",
        "name",
        "jurisdiction",
        "sector",
        "stage",
        "description",
        "founding_year",
        "employee_band",
        "badges",
    }
    assert profile["employee_band"] == "50-99" and profile["founding_year"] == 2018


def test_browse_filters(api_for: Any, institution_user: Any) -> None:
    from tests.factories import EnterpriseFactory

    chip = EnterpriseFactory(
        sector="integrated_circuits", stage="series_a", organisation__jurisdiction="hengqin"
    )
    bio = EnterpriseFactory(sector="biomedicine", stage="seed", organisation__jurisdiction="macao")
    a = FinancingRequestFactory(
        enterprise=chip, amount="1000000.00", currency="CNY", instruments=["credit_loan"]
    )
    b = FinancingRequestFactory(
        enterprise=bio, amount="5000000.00", currency="CNY", instruments=["equity"]
    )
    c = FinancingRequestFactory(
        enterprise=bio, amount="3000000.00", currency="MOP", instruments=["equity_pledge_loan"]
    )
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


def test_institution_can_read_a_visible_request_but_not_a_draft(
    api_for: Any, institution_user: Any, open_request: Any, draft_request: Any
) -> None:
    api = api_for(institution_user)
    assert api.get(f"{BASE}/requests/{open_request.pk}").status_code == 200
    assert api.get(f"{BASE}/requests/{draft_request.pk}").status_code == 404


# --------------------------------------------------------------------------- interest and deals


def test_interest_accept_flow(
    channels: None,
    api_for: Any,
    institution_user: Any,
    institution: Any,
    enterprise_user: Any,
    open_request: Any,
) -> None:
    product = ProductFactory(institution=institution)
    inst = api_for(institution_user)
    r = post(
        inst,
        f"{BASE}/requests/{open_request.pk}/interest",
        {"message": "Let us talk", "product_id": product.pk},
    )
    assert r.status_code == 201, r.content
    deal = r.json()
    assert deal["stage"] == "interest" and deal["allowed_transitions"] == ["declined"]
    assert deal["request_amount"] == {"amount": "8000000.00", "currency": "CNY"}
    assert [h["to_stage"] for h in deal["history"]] == ["interest"]

    r = post(inst, f"{BASE}/requests/{open_request.pk}/interest", {"message": "Again"})
    assert r.status_code == 409 and r.json()["code"] == "deal_exists"

    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "accepted"})
    assert r.status_code == 409 and "only the enterprise" in r.json()["message"]

    ent = api_for(enterprise_user)
    r = ent.get(f"{BASE}/deals/{deal['id']}")
    assert r.status_code == 200 and r.json()["allowed_transitions"] == [
        "accepted",
        "declined",
        "withdrawn",
    ]
    r = post(ent, f"{BASE}/deals/{deal['id']}/transition", {"to": "accepted", "comment": "Welcome"})
    assert r.status_code == 200 and r.json()["stage"] == "accepted"
    assert [h["to_stage"] for h in r.json()["history"]] == ["interest", "accepted"]
    assert ent.get(f"{BASE}/requests/{open_request.pk}").json()["status"] == "in_progress"

    # Closing is the platform's move (when a request ends); institutions decline, with a reason.
    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "closed", "comment": "Done"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "declined"})
    assert r.status_code == 422 and "comment" in r.json()["fields"]
    r = post(inst, f"{BASE}/deals/{deal['id']}/transition", {"to": "declined", "comment": "Done"})
    assert r.status_code == 200 and r.json()["stage"] == "declined"


def test_interest_bad_input(
    api_for: Any, institution_user: Any, other_institution: Any, open_request: Any
) -> None:
    api = api_for(institution_user)
    r = post(api, f"{BASE}/requests/{open_request.pk}/interest", {"message": ""})
    assert r.status_code == 422 and "message" in r.json()["fields"]
    other = ProductFactory(institution=other_institution)
    r = post(
        api,
        f"{BASE}/requests/{open_request.pk}/interest",
        {"message": "Hi", "product_id": other.pk},
    )
    assert r.status_code == 422 and "product_id" in r.json()["fields"]
    assert not Deal.objects.exists()


def test_interest_wrong_roles(
    api_for: Any,
    enterprise_user: Any,
    observer_user: Any,
    open_request: Any,
    draft_request: Any,
    institution_user: Any,
) -> None:
    assert (
        post(
            api_for(enterprise_user),
            f"{BASE}/requests/{open_request.pk}/interest",
            {"message": "x"},
        ).status_code
        == 403
    )
    assert (
        post(
            api_for(observer_user), f"{BASE}/requests/{open_request.pk}/interest", {"message": "x"}
        ).status_code
        == 403
    )
    assert (
        post(
            api_for(institution_user),
            f"{BASE}/requests/{draft_request.pk}/interest",
            {"message": "x"},
        ).status_code
        == 404
    )


def test_decline_needs_a_reason(api_for: Any, enterprise_user: Any, deal: Any) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined"})
    assert r.status_code == 422 and "comment" in r.json()["fields"]
    r = post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined", "comment": "Not now"})
    assert r.status_code == 200 and r.json()["stage"] == "declined"


def test_deal_visibility(
    api_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
    deal: Any,
) -> None:
    for user in (enterprise_user, institution_user, operator_user):
        api = api_for(user)
        assert api.get(f"{BASE}/deals/{deal.pk}").status_code == 200
        assert api.get(f"{BASE}/deals").json()["count"] == 1
    for user in (other_enterprise_user, other_institution_user):
        api = api_for(user)
        assert api.get(f"{BASE}/deals/{deal.pk}").status_code == 404
        assert api.get(f"{BASE}/deals").json()["count"] == 0
        assert (
            post(api, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined"}).status_code == 404
        )
    assert api_for(observer_user).get(f"{BASE}/deals/{deal.pk}").status_code == 404
    assert api_for(operator_user).get(f"{BASE}/deals/{deal.pk}").json()["allowed_transitions"] == []
    assert (
        post(
            api_for(operator_user),
            f"{BASE}/deals/{deal.pk}/transition",
            {"to": "declined", "comment": "x"},
        ).status_code
        == 403
    )
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sector=space_mining", "sector"),
        ("jurisdiction=atlantis", "jurisdiction"),
        ("currency=XYZ", "currency"),
        ("currency=CNY&amount_min=abc", "amount_min"),
        ("currency=CNY&amount_min=-1", "amount_min"),
        ("currency=CNY&amount_min=1.001", "amount_min"),
        ("currency=CNY&amount_min=10&amount_max=5", "amount_max"),
        ("instrument=crypto", "instrument"),
    ],
)
def test_browse_refuses_bad_filters(
    api_for: Any, institution_user: Any, query: str, field: str
) -> None:
    r = api_for(institution_user).get(f"{BASE}/browse?{query}")
    assert r.status_code == 422 and field in r.json()["fields"]


def test_deal_list_costs_the_same_number_of_queries_for_3_or_30_deals(
    operator_user, api_for, django_assert_max_num_queries
):
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


# --------------------------------------------------------------------------- the full pipeline


def guarantee_company() -> Any:
    from bayfin.common.vocab import InstitutionKind
    from tests.factories import InstitutionFactory

    return InstitutionFactory(kind=InstitutionKind.GUARANTEE_COMPANY)


def test_deal_schema_carries_the_pipeline_fields(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    body = api_for(institution_user).get(f"{BASE}/deals/{deal.pk}").json()
    assert body["stage"] == "due_diligence" and body["guarantor"] is None
    assert body["agreed_amount"] is None and body["agreed_instrument"] is None
    assert body["days_past_due"] == 0 and body["disbursed_on"] is None
    assert body["allowed_transitions"] == ["declined"]
    assert body["next_steps"] == ["term_sheet", "declined"]
    ent = api_for(enterprise_user).get(f"{BASE}/deals/{deal.pk}").json()
    assert ent["allowed_transitions"] == ["declined", "withdrawn"]
    assert ent["next_steps"] == ["term_sheet", "declined", "withdrawn"]
    assert [h["to_stage"] for h in ent["history"]] == [
        "interest",
        "accepted",
        "data_access",
        "due_diligence",
    ]


def test_transition_with_a_stale_expected_stage_is_a_409(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.accepted(deal, enterprise_user)
    r = post(
        api_for(institution_user),
        f"{BASE}/deals/{deal.pk}/transition",
        {"to": "declined", "comment": "No", "expected_stage": "interest"},
    )
    assert (
        r.status_code == 409
        and r.json()["code"] == "deal_moved"
        and "Accepted" in r.json()["message"]
    )
    deal.refresh_from_db()
    assert deal.stage == DealStage.ACCEPTED
    r = post(
        api_for(institution_user),
        f"{BASE}/deals/{deal.pk}/transition",
        {"to": "declined", "comment": "No", "expected_stage": "accepted"},
    )
    assert r.status_code == 200 and r.json()["stage"] == "declined"


def test_transition_attaches_documents_and_refuses_foreign_ones(
    api_for: Any,
    enterprise_user: Any,
    enterprise: Any,
    deal: Any,
    other_enterprise: Any,
    other_enterprise_user: Any,
) -> None:
    from tests.financing.test_pages import make_document

    own = make_document(enterprise, enterprise_user)
    foreign = make_document(other_enterprise, other_enterprise_user, title="Not yours")
    api = api_for(enterprise_user)
    r = post(
        api, f"{BASE}/deals/{deal.pk}/transition", {"to": "accepted", "document_ids": [foreign.pk]}
    )
    assert r.status_code == 422 and "documents" in r.json()["fields"]
    r = post(
        api,
        f"{BASE}/deals/{deal.pk}/transition",
        {"to": "accepted", "document_ids": [own.pk], "expected_stage": "interest"},
    )
    assert r.status_code == 200
    assert r.json()["history"][-1]["documents"] == [
        {"id": own.pk, "title": own.title, "kind": "business_plan", "sha256": own.sha256}
    ]


def test_propose_list_and_confirm_term_sheets(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    inst, ent = api_for(institution_user), api_for(enterprise_user)
    r = post(
        inst,
        f"{BASE}/deals/{deal.pk}/term-sheets",
        {**deal_steps.LOAN_TERMS, "expected_stage": "due_diligence"},
    )
    assert r.status_code == 201, r.content
    ts = r.json()
    assert ts["number"] == 1 and ts["status"] == "proposed" and ts["annual_rate"] == "4.3500"
    assert (
        ts["amount"] == {"amount": "1000000.00", "currency": "CNY"} and ts["repayment"] == "annuity"
    )
    assert ts["confirmations"]["institution"]["by"] == institution_user.email
    assert (
        ts["confirmations"]["enterprise"] == {"by": None, "at": None} and ts["can_confirm"] is False
    )
    assert ent.get(f"{BASE}/deals/{deal.pk}").json()["stage"] == "term_sheet"

    listed = ent.get(f"{BASE}/deals/{deal.pk}/term-sheets").json()
    assert [t["number"] for t in listed] == [1] and listed[0]["can_confirm"] is True

    doc = ent.get(f"{BASE}/deals/{deal.pk}/term-sheets/1/document")
    assert doc.status_code == 200 and doc["Content-Type"] == "application/json"
    assert hashlib.sha256(doc.content).hexdigest() == ts["document_sha256"]
    assert json.loads(doc.content)["annual_rate_percent"] == "4.3500"

    r = post(ent, f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {"sha256": "f" * 64})
    assert r.status_code == 409 and r.json()["code"] == "term_sheet_changed"
    r = post(
        ent, f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {"sha256": ts["document_sha256"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = post(ent, f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {})
    assert r.status_code == 409 and r.json()["code"] == "term_sheet_closed"
    body = ent.get(f"{BASE}/deals/{deal.pk}").json()
    assert body["agreed_amount"] == {"amount": "1000000.00", "currency": "CNY"}
    assert body["agreed_instrument"] == "credit_loan"
    assert api_for(institution_user).get(f"{BASE}/deals/{deal.pk}").json()[
        "allowed_transitions"
    ] == ["approved", "declined"]
    assert ent.get(f"{BASE}/deals/{deal.pk}/term-sheets/7/document").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_rate": "40"}, "annual_rate"),  # above the ceiling
        ({"annual_rate": "-1"}, "annual_rate"),
        ({"instrument": "equity", "valuation": "50000000.00"}, "term_months"),  # equity with a term
        (
            {"instrument": "equity", "term_months": None, "repayment": None, "annual_rate": None},
            "valuation",
        ),
        ({"instrument": "bond"}, "instrument"),  # the request does not accept it
        ({"instrument": "guarantee"}, "instrument"),
        ({"amount": 1000000.5}, "amount"),  # a JSON number
        ({"currency": "XYZ"}, "currency"),
        ({"repayment": "whenever"}, "repayment"),
    ],
)
def test_term_sheet_refusals_name_the_field(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any, changes: dict, field: str
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    r = post(
        api_for(institution_user),
        f"{BASE}/deals/{deal.pk}/term-sheets",
        {**deal_steps.LOAN_TERMS, **changes},
    )
    assert r.status_code == 422, r.content
    assert field in r.json()["fields"]
    deal.refresh_from_db()
    assert deal.stage == DealStage.DUE_DILIGENCE and not deal.term_sheets.exists()


def test_term_sheet_refused_before_due_diligence_and_for_unknown_fields(
    api_for: Any, enterprise_user: Any, deal: Any
) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/deals/{deal.pk}/term-sheets", deal_steps.LOAN_TERMS)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = post(api, f"{BASE}/deals/{deal.pk}/term-sheets", {**deal_steps.LOAN_TERMS, "rate": "4"})
    assert r.status_code == 422


def test_guarantor_is_a_party_that_confirms_but_does_not_move(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    from tests.conftest import member_of

    guarantor = guarantee_company()
    guarantor_user = member_of(guarantor.organisation)
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    inst, g = api_for(institution_user), api_for(guarantor_user)
    assert g.get(f"{BASE}/deals/{deal.pk}").status_code == 404  # not a party yet
    r = post(
        api_for(enterprise_user),
        f"{BASE}/deals/{deal.pk}/guarantor",
        {"guarantor_id": guarantor.pk},
    )
    assert r.status_code == 403
    r = post(inst, f"{BASE}/deals/{deal.pk}/guarantor", {"guarantor_id": deal.institution_id})
    assert r.status_code == 422 and "guarantor_id" in r.json()["fields"]
    r = post(inst, f"{BASE}/deals/{deal.pk}/guarantor", {"guarantor_id": guarantor.pk})
    assert r.status_code == 200 and r.json()["guarantor"]["id"] == guarantor.pk

    assert g.get(f"{BASE}/deals").json()["count"] == 1
    body = g.get(f"{BASE}/deals/{deal.pk}").json()
    assert body["allowed_transitions"] == [] and body["next_steps"] == []
    r = post(g, f"{BASE}/deals/{deal.pk}/term-sheets", deal_steps.LOAN_TERMS)
    assert r.status_code == 403
    post(inst, f"{BASE}/deals/{deal.pk}/term-sheets", deal_steps.LOAN_TERMS)
    sheet = g.get(f"{BASE}/deals/{deal.pk}/term-sheets").json()[0]
    assert (
        set(sheet["confirmations"]) == {"enterprise", "institution", "guarantor"}
        and sheet["can_confirm"]
    )
    r = post(g, f"{BASE}/deals/{deal.pk}/transition", {"to": "declined", "comment": "No"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = post(
        g, f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {"sha256": sheet["document_sha256"]}
    )
    assert (
        r.status_code == 200 and r.json()["status"] == "proposed"
    )  # the enterprise has not confirmed
    r = post(api_for(enterprise_user), f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {})
    assert r.json()["status"] == "confirmed"
    r = post(inst, f"{BASE}/deals/{deal.pk}/guarantor", {"guarantor_id": None})
    assert r.status_code == 409 and r.json()["code"] == "terms_agreed"


def test_schedule_and_payments(
    api_for: Any, enterprise_user: Any, institution_user: Any, deal: Any, operator_user: Any
) -> None:
    inst, ent = api_for(institution_user), api_for(enterprise_user)
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    r = ent.get(f"{BASE}/deals/{deal.pk}/schedule")
    assert r.status_code == 404  # no schedule before disbursement
    assert ent.get(f"{BASE}/deals/{deal.pk}/payments").json() == []
    deal.refresh_from_db()
    post(inst, f"{BASE}/deals/{deal.pk}/term-sheets", deal_steps.LOAN_TERMS)
    post(ent, f"{BASE}/deals/{deal.pk}/term-sheets/1/confirm", {})
    post(inst, f"{BASE}/deals/{deal.pk}/transition", {"to": "approved"})
    r = post(
        inst,
        f"{BASE}/deals/{deal.pk}/transition",
        {"to": "disbursed", "expected_stage": "approved"},
    )
    assert r.status_code == 200 and r.json()["disbursed_on"] == timezone.localdate().isoformat()

    schedule = ent.get(f"{BASE}/deals/{deal.pk}/schedule").json()
    assert schedule["currency"] == "CNY" and len(schedule["instalments"]) == 12
    assert schedule["default_days_past_due"] == 90 and schedule["days_past_due"] == 0
    assert schedule["outstanding_principal"] == {"amount": "1000000.00", "currency": "CNY"}
    first = schedule["instalments"][0]
    assert first == {
        "number": 1,
        "due_on": first["due_on"],
        "principal": "81684.90",
        "interest": "3625.00",
        "total": "85309.90",
        "paid": "0.00",
        "outstanding": "85309.90",
        "paid_in_full_on": None,
        "status": "due",
    }

    today = timezone.localdate()
    url = f"{BASE}/deals/{deal.pk}/payments"
    r = post(inst, url, {"amount": "100.00", "paid_on": (today + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "paid_on" in r.json()["fields"]
    r = post(inst, url, {"amount": "100.00", "currency": "MOP", "paid_on": today.isoformat()})
    assert r.status_code == 422 and "currency" in r.json()["fields"]
    r = post(inst, url, {"amount": "0", "paid_on": today.isoformat()})
    assert r.status_code == 422 and "amount" in r.json()["fields"]
    assert post(ent, url, {"amount": "100.00", "paid_on": today.isoformat()}).status_code == 403
    assert (
        post(
            api_for(operator_user), url, {"amount": "100.00", "paid_on": today.isoformat()}
        ).status_code
        == 403
    )
    r = post(
        inst,
        url,
        {
            "amount": "85309.90",
            "currency": "CNY",
            "paid_on": today.isoformat(),
            "reference": "TX-1",
        },
    )
    assert r.status_code == 201, r.content
    assert (
        r.json()["amount"] == {"amount": "85309.90", "currency": "CNY"}
        and r.json()["reference"] == "TX-1"
    )

    payments = ent.get(url).json()
    assert [p["reference"] for p in payments] == ["TX-1"]
    schedule = api_for(operator_user).get(f"{BASE}/deals/{deal.pk}/schedule").json()
    assert (
        schedule["instalments"][0]["status"] == "paid"
        and schedule["instalments"][0]["paid"] == "85309.90"
    )
    assert ent.get(f"{BASE}/deals/{deal.pk}").json()["stage"] == "repaying"


def test_funding_of_a_request_with_two_deals(
    api_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_institution: Any,
    other_institution_user: Any,
    other_enterprise_user: Any,
    operator_user: Any,
    observer_user: Any,
    open_request: Any,
    deal: Any,
) -> None:
    from bayfin.fx.models import FxRate

    FxRate.objects.create(
        day=timezone.localdate(), base="MOP", quote="CNY", rate=Decimal("0.88"), source="test"
    )
    deal_steps.disbursed(
        deal, enterprise_user, institution_user, {**deal_steps.LOAN_TERMS, "amount": "5000000.00"}
    )
    url = f"{BASE}/requests/{open_request.pk}/funding"
    body = api_for(enterprise_user).get(url).json()
    assert body["reached"] is False and body["funded"] == {
        "amount": "5000000.00",
        "currency": "CNY",
    }
    second = DealFactory(request=open_request, institution=other_institution)
    deal_steps.approved(
        second,
        enterprise_user,
        other_institution_user,
        {**deal_steps.EQUITY_TERMS, "amount": "3500000.00", "currency": "MOP"},
    )
    post(
        api_for(other_institution_user), f"{BASE}/deals/{second.pk}/transition", {"to": "invested"}
    )

    for user in (enterprise_user, operator_user):
        r = api_for(user).get(url)
        assert r.status_code == 200
        body = r.json()
        assert body["reached"] is True and body["asked"] == {
            "amount": "8000000.00",
            "currency": "CNY",
        }
        assert (
            body["funded"] == {"amount": "8080000.00", "currency": "CNY"}
            and body["missing_rates"] == []
        )
        assert [(d["id"], d["amount"], d["converted"]) for d in body["deals"]] == [
            (
                deal.pk,
                {"amount": "5000000.00", "currency": "CNY"},
                {"amount": "5000000.00", "currency": "CNY"},
            ),
            (
                second.pk,
                {"amount": "3500000.00", "currency": "MOP"},
                {"amount": "3080000.00", "currency": "CNY"},
            ),
        ]
    assert (
        api_for(enterprise_user).get(f"{BASE}/requests/{open_request.pk}").json()["status"]
        == "funded"
    )
    assert api_for(institution_user).get(url).status_code == 403
    assert api_for(other_enterprise_user).get(url).status_code == 404
    assert api_for(observer_user).get(url).status_code == 404


def test_new_deal_endpoints_refuse_others(
    api_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    deal: Any,
    other_enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    ts = deal_steps.term_sheet(deal, enterprise_user, institution_user)
    d = f"{BASE}/deals/{deal.pk}"
    gets = [f"{d}/term-sheets", f"{d}/term-sheets/1/document", f"{d}/schedule", f"{d}/payments"]
    posts = [
        (f"{d}/term-sheets", deal_steps.LOAN_TERMS),
        (f"{d}/term-sheets/1/confirm", {}),
        (f"{d}/guarantor", {"guarantor_id": None}),
        (f"{d}/payments", {"amount": "1.00"}),
    ]
    for user in (other_enterprise_user, other_institution_user, observer_user):
        api = api_for(user)
        for url in gets:
            assert api.get(url).status_code == 404, (user, url)
        for url, body in posts:
            # Another party's deal does not exist for them (404); observers cannot write at all (403 or 404).
            assert post(api, url, body).status_code in (
                (403, 404) if user == observer_user else (404,)
            ), (user, url)
    op = api_for(operator_user)
    assert op.get(f"{d}/term-sheets").status_code == 200
    assert op.get(f"{d}/term-sheets/1/document").status_code == 200
    assert op.get(f"{d}/term-sheets").json()[0]["can_confirm"] is False
    for url, body in posts:
        assert post(op, url, body).status_code == 403, url
    anonymous = api_for(None)
    for url in gets:
        assert anonymous.get(url).status_code == 401
    assert post(anonymous, f"{d}/term-sheets/1/confirm", {}).status_code == 401
    ts.refresh_from_db()
    assert ts.status == "proposed" and ts.enterprise_confirmed_at is None
