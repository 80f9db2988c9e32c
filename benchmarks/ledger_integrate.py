"""Benchmark: the ledger integrator appending pending entries to the Merkle tree in batches.

    .venv/bin/python benchmarks/ledger_integrate.py [--entries 20000] [--batch 2000] [--baseline 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/ledger_integrate.py

Runs on a scratch database that is thrown away afterwards: a temporary SQLite file, or, when
DATABASE_URL names a PostgreSQL server, a new database ``<name>_ledger_bench`` on that server
(the named database itself is never touched). Writes ``--entries`` pending entries (canonical
JSON bodies and leaf hashes built by ``services.entry_of``, the code ``ledger_record`` uses,
inserted in bulk: not timed), then times ``services.integrate()``: lock the head, read a batch,
compute the new complete subtrees, bulk-insert them, give the entries their indices.

Printed beside it, measured in the same run: the same integrator one entry per transaction
(``BAYFIN_LEDGER_BATCH=1``, a sample), the raw SHA-256 rate of this machine
(``services.sha256_rate``: the physical limit of the hashing) and the node hashes per entry
the integrator actually did (one on average: n - popcount(n) interior nodes for n leaves).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """Point DATABASE_URL at a throw-away database before Django starts; yield its description.

    SQLite (the default, or any sqlite URL): a file in a temporary directory. PostgreSQL: a new
    database ``<name>_<label>`` created on the server DATABASE_URL names and dropped at the end.
    """
    url = os.environ.get("DATABASE_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("BAYFIN_LOG_LEVEL", "WARNING")
    os.environ["BAYFIN_TASKS_EAGER"] = "1"
    # As in production: with DEBUG on, Django records and logs every query, which costs
    # more than a proof's own query.
    os.environ["BAYFIN_DEBUG"] = "0"
    os.environ.setdefault("BAYFIN_SECRET_KEY", "benchmark-only-not-a-secret")
    sys.path.insert(0, str(ROOT))
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'postgres'}_{label}"
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        try:
            with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            yield f"PostgreSQL {version.split()[0]} (scratch database {name}, dropped afterwards)"
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        import sqlite3

        tmp = tempfile.mkdtemp(prefix=f"bayfin-{label}-")
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            yield f"SQLite {sqlite3.sqlite_version} (temporary file, deleted afterwards)"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "ledger", verbosity=0)  # the ledger's tables and what they need


def write_pending(count: int, subject: object, chunk: int = 5000) -> None:
    """``count`` pending entries, built as ``ledger_record`` builds them, inserted in bulk."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from bayfin.ledger.models import LedgerEntry
    from bayfin.ledger.services import entry_of

    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        entry, _ = entry_of(kind="deal.stage_changed", subject=subject, parties=[],  # type: ignore[arg-type]
                            data={"from": "interest", "to": "accepted", "request": i, "product": None},
                            documents=[f"{i:064x}"], amounts=[(Decimal("8000000.00") + i, "CNY")],
                            at=start + timedelta(seconds=i))
        rows.append(entry)
        if len(rows) == chunk:
            LedgerEntry.objects.bulk_create(rows)
            rows = []
    LedgerEntry.objects.bulk_create(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000, help="BAYFIN_LEDGER_BATCH for our run")
    parser.add_argument("--baseline", type=int, default=1000, help="entries in the one-per-transaction sample")
    args = parser.parse_args()

    with scratch_database("ledger_bench") as where:
        setup_django()
        from django.conf import settings

        from bayfin.accounts.models import Organisation
        from bayfin.ledger import services
        from bayfin.ledger.models import LedgerEntry, TreeNode
        from bayfin.ledger.store import prefetched
        from bayfin.ledger.tlog.merkle import MemoryTree, root_at

        subject = Organisation.objects.create(kind="operator", status="verified", jurisdiction="hengqin",
                                              name_en="Benchmark")
        sha_rate = services.sha256_rate(0.5)

        # Baseline: the same integrator, one entry per transaction (a sample).
        write_pending(args.baseline, subject)
        settings.BAYFIN_LEDGER_BATCH = 1
        began = time.perf_counter()
        assert services.integrate() == args.baseline
        base_s = time.perf_counter() - began

        write_pending(args.entries, subject)
        nodes_before = TreeNode.objects.filter(level__gt=0).count()
        settings.BAYFIN_LEDGER_BATCH = args.batch
        began = time.perf_counter()
        assert services.integrate() == args.entries
        ours_s = time.perf_counter() - began
        hashes = TreeNode.objects.filter(level__gt=0).count() - nodes_before

        size = services.tree_size()
        leaves = [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
        assert size == len(leaves) == args.baseline + args.entries
        assert prefetched(size, root_at, size) == MemoryTree(leaves).root(), "the stored tree is wrong"

        base_rate = args.baseline / base_s
        ours_rate = args.entries / ours_s
        print(f"BayFin ledger integrate benchmark: {args.entries:,} pending entries, batch {args.batch:,}, "
              f"{where}, Python {sys.version.split()[0]}")
        print(f"{'method':<46}{'entries':>9}{'seconds':>9}{'entries/s':>11}{'ratio':>8}")
        print(f"{'one entry per transaction (batch 1, sample)':<46}{args.baseline:>9,}{base_s:>9.2f}"
              f"{base_rate:>11,.0f}{1:>8.1f}")
        print(f"{f'integrate(), batches of {args.batch:,}':<46}{args.entries:>9,}{ours_s:>9.2f}"
              f"{ours_rate:>11,.0f}{ours_rate / base_rate:>8.1f}")
        print(f"Raw SHA-256 (65-byte inputs) on this machine: {sha_rate:,.0f} hashes/s")
        print(f"Node hashes done: {hashes:,} = {hashes / args.entries:.3f} per entry "
              f"({hashes / sha_rate * 1e3:,.1f} ms of raw hashing, "
              f"{hashes / sha_rate / ours_s:.2%} of the integrator's time)")
        print(f"Target >= 5,000 entries/s: {'met' if ours_rate >= 5000 else 'NOT met'}; "
              f"root at size {size:,} checked against a MemoryTree of the stored leaves.")


if __name__ == "__main__":
    main()
