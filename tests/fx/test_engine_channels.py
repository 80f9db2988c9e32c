"""The pure channel engine: conditions as checked data, every reason a channel does not fit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bayfin.fx.engine.channels import (
    CONDITION_FIELDS,
    OPERATORS,
    ChannelRule,
    ChannelRuleError,
    Condition,
    Flow,
    channels_for,
    check_channel,
    direction,
    parse_conditions,
)

MAINLAND = frozenset({"hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"})
KNOWN = {
    "institution.kind": ["commercial_bank", "macao_bank", "hong_kong_bank", "qflp_fund"],
    "enterprise.certifications": ["hnte", "scitech_sme", "macao_tech", "srdi"],
}


def refusal(raw, **kwargs) -> ChannelRuleError:
    with pytest.raises(ChannelRuleError) as exc:
        parse_conditions(raw, **kwargs)
    return exc.value


# --------------------------------------------------------------------------- parse_conditions


@pytest.mark.parametrize("raw", [None, "", []])
def test_no_conditions(raw):
    assert parse_conditions(raw) == ()


def test_valid_conditions_parse_and_travel_back_to_json():
    raw = [
        {"field": "institution.kind", "op": "in", "value": ["macao_bank"]},
        {"field": "institution.kind", "op": "not_in", "value": ["qflp_fund", "hong_kong_bank"]},
        {"field": "enterprise.certifications", "op": "any_of", "value": ["hnte", "srdi"]},
        {"field": "enterprise.certifications", "op": "none_of", "value": ["macao_tech"]},
        {"field": "enterprise.years_operating", "op": "gte", "value": 2},
        {"field": "request.term_months", "op": "lte", "value": "60"},
    ]
    conditions = parse_conditions(raw, known_codes=KNOWN)
    assert conditions[0] == Condition("institution.kind", "in", ("macao_bank",))
    assert conditions[4] == Condition("enterprise.years_operating", "gte", 2)
    assert conditions[5].value == 60  # a numeric string is read as the number
    assert [c.as_json() for c in conditions][:5] == raw[:5]
    assert parse_conditions([c.as_json() for c in conditions], known_codes=KNOWN) == conditions


def test_conditions_that_are_not_a_list_are_refused():
    for raw in [{"field": "institution.kind"}, "institution.kind", 5]:
        err = refusal(raw)
        assert err.code == "not_a_list"
        assert err.index is None


@pytest.mark.parametrize(
    "item",
    [
        "institution.kind in macao_bank",
        ["institution.kind", "in", ["macao_bank"]],
        {"field": "institution.kind", "op": "in", "value": ["macao_bank"], "note": "x"},
    ],
)
def test_a_malformed_condition_is_refused_with_its_index(item):
    ok = {"field": "request.term_months", "op": "lte", "value": 12}
    err = refusal([ok, item])
    assert err.code == "malformed"
    assert err.index == 1


@pytest.mark.parametrize("name", ["institution.knd", "enterprise.net_assets", "", None, 5, "INSTITUTION.KIND"])
def test_an_unknown_field_is_refused(name):
    err = refusal([{"field": name, "op": "in", "value": ["macao_bank"]}])
    assert err.code == "unknown_field"
    assert err.index == 0
    assert err.params["field"] == name
    assert err.params["allowed"] == sorted(CONDITION_FIELDS)


def test_a_condition_missing_its_field_is_an_unknown_field():
    err = refusal([{"op": "in", "value": ["macao_bank"]}])
    assert err.code == "unknown_field"


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("institution.kind", "gte"),
        ("institution.kind", "any_of"),
        ("enterprise.certifications", "in"),
        ("enterprise.certifications", "lte"),
        ("enterprise.years_operating", "in"),
        ("request.term_months", "none_of"),
        ("request.term_months", ">="),
        ("request.term_months", None),
    ],
)
def test_an_operator_the_field_kind_does_not_allow_is_refused(name, op):
    err = refusal([{"field": name, "op": op, "value": ["x"] if op in ("in", "any_of") else 1}])
    assert err.code == "unknown_operator"
    assert err.index == 0
    assert err.params["op"] == op
    assert err.params["allowed"] == list(OPERATORS[CONDITION_FIELDS[name]])


@pytest.mark.parametrize(
    "value",
    [True, False, 1.5, 12.0, "abc", "1.5", -1, "-3", None, [12], "", "NaN", "Infinity", "-Infinity", "1e100000000",
     10**9 + 1],
)
def test_a_number_condition_needs_a_whole_number(value):
    err = refusal([{"field": "request.term_months", "op": "gte", "value": value}])
    assert err.code == "bad_value"
    assert err.index == 0
    assert err.params["field"] == "request.term_months"


@pytest.mark.parametrize(("value", "number"), [(0, 0), (12, 12), ("24", 24), ("36.0", 36), (10**9, 10**9)])
def test_whole_numbers_are_accepted(value, number):
    (condition,) = parse_conditions([{"field": "enterprise.years_operating", "op": "gte", "value": value}])
    assert condition.value == number
    assert isinstance(condition.value, int)


@pytest.mark.parametrize("value", ["macao_bank", [], (), 5, None, {"macao_bank": 1}])
def test_a_code_condition_needs_a_non_empty_list(value):
    err = refusal([{"field": "institution.kind", "op": "in", "value": value}])
    assert err.code == "bad_value"
    assert err.index == 0


def test_unknown_codes_are_refused_against_the_known_vocabulary():
    raw = [
        {"field": "institution.kind", "op": "in", "value": ["macao_bank"]},
        {"field": "enterprise.certifications", "op": "any_of", "value": ["hnte", "hnt", "iso9001"]},
    ]
    err = refusal(raw, known_codes=KNOWN)
    assert err.code == "unknown_code"
    assert err.index == 1
    assert err.params["codes"] == ["hnt", "iso9001"]
    assert err.params["field"] == "enterprise.certifications"
    # Without a vocabulary for the field, codes are taken as given.
    assert len(parse_conditions(raw)) == 2
    assert len(parse_conditions(raw, known_codes={"institution.kind": KNOWN["institution.kind"]})) == 2


def test_the_first_bad_condition_is_reported():
    raw = [
        {"field": "request.term_months", "op": "lte", "value": 12},
        {"field": "institution.kind", "op": "in", "value": ["macao_bank"]},
        {"field": "typo", "op": "in", "value": ["x"]},
        {"field": "request.term_months", "op": "in", "value": 3},
    ]
    err = refusal(raw)
    assert (err.code, err.index) == ("unknown_field", 2)


# --------------------------------------------------------------------------- conditions hold


@pytest.mark.parametrize(
    ("condition", "actual", "holds"),
    [
        (Condition("institution.kind", "in", ("macao_bank",)), "macao_bank", True),
        (Condition("institution.kind", "in", ("macao_bank",)), "commercial_bank", False),
        (Condition("institution.kind", "in", ("macao_bank",)), None, False),
        (Condition("institution.kind", "not_in", ("macao_bank",)), "commercial_bank", True),
        (Condition("institution.kind", "not_in", ("macao_bank",)), "macao_bank", False),
        (Condition("enterprise.certifications", "any_of", ("hnte", "srdi")), {"srdi", "macao_tech"}, True),
        (Condition("enterprise.certifications", "any_of", ("hnte", "srdi")), {"macao_tech"}, False),
        (Condition("enterprise.certifications", "any_of", ("hnte",)), None, False),
        (Condition("enterprise.certifications", "none_of", ("hnte",)), None, True),
        (Condition("enterprise.certifications", "none_of", ("hnte",)), ["hnte"], False),
        (Condition("enterprise.years_operating", "gte", 2), 2, True),
        (Condition("enterprise.years_operating", "gte", 2), 1, False),
        (Condition("enterprise.years_operating", "gte", 2), None, False),
        (Condition("request.term_months", "lte", 12), 12, True),
        (Condition("request.term_months", "lte", 12), 13, False),
        (Condition("request.term_months", "lte", 12), None, False),
    ],
)
def test_conditions_hold(condition, actual, holds):
    assert condition.holds(actual) is holds


# --------------------------------------------------------------------------- check_channel

RMB_LOAN = ChannelRule(
    code="cross_border_rmb_loan",
    from_jurisdictions=frozenset({"macao"}),
    to_jurisdictions=frozenset({"hengqin", "zhuhai"}),
    instruments=frozenset({"credit_loan", "guaranteed_loan"}),
    lender_currencies=frozenset({"CNY"}),
    borrower_currencies=frozenset({"CNY"}),
    conditions=(Condition("institution.kind", "in", ("macao_bank",)),),
    priority=10,
)
DIRECT_LOAN = ChannelRule(
    code="cross_border_direct_loan",
    from_jurisdictions=frozenset({"macao", "hong_kong"}),
    to_jurisdictions=frozenset({"hengqin", "zhuhai"}),
    instruments=frozenset({"credit_loan", "guaranteed_loan"}),
    lender_currencies=frozenset({"MOP", "HKD", "USD", "CNY"}),
    borrower_currencies=frozenset({"CNY", "MOP", "HKD", "USD"}),
    limit_rule="mpa_cap_or_facilitation_quota",
    priority=20,
)
QFLP = ChannelRule(
    code="qflp_equity",
    from_jurisdictions=frozenset({"macao", "hong_kong", "elsewhere"}),
    to_jurisdictions=frozenset({"hengqin"}),
    instruments=frozenset({"equity"}),
    lender_currencies=frozenset({"MOP", "HKD", "USD", "EUR"}),
    borrower_currencies=frozenset({"CNY"}),
    conditions=(Condition("institution.kind", "in", ("qflp_fund",)),),
    priority=10,
)


RMB_FROM_MACAO_BANK = Flow(
    lender_jurisdiction="macao",
    enterprise_jurisdiction="hengqin",
    instruments=frozenset({"credit_loan"}),
    lender_currency="CNY",
    borrower_currency="CNY",
    facts={"institution.kind": "macao_bank"},
)


def loan(**changes) -> Flow:
    """A Macao bank's RMB credit loan to a Hengqin enterprise, with ``changes``."""
    return replace(RMB_FROM_MACAO_BANK, **changes)


