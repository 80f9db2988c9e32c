"""Consent pages: the enterprise's data sharing, grant form (keeping input, errors next to fields,
the cross-border notice), confirmation, revocation; the institution's "shared with us"; roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from bayfin.consent import services
from bayfin.consent.models import ConsentGrant, GrantStatus
from bayfin.financing.transitions import DealStage
from tests.conftest import ROLE_NAMES
from tests.factories import DealFactory, FinancingRequestFactory

from .conftest import days

pytestmark = pytest.mark.django_db


def form(institution: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "institution_id": str(institution.pk),
        "scopes": ["profile", "statements"],
        "purpose": "Assessing our loan request.",
        "valid_until": days(120).isoformat(),
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- roles


PAGES = {
    "grants": ("consent:grants", [], {"enterprise"}),
    "grant_create": ("consent:grant_create", [], {"enterprise"}),
    "access_log": ("consent:access_log", [], {"enterprise"}),
    "shared": ("consent:shared", [], {"institution"}),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_page_role_matrix(page: str, role: str, client_for: Any, user_for_role: Any) -> None:
    name, args, allowed = PAGES[page]
    r = client_for(user_for_role(role)).get(reverse(name, args=args))
    if role == "anonymous":
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    else:
        assert r.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(
    "name", ["consent:grant_detail", "consent:grant_confirm", "consent:grant_revoke"]
)
def test_another_enterprises_grant_is_not_found(
    name: str, grant: Any, client_for: Any, other_enterprise_user: Any, institution_user: Any
) -> None:
    assert client_for(other_enterprise_user).get(reverse(name, args=[grant.pk])).status_code == 404
    assert client_for(institution_user).get(reverse(name, args=[grant.pk])).status_code == 403
    r = client_for(other_enterprise_user).post(reverse("consent:grant_revoke", args=[grant.pk]), {})
    assert r.status_code == 404
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE


# --------------------------------------------------------------------------- granting


def test_grant_form_lists_verified_institutions_with_their_jurisdiction(
    client_for: Any, enterprise_user: Any, institution: Any, mainland_institution: Any
) -> None:
    r = client_for(enterprise_user).get(reverse("consent:grant_create"))
    body = r.content.decode()
    assert f"{institution.organisation.name_en} (Macao)" in body
    assert "Shenzhen Tech Bank (Shenzhen)" in body
    assert 'data-cross-border="true"' in body and 'data-cross-border="false"' in body
    assert "beneficial owners" in body  # each scope says what it shares
    assert "Personal Information Protection Law" in body


def test_grant_from_the_page(
    client_for: Any, enterprise_user: Any, mainland_institution: Any
) -> None:
    r = client_for(enterprise_user).post(
        reverse("consent:grant_create"), form(mainland_institution)
    )
    grant = ConsentGrant.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "consent:grant_detail", args=[grant.pk]
    )
    assert grant.status == GrantStatus.ACTIVE and grant.scopes == ["profile", "statements"]
    r = client_for(enterprise_user).get(reverse("consent:grants"))
    assert "Shenzhen Tech Bank" in r.content.decode() and "Revoke" in r.content.decode()


def test_grant_form_keeps_input_and_shows_each_error(
    client_for: Any, enterprise_user: Any, mainland_institution: Any
) -> None:
    data = form(
        mainland_institution, scopes=[], purpose="Keep me", valid_until=days(-2).isoformat()
    )
    r = client_for(enterprise_user).post(reverse("consent:grant_create"), data)
    body = r.content.decode()
    assert r.status_code == 200 and not ConsentGrant.objects.exists()
    assert "Select at least one." in body and 'id="id_scopes_error"' in body
    assert "The end date must be after today." in body and 'id="id_valid_until_error"' in body
    assert "Keep me</textarea>" in body
    assert f'value="{days(-2).isoformat()}"' in body
    assert f'<option value="{mainland_institution.pk}" selected data-cross-border="false"' in body


def test_cross_border_refusal_next_to_the_field(
    client_for: Any, enterprise_user: Any, institution: Any
) -> None:
    r = client_for(enterprise_user).post(
        reverse("consent:grant_create"), form(institution, scopes=["statements"])
    )
    body = r.content.decode()
    assert r.status_code == 200 and not ConsentGrant.objects.exists()
    assert 'id="id_cross_border_consent_error"' in body
    assert "is in Macao, outside the Mainland" in body
    assert (
        "cross-border transfer of your company&#x27;s data" in body
        or "cross-border transfer of your company's data" in body
    )
    # The statements box is still ticked.
    assert 'value="statements" id="id_scopes_1" checked' in body
    r = client_for(enterprise_user).post(
        reverse("consent:grant_create"), form(institution, cross_border_consent="on")
    )
    assert r.status_code == 302
    assert ConsentGrant.objects.get().cross_border is True


# --------------------------------------------------------------------------- proposals


@pytest.fixture
def proposal(enterprise: Any, enterprise_user: Any, institution: Any) -> ConsentGrant:
    deal = DealFactory(
        request=FinancingRequestFactory(enterprise=enterprise, title="RF pilot"),
        institution=institution,
        stage=DealStage.ACCEPTED,
    )
    with transaction.atomic():
        return services.consent_propose_for_deal(actor=enterprise_user, deal=deal)


def test_proposals_show_first_with_confirm_and_dismiss(
    proposal: Any, client_for: Any, enterprise_user: Any
) -> None:
    body = client_for(enterprise_user).get(reverse("consent:grants")).content.decode()
    assert "Waiting for your confirmation" in body
    assert reverse("consent:grant_confirm", args=[proposal.pk]) in body
    assert reverse("consent:grant_dismiss", args=[proposal.pk]) in body
    assert body.index("Waiting for your confirmation") < body.index("Active consents")


def test_confirm_page_names_the_cross_border_recipient(
    proposal: Any, client_for: Any, enterprise_user: Any, institution: Any
) -> None:
    client = client_for(enterprise_user)
    url = reverse("consent:grant_confirm", args=[proposal.pk])
    body = client.get(url).content.decode()
    assert f"{institution.organisation.name_en} is in Macao, outside the Mainland" in body
    assert "RF pilot" in body  # the proposed purpose, editable
    r = client.post(url, {"scopes": ["profile"], "purpose": proposal.purpose, "valid_until": ""})
    assert r.status_code == 200 and 'id="id_cross_border_consent_error"' in r.content.decode()
    r = client.post(
        url,
        {
            "scopes": ["profile"],
            "purpose": proposal.purpose,
            "valid_until": "",
            "cross_border_consent": "on",
        },
    )
    assert r.status_code == 302
    proposal.refresh_from_db()
    assert (
        proposal.status == GrantStatus.ACTIVE
        and proposal.scopes == ["profile"]
        and proposal.valid_until is None
    )
    proposal.deal.refresh_from_db()
    assert proposal.deal.stage == DealStage.DATA_ACCESS
    body = client.get(reverse("consent:grant_detail", args=[proposal.pk])).content.decode()
    assert "For the life of the deal" in body and "separate consent given" in body


def test_dismiss_from_the_list(proposal: Any, client_for: Any, enterprise_user: Any) -> None:
    r = client_for(enterprise_user).post(
        reverse("consent:grant_dismiss", args=[proposal.pk]), {"reason": "Later"}
    )
    assert r.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == GrantStatus.DISMISSED


def test_dismiss_is_post_only(proposal: Any, client_for: Any, enterprise_user: Any) -> None:
    assert (
        client_for(enterprise_user)
        .get(reverse("consent:grant_dismiss", args=[proposal.pk]))
        .status_code
        == 405
    )


# --------------------------------------------------------------------------- revoking


def test_revoke_asks_first_then_revokes(grant: Any, client_for: Any, enterprise_user: Any) -> None:
    client = client_for(enterprise_user)
    url = reverse("consent:grant_revoke", args=[grant.pk])
    r = client.get(url)
    assert r.status_code == 200 and "Revoke now" in r.content.decode()
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE
    r = client.post(url, {"reason": "Deal off"})
    assert r.status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED and grant.end_reason == "Deal off"
    body = client.get(reverse("consent:grants")).content.decode()
    assert "Past consents" in body and "Revoked" in body


# --------------------------------------------------------------------------- the institution's side


def test_shared_with_us_lists_live_grants(
    grant: Any, client_for: Any, institution_user: Any, other_institution_user: Any
) -> None:
    body = client_for(institution_user).get(reverse("consent:shared")).content.decode()
    assert reverse("consent:shared_detail", args=[grant.enterprise.pk]) in body
    body = client_for(other_institution_user).get(reverse("consent:shared")).content.decode()
    assert "No enterprise shares data with your institution now" in body


def test_evaluation_tab_shows_the_explained_results(
    grant: Any, client_for: Any, institution_user: Any
) -> None:
    from bayfin.evaluation.services import evaluation_run

    evaluation_run(enterprise_id=grant.enterprise.pk, trigger="requested", on=dt.date(2026, 6, 1))
    r = client_for(institution_user).get(
        reverse("consent:shared_detail", args=[grant.enterprise.pk]) + "?scope=evaluation"
    )
    assert r.status_code == 200
    assert "Evaluated on" in r.content.decode()
