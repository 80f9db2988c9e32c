"""In-app notifications. The text is kept as its English message and parameters and
translated when read, so each reader sees it in their own language."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    # An English message marked with gettext_noop where it is written, with %(name)s parameters.
    message = models.TextField()
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=100, blank=True)  # "app.model:pk"
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
