"""Every write about users, organisations, memberships, invitations and API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.common.audit import audit_record, snapshot
from bayfin.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import Jurisdiction
from bayfin.ledger.services import Party, ledger_record

from .models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    User,
)
from .selectors import ALL_KINDS, is_operator, require_member, require_operator, require_signed_in
from .tokens import hash_token, lookup_hash, new_token
from .validation import clean_jurisdiction, clean_names

SIGNUP_KINDS = (OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION, OrganisationKind.OBSERVER)
ORGANISATION_FIELDS = ("kind", "status", *Organisation.NAME_FIELDS, "jurisdiction")
OPERATOR_ORGANISATION_NAME = "BayFin Operations"
# How stale an API token's last_used_at may get before a call refreshes it.
LAST_USED_GRANULARITY = timedelta(minutes=1)


# ---------------------------------------------------------------------------------------
# Shared checks


ACCOUNT_EXISTS = _("An account with this email address already exists.")


def _email_address(errors: FieldErrors, value: Any, *, field: str = "email") -> str:
    """A trimmed, lower-cased email address; a malformed one is recorded on ``field``."""
    email = errors.text(field, value, max_length=150).lower()
    if email and field not in errors:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.add(field, _("Enter a valid email address."))
    return email


def _account_exists(email: str) -> bool:
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists()


def _clean_email(errors: FieldErrors, value: Any, *, field: str = "email") -> str:
    """The email address of a new account: well-formed and not taken."""
    email = _email_address(errors, value, field=field)
    if email and field not in errors and _account_exists(email):
        errors.add(field, ACCOUNT_EXISTS)
    return email


def _clean_password(errors: FieldErrors, password: Any, *, email: str, first_name: str = "") -> str:
    if not password:
        errors.add("password", _("This field is required."))
        return ""
    try:
        password_validation.validate_password(
            str(password), user=User(username=email, email=email, first_name=first_name)
        )
    except DjangoValidationError as exc:
        for message in exc.messages:
            errors.add("password", message)
    return str(password)


def _new_user(*, email: str, password: str, first_name: str = "") -> User:
    try:
        with transaction.atomic():
            user = User(username=email, email=email, first_name=first_name)
            user.set_password(password)
            user.save()
    except IntegrityError:  # a concurrent sign-up with the same email won
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"email": [ACCOUNT_EXISTS]},
        ) from None
    return user


def _send(subject: Any, body: Any, recipients: list[str]) -> None:
    """Email once the change is committed: a rolled-back change sends nothing, and no row
    lock is held while the mail server answers. The text is rendered now, in the actor's
    language."""
    if not recipients:
        return
    subject_text, body_text, to = str(subject), str(body), list(recipients)
    transaction.on_commit(
        lambda: send_mail(subject_text, body_text, settings.DEFAULT_FROM_EMAIL, to)
    )


# ---------------------------------------------------------------------------------------
# Sign-up and verification


@transaction.atomic
def organisation_register(
    *,
    kind: str,
    email: str,
    password: str,
    names: Mapping[str, Any],
    jurisdiction: str,
    profile: Mapping[str, Any] | None = None,
) -> User:
    """Register a new organisation (pending) with its first admin and its profile.

    Every failing field (account, organisation and profile) is reported at once;
    nothing is saved then.
    """
    from bayfin.enterprises import services as enterprise_services
    from bayfin.institutions import services as institution_services

    profile = profile or {}
    errors = FieldErrors()
    kind_value = errors.choice("kind", kind, [k.value for k in SIGNUP_KINDS])
    clean_email = _clean_email(errors, email)
    _clean_password(errors, password, email=clean_email)
    clean = clean_names(errors, names)
    juris = clean_jurisdiction(errors, jurisdiction)
    if kind_value == OrganisationKind.ENTERPRISE:
        enterprise_services.clean_profile(errors, profile, jurisdiction=juris)
    elif kind_value == OrganisationKind.INSTITUTION:
        institution_services.clean_profile(errors, profile)
    errors.raise_if_any()
    assert kind_value is not None and juris is not None

    user = _new_user(email=clean_email, password=password)
    organisation = Organisation.objects.create(
        kind=kind_value, status=OrganisationStatus.PENDING, jurisdiction=juris, **clean
    )
    Membership.objects.create(user=user, organisation=organisation, is_admin=True)
    audit_record(actor=user, action="organisation.registered", subject=organisation,
                 new={**snapshot(organisation, ORGANISATION_FIELDS), "admin_email": user.email},
                 organisation_id=organisation.pk)
    if kind_value == OrganisationKind.ENTERPRISE:
        enterprise_services.enterprise_create(actor=user, organisation=organisation, data=profile)
    elif kind_value == OrganisationKind.INSTITUTION:
        institution_services.institution_create(actor=user, organisation=organisation, data=profile)
    return user


def _admin_emails(organisation: Organisation) -> list[str]:
    return list(
        organisation.memberships.filter(is_admin=True, user__is_active=True)
        .values_list("user__email", flat=True)
    )


def _lock_pending(organisation_id: int) -> Organisation:
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("Organisation not found."))
    if organisation.status != OrganisationStatus.PENDING:
        raise InvalidTransition(_("Only a pending organisation can be verified or rejected."))
    return organisation


def decision_entry(organisation: Organisation, operator_organisation: Organisation | None,
                   reason: str = "") -> dict[str, Any]:
    """What the ledger records of a verification decision (``ledger_record``'s arguments):
    the organisation and the operator as parties, the status, the reason as its salted hash only."""
    parties = [Party(organisation, organisation.kind)]
    if operator_organisation is not None and operator_organisation.pk != organisation.pk:
        parties.append(Party(operator_organisation, "operator"))
    return {"kind": f"organisation.{organisation.status}", "subject": organisation, "parties": parties,
            "data": {"status": organisation.status, "jurisdiction": organisation.jurisdiction},
            "texts": [reason], "at": organisation.verified_at or organisation.updated_at}


def _ledger_decision(actor: Any, organisation: Organisation, reason: str = "") -> None:
    """A verification decision is agreement-level: the organisation and the operator can prove it later."""
    ledger_record(**decision_entry(organisation, actor.organisation, reason))


@transaction.atomic
def organisation_verify(*, actor: Any, organisation_id: int) -> Organisation:
    """An operator approves a pending organisation; its admins are told by email."""
    require_operator(actor)
    organisation = _lock_pending(organisation_id)
    old = snapshot(organisation, ["status"])
    organisation.status = OrganisationStatus.VERIFIED
    organisation.verified_at = timezone.now()
    organisation.verified_by = actor
    organisation.rejection_reason = ""
    organisation.save(update_fields=["status", "verified_at", "verified_by", "rejection_reason", "updated_at"])
    audit_record(actor=actor, action="organisation.verified", subject=organisation, old=old,
                 new=snapshot(organisation, ["status"]), organisation_id=organisation.pk)
    _ledger_decision(actor, organisation)
    _send(
        _("Your BayFin registration is verified"),
        _("%(name)s has been verified by the platform operator. You can now use every feature "
          "of BayFin: %(url)s") % {"name": organisation.display_name(), "url": settings.SITE_URL},
        _admin_emails(organisation),
    )
    return organisation


@transaction.atomic
def organisation_reject(*, actor: Any, organisation_id: int, reason: str) -> Organisation:
    """An operator rejects a pending organisation with a reason its admins receive."""
    require_operator(actor)
    errors = FieldErrors()
    clean_reason = errors.text("reason", reason, max_length=2000)
    errors.raise_if_any()
    organisation = _lock_pending(organisation_id)
    old = snapshot(organisation, ["status", "rejection_reason"])
    organisation.status = OrganisationStatus.REJECTED
    organisation.rejection_reason = clean_reason
    organisation.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit_record(actor=actor, action="organisation.rejected", subject=organisation, old=old,
                 new=snapshot(organisation, ["status", "rejection_reason"]),
                 organisation_id=organisation.pk)
    _ledger_decision(actor, organisation, reason=clean_reason)
    _send(
        _("Your BayFin registration was not approved"),
        _("The platform operator did not approve the registration of %(name)s.\n\nReason: %(reason)s")
        % {"name": organisation.display_name(), "reason": clean_reason},
        _admin_emails(organisation),
    )
    return organisation


@transaction.atomic
def operator_create(*, email: str, password: str, name: str = "") -> User:
    """A platform operator: a member of "BayFin Operations" with full admin access."""
    errors = FieldErrors()
    clean_email = _clean_email(errors, email)
    first_name = errors.text("name", name, required=False, max_length=150)
    _clean_password(errors, password, email=clean_email, first_name=first_name)
    errors.raise_if_any()
    organisation = (
        Organisation.objects.select_for_update()
        .filter(kind=OrganisationKind.OPERATOR, name_en=OPERATOR_ORGANISATION_NAME).first()
    )
    if organisation is None:
        organisation = Organisation.objects.create(
            kind=OrganisationKind.OPERATOR, status=OrganisationStatus.VERIFIED,
            name_en=OPERATOR_ORGANISATION_NAME, name_zh_hans="湾区金融平台运营",
            jurisdiction=Jurisdiction.HENGQIN, verified_at=timezone.now(),
        )
    user = _new_user(email=clean_email, password=password, first_name=first_name)
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    Membership.objects.create(user=user, organisation=organisation, is_admin=True)
    audit_record(actor=None, action="operator.created", subject=user,
                 new={"email": user.email, "is_staff": True, "is_superuser": True},
                 organisation_id=organisation.pk)
    return user


# ---------------------------------------------------------------------------------------
# Team: invitations and members


def _require_org_admin(actor: Any) -> Organisation:
    organisation = require_member(actor, *ALL_KINDS)
    if not actor.is_org_admin:
        raise PermissionDenied(_("Only an organisation admin can do this."))
    return organisation


def invitation_link(raw_token: str) -> str:
    path = reverse("accounts:invitation_accept", kwargs={"token": raw_token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@transaction.atomic
def invitation_create(*, actor: Any, email: str) -> tuple[Invitation, str]:
    """Invite a colleague by email; returns the invitation and the raw token (emailed, never stored).

    A pending invitation to the same address is replaced.
    """
    organisation = _require_org_admin(actor)
    errors = FieldErrors()
    clean_email = _email_address(errors, email)
    if clean_email and "email" not in errors:
        existing = User.objects.filter(email__iexact=clean_email).first()
        if existing is not None:
            if existing.membership_or_none is not None:
                errors.add("email", _("This person already belongs to an organisation on BayFin."))
            else:
                errors.add("email", ACCOUNT_EXISTS)
    errors.raise_if_any()
    now = timezone.now()
    replaced = list(
        Invitation.objects.usable(now).select_for_update()
        .filter(organisation=organisation, email__iexact=clean_email)
        .values_list("pk", flat=True)
    )
    if replaced:
        Invitation.objects.filter(pk__in=replaced).update(revoked_at=now)
    raw = new_token()
    invitation = Invitation.objects.create(
        organisation=organisation, email=clean_email, token_hash=hash_token(raw), invited_by=actor,
        expires_at=now + timedelta(hours=settings.BAYFIN_INVITATION_TTL_HOURS),
    )
    audit_record(actor=actor, action="invitation.created", subject=invitation,
                 new={"email": clean_email, "expires_at": invitation.expires_at, "replaced": replaced},
                 organisation_id=organisation.pk)
    _send(
        _("You are invited to join %(name)s on BayFin") % {"name": organisation.display_name()},
        _("%(inviter)s invited you to join %(name)s on BayFin, the Greater Bay Area Sci-Tech "
          "Finance Services Platform.\n\nAccept the invitation here (it can be used once and "
          "expires in %(hours)d hours):\n%(link)s")
        % {"inviter": actor.email, "name": organisation.display_name(),
           "hours": settings.BAYFIN_INVITATION_TTL_HOURS, "link": invitation_link(raw)},
        [clean_email],
    )
    return invitation, raw


def invitation_problem(invitation: Invitation | None, now: Any = None) -> Any:
    """Why an invitation cannot be used (a translated message), or None if it can."""
    now = now or timezone.now()
    if invitation is None:
        return _("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Sign in instead.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn. Ask your organisation admin for a new one.")
    if invitation.expired_at is not None or invitation.expires_at <= now:
        return _("This invitation has expired. Ask your organisation admin for a new one.")
    return None


@transaction.atomic
def invitation_accept(*, raw_token: str, password: str, name: str = "") -> User:
    """Accept an invitation: create the account and its membership. Single use."""
    token_hash = lookup_hash(raw_token)
    invitation = None if token_hash is None else (
        Invitation.objects.select_for_update().select_related("organisation")
        .filter(token_hash=token_hash).first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    problem = invitation_problem(invitation)
    if problem is not None:
        raise Conflict(problem, code="invitation_unusable")
    errors = FieldErrors()
    first_name = errors.text("name", name, required=False, max_length=150)
    if _account_exists(invitation.email):
        errors.add("email", ACCOUNT_EXISTS)
    _clean_password(errors, password, email=invitation.email, first_name=first_name)
    errors.raise_if_any()
    user = _new_user(email=invitation.email, password=password, first_name=first_name)
    Membership.objects.create(user=user, organisation=invitation.organisation, is_admin=False)
    old = snapshot(invitation, ["accepted_at", "accepted_by"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(actor=user, action="invitation.accepted", subject=invitation, old=old,
                 new=snapshot(invitation, ["accepted_at", "accepted_by"]),
                 organisation_id=invitation.organisation_id)
    return user


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation_id: int) -> Invitation:
    organisation = _require_org_admin(actor)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, organisation=organisation).first()
    )
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvalidTransition(_("This invitation was already used or withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="invitation.revoked", subject=invitation, old={"revoked_at": None},
                 new=snapshot(invitation, ["revoked_at"]), organisation_id=organisation.pk)
    return invitation


@transaction.atomic
def invitations_expire(*, now: Any = None) -> int:
    """Mark every lapsed invitation expired, once. Returns how many were marked."""
    now = now or timezone.now()
    lapsed = list(
        Invitation.objects.select_for_update()
        .filter(expires_at__lte=now, accepted_at__isnull=True, revoked_at__isnull=True,
                expired_at__isnull=True)
    )
    for invitation in lapsed:
        invitation.expired_at = now
        invitation.save(update_fields=["expired_at", "updated_at"])
        audit_record(actor=None, action="invitation.expired", subject=invitation,
                     old={"expired_at": None}, new=snapshot(invitation, ["expired_at"]),
                     organisation_id=invitation.organisation_id)
    return len(lapsed)


@transaction.atomic
def membership_remove(*, actor: Any, membership_id: int) -> None:
    """Remove a member from the actor's organisation (operators: from any organisation).

    Not yourself, and never the organisation's last admin. The removed user is
    deactivated and their API tokens revoked.
    """
    if is_operator(actor):
        scope = Membership.objects.all()
    else:
        scope = Membership.objects.filter(organisation=_require_org_admin(actor))
    membership = scope.select_for_update().select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("Member not found."))
    if membership.user_id == actor.pk:
        raise Conflict(_("You cannot remove yourself."), code="cannot_remove_self")
    if membership.is_admin:
        admins = list(
            Membership.objects.select_for_update()
            .filter(organisation_id=membership.organisation_id, is_admin=True)
            .values_list("pk", flat=True)
        )
        if len(admins) <= 1:
            raise Conflict(_("An organisation must keep at least one admin."), code="last_admin")
    user = membership.user
    old = {"user": user.pk, "email": user.email, "is_admin": membership.is_admin, "is_active": user.is_active}
    organisation_id = membership.organisation_id
    audit_record(actor=actor, action="membership.removed", subject=membership, old=old,
                 new={"is_active": False}, organisation_id=organisation_id)
    membership.delete()
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# ---------------------------------------------------------------------------------------
# API tokens


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """A new API token for the actor; returns it with the raw token (shown once, stored hashed)."""
    require_signed_in(actor)
    errors = FieldErrors()
    clean_name = errors.text("name", name, max_length=100)
    errors.raise_if_any()
    raw = new_token()
    token = ApiToken.objects.create(user=actor, name=clean_name, prefix=raw[:10], token_hash=hash_token(raw))
    org = actor.organisation
    audit_record(actor=actor, action="api_token.created", subject=token,
                 new={"name": clean_name, "prefix": token.prefix},
                 organisation_id=org.pk if org else None)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user=require_signed_in(actor), revoked_at__isnull=True).first()
    )
    if token is None:
        raise NotFound(_("API token not found."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    org = actor.organisation
    audit_record(actor=actor, action="api_token.revoked", subject=token, old={"revoked_at": None},
                 new=snapshot(token, ["revoked_at"]), organisation_id=org.pk if org else None)
    return token


def api_token_authenticate(*, raw_token: str) -> User | None:
    """The active user behind a raw API token, or None. Records when it was last used."""
    token_hash = lookup_hash(raw_token)
    if token_hash is None:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # A write on every API call would serialise readers on SQLite; the tokens page shows the day.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
