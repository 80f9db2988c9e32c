"""The data room, downloads, uploads in a deal and shared data rooms, in the browser."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.urls import reverse

from bayfin.consent import services as consent_services
from bayfin.consent.models import DataAccess
from bayfin.documents import services
from bayfin.documents.models import Document

from .conftest import EXE, JPEG, PDF, png_bytes, upload

pytestmark = pytest.mark.django_db

DATA_ROOM = reverse("documents:data_room")


def _download(client: Any, doc: Document) -> Any:
    return client.get(reverse("documents:download", args=[doc.pk]))


def test_empty_data_room_says_what_to_do(client_for: Any, enterprise_user: Any) -> None:
    page = client_for(enterprise_user).get(DATA_ROOM)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your data room is empty" in html
    assert 'accept=".pdf,.png,.jpg,.docx,.xlsx' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<label class="form-label" for="id_file">' in html


def test_upload_from_the_page_and_see_it_listed(client_for: Any, enterprise_user: Any) -> None:
    client = client_for(enterprise_user)
    answer = client.post(
        DATA_ROOM,
        {
            "file": upload("scan.png", png_bytes(), "image/jpeg"),
            "kind": "patent",
            "title": "Patent certificate",
        },
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == DATA_ROOM
    html = answer.content.decode()
    assert "was uploaded to your data room" in html
    doc = Document.objects.get()
    assert doc.content_type == "image/png"
    assert "Patent certificate" in html and "PNG image" in html
    assert f'title="{doc.sha256}"' in html and doc.sha256[:12] in html
    assert reverse("documents:download", args=[doc.pk]) in html
    assert reverse("documents:delete", args=[doc.pk]) in html


def test_a_refused_upload_keeps_the_fields_and_names_the_file(
    client_for: Any, enterprise_user: Any
) -> None:
    answer = client_for(enterprise_user).post(
        DATA_ROOM,
        {"file": upload("report.pdf", EXE), "kind": "statements", "title": "Annual report"},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'id="id_file_error"' in html and "This file is a Windows program (EXE)" in html
    assert 'value="Annual report"' in html
    assert '<option value="statements" selected>' in html
    assert Document.objects.count() == 0


def test_other_roles_have_no_data_room_page(
    client_for: Any, institution_user: Any, operator_user: Any, observer_user: Any
) -> None:
    for user in (institution_user, operator_user, observer_user):
        assert client_for(user).get(DATA_ROOM).status_code == 403
    anonymous = client_for(None).get(DATA_ROOM)
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]


def test_download_headers(client_for: Any, enterprise_user: Any) -> None:
    doc = services.document_upload(
        actor=enterprise_user,
        file=upload("x.pdf", JPEG),
        kind="other",
        title='Photo "../site/of" 厂房',
    )
    answer = _download(client_for(enterprise_user), doc)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == JPEG
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Cache-Control"] == "private, no-store"
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert ".jpg" in disposition and "/" not in disposition.replace("filename*=utf-8''", "")
    assert '"../' not in disposition


def test_download_permissions_for_every_role(
    client_for: Any,
    enterprise_user: Any,
    data_room_pdf: Any,
    other_enterprise_user: Any,
    institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    assert _download(client_for(enterprise_user), data_room_pdf).status_code == 200
    assert _download(client_for(other_enterprise_user), data_room_pdf).status_code == 404
    assert (
        _download(client_for(institution_user), data_room_pdf).status_code == 404
    )  # no deal, no consent
    assert _download(client_for(operator_user), data_room_pdf).status_code == 403
    assert _download(client_for(observer_user), data_room_pdf).status_code == 403
    anonymous = _download(client_for(None), data_room_pdf)
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]
    assert DataAccess.objects.count() == 0


def test_a_party_to_the_deal_reads_the_deal_documents(
    client_for: Any,
    deal: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_institution_user: Any,
    data_room_pdf: Any,
) -> None:
    in_deal = services.document_upload(
        actor=enterprise_user,
        file=upload("nda.pdf", PDF),
        kind="contract",
        title="NDA",
        deal_id=deal.pk,
    )
    assert _download(client_for(institution_user), in_deal).status_code == 200
    assert _download(client_for(other_institution_user), in_deal).status_code == 404
    # A data-room document becomes readable to the deal's institution once attached to one of its steps.
    assert _download(client_for(institution_user), data_room_pdf).status_code == 404
    from tests.factories import DealEventFactory

    DealEventFactory(deal=deal, from_stage="due_diligence", to_stage="term_sheet").documents.add(
        data_room_pdf
    )
    assert _download(client_for(institution_user), data_room_pdf).status_code == 200
    assert DataAccess.objects.count() == 0  # read as a party, not under a consent


def test_the_guarantor_reads_the_deal_documents(
    client_for: Any,
    deal: Any,
    enterprise_user: Any,
    other_institution: Any,
    other_institution_user: Any,
) -> None:
    deal.guarantor = other_institution
    deal.save()
    in_deal = services.document_upload(
        actor=enterprise_user,
        file=upload("nda.pdf", PDF),
        kind="contract",
        title="NDA",
        deal_id=deal.pk,
    )
    assert _download(client_for(other_institution_user), in_deal).status_code == 200


def test_a_live_documents_consent_opens_the_data_room_and_logs_each_read(
    client_for: Any,
    enterprise_user: Any,
    other_institution_user: Any,
    data_room_pdf: Any,
    grant_documents: Any,
) -> None:
    client = client_for(other_institution_user)
    assert _download(client, data_room_pdf).status_code == 200
    access = DataAccess.objects.get()
    assert access.grant == grant_documents and access.scope == "documents"
    assert access.reference == f"documents.document:{data_room_pdf.pk}" and access.via == "page"
    assert access.user == other_institution_user

    listing = client.get(reverse("documents:shared_for", args=[grant_documents.enterprise_id]))
    assert listing.status_code == 200
    assert "Business plan 2027" in listing.content.decode()
    assert DataAccess.objects.filter(reference="").count() == 1

    consent_services.consent_revoke(
        actor=enterprise_user, grant_id=grant_documents.pk, reason="Done"
    )
    assert _download(client, data_room_pdf).status_code == 404
    assert (
        client.get(
            reverse("documents:shared_for", args=[grant_documents.enterprise_id])
        ).status_code
        == 404
    )
    assert DataAccess.objects.count() == 2


def test_a_consent_without_documents_scope_or_for_another_institution_opens_nothing(
    client_for: Any,
    institution_user: Any,
    other_institution_user: Any,
    data_room_pdf: Any,
    grant_documents: Any,
) -> None:
    assert _download(client_for(institution_user), data_room_pdf).status_code == 404
    grant_documents.scopes = ["profile"]
    grant_documents.save()
    assert _download(client_for(other_institution_user), data_room_pdf).status_code == 404
    shared = reverse("documents:shared_for", args=[grant_documents.enterprise_id])
    assert client_for(other_institution_user).get(shared).status_code == 404
    assert DataAccess.objects.count() == 0


def test_a_consent_does_not_open_another_institutions_deal_documents(
    client_for: Any,
    deal: Any,
    institution_user: Any,
    other_institution_user: Any,
    grant_documents: Any,
) -> None:
    terms = services.document_upload(
        actor=institution_user,
        file=upload("t.pdf", PDF),
        kind="term_sheet",
        title="Our terms",
        deal_id=deal.pk,
    )
    assert _download(client_for(other_institution_user), terms).status_code == 404


def test_deleted_documents_are_gone(
    client_for: Any, enterprise_user: Any, data_room_pdf: Any
) -> None:
    client = client_for(enterprise_user)
    answer = client.post(reverse("documents:delete", args=[data_room_pdf.pk]), follow=True)
    assert "was deleted" in answer.content.decode()
    assert _download(client, data_room_pdf).status_code == 404


def test_delete_from_the_page_refused_for_a_deals_record(
    client_for: Any, deal: Any, enterprise_user: Any, data_room_pdf: Any
) -> None:
    from tests.factories import DealEventFactory

    DealEventFactory(deal=deal, from_stage="due_diligence", to_stage="term_sheet").documents.add(
        data_room_pdf
    )
    client = client_for(enterprise_user)
    page = client.get(DATA_ROOM).content.decode()
    assert "In a deal&#x27;s record" in page or "In a deal's record" in page
    answer = client.post(reverse("documents:delete", args=[data_room_pdf.pk]), follow=True)
    assert "part of the deal&#x27;s record" in answer.content.decode()
    data_room_pdf.refresh_from_db()
    assert data_room_pdf.deleted_at is None


def test_upload_in_a_deal_goes_back_to_the_deal_page(
    client_for: Any,
    deal: Any,
    institution_user: Any,
    other_institution_user: Any,
    operator_user: Any,
) -> None:
    url = reverse("documents:deal_upload", args=[deal.pk])
    deal_page = reverse("financing:deal_detail", args=[deal.pk])
    answer = client_for(institution_user).post(
        url, {"file": upload("t.pdf", PDF), "kind": "term_sheet", "title": "Draft terms"}
    )
    assert answer.status_code == 302 and answer["Location"] == deal_page
    doc = Document.objects.get()
    assert doc.deal == deal and doc.sha256 == hashlib.sha256(PDF).hexdigest()
    refused = client_for(institution_user).post(
        url, {"file": upload("t.pdf", EXE), "kind": "term_sheet"}, follow=True
    )
    assert "This file is a Windows program (EXE)" in refused.content.decode()
    assert (
        client_for(other_institution_user)
        .post(url, {"file": upload("t.pdf", PDF), "kind": "other"})
        .status_code
        == 404
    )
    assert (
        client_for(operator_user)
        .post(url, {"file": upload("t.pdf", PDF), "kind": "other"})
        .status_code
        == 403
    )
    assert client_for(institution_user).get(url).status_code == 405
    assert Document.objects.count() == 1


def test_shared_page_is_for_institutions_only(
    client_for: Any, enterprise: Any, enterprise_user: Any, operator_user: Any
) -> None:
    url = reverse("documents:shared_for", args=[enterprise.pk])
    assert client_for(enterprise_user).get(url).status_code == 403
    assert client_for(operator_user).get(url).status_code == 403


def test_deal_panel_tag_shows_the_deals_documents_to_its_parties_only(
    rf: Any, deal: Any, enterprise_user: Any, operator_user: Any
) -> None:
    from django.template import Context, Template

    services.document_upload(
        actor=enterprise_user,
        file=upload("nda.pdf", PDF),
        kind="contract",
        title="NDA",
        deal_id=deal.pk,
    )
    template = Template("{% load documents %}{% deal_documents deal %}")
    request = rf.get("/")
    request.user = enterprise_user
    html = template.render(Context({"request": request, "deal": deal}))
    assert "NDA" in html and reverse("documents:deal_upload", args=[deal.pk]) in html
    assert 'id="id_deal_document_file"' in html
    request.user = operator_user
    html = template.render(Context({"request": request, "deal": deal}))
    assert "NDA" not in html and "private to the deal" in html
