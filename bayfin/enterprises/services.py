"""Every write about enterprises: profile, beneficial owners, IP, certifications, statements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import Organisation
from bayfin.common.audit import audit_record, snapshot
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Sector, Stage

from .models import Enterprise
from .registration import RegistrationNumberError, normalise

REGISTRATION_MESSAGES = {
    "wrong_check_character": _("The check character of this Unified Social Credit Code is wrong."),
    "wrong_length": _("A Unified Social Credit Code has 18 characters."),
    "wrong_format": _("This is not a valid registration number for the jurisdiction."),
}

# Fields of the enterprise profile that enterprise_create and the profile edit accept.
PROFILE_FIELDS = ("registration_number", "founding_date", "employees", "tech_staff", "sector",
                  "stage", "description", "invention_patents", "utility_models", "designs",
                  "software_copyrights", "other_class_i", "other_class_ii")
IP_FIELDS = ("invention_patents", "utility_models", "designs", "software_copyrights",
             "other_class_i", "other_class_ii")


def _count(errors: FieldErrors, field: str, value: Any, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("This field is required."))
        return None if required else 0
    if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
        errors.add(field, _("Enter a whole number."))
        return None
    number = int(str(value).strip())
    if number < 0:
        errors.add(field, _("The number cannot be negative."))
        return None
    if number > 10_000_000:
        errors.add(field, _("The number is too large."))
        return None
    return number


def clean_profile(errors: FieldErrors, data: Mapping[str, Any], *, jurisdiction: str | None,
                  exclude_enterprise_id: int | None = None) -> dict[str, Any]:
    """Validate the enterprise profile fields; record each failure on its field."""
    out: dict[str, Any] = {}
    number = str(data.get("registration_number") or "").strip()
    if not number:
        errors.add("registration_number", _("This field is required."))
    elif jurisdiction is not None:
        try:
            out["registration_number"] = normalise(jurisdiction, number)
        except RegistrationNumberError as exc:
            errors.add("registration_number", REGISTRATION_MESSAGES[exc.code])
        else:
            taken = Enterprise.objects.filter(registration_number=out["registration_number"])
            if exclude_enterprise_id is not None:
                taken = taken.exclude(pk=exclude_enterprise_id)
            if taken.exists():
                errors.add("registration_number", _("An enterprise with this registration number is already registered."))

    founding = data.get("founding_date")
    if founding in (None, ""):
        errors.add("founding_date", _("This field is required."))
    else:
        if isinstance(founding, str):
            from datetime import date

            try:
                founding = date.fromisoformat(founding)
            except ValueError:
                errors.add("founding_date", _("Enter a valid date (YYYY-MM-DD)."))
                founding = None
        if founding is not None:
            out["founding_date"] = errors.not_future("founding_date", founding, timezone.localdate())

    employees = _count(errors, "employees", data.get("employees"), required=True)
    tech_staff = _count(errors, "tech_staff", data.get("tech_staff"), required=True)
    if employees is not None and tech_staff is not None and tech_staff > employees:
        errors.add("tech_staff", _("Tech staff cannot be more than the employees."))
    out["employees"], out["tech_staff"] = employees, tech_staff
    out["sector"] = errors.choice("sector", data.get("sector"), Sector)
    out["stage"] = errors.choice("stage", data.get("stage"), Stage)
    out["description"] = errors.text("description", data.get("description"), required=False,
                                     max_length=5000)
    for field in IP_FIELDS:
        out[field] = _count(errors, field, data.get(field), required=False)
    return out


@transaction.atomic
def enterprise_create(*, actor: Any, organisation: Organisation, data: Mapping[str, Any]) -> Enterprise:
    """Create the enterprise profile of a newly registered organisation.

    Raises ValidationFailed naming every bad field; saves nothing then. Called by
    sign-up inside its own transaction.
    """
    errors = FieldErrors()
    clean = clean_profile(errors, data, jurisdiction=organisation.jurisdiction)
    errors.raise_if_any()
    enterprise = Enterprise.objects.create(organisation=organisation, **clean)
    audit_record(actor=actor, action="enterprise.created", subject=enterprise,
                 new=snapshot(enterprise, PROFILE_FIELDS), organisation_id=organisation.pk)
    return enterprise
