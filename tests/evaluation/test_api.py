"""The evaluation API: latest results explained, a run on request, history and one stored
result, declarations, badges, programmes with eligibility, applications and decisions.
Success paths, refusals (422 naming the field, nothing saved) and permissions (401
anonymous, 403 wrong role, 404 another enterprise's object)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from bayfin.evaluation import services
from bayfin.evaluation.models import Badge, Declaration, Evaluation, Programme, ProgrammeApplication
from bayfin.fx.models import FxRate
from tests.conftest import member_of
from tests.evaluation.conftest import (
    CLEAN,
    RULE_BIG,
    RULE_QUALIFIED,
    TODAY,
    YEARS,
    add_statements,
)
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/evaluations"


def send(client: Any, method: str, url: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps(body if body is not None else {}),
                                   content_type="application/json")




@pytest.fixture
def ent(api_for: Any, enterprise_user: Any) -> Any:
    return api_for(enterprise_user)


@pytest.fixture
def op(api_for: Any, operator_user: Any) -> Any:
    return api_for(operator_user)


def programme_body(code: str = "hengqin-subsidy", **overrides: Any) -> dict[str, Any]:
    body = {"code": code, "name_en": f"Programme {code}", "name_zh_hans": "横琴贴息",
            "benefit_en": "Half the interest on sci-tech loans.", "rule": RULE_QUALIFIED,
            "cap_amount": "500000.00", "cap_currency": "CNY",
            "active_from": (TODAY - dt.timedelta(days=30)).isoformat(), "sponsor": "Hengqin Finance Bureau"}
    body.update(overrides)
    return body


def programme(operator_user: Any, code: str = "hengqin-subsidy", **overrides: Any) -> Programme:
    return services.programme_create(actor=operator_user, data=programme_body(code, **overrides))


# --------------------------------------------------------------------------- evaluations


def test_run_then_read_the_latest_explained(ent, qualified):
    Evaluation.objects.all().delete()
    assert ent.get(f"{BASE}/").json() == []
    response = send(ent, "post", f"{BASE}/run")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["changed"]) == ["hnte", "macao_tech", "scitech_sme"]
    assert send(ent, "post", f"{BASE}/run").json()["changed"] == []  # nothing changed: nothing stored
    latest = {e["rule_set"]: e for e in ent.get(f"{BASE}/").json()}
    sme = latest["scitech_sme"]["result"]
    assert (sme["status"], sme["path"], sme["score"], sme["pass_mark"]) == ("qualified", "score", 100, 60)
    assert sme["status_name"] == "Qualifies" and sme["path_text"].startswith("Qualifies on its score")
    assert {i["code"] for i in sme["indicators"]} == {"tech_staff_share", "rd", "ip"}
    assert all(i["text"] for i in sme["indicators"])
    assert latest["scitech_sme"]["result"]["version"] == "2022"
    hnte = latest["hnte"]["result"]
    assert hnte["score"] is None and hnte["score_low"] < hnte["score_high"]
    assert "hnte_field" in {m["code"] for m in hnte["missing"]}


def test_advice_travels_with_decimals_as_strings(api_for):
    enterprise = EnterpriseFactory(invention_patents=0, software_copyrights=0, tech_staff=8)
    user = member_of(enterprise.organisation)
    add_statements(user, enterprise)
    services.declarations_save(actor=user, data=CLEAN)
    sme = next(e for e in api_for(user).get(f"{BASE}/").json() if e["rule_set"] == "scitech_sme")["result"]
    assert sme["advice"], sme
    first = sme["advice"][0]
    assert isinstance(first["relative_size"], str) and Decimal(first["relative_size"]) > 0
    assert isinstance(first["changes"][0]["amount"], str)
    assert first["text"]


def test_conversions_name_the_rate_and_its_day(api_for):
    enterprise = EnterpriseFactory(organisation__jurisdiction="macao")
    user = member_of(enterprise.organisation)
    for base, quote, rate in (("USD", "CNY", "7.1"), ("USD", "MOP", "8.034"), ("USD", "HKD", "7.8")):
        FxRate.objects.create(day=TODAY, base=base, quote=quote, rate=Decimal(rate), source="test")
    add_statements(user, enterprise, currency="MOP")
    body = send(api_for(user), "post", f"{BASE}/run").json()
    conversions = body["evaluations"][0]["conversions"]
    assert {c["year"] for c in conversions} == set(YEARS)
    assert conversions[0]["currency"] == "MOP" and conversions[0]["rate_day"] == TODAY.isoformat()
    assert Decimal(conversions[0]["rate"]).quantize(Decimal("0.01")) == Decimal("0.88")


def test_history_filters_and_one_evaluation_with_its_inputs(ent, qualified):
    body = ent.get(f"{BASE}/history").json()
    assert body["count"] == Evaluation.objects.filter(enterprise=qualified).count() >= 3
    body = ent.get(f"{BASE}/history?rule_set=hnte").json()
    assert {row["rule_set"] for row in body["items"]} == {"hnte"}
    response = ent.get(f"{BASE}/history?rule_set=nope")
    assert response.status_code == 422 and "rule_set" in response.json()["fields"]
    row = body["items"][0]
    detail = ent.get(f"{BASE}/{row['id']}").json()
    assert detail["result"]["rule_set"] == "hnte"
    assert detail["inputs"]["employees"] == 60 and len(detail["inputs"]["years"]) == 3


def test_another_enterprises_evaluation_is_404(api_for, qualified, other_enterprise_user):
    row = Evaluation.objects.filter(enterprise=qualified).first()
    response = api_for(other_enterprise_user).get(f"{BASE}/{row.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --------------------------------------------------------------------------- declarations


def test_read_and_answer_declarations(ent, qualified, enterprise_user):
    answers = {a["question"]: a for a in ent.get(f"{BASE}/declarations").json()}
    assert answers["restricted_industry"]["answer"] is False
    assert answers["restricted_industry"]["declared_by"] == enterprise_user.email
    assert answers["hnte_field"] == {"question": "hnte_field", "answer": None, "declared_by": None,
                                     "declared_at": None}
    response = send(ent, "patch", f"{BASE}/declarations",
                    {"hnte_field": "biomedicine", "rd_in_china_share": "95", "restricted_industry": None,
                     "led_standard": True})
    assert response.status_code == 200, response.content
    answers = {a["question"]: a["answer"] for a in response.json()}
    assert answers["hnte_field"] == "biomedicine" and answers["rd_in_china_share"] == "95"
    assert answers["restricted_industry"] is None and answers["led_standard"] is True
    assert answers["serious_incident"] is False  # not sent: unchanged


@pytest.mark.parametrize("body, field, words", [
    ({"high_tech_income_share": 62.5}, "high_tech_income_share", "as a string"),
    ({"high_tech_income_share": "101"}, "high_tech_income_share", "between 0 and 100"),
    ({"hnte_field": "astrology"}, "hnte_field", "valid choice"),
    ({"led_standard": "perhaps"}, "led_standard", "yes or no"),
    ({"favourite_colour": "blue"}, "favourite_colour", "Unknown field"),
])
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_saved(ent, qualified, body, field, words):
    before = set(Declaration.objects.values_list("question", "answer"))
    response = send(ent, "patch", f"{BASE}/declarations", {**body, "national_award_top3": True})
    assert response.status_code == 422
    assert words in " ".join(response.json()["fields"][field])
    assert set(Declaration.objects.values_list("question", "answer")) == before


# --------------------------------------------------------------------------- badges


def test_publish_and_withdraw_a_badge(ent, qualified):
    response = send(ent, "post", f"{BASE}/badges", {"rule_set": "scitech_sme"})
    assert response.status_code == 201, response.content
    assert response.json()["rule_set"] == "scitech_sme" and response.json()["shown"] is True
    assert send(ent, "post", f"{BASE}/badges", {"rule_set": "scitech_sme"}).status_code == 409
    assert ent.delete(f"{BASE}/badges/scitech_sme").status_code == 204
    assert not Badge.objects.exists()
    assert ent.delete(f"{BASE}/badges/scitech_sme").status_code == 404


def test_a_badge_is_refused_unless_it_qualifies(ent, qualified):
    response = send(ent, "post", f"{BASE}/badges", {"rule_set": "hnte"})
    assert response.status_code == 422 and "rule_set" in response.json()["fields"]
    response = send(ent, "post", f"{BASE}/badges", {"rule_set": "gold"})
    assert response.status_code == 422 and "rule_set" in response.json()["fields"]
    assert send(ent, "post", f"{BASE}/badges", {"rule_set": "hnte", "score": 1}).status_code == 422
    assert not Badge.objects.exists()


# --------------------------------------------------------------------------- programmes


def test_operator_creates_changes_and_lists_programmes(op):
    response = send(op, "post", f"{BASE}/programmes", programme_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cap"] == {"amount": "500000.00", "currency": "CNY"} and body["open"] is True
    assert body["criteria"] == ["Sci-tech SME evaluation is Qualified"] and body["eligibility"] is None
    pid = body["id"]
    response = send(op, "patch", f"{BASE}/programmes/{pid}",
                    {"active_until": (TODAY - dt.timedelta(days=1)).isoformat(), "name_en": "Closed now"})
    assert response.status_code == 200, response.content
    assert response.json()["open"] is False and response.json()["name"] == "Closed now"
    listing = op.get(f"{BASE}/programmes").json()
    assert listing["count"] == 1 and listing["items"][0]["code"] == "hengqin-subsidy"
    assert op.get(f"{BASE}/programmes/{pid}").json()["name_zh_hans"] == "横琴贴息"


@pytest.mark.parametrize("overrides, field, words", [
    ({"rule": {"and": [{">=": [{"var": "enterprise.revenu"}, "1"]}]}}, "rule", "unknown field"),
    ({"rule": {"like": [{"var": "enterprise.sector"}, "ai"]}}, "rule", "unknown operator"),
    ({"rule": "{broken"}, "rule", "not valid JSON"),
    ({"cap_amount": 500000.5}, "cap_amount", ""),
    ({"code": "Not A Slug"}, "code", "lowercase"),
    ({"active_from": "yesterday"}, "active_from", "valid date"),
    ({"colour": "red"}, "colour", "Unknown field"),
])
def test_a_bad_programme_is_refused_naming_the_field(op, overrides, field, words):
    response = send(op, "post", f"{BASE}/programmes", programme_body(**overrides))
    assert response.status_code == 422, response.content
    assert words in " ".join(response.json()["fields"][field])
    assert not Programme.objects.exists()


def test_enterprise_sees_open_programmes_with_eligibility(ent, qualified, operator_user):
    fits = programme(operator_user, "fits")
    programme(operator_user, "too-small", rule=RULE_BIG)
    closed = programme(operator_user, "closed", active_until=(TODAY - dt.timedelta(days=1)).isoformat())
    body = ent.get(f"{BASE}/programmes").json()
    assert [p["code"] for p in body["items"]] == ["fits", "too-small"]
    eligible, not_eligible = body["items"]
    assert eligible["eligibility"] == {"status": "pass", "failures": [], "unknown": []}
    assert not_eligible["eligibility"]["status"] == "fail"
    assert not_eligible["eligibility"]["failures"] == ["Employees is at least 1,000 (yours: 60)"]
    assert ent.get(f"{BASE}/programmes/{fits.pk}").json()["eligibility"]["status"] == "pass"
    assert ent.get(f"{BASE}/programmes/{closed.pk}").status_code == 404


def test_apply_withdraw_and_apply_again(ent, qualified, operator_user):
    item = programme(operator_user)
    response = send(ent, "post", f"{BASE}/programmes/{item.pk}/applications",
                    {"amount": "200000.00", "currency": "CNY", "note": "BOC Macau loan"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["amount"] == {"amount": "200000.00", "currency": "CNY"}
    assert body["eligibility"]["status"] == "pass" and body["programme"]["code"] == "hengqin-subsidy"
    assert send(ent, "post", f"{BASE}/programmes/{item.pk}/applications", {}).status_code == 409
    assert ent.get(f"{BASE}/programmes/{item.pk}").json()["application"]["id"] == body["id"]
    response = send(ent, "post", f"{BASE}/applications/{body['id']}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert send(ent, "post", f"{BASE}/applications/{body['id']}/withdraw").status_code == 409
    assert send(ent, "post", f"{BASE}/programmes/{item.pk}/applications", {}).status_code == 201
    assert ent.get(f"{BASE}/applications").json()["count"] == 2


@pytest.mark.parametrize("body, field", [
    ({"amount": 1000.5, "currency": "CNY"}, "amount"),
    ({"amount": "900000", "currency": "CNY"}, "amount"),
    ({"amount": "1000", "currency": "MOP"}, "currency"),
    ({"amount": "1000", "currency": "CNY", "priority": "high"}, "priority"),
])
def test_a_bad_application_is_refused_naming_the_field(ent, qualified, operator_user, body, field):
    item = programme(operator_user)
    response = send(ent, "post", f"{BASE}/programmes/{item.pk}/applications", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert not ProgrammeApplication.objects.exists()


def test_an_ineligible_enterprise_cannot_apply(ent, qualified, operator_user):
    item = programme(operator_user, rule=RULE_BIG)
    response = send(ent, "post", f"{BASE}/programmes/{item.pk}/applications", {})
    assert response.status_code == 422
    assert "Employees is at least 1,000" in response.json()["message"]
    assert not ProgrammeApplication.objects.exists()


def test_operator_lists_filters_and_decides(api_for, op, ent, qualified, operator_user):
    item = programme(operator_user)
    app_id = send(ent, "post", f"{BASE}/programmes/{item.pk}/applications",
                  {"amount": "100000.00", "currency": "CNY"}).json()["id"]
    assert op.get(f"{BASE}/applications?status=submitted").json()["count"] == 1
    assert op.get(f"{BASE}/applications?status=approved").json()["count"] == 0
    assert op.get(f"{BASE}/applications?programme={item.pk}").json()["count"] == 1
    response = op.get(f"{BASE}/applications?status=maybe")
    assert response.status_code == 422 and "status" in response.json()["fields"]
    detail = op.get(f"{BASE}/applications/{app_id}").json()
    assert detail["enterprise"]["name"] == qualified.organisation.name_en
    response = send(op, "post", f"{BASE}/applications/{app_id}/decision", {"decision": "reject"})
    assert response.status_code == 422 and "note" in response.json()["fields"]
    response = send(op, "post", f"{BASE}/applications/{app_id}/decision",
                    {"decision": "approve", "amount_granted": 80000.5})
    assert response.status_code == 422 and "amount_granted" in response.json()["fields"]
    response = send(op, "post", f"{BASE}/applications/{app_id}/decision", {"decision": "maybe"})
    assert response.status_code == 422 and "decision" in response.json()["fields"]
    assert ProgrammeApplication.objects.get().status == "submitted"
    response = send(op, "post", f"{BASE}/applications/{app_id}/decision",
                    {"decision": "approve", "amount_granted": "80000.00", "note": "welcome"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["amount_granted"] == {"amount": "80000.00", "currency": "CNY"}
    assert send(op, "post", f"{BASE}/applications/{app_id}/decision",
                {"decision": "reject", "note": "no"}).status_code == 409
    assert ent.get(f"{BASE}/applications/{app_id}").json()["decision_note"] == "welcome"


# --------------------------------------------------------------------------- permissions

ENTERPRISE_READS = ["/", "/history", "/declarations"]


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
def test_other_roles_cannot_read_or_change_an_evaluation(api_for, request, role, qualified):
    client = api_for(request.getfixturevalue(role))
    for path in ENTERPRISE_READS:
        assert client.get(f"{BASE}{path}").status_code == 403, path
    assert send(client, "post", f"{BASE}/run").status_code == 403
    assert send(client, "patch", f"{BASE}/declarations", {"led_standard": True}).status_code == 403
    assert send(client, "post", f"{BASE}/badges", {"rule_set": "scitech_sme"}).status_code == 403
    row = Evaluation.objects.first()
    assert client.get(f"{BASE}/{row.pk}").status_code == 403
    assert not Badge.objects.exists()
    assert not Declaration.objects.filter(question="led_standard").exists()


@pytest.mark.parametrize("role", ["institution_user", "observer_user"])
def test_only_enterprises_and_operators_see_programmes(api_for, request, role, operator_user):
    item = programme(operator_user)
    client = api_for(request.getfixturevalue(role))
    assert client.get(f"{BASE}/programmes").status_code == 403
    assert client.get(f"{BASE}/programmes/{item.pk}").status_code == 403
    assert client.get(f"{BASE}/applications").status_code == 403
    assert send(client, "post", f"{BASE}/programmes/{item.pk}/applications", {}).status_code == 403


@pytest.mark.parametrize("role", ["enterprise_user", "institution_user", "observer_user"])
def test_only_operators_keep_programmes_and_decide(api_for, request, role, qualified, operator_user,
                                                   enterprise_user):
    item = programme(operator_user)
    application = services.application_submit(actor=enterprise_user, programme_id=item.pk, data={})
    client = api_for(request.getfixturevalue(role))
    assert send(client, "post", f"{BASE}/programmes", programme_body("other")).status_code == 403
    assert send(client, "patch", f"{BASE}/programmes/{item.pk}", {"name_en": "X"}).status_code == 403
    assert send(client, "post", f"{BASE}/applications/{application.pk}/decision",
                {"decision": "approve"}).status_code == 403
    assert Programme.objects.count() == 1 and Programme.objects.get().name_en != "X"
    assert ProgrammeApplication.objects.get().status == "submitted"


def test_another_enterprises_application_is_404(api_for, qualified, operator_user, enterprise_user,
                                                other_enterprise_user):
    item = programme(operator_user)
    application = services.application_submit(actor=enterprise_user, programme_id=item.pk, data={})
    other = api_for(other_enterprise_user)
    assert other.get(f"{BASE}/applications/{application.pk}").status_code == 404
    assert send(other, "post", f"{BASE}/applications/{application.pk}/withdraw").status_code == 404
    assert other.get(f"{BASE}/applications").json()["count"] == 0
    assert ProgrammeApplication.objects.get().status == "submitted"


def test_a_pending_enterprise_cannot_apply(api_for, pending_enterprise, pending_enterprise_user, operator_user):
    add_statements(pending_enterprise_user, pending_enterprise)
    services.declarations_save(actor=pending_enterprise_user, data=CLEAN)
    item = programme(operator_user)
    response = send(api_for(pending_enterprise_user), "post", f"{BASE}/programmes/{item.pk}/applications", {})
    assert response.status_code == 403 and response.json()["code"] == "organisation_not_verified"


@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("post", "/run"), ("get", "/history"), ("get", "/1"), ("get", "/declarations"),
    ("patch", "/declarations"), ("post", "/badges"), ("delete", "/badges/hnte"), ("get", "/programmes"),
    ("post", "/programmes"), ("get", "/programmes/1"), ("patch", "/programmes/1"),
    ("post", "/programmes/1/applications"), ("get", "/applications"), ("get", "/applications/1"),
    ("post", "/applications/1/withdraw"), ("post", "/applications/1/decision"),
])
def test_anonymous_requests_are_401(api_for, method, path):
    response = send(api_for(None), method, f"{BASE}{path}")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
