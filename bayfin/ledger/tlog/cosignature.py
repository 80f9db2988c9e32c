"""C2SP Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``).

A cosignature is a witness saying "as of this time, the largest consistent tree I have
seen for this log has this root". It is an ordinary signed-note signature line, so a
checkpoint carries the log's signature and any witnesses' side by side, and a reader who
trusts a witness verifies its line with ``open_note`` like any other key; only the key ID
(signature type 0x04) and the signed message (header, time, checkpoint body) differ.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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

from .checkpoint import Checkpoint
from .note import (
    PRIVATE_KEY_PREFIX,
    NoteError,
    Signature,
    Verifier,
    is_valid_name,
    key_id,
    open_note,
    split_key_string,
    verifier_key_string,
)

#: Signature type byte of timestamped Ed25519 cosignatures (signed-note's registry).
ALG_COSIGNATURE_V1 = 0x04

#: The timestamp is a u64 that "MUST NOT exceed 2^63 - 1".
MAX_TIMESTAMP = 2**63 - 1

_PAYLOAD = struct.Struct(">Q")
_SIGNATURE_SIZE = 8 + 64


class CosignatureError(NoteError):
    """A cosignature could not be made or did not verify."""


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """``cosignature/v1``, ``time <seconds>``, then the whole checkpoint body: the header
    separates these signatures from any other use of the key, the time dates the claim."""
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError("the timestamp is between 0 and 2^63 - 1")
    if not checkpoint_text.endswith("\n"):
        raise CosignatureError("the checkpoint body ends in a newline")
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class WitnessVerifier:
    """A trusted witness key; usable as a ``note.Verifier`` so ``open_note`` checks its
    cosignature line. ``verify`` receives the note text and the 72 signature bytes."""

    name: str
    public_key: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise CosignatureError(f"invalid witness name {self.name!r}")
        if len(self.public_key) != 32:
            raise CosignatureError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "key_id", key_id(self.name, ALG_COSIGNATURE_V1, self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != _SIGNATURE_SIZE:
            return False
        (timestamp,) = _PAYLOAD.unpack(signature[:8])
        if timestamp > MAX_TIMESTAMP:
            return False
        try:
            message = cosigned_message(text.decode("utf-8"), timestamp)
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[8:], message)
        except (InvalidSignature, CosignatureError, UnicodeDecodeError):
            return False
        return True

    def vkey(self) -> str:
        return verifier_key_string(self.name, ALG_COSIGNATURE_V1, self.public_key)


@dataclass(frozen=True)
class WitnessSigner:
    """A witness's private key. Its key ID uses type 0x04, so the same name and key could
    never be mistaken for a plain note signer."""

    name: str
    private_key: Ed25519PrivateKey
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise CosignatureError(f"invalid witness name {self.name!r}")
        object.__setattr__(
            self, "key_id", key_id(self.name, ALG_COSIGNATURE_V1, self.public_bytes())
        )

    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def verifier(self) -> WitnessVerifier:
        return WitnessVerifier(self.name, self.public_bytes())

    def skey(self) -> str:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return PRIVATE_KEY_PREFIX + verifier_key_string(
            self.name, ALG_COSIGNATURE_V1, seed, self.key_id
        )


def parse_witness_verifier_key(vkey: str) -> WitnessVerifier:
    """A witness verifier key string (a vkey with type 0x04, as the spec allows)."""
    name, declared, public = split_key_string(vkey.strip("\n"), ALG_COSIGNATURE_V1)
    verifier = WitnessVerifier(name, public)
    if verifier.key_id != declared:
        raise CosignatureError("key ID does not match the witness name and public key")
    return verifier


def parse_witness_signer_key(skey: str) -> WitnessSigner:
    """A witness signer key string: ``PRIVATE+KEY+`` and the vkey form with the seed.
    (The cosignature spec defines no private key encoding; this mirrors the note one.)"""
    skey = skey.strip("\n")
    if not skey.startswith(PRIVATE_KEY_PREFIX):
        raise CosignatureError("a signer key starts with PRIVATE+KEY+")
    name, declared, seed = split_key_string(skey[len(PRIVATE_KEY_PREFIX) :], ALG_COSIGNATURE_V1)
    signer = WitnessSigner(name, Ed25519PrivateKey.from_private_bytes(seed))
    if signer.key_id != declared:
        raise CosignatureError("key ID does not match the witness name and private key")
    return signer


def generate_witness_key(name: str) -> tuple[str, str]:
    """A fresh witness key pair as (signer key string, verifier key string)."""
    signer = WitnessSigner(name, Ed25519PrivateKey.generate())
    return signer.skey(), signer.verifier().vkey()


def cosign(checkpoint_text: str, witness: WitnessSigner, time: int) -> str:
    """The cosignature line for a checkpoint body (the text, not the signed note).

    The body is parsed first so a witness never puts its name to something that is not a
    checkpoint; whether it is consistent with earlier ones is ``Witness``'s business.
    """
    Checkpoint.parse(checkpoint_text)
    message = cosigned_message(checkpoint_text, time)
    signature = _PAYLOAD.pack(time) + witness.private_key.sign(message)
    return Signature(witness.name, witness.key_id, signature).line()


def cosignature_time(signature: Signature) -> int:
    """The timestamp a cosignature claims (meaningful only once it has verified)."""
    if len(signature.signature) != _SIGNATURE_SIZE:
        raise CosignatureError("a cosignature is 8 timestamp bytes and 64 signature bytes")
    (timestamp,) = _PAYLOAD.unpack(signature.signature[:8])
    return int(timestamp)


def verify_cosignature(note: str | bytes, witness: WitnessVerifier) -> int:
    """Check that ``note`` carries a valid cosignature from ``witness`` over a well-formed
    checkpoint, and return its timestamp. The log's own signature is not checked here:
    open the note with the log's key as well (both keys can go in one ``open_note``)."""
    try:
        opened = open_note(note, [witness])
    except CosignatureError:
        raise
    except NoteError as exc:
        raise CosignatureError(f"no valid cosignature from {witness.name}: {exc.reason}") from exc
    Checkpoint.parse(opened.text)
    return cosignature_time(opened.verified[0])


