"""Credit-score pages: an enterprise reads its own score with the reasons, each request's score
and what to add when a score is refused; operators and observers read the grade distribution
(never an enterprise); operators read the model versions and make one the champion.

Other roles are turned away (403, or the sign-in page when anonymous); another enterprise's
request is a 404; an institution reads a score only under a live "credit" consent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from bayfin.consent.models import DataAccess, Scope
from bayfin.financing.transitions import RequestStatus
from bayfin.scoring import registry
from bayfin.scoring.models import ModelVersion
from tests.consent.conftest import ConsentGrantFactory
from tests.factories import EnterpriseFactory, FinancingRequestFactory

from .ui_support import RISKY, SAFE, register, store_score

pytestmark = pytest.mark.django_db

OWN = reverse("scoring:own")
DISTRIBUTION = reverse("scoring:distribution")
MODELS = reverse("scoring:models")


def html(response: Any) -> str:
    return response.content.decode()


def text(response: Any) -> str:
    """The page's visible text, tags stripped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


@pytest.fixture
def version(model_dir: Path) -> ModelVersion:
    return register(model_dir)


@pytest.fixture
def scored(version: ModelVersion, enterprise: Any) -> Any:
    return store_score(version, enterprise, inputs=RISKY)


def _signed_in_roles(request: Any) -> dict[str, Any]:
    return {role: request.getfixturevalue(f"{role}_user") for role in ("enterprise", "institution", "operator",
                                                                        "observer")}


# ------------------------------------------------------------------ my credit score


def test_my_score_shows_grade_pd_reasons_model_and_scale(client_for: Any, enterprise_user: Any, scored: Any,
                                                         version: ModelVersion) -> None:
    page = client_for(enterprise_user).get(OWN)
    assert page.status_code == 200
    body = text(page)
    assert "My credit score" in body
    assert f">{scored.grade}<" in html(page)
    pct = f"{scored.pd * 100:.2f}%"
    assert pct in body
    assert f"{scored.points:.0f}" in body  # the scorecard's points
    assert "tiny-scorecard" in body
    assert "Reference loan" in body and "$150,000.00" in body and "a term loan with no guarantee" in body
    assert "standard reference amount" in body
    # The reasons, most costly first: the risky row's sector and its missing guarantee cost most.
    reasons = re.findall(r'<div class="fw-semibold">(.*?)</div>', html(page))
    assert reasons and set(reasons) <= {"Sector", "Number of employees", "Years in business", "Loan amount",
                                        "Guarantee", "Revolving or term loan"}
    costs = [float(c) for c in re.findall(r"([0-9.]+) points below the best band", body)]
    assert costs == sorted(costs, reverse=True)
    # The master scale, with the enterprise's grade marked.
    for grade in ("AAA", "BBB", "CCC", "C"):
        assert f'<td class="fw-semibold">{grade}</td>' in html(page)
    assert re.search(rf'class="table-primary" aria-current="true"><td class="fw-semibold">{scored.grade}<', html(page))


def test_a_refused_score_names_the_fields_and_links_the_profile(client_for: Any, enterprise_user: Any,
                                                                enterprise: Any, version: ModelVersion) -> None:
    store_score(version, enterprise, missing=["employees", "founding_date"])
    page = client_for(enterprise_user).get(OWN)
    body = text(page)
    assert "cannot be scored yet" in body
    assert "Number of employees" in body and "Founding date" in body
    profile = reverse("enterprises:profile")
    assert f'href="{profile}#id_employees"' in html(page)
    assert f'href="{profile}#id_founding_date"' in html(page)
    assert "Probability of default</dt>" not in html(page)


def test_not_scored_yet_says_what_is_needed(client_for: Any, enterprise_user: Any, version: ModelVersion) -> None:
    body = text(client_for(enterprise_user).get(OWN))
    assert "Not scored yet" in body and "sector, number of employees and founding date" in body
    assert "No request has been scored yet" in body


