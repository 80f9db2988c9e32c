"""The one way a document's bytes leave the platform: an attachment, typed from the sniffed
type, never cached, never rendered by the browser. Used by the download page and the API,
always after ``selectors.document_get_for``."""

from __future__ import annotations

import re
import unicodedata

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from bayfin.common.errors import NotFound

from .models import Document

_UNSAFE = re.compile(r"[^\w\s().,+-]", re.UNICODE)


def download_filename(document: Document) -> str:
    """The title as a file name with the sniffed extension: letters of any script, digits,
    spaces and a little punctuation; no path separators, quotes or control characters."""
    title = unicodedata.normalize("NFC", document.title)
    stem = _UNSAFE.sub("_", title)
    stem = re.sub(r"\s+", " ", stem).strip(" ._")[:120] or "document"
    return f"{stem}.{document.extension}"


def file_response(document: Document) -> FileResponse:
    """The document's bytes as an attachment, typed from its sniffed type, never cached."""
    try:
        handle = default_storage.open(document.storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("The file of this document is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
