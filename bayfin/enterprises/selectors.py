"""Reads about enterprises, scoped by who asks.

- The public profile (names, jurisdiction, sector, stage, description, founding year,
  employee band, published certifications) is for any signed-in user, of verified
  enterprises only; it is a ``PublicProfile`` so nothing private can leak through it.
- Private data (exact figures, IP, beneficial owners, certifications in full, financial
  statements) is for the enterprise's own members and, read-only for KYC, operators.
  Everyone else gets NotFound, so existence does not leak. Observers see no private data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import Organisation, OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import (
    is_operator,
    organisation_of,
    require_member,
    require_signed_in,
)
from bayfin.common.errors import NotFound
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import (
    Jurisdiction,
    Qualification,
    Sector,
    SectorFamily,
    Stage,
    employee_band,
    sector_family,
    sectors_in_family,
)

from .models import BeneficialOwner, Certification, Enterprise, FinancialStatement

# --- own enterprise ----------------------------------------------------------------


def enterprise_of(user: Any) -> Enterprise | None:
    """The user's own enterprise, or None (not signed in, another role, no profile yet)."""
    org = organisation_of(user)
    if org is None or org.kind != OrganisationKind.ENTERPRISE:
        return None
    return Enterprise.objects.select_related("organisation").filter(organisation=org).first()


def enterprise_get_own(user: Any) -> Enterprise:
    """The user's own enterprise; refuses other roles (403) and anonymous users (401)."""
    require_member(user, OrganisationKind.ENTERPRISE)
    enterprise = enterprise_of(user)
    if enterprise is None:
        raise NotFound(_("Your organisation has no enterprise profile."))
    return enterprise


# --- private data: own members and operators ---------------------------------------


def enterprise_private_get_for(user: Any, enterprise_id: int) -> Enterprise:
    """The full enterprise (exact figures, IP): its own members and operators only."""
    require_signed_in(user)
    queryset = Enterprise.objects.select_related("organisation")
    if not is_operator(user):
        org = organisation_of(user)
        if org is None or org.kind != OrganisationKind.ENTERPRISE:
            raise NotFound(_("Enterprise not found."))
        queryset = queryset.filter(organisation=org)
    enterprise = queryset.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("Enterprise not found."))
    return enterprise


def owners_list_for(user: Any, enterprise_id: int) -> QuerySet[BeneficialOwner]:
    return enterprise_private_get_for(user, enterprise_id).beneficial_owners.order_by("-share_percent", "pk")


def owner_get_for(user: Any, enterprise_id: int, owner_id: int) -> BeneficialOwner:
    owner = owners_list_for(user, enterprise_id).filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("Beneficial owner not found."))
    return owner


def certifications_list_for(user: Any, enterprise_id: int) -> QuerySet[Certification]:
    return enterprise_private_get_for(user, enterprise_id).certifications.order_by("-issued_on", "pk")


def certification_get_for(user: Any, enterprise_id: int, certification_id: int) -> Certification:
    certification = certifications_list_for(user, enterprise_id).filter(pk=certification_id).first()
    if certification is None:
        raise NotFound(_("Certification not found."))
    return certification


def statements_list_for(user: Any, enterprise_id: int) -> QuerySet[FinancialStatement]:
    return enterprise_private_get_for(user, enterprise_id).statements.order_by("-year")


def statement_get_for(user: Any, enterprise_id: int, year: int) -> FinancialStatement:
    statement = statements_list_for(user, enterprise_id).filter(year=year).first()
    if statement is None:
        raise NotFound(_("There is no statement for this year."))
    return statement


# --- public profile ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicCertification:
    kind: str
    year: int


@dataclass(frozen=True)
class PublicProfile:
    """What any signed-in user may see of an enterprise. Nothing else is copied in."""

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
    certifications: list[PublicCertification] = field(default_factory=list)
    # Qualifications the enterprise chose to publish and still meets (never scores).
    badges: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, enterprise: Enterprise) -> PublicProfile:
        org = enterprise.organisation
        certifications = [c for c in enterprise.certifications.all() if c.published]
        return cls(
            id=enterprise.pk,
            names={f: getattr(org, f) for f in Organisation.NAME_FIELDS},
            display_name=org.display_name(),
            jurisdiction=org.jurisdiction,
            sector=enterprise.sector,
            sector_family=sector_family(enterprise.sector),
            stage=enterprise.stage,
            description=enterprise.description,
            founding_year=enterprise.founding_date.year,
            employee_band=employee_band(enterprise.employees),
            certifications=[PublicCertification(kind=c.kind, year=c.issued_on.year)
                            for c in sorted(certifications, key=lambda c: (c.issued_on, c.pk))],
            badges=sorted(b.rule_set for b in enterprise.badges.all() if b.shown),
        )


class PublicProfiles:
    """A lazy, sliceable sequence of PublicProfile over a queryset (for paginators)."""

    def __init__(self, queryset: QuerySet[Enterprise]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> PublicProfile: ...

    @overload
    def __getitem__(self, index: slice) -> list[PublicProfile]: ...

    def __getitem__(self, index: int | slice) -> PublicProfile | list[PublicProfile]:
        if isinstance(index, slice):
            return [PublicProfile.of(e) for e in self.queryset[index]]
        return PublicProfile.of(self.queryset[index])

    def __iter__(self) -> Iterator[PublicProfile]:
        return (PublicProfile.of(e) for e in self.queryset)


def _public_queryset(user: Any) -> QuerySet[Enterprise]:
    require_signed_in(user)
    queryset = Enterprise.objects.select_related("organisation").prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.filter(published=True)), "badges"
    )
    if is_operator(user):
        return queryset
    visible = Q(organisation__status=OrganisationStatus.VERIFIED)
    own = organisation_of(user)
    if own is not None:
        visible |= Q(organisation=own)  # members preview their own profile while pending
    return queryset.filter(visible)


PUBLIC_FILTERS = ("sector", "sector_family", "jurisdiction", "stage", "badge")


def enterprise_public_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> PublicProfiles:
    """Public profiles of verified enterprises, filtered; bad filter values are a 422."""
    filters = filters or {}
    errors = FieldErrors()
    sector = errors.choice("sector", filters.get("sector"), Sector, required=False)
    family = errors.choice("sector_family", filters.get("sector_family"), SectorFamily, required=False)
    jurisdiction = errors.choice("jurisdiction", filters.get("jurisdiction"), Jurisdiction, required=False)
    stage = errors.choice("stage", filters.get("stage"), Stage, required=False)
    badge = errors.choice("badge", filters.get("badge"), Qualification, required=False)
    errors.raise_if_any()
    queryset = _public_queryset(user)
    if badge:
        queryset = queryset.filter(badges__rule_set=badge, badges__shown=True)
    if sector:
        queryset = queryset.filter(sector=sector)
    if family:
        queryset = queryset.filter(sector__in=sectors_in_family(family))
    if jurisdiction:
        queryset = queryset.filter(organisation__jurisdiction=jurisdiction)
    if stage:
        queryset = queryset.filter(stage=stage)
    return PublicProfiles(queryset.order_by("pk"))


def enterprise_public_get_for(user: Any, enterprise_id: int) -> PublicProfile:
    enterprise = _public_queryset(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("Enterprise not found."))
    return PublicProfile.of(enterprise)
