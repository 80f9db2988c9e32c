"""Matching's tables: stored embeddings, the stored matches, the batches, the index version.

An ``Embedding`` is one text's vector (float32 bytes), computed once per text change: the row
names the model and the SHA-256 of the text it was made from, so a changed text (or a new model)
is re-embedded and an unchanged one never is. A ``Match`` is one product ranked for one financing
request (``kind=request``) or recommended for one enterprise without a request
(``kind=enterprise``), with its score, each part's value, the reasons as codes and parameters
(rendered in the reader's language when read, never stored as text) and the weights version
that made it. ``MatchBatch`` is one nightly run, with the exposure counts the next run's load
part reads and how concentrated its top-5 lists are. ``IndexState`` (one row) and
``IndexChange`` let every worker's in-process product index know it is stale and which products
to update.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmbeddingKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise description")
    REQUEST = "request", _("Request purpose")
    PRODUCT = "product", _("Product thesis")


class Embedding(models.Model):
    kind = models.CharField(max_length=20, choices=EmbeddingKind.choices)
    object_id = models.PositiveBigIntegerField()
    model = models.CharField(max_length=40)
    text_sha256 = models.CharField(max_length=64)
    vector = models.BinaryField()  # float32, L2-normalised, little-endian
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "model"],
                                               name="matching_one_embedding_per_object_and_model")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.model})"


class BatchKind(models.TextChoices):
    REQUESTS = "requests", _("Financing requests")
    ENTERPRISES = "enterprises", _("Enterprise recommendations")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MatchBatch(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=BatchKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    weights_version = models.CharField(_("weights version"), max_length=40)
    index_version = models.PositiveBigIntegerField(_("index version"), default=0)
    products = models.PositiveIntegerField(_("products in the index"), default=0)
    queries = models.PositiveIntegerField(_("queries"), default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # {product id (as a string, JSON keys are strings): appearances in this batch's top-5 lists};
    # the next batch's load part reads it (never the batch in progress: chunking cannot change results).
    exposure = models.JSONField(default=dict)
    # share_top_1pct, share_top_10pct (of the top-5 slots), distinct_products, gini, slots.
    concentration = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-finished_at"], name="matching_batch_latest")]

    def __str__(self) -> str:
        return f"{self.kind} batch #{self.pk} ({self.status})"


class MatchKind(models.TextChoices):
    REQUEST = "request", _("Product for a financing request")
    ENTERPRISE = "enterprise", _("Product recommended for an enterprise")


class Match(models.Model):
    kind = models.CharField(max_length=20, choices=MatchKind.choices)
    request = models.ForeignKey("financing.FinancingRequest", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="matches")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="matches")
    product = models.ForeignKey("institutions.Product", on_delete=models.CASCADE, related_name="matches")
    rank = models.PositiveSmallIntegerField()  # 1 = best
    score = models.FloatField()
    parts = models.JSONField(default=dict)  # part -> value in [0, 1]
    reasons = models.JSONField(default=list)  # [{code, part, scope, params}]
    weights_version = models.CharField(max_length=40)
    batch = models.ForeignKey(MatchBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="request", request__isnull=False)
                           | models.Q(kind="enterprise", request__isnull=True)),
                name="matching_request_iff_request_kind"),
            models.UniqueConstraint(fields=["request", "product"], condition=models.Q(kind="request"),
                                    name="matching_one_match_per_request_and_product"),
            models.UniqueConstraint(fields=["enterprise", "product"], condition=models.Q(kind="enterprise"),
                                    name="matching_one_recommendation_per_enterprise_and_product"),
        ]
        indexes = [
            models.Index(fields=["request", "rank"], name="matching_request_rank"),
            models.Index(fields=["enterprise", "kind", "rank"], name="matching_enterprise_rank"),
            models.Index(fields=["product", "-score"], name="matching_product_score"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} match #{self.rank} product {self.product_id} ({self.score:.3f})"


class IndexState(models.Model):
    """One row (pk 1): the product index's version, bumped by every product change."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"index version {self.version}"


class IndexChange(models.Model):
    """Which product changed at which index version (a worker applies the changes since its copy)."""

    version = models.PositiveBigIntegerField(db_index=True)
    product_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return f"product {self.product_id} at version {self.version}"
