"""Every write about institutions, their memberships and their products."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from bayfin.accounts.models import Organisation
from bayfin.common.audit import audit_record, snapshot
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import InstitutionKind

from .models import Institution

PROFILE_FIELDS = ("kind", "licence_number", "aum_amount", "aum_currency", "description")


def clean_profile(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["kind"] = errors.choice("kind", data.get("kind"), InstitutionKind)
    out["licence_number"] = errors.text("licence_number", data.get("licence_number"), max_length=64)
    out["description"] = errors.text("description", data.get("description"), required=False,
                                     max_length=5000)
    aum, currency = data.get("aum_amount"), data.get("aum_currency")
    if aum in (None, "") and currency in (None, ""):
        out["aum_amount"], out["aum_currency"] = None, ""
    else:
        cur = errors.currency("aum_currency", currency)
        out["aum_currency"] = cur or ""
        out["aum_amount"] = errors.money("aum_amount", aum, cur)
    return out


@transaction.atomic
def institution_create(*, actor: Any, organisation: Organisation, data: Mapping[str, Any]) -> Institution:
    """Create the institution profile of a newly registered organisation (called by sign-up)."""
    errors = FieldErrors()
    clean = clean_profile(errors, data)
    errors.raise_if_any()
    institution = Institution.objects.create(organisation=organisation, **clean)
    audit_record(actor=actor, action="institution.created", subject=institution,
                 new=snapshot(institution, PROFILE_FIELDS), organisation_id=organisation.pk)
    return institution
