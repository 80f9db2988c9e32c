"""Term sheets: proposing moves the deal to the term sheet stage, a new proposal supersedes the
open one, every party confirms (the guarantor too), the agreed terms are copied onto the deal and
the confirmed document's SHA-256 goes into the ledger; the rules of the terms name their fields."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from bayfin.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.financing import services
from bayfin.financing.models import TermSheet
from bayfin.financing.transitions import DealStage
from bayfin.ledger.entries import parse_entry
from bayfin.ledger.models import LedgerEntry
from bayfin.notifications.models import Notification
from tests.factories import InstitutionFactory
from tests.financing.deal_helpers import EQUITY_TERMS, LOAN_TERMS, confirm_all, deal_at

pytestmark = pytest.mark.django_db


def terms(**changes: Any) -> dict[str, Any]:
    data = dict(LOAN_TERMS)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def propose(p: Any, side: str = "institution", **changes: Any) -> TermSheet:
    return services.term_sheet_propose(actor=p.user(side), deal_id=p.deal.pk, data=terms(**changes))


def confirm(p: Any, side: str, ts: TermSheet, sha256: str | None = None) -> TermSheet:
    return services.term_sheet_confirm(
        actor=p.user(side),
        deal_id=p.deal.pk,
        term_sheet_id=ts.pk,
        sha256=sha256 if sha256 is not None else ts.document_sha256,
    )


def stored_sha(ts: TermSheet) -> str:
    """The hash anyone gets from the document as read back from the database."""
    fresh = TermSheet.objects.select_related("deal").get(pk=ts.pk)
    return hashlib.sha256(services.term_sheet_document_bytes(fresh)).hexdigest()


@pytest.mark.parametrize("side", ["institution", "enterprise"])
def test_proposing_at_due_diligence_moves_the_deal_to_term_sheet(side: str) -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    ts = propose(p, side)
    assert p.refresh().stage == DealStage.TERM_SHEET
    assert (ts.number, ts.status, ts.proposed_side) == (1, "proposed", side)
    assert getattr(ts, f"{side}_confirmed_by") == p.user(
        side
    )  # proposing is the proposer's confirmation
    other = "enterprise" if side == "institution" else "institution"
    assert getattr(ts, f"{other}_confirmed_at") is None
    event = p.deal.events.last()
    assert (event.from_stage, event.to_stage, event.actor) == (
        "due_diligence",
        "term_sheet",
        p.user(side),
    )
    assert ts.document_sha256 == stored_sha(ts)


@pytest.mark.parametrize("stage", [DealStage.ACCEPTED, DealStage.DATA_ACCESS])
def test_terms_are_not_proposed_before_due_diligence(stage: str) -> None:
    p = deal_at(stage)
    with pytest.raises(InvalidTransition) as exc:
        propose(p)
    assert "due diligence" in str(exc.value.message)
    assert not TermSheet.objects.exists()


def test_a_new_proposal_supersedes_the_open_one_and_asks_the_others_again() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    first = p.deal.term_sheets.get()
    second = propose(p, "enterprise", annual_rate="5.5")
    first.refresh_from_db()
    assert (first.status, second.status, second.number) == ("superseded", "proposed", 2)
    assert p.refresh().stage == DealStage.TERM_SHEET
    assert second.enterprise_confirmed_at is not None and second.institution_confirmed_at is None
    assert Notification.objects.filter(user=p.institution_user, kind="deal.term_sheet").exists()
    with pytest.raises(Conflict) as exc:
        confirm(p, "enterprise", first)
    assert exc.value.code == "term_sheet_closed"


def test_confirmation_by_the_other_side_agrees_the_terms_and_records_the_document_hash() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    ts = p.deal.term_sheets.get()
    ts = confirm(p, "enterprise", ts)
    assert ts.status == "confirmed" and ts.confirmed_at is not None
    deal = p.refresh()
    assert (deal.agreed_amount, deal.agreed_currency, deal.agreed_instrument) == (
        Decimal("1200000.00"),
        "CNY",
        "credit_loan",
    )
    assert deal.stage == DealStage.TERM_SHEET  # approval is the institution's next step

    entry = LedgerEntry.objects.get(kind="deal.term_sheet_confirmed")
    body = parse_entry(entry.body.encode())
    assert body["data"]["document_sha256"] == ts.document_sha256 == stored_sha(ts)
    assert body["data"]["term_sheet"] == 1 and body["data"]["instrument"] == "credit_loan"
    assert body["amounts"] == [{"amount": "1200000.00", "currency": "CNY"}]
    assert set(entry.parties.all()) == {
        deal.request.enterprise.organisation,
        deal.institution.organisation,
    }
    assert Notification.objects.filter(user=p.institution_user, kind="deal.term_sheet").exists()


def test_a_side_confirms_once() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    ts = p.deal.term_sheets.get()
    with pytest.raises(Conflict) as exc:
        confirm(p, "institution", ts)
    assert exc.value.code == "already_confirmed"


def test_confirming_terms_that_changed_since_they_were_read_is_a_conflict() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    ts = p.deal.term_sheets.get()
    with pytest.raises(Conflict) as exc:
        confirm(p, "enterprise", ts, sha256="0" * 64)
    assert exc.value.code == "term_sheet_changed"
    ts.refresh_from_db()
    assert ts.status == "proposed" and ts.enterprise_confirmed_at is None
    assert not LedgerEntry.objects.filter(kind="deal.term_sheet_confirmed").exists()


def test_with_a_guarantor_all_three_parties_confirm() -> None:
    p = deal_at(DealStage.TERM_SHEET, guarantor=True)
    ts = p.deal.term_sheets.get()
    ts = confirm(p, "enterprise", ts)
    assert ts.status == "proposed"
    assert not LedgerEntry.objects.filter(kind="deal.term_sheet_confirmed").exists()
    with pytest.raises(InvalidTransition):
        services.deal_transition(actor=p.institution_user, deal_id=p.deal.pk, to_stage="approved")
    ts = confirm(p, "guarantor", ts)
    assert ts.status == "confirmed" and ts.guarantor_confirmed_by == p.guarantor_user
    entry = LedgerEntry.objects.get(kind="deal.term_sheet_confirmed")
    assert p.refresh().guarantor.organisation in entry.parties.all()
    body = parse_entry(entry.body.encode())
    assert [party["role"] for party in body["parties"]] == [
        "enterprise",
        "institution",
        "guarantor",
    ]
    assert body["data"]["document_sha256"] == stored_sha(ts)


def test_the_guarantor_confirms_but_does_not_propose() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE, guarantor=True)
    with pytest.raises(PermissionDenied):
        propose(p, "guarantor")


def test_naming_a_guarantor_while_terms_are_open_asks_for_them_again() -> None:
    """The guarantor is part of the document every party confirms: naming one after the terms
    were proposed must not let the old document (without the guarantor) be confirmed."""
    p = deal_at(DealStage.TERM_SHEET)
    ts = p.deal.term_sheets.get()
    company = InstitutionFactory(kind="guarantee_company")
    services.deal_set_guarantor(
        actor=p.institution_user, deal_id=p.deal.pk, guarantor_id=company.pk
    )
    ts.refresh_from_db()
    assert ts.status == "superseded"
    with pytest.raises(Conflict):
        confirm(p, "enterprise", ts)
    again = propose(p, "institution")
    assert again.document_sha256 == stored_sha(again)


def test_agreed_terms_are_not_proposed_again() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    confirm_all(p)
    with pytest.raises(Conflict) as exc:
        propose(p, "enterprise", annual_rate="5")
    assert exc.value.code == "terms_agreed"
    assert p.deal.term_sheets.count() == 1


def test_strangers_cannot_see_or_confirm_terms(
    other_enterprise_user: Any, other_institution_user: Any
) -> None:
    p = deal_at(DealStage.TERM_SHEET)
    ts = p.deal.term_sheets.get()
    for stranger in (other_enterprise_user, other_institution_user):
        with pytest.raises(NotFound):
            services.term_sheet_confirm(actor=stranger, deal_id=p.deal.pk, term_sheet_id=ts.pk)
        with pytest.raises(NotFound):
            services.term_sheet_propose(actor=stranger, deal_id=p.deal.pk, data=LOAN_TERMS)


# --------------------------------------------------------------------------- the rules of the terms


@pytest.mark.parametrize(
    "missing", ["annual_rate", "term_months", "repayment", "amount", "currency", "instrument"]
)
def test_a_loan_needs_its_terms(missing: str) -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    with pytest.raises(ValidationFailed) as exc:
        propose(p, **{missing: ""})
    assert missing in exc.value.fields
    assert p.refresh().stage == DealStage.DUE_DILIGENCE and not TermSheet.objects.exists()


def test_a_loan_has_no_valuation() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    with pytest.raises(ValidationFailed) as exc:
        propose(p, valuation="10000000")
    assert "valuation" in exc.value.fields


def test_equity_needs_a_valuation_and_no_loan_terms() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    equity = {k: v for k, v in EQUITY_TERMS.items() if k != "valuation"}
    with pytest.raises(ValidationFailed) as exc:
        services.term_sheet_propose(
            actor=p.institution_user,
            deal_id=p.deal.pk,
            data={**equity, "annual_rate": "5", "term_months": 12},
        )
    assert {"valuation", "annual_rate", "term_months"} <= set(exc.value.fields)
    ts = services.term_sheet_propose(actor=p.institution_user, deal_id=p.deal.pk, data=EQUITY_TERMS)
    assert (ts.instrument, ts.valuation, ts.annual_rate, ts.term_months) == (
        "equity",
        Decimal("40000000.00"),
        None,
        None,
    )


def test_a_convertible_may_carry_an_interest_rate() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE, instruments=("convertible",))
    ts = services.term_sheet_propose(
        actor=p.institution_user,
        deal_id=p.deal.pk,
        data={
            "instrument": "convertible",
            "amount": "3000000",
            "currency": "CNY",
            "valuation": "50000000",
            "annual_rate": "4",
        },
    )
    assert ts.annual_rate == Decimal("4") and ts.valuation == Decimal("50000000")
    assert ts.document_sha256 == stored_sha(ts)


def test_the_instrument_must_be_one_the_request_accepts() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)  # the request accepts a credit loan or equity
    with pytest.raises(ValidationFailed) as exc:
        propose(p, instrument="bond")
    assert "instrument" in exc.value.fields and "Credit loan" in str(exc.value.fields["instrument"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("annual_rate", "37"),
        ("annual_rate", "-1"),
        ("term_months", "0"),
        ("amount", "-5"),
        ("amount", "0"),
        ("repayment", "balloon"),
        ("currency", "XYZ"),
    ],
)
def test_out_of_range_terms_are_refused_on_their_field(field: str, value: str) -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    with pytest.raises(ValidationFailed) as exc:
        propose(p, **{field: value})
    assert field in exc.value.fields
