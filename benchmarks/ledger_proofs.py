"""Benchmark: inclusion and consistency proofs from the database at 1,000,000 entries, and
their verification.

    .venv/bin/python benchmarks/ledger_proofs.py [--size 1000000] [--proofs 2000] [--baseline 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/ledger_proofs.py

On a scratch database (a temporary SQLite file, or a new PostgreSQL database
``<name>_ledger_proofs`` dropped afterwards; see ``ledger_integrate.scratch_database``) it
builds the TreeNode table of a ``--size``-leaf tree directly: the leaf hashes of synthetic
entries and every complete subtree above them computed in memory (``MemoryTree``) and
inserted in bulk (COPY on PostgreSQL, executemany on SQLite). The proofs read nothing else, so
no entry rows are written. Then it times, for random indices and sizes:

- inclusion and consistency proofs through ``store.prefetched`` (one query each), at the full
  size and at random past sizes, beside the same proofs read one query per stored node (the
  obvious way: a sample);
- their verification (``tlog.merkle.verify_inclusion`` / ``verify_consistency``), beside the
  raw SHA-256 rate of this machine measured in the same run: a verification cannot be faster
  than its node hashes (about log2(n) of them) at that rate.

Targets (issue 5): proofs under 1 ms, verification under 100 µs, at 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_integrate import scratch_database, setup_django  # noqa: E402


def build_tree(size: int) -> Any:
    from bayfin.ledger.tlog.merkle import MemoryTree

    tree = MemoryTree()
    for i in range(size):
        tree.append_leaf_hash(hashlib.sha256(b"\x00" + b'{"entry":%d}' % i).digest())
    return tree


def insert_tree(tree: Any, chunk: int = 100_000) -> int:
    """Every complete subtree of ``tree`` as TreeNode rows, in bulk."""
    from django.db import connection, transaction

    from bayfin.ledger.models import LogHead, TreeNode

    table = connection.ops.quote_name(TreeNode._meta.db_table)
    rows = [(level, position, h) for level, row in enumerate(tree.levels) for position, h in enumerate(row)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (level, position, hash) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for start in range(0, len(rows), chunk):
                cursor.executemany(f"INSERT INTO {table} (level, position, hash) VALUES (%s, %s, %s)",  # noqa: S608
                                   rows[start:start + chunk])
        LogHead.objects.update_or_create(pk=1, defaults={"size": tree.size})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return len(rows)


class OneQueryPerNode:
    """The obvious store: each stored hash read with its own query (the baseline)."""

    def __init__(self, size: int) -> None:
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def get(self, level: int, index: int) -> bytes:
        from bayfin.ledger.models import TreeNode

        return bytes(TreeNode.objects.values_list("hash", flat=True).get(level=level, position=index))


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Seconds per call, each timed on its own."""
    out = []
    clock = time.perf_counter
    for call in calls:
        began = clock()
        call()
        out.append(clock() - began)
    return out


