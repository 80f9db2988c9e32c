"""Ledger pages: the public page (anyone, even signed out: the origin, the keys to copy, the
latest checkpoints and how to verify), a signed checkpoint as plain text (anyone), and the
receipt download (parties and operators; others 404; anonymous to the sign-in page). The
receipt links appear on a deal's history and on the operator's organisation page once the
entry is integrated and covered by a signed checkpoint, and not before.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import pytest
from django.urls import reverse

from bayfin.accounts.services import organisation_verify
from bayfin.financing.transitions import DealStage
from bayfin.ledger import services
from bayfin.ledger.models import SignedCheckpoint
from bayfin.ledger.receipt import verify_receipt
from tests.conftest import member_of
from tests.ledger.test_api import integrate_and_sign, record_deal_event

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def response_raw(response: Any) -> str:
    return response.content.decode()


def receipt_links(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/ledger/entries/(\d+)/receipt/"', page)]


@pytest.fixture
def deal_logged(ledger_keys: Any, enterprise: Any, institution: Any) -> Any:
    deal, _event = record_deal_event(enterprise, institution)
    integrate_and_sign()
    return deal


# --------------------------------------------------------------------------- the public page


def test_public_page_for_anyone_shows_what_a_verifier_needs(client_for: Any, deal_logged: Any, settings: Any,
                                                            ledger_keys: Any) -> None:
    response = client_for(None).get(reverse("ledger:public"))
    assert response.status_code == 200
    page = text(response)
    assert settings.BAYFIN_LEDGER_ORIGIN in page
    assert f'value="{ledger_keys.verifier_key}"' in page  # a read-only field to copy
    root = base64.b64encode(bytes(SignedCheckpoint.objects.get(size=1).root_hash)).decode()
    assert root in page
    assert reverse("ledger:checkpoint", kwargs={"size": 1}) in page
    assert f"bayfin-verify receipt bayfin-entry-41.bayfin-receipt.json --key '{ledger_keys.verifier_key}'" in page
    assert "Not cosigned" in page


def test_public_page_before_init_and_before_any_checkpoint(client_for: Any, observer_user: Any) -> None:
    page = text(client_for(observer_user).get(reverse("ledger:public")))
    assert "has no signing key yet" in page and "No checkpoint has been signed yet" in page
    assert "--key '<log verifier key>'" in page


def test_public_page_shows_the_witness_key_and_cosigned_checkpoints(client_for: Any, enterprise: Any,
                                                                    institution: Any, witness_key: Any) -> None:
    record_deal_event(enterprise, institution)
    integrate_and_sign()
    page = text(client_for(None).get(reverse("ledger:public")))
    assert f'value="{witness_key.verifier_key}"' in page
    assert f"--witness-key '{witness_key.verifier_key}' --min-cosignatures 1" in page
    assert "Cosigned" in page and "Not cosigned" not in page


@pytest.mark.parametrize("who", ["enterprise_user", "institution_user", "operator_user", "observer_user"])
def test_every_signed_in_role_has_the_ledger_in_its_navigation(request: Any, client_for: Any, who: str) -> None:
    page = response_raw(client_for(request.getfixturevalue(who)).get(reverse("ledger:public")))
    assert re.search(r'<a class="nav-link active" href="/ledger/" aria-current="page">Ledger</a>', page)


# --------------------------------------------------------------------------- a checkpoint as text


def test_a_checkpoint_note_as_plain_text_for_anyone(client_for: Any, deal_logged: Any) -> None:
    response = client_for(None).get(reverse("ledger:checkpoint", kwargs={"size": 1}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == SignedCheckpoint.objects.get(size=1).note
    assert client_for(None).get(reverse("ledger:checkpoint", kwargs={"size": 2})).status_code == 404
    assert client_for(None).get(f"/ledger/checkpoints/{2**63}/").status_code == 404


# --------------------------------------------------------------------------- receipts


@pytest.mark.parametrize("who", ["enterprise_user", "institution_user", "operator_user"])
def test_parties_and_operators_download_a_receipt_that_verifies(request: Any, client_for: Any, deal_logged: Any,
                                                                ledger_keys: Any, who: str) -> None:
    response = client_for(request.getfixturevalue(who)).get(reverse("ledger:receipt", kwargs={"index": 0}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bayfin-entry-0.bayfin-receipt.json"'
    verified = verify_receipt(response.content, trusted_log_key=ledger_keys.verifier_key)
    assert verified.index == 0 and verified.entry["subject"]["id"] == str(deal_logged.pk)


@pytest.mark.parametrize("who", ["other_enterprise_user", "other_institution_user", "observer_user"])
def test_others_get_404_for_a_receipt(request: Any, client_for: Any, deal_logged: Any, who: str) -> None:
    assert client_for(request.getfixturevalue(who)).get(
        reverse("ledger:receipt", kwargs={"index": 0})).status_code == 404


def test_receipt_refusals(client_for: Any, enterprise_user: Any, deal_logged: Any, ledger_keys: Any) -> None:
    url = reverse("ledger:receipt", kwargs={"index": 0})
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client = client_for(enterprise_user)
    assert client.post(url).status_code == 405
    assert client.get(reverse("ledger:receipt", kwargs={"index": 1})).status_code == 404
    assert client.get(f"/ledger/entries/{2**63}/receipt/").status_code == 404


# --------------------------------------------------------------------------- receipt links on other pages


def test_a_deal_page_links_each_history_row_to_its_receipt_once_signed(client_for: Any, enterprise: Any,
                                                                       institution: Any, enterprise_user: Any,
                                                                       institution_user: Any,
                                                                       ledger_keys: Any) -> None:
    deal, _first = record_deal_event(enterprise, institution)
    url = reverse("financing:deal_detail", kwargs={"deal_id": deal.pk})
    page = client_for(enterprise_user).get(url)
    assert page.status_code == 200 and receipt_links(response_raw(page)) == []  # in the outbox
    assert "Receipt being signed" in response_raw(page)
    services.integrate()
    page = response_raw(client_for(enterprise_user).get(url))
    assert receipt_links(page) == [] and "Receipt being signed" in page  # no checkpoint yet
    services.checkpoint_if_due(force=True)
    record_deal_event(enterprise, institution, deal=deal, to_stage=DealStage.ACCEPTED)
    services.integrate()  # the acceptance is integrated, the checkpoint still covers only the interest
    for user in (enterprise_user, institution_user):
        page = response_raw(client_for(user).get(url))
        assert receipt_links(page) == [0]
        assert "Receipt" in page
    services.checkpoint_if_due(force=True)
    page = response_raw(client_for(institution_user).get(url))
    assert receipt_links(page) == [0, 1] and "Receipt being signed" not in page


def test_the_operators_organisation_page_links_the_decision_receipt(client_for: Any, operator_user: Any,
                                                                   pending_enterprise: Any,
                                                                   ledger_keys: Any) -> None:
    url = reverse("accounts:organisation_detail", kwargs={"pk": pending_enterprise.organisation_id})
    client = client_for(operator_user)
    assert receipt_links(response_raw(client.get(url))) == []
    organisation_verify(actor=operator_user, organisation_id=pending_enterprise.organisation_id)
    services.integrate()
    assert receipt_links(response_raw(client.get(url))) == []  # not yet in a signed checkpoint
    services.checkpoint_if_due(force=True)
    page = response_raw(client.get(url))
    assert receipt_links(page) == [0]
    receipt = client.get(reverse("ledger:receipt", kwargs={"index": 0}))
    verified = verify_receipt(receipt.content, trusted_log_key=ledger_keys.verifier_key)
    assert verified.entry["type"] == "organisation.verified"


def test_the_organisations_own_dashboard_links_its_verification_receipt(client_for: Any, operator_user: Any,
                                                                        pending_enterprise: Any,
                                                                        ledger_keys: Any) -> None:
    member = member_of(pending_enterprise.organisation)
    assert receipt_links(response_raw(client_for(member).get("/"))) == []
    organisation_verify(actor=operator_user, organisation_id=pending_enterprise.organisation_id)
    services.integrate()
    services.checkpoint_if_due(force=True)
    page = response_raw(client_for(member).get("/"))
    assert receipt_links(page) == [0] and "of the verification decision" in page
    receipt = client_for(member).get(reverse("ledger:receipt", kwargs={"index": 0}))
    assert verify_receipt(receipt.content, trusted_log_key=ledger_keys.verifier_key).entry["type"] == \
        "organisation.verified"
