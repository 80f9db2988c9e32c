"""Team and invitations: admins invite and remove; links are single-use and expire."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from bayfin.accounts.models import Invitation, Membership, User
from bayfin.accounts.selectors import membership_list_for
from bayfin.accounts.services import invitation_create, invitations_expire, membership_remove
from bayfin.accounts.tokens import hash_token
from bayfin.common.errors import Conflict, NotFound, PermissionDenied
from bayfin.common.models import AuditEvent
from bayfin.common.scheduling import JOBS, run_job
from tests.conftest import member_of

from .conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _token_from_mail() -> str:
    match = re.search(r"/accounts/invitations/(bf_[\w-]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_team_page_lists_members_and_invitations(client_for: Any, enterprise_user: Any) -> None:
    colleague = member_of(enterprise_user.organisation, is_admin=False)
    invitation_create(actor=enterprise_user, email="new@chipco.example")
    html = client_for(enterprise_user).get("/accounts/team/").content.decode()
    assert colleague.email in html and "new@chipco.example" in html
    assert "Send invitation" in html


def test_invite_from_page_emails_single_use_link(client_for: Any, enterprise_user: Any,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(enterprise_user).post("/accounts/team/", {"email": "New@ChipCo.example"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new@chipco.example"
    raw = _token_from_mail()
    assert mail.outbox[-1].to == ["new@chipco.example"]
    assert invitation.token_hash == hash_token(raw) and raw not in invitation.token_hash
    assert AuditEvent.objects.filter(action="invitation.created").exists()


def test_accept_once_then_refused(client: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=enterprise_user, email="new@chipco.example")
    raw = _token_from_mail()
    page = client.get(f"/accounts/invitations/{raw}/")
    assert page.status_code == 200 and "new@chipco.example" in page.content.decode()
    weak = client.post(f"/accounts/invitations/{raw}/", {"password": "123"})
    assert "password" in weak.context["form"].errors and not User.objects.filter(email="new@chipco.example").exists()
    response = client.post(f"/accounts/invitations/{raw}/", {"password": STRONG_PASSWORD, "name": "Mei"})
    assert response.status_code == 302
    user = User.objects.get(email="new@chipco.example")
    assert user.organisation == enterprise_user.organisation and not user.is_org_admin
    assert AuditEvent.objects.filter(action="invitation.accepted").exists()
    client.post("/accounts/logout/")
    again = client.post(f"/accounts/invitations/{raw}/", {"password": STRONG_PASSWORD})
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert User.objects.filter(email="new@chipco.example").count() == 1


def test_expired_invitation_refused(client: Any, enterprise_user: Any) -> None:
    invitation, raw = invitation_create(actor=enterprise_user, email="late@chipco.example")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(f"/accounts/invitations/{raw}/", {"password": STRONG_PASSWORD})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not User.objects.filter(email="late@chipco.example").exists()


def test_revoked_and_unknown_links_refused(client: Any, client_for: Any, enterprise_user: Any) -> None:
    invitation, raw = invitation_create(actor=enterprise_user, email="x@chipco.example")
    assert client_for(enterprise_user).post(f"/accounts/team/invitations/{invitation.pk}/revoke/").status_code == 302
    assert "withdrawn" in client.get(f"/accounts/invitations/{raw}/").content.decode()
    assert client.get("/accounts/invitations/bf_nonsense/").status_code == 410
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_non_admin_cannot_invite_or_remove(client_for: Any, enterprise_user: Any) -> None:
    member = member_of(enterprise_user.organisation, is_admin=False)
    c = client_for(member)
    page = c.get("/accounts/team/")
    assert page.status_code == 200 and "Send invitation" not in page.content.decode()
    assert c.post("/accounts/team/", {"email": "a@b.example"}).status_code == 403
    admin_membership = enterprise_user.membership
    assert c.post(f"/accounts/team/members/{admin_membership.pk}/remove/").status_code == 403
    with pytest.raises(PermissionDenied):
        invitation_create(actor=member, email="a@b.example")
    assert not Invitation.objects.exists()


def test_invite_refuses_existing_member(enterprise_user: Any, institution_user: Any) -> None:
    from bayfin.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        invitation_create(actor=enterprise_user, email=institution_user.email.upper())
    assert "email" in exc.value.fields


def test_remove_member(client_for: Any, enterprise_user: Any) -> None:
    member = member_of(enterprise_user.organisation, is_admin=False)
    response = client_for(enterprise_user).post(f"/accounts/team/members/{member.membership.pk}/remove/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active and not Membership.objects.filter(user=member).exists()
    assert AuditEvent.objects.filter(action="membership.removed").exists()


def test_cannot_remove_yourself_or_last_admin(client_for: Any, enterprise_user: Any, operator_user: Any) -> None:
    with pytest.raises(Conflict):
        membership_remove(actor=enterprise_user, membership_id=enterprise_user.membership.pk)
    client_for(enterprise_user).post(f"/accounts/team/members/{enterprise_user.membership.pk}/remove/")
    assert Membership.objects.filter(user=enterprise_user).exists()
    # an operator (e.g. in the admin) may remove members, but never the last admin
    with pytest.raises(Conflict) as exc:
        membership_remove(actor=operator_user, membership_id=enterprise_user.membership.pk)
    assert exc.value.code == "last_admin"
    assert Membership.objects.filter(user=enterprise_user).exists()


def test_other_org_member_is_404(client_for: Any, enterprise_user: Any, other_enterprise_user: Any) -> None:
    theirs = other_enterprise_user.membership.pk
    assert client_for(enterprise_user).post(f"/accounts/team/members/{theirs}/remove/").status_code == 404
    with pytest.raises(NotFound):
        membership_remove(actor=enterprise_user, membership_id=theirs)
    invitation, _raw = invitation_create(actor=other_enterprise_user, email="z@other.example")
    assert client_for(enterprise_user).post(f"/accounts/team/invitations/{invitation.pk}/revoke/").status_code == 404


def test_team_page_anonymous_redirects(client: Any, db: Any) -> None:
    assert client.get("/accounts/team/").status_code == 302


def test_expire_invitations_task_is_idempotent(enterprise_user: Any) -> None:
    old, _ = invitation_create(actor=enterprise_user, email="old@chipco.example")
    fresh, _ = invitation_create(actor=enterprise_user, email="fresh@chipco.example")
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    job = next(j for j in JOBS if j.name == "expire-invitations")
    assert run_job(job) == 1
    assert run_job(job) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.expired_at is not None and fresh.expired_at is None
    assert AuditEvent.objects.filter(action="invitation.expired").count() == 1
    assert invitations_expire() == 0


# API -----------------------------------------------------------------------------------


def test_api_team_flow(api_for: Any, enterprise_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    c = api_for(enterprise_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/accounts/invitations", json.dumps({"email": "api@chipco.example"}),
                   content_type="application/json")
    assert r.status_code == 201 and "token" not in r.json()
    raw = _token_from_mail()
    assert c.get("/api/v1/accounts/invitations").json()["count"] == 1
    r = api_for(None).post("/api/v1/accounts/invitations/accept",
                           json.dumps({"token": raw, "password": STRONG_PASSWORD}),
                           content_type="application/json")
    assert r.status_code == 201 and r.json()["organisation"]["id"] == enterprise_user.organisation.pk
    r = api_for(None).post("/api/v1/accounts/invitations/accept",
                           json.dumps({"token": raw, "password": STRONG_PASSWORD}),
                           content_type="application/json")
    assert r.status_code == 409
    members = c.get("/api/v1/accounts/members").json()
    assert members["count"] == 2
    new_id = next(m["id"] for m in members["items"] if m["email"] == "api@chipco.example")
    assert c.delete(f"/api/v1/accounts/members/{new_id}").status_code == 200


def test_api_invitation_refusals(api_for: Any, enterprise_user: Any, other_enterprise_user: Any) -> None:
    member = member_of(enterprise_user.organisation, is_admin=False)
    body = json.dumps({"email": "q@chipco.example"})
    assert api_for(member).post("/api/v1/accounts/invitations", body, content_type="application/json").status_code == 403
    assert api_for(None).post("/api/v1/accounts/invitations", body, content_type="application/json").status_code == 401
    r = api_for(enterprise_user).post("/api/v1/accounts/invitations", json.dumps({"email": "nope"}),
                                      content_type="application/json")
    assert r.status_code == 422 and "email" in r.json()["fields"]
    theirs = other_enterprise_user.membership.pk
    assert api_for(enterprise_user).delete(f"/api/v1/accounts/members/{theirs}").status_code == 404
    r = api_for(enterprise_user).delete(f"/api/v1/accounts/members/{enterprise_user.membership.pk}")
    assert r.status_code == 409
    r = api_for(None).post("/api/v1/accounts/invitations/accept",
                           json.dumps({"token": "bf_unknown", "password": STRONG_PASSWORD}),
                           content_type="application/json")
    assert r.status_code == 404


def test_signed_in_user_cannot_accept(client_for: Any, enterprise_user: Any, other_enterprise_user: Any) -> None:
    _invitation, raw = invitation_create(actor=enterprise_user, email="new@chipco.example")
    response = client_for(other_enterprise_user).post(f"/accounts/invitations/{raw}/", {"password": STRONG_PASSWORD})
    assert "Sign out first" in response.content.decode()
    assert not User.objects.filter(email="new@chipco.example").exists()


def test_members_of_another_organisation_only_for_operators(enterprise_user: Any, other_enterprise_user: Any,
                                                            operator_user: Any) -> None:
    theirs = other_enterprise_user.organisation
    assert [m.user for m in membership_list_for(operator_user, theirs)] == [other_enterprise_user]
    assert [m.user for m in membership_list_for(enterprise_user, enterprise_user.organisation)] == [enterprise_user]
    with pytest.raises(NotFound):
        membership_list_for(enterprise_user, theirs)


def test_no_email_leaves_when_the_change_is_rolled_back(enterprise_user: Any) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        invitation_create(actor=enterprise_user, email="never@chipco.example")
        raise RuntimeError("the surrounding change failed")
    assert not Invitation.objects.filter(email="never@chipco.example").exists()
    assert not any("never@chipco.example" in m.to for m in mail.outbox)
