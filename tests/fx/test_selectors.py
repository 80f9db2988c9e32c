"""fx selectors against the database: conversion through the one rate table, the viewer's
reference currency, the channel catalogue, the limits of an enterprise, and the channel
assessment of a request and a product for each role.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.money import Money
from bayfin.common.validation import FieldErrors
from bayfin.fx import selectors, services
from bayfin.fx.engine.limits import FACILITATION_QUOTA
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from tests.conftest import member_of
from tests.factories import (
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    OrganisationFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=3)


def stored(day: dt.date, base: str, quote: str, rate: str) -> FxRate:
    return FxRate.objects.create(day=day, base=base, quote=quote, rate=Decimal(rate), source="test")


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


# --------------------------------------------------------------------------- convert


def test_direct_inverse_and_pivot_conversions_use_the_stored_rates():
    stored(DAY, "USD", "CNY", "7.1000")
    stored(DAY, "EUR", "USD", "1.0800")

    direct = selectors.convert(money("100", "USD"), "CNY", DAY)
    assert direct.result == money("710.00", "CNY") and direct.path == "direct"
    assert direct.rate_day == DAY and direct.legs[0].rate == Decimal("7.1")

    inverse = selectors.convert(money("710", "CNY"), "USD", DAY)
    assert inverse.result == money("100.00", "USD") and inverse.path == "inverse"

    pivot = selectors.convert(money("100", "EUR"), "CNY", DAY)
    assert pivot.result == money("766.80", "CNY") and pivot.path == "pivot:USD"
    assert [(leg.base, leg.quote) for leg in pivot.legs] == [("EUR", "USD"), ("USD", "CNY")]

    assert selectors.convert(money("5", "CNY"), "CNY", DAY).result == money("5", "CNY")


def test_the_latest_rate_within_the_window_is_used_and_dated():
    stored(DAY - dt.timedelta(days=5), "USD", "CNY", "7.0000")
    stored(DAY - dt.timedelta(days=2), "USD", "CNY", "7.2000")
    conversion = selectors.convert(money("100", "USD"), "CNY", DAY)
    assert conversion.result == money("720.00", "CNY")
    assert conversion.rate_day == DAY - dt.timedelta(days=2)
    # A later rate does not serve an earlier date.
    assert selectors.convert(money("100", "USD"), "CNY", DAY - dt.timedelta(days=3)).result == money("700.00", "CNY")


def test_the_issue_example_mop_to_cny():
    day = dt.date(2026, 11, 27)
    stored(day, "HKD", "MOP", "1.0300")
    stored(day, "HKD", "CNY", "0.9148")
    conversion = selectors.convert(money("10300000", "MOP"), "CNY", day)
    assert conversion.result == money("9148000.00", "CNY")
    assert conversion.path == "pivot:HKD" and conversion.rate_day == day


def test_no_rate_in_the_window_is_a_clear_error_naming_the_pair_and_the_newest_date(settings):
    settings.BAYFIN_FX_MAX_RATE_AGE_DAYS = 7
    old = DAY - dt.timedelta(days=10)
    stored(old, "USD", "CNY", "7.1000")
    with pytest.raises(selectors.RateMissing) as exc:
        selectors.convert(money("100", "USD"), "CNY", DAY)
    message = str(exc.value.message)
    assert "USD/CNY" in message and "7 days" in message
    assert f"The newest is from {old:%b} {old.day}, {old.year}." in message
    assert exc.value.code == "rate_unavailable"
    assert selectors.convert_or_none(money("100", "USD"), "CNY", DAY) is None

    # The window is the setting: widened, the same rate serves.
    settings.BAYFIN_FX_MAX_RATE_AGE_DAYS = 10
    assert selectors.convert(money("100", "USD"), "CNY", DAY).result == money("710.00", "CNY")


def test_an_amount_shown_without_a_rate_costs_no_query(django_assert_num_queries):
    stored(DAY - dt.timedelta(days=30), "USD", "CNY", "7.1000")
    book = selectors.rate_book(DAY)
    with django_assert_num_queries(0):
        assert selectors.convert_or_none(money("100", "USD"), "CNY", DAY, book=book) is None


def test_no_rate_at_all_says_so_without_a_newest_date():
    with pytest.raises(selectors.RateMissing) as exc:
        selectors.convert(money("100", "EUR"), "MOP", DAY)
    assert "EUR/MOP" in str(exc.value.message) and "newest" not in str(exc.value.message)
    assert exc.value.fields["currency"]


def test_a_rate_after_the_date_is_not_the_newest_before_it():
    stored(DAY, "USD", "CNY", "7.1000")
    with pytest.raises(selectors.RateMissing) as exc:
        selectors.convert(money("100", "USD"), "CNY", DAY - dt.timedelta(days=30))
    assert "newest" not in str(exc.value.message)


# --------------------------------------------------------------------------- reference currency


def test_reference_currency_is_the_home_currency_of_the_viewer(
        enterprise_user, institution_user, operator_user, observer_user):
    assert selectors.reference_currency_for(enterprise_user) == "CNY"  # Hengqin
    assert selectors.reference_currency_for(institution_user) == "MOP"  # a Macao bank
    assert selectors.reference_currency_for(operator_user) == "CNY"
    assert selectors.reference_currency_for(observer_user) == "CNY"
    assert selectors.reference_currency_for(None) == "CNY"
    hong_kong = member_of(OrganisationFactory(kind="institution", jurisdiction="hong_kong"))
    assert selectors.reference_currency_for(hong_kong) == "HKD"
    macao_enterprise = member_of(EnterpriseFactory(organisation__jurisdiction="macao").organisation)
    assert selectors.reference_currency_for(macao_enterprise) == "MOP"
    zhuhai = member_of(EnterpriseFactory(organisation__jurisdiction="zhuhai").organisation)
    assert selectors.reference_currency_for(zhuhai) == "CNY"


# --------------------------------------------------------------------------- rate list


def test_every_signed_in_user_reads_rates_with_filters(enterprise_user, observer_user, operator_user):
    stored(DAY, "USD", "CNY", "7.1")
    stored(DAY - dt.timedelta(days=1), "USD", "CNY", "7.2")
    stored(DAY, "HKD", "MOP", "1.03")
    assert selectors.rate_list_for(observer_user).count() == 3
    rows = selectors.rate_list_for(enterprise_user, {"base": "USD", "day_from": DAY.isoformat()})
    assert [r.rate for r in rows] == [Decimal("7.1")]
    assert selectors.rate_list_for(enterprise_user, {"day_to": DAY - dt.timedelta(days=1)}).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        selectors.rate_list_for(enterprise_user, {"day_from": "yesterday"})
    assert "day_from" in exc.value.fields
    with pytest.raises(NotAuthenticated):
        selectors.rate_list_for(None)
    row = FxRate.objects.get(base="HKD")
    assert selectors.rate_get_for_operator(operator_user, row.pk) == row
    with pytest.raises(PermissionDenied):
        selectors.rate_get_for_operator(enterprise_user, row.pk)
    with pytest.raises(NotFound):
        selectors.rate_get_for_operator(operator_user, row.pk + 1000)


# --------------------------------------------------------------------------- channels


@pytest.fixture
def seeded(db: Any) -> None:
    services.reference_data_seed()


def test_an_inactive_channel_is_hidden_from_everyone_but_operators(
        seeded, operator_user, enterprise_user, institution_user, observer_user):
    rmb = Channel.objects.get(code="cross-border-rmb-loan")
    services.channel_update(actor=operator_user, channel_id=rmb.pk, data={"active": False})
    for user in (enterprise_user, institution_user, observer_user):
        assert "cross-border-rmb-loan" not in selectors.channel_list_for(user).values_list("code", flat=True)
        assert "cross-border-rmb-loan" not in selectors.channel_list_for(
            user, include_inactive=True).values_list("code", flat=True)
        with pytest.raises(NotFound):
            selectors.channel_get_for(user, rmb.pk)
    assert "cross-border-rmb-loan" not in selectors.channel_list_for(operator_user).values_list("code", flat=True)
    assert "cross-border-rmb-loan" in selectors.channel_list_for(
        operator_user, include_inactive=True).values_list("code", flat=True)
    assert selectors.channel_get_for(operator_user, rmb.pk) == rmb
    with pytest.raises(NotAuthenticated):
        selectors.channel_list_for(None)


def test_condition_texts_read_as_sentences(seeded):
    rmb = Channel.objects.get(code="cross-border-rmb-loan")
    texts = selectors.condition_texts(rmb)
    assert texts == ["the lender's kind is one of: Macao bank, Hong Kong bank, Commercial bank"]
    bond = Channel.objects.get(code="macao-bond-issuance")
    assert selectors.condition_texts(bond) == ["the term asked for (months) is at least 12"]


def test_channels_open_to_a_request(seeded):
    req = FinancingRequestFactory(currency="CNY", instruments=["credit_loan"])
    codes = {c.code for c in selectors.channels_open_to_request(req)}
    assert {"domestic-mainland", "cross-border-rmb-loan", "cross-border-direct-loan"} <= codes
    assert "mainland-bank-to-macao" not in codes and "qflp-equity" not in codes
    usd = {c.code for c in selectors.channels_open_to_request(req, values={"currency": "USD"})}
    assert "cross-border-direct-loan" in usd and "cross-border-rmb-loan" not in usd
    equity = {c.code for c in selectors.channels_open_to_request(req, values={"instruments": ["equity"]})}
    assert "qflp-equity" in equity and "cross-border-rmb-loan" not in equity


# --------------------------------------------------------------------------- limit parameters


# The parameters the tests reason with (not the seed's, which operators and later sets may change):
# cap = net assets x 2 x 1.5; terms up to 12 months x 1.5; foreign currency + 0.5; quota USD 10m.
PARAMS: dict[str, Any] = {
    "effective_from": dt.date(2023, 7, 20), "leverage_ratio": "2", "adjustment_parameter": "1.5",
    "short_term_factor": "1.5", "long_term_factor": "1", "on_balance_factor": "1", "off_balance_factor": "1",
    "fx_risk_factor": "0.5", "short_term_months": 12, "facilitation_quota_usd": "10000000",
    "facilitation_certifications": ["hnte", "srdi"],
    "facilitation_jurisdictions": ["hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"],
    "source": "PBoC 银发〔2017〕9号; SAFE 汇发〔2022〕16号.",
}


def test_the_parameter_set_in_force_on_a_date(operator_user):
    services.limit_parameters_create(actor=operator_user, data=PARAMS)
    services.limit_parameters_create(actor=operator_user, data={**PARAMS, "effective_from": "2025-06-01",
                                                                "adjustment_parameter": "1.25"})
    assert selectors.limit_parameters_on(dt.date(2023, 7, 19)) is None
    assert selectors.limit_parameters_on(dt.date(2023, 7, 20)).adjustment_parameter == Decimal("1.5")
    assert selectors.limit_parameters_on(dt.date(2025, 5, 31)).adjustment_parameter == Decimal("1.5")
    assert selectors.limit_parameters_on(dt.date(2025, 6, 1)).adjustment_parameter == Decimal("1.25")
    assert selectors.limit_parameters_on().effective_from == dt.date(2025, 6, 1)
    assert [p.effective_from for p in selectors.limit_parameter_list_for(operator_user)] == [
        dt.date(2025, 6, 1), dt.date(2023, 7, 20)]
    with pytest.raises(NotAuthenticated):
        selectors.limit_parameter_list_for(None)


# --------------------------------------------------------------------------- limits of an enterprise


@pytest.fixture
def parameters(db: Any) -> LimitParameterSet:
    errors = FieldErrors()
    values = services.clean_parameters(errors, PARAMS)
    assert not errors
    return LimitParameterSet.objects.create(**values)


@pytest.fixture
def rates(db: Any) -> None:
    stored(DAY, "USD", "CNY", "7.1000")
    stored(DAY, "USD", "HKD", "7.8000")
    stored(DAY, "HKD", "MOP", "1.0300")
    stored(DAY, "HKD", "CNY", "0.9103")


def with_statement(enterprise: Any) -> Any:
    """Net assets CNY 10,000,000: the cap is 10m x 2 x 1.5 = CNY 30,000,000."""
    FinancialStatementFactory(enterprise=enterprise, year=2025, total_assets=Decimal("30000000.00"),
                              total_liabilities=Decimal("20000000.00"))
    return enterprise


def debt(enterprise: Any, balance: str, currency: str, term_months: int, **kwargs: Any) -> CrossBorderDebt:
    return CrossBorderDebt.objects.create(enterprise=enterprise, lender="BNU", balance=Decimal(balance),
                                          currency=currency, term_months=term_months,
                                          drawn_on=DAY - dt.timedelta(days=100), **kwargs)


def test_the_cap_is_net_assets_times_leverage_times_adjustment(enterprise, parameters, rates):
    limits = selectors.limits_for_enterprise(with_statement(enterprise), on=DAY)
    assert limits.parameters == parameters and limits.statement_year == 2025
    assert limits.net_assets == money("10000000.00", "CNY")
    assert limits.mpa.limit == Decimal("30000000") and limits.mpa.balance == 0 and limits.mpa.ok
    assert limits.missing_rates == []


def test_declared_debts_are_converted_and_weighted(enterprise, parameters, rates):
    with_statement(enterprise)
    debt(enterprise, "1000000.00", "USD", 24)  # CNY 7.1m x 1 + 7.1m x 0.5 (exchange-rate factor)
    debt(enterprise, "2000000.00", "CNY", 6)  # short-term: x 1.5
    limits = selectors.limits_for_enterprise(enterprise, amount=money("12000000", "CNY"), term_months=36, on=DAY)
    assert limits.mpa.balance == Decimal("10650000") + Decimal("3000000")
    assert limits.mpa.requested == Decimal("12000000")
    assert limits.mpa.ok and limits.mpa.excess == 0


def test_a_new_borrowing_over_the_cap_shows_the_excess(enterprise, parameters, rates):
    with_statement(enterprise)
    debt(enterprise, "1000000.00", "USD", 24)
    limits = selectors.limits_for_enterprise(enterprise, amount=money("20000000", "CNY"), term_months=24, on=DAY)
    assert not limits.mpa.ok
    assert limits.mpa.excess == Decimal("650000")  # 10.65m + 20m - 30m
    text = limits.texts()[0]
    assert "30,000,000.00" in text and "10,650,000.00" in text and "650,000.00 over the limit" in text


def test_a_foreign_currency_borrowing_of_unknown_term_is_weighted_as_short_term_with_the_fx_factor(
        enterprise, parameters, rates):
    limits = selectors.limits_for_enterprise(with_statement(enterprise), amount=money("1000000", "USD"), on=DAY)
    assert limits.mpa.requested == Decimal("7100000") * Decimal("1.5") + Decimal("7100000") * Decimal("0.5")


def test_facilitation_with_a_valid_certification(enterprise, parameters, rates):
    with_statement(enterprise)
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=DAY - dt.timedelta(days=300),
                         expires_on=DAY + dt.timedelta(days=300))
    debt(enterprise, "1000000.00", "USD", 24)
    limits = selectors.limits_for_enterprise(enterprise, amount=money("71000000", "CNY"), term_months=24, on=DAY)
    quota = limits.facilitation
    assert quota.applies and quota.currency == "USD" and quota.limit == Decimal("10000000")
    assert quota.balance == Decimal("1000000.00") and quota.requested == Decimal("10000000.00")
    assert not quota.ok and quota.excess == Decimal("1000000.00")
    assert not limits.mpa.ok


def test_no_facilitation_with_an_expired_certification(enterprise, parameters, rates):
    with_statement(enterprise)
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=DAY - dt.timedelta(days=1200),
                         expires_on=DAY - dt.timedelta(days=1))
    limits = selectors.limits_for_enterprise(enterprise, amount=money("1000000", "USD"), on=DAY)
    assert not limits.facilitation.applies and limits.facilitation.reason == "not_certified"
    assert "HNTE or SRDI" in limits.texts()[1]


def test_a_macao_enterprise_is_bound_by_neither_mainland_limit(parameters, rates):
    macao = with_statement(EnterpriseFactory(organisation__jurisdiction="macao"))
    CertificationFactory(enterprise=macao, kind="hnte", issued_on=DAY - dt.timedelta(days=300),
                         expires_on=DAY + dt.timedelta(days=300))
    limits = selectors.limits_for_enterprise(macao, on=DAY)
    assert limits.facilitation is None and limits.mpa is None
    assert limits.checks == []


def test_without_a_statement_the_cap_does_not_apply(enterprise, parameters, rates):
    limits = selectors.limits_for_enterprise(enterprise, amount=money("1000000", "CNY"), term_months=24, on=DAY)
    assert limits.net_assets is None
    assert not limits.mpa.applies and limits.mpa.reason == "no_statement" and not limits.mpa.ok
    assert "No financial statement" in limits.texts()[0]
    assert limits.facilitation.rule == FACILITATION_QUOTA


def test_without_parameters_there_are_no_checks(enterprise, rates):
    limits = selectors.limits_for_enterprise(with_statement(enterprise), on=DAY)
    assert limits.parameters is None and limits.checks == [] and limits.texts() == []


def test_a_missing_rate_is_recorded_not_guessed(enterprise, parameters):
    with_statement(enterprise)
    debt(enterprise, "1000000.00", "USD", 24)
    limits = selectors.limits_for_enterprise(enterprise, on=DAY)
    assert len(limits.missing_rates) == 1 and "No USD/CNY exchange rate" in limits.missing_rates[0]
    # The USD debt counts in USD against the quota, where it needs no rate; but the cap could
    # not count it, so neither limit is said to hold (fail closed, not a balance of zero).
    assert limits.facilitation.balance == Decimal("1000000.00")
    assert [(c.applies, c.reason, c.ok) for c in limits.checks] == [(False, "missing_rate", False)] * 2
    assert "no exchange rate" in limits.texts()[0]


def test_nothing_to_convert_needs_no_rate(enterprise, parameters):
    """A CNY statement and no debts: the limits need no exchange rate, so none is reported missing."""
    limits = selectors.limits_for_enterprise(with_statement(enterprise), on=DAY)
    assert limits.mpa.limit == Decimal("30000000")
    assert limits.facilitation.requested == 0 and limits.facilitation.balance == 0
    assert limits.missing_rates == []


def test_own_limits_and_debts_are_the_enterprises_alone(enterprise_user, enterprise, other_enterprise,
                                                         institution_user, operator_user, parameters):
    own = debt(enterprise, "1000.00", "CNY", 24)
    theirs = debt(other_enterprise, "2000.00", "CNY", 24)
    assert list(selectors.debt_list_own(enterprise_user)) == [own]
    assert selectors.debt_get_own(enterprise_user, own.pk) == own
    with pytest.raises(NotFound):
        selectors.debt_get_own(enterprise_user, theirs.pk)
    assert selectors.limits_own(enterprise_user).debts == [own]
    for user in (institution_user, operator_user):
        with pytest.raises(PermissionDenied):
            selectors.debt_list_own(user)
        with pytest.raises(PermissionDenied):
            selectors.limits_own(user)
    with pytest.raises(NotAuthenticated):
        selectors.limits_own(None)


# --------------------------------------------------------------------------- a request and a product


@pytest.fixture
def case(seeded: None, enterprise: Any, institution: Any, rates: None) -> dict[str, Any]:
    """A Hengqin enterprise asking for CNY 8m; a Macao bank lending CNY: a cross-border RMB loan.

    The limits use the tests' parameters (in force from the day before DAY), not the seed's."""
    LimitParameterSet.objects.create(**{**services.clean_parameters(FieldErrors(), PARAMS),
                                        "effective_from": DAY - dt.timedelta(days=1)})
    with_statement(enterprise)
    req = FinancingRequestFactory(enterprise=enterprise, currency="CNY", amount=Decimal("8000000.00"),
                                  instruments=["credit_loan"], term_months=24)
    product = ProductFactory(institution=institution, ticket_currency="CNY", instrument="credit_loan")
    return {"req": req, "product": product}


def test_the_enterprise_sees_its_channels_with_its_limits(case, enterprise_user):
    assessment = selectors.assessment_for(enterprise_user, case["req"].pk, case["product"].pk)
    assert [c.code for c in assessment.fitting] == ["cross-border-rmb-loan"]
    assert assessment.direction == "into_mainland"
    assert assessment.limits is not None and assessment.limits.mpa.limit == Decimal("30000000")
    assert assessment.within_limits(assessment.fitting[0]) is True
    assert assessment.conversion.path == "identity"
    refused = {c.code: reasons for c, reasons in assessment.refusals()}
    assert "cross-border-rmb-loan" not in refused
    assert any("CNY" in r and "not CNY" in r for r in refused["cross-border-direct-loan"])
    assert any("Macao" in r for r in refused["domestic-mainland"])


def test_an_institution_sees_the_channels_of_its_own_product_without_the_limits(case, institution_user):
    assessment = selectors.assessment_for(institution_user, case["req"].pk, case["product"].pk)
    assert [c.code for c in assessment.fitting] == ["cross-border-rmb-loan"]
    assert assessment.limits is None and assessment.within_limits(assessment.fitting[0]) is None


def test_another_institutions_product_is_not_found(case, other_institution_user):
    with pytest.raises(NotFound):
        selectors.assessment_for(other_institution_user, case["req"].pk, case["product"].pk)


def test_the_operator_sees_the_limits(case, operator_user):
    assessment = selectors.assessment_for(operator_user, case["req"].pk, case["product"].pk)
    assert assessment.limits is not None and assessment.limits.mpa.ok


def test_a_lender_of_the_wrong_kind_is_told_the_condition(case, enterprise):
    fund = InstitutionFactory(kind="venture_capital")
    product = ProductFactory(institution=fund, ticket_currency="CNY", instrument="credit_loan")
    assessment = selectors.assess(case["req"], product, with_limits=True, on=DAY)
    assert assessment.fitting == [] and assessment.limits is None
    refused = {c.code: reasons for c, reasons in assessment.refusals()}
    assert refused["cross-border-rmb-loan"] == [
        "It requires that the lender's kind is one of: Macao bank, Hong Kong bank, Commercial bank."]


def test_others_cannot_assess(case, other_enterprise_user, observer_user):
    for user in (other_enterprise_user, observer_user):
        with pytest.raises((NotFound, PermissionDenied)):
            selectors.assessment_for(user, case["req"].pk, case["product"].pk)
    with pytest.raises(NotAuthenticated):
        selectors.assessment_for(None, case["req"].pk, case["product"].pk)


def test_a_foreign_currency_loan_is_foreign_debt_within_the_cap_or_quota(case, enterprise_user, enterprise):
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=DAY - dt.timedelta(days=300),
                         expires_on=DAY + dt.timedelta(days=300))
    product = ProductFactory(institution=case["product"].institution, ticket_currency="MOP",
                             instrument="credit_loan")
    assessment = selectors.assess(case["req"], product, with_limits=True, on=DAY)
    assert [c.code for c in assessment.fitting] == ["cross-border-direct-loan"]
    # CNY 8m / 0.9103 x 1.03 (through the HKD: the USD pivot has no USD/MOP rate).
    assert assessment.conversion.path == "pivot:HKD"
    assert assessment.conversion.result == money("9051960.89", "MOP")
    # Lent in MOP, the borrowing is foreign debt: weighted with the exchange-rate factor.
    assert assessment.limits.mpa.requested > Decimal("9051960.89") * Decimal("0.9103")
    assert assessment.limits.facilitation.applies
    assert assessment.within_limits(assessment.fitting[0]) is True


def test_no_channel_and_why(seeded, rates):
    """Macao equity into a Guangzhou company: QFLP reaches only Hengqin and Zhuhai, so no channel."""
    guangzhou = EnterpriseFactory(organisation__jurisdiction="guangzhou")
    req = FinancingRequestFactory(enterprise=guangzhou, currency="CNY", instruments=["equity"])
    product = ProductFactory(institution=InstitutionFactory(), instrument="equity", ticket_currency="MOP")
    assessment = selectors.assess(req, product, with_limits=True, on=DAY)
    assert assessment.fitting == [] and assessment.limits is None
    refused = {c.code: reasons for c, reasons in assessment.refusals()}
    assert set(refused) == set(Channel.objects.values_list("code", flat=True))
    assert all(reasons for reasons in refused.values())
    assert refused["qflp-equity"] == [
        "It serves only enterprises in: Hengqin, Zhuhai (the enterprise is in Guangzhou)."]


def test_refusals_and_limits_in_english_and_chinese(case, enterprise_user):
    assessment = selectors.assessment_for(enterprise_user, case["req"].pk, case["product"].pk)
    english = [r for _c, reasons in assessment.refusals() for r in reasons] + assessment.limits.texts()
    with translation.override("zh-hans"):
        chinese = [r for _c, reasons in assessment.refusals() for r in reasons] + assessment.limits.texts()
    assert english and all(isinstance(t, str) and t for t in english)
    assert len(chinese) == len(english) and all(isinstance(t, str) and t for t in chinese)
    # bayfin/fx/locale is filled: every refusal and limit sentence reads in Chinese.
    assert all(zh != en for zh, en in zip(chinese, english, strict=True))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for zh in chinese)
