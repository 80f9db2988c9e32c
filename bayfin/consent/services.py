"""Every write about consent: grants, proposals, confirmation, revocation, expiry, the access log.

A grant is an enterprise's consent that one institution may read named scopes of its data
for a purpose until a date. Granting and revoking are agreement-level: each writes a ledger
outbox entry ("consent.granted", "consent.revoked") beside its audit event. Proposals,
dismissals, expiry and the end of a deal's grants are audited only (a proposal is not an
agreement; an expiry or a deal's end follows from what was already recorded).

Cross-border transfers (PIPL arts. 38-39)
-----------------------------------------
BayFin is run from Hengqin and holds enterprises' data there, on the Mainland. A grant to
an institution whose organisation is outside the Mainland
(``bayfin.common.vocab.MAINLAND_JURISDICTIONS``) is a transfer of that data out of the Mainland and needs the enterprise's *separate* consent:
``cross_border_consent`` must be true, else the refusal names the recipient's jurisdiction.
The grant keeps the jurisdiction it was given for and when the separate consent was given.

Lock order (shared with financing): request row, then deal row, then the grants. Confirming a
deal's proposal moves the deal, so it first locks the request and the deal through
``financing.services.deal_lock`` and only then the grant; every other function here locks
grants alone (or runs inside financing's transaction, which already holds the deal).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member
from bayfin.common.audit import audit_record
from bayfin.common.errors import Conflict, NotFound, PermissionDenied
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import MAINLAND_JURISDICTIONS, Jurisdiction
from bayfin.institutions.models import Institution
from bayfin.ledger.services import Party, ledger_record
from bayfin.notifications.services import notify

from .models import DEFAULT_DEAL_SCOPES, ConsentGrant, DataAccess, GrantStatus, Scope

MAX_PURPOSE = 2000
MAX_REASON = 2000
MAX_YEARS = 3
# What a proposal or a grant may become by the enterprise's hand.
OPEN_STATUSES = (GrantStatus.PROPOSED, GrantStatus.ACTIVE)


def latest_valid_until(today: date) -> date:
    """The furthest date a grant may run to: MAX_YEARS from today (28 February for a 29th)."""
    try:
        return today.replace(year=today.year + MAX_YEARS)
    except ValueError:
        return today.replace(year=today.year + MAX_YEARS, day=28)


def is_cross_border(jurisdiction: str) -> bool:
    """Whether giving data to an organisation in this jurisdiction takes it out of the Mainland."""
    return jurisdiction not in MAINLAND_JURISDICTIONS


def jurisdiction_label(code: str) -> str:
    try:
        return str(Jurisdiction(code).label)
    except ValueError:
        return code


def _agreed(value: Any) -> bool:
    """A checkbox or JSON boolean: only an explicit yes counts as consent."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("true", "on", "1", "yes")


def _clean_terms(
    errors: FieldErrors, data: Mapping[str, Any], *, today: date, open_end: bool
) -> dict[str, Any]:
    """Scopes, purpose and end date: the one place for each rule.

    ``open_end``: the date may stay empty ("for the life of the deal"), only for a deal's grant.
    """
    scopes = data.get("scopes")
    if scopes is not None and not isinstance(scopes, (list, tuple)):
        errors.add("scopes", _("Enter a list."))
        scopes = []
    out: dict[str, Any] = {"scopes": errors.choices("scopes", scopes, Scope, required=True)}
    out["purpose"] = errors.text("purpose", data.get("purpose"), max_length=MAX_PURPOSE)
    raw = data.get("valid_until")
    out["valid_until"] = None
    if raw in (None, "") and open_end:
        return out
    until = errors.iso_date("valid_until", raw)
    if until is not None:
        if until <= today:
            errors.add("valid_until", _("The end date must be after today."))
        elif until > latest_valid_until(today):
            errors.add(
                "valid_until",
                _("A consent may run for at most %(n)d years: choose a date on or before %(date)s.")
                % {"n": MAX_YEARS, "date": latest_valid_until(today)},
            )
        else:
            out["valid_until"] = until
    return out


def _check_cross_border(
    errors: FieldErrors, institution: Institution, data: Mapping[str, Any]
) -> bool:
    """Record the refusal when a transfer out of the Mainland lacks its separate consent.

    Returns whether the grant is a cross-border transfer.
    """
    jurisdiction = institution.organisation.jurisdiction
    if not is_cross_border(jurisdiction):
        return False
    if not _agreed(data.get("cross_border_consent")):
        errors.add(
            "cross_border_consent",
            gettext(
                "%(recipient)s is in %(jurisdiction)s, outside the Mainland: sharing your data with it is a "
                "cross-border transfer, which needs your separate consent. Tick the box to give it."
            )
            % {
                "recipient": institution.organisation.display_name(),
                "jurisdiction": jurisdiction_label(jurisdiction),
            },
        )
    return True


