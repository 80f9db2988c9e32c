"""Every write about users, organisations, memberships, invitations and API tokens."""

from __future__ import annotations

from django.utils import timezone

from .models import ApiToken, User
from .tokens import TOKEN_PREFIX, hash_token


def api_token_authenticate(*, raw_token: str) -> User | None:
    """The active user behind a raw API token, or None. Records when it was last used."""
    if not raw_token.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
