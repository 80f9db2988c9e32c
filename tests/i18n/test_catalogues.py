"""Every catalogue compiles, and Simplified Chinese is complete: no empty or fuzzy entry.

(Fuzzy entries are guesses by makemessages; they are never shipped as translations.)
"""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted([*ROOT.glob("locale/*/LC_MESSAGES/django.po"), *ROOT.glob("bayfin/*/locale/*/LC_MESSAGES/django.po")])


def test_there_are_catalogues_for_every_language():
    languages = {p.parts[-3] for p in CATALOGUES}
    assert languages == {"zh_Hans", "zh_Hant", "pt"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_fuzzy_entries(path):
    with path.open("rb") as f:
        catalogue = read_po(f)
    fuzzy = [m.id for m in catalogue if m.id and "fuzzy" in m.flags]
    assert fuzzy == []


@pytest.mark.parametrize("path", [p for p in CATALOGUES if "zh_Hans" in p.parts], ids=lambda p: str(p.relative_to(ROOT)))
def test_simplified_chinese_is_complete(path):
    with path.open("rb") as f:
        catalogue = read_po(f)
    missing = [m.id for m in catalogue if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []
