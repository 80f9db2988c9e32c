"""Fixtures of the institutions tests: pending institutions and valid product data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bayfin.accounts.models import OrganisationStatus, User
from tests.conftest import member_of
from tests.factories import InstitutionFactory


@pytest.fixture
def pending_institution(db: Any) -> Any:
    return InstitutionFactory(organisation__status=OrganisationStatus.PENDING,
                              organisation__verified_at=None)


@pytest.fixture
def pending_institution_user(pending_institution: Any) -> User:
    return member_of(pending_institution.organisation)


def product_data(**overrides: Any) -> dict[str, Any]:
    """A valid product, as the API takes it (strings for amounts)."""
    today = timezone.localdate()
    data: dict[str, Any] = {
        "name": "Hengqin tech credit",
        "instrument": "credit_loan",
        "sectors": ["integrated_circuits", "ai_big_data"],
        "stages": ["series_a"],
        "jurisdictions": ["hengqin", "macao"],
        "currencies": ["CNY", "MOP"],
        "ticket_currency": "CNY",
        "ticket_min": "1000000.00",
        "ticket_max": "20000000.00",
        "term_min_months": 12,
        "term_max_months": 36,
        "rate_min_percent": "3.450",
        "rate_max_percent": "4.8",
        "pricing_note": "LPR + 50bp",
        "min_years_operating": 2,
        "min_revenue_amount": "5000000",
        "min_revenue_currency": "CNY",
        "required_certifications": ["hnte"],
        "cross_border": True,
        "active_from": (today - dt.timedelta(days=30)).isoformat(),
        "active_until": (today + dt.timedelta(days=365)).isoformat(),
        "thesis": "支持横琴的芯片设计企业。Working capital for chip designers.",
    }
    data.update(overrides)
    return data
