"""Reads about consent, and every read of an enterprise's shared data.

``live_grant`` is the one rule of a *live* consent, checked at the moment of every read, so a
revocation or a passed date takes effect mid-session, before the expiry job runs. The
``shared_*_for`` functions are the only way an institution reads another enterprise's private
data: each needs a live grant for its scope and logs the read (``services.access_record``).
Without one an institution gets NotFound ("No live consent covers this data."), any other
role PermissionDenied: operators read private data on their own KYC pages, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member, require_signed_in
from bayfin.common.errors import NotFound, PermissionDenied
from bayfin.common.i18n import format_percent
from bayfin.common.validation import FieldErrors
from bayfin.enterprises.models import Enterprise, FinancialStatement
from bayfin.evaluation.explain import explained
from bayfin.evaluation.selectors import latest_evaluations, result_of
from bayfin.financing.transitions import DEAL_TERMINAL_STAGES
from bayfin.institutions.models import Institution
from bayfin.scoring.selectors import ScoreView, score_view_of

from .models import ConsentGrant, DataAccess, GrantStatus, Scope
from .services import access_record

NO_LIVE_CONSENT = _("No live consent covers this data.")
# Statuses an institution sees among the grants it received (a proposal is not yet a consent).
RECEIVED_STATUSES = (
    GrantStatus.ACTIVE,
    GrantStatus.REVOKED,
    GrantStatus.EXPIRED,
    GrantStatus.ENDED,
)
# Order of a grants page: proposals waiting for the enterprise, then active, then the past.
STATUS_ORDER = {GrantStatus.PROPOSED: 0, GrantStatus.ACTIVE: 1}


def _today(on: date | None = None) -> date:
    return on or timezone.localdate()


def live_q(on: date | None = None, prefix: str = "") -> Q:
    """The database half of "live": active, not past its date, its deal (if any) not ended,
    the enterprise verified. The scope is checked on the row (``ConsentGrant.scopes`` is a list)."""
    p = prefix
    return (
        Q(**{f"{p}status": GrantStatus.ACTIVE})
        & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": _today(on)}))
        & (Q(**{f"{p}deal__isnull": True}) | ~Q(**{f"{p}deal__stage__in": DEAL_TERMINAL_STAGES}))
        & Q(**{f"{p}enterprise__organisation__status": OrganisationStatus.VERIFIED})
    )


def live_grant(
    *, institution: Institution, enterprise: Enterprise, scope: str, on: date | None = None
) -> ConsentGrant | None:
    """The live grant that lets ``institution`` read ``scope`` of ``enterprise`` now, or None.

    Live: status active, the scope among its scopes, no date or a date not yet passed, no deal
    or a deal not at a terminal stage, and the enterprise verified.
    """
    candidates = (
        ConsentGrant.objects.select_related("enterprise__organisation", "institution__organisation")
        .filter(live_q(on), institution=institution, enterprise=enterprise)
        .order_by("-granted_at", "-pk")
    )
    return next((g for g in candidates if scope in (g.scopes or [])), None)


def is_live(grant: ConsentGrant, on: date | None = None) -> bool:
    """Whether this grant is live now (one row, for pages that list grants)."""
    return ConsentGrant.objects.filter(live_q(on), pk=grant.pk).exists()


# --------------------------------------------------------------------------- the enterprise's grants


def _own_enterprise(user: Any) -> Enterprise:
    org = require_member(user, OrganisationKind.ENTERPRISE)
    enterprise = getattr(org, "enterprise", None)
    if enterprise is None:
        raise NotFound(_("Your organisation has no enterprise profile."))
    return enterprise


def _grants() -> QuerySet[ConsentGrant]:
    return ConsentGrant.objects.select_related(
        "enterprise__organisation",
        "institution__organisation",
        "deal__request",
        "granted_by",
        "revoked_by",
    )


def _ordered(qs: QuerySet[ConsentGrant], on: date | None = None) -> QuerySet[ConsentGrant]:
    """Proposals first, then live grants, then the rest; newest first within each."""
    return qs.annotate(
        _rank=Case(
            When(status=GrantStatus.PROPOSED, then=Value(0)),
            When(live_q(on), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("_rank", "-created_at", "-pk")


def grant_list_own(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[ConsentGrant]:
    """The enterprise's grants: proposals first, then live ones, then past ones. Filter: status."""
    enterprise = _own_enterprise(user)
    qs = _grants().filter(enterprise=enterprise)
    status = (filters or {}).get("status")
    if status:
        errors = FieldErrors()
        errors.choice("status", status, GrantStatus)
        errors.raise_if_any()
        qs = qs.filter(status=status)
    return _ordered(qs)


