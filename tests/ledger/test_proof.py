"""C2SP tlog-proof: the exact text format, every malformation refused, and verification against
a log key, an origin, witnesses and the inclusion proof, each tampering refused with its reason.

``Log`` (a MemoryTree, a generated log key, optional witnesses) is shared with the receipt and
command-line tests."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bayfin.ledger.tlog import cosignature as cs
from bayfin.ledger.tlog import note
from bayfin.ledger.tlog.checkpoint import Checkpoint
from bayfin.ledger.tlog.cosignature import CosignatureError
from bayfin.ledger.tlog.merkle import MemoryTree, ProofError
from bayfin.ledger.tlog.note import NoteError
from bayfin.ledger.tlog.proof import (
    HEADER,
    MAX_INDEX,
    ProofFormatError,
    TlogProof,
    check_tlog_proof,
    verify_tlog_proof,
)

ORIGIN = "bayfin.example/ledger"
DASH = "\u2014"
T = 1_700_000_000


class Log:
    """A small log for tests: entries in a MemoryTree, a fresh Ed25519 log key, witnesses."""

    def __init__(self, entries: Sequence[bytes] = (), origin: str = ORIGIN) -> None:
        self.origin = origin
        self.signer = note.Ed25519Signer(origin, Ed25519PrivateKey.generate())
        self.tree = MemoryTree.from_entries(list(entries))
        self.entries = list(entries)

    @property
    def verifier(self) -> note.Ed25519Verifier:
        return self.signer.verifier()

    @property
    def vkey(self) -> str:
        return self.verifier.vkey()

    def append(self, entry: bytes) -> int:
        self.entries.append(entry)
        return self.tree.append(entry)

    def checkpoint(self, size: int | None = None) -> Checkpoint:
        size = self.tree.size if size is None else size
        return Checkpoint(self.origin, size, self.tree.root(size))

    def signed_checkpoint(
        self, size: int | None = None, witnesses: Sequence[cs.WitnessSigner] = ()
    ) -> str:
        body = self.checkpoint(size).format()
        signed = note.sign(body, [self.signer])
        return note.add_signature_lines(signed, [cs.cosign(body, w, T) for w in witnesses])

    def proof(
        self,
        index: int,
        size: int | None = None,
        witnesses: Sequence[cs.WitnessSigner] = (),
        extra: bytes | None = None,
    ) -> TlogProof:
        size = self.tree.size if size is None else size
        return TlogProof(
            index,
            self.tree.inclusion_proof(index, size),
            self.signed_checkpoint(size, witnesses),
            extra,
        )


def witness(name: str = "witness.example/w1") -> cs.WitnessSigner:
    return cs.WitnessSigner(name, Ed25519PrivateKey.generate())


def entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


@pytest.fixture
def log() -> Log:
    return Log(entries(11))


# --- the text format -------------------------------------------------------------------------


def test_format_is_as_specified(log: Log) -> None:
    proof = log.proof(5, extra=b"context")
    text = proof.format()
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra " + base64.b64encode(b"context").decode()
    assert lines[2] == "index 5"
    hashes = log.tree.inclusion_proof(5)
    assert lines[3 : 3 + len(hashes)] == [base64.b64encode(h).decode() for h in hashes]
    assert lines[3 + len(hashes)] == ""
    assert text.endswith("\n\n" + log.signed_checkpoint())
    assert text.split("\n\n", 1)[1] == log.signed_checkpoint()


def test_round_trip_with_and_without_extra_and_hashes(log: Log) -> None:
    for proof in (log.proof(0), log.proof(10, extra=b"\x00\xff"), Log([b"only"]).proof(0)):
        text = proof.format()
        assert TlogProof.parse(text) == proof
        assert TlogProof.parse(text.encode()) == proof
        assert TlogProof.parse(text).format() == text
    assert Log([b"only"]).proof(0).hashes == ()
    assert "extra" not in log.proof(0).format()


def test_round_trip_keeps_cosignatures_verbatim(log: Log) -> None:
    proof = log.proof(3, witnesses=[witness("w1.example"), witness("w2.example")])
    parsed = TlogProof.parse(proof.format())
    assert parsed.checkpoint_note == proof.checkpoint_note
    assert parsed.checkpoint_note.count(DASH) == 3


def _valid_text(log: Log) -> str:
    return log.proof(5, extra=b"x").format()


def _replace_line(text: str, number: int, line: str) -> str:
    lines = text.split("\n")
    lines[number] = line
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t.replace(HEADER, "c2sp.org/tlog-proof@v2", 1), "first line"),
        (lambda t: t.replace(HEADER, HEADER + " ", 1), "first line"),
        (lambda t: "\n" + t, "first line"),
        (lambda t: t.replace("extra ", "extra", 1), "'extra', a space"),
        (lambda t: t.replace("extra eA==", "extra eA", 1), "not base64"),
        (lambda t: t.replace("extra eA==", "extra eB==", 1), "not canonical base64"),
        (lambda t: t.replace("extra eA==", "extra ", 1), "no data"),
        (lambda t: t.replace("index 5", "index 05", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index +5", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index -5", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index 5 ", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index  5", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index ５", 1), "leading zeros"),
        (lambda t: t.replace("index 5", "index", 1), "index line is missing"),
        (lambda t: t.replace("index 5", "Index 5", 1), "index line is missing"),
        (lambda t: t.replace("index 5", f"index {MAX_INDEX + 1}", 1), "above"),
        (lambda t: t.replace("\nindex 5\n", "\n", 1), "index line is missing"),
        (lambda t: t.replace("\n\n", "\n", 1), "empty line before the checkpoint"),
        (lambda t: t.replace("\n", "\r\n"), "carriage return"),
        (lambda t: t.replace("index 5", "index 5\r", 1), "carriage return"),
        (lambda t: t.split("\n\n", 1)[0] + "\n\n", "empty line before the checkpoint"),
        (lambda t: t.split("\n\n", 1)[0], "no empty line"),
    ],
)
def test_malformed_proofs_are_refused(log: Log, change, reason: str) -> None:  # type: ignore[no-untyped-def]
    text = _valid_text(log)
    changed = change(text)
    assert changed != text
    with pytest.raises(ProofFormatError, match=reason):
        TlogProof.parse(changed)


def test_malformed_hash_lines_are_refused(log: Log) -> None:
    text = _valid_text(log)
    first = base64.b64encode(log.tree.inclusion_proof(5)[0]).decode()
    assert first in text
    cases = {
        first[:-2] + "=": "not base64",  # wrong padding
        first.rstrip("="): "not base64",  # missing padding
        first[:-2] + chr(ord(first[-2]) ^ 1) + "=": "canonical",  # non-zero trailing bits
        " " + first: "not base64",
        first + " ": "not base64",
        base64.b64encode(b"\x01" * 31).decode(): "is 31 bytes",
        base64.b64encode(b"\x01" * 33).decode(): "is 33 bytes",
        base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode(): "not base64",  # URL-safe alphabet
        "": "empty line",  # a blank line among the hashes
    }
    for line, reason in cases.items():
        changed = text.replace(first, line, 1)
        with pytest.raises(ProofFormatError, match=reason if line else "checkpoint"):
            TlogProof.parse(changed)


def test_too_many_hashes_are_refused(log: Log) -> None:
    h = base64.b64encode(bytes(32)).decode()
    text = _replace_line(_valid_text(log), 2, "index 5\n" + "\n".join([h] * 65))
    with pytest.raises(ProofFormatError, match="more than 64"):
        TlogProof.parse(text)


def test_checkpoint_must_be_a_signed_checkpoint(log: Log) -> None:
    head = _valid_text(log).split("\n\n", 1)[0]
    unsigned = log.checkpoint().format()
    with pytest.raises(ProofFormatError, match="empty line before the checkpoint"):
        TlogProof.parse(head + "\n\n" + unsigned)
    not_a_checkpoint = note.sign("hello\n", [log.signer])
    with pytest.raises(ProofFormatError, match="checkpoint is malformed"):
        TlogProof.parse(head + "\n\n" + not_a_checkpoint)
    bad_signature_line = log.signed_checkpoint().replace(f"{DASH} ", "- ", 1)
    with pytest.raises(ProofFormatError, match="not a signed note"):
        TlogProof.parse(head + "\n\n" + bad_signature_line)
    with pytest.raises(ProofFormatError, match="not a signed note"):
        TlogProof.parse(head + "\n\n" + log.signed_checkpoint().rstrip("\n"))
    with pytest.raises(ProofFormatError, match="not a signed note"):
        TlogProof.parse(head + "\n\n" + log.signed_checkpoint() + "\n")


def test_non_utf8_is_refused(log: Log) -> None:
    with pytest.raises(ProofFormatError, match="UTF-8"):
        TlogProof.parse(_valid_text(log).encode() + b"\xff")


def test_constructor_refuses_what_could_not_be_written(log: Log) -> None:
    note_text = log.signed_checkpoint()
    with pytest.raises(ProofFormatError, match="index"):
        TlogProof(-1, [], note_text)
    with pytest.raises(ProofFormatError, match="index"):
        TlogProof(MAX_INDEX + 1, [], note_text)
    with pytest.raises(ProofFormatError, match="index"):
        TlogProof(True, [], note_text)  # noqa: FBT003
    with pytest.raises(ProofFormatError, match="proof hash 1"):
        TlogProof(0, [bytes(32), bytes(31)], note_text)
    with pytest.raises(ProofFormatError, match="extra"):
        TlogProof(0, [], note_text, b"")
    with pytest.raises(ProofFormatError, match="carriage return"):
        TlogProof(0, [], note_text.replace("\n", "\r\n"))
    with pytest.raises(ProofFormatError, match="more than 64"):
        TlogProof(0, [bytes(32)] * 65, note_text)
    assert TlogProof(MAX_INDEX, [], note_text).format().count(f"index {MAX_INDEX}\n") == 1


def test_proof_format_error_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError) as info:
        TlogProof.parse("nonsense")
    assert isinstance(info.value, ProofFormatError)
    assert info.value.reason


# --- verification ----------------------------------------------------------------------------


def test_every_entry_verifies_at_every_size() -> None:
    log = Log(entries(9))
    for size in range(1, 10):
        for index in range(size):
            proof = TlogProof.parse(log.proof(index, size).format())
            checkpoint = verify_tlog_proof(proof, log.entries[index], log.verifier, ORIGIN)
            assert checkpoint == log.checkpoint(size)


def test_check_reports_what_was_established(log: Log) -> None:
    result = check_tlog_proof(log.proof(4), log.entries[4], log.verifier, ORIGIN)
    assert result.index == 4
    assert result.signed_by == ORIGIN
    assert result.cosigned_by == ()
    assert result.checkpoint.size == 11


def test_tampered_entry_is_refused(log: Log) -> None:
    with pytest.raises(ProofError, match="different root"):
        verify_tlog_proof(log.proof(4), b"entry 4 ", log.verifier, ORIGIN)
    with pytest.raises(ProofError, match="different root"):
        verify_tlog_proof(log.proof(4), log.entries[5], log.verifier, ORIGIN)


def test_tampered_proof_hash_is_refused(log: Log) -> None:
    proof = log.proof(4)
    for i in range(len(proof.hashes)):
        hashes = list(proof.hashes)
        hashes[i] = bytes([hashes[i][0] ^ 1]) + hashes[i][1:]
        changed = TlogProof(proof.index, hashes, proof.checkpoint_note)
        with pytest.raises(ProofError, match="different root"):
            verify_tlog_proof(changed, log.entries[4], log.verifier, ORIGIN)
    with pytest.raises(ProofError, match="shorter"):
        verify_tlog_proof(
            TlogProof(4, proof.hashes[:-1], proof.checkpoint_note),
            log.entries[4],
            log.verifier,
            ORIGIN,
        )
    with pytest.raises(ProofError, match="longer"):
        verify_tlog_proof(
            TlogProof(4, (*proof.hashes, bytes(32)), proof.checkpoint_note),
            log.entries[4],
            log.verifier,
            ORIGIN,
        )


def test_tampered_index_is_refused(log: Log) -> None:
    proof = log.proof(4)
    for index in (5, 6, 0, 10):
        with pytest.raises(ProofError):
            verify_tlog_proof(
                TlogProof(index, proof.hashes, proof.checkpoint_note),
                log.entries[4],
                log.verifier,
                ORIGIN,
            )
    with pytest.raises(ProofError, match="not below the tree size"):
        verify_tlog_proof(
            TlogProof(11, proof.hashes, proof.checkpoint_note), log.entries[4], log.verifier, ORIGIN
        )


def _edit_body(signed: str, old: str, new: str) -> str:
    body, sigs = signed.split("\n\n", 1)
    assert old in body
    return body.replace(old, new, 1) + "\n\n" + sigs


def test_tampered_checkpoint_size_or_root_is_refused(log: Log) -> None:
    proof = log.proof(4)
    cp = log.checkpoint()
    root = base64.b64encode(cp.root_hash).decode()
    other_root = base64.b64encode(bytes([cp.root_hash[0] ^ 1]) + cp.root_hash[1:]).decode()
    for old, new in (("\n11\n", "\n12\n"), (root, other_root)):
        changed = TlogProof(4, proof.hashes, _edit_body(proof.checkpoint_note, old, new))
        with pytest.raises(NoteError, match="invalid signature"):
            verify_tlog_proof(changed, log.entries[4], log.verifier, ORIGIN)


def test_proof_against_another_honest_checkpoint_is_refused(log: Log) -> None:
    # The log really signed size 10, but the proof is for size 11: the path is wrong.
    proof = TlogProof(4, log.tree.inclusion_proof(4, 11), log.signed_checkpoint(10))
    with pytest.raises(ProofError):
        verify_tlog_proof(proof, log.entries[4], log.verifier, ORIGIN)


def test_tampered_signature_is_refused(log: Log) -> None:
    proof = log.proof(4)
    body, sig = proof.checkpoint_note.split("\n\n", 1)
    prefix, payload = sig.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    changed_note = f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        verify_tlog_proof(
            TlogProof(4, proof.hashes, changed_note), log.entries[4], log.verifier, ORIGIN
        )


def test_checkpoint_signed_by_another_key_is_refused(log: Log) -> None:
    forger = Log(log.entries)  # same origin and tree, another key
    with pytest.raises(NoteError, match="no signature from a known key"):
        verify_tlog_proof(forger.proof(4), log.entries[4], log.verifier, ORIGIN)


def test_wrong_origin_is_refused(log: Log) -> None:
    with pytest.raises(NoteError, match="not 'other.example/log'"):
        verify_tlog_proof(log.proof(4), log.entries[4], log.verifier, "other.example/log")
    other = Log(log.entries, origin="other.example/log")
    other.signer = log.signer  # the same key signing another log's checkpoint
    with pytest.raises(NoteError, match="of log 'other.example/log'"):
        verify_tlog_proof(other.proof(4), log.entries[4], log.verifier, ORIGIN)


# --- witnesses -------------------------------------------------------------------------------


def test_witness_cosignatures_counted_when_required(log: Log) -> None:
    w1, w2 = witness("w1.example"), witness("w2.example")
    proof = log.proof(4, witnesses=[w1, w2])
    result = check_tlog_proof(
        proof, log.entries[4], log.verifier, ORIGIN, [w1.verifier(), w2.verifier()], 2
    )
    assert result.cosigned_by == (("w1.example", T), ("w2.example", T))
    assert verify_tlog_proof(proof, log.entries[4], log.verifier, ORIGIN) == log.checkpoint()


def test_missing_cosignature_refused_only_when_required(log: Log) -> None:
    w1, w2 = witness("w1.example"), witness("w2.example")
    proof = log.proof(4, witnesses=[w1])
    verifiers = [w1.verifier(), w2.verifier()]
    assert check_tlog_proof(
        proof, log.entries[4], log.verifier, ORIGIN, verifiers, 1
    ).cosigned_by == (("w1.example", T),)
    with pytest.raises(CosignatureError, match="1 trusted witness cosignature"):
        verify_tlog_proof(proof, log.entries[4], log.verifier, ORIGIN, verifiers, 2)
    with pytest.raises(CosignatureError, match="0 trusted witness"):
        verify_tlog_proof(log.proof(4), log.entries[4], log.verifier, ORIGIN, verifiers, 1)


def test_cosignature_of_an_untrusted_witness_does_not_count(log: Log) -> None:
    proof = log.proof(4, witnesses=[witness("w1.example")])
    impostor_key = witness("w1.example").verifier()
    with pytest.raises(CosignatureError, match="0 trusted witness"):
        verify_tlog_proof(proof, log.entries[4], log.verifier, ORIGIN, [impostor_key], 1)


def test_bad_cosignature_from_a_trusted_witness_is_refused(log: Log) -> None:
    w1 = witness("w1.example")
    proof = log.proof(4, witnesses=[w1])
    lines = proof.checkpoint_note.split("\n")
    prefix, payload = lines[-2].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    lines[-2] = f"{prefix} {base64.b64encode(bytes(raw)).decode()}"
    changed = TlogProof(4, proof.hashes, "\n".join(lines))
    with pytest.raises(CosignatureError, match="invalid signature"):
        verify_tlog_proof(changed, log.entries[4], log.verifier, ORIGIN, [w1.verifier()], 0)
    # Without trusting that witness the log's signature alone still stands.
    assert verify_tlog_proof(changed, log.entries[4], log.verifier, ORIGIN)


def test_cosignature_of_another_checkpoint_is_refused(log: Log) -> None:
    w1 = witness("w1.example")
    stale = cs.cosign(log.checkpoint(10).format(), w1, T)
    note_text = note.add_signature_lines(log.signed_checkpoint(), [stale])
    proof = TlogProof(4, log.tree.inclusion_proof(4), note_text)
    with pytest.raises(CosignatureError, match="invalid signature"):
        verify_tlog_proof(proof, log.entries[4], log.verifier, ORIGIN, [w1.verifier()], 1)


def test_impossible_policy_is_a_value_error(log: Log) -> None:
    with pytest.raises(ValueError, match="only 0 witness keys"):
        verify_tlog_proof(log.proof(4), log.entries[4], log.verifier, ORIGIN, [], 1)
    with pytest.raises(ValueError, match="non-negative"):
        verify_tlog_proof(log.proof(4), log.entries[4], log.verifier, ORIGIN, [], -1)


# --- properties ------------------------------------------------------------------------------

_SIGNER = note.Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())


@settings(max_examples=150, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=MAX_INDEX),
    hashes=st.lists(st.binary(min_size=32, max_size=32), max_size=64),
    extra=st.one_of(st.none(), st.binary(min_size=1, max_size=200)),
    size=st.integers(min_value=0, max_value=2**63),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.sampled_from(["ext one", "Ext 2", "x"]), max_size=2),
)
def test_any_proof_round_trips(
    index: int,
    hashes: list[bytes],
    extra: bytes | None,
    size: int,
    root: bytes,
    extensions: list[str],
) -> None:
    body = Checkpoint(ORIGIN, size, root, tuple(extensions)).format()
    proof = TlogProof(index, hashes, note.sign(body, [_SIGNER]), extra)
    text = proof.format()
    assert TlogProof.parse(text) == proof
    assert TlogProof.parse(text).format() == text


_PROP_LOG = Log(entries(70))


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_inclusion_verifies_and_any_bit_flip_in_the_proof_fails(data: st.DataObject) -> None:
    log = _PROP_LOG
    size = data.draw(st.integers(min_value=1, max_value=log.tree.size))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = TlogProof.parse(log.proof(index, size).format())
    verify_tlog_proof(proof, log.entries[index], log.verifier, ORIGIN)
    if proof.hashes:
        i = data.draw(st.integers(min_value=0, max_value=len(proof.hashes) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=255))
        h = bytearray(proof.hashes[i])
        h[bit // 8] ^= 1 << (bit % 8)
        hashes = list(proof.hashes)
        hashes[i] = bytes(h)
        with pytest.raises(ProofError):
            verify_tlog_proof(
                TlogProof(index, hashes, proof.checkpoint_note),
                log.entries[index],
                log.verifier,
                ORIGIN,
            )
