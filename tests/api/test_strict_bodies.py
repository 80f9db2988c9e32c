"""A misspelt field in a request body is refused with 422 naming it, never silently ignored."""

import json

import pytest

from bayfin.institutions.models import Institution


@pytest.mark.django_db
def test_unknown_field_in_an_institution_patch_is_refused(institution_user, api_for):
    api = api_for(institution_user)
    response = api.patch("/api/v1/institutions/me", json.dumps({"licence_numbr": "X-1"}),
                         content_type="application/json")
    assert response.status_code == 422
    assert "licence_numbr" in response.json()["fields"]
    assert Institution.objects.get(pk=institution_user.organisation.institution.pk).licence_number != "X-1"


@pytest.mark.django_db
def test_unknown_field_in_a_financing_request_is_refused(enterprise_user, api_for):
    response = api_for(enterprise_user).post(
        "/api/v1/financing/requests",
        json.dumps({"title": "Loan", "amount": "1000.00", "currency": "CNY", "instruments": ["credit_loan"],
                    "purpose": "Working capital", "deadline": "2099-01-01", "amuont": "5"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "amuont" in response.json()["fields"]
