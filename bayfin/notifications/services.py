"""Telling people what happened: an in-app notification for each member, and an email.

``notify`` is called inside the caller's transaction (the rows commit or roll back with the
change); the emails go out on commit, each in its recipient's language, through Django's
email backend (the console in the demo). A failed email never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

from .models import Notification

log = logging.getLogger(__name__)


def render(message: str, params: Mapping[str, Any], language: str | None = None) -> str:
    """The message in ``language`` (or the active one), with its parameters filled in.

    Parameters that are themselves messages (``{"_": "msgid"}``) are translated too.
    """
    def text() -> str:
        values = {k: translation.gettext(v["_"]) if isinstance(v, dict) and "_" in v else v
                  for k, v in params.items()}
        try:
            return translation.gettext(message) % values
        except (KeyError, TypeError, ValueError):
            return translation.gettext(message)

    if language:
        with translation.override(language):
            return text()
    return text()


def _members(organisation: Any) -> list[Any]:
    from django.contrib.auth import get_user_model

    if organisation is None:
        return []
    return list(get_user_model().objects.filter(membership__organisation=organisation, is_active=True)
                .order_by("pk"))


def notify(*, organisations: Iterable[Any], kind: str, message: str, params: Mapping[str, Any] | None = None,
           link: str = "", subject: str = "", exclude_user: Any = None, email: bool = True) -> list[Notification]:
    """Notify every active member of each organisation (but ``exclude_user``, who acted).

    ``message`` is an English text marked with ``gettext_noop`` by the caller, so it is
    translated for each reader when shown or mailed.
    """
    params = dict(params or {})
    users = []
    seen: set[int] = set()
    for org in organisations:
        for user in _members(org):
            if user.pk in seen or (exclude_user is not None and user.pk == getattr(exclude_user, "pk", None)):
                continue
            seen.add(user.pk)
            users.append(user)
    rows = Notification.objects.bulk_create([
        Notification(user=u, kind=kind, message=message, params=params, link=link, subject=subject) for u in users])
    if email:
        recipients = [(u.email, u.preferred_language or settings.LANGUAGE_CODE) for u in users if u.email]
        if recipients:
            transaction.on_commit(lambda: _send(recipients, message, params, link))
    return rows


def _send(recipients: list[tuple[str, str]], message: str, params: Mapping[str, Any], link: str) -> None:
    for address, language in recipients:
        body = render(message, params, language)
        if link:
            body += f"\n\n{settings.SITE_URL.rstrip('/')}{link}"
        with translation.override(language):
            subject = translation.gettext("BayFin: %(text)s") % {"text": body.splitlines()[0][:120]}
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # noqa: BLE001 - a mail server's failure must not break the request
            log.exception("could not send a notification email to %s", address)


def notification_mark_read(*, actor: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when no ids are given)."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
