"""Every write of the ledger.

- ``ledger_record``: called by the services that make an agreement-level change, inside
  their transaction; it writes the entry into the outbox (an unindexed ``LedgerEntry``)
  and asks for integration once the transaction commits. A business transaction never
  waits on the end of the log.
- ``integrate``: the only writer of the tree. It locks ``LogHead``, takes pending entries
  in the order they were written, gives them the next indices and stores the new
  complete-subtree hashes. Two integrators never interleave.
- ``checkpoint_if_due``: signs a checkpoint every ``BAYFIN_LEDGER_CHECKPOINT_EVERY``
  entries or ``BAYFIN_LEDGER_CHECKPOINT_SECONDS`` seconds, after checking that the new tree
  is consistent with the last signed one (the platform never signs two inconsistent
  checkpoints), and has the witness cosign it when a witness key is configured.
- ``audit``: recomputes the tree from the stored entries and compares it with every signed
  checkpoint and every stored hash; any edit of an entry is found and named.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from bayfin.common.audit import audit_record

from . import keys
from .entries import build_entry
from .models import LedgerEntry, LogHead, SignedCheckpoint, TreeNode
from .store import fetch_nodes, frontier_pairs, prefetched
from .tlog.checkpoint import Checkpoint
from .tlog.cosignature import Witness
from .tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    consistency_proof_at,
    leaf_hash,
    node_hash,
    root_at,
    verify_consistency,
)
from .tlog.note import add_signature_lines, sign

log = logging.getLogger(__name__)


class LedgerCorrupt(RuntimeError):
    """The stored tree disagrees with itself or with a signed checkpoint: nothing is signed."""


# --------------------------------------------------------------------------- the outbox


@dataclass(frozen=True)
class Party:
    """A party to an entry: its organisation and its role ("enterprise", "institution", ...)."""

    organisation: Any
    role: str


def registration_of(organisation: Any) -> str:
    """The public registration number of a party (an enterprise's, an institution's licence),
    or the platform's own name for the operator: an id, never personal data."""
    enterprise = getattr(organisation, "enterprise", None) if organisation.kind == "enterprise" else None
    if enterprise is not None:
        return str(enterprise.registration_number)
    institution = getattr(organisation, "institution", None) if organisation.kind == "institution" else None
    if institution is not None:
        return str(institution.licence_number)
    return f"bayfin-organisation-{organisation.pk}"


def entry_of(*, kind: str, subject: models.Model, parties: Sequence[Party], data: Mapping[str, Any] | None = None,
             documents: Iterable[str] = (), amounts: Iterable[tuple[Decimal, str]] = (),
             at: datetime | None = None, reference: models.Model | None = None,
             texts: Iterable[str] = ()) -> tuple[LedgerEntry, list[Any]]:
    """An unsaved entry (its canonical body and leaf hash) and its parties' organisations.

    ``texts`` (a comment, a reason) go in as salted hashes (``salted_text_hash``), each with a
    fresh random salt kept in ``LedgerEntry.salts``, never in the log.
    ``ledger_record`` saves one in a service's transaction; the demo loader saves many at once."""
    when = at or timezone.now()
    documents = list(documents)
    salts: dict[str, str] = {}
    for text in texts:
        if text:
            salt = os.urandom(SALT_BYTES)
            digest_hex = salted_text_hash(text, salt)
            documents.append(digest_hex)
            salts[digest_hex] = salt.hex()
    subject_type = subject._meta.label_lower
    body = build_entry(
        kind=kind, subject_type=subject_type, subject_id=str(subject.pk),
        parties=[{"role": p.role, "registration_number": registration_of(p.organisation)} for p in parties],
        at=when, data=dict(data or {}), documents=list(documents), amounts=list(amounts),
    )
    digest = leaf_hash(body)
    entry = LedgerEntry(kind=kind, body=body.decode("utf-8"), leaf_hash=digest, leaf_hash_hex=digest.hex(),
                        subject_type=subject_type, subject_id=str(subject.pk), reference=reference_of(reference),
                        salts=salts)
    return entry, [p.organisation for p in parties]


