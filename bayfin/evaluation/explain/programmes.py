"""Programme rules in the reader's language: refusals for operators, criteria and
failing conditions for enterprises.

The engine (``engine.rules``) returns codes, paths and leaves; these functions turn
them into sentences, showing codes by their vocabulary labels and numbers in the
reader's format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from bayfin.common.i18n import format_amount, format_number

from ..engine.rules import And, Const, Leaf, Node, Not, Or, Rule, RuleError
from ..programme_fields import FIELD_UNITS, FIELDS, choice_label, field_label
from ._format import rmb

_TYPE_NAMES: dict[str, Callable[[], str]] = {
    "number": lambda: _("a number"),
    "integer": lambda: _("a whole number"),
    "string": lambda: _("a text code"),
    "boolean": lambda: _("true or false"),
    "list": lambda: _("a list"),
    "null": lambda: _("null"),
    "object": lambda: _("an object"),
    "empty_object": lambda: _("an empty object"),
}
_ARITIES: dict[str, Callable[[], str]] = {
    "list": lambda: _("a non-empty list of conditions"),
    "one": lambda: _("exactly one condition"),
    "two": lambda: _("two arguments: a field and a value"),
    "two_or_three": lambda: _("two arguments (a field and a value) or three (low, field, high)"),
}


def _type_name(code: Any) -> str:
    make = _TYPE_NAMES.get(str(code))
    return make() if make else str(code)


def _quoted(value: Any) -> str:
    return f"'{value}'"


def _did_you_mean(suggestion: Any) -> str:
    return _("; did you mean %(suggestion)s?") % {"suggestion": _quoted(suggestion)} if suggestion else ""


def _error_message(err: RuleError) -> str:
    p, code = err.params, err.code
    if code == "not_json":
        if p.get("line") is not None:
            return _("the rule is not valid JSON (line %(line)s, column %(column)s)") % {
                "line": p["line"], "column": p["column"]}
        return _("the rule is not valid JSON (%(message)s)") % {"message": p.get("message", "")}
    if code == "too_large":
        if p.get("unit") == "characters":
            return _("the rule is too long: at most %(limit)s characters") % {
                "limit": format_number(p["limit"])}
        return _("the rule is too large: at most %(limit)s parts (conditions, fields and values)") % {
            "limit": format_number(p["limit"])}
    if code == "too_deep":
        return _("the rule is nested too deeply: at most %(limit)s levels") % {"limit": p["limit"]}
    if code == "not_an_object":
        return _("a condition is expected here, as an object with one operator, not %(got)s") % {
            "got": _type_name(p.get("got"))}
    if code == "several_operators":
        return _("a condition has exactly one operator; this one has %(operators)s") % {
            "operators": ", ".join(_quoted(o) for o in p.get("operators", ()))}
    if code == "unknown_operator":
        return _("unknown operator %(operator)s") % {"operator": _quoted(p["operator"])} + _did_you_mean(
            p.get("suggestion"))
    if code == "unknown_field":
        return _("unknown field %(name)s") % {"name": _quoted(p["name"])} + _did_you_mean(p.get("suggestion"))
    if code == "wrong_arity":
        expected = _ARITIES.get(str(p.get("expected")))
        return _("%(operator)s takes %(expected)s") % {
            "operator": _quoted(p["operator"]), "expected": expected() if expected else p.get("expected")}
    if code == "field_expected":
        return _("%(operator)s compares one field, written {\"var\": \"name\"}, with values") % {
            "operator": _quoted(p["operator"])}
    if code == "operator_not_for_type":
        return _("%(operator)s does not apply to %(field)s, which is %(type)s") % {
            "operator": _quoted(p["operator"]), "field": _quoted(p["field"]), "type": _type_name(p["type"])}
    if code == "literal_type":
        return _("%(field)s needs %(expected)s here, not %(got)s") % {
            "field": _quoted(p["field"]), "expected": _type_name(p["expected"]), "got": _type_name(p["got"])}
    if code == "unknown_choice":
        return _("%(value)s is not a code of %(field)s") % {
            "value": _quoted(p["value"]), "field": _quoted(p["field"])} + _did_you_mean(p.get("suggestion"))
    if code == "empty_list":
        return _("%(operator)s needs at least one item") % {"operator": _quoted(p.get("operator", ""))}
    return code


def rule_error_text(err: RuleError) -> str:
    """One refusal: "and[1]: unknown field 'enterprise.revenu'; did you mean ...?"."""
    message = _error_message(err)
    return f"{err.path}: {message}" if err.path else message


def value_text(field: str, value: Any) -> str:
    """One value of ``field`` as the reader sees it: a label, a formatted number or amount."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal | int):
        unit = FIELD_UNITS.get(field)
        if unit == "percent":
            return _("%(number)s%%") % {"number": format_number(value)}
        if unit == "CNY":
            return rmb(value)
        if unit:
            return format_amount(Decimal(value), unit)
        return format_number(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(value_text(field, v) for v in value) if value else _("none")
    return choice_label(field, str(value))


# (op, negated) -> the sentence; a negated leaf reads as its complement.
_LEAF_TEMPLATES: dict[tuple[str, bool], Callable[[], str]] = {
    ("==", False): lambda: _("%(field)s is %(value)s"),
    ("!=", True): lambda: _("%(field)s is %(value)s"),
    ("!=", False): lambda: _("%(field)s is not %(value)s"),
    ("==", True): lambda: _("%(field)s is not %(value)s"),
    ("<", False): lambda: _("%(field)s is below %(value)s"),
    (">=", True): lambda: _("%(field)s is below %(value)s"),
    ("<=", False): lambda: _("%(field)s is at most %(value)s"),
    (">", True): lambda: _("%(field)s is at most %(value)s"),
    (">", False): lambda: _("%(field)s is above %(value)s"),
    ("<=", True): lambda: _("%(field)s is above %(value)s"),
    (">=", False): lambda: _("%(field)s is at least %(value)s"),
    ("<", True): lambda: _("%(field)s is at least %(value)s"),
    ("in", False): lambda: _("%(field)s is one of: %(value)s"),
    ("in", True): lambda: _("%(field)s is none of: %(value)s"),
    ("contains", False): lambda: _("%(field)s include %(value)s"),
    ("contains", True): lambda: _("%(field)s do not include %(value)s"),
    ("between", False): lambda: _("%(field)s is from %(low)s to %(high)s"),
    ("between", True): lambda: _("%(field)s is not from %(low)s to %(high)s"),
    ("between_exclusive", False): lambda: _("%(field)s is above %(low)s and below %(high)s"),
    ("between_exclusive", True): lambda: _("%(field)s is not above %(low)s and below %(high)s"),
}


def leaf_text(leaf: Leaf, actual: Any = None) -> str:
    """A criterion: "Sector is one of: AI and big data, Fintech"; with the enterprise's
    value (``actual``, or the leaf's own in an outcome's failures): "... (yours: ...)".

    A negated leaf (under "!") reads as what the rule requires: "... is not ...".
    """
    params: dict[str, str] = {"field": field_label(leaf.field)}
    if leaf.op in ("between", "between_exclusive"):
        low, high = leaf.bounds
        params.update(low=value_text(leaf.field, low), high=value_text(leaf.field, high))
    else:
        params["value"] = value_text(leaf.field, leaf.value)
    text = _LEAF_TEMPLATES[(leaf.op, leaf.negated)]() % params
    shown = actual if actual is not None else leaf.actual
    if shown is None:
        return text
    return _("%(criterion)s (yours: %(actual)s)") % {"criterion": text,
                                                     "actual": value_text(leaf.field, shown)}


_UNKNOWN_HINTS: dict[str, Callable[[], str]] = {
    "enterprise.revenue_cny": lambda: _("add a complete year of financial statements"),
    "enterprise.total_assets_cny": lambda: _("add a complete year of financial statements"),
    "enterprise.rd_share_of_revenue": lambda: _(
        "add a complete year of financial statements with revenue"),
    "enterprise.tech_staff_share": lambda: _("record the number of employees and tech staff"),
    "enterprise.sector": lambda: _("choose a sector in the profile"),
    "enterprise.stage": lambda: _("choose a stage in the profile"),
}


def unknown_text(field: str) -> str:
    """Why a condition on ``field`` could not be decided, and how to let it be."""
    if field.startswith("evaluation.") and field in FIELDS:
        return _("%(field)s: not known until the enterprise is evaluated") % {"field": field_label(field)}
    hint = _UNKNOWN_HINTS.get(field)
    if hint:
        return _("%(field)s: not known yet (%(hint)s)") % {"field": field_label(field), "hint": hint()}
    return _("%(field)s: not known yet") % {"field": field_label(field)}


def rule_outline(rule: Rule | Node) -> dict[str, Any]:
    """A rule as nested criteria, the way a person reads it: a heading ("All of these:",
    "Any one of these:", "None of these:", "Not all of these:") over its parts, or one
    criterion's sentence. Pages render it as nested lists."""
    node = rule.root if isinstance(rule, Rule) else rule
    if isinstance(node, Leaf):
        return {"text": leaf_text(node)}
    if isinstance(node, Const):
        return {"text": _("Every enterprise is eligible.") if node.value
                else _("No enterprise is eligible at present.")}
    if isinstance(node, And):
        return {"heading": _("All of these:"), "parts": [rule_outline(p) for p in node.parts]}
    if isinstance(node, Or):
        return {"heading": _("Any one of these:"), "parts": [rule_outline(p) for p in node.parts]}
    assert isinstance(node, Not)
    inner = node.part
    if isinstance(inner, Leaf):
        return {"text": leaf_text(replace(inner, negated=not inner.negated))}
    if isinstance(inner, Not):
        return rule_outline(inner.part)
    if isinstance(inner, Or):
        return {"heading": _("None of these:"), "parts": [rule_outline(p) for p in inner.parts]}
    if isinstance(inner, And):
        return {"heading": _("Not all of these:"), "parts": [rule_outline(p) for p in inner.parts]}
    return rule_outline(Const(not inner.value))  # type: ignore[union-attr]
