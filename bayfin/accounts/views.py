"""Pages for the accounts app: thin views over services and selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def signup(request: HttpRequest) -> HttpResponse:  # placeholder until the sign-up flow lands
    return render(request, "web/landing.html")
