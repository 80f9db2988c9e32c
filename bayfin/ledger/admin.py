"""Admin: operators read the log's entries and signed checkpoints; nothing is ever changed
here. Entries are written only through ``ledger_record`` and indexed only by the integrator;
an edit would break every later checkpoint (and ``bayfin ledger audit`` would name it)."""

from __future__ import annotations

from django.contrib import admin

from bayfin.common.admin_base import ReadOnlyMixin

from .models import LedgerEntry, SignedCheckpoint


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("index", "kind", "subject_type", "subject_id", "reference", "created_at", "integrated_at")
    list_filter = ("kind", "subject_type")
    ordering = ("-id",)
    search_fields = ("leaf_hash_hex", "reference", "subject_id")
    fields = ("index", "kind", "subject_type", "subject_id", "reference", "leaf_hash_hex", "body", "parties",
              "created_at", "integrated_at")
    readonly_fields = fields


@admin.register(SignedCheckpoint)
class SignedCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "cosigned", "created_at")
    list_filter = ("cosigned",)
    fields = ("size", "cosigned", "note", "created_at")
    readonly_fields = fields