def test_each_requests_score_is_listed(client_for: Any, enterprise_user: Any, enterprise: Any,
                                       version: ModelVersion) -> None:
    good = FinancingRequestFactory(enterprise=enterprise, title="Guaranteed equipment loan")
    store_score(version, enterprise, request=good, inputs=SAFE)
    bad = FinancingRequestFactory(enterprise=enterprise, title="Loan in a currency without a rate")
    store_score(version, enterprise, request=bad, missing=["amount"])
    page = client_for(enterprise_user).get(OWN)
    body = text(page)
    assert "Guaranteed equipment loan" in body and "Loan in a currency without a rate" in body
    assert "no exchange rate for its currency today" in body
    assert reverse("financing:request_detail", kwargs={"request_id": bad.pk}) in html(page)


def test_another_enterprises_score_is_never_shown(client_for: Any, other_enterprise_user: Any, scored: Any,
                                                  enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, title="Alpha secret loan")
    store_score(scored.model_version, enterprise, request=req, inputs=SAFE)
    body = text(client_for(other_enterprise_user).get(OWN))
    assert "Not scored yet" in body and "Alpha secret loan" not in body and "tiny-scorecard" not in body


@pytest.mark.parametrize("role", ["institution", "operator", "observer"])
def test_my_score_is_for_enterprises_only(request: Any, client_for: Any, scored: Any, role: str) -> None:
    user = _signed_in_roles(request)[role]
    assert client_for(user).get(OWN).status_code == 403


def test_anonymous_is_sent_to_sign_in(client_for: Any) -> None:
    for url in (OWN, DISTRIBUTION, MODELS):
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_corrupted_model_file_shows_the_score_without_reasons(client_for: Any, enterprise_user: Any,
                                                                scored: Any, model_dir: Path) -> None:
    (model_dir / "tiny-scorecard.json").write_text("{}", encoding="utf-8")
    registry.clear_cache()
    page = client_for(enterprise_user).get(OWN)
    assert page.status_code == 200
    assert f">{scored.grade}<" in html(page) and "points below the best band" not in text(page)
    assert "failed its integrity check" in text(page)  # not a silent "no reasons"


# ------------------------------------------------------------------ the request page's panel


def test_the_request_page_shows_its_score_to_its_enterprise_only(client_for: Any, enterprise_user: Any,
                                                                 institution_user: Any, enterprise: Any,
                                                                 version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, title="Open loan", status=RequestStatus.OPEN)
    score = store_score(version, enterprise, request=req, inputs=RISKY)
    url = reverse("financing:request_detail", kwargs={"request_id": req.pk})
    own = client_for(enterprise_user).get(url)
    assert own.status_code == 200
    assert "Credit score of this request" in text(own) and f">{score.grade}</span>" in html(own)
    assert "points below the best band" in text(own)
    theirs = client_for(institution_user).get(url)
    assert theirs.status_code == 200
    assert "Credit score of this request" not in text(theirs) and "points below the best band" not in text(theirs)


def test_the_request_panel_says_when_a_request_is_not_scored(client_for: Any, enterprise_user: Any,
                                                             enterprise: Any, version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT, submitted_at=None)
    page = client_for(enterprise_user).get(reverse("financing:request_detail", kwargs={"request_id": req.pk}))
    assert "scored when you submit it" in text(page)


# ------------------------------------------------------------------ distribution


@pytest.mark.parametrize("role", ["operator", "observer"])
def test_the_distribution_counts_grades_and_sectors_without_names(request: Any, client_for: Any, role: str,
                                                                  version: ModelVersion) -> None:
    alpha = EnterpriseFactory(organisation__name_en="Alpha Hidden Chips", sector="fintech")
    beta = EnterpriseFactory(organisation__name_en="Beta Hidden Bio", sector="fintech")
    gamma = EnterpriseFactory(organisation__name_en="Gamma Hidden Robots")
    a = store_score(version, alpha, inputs=RISKY)
    store_score(version, beta, inputs=RISKY)
    store_score(version, gamma, missing=["employees"])
    page = client_for(_signed_in_roles(request)[role]).get(DISTRIBUTION)
    assert page.status_code == 200
    body = text(page)
    assert "Credit score distribution" in body and "tiny-scorecard" in body
    assert re.search(rf'<td class="fw-semibold">{a.grade}</td>.*?<td class="num">2</td><td class="num">100.0%</td>',
                     html(page), flags=re.S)
    assert "1 enterprise cannot be scored yet" in body
    assert "<td>Fintech</td>" in html(page)  # the sector, by its label
    for name in ("Alpha Hidden Chips", "Beta Hidden Bio", "Gamma Hidden Robots"):
        assert name not in body
    assert "Model versions" in body if role == "operator" else "Model versions" not in body


