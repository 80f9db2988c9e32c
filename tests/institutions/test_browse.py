"""Browsing products: what enterprises see, and the filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bayfin.accounts.models import OrganisationStatus
from bayfin.common.errors import NotFound, PermissionDenied, ValidationFailed
from bayfin.institutions import selectors
from bayfin.institutions.models import ProductStatus
from tests.factories import InstitutionFactory, ProductFactory

pytestmark = pytest.mark.django_db


def browse(user, **filters):
    return list(selectors.product_browse_for(user, selectors.clean_browse_filters(filters)))


@pytest.fixture
def catalogue(institution):
    today = timezone.localdate()
    pending = InstitutionFactory(organisation__status=OrganisationStatus.PENDING)
    return {
        "chips": ProductFactory(institution=institution, name="Chips", sectors=["integrated_circuits"],
                                jurisdictions=["hengqin"], stages=["series_a"]),
        "any": ProductFactory(institution=institution, name="Anything", sectors=[], jurisdictions=[],
                              stages=[], instrument="equity", ticket_currency="MOP",
                              currencies=["MOP"], ticket_min=Decimal("100.00"),
                              ticket_max=Decimal("500.00")),
        "bio": ProductFactory(institution=institution, name="Bio", sectors=["biomedicine"],
                              jurisdictions=["macao"], stages=["seed"], ticket_min=Decimal("50000000"),
                              ticket_max=Decimal("90000000")),
        "draft": ProductFactory(institution=institution, name="Draft", status=ProductStatus.DRAFT),
        "archived": ProductFactory(institution=institution, name="Archived", status=ProductStatus.ARCHIVED),
        "expired": ProductFactory(institution=institution, name="Expired",
                                  active_until=today - dt.timedelta(days=1)),
        "future": ProductFactory(institution=institution, name="Future",
                                 active_from=today + dt.timedelta(days=1)),
        "pending": ProductFactory(institution=pending, name="Pending"),
    }


def names(products):
    return sorted(p.name for p in products)


def test_enterprise_sees_only_published_active_products_of_verified_institutions(enterprise_user, catalogue):
    assert names(browse(enterprise_user)) == ["Anything", "Bio", "Chips"]


def test_filter_by_sector_includes_products_for_any_sector(enterprise_user, catalogue):
    assert names(browse(enterprise_user, sector="integrated_circuits")) == ["Anything", "Chips"]
    assert names(browse(enterprise_user, sector="biomedicine")) == ["Anything", "Bio"]


def test_filter_by_jurisdiction_served(enterprise_user, catalogue):
    assert names(browse(enterprise_user, jurisdiction="macao")) == ["Anything", "Bio"]


def test_filter_by_stage_and_instrument(enterprise_user, catalogue):
    assert names(browse(enterprise_user, stage="seed")) == ["Anything", "Bio"]
    assert names(browse(enterprise_user, instrument="equity")) == ["Anything"]


def test_amount_is_compared_only_in_the_same_currency(enterprise_user, catalogue):
    found = browse(enterprise_user, amount="5000000", currency="CNY")
    assert names(found) == ["Chips"]  # Bio's range starts at 50m; "Anything" lends only MOP
    assert all(p.amount_checked for p in found)
    found = browse(enterprise_user, amount="60000000", currency="CNY")
    assert names(found) == ["Bio"]
    # MOP: "Anything" (MOP tickets) is checked; Chips and Bio lend MOP too but their tickets
    # are in CNY and there is no rate, so they are listed without the amount check.
    found = {p.name: p.amount_checked for p in browse(enterprise_user, amount="1000", currency="MOP")}
    assert found == {"Chips": False, "Bio": False}
    found = {p.name: p.amount_checked for p in browse(enterprise_user, amount="200", currency="MOP")}
    assert found == {"Anything": True, "Chips": False, "Bio": False}


def test_amount_is_converted_to_each_ticket_currency_at_todays_rates(enterprise_user, catalogue):
    from django.utils import timezone

    from bayfin.fx.models import FxRate

    today = timezone.localdate()
    FxRate.objects.create(day=today, base="HKD", quote="CNY", rate=Decimal("0.9148"), source="test")
    FxRate.objects.create(day=today, base="HKD", quote="MOP", rate=Decimal("1.03"), source="test")
    # MOP 10,300,000 is CNY 9,148,000: inside Chips' CNY range, below Bio's 50m minimum.
    found = {p.name: p.amount_checked for p in browse(enterprise_user, amount="10300000", currency="MOP")}
    assert found == {"Chips": True}
    # MOP 61,800,000 is CNY 54,888,000: Bio's range.
    found = {p.name: p.amount_checked for p in browse(enterprise_user, amount="61800000", currency="MOP")}
    assert found == {"Bio": True}


@pytest.mark.parametrize("filters, field", [
    ({"amount": "100"}, "currency"),
    ({"amount": "-1", "currency": "CNY"}, "amount"),
    ({"amount": "1.234", "currency": "CNY"}, "amount"),
    ({"currency": "GBP"}, "currency"),
    ({"sector": "shipbuilding"}, "sector"),
    ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ({"sort": "price"}, "sort"),
])
def test_bad_filters_are_refused(filters, field):
    with pytest.raises(ValidationFailed) as exc:
        selectors.clean_browse_filters(filters)
    assert field in exc.value.fields


def test_sorting(enterprise_user, catalogue):
    assert [p.name for p in browse(enterprise_user, sort="name")] == ["Anything", "Bio", "Chips"]
    # tickets are ordered within each currency, never across currencies
    assert [p.name for p in browse(enterprise_user, sort="ticket_min")] == ["Chips", "Bio", "Anything"]


def test_institutions_and_operators_may_browse(institution_user, operator_user, catalogue):
    assert len(browse(institution_user)) == 3
    assert len(browse(operator_user)) == 3


def test_observers_cannot_browse(observer_user, catalogue):
    with pytest.raises(PermissionDenied):
        selectors.product_browse_for(observer_user)


def test_product_get_for_hides_drafts_of_others(enterprise_user, other_institution_user, institution_user,
                                                operator_user, catalogue):
    draft = catalogue["draft"]
    for user in (enterprise_user, other_institution_user):
        with pytest.raises(NotFound):
            selectors.product_get_for(user, draft.pk)
        with pytest.raises(NotFound):
            selectors.product_get_for(user, catalogue["pending"].pk)
    assert selectors.product_get_for(institution_user, draft.pk) == draft
    assert selectors.product_get_for(operator_user, draft.pk) == draft
    assert selectors.product_get_for(enterprise_user, catalogue["chips"].pk) == catalogue["chips"]


def test_public_profile_hides_pending_institutions(enterprise_user, operator_user, pending_institution,
                                                   pending_institution_user, institution, catalogue):
    profile = selectors.institution_public_get_for(enterprise_user, institution.pk)
    assert names(profile.products) == ["Anything", "Bio", "Chips"]
    with pytest.raises(NotFound):
        selectors.institution_public_get_for(enterprise_user, pending_institution.pk)
    assert selectors.institution_public_get_for(pending_institution_user, pending_institution.pk)
    assert selectors.institution_public_get_for(operator_user, pending_institution.pk)


def test_list_filters_match_whole_codes_only(institution, enterprise_user):
    """A code inside a longer code (or another case) is not a match: the quoted code is."""
    ProductFactory(institution=institution, name="Longer codes", sectors=["xintegrated_circuits_2"],
                   jurisdictions=["hengqin_east"], stages=["series_a_plus"], currencies=["XMOP"],
                   ticket_currency="CNY")
    ProductFactory(institution=institution, name="Exact codes", sectors=["integrated_circuits"],
                   jurisdictions=["hengqin"], stages=["series_a"], currencies=["MOP"], ticket_currency="CNY")
    for filters in ({"sector": "integrated_circuits"}, {"jurisdiction": "hengqin"}, {"stage": "series_a"},
                    {"currency": "MOP"}):
        assert [p.name for p in browse(enterprise_user, **filters)] == ["Exact codes"], filters
