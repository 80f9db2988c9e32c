"""Deals walked along the real pipeline for the deal tests: every step through its service.

``new_deal`` makes an enterprise, a lending institution (in Macao: the consent is a
cross-border transfer, so the helpers give the separate consent), a member of each, an open
request and a deal at *interest*; ``advance`` takes it to any later stage the way people
and the platform do (accepting, confirming the proposed consent, due diligence, proposing
and confirming terms, approving, disbursing or investing, and the daily job).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bayfin.common.vocab import InstitutionKind, Instrument
from bayfin.consent import services as consent_services
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.financing import services
from bayfin.financing.models import Deal, TermSheet
from bayfin.financing.transitions import DealStage, RequestStatus
from tests.conftest import member_of
from tests.factories import EnterpriseFactory, FinancingRequestFactory, InstitutionFactory

LOAN_TERMS: dict[str, Any] = {
    "instrument": Instrument.CREDIT_LOAN.value,
    "amount": "1200000.00",
    "currency": "CNY",
    "annual_rate": "6",
    "term_months": 12,
    "repayment": "annuity",
    "conditions": "Quarterly management accounts.",
}
EQUITY_TERMS: dict[str, Any] = {
    "instrument": Instrument.EQUITY.value,
    "amount": "2000000.00",
    "currency": "CNY",
    "valuation": "40000000.00",
    "conditions": "One board seat.",
}

# The order the pipeline walks; declined / withdrawn / closed are reached from any open stage.
LOAN_PATH = (
    DealStage.INTEREST,
    DealStage.ACCEPTED,
    DealStage.DATA_ACCESS,
    DealStage.DUE_DILIGENCE,
    DealStage.TERM_SHEET,
    DealStage.APPROVED,
    DealStage.DISBURSED,
    DealStage.REPAYING,
)
EQUITY_PATH = (*LOAN_PATH[:6], DealStage.INVESTED)


@dataclass
class Parties:
    deal: Deal
    enterprise_user: Any
    institution_user: Any
    guarantor_user: Any = None

    def refresh(self) -> Deal:
        self.deal.refresh_from_db()
        return self.deal

    def user(self, side: str) -> Any:
        return {
            "enterprise": self.enterprise_user,
            "institution": self.institution_user,
            "guarantor": self.guarantor_user,
        }[side]


def new_deal(
    *,
    amount: str = "8000000.00",
    currency: str = "CNY",
    instruments: tuple[str, ...] = (Instrument.CREDIT_LOAN.value, Instrument.EQUITY.value),
    guarantor: bool = False,
    request: Any = None,
) -> Parties:
    """A fresh enterprise, institution and request, and a deal at *interest* made by the service."""
    if request is None:
        enterprise = EnterpriseFactory()
        request = FinancingRequestFactory(
            enterprise=enterprise,
            status=RequestStatus.OPEN,
            amount=Decimal(amount),
            currency=currency,
            instruments=list(instruments),
        )
    enterprise_user = member_of(request.enterprise.organisation)
    institution = InstitutionFactory()
    institution_user = member_of(institution.organisation)
    deal = services.deal_express_interest(
        actor=institution_user, request_id=request.pk, message="We can lend."
    )
    parties = Parties(deal, enterprise_user, institution_user)
    if guarantor:
        company = InstitutionFactory(kind=InstitutionKind.GUARANTEE_COMPANY)
        parties.guarantor_user = member_of(company.organisation)
        services.deal_set_guarantor(
            actor=institution_user, deal_id=deal.pk, guarantor_id=company.pk
        )
    return parties


def open_term_sheet(deal: Deal) -> TermSheet:
    return deal.term_sheets.get(status="proposed")


def confirm_all(p: Parties) -> TermSheet:
    """Every party that has not confirmed the open term sheet confirms it."""
    ts = open_term_sheet(p.deal)
    for side in ("enterprise", "institution", "guarantor"):
        if p.user(side) is not None and getattr(ts, f"{side}_confirmed_at") is None:
            ts = services.term_sheet_confirm(
                actor=p.user(side),
                deal_id=p.deal.pk,
                term_sheet_id=ts.pk,
                sha256=ts.document_sha256,
            )
    assert ts.status == "confirmed"
    return ts


def step(
    p: Parties,
    to: str,
    *,
    terms: dict[str, Any] | None = None,
    proposer: str = "institution",
    today: dt.date | None = None,
) -> None:
    """Make one forward move of the pipeline the way its side makes it."""
    deal = p.refresh()
    if to == DealStage.ACCEPTED:
        services.deal_transition(
            actor=p.enterprise_user, deal_id=deal.pk, to_stage=to, comment="Welcome."
        )
    elif to == DealStage.DATA_ACCESS:
        grant = ConsentGrant.objects.get(deal=deal, status=GrantStatus.PROPOSED)
        consent_services.consent_confirm(
            actor=p.enterprise_user, grant_id=grant.pk, data={"cross_border_consent": True}
        )
    elif to == DealStage.DUE_DILIGENCE:
        services.deal_transition(actor=p.institution_user, deal_id=deal.pk, to_stage=to)
    elif to == DealStage.TERM_SHEET:
        services.term_sheet_propose(
            actor=p.user(proposer), deal_id=deal.pk, data=terms or LOAN_TERMS
        )
    elif to == DealStage.APPROVED:
        confirm_all(p)
        services.deal_transition(actor=p.institution_user, deal_id=deal.pk, to_stage=to)
    elif to in (DealStage.DISBURSED, DealStage.INVESTED):
        services.deal_transition(actor=p.institution_user, deal_id=deal.pk, to_stage=to)
    elif to == DealStage.REPAYING:
        first_due = deal.instalments.order_by("number").first().due_on
        services.deal_update_days_past_due(today=today or first_due)
    else:  # pragma: no cover - a helper misuse
        raise AssertionError(f"no forward step to {to}")
    assert p.refresh().stage == to, (to, p.deal.stage)


def advance(p: Parties, to: str, *, terms: dict[str, Any] | None = None) -> Parties:
    """Walk the deal from where it is to ``to`` (a stage on the loan or equity path)."""
    equity = to == DealStage.INVESTED or (terms or LOAN_TERMS)["instrument"] in (
        "equity",
        "convertible",
    )
    path = EQUITY_PATH if equity else LOAN_PATH
    terms = terms or (EQUITY_TERMS if equity else LOAN_TERMS)
    start = path.index(p.refresh().stage)
    for stage in path[start + 1 : path.index(to) + 1]:
        step(p, stage, terms=terms)
    return p


def deal_at(
    stage: str, *, terms: dict[str, Any] | None = None, guarantor: bool = False, **kwargs: Any
) -> Parties:
    return advance(new_deal(guarantor=guarantor, **kwargs), stage, terms=terms)


def today() -> dt.date:
    return timezone.localdate()
