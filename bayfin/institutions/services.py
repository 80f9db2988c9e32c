"""Every write about institutions, their memberships and their products."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import Organisation, OrganisationKind
from bayfin.accounts.selectors import require_member, require_operator
from bayfin.accounts.validation import clean_jurisdiction, clean_names
from bayfin.common.audit import audit_record, changed, snapshot
from bayfin.common.errors import InvalidTransition, NotFound
from bayfin.common.money import CURRENCIES
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import (
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.matching.services import institution_changed, product_changed
from bayfin.scoring.engine.grades import GRADES

from .models import Association, Institution, Product, ProductStatus

PROFILE_FIELDS = ("kind", "licence_number", "aum_amount", "aum_currency", "description")
ORGANISATION_FIELDS = (*Organisation.NAME_FIELDS, "jurisdiction")
PRODUCT_FIELDS = (
    "name", "instrument", "sectors", "stages", "jurisdictions", "currencies", "ticket_currency",
    "ticket_min", "ticket_max", "term_min_months", "term_max_months", "rate_min_percent",
    "rate_max_percent", "pricing_note", "min_years_operating", "min_revenue_amount",
    "min_revenue_currency", "required_certifications", "min_credit_grade", "required_qualifications",
    "cross_border", "active_from", "active_until", "thesis",
)
MAX_TERM_MONTHS = 600
MAX_YEARS_OPERATING = 200


# --------------------------------------------------------------------------- profile


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


def _merged(current: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Partial updates (the API's PATCH): the fields not given keep their current values."""
    return {**current, **{k: v for k, v in data.items() if k in current}}


def _own_institution_locked(actor: Any, institution_id: int) -> Institution:
    org = require_member(actor, OrganisationKind.INSTITUTION)
    institution = (Institution.objects.select_for_update().select_related("organisation")
                   .filter(pk=institution_id, organisation=org).first())
    if institution is None:
        raise NotFound(_("Institution not found."))
    return institution


@transaction.atomic
def institution_update_profile(*, actor: Any, institution_id: int, data: Mapping[str, Any]) -> Institution:
    """Edit the institution's profile and its organisation's names and jurisdiction.

    Only the institution's own members may; pending institutions may too. Fields left
    out of ``data`` keep their values (so the API's PATCH sends only what changes).
    """
    institution = _own_institution_locked(actor, institution_id)
    org = Organisation.objects.select_for_update().get(pk=institution.organisation_id)
    current: dict[str, Any] = {f: getattr(org, f) for f in ORGANISATION_FIELDS}
    current.update({f: getattr(institution, f) for f in PROFILE_FIELDS})
    merged = _merged(current, data)

    errors = FieldErrors()
    names = clean_names(errors, merged)
    jurisdiction = clean_jurisdiction(errors, merged.get("jurisdiction"))
    profile = clean_profile(errors, merged)
    errors.raise_if_any()

    old = {**snapshot(org, ORGANISATION_FIELDS), **snapshot(institution, PROFILE_FIELDS)}
    for field, value in names.items():
        setattr(org, field, value)
    org.jurisdiction = jurisdiction or org.jurisdiction
    org.save(update_fields=[*ORGANISATION_FIELDS, "updated_at"])
    for field, value in profile.items():
        setattr(institution, field, value)
    institution.save()
    institution.organisation = org
    new = {**snapshot(org, ORGANISATION_FIELDS), **snapshot(institution, PROFILE_FIELDS)}
    old, new = changed(old, new)
    if new:  # a save that changes nothing is not an event
        audit_record(actor=actor, action="institution.profile_updated", subject=institution,
                     old=old, new=new, organisation_id=org.pk)
        if {"jurisdiction", "kind"} & new.keys():  # which channels carry its products' money
            institution_changed(institution_id=institution.pk)
    return institution


# --------------------------------------------------------------------------- associations


@transaction.atomic
def association_create(*, actor: Any, name: str) -> Association:
    require_operator(actor)
    errors = FieldErrors()
    clean = errors.text("name", name, max_length=200)
    if clean and Association.objects.filter(name__iexact=clean).exists():
        errors.add("name", _("An association with this name already exists."))
    errors.raise_if_any()
    association = Association.objects.create(name=clean)
    audit_record(actor=actor, action="association.created", subject=association,
                 new={"name": association.name})
    return association