def test_a_fitting_channel_has_no_mismatch():
    verdict = check_channel(RMB_LOAN, loan())
    assert verdict.fits
    assert verdict.mismatches == ()
    assert verdict.channel is RMB_LOAN


def test_every_mismatch_is_reported_not_only_the_first():
    flow = Flow(
        lender_jurisdiction="hong_kong",
        enterprise_jurisdiction="macao",
        instruments=frozenset({"equity", "bond"}),
        lender_currency="USD",
        borrower_currency="MOP",
        facts={"institution.kind": "hong_kong_bank"},
    )
    inactive = replace(RMB_LOAN, active=False)
    verdict = check_channel(inactive, flow)
    assert not verdict.fits
    by_code = {m.code: m for m in verdict.mismatches}
    assert list(by_code) == [
        "inactive", "lender_jurisdiction", "enterprise_jurisdiction", "instrument",
        "lender_currency", "borrower_currency", "condition",
    ]
    assert (by_code["lender_jurisdiction"].expected, by_code["lender_jurisdiction"].actual) == (("macao",), "hong_kong")
    assert by_code["enterprise_jurisdiction"].expected == ("hengqin", "zhuhai")
    assert by_code["enterprise_jurisdiction"].actual == "macao"
    assert by_code["instrument"].expected == ("credit_loan", "guaranteed_loan")
    assert by_code["instrument"].actual == ("bond", "equity")
    assert (by_code["lender_currency"].expected, by_code["lender_currency"].actual) == (("CNY",), "USD")
    assert (by_code["borrower_currency"].expected, by_code["borrower_currency"].actual) == (("CNY",), "MOP")
    cond = by_code["condition"]
    assert cond.condition == RMB_LOAN.conditions[0]
    assert (cond.expected, cond.actual) == (("macao_bank",), "hong_kong_bank")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lender_jurisdiction": "hengqin"}, "lender_jurisdiction"),
        ({"enterprise_jurisdiction": "guangzhou"}, "enterprise_jurisdiction"),
        ({"instruments": frozenset({"equity"})}, "instrument"),
        ({"instruments": frozenset()}, "instrument"),
        ({"lender_currency": "MOP"}, "lender_currency"),
        ({"borrower_currency": "HKD"}, "borrower_currency"),
        ({"facts": {"institution.kind": "commercial_bank"}}, "condition"),
        ({"facts": {}}, "condition"),
    ],
)
def test_each_single_mismatch_is_named(changes, code):
    verdict = check_channel(RMB_LOAN, loan(**changes))
    assert [m.code for m in verdict.mismatches] == [code]


