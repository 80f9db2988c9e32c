"""Builders for the matching tests: a Hengqin bank and its products, an enterprise and its request,
the private data a product can require (statements, credit grade, evaluations) and consents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bayfin.common.vocab import InstitutionKind, Jurisdiction
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.evaluation.models import Evaluation
from bayfin.matching import services
from bayfin.matching.models import Match, MatchKind
from bayfin.scoring.models import CreditScore, ModelVersion, ScoreKind, ScoreStatus
from tests.factories import (
    FinancialStatementFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)


def bank(jurisdiction: str = Jurisdiction.HENGQIN, kind: str = InstitutionKind.COMMERCIAL_BANK, **kw: Any) -> Any:
    """A Mainland bank by default: its renminbi loans reach a Hengqin enterprise through the domestic
    channel, with no cross-border limit."""
    return InstitutionFactory(organisation__jurisdiction=jurisdiction, kind=kind, **kw)


def product(institution: Any = None, **kw: Any) -> Any:
    return ProductFactory(institution=institution or bank(), **kw)


def request(**kw: Any) -> Any:
    return FinancingRequestFactory(**kw)


def listed(req: Any) -> list[int]:
    """The product ids stored for a request, best first."""
    return list(Match.objects.filter(kind=MatchKind.REQUEST, request=req).order_by("rank")
                .values_list("product_id", flat=True))


def recommended(enterprise: Any) -> list[int]:
    return list(Match.objects.filter(kind=MatchKind.ENTERPRISE, enterprise=enterprise).order_by("rank")
                .values_list("product_id", flat=True))


def refresh(req: Any) -> list[int]:
    services.request_matches_refresh(request_id=req.pk)
    return listed(req)


def stored(req: Any, product_id: int) -> Match:
    return Match.objects.get(kind=MatchKind.REQUEST, request=req, product_id=product_id)


def codes(match: Match) -> list[str]:
    return [r["code"] for r in match.reasons]


def grade(enterprise: Any, value: str) -> CreditScore:
    """A current credit score of the enterprise with this grade (by the champion model)."""
    CreditScore.objects.filter(enterprise=enterprise, kind=ScoreKind.ENTERPRISE).update(is_current=False)
    return CreditScore.objects.create(
        enterprise=enterprise, kind=ScoreKind.ENTERPRISE, status=ScoreStatus.SCORED,
        model_version=ModelVersion.objects.order_by("pk").first(), pd=Decimal("0.01"), grade=value,
        trigger="test")


def evaluated(enterprise: Any, rule_set: str, status: str) -> Evaluation:
    return Evaluation.objects.create(enterprise=enterprise, rule_set=rule_set, version="test",
                                     as_of=timezone.localdate(), status=status, inputs={}, result={},
                                     trigger="test")


def revenue(enterprise: Any, amount: str, currency: str = "CNY", year: int = 2025) -> Any:
    return FinancialStatementFactory(enterprise=enterprise, year=year, currency=currency, revenue=Decimal(amount),
                                     total_assets=Decimal("900000000.00"), total_liabilities=Decimal("1000000.00"))


def consent(enterprise: Any, institution: Any, *scopes: str, status: str = GrantStatus.ACTIVE,
            valid_until: dt.date | None = None) -> ConsentGrant:
    return ConsentGrant.objects.create(
        enterprise=enterprise, institution=institution, scopes=list(scopes), purpose="Assessing a loan.",
        valid_until=valid_until or timezone.localdate() + dt.timedelta(days=90), status=status,
        granted_at=timezone.now())
