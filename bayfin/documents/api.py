"""The documents API router (mounted at /api/v1/documents/): the data room and a deal's documents.

Uploads are ``multipart/form-data``; every other answer is JSON except ``/{id}/content``,
which answers the bytes with the same checks as the download page.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from bayfin.common.schemas import ErrorOut, Pagination

from . import selectors, services
from .models import Document
from .responses import file_response

router = Router(tags=["documents"])

ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class DocumentOut(Schema):
    id: int
    title: str
    kind: str = Field(
        ..., description="business_plan, statements, patent, contract, term_sheet or other"
    )
    content_type: str = Field(..., description="As sniffed from the content")
    extension: str = Field(
        ..., description="As sniffed from the content: pdf, png, jpg, docx or xlsx"
    )
    size: int = Field(..., description="Bytes")
    sha256: str
    original_name: str
    enterprise_id: int
    deal_id: int | None
    uploaded_by: str | None
    uploaded_by_organisation_id: int | None
    uploaded_at: datetime
    content_url: str = Field(..., description="Where to GET the bytes (same permission checks)")

    @staticmethod
    def resolve_uploaded_by(obj: Document) -> str | None:
        return obj.uploaded_by.email if obj.uploaded_by else None

    @staticmethod
    def resolve_content_url(obj: Document) -> str:
        return f"/api/v1/documents/{obj.pk}/content"


class OwnFilters(Schema):
    kind: str | None = None
    deal: int | None = Field(None, description="Only those uploaded in this deal")


@router.get("/", response={200: list[DocumentOut], **ERRORS}, summary="My enterprise's documents")
@paginate(Pagination)
def list_documents(request: HttpRequest, filters: Query[OwnFilters]) -> Any:
    return selectors.document_list_own(request.user, filters.dict())


@router.post(
    "/",
    response={201: DocumentOut, **ERRORS},
    summary="Upload a document (multipart: file, kind, title, optional deal_id)",
)
def upload_document(
    request: HttpRequest,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    kind: Form[str] = "",
    title: Form[str] = "",
    deal_id: Form[int | None] = None,
) -> Any:
    document = services.document_upload(
        actor=request.user, file=file, kind=kind, title=title, deal_id=deal_id
    )
    return Status(201, document)


@router.get(
    "/deal/{deal_id}",
    response={200: list[DocumentOut], **ERRORS},
    summary="A deal's documents (its parties)",
)
@paginate(Pagination)
def deal_documents(request: HttpRequest, deal_id: int) -> Any:
    return selectors.document_list_for_deal(request.user, deal_id)


@router.get("/{document_id}", response={200: DocumentOut, **ERRORS}, summary="A document's details")
def get_document(request: HttpRequest, document_id: int) -> Any:
    return selectors.document_get_for(request.user, document_id, via="api")


@router.get("/{document_id}/content", response={200: None, **ERRORS}, summary="A document's bytes")
def get_content(request: HttpRequest, document_id: int) -> Any:
    return file_response(selectors.document_get_for(request.user, document_id, via="api"))


@router.delete(
    "/{document_id}", response={204: None, **ERRORS}, summary="Delete a document (its uploader)"
)
def delete_document(request: HttpRequest, document_id: int) -> Any:
    services.document_delete(actor=request.user, document_id=document_id)
    return Status(204, None)
