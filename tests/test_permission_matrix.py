"""The permission matrix: every page and every API endpoint, for every role.

Issue 2, "Permissions": enterprise members see and change only their own enterprise;
institution members only their own institution; nobody but the owner (and operators,
read-only for KYC) sees an enterprise's financial statements; observers see no private
data; pending organisations are invisible to others.

How to read this file
- ``ROLES``: who asks. ``ent_admin`` / ``ent_member`` belong to the verified enterprise A
  (admin / not admin), ``ent_other`` to enterprise B, ``ent_pending`` to the pending
  enterprise P, ``inst`` to institution X, ``inst_other`` to institution Y,
  ``inst_pending`` to the pending institution Q.
- ``world``: one set of objects for the whole module (built once, rolled back at the end;
  each test runs in its own savepoint, so writes never leak between tests). Its ledger holds
  A-X's deal interest (index 0) under a checkpoint of size 1 and A's verification decision
  (index 1) under one of size 2, signed with a key in a temporary directory; later entries
  (A's consent to X, the other deals' steps) follow, in no checkpoint. A has given X a live
  consent (profile, statements, documents; not credit nor evaluation) and has a proposed one
  on the A-X deal waiting; A's data room holds one document and the A-X deal one X uploaded
  (files in a temporary directory); two more A-X deals are at *term sheet* (X proposed sheet
  1) and *disbursed* (a loan with its schedule); A's admin has one unread notification, the
  only notification in the world. A's open request is matched with X's published product (a
  reason on A's revenue, which A shares with X) and A is recommended to X for it; P and P's open
  request are matched too, and must never show; one matching batch has finished.
- ``PAGES`` and ``API``: one row per route (and per object where it matters), with the
  expected status for each role. Expected codes:
    pages: 200 shown, 302 for anonymous = sign-in redirect (Location checked), 302 for a
    signed-in role on a POST = the action ran and redirected, 403 wrong role, 404 another
    organisation's object, 405 method not allowed;
    API: 200/201/204 done, 401 anonymous, 403 wrong role, 404 another organisation's
    object, 409 allowed past the permission check but refused by a state rule,
    422 allowed past the permission check but refused by validation (rows marked
    "422 = passed the permission check" send a body the schema accepts and the service
    refuses, so the permission check runs first).
- Every refused request (401/403/404/405, or anonymous) must leave the database as it
  was (``fingerprint``), and so must a request by a role outside a row's ``allowed``; GETs
  that write (a read under a consent is logged, opening a notification marks it read) are
  marked ``writes``. No answer to anyone but A's members and operators may contain A's
  private figures, owners or certificate numbers, nor P's or Q's existence; except that X
  reads, under A's consent, what a row names in ``shared`` (A's statements or profile).
- ``test_every_*_has_a_row``: a new page or endpoint without a row fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bayfin.accounts import services as account_services
from bayfin.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from bayfin.accounts.services import decision_entry
from bayfin.accounts.tokens import hash_token, new_token
from bayfin.common.vocab import Jurisdiction
from bayfin.consent import services as consent_services
from bayfin.consent.models import ConsentGrant, DataAccess, Scope
from bayfin.documents.models import Document, DocumentKind
from bayfin.documents.services import document_upload
from bayfin.enterprises.models import BeneficialOwner, Certification, Enterprise, FinancialStatement
from bayfin.evaluation import services as evaluation_services
from bayfin.evaluation.models import Badge, Declaration, Evaluation, Programme, ProgrammeApplication
from bayfin.financing import services as financing_services
from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.services import deal_event_entry
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.fx import services as fx_services
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from bayfin.institutions.models import Association, Institution, Product, ProductStatus
from bayfin.ledger import keys as ledger_keys
from bayfin.ledger import services as ledger_services
from bayfin.ledger.models import LedgerEntry
from bayfin.matching.engine.weights import CURRENT as MATCH_WEIGHTS
from bayfin.matching.models import BatchKind, BatchStatus, Match, MatchBatch, MatchKind
from bayfin.notifications.models import Notification
from bayfin.scoring.models import CreditScore, ModelSource, ModelVersion, ScoreKind, ScoreStatus

from .factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    DealEventFactory,
    DealFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProductFactory,
)

# ---------------------------------------------------------------------------------------
# Roles and the world

ROLES = (
    "anonymous",
    "ent_admin",     # enterprise A, organisation admin
    "ent_member",    # enterprise A, not an admin
    "ent_other",     # enterprise B
    "ent_pending",   # enterprise P, pending verification
    "inst",          # institution X
    "inst_other",    # institution Y
    "inst_pending",  # institution Q, pending verification
    "operator",
    "observer",
)
ENTERPRISE_ROLES = ("ent_admin", "ent_member", "ent_other", "ent_pending")
INSTITUTION_ROLES = ("inst", "inst_other", "inst_pending")
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")
A_MEMBERS = ("ent_admin", "ent_member")

# A's private data: distinctive enough never to appear by accident.
SECRET_REVENUE = Decimal("38123456.78")
SECRET_NET_PROFIT = Decimal("2417385.91")
SECRET_OWNER = "Ximena Oyelaran-Kowalczyk"
SECRET_CERT_NUMBER = "GR2023SECRET77"
SECRET_EMPLOYEES = 4817
SECRET_LENDER = "Oysterbay Quiet Credit Ltd"  # A's declared cross-border debt
A_PRIVATE = ("38123456.78", "38,123,456.78", "2417385.91", "2,417,385.91", SECRET_OWNER, SECRET_CERT_NUMBER,
             SECRET_LENDER)
# What A's live consent lets X read (rows declare which, in ``shared``): its statements and its
# profile (owners, certificate numbers). Never the cross-border lender; never to anyone else.
A_STATEMENT_FIGURES = ("38123456.78", "38,123,456.78", "2417385.91", "2,417,385.91")
A_PROFILE_DETAILS = (SECRET_OWNER, SECRET_CERT_NUMBER)
CONSENTED = ("inst",)  # the roles A's live consent is to
# Pending organisations: invisible to everyone but their members and operators.
P_NAME = "Quietwater Pending Robotics"
P_REQUEST_TITLE = "Pending-enterprise secret expansion"
Q_NAME = "Unverified Harbour Capital"


def _member(org: Organisation, *, is_admin: bool = True) -> Any:
    return MembershipFactory(organisation=org, is_admin=is_admin).user


def _token(user: Any) -> tuple[ApiToken, str]:
    raw = new_token()
    token = ApiToken.objects.create(user=user, name="world", prefix=raw[:10], token_hash=hash_token(raw))
    return token, raw


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _pdf(name: str = "matrix.pdf") -> SimpleUploadedFile:
    """A small valid PDF, as a browser uploads it."""
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    # Enterprise A: verified, with everything private.
    w.A = EnterpriseFactory(organisation__name_en="Alpha Matrix Chips", employees=SECRET_EMPLOYEES,
                            tech_staff=900)
    FinancialStatementFactory(enterprise=w.A, year=2025, revenue=SECRET_REVENUE, net_profit=SECRET_NET_PROFIT)
    FinancialStatementFactory(enterprise=w.A, year=2024, revenue=Decimal("30111222.33"))
    w.A_owner = BeneficialOwnerFactory(enterprise=w.A, name=SECRET_OWNER)
    w.A_cert = CertificationFactory(enterprise=w.A, number=SECRET_CERT_NUMBER, published=True)
    w.A_draft = FinancingRequestFactory(enterprise=w.A, title="Alpha draft request",
                                        status=RequestStatus.DRAFT, submitted_at=None)
    w.A_open = FinancingRequestFactory(enterprise=w.A, title="Alpha open request")
    # Institution X with a draft and a published product, and a deal on A's open request.
    w.X = InstitutionFactory(organisation__name_en="Xenon Bank of Macao")
    w.X_draft = ProductFactory(institution=w.X, name="Xenon draft product", status=ProductStatus.DRAFT)
    w.X_published = ProductFactory(institution=w.X, name="Xenon published product")
    w.deal = DealFactory(request=w.A_open, institution=w.X, product=w.X_published)
    w.deal_event = DealEventFactory(deal=w.deal)
    # Enterprise B and institution Y with their own things.
    w.B = EnterpriseFactory(organisation__name_en="Beta Biomedicine")
    FinancialStatementFactory(enterprise=w.B, year=2023)
    BeneficialOwnerFactory(enterprise=w.B)
    w.B_open = FinancingRequestFactory(enterprise=w.B, title="Beta open request")
    w.Y = InstitutionFactory(organisation__name_en="Yield Venture Partners")
    w.Y_published = ProductFactory(institution=w.Y, name="Yield published product")
    # Pending enterprise P (a draft request, and an open one that must stay invisible too)
    # and pending institution Q.
    pending = {"organisation__status": OrganisationStatus.PENDING, "organisation__verified_at": None}
    w.P = EnterpriseFactory(organisation__name_en=P_NAME, **pending)
    w.P_draft = FinancingRequestFactory(enterprise=w.P, title=P_REQUEST_TITLE,
                                        status=RequestStatus.DRAFT, submitted_at=None)
    w.P_open = FinancingRequestFactory(enterprise=w.P, title=P_REQUEST_TITLE + " (open)")
    w.Q = InstitutionFactory(organisation__name_en=Q_NAME, **pending)
    w.Q_published = ProductFactory(institution=w.Q, name=f"{Q_NAME} credit line")
    operator_org = OrganisationFactory(kind=OrganisationKind.OPERATOR, name_en="BayFin Operations",
                                       jurisdiction=Jurisdiction.HENGQIN)
    observer_org = OrganisationFactory(kind=OrganisationKind.OBSERVER, name_en="Financial Services Bureau",
                                       jurisdiction=Jurisdiction.HENGQIN)
    w.users = {
        "anonymous": None,
        "ent_admin": _member(w.A.organisation),
        "ent_member": _member(w.A.organisation, is_admin=False),
        "ent_other": _member(w.B.organisation),
        "ent_pending": _member(w.P.organisation),
        "inst": _member(w.X.organisation),
        "inst_other": _member(w.Y.organisation),
        "inst_pending": _member(w.Q.organisation),
        "operator": _member(operator_org),
        "observer": _member(observer_org),
    }
    w.users["operator"].is_staff = True
    w.users["operator"].save()
    w.A_member_membership = w.users["ent_member"].membership
    w.invitation, w.invitation_raw = account_services.invitation_create(
        actor=w.users["ent_admin"], email="newcolleague@example.com")
    w.A_token, _raw = _token(w.users["ent_admin"])
    w.association = Association.objects.create(name="Macao Banking Association")
    # fx: the seeded channels and limit parameters, today's rates, a retired channel, A's debt.
    fx_services.reference_data_seed()
    today = timezone.localdate()
    w.rate = FxRate.objects.create(day=today, base="USD", quote="CNY", rate=Decimal("7.12"), source="matrix")
    FxRate.objects.create(day=today, base="HKD", quote="MOP", rate=Decimal("1.03"), source="matrix")
    FxRate.objects.create(day=today, base="USD", quote="HKD", rate=Decimal("7.8"), source="matrix")
    FxRate.objects.create(day=today, base="HKD", quote="CNY", rate=Decimal("0.9128"), source="matrix")
    w.channel = Channel.objects.get(code="cross-border-rmb-loan")
    w.retired_channel = Channel.objects.create(
        code="retired-channel", name_en="Retired channel", from_jurisdictions=["macao"],
        to_jurisdictions=["hengqin"], instruments=["credit_loan"], lender_currencies=["CNY"],
        borrower_currencies=["CNY"], active=False)
    w.A_debt = CrossBorderDebt.objects.create(enterprise=w.A, lender=SECRET_LENDER, balance=Decimal("1000000.00"),
                                              currency="USD", term_months=24,
                                              drawn_on=today - dt.timedelta(days=100))
    # evaluation: A's evaluations and a declaration, an open programme anyone may apply to, A's application.
    evaluation_services.declarations_save(actor=w.users["ent_admin"], data={"restricted_industry": "no"})
    w.A_evaluation = Evaluation.objects.filter(enterprise=w.A).order_by("pk").first()
    w.programme = evaluation_services.programme_create(actor=w.users["operator"], data={
        "code": "matrix-subsidy", "name_en": "Matrix interest subsidy", "benefit_en": "Half the interest.",
        "rule": True, "active_from": (today - dt.timedelta(days=30)).isoformat(),
        "cap_amount": "500000.00", "cap_currency": "CNY"})
    w.A_application = evaluation_services.application_submit(
        actor=w.users["ent_admin"], programme_id=w.programme.pk, data={"amount": "100000.00", "currency": "CNY"})
    # ledger: A-X's deal interest (index 0) signed at size 1, A's verification decision by the
    # operator (index 1) at size 2, through the services' own ledger arguments.
    ledger_keys.init_log_key()
    ledger_services.ledger_record(**deal_event_entry(w.deal, w.deal_event))
    ledger_services.integrate()
    ledger_services.checkpoint_if_due(force=True)
    ledger_services.ledger_record(**decision_entry(w.A.organisation, operator_org))
    ledger_services.integrate()
    ledger_services.checkpoint_if_due(force=True)
    w.deal_entry = LedgerEntry.objects.get(reference=ledger_services.reference_of(w.deal_event)).index
    w.A_decision_entry = LedgerEntry.objects.get(kind="organisation.verified", subject_id=str(w.A.organisation_id)).index
    # consent: A's live grant to X (profile, statements, documents; X is in Macao, so with the
    # separate cross-border consent), recorded in the ledger after the two entries above (index 2),
    # and the default grant proposed with the A-X deal, waiting for A's confirmation.
    w.A_grant = consent_services.consent_grant(actor=w.users["ent_admin"], data={
        "institution_id": w.X.pk, "scopes": [Scope.PROFILE.value, Scope.STATEMENTS.value, Scope.DOCUMENTS.value],
        "purpose": "Matrix: assessing a credit line.", "valid_until": (today + dt.timedelta(days=90)).isoformat(),
        "cross_border_consent": True})
    w.A_proposal = consent_services.consent_propose_for_deal(actor=w.users["ent_admin"], deal=w.deal)
    ledger_services.integrate()
    # documents: one in A's data room (X reads it under the consent) and one X uploaded in the A-X deal.
    w.A_document = document_upload(actor=w.users["ent_admin"], file=_pdf("plan.pdf"),
                                   kind=DocumentKind.BUSINESS_PLAN, title="Alpha business plan")
    w.deal_document = document_upload(actor=w.users["inst"], file=_pdf("offer.pdf"), kind=DocumentKind.CONTRACT,
                                      title="Xenon offer letter", deal_id=w.deal.pk)
    # financing, past interest: two more A-X deals on two of A's requests in progress. On
    # "terms", X proposed term sheet 1 (A has not confirmed it); on "loan", both confirmed a loan
    # of 1.2m CNY that X approved and disbursed (a repayment schedule, no payment yet). Each
    # step through its service (deal events in the ledger after the entries above).
    loan_terms = {"instrument": "credit_loan", "amount": "1200000.00", "currency": "CNY", "annual_rate": "6",
                  "term_months": 12, "repayment": "annuity", "conditions": "Quarterly accounts."}
    x_user, a_user = w.users["inst"], w.users["ent_admin"]
    in_progress = {"enterprise": w.A, "status": RequestStatus.IN_PROGRESS}
    w.terms_deal = DealFactory(request=FinancingRequestFactory(title="Alpha terms request", **in_progress),
                               institution=w.X, product=w.X_published, stage=DealStage.DUE_DILIGENCE)
    financing_services.term_sheet_propose(actor=x_user, deal_id=w.terms_deal.pk, data=loan_terms)
    w.loan_deal = DealFactory(request=FinancingRequestFactory(title="Alpha loan request", **in_progress),
                              institution=w.X, product=w.X_published, stage=DealStage.DUE_DILIGENCE)
    sheet = financing_services.term_sheet_propose(actor=x_user, deal_id=w.loan_deal.pk, data=loan_terms)
    financing_services.term_sheet_confirm(actor=a_user, deal_id=w.loan_deal.pk, term_sheet_id=sheet.pk)
    for stage in (DealStage.APPROVED, DealStage.DISBURSED):
        financing_services.deal_transition(actor=x_user, deal_id=w.loan_deal.pk, to_stage=stage)
    ledger_services.integrate()
    # scoring: a registered model version (its file is not on disk, so promoting it is refused
    # with a 422 after the permission check) and A's current score, made by it.
    w.model_version = ModelVersion.objects.create(
        name="matrix-scorecard", kind="scorecard", source=ModelSource.TRAINED, artefact="matrix-scorecard.json",
        sha256="0" * 64, metrics={"oot": {"auc": 0.7}}, card="# Matrix card", trained_by_name="Matrix")
    w.A_score = CreditScore.objects.create(
        enterprise=w.A, kind=ScoreKind.ENTERPRISE, status=ScoreStatus.SCORED, model_version=w.model_version,
        pd=Decimal("0.05"), grade="BB", points=Decimal("512.00"), inputs={}, trigger="matrix",
        reference={"amount": "150000.00", "currency": "USD", "basis": "default", "sector": ""})
    w.A_request_score = CreditScore.objects.create(
        enterprise=w.A, request=w.A_open, kind=ScoreKind.REQUEST, status=ScoreStatus.REFUSED,
        model_version=w.model_version, missing=["amount"], trigger="matrix")
    # matching: A's open request matched with X's published product (one reason rests on A's
    # revenue, which A shares with X under "statements"), A recommended to X for it, a finished
    # batch. P's open request and P itself are matched too: a pending enterprise must never show.
    parts = {"semantic": 0.75, "sector": 1.0, "stage": 0.5, "ticket": 0.8, "term": 1.0, "record": 0.5, "load": 1.0}
    reasons = [{"code": "sector_same", "part": "sector", "scope": None, "params": {"sector": "integrated_circuits"}},
               {"code": "revenue_ok", "part": None, "scope": "statements",
                "params": {"min": 5000000.0, "currency": "CNY"}}]
    for kind, req, ent in ((MatchKind.REQUEST, w.A_open, w.A), (MatchKind.REQUEST, w.P_open, w.P),
                           (MatchKind.ENTERPRISE, None, w.A), (MatchKind.ENTERPRISE, None, w.P)):
        Match.objects.create(kind=kind, request=req, enterprise=ent, product=w.X_published, rank=1, score=0.77,
                             parts=parts, reasons=reasons, weights_version=MATCH_WEIGHTS.version)
    w.match_batch = MatchBatch.objects.create(
        kind=BatchKind.REQUESTS, status=BatchStatus.DONE, weights_version=MATCH_WEIGHTS.version, queries=2,
        products=3, chunks_total=1, chunks_done=1, finished_at=timezone.now(), exposure={str(w.X_published.pk): 2},
        concentration={"top": 5, "slots": 2, "products": 3, "distinct_products": 1, "share_top_1pct": 1.0,
                       "share_top_10pct": 1.0, "gini": 0.0})
    # notifications: one, unread, for A's admin, and no other (the deals' steps above told the
    # parties; those notifications are not part of the world).
    Notification.objects.all().delete()
    w.A_notification = Notification.objects.create(
        user=w.users["ent_admin"], kind="deal.stage_changed", message="The request became %(status)s.",
        params={"status": "open"}, link=f"/financing/deals/{w.deal.pk}/", subject=f"financing.deal:{w.deal.pk}")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """Built once per module inside a transaction that is rolled back afterwards."""
    key_dir: Path = tmp_path_factory.mktemp("ledger-keys")
    ledger_key_files = {"BAYFIN_LEDGER_KEY_FILE": str(key_dir / "log.key"),
                        "BAYFIN_LEDGER_WITNESS_KEY_FILE": str(key_dir / "witness.key")}
    # The data room's files: on disk for the whole module (each test's own in-memory storage
    # would start empty).
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path_factory.mktemp("media"))}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with django_db_blocker.unblock(), override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LANGUAGE_CODE="en",
        STORAGES=storages,
        **ledger_key_files,
    ), transaction.atomic():
        w = _build_world()
        w.ledger_key_files = ledger_key_files
        w.storages = storages
        yield w
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _each_test_in_its_own_savepoint(db: Any) -> None:
    """Every test (pages included) runs in a savepoint inside the world's transaction."""


