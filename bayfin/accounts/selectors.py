"""Reads about users and organisations, and the role checks every app uses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from bayfin.common.errors import NotAuthenticated, PermissionDenied

from .models import Organisation, OrganisationKind, OrganisationStatus


def organisation_of(user: Any) -> Organisation | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organisation  # type: ignore[no-any-return]


def require_member(user: Any, *kinds: str, verified: bool = False) -> Organisation:
    """The user's organisation if it is one of ``kinds``; otherwise a clear refusal.

    ``verified=True`` also refuses pending and rejected organisations (they may edit
    their profile but not post requests or products, nor act on others).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated(_("Sign in to continue."))
    org = user.organisation
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
