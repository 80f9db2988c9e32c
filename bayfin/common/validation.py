"""Collecting field errors in services: one place for the reasons, in the user's language.

Services validate every domain rule (forms and API schemas only parse types), raise
``ValidationFailed`` with every failing field at once, and save nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed
from .money import CURRENCIES, MoneyError, parse_amount

MONEY_MESSAGES = {
    "invalid": _("Enter a number."),
    "float_not_allowed": _("Send the amount as a string, for example \"1000.00\"."),
    "unknown_currency": _("Unknown currency: use one of CNY, MOP, HKD, USD, EUR."),
    "not_positive": _("The amount must be greater than zero."),
    "negative": _("The amount cannot be negative."),
    "too_large": _("The amount must be less than 10,000,000,000,000."),
    "too_many_decimals": _("This currency has at most 2 decimal places."),
}


class FieldErrors:
    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: Any = None) -> None:
        if self.errors:
            raise ValidationFailed(message or _("Some fields are not valid."), fields=self.errors)

    # Checks that return the cleaned value (or None after recording the error).

    def currency(self, field: str, value: Any) -> str | None:
        if value not in CURRENCIES:
            self.add(field, MONEY_MESSAGES["unknown_currency"])
            return None
        return str(value)

    def money(self, field: str, value: Any, currency: str | None, *, allow_zero: bool = False,
              allow_negative: bool = False) -> Decimal | None:
        if currency is None:
            return None  # the currency's own error is already recorded
        if value is None or value == "":
            self.add(field, _("This field is required."))
            return None
        try:
            if allow_negative and isinstance(value, (str, Decimal)) and str(value).strip().startswith("-"):
                return -parse_amount(str(value).strip()[1:], currency, allow_zero=True)
            return parse_amount(value, currency, allow_zero=allow_zero)
        except MoneyError as exc:
            self.add(field, MONEY_MESSAGES.get(exc.code, _("Enter a valid amount.")))
            return None

    def choice(self, field: str, value: Any, choices: Any, *, required: bool = True) -> str | None:
        values = {c.value if hasattr(c, "value") else c for c in (choices.values if hasattr(choices, "values") else choices)}
        if value in (None, ""):
            if required:
                self.add(field, _("This field is required."))
            return None
        if value not in values:
            self.add(field, _("Select a valid choice: %(value)s is not one of the available choices.") % {"value": value})
            return None
        return str(value)

    def choices(self, field: str, values: Iterable[Any] | None, choices: Any, *,
                required: bool = False) -> list[str]:
        allowed = set(choices.values) if hasattr(choices, "values") else set(choices)
        out: list[str] = []
        for v in values or []:
            if v not in allowed:
                self.add(field, _("Select a valid choice: %(value)s is not one of the available choices.") % {"value": v})
            elif v not in out:
                out.append(str(v))
        if required and not out and field not in self.errors:
            self.add(field, _("Select at least one."))
        return out

    def iso_date(self, field: str, value: Any, *, required: bool = True) -> date | None:
        """A date object or an ISO string (YYYY-MM-DD)."""
        if value in (None, ""):
            if required:
                self.add(field, _("This field is required."))
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.add(field, _("Enter a valid date (YYYY-MM-DD)."))
            return None

    def whole_number(self, field: str, value: Any, *, required: bool = True, minimum: int = 0,
                maximum: int = 10_000_000, default: int | None = None) -> int | None:
        """A whole number in [minimum, maximum]; ``default`` when optional and empty."""
        if value in (None, ""):
            if required:
                self.add(field, _("This field is required."))
            return default
        text = str(value).strip()
        if isinstance(value, (bool, float)) or not text.lstrip("-").isdigit():
            self.add(field, _("Enter a whole number."))
            return None
        number = int(text)
        if number < minimum:
            self.add(field, _("The number cannot be negative.") if minimum == 0
                     else _("The number must be at least %(n)d.") % {"n": minimum})
            return None
        if number > maximum:
            self.add(field, _("The number must be at most %(n)d.") % {"n": maximum})
            return None
        return number

    def percent(self, field: str, value: Any, *, required: bool = True, minimum: Decimal = Decimal(0),
                maximum: Decimal = Decimal(100), places: int = 4) -> Decimal | None:
        """A percentage such as "4.35" in [minimum, maximum], at most ``places`` decimals."""
        if value in (None, ""):
            if required:
                self.add(field, _("This field is required."))
            return None
        if isinstance(value, (bool, float)):
            self.add(field, _("Enter a number such as 4.35."))
            return None
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            self.add(field, _("Enter a number such as 4.35."))
            return None
        if not number.is_finite():
            self.add(field, _("Enter a number such as 4.35."))
            return None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.add(field, _("Use at most %(n)d decimal places.") % {"n": places})
            return None
        if number < minimum or number > maximum:
            self.add(field, _("Enter a value from %(low)s to %(high)s.") % {"low": minimum, "high": maximum})
            return None
        return number

    def not_future(self, field: str, value: date | None, today: date) -> date | None:
        if value is not None and value > today:
            self.add(field, _("The date cannot be in the future."))
            return None
        return value

    def text(self, field: str, value: Any, *, required: bool = True, max_length: int | None = None) -> str:
        text = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
        if required and not text:
            self.add(field, _("This field is required."))
        elif max_length is not None and len(text) > max_length:
            self.add(field, _("Use at most %(n)d characters.") % {"n": max_length})
        return text
