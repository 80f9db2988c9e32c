"""The ledger's tables.

- ``LedgerEntry``: one agreement-level event as its canonical JSON bytes. Services write
  it in their own transaction with ``index`` empty: that is the outbox. The integrator
  alone gives it its index, in the order entries were written.
- ``TreeNode``: the hash of every complete subtree of the Merkle tree (level 0 holds the
  leaf hashes), written only by the integrator; proofs at any size read O(log n) of them.
- ``LogHead``: one row holding the integrated size; the integrator locks it, so two
  integrators never interleave.
- ``SignedCheckpoint``: every checkpoint the platform signed (C2SP signed note, with any
  witness cosignature lines).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    kind = models.CharField(_("event"), max_length=60, db_index=True)
    body = models.TextField(_("canonical JSON"))  # exactly the bytes hashed (UTF-8)
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    leaf_hash_hex = models.CharField(_("leaf hash (hex)"), max_length=64, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.CharField(_("subject id"), max_length=40)
    # What on the platform the entry records, for linking a receipt from its page
    # ("financing.dealevent:12"); the subject alone may have many entries.
    reference = models.CharField(_("reference"), max_length=80, blank=True, db_index=True)
    parties = models.ManyToManyField("accounts.Organisation", related_name="ledger_entries", blank=True)
    # The random salt of each free text hashed into the body ({hash: salt hex}): kept out of
    # the log, shown only to the parties (who prove a text by revealing it with its salt),
    # and erasable, after which the hash can no longer be linked to any text.
    salts = models.JSONField(_("salts of hashed texts"), default=dict, blank=True)
    index = models.BigIntegerField(_("index in the log"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    integrated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="ledger_entry_subject")]

    def __str__(self) -> str:
        where = f"#{self.index}" if self.index is not None else "pending"
        return f"{self.kind} {self.subject_type}:{self.subject_id} ({where})"


class TreeNode(models.Model):
    """The hash of leaves [position·2^level, (position+1)·2^level)."""

    level = models.PositiveSmallIntegerField()
    position = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "position"], name="ledger_node_unique")]


class LogHead(models.Model):
    """The single row (pk 1) the integrator locks; ``size`` entries are in the tree."""

    size = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class SignedCheckpoint(models.Model):
    size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    cosigned = models.BooleanField(_("cosigned by the witness"), default=False)
    # The public keys that verify it, kept with it so pages and receipts never read the
    # private key file.
    verifier_key = models.CharField(_("log verifier key"), max_length=200)
    witness_key = models.CharField(_("witness verifier key"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"
