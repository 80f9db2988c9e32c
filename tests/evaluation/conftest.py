"""Shared data for the evaluation page and API tests: three complete years of statements
that make an enterprise a sci-tech SME on its score, the clean declarations, and two
programme rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from bayfin.enterprises import services as enterprise_services
from bayfin.evaluation import services

TODAY = timezone.localdate()
YEARS = (TODAY.year - 3, TODAY.year - 2, TODAY.year - 1)
STATEMENT = {"currency": "CNY", "revenue": "38000000.00", "rd_expense": "3100000.00", "total_costs": "33000000.00",
             "net_profit": "2400000.00", "total_assets": "52000000.00", "total_liabilities": "21000000.00",
             "operating_cash_flow": "1800000.00"}
CLEAN = {"restricted_industry": "no", "serious_incident": "no", "on_credit_blacklist": "no"}
RULE_QUALIFIED = {"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]}
RULE_BIG = {">=": [{"var": "enterprise.employees"}, 1000]}


def add_statements(user: Any, enterprise: Any, **overrides: str) -> None:
    for year in YEARS:
        enterprise_services.statement_save(actor=user, enterprise_id=enterprise.pk, year=year,
                                           data={**STATEMENT, **overrides})


@pytest.fixture
def qualified(enterprise: Any, enterprise_user: Any) -> Any:
    """Three years of statements and the conditions declared: a sci-tech SME on its score (100)."""
    add_statements(enterprise_user, enterprise)
    services.declarations_save(actor=enterprise_user, data=CLEAN)
    return enterprise