@pytest.fixture(autouse=True)
def _the_worlds_ledger_key(world: SimpleNamespace, settings: Any) -> None:
    """The key the world's checkpoints were signed with (tests/conftest.py points every test
    at none), so receipts can be made."""
    for name, value in world.ledger_key_files.items():
        setattr(settings, name, value)
    settings.STORAGES = world.storages


def fingerprint(w: SimpleNamespace) -> dict[str, Any]:
    """Everything a refused request could have changed."""
    return {
        "organisations": sorted(Organisation.objects.values_list("pk", "status", "name_en", "rejection_reason")),
        "enterprises": sorted(Enterprise.objects.values_list("pk", "description", "employees")),
        "statements": sorted(FinancialStatement.objects.values_list("enterprise_id", "year", "revenue")),
        "owners": sorted(BeneficialOwner.objects.values_list("pk", "name", "share_percent")),
        "certifications": sorted(Certification.objects.values_list("pk", "kind", "number", "published")),
        "institutions": sorted(Institution.objects.values_list("pk", "description", "licence_number")),
        "associations": sorted(Association.objects.values_list("pk", "name")),
        "memberships": sorted(Institution.associations.through.objects.values_list("pk")),
        "products": sorted(Product.objects.values_list("pk", "status", "name")),
        "requests": sorted(FinancingRequest.objects.values_list("pk", "status", "title", "amount")),
        "deals": sorted(Deal.objects.values_list("pk", "stage", "institution_id")),
        "members": sorted(Membership.objects.values_list("pk", "organisation_id", "is_admin")),
        "invitations": sorted(Invitation.objects.values_list("pk", "revoked_at")),
        "world_token": ApiToken.objects.filter(pk=w.A_token.pk).values_list("revoked_at", flat=True).first(),
        "rates": sorted(FxRate.objects.values_list("pk", "rate", "source")),
        "channels": sorted(Channel.objects.values_list("pk", "code", "active", "name_en")),
        "limit_parameters": sorted(LimitParameterSet.objects.values_list("pk", "effective_from")),
        "debts": sorted(CrossBorderDebt.objects.values_list("pk", "balance", "lender")),
        "declarations": sorted(Declaration.objects.values_list("pk", "question", "answer")),
        "evaluations": sorted(Evaluation.objects.values_list("pk", "status")),
        "badges": sorted(Badge.objects.values_list("pk", "rule_set", "shown")),
        "programmes": sorted(Programme.objects.values_list("pk", "code", "sponsor", "name_en")),
        "applications": sorted(ProgrammeApplication.objects.values_list("pk", "status", "amount_granted")),
        "ledger": sorted(LedgerEntry.objects.values_list("pk", "kind", "subject_id", "index")),
        "consents": sorted(ConsentGrant.objects.values_list("pk", "status", "scopes", "valid_until", "revoked_at")),
        # A refused read is not logged on the enterprise's "who read my data" page.
        "data_accesses": sorted(DataAccess.objects.values_list("pk", "grant_id", "scope", "reference")),
        "documents": sorted(Document.objects.values_list("pk", "deal_id", "deleted_at", "title")),
        "notifications": sorted(Notification.objects.values_list("pk", "user_id", "read_at")),
        "model_versions": sorted(ModelVersion.objects.values_list("pk", "is_champion", "sha256")),
        "credit_scores": sorted(CreditScore.objects.values_list("pk", "is_current", "status", "grade")),
        "matches": sorted(Match.objects.values_list("pk", "kind", "product_id", "rank", "score")),
        "match_batches": sorted(MatchBatch.objects.values_list("pk", "status", "chunks_done")),
    }


def assert_no_private_data(role: str, body: str, where: str, shared: tuple[str, ...] = ()) -> None:
    """Only A's own members and operators may see A's private data (and X, A's consent's
    recipient, what ``shared`` names: the figures a row reads under that consent); pending
    organisations exist only for their own members and operators."""
    if role not in (*A_MEMBERS, "operator"):
        allowed = shared if role in CONSENTED else ()
        for secret in A_PRIVATE:
            if secret not in allowed:
                assert secret not in body, f"{where}: {role} sees A's private {secret!r}"
    if role not in ("ent_pending", "operator"):
        for secret in (P_NAME, P_REQUEST_TITLE):
            assert secret not in body, f"{where}: {role} sees pending enterprise P ({secret!r})"
    if role not in ("inst_pending", "operator"):
        assert Q_NAME not in body, f"{where}: {role} sees pending institution Q"


# ---------------------------------------------------------------------------------------
# Expectation helpers


def text_of(response: HttpResponseBase) -> str:
    """The body as text, streamed (a download) or not; bytes that are not UTF-8 replaced."""
    content = (b"".join(response.streaming_content) if response.streaming  # type: ignore[attr-defined]
               else response.content)  # type: ignore[attr-defined]
    return content.decode(errors="replace")


def expect(default: int, *groups: dict[str, int], anonymous: int = 302, **roles: int) -> dict[str, int]:
    """Status per role: ``default``, then each group in order, then single roles."""
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    for group in groups:
        table.update(group)
    table.update(roles)
    return table


def each(roles: tuple[str, ...], status: int) -> dict[str, int]:
    return dict.fromkeys(roles, status)


