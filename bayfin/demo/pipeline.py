"""The demo's deals beyond interest: walked through the real services, so every step has its
history, audit event, ledger entry, notifications and consent exactly as a user's would.

What a demo user finds (the demo enterprise is the Hengqin chip designer):
- "Series A and working capital": a request funded by two deals, the demo bank's CNY loan
  (disbursed five months ago and being repaid on time) and the Macao VC's investment (in RMB,
  through its QFLP fund);
- one of its open requests where the demo bank's interest was accepted and the data-sharing
  consent waits for the enterprise's confirmation (a cross-border transfer: the bank is in Macao);
- one where the VC proposed a term sheet that waits for the enterprise's confirmation;
- in the demo bank's book, another enterprise's loan that went 90 days past due and defaulted;
- a data room with a business plan and statements, and an access log of the banks' reads.

Dates that only time can make (a loan disbursed months ago) are set by moving the schedule
back after disbursement; everything else is the services' own doing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from bayfin.accounts.models import OrganisationKind, OrganisationStatus, User
from bayfin.common.errors import DomainError
from bayfin.consent import selectors as consent_selectors
from bayfin.consent import services as consent_services
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.documents import services as document_services
from bayfin.financing import services as financing
from bayfin.financing.engine import schedule
from bayfin.financing.models import Deal, FinancingRequest, Instalment
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.institutions.models import Product, ProductStatus
from bayfin.scoring import services as scoring
from bayfin.scoring.registry import ModelUnavailable

from .generator import DEMO_EMAIL_DOMAIN


def _user(name: str) -> User | None:
    return User.objects.filter(email=f"{name}@{DEMO_EMAIL_DOMAIN}").first()


def _member(organisation: Any) -> User | None:
    return User.objects.filter(membership__organisation=organisation).order_by("pk").first()


def _interest(actor: User, req: FinancingRequest, message: str, instrument: str) -> Deal:
    """Interest naming one of the institution's products when a channel carries it, else none."""
    products = Product.objects.filter(institution__organisation=actor.organisation, status=ProductStatus.PUBLISHED,
                                      instrument=instrument).order_by("pk")
    for product in products:
        try:
            return financing.deal_express_interest(actor=actor, request_id=req.pk, message=message,
                                                   product_id=product.pk)
        except DomainError:
            continue
    return financing.deal_express_interest(actor=actor, request_id=req.pk, message=message)


def _share(enterprise_user: User, deal: Deal, scopes: list[str]) -> ConsentGrant:
    """The enterprise confirms the consent proposed when it accepted the deal (editing the scopes)."""
    grant = ConsentGrant.objects.get(deal=deal, status=GrantStatus.PROPOSED)
    consent_services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={
        "scopes": scopes, "purpose": grant.purpose, "valid_until": "", "cross_border_consent": True})
    grant.refresh_from_db()
    return grant


def _to_terms(ent: User, inst: User, deal: Deal, terms: dict[str, Any], *, confirm: bool = True,
              documents: tuple[int, ...] = ()) -> None:
    financing.deal_transition(actor=ent, deal_id=deal.pk, to_stage=DealStage.ACCEPTED,
                              comment="Thank you: our business plan is attached.", document_ids=documents)
    _share(ent, deal, ["profile", "statements", "evaluation", "documents"])
    enterprise_id = deal.request.enterprise_id
    consent_selectors.shared_profile_for(inst, enterprise_id, via="page")
    consent_selectors.shared_statements_for(inst, enterprise_id, via="page")
    financing.deal_transition(actor=inst, deal_id=deal.pk, to_stage=DealStage.DUE_DILIGENCE,
                              comment="Due diligence started: site visit next week.")
    ts = financing.term_sheet_propose(actor=inst, deal_id=deal.pk, data=terms)
    if confirm:
        financing.term_sheet_confirm(actor=ent, deal_id=deal.pk, term_sheet_id=ts.pk)
        financing.deal_transition(actor=inst, deal_id=deal.pk, to_stage=DealStage.APPROVED,
                                  comment="Approved by the credit committee.")


def _backdate_loan(deal: Deal, *, months: int, today: date) -> None:
    """Make a loan disbursed today one disbursed ``months`` ago (the demo cannot wait)."""
    start = schedule.add_months(today, -months)
    ts = deal.term_sheets.get(status="confirmed")
    lines = schedule.build(principal=ts.amount, currency=ts.currency, annual_rate_percent=ts.annual_rate,
                           term_months=ts.term_months, method=ts.repayment, start=start)
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(disbursed_on=start)
        for line in lines:
            Instalment.objects.filter(deal=deal, number=line.number).update(due_on=line.due_on)


