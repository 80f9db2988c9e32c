"""Real minimal files of each kind (built here, byte by byte), and deal and consent fixtures."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bayfin.consent.models import ConsentGrant, GrantStatus, Scope
from bayfin.financing.transitions import DealStage
from tests.factories import DealFactory, FinancingRequestFactory

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes() -> bytes:
    """A 1x1 grey PNG."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _png_chunk(b"IEND", b"")
    )


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + b"\xff\xd9"
)


def _zip(entries: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"/>'
)


def docx_bytes() -> bytes:
    """The entries a Word file starts with: [Content_Types].xml, _rels/.rels, word/document.xml."""
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/document.xml", "<w:document xmlns:w='urn:w'><w:body/></w:document>"),
        ]
    )


def xlsx_bytes() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", "<workbook xmlns='urn:x'><sheets/></workbook>"),
        ]
    )


def pptx_bytes() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("ppt/presentation.xml", "<p:presentation xmlns:p='urn:p'/>"),
        ]
    )


def zip_bytes() -> bytes:
    return _zip([("readme.txt", "hello"), ("data/figures.csv", "a,b\n1,2\n")])


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html>\n<html><head><script>alert(1)</script></head><body>Hi</body></html>\n"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """As a browser sends it: the name and header claim whatever the sender likes."""
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def deal(enterprise: Any, institution: Any) -> Any:
    request = FinancingRequestFactory(enterprise=enterprise)
    return DealFactory(request=request, institution=institution, stage=DealStage.DUE_DILIGENCE)


@pytest.fixture
def grant_documents(enterprise: Any, other_institution: Any, enterprise_user: Any) -> Any:
    """A live consent from the enterprise to other_institution (no deal) covering documents."""
    return ConsentGrant.objects.create(
        enterprise=enterprise,
        institution=other_institution,
        scopes=[Scope.DOCUMENTS.value, Scope.PROFILE.value],
        purpose="Due diligence for a credit line",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        status=GrantStatus.ACTIVE,
        granted_by=enterprise_user,
        granted_at=timezone.now(),
    )


@pytest.fixture
def data_room_pdf(enterprise_user: Any) -> Any:
    from bayfin.documents.services import document_upload

    return document_upload(
        actor=enterprise_user,
        file=upload("plan.pdf", PDF),
        kind="business_plan",
        title="Business plan 2027",
    )
