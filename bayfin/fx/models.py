"""Exchange rates, cross-border channels, limit parameters and declared cross-border debts.

There is one rate table for the whole platform: every conversion goes through
``bayfin.fx.selectors.convert``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.fields import money_field
from bayfin.common.i18n import in_language as _in_language
from bayfin.common.models import TimeStampedModel
from bayfin.common.money import CURRENCY_CHOICES

from .engine.rates import RATE_DECIMAL_PLACES


class FxRate(TimeStampedModel):
    """1 ``base`` = ``rate`` ``quote`` on ``day``."""

    day = models.DateField(_("date"), db_index=True)
    base = models.CharField(_("base currency"), max_length=3, choices=CURRENCY_CHOICES)
    quote = models.CharField(_("quote currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(_("rate"), max_digits=RATE_DECIMAL_PLACES + 8, decimal_places=RATE_DECIMAL_PLACES)
    source = models.CharField(_("source"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-day", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["day", "base", "quote"], name="fx_rate_one_per_pair_and_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("quote")), name="fx_rate_two_currencies"),
        ]

    def __str__(self) -> str:
        return f"{self.day} 1 {self.base} = {self.rate} {self.quote}"


class LimitRule(models.TextChoices):
    NONE = "none", _("No borrowing limit on the platform")
    MPA_CAP = "mpa_cap", _("PBoC macro-prudential cross-border financing cap")
    MPA_OR_FACILITATION = "mpa_cap_or_facilitation_quota", _(
        "PBoC macro-prudential cap, or the SAFE facilitation quota for high-tech and SRDI enterprises")


class ChannelDocument(models.TextChoices):
    LOAN_CONTRACT = "loan_contract", _("Loan contract")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    USE_OF_FUNDS = "use_of_funds", _("Statement of the use of funds")
    BOARD_RESOLUTION = "board_resolution", _("Board resolution")
    FINANCIAL_STATEMENTS = "financial_statements", _("Audited financial statements")
    PBOC_FILING = "pboc_filing", _("Cross-border financing filing with the People's Bank of China")
    SAFE_REGISTRATION = "safe_registration", _("Foreign-debt registration with SAFE")
    NDRC_CERTIFICATE = "ndrc_certificate", _("NDRC registration certificate for medium- and long-term foreign debt")
    HIGH_TECH_CERTIFICATE = "high_tech_certificate", _("HNTE or SRDI certificate")
    QFLP_APPROVAL = "qflp_approval", _("QFLP pilot approval of the fund")
    SUBSCRIPTION_AGREEMENT = "subscription_agreement", _("Subscription or share-purchase agreement")
    FOREIGN_INVESTMENT_REPORT = "foreign_investment_report", _("Foreign-investment information report")
    OFFERING_CIRCULAR = "offering_circular", _("Offering circular")
    MACAO_LISTING = "macao_listing", _("Listing or registration with a Macao bond venue")
    OFFSHORE_REGISTRATION = "offshore_registration", _("Borrower's registration documents (Macao or Hong Kong)")
    CREDIT_REPORT = "credit_report", _("Credit report")


class Channel(TimeStampedModel):
    """A way money may move from a lender's jurisdiction to an enterprise's, as data."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=200, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    notes_en = models.TextField(_("conditions and notes (English)"), blank=True)
    notes_zh_hans = models.TextField(_("conditions and notes (Simplified Chinese)"), blank=True)
    notes_zh_hant = models.TextField(_("conditions and notes (Traditional Chinese)"), blank=True)
    notes_pt = models.TextField(_("conditions and notes (Portuguese)"), blank=True)
    from_jurisdictions = models.JSONField(_("money from"), default=list)
    to_jurisdictions = models.JSONField(_("enterprise in"), default=list)
    instruments = models.JSONField(_("instruments"), default=list)
    lender_currencies = models.JSONField(_("currencies lent or invested"), default=list)
    borrower_currencies = models.JSONField(_("currencies received"), default=list)
    conditions = models.JSONField(_("checked conditions"), default=list, blank=True)
    documents = models.JSONField(_("required documents"), default=list, blank=True)
    limit_rule = models.CharField(_("limit rule"), max_length=40, choices=LimitRule.choices, default=LimitRule.NONE)
    policy_source = models.TextField(_("policy sources"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    active = models.BooleanField(_("active"), default=True)

    NAME_FIELDS = ("name_en", "name_zh_hans", "name_zh_hant", "name_pt")
    NOTES_FIELDS = ("notes_en", "notes_zh_hans", "notes_zh_hant", "notes_pt")

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.code

    def display_name(self, language: str | None = None) -> str:
        return _in_language(self, "name", language) or self.code

    def notes(self, language: str | None = None) -> str:
        return _in_language(self, "notes", language)


class LimitParameterSet(TimeStampedModel):
    """The limits' parameters, in force from a date until the next set."""

    effective_from = models.DateField(_("in force from"), unique=True)
    leverage_ratio = models.DecimalField(_("cross-border financing leverage ratio"), max_digits=8, decimal_places=4)
    adjustment_parameter = models.DecimalField(_("macro-prudential adjustment parameter"), max_digits=8,
                                               decimal_places=4)
    short_term_factor = models.DecimalField(_("term factor, one year or less"), max_digits=8, decimal_places=4)
    long_term_factor = models.DecimalField(_("term factor, over one year"), max_digits=8, decimal_places=4)
    on_balance_factor = models.DecimalField(_("category factor, on balance sheet"), max_digits=8, decimal_places=4)
    off_balance_factor = models.DecimalField(_("category factor, off balance sheet"), max_digits=8,
                                             decimal_places=4)
    fx_risk_factor = models.DecimalField(_("exchange-rate risk factor"), max_digits=8, decimal_places=4)
    short_term_months = models.PositiveSmallIntegerField(_("short term means up to (months)"), default=12)
    facilitation_quota_usd = money_field(_("facilitation quota (USD)"))
    facilitation_certifications = models.JSONField(_("certifications that qualify for the quota"), default=list)
    facilitation_jurisdictions = models.JSONField(_("pilot areas of the quota"), default=list)
    source = models.TextField(_("sources"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    FACTOR_FIELDS = ("leverage_ratio", "adjustment_parameter", "short_term_factor", "long_term_factor",
                     "on_balance_factor", "off_balance_factor", "fx_risk_factor")

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"Limit parameters from {self.effective_from}"


class CrossBorderDebt(TimeStampedModel):
    """An outstanding cross-border debt the enterprise declares (borrowed outside the platform).

    Its balance counts against the limits; private to the enterprise.
    """

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE,
                                   related_name="cross_border_debts")
    lender = models.CharField(_("lender"), max_length=200)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("channel"))
    balance = money_field(_("outstanding balance"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    term_months = models.PositiveIntegerField(_("original term (months)"))
    drawn_on = models.DateField(_("drawn on"))
    off_balance = models.BooleanField(_("off balance sheet (contingent)"), default=False)

    class Meta:
        ordering = ["-drawn_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(balance__gt=0), name="fx_debt_balance_positive")]

    def __str__(self) -> str:
        return f"{self.lender} {self.currency} {self.balance}"
