"""An enterprise's consents to institutions, and the log of every read made under one.

A grant is *live* while it is active, not past its date and (when it belongs to a deal)
the deal is still live; ``selectors.live_grant`` is the one place that decides, at the
moment of each read, so a revocation or an expiry takes effect mid-session.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.models import TimeStampedModel


class Scope(models.TextChoices):
    PROFILE = "profile", _("Profile details")
    STATEMENTS = "statements", _("Financial statements")
    CREDIT = "credit", _("Credit score and reasons")
    EVALUATION = "evaluation", _("Sci-tech evaluation")
    DOCUMENTS = "documents", _("Documents")


# What accepting an interest proposes: for the life of the deal.
DEFAULT_DEAL_SCOPES = (Scope.PROFILE, Scope.STATEMENTS)


class GrantStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (awaiting your confirmation)")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    ENDED = "ended", _("Ended with the deal")
    DISMISSED = "dismissed", _("Not granted")


class ConsentGrant(TimeStampedModel):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="consents")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="consents")
    # Set when the grant was proposed by accepting a deal's interest; such a grant may run
    # "for the life of the deal" (valid_until empty) and ends when the deal ends.
    deal = models.ForeignKey("financing.Deal", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="consents")
    scopes = models.JSONField(_("scopes"), default=list)
    purpose = models.TextField(_("purpose"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=GrantStatus.choices,
                              default=GrantStatus.PROPOSED, db_index=True)
    # The recipient's jurisdiction when granted; outside the Mainland the grant is a
    # cross-border transfer and needs the separate consent (PIPL art. 39).
    recipient_jurisdiction = models.CharField(max_length=20, blank=True)
    cross_border = models.BooleanField(default=False)
    cross_border_consent_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["institution", "enterprise", "status"])]

    def __str__(self) -> str:
        return f"Consent #{self.pk}"


class DataAccess(models.Model):
    """One read of one scope of an enterprise's data by an institution's member."""

    grant = models.ForeignKey(ConsentGrant, on_delete=models.PROTECT, related_name="accesses")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="data_accesses")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    # What was read, as "app.model:pk" (a document) or empty for the scope as a whole.
    reference = models.CharField(max_length=100, blank=True)
    via = models.CharField(max_length=10, default="page")  # page or api
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-at"])]

    def __str__(self) -> str:
        return f"{self.institution_id} read {self.scope} of {self.enterprise_id}"
