"""The accounts API: sign-up, the operator console, team, invitations, tokens, audit."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.schemas import ErrorOut, OkOut, Pagination, StrictIn

from . import selectors, services
from .models import Membership, Organisation, User

router = Router(tags=["accounts"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------------------------------
# Schemas


class NamesIn(StrictIn):
    name_zh_hans: str = ""
    name_zh_hant: str = ""
    name_en: str = ""
    name_pt: str = ""


class SignupIn(StrictIn):
    kind: str = Field(..., description="enterprise, institution or observer")
    email: str
    password: str
    names: NamesIn = Field(default_factory=NamesIn)
    jurisdiction: str
    profile: dict[str, Any] = Field(
        default_factory=dict,
        description="Enterprise: registration_number, founding_date, employees, tech_staff, sector, "
        "stage, description. Institution: kind, licence_number, aum_amount (string), aum_currency.",
    )


class OrganisationOut(Schema):
    id: int
    kind: str
    status: str
    name: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    name_pt: str
    jurisdiction: str
    rejection_reason: str
    created_at: datetime
    verified_at: datetime | None

    @staticmethod
    def resolve_name(obj: Organisation) -> str:
        return obj.display_name()


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str | None
    is_org_admin: bool
    organisation: OrganisationOut | None

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name()


class OrganisationFilters(Schema):
    kind: str | None = None
    status: str | None = None
    jurisdiction: str | None = None
    q: str | None = None


class RejectIn(StrictIn):
    reason: str


class MemberOut(Schema):
    id: int
    email: str
    name: str
    is_admin: bool
    joined_at: datetime

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.get_full_name()

    @staticmethod
    def resolve_joined_at(obj: Membership) -> datetime:
        return obj.created_at


class InvitationIn(StrictIn):
    email: str


class InvitationOut(Schema):
    id: int
    email: str
    expires_at: datetime
    created_at: datetime


class AcceptIn(StrictIn):
    token: str
    password: str
    name: str = ""


class TokenIn(StrictIn):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The raw token. Shown only in this answer; store it now.")


class AuditFilters(Schema):
    action: str | None = None
    subject_type: str | None = None
    actor: str | None = None
    organisation: int | None = None
    date_from: date | None = None
    date_to: date | None = None


class AuditOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    subject_type: str
    subject_id: str
    subject_label: str
    organisation_id: int | None
    old: dict[str, Any]
    new: dict[str, Any]


# ---------------------------------------------------------------------------------------
# Sign-up and me


@router.post("/signup", auth=None, response={201: MeOut, 422: ErrorOut})
def signup(request: HttpRequest, payload: SignupIn) -> Status[Any]:
    """Register an organisation (pending until an operator verifies it) and its first admin."""
    user = services.organisation_register(
        kind=payload.kind, email=payload.email, password=payload.password,
        names=payload.names.dict(), jurisdiction=payload.jurisdiction, profile=payload.profile,
    )
    return Status(201, user)


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> Any:
    return request.user


# ---------------------------------------------------------------------------------------
# Operator console


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS})
@paginate(Pagination)
def organisation_list(request: HttpRequest, filters: OrganisationFilters = Query(...)) -> Any:  # noqa: B008
    """Every organisation (operators only), newest first; filter by kind, status, jurisdiction, name."""
    return selectors.organisation_list_for(request.user, filters.dict())


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def organisation_get(request: HttpRequest, organisation_id: int) -> Organisation:
    return selectors.organisation_get_for(request.user, organisation_id)


@router.post("/organisations/{organisation_id}/verify", response={200: OrganisationOut, **ERRORS})
def organisation_verify(request: HttpRequest, organisation_id: int) -> Organisation:
    return services.organisation_verify(actor=request.user, organisation_id=organisation_id)


@router.post("/organisations/{organisation_id}/reject", response={200: OrganisationOut, **ERRORS})
def organisation_reject(request: HttpRequest, organisation_id: int, payload: RejectIn) -> Organisation:
    return services.organisation_reject(actor=request.user, organisation_id=organisation_id,
                                        reason=payload.reason)


# ---------------------------------------------------------------------------------------
# Team and invitations


@router.get("/members", response={200: list[MemberOut], **ERRORS})
@paginate(Pagination)
def member_list(request: HttpRequest) -> Any:
    return selectors.membership_list_for(request.user)


@router.delete("/members/{membership_id}", response={200: OkOut, **ERRORS})
def member_remove(request: HttpRequest, membership_id: int) -> dict[str, bool]:
    services.membership_remove(actor=request.user, membership_id=membership_id)
    return {"ok": True}


@router.post("/invitations/accept", auth=None, response={201: MeOut, **ERRORS})
def invitation_accept(request: HttpRequest, payload: AcceptIn) -> Status[Any]:
    user = services.invitation_accept(raw_token=payload.token, password=payload.password, name=payload.name)
    return Status(201, user)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
@paginate(Pagination)
def invitation_list(request: HttpRequest) -> Any:
    return selectors.invitation_list_for(request.user)


@router.post("/invitations", response={201: InvitationOut, **ERRORS})
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Status[Any]:
    """Email a single-use, expiring invitation link (the token is only in the email)."""
    invitation, _raw = services.invitation_create(actor=request.user, email=payload.email)
    return Status(201, invitation)


@router.delete("/invitations/{invitation_id}", response={200: OkOut, **ERRORS})
def invitation_revoke(request: HttpRequest, invitation_id: int) -> dict[str, bool]:
    services.invitation_revoke(actor=request.user, invitation_id=invitation_id)
    return {"ok": True}


# ---------------------------------------------------------------------------------------
# API tokens


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
@paginate(Pagination)
def token_list(request: HttpRequest) -> Any:
    return selectors.api_token_list_for(request.user)


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    token, raw = services.api_token_create(actor=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={200: OkOut, **ERRORS})
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, bool]:
    services.api_token_revoke(actor=request.user, token_id=token_id)
    return {"ok": True}


# ---------------------------------------------------------------------------------------
# Audit


@router.get("/audit", response={200: list[AuditOut], **ERRORS})
@paginate(Pagination)
def audit_list(request: HttpRequest, filters: AuditFilters = Query(...)) -> Any:  # noqa: B008
    """Audit events (operators only), newest first."""
    return selectors.audit_list_for(request.user, filters.dict())
