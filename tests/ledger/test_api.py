"""The ledger API: checkpoints, inclusion and consistency proofs and the keys for any signed-in
user; an entry and its receipt for the parties to it and operators (others 404). Hashes are
base64 (hex for leaf hashes) and every answer is checked with the verifier's own functions: a
downloaded receipt verifies offline against the log key, proofs lead to the signed roots.

The key files live in tmp_path (tests/ledger/conftest.py); entries are written through the
financing and accounts services' own ledger arguments, then integrated and checkpointed.
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from bayfin.financing.services import deal_event_entry
from bayfin.financing.transitions import DealStage
from bayfin.ledger import services
from bayfin.ledger.models import LedgerEntry, SignedCheckpoint
from bayfin.ledger.receipt import ReceiptError, verify_receipt
from bayfin.ledger.tlog.checkpoint import Checkpoint
from bayfin.ledger.tlog.merkle import verify_consistency, verify_inclusion
from bayfin.ledger.tlog.note import open_note, parse_verifier_key
from bayfin.ledger.tlog.proof import TlogProof
from tests.factories import DealEventFactory, DealFactory, FinancingRequestFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ledger"
MAX = 2**63 - 1


# --------------------------------------------------------------------------- helpers (shared with test_views)


def record_deal_event(enterprise: Any, institution: Any, *, to_stage: str = DealStage.INTEREST,
                      deal: Any = None) -> tuple[Any, Any]:
    """A deal (or the next step of ``deal``) and its history row, recorded in the ledger's
    outbox exactly as the financing service records it."""
    if deal is None:
        deal = DealFactory(request=FinancingRequestFactory(enterprise=enterprise), institution=institution)
        event = DealEventFactory(deal=deal, from_stage="", to_stage=to_stage)
    else:
        event = DealEventFactory(deal=deal, from_stage=deal.stage, to_stage=to_stage)
        deal.stage = to_stage
        deal.save(update_fields=["stage"])
    services.ledger_record(**deal_event_entry(deal, event))
    return deal, event


def integrate_and_sign() -> SignedCheckpoint:
    services.integrate()
    checkpoint = services.checkpoint_if_due(force=True)
    assert checkpoint is not None
    return checkpoint


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@pytest.fixture
def logged(ledger_keys: Any, enterprise: Any, institution: Any, other_enterprise: Any,
           other_institution: Any) -> SimpleNamespace:
    """Three entries and two checkpoints: A-X's interest (index 0) at size 1, then A-X's
    acceptance (1) and B-Y's interest (2) at size 3."""
    deal, first = record_deal_event(enterprise, institution)
    small = integrate_and_sign()
    _deal, second = record_deal_event(enterprise, institution, deal=deal, to_stage=DealStage.ACCEPTED)
    other_deal, other = record_deal_event(other_enterprise, other_institution)
    big = integrate_and_sign()
    return SimpleNamespace(deal=deal, events=[first, second, other], other_deal=other_deal, small=small, big=big,
                           vkey=ledger_keys.verifier_key)


def get(client: Any, url: str) -> Any:
    return client.get(url)


