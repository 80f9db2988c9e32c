"""List pages and API lists cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import (
    CertificationFactory,
    DealFactory,
    EnterpriseFactory,
    FinancingRequestFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str, rows: int | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    if rows is not None:
        api = url.startswith("/api/")
        shown = response.json()["count"] if api else len(response.context["page_obj"].object_list)
        assert shown == rows
    return len(ctx.captured_queries)


def _grow(n: int, make: Any) -> None:
    for _ in range(n):
        make()


def _open_request_elsewhere() -> Any:
    ent = EnterpriseFactory()
    CertificationFactory(enterprise=ent, published=True)
    return FinancingRequestFactory(enterprise=ent, status=RequestStatus.OPEN)


@pytest.mark.parametrize(("who", "url", "make"), [
    ("enterprise_user", reverse("financing:my_requests"), "own_request"),
    ("operator_user", reverse("financing:operator_requests"), "request_elsewhere"),
    ("institution_user", reverse("financing:request_browse"), "request_elsewhere"),
    ("operator_user", reverse("financing:deals"), "deal"),
    ("institution_user", reverse("financing:deals"), "own_deal"),
    ("operator_user", "/api/v1/financing/browse?page_size=50", "request_elsewhere"),
    ("enterprise_user", "/api/v1/financing/requests?page_size=50", "own_request"),
])
def test_list_pages_do_not_grow_with_rows(request: Any, client_for: Any, who: str, url: str, make: str,
                                          enterprise: Any, institution: Any) -> None:
    makers = {
        "own_request": lambda: FinancingRequestFactory(enterprise=enterprise),
        "request_elsewhere": _open_request_elsewhere,
        "deal": lambda: DealFactory(request=_open_request_elsewhere()),
        "own_deal": lambda: DealFactory(request=_open_request_elsewhere(), institution=institution),
    }
    client = client_for(request.getfixturevalue(who))
    _grow(2, makers[make])
    few = _queries(client, url, 2)
    _grow(8, makers[make])
    assert _queries(client, url, 10) == few


def test_request_page_does_not_grow_with_its_deals(client_for: Any, enterprise_user: Any, enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN)
    client = client_for(enterprise_user)
    url = reverse("financing:request_detail", args=[req.pk])
    DealFactory(request=req, stage=DealStage.INTEREST)
    few = _queries(client, url)
    _grow(6, lambda: DealFactory(request=req, stage=DealStage.INTEREST))
    assert _queries(client, url) == few
