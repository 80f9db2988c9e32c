from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.fields import money_field
from bayfin.common.models import TimeStampedModel
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import InstitutionKind, Instrument
from bayfin.scoring.engine.grades import GRADES

# The credit grades of the master scale, best first (a product's minimum grade is one of them).
GRADE_CHOICES = [(g, g) for g in GRADES]


class Association(TimeStampedModel):
    """A body institutions belong to (e.g. the Macao Venture Capital Association). Operators manage memberships."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Institution(TimeStampedModel):
    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="institution"
    )
    kind = models.CharField(_("institution kind"), max_length=40, choices=InstitutionKind.choices, db_index=True)
    licence_number = models.CharField(_("licence number"), max_length=64)
    aum_amount = money_field(_("assets under management"), null=True, blank=True)
    aum_currency = models.CharField(_("AUM currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    description = models.TextField(_("description"), blank=True)
    associations = models.ManyToManyField(Association, blank=True, related_name="institutions")

    def __str__(self) -> str:
        return str(self.organisation)


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Product(TimeStampedModel):
    """What an institution offers. List fields hold codes from ``bayfin.common.vocab``;
    an empty list means "any"."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument.choices, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=ProductStatus.choices,
                              default=ProductStatus.DRAFT, db_index=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    stages = models.JSONField(_("stages"), default=list, blank=True)
    jurisdictions = models.JSONField(_("jurisdictions served"), default=list, blank=True)
    currencies = models.JSONField(_("currencies"), default=list)
    ticket_currency = models.CharField(_("ticket currency"), max_length=3, choices=CURRENCY_CHOICES)
    ticket_min = money_field(_("minimum ticket"))
    ticket_max = money_field(_("maximum ticket"))
    term_min_months = models.PositiveIntegerField(_("minimum term (months)"), null=True, blank=True)
    term_max_months = models.PositiveIntegerField(_("maximum term (months)"), null=True, blank=True)
    rate_min_percent = models.DecimalField(_("indicative rate from (% a year)"), max_digits=6, decimal_places=3, null=True, blank=True)
    rate_max_percent = models.DecimalField(_("indicative rate to (% a year)"), max_digits=6, decimal_places=3, null=True, blank=True)
    pricing_note = models.CharField(_("pricing note"), max_length=300, blank=True)
    min_years_operating = models.PositiveSmallIntegerField(_("minimum years operating"), default=0)
    min_revenue_amount = money_field(_("minimum yearly revenue"), null=True, blank=True)
    min_revenue_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    required_certifications = models.JSONField(_("required certifications"), default=list, blank=True)
    # Matching's hard requirements on private data: the enterprise's credit grade (only checked
    # when it has one) and its sci-tech qualifications (any of them; only a decided "no" to each
    # excludes). Qualification codes from ``bayfin.common.vocab.Qualification``.
    min_credit_grade = models.CharField(_("minimum credit grade"), max_length=3, choices=GRADE_CHOICES,
                                        blank=True)
    required_qualifications = models.JSONField(_("required sci-tech qualifications (any of)"), default=list,
                                               blank=True)
    cross_border = models.BooleanField(_("cross-border"), default=False)
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)
    thesis = models.TextField(_("thesis"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(ticket_min__lte=models.F("ticket_max")),
                                   name="product_ticket_min_lte_max"),
        ]

    def __str__(self) -> str:
        return self.name