@pytest.mark.parametrize("role", ["enterprise", "institution"])
def test_the_distribution_is_refused_to_enterprises_and_institutions(request: Any, client_for: Any,
                                                                     role: str) -> None:
    assert client_for(_signed_in_roles(request)[role]).get(DISTRIBUTION).status_code == 403


def test_an_empty_distribution_says_so(client_for: Any, observer_user: Any) -> None:
    assert "No enterprise has been scored yet" in text(client_for(observer_user).get(DISTRIBUTION))


# ------------------------------------------------------------------ model versions


def test_operators_read_the_versions_and_the_champion(client_for: Any, operator_user: Any, model_dir: Path) -> None:
    champion = register(model_dir)
    other = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    page = client_for(operator_user).get(MODELS)
    assert page.status_code == 200
    body = text(page)
    assert "tiny-scorecard" in body and "tiny-challenger" in body and "Champion" in body
    assert "0.731" in body  # the out-of-time AUC
    assert reverse("scoring:model_detail", kwargs={"version_id": champion.pk}) in html(page)
    assert reverse("scoring:model_detail", kwargs={"version_id": other.pk}) in html(page)


def test_a_versions_page_shows_its_validation_and_card(client_for: Any, operator_user: Any,
                                                       version: ModelVersion) -> None:
    page = client_for(operator_user).get(reverse("scoring:model_detail", kwargs={"version_id": version.pk}))
    assert page.status_code == 200
    body = text(page)
    for figure in ("0.731", "0.352", "0.1234", "0.740 ± 0.004", "0.612", "0.087"):  # AUC, KS, Brier, 5-fold, baseline, PSI
        assert figure in body, figure
    assert "5-fold" in body and "Calibration by grade" in body
    assert "Trained on loans approved up to 2004" in body
    assert version.sha256 in body
    # The card is rendered from Markdown (headings, tables); its own HTML is shown as text.
    assert "<h1>Model card: tiny-scorecard</h1>" in html(page)
    assert "<th>Grade</th>" in html(page) and "<td>BB</td>" in html(page)
    assert "<script>alert(1)</script>" not in html(page) and "&lt;script&gt;" in html(page)
    assert "This version scores every enterprise" in body  # the champion: no promote form


def test_an_unknown_version_is_404(client_for: Any, operator_user: Any, version: ModelVersion) -> None:
    url = reverse("scoring:model_detail", kwargs={"version_id": version.pk + 999})
    assert client_for(operator_user).get(url).status_code == 404


@pytest.mark.parametrize("role", ["enterprise", "institution", "observer"])
def test_model_pages_are_for_operators_only(request: Any, client_for: Any, version: ModelVersion, role: str) -> None:
    c = client_for(_signed_in_roles(request)[role])
    assert c.get(MODELS).status_code == 403
    assert c.get(reverse("scoring:model_detail", kwargs={"version_id": version.pk})).status_code == 403
    response = c.post(reverse("scoring:model_promote", kwargs={"version_id": version.pk}), {"confirm": "on"})
    assert response.status_code == 403


