"""Receipts: the one file a party downloads to prove, offline, that an entry is in the log.

A receipt (``<something>.bayfin-receipt.json``) is a JSON object, keys sorted, 2-space indent,
ASCII only (non-ASCII characters escaped), ending in a newline::

    {
      "entry": "{\\"amounts\\":[],\\"at\\":\\"2025-01-31T09:30:00.000000Z\\",...}",
      "format": "bayfin-receipt/v1",
      "leaf_hash": "<64 lowercase hex: SHA-256(0x00 || entry bytes)>",
      "log": {
        "origin": "<the log's origin, first line of its checkpoints>",
        "verifier_key": "<the log's signed-note verifier key, name+keyid+base64>"
      },
      "proof": "c2sp.org/tlog-proof@v1\\nindex 41\\n...\\n\\n<signed checkpoint>"
    }

``entry`` is the entry's RFC 8785 canonical JSON *as a string*: its UTF-8 encoding is exactly the
bytes that were hashed into the tree (a JSON object there would be re-serialised by whoever
reads it, and the hash would no longer match). ``proof`` is a C2SP tlog-proof (index, inclusion
proof, the signed checkpoint with any witness cosignatures). ``leaf_hash`` is a convenience for
looking the entry up; it is checked against the entry.

``log.verifier_key`` is informational only: a receipt cannot vouch for itself. Verification uses
the key the verifier already trusts (from the platform's public page, or a colleague), and a
receipt naming another key is refused, so a forged receipt signed with a forger's key says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .entries import parse_entry
from .tlog.checkpoint import Checkpoint
from .tlog.cosignature import parse_witness_verifier_key
from .tlog.merkle import HASH_SIZE, leaf_hash, verify_consistency
from .tlog.note import NoteError, open_note, parse_verifier_key
from .tlog.proof import TlogProof, check_tlog_proof

__all__ = [
    "FORMAT",
    "FILE_SUFFIX",
    "ReceiptError",
    "VerifiedConsistency",
    "VerifiedReceipt",
    "make_receipt",
    "parse_proof_lines",
    "verify_consistency_text",
    "verify_receipt",
]

FORMAT = "bayfin-receipt/v1"
FILE_SUFFIX = ".bayfin-receipt.json"

_RECEIPT_KEYS = frozenset({"format", "log", "entry", "leaf_hash", "proof"})
_LOG_KEYS = frozenset({"origin", "verifier_key"})
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class ReceiptError(ValueError):
    """A receipt (or consistency input) was refused; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_receipt(entry: bytes, proof: TlogProof | str, *, origin: str, verifier_key: str) -> str:
    """The receipt JSON for ``entry`` with its tlog-proof ``proof``.

    The entry must be a valid ledger entry and the proof well formed (a receipt the platform
    serves must verify); whether the proof is *true* is for the verifier to find out.
    """
    parse_entry(entry)
    if isinstance(proof, str):
        proof = TlogProof.parse(proof)
    parse_verifier_key(verifier_key)
    receipt = {
        "format": FORMAT,
        "log": {"origin": origin, "verifier_key": verifier_key},
        "entry": entry.decode("utf-8"),
        "leaf_hash": leaf_hash(entry).hex(),
        "proof": proof.format(),
    }
    return json.dumps(receipt, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a verified receipt establishes: ``entry`` (decoded) is at ``index`` in the tree of
    ``checkpoint``, signed by the log key named ``signed_by`` and cosigned by the trusted
    witnesses in ``cosigned_by`` (name, cosigned time in Unix seconds)."""

    entry: dict[str, Any]
    index: int
    checkpoint: Checkpoint
    entry_bytes: bytes
    signed_by: str
    cosigned_by: tuple[tuple[str, int], ...] = ()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ReceiptError(f"duplicate key {k!r} in the receipt")
        out[k] = v
    return out


def _load(text: str | bytes) -> dict[str, Any]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReceiptError("a receipt is UTF-8 JSON") from exc
    try:
        receipt = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"not JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(receipt, dict):
        raise ReceiptError("a receipt is a JSON object")
    if receipt.get("format") != FORMAT:
        raise ReceiptError(f"not a {FORMAT} receipt (format {receipt.get('format')!r})")
    if set(receipt) != _RECEIPT_KEYS:
        raise ReceiptError(f"a receipt has exactly the keys {', '.join(sorted(_RECEIPT_KEYS))}")
    log = receipt["log"]
    if not isinstance(log, dict) or set(log) != _LOG_KEYS:
        raise ReceiptError("log has exactly origin and verifier_key")
    for key, value in (
        ("log.origin", log["origin"]),
        ("log.verifier_key", log["verifier_key"]),
        ("entry", receipt["entry"]),
        ("leaf_hash", receipt["leaf_hash"]),
        ("proof", receipt["proof"]),
    ):
        if not isinstance(value, str):
            raise ReceiptError(f"{key} is a string")
    if not _HEX_SHA256.fullmatch(receipt["leaf_hash"]):
        raise ReceiptError("leaf_hash is 64 lowercase hexadecimal digits")
    return receipt


def verify_receipt(
    text: str | bytes,
    *,
    trusted_log_key: str,
    witness_keys: Sequence[str] = (),
    min_cosignatures: int = 0,
    origin: str | None = None,
) -> VerifiedReceipt:
    """Verify a receipt against the keys the verifier trusts; raises with the reason.

    ``trusted_log_key`` is the log's verifier key as the verifier knows it; the receipt must name
    the same key. ``origin`` defaults to the receipt's (the trusted key only signs checkpoints of
    its own log, and the checkpoint's origin must match). ``witness_keys`` are cosignature
    verifier keys (type 0x04); at least ``min_cosignatures`` of them must have cosigned. Raises
    :class:`ReceiptError`, ``ProofFormatError`` (a ``ValueError``), ``NoteError`` (also a
    ``ValueError``) or ``ProofError``, each with a ``reason``; ``ValueError`` for a bad policy.
    """
    receipt = _load(text)
    trusted = parse_verifier_key(trusted_log_key)
    witnesses = [parse_witness_verifier_key(k) for k in witness_keys]
    try:
        named = parse_verifier_key(receipt["log"]["verifier_key"])
    except NoteError as exc:
        raise ReceiptError(f"the receipt's log.verifier_key is malformed: {exc.reason}") from exc
    if (named.name, named.public_key) != (trusted.name, trusted.public_key):
        raise ReceiptError(
            f"the receipt names log key {named.vkey()}, not the trusted key {trusted.vkey()}"
        )
    expected_origin = receipt["log"]["origin"] if origin is None else origin
    if receipt["log"]["origin"] != expected_origin:
        raise ReceiptError(
            f"the receipt is for log {receipt['log']['origin']!r}, not {expected_origin!r}"
        )
    proof = TlogProof.parse(receipt["proof"])
    entry_bytes = receipt["entry"].encode("utf-8")
    if leaf_hash(entry_bytes).hex() != receipt["leaf_hash"]:
        raise ReceiptError("the entry does not hash to the receipt's leaf_hash")
    verified = check_tlog_proof(
        proof, entry_bytes, trusted, expected_origin, witnesses, min_cosignatures
    )
    try:
        entry = parse_entry(entry_bytes)
    except ValueError as exc:
        raise ReceiptError(f"the logged entry is not a valid ledger entry: {exc}") from exc
    return VerifiedReceipt(
        entry=entry,
        index=verified.index,
        checkpoint=verified.checkpoint,
        entry_bytes=entry_bytes,
        signed_by=verified.signed_by,
        cosigned_by=verified.cosigned_by,
    )


def parse_proof_lines(text: str) -> list[bytes]:
    """A consistency proof file: base64 SHA-256 hashes, one per line (the final newline
    optional; no empty or extra lines, no carriage returns). Empty text is the empty proof."""
    if "\r" in text:
        raise ReceiptError("the proof contains a carriage return")
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return []
    hashes = []
    for i, line in enumerate(text.split("\n")):
        if not line:
            raise ReceiptError(f"proof line {i + 1} is empty")
        try:
            raw = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise ReceiptError(f"proof line {i + 1} is not base64") from exc
        if base64.b64encode(raw).decode("ascii") != line:
            raise ReceiptError(f"proof line {i + 1} is not canonical base64")
        if len(raw) != HASH_SIZE:
            raise ReceiptError(f"proof line {i + 1} is {len(raw)} bytes, not {HASH_SIZE}")
        hashes.append(raw)
    return hashes


@dataclass(frozen=True)
class VerifiedConsistency:
    """Two checkpoints of one log, signed by the trusted key, the old a prefix of the new."""

    old: Checkpoint
    new: Checkpoint
    signed_by: str


def verify_consistency_text(
    old_note: str | bytes, new_note: str | bytes, proof_lines: str, trusted_log_key: str
) -> VerifiedConsistency:
    """Check two signed checkpoints and the consistency proof between them.

    Both notes must be signed by the trusted key and be checkpoints of the same origin; then the
    RFC 9162 consistency proof must show the old tree is a prefix of the new one. Raises with the
    reason (``NoteError``, ``ProofError``, :class:`ReceiptError`); returns what was established.
    """
    trusted = parse_verifier_key(trusted_log_key)
    checkpoints = []
    for which, note in (("old", old_note), ("new", new_note)):
        try:
            opened = open_note(note, [trusted])
            checkpoints.append(Checkpoint.parse(opened.text))
        except NoteError as exc:
            raise NoteError(f"{which} checkpoint: {exc.reason}") from exc
    old, new = checkpoints
    if old.origin != new.origin:
        raise ReceiptError(f"checkpoints of two logs: {old.origin!r} and {new.origin!r}")
    verify_consistency(
        old.size, new.size, parse_proof_lines(proof_lines), old.root_hash, new.root_hash
    )
    return VerifiedConsistency(old, new, trusted.name)
