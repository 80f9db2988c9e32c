"""Template helpers of the matching app: ``{% load matching %}``.

``match_percent`` shows a score or a part (0..1) as a percentage in the reader's language;
``bar_width`` gives the same as a CSS width (always with a dot, whatever the language).
``request_matches_panel`` is the "Matching products" panel of a financing request's page (its
enterprise's members, and operators); ``product_matches_panel`` the "Matching requests" panel
of a product's page (its institution's members, and operators). Nobody else gets a panel.
"""

from __future__ import annotations

from typing import Any

from django import template

from bayfin.common.errors import DomainError
from bayfin.common.i18n import format_percent

from .. import selectors
from ..forms import WhyNotForm
from ..views import product_empty_text, request_empty_text, score_max, why_not_products

register = template.Library()


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no figure


@register.filter
def match_percent(value: Any, places: int = 0) -> str:
    """0.873 -> "87%" (places=1: "87.3%")."""
    number = _number(value)
    return format_percent(None if number is None else round(number, 6), int(places))


@register.filter
def bar_width(value: Any) -> str:
    """0.873 -> "87.3" for ``style="width: 87.3%"``, clipped to 0..100."""
    number = _number(value)
    if number is None:
        return "0"
    return f"{min(100.0, max(0.0, number * 100)):.1f}"


def _role(context: Any) -> tuple[Any, str | None]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    return user, getattr(user, "role", None)


@register.inclusion_tag("matching/_request_panel.html", takes_context=True)
def request_matches_panel(context: Any, financing_request: Any) -> dict[str, Any]:
    """The products that fit the request, for its enterprise (with "Why not?") and operators."""
    request = context.get("request")
    user, role = _role(context)
    out: dict[str, Any] = {"request": request, "financing_request": financing_request, "hidden": True,
                           "user_role": role}
    if role not in ("enterprise", "operator"):
        return out
    try:
        matches = selectors.request_matches_for(user, financing_request.pk)
    except DomainError:
        return out
    out.update(hidden=False, matches=matches, max_score=score_max(matches),
               empty_text=request_empty_text(financing_request), own=role == "enterprise")
    if role == "enterprise":
        out["why_not_form"] = WhyNotForm(products=why_not_products(user))
    return out


@register.inclusion_tag("matching/_product_panel.html", takes_context=True)
def product_matches_panel(context: Any, product: Any) -> dict[str, Any]:
    """The open requests that fit the product, for its institution's members and operators."""
    request = context.get("request")
    user, role = _role(context)
    out: dict[str, Any] = {"request": request, "product": product, "hidden": True, "user_role": role}
    if role not in ("institution", "operator"):
        return out
    try:
        matches = selectors.product_matches_for(user, product.pk)
    except DomainError:
        return out
    out.update(hidden=False, matches=matches, max_score=score_max(matches), empty_text=product_empty_text(product))
    return out
