"""The engine's codes in the user's language: one place for every fx message.

The engine returns codes and parameters; pages, the API and the services show these
sentences. Lists of codes are shown with their translated labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from bayfin.common.i18n import format_amount, format_day
from bayfin.common.vocab import CertificationKind, InstitutionKind, Instrument, Jurisdiction

from .engine.channels import ChannelRuleError, Condition, Mismatch
from .engine.limits import FACILITATION_QUOTA, MPA_CAP, LimitCheck
from .engine.rates import FxError

_VOCABS: dict[str, Any] = {
    "institution.kind": InstitutionKind,
    "enterprise.certifications": CertificationKind,
}


def _labels(choices: Any, codes: Iterable[str]) -> str:
    names = dict(choices.choices)
    return ", ".join(str(names.get(code, code)) for code in codes)


def jurisdictions(codes: Iterable[str]) -> str:
    return _labels(Jurisdiction, codes)


def instruments(codes: Iterable[str]) -> str:
    return _labels(Instrument, codes)


def field_label(name: str) -> str:
    return {
        "institution.kind": _("the lender's kind"),
        "enterprise.certifications": _("the enterprise's certifications"),
        "enterprise.years_operating": _("the enterprise's years in operation"),
        "request.term_months": _("the term asked for (months)"),
    }.get(name, name)


def condition_text(condition: Condition) -> str:
    """A checked condition as a sentence: "the lender's kind is one of: Macao bank"."""
    label = field_label(condition.field)
    if isinstance(condition.value, tuple):
        vocab = _VOCABS.get(condition.field)
        values = _labels(vocab, condition.value) if vocab else ", ".join(condition.value)
        template = {
            "in": _("%(field)s is one of: %(values)s"),
            "not_in": _("%(field)s is none of: %(values)s"),
            "any_of": _("%(field)s include one of: %(values)s"),
            "none_of": _("%(field)s include none of: %(values)s"),
        }[condition.op]
        return template % {"field": label, "values": values}
    template = _("%(field)s is at least %(n)s") if condition.op == "gte" else _("%(field)s is at most %(n)s")
    return template % {"field": label, "n": condition.value}


def mismatch_text(mismatch: Mismatch) -> str:
    """Why a channel does not carry a flow, in one sentence."""
    e = mismatch.expected if isinstance(mismatch.expected, tuple) else ()
    a = mismatch.actual
    if mismatch.code == "inactive":
        return _("The channel is not in use.")
    if mismatch.code == "lender_jurisdiction":
        return _("It carries money only from: %(allowed)s (the lender is in %(actual)s).") % {
            "allowed": jurisdictions(e or ()), "actual": jurisdictions([a])}
    if mismatch.code == "enterprise_jurisdiction":
        return _("It serves only enterprises in: %(allowed)s (the enterprise is in %(actual)s).") % {
            "allowed": jurisdictions(e or ()), "actual": jurisdictions([a])}
    if mismatch.code == "instrument":
        if not a:  # the request and the product share no instrument at all
            return _("It carries only: %(allowed)s.") % {"allowed": instruments(e or ())}
        return _("It carries only: %(allowed)s (asked: %(actual)s).") % {
            "allowed": instruments(e or ()), "actual": instruments(a or ())}
    if mismatch.code == "lender_currency":
        return _("Money is lent or invested through it only in %(allowed)s, not %(actual)s.") % {
            "allowed": ", ".join(e or ()), "actual": a}
    if mismatch.code == "borrower_currency":
        return _("The enterprise can receive it only in %(allowed)s, not %(actual)s.") % {
            "allowed": ", ".join(e or ()), "actual": a}
    assert mismatch.condition is not None
    return _("It requires that %(condition)s.") % {"condition": condition_text(mismatch.condition)}


def rate_error_text(exc: FxError) -> str:
    p = exc.params
    messages = {
        "unknown_currency": _("Unknown currency: use one of CNY, MOP, HKD, USD, EUR."),
        "same_currency": _("The base and quote currencies must differ."),
        "not_positive": _("The rate must be greater than zero."),
        "too_many_decimals": _("A rate has at most %(n)s decimal places.") % {"n": p.get("places", 10)},
        "absurd": _("The rate is outside any plausible range (0.000001 to 1,000,000)."),
        "future_date": _("A rate cannot be dated after today."),
        "inverse_exists": _("A %(base)s/%(quote)s rate exists for this day: enter the pair in that direction.")
        % {"base": p.get("base"), "quote": p.get("quote")},
        "against_peg": _("The rate breaks the currency peg: the pegs put it between %(low)s and %(high)s, "
                         "and it may stray at most %(tolerance)s%% outside that.")
        % {"low": p.get("low"), "high": p.get("high"), "tolerance": _percent(p.get("tolerance"))},
        "against_cross": _("The rate disagrees with the rates through %(pivot)s, which imply %(implied)s.")
        % {"pivot": p.get("pivot"), "implied": p.get("implied")},
    }
    if exc.code == "rate_unavailable":
        return _unavailable(p)
    return str(messages.get(exc.code, str(exc)))


def _percent(fraction: Any) -> str:
    return f"{Decimal(str(fraction or 0)) * 100:.2f}".rstrip("0").rstrip(".")


def _unavailable(p: dict[str, Any]) -> str:
    if not p:
        return ""
    text = _("No %(frm)s/%(to)s exchange rate in the %(days)s days up to %(day)s.") % {
        "frm": p["frm"], "to": p["to"], "days": p["max_age_days"], "day": format_day(p["on"])}
    if p.get("newest"):
        text += " " + _("The newest is from %(day)s.") % {"day": format_day(p["newest"])}
    return str(text)


def condition_error_text(exc: ChannelRuleError) -> str:
    p = exc.params
    where = _("Condition %(n)s: ") % {"n": (exc.index or 0) + 1} if exc.index is not None else ""
    messages = {
        "not_a_list": _("Conditions must be a list."),
        "malformed": _("each condition has exactly a field, an operator and a value."),
        "unknown_field": _("unknown field %(field)s; the fields are: %(allowed)s.")
        % {"field": p.get("field"), "allowed": ", ".join(p.get("allowed", []))},
        "unknown_operator": _("the operator %(op)s does not apply to %(field)s; use one of: %(allowed)s.")
        % {"op": p.get("op"), "field": p.get("field"), "allowed": ", ".join(p.get("allowed", []))},
        "bad_value": _("the value of %(field)s is not valid.") % {"field": p.get("field")},
        "unknown_code": _("unknown codes for %(field)s: %(codes)s.")
        % {"field": p.get("field"), "codes": ", ".join(p.get("codes", []))},
    }
    return f"{where}{messages.get(exc.code, str(exc))}"


def limit_name(rule: str) -> str:
    return {
        MPA_CAP: _("Macro-prudential cross-border financing cap"),
        FACILITATION_QUOTA: _("Foreign-debt facilitation quota"),
    }.get(rule, rule)


def limit_reason_text(check: LimitCheck) -> str:
    return {
        "no_statement": _("No financial statement: the cap is net assets x leverage ratio x adjustment "
                          "parameter, so add your latest statement."),
        "not_certified": _("Only HNTE or SRDI enterprises can use the quota."),
        "not_pilot_area": _("The quota applies only to enterprises in the pilot areas."),
        "missing_rate": _("Some amounts could not be converted (no exchange rate), so the limit cannot be "
                          "checked: ask the operator to enter the missing rates."),
    }.get(check.reason, "")


def limit_text(check: LimitCheck) -> str:
    """"Limit CNY 30,000,000, balance CNY 12,000,000, this request CNY 25,000,000: CNY 7,000,000 over"."""
    if not check.applies:
        return f"{limit_name(check.rule)}: {limit_reason_text(check)}"
    values = {"name": limit_name(check.rule), "limit": _amount(check.limit, check.currency),
              "balance": _amount(check.balance, check.currency),
              "requested": _amount(check.requested, check.currency),
              "excess": _amount(check.excess, check.currency)}
    if check.rule == MPA_CAP:  # the cap counts risk-weighted amounts: say so, or the figures look wrong
        if check.ok:
            return _("%(name)s: limit %(limit)s, risk-weighted balance %(balance)s, this borrowing risk-weighted "
                     "%(requested)s; within the limit.") % values
        return _("%(name)s: limit %(limit)s, risk-weighted balance %(balance)s, this borrowing risk-weighted "
                 "%(requested)s; %(excess)s over the limit.") % values
    if check.ok:
        return _("%(name)s: limit %(limit)s, balance %(balance)s, this borrowing %(requested)s; within the "
                 "limit.") % values
    return _("%(name)s: limit %(limit)s, balance %(balance)s, this borrowing %(requested)s; %(excess)s over "
             "the limit.") % values


def _amount(value: Decimal, currency: str) -> str:
    return format_amount(value.quantize(Decimal("0.01")), currency)
