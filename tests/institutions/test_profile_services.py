"""Institution profile and association services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bayfin.common.errors import NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.institutions import services
from bayfin.institutions.models import Association

pytestmark = pytest.mark.django_db


def test_member_updates_names_jurisdiction_and_profile(institution, institution_user):
    services.institution_update_profile(actor=institution_user, institution_id=institution.pk, data={
        "name_en": "Macao Tech Bank", "name_pt": "Banco Tecnológico de Macau", "jurisdiction": "hengqin",
        "kind": "venture_capital", "licence_number": "AMCM-1", "aum_amount": "1234.50",
        "aum_currency": "HKD", "description": "Investimos em tecnologia.",
    })
    institution.refresh_from_db()
    org = institution.organisation
    org.refresh_from_db()
    assert org.name_en == "Macao Tech Bank" and org.name_pt.startswith("Banco")
    assert org.jurisdiction == "hengqin"
    assert institution.kind == "venture_capital"
    assert institution.aum_amount == Decimal("1234.50") and institution.aum_currency == "HKD"
    event = AuditEvent.objects.get(action="institution.profile_updated")
    assert event.new["name_en"] == "Macao Tech Bank" and event.new["aum_currency"] == "HKD"
    assert "licence_number" in event.old


def test_pending_institution_can_edit_its_profile(pending_institution, pending_institution_user):
    services.institution_update_profile(actor=pending_institution_user,
                                        institution_id=pending_institution.pk,
                                        data={"description": "Waiting for verification."})
    pending_institution.refresh_from_db()
    assert pending_institution.description == "Waiting for verification."


@pytest.mark.parametrize("data, field", [
    ({"aum_amount": "0", "aum_currency": "MOP"}, "aum_amount"),
    ({"aum_amount": "1.001", "aum_currency": "MOP"}, "aum_amount"),
    ({"aum_amount": "10000000000000", "aum_currency": "MOP"}, "aum_amount"),
    ({"aum_currency": "XAU"}, "aum_currency"),
    ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ({"kind": "pawn_shop"}, "kind"),
    ({"name_en": "", "name_zh_hans": "", "name_zh_hant": "", "name_pt": ""}, "name_en"),
])
def test_bad_profile_input_saves_nothing(institution, institution_user, data, field):
    before = (institution.organisation.name_en, institution.aum_amount, institution.kind)
    with pytest.raises(ValidationFailed) as exc:
        services.institution_update_profile(actor=institution_user, institution_id=institution.pk,
                                            data={"description": "changed", **data})
    assert field in exc.value.fields
    institution.refresh_from_db()
    institution.organisation.refresh_from_db()
    assert (institution.organisation.name_en, institution.aum_amount, institution.kind) == before
    assert institution.description != "changed"
    assert not AuditEvent.objects.filter(action="institution.profile_updated").exists()


def test_other_institution_profile_is_not_found(institution_user, other_institution):
    with pytest.raises(NotFound):
        services.institution_update_profile(actor=institution_user, institution_id=other_institution.pk,
                                            data={"description": "hijack"})


def test_enterprise_cannot_edit_an_institution_profile(enterprise_user, institution):
    with pytest.raises(PermissionDenied):
        services.institution_update_profile(actor=enterprise_user, institution_id=institution.pk,
                                            data={"description": "hijack"})


def test_operator_creates_associations_and_sets_memberships(operator_user, institution):
    mvca = services.association_create(actor=operator_user, name="Macao Venture Capital Association")
    other = services.association_create(actor=operator_user, name="Hengqin Fintech Alliance")
    with pytest.raises(ValidationFailed) as exc:
        services.association_create(actor=operator_user, name="macao venture capital association")
    assert "name" in exc.value.fields
    services.institution_set_associations(actor=operator_user, institution_id=institution.pk,
                                          association_ids=[mvca.pk, other.pk])
    assert set(institution.associations.all()) == {mvca, other}
    services.institution_set_associations(actor=operator_user, institution_id=institution.pk,
                                          association_ids=[other.pk])
    assert list(institution.associations.all()) == [other]
    assert AuditEvent.objects.filter(action="association.created").count() == 2
    assert AuditEvent.objects.filter(action="institution.associations_set").count() == 2


def test_unknown_association_is_refused_and_nothing_changes(operator_user, institution):
    mvca = Association.objects.create(name="MVCA")
    with pytest.raises(ValidationFailed) as exc:
        services.institution_set_associations(actor=operator_user, institution_id=institution.pk,
                                              association_ids=[mvca.pk, 999999])
    assert "association_ids" in exc.value.fields
    assert not institution.associations.exists()


@pytest.mark.parametrize("who", ["institution_user", "enterprise_user", "observer_user"])
def test_only_operators_manage_associations(request, who, institution):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.association_create(actor=user, name="Self-declared club")
    with pytest.raises(PermissionDenied):
        services.institution_set_associations(actor=user, institution_id=institution.pk, association_ids=[])
    assert not Association.objects.exists()


def test_a_profile_save_that_changes_nothing_writes_no_audit_event(institution, institution_user):
    services.institution_update_profile(actor=institution_user, institution_id=institution.pk,
                                        data={"licence_number": institution.licence_number})
    assert not AuditEvent.objects.filter(action="institution.profile_updated").exists()
