"""evaluation selectors against the database: the facts the rules read (amounts in RMB at
the rate of the evaluation day, recorded; complete years only; certificates valid on the
day; declared answers with their types), the enterprise's own evaluations, declarations
and badges, the programmes each role sees with the enterprise's eligibility, and the
applications operators and enterprises read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from bayfin.evaluation import selectors, services
from bayfin.evaluation.explain import explained
from bayfin.evaluation.models import Badge, Declaration, Programme, ProgrammeApplication
from bayfin.fx.models import FxRate
from tests.conftest import member_of
from tests.factories import CertificationFactory, EnterpriseFactory, FinancialStatementFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST = TODAY.year - 1
DAY = dt.date(TODAY.year, 3, 16)  # an evaluation day inside this year: LAST is complete
CLEAN = {"restricted_industry": "no", "serious_incident": "no", "on_credit_blacklist": "no"}
PASS_RULE = {">=": [{"var": "enterprise.employees"}, 10]}
FAIL_RULE = {"and": [PASS_RULE, {"in": [{"var": "enterprise.sector"}, ["biomedicine", "fintech"]]}]}
UNKNOWN_RULE = {">": [{"var": "enterprise.revenue_cny"}, "1000000"]}


def stored(day: dt.date, base: str, quote: str, rate: str) -> FxRate:
    return FxRate.objects.create(day=day, base=base, quote=quote, rate=Decimal(rate), source="test")


def statement(enterprise: Any, year: int, currency: str = "CNY", **amounts: str) -> Any:
    figures = {"revenue": "10300000.00", "rd_expense": "1030000.00", "total_costs": "8240000.00",
               "net_profit": "1030000.00", "total_assets": "20600000.00", "total_liabilities": "5150000.00",
               "operating_cash_flow": "0.00", **amounts}
    return FinancialStatementFactory(enterprise=enterprise, year=year, currency=currency,
                                     **{k: Decimal(v) for k, v in figures.items()})


def programme(rule: Any, *, code: str, active_from: dt.date | None = None,
              active_until: dt.date | None = None) -> Programme:
    return Programme.objects.create(code=code, name_en=code, benefit_en="Money.", rule=rule,
                                    active_from=active_from or TODAY - dt.timedelta(days=10),
                                    active_until=active_until)


# --------------------------------------------------------------------------- facts_for


def test_statements_in_patacas_are_converted_to_rmb_with_the_rate_of_the_day(enterprise):
    statement(enterprise, LAST, "MOP")
    stored(DAY - dt.timedelta(days=1), "HKD", "CNY", "0.9000")  # an older rate: not used
    stored(DAY, "HKD", "CNY", "0.9100")
    stored(DAY, "HKD", "MOP", "1.0300")
    stored(DAY + dt.timedelta(days=1), "HKD", "CNY", "0.9500")  # a later rate: not used either

    bundle = selectors.facts_for(enterprise, DAY)

    (year,) = bundle.facts.years
    # MOP 10,300,000 = HKD 10,000,000 = RMB 9,100,000.
    assert (year.year, year.revenue, year.rd_expense) == (LAST, Decimal("9100000.00"), Decimal("910000.00"))
    assert year.total_costs == Decimal("7280000.00") and year.total_assets == Decimal("18200000.00")
    assert year.net_assets == Decimal("18200000.00") - Decimal("4550000.00")
    (conversion,) = bundle.conversions
    assert conversion["year"] == LAST and conversion["currency"] == "MOP"
    assert conversion["rate_day"] == DAY.isoformat() and conversion["path"] == "pivot:HKD"
    assert Decimal(conversion["rate"]).quantize(Decimal("0.000001")) == Decimal("0.883495")  # 0.91 / 1.03
    assert bundle.unconverted == ()
    inputs = bundle.inputs_json()
    assert inputs["conversions"] == [conversion] and inputs["years"][0]["revenue"] == "9100000.00"


def test_statements_in_hong_kong_dollars_use_the_direct_rate(enterprise):
    statement(enterprise, LAST, "HKD", revenue="1000000.00")
    stored(DAY - dt.timedelta(days=2), "HKD", "CNY", "0.9200")  # the latest rate on or before the day
    bundle = selectors.facts_for(enterprise, DAY)
    assert bundle.facts.years[0].revenue == Decimal("920000.00")
    assert bundle.conversions[0]["path"] == "direct"
    assert bundle.conversions[0]["rate_day"] == (DAY - dt.timedelta(days=2)).isoformat()


def test_a_year_without_a_rate_is_left_out_and_the_reason_recorded(enterprise):
    statement(enterprise, LAST - 1)  # in RMB: no rate needed
    statement(enterprise, LAST, "HKD")
    bundle = selectors.facts_for(enterprise, DAY)
    assert [y.year for y in bundle.facts.years] == [LAST - 1]
    (left_out,) = bundle.unconverted
    assert left_out["year"] == LAST and left_out["currency"] == "HKD"
    assert "HKD" in left_out["reason"] and left_out["reason"]
    assert bundle.inputs_json()["unconverted"] == [left_out]
    assert bundle.conversions == ()


def test_a_rate_older_than_the_allowed_age_is_not_used(enterprise, settings):
    statement(enterprise, LAST, "HKD")
    stored(DAY - dt.timedelta(days=settings.BAYFIN_FX_MAX_RATE_AGE_DAYS + 1), "HKD", "CNY", "0.9100")
    bundle = selectors.facts_for(enterprise, DAY)
    assert bundle.facts.years == () and bundle.unconverted[0]["year"] == LAST


def test_only_complete_years_are_read(enterprise):
    for year in (LAST - 1, LAST, TODAY.year):
        statement(enterprise, year)
    assert [y.year for y in selectors.facts_for(enterprise, TODAY).facts.years] == [LAST - 1, LAST]
    earlier = dt.date(LAST, 12, 31)  # evaluated as on the last day of LAST: LAST is not complete yet
    assert [y.year for y in selectors.facts_for(enterprise, earlier).facts.years] == [LAST - 1]


def test_certificates_count_only_while_valid_on_the_day(enterprise):
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=dt.date(2023, 12, 1),
                         expires_on=dt.date(2026, 12, 1), published=False)
    CertificationFactory(enterprise=enterprise, kind="scitech_sme", issued_on=dt.date(2022, 5, 1),
                         expires_on=dt.date(2023, 5, 1))

    def on(day: dt.date) -> tuple[bool, frozenset[str]]:
        bundle = selectors.facts_for(enterprise, day)
        return bundle.facts.hnte_certificate_valid, bundle.certifications

    assert on(dt.date(2022, 4, 30)) == (False, frozenset())  # neither issued yet
    assert on(dt.date(2023, 5, 1)) == (False, frozenset({"scitech_sme"}))  # its expiry day still counts
    assert on(dt.date(2023, 11, 30)) == (False, frozenset())  # the SME one expired, the HNTE one not issued
    assert on(dt.date(2023, 12, 1)) == (True, frozenset({"hnte"}))  # unpublished, still counted
    assert on(dt.date(2026, 12, 1)) == (True, frozenset({"hnte"}))  # valid on its expiry day
    assert on(dt.date(2026, 12, 2)) == (False, frozenset())


def test_declared_answers_reach_the_rules_with_their_types(enterprise, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={
        "restricted_industry": "no", "national_award_top3": "yes", "high_tech_income_share": "62.5",
        "rd_in_china_share": "100", "hnte_field": "biomedicine", "macao_tier": "potential",
    })
    # A stored answer to a question the rules no longer ask is ignored, not an error.
    Declaration.objects.create(enterprise=enterprise, question="retired_question", answer=True,
                               declared_by=enterprise_user, declared_at=timezone.now())
    declared = selectors.facts_for(enterprise, DAY).facts.declarations
    assert declared.restricted_industry is False and declared.national_award_top3 is True
    assert declared.high_tech_income_share == Decimal("62.5") and declared.rd_in_china_share == Decimal(100)
    assert (declared.hnte_field, declared.macao_tier) == ("biomedicine", "potential")
    assert declared.serious_incident is None and declared.led_standard is None  # unanswered: never assumed


def test_the_profile_figures_and_places_are_read(db):
    macao = EnterpriseFactory(organisation__jurisdiction="macao", employees=12, tech_staff=4,
                              invention_patents=0, other_class_i=1, utility_models=2, designs=1,
                              software_copyrights=0)
    facts = selectors.facts_for(macao, DAY).facts
    assert (facts.jurisdiction, facts.macao, facts.mainland) == ("macao", True, False)
    assert (facts.employees, facts.tech_staff, facts.class_i_ip, facts.class_ii_ip) == (12, 4, 1, 3)
    assert facts.as_of == DAY and facts.founding_date == macao.founding_date
    hengqin = selectors.facts_for(EnterpriseFactory(), DAY).facts
    assert (hengqin.mainland, hengqin.macao) == (True, False)


# --------------------------------------------------------------------------- own evaluations


@pytest.fixture
def evaluated(enterprise: Any, enterprise_user: Any) -> Any:
    """Evaluated twice: once with the conditions undeclared, once with them declared."""
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    services.evaluation_run(enterprise_id=enterprise.pk, trigger="requested")
    services.declarations_save(actor=enterprise_user, data=CLEAN)
    return enterprise


def test_the_latest_evaluation_of_each_rule_set_in_page_order(evaluated, enterprise_user):
    latest = selectors.evaluation_latest_own(enterprise_user)
    assert list(latest) == ["scitech_sme", "hnte", "macao_tech"]
    assert latest["scitech_sme"].status == "qualified" and latest["scitech_sme"].trigger == "declarations"


def test_the_history_is_newest_first_and_filters_by_rule_set(evaluated, enterprise_user):
    history = list(selectors.evaluation_history_own(enterprise_user, "scitech_sme"))
    assert [(e.status, e.trigger) for e in history] == [("qualified", "declarations"),
                                                        ("undetermined", "requested")]
    assert selectors.evaluation_history_own(enterprise_user).count() >= 4
    with pytest.raises(ValidationFailed) as exc:
        selectors.evaluation_history_own(enterprise_user, "nobel_prize")
    assert list(exc.value.fields) == ["rule_set"]


def test_evaluations_are_private_to_the_enterprise(evaluated, enterprise_user, other_enterprise_user,
                                                   institution_user, operator_user, observer_user):
    row = selectors.evaluation_latest_own(enterprise_user)["scitech_sme"]
    assert selectors.evaluation_get_own(enterprise_user, row.pk) == row
    with pytest.raises(NotFound):
        selectors.evaluation_get_own(other_enterprise_user, row.pk)
    assert selectors.evaluation_latest_own(other_enterprise_user) == {}
    for user in (institution_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            selectors.evaluation_get_own(user, row.pk)
        with pytest.raises(PermissionDenied):
            selectors.evaluation_history_own(user)
    with pytest.raises(NotAuthenticated):
        selectors.evaluation_latest_own(None)


def test_a_stored_result_is_re_explained_in_sentences(evaluated, enterprise_user):
    row = selectors.evaluation_latest_own(enterprise_user)["scitech_sme"]
    shown = explained(selectors.result_of(row))
    assert (shown["status"], shown["path"], shown["score"]) == ("qualified", "score", 100)
    assert [i["code"] for i in shown["indicators"]] == ["tech_staff_share", "rd", "ip"]
    for part in (*shown["indicators"], *shown["conditions"]):
        assert part["text"] and part["text"] != part["code"]  # a sentence, not a code
    assert shown["path_text"] and shown["path_text"] != "score"


def test_declarations_and_badges_of_ones_own(evaluated, enterprise_user, other_enterprise_user,
                                             institution_user):
    services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    declared = selectors.declarations_own(enterprise_user)
    assert set(declared) == set(CLEAN) and declared["serious_incident"].declared_by == enterprise_user
    assert list(selectors.badges_own(enterprise_user)) == ["scitech_sme"]
    assert selectors.declarations_own(other_enterprise_user) == {}
    assert selectors.badges_own(other_enterprise_user) == {}
    with pytest.raises(PermissionDenied):
        selectors.declarations_own(institution_user)


def test_shown_badges_are_those_still_qualifying(evaluated, enterprise_user, other_enterprise):
    services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    Badge.objects.create(enterprise=other_enterprise, rule_set="hnte", shown=False)
    ids = [evaluated.pk, other_enterprise.pk]
    assert selectors.shown_badges(ids) == {evaluated.pk: ["scitech_sme"]}
    services.declarations_save(actor=enterprise_user, data={"on_credit_blacklist": "yes"})
    assert selectors.shown_badges(ids) == {}


# --------------------------------------------------------------------------- programmes


@pytest.fixture
def programmes(db: Any) -> dict[str, Programme]:
    return {
        "pass": programme(PASS_RULE, code="c-passes"),
        "fail": programme(FAIL_RULE, code="a-fails"),
        "unknown": programme(UNKNOWN_RULE, code="b-unknown"),
        "ended": programme(PASS_RULE, code="ended", active_from=TODAY - dt.timedelta(days=90),
                           active_until=TODAY - dt.timedelta(days=1)),
        "future": programme(PASS_RULE, code="future", active_from=TODAY + dt.timedelta(days=1)),
    }


def test_operators_see_every_programme_and_enterprises_the_open_ones(programmes, operator_user,
                                                                     enterprise_user, pending_enterprise_user):
    assert selectors.programme_list_for(operator_user).count() == 5
    open_codes = {"c-passes", "a-fails", "b-unknown"}
    assert {p.code for p in selectors.programme_list_for(enterprise_user)} == open_codes
    assert {p.code for p in selectors.programme_list_for(pending_enterprise_user)} == open_codes
    assert selectors.programme_get_for(operator_user, programmes["ended"].pk) == programmes["ended"]
    with pytest.raises(NotFound):
        selectors.programme_get_for(enterprise_user, programmes["ended"].pk)
    with pytest.raises(NotFound):
        selectors.programme_get_for(enterprise_user, programmes["future"].pk)


def test_other_roles_see_no_programmes(programmes, institution_user, observer_user):
    for user in (institution_user, observer_user):
        with pytest.raises(PermissionDenied):
            selectors.programme_list_for(user)
    with pytest.raises(NotAuthenticated):
        selectors.programme_list_for(None)


def test_an_enterprise_sees_its_eligibility_for_each_open_programme(programmes, enterprise, enterprise_user):
    views = selectors.programmes_for_enterprise(enterprise_user)
    # Eligible first, then undecided, then not eligible.
    assert [(v.programme.code, v.eligibility.status) for v in views] == [
        ("c-passes", "pass"), ("b-unknown", "unknown"), ("a-fails", "fail")]
    passes, unknown, fails = views
    assert passes.eligibility.eligible and not fails.eligibility.eligible
    # The failing condition, with the enterprise's own value; the one it meets is not listed.
    (leaf,) = fails.eligibility.outcome.failures
    assert (leaf.field, leaf.actual) == ("enterprise.sector", "integrated_circuits")
    assert unknown.eligibility.outcome.unknown == ("enterprise.revenue_cny",)
    assert all(v.application is None for v in views)


def test_a_complete_year_decides_what_was_unknown(programmes, enterprise, enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    view = selectors.programme_view_own(enterprise_user, programmes["unknown"].pk)
    assert view.eligibility.status == "pass"
    with pytest.raises(NotFound):
        selectors.programme_view_own(enterprise_user, programmes["ended"].pk)


def test_the_latest_application_is_shown_with_its_programme(programmes, enterprise, enterprise_user):
    first = services.application_submit(actor=enterprise_user, programme_id=programmes["pass"].pk, data={})
    services.application_withdraw(actor=enterprise_user, application_id=first.pk)
    second = services.application_submit(actor=enterprise_user, programme_id=programmes["pass"].pk, data={})
    view = selectors.programme_view_own(enterprise_user, programmes["pass"].pk)
    assert view.application == second


# --------------------------------------------------------------------------- applications


@pytest.fixture
def applications(programmes: dict[str, Programme], enterprise_user: Any, other_enterprise: Any,
                 other_enterprise_user: Any, operator_user: Any) -> dict[str, ProgrammeApplication]:
    mine = services.application_submit(actor=enterprise_user, programme_id=programmes["pass"].pk, data={})
    theirs = services.application_submit(actor=other_enterprise_user, programme_id=programmes["pass"].pk,
                                         data={})
    services.application_decide(actor=operator_user, application_id=theirs.pk, decision="approve")
    return {"mine": mine, "theirs": theirs}


def test_an_enterprise_lists_only_its_own_applications(applications, enterprise_user, other_enterprise_user):
    assert list(selectors.application_list_own(enterprise_user)) == [applications["mine"]]
    assert selectors.application_get_for(enterprise_user, applications["mine"].pk) == applications["mine"]
    with pytest.raises(NotFound):
        selectors.application_get_for(enterprise_user, applications["theirs"].pk)
    with pytest.raises(NotFound):
        selectors.application_get_for(other_enterprise_user, applications["mine"].pk)


def test_operators_list_every_application_with_filters(applications, programmes, operator_user):
    assert selectors.application_list_for_operator(operator_user).count() == 2
    approved = selectors.application_list_for_operator(operator_user, {"status": "approved"})
    assert list(approved) == [applications["theirs"]]
    by_programme = selectors.application_list_for_operator(operator_user,
                                                           {"programme": str(programmes["pass"].pk)})
    assert by_programme.count() == 2
    assert selectors.application_list_for_operator(operator_user, {"programme": programmes["fail"].pk}).count() == 0
    assert selectors.application_get_for(operator_user, applications["mine"].pk) == applications["mine"]
    # The eligibility recorded when it was submitted.
    assert selectors.application_get_for(operator_user, applications["mine"].pk).eligibility["status"] == "pass"


@pytest.mark.parametrize(("filters", "field"), [({"status": "lost"}, "status"), ({"programme": "one"}, "programme")])
def test_bad_application_filters_are_refused(applications, operator_user, filters, field):
    with pytest.raises(ValidationFailed) as exc:
        selectors.application_list_for_operator(operator_user, filters)
    assert list(exc.value.fields) == [field]


def test_only_operators_list_every_application(applications, enterprise_user, institution_user, observer_user):
    for user in (enterprise_user, institution_user, observer_user):
        with pytest.raises(PermissionDenied):
            selectors.application_list_for_operator(user)
    with pytest.raises(PermissionDenied):
        selectors.application_get_for(institution_user, applications["mine"].pk)
    with pytest.raises(NotAuthenticated):
        selectors.application_list_for_operator(None)


def test_a_new_member_of_the_enterprise_sees_its_applications(applications, enterprise):
    colleague = member_of(enterprise.organisation, is_admin=False)
    assert list(selectors.application_list_own(colleague)) == [applications["mine"]]
