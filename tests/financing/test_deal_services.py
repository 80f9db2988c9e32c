"""Deals: interest, acceptance, declining and withdrawing, closing by the platform, history and audit.

Concurrent moves: tests/financing/test_concurrency.py; the whole table: test_pipeline.py."""

from __future__ import annotations

from typing import Any

import pytest

from bayfin.accounts.models import OrganisationStatus
from bayfin.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.models import AuditEvent
from bayfin.financing import services
from bayfin.financing.models import Deal, DealEvent
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.institutions.models import ProductStatus
from tests.conftest import member_of
from tests.factories import (
    EnterpriseFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


def test_interest_creates_a_deal_with_its_first_history_row(channels: None, institution_user: Any, institution: Any,
                                                            open_request: Any) -> None:
    product = ProductFactory(institution=institution)
    deal = services.deal_express_interest(actor=institution_user, request_id=open_request.pk,
                                          message="We can lend.", product_id=product.pk)
    assert deal.stage == DealStage.INTEREST and deal.product == product and deal.institution == institution
    event = DealEvent.objects.get(deal=deal)
    assert (event.from_stage, event.to_stage, event.actor) == ("", "interest", institution_user)
    assert AuditEvent.objects.filter(action="financing.deal_interest", subject_id=str(deal.pk)).exists()


def test_second_live_interest_is_a_conflict(institution_user: Any, open_request: Any) -> None:
    services.deal_express_interest(actor=institution_user, request_id=open_request.pk, message="Hello")
    with pytest.raises(Conflict) as exc:
        services.deal_express_interest(actor=institution_user, request_id=open_request.pk, message="Again")
    assert "already" in str(exc.value.message)
    assert Deal.objects.count() == 1


def test_interest_again_after_the_first_deal_ended(institution_user: Any, institution: Any,
                                                   open_request: Any) -> None:
    from tests.factories import DealFactory

    DealFactory(request=open_request, institution=institution, stage=DealStage.DECLINED)
    services.deal_express_interest(actor=institution_user, request_id=open_request.pk, message="Try again")
    assert Deal.objects.count() == 2


def test_interest_needs_a_message(institution_user: Any, open_request: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.deal_express_interest(actor=institution_user, request_id=open_request.pk, message=" ")
    assert "message" in exc.value.fields
    assert not Deal.objects.exists()


@pytest.mark.parametrize("whose", ["other", "draft"])
def test_interest_product_must_be_own_and_published(institution_user: Any, institution: Any,
                                                    other_institution: Any, open_request: Any, whose: str) -> None:
    if whose == "other":
        product = ProductFactory(institution=other_institution)
    else:
        product = ProductFactory(institution=institution, status=ProductStatus.DRAFT)
    with pytest.raises(ValidationFailed) as exc:
        services.deal_express_interest(actor=institution_user, request_id=open_request.pk, message="Hi",
                                       product_id=product.pk)
    assert "product_id" in exc.value.fields
    assert not Deal.objects.exists()


@pytest.mark.parametrize("status", ["draft", "expired", "closed", "withdrawn", "funded"])
def test_interest_only_on_visible_requests(institution_user: Any, enterprise: Any, status: str) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=status)
    with pytest.raises(NotFound):
        services.deal_express_interest(actor=institution_user, request_id=req.pk, message="Hi")


def test_interest_not_on_a_pending_enterprises_request(institution_user: Any, pending_enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=pending_enterprise, status=RequestStatus.OPEN)
    with pytest.raises(NotFound):
        services.deal_express_interest(actor=institution_user, request_id=req.pk, message="Hi")


def test_pending_institution_cannot_express_interest(open_request: Any) -> None:
    pending = InstitutionFactory(organisation__status=OrganisationStatus.PENDING)
    with pytest.raises(PermissionDenied):
        services.deal_express_interest(actor=member_of(pending.organisation), request_id=open_request.pk,
                                       message="Hi")


def test_enterprise_cannot_express_interest(enterprise_user: Any, open_request: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.deal_express_interest(actor=enterprise_user, request_id=open_request.pk, message="Hi")


def test_accepting_the_first_deal_moves_the_request_in_progress(enterprise_user: Any, deal: Any) -> None:
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted", comment="Welcome")
    deal.refresh_from_db()
    deal.request.refresh_from_db()
    assert deal.stage == DealStage.ACCEPTED
    assert deal.request.status == RequestStatus.IN_PROGRESS
    last = deal.events.last()
    assert (last.from_stage, last.to_stage, last.actor, last.comment) == (
        "interest", "accepted", enterprise_user, "Welcome")
    assert AuditEvent.objects.filter(action="financing.deal_accepted").count() == 1
    assert AuditEvent.objects.filter(action="financing.request_in_progress").count() == 1


def test_accepting_a_second_deal_keeps_the_request_in_progress(enterprise_user: Any, deal: Any,
                                                               other_institution: Any) -> None:
    from tests.factories import DealFactory

    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted")
    second = DealFactory(request=deal.request, institution=other_institution)
    services.deal_transition(actor=enterprise_user, deal_id=second.pk, to_stage="accepted")
    deal.request.refresh_from_db()
    assert deal.request.status == RequestStatus.IN_PROGRESS


def test_declining_needs_a_reason(enterprise_user: Any, deal: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="declined", comment="  ")
    assert "comment" in exc.value.fields
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST and deal.events.count() == 1
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="declined", comment="Terms too tight")
    deal.refresh_from_db()
    assert deal.stage == DealStage.DECLINED and deal.events.last().comment == "Terms too tight"


def test_institution_cannot_accept_its_own_interest(institution_user: Any, deal: Any) -> None:
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage="accepted")
    assert "only the enterprise" in str(exc.value.message)
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST


