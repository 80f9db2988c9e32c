"""C2SP transparency log proofs (c2sp.org/tlog-proof, ``c2sp.org/tlog-proof@v1``).

A tlog-proof is everything needed to check offline that an entry is in the log: the entry's
index, its RFC 6962 inclusion proof, and the log's signed checkpoint (with any witness
cosignatures), in one text::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, opaque, NOT authenticated)
    index <decimal>
    <base64 SHA-256>          (zero or more: the inclusion proof, leaf's sibling first)
    <empty line>
    <the signed checkpoint note, verbatim>

Like the checkpoint and the note, the text has exactly one form per proof: :meth:`TlogProof.parse`
refuses everything :meth:`TlogProof.format` would not have written (non-canonical base64, leading
zeros, a carriage return, a missing blank line...) rather than repairing it, so that what a
party keeps is byte for byte what the log served.

Parsing checks the shape only; :func:`verify_tlog_proof` is what makes a proof mean something:
the checkpoint must be signed by the key the reader trusts, name the origin the reader expects,
carry the cosignatures the reader's policy requires, and the inclusion proof must lead from the
entry's leaf hash to the checkpoint's root.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint
from .cosignature import CosignatureError, WitnessVerifier, verify_cosignature
from .merkle import HASH_SIZE, leaf_hash, verify_inclusion
from .note import NoteError, Verifier, open_note, parse_note

__all__ = [
    "HEADER",
    "MAX_INDEX",
    "MAX_PROOF_HASHES",
    "ProofFormatError",
    "TlogProof",
    "VerifiedProof",
    "check_tlog_proof",
    "verify_tlog_proof",
]

HEADER = "c2sp.org/tlog-proof@v1"
"""The first line of every v1 proof."""

MAX_INDEX = 2**64 - 1
"""Indices are unsigned 64-bit, as in every tlog implementation."""

MAX_PROOF_HASHES = 64
"""A tree of at most 2^64 leaves has inclusion proofs of at most 64 hashes; more is an attack."""

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class ProofFormatError(ValueError):
    """A tlog-proof text was refused; ``reason`` says why, for the person checking."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64decode(text: str, what: str) -> bytes:
    """Standard base64 with padding, refusing any text a re-encoding would not reproduce."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ProofFormatError(f"{what} is not base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ProofFormatError(f"{what} is not canonical base64")
    return raw


@dataclass(frozen=True)
class TlogProof:
    """A tlog-proof: entry ``index``, inclusion proof ``hashes`` (leaf's sibling first), the
    signed ``checkpoint_note`` verbatim, and optional unauthenticated ``extra`` bytes."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def __init__(
        self,
        index: int,
        hashes: Sequence[bytes],
        checkpoint_note: str,
        extra: bytes | None = None,
    ) -> None:
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "hashes", tuple(hashes))
        object.__setattr__(self, "checkpoint_note", checkpoint_note)
        object.__setattr__(self, "extra", extra)
        self._check()

    def _check(self) -> None:
        index = self.index
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
            raise ProofFormatError(f"the index is an integer between 0 and {MAX_INDEX}")
        if len(self.hashes) > MAX_PROOF_HASHES:
            raise ProofFormatError(f"more than {MAX_PROOF_HASHES} proof hashes")
        for i, h in enumerate(self.hashes):
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise ProofFormatError(f"proof hash {i} is not {HASH_SIZE} bytes")
        if self.extra is not None and (not isinstance(self.extra, bytes) or not self.extra):
            raise ProofFormatError("extra data, when present, is non-empty bytes")
        if not isinstance(self.checkpoint_note, str):
            raise ProofFormatError("the checkpoint note is text")
        if "\r" in self.checkpoint_note:
            raise ProofFormatError("a proof contains no carriage return")
        try:
            body, _ = parse_note(self.checkpoint_note)
        except NoteError as exc:
            raise ProofFormatError(f"the checkpoint is not a signed note: {exc.reason}") from exc
        try:
            Checkpoint.parse(body)
        except NoteError as exc:
            raise ProofFormatError(f"the checkpoint is malformed: {exc.reason}") from exc

    def format(self) -> str:
        """The proof text; :meth:`parse` gives back an equal proof."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode("ascii"))
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode("ascii") for h in self.hashes)
        return "".join(line + "\n" for line in lines) + "\n" + self.checkpoint_note

    @classmethod
    def parse(cls, text: str | bytes) -> TlogProof:
        """Read a proof text strictly; raises :class:`ProofFormatError` with the reason."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProofFormatError("a proof is UTF-8 text") from exc
        if "\r" in text:
            raise ProofFormatError("a proof contains no carriage return")
        split = text.find("\n\n")
        if split < 0:
            raise ProofFormatError("no empty line between the proof and the checkpoint")
        head, note = text[:split].split("\n"), text[split + 2 :]
        if head[0] != HEADER:
            raise ProofFormatError(f"the first line is not {HEADER}")
        if "\n\n" not in note:
            raise ProofFormatError(
                "a proof has an empty line before the checkpoint and one before its signatures"
            )
        pos = 1
        extra = None
        if pos < len(head) and head[pos].startswith("extra"):
            if not head[pos].startswith("extra "):
                raise ProofFormatError("the extra line is 'extra', a space and base64")
            extra = _b64decode(head[pos][len("extra ") :], "the extra data")
            if not extra:
                raise ProofFormatError("an extra line with no data")
            pos += 1
        if pos >= len(head) or not head[pos].startswith("index "):
            raise ProofFormatError("the index line is missing")
        digits = head[pos][len("index ") :]
        if not _DECIMAL.fullmatch(digits):
            raise ProofFormatError("the index is a decimal number without leading zeros")
        index = int(digits)
        if index > MAX_INDEX:
            raise ProofFormatError(f"the index is above {MAX_INDEX}")
        hash_lines = head[pos + 1 :]
        if len(hash_lines) > MAX_PROOF_HASHES:
            raise ProofFormatError(f"more than {MAX_PROOF_HASHES} proof hashes")
        hashes = []
        for i, line in enumerate(hash_lines):
            h = _b64decode(line, f"proof hash {i}")
            if len(h) != HASH_SIZE:
                raise ProofFormatError(f"proof hash {i} is {len(h)} bytes, not {HASH_SIZE}")
            hashes.append(h)
        if not note:
            raise ProofFormatError("the checkpoint is missing")
        return cls(index, hashes, note, extra)


