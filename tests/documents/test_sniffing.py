"""The sniffer judges the bytes: what each accepted kind is stored as, and how a refusal reads."""

from __future__ import annotations

import pytest

from bayfin.common.errors import ValidationFailed
from bayfin.documents.sniffing import sniff

from .conftest import EXE, HTML, JPEG, PDF, docx_bytes, png_bytes, pptx_bytes, xlsx_bytes, zip_bytes


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [
        (PDF, "application/pdf", "pdf"),
        (b"\xef\xbb\xbf" + PDF, "application/pdf", "pdf"),
        (png_bytes(), "image/png", "png"),
        (JPEG, "image/jpeg", "jpg"),
        (
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        (xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ],
)
def test_accepted_kinds_are_recognised_from_their_bytes(
    content: bytes, content_type: str, extension: str
) -> None:
    found = sniff(content)
    assert (found.content_type, found.extension) == (content_type, extension)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            zip_bytes(),
            "This file is a ZIP archive; upload PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx).",
        ),
        (EXE, "This file is a Windows program (EXE); upload PDF"),
        (HTML, "This file is an HTML page; upload PDF"),
        (pptx_bytes(), "This file is a PowerPoint presentation (.pptx); upload PDF"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "This file is a GIF image; upload PDF"),
        (b"name,amount\nchips,12\n", "This file is a text file; upload PDF"),
        (bytes(range(7, 250)) * 3, "The type of this file is not recognised; upload PDF"),
        (b"", "The file is empty; upload PDF"),
    ],
)
def test_refusals_name_what_was_found_on_the_file_field(content: bytes, named: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sniff(content)
    assert list(caught.value.fields) == ["file"]
    assert str(caught.value.fields["file"][0]).startswith(named)


def test_office_files_whose_writer_puts_the_parts_late_are_still_recognised() -> None:
    import io

    from .conftest import CONTENT_TYPES, RELS, _zip

    late = _zip(
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS)]
        + [(f"docProps/custom{i}.xml", "<x/>") for i in range(6)]
        + [("xl/workbook.xml", "<workbook/>")]
    )
    with pytest.raises(ValidationFailed):
        sniff(late)  # the first bytes alone look like a plain ZIP
    assert sniff(late, io.BytesIO(late)).extension == "xlsx"
    with pytest.raises(ValidationFailed) as caught:
        sniff(zip_bytes(), io.BytesIO(zip_bytes()))
    assert "a ZIP archive" in str(caught.value.fields["file"][0])
