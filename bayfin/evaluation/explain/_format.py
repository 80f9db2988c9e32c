"""Number, money and date formatting shared by every evaluation explanation, so the same
figure reads the same in each rule set's sentences (and in each language)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from babel.numbers import format_decimal
from django.utils.translation import gettext as _

from bayfin.common.i18n import babel_locale, format_day, format_number


def dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def num(value: Any) -> str:
    return format_number(dec(value))


def pct(value: Any, places: int | None = 2) -> str:
    """A percentage: "18.50%" with ``places`` decimals, truncated (so a shown figure is never
    in a higher band than its points); ``places=None`` shows the number as it is ("35%")."""
    if places is None:
        return _("%(n)s%%") % {"n": num(value)}
    quantum = Decimal(1).scaleb(-places)
    shown = dec(value).quantize(quantum, rounding=ROUND_DOWN)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return _("%(n)s%%") % {"n": format_decimal(shown, format=pattern, locale=babel_locale())}


def rmb(value: Any) -> str:
    """An RMB amount as the issue writes it: "RMB 1,240,000" (cents only when there are any:
    "RMB 1,234,567.50"), with the reader's digit grouping."""
    amount = dec(value)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    shown = format_decimal(amount.quantize(Decimal("0.01")), format=pattern, locale=babel_locale())
    return _("RMB %(amount)s") % {"amount": shown}


def day(value: Any) -> str:
    return format_day(value if isinstance(value, date) else date.fromisoformat(str(value)))


def yes(value: Any) -> bool | None:
    """A stored yes/no (True, "true", "True") or None when unanswered."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() == "true"
