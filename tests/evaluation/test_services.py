"""evaluation services against the database: evaluations (stored, only when they change,
audited), re-evaluation when the enterprise's data changes, self-declared answers,
badges, programmes and applications.

Every refusal names its field (or says why) and saves nothing: no row, no audit event,
no evaluation. Every write leaves its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.models import AuditEvent
from bayfin.enterprises import services as enterprise_services
from bayfin.enterprises.models import FinancialStatement
from bayfin.evaluation import selectors, services
from bayfin.evaluation.models import (
    ApplicationStatus,
    Badge,
    Declaration,
    Evaluation,
    Programme,
    ProgrammeApplication,
)
from tests.conftest import member_of
from tests.enterprises.conftest import profile_data, statement_data
from tests.factories import FinancialStatementFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST = TODAY.year - 1  # the latest complete year
RULE_SETS = ["hnte", "macao_tech", "scitech_sme"]
# The three self-declared conditions of the sci-tech SME rules, answered "no".
CLEAN = {"restricted_industry": "no", "serious_incident": "no", "on_credit_blacklist": "no"}

PASS_RULE = {">=": [{"var": "enterprise.employees"}, 10]}
FAIL_RULE = {">=": [{"var": "enterprise.employees"}, 1000]}
UNKNOWN_RULE = {">": [{"var": "enterprise.revenue_cny"}, "1000000"]}


def refused(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    """The fields of the ValidationFailed the call raises, as plain strings."""
    with pytest.raises(ValidationFailed) as exc:
        call(**kwargs)
    return {k: [str(m) for m in v] for k, v in exc.value.fields.items()}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def run(enterprise: Any, trigger: str = "requested", **kwargs: Any) -> list[str]:
    """The rule sets of the rows one run wrote."""
    return sorted(r.rule_set for r in services.evaluation_run(enterprise_id=enterprise.pk, trigger=trigger,
                                                              **kwargs))


@pytest.fixture
def scored(enterprise: Any) -> Any:
    """The factory enterprise with last year's statement: 100 points on the sci-tech SME score
    (tech staff 25/60, R&D 3.1m on 38m sales, Class I IP), conditions not yet declared."""
    FinancialStatementFactory(enterprise=enterprise, year=LAST)
    return enterprise


@pytest.fixture
def qualified(scored: Any, enterprise_user: Any) -> Any:
    """``scored`` with the declared conditions answered: it qualifies as a sci-tech SME."""
    services.declarations_save(actor=enterprise_user, data=CLEAN)
    return scored


def latest(enterprise: Any, rule_set: str) -> Evaluation:
    return selectors.latest_evaluations(enterprise)[rule_set]


# --------------------------------------------------------------------------- evaluation_run


def test_the_first_run_writes_one_row_per_rule_set_with_its_inputs_and_result(scored):
    rows = services.evaluation_run(enterprise_id=scored.pk, trigger="requested")
    assert sorted(r.rule_set for r in rows) == RULE_SETS
    sme = Evaluation.objects.get(enterprise=scored, rule_set="scitech_sme")
    assert (sme.version, sme.as_of, sme.trigger) == ("2022", TODAY, "requested")
    assert (sme.status, sme.score, sme.path) == ("undetermined", 100, "")  # conditions not declared yet
    assert {"restricted_industry", "serious_incident", "on_credit_blacklist"} <= set(sme.result["missing"])
    assert sme.result["rule_set"] == "scitech_sme" and sme.result["score"] == 100
    # The inputs it read, so the result can be reproduced.
    assert sme.inputs["as_of"] == TODAY.isoformat()
    assert (sme.inputs["employees"], sme.inputs["tech_staff"], sme.inputs["class_i_ip"]) == (60, 25, 3)
    assert [y["year"] for y in sme.inputs["years"]] == [LAST]
    assert sme.inputs["years"][0]["revenue"] == "38000000.00"
    assert sme.inputs["conversions"] == [] and sme.inputs["unconverted"] == []
    assert selectors.result_of(sme).score == 100
    # Hengqin is not Macao.
    assert latest(scored, "macao_tech").status == "not_qualified"


def test_a_second_run_without_change_writes_nothing(scored):
    assert run(scored) == RULE_SETS
    assert run(scored) == []
    assert Evaluation.objects.filter(enterprise=scored).count() == 3
    assert len(events("evaluation.evaluate")) == 3


def test_a_changed_statement_writes_new_rows_for_the_results_that_changed(scored):
    run(scored)
    FinancialStatement.objects.filter(enterprise=scored).update(rd_expense=Decimal("1000000.00"))
    assert run(scored, "statements") == ["scitech_sme"]  # HNTE and Macao read nothing that changed
    row = latest(scored, "scitech_sme")
    assert (row.score, row.trigger) == (60, "statements")  # R&D / sales 2.63%: 10 points instead of 50
    assert row.inputs["years"][0]["rd_expense"] == "1000000.00"
    assert Evaluation.objects.filter(enterprise=scored, rule_set="scitech_sme").count() == 2


def test_the_nightly_run_stores_only_changes_a_reader_would_notice(scored):
    run(scored)
    # More sales, same bands and points: the figures in the detail change, nothing material.
    FinancialStatement.objects.filter(enterprise=scored).update(revenue=Decimal("39000000.00"))
    assert run(scored, services.NIGHTLY) == []
    # A data-change trigger stores it (the result's detail differs).
    assert run(scored, "statements") == ["scitech_sme"]
    # A lower score is material: the nightly run stores it.
    FinancialStatement.objects.filter(enterprise=scored).update(rd_expense=Decimal("1000000.00"))
    assert run(scored, services.NIGHTLY) == ["scitech_sme"]
    assert latest(scored, "scitech_sme").trigger == services.NIGHTLY
    assert services.evaluation_run_all() == 0


def test_every_stored_row_has_its_audit_event(scored, enterprise_user):
    rows = services.evaluation_run(enterprise_id=scored.pk, trigger="requested", actor=enterprise_user)
    found = events("evaluation.evaluate")
    assert sorted(e.subject_id for e in found) == sorted(str(r.pk) for r in rows)
    for event in found:
        assert event.actor == enterprise_user and event.organisation_id == scored.organisation_id
    sme = next(e for e in found if e.new["rule_set"] == "scitech_sme")
    assert sme.new == {"rule_set": "scitech_sme", "version": "2022", "status": "undetermined", "score": 100,
                       "trigger": "requested"}
    run(scored, services.NIGHTLY)  # the system's own run: nothing changed, nothing audited
    assert len(events("evaluation.evaluate")) == 3
    FinancialStatement.objects.filter(enterprise=scored).update(rd_expense=Decimal("1000000.00"))
    run(scored, services.NIGHTLY)
    assert events("evaluation.evaluate")[-1].actor_label == "system"


def test_an_unknown_enterprise_is_not_found(db):
    with pytest.raises(NotFound):
        services.evaluation_run(enterprise_id=999_999, trigger="requested")


def test_badges_shown_follow_the_latest_status(qualified, enterprise_user):
    badge = services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    assert badge.shown
    services.declarations_save(actor=enterprise_user, data={"restricted_industry": "yes"})
    assert latest(qualified, "scitech_sme").status == "not_qualified"
    badge.refresh_from_db()
    assert not badge.shown
    services.declarations_save(actor=enterprise_user, data={"restricted_industry": "no"})
    badge.refresh_from_db()
    assert badge.shown


def test_a_member_requests_an_evaluation(scored, enterprise_user, institution_user, operator_user):
    rows = services.evaluation_request(actor=enterprise_user)
    assert sorted(r.rule_set for r in rows) == RULE_SETS
    assert {r.trigger for r in rows} == {"requested"}
    assert services.evaluation_request(actor=enterprise_user) == []
    for user in (institution_user, operator_user):
        with pytest.raises(PermissionDenied):
            services.evaluation_request(actor=user)
    with pytest.raises(NotAuthenticated):
        services.evaluation_request(actor=None)


# --------------------------------------------------------------------------- reevaluate_on_commit


def test_a_saved_statement_reevaluates_after_commit(enterprise, enterprise_user,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enterprise_services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=LAST,
                                           data=statement_data())
    assert not Evaluation.objects.exists()  # nothing runs inside the transaction
    # One re-evaluation (matching's refresh is queued beside it).
    reevaluate = [c for c in callbacks if "reevaluate_on_commit" in c.__qualname__]
    assert len(reevaluate) == 1
    reevaluate[0]()
    rows = Evaluation.objects.filter(enterprise=enterprise)
    assert sorted(r.rule_set for r in rows) == RULE_SETS
    assert {r.trigger for r in rows} == {"statements"}
    assert latest(enterprise, "scitech_sme").score == 100


def test_an_edited_statement_reevaluates_with_the_new_figures(scored, enterprise_user,
                                                              django_capture_on_commit_callbacks):
    run(scored)
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_services.statement_save(actor=enterprise_user, enterprise_id=scored.pk, year=LAST,
                                           data=statement_data(rd_expense="1000000.00"))
    row = latest(scored, "scitech_sme")
    assert (row.trigger, row.score) == ("statements", 60)


def test_an_added_certification_reevaluates(scored, enterprise_user, django_capture_on_commit_callbacks):
    scored.tech_staff = 5  # 8.33% of employees: no tech-staff points, so the score path is closed
    scored.save()
    services.declarations_save(actor=enterprise_user, data=CLEAN)
    assert latest(scored, "scitech_sme").status == "undetermined"  # the direct paths are not answered
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_services.certification_add(
            actor=enterprise_user, enterprise_id=scored.pk,
            data={"kind": "hnte", "number": "GR2024", "issued_on": (TODAY - dt.timedelta(days=30)).isoformat(),
                  "expires_on": (TODAY + dt.timedelta(days=1000)).isoformat()})
    row = latest(scored, "scitech_sme")
    assert (row.trigger, row.status, row.path) == ("certifications", "qualified", "hnte_certificate")
    assert row.inputs["hnte_certificate_valid"] is True and row.inputs["certifications"] == ["hnte"]


def test_a_profile_update_reevaluates(scored, enterprise_user, django_capture_on_commit_callbacks):
    run(scored)
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_services.enterprise_update_profile(
            actor=enterprise_user, enterprise_id=scored.pk,
            data=profile_data(scored, employees=60, tech_staff=5))
    row = latest(scored, "scitech_sme")
    assert row.trigger == "profile"
    assert (row.inputs["employees"], row.inputs["tech_staff"]) == (60, 5)
    assert row.result["indicators"][0]["code"] == "tech_staff_share"
    assert row.result["indicators"][0]["points"] == 0  # 8.33% is below the lowest band


def test_a_refused_statement_enqueues_nothing(enterprise, enterprise_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationFailed):
        enterprise_services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=LAST,
                                           data=statement_data(revenue="lots"))
    assert callbacks == []
    assert not Evaluation.objects.exists()


def test_a_refused_certification_enqueues_nothing(enterprise, enterprise_user,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        enterprise_services.certification_add(actor=enterprise_user, enterprise_id=enterprise.pk,
                                              data={"kind": "gold_star", "issued_on": "2024-01-01"})
    assert not Evaluation.objects.exists()


def test_a_failing_reevaluation_does_not_fail_the_save_that_committed(enterprise, enterprise_user, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("an engine bug")

    monkeypatch.setattr("bayfin.evaluation.tasks.evaluation_run", broken)
    with django_capture_on_commit_callbacks(execute=True):
        saved = enterprise_services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=LAST,
                                                   data=statement_data())
    assert FinancialStatement.objects.filter(pk=saved.pk).exists()  # the nightly run catches up


# --------------------------------------------------------------------------- declarations_save


def test_answers_of_every_type_are_saved_with_who_and_when(enterprise, enterprise_user):
    before = timezone.now()
    services.declarations_save(actor=enterprise_user, data={
        "restricted_industry": "no", "serious_incident": False, "led_standard": "Yes",
        "high_tech_income_share": "62.5", "rd_in_china_share": 100,
        "hnte_field": "electronic_information", "macao_tier": "growth",
    })
    rows = {d.question: d for d in Declaration.objects.filter(enterprise=enterprise)}
    assert {q: d.answer for q, d in rows.items()} == {
        "restricted_industry": False, "serious_incident": False, "led_standard": True,
        "high_tech_income_share": "62.5", "rd_in_china_share": "100",
        "hnte_field": "electronic_information", "macao_tier": "growth",
    }
    for row in rows.values():
        assert row.declared_by == enterprise_user and before <= row.declared_at <= timezone.now()
    declared = selectors.declarations_of(enterprise)
    assert declared.high_tech_income_share == Decimal("62.5") and declared.led_standard is True


@pytest.mark.parametrize(("question", "answer"), [
    ("restricted_industry", "true"), ("restricted_industry", "1"), ("on_credit_blacklist", "NO"),
    ("high_tech_income_share", "0"), ("high_tech_income_share", "100"), ("high_tech_income_share", "59.99"),
    ("rd_in_china_share", 60), ("hnte_field", "none"), ("macao_tier", "key"),
])
def test_valid_answers_are_accepted(enterprise, enterprise_user, question, answer):
    services.declarations_save(actor=enterprise_user, data={question: answer})
    assert Declaration.objects.filter(enterprise=enterprise, question=question).exists()


@pytest.mark.parametrize(("question", "answer", "says"), [
    ("restricted_industry", "maybe", "yes or no"),
    ("restricted_industry", 1, "yes or no"),
    ("high_tech_income_share", "100.01", "between 0 and 100"),
    ("high_tech_income_share", "-1", "between 0 and 100"),
    ("high_tech_income_share", "lots", "between 0 and 100"),
    ("high_tech_income_share", "NaN", "between 0 and 100"),
    ("high_tech_income_share", "62.555", "2 decimal places"),
    ("high_tech_income_share", 62.5, "as a string"),
    ("rd_in_china_share", True, "as a string"),
    ("hnte_field", "quantum_magic", "not one of the available choices"),
    ("macao_tier", "gold", "not one of the available choices"),
])
def test_invalid_answers_are_refused_naming_the_question(enterprise, enterprise_user, question, answer, says):
    fields = refused(services.declarations_save, actor=enterprise_user, data={question: answer})
    assert list(fields) == [question]
    assert says in fields[question][0]
    assert not Declaration.objects.exists()


def test_an_unknown_question_is_refused(enterprise, enterprise_user):
    fields = refused(services.declarations_save, actor=enterprise_user,
                     data={"restricted_industry": "no", "favourite_colour": "blue"})
    assert list(fields) == ["favourite_colour"]
    assert not Declaration.objects.exists()


def test_one_bad_answer_saves_none(scored, enterprise_user):
    fields = refused(services.declarations_save, actor=enterprise_user,
                     data={**CLEAN, "rd_in_china_share": "150", "macao_tier": "key"})
    assert list(fields) == ["rd_in_china_share"]
    assert not Declaration.objects.exists()
    assert not Evaluation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="evaluation.").exists()


def test_an_empty_answer_clears_it_and_the_audit_keeps_old_and_new(enterprise, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={"restricted_industry": "yes",
                                                            "high_tech_income_share": "62.50"})
    first = events("evaluation.declare")[-1]
    assert first.subject_id == str(enterprise.pk) and first.actor == enterprise_user
    assert first.old == {"restricted_industry": None, "high_tech_income_share": None}
    assert first.new == {"restricted_industry": True, "high_tech_income_share": "62.5"}

    services.declarations_save(actor=enterprise_user, data={"restricted_industry": "",
                                                            "high_tech_income_share": "62.50"})
    assert list(Declaration.objects.values_list("question", flat=True)) == ["high_tech_income_share"]
    cleared = events("evaluation.declare")[-1]
    assert (cleared.old, cleared.new) == ({"restricted_industry": True}, {"restricted_industry": None})
    assert selectors.declarations_of(enterprise).restricted_industry is None


def test_an_unchanged_answer_writes_nothing(enterprise, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={"restricted_industry": "no"})
    count = AuditEvent.objects.count()
    assert services.declarations_save(actor=enterprise_user, data={"restricted_industry": "false"}) == []
    assert services.declarations_save(actor=enterprise_user, data={"serious_incident": ""}) == []
    assert AuditEvent.objects.count() == count


def test_another_member_changing_an_answer_is_recorded_as_its_declarer(enterprise, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={"led_standard": "no"})
    colleague = member_of(enterprise.organisation, is_admin=False)
    services.declarations_save(actor=colleague, data={"led_standard": "yes"})
    row = Declaration.objects.get(enterprise=enterprise, question="led_standard")
    assert (row.answer, row.declared_by) == (True, colleague)


def test_declaring_reevaluates_in_the_same_transaction(scored, enterprise_user):
    rows = services.declarations_save(actor=enterprise_user, data=CLEAN)
    assert sorted(r.rule_set for r in rows) == RULE_SETS
    sme = latest(scored, "scitech_sme")
    assert (sme.status, sme.path, sme.trigger) == ("qualified", "score", "declarations")
    assert sme.inputs["declarations"]["restricted_industry"] is False


def test_declarations_are_the_enterprises_own(enterprise, institution_user, operator_user, observer_user,
                                              pending_enterprise_user):
    for user in (institution_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.declarations_save(actor=user, data=CLEAN)
    with pytest.raises(NotAuthenticated):
        services.declarations_save(actor=None, data=CLEAN)
    assert not Declaration.objects.exists()
    # A pending enterprise may prepare its answers (they are its own profile).
    services.declarations_save(actor=pending_enterprise_user, data=CLEAN)
    assert Declaration.objects.count() == 3


# --------------------------------------------------------------------------- badges


def test_a_qualification_is_published_with_its_audit_event(qualified, enterprise_user):
    badge = services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    assert (badge.enterprise, badge.rule_set, badge.shown) == (qualified, "scitech_sme", True)
    event = events("evaluation.badge_publish")[-1]
    assert (event.subject_id, event.new, event.actor) == (str(badge.pk), {"rule_set": "scitech_sme"},
                                                          enterprise_user)


def test_only_a_qualifying_latest_evaluation_can_be_published(scored, enterprise_user):
    # Never evaluated.
    assert "rule_set" in refused(services.badge_publish, actor=enterprise_user, rule_set="scitech_sme")
    run(scored)  # undetermined: the conditions are not declared
    assert "rule_set" in refused(services.badge_publish, actor=enterprise_user, rule_set="scitech_sme")
    assert "rule_set" in refused(services.badge_publish, actor=enterprise_user, rule_set="macao_tech")
    assert not Badge.objects.exists() and not events("evaluation.badge_publish")


def test_a_badge_cannot_be_published_after_the_enterprise_stops_qualifying(qualified, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={"serious_incident": "yes"})
    assert "rule_set" in refused(services.badge_publish, actor=enterprise_user, rule_set="scitech_sme")


def test_an_unknown_rule_set_is_refused(qualified, enterprise_user):
    fields = refused(services.badge_publish, actor=enterprise_user, rule_set="nobel_prize")
    assert list(fields) == ["rule_set"]


def test_publishing_twice_is_a_conflict(qualified, enterprise_user):
    services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    with pytest.raises(Conflict) as exc:
        services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    assert exc.value.status == 409
    assert Badge.objects.count() == 1 and len(events("evaluation.badge_publish")) == 1


def test_a_badge_is_withdrawn_with_its_audit_event(qualified, enterprise_user):
    badge = services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    services.badge_withdraw(actor=enterprise_user, rule_set="scitech_sme")
    assert not Badge.objects.exists()
    event = events("evaluation.badge_withdraw")[-1]
    assert (event.subject_id, event.old) == (str(badge.pk), {"rule_set": "scitech_sme"})
    with pytest.raises(NotFound):
        services.badge_withdraw(actor=enterprise_user, rule_set="scitech_sme")


def test_badges_are_the_enterprises_own(qualified, enterprise_user, other_enterprise_user, institution_user,
                                        operator_user, observer_user):
    services.badge_publish(actor=enterprise_user, rule_set="scitech_sme")
    for user in (institution_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.badge_publish(actor=user, rule_set="scitech_sme")
        with pytest.raises(PermissionDenied):
            services.badge_withdraw(actor=user, rule_set="scitech_sme")
    with pytest.raises(NotAuthenticated):
        services.badge_withdraw(actor=None, rule_set="scitech_sme")
    # Another enterprise cannot withdraw it: it has no such badge of its own.
    with pytest.raises(NotFound):
        services.badge_withdraw(actor=other_enterprise_user, rule_set="scitech_sme")
    assert Badge.objects.filter(enterprise=qualified).count() == 1


# --------------------------------------------------------------------------- programmes


def programme_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "hengqin-scitech-loan-subsidy", "name_en": "Hengqin sci-tech loan interest subsidy",
        "name_zh_hans": "横琴科技贷款贴息", "benefit_en": "Half the interest of a sci-tech loan, for a year.",
        "sponsor": "Hengqin Guangdong-Macao In-Depth Cooperation Zone", "policy_source": "Test notice",
        "rule": {"and": [{"in": [{"var": "enterprise.jurisdiction"}, ["hengqin", "macao"]]},
                         {"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]}]},
        "cap_amount": "500000.00", "cap_currency": "CNY",
        "active_from": (TODAY - dt.timedelta(days=30)).isoformat(),
        "active_until": (TODAY + dt.timedelta(days=300)).isoformat(),
    }
    data.update(overrides)
    return data


def programme(rule: Any = None, *, code: str = "test-programme", cap: str | None = "500000.00",
              currency: str = "CNY", active_from: dt.date | None = None,
              active_until: dt.date | None = None) -> Programme:
    return Programme.objects.create(
        code=code, name_en=code.replace("-", " ").title(), benefit_en="Money.", rule=rule or PASS_RULE,
        cap_amount=Decimal(cap) if cap else None, cap_currency=currency if cap else "",
        active_from=active_from or TODAY - dt.timedelta(days=10), active_until=active_until,
    )


def test_an_operator_creates_a_programme_with_its_audit_event(operator_user):
    p = services.programme_create(actor=operator_user, data=programme_data())
    p.refresh_from_db()
    assert (p.code, p.name_en, p.cap_amount, p.cap_currency) == (
        "hengqin-scitech-loan-subsidy", "Hengqin sci-tech loan interest subsidy", Decimal("500000.00"), "CNY")
    assert p.active_until == TODAY + dt.timedelta(days=300)
    assert p.rule == programme_data()["rule"]  # the compiled rule's JSON, which reads the same
    event = events("evaluation.programme_create")[-1]
    assert (event.subject_id, event.actor) == (str(p.pk), operator_user)
    assert event.new["code"] == "hengqin-scitech-loan-subsidy" and event.new["cap_currency"] == "CNY"


def test_a_programme_without_a_cap_or_an_end(operator_user):
    p = services.programme_create(actor=operator_user, data=programme_data(cap_amount="", cap_currency="",
                                                                           active_until=""))
    assert (p.cap_amount, p.cap_currency, p.active_until) == (None, "", None)


def test_only_operators_maintain_programmes(enterprise_user, institution_user, observer_user,
                                            pending_enterprise_user, operator_user):
    existing = programme()
    for user in (enterprise_user, institution_user, observer_user, pending_enterprise_user):
        with pytest.raises(PermissionDenied):
            services.programme_create(actor=user, data=programme_data())
        with pytest.raises(PermissionDenied):
            services.programme_update(actor=user, programme_id=existing.pk, data={"name_en": "Mine"})
    with pytest.raises(NotAuthenticated):
        services.programme_create(actor=None, data=programme_data())
    assert Programme.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="evaluation.programme").exists()


@pytest.mark.parametrize(("rule", "says"), [
    ({"and": [{">=": [{"var": "enterprise.employees"}, 10]}, {"==": [{"var": "enterprise.revenu"}, 1]}]},
     "and[1].==[0]: unknown field 'enterprise.revenu'; did you mean 'enterprise.revenue_cny'?"),
    ({"like": [{"var": "enterprise.sector"}, "ai"]}, "unknown operator 'like'"),
    ({">=": [{"var": "enterprise.sector"}, 3]}, "does not apply to 'enterprise.sector'"),
    ({"==": [{"var": "enterprise.jurisdiction"}, "atlantis"]}, "'atlantis' is not a code"),
    ("{not json", "not valid JSON"),
    ({"!": {"!": {"!": {"!": {"!": {"!": {"!": {"!": {"!": {"==": [{"var": "enterprise.employees"}, 1]}}}}}}}}}},
     "nested too deeply: at most 8 levels"),
])
def test_rule_errors_are_reported_under_rule_with_their_path(operator_user, rule, says):
    fields = refused(services.programme_create, actor=operator_user, data=programme_data(rule=rule))
    assert list(fields) == ["rule"]
    assert any(says in message for message in fields["rule"]), fields["rule"]
    assert not Programme.objects.exists()


def test_every_rule_error_is_reported_at_once(operator_user):
    rule = {"and": [{"==": [{"var": "enterprise.nope"}, 1]}, {"==": [{"var": "enterprise.stage"}, "gone"]}]}
    fields = refused(services.programme_create, actor=operator_user, data=programme_data(rule=rule))
    assert [m.split(":")[0] for m in fields["rule"]] == ["and[0].==[0]", "and[1].==[1]"]


def test_a_rule_is_required(operator_user):
    assert refused(services.programme_create, actor=operator_user, data=programme_data(rule=None)) == {
        "rule": ["This field is required."]}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "Hengqin Subsidy"}, "code"),
    ({"code": ""}, "code"),
    ({"name_en": ""}, "name_en"),
    ({"benefit_en": ""}, "benefit_en"),
    ({"active_from": ""}, "active_from"),
    ({"active_from": "yesterday"}, "active_from"),
    ({"active_until": (TODAY - dt.timedelta(days=31)).isoformat()}, "active_until"),
    ({"cap_amount": "500000", "cap_currency": ""}, "cap_currency"),
    ({"cap_amount": "", "cap_currency": "CNY"}, "cap_amount"),
    ({"cap_amount": "-5", "cap_currency": "CNY"}, "cap_amount"),
    ({"cap_amount": "500000", "cap_currency": "XYZ"}, "cap_currency"),
])
def test_programme_fields_are_checked(operator_user, overrides, field):
    fields = refused(services.programme_create, actor=operator_user, data=programme_data(**overrides))
    assert field in fields
    assert not Programme.objects.exists()


def test_a_programme_code_is_unique(operator_user):
    services.programme_create(actor=operator_user, data=programme_data())
    fields = refused(services.programme_create, actor=operator_user, data=programme_data(name_en="Again"))
    assert list(fields) == ["code"]
    assert Programme.objects.count() == 1


def test_an_operator_updates_some_fields_and_the_audit_keeps_the_difference(operator_user):
    p = services.programme_create(actor=operator_user, data=programme_data())
    services.programme_update(actor=operator_user, programme_id=p.pk,
                              data={"name_en": "Hengqin loan subsidy", "cap_amount": "800000.00",
                                    "code": "renamed", "rule": PASS_RULE})
    p.refresh_from_db()
    assert (p.code, p.name_en, p.cap_amount) == ("hengqin-scitech-loan-subsidy", "Hengqin loan subsidy",
                                                  Decimal("800000.00"))
    assert p.benefit_en == programme_data()["benefit_en"]  # fields not given keep their values
    event = events("evaluation.programme_update")[-1]
    assert set(event.new) == {"name_en", "cap_amount", "rule"}
    assert event.old["name_en"] == "Hengqin sci-tech loan interest subsidy"
    # Nothing changed: nothing audited.
    services.programme_update(actor=operator_user, programme_id=p.pk, data={"name_en": "Hengqin loan subsidy"})
    assert len(events("evaluation.programme_update")) == 1


def test_a_refused_update_changes_nothing(operator_user):
    p = services.programme_create(actor=operator_user, data=programme_data())
    fields = refused(services.programme_update, actor=operator_user, programme_id=p.pk,
                     data={"name_en": "New", "rule": {"==": [{"var": "enterprise.colour"}, "red"]}})
    assert list(fields) == ["rule"]
    fields = refused(services.programme_update, actor=operator_user, programme_id=p.pk,
                     data={"active_until": (TODAY - dt.timedelta(days=60)).isoformat()})
    assert list(fields) == ["active_until"]
    p.refresh_from_db()
    assert p.name_en == "Hengqin sci-tech loan interest subsidy"
    assert not events("evaluation.programme_update")
    with pytest.raises(NotFound):
        services.programme_update(actor=operator_user, programme_id=999_999, data={})


# --------------------------------------------------------------------------- applications


def test_an_eligible_enterprise_applies_and_its_eligibility_is_recorded(enterprise, enterprise_user):
    p = programme(PASS_RULE)
    app = services.application_submit(actor=enterprise_user, programme_id=p.pk,
                                      data={"amount": "300000.00", "note": "For our tape-out loan."})
    app.refresh_from_db()
    assert (app.status, app.enterprise, app.submitted_by) == ("submitted", enterprise, enterprise_user)
    assert (app.amount, app.currency, app.note) == (Decimal("300000.00"), "CNY", "For our tape-out loan.")
    assert app.eligibility == {"status": "pass", "failures": [], "unknown": []}
    event = events("evaluation.application_submit")[-1]
    assert event.subject_id == str(app.pk) and event.organisation_id == enterprise.organisation_id
    assert event.new["programme"] == "test-programme" and event.new["currency"] == "CNY"


def test_eligibility_may_read_the_evaluation_results(qualified, enterprise_user):
    p = programme({"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]})
    app = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    assert app.eligibility["status"] == "pass"
    assert (app.amount, app.currency) == (None, "")


def test_an_enterprise_that_is_not_eligible_is_told_which_conditions_fail(enterprise, enterprise_user):
    p = programme({"and": [PASS_RULE, FAIL_RULE]})
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    message = str(exc.value.message)
    assert "Employees is at least 1,000 (yours: 60)" in message
    assert "at least 10" not in message  # the condition it meets is not named
    assert not ProgrammeApplication.objects.exists() and not events("evaluation.application_submit")


def test_an_enterprise_whose_eligibility_is_unknown_is_told_what_is_missing(enterprise, enterprise_user):
    p = programme(UNKNOWN_RULE)  # no complete year of statements: revenue unknown
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    assert "Revenue in the latest year" in str(exc.value.message)
    assert not ProgrammeApplication.objects.exists()


@pytest.mark.parametrize("period", ["ended", "not_started"])
def test_a_closed_programme_takes_no_applications(enterprise, enterprise_user, period):
    if period == "ended":
        p = programme(active_from=TODAY - dt.timedelta(days=60), active_until=TODAY - dt.timedelta(days=1))
    else:
        p = programme(active_from=TODAY + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    assert not ProgrammeApplication.objects.exists()


def test_a_programme_open_until_today_still_takes_applications(enterprise, enterprise_user):
    p = programme(active_from=TODAY, active_until=TODAY)
    assert services.application_submit(actor=enterprise_user, programme_id=p.pk, data={}).status == "submitted"


@pytest.mark.parametrize(("data", "field"), [
    ({"amount": "500000.01"}, "amount"),
    ({"amount": "100000", "currency": "HKD"}, "currency"),
    ({"amount": "100000", "currency": "XYZ"}, "currency"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "a lot"}, "amount"),
])
def test_the_amount_asked_is_checked_against_the_cap(enterprise, enterprise_user, data, field):
    p = programme(PASS_RULE, cap="500000.00")
    fields = refused(services.application_submit, actor=enterprise_user, programme_id=p.pk, data=data)
    assert field in fields
    assert not ProgrammeApplication.objects.exists()


def test_the_cap_itself_may_be_asked(enterprise, enterprise_user):
    p = programme(PASS_RULE, cap="500000.00")
    app = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={"amount": "500000.00"})
    assert app.amount == Decimal("500000.00")


def test_a_pending_organisation_cannot_apply(pending_enterprise, pending_enterprise_user):
    p = programme(PASS_RULE)
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=pending_enterprise_user, programme_id=p.pk, data={})
    assert not ProgrammeApplication.objects.exists()


def test_other_roles_cannot_apply(institution_user, operator_user, observer_user):
    p = programme(PASS_RULE)
    for user in (institution_user, operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.application_submit(actor=user, programme_id=p.pk, data={})
    with pytest.raises(NotAuthenticated):
        services.application_submit(actor=None, programme_id=p.pk, data={})


def test_a_second_open_application_is_a_conflict(enterprise, enterprise_user, operator_user):
    p = programme(PASS_RULE)
    first = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    with pytest.raises(Conflict):
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    # Approved still counts: one benefit per enterprise.
    services.application_decide(actor=operator_user, application_id=first.pk, decision="approve")
    with pytest.raises(Conflict):
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    assert ProgrammeApplication.objects.count() == 1


def test_after_a_withdrawal_or_a_rejection_the_enterprise_may_apply_again(enterprise, enterprise_user,
                                                                          operator_user):
    p = programme(PASS_RULE)
    first = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    services.application_withdraw(actor=enterprise_user, application_id=first.pk)
    second = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    services.application_decide(actor=operator_user, application_id=second.pk, decision="reject",
                                note="The loan is not for sci-tech purposes.")
    third = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    assert [a.status for a in ProgrammeApplication.objects.order_by("id")] == [
        "withdrawn", "rejected", "submitted"]
    assert third.pk != second.pk


def test_an_enterprise_withdraws_only_its_own_submitted_application(enterprise, enterprise_user,
                                                                    other_enterprise_user, operator_user,
                                                                    institution_user):
    p = programme(PASS_RULE)
    app = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    with pytest.raises(NotFound):
        services.application_withdraw(actor=other_enterprise_user, application_id=app.pk)
    for user in (operator_user, institution_user):
        with pytest.raises(PermissionDenied):
            services.application_withdraw(actor=user, application_id=app.pk)
    app = services.application_withdraw(actor=enterprise_user, application_id=app.pk)
    assert app.status == ApplicationStatus.WITHDRAWN
    event = events("evaluation.application_withdraw")[-1]
    assert (event.old, event.new, event.actor) == ({"status": "submitted"}, {"status": "withdrawn"},
                                                   enterprise_user)
    with pytest.raises(Conflict):
        services.application_withdraw(actor=enterprise_user, application_id=app.pk)
    assert len(events("evaluation.application_withdraw")) == 1


def test_a_decided_application_cannot_be_withdrawn(enterprise, enterprise_user, operator_user):
    p = programme(PASS_RULE)
    app = services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})
    services.application_decide(actor=operator_user, application_id=app.pk, decision="approve")
    with pytest.raises(Conflict):
        services.application_withdraw(actor=enterprise_user, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == "approved"


@pytest.fixture
def submitted(enterprise: Any, enterprise_user: Any) -> ProgrammeApplication:
    p = programme(PASS_RULE, cap="500000.00")
    return services.application_submit(actor=enterprise_user, programme_id=p.pk, data={"amount": "400000"})


def test_an_operator_approves_within_the_cap(submitted, operator_user):
    app = services.application_decide(actor=operator_user, application_id=submitted.pk, decision="approve",
                                      amount_granted="350000.00", note="Loan contract seen.")
    app.refresh_from_db()
    assert (app.status, app.amount_granted, app.currency) == ("approved", Decimal("350000.00"), "CNY")
    assert app.decided_by == operator_user and app.decided_at is not None
    assert app.decision_note == "Loan contract seen."
    event = events("evaluation.application_decide")[-1]
    assert event.old == {"status": "submitted"}
    assert event.new == {"status": "approved", "amount_granted": "350000.00", "note": "Loan contract seen."}
    assert event.organisation_id == submitted.enterprise.organisation_id


def test_an_approval_over_the_cap_is_refused(submitted, operator_user):
    fields = refused(services.application_decide, actor=operator_user, application_id=submitted.pk,
                     decision="approve", amount_granted="500000.01")
    assert list(fields) == ["amount_granted"]
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not events("evaluation.application_decide")


def test_a_rejection_needs_a_reason(submitted, operator_user):
    assert list(refused(services.application_decide, actor=operator_user, application_id=submitted.pk,
                        decision="reject", note="  ")) == ["note"]
    app = services.application_decide(actor=operator_user, application_id=submitted.pk, decision="reject",
                                      note="Outside the zone.")
    assert (app.status, app.decision_note, app.amount_granted) == ("rejected", "Outside the zone.", None)


def test_an_unknown_decision_is_refused(submitted, operator_user):
    assert list(refused(services.application_decide, actor=operator_user, application_id=submitted.pk,
                        decision="maybe")) == ["decision"]


def test_deciding_twice_is_a_conflict(submitted, operator_user):
    services.application_decide(actor=operator_user, application_id=submitted.pk, decision="approve")
    with pytest.raises(Conflict) as exc:
        services.application_decide(actor=operator_user, application_id=submitted.pk, decision="reject",
                                    note="Changed my mind.")
    assert exc.value.status == 409
    submitted.refresh_from_db()
    assert submitted.status == "approved" and len(events("evaluation.application_decide")) == 1


def test_only_operators_decide(submitted, enterprise_user, institution_user, observer_user, operator_user):
    for user in (enterprise_user, institution_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.application_decide(actor=user, application_id=submitted.pk, decision="approve")
    with pytest.raises(NotAuthenticated):
        services.application_decide(actor=None, application_id=submitted.pk, decision="approve")
    with pytest.raises(NotFound):
        services.application_decide(actor=operator_user, application_id=999_999, decision="approve")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_each_enterprise_has_its_own_applications(enterprise_user, other_enterprise, other_enterprise_user):
    FinancialStatementFactory(enterprise=other_enterprise, year=LAST)
    p = programme(UNKNOWN_RULE)
    app = services.application_submit(actor=other_enterprise_user, programme_id=p.pk, data={})
    assert app.enterprise == other_enterprise
    with pytest.raises(ValidationFailed):  # the first enterprise has no statements: unknown
        services.application_submit(actor=enterprise_user, programme_id=p.pk, data={})



def test_percentage_answers_are_stored_as_plain_numbers(enterprise, enterprise_user):
    services.declarations_save(actor=enterprise_user, data={"high_tech_income_share": "62.500",
                                                            "rd_in_china_share": "1e1"})
    answers = {d.question: d.answer for d in Declaration.objects.filter(enterprise=enterprise)}
    assert answers == {"high_tech_income_share": "62.5", "rd_in_china_share": "10"}


def test_evaluation_rows_carry_their_day_as_a_date(enterprise, enterprise_user):
    rows = services.evaluation_run(enterprise_id=enterprise.pk, trigger="test")
    assert rows and all(isinstance(r.as_of, dt.date) for r in rows)
