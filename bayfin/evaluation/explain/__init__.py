"""The evaluation engine's codes in the reader's language: one place for every message.

One module per rule set (and one for programme rules), each exporting dicts
``INDICATORS, CONDITIONS, CHANGES, MISSING, PATHS`` from a code to a function of the
result's numbers. Stored results are re-explained in whatever language the reader uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from importlib import import_module
from typing import Any

from django.utils.translation import gettext as _

from ..engine.results import Advice, Change, Condition, Indicator, Result

Message = Callable[[dict[str, Any]], str]
# One module per rule set, named after it (``explain/hnte.py`` for "hnte").
RULE_SET_MODULES = ("scitech_sme", "hnte", "macao_tech")


def _table(rule_set: str, name: str) -> dict[str, Message]:
    if rule_set not in RULE_SET_MODULES:
        return {}
    return getattr(import_module(f"{__name__}.{rule_set}"), name, {})  # type: ignore[no-any-return]


def _say(rule_set: str, table: str, code: str, params: dict[str, Any]) -> str:
    message = _table(rule_set, table).get(code)
    return message(params) if message else code


def _own(obj: Any) -> dict[str, Any]:
    params = {k: v for k, v in asdict(obj).items() if k != "detail"}
    params.update(dict(getattr(obj, "detail", ()) or ()))
    return params


def indicator_text(rule_set: str, indicator: Indicator) -> str:
    return _say(rule_set, "INDICATORS", indicator.code, _own(indicator))


def condition_text(rule_set: str, condition: Condition) -> str:
    return _say(rule_set, "CONDITIONS", condition.code, _own(condition))


def change_text(rule_set: str, change: Change) -> str:
    return _say(rule_set, "CHANGES", change.kind, _own(change))


def advice_text(rule_set: str, advice: Advice) -> str:
    """The changes of one piece of advice, each a full sentence."""
    return " ".join(change_text(rule_set, c) for c in advice.changes)


def missing_text(rule_set: str, code: str) -> str:
    return _say(rule_set, "MISSING", code, {})


def path_text(rule_set: str, path: str | None) -> str:
    return _say(rule_set, "PATHS", path, {}) if path else ""


RULE_SET_NAMES: dict[str, Callable[[], str]] = {
    "scitech_sme": lambda: _("Sci-tech SME"),
    "hnte": lambda: _("High and New Technology Enterprise (pre-check)"),
    "macao_tech": lambda: _("Macao technology enterprise"),
}
STATUS_NAMES: dict[str, Callable[[], str]] = {
    "qualified": lambda: _("Qualifies"),
    "not_qualified": lambda: _("Does not qualify yet"),
    "undetermined": lambda: _("Cannot tell yet"),
}


def rule_set_name(rule_set: str) -> str:
    name = RULE_SET_NAMES.get(rule_set)
    return name() if name else rule_set


def status_name(status: str) -> str:
    name = STATUS_NAMES.get(status)
    return name() if name else status


def explained(result: Result) -> dict[str, Any]:
    """A result with every code turned into a sentence: what pages and the API show."""
    rs = result.rule_set
    return {
        "rule_set": rs,
        "rule_set_name": rule_set_name(rs),
        "version": result.version,
        "status": result.status,
        "status_name": status_name(result.status),
        "path": result.path,
        "path_text": path_text(rs, result.path),
        "score": result.score,
        "score_low": result.score_low,
        "score_high": result.score_high,
        "pass_mark": result.pass_mark,
        "indicators": [
            {"code": i.code, "points": i.points, "low": i.low, "high": i.high, "max_points": i.max_points,
             "text": indicator_text(rs, i)}
            for i in result.indicators
        ],
        "conditions": [
            {"code": c.code, "status": c.status, "text": condition_text(rs, c)} for c in result.conditions
        ],
        "missing": [{"code": m, "text": missing_text(rs, m)} for m in result.missing],
        "advice": [
            {"text": advice_text(rs, a), "relative_size": a.relative_size,
             "changes": [{"kind": c.kind, "amount": c.amount, "value_from": c.value_from,
                          "text": change_text(rs, c)} for c in a.changes]}
            for a in result.advice
        ],
    }