def test_an_inactive_channel_carries_nothing():
    verdict = check_channel(replace(RMB_LOAN, active=False), loan())
    assert [m.code for m in verdict.mismatches] == ["inactive"]


def test_a_shared_instrument_is_enough():
    assert check_channel(RMB_LOAN, loan(instruments=frozenset({"equity", "guaranteed_loan"}))).fits


def test_every_failing_condition_is_reported():
    rule = replace(DIRECT_LOAN, conditions=(
        Condition("enterprise.years_operating", "gte", 2),
        Condition("request.term_months", "lte", 60),
        Condition("enterprise.certifications", "any_of", ("hnte",)),
    ))
    verdict = check_channel(rule, loan(facts={"enterprise.years_operating": 1, "request.term_months": 72,
                                              "enterprise.certifications": frozenset({"hnte"})}))
    assert [(m.code, m.expected, m.actual) for m in verdict.mismatches] == [
        ("condition", 2, 1), ("condition", 60, 72)]


# --------------------------------------------------------------------------- channels_for


def test_an_rmb_loan_from_a_macao_bank_goes_through_the_rmb_loan_channel_first():
    answer = channels_for(loan(), [QFLP, DIRECT_LOAN, RMB_LOAN])
    assert [c.code for c in answer.fitting] == ["cross_border_rmb_loan", "cross_border_direct_loan"]
    assert answer.best is RMB_LOAN
    assert [v.channel.code for v in answer.refused] == ["qflp_equity"]
    assert answer.verdicts[-1].channel is QFLP