@transaction.atomic
def institution_set_associations(*, actor: Any, institution_id: int,
                                 association_ids: Iterable[Any]) -> Institution:
    """Operators set which associations an institution belongs to (replacing the old set)."""
    require_operator(actor)
    institution = Institution.objects.select_for_update().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound(_("Institution not found."))
    errors = FieldErrors()
    ids: list[int] = []
    for raw in association_ids or []:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            pk = 0
        if 0 < pk < 2**63:  # a key the database can hold; anything else is no association
            ids.append(pk)
        else:
            errors.add("association_ids", _("Unknown association: %(value)s.") % {"value": raw})
    found = {a.pk: a for a in Association.objects.filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            errors.add("association_ids", _("Unknown association: %(value)s.") % {"value": pk})
    errors.raise_if_any()
    old = sorted(institution.associations.values_list("pk", flat=True))
    institution.associations.set(list(found.values()))
    new = sorted(found)
    if old != new:
        audit_record(actor=actor, action="institution.associations_set", subject=institution,
                     old={"associations": old}, new={"associations": new},
                     organisation_id=institution.organisation_id)
    return institution


# --------------------------------------------------------------------------- products


def _as_list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    return list(value)



def _rate(errors: FieldErrors, field: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, (float, bool)):
        errors.add(field, _("Send the rate as a string, for example \"3.85\"."))
        return None
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number."))
        return None
    if not rate.is_finite():
        errors.add(field, _("Enter a number."))
        return None
    if rate < 0 or rate > 100:
        errors.add(field, _("The rate must be between 0 and 100."))
        return None
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        errors.add(field, _("Use at most 3 decimal places."))
        return None
    return rate.quantize(Decimal("0.001"))



def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes"}
    return bool(value)


def clean_product(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every rule of a product, in one place; each failure recorded on its field."""
    out: dict[str, Any] = {}
    out["name"] = errors.text("name", data.get("name"), max_length=200)
    out["instrument"] = errors.choice("instrument", data.get("instrument"), Instrument)
    out["sectors"] = errors.choices("sectors", _as_list(data.get("sectors")), Sector)
    out["stages"] = errors.choices("stages", _as_list(data.get("stages")), Stage)
    out["jurisdictions"] = errors.choices("jurisdictions", _as_list(data.get("jurisdictions")),
                                          Jurisdiction)
    currencies: list[str] = []
    for code in _as_list(data.get("currencies")):
        if code not in CURRENCIES:
            errors.currency("currencies", code)
        elif code not in currencies:
            currencies.append(str(code))
    if not currencies and "currencies" not in errors:
        errors.add("currencies", _("Select at least one."))
    out["currencies"] = currencies

    cur = errors.currency("ticket_currency", data.get("ticket_currency"))
    out["ticket_currency"] = cur or ""
    out["ticket_min"] = errors.money("ticket_min", data.get("ticket_min"), cur)
    out["ticket_max"] = errors.money("ticket_max", data.get("ticket_max"), cur)
    if out["ticket_min"] is not None and out["ticket_max"] is not None \
            and out["ticket_min"] > out["ticket_max"]:
        errors.add("ticket_min", _("The minimum ticket cannot be above the maximum ticket."))

    out["term_min_months"] = errors.whole_number(
        "term_min_months", data.get("term_min_months"), required=False, minimum=1, maximum=MAX_TERM_MONTHS)
    out["term_max_months"] = errors.whole_number(
        "term_max_months", data.get("term_max_months"), required=False, minimum=1, maximum=MAX_TERM_MONTHS)
    if out["term_min_months"] is not None and out["term_max_months"] is not None \
            and out["term_min_months"] > out["term_max_months"]:
        errors.add("term_min_months", _("The minimum term cannot be above the maximum term."))

    out["rate_min_percent"] = _rate(errors, "rate_min_percent", data.get("rate_min_percent"))
    out["rate_max_percent"] = _rate(errors, "rate_max_percent", data.get("rate_max_percent"))
    if out["rate_min_percent"] is not None and out["rate_max_percent"] is not None \
            and out["rate_min_percent"] > out["rate_max_percent"]:
        errors.add("rate_min_percent", _("The lower rate cannot be above the upper rate."))
    out["pricing_note"] = errors.text("pricing_note", data.get("pricing_note"), required=False,
                                      max_length=300)

    years = errors.whole_number("min_years_operating", data.get("min_years_operating"),
                                required=False, minimum=0, maximum=MAX_YEARS_OPERATING)
    out["min_years_operating"] = years or 0
    revenue, revenue_cur = data.get("min_revenue_amount"), data.get("min_revenue_currency")
    if revenue in (None, "") and revenue_cur in (None, ""):
        out["min_revenue_amount"], out["min_revenue_currency"] = None, ""
    else:
        rcur = errors.currency("min_revenue_currency", revenue_cur)
        out["min_revenue_currency"] = rcur or ""
        out["min_revenue_amount"] = errors.money("min_revenue_amount", revenue, rcur)
    out["required_certifications"] = errors.choices(
        "required_certifications", _as_list(data.get("required_certifications")), CertificationKind)
    out["min_credit_grade"] = errors.choice("min_credit_grade", data.get("min_credit_grade"), GRADES,
                                            required=False) or ""
    out["required_qualifications"] = errors.choices(
        "required_qualifications", _as_list(data.get("required_qualifications")), Qualification)
    out["cross_border"] = _flag(data.get("cross_border"))

    out["active_from"] = errors.iso_date("active_from", data.get("active_from"), required=True)
    out["active_until"] = errors.iso_date("active_until", data.get("active_until"), required=False)
    if out["active_from"] and out["active_until"] and out["active_until"] < out["active_from"]:
        errors.add("active_until", _("The end of the active period cannot be before its start."))
    out["thesis"] = errors.text("thesis", data.get("thesis"), required=False, max_length=10000)
    return out


def _product_values(product: Product) -> dict[str, Any]:
    return {f: getattr(product, f) for f in PRODUCT_FIELDS}


def _own_product_locked(actor: Any, product_id: int, *, verified: bool = False) -> Product:
    org = require_member(actor, OrganisationKind.INSTITUTION, verified=verified)
    product = (Product.objects.select_for_update()
               .filter(pk=product_id, institution__organisation=org).first())
    if product is None:
        raise NotFound(_("Product not found."))
    return product


@transaction.atomic
def product_create(*, actor: Any, data: Mapping[str, Any]) -> Product:
    """A new draft product of the actor's institution. The institution must be verified."""
    org = require_member(actor, OrganisationKind.INSTITUTION, verified=True)
    institution = Institution.objects.filter(organisation=org).first()
    if institution is None:
        raise NotFound(_("Institution not found."))
    errors = FieldErrors()
    clean = clean_product(errors, data)
    errors.raise_if_any()
    product = Product.objects.create(institution=institution, status=ProductStatus.DRAFT, **clean)
    audit_record(actor=actor, action="product.created", subject=product,
                 new=snapshot(product, (*PRODUCT_FIELDS, "status")), organisation_id=org.pk)
    return product


@transaction.atomic
def product_update(*, actor: Any, product_id: int, data: Mapping[str, Any]) -> Product:
    """Change a product of the actor's institution. Fields left out keep their values."""
    product = _own_product_locked(actor, product_id)
    if product.status == ProductStatus.ARCHIVED:
        raise InvalidTransition(_("An archived product cannot be changed; publish it again first."))
    current = _product_values(product)
    errors = FieldErrors()
    clean = clean_product(errors, _merged(current, data))
    errors.raise_if_any()
    old = snapshot(product, PRODUCT_FIELDS)
    for field, value in clean.items():
        setattr(product, field, value)
    product.save()
    old, new = changed(old, snapshot(product, PRODUCT_FIELDS))
    if new:  # a save that changes nothing is not an event
        audit_record(actor=actor, action="product.updated", subject=product, old=old, new=new,
                     organisation_id=product.institution.organisation_id)
        if product.status == ProductStatus.PUBLISHED:
            product_changed(product_id=product.pk)
    return product


@transaction.atomic
def product_publish(*, actor: Any, product_id: int) -> Product:
    """Draft or archived -> published. The institution must be verified; the product must
    still be valid and not past its active period."""
    product = _own_product_locked(actor, product_id, verified=True)
    if product.status == ProductStatus.PUBLISHED:
        raise InvalidTransition(_("The product is already published."))
    errors = FieldErrors()
    clean_product(errors, _product_values(product))
    if product.active_until is not None and product.active_until < timezone.localdate():
        errors.add("active_until", _("The active period has ended; extend it before publishing."))
    errors.raise_if_any(_("The product cannot be published yet."))
    old_status = product.status
    product.status = ProductStatus.PUBLISHED
    product.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="product.published", subject=product,
                 old={"status": old_status}, new={"status": product.status},
                 organisation_id=product.institution.organisation_id)
    product_changed(product_id=product.pk)
    return product


@transaction.atomic
def product_archive(*, actor: Any, product_id: int) -> Product:
    """Published -> archived: enterprises no longer see it."""
    product = _own_product_locked(actor, product_id)
    if product.status != ProductStatus.PUBLISHED:
        raise InvalidTransition(_("Only a published product can be archived."))
    product.status = ProductStatus.ARCHIVED
    product.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="product.archived", subject=product,
                 old={"status": ProductStatus.PUBLISHED}, new={"status": product.status},
                 organisation_id=product.institution.organisation_id)
    product_changed(product_id=product.pk)
    return product


@transaction.atomic
def product_delete(*, actor: Any, product_id: int) -> None:
    """Delete a draft. Published or archived products stay, for the record."""
    product = _own_product_locked(actor, product_id)
    if product.status != ProductStatus.DRAFT:
        raise InvalidTransition(_("Only a draft product can be deleted; archive it instead."))
    audit_record(actor=actor, action="product.deleted", subject=product,
                 old=snapshot(product, (*PRODUCT_FIELDS, "status")),
                 organisation_id=product.institution.organisation_id)
    product.delete()
