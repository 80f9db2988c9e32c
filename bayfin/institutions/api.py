"""The institutions API: own profile and products, product browsing, public profiles,
and the operator's associations. Schemas in, one service or selector, schema out.
Amounts travel as strings ("1000000.00"), never floats."""


from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.schemas import DecimalString, ErrorOut, MoneyOut, Pagination, StrictIn, money_out

from . import selectors, services
from .models import Institution, Product

router = Router(tags=["institutions"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# Amounts and rates: strings. Numbers are accepted only to be refused with a clear reason
# (floats) or parsed exactly (integers).
Amount = str | int | float | None


class AssociationOut(Schema):
    id: int
    name: str


class InstitutionOut(Schema):
    id: int
    status: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    name_pt: str
    display_name: str
    jurisdiction: str
    kind: str
    licence_number: str
    aum: MoneyOut | None
    description: str
    associations: list[AssociationOut]

    @staticmethod
    def from_institution(inst: Institution) -> dict[str, Any]:
        """``inst`` as ``selectors.institution_get_own`` reads it (associations prefetched by name)."""
        org = inst.organisation
        return {
            "id": inst.pk, "status": org.status, "name_zh_hans": org.name_zh_hans,
            "name_zh_hant": org.name_zh_hant, "name_en": org.name_en, "name_pt": org.name_pt,
            "display_name": org.display_name(), "jurisdiction": org.jurisdiction,
            "kind": inst.kind, "licence_number": inst.licence_number,
            "aum": money_out(inst.aum_amount, inst.aum_currency), "description": inst.description,
            "associations": [{"id": a.pk, "name": a.name} for a in inst.associations.all()],
        }


class InstitutionPatch(StrictIn):
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_en: str | None = None
    name_pt: str | None = None
    jurisdiction: str | None = None
    kind: str | None = None
    licence_number: str | None = None
    aum_amount: Amount = None
    aum_currency: str | None = None
    description: str | None = None


class ProductIn(StrictIn):
    name: str | None = None
    instrument: str | None = None
    sectors: list[str] | None = None
    stages: list[str] | None = None
    jurisdictions: list[str] | None = None
    currencies: list[str] | None = None
    ticket_currency: str | None = None
    ticket_min: Amount = None
    ticket_max: Amount = None
    term_min_months: int | None = None
    term_max_months: int | None = None
    rate_min_percent: Amount = None
    rate_max_percent: Amount = None
    pricing_note: str | None = None
    min_years_operating: int | None = None
    min_revenue_amount: Amount = None
    min_revenue_currency: str | None = None
    required_certifications: list[str] | None = None
    min_credit_grade: str | None = None
    required_qualifications: list[str] | None = None
    cross_border: bool | None = None
    active_from: date | None = None
    active_until: date | None = None
    thesis: str | None = None


class ProductOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    name: str
    status: str
    instrument: str
    sectors: list[str]
    stages: list[str]
    jurisdictions: list[str]
    currencies: list[str]
    ticket_min: MoneyOut
    ticket_max: MoneyOut
    term_min_months: int | None
    term_max_months: int | None
    rate_min_percent: DecimalString | None
    rate_max_percent: DecimalString | None
    pricing_note: str
    min_years_operating: int
    min_revenue: MoneyOut | None
    required_certifications: list[str]
    min_credit_grade: str
    required_qualifications: list[str]
    cross_border: bool
    active_from: date
    active_until: date | None
    thesis: str
    created_at: datetime
    amount_checked: bool | None = None

    @staticmethod
    def resolve_institution_name(obj: Product) -> str:
        return obj.institution.organisation.display_name()

    @staticmethod
    def resolve_ticket_min(obj: Product) -> dict[str, str] | None:
        return money_out(obj.ticket_min, obj.ticket_currency)

    @staticmethod
    def resolve_ticket_max(obj: Product) -> dict[str, str] | None:
        return money_out(obj.ticket_max, obj.ticket_currency)

    @staticmethod
    def resolve_min_revenue(obj: Product) -> dict[str, str] | None:
        return money_out(obj.min_revenue_amount, obj.min_revenue_currency)

    @staticmethod
    def resolve_amount_checked(obj: Product) -> bool | None:
        return getattr(obj, "amount_checked", None)


class PublicProfileOut(Schema):
    id: int
    display_name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    name_pt: str
    kind: str
    jurisdiction: str
    description: str
    associations: list[AssociationOut]
    products: list[ProductOut]


class BrowseQuery(Schema):
    sector: str | None = None
    jurisdiction: str | None = None
    amount: str | None = None
    currency: str | None = None
    instrument: str | None = None
    stage: str | None = None
    sort: str | None = None


class OwnProductsQuery(Schema):
    status: str | None = None


class AssociationIn(StrictIn):
    name: str


class AssociationsIn(StrictIn):
    association_ids: list[int]


# ---------------------------------------------------------------- own institution


@router.get("/me", response={200: InstitutionOut, **ERRORS}, summary="My institution's profile")
def me(request: HttpRequest) -> Any:
    return InstitutionOut.from_institution(selectors.institution_get_own(request.user))


@router.patch("/me", response={200: InstitutionOut, **ERRORS}, summary="Edit my institution's profile")
def me_update(request: HttpRequest, payload: InstitutionPatch) -> Any:
    own = selectors.institution_get_own(request.user)
    services.institution_update_profile(actor=request.user, institution_id=own.pk,
                                        data=payload.dict(exclude_unset=True))
    return InstitutionOut.from_institution(selectors.institution_get_own(request.user))


@router.get("/me/products", response={200: list[ProductOut], **ERRORS}, summary="My institution's products")
@paginate(Pagination)
def my_products(request: HttpRequest, filters: Query[OwnProductsQuery]) -> Any:
    return selectors.product_list_own(request.user, filters.dict())


@router.post("/me/products", response={201: ProductOut, **ERRORS},
             summary="Create a draft product (verified institutions only)")
def my_product_create(request: HttpRequest, payload: ProductIn) -> Any:
    return Status(201, services.product_create(actor=request.user, data=payload.dict(exclude_unset=True)))


@router.get("/me/products/{int:product_id}", response={200: ProductOut, **ERRORS})
def my_product(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_get_own(request.user, product_id)


@router.patch("/me/products/{int:product_id}", response={200: ProductOut, **ERRORS})
def my_product_update(request: HttpRequest, product_id: int, payload: ProductIn) -> Any:
    return services.product_update(actor=request.user, product_id=product_id,
                                   data=payload.dict(exclude_unset=True))


@router.delete("/me/products/{int:product_id}", response={204: None, **ERRORS},
               summary="Delete a draft product")
def my_product_delete(request: HttpRequest, product_id: int) -> Any:
    services.product_delete(actor=request.user, product_id=product_id)
    return Status(204, None)


@router.post("/me/products/{int:product_id}/publish", response={200: ProductOut, **ERRORS})
def my_product_publish(request: HttpRequest, product_id: int) -> Any:
    return services.product_publish(actor=request.user, product_id=product_id)


@router.post("/me/products/{int:product_id}/archive", response={200: ProductOut, **ERRORS})
def my_product_archive(request: HttpRequest, product_id: int) -> Any:
    return services.product_archive(actor=request.user, product_id=product_id)


# ---------------------------------------------------------------- browsing


@router.get("/products", response={200: list[ProductOut], **ERRORS},
            summary="Browse published products",
            description="Published, currently active products of verified institutions. "
            "`amount` (with `currency`) is compared with each ticket range after conversion "
            "at today's rates; products whose ticket currency has no recent rate are listed "
            "unchecked (`amount_checked: false`).")
@paginate(Pagination)
def products_browse(request: HttpRequest, filters: Query[BrowseQuery]) -> Any:
    parsed = selectors.clean_browse_filters(filters.dict())
    return selectors.product_browse_for(request.user, parsed)


@router.get("/products/{int:product_id}", response={200: ProductOut, **ERRORS})
def product_detail(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_get_for(request.user, product_id)


# ---------------------------------------------------------------- operator: associations


@router.get("/associations", response={200: list[AssociationOut], **ERRORS})
@paginate(Pagination)
def associations(request: HttpRequest) -> Any:
    return selectors.association_list_for(request.user)


@router.post("/associations", response={201: AssociationOut, **ERRORS})
def association_create(request: HttpRequest, payload: AssociationIn) -> Any:
    return Status(201, services.association_create(actor=request.user, name=payload.name))


@router.put("/{int:institution_id}/associations", response={200: list[AssociationOut], **ERRORS},
            summary="Set an institution's association memberships (operators)")
def institution_associations(request: HttpRequest, institution_id: int, payload: AssociationsIn) -> Any:
    inst = services.institution_set_associations(actor=request.user, institution_id=institution_id,
                                                 association_ids=payload.association_ids)
    return list(inst.associations.order_by("name"))


# ---------------------------------------------------------------- public profile


@router.get("/{int:institution_id}", response={200: PublicProfileOut, **ERRORS},
            summary="An institution's public profile")
def public_profile(request: HttpRequest, institution_id: int) -> Any:
    profile = selectors.institution_public_get_for(request.user, institution_id)
    inst = profile.institution
    org = inst.organisation
    return {
        "id": inst.pk, "display_name": org.display_name(), "name_zh_hans": org.name_zh_hans,
        "name_zh_hant": org.name_zh_hant, "name_en": org.name_en, "name_pt": org.name_pt,
        "kind": inst.kind, "jurisdiction": org.jurisdiction, "description": inst.description,
        "associations": profile.associations, "products": profile.products,
    }
