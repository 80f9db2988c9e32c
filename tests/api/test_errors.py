"""One error format for the whole API: {"code", "message", "fields"}."""

import pytest


@pytest.mark.django_db
def test_anonymous_gets_401_in_the_error_format(client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_revoked_or_unknown_token_is_refused(client):
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Bearer bf_not-a-real-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_malformed_json_is_refused_with_400(api_for, enterprise_user):
    api = api_for(enterprise_user)
    response = api.post("/api/v1/financing/requests", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


@pytest.mark.django_db
def test_oversized_body_is_refused_with_413(api_for, enterprise_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = api_for(enterprise_user)
    body = '{"title": "' + "x" * 5000 + '"}'
    response = api.post("/api/v1/financing/requests", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


@pytest.mark.django_db
def test_errors_come_in_the_users_language(api_for, enterprise_user):
    api = api_for(enterprise_user)
    response = api.post("/api/v1/financing/requests", data="{not json", content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["message"] != "The request body is not valid JSON."


@pytest.mark.django_db
def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


@pytest.mark.parametrize(("handler", "exc", "status", "code"), [
    ("_unauthenticated", "AuthenticationError", 401, "not_authenticated"),
    ("_forbidden", "AuthorizationError", 403, "permission_denied"),
    ("_not_found", "Http404", 404, "not_found"),
])
def test_framework_refusals_use_the_domain_codes(rf, handler, exc, status, code):
    import json

    from django.http import Http404
    from ninja.errors import AuthenticationError, AuthorizationError

    from bayfin.api import api as api_module

    error = {"AuthenticationError": AuthenticationError, "AuthorizationError": AuthorizationError,
             "Http404": Http404}[exc]()
    response = getattr(api_module, handler)(rf.get("/api/v1/x"), error)
    body = json.loads(response.content)
    assert response.status_code == status and body["code"] == code and body["fields"] == {}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/fx/rates", "/api/v1/fx/channels", "/api/v1/financing/deals"])
def test_an_absurd_page_number_is_a_422_naming_the_field_not_a_500(api_for, operator_user, path):
    """Found by schemathesis: page=10^19 overflowed the database's OFFSET."""
    response = api_for(operator_user).get(path, {"page": "7564942373292816384"})
    assert response.status_code == 422
    assert "page" in str(response.json()["fields"])
    assert api_for(operator_user).get(path, {"page": "1000000"}).status_code == 200