def test_make_champion(client_for: Any, operator_user: Any, model_dir: Path) -> None:
    old = register(model_dir)
    new = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    url = reverse("scoring:model_promote", kwargs={"version_id": new.pk})
    detail = client_for(operator_user).get(reverse("scoring:model_detail", kwargs={"version_id": new.pk}))
    assert "Make champion" in text(detail) and url in html(detail)
    response = client_for(operator_user).post(url, {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert "tiny-challenger is the champion now" in text(response)
    assert ModelVersion.objects.get(is_champion=True) == new
    assert not ModelVersion.objects.get(pk=old.pk).is_champion


def test_make_champion_needs_the_confirmation(client_for: Any, operator_user: Any, model_dir: Path) -> None:
    register(model_dir)
    new = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    response = client_for(operator_user).post(reverse("scoring:model_promote", kwargs={"version_id": new.pk}), {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in text(response)
    assert ModelVersion.objects.get(is_champion=True).name == "tiny-scorecard"


def test_a_corrupted_version_cannot_become_champion(client_for: Any, operator_user: Any, model_dir: Path) -> None:
    register(model_dir)
    new = register(model_dir, kind="challenger", name="tiny-challenger", champion=False)
    (model_dir / "tiny-challenger.json").write_text('{"tampered": true}', encoding="utf-8")
    registry.clear_cache()
    response = client_for(operator_user).post(reverse("scoring:model_promote", kwargs={"version_id": new.pk}),
                                              {"confirm": "on"})
    assert response.status_code == 200
    assert "SHA-256" in text(response)
    assert ModelVersion.objects.get(is_champion=True).name == "tiny-scorecard"


# ------------------------------------------------------------------ navigation


def test_navigation_links_the_pages_per_role(request: Any, client_for: Any) -> None:
    users = _signed_in_roles(request)
    home = reverse("web:home")
    assert f'href="{OWN}"' in html(client_for(users["enterprise"]).get(home))
    for role in ("operator", "observer"):
        assert f'href="{DISTRIBUTION}"' in html(client_for(users[role]).get(home))
    institution_page = html(client_for(users["institution"]).get(home))
    assert f'href="{OWN}"' not in institution_page and f'href="{DISTRIBUTION}"' not in institution_page


# ------------------------------------------------------------------ the consent's credit section


def _shared(client: Any, enterprise: Any) -> Any:
    return client.get(reverse("consent:shared_detail", kwargs={"enterprise_id": enterprise.pk}) + "?scope=credit")


def test_an_institution_reads_the_score_under_a_live_credit_grant(client_for: Any, institution_user: Any,
                                                                  institution: Any, enterprise: Any,
                                                                  scored: Any) -> None:
    ConsentGrantFactory(enterprise=enterprise, institution=institution)
    page = _shared(client_for(institution_user), enterprise)
    assert page.status_code == 200
    body = text(page)
    assert f">{scored.grade}<" in html(page) and f"{scored.pd * 100:.2f}%" in body
    assert "points below the best band" in body and "tiny-scorecard" in body
    assert list(DataAccess.objects.values_list("scope", flat=True)) == ["credit"]


def test_without_the_credit_scope_the_section_shows_nothing(client_for: Any, institution_user: Any,
                                                            institution: Any, enterprise: Any, scored: Any) -> None:
    ConsentGrantFactory(enterprise=enterprise, institution=institution, scopes=[Scope.PROFILE.value])
    page = _shared(client_for(institution_user), enterprise)
    assert page.status_code == 200
    assert "Not shared with you" in text(page)
    assert "points below the best band" not in text(page) and "tiny-scorecard" not in text(page)
    assert not DataAccess.objects.filter(scope="credit").exists()


def test_a_refused_score_is_shared_as_refused(client_for: Any, institution_user: Any, institution: Any,
                                              enterprise: Any, version: ModelVersion) -> None:
    store_score(version, enterprise, missing=["employees"])
    ConsentGrantFactory(enterprise=enterprise, institution=institution)
    body = text(_shared(client_for(institution_user), enterprise))
    assert "The enterprise cannot be scored yet" in body and "Number of employees" in body


def test_an_equity_only_request_is_not_scored_and_nothing_is_asked(client_for: Any, enterprise_user: Any,
                                                                   enterprise: Any, version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, title="Series B round", status=RequestStatus.OPEN)
    store_score(version, enterprise, request=req, missing=["instrument"])
    detail_url = reverse("financing:request_detail", kwargs={"request_id": req.pk})
    own = client_for(enterprise_user).get(OWN)
    assert "Not scored: no loan instrument" in text(own) and "Open the request" not in text(own)
    panel = client_for(enterprise_user).get(detail_url)
    assert "asks for no loan instrument" in text(panel) and "cannot be scored yet" not in text(panel)


def test_the_request_panel_does_not_link_to_itself(client_for: Any, enterprise_user: Any, enterprise: Any,
                                                   version: ModelVersion) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN)
    store_score(version, enterprise, request=req, missing=["amount"])
    page = client_for(enterprise_user).get(reverse("financing:request_detail", kwargs={"request_id": req.pk}))
    assert "cannot be scored yet" in text(page) and "no exchange rate for its currency today" in text(page)
    assert "Open the request" not in text(page)
