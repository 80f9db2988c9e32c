from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.fields import money_field
from bayfin.common.models import TimeStampedModel
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import CertificationKind, Sector, Stage, TaxCreditGrade


class Enterprise(TimeStampedModel):
    """An enterprise's profile. Names and jurisdiction live on the organisation."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="enterprise"
    )
    registration_number = models.CharField(_("registration number"), max_length=32, unique=True)
    founding_date = models.DateField(_("founding date"))
    employees = models.PositiveIntegerField(_("employees"))
    tech_staff = models.PositiveIntegerField(_("tech staff"))
    sector = models.CharField(_("sector"), max_length=40, choices=Sector.choices, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, db_index=True)
    description = models.TextField(_("business description"), blank=True)
    # IP holdings. Class I: invention patents and other Class I items; Class II: the rest.
    invention_patents = models.PositiveIntegerField(_("invention patents"), default=0)
    utility_models = models.PositiveIntegerField(_("utility models"), default=0)
    designs = models.PositiveIntegerField(_("designs"), default=0)
    software_copyrights = models.PositiveIntegerField(_("software copyrights"), default=0)
    other_class_i = models.PositiveIntegerField(_("other Class I IP"), default=0)
    other_class_ii = models.PositiveIntegerField(_("other Class II IP"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tech_staff__lte=models.F("employees")),
                name="enterprise_tech_staff_lte_employees",
            )
        ]

    @property
    def class_i_ip(self) -> int:
        return self.invention_patents + self.other_class_i

    @property
    def class_ii_ip(self) -> int:
        return self.utility_models + self.designs + self.software_copyrights + self.other_class_ii

    def __str__(self) -> str:
        return str(self.organisation)


class BeneficialOwner(TimeStampedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="beneficial_owners")
    name = models.CharField(_("name"), max_length=200)
    share_percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    nationality = models.CharField(_("nationality"), max_length=2, help_text=_("ISO 3166 alpha-2"))

    def __str__(self) -> str:
        return f"{self.name} ({self.share_percent}%)"


class Certification(TimeStampedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(_("certification"), max_length=20, choices=CertificationKind.choices)
    number = models.CharField(_("certificate number"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    published = models.BooleanField(_("show on public profile"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "issued_on"], name="certification_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issued_on}"


class FinancialStatement(TimeStampedModel):
    """One year's statement, in one currency. Private to the enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="statements")
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    revenue = money_field(_("revenue"))
    rd_expense = money_field(_("R&D expense"))
    total_costs = money_field(_("total costs"))
    net_profit = money_field(_("net profit"))
    total_assets = money_field(_("total assets"))
    total_liabilities = money_field(_("total liabilities"))
    operating_cash_flow = money_field(_("operating cash flow"))
    tax_credit_grade = models.CharField(_("tax credit grade"), max_length=1, choices=TaxCreditGrade.choices, blank=True)

    # Fields that may be negative (losses, outflows); all others are >= 0.
    SIGNED_FIELDS = ("net_profit", "operating_cash_flow")
    AMOUNT_FIELDS = ("revenue", "rd_expense", "total_costs", "net_profit", "total_assets",
                     "total_liabilities", "operating_cash_flow")

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="statement_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"
