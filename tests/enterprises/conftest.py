"""Fixtures for the enterprises tests."""

from __future__ import annotations

from typing import Any

import pytest

from bayfin.accounts.models import Organisation

from ..factories import valid_uscc


def profile_data(enterprise: Any, **overrides: Any) -> dict[str, Any]:
    """A complete, valid profile edit for the enterprise, with some fields replaced."""
    org: Organisation = enterprise.organisation
    data: dict[str, Any] = {
        "name_zh_hans": org.name_zh_hans, "name_zh_hant": "", "name_en": org.name_en, "name_pt": "",
        "jurisdiction": org.jurisdiction, "registration_number": enterprise.registration_number,
        "founding_date": enterprise.founding_date.isoformat(), "employees": 80, "tech_staff": 30,
        "sector": "ai_big_data", "stage": "series_b", "description": "Edge AI for ports.",
        "invention_patents": 4, "utility_models": 2, "designs": 1, "software_copyrights": 6,
        "other_class_i": 1, "other_class_ii": 0,
    }
    data.update(overrides)
    return data


def statement_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": "CNY", "revenue": "38000000.00", "rd_expense": "3100000.00",
        "total_costs": "33000000.00", "net_profit": "-240000.50", "total_assets": "52000000.00",
        "total_liabilities": "21000000.00", "operating_cash_flow": "1800000.00", "tax_credit_grade": "A",
    }
    data.update(overrides)
    return data


@pytest.fixture
def fresh_uscc() -> str:
    return valid_uscc(9_876_543)