#: ``(old_size, new_size, proof, old_root, new_root)``, the argument order of
#: ``merkle.verify_consistency`` so it can be passed as is: it refuses by raising (or by
#: returning ``False``, for checkers that answer with a boolean).
ConsistencyCheck = Callable[[int, int, Sequence[bytes], bytes, bytes], object]


class Witness:
    """A cosigner that only cosigns checkpoints of one log that the log signed and that
    extend, by a verified consistency proof, the last checkpoint it cosigned: a witness
    that skipped the proof would lend its name to a split view.

    The proof checker is passed in so this module stays independent of the Merkle code.
    The first checkpoint is accepted on trust (there is nothing to be consistent with),
    and so is any growth from the empty tree (RFC 9162 has no proof from size 0).
    """

    def __init__(
        self,
        signer: WitnessSigner,
        log_verifier: Verifier,
        origin: str,
        check_consistency: ConsistencyCheck,
        last: Checkpoint | None = None,
    ) -> None:
        self.signer = signer
        self.log_verifier = log_verifier
        self.origin = origin
        self.check_consistency = check_consistency
        self.last = last

    def cosign(self, signed_checkpoint: str, proof: Sequence[bytes], time: int) -> str:
        """Verify the log's signature and the consistency proof from the last cosigned
        checkpoint, then return the cosignature line (and remember the new checkpoint)."""
        opened = open_note(signed_checkpoint, [self.log_verifier])
        checkpoint = Checkpoint.parse(opened.text)
        if checkpoint.origin != self.origin:
            raise CosignatureError(f"checkpoint of another log: {checkpoint.origin!r}")
        last = self.last
        if last is not None:
            if checkpoint.size < last.size:
                raise CosignatureError("the checkpoint is smaller than the last one cosigned")
            if checkpoint.size == last.size:
                if checkpoint.root_hash != last.root_hash or proof:
                    raise CosignatureError("a different root for the size already cosigned")
            elif last.size == 0:
                if proof:
                    raise CosignatureError("nothing to prove from the empty tree")
            else:
                try:
                    answer = self.check_consistency(
                        last.size, checkpoint.size, proof, last.root_hash, checkpoint.root_hash
                    )
                except Exception as exc:  # noqa: BLE001 - any failure of the check refuses
                    raise CosignatureError(f"consistency proof refused: {exc}") from exc
                if answer is False:
                    raise CosignatureError("consistency proof does not verify")
        line = cosign(opened.text, self.signer, time)
        self.last = checkpoint
        return line
