"""Take a deal along the pipeline through the services, for the page and API tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from bayfin.consent.models import GrantStatus
from bayfin.financing import services
from bayfin.financing.transitions import DealStage

LOAN_TERMS = {
    "instrument": "credit_loan",
    "amount": "1000000.00",
    "currency": "CNY",
    "annual_rate": "4.35",
    "term_months": "12",
    "repayment": "annuity",
    "conditions": "Quarterly statements.",
}
EQUITY_TERMS = {
    "instrument": "equity",
    "amount": "2000000.00",
    "currency": "CNY",
    "valuation": "50000000.00",
}


def accepted(deal: Any, enterprise_user: Any) -> Any:
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage=DealStage.ACCEPTED)
    deal.refresh_from_db()
    return deal


def data_access(deal: Any, enterprise_user: Any) -> Any:
    """Accept, then make the proposed consent live (as confirming it would) and move the deal on."""
    accepted(deal, enterprise_user)
    grant = deal.consents.get(status=GrantStatus.PROPOSED)
    grant.status, grant.granted_by, grant.granted_at = (
        GrantStatus.ACTIVE,
        enterprise_user,
        timezone.now(),
    )
    grant.cross_border_consent_at = timezone.now() if grant.cross_border else None
    grant.save()
    services.deal_data_access_granted(actor=enterprise_user, deal_id=deal.pk)
    deal.refresh_from_db()
    return deal


def due_diligence(deal: Any, enterprise_user: Any, institution_user: Any) -> Any:
    data_access(deal, enterprise_user)
    services.deal_transition(
        actor=institution_user, deal_id=deal.pk, to_stage=DealStage.DUE_DILIGENCE
    )
    deal.refresh_from_db()
    return deal


def term_sheet(
    deal: Any, enterprise_user: Any, institution_user: Any, terms: dict | None = None
) -> Any:
    """At the term sheet stage with term sheet 1 proposed by the institution (not yet confirmed)."""
    due_diligence(deal, enterprise_user, institution_user)
    ts = services.term_sheet_propose(
        actor=institution_user, deal_id=deal.pk, data=terms or LOAN_TERMS
    )
    deal.refresh_from_db()
    return ts


def approved(
    deal: Any, enterprise_user: Any, institution_user: Any, terms: dict | None = None
) -> Any:
    ts = term_sheet(deal, enterprise_user, institution_user, terms)
    services.term_sheet_confirm(actor=enterprise_user, deal_id=deal.pk, term_sheet_id=ts.pk)
    services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage=DealStage.APPROVED)
    deal.refresh_from_db()
    return deal


def disbursed(
    deal: Any, enterprise_user: Any, institution_user: Any, terms: dict | None = None
) -> Any:
    approved(deal, enterprise_user, institution_user, terms)
    services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage=DealStage.DISBURSED)
    deal.refresh_from_db()
    return deal
