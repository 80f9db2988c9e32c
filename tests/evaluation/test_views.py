"""Evaluation pages: an enterprise reads its evaluation by every rule set, answers the
self-declared questions, reads its history, publishes a badge, sees the open programmes with
its eligibility and applies; operators keep programmes and decide applications.

Refused input shows the reason next to its field and saves nothing; other roles are turned
away (403, or the sign-in page when anonymous); another enterprise's objects are 404.
"""

from __future__ import annotations

import datetime as dt
import re
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



def html(response: Any) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    """The text of the errors rendered next to a field (empty when there is none)."""
    return " ".join(re.findall(rf'id="id_{field}_error">(.*?)</div>', page, flags=re.S))



@pytest.fixture
def ent(client_for: Any, enterprise_user: Any) -> Any:
    return client_for(enterprise_user)


@pytest.fixture
def op(client_for: Any, operator_user: Any) -> Any:
    return client_for(operator_user)



@pytest.fixture
def short_of_it(db: Any) -> tuple[Any, Any]:
    """An enterprise at 54 points (tech staff 13%, no IP): advice to hire or to add IP."""
    enterprise = EnterpriseFactory(invention_patents=0, software_copyrights=0, tech_staff=8)
    user = member_of(enterprise.organisation)
    add_statements(user, enterprise)
    services.declarations_save(actor=user, data={**CLEAN, "national_award_top3": "no",
                                                 "provincial_rd_institution": "no", "led_standard": "no"})
    return enterprise, user




def programme(operator_user: Any, code: str = "hengqin-subsidy", rule: Any = None, **extra: Any) -> Programme:
    data = {"code": code, "name_en": f"Programme {code}", "benefit_en": "Half the interest on sci-tech loans.",
            "rule": rule if rule is not None else RULE_QUALIFIED, "cap_amount": "500000.00", "cap_currency": "CNY",
            "active_from": (TODAY - dt.timedelta(days=30)).isoformat(), "sponsor": "Hengqin Finance Bureau"}
    data.update(extra)
    return services.programme_create(actor=operator_user, data=data)


# --------------------------------------------------------------------------- overview


def test_not_evaluated_yet_offers_to_evaluate_now(ent, enterprise):
    page = html(ent.get("/evaluation/"))
    assert page.count("Not evaluated yet.") == 3
    assert 'action="/evaluation/run/"' in page
    assert not Evaluation.objects.exists()


def test_evaluate_now_stores_and_explains_every_rule_set(ent, qualified):
    Evaluation.objects.all().delete()
    response = ent.post("/evaluation/run/")
    assert response.status_code == 302 and response["Location"] == "/evaluation/"
    assert set(Evaluation.objects.values_list("rule_set", flat=True)) == {"scitech_sme", "hnte", "macao_tech"}
    page = html(ent.get("/evaluation/"))
    assert "Not evaluated yet." not in page
    assert "Qualifies on its score" in page  # the path, in words
    assert "<strong>100</strong> of 100; the pass mark is 60" in page
    assert "Tech staff are 41.66% of employees" in page  # an indicator's sentence
    assert "version 2022" in page and "version 2016" in page
    # HNTE's expert-judged parts give a range, and its unanswered questions link to the form.
    assert re.search(r"<strong>\d+–\d+</strong> of 100", page)
    assert 'href="/evaluation/declarations/#q-hnte_field"' in page
    assert "Publish as a badge" in page
    # Asking again when nothing changed stores nothing new.
    ent.post("/evaluation/run/")
    assert Evaluation.objects.filter(rule_set="scitech_sme").count() == 1
    assert "nothing changed" in html(ent.get("/evaluation/"))


def test_evaluate_now_needs_a_post(ent, qualified):
    assert ent.get("/evaluation/run/").status_code == 405


