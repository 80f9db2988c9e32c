"""Every write about enterprises: profile, beneficial owners, IP, certifications, statements."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import Organisation
from bayfin.accounts.selectors import require_member
from bayfin.accounts.validation import clean_jurisdiction, clean_names
from bayfin.common.audit import audit_record, changed, snapshot
from bayfin.common.errors import NotFound
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import CertificationKind, Sector, Stage, TaxCreditGrade
from bayfin.evaluation.services import reevaluate_on_commit
from bayfin.matching.services import enterprise_matches_on_commit
from bayfin.scoring.services import score_on_commit

from .models import BeneficialOwner, Certification, Enterprise, FinancialStatement
from .registration import RegistrationNumberError, normalise

REGISTRATION_MESSAGES = {
    "wrong_check_character": _("The check character of this Unified Social Credit Code is wrong."),
    "wrong_length": _("A Unified Social Credit Code has 18 characters."),
    "wrong_format": _("This is not a valid registration number for the jurisdiction."),
}

# Fields of the enterprise profile that enterprise_create and the profile edit accept.
# What the credit model reads from the profile (bayfin.scoring.mapping): a change rescores.
SCORED_PROFILE_FIELDS = frozenset({"employees", "sector", "founding_date"})
PROFILE_FIELDS = ("registration_number", "founding_date", "employees", "tech_staff", "sector",
                  "stage", "description", "invention_patents", "utility_models", "designs",
                  "software_copyrights", "other_class_i", "other_class_ii")
IP_FIELDS = ("invention_patents", "utility_models", "designs", "software_copyrights",
             "other_class_i", "other_class_ii")


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

    founding = errors.iso_date("founding_date", data.get("founding_date"))
    if founding is not None:
        out["founding_date"] = errors.not_future("founding_date", founding, timezone.localdate())

    employees = errors.whole_number("employees", data.get("employees"))
    tech_staff = errors.whole_number("tech_staff", data.get("tech_staff"))
    if employees is not None and tech_staff is not None and tech_staff > employees:
        errors.add("tech_staff", _("Tech staff cannot be more than the employees."))
    out["employees"], out["tech_staff"] = employees, tech_staff
    out["sector"] = errors.choice("sector", data.get("sector"), Sector)
    out["stage"] = errors.choice("stage", data.get("stage"), Stage)
    out["description"] = errors.text("description", data.get("description"), required=False,
                                     max_length=5000)
    for field in IP_FIELDS:
        out[field] = errors.whole_number(field, data.get(field), required=False, default=0)
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
    reevaluate_on_commit(enterprise.pk, "profile")
    score_on_commit(enterprise.pk, "profile")
    enterprise_matches_on_commit(enterprise.pk)
    return enterprise


# --- helpers -----------------------------------------------------------------------

ORGANISATION_FIELDS = (*Organisation.NAME_FIELDS, "jurisdiction")
OWNER_FIELDS = ("name", "share_percent", "nationality")
CERTIFICATION_FIELDS = ("kind", "number", "issued_on", "expires_on", "published")
STATEMENT_FIELDS = ("year", "currency", *FinancialStatement.AMOUNT_FIELDS, "tax_credit_grade")
_NATIONALITY = re.compile(r"^[A-Z]{2}$")
_HUNDRED = Decimal(100)


def _own_enterprise_for_update(actor: Any, enterprise_id: int) -> Enterprise:
    """The actor's own enterprise, locked; anyone else's is NotFound (existence does not leak).

    Locking the enterprise row serialises every write to its owners, certifications and
    statements, so rules over several rows (total shares) are never check-then-act.
    """
    organisation = require_member(actor, "enterprise")
    enterprise = (Enterprise.objects.select_for_update()
                  .filter(pk=enterprise_id, organisation_id=organisation.pk).first())
    if enterprise is None:
        raise NotFound(_("Enterprise not found."))
    return enterprise


def _merged(current: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Partial updates: the fields not given keep their current values."""
    return {**current, **{k: v for k, v in data.items() if k in current}}


