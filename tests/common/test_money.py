from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bayfin.common.i18n import format_money
from bayfin.common.money import Money, MoneyError, parse_amount, quantize
from bayfin.common.schemas import money_out


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0", "not_positive"),
        ("-5", "negative"),
        ("10000000000000", "too_large"),
        ("1.005", "too_many_decimals"),
        ("abc", "invalid"),
        ("NaN", "invalid"),
        (1.5, "float_not_allowed"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(value, code):
    with pytest.raises(MoneyError) as exc:
        parse_amount(value, "CNY")
    assert exc.value.code == code


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError) as exc:
        Money(Decimal("1"), "XYZ")
    assert exc.value.code == "unknown_currency"


def test_amounts_parse_strictly_and_keep_two_decimals():
    assert parse_amount("1,234.5", "MOP") == Decimal("1234.50")
    assert parse_amount("9999999999999.99", "USD") == Decimal("9999999999999.99")


def test_rounding_is_half_even_once():
    assert quantize(Decimal("2.345"), "CNY") == Decimal("2.34")
    assert quantize(Decimal("2.355"), "CNY") == Decimal("2.36")


def test_different_currencies_are_never_added_without_a_rate():
    with pytest.raises(MoneyError) as exc:
        Money(Decimal("1"), "CNY") + Money(Decimal("1"), "MOP")
    assert exc.value.code == "currency_mismatch"
    with pytest.raises(MoneyError):
        _ = Money(Decimal("1"), "CNY") < Money(Decimal("2"), "HKD")


def test_money_is_never_a_float():
    with pytest.raises(MoneyError):
        Money(1.0, "CNY")  # type: ignore[arg-type]


@given(st.decimals(min_value=0, max_value=Decimal("1e12"), places=2), st.sampled_from(["CNY", "MOP", "HKD", "USD", "EUR"]))
def test_same_currency_sums_are_exact(amount, currency):
    a = Money(amount, currency)
    assert (a + a - a).amount == amount


def test_amounts_are_formatted_for_the_language():
    m = Money(Decimal("10300000"), "MOP")
    assert format_money(m, "en") == "MOP\xa010,300,000.00" or format_money(m, "en").startswith("MOP")
    assert "10,300,000.00" in format_money(m, "en")
    assert "10,300,000.00" in format_money(m, "zh-hans")
    assert "10.300.000,00" in format_money(m, "pt") or "10 300 000,00" in format_money(m, "pt").replace("\xa0", " ")


def test_money_out_travels_as_a_rounded_string() -> None:
    assert money_out(Decimal("1000"), "MOP") == {"amount": "1000.00", "currency": "MOP"}
    assert money_out(Decimal("0.125"), "HKD") == {"amount": "0.12", "currency": "HKD"}
    assert money_out(None, "MOP") is None and money_out(Decimal("1"), "") is None
    with pytest.raises(MoneyError):
        money_out(1.5, "MOP")


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("0.08542714"), "en", "8.54%"),
        (Decimal("0.08542714"), "pt", "8,54%"),
        ("0.00004", "en", "0.004%"),  # a tiny PD keeps its digits, never 0.00%
        (Decimal("0.15"), "zh-hans", "15.00%"),
        (None, "en", "\u2014"),
        ("not a number", "en", "\u2014"),
    ],
)
def test_percentages_read_in_the_readers_language(value: object, language: str, expected: str) -> None:
    from django.utils import translation

    from bayfin.common.i18n import format_percent

    with translation.override(language):
        assert format_percent(value, language=language) == expected  # type: ignore[arg-type]
