"""The notifications page, opening one, marking all read, and the bell in the top bar."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from bayfin.notifications.context_processors import unread_notifications
from bayfin.notifications.models import Notification

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
MARK_READ = reverse("notifications:mark_read")


def open_url(n: Notification) -> str:
    return reverse("notifications:open", args=[n.pk])


@pytest.mark.parametrize(
    "who", ["enterprise_user", "institution_user", "operator_user", "observer_user"]
)
def test_every_signed_in_role_sees_only_its_own(
    request: Any, who: str, client_for: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    user = request.getfixturevalue(who)
    notification_for(user, params={"status": "Mine"})
    notification_for(other_enterprise_user, params={"status": "Someone else's"})
    r = client_for(user).get(LIST)
    assert r.status_code == 200
    body = r.content.decode()
    assert "The request became Mine." in body
    assert "Someone else" not in body


def test_unread_ones_are_marked_new_and_link_through_open(
    client_for: Any, enterprise_user: Any, notification_for: Any
) -> None:
    unread = notification_for(enterprise_user)
    read = notification_for(enterprise_user, read=True, link="/financing/deals/6/")
    r = client_for(enterprise_user).get(LIST)
    page = r.context["page_obj"]
    assert [n.pk for n in page] == [read.pk, unread.pk]  # newest first
    body = r.content.decode()
    assert body.count(">New</span>") == 1
    assert f'href="{open_url(unread)}"' in body and f'href="{open_url(read)}"' in body
    assert "Mark all as read" in body


def test_the_list_is_in_the_readers_language(
    client_for: Any, enterprise_user: Any, notification_for: Any
) -> None:
    notification_for(enterprise_user)
    r = client_for(enterprise_user).get(LIST, headers={"accept-language": "zh-hans"})
    body = r.content.decode()
    assert "融资需求状态已变更为" in body and "已接受" in body


def test_the_list_is_paginated_by_25(
    client_for: Any, enterprise_user: Any, notification_for: Any
) -> None:
    for _ in range(30):
        notification_for(enterprise_user)
    c = client_for(enterprise_user)
    assert len(c.get(LIST).context["page_obj"].object_list) == 25
    assert len(c.get(LIST + "?page=2").context["page_obj"].object_list) == 5


def test_empty_state(client_for: Any, enterprise_user: Any) -> None:
    body = client_for(enterprise_user).get(LIST).content.decode()
    assert "No notifications yet." in body
    assert "Mark all as read" not in body


def test_opening_marks_read_and_follows_the_link(
    client_for: Any, enterprise_user: Any, notification_for: Any
) -> None:
    n = notification_for(enterprise_user)
    r = client_for(enterprise_user).get(open_url(n))
    assert r.status_code == 302 and r["Location"] == "/financing/deals/5/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "link", ["https://evil.example/phish", "//evil.example/", "/\\evil.example", ""]
)
def test_an_external_link_is_neither_shown_nor_followed(
    client_for: Any, enterprise_user: Any, notification_for: Any, link: str
) -> None:
    n = notification_for(enterprise_user, link=link)
    c = client_for(enterprise_user)
    body = c.get(LIST).content.decode()
    assert "evil.example" not in body
    assert open_url(n) not in body  # shown as plain text
    r = c.get(open_url(n))
    assert r.status_code == 302 and r["Location"] == LIST
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_404_and_stays_unread(
    client_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    theirs = notification_for(other_enterprise_user)
    assert client_for(enterprise_user).get(open_url(theirs)).status_code == 404
    assert (
        client_for(enterprise_user)
        .get(reverse("notifications:open", args=[theirs.pk + 1000]))
        .status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("url", [LIST, "/notifications/1/open/"])
def test_anonymous_is_sent_to_sign_in(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


def test_anonymous_cannot_mark_read(
    client: Any, enterprise_user: Any, notification_for: Any
) -> None:
    n = notification_for(enterprise_user)
    r = client.post(MARK_READ)
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_as_read(
    client_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    mine = [notification_for(enterprise_user) for _ in range(2)]
    theirs = notification_for(other_enterprise_user)
    c = client_for(enterprise_user)
    assert c.get(MARK_READ).status_code == 405  # a change needs a POST
    r = c.post(MARK_READ, follow=True)
    assert r.redirect_chain[-1][0] == LIST
    assert "All notifications are marked as read." in r.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert ">New</span>" not in r.content.decode()
    assert "Mark all as read" not in r.content.decode()  # nothing left to mark


# --------------------------------------------------------------------------- the bell in the top bar


def test_the_top_bar_shows_the_unread_count(
    client_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    for _ in range(3):
        notification_for(enterprise_user)
    notification_for(enterprise_user, read=True)
    notification_for(other_enterprise_user)
    body = client_for(enterprise_user).get(reverse("web:home")).content.decode()
    assert f'href="{LIST}"' in body
    assert "3 unread notifications" in body
    assert 'aria-hidden="true">3</span>' in body


def test_the_top_bar_with_nothing_unread(client_for: Any, enterprise_user: Any) -> None:
    body = client_for(enterprise_user).get(reverse("web:home")).content.decode()
    assert "0 unread notifications" in body
    assert "text-bg-danger" not in body


def test_anonymous_pages_have_no_bell(client: Any) -> None:
    body = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{LIST}"' not in body


def test_the_context_processor_costs_one_query_when_signed_in(
    enterprise_user: Any, notification_for: Any, django_assert_num_queries: Any
) -> None:
    notification_for(enterprise_user)
    notification_for(enterprise_user)
    request = RequestFactory().get("/")
    request.user = enterprise_user
    with django_assert_num_queries(1):
        context = unread_notifications(request)
        count = context["notifications_unread"]
        assert count() == 2
        assert count() == 2  # counted once per request


def test_the_context_processor_costs_nothing_for_anonymous(django_assert_num_queries: Any) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}