Ids = Callable[[SimpleNamespace], dict[str, Any]]


def no_args(w: SimpleNamespace) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class PageRow:
    route: str                       # the URL name, "app:name"
    variant: str                     # which object / flavour, for the test id
    expected: dict[str, int]
    kwargs: Ids = no_args
    method: str = "GET"
    # The form; a callable makes a fresh one from the world each time (a file to upload is read once).
    data: dict[str, Any] | Callable[[SimpleNamespace], dict[str, Any]] = field(default_factory=dict)
    # Roles whose POST (or writing GET) takes effect. None: every signed-in role expected to get a 302.
    allowed: tuple[str, ...] | None = None
    query: str = ""                  # appended to the URL, e.g. "?scope=statements"
    # A GET that writes (a read logged on the enterprise's access log, a notification marked
    # read): the database is compared like a POST's for the roles not allowed.
    writes: bool = False
    # A's private figures X may see here under A's live consent (see ``assert_no_private_data``).
    shared: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f"[{self.variant}]" if self.variant else "")


# Shorthands for common page shapes.
OPERATOR_ONLY = expect(403, operator=200)
ANY_SIGNED_IN = expect(200)
ENTERPRISES_OWN = expect(403, each(ENTERPRISE_ROLES, 200))      # pages about "my enterprise"
A_OBJECT = expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 200))  # one of A's objects
INSTITUTIONS_OWN = expect(403, each(INSTITUTION_ROLES, 200))
X_OBJECT = expect(403, each(INSTITUTION_ROLES, 404), inst=200)
BROWSE_ROLES = (*ENTERPRISE_ROLES, *INSTITUTION_ROLES, "operator")


def _a_org(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.A.organisation_id}


def _p_org(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.P.organisation_id}


A_OBJECT_POST = expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302))  # a POST on one of A's objects


def _a_grant(w: SimpleNamespace) -> dict[str, Any]:
    return {"grant_id": w.A_grant.pk}


def _a_proposal(w: SimpleNamespace) -> dict[str, Any]:
    return {"grant_id": w.A_proposal.pk}


def _a_enterprise(w: SimpleNamespace) -> dict[str, Any]:
    return {"enterprise_id": w.A.pk}


def _b_enterprise(w: SimpleNamespace) -> dict[str, Any]:
    return {"enterprise_id": w.B.pk}


def _a_document(w: SimpleNamespace) -> dict[str, Any]:
    return {"document_id": w.A_document.pk}


def _deal_document(w: SimpleNamespace) -> dict[str, Any]:
    return {"document_id": w.deal_document.pk}


def _deal(w: SimpleNamespace) -> dict[str, Any]:
    return {"deal_id": w.deal.pk}


def _a_notification(w: SimpleNamespace) -> dict[str, Any]:
    return {"notification_id": w.A_notification.pk}


def _terms_deal(w: SimpleNamespace) -> dict[str, Any]:
    return {"deal_id": w.terms_deal.pk}


def _terms_sheet(w: SimpleNamespace) -> dict[str, Any]:
    return {"deal_id": w.terms_deal.pk, "number": 1}


def _loan_deal(w: SimpleNamespace) -> dict[str, Any]:
    return {"deal_id": w.loan_deal.pk}


LOAN_TERMS: dict[str, Any] = {"instrument": "credit_loan", "amount": "1000000.00", "currency": "CNY",
                              "annual_rate": "5.5", "repayment": "annuity", "conditions": "Monthly accounts."}
# A POST on one of the A-X deals (pages): its parties act; others 404; operators, observers 403.
DEAL_PARTIES_POST = expect(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404),
                           each(A_MEMBERS, 302), inst=302)


def _in_days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


# A grant to Y (verified, in Macao: with the separate cross-border consent), as the form sends it
# (with Y's id).
GRANT_FORM: dict[str, Any] = {"scopes": ["profile"], "purpose": "Matrix: a credit line.",
                              "cross_border_consent": "on"}


