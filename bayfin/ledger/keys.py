"""The log's signing key and the optional witness key: files outside the database.

The paths come from the settings (``BAYFIN_LEDGER_KEY_FILE``,
``BAYFIN_LEDGER_WITNESS_KEY_FILE``). Keys are created only by ``bayfin ledger init``
(``manage.py ledger init``), never on the fly: a platform without its key refuses to sign
rather than sign with a new one that nobody trusts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .tlog.cosignature import WitnessSigner, generate_witness_key, parse_witness_signer_key
from .tlog.note import Ed25519Signer, generate_signer_key, parse_signer_key


class LedgerKeyMissing(RuntimeError):
    """No signing key: run ``bayfin ledger init``."""


def key_path() -> Path:
    return Path(settings.BAYFIN_LEDGER_KEY_FILE)


def witness_key_path() -> Path | None:
    value = settings.BAYFIN_LEDGER_WITNESS_KEY_FILE
    return Path(value) if value else None


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def log_signer() -> Ed25519Signer:
    path = key_path()
    if not path.is_file():
        raise LedgerKeyMissing(f"no ledger signing key at {path}: run `bayfin ledger init`")
    signer = parse_signer_key(_read(path))
    if signer.name != settings.BAYFIN_LEDGER_ORIGIN:
        raise LedgerKeyMissing(f"the key at {path} is named {signer.name!r}, not the log's origin "
                               f"{settings.BAYFIN_LEDGER_ORIGIN!r}")
    return signer


def witness_signer() -> WitnessSigner | None:
    """The witness key, when one is configured and present (else checkpoints go uncosigned)."""
    path = witness_key_path()
    if path is None or not path.is_file():
        return None
    return parse_witness_signer_key(_read(path))


def log_verifier_key() -> str:
    return log_signer().verifier().vkey()


def witness_verifier_key() -> str | None:
    witness = witness_signer()
    return witness.verifier().vkey() if witness else None


@dataclass(frozen=True)
class Created:
    path: Path
    verifier_key: str
    created: bool


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite a key
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def init_log_key() -> Created:
    """Create the signing key if there is none; an existing key is kept, never replaced."""
    path = key_path()
    if path.exists():
        return Created(path, log_verifier_key(), created=False)
    skey, vkey = generate_signer_key(settings.BAYFIN_LEDGER_ORIGIN)
    _write_secret(path, skey)
    return Created(path, vkey, created=True)


def init_witness_key(name: str) -> Created | None:
    path = witness_key_path()
    if path is None:
        return None
    if path.exists():
        existing = witness_verifier_key()
        assert existing is not None
        return Created(path, existing, created=False)
    skey, vkey = generate_witness_key(name)
    _write_secret(path, skey)
    return Created(path, vkey, created=True)
