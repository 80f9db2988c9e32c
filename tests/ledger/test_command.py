"""``manage.py ledger`` (also ``bayfin ledger``): init, integrate, checkpoint, audit, keys."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from bayfin.ledger import keys, services
from bayfin.ledger.models import LedgerEntry, SignedCheckpoint
from bayfin.ledger.services import Party
from bayfin.ledger.tlog.cosignature import parse_witness_verifier_key, verify_cosignature
from bayfin.ledger.tlog.note import open_note, parse_verifier_key
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def ledger(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def pending(n: int) -> None:
    org = EnterpriseFactory().organisation
    for i in range(n):
        with transaction.atomic():
            services.ledger_record(kind="test.recorded", subject=org, parties=[Party(org, "enterprise")],
                                   data={"i": i})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_the_key_once_and_keeps_it(settings: Any) -> None:
    path = Path(settings.BAYFIN_LEDGER_KEY_FILE)
    out, _ = ledger("init")
    assert f"Created signing key {path}" in out
    assert path.is_file() and mode(path) == 0o600
    secret = path.read_text()
    vkey = keys.log_verifier_key()
    assert f"Verifier key: {vkey}" in out
    assert vkey.startswith(settings.BAYFIN_LEDGER_ORIGIN + "+")
    assert not Path(settings.BAYFIN_LEDGER_WITNESS_KEY_FILE).exists()  # only with --witness

    out, _ = ledger("init")
    assert f"Kept the existing signing key {path}" in out and f"Verifier key: {vkey}" in out
    assert path.read_text() == secret and mode(path) == 0o600


def test_init_with_the_witness(settings: Any) -> None:
    witness_path = Path(settings.BAYFIN_LEDGER_WITNESS_KEY_FILE)
    out, _ = ledger("init", "--witness")
    assert f"Created witness key {witness_path}" in out and mode(witness_path) == 0o600
    witness_vkey = keys.witness_verifier_key()
    assert witness_vkey is not None and witness_vkey.startswith(settings.BAYFIN_LEDGER_WITNESS_NAME + "+")
    assert f"Witness verifier key: {witness_vkey}" in out
    secret = witness_path.read_text()
    out, _ = ledger("init", "--witness")
    assert "Kept the existing signing key" in out and "Kept the existing witness key" in out
    assert witness_path.read_text() == secret


def test_init_without_a_witness_file_configured(settings: Any) -> None:
    settings.BAYFIN_LEDGER_WITNESS_KEY_FILE = ""
    out, _ = ledger("init", "--witness")
    assert "No witness key file is configured" in out


def test_keys_prints_the_verifier_keys(ledger_keys: Any) -> None:
    out, _ = ledger("keys")
    assert f"Log verifier key: {ledger_keys.verifier_key}" in out and "No witness key." in out


def test_keys_with_the_witness(witness_key: Any) -> None:
    out, _ = ledger("keys")
    assert f"Witness verifier key: {witness_key.verifier_key}" in out


def test_keys_without_a_key_names_the_fix(db: Any) -> None:
    with pytest.raises(CommandError, match="bayfin ledger init"):
        ledger("keys")


def test_integrate_and_checkpoint(witness_key: Any) -> None:
    pending(5)
    out, _ = ledger("integrate")
    assert "Integrated 5 entries; the log holds 5." in out
    assert "Signed the checkpoint at size 5 (cosigned)." in out  # the first one is due at once
    pending(2)
    out, _ = ledger("integrate")
    assert "Integrated 2 entries; the log holds 7." in out and "Signed" not in out  # not due yet
    out, _ = ledger("checkpoint")
    assert "Signed the checkpoint at size 7 (cosigned)." in out
    row = SignedCheckpoint.objects.get(size=7)
    assert row.note in out
    open_note(row.note, [parse_verifier_key(keys.log_verifier_key())])
    verify_cosignature(row.note, parse_witness_verifier_key(witness_key.verifier_key))
    out, _ = ledger("checkpoint")
    assert "The latest checkpoint already covers the whole log." in out
    pending(1)
    out, _ = ledger("integrate", "--checkpoint")
    assert "Signed the checkpoint at size 8 (cosigned)." in out


def test_integrate_without_a_key_integrates_then_refuses_to_sign(db: Any) -> None:
    pending(2)
    with pytest.raises(CommandError, match="bayfin ledger init"):
        ledger("integrate")
    assert services.tree_size() == 2 and not SignedCheckpoint.objects.exists()


def test_checkpoint_without_a_key(db: Any) -> None:
    with pytest.raises(CommandError, match="no ledger signing key"):
        ledger("checkpoint")


def test_audit_ok_then_a_hand_edit_is_named(ledger_keys: Any) -> None:
    pending(4)
    ledger("integrate")
    out, _ = ledger("audit")
    assert out.strip() == "OK: 4 entries and 1 signed checkpoints agree."

    entry = LedgerEntry.objects.get(index=2)
    LedgerEntry.objects.filter(pk=entry.pk).update(body=entry.body.replace('"i":2', '"i":3'))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"the audit found \d+ problem") as exc:
        call_command("ledger", "audit", stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode == 1  # the process exits 1
    assert f"PROBLEM: entry 2 (test.recorded accounts.organisation:{entry.subject_id}) was edited" in err.getvalue()
    assert "PROBLEM: checkpoint 4:" in err.getvalue()


def test_checkpoint_refuses_an_inconsistent_tree(ledger_keys: Any) -> None:
    from bayfin.ledger.models import TreeNode

    pending(4)
    ledger("integrate")
    pending(1)
    services.integrate()
    TreeNode.objects.filter(level=2, position=0).update(hash=bytes(32))
    with pytest.raises(CommandError, match="refused: not consistent with the checkpoint at size 4"):
        ledger("checkpoint")
    assert SignedCheckpoint.objects.count() == 1


def test_an_action_is_required() -> None:
    with pytest.raises(CommandError):
        ledger()
