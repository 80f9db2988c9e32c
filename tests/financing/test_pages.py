"""Financing pages: each role sees and does what it may, and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import (
    CertificationFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Pilot line", "amount": "2500000.00", "currency": "MOP",
        "instruments": ["credit_loan"], "purpose": "Build a pilot line.", "use_of_funds": "",
        "term_months": "36", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- role matrix


PAGES = {
    "my_requests": ("financing:my_requests", {"enterprise"}),
    "request_create": ("financing:request_create", {"enterprise"}),
    "request_browse": ("financing:request_browse", {"institution", "operator"}),
    "deals": ("financing:deals", {"enterprise", "institution", "operator"}),
    "operator_requests": ("financing:operator_requests", {"operator"}),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["anonymous", "enterprise", "institution", "operator", "observer"])
def test_page_role_matrix(page: str, role: str, client_for: Any, enterprise_user: Any, institution_user: Any,
                          operator_user: Any, observer_user: Any) -> None:
    users = {"anonymous": None, "enterprise": enterprise_user, "institution": institution_user,
             "operator": operator_user, "observer": observer_user}
    name, allowed = PAGES[page]
    r = client_for(users[role]).get(reverse(name))
    if role == "anonymous":
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    elif role in allowed:
        assert r.status_code == 200
    else:
        assert r.status_code == 403


# --------------------------------------------------------------------------- enterprise pages


def test_create_request_page(client_for: Any, enterprise_user: Any) -> None:
    c = client_for(enterprise_user)
    r = c.post(reverse("financing:request_create"), form_data())
    req = FinancingRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("financing:request_detail", args=[req.pk])
    assert req.status == RequestStatus.DRAFT and str(req.amount) == "2500000.00"
    page = c.get(reverse("financing:my_requests")).content.decode()
    assert "Pilot line" in page and "Draft" in page


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "0"), ("amount", "-3"), ("amount", "10000000000000"), ("amount", "1.005"),
    ("currency", "XYZ"), ("instruments", []), ("deadline", "2001-01-01"),
])
def test_create_page_keeps_input_and_shows_the_error_next_to_the_field(
        client_for: Any, enterprise_user: Any, field: str, value: Any) -> None:
    r = client_for(enterprise_user).post(reverse("financing:request_create"), form_data(**{field: value}))
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert f'id="id_{field}_error"' in r.content.decode()
    assert "Pilot line" in r.content.decode()  # what the user typed is kept
    assert FinancingRequest.objects.count() == 0


def test_detail_shows_only_allowed_actions(client_for: Any, enterprise_user: Any, draft_request: Any) -> None:
    page = client_for(enterprise_user).get(reverse("financing:request_detail", args=[draft_request.pk]))
    html = page.content.decode()
    assert page.context["request_actions"] == ["open", "withdrawn"]
    assert 'value="open"' in html and 'value="funded"' not in html


def test_submit_from_the_page(client_for: Any, enterprise_user: Any, draft_request: Any) -> None:
    c = client_for(enterprise_user)
    r = c.post(reverse("financing:request_transition", args=[draft_request.pk]), {"to": "open"}, follow=True)
    draft_request.refresh_from_db()
    assert draft_request.status == RequestStatus.OPEN
    assert "The request is now Open." in r.content.decode()


def test_pending_enterprise_sees_why_it_cannot_submit(client_for: Any, pending_enterprise_user: Any,
                                                      pending_enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=pending_enterprise, status=RequestStatus.DRAFT)
    r = client_for(pending_enterprise_user).post(reverse("financing:request_transition", args=[req.pk]),
                                                 {"to": "open"}, follow=True)
    assert "must be verified" in r.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT


def test_refused_transition_on_the_page(client_for: Any, enterprise_user: Any, enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.FUNDED)
    r = client_for(enterprise_user).post(reverse("financing:request_transition", args=[req.pk]),
                                         {"to": "open"}, follow=True)
    assert "cannot become Open" in r.content.decode()


def test_edit_page(client_for: Any, enterprise_user: Any, open_request: Any) -> None:
    c = client_for(enterprise_user)
    url = reverse("financing:request_edit", args=[open_request.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, form_data(title="Edited", amount="7.777"))
    assert r.status_code == 200 and "amount" in r.context["form"].errors
    r = c.post(url, form_data(title="Edited"))
    assert r.status_code == 302
    open_request.refresh_from_db()
    assert open_request.title == "Edited"


def test_other_enterprise_gets_404_on_pages(client_for: Any, other_enterprise_user: Any, open_request: Any,
                                            deal: Any) -> None:
    c = client_for(other_enterprise_user)
    assert c.get(reverse("financing:request_detail", args=[open_request.pk])).status_code == 404
    assert c.get(reverse("financing:request_edit", args=[open_request.pk])).status_code == 404
    assert c.post(reverse("financing:request_transition", args=[open_request.pk]),
                  {"to": "closed"}).status_code == 404
    assert c.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 404


# --------------------------------------------------------------------------- institution pages


def test_browse_page_shows_public_profile_only(client_for: Any, institution_user: Any, enterprise: Any,
                                               pending_enterprise: Any) -> None:
    FinancialStatementFactory(enterprise=enterprise)
    FinancingRequestFactory(enterprise=enterprise, title="Visible one", status=RequestStatus.OPEN)
    FinancingRequestFactory(enterprise=enterprise, title="Secret draft", status=RequestStatus.DRAFT)
    FinancingRequestFactory(enterprise=enterprise, title="Old expired", status=RequestStatus.EXPIRED)
    FinancingRequestFactory(enterprise=pending_enterprise, title="Pending firm", status=RequestStatus.OPEN)
    html = client_for(institution_user).get(reverse("financing:request_browse")).content.decode()
    assert "Visible one" in html
    for hidden in ("Secret draft", "Old expired", "Pending firm", "38,000,000", enterprise.registration_number):
        assert hidden not in html
    assert "50-99" in html and "Integrated circuits" in html


def test_browse_page_filter(client_for: Any, institution_user: Any, enterprise: Any) -> None:
    FinancingRequestFactory(enterprise=enterprise, title="Loan wanted", instruments=["credit_loan"])
    FinancingRequestFactory(enterprise=enterprise, title="Equity wanted", instruments=["equity"])
    html = client_for(institution_user).get(reverse("financing:request_browse") + "?instrument=equity").content.decode()
    assert "Equity wanted" in html and "Loan wanted" not in html


def test_express_interest_then_enterprise_accepts(channels: None, client_for: Any, institution_user: Any, institution: Any,
                                                  enterprise_user: Any, open_request: Any) -> None:
    product = ProductFactory(institution=institution, name="Chip credit")
    inst = client_for(institution_user)
    page = inst.get(reverse("financing:request_detail", args=[open_request.pk]))
    assert "Express interest" in page.content.decode() and "Chip credit" in page.content.decode()
    r = inst.post(reverse("financing:request_interest", args=[open_request.pk]),
                  {"message": "We can help", "product": str(product.pk)})
    deal = Deal.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("financing:deal_detail", args=[deal.pk])
    # The institution cannot accept: no such button, and posting it is refused.
    html = inst.get(reverse("financing:deal_detail", args=[deal.pk])).content.decode()
    assert 'value="accepted"' not in html and 'value="closed"' in html
    inst.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "accepted"})
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST

    ent = client_for(enterprise_user)
    detail = ent.get(reverse("financing:request_detail", args=[open_request.pk])).content.decode()
    assert "We can help" in detail and 'value="accepted"' in detail and 'value="declined"' in detail
    r = ent.post(reverse("financing:deal_detail", args=[deal.pk]),
                 {"to": "accepted", "next": reverse("financing:request_detail", args=[open_request.pk])})
    assert r.status_code == 302 and r["Location"] == reverse("financing:request_detail", args=[open_request.pk])
    deal.refresh_from_db()
    open_request.refresh_from_db()
    assert deal.stage == DealStage.ACCEPTED and open_request.status == RequestStatus.IN_PROGRESS
    history = ent.get(reverse("financing:deal_detail", args=[deal.pk])).content.decode()
    assert "Interest → Accepted" in history


def test_interest_form_errors_shown_next_to_field(client_for: Any, institution_user: Any, open_request: Any) -> None:
    r = client_for(institution_user).post(reverse("financing:request_interest", args=[open_request.pk]),
                                          {"message": ""})
    assert r.status_code == 200 and "message" in r.context["interest_form"].errors
    assert not Deal.objects.exists()


def test_second_interest_on_the_page_is_refused(client_for: Any, institution_user: Any, open_request: Any,
                                                deal: Any) -> None:
    c = client_for(institution_user)
    page = c.get(reverse("financing:request_detail", args=[open_request.pk])).content.decode()
    assert "already has a live deal" in page
    r = c.post(reverse("financing:request_interest", args=[open_request.pk]), {"message": "Again"}, follow=True)
    assert "already has a live deal" in r.content.decode()
    assert Deal.objects.count() == 1


def test_decline_without_reason_shows_the_error(client_for: Any, enterprise_user: Any, deal: Any) -> None:
    c = client_for(enterprise_user)
    r = c.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "declined", "comment": ""})
    assert r.status_code == 200 and "comment" in r.context["form"].errors
    assert "Give a reason for declining." in r.content.decode()
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST
    c.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "declined", "comment": "Too costly"})
    deal.refresh_from_db()
    assert deal.stage == DealStage.DECLINED


def test_institution_cannot_see_drafts_or_other_institutions_deals(
        client_for: Any, institution_user: Any, other_institution_user: Any, draft_request: Any, deal: Any) -> None:
    assert client_for(institution_user).get(
        reverse("financing:request_detail", args=[draft_request.pk])).status_code == 404
    other = client_for(other_institution_user)
    assert other.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 404
    assert other.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "closed"}).status_code == 404
    assert "bf-empty" in other.get(reverse("financing:deals")).content.decode()


def test_observer_sees_nothing(client_for: Any, observer_user: Any, open_request: Any, deal: Any) -> None:
    c = client_for(observer_user)
    assert c.get(reverse("financing:request_detail", args=[open_request.pk])).status_code == 403
    assert c.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 403


# --------------------------------------------------------------------------- operator pages


def test_operator_request_list_filters(client_for: Any, operator_user: Any, enterprise: Any) -> None:
    FinancingRequestFactory(enterprise=enterprise, title="Open one", status=RequestStatus.OPEN)
    FinancingRequestFactory(enterprise=enterprise, title="Draft one", status=RequestStatus.DRAFT)
    c = client_for(operator_user)
    html = c.get(reverse("financing:operator_requests")).content.decode()
    assert "Open one" in html and "Draft one" in html
    html = c.get(reverse("financing:operator_requests") + "?status=draft").content.decode()
    assert "Draft one" in html and "Open one" not in html
    html = c.get(reverse("financing:operator_requests") + "?jurisdiction=macao").content.decode()
    assert "Draft one" not in html


def test_operator_reads_deals_and_requests(client_for: Any, operator_user: Any, deal: Any) -> None:
    c = client_for(operator_user)
    assert c.get(reverse("financing:request_detail", args=[deal.request_id])).status_code == 200
    r = c.get(reverse("financing:deal_detail", args=[deal.pk]))
    assert r.status_code == 200 and r.context["actions"] == []


def test_admin_is_read_only(client_for: Any, operator_user: Any, deal: Any) -> None:
    operator_user.is_superuser = True
    operator_user.save()
    c = client_for(operator_user)
    assert c.get(reverse("admin:financing_deal_change", args=[deal.pk])).status_code == 200
    assert c.get(reverse("admin:financing_financingrequest_changelist")).status_code == 200
    assert c.get(reverse("admin:financing_deal_add")).status_code == 403
    r = c.post(reverse("admin:financing_deal_delete", args=[deal.pk]), {"post": "yes"})
    assert r.status_code == 403
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_institution_sees_published_certifications_but_not_unpublished_ones(institution_user, client_for):
    req = FinancingRequestFactory()
    CertificationFactory(enterprise=req.enterprise, kind="hnte", published=True)
    CertificationFactory(enterprise=req.enterprise, kind="srdi", published=False)
    html = client_for(institution_user).get(f"/financing/requests/{req.pk}/").content.decode()
    assert "High and New Technology Enterprise (HNTE)" in html
    assert "Specialised, refined" not in html