@dataclass(frozen=True)
class VerifiedProof:
    """What a verified proof establishes: the checkpoint the log signed (``signed_by``, the log
    key's name), the witnesses whose cosignatures verified (name and cosigned time), and the
    entry's index."""

    checkpoint: Checkpoint
    index: int
    signed_by: str
    cosigned_by: tuple[tuple[str, int], ...]


def check_tlog_proof(
    proof: TlogProof,
    entry: bytes,
    log_verifier: Verifier,
    origin: str,
    witnesses: Sequence[WitnessVerifier] = (),
    min_cosignatures: int = 0,
) -> VerifiedProof:
    """Verify ``proof`` for ``entry`` against the reader's policy and say what it established.

    In order: the checkpoint note must carry a valid signature of ``log_verifier`` (the key the
    reader trusts, never one named by the proof); its body must be a checkpoint of ``origin``;
    every witness in ``witnesses`` that has a cosignature line must have a valid one (a bad
    cosignature from a trusted witness means tampering, as a bad log signature does), and at
    least ``min_cosignatures`` of them must have cosigned; then the inclusion proof must lead from
    the entry's leaf hash at ``proof.index`` to the checkpoint's root. Raises ``NoteError`` (or
    its ``CheckpointError``/``CosignatureError``) or ``ProofError``, each with the reason.
    """
    if isinstance(min_cosignatures, bool) or min_cosignatures < 0:
        raise ValueError("min_cosignatures is a non-negative integer")
    if min_cosignatures > len(witnesses):
        raise ValueError(
            f"{min_cosignatures} cosignatures required but only {len(witnesses)} witness keys given"
        )
    opened = open_note(proof.checkpoint_note, [log_verifier])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
    _, signatures = parse_note(proof.checkpoint_note)
    present = {(s.name, s.key_id) for s in signatures}
    cosigned: list[tuple[str, int]] = []
    for witness in witnesses:
        if (witness.name, witness.key_id) not in present:
            continue
        cosigned.append((witness.name, verify_cosignature(proof.checkpoint_note, witness)))
    if len(cosigned) < min_cosignatures:
        raise CosignatureError(
            f"{len(cosigned)} trusted witness cosignature(s), {min_cosignatures} required"
        )
    verify_inclusion(
        leaf_hash(entry), proof.index, checkpoint.size, proof.hashes, checkpoint.root_hash
    )
    return VerifiedProof(checkpoint, proof.index, opened.verified[0].name, tuple(cosigned))


def verify_tlog_proof(
    proof: TlogProof,
    entry: bytes,
    log_verifier: Verifier,
    origin: str,
    witnesses: Sequence[WitnessVerifier] = (),
    min_cosignatures: int = 0,
) -> Checkpoint:
    """:func:`check_tlog_proof`, returning only the verified checkpoint."""
    return check_tlog_proof(
        proof, entry, log_verifier, origin, witnesses, min_cosignatures
    ).checkpoint
