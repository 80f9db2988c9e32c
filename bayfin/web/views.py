from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bayfin.analytics.selectors import platform_summary_for


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    context: dict[str, object] = {"organisation": request.user.organisation}  # type: ignore[union-attr]
    if request.user.role in ("operator", "observer"):  # type: ignore[union-attr]
        context["summary"] = platform_summary_for(request.user)
    return render(request, "web/home.html", context)
