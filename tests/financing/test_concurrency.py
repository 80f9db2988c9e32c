"""Two people acting on one deal at the same moment, each on their own database connection:
one wins, the other gets a clear conflict, and the deal's history has one new row.

Row locks are what make this work, so these tests run on PostgreSQL only (SQLite locks the
whole database file, serialising the threads before they ever race).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from bayfin.common.errors import Conflict, InvalidTransition
from bayfin.consent import services as consent_services
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.financing import services
from bayfin.financing.models import Deal, DealEvent
from bayfin.financing.transitions import DealStage
from tests.conftest import member_of
from tests.financing.deal_helpers import Parties, deal_at, new_deal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent moves need PostgreSQL row locks and two connections; "
        "SQLite serialises writers on the whole file",
    ),
]


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once, each in its own thread (so on its own connection); each result is
    the call's return value or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the loser's error is the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def split(results: list[Any]) -> tuple[list[Any], list[Exception]]:
    return [r for r in results if not isinstance(r, Exception)], [
        r for r in results if isinstance(r, Exception)
    ]


def test_accept_and_decline_at_once_one_wins_the_other_is_told_the_deal_moved() -> None:
    p = new_deal()
    events = DealEvent.objects.filter(deal=p.deal).count()
    results = race(
        lambda: services.deal_transition(
            actor=p.enterprise_user,
            deal_id=p.deal.pk,
            to_stage="accepted",
            expected_stage="interest",
        ),
        lambda: services.deal_transition(
            actor=p.institution_user,
            deal_id=p.deal.pk,
            to_stage="declined",
            comment="We changed our mind.",
            expected_stage="interest",
        ),
    )
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "deal_moved"
    deal = p.refresh()
    assert deal.stage in (DealStage.ACCEPTED, DealStage.DECLINED)
    assert str(deal.get_stage_display()) in str(lost[0].message)
    assert DealEvent.objects.filter(deal=deal).count() == events + 1


def test_without_the_expected_stage_the_second_move_is_refused_by_the_table() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    events = DealEvent.objects.filter(deal=p.deal).count()
    results = race(
        lambda: services.deal_transition(
            actor=p.enterprise_user,
            deal_id=p.deal.pk,
            to_stage="withdrawn",
            comment="We have the money.",
        ),
        lambda: services.deal_transition(
            actor=p.institution_user, deal_id=p.deal.pk, to_stage="declined", comment="Not for us."
        ),
    )
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], InvalidTransition) and "not allowed" in str(lost[0].message)
    assert DealEvent.objects.filter(deal=p.deal).count() == events + 1


def test_two_members_of_one_institution_expressing_interest_at_once_make_one_deal() -> None:
    p = new_deal()
    request = p.deal.request
    institution = Deal.objects.get(pk=p.deal.pk).institution
    Deal.objects.filter(pk=p.deal.pk).update(
        stage=DealStage.DECLINED
    )  # free the pair for a new deal
    first, second = member_of(institution.organisation), member_of(institution.organisation)
    results = race(
        lambda: services.deal_express_interest(
            actor=first, request_id=request.pk, message="From Ana."
        ),
        lambda: services.deal_express_interest(
            actor=second, request_id=request.pk, message="From Bo."
        ),
    )
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "deal_exists"
    live = Deal.objects.filter(request=request, institution=institution, stage=DealStage.INTEREST)
    assert live.count() == 1 and DealEvent.objects.filter(deal=live.get()).count() == 1


def test_confirming_the_consent_while_the_institution_declines_never_leaves_data_shared() -> None:
    p: Parties = deal_at(DealStage.ACCEPTED)
    grant = ConsentGrant.objects.get(deal=p.deal, status=GrantStatus.PROPOSED)
    results = race(
        lambda: consent_services.consent_confirm(
            actor=p.enterprise_user, grant_id=grant.pk, data={"cross_border_consent": True}
        ),
        lambda: services.deal_transition(
            actor=p.institution_user, deal_id=p.deal.pk, to_stage="declined", comment="Not for us."
        ),
    )
    assert not any(isinstance(r, Exception) and not isinstance(r, Conflict) for r in results), (
        results
    )
    deal = p.refresh()
    assert deal.stage == DealStage.DECLINED
    grant.refresh_from_db()
    assert grant.status in (GrantStatus.DISMISSED, GrantStatus.ENDED)


def test_both_sides_confirming_the_terms_at_once_confirm_them_once() -> None:
    p = deal_at(DealStage.TERM_SHEET, guarantor=True)
    ts = p.deal.term_sheets.get()
    results = race(
        lambda: services.term_sheet_confirm(
            actor=p.enterprise_user, deal_id=p.deal.pk, term_sheet_id=ts.pk
        ),
        lambda: services.term_sheet_confirm(
            actor=p.guarantor_user, deal_id=p.deal.pk, term_sheet_id=ts.pk
        ),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    ts.refresh_from_db()
    assert ts.status == "confirmed" and ts.enterprise_confirmed_at and ts.guarantor_confirmed_at
    from bayfin.ledger.models import LedgerEntry

    assert LedgerEntry.objects.filter(kind="deal.term_sheet_confirmed").count() == 1
