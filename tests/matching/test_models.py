"""Matching's tables keep their rules, and a product states the private-data requirements matching
checks (minimum credit grade, sci-tech qualifications) through the one product service, the form
and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from bayfin.common.errors import ValidationFailed
from bayfin.institutions import services as institution_services
from bayfin.institutions.forms import ProductForm
from bayfin.matching.models import Embedding, IndexState, Match, MatchKind
from tests.conftest import member_of
from tests.factories import FinancingRequestFactory, ProductFactory
from tests.institutions.conftest import product_data

pytestmark = pytest.mark.django_db


def test_a_request_match_names_its_request_and_a_recommendation_none() -> None:
    req, product = FinancingRequestFactory(), ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=MatchKind.REQUEST, enterprise=req.enterprise, product=product, rank=1,
                             score=0.5, weights_version="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=MatchKind.ENTERPRISE, request=req, enterprise=req.enterprise, product=product,
                             rank=1, score=0.5, weights_version="x")


def test_one_match_per_request_and_product() -> None:
    req, product = FinancingRequestFactory(), ProductFactory()
    Match.objects.create(kind=MatchKind.REQUEST, request=req, enterprise=req.enterprise, product=product, rank=1,
                         score=0.5, weights_version="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=MatchKind.REQUEST, request=req, enterprise=req.enterprise, product=product,
                             rank=2, score=0.4, weights_version="x")
    Match.objects.create(kind=MatchKind.ENTERPRISE, enterprise=req.enterprise, product=product, rank=1,
                         score=0.5, weights_version="x")  # a recommendation beside it is fine


def test_one_embedding_per_object_and_model() -> None:
    Embedding.objects.create(kind="product", object_id=1, model="m", text_sha256="a", vector=b"")
    Embedding.objects.create(kind="product", object_id=1, model="other", text_sha256="a", vector=b"")
    with pytest.raises(IntegrityError), transaction.atomic():
        Embedding.objects.create(kind="product", object_id=1, model="m", text_sha256="b", vector=b"")


def test_the_index_state_row_is_made_when_missing() -> None:
    from bayfin.matching import index as ix

    IndexState.objects.all().delete()  # a flushed database (the data migration made it once)
    assert ix.stored_version() == 0
    assert ix.bump([5]) == 1 and IndexState.objects.get().version == 1


# --------------------------------------------------------------------------- the product's requirements


def test_a_product_takes_a_minimum_grade_and_qualifications(institution: Any) -> None:
    user = member_of(institution.organisation)
    product = institution_services.product_create(actor=user, data=product_data(
        min_credit_grade="BBB", required_qualifications=["hnte", "scitech_sme", "hnte"]))
    assert (product.min_credit_grade, product.required_qualifications) == ("BBB", ["hnte", "scitech_sme"])
    product = institution_services.product_update(actor=user, product_id=product.pk, data={"min_credit_grade": ""})
    assert product.min_credit_grade == ""


def test_an_unknown_grade_or_qualification_is_refused_on_its_field(institution: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        institution_services.product_create(actor=member_of(institution.organisation), data=product_data(
            min_credit_grade="A+", required_qualifications=["nobel"]))
    assert set(exc.value.fields) == {"min_credit_grade", "required_qualifications"}


def test_the_product_form_has_both_fields() -> None:
    form = ProductForm()
    assert [c for c, _ in form.fields["min_credit_grade"].choices][:3] == ["", "AAA", "AA"]
    assert {c for c, _ in form.fields["required_qualifications"].choices} == {"scitech_sme", "hnte", "macao_tech"}


def test_the_api_reads_and_writes_both_fields(institution: Any, api_for: Any) -> None:
    api = api_for(member_of(institution.organisation))
    response = api.post("/api/v1/institutions/me/products", data=product_data(
        min_credit_grade="A", required_qualifications=["macao_tech"]), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["min_credit_grade"], body["required_qualifications"]) == ("A", ["macao_tech"])
    response = api.patch(f"/api/v1/institutions/me/products/{body['id']}", data={"min_credit_grade": "CC"},
                         content_type="application/json")
    assert response.json()["min_credit_grade"] == "CC"


def test_the_admin_reads_matches_and_batches_and_changes_nothing(client: Any, channels: Any, rates: Any) -> None:
    from django.urls import reverse

    from bayfin.matching import services
    from tests.factories import UserFactory

    ProductFactory(institution__organisation__jurisdiction="hengqin", institution__kind="commercial_bank")
    FinancingRequestFactory()
    services.batch_start(kind="requests")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in ("match", "matchbatch"):
        assert client.get(reverse(f"admin:matching_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:matching_{model}_add")).status_code == 403
    match = Match.objects.get()
    assert client.get(reverse("admin:matching_match_change", args=[match.pk])).status_code == 200
