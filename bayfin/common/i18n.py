"""Formatting for the user's language with Babel: amounts and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language

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


def format_day(value: date | None, language: str | None = None, form: str = "medium") -> str:
    if value is None:
        return ""
    return babel_format_date(value, format=form, locale=babel_locale(language))
