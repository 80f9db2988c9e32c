"""Product services: the rules, who may post, the lifecycle, audit and atomicity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bayfin.common.errors import (
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.models import AuditEvent
from bayfin.institutions import services
from bayfin.institutions.models import Product, ProductStatus
from tests.factories import ProductFactory

from .conftest import product_data

pytestmark = pytest.mark.django_db


def refusal_fields(actor, **overrides):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=actor, data=product_data(**overrides))
    return exc.value.fields


def test_verified_institution_creates_a_draft_product(institution_user, institution):
    product = services.product_create(actor=institution_user, data=product_data())
    product.refresh_from_db()
    assert product.institution == institution
    assert product.status == ProductStatus.DRAFT
    assert product.ticket_min == Decimal("1000000.00")
    assert product.ticket_max == Decimal("20000000.00")
    assert product.rate_max_percent == Decimal("4.800")
    assert product.sectors == ["integrated_circuits", "ai_big_data"]
    assert product.cross_border is True
    assert product.thesis.startswith("支持横琴")
    event = AuditEvent.objects.get(action="product.created", subject_id=str(product.pk))
    assert event.actor == institution_user
    assert event.new["ticket_min"] == "1000000.00"
    assert event.organisation_id == institution.organisation_id


def test_empty_lists_mean_any(institution_user):
    product = services.product_create(actor=institution_user, data=product_data(
        sectors=[], stages=[], jurisdictions=[], required_certifications=[],
        term_min_months=None, term_max_months=None, rate_min_percent=None, rate_max_percent=None,
        min_revenue_amount=None, min_revenue_currency=None, active_until=None))
    assert product.sectors == [] and product.jurisdictions == []
    assert product.min_revenue_amount is None and product.active_until is None


def test_ticket_minimum_above_maximum_is_refused_on_ticket_min(institution_user):
    fields = refusal_fields(institution_user, ticket_min="30000000", ticket_max="20000000")
    assert list(fields) == ["ticket_min"]
    assert "above the maximum" in str(fields["ticket_min"][0])
    assert not Product.objects.exists()


@pytest.mark.parametrize("amount, reason", [
    ("0", "greater than zero"),
    ("-5", "cannot be negative"),
    ("10000000000000", "less than 10,000,000,000,000"),
    ("99999999999999.99", "less than"),
    ("1000.005", "decimal places"),
    ("abc", "Enter a number"),
    (1000.5, "as a string"),
])
def test_bad_ticket_amounts_are_refused(institution_user, amount, reason):
    fields = refusal_fields(institution_user, ticket_max=amount)
    assert reason in str(fields["ticket_max"][0])
    assert not Product.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"ticket_currency": "GBP"}, "ticket_currency"),
    ({"currencies": ["CNY", "XYZ"]}, "currencies"),
    ({"currencies": []}, "currencies"),
    ({"sectors": ["shipbuilding"]}, "sectors"),
    ({"stages": ["series_z"]}, "stages"),
    ({"jurisdictions": ["atlantis"]}, "jurisdictions"),
    ({"required_certifications": ["iso9001"]}, "required_certifications"),
    ({"instrument": "lottery"}, "instrument"),
    ({"name": "  "}, "name"),
    ({"active_from": None}, "active_from"),
    ({"active_from": "2026-05-01", "active_until": "2026-04-30"}, "active_until"),
    ({"term_min_months": 48, "term_max_months": 12}, "term_min_months"),
    ({"term_max_months": 0}, "term_max_months"),
    ({"rate_min_percent": "6", "rate_max_percent": "5"}, "rate_min_percent"),
    ({"rate_max_percent": "101"}, "rate_max_percent"),
    ({"rate_max_percent": "4.1234"}, "rate_max_percent"),
    ({"min_years_operating": -1}, "min_years_operating"),
    ({"min_revenue_amount": "0"}, "min_revenue_amount"),
    ({"min_revenue_currency": "JPY"}, "min_revenue_currency"),
])
def test_each_rule_is_refused_on_its_field(institution_user, overrides, field):
    fields = refusal_fields(institution_user, **overrides)
    assert field in fields
    assert not Product.objects.exists()
    assert not AuditEvent.objects.filter(action="product.created").exists()


def test_every_failing_field_is_reported_at_once(institution_user):
    fields = refusal_fields(institution_user, ticket_currency="GBP", sectors=["nope"],
                            active_from="2026-05-01", active_until="2026-01-01")
    assert {"ticket_currency", "sectors", "active_until"} <= set(fields)


def test_pending_institution_cannot_create_a_product(pending_institution_user):
    with pytest.raises(PermissionDenied) as exc:
        services.product_create(actor=pending_institution_user, data=product_data())
    assert exc.value.code == "organisation_not_verified"
    assert "verified" in str(exc.value.message)
    assert not Product.objects.exists()


def test_pending_institution_cannot_publish(pending_institution, pending_institution_user):
    product = ProductFactory(institution=pending_institution, status=ProductStatus.DRAFT)
    with pytest.raises(PermissionDenied):
        services.product_publish(actor=pending_institution_user, product_id=product.pk)
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


@pytest.mark.parametrize("who", ["enterprise_user", "observer_user", "operator_user"])
def test_other_roles_cannot_create_products(request, who):
    with pytest.raises(PermissionDenied):
        services.product_create(actor=request.getfixturevalue(who), data=product_data())


def test_anonymous_cannot_create_products(db):
    with pytest.raises(NotAuthenticated):
        services.product_create(actor=None, data=product_data())


def test_another_institutions_product_is_not_found(institution_user, other_institution):
    product = ProductFactory(institution=other_institution, status=ProductStatus.DRAFT)
    for call in (
        lambda: services.product_update(actor=institution_user, product_id=product.pk, data={"name": "x"}),
        lambda: services.product_publish(actor=institution_user, product_id=product.pk),
        lambda: services.product_archive(actor=institution_user, product_id=product.pk),
        lambda: services.product_delete(actor=institution_user, product_id=product.pk),
    ):
        with pytest.raises(NotFound):
            call()
    product.refresh_from_db()
    assert product.name != "x" and product.status == ProductStatus.DRAFT


def test_lifecycle_draft_publish_archive_republish(institution_user):
    product = services.product_create(actor=institution_user, data=product_data())
    services.product_publish(actor=institution_user, product_id=product.pk)
    with pytest.raises(InvalidTransition):
        services.product_publish(actor=institution_user, product_id=product.pk)
    with pytest.raises(InvalidTransition):
        services.product_delete(actor=institution_user, product_id=product.pk)
    services.product_archive(actor=institution_user, product_id=product.pk)
    with pytest.raises(InvalidTransition):
        services.product_archive(actor=institution_user, product_id=product.pk)
    services.product_publish(actor=institution_user, product_id=product.pk)
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED
    actions = list(AuditEvent.objects.filter(subject_id=str(product.pk), subject_type="institutions.product")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["product.created", "product.published", "product.archived", "product.published"]


def test_expired_product_cannot_be_published(institution, institution_user):
    product = ProductFactory(institution=institution, status=ProductStatus.DRAFT,
                             active_until="2026-01-31")
    with pytest.raises(ValidationFailed) as exc:
        services.product_publish(actor=institution_user, product_id=product.pk)
    assert "active_until" in exc.value.fields


def test_only_drafts_are_deleted(institution_user):
    product = services.product_create(actor=institution_user, data=product_data())
    services.product_delete(actor=institution_user, product_id=product.pk)
    assert not Product.objects.filter(pk=product.pk).exists()
    assert AuditEvent.objects.filter(action="product.deleted", subject_id=str(product.pk)).exists()


def test_update_changes_only_given_fields_and_audits_the_difference(institution_user):
    product = services.product_create(actor=institution_user, data=product_data())
    services.product_update(actor=institution_user, product_id=product.pk,
                            data={"ticket_max": "25000000.00", "name": "Renamed"})
    product.refresh_from_db()
    assert product.ticket_max == Decimal("25000000.00") and product.name == "Renamed"
    assert product.sectors == ["integrated_circuits", "ai_big_data"]
    event = AuditEvent.objects.get(action="product.updated")
    assert event.old == {"name": "Hengqin tech credit", "ticket_max": "20000000.00"}
    assert event.new == {"name": "Renamed", "ticket_max": "25000000.00"}


def test_bad_update_saves_nothing(institution_user):
    product = services.product_create(actor=institution_user, data=product_data())
    with pytest.raises(ValidationFailed) as exc:
        services.product_update(actor=institution_user, product_id=product.pk,
                                data={"name": "Renamed", "ticket_min": "90000000"})
    assert "ticket_min" in exc.value.fields
    product.refresh_from_db()
    assert product.name == "Hengqin tech credit"
    assert not AuditEvent.objects.filter(action="product.updated").exists()


def test_an_update_that_changes_nothing_writes_no_audit_event(institution_user):
    product = services.product_create(actor=institution_user, data=product_data())
    services.product_update(actor=institution_user, product_id=product.pk, data={"name": "Hengqin tech credit"})
    assert not AuditEvent.objects.filter(action="product.updated").exists()
