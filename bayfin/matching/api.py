"""The matching API, mounted at the API's root so that the matches live beside what they match:

- ``GET /api/v1/requests/{request_id}/matches``: the products that fit a request (its enterprise's
  members, operators);
- ``GET /api/v1/requests/{request_id}/why-not/{product_id}``: which hard requirements of a
  product the request fails (its enterprise's members only);
- ``GET /api/v1/products/{product_id}/matches``: the open requests that fit a product (its
  institution's members, operators);
- ``GET /api/v1/matching/recommendations``: the enterprises worth a look for an institution;
- ``GET /api/v1/matching/batches``: the matching batches and their concentration (operators,
  observers).

Scores, parts, weights and shares travel as strings, never floats. Reasons and part labels come
in the reader's language (``Accept-Language``); a reason an institution may not read (it rests
on private data the enterprise has not shared with it) comes already replaced by the selector.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member
from bayfin.common.errors import NotFound, ValidationFailed
from bayfin.common.schemas import ErrorOut, Pagination
from bayfin.financing import selectors as financing_selectors
from bayfin.institutions import selectors as institution_selectors
from bayfin.institutions.models import ProductStatus

from . import selectors

router = Router(tags=["matching"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- schemas


class PartOut(Schema):
    part: str
    label: str
    value: str         # the part's fit, 0..1
    weight: str        # its weight in the score
    contribution: str  # value × weight: what it adds to the score


class ReasonOut(Schema):
    code: str
    text: str
    private: bool      # rests on private data (revenue, credit grade, sci-tech evaluation)


class NamedOut(Schema):
    id: int
    name: str


class MatchOut(Schema):
    rank: int
    score: str
    product: NamedOut
    institution: NamedOut
    request_id: int | None
    enterprise: NamedOut
    parts: list[PartOut]
    reasons: list[ReasonOut]
    weights_version: str
    computed_at: datetime


class RequestMatchesOut(Schema):
    request_id: int
    matches: list[MatchOut]


class ProductMatchesOut(Schema):
    product_id: int
    matches: list[MatchOut]


class WhyNotOut(Schema):
    request_id: int
    product: NamedOut
    passed: bool
    failures: list[str]


class ConcentrationOut(Schema):
    top: int                # the length of the lists counted (top-5)
    slots: int              # top-5 slots filled in the batch
    products: int           # products in the index
    distinct_products: int  # products in any top-5 list
    share_top_1pct: str     # share of the slots held by the busiest 1 % of products
    share_top_10pct: str    # ... by the busiest 10 %
    gini: str               # of the products' appearances (0 even, 1 one product holds all)


def concentration_out(figures: dict[str, Any] | None) -> dict[str, Any] | None:
    """A batch's concentration with its shares as strings; None while the batch runs."""
    if not figures or figures.get("share_top_1pct") is None:
        return None
    return {"top": int(figures.get("top", 5)), "slots": int(figures.get("slots", 0)),
            "products": int(figures.get("products", 0)), "distinct_products": int(figures.get("distinct_products", 0)),
            "share_top_1pct": _figure(figures["share_top_1pct"], 4),
            "share_top_10pct": _figure(figures.get("share_top_10pct", 0), 4),
            "gini": _figure(figures.get("gini", 0), 4)}


class BatchOut(Schema):
    id: int
    kind: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    weights_version: str
    index_version: int
    products: int
    queries: int
    chunks_total: int
    chunks_done: int
    concentration: ConcentrationOut | None

    @staticmethod
    def resolve_concentration(obj: Any) -> dict[str, Any] | None:
        return concentration_out(obj.concentration)


def _unknown_product() -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."),
                            fields={"product_id": [_("No published product has this id.")]})


def _figure(value: Any, places: int = 6) -> str:
    return f"{float(value):.{places}f}"