def _save_changes(instance: Any, clean: Mapping[str, Any], fields: tuple[str, ...]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the cleaned values, save, and answer the (old, new) values that changed."""
    old = snapshot(instance, fields)
    for field, value in clean.items():
        setattr(instance, field, value)
    instance.save()
    return changed(old, snapshot(instance, fields))


# Beneficial owners and certifications are rows of the enterprise that are added, edited
# and removed the same way; each kind differs only in these particulars.
@dataclass(frozen=True)
class _Child:
    related: str  # the enterprise's related manager
    fields: tuple[str, ...]
    # clean(errors, data, enterprise, exclude_id) -> cleaned values
    clean: Callable[[FieldErrors, Mapping[str, Any], Enterprise, int | None], dict[str, Any]]
    action: str  # audit action prefix: "<action>_added", "_updated", "_removed"
    not_found: Any

    def rows(self, enterprise: Enterprise) -> Any:
        """The enterprise's related manager (its ``create`` sets the enterprise)."""
        return getattr(enterprise, self.related)

    def get(self, enterprise: Enterprise, child_id: int) -> Any:
        child = self.rows(enterprise).filter(pk=child_id).first()
        if child is None:
            raise NotFound(self.not_found)
        return child


def _child_add(actor: Any, enterprise: Enterprise, kind: _Child, data: Mapping[str, Any]) -> Any:
    errors = FieldErrors()
    clean = kind.clean(errors, data, enterprise, None)
    errors.raise_if_any()
    child = kind.rows(enterprise).create(**clean)
    audit_record(actor=actor, action=f"{kind.action}_added", subject=child,
                 new=snapshot(child, kind.fields), organisation_id=enterprise.organisation_id)
    return child


def _child_update(actor: Any, enterprise: Enterprise, kind: _Child, child_id: int,
                  data: Mapping[str, Any]) -> Any:
    child = kind.get(enterprise, child_id)
    errors = FieldErrors()
    clean = kind.clean(errors, _merged({f: getattr(child, f) for f in kind.fields}, data), enterprise, child.pk)
    errors.raise_if_any()
    old, new = _save_changes(child, clean, kind.fields)
    if new:
        audit_record(actor=actor, action=f"{kind.action}_updated", subject=child, old=old, new=new,
                     organisation_id=enterprise.organisation_id)
    return child


def _child_remove(actor: Any, enterprise: Enterprise, kind: _Child, child_id: int) -> None:
    child = kind.get(enterprise, child_id)
    audit_record(actor=actor, action=f"{kind.action}_removed", subject=child,
                 old=snapshot(child, kind.fields), organisation_id=enterprise.organisation_id)
    child.delete()


# --- profile -----------------------------------------------------------------------


@transaction.atomic
def enterprise_update_profile(*, actor: Any, enterprise_id: int, data: Mapping[str, Any]) -> Enterprise:
    """Edit the names, jurisdiction and profile of the actor's own enterprise.

    Fields missing from ``data`` keep their values. The registration number is
    re-validated against the (possibly new) jurisdiction. Pending organisations may
    edit their profile too.
    """
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    organisation = Organisation.objects.select_for_update().get(pk=enterprise.organisation_id)
    old = {**snapshot(organisation, ORGANISATION_FIELDS), **snapshot(enterprise, PROFILE_FIELDS)}
    current = {**{f: getattr(organisation, f) for f in ORGANISATION_FIELDS},
               **{f: getattr(enterprise, f) for f in PROFILE_FIELDS}}
    merged = _merged(current, data)

    errors = FieldErrors()
    names = clean_names(errors, merged)
    jurisdiction = clean_jurisdiction(errors, merged.get("jurisdiction"))
    clean = clean_profile(errors, merged, jurisdiction=jurisdiction, exclude_enterprise_id=enterprise.pk)
    founding = clean.get("founding_date")
    if founding is not None and "founding_date" not in errors:
        earliest = enterprise.statements.order_by("year").values_list("year", flat=True).first()
        if earliest is not None and earliest < founding.year:
            errors.add("founding_date", _("There are financial statements for %(year)d, before this founding date.")
                       % {"year": earliest})
    errors.raise_if_any()

    for field, value in names.items():
        setattr(organisation, field, value)
    organisation.jurisdiction = str(jurisdiction)
    organisation.save(update_fields=[*ORGANISATION_FIELDS, "updated_at"])
    for field, value in clean.items():
        setattr(enterprise, field, value)
    enterprise.save()

    new = {**snapshot(organisation, ORGANISATION_FIELDS), **snapshot(enterprise, PROFILE_FIELDS)}
    old_diff, new_diff = changed(old, new)
    if new_diff:
        audit_record(actor=actor, action="enterprise.profile_updated", subject=enterprise,
                     old=old_diff, new=new_diff, organisation_id=organisation.pk)
        reevaluate_on_commit(enterprise.pk, "profile")
        if SCORED_PROFILE_FIELDS & new_diff.keys():
            score_on_commit(enterprise.pk, "profile")
        enterprise_matches_on_commit(enterprise.pk)
    return enterprise


# --- beneficial owners -------------------------------------------------------------


def _share(errors: FieldErrors, value: Any) -> Decimal | None:
    if value in (None, ""):
        errors.add("share_percent", _("This field is required."))
        return None
    if isinstance(value, (float, bool)):
        errors.add("share_percent", _("Send the share as a string, for example \"25.50\"."))
        return None
    try:
        share = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add("share_percent", _("Enter a number."))
        return None
    if not share.is_finite():
        errors.add("share_percent", _("Enter a number."))
        return None
    if share <= 0 or share > _HUNDRED:
        errors.add("share_percent", _("The share must be more than 0 and at most 100."))
        return None
    exponent = share.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        errors.add("share_percent", _("Use at most 2 decimal places."))
        return None
    return share.quantize(Decimal("0.01"))


def _clean_owner(errors: FieldErrors, data: Mapping[str, Any], enterprise: Enterprise,
                 exclude_owner_id: int | None) -> dict[str, Any]:
    name = errors.text("name", data.get("name"), max_length=200)
    share = _share(errors, data.get("share_percent"))
    nationality = str(data.get("nationality") or "").strip().upper()
    if not nationality:
        errors.add("nationality", _("This field is required."))
    elif not _NATIONALITY.match(nationality):
        errors.add("nationality", _("Use the two-letter country code (ISO 3166), for example MO, CN or HK."))
    if share is not None:
        others = enterprise.beneficial_owners.all()
        if exclude_owner_id is not None:
            others = others.exclude(pk=exclude_owner_id)
        taken = others.aggregate(total=Sum("share_percent"))["total"] or Decimal(0)
        if taken + share > _HUNDRED:
            errors.add("share_percent", _("The shares of all owners would add up to %(total)s%%, more than 100%%.")
                       % {"total": taken + share})
    return {"name": name, "share_percent": share, "nationality": nationality}


OWNERS = _Child(related="beneficial_owners", fields=OWNER_FIELDS, clean=_clean_owner,
                action="enterprise.owner", not_found=_("Beneficial owner not found."))


@transaction.atomic
def owner_add(*, actor: Any, enterprise_id: int, data: Mapping[str, Any]) -> BeneficialOwner:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    return _child_add(actor, enterprise, OWNERS, data)


@transaction.atomic
def owner_update(*, actor: Any, enterprise_id: int, owner_id: int, data: Mapping[str, Any]) -> BeneficialOwner:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    return _child_update(actor, enterprise, OWNERS, owner_id, data)


@transaction.atomic
def owner_remove(*, actor: Any, enterprise_id: int, owner_id: int) -> None:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    _child_remove(actor, enterprise, OWNERS, owner_id)


# --- certifications ----------------------------------------------------------------


def _clean_certification(errors: FieldErrors, data: Mapping[str, Any], enterprise: Enterprise,
                         exclude_id: int | None) -> dict[str, Any]:
    kind = errors.choice("kind", data.get("kind"), CertificationKind)
    number = errors.text("number", data.get("number"), required=False, max_length=64)
    issued = errors.iso_date("issued_on", data.get("issued_on"))
    issued = errors.not_future("issued_on", issued, timezone.localdate())
    expires = errors.iso_date("expires_on", data.get("expires_on"), required=False)
    if issued is not None and expires is not None and expires <= issued:
        errors.add("expires_on", _("The expiry date must be after the issue date."))
    published = data.get("published", True)
    if not isinstance(published, bool):
        errors.add("published", _("Enter true or false."))
    if kind and issued and "kind" not in errors and "issued_on" not in errors:
        same = enterprise.certifications.filter(kind=kind, issued_on=issued)
        if exclude_id is not None:
            same = same.exclude(pk=exclude_id)
        if same.exists():
            errors.add("issued_on", _("This certification with this issue date is already recorded."))
    return {"kind": kind, "number": number, "issued_on": issued, "expires_on": expires,
            "published": bool(published)}


CERTIFICATIONS = _Child(related="certifications", fields=CERTIFICATION_FIELDS, clean=_clean_certification,
                        action="enterprise.certification", not_found=_("Certification not found."))


@transaction.atomic
def certification_add(*, actor: Any, enterprise_id: int, data: Mapping[str, Any]) -> Certification:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    reevaluate_on_commit(enterprise.pk, "certifications")
    enterprise_matches_on_commit(enterprise.pk)
    return _child_add(actor, enterprise, CERTIFICATIONS, data)


@transaction.atomic
def certification_update(*, actor: Any, enterprise_id: int, certification_id: int,
                         data: Mapping[str, Any]) -> Certification:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    reevaluate_on_commit(enterprise.pk, "certifications")
    enterprise_matches_on_commit(enterprise.pk)
    return _child_update(actor, enterprise, CERTIFICATIONS, certification_id, data)


@transaction.atomic
def certification_remove(*, actor: Any, enterprise_id: int, certification_id: int) -> None:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    reevaluate_on_commit(enterprise.pk, "certifications")
    enterprise_matches_on_commit(enterprise.pk)
    _child_remove(actor, enterprise, CERTIFICATIONS, certification_id)


# --- financial statements ----------------------------------------------------------


def _clean_year(errors: FieldErrors, value: Any, enterprise: Enterprise) -> int | None:
    year = errors.whole_number("year", value)
    if year is None:
        return None
    if year < enterprise.founding_date.year:
        errors.add("year", _("The year cannot be before the founding year (%(year)d).")
                   % {"year": enterprise.founding_date.year})
        return None
    if year > timezone.localdate().year:
        errors.add("year", _("The year cannot be in the future."))
        return None
    return year


@transaction.atomic
def statement_save(*, actor: Any, enterprise_id: int, year: Any, data: Mapping[str, Any],
                   create_only: bool = False) -> FinancialStatement:
    """Create or replace the statement of one year (``create_only`` refuses an existing year)."""
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    errors = FieldErrors()
    clean_year = _clean_year(errors, year, enterprise)
    currency = errors.currency("currency", data.get("currency"))
    clean: dict[str, Any] = {"currency": currency}
    for field in FinancialStatement.AMOUNT_FIELDS:
        clean[field] = errors.money(field, data.get(field), currency, allow_zero=True,
                                    allow_negative=field in FinancialStatement.SIGNED_FIELDS)
    clean["tax_credit_grade"] = errors.choice("tax_credit_grade", data.get("tax_credit_grade"),
                                              TaxCreditGrade, required=False) or ""
    existing = None
    if clean_year is not None:
        existing = enterprise.statements.filter(year=clean_year).first()
        if existing is not None and create_only:
            errors.add("year", _("There is already a statement for %(year)d: edit it instead.")
                       % {"year": clean_year})
    errors.raise_if_any()
    assert clean_year is not None  # recorded as an error above otherwise
    reevaluate_on_commit(enterprise.pk, "statements")
    enterprise_matches_on_commit(enterprise.pk)  # revenue: a product's minimum

    if existing is None:
        statement = FinancialStatement.objects.create(enterprise=enterprise, year=clean_year, **clean)
        audit_record(actor=actor, action="enterprise.statement_created", subject=statement,
                     new=snapshot(statement, STATEMENT_FIELDS), organisation_id=enterprise.organisation_id)
        return statement
    old_diff, new_diff = _save_changes(existing, clean, STATEMENT_FIELDS)
    if new_diff:
        audit_record(actor=actor, action="enterprise.statement_updated", subject=existing,
                     old=old_diff, new=new_diff, organisation_id=enterprise.organisation_id)
    return existing


@transaction.atomic
def statement_delete(*, actor: Any, enterprise_id: int, year: int) -> None:
    enterprise = _own_enterprise_for_update(actor, enterprise_id)
    statement = enterprise.statements.filter(year=year).first()
    if statement is None:
        raise NotFound(_("There is no statement for this year."))
    reevaluate_on_commit(enterprise.pk, "statements")
    enterprise_matches_on_commit(enterprise.pk)
    audit_record(actor=actor, action="enterprise.statement_deleted", subject=statement,
                 old=snapshot(statement, STATEMENT_FIELDS), organisation_id=enterprise.organisation_id)
    statement.delete()