def grant_get_own(user: Any, grant_id: int) -> ConsentGrant:
    grant = _grants().filter(enterprise=_own_enterprise(user), pk=grant_id).first()
    if grant is None:
        raise NotFound(_("Consent not found."))
    return grant


def _own_institution(user: Any) -> Institution | None:
    """The user's institution if it is verified; None while it is pending (it can hold no
    consent). Other roles: PermissionDenied."""
    org = require_member(user, OrganisationKind.INSTITUTION)
    institution = getattr(org, "institution", None)
    if institution is None or org.status != OrganisationStatus.VERIFIED:
        return None
    return institution


def grant_list_received(user: Any) -> QuerySet[ConsentGrant]:
    """An institution's grants from enterprises: live ones first. Proposals and declined
    proposals are the enterprise's own business and are not listed."""
    org = require_member(user, OrganisationKind.INSTITUTION)
    if org.status != OrganisationStatus.VERIFIED:
        return ConsentGrant.objects.none()
    return _ordered(_grants().filter(institution__organisation=org, status__in=RECEIVED_STATUSES))


def grant_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[ConsentGrant]:
    """The API's list: an enterprise's own grants, or the grants an institution received."""
    org = require_member(user, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    if org.kind == OrganisationKind.ENTERPRISE:
        return grant_list_own(user, filters)
    return grant_list_received(user)


def grant_get_for(user: Any, grant_id: int) -> ConsentGrant:
    org = require_member(user, OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION)
    if org.kind == OrganisationKind.ENTERPRISE:
        return grant_get_own(user, grant_id)
    grant = grant_list_received(user).filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(_("Consent not found."))
    return grant


def access_log_own(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[DataAccess]:
    """Who read the enterprise's data, when, which scope, under which grant, via page or API.

    Filters: ``institution`` (an id) and ``scope``. Newest first; the page paginates.
    """
    enterprise = _own_enterprise(user)
    f = filters or {}
    errors = FieldErrors()
    scope = errors.choice("scope", f.get("scope"), Scope, required=False)
    institution = f.get("institution")
    institution_id = None
    if institution not in (None, ""):
        text = str(institution).strip()
        if text.isascii() and text.isdigit():
            institution_id = int(text)
        else:
            errors.add("institution", _("Choose one of the institutions listed."))
    errors.raise_if_any()
    qs = DataAccess.objects.filter(enterprise=enterprise).select_related(
        "user", "institution__organisation", "grant"
    )
    if scope:
        qs = qs.filter(scope=scope)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("-at", "-pk")


def access_log_institutions_own(user: Any) -> QuerySet[Institution]:
    """The institutions the enterprise has given a consent to (the access log's filter)."""
    enterprise = _own_enterprise(user)
    return (
        Institution.objects.select_related("organisation")
        .filter(consents__enterprise=enterprise, consents__granted_at__isnull=False)
        .distinct()
        .order_by("pk")
    )


def institutions_to_grant(user: Any) -> QuerySet[Institution]:
    """The institutions an enterprise may grant to: every verified one."""
    _own_enterprise(user)
    return (
        Institution.objects.select_related("organisation")
        .filter(organisation__status=OrganisationStatus.VERIFIED)
        .order_by("organisation__name_en", "pk")
    )


# --------------------------------------------------------------------------- the institution's side


@dataclass(frozen=True)
class SharedEnterprise:
    """An enterprise that shares something with the reader's institution now."""

    enterprise: Enterprise
    scopes: list[str]
    grants: list[ConsentGrant]

    @property
    def until(self) -> date | None:
        """The latest end date of its live grants (None: one runs for the life of a deal)."""
        dates = [g.valid_until for g in self.grants]
        return None if any(d is None for d in dates) else max(d for d in dates if d is not None)


def shared_enterprises_for(user: Any) -> list[SharedEnterprise]:
    """For an institution's member: each enterprise with a live grant to the institution, and
    the scopes live now (the union of its live grants)."""
    institution = _own_institution(user)
    if institution is None:
        return []
    grants = (
        ConsentGrant.objects.select_related("enterprise__organisation")
        .filter(live_q(), institution=institution)
        .order_by("enterprise_id", "-granted_at", "-pk")
    )
    by_enterprise: dict[int, SharedEnterprise] = {}
    for grant in grants:
        entry = by_enterprise.setdefault(
            grant.enterprise_id, SharedEnterprise(grant.enterprise, [], [])
        )
        entry.grants.append(grant)
        for scope in grant.scopes or []:
            if scope not in entry.scopes:
                entry.scopes.append(scope)
    order = list(Scope.values)
    for entry in by_enterprise.values():
        entry.scopes.sort(key=lambda s: order.index(s) if s in order else len(order))
    return sorted(
        by_enterprise.values(), key=lambda e: e.enterprise.organisation.display_name().lower()
    )


def shared_enterprise_for(user: Any, enterprise_id: int) -> SharedEnterprise:
    """One enterprise sharing something with the reader's institution now, or NotFound.

    Reads nothing private (the page then reads each scope through ``shared_*_for``).
    """
    for entry in shared_enterprises_for(user):
        if entry.enterprise.pk == enterprise_id:
            return entry
    raise NotFound(NO_LIVE_CONSENT)


def require_shared_reader(user: Any) -> None:
    """Only institutions' members read shared data: 401 for anonymous users, 403 for other roles."""
    require_signed_in(user)
    org = user.organisation
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        raise PermissionDenied(_("Your role cannot do this."))


def require_live_grant(user: Any, enterprise: Enterprise, scope: str) -> ConsentGrant:
    """The live grant under which this user's institution may read ``scope`` of ``enterprise``.

    For the documents app, which logs each read itself with ``services.access_record`` (one
    row per document). NotFound for an institution without one; PermissionDenied otherwise.
    """
    require_shared_reader(user)
    institution = _own_institution(user)
    grant = (
        None
        if institution is None
        else live_grant(institution=institution, enterprise=enterprise, scope=scope)
    )
    if grant is None:
        raise NotFound(NO_LIVE_CONSENT)
    return grant


def _read(
    user: Any, enterprise_id: int, scope: str, *, via: str, reference: str = ""
) -> tuple[Enterprise, ConsentGrant]:
    """Check a live grant for the scope and log the read; the enterprise and the grant."""
    require_shared_reader(user)
    enterprise = Enterprise.objects.select_related("organisation").filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(NO_LIVE_CONSENT)
    grant = require_live_grant(user, enterprise, scope)
    access_record(grant=grant, user=user, scope=scope, reference=reference, via=via)
    return enterprise, grant


@dataclass(frozen=True)
class SharedOwner:
    name: str
    share_percent: Decimal
    nationality: str


@dataclass(frozen=True)
class SharedCertification:
    kind: str
    kind_label: str
    number: str
    issued_on: date
    expires_on: date | None


@dataclass(frozen=True)
class SharedProfile:
    """The private profile an enterprise shares under the "profile" scope."""

    enterprise_id: int
    grant_id: int
    display_name: str
    jurisdiction: str
    registration_number: str
    founding_date: date
    employees: int
    tech_staff: int
    sector: str
    stage: str
    description: str
    ip: dict[str, int]
    owners: list[SharedOwner] = field(default_factory=list)
    certifications: list[SharedCertification] = field(default_factory=list)


IP_FIELDS = (
    "invention_patents",
    "utility_models",
    "designs",
    "software_copyrights",
    "other_class_i",
    "other_class_ii",
)


def shared_profile_for(user: Any, enterprise_id: int, *, via: str = "page") -> SharedProfile:
    """Registration number, founding date, exact headcount, IP, beneficial owners and every
    certification (numbers, dates): under a live "profile" grant, logged."""
    enterprise, grant = _read(user, enterprise_id, Scope.PROFILE, via=via)
    org = enterprise.organisation
    return SharedProfile(
        enterprise_id=enterprise.pk,
        grant_id=grant.pk,
        display_name=org.display_name(),
        jurisdiction=org.jurisdiction,
        registration_number=enterprise.registration_number,
        founding_date=enterprise.founding_date,
        employees=enterprise.employees,
        tech_staff=enterprise.tech_staff,
        sector=enterprise.sector,
        stage=enterprise.stage,
        description=enterprise.description,
        ip={name: getattr(enterprise, name) for name in IP_FIELDS},
        owners=[
            SharedOwner(o.name, o.share_percent, o.nationality)
            for o in enterprise.beneficial_owners.order_by("-share_percent", "pk")
        ],
        certifications=[
            SharedCertification(c.kind, c.get_kind_display(), c.number, c.issued_on, c.expires_on)
            for c in enterprise.certifications.order_by("-issued_on", "pk")
        ],
    )


@dataclass(frozen=True)
class SharedStatements:
    enterprise_id: int
    grant_id: int
    statements: list[FinancialStatement]


def shared_statements_for(user: Any, enterprise_id: int, *, via: str = "page") -> SharedStatements:
    """The yearly financial statements, newest first: under a live "statements" grant, logged."""
    enterprise, grant = _read(user, enterprise_id, Scope.STATEMENTS, via=via)
    return SharedStatements(enterprise.pk, grant.pk, list(enterprise.statements.order_by("-year")))


@dataclass(frozen=True)
class SharedEvaluation:
    enterprise_id: int
    grant_id: int
    # One per rule set: {"evaluation": the stored row, "result": explained in the reader's language}.
    results: list[dict[str, Any]]


def shared_evaluation_for(user: Any, enterprise_id: int, *, via: str = "page") -> SharedEvaluation:
    """The latest sci-tech evaluation of each rule set, with its reasons in the reader's
    language: under a live "evaluation" grant, logged."""
    enterprise, grant = _read(user, enterprise_id, Scope.EVALUATION, via=via)
    rows = latest_evaluations(enterprise)
    return SharedEvaluation(
        enterprise.pk,
        grant.pk,
        [{"evaluation": row, "result": explained(result_of(row))} for row in rows.values()],
    )


@dataclass(frozen=True)
class SharedCredit:
    enterprise_id: int
    grant_id: int
    computed: bool
    message: str
    score: int | None = None  # the scorecard's points, rounded (None for a challenger or no score)
    reasons: list[str] = field(default_factory=list)  # the reasons' labels, most costly first
    view: ScoreView | None = None


def shared_credit_for(user: Any, enterprise_id: int, *, via: str = "page") -> SharedCredit:
    """The enterprise's credit score (on its reference loan) and its reasons: under a live
    "credit" grant, logged. ``computed`` is False when no score was stored yet or the latest
    one was refused (the message says which)."""
    enterprise, grant = _read(user, enterprise_id, Scope.CREDIT, via=via)
    view = score_view_of(enterprise)
    if view is None:
        return SharedCredit(enterprise.pk, grant.pk, computed=False,
                            message=gettext("No credit score has been computed yet."))
    if not view.scored:
        return SharedCredit(enterprise.pk, grant.pk, computed=False, view=view,
                            message=gettext("The enterprise cannot be scored yet: %(fields)s.")
                            % {"fields": ", ".join(label for _name, label in view.missing)})
    return SharedCredit(
        enterprise.pk, grant.pk, computed=True, view=view,
        message=gettext("Grade %(grade)s: an estimated %(pd)s probability of default.")
        % {"grade": view.grade, "pd": format_percent(view.pd)},
        score=int(round(view.points)) if view.points is not None else None,
        reasons=[r.label for r in view.reasons],
    )


SHARED_READERS = {
    Scope.PROFILE: shared_profile_for,
    Scope.STATEMENTS: shared_statements_for,
    Scope.EVALUATION: shared_evaluation_for,
    Scope.CREDIT: shared_credit_for,
}
