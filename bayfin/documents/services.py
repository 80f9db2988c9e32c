"""Every write about documents: upload (content-sniffed, stored under its SHA-256) and delete.

Storage is content-addressed: the bytes live at ``documents/<sha[:2]>/<sha>`` in Django's
default storage (local disk by default, any backend in production), written once however
many documents share them, never under the uploader's file name and never at a public URL
(``config/urls.py`` serves no media): they are read only through ``selectors.document_get_for``.
A soft-deleted document keeps its bytes (another document may share them, and a deal's
record may need them); it is simply no longer readable.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member
from bayfin.common.audit import audit_record
from bayfin.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.validation import FieldErrors
from bayfin.financing.models import Deal
from bayfin.financing.selectors import deal_get_for

from .models import Document, DocumentKind
from .selectors import document_readable
from .sniffing import HEAD_BYTES, Sniffed, sniff

CHUNK_BYTES = 64 * 1024
# Uploads up to this size are spooled in memory while hashing; larger ones go to a temporary file.
SPOOL_BYTES = 1024 * 1024
TITLE_MAX = 200


def storage_name_for(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256}"


def _chunks(file: Any) -> Any:
    """The file's bytes in chunks, from the start (Django's UploadedFile or any binary file object)."""
    if hasattr(file, "chunks"):  # Django's File: chunks() starts from the beginning itself
        yield from file.chunks(CHUNK_BYTES)
        return
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    while True:
        chunk = file.read(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def size_limit_text(limit: int | None = None) -> str:
    """The upload limit for people ("20.0 MB"), in the active language."""
    return str(filesizeformat(settings.BAYFIN_DOCUMENT_MAX_BYTES if limit is None else limit))


def _too_large(limit: int) -> ValidationFailed:
    message = _("The file is larger than %(limit)s; upload a smaller file.") % {
        "limit": size_limit_text(limit)
    }
    return ValidationFailed(message, fields={"file": [message]})


class _Received:
    """An upload read once, in chunks: its hash, size, first bytes and a spooled copy."""

    def __init__(self, file: Any, limit: int) -> None:
        declared = getattr(file, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise _too_large(limit)  # cheap early refusal; the count below is what decides
        self.copy: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        digest = hashlib.sha256()
        head = bytearray()
        size = 0
        try:
            for chunk in _chunks(file):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                self.copy.write(chunk)
        except BaseException:
            self.copy.close()
            raise
        self.sha256 = digest.hexdigest()
        self.size = size
        self.head = bytes(head)

    def close(self) -> None:
        self.copy.close()


def _store(received: _Received) -> str:
    """Write the bytes at their content address unless they are there already."""
    name = storage_name_for(received.sha256)
    if default_storage.exists(name):
        return name
    received.copy.seek(0)
    saved = default_storage.save(name, File(received.copy, name=received.sha256))
    if saved != name:
        # Another upload of the same bytes won the race: same content, keep one copy.
        default_storage.delete(saved)
    return name


def _original_name(file: Any) -> str:
    name = os.path.basename(str(getattr(file, "name", "") or "").replace("\\", "/"))
    return "".join(ch for ch in name if ch.isprintable())[:255]


def _default_title(original: str) -> str:
    stem = os.path.splitext(original)[0].strip()
    return stem[:TITLE_MAX]


def _uploader_context(actor: Any, deal_id: int | None) -> tuple[Any, Deal | None]:
    """(the enterprise whose data room receives the document, the deal or None), or a refusal."""
    if deal_id is None:
        org = require_member(actor, OrganisationKind.ENTERPRISE)
        return org.enterprise, None
    org = require_member(actor, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    deal = deal_get_for(actor, deal_id)
    enterprise = deal.request.enterprise
    if org.kind == OrganisationKind.ENTERPRISE:
        if enterprise.organisation_id != org.pk:
            raise NotFound(_("Not found."))
    else:
        party_orgs = {deal.institution.organisation_id}
        if deal.guarantor is not None:
            party_orgs.add(deal.guarantor.organisation_id)
        if org.pk not in party_orgs:
            raise NotFound(_("Not found."))
    return enterprise, deal


@transaction.atomic
def document_upload(
    *, actor: Any, file: Any, kind: Any, title: Any, deal_id: int | None = None
) -> Document:
    """Upload a document to the actor's own data room (enterprise members), or, with
    ``deal_id``, in a deal's context (any party of the deal: the document joins the deal's
    enterprise's records and the deal's parties may read it).

    The type and extension come from the bytes (``sniffing.sniff``), never from the name or
    the browser's header; the size limit is ``settings.BAYFIN_DOCUMENT_MAX_BYTES``, counted
    while reading so an oversize file is never read whole.
    """
    enterprise, deal = _uploader_context(actor, deal_id)
    org = actor.organisation
    errors = FieldErrors()
    kind_value = errors.choice("kind", kind, DocumentKind)
    original = _original_name(file) if file is not None else ""
    title_text = str(title or "").strip() or _default_title(original)
    if len(title_text) > TITLE_MAX:
        errors.add("title", _("Use at most %(n)d characters.") % {"n": TITLE_MAX})
    received: _Received | None = None
    sniffed: Sniffed | None = None
    if file is None or isinstance(file, (str, bytes)):
        errors.add("file", _("Choose a file to upload."))
    else:
        try:
            received = _Received(file, settings.BAYFIN_DOCUMENT_MAX_BYTES)
            sniffed = sniff(received.head, received.copy)
        except ValidationFailed as exc:
            for message in exc.fields.get("file", [exc.message]):
                errors.add("file", message)
    if not title_text and "file" not in errors:
        errors.add("title", _("This field is required."))
    try:
        errors.raise_if_any()
        assert received is not None and sniffed is not None  # narrowing for mypy
        storage_name = _store(received)
    finally:
        if received is not None:
            received.close()
    document = Document.objects.create(
        enterprise=enterprise,
        deal=deal,
        kind=kind_value or "",
        title=title_text,
        original_name=original,
        sha256=received.sha256,
        size=received.size,
        content_type=sniffed.content_type,
        extension=sniffed.extension,
        storage_name=storage_name,
        uploaded_by=actor,
        uploaded_by_organisation=org,
    )
    audit_record(
        actor=actor,
        action="documents.document_upload",
        subject=document,
        new={
            "sha256": document.sha256,
            "size": document.size,
            "type": document.content_type,
            "kind": document.kind,
            "title": document.title,
            "enterprise": enterprise.pk,
            "deal": deal.pk if deal else None,
        },
        organisation_id=org.pk,
    )
    return document


@transaction.atomic
def document_delete(*, actor: Any, document_id: int) -> Document:
    """Soft-delete a document: only a member of the organisation that uploaded it, and only
    while no deal step refers to it (then it is part of the deal's record and stays)."""
    org = require_member(actor, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    # The reading rule first, so another organisation's document is a 404 and never confirmed.
    document_readable(actor, document_id)
    document = (
        Document.objects.select_for_update().filter(pk=document_id, deleted_at__isnull=True).first()
    )
    if document is None:
        raise NotFound(_("Not found."))
    if document.uploaded_by_organisation_id != org.pk:
        raise PermissionDenied(_("Only the organisation that uploaded a document can delete it."))
    if document.deal_events.exists():
        raise Conflict(
            _(
                "This document is attached to a step of a deal: it is part of the deal's record "
                "and cannot be deleted."
            ),
            code="document_in_deal_record",
        )
    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    audit_record(
        actor=actor,
        action="documents.document_delete",
        subject=document,
        old={"deleted_at": None},
        new={"deleted_at": document.deleted_at, "sha256": document.sha256},
        organisation_id=org.pk,
    )
    return document
