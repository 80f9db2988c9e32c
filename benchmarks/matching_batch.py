"""Benchmark: batch matching, 1k / 10k / 100k queries against 10,000 products, top 10 each.

    .venv/bin/python benchmarks/matching_batch.py [--products 10000] [--sizes 1000,10000,100000]
        [--reference 20] [--chunk 2048] [--what-if 10000] [--quick]

Inputs come from ``bayfin.matching.engine.synthetic`` (seeded): 10,000 products of about 2,000
institutions (tickets in CNY, MOP, HKD and USD, ~30 % sector-restricted, random unit float32
thesis embeddings clustered by sector), their deal records, the exposure of a previous batch, and
the query stream (requests and 10 % recommendation queries), built directly as a ``QueryBatch``.

Each size runs in a fresh subprocess (``--child N``), so its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that size's alone: the process generates the
products and builds the index (not timed), generates the batch (not timed; the memory it holds,
mostly the 512-float embeddings of every query, counts in the peak as it would in a worker), then
times ``match_batch(index, batch, CURRENT, k=10, chunk=...)``. Printed per size: wall seconds,
µs per query (flat when the cost grows linearly), peak RSS, and RSS before matching.

A what-if line times one size (``--what-if``, 10,000) again with the BLAS library limited to one
thread (threadpoolctl, in that child only): on a 2-core machine shared with other work, a second
BLAS thread in the matrix products can cost more than it saves; the line says which it is here.

Baseline, in the same run: the reference implementation (``tests/matching/engine/reference.py``,
a per-pair Python loop over the same rules and weights) on the first ``--reference`` queries of
the stream against the same 10,000 products, timed in the parent process and *extrapolated* per
query to each size (it would take hours at 100k). The engine's top 10 for those queries must be
the reference's: same products in the same order, scores within 1e-6, or the run fails.

Targets (issue 8): 100,000 queries x 10,000 products in under 5 minutes on 2 cores with peak
memory under 2 GB; the ratio to the reference "well over 100x".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bayfin.matching.engine import CURRENT, build_index, match_batch, synthetic  # noqa: E402

TARGET_S = 300.0
TARGET_RSS_MB = 2048.0
SEED = 0


def world(n_products: int, seed: int = SEED) -> dict[str, Any]:
    """The products, their records and exposure, the index (with its build time) and the market."""
    cb = synthetic.codebook()
    mk = synthetic.market(seed, cb)
    began = time.perf_counter()
    rows = synthetic.products(n_products, seed=seed, cb=cb, mk=mk)
    records = synthetic.records(rows, cb, seed=seed)
    exposure = synthetic.exposure(rows, seed=seed)
    generated = time.perf_counter() - began
    began = time.perf_counter()
    index = build_index(rows, cb, records=records, exposure=exposure, version=1)
    built = time.perf_counter() - began
    return {"cb": cb, "mk": mk, "rows": rows, "records": records, "exposure": exposure, "index": index,
            "generated_s": generated, "index_s": built}


def reference_module() -> Any:
    """``tests/matching/engine/reference.py`` (the repository root is on sys.path)."""
    from tests.matching.engine import reference

    return reference


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kilobytes on Linux


def child(n: int, n_products: int, chunk: int, blas_threads: int = 0) -> None:
    """One size in this (fresh) process; prints one JSON line."""
    if blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(blas_threads, user_api="blas")
    w = world(n_products)
    began = time.perf_counter()
    batch = synthetic.query_batch(n, seed=SEED, cb=w["cb"], mk=w["mk"])
    gen_s = time.perf_counter() - began
    before = rss_mb()
    began = time.perf_counter()
    ids, scores = match_batch(w["index"], batch, CURRENT, k=10, chunk=chunk)
    seconds = time.perf_counter() - began
    filled = float((ids >= 0).sum(axis=1).mean())
    print(json.dumps({"n": n, "seconds": seconds, "rss_before_mb": before, "peak_rss_mb": rss_mb(),
                      "index_s": w["index_s"], "generate_s": gen_s, "filled": filled,
                      "head_ids": ids[:3].tolist()}))


def run_child(n: int, n_products: int, chunk: int, blas_threads: int = 0) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--products", str(n_products),
         "--chunk", str(chunk), "--blas-threads", str(blas_threads)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_sample(w: dict[str, Any], m: int) -> tuple[float, bool, float]:
    """Seconds per query of the reference on the first ``m`` queries, and whether the engine agrees."""
    ref = reference_module()
    queries = synthetic.queries(m, seed=SEED, cb=w["cb"], mk=w["mk"])
    batch = synthetic.query_batch(m, seed=SEED, cb=w["cb"], mk=w["mk"])
    ids, scores = match_batch(w["index"], batch, CURRENT, k=10)
    began = time.perf_counter()
    found = [ref.match(w["rows"], w["cb"], q, CURRENT, records=w["records"], exposure=w["exposure"], k=10)
             for q in queries]
    per_query = (time.perf_counter() - began) / m
    agree, worst = True, 0.0
    for i, cands in enumerate(found):
        got = [int(x) for x in ids[i] if x >= 0]
        agree &= got == [c.product_id for c in cands]
        if got == [c.product_id for c in cands] and cands:
            worst = max(worst, float(np.max(np.abs(scores[i, :len(cands)] - [c.score for c in cands]))))
    return per_query, agree and worst <= 1e-6, worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--reference", type=int, default=20, help="queries run through the reference loop")
    parser.add_argument("--chunk", type=int, default=2048, help="match_batch's chunk (queries per block)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 and 5,000 queries, 5 reference")
    parser.add_argument("--what-if", type=int, default=10_000,
                        help="also time this size with BLAS on one thread (0 = skip)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--blas-threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.products, args.chunk, args.blas_threads)
        return 0
    if args.quick:
        args.sizes, args.reference, args.what_if = "1000,5000", 5, 1000
    sizes = [int(s) for s in args.sizes.split(",")]

    load_before = os.getloadavg()
    print(f"BayFin matching batch benchmark: {args.products:,} products x {', '.join(f'{n:,}' for n in sizes)} "
          f"queries, top 10, chunk {args.chunk}, weights {CURRENT.version}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"Load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    w = world(args.products)
    print(f"Synthetic products, records and exposure: {w['generated_s']:.1f} s; build_index: {w['index_s']:.2f} s "
          f"(not timed below)")
    ref_s, agree, worst = reference_sample(w, args.reference)
    print(f"Reference (per-pair Python loop) on the first {args.reference} queries: {ref_s * 1e3:,.0f} ms per "
          f"query; engine's top 10 {'identical' if agree else 'DIFFERENT'} (same ids and order, max |score "
          f"difference| {worst:.1e})")
    results = []
    for n in sizes:
        got = run_child(n, args.products, args.chunk)
        results.append(got)
    what_if = run_child(args.what_if, args.products, args.chunk, blas_threads=1) if args.what_if else None
    print(f"{'path (' + format(args.products, ',') + ' products, top 10)':<50}{'queries':>9}{'seconds':>10}"
          f"{'µs/query':>10}{'peak RSS':>10}{'ratio':>8}")
    for got in results:
        n = got["n"]
        print(f"{'reference loop, ' + str(args.reference) + ' queries extrapolated':<50}{n:>9,}"
              f"{ref_s * n:>10,.0f}{ref_s * 1e6:>10,.0f}{'':>10}{1.0:>8.1f}")
        print(f"{'match_batch (fresh process)':<50}{n:>9,}{got['seconds']:>10.2f}"
              f"{got['seconds'] / n * 1e6:>10,.0f}{got['peak_rss_mb']:>8,.0f}MB{ref_s * n / got['seconds']:>8.0f}")
    if what_if:
        n = what_if["n"]
        print(f"{'match_batch, BLAS on 1 thread (what-if)':<50}{n:>9,}{what_if['seconds']:>10.2f}"
              f"{what_if['seconds'] / n * 1e6:>10,.0f}{what_if['peak_rss_mb']:>8,.0f}MB"
              f"{ref_s * n / what_if['seconds']:>8.0f}")
    base = results[0]["seconds"] / results[0]["n"]
    print("Per-query cost relative to the smallest size: "
          + ", ".join(f"{g['n']:,}: {g['seconds'] / g['n'] / base:.2f}" for g in results)
          + "; RSS before matching (products, index, the batch itself): "
          + ", ".join(f"{g['n']:,}: {g['rss_before_mb']:,.0f} MB" for g in results)
          + f"; mean results per query {results[-1]['filled']:.2f} of 10")
    print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    largest = results[-1]
    scale = largest["n"] / 100_000
    time_ok = largest["seconds"] <= TARGET_S * scale
    mem_ok = largest["peak_rss_mb"] <= TARGET_RSS_MB
    print(f"Summary: {largest['n']:,} queries in {largest['seconds']:.1f} s "
          f"({largest['seconds'] / largest['n'] * 1e6:,.0f} µs/query), peak RSS {largest['peak_rss_mb']:,.0f} MB, "
          f"{ref_s * largest['n'] / largest['seconds']:.0f}x the reference (extrapolated); target < "
          f"{TARGET_S * scale:g} s: {'met' if time_ok else 'MISSED'}; < {TARGET_RSS_MB:g} MB: "
          f"{'met' if mem_ok else 'MISSED'}; engine = reference on the sample: {'yes' if agree else 'NO'}")
    return 0 if time_ok and mem_ok and agree else 1


if __name__ == "__main__":
    sys.exit(main())
