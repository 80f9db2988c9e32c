"""Every catalogue compiles, is complete in all three languages, and keeps its placeholders.

(Fuzzy entries are guesses by makemessages; they are never shipped as translations.)
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted([*ROOT.glob("locale/*/LC_MESSAGES/django.po"), *ROOT.glob("bayfin/*/locale/*/LC_MESSAGES/django.po")])
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%([sd])")


def read(path):
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text):
    return sorted(named or bare for named, bare in PLACEHOLDER.findall(text))


def test_there_are_catalogues_for_every_language():
    languages = {p.parts[-3] for p in CATALOGUES}
    assert languages == {"zh_Hans", "zh_Hant", "pt"}


def test_every_app_with_a_catalogue_has_all_three_languages():
    by_place = {}
    for p in CATALOGUES:
        by_place.setdefault(p.parents[2], set()).add(p.parts[-3])
    assert ROOT / "bayfin" / "fx" / "locale" in by_place
    assert {place: langs for place, langs in by_place.items() if langs != {"zh_Hans", "zh_Hant", "pt"}} == {}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_fuzzy_entries(path):
    fuzzy = [m.id for m in read(path) if m.id and "fuzzy" in m.flags]
    assert fuzzy == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_is_complete(path):
    """Simplified and Traditional Chinese and Portuguese: no entry left empty."""
    missing = [m.id for m in read(path) if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_keep_the_placeholders(path):
    """A translation that drops or renames %(name)s would raise KeyError (or show the wrong value)."""
    wrong = []
    for m in read(path):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else (m.id,)
        strings = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
        expected = placeholders(ids[-1])
        wrong += [(ids[0], s) for s in strings if s and placeholders(s) != expected]
    assert wrong == []
