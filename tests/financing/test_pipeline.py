"""The deal pipeline against its one table: every allowed move made by its side succeeds and
leaves its trace (history row, audit event, ledger entry, notifications and an email for the
other side); every other (stage, target, side) is refused with the reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from bayfin.common.errors import Conflict, InvalidTransition, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.consent.selectors import live_grant
from bayfin.documents.models import Document
from bayfin.financing import services
from bayfin.financing.models import DealEvent
from bayfin.financing.transitions import (
    DEAL_OPEN_STAGES,
    DEAL_TRANSITIONS,
    DealStage,
    RequestStatus,
)
from bayfin.ledger.entries import parse_entry
from bayfin.ledger.models import LedgerEntry
from bayfin.notifications.models import Notification
from tests.factories import (
    DealFactory,
    EnterpriseFactory,
    FinancingRequestFactory,
    InstitutionFactory,
)
from tests.financing.deal_helpers import (
    EQUITY_TERMS,
    LOAN_TERMS,
    Parties,
    advance,
    confirm_all,
    deal_at,
    new_deal,
    today,
)

pytestmark = pytest.mark.django_db

PEOPLE = ("enterprise", "institution", "guarantor")
ALLOWED = sorted((frm, to, side) for (frm, to), sides in DEAL_TRANSITIONS.items() for side in sides)
SYSTEM_MOVES = sorted(
    (frm, to) for (frm, to), sides in DEAL_TRANSITIONS.items() if sides == {"system"}
)


def first_due(p: Parties) -> dt.date:
    return p.deal.instalments.order_by("number").first().due_on


def make_move(p: Parties, frm: str, to: str, side: str) -> Any:
    """The allowed move, made the way its side makes it; returns the person who acted (None:
    the platform)."""
    deal = p.refresh()
    if side == "system":
        if to == DealStage.CLOSED:
            services.request_transition(
                actor=p.enterprise_user,
                request_id=deal.request_id,
                to_status=RequestStatus.CLOSED,
                reason="We found the money elsewhere.",
            )
        elif to == DealStage.REPAYING:
            services.deal_update_days_past_due(today=first_due(p))
        elif to == DealStage.REPAID:
            owed = sum(i.principal + i.interest for i in deal.instalments.all())
            services.payment_record(
                actor=p.institution_user,
                deal_id=deal.pk,
                data={"amount": str(owed), "paid_on": today().isoformat()},
            )
        elif to == DealStage.DEFAULTED:
            services.deal_update_days_past_due(today=first_due(p) + dt.timedelta(days=90))
        else:  # pragma: no cover
            raise AssertionError(to)
        return None
    actor = p.user(side)
    if to == DealStage.DATA_ACCESS:
        grant = ConsentGrant.objects.get(deal=deal, status=GrantStatus.PROPOSED)
        from bayfin.consent import services as consent_services

        consent_services.consent_confirm(
            actor=actor, grant_id=grant.pk, data={"cross_border_consent": True}
        )
    elif to == DealStage.TERM_SHEET:
        services.term_sheet_propose(
            actor=actor, deal_id=deal.pk, data=LOAN_TERMS, expected_stage=frm
        )
    else:
        services.deal_transition(
            actor=actor, deal_id=deal.pk, to_stage=to, comment="Reason: timing.", expected_stage=frm
        )
    return actor


@pytest.mark.parametrize(("frm", "to", "side"), ALLOWED, ids=["-".join(a) for a in ALLOWED])
def test_every_allowed_move_succeeds_and_leaves_its_trace(
    frm: str, to: str, side: str, django_capture_on_commit_callbacks: Any
) -> None:
    p = deal_at(frm, terms=EQUITY_TERMS if to == DealStage.INVESTED else LOAN_TERMS)
    if to == DealStage.APPROVED:
        confirm_all(p)
    deal = p.deal
    before = DealEvent.objects.filter(deal=deal).count()
    last_notification = (
        Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        actor = make_move(p, frm, to, side)

    deal = p.refresh()
    assert deal.stage == to
    new_events = list(DealEvent.objects.filter(deal=deal).order_by("pk"))[before:]
    if (frm, to) == (DealStage.DISBURSED, DealStage.DEFAULTED):
        # The job records the path it took: repayment started at the first due date, then default.
        assert [(e.from_stage, e.to_stage) for e in new_events] == [
            ("disbursed", "repaying"),
            ("repaying", "defaulted"),
        ]
    else:
        assert [(e.from_stage, e.to_stage) for e in new_events] == [(frm, to)]
    event = new_events[-1]
    if to == DealStage.CLOSED:
        # The platform closes the deal because the enterprise closed its request: that is who acted.
        actor = p.enterprise_user
    assert event.actor == actor
    if side != "system" and to in (DealStage.DECLINED, DealStage.WITHDRAWN):
        assert event.comment == "Reason: timing."
    if to == DealStage.CLOSED:
        assert "We found the money elsewhere." in event.comment

    audit = AuditEvent.objects.filter(action=f"financing.deal_{to}", subject_id=str(deal.pk))
    assert audit.count() == 1
    assert audit.get().new["stage"] == to and audit.get().old == {"stage": event.from_stage}

    entry = LedgerEntry.objects.get(
        kind="deal.stage_changed", reference=f"financing.dealevent:{event.pk}"
    )
    body = parse_entry(entry.body.encode())
    assert (body["data"]["from"], body["data"]["to"]) == (event.from_stage, to)
    assert set(entry.parties.all()) == {
        deal.request.enterprise.organisation,
        deal.institution.organisation,
    }

    told = Notification.objects.filter(
        pk__gt=last_notification, subject=f"financing.deal:{deal.pk}", kind="deal.stage_changed"
    )
    told_users = set(told.values_list("user", flat=True))
    other = {
        "enterprise": [p.institution_user],
        "institution": [p.enterprise_user],
        "system": [p.enterprise_user, p.institution_user],
    }[side]
    if actor is not None:
        other = [p.institution_user if actor == p.enterprise_user else p.enterprise_user]
    assert {u.pk for u in other} <= told_users
    if actor is not None:
        assert actor.pk not in told_users
    mailed = {address for message in mail.outbox for address in message.to}
    assert {u.email for u in other} <= mailed
    if actor is not None:
        assert actor.email not in mailed


def build_at(stage: str) -> Parties:
    """A deal put straight at a stage (refusals are decided before any precondition)."""
    enterprise = EnterpriseFactory()
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.IN_PROGRESS)
    institution = InstitutionFactory()
    guarantor = InstitutionFactory(kind="guarantee_company")
    deal = DealFactory(request=req, institution=institution, guarantor=guarantor, stage=stage)
    from tests.conftest import member_of

    return Parties(
        deal,
        member_of(enterprise.organisation),
        member_of(institution.organisation),
        member_of(guarantor.organisation),
    )


@pytest.mark.parametrize("side", PEOPLE)
@pytest.mark.parametrize("stage", [s.value for s in DealStage])
def test_every_move_not_in_the_table_is_refused_with_its_reason(stage: str, side: str) -> None:
    p = build_at(stage)
    for target in DealStage:
        sides = DEAL_TRANSITIONS.get((stage, target.value))
        if sides and side in sides:
            continue
        with pytest.raises(InvalidTransition) as exc:
            services.deal_transition(
                actor=p.user(side), deal_id=p.deal.pk, to_stage=target.value, comment="A reason."
            )
        message = str(exc.value.message)
        if sides:
            who = " / ".join(
                {
                    "enterprise": "the enterprise",
                    "institution": "the institution",
                    "system": "the platform",
                }[s]
                for s in sorted(sides)
            )
            assert f"only {who} can do this" in message, (stage, target, side, message)
        else:
            assert "this transition is not allowed" in message, (stage, target, side, message)
        assert str(DealStage(stage).label) in message and str(target.label) in message
    assert p.refresh().stage == stage
    assert not DealEvent.objects.filter(deal=p.deal).exists()
    assert not LedgerEntry.objects.filter(kind="deal.stage_changed").exists()


@pytest.mark.parametrize(("frm", "to"), SYSTEM_MOVES, ids=["-".join(m) for m in SYSTEM_MOVES])
@pytest.mark.parametrize("side", PEOPLE)
def test_moves_the_platform_makes_are_refused_to_people(frm: str, to: str, side: str) -> None:
    p = build_at(frm)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(
            actor=p.user(side), deal_id=p.deal.pk, to_stage=to, comment="Because."
        )
    assert "only the platform can do this" in str(exc.value.message)
    assert p.refresh().stage == frm


REASON_MOVES = [
    (stage, to, side)
    for stage in DEAL_OPEN_STAGES
    for to, side in (
        (DealStage.DECLINED, "enterprise"),
        (DealStage.DECLINED, "institution"),
        (DealStage.WITHDRAWN, "enterprise"),
    )
]


@pytest.mark.parametrize(
    ("stage", "to", "side"), REASON_MOVES, ids=["-".join(m) for m in REASON_MOVES]
)
def test_declining_and_withdrawing_need_a_reason_and_end_the_deals_consents(
    stage: str, to: str, side: str
) -> None:
    p = deal_at(stage)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_transition(actor=p.user(side), deal_id=p.deal.pk, to_stage=to, comment="   ")
    assert "comment" in exc.value.fields
    assert p.refresh().stage == stage
    grants_before = {g.pk: g.status for g in ConsentGrant.objects.filter(deal=p.deal)}

    services.deal_transition(
        actor=p.user(side), deal_id=p.deal.pk, to_stage=to, comment="The rate is too high."
    )
    assert p.refresh().stage == to
    assert p.deal.events.last().comment == "The rate is too high."
    for grant in ConsentGrant.objects.filter(deal=p.deal):
        expected = {
            GrantStatus.PROPOSED: GrantStatus.DISMISSED,
            GrantStatus.ACTIVE: GrantStatus.ENDED,
        }
        assert grant.status == expected[grants_before[grant.pk]]
    for scope in ("profile", "statements"):
        assert (
            live_grant(
                institution=p.deal.institution, enterprise=p.deal.request.enterprise, scope=scope
            )
            is None
        )


def test_the_enterprise_only_withdraws_the_institution_declines(enterprise_user: Any) -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(
            actor=p.institution_user, deal_id=p.deal.pk, to_stage="withdrawn", comment="x"
        )
    assert "only the enterprise can do this" in str(exc.value.message)


def test_a_request_that_ends_closes_its_open_deals_but_not_a_disbursed_loan() -> None:
    lent = deal_at(DealStage.DISBURSED)
    talking = new_deal(request=lent.deal.request)
    services.request_transition(
        actor=lent.enterprise_user,
        request_id=lent.deal.request_id,
        to_status=RequestStatus.CLOSED,
        reason="Enough for now.",
    )
    assert talking.refresh().stage == DealStage.CLOSED
    assert lent.refresh().stage == DealStage.DISBURSED
    last = talking.deal.events.last()
    assert last.actor == lent.enterprise_user and "Enough for now." in last.comment


# --------------------------------------------------------------------------- preconditions


def test_data_access_needs_a_live_consent() -> None:
    p = deal_at(DealStage.ACCEPTED)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=p.enterprise_user, deal_id=p.deal.pk, to_stage="data_access")
    assert "Grant the institution access" in str(exc.value.message)
    # A consent given outside the deal counts as well.
    ConsentGrant.objects.create(
        enterprise=p.deal.request.enterprise,
        institution=p.deal.institution,
        scopes=["profile"],
        purpose="Know your customer",
        status=GrantStatus.ACTIVE,
        valid_until=today() + dt.timedelta(days=30),
    )
    services.deal_transition(actor=p.enterprise_user, deal_id=p.deal.pk, to_stage="data_access")
    assert p.refresh().stage == DealStage.DATA_ACCESS


def test_an_expired_consent_does_not_open_data_access() -> None:
    p = deal_at(DealStage.ACCEPTED)
    ConsentGrant.objects.create(
        enterprise=p.deal.request.enterprise,
        institution=p.deal.institution,
        scopes=["profile"],
        purpose="Old",
        status=GrantStatus.ACTIVE,
        valid_until=today() - dt.timedelta(days=1),
    )
    with pytest.raises(InvalidTransition):
        services.deal_transition(actor=p.enterprise_user, deal_id=p.deal.pk, to_stage="data_access")


def test_confirming_the_proposed_consent_moves_the_deal_to_data_access() -> None:
    p = deal_at(DealStage.ACCEPTED)
    grant = ConsentGrant.objects.get(deal=p.deal)
    assert grant.status == GrantStatus.PROPOSED and set(grant.scopes) == {"profile", "statements"}
    from bayfin.consent import services as consent_services

    consent_services.consent_confirm(
        actor=p.enterprise_user, grant_id=grant.pk, data={"cross_border_consent": True}
    )
    assert p.refresh().stage == DealStage.DATA_ACCESS
    assert p.deal.events.last().actor == p.enterprise_user


def test_the_term_sheet_stage_is_reached_by_proposing_terms() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=p.institution_user, deal_id=p.deal.pk, to_stage="term_sheet")
    assert "Propose a term sheet" in str(exc.value.message)


def test_approval_needs_terms_every_party_confirmed() -> None:
    p = deal_at(DealStage.TERM_SHEET)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=p.institution_user, deal_id=p.deal.pk, to_stage="approved")
    assert "Every party must confirm" in str(exc.value.message)
    assert p.refresh().stage == DealStage.TERM_SHEET


def test_a_loan_is_disbursed_and_equity_invested_never_the_other_way() -> None:
    loan = deal_at(DealStage.APPROVED, terms=LOAN_TERMS)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(
            actor=loan.institution_user, deal_id=loan.deal.pk, to_stage="invested"
        )
    assert "Only equity is invested" in str(exc.value.message) and "Credit loan" in str(
        exc.value.message
    )
    equity = deal_at(DealStage.APPROVED, terms=EQUITY_TERMS)
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(
            actor=equity.institution_user, deal_id=equity.deal.pk, to_stage="disbursed"
        )
    assert "Only a loan is disbursed" in str(exc.value.message)
    assert not equity.deal.instalments.exists()


def test_a_stale_expected_stage_is_a_conflict_and_moves_nothing() -> None:
    p = deal_at(DealStage.DATA_ACCESS)
    with pytest.raises(Conflict) as exc:
        services.deal_transition(
            actor=p.enterprise_user,
            deal_id=p.deal.pk,
            to_stage="declined",
            comment="No.",
            expected_stage="accepted",
        )
    assert exc.value.code == "deal_moved" and "Data access granted" in str(exc.value.message)
    assert p.refresh().stage == DealStage.DATA_ACCESS


def test_the_guarantor_is_told_of_every_move_but_moves_nothing() -> None:
    p = deal_at(DealStage.DUE_DILIGENCE, guarantor=True)
    assert (
        Notification.objects.filter(
            user=p.guarantor_user, subject=f"financing.deal:{p.deal.pk}", kind="deal.stage_changed"
        ).count()
        == 3
    )
    with pytest.raises(InvalidTransition):
        services.deal_transition(
            actor=p.guarantor_user, deal_id=p.deal.pk, to_stage="declined", comment="No."
        )


# --------------------------------------------------------------------------- documents on a step


def document(p: Parties, *, org: Any, deal: Any = None, sha: str = "ab" * 32) -> Document:
    return Document.objects.create(
        enterprise=p.deal.request.enterprise,
        deal=deal,
        kind="contract",
        title="Signed facility letter",
        original_name="letter.pdf",
        sha256=sha,
        size=1000,
        content_type="application/pdf",
        extension="pdf",
        storage_name=f"documents/{sha}",
        uploaded_by_organisation=org,
    )


def test_documents_attached_to_a_step_go_into_its_history_audit_and_ledger() -> None:
    p = deal_at(DealStage.DATA_ACCESS)
    doc = document(p, org=p.deal.institution.organisation, deal=p.deal)
    services.deal_transition(
        actor=p.institution_user,
        deal_id=p.deal.pk,
        to_stage="due_diligence",
        comment="Checklist attached.",
        document_ids=[str(doc.pk)],
    )
    event = p.refresh().events.last()
    assert list(event.documents.all()) == [doc]
    assert AuditEvent.objects.get(action="financing.deal_due_diligence").new["documents"] == [
        doc.sha256
    ]
    entry = LedgerEntry.objects.get(reference=f"financing.dealevent:{event.pk}")
    assert parse_entry(entry.body.encode())["data"]["documents"] == [doc.sha256]


def test_another_organisations_document_cannot_be_attached() -> None:
    p = deal_at(DealStage.DATA_ACCESS)
    theirs = document(p, org=p.deal.request.enterprise.organisation, deal=p.deal, sha="cd" * 32)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_transition(
            actor=p.institution_user,
            deal_id=p.deal.pk,
            to_stage="due_diligence",
            document_ids=[theirs.pk],
        )
    assert "documents" in exc.value.fields
    assert p.refresh().stage == DealStage.DATA_ACCESS


# --------------------------------------------------------------------------- a request funded by several deals

HKD_EQUITY = {**EQUITY_TERMS, "amount": "2000000.00", "currency": "HKD", "valuation": "40000000.00"}


def hkd_rate(value: str) -> None:
    from bayfin.fx.models import FxRate

    FxRate.objects.create(day=today(), base="HKD", quote="CNY", rate=Decimal(value), source="test")


def two_deals(amount: str) -> tuple[Parties, Parties]:
    """A CNY 1,200,000 loan and a HKD 2,000,000 equity investment, on one CNY request."""
    loan = new_deal(amount=amount)
    equity = new_deal(request=loan.deal.request)
    return loan, equity


def test_a_request_funded_by_a_loan_and_an_equity_investment_converted_on_the_day() -> None:
    from bayfin.financing.selectors import funding_for

    hkd_rate("0.92")  # HKD 2,000,000 = CNY 1,840,000
    loan, equity = two_deals("3000000.00")
    advance(loan, DealStage.DISBURSED, terms=LOAN_TERMS)
    req = loan.deal.request
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS  # CNY 1,200,000 of 3,000,000
    advance(equity, DealStage.INVESTED, terms=HKD_EQUITY)
    req.refresh_from_db()
    assert req.status == RequestStatus.FUNDED
    audit = AuditEvent.objects.get(action="financing.request_funded", subject_id=str(req.pk))
    assert "3,040,000" in audit.new["reason"] or "3040000" in audit.new["reason"]
    funding = funding_for(loan.enterprise_user, req)
    assert (
        funding.reached
        and funding.funded.amount == Decimal("3040000.00")
        and funding.missing_rates == []
    )
    assert {d.pk for d in funding.deals} == {loan.deal.pk, equity.deal.pk}


def test_a_request_short_of_its_amount_stays_in_progress() -> None:
    hkd_rate("0.92")
    loan, equity = two_deals("3100000.00")  # CNY 3,040,000 is short of 3,100,000
    advance(loan, DealStage.DISBURSED, terms=LOAN_TERMS)
    advance(equity, DealStage.INVESTED, terms=HKD_EQUITY)
    req = loan.deal.request
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS


def test_money_without_a_rate_that_day_does_not_count() -> None:
    from bayfin.financing.selectors import funding_for

    loan, equity = two_deals("3000000.00")
    advance(loan, DealStage.DISBURSED, terms=LOAN_TERMS)
    advance(equity, DealStage.INVESTED, terms=HKD_EQUITY)
    req = loan.deal.request
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS
    funding = funding_for(loan.enterprise_user, req)
    assert funding.funded.amount == Decimal("1200000.00") and funding.missing_rates == ["HKD"]
    assert not funding.reached


def test_a_deal_still_talking_does_not_count_and_stays_open_when_the_request_is_funded() -> None:
    loan = new_deal(amount="1200000.00")
    talking = new_deal(request=loan.deal.request)
    advance(talking, DealStage.ACCEPTED)
    advance(loan, DealStage.DISBURSED, terms=LOAN_TERMS)
    req = loan.deal.request
    req.refresh_from_db()
    assert req.status == RequestStatus.FUNDED
    assert talking.refresh().stage == DealStage.ACCEPTED
