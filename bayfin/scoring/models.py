"""Credit model versions (the registry) and the scores they made.

A ``ModelVersion`` names one artefact file and its SHA-256; the file is checked against it
on every load (``registry.load``), so a score can always say which model made it and a file
changed behind the registry's back is refused. A ``CreditScore`` is one score of an enterprise
(on a reference loan) or of one of its financing requests; only changes are stored, and the
row in force is ``is_current``. Reasons are not stored: they are computed on demand from
``inputs`` and the model version when someone looks at the score.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    SCORECARD = "scorecard", _("Scorecard")
    CHALLENGER = "challenger", _("Challenger (gradient boosting)")


class ModelSource(models.TextChoices):
    BUILTIN = "builtin", _("Built in")  # committed in bayfin/scoring/artefacts/
    TRAINED = "trained", _("Trained here")  # written by `bayfin scoring train` to BAYFIN_MODEL_DIR


class ModelVersion(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ModelKind.choices)
    source = models.CharField(_("source"), max_length=20, choices=ModelSource.choices)
    artefact = models.CharField(_("artefact file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    features = models.JSONField(default=list)
    training_data = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    card = models.TextField(_("model card"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    trained_by_name = models.CharField(max_length=200, blank=True)
    is_champion = models.BooleanField(_("champion"), default=False)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_champion"], condition=models.Q(is_champion=True),
                                    name="scoring_one_champion"),
        ]

    def __str__(self) -> str:
        return self.name


class ScoreKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    REQUEST = "request", _("Financing request")


class ScoreStatus(models.TextChoices):
    SCORED = "scored", _("Scored")
    REFUSED = "refused", _("Refused (missing data)")


class CreditScore(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="credit_scores")
    request = models.ForeignKey("financing.FinancingRequest", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="credit_scores")
    kind = models.CharField(max_length=20, choices=ScoreKind.choices)
    status = models.CharField(max_length=20, choices=ScoreStatus.choices)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="scores")
    pd = models.DecimalField(_("probability of default"), max_digits=9, decimal_places=8, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=3, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)
    inputs = models.JSONField(default=dict)
    missing = models.JSONField(default=list)
    reference = models.JSONField(default=dict)
    trigger = models.CharField(max_length=30)
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="request", request__isnull=False)
                           | models.Q(kind="enterprise", request__isnull=True)),
                name="scoring_request_iff_request_kind"),
            models.UniqueConstraint(fields=["enterprise"], condition=models.Q(is_current=True, kind="enterprise"),
                                    name="scoring_one_current_enterprise_score"),
            models.UniqueConstraint(fields=["request"], condition=models.Q(is_current=True, kind="request"),
                                    name="scoring_one_current_request_score"),
        ]
        indexes = [models.Index(fields=["enterprise", "kind", "is_current"])]

    def __str__(self) -> str:
        return f"{self.kind} score {self.grade or self.status} ({self.model_version_id})"
