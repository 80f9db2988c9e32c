"""Who sees what: the public profile for signed-in users, private data for the owner (and operators)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bayfin.common.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from bayfin.enterprises import selectors
from bayfin.enterprises.selectors import PublicProfile

from ..factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
)

PUBLIC_FIELDS = {"id", "names", "display_name", "jurisdiction", "sector", "sector_family", "stage",
                 "description", "founding_year", "employee_band", "certifications", "badges"}


def test_enterprise_of_and_get_own(enterprise, enterprise_user, institution_user):
    assert selectors.enterprise_of(enterprise_user) == enterprise
    assert selectors.enterprise_of(institution_user) is None
    assert selectors.enterprise_of(None) is None
    assert selectors.enterprise_get_own(enterprise_user) == enterprise
    with pytest.raises(PermissionDenied):
        selectors.enterprise_get_own(institution_user)


def test_public_profile_holds_only_public_fields(enterprise, institution_user):
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=dt.date(2023, 12, 1), published=True)
    CertificationFactory(enterprise=enterprise, kind="srdi", issued_on=dt.date(2024, 5, 1), published=False)
    profile = selectors.enterprise_public_get_for(institution_user, enterprise.pk)
    assert isinstance(profile, PublicProfile)
    assert {f.name for f in dataclasses.fields(profile)} == PUBLIC_FIELDS
    assert profile.founding_year == 2018 and profile.employee_band == "50-99"
    assert profile.sector_family == "information_technology"
    assert [(c.kind, c.year) for c in profile.certifications] == [("hnte", 2023)]
    assert not hasattr(profile, "registration_number") and not hasattr(profile, "employees")


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "other_enterprise_user"])
def test_pending_and_rejected_enterprises_are_invisible_to_others(request, pending_enterprise, enterprise, role):
    user = request.getfixturevalue(role)
    rejected = EnterpriseFactory(organisation__status="rejected")
    ids = [p.id for p in selectors.enterprise_public_list_for(user, {})]
    assert enterprise.pk in ids and pending_enterprise.pk not in ids and rejected.pk not in ids
    for hidden in (pending_enterprise, rejected):
        with pytest.raises(NotFound):
            selectors.enterprise_public_get_for(user, hidden.pk)


def test_pending_enterprise_previews_its_own_public_profile(pending_enterprise, pending_enterprise_user):
    assert selectors.enterprise_public_get_for(pending_enterprise_user, pending_enterprise.pk).id == \
        pending_enterprise.pk


def test_public_list_filters(enterprise, institution_user):
    other = EnterpriseFactory(sector="biomedicine", stage="seed", organisation__jurisdiction="macao",
                              registration_number="54321")
    assert [p.id for p in selectors.enterprise_public_list_for(institution_user, {"sector": "biomedicine"})] == \
        [other.pk]
    assert [p.id for p in selectors.enterprise_public_list_for(institution_user, {"jurisdiction": "macao"})] == \
        [other.pk]
    assert [p.id for p in selectors.enterprise_public_list_for(institution_user, {"stage": "series_a"})] == \
        [enterprise.pk]
    family = selectors.enterprise_public_list_for(institution_user, {"sector_family": "life_sciences"})
    assert [p.id for p in family] == [other.pk]
    assert selectors.enterprise_public_list_for(institution_user, {}).count() == 2
    with pytest.raises(ValidationFailed) as info:
        selectors.enterprise_public_list_for(institution_user, {"jurisdiction": "atlantis"})
    assert "jurisdiction" in info.value.fields


def test_public_profiles_need_a_signed_in_user(enterprise):
    with pytest.raises(NotAuthenticated):
        selectors.enterprise_public_list_for(None, {})


def test_private_data_for_the_owner_and_operators_only(enterprise, enterprise_user, operator_user,
                                                      institution_user, observer_user, other_enterprise_user):
    BeneficialOwnerFactory(enterprise=enterprise)
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    for user in (enterprise_user, operator_user):
        assert selectors.owners_list_for(user, enterprise.pk).count() == 1
        assert selectors.statements_list_for(user, enterprise.pk).count() == 1
        assert selectors.enterprise_private_get_for(user, enterprise.pk) == enterprise
    for user in (institution_user, observer_user, other_enterprise_user):
        for read in (selectors.owners_list_for, selectors.statements_list_for, selectors.certifications_list_for,
                     selectors.enterprise_private_get_for):
            with pytest.raises(NotFound):
                read(user, enterprise.pk)
        with pytest.raises(NotFound):
            selectors.statement_get_for(user, enterprise.pk, 2024)
