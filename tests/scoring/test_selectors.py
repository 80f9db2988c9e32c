"""Who reads which score: an enterprise only its own (and its own requests'), with reasons in
its language; an institution only under a live credit consent; operators and observers the
distribution and nothing with names; operators the registry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied
from bayfin.consent import selectors as consent_selectors
from bayfin.consent.models import Scope
from bayfin.scoring import selectors, services
from bayfin.scoring.engine import grades
from bayfin.scoring.models import ModelKind
from tests.factories import EnterpriseFactory, FinancingRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(champion, enterprise):
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    return enterprise


def risky(enterprise):
    """An enterprise built to lose points: tiny, new, in the riskiest sector."""
    enterprise.employees, enterprise.tech_staff, enterprise.sector = 1, 0, "culture_tourism"
    enterprise.founding_date = enterprise.founding_date.replace(year=2026)
    enterprise.save()
    return enterprise


def test_an_enterprise_reads_its_own_score_with_scorecard_reasons(champion, enterprise, enterprise_user):
    risky(enterprise)
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    view = selectors.score_own(enterprise_user)
    assert view is not None and view.status == "scored" and view.scored
    assert view.grade == grades.grade_of(float(view.pd))
    r = grades.range_of(view.grade)
    assert (view.grade_pd_from, view.grade_pd_below) == (Decimal(str(r.pd_from)), Decimal(str(r.pd_below)))
    assert view.model_name == "test-scorecard" and view.model_kind == ModelKind.SCORECARD
    assert view.reasons, "a tiny new enterprise loses points somewhere"
    impacts = [reason.impact for reason in view.reasons]
    assert impacts == sorted(impacts, reverse=True) and all(i > 0 for i in impacts)
    assert {reason.feature for reason in view.reasons} <= set(selectors.FEATURE_LABELS)
    assert all("points below the best band" in reason.detail for reason in view.reasons)
    assert view.reference["basis"] == "default" and view.missing == []


def test_reasons_are_in_the_readers_language(champion, enterprise, enterprise_user):
    risky(enterprise)
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    english = selectors.score_own(enterprise_user).reasons
    with translation.override("zh-hans"):
        chinese = selectors.score_own(enterprise_user).reasons
    assert [r.feature for r in chinese] == [r.feature for r in english]
    # the label is looked up in the reader's language at read time (a catalogue may lag: never a crash)
    assert all(isinstance(r.label, str) and r.label for r in chinese)


def test_challenger_reasons_are_log_odds_pushed_up(challenger, enterprise, enterprise_user):
    risky(enterprise)
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual", version=challenger)
    view = selectors.score_own(enterprise_user)
    assert view.model_kind == ModelKind.CHALLENGER and view.points is None
    assert view.reasons and all(r.impact > 0 and "log-odds" in r.detail for r in view.reasons)


def test_a_refused_score_names_the_fields_with_labels(champion, enterprise_user, enterprise):
    enterprise.employees, enterprise.tech_staff = 0, 0
    enterprise.save()
    services.score_enterprise(enterprise_id=enterprise.pk, trigger="manual")
    view = selectors.score_own(enterprise_user)
    assert view.status == "refused" and not view.scored and view.reasons == []
    assert view.missing == [("employees", "Number of employees")]
    assert view.grade == "" and view.grade_pd_from is None


def test_no_score_yet_is_none(champion, enterprise_user):
    assert selectors.score_own(enterprise_user) is None


@pytest.mark.parametrize("who", ["institution_user", "operator_user", "observer_user"])
def test_only_enterprise_members_read_an_own_score(scored, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        selectors.score_own(user)
    with pytest.raises(PermissionDenied):
        selectors.request_scores_own(user)


def test_anonymous_is_asked_to_sign_in(scored):
    with pytest.raises(NotAuthenticated):
        selectors.score_own(None)


def test_an_enterprise_reads_only_its_own_requests_scores(champion, enterprise, enterprise_user, other_enterprise):
    mine = FinancingRequestFactory(enterprise=enterprise, currency="USD", title="Mine")
    theirs = FinancingRequestFactory(enterprise=other_enterprise, currency="USD")
    for req in (mine, theirs):
        services.score_request(request_id=req.pk, trigger="submitted")
    views = selectors.request_scores_own(enterprise_user)
    assert [(v.request_id, v.request_title, v.kind) for v in views] == [(mine.pk, "Mine", "request")]
    assert selectors.request_score_own(enterprise_user, mine.pk).request_id == mine.pk
    with pytest.raises(NotFound):
        selectors.request_score_own(enterprise_user, theirs.pk)
    with pytest.raises(NotFound):
        selectors.request_score_own(enterprise_user, 10**9)


def test_an_own_request_not_scored_yet_is_none(champion, enterprise, enterprise_user):
    req = FinancingRequestFactory(enterprise=enterprise)
    assert selectors.request_score_own(enterprise_user, req.pk) is None


def test_an_institution_without_consent_reads_no_score(scored, institution_user):
    with pytest.raises((PermissionDenied, NotFound)):
        consent_selectors.shared_credit_for(institution_user, scored.pk)


def test_an_institution_with_a_live_credit_grant_reads_the_score_and_the_read_is_logged(scored, institution,
                                                                                       institution_user):
    from bayfin.consent.models import DataAccess
    from tests.consent.conftest import ConsentGrantFactory

    ConsentGrantFactory(enterprise=scored, institution=institution, scopes=[Scope.CREDIT.value])
    credit = consent_selectors.shared_credit_for(institution_user, scored.pk)
    assert credit.computed and credit.view is not None and credit.view.grade
    assert credit.score == int(round(credit.view.points))
    assert credit.reasons == [r.label for r in credit.view.reasons]
    assert DataAccess.objects.filter(grant_id=credit.grant_id, scope=Scope.CREDIT).exists()


def test_the_distribution_counts_grades_without_names(champion, operator_user, observer_user):
    ents = [EnterpriseFactory(employees=n, tech_staff=0) for n in (3, 50, 250)]
    refused = EnterpriseFactory(employees=0, tech_staff=0)
    for e in (*ents, refused):
        services.score_enterprise(enterprise_id=e.pk, trigger="manual")
    for user in (operator_user, observer_user):
        d = selectors.distribution_for(user)
        assert d.model_name == "test-scorecard" and d.total == 3 and d.refused == 1
        assert [g for g, _, _ in d.by_grade] == list(grades.GRADES)
        assert sum(n for _, n, _ in d.by_grade) == 3
        assert sum(share for _, _, share in d.by_grade) == pytest.approx(1.0)
        assert [(s.sector, s.total) for s in d.by_sector] == [("integrated_circuits", 3)]
        text = repr(d)
        assert all(str(e.organisation) not in text for e in ents)


@pytest.mark.parametrize("who", ["enterprise_user", "institution_user"])
def test_enterprises_and_institutions_do_not_see_the_distribution(champion, who, request):
    with pytest.raises(PermissionDenied):
        selectors.distribution_for(request.getfixturevalue(who))


def test_only_operators_see_the_registry(champion, challenger, operator_user, observer_user, enterprise_user,
                                         institution_user):
    assert [v.name for v in selectors.model_list_for(operator_user)][0] == "test-scorecard"  # champion first
    assert selectors.model_get_for(operator_user, challenger.pk) == challenger
    with pytest.raises(NotFound):
        selectors.model_get_for(operator_user, 10**9)
    for user in (observer_user, enterprise_user, institution_user):
        with pytest.raises(PermissionDenied):
            selectors.model_list_for(user)
        with pytest.raises(PermissionDenied):
            selectors.model_get_for(user, champion.pk)


def test_a_sector_reason_names_the_sector_the_model_compared_with() -> None:
    from bayfin.scoring.selectors import reason_views

    [reason] = reason_views("scorecard", [("naics_sector", 8.1)], {"naics_sector": "33"})
    assert reason.label == "Sector"
    assert reason.detail == "manufacturing (NAICS 33): 8.1 points below the best band"
    [unknown] = reason_views("scorecard", [("naics_sector", 2.0)], {"naics_sector": "99"})
    assert unknown.detail.startswith("NAICS 99:")