def test_gap_advice_is_listed_with_its_ranking_rule(client_for, short_of_it):
    _enterprise, user = short_of_it
    page = html(client_for(user).get("/evaluation/"))
    assert "ranked by the size of the change relative to today's value" in page
    assert "Hiring 5 more tech staff" in page
    assert "a change of 62.5% of today's value" in page
    # An IP item where there is none: no percentage of zero, the count ranks it.
    assert "1 Class I IP item raises IP from 0 to 30" in page
    assert "(built from none today: ranked by the count added)" in page
    assert "<strong>54</strong> of 100" in page


def test_amounts_in_other_currencies_show_the_rates_used(client_for):
    enterprise = EnterpriseFactory(organisation__jurisdiction="macao")
    user = member_of(enterprise.organisation)
    for base, quote, rate in (("USD", "CNY", "7.1"), ("USD", "MOP", "8.034"), ("USD", "HKD", "7.8")):
        FxRate.objects.create(day=TODAY, base=base, quote=quote, rate=Decimal(rate), source="test")
    add_statements(user, enterprise, currency="MOP")
    services.evaluation_request(actor=user)
    page = html(client_for(user).get("/evaluation/"))
    assert "Amounts converted to RMB for the thresholds" in page
    assert re.search(r"<td>MOP</td><td class=\"num\">0\.88", page)


def test_a_member_without_an_enterprise_profile_is_told_to_complete_it(client_for):
    from tests.factories import OrganisationFactory

    user = member_of(OrganisationFactory())
    page = html(client_for(user).get("/evaluation/"))
    assert "Complete your company profile first" in page


# --------------------------------------------------------------------------- badges


def test_publish_and_withdraw_a_badge(ent, qualified):
    response = ent.post("/evaluation/badges/publish/", {"rule_set": "scitech_sme"})
    assert response.status_code == 302
    assert Badge.objects.get(enterprise=qualified).shown
    page = html(ent.get("/evaluation/"))
    assert "Shown on your public profile" in page and "Withdraw the badge" in page
    ent.post("/evaluation/badges/withdraw/", {"rule_set": "scitech_sme"})
    assert not Badge.objects.exists()


def test_a_badge_that_does_not_qualify_is_refused(ent, qualified):
    page = html(ent.post("/evaluation/badges/publish/", {"rule_set": "hnte"}, follow=True))
    assert "does not qualify" in page
    assert not Badge.objects.exists()
    page = html(ent.post("/evaluation/badges/withdraw/", {"rule_set": "hnte"}, follow=True))
    assert "not published" in page


# --------------------------------------------------------------------------- declarations


def test_declarations_form_shows_the_questions_and_who_answered(ent, qualified, enterprise_user):
    page = html(ent.get("/evaluation/declarations/"))
    assert "Is the enterprise in a restricted or eliminated industry?" in page
    assert 'id="q-high_tech_income_share"' in page and 'type="number"' in page
    assert "Biomedicine" in page or "Biology and new medicine" in page
    assert "Growth Technology Enterprise" in page
    assert f"Declared by {enterprise_user.email}" in page
    assert re.search(r'value="no" [^>]*id="id_restricted_industry_1" checked', page)


def test_saving_answers_records_them_and_re_evaluates(ent, qualified, enterprise_user):
    before = Evaluation.objects.count()
    response = ent.post("/evaluation/declarations/", {"hnte_field": "electronic_information",
                                                      "high_tech_income_share": "72.5", "national_award_top3": "yes"})
    assert response.status_code == 302 and response["Location"] == "/evaluation/"
    answers = {d.question: d.answer for d in Declaration.objects.filter(enterprise=qualified)}
    assert answers["hnte_field"] == "electronic_information"
    assert answers["high_tech_income_share"] == "72.5"
    assert answers["national_award_top3"] is True
    assert answers["restricted_industry"] is False  # not sent: unchanged
    assert Declaration.objects.get(question="hnte_field").declared_by == enterprise_user
    assert Evaluation.objects.count() > before


def test_an_empty_answer_clears_it(ent, qualified):
    ent.post("/evaluation/declarations/", {"restricted_industry": ""})
    assert not Declaration.objects.filter(question="restricted_industry").exists()
    assert Declaration.objects.filter(question="serious_incident").exists()


