"""Loading the demo data through the management commands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bayfin.accounts.models import Organisation, OrganisationStatus, User
from bayfin.common.models import AuditEvent
from bayfin.common.money import Money
from bayfin.demo import programmes as demo_programmes
from bayfin.demo.loader import DEMO_PASSWORD
from bayfin.enterprises.models import Enterprise, FinancialStatement
from bayfin.evaluation.engine.rulesets import CURRENT
from bayfin.evaluation.models import (
    Badge,
    Declaration,
    Evaluation,
    EvaluationStatus,
    Programme,
    ProgrammeApplication,
)
from bayfin.evaluation.selectors import (
    QUESTIONS,
    application_list_for_operator,
    compiled_rule,
    declarations_own,
    latest_evaluations,
    programmes_for_enterprise,
    result_of,
    shown_badges,
)
from bayfin.financing.models import Deal, DealEvent, FinancingRequest
from bayfin.fx import seed as fx_seed
from bayfin.fx.engine.rates import Rate, RateBook, check_rate
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from bayfin.fx.selectors import (
    RateMissing,
    channel_answer,
    channels_open_to_request,
    convert,
    limits_for_enterprise,
)
from bayfin.institutions.models import Institution, Product

SMALL = ["--enterprises", "60", "--institutions", "30", "--products", "45", "--requests", "50",
         "--deals", "30", "--seed", "3", "--today", "2026-03-01"]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return run("demo_seed", "--if-empty", *SMALL)


def test_demo_seed_loads_a_small_data_set_and_a_second_run_creates_nothing(seeded):
    assert "Enterprise" in seeded
    assert Enterprise.objects.count() == 60
    assert Institution.objects.count() == 30
    assert Product.objects.count() == 45
    # 50 generated; the demo pipeline posts two (one funded by a loan and an investment, one
    # with a VC's term sheet waiting) through the services.
    assert FinancingRequest.objects.count() == 52
    assert Deal.objects.count() == 33
    assert DealEvent.objects.count() >= 30
    assert FinancialStatement.objects.exists()
    assert AuditEvent.objects.filter(action="demo.seeded").count() == 1
    orgs = Organisation.objects.count()
    users = User.objects.count()

    again = run("demo_seed", "--if-empty", *SMALL)
    assert "not loaded" in again
    assert (Organisation.objects.count(), User.objects.count()) == (orgs, users)
    with pytest.raises(CommandError):
        run("demo_seed", *SMALL)


def test_statuses_and_history_survive_loading(seeded):
    assert set(FinancingRequest.objects.values_list("status", flat=True)) == {
        "draft", "open", "in_progress", "funded", "closed", "withdrawn", "expired"}
    # The generated stages, and the pipeline the demo walks through the services.
    assert set(Deal.objects.values_list("stage", flat=True)) >= {
        "interest", "accepted", "declined", "withdrawn", "closed", "term_sheet", "repaying", "invested"}
    deal = Deal.objects.filter(stage="accepted", events__to_stage="accepted").first()
    events = list(deal.events.all())
    assert [e.to_stage for e in events] == ["interest", "accepted"]
    assert events[0].at < events[1].at
    assert Organisation.objects.filter(status=OrganisationStatus.PENDING).exists()


def test_the_demo_pipeline_funds_a_request_with_two_deals_and_leaves_steps_to_try(seeded):
    from bayfin.consent.models import ConsentGrant
    from bayfin.documents.models import Document
    from bayfin.financing.models import TermSheet

    funded = FinancingRequest.objects.get(title__startswith="Series A")
    assert funded.status == "funded"
    assert sorted(funded.deals.values_list("stage", flat=True)) == ["invested", "repaying"]
    loan = funded.deals.get(stage="repaying")
    assert loan.instalments.count() == 24 and loan.payments.count() == 5 and loan.days_past_due == 0
    # What a demo user can do next: confirm a consent, confirm a term sheet.
    assert ConsentGrant.objects.filter(status="proposed", cross_border=True).exists()
    assert TermSheet.objects.filter(status="proposed", proposed_side="institution").exists()
    assert Document.objects.filter(enterprise=funded.enterprise).count() == 2


@pytest.mark.parametrize(("email", "kind", "is_admin", "status"), [
    ("operator@bayfin.demo", "operator", True, "verified"),
    ("observer@bayfin.demo", "observer", True, "verified"),
    ("enterprise@bayfin.demo", "enterprise", True, "verified"),
    ("enterprise2@bayfin.demo", "enterprise", False, "verified"),
    ("pending@bayfin.demo", "enterprise", True, "pending"),
    ("institution@bayfin.demo", "institution", True, "verified"),
    ("vc@bayfin.demo", "institution", True, "verified"),
])
def test_demo_logins_exist_with_their_roles_and_the_password_works(seeded, email, kind, is_admin, status):
    user = User.objects.get(email=email)
    assert user.role == kind
    assert user.is_org_admin is is_admin
    assert user.organisation.status == status
    assert Client().login(username=email, password=DEMO_PASSWORD)


def test_demo_accounts_have_what_the_walkthrough_needs(seeded):
    operator = User.objects.get(email="operator@bayfin.demo")
    assert operator.is_staff and operator.is_superuser
    ent = User.objects.get(email="enterprise@bayfin.demo").organisation.enterprise
    assert ent.statements.count() == 3 and ent.beneficial_owners.exists() and ent.certifications.exists()
    assert ent.financing_requests.filter(status="open").exists()
    assert Deal.objects.filter(request__enterprise=ent, stage="interest").exists()
    assert User.objects.get(email="enterprise@bayfin.demo").organisation == \
        User.objects.get(email="enterprise2@bayfin.demo").organisation
    bank = User.objects.get(email="institution@bayfin.demo").organisation.institution
    assert bank.kind == "macao_bank" and bank.products.exists()
    assert Deal.objects.filter(institution=bank).values("stage").distinct().count() >= 3
    assert User.objects.get(email="vc@bayfin.demo").organisation.institution.kind == "venture_capital"


def test_generated_users_cannot_sign_in(seeded):
    generated = User.objects.filter(email__endswith="@generated.bayfin.demo")
    assert generated.exists()
    assert not any(u.has_usable_password() for u in generated[:50])


def test_demo_logins_command_prints_the_table(seeded):
    out = run("demo_logins")
    assert "http://127.0.0.1:8000/" in out
    for name in ("operator", "enterprise", "enterprise2", "pending", "institution", "vc", "observer"):
        assert f"{name}@bayfin.demo" in out
    assert DEMO_PASSWORD in out


def test_demo_logins_on_an_empty_database(db):
    assert "No demo logins" in run("demo_logins")


def test_demo_scale_streams_enterprises_in_batches(seeded):
    before = Enterprise.objects.count()
    out = run("demo_scale", "--enterprises", "250", "--batch", "100", "--statements")
    assert "Wrote" in out
    assert Enterprise.objects.count() == before + 250
    assert Organisation.objects.filter(enterprise__isnull=False).count() == before + 250
    assert FinancialStatement.objects.filter(enterprise__registration_number__isnull=False).count() > 250


# ---------------------------------------------------------------------------------------
# Cross-border money in the demo: reference data, rates, channels, limits

SMALL_NOW = SMALL[:-2]  # the same sizes, generated for today (conversions need today's rates)


@pytest.fixture
def seeded_now(db):
    return run("demo_seed", "--if-empty", *SMALL_NOW)


def test_demo_seed_on_an_empty_database_seeds_channels_limit_parameters_and_rates(seeded_now):
    assert Channel.objects.count() == len(fx_seed.CHANNELS)
    assert set(Channel.objects.values_list("code", flat=True)) == {c["code"] for c in fx_seed.CHANNELS}
    assert set(LimitParameterSet.objects.values_list("effective_from", flat=True)) == {
        p["effective_from"] for p in fx_seed.LIMIT_PARAMETER_SETS}
    # The reference data went through its service, which audits each row.
    assert AuditEvent.objects.filter(action="fx.channel_seed").count() == len(fx_seed.CHANNELS)
    assert AuditEvent.objects.filter(action="fx.limit_parameters_seed").count() == len(fx_seed.LIMIT_PARAMETER_SETS)

    today = timezone.localdate()
    days = sorted(set(FxRate.objects.values_list("day", flat=True)))
    assert all(d.weekday() < 5 for d in days) and len(days) >= 280
    assert today - timedelta(days=3) <= days[-1] <= today
    assert days[0] >= today - timedelta(days=399)
    assert set(FxRate.objects.values_list("base", "quote").distinct()) == {
        ("USD", "CNY"), ("USD", "HKD"), ("HKD", "MOP"), ("USD", "MOP"), ("HKD", "CNY"), ("EUR", "USD"),
        ("EUR", "CNY")}
    event = AuditEvent.objects.get(action="demo.seeded")
    assert event.new["FxRate"] == FxRate.objects.count()
    assert event.new["fx"]["rates"] == FxRate.objects.count()
    assert event.new["fx"]["rates_to"] == days[-1].isoformat()
    assert event.new["fx"]["channels_seeded"] == len(fx_seed.CHANNELS)
    assert "FxRate" in seeded_now and "Channel" in seeded_now


def test_conversion_from_patacas_to_renminbi_works_today_after_demo_seed(seeded_now):
    conversion = convert(Money(Decimal("10300000"), "MOP"), "CNY")
    assert conversion.result.currency == "CNY"
    assert Decimal("9000000") < conversion.result.amount < Decimal("9700000")
    assert conversion.rate_day is not None and timezone.localdate() - conversion.rate_day <= timedelta(days=3)
    for currency in ("HKD", "USD", "EUR"):
        assert convert(Money(Decimal("1000"), "MOP"), currency).result.currency == currency


def test_every_demo_deal_with_a_product_has_the_channel_the_channel_answer_gives(seeded_now):
    deals = Deal.objects.select_related("request__enterprise__organisation", "product__institution__organisation",
                                        "channel")
    with_product = [d for d in deals if d.product_id]
    assert with_product
    for deal in deals:
        if deal.product_id is None:
            assert deal.channel is None
            continue
        best = channel_answer(deal.request, deal.product).best
        assert best is not None, deal
        assert deal.channel is not None and deal.channel.code == best.code
    shown = {d.channel.code for d in with_product}
    assert {"cross-border-rmb-loan", "qflp-equity", "mainland-bank-to-macao", "domestic-mainland"} <= shown


def test_the_demo_shows_the_channels_between_macao_and_the_mainland(seeded_now):
    bank = User.objects.get(email="institution@bayfin.demo").organisation.institution
    assert bank.kind == "macao_bank" and bank.organisation.jurisdiction == "macao"
    loans = bank.products.filter(status="published", instrument="credit_loan")
    assert loans.filter(ticket_currency="CNY").exists()
    assert loans.filter(ticket_currency__in=["MOP", "HKD"]).exists()
    vc = User.objects.get(email="vc@bayfin.demo").organisation.institution
    assert vc.organisation.jurisdiction == "macao"
    assert vc.products.filter(status="published", instrument="equity", ticket_currency__in=["USD", "MOP"]).exists()
    assert Product.objects.filter(status="published", ticket_currency="CNY", institution__kind="commercial_bank",
                                  institution__organisation__jurisdiction__in=["zhuhai", "hengqin"]).exists()
    assert Enterprise.objects.filter(organisation__jurisdiction="macao",
                                     organisation__status=OrganisationStatus.VERIFIED,
                                     financing_requests__status="open").exists()

    # The demo enterprise's preferred channels are open to its requests.
    ent = User.objects.get(email="enterprise@bayfin.demo").organisation.enterprise
    preferred = {r.channel.code: r for r in ent.financing_requests.filter(channel__isnull=False)}
    assert set(preferred) == {"cross-border-rmb-loan", "qflp-equity"}
    for req in preferred.values():
        assert req.status == "open" and req.channel in channels_open_to_request(req)

    # A CNY loan from the Macao bank is a cross-border RMB loan; its MOP loan is foreign debt.
    loan_request = preferred["cross-border-rmb-loan"]
    cny = loans.get(ticket_currency="CNY")
    assert channel_answer(loan_request, cny).best.code == "cross-border-rmb-loan"
    mop = loans.exclude(ticket_currency="CNY").first()
    assert channel_answer(loan_request, mop).best.code == "cross-border-direct-loan"


def test_the_demo_enterprises_limits_compute_with_its_declared_debts(seeded_now):
    ent = User.objects.get(email="enterprise@bayfin.demo").organisation.enterprise
    debts = list(ent.cross_border_debts.all())
    assert 1 <= len(debts) <= 2 and all(d.channel is not None for d in debts)
    limits = limits_for_enterprise(ent, amount=Money(Decimal("5000000"), "USD"), term_months=24)
    assert limits.missing_rates == []
    assert limits.mpa.applies and limits.mpa.limit > 0 and limits.mpa.balance > 0
    assert limits.facilitation.applies  # HNTE or SRDI, in a pilot area
    assert limits.facilitation.balance > Decimal("1000000")  # the debts, in USD
    assert len(limits.texts()) == 2


def test_demo_seed_twice_changes_nothing_the_second_time(seeded_now):
    before = (FxRate.objects.count(), Channel.objects.count(), LimitParameterSet.objects.count(),
              CrossBorderDebt.objects.count(), AuditEvent.objects.count())
    out = run("demo_seed", "--if-empty", *SMALL_NOW)
    assert "not loaded" in out and "rates added" not in out
    assert (FxRate.objects.count(), Channel.objects.count(), LimitParameterSet.objects.count(),
            CrossBorderDebt.objects.count(), AuditEvent.objects.count()) == before


def test_starting_the_demo_on_a_later_day_carries_the_rates_on_to_that_day(db):
    today = timezone.localdate()
    run("demo_seed", "--if-empty", *SMALL_NOW, "--today", (today - timedelta(days=15)).isoformat())
    with pytest.raises(RateMissing):
        convert(Money(Decimal("1000"), "MOP"), "CNY")  # a fortnight-old rate is not used

    out = run("demo_seed", "--if-empty", *SMALL_NOW)
    assert "rates added" in out
    assert convert(Money(Decimal("1000"), "MOP"), "CNY").result.currency == "CNY"
    assert AuditEvent.objects.filter(action="demo.rates_extended").count() == 1
    # The added rates pass the entry checks against each day's others.
    book = RateBook()
    for row in FxRate.objects.order_by("day", "id"):
        rate = Rate(row.day, row.base, row.quote, row.rate, row.source)
        check_rate(rate, book, today=today)
        book.add(rate)
    count = FxRate.objects.count()
    assert "rates added" not in run("demo_seed", "--if-empty", *SMALL_NOW)
    assert FxRate.objects.count() == count


def test_the_demo_rates_are_never_carried_on_past_an_operators_rate(db):
    today = timezone.localdate()
    run("demo_seed", "--if-empty", *SMALL_NOW, "--today", (today - timedelta(days=15)).isoformat())
    FxRate.objects.create(day=today - timedelta(days=3), base="USD", quote="CNY", rate=Decimal("7.2"),
                          source="Operator entry")
    count = FxRate.objects.count()
    assert "rates added" not in run("demo_seed", "--if-empty", *SMALL_NOW)
    assert FxRate.objects.count() == count


# ---------------------------------------------------------------------------------------
# Evaluations, badges, programmes and applications in the demo


def test_every_enterprise_is_evaluated_and_the_demo_logins_show_a_qualification_and_gap_advice(seeded_now):
    enterprises = Enterprise.objects.count()
    assert Evaluation.objects.values_list("enterprise", "rule_set").distinct().count() == enterprises * len(CURRENT)
    assert set(Evaluation.objects.values_list("trigger", flat=True)) == {"demo"}
    assert Declaration.objects.values("enterprise").distinct().count() == enterprises
    assert any(result_of(e).missing and set(result_of(e).missing) & set(QUESTIONS)
               for e in Evaluation.objects.filter(rule_set="scitech_sme"))  # some leave questions unanswered

    user = User.objects.get(email="enterprise@bayfin.demo")
    ent = user.organisation.enterprise
    latest = latest_evaluations(ent)
    assert latest["scitech_sme"].status == EvaluationStatus.QUALIFIED
    hnte = result_of(latest["hnte"])  # cannot tell yet, only for want of the experts' parts
    assert hnte.status == "undetermined" and all(c.status == "met" for c in hnte.conditions)
    assert set(hnte.missing) == {"hnte_ip_quality", "hnte_transformation", "hnte_rd_management"}
    assert shown_badges([ent.pk]) == {ent.pk: ["scitech_sme"]}
    assert set(declarations_own(user)) == set(QUESTIONS) - {"macao_tier"}

    pending = User.objects.get(email="pending@bayfin.demo").organisation.enterprise
    result = result_of(latest_evaluations(pending)["scitech_sme"])
    assert result.status == "not_qualified" and all(c.status == "met" for c in result.conditions)
    assert 40 <= result.score < 60 and result.advice and not result.missing

    # A badge shows exactly while the latest evaluation of its rule set qualifies.
    badges = list(Badge.objects.select_related("enterprise__organisation"))
    assert len(badges) > 1
    for badge in badges:
        assert badge.enterprise.organisation.status == OrganisationStatus.VERIFIED
        assert badge.shown == (latest_evaluations(badge.enterprise)[badge.rule_set].status == "qualified")


def test_three_programmes_a_few_applications_and_the_demo_enterprise_eligible_for_some(seeded_now):
    programmes = list(Programme.objects.all())
    assert {p.code for p in programmes} == set(demo_programmes.CODES)
    assert AuditEvent.objects.filter(action="evaluation.programme_create").count() == len(programmes)
    for programme in programmes:
        assert compiled_rule(programme).to_json() == programme.rule
        assert all(getattr(programme, name) for name in (*Programme.NAME_FIELDS, *Programme.BENEFIT_FIELDS))
        assert programme.sponsor and programme.policy_source and programme.cap_amount and programme.cap_currency
        assert programme.is_open_on(timezone.localdate())

    views = programmes_for_enterprise(User.objects.get(email="enterprise@bayfin.demo"))
    statuses = {v.programme.code: v.eligibility.status for v in views}
    assert "pass" in statuses.values() and "fail" in statuses.values()
    assert all(v.application is None for v in views)  # the demo user can apply

    applications = list(ProgrammeApplication.objects.select_related("enterprise__organisation"))
    assert 4 <= len(applications) <= 6
    operator = User.objects.get(email="operator@bayfin.demo")
    kinds = [a.status for a in applications]
    assert kinds.count("submitted") >= 2 and "approved" in kinds and "rejected" in kinds
    for app in applications:
        assert app.eligibility["status"] == "pass" and app.eligibility["failures"] == []
        assert app.enterprise.organisation.status == OrganisationStatus.VERIFIED
        assert app.amount <= app.programme.cap_amount and app.currency == app.programme.cap_currency
        assert (app.decided_by == operator) == (app.status != "submitted")
        assert app.decided_at is None or app.decided_at > app.created_at
    assert application_list_for_operator(operator, {"status": "submitted"}).count() == kinds.count("submitted")
