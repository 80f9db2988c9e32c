"""Reads of credit scores, scoped by who asks.

- An enterprise's members read their own enterprise's score and their own requests' scores,
  with the reasons (computed on demand from the stored inputs and the model version that made
  the score; never stored, never computed for a batch).
- Institutions read a score only under a live "credit" consent: through
  ``bayfin.consent.selectors.shared_credit_for``, which checks the grant, logs the read, and
  then calls the unscoped ``score_view_of``.
- Operators and observers see the grade distribution (counts, no names, no ids).
- Operators see the model registry.
Everyone else gets PermissionDenied (a role that never may) or NotFound (someone else's request).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member, require_operator
from bayfin.common.errors import NotFound
from bayfin.common.vocab import Sector
from bayfin.enterprises.models import Enterprise
from bayfin.financing.models import FinancingRequest

from . import registry
from .engine import grades
from .models import CreditScore, ModelKind, ModelVersion, ScoreKind, ScoreStatus

logger = logging.getLogger(__name__)

# The model's features, as a person reads them.
FEATURE_LABELS = {
    "naics_sector": _("Sector"),
    "no_emp": _("Number of employees"),
    "new_business": _("Years in business"),
    "gross_approved": _("Loan amount"),
    "sba_share": _("Guarantee"),
    "rev_line_cr": _("Revolving or term loan"),
}
# The platform's fields a refused score names (features.SOURCES), with what to do.
FIELD_LABELS = {
    "sector": _("Sector"),
    "employees": _("Number of employees"),
    "founding_date": _("Founding date"),
    "amount": _("The amount in U.S. dollars (no exchange rate for its currency today)"),
    "guarantee": _("Whether a guarantee company stands behind the loan"),
    "instrument": _("A loan instrument (a credit score is the risk of a loan)"),
}


@dataclass(frozen=True)
class ReasonView:
    feature: str
    label: str
    detail: str
    impact: float  # points lost (scorecard) or log-odds pushed up (challenger)


@dataclass(frozen=True)
class ScoreView:
    id: int
    kind: str
    request_id: int | None
    request_title: str
    status: str
    pd: Decimal | None
    grade: str
    grade_pd_from: Decimal | None
    grade_pd_below: Decimal | None
    points: Decimal | None
    reasons: list[ReasonView]
    missing: list[tuple[str, str]]  # (platform field, translated label)
    model_name: str
    model_kind: str
    computed_at: datetime
    reference: dict[str, Any]
    reasons_error: str = ""  # why the reasons cannot be shown (the model file failed its check)

    @property
    def scored(self) -> bool:
        return self.status == ScoreStatus.SCORED


@dataclass(frozen=True)
class SectorGrades:
    sector: str
    label: str
    total: int
    counts: dict[str, int]  # grade -> count (every grade, zeros included)


@dataclass(frozen=True)
class Distribution:
    model_name: str
    total: int  # scored enterprises
    by_grade: list[tuple[str, int, float]]  # (grade, count, share of the scored)
    refused: int
    by_sector: list[SectorGrades]


# --------------------------------------------------------------------------- labels


def feature_label(feature: str) -> str:
    return str(FEATURE_LABELS.get(feature, feature))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


# The NAICS 2-digit sectors the platform's sectors map to (bayfin.common.vocab.SECTORS), by
# their U.S. Census names, so a reason says what the model compared the enterprise with.
NAICS_SECTOR_NAMES = {
    "22": _("utilities"),
    "31": _("manufacturing"), "32": _("manufacturing"), "33": _("manufacturing"),
    "42": _("wholesale trade"),
    "48": _("transportation and warehousing"), "49": _("transportation and warehousing"),
    "51": _("information"),
    "52": _("finance and insurance"),
    "54": _("professional, scientific and technical services"),
    "71": _("arts, entertainment and recreation"),
}


def _value_text(feature: str, value: Any) -> str:
    if value is None:
        return ""
    if feature == "naics_sector":
        name = NAICS_SECTOR_NAMES.get(str(value))
        if name is None:
            return gettext("NAICS %(code)s") % {"code": value}
        return gettext("%(name)s (NAICS %(code)s)") % {"name": name, "code": value}
    if feature == "no_emp":
        return gettext("%(n)s employees") % {"n": value}
    if feature == "new_business":
        return gettext("under 2 years") if value == "new" else gettext("2 years or more")
    if feature == "gross_approved":
        return gettext("USD %(amount)s") % {"amount": f"{float(value):,.0f}"}
    if feature == "sba_share":
        return gettext("guaranteed") if float(value) > 0 else gettext("no guarantee")
    if feature == "rev_line_cr":
        return gettext("revolving (factoring)") if value == "Y" else gettext("term loan")
    return str(value)


def reason_views(kind: str, reasons: list[tuple[str, float]], inputs: dict[str, Any]) -> list[ReasonView]:
    out = []
    for feature, impact in reasons:
        value = _value_text(feature, inputs.get(feature))
        if kind == ModelKind.SCORECARD:
            cost = gettext("%(points)s points below the best band") % {"points": f"{impact:.1f}"}
        else:
            cost = gettext("raises the estimated risk (%(impact)s in log-odds)") % {"impact": f"+{impact:.2f}"}
        detail = f"{value}: {cost}" if value else cost
        out.append(ReasonView(feature, feature_label(feature), detail, float(impact)))
    return out


def explain_score(score: CreditScore) -> tuple[list[ReasonView], str]:
    """The reasons of one stored score, from its inputs and its model version (on demand), and
    the reason they cannot be shown when the version's file fails its check (else "")."""
    if score.status != ScoreStatus.SCORED or not score.inputs:
        return [], ""
    try:
        loaded = registry.load(score.model_version)
    except registry.ModelUnavailable as exc:
        # The stored score stands; its reasons cannot be recomputed from an unusable file.
        logger.error("scoring: reasons of score %s unavailable: %s", score.pk, exc)
        return [], gettext("The reasons cannot be shown now: the model's file failed its integrity check. "
                           "The platform's operators have been alerted.")
    reasons = reason_views(score.model_version.kind, loaded.explain(dict(score.inputs)).reasons, dict(score.inputs))
    return reasons, ""