def error_fields(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    return dict(body["fields"])


# --------------------------------------------------------------------------- checkpoints


def test_latest_checkpoint_is_the_newest_signed_note(api_for: Any, observer_user: Any, logged: Any) -> None:
    response = api_for(observer_user).get(f"{BASE}/checkpoints/latest")
    assert response.status_code == 200
    data = response.json()
    assert data["size"] == 3 and data["cosigned"] is False
    assert data["root_hash"] == b64(bytes(logged.big.root_hash)) and data["note"] == logged.big.note
    opened = open_note(data["note"], [parse_verifier_key(logged.vkey)])
    checkpoint = Checkpoint.parse(opened.text)
    assert (checkpoint.size, b64(checkpoint.root_hash)) == (3, data["root_hash"])
    assert data["created_at"]


def test_checkpoint_by_size(api_for: Any, enterprise_user: Any, logged: Any) -> None:
    response = api_for(enterprise_user).get(f"{BASE}/checkpoints/1")
    assert response.status_code == 200
    assert response.json()["note"] == logged.small.note and response.json()["size"] == 1


def test_no_checkpoint_yet_is_404(api_for: Any, enterprise_user: Any, ledger_keys: Any) -> None:
    client = api_for(enterprise_user)
    latest = client.get(f"{BASE}/checkpoints/latest")
    assert latest.status_code == 404 and latest.json()["code"] == "not_found"
    assert client.get(f"{BASE}/checkpoints/0").status_code == 404


def test_checkpoint_size_refusals(api_for: Any, enterprise_user: Any, logged: Any) -> None:
    client = api_for(enterprise_user)
    assert client.get(f"{BASE}/checkpoints/2").status_code == 404  # never signed at that size
    too_big = client.get(f"{BASE}/checkpoints/{MAX + 1}")
    assert too_big.status_code == 422 and "size" in error_fields(too_big)
    assert client.get(f"{BASE}/checkpoints/-1").status_code == 404  # not a size: no such route


def test_a_witness_cosigned_checkpoint_is_marked(api_for: Any, enterprise_user: Any, enterprise: Any,
                                                 institution: Any, witness_key: Any) -> None:
    record_deal_event(enterprise, institution)
    integrate_and_sign()
    data = api_for(enterprise_user).get(f"{BASE}/checkpoints/latest").json()
    assert data["cosigned"] is True
    assert data["note"].count("\u2014 ") == 2  # the log's signature and the witness's cosignature


# --------------------------------------------------------------------------- inclusion proofs


def test_inclusion_by_index_leads_to_the_signed_root(api_for: Any, observer_user: Any, logged: Any) -> None:
    response = api_for(observer_user).get(f"{BASE}/proofs/inclusion?index=1")
    assert response.status_code == 200
    data = response.json()
    entry = LedgerEntry.objects.get(index=1)
    assert data["index"] == 1 and data["size"] == 3 and data["leaf_hash"] == entry.leaf_hash_hex
    assert data["checkpoint"] == logged.big.note
    hashes = [base64.b64decode(h) for h in data["hashes"]]
    verify_inclusion(bytes.fromhex(data["leaf_hash"]), 1, 3, hashes, bytes(logged.big.root_hash))
    proof = TlogProof.parse(data["tlog_proof"])
    assert (proof.index, list(proof.hashes), proof.checkpoint_note) == (1, hashes, logged.big.note)


def test_inclusion_by_leaf_hash_and_at_an_older_size(api_for: Any, enterprise_user: Any, logged: Any) -> None:
    client = api_for(enterprise_user)
    first = LedgerEntry.objects.get(index=0)
    by_hash = client.get(f"{BASE}/proofs/inclusion?hash={first.leaf_hash_hex.upper()}&size=1")
    assert by_hash.status_code == 200
    data = by_hash.json()
    assert (data["index"], data["size"], data["hashes"], data["checkpoint"]) == (0, 1, [], logged.small.note)
    verify_inclusion(bytes(first.leaf_hash), 0, 1, [], bytes(logged.small.root_hash))


@pytest.mark.parametrize(("query", "field"), [
    ("hash=abc", "hash"),                                   # not 64 hex digits
    ("hash=" + "g" * 64, "hash"),
    ("", "hash"),                                           # neither an index nor a hash
    ("index=-1", "index"),
    (f"index={MAX + 1}", "index"),
    ("index=x", "index"),
    ("index=0&size=-3", "size"),
    ("index=0&size=abc", "size"),
    ("index=0&hash=" + "0" * 64, "hash"),                   # both
])
def test_inclusion_refusals_name_the_field(api_for: Any, enterprise_user: Any, logged: Any, query: str,
                                           field: str) -> None:
    response = api_for(enterprise_user).get(f"{BASE}/proofs/inclusion?{query}")
    assert response.status_code == 422, response.content
    assert field in error_fields(response)


@pytest.mark.parametrize("query", ["index=3", "hash=" + "0" * 64, "index=2&size=1", "index=0&size=2"])
def test_inclusion_of_what_is_not_signed_is_404(api_for: Any, enterprise_user: Any, logged: Any,
                                               query: str) -> None:
    assert api_for(enterprise_user).get(f"{BASE}/proofs/inclusion?{query}").status_code == 404


def test_a_pending_entry_has_no_proof_until_a_checkpoint_covers_it(api_for: Any, enterprise_user: Any,
                                                                  enterprise: Any, institution: Any,
                                                                  logged: Any) -> None:
    record_deal_event(enterprise, institution)
    services.integrate()  # index 3, but the latest checkpoint is still size 3
    assert api_for(enterprise_user).get(f"{BASE}/proofs/inclusion?index=3").status_code == 404


# --------------------------------------------------------------------------- consistency proofs


def test_consistency_between_two_checkpoints(api_for: Any, institution_user: Any, logged: Any) -> None:
    response = api_for(institution_user).get(f"{BASE}/proofs/consistency?old=1&new=3")
    assert response.status_code == 200
    data = response.json()
    assert (data["old"], data["new"]) == (1, 3)
    assert (data["old_checkpoint"], data["new_checkpoint"]) == (logged.small.note, logged.big.note)
    verify_consistency(1, 3, [base64.b64decode(h) for h in data["hashes"]], bytes(logged.small.root_hash),
                       bytes(logged.big.root_hash))


@pytest.mark.parametrize(("query", "status", "field"), [
    ("old=3&new=1", 422, "old"),
    ("old=1", 422, "new"),
    ("new=3", 422, "old"),
    ("old=-1&new=3", 422, "old"),
    (f"old=1&new={MAX + 1}", 422, "new"),
    ("old=one&new=3", 422, "old"),
    ("old=2&new=3", 404, None),  # no checkpoint of size 2
])
def test_consistency_refusals(api_for: Any, enterprise_user: Any, logged: Any, query: str, status: int,
                              field: str | None) -> None:
    response = api_for(enterprise_user).get(f"{BASE}/proofs/consistency?{query}")
    assert response.status_code == status, response.content
    if field:
        assert field in error_fields(response)


# --------------------------------------------------------------------------- entries


@pytest.mark.parametrize("who", ["enterprise_user", "institution_user", "operator_user"])
def test_parties_and_operators_read_an_entry(request: Any, api_for: Any, logged: Any, who: str) -> None:
    response = api_for(request.getfixturevalue(who)).get(f"{BASE}/entries/1")
    assert response.status_code == 200
    data = response.json()
    entry = LedgerEntry.objects.get(index=1)
    assert data["index"] == 1 and data["kind"] == "deal.stage_changed"
    assert data["subject"] == {"type": "financing.deal", "id": str(logged.deal.pk)}
    assert data["body"] == entry.body and data["entry"] == json.loads(entry.body)
    assert data["leaf_hash"] == entry.leaf_hash_hex
    assert data["entry"]["data"]["to"] == DealStage.ACCEPTED
    # The parties get the salt of each hashed text, so they can prove what was written.
    assert data["salts"] == entry.salts
    for document in data["entry"]["documents"]:
        assert document["sha256"] in data["salts"]


@pytest.mark.parametrize("who", ["other_enterprise_user", "other_institution_user", "observer_user"])
def test_others_get_404_for_an_entry_and_its_receipt(request: Any, api_for: Any, logged: Any, who: str) -> None:
    client = api_for(request.getfixturevalue(who))
    for url in (f"{BASE}/entries/0", f"{BASE}/entries/0/receipt"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url


def test_entry_index_refusals(api_for: Any, operator_user: Any, logged: Any) -> None:
    client = api_for(operator_user)
    assert client.get(f"{BASE}/entries/99").status_code == 404
    for url in (f"{BASE}/entries/{MAX + 1}", f"{BASE}/entries/{MAX + 1}/receipt"):
        response = client.get(url)
        assert response.status_code == 422 and "index" in error_fields(response)


# --------------------------------------------------------------------------- receipts


@pytest.mark.parametrize("who", ["enterprise_user", "institution_user", "operator_user"])
def test_a_downloaded_receipt_verifies_offline(request: Any, api_for: Any, logged: Any, who: str) -> None:
    response = api_for(request.getfixturevalue(who)).get(f"{BASE}/entries/1/receipt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="bayfin-entry-1.bayfin-receipt.json"'
    verified = verify_receipt(response.content, trusted_log_key=logged.vkey)
    assert verified.index == 1 and verified.checkpoint.size == 3
    assert verified.entry["subject"] == {"type": "financing.deal", "id": str(logged.deal.pk)}
    assert verified.entry_bytes == LedgerEntry.objects.get(index=1).body.encode()


def test_a_tampered_receipt_is_refused(api_for: Any, enterprise_user: Any, logged: Any) -> None:
    receipt = json.loads(api_for(enterprise_user).get(f"{BASE}/entries/0/receipt").content)
    receipt["entry"] = receipt["entry"].replace('"interest"', '"accepted"')
    with pytest.raises(ReceiptError):
        verify_receipt(json.dumps(receipt), trusted_log_key=logged.vkey)


def test_a_cosigned_receipt_satisfies_a_witness_policy(api_for: Any, enterprise_user: Any, enterprise: Any,
                                                      institution: Any, witness_key: Any, ledger_keys: Any) -> None:
    record_deal_event(enterprise, institution)
    integrate_and_sign()
    text = api_for(enterprise_user).get(f"{BASE}/entries/0/receipt").content
    verified = verify_receipt(text, trusted_log_key=ledger_keys.verifier_key,
                              witness_keys=[witness_key.verifier_key], min_cosignatures=1)
    assert len(verified.cosigned_by) == 1


def test_no_receipt_before_a_checkpoint_covers_the_entry(api_for: Any, enterprise_user: Any, enterprise: Any,
                                                        institution: Any, ledger_keys: Any) -> None:
    record_deal_event(enterprise, institution)
    client = api_for(enterprise_user)
    assert client.get(f"{BASE}/entries/0/receipt").status_code == 404  # pending
    services.integrate()
    assert client.get(f"{BASE}/entries/0").status_code == 200
    assert client.get(f"{BASE}/entries/0/receipt").status_code == 404  # integrated, not signed
    services.checkpoint_if_due(force=True)
    assert client.get(f"{BASE}/entries/0/receipt").status_code == 200


def test_a_receipt_needs_only_what_was_signed(api_for: Any, enterprise_user: Any, logged: Any,
                                             ledger_keys: Any) -> None:
    """The checkpoint keeps the key that signed it: without the key file a receipt is still made."""
    ledger_keys.path.unlink()
    response = api_for(enterprise_user).get(f"{BASE}/entries/0/receipt")
    assert response.status_code == 200
    assert verify_receipt(response.content, trusted_log_key=logged.vkey).index == 0


def test_a_verification_decision_has_a_receipt_for_the_organisation(
        api_for: Any, operator_user: Any, pending_enterprise: Any, pending_enterprise_user: Any,
        enterprise_user: Any, ledger_keys: Any) -> None:
    from bayfin.accounts.services import organisation_verify

    organisation_verify(actor=operator_user, organisation_id=pending_enterprise.organisation_id)
    integrate_and_sign()
    response = api_for(pending_enterprise_user).get(f"{BASE}/entries/0/receipt")
    assert response.status_code == 200
    verified = verify_receipt(response.content, trusted_log_key=ledger_keys.verifier_key)
    assert verified.entry["type"] == "organisation.verified"
    assert api_for(operator_user).get(f"{BASE}/entries/0/receipt").status_code == 200
    assert api_for(enterprise_user).get(f"{BASE}/entries/0/receipt").status_code == 404


# --------------------------------------------------------------------------- keys


def test_keys(api_for: Any, observer_user: Any, settings: Any, ledger_keys: Any) -> None:
    data = api_for(observer_user).get(f"{BASE}/keys").json()
    assert data == {"origin": settings.BAYFIN_LEDGER_ORIGIN, "log": ledger_keys.verifier_key, "witness": None}


def test_keys_with_a_witness_and_before_init(api_for: Any, observer_user: Any, settings: Any) -> None:
    client = api_for(observer_user)
    assert client.get(f"{BASE}/keys").json()["log"] is None  # no key yet: nothing to trust
    from bayfin.ledger import keys

    keys.init_log_key()
    witness = keys.init_witness_key(settings.BAYFIN_LEDGER_WITNESS_NAME)
    assert witness is not None
    assert client.get(f"{BASE}/keys").json()["witness"] == witness.verifier_key


# --------------------------------------------------------------------------- anonymous


@pytest.mark.parametrize("path", ["/checkpoints/latest", "/checkpoints/1", "/proofs/inclusion?index=0",
                                  "/proofs/consistency?old=1&new=3", "/entries/0", "/entries/0/receipt", "/keys"])
def test_anonymous_is_401_everywhere_in_the_api(api_for: Any, logged: Any, path: str) -> None:
    response = api_for(None).get(BASE + path)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
