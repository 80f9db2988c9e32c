"""Telling people what happened: an in-app notification for each member, and an email.

``notify`` is called inside the caller's transaction (the rows commit or roll back with the
change); the emails go out on commit, each in its recipient's language, through Django's
email backend (the console in the demo). A failed email never undoes the change.

Reading a notification (marking it read) changes only the reader's own inbox, so it writes
no audit event: the audit log records changes to shared things, not who read what when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from bayfin.accounts.selectors import require_signed_in

from .models import Notification, safe_link
from .selectors import notification_get_for

log = logging.getLogger(__name__)


def render(message: str, params: Mapping[str, Any], language: str | None = None) -> str:
    """The message in ``language`` (or the active one), with its parameters filled in.

    Parameters that are themselves messages (``{"_": "msgid"}``) are translated too. A
    translation whose placeholders do not match its parameters falls back to the text
    without them rather than failing the page.
    """

    def text() -> str:
        values = {
            k: translation.gettext(v["_"]) if isinstance(v, dict) and "_" in v else v
            for k, v in params.items()
        }
        translated = translation.gettext(message)
        if not values:
            return translated
        try:
            return translated % values
        except (KeyError, TypeError, ValueError):
            return translated

    if language:
        with translation.override(language):
            return text()
    return text()


def language_for(user: Any) -> str:
    """The user's preferred language if the platform offers it, else the site's default."""
    preferred = getattr(user, "preferred_language", "") or ""
    if preferred:
        try:
            return translation.get_supported_language_variant(preferred)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


def _recipients(organisations: Iterable[Any], exclude_user: Any) -> list[Any]:
    from django.contrib.auth import get_user_model

    org_ids = [getattr(org, "pk", org) for org in organisations if org is not None]
    if not org_ids:
        return []
    users = get_user_model().objects.filter(membership__organisation__in=org_ids, is_active=True)
    excluded = getattr(exclude_user, "pk", None)
    if excluded is not None:
        users = users.exclude(pk=excluded)
    return list(users.distinct().order_by("pk"))


def notify(
    *,
    organisations: Iterable[Any],
    kind: str,
    message: str,
    params: Mapping[str, Any] | None = None,
    link: str = "",
    subject: str = "",
    exclude_user: Any = None,
    email: bool = True,
) -> list[Notification]:
    """Notify every active member of each organisation (but ``exclude_user``, who acted).

    ``message`` is an English text marked with ``gettext_noop`` by the caller, so it is
    translated for each reader when shown or mailed. ``link`` is a path on this site
    ("/financing/deals/5/").
    """
    params = dict(params or {})
    users = _recipients(organisations, exclude_user)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=u, kind=kind, message=message, params=params, link=link, subject=subject
            )
            for u in users
        ]
    )
    if email:
        recipients = [(u.email, language_for(u)) for u in users if u.email]
        if recipients:
            transaction.on_commit(lambda: _send(recipients, message, params, link), robust=True)
    return rows


def _send(
    recipients: list[tuple[str, str]], message: str, params: Mapping[str, Any], link: str
) -> None:
    """One email per recipient (no one sees the others' addresses), each in its own language."""
    path = safe_link(link)
    for address, language in recipients:
        try:
            body = render(message, params, language)
            with translation.override(language):
                subject = translation.gettext("BayFin: %(text)s") % {
                    "text": body.splitlines()[0][:120]
                }
            if path:
                body += f"\n\n{settings.SITE_URL.rstrip('/')}{path}"
            send_mail(subject, body, None, [address])
        except Exception:  # noqa: BLE001 - a mail server's failure must not break the request
            log.exception("could not send a notification email to %s", address)


@transaction.atomic
def notification_mark_read(*, actor: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when no ids are given).

    Ids of other people's notifications are ignored (never marked): the count returned is
    how many of the actor's own unread notifications became read.
    """
    require_signed_in(actor)
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_open(*, actor: Any, notification_id: int) -> Notification:
    """The actor's own notification, marked read; anyone else's is NotFound."""
    notification = notification_get_for(actor, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification
