"""List pages and list endpoints cost the same number of queries for few rows or many."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
    UserFactory,
)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def _add_rows(enterprise: Any, start: int, n: int) -> None:
    for i in range(start, start + n):
        CertificationFactory(enterprise=EnterpriseFactory(), issued_on=dt.date(2020, 1, 1))
        BeneficialOwnerFactory(enterprise=enterprise, share_percent="1.00")
        CertificationFactory(enterprise=enterprise, issued_on=dt.date(2000, 1, 1) + dt.timedelta(days=i))
        FinancialStatementFactory(enterprise=enterprise, year=1900 + i)


@pytest.mark.parametrize("url", [
    "/api/v1/enterprises/public?page_size=100",
    "/api/v1/enterprises/me/owners?page_size=100",
    "/api/v1/enterprises/me/certifications?page_size=100",
    "/api/v1/enterprises/me/statements?page_size=100",
    "/enterprise/profile/",
    "/enterprise/statements/",
])
def test_lists_do_not_grow_with_rows(api_for, client_for, enterprise, enterprise_user, url):
    client = api_for(enterprise_user) if url.startswith("/api/") else client_for(enterprise_user)
    _add_rows(enterprise, 0, 3)
    few = _queries(client, url)
    _add_rows(enterprise, 3, 27)
    assert _queries(client, url) <= few


@pytest.mark.parametrize("model", ["enterprise", "beneficialowner", "certification", "financialstatement"])
def test_admin_changelists_do_not_grow_with_rows(client, enterprise, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:enterprises_{model}_changelist")
    _add_rows(enterprise, 0, 3)
    few = _queries(client, url)
    _add_rows(enterprise, 3, 27)
    assert _queries(client, url) <= few
