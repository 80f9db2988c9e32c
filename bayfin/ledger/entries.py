"""The ledger entry: what the log commits to, as RFC 8785 (JCS) canonical JSON.

An entry is the record of one agreement-level event. Its bytes are hashed into the Merkle tree,
so they must be the same whoever produces them and whenever: the JSON is canonicalised by RFC
8785 (keys sorted by their UTF-16 code units, no insignificant whitespace, strings escaped one
way only), and :func:`parse_entry` refuses any body that is not already in that form.

Schema (version 1), every key always present::

    {
      "v": 1,
      "type": "deal.stage_changed",                    # the kind of event
      "subject": {"type": "deal", "id": "42"},         # what it is about (ids as strings)
      "parties": [                                     # the organisations bound by it, in order
        {"role": "enterprise", "registration_number": "91440300MA5XXXXXXX"}
      ],
      "at": "2025-01-31T09:30:00.000000Z",             # when, UTC, always microseconds
      "documents": [{"sha256": "<64 lowercase hex>"}], # hashes of the documents agreed on
      "amounts": [{"amount": "1000.00", "currency": "CNY"}],
      "data": {...}                                    # event details ({} when none)
    }

Why these rules:

- *No personal data.* A log cannot forget: an entry, once in the tree, can never be edited or
  erased without breaking every later checkpoint. So entries hold only what never needs erasing:
  ids, organisations' registration numbers (public register data, not people's), roles, times and
  SHA-256 hashes of documents. Names, e-mail addresses, identity numbers or document contents
  never go in; the hash of a document proves what was agreed without disclosing it. ``parties``
  accepts exactly the two keys above, so a person's details cannot slip in there by accident.
- *No JSON numbers for amounts, and no floats at all.* JCS writes numbers as IEEE doubles, which
  cannot hold ``0.1`` or a 17-digit amount exactly. Amounts are :class:`~decimal.Decimal` written
  as plain decimal strings (``"1000.00"``, never ``"1E+3"``; the scale given is kept, a negative
  zero is written as zero) with their ISO 4217 currency. Any float anywhere is refused, and
  integers must be safe in a double (|n| <= 2^53 - 1), so that every reader, in any language,
  reads back the same value.
- *Time in UTC with a fixed precision*, so one instant has one text.

Everything refused raises :class:`ValueError` naming the key at fault (``"data.rate"``,
``"parties[1].role"``...). This module imports only ``rfc8785`` and the standard library, so the
offline verifier can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import rfc8785

__all__ = [
    "ENTRY_KEYS",
    "ENTRY_VERSION",
    "MAX_SAFE_INTEGER",
    "build_entry",
    "canonical_json",
    "parse_entry",
]

ENTRY_VERSION = 1
ENTRY_KEYS = frozenset({"v", "type", "subject", "parties", "at", "documents", "amounts", "data"})
MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer an IEEE double holds exactly (and so every JSON reader)."""

_PARTY_KEYS = frozenset({"role", "registration_number"})
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _text(value: object, key: str) -> str:
    """A non-empty string with no control characters (ids, types, roles, numbers)."""
    if not isinstance(value, str):
        raise ValueError(f"{key}: a string is required, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{key}: must not be empty")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{key}: contains a control character")
    _check_encodable(value, key)
    return value


