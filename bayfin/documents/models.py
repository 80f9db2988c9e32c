"""Documents in an enterprise's data room: stored under their SHA-256, never at a public URL."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    STATEMENTS = "statements", _("Financial statements")
    PATENT = "patent", _("Patent")
    CONTRACT = "contract", _("Contract")
    TERM_SHEET = "term_sheet", _("Term sheet")
    OTHER = "other", _("Other")


class Document(models.Model):
    # Whose data room it belongs to (the enterprise the deal or data is about).
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="documents"
    )
    # Set when uploaded in a deal's context (attached to a step): the deal's parties may read it.
    deal = models.ForeignKey(
        "financing.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    # As sniffed from the content, never from the name or the browser's claim.
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    storage_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title
