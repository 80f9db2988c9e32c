"""The notifications API: one's own list, the unread count, marking read; anonymous gets 401."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bayfin.notifications.models import Notification

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications"


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_list_is_ones_own_newest_first(
    api_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    older = notification_for(enterprise_user, read=True)
    newer = notification_for(enterprise_user, link="https://evil.example/")
    notification_for(other_enterprise_user)
    r = api_for(enterprise_user).get(f"{BASE}/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 2 and body["page"] == 1
    first, second = body["items"]
    assert first["id"] == newer.pk and second["id"] == older.pk
    assert first["text"] == "The request became Accepted."
    assert first["read"] is False and second["read"] is True and second["read_at"]
    assert first["link"] == "" and second["link"] == "/financing/deals/5/"  # never an external URL
    assert first["kind"] == "deal.stage_changed" and first["created_at"]


def test_the_list_follows_accept_language_and_filters_unread(
    api_for: Any, enterprise_user: Any, notification_for: Any
) -> None:
    notification_for(enterprise_user)
    notification_for(enterprise_user, read=True)
    r = api_for(enterprise_user).get(f"{BASE}/?unread=true", headers={"accept-language": "zh-hans"})
    body = r.json()
    assert body["count"] == 1
    assert "融资需求状态已变更为" in body["items"][0]["text"]


def test_the_list_is_paginated(api_for: Any, enterprise_user: Any, notification_for: Any) -> None:
    for _ in range(5):
        notification_for(enterprise_user)
    body = api_for(enterprise_user).get(f"{BASE}/?page=2&page_size=2").json()
    assert body["count"] == 5 and len(body["items"]) == 2


def test_unread_count(
    api_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    notification_for(enterprise_user)
    notification_for(enterprise_user, read=True)
    notification_for(other_enterprise_user)
    r = api_for(enterprise_user).get(f"{BASE}/unread-count")
    assert r.status_code == 200 and r.json() == {"unread": 1}


def test_mark_some_then_all_read(
    api_for: Any, enterprise_user: Any, other_enterprise_user: Any, notification_for: Any
) -> None:
    a, b, c = (notification_for(enterprise_user) for _ in range(3))
    theirs = notification_for(other_enterprise_user)
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/read", {"ids": [a.pk, theirs.pk]})
    assert r.status_code == 200, r.content
    assert r.json() == {"marked": 1, "unread": 2}
    r = post(api, f"{BASE}/read", {})
    assert r.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(user=enterprise_user, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_bodies_are_refused_with_the_field(api_for: Any, enterprise_user: Any) -> None:
    api = api_for(enterprise_user)
    r = post(api, f"{BASE}/read", {"ids": ["x"]})
    assert r.status_code == 422 and "ids.0" in r.json()["fields"]
    r = post(api, f"{BASE}/read", {"all": True})
    assert r.status_code == 422 and "all" in r.json()["fields"]


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/"), ("get", "/unread-count"), ("post", "/read")]
)
def test_anonymous_gets_401(client: Any, method: str, path: str) -> None:
    r = client.get(f"{BASE}{path}") if method == "get" else post(client, f"{BASE}{path}", {})
    assert r.status_code == 401