PAGES: list[PageRow] = [
    # web
    PageRow("web:home", "", expect(200, anonymous=200)),
    # accounts: operator console
    PageRow("accounts:verification_queue", "", OPERATOR_ONLY),
    PageRow("accounts:organisations", "", OPERATOR_ONLY),
    PageRow("accounts:organisation_detail", "A", OPERATOR_ONLY, _a_org),
    PageRow("accounts:organisation_detail", "P", OPERATOR_ONLY, _p_org),
    PageRow("accounts:audit", "", OPERATOR_ONLY),
    PageRow("accounts:organisation_verify", "P", expect(403, operator=302), _p_org, "POST"),
    PageRow("accounts:organisation_reject", "P", expect(403, operator=302), _p_org, "POST",
            {"reason": "The registration number does not match."}),
    # accounts: team and tokens (any signed-in role, own organisation only)
    PageRow("accounts:team", "", ANY_SIGNED_IN),
    PageRow("accounts:team", "invite", expect(302, ent_member=403), no_args, "POST",
            {"email": "someone.new@example.com"}),
    PageRow("accounts:invitation_revoke", "A", expect(404, ent_admin=302, ent_member=403),
            lambda w: {"pk": w.invitation.pk}, "POST"),
    # Operators may remove anyone's member (the operator console's moderation).
    PageRow("accounts:member_remove", "A", expect(404, ent_admin=302, ent_member=403, operator=302),
            lambda w: {"pk": w.A_member_membership.pk}, "POST"),
    PageRow("accounts:tokens", "", ANY_SIGNED_IN),
    PageRow("accounts:token_revoke", "A-admin", expect(404, ent_admin=302),
            lambda w: {"pk": w.A_token.pk}, "POST"),
    # enterprises
    PageRow("enterprises:profile", "", ENTERPRISES_OWN),
    PageRow("enterprises:owner_add", "", ENTERPRISES_OWN),
    PageRow("enterprises:owner_edit", "A", A_OBJECT, lambda w: {"owner_id": w.A_owner.pk}),
    PageRow("enterprises:owner_remove", "A", expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302)),
            lambda w: {"owner_id": w.A_owner.pk}, "POST"),
    PageRow("enterprises:certification_add", "", ENTERPRISES_OWN),
    PageRow("enterprises:certification_edit", "A", A_OBJECT, lambda w: {"certification_id": w.A_cert.pk}),
    PageRow("enterprises:certification_remove", "A",
            expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302)),
            lambda w: {"certification_id": w.A_cert.pk}, "POST"),
    PageRow("enterprises:statements", "", ENTERPRISES_OWN),
    PageRow("enterprises:statement_add", "", ENTERPRISES_OWN),
    PageRow("enterprises:statement_edit", "A-2025", A_OBJECT, lambda w: {"year": 2025}),
    PageRow("enterprises:statement_delete", "A-2025",
            expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302)), lambda w: {"year": 2025}, "POST"),
    PageRow("enterprises:public_profile", "A", ANY_SIGNED_IN, lambda w: {"enterprise_id": w.A.pk}),
    PageRow("enterprises:public_profile", "P", expect(404, ent_pending=200, operator=200),
            lambda w: {"enterprise_id": w.P.pk}),
    # institutions
    PageRow("institutions:profile", "", INSTITUTIONS_OWN),
    PageRow("institutions:products", "", INSTITUTIONS_OWN),
    PageRow("institutions:product_new", "", expect(403, inst=200, inst_other=200)),
    PageRow("institutions:product_browse", "", expect(403, each(BROWSE_ROLES, 200))),
    PageRow("institutions:product_detail", "X-published", expect(403, each(BROWSE_ROLES, 200)),
            lambda w: {"product_id": w.X_published.pk}),
    PageRow("institutions:product_detail", "X-draft",
            expect(403, each(BROWSE_ROLES, 404), inst=200, operator=200),
            lambda w: {"product_id": w.X_draft.pk}),
    PageRow("institutions:product_detail", "Q-published",
            expect(403, each(BROWSE_ROLES, 404), inst_pending=200, operator=200),
            lambda w: {"product_id": w.Q_published.pk}),
    PageRow("institutions:product_edit", "X-draft", X_OBJECT, lambda w: {"product_id": w.X_draft.pk}),
    PageRow("institutions:product_publish", "X-draft", expect(403, each(INSTITUTION_ROLES, 404), inst=302),
            lambda w: {"product_id": w.X_draft.pk}, "POST"),
    PageRow("institutions:product_archive", "X-published", expect(403, each(INSTITUTION_ROLES, 404), inst=302),
            lambda w: {"product_id": w.X_published.pk}, "POST"),
    PageRow("institutions:product_delete", "X-draft", expect(403, each(INSTITUTION_ROLES, 404), inst=302),
            lambda w: {"product_id": w.X_draft.pk}, "POST"),
    PageRow("institutions:associations", "", OPERATOR_ONLY),
    PageRow("institutions:public_profile", "X", ANY_SIGNED_IN, lambda w: {"institution_id": w.X.pk}),
    PageRow("institutions:public_profile", "Q", expect(404, inst_pending=200, operator=200),
            lambda w: {"institution_id": w.Q.pk}),
    # financing
    PageRow("financing:my_requests", "", ENTERPRISES_OWN),
    PageRow("financing:request_create", "", ENTERPRISES_OWN),
    PageRow("financing:request_detail", "A-open",
            expect(404, each(A_MEMBERS, 200), inst=200, inst_other=200, operator=200, observer=403),
            lambda w: {"request_id": w.A_open.pk}),
    PageRow("financing:request_detail", "A-draft",
            expect(404, each(A_MEMBERS, 200), operator=200, observer=403),
            lambda w: {"request_id": w.A_draft.pk}),
    PageRow("financing:request_detail", "P-draft",
            expect(404, ent_pending=200, operator=200, observer=403),
            lambda w: {"request_id": w.P_draft.pk}),
    PageRow("financing:request_detail", "P-open",
            expect(404, ent_pending=200, operator=200, observer=403),
            lambda w: {"request_id": w.P_open.pk}),
    PageRow("financing:request_edit", "A-draft", A_OBJECT, lambda w: {"request_id": w.A_draft.pk}),
    # A pending enterprise is refused ("verify first") before the request is looked up:
    # sent back with that message, nothing changes.
    PageRow("financing:request_transition", "A-draft-submit",
            expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302), ent_pending=302),
            lambda w: {"request_id": w.A_draft.pk}, "POST", {"to": "open"}, allowed=A_MEMBERS),
    PageRow("financing:request_interest", "A-open",
            # X already has a live deal: it is sent back to the request with a message.
            expect(403, each(INSTITUTION_ROLES, 302), inst_pending=404),
            lambda w: {"request_id": w.A_open.pk}, "POST", {"message": "We can lend."}, allowed=("inst_other",)),
    PageRow("financing:request_interest", "P-open", expect(403, each(INSTITUTION_ROLES, 404)),
            lambda w: {"request_id": w.P_open.pk}, "POST", {"message": "We can lend."}),
    PageRow("financing:request_browse", "", expect(403, inst=200, inst_other=200, operator=200)),
    PageRow("financing:deals", "", expect(200, observer=403)),
    PageRow("financing:deal_detail", "A-X",
            expect(404, each(A_MEMBERS, 200), inst=200, operator=200, observer=403),
            lambda w: {"deal_id": w.deal.pk}),
    # Either party may decline (with a reason); an operator reads the deal but is no party.
    PageRow("financing:deal_detail", "A-X-decline",
            expect(404, each(A_MEMBERS, 302), inst=302, operator=403, observer=403),
            lambda w: {"deal_id": w.deal.pk}, "POST", {"to": "declined", "declined-comment": "Not a fit."}),
    # Term sheets: the enterprise and the lender propose and confirm (X proposed sheet 1, so its
    # confirmation is refused with a message, nothing changes); parties and operators read the
    # document; the lender names the guarantor and records repayments.
    PageRow("financing:term_sheet_propose", "A-X-terms", DEAL_PARTIES_POST, _terms_deal, "POST",
            lambda w: {**LOAN_TERMS, "term_months": "24"}),
    PageRow("financing:term_sheet_confirm", "A-X-terms-1", DEAL_PARTIES_POST, _terms_sheet, "POST",
            allowed=A_MEMBERS),
    PageRow("financing:term_sheet_document", "A-X-terms-1",
            expect(404, each(A_MEMBERS, 200), inst=200, operator=200, observer=403), _terms_sheet),
    PageRow("financing:deal_guarantor", "A-X-terms",
            expect(403, each(INSTITUTION_ROLES, 404), inst=302), _terms_deal, "POST", {"guarantor_id": ""}),
    PageRow("financing:deal_payment", "A-X-loan",
            expect(403, each(INSTITUTION_ROLES, 404), inst=302), _loan_deal, "POST",
            lambda w: {"amount": "1000.00", "paid_on": timezone.localdate().isoformat(), "reference": "M-1"}),
    PageRow("financing:operator_requests", "", OPERATOR_ONLY),
    # fx: rates, channels and limit parameters are the operator's; the catalogue and the
    # converter are everyone's; debts and the limit position are the enterprise's own.
    PageRow("fx:rates", "", OPERATOR_ONLY),
    PageRow("fx:rate_new", "", OPERATOR_ONLY),
    PageRow("fx:rate_new", "post", expect(403, operator=302), no_args, "POST",
            {"day": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.05", "source": "matrix"}),
    PageRow("fx:rate_import", "", OPERATOR_ONLY),
    PageRow("fx:rate_import", "post", expect(403, operator=302), no_args, "POST",
            {"text": "day,base,quote,rate\n2026-01-06,EUR,USD,1.06\n", "source": "matrix"}),
    PageRow("fx:rate_edit", "today-USD-CNY", OPERATOR_ONLY, lambda w: {"rate_id": w.rate.pk}),
    PageRow("fx:rate_edit", "today-USD-CNY-post", expect(403, operator=302), lambda w: {"rate_id": w.rate.pk},
            "POST", {"rate": "7.13", "source": "matrix corrected"}),
    PageRow("fx:rate_delete", "today-USD-CNY", expect(403, operator=302), lambda w: {"rate_id": w.rate.pk},
            "POST"),
    PageRow("fx:channels", "", ANY_SIGNED_IN),
    PageRow("fx:channel_detail", "active", ANY_SIGNED_IN, lambda w: {"channel_id": w.channel.pk}),
    PageRow("fx:channel_detail", "retired", expect(404, operator=200),
            lambda w: {"channel_id": w.retired_channel.pk}),
    PageRow("fx:channel_new", "", OPERATOR_ONLY),
    PageRow("fx:channel_edit", "active", OPERATOR_ONLY, lambda w: {"channel_id": w.channel.pk}),
    PageRow("fx:channel_deactivate", "active", expect(403, operator=302), lambda w: {"channel_id": w.channel.pk},
            "POST"),
    PageRow("fx:channel_activate", "retired", expect(403, operator=302),
            lambda w: {"channel_id": w.retired_channel.pk}, "POST"),
    PageRow("fx:converter", "", ANY_SIGNED_IN),
    PageRow("fx:limit_parameters", "", OPERATOR_ONLY),
    PageRow("fx:limit_parameters_new", "", OPERATOR_ONLY),
    PageRow("fx:cross_border", "", ENTERPRISES_OWN),
    PageRow("fx:debt_new", "", ENTERPRISES_OWN),
    PageRow("fx:debt_new", "post", expect(403, each(ENTERPRISE_ROLES, 302)), no_args, "POST",
            {"lender": "A Macao bank", "balance": "100000.00", "currency": "USD", "term_months": "12",
             "drawn_on": "2026-01-05"}),
    PageRow("fx:debt_edit", "A", A_OBJECT, lambda w: {"debt_id": w.A_debt.pk}),
    PageRow("fx:debt_delete", "A", expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302)),
            lambda w: {"debt_id": w.A_debt.pk}, "POST"),
    # evaluation: every enterprise member sees its own evaluation, declarations and the open
    # programmes; an evaluation or application of A's is A's alone; programmes and
    # applications are managed by operators.
    PageRow("evaluation:overview", "", ENTERPRISES_OWN),
    PageRow("evaluation:evaluate", "", expect(403, each(ENTERPRISE_ROLES, 302)), no_args, "POST"),
    PageRow("evaluation:badge_publish", "not qualified", expect(403, each(ENTERPRISE_ROLES, 302)), no_args, "POST",
            {"rule_set": "scitech_sme"}),
    PageRow("evaluation:badge_withdraw", "none published", expect(403, each(ENTERPRISE_ROLES, 302)), no_args,
            "POST", {"rule_set": "scitech_sme"}),
    PageRow("evaluation:declarations", "", ENTERPRISES_OWN),
    PageRow("evaluation:declarations", "post", expect(403, each(ENTERPRISE_ROLES, 302)), no_args, "POST",
            {"restricted_industry": "no"}),
    PageRow("evaluation:history", "", ENTERPRISES_OWN),
    PageRow("evaluation:detail", "A", A_OBJECT, lambda w: {"evaluation_id": w.A_evaluation.pk}),
    PageRow("evaluation:programmes", "", ENTERPRISES_OWN),
    PageRow("evaluation:programme", "open", ENTERPRISES_OWN, lambda w: {"programme_id": w.programme.pk}),
    PageRow("evaluation:application_withdraw", "A", expect(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 302)),
            lambda w: {"application_id": w.A_application.pk}, "POST"),
    PageRow("evaluation:operator_programmes", "", OPERATOR_ONLY),
    PageRow("evaluation:operator_programme_new", "", OPERATOR_ONLY),
    PageRow("evaluation:operator_programme_edit", "open", OPERATOR_ONLY, lambda w: {"programme_id": w.programme.pk}),
    PageRow("evaluation:operator_applications", "", OPERATOR_ONLY),
    PageRow("evaluation:operator_application", "A", OPERATOR_ONLY,
            lambda w: {"application_id": w.A_application.pk}),
    # scoring: an enterprise's own score (a pending one sees its own, none yet); the grade
    # distribution for operators and observers (counts only); model versions for operators.
    # Promoting the world's version, whose file is missing, is refused on the page (200, the
    # reason shown) after the permission check.
    PageRow("scoring:own", "", ENTERPRISES_OWN),
    PageRow("scoring:distribution", "", expect(403, operator=200, observer=200)),
    PageRow("scoring:models", "", OPERATOR_ONLY),
    PageRow("scoring:model_detail", "matrix", OPERATOR_ONLY, lambda w: {"version_id": w.model_version.pk}),
    PageRow("scoring:model_promote", "matrix-missing-file", expect(403, operator=200),
            lambda w: {"version_id": w.model_version.pk}, "POST", {"confirm": "on"}, allowed=()),
    # matching: "Why not?" on one of A's requests is A's alone (a product not on the list is an
    # error on the field, 200); the panels on the request and product pages are checked by their
    # rows above. Recommendations for institutions (the pending Q sees none); the batches'
    # concentration for operators and observers.
    PageRow("matching:why_not", "A-open", A_OBJECT, lambda w: {"request_id": w.A_open.pk}),
    PageRow("matching:why_not", "A-open-unknown-product", A_OBJECT, lambda w: {"request_id": w.A_open.pk},
            query="?product=999999"),
    PageRow("matching:recommendations", "", INSTITUTIONS_OWN),
    PageRow("matching:batches", "", expect(403, operator=200, observer=200)),
    # ledger: the public page and the signed notes are for anyone, even signed out (verifying
    # must not need an account); a receipt is for the parties to its entry and operators.
    PageRow("ledger:public", "", expect(200, anonymous=200)),
    PageRow("ledger:checkpoint", "1", expect(200, anonymous=200), lambda w: {"size": 1}),
    PageRow("ledger:receipt", "A-X deal", expect(404, each(A_MEMBERS, 200), inst=200, operator=200),
            lambda w: {"index": w.deal_entry}),
    PageRow("ledger:receipt", "A decision", expect(404, each(A_MEMBERS, 200), operator=200),
            lambda w: {"index": w.A_decision_entry}),
    # consent: an enterprise's grants, proposals and access log are its own (a pending one may
    # look, not grant); another enterprise's grant is a 404. Institutions read what is shared
    # with them: X, under A's live grant, A's profile and statements (each read logged); Y
    # nothing. Operators and observers never read shared data here.
    PageRow("consent:grants", "", ENTERPRISES_OWN),
    PageRow("consent:grant_create", "", ENTERPRISES_OWN),
    PageRow("consent:grant_create", "post", expect(403, each(ENTERPRISE_ROLES, 302), ent_pending=403), no_args,
            "POST", lambda w: {**GRANT_FORM, "institution_id": w.Y.pk, "valid_until": _in_days(60)}),
    PageRow("consent:grant_detail", "A-X", A_OBJECT, _a_grant),
    PageRow("consent:grant_detail", "A-X-proposal", A_OBJECT, _a_proposal),
    PageRow("consent:grant_confirm", "A-X-proposal", A_OBJECT, _a_proposal),
    PageRow("consent:grant_confirm", "A-X-proposal-post", A_OBJECT_POST, _a_proposal, "POST",
            {"scopes": ["profile", "statements"], "purpose": "Matrix: assessing the deal.", "valid_until": "",
             "cross_border_consent": "on"}),
    # The pending P is refused ("verify first") before the grant is looked up: sent back with
    # that message, nothing changes.
    PageRow("consent:grant_dismiss", "A-X-proposal", expect(403, each(ENTERPRISE_ROLES, 404),
            each(A_MEMBERS, 302), ent_pending=302), _a_proposal, "POST", {"reason": "Not now."},
            allowed=A_MEMBERS),
    PageRow("consent:grant_revoke", "A-X", A_OBJECT, _a_grant),
    PageRow("consent:grant_revoke", "A-X-post", A_OBJECT_POST, _a_grant, "POST", {"reason": "Done."}),
    PageRow("consent:access_log", "", ENTERPRISES_OWN),
    PageRow("consent:shared", "", INSTITUTIONS_OWN),
    PageRow("consent:shared_detail", "A-profile", X_OBJECT, _a_enterprise, writes=True, allowed=("inst",),
            shared=A_PROFILE_DETAILS),
    PageRow("consent:shared_detail", "A-statements", X_OBJECT, _a_enterprise, writes=True, allowed=("inst",),
            query="?scope=statements", shared=A_STATEMENT_FIGURES),
    PageRow("consent:shared_detail", "B", expect(403, each(INSTITUTION_ROLES, 404)), _b_enterprise, writes=True),
    # A's grant to X has no "credit" scope: X is told it is not shared (nothing read, nothing logged).
    PageRow("consent:shared_detail", "A-credit", X_OBJECT, _a_enterprise, writes=True, allowed=(),
            query="?scope=credit"),
    # documents: A's data room is A's; X reads A's data-room document under the consent and the
    # A-X deal's documents as a party; Y, other enterprises: 404; operators and observers: 403
    # (private data). A download under the consent is logged.
    PageRow("documents:data_room", "", ENTERPRISES_OWN),
    PageRow("documents:data_room", "upload", expect(403, each(ENTERPRISE_ROLES, 302)), no_args, "POST",
            lambda w: {"file": _pdf(), "kind": "other", "title": "Matrix upload"}),
    PageRow("documents:download", "A-data-room",
            expect(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 200), inst=200),
            _a_document, writes=True, allowed=("inst",)),
    PageRow("documents:download", "A-X-deal",
            expect(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 200), inst=200),
            _deal_document, writes=True),
    # X may read A's data-room document, not delete it (only the uploader may).
    PageRow("documents:delete", "A-data-room",
            expect(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 302), inst=403),
            _a_document, "POST"),
    PageRow("documents:deal_upload", "A-X",
            expect(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 302), inst=302),
            _deal, "POST", lambda w: {"file": _pdf(), "kind": "contract", "title": "Matrix deal upload"}),
    PageRow("documents:shared_for", "A", X_OBJECT, _a_enterprise, writes=True, allowed=("inst",)),
    PageRow("documents:shared_for", "B", expect(403, each(INSTITUTION_ROLES, 404)), _b_enterprise, writes=True),
    # notifications: everyone signed in has their own; opening A's admin's is theirs alone (it
    # marks it read and follows its link); marking all read touches only one's own.
    PageRow("notifications:list", "", ANY_SIGNED_IN),
    PageRow("notifications:open", "A-admin", expect(404, ent_admin=302), _a_notification, writes=True),
    PageRow("notifications:mark_read", "", expect(302), no_args, "POST", allowed=("ent_admin",)),
]

# Routes only anonymous visitors use (tested separately below), and framework routes.
EXCLUDED_ROUTES = {
    "accounts:login", "accounts:logout", "accounts:signup", "accounts:signup_kind",
    "accounts:invitation_accept",
}
MATRIX_NAMESPACES = {"accounts", "enterprises", "institutions", "financing", "fx", "evaluation", "ledger", "web",
                     "consent", "documents", "notifications", "scoring", "matching"}


def _cases(rows: list[Any]) -> list[Any]:
    return [pytest.param(row, role, id=f"{row.id}-{role}") for row in rows for role in ROLES]


