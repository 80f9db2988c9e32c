"""Ledger services against the database: the outbox, the integrator, checkpoints and the audit.

What they hold to: an entry is written in the caller's transaction and integrated after it
commits (a failing integration never fails the business change); the integrator gives indices
in write order and stores exactly the complete subtrees a MemoryTree of the same entries has;
a checkpoint is signed only when due, only with the log's key, only when the tree is
consistent with the last one, and cosigned when a witness key is configured; the audit finds
and names any edit of what is stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from bayfin.ledger import keys, services
from bayfin.ledger.entries import parse_entry
from bayfin.ledger.models import LedgerEntry, LogHead, SignedCheckpoint, TreeNode
from bayfin.ledger.services import LedgerCorrupt, Party
from bayfin.ledger.store import prefetched
from bayfin.ledger.tlog.checkpoint import Checkpoint
from bayfin.ledger.tlog.cosignature import parse_witness_verifier_key, verify_cosignature
from bayfin.ledger.tlog.merkle import MemoryTree, leaf_hash, root_at, root_of
from bayfin.ledger.tlog.note import open_note, parse_note, parse_verifier_key
from tests.factories import EnterpriseFactory, InstitutionFactory

from .conftest import ORIGIN

pytestmark = pytest.mark.django_db

KIND = "test.recorded"


@pytest.fixture
def parties(db: Any) -> list[Party]:
    return [Party(EnterpriseFactory().organisation, "enterprise"),
            Party(InstitutionFactory().organisation, "institution")]


@pytest.fixture(autouse=True)
def _ledger_settings(settings: Any) -> None:
    settings.BAYFIN_LEDGER_BATCH = 2000
    settings.BAYFIN_LEDGER_CHECKPOINT_EVERY = 64
    settings.BAYFIN_LEDGER_CHECKPOINT_SECONDS = 3600


def record(parties: list[Party], n: int = 1, **data: Any) -> list[LedgerEntry]:
    """``n`` entries, each in its own transaction as a service would write them."""
    made = []
    for i in range(n):
        with transaction.atomic():
            made.append(services.ledger_record(kind=KIND, subject=parties[0].organisation, parties=parties,
                                               data={"i": i, **data}))
    return made


def memory_tree() -> MemoryTree:
    """The tree of every integrated entry, rebuilt from the stored bodies alone."""
    bodies = LedgerEntry.objects.filter(index__isnull=False).order_by("index").values_list("body", flat=True)
    return MemoryTree.from_entries([b.encode("utf-8") for b in bodies])


def stored_nodes() -> dict[tuple[int, int], bytes]:
    return {(lv, pos): bytes(h) for lv, pos, h in TreeNode.objects.values_list("level", "position", "hash")}


def expected_nodes(tree: MemoryTree) -> dict[tuple[int, int], bytes]:
    return {(lv, pos): h for lv, row in enumerate(tree.levels) for pos, h in enumerate(row)}


def integrated(parties: list[Party], n: int) -> list[LedgerEntry]:
    made = record(parties, n)
    assert services.integrate() == n
    return made


# --------------------------------------------------------------------------- ledger_record


@pytest.mark.django_db(transaction=True)
def test_ledger_record_refuses_outside_a_transaction() -> None:
    org = EnterpriseFactory().organisation
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        services.ledger_record(kind=KIND, subject=org, parties=[Party(org, "enterprise")])
    assert not LedgerEntry.objects.exists()


def test_ledger_record_writes_an_unindexed_canonical_entry(parties: list[Party]) -> None:
    enterprise_org, institution_org = parties[0].organisation, parties[1].organisation
    digest = "ab" * 32
    with transaction.atomic():
        entry = services.ledger_record(
            kind=KIND, subject=enterprise_org, parties=parties, data={"status": "verified", "n": 3},
            documents=[digest], amounts=[(Decimal("1000.50"), "MOP")], reference=institution_org)
    entry.refresh_from_db()
    assert entry.index is None and entry.integrated_at is None  # the outbox
    body = entry.body.encode("utf-8")
    assert bytes(entry.leaf_hash) == leaf_hash(body) and entry.leaf_hash_hex == leaf_hash(body).hex()
    parsed = parse_entry(body)  # canonical (RFC 8785) or it raises
    assert parsed["type"] == KIND
    assert parsed["subject"] == {"type": "accounts.organisation", "id": str(enterprise_org.pk)}
    assert parsed["parties"] == [
        {"role": "enterprise", "registration_number": enterprise_org.enterprise.registration_number},
        {"role": "institution", "registration_number": institution_org.institution.licence_number}]
    assert parsed["data"] == {"status": "verified", "n": 3}
    assert parsed["documents"] == [{"sha256": digest}]
    assert parsed["amounts"] == [{"amount": "1000.50", "currency": "MOP"}]
    assert (entry.kind, entry.subject_type, entry.subject_id) == (KIND, "accounts.organisation",
                                                                  str(enterprise_org.pk))
    assert entry.reference == f"accounts.organisation:{institution_org.pk}"
    assert set(entry.parties.all()) == {enterprise_org, institution_org}


def test_an_operator_party_is_named_by_the_platform_id(operator_user: Any) -> None:
    org = operator_user.organisation
    with transaction.atomic():
        entry = services.ledger_record(kind=KIND, subject=org, parties=[Party(org, "operator")])
    assert json.loads(entry.body)["parties"] == [
        {"role": "operator", "registration_number": f"bayfin-organisation-{org.pk}"}]


def test_nothing_is_integrated_inside_the_transaction(parties: list[Party],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(parties, 2)
    assert len(callbacks) == 1  # one integration for the transaction's two entries
    assert not LedgerEntry.objects.filter(index__isnull=False).exists()
    assert services.tree_size() == 0


def test_on_commit_the_entry_is_integrated_and_checkpointed(parties: list[Party], ledger_keys: Any,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (entry,) = record(parties)
    entry.refresh_from_db()
    assert entry.index == 0 and entry.integrated_at is not None
    assert services.tree_size() == 1
    checkpoint = SignedCheckpoint.objects.get()
    assert checkpoint.size == 1 and bytes(checkpoint.root_hash) == bytes(entry.leaf_hash)


def test_without_a_key_entries_are_integrated_and_nothing_signed(parties: list[Party], caplog: Any,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record(parties)
    assert services.tree_size() == 1
    assert not SignedCheckpoint.objects.exists()
    assert "bayfin ledger init" in caplog.text


def test_a_failing_integration_does_not_fail_the_committed_change(parties: list[Party], monkeypatch: Any,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    def broken(**kwargs: Any) -> int:
        raise RuntimeError("integrator bug")

    monkeypatch.setattr("bayfin.ledger.tasks.integrate", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (entry,) = record(parties)
    assert len(callbacks) == 1
    entry.refresh_from_db()
    assert entry.index is None  # still pending: the scheduler's next run picks it up
    monkeypatch.undo()
    assert services.integrate() == 1


# --------------------------------------------------------------------------- integrate


def test_indices_follow_the_write_order(parties: list[Party]) -> None:
    made = record(parties, 6)
    assert services.integrate() == 6
    rows = list(LedgerEntry.objects.order_by("id").values_list("pk", "index"))
    assert rows == [(e.pk, i) for i, e in enumerate(made)]
    assert services.tree_size() == LogHead.objects.get(pk=1).size == 6
    assert not LedgerEntry.objects.filter(integrated_at__isnull=True).exists()


def test_integration_runs_in_batches(parties: list[Party], settings: Any, monkeypatch: Any) -> None:
    settings.BAYFIN_LEDGER_BATCH = 3
    record(parties, 10)
    batches: list[int] = []
    real = services._integrate_batch

    def counting(batch: int) -> int:
        done = real(batch)
        batches.append(done)
        return done

    monkeypatch.setattr(services, "_integrate_batch", counting)
    assert services.integrate() == 10
    assert batches == [3, 3, 3, 1]
    assert services.integrate(limit=5) == 0


def test_a_limit_integrates_only_that_many(parties: list[Party]) -> None:
    record(parties, 5)
    assert services.integrate(limit=2) == 2
    assert services.tree_size() == 2
    assert list(LedgerEntry.objects.filter(index__isnull=True).values_list("index", flat=True)) == [None] * 3


@pytest.mark.parametrize("runs", [[13], [1, 1, 1, 1, 1, 8], [4, 4, 5], [7, 6], [3, 5, 2, 3]])
def test_stored_nodes_are_every_complete_subtree_of_the_entries(parties: list[Party], settings: Any,
                                                                runs: list[int]) -> None:
    settings.BAYFIN_LEDGER_BATCH = 2  # and batches cut across the runs
    for n in runs:
        record(parties, n)
        assert services.integrate() == n
    tree = memory_tree()
    assert tree.size == sum(runs)
    assert stored_nodes() == expected_nodes(tree)
    leaves = [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    for size in range(1, tree.size + 1):
        assert prefetched(size, root_at, size) == root_of(leaves[:size]) == tree.root(size)


def test_integrate_is_idempotent(parties: list[Party]) -> None:
    integrated(parties, 5)
    nodes, head = stored_nodes(), LogHead.objects.get(pk=1).size
    assert services.integrate() == 0
    assert services.integrate() == 0
    assert stored_nodes() == nodes and LogHead.objects.get(pk=1).size == head == 5


def test_integrate_with_nothing_ever_written(db: Any) -> None:
    assert services.integrate() == 0
    assert services.tree_size() == 0 and not TreeNode.objects.exists()


def test_a_missing_right_edge_stops_the_integrator(parties: list[Party]) -> None:
    integrated(parties, 5)  # the right edge of 5 is (2, 0) and (0, 4)
    TreeNode.objects.filter(level=0, position=4).delete()
    record(parties, 1)
    with pytest.raises(LedgerCorrupt, match="right edge"):
        services.integrate()
    assert LedgerEntry.objects.filter(index__isnull=True).count() == 1
    assert services.tree_size() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the integrator's row lock needs PostgreSQL")
def test_two_integrators_at_once_never_share_an_index_or_lose_an_entry(settings: Any, monkeypatch: Any) -> None:
    from django.db import connections

    settings.BAYFIN_LEDGER_BATCH = 7
    monkeypatch.setattr(services, "integrate_on_commit", lambda: None)  # only our threads integrate
    parties = [Party(EnterpriseFactory().organisation, "enterprise")]
    record(parties, 120)

    barrier = threading.Barrier(3)
    errors: list[BaseException] = []
    done: dict[str, int] = {}

    def integrator(name: str) -> None:
        try:
            barrier.wait()
            total = 0
            for _ in range(40):
                total += services.integrate()
            done[name] = total
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def writer() -> None:
        try:
            barrier.wait()
            record(parties, 60)  # new entries arrive while both integrate
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=integrator, args=(n,)) for n in ("a", "b")]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    rest = services.integrate()
    assert done["a"] + done["b"] + rest == 180
    indices = sorted(LedgerEntry.objects.values_list("index", flat=True))
    assert indices == list(range(180))
    assert services.tree_size() == 180
    assert stored_nodes() == expected_nodes(memory_tree())
    assert services.audit().ok


# --------------------------------------------------------------------------- checkpoints


def latest() -> SignedCheckpoint:
    row = SignedCheckpoint.objects.order_by("-size").first()
    assert row is not None
    return row


def test_a_checkpoint_signs_the_current_root(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 5)
    row = services.checkpoint_if_due()
    assert row is not None and row.size == 5 and not row.cosigned
    tree = memory_tree()
    assert bytes(row.root_hash) == tree.root()
    opened = open_note(row.note, [parse_verifier_key(ledger_keys.verifier_key)])
    assert Checkpoint.parse(opened.text) == Checkpoint(ORIGIN, 5, tree.root())
    assert len(parse_note(row.note)[1]) == 1  # the log's signature only


def test_checkpoint_due_by_count(parties: list[Party], ledger_keys: Any, settings: Any) -> None:
    settings.BAYFIN_LEDGER_CHECKPOINT_EVERY = 4
    integrated(parties, 2)
    assert services.checkpoint_if_due() is not None  # the first is always due
    integrated(parties, 3)
    assert services.checkpoint_if_due() is None  # 3 new, fewer than 4, and recent
    integrated(parties, 1)
    row = services.checkpoint_if_due()
    assert row is not None and row.size == 6
    assert SignedCheckpoint.objects.count() == 2


def test_checkpoint_due_by_age(parties: list[Party], ledger_keys: Any, settings: Any) -> None:
    settings.BAYFIN_LEDGER_CHECKPOINT_SECONDS = 60
    integrated(parties, 2)
    first = services.checkpoint_if_due()
    assert first is not None
    integrated(parties, 1)
    assert services.checkpoint_if_due(now=first.created_at + timedelta(seconds=59)) is None
    row = services.checkpoint_if_due(now=first.created_at + timedelta(seconds=60))
    assert row is not None and row.size == 3


def test_checkpoint_forced(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 2)
    services.checkpoint_if_due()
    integrated(parties, 1)
    assert services.checkpoint_if_due() is None
    row = services.checkpoint_if_due(force=True)
    assert row is not None and row.size == 3


def test_no_checkpoint_when_nothing_is_new(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 2)
    services.checkpoint_if_due()
    assert services.checkpoint_if_due(force=True) is None
    assert services.checkpoint_if_due(now=latest().created_at + timedelta(days=30)) is None
    record(parties, 1)  # pending, not integrated: the tree is unchanged
    assert services.checkpoint_if_due(force=True) is None
    assert SignedCheckpoint.objects.count() == 1


def test_refuses_to_sign_without_a_key(parties: list[Party]) -> None:
    integrated(parties, 2)
    with pytest.raises(keys.LedgerKeyMissing, match="bayfin ledger init"):
        services.checkpoint_if_due(force=True)
    assert not SignedCheckpoint.objects.exists()


def test_refuses_a_key_of_another_origin(parties: list[Party], ledger_keys: Any, settings: Any) -> None:
    integrated(parties, 2)
    settings.BAYFIN_LEDGER_ORIGIN = "another.log.example"
    with pytest.raises(keys.LedgerKeyMissing, match="not the log's origin"):
        services.checkpoint_if_due(force=True)
    assert not SignedCheckpoint.objects.exists()


def test_refuses_to_sign_a_tree_inconsistent_with_the_last_checkpoint(parties: list[Party],
                                                                      ledger_keys: Any) -> None:
    integrated(parties, 4)
    services.checkpoint_if_due()
    integrated(parties, 3)
    # Someone rewrites the subtree of the first four leaves: the new root would no longer extend
    # the signed one.
    TreeNode.objects.filter(level=2, position=0).update(hash=bytes(32))
    with pytest.raises(LedgerCorrupt, match="not consistent with the checkpoint at size 4"):
        services.checkpoint_if_due(force=True)
    assert list(SignedCheckpoint.objects.values_list("size", flat=True)) == [4]


def test_refuses_when_the_head_went_back(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 4)
    services.checkpoint_if_due()
    LogHead.objects.filter(pk=1).update(size=3)
    with pytest.raises(LedgerCorrupt, match="fewer than the signed checkpoint"):
        services.checkpoint_if_due(force=True)
    assert SignedCheckpoint.objects.count() == 1


def test_refuses_when_the_head_runs_past_the_stored_tree(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 4)
    services.checkpoint_if_due()
    LogHead.objects.filter(pk=1).update(size=6)  # two leaves that were never stored
    with pytest.raises(LedgerCorrupt):
        services.checkpoint_if_due(force=True)
    assert SignedCheckpoint.objects.count() == 1


def test_refuses_when_a_stored_node_is_missing(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 4)
    services.checkpoint_if_due()
    integrated(parties, 2)
    TreeNode.objects.filter(level=1, position=2).delete()
    with pytest.raises(LedgerCorrupt):
        services.checkpoint_if_due(force=True)
    assert SignedCheckpoint.objects.count() == 1


def test_the_witness_cosigns(parties: list[Party], witness_key: Any) -> None:
    witness = parse_witness_verifier_key(witness_key.verifier_key)
    integrated(parties, 3)
    first = services.checkpoint_if_due()
    integrated(parties, 5)
    second = services.checkpoint_if_due(force=True)
    for row in (first, second):
        assert row is not None and row.cosigned
        verify_cosignature(row.note, witness)  # raises unless the witness's line verifies
        opened = open_note(row.note, [parse_verifier_key(keys.log_verifier_key()), witness])
        assert len(opened.verified) == 2
        assert Checkpoint.parse(opened.text).size == row.size


def test_the_witness_checks_consistency_from_the_last_checkpoint_it_cosigned(
        parties: list[Party], witness_key: Any, settings: Any) -> None:
    witness_file = settings.BAYFIN_LEDGER_WITNESS_KEY_FILE
    integrated(parties, 3)
    assert services.checkpoint_if_due().cosigned  # type: ignore[union-attr]
    settings.BAYFIN_LEDGER_WITNESS_KEY_FILE = ""  # the witness is away for one checkpoint
    integrated(parties, 2)
    assert not services.checkpoint_if_due(force=True).cosigned  # type: ignore[union-attr]
    settings.BAYFIN_LEDGER_WITNESS_KEY_FILE = witness_file
    integrated(parties, 4)
    row = services.checkpoint_if_due(force=True)  # the witness proves 3 -> 9, not 5 -> 9
    assert row is not None and row.cosigned
    verify_cosignature(row.note, parse_witness_verifier_key(witness_key.verifier_key))


def test_without_a_witness_key_checkpoints_are_not_cosigned(parties: list[Party], ledger_keys: Any) -> None:
    integrated(parties, 2)
    row = services.checkpoint_if_due()
    assert row is not None and not row.cosigned
    assert len(parse_note(row.note)[1]) == 1


# --------------------------------------------------------------------------- audit


def audited_log(parties: list[Party]) -> None:
    integrated(parties, 5)
    services.checkpoint_if_due()
    integrated(parties, 4)
    services.checkpoint_if_due(force=True)


def test_a_clean_log_audits_ok(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    record(parties, 2)  # pending entries are not in the log yet
    report = services.audit()
    assert report.ok and report.problems == []
    assert (report.entries, report.checkpoints) == (9, 2)


def test_an_empty_log_audits_ok(db: Any) -> None:
    report = services.audit()
    assert report.ok and (report.entries, report.checkpoints) == (0, 0)


def test_an_entry_edited_by_hand_is_found_and_named(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    entry = LedgerEntry.objects.get(index=6)
    edited = entry.body.replace('"i":1', '"i":7')
    assert edited != entry.body
    LedgerEntry.objects.filter(pk=entry.pk).update(body=edited)
    report = services.audit()
    assert not report.ok
    # Named first, by index and kind; the tree recomputed from the edited body then disagrees
    # with the signed root of size 9 and with the stored nodes above the leaf.
    assert report.problems[0].startswith(
        f"entry 6 ({KIND} accounts.organisation:{entry.subject_id}) was edited: its body hashes to "
        f"{leaf_hash(edited.encode()).hex()}, the tree holds "
        f"{bytes(entry.leaf_hash).hex()}")
    assert any(p.startswith("checkpoint 9:") for p in report.problems)
    assert not any(p.startswith("checkpoint 5:") for p in report.problems)  # entry 6 is not in it


def test_an_edit_that_also_rewrites_the_leaf_hash_is_found(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    entry = LedgerEntry.objects.get(index=2)
    body = entry.body.replace('"i":2', '"i":9')
    new_hash = leaf_hash(body.encode())
    LedgerEntry.objects.filter(pk=entry.pk).update(body=body, leaf_hash=new_hash, leaf_hash_hex=new_hash.hex())
    problems = services.audit().problems
    assert any(p.startswith("checkpoint 5:") for p in problems)
    assert any(p.startswith("checkpoint 9:") for p in problems)
    assert any("level 0 position 2 differs" in p for p in problems)


def test_a_deleted_entry_is_found(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    LedgerEntry.objects.filter(index=3).delete()
    problems = services.audit().problems
    assert any("index 3 is missing" in p for p in problems)


def test_a_deleted_last_entry_is_found(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    LedgerEntry.objects.filter(index=8).delete()
    problems = services.audit().problems
    assert any("the log head says 9 entries, 8 are stored" in p for p in problems)
    assert any("checkpoint 9 is beyond the 8 entries stored" in p for p in problems)


def test_a_tampered_node_is_found(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    TreeNode.objects.filter(level=1, position=1).update(hash=bytes(32))
    assert services.audit().problems == ["stored node level 1 position 1 differs from the recomputed tree"]


def test_a_checkpoint_root_mismatch_is_found(parties: list[Party], ledger_keys: Any) -> None:
    audited_log(parties)
    SignedCheckpoint.objects.filter(size=5).update(root_hash=bytes(32))
    problems = services.audit().problems
    assert len(problems) == 1 and problems[0].startswith("checkpoint 5: the entries give root")
    assert problems[0].endswith("the signed root is " + "00" * 32)


# --------------------------------------------------------------------------- helpers


def test_a_salted_text_hash_is_the_sha256_of_the_salt_and_the_utf8_text() -> None:
    salt = bytes(range(16))
    assert services.salted_text_hash("利率", salt) == hashlib.sha256(salt + "利率".encode()).hexdigest()
    assert services.salted_text_hash("利率", salt) != services.salted_text_hash("利率", bytes(16))


def test_each_text_gets_its_own_salt(parties: list[Party]) -> None:
    first, _orgs = services.entry_of(kind="test.salted", subject=parties[0].organisation, parties=parties,
                                     texts=["Terms too tight", ""])
    second, _orgs = services.entry_of(kind="test.salted", subject=parties[0].organisation, parties=parties,
                                      texts=["Terms too tight"])
    assert len(first.salts) == 1 and first.salts != second.salts  # the empty text is not hashed
    assert first.body != second.body


def test_reference_of(parties: list[Party]) -> None:
    org = parties[0].organisation
    assert services.reference_of(org) == f"accounts.organisation:{org.pk}"
    assert services.reference_of(None) == ""


def test_sha256_rate_is_positive() -> None:
    assert services.sha256_rate(0.01) > 0


def test_a_head_moved_back_is_refused_even_when_no_checkpoint_is_due(parties: list[Party], ledger_keys: Any,
                                                                     settings: Any) -> None:
    audited_log(parties)
    settings.BAYFIN_LEDGER_CHECKPOINT_EVERY = 1000
    settings.BAYFIN_LEDGER_CHECKPOINT_SECONDS = 3600
    LogHead.objects.filter(pk=1).update(size=3)
    with pytest.raises(services.LedgerCorrupt, match="fewer than the signed checkpoint"):
        services.checkpoint_if_due()


def test_one_integration_per_transaction_however_many_entries(parties: list[Party],
                                                               django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(3):
            services.ledger_record(kind="test.recorded", subject=parties[0].organisation, parties=parties,
                                   data={"i": n})
    assert len(callbacks) == 1
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == [0, 1, 2]


def test_signing_a_checkpoint_is_audited(parties: list[Party], ledger_keys: Any) -> None:
    from bayfin.common.models import AuditEvent

    record(parties, 2)
    services.integrate()
    checkpoint = services.checkpoint_if_due(force=True)
    assert checkpoint is not None
    event = AuditEvent.objects.get(action="ledger.checkpoint_signed")
    assert event.subject_id == str(checkpoint.pk) and event.new["size"] == 2
    assert event.new["root_hash"] == bytes(checkpoint.root_hash).hex()
