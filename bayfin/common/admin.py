"""The audit log in the admin: read-only, so no event is ever changed or removed."""

from __future__ import annotations

from django.contrib import admin

from .admin_base import ReadOnlyMixin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "subject_type", "subject_id", "subject_label")
    list_filter = ("action", "subject_type")
    search_fields = ("actor_label", "action", "subject_label", "subject_id")
    date_hierarchy = "at"
