"""Reads about institutions and products, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member
from bayfin.common.errors import NotFound
from bayfin.common.money import CURRENCIES, Money
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Instrument, Jurisdiction, Sector, Stage

from .models import Association, Institution, Product, ProductStatus

# Who may browse published products: enterprises (the audience), institutions (it is the
# public offer of their peers) and operators. Observers see statistics only.
BROWSE_ROLES = (OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION, OrganisationKind.OPERATOR)

SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    # Tickets are ordered within each currency: amounts in different currencies are
    # never compared without an exchange rate.
    "ticket_min": ("ticket_currency", "ticket_min", "id"),
    "-ticket_min": ("ticket_currency", "-ticket_min", "-id"),
}


def institution_get_own(user: Any) -> Institution:
    org = require_member(user, OrganisationKind.INSTITUTION)
    institution = (Institution.objects.select_related("organisation")
                   .prefetch_related(Prefetch("associations", queryset=Association.objects.order_by("name")))
                   .filter(organisation=org).first())
    if institution is None:
        raise NotFound(_("Institution not found."))
    return institution


def product_list_own(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Product]:
    """The products of the user's own institution, every status."""
    org = require_member(user, OrganisationKind.INSTITUTION)
    qs = Product.objects.filter(institution__organisation=org).select_related("institution__organisation")
    status = (filters or {}).get("status")
    if status in ProductStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def product_get_own(user: Any, product_id: int) -> Product:
    product = product_list_own(user).filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def _visible_products() -> QuerySet[Product]:
    today = timezone.localdate()
    return (Product.objects
            .filter(status=ProductStatus.PUBLISHED,
                    institution__organisation__status=OrganisationStatus.VERIFIED,
                    active_from__lte=today)
            .filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
            .select_related("institution__organisation"))


def _json_list_has(field: str, code: str) -> Q:
    # JSONField icontains on the quoted code works on SQLite and PostgreSQL alike; the
    # quotes make it match whole codes only, never a code inside a longer one.
    return Q(**{f"{field}__icontains": f'"{code}"'})


def _json_contains_or_any(field: str, code: str) -> Q:
    """The list holds the code, or is empty (an empty list means "any")."""
    return Q(**{field: []}) | _json_list_has(field, code)


@dataclass(frozen=True)
class BrowseFilters:
    sector: str | None = None
    jurisdiction: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    instrument: str | None = None
    stage: str | None = None
    sort: str = "newest"

    @property
    def amount_compared_in(self) -> str | None:
        """The currency of the amount compared (converted at today's rates for other tickets)."""
        return self.currency if self.amount is not None else None


def clean_browse_filters(data: Mapping[str, Any]) -> BrowseFilters:
    """Parse browse filters; bad ones raise ValidationFailed on their field."""
    errors = FieldErrors()
    sector = errors.choice("sector", data.get("sector"), Sector, required=False)
    jurisdiction = errors.choice("jurisdiction", data.get("jurisdiction"), Jurisdiction, required=False)
    instrument = errors.choice("instrument", data.get("instrument"), Instrument, required=False)
    stage = errors.choice("stage", data.get("stage"), Stage, required=False)
    currency = None
    if data.get("currency") not in (None, ""):
        currency = errors.currency("currency", data.get("currency"))
    amount = None
    if data.get("amount") not in (None, ""):
        if currency is None and "currency" not in errors:
            errors.add("currency", _("Choose the currency of the amount."))
        else:
            amount = errors.money("amount", data.get("amount"), currency)
    sort = data.get("sort") or "newest"
    if sort not in SORTS:
        errors.add("sort", _("Select a valid choice: %(value)s is not one of the available choices.")
                   % {"value": sort})
    errors.raise_if_any()
    return BrowseFilters(sector=sector, jurisdiction=jurisdiction, amount=amount, currency=currency,
                         instrument=instrument, stage=stage, sort=str(sort))


def product_browse_for(user: Any, filters: BrowseFilters | None = None) -> QuerySet[Product]:
    """Published products, active today, of verified institutions, filtered.

    ``amount`` (with ``currency``) keeps products whose ticket range covers it, converted
    to each ticket's currency at today's rates through ``fx.selectors.convert``; products
    whose ticket currency has no rate are kept unchecked and marked ``amount_checked=False``.
    """
    require_member(user, *BROWSE_ROLES)
    f = filters or BrowseFilters()
    qs = _visible_products()
    if f.sector:
        qs = qs.filter(_json_contains_or_any("sectors", f.sector))
    if f.jurisdiction:
        qs = qs.filter(_json_contains_or_any("jurisdictions", f.jurisdiction))
    if f.stage:
        qs = qs.filter(_json_contains_or_any("stages", f.stage))
    if f.instrument:
        qs = qs.filter(instrument=f.instrument)
    if f.currency:
        qs = qs.filter(_json_list_has("currencies", f.currency) | Q(ticket_currency=f.currency))
    if f.amount is not None and f.currency:
        from bayfin.fx.selectors import (  # fx reads institutions: import late
            convert_or_none,
            rate_book,
        )

        today = timezone.localdate()
        book = rate_book(today)
        compared, covers = Q(pk__in=[]), Q(pk__in=[])
        for code in CURRENCIES:
            conversion = convert_or_none(Money(f.amount, f.currency), code, today, book=book)
            if conversion is None:
                continue
            in_code = Q(ticket_currency=code)
            compared |= in_code
            covers |= in_code & Q(ticket_min__lte=conversion.result.amount, ticket_max__gte=conversion.result.amount)
        qs = qs.filter(covers | ~compared)
        qs = qs.annotate(amount_checked=Case(When(compared, then=Value(True)), default=Value(False),
                                             output_field=BooleanField()))
    return qs.order_by(*SORTS.get(f.sort, SORTS["newest"]))


def product_get_for(user: Any, product_id: int) -> Product:
    """One product: the own institution's (any status), any for operators, else only
    what browsing shows."""
    org = require_member(user, *BROWSE_ROLES)
    if org.kind == OrganisationKind.OPERATOR:
        qs = Product.objects.select_related("institution__organisation")
    elif org.kind == OrganisationKind.INSTITUTION:
        qs = (_visible_products() | Product.objects.filter(institution__organisation=org)).distinct()
    else:
        qs = _visible_products()
    product = qs.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


@dataclass(frozen=True)
class PublicProfile:
    institution: Institution
    associations: list[Association]
    products: list[Product]


def institution_public_get_for(user: Any, institution_id: int) -> PublicProfile:
    """The public face of an institution: names, kind, jurisdiction, associations,
    description and published products. Pending or rejected institutions are visible
    only to their own members and to operators."""
    org = require_member(user, *OrganisationKind.values)
    institution = Institution.objects.select_related("organisation").filter(pk=institution_id).first()
    if institution is None:
        raise NotFound(_("Institution not found."))
    own = institution.organisation_id == org.pk
    if not (institution.organisation.is_verified or own or org.kind == OrganisationKind.OPERATOR):
        raise NotFound(_("Institution not found."))
    products = list(_visible_products().filter(institution=institution).order_by("name", "id"))
    return PublicProfile(institution=institution,
                         associations=list(institution.associations.order_by("name")),
                         products=products)


def association_list_for(user: Any) -> QuerySet[Association]:
    require_member(user, OrganisationKind.OPERATOR)
    return Association.objects.order_by("name")


def institution_list_for_operator(user: Any) -> QuerySet[Institution]:
    require_member(user, OrganisationKind.OPERATOR)
    return (Institution.objects.select_related("organisation").prefetch_related("associations")
            .order_by("organisation__name_en", "id"))
