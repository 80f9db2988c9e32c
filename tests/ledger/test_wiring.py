"""The agreement-level events already on the platform write their ledger entries: verification
decisions and every deal stage change, with the right kind, parties and data, and no personal
data (no user's email or name, no comment or reason text: only its hash)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

import pytest

from bayfin.accounts import services as accounts_services
from bayfin.financing import services as financing_services
from bayfin.financing.models import DealEvent
from bayfin.ledger import services as ledger_services
from bayfin.ledger.entries import parse_entry
from bayfin.ledger.models import LedgerEntry, SignedCheckpoint
from tests.factories import FinancingRequestFactory

pytestmark = pytest.mark.django_db

REASON = "The licence copy is unreadable; Ms Chan please resend it."
SECRET_WORDS = "Our board approved 8m at 4.1% (confidential, ask Mr Wong)"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def proves(entry: LedgerEntry, documents: list[dict[str, str]], text: str) -> bool:
    """A party proves a text by revealing it with its salt (kept with the entry, not in the
    log); the plain hash of the text is nowhere in the log, so a guess cannot be confirmed."""
    (document,) = documents
    salt = bytes.fromhex(entry.salts[document["sha256"]])
    return document["sha256"] == hashlib.sha256(salt + text.encode("utf-8")).hexdigest() != sha(text)


def entries(kind: str | None = None) -> list[LedgerEntry]:
    rows = LedgerEntry.objects.order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def assert_no_personal_data(entry: LedgerEntry, *users: Any, texts: tuple[str, ...] = ()) -> None:
    body = entry.body
    for user in users:
        for value in (user.email, user.username, user.first_name, user.last_name, user.get_full_name()):
            if value:
                assert value not in body, f"{value!r} in {body}"
        org = user.organisation
        if org is not None:
            for name in (org.name_en, org.name_zh_hans):
                if name:
                    assert name not in body
    for text in texts:
        assert text not in body
    assert "@" not in body


# --------------------------------------------------------------------------- verification decisions


def test_verifying_an_organisation_writes_its_entry(operator_user: Any, pending_enterprise: Any,
                                                    pending_enterprise_user: Any) -> None:
    operator_user.first_name, operator_user.last_name = "Ana", "Lopes"
    operator_user.save()
    org = pending_enterprise.organisation
    accounts_services.organisation_verify(actor=operator_user, organisation_id=org.pk)
    (entry,) = entries()
    assert entry.kind == "organisation.verified" and entry.index is None
    assert (entry.subject_type, entry.subject_id) == ("accounts.organisation", str(org.pk))
    assert set(entry.parties.all()) == {org, operator_user.organisation}
    body = parse_entry(entry.body.encode())
    assert body["type"] == "organisation.verified"
    assert body["parties"] == [
        {"role": "enterprise", "registration_number": pending_enterprise.registration_number},
        {"role": "operator", "registration_number": f"bayfin-organisation-{operator_user.organisation.pk}"}]
    assert body["data"] == {"status": "verified", "jurisdiction": org.jurisdiction}
    assert body["documents"] == [] and body["amounts"] == []
    assert_no_personal_data(entry, operator_user, pending_enterprise_user)


def test_rejecting_an_organisation_keeps_only_the_reasons_hash(operator_user: Any, pending_enterprise: Any,
                                                              pending_enterprise_user: Any) -> None:
    org = pending_enterprise.organisation
    accounts_services.organisation_reject(actor=operator_user, organisation_id=org.pk, reason=REASON)
    (entry,) = entries()
    assert entry.kind == "organisation.rejected"
    body = json.loads(entry.body)
    assert body["data"] == {"status": "rejected", "jurisdiction": org.jurisdiction}
    assert proves(entry, body["documents"], REASON) and len(entry.salts) == 1
    assert_no_personal_data(entry, operator_user, pending_enterprise_user, texts=(REASON, "Chan", "licence copy"))


def test_a_refused_decision_writes_nothing(operator_user: Any, enterprise: Any) -> None:
    from bayfin.common.errors import InvalidTransition

    with pytest.raises(InvalidTransition):  # already verified
        accounts_services.organisation_verify(actor=operator_user, organisation_id=enterprise.organisation.pk)
    assert not LedgerEntry.objects.exists()


# --------------------------------------------------------------------------- deal stage changes


@pytest.fixture
def request_for(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise)


def deal_entries(deal: Any) -> list[dict[str, Any]]:
    rows = LedgerEntry.objects.filter(kind="deal.stage_changed", subject_type="financing.deal",
                                      subject_id=str(deal.pk)).order_by("id")
    return [parse_entry(r.body.encode()) for r in rows]


def test_expressing_interest_writes_the_first_entry(institution_user: Any, enterprise_user: Any,
                                                     enterprise: Any, institution: Any, request_for: Any) -> None:
    deal = financing_services.deal_express_interest(actor=institution_user, request_id=request_for.pk,
                                                    message=SECRET_WORDS)
    (entry,) = entries("deal.stage_changed")
    event = DealEvent.objects.get(deal=deal)
    assert entry.reference == f"financing.dealevent:{event.pk}"
    assert set(entry.parties.all()) == {enterprise.organisation, institution.organisation}
    body = parse_entry(entry.body.encode())
    assert body["subject"] == {"type": "financing.deal", "id": str(deal.pk)}
    assert body["parties"] == [
        {"role": "enterprise", "registration_number": enterprise.registration_number},
        {"role": "institution", "registration_number": institution.licence_number}]
    assert body["data"] == {"from": "", "to": "interest", "request": request_for.pk, "product": None,
                            "channel": None, "documents": []}
    assert body["amounts"] == [{"amount": "8000000.00", "currency": "CNY"}]
    assert proves(entry, body["documents"], SECRET_WORDS)
    assert body["at"] == event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert_no_personal_data(entry, institution_user, enterprise_user, texts=(SECRET_WORDS, "Wong", "4.1%"))


def test_every_stage_change_writes_an_entry(institution_user: Any, enterprise_user: Any, request_for: Any,
                                            other_institution_user: Any) -> None:
    deal = financing_services.deal_express_interest(actor=institution_user, request_id=request_for.pk,
                                                    message="We can lend.")
    financing_services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted",
                                       comment=SECRET_WORDS)
    financing_services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage="declined",
                                       comment="Outside our limits")
    declined = financing_services.deal_express_interest(actor=other_institution_user,
                                                        request_id=request_for.pk, message="Us too.")
    financing_services.deal_transition(actor=enterprise_user, deal_id=declined.pk, to_stage="declined",
                                       comment="Terms too tight")

    first = deal_entries(deal)
    assert [(b["data"]["from"], b["data"]["to"]) for b in first] == [
        ("", "interest"), ("interest", "accepted"), ("accepted", "declined")]
    rows = list(LedgerEntry.objects.filter(subject_type="financing.deal", subject_id=str(deal.pk)).order_by("id"))
    assert proves(rows[0], first[0]["documents"], "We can lend.")
    assert proves(rows[1], first[1]["documents"], SECRET_WORDS)
    assert proves(rows[2], first[2]["documents"], "Outside our limits")
    second = deal_entries(declined)
    assert [(b["data"]["from"], b["data"]["to"]) for b in second] == [("", "interest"), ("interest", "declined")]
    declined_rows = list(LedgerEntry.objects.filter(subject_type="financing.deal",
                                                    subject_id=str(declined.pk)).order_by("id"))
    assert proves(declined_rows[1], second[1]["documents"], "Terms too tight")
    assert second[0]["parties"][1]["registration_number"] == other_institution_user.organisation.institution.licence_number
    events = DealEvent.objects.order_by("id")
    assert [e.reference for e in entries("deal.stage_changed")] == [f"financing.dealevent:{e.pk}" for e in events]
    for entry in entries():
        assert_no_personal_data(entry, institution_user, enterprise_user, other_institution_user,
                                texts=(SECRET_WORDS, "Terms too tight", "We can lend.", "Outside our limits"))


def test_a_refused_transition_writes_nothing(enterprise_user: Any, institution_user: Any, request_for: Any) -> None:
    from bayfin.common.errors import ValidationFailed

    deal = financing_services.deal_express_interest(actor=institution_user, request_id=request_for.pk,
                                                    message="Hello")
    with pytest.raises(ValidationFailed):  # declining needs a reason
        financing_services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="declined")
    assert len(entries()) == 1


def test_the_whole_flow_is_integrated_signed_and_audits_clean(institution_user: Any, enterprise_user: Any,
                                                             request_for: Any, ledger_keys: Any,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deal = financing_services.deal_express_interest(actor=institution_user, request_id=request_for.pk,
                                                        message="We can lend.")
    with django_capture_on_commit_callbacks(execute=True):
        financing_services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted")
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == [0, 1]
    assert SignedCheckpoint.objects.filter(size=1).exists()  # the first checkpoint was due at once
    assert ledger_services.audit().ok
