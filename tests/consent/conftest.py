"""Fixtures for the consent tests: grants in each state, a Mainland institution, form data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
import pytest
from django.utils import timezone

from bayfin.common.vocab import MAINLAND_JURISDICTIONS, Jurisdiction
from bayfin.consent.models import ConsentGrant, GrantStatus, Scope
from tests.conftest import member_of
from tests.factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
    InstitutionFactory,
)


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


class ConsentGrantFactory(factory.django.DjangoModelFactory):
    """An active grant of every readable scope, for 90 days (to a Macao institution by default)."""

    class Meta:
        model = ConsentGrant

    enterprise = factory.SubFactory(EnterpriseFactory)
    institution = factory.SubFactory(InstitutionFactory)
    scopes = factory.LazyFunction(
        lambda: [
            Scope.PROFILE.value,
            Scope.STATEMENTS.value,
            Scope.EVALUATION.value,
            Scope.CREDIT.value,
        ]
    )
    purpose = "Assessing a credit line."
    valid_until = factory.LazyFunction(lambda: days(90))
    status = GrantStatus.ACTIVE
    recipient_jurisdiction = factory.LazyAttribute(
        lambda o: o.institution.organisation.jurisdiction
    )
    cross_border = factory.LazyAttribute(
        lambda o: o.recipient_jurisdiction not in MAINLAND_JURISDICTIONS
    )
    granted_at = factory.LazyFunction(timezone.now)


@pytest.fixture
def mainland_institution(db: Any) -> Any:
    return InstitutionFactory(
        organisation__jurisdiction=Jurisdiction.SHENZHEN, organisation__name_en="Shenzhen Tech Bank"
    )


@pytest.fixture
def mainland_institution_user(mainland_institution: Any) -> Any:
    return member_of(mainland_institution.organisation)


@pytest.fixture
def private_data(enterprise: Any) -> Any:
    """What only a consent may show another organisation: owners, certificate numbers, statements."""
    BeneficialOwnerFactory(enterprise=enterprise, name="Chan Tai Man")
    CertificationFactory(enterprise=enterprise, number="GR-SECRET-4471")
    FinancialStatementFactory(enterprise=enterprise, revenue="38123456.00")
    return enterprise


# Text that appears only in the private data above (and the exact registration number).
def secrets(enterprise: Any) -> list[str]:
    return [
        "Chan Tai Man",
        "GR-SECRET-4471",
        "38,123,456",
        "38123456",
        enterprise.registration_number,
    ]


@pytest.fixture
def grant(private_data: Any, institution: Any) -> ConsentGrant:
    return ConsentGrantFactory(enterprise=private_data, institution=institution)


@pytest.fixture
def grant_data(mainland_institution: Any) -> dict[str, Any]:
    return {
        "institution_id": mainland_institution.pk,
        "scopes": ["profile", "statements"],
        "purpose": "Assessing our request for a working-capital loan.",
        "valid_until": days(180).isoformat(),
    }
