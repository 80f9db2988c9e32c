"""The seeded channels and limit parameters: well-formed, and agreeing with reality.

A Macao bank's RMB loan to a Hengqin enterprise is a cross-border RMB loan; the same
loan in MOP, HKD or USD is foreign debt; Macao equity enters Hengqin through a QFLP fund;
and some flows have no channel at all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bayfin.common.money import CURRENCIES
from bayfin.common.vocab import (
    MAINLAND_JURISDICTIONS,
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
)
from bayfin.fx.engine.channels import LIMIT_RULES, ChannelRule, Flow, channels_for, parse_conditions
from bayfin.fx.engine.limits import (
    Debt,
    FacilitationParameters,
    MacroPrudentialParameters,
    facilitation_check,
    mpa_check,
)
from bayfin.fx.models import Channel, ChannelDocument, LimitParameterSet, LimitRule
from bayfin.fx.seed import CHANNELS, LIMIT_PARAMETER_SETS, LIMIT_PARAMETERS

KNOWN_CODES = {
    "institution.kind": InstitutionKind.values,
    "enterprise.certifications": CertificationKind.values,
}
BY_CODE = {seed["code"]: seed for seed in CHANNELS}
IDS = [seed["code"] for seed in CHANNELS]


def rule_from_seed(seed: dict[str, Any]) -> ChannelRule:
    return ChannelRule(
        code=seed["code"],
        from_jurisdictions=frozenset(seed["from_jurisdictions"]),
        to_jurisdictions=frozenset(seed["to_jurisdictions"]),
        instruments=frozenset(seed["instruments"]),
        lender_currencies=frozenset(seed["lender_currencies"]),
        borrower_currencies=frozenset(seed["borrower_currencies"]),
        conditions=parse_conditions(seed["conditions"], known_codes=KNOWN_CODES),
        limit_rule=seed["limit_rule"],
        priority=seed["priority"],
    )


RULES = [rule_from_seed(seed) for seed in CHANNELS]


def flow(lender: str, enterprise: str, instruments: set[str], lent: str, received: str, *,
         kind: str | None = None, term_months: int | None = 24) -> Flow:
    return Flow(
        lender_jurisdiction=lender,
        enterprise_jurisdiction=enterprise,
        instruments=frozenset(instruments),
        lender_currency=lent,
        borrower_currency=received,
        facts={"institution.kind": kind, "enterprise.certifications": frozenset(),
               "request.term_months": term_months},
    )


def fitting_codes(f: Flow) -> list[str]:
    return [rule.code for rule in channels_for(f, RULES).fitting]


def _own_fields(model: type, *, leave_out: set[str]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} - leave_out


# --------------------------------------------------------------------------- shape


def test_each_channel_has_exactly_the_model_fields_and_a_unique_code():
    expected = _own_fields(Channel, leave_out={"id", "created_at", "updated_at", "active"})
    for seed in CHANNELS:
        assert set(seed) == expected, seed["code"]
    assert len(BY_CODE) == len(CHANNELS)


@pytest.mark.parametrize("seed", CHANNELS, ids=IDS)
def test_conditions_parse_against_the_vocabulary(seed):
    conditions = parse_conditions(seed["conditions"], known_codes=KNOWN_CODES)
    assert [c.as_json() for c in conditions] == seed["conditions"]


@pytest.mark.parametrize("seed", CHANNELS, ids=IDS)
def test_every_code_is_known_vocabulary(seed):
    jurisdictions = set(Jurisdiction.values)
    assert seed["from_jurisdictions"] and set(seed["from_jurisdictions"]) <= jurisdictions
    assert seed["to_jurisdictions"] and set(seed["to_jurisdictions"]) <= jurisdictions
    assert seed["instruments"] and set(seed["instruments"]) <= set(Instrument.values)
    assert seed["lender_currencies"] and set(seed["lender_currencies"]) <= set(CURRENCIES)
    assert seed["borrower_currencies"] and set(seed["borrower_currencies"]) <= set(CURRENCIES)
    assert set(seed["documents"]) <= set(ChannelDocument.values)
    assert seed["limit_rule"] in LimitRule.values and seed["limit_rule"] in LIMIT_RULES
    for key in ("from_jurisdictions", "to_jurisdictions", "instruments", "lender_currencies",
                "borrower_currencies", "documents"):
        assert len(seed[key]) == len(set(seed[key])), f"{seed['code']}.{key} repeats a code"


@pytest.mark.parametrize("seed", CHANNELS, ids=IDS)
def test_names_notes_and_sources_are_filled_in_four_languages(seed):
    for name in (*Channel.NAME_FIELDS, *Channel.NOTES_FIELDS, "policy_source"):
        assert isinstance(seed[name], str) and seed[name].strip(), f"{seed['code']}.{name} is empty"
    assert len({seed[name] for name in Channel.NAME_FIELDS}) == 4, "a name was left untranslated"
    assert isinstance(seed["priority"], int) and seed["priority"] >= 0


def test_the_mainland_domestic_channel_takes_every_instrument_in_cny_first():
    seed = BY_CODE["domestic-mainland"]
    assert set(seed["instruments"]) == set(Instrument.values)
    assert seed["lender_currencies"] == seed["borrower_currencies"] == ["CNY"]
    assert seed["priority"] == 10 and seed["limit_rule"] == "none"


# --------------------------------------------------------------------------- which channel carries what


def test_a_macao_bank_rmb_loan_to_hengqin_is_only_a_cross_border_rmb_loan():
    f = flow("macao", "hengqin", {"credit_loan"}, "CNY", "CNY", kind="macao_bank")
    assert fitting_codes(f) == ["cross-border-rmb-loan"]
    assert BY_CODE["cross-border-rmb-loan"]["limit_rule"] == "mpa_cap"


@pytest.mark.parametrize("currency", ["USD", "MOP", "HKD"])
def test_a_foreign_currency_loan_to_hengqin_is_foreign_debt(currency):
    f = flow("macao", "hengqin", {"credit_loan"}, currency, "CNY", kind="macao_bank")
    assert fitting_codes(f) == ["cross-border-direct-loan"]
    # Received in the loan currency itself, it is the same channel.
    same = flow("macao", "hengqin", {"credit_loan"}, currency, currency, kind="macao_bank")
    assert fitting_codes(same) == ["cross-border-direct-loan"]
    assert BY_CODE["cross-border-direct-loan"]["limit_rule"] == "mpa_cap_or_facilitation_quota"


def test_the_rmb_loan_channel_refuses_a_foreign_currency_loan_and_says_why():
    f = flow("macao", "hengqin", {"credit_loan"}, "USD", "USD", kind="macao_bank")
    verdict = next(v for v in channels_for(f, RULES).verdicts if v.channel.code == "cross-border-rmb-loan")
    assert [m.code for m in verdict.mismatches] == ["lender_currency", "borrower_currency"]


def test_macao_equity_into_hengqin_goes_through_a_qflp_fund():
    f = flow("macao", "hengqin", {"equity"}, "MOP", "CNY", kind="venture_capital")
    assert fitting_codes(f) == ["qflp-equity"]


def test_a_macao_bank_rmb_loan_to_zhuhai_is_no_cross_border_rmb_loan():
    f = flow("macao", "zhuhai", {"credit_loan"}, "CNY", "CNY", kind="macao_bank")
    answer = channels_for(f, RULES)
    assert "cross-border-rmb-loan" not in [r.code for r in answer.fitting]
    verdict = next(v for v in answer.verdicts if v.channel.code == "cross-border-rmb-loan")
    assert [m.code for m in verdict.mismatches] == ["enterprise_jurisdiction"]
    assert verdict.mismatches[0].expected == ("hengqin",)


def test_hong_kong_equity_into_a_macao_enterprise_has_no_channel():
    f = flow("hong_kong", "macao", {"equity"}, "HKD", "MOP", kind="private_equity")
    answer = channels_for(f, RULES)
    assert answer.fitting == ()
    assert answer.best is None
    assert all(v.mismatches for v in answer.verdicts)


def test_a_macao_bond_needs_a_term_of_a_year_or_more():
    long_bond = flow("macao", "hengqin", {"bond"}, "MOP", "CNY", term_months=36)
    assert fitting_codes(long_bond) == ["macao-bond-issuance"]
    short_bond = flow("macao", "hengqin", {"bond"}, "MOP", "CNY", term_months=6)
    assert fitting_codes(short_bond) == []


def test_a_mainland_bank_may_lend_to_a_macao_enterprise_but_a_securities_firm_may_not():
    bank = flow("zhuhai", "macao", {"credit_loan"}, "CNY", "MOP", kind="commercial_bank")
    assert fitting_codes(bank) == ["mainland-bank-to-macao"]
    firm = flow("zhuhai", "macao", {"credit_loan"}, "CNY", "MOP", kind="securities_firm")
    assert fitting_codes(firm) == []


# --------------------------------------------------------------------------- limit parameters


def test_limit_parameters_have_exactly_the_model_fields():
    expected = _own_fields(LimitParameterSet, leave_out={"id", "created_at", "updated_at", "created_by"})
    for params in LIMIT_PARAMETER_SETS:
        assert set(params) == expected
        assert params["source"].strip()
    # The 2023 raise to 1.5, then the 2025 raise to 1.75, which is in force now.
    assert [(p["effective_from"], p["adjustment_parameter"]) for p in LIMIT_PARAMETER_SETS] == [
        (date(2023, 7, 20), Decimal("1.5")), (date(2025, 1, 13), Decimal("1.75"))]
    assert LIMIT_PARAMETERS is LIMIT_PARAMETER_SETS[-1]


def test_limit_parameters_are_decimals_never_floats():
    for name in (*LimitParameterSet.FACTOR_FIELDS, "facilitation_quota_usd"):
        assert type(LIMIT_PARAMETERS[name]) is Decimal, name
    assert type(LIMIT_PARAMETERS["short_term_months"]) is int


def test_limit_parameters_give_the_official_cap_and_quota():
    p = LIMIT_PARAMETERS
    mpa = MacroPrudentialParameters(**{name: p[name] for name in LimitParameterSet.FACTOR_FIELDS},
                                    short_term_months=p["short_term_months"])
    # Net assets CNY 10m: the cap is 10m x 2 x 1.75 = 35m. A two-year USD loan worth CNY 10m
    # weighs 10m x 1 x 1 + 10m x 0.5 = 15m.
    check = mpa_check(net_assets=Decimal("10000000"), debts=[],
                      new_debt=Debt(Decimal("10000000"), 24, foreign_currency=True), params=mpa)
    assert check.limit == Decimal("35000000")
    assert check.requested == Decimal("15000000")

    assert set(p["facilitation_jurisdictions"]) == set(MAINLAND_JURISDICTIONS)
    assert set(p["facilitation_certifications"]) <= set(CertificationKind.values)
    quota = FacilitationParameters(quota_usd=p["facilitation_quota_usd"],
                                   eligible_certifications=frozenset(p["facilitation_certifications"]),
                                   pilot_jurisdictions=frozenset(p["facilitation_jurisdictions"]))
    srdi = facilitation_check(certifications={"srdi"}, jurisdiction="hengqin", balance_usd=Decimal(0),
                              requested_usd=Decimal("10000000"), params=quota)
    assert srdi.ok and srdi.limit == Decimal("10000000")
    macao = facilitation_check(certifications={"hnte"}, jurisdiction="macao", balance_usd=Decimal(0),
                               requested_usd=Decimal("1"), params=quota)
    assert not macao.applies and macao.reason == "not_pilot_area"
