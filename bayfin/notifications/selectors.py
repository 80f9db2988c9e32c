"""Reads of notifications: each person sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.selectors import require_signed_in
from bayfin.common.errors import NotFound

from .models import Notification


def notification_list_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (anonymous: NotAuthenticated)."""
    require_signed_in(user)
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_get_for(user: Any, notification_id: int) -> Notification:
    """The user's own notification; anyone else's is NotFound, so existence does not leak."""
    require_signed_in(user)
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    return notification


def unread_count_for(user: Any) -> int:
    """How many of the user's notifications are unread: one COUNT on the (user, read_at) index.

    Anonymous users have none, and cost no query.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
