"""The credit-scoring API (mounted at /api/v1/scoring/): an enterprise's own scores with their
reasons, the grade distribution for operators and observers, and the model registry for
operators (read the versions, make one the champion).

Every probability, points figure and share travels as a string, never a float. Reasons carry
the feature's code and its label and detail in the reader's language (``Accept-Language``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from bayfin.common.errors import Conflict
from bayfin.common.schemas import ErrorOut, MoneyOut, Pagination, money_out

from . import selectors, services
from .models import ModelVersion
from .registry import ModelUnavailable
from .selectors import ScoreView

router = Router(tags=["scoring"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- schemas: scores


class ReasonOut(Schema):
    feature: str
    label: str
    detail: str
    impact: str


class MissingOut(Schema):
    field: str
    label: str


class ReferenceOut(Schema):
    amount: MoneyOut | None
    basis: str
    sector: str | None


class ScoreOut(Schema):
    id: int
    kind: str
    request_id: int | None
    request_title: str
    status: str
    pd: str | None
    grade: str
    grade_pd_from: str | None
    grade_pd_below: str | None
    points: str | None
    reasons: list[ReasonOut]
    reasons_error: str  # why the reasons cannot be shown now ("" normally)
    missing: list[MissingOut]
    model_name: str
    model_kind: str
    computed_at: datetime
    reference: ReferenceOut | None


class OwnOut(Schema):
    score: ScoreOut | None
    requests: list[ScoreOut]


class RequestScoreOut(Schema):
    request_id: int
    score: ScoreOut | None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def score_out(view: ScoreView) -> dict[str, Any]:
    """One score as the API (and the consent API's credit section) answers it."""
    ref = view.reference or {}
    return {
        "id": view.id, "kind": view.kind, "request_id": view.request_id, "request_title": view.request_title,
        "status": view.status, "pd": _str(view.pd), "grade": view.grade,
        "grade_pd_from": _str(view.grade_pd_from), "grade_pd_below": _str(view.grade_pd_below),
        "points": _str(view.points),
        "reasons": [{"feature": r.feature, "label": r.label, "detail": r.detail, "impact": f"{r.impact:.4f}"}
                    for r in view.reasons],
        "reasons_error": view.reasons_error,
        "missing": [{"field": f, "label": label} for f, label in view.missing],
        "model_name": view.model_name, "model_kind": view.model_kind, "computed_at": view.computed_at,
        "reference": ({"amount": money_out(ref.get("amount"), ref.get("currency", "")),
                       "basis": str(ref.get("basis", "")), "sector": ref.get("sector") or None}
                      if ref else None),
    }


def _unavailable() -> Conflict:
    return Conflict(_("The credit model cannot be read right now; try again later."), code="model_unavailable")


# --------------------------------------------------------------------------- schemas: distribution


class GradeCountOut(Schema):
    grade: str
    count: int
    share: str


class SectorOut(Schema):
    sector: str
    label: str
    total: int
    counts: dict[str, int]


class DistributionOut(Schema):
    model_name: str
    total: int
    refused: int
    by_grade: list[GradeCountOut]
    by_sector: list[SectorOut]


# --------------------------------------------------------------------------- schemas: models


class ModelOut(Schema):
    id: int
    name: str
    kind: str
    source: str
    sha256: str
    created_at: datetime
    trained_by: str
    is_champion: bool
    promoted_at: datetime | None
    oot_auc: str | None

    @staticmethod
    def resolve_trained_by(obj: ModelVersion) -> str:
        return obj.trained_by_name or (obj.trained_by.email if obj.trained_by else "")

    @staticmethod
    def resolve_oot_auc(obj: ModelVersion) -> str | None:
        return _str(((obj.metrics or {}).get("oot") or {}).get("auc"))


class ModelDetailOut(ModelOut):
    artefact: str
    features: list[str]
    training_data: dict[str, Any]
    metrics: dict[str, Any]
    card: str


# --------------------------------------------------------------------------- scores


@router.get("/own", response={200: OwnOut, **ERRORS}, summary="My enterprise's credit score and my requests' scores",
            description="The enterprise's score on a reference loan and the current score of each of its "
            "requests: grade, probability of default (`pd`, a string between 0 and 1), the grade's PD range, "
            "scorecard points, the reasons most costly first, and the model version that made it. A refused "
            "score (`status: refused`) names the missing fields in `missing`. `score` is null before the "
            "first scoring.")
def own(request: HttpRequest) -> Any:
    try:
        score = selectors.score_own(request.user)
        rows = selectors.request_scores_own(request.user)
    except ModelUnavailable:
        raise _unavailable() from None
    return {"score": score_out(score) if score else None, "requests": [score_out(s) for s in rows]}


@router.get("/requests/{request_id}", response={200: RequestScoreOut, **ERRORS},
            summary="The credit score of one of my enterprise's requests",
            description="404 if the request is not the caller's enterprise's; `score` is null until the "
            "request is scored (on submission).")
def request_score(request: HttpRequest, request_id: int) -> Any:
    try:
        score = selectors.request_score_own(request.user, request_id)
    except ModelUnavailable:
        raise _unavailable() from None
    return {"request_id": request_id, "score": score_out(score) if score else None}


@router.get("/distribution", response={200: DistributionOut, **ERRORS},
            summary="How the enterprises spread over the grades (operators and observers)",
            description="Counts and shares of the current enterprise scores by grade and by sector; no "
            "enterprise is named. `refused` counts the enterprises that cannot be scored yet.")
def distribution(request: HttpRequest) -> Any:
    data = selectors.distribution_for(request.user)
    return {
        "model_name": data.model_name, "total": data.total, "refused": data.refused,
        "by_grade": [{"grade": g, "count": n, "share": f"{share:.4f}"} for g, n, share in data.by_grade],
        "by_sector": [{"sector": s.sector, "label": s.label, "total": s.total, "counts": s.counts}
                      for s in data.by_sector],
    }


# --------------------------------------------------------------------------- models


@router.get("/models", response={200: list[ModelOut], **ERRORS}, summary="Credit model versions (operators)",
            description="The champion first, then newest first.")
@paginate(Pagination)
def models(request: HttpRequest) -> Any:
    return selectors.model_list_for(request.user)


@router.get("/models/{version_id}", response={200: ModelDetailOut, **ERRORS},
            summary="One credit model version with its validation and card (operators)")
def model_detail(request: HttpRequest, version_id: int) -> Any:
    return selectors.model_get_for(request.user, version_id)


@router.post("/models/{version_id}/promote", response={200: ModelDetailOut, **ERRORS},
             summary="Make a version the champion (operators)",
             description="Loads the version's file and checks its SHA-256 first: a file that is missing or does "
             "not match the registry is refused (409) and the champion stays. On success every enterprise "
             "and open request is scored again with it.")
def model_promote(request: HttpRequest, version_id: int) -> Any:
    selectors.model_get_for(request.user, version_id)
    try:
        return services.model_promote(actor=request.user, version_id=version_id)
    except ModelUnavailable as exc:
        raise Conflict(str(exc), code="model_unavailable") from None
