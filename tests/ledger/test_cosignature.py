"""Witness cosignatures (cosignature/v1) and the witness's consistency rule."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bayfin.ledger.tlog import cosignature as cs
from bayfin.ledger.tlog import note
from bayfin.ledger.tlog.checkpoint import Checkpoint, CheckpointError
from bayfin.ledger.tlog.cosignature import CosignatureError

DASH = "\u2014"
ORIGIN = "log.example/bayfin"
T = 1679315147


def _witness(name: str = "witness.example/w1") -> cs.WitnessSigner:
    return cs.WitnessSigner(name, Ed25519PrivateKey.generate())


def _log() -> note.Ed25519Signer:
    return note.Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())


def _body(size: int = 5, root: bytes = bytes(range(32))) -> str:
    return Checkpoint(ORIGIN, size, root).format()


def _payload(line: str) -> bytes:
    return base64.b64decode(line.rstrip("\n").rsplit(" ", 1)[1])


def test_spec_example_line_has_the_specified_layout() -> None:
    # The tlog-cosignature example: key ID, then the u64 timestamp of its example message.
    raw = base64.b64decode(
        "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    )
    sig = note.Signature("witness.example.com/w1", raw[:4], raw[4:])
    assert len(raw) == 4 + 8 + 64
    assert cs.cosignature_time(sig) == T


def test_signed_message_is_as_specified() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cs.cosigned_message(body, T) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_key_id_uses_signature_type_4() -> None:
    w = _witness()
    expected = hashlib.sha256(w.name.encode() + b"\n\x04" + w.public_bytes()).digest()[:4]
    assert w.key_id == expected == w.verifier().key_id
    assert w.verifier().vkey().split("+")[1] == expected.hex()


def test_cosign_line_layout_and_verification() -> None:
    w, log = _witness(), _log()
    body = _body()
    line = cs.cosign(body, w, T)
    assert line.startswith(f"{DASH} {w.name} ") and line.endswith("\n")
    raw = _payload(line)
    assert raw[:4] == w.key_id
    assert int.from_bytes(raw[4:12], "big") == T
    assert len(raw) == 76
    signed = note.sign(body, [log]) + line
    assert cs.verify_cosignature(signed, w.verifier()) == T
    opened = note.open_note(signed, [log.verifier(), w.verifier()])
    assert len(opened.verified) == 2


def test_cosignature_fails_when_the_checkpoint_changes() -> None:
    w, log = _witness(), _log()
    line = cs.cosign(_body(5), w, T)
    other = note.sign(_body(6), [log]) + line
    with pytest.raises(CosignatureError, match="invalid signature"):
        cs.verify_cosignature(other, w.verifier())
    other_root = note.sign(_body(5, bytes(32)), [log]) + line
    with pytest.raises(CosignatureError, match="invalid signature"):
        cs.verify_cosignature(other_root, w.verifier())


def test_cosignature_fails_when_the_time_changes() -> None:
    w, log = _witness(), _log()
    line = cs.cosign(_body(), w, T)
    raw = bytearray(_payload(line))
    raw[11] ^= 0x01
    changed = f"{DASH} {w.name} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(CosignatureError, match="invalid signature"):
        cs.verify_cosignature(note.sign(_body(), [log]) + changed, w.verifier())


def test_cosignature_fails_with_another_key() -> None:
    w, log = _witness(), _log()
    signed = note.sign(_body(), [log]) + cs.cosign(_body(), w, T)
    with pytest.raises(CosignatureError, match="no signature from a known key"):
        cs.verify_cosignature(signed, _witness().verifier())
    impostor = _witness().verifier()
    object.__setattr__(impostor, "name", w.name)
    object.__setattr__(impostor, "key_id", w.key_id)
    with pytest.raises(CosignatureError, match="invalid signature"):
        cs.verify_cosignature(signed, impostor)


def test_a_note_key_does_not_verify_a_cosignature_of_the_same_key() -> None:
    # The same Ed25519 key as a plain note signer has another key ID (type 0x01 vs 0x04).
    w = _witness()
    as_note_key = note.Ed25519Verifier(w.name, w.public_bytes())
    assert as_note_key.key_id != w.key_id
    signed = note.sign(_body(), [_log()]) + cs.cosign(_body(), w, T)
    with pytest.raises(note.NoteError, match="no signature from a known key"):
        note.open_note(signed, [as_note_key])


def test_cosign_refuses_bad_inputs() -> None:
    w = _witness()
    with pytest.raises(CheckpointError):
        cs.cosign("not a checkpoint\n", w, T)
    with pytest.raises(CosignatureError, match="2\\^63"):
        cs.cosign(_body(), w, 2**63)
    with pytest.raises(CosignatureError, match="2\\^63"):
        cs.cosign(_body(), w, -1)


def test_verify_cosignature_refuses_a_cosigned_non_checkpoint() -> None:
    w = _witness()
    text = "just text\n"
    line = note.Signature(
        w.name, w.key_id, (T).to_bytes(8, "big") + w.private_key.sign(cs.cosigned_message(text, T))
    ).line()
    with pytest.raises(CheckpointError):
        cs.verify_cosignature(text + "\n" + line, w.verifier())


def test_witness_key_strings_round_trip_and_refuse_note_keys() -> None:
    skey, vkey = cs.generate_witness_key("witness.example/w1")
    signer = cs.parse_witness_signer_key(skey)
    assert signer.verifier() == cs.parse_witness_verifier_key(vkey)
    note_skey, note_vkey = note.generate_signer_key("witness.example/w1")
    with pytest.raises(note.NoteError, match="wrong signature type 0x01"):
        cs.parse_witness_verifier_key(note_vkey)
    with pytest.raises(note.NoteError, match="wrong signature type 0x01"):
        cs.parse_witness_signer_key(note_skey)
    name, kid, b64 = vkey.split("+", 2)
    with pytest.raises(CosignatureError, match="key ID does not match"):
        cs.parse_witness_verifier_key(f"{name}+{int(kid, 16) ^ 1:08x}+{b64}")


# --- the witness -------------------------------------------------------------------------


class RecordingCheck:
    """A stand-in for merkle.verify_consistency: raises unless told the proof is good."""

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.calls: list[tuple[int, int, Sequence[bytes], bytes, bytes]] = []

    def __call__(
        self, size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
    ) -> None:
        self.calls.append((size1, size2, proof, root1, root2))
        if not self.ok:
            raise ValueError("proof does not verify")


def test_witness_checks_consistency_from_the_last_cosigned_checkpoint() -> None:
    w, log = _witness(), _log()
    check = RecordingCheck()
    witness = cs.Witness(w, log.verifier(), ORIGIN, check)
    first = note.sign(_body(3, bytes([1]) * 32), [log])
    line = witness.cosign(first, [], T)
    assert cs.verify_cosignature(first + line, w.verifier()) == T
    assert check.calls == []  # nothing to be consistent with yet
    second = note.sign(_body(7, bytes([2]) * 32), [log])
    witness.cosign(second, [b"p" * 32], T + 1)
    assert check.calls == [(3, 7, [b"p" * 32], bytes([1]) * 32, bytes([2]) * 32)]
    assert witness.last == Checkpoint(ORIGIN, 7, bytes([2]) * 32)


def test_witness_refuses_a_failed_proof_and_keeps_its_state() -> None:
    w, log = _witness(), _log()
    last = Checkpoint(ORIGIN, 3, bytes(32))
    witness = cs.Witness(w, log.verifier(), ORIGIN, RecordingCheck(ok=False), last)
    with pytest.raises(CosignatureError, match="consistency proof refused"):
        witness.cosign(note.sign(_body(7), [log]), [b"p" * 32], T)
    assert witness.last == last
    falsy = cs.Witness(w, log.verifier(), ORIGIN, lambda *args: False, last)
    with pytest.raises(CosignatureError, match="does not verify"):
        falsy.cosign(note.sign(_body(7), [log]), [b"p" * 32], T)


def test_witness_refuses_rollback_fork_other_log_and_unsigned() -> None:
    w, log = _witness(), _log()
    last = Checkpoint(ORIGIN, 5, bytes(32))
    witness = cs.Witness(w, log.verifier(), ORIGIN, RecordingCheck(), last)
    with pytest.raises(CosignatureError, match="smaller"):
        witness.cosign(note.sign(_body(4), [log]), [], T)
    with pytest.raises(CosignatureError, match="different root"):
        witness.cosign(note.sign(_body(5, bytes([9]) * 32), [log]), [], T)
    assert witness.cosign(note.sign(_body(5, bytes(32)), [log]), [], T)  # same head again
    other = Checkpoint("other.example/log", 6, bytes(32)).format()
    with pytest.raises(CosignatureError, match="another log"):
        witness.cosign(note.sign(other, [log]), [], T)
    with pytest.raises(note.NoteError, match="no signature from a known key"):
        witness.cosign(note.sign(_body(6), [_log()]), [], T)
