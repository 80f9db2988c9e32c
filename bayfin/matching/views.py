"""Pages for matching: what fits a request, a product, an institution, and how concentrated it is.

- An enterprise reads, on its request's page, the products that fit it (a panel drawn by
  ``{% request_matches_panel %}``) and asks "Why not?" for any published product it expected
  (``why_not``: the hard requirements the request fails, or that it fits).
- An institution reads, on its product's page, the open requests that fit the product
  (``{% product_matches_panel %}``), and across its products the enterprises worth a look
  (``recommendations``: recommended, never notified).
- Operators and observers read the batches with the concentration of the top-5 lists
  (``batches``).

Thin views over ``selectors``: every scope and privacy rule (whose matches, which reasons an
institution may read) is the selectors'; the views only parse what the user chose.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import NotFound, ValidationFailed
from bayfin.financing import selectors as financing_selectors
from bayfin.financing.transitions import REQUEST_VISIBLE_STATUSES, RequestStatus
from bayfin.institutions import selectors as institution_selectors
from bayfin.institutions.models import ProductStatus

from . import selectors
from .forms import RecommendationFilterForm, WhyNotForm
from .models import BatchStatus

PAGE_SIZE = 25


# ------------------------------------------------------------------ shared with the panels and the API


def why_not_products(user: Any) -> Any:
    """The products an enterprise may ask "Why not?" about: every product it can browse."""
    return institution_selectors.product_browse_for(user).order_by("name", "id")


def own_published_products(user: Any) -> Any:
    return institution_selectors.product_list_own(user, {"status": ProductStatus.PUBLISHED}).order_by("name", "id")


def request_empty_text(financing_request: Any) -> str:
    """What to do next when a request has no match to show."""
    status = financing_request.status
    if status == RequestStatus.DRAFT:
        return _("No match yet: submit the request, and the products that fit it are listed here a few seconds "
                 "later.")
    if status in REQUEST_VISIBLE_STATUSES:
        return _("No match yet: matches are computed in the background a few seconds after a change. If none "
                 "appears, no published product meets this request's hard requirements; ask “Why not?” below "
                 "about a product you expected.")
    return _("This request has ended, so it is no longer matched.")


def product_empty_text(product: Any) -> str:
    if product.status == ProductStatus.DRAFT:
        return _("No match yet: publish the product, and the open requests that fit it are listed here a few "
                 "seconds later.")
    if product.status != ProductStatus.PUBLISHED:
        return _("This product is archived, so it is no longer matched.")
    return _("No match yet: matches are computed in the background a few seconds after a change. If none "
             "appears, no open request meets this product's requirements today.")


def score_max(matches: list[Any]) -> float:
    return max((m.score for m in matches), default=0.0)


# ------------------------------------------------------------------ enterprises: why not


def _why_not_context(request: HttpRequest, financing_request: Any) -> dict[str, Any]:
    """The "Why not?" form and, when a product was chosen, the answer for it."""
    products = why_not_products(request.user)
    form = WhyNotForm(request.GET if "product" in request.GET else None, products=products)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = selectors.why_not_for(request.user, financing_request.pk, form.cleaned_data["product"])
        except ValidationFailed as exc:
            for messages_ in exc.fields.values():
                for message in messages_:
                    form.add_error("product", message)
        except NotFound:
            # The request was checked above: what is not found is the product.
            form.add_error("product", _("Choose a published product from the list."))
    return {"why_not_form": form, "why_not": result, "financing_request": financing_request}


@role_required("enterprise")
def why_not(request: HttpRequest, request_id: int) -> HttpResponse:
    """Why a product is not among the request's matches: its failed hard requirements, or "it fits".

    A GET form (on the request page, answered in place by htmx; without JavaScript, here).
    """
    financing_request = financing_selectors.request_get_for(request.user, request_id)
    ctx = _why_not_context(request, financing_request)
    return render(request, "matching/why_not.html", ctx)


# ------------------------------------------------------------------ institutions: recommendations


@role_required("institution")
def recommendations(request: HttpRequest) -> HttpResponse:
    """Enterprises worth a look across the institution's published products (public profiles only)."""
    products = list(own_published_products(request.user))
    form = RecommendationFilterForm(request.GET or None, products=products)
    product_id = None
    if form.is_bound and form.is_valid():
        product_id = form.cleaned_data.get("product")
    rows: list[Any] = []
    if not form.errors:
        try:
            rows = selectors.recommendations_for(request.user, product_id=product_id)
        except ValidationFailed as exc:
            for messages_ in exc.fields.values():
                for message in messages_:
                    form.add_error("product", message)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/recommendations.html", {
        "form": form, "page_obj": page_obj, "matches": list(page_obj), "has_products": bool(products),
        "product_id": product_id, "max_score": score_max(list(page_obj)),
    })


# ------------------------------------------------------------------ operators and observers


@role_required("operator", "observer")
def batches(request: HttpRequest) -> HttpResponse:
    """The matching batches, newest first, with how concentrated their top-5 lists are."""
    qs = selectors.batch_list_for(request.user)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    latest = qs.filter(status=BatchStatus.DONE).exclude(concentration={}).first()
    return render(request, "matching/batches.html", {"page_obj": page_obj, "batches": list(page_obj),
                                                     "latest": latest})

