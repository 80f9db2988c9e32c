from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bayfin.common.models import TimeStampedModel
from bayfin.common.vocab import Jurisdiction


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise member")
    INSTITUTION = "institution", _("Institution member")
    OPERATOR = "operator", _("Operator")
    OBSERVER = "observer", _("Observer")


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INSTITUTION = "institution", _("Financial institution")
    OPERATOR = "operator", _("Platform operator")
    OBSERVER = "observer", _("Observer (government)")


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class BayFinUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A person. Signs in with the email address; the organisation membership gives the role."""

    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(max_length=10, blank=True, default="")

    objects = BayFinUserManager()  # type: ignore[misc]

    @property
    def membership_or_none(self) -> Membership | None:
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None

    @property
    def organisation(self) -> Organisation | None:
        m = self.membership_or_none
        return m.organisation if m else None

    @property
    def role(self) -> str | None:
        org = self.organisation
        return org.kind if org else None

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_org_admin(self) -> bool:
        m = self.membership_or_none
        return bool(m and m.is_admin)


class Organisation(TimeStampedModel):
    """An enterprise, an institution, the operator or an observer body.

    Enterprises and institutions have a profile row one-to-one with this
    (``enterprises.Enterprise``, ``institutions.Institution``).
    """

    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    status = models.CharField(
        max_length=20, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING,
        db_index=True,
    )
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    jurisdiction = models.CharField(max_length=20, choices=Jurisdiction.choices)
    rejection_reason = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["kind", "status"])]

    NAME_FIELDS = ("name_zh_hans", "name_zh_hant", "name_en", "name_pt")
    _LANG_ORDER = {
        "zh-hans": ("name_zh_hans", "name_zh_hant", "name_en", "name_pt"),
        "zh-hant": ("name_zh_hant", "name_zh_hans", "name_en", "name_pt"),
        "pt": ("name_pt", "name_en", "name_zh_hant", "name_zh_hans"),
        "en": ("name_en", "name_pt", "name_zh_hans", "name_zh_hant"),
    }

    def display_name(self, language: str | None = None) -> str:
        """The name in the given (or active) language, falling back to the others."""
        lang = (language or get_language() or "en").lower()
        for field in self._LANG_ORDER.get(lang, self._LANG_ORDER["en"]):
            value = getattr(self, field)
            if value:
                return str(value)
        return f"#{self.pk}"

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED

    def __str__(self) -> str:
        return self.display_name()


class Membership(TimeStampedModel):
    """A user's place in one organisation. One organisation per user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user.email} @ {self.organisation}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self, now: datetime) -> InvitationQuerySet:
        """Invitations that can still be accepted: not used, withdrawn or expired."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expired_at__isnull=True,
                           expires_at__gt=now)


class Invitation(TimeStampedModel):
    """An emailed, single-use, expiring invitation to join an organisation.

    Only the SHA-256 of the token is stored; the token itself is in the email.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set once by the expire_invitations job, so it never marks the same invitation twice.
    expired_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Invitation {self.email} -> {self.organisation}"


class ApiToken(TimeStampedModel):
    """A per-user API token: shown once, stored as its SHA-256, revocable."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, help_text="First characters, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
