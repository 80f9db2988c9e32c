"""Helpers for the notifications tests: a notification for a given user."""

from __future__ import annotations

from typing import Any

import pytest

from bayfin.notifications.models import Notification

# A message with a Chinese translation in the financing catalogue, and a parameter that is
# itself a translated message.
MESSAGE = "The request became %(status)s."
PARAMS = {"status": {"_": "Accepted"}}


def make_notification(
    user: Any,
    *,
    read: bool = False,
    link: str = "/financing/deals/5/",
    message: str = MESSAGE,
    params: dict | None = None,
    **extra: Any,
) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        user=user,
        kind="deal.stage_changed",
        message=message,
        params=PARAMS if params is None else params,
        link=link,
        subject="financing.deal:5",
        read_at=timezone.now() if read else None,
        **extra,
    )


@pytest.fixture
def notification_for() -> Any:
    return make_notification
