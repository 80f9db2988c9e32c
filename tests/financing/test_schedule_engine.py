"""The pure repayment engine: schedules, payments applied to them, days past due.

Properties (hypothesis) beside worked examples: the principal repaid is exactly the principal
lent; annuity instalments are equal but for the last; applying payments neither creates nor
loses money; days past due never go down as days pass without payments; month-end starts.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.common.money import CURRENCIES, quantize
from bayfin.financing.engine.schedule import METHODS, Line, PaymentIn, add_months, build, position

CENT = Decimal("0.01")

principals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000000"), places=2)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal(36), places=4)
terms = st.integers(min_value=1, max_value=360)
starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))
currencies = st.sampled_from(sorted(CURRENCIES))


def schedule(
    principal: Decimal = Decimal("1200000"),
    rate: Decimal = Decimal(6),
    months: int = 12,
    method: str = "annuity",
    start: dt.date = dt.date(2026, 1, 15),
    currency: str = "CNY",
) -> list[Line]:
    return build(
        principal=principal,
        currency=currency,
        annual_rate_percent=rate,
        term_months=months,
        method=method,
        start=start,
    )


# --------------------------------------------------------------------------- worked examples


def test_the_annuity_example_matches_the_formula_worked_by_hand() -> None:
    r = Fraction(6, 1200)
    exact = Fraction(1_200_000) * r / (1 - (1 + r) ** -12)
    by_hand = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        CENT, ROUND_HALF_EVEN
    )
    assert by_hand == Decimal("103279.72")
    lines = schedule()
    assert [line.total for line in lines[:-1]] == [Decimal("103279.72")] * 11
    assert lines[0].interest == Decimal("6000.00") and lines[0].principal == Decimal("97279.72")
    assert lines[1].interest == Decimal("5513.60")  # 0.5% of 1,102,720.28
    assert sum(line.principal for line in lines) == Decimal("1200000.00")
    assert lines[-1].total == lines[-1].principal + lines[-1].interest
    assert abs(lines[-1].total - Decimal("103279.72")) <= Decimal("0.10")
    assert [line.number for line in lines] == list(range(1, 13))
    assert lines[0].due_on == dt.date(2026, 2, 15) and lines[-1].due_on == dt.date(2027, 1, 15)


def test_equal_principal_and_bullet() -> None:
    even = schedule(method="equal_principal")
    assert {line.principal for line in even} == {Decimal("100000.00")}
    assert even[0].interest == Decimal("6000.00") and even[-1].interest == Decimal("500.00")
    bullet = schedule(method="bullet")
    assert [line.principal for line in bullet] == [Decimal(0)] * 11 + [Decimal("1200000.00")]
    assert {line.interest for line in bullet} == {Decimal("6000.00")}


def test_an_interest_free_loan_repays_the_principal_in_equal_parts() -> None:
    lines = schedule(principal=Decimal("1000"), rate=Decimal(0), months=3)
    assert [line.total for line in lines] == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    assert all(line.interest == 0 for line in lines)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2024, 1, 31), [dt.date(2024, 2, 29), dt.date(2024, 3, 31), dt.date(2024, 4, 30)]),
        (dt.date(2023, 1, 31), [dt.date(2023, 2, 28), dt.date(2023, 3, 31), dt.date(2023, 4, 30)]),
        (
            dt.date(2025, 11, 30),
            [dt.date(2025, 12, 30), dt.date(2026, 1, 30), dt.date(2026, 2, 28)],
        ),
        (dt.date(2025, 12, 31), [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]),
    ],
)
def test_a_month_end_start_falls_due_on_each_months_last_day_without_drifting(
    start: dt.date, expected: list[dt.date]
) -> None:
    assert [line.due_on for line in schedule(start=start, months=3)] == expected


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"principal": Decimal(0)}, "principal"),
        ({"principal": Decimal(-1)}, "principal"),
        ({"months": 0}, "term"),
        ({"rate": Decimal("-0.5")}, "rate"),
        ({"method": "balloon"}, "method"),
    ],
)
def test_impossible_loans_are_refused(kwargs: dict[str, object], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        schedule(**kwargs)  # type: ignore[arg-type]


def test_days_past_due_start_the_day_after_the_due_date() -> None:
    lines = schedule()
    due = lines[0].due_on
    assert position(lines, [], on=due).days_past_due == 0
    assert position(lines, [], on=due + dt.timedelta(days=1)).days_past_due == 1
    paid_on_time = [PaymentIn(due, lines[0].total)]
    late = position(lines, paid_on_time, on=due + dt.timedelta(days=10))
    assert late.days_past_due == 0 and late.lines[0].paid_in_full_on == due and late.overdue == 0


def test_payments_go_to_the_oldest_instalment_interest_first() -> None:
    lines = schedule()
    pos = position(
        lines, [PaymentIn(dt.date(2026, 2, 1), Decimal("110000.00"))], on=dt.date(2026, 3, 20)
    )
    first, second = pos.lines[0], pos.lines[1]
    assert first.outstanding == 0
    left = Decimal("110000.00") - Decimal("103279.72")
    assert (
        second.interest_paid == second.line.interest
        and second.principal_paid == left - second.line.interest
    )
    assert pos.days_past_due == (dt.date(2026, 3, 20) - lines[1].due_on).days
    assert pos.overdue == second.outstanding


def test_a_payment_after_the_day_is_not_counted_yet() -> None:
    lines = schedule()
    later = [PaymentIn(dt.date(2026, 4, 1), Decimal("103279.72"))]
    assert position(lines, later, on=dt.date(2026, 3, 1)).days_past_due == 14


def test_overpaying_repays_and_keeps_the_excess() -> None:
    lines = schedule(principal=Decimal("1000"), rate=Decimal(0), months=2)
    pos = position(
        lines, [PaymentIn(dt.date(2026, 1, 20), Decimal("1200"))], on=dt.date(2026, 1, 20)
    )
    assert pos.repaid and pos.excess == Decimal("200.00") and pos.outstanding_principal == 0


def test_add_months_crosses_years() -> None:
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert add_months(dt.date(2026, 1, 15), 25) == dt.date(2028, 2, 15)


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(
    principal=principals,
    rate=rates,
    months=terms,
    method=st.sampled_from(METHODS),
    start=starts,
    currency=currencies,
)
def test_the_principal_repaid_is_exactly_the_principal_lent(
    principal: Decimal, rate: Decimal, months: int, method: str, start: dt.date, currency: str
) -> None:
    lines = schedule(principal, rate, months, method, start, currency)
    assert len(lines) == months
    assert sum(line.principal for line in lines) == quantize(principal, currency)
    assert all(line.principal >= 0 and line.interest >= 0 for line in lines)
    assert all(quantize(line.principal, currency) == line.principal for line in lines)
    assert all(quantize(line.interest, currency) == line.interest for line in lines)
    dues = [line.due_on for line in lines]
    assert dues == sorted(dues) and len(set(dues)) == months and dues[0] > start


@settings(max_examples=300, deadline=None)
@given(
    principal=st.decimals(min_value=Decimal("10000"), max_value=Decimal("1000000000"), places=2),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal(24), places=4),
    months=st.integers(min_value=2, max_value=120),
    start=starts,
)
def test_annuity_instalments_are_equal_except_the_last(
    principal: Decimal, rate: Decimal, months: int, start: dt.date
) -> None:
    """Over the loans the platform makes (tickets of at least 10,000, up to ten years, 24%)."""
    lines = schedule(principal, rate, months, "annuity", start)
    totals = {line.total for line in lines[:-1]}
    assert len(totals) == 1
    # The last one takes the rounding left over: the payment's and each interest's rounding (at
    # most a fen a month together), carried forward with the interest it earns until the end.
    r = rate / 1200
    carried = (((1 + r) ** months - 1) / r) if r else Decimal(months)
    assert abs(lines[-1].total - totals.pop()) <= CENT * carried + CENT


def test_a_tiny_very_long_loan_can_be_paid_off_before_its_last_instalment() -> None:
    """Outside the platform's range the rounding carried forward can exceed an instalment: the
    schedule then ends with instalments of nothing, and still repays exactly what was lent."""
    lines = schedule(Decimal("1000"), Decimal("9.9991"), 360)
    assert sum(line.principal for line in lines) == Decimal("1000.00")
    assert lines[-1].total == 0


@settings(max_examples=300, deadline=None)
@given(
    principal=principals,
    rate=rates,
    months=st.integers(min_value=1, max_value=60),
    method=st.sampled_from(METHODS),
    payments=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2000),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000000"), places=2),
        ),
        max_size=15,
    ),
    day=st.integers(min_value=0, max_value=2200),
)
def test_applying_payments_conserves_money(
    principal: Decimal,
    rate: Decimal,
    months: int,
    method: str,
    payments: list[tuple[int, Decimal]],
    day: int,
) -> None:
    start = dt.date(2026, 1, 31)
    lines = schedule(principal, rate, months, method, start)
    paid = [PaymentIn(start + dt.timedelta(days=d), amount) for d, amount in payments]
    on = start + dt.timedelta(days=day)
    pos = position(lines, paid, on=on)
    received = sum((p.amount for p in paid if p.paid_on <= on), Decimal(0))
    applied = sum((s.interest_paid + s.principal_paid for s in pos.lines), Decimal(0))
    assert applied + pos.excess == received
    assert all(
        0 <= s.interest_paid <= s.line.interest and 0 <= s.principal_paid <= s.line.principal
        for s in pos.lines
    )
    owed = sum((line.total for line in lines), Decimal(0))
    assert pos.repaid == (applied == owed)
    assert pos.outstanding_principal == sum(s.line.principal - s.principal_paid for s in pos.lines)
    if pos.excess > 0:
        assert pos.repaid


@settings(max_examples=200, deadline=None)
@given(
    principal=principals,
    rate=rates,
    months=st.integers(min_value=1, max_value=60),
    method=st.sampled_from(METHODS),
    start=starts,
    days=st.lists(st.integers(min_value=0, max_value=3000), min_size=2, max_size=10),
)
def test_days_past_due_never_go_down_without_payments(
    principal: Decimal, rate: Decimal, months: int, method: str, start: dt.date, days: list[int]
) -> None:
    lines = schedule(principal, rate, months, method, start)
    previous = -1
    for d in sorted(days):
        on = start + dt.timedelta(days=d)
        dpd = position(lines, [], on=on).days_past_due
        assert dpd >= previous
        expected = (on - lines[0].due_on).days if on > lines[0].due_on and lines[0].total > 0 else 0
        if lines[0].total > 0:
            assert dpd == max(0, expected)
        previous = dpd
