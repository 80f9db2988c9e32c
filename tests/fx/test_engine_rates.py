"""The pure rate engine: paths, stale rates, rounding, refusals on entry, and properties.

No database: ``bayfin.fx.engine.rates`` takes plain data in and gives plain data back.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bayfin.common.money import CURRENCIES, Money
from bayfin.fx.engine.rates import (
    DEFAULT_CROSS_TOLERANCE,
    DEFAULT_MAX_AGE_DAYS,
    PIVOTS,
    FxError,
    Rate,
    RateBook,
    RatePolicy,
    RateRefused,
    RateUnavailable,
    check_rate,
    conversion_path,
    convert,
    peg_band,
)

D0 = date(2026, 11, 27)
CUR = sorted(CURRENCIES)
CENT = Decimal("0.01")


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


def book(*rates: tuple[date, str, str, str]) -> RateBook:
    return RateBook(Rate(day, base, quote, Decimal(value)) for day, base, quote, value in rates)


# --------------------------------------------------------------------------- paths


def test_same_currency_is_unchanged_and_needs_no_rate():
    c = convert(money("123.45", "MOP"), "MOP", D0, RateBook())
    assert c.result == money("123.45", "MOP")
    assert c.path == "identity"
    assert c.legs == ()
    assert c.rate_day is None
    assert c.effective_rate() == 1


def test_direct_rate_multiplies():
    c = convert(money("100", "USD"), "CNY", D0, book((D0, "USD", "CNY", "7.1234")))
    assert c.result == money("712.34", "CNY")
    assert c.path == "direct"
    assert [(leg.base, leg.quote, leg.inverted) for leg in c.legs] == [("USD", "CNY", False)]
    assert c.rate_day == D0


def test_inverse_rate_divides():
    c = convert(money("100", "CNY"), "USD", D0, book((D0, "USD", "CNY", "8")))
    assert c.result == money("12.50", "USD")
    assert c.path == "inverse"
    (leg,) = c.legs
    assert leg.inverted and leg.source_currency == "CNY" and leg.target_currency == "USD"


def test_direct_is_preferred_over_a_pivot():
    b = book((D0, "EUR", "CNY", "7.80"), (D0, "EUR", "USD", "1.10"), (D0, "USD", "CNY", "7.00"))
    c = convert(money("10", "EUR"), "CNY", D0, b)
    assert c.path == "direct"
    assert c.result == money("78.00", "CNY")


def test_pivot_usd_is_preferred_to_hkd_when_both_are_possible():
    usd_legs = [(D0, "EUR", "USD", "1.10"), (D0, "USD", "CNY", "7.00")]
    hkd_legs = [(D0, "EUR", "HKD", "8.40"), (D0, "CNY", "HKD", "1.09")]
    both = book(*usd_legs, *hkd_legs)

    c = convert(money("10", "EUR"), "CNY", D0, both)
    assert c.path == "pivot:USD"
    assert c.result == money("77.00", "CNY")  # 10 x 1.10 x 7.00
    assert [leg.target_currency for leg in c.legs] == ["USD", "CNY"]

    only_hkd = convert(money("10", "EUR"), "CNY", D0, book(*hkd_legs))
    assert only_hkd.path == "pivot:HKD"
    assert only_hkd.result == money("77.06", "CNY")  # 84 / 1.09 = 77.0642...
    assert [leg.inverted for leg in only_hkd.legs] == [False, True]

    # The order is the ``pivots`` argument's, not an accident of the book.
    assert convert(money("10", "EUR"), "CNY", D0, both, pivots=("HKD", "USD")).path == "pivot:HKD"
    assert PIVOTS == ("USD", "HKD")


def test_a_pivot_that_is_one_of_the_currencies_is_skipped():
    # MOP -> USD: USD cannot be its own pivot, so the path goes through HKD.
    b = book((D0, "HKD", "MOP", "1.03"), (D0, "USD", "HKD", "7.80"))
    path, legs = conversion_path(b, "MOP", "USD", D0)
    assert path == "pivot:HKD"
    assert [(leg.base, leg.quote, leg.inverted) for leg in legs] == [
        ("HKD", "MOP", True), ("USD", "HKD", True)]


def test_the_issue_example_mop_to_cny_through_hkd():
    b = book((D0, "HKD", "CNY", "0.9148"), (D0, "HKD", "MOP", "1.03"))
    c = convert(money("10300000", "MOP"), "CNY", D0, b)
    assert c.result == money("9148000.00", "CNY")
    assert str(c.result) == "CNY 9,148,000.00"
    assert c.path == "pivot:HKD"
    assert c.rate_day == D0
    assert c.on == D0
    assert c.source == money("10300000", "MOP")


def test_rate_day_is_the_oldest_leg():
    b = book((D0 - timedelta(days=3), "HKD", "MOP", "1.03"), (D0 - timedelta(days=1), "HKD", "CNY", "0.9148"))
    c = convert(money("103", "MOP"), "CNY", D0, b)
    assert c.rate_day == D0 - timedelta(days=3)
    assert {leg.day for leg in c.legs} == {D0 - timedelta(days=3), D0 - timedelta(days=1)}


# --------------------------------------------------------------------------- which rate, and stale rates


def test_a_rate_older_than_max_age_is_never_used():
    old = D0 - timedelta(days=DEFAULT_MAX_AGE_DAYS + 1)
    b = book((old, "USD", "CNY", "7.1"))
    with pytest.raises(RateUnavailable) as exc:
        convert(money("1", "USD"), "CNY", D0, b)
    err = exc.value
    assert err.code == "rate_unavailable"
    assert err.params["frm"] == "USD" and err.params["to"] == "CNY"
    assert err.params["on"] == D0
    assert err.params["newest"] == old
    assert err.params["max_age_days"] == DEFAULT_MAX_AGE_DAYS
    assert "USD/CNY" in str(err) and D0.isoformat() in str(err)

    # Exactly max_age_days old is still fresh; the inverse direction reports the same newest.
    assert convert(money("1", "USD"), "CNY", old + timedelta(days=DEFAULT_MAX_AGE_DAYS), b).result.amount == Decimal("7.10")
    with pytest.raises(RateUnavailable) as exc:
        convert(money("1", "CNY"), "USD", D0, b)
    assert exc.value.params["newest"] == old


def test_max_age_is_configurable():
    b = book((D0 - timedelta(days=2), "USD", "CNY", "7.1"))
    with pytest.raises(RateUnavailable) as exc:
        convert(money("1", "USD"), "CNY", D0, b, max_age_days=1)
    assert exc.value.params["max_age_days"] == 1
    assert convert(money("1", "USD"), "CNY", D0, b, max_age_days=2).path == "direct"


def test_no_rate_at_all_names_no_newest_date():
    with pytest.raises(RateUnavailable) as exc:
        convert(money("1", "EUR"), "MOP", D0, book((D0, "USD", "CNY", "7.1")))
    assert exc.value.params["newest"] is None


def test_a_stale_pivot_leg_makes_the_pivot_unusable():
    b = book((D0, "EUR", "USD", "1.10"), (D0 - timedelta(days=30), "USD", "CNY", "7.00"),
             (D0, "EUR", "HKD", "8.40"), (D0, "HKD", "CNY", "0.90"))
    c = convert(money("10", "EUR"), "CNY", D0, b)
    assert c.path == "pivot:HKD"
    assert c.result == money("75.60", "CNY")


def test_the_latest_rate_on_or_before_the_date_is_chosen_never_a_later_one():
    b = book((D0 - timedelta(days=3), "USD", "CNY", "7.00"), (D0, "USD", "CNY", "7.10"),
             (D0 + timedelta(days=1), "USD", "CNY", "9.99"))
    assert convert(money("1", "USD"), "CNY", D0, b).result.amount == Decimal("7.10")
    assert convert(money("1", "USD"), "CNY", D0 - timedelta(days=1), b).result.amount == Decimal("7.00")
    assert convert(money("1", "USD"), "CNY", D0 + timedelta(days=1), b).result.amount == Decimal("9.99")
    with pytest.raises(RateUnavailable) as exc:
        convert(money("1", "USD"), "CNY", D0 - timedelta(days=4), b)
    assert exc.value.params["newest"] is None  # the later rates do not count as "seen"


def test_the_newer_orientation_wins_when_both_are_stored():
    # A week-old USD/CNY and yesterday's CNY/USD: either direction uses yesterday's,
    # so a conversion and its reverse rest on the same stored rate.
    b = book((D0 - timedelta(days=6), "USD", "CNY", "7.00"), (D0 - timedelta(days=1), "CNY", "USD", "0.14"))
    there = convert(money("100", "USD"), "CNY", D0, b)
    assert there.path == "inverse"
    assert there.result == money("714.29", "CNY")
    assert there.rate_day == D0 - timedelta(days=1)
    back = convert(money("100", "CNY"), "USD", D0, b)
    assert back.path == "direct"
    assert back.result == money("14.00", "USD")


def test_a_rate_entered_twice_on_one_day_keeps_the_last():
    b = RateBook([Rate(D0, "USD", "CNY", Decimal("7.0"))])
    b.add(Rate(D0, "USD", "CNY", Decimal("7.2")))
    assert convert(money("1", "USD"), "CNY", D0, b).result.amount == Decimal("7.20")
    assert b.pairs() == [("USD", "CNY")]


def test_unknown_currency_in_a_conversion_is_refused():
    with pytest.raises(FxError) as exc:
        conversion_path(RateBook(), "USD", "XYZ", D0)
    assert exc.value.code == "unknown_currency"
    assert exc.value.params["currency"] == "XYZ"


# --------------------------------------------------------------------------- rounding


def test_rounding_is_half_even_to_the_minor_unit():
    assert convert(money("1", "USD"), "CNY", D0, book((D0, "USD", "CNY", "2.345"))).result.amount == Decimal("2.34")
    assert convert(money("1", "USD"), "CNY", D0, book((D0, "USD", "CNY", "2.355"))).result.amount == Decimal("2.36")


def test_rounding_happens_once_at_the_end_not_per_leg():
    # EUR 1.00 -> USD 1.005 -> CNY 7.1355. Rounding after the first leg would give
    # USD 1.00 (half-even) and then CNY 7.10; rounding once gives CNY 7.14.
    b = book((D0, "EUR", "USD", "1.005"), (D0, "USD", "CNY", "7.1"))
    c = convert(money("1.00", "EUR"), "CNY", D0, b)
    assert c.path == "pivot:USD"
    assert c.result == money("7.14", "CNY")
    # An inverse leg is not rounded either: CNY 1.00 -> USD 0.333... -> EUR 1.00
    # (rounding the USD to 0.33 first would give EUR 0.99).
    b = book((D0, "USD", "CNY", "3"), (D0, "USD", "EUR", "3"))
    c = convert(money("1.00", "CNY"), "EUR", D0, b)
    assert [leg.inverted for leg in c.legs] == [True, False]
    assert c.result == money("1.00", "EUR")


def test_result_is_at_the_minor_unit_even_for_an_identity():
    c = convert(Money(Decimal("1.005"), "HKD"), "HKD", D0, RateBook())
    assert c.result.amount == Decimal("1.00")


# --------------------------------------------------------------------------- refusals on entry

TODAY = D0


def refused(rate: Rate, b: RateBook | None = None, policy: RatePolicy | None = None) -> FxError:
    with pytest.raises(FxError) as exc:
        check_rate(rate, b or RateBook(), today=TODAY, policy=policy or RatePolicy())
    return exc.value


def accepted(rate: Rate, b: RateBook | None = None, policy: RatePolicy | None = None) -> None:
    assert check_rate(rate, b or RateBook(), today=TODAY, policy=policy or RatePolicy()) is None


def r(base: str, quote: str, value: object, day: date = D0) -> Rate:
    return Rate(day, base, quote, value if not isinstance(value, str) else Decimal(value))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        (r("CNY", "EUR", "0"), "not_positive"),
        (r("CNY", "EUR", "-0.13"), "not_positive"),
        (r("CNY", "EUR", "NaN"), "not_positive"),
        (r("CNY", "EUR", "Infinity"), "not_positive"),
        (r("CNY", "EUR", 0.13), "not_positive"),  # a float is never a rate
        (r("CNY", "CNY", "1"), "same_currency"),
        (r("CNY", "EUR", "0.12345678901"), "too_many_decimals"),
        (r("CNY", "EUR", "1000000"), "absurd"),
        (r("EUR", "CNY", "0.0000009"), "absurd"),
        (r("CNY", "EUR", "0.13", D0 + timedelta(days=1)), "future_date"),
    ],
)
def test_impossible_rates_are_refused_with_a_reason(rate, code):
    err = refused(rate)
    assert isinstance(err, RateRefused)
    assert err.code == code


@pytest.mark.parametrize(("base", "quote"), [("XYZ", "CNY"), ("CNY", "cny"), ("", "USD")])
def test_unknown_currencies_are_refused(base, quote):
    err = refused(r(base, quote, "1.5"))
    assert err.code == "unknown_currency"
    assert err.params["currency"] in (base, quote)


@pytest.mark.parametrize("value", ["0.1234567890", "0.130000000000000", "999999", "0.000001"])
def test_plausible_rates_without_peg_or_cross_data_are_accepted(value):
    accepted(r("CNY", "EUR", value))


def test_a_rate_dated_today_is_accepted_but_not_tomorrow():
    accepted(r("CNY", "EUR", "0.13", TODAY))
    assert refused(r("CNY", "EUR", "0.13", TODAY + timedelta(days=1))).params["today"] == TODAY


def test_the_inverse_pair_on_the_same_day_is_refused():
    b = book((D0, "USD", "CNY", "7.1"))
    err = refused(r("CNY", "USD", "0.14"), b)
    assert err.code == "inverse_exists"
    assert (err.params["base"], err.params["quote"]) == ("USD", "CNY")
    accepted(r("CNY", "USD", "0.14", D0 - timedelta(days=1)), b)  # another day is fine
    accepted(r("USD", "CNY", "7.2"), b)  # the same pair again is a correction


@pytest.mark.parametrize("value", ["7.75", "7.80", "7.85", "7.70", "7.92", "7.6725", "7.9285"])
def test_usd_hkd_inside_the_band_and_tolerance_is_accepted(value):
    accepted(r("USD", "HKD", value))


@pytest.mark.parametrize("value", ["7.6724", "7.9286", "7.5", "8.2", "1", "0.1282"])
def test_usd_hkd_outside_the_band_and_tolerance_is_refused(value):
    err = refused(r("USD", "HKD", value))
    assert err.code == "against_peg"
    assert (err.params["low"], err.params["high"]) == (Decimal("7.75"), Decimal("7.85"))


def test_hkd_usd_in_the_inverse_orientation_is_checked_against_the_same_band():
    accepted(r("HKD", "USD", "0.1282"))  # 1 / 7.8
    accepted(r("HKD", "USD", "0.1290"))
    for value in ["0.14", "0.12", "7.8"]:
        assert refused(r("HKD", "USD", value)).code == "against_peg"


def test_peg_tolerance_is_a_policy():
    strict = RatePolicy(peg_tolerance=Decimal(0))
    assert refused(r("USD", "HKD", "7.70"), policy=strict).code == "against_peg"
    accepted(r("USD", "HKD", "7.75"), policy=strict)
    assert refused(r("HKD", "MOP", "1.031"), policy=strict).code == "against_peg"


@pytest.mark.parametrize(("base", "quote", "value", "ok"), [
    ("HKD", "MOP", "1.03", True),
    ("HKD", "MOP", "1.035", True),
    ("HKD", "MOP", "1.025", True),
    ("HKD", "MOP", "1.045", False),
    ("HKD", "MOP", "1.015", False),
    ("HKD", "MOP", "1.30", False),
    ("MOP", "HKD", "0.9709", True),
    ("MOP", "HKD", "0.955", False),
    ("MOP", "HKD", "1.03", False),
])
def test_mop_hkd_is_held_to_the_1_03_peg(base, quote, value, ok):
    if ok:
        accepted(r(base, quote, value))
    else:
        err = refused(r(base, quote, value))
        assert err.code == "against_peg"


def test_the_mop_hkd_band_is_the_peg_itself():
    assert peg_band("HKD", "MOP") == (Decimal("1.03"), Decimal("1.03"))
    assert peg_band("USD", "HKD") == (Decimal("7.75"), Decimal("7.85"))
    assert peg_band("USD", "MOP") == (Decimal("7.9825"), Decimal("8.0855"))  # 7.75 x 1.03, 7.85 x 1.03
    assert peg_band("CNY", "USD") is None and peg_band("USD", "USD") is None


@pytest.mark.parametrize(("base", "quote", "value", "ok"), [
    ("USD", "MOP", "8.00", True),
    ("USD", "MOP", "8.08", True),
    ("USD", "MOP", "7.91", True),   # 7.9825 less 1%
    ("USD", "MOP", "7.85", False),
    ("USD", "MOP", "8.20", False),
    ("MOP", "USD", "0.125", True),
    ("MOP", "USD", "0.13", False),
])
def test_usd_mop_is_held_to_the_band_the_two_pegs_imply(base, quote, value, ok):
    if ok:
        accepted(r(base, quote, value))
    else:
        assert refused(r(base, quote, value)).code == "against_peg"


def test_hkd_cny_must_agree_with_the_same_day_usd_cny_through_the_peg():
    b = book((D0, "USD", "CNY", "7.13"))  # HKD/CNY must be 7.13/7.85 .. 7.13/7.75, +-1%
    accepted(r("HKD", "CNY", "0.9148"), b)
    accepted(r("CNY", "HKD", "1.0931"), b)  # 1 / 0.9148
    err = refused(r("HKD", "CNY", "0.80"), b)
    assert err.code == "against_peg"
    assert err.params["sibling"] == "USD"
    assert err.params["low"] < Decimal("0.9148") < err.params["high"]
    err = refused(r("CNY", "HKD", "1.25"), b)
    assert err.code == "against_peg"
    assert err.params["low"] < Decimal("1.0931") < err.params["high"]


def test_mop_cny_must_agree_with_the_same_day_hkd_cny_through_the_1_03_peg():
    b = book((D0, "HKD", "CNY", "0.9148"))  # MOP/CNY = 0.9148 / 1.03 = 0.88816...
    accepted(r("MOP", "CNY", "0.8882"), b)
    err = refused(r("MOP", "CNY", "0.905"), b)  # 1.9% off the peg
    assert err.code == "against_peg"
    assert err.params["sibling"] == "HKD"


def test_a_floating_pair_must_agree_with_the_pivot_path():
    b = book((D0, "USD", "CNY", "7.2"), (D0, "EUR", "USD", "1.08"))  # CNY/EUR = 1/7.2/1.08 = 0.128600...
    accepted(r("CNY", "EUR", "0.1290"), b)
    accepted(r("CNY", "EUR", "0.131"), b)  # +1.9%, inside the 2% cross tolerance
    err = refused(r("CNY", "EUR", "0.15"), b)
    assert err.code == "against_cross"
    assert err.params["pivot"] == "USD"
    assert err.params["implied"] == Decimal("0.128601")
    assert refused(r("CNY", "EUR", "0.132"), b).code == "against_cross"
    assert refused(r("EUR", "CNY", "7.5"), b).code == "against_cross"
    accepted(r("EUR", "CNY", "7.7"), b)


def test_the_cross_check_uses_hkd_when_usd_legs_are_missing():
    b = book((D0, "EUR", "HKD", "8.4"), (D0, "HKD", "CNY", "0.92"))  # EUR/CNY = 7.728
    err = refused(r("EUR", "CNY", "9"), b)
    assert (err.code, err.params["pivot"]) == ("against_cross", "HKD")
    accepted(r("EUR", "CNY", "7.70"), b)


def test_the_cross_check_only_uses_the_same_day():
    b = book((D0 - timedelta(days=1), "USD", "CNY", "7.2"), (D0 - timedelta(days=1), "EUR", "USD", "1.08"))
    accepted(r("CNY", "EUR", "0.15"), b)


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=0, max_value=Decimal(10) ** 12, places=2)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=8)


@st.composite
def routes(draw):
    """A book holding exactly one route between two currencies: direct, inverse, or two pivot legs."""
    kind = draw(st.sampled_from(["direct", "inverse", "pivot"]))
    if kind == "pivot":
        pivot = draw(st.sampled_from(PIVOTS))
        frm, to = draw(st.permutations([c for c in CUR if c != pivot]))[:2]
        stored = []
        for a, b in ((frm, pivot), (pivot, to)):
            if draw(st.booleans()):
                a, b = b, a
            day = D0 - timedelta(days=draw(st.integers(0, DEFAULT_MAX_AGE_DAYS)))
            stored.append(Rate(day, a, b, draw(rates)))
    else:
        frm, to = draw(st.permutations(CUR))[:2]
        a, b = (frm, to) if kind == "direct" else (to, frm)
        stored = [Rate(D0, a, b, draw(rates))]
    return frm, to, RateBook(stored)


def used(c) -> set[tuple[str, str, date, Decimal]]:
    return {(leg.base, leg.quote, leg.day, leg.rate) for leg in c.legs}


@settings(deadline=None, max_examples=200)
@given(routes(), amounts)
def test_there_and_back_loses_no_more_than_the_rounding(route, amount):
    frm, to, b = route
    there = convert(Money(amount, frm), to, D0, b)
    back = convert(there.result, frm, D0, b)
    assert used(back) == used(there)  # the same stored rates, in the other direction
    # With f the exact forward factor (product of the legs), u the minor unit:
    #   there = amount*f + e1, |e1| <= u/2   (one half-even rounding)
    #   back  = there/f  + e2, |e2| <= u/2   (the backward factor is 1/f: same rates, inverted)
    # so back - amount = e1/f + e2 and |back - amount| <= u/2 * (1 + 1/f).
    # The engine computes at 40 significant digits, so f and 1/f carry a relative error
    # near 1e-39; on amounts below 1e15 that is below 1e-20, far from any multiple of u
    # that could tip the comparison, hence the tiny slack.
    f = there.effective_rate()
    bound = CENT / 2 * (1 + 1 / f)
    assert abs(back.result.amount - amount) <= bound + Decimal("1e-20")


@settings(deadline=None, max_examples=200)
@given(routes(), amounts, amounts)
def test_conversion_of_a_sum_is_the_sum_of_conversions_within_one_minor_unit(route, a, b_):
    frm, to, b = route
    whole = convert(Money(a + b_, frm), to, D0, b).result
    parts = convert(Money(a, frm), to, D0, b).result + convert(Money(b_, frm), to, D0, b).result
    # Three half-even roundings of at most u/2 each; the difference is a whole number of u.
    assert abs(whole.amount - parts.amount) <= CENT


@st.composite
def consistent_books(draw):
    """Two pivot legs at random, and a direct rate agreeing with them within half the tolerance."""
    pivot = draw(st.sampled_from(PIVOTS))
    frm, to = draw(st.permutations([c for c in CUR if c != pivot]))[:2]
    legs = []
    factor = Decimal(1)
    for a, b in ((frm, pivot), (pivot, to)):
        value = draw(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("20"), places=8))
        if draw(st.booleans()):
            legs.append(Rate(D0, b, a, value))
            factor /= value
        else:
            legs.append(Rate(D0, a, b, value))
            factor *= value
    half = DEFAULT_CROSS_TOLERANCE / 2
    noise = draw(st.decimals(min_value=-half, max_value=half, places=6).filter(lambda n: abs(n) < half))
    direct_value = (factor * (1 + noise)).quantize(Decimal("1e-8"))
    assume(direct_value > 0)
    if draw(st.booleans()):
        direct = Rate(D0, frm, to, direct_value)
    else:
        direct = Rate(D0, to, frm, (1 / (factor * (1 + noise))).quantize(Decimal("1e-8")))
        assume(direct.rate > 0)
    return frm, to, pivot, legs, direct


@settings(deadline=None, max_examples=200)
@given(consistent_books(), amounts)
def test_the_pivot_path_agrees_with_the_direct_path_within_the_cross_tolerance(books, amount):
    frm, to, pivot, legs, direct = books
    via_pivot = convert(Money(amount, frm), to, D0, RateBook(legs))
    via_direct = convert(Money(amount, frm), to, D0, RateBook([*legs, direct]))
    assert via_pivot.path == f"pivot:{pivot}"
    assert via_direct.path in ("direct", "inverse")
    # The factors differ by less than the tolerance (half of it from the noise, a little
    # from storing the direct rate with 8 decimals); each result adds at most u/2.
    p, d = via_pivot.result.amount, via_direct.result.amount
    assert abs(d - p) <= DEFAULT_CROSS_TOLERANCE * p + CENT


days_offsets = st.integers(min_value=0, max_value=20)


@st.composite
def random_books(draw):
    entries = draw(st.lists(
        st.tuples(st.permutations(CUR).map(lambda p: (p[0], p[1])), days_offsets, rates),
        max_size=25,
    ))
    start = date(2026, 11, 1)
    return [Rate(start + timedelta(days=off), a, b, v) for (a, b), off, v in entries], start


@settings(deadline=None, max_examples=300)
@given(random_books(), days_offsets, st.integers(min_value=0, max_value=10),
       st.permutations(CUR).map(lambda p: (p[0], p[1])))
def test_convert_never_uses_a_rate_after_the_date_or_older_than_max_age(drawn, on_offset, max_age, pair):
    stored, start = drawn
    on = start + timedelta(days=on_offset)
    frm, to = pair
    b = RateBook(stored)
    # What the book holds: for a pair and a day, the last rate entered.
    held = {(x.base, x.quote, x.day): x.rate for x in stored}

    def fresh(a: str, c: str) -> list[date]:
        return [day for (x, y, day) in held if {x, y} == {a, c} and day <= on and (on - day).days <= max_age]

    try:
        c = convert(Money(Decimal("100.00"), frm), to, on, b, max_age_days=max_age)
    except RateUnavailable:
        # Then no route existed: neither orientation of the pair, nor both legs of a pivot.
        assert not fresh(frm, to)
        assert not any(fresh(frm, p) and fresh(p, to) for p in PIVOTS if p not in (frm, to))
        return
    assert c.legs
    if fresh(frm, to):
        assert c.path in ("direct", "inverse")
    else:
        first = next(p for p in PIVOTS if p not in (frm, to) and fresh(frm, p) and fresh(p, to))
        assert c.path == f"pivot:{first}"
    for leg in c.legs:
        assert leg.day <= on
        assert (on - leg.day).days <= max_age
        assert held[(leg.base, leg.quote, leg.day)] == leg.rate
        # ... and it is the newest fresh rate between its two currencies.
        assert leg.day == max(fresh(leg.base, leg.quote))