@pytest.mark.parametrize(("row", "role"), _cases(PAGES))
def test_page(world: SimpleNamespace, client_for: Callable[[Any], Client], row: PageRow, role: str) -> None:
    url = reverse(row.route, kwargs=row.kwargs(world)) + row.query
    client = client_for(world.users[role])
    expected = row.expected[role]
    before = fingerprint(world) if row.method == "POST" or row.writes else None
    data = row.data(world) if callable(row.data) else row.data
    response = client.get(url) if row.method == "GET" else client.post(url, data)
    assert response.status_code == expected, (
        f"{row.method} {url} as {role}: {response.status_code}, expected {expected}")
    if role == "anonymous" and expected == 302:
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 200:
        assert_no_private_data(role, text_of(response), f"{row.method} {url}", row.shared)
    allowed = row.allowed if row.allowed is not None else tuple(
        r for r in SIGNED_IN if row.expected[r] == 302)
    if before is not None and role not in allowed:
        assert fingerprint(world) == before, f"{row.method} {url} as {role} changed the database"


def _named_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace in MATRIX_NAMESPACES:
                names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_every_page_has_a_row() -> None:
    routes = _named_routes()
    assert routes, "no routes found"
    missing = routes - EXCLUDED_ROUTES - {row.route for row in PAGES}
    assert not missing, f"pages without a permission-matrix row: {sorted(missing)}"
    unknown = {row.route for row in PAGES} - routes
    assert not unknown, f"rows for routes that no longer exist: {sorted(unknown)}"


@pytest.mark.parametrize("route,kwargs", [
    ("accounts:login", {}),
    ("accounts:signup", {}),
    ("accounts:signup_kind", {"kind": "enterprise"}),
    ("accounts:signup_kind", {"kind": "institution"}),
])
def test_anonymous_flows_are_open(world: SimpleNamespace, client: Client, route: str,
                                  kwargs: dict[str, str]) -> None:
    assert client.get(reverse(route, kwargs=kwargs)).status_code == 200


def test_invitation_link_opens_for_anonymous_only(world: SimpleNamespace, client_for: Callable[[Any], Client]) -> None:
    url = reverse("accounts:invitation_accept", kwargs={"token": world.invitation_raw})
    response = client_for(None).get(url)
    assert response.status_code == 200
    assert "newcolleague@example.com" in response.content.decode()
    # A signed-in user (even of another organisation) is told to sign out, never joined.
    signed_in = client_for(world.users["ent_other"]).get(url)
    assert "newcolleague@example.com" not in signed_in.content.decode()
    assert client_for(None).get(reverse("accounts:invitation_accept", kwargs={"token": "bf_nonsense"})).status_code == 410


# ---------------------------------------------------------------------------------------
# API


@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str                        # as in the OpenAPI document, e.g. /api/v1/financing/requests/{request_id}
    variant: str
    expected: dict[str, int]
    params: Ids = no_args
    # JSON; a callable builds it from the world.
    body: dict[str, Any] | Callable[[SimpleNamespace], dict[str, Any]] | None = None
    # A multipart form instead (an upload), fresh each time.
    form: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    # Roles whose request takes effect; every other role's leaves the database as it was.
    # None: only refusals (401/403/404/409/422) are checked.
    allowed: tuple[str, ...] | None = None
    # A GET that writes (a read logged on the enterprise's access log): compared like a write.
    writes: bool = False
    # A's private figures X may see here under A's live consent (see ``assert_no_private_data``).
    shared: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.method} {self.path.removeprefix('/api/v1/')}" + (f"[{self.variant}]" if self.variant else "")


def api(default: int, *groups: dict[str, int], anonymous: int = 401, **roles: int) -> dict[str, int]:
    return expect(default, *groups, anonymous=anonymous, **roles)


API_ANY = api(200)
API_OPERATOR = api(403, operator=200)
API_ENTERPRISES_OWN = api(403, each(ENTERPRISE_ROLES, 200))
API_INSTITUTIONS_OWN = api(403, each(INSTITUTION_ROLES, 200))


def _a_object(status: int) -> dict[str, int]:
    """One of A's private objects under /enterprises/me/...: other enterprises 404."""
    return api(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, status))


def _x_object(status: int, **roles: int) -> dict[str, int]:
    """One of X's products under /institutions/me/...: other institutions 404."""
    return api(403, each(INSTITUTION_ROLES, 404), inst=status, **roles)


def _a_grant_write(status: int = 200) -> dict[str, int]:
    """A write on one of A's grants: the pending P is refused before the grant is looked up."""
    return api(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, status), ent_pending=403)


def _party_of_deal(status: int, **roles: int) -> dict[str, int]:
    """A's members and X (the A-X deal's parties; X also under A's consent); other enterprises
    and institutions 404; operators and observers 403 (documents are private data)."""
    return api(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, status),
               **{"inst": status, **roles})


def _deal_parties(status: int, **roles: int) -> dict[str, int]:
    """A write on one of the A-X deals: its parties; others 404; operators, observers 403."""
    return api(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, status),
               **{"inst": status, **roles})


# A read on one of the A-X deals: its parties and operators; anyone else 404 (as the deal itself).
DEAL_READERS = api(404, each(A_MEMBERS, 200), inst=200, operator=200)

E = "/api/v1/enterprises"
INS = "/api/v1/institutions"
F = "/api/v1/financing"
FX = "/api/v1/fx"
EV = "/api/v1/evaluations"
SC = "/api/v1/scoring"
V = "/api/v1"
LG = "/api/v1/ledger"
CO = "/api/v1/consent"
D = "/api/v1/documents"
N = "/api/v1/notifications"
ACC = "/api/v1/accounts"
STATEMENT = {"currency": "CNY", "revenue": "1000000.00", "rd_expense": "100000.00", "total_costs": "900000.00",
             "net_profit": "100000.00", "total_assets": "2000000.00", "total_liabilities": "500000.00",
             "operating_cash_flow": "50000.00", "tax_credit_grade": "A"}

