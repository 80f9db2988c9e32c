"""Formatting for the user's language with Babel: amounts and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language, gettext

from .money import Money, quantize

_BABEL_LOCALES = {"en": "en", "zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_MO", "pt": "pt_PT"}


def babel_locale(language: str | None = None) -> str:
    return _BABEL_LOCALES.get((language or get_language() or "en").lower(), "en")


def format_money(money: Money | None, language: str | None = None) -> str:
    if money is None:
        return ""
    amount = quantize(money.amount, money.currency)
    return format_currency(amount, money.currency, locale=babel_locale(language))


def format_amount(amount: Decimal | None, currency: str, language: str | None = None) -> str:
    if amount is None:
        return ""
    return format_money(Money(amount, currency), language)


def format_number(value: Decimal | int | None, language: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(language))


def format_percent(value: Decimal | float | str | None, places: int = 2, language: str | None = None) -> str:
    """A share as a percentage in the reader's language: 0.0342 -> "3.42%" ("3,42%" in
    Portuguese); "—" when absent. Very small values keep their significant digits, so a PD of
    0.004 % never reads 0.00 %."""
    if value is None or value == "" or isinstance(value, bool):
        return "\u2014"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return "\u2014"
    if not number.is_finite():
        return "\u2014"
    pct = number * 100
    if pct and abs(pct) < Decimal("0.01"):
        pattern = "0.0###"
    else:
        pattern = "#,##0." + "0" * places if places else "#,##0"
    return gettext("%(n)s%%") % {"n": format_decimal(pct, format=pattern, locale=babel_locale(language))}


def format_day(value: date | None, language: str | None = None, form: str = "medium") -> str:
    if value is None:
        return ""
    return babel_format_date(value, format=form, locale=babel_locale(language))


_LANG_ORDER = {
    "zh-hans": ("zh_hans", "zh_hant", "en", "pt"),
    "zh-hant": ("zh_hant", "zh_hans", "en", "pt"),
    "pt": ("pt", "en", "zh_hant", "zh_hans"),
    "en": ("en", "pt", "zh_hans", "zh_hant"),
}
LANGUAGE_SUFFIXES = ("en", "zh_hans", "zh_hant", "pt")


def in_language(obj: object, prefix: str, language: str | None = None) -> str:
    """A text stored per language (``<prefix>_en``, ``_zh_hans``, ...) in the reader's
    language, falling back to the closest one that is filled in."""
    lang = (language or get_language() or "en").lower()
    for suffix in _LANG_ORDER.get(lang, _LANG_ORDER["en"]):
        value = getattr(obj, f"{prefix}_{suffix}")
        if value:
            return str(value)
    return ""
