"""Cross-border channels as data, and the pure answer to "which channels carry this money".

A channel says: money from these jurisdictions (the lender's or investor's) may reach
an enterprise in these jurisdictions, for these instruments, lent in these currencies
and received in these, if these conditions hold, with these documents, within this
limit rule. ``channels_for`` checks a ``Flow`` (one product serving one request)
against every channel and returns the ones that fit and, for the others, every reason
they do not, so a page can say "none does, and why".

Conditions are structured, so that a typo cannot silently pass: each names one field
of ``CONDITION_FIELDS`` and an operator that field's kind allows; ``parse_conditions``
refuses anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Field -> kind. "choice": one code; "choices": a set of codes; "number": a whole number.
CONDITION_FIELDS: dict[str, str] = {
    "institution.kind": "choice",
    "enterprise.certifications": "choices",
    "enterprise.years_operating": "number",
    "request.term_months": "number",
}
OPERATORS: dict[str, tuple[str, ...]] = {
    "choice": ("in", "not_in"),
    "choices": ("any_of", "none_of"),
    "number": ("gte", "lte"),
}
LIMIT_RULES = ("none", "mpa_cap", "mpa_cap_or_facilitation_quota")
NUMBER_MAX = 10**9  # far above any count of months or years a condition can mean


class ChannelRuleError(ValueError):
    """A channel rule that cannot be evaluated. ``index`` is the condition's position."""

    def __init__(self, code: str, message: str, *, index: int | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.index = index
        self.params = params


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: str
    value: tuple[str, ...] | int

    def as_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, "op": self.op, "value": value}

    def holds(self, actual: Any) -> bool:
        if self.op == "in":
            return actual in self.value  # type: ignore[operator]
        if self.op == "not_in":
            return actual not in self.value  # type: ignore[operator]
        if self.op == "any_of":
            return bool(set(actual or ()) & set(self.value))  # type: ignore[arg-type]
        if self.op == "none_of":
            return not set(actual or ()) & set(self.value)  # type: ignore[arg-type]
        if actual is None:
            return False
        if self.op == "gte":
            return int(actual) >= int(self.value)  # type: ignore[arg-type]
        return int(actual) <= int(self.value)  # type: ignore[arg-type]


def parse_conditions(raw: Any, *, known_codes: Mapping[str, Iterable[str]] | None = None) -> tuple[Condition, ...]:
    """Turn stored JSON into conditions, refusing unknown fields, operators and values.

    ``known_codes`` maps a choice field to its allowed codes (the caller's vocabularies).
    """
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise ChannelRuleError("not_a_list", "Conditions must be a list")
    out: list[Condition] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or set(item) - {"field", "op", "value"}:
            raise ChannelRuleError("malformed", "Each condition has exactly field, op and value", index=i)
        name, op, value = item.get("field"), item.get("op"), item.get("value")
        kind = CONDITION_FIELDS.get(name) if isinstance(name, str) else None
        if kind is None or not isinstance(name, str):
            raise ChannelRuleError("unknown_field", f"Unknown field {name!r}", index=i, field=name,
                                   allowed=sorted(CONDITION_FIELDS))
        if op not in OPERATORS[kind]:
            raise ChannelRuleError("unknown_operator", f"Operator {op!r} does not apply to {name}", index=i,
                                   field=name, op=op, allowed=list(OPERATORS[kind]))
        if kind == "number":
            if isinstance(value, (bool, float)):
                raise ChannelRuleError("bad_value", "A whole number is required", index=i, field=name)
            try:
                given = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise ChannelRuleError("bad_value", "A whole number is required", index=i, field=name) from None
            # Infinity cannot become an int, and 1e100000000 would take minutes to: refuse
            # both before converting.
            if (not given.is_finite() or given < 0 or given > NUMBER_MAX
                    or given != given.to_integral_value()):
                raise ChannelRuleError("bad_value", "A whole number is required", index=i, field=name)
            out.append(Condition(name, op, int(given)))
            continue
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            raise ChannelRuleError("bad_value", "A non-empty list of codes is required", index=i, field=name)
        codes = tuple(str(v) for v in value)
        allowed = set((known_codes or {}).get(name, codes))
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            raise ChannelRuleError("unknown_code", f"Unknown codes {unknown}", index=i, field=name,
                                   codes=unknown)
        out.append(Condition(name, op, codes))
    return tuple(out)


