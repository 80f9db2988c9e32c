"""Benchmark: one request against 10,000 products, top 10 with explanations.

    .venv/bin/python benchmarks/matching_one.py [--products 10000] [--calls 500] [--warmup 50]
        [--reference 30] [--quick]

The products, records and exposure are those of ``matching_batch`` (``synthetic``, seeded); the
queries are the first ``--calls`` of the same stream (requests and 10 % recommendation queries),
as ``Query`` objects, as the platform matches one request on commit. Each call is timed on its
own, after ``--warmup`` untimed calls: ``match_one(index, q, CURRENT, k=10, explain=True)``
(the hard filters, the score, the top 10 and their reasons). Printed: p50, p95 and max.

Beside it, in the same run:

- the same calls without explanations (``explain=False``): what the reasons cost;
- the same calls without explanations with the BLAS library limited to one thread (threadpoolctl;
  a what-if, not the engine's code): on a 2-core machine shared with other work, waking a second
  BLAS thread for one query's matrix-vector product can cost milliseconds;
- ``why_not`` for one product per query (the enterprise's "why not?");
- the reference implementation (``tests/matching/engine/reference.py``, a per-pair Python loop
  over the same rules and weights) on the first ``--reference`` of the same queries, each timed
  on its own; its top 10 must be the engine's (same products in the same order, scores within
  1e-6), or the run fails. The ratio is the reference's p50 over the engine's.

Target (issue 8): p95 under 20 ms with the explanations of the top 10.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching_batch import SEED, reference_module, world  # noqa: E402

from bayfin.matching.engine import CURRENT, match_one, synthetic, why_not  # noqa: E402

TARGET_MS = 20.0


def timed(call: Callable[[int], object], calls: int, warmup: int) -> np.ndarray:
    """Milliseconds of ``call(i)`` for i in range(calls), each timed on its own, after warm-up calls."""
    for i in range(warmup):
        call(i % max(1, calls))
    out = np.empty(calls)
    clock = time.perf_counter
    for i in range(calls):
        began = clock()
        call(i)
        out[i] = clock() - began
    return out * 1e3


def row(label: str, ms: np.ndarray, ratio: float | None = None) -> str:
    return (f"{label:<60}{len(ms):>7,}{np.percentile(ms, 50):>9.2f}{np.percentile(ms, 95):>9.2f}"
            f"{ms.max():>9.2f}" + (f"{ratio:>8.1f}" if ratio is not None else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--reference", type=int, default=30, help="queries run through the reference loop")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 calls, 10 warm-up, 5 reference")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.warmup, args.reference = 100, 10, 5

    load_before = os.getloadavg()
    w = world(args.products)
    index, cb = w["index"], w["cb"]
    queries = synthetic.queries(args.calls, seed=SEED, cb=cb, mk=w["mk"])
    print(f"BayFin matching one-query benchmark: {args.products:,} products, {args.calls:,} queries (each timed "
          f"alone, after {args.warmup} warm-up), top 10, weights {CURRENT.version}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"Load average before: {' '.join(f'{x:.2f}' for x in load_before)}; build_index {w['index_s']:.2f} s "
          f"(not timed below)")

    results: dict[int, list] = {}

    def full(i: int) -> None:
        results[i] = match_one(index, queries[i], CURRENT, k=10, explain=True)

    def bare(i: int) -> None:
        match_one(index, queries[i], CURRENT, k=10, explain=False)

    rng = np.random.default_rng(SEED)
    picks = rng.choice(index.ids, size=args.calls)

    def whynot(i: int) -> None:
        why_not(index, queries[i], int(picks[i]))

    with_reasons = timed(full, args.calls, args.warmup)
    without = timed(bare, args.calls, args.warmup)
    whys = timed(whynot, args.calls, args.warmup)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        one_thread = timed(bare, args.calls, args.warmup)

    ref = reference_module()
    m = min(args.reference, args.calls)
    found: list = []

    def reference(i: int) -> None:
        found.append(ref.match(w["rows"], cb, queries[i], CURRENT, records=w["records"], exposure=w["exposure"],
                               k=10))

    ref_ms = timed(reference, m, 0)
    agree, worst = True, 0.0
    for i, cands in enumerate(found):
        ours = [e.candidate for e in results[i]]
        same = [c.product_id for c in ours] == [c.product_id for c in cands]
        agree &= same
        if same and cands:
            worst = max(worst, max(abs(a.score - b.score) for a, b in zip(ours, cands, strict=True)))
    agree &= worst <= 1e-6
    ref_p50 = float(np.percentile(ref_ms, 50))
    print(f"Ratio: the reference's p50 over the line's p50. Reasons per query (top 10): "
          f"{np.mean([sum(len(e.reasons) for e in results[i]) for i in results]):.1f}; results per query "
          f"{np.mean([len(results[i]) for i in results]):.2f} of 10")
    print(f"{'path (ms per call)':<60}{'calls':>7}{'p50':>9}{'p95':>9}{'max':>9}{'ratio':>8}")
    print(row("reference loop, top 10, no reasons (baseline)", ref_ms, 1.0))
    print(row("match_one, top 10 with explanations", with_reasons, ref_p50 / np.percentile(with_reasons, 50)))
    print(row("match_one, top 10 without explanations", without, ref_p50 / np.percentile(without, 50)))
    print(row("match_one, no explanations, BLAS on 1 thread (what-if)", one_thread,
              ref_p50 / np.percentile(one_thread, 50)))
    print(row("why_not, one product", whys))
    print(f"Engine = reference on {m} queries: {'yes' if agree else 'NO'} (same ids and order; max |score "
          f"difference| {worst:.1e})")
    print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    p95 = float(np.percentile(with_reasons, 95))
    met = p95 < TARGET_MS
    print(f"Summary: one query vs {args.products:,} products with explanations p50 "
          f"{np.percentile(with_reasons, 50):.2f} ms, p95 {p95:.2f} ms ({ref_p50 / np.percentile(with_reasons, 50):.0f}x "
          f"the reference's p50 {ref_p50:.0f} ms); target p95 < {TARGET_MS:g} ms: {'met' if met else 'MISSED'}; "
          f"engine = reference: {'yes' if agree else 'NO'}")
    return 0 if met and agree else 1


if __name__ == "__main__":
    sys.exit(main())
