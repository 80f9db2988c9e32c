"""Financing pages: each role sees and does what it may, and nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bayfin.financing import services
from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.fx.models import FxRate
from tests.conftest import ROLE_NAMES, member_of
from tests.factories import (
    CertificationFactory,
    DealFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    ProductFactory,
)
from tests.financing import deal_steps

pytestmark = pytest.mark.django_db


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Pilot line",
        "amount": "2500000.00",
        "currency": "MOP",
        "instruments": ["credit_loan"],
        "purpose": "Build a pilot line.",
        "use_of_funds": "",
        "term_months": "36",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
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
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_page_role_matrix(page: str, role: str, client_for: Any, user_for_role: Any) -> None:
    name, allowed = PAGES[page]
    r = client_for(user_for_role(role)).get(reverse(name))
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
    assert r.status_code == 302 and r["Location"] == reverse(
        "financing:request_detail", args=[req.pk]
    )
    assert req.status == RequestStatus.DRAFT and str(req.amount) == "2500000.00"
    page = c.get(reverse("financing:my_requests")).content.decode()
    assert "Pilot line" in page and "Draft" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-3"),
        ("amount", "10000000000000"),
        ("amount", "1.005"),
        ("currency", "XYZ"),
        ("instruments", []),
        ("deadline", "2001-01-01"),
    ],
)
def test_create_page_keeps_input_and_shows_the_error_next_to_the_field(
    client_for: Any, enterprise_user: Any, field: str, value: Any
) -> None:
    r = client_for(enterprise_user).post(
        reverse("financing:request_create"), form_data(**{field: value})
    )
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert f'id="id_{field}_error"' in r.content.decode()
    assert "Pilot line" in r.content.decode()  # what the user typed is kept
    assert FinancingRequest.objects.count() == 0


def test_detail_shows_only_allowed_actions(
    client_for: Any, enterprise_user: Any, draft_request: Any
) -> None:
    page = client_for(enterprise_user).get(
        reverse("financing:request_detail", args=[draft_request.pk])
    )
    html = page.content.decode()
    assert page.context["request_actions"] == ["open", "withdrawn"]
    assert 'value="open"' in html and 'value="funded"' not in html


def test_submit_from_the_page(client_for: Any, enterprise_user: Any, draft_request: Any) -> None:
    c = client_for(enterprise_user)
    r = c.post(
        reverse("financing:request_transition", args=[draft_request.pk]),
        {"to": "open"},
        follow=True,
    )
    draft_request.refresh_from_db()
    assert draft_request.status == RequestStatus.OPEN
    assert "The request is now Open." in r.content.decode()


def test_pending_enterprise_sees_why_it_cannot_submit(
    client_for: Any, pending_enterprise_user: Any, pending_enterprise: Any
) -> None:
    req = FinancingRequestFactory(enterprise=pending_enterprise, status=RequestStatus.DRAFT)
    r = client_for(pending_enterprise_user).post(
        reverse("financing:request_transition", args=[req.pk]), {"to": "open"}, follow=True
    )
    assert "must be verified" in r.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT


def test_refused_transition_on_the_page(
    client_for: Any, enterprise_user: Any, enterprise: Any
) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.FUNDED)
    r = client_for(enterprise_user).post(
        reverse("financing:request_transition", args=[req.pk]), {"to": "open"}, follow=True
    )
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


def test_other_enterprise_gets_404_on_pages(
    client_for: Any, other_enterprise_user: Any, open_request: Any, deal: Any
) -> None:
    c = client_for(other_enterprise_user)
    assert c.get(reverse("financing:request_detail", args=[open_request.pk])).status_code == 404
    assert c.get(reverse("financing:request_edit", args=[open_request.pk])).status_code == 404
    assert (
        c.post(
            reverse("financing:request_transition", args=[open_request.pk]), {"to": "closed"}
        ).status_code
        == 404
    )
    assert c.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 404


# --------------------------------------------------------------------------- institution pages


def test_browse_page_shows_public_profile_only(
    client_for: Any, institution_user: Any, enterprise: Any, pending_enterprise: Any
) -> None:
    FinancialStatementFactory(enterprise=enterprise)
    FinancingRequestFactory(enterprise=enterprise, title="Visible one", status=RequestStatus.OPEN)
    FinancingRequestFactory(enterprise=enterprise, title="Secret draft", status=RequestStatus.DRAFT)
    FinancingRequestFactory(
        enterprise=enterprise, title="Old expired", status=RequestStatus.EXPIRED
    )
    FinancingRequestFactory(
        enterprise=pending_enterprise, title="Pending firm", status=RequestStatus.OPEN
    )
    html = client_for(institution_user).get(reverse("financing:request_browse")).content.decode()
    assert "Visible one" in html
    for hidden in (
        "Secret draft",
        "Old expired",
        "Pending firm",
        "38,000,000",
        enterprise.registration_number,
    ):
        assert hidden not in html
    assert "50-99" in html and "Integrated circuits" in html


def test_browse_page_filter(client_for: Any, institution_user: Any, enterprise: Any) -> None:
    FinancingRequestFactory(enterprise=enterprise, title="Loan wanted", instruments=["credit_loan"])
    FinancingRequestFactory(enterprise=enterprise, title="Equity wanted", instruments=["equity"])
    html = (
        client_for(institution_user)
        .get(reverse("financing:request_browse") + "?instrument=equity")
        .content.decode()
    )
    assert "Equity wanted" in html and "Loan wanted" not in html


def test_express_interest_then_enterprise_accepts(
    channels: None,
    client_for: Any,
    institution_user: Any,
    institution: Any,
    enterprise_user: Any,
    open_request: Any,
) -> None:
    product = ProductFactory(institution=institution, name="Chip credit")
    inst = client_for(institution_user)
    page = inst.get(reverse("financing:request_detail", args=[open_request.pk]))
    assert "Express interest" in page.content.decode() and "Chip credit" in page.content.decode()
    r = inst.post(
        reverse("financing:request_interest", args=[open_request.pk]),
        {"message": "We can help", "product": str(product.pk)},
    )
    deal = Deal.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "financing:deal_detail", args=[deal.pk]
    )
    # The institution cannot accept: no such button, and posting it is refused.
    html = inst.get(reverse("financing:deal_detail", args=[deal.pk])).content.decode()
    assert (
        'value="accepted"' not in html
        and 'value="declined"' in html
        and 'value="closed"' not in html
    )
    inst.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "accepted"})
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST

    ent = client_for(enterprise_user)
    detail = ent.get(reverse("financing:request_detail", args=[open_request.pk])).content.decode()
    assert "We can help" in detail and 'value="accepted"' in detail and 'value="declined"' in detail
    r = ent.post(
        reverse("financing:deal_detail", args=[deal.pk]),
        {"to": "accepted", "next": reverse("financing:request_detail", args=[open_request.pk])},
    )
    assert r.status_code == 302 and r["Location"] == reverse(
        "financing:request_detail", args=[open_request.pk]
    )
    deal.refresh_from_db()
    open_request.refresh_from_db()
    assert deal.stage == DealStage.ACCEPTED and open_request.status == RequestStatus.IN_PROGRESS
    history = ent.get(reverse("financing:deal_detail", args=[deal.pk])).content.decode()
    assert "Interest → Accepted" in history


def test_interest_form_errors_shown_next_to_field(
    client_for: Any, institution_user: Any, open_request: Any
) -> None:
    r = client_for(institution_user).post(
        reverse("financing:request_interest", args=[open_request.pk]), {"message": ""}
    )
    assert r.status_code == 200 and "message" in r.context["interest_form"].errors
    assert not Deal.objects.exists()


def test_second_interest_on_the_page_is_refused(
    client_for: Any, institution_user: Any, open_request: Any, deal: Any
) -> None:
    c = client_for(institution_user)
    page = c.get(reverse("financing:request_detail", args=[open_request.pk])).content.decode()
    assert "already has a live deal" in page
    r = c.post(
        reverse("financing:request_interest", args=[open_request.pk]),
        {"message": "Again"},
        follow=True,
    )
    assert "already has a live deal" in r.content.decode()
    assert Deal.objects.count() == 1


def test_decline_without_reason_shows_the_error(
    client_for: Any, enterprise_user: Any, deal: Any
) -> None:
    c = client_for(enterprise_user)
    r = c.post(
        reverse("financing:deal_detail", args=[deal.pk]), {"to": "declined", "declined-comment": ""}
    )
    assert r.status_code == 200
    form = next(f for f in r.context["transition_forms"] if f.prefix == "declined")
    assert "comment" in form.errors
    html = r.content.decode()
    assert (
        "Give a reason: the other side is told why." in html
        and 'id="id_declined-comment_error"' in html
    )
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST
    c.post(
        reverse("financing:deal_detail", args=[deal.pk]),
        {"to": "declined", "declined-comment": "Too costly"},
    )
    deal.refresh_from_db()
    assert deal.stage == DealStage.DECLINED


def test_institution_cannot_see_drafts_or_other_institutions_deals(
    client_for: Any,
    institution_user: Any,
    other_institution_user: Any,
    draft_request: Any,
    deal: Any,
) -> None:
    assert (
        client_for(institution_user)
        .get(reverse("financing:request_detail", args=[draft_request.pk]))
        .status_code
        == 404
    )
    other = client_for(other_institution_user)
    assert other.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 404
    assert (
        other.post(reverse("financing:deal_detail", args=[deal.pk]), {"to": "declined"}).status_code
        == 404
    )
    assert "bf-empty" in other.get(reverse("financing:deals")).content.decode()


def test_observer_sees_nothing(
    client_for: Any, observer_user: Any, open_request: Any, deal: Any
) -> None:
    c = client_for(observer_user)
    assert c.get(reverse("financing:request_detail", args=[open_request.pk])).status_code == 403
    assert c.get(reverse("financing:deal_detail", args=[deal.pk])).status_code == 403


# --------------------------------------------------------------------------- operator pages


def test_operator_request_list_filters(
    client_for: Any, operator_user: Any, enterprise: Any
) -> None:
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


def test_institution_sees_published_certifications_but_not_unpublished_ones(
    institution_user, client_for
):
    req = FinancingRequestFactory()
    CertificationFactory(enterprise=req.enterprise, kind="hnte", published=True)
    CertificationFactory(enterprise=req.enterprise, kind="srdi", published=False)
    html = client_for(institution_user).get(f"/financing/requests/{req.pk}/").content.decode()
    assert "High and New Technology Enterprise (HNTE)" in html
    assert "Specialised, refined" not in html


# --------------------------------------------------------------------------- the deal page: the full pipeline


def deal_url(deal: Any, name: str = "financing:deal_detail", *args: Any) -> str:
    return reverse(name, args=[deal.pk, *args])


def make_document(enterprise: Any, user: Any, title: str = "Business plan 2026") -> Any:
    from bayfin.documents.models import Document

    return Document.objects.create(
        enterprise=enterprise,
        kind="business_plan",
        title=title,
        original_name="plan.pdf",
        sha256="ab" * 32,
        size=1000,
        content_type="application/pdf",
        extension="pdf",
        storage_name="documents/ab/plan",
        uploaded_by=user,
        uploaded_by_organisation=enterprise.organisation,
    )


def guarantee_company() -> Any:
    from bayfin.common.vocab import InstitutionKind
    from tests.factories import InstitutionFactory

    return InstitutionFactory(
        kind=InstitutionKind.GUARANTEE_COMPANY, organisation__name_en="Hengqin Guarantee"
    )


def test_pipeline_strip_marks_the_current_stage(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    r = client_for(enterprise_user).get(deal_url(deal))
    steps = r.context["pipeline"]["steps"]
    assert [s["state"] for s in steps][:5] == ["done", "done", "done", "current", "todo"]
    assert [s["label"] for s in steps][-3:] == [
        "Disbursed or invested",
        "Repaying",
        "Repaid or defaulted",
    ]
    html = r.content.decode()
    assert 'aria-current="step"' in html and html.count('aria-current="step"') == 1
    current = html[html.index('aria-current="step"') :]
    assert current.index("Due diligence") < current.index("</li>")


def test_pipeline_strip_shows_where_a_deal_ended(
    client_for: Any, enterprise_user: Any, deal: Any
) -> None:
    deal_steps.accepted(deal, enterprise_user)
    services.deal_transition(
        actor=enterprise_user, deal_id=deal.pk, to_stage="withdrawn", comment="Found a bank"
    )
    steps = client_for(enterprise_user).get(deal_url(deal)).context["pipeline"]["steps"]
    assert [(s["stage"], s["state"]) for s in steps[:3]] == [
        ("interest", "done"),
        ("accepted", "done"),
        ("withdrawn", "exit"),
    ]
    assert not any(s["state"] == "current" for s in steps)


def test_equity_pipeline_ends_at_invested(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.approved(deal, enterprise_user, institution_user, deal_steps.EQUITY_TERMS)
    r = client_for(institution_user).get(deal_url(deal))
    assert [s["label"] for s in r.context["pipeline"]["steps"]][-1] == "Invested"
    assert r.context["actions"] == ["invested", "declined"]
    assert (
        "Record investment" in r.content.decode()
        and "Record disbursement" not in r.content.decode()
    )
    r = client_for(institution_user).post(
        deal_url(deal), {"to": "invested", "expected_stage": "approved"}
    )
    deal.refresh_from_db()
    assert r.status_code == 302 and deal.stage == DealStage.INVESTED


def test_parties_and_the_enterprise_public_profile_link(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any, enterprise: Any
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    deal.guarantor = guarantee_company()
    deal.save()
    html = client_for(enterprise_user).get(deal_url(deal)).content.decode()
    assert reverse("enterprises:public_profile", args=[enterprise.pk]) in html
    assert reverse("institutions:public_profile", args=[deal.institution_id]) in html
    assert "Hengqin Guarantee" in html


def test_accepted_deal_links_the_enterprise_to_the_proposed_consent(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.accepted(deal, enterprise_user)
    grant = deal.consents.get(status="proposed")
    html = client_for(enterprise_user).get(deal_url(deal)).content.decode()
    assert reverse("consent:grant_confirm", args=[grant.pk]) in html
    html = client_for(institution_user).get(deal_url(deal)).content.decode()
    assert "Waiting for the enterprise to share its data." in html
    assert reverse("consent:grant_confirm", args=[grant.pk]) not in html


def test_move_with_comment_and_attached_document(
    client_for: Any, enterprise_user: Any, enterprise: Any, institution_user: Any, deal: Any
) -> None:
    document = make_document(enterprise, enterprise_user)
    c = client_for(enterprise_user)
    page = c.get(deal_url(deal))
    html = page.content.decode()
    assert 'name="accepted-documents"' in html and "Business plan 2026" in html
    assert 'name="expected_stage" value="interest"' in html
    r = c.post(
        deal_url(deal),
        {
            "to": "accepted",
            "expected_stage": "interest",
            "accepted-comment": "Welcome",
            "accepted-documents": [str(document.pk)],
        },
    )
    assert r.status_code == 302
    event = deal.events.get(to_stage="accepted")
    assert event.comment == "Welcome" and list(event.documents.all()) == [document]
    html = client_for(institution_user).get(deal_url(deal)).content.decode()
    assert reverse("documents:download", args=[document.pk]) in html and "Welcome" in html


def test_foreign_document_is_refused_next_to_the_picker(
    client_for: Any,
    enterprise_user: Any,
    deal: Any,
    other_enterprise: Any,
    other_enterprise_user: Any,
) -> None:
    foreign = make_document(other_enterprise, other_enterprise_user)
    r = client_for(enterprise_user).post(
        deal_url(deal),
        {"to": "accepted", "expected_stage": "interest", "accepted-documents": [str(foreign.pk)]},
    )
    assert r.status_code == 200
    form = next(f for f in r.context["transition_forms"] if f.prefix == "accepted")
    assert "documents" in form.errors
    deal.refresh_from_db()
    assert deal.stage == DealStage.INTEREST


def test_withdrawing_needs_a_reason_and_says_so(
    client_for: Any, enterprise_user: Any, deal: Any
) -> None:
    html = client_for(enterprise_user).get(deal_url(deal)).content.decode()
    assert "Required: the other side is told why." in html
    r = client_for(enterprise_user).post(
        deal_url(deal), {"to": "withdrawn", "expected_stage": "interest"}
    )
    assert r.status_code == 200 and 'id="id_withdrawn-comment_error"' in r.content.decode()


def test_stale_expected_stage_shows_the_conflict_over_the_current_state(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    page = client_for(institution_user).get(deal_url(deal)).content.decode()
    assert 'name="expected_stage" value="interest"' in page
    deal_steps.accepted(deal, enterprise_user)  # meanwhile, the enterprise accepts
    r = client_for(institution_user).post(
        deal_url(deal),
        {"to": "declined", "expected_stage": "interest", "declined-comment": "Not for us"},
    )
    assert r.status_code == 409
    html = r.content.decode()
    assert 'id="deal-conflict"' in html and "Someone else moved this deal to Accepted" in html
    assert r.context["deal"].stage == DealStage.ACCEPTED
    assert 'name="expected_stage" value="accepted"' in html
    deal.refresh_from_db()
    assert deal.stage == DealStage.ACCEPTED


def test_propose_terms_from_the_page_moves_to_term_sheet(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    c = client_for(institution_user)
    page = c.get(deal_url(deal))
    form = page.context["term_sheet_form"]
    # Only the request's instruments, never a guarantee.
    assert [v for v, _label in form.fields["instrument"].choices if v] == ["credit_loan", "equity"]
    r = c.post(
        deal_url(deal, "financing:term_sheet_propose"),
        {**deal_steps.LOAN_TERMS, "expected_stage": "due_diligence"},
    )
    assert r.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == DealStage.TERM_SHEET
    ts = deal.term_sheets.get()
    html = client_for(enterprise_user).get(deal_url(deal)).content.decode()
    assert ts.document_sha256[:12] in html and f'title="{ts.document_sha256}"' in html
    assert reverse("financing:term_sheet_document", args=[deal.pk, 1]) in html
    assert f'name="sha256" value="{ts.document_sha256}"' in html  # the enterprise has to confirm
    assert (
        f'name="sha256" value="{ts.document_sha256}"' not in c.get(deal_url(deal)).content.decode()
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_rate": "99"}, "annual_rate"),
        ({"annual_rate": "abc"}, "annual_rate"),
        ({"instrument": "equity", "valuation": "50000000.00"}, "term_months"),  # equity with a term
        ({"instrument": "bond"}, "instrument"),  # not one the request accepts
        ({"amount": "0"}, "amount"),
    ],
)
def test_term_sheet_form_refusals_name_the_field(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    deal: Any,
    changes: dict,
    field: str,
) -> None:
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    r = client_for(institution_user).post(
        deal_url(deal, "financing:term_sheet_propose"), {**deal_steps.LOAN_TERMS, **changes}
    )
    assert r.status_code == 200
    assert field in r.context["term_sheet_form"].errors
    assert f'id="id_{field}_error"' in r.content.decode()
    assert "Quarterly statements." in r.content.decode()  # what was typed is kept
    deal.refresh_from_db()
    assert deal.stage == DealStage.DUE_DILIGENCE and not deal.term_sheets.exists()


def test_confirm_terms_from_the_page(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    ts = deal_steps.term_sheet(deal, enterprise_user, institution_user)
    c = client_for(enterprise_user)
    url = deal_url(deal, "financing:term_sheet_confirm", 1)
    r = c.post(url, {"sha256": "0" * 64}, follow=True)
    assert "These are not the terms you read" in r.content.decode()
    r = c.post(url, {"sha256": ts.document_sha256}, follow=True)
    assert "Every party has confirmed term sheet 1" in r.content.decode()
    deal.refresh_from_db()
    assert deal.agreed_amount == Decimal("1000000.00") and deal.agreed_instrument == "credit_loan"
    r = client_for(institution_user).post(
        deal_url(deal), {"to": "approved", "expected_stage": "term_sheet"}
    )
    deal.refresh_from_db()
    assert deal.stage == DealStage.APPROVED
    assert (
        "Record disbursement" in client_for(institution_user).get(deal_url(deal)).content.decode()
    )


def test_term_sheet_document_download(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    operator_user: Any,
    other_institution_user: Any,
    observer_user: Any,
    deal: Any,
) -> None:
    ts = deal_steps.term_sheet(deal, enterprise_user, institution_user)
    url = deal_url(deal, "financing:term_sheet_document", 1)
    for user in (enterprise_user, institution_user, operator_user):
        r = client_for(user).get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/json"
        assert r["Content-Disposition"].startswith("attachment;")
        assert hashlib.sha256(r.content).hexdigest() == ts.document_sha256
        assert json.loads(r.content)["amount"] == {"amount": "1000000.00", "currency": "CNY"}
    assert client_for(other_institution_user).get(url).status_code == 404
    assert client_for(observer_user).get(url).status_code == 403
    assert (
        client_for(enterprise_user)
        .get(deal_url(deal, "financing:term_sheet_document", 9))
        .status_code
        == 404
    )


def test_lender_names_a_guarantor_who_confirms_terms_but_cannot_move_the_deal(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    guarantor = guarantee_company()
    guarantor_user = member_of(guarantor.organisation)
    deal_steps.due_diligence(deal, enterprise_user, institution_user)
    inst = client_for(institution_user)
    choices = inst.get(deal_url(deal)).context["guarantor_form"].fields["guarantor_id"].choices
    assert (str(guarantor.pk), "Hengqin Guarantee") in choices
    assert client_for(enterprise_user).get(deal_url(deal)).context["guarantor_form"] is None
    r = inst.post(deal_url(deal, "financing:deal_guarantor"), {"guarantor_id": "999999"})
    assert r.status_code == 200 and "guarantor_id" in r.context["guarantor_form"].errors
    r = inst.post(deal_url(deal, "financing:deal_guarantor"), {"guarantor_id": str(guarantor.pk)})
    assert r.status_code == 302
    deal.refresh_from_db()
    assert deal.guarantor == guarantor

    g = client_for(guarantor_user)
    listing = g.get(reverse("financing:deals")).content.decode()
    assert deal_url(deal) in listing and "as guarantor" in listing
    services.term_sheet_propose(actor=institution_user, deal_id=deal.pk, data=deal_steps.LOAN_TERMS)
    page = g.get(deal_url(deal))
    assert (
        page.status_code == 200
        and page.context["actions"] == []
        and page.context["confirm_pending"]
    )
    r = g.post(
        deal_url(deal),
        {"to": "declined", "expected_stage": "term_sheet", "declined-comment": "No"},
        follow=True,
    )
    assert "only the enterprise / the institution can do this" in r.content.decode()
    deal.refresh_from_db()
    assert deal.stage == DealStage.TERM_SHEET
    ts = deal.term_sheets.get()
    g.post(deal_url(deal, "financing:term_sheet_confirm", 1), {"sha256": ts.document_sha256})
    ts.refresh_from_db()
    assert (
        ts.guarantor_confirmed_by == guarantor_user and ts.status == "proposed"
    )  # the enterprise has not yet
    # The guarantor cannot name guarantors or propose terms.
    assert (
        g.post(deal_url(deal, "financing:deal_guarantor"), {"guarantor_id": ""}).status_code == 403
    )
    assert (
        g.post(deal_url(deal, "financing:term_sheet_propose"), deal_steps.LOAN_TERMS).status_code
        == 403
    )


def test_disbursed_loan_shows_the_schedule_and_the_lender_records_repayments(
    client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any
) -> None:
    deal_steps.disbursed(deal, enterprise_user, institution_user)
    ent = client_for(enterprise_user).get(deal_url(deal))
    assert len(ent.context["repayment"].rows) == 12 and ent.context["payment_form"] is None
    html = ent.content.decode()
    assert "Repayment schedule" in html and "default at 90 days past due" in html
    assert '<td class="num">CN¥85,309.90</td>' in html  # money right-aligned with its currency
    inst = client_for(institution_user)
    assert inst.get(deal_url(deal)).context["payment_form"] is not None
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = inst.post(
        deal_url(deal, "financing:deal_payment"), {"amount": "85309.90", "paid_on": tomorrow}
    )
    assert r.status_code == 200 and "paid_on" in r.context["payment_form"].errors
    assert 'id="id_paid_on_error"' in r.content.decode()
    r = inst.post(deal_url(deal, "financing:deal_payment"), {"amount": "-5", "paid_on": tomorrow})
    assert {"amount", "paid_on"} <= set(r.context["payment_form"].errors)
    r = inst.post(
        deal_url(deal, "financing:deal_payment"),
        {"amount": "85309.90", "paid_on": timezone.localdate().isoformat(), "reference": "TX-1"},
    )
    assert r.status_code == 302
    rows = client_for(enterprise_user).get(deal_url(deal)).context["repayment"].rows
    assert rows[0].status == "paid" and rows[1].status == "due"
    deal.refresh_from_db()
    assert deal.stage == DealStage.REPAYING
    assert (
        client_for(enterprise_user)
        .post(deal_url(deal, "financing:deal_payment"), {"amount": "1", "paid_on": "2026-01-01"})
        .status_code
        == 403
    )


def test_operator_and_observer_cannot_act_on_a_deal(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    operator_user: Any,
    observer_user: Any,
    deal: Any,
) -> None:
    deal_steps.term_sheet(deal, enterprise_user, institution_user)
    for user in (operator_user, observer_user):
        c = client_for(user)
        assert (
            c.post(deal_url(deal), {"to": "declined", "declined-comment": "x"}).status_code == 403
        )
        assert (
            c.post(
                deal_url(deal, "financing:term_sheet_propose"), deal_steps.LOAN_TERMS
            ).status_code
            == 403
        )
        assert c.post(deal_url(deal, "financing:term_sheet_confirm", 1), {}).status_code == 403
        assert c.post(deal_url(deal, "financing:deal_guarantor"), {}).status_code == 403
        assert c.post(deal_url(deal, "financing:deal_payment"), {}).status_code == 403
    page = client_for(operator_user).get(deal_url(deal))
    assert page.status_code == 200 and page.context["term_sheet_form"] is None
    assert not page.context["confirm_pending"] and "Confirm term sheet" not in page.content.decode()
    deal.refresh_from_db()
    assert deal.stage == DealStage.TERM_SHEET


def test_another_institution_gets_404_on_every_deal_page(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_institution_user: Any,
    deal: Any,
) -> None:
    deal_steps.term_sheet(deal, enterprise_user, institution_user)
    c = client_for(other_institution_user)
    assert (
        c.post(deal_url(deal, "financing:term_sheet_propose"), deal_steps.LOAN_TERMS).status_code
        == 404
    )
    assert c.post(deal_url(deal, "financing:term_sheet_confirm", 1), {}).status_code == 404
    assert c.post(deal_url(deal, "financing:deal_guarantor"), {}).status_code == 404
    assert c.post(deal_url(deal, "financing:deal_payment"), {}).status_code == 404


def test_deals_list_filters_by_the_new_stages(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    deal: Any,
    open_request: Any,
    other_institution: Any,
) -> None:
    deal_steps.term_sheet(deal, enterprise_user, institution_user)
    DealFactory(request=open_request, institution=other_institution, stage=DealStage.INTEREST)
    c = client_for(enterprise_user)
    page = c.get(reverse("financing:deals") + "?stage=term_sheet")
    assert [d.pk for d in page.context["page_obj"]] == [deal.pk]
    assert "Term sheet" in page.content.decode()
    assert len(c.get(reverse("financing:deals")).context["page_obj"]) == 2


def test_request_funded_by_two_deals_shows_as_funded(
    client_for: Any,
    enterprise_user: Any,
    institution_user: Any,
    other_institution: Any,
    other_institution_user: Any,
    open_request: Any,
    deal: Any,
) -> None:
    """8,000,000 CNY asked: a 5,000,000 CNY loan and a 3,500,000 MOP investment at 0.88 CNY per MOP."""
    FxRate.objects.create(
        day=timezone.localdate(), base="MOP", quote="CNY", rate=Decimal("0.88"), source="test"
    )
    deal_steps.disbursed(
        deal, enterprise_user, institution_user, {**deal_steps.LOAN_TERMS, "amount": "5000000.00"}
    )
    ent = client_for(enterprise_user)
    funding = ent.get(reverse("financing:request_detail", args=[open_request.pk])).context[
        "funding"
    ]
    assert funding.funded.amount == Decimal("5000000.00") and not funding.reached
    second = DealFactory(
        request=open_request, institution=other_institution, stage=DealStage.INTEREST
    )
    deal_steps.approved(
        second,
        enterprise_user,
        other_institution_user,
        {
            **deal_steps.EQUITY_TERMS,
            "amount": "3500000.00",
            "currency": "MOP",
            "valuation": "40000000.00",
        },
    )
    services.deal_transition(actor=other_institution_user, deal_id=second.pk, to_stage="invested")

    r = ent.get(reverse("financing:request_detail", args=[open_request.pk]))
    funding = r.context["funding"]
    assert funding.reached and funding.funded.amount == Decimal("8080000.00")
    assert [(d.pk, str(m.amount), m.currency, str(c.amount)) for d, m, c in funding.lines] == [
        (deal.pk, "5000000.00", "CNY", "5000000.00"),
        (second.pk, "3500000.00", "MOP", "3080000.00"),
    ]
    html = r.content.decode()
    assert 'id="funding"' in html and "CN¥3,080,000.00" in html and "Funded" in html
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.FUNDED
    listing = ent.get(reverse("financing:my_requests")).content.decode()
    assert "Funded" in listing
    # Institutions do not see the enterprise's funding panel.
    page = client_for(institution_user).get(
        reverse("financing:request_detail", args=[open_request.pk])
    )
    assert page.context["funding"] is None and 'id="funding"' not in page.content.decode()