API: list[ApiRow] = [
    # accounts. Sign-up and invitation acceptance are public: an empty body is a 422 for anyone.
    ApiRow("POST", f"{ACC}/signup", "empty body: 422 = public", api(422, anonymous=422), body={}),
    ApiRow("POST", f"{ACC}/invitations/accept", "empty body: 422 = public", api(422, anonymous=422), body={}),
    ApiRow("GET", f"{ACC}/me", "", API_ANY),
    ApiRow("GET", f"{ACC}/organisations", "", API_OPERATOR),
    ApiRow("GET", f"{ACC}/organisations/{{organisation_id}}", "A",
           api(404, each(A_MEMBERS, 200), operator=200), lambda w: {"organisation_id": w.A.organisation_id}),
    ApiRow("GET", f"{ACC}/organisations/{{organisation_id}}", "P",
           api(404, ent_pending=200, operator=200), lambda w: {"organisation_id": w.P.organisation_id}),
    ApiRow("POST", f"{ACC}/organisations/{{organisation_id}}/verify", "P", API_OPERATOR,
           lambda w: {"organisation_id": w.P.organisation_id}, {}),
    ApiRow("POST", f"{ACC}/organisations/{{organisation_id}}/reject", "P", API_OPERATOR,
           lambda w: {"organisation_id": w.P.organisation_id}, {"reason": "Registration documents missing."}),
    ApiRow("GET", f"{ACC}/members", "", API_ANY),
    ApiRow("DELETE", f"{ACC}/members/{{membership_id}}", "A-member",
           api(404, ent_admin=200, ent_member=403, operator=200),
           lambda w: {"membership_id": w.A_member_membership.pk}),
    ApiRow("GET", f"{ACC}/invitations", "", API_ANY),
    ApiRow("POST", f"{ACC}/invitations", "", api(201, ent_member=403), body={"email": "another.one@example.com"}),
    ApiRow("DELETE", f"{ACC}/invitations/{{invitation_id}}", "A", api(404, ent_admin=200, ent_member=403),
           lambda w: {"invitation_id": w.invitation.pk}),
    ApiRow("GET", f"{ACC}/tokens", "", API_ANY),
    ApiRow("POST", f"{ACC}/tokens", "", api(201), body={"name": "ci"}),
    ApiRow("DELETE", f"{ACC}/tokens/{{token_id}}", "A-admin", api(404, ent_admin=200),
           lambda w: {"token_id": w.A_token.pk}),
    ApiRow("GET", f"{ACC}/audit", "", API_OPERATOR),
    # enterprises: own profile and private data
    ApiRow("GET", f"{E}/me", "", API_ENTERPRISES_OWN),
    ApiRow("PATCH", f"{E}/me", "", API_ENTERPRISES_OWN, body={"description": "We design chips."}),
    ApiRow("GET", f"{E}/me/owners", "", API_ENTERPRISES_OWN),
    ApiRow("POST", f"{E}/me/owners", "", api(403, each(ENTERPRISE_ROLES, 201)),
           body={"name": "New Owner", "share_percent": "5.00", "nationality": "MO"}),
    ApiRow("PATCH", f"{E}/me/owners/{{owner_id}}", "A", _a_object(200), lambda w: {"owner_id": w.A_owner.pk},
           {"name": "Renamed Owner"}),
    ApiRow("DELETE", f"{E}/me/owners/{{owner_id}}", "A", _a_object(204), lambda w: {"owner_id": w.A_owner.pk}),
    ApiRow("GET", f"{E}/me/certifications", "", API_ENTERPRISES_OWN),
    ApiRow("POST", f"{E}/me/certifications", "", api(403, each(ENTERPRISE_ROLES, 201)),
           body={"kind": "hnte", "number": "GR1", "issued_on": "2024-01-10"}),
    ApiRow("PATCH", f"{E}/me/certifications/{{certification_id}}", "A", _a_object(200),
           lambda w: {"certification_id": w.A_cert.pk}, {"published": False}),
    ApiRow("DELETE", f"{E}/me/certifications/{{certification_id}}", "A", _a_object(204),
           lambda w: {"certification_id": w.A_cert.pk}),
    ApiRow("GET", f"{E}/me/statements", "", API_ENTERPRISES_OWN),
    ApiRow("GET", f"{E}/me/statements/{{year}}", "A-2025", _a_object(200), lambda w: {"year": 2025}),
    # PUT is "my statement for that year": B and P write their own, never A's (fingerprint).
    ApiRow("PUT", f"{E}/me/statements/{{year}}", "2025", api(403, each(ENTERPRISE_ROLES, 200)),
           lambda w: {"year": 2025}, STATEMENT),
    ApiRow("DELETE", f"{E}/me/statements/{{year}}", "A-2025", _a_object(204), lambda w: {"year": 2025}),
    ApiRow("GET", f"{E}/public", "", API_ANY),
    ApiRow("GET", f"{E}/public/{{enterprise_id}}", "A", API_ANY, lambda w: {"enterprise_id": w.A.pk}),
    ApiRow("GET", f"{E}/public/{{enterprise_id}}", "P", api(404, ent_pending=200, operator=200),
           lambda w: {"enterprise_id": w.P.pk}),
    # institutions
    ApiRow("GET", f"{INS}/me", "", API_INSTITUTIONS_OWN),
    ApiRow("PATCH", f"{INS}/me", "", API_INSTITUTIONS_OWN, body={"description": "We lend to chip makers."}),
    ApiRow("GET", f"{INS}/me/products", "", API_INSTITUTIONS_OWN),
    # 422 = passed the permission check (an empty product is refused by the service).
    ApiRow("POST", f"{INS}/me/products", "empty: 422 = allowed", api(403, inst=422, inst_other=422), body={}),
    ApiRow("GET", f"{INS}/me/products/{{product_id}}", "X-draft", _x_object(200),
           lambda w: {"product_id": w.X_draft.pk}),
    ApiRow("PATCH", f"{INS}/me/products/{{product_id}}", "X-draft", _x_object(200),
           lambda w: {"product_id": w.X_draft.pk}, {"name": "Renamed draft"}),
    ApiRow("DELETE", f"{INS}/me/products/{{product_id}}", "X-draft", _x_object(204),
           lambda w: {"product_id": w.X_draft.pk}),
    # A pending institution is refused before the product is looked up (403, leaks nothing).
    ApiRow("POST", f"{INS}/me/products/{{product_id}}/publish", "X-draft", _x_object(200, inst_pending=403),
           lambda w: {"product_id": w.X_draft.pk}, {}),
    ApiRow("POST", f"{INS}/me/products/{{product_id}}/archive", "X-published", _x_object(200),
           lambda w: {"product_id": w.X_published.pk}, {}),
    ApiRow("GET", f"{INS}/products", "", api(403, each(BROWSE_ROLES, 200))),
    ApiRow("GET", f"{INS}/products/{{product_id}}", "X-published", api(403, each(BROWSE_ROLES, 200)),
           lambda w: {"product_id": w.X_published.pk}),
    ApiRow("GET", f"{INS}/products/{{product_id}}", "X-draft",
           api(403, each(BROWSE_ROLES, 404), inst=200, operator=200), lambda w: {"product_id": w.X_draft.pk}),
    ApiRow("GET", f"{INS}/products/{{product_id}}", "Q-published",
           api(403, each(BROWSE_ROLES, 404), inst_pending=200, operator=200),
           lambda w: {"product_id": w.Q_published.pk}),
    ApiRow("GET", f"{INS}/associations", "", API_OPERATOR),
    ApiRow("POST", f"{INS}/associations", "", api(403, operator=201), body={"name": "GBA Venture Association"}),
    ApiRow("PUT", f"{INS}/{{institution_id}}/associations", "X", API_OPERATOR,
           lambda w: {"institution_id": w.X.pk}, {"association_ids": []}),
    ApiRow("GET", f"{INS}/{{institution_id}}", "X", API_ANY, lambda w: {"institution_id": w.X.pk}),
    ApiRow("GET", f"{INS}/{{institution_id}}", "Q", api(404, inst_pending=200, operator=200),
           lambda w: {"institution_id": w.Q.pk}),
    # financing
    ApiRow("GET", f"{F}/requests", "", API_ENTERPRISES_OWN),
    # 422 = passed the permission check (an empty request is refused by the service).
    # Pending enterprises may prepare drafts; they cannot submit them.
    ApiRow("POST", f"{F}/requests", "empty: 422 = allowed", api(403, each(ENTERPRISE_ROLES, 422)),
           body={}),
    ApiRow("GET", f"{F}/requests/{{request_id}}", "A-open",
           api(404, each(A_MEMBERS, 200), inst=200, inst_other=200, operator=200),
           lambda w: {"request_id": w.A_open.pk}),
    ApiRow("GET", f"{F}/requests/{{request_id}}", "A-draft", api(404, each(A_MEMBERS, 200), operator=200),
           lambda w: {"request_id": w.A_draft.pk}),
    ApiRow("GET", f"{F}/requests/{{request_id}}", "P-draft", api(404, ent_pending=200, operator=200),
           lambda w: {"request_id": w.P_draft.pk}),
    ApiRow("GET", f"{F}/requests/{{request_id}}", "P-open", api(404, ent_pending=200, operator=200),
           lambda w: {"request_id": w.P_open.pk}),
    ApiRow("PATCH", f"{F}/requests/{{request_id}}", "A-draft",
           api(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 200)),
           lambda w: {"request_id": w.A_draft.pk}, {"title": "Renamed request"}),
    ApiRow("POST", f"{F}/requests/{{request_id}}/transition", "A-draft-submit",
           api(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 200), ent_pending=403),
           lambda w: {"request_id": w.A_draft.pk}, {"to": "open"}),
    ApiRow("GET", f"{F}/browse", "", api(403, inst=200, inst_other=200, operator=200)),
    # X already has a live deal on A's open request: 409 = passed the permission check.
    ApiRow("POST", f"{F}/requests/{{request_id}}/interest", "A-open",
           api(403, inst=409, inst_other=201),
           lambda w: {"request_id": w.A_open.pk}, {"message": "We can lend."}),
    ApiRow("POST", f"{F}/requests/{{request_id}}/interest", "P-open",
           api(403, each(INSTITUTION_ROLES, 404), inst_pending=403),
           lambda w: {"request_id": w.P_open.pk}, {"message": "We can lend."}),
    ApiRow("GET", f"{F}/deals", "", api(200, observer=403)),
    ApiRow("GET", f"{F}/deals/{{deal_id}}", "A-X", api(404, each(A_MEMBERS, 200), inst=200, operator=200),
           lambda w: {"deal_id": w.deal.pk}),
    ApiRow("POST", f"{F}/deals/{{deal_id}}/transition", "A-X-decline",
           api(404, each(A_MEMBERS, 200), inst=200, operator=403, observer=403),
           lambda w: {"deal_id": w.deal.pk}, {"to": "declined", "comment": "Not a fit."}),
    # Closing is the platform's alone: 409 = passed the permission check.
    ApiRow("POST", f"{F}/deals/{{deal_id}}/transition", "A-X-close: 409 = allowed",
           api(404, each(A_MEMBERS, 409), inst=409, operator=403, observer=403),
           lambda w: {"deal_id": w.deal.pk}, {"to": "closed"}),
    # Term sheets, the guarantor, the schedule and payments: the deal's parties (operators read).
    ApiRow("GET", f"{F}/deals/{{deal_id}}/term-sheets", "A-X-terms", DEAL_READERS, _terms_deal),
    ApiRow("POST", f"{F}/deals/{{deal_id}}/term-sheets", "A-X-terms", _deal_parties(201), _terms_deal,
           {**LOAN_TERMS, "term_months": 24}),
    # X proposed sheet 1: 409 = passed the permission check. The sheet is looked up first: an
    # operator reads it (then is refused, no party), an observer cannot (404, as the deal).
    ApiRow("POST", f"{F}/deals/{{deal_id}}/term-sheets/{{number}}/confirm", "A-X-terms-1",
           _deal_parties(200, inst=409, observer=404), _terms_sheet, {}),
    ApiRow("GET", f"{F}/deals/{{deal_id}}/term-sheets/{{number}}/document", "A-X-terms-1", DEAL_READERS,
           _terms_sheet),
    # Only the lender names the guarantor: A is a party, refused (403).
    ApiRow("POST", f"{F}/deals/{{deal_id}}/guarantor", "A-X-terms", _deal_parties(403, inst=200), _terms_deal,
           {"guarantor_id": None}),
    ApiRow("GET", f"{F}/deals/{{deal_id}}/schedule", "A-X-loan", DEAL_READERS, _loan_deal),
    ApiRow("GET", f"{F}/deals/{{deal_id}}/payments", "A-X-loan", DEAL_READERS, _loan_deal),
    ApiRow("POST", f"{F}/deals/{{deal_id}}/payments", "A-X-loan", _deal_parties(403, inst=201), _loan_deal,
           lambda w: {"amount": "1000.00", "currency": "CNY", "paid_on": timezone.localdate().isoformat(),
                      "reference": "M-1"}),
    # A's open request: institutions may read it, not its funding (403); A and operators may.
    ApiRow("GET", f"{F}/requests/{{request_id}}/funding", "A-open",
           api(404, each(A_MEMBERS, 200), inst=403, inst_other=403, operator=200),
           lambda w: {"request_id": w.A_open.pk}),
    # fx
    ApiRow("GET", f"{FX}/rates", "", API_ANY),
    ApiRow("POST", f"{FX}/rates", "", api(403, operator=201),
           body={"day": "2026-01-05", "base": "EUR", "quote": "USD", "rate": "1.05", "source": "matrix"}),
    ApiRow("PATCH", f"{FX}/rates/{{rate_id}}", "today-USD-CNY", API_OPERATOR, lambda w: {"rate_id": w.rate.pk},
           {"rate": "7.13"}),
    ApiRow("DELETE", f"{FX}/rates/{{rate_id}}", "today-USD-CNY", api(403, operator=204),
           lambda w: {"rate_id": w.rate.pk}),
    ApiRow("POST", f"{FX}/rates/import", "", API_OPERATOR,
           body={"csv": "day,base,quote,rate\n2026-01-06,EUR,USD,1.06\n", "source": "matrix", "replace": False}),
    ApiRow("GET", f"{FX}/convert", "MOP-CNY", API_ANY,
           lambda w: {"query": "?amount=10300000&currency=MOP&to=CNY"}),
    ApiRow("GET", f"{FX}/channels", "", API_ANY),
    ApiRow("GET", f"{FX}/channels/{{channel_id}}", "active", API_ANY, lambda w: {"channel_id": w.channel.pk}),
    ApiRow("GET", f"{FX}/channels/{{channel_id}}", "retired", api(404, operator=200),
           lambda w: {"channel_id": w.retired_channel.pk}),
    # 422 = passed the permission check (an empty channel is refused by the service).
    ApiRow("POST", f"{FX}/channels", "empty: 422 = allowed", api(403, operator=422), body={}),
    ApiRow("PATCH", f"{FX}/channels/{{channel_id}}", "active", API_OPERATOR,
           lambda w: {"channel_id": w.channel.pk}, {"priority": 5}),
    ApiRow("GET", f"{FX}/limit-parameters", "", API_ANY),
    ApiRow("POST", f"{FX}/limit-parameters", "empty: 422 = allowed", api(403, operator=422), body={}),
    ApiRow("GET", f"{FX}/debts", "", API_ENTERPRISES_OWN),
    ApiRow("POST", f"{FX}/debts", "", api(403, each(ENTERPRISE_ROLES, 201)),
           body={"lender": "A Macao bank", "balance": "100000.00", "currency": "USD", "term_months": 12,
                 "drawn_on": "2026-01-05"}),
    ApiRow("GET", f"{FX}/debts/{{debt_id}}", "A", _a_object(200), lambda w: {"debt_id": w.A_debt.pk}),
    ApiRow("PATCH", f"{FX}/debts/{{debt_id}}", "A", _a_object(200), lambda w: {"debt_id": w.A_debt.pk},
           {"balance": "900000.00"}),
    ApiRow("DELETE", f"{FX}/debts/{{debt_id}}", "A", _a_object(204), lambda w: {"debt_id": w.A_debt.pk}),
    ApiRow("GET", f"{FX}/limits", "", API_ENTERPRISES_OWN),
    # A's open request with X's product: A's members (with A's limits), X for its own product (without
    # them) and operators; Y's product is not Y's to test against... Y gets 404 for X's product.
    ApiRow("GET", f"{FX}/assessment", "A-open-X", api(404, each(A_MEMBERS, 200), inst=200, operator=200),
           lambda w: {"query": f"?request_id={w.A_open.pk}&product_id={w.X_published.pk}"}),
    # evaluation
    ApiRow("GET", f"{EV}/", "", API_ENTERPRISES_OWN),
    ApiRow("POST", f"{EV}/run", "", api(403, each(ENTERPRISE_ROLES, 200))),
    ApiRow("GET", f"{EV}/history", "", API_ENTERPRISES_OWN),
    ApiRow("GET", f"{EV}/{{evaluation_id}}", "A", _a_object(200), lambda w: {"evaluation_id": w.A_evaluation.pk}),
    ApiRow("GET", f"{EV}/declarations", "", API_ENTERPRISES_OWN),
    ApiRow("PATCH", f"{EV}/declarations", "", API_ENTERPRISES_OWN, body={"restricted_industry": "no"}),
    # 422 = passed the permission check (no enterprise here qualifies, so nothing may be published).
    ApiRow("POST", f"{EV}/badges", "not qualified: 422 = allowed", api(403, each(ENTERPRISE_ROLES, 422)),
           body={"rule_set": "scitech_sme"}),
    ApiRow("DELETE", f"{EV}/badges/{{rule_set}}", "none published", api(403, each(ENTERPRISE_ROLES, 404)),
           lambda w: {"rule_set": "scitech_sme"}),
    ApiRow("GET", f"{EV}/programmes", "", api(403, each(ENTERPRISE_ROLES, 200), operator=200)),
    ApiRow("GET", f"{EV}/programmes/{{programme_id}}", "open", api(403, each(ENTERPRISE_ROLES, 200), operator=200),
           lambda w: {"programme_id": w.programme.pk}),
    ApiRow("POST", f"{EV}/programmes", "empty: 422 = allowed", api(403, operator=422), body={}),
    ApiRow("PATCH", f"{EV}/programmes/{{programme_id}}", "open", API_OPERATOR,
           lambda w: {"programme_id": w.programme.pk}, {"sponsor": "Matrix Bureau"}),
    # A has an open application already (409); B applies; the pending P may not (403).
    ApiRow("POST", f"{EV}/programmes/{{programme_id}}/applications", "open",
           api(403, each(A_MEMBERS, 409), ent_other=201), lambda w: {"programme_id": w.programme.pk},
           {"amount": "1000.00", "currency": "CNY"}),
    ApiRow("GET", f"{EV}/applications", "", api(403, each(ENTERPRISE_ROLES, 200), operator=200)),
    ApiRow("GET", f"{EV}/applications/{{application_id}}", "A",
           api(403, each(ENTERPRISE_ROLES, 404), each(A_MEMBERS, 200), operator=200),
           lambda w: {"application_id": w.A_application.pk}),
    ApiRow("POST", f"{EV}/applications/{{application_id}}/withdraw", "A", _a_object(200),
           lambda w: {"application_id": w.A_application.pk}),
    ApiRow("POST", f"{EV}/applications/{{application_id}}/decision", "A", API_OPERATOR,
           lambda w: {"application_id": w.A_application.pk}, {"decision": "approve"}),
    # scoring: an enterprise's own scores (another enterprise's request is a 404); the
    # distribution for operators and observers; the registry for operators (promoting the
    # world's version, whose file is missing: 422 = passed the permission check).
    ApiRow("GET", f"{SC}/own", "", API_ENTERPRISES_OWN),
    ApiRow("GET", f"{SC}/requests/{{request_id}}", "A-open", _a_object(200), lambda w: {"request_id": w.A_open.pk}),
    ApiRow("GET", f"{SC}/distribution", "", api(403, operator=200, observer=200)),
    ApiRow("GET", f"{SC}/models", "", API_OPERATOR),
    ApiRow("GET", f"{SC}/models/{{version_id}}", "matrix", API_OPERATOR, lambda w: {"version_id": w.model_version.pk}),
    ApiRow("POST", f"{SC}/models/{{version_id}}/promote", "matrix-missing-file: 422 = passed the permission check",
           api(403, operator=422), lambda w: {"version_id": w.model_version.pk}, {}),
    # matching: a request's matches for its enterprise and operators; "why not" for its enterprise
    # alone (an unknown product: 422 = passed the permission check); a product's matches for its
    # institution and operators; recommendations for institutions; batches for operators and observers.
    ApiRow("GET", f"{V}/requests/{{request_id}}/matches", "A-open", _a_object(200) | {"operator": 200},
           lambda w: {"request_id": w.A_open.pk}),
    ApiRow("GET", f"{V}/requests/{{request_id}}/why-not/{{product_id}}", "A-open-X-published", _a_object(200),
           lambda w: {"request_id": w.A_open.pk, "product_id": w.X_published.pk}),
    ApiRow("GET", f"{V}/requests/{{request_id}}/why-not/{{product_id}}", "A-open-unknown: 422 = allowed",
           _a_object(422), lambda w: {"request_id": w.A_open.pk, "product_id": 999999}),
    ApiRow("GET", f"{V}/products/{{product_id}}/matches", "X-published", _x_object(200, operator=200),
           lambda w: {"product_id": w.X_published.pk}),
    ApiRow("GET", f"{V}/matching/recommendations", "", API_INSTITUTIONS_OWN),
    ApiRow("GET", f"{V}/matching/batches", "", api(403, operator=200, observer=200)),
    # ledger: checkpoints, proofs and keys for anyone signed in; an entry and its receipt for
    # the parties to it (A and X for the deal, A for its decision) and operators.
    ApiRow("GET", f"{LG}/checkpoints/latest", "", API_ANY),
    ApiRow("GET", f"{LG}/checkpoints/{{size}}", "1", API_ANY, lambda w: {"size": 1}),
    ApiRow("GET", f"{LG}/proofs/inclusion", "A-X deal", API_ANY, lambda w: {"query": f"?index={w.deal_entry}"}),
    ApiRow("GET", f"{LG}/proofs/consistency", "1-2", API_ANY, lambda w: {"query": "?old=1&new=2"}),
    ApiRow("GET", f"{LG}/entries/{{index}}", "A-X deal", api(404, each(A_MEMBERS, 200), inst=200, operator=200),
           lambda w: {"index": w.deal_entry}),
    ApiRow("GET", f"{LG}/entries/{{index}}", "A decision", api(404, each(A_MEMBERS, 200), operator=200),
           lambda w: {"index": w.A_decision_entry}),
    ApiRow("GET", f"{LG}/entries/{{index}}/receipt", "A-X deal",
           api(404, each(A_MEMBERS, 200), inst=200, operator=200), lambda w: {"index": w.deal_entry}),
    ApiRow("GET", f"{LG}/entries/{{index}}/receipt", "A decision", api(404, each(A_MEMBERS, 200), operator=200),
           lambda w: {"index": w.A_decision_entry}),
    ApiRow("GET", f"{LG}/keys", "", API_ANY),
    # consent: see the pages above. An institution lists the grants it received (never a
    # proposal); the pending P may look, not grant, confirm, dismiss or revoke (403 first).
    ApiRow("GET", f"{CO}/grants", "", api(403, each(ENTERPRISE_ROLES, 200), each(INSTITUTION_ROLES, 200))),
    ApiRow("POST", f"{CO}/grants", "to Y", api(403, each(ENTERPRISE_ROLES, 201), ent_pending=403),
           body=lambda w: {"institution_id": w.Y.pk, "scopes": ["profile"], "purpose": "Matrix: a credit line.",
                           "valid_until": _in_days(60), "cross_border_consent": True}),
    # 422 = passed the permission check (an empty grant is refused by the service).
    ApiRow("POST", f"{CO}/grants", "empty: 422 = allowed", api(403, each(ENTERPRISE_ROLES, 422), ent_pending=403),
           body={}),
    ApiRow("GET", f"{CO}/grants/{{grant_id}}", "A-X",
           api(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 200), inst=200),
           _a_grant),
    ApiRow("GET", f"{CO}/grants/{{grant_id}}", "A-X-proposal",
           api(403, each(ENTERPRISE_ROLES, 404), each(INSTITUTION_ROLES, 404), each(A_MEMBERS, 200)), _a_proposal),
    ApiRow("POST", f"{CO}/grants/{{grant_id}}/confirm", "A-X-proposal", _a_grant_write(), _a_proposal,
           {"cross_border_consent": True}),
    ApiRow("POST", f"{CO}/grants/{{grant_id}}/dismiss", "A-X-proposal", _a_grant_write(), _a_proposal,
           {"reason": "Not now."}),
    # 409 = passed the permission check (the proposal is not active).
    ApiRow("POST", f"{CO}/grants/{{grant_id}}/revoke", "A-X-proposal: 409 = allowed", _a_grant_write(409),
           _a_proposal, {"reason": "Done."}),
    ApiRow("POST", f"{CO}/grants/{{grant_id}}/revoke", "A-X", _a_grant_write(), _a_grant, {"reason": "Done."}),
    ApiRow("GET", f"{CO}/accesses", "", API_ENTERPRISES_OWN),
    ApiRow("GET", f"{CO}/shared", "", API_INSTITUTIONS_OWN),
    ApiRow("GET", f"{CO}/shared/{{enterprise_id}}/{{scope}}", "A-profile", _x_object(200),
           lambda w: {"enterprise_id": w.A.pk, "scope": "profile"}, writes=True, allowed=("inst",),
           shared=A_PROFILE_DETAILS),
    ApiRow("GET", f"{CO}/shared/{{enterprise_id}}/{{scope}}", "A-statements", _x_object(200),
           lambda w: {"enterprise_id": w.A.pk, "scope": "statements"}, writes=True, allowed=("inst",),
           shared=A_STATEMENT_FIGURES),
    # A's grant to X does not cover credit.
    ApiRow("GET", f"{CO}/shared/{{enterprise_id}}/{{scope}}", "A-credit", _x_object(404),
           lambda w: {"enterprise_id": w.A.pk, "scope": "credit"}, writes=True),
    ApiRow("GET", f"{CO}/shared/{{enterprise_id}}/{{scope}}", "B-statements", _x_object(404),
           lambda w: {"enterprise_id": w.B.pk, "scope": "statements"}, writes=True),
    # documents: see the pages above.
    ApiRow("GET", f"{D}/", "", API_ENTERPRISES_OWN),
    # Into one's own data room: any enterprise, pending too (it may prepare); an institution only in a deal.
    ApiRow("POST", f"{D}/", "data room", api(403, each(ENTERPRISE_ROLES, 201)),
           form=lambda w: {"file": _pdf(), "kind": "other", "title": "Matrix upload"}),
    ApiRow("POST", f"{D}/", "A-X deal", _party_of_deal(201),
           form=lambda w: {"file": _pdf(), "kind": "contract", "title": "Matrix deal upload", "deal_id": w.deal.pk}),
    ApiRow("GET", f"{D}/deal/{{deal_id}}", "A-X", _party_of_deal(200), _deal),
    ApiRow("GET", f"{D}/{{document_id}}", "A-data-room", _party_of_deal(200), _a_document, writes=True,
           allowed=("inst",)),
    ApiRow("GET", f"{D}/{{document_id}}", "A-X-deal", _party_of_deal(200), _deal_document, writes=True),
    ApiRow("GET", f"{D}/{{document_id}}/content", "A-data-room", _party_of_deal(200), _a_document, writes=True,
           allowed=("inst",)),
    ApiRow("GET", f"{D}/{{document_id}}/content", "A-X-deal", _party_of_deal(200), _deal_document, writes=True),
    # X reads A's data-room document under the consent but may not delete it (only the uploader).
    ApiRow("DELETE", f"{D}/{{document_id}}", "A-data-room", _party_of_deal(204, inst=403), _a_document),
    # notifications: one's own only; A's admin's notification is marked by A's admin alone.
    ApiRow("GET", f"{N}/", "", API_ANY),
    ApiRow("GET", f"{N}/unread-count", "", API_ANY),
    ApiRow("POST", f"{N}/read", "all", API_ANY, body={}, allowed=("ent_admin",)),
    ApiRow("POST", f"{N}/read", "A-admin's", API_ANY, body=lambda w: {"ids": [w.A_notification.pk]},
           allowed=("ent_admin",)),
]


