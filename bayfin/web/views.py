from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bayfin.analytics.selectors import platform_summary_for
from bayfin.financing.selectors import (
    WAITING_REASONS,
    deal_list_for,
    deals_waiting_for,
    request_list_own,
)
from bayfin.ledger.selectors import receipt_index_for_subject

RECENT = 5


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    user = request.user
    context: dict[str, object] = {"organisation": user.organisation}  # type: ignore[union-attr]
    role = user.role  # type: ignore[union-attr]
    if role in ("operator", "observer"):
        context["summary"] = platform_summary_for(user)
    if role in ("enterprise", "institution"):
        # The verification decision about the organisation, provable with its ledger receipt.
        context["decision_receipt"] = receipt_index_for_subject(
            user, user.organisation, kinds=("organisation.verified", "organisation.rejected"))  # type: ignore[union-attr]
        # The task first: the deals that moved most recently, and for enterprises their requests.
        context["waiting"] = [(deal, WAITING_REASONS[reason]) for deal, reason in deals_waiting_for(user)]
        context["recent_deals"] = list(deal_list_for(user).select_related(
            "request__enterprise__organisation", "institution__organisation")[:RECENT])
    if role == "enterprise":
        context["recent_requests"] = list(request_list_own(user)[:RECENT])
    return render(request, "web/home.html", context)
