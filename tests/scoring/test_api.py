"""The credit-scoring API: an enterprise's own scores with reasons, the distribution for
operators and observers, the model registry and promotion for operators; the consent API's
credit section under a live "credit" grant. Refusals answer in the one error format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bayfin.consent.models import DataAccess, Scope
from bayfin.scoring import registry
from bayfin.scoring.models import ModelVersion
from tests.consent.conftest import ConsentGrantFactory
from tests.factories import EnterpriseFactory, FinancingRequestFactory

from .ui_support import RISKY, SAFE, register, store_score

pytestmark = pytest.mark.django_db

S = "/api/v1/scoring"


@pytest.fixture
def version(model_dir: Path) -> ModelVersion:
    return register(model_dir)


def _users(request: Any) -> dict[str, Any]:
    return {role: request.getfixturevalue(f"{role}_user") for role in
            ("enterprise", "other_enterprise", "institution", "operator", "observer")}


# --------------------------------------------------------------------------- own scores


def test_own_score_with_reasons_and_requests(api_for: Any, enterprise_user: Any, enterprise: Any,
                                             version: ModelVersion) -> None:
    score = store_score(version, enterprise, inputs=RISKY)
    req = FinancingRequestFactory(enterprise=enterprise, title="Equipment loan")
    store_score(version, enterprise, request=req, inputs=SAFE)
    refused = FinancingRequestFactory(enterprise=enterprise, title="No rate loan")
    store_score(version, enterprise, request=refused, missing=["amount"])
    response = api_for(enterprise_user).get(f"{S}/own")
    assert response.status_code == 200
    data = response.json()
    own = data["score"]
    assert own["status"] == "scored" and own["grade"] == score.grade
    assert own["pd"] == str(score.pd) and own["points"] == str(score.points)
    assert isinstance(own["pd"], str) and 0 < float(own["pd"]) < 1
    assert own["grade_pd_from"] is not None and own["grade_pd_below"] is not None
    assert own["model_name"] == "tiny-scorecard" and own["model_kind"] == "scorecard"
    assert own["reference"] == {"amount": {"amount": "150000.00", "currency": "USD"}, "basis": "default",
                                "sector": None}
    impacts = [float(r["impact"]) for r in own["reasons"]]
    assert impacts and impacts == sorted(impacts, reverse=True)
    assert all(r["label"] and r["detail"] and r["feature"] for r in own["reasons"])
    by_title = {s["request_title"]: s for s in data["requests"]}
    assert by_title["Equipment loan"]["status"] == "scored" and by_title["Equipment loan"]["reference"] is None
    assert by_title["No rate loan"]["status"] == "refused"
    assert by_title["No rate loan"]["missing"][0]["field"] == "amount"
    assert "exchange rate" in by_title["No rate loan"]["missing"][0]["label"]


def test_own_before_any_score(api_for: Any, enterprise_user: Any, version: ModelVersion) -> None:
    assert api_for(enterprise_user).get(f"{S}/own").json() == {"score": None, "requests": []}


def test_a_refused_own_score_names_the_fields(api_for: Any, enterprise_user: Any, enterprise: Any,
                                              version: ModelVersion) -> None:
    store_score(version, enterprise, missing=["employees", "sector"])
    own = api_for(enterprise_user).get(f"{S}/own").json()["score"]
    assert own["status"] == "refused" and own["pd"] is None and own["grade"] == "" and own["reasons"] == []
    assert [m["field"] for m in own["missing"]] == ["employees", "sector"]


def test_reasons_follow_the_readers_language(api_for: Any, enterprise_user: Any, enterprise: Any,
                                             version: ModelVersion) -> None:
    store_score(version, enterprise, inputs=RISKY)
    client = api_for(enterprise_user)
    english = client.get(f"{S}/own", HTTP_ACCEPT_LANGUAGE="en").json()["score"]["reasons"]
    assert {r["label"] for r in english} <= {"Sector", "Number of employees", "Years in business", "Loan amount",
                                             "Guarantee", "Revolving or term loan"}


@pytest.mark.parametrize("role", ["institution", "operator", "observer"])
def test_own_is_for_enterprises_only(request: Any, api_for: Any, version: ModelVersion, role: str) -> None:
    response = api_for(_users(request)[role]).get(f"{S}/own")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_anonymous_callers_are_401(api_for: Any, version: ModelVersion) -> None:
    for path in ("/own", "/requests/1", "/distribution", "/models", f"/models/{version.pk}"):
        response = api_for(None).get(S + path)
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated", path
    assert api_for(None).post(f"{S}/models/{version.pk}/promote").status_code == 401


# --------------------------------------------------------------------------- one request


def test_one_requests_score(api_for: Any, enterprise_user: Any, enterprise: Any, version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise)
    score = store_score(version, enterprise, request=req, inputs=SAFE)
    data = api_for(enterprise_user).get(f"{S}/requests/{req.pk}").json()
    assert data["request_id"] == req.pk and data["score"]["grade"] == score.grade
    assert data["score"]["kind"] == "request" and data["score"]["request_id"] == req.pk
    unscored = FinancingRequestFactory(enterprise=enterprise)
    assert api_for(enterprise_user).get(f"{S}/requests/{unscored.pk}").json() == {"request_id": unscored.pk,
                                                                                  "score": None}


def test_another_enterprises_request_is_404(request: Any, api_for: Any, enterprise: Any,
                                            version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise)
    store_score(version, enterprise, request=req, inputs=SAFE)
    users = _users(request)
    response = api_for(users["other_enterprise"]).get(f"{S}/requests/{req.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_for(users["enterprise"]).get(f"{S}/requests/{req.pk + 999}").status_code == 404
    for role in ("institution", "operator", "observer"):
        assert api_for(users[role]).get(f"{S}/requests/{req.pk}").status_code == 403, role


# --------------------------------------------------------------------------- distribution


@pytest.mark.parametrize("role", ["operator", "observer"])
def test_distribution(request: Any, api_for: Any, version: ModelVersion, role: str) -> None:
    a = store_score(version, EnterpriseFactory(organisation__name_en="Alpha Hidden", sector="fintech"), inputs=RISKY)
    store_score(version, EnterpriseFactory(organisation__name_en="Beta Hidden", sector="fintech"), inputs=RISKY)
    store_score(version, EnterpriseFactory(organisation__name_en="Gamma Hidden"), missing=["employees"])
    response = api_for(_users(request)[role]).get(f"{S}/distribution")
    assert response.status_code == 200
    data = response.json()
    assert data["model_name"] == "tiny-scorecard" and data["total"] == 2 and data["refused"] == 1
    grades = {g["grade"]: g for g in data["by_grade"]}
    assert len(grades) == 9 and grades[a.grade] == {"grade": a.grade, "count": 2, "share": "1.0000"}
    assert data["by_sector"] == [{"sector": "fintech", "label": "Fintech", "total": 2,
                                  "counts": {g: (2 if g == a.grade else 0) for g in grades}}]
    assert "Hidden" not in response.content.decode()


@pytest.mark.parametrize("role", ["enterprise", "institution"])
def test_distribution_refused(request: Any, api_for: Any, role: str) -> None:
    assert api_for(_users(request)[role]).get(f"{S}/distribution").status_code == 403


# --------------------------------------------------------------------------- models


def test_models_list_and_detail(api_for: Any, operator_user: Any, model_dir: Path) -> None:
    ModelVersion.objects.filter(source="builtin").delete()  # registered by migrate; this test lists its own two
    champion = register(model_dir)
    other = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    client = api_for(operator_user)
    listing = client.get(f"{S}/models").json()
    assert listing["count"] == 2
    assert [m["name"] for m in listing["items"]] == ["tiny-scorecard", "tiny-challenger"]  # champion first
    first = listing["items"][0]
    assert first["is_champion"] is True and first["oot_auc"] == "0.7312" and first["trained_by"] == "Test suite"
    detail = client.get(f"{S}/models/{other.pk}").json()
    assert detail["name"] == "tiny-challenger" and detail["kind"] == "challenger" and not detail["is_champion"]
    assert detail["metrics"]["oot"]["auc"] == 0.7312 and detail["card"].startswith("# Model card")
    assert detail["sha256"] == other.sha256 and "no_emp" in detail["features"]
    assert client.get(f"{S}/models/{champion.pk + 999}").status_code == 404


@pytest.mark.parametrize("role", ["enterprise", "institution", "observer"])
def test_models_are_for_operators_only(request: Any, api_for: Any, version: ModelVersion, role: str) -> None:
    client = api_for(_users(request)[role])
    assert client.get(f"{S}/models").status_code == 403
    assert client.get(f"{S}/models/{version.pk}").status_code == 403
    assert client.post(f"{S}/models/{version.pk}/promote").status_code == 403
    assert ModelVersion.objects.get(is_champion=True) == version


def test_promote(api_for: Any, operator_user: Any, model_dir: Path) -> None:
    register(model_dir)
    new = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    response = api_for(operator_user).post(f"{S}/models/{new.pk}/promote")
    assert response.status_code == 200
    assert response.json()["name"] == "tiny-challenger" and response.json()["is_champion"] is True
    assert ModelVersion.objects.get(is_champion=True) == new


def test_promoting_the_champion_again_is_a_conflict(api_for: Any, operator_user: Any, version: ModelVersion) -> None:
    response = api_for(operator_user).post(f"{S}/models/{version.pk}/promote")
    assert response.status_code == 409 and response.json()["message"]


def test_a_corrupted_version_is_refused_naming_why(api_for: Any, operator_user: Any, model_dir: Path) -> None:
    register(model_dir)
    new = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    (model_dir / "tiny-challenger.json").write_text('{"tampered": true}', encoding="utf-8")
    registry.clear_cache()
    response = api_for(operator_user).post(f"{S}/models/{new.pk}/promote")
    assert response.status_code in (409, 422)
    assert "SHA-256" in response.json()["message"] + str(response.json()["fields"])
    assert ModelVersion.objects.get(is_champion=True).name == "tiny-scorecard"


def test_promoting_an_unknown_version_is_404(api_for: Any, operator_user: Any, version: ModelVersion) -> None:
    assert api_for(operator_user).post(f"{S}/models/{version.pk + 999}/promote").status_code == 404


# --------------------------------------------------------------------------- consent: the credit section


def test_the_consent_api_shares_the_score_under_a_credit_grant(api_for: Any, institution_user: Any,
                                                               institution: Any, enterprise: Any,
                                                               version: ModelVersion) -> None:
    score = store_score(version, enterprise, inputs=RISKY)
    ConsentGrantFactory(enterprise=enterprise, institution=institution)
    response = api_for(institution_user).get(f"/api/v1/consent/shared/{enterprise.pk}/credit")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["computed"] is True and data["message"]
    shared = data["score"]
    assert shared["grade"] == score.grade and shared["pd"] == str(score.pd) and shared["points"] == str(score.points)
    assert shared["model_name"] == "tiny-scorecard" and shared["computed_at"]
    assert shared["reasons"] and all(r["label"] for r in shared["reasons"])
    assert list(DataAccess.objects.values_list("scope", "via")) == [("credit", "api")]


def test_the_consent_api_credit_section_before_any_score(api_for: Any, institution_user: Any, institution: Any,
                                                         enterprise: Any, version: ModelVersion) -> None:
    ConsentGrantFactory(enterprise=enterprise, institution=institution)
    data = api_for(institution_user).get(f"/api/v1/consent/shared/{enterprise.pk}/credit").json()["data"]
    assert data == {"computed": False, "message": "No credit score has been computed yet.", "score": None}


def test_no_credit_scope_no_score(api_for: Any, institution_user: Any, institution: Any, enterprise: Any,
                                  version: ModelVersion) -> None:
    store_score(version, enterprise, inputs=RISKY)
    ConsentGrantFactory(enterprise=enterprise, institution=institution, scopes=[Scope.PROFILE.value])
    response = api_for(institution_user).get(f"/api/v1/consent/shared/{enterprise.pk}/credit")
    assert response.status_code == 404 and "grade" not in response.content.decode()
    assert not DataAccess.objects.exists()
