"""Fixtures for the financing tests: requests in each state and deals on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import DealEventFactory, DealFactory, FinancingRequestFactory


def future(days: int = 60) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def valid_data() -> dict[str, Any]:
    return {
        "title": "Second-generation chip tape-out",
        "amount": "8000000.00",
        "currency": "CNY",
        "instruments": ["credit_loan", "equity"],
        "purpose": "Tape-out of our second-generation chip.",
        "use_of_funds": "Mask set and samples.",
        "term_months": 24,
        "deadline": future(),
    }


@pytest.fixture
def channels(db: Any) -> None:
    """The seeded cross-border channels: a deal naming a product needs one that carries its money."""
    from bayfin.fx.services import reference_data_seed

    reference_data_seed()


@pytest.fixture
def open_request(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN)


@pytest.fixture
def draft_request(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT, submitted_at=None)


@pytest.fixture
def deal(open_request: Any, institution: Any) -> Any:
    d = DealFactory(request=open_request, institution=institution, stage=DealStage.INTEREST)
    DealEventFactory(deal=d, from_stage="", to_stage=DealStage.INTEREST)
    return d
