"""Institution pages: each role sees and does what it may, forms keep input and show errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bayfin.common.models import AuditEvent
from bayfin.institutions.models import Association, Product, ProductStatus
from tests.factories import ProductFactory

from .conftest import product_data

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = product_data(**overrides)
    data = {k: v for k, v in data.items() if v is not None}
    if data.get("cross_border") is False:
        data.pop("cross_border")
    return data


def test_profile_page_shows_and_saves(client_for, institution_user, institution):
    client = client_for(institution_user)
    response = client.get("/institution/profile/")
    assert response.status_code == 200
    assert institution.licence_number in response.content.decode()
    response = client.post("/institution/profile/", {
        "name_en": "Pearl River Capital", "jurisdiction": "macao", "kind": "venture_capital",
        "licence_number": "L-1", "aum_amount": "800000000", "aum_currency": "USD", "description": "VC",
    })
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.aum_currency == "USD" and institution.organisation.name_en == "Pearl River Capital"


def test_profile_form_keeps_input_and_shows_errors(client_for, institution_user):
    response = client_for(institution_user).post("/institution/profile/", {
        "name_en": "Kept name", "jurisdiction": "macao", "kind": "venture_capital",
        "licence_number": "L-1", "aum_amount": "12.345", "aum_currency": "USD",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Kept name"' in html
    assert "id_aum_amount_error" in html and "decimal places" in html


def test_pending_institution_edits_profile_but_cannot_post_products(client_for, pending_institution_user,
                                                                    pending_institution):
    client = client_for(pending_institution_user)
    response = client.get("/institution/profile/")
    assert response.status_code == 200 and "waiting for verification" in response.content.decode()
    response = client.post("/institution/profile/", {
        "name_en": "Pending Bank", "jurisdiction": "macao", "kind": "macao_bank", "licence_number": "X"})
    assert response.status_code == 302
    response = client.get("/institution/products/new/")
    assert response.status_code == 403
    assert "must be verified" in response.content.decode()
    response = client.post("/institution/products/new/", form_data())
    assert response.status_code == 403
    assert not Product.objects.exists()
    draft = ProductFactory(institution=pending_institution, status=ProductStatus.DRAFT)
    response = client.post(f"/institution/products/{draft.pk}/publish/")
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == ProductStatus.DRAFT


def test_create_product_page_and_lifecycle(client_for, institution_user):
    client = client_for(institution_user)
    assert client.get("/institution/products/").status_code == 200
    assert "No products yet" in client.get("/institution/products/").content.decode()
    assert client.get("/institution/products/new/").status_code == 200
    response = client.post("/institution/products/new/", form_data())
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.status == ProductStatus.DRAFT and product.sectors == ["integrated_circuits", "ai_big_data"]
    assert product.min_revenue_amount == Decimal("5000000.00")
    detail = client.get(f"/institution/products/{product.pk}/").content.decode()
    assert "Hengqin tech credit" in detail and "Publish" in detail
    client.post(f"/institution/products/{product.pk}/publish/")
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED
    client.post(f"/institution/products/{product.pk}/archive/")
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    assert client.get(f"/institution/products/{product.pk}/publish/").status_code == 405
    listing = client.get("/institution/products/").content.decode()
    assert "Archived" in listing


def test_edit_and_delete_draft(client_for, institution_user, institution):
    product = ProductFactory(institution=institution, status=ProductStatus.DRAFT)
    client = client_for(institution_user)
    assert client.get(f"/institution/products/{product.pk}/edit/").status_code == 200
    response = client.post(f"/institution/products/{product.pk}/edit/", form_data(name="Edited"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Edited"
    client.post(f"/institution/products/{product.pk}/delete/")
    assert not Product.objects.filter(pk=product.pk).exists()


def test_product_form_keeps_input_and_puts_errors_on_fields(client_for, institution_user):
    response = client_for(institution_user).post("/institution/products/new/", form_data(
        name="Kept", ticket_min="9000000000", ticket_max="100", active_until="2020-01-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Kept"' in html and 'value="9000000000"' in html
    assert "id_ticket_min_error" in html and "id_active_until_error" in html
    response = client_for(institution_user).post("/institution/products/new/", form_data(
        jurisdictions=["hengqin", "atlantis"], ticket_currency="GBP"))
    html = response.content.decode()
    assert "id_jurisdictions_error" in html and "id_ticket_currency_error" in html
    assert not Product.objects.exists()


def test_another_institutions_product_pages_are_404(client_for, institution_user, other_institution):
    product = ProductFactory(institution=other_institution, status=ProductStatus.DRAFT)
    client = client_for(institution_user)
    assert client.get(f"/institution/products/{product.pk}/").status_code == 404
    assert client.get(f"/institution/products/{product.pk}/edit/").status_code == 404
    for action in ("publish", "archive", "delete"):
        assert client.post(f"/institution/products/{product.pk}/{action}/").status_code == 404
    assert Product.objects.filter(pk=product.pk, status=ProductStatus.DRAFT).exists()


@pytest.mark.parametrize("who", ["enterprise_user", "observer_user", "operator_user"])
def test_other_roles_cannot_use_institution_pages(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for url in ("/institution/profile/", "/institution/products/", "/institution/products/new/"):
        assert client.get(url).status_code == 403
    assert client.post("/institution/products/new/", form_data()).status_code == 403
    assert not Product.objects.exists()


def test_anonymous_is_sent_to_sign_in(client_for):
    client = client_for(None)
    for url in ("/institution/profile/", "/institution/products/", "/institution/products/browse/",
                "/institution/operator/associations/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_enterprise_browses_products_with_filters(client_for, enterprise_user, institution):
    ProductFactory(institution=institution, name="Chip loan", sectors=["integrated_circuits"])
    ProductFactory(institution=institution, name="Bio fund", sectors=["biomedicine"], instrument="equity")
    ProductFactory(institution=institution, name="Hidden draft", status=ProductStatus.DRAFT)
    client = client_for(enterprise_user)
    html = client.get("/institution/products/browse/").content.decode()
    assert "Chip loan" in html and "Bio fund" in html and "Hidden draft" not in html
    assert 'class="num"' in html
    html = client.get("/institution/products/browse/?instrument=equity").content.decode()
    assert "Bio fund" in html and "Chip loan" not in html
    html = client.get("/institution/products/browse/?amount=1000&currency=MOP").content.decode()
    assert "after conversion at today" in html and "not compared" in html
    html = client.get("/institution/products/browse/?sector=tcm&instrument=guarantee").content.decode()
    assert "No product matches these filters" in html
    response = client.get("/institution/products/browse/?amount=-5&currency=CNY")
    assert response.status_code == 200 and "id_amount_error" in response.content.decode()


def test_browse_paginates(client_for, enterprise_user, institution):
    for i in range(25):
        ProductFactory(institution=institution, name=f"P{i:02d}")
    client = client_for(enterprise_user)
    assert "Page 1 of 2" in client.get("/institution/products/browse/").content.decode()
    assert client.get("/institution/products/browse/?page=2").status_code == 200


def test_observer_cannot_browse_products(client_for, observer_user):
    assert client_for(observer_user).get("/institution/products/browse/").status_code == 403


def test_enterprise_sees_product_detail_and_public_profile(client_for, enterprise_user, institution,
                                                           pending_institution):
    product = ProductFactory(institution=institution, name="Chip loan")
    draft = ProductFactory(institution=institution, status=ProductStatus.DRAFT)
    client = client_for(enterprise_user)
    html = client.get(f"/institution/products/{product.pk}/").content.decode()
    assert "Chip loan" in html and "Publish" not in html
    assert client.get(f"/institution/products/{draft.pk}/").status_code == 404
    html = client.get(f"/institution/{institution.pk}/").content.decode()
    assert "Chip loan" in html and institution.licence_number not in html
    assert client.get(f"/institution/{pending_institution.pk}/").status_code == 404


def test_operator_associations_page(client_for, operator_user, institution):
    client = client_for(operator_user)
    assert client.get("/institution/operator/associations/").status_code == 200
    response = client.post("/institution/operator/associations/", {"action": "create", "new-name": "MVCA"})
    assert response.status_code == 302
    association = Association.objects.get(name="MVCA")
    response = client.post("/institution/operator/associations/", {
        "action": "memberships", "institution": institution.pk, "associations": [association.pk]})
    assert response.status_code == 302
    assert list(institution.associations.all()) == [association]
    assert AuditEvent.objects.filter(action="institution.associations_set").exists()
    response = client.post("/institution/operator/associations/", {"action": "create", "new-name": ""})
    assert response.status_code == 200 and "id_new-name_error" in response.content.decode()


@pytest.mark.parametrize("who", ["institution_user", "enterprise_user", "observer_user"])
def test_only_operators_open_the_associations_page(request, client_for, who, institution):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/institution/operator/associations/").status_code == 403
    assert client.post("/institution/operator/associations/",
                       {"action": "create", "new-name": "Club"}).status_code == 403
    assert not Association.objects.exists()


def test_memberships_post_with_a_malformed_institution_id_is_404_not_an_error(client_for, operator_user):
    client = client_for(operator_user)
    for bad in ("abc", "12x", "-3", "²"):
        response = client.post("/institution/operator/associations/", {"action": "memberships", "institution": bad})
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="institution.associations_set").exists()