def test_a_foreign_currency_loan_is_foreign_debt_through_the_direct_loan_channel():
    answer = channels_for(loan(lender_currency="MOP", borrower_currency="MOP"), [RMB_LOAN, QFLP, DIRECT_LOAN])
    assert answer.best is DIRECT_LOAN
    assert answer.best.limit_rule == "mpa_cap_or_facilitation_quota"
    rmb = next(v for v in answer.refused if v.channel is RMB_LOAN)
    assert {m.code for m in rmb.mismatches} == {"lender_currency", "borrower_currency"}


def test_equity_from_a_macao_investor_goes_through_a_qflp_fund():
    flow = loan(instruments=frozenset({"equity"}), lender_currency="USD",
                facts={"institution.kind": "qflp_fund"})
    assert channels_for(flow, [RMB_LOAN, DIRECT_LOAN, QFLP]).best is QFLP
    # Not from a QFLP fund: no channel, and the reason is the condition.
    direct_investor = loan(instruments=frozenset({"equity"}), lender_currency="USD",
                           facts={"institution.kind": "venture_capital"})
    answer = channels_for(direct_investor, [RMB_LOAN, DIRECT_LOAN, QFLP])
    assert answer.best is None and answer.fitting == ()
    qflp = next(v for v in answer.verdicts if v.channel is QFLP)
    assert [m.code for m in qflp.mismatches] == ["condition"]


def test_no_channel_says_why_for_each():
    flow = loan(lender_jurisdiction="elsewhere", enterprise_jurisdiction="guangzhou", lender_currency="EUR")
    answer = channels_for(flow, [RMB_LOAN, DIRECT_LOAN, QFLP])
    assert answer.fitting == () and answer.best is None
    assert len(answer.refused) == 3
    assert all(v.mismatches for v in answer.refused)
    # Refusals by priority, then the fewest reasons, then code.
    assert [v.channel for v in answer.refused] == [RMB_LOAN, QFLP, DIRECT_LOAN]
    assert [len(v.mismatches) for v in answer.refused] == [3, 3, 3]
    assert channels_for(flow, []).verdicts == ()


def test_fitting_channels_are_ordered_by_priority_then_code():
    a = replace(DIRECT_LOAN, code="b_channel", priority=5)
    b = replace(DIRECT_LOAN, code="a_channel", priority=5)
    c = replace(DIRECT_LOAN, code="0_channel", priority=50)
    off = replace(DIRECT_LOAN, code="000_off", priority=1, active=False)
    answer = channels_for(loan(), [c, off, a, RMB_LOAN, b])
    assert [r.code for r in answer.fitting] == ["a_channel", "b_channel", "cross_border_rmb_loan", "0_channel"]
    assert [v.fits for v in answer.verdicts] == [True, True, True, True, False]
    assert answer.verdicts[-1].channel is off


def test_refused_channels_come_after_every_fitting_one_whatever_their_priority():
    urgent = replace(QFLP, code="urgent", priority=-1)
    answer = channels_for(loan(), [urgent, DIRECT_LOAN])
    assert [v.channel.code for v in answer.verdicts] == ["cross_border_direct_loan", "urgent"]


# --------------------------------------------------------------------------- direction


@pytest.mark.parametrize(
    ("lender", "enterprise", "expected"),
    [
        ("guangzhou", "hengqin", "domestic"),
        ("hengqin", "hengqin", "domestic"),
        ("macao", "hengqin", "into_mainland"),
        ("elsewhere", "zhuhai", "into_mainland"),
        ("zhuhai", "macao", "out_of_mainland"),
        ("shenzhen", "hong_kong", "out_of_mainland"),
        ("hong_kong", "macao", "offshore"),
        ("macao", "elsewhere", "offshore"),
        ("macao", "macao", "domestic"),
    ],
)
def test_direction_of_a_flow(lender, enterprise, expected):
    assert direction(lender, enterprise, mainland=MAINLAND) == expected


def test_direction_depends_on_the_mainland_given():
    assert direction("macao", "hengqin", mainland=frozenset()) == "offshore"
    assert direction("macao", "hengqin", mainland=frozenset({"macao", "hengqin"})) == "domestic"
