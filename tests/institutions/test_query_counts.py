"""List pages and list endpoints cost the same number of queries for few rows or many."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bayfin.institutions.models import Association

from ..factories import InstitutionFactory, ProductFactory, UserFactory


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def _add_rows(institution: Any, n: int) -> None:
    for i in range(n):
        peer = InstitutionFactory()
        peer.associations.add(Association.objects.create(name=f"Association {Association.objects.count()}-{i}"))
        ProductFactory(institution=peer)
        ProductFactory(institution=institution)


@pytest.mark.parametrize("who, url", [
    ("enterprise_user", "/api/v1/institutions/products?page_size=100"),
    ("institution_user", "/api/v1/institutions/me/products?page_size=100"),
    ("operator_user", "/api/v1/institutions/associations?page_size=100"),
])
def test_api_lists_do_not_grow_with_rows(request, api_for, institution, who, url):
    client = api_for(request.getfixturevalue(who))
    _add_rows(institution, 3)
    few = _queries(client, url)
    _add_rows(institution, 27)
    assert _queries(client, url) <= few


@pytest.mark.parametrize("who, url", [
    ("enterprise_user", "/institution/products/browse/"),
    ("institution_user", "/institution/products/"),
    ("operator_user", "/institution/operator/associations/"),
    ("enterprise_user", "public_profile"),
])
def test_list_pages_do_not_grow_with_rows(request, client_for, institution, who, url):
    client = client_for(request.getfixturevalue(who))
    if url == "public_profile":
        url = f"/institution/{institution.pk}/"
    _add_rows(institution, 3)
    few = _queries(client, url)
    _add_rows(institution, 17)
    assert _queries(client, url) <= few


@pytest.mark.parametrize("model", ["institution", "product"])
def test_admin_changelists_do_not_grow_with_rows(client, institution, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:institutions_{model}_changelist")
    _add_rows(institution, 3)
    few = _queries(client, url)
    _add_rows(institution, 27)
    assert _queries(client, url) <= few