def row(label: str, times: list[float], unit: float = 1e-6) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{label:<52}{len(times):>7,}{statistics.median(times) / unit:>10,.1f}"
            f"{statistics.fmean(times) / unit:>10,.1f}{p99 / unit:>10,.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000, help="proofs of each kind timed")
    parser.add_argument("--baseline", type=int, default=200, help="proofs read one query per node")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    n = args.size

    with scratch_database("ledger_proofs") as where:
        setup_django()
        from bayfin.ledger import services
        from bayfin.ledger.store import prefetched
        from bayfin.ledger.tlog.merkle import (
            consistency_proof_at,
            inclusion_proof_at,
            verify_consistency,
            verify_inclusion,
        )

        began = time.perf_counter()
        tree = build_tree(n)
        hashed_s = time.perf_counter() - began
        began = time.perf_counter()
        rows = insert_tree(tree)
        inserted_s = time.perf_counter() - began
        sha_rate = services.sha256_rate(0.5)

        full_idx = [rnd.randrange(n) for _ in range(args.proofs)]
        past = [(rnd.randrange(s), s) for s in (rnd.randint(1, n) for _ in range(args.proofs))]
        full_old = [rnd.randint(1, n - 1) for _ in range(args.proofs)]
        past_pairs = [(rnd.randint(1, s), s) for s in (rnd.randint(2, n) for _ in range(args.proofs))]

        # Warm the connection and the caches the same way for everyone.
        for i in full_idx[:50]:
            prefetched(n, inclusion_proof_at, i, n)

        inc_full = timed([lambda i=i: prefetched(n, inclusion_proof_at, i, n) for i in full_idx])
        inc_past = timed([lambda i=i, s=s: prefetched(s, inclusion_proof_at, i, s) for i, s in past])
        con_full = timed([lambda o=o: prefetched(n, consistency_proof_at, o, n) for o in full_old])
        con_past = timed([lambda o=o, s=s: prefetched(s, consistency_proof_at, o, s) for o, s in past_pairs])
        slow = OneQueryPerNode(n)
        inc_slow = timed([lambda i=i: inclusion_proof_at(slow, i, n) for i in full_idx[:args.baseline]])
        con_slow = timed([lambda o=o: consistency_proof_at(slow, o, n) for o in full_old[:args.baseline]])

        # Verification: every proof is checked against the tree's roots (computed in memory).
        root = tree.root()
        inc_cases = [(tree.get(0, i), i, prefetched(n, inclusion_proof_at, i, n)) for i in full_idx]
        con_cases = [(o, prefetched(n, consistency_proof_at, o, n), tree.root(o)) for o in full_old]
        for leaf, i, proof in inc_cases[:50]:
            verify_inclusion(leaf, i, n, proof, root)
        ver_inc = timed([lambda c=c: verify_inclusion(c[0], c[1], n, c[2], root) for c in inc_cases])
        ver_con = timed([lambda c=c: verify_consistency(c[0], n, c[1], c[2], root) for c in con_cases])
        inc_len = statistics.fmean(len(p) for _, _, p in inc_cases)
        con_len = statistics.fmean(len(p) for _, p, _ in con_cases)
        sha_us = 1e6 / sha_rate

        print(f"BayFin ledger proofs benchmark: {n:,} entries, {where}, Python {sys.version.split()[0]}")
        print(f"Tree built in memory in {hashed_s:.1f} s ({n:,} leaf + {rows - n:,} node hashes); "
              f"{rows:,} TreeNode rows inserted in {inserted_s:.1f} s")
        print(f"Raw SHA-256 (65-byte inputs) on this machine: {sha_rate:,.0f} hashes/s ({sha_us:.2f} µs each)")
        print(f"{'operation (µs per call)':<52}{'calls':>7}{'median':>10}{'mean':>10}{'p99':>10}")
        print(row("inclusion proof, one query per node (baseline)", inc_slow))
        print(row("inclusion proof, prefetched (one query), full size", inc_full))
        print(row("inclusion proof, prefetched, random past size", inc_past))
        print(row("consistency proof, one query per node (baseline)", con_slow))
        print(row("consistency proof, prefetched, old -> full size", con_full))
        print(row("consistency proof, prefetched, random sizes", con_past))
        print(row(f"verify_inclusion ({inc_len:.1f} hashes; SHA-256 floor {inc_len * sha_us:.1f} µs)", ver_inc))
        print(row(f"verify_consistency ({con_len:.1f} hashes; floor {2 * con_len * sha_us:.1f} µs)", ver_con))
        worst_proof = max(statistics.median(t) for t in (inc_full, inc_past, con_full, con_past))
        worst_verify = max(statistics.median(t) for t in (ver_inc, ver_con))
        print(f"Targets: proofs < 1 ms: {'met' if worst_proof < 1e-3 else 'NOT met'} "
              f"(slowest median {worst_proof * 1e6:,.0f} µs); verification < 100 µs: "
              f"{'met' if worst_verify < 1e-4 else 'NOT met'} (slowest median {worst_verify * 1e6:,.1f} µs)")


if __name__ == "__main__":
    main()
