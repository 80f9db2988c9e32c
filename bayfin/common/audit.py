"""Writing audit events. Called by every state-changing service inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "label"):  # TextChoices member
        return value.value
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an instance as plain JSON-able values (FKs as ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _plain(getattr(instance, attname))
    return out


def changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values differ."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: models.Model,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Write one audit event. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = getattr(user, "email", "") if user else "system"
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        subject_label=str(subject)[:300],
        organisation_id=organisation_id,
        old={k: _plain(v) for k, v in (old or {}).items()},
        new={k: _plain(v) for k, v in (new or {}).items()},
    )