def test_the_institution_declines_with_a_reason(enterprise_user: Any, institution_user: Any, deal: Any) -> None:
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted")
    with pytest.raises(ValidationFailed) as exc:
        services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage="declined")
    assert "comment" in exc.value.fields
    services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage="declined",
                             comment="Outside our sector limits.")
    deal.refresh_from_db()
    assert deal.stage == DealStage.DECLINED
    last = deal.events.last()
    assert (last.from_stage, last.to_stage, last.actor, last.comment) == (
        "accepted", "declined", institution_user, "Outside our sector limits.")


def test_the_enterprise_withdraws_with_a_reason(enterprise_user: Any, deal: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="withdrawn", comment=" ")
    assert "comment" in exc.value.fields
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="withdrawn",
                             comment="We raised the money elsewhere.")
    deal.refresh_from_db()
    assert deal.stage == DealStage.WITHDRAWN


def test_the_institution_cannot_withdraw_for_the_enterprise(institution_user: Any, deal: Any) -> None:
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=institution_user, deal_id=deal.pk, to_stage="withdrawn", comment="x")
    assert "only the enterprise can do this" in str(exc.value.message)


@pytest.mark.parametrize("side", ["enterprise", "institution"])
def test_only_the_platform_closes_a_deal(enterprise_user: Any, institution_user: Any, deal: Any,
                                         side: str) -> None:
    actor = enterprise_user if side == "enterprise" else institution_user
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=actor, deal_id=deal.pk, to_stage="closed", comment="Done.")
    assert "only the platform can do this" in str(exc.value.message)
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST


def test_closing_the_request_closes_its_deal(enterprise_user: Any, deal: Any) -> None:
    services.request_transition(actor=enterprise_user, request_id=deal.request_id, to_status="closed")
    deal.refresh_from_db()
    assert deal.stage == DealStage.CLOSED
    assert deal.events.last().to_stage == "closed"


def test_a_declined_deal_cannot_move_again(enterprise_user: Any, deal: Any) -> None:
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="declined", comment="No.")
    with pytest.raises(InvalidTransition) as exc:
        services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted")
    assert "Declined" in str(exc.value.message) and "Accepted" in str(exc.value.message)
    assert "not allowed" in str(exc.value.message)


def test_history_row_per_transition(enterprise_user: Any, deal: Any) -> None:
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="accepted")
    services.deal_transition(actor=enterprise_user, deal_id=deal.pk, to_stage="withdrawn", comment="Elsewhere.")
    assert [(e.from_stage, e.to_stage) for e in deal.events.all()] == [
        ("", "interest"), ("interest", "accepted"), ("accepted", "withdrawn")]


def test_strangers_get_not_found(other_enterprise_user: Any, other_institution_user: Any, deal: Any) -> None:
    for actor in (other_enterprise_user, other_institution_user):
        with pytest.raises(NotFound):
            services.deal_transition(actor=actor, deal_id=deal.pk, to_stage="declined", comment="No.")


def test_operator_and_observer_cannot_move_deals(operator_user: Any, observer_user: Any, deal: Any) -> None:
    for actor in (operator_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.deal_transition(actor=actor, deal_id=deal.pk, to_stage="declined", comment="No.")


def test_cannot_accept_on_an_ended_request(enterprise_user: Any, enterprise: Any, institution: Any) -> None:
    from tests.factories import DealFactory

    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.FUNDED)
    d = DealFactory(request=req, institution=institution)
    with pytest.raises(InvalidTransition):
        services.deal_transition(actor=enterprise_user, deal_id=d.pk, to_stage="accepted")


def test_interest_after_enterprise_deverified_is_refused(institution_user: Any) -> None:
    ent = EnterpriseFactory(organisation__status=OrganisationStatus.REJECTED)
    req = FinancingRequestFactory(enterprise=ent, status=RequestStatus.OPEN)
    with pytest.raises(NotFound):
        services.deal_express_interest(actor=institution_user, request_id=req.pk, message="Hi")