def view_of(score: CreditScore, *, with_reasons: bool = True) -> ScoreView:
    reasons, reasons_error = explain_score(score) if with_reasons else ([], "")
    grade_range = grades.range_of(score.grade) if score.grade else None
    return ScoreView(
        id=score.pk, kind=score.kind, request_id=score.request_id,
        request_title=score.request.title if score.request_id and score.request else "",
        status=score.status, pd=score.pd, grade=score.grade,
        grade_pd_from=Decimal(str(grade_range.pd_from)) if grade_range else None,
        grade_pd_below=Decimal(str(grade_range.pd_below)) if grade_range else None,
        points=score.points, reasons=reasons, reasons_error=reasons_error,
        missing=[(name, field_label(name)) for name in score.missing],
        model_name=score.model_version.name, model_kind=score.model_version.kind,
        computed_at=score.computed_at, reference=dict(score.reference),
    )


# --------------------------------------------------------------------------- current scores


def _current(**filters: Any) -> QuerySet[CreditScore]:
    return CreditScore.objects.filter(is_current=True, **filters).select_related("model_version", "request")


def current_enterprise_score(enterprise_id: int) -> CreditScore | None:
    return _current(enterprise_id=enterprise_id, kind=ScoreKind.ENTERPRISE).first()


def current_request_score(request_id: int) -> CreditScore | None:
    return _current(request_id=request_id, kind=ScoreKind.REQUEST).first()


def _own_enterprise(user: Any) -> Enterprise | None:
    org = require_member(user, OrganisationKind.ENTERPRISE)
    return Enterprise.objects.filter(organisation=org).first()


def score_own(user: Any) -> ScoreView | None:
    """The member's enterprise's own score (on its reference loan), with reasons."""
    enterprise = _own_enterprise(user)
    if enterprise is None:
        return None
    score = current_enterprise_score(enterprise.pk)
    return view_of(score) if score is not None else None


def request_scores_own(user: Any) -> list[ScoreView]:
    """The current scores of the member's enterprise's requests, newest request first."""
    enterprise = _own_enterprise(user)
    if enterprise is None:
        return []
    rows = _current(enterprise=enterprise, kind=ScoreKind.REQUEST).order_by("-request_id")
    return [view_of(s) for s in rows]


def request_score_own(user: Any, request_id: int) -> ScoreView | None:
    """The score of one of the member's own requests; NotFound if the request is not theirs."""
    enterprise = _own_enterprise(user)
    if enterprise is None or not FinancingRequest.objects.filter(pk=request_id, enterprise=enterprise).exists():
        raise NotFound(_("Financing request not found."))
    score = current_request_score(request_id)
    return view_of(score) if score is not None else None


def score_view_of(enterprise: Enterprise) -> ScoreView | None:
    """UNSCOPED: only for ``consent.selectors.shared_credit_for`` after its live-grant check."""
    score = current_enterprise_score(enterprise.pk)
    return view_of(score) if score is not None else None


# --------------------------------------------------------------------------- distribution


def distribution_for(user: Any) -> Distribution:
    """How the platform's enterprises spread over the grades (operators and observers)."""
    require_member(user, OrganisationKind.OPERATOR, OrganisationKind.OBSERVER)
    rows = _current(kind=ScoreKind.ENTERPRISE)
    refused = rows.filter(status=ScoreStatus.REFUSED).count()
    counts = (rows.filter(status=ScoreStatus.SCORED).values("grade", "enterprise__sector")
              .annotate(n=Count("id")))
    by_grade = dict.fromkeys(grades.GRADES, 0)
    sectors: dict[str, dict[str, int]] = {}
    for row in counts:
        by_grade[row["grade"]] = by_grade.get(row["grade"], 0) + row["n"]
        sectors.setdefault(row["enterprise__sector"], dict.fromkeys(grades.GRADES, 0))[row["grade"]] += row["n"]
    total = sum(by_grade.values())
    champion = ModelVersion.objects.filter(is_champion=True).values_list("name", flat=True).first()
    labels = dict(Sector.choices)
    return Distribution(
        model_name=champion or "",
        total=total,
        by_grade=[(g, n, (n / total if total else 0.0)) for g, n in by_grade.items()],
        refused=refused,
        by_sector=[SectorGrades(code, str(labels.get(code, code)), sum(c.values()), c)
                   for code, c in sorted(sectors.items())],
    )


# --------------------------------------------------------------------------- the registry


def model_list_for(user: Any) -> QuerySet[ModelVersion]:
    require_operator(user)
    return ModelVersion.objects.all().order_by("-is_champion", "-created_at", "-pk")


def model_get_for(user: Any, version_id: int) -> ModelVersion:
    require_operator(user)
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("Model version not found."))
    return version
