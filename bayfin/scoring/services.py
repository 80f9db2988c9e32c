"""Every write of credit scores and model versions.

Scores: an enterprise is scored on a reference loan (``mapping``), each open financing request
on its own amount and instruments, by the champion model version unless told another. A row
is written only when what a reader would see changes (status, PD, grade, points, model
version, inputs, missing fields); the row in force is ``is_current``. A score that lacks a
platform field is stored as REFUSED naming the fields, never guessed. Scores are recomputed on
commit when the enterprises or financing services change something the model reads, and
nightly for everyone (the years in business and the exchange rates move with the date), in
chunks: one transaction, one vectorised scoring call, bulk writes and one audit event per chunk.

Model versions: registered with the SHA-256 of their file (checked against the file), and
promoted to champion by an operator only after the file loads and matches its hash.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.selectors import require_operator
from bayfin.common.audit import audit_record
from bayfin.common.errors import Conflict, NotFound, ValidationFailed
from bayfin.enterprises.models import Enterprise
from bayfin.financing.models import FinancingRequest
from bayfin.financing.transitions import REQUEST_VISIBLE_STATUSES

from . import mapping, registry
from .engine import features as F
from .engine import grades
from .models import CreditScore, ModelKind, ModelSource, ModelVersion, ScoreKind, ScoreStatus

NIGHTLY = "nightly"
PD_PLACES = Decimal("0.00000001")
POINTS_PLACES = Decimal("0.01")
# Requests that are scored: the ones institutions can still act on.
SCORED_REQUEST_STATUSES = REQUEST_VISIBLE_STATUSES


# --------------------------------------------------------------------------- one result


@dataclass(frozen=True)
class Outcome:
    """One applicant's result before it is stored."""

    status: str
    pd: Decimal | None
    grade: str
    points: Decimal | None
    inputs: dict[str, Any]
    missing: list[str]


def _pd(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(PD_PLACES, rounding=ROUND_HALF_UP)


def _outcomes(loaded: registry.LoadedModel, applicants: Sequence[F.Applicant]) -> list[Outcome]:
    """Score many applicants in one vectorised call; the incomplete ones are refused."""
    columns, ok = mapping.columns_of(applicants)
    pds = loaded.score(columns) if ok.any() else np.array([])
    points = loaded.points(columns) if ok.any() else None
    out: list[Outcome] = []
    j = 0
    for i, applicant in enumerate(applicants):
        if not ok[i]:
            out.append(Outcome(ScoreStatus.REFUSED, None, "", None, {}, mapping.missing_of(applicant)))
            continue
        pd_ = _pd(pds[j])
        pts = (Decimal(repr(float(points[j]))).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)
               if points is not None else None)
        out.append(Outcome(ScoreStatus.SCORED, pd_, grades.grade_of(float(pd_)), pts,
                           mapping.row_inputs(columns, j), []))
        j += 1
    return out


def _same(previous: CreditScore | None, outcome: Outcome, version: ModelVersion) -> bool:
    if previous is None:
        return False
    return (previous.status == outcome.status and previous.model_version_id == version.pk
            and previous.pd == outcome.pd and previous.grade == outcome.grade
            and previous.points == outcome.points and previous.inputs == outcome.inputs
            and list(previous.missing) == list(outcome.missing))


def _row(*, enterprise_id: int, request_id: int | None, outcome: Outcome, version: ModelVersion,
         reference: Mapping[str, Any], trigger: str, now: Any) -> CreditScore:
    return CreditScore(
        enterprise_id=enterprise_id, request_id=request_id,
        kind=ScoreKind.REQUEST if request_id is not None else ScoreKind.ENTERPRISE,
        status=outcome.status, model_version=version, pd=outcome.pd, grade=outcome.grade, points=outcome.points,
        inputs=outcome.inputs, missing=outcome.missing, reference=dict(reference), trigger=trigger,
        computed_at=now, is_current=True,
    )


def _version(version: ModelVersion | str | None) -> ModelVersion:
    if isinstance(version, ModelVersion):
        return version
    return registry.champion() if version is None else registry.get(version)


