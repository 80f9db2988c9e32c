"""The enterprise pages: they keep what was typed, put errors next to fields, and scope by role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from bayfin.common.models import AuditEvent
from bayfin.enterprises.models import BeneficialOwner, Certification, FinancialStatement

from ..factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    EnterpriseFactory,
    FinancialStatementFactory,
)
from .conftest import profile_data, statement_data

PRIVATE_PAGES = ["enterprises:profile", "enterprises:statements", "enterprises:owner_add",
                 "enterprises:certification_add", "enterprises:statement_add"]


def _form(data):
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_profile_page_shows_the_profile_owners_and_certifications(client_for, enterprise, enterprise_user):
    BeneficialOwnerFactory(enterprise=enterprise, name="Chan Tai Man")
    CertificationFactory(enterprise=enterprise)
    page = client_for(enterprise_user).get(reverse("enterprises:profile"))
    assert page.status_code == 200
    html = page.content.decode()
    assert enterprise.registration_number in html and "Chan Tai Man" in html
    assert "High and New Technology Enterprise" in html
    assert "3 Class I and 5 Class II" in html


def test_profile_page_saves(client_for, enterprise, enterprise_user):
    response = client_for(enterprise_user).post(reverse("enterprises:profile"), _form(profile_data(enterprise)))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.employees == 80 and enterprise.stage == "series_b"
    assert AuditEvent.objects.filter(action="enterprise.profile_updated", actor=enterprise_user).exists()


def test_profile_page_keeps_input_and_shows_errors_next_to_fields(client_for, enterprise, enterprise_user):
    bad = enterprise.registration_number[:-1] + ("0" if enterprise.registration_number[-1] != "0" else "1")
    data = profile_data(enterprise, registration_number=bad, tech_staff=500, description="Kept text")
    page = client_for(enterprise_user).post(reverse("enterprises:profile"), _form(data))
    assert page.status_code == 200
    form = page.context["form"]
    assert "registration_number" in form.errors and "tech_staff" in form.errors
    html = page.content.decode()
    assert "Kept text" in html and bad in html
    assert 'id="id_tech_staff_error"' in html
    enterprise.refresh_from_db()
    assert enterprise.employees == 60


def test_owner_pages_add_edit_remove(client_for, enterprise, enterprise_user):
    c = client_for(enterprise_user)
    assert c.post(reverse("enterprises:owner_add"),
                  {"name": "Ho Ka Yan", "share_percent": "55.5", "nationality": "MO"}).status_code == 302
    owner = BeneficialOwner.objects.get(enterprise=enterprise)
    page = c.post(reverse("enterprises:owner_edit", args=[owner.pk]),
                  {"name": "Ho Ka Yan", "share_percent": "155", "nationality": "MO"})
    assert page.status_code == 200 and "share_percent" in page.context["form"].errors
    assert 'value="155"' in page.content.decode()
    assert c.post(reverse("enterprises:owner_edit", args=[owner.pk]),
                  {"name": "Ho Ka Yan", "share_percent": "45", "nationality": "MO"}).status_code == 302
    owner.refresh_from_db()
    assert owner.share_percent == Decimal("45.00")
    assert c.post(reverse("enterprises:owner_remove", args=[owner.pk])).status_code == 302
    assert not BeneficialOwner.objects.exists()


def test_certification_pages(client_for, enterprise, enterprise_user):
    c = client_for(enterprise_user)
    page = c.post(reverse("enterprises:certification_add"),
                  {"kind": "hnte", "issued_on": "2023-06-01", "expires_on": "2022-06-01"})
    assert page.status_code == 200 and "expires_on" in page.context["form"].errors
    assert c.post(reverse("enterprises:certification_add"),
                  {"kind": "hnte", "issued_on": "2023-06-01", "published": "on"}).status_code == 302
    cert = Certification.objects.get(enterprise=enterprise)
    assert cert.published
    assert c.post(reverse("enterprises:certification_edit", args=[cert.pk]),
                  {"kind": "hnte", "issued_on": "2023-06-01"}).status_code == 302
    cert.refresh_from_db()
    assert not cert.published
    assert c.post(reverse("enterprises:certification_remove", args=[cert.pk])).status_code == 302
    assert not Certification.objects.exists()


def test_statements_page_lists_years_with_money_right_aligned(client_for, enterprise, enterprise_user):
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    html = client_for(enterprise_user).get(reverse("enterprises:statements")).content.decode()
    assert "2024" in html and 'class="num"' in html and "38,000,000" in html


def test_statements_empty_state(client_for, enterprise_user):
    html = client_for(enterprise_user).get(reverse("enterprises:statements")).content.decode()
    assert "bf-empty" in html


def test_statement_add_edit_delete(client_for, enterprise, enterprise_user):
    c = client_for(enterprise_user)
    assert c.post(reverse("enterprises:statement_add"), {"year": 2024, **statement_data()}).status_code == 302
    page = c.post(reverse("enterprises:statement_add"), {"year": 2024, **statement_data()})
    assert "year" in page.context["form"].errors  # already there: edit it instead
    page = c.post(reverse("enterprises:statement_edit", args=[2024]),
                  statement_data(revenue="12.345", currency="CNY"))
    assert page.status_code == 200 and "revenue" in page.context["form"].errors
    assert "12.345" in page.content.decode()
    assert c.post(reverse("enterprises:statement_edit", args=[2024]),
                  statement_data(revenue="12.34")).status_code == 302
    assert FinancialStatement.objects.get().revenue == Decimal("12.34")
    assert c.post(reverse("enterprises:statement_delete", args=[2024])).status_code == 302
    assert not FinancialStatement.objects.exists()


def test_statement_year_before_founding_is_shown_on_the_year(client_for, enterprise_user):
    page = client_for(enterprise_user).post(reverse("enterprises:statement_add"), {"year": 2015, **statement_data()})
    assert "founding year" in " ".join(page.context["form"].errors["year"])
    assert not FinancialStatement.objects.exists()


def test_public_profile_page_for_every_signed_in_role(client_for, enterprise, enterprise_user, institution_user,
                                                      observer_user, operator_user):
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    BeneficialOwnerFactory(enterprise=enterprise, name="Secret Owner")
    url = reverse("enterprises:public_profile", args=[enterprise.pk])
    for user in (enterprise_user, institution_user, observer_user, operator_user):
        page = client_for(user).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert enterprise.organisation.name_en in html and "50-99" in html
        assert "Secret Owner" not in html and enterprise.registration_number not in html
        assert "38,000,000" not in html


def test_pending_enterprise_public_page_is_404_to_others(client_for, pending_enterprise, institution_user,
                                                          observer_user):
    url = reverse("enterprises:public_profile", args=[pending_enterprise.pk])
    for user in (institution_user, observer_user):
        assert client_for(user).get(url).status_code == 404


@pytest.mark.parametrize("name", [*PRIVATE_PAGES, "enterprises:public_profile"])
def test_anonymous_is_sent_to_sign_in(client, enterprise, name):
    url = reverse(name, args=[enterprise.pk]) if name == "enterprises:public_profile" else reverse(name)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_other_roles_cannot_open_enterprise_pages(request, client_for, enterprise, role, name):
    user = request.getfixturevalue(role)
    assert client_for(user).get(reverse(name)).status_code == 403


def test_other_roles_cannot_post_changes(client_for, enterprise, institution_user, observer_user):
    for user in (institution_user, observer_user):
        c = client_for(user)
        assert c.post(reverse("enterprises:profile"), _form(profile_data(enterprise))).status_code == 403
        assert c.post(reverse("enterprises:statement_add"), {"year": 2024, **statement_data()}).status_code == 403
    assert not FinancialStatement.objects.exists()


def test_another_enterprises_objects_are_404(client_for, enterprise_user):
    theirs = EnterpriseFactory()
    owner = BeneficialOwnerFactory(enterprise=theirs)
    cert = CertificationFactory(enterprise=theirs)
    FinancialStatementFactory(enterprise=theirs, year=2023)
    c = client_for(enterprise_user)
    assert c.get(reverse("enterprises:owner_edit", args=[owner.pk])).status_code == 404
    assert c.post(reverse("enterprises:owner_remove", args=[owner.pk])).status_code == 404
    assert c.get(reverse("enterprises:certification_edit", args=[cert.pk])).status_code == 404
    assert c.post(reverse("enterprises:certification_remove", args=[cert.pk])).status_code == 404
    assert c.get(reverse("enterprises:statement_edit", args=[2023])).status_code == 404
    assert c.post(reverse("enterprises:statement_delete", args=[2023])).status_code == 404
    assert BeneficialOwner.objects.filter(pk=owner.pk).exists()
    assert Certification.objects.filter(pk=cert.pk).exists()
    assert FinancialStatement.objects.filter(enterprise=theirs).exists()


def test_pending_enterprise_can_open_and_save_its_profile(client_for, pending_enterprise, pending_enterprise_user):
    c = client_for(pending_enterprise_user)
    assert "Pending verification" in c.get(reverse("enterprises:profile")).content.decode()
    assert c.post(reverse("enterprises:profile"), _form(profile_data(pending_enterprise))).status_code == 302
