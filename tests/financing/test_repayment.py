"""Loans after disbursement: the schedule made from the confirmed terms, payments against it,
days past due counted by the daily job, repaid and defaulted, and the refusals a lender sees."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import pytest

from bayfin.common.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.financing import services
from bayfin.financing.models import Deal, Payment
from bayfin.financing.selectors import deal_outcomes, repayment_for
from bayfin.financing.transitions import DealStage
from bayfin.ledger.entries import parse_entry
from bayfin.ledger.models import LedgerEntry
from bayfin.notifications.models import Notification
from tests.financing.deal_helpers import EQUITY_TERMS, LOAN_TERMS, Parties, deal_at, today

pytestmark = pytest.mark.django_db


def annuity_by_hand(principal: int, annual_percent: int, months: int) -> Decimal:
    """P·r / (1 − (1 + r)^−n), exactly in rationals, then to the fen."""
    r = Fraction(annual_percent, 100 * 12)
    exact = Fraction(principal) * r / (1 - (1 + r) ** -months)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_EVEN
    )


def lines(deal: Deal) -> list[Any]:
    return list(deal.instalments.order_by("number"))


def due(deal: Deal, number: int) -> dt.date:
    return deal.instalments.get(number=number).due_on


def pay(p: Parties, amount: Decimal | str, *, on: dt.date | None = None, **extra: Any) -> Payment:
    data = {"amount": str(amount), "paid_on": (on or today()).isoformat(), **extra}
    return services.payment_record(actor=p.institution_user, deal_id=p.deal.pk, data=data)


def run_job(on: dt.date) -> int:
    return services.deal_update_days_past_due(today=on)


@pytest.fixture
def loan() -> Parties:
    """CNY 1,200,000 at 6% a year over 12 months, equal instalments, disbursed today."""
    return deal_at(DealStage.DISBURSED, terms=LOAN_TERMS)


# --------------------------------------------------------------------------- the schedule


def test_disbursement_makes_the_annuity_schedule_from_the_terms(loan: Parties) -> None:
    deal = loan.refresh()
    assert deal.disbursed_on == today() and deal.days_past_due == 0
    rows = lines(deal)
    assert len(rows) == 12
    monthly = annuity_by_hand(1_200_000, 6, 12)
    assert monthly == Decimal("103279.72")
    assert all(r.principal + r.interest == monthly for r in rows[:-1])
    assert abs(rows[-1].principal + rows[-1].interest - monthly) < Decimal("0.12")
    assert sum(r.principal for r in rows) == Decimal("1200000.00")
    assert rows[0].interest == Decimal("6000.00")  # 1,200,000 × 0.5%
    assert rows[0].currency == "CNY"
    assert [r.due_on.month for r in rows] == [
        (today().month - 1 + i) % 12 + 1 for i in range(1, 13)
    ]
    position = repayment_for(loan.enterprise_user, deal).position
    assert position.outstanding_principal == Decimal("1200000.00") and position.days_past_due == 0


def test_an_equity_investment_has_no_schedule_and_is_an_outcome() -> None:
    p = deal_at(DealStage.INVESTED, terms=EQUITY_TERMS)
    deal = p.refresh()
    assert not deal.instalments.exists() and repayment_for(p.enterprise_user, deal) is None
    assert deal.outcome_on == today() and list(deal_outcomes()) == [deal]
    with pytest.raises(InvalidTransition):
        pay(p, "1000")


def test_the_schedule_is_for_the_parties_and_operators_only(
    loan: Parties, operator_user: Any, other_institution_user: Any
) -> None:
    deal = loan.refresh()
    assert repayment_for(loan.institution_user, deal) is not None
    assert repayment_for(operator_user, deal) is not None
    assert repayment_for(other_institution_user, deal) is None


# --------------------------------------------------------------------------- the daily job


def test_repayment_starts_at_the_first_due_date(loan: Parties) -> None:
    first = due(loan.deal, 1)
    assert run_job(first - dt.timedelta(days=1)) == 1
    assert loan.refresh().stage == DealStage.DISBURSED
    run_job(first)
    deal = loan.refresh()
    assert (
        deal.stage == DealStage.REPAYING
        and deal.days_past_due == 0
        and deal.days_past_due_on == first
    )
    event = deal.events.last()
    assert (event.from_stage, event.to_stage, event.actor) == ("disbursed", "repaying", None)
    assert Notification.objects.filter(
        user=loan.enterprise_user, kind="deal.stage_changed", subject=f"financing.deal:{deal.pk}"
    ).exists()


def test_days_past_due_count_from_the_oldest_unpaid_instalment(loan: Parties) -> None:
    first, second = due(loan.deal, 1), due(loan.deal, 2)
    run_job(first + dt.timedelta(days=1))
    assert loan.refresh().days_past_due == 1
    run_job(first + dt.timedelta(days=20))
    assert loan.refresh().days_past_due == 20
    run_job(second + dt.timedelta(days=3))  # two instalments late: counted from the first
    assert loan.refresh().days_past_due == (second - first).days + 3


def test_payments_reduce_the_arrears(loan: Parties) -> None:
    first, second = due(loan.deal, 1), due(loan.deal, 2)
    pay(loan, "103279.72", reference="Transfer 0001")
    assert loan.refresh().stage == DealStage.REPAYING  # the first payment starts repayment
    run_job(first + dt.timedelta(days=5))
    assert loan.refresh().days_past_due == 0
    run_job(second + dt.timedelta(days=3))
    assert loan.refresh().days_past_due == 3
    position = repayment_for(loan.institution_user, loan.deal).position
    assert position.lines[0].paid_in_full_on == today() and position.lines[0].outstanding == 0


def test_a_part_payment_leaves_the_instalment_late(loan: Parties) -> None:
    first = due(loan.deal, 1)
    pay(loan, "6000.00")  # the interest only
    run_job(first + dt.timedelta(days=2))
    deal = loan.refresh()
    assert deal.days_past_due == 2
    position = repayment_for(loan.institution_user, deal).position
    assert (
        position.lines[0].interest_paid == Decimal("6000.00")
        and position.lines[0].principal_paid == 0
    )


def test_the_loan_defaults_at_the_configured_days_past_due(loan: Parties, settings: Any) -> None:
    settings.BAYFIN_DEFAULT_DAYS_PAST_DUE = 5
    first = due(loan.deal, 1)
    run_job(first + dt.timedelta(days=4))
    assert loan.refresh().stage == DealStage.REPAYING and loan.deal.days_past_due == 4
    run_job(first + dt.timedelta(days=5))
    deal = loan.refresh()
    assert deal.stage == DealStage.DEFAULTED and deal.days_past_due == 5
    event = deal.events.last()
    assert (event.from_stage, event.to_stage, event.actor) == ("repaying", "defaulted", None)
    assert "5 days past due" in event.comment
    assert AuditEvent.objects.filter(
        action="financing.deal_defaulted", subject_id=str(deal.pk)
    ).exists()
    # The outcome is dated by the job's day (what the credit model learns from), not the clock.
    assert list(deal_outcomes()) == [deal] and deal.outcome_on == first + dt.timedelta(days=5)


def test_by_default_a_loan_defaults_at_ninety_days_past_due(loan: Parties, settings: Any) -> None:
    assert settings.BAYFIN_DEFAULT_DAYS_PAST_DUE == 90
    first = due(loan.deal, 1)
    run_job(first + dt.timedelta(days=89))
    assert loan.refresh().stage == DealStage.REPAYING
    run_job(first + dt.timedelta(days=90))
    assert loan.refresh().stage == DealStage.DEFAULTED


def test_a_loan_not_looked_at_for_months_defaults_in_one_run(loan: Parties) -> None:
    run_job(due(loan.deal, 1) + dt.timedelta(days=120))
    deal = loan.refresh()
    assert deal.stage == DealStage.DEFAULTED
    assert [(e.from_stage, e.to_stage) for e in deal.events.order_by("pk")][-2:] == [
        ("disbursed", "repaying"),
        ("repaying", "defaulted"),
    ]


def test_paying_everything_repays_the_loan(loan: Parties) -> None:
    owed = sum(r.principal + r.interest for r in lines(loan.deal))
    pay(loan, owed - Decimal("0.01"))
    assert loan.refresh().stage == DealStage.REPAYING
    pay(loan, "0.01")
    deal = loan.refresh()
    assert deal.stage == DealStage.REPAID and deal.outcome_on == today()
    assert [(e.from_stage, e.to_stage) for e in deal.events.order_by("pk")][-2:] == [
        ("disbursed", "repaying"),
        ("repaying", "repaid"),
    ]
    assert list(deal_outcomes()) == [deal]
    assert (
        run_job(due(deal, 12) + dt.timedelta(days=400)) == 0
    )  # a repaid loan is no longer looked at
    with pytest.raises(InvalidTransition):
        pay(loan, "1")


def test_the_job_is_idempotent(loan: Parties, settings: Any) -> None:
    settings.BAYFIN_DEFAULT_DAYS_PAST_DUE = 5
    day = due(loan.deal, 1) + dt.timedelta(days=2)
    run_job(day)
    events = loan.deal.events.count()
    entries = LedgerEntry.objects.count()
    assert run_job(day) == 1
    deal = loan.refresh()
    assert deal.events.count() == events and LedgerEntry.objects.count() == entries
    assert (deal.stage, deal.days_past_due) == (DealStage.REPAYING, 2)
    run_job(day + dt.timedelta(days=10))
    run_job(day + dt.timedelta(days=10))
    assert loan.refresh().events.filter(to_stage=DealStage.DEFAULTED).count() == 1


def test_the_job_looks_only_at_loans_being_repaid(loan: Parties) -> None:
    deal_at(DealStage.INVESTED, terms=EQUITY_TERMS)
    deal_at(DealStage.APPROVED)
    assert run_job(today()) == 1


# --------------------------------------------------------------------------- recording payments


def test_a_payment_is_audited_recorded_in_the_ledger_and_told_to_the_enterprise(
    loan: Parties,
) -> None:
    payment = pay(loan, "103279.72", reference="SWIFT ref Mr Lei 42")
    assert (payment.amount, payment.currency, payment.recorded_by) == (
        Decimal("103279.72"),
        "CNY",
        loan.institution_user,
    )
    assert AuditEvent.objects.filter(
        action="financing.payment_record", subject_id=str(loan.deal.pk)
    ).exists()
    entry = LedgerEntry.objects.get(kind="deal.payment_recorded")
    body = parse_entry(entry.body.encode())
    assert body["amounts"] == [{"amount": "103279.72", "currency": "CNY"}]
    assert body["data"] == {"deal": loan.deal.pk, "paid_on": today().isoformat()}
    assert "Mr Lei" not in entry.body
    assert Notification.objects.filter(user=loan.enterprise_user, kind="deal.payment").exists()


def test_a_payment_cannot_be_in_the_future(loan: Parties) -> None:
    with pytest.raises(ValidationFailed) as exc:
        pay(loan, "100", on=today() + dt.timedelta(days=1))
    assert "paid_on" in exc.value.fields
    assert not Payment.objects.exists()


def test_a_payment_cannot_be_before_the_disbursement(loan: Parties) -> None:
    Deal.objects.filter(pk=loan.deal.pk).update(disbursed_on=today() - dt.timedelta(days=10))
    with pytest.raises(ValidationFailed) as exc:
        pay(loan, "100", on=today() - dt.timedelta(days=11))
    assert "paid_on" in exc.value.fields and "disbursed on" in str(exc.value.fields["paid_on"])
    pay(loan, "100", on=today() - dt.timedelta(days=10))
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("currency", {"amount": "100", "currency": "HKD"}),
        ("amount", {"amount": "0"}),
        ("amount", {"amount": "-5"}),
        ("amount", {"amount": "12.345"}),
        ("paid_on", {"amount": "100", "paid_on": "yesterday"}),
    ],
)
def test_payment_fields_are_checked(loan: Parties, field: str, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.payment_record(
            actor=loan.institution_user,
            deal_id=loan.deal.pk,
            data={"paid_on": today().isoformat(), **data},
        )
    assert field in exc.value.fields
    assert not Payment.objects.exists()


def test_only_the_lender_records_payments(other_institution_user: Any, operator_user: Any) -> None:
    p = deal_at(DealStage.DISBURSED, guarantor=True)
    for actor in (p.enterprise_user, p.guarantor_user):
        with pytest.raises(PermissionDenied):
            services.payment_record(actor=actor, deal_id=p.deal.pk, data={"amount": "100"})
    with pytest.raises(NotFound):
        services.payment_record(
            actor=other_institution_user, deal_id=p.deal.pk, data={"amount": "100"}
        )
    with pytest.raises(PermissionDenied):
        services.payment_record(actor=operator_user, deal_id=p.deal.pk, data={"amount": "100"})
    assert not Payment.objects.exists()


def test_no_payment_before_the_money_moved() -> None:
    p = deal_at(DealStage.APPROVED)
    with pytest.raises(InvalidTransition) as exc:
        pay(p, "100")
    assert "Approved" in str(exc.value.message)


def test_one_failing_loan_does_not_stop_the_daily_job_for_the_others(loan: Parties, monkeypatch: Any) -> None:
    other = deal_at(DealStage.DISBURSED, terms=LOAN_TERMS)
    real = services._apply_position
    broken = loan.deal.pk

    def apply(deal: Deal, **kwargs: Any) -> None:
        if deal.pk == broken:
            raise RuntimeError("a corrupt schedule")
        real(deal, **kwargs)

    monkeypatch.setattr(services, "_apply_position", apply)
    assert run_job(due(other.deal, 1) + dt.timedelta(days=3)) == 2
    assert other.refresh().stage == DealStage.REPAYING and other.deal.days_past_due == 3
    assert loan.refresh().stage == DealStage.DISBURSED  # rolled back alone; the next run retries it
