"""Pages for credit scores and the credit models.

Enterprise members read their own credit score (the grade, the probability of default, the
reasons most costly first, the model version that made it) and each request's score; a
refused score says which fields to add. Operators and observers read the distribution of
grades (counts and shares, never an enterprise). Operators read the model versions, their
validation and card, and make one the champion. Thin views over ``services`` and ``selectors``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from markdown_it import MarkdownIt

from bayfin.accounts.decorators import role_required
from bayfin.common import vocab
from bayfin.common.errors import DomainError, NotFound

from . import selectors, services
from .engine import grades
from .forms import PromoteForm
from .models import ModelVersion
from .registry import ModelUnavailable
from .selectors import ScoreView

# ------------------------------------------------------------------ scores, as pages show them

PROFILE_FIELDS = ("sector", "employees", "founding_date")
REQUEST_FIELDS = ("amount", "guarantee", "instrument")


def error_text(exc: BaseException) -> str:
    """A refusal in one line: the message and every field's reasons."""
    if isinstance(exc, DomainError):
        reasons = [str(m) for msgs in exc.fields.values() for m in msgs]
        return " ".join([str(exc.message), *reasons]).strip() if exc.message else " ".join(reasons)
    return str(exc)


def missing_items(score: ScoreView, *, on_request_page: bool = False) -> list[dict[str, str]]:
    """Each field a refused score lacks, with where to add it (no link to the page one is on)."""
    items = []
    for field, label in score.missing:
        url, action = "", ""
        if field in PROFILE_FIELDS:
            url, action = f"{reverse('enterprises:profile')}#id_{field}", _("Add it to the company profile")
        elif field in REQUEST_FIELDS and score.request_id and not on_request_page:
            url = reverse("financing:request_detail", kwargs={"request_id": score.request_id})
            action = _("Open the request")
        items.append({"field": field, "label": label, "url": url, "action": action})
    return items


def _basis_text(reference: dict[str, Any], *, own: bool) -> str:
    basis = str(reference.get("basis", ""))
    if basis == "sector_median":
        sector = _sector_label(reference.get("sector"))
        if own:
            return _("the median amount of the requests submitted on the platform in your sector "
                     "(%(sector)s)") % {"sector": sector}
        return _("the median amount of the requests submitted on the platform in the enterprise's sector "
                 "(%(sector)s)") % {"sector": sector}
    if basis == "platform_median":
        return _("the median amount of all the requests submitted on the platform")
    if basis == "default":
        return _("the platform's standard reference amount (no request has been submitted yet)")
    return ""


def _sector_label(code: Any) -> str:
    if not code:
        return "—"
    return str(dict(vocab.Sector.choices).get(code, code))


def reference_text(reference: dict[str, Any], *, own: bool = True) -> str:
    """How the reference loan of an enterprise score was chosen, in words."""
    return _basis_text(reference, own=own)


def no_loan(score: ScoreView) -> bool:
    """Refused only because the request asks for no loan (equity, convertibles): nothing to add."""
    return bool(score.missing) and all(field == "instrument" for field, _label in score.missing)


def score_context(score: ScoreView | None, *, own: bool = True, on_request_page: bool = False) -> dict[str, Any]:
    if score is None:
        return {"score": None}
    return {"score": score, "no_loan": no_loan(score),
            "missing": missing_items(score, on_request_page=on_request_page) if own else
            [{"field": f, "label": label, "url": "", "action": ""} for f, label in score.missing],
            "reference_text": reference_text(score.reference or {}, own=own),
            "max_impact": max((r.impact for r in score.reasons), default=0) or 1}


def _unavailable_text() -> str:
    return _("The credit model cannot be read right now; the platform's operators have been told. Your score "
             "shows again once it is fixed.")


@role_required("enterprise")
def own(request: HttpRequest) -> HttpResponse:
    unavailable = ""
    try:
        score = selectors.score_own(request.user)
        request_scores = selectors.request_scores_own(request.user)
    except ModelUnavailable:
        score, request_scores, unavailable = None, [], _unavailable_text()
    return render(request, "scoring/own.html", {
        **score_context(score),
        "requests": [{"score": s, "missing": missing_items(s), "no_loan": no_loan(s)} for s in request_scores],
        "scale": grades.ranges(),
        "unavailable": unavailable,
    })


# ------------------------------------------------------------------ operators and observers


@role_required("operator", "observer")
def distribution(request: HttpRequest) -> HttpResponse:
    data = selectors.distribution_for(request.user)
    scale = {r.grade: r for r in grades.ranges()}
    rows = [{"grade": grade, "count": count, "share": share, "range": scale.get(grade)}
            for grade, count, share in data.by_grade]
    return render(request, "scoring/distribution.html", {
        "distribution": data, "rows": rows, "grades": grades.GRADES, "sectors": _sector_rows(data),
    })


def _sector_rows(data: selectors.Distribution) -> list[dict[str, Any]]:
    """One row per sector: its label, its count in each grade (in master-scale order), its total."""
    ordered = sorted(data.by_sector, key=lambda row: (-row.total, row.label))
    return [{"sector": row.sector, "label": row.label, "total": row.total,
             "counts": [row.counts.get(g, 0) for g in grades.GRADES]} for row in ordered]


@role_required("operator")
def models(request: HttpRequest) -> HttpResponse:
    return render(request, "scoring/models.html", {"versions": list(selectors.model_list_for(request.user))})


# CommonMark with tables; raw HTML in a card is shown as text, never rendered.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def card_html(text: str) -> SafeString:
    """A model card's Markdown as HTML for the operator console (its own HTML escaped)."""
    return mark_safe(_MARKDOWN.render(text))  # noqa: S308 (markdown-it escapes raw HTML with html=False)


def _model_page(request: HttpRequest, version: ModelVersion, form: PromoteForm, status: int = 200) -> HttpResponse:
    m = version.metrics or {}
    return render(request, "scoring/model_detail.html", {
        "version": version, "form": form, "metrics": m, "card_html": card_html(version.card),
        "oot": m.get("oot") or {}, "cv": m.get("cv") or {}, "baseline": m.get("baseline_oot") or {},
        "calibration": m.get("calibration") or [], "split": m.get("split") or {},
        "training": version.training_data or {}, "scale": {r.grade: r for r in grades.ranges()},
    }, status=status)


@role_required("operator")
def model_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.model_get_for(request.user, version_id)
    return _model_page(request, version, PromoteForm())


@require_POST
@role_required("operator")
def model_promote(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.model_get_for(request.user, version_id)
    form = PromoteForm(request.POST)
    if form.is_valid():
        try:
            services.model_promote(actor=request.user, version_id=version.pk)
        except NotFound:
            raise
        except (DomainError, ModelUnavailable) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("%(name)s is the champion now: every enterprise and open request is "
                                        "being scored again with it.") % {"name": version.name})
            return redirect("scoring:model_detail", version_id=version.pk)
    return _model_page(request, version, form)
