"""Consent services: granting (and each refusal, named by its field), cross-border consent,
proposals and their confirmation, revocation, expiry, and the end of a deal's grants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bayfin.accounts.models import OrganisationStatus
from bayfin.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.common.scheduling import JOBS, run_job
from bayfin.consent import selectors, services
from bayfin.consent.models import ConsentGrant, GrantStatus, Scope
from bayfin.financing.transitions import DealStage
from bayfin.ledger.models import LedgerEntry
from tests.factories import DealFactory, FinancingRequestFactory, InstitutionFactory

from .conftest import ConsentGrantFactory, days

pytestmark = pytest.mark.django_db


def refused(actor: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        services.consent_grant(actor=actor, data=data)
    return {k: [str(m) for m in v] for k, v in info.value.fields.items()}


# --------------------------------------------------------------------------- granting


def test_grant_is_active_audited_and_in_the_ledger(
    enterprise_user: Any, grant_data: dict, mainland_institution: Any
) -> None:
    grant = services.consent_grant(actor=enterprise_user, data=grant_data)
    assert grant.status == GrantStatus.ACTIVE
    assert grant.scopes == ["profile", "statements"]
    assert grant.granted_by == enterprise_user and grant.granted_at is not None
    assert grant.cross_border is False and grant.recipient_jurisdiction == "shenzhen"
    assert AuditEvent.objects.filter(
        action="consent.grant_create", subject_id=str(grant.pk)
    ).exists()
    entry = LedgerEntry.objects.get(kind="consent.granted")
    assert set(entry.parties.values_list("pk", flat=True)) == {
        enterprise_user.organisation.pk,
        mainland_institution.organisation_id,
    }
    body = entry.body if isinstance(entry.body, str) else str(entry.body)
    assert grant_data["purpose"] not in body  # the purpose goes in as a salted hash only
    assert (
        selectors.live_grant(
            institution=mainland_institution, enterprise=grant.enterprise, scope=Scope.PROFILE
        )
        == grant
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scopes", []),
        ("scopes", ["profile", "bank_passwords"]),
        ("valid_until", days(-1).isoformat()),
        ("valid_until", days(0).isoformat()),
        ("valid_until", days(3 * 366 + 1).isoformat()),
        ("valid_until", "next year"),
        ("valid_until", ""),
        ("purpose", ""),
        ("purpose", "   "),
        ("institution_id", ""),
        ("institution_id", 999999),
    ],
)
def test_grant_refuses_each_bad_field_by_name(
    enterprise_user: Any, grant_data: dict, field: str, value: Any
) -> None:
    grant_data[field] = value
    fields = refused(enterprise_user, grant_data)
    assert list(fields) == [field]
    assert not ConsentGrant.objects.exists() and not LedgerEntry.objects.exists()


def test_unknown_scope_is_named(enterprise_user: Any, grant_data: dict) -> None:
    grant_data["scopes"] = ["bank_passwords"]
    assert "bank_passwords" in refused(enterprise_user, grant_data)["scopes"][0]


def test_an_unverified_institution_cannot_receive_a_grant(
    enterprise_user: Any, grant_data: dict
) -> None:
    pending = InstitutionFactory(
        organisation__status=OrganisationStatus.PENDING, organisation__jurisdiction="shenzhen"
    )
    grant_data["institution_id"] = pending.pk
    assert "institution_id" in refused(enterprise_user, grant_data)


def test_every_failing_field_at_once(enterprise_user: Any) -> None:
    fields = refused(enterprise_user, {"scopes": [], "purpose": "", "valid_until": ""})
    assert set(fields) == {"institution_id", "scopes", "purpose", "valid_until"}


def test_cross_border_grant_needs_the_separate_consent(
    enterprise_user: Any, grant_data: dict, institution: Any
) -> None:
    grant_data["institution_id"] = institution.pk  # a Macao bank
    fields = refused(enterprise_user, grant_data)
    assert list(fields) == ["cross_border_consent"]
    assert "Macao" in fields["cross_border_consent"][0]
    assert "outside the Mainland" in fields["cross_border_consent"][0]

    grant_data["cross_border_consent"] = True
    grant = services.consent_grant(actor=enterprise_user, data=grant_data)
    assert grant.cross_border is True and grant.recipient_jurisdiction == "macao"
    assert grant.cross_border_consent_at is not None
    entry = LedgerEntry.objects.get(kind="consent.granted")
    assert entry.parties.count() == 2


def test_only_a_verified_enterprise_grants(
    pending_enterprise_user: Any, institution_user: Any, observer_user: Any, grant_data: dict
) -> None:
    for user in (pending_enterprise_user, institution_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.consent_grant(actor=user, data=grant_data)
    assert not ConsentGrant.objects.exists()


# --------------------------------------------------------------------------- revocation and expiry


def test_revoke_ends_reads_at_once_and_is_in_the_ledger(
    grant: Any, enterprise_user: Any, institution: Any
) -> None:
    assert selectors.live_grant(
        institution=institution, enterprise=grant.enterprise, scope="profile"
    )
    services.consent_revoke(
        actor=enterprise_user, grant_id=grant.pk, reason="We chose another lender."
    )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED and grant.revoked_by == enterprise_user
    assert (
        selectors.live_grant(institution=institution, enterprise=grant.enterprise, scope="profile")
        is None
    )
    assert LedgerEntry.objects.filter(kind="consent.revoked").count() == 1
    with pytest.raises(Conflict):
        services.consent_revoke(actor=enterprise_user, grant_id=grant.pk)


def test_another_enterprise_cannot_revoke(grant: Any, other_enterprise_user: Any) -> None:
    with pytest.raises(NotFound):
        services.consent_revoke(actor=other_enterprise_user, grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE


def test_expiry_job_ends_grants_past_their_date_and_is_idempotent(
    grant: Any, institution: Any
) -> None:
    ConsentGrant.objects.filter(pk=grant.pk).update(valid_until=days(-1))
    # Before the job runs, reads are already refused.
    assert (
        selectors.live_grant(institution=institution, enterprise=grant.enterprise, scope="profile")
        is None
    )
    job = next(j for j in JOBS if j.name == "expire-consents")
    assert run_job(job) == 1
    grant.refresh_from_db()
    assert grant.status == GrantStatus.EXPIRED and grant.ended_at is not None
    events = AuditEvent.objects.filter(action="consent.grant_expire").count()
    assert run_job(job) == 0
    assert AuditEvent.objects.filter(action="consent.grant_expire").count() == events == 1


def test_a_grant_is_live_through_its_last_day(grant: Any, institution: Any) -> None:
    ConsentGrant.objects.filter(pk=grant.pk).update(valid_until=days(0))
    assert services.consent_expire_due(today=days(0)) == 0
    assert selectors.live_grant(
        institution=institution, enterprise=grant.enterprise, scope="profile"
    )
    assert (
        selectors.live_grant(
            institution=institution, enterprise=grant.enterprise, scope="profile", on=days(1)
        )
        is None
    )


def test_a_scope_not_granted_is_not_live(grant: Any, institution: Any) -> None:
    assert (
        selectors.live_grant(
            institution=institution, enterprise=grant.enterprise, scope="documents"
        )
        is None
    )


def test_an_enterprise_no_longer_verified_shares_nothing(grant: Any, institution: Any) -> None:
    org = grant.enterprise.organisation
    org.status = OrganisationStatus.REJECTED
    org.save()
    assert (
        selectors.live_grant(institution=institution, enterprise=grant.enterprise, scope="profile")
        is None
    )


# --------------------------------------------------------------------------- deals: proposal, confirmation, end


@pytest.fixture
def accepted_deal(enterprise: Any, mainland_institution: Any) -> Any:
    req = FinancingRequestFactory(enterprise=enterprise, title="Pilot line")
    return DealFactory(request=req, institution=mainland_institution, stage=DealStage.ACCEPTED)


def _propose(actor: Any, deal: Any) -> ConsentGrant:
    from django.db import transaction

    with transaction.atomic():
        return services.consent_propose_for_deal(actor=actor, deal=deal)


def test_accepting_proposes_the_default_grant_once(
    enterprise_user: Any, accepted_deal: Any
) -> None:
    grant = _propose(enterprise_user, accepted_deal)
    assert grant.status == GrantStatus.PROPOSED and grant.deal == accepted_deal
    assert grant.scopes == ["profile", "statements"] and grant.valid_until is None
    assert "Pilot line" in grant.purpose and f"#{accepted_deal.pk}" in grant.purpose
    assert not LedgerEntry.objects.filter(
        kind="consent.granted"
    ).exists()  # a proposal is no agreement
    assert AuditEvent.objects.filter(action="consent.grant_propose").count() == 1
    assert _propose(enterprise_user, accepted_deal) == grant
    assert ConsentGrant.objects.count() == 1
    # Not live until confirmed.
    assert (
        selectors.live_grant(
            institution=accepted_deal.institution,
            enterprise=accepted_deal.request.enterprise,
            scope="profile",
        )
        is None
    )


def test_confirming_activates_records_and_moves_the_deal(
    enterprise_user: Any, accepted_deal: Any
) -> None:
    grant = _propose(enterprise_user, accepted_deal)
    services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={})
    grant.refresh_from_db()
    assert (
        grant.status == GrantStatus.ACTIVE and grant.valid_until is None
    )  # for the life of the deal
    assert LedgerEntry.objects.filter(kind="consent.granted").count() == 1
    accepted_deal.refresh_from_db()
    assert accepted_deal.stage == DealStage.DATA_ACCESS
    with pytest.raises(Conflict):
        services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={})


def test_confirming_with_edits(enterprise_user: Any, accepted_deal: Any) -> None:
    grant = _propose(enterprise_user, accepted_deal)
    with pytest.raises(ValidationFailed) as info:
        services.consent_confirm(
            actor=enterprise_user,
            grant_id=grant.pk,
            data={"scopes": [], "valid_until": days(-3).isoformat()},
        )
    assert set(info.value.fields) == {"scopes", "valid_until"}
    services.consent_confirm(
        actor=enterprise_user,
        grant_id=grant.pk,
        data={
            "scopes": ["statements"],
            "valid_until": days(30).isoformat(),
            "purpose": "Statements only, please.",
        },
    )
    grant.refresh_from_db()
    assert (
        grant.scopes == ["statements"]
        and grant.valid_until == days(30)
        and grant.purpose.startswith("Statements")
    )


def test_a_grant_without_a_deal_needs_a_date_to_confirm(
    enterprise_user: Any, enterprise: Any, mainland_institution: Any
) -> None:
    grant = ConsentGrantFactory(
        enterprise=enterprise,
        institution=mainland_institution,
        status=GrantStatus.PROPOSED,
        valid_until=None,
        granted_at=None,
    )
    with pytest.raises(ValidationFailed) as info:
        services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={})
    assert list(info.value.fields) == ["valid_until"]


def test_confirming_a_cross_border_proposal_needs_the_separate_consent(
    enterprise_user: Any, enterprise: Any, institution: Any
) -> None:
    deal = DealFactory(
        request=FinancingRequestFactory(enterprise=enterprise),
        institution=institution,
        stage=DealStage.ACCEPTED,
    )
    grant = _propose(enterprise_user, deal)
    with pytest.raises(ValidationFailed) as info:
        services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={})
    assert "Macao" in str(info.value.fields["cross_border_consent"][0])
    services.consent_confirm(
        actor=enterprise_user, grant_id=grant.pk, data={"cross_border_consent": True}
    )
    grant.refresh_from_db()
    assert grant.cross_border and grant.cross_border_consent_at is not None


def test_dismissing_a_proposal_shares_nothing(enterprise_user: Any, accepted_deal: Any) -> None:
    grant = _propose(enterprise_user, accepted_deal)
    services.consent_dismiss(actor=enterprise_user, grant_id=grant.pk, reason="Not yet.")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.DISMISSED and grant.end_reason == "Not yet."
    accepted_deal.refresh_from_db()
    assert accepted_deal.stage == DealStage.ACCEPTED
    with pytest.raises(Conflict):
        services.consent_confirm(actor=enterprise_user, grant_id=grant.pk, data={})


def test_a_deal_grant_ends_with_the_deal(enterprise_user: Any, accepted_deal: Any) -> None:
    life = _propose(enterprise_user, accepted_deal)
    services.consent_confirm(actor=enterprise_user, grant_id=life.pk, data={})
    dated = ConsentGrantFactory(
        enterprise=accepted_deal.request.enterprise,
        institution=accepted_deal.institution,
        deal=accepted_deal,
        valid_until=days(20),
    )
    institution, enterprise = accepted_deal.institution, accepted_deal.request.enterprise
    # The deal ends (financing declines it): reads stop at once, before any job runs.
    type(accepted_deal).objects.filter(pk=accepted_deal.pk).update(stage=DealStage.DECLINED)
    assert (
        selectors.live_grant(institution=institution, enterprise=enterprise, scope="profile")
        is None
    )
    accepted_deal.refresh_from_db()
    from django.db import transaction

    with transaction.atomic():
        assert (
            services.consent_end_for_deal(deal=accepted_deal, reason="The deal was declined.") == 1
        )
    life.refresh_from_db()
    dated.refresh_from_db()
    assert life.status == GrantStatus.ENDED and life.end_reason == "The deal was declined."
    assert dated.status == GrantStatus.ACTIVE  # the enterprise chose a date: it stays until then


def test_ending_a_deal_dismisses_its_proposal(enterprise_user: Any, accepted_deal: Any) -> None:
    grant = _propose(enterprise_user, accepted_deal)
    from django.db import transaction

    with transaction.atomic():
        services.consent_end_for_deal(deal=accepted_deal, reason="Withdrawn.")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.DISMISSED


def test_latest_valid_until_on_a_leap_day() -> None:
    assert services.latest_valid_until(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)


def test_the_institution_is_told_when_a_consent_begins_and_when_it_is_revoked(
    enterprise_user: Any, grant_data: dict, mainland_institution: Any, mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from bayfin.notifications.models import Notification
    from tests.factories import MembershipFactory

    officer = MembershipFactory(organisation=mainland_institution.organisation).user
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.consent_grant(actor=enterprise_user, data=grant_data)
    note = Notification.objects.get(user=officer, kind="consent.granted")
    assert note.link == f"/consent/shared/{grant.enterprise_id}/"
    assert [m.to for m in mailoutbox] == [[officer.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_revoke(actor=enterprise_user, grant_id=grant.pk)
    assert Notification.objects.filter(user=officer, kind="consent.revoked").count() == 1
    # The enterprise acted: its own members are not notified of their own consent.
    assert not Notification.objects.filter(user=enterprise_user).exists()
