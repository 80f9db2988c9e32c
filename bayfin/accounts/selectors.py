"""Reads about users and organisations, and the role checks every app uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied
from bayfin.common.models import AuditEvent

from .models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from .tokens import lookup_hash

ALL_KINDS = tuple(k.value for k in OrganisationKind)


def organisation_of(user: Any) -> Organisation | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organisation  # type: ignore[no-any-return]


def require_signed_in(user: Any) -> Any:
    """The user if signed in; otherwise NotAuthenticated (401 in the API, sign-in page on pages)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated(_("Sign in to continue."))
    return user


def require_member(user: Any, *kinds: str, verified: bool = False) -> Organisation:
    """The user's organisation if it is one of ``kinds``; otherwise a clear refusal.

    ``verified=True`` also refuses pending and rejected organisations (they may edit
    their profile but not post requests or products, nor act on others).
    """
    org = require_signed_in(user).organisation
    if org is None or org.kind not in kinds:
        raise PermissionDenied(_("Your role cannot do this."))
    if verified and org.status != OrganisationStatus.VERIFIED:
        raise PermissionDenied(
            _("Your organisation must be verified by the platform operator first."),
            code="organisation_not_verified",
        )
    return org


def require_operator(user: Any) -> Organisation:
    return require_member(user, OrganisationKind.OPERATOR)


def is_operator(user: Any) -> bool:
    org = organisation_of(user)
    return org is not None and org.kind == OrganisationKind.OPERATOR


# ---------------------------------------------------------------------------------------
# Organisations (operator console)

ORGANISATION_FILTERS = ("kind", "status", "jurisdiction", "q")


def organisation_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Organisation]:
    """Every organisation, for operators only (pending ones are invisible to everyone else)."""
    require_operator(user)
    filters = filters or {}
    qs = Organisation.objects.all().order_by("-created_at", "-id")
    for field in ("kind", "status", "jurisdiction"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    return _matching(qs, filters.get("q"))


def _matching(qs: QuerySet[Organisation], text: Any) -> QuerySet[Organisation]:
    """Organisations whose name (any language) or registration/licence number contains text."""
    q = (text or "").strip()
    if not q:
        return qs
    cond = Q(enterprise__registration_number__icontains=q) | Q(institution__licence_number__icontains=q)
    for name in Organisation.NAME_FIELDS:
        cond |= Q(**{f"{name}__icontains": q})
    return qs.filter(cond)


def verification_queue_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Organisation]:
    """Pending organisations, oldest first, with what KYC needs (incl. beneficial owners).

    Filters: ``kind`` and ``q`` (a name in any language, or a registration or licence number).
    """
    require_operator(user)
    filters = filters or {}
    qs = Organisation.objects.filter(status=OrganisationStatus.PENDING)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return (
        _matching(qs, filters.get("q"))
        .select_related("enterprise", "institution")
        .prefetch_related("enterprise__beneficial_owners", "memberships__user")
        .order_by("created_at", "id")
    )


def organisation_get_for(user: Any, organisation_id: int) -> Organisation:
    """Operators read any organisation; members only their own; anything else is NotFound."""
    require_signed_in(user)
    qs = Organisation.objects.select_related("enterprise", "institution")
    if not is_operator(user):
        own = organisation_of(user)
        qs = qs.filter(pk=own.pk if own else -1)
    org = qs.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(_("Organisation not found."))
    return org


def beneficial_owners_for(user: Any, organisation: Organisation) -> list[Any]:
    """Beneficial owners for KYC: operators, and the enterprise itself."""
    own = organisation_of(user)
    if not (is_operator(user) or (own is not None and own.pk == organisation.pk)):
        return []
    enterprise = getattr(organisation, "enterprise", None) if organisation.kind == OrganisationKind.ENTERPRISE else None
    if enterprise is None:
        return []
    return list(enterprise.beneficial_owners.all())


# ---------------------------------------------------------------------------------------
# Team


def membership_list_for(user: Any, organisation: Organisation | None = None) -> QuerySet[Membership]:
    """Members of the user's organisation, admins first; operators may name any organisation.

    Anyone else naming an organisation not their own gets NotFound.
    """
    own = require_member(user, *ALL_KINDS)
    if organisation is not None and organisation.pk != own.pk and not is_operator(user):
        raise NotFound(_("Organisation not found."))
    return (
        Membership.objects.filter(organisation=organisation or own)
        .select_related("user").order_by("-is_admin", "user__email")
    )


def invitation_list_for(user: Any) -> QuerySet[Invitation]:
    """The organisation's pending invitations (not used, withdrawn or expired)."""
    org = require_member(user, *ALL_KINDS)
    return (
        Invitation.objects.usable(timezone.now()).filter(organisation=org)
        .select_related("invited_by").order_by("-created_at")
    )


def invitation_by_token(raw_token: str) -> Invitation | None:
    """The invitation behind a raw token (for the anonymous accept page), or None."""
    token_hash = lookup_hash(raw_token)
    if token_hash is None:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=token_hash).first()


# ---------------------------------------------------------------------------------------
# API tokens


def api_token_list_for(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=require_signed_in(user), revoked_at__isnull=True).order_by("-created_at", "-id")


# ---------------------------------------------------------------------------------------
# Audit log (operators)

AUDIT_FILTERS = ("action", "subject_type", "actor", "organisation", "date_from", "date_to")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def audit_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[AuditEvent]:
    require_operator(user)
    filters = filters or {}
    qs = AuditEvent.objects.select_related("organisation").order_by("-at", "-id")
    if filters.get("action"):
        qs = qs.filter(action__icontains=str(filters["action"]).strip())
    if filters.get("subject_type"):
        qs = qs.filter(subject_type=str(filters["subject_type"]).strip())
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=str(filters["actor"]).strip())
    organisation = filters.get("organisation")
    if organisation not in (None, ""):
        try:
            qs = qs.filter(organisation_id=int(organisation))
        except (TypeError, ValueError):
            qs = qs.none()
    date_from, date_to = _as_date(filters.get("date_from")), _as_date(filters.get("date_to"))
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def audit_subject_types() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("subject_type", flat=True).distinct())
