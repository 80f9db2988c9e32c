"""The documents API: the same rules as the pages, with the error format of every endpoint."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from bayfin.consent import services as consent_services
from bayfin.consent.models import DataAccess
from bayfin.documents import services
from bayfin.documents.models import Document
from tests.factories import DealEventFactory

from .conftest import HTML, PDF, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

BASE = "/api/v1/documents/"


def test_upload_list_read_and_download(api_for: Any, enterprise_user: Any) -> None:
    api = api_for(enterprise_user)
    content = xlsx_bytes()
    created = api.post(
        BASE, {"file": upload("fy2025.pdf", content), "kind": "statements", "title": "FY2025"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["size"] == len(content)
    assert body["extension"] == "xlsx" and body["content_type"].endswith("spreadsheetml.sheet")
    assert body["deal_id"] is None and body["uploaded_by"] == enterprise_user.email
    listing = api.get(BASE).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    assert api.get(f"{BASE}{body['id']}").json()["title"] == "FY2025"
    content_answer = api.get(body["content_url"])
    assert (
        content_answer.status_code == 200 and b"".join(content_answer.streaming_content) == content
    )
    assert content_answer["Cache-Control"] == "private, no-store"
    assert content_answer["X-Content-Type-Options"] == "nosniff"


def test_refusals_name_the_field(api_for: Any, enterprise_user: Any) -> None:
    api = api_for(enterprise_user)
    answer = api.post(BASE, {"file": upload("page.pdf", HTML), "kind": "statements", "title": "X"})
    assert answer.status_code == 422
    assert answer.json()["fields"]["file"] == [
        "This file is an HTML page; upload PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx)."
    ]
    missing = api.post(BASE, {"kind": "nonsense"})
    assert missing.status_code == 422 and set(missing.json()["fields"]) >= {"file", "kind"}
    assert Document.objects.count() == 0


def test_too_large_is_refused(api_for: Any, enterprise_user: Any, settings: Any) -> None:
    settings.BAYFIN_DOCUMENT_MAX_BYTES = 50
    answer = api_for(enterprise_user).post(
        BASE, {"file": upload("a.pdf", PDF), "kind": "other", "title": "A"}
    )
    assert answer.status_code == 422 and "larger than" in answer.json()["fields"]["file"][0]


def test_read_permissions_for_every_role(
    api_for: Any,
    data_room_pdf: Any,
    other_enterprise_user: Any,
    institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    for path in (f"{BASE}{data_room_pdf.pk}", f"{BASE}{data_room_pdf.pk}/content"):
        assert api_for(other_enterprise_user).get(path).status_code == 404
        assert api_for(institution_user).get(path).status_code == 404
        assert api_for(operator_user).get(path).status_code == 403
        assert api_for(observer_user).get(path).status_code == 403
        assert api_for(None).get(path).status_code == 401
    assert api_for(institution_user).get(BASE).status_code == 403
    assert api_for(None).get(BASE).status_code == 401
    assert (
        api_for(None).post(BASE, {"file": upload("a.pdf", PDF), "kind": "other"}).status_code == 401
    )


def test_consent_reads_are_logged_via_the_api_and_end_with_the_consent(
    api_for: Any,
    enterprise_user: Any,
    other_institution_user: Any,
    data_room_pdf: Any,
    grant_documents: Any,
) -> None:
    api = api_for(other_institution_user)
    assert api.get(f"{BASE}{data_room_pdf.pk}/content").status_code == 200
    assert api.get(f"{BASE}{data_room_pdf.pk}").status_code == 200
    assert list(DataAccess.objects.order_by().values_list("via", "reference").distinct()) == [
        ("api", f"documents.document:{data_room_pdf.pk}")
    ]
    assert DataAccess.objects.count() == 2
    consent_services.consent_revoke(actor=enterprise_user, grant_id=grant_documents.pk, reason="")
    assert api.get(f"{BASE}{data_room_pdf.pk}/content").status_code == 404
    assert DataAccess.objects.count() == 2


def test_deal_documents_and_upload_in_a_deal(
    api_for: Any,
    deal: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_institution_user: Any,
    operator_user: Any,
) -> None:
    created = api_for(institution_user).post(
        BASE,
        {
            "file": upload("t.pdf", PDF),
            "kind": "term_sheet",
            "title": "Terms",
            "deal_id": str(deal.pk),
        },
    )
    assert created.status_code == 201 and created.json()["deal_id"] == deal.pk
    for user in (enterprise_user, institution_user):
        listing = api_for(user).get(f"{BASE}deal/{deal.pk}").json()
        assert [d["title"] for d in listing["items"]] == ["Terms"]
        assert api_for(user).get(f"{BASE}{created.json()['id']}/content").status_code == 200
    assert api_for(other_institution_user).get(f"{BASE}deal/{deal.pk}").status_code == 404
    assert api_for(operator_user).get(f"{BASE}deal/{deal.pk}").status_code == 403
    assert (
        api_for(other_institution_user)
        .post(BASE, {"file": upload("t.pdf", PDF), "kind": "other", "deal_id": str(deal.pk)})
        .status_code
        == 404
    )


def test_delete(
    api_for: Any,
    deal: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_enterprise_user: Any,
    data_room_pdf: Any,
) -> None:
    path = f"{BASE}{data_room_pdf.pk}"
    assert api_for(other_enterprise_user).delete(path).status_code == 404
    assert api_for(institution_user).delete(path).status_code == 404
    terms = services.document_upload(
        actor=institution_user,
        file=upload("t.pdf", PDF),
        kind="term_sheet",
        title="Terms",
        deal_id=deal.pk,
    )
    assert api_for(enterprise_user).delete(f"{BASE}{terms.pk}").status_code == 403
    DealEventFactory(deal=deal, from_stage="due_diligence", to_stage="term_sheet").documents.add(
        terms
    )
    conflict = api_for(institution_user).delete(f"{BASE}{terms.pk}")
    assert conflict.status_code == 409 and conflict.json()["code"] == "document_in_deal_record"
    assert api_for(enterprise_user).delete(path).status_code == 204
    assert api_for(enterprise_user).get(path).status_code == 404
    assert api_for(enterprise_user).delete(path).status_code == 404
