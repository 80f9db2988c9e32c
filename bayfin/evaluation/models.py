"""Evaluations, self-declared answers, badges, policy programmes and applications.

An evaluation is a stored result of one versioned rule set with the inputs it read,
so it can be re-explained in any language and reproduced later. Declarations are the
answers the rules need that the profile does not hold, each with who declared it and
when. Programmes are operator-defined, with eligibility in the safe rule language of
``engine.rules``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.fields import money_field
from bayfin.common.i18n import in_language
from bayfin.common.models import TimeStampedModel
from bayfin.common.money import CURRENCY_CHOICES
from bayfin.common.vocab import Qualification

RuleSet = Qualification  # the rule sets are the qualifications (a vocabulary shared with public filters)


class EvaluationStatus(models.TextChoices):
    QUALIFIED = "qualified", _("Qualifies")
    NOT_QUALIFIED = "not_qualified", _("Does not qualify yet")
    UNDETERMINED = "undetermined", _("Cannot tell yet")


class Declaration(TimeStampedModel):
    """One self-declared answer (JSON: true/false, a percentage string or a code)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="declarations")
    question = models.CharField(_("question"), max_length=40)
    answer = models.JSONField(_("answer"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "question"], name="declaration_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.question}"


class Evaluation(models.Model):
    """One rule set's result for one enterprise on one day, with the inputs it read."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="evaluations")
    rule_set = models.CharField(_("rule set"), max_length=20, choices=RuleSet.choices)
    version = models.CharField(_("version"), max_length=20)
    as_of = models.DateField(_("evaluated on"))
    status = models.CharField(_("status"), max_length=20, choices=EvaluationStatus.choices)
    path = models.CharField(_("qualification path"), max_length=40, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    score_low = models.PositiveSmallIntegerField(_("lowest reachable score"), default=0)
    score_high = models.PositiveSmallIntegerField(_("highest reachable score"), default=0)
    inputs = models.JSONField(_("inputs"))  # Facts.to_json() plus the conversions used
    result = models.JSONField(_("result"))  # Result.to_json()
    trigger = models.CharField(_("why it ran"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "rule_set", "-created_at"], name="evaluation_latest")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.rule_set} {self.version} {self.as_of}"


class Badge(TimeStampedModel):
    """The enterprise chose to show a qualification (never a score) on its public profile.

    It shows only while the latest evaluation of that rule set qualifies.
    """

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="badges")
    rule_set = models.CharField(_("rule set"), max_length=20, choices=RuleSet.choices)
    # Kept by the evaluation service: True while the latest evaluation of the rule set qualifies.
    shown = models.BooleanField(_("shown"), default=False, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "rule_set"], name="badge_one_per_rule_set")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.rule_set}"


class Programme(TimeStampedModel):
    """A policy programme: eligibility rule, benefit, limits, active period."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=200, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    benefit_en = models.TextField(_("benefit (English)"))
    benefit_zh_hans = models.TextField(_("benefit (Simplified Chinese)"), blank=True)
    benefit_zh_hant = models.TextField(_("benefit (Traditional Chinese)"), blank=True)
    benefit_pt = models.TextField(_("benefit (Portuguese)"), blank=True)
    sponsor = models.CharField(_("sponsor"), max_length=200, blank=True)
    policy_source = models.TextField(_("policy source"), blank=True)
    rule = models.JSONField(_("eligibility rule"))
    cap_amount = money_field(_("cap per enterprise"), null=True, blank=True)
    cap_currency = models.CharField(_("currency of the cap"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    active_from = models.DateField(_("open from"))
    active_until = models.DateField(_("open until"), null=True, blank=True)

    NAME_FIELDS = ("name_en", "name_zh_hans", "name_zh_hant", "name_pt")
    BENEFIT_FIELDS = ("benefit_en", "benefit_zh_hans", "benefit_zh_hant", "benefit_pt")

    class Meta:
        ordering = ["-active_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_until__isnull=True) | models.Q(active_until__gte=models.F("active_from")),
                name="programme_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def display_name(self, language: str | None = None) -> str:
        return in_language(self, "name", language) or self.code

    def benefit(self, language: str | None = None) -> str:
        return in_language(self, "benefit", language)

    def is_open_on(self, day: object) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)  # type: ignore[operator]


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)


class ProgrammeApplication(TimeStampedModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE,
                                   related_name="programme_applications")
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    amount = money_field(_("amount asked"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    note = models.TextField(_("note"), blank=True)
    eligibility = models.JSONField(_("eligibility when submitted"), default=dict)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason"), blank=True)
    amount_granted = money_field(_("amount granted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "enterprise"],
                condition=models.Q(status__in=["submitted", "approved"]),
                name="application_one_open_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} / {self.enterprise_id}"