def _enterprise_of(actor: Any) -> Any:
    org = require_member(actor, OrganisationKind.ENTERPRISE, verified=True)
    enterprise = getattr(org, "enterprise", None)
    if enterprise is None:
        raise PermissionDenied(_("Complete your company profile first."))
    return enterprise


def _institution(errors: FieldErrors, raw: Any) -> Institution | None:
    if raw in (None, ""):
        errors.add("institution_id", _("This field is required."))
        return None
    text = str(raw).strip()
    institution = None
    if not isinstance(raw, bool) and text.isascii() and text.isdigit():
        institution = (
            Institution.objects.select_related("organisation")
            .filter(pk=int(text), organisation__status=OrganisationStatus.VERIFIED)
            .first()
        )
    if institution is None:
        errors.add("institution_id", _("Choose one of the verified institutions."))
    return institution


def _grant_entry(grant: ConsentGrant) -> None:
    """The ledger's record of a consent given: both parties, the scopes, the end date, whether
    it crosses the border and to where, the deal; the purpose as its salted hash only."""
    ledger_record(
        kind="consent.granted",
        subject=grant,
        reference=grant,
        at=grant.granted_at,
        parties=[
            Party(grant.enterprise.organisation, "enterprise"),
            Party(grant.institution.organisation, "institution"),
        ],
        data={
            "scopes": list(grant.scopes),
            "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
            "cross_border": grant.cross_border,
            "recipient_jurisdiction": grant.recipient_jurisdiction,
            "deal": grant.deal_id,
        },
        texts=[grant.purpose],
    )
    _notify_institution(
        grant,
        kind="consent.granted",
        message=gettext_noop(
            "%(enterprise)s gave your institution access to some of its data (consent #%(grant)s)."
        ),
    )


def _notify_institution(grant: ConsentGrant, *, kind: str, message: str) -> None:
    """Tell the institution's members that a consent to it began or ended (in-app and email)."""
    notify(
        organisations=[grant.institution.organisation],
        kind=kind,
        message=message,
        params={"enterprise": str(grant.enterprise.organisation), "grant": grant.pk},
        link=reverse("consent:shared_detail", args=[grant.enterprise_id])
        if kind == "consent.granted"
        else "",
        subject=f"consent.consentgrant:{grant.pk}",
    )


def _terms(grant: ConsentGrant) -> dict[str, Any]:
    return {
        "status": grant.status,
        "scopes": list(grant.scopes),
        "purpose": grant.purpose,
        "valid_until": grant.valid_until,
        "cross_border": grant.cross_border,
        "recipient_jurisdiction": grant.recipient_jurisdiction,
        "deal": grant.deal_id,
    }


def _activate(
    grant: ConsentGrant, *, actor: Any, values: Mapping[str, Any], cross_border: bool
) -> None:
    now = timezone.now()
    grant.scopes = values["scopes"]
    grant.purpose = values["purpose"]
    grant.valid_until = values["valid_until"]
    grant.recipient_jurisdiction = grant.institution.organisation.jurisdiction
    grant.cross_border = cross_border
    grant.cross_border_consent_at = now if cross_border else None
    grant.status = GrantStatus.ACTIVE
    grant.granted_by = actor
    grant.granted_at = now


# --------------------------------------------------------------------------- granting


@transaction.atomic
def consent_grant(*, actor: Any, data: Mapping[str, Any]) -> ConsentGrant:
    """A verified enterprise's member grants a verified institution access to named scopes
    for a purpose until a date (at most MAX_YEARS ahead). Active at once; audited and recorded
    in the ledger. Outside the Mainland it needs ``cross_border_consent`` (see the module)."""
    enterprise = _enterprise_of(actor)
    errors = FieldErrors()
    institution = _institution(errors, data.get("institution_id"))
    values = _clean_terms(errors, data, today=timezone.localdate(), open_end=False)
    cross_border = (
        _check_cross_border(errors, institution, data) if institution is not None else False
    )
    errors.raise_if_any()
    assert institution is not None  # noqa: S101 (errors.raise_if_any raised otherwise)
    grant = ConsentGrant(enterprise=enterprise, institution=institution)
    _activate(grant, actor=actor, values=values, cross_border=cross_border)
    grant.save()
    audit_record(
        actor=actor,
        action="consent.grant_create",
        subject=grant,
        new=_terms(grant),
        organisation_id=enterprise.organisation_id,
    )
    _grant_entry(grant)
    return grant


