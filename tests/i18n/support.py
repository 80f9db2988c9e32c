"""What the language tests share: compiled catalogues, a client in a language, the visible text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def compile_catalogues(*locales: Path) -> None:
    """.mo files are not committed: compile each catalogue under ``locales`` when missing or stale.

    The per-test settings fixture in tests/conftest.py resets Django's translation cache, so the
    freshly written files are the ones used.
    """
    for locale in locales:
        for po in locale.glob("*/LC_MESSAGES/django.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def visible_text(response: Any) -> str:
    """What a reader sees: no tags, scripts or attribute values."""
    html = response.content.decode()
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
