"""Platform statistics: aggregate counts only, never an enterprise's private data.

Operators and observers read them; a later issue adds dashboards and exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum

from bayfin.accounts.models import Organisation, OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member
from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import REQUEST_VISIBLE_STATUSES, DealStage, RequestStatus


@dataclass(frozen=True)
class PlatformSummary:
    enterprises_verified: int
    institutions_verified: int
    organisations_pending: int
    requests_by_status: list[tuple[str, int]]  # (label, count) in the state machine's order
    deals_by_stage: list[tuple[str, int]]
    enterprises_by_jurisdiction: dict[str, int]
    # Open demand per currency: amounts of different currencies are never added together.
    open_demand_by_currency: dict[str, Any] = field(default_factory=dict)


def platform_summary_for(user: Any) -> PlatformSummary:
    require_member(user, OrganisationKind.OPERATOR, OrganisationKind.OBSERVER)
    orgs = Organisation.objects.all()
    verified = orgs.filter(status=OrganisationStatus.VERIFIED)
    by_status = dict(FinancingRequest.objects.values_list("status").annotate(n=Count("id")).order_by())
    by_stage = dict(Deal.objects.values_list("stage").annotate(n=Count("id")).order_by())
    by_jurisdiction = dict(
        verified.filter(kind=OrganisationKind.ENTERPRISE).values_list("jurisdiction").annotate(n=Count("id")).order_by()
    )
    demand = dict(
        FinancingRequest.objects.filter(status__in=REQUEST_VISIBLE_STATUSES)
        .values_list("currency").annotate(total=Sum("amount")).order_by()
    )
    return PlatformSummary(
        enterprises_verified=verified.filter(kind=OrganisationKind.ENTERPRISE).count(),
        institutions_verified=verified.filter(kind=OrganisationKind.INSTITUTION).count(),
        organisations_pending=orgs.filter(status=OrganisationStatus.PENDING).count(),
        requests_by_status=[(str(c.label), by_status.get(c.value, 0)) for c in RequestStatus],
        deals_by_stage=[(str(c.label), by_stage.get(c.value, 0)) for c in DealStage],
        enterprises_by_jurisdiction=by_jurisdiction,
        open_demand_by_currency=demand,
    )