def _pay(inst: User, deal: Deal, count: int) -> None:
    for instalment in Instalment.objects.filter(deal=deal).order_by("number")[:count]:
        financing.payment_record(actor=inst, deal_id=deal.pk, data={
            "amount": str(instalment.principal + instalment.interest), "paid_on": instalment.due_on.isoformat(),
            "reference": f"Instalment {instalment.number}"})


def _pdf(title: str) -> bytes:
    """A small valid one-page PDF with the title on it (no third-party library needed)."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _posted(ent: User, today: date, *, title: str, amount: str, instruments: list[str],
            purpose: str) -> FinancingRequest:
    req = financing.request_create(actor=ent, data={
        "title": title, "amount": amount, "currency": "CNY", "instruments": instruments, "term_months": 24,
        "deadline": today + timedelta(days=60), "purpose": purpose})
    return financing.request_transition(actor=ent, request_id=req.pk, to_status=RequestStatus.OPEN)


def _lend(bank: User, deal: Deal, loans: tuple[str, ...], *, today: date, months: int, paid: int) -> bool:
    """Take another enterprise's accepted deal to a 12-month loan disbursed ``months`` ago, with
    ``paid`` instalments paid on time. False when its owner cannot act (nothing done)."""
    instrument = next(i for i in loans if i in deal.request.instruments)
    owner = _member(deal.request.enterprise.organisation)
    org = owner.organisation if owner is not None else None
    if owner is None or org is None or org.kind != OrganisationKind.ENTERPRISE:
        return False
    consent_services.consent_propose_for_deal(actor=owner, deal=deal)
    _share(owner, deal, ["profile", "statements"])
    financing.deal_transition(actor=bank, deal_id=deal.pk, to_stage=DealStage.DUE_DILIGENCE,
                              comment="Due diligence started.")
    ts = financing.term_sheet_propose(actor=bank, deal_id=deal.pk, data={
        "instrument": instrument, "amount": "1200000.00", "currency": "CNY", "annual_rate": "6.00",
        "term_months": 12, "repayment": "annuity", "conditions": ""})
    financing.term_sheet_confirm(actor=owner, deal_id=deal.pk, term_sheet_id=ts.pk)
    financing.deal_transition(actor=bank, deal_id=deal.pk, to_stage=DealStage.APPROVED, comment="")
    financing.deal_transition(actor=bank, deal_id=deal.pk, to_stage=DealStage.DISBURSED, comment="")
    _backdate_loan(deal, months=months, today=today)
    _pay(bank, deal, paid)
    return True


def _score_everyone(today: date) -> int:
    """Every enterprise and open request scored by the champion (none registered: nothing)."""
    try:
        return scoring.score_all(trigger="demo", on=today)
    except ModelUnavailable:
        return 0


def load_pipeline(*, today: date) -> dict[str, Any]:
    """Walk the demo deals through the pipeline. Returns what it made (for the seed's summary)."""
    # The services date what they do by the real clock; the data set may be generated for
    # another day (tests), so the dates the services check follow the clock.
    today = timezone.localdate()
    ent, bank, vc = _user("enterprise"), _user("institution"), _user("vc")
    if ent is None or bank is None or vc is None:
        return {}
    enterprise = ent.organisation.enterprise
    made: dict[str, Any] = {}

    plan = document_services.document_upload(
        actor=ent, file=ContentFile(_pdf("Business plan 2027-2029"), name="business-plan.pdf"),
        kind="business_plan", title="Business plan 2027–2029")
    document_services.document_upload(
        actor=ent, file=ContentFile(_pdf("Audited statements 2025"), name="statements-2025.pdf"),
        kind="statements", title="Audited financial statements 2025")

    # A request funded by two deals: the bank's loan and the VC's investment.
    req = financing.request_create(actor=ent, data={
        "title": "Series A and working capital for the 28 nm tape-out", "amount": "8000000.00", "currency": "CNY",
        "instruments": ["credit_loan", "equity"], "term_months": 36, "deadline": (today + timedelta(days=90)),
        "purpose": "Mask set and engineering samples of our second-generation AI inference chip, and working "
                   "capital for the first volume orders.",
        "use_of_funds": "CNY 5m working capital loan; the rest as equity for the tape-out."})
    financing.request_transition(actor=ent, request_id=req.pk, to_status=RequestStatus.OPEN)
    loan = _interest(bank, req, "We can offer a working capital loan against your purchase orders.", "credit_loan")
    equity = _interest(vc, req, "Your inference chip fits our semiconductor thesis; we would like to lead.", "equity")
    _to_terms(ent, bank, loan, {
        "instrument": "credit_loan", "amount": "5000000.00", "currency": "CNY", "annual_rate": "4.35",
        "term_months": 24, "repayment": "annuity",
        "conditions": "Monthly instalments; purchase orders assigned as security."}, documents=(plan.pk,))
    financing.deal_transition(actor=bank, deal_id=loan.pk, to_stage=DealStage.DISBURSED,
                              comment="Disbursed to the company's account in Hengqin.")
    _backdate_loan(loan, months=5, today=today)
    _pay(bank, loan, 5)
    # The VC invests through its QFLP fund, which converts its capital and invests in RMB.
    _to_terms(ent, vc, equity, {
        "instrument": "equity", "amount": "3000000.00", "currency": "CNY", "valuation": "60000000.00",
        "conditions": "Series A preferred shares; one board seat."}, documents=(plan.pk,))
    financing.deal_transition(actor=vc, deal_id=equity.pk, to_stage=DealStage.INVESTED,
                              comment="Shares issued; funds received.")
    made["funded_request"] = req.pk

    # One accepted deal whose consent waits, one term sheet that waits.
    # (Requests that name a preferred channel stay open: the demo shows them waiting for offers.)
    bank_deal = (Deal.objects.filter(request__enterprise=enterprise, request__status=RequestStatus.OPEN,
                                     request__channel__isnull=True, stage=DealStage.INTEREST,
                                     institution__organisation=bank.organisation).order_by("pk").first())
    if bank_deal is None:
        loan_req = _posted(ent, today, title="Working capital for the Macao sales office", amount="3000000.00",
                           instruments=["credit_loan"], purpose="Stock and staff for the first Macao customers.")
        bank_deal = _interest(bank, loan_req, "We lend to Hengqin companies selling into Macao.", "credit_loan")
    financing.deal_transition(actor=ent, deal_id=bank_deal.pk, to_stage=DealStage.ACCEPTED,
                              comment="Happy to talk; let us agree what you may read.")
    made["consent_waiting"] = bank_deal.pk
    seed_req = _posted(ent, today, title="Seed extension for the edge AI module", amount="2000000.00",
                       instruments=["equity", "convertible"],
                       purpose="Engineering samples of the edge AI module for two automotive customers.")
    vc_deal = _interest(vc, seed_req, "A fit for our fund: we can move quickly.", "equity")
    _to_terms(ent, vc, vc_deal, {
        "instrument": "equity", "amount": "2000000.00", "currency": "CNY", "valuation": "40000000.00",
        "conditions": "Seed extension; pro-rata rights."}, confirm=False, documents=(plan.pk,))
    made["term_sheet_waiting"] = vc_deal.pk
    made["documents"] = 2

    # A defaulted loan in the demo bank's book (another enterprise).
    loans = ("credit_loan", "ip_pledge_loan", "guaranteed_loan", "factoring", "financial_leasing",
             "equity_pledge_loan", "venture_debt")
    candidates = (Deal.objects.filter(institution__organisation=bank.organisation, stage=DealStage.ACCEPTED,
                                      request__status=RequestStatus.IN_PROGRESS,
                                      request__enterprise__organisation__status=OrganisationStatus.VERIFIED)
                  .exclude(request__enterprise=enterprise).select_related("request__enterprise__organisation")
                  .order_by("pk"))
    lendable = [d for d in candidates if any(i in d.request.instruments for i in loans)]
    other = lendable[0] if lendable else None
    if other is not None and _lend(bank, other, loans, today=today, months=7, paid=2):
        financing.deal_update_days_past_due(today=today)
        made["defaulted"] = other.pk
    # And one repaid in full: the platform's own outcomes (what `bayfin scoring train
    # --platform-outcomes` learns from) hold a repaid and a defaulted loan.
    repaid = next((d for d in lendable[1:] if other is None or d.request_id != other.request_id), None)
    if repaid is not None and _lend(bank, repaid, loans, today=today, months=13, paid=12):
        repaid.refresh_from_db()
        if repaid.stage == DealStage.REPAID:
            made["repaid"] = repaid.pk
    made["credit_scores"] = _score_everyone(today)
    return made