def ledger_record(*, kind: str, subject: models.Model, parties: Sequence[Party], data: Mapping[str, Any] | None = None,
                  documents: Iterable[str] = (), amounts: Iterable[tuple[Decimal, str]] = (),
                  at: datetime | None = None, reference: models.Model | None = None,
                  texts: Iterable[str] = ()) -> LedgerEntry:
    """Write an agreement-level event into the outbox, in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_record must be called inside the service's transaction")
    entry, organisations = entry_of(kind=kind, subject=subject, parties=parties, data=data, documents=documents,
                                    amounts=amounts, at=at, reference=reference, texts=texts)
    entry.save()
    entry.parties.set(organisations)
    integrate_on_commit()
    return entry


def reference_of(obj: models.Model | None) -> str:
    """How a page finds the entry that records one of its rows: "financing.dealevent:12"."""
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else ""


SALT_BYTES = 16


def salted_text_hash(text: str, salt: bytes) -> str:
    """SHA-256 (hex) of a salt and a free text (UTF-8): what the log keeps of a comment or a
    reason. Without the salt nobody can confirm a guess of a short text; with it (held by
    the platform for the parties, erasable) a party proves exactly what was written."""
    return hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


def integrate_on_commit() -> None:
    """Integrate once the transaction commits; once per transaction, however many entries it
    wrote (closing a request closes all its deals: one integration, not one per deal)."""
    from .tasks import integrate_pending  # tasks import this module

    connection = transaction.get_connection()
    if any(getattr(callback, "ledger_integrate", False) and not getattr(callback, "ran", False)
           for _sids, callback, *_rest in connection.run_on_commit):
        return  # already asked for in this transaction (a rolled-back savepoint takes its own along)

    def run() -> None:
        run.ran = True  # type: ignore[attr-defined]
        integrate_pending.delay()

    run.ledger_integrate = True  # type: ignore[attr-defined]
    # robust: the business change is committed whatever happens to the integration (the
    # scheduler's next run picks the entry up).
    transaction.on_commit(run, robust=True)


# --------------------------------------------------------------------------- the integrator


def _lock_head() -> LogHead:
    """Take the integrator's lock: a write first (SQLite then holds its write lock before we
    read anything), then the row itself locked for update (PostgreSQL)."""
    LogHead.objects.get_or_create(pk=1)
    LogHead.objects.filter(pk=1).update(updated_at=timezone.now())
    return LogHead.objects.select_for_update().get(pk=1)


def _append(frontier: dict[tuple[int, int], bytes], size: int, leaf: bytes,
            new_nodes: list[tuple[int, int, bytes]]) -> None:
    """Append leaf number ``size``: store it and every subtree it completes."""
    level, position, h = 0, size, leaf
    new_nodes.append((0, position, h))
    frontier[(0, position)] = h
    while position & 1:
        left = frontier[(level, position - 1)]
        h = node_hash(left, h)
        level, position = level + 1, position >> 1
        new_nodes.append((level, position, h))
        frontier[(level, position)] = h


def _insert_nodes(rows: list[tuple[int, int, bytes]]) -> None:
    """Insert (level, position, hash) rows without building a model instance each (the ORM's
    bulk_create cost more than the hashing): COPY on PostgreSQL, executemany elsewhere."""
    table = connection.ops.quote_name(TreeNode._meta.db_table)
    columns = "(level, position, hash)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} {columns} VALUES (%s, %s, %s)", rows)  # noqa: S608


def _assign_indices(ids: list[int], first_index: int, now: datetime) -> None:
    """Give the entries ``ids`` (ascending) the indices from ``first_index`` on: one UPDATE per
    run of consecutive ids (index = id + offset), usually one per batch, instead of bulk_update's
    CASE over every row."""
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1:
            first, last = ids[start], ids[i - 1]
            LedgerEntry.objects.filter(id__gte=first, id__lte=last, index__isnull=True).update(
                index=F("id") + (first_index + start - first), integrated_at=now)
            start = i


def integrate(*, limit: int | None = None) -> int:
    """Append pending entries to the tree, a batch per transaction; return how many."""
    total = 0
    batch = settings.BAYFIN_LEDGER_BATCH
    while limit is None or total < limit:
        size = batch if limit is None else min(batch, limit - total)
        done = _integrate_batch(size)
        total += done
        if done < size:
            break
    return total


@transaction.atomic
def _integrate_batch(batch: int) -> int:
    head = _lock_head()
    pending = list(LedgerEntry.objects.filter(index__isnull=True).order_by("id")
                   .values_list("id", "leaf_hash")[:batch])
    if not pending:
        return 0
    first_index = size = head.size
    frontier = fetch_nodes(frontier_pairs(size))
    if len(frontier) != len(frontier_pairs(size)):
        raise LedgerCorrupt(f"the stored tree lacks the right edge of size {size}")
    new_nodes: list[tuple[int, int, bytes]] = []
    for _, leaf in pending:
        _append(frontier, size, bytes(leaf), new_nodes)
        size += 1
    _insert_nodes(new_nodes)
    _assign_indices([pk for pk, _ in pending], first_index, timezone.now())
    head.size = size
    head.save(update_fields=["size", "updated_at"])
    return len(pending)


def tree_size() -> int:
    head = LogHead.objects.filter(pk=1).first()
    return head.size if head else 0


# --------------------------------------------------------------------------- checkpoints


def _witness(signer_verifier: Any) -> Witness | None:
    witness_key = keys.witness_signer()
    if witness_key is None:
        return None
    last = SignedCheckpoint.objects.filter(cosigned=True).order_by("-size").first()
    last_checkpoint = Checkpoint(settings.BAYFIN_LEDGER_ORIGIN, last.size, bytes(last.root_hash)) if last else None
    return Witness(witness_key, signer_verifier, settings.BAYFIN_LEDGER_ORIGIN, verify_consistency,
                   last=last_checkpoint)


def checkpoint_if_due(*, force: bool = False, now: datetime | None = None) -> SignedCheckpoint | None:
    """Sign a checkpoint of the current tree when it is due (or ``force``); None when not due.

    Raises LedgerKeyMissing without a key and LedgerCorrupt when the tree is not
    consistent with the last signed checkpoint."""
    signer = keys.log_signer()
    now = now or timezone.now()
    with transaction.atomic():
        head = _lock_head()
        last = SignedCheckpoint.objects.order_by("-size").first()
        size = head.size
        if last is not None and size < last.size:
            raise LedgerCorrupt(f"the tree has {size} entries, fewer than the signed checkpoint's {last.size}")
        if last is not None and size == last.size:
            return None
        grown = size - (last.size if last else 0)
        old_enough = last is None or now - last.created_at >= timedelta(seconds=settings.BAYFIN_LEDGER_CHECKPOINT_SECONDS)
        if not force and grown < settings.BAYFIN_LEDGER_CHECKPOINT_EVERY and not old_enough:
            return None
        proof: list[bytes] = []
        try:  # a node missing under the head (a deleted row, a head moved on) is a corrupt tree
            root = prefetched(size, root_at, size) if size else EMPTY_ROOT
            if last is not None and last.size:
                proof = prefetched(size, consistency_proof_at, last.size, size)
        except LookupError as exc:
            raise LedgerCorrupt(f"the stored tree of size {size} is incomplete: {exc}") from exc
        if last is not None and last.size:
            try:
                verify_consistency(last.size, size, proof, bytes(last.root_hash), root)
            except ProofError as exc:
                raise LedgerCorrupt(f"not consistent with the checkpoint at size {last.size}: {exc.reason}") from exc
        body = Checkpoint(settings.BAYFIN_LEDGER_ORIGIN, size, root).format()
        note = sign(body, [signer])
        cosigned = False
        witness = _witness(signer.verifier())
        if witness is not None:
            witness_proof = proof
            if witness.last is not None and last is not None and witness.last.size != last.size:
                witness_proof = prefetched(size, consistency_proof_at, witness.last.size, size) if witness.last.size else []
            line = witness.cosign(note, witness_proof, int(time.time()))
            note = add_signature_lines(note, [line])
            cosigned = True
        checkpoint = SignedCheckpoint.objects.create(
            size=size, root_hash=root, note=note, cosigned=cosigned, verifier_key=signer.verifier().vkey(),
            witness_key=witness.signer.verifier().vkey() if witness is not None else "")
        # Signing is the platform's commitment to the log: audited. (Integration, which only
        # gives entries their index, is recorded by the log itself.)
        audit_record(actor=None, action="ledger.checkpoint_signed", subject=checkpoint,
                     new={"size": size, "root_hash": root.hex(), "cosigned": cosigned})
        return checkpoint


# --------------------------------------------------------------------------- audit


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit() -> AuditReport:
    """Recompute everything from the stored entries and name each disagreement once.

    Each entry's body must hash to its stored leaf hash (a hand-edited body is named by its
    index and kind); the tree of the bodies must give the root of every signed checkpoint
    (so a body and its hash edited together are caught too); the tree of the stored leaf
    hashes must match every stored node (an edited leaf hash is named by its entry)."""
    report = AuditReport()
    tree = MemoryTree()  # from the stored leaf hashes: compared with the stored nodes
    from_bodies = MemoryTree()  # from the bodies themselves: compared with the signed roots
    rows = LedgerEntry.objects.filter(index__isnull=False).order_by("index").values_list(
        "index", "body", "leaf_hash", "kind", "subject_type", "subject_id")
    for expected, (index, body, stored_hash, kind, subject_type, subject_id) in enumerate(rows.iterator(2000)):
        if index != expected:
            report.problems.append(f"index {expected} is missing (the next stored entry has index {index})")
            break
        recomputed = leaf_hash(body.encode("utf-8"))
        if recomputed != bytes(stored_hash):
            report.problems.append(f"entry {index} ({kind} {subject_type}:{subject_id}) was edited: its body "
                                   f"hashes to {recomputed.hex()}, the tree holds {bytes(stored_hash).hex()}")
        tree.append_leaf_hash(bytes(stored_hash))
        from_bodies.append_leaf_hash(recomputed)
        report.entries += 1
    size = tree_size()
    if size != report.entries and not report.problems:
        report.problems.append(f"the log head says {size} entries, {report.entries} are stored")
    for checkpoint in SignedCheckpoint.objects.order_by("size"):
        report.checkpoints += 1
        if checkpoint.size > tree.size:
            report.problems.append(f"checkpoint {checkpoint.size} is beyond the {tree.size} entries stored")
        elif from_bodies.root(checkpoint.size) != bytes(checkpoint.root_hash):
            report.problems.append(f"checkpoint {checkpoint.size}: the entries give root "
                                   f"{from_bodies.root(checkpoint.size).hex()}, the signed root is "
                                   f"{bytes(checkpoint.root_hash).hex()}")
    for level, position, h in TreeNode.objects.values_list("level", "position", "hash").iterator(5000):
        if (position + 1) << level > tree.size:
            report.problems.append(f"stored node level {level} position {position} is beyond the tree")
        elif tree.get(level, position) != bytes(h):
            whose = f" (entry {position}'s leaf hash)" if level == 0 else ""
            report.problems.append(f"stored node level {level} position {position} differs from the "
                                   f"recomputed tree{whose}")
    return report


def sha256_rate(seconds: float = 0.2) -> float:
    """Raw SHA-256 hashes of 65-byte inputs per second on this machine (for benchmarks)."""
    payload = b"\x01" + bytes(64)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            hashlib.sha256(payload).digest()
        count += 1000
    return count / (time.perf_counter() - start)
