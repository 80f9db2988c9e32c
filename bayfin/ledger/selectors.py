"""Reads of the ledger.

Checkpoints, proofs and the verifier keys are public: they reveal ids and hashes only
(entries hold no personal data), and anyone may check the log. An entry itself and its
receipt are for the parties to it and operators: others get NotFound, so existence does
not leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.selectors import is_operator, organisation_of, require_signed_in
from bayfin.common.errors import NotFound, ValidationFailed

from . import keys
from .models import LedgerEntry, SignedCheckpoint
from .receipt import make_receipt
from .store import prefetched
from .tlog.merkle import consistency_proof_at, inclusion_proof_at
from .tlog.proof import TlogProof


def latest_checkpoint() -> SignedCheckpoint | None:
    return SignedCheckpoint.objects.order_by("-size").first()


def checkpoint_at(size: int) -> SignedCheckpoint:
    row = SignedCheckpoint.objects.filter(size=size).first()
    if row is None:
        raise NotFound(_("There is no signed checkpoint of that size."))
    return row


def checkpoints(limit: int = 20) -> list[SignedCheckpoint]:
    return list(SignedCheckpoint.objects.order_by("-size")[:limit])


def _covering(index: int) -> SignedCheckpoint:
    """The newest signed checkpoint that includes entry ``index``."""
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        raise NotFound(_("That entry is not covered by a signed checkpoint yet."))
    return checkpoint


@dataclass(frozen=True)
class InclusionProof:
    index: int
    leaf_hash: bytes
    hashes: list[bytes]
    checkpoint: SignedCheckpoint


def inclusion_proof(*, index: int | None = None, leaf_hash_hex: str | None = None,
                    size: int | None = None) -> InclusionProof:
    """The inclusion proof of an entry (by index or leaf hash) in a signed checkpoint (the
    latest, or the one of ``size``)."""
    if index is None:
        text = (leaf_hash_hex or "").strip().lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValidationFailed(_("Give an entry index or its 64-digit hex leaf hash."),
                                   fields={"hash": [_("Enter the leaf hash as 64 hexadecimal digits.")]})
        entry = LedgerEntry.objects.filter(leaf_hash_hex=text, index__isnull=False).order_by("index").first()
        if entry is None:
            raise NotFound(_("No integrated entry has that hash."))
        index = entry.index
    assert index is not None
    if index < 0:
        raise NotFound(_("No entry has that index."))
    entry = LedgerEntry.objects.filter(index=index).only("index", "leaf_hash").first()
    if entry is None:
        raise NotFound(_("No entry has that index."))
    checkpoint = checkpoint_at(size) if size is not None else _covering(index)
    if checkpoint.size <= index:
        raise NotFound(_("That checkpoint does not include the entry."))
    hashes = prefetched(checkpoint.size, inclusion_proof_at, index, checkpoint.size)
    return InclusionProof(index, bytes(entry.leaf_hash), hashes, checkpoint)


def consistency_proof(old_size: int, new_size: int) -> tuple[list[bytes], SignedCheckpoint, SignedCheckpoint]:
    """The consistency proof between two signed checkpoints."""
    if old_size > new_size:
        raise ValidationFailed(_("The old size must not exceed the new size."),
                               fields={"old": [_("The old size must not exceed the new size.")]})
    old, new = checkpoint_at(old_size), checkpoint_at(new_size)
    return prefetched(new.size, consistency_proof_at, old.size, new.size), old, new


# --------------------------------------------------------------------------- entries and receipts


def _visible_entries(user: Any) -> Any:
    require_signed_in(user)
    rows = LedgerEntry.objects.filter(index__isnull=False)
    if is_operator(user):
        return rows
    org = organisation_of(user)
    if org is None:
        return rows.none()
    return rows.filter(parties=org)


def entry_get_for(user: Any, index: int) -> LedgerEntry:
    entry = _visible_entries(user).filter(index=index).first()
    if entry is None:
        raise NotFound(_("No entry of yours has that index."))
    return entry


def receipt_for(user: Any, index: int) -> str:
    """The receipt of an entry the user is party to (or any, for operators): the entry, its
    inclusion proof and the signed checkpoint, in one file a verifier checks offline."""
    entry = entry_get_for(user, index)
    proof = inclusion_proof(index=index)
    text = TlogProof(index=index, hashes=tuple(proof.hashes), checkpoint_note=proof.checkpoint.note).format()
    return make_receipt(origin=settings.BAYFIN_LEDGER_ORIGIN, verifier_key=proof.checkpoint.verifier_key,
                        entry=entry.body.encode("utf-8"), proof=text)


def receipt_indices_for(user: Any, references: Iterable[str]) -> dict[str, int]:
    """For rows a page shows (``services.reference_of``), the index of each one's entry the
    user may download a receipt for: integrated and covered by a signed checkpoint."""
    refs = [r for r in references if r]
    checkpoint = latest_checkpoint()
    if not refs or checkpoint is None:
        return {}
    rows = _visible_entries(user).filter(reference__in=refs, index__lt=checkpoint.size)
    return dict(rows.values_list("reference", "index"))


def receipt_pending_for(user: Any, references: Iterable[str]) -> set[str]:
    """Of those rows, the ones whose entry is recorded but not yet in a signed checkpoint:
    its receipt comes with the next checkpoint (``BAYFIN_LEDGER_CHECKPOINT_SECONDS`` at most,
    once the scheduler runs)."""
    refs = [r for r in references if r]
    if not refs:
        return set()
    require_signed_in(user)
    rows = LedgerEntry.objects.filter(reference__in=refs)
    if not is_operator(user):
        org = organisation_of(user)
        if org is None:
            return set()
        rows = rows.filter(parties=org)
    checkpoint = latest_checkpoint()
    covered = checkpoint.size if checkpoint else 0
    return set(rows.filter(Q(index__isnull=True) | Q(index__gte=covered)).values_list("reference", flat=True))


def public_keys() -> dict[str, str | None]:
    """The verifier keys a verifier trusts: those that signed the latest checkpoint (kept with
    it), or, before any checkpoint, those of the key files (None when there is none yet)."""
    latest = latest_checkpoint()
    if latest is not None:
        return {"origin": settings.BAYFIN_LEDGER_ORIGIN, "log": latest.verifier_key,
                "witness": latest.witness_key or keys.witness_verifier_key()}
    try:
        log_key: str | None = keys.log_verifier_key()
    except keys.LedgerKeyMissing:
        log_key = None
    return {"origin": settings.BAYFIN_LEDGER_ORIGIN, "log": log_key, "witness": keys.witness_verifier_key()}


def receipt_index_for_subject(user: Any, obj: Any, *, kinds: Iterable[str] = ()) -> int | None:
    """The index of the newest entry about ``obj`` (its subject; of one of ``kinds`` when
    given) the user may download a receipt for, or None: for a page about one object whose
    entries have no row of their own (an organisation's verification decision)."""
    checkpoint = latest_checkpoint()
    if checkpoint is None or obj is None or obj.pk is None:
        return None
    rows = _visible_entries(user).filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk),
                                         index__lt=checkpoint.size)
    wanted = list(kinds)
    if wanted:
        rows = rows.filter(kind__in=wanted)
    index = rows.order_by("-index").values_list("index", flat=True).first()
    return int(index) if index is not None else None
