"""notify(): who is told, in which language, and the email that follows the commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils.translation import gettext_noop

from bayfin.common.errors import NotAuthenticated, NotFound
from bayfin.notifications import selectors, services
from bayfin.notifications.models import Notification, safe_link
from tests.conftest import member_of

from .conftest import MESSAGE, PARAMS

pytestmark = pytest.mark.django_db


def _notify(enterprise: Any, **kwargs: Any) -> list[Notification]:
    args: dict[str, Any] = {
        "organisations": [enterprise.organisation],
        "kind": "deal.stage_changed",
        "message": gettext_noop(MESSAGE),
        "params": PARAMS,
        "link": "/financing/deals/5/",
        "subject": "financing.deal:5",
    }
    args.update(kwargs)
    return services.notify(**args)


def test_every_member_but_the_actor_is_notified_once(
    enterprise: Any,
    enterprise_user: Any,
    institution: Any,
    institution_user: Any,
    other_enterprise_user: Any,
) -> None:
    colleague = member_of(enterprise.organisation, is_admin=False)
    rows = _notify(
        enterprise,
        organisations=[
            enterprise.organisation,
            institution.organisation,
            None,
            enterprise.organisation,
        ],
        exclude_user=institution_user,
    )
    assert sorted(r.user_id for r in rows) == sorted([enterprise_user.pk, colleague.pk])
    assert not Notification.objects.filter(
        user__in=[institution_user, other_enterprise_user]
    ).exists()


def test_inactive_members_are_not_notified(enterprise: Any, enterprise_user: Any) -> None:
    enterprise_user.is_active = False
    enterprise_user.save()
    assert _notify(enterprise) == []


def test_the_text_is_rendered_in_the_readers_language(
    enterprise_user: Any, notification_for: Any
) -> None:
    n = notification_for(enterprise_user)
    assert services.render(n.message, n.params, "en") == "The request became Accepted."
    chinese = services.render(n.message, n.params, "zh-hans")
    assert "融资需求状态已变更为" in chinese and "已接受" in chinese


def test_a_translation_with_mismatched_parameters_falls_back_to_the_text() -> None:
    assert services.render("Deal %(deal)s moved.", {}) == "Deal %(deal)s moved."
    assert services.render("Plain text.", {"unused": 1}) == "Plain text."


def test_the_email_leaves_only_after_commit(
    enterprise: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify(enterprise)
        assert mail.outbox == []  # still inside the transaction
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [enterprise_user.email]
    assert email.subject == "BayFin: The request became Accepted."
    assert "The request became Accepted." in email.body
    assert "/financing/deals/5/" in email.body


def test_a_rolled_back_change_sends_no_email_and_leaves_no_notification(
    enterprise: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notify(enterprise)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.filter(user=enterprise_user).exists()


def test_the_email_is_in_the_recipients_preferred_language(
    enterprise: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    english = member_of(enterprise.organisation, is_admin=False)
    unknown = member_of(enterprise.organisation, is_admin=False)
    enterprise_user.preferred_language = "zh-hans"
    enterprise_user.save()
    unknown.preferred_language = "xx"  # not offered: the site's default
    unknown.save()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(enterprise)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 3  # one email each: no one sees the others' addresses
    chinese = by_address[enterprise_user.email]
    assert "融资需求状态已变更为" in chinese.body and "已接受" in chinese.body
    assert "/financing/deals/5/" in chinese.body
    assert "The request became Accepted." in by_address[english.email].body
    assert "The request became Accepted." in by_address[unknown.email].body


def test_an_external_link_is_never_put_in_the_email(
    enterprise: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(enterprise, link="https://evil.example/phish")
    assert "evil.example" not in mail.outbox[0].body


def test_a_failing_mail_backend_does_not_raise(
    enterprise: Any, enterprise_user: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(services, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify(enterprise)
    assert len(rows) == 1 and Notification.objects.filter(user=enterprise_user).count() == 1


def test_a_failing_smtp_backend_does_not_raise(
    enterprise: Any, enterprise_user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1  # nothing listens here
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        _notify(enterprise)
    assert Notification.objects.filter(user=enterprise_user).count() == 1


def test_no_email_when_asked_not_to(
    enterprise: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify(enterprise, email=False)
    assert callbacks == [] and mail.outbox == []


def test_mark_read_touches_only_ones_own(
    enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    mine = [notification_for(enterprise_user) for _ in range(3)]
    theirs = notification_for(other_enterprise_user)
    assert (
        services.notification_mark_read(
            actor=enterprise_user, notification_ids=[mine[0].pk, theirs.pk]
        )
        == 1
    )
    assert selectors.unread_count_for(enterprise_user) == 2
    assert selectors.unread_count_for(other_enterprise_user) == 1
    assert services.notification_mark_read(actor=enterprise_user) == 2
    assert selectors.unread_count_for(enterprise_user) == 0
    assert selectors.unread_count_for(other_enterprise_user) == 1


def test_opening_another_users_notification_is_not_found(
    enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    theirs = notification_for(other_enterprise_user)
    with pytest.raises(NotFound):
        services.notification_open(actor=enterprise_user, notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_selectors_return_only_ones_own_newest_first(
    enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    older = notification_for(enterprise_user, read=True)
    newer = notification_for(enterprise_user)
    notification_for(other_enterprise_user)
    assert list(selectors.notification_list_for(enterprise_user)) == [newer, older]
    assert list(selectors.notification_list_for(enterprise_user, unread_only=True)) == [newer]


def test_anonymous_has_no_notifications(django_assert_num_queries: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert selectors.unread_count_for(AnonymousUser()) == 0
    with pytest.raises(NotAuthenticated):
        selectors.notification_list_for(AnonymousUser())
    with pytest.raises(NotAuthenticated):
        services.notification_mark_read(actor=AnonymousUser())


@pytest.mark.parametrize(
    ("link", "safe"),
    [
        ("/financing/deals/5/", True),
        ("/notifications/?page=2", True),
        ("", False),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("/\t/evil.example/", False),
        ("javascript:alert(1)", False),
        ("financing/deals/5/", False),
    ],
)
def test_only_paths_on_this_site_are_links(link: str, safe: bool) -> None:
    assert safe_link(link) == (link if safe else "")