def _api_url(row: ApiRow, w: SimpleNamespace) -> str:
    path = row.path
    params = row.params(w)
    query = params.pop("query", "")
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", str(value))
    assert "{" not in path, path
    return path + query


@pytest.mark.parametrize(("row", "role"), _cases(API))
def test_api(world: SimpleNamespace, api_for: Callable[[Any], Client], row: ApiRow, role: str) -> None:
    client = api_for(world.users[role])
    url = _api_url(row, world)
    expected = row.expected[role]
    writes = row.method != "GET" or row.writes
    before = fingerprint(world) if writes else None
    kwargs: dict[str, Any] = {}
    if row.form is not None:
        kwargs = {"data": row.form(world)}
    elif row.body is not None:
        kwargs = {"data": row.body(world) if callable(row.body) else row.body, "content_type": "application/json"}
    response = getattr(client, row.method.lower())(url, **kwargs)
    text = text_of(response)
    assert response.status_code == expected, (
        f"{row.method} {url} as {role}: {response.status_code} {text[:300]!r}, expected {expected}")
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}, body
    if response.status_code == 200:
        assert_no_private_data(role, text, f"{row.method} {url}", row.shared)
    refused = role == "anonymous" or expected in (401, 403, 404, 409, 422)
    if before is not None and (refused or (row.allowed is not None and role not in row.allowed)):
        assert fingerprint(world) == before, f"{row.method} {url} as {role} changed the database"


