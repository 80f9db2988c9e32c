"""``bayfin-verify``: check BayFin ledger receipts and checkpoints offline.

Needs only the files and the log's verifier key (from the platform's public ledger page);
imports nothing from Django or the platform's apps, only ``bayfin.ledger.tlog``,
``bayfin.ledger.entries`` and ``bayfin.ledger.receipt``, so it runs anywhere the package (or just
those modules, ``cryptography`` and ``rfc8785``) is installed.

    bayfin-verify receipt FILE --key VKEY_OR_FILE [--witness-key K ...] [--min-cosignatures N]
    bayfin-verify consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF_FILE --key VKEY_OR_FILE

``-`` reads a file from standard input. Exit status: 0 verified, 1 rejected (``REJECTED: <why>``
on standard error), 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bayfin.ledger.receipt import verify_consistency_text, verify_receipt
from bayfin.ledger.tlog.checkpoint import Checkpoint
from bayfin.ledger.tlog.cosignature import parse_witness_verifier_key
from bayfin.ledger.tlog.merkle import ProofError
from bayfin.ledger.tlog.note import NoteError, parse_verifier_key

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


class _InputError(Exception):
    """A file could not be read: not a verdict on its contents."""


def _read(path: str, stdin_used: list[bool]) -> bytes:
    if path == "-":
        if stdin_used:
            raise _InputError("standard input ('-') can be read only once")
        stdin_used.append(True)
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _InputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _key(value: str) -> str:
    """A key given literally, or the path of a file holding it (its first non-empty line)."""
    path = Path(value)
    if "+" in value and not path.exists():
        return value
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _InputError(f"{value} is neither a key nor a readable key file") from exc
    except UnicodeDecodeError as exc:
        raise _InputError(f"key file {value} is not UTF-8 text") from exc
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise _InputError(f"key file {value} is empty")


def _log_key(value: str) -> str:
    key = _key(value)
    try:
        parse_verifier_key(key)
    except NoteError as exc:
        raise _InputError(f"--key is not a log verifier key: {exc.reason}") from exc
    return key


def _witness_key(value: str) -> str:
    key = _key(value)
    try:
        parse_witness_verifier_key(key)
    except NoteError as exc:
        raise _InputError(f"--witness-key is not a witness verifier key: {exc.reason}") from exc
    return key


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not UTF-8 text") from exc


def _head(cp: Checkpoint) -> str:
    return f"{cp.origin} at size {cp.size}, root {base64.b64encode(cp.root_hash).decode()}"


def _cmd_receipt(args: argparse.Namespace) -> str:
    stdin_used: list[bool] = []
    data = _read(args.file, stdin_used)
    trusted = _log_key(args.key)
    witnesses = [_witness_key(k) for k in args.witness_key]
    verified = verify_receipt(
        data,
        trusted_log_key=trusted,
        witness_keys=witnesses,
        min_cosignatures=args.min_cosignatures,
        origin=args.origin,
    )
    entry = verified.entry
    subject = f"{entry['subject']['type']} {entry['subject']['id']}"
    line = (
        f"OK: entry {verified.index} ({entry['type']}, {subject}) is in "
        f"{_head(verified.checkpoint)}, signed by {verified.signed_by}"
    )
    if verified.cosigned_by:
        line += ", cosigned by " + ", ".join(name for name, _ in verified.cosigned_by)
    return line + "\n" + json.dumps(entry, indent=2, ensure_ascii=False, sort_keys=True)


def _cmd_consistency(args: argparse.Namespace) -> str:
    stdin_used: list[bool] = []
    old = _read(args.old_checkpoint, stdin_used)
    new = _read(args.new_checkpoint, stdin_used)
    proof = _text(_read(args.proof_file, stdin_used), "the proof file")
    trusted = _log_key(args.key)
    verified = verify_consistency_text(old, new, proof, trusted)
    return (
        f"OK: {_head(verified.old)} is a prefix of the tree at size {verified.new.size}, "
        f"root {base64.b64encode(verified.new.root_hash).decode()}, "
        f"both signed by {verified.signed_by}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayfin-verify",
        description=(
            "Verify BayFin ledger receipts and checkpoint consistency offline, against the "
            "log's verifier key. Exit status: 0 verified, 1 rejected, 2 usage or input error."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    key_help = "the log's verifier key (name+keyid+base64), or a file holding it"

    receipt = sub.add_parser("receipt", help="verify a .bayfin-receipt.json file")
    receipt.add_argument("file", help="the receipt ('-' for standard input)")
    receipt.add_argument("--key", required=True, help=key_help)
    receipt.add_argument(
        "--witness-key",
        action="append",
        default=[],
        metavar="KEY",
        help="a trusted witness's cosignature verifier key, or a file holding it (repeatable)",
    )
    receipt.add_argument(
        "--min-cosignatures",
        type=int,
        default=0,
        metavar="N",
        help="require at least N cosignatures from the given witness keys (default 0)",
    )
    receipt.add_argument("--origin", help="the log origin expected (default: the receipt's)")
    receipt.set_defaults(run=_cmd_receipt)

    consistency = sub.add_parser(
        "consistency", help="verify that an older signed checkpoint is a prefix of a newer one"
    )
    consistency.add_argument("old_checkpoint", help="the older signed checkpoint ('-': stdin)")
    consistency.add_argument("new_checkpoint", help="the newer signed checkpoint ('-': stdin)")
    consistency.add_argument(
        "proof_file", help="the consistency proof, base64 hashes one per line ('-': stdin)"
    )
    consistency.add_argument("--key", required=True, help=key_help)
    consistency.set_defaults(run=_cmd_consistency)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (the installed script exits with it)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "receipt" and not 0 <= args.min_cosignatures <= len(args.witness_key):
        parser.error("--min-cosignatures is between 0 and the number of --witness-key given")
    try:
        out = args.run(args)
    except _InputError as exc:
        print(f"bayfin-verify: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, ProofError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        print(f"REJECTED: {reason}", file=sys.stderr)
        return EXIT_REJECTED
    print(out)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
