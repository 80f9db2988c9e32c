"""The unread count for the top bar's bell."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from .selectors import unread_count_for


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``notifications_unread``: the signed-in user's unread count, counted once per request.

    It is a callable the template resolves on first use (one COUNT query), so a page that
    does not show the top bar (an htmx partial) and anonymous visitors cost no query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        return unread_count_for(user)

    return {"notifications_unread": count}