@transaction.atomic
def consent_propose_for_deal(*, actor: Any, deal: Any) -> ConsentGrant:
    """Accepting an interest proposes the default grant to the deal's institution: profile
    details and statements for the life of the deal. The enterprise confirms, edits or
    dismisses it. Runs inside financing's transaction (the deal row already locked); audited
    only, since a proposal is not an agreement. Returns the deal's open grant if it has one.

    The purpose is written in the accepting user's active language.
    """
    existing = (
        ConsentGrant.objects.select_for_update(of=("self",))
        .filter(deal=deal, status__in=OPEN_STATUSES)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    enterprise = deal.request.enterprise
    jurisdiction = deal.institution.organisation.jurisdiction
    grant = ConsentGrant.objects.create(
        enterprise=enterprise,
        institution=deal.institution,
        deal=deal,
        scopes=[s.value for s in DEFAULT_DEAL_SCOPES],
        valid_until=None,
        status=GrantStatus.PROPOSED,
        purpose=gettext("Assessing the financing request “%(title)s” (deal #%(deal)s)")
        % {"title": deal.request.title, "deal": deal.pk},
        recipient_jurisdiction=jurisdiction,
        cross_border=is_cross_border(jurisdiction),
    )
    audit_record(
        actor=actor,
        action="consent.grant_propose",
        subject=grant,
        new=_terms(grant),
        organisation_id=enterprise.organisation_id,
    )
    return grant


def _own_grant_locked(actor: Any, grant_id: int) -> ConsentGrant:
    enterprise = _enterprise_of(actor)
    grant = (
        ConsentGrant.objects.select_for_update(of=("self",))
        .select_related("enterprise__organisation", "institution__organisation")
        .filter(pk=grant_id, enterprise=enterprise)
        .first()
    )
    if grant is None:
        raise NotFound(_("Consent not found."))
    return grant


def _refuse_unless(grant: ConsentGrant, status: str, message: Any) -> None:
    if grant.status != status:
        raise Conflict(
            message % {"status": grant.get_status_display()}, code="consent_not_" + status
        )


@transaction.atomic
def consent_confirm(*, actor: Any, grant_id: int, data: Mapping[str, Any]) -> ConsentGrant:
    """The enterprise confirms a proposed grant, as proposed or edited (``data`` may hold
    scopes, purpose, valid_until and cross_border_consent; missing keys keep the proposal).

    The date may stay empty only for a deal's grant ("for the life of the deal"). Active at
    once, audited and recorded in the ledger; a deal's grant then moves an accepted deal to
    *data access granted*. Locks the request and the deal before the grant (module docstring).
    """
    enterprise = _enterprise_of(actor)
    deal_id = (
        ConsentGrant.objects.filter(pk=grant_id, enterprise=enterprise)
        .values_list("deal_id", flat=True)
        .first()
    )
    if deal_id is not None:
        # Imported here: financing's services import this module's functions the same way.
        from bayfin.financing.services import deal_lock

        deal_lock(deal_id)
    grant = _own_grant_locked(actor, grant_id)
    _refuse_unless(
        grant,
        GrantStatus.PROPOSED,
        _("Only a proposed consent can be confirmed; this one is %(status)s."),
    )
    if grant.institution.organisation.status != OrganisationStatus.VERIFIED:
        raise Conflict(
            _("This institution is no longer verified: the consent cannot be given."),
            code="institution_not_verified",
        )
    merged: dict[str, Any] = {
        "scopes": list(grant.scopes),
        "purpose": grant.purpose,
        "valid_until": grant.valid_until,
    }
    merged.update({k: v for k, v in data.items() if k in ("scopes", "purpose", "valid_until")})
    errors = FieldErrors()
    values = _clean_terms(
        errors, merged, today=timezone.localdate(), open_end=grant.deal_id is not None
    )
    cross_border = _check_cross_border(errors, grant.institution, data)
    errors.raise_if_any()
    old = _terms(grant)
    _activate(grant, actor=actor, values=values, cross_border=cross_border)
    grant.save()
    audit_record(
        actor=actor,
        action="consent.grant_confirm",
        subject=grant,
        old=old,
        new=_terms(grant),
        organisation_id=enterprise.organisation_id,
    )
    _grant_entry(grant)
    if grant.deal_id is not None:
        from bayfin.financing.services import deal_data_access_granted

        deal_data_access_granted(actor=actor, deal_id=grant.deal_id)
    return grant


@transaction.atomic
def consent_dismiss(*, actor: Any, grant_id: int, reason: str = "") -> ConsentGrant:
    """The enterprise declines a proposed grant: nothing is shared. Audited."""
    grant = _own_grant_locked(actor, grant_id)
    _refuse_unless(
        grant,
        GrantStatus.PROPOSED,
        _("Only a proposed consent can be declined; this one is %(status)s."),
    )
    text = _reason(reason)
    grant.status = GrantStatus.DISMISSED
    grant.ended_at = timezone.now()
    grant.end_reason = text
    grant.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="consent.grant_dismiss",
        subject=grant,
        old={"status": GrantStatus.PROPOSED},
        new={"status": grant.status, "reason": text},
        organisation_id=grant.enterprise.organisation_id,
    )
    return grant


