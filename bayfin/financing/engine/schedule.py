"""Loan repayment schedules, payments applied to them, and days past due.

Pure: Decimal amounts in one currency, dates; no Django. Rounding happens per instalment,
half-even to the currency's minor unit (``bayfin.common.money.quantize``), and the last
instalment takes whatever rounding left over, so the principal repaid is exactly the
principal lent.

Methods
-------
- ``annuity``: equal instalments of principal and interest, the French amortisation
  ``P·r / (1 − (1 + r)^−n)`` with ``r`` the annual rate / 12;
- ``equal_principal``: the same principal each month, interest on the balance;
- ``bullet``: interest each month, all the principal with the last instalment.

Instalment ``i`` falls due ``i`` months after the start (the disbursement date), on the
same day of the month or the month's last day when it is shorter.

Payments are applied to the oldest instalment first, interest before principal (the
usual order in Chinese and Macao loan contracts). Days past due are counted from the due
date of the oldest instalment not fully paid; an instalment is past due the day after
its due date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from bayfin.common.money import quantize

METHODS = ("annuity", "equal_principal", "bullet")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class PaymentIn:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class LineStatus:
    line: Line
    interest_paid: Decimal
    principal_paid: Decimal
    paid_in_full_on: date | None

    @property
    def outstanding(self) -> Decimal:
        return self.line.total - self.interest_paid - self.principal_paid


@dataclass(frozen=True)
class Position:
    """Where a loan stands on a day: each line's payments, what is owed and how late."""

    lines: tuple[LineStatus, ...]
    days_past_due: int
    overdue: Decimal  # due before the day and not yet paid
    outstanding_principal: Decimal
    repaid: bool  # every line paid in full
    excess: Decimal  # paid beyond the whole schedule


def add_months(start: date, months: int) -> date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def build(*, principal: Decimal, currency: str, annual_rate_percent: Decimal, term_months: int,
          method: str, start: date) -> list[Line]:
    """The schedule of a loan of ``principal`` lent on ``start``."""
    if principal <= 0:
        raise ValueError("principal must be positive")
    if term_months < 1:
        raise ValueError("term_months must be at least 1")
    if annual_rate_percent < 0:
        raise ValueError("the rate must not be negative")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    principal = quantize(principal, currency)
    with localcontext() as ctx:
        ctx.prec = 34
        r = annual_rate_percent / Decimal(100) / Decimal(12)
        if method == "annuity":
            if r == 0:
                payment = principal / term_months
            else:
                payment = principal * r / (1 - (1 + r) ** -term_months)
            payment = quantize(payment, currency)
        even_principal = quantize(principal / term_months, currency)
        lines: list[Line] = []
        balance = principal
        for i in range(1, term_months + 1):
            interest = quantize(balance * r, currency)
            if i == term_months:
                part = balance
            elif method == "annuity":
                part = min(balance, max(ZERO, payment - interest))
            elif method == "equal_principal":
                part = min(balance, even_principal)
            else:
                part = ZERO
            lines.append(Line(i, add_months(start, i), part, interest))
            balance -= part
    return lines


def position(lines: Sequence[Line], payments: Iterable[PaymentIn], *, on: date) -> Position:
    """Apply the payments made on or before ``on`` to the schedule and measure the arrears."""
    paid = sorted((p for p in payments if p.paid_on <= on), key=lambda p: p.paid_on)
    remaining_interest = [line.interest for line in lines]
    remaining_principal = [line.principal for line in lines]
    full_on: list[date | None] = [None if line.total > 0 else line.due_on for line in lines]
    excess = ZERO
    k = 0
    for payment in paid:
        money = payment.amount
        while money > 0 and k < len(lines):
            take = min(money, remaining_interest[k])
            remaining_interest[k] -= take
            money -= take
            take = min(money, remaining_principal[k])
            remaining_principal[k] -= take
            money -= take
            if remaining_interest[k] == 0 and remaining_principal[k] == 0:
                full_on[k] = payment.paid_on if full_on[k] is None else full_on[k]
                k += 1
        excess += money
    statuses = tuple(
        LineStatus(line, line.interest - remaining_interest[i], line.principal - remaining_principal[i], full_on[i])
        for i, line in enumerate(lines))
    late = [s for s in statuses if s.line.due_on < on and s.outstanding > 0]
    return Position(
        lines=statuses,
        days_past_due=(on - late[0].line.due_on).days if late else 0,
        overdue=sum((s.outstanding for s in late), ZERO),
        outstanding_principal=sum(remaining_principal, ZERO),
        repaid=all(s.outstanding == 0 for s in statuses),
        excess=excess,
    )
