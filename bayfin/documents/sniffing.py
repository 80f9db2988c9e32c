"""What a file is, judged from its bytes (never from its name or the browser's claim).

``filetype`` (pure Python) reads the first bytes: magic numbers for PDF, PNG and JPEG,
and for Word and Excel it looks inside the ZIP container at the first entries' names
(``word/...``, ``xl/...``), so a plain ZIP, a PowerPoint file or an executable renamed
``.pdf`` is told apart from what we accept.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.utils.translation import gettext_lazy as _

from bayfin.common.errors import ValidationFailed

# How many leading bytes the sniffer needs (filetype reads at most 8192).
HEAD_BYTES = 8192


@dataclass(frozen=True)
class AllowedType:
    content_type: str
    extension: str
    label: Any


# What the data room accepts: (content type, stored extension, label). One place.
ALLOWED_TYPES: tuple[AllowedType, ...] = (
    AllowedType("application/pdf", "pdf", _("PDF")),
    AllowedType("image/png", "png", _("PNG image")),
    AllowedType("image/jpeg", "jpg", _("JPEG image")),
    AllowedType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        _("Word document"),
    ),
    AllowedType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        _("Excel workbook"),
    ),
)
_BY_TYPE = {t.content_type: t for t in ALLOWED_TYPES}
# An animated PNG is a PNG (filetype names it apart).
_ALIASES = {"image/apng": "image/png"}

# The file input's accept= list: extensions and types, a hint for the browser's picker only.
ACCEPT = ",".join(
    [f".{t.extension}" for t in ALLOWED_TYPES] + [".jpeg"] + [t.content_type for t in ALLOWED_TYPES]
)

UPLOAD_HINT = _("upload PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx).")

# What a refused file was found to be, by filetype's extension code, said the way a user would.
_FOUND = {
    "zip": _("a ZIP archive"),
    "exe": _("a Windows program (EXE)"),
    "elf": _("a Linux program (ELF)"),
    "doc": _("an old Word document (.doc)"),
    "xls": _("an old Excel workbook (.xls)"),
    "ppt": _("an old PowerPoint presentation (.ppt)"),
    "pptx": _("a PowerPoint presentation (.pptx)"),
    "odt": _("an OpenDocument text (.odt)"),
    "ods": _("an OpenDocument spreadsheet (.ods)"),
    "odp": _("an OpenDocument presentation (.odp)"),
    "rtf": _("a Rich Text file (.rtf)"),
    "gif": _("a GIF image"),
    "webp": _("a WebP image"),
    "tif": _("a TIFF image"),
    "bmp": _("a BMP image"),
    "heic": _("a HEIC image"),
    "rar": _("a RAR archive"),
    "7z": _("a 7-Zip archive"),
    "gz": _("a gzip archive"),
    "tar": _("a tar archive"),
    "swf": _("a Flash file"),
    "sqlite": _("a SQLite database"),
    "html": _("an HTML page"),
    "xml": _("an XML or SVG file"),
    "txt": _("a text file"),
}


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


def refusal(found: Any) -> ValidationFailed:
    message = _("This file is %(found)s; %(hint)s") % {"found": found, "hint": UPLOAD_HINT}
    return ValidationFailed(message, fields={"file": [message]})


def _text_kind(head: bytes) -> str | None:
    """filetype knows no text formats: name the ones people send by mistake."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()[:1024].lower()
    if (
        start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script"))
        or b"<html" in start
    ):
        return "html"
    if start.startswith((b"<?xml", b"<svg")):
        return "xml"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # The head may end inside a multi-byte character: judge all but the last few bytes.
        try:
            head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return "txt"


def _office_in_zip(whole: IO[bytes]) -> Sniffed | None:
    """Word or Excel from the ZIP's central directory, for files whose writer put the
    ``word/`` or ``xl/`` entries later than filetype looks. Only the names are read: nothing is
    decompressed."""
    try:
        whole.seek(0)
        with zipfile.ZipFile(whole) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for entry, extension in (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx")):
        if entry in names:
            allowed = next(t for t in ALLOWED_TYPES if t.extension == extension)
            return Sniffed(allowed.content_type, allowed.extension)
    return None


def sniff(head: bytes, whole: IO[bytes] | None = None) -> Sniffed:
    """The accepted type of a file from its first bytes (and, for a ZIP, the names in the
    whole file when given), or ValidationFailed on "file" naming what was found instead."""
    if not head:
        message = _("The file is empty; %(hint)s") % {"hint": UPLOAD_HINT}
        raise ValidationFailed(message, fields={"file": [message]})
    kind = filetype.guess(bytes(head[:HEAD_BYTES]))
    if kind is not None and kind.extension == "zip" and whole is not None:
        office = _office_in_zip(whole)
        if office is not None:
            return office
    if kind is not None:
        mime = _ALIASES.get(kind.mime, kind.mime)
        allowed = _BY_TYPE.get(mime)
        if allowed is not None:
            return Sniffed(allowed.content_type, allowed.extension)
        found = _FOUND.get(kind.extension) or _("a %(kind)s file") % {
            "kind": kind.extension.upper()
        }
        raise refusal(found)
    text = _text_kind(head)
    if text is not None:
        raise refusal(_FOUND[text])
    message = _("The type of this file is not recognised; %(hint)s") % {"hint": UPLOAD_HINT}
    raise ValidationFailed(message, fields={"file": [message]})


def label_for(content_type: str) -> str:
    """The type's name for a table ("PDF", "Word document")."""
    allowed = _BY_TYPE.get(content_type)
    return str(allowed.label) if allowed else content_type