def test_a_bad_answer_is_refused_next_to_its_field_and_nothing_is_saved(ent, qualified):
    response = ent.post("/evaluation/declarations/", {"high_tech_income_share": "150", "hnte_field": "biomedicine",
                                                      "macao_tier": "platinum"})
    assert response.status_code == 200
    page = html(response)
    assert "between 0 and 100" in field_error(page, "high_tech_income_share")
    assert "platinum" in field_error(page, "macao_tier")
    assert 'value="150"' in page  # what was typed stays
    assert not Declaration.objects.filter(question__in=["hnte_field", "high_tech_income_share"]).exists()


# --------------------------------------------------------------------------- history and detail


def test_history_lists_filters_and_opens_an_evaluation(ent, qualified):
    services.declarations_save(actor=qualified.organisation.memberships.first().user,
                               data={"national_award_top3": "yes"})
    page = html(ent.get("/evaluation/history/"))
    assert page.count('href="/evaluation/') >= 4
    page = html(ent.get("/evaluation/history/", {"rule_set": "macao_tech"}))
    assert "Macao technology enterprise" in page and "Sci-tech SME <span" not in page
    assert "valid choice" in field_error(html(ent.get("/evaluation/history/", {"rule_set": "nope"})), "rule_set")
    row = Evaluation.objects.filter(rule_set="scitech_sme").order_by("created_at", "id").first()
    page = html(ent.get(f"/evaluation/{row.pk}/"))
    assert "Inputs read" in page and "Qualifies on its score" in page
    assert "Is the enterprise in a restricted or eliminated industry? <strong>No</strong>" in page
    assert str(YEARS[0]) in page


def test_another_enterprises_evaluation_is_not_found(client_for, qualified, other_enterprise_user):
    row = Evaluation.objects.filter(enterprise=qualified).first()
    assert client_for(other_enterprise_user).get(f"/evaluation/{row.pk}/").status_code == 404


# --------------------------------------------------------------------------- programmes (enterprise)


def test_programmes_show_eligibility_with_the_failing_conditions(ent, qualified, operator_user):
    programme(operator_user, "fits")
    programme(operator_user, "too-small", RULE_BIG)
    programme(operator_user, "closed", active_from=(TODAY - dt.timedelta(days=60)).isoformat(),
              active_until=(TODAY - dt.timedelta(days=1)).isoformat())
    page = html(ent.get("/evaluation/programmes/"))
    assert "Programme fits" in page and "Programme too-small" in page
    assert "Programme closed" not in page
    assert page.index("Programme fits") < page.index("Programme too-small")  # eligible first
    assert "Eligible" in page and "Not eligible" in page
    assert "Employees is at least 1,000 (yours: 60)" in page


def test_apply_then_withdraw(ent, qualified, operator_user):
    item = programme(operator_user)
    page = html(ent.get(f"/evaluation/programmes/{item.pk}/"))
    assert "Sci-tech SME evaluation is Qualified" in page  # the criteria, in words
    response = ent.post(f"/evaluation/programmes/{item.pk}/", {"amount": "200000.00", "currency": "CNY",
                                                               "note": "Loan from BOC Macau"})
    assert response.status_code == 302
    application = ProgrammeApplication.objects.get()
    assert (application.amount, application.status) == (Decimal("200000.00"), "submitted")
    assert application.eligibility["status"] == "pass"
    page = html(ent.get(f"/evaluation/programmes/{item.pk}/"))
    assert "open or approved application" in page
    assert ent.get(f"/evaluation/applications/{application.pk}/withdraw/").status_code == 405
    assert ent.post(f"/evaluation/applications/{application.pk}/withdraw/").status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_an_amount_over_the_cap_is_refused_next_to_the_field(ent, qualified, operator_user):
    item = programme(operator_user)
    page = html(ent.post(f"/evaluation/programmes/{item.pk}/", {"amount": "900000", "currency": "CNY"}))
    assert "at most" in field_error(page, "amount")
    page = html(ent.post(f"/evaluation/programmes/{item.pk}/", {"amount": "1.5.0", "currency": "CNY"}))
    assert field_error(page, "amount")
    assert not ProgrammeApplication.objects.exists()


