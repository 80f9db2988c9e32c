"""Loading the demo data through the management commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bayfin.accounts.models import Organisation, OrganisationStatus, User
from bayfin.common.models import AuditEvent
from bayfin.demo.loader import DEMO_PASSWORD
from bayfin.enterprises.models import Enterprise, FinancialStatement
from bayfin.financing.models import Deal, DealEvent, FinancingRequest
from bayfin.institutions.models import Institution, Product

SMALL = ["--enterprises", "60", "--institutions", "30", "--products", "45", "--requests", "50",
         "--deals", "30", "--seed", "3", "--today", "2026-03-01"]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return run("demo_seed", "--if-empty", *SMALL)


def test_demo_seed_loads_a_small_data_set_and_a_second_run_creates_nothing(seeded):
    assert "Enterprise" in seeded
    assert Enterprise.objects.count() == 60
    assert Institution.objects.count() == 30
    assert Product.objects.count() == 45
    assert FinancingRequest.objects.count() == 50
    assert Deal.objects.count() == 30
    assert DealEvent.objects.count() >= 30
    assert FinancialStatement.objects.exists()
    assert AuditEvent.objects.filter(action="demo.seeded").count() == 1
    orgs = Organisation.objects.count()
    users = User.objects.count()

    again = run("demo_seed", "--if-empty", *SMALL)
    assert "not loaded" in again
    assert (Organisation.objects.count(), User.objects.count()) == (orgs, users)
    with pytest.raises(CommandError):
        run("demo_seed", *SMALL)


def test_statuses_and_history_survive_loading(seeded):
    assert set(FinancingRequest.objects.values_list("status", flat=True)) == {
        "draft", "open", "in_progress", "funded", "closed", "withdrawn", "expired"}
    assert set(Deal.objects.values_list("stage", flat=True)) == {"interest", "accepted", "declined", "closed"}
    deal = Deal.objects.filter(stage="accepted").first()
    events = list(deal.events.all())
    assert [e.to_stage for e in events] == ["interest", "accepted"]
    assert events[0].at < events[1].at
    assert Organisation.objects.filter(status=OrganisationStatus.PENDING).exists()


@pytest.mark.parametrize(("email", "kind", "is_admin", "status"), [
    ("operator@bayfin.demo", "operator", True, "verified"),
    ("observer@bayfin.demo", "observer", True, "verified"),
    ("enterprise@bayfin.demo", "enterprise", True, "verified"),
    ("enterprise2@bayfin.demo", "enterprise", False, "verified"),
    ("pending@bayfin.demo", "enterprise", True, "pending"),
    ("institution@bayfin.demo", "institution", True, "verified"),
    ("vc@bayfin.demo", "institution", True, "verified"),
])
def test_demo_logins_exist_with_their_roles_and_the_password_works(seeded, email, kind, is_admin, status):
    user = User.objects.get(email=email)
    assert user.role == kind
    assert user.is_org_admin is is_admin
    assert user.organisation.status == status
    assert Client().login(username=email, password=DEMO_PASSWORD)


def test_demo_accounts_have_what_the_walkthrough_needs(seeded):
    operator = User.objects.get(email="operator@bayfin.demo")
    assert operator.is_staff and operator.is_superuser
    ent = User.objects.get(email="enterprise@bayfin.demo").organisation.enterprise
    assert ent.statements.count() == 3 and ent.beneficial_owners.exists() and ent.certifications.exists()
    assert ent.financing_requests.filter(status="open").exists()
    assert Deal.objects.filter(request__enterprise=ent, stage="interest").exists()
    assert User.objects.get(email="enterprise@bayfin.demo").organisation == \
        User.objects.get(email="enterprise2@bayfin.demo").organisation
    bank = User.objects.get(email="institution@bayfin.demo").organisation.institution
    assert bank.kind == "macao_bank" and bank.products.exists()
    assert Deal.objects.filter(institution=bank).values("stage").distinct().count() >= 3
    assert User.objects.get(email="vc@bayfin.demo").organisation.institution.kind == "venture_capital"


def test_generated_users_cannot_sign_in(seeded):
    generated = User.objects.filter(email__endswith="@generated.bayfin.demo")
    assert generated.exists()
    assert not any(u.has_usable_password() for u in generated[:50])


def test_demo_logins_command_prints_the_table(seeded):
    out = run("demo_logins")
    assert "http://127.0.0.1:8000/" in out
    for name in ("operator", "enterprise", "enterprise2", "pending", "institution", "vc", "observer"):
        assert f"{name}@bayfin.demo" in out
    assert DEMO_PASSWORD in out


def test_demo_logins_on_an_empty_database(db):
    assert "No demo logins" in run("demo_logins")


def test_demo_scale_streams_enterprises_in_batches(seeded):
    before = Enterprise.objects.count()
    out = run("demo_scale", "--enterprises", "250", "--batch", "100", "--statements")
    assert "Wrote" in out
    assert Enterprise.objects.count() == before + 250
    assert Organisation.objects.filter(enterprise__isnull=False).count() == before + 250
    assert FinancialStatement.objects.filter(enterprise__registration_number__isnull=False).count() > 250
