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
    # A guarantee company that guarantees this deal's loan: a party to the deal (it sees the
    # deal, confirms the term sheet, and is a party of its ledger entries).
    guarantor = models.ForeignKey("institutions.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="guaranteed_deals", verbose_name=_("guarantor"))
    # Copied from the term sheet every party confirmed.
    agreed_amount = money_field(_("agreed amount"), null=True, blank=True)
    agreed_currency = models.CharField(max_length=3, blank=True, choices=CURRENCY_CHOICES)
    agreed_instrument = models.CharField(max_length=30, blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    # Loans: computed daily by the scheduler (and on each payment) from the schedule and payments.
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    days_past_due_on = models.DateField(null=True, blank=True)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)

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
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="deal_events")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deal} {self.from_stage}->{self.to_stage}"


class RepaymentMethod(models.TextChoices):
    ANNUITY = "annuity", _("Equal instalments (principal and interest)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal")
    BULLET = "bullet", _("Interest monthly, principal at the end")


class TermSheetStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed by every party")
    SUPERSEDED = "superseded", _("Superseded")


class TermSheet(models.Model):
    """The terms one side proposes; each party confirms (proposing counts as the proposer's
    confirmation). ``document_sha256`` is the SHA-256 of the canonical JSON document
    (``services.term_sheet_document``), which the ledger records once every party confirmed."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="term_sheets")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=TermSheetStatus.choices, default=TermSheetStatus.PROPOSED)
    instrument = models.CharField(_("instrument"), max_length=30)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    # Loans: the annual interest rate in per cent; equity: the pre-money valuation (same currency).
    annual_rate = models.DecimalField(_("annual interest rate (%)"), max_digits=7, decimal_places=4,
                                      null=True, blank=True)
    valuation = money_field(_("pre-money valuation"), null=True, blank=True)
    term_months = models.PositiveIntegerField(_("term (months)"), null=True, blank=True)
    repayment = models.CharField(_("repayment"), max_length=20, choices=RepaymentMethod.choices, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_side = models.CharField(max_length=20)
    proposed_at = models.DateTimeField(auto_now_add=True)
    enterprise_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                on_delete=models.SET_NULL, related_name="+")
    enterprise_confirmed_at = models.DateTimeField(null=True, blank=True)
    institution_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                 on_delete=models.SET_NULL, related_name="+")
    institution_confirmed_at = models.DateTimeField(null=True, blank=True)
    guarantor_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    guarantor_confirmed_at = models.DateTimeField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="term_sheet_number_per_deal"),
            models.UniqueConstraint(fields=["deal"], condition=models.Q(status="confirmed"),
                                    name="term_sheet_one_confirmed_per_deal"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="term_sheet_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Term sheet {self.number} of deal #{self.deal_id}"


class Instalment(models.Model):
    """One line of a loan's repayment schedule, made from the confirmed term sheet at disbursement."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveIntegerField()
    due_on = models.DateField()
    principal = money_field(_("principal"))
    interest = money_field(_("interest"))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["deal", "number"], name="instalment_number_per_deal")]

    def __str__(self) -> str:
        return f"Instalment {self.number} of deal #{self.deal_id}"


class Payment(models.Model):
    """A repayment the lender received, in the deal's currency; applied to the oldest instalment
    first, interest before principal (``engine.schedule.allocate``)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="payments")
    amount = money_field(_("amount"))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"Payment {self.amount} {self.currency} on deal #{self.deal_id}"
