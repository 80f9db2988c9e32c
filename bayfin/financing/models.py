from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.fields import money_field
from bayfin.common.models import TimeStampedModel
from bayfin.common.money import CURRENCY_CHOICES

from .transitions import DEAL_TERMINAL_STAGES, DealStage, RequestStatus


class FinancingRequest(TimeStampedModel):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE,
                                   related_name="financing_requests")
    title = models.CharField(_("title"), max_length=200)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    instruments = models.JSONField(_("acceptable instruments"), default=list)
    purpose = models.TextField(_("purpose"))
    use_of_funds = models.TextField(_("use of funds"), blank=True)
    term_months = models.PositiveIntegerField(_("term (months)"), null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The cross-border channel the enterprise means to use (optional; checked by fx).
    channel = models.ForeignKey("fx.Channel", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="requests", verbose_name=_("preferred channel"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="request_amount_positive")]

    def __str__(self) -> str:
        return self.title


class Deal(TimeStampedModel):
    """One institution and one request, from the first interest to the end.

    The stage moves only through ``services.deal_transition`` along
    ``transitions.DEAL_TRANSITIONS``; each move writes a ``DealEvent``.
    """

    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="deals")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="deals")
    product = models.ForeignKey("institutions.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="deals")
    stage = models.CharField(_("stage"), max_length=30, choices=DealStage.choices,
                             default=DealStage.INTEREST, db_index=True)
    message = models.TextField(_("message"))
    # The channel the money moves through, found by fx when the deal names a product.
    channel = models.ForeignKey("fx.Channel", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="deals", verbose_name=_("channel"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "institution"],
                condition=~models.Q(stage__in=[s.value for s in DEAL_TERMINAL_STAGES]),
                name="deal_one_live_per_request_institution",
            )
        ]

    def __str__(self) -> str:
        return f"Deal #{self.pk}"


class DealEvent(models.Model):
    """The history of a deal: one row per transition (the first row is its creation)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=30, blank=True)
    to_stage = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deal} {self.from_stage}->{self.to_stage}"