def test_an_ineligible_enterprise_cannot_apply(ent, qualified, operator_user):
    item = programme(operator_user, rule=RULE_BIG)
    page = html(ent.get(f"/evaluation/programmes/{item.pk}/"))
    assert "You can apply once your enterprise meets the criteria" in page
    page = html(ent.post(f"/evaluation/programmes/{item.pk}/", {"note": "please"}))
    assert "does not meet this programme&#x27;s conditions" in page
    assert not ProgrammeApplication.objects.exists()


def test_closed_programmes_and_other_enterprises_applications_are_not_found(client_for, ent, qualified,
                                                                            operator_user, other_enterprise_user):
    closed = programme(operator_user, "closed", active_from=(TODAY - dt.timedelta(days=60)).isoformat(),
                       active_until=(TODAY - dt.timedelta(days=1)).isoformat())
    assert ent.get(f"/evaluation/programmes/{closed.pk}/").status_code == 404
    item = programme(operator_user)
    ent.post(f"/evaluation/programmes/{item.pk}/", {})
    application = ProgrammeApplication.objects.get()
    other = client_for(other_enterprise_user)
    assert other.post(f"/evaluation/applications/{application.pk}/withdraw/").status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


# --------------------------------------------------------------------------- operators


def test_operator_creates_and_edits_a_programme(op):
    page = html(op.get("/evaluation/operator/programmes/new/"))
    assert "enterprise.rd_share_of_revenue" in page and "Writing the eligibility rule" in page
    data = {"code": "risk-pool", "name_en": "Risk compensation pool", "benefit_en": "Covers 40% of losses.",
            "active_from": TODAY.isoformat(), "cap_amount": "", "cap_currency": "",
            "rule": '{"in": ["hnte", {"var": "enterprise.certifications"}]}'}
    response = op.post("/evaluation/operator/programmes/new/", data)
    assert response.status_code == 302, field_error(html(response), "rule")
    item = Programme.objects.get(code="risk-pool")
    assert "Risk compensation pool" in html(op.get("/evaluation/operator/programmes/"))
    page = html(op.get(f"/evaluation/operator/programmes/{item.pk}/edit/"))
    assert "&quot;enterprise.certifications&quot;" in page and 'name="code"' not in page
    response = op.post(f"/evaluation/operator/programmes/{item.pk}/edit/", {**data, "name_en": "Risk pool"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name_en == "Risk pool" and item.code == "risk-pool"


def test_a_bad_rule_is_refused_next_to_the_rule_and_nothing_is_saved(op):
    data = {"code": "bad", "name_en": "Bad", "benefit_en": "x", "active_from": TODAY.isoformat(),
            "rule": '{"and": [{">=": [{"var": "enterprise.revenu"}, "1"]}]}'}
    page = html(op.post("/evaluation/operator/programmes/new/", data))
    assert "unknown field &#x27;enterprise.revenu&#x27;" in field_error(page, "rule")
    assert "Risk" not in field_error(page, "rule")
    page = html(op.post("/evaluation/operator/programmes/new/", {**data, "rule": "{not json"}))
    assert "not valid JSON" in field_error(page, "rule")
    page = html(op.post("/evaluation/operator/programmes/new/", {**data, "name_en": "", "rule": "true"}))
    assert "required" in field_error(page, "name_en")
    assert not Programme.objects.exists()


def test_operator_filters_and_decides_applications(op, qualified, enterprise_user, operator_user):
    item = programme(operator_user)
    application = services.application_submit(actor=enterprise_user, programme_id=item.pk,
                                               data={"amount": "100000.00", "currency": "CNY"})
    page = html(op.get("/evaluation/operator/applications/", {"status": "submitted"}))
    assert "1 application" in page and qualified.organisation.name_en in page
    assert "No application matches" in html(op.get("/evaluation/operator/applications/", {"status": "approved"}))
    assert "valid choice" in field_error(html(op.get("/evaluation/operator/applications/",
                                                     {"status": "maybe"})), "status")
    url = f"/evaluation/operator/applications/{application.pk}/"
    page = html(op.get(url))
    assert qualified.organisation.name_en in page and "Eligibility when submitted" in page and "Eligible" in page
    page = html(op.post(url, {"decision": "reject", "note": ""}))
    assert "required" in field_error(page, "note")
    page = html(op.post(url, {"decision": "approve", "amount_granted": "600000"}))
    assert "at most" in field_error(page, "amount_granted")
    application.refresh_from_db()
    assert application.status == "submitted"
    assert op.post(url, {"decision": "approve", "amount_granted": "80000.00"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.amount_granted) == ("approved", Decimal("80000.00"))
    page = html(op.post(url, {"decision": "reject", "note": "changed my mind"}))
    assert "decided already" in page
    application.refresh_from_db()
    assert application.status == "approved"


# --------------------------------------------------------------------------- permissions

ENTERPRISE_PAGES = ["/evaluation/", "/evaluation/declarations/", "/evaluation/history/", "/evaluation/programmes/"]
OPERATOR_PAGES = ["/evaluation/operator/programmes/", "/evaluation/operator/programmes/new/",
                  "/evaluation/operator/applications/"]


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
@pytest.mark.parametrize("url", ENTERPRISE_PAGES)
def test_enterprise_pages_refuse_other_roles(client_for, request, role, url):
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 403


@pytest.mark.parametrize("role", ["enterprise_user", "institution_user", "observer_user"])
@pytest.mark.parametrize("url", OPERATOR_PAGES)
def test_operator_pages_refuse_other_roles(client_for, request, role, url):
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 403


@pytest.mark.parametrize("url", [*ENTERPRISE_PAGES, *OPERATOR_PAGES])
def test_anonymous_users_are_sent_to_sign_in(client_for, url):
    response = client_for(None).get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_roles_cannot_post_to_enterprise_actions(client_for, institution_user, operator_user, qualified):
    for user in (institution_user, operator_user):
        client = client_for(user)
        assert client.post("/evaluation/run/").status_code == 403
        assert client.post("/evaluation/badges/publish/", {"rule_set": "scitech_sme"}).status_code == 403
    assert not Badge.objects.exists()


def test_operator_sees_open_and_closed_programmes(op, operator_user):
    programme(operator_user, "running")
    programme(operator_user, "ended", active_from=(TODAY - dt.timedelta(days=60)).isoformat(),
              active_until=(TODAY - dt.timedelta(days=1)).isoformat())
    page = html(op.get("/evaluation/operator/programmes/"))
    running, ended = page.index("Programme running"), page.index("Programme ended")
    assert running < ended  # the newest first
    assert "Open</span>" in page[running:ended] and "Closed</span>" not in page[running:ended]
    assert "Closed</span>" in page[ended:]
    assert op.get("/evaluation/operator/programmes/999999/edit/").status_code == 404
    assert op.get("/evaluation/operator/applications/999999/").status_code == 404


def test_history_says_why_each_evaluation_ran(ent, qualified):
    page = html(ent.get("/evaluation/history/"))
    assert "Answers changed" in page


@pytest.mark.parametrize("role", ["enterprise_user", "institution_user", "observer_user"])
def test_operator_object_pages_refuse_other_roles(client_for, request, role, qualified, operator_user,
                                                  enterprise_user):
    item = programme(operator_user)
    application = services.application_submit(actor=enterprise_user, programme_id=item.pk, data={})
    client = client_for(request.getfixturevalue(role))
    assert client.get(f"/evaluation/operator/programmes/{item.pk}/edit/").status_code == 403
    response = client.post(f"/evaluation/operator/applications/{application.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"
