"""Enterprise services: each rule refuses with the field and saves nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bayfin.common.errors import NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.enterprises import services
from bayfin.enterprises.models import BeneficialOwner, Certification, FinancialStatement

from ..factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    FinancialStatementFactory,
    valid_uscc,
)
from .conftest import profile_data, statement_data


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        call(**kwargs)
    return {k: [str(m) for m in v] for k, v in info.value.fields.items()}


# --- profile -----------------------------------------------------------------------


def test_profile_update_saves_names_jurisdiction_and_profile_with_audit(enterprise, enterprise_user):
    data = profile_data(enterprise, name_pt="Empresa Exemplo", jurisdiction="macao",
                        registration_number="12345 SO")
    services.enterprise_update_profile(actor=enterprise_user, enterprise_id=enterprise.pk, data=data)
    enterprise.refresh_from_db()
    enterprise.organisation.refresh_from_db()
    assert enterprise.organisation.name_pt == "Empresa Exemplo"
    assert enterprise.organisation.jurisdiction == "macao"
    assert enterprise.registration_number == "12345 SO"
    assert (enterprise.employees, enterprise.tech_staff, enterprise.sector) == (80, 30, "ai_big_data")
    assert (enterprise.class_i_ip, enterprise.class_ii_ip) == (5, 9)
    event = AuditEvent.objects.get(action="enterprise.profile_updated")
    assert event.actor == enterprise_user
    assert event.old["jurisdiction"] == "hengqin" and event.new["jurisdiction"] == "macao"
    assert event.new["employees"] == 80 and "founding_date" not in event.new


def test_partial_update_keeps_the_other_fields(enterprise, enterprise_user):
    services.enterprise_update_profile(actor=enterprise_user, enterprise_id=enterprise.pk,
                                       data={"stage": "pre_ipo"})
    enterprise.refresh_from_db()
    assert enterprise.stage == "pre_ipo" and enterprise.employees == 60


def test_hong_kong_br_number_is_accepted(enterprise, enterprise_user):
    services.enterprise_update_profile(actor=enterprise_user, enterprise_id=enterprise.pk,
                                       data={"jurisdiction": "hong_kong", "registration_number": "1234-5678"})
    enterprise.refresh_from_db()
    assert enterprise.registration_number == "12345678"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"registration_number": valid_uscc(4242)[:-1] + ("0" if valid_uscc(4242)[-1] != "0" else "1")},
     "registration_number"),
    ({"jurisdiction": "macao", "registration_number": "ABC-123"}, "registration_number"),
    ({"jurisdiction": "macao", "registration_number": "1234567"}, "registration_number"),
    ({"jurisdiction": "hong_kong", "registration_number": "1234567"}, "registration_number"),
    ({"jurisdiction": "hong_kong", "registration_number": "12345678X"}, "registration_number"),
    ({"tech_staff": 81}, "tech_staff"),
    ({"founding_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "founding_date"),
    ({"name_zh_hans": "", "name_en": "", "name_zh_hant": " ", "name_pt": ""}, "name_en"),
    ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ({"sector": "mining"}, "sector"),
    ({"stage": "series_z"}, "stage"),
    ({"employees": -1}, "employees"),
    ({"invention_patents": "many"}, "invention_patents"),
])
def test_profile_refusals_name_the_field_and_save_nothing(enterprise, enterprise_user, overrides, field):
    before = (enterprise.registration_number, enterprise.employees, enterprise.organisation.name_en)
    data = profile_data(enterprise, **{"name_en": "Renamed Ltd", **overrides})
    errors = refused(services.enterprise_update_profile, actor=enterprise_user,
                     enterprise_id=enterprise.pk, data=data)
    assert field in errors
    enterprise.refresh_from_db()
    enterprise.organisation.refresh_from_db()
    assert (enterprise.registration_number, enterprise.employees, enterprise.organisation.name_en) == before
    assert not AuditEvent.objects.exists()


def test_uscc_wrong_check_character_has_a_clear_reason(enterprise, enterprise_user):
    good = valid_uscc(777)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    errors = refused(services.enterprise_update_profile, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"registration_number": bad})
    assert "check character" in errors["registration_number"][0]


def test_changing_jurisdiction_revalidates_the_registration_number(enterprise, enterprise_user):
    # The Mainland USCC is not a Hong Kong BR number.
    errors = refused(services.enterprise_update_profile, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"jurisdiction": "hong_kong"})
    assert "registration_number" in errors


def test_registration_number_of_another_enterprise_is_refused(enterprise, enterprise_user, other_enterprise):
    errors = refused(services.enterprise_update_profile, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"registration_number": other_enterprise.registration_number})
    assert "already registered" in errors["registration_number"][0]


def test_founding_date_after_existing_statements_is_refused(enterprise, enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=2019)
    errors = refused(services.enterprise_update_profile, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"founding_date": "2021-01-01"})
    assert "founding_date" in errors


def test_pending_enterprise_can_edit_its_profile(pending_enterprise, pending_enterprise_user):
    services.enterprise_update_profile(actor=pending_enterprise_user, enterprise_id=pending_enterprise.pk,
                                       data={"description": "Still waiting for verification."})
    pending_enterprise.refresh_from_db()
    assert pending_enterprise.description == "Still waiting for verification."


def test_another_enterprise_cannot_be_edited(enterprise, other_enterprise_user):
    with pytest.raises(NotFound):
        services.enterprise_update_profile(actor=other_enterprise_user, enterprise_id=enterprise.pk,
                                           data={"stage": "mature"})


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
def test_other_roles_cannot_edit(request, enterprise, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.enterprise_update_profile(actor=user, enterprise_id=enterprise.pk, data={"stage": "mature"})
    with pytest.raises(PermissionDenied):
        services.statement_save(actor=user, enterprise_id=enterprise.pk, year=2024, data=statement_data())
    with pytest.raises(PermissionDenied):
        services.owner_add(actor=user, enterprise_id=enterprise.pk,
                           data={"name": "X", "share_percent": "10", "nationality": "MO"})


# --- beneficial owners -------------------------------------------------------------


def test_owner_add_update_remove_with_audit(enterprise, enterprise_user):
    owner = services.owner_add(actor=enterprise_user, enterprise_id=enterprise.pk,
                               data={"name": "Chan Tai Man", "share_percent": "60.5", "nationality": "mo"})
    assert owner.share_percent == Decimal("60.50") and owner.nationality == "MO"
    services.owner_update(actor=enterprise_user, enterprise_id=enterprise.pk, owner_id=owner.pk,
                          data={"share_percent": "100"})
    owner.refresh_from_db()
    assert owner.share_percent == Decimal("100.00")
    services.owner_remove(actor=enterprise_user, enterprise_id=enterprise.pk, owner_id=owner.pk)
    assert not BeneficialOwner.objects.exists()
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["enterprise.owner_added", "enterprise.owner_updated", "enterprise.owner_removed"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "share_percent": "10", "nationality": "MO"}, "name"),
    ({"name": "A", "share_percent": "0", "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": "-5", "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": "100.01", "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": "10.125", "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": 10.5, "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": "ten", "nationality": "MO"}, "share_percent"),
    ({"name": "A", "share_percent": "10", "nationality": "MAC"}, "nationality"),
    ({"name": "A", "share_percent": "10", "nationality": "M1"}, "nationality"),
    ({"name": "A", "share_percent": "10", "nationality": ""}, "nationality"),
])
def test_owner_refusals(enterprise, enterprise_user, data, field):
    assert field in refused(services.owner_add, actor=enterprise_user, enterprise_id=enterprise.pk, data=data)
    assert not BeneficialOwner.objects.exists()


def test_total_shares_cannot_exceed_100(enterprise, enterprise_user):
    BeneficialOwnerFactory(enterprise=enterprise, share_percent=Decimal("60.00"))
    second = BeneficialOwnerFactory(enterprise=enterprise, share_percent=Decimal("30.00"))
    errors = refused(services.owner_add, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"name": "B", "share_percent": "10.01", "nationality": "CN"})
    assert "100" in errors["share_percent"][0]
    errors = refused(services.owner_update, actor=enterprise_user, enterprise_id=enterprise.pk,
                     owner_id=second.pk, data={"share_percent": "40.01"})
    assert "share_percent" in errors
    # Exactly 100 is fine; updating an owner does not count its old share twice.
    services.owner_update(actor=enterprise_user, enterprise_id=enterprise.pk, owner_id=second.pk,
                          data={"share_percent": "40"})
    assert BeneficialOwner.objects.filter(enterprise=enterprise).count() == 2


def test_another_enterprises_owner_is_not_found(enterprise_user, enterprise, other_enterprise):
    theirs = BeneficialOwnerFactory(enterprise=other_enterprise)
    with pytest.raises(NotFound):
        services.owner_update(actor=enterprise_user, enterprise_id=enterprise.pk, owner_id=theirs.pk,
                              data={"name": "Mine now"})
    with pytest.raises(NotFound):
        services.owner_remove(actor=enterprise_user, enterprise_id=enterprise.pk, owner_id=theirs.pk)
    assert BeneficialOwner.objects.get(pk=theirs.pk).name == theirs.name


# --- certifications ----------------------------------------------------------------


def test_certification_add_update_remove(enterprise, enterprise_user):
    cert = services.certification_add(actor=enterprise_user, enterprise_id=enterprise.pk, data={
        "kind": "hnte", "number": "GR2023", "issued_on": "2023-12-01", "expires_on": "2026-12-01",
        "published": False})
    assert cert.published is False and cert.issued_on == dt.date(2023, 12, 1)
    services.certification_update(actor=enterprise_user, enterprise_id=enterprise.pk,
                                  certification_id=cert.pk, data={"published": True})
    cert.refresh_from_db()
    assert cert.published is True
    services.certification_remove(actor=enterprise_user, enterprise_id=enterprise.pk, certification_id=cert.pk)
    assert not Certification.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="enterprise.certification_").count() == 3


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "iso9001", "issued_on": "2023-01-01"}, "kind"),
    ({"kind": "hnte", "issued_on": ""}, "issued_on"),
    ({"kind": "hnte", "issued_on": "2023-13-01"}, "issued_on"),
    ({"kind": "hnte", "issued_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "issued_on"),
    ({"kind": "hnte", "issued_on": "2023-01-01", "expires_on": "2023-01-01"}, "expires_on"),
    ({"kind": "hnte", "issued_on": "2023-01-01", "expires_on": "2022-01-01"}, "expires_on"),
])
def test_certification_refusals(enterprise, enterprise_user, data, field):
    assert field in refused(services.certification_add, actor=enterprise_user, enterprise_id=enterprise.pk,
                            data=data)
    assert not Certification.objects.exists()


def test_same_certification_twice_is_refused(enterprise, enterprise_user):
    CertificationFactory(enterprise=enterprise, kind="hnte", issued_on=dt.date(2023, 12, 1))
    errors = refused(services.certification_add, actor=enterprise_user, enterprise_id=enterprise.pk,
                     data={"kind": "hnte", "issued_on": "2023-12-01"})
    assert "issued_on" in errors


def test_another_enterprises_certification_is_not_found(enterprise, enterprise_user, other_enterprise):
    theirs = CertificationFactory(enterprise=other_enterprise)
    with pytest.raises(NotFound):
        services.certification_update(actor=enterprise_user, enterprise_id=enterprise.pk,
                                      certification_id=theirs.pk, data={"published": False})
    with pytest.raises(NotFound):
        services.certification_remove(actor=enterprise_user, enterprise_id=enterprise.pk,
                                      certification_id=theirs.pk)


# --- statements --------------------------------------------------------------------


def test_statement_save_creates_then_updates_one_year(enterprise, enterprise_user):
    s = services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=2024,
                                data=statement_data())
    assert s.net_profit == Decimal("-240000.50") and s.revenue == Decimal("38000000.00")
    services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=2024,
                            data=statement_data(revenue="39000000", tax_credit_grade=""))
    s.refresh_from_db()
    assert s.revenue == Decimal("39000000.00") and s.tax_credit_grade == ""
    assert FinancialStatement.objects.count() == 1
    updated = AuditEvent.objects.get(action="enterprise.statement_updated")
    assert updated.old == {"revenue": "38000000.00", "tax_credit_grade": "A"}
    assert updated.new == {"revenue": "39000000.00", "tax_credit_grade": ""}
    services.statement_delete(actor=enterprise_user, enterprise_id=enterprise.pk, year=2024)
    assert not FinancialStatement.objects.exists()
    assert AuditEvent.objects.filter(action="enterprise.statement_deleted").exists()


def test_zero_and_negative_where_allowed(enterprise, enterprise_user):
    s = services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=2019, data=statement_data(
        revenue="0", rd_expense="0", operating_cash_flow="-1000.10"))
    assert s.revenue == 0 and s.operating_cash_flow == Decimal("-1000.10")


@pytest.mark.parametrize(("year", "overrides", "field"), [
    (2017, {}, "year"),  # founded 2018
    (timezone.localdate().year + 1, {}, "year"),
    (2024, {"revenue": "-1.00"}, "revenue"),
    (2024, {"total_assets": "-0.01"}, "total_assets"),
    (2024, {"revenue": "100.123"}, "revenue"),
    (2024, {"net_profit": "-100.123"}, "net_profit"),
    (2024, {"revenue": "10000000000000"}, "revenue"),
    (2024, {"total_liabilities": "9999999999999.995"}, "total_liabilities"),
    (2024, {"revenue": 1000.5}, "revenue"),
    (2024, {"revenue": "abc"}, "revenue"),
    (2024, {"rd_expense": ""}, "rd_expense"),
    (2024, {"currency": "GBP"}, "currency"),
    (2024, {"tax_credit_grade": "E"}, "tax_credit_grade"),
])
def test_statement_refusals(enterprise, enterprise_user, year, overrides, field):
    errors = refused(services.statement_save, actor=enterprise_user, enterprise_id=enterprise.pk, year=year,
                     data=statement_data(**overrides))
    assert field in errors
    assert not FinancialStatement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_year_before_founding_says_so(enterprise, enterprise_user):
    errors = refused(services.statement_save, actor=enterprise_user, enterprise_id=enterprise.pk, year=2010,
                     data=statement_data())
    assert "founding year (2018)" in errors["year"][0]


def test_failed_update_keeps_the_old_statement(enterprise, enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    refused(services.statement_save, actor=enterprise_user, enterprise_id=enterprise.pk, year=2024,
            data=statement_data(revenue="1.00", total_costs="-5"))
    assert FinancialStatement.objects.get().revenue == Decimal("38000000.00")


def test_create_only_refuses_an_existing_year(enterprise, enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    errors = refused(services.statement_save, actor=enterprise_user, enterprise_id=enterprise.pk, year=2024,
                     data=statement_data(), create_only=True)
    assert "year" in errors


def test_statements_of_another_enterprise_are_not_found(enterprise, other_enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    with pytest.raises(NotFound):
        services.statement_save(actor=other_enterprise_user, enterprise_id=enterprise.pk, year=2024,
                                data=statement_data())
    with pytest.raises(NotFound):
        services.statement_delete(actor=other_enterprise_user, enterprise_id=enterprise.pk, year=2024)
    assert FinancialStatement.objects.count() == 1


@pytest.mark.parametrize("year", ["", None, "abc", "2024.0", "2_024", True, "-2024"])
def test_a_year_that_is_not_a_whole_number_is_refused(enterprise, enterprise_user, year):
    errors = refused(services.statement_save, actor=enterprise_user, enterprise_id=enterprise.pk, year=year,
                     data=statement_data())
    assert list(errors) == ["year"]
    assert not FinancialStatement.objects.exists()


def test_a_year_given_as_text_is_accepted(enterprise, enterprise_user):
    statement = services.statement_save(actor=enterprise_user, enterprise_id=enterprise.pk, year=" 2024 ",
                                        data=statement_data())
    assert statement.year == 2024