def _replace(previous: CreditScore | None, row: CreditScore, *, actor: Any, organisation_id: int | None
             ) -> CreditScore:
    if previous is not None:
        CreditScore.objects.filter(pk=previous.pk).update(is_current=False)
    row.save()
    audit_record(actor=actor, action="scoring.score", subject=row, organisation_id=organisation_id,
                 new={"kind": row.kind, "status": row.status, "grade": row.grade, "pd": row.pd,
                      "model_version": row.model_version.name, "missing": row.missing, "trigger": row.trigger})
    if previous is None or previous.grade != row.grade:
        _matches_on_commit([row])
    return row


def _matches_on_commit(rows: Iterable[CreditScore]) -> None:
    """A grade changed: matching's minimum-grade requirement may decide differently."""
    from bayfin.matching.services import enterprise_matches_on_commit, request_matches_on_commit

    rows = list(rows)
    enterprises = sorted({r.enterprise_id for r in rows if r.request_id is None})
    requests = sorted({int(r.request_id) for r in rows
                       if r.request_id is not None and r.enterprise_id not in enterprises})
    for enterprise_id in enterprises:
        enterprise_matches_on_commit(enterprise_id)  # its recommendations and its requests
    for request_id in requests:
        request_matches_on_commit(request_id)


# --------------------------------------------------------------------------- single scores


@transaction.atomic
def score_enterprise(*, enterprise_id: int, trigger: str, on: date | None = None,
                     version: ModelVersion | str | None = None, actor: Any = None) -> CreditScore:
    """Score an enterprise on its reference loan; returns its current score (the same row
    when nothing changed). ModelUnavailable when the version is unknown or its file is bad."""
    enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("Enterprise not found."))
    v = _version(version)
    loaded = registry.load(v)
    day = on or timezone.localdate()
    reference = mapping.ReferenceLoans(on=day).for_sector(enterprise.sector)
    outcome = _outcomes(loaded, [mapping.enterprise_applicant(enterprise, reference, on=day)])[0]
    previous = CreditScore.objects.filter(enterprise=enterprise, kind=ScoreKind.ENTERPRISE, is_current=True).first()
    if _same(previous, outcome, v):
        assert previous is not None
        return previous
    row = _row(enterprise_id=enterprise.pk, request_id=None, outcome=outcome, version=v,
               reference=reference.as_json(), trigger=trigger, now=timezone.now())
    return _replace(previous, row, actor=actor, organisation_id=enterprise.organisation_id)


@transaction.atomic
def score_request(*, request_id: int, trigger: str, on: date | None = None,
                  version: ModelVersion | str | None = None, actor: Any = None) -> CreditScore:
    """Score one financing request on its amount (in USD), guarantee and instruments."""
    req = FinancingRequest.objects.select_for_update().filter(pk=request_id).first()
    if req is None:
        raise NotFound(_("Financing request not found."))
    req = FinancingRequest.objects.select_related("enterprise").get(pk=req.pk)
    v = _version(version)
    loaded = registry.load(v)
    day = on or timezone.localdate()
    applicant = mapping.request_applicant(req, on=day, rates=mapping.UsdRates(day),
                                          deal_guarantor=mapping.request_has_guarantor(req))
    outcome = _outcomes(loaded, [applicant])[0]
    previous = CreditScore.objects.filter(request=req, kind=ScoreKind.REQUEST, is_current=True).first()
    if _same(previous, outcome, v):
        assert previous is not None
        return previous
    row = _row(enterprise_id=req.enterprise_id, request_id=req.pk, outcome=outcome, version=v, reference={},
               trigger=trigger, now=timezone.now())
    return _replace(previous, row, actor=actor, organisation_id=req.enterprise.organisation_id)


def score_on_commit(enterprise_id: int, trigger: str) -> None:
    """Called by the enterprises services inside their transaction: rescore once it commits."""
    from .tasks import score_enterprise as task  # tasks import this module

    # robust: a failing score must not turn the committed save into an error (the nightly run
    # catches up); it is logged.
    transaction.on_commit(lambda: task.delay(enterprise_id, trigger), robust=True)


def request_score_on_commit(request_id: int, trigger: str) -> None:
    """Called by the financing services inside their transaction: rescore the request once it commits."""
    from .tasks import score_request as task

    transaction.on_commit(lambda: task.delay(request_id, trigger), robust=True)


