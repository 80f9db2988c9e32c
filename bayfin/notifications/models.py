"""In-app notifications. The text is kept as its English message and parameters and
translated when read, so each reader sees it in their own language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme


def safe_link(link: str) -> str:
    """``link`` if it is a path on this site ("/financing/deals/5/"), else "".

    A notification never leads off the site: absolute URLs, protocol-relative ones
    ("//host", "/\\host") and anything with whitespace or control characters are dropped.
    """
    if (
        not link
        or not link.startswith("/")
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link)
    ):
        return ""
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=set()):
        return ""
    return link


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
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

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def site_link(self) -> str:
        """The link if it stays on this site, else "" (shown as plain text)."""
        return safe_link(self.link)

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
