import pytest
from django.db import transaction

from bayfin.common.audit import audit_record, changed
from bayfin.common.models import AuditEvent
from tests.factories import OrganisationFactory


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction():
    org = OrganisationFactory()
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x", subject=org)


@pytest.mark.django_db
def test_audit_event_is_rolled_back_with_the_change():
    org = OrganisationFactory()
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action="organisation.touched", subject=org, new={"a": 1})
        raise ValueError("the change failed")
    assert not AuditEvent.objects.filter(action="organisation.touched").exists()


@pytest.mark.django_db
def test_system_actor_is_labelled():
    org = OrganisationFactory()
    with transaction.atomic():
        event = audit_record(actor=None, action="organisation.touched", subject=org)
    assert event.actor_label == "system"
    assert event.subject_type == "accounts.organisation"


def test_changed_keeps_only_differences():
    assert changed({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})
