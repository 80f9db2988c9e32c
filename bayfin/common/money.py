"""Money: a Decimal amount with an ISO 4217 currency. Never a float.

Rounding happens once, half-even, to the currency's minor unit, through ``quantize``.
Money of different currencies is never added without an exchange rate: ``+`` and
``-`` refuse it (conversion lives in the fx app, added by a later issue).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor units of the currencies the platform deals in.
CURRENCIES: dict[str, int] = {"CNY": 2, "MOP": 2, "HKD": 2, "USD": 2, "EUR": 2}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]

# The largest amount any field accepts: below 10^13 in the currency's major unit.
MAX_AMOUNT = Decimal(10) ** 13
MONEY_MAX_DIGITS = 15 + 2  # 13 integer digits + 2 decimals, with room to spare
MONEY_DECIMAL_PLACES = 2


class MoneyError(ValueError):
    """A value that is not valid money. ``code`` names the reason for error messages."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def minor_unit(currency: str) -> int:
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise MoneyError("unknown_currency", f"Unknown currency {currency!r}") from None


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the currency's minor unit: the one rounding helper."""
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)


def parse_amount(value: object, currency: str, *, allow_zero: bool = False) -> Decimal:
    """Parse a user-given amount strictly: no floats, no excess decimals, in range.

    Raises MoneyError with codes: invalid, float_not_allowed, unknown_currency,
    not_positive, negative, too_large, too_many_decimals.
    """
    minor = minor_unit(currency)
    if isinstance(value, float):
        raise MoneyError("float_not_allowed", "Amounts must be given as strings or decimals")
    if isinstance(value, bool):
        raise MoneyError("invalid", "Not a number")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyError("invalid", "Not a number") from None
    if not amount.is_finite():
        raise MoneyError("invalid", "Not a number")
    if amount < 0:
        raise MoneyError("negative", "The amount cannot be negative")
    if amount == 0 and not allow_zero:
        raise MoneyError("not_positive", "The amount must be greater than zero")
    if amount >= MAX_AMOUNT:
        raise MoneyError("too_large", "The amount must be less than 10,000,000,000,000")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor:
        raise MoneyError("too_many_decimals", f"{currency} amounts have at most {minor} decimals")
    return quantize(amount, currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise MoneyError("float_not_allowed", "Money amounts are never floats")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))
        minor_unit(self.currency)

    @classmethod
    def of(cls, amount: object, currency: str, *, allow_zero: bool = False) -> Money:
        """Build from user input with every check of ``parse_amount``."""
        return cls(parse_amount(amount, currency, allow_zero=allow_zero), currency)

    def rounded(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money")
        if other.currency != self.currency:
            raise MoneyError(
                "currency_mismatch",
                f"Cannot combine {self.currency} and {other.currency} without an exchange rate",
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.currency} {quantize(self.amount, self.currency):,}"

    def as_json(self) -> dict[str, str]:
        return {"amount": str(quantize(self.amount, self.currency)), "currency": self.currency}
