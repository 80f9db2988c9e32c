"""The consent API router (mounted at /api/v1/consent/): grants, the access log, shared data."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.common.errors import ValidationFailed
from bayfin.common.schemas import Pagination, StrictIn, money_out
from bayfin.scoring.api import score_out

from . import selectors, services
from .models import ConsentGrant, DataAccess, Scope

router = Router(tags=["consent"])


# --------------------------------------------------------------------------- schemas


class GrantIn(StrictIn):
    institution_id: int | str | None = None
    scopes: list[str] | None = Field(
        None, description="profile, statements, credit, evaluation, documents"
    )
    purpose: str | None = None
    valid_until: date | str | None = Field(
        None, description="YYYY-MM-DD, after today, at most 3 years ahead"
    )
    cross_border_consent: bool = Field(
        False,
        description="The separate consent PIPL requires when the "
        "institution is outside the Mainland",
    )


class ConfirmIn(StrictIn):
    """Any field left out keeps the proposal's value; ``valid_until: null`` keeps a deal's grant
    open for the life of the deal."""

    scopes: list[str] | None = None
    purpose: str | None = None
    valid_until: date | str | None = None
    cross_border_consent: bool = False


class ReasonIn(StrictIn):
    reason: str = ""


class PartyOut(Schema):
    id: int
    name: str
    jurisdiction: str


def _party(profile: Any) -> dict[str, Any]:
    org = profile.organisation
    return {"id": profile.pk, "name": org.display_name(), "jurisdiction": org.jurisdiction}


class GrantOut(Schema):
    id: int
    enterprise: PartyOut
    institution: PartyOut
    deal_id: int | None
    scopes: list[str]
    purpose: str
    valid_until: date | None = Field(None, description="null: for the life of the deal")
    status: str
    live: bool = Field(False, description="Whether reads are allowed under it now")
    cross_border: bool
    recipient_jurisdiction: str
    cross_border_consent_at: datetime | None
    granted_at: datetime | None
    revoked_at: datetime | None
    ended_at: datetime | None
    end_reason: str

    @staticmethod
    def resolve_enterprise(obj: ConsentGrant) -> Any:
        return _party(obj.enterprise)

    @staticmethod
    def resolve_institution(obj: ConsentGrant) -> Any:
        return _party(obj.institution)

    @staticmethod
    def resolve_live(obj: ConsentGrant) -> bool:
        return obj.status == "active" and selectors.is_live(obj)


class AccessOut(Schema):
    id: int
    at: datetime
    user: str | None = Field(None, description="The reader's name, or email when no name is set")
    institution: PartyOut
    scope: str
    reference: str
    grant_id: int
    via: str

    @staticmethod
    def resolve_user(obj: DataAccess) -> str | None:
        return (obj.user.get_full_name() or obj.user.email) if obj.user else None

    @staticmethod
    def resolve_institution(obj: DataAccess) -> Any:
        return _party(obj.institution)


class AccessFilters(Schema):
    institution: int | None = None
    scope: str | None = None


class GrantFilters(Schema):
    status: str | None = None


class SharedOut(Schema):
    enterprise: PartyOut
    scopes: list[str]
    grant_ids: list[int]
    until: date | None = Field(None, description="null: a grant runs for the life of a deal")


class SharedReadOut(Schema):
    enterprise_id: int
    scope: str
    grant_id: int
    data: dict[str, Any]


# --------------------------------------------------------------------------- grants


@router.get(
    "/grants",
    response=list[GrantOut],
    summary="Consents: an enterprise's own, or those an institution received",
)
@paginate(Pagination)
def list_grants(request: HttpRequest, filters: Query[GrantFilters]) -> Any:
    return selectors.grant_list_for(request.user, filters.dict())


@router.post(
    "/grants", response={201: GrantOut}, summary="Grant an institution access to data (enterprise)"
)
def create_grant(request: HttpRequest, payload: GrantIn) -> Any:
    grant = services.consent_grant(actor=request.user, data=payload.dict())
    return Status(201, selectors.grant_get_own(request.user, grant.pk))


@router.get("/grants/{grant_id}", response=GrantOut)
def get_grant(request: HttpRequest, grant_id: int) -> Any:
    return selectors.grant_get_for(request.user, grant_id)


@router.post(
    "/grants/{grant_id}/confirm",
    response=GrantOut,
    summary="Confirm (and perhaps edit) a proposed consent",
)
def confirm_grant(request: HttpRequest, grant_id: int, payload: ConfirmIn) -> Any:
    data = payload.dict(exclude_unset=True)
    data["cross_border_consent"] = payload.cross_border_consent
    services.consent_confirm(actor=request.user, grant_id=grant_id, data=data)
    return selectors.grant_get_own(request.user, grant_id)


@router.post("/grants/{grant_id}/dismiss", response=GrantOut, summary="Decline a proposed consent")
def dismiss_grant(request: HttpRequest, grant_id: int, payload: ReasonIn) -> Any:
    services.consent_dismiss(actor=request.user, grant_id=grant_id, reason=payload.reason)
    return selectors.grant_get_own(request.user, grant_id)


@router.post(
    "/grants/{grant_id}/revoke", response=GrantOut, summary="Revoke an active consent, at once"
)
def revoke_grant(request: HttpRequest, grant_id: int, payload: ReasonIn) -> Any:
    services.consent_revoke(actor=request.user, grant_id=grant_id, reason=payload.reason)
    return selectors.grant_get_own(request.user, grant_id)


@router.get("/accesses", response=list[AccessOut], summary="Who read my data (enterprise)")
@paginate(Pagination)
def list_accesses(request: HttpRequest, filters: Query[AccessFilters]) -> Any:
    return selectors.access_log_own(request.user, filters.dict())


# --------------------------------------------------------------------------- shared data (institutions)


@router.get(
    "/shared", response=list[SharedOut], summary="Enterprises sharing data with my institution now"
)
def list_shared(request: HttpRequest) -> Any:
    return [
        {
            "enterprise": _party(e.enterprise),
            "scopes": e.scopes,
            "grant_ids": [g.pk for g in e.grants],
            "until": e.until,
        }
        for e in selectors.shared_enterprises_for(request.user)
    ]


def _profile(p: selectors.SharedProfile) -> dict[str, Any]:
    return {
        "name": p.display_name,
        "jurisdiction": p.jurisdiction,
        "registration_number": p.registration_number,
        "founding_date": p.founding_date.isoformat(),
        "employees": p.employees,
        "tech_staff": p.tech_staff,
        "sector": p.sector,
        "stage": p.stage,
        "description": p.description,
        "ip": p.ip,
        "owners": [
            {"name": o.name, "share_percent": str(o.share_percent), "nationality": o.nationality}
            for o in p.owners
        ],
        "certifications": [
            {
                "kind": c.kind,
                "number": c.number,
                "issued_on": c.issued_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in p.certifications
        ],
    }


def _statements(s: selectors.SharedStatements) -> dict[str, Any]:
    fields = (
        "revenue",
        "rd_expense",
        "total_costs",
        "net_profit",
        "total_assets",
        "total_liabilities",
        "operating_cash_flow",
    )
    return {
        "statements": [
            {
                "year": row.year,
                "currency": row.currency,
                "tax_credit_grade": row.tax_credit_grade,
                **{name: money_out(getattr(row, name), row.currency) for name in fields},
            }
            for row in s.statements
        ]
    }


def _evaluation(e: selectors.SharedEvaluation) -> dict[str, Any]:
    return {
        "evaluations": [
            {
                "id": item["evaluation"].pk,
                "as_of": item["evaluation"].as_of.isoformat(),
                **item["result"],
            }
            for item in e.results
        ]
    }


def _credit(c: selectors.SharedCredit) -> dict[str, Any]:
    """The enterprise's current credit score (grade, PD, points, reasons with their labels, the
    model version and when it was computed), or a refused one naming the missing fields."""
    view = c.view
    return {"computed": c.computed, "message": c.message, "score": score_out(view) if view is not None else None}


SHAPES = {
    Scope.PROFILE: _profile,
    Scope.STATEMENTS: _statements,
    Scope.EVALUATION: _evaluation,
    Scope.CREDIT: _credit,
}


@router.get(
    "/shared/{enterprise_id}/{scope}",
    response=SharedReadOut,
    summary="Read one scope of an enterprise's data under a live consent (logged)",
)
def read_shared(request: HttpRequest, enterprise_id: int, scope: str) -> Any:
    selectors.require_shared_reader(request.user)
    if scope not in SHAPES:
        message = (
            _("Documents are read one by one through /api/v1/documents/.")
            if scope == Scope.DOCUMENTS
            else _("Unknown scope: use profile, statements, evaluation or credit.")
        )
        raise ValidationFailed(message, fields={"scope": [message]})
    key = Scope(scope)
    result = selectors.SHARED_READERS[key](request.user, enterprise_id, via="api")
    return {
        "enterprise_id": enterprise_id,
        "scope": scope,
        "grant_id": result.grant_id,
        "data": SHAPES[key](result),
    }  # type: ignore[operator]
