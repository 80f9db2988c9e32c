"""Organisation-level rules shared by sign-up and profile edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Jurisdiction

from .models import Organisation


def clean_names(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, str]:
    """The four name fields, trimmed; at least one is required."""
    names = {f: errors.text(f, data.get(f), required=False, max_length=200)
             for f in Organisation.NAME_FIELDS}
    if not any(names.values()):
        errors.add("name_en", _("Give the name in at least one language."))
    return names


def clean_jurisdiction(errors: FieldErrors, value: Any) -> str | None:
    return errors.choice("jurisdiction", value, Jurisdiction)