# --------------------------------------------------------------------------- batches


def _reference_json(refs: mapping.ReferenceLoans) -> dict[str, Any]:
    return {"sectors": {s: str(a) for s, a in refs.sector_medians.items()},
            "platform": str(refs.platform_median) if refs.platform_median is not None else None}


def _references_from(doc: Mapping[str, Any], on: date) -> mapping.ReferenceLoans:
    refs = mapping.ReferenceLoans.__new__(mapping.ReferenceLoans)
    refs.rates = mapping.UsdRates(on)
    refs.sector_medians = {s: Decimal(a) for s, a in doc["sectors"].items()}
    refs.platform_median = Decimal(doc["platform"]) if doc.get("platform") is not None else None
    return refs


@transaction.atomic
def score_chunk(*, kind: str, ids: Sequence[int], trigger: str, on: date, version_id: int,
                references: Mapping[str, Any] | None = None) -> int:
    """Score one chunk of enterprises or requests in one transaction; returns the rows written.

    One vectorised scoring call, one bulk update and one bulk insert, one audit event."""
    version = ModelVersion.objects.get(pk=version_id)
    loaded = registry.load(version)
    refs = (_references_from(references, on) if references is not None else mapping.ReferenceLoans(on=on))
    keys: list[tuple[int, int | None]] = []  # (enterprise id, request id)
    applicants: list[F.Applicant] = []
    ref_docs: list[dict[str, Any]] = []
    orgs: set[int] = set()
    if kind == ScoreKind.ENTERPRISE:
        list(Enterprise.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        for e in Enterprise.objects.filter(pk__in=ids).order_by("pk"):
            ref = refs.for_sector(e.sector)
            keys.append((e.pk, None))
            applicants.append(mapping.enterprise_applicant(e, ref, on=on))
            ref_docs.append(ref.as_json())
            orgs.add(e.organisation_id)
        current: dict[int, CreditScore] = {s.enterprise_id: s for s in CreditScore.objects.filter(
            enterprise_id__in=ids, kind=ScoreKind.ENTERPRISE, is_current=True)}
    else:
        list(FinancingRequest.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        guaranteed = mapping.requests_with_guarantor(ids)
        for r in FinancingRequest.objects.filter(pk__in=ids).select_related("enterprise").order_by("pk"):
            keys.append((r.enterprise_id, r.pk))
            applicants.append(mapping.request_applicant(r, on=on, rates=refs.rates,
                                                        deal_guarantor=r.pk in guaranteed))
            ref_docs.append({})
            orgs.add(r.enterprise.organisation_id)
        current = {int(s.request_id or 0): s for s in CreditScore.objects.filter(
            request_id__in=ids, kind=ScoreKind.REQUEST, is_current=True)}
    outcomes = _outcomes(loaded, applicants)
    now = timezone.now()
    stale: list[int] = []
    rows: list[CreditScore] = []
    for (enterprise_id, request_id), outcome, ref_doc in zip(keys, outcomes, ref_docs, strict=True):
        previous = current.get(request_id if request_id is not None else enterprise_id)
        if _same(previous, outcome, version):
            continue
        if previous is not None:
            stale.append(previous.pk)
        rows.append(_row(enterprise_id=enterprise_id, request_id=request_id, outcome=outcome, version=version,
                         reference=ref_doc, trigger=trigger, now=now))
    if not rows:
        return 0
    CreditScore.objects.filter(pk__in=stale).update(is_current=False)
    CreditScore.objects.bulk_create(rows)
    # Grades that moved (a first score in a batch is left to matching's own nightly batch, so a
    # platform's first scoring run does not queue a refresh per enterprise).
    _matches_on_commit(r for r in rows if (previous := current.get(
        r.request_id if r.request_id is not None else r.enterprise_id)) is not None and previous.grade != r.grade)
    audit_record(actor=None, action="scoring.score_batch", subject=version,
                 organisation_id=next(iter(orgs)) if len(orgs) == 1 else None,
                 new={"kind": kind, "trigger": trigger, "on": on, "model_version": version.name,
                      "applicants": len(keys), "written": len(rows),
                      "refused": sum(r.status == ScoreStatus.REFUSED for r in rows),
                      "ids": [min(ids), max(ids)]})
    return len(rows)


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def score_all(*, trigger: str = NIGHTLY, on: date | None = None, chunk_size: int = 2000) -> int:
    """Every enterprise and every open request, by the champion, in chunk tasks (in this process
    when Celery runs eagerly). Returns the rows written (0 when the chunks went to workers)."""
    from .tasks import score_chunk as task

    version = registry.champion()
    registry.load(version)  # refuse before any chunk runs if the champion's file is bad
    day = on or timezone.localdate()
    references = _reference_json(mapping.ReferenceLoans(on=day))
    enterprise_ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    request_ids = list(FinancingRequest.objects.filter(status__in=SCORED_REQUEST_STATUSES)
                       .order_by("pk").values_list("pk", flat=True))
    # Without a broker the chunks run here, one after the other (calling the service, not
    # waiting on a task's result: Celery refuses that inside a task, which is where the nightly
    # run and a promotion's rescore come from).
    eager = bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))
    written = 0
    for kind, ids in ((ScoreKind.ENTERPRISE, enterprise_ids), (ScoreKind.REQUEST, request_ids)):
        for chunk in _chunks(ids, max(1, chunk_size)):
            if eager:
                written += score_chunk(kind=str(kind), ids=chunk, trigger=trigger, on=day, version_id=version.pk,
                                       references=references)
            else:
                task.delay(str(kind), chunk, trigger, day.isoformat(), version.pk, references)
    return written