def _check_encodable(value: str, key: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{key}: not valid Unicode text (a lone surrogate)") from exc


def _json_value(value: object, key: str) -> Any:
    """A copy of ``value`` as JSON data, refusing floats, unsafe integers and other types."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"{key}: integer outside +-(2^53 - 1); write it as a string")
        return int(value)
    if isinstance(value, float):
        raise ValueError(f"{key}: floats are not allowed; use a string or an integer")
    if isinstance(value, Decimal):
        raise ValueError(f"{key}: write a decimal as a string (amounts go in 'amounts')")
    if isinstance(value, str):
        _check_encodable(value, key)
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{key}: object keys are strings, not {type(k).__name__}")
            _check_encodable(k, f"{key}.{k}")
            out[k] = _json_value(v, f"{key}.{k}")
        return out
    if isinstance(value, list | tuple):
        return [_json_value(v, f"{key}[{i}]") for i, v in enumerate(value)]
    raise ValueError(f"{key}: {type(value).__name__} is not JSON data")


def _format_at(at: object) -> str:
    if not isinstance(at, datetime):
        raise ValueError("at: a datetime is required")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at: a naive datetime; give an aware one (UTC)")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _format_amount(amount: object, key: str) -> str:
    if not isinstance(amount, Decimal):
        raise ValueError(f"{key}: an amount is a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{key}: not a finite amount")
    if amount.is_zero() and amount.is_signed():
        amount = amount.copy_abs()
    return format(amount, "f")


def _parties(parties: object) -> list[dict[str, str]]:
    if not isinstance(parties, list | tuple):
        raise ValueError("parties: a list is required")
    out = []
    for i, party in enumerate(parties):
        key = f"parties[{i}]"
        if not isinstance(party, Mapping):
            raise ValueError(f"{key}: an object with role and registration_number is required")
        keys = set(party)
        if keys != _PARTY_KEYS:
            extra, missing = sorted(keys - _PARTY_KEYS, key=str), sorted(_PARTY_KEYS - keys)
            raise ValueError(
                f"{key}: exactly role and registration_number"
                + (f"; unexpected {', '.join(map(str, extra))}" if extra else "")
                + (f"; missing {', '.join(missing)}" if missing else "")
            )
        out.append(
            {
                "role": _text(party["role"], f"{key}.role"),
                "registration_number": _text(
                    party["registration_number"], f"{key}.registration_number"
                ),
            }
        )
    return out


def _documents(documents: object) -> list[dict[str, str]]:
    if not isinstance(documents, list | tuple):
        raise ValueError("documents: a list is required")
    out = []
    for i, digest in enumerate(documents):
        if not isinstance(digest, str) or not _HEX_SHA256.fullmatch(digest):
            raise ValueError(f"documents[{i}]: a SHA-256 is 64 lowercase hexadecimal digits")
        out.append({"sha256": digest})
    return out


def _amounts(amounts: object) -> list[dict[str, str]]:
    if not isinstance(amounts, list | tuple):
        raise ValueError("amounts: a list is required")
    out = []
    for i, pair in enumerate(amounts):
        key = f"amounts[{i}]"
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"{key}: an (amount, currency) pair is required")
        amount, currency = pair
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise ValueError(f"{key}.currency: an ISO 4217 code (three capital letters)")
        out.append({"amount": _format_amount(amount, f"{key}.amount"), "currency": currency})
    return out


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical JSON of ``value`` after the checks entries get (no floats...)."""
    data = _json_value(value, "value")
    return rfc8785.dumps(data)


def build_entry(
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    parties: Sequence[Mapping[str, str]],
    at: datetime,
    data: Mapping[str, Any] | None,
    documents: Sequence[str] = (),
    amounts: Sequence[tuple[Decimal, str]] = (),
) -> bytes:
    """The canonical bytes of a version 1 entry (see the module docstring for the schema)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValueError("data: an object (dict) or None is required")
    entry = {
        "v": ENTRY_VERSION,
        "type": _text(kind, "type"),
        "subject": {
            "type": _text(subject_type, "subject.type"),
            "id": _text(subject_id, "subject.id"),
        },
        "parties": _parties(parties),
        "at": _format_at(at),
        "documents": _documents(documents),
        "amounts": _amounts(amounts),
        "data": _json_value(data, "data"),
    }
    return rfc8785.dumps(entry)


def _refuse_float(text: str) -> Any:
    raise ValueError(f"a JSON number with a fraction or exponent ({text}) is not allowed")


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _object(value: object, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{key}: an object is required")
    return value


def parse_entry(body: bytes) -> dict[str, Any]:
    """Read an entry, refusing it unless it is exactly what :func:`build_entry` writes.

    The body must be UTF-8 JSON without duplicate keys or non-integer numbers, in RFC 8785
    canonical form (re-canonicalising must give the same bytes), with exactly the version 1
    keys, each as the schema says. Returns the decoded object.
    """
    if not isinstance(body, bytes):
        raise ValueError("an entry is bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("an entry is UTF-8") from exc
    try:
        entry = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise ValueError(f"an entry is JSON: {exc.msg} at character {exc.pos}") from exc
    entry = _object(entry, "entry")
    keys = set(entry)
    if keys != ENTRY_KEYS:
        missing, extra = sorted(ENTRY_KEYS - keys), sorted(keys - ENTRY_KEYS)
        raise ValueError(
            "entry: not the version 1 keys"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(extra)}" if extra else "")
        )
    if entry["v"] != ENTRY_VERSION or isinstance(entry["v"], bool):
        raise ValueError(f"v: version {entry['v']!r} is not {ENTRY_VERSION}")
    subject = _object(entry["subject"], "subject")
    if set(subject) != {"type", "id"}:
        raise ValueError("subject: exactly type and id")
    at = entry["at"]
    if not isinstance(at, str) or not _AT.fullmatch(at):
        raise ValueError("at: YYYY-MM-DDTHH:MM:SS.ffffffZ is required")
    try:
        when = datetime.fromisoformat(at[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"at: not a valid time: {exc}") from exc
    documents = entry["documents"]
    if not isinstance(documents, list):
        raise ValueError("documents: a list is required")
    hashes = []
    for i, doc in enumerate(documents):
        if not isinstance(doc, dict) or set(doc) != {"sha256"}:
            raise ValueError(f"documents[{i}]: exactly one key, sha256")
        hashes.append(doc["sha256"])
    amounts_in = entry["amounts"]
    if not isinstance(amounts_in, list):
        raise ValueError("amounts: a list is required")
    amounts = []
    for i, item in enumerate(amounts_in):
        if not isinstance(item, dict) or set(item) != {"amount", "currency"}:
            raise ValueError(f"amounts[{i}]: exactly amount and currency")
        amount = item["amount"]
        if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
            raise ValueError(f'amounts[{i}].amount: a decimal string such as "1000.00"')
        amounts.append((Decimal(amount), item["currency"]))
    data = _object(entry["data"], "data")
    rebuilt = build_entry(
        kind=entry["type"],
        subject_type=subject["type"],
        subject_id=subject["id"],
        parties=entry["parties"],
        at=when,
        data=data,
        documents=hashes,
        amounts=amounts,
    )
    if rebuilt != body:
        if rfc8785.dumps(entry) != body:
            raise ValueError("entry: not in RFC 8785 canonical form")
        raise ValueError("entry: not in the canonical version 1 form")
    return entry
