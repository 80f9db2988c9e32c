"""The versioned rule sets. A new year's rules are a new version: old results stay
reproducible because every stored result names its rule set and version and keeps the
inputs it read.
"""

from __future__ import annotations

from collections.abc import Callable

from . import hnte, macao_tech, scitech_sme
from .facts import Facts
from .results import Result

Evaluator = Callable[[Facts], Result]

RULE_SETS: dict[tuple[str, str], Evaluator] = {
    ("scitech_sme", "2022"): scitech_sme.evaluate_2022,
    ("hnte", "2016"): hnte.evaluate_2016,
    ("macao_tech", "2023"): macao_tech.evaluate_2023,
}
# The version used for new evaluations; the order is the order pages show them in.
CURRENT: dict[str, str] = {"scitech_sme": "2022", "hnte": "2016", "macao_tech": "2023"}


class UnknownRuleSet(KeyError):
    pass


def evaluate(rule_set: str, facts: Facts, version: str | None = None) -> Result:
    key = (rule_set, version or CURRENT.get(rule_set, ""))
    try:
        evaluator = RULE_SETS[key]
    except KeyError:
        raise UnknownRuleSet(f"{key[0]} {key[1]}") from None
    return evaluator(facts)


def evaluate_all(facts: Facts) -> tuple[Result, ...]:
    return tuple(evaluate(name, facts) for name in CURRENT)