def score_all_on_commit(trigger: str) -> None:
    from .tasks import score_all as task

    transaction.on_commit(lambda: task.delay(trigger), robust=True)


# --------------------------------------------------------------------------- model versions


def _unavailable(exc: registry.ModelUnavailable) -> ValidationFailed:
    message = _("Model version %(name)s cannot be used: %(reason)s") % {"name": exc.name, "reason": exc.reason}
    return ValidationFailed(message, fields={"version": [message]}, code="model_unavailable")


@transaction.atomic
def model_promote(*, actor: Any, version_id: int) -> ModelVersion:
    """Make a version the champion (operators only). Its file is loaded and checked first: a
    version whose file fails its hash or does not parse cannot be promoted. Every enterprise
    and open request is rescored by it once the promotion commits."""
    require_operator(actor)
    return _promote(version_id, actor)


@transaction.atomic
def model_promote_by_name(*, name: str) -> ModelVersion:
    """The command line's promotion (`bayfin scoring promote NAME`), run by a maintainer on the
    server: recorded as the system. The same checks as ``model_promote``."""
    version = ModelVersion.objects.filter(name=name).first()
    if version is None:
        raise _unavailable(registry.ModelUnavailable(name, "unknown model version (not in the registry)"))
    return _promote(version.pk, None)


def _promote(version_id: int, actor: Any) -> ModelVersion:
    version = ModelVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("Model version not found."))
    try:
        registry.load(version)
    except registry.ModelUnavailable as exc:
        raise _unavailable(exc) from exc
    if version.is_champion:
        raise Conflict(_("This model version is already the champion."), code="already_champion")
    previous = ModelVersion.objects.select_for_update().filter(is_champion=True).first()
    if previous is not None:
        ModelVersion.objects.filter(pk=previous.pk).update(is_champion=False)
    version.is_champion, version.promoted_at = True, timezone.now()
    version.promoted_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save(update_fields=["is_champion", "promoted_at", "promoted_by"])
    audit_record(actor=actor, action="scoring.model_promoted", subject=version,
                 old={"champion": previous.name if previous else None},
                 new={"champion": version.name, "sha256": version.sha256})
    score_all_on_commit("promoted")
    return version