def match_out(m: Any) -> dict[str, Any]:
    """One match as the API answers it (a ``selectors.MatchView``)."""
    return {
        "rank": m.rank, "score": _figure(m.score),
        "product": {"id": m.product_id, "name": m.product_name},
        "institution": {"id": m.institution_id, "name": m.institution_name},
        "request_id": m.request_id,
        "enterprise": {"id": m.enterprise_id, "name": m.enterprise_name},
        "parts": [{"part": p.part, "label": str(p.label), "value": _figure(p.value, 4),
                   "weight": _figure(p.weight, 4), "contribution": _figure(p.contribution, 4)} for p in m.parts],
        "reasons": [{"code": r.code, "text": str(r.text), "private": bool(r.private)} for r in m.reasons],
        "weights_version": m.weights_version, "computed_at": m.computed_at,
    }


# --------------------------------------------------------------------------- endpoints


@router.get("/requests/{request_id}/matches", response={200: RequestMatchesOut, **ERRORS},
            summary="The products that fit a request, best first",
            description="For the request's enterprise and operators. Each match has its rank, score (a string "
            "between 0 and 1), the product and its institution, each part of the score (`value` × `weight` = "
            "`contribution`), the reasons in the reader's language, and the weights version it was computed "
            "with. Empty until the request is submitted; refreshed a few seconds after a change and nightly.")
def request_matches(request: HttpRequest, request_id: int) -> Any:
    matches = selectors.request_matches_for(request.user, request_id)
    return {"request_id": request_id, "matches": [match_out(m) for m in matches]}


@router.get("/requests/{request_id}/why-not/{product_id}", response={200: WhyNotOut, **ERRORS},
            summary="Why a product is not among a request's matches",
            description="For the request's enterprise only: every hard requirement of the product the request "
            "fails, in the reader's language (`passed` true and no failures: it fits). Another enterprise's "
            "request is a 404; a product that is not published (or unknown) is a 422 naming `product_id`.")
def why_not(request: HttpRequest, request_id: int, product_id: int) -> Any:
    require_member(request.user, OrganisationKind.ENTERPRISE)
    financing_selectors.request_get_for(request.user, request_id)
    if not institution_selectors.product_browse_for(request.user).filter(pk=product_id).exists():
        raise _unknown_product()
    try:
        view = selectors.why_not_for(request.user, request_id, product_id)
    except NotFound:
        # The request is the caller's (checked above): what is missing is the product.
        raise _unknown_product() from None
    return {"request_id": request_id, "product": {"id": view.product_id, "name": view.product_name},
            "passed": view.passed, "failures": [str(t) for t in view.failures]}


@router.get("/products/{product_id}/matches", response={200: ProductMatchesOut, **ERRORS},
            summary="The open requests that fit a product, best first",
            description="For the product's institution and operators. Reasons come from the enterprise's public "
            "profile and the request; one resting on private data (revenue, credit grade, sci-tech evaluation) "
            "is shown only under a live consent of the enterprise to that scope, and otherwise reads \"meets "
            "your product's requirements\". Another institution's product is a 404.")
def product_matches(request: HttpRequest, product_id: int) -> Any:
    matches = selectors.product_matches_for(request.user, product_id)
    return {"product_id": product_id, "matches": [match_out(m) for m in matches]}


@router.get("/matching/recommendations", response={200: list[MatchOut], **ERRORS},
            summary="Enterprises worth a look, across the institution's products (institutions)",
            description="Enterprises whose public profile fits one of the institution's published products, with "
            "or without a request (`request_id` null), best first; `?product_id=` keeps one product (one of the "
            "institution's published products, else a 422 naming `product_id`). Recommended, never notified.")
@paginate(Pagination)
def recommendations(request: HttpRequest, product_id: int | None = None) -> Any:
    require_member(request.user, OrganisationKind.INSTITUTION)
    own = institution_selectors.product_list_own(request.user, {"status": ProductStatus.PUBLISHED})
    if product_id is not None and not own.filter(pk=product_id).exists():
        raise _unknown_product()
    return [match_out(m) for m in selectors.recommendations_for(request.user, product_id=product_id)]


@router.get("/matching/batches", response={200: list[BatchOut], **ERRORS},
            summary="Matching batches and how concentrated their top-5 lists are (operators, observers)",
            description="Newest first. `concentration` holds the share of top-5 slots held by the busiest 1 % and "
            "10 % of products, the number of distinct products in any top-5 list and the Gini coefficient of "
            "the products' appearances.")
@paginate(Pagination)
def batches(request: HttpRequest) -> Any:
    return selectors.batch_list_for(request.user)
