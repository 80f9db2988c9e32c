"""The ledger API: signed checkpoints, inclusion and consistency proofs, the verifier keys,
and an entry with its receipt for the parties to it and operators.

Hashes travel as standard base64 with padding, as in the C2SP formats (a checkpoint's root
line, a tlog-proof's hash lines); a leaf hash also as 64 lowercase hex digits, which is how an
entry is looked up (``?hash=``). Notes and proofs are their exact signed text: a verifier
checks those bytes, never a re-serialisation. Checkpoints, proofs and keys are for any
signed-in user (the public page ``/ledger/`` shows the same to anyone); an entry and its
receipt are for the parties to it and operators, others get 404.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from bayfin.common.errors import NotFound, ValidationFailed
from bayfin.common.schemas import ErrorOut

from . import selectors
from .models import LedgerEntry, SignedCheckpoint
from .receipt import FILE_SUFFIX
from .tlog.proof import TlogProof

router = Router(tags=["ledger"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# Sizes and indices are stored as signed 64-bit integers: anything larger is refused with a
# reason rather than overflowing the database driver.
MAX_SIZE = 2**63 - 1


def b64(raw: bytes | memoryview) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def _field_error(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields={name: [message]})


def _whole(name: str, value: int | None) -> int | None:
    """A size or an index from the query: a whole number from 0 to 2^63 - 1, or None."""
    if value is not None and not 0 <= value <= MAX_SIZE:
        raise _field_error(name, _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_SIZE})
    return value


def _required(name: str, value: int | None) -> int:
    checked = _whole(name, value)
    if checked is None:
        raise _field_error(name, _("This field is required."))
    return checked


def receipt_filename(index: int) -> str:
    return f"bayfin-entry-{index}{FILE_SUFFIX}"


def receipt_response(text: str, index: int) -> HttpResponse:
    """The receipt as a download, for the API and the page alike."""
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(index)}"'
    return response


# --------------------------------------------------------------------------- schemas


class CheckpointOut(Schema):
    size: int
    root_hash: str
    note: str
    cosigned: bool
    created_at: datetime

    @staticmethod
    def resolve_root_hash(obj: SignedCheckpoint) -> str:
        return b64(obj.root_hash)


class InclusionQuery(Schema):
    index: int | None = None
    hash: str | None = None
    size: int | None = None


class InclusionOut(Schema):
    index: int
    leaf_hash: str
    size: int
    hashes: list[str]
    checkpoint: str
    tlog_proof: str


class ConsistencyQuery(Schema):
    old: int | None = None
    new: int | None = None


class ConsistencyOut(Schema):
    old: int
    new: int
    hashes: list[str]
    old_checkpoint: str
    new_checkpoint: str


class SubjectOut(Schema):
    type: str
    id: str


class EntryOut(Schema):
    index: int
    kind: str
    subject: SubjectOut
    leaf_hash: str
    entry: dict[str, Any]
    body: str
    integrated_at: datetime | None
    salts: dict[str, str]  # hash -> salt (hex) of each free text: reveal both to prove the text

    @staticmethod
    def of(row: LedgerEntry) -> dict[str, Any]:
        return {"index": row.index, "kind": row.kind,
                "subject": {"type": row.subject_type, "id": row.subject_id},
                "leaf_hash": row.leaf_hash_hex, "entry": json.loads(row.body), "body": row.body,
                "integrated_at": row.integrated_at, "salts": row.salts}


class KeysOut(Schema):
    origin: str
    log: str | None
    witness: str | None


# --------------------------------------------------------------------------- checkpoints


@router.get("/checkpoints/latest", response={200: CheckpointOut, **ERRORS}, summary="The latest signed checkpoint",
            description="`note` is the C2SP signed note (the checkpoint body, an empty line, the log's signature "
            "and any witness cosignature lines) exactly as signed; `root_hash` is base64. 404 before the first "
            "checkpoint is signed.")
def checkpoint_latest(request: HttpRequest) -> Any:
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        raise NotFound(_("No checkpoint has been signed yet."))
    return checkpoint


@router.get("/checkpoints/{int:size}", response={200: CheckpointOut, **ERRORS},
            summary="The signed checkpoint of a tree size")
def checkpoint_detail(request: HttpRequest, size: int) -> Any:
    return selectors.checkpoint_at(_required("size", size))


# --------------------------------------------------------------------------- proofs


@router.get("/proofs/inclusion", response={200: InclusionOut, **ERRORS}, summary="An entry's inclusion proof",
            description="By `index` or by the entry's leaf `hash` (64 hex digits: SHA-256 of 0x00 and the entry "
            "bytes), in the signed checkpoint of `size` (by default the latest). `hashes` are base64, the leaf's "
            "sibling first; `tlog_proof` is the same proof in the C2SP tlog-proof text format, checkpoint "
            "included.")
def proof_inclusion(request: HttpRequest, filters: Query[InclusionQuery]) -> Any:
    index = _whole("index", filters.index)
    size = _whole("size", filters.size)
    if index is not None and filters.hash:
        raise ValidationFailed(_("Give an entry index or its leaf hash, not both."),
                               fields={"hash": [_("Leave this empty when you give an index.")]})
    proof = selectors.inclusion_proof(index=index, leaf_hash_hex=filters.hash, size=size)
    note = proof.checkpoint.note
    return {
        "index": proof.index, "leaf_hash": proof.leaf_hash.hex(), "size": proof.checkpoint.size,
        "hashes": [b64(h) for h in proof.hashes], "checkpoint": note,
        "tlog_proof": TlogProof(index=proof.index, hashes=proof.hashes, checkpoint_note=note).format(),
    }


@router.get("/proofs/consistency", response={200: ConsistencyOut, **ERRORS},
            summary="A consistency proof between two signed checkpoints",
            description="That the tree of size `old` is a prefix of the tree of size `new` (RFC 9162 2.1.4): "
            "`hashes` in base64, with both signed checkpoints.")
def proof_consistency(request: HttpRequest, filters: Query[ConsistencyQuery]) -> Any:
    fields: dict[str, list[Any]] = {}
    sizes = []
    for name, value in (("old", filters.old), ("new", filters.new)):
        try:
            sizes.append(_required(name, value))
        except ValidationFailed as exc:
            fields.update(exc.fields)
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)
    hashes, old, new = selectors.consistency_proof(*sizes)
    return {"old": old.size, "new": new.size, "hashes": [b64(h) for h in hashes],
            "old_checkpoint": old.note, "new_checkpoint": new.note}


# --------------------------------------------------------------------------- entries and receipts


@router.get("/entries/{int:index}", response={200: EntryOut, **ERRORS}, summary="One entry (parties and operators)",
            description="The entry's canonical JSON as `body` (exactly the bytes hashed) and parsed as `entry`. "
            "Other organisations get 404.")
def entry_detail(request: HttpRequest, index: int) -> Any:
    return EntryOut.of(selectors.entry_get_for(request.user, _required("index", index)))


@router.get("/entries/{int:index}/receipt", response={200: dict[str, Any], **ERRORS},
            summary="Download an entry's receipt (parties and operators)",
            description="A `bayfin-receipt/v1` JSON file (the entry, its C2SP tlog-proof and the signed checkpoint) "
            "that `bayfin-verify receipt FILE --key '<verifier key>'` checks offline. 404 until the entry is "
            "covered by a signed checkpoint.")
def entry_receipt(request: HttpRequest, index: int) -> Any:
    index = _required("index", index)
    return receipt_response(selectors.receipt_for(request.user, index), index)


# --------------------------------------------------------------------------- keys


@router.get("/keys", response={200: KeysOut, **ERRORS}, summary="The log's origin and verifier keys",
            description="`log` is the signed-note verifier key of the log (null before `bayfin ledger init`), "
            "`witness` the witness's cosignature verifier key (null without a witness).")
def keys(request: HttpRequest) -> Any:
    return selectors.public_keys()
