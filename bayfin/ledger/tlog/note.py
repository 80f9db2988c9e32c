"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.

A checkpoint only means something once its signature has been checked against a key the
reader already trusts, so this module is deliberately strict: a note that is not exactly
in the specified shape is refused rather than "repaired", a signature from a known key
that fails makes the whole note fail, and the text is only handed back after at least one
known key has verified it. Signatures from keys the reader does not know are kept (they
may be witness cosignatures for someone else) but never counted as verified.

Key strings follow the common text encoding of signed-note keys:
verifier ``<name>+<hex key id>+<base64(type || public key)>`` and signer
``PRIVATE+KEY+<name>+<hex key id>+<base64(type || private seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

#: Signature type byte of plain Ed25519 note signatures (signed-note, "Signature types").
ALG_ED25519 = 0x01

#: The spec requires accepting at least 16 signatures and recommends a cap; 100 is the cap
#: the reference implementation uses, so notes it accepts are accepted here too.
MAX_SIGNATURES = 100

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"

_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A note, key or signature was refused; ``reason`` says why, for the person checking."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Signer(Protocol):
    """Anything that can add one signature line to a note (a log key, a test double)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes:
        """Return the signature bytes that follow the 4-byte key ID in the signature line."""
        ...


class Verifier(Protocol):
    """A trusted key: its (name, key ID) says which signature lines it must check."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is valid over the note text."""
        ...


def is_valid_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode spaces and no '+' (signed-note,
    "Format"); control characters are refused too, since a note may not contain them."""
    if not name or "+" in name:
        return False
    return not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4], as the spec
    recommends, so that the same key under another name or type gets another ID."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return digest[:4]


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _seed_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _b64decode_strict(text: str) -> bytes:
    """Standard base64 with padding, refusing anything a re-encoding would not reproduce
    (stray characters, missing padding, non-zero trailing bits): one byte string, one text."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise NoteError("invalid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError("non-canonical base64")
    return raw


@dataclass(frozen=True)
class Ed25519Verifier:
    """A trusted Ed25519 key of a given signature type (0x01 for notes, 0x04 for
    witness cosignatures, whose verifier lives in ``cosignature``)."""

    name: str
    public_key: bytes
    alg: int = ALG_ED25519
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "key_id", key_id(self.name, self.alg, self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        """The verifier key string to publish, e.g. on a public page."""
        return verifier_key_string(self.name, self.alg, self.public_key)


@dataclass(frozen=True)
class Ed25519Signer:
    """A private Ed25519 note key; kept in a file, never in the database."""

    name: str
    private_key: Ed25519PrivateKey
    alg: int = ALG_ED25519
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        object.__setattr__(self, "key_id", key_id(self.name, self.alg, self.public_bytes()))

    def public_bytes(self) -> bytes:
        return _public_bytes(self.private_key.public_key())

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.public_bytes(), self.alg)

    def skey(self) -> str:
        """The signer key string, to be written to the key file."""
        seed = _seed_bytes(self.private_key)
        return PRIVATE_KEY_PREFIX + verifier_key_string(self.name, self.alg, seed, self.key_id)


def verifier_key_string(name: str, alg: int, key_material: bytes, kid: bytes | None = None) -> str:
    """``<name>+<hex key id>+<base64(type || key)>``; the key ID is computed from the
    public key unless given (a signer key string carries the seed, not the public key)."""
    if kid is None:
        kid = key_id(name, alg, key_material)
    return f"{name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + key_material).decode('ascii')}"


def split_key_string(text: str, alg: int) -> tuple[str, bytes, bytes]:
    """Name, declared key ID and 32-byte key material of a key string after any prefix."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError("a key string is <name>+<key id>+<key>")
    name, hex_id, b64 = parts
    if not is_valid_name(name):
        raise NoteError(f"invalid key name {name!r}")
    if not _HEX_KEY_ID.fullmatch(hex_id):
        raise NoteError("the key ID is 8 hexadecimal digits")
    raw = _b64decode_strict(b64)
    if len(raw) != 33:
        raise NoteError("an Ed25519 key is one type byte and 32 key bytes")
    if raw[0] != alg:
        raise NoteError(f"wrong signature type 0x{raw[0]:02x}, expected 0x{alg:02x}")
    return name, bytes.fromhex(hex_id), raw[1:]


def parse_verifier_key(vkey: str, alg: int = ALG_ED25519) -> Ed25519Verifier:
    """Read a verifier key string, refusing it unless its key ID matches its name and key
    (a mismatch means a typo or a substituted key, either of which must not be trusted)."""
    name, declared, public = split_key_string(vkey.strip("\n"), alg)
    verifier = Ed25519Verifier(name, public, alg)
    if verifier.key_id != declared:
        raise NoteError("key ID does not match the key name and public key")
    return verifier


def parse_signer_key(skey: str, alg: int = ALG_ED25519) -> Ed25519Signer:
    """Read a signer key string, refusing it if it is malformed or its key ID is wrong."""
    skey = skey.strip("\n")
    if not skey.startswith(PRIVATE_KEY_PREFIX):
        raise NoteError("a signer key starts with PRIVATE+KEY+")
    name, declared, seed = split_key_string(skey[len(PRIVATE_KEY_PREFIX) :], alg)
    signer = Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(seed), alg)
    if signer.key_id != declared:
        raise NoteError("key ID does not match the key name and private key")
    return signer


def generate_signer_key(name: str, alg: int = ALG_ED25519) -> tuple[str, str]:
    """A fresh key pair as (signer key string, verifier key string)."""
    signer = Ed25519Signer(name, Ed25519PrivateKey.generate(), alg)
    return signer.skey(), signer.verifier().vkey()


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the signature bytes after the key ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        payload = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {payload}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text may be trusted: ``verified`` holds at least one signature from a
    known key; ``unverified`` holds the signatures of keys the reader did not supply."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def _check_characters(text: str) -> None:
    for ch in text:
        if ch != "\n" and ord(ch) < 0x20:
            raise NoteError("notes may contain no control character other than newline")


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("the note text must end in a newline")
    _check_characters(text)


def parse_signature_line(line: str) -> Signature:
    """One line without its newline: em dash, space, key name, space, base64."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("a signature line starts with an em dash and a space")
    rest = line[len(SIGNATURE_PREFIX) :]
    parts = rest.split(" ")
    if len(parts) != 2:
        raise NoteError("a signature line is: em dash, key name, base64 signature")
    name, payload = parts
    if not is_valid_name(name):
        raise NoteError(f"invalid key name {name!r} in a signature line")
    raw = _b64decode_strict(payload)
    if len(raw) < 5:
        raise NoteError("a signature is a 4-byte key ID and at least one byte")
    return Signature(name, raw[:4], raw[4:])


def parse_note(note: str | bytes) -> tuple[str, tuple[Signature, ...]]:
    """Split a note into its text and its signature lines without verifying anything;
    the text is only to be trusted through ``open_note``."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("a note must be valid UTF-8") from exc
    _check_characters(note)
    if not note.endswith("\n"):
        raise NoteError("a note ends in a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line separates the text from the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("a note has at least one signature line")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"too many signatures (more than {MAX_SIGNATURES})")
    return text, tuple(parse_signature_line(line) for line in lines)


def open_note(note: str | bytes, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Check a note against the reader's trusted keys and return its text.

    A signature whose (name, key ID) matches a known key must verify, otherwise the whole
    note is refused (the spec's SHOULD, taken as a must: a bad signature from a trusted
    key means tampering); a note with no verified signature is refused (the spec's MUST).
    """
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[Signature] = []
    unverified: list[Signature] = []
    message = text.encode("utf-8")
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        if not verifier.verify(message, sig.signature):
            raise NoteError(f"invalid signature from known key {sig.name}+{sig.key_id.hex()}")
        if sig not in verified:
            verified.append(sig)
    if not verified:
        raise NoteError("no signature from a known key")
    return OpenedNote(text, tuple(verified), tuple(unverified))


def sign(text: str, signers: Sequence[Signer]) -> str:
    """A signed note: the text, a blank line, one signature line per signer."""
    _check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signer")
    if len(signers) > MAX_SIGNATURES:
        raise NoteError(f"too many signatures (more than {MAX_SIGNATURES})")
    message = text.encode("utf-8")
    lines = []
    for signer in signers:
        if not is_valid_name(signer.name) or len(signer.key_id) != 4:
            raise NoteError(f"invalid signer {signer.name!r}")
        lines.append(Signature(signer.name, signer.key_id, signer.sign(message)).line())
    return text + "\n" + "".join(lines)


def add_signature_lines(note: str, lines: Sequence[str]) -> str:
    """Append signature lines (e.g. witness cosignatures) to an already signed note,
    checking that the result is still a well-formed note."""
    result = note + "".join(lines)
    parse_note(result)
    return result
