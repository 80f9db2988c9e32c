"""Uploading and deleting: what is stored, where, and every refusal with its field."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from bayfin.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.documents import selectors, services
from bayfin.documents.models import Document
from tests.factories import DealEventFactory

from .conftest import EXE, HTML, PDF, docx_bytes, upload, xlsx_bytes, zip_bytes

pytestmark = pytest.mark.django_db


def test_upload_stores_the_bytes_under_their_sha256_never_under_the_name(
    enterprise: Any, enterprise_user: Any
) -> None:
    content = docx_bytes()
    sha = hashlib.sha256(content).hexdigest()
    doc = services.document_upload(
        actor=enterprise_user,
        file=upload("../../etc/Plan final.docx", content, "application/pdf"),
        kind="business_plan",
        title="  Business plan 2027 ",
    )
    assert doc.sha256 == sha and doc.size == len(content)
    assert doc.storage_name == f"documents/{sha[:2]}/{sha}"
    assert default_storage.open(doc.storage_name).read() == content
    assert not default_storage.exists("documents/Plan final.docx")
    # The type comes from the bytes, not the name or the browser's header.
    assert (
        doc.content_type
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert doc.extension == "docx"
    assert doc.original_name == "Plan final.docx"
    assert doc.title == "Business plan 2027"
    assert doc.enterprise == enterprise and doc.deal is None
    assert (
        doc.uploaded_by == enterprise_user
        and doc.uploaded_by_organisation == enterprise.organisation
    )
    event = AuditEvent.objects.get(action="documents.document_upload")
    assert event.new["sha256"] == sha and event.new["size"] == len(content)
    assert event.new["type"] == doc.content_type
    assert event.organisation_id == enterprise.organisation_id


def test_same_bytes_twice_are_written_once(enterprise_user: Any, monkeypatch: Any) -> None:
    first = services.document_upload(
        actor=enterprise_user,
        file=upload("a.xlsx", xlsx_bytes()),
        kind="statements",
        title="FY2025",
    )
    writes: list[str] = []
    storage_class = type(default_storage._wrapped)
    original_save = storage_class.save

    def counting_save(self: Any, name: str, *args: Any, **kwargs: Any) -> str:
        writes.append(name)
        return original_save(self, name, *args, **kwargs)

    monkeypatch.setattr(storage_class, "save", counting_save)
    second = services.document_upload(
        actor=enterprise_user,
        file=upload("b.xlsx", xlsx_bytes()),
        kind="statements",
        title="FY2025 copy",
    )
    assert second.storage_name == first.storage_name and second.pk != first.pk
    assert writes == []


def test_title_defaults_to_the_file_name(enterprise_user: Any) -> None:
    doc = services.document_upload(
        actor=enterprise_user, file=upload("Patent CN123.pdf", PDF), kind="patent", title=""
    )
    assert doc.title == "Patent CN123"


def test_a_plain_file_object_is_accepted(enterprise_user: Any) -> None:
    handle = io.BytesIO(PDF)
    handle.name = "statement.pdf"
    doc = services.document_upload(
        actor=enterprise_user, file=handle, kind="statements", title="FY"
    )
    assert doc.size == len(PDF)


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("invoice.pdf", EXE, "a Windows program (EXE)"),
        ("statement.pdf", HTML, "an HTML page"),
        ("accounts.xlsx", zip_bytes(), "a ZIP archive"),
    ],
)
def test_disguised_files_are_refused_naming_what_they_are(
    enterprise_user: Any, name: str, content: bytes, found: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            actor=enterprise_user, file=upload(name, content), kind="statements", title="Statement"
        )
    message = str(caught.value.fields["file"][0])
    assert message == f"This file is {found}; upload PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx)."
    assert Document.objects.count() == 0
    assert not default_storage.exists(f"documents/{hashlib.sha256(content).hexdigest()[:2]}")


def test_empty_file_is_refused(enterprise_user: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            actor=enterprise_user, file=upload("x.pdf", b""), kind="other", title="X"
        )
    assert "empty" in str(caught.value.fields["file"][0])


def test_oversize_file_is_refused_while_reading(enterprise_user: Any, settings: Any) -> None:
    settings.BAYFIN_DOCUMENT_MAX_BYTES = 1000
    content = PDF + b"0" * 2000

    class Stream(io.RawIOBase):
        """A stream that does not declare its size and counts what is read from it."""

        name = "big.pdf"
        read_bytes = 0

        def __init__(self) -> None:
            self.data = io.BytesIO(content)

        def read(self, n: int = -1) -> bytes:
            chunk = self.data.read(min(n, 600) if n and n > 0 else 600)
            Stream.read_bytes += len(chunk)
            return chunk

    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(actor=enterprise_user, file=Stream(), kind="other", title="Big")
    assert "larger than 1000" in str(caught.value.fields["file"][0])
    assert Stream.read_bytes < len(content)  # stopped at the limit, never read whole
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            actor=enterprise_user, file=upload("big.pdf", content), kind="other", title="Big"
        )
    assert "larger than" in str(caught.value.fields["file"][0])
    assert Document.objects.count() == 0


def test_every_failing_field_is_named_at_once(enterprise_user: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(actor=enterprise_user, file=None, kind="selfie", title="x" * 201)
    assert set(caught.value.fields) == {"file", "kind", "title"}


def test_institution_and_operator_have_no_data_room(
    institution_user: Any, operator_user: Any
) -> None:
    for user in (institution_user, operator_user):
        with pytest.raises(PermissionDenied):
            services.document_upload(actor=user, file=upload("a.pdf", PDF), kind="other", title="A")


# --------------------------------------------------------------------------- in a deal's context


def test_both_parties_upload_in_a_deal(
    deal: Any, enterprise_user: Any, institution_user: Any
) -> None:
    mine = services.document_upload(
        actor=enterprise_user,
        file=upload("a.pdf", PDF),
        kind="contract",
        title="Signed NDA",
        deal_id=deal.pk,
    )
    theirs = services.document_upload(
        actor=institution_user,
        file=upload("t.docx", docx_bytes()),
        kind="term_sheet",
        title="Draft terms",
        deal_id=deal.pk,
    )
    assert mine.deal == deal and theirs.deal == deal
    assert theirs.enterprise == deal.request.enterprise
    assert theirs.uploaded_by_organisation == institution_user.organisation
    assert set(selectors.document_list_for_deal(enterprise_user, deal)) == {mine, theirs}
    assert set(selectors.document_list_for_deal(institution_user, deal.pk)) == {mine, theirs}


def test_outsiders_cannot_upload_in_a_deal(
    deal: Any,
    other_enterprise_user: Any,
    other_institution_user: Any,
    operator_user: Any,
    observer_user: Any,
) -> None:
    for user in (other_enterprise_user, other_institution_user):
        with pytest.raises(NotFound):
            services.document_upload(
                actor=user, file=upload("a.pdf", PDF), kind="other", title="A", deal_id=deal.pk
            )
    for user in (operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.document_upload(
                actor=user, file=upload("a.pdf", PDF), kind="other", title="A", deal_id=deal.pk
            )
    assert Document.objects.count() == 0


def test_attachable_documents(
    deal: Any,
    enterprise_user: Any,
    institution_user: Any,
    data_room_pdf: Any,
    other_institution_user: Any,
) -> None:
    in_deal = services.document_upload(
        actor=institution_user,
        file=upload("t.pdf", PDF),
        kind="term_sheet",
        title="Terms",
        deal_id=deal.pk,
    )
    assert set(selectors.attachable_documents_for(enterprise_user, deal)) == {
        data_room_pdf,
        in_deal,
    }
    assert list(selectors.attachable_documents_for(institution_user, deal)) == [in_deal]
    assert list(selectors.attachable_documents_for(other_institution_user, deal)) == []


# --------------------------------------------------------------------------- deleting


def test_the_uploader_deletes_softly(data_room_pdf: Any, enterprise_user: Any) -> None:
    services.document_delete(actor=enterprise_user, document_id=data_room_pdf.pk)
    data_room_pdf.refresh_from_db()
    assert data_room_pdf.deleted_at is not None
    assert AuditEvent.objects.filter(
        action="documents.document_delete", subject_id=str(data_room_pdf.pk)
    ).exists()
    assert list(selectors.document_list_own(enterprise_user)) == []
    with pytest.raises(NotFound):
        selectors.document_get_for(enterprise_user, data_room_pdf.pk)
    with pytest.raises(NotFound):
        services.document_delete(actor=enterprise_user, document_id=data_room_pdf.pk)


def test_delete_refusals(
    deal: Any,
    data_room_pdf: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_enterprise_user: Any,
    operator_user: Any,
) -> None:
    with pytest.raises(NotFound):
        services.document_delete(actor=other_enterprise_user, document_id=data_room_pdf.pk)
    with pytest.raises(
        NotFound
    ):  # the institution cannot even see a data-room document without consent
        services.document_delete(actor=institution_user, document_id=data_room_pdf.pk)
    with pytest.raises(PermissionDenied):
        services.document_delete(actor=operator_user, document_id=data_room_pdf.pk)
    terms = services.document_upload(
        actor=institution_user,
        file=upload("t.pdf", PDF),
        kind="term_sheet",
        title="Terms",
        deal_id=deal.pk,
    )
    with pytest.raises(PermissionDenied):  # the enterprise reads it but did not upload it
        services.document_delete(actor=enterprise_user, document_id=terms.pk)
    DealEventFactory(deal=deal, from_stage="due_diligence", to_stage="term_sheet").documents.add(
        data_room_pdf
    )
    with pytest.raises(Conflict) as caught:
        services.document_delete(actor=enterprise_user, document_id=data_room_pdf.pk)
    assert "part of the deal's record" in str(caught.value.message)
    data_room_pdf.refresh_from_db()
    assert data_room_pdf.deleted_at is None