def _reason(reason: Any) -> str:
    errors = FieldErrors()
    text = errors.text("reason", reason, required=False, max_length=MAX_REASON)
    errors.raise_if_any()
    return text


@transaction.atomic
def consent_revoke(*, actor: Any, grant_id: int, reason: str = "") -> ConsentGrant:
    """The enterprise revokes an active grant, at any time, effective for the very next read
    (``selectors.live_grant`` checks the status at each read). Audited and recorded in the
    ledger; the reason goes in as its salted hash."""
    grant = _own_grant_locked(actor, grant_id)
    _refuse_unless(
        grant,
        GrantStatus.ACTIVE,
        _("Only an active consent can be revoked; this one is %(status)s."),
    )
    text = _reason(reason)
    now = timezone.now()
    grant.status = GrantStatus.REVOKED
    grant.revoked_by = actor
    grant.revoked_at = now
    grant.end_reason = text
    grant.save(update_fields=["status", "revoked_by", "revoked_at", "end_reason", "updated_at"])
    event = audit_record(
        actor=actor,
        action="consent.grant_revoke",
        subject=grant,
        old={"status": GrantStatus.ACTIVE},
        new={"status": grant.status, "reason": text},
        organisation_id=grant.enterprise.organisation_id,
    )
    ledger_record(
        kind="consent.revoked",
        subject=grant,
        reference=event,
        at=now,
        parties=[
            Party(grant.enterprise.organisation, "enterprise"),
            Party(grant.institution.organisation, "institution"),
        ],
        data={"grant": grant.pk, "scopes": list(grant.scopes), "deal": grant.deal_id},
        texts=[text],
    )
    _notify_institution(
        grant,
        kind="consent.revoked",
        message=gettext_noop(
            "%(enterprise)s revoked consent #%(grant)s: its data is no longer shared with you."
        ),
    )
    return grant


# --------------------------------------------------------------------------- ending by the clock or the deal


@transaction.atomic
def consent_expire_due(*, today: date) -> int:
    """End every active grant whose date has passed (``valid_until`` before ``today``).

    Run by the scheduler; idempotent (a second run finds nothing). Reads were already refused
    from the day after the date (``selectors.live_grant``); this makes the status say so.
    """
    due = list(
        ConsentGrant.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(status=GrantStatus.ACTIVE, valid_until__lt=today)
        .order_by("pk")
    )
    now = timezone.now()
    for grant in due:
        grant.status = GrantStatus.EXPIRED
        grant.ended_at = now
        grant.save(update_fields=["status", "ended_at", "updated_at"])
        audit_record(
            actor=None,
            action="consent.grant_expire",
            subject=grant,
            old={"status": GrantStatus.ACTIVE},
            new={"status": grant.status, "valid_until": grant.valid_until},
            organisation_id=grant.enterprise.organisation_id,
        )
    return len(due)


@transaction.atomic
def consent_end_for_deal(*, deal: Any, reason: str) -> int:
    """A deal reached a terminal stage: its proposals are dismissed and its grants "for the life
    of the deal" end. A grant with a date stays until that date (the enterprise chose it).

    Called by financing inside its transaction, with the deal row locked. Audited (by the
    platform). Returns how many grants changed.
    """
    grants = list(
        ConsentGrant.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(deal=deal, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    now = timezone.now()
    changed = 0
    for grant in grants:
        old = grant.status
        if grant.status == GrantStatus.PROPOSED:
            grant.status = GrantStatus.DISMISSED
        elif grant.valid_until is None:
            grant.status = GrantStatus.ENDED
        else:
            continue
        grant.ended_at = now
        grant.end_reason = str(reason)[:MAX_REASON]
        grant.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
        audit_record(
            actor=None,
            action="consent.grant_end",
            subject=grant,
            old={"status": old},
            new={"status": grant.status, "reason": grant.end_reason, "deal": deal.pk},
            organisation_id=grant.enterprise.organisation_id,
        )
        changed += 1
    return changed


# --------------------------------------------------------------------------- the access log


@transaction.atomic
def access_record(
    *, grant: ConsentGrant, user: Any, scope: str, reference: str = "", via: str = "page"
) -> DataAccess:
    """Log one read of one scope under a grant (the enterprise's "who read my data" page).

    Called by the selectors at every read of shared data, and by the documents app: a write
    inside a read, on purpose, so that no read is ever missing from the log. The caller has
    just checked the grant is live.
    """
    return DataAccess.objects.create(
        grant=grant,
        enterprise_id=grant.enterprise_id,
        institution_id=grant.institution_id,
        user=user if getattr(user, "is_authenticated", False) else None,
        scope=scope,
        reference=str(reference)[:100],
        via="api" if via == "api" else "page",
    )
