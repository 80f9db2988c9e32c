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
        ("consent:grants", _("Data sharing")),
        ("consent:access_log", _("Who read my data")),
        ("documents:data_room", _("Data room")),
        ("institutions:product_browse", _("Browse products")),
        ("evaluation:overview", _("Sci-tech evaluation")),
        ("scoring:own", _("Credit score")),
        ("evaluation:programmes", _("Policy programmes")),
        ("fx:cross_border", _("Cross-border")),
        ("ledger:public", _("Ledger")),
        ("accounts:team", _("Team")),
        ("accounts:tokens", _("API tokens")),
    ],
    "institution": [
        ("web:home", _("Dashboard")),
        ("institutions:profile", _("Institution profile")),
        ("institutions:products", _("Products")),
        ("financing:request_browse", _("Browse requests")),
        ("matching:recommendations", _("Enterprises worth a look")),
        ("financing:deals", _("Deals")),
        ("consent:shared", _("Shared with us")),
        ("fx:channels", _("Cross-border")),
        ("ledger:public", _("Ledger")),
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
        ("evaluation:operator_programmes", _("Policy programmes")),
        ("scoring:distribution", _("Credit scores")),
        ("matching:batches", _("Matching batches")),
        ("accounts:audit", _("Audit log")),
        ("ledger:public", _("Ledger")),
        ("accounts:tokens", _("API tokens")),
        ("admin:index", _("Administration")),
    ],
    "observer": [
        ("web:home", _("Dashboard")),
        ("scoring:distribution", _("Credit scores")),
        ("matching:batches", _("Matching batches")),
        ("fx:channels", _("Cross-border")),
        ("ledger:public", _("Ledger")),
        ("accounts:tokens", _("API tokens")),
    ],
}


# An entry stands for every page under its section, the longest matching prefix winning
# ("Cross-border" for every fx page; "Policy programmes" over "Sci-tech evaluation").
SECTIONS = {
    "fx:cross_border": "/fx/", "fx:channels": "/fx/", "fx:rates": "/fx/",
    "evaluation:overview": "/evaluation/", "evaluation:programmes": "/evaluation/programmes/",
    "evaluation:operator_programmes": "/evaluation/operator/",
    "scoring:own": "/scoring/", "scoring:distribution": "/scoring/",
    "matching:recommendations": "/matching/recommendations/", "matching:batches": "/matching/batches/",
    "ledger:public": "/ledger/",
    "consent:grants": "/consent/", "consent:access_log": "/consent/accesses/", "consent:shared": "/consent/shared/",
    "documents:data_room": "/documents/",
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
        items.append({"url": url, "label": label, "section": SECTIONS.get(name, url), "active": False})
    exact = [item for item in items if item["url"] == request.path]
    if exact:
        exact[0]["active"] = True
    else:
        within = [item for item in items if item["section"] != "/" and request.path.startswith(item["section"])]
        if within:
            max(within, key=lambda item: len(item["section"]))["active"] = True
    return {"nav_items": items, "user_role": role, "vocab": vocab}
