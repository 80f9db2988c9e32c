from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    return render(request, "web/home.html", {"organisation": request.user.organisation})  # type: ignore[union-attr]
