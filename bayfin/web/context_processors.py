"""The role-specific side navigation, built once per request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from bayfin.common import vocab

# (url name, label) per role. A missing url name is skipped, so apps can grow into it.
NAVIGATION: dict[str, list[tuple[str, Any]]] = {
    "enterprise": [
        ("web:home", _("Dashboard")),
        ("enterprises:profile", _("Company profile")),
        ("enterprises:statements", _("Financial statements")),
        ("financing:my_requests", _("Financing requests")),
        ("financing:deals", _("Deals")),
        ("institutions:product_browse", _("Browse products")),
        ("fx:cross_border", _("Cross-border")),
        ("accounts:team", _("Team")),
        ("accounts:tokens", _("API tokens")),
    ],
    "institution": [
        ("web:home", _("Dashboard")),
        ("institutions:profile", _("Institution profile")),
        ("institutions:products", _("Products")),
        ("financing:request_browse", _("Browse requests")),
        ("financing:deals", _("Deals")),
        ("fx:channels", _("Cross-border")),
        ("accounts:team", _("Team")),
        ("accounts:tokens", _("API tokens")),
    ],
    "operator": [
        ("web:home", _("Dashboard")),
        ("accounts:verification_queue", _("Verification queue")),
        ("accounts:organisations", _("Organisations")),
        ("institutions:associations", _("Associations")),
        ("financing:operator_requests", _("Requests")),
        ("financing:deals", _("Deals")),
        ("fx:rates", _("Cross-border")),
        ("accounts:audit", _("Audit log")),
        ("accounts:tokens", _("API tokens")),
        ("admin:index", _("Administration")),
    ],
    "observer": [
        ("web:home", _("Dashboard")),
        ("fx:channels", _("Cross-border")),
        ("accounts:tokens", _("API tokens")),
    ],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    for name, label in NAVIGATION.get(role or "", []):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        # The "Cross-border" entry stands for every page of the fx app.
        active = request.path == url or (name.startswith("fx:") and request.path.startswith("/fx/"))
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items, "user_role": role, "vocab": vocab}
