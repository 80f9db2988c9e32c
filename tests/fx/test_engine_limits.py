"""The pure limit engine: the PBoC macro-prudential cap and the SAFE facilitation quota."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bayfin.fx.engine.channels import LIMIT_RULES
from bayfin.fx.engine.limits import (
    FACILITATION_QUOTA,
    MPA_CAP,
    Debt,
    FacilitationParameters,
    LimitCheck,
    MacroPrudentialParameters,
    certifications_valid_on,
    facilitation_check,
    mpa_check,
    weighted,
    within,
)

M = Decimal(1_000_000)
OFFICIAL = MacroPrudentialParameters()
QUOTA = FacilitationParameters()


def cny_debt(millions: str, months: int = 24, *, foreign: bool = False, off: bool = False) -> Debt:
    return Debt(balance=Decimal(millions) * M, term_months=months, foreign_currency=foreign, off_balance=off)


# --------------------------------------------------------------------------- weighted


def test_official_values_are_the_defaults():
    # 银发〔2017〕9号: leverage 2, term factors 1 / 1.5, fx factor 0.5; adjustment 1.5 (2024-2025).
    assert OFFICIAL.leverage_ratio == 2
    assert OFFICIAL.adjustment_parameter == Decimal("1.5")
    assert (OFFICIAL.long_term_factor, OFFICIAL.short_term_factor) == (1, Decimal("1.5"))
    assert OFFICIAL.fx_risk_factor == Decimal("0.5")
    assert OFFICIAL.short_term_months == 12
    assert QUOTA.quota_usd == 10 * M


@pytest.mark.parametrize(
    ("debt", "expected"),
    [
        (cny_debt("10", 24), "10"),           # long term, RMB: x1
        (cny_debt("10", 13), "10"),           # over one year is long term
        (cny_debt("10", 12), "15"),           # one year or less is short term (银发〔2017〕9号): x1.5
        (cny_debt("10", 11), "15"),
        (cny_debt("10", 3), "15"),
        (cny_debt("10", 13, foreign=True), "15"),   # 10 x 1 + 10 x 0.5
        (cny_debt("10", 6, foreign=True), "20"),    # 10 x 1.5 + 10 x 0.5: the add-on is not term-weighted
        (cny_debt("10", 24, off=True), "10"),       # off balance weighs 1 by default
        (cny_debt("0", 6, foreign=True), "0"),
    ],
)
def test_weighted_balance(debt, expected):
    assert weighted(debt, OFFICIAL) == Decimal(expected) * M


def test_the_off_balance_factor_applies_only_off_balance():
    params = MacroPrudentialParameters(off_balance_factor=Decimal("0.5"))
    assert weighted(cny_debt("10", 24, off=True), params) == 5 * M
    assert weighted(cny_debt("10", 6, off=True), params) == Decimal("7.5") * M
    assert weighted(cny_debt("10", 24, off=True, foreign=True), params) == 10 * M  # 5 + the full 0.5 add-on
    assert weighted(cny_debt("10", 24), params) == 10 * M


def test_factors_are_the_operators():
    params = MacroPrudentialParameters(short_term_factor=Decimal("2"), fx_risk_factor=Decimal("0"),
                                       short_term_months=24)
    assert weighted(cny_debt("10", 18, foreign=True), params) == 20 * M
    assert weighted(cny_debt("10", 24, foreign=True), params) == 20 * M  # up to and including 24 months
    assert weighted(cny_debt("10", 25, foreign=True), params) == 10 * M


# --------------------------------------------------------------------------- the macro-prudential cap


def test_the_cap_is_net_assets_times_leverage_times_the_adjustment_parameter():
    check = mpa_check(net_assets=10 * M, debts=[], new_debt=cny_debt("10", 13, foreign=True), params=OFFICIAL)
    assert check.rule == MPA_CAP
    assert check.currency == "CNY"
    assert check.limit == 30 * M           # 10m x 2 x 1.5
    assert check.balance == 0
    assert check.requested == 15 * M       # a 13-month USD debt of CNY 10m: 10m x 1 x 1 + 10m x 0.5
    assert check.after == 15 * M
    assert check.headroom == 30 * M
    assert check.excess == 0
    assert check.applies and check.ok and check.reason == ""


def test_a_borrowing_above_the_cap_shows_limit_balance_and_excess():
    existing = [cny_debt("12", 24), cny_debt("2", 6, foreign=True)]  # 12 + (3 + 1) = 16
    check = mpa_check(net_assets=10 * M, debts=existing, new_debt=cny_debt("10", 13, foreign=True), params=OFFICIAL)
    assert check.balance == 16 * M
    assert check.requested == 15 * M
    assert check.after == 31 * M
    assert check.limit == 30 * M
    assert check.headroom == 14 * M
    assert check.excess == 1 * M
    assert check.applies and not check.ok


def test_borrowing_up_to_the_cap_exactly_is_allowed():
    check = mpa_check(net_assets=10 * M, debts=[cny_debt("15", 24)], new_debt=cny_debt("15", 36), params=OFFICIAL)
    assert check.after == check.limit == 30 * M
    assert check.ok and check.excess == 0 and check.headroom == 15 * M


def test_a_balance_already_over_the_cap_has_no_headroom():
    check = mpa_check(net_assets=1 * M, debts=[cny_debt("5", 24)], new_debt=cny_debt("1", 24), params=OFFICIAL)
    assert check.limit == 3 * M
    assert check.headroom == 0
    assert check.excess == 3 * M  # 5 + 1 - 3
    assert not check.ok


def test_without_a_financial_statement_the_cap_cannot_be_used():
    check = mpa_check(net_assets=None, debts=[cny_debt("4", 24)], new_debt=cny_debt("1", 24), params=OFFICIAL)
    assert check.applies is False
    assert check.reason == "no_statement"
    assert check.ok is False
    assert check.balance == 4 * M and check.requested == 1 * M
    assert check.excess == check.requested  # the whole request is beyond any limit


@pytest.mark.parametrize("net_assets", [Decimal("-5000000"), Decimal(0)])
def test_negative_or_zero_net_assets_leave_no_cap(net_assets):
    check = mpa_check(net_assets=net_assets, debts=[], new_debt=cny_debt("1", 24), params=OFFICIAL)
    assert check.limit == 0
    assert check.applies
    assert not check.ok
    assert check.excess == 1 * M


def test_the_cap_follows_the_operators_parameters():
    params = MacroPrudentialParameters(adjustment_parameter=Decimal("1"))
    check = mpa_check(net_assets=10 * M, debts=[], new_debt=cny_debt("25", 24), params=params, currency="CNY")
    assert check.limit == 20 * M
    assert check.excess == 5 * M


# --------------------------------------------------------------------------- the facilitation quota


def test_a_certified_enterprise_in_a_pilot_area_has_the_quota():
    check = facilitation_check(certifications={"hnte"}, jurisdiction="hengqin", balance_usd=6 * M,
                               requested_usd=3 * M, params=QUOTA)
    assert check.rule == FACILITATION_QUOTA
    assert check.currency == "USD"
    assert check.limit == 10 * M
    assert check.applies and check.reason == ""
    assert check.ok
    assert check.headroom == 4 * M


def test_above_the_quota_shows_the_excess():
    check = facilitation_check(certifications=["srdi", "macao_tech"], jurisdiction="zhuhai", balance_usd=6 * M,
                               requested_usd=5 * M, params=QUOTA)
    assert check.applies and not check.ok
    assert check.after == 11 * M
    assert check.excess == 1 * M


@pytest.mark.parametrize("certs", [set(), {"scitech_sme"}, {"macao_tech"}])
def test_without_an_eligible_certification_there_is_no_quota(certs):
    check = facilitation_check(certifications=certs, jurisdiction="hengqin", balance_usd=Decimal(0),
                               requested_usd=1 * M, params=QUOTA)
    assert check.applies is False
    assert check.reason == "not_certified"
    assert check.ok is False
    assert check.excess == 1 * M


@pytest.mark.parametrize(("jurisdiction", "certs"), [("macao", {"hnte"}), ("hong_kong", {"srdi"}),
                                                      ("elsewhere", set())])
def test_outside_the_pilot_areas_there_is_no_quota(jurisdiction, certs):
    check = facilitation_check(certifications=certs, jurisdiction=jurisdiction, balance_usd=Decimal(0),
                               requested_usd=1 * M, params=QUOTA)
    assert (check.applies, check.reason, check.ok) == (False, "not_pilot_area", False)


def test_the_quota_follows_the_operators_parameters():
    params = FacilitationParameters(quota_usd=5 * M, eligible_certifications=frozenset({"scitech_sme"}),
                                    pilot_jurisdictions=frozenset({"hengqin"}))
    assert facilitation_check(certifications={"scitech_sme"}, jurisdiction="hengqin", balance_usd=Decimal(0),
                              requested_usd=5 * M, params=params).ok
    assert facilitation_check(certifications={"hnte"}, jurisdiction="hengqin", balance_usd=Decimal(0),
                              requested_usd=1 * M, params=params).reason == "not_certified"
    assert facilitation_check(certifications={"scitech_sme"}, jurisdiction="zhuhai", balance_usd=Decimal(0),
                              requested_usd=1 * M, params=params).reason == "not_pilot_area"


# --------------------------------------------------------------------------- within


def mpa(ok: bool, *, applies: bool = True) -> LimitCheck:
    return LimitCheck(MPA_CAP, "CNY", 30 * M, 10 * M, (5 if ok else 25) * M, applies=applies,
                      reason="" if applies else "no_statement")


def quota(ok: bool, *, applies: bool = True) -> LimitCheck:
    return LimitCheck(FACILITATION_QUOTA, "USD", 10 * M, 0 * M, (5 if ok else 15) * M, applies=applies,
                      reason="" if applies else "not_certified")


def test_no_limit_rule_is_always_within():
    assert within("none", []) is True
    assert within("none", [mpa(False), quota(False)]) is True


def test_the_mpa_cap_rule_needs_the_cap():
    assert within(MPA_CAP, [mpa(True)]) is True
    assert within(MPA_CAP, [mpa(False)]) is False
    assert within(MPA_CAP, [mpa(True, applies=False)]) is False
    assert within(MPA_CAP, []) is False
    assert within(MPA_CAP, [quota(True)]) is False  # the quota does not stand in for the cap


def test_the_cap_or_quota_rule_needs_either():
    rule = "mpa_cap_or_facilitation_quota"
    assert within(rule, [mpa(True), quota(False)]) is True
    assert within(rule, [mpa(False), quota(True)]) is True
    assert within(rule, [mpa(True), quota(True, applies=False)]) is True
    assert within(rule, [mpa(False), quota(False)]) is False
    assert within(rule, [mpa(True, applies=False), quota(True, applies=False)]) is False
    assert within(rule, []) is False


def test_every_limit_rule_a_channel_may_name_is_understood():
    for rule in LIMIT_RULES:
        within(rule, [mpa(True)])


@pytest.mark.parametrize("rule", ["mpa", "facilitation_quota", "", "MPA_CAP"])
def test_an_unknown_limit_rule_is_an_error(rule):
    with pytest.raises(ValueError, match="Unknown limit rule"):
        within(rule, [mpa(True)])


# --------------------------------------------------------------------------- certifications


CERTS = [
    ("hnte", date(2024, 1, 1), date(2026, 12, 31)),
    ("srdi", date(2025, 6, 1), None),
    ("scitech_sme", date(2023, 1, 1), date(2025, 12, 31)),
    ("macao_tech", date(2027, 1, 1), None),
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 11, 27), {"hnte", "srdi"}),
        (date(2026, 12, 31), {"hnte", "srdi"}),            # valid through its expiry day
        (date(2027, 1, 1), {"srdi", "macao_tech"}),        # from its issue day
        (date(2025, 5, 31), {"hnte", "scitech_sme"}),
        (date(2022, 12, 31), set()),
    ],
)
def test_certifications_in_force_on_a_date(on, expected):
    assert certifications_valid_on(CERTS, on) == frozenset(expected)


def test_a_renewed_certification_counts_once_it_is_renewed():
    certs = [("hnte", date(2020, 1, 1), date(2022, 12, 31)), ("hnte", date(2023, 6, 1), None)]
    assert certifications_valid_on(certs, date(2023, 3, 1)) == frozenset()
    assert certifications_valid_on(certs, date(2023, 6, 1)) == frozenset({"hnte"})


def test_an_expired_certification_loses_the_quota():
    held = certifications_valid_on(CERTS[:1], date(2027, 1, 1))
    check = facilitation_check(certifications=held, jurisdiction="hengqin", balance_usd=Decimal(0),
                               requested_usd=1 * M, params=QUOTA)
    assert check.reason == "not_certified"
