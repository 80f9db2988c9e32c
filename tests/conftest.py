"""Shared fixtures: one signed-in user per role, and helpers to act as them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bayfin.accounts.models import OrganisationKind, OrganisationStatus, User
from bayfin.common.vocab import Jurisdiction

from .factories import (
    EnterpriseFactory,
    InstitutionFactory,
    MembershipFactory,
    OrganisationFactory,
)


@pytest.fixture(autouse=True)
def _english_and_fast(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The ledger's keys: never a developer's real ones in var/ (a test that signs makes its
    # own in tmp_path), so a run behaves the same on every machine.
    settings.BAYFIN_LEDGER_KEY_FILE = "/nonexistent/bayfin-test/log.key"
    settings.BAYFIN_LEDGER_WITNESS_KEY_FILE = "/nonexistent/bayfin-test/witness.key"


def member_of(organisation: Any, *, is_admin: bool = True) -> User:
    return MembershipFactory(organisation=organisation, is_admin=is_admin).user


@pytest.fixture
def enterprise(db: Any) -> Any:
    return EnterpriseFactory()


@pytest.fixture
def enterprise_user(enterprise: Any) -> User:
    return member_of(enterprise.organisation)


@pytest.fixture
def other_enterprise(db: Any) -> Any:
    return EnterpriseFactory()


@pytest.fixture
def other_enterprise_user(other_enterprise: Any) -> User:
    return member_of(other_enterprise.organisation)


@pytest.fixture
def pending_enterprise(db: Any) -> Any:
    return EnterpriseFactory(organisation__status=OrganisationStatus.PENDING, organisation__verified_at=None)


@pytest.fixture
def pending_enterprise_user(pending_enterprise: Any) -> User:
    return member_of(pending_enterprise.organisation)


@pytest.fixture
def institution(db: Any) -> Any:
    return InstitutionFactory()


@pytest.fixture
def institution_user(institution: Any) -> User:
    return member_of(institution.organisation)


@pytest.fixture
def other_institution(db: Any) -> Any:
    return InstitutionFactory()


@pytest.fixture
def other_institution_user(other_institution: Any) -> User:
    return member_of(other_institution.organisation)


@pytest.fixture
def operator_user(db: Any) -> User:
    org = OrganisationFactory(kind=OrganisationKind.OPERATOR, name_en="BayFin Operations",
                              jurisdiction=Jurisdiction.HENGQIN)
    user = member_of(org)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def observer_user(db: Any) -> User:
    org = OrganisationFactory(kind=OrganisationKind.OBSERVER, name_en="Financial Services Bureau",
                              jurisdiction=Jurisdiction.HENGQIN)
    return member_of(org)


@pytest.fixture
def anonymous_user(db: Any) -> None:
    return None


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A web client signed in as the given user (or anonymous for None)."""

    def make(user: User | None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for(db: Any) -> Callable[[User | None], Client]:
    """An API client authenticated with a fresh Bearer token for the user (anonymous for None)."""
    from bayfin.accounts.models import ApiToken
    from bayfin.accounts.tokens import hash_token, new_token

    def make(user: User | None) -> Client:
        if user is None:
            return Client()
        raw = new_token()
        ApiToken.objects.create(user=user, name="test", prefix=raw[:10], token_hash=hash_token(raw))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


ROLE_NAMES = ("anonymous", "enterprise", "institution", "operator", "observer")


@pytest.fixture
def user_for_role(enterprise_user: Any, institution_user: Any, operator_user: Any, observer_user: Any) -> Any:
    """The signed-in user of each role (None for anonymous), for page-by-role tests."""
    users = {"anonymous": None, "enterprise": enterprise_user, "institution": institution_user,
             "operator": operator_user, "observer": observer_user}
    return users.__getitem__
