"""The programme field catalogue, an enterprise's values for it, and the sentences that
explain programme rules (refusals for operators, criteria and failures for enterprises)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from bayfin.common.vocab import CertificationKind, Jurisdiction, Sector, Stage
from bayfin.evaluation.engine.facts import Facts, YearFigures
from bayfin.evaluation.engine.results import Result
from bayfin.evaluation.engine.rules import Leaf, RuleError, RuleErrors, compile_rule
from bayfin.evaluation.explain.programmes import (
    leaf_text,
    rule_error_text,
    rule_outline,
    unknown_text,
    value_text,
)
from bayfin.evaluation.programme_fields import (
    FIELD_LABELS,
    FIELD_UNITS,
    FIELDS,
    choice_label,
    field_label,
    field_values,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def year(y: int, revenue: str, rd: str, assets: str = "30000000") -> YearFigures:
    return YearFigures(year=y, revenue=Decimal(revenue), rd_expense=Decimal(rd), total_costs=Decimal(revenue),
                       total_assets=Decimal(assets), net_assets=Decimal(assets) / 2)


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {
        "as_of": date(2025, 6, 30), "jurisdiction": "hengqin", "mainland": True, "macao": False,
        "founding_date": date(2021, 7, 1), "employees": 40, "tech_staff": 12, "class_i_ip": 1,
        "class_ii_ip": 3, "years": (year(2023, "8000000", "400000"), year(2024, "10000000", "450000")),
    }
    return Facts(**{**base, **changes})


def result(rule_set: str, status: str, score: int | None = None) -> Result:
    return Result(rule_set=rule_set, version="x", status=status, path=None, score=score,  # type: ignore[arg-type]
                  score_low=score or 0, score_high=score or 100, pass_mark=None, indicators=(),
                  conditions=(), missing=())


def values(f: Facts | None = None, results: dict[str, Result] | None = None, **kw: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"sector": "ai_big_data", "stage": "series_a", "certifications": ["srdi", "hnte"]}
    return field_values(f or facts(), results or {}, **{**options, **kw})


def codes(choices: Any) -> frozenset[str]:
    return frozenset(str(v) for v, _ in choices.choices)


# --------------------------------------------------------------------------- catalogue


def test_the_catalogue_names_its_fields_and_types():
    assert {name: spec.type for name, spec in FIELDS.items()} == {
        "enterprise.jurisdiction": "string", "enterprise.sector": "string", "enterprise.stage": "string",
        "enterprise.employees": "integer", "enterprise.tech_staff_share": "number",
        "enterprise.years_operating": "integer", "enterprise.revenue_cny": "number",
        "enterprise.total_assets_cny": "number", "enterprise.rd_share_of_revenue": "number",
        "enterprise.class_i_ip": "integer", "enterprise.class_ii_ip": "integer",
        "enterprise.certifications": "list", "evaluation.scitech_sme.status": "string",
        "evaluation.hnte.status": "string", "evaluation.macao_tech.status": "string",
        "evaluation.scitech_sme.score": "integer",
    }
    assert all(spec.name == name for name, spec in FIELDS.items())


def test_choices_come_from_the_vocabularies():
    assert FIELDS["enterprise.jurisdiction"].choices == codes(Jurisdiction)
    assert FIELDS["enterprise.sector"].choices == codes(Sector)
    assert FIELDS["enterprise.stage"].choices == codes(Stage)
    assert FIELDS["enterprise.certifications"].choices == codes(CertificationKind)
    for name in ("scitech_sme", "hnte", "macao_tech"):
        assert FIELDS[f"evaluation.{name}.status"].choices == {"qualified", "not_qualified", "undetermined"}
    assert FIELDS["enterprise.revenue_cny"].choices is None


def test_every_field_has_a_label_and_codes_have_theirs():
    assert set(FIELD_LABELS) == set(FIELDS)
    assert set(FIELD_UNITS) <= set(FIELDS)
    assert field_label("enterprise.sector") == "Sector"
    assert field_label("no.such") == "no.such"
    assert choice_label("enterprise.sector", "fintech") == "Fintech"
    assert choice_label("enterprise.certifications", "hnte") == "High and New Technology Enterprise (HNTE)"
    assert choice_label("evaluation.hnte.status", "not_qualified") == "Not qualified"
    assert choice_label("enterprise.sector", "unheard_of") == "unheard_of"
    with translation.override("zh-hans"):  # lazy: the label follows the active language
        assert field_label("enterprise.sector") == str(FIELD_LABELS["enterprise.sector"])


def test_rules_over_the_catalogue_compile_and_typos_are_caught():
    rule = compile_rule({"and": [{"in": [{"var": "enterprise.jurisdiction"}, ["hengqin", "macao"]]},
                                 {">=": [{"var": "enterprise.rd_share_of_revenue"}, "3"]}]}, FIELDS)
    assert rule.fields() == ("enterprise.jurisdiction", "enterprise.rd_share_of_revenue")
    with pytest.raises(RuleErrors) as caught:
        compile_rule({"==": [{"var": "enterprise.sector"}, "fin_tech"]}, FIELDS)
    assert caught.value.errors[0].params["suggestion"] == "fintech"


# --------------------------------------------------------------------------- values


def test_values_for_an_enterprise_with_statements():
    v = values(results={"scitech_sme": result("scitech_sme", "qualified", 72),
                        "hnte": result("hnte", "undetermined")})
    assert set(v) == set(FIELDS)
    assert v["enterprise.jurisdiction"] == "hengqin"
    assert (v["enterprise.sector"], v["enterprise.stage"]) == ("ai_big_data", "series_a")
    assert v["enterprise.employees"] == 40
    assert v["enterprise.tech_staff_share"] == Decimal(30)
    assert v["enterprise.years_operating"] == 3  # founded 2021-07-01, as of 2025-06-30: not yet four
    assert v["enterprise.revenue_cny"] == Decimal("10000000")  # the latest year
    assert v["enterprise.total_assets_cny"] == Decimal("30000000")
    assert v["enterprise.rd_share_of_revenue"] == Decimal("4.5")
    assert (v["enterprise.class_i_ip"], v["enterprise.class_ii_ip"]) == (1, 3)
    assert v["enterprise.certifications"] == ["hnte", "srdi"]
    assert v["evaluation.scitech_sme.status"] == "qualified"
    assert v["evaluation.scitech_sme.score"] == 72
    assert v["evaluation.hnte.status"] == "undetermined"
    assert v["evaluation.macao_tech.status"] is None  # not evaluated: unknown, not "not qualified"
    assert not any(isinstance(x, float) for x in v.values())


def test_what_the_platform_does_not_know_is_none():
    v = values(facts(years=(), employees=0, tech_staff=0), sector="", stage="", certifications=[])
    for name in ("enterprise.revenue_cny", "enterprise.total_assets_cny", "enterprise.rd_share_of_revenue",
                 "enterprise.tech_staff_share", "enterprise.sector", "enterprise.stage",
                 "evaluation.scitech_sme.score", "evaluation.hnte.status"):
        assert v[name] is None, name
    assert v["enterprise.certifications"] == []  # none held is known
    assert v["enterprise.employees"] == 0
    zero_revenue = values(facts(years=(year(2024, "0", "10"),)))
    assert zero_revenue["enterprise.rd_share_of_revenue"] is None
    assert zero_revenue["enterprise.revenue_cny"] == 0


def test_years_operating_counts_whole_years_and_never_goes_negative():
    assert values(facts(founding_date=date(2021, 6, 30)))["enterprise.years_operating"] == 4
    assert values(facts(founding_date=date(2025, 7, 1)))["enterprise.years_operating"] == 0


def test_the_values_fit_the_catalogue_so_any_rule_can_check_them():
    every_field = {"and": [
        {"in": [{"var": "enterprise.jurisdiction"}, ["hengqin"]]},
        {"==": [{"var": "enterprise.sector"}, "ai_big_data"]},
        {"!=": [{"var": "enterprise.stage"}, "seed"]},
        {"<=": [{"var": "enterprise.employees"}, 500]},
        {">=": [{"var": "enterprise.tech_staff_share"}, 30]},
        {">=": [{"var": "enterprise.years_operating"}, 1]},
        {"<=": [{"var": "enterprise.revenue_cny"}, "200000000"]},
        {"<=": [{"var": "enterprise.total_assets_cny"}, "200000000"]},
        {">=": [{"var": "enterprise.rd_share_of_revenue"}, "4.5"]},
        {">=": [{"var": "enterprise.class_i_ip"}, 1]},
        {"<": [0, {"var": "enterprise.class_ii_ip"}, 10]},
        {"in": ["hnte", {"var": "enterprise.certifications"}]},
        {"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]},
        {">=": [{"var": "evaluation.scitech_sme.score"}, 60]},
        {"!": {"==": [{"var": "evaluation.hnte.status"}, "not_qualified"]}},
        {"!=": [{"var": "evaluation.macao_tech.status"}, "qualified"]},
    ]}
    rule = compile_rule(every_field, FIELDS)
    assert set(rule.fields()) == set(FIELDS)
    results = {"scitech_sme": result("scitech_sme", "qualified", 72), "hnte": result("hnte", "qualified"),
               "macao_tech": result("macao_tech", "not_qualified")}
    assert rule.check(values(results=results)).status == "pass"
    bare = rule.check(values(facts(years=()), {}, certifications=[]))
    assert bare.status == "fail"  # no HNTE certificate decides it, whatever is unknown
    assert [f.field for f in bare.failures] == ["enterprise.certifications"]
    assert set(bare.unknown) == {"enterprise.revenue_cny", "enterprise.total_assets_cny",
                                 "enterprise.rd_share_of_revenue", "evaluation.scitech_sme.status",
                                 "evaluation.scitech_sme.score", "evaluation.hnte.status",
                                 "evaluation.macao_tech.status"}


# --------------------------------------------------------------------------- explanations


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (RuleError("and[1]", "unknown_field", {"name": "enterprise.revenu", "suggestion": "enterprise.revenue_cny"}),
         "and[1]: unknown field 'enterprise.revenu'; did you mean 'enterprise.revenue_cny'?"),
        (RuleError("", "unknown_field", {"name": "x", "suggestion": None}), "unknown field 'x'"),
        (RuleError("", "not_json", {"message": "m", "line": 3, "column": 7}),
         "the rule is not valid JSON (line 3, column 7)"),
        (RuleError("", "too_large", {"limit": 20000, "unit": "characters", "size": 20001}),
         "the rule is too long: at most 20,000 characters"),
        (RuleError("", "too_large", {"limit": 200, "unit": "nodes"}),
         "the rule is too large: at most 200 parts (conditions, fields and values)"),
        (RuleError("and[0]", "too_deep", {"limit": 8}), "and[0]: the rule is nested too deeply: at most 8 levels"),
        (RuleError("or[2]", "not_an_object", {"got": "number"}),
         "or[2]: a condition is expected here, as an object with one operator, not a number"),
        (RuleError("", "several_operators", {"operators": ["and", "or"]}),
         "a condition has exactly one operator; this one has 'and', 'or'"),
        (RuleError("", "unknown_operator", {"operator": "=>", "suggestion": ">="}),
         "unknown operator '=>'; did you mean '>='?"),
        (RuleError("", "wrong_arity", {"operator": "!", "expected": "one", "got": 2}),
         "'!' takes exactly one condition"),
        (RuleError("", "field_expected", {"operator": "=="}),
         "'==' compares one field, written {\"var\": \"name\"}, with values"),
        (RuleError("", "operator_not_for_type", {"operator": "<", "field": "enterprise.sector", "type": "string"}),
         "'<' does not apply to 'enterprise.sector', which is a text code"),
        (RuleError(">=[1]", "literal_type", {"field": "enterprise.employees", "expected": "integer", "got": "string"}),
         ">=[1]: 'enterprise.employees' needs a whole number here, not a text code"),
        (RuleError("in[1][0]", "unknown_choice", {"field": "enterprise.sector", "value": "fintec",
                                                  "suggestion": "fintech"}),
         "in[1][0]: 'fintec' is not a code of 'enterprise.sector'; did you mean 'fintech'?"),
        (RuleError("", "empty_list", {"operator": "and"}), "'and' needs at least one item"),
    ],
)
def test_rule_errors_read_as_sentences_with_their_path(error, text):
    assert rule_error_text(error) == text


def test_every_refusal_the_compiler_makes_has_a_sentence():
    bad = {"and": [{">=": [{"var": "enterprise.revenu"}, 1]}, {"<": [{"var": "enterprise.sector"}, "a"]},
                   {"==": [{"var": "enterprise.sector"}, "fintec"]}, {"x": 1}, 5, {"or": []},
                   {"==": [1, 2]}, {"==": [{"var": "enterprise.employees"}, "many"]}, {"a": 1, "b": 2},
                   {"!": [1, 2]}]}
    with pytest.raises(RuleErrors) as caught:
        compile_rule(bad, FIELDS)
    assert len(caught.value.errors) == 10
    for err in caught.value.errors:
        text = rule_error_text(err)
        assert text.startswith(err.path + ": ") and err.code not in text


def leaf(field: str, op: str, value: Any, **kw: Any) -> Leaf:
    return Leaf("", field, op, value, **kw)


@pytest.mark.parametrize(
    ("item", "actual", "text"),
    [
        (leaf("enterprise.sector", "in", ("integrated_circuits", "ai_big_data")), None,
         "Sector is one of: Integrated circuits and electronics, AI and big data"),
        (leaf("enterprise.sector", "in", ("integrated_circuits", "ai_big_data")), "fintech",
         "Sector is one of: Integrated circuits and electronics, AI and big data (yours: Fintech)"),
        (leaf("enterprise.sector", "in", ("fintech",), negated=True), "fintech",
         "Sector is none of: Fintech (yours: Fintech)"),
        (leaf("enterprise.sector", "==", "fintech", negated=True), None, "Sector is not Fintech"),
        (leaf("enterprise.stage", "!=", "seed"), None, "Stage is not Seed"),
        (leaf("enterprise.revenue_cny", ">=", Decimal("5000000")), Decimal("1234567.5"),
         "Revenue in the latest year is at least RMB 5,000,000 (yours: RMB 1,234,567.50)"),
        (leaf("enterprise.rd_share_of_revenue", ">=", Decimal("3")), Decimal(100) / 3,
         "R&D expense as a share of revenue in the latest year is at least 3% (yours: 33.333%)"),
        (leaf("enterprise.employees", "<=", 500), 1200, "Employees is at most 500 (yours: 1,200)"),
        (leaf("enterprise.employees", "<=", 500, negated=True), None, "Employees is above 500"),
        (leaf("enterprise.years_operating", "<", 2, negated=True), None, "Years in operation is at least 2"),
        (leaf("enterprise.years_operating", "between", (1, 10)), 12,
         "Years in operation is from 1 to 10 (yours: 12)"),
        (leaf("enterprise.years_operating", "between_exclusive", (1, 10)), None,
         "Years in operation is above 1 and below 10"),
        (leaf("enterprise.certifications", "contains", "hnte"), (),
         "Certifications include High and New Technology Enterprise (HNTE) (yours: none)"),
        (leaf("enterprise.certifications", "contains", "hnte", negated=True), ("hnte", "srdi"),
         "Certifications do not include High and New Technology Enterprise (HNTE) (yours: High and New "
         "Technology Enterprise (HNTE), Specialised, refined, distinctive and novel (SRDI))"),
        (leaf("evaluation.hnte.status", "==", "qualified"), "undetermined",
         "HNTE pre-check is Qualified (yours: Undetermined)"),
        (leaf("enterprise.class_i_ip", ">", 0, actual=0), None, "Class I IP items is above 0 (yours: 0)"),
    ],
)
def test_leaves_read_as_criteria(item, actual, text):
    assert leaf_text(item, actual) == text


def test_every_leaf_operator_reads_both_ways():
    for op, value in [("==", 1), ("!=", 1), ("<", 1), ("<=", 1), (">", 1), (">=", 1), ("in", (1, 2)),
                      ("contains", "hnte"), ("between", (1, 2)), ("between_exclusive", (1, 2))]:
        plain = leaf_text(leaf("enterprise.certifications" if op == "contains" else "enterprise.employees",
                               op, value))
        negated = leaf_text(leaf("enterprise.certifications" if op == "contains" else "enterprise.employees",
                                 op, value, negated=True))
        assert plain != negated and "%(" not in plain + negated


def test_failures_of_a_checked_rule_explain_themselves():
    rule = compile_rule({"and": [
        {"in": [{"var": "enterprise.sector"}, ["integrated_circuits", "ai_big_data"]]},
        {"!": {"in": ["srdi", {"var": "enterprise.certifications"}]}},
        {">=": [{"var": "evaluation.scitech_sme.score"}, 60]},
    ]}, FIELDS)
    out = rule.check(values(sector="fintech"))
    assert [leaf_text(f) for f in out.failures] == [
        "Sector is one of: Integrated circuits and electronics, AI and big data (yours: Fintech)",
        "Certifications do not include Specialised, refined, distinctive and novel (SRDI) (yours: High and "
        "New Technology Enterprise (HNTE), Specialised, refined, distinctive and novel (SRDI))",
    ]
    assert [unknown_text(f) for f in out.unknown] == [
        "Sci-tech SME score: not known until the enterprise is evaluated"]
    assert [leaf_text(x) for x in rule.leaves()][1].startswith("Certifications do not include")


def test_unknown_fields_say_what_would_make_them_known():
    assert unknown_text("enterprise.revenue_cny") == (
        "Revenue in the latest year: not known yet (add a complete year of financial statements)")
    assert unknown_text("enterprise.class_i_ip") == "Class I IP items: not known yet"
    assert unknown_text("evaluation.hnte.status") == "HNTE pre-check: not known until the enterprise is evaluated"


def test_values_are_shown_in_the_readers_language():
    with translation.override("zh-hans"):
        assert "5,000,000" in value_text("enterprise.revenue_cny", Decimal("5000000"))
    with translation.override("pt"):
        assert value_text("enterprise.employees", 1200) in ("1200", "1\xa0200", "1 200")
    assert value_text("x.flag", True) == "yes"


def test_a_rule_reads_as_nested_criteria():
    rule = compile_rule({"and": [
        {"==": [{"var": "enterprise.jurisdiction"}, "hengqin"]},
        {"or": [{"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]},
                {"in": ["hnte", {"var": "enterprise.certifications"}]}]},
        {"!": {"or": [{"==": [{"var": "enterprise.sector"}, "fintech"]},
                      {"==": [{"var": "enterprise.stage"}, "seed"]}]}},
        {"!": {">=": [{"var": "enterprise.employees"}, 500]}},
    ]}, FIELDS)
    outline = rule_outline(rule)
    assert outline["heading"] == "All of these:"
    first, either, neither, small = outline["parts"]
    assert first == {"text": "Jurisdiction is Hengqin"}
    assert either["heading"] == "Any one of these:" and len(either["parts"]) == 2
    assert neither["heading"] == "None of these:" and neither["parts"][0]["text"].startswith("Sector is")
    assert "employees" in small["text"].lower() and "500" in small["text"]
    assert rule_outline(compile_rule(True, FIELDS)) == {"text": "Every enterprise is eligible."}
