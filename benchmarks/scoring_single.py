"""Benchmark: score one applicant with reasons and a grade, as the platform does on a request.

    .venv/bin/python benchmarks/scoring_single.py [--calls 2000] [--warmup 200] [--quick]

One applicant (a fixed, typical platform request) goes through the whole single-score path
for each model, ``--calls`` times after ``--warmup`` untimed calls, each call timed on its
own: ``features.to_features``, the model's score on a one-row batch, its reasons
(``scorecard.explain``: points lost against each characteristic's best bin;
``challenger.explain``: LightGBM's TreeSHAP contributions) and the grade
(``grades.grade_of``). Printed: p50, p95 and max per call.

Baselines, in the same run, and what each says:

- the same applicant scored *without* reasons (to_features + score + grade): the floor of a
  single score; the ratio (with / without) is what the reasons cost;
- for the challenger, its contributions for a batch of ``--contrib-rows`` applicants computed
  row by row (``challenger.explain`` per row, as a naive "reasons for every row" would)
  against one ``pred_contrib`` call for the whole batch: TreeSHAP itself costs about a
  millisecond a row either way, which is why reasons are computed on demand for the rows a
  person looks at, never for a whole batch;
- a diagnostic: the booster's one-row prediction with one thread and with
  ``challenger.PREDICT_THREADS``. On a 2-core machine shared with other work, a second
  OpenMP thread for a single row waits for a time slice (milliseconds) instead of saving
  anything; this line shows whether that is where the challenger's single-score time goes,
  and the "what-if" line times the whole path with the one-row score on one thread (not the
  engine's code: its ratio is against the engine's full path).

The models are those of ``scoring_batch.load_models`` (the committed artefacts, else a
sample fit on the real file, which needs ``make sba-data``: exit 2 without it).

Target (issue 7): one applicant with reasons and grade under 5 ms, checked at p95.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring_batch import applicant, applicants, load_models, one_thread_score, score_fn  # noqa: E402

TARGET_MS = 5.0


def timed(call: Callable[[], object], calls: int, warmup: int) -> np.ndarray:
    """Milliseconds per call, each call timed on its own, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        call()
    out = np.empty(calls)
    clock = time.perf_counter
    for i in range(calls):
        began = clock()
        call()
        out[i] = clock() - began
    return out * 1e3