def test_every_endpoint_has_a_row(world: SimpleNamespace, api_for: Callable[[Any], Client]) -> None:
    response = api_for(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    documented = {(method.upper(), unquote(path)) for path, ops in response.json()["paths"].items()
                  for method in ops if method in {"get", "post", "put", "patch", "delete"}}
    assert documented
    rows = {(row.method, row.path) for row in API}
    missing = documented - rows
    assert not missing, f"endpoints without a permission-matrix row: {sorted(missing)}"
    unknown = rows - documented
    assert not unknown, f"rows for endpoints that no longer exist: {sorted(unknown)}"


# ---------------------------------------------------------------------------------------
# Private data: what A's public face shows, and what it never shows

OUTSIDERS = ("inst", "observer", "ent_other")
EMPLOYEE_COUNTS = (str(SECRET_EMPLOYEES), f"{SECRET_EMPLOYEES:,}")
PRIVATE_KEYS = {"employees", "tech_staff", "registration_number", "statements", "owners", "beneficial_owners",
                "revenue", "invention_patents", "software_copyrights", "class_i_ip"}


def _assert_public_only(body: str, where: str) -> None:
    for secret in (*A_PRIVATE, *EMPLOYEE_COUNTS):
        assert secret not in body, f"{where} shows {secret!r}"


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_public_profile_of_a_shows_no_private_data(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                                   api_for: Callable[[Any], Client], role: str) -> None:
    user = world.users[role]
    page = client_for(user).get(reverse("enterprises:public_profile", kwargs={"enterprise_id": world.A.pk}))
    answer = api_for(user).get(f"/api/v1/enterprises/public/{world.A.pk}")
    assert page.status_code == answer.status_code == 200
    for where, body in (("page", page.content.decode()), ("API", answer.content.decode())):
        assert "Alpha Matrix Chips" in body
        _assert_public_only(body, f"public profile {where} as {role}")
    data = answer.json()
    assert data["employee_band"]
    assert not _keys(data) & PRIVATE_KEYS
    # The list of public profiles: A is there, the pending P is not.
    listing = api_for(user).get("/api/v1/enterprises/public?page_size=100").json()
    ids = {item["id"] for item in listing["items"]}
    assert world.A.pk in ids and world.P.pk not in ids
    _assert_public_only(str(listing), f"public list as {role}")
    assert not _keys(listing["items"]) & PRIVATE_KEYS


@pytest.mark.parametrize("role", ["inst", "inst_other"])
def test_browsing_requests_shows_public_profiles_only(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                                      api_for: Callable[[Any], Client], role: str) -> None:
    user = world.users[role]
    page = client_for(user).get(reverse("financing:request_browse"))
    answer = api_for(user).get("/api/v1/financing/browse?page_size=100")
    assert page.status_code == answer.status_code == 200
    for where, body in (("page", page.content.decode()), ("API", answer.content.decode())):
        assert "Alpha open request" in body and "Beta open request" in body
        assert "Alpha draft request" not in body
        assert P_REQUEST_TITLE not in body and P_NAME not in body
        _assert_public_only(body, f"browse {where} as {role}")
    items = answer.json()["items"]
    # Requests in progress stay visible (another lender may still join).
    assert {i["id"] for i in items} == {world.A_open.pk, world.B_open.pk, world.terms_deal.request_id,
                                        world.loan_deal.request_id}
    assert not _keys(items) & PRIVATE_KEYS
    # The request and deal pages an institution opens show the public profile only.
    for url in (reverse("financing:request_detail", kwargs={"request_id": world.A_open.pk}),
                f"/api/v1/financing/requests/{world.A_open.pk}"):
        _assert_public_only(client_for(user).get(url).content.decode(), f"{url} as {role}")
    if role == "inst":
        for url in (reverse("financing:deal_detail", kwargs={"deal_id": world.deal.pk}),
                    f"/api/v1/financing/deals/{world.deal.pk}"):
            response = api_for(user).get(url) if url.startswith("/api/") else client_for(user).get(url)
            assert response.status_code == 200
            _assert_public_only(response.content.decode(), f"{url} as {role}")


@pytest.mark.parametrize("role", ["inst", "inst_other", "ent_admin", "ent_other", "observer"])
def test_pending_enterprise_and_its_requests_are_invisible(world: SimpleNamespace,
                                                           client_for: Callable[[Any], Client],
                                                           api_for: Callable[[Any], Client], role: str) -> None:
    user = world.users[role]
    web, rest = client_for(user), api_for(user)
    assert web.get(reverse("enterprises:public_profile", kwargs={"enterprise_id": world.P.pk})).status_code == 404
    assert rest.get(f"/api/v1/enterprises/public/{world.P.pk}").status_code == 404
    assert rest.get(f"/api/v1/accounts/organisations/{world.P.organisation_id}").status_code in (403, 404)
    for req in (world.P_draft, world.P_open):
        assert rest.get(f"/api/v1/financing/requests/{req.pk}").status_code == 404
        page = web.get(reverse("financing:request_detail", kwargs={"request_id": req.pk}))
        assert page.status_code == (403 if role == "observer" else 404)
        assert rest.post(f"/api/v1/financing/requests/{req.pk}/interest", {"message": "Hello"},
                         content_type="application/json").status_code in (403, 404)
    assert not FinancingRequest.objects.filter(pk__in=[world.P_draft.pk, world.P_open.pk], deals__isnull=False)


def test_operators_see_pending_organisations(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                             api_for: Callable[[Any], Client]) -> None:
    user = world.users["operator"]
    web, rest = client_for(user), api_for(user)
    assert P_NAME in web.get(reverse("accounts:verification_queue")).content.decode()
    assert Q_NAME in web.get(reverse("accounts:verification_queue")).content.decode()
    assert P_REQUEST_TITLE in web.get(reverse("financing:operator_requests")).content.decode()
    assert web.get(reverse("enterprises:public_profile", kwargs={"enterprise_id": world.P.pk})).status_code == 200
    orgs = rest.get("/api/v1/accounts/organisations?status=pending&page_size=100").json()
    assert {world.P.organisation_id, world.Q.organisation_id} <= {o["id"] for o in orgs["items"]}
    assert rest.get(f"/api/v1/financing/requests/{world.P_draft.pk}").json()["title"] == P_REQUEST_TITLE
    # KYC: the operator reads A's beneficial owners on the organisation page.
    detail = web.get(reverse("accounts:organisation_detail", kwargs={"pk": world.A.organisation_id}))
    assert SECRET_OWNER in detail.content.decode()


def test_x_reads_a_under_its_consent_and_y_never(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                                 api_for: Callable[[Any], Client]) -> None:
    """The consent's allowance in ``assert_no_private_data`` is not vacuous: X does read A's
    statements and profile (each read on A's log), Y reads nothing, and once A revokes, X neither."""
    url = reverse("consent:shared_detail", kwargs={"enterprise_id": world.A.pk})
    statements = client_for(world.users["inst"]).get(url + "?scope=statements").content.decode()
    assert "38,123,456.78" in statements or "38123456.78" in statements
    profile = api_for(world.users["inst"]).get(f"/api/v1/consent/shared/{world.A.pk}/profile").json()
    assert SECRET_OWNER in str(profile) and SECRET_CERT_NUMBER in str(profile)
    assert SECRET_LENDER not in statements + str(profile)
    assert set(DataAccess.objects.values_list("scope", "via")) == {("statements", "page"), ("profile", "api")}
    for role in ("inst_other", "inst_pending"):
        assert client_for(world.users[role]).get(url + "?scope=statements").status_code == 404
        assert api_for(world.users[role]).get(f"/api/v1/consent/shared/{world.A.pk}/statements").status_code == 404
    consent_services.consent_revoke(actor=world.users["ent_admin"], grant_id=world.A_grant.pk)
    assert client_for(world.users["inst"]).get(url + "?scope=statements").status_code == 404
    assert api_for(world.users["inst"]).get(f"/api/v1/consent/shared/{world.A.pk}/statements").status_code == 404
    assert api_for(world.users["inst"]).get(f"/api/v1/documents/{world.A_document.pk}").status_code == 404
    assert DataAccess.objects.count() == 2


def test_only_the_owner_reads_statements(world: SimpleNamespace, api_for: Callable[[Any], Client]) -> None:
    own = api_for(world.users["ent_member"]).get("/api/v1/enterprises/me/statements/2025")
    assert own.status_code == 200 and own.json()["revenue"] == str(SECRET_REVENUE)
    for role in ("ent_other", "ent_pending"):
        mine = api_for(world.users[role]).get("/api/v1/enterprises/me/statements?page_size=100").json()
        _assert_public_only(str(mine), f"statements as {role}")
        assert all(item["revenue"] != str(SECRET_REVENUE) for item in mine["items"])


def test_world_is_as_described(world: SimpleNamespace) -> None:
    """Guards the matrix's premises: if these change, the rows above test something else."""
    assert world.A.organisation.status == OrganisationStatus.VERIFIED
    assert world.P.organisation.status == OrganisationStatus.PENDING
    assert world.Q.organisation.status == OrganisationStatus.PENDING
    assert FinancingRequest.objects.get(pk=world.A_open.pk).status == RequestStatus.OPEN
    assert FinancingRequest.objects.get(pk=world.A_draft.pk).status == RequestStatus.DRAFT
    assert Product.objects.get(pk=world.X_draft.pk).status == ProductStatus.DRAFT
    assert Deal.objects.get(pk=world.deal.pk).stage == DealStage.INTEREST
    assert not world.users["ent_member"].is_org_admin and world.users["ent_admin"].is_org_admin
    assert world.invitation.expires_at > timezone.now()
    assert world.A.founding_date < dt.date.today()
    # A's live consent to X (no credit, no evaluation), the deal's proposal, the documents, the notification.
    grant = ConsentGrant.objects.get(pk=world.A_grant.pk)
    assert grant.status == "active" and set(grant.scopes) == {"profile", "statements", "documents"}
    assert ConsentGrant.objects.get(pk=world.A_proposal.pk).status == "proposed"
    assert not ConsentGrant.objects.filter(institution=world.Y).exists()
    assert not DataAccess.objects.exists()
    assert Document.objects.get(pk=world.A_document.pk).deal_id is None
    assert Document.objects.get(pk=world.deal_document.pk).deal_id == world.deal.pk
    assert list(Notification.objects.values_list("pk", flat=True)) == [world.A_notification.pk]
    assert Deal.objects.get(pk=world.terms_deal.pk).stage == DealStage.TERM_SHEET
    assert Deal.objects.get(pk=world.loan_deal.pk).stage == DealStage.DISBURSED
    # The ledger: the two entries the docstring names come first.
    assert (world.deal_entry, world.A_decision_entry) == (0, 1)


# Lists are scoped: (page, API list) -> what each role must and must not find in it.
def _list_cases() -> list[Any]:
    deal = ("financing:deals", "/api/v1/financing/deals?page_size=100", "Alpha open request")
    own_requests = ("financing:my_requests", "/api/v1/financing/requests?page_size=100", "Alpha draft request")
    own_products = ("institutions:products", "/api/v1/institutions/me/products?page_size=100", "Xenon draft product")
    team = ("accounts:team", "/api/v1/accounts/members?page_size=100", None)
    return [
        pytest.param(*deal, ("ent_admin", "ent_member", "inst", "operator"), ("ent_other", "ent_pending",
                     "inst_other", "inst_pending"), id="deals"),
        pytest.param(*own_requests, ("ent_admin", "ent_member"), ("ent_other", "ent_pending"), id="my_requests"),
        pytest.param(*own_products, ("inst",), ("inst_other", "inst_pending"), id="own_products"),
        pytest.param(*team, ("ent_admin", "ent_member"),
                     tuple(r for r in SIGNED_IN if r not in A_MEMBERS), id="team"),
    ]


@pytest.mark.parametrize(("route", "api_url", "marker", "sees", "blind"), _list_cases())
def test_lists_are_scoped_to_the_own_organisation(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                                  api_for: Callable[[Any], Client], route: str, api_url: str,
                                                  marker: str | None, sees: tuple[str, ...],
                                                  blind: tuple[str, ...]) -> None:
    text = marker or world.users["ent_member"].email
    for role in (*sees, *blind):
        user = world.users[role]
        page = client_for(user).get(reverse(route))
        answer = api_for(user).get(api_url)
        assert page.status_code == answer.status_code == 200, role
        for where, body in (("page", page.content.decode()), ("API", answer.content.decode())):
            assert (text in body) == (role in sees), f"{route} {where} as {role}: {text!r}"


def test_matches_show_verified_enterprises_only(world: SimpleNamespace, client_for: Callable[[Any], Client],
                                                api_for: Callable[[Any], Client]) -> None:
    """The matching rows are not vacuous: X reads A's match of its product (page and API) and A
    among its recommendations; P, pending, is matched in the database and never shows."""
    x = world.users["inst"]
    product_page = client_for(x).get(reverse("institutions:product_detail",
                                             kwargs={"product_id": world.X_published.pk})).content.decode()
    assert "Matching requests" in product_page and "Alpha Matrix Chips" in product_page
    matches = api_for(x).get(f"/api/v1/products/{world.X_published.pk}/matches").json()["matches"]
    assert [m["request_id"] for m in matches] == [world.A_open.pk]
    recommended = api_for(x).get("/api/v1/matching/recommendations").json()["items"]
    assert [m["enterprise"]["id"] for m in recommended] == [world.A.pk]
    recommendations_page = client_for(x).get(reverse("matching:recommendations")).content.decode()
    assert "Alpha Matrix Chips" in recommendations_page
    for body in (product_page, str(matches), str(recommended), recommendations_page):
        assert P_NAME not in body and P_REQUEST_TITLE not in body
    own = api_for(world.users["ent_admin"]).get(f"/api/v1/requests/{world.A_open.pk}/matches").json()["matches"]
    assert [m["product"]["id"] for m in own] == [world.X_published.pk]


def test_an_institution_never_sees_the_enterprises_limits(world: SimpleNamespace,
                                                          api_for: Callable[[Any], Client]) -> None:
    """The channel assessment of A's request and X's product: X reads the channels, never A's limits."""
    world.X.organisation.jurisdiction = Jurisdiction.MACAO
    world.X.organisation.save()
    Product.objects.filter(pk=world.X_published.pk).update(ticket_currency="USD", instrument="credit_loan")
    FinancingRequest.objects.filter(pk=world.A_open.pk).update(instruments=["credit_loan"], currency="CNY")
    url = f"/api/v1/fx/assessment?request_id={world.A_open.pk}&product_id={world.X_published.pk}"
    own = api_for(world.users["ent_admin"]).get(url).json()
    assert [c["code"] for c in own["fitting"]] == ["cross-border-direct-loan"]
    assert own["limits"] is not None
    theirs = api_for(world.users["inst"]).get(url)
    assert theirs.status_code == 200 and theirs.json()["limits"] is None
    assert [c["code"] for c in theirs.json()["fitting"]] == ["cross-border-direct-loan"]
    assert_no_private_data("inst", theirs.content.decode(), url)
