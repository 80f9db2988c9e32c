"""Template helpers of the scoring app: ``{% load scoring %}``.

``pd_percent`` shows a probability of default as a percentage in the reader's language;
``request_score_panel`` is the small credit-score panel on an enterprise's own financing
request page (nothing for anyone else: the score is the enterprise's private data).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django import template
from django.utils.translation import gettext

from bayfin.common.errors import DomainError
from bayfin.common.i18n import babel_locale, format_percent

from .. import selectors
from ..registry import ModelUnavailable
from ..views import score_context

register = template.Library()

HUNDRED = Decimal(100)


def _decimal(value: Any) -> Decimal | None:
    """A number from a model field, a JSON figure or a template variable ('' when absent)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def percent_text(value: Decimal | float | None, places: int = 2) -> str:
    """0.0342 -> "3.42%" in the reader's language (``bayfin.common.i18n.format_percent``)."""
    return format_percent(_decimal(value), places)


def bound_text(value: Decimal | float | None) -> str:
    """A master-scale boundary (0.005 -> "0.5%"): as few decimals as it needs."""
    number = _decimal(value)
    if number is None:
        return "—"
    pct = (number * HUNDRED).normalize()
    return gettext("%(n)s%%") % {"n": format_decimal(pct, format="#,##0.##", locale=babel_locale())}


@register.filter
def pd_percent(value: Decimal | float | None) -> str:
    return percent_text(value)


@register.filter
def pd_bound(value: Decimal | float | None) -> str:
    return bound_text(value)


@register.filter
def share_percent(value: Decimal | float | None) -> str:
    """A share of a total (0.125 -> "12.5%")."""
    return percent_text(value, places=1)


@register.inclusion_tag("scoring/_request_panel.html", takes_context=True)
def request_score_panel(context: Any, financing_request: Any) -> dict[str, Any]:
    """The request page's credit score, for the enterprise's own members only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    out: dict[str, Any] = {"request": request, "financing_request": financing_request, "hidden": True,
                           "score": None}
    if user is None or getattr(user, "role", None) != "enterprise":
        return out
    try:
        score = selectors.request_score_own(user, financing_request.pk)
    except (DomainError, ModelUnavailable):
        return out
    out.update(hidden=False, **score_context(score, on_request_page=True))
    return out


@register.filter
def metric(value: Any, places: int = 3) -> str:
    """A validation figure (AUC, KS, Brier, PSI) with a fixed number of decimals; '—' if absent."""
    number = _decimal(value)
    if number is None:
        return "—"
    return format_decimal(number, format="#,##0." + "0" * int(places), locale=babel_locale())


@register.inclusion_tag("scoring/_shared_credit.html")
def shared_credit_panel(view: Any, message: str = "") -> dict[str, Any]:
    """The credit section an institution reads under a live "credit" consent (the consent
    selector has checked the grant and logged the read before ``view`` got here)."""
    return {"message": message, "shared": True, **score_context(view, own=False)}