def row(label: str, ms: np.ndarray, ratio: float | None = None) -> str:
    return (f"{label:<56}{len(ms):>7,}{np.percentile(ms, 50):>9.3f}{np.percentile(ms, 95):>9.3f}"
            f"{ms.max():>9.3f}" + (f"{ratio:>8.2f}" if ratio is not None else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--contrib-rows", type=int, default=1_000, help="batch for the contributions baseline")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 calls, 20 warm-up, 200 rows")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.warmup, args.contrib_rows = 200, 20, 200

    from bayfin.scoring.engine import challenger, features, grades, scorecard

    models = load_models()
    person = features.Applicant(naics_sector="51", employees=12, years_operating=3.5, amount_usd=250_000.0,
                                guaranteed=False, revolving=False)
    print(f"BayFin scoring single benchmark: one applicant ({person}), {args.calls:,} calls after "
          f"{args.warmup:,} warm-up, Python {platform.python_version()}")
    print(f"Models: {models.origin}"
          + (". Load: " + ", ".join(f"{k} {v:.1f} ms" for k, v in models.load_ms.items()) if models.load_ms else ""))
    print("Ratio: p50 over the p50 of the same model's baseline line above it (without reasons; for the "
          "booster, one thread).")
    print(f"{'path (ms per call)':<56}{'calls':>7}{'p50':>9}{'p95':>9}{'max':>9}{'ratio':>8}")

    results: dict[str, np.ndarray] = {}
    reasons_read: dict[str, Any] = {}
    for kind in ("scorecard", "challenger"):
        model = getattr(models, kind)
        score = score_fn(kind, model)
        explain = scorecard.explain if kind == "scorecard" else challenger.explain

        def bare(score: Callable[[Any], np.ndarray] = score) -> str:
            f = features.to_features(person)
            return grades.grade_of(float(score({name: [v] for name, v in f.items()})[0]))

        def full(score: Callable[[Any], np.ndarray] = score, explain: Callable[..., Any] = explain,
                 model: Any = model) -> tuple[str, Any]:
            f = features.to_features(person)
            grade = grades.grade_of(float(score({name: [v] for name, v in f.items()})[0]))
            return grade, explain(model, f)

        without = timed(bare, args.calls, args.warmup)
        with_reasons = timed(full, args.calls, args.warmup)
        results[kind] = with_reasons
        reasons_read[kind] = full()
        base = float(np.percentile(without, 50))
        print(row(f"{kind}: without reasons (baseline)", without, 1.0))
        print(row(f"{kind}: to_features + score + explain + grade", with_reasons,
                  float(np.percentile(with_reasons, 50)) / base))
        if kind == "scorecard":
            # The scorecard's Explanation carries the PD: a caller need not score separately.
            alone = timed(lambda model=model: grades.grade_of(
                scorecard.explain(model, features.to_features(person)).pd), args.calls, args.warmup)
            print(row("scorecard: to_features + explain (its PD) + grade", alone,
                      float(np.percentile(alone, 50)) / base))

    # Why the challenger's one-row score can be slow: the booster's threads for a single row.
    ch = models.challenger
    one = challenger._encode({name: [v] for name, v in features.to_features(person).items()}, ch.features,
                             ch.vocabularies)
    threads = {nt: timed(lambda nt=nt: ch.booster.predict(one, raw_score=True, num_threads=nt), args.calls,
                         args.warmup) for nt in sorted({1, challenger.PREDICT_THREADS})}
    for nt, ms in threads.items():
        print(row(f"challenger: one-row booster.predict, num_threads={nt}", ms,
                  float(np.percentile(ms, 50)) / float(np.percentile(threads[1], 50))))

    score1 = one_thread_score(ch)

    def one_thread(ch: Any = ch) -> tuple[str, Any]:
        f = features.to_features(person)
        return grades.grade_of(float(score1({name: [v] for name, v in f.items()})[0])), challenger.explain(ch, f)

    assert one_thread() == reasons_read["challenger"]
    single = timed(one_thread, args.calls, args.warmup)
    print(row("challenger: full path, score on 1 thread (what-if)", single,
              float(np.percentile(single, 50)) / float(np.percentile(results["challenger"], 50))))

    # Contributions for a batch: row by row against one call.
    batch = applicants(args.contrib_rows, seed=11)
    rows = [features.to_features(applicant(batch, i)) for i in range(args.contrib_rows)]
    cols = features.to_columns(**batch)
    challenger.explain(ch, rows[0])
    began = time.perf_counter()
    for f in rows:
        challenger.explain(ch, f)
    one_by_one = time.perf_counter() - began
    began = time.perf_counter()
    matrix = challenger._encode(cols, ch.features, ch.vocabularies)
    contrib = np.asarray(ch.booster.predict(matrix, pred_contrib=True, num_threads=challenger.PREDICT_THREADS))
    at_once = time.perf_counter() - began
    check = dict(challenger.explain(ch, rows[-1], top=len(ch.features)))
    same = all(abs(check[name] - float(c)) < 1e-9 if c > 1e-12 else name not in check
               for name, c in zip(ch.features, contrib[-1, :-1], strict=True))
    k = args.contrib_rows
    print(f"Challenger contributions for {k:,} applicants: row by row (explain per row) {one_by_one * 1e3:.1f} ms "
          f"({one_by_one / k * 1e6:.0f} µs/row); one pred_contrib call {at_once * 1e3:.1f} ms "
          f"({at_once / k * 1e6:.1f} µs/row): {one_by_one / at_once:.1f}x; same values: {'yes' if same else 'NO'}")
    for kind, (grade, why) in reasons_read.items():
        text = (", ".join(f"{r.characteristic} -{r.points_lost:.1f} pts" for r in why.reasons) if kind == "scorecard"
                else ", ".join(f"{name} +{c:.3f} log-odds" for name, c in why))
        print(f"  {kind}: grade {grade}; reasons: {text or 'none'}")

    p95 = {kind: float(np.percentile(ms, 95)) for kind, ms in results.items()}
    met = all(v < TARGET_MS for v in p95.values()) and same
    print("Summary: one applicant with reasons and grade, p50/p95: "
          + "; ".join(f"{kind} {np.percentile(ms, 50):.2f}/{p95[kind]:.2f} ms" for kind, ms in results.items())
          + f" (target p95 < {TARGET_MS:g} ms: {'met' if all(v < TARGET_MS for v in p95.values()) else 'MISSED'})"
          + ("" if same else "; contributions DISAGREE"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
