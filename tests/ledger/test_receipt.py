"""Receipts: built from a MemoryTree and a generated log key they verify offline; tampering
with any part (entry, proof hash, index, checkpoint, signature, key) is refused with the reason;
witness requirements are enforced; consistency between two signed checkpoints is checked."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bayfin.ledger.entries import build_entry
from bayfin.ledger.receipt import (
    FORMAT,
    ReceiptError,
    make_receipt,
    parse_proof_lines,
    verify_consistency_text,
    verify_receipt,
)
from bayfin.ledger.tlog import note
from bayfin.ledger.tlog.cosignature import CosignatureError
from bayfin.ledger.tlog.merkle import ProofError, leaf_hash
from bayfin.ledger.tlog.note import NoteError
from bayfin.ledger.tlog.proof import ProofFormatError, TlogProof
from tests.ledger.test_proof import ORIGIN, Log, witness

AT = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def ledger_entry(i: int) -> bytes:
    return build_entry(
        kind="deal.stage_changed",
        subject_type="deal",
        subject_id=str(100 + i),
        parties=[
            {"role": "enterprise", "registration_number": f"9144030{i:04d}"},
            {"role": "institution", "registration_number": "MO-000123"},
        ],
        at=AT + timedelta(minutes=i),
        data={"stage": "signed", "note": "澳門"},
        documents=[leaf_hash(bytes([i])).hex()],
        amounts=[(Decimal("2500000.00"), "CNY")],
    )


def ledger(n: int = 13) -> Log:
    return Log([ledger_entry(i) for i in range(n)])


def receipt_for(log: Log, index: int, **proof_kwargs: Any) -> str:
    return make_receipt(
        log.entries[index],
        log.proof(index, **proof_kwargs),
        origin=log.origin,
        verifier_key=log.vkey,
    )


@pytest.fixture
def log() -> Log:
    return ledger()


def _edit(receipt: str, **changes: Any) -> str:
    obj = json.loads(receipt)
    for key, value in changes.items():
        if key.startswith("log_"):
            obj["log"][key[4:]] = value
        else:
            obj[key] = value
    return json.dumps(obj, sort_keys=True, indent=2) + "\n"


# --- the envelope ----------------------------------------------------------------------------


def test_receipt_layout(log: Log) -> None:
    text = receipt_for(log, 7)
    assert text.endswith("}\n")
    assert text.isascii()
    obj = json.loads(text)
    assert list(obj) == ["entry", "format", "leaf_hash", "log", "proof"]
    assert obj["format"] == FORMAT == "bayfin-receipt/v1"
    assert obj["log"] == {"origin": ORIGIN, "verifier_key": log.vkey}
    assert obj["entry"].encode("utf-8") == log.entries[7]
    assert obj["leaf_hash"] == leaf_hash(log.entries[7]).hex()
    assert TlogProof.parse(obj["proof"]) == log.proof(7)
    assert text == json.dumps(obj, sort_keys=True, indent=2) + "\n"


def test_make_receipt_refuses_bad_input(log: Log) -> None:
    with pytest.raises(ValueError, match="missing"):
        make_receipt(b'{"v":1}', log.proof(0), origin=ORIGIN, verifier_key=log.vkey)
    with pytest.raises(ProofFormatError):
        make_receipt(log.entries[0], "not a proof", origin=ORIGIN, verifier_key=log.vkey)
    with pytest.raises(NoteError):
        make_receipt(log.entries[0], log.proof(0), origin=ORIGIN, verifier_key="nonsense")
    # The proof as text is accepted too.
    text = make_receipt(log.entries[0], log.proof(0).format(), origin=ORIGIN, verifier_key=log.vkey)
    assert text == receipt_for(log, 0)


# --- verification ----------------------------------------------------------------------------


def test_every_receipt_verifies(log: Log) -> None:
    for index in range(log.tree.size):
        verified = verify_receipt(receipt_for(log, index), trusted_log_key=log.vkey)
        assert verified.index == index
        assert verified.entry["subject"] == {"type": "deal", "id": str(100 + index)}
        assert verified.entry_bytes == log.entries[index]
        assert verified.checkpoint == log.checkpoint()
        assert verified.signed_by == ORIGIN
        assert verified.cosigned_by == ()


def test_receipt_at_an_older_checkpoint_verifies(log: Log) -> None:
    verified = verify_receipt(receipt_for(log, 2, size=5), trusted_log_key=log.vkey)
    assert verified.checkpoint.size == 5
    assert verify_receipt(receipt_for(log, 2, size=5).encode(), trusted_log_key=log.vkey)


def test_tampering_any_byte_of_the_entry_is_refused(log: Log) -> None:
    receipt = receipt_for(log, 4)
    entry = json.loads(receipt)["entry"]
    for i in range(len(entry)):
        ch = entry[i]
        changed = entry[:i] + ("A" if ch != "A" else "B") + entry[i + 1 :]
        with pytest.raises(ReceiptError, match="does not hash to the receipt's leaf_hash"):
            verify_receipt(_edit(receipt, entry=changed), trusted_log_key=log.vkey)


def test_tampered_entry_with_its_leaf_hash_is_refused_by_the_proof(log: Log) -> None:
    receipt = receipt_for(log, 4)
    other = ledger_entry(99)
    changed = _edit(receipt, entry=other.decode(), leaf_hash=leaf_hash(other).hex())
    with pytest.raises(ProofError, match="different root"):
        verify_receipt(changed, trusted_log_key=log.vkey)
    # Another genuine entry of the same log, under this entry's proof.
    sibling = log.entries[5]
    changed = _edit(receipt, entry=sibling.decode(), leaf_hash=leaf_hash(sibling).hex())
    with pytest.raises(ProofError, match="different root"):
        verify_receipt(changed, trusted_log_key=log.vkey)


def _proof_text(receipt: str) -> str:
    return str(json.loads(receipt)["proof"])


def test_tampered_proof_hash_is_refused(log: Log) -> None:
    receipt = receipt_for(log, 4)
    proof = TlogProof.parse(_proof_text(receipt))
    for i, h in enumerate(proof.hashes):
        hashes = list(proof.hashes)
        hashes[i] = h[:-1] + bytes([h[-1] ^ 0x80])
        changed = TlogProof(proof.index, hashes, proof.checkpoint_note).format()
        with pytest.raises(ProofError, match="different root"):
            verify_receipt(_edit(receipt, proof=changed), trusted_log_key=log.vkey)


def test_tampered_proof_text_is_refused_as_malformed(log: Log) -> None:
    receipt = receipt_for(log, 4)
    text = _proof_text(receipt)
    with pytest.raises(ProofFormatError, match="leading zeros"):
        verify_receipt(
            _edit(receipt, proof=text.replace("index 4", "index 04")), trusted_log_key=log.vkey
        )
    with pytest.raises(ProofFormatError, match="carriage return"):
        verify_receipt(_edit(receipt, proof=text.replace("\n", "\r\n")), trusted_log_key=log.vkey)


def test_tampered_index_is_refused(log: Log) -> None:
    receipt = receipt_for(log, 4)
    text = _proof_text(receipt)
    for index in ("5", "3", "12"):
        with pytest.raises(ProofError):
            verify_receipt(
                _edit(receipt, proof=text.replace("index 4", f"index {index}")),
                trusted_log_key=log.vkey,
            )
    with pytest.raises(ProofError, match="not below the tree size 13"):
        verify_receipt(
            _edit(receipt, proof=text.replace("index 4", "index 13")), trusted_log_key=log.vkey
        )


def test_tampered_checkpoint_size_root_or_signature_is_refused(log: Log) -> None:
    receipt = receipt_for(log, 4)
    text = _proof_text(receipt)
    root = base64.b64encode(log.checkpoint().root_hash).decode()
    other_root = base64.b64encode(bytes(32)).decode()
    sig_line = text.rstrip("\n").rsplit("\n", 1)[1]
    prefix, payload = sig_line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[10] ^= 1
    bad_sig = f"{prefix} {base64.b64encode(bytes(raw)).decode()}"
    for old, new in (
        (f"{ORIGIN}\n13\n", f"{ORIGIN}\n14\n"),
        (f"{ORIGIN}\n13\n", f"{ORIGIN}\n12\n"),
        (root, other_root),
        (sig_line, bad_sig),
    ):
        assert old in text
        with pytest.raises(NoteError, match="invalid signature from known key"):
            verify_receipt(_edit(receipt, proof=text.replace(old, new)), trusted_log_key=log.vkey)


def test_wrong_trusted_key_is_refused(log: Log) -> None:
    receipt = receipt_for(log, 4)
    other = ledger()  # another key, same origin and entries
    with pytest.raises(ReceiptError, match="names log key .* not the trusted key"):
        verify_receipt(receipt, trusted_log_key=other.vkey)


def test_receipt_naming_the_trusted_key_but_signed_by_another_is_refused(log: Log) -> None:
    forger = ledger()
    forged = _edit(receipt_for(forger, 4), log_verifier_key=log.vkey)
    with pytest.raises(NoteError, match="no signature from a known key"):
        verify_receipt(forged, trusted_log_key=log.vkey)


def test_receipt_verifier_key_is_only_informational(log: Log) -> None:
    receipt = receipt_for(log, 4)
    with pytest.raises(ReceiptError, match="log.verifier_key is malformed"):
        verify_receipt(_edit(receipt, log_verifier_key="x+00000000+AAAA"), trusted_log_key=log.vkey)
    with pytest.raises(NoteError):
        verify_receipt(receipt, trusted_log_key="not a key")


def test_origin_is_checked(log: Log) -> None:
    receipt = receipt_for(log, 4)
    with pytest.raises(ReceiptError, match="is for log"):
        verify_receipt(receipt, trusted_log_key=log.vkey, origin="other.example/log")
    with pytest.raises(NoteError, match="not 'other.example/log'"):
        verify_receipt(_edit(receipt, log_origin="other.example/log"), trusted_log_key=log.vkey)
    assert verify_receipt(receipt, trusted_log_key=log.vkey, origin=ORIGIN).index == 4


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.replace(FORMAT, "bayfin-receipt/v2"), "not a bayfin-receipt/v1"),
        (lambda r: "[]", "a JSON object"),
        (lambda r: "{", "not JSON"),
        (lambda r: r.replace('"format"', '"extra": 1, "format"'), "exactly the keys"),
        (lambda r: r.replace('"format"', '"entry": "x", "format"'), "duplicate key 'entry'"),
        (lambda r: _edit(r, leaf_hash="AB" * 32), "64 lowercase"),
        (lambda r: _edit(r, log={"origin": ORIGIN}), "exactly origin and verifier_key"),
        (lambda r: _edit(r, entry={"v": 1}), "entry is a string"),
        (lambda r: _edit(r, proof=None), "proof is a string"),
    ],
)
def test_malformed_receipts_are_refused(log: Log, change, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReceiptError, match=reason):
        verify_receipt(change(receipt_for(log, 4)), trusted_log_key=log.vkey)


def test_non_utf8_receipt_is_refused(log: Log) -> None:
    with pytest.raises(ReceiptError, match="UTF-8"):
        verify_receipt(receipt_for(log, 4).encode() + b"\xff", trusted_log_key=log.vkey)


def test_a_logged_non_entry_is_refused_after_the_proof_verifies() -> None:
    log = Log([b"not json", b"{}"])
    for index, body in enumerate(log.entries):
        obj = {
            "entry": body.decode(),
            "format": FORMAT,
            "leaf_hash": leaf_hash(body).hex(),
            "log": {"origin": ORIGIN, "verifier_key": log.vkey},
            "proof": log.proof(index).format(),
        }
        with pytest.raises(ReceiptError, match="not a valid ledger entry"):
            verify_receipt(json.dumps(obj), trusted_log_key=log.vkey)


# --- witnesses -------------------------------------------------------------------------------


def test_witness_requirement_is_enforced(log: Log) -> None:
    w1, w2 = witness("w1.example"), witness("w2.example")
    keys = [w1.verifier().vkey(), w2.verifier().vkey()]
    cosigned = receipt_for(log, 4, witnesses=[w1])
    verified = verify_receipt(
        cosigned, trusted_log_key=log.vkey, witness_keys=keys, min_cosignatures=1
    )
    assert [name for name, _ in verified.cosigned_by] == ["w1.example"]
    with pytest.raises(CosignatureError, match="1 trusted witness cosignature.*2 required"):
        verify_receipt(cosigned, trusted_log_key=log.vkey, witness_keys=keys, min_cosignatures=2)
    with pytest.raises(CosignatureError, match="0 trusted witness"):
        verify_receipt(
            receipt_for(log, 4), trusted_log_key=log.vkey, witness_keys=keys, min_cosignatures=1
        )
    both = receipt_for(log, 4, witnesses=[w1, w2])
    verified = verify_receipt(both, trusted_log_key=log.vkey, witness_keys=keys, min_cosignatures=2)
    assert len(verified.cosigned_by) == 2


def test_tampered_cosignature_is_refused(log: Log) -> None:
    w1 = witness("w1.example")
    receipt = receipt_for(log, 4, witnesses=[w1])
    text = _proof_text(receipt)
    line = text.rstrip("\n").rsplit("\n", 1)[1]
    prefix, payload = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-5] ^= 1
    changed = text.replace(line, f"{prefix} {base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(CosignatureError, match="invalid signature"):
        verify_receipt(
            _edit(receipt, proof=changed),
            trusted_log_key=log.vkey,
            witness_keys=[w1.verifier().vkey()],
        )


def test_witness_keys_must_be_cosignature_keys(log: Log) -> None:
    with pytest.raises(NoteError, match="wrong signature type 0x01"):
        verify_receipt(receipt_for(log, 4), trusted_log_key=log.vkey, witness_keys=[log.vkey])


def test_impossible_witness_policy_is_refused(log: Log) -> None:
    with pytest.raises(ValueError, match="only 0 witness keys"):
        verify_receipt(receipt_for(log, 4), trusted_log_key=log.vkey, min_cosignatures=1)


# --- consistency -----------------------------------------------------------------------------


def _lines(hashes: list[bytes]) -> str:
    return "".join(base64.b64encode(h).decode() + "\n" for h in hashes)


def test_consistency_between_two_signed_checkpoints(log: Log) -> None:
    for old in range(1, 14):
        for new in range(old, 14):
            result = verify_consistency_text(
                log.signed_checkpoint(old),
                log.signed_checkpoint(new).encode(),
                _lines(log.tree.consistency_proof(old, new)),
                log.vkey,
            )
            assert (result.old.size, result.new.size) == (old, new)
            assert result.signed_by == ORIGIN


def test_consistency_proof_file_without_final_newline(log: Log) -> None:
    text = _lines(log.tree.consistency_proof(5, 13)).rstrip("\n")
    verify_consistency_text(log.signed_checkpoint(5), log.signed_checkpoint(13), text, log.vkey)


def test_inconsistent_or_tampered_consistency_is_refused(log: Log) -> None:
    proof = log.tree.consistency_proof(5, 13)
    old, new = log.signed_checkpoint(5), log.signed_checkpoint(13)
    tampered = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    with pytest.raises(ProofError, match="different root"):
        verify_consistency_text(old, new, _lines(tampered), log.vkey)
    with pytest.raises(ProofError, match="below size1"):
        verify_consistency_text(new, old, _lines(proof), log.vkey)
    # A forked log: same key, another history.
    fork = Log([*log.entries[:4], b"rewritten", *log.entries[5:]])
    fork.signer = log.signer
    with pytest.raises(ProofError):
        verify_consistency_text(
            old, fork.signed_checkpoint(13), _lines(fork.tree.consistency_proof(5, 13)), log.vkey
        )
    with pytest.raises(ProofError, match="equal sizes but different roots"):
        verify_consistency_text(old, fork.signed_checkpoint(5), "", log.vkey)


def test_consistency_refuses_untrusted_or_mixed_checkpoints(log: Log) -> None:
    proof = _lines(log.tree.consistency_proof(5, 13))
    other = ledger()
    with pytest.raises(NoteError, match="new checkpoint: no signature from a known key"):
        verify_consistency_text(
            log.signed_checkpoint(5), other.signed_checkpoint(13), proof, log.vkey
        )
    body = log.signed_checkpoint(5).replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError, match="old checkpoint: invalid signature"):
        verify_consistency_text(body, log.signed_checkpoint(13), proof, log.vkey)
    elsewhere = Log(log.entries, origin="other.example/log")
    elsewhere.signer = note.Ed25519Signer("bayfin.example/ledger", log.signer.private_key)
    with pytest.raises(ReceiptError, match="checkpoints of two logs"):
        verify_consistency_text(
            log.signed_checkpoint(5), elsewhere.signed_checkpoint(13), proof, log.vkey
        )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AAAA\n", "is 3 bytes"),
        ("not base64!\n", "not base64"),
        (base64.b64encode(bytes(32)).decode() + "\r\n", "carriage return"),
        (base64.b64encode(bytes(32)).decode() + "\n\n", "line 2 is empty"),
        ("\n" + base64.b64encode(bytes(32)).decode(), "line 1 is empty"),
        (base64.b64encode(bytes(32)).decode()[:-2] + "B=", "canonical"),
    ],
)
def test_malformed_consistency_proof_files_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ReceiptError, match=reason):
        parse_proof_lines(text)


def test_empty_proof_file_is_the_empty_proof() -> None:
    assert parse_proof_lines("") == []
    assert parse_proof_lines("\n") == []
