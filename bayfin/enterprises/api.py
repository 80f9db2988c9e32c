"""REST API of the enterprises app: schemas in, one service or selector, schema out.

Amounts and shares travel as strings, never JSON numbers.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.schemas import DecimalString, ErrorOut, Pagination, StrictIn
from bayfin.common.vocab import sector_family

from . import selectors, services
from .models import Enterprise

router = Router(tags=["enterprises"])

ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas -----------------------------------------------------------------------


class EnterpriseOut(Schema):
    id: int
    status: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    name_pt: str
    jurisdiction: str
    registration_number: str
    founding_date: date
    employees: int
    tech_staff: int
    sector: str
    sector_family: str
    stage: str
    description: str
    invention_patents: int
    utility_models: int
    designs: int
    software_copyrights: int
    other_class_i: int
    other_class_ii: int
    class_i_ip: int
    class_ii_ip: int


def _enterprise_out(enterprise: Enterprise) -> dict[str, Any]:
    org = enterprise.organisation
    out: dict[str, Any] = {f: getattr(enterprise, f) for f in services.PROFILE_FIELDS}
    out.update({f: getattr(org, f) for f in services.ORGANISATION_FIELDS})
    out.update(id=enterprise.pk, status=org.status, sector_family=sector_family(enterprise.sector),
               class_i_ip=enterprise.class_i_ip, class_ii_ip=enterprise.class_ii_ip)
    return out


class ProfilePatch(StrictIn):
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_en: str | None = None
    name_pt: str | None = None
    jurisdiction: str | None = None
    registration_number: str | None = None
    founding_date: date | None = None
    employees: int | None = None
    tech_staff: int | None = None
    sector: str | None = None
    stage: str | None = None
    description: str | None = None
    invention_patents: int | None = None
    utility_models: int | None = None
    designs: int | None = None
    software_copyrights: int | None = None
    other_class_i: int | None = None
    other_class_ii: int | None = None


class OwnerIn(StrictIn):
    name: str
    share_percent: str
    nationality: str


class OwnerPatch(StrictIn):
    name: str | None = None
    share_percent: str | None = None
    nationality: str | None = None


class OwnerOut(Schema):
    id: int
    name: str
    share_percent: DecimalString
    nationality: str


class CertificationIn(StrictIn):
    kind: str
    number: str = ""
    issued_on: date
    expires_on: date | None = None
    published: bool = True


class CertificationPatch(StrictIn):
    kind: str | None = None
    number: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    published: bool | None = None


class CertificationOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: date
    expires_on: date | None
    published: bool


class StatementIn(StrictIn):
    currency: str
    revenue: str
    rd_expense: str
    total_costs: str
    net_profit: str
    total_assets: str
    total_liabilities: str
    operating_cash_flow: str
    tax_credit_grade: str = ""


class StatementOut(Schema):
    year: int
    currency: str
    revenue: DecimalString
    rd_expense: DecimalString
    total_costs: DecimalString
    net_profit: DecimalString
    total_assets: DecimalString
    total_liabilities: DecimalString
    operating_cash_flow: DecimalString
    tax_credit_grade: str


class PublicCertificationOut(Schema):
    kind: str
    year: int


class PublicProfileOut(Schema):
    id: int
    names: dict[str, str]
    display_name: str
    jurisdiction: str
    sector: str
    sector_family: str
    stage: str
    description: str
    founding_year: int
    employee_band: str
    certifications: list[PublicCertificationOut]
    badges: list[str]


class PublicFilters(Schema):
    sector: str | None = None
    sector_family: str | None = None
    jurisdiction: str | None = None
    stage: str | None = None
    badge: str | None = None


# --- own profile -------------------------------------------------------------------


@router.get("/me", response={200: EnterpriseOut, **ERRORS}, summary="My enterprise's full profile")
def me_get(request: HttpRequest) -> Any:
    return _enterprise_out(selectors.enterprise_get_own(request.user))


@router.patch("/me", response={200: EnterpriseOut, **ERRORS}, summary="Edit my enterprise's profile")
def me_patch(request: HttpRequest, payload: ProfilePatch) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    enterprise = services.enterprise_update_profile(actor=request.user, enterprise_id=enterprise.pk,
                                                    data=payload.model_dump(exclude_unset=True))
    return _enterprise_out(enterprise)


# --- beneficial owners -------------------------------------------------------------


@router.get("/me/owners", response=list[OwnerOut], summary="My enterprise's beneficial owners")
@paginate(Pagination)
def owners_list(request: HttpRequest) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return selectors.owners_list_for(request.user, enterprise.pk)


@router.post("/me/owners", response={201: OwnerOut, **ERRORS}, summary="Add a beneficial owner")
def owners_add(request: HttpRequest, payload: OwnerIn) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    owner = services.owner_add(actor=request.user, enterprise_id=enterprise.pk, data=payload.model_dump())
    return Status(201, owner)


@router.patch("/me/owners/{owner_id}", response={200: OwnerOut, **ERRORS}, summary="Edit a beneficial owner")
def owners_update(request: HttpRequest, owner_id: int, payload: OwnerPatch) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return services.owner_update(actor=request.user, enterprise_id=enterprise.pk, owner_id=owner_id,
                                 data=payload.model_dump(exclude_unset=True))


@router.delete("/me/owners/{owner_id}", response={204: None, **ERRORS}, summary="Remove a beneficial owner")
def owners_remove(request: HttpRequest, owner_id: int) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    services.owner_remove(actor=request.user, enterprise_id=enterprise.pk, owner_id=owner_id)
    return Status(204, None)


# --- certifications ----------------------------------------------------------------


@router.get("/me/certifications", response=list[CertificationOut], summary="My enterprise's certifications")
@paginate(Pagination)
def certifications_list(request: HttpRequest) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return selectors.certifications_list_for(request.user, enterprise.pk)


@router.post("/me/certifications", response={201: CertificationOut, **ERRORS}, summary="Add a certification")
def certifications_add(request: HttpRequest, payload: CertificationIn) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    certification = services.certification_add(actor=request.user, enterprise_id=enterprise.pk,
                                               data=payload.model_dump())
    return Status(201, certification)


@router.patch("/me/certifications/{certification_id}", response={200: CertificationOut, **ERRORS},
              summary="Edit a certification")
def certifications_update(request: HttpRequest, certification_id: int, payload: CertificationPatch) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return services.certification_update(actor=request.user, enterprise_id=enterprise.pk,
                                         certification_id=certification_id,
                                         data=payload.model_dump(exclude_unset=True))


@router.delete("/me/certifications/{certification_id}", response={204: None, **ERRORS},
               summary="Remove a certification")
def certifications_remove(request: HttpRequest, certification_id: int) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    services.certification_remove(actor=request.user, enterprise_id=enterprise.pk,
                                  certification_id=certification_id)
    return Status(204, None)


# --- financial statements ----------------------------------------------------------


@router.get("/me/statements", response=list[StatementOut], summary="My enterprise's yearly statements")
@paginate(Pagination)
def statements_list(request: HttpRequest) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return selectors.statements_list_for(request.user, enterprise.pk)


@router.get("/me/statements/{year}", response={200: StatementOut, **ERRORS}, summary="One year's statement")
def statements_get(request: HttpRequest, year: int) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return selectors.statement_get_for(request.user, enterprise.pk, year)


@router.put("/me/statements/{year}", response={200: StatementOut, **ERRORS},
            summary="Create or replace one year's statement")
def statements_put(request: HttpRequest, year: int, payload: StatementIn) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    return services.statement_save(actor=request.user, enterprise_id=enterprise.pk, year=year,
                                   data=payload.model_dump())


@router.delete("/me/statements/{year}", response={204: None, **ERRORS}, summary="Delete one year's statement")
def statements_delete(request: HttpRequest, year: int) -> Any:
    enterprise = selectors.enterprise_get_own(request.user)
    services.statement_delete(actor=request.user, enterprise_id=enterprise.pk, year=year)
    return Status(204, None)


# --- public profiles ---------------------------------------------------------------


@router.get("/public", response=list[PublicProfileOut], summary="Public profiles of verified enterprises")
@paginate(Pagination)
def public_list(request: HttpRequest, filters: PublicFilters = Query(...)) -> Any:  # noqa: B008
    return selectors.enterprise_public_list_for(request.user, filters.model_dump())


@router.get("/public/{enterprise_id}", response={200: PublicProfileOut, **ERRORS},
            summary="One enterprise's public profile")
def public_get(request: HttpRequest, enterprise_id: int) -> Any:
    return selectors.enterprise_public_get_for(request.user, enterprise_id)
