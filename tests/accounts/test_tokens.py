"""API tokens: shown once, stored hashed, revocable; another user's token is 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from bayfin.accounts.models import ApiToken
from bayfin.accounts.services import (
    LAST_USED_GRANULARITY,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from bayfin.accounts.tokens import hash_token
from bayfin.common.errors import NotAuthenticated, NotFound
from bayfin.common.models import AuditEvent

pytestmark = pytest.mark.django_db

ROLES = ["enterprise_user", "institution_user", "operator_user", "observer_user"]


@pytest.mark.parametrize("role", ROLES)
def test_token_page_shows_raw_token_once(client_for: Any, request: Any, role: str) -> None:
    c = client_for(request.getfixturevalue(role))
    response = c.post("/accounts/tokens/", {"name": "ERP sync"}, follow=True)
    token = ApiToken.objects.get(name="ERP sync")
    html = response.content.decode()
    raw = html.split('id="new-token" class="form-control font-monospace" readonly value="')[1].split('"')[0]
    assert raw.startswith("bf_") and raw[:10] == token.prefix
    assert token.token_hash == hash_token(raw)
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    assert raw not in c.get("/accounts/tokens/").content.decode()  # shown once
    assert "ERP sync" in c.get("/accounts/tokens/").content.decode()
    assert AuditEvent.objects.filter(action="api_token.created").exists()


def test_token_name_required(client_for: Any, enterprise_user: Any) -> None:
    response = client_for(enterprise_user).post("/accounts/tokens/", {"name": " "})
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_page_anonymous_redirects(client: Any, db: Any) -> None:
    assert client.get("/accounts/tokens/").status_code == 302


def test_revoked_token_is_401(enterprise_user: Any) -> None:
    token, raw = api_token_create(actor=enterprise_user, name="cli")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert c.get("/api/v1/accounts/me").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    api_token_revoke(actor=enterprise_user, token_id=token.pk)
    assert c.get("/api/v1/accounts/me").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_revoke_from_page(client_for: Any, enterprise_user: Any) -> None:
    token, _raw = api_token_create(actor=enterprise_user, name="cli")
    assert client_for(enterprise_user).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_another_users_token_is_404(client_for: Any, api_for: Any, enterprise_user: Any,
                                    other_enterprise_user: Any) -> None:
    theirs, _raw = api_token_create(actor=other_enterprise_user, name="theirs")
    assert client_for(enterprise_user).post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert api_for(enterprise_user).delete(f"/api/v1/accounts/tokens/{theirs.pk}").status_code == 404
    with pytest.raises(NotFound):
        api_token_revoke(actor=enterprise_user, token_id=theirs.pk)
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    listed = api_for(enterprise_user).get("/api/v1/accounts/tokens").json()
    assert "theirs" not in [t["name"] for t in listed["items"]]


def test_api_tokens(api_for: Any, institution_user: Any) -> None:
    c = api_for(institution_user)
    r = c.post("/api/v1/accounts/tokens", json.dumps({"name": "batch"}), content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert body["token"].startswith("bf_") and body["prefix"] == body["token"][:10]
    listed = c.get("/api/v1/accounts/tokens").json()
    assert all("token" not in t for t in listed["items"])
    assert "batch" in [t["name"] for t in listed["items"]]
    r = c.post("/api/v1/accounts/tokens", json.dumps({"name": ""}), content_type="application/json")
    assert r.status_code == 422 and "name" in r.json()["fields"]
    assert c.delete(f"/api/v1/accounts/tokens/{body['id']}").status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Bearer {body['token']}").get("/api/v1/accounts/me").status_code == 401
    assert api_for(None).get("/api/v1/accounts/tokens").status_code == 401


def test_token_services_refuse_anonymous(db: Any) -> None:
    with pytest.raises(NotAuthenticated):
        api_token_create(actor=AnonymousUser(), name="ERP")
    with pytest.raises(NotAuthenticated):
        api_token_revoke(actor=None, token_id=1)


def test_me_by_token_and_by_session(api_for: Any, client_for: Any, enterprise_user: Any) -> None:
    enterprise_user.first_name = "Mei"
    enterprise_user.save()
    org = enterprise_user.organisation
    for client in (api_for(enterprise_user), client_for(enterprise_user)):
        body = client.get("/api/v1/accounts/me").json()
        assert body["email"] == enterprise_user.email and body["name"] == "Mei"
        assert body["role"] == "enterprise" and body["is_org_admin"] is enterprise_user.is_org_admin
        assert body["organisation"]["id"] == org.pk and body["organisation"]["name"] == org.display_name()
    assert api_for(None).get("/api/v1/accounts/me").status_code == 401


def test_token_use_is_recorded_without_a_write_per_call(enterprise_user: Any,
                                                       django_assert_num_queries: Any) -> None:
    token, raw = api_token_create(actor=enterprise_user, name="cli")
    assert api_token_authenticate(raw_token=raw) == enterprise_user
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only: used a moment ago
        assert api_token_authenticate(raw_token=raw) == enterprise_user
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - LAST_USED_GRANULARITY)
    api_token_authenticate(raw_token=raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - LAST_USED_GRANULARITY
