"""Platform statistics: aggregate counts only, never an enterprise's private data.

Operators and observers read them; a later issue adds dashboards and exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

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
    verified = Q(status=OrganisationStatus.VERIFIED)
    orgs = Organisation.objects.aggregate(
        institutions_verified=Count("id", filter=verified & Q(kind=OrganisationKind.INSTITUTION)),
        pending=Count("id", filter=Q(status=OrganisationStatus.PENDING)),
    )
    by_status = dict(FinancingRequest.objects.values_list("status").annotate(n=Count("id")).order_by())
    by_stage = dict(Deal.objects.values_list("stage").annotate(n=Count("id")).order_by())
    by_jurisdiction = dict(
        Organisation.objects.filter(verified, kind=OrganisationKind.ENTERPRISE)
        .values_list("jurisdiction").annotate(n=Count("id")).order_by()
    )
    demand = dict(
        FinancingRequest.objects.filter(status__in=REQUEST_VISIBLE_STATUSES)
        .values_list("currency").annotate(total=Sum("amount")).order_by()
    )
    return PlatformSummary(
        enterprises_verified=sum(by_jurisdiction.values()),
        institutions_verified=orgs["institutions_verified"],
        organisations_pending=orgs["pending"],
        requests_by_status=[(str(c.label), by_status.get(c.value, 0)) for c in RequestStatus],
        deals_by_stage=[(str(c.label), by_stage.get(c.value, 0)) for c in DealStage],
        enterprises_by_jurisdiction=by_jurisdiction,
        open_demand_by_currency=demand,
    )