@transaction.atomic
def model_register(*, actor: Any, meta: Mapping[str, Any], artefact_file: Path, card: str,
                   source: str = ModelSource.TRAINED) -> ModelVersion:
    """Register a version from its metadata and its file. The file's SHA-256 must equal the
    metadata's; a trained file is copied into ``BAYFIN_MODEL_DIR`` if it is not there."""
    data = Path(artefact_file).read_bytes()
    actual = registry.sha256_bytes(data)
    if actual != meta.get("sha256"):
        message = _("The SHA-256 of %(file)s (%(actual)s) does not match its metadata (%(meta)s).") % {
            "file": Path(artefact_file).name, "actual": actual, "meta": meta.get("sha256")}
        raise ValidationFailed(message, fields={"artefact": [message]}, code="sha256_mismatch")
    if ModelVersion.objects.filter(name=meta.get("name")).exists():
        message = _("A model version named %(name)s is already registered.") % {"name": meta.get("name")}
        raise Conflict(message, code="name_taken")
    fields = registry.fields_from_meta(dict(meta))
    if getattr(actor, "is_authenticated", False):
        fields["trained_by_name"] = fields["trained_by_name"] or getattr(actor, "email", "")
    version = ModelVersion(source=source, card=card, trained_by=actor if getattr(actor, "is_authenticated", False)
                           else None, **fields)
    target = registry.artefact_path(version)
    if Path(artefact_file).resolve() != target.resolve():
        if target.exists() and registry.sha256_bytes(target.read_bytes()) != actual:
            message = _("Another file is already at %(path)s.") % {"path": str(target)}
            raise Conflict(message, code="artefact_exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artefact_file, target)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:
        raise Conflict(_("A model version with this name is already registered."), code="name_taken") from exc
    try:
        registry.load(version)  # the file parses as a model of its kind (a failure rolls the row back)
    except registry.ModelUnavailable as exc:
        raise _unavailable(exc) from exc
    audit_record(actor=actor, action="scoring.model_registered", subject=version,
                 new={"name": version.name, "kind": version.kind, "source": version.source,
                      "sha256": version.sha256, "training_data": json.loads(json.dumps(version.training_data))})
    return version


def open_request_ids(enterprise_id: int) -> list[int]:
    return list(FinancingRequest.objects.filter(enterprise_id=enterprise_id, status__in=SCORED_REQUEST_STATUSES)
                .values_list("pk", flat=True))


def rescore_enterprise_and_requests(enterprise_id: int, trigger: str) -> int:
    """The enterprise and its open requests (a profile change moves both); rows written."""
    written = 0
    before = set(CreditScore.objects.filter(Q(enterprise_id=enterprise_id), is_current=True)
                 .values_list("pk", flat=True))
    score_enterprise(enterprise_id=enterprise_id, trigger=trigger)
    for request_id in open_request_ids(enterprise_id):
        score_request(request_id=request_id, trigger=trigger)
    after = set(CreditScore.objects.filter(enterprise_id=enterprise_id, is_current=True).values_list("pk", flat=True))
    written = len(after - before)
    return written


@transaction.atomic
def model_sync_builtin(directory: Path | None = None) -> list[ModelVersion]:
    """Register every builtin artefact (``bayfin/scoring/artefacts/*.meta.json``) not yet
    registered, each with an audit event; if no version is the champion, the newest builtin
    scorecard becomes it. The SHA-256 is the meta file's, not recomputed: the registry records
    what the maintainers committed, and ``registry.load`` checks the file against it.
    Idempotent; runs after every ``migrate`` (``apps.py``) and as ``bayfin scoring sync-builtin``."""
    created: list[ModelVersion] = []
    known = set(ModelVersion.objects.values_list("name", flat=True))
    for meta in registry.builtin_metas(directory):
        if meta.get("name") in known:
            continue
        fields = registry.fields_from_meta(meta)
        fields["trained_by_name"] = fields["trained_by_name"] or registry.BUILTIN_TRAINER
        version = ModelVersion.objects.create(source=ModelSource.BUILTIN,
                                              card=registry.builtin_card(meta, directory), **fields)
        audit_record(actor=None, action="scoring.model_registered", subject=version,
                     new={"name": version.name, "kind": version.kind, "source": version.source,
                          "sha256": version.sha256})
        created.append(version)
    if not ModelVersion.objects.filter(is_champion=True).exists():
        first = (ModelVersion.objects.filter(source=ModelSource.BUILTIN, kind=ModelKind.SCORECARD)
                 .order_by("-created_at", "-pk").first())
        if first is not None:
            first.is_champion, first.promoted_at = True, timezone.now()
            first.save(update_fields=["is_champion", "promoted_at"])
            audit_record(actor=None, action="scoring.model_promoted", subject=first,
                         old={"champion": None}, new={"champion": first.name, "sha256": first.sha256})
    return created