@dataclass(frozen=True)
class ChannelRule:
    code: str
    from_jurisdictions: frozenset[str]
    to_jurisdictions: frozenset[str]
    instruments: frozenset[str]
    lender_currencies: frozenset[str]
    borrower_currencies: frozenset[str]
    conditions: tuple[Condition, ...] = ()
    limit_rule: str = "none"
    active: bool = True
    priority: int = 100  # lower first, when several fit


@dataclass(frozen=True)
class Flow:
    """One product serving one request: where the money comes from and goes, in what."""

    lender_jurisdiction: str
    enterprise_jurisdiction: str
    instruments: frozenset[str]  # instruments both sides accept
    lender_currency: str  # the product's currency: what is lent or invested
    borrower_currency: str  # the request's currency: what the enterprise asked for
    facts: Mapping[str, Any] = field(default_factory=dict)  # values of CONDITION_FIELDS


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Why a channel does not carry a flow. ``code`` is one of: inactive,
    lender_jurisdiction, enterprise_jurisdiction, instrument, lender_currency,
    borrower_currency, condition."""

    code: str
    expected: tuple[str, ...] | int | None = None
    actual: Any = None
    condition: Condition | None = None


@dataclass(frozen=True)
class ChannelVerdict:
    channel: ChannelRule
    mismatches: tuple[Mismatch, ...]

    @property
    def fits(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class ChannelAnswer:
    verdicts: tuple[ChannelVerdict, ...]

    @property
    def fitting(self) -> tuple[ChannelRule, ...]:
        return tuple(v.channel for v in self.verdicts if v.fits)

    @property
    def refused(self) -> tuple[ChannelVerdict, ...]:
        return tuple(v for v in self.verdicts if not v.fits)

    @property
    def best(self) -> ChannelRule | None:
        fitting = self.fitting
        return fitting[0] if fitting else None


def check_channel(rule: ChannelRule, flow: Flow) -> ChannelVerdict:
    """Every reason ``rule`` does not carry ``flow`` (none: it fits)."""
    out: list[Mismatch] = []
    if not rule.active:
        out.append(Mismatch("inactive"))
    if flow.lender_jurisdiction not in rule.from_jurisdictions:
        out.append(Mismatch("lender_jurisdiction", tuple(sorted(rule.from_jurisdictions)), flow.lender_jurisdiction))
    if flow.enterprise_jurisdiction not in rule.to_jurisdictions:
        out.append(Mismatch("enterprise_jurisdiction", tuple(sorted(rule.to_jurisdictions)),
                            flow.enterprise_jurisdiction))
    if not flow.instruments & rule.instruments:
        out.append(Mismatch("instrument", tuple(sorted(rule.instruments)), tuple(sorted(flow.instruments))))
    if flow.lender_currency not in rule.lender_currencies:
        out.append(Mismatch("lender_currency", tuple(sorted(rule.lender_currencies)), flow.lender_currency))
    if flow.borrower_currency not in rule.borrower_currencies:
        out.append(Mismatch("borrower_currency", tuple(sorted(rule.borrower_currencies)), flow.borrower_currency))
    for condition in rule.conditions:
        actual = flow.facts.get(condition.field)
        if not condition.holds(actual):
            out.append(Mismatch("condition", condition.value, actual, condition))
    return ChannelVerdict(rule, tuple(out))


def channels_for(flow: Flow, rules: Iterable[ChannelRule]) -> ChannelAnswer:
    """Every channel's verdict on the flow: fitting ones first (by priority, then code)."""
    verdicts = [check_channel(rule, flow) for rule in rules]
    verdicts.sort(key=lambda v: (not v.fits, v.channel.priority, len(v.mismatches), v.channel.code))
    return ChannelAnswer(tuple(verdicts))


def direction(lender_jurisdiction: str, enterprise_jurisdiction: str, *, mainland: frozenset[str]) -> str:
    """domestic, into_mainland, out_of_mainland or offshore (between two places outside it)."""
    lender_in = lender_jurisdiction in mainland
    enterprise_in = enterprise_jurisdiction in mainland
    if lender_in and enterprise_in:
        return "domestic"
    if enterprise_in:
        return "into_mainland"
    if lender_in:
        return "out_of_mainland"
    return "domestic" if lender_jurisdiction == enterprise_jurisdiction else "offshore"
