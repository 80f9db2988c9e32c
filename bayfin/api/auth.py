from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from bayfin.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bf_...`` with a per-user API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw_token=token)
        if user is not None:
            request.user = user
        return user


# Browsers calling the API from a signed-in page: session cookie plus CSRF.
session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
