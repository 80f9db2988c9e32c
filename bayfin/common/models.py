from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per state change, written in the same transaction as the change.

    ``old`` and ``new`` hold the changed fields' values before and after.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="'system' for scheduled jobs")
    action = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=100, db_index=True)
    subject_id = models.CharField(max_length=64, db_index=True)
    subject_label = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("The organisation the subject belongs to"),
    )
    old = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    new = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}#{self.subject_id}"
