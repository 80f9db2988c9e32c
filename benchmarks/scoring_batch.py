"""Benchmark: batch-score 100,000 platform applicants with both credit models.

    .venv/bin/python benchmarks/scoring_batch.py [--applicants 100000] [--baseline 3000] [--quick]

Applicants are synthetic, drawn with a seeded numpy generator in the platform's own terms
(``features.Applicant``): a sector among the platform's (its NAICS 2-digit code), employees,
years since founding, the amount in USD, guaranteed or not, revolving or term. The timed
path is the batch one: ``features.to_columns`` (vectorised), the model's vectorised score
(``scorecard.score`` / ``challenger.score``) and the grades (``metrics.grades_of``), without
reasons (reasons are for the scores a person looks at: the last line times them for the
100 riskiest applicants of the batch, on demand).

Baseline, in the same run: the straightforward per-row loop (``features.to_features`` on one
``Applicant``, the model's score on a one-row batch, ``grades.grade_of``) on the first
``--baseline`` applicants, extrapolated per row to the whole batch (and labelled so). The
two paths must agree on those rows (PD within 1e-12, same grade), or the run fails.

For the challenger, a what-if line times the same loop with each one-row prediction on one
thread (the engine predicts with ``challenger.PREDICT_THREADS``, 2): on a busy 2-core
machine the second OpenMP thread costs a wake-up per call, so the plain loop overstates what
a careful per-row loop would cost; its ratio is against the batch path too.

Models: the committed artefacts ``bayfin/scoring/artefacts/sba-2026.11-<kind>.json`` when
present; otherwise both are trained on a seeded 60,000-row stratified sample of the
production rows of the real SBA file (needs ``make sba-data``; exits 2 without it), and the
output says so. Scoring speed does not depend much on which training rows were used (the
challenger's trees have the same shape), but the figures say which models were timed.

Target (issue 7): 100,000 applicants under 3 s for each model, without reasons.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring_train import ARTEFACTS, ROOT, VERSION, require_sba_csv  # noqa: E402

TARGET_S = 3.0
SAMPLE_ROWS = 60_000
# The NAICS 2-digit codes of the platform's sectors (bayfin.common.vocab.SECTORS), with the
# number of platform sectors that map to each (used as sampling weights).
PLATFORM_NAICS = {"33": 2, "51": 2, "32": 3, "22": 1, "52": 1, "71": 1, "48": 1}


@dataclass
class Models:
    scorecard: Any
    challenger: Any
    origin: str  # what the models are: committed artefacts or a sample fit
    load_ms: dict[str, float]


def score_fn(kind: str, model: Any) -> Callable[[Any], np.ndarray]:
    from bayfin.scoring.engine import challenger, scorecard

    if kind == "scorecard":
        return lambda cols: scorecard.score(model, cols)
    return lambda cols: challenger.score(model, cols)


def one_thread_score(model: Any) -> Callable[[Any], np.ndarray]:
    """``challenger.score`` with the booster on one thread (a what-if, not the engine's code)."""
    from bayfin.scoring.engine import challenger

    def score(cols: Any) -> np.ndarray:
        x = challenger._encode(cols, model.features, model.vocabularies)
        return np.interp(model.booster.predict(x, raw_score=True, num_threads=1), model.calibration_x,
                         model.calibration_y)

    return score


def load_models(seed: int = 0) -> Models:
    """The committed artefacts, else both models trained on a stratified sample of the real file."""
    from bayfin.scoring.engine import training

    files = {kind: ARTEFACTS / f"{VERSION}-{kind}.json" for kind in training.KINDS}
    if all(f.is_file() for f in files.values()):
        loaded, ms = {}, {}
        for kind, f in files.items():
            text = f.read_text(encoding="utf-8")
            began = time.perf_counter()
            loaded[kind] = training.load(kind, text)
            ms[kind] = (time.perf_counter() - began) * 1e3
        names = ", ".join(str(f.relative_to(ROOT)) for f in files.values())
        return Models(loaded["scorecard"], loaded["challenger"], f"committed artefacts ({names})", ms)
    return _sample_models(seed)


def _sample_models(seed: int) -> Models:
    from bayfin.scoring.engine import sba, training, validation

    path = require_sba_csv()
    print(f"No committed artefacts at {ARTEFACTS.relative_to(ROOT)}/{VERSION}-*.json: training both models "
          f"on a {SAMPLE_ROWS:,}-row stratified sample of the real file (not timed)...", flush=True)
    data = sba.read(path)
    recipe = training.PRODUCTION
    fy = np.asarray(data.columns["approval_fy"], dtype=np.int64)
    ok = (fy >= recipe.window_from) & (fy <= recipe.fit_until)
    for name in recipe.recorded:
        ok &= np.asarray(data.columns[name], dtype=str) != "unknown"
    rows = np.flatnonzero(ok)
    strata = np.char.add(fy[rows].astype(str), np.char.add("/", np.asarray(data.columns["default"])[rows].astype(str)))
    idx = rows[validation.stratified_subsample(strata, SAMPLE_ROWS, seed=seed)]
    sub = sba.SbaData(columns={name: [values[i] for i in idx] for name, values in data.columns.items()},
                      report=data.report, sha256=data.sha256)
    models = {}
    for kind in training.KINDS:
        text, _ = training.fit(kind, data=sub)
        models[kind] = training.load(kind, text)
    return Models(models["scorecard"], models["challenger"],
                  f"trained for this run on a seeded {len(idx):,}-row stratified sample of the production rows "
                  f"(committed artefacts absent)", {})


def applicants(n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` synthetic platform applicants, one array per ``features.Applicant`` field."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(list(PLATFORM_NAICS))
    weights = np.asarray(list(PLATFORM_NAICS.values()), dtype=float)
    return {
        "naics_sector": rng.choice(codes, size=n, p=weights / weights.sum()),
        "employees": np.minimum(np.round(rng.lognormal(np.log(12), 1.0, n)), 2000).astype(np.int64),
        "years_operating": np.round(rng.exponential(6.0, n), 2),
        "amount_usd": np.round(rng.lognormal(np.log(250_000), 0.9, n), 2),
        "guaranteed": rng.random(n) < 0.3,
        "revolving": rng.random(n) < 0.2,
    }


def applicant(batch: dict[str, np.ndarray], i: int) -> Any:
    from bayfin.scoring.engine import features

    return features.Applicant(naics_sector=str(batch["naics_sector"][i]), employees=int(batch["employees"][i]),
                              years_operating=float(batch["years_operating"][i]),
                              amount_usd=float(batch["amount_usd"][i]), guaranteed=bool(batch["guaranteed"][i]),
                              revolving=bool(batch["revolving"][i]))


def batch_path(batch: dict[str, np.ndarray], score: Callable[[Any], np.ndarray]) -> tuple[np.ndarray, np.ndarray,
                                                                                          list[float]]:
    """The vectorised path; returns PDs, grades and the seconds of each stage."""
    from bayfin.scoring.engine import features, metrics

    t0 = time.perf_counter()
    cols = features.to_columns(**batch)
    t1 = time.perf_counter()
    pd_ = score(cols)
    t2 = time.perf_counter()
    grades = metrics.grades_of(pd_)
    t3 = time.perf_counter()
    return pd_, grades, [t1 - t0, t2 - t1, t3 - t2]


def row_loop(batch: dict[str, np.ndarray], n: int, score: Callable[[Any], np.ndarray]) -> tuple[list[float],
                                                                                               list[str], float]:
    """The per-row baseline on the first ``n`` applicants; returns PDs, grades and seconds."""
    from bayfin.scoring.engine import features, grades

    people = [applicant(batch, i) for i in range(n)]  # building the inputs is not timed
    pds, out = [], []
    began = time.perf_counter()
    for a in people:
        f = features.to_features(a)
        p = float(score({name: [value] for name, value in f.items()})[0])
        pds.append(p)
        out.append(grades.grade_of(p))
    return pds, out, time.perf_counter() - began


def reasons_for_top(kind: str, model: Any, batch: dict[str, np.ndarray], pd_: np.ndarray, top: int) -> float:
    from bayfin.scoring.engine import challenger, features, scorecard

    riskiest = np.argsort(-pd_, kind="stable")[:top]
    explain = scorecard.explain if kind == "scorecard" else challenger.explain
    began = time.perf_counter()
    for i in riskiest:
        explain(model, features.to_features(applicant(batch, int(i))))
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=3_000, help="applicants scored one by one")
    parser.add_argument("--repeat", type=int, default=3, help="batch runs per model (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 applicants, 300 one by one")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.quick:
        args.applicants, args.baseline, args.repeat = 10_000, 300, 1
    n, m = args.applicants, min(args.baseline, args.applicants)

    models = load_models()
    batch = applicants(n, args.seed)
    print(f"BayFin scoring batch benchmark: {n:,} synthetic applicants (seed {args.seed}), "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"Models: {models.origin}"
          + (". Load: " + ", ".join(f"{k} {v:.1f} ms" for k, v in models.load_ms.items()) if models.load_ms else ""))
    print(f"{'path (seconds for ' + format(n, ',') + ' applicants)':<58}{'seconds':>9}{'per row':>11}{'ratio':>8}")

    failed, summary = [], []
    for kind in ("scorecard", "challenger"):
        model = getattr(models, kind)
        score = score_fn(kind, model)
        batch_path(applicants(1000, args.seed + 1), score)  # warm-up
        runs = [batch_path(batch, score) for _ in range(args.repeat)]
        totals = [sum(r[2]) for r in runs]
        mid = sorted(range(len(runs)), key=lambda i: totals[i])[len(runs) // 2]
        pd_, grade, stages = runs[mid]
        ours = totals[mid]
        pds, loop_grades, loop_s = row_loop(batch, m, score)
        extrapolated = loop_s / m * n
        agree = np.allclose(pd_[:m], pds, rtol=0, atol=1e-12) and list(grade[:m]) == loop_grades
        print(f"{kind + ': per-row loop, ' + format(m, ',') + ' rows extrapolated to ' + format(n, ','):<58}"
              f"{extrapolated:>9.2f}{loop_s / m * 1e6:>9.1f}µs{1.0:>8.1f}")
        print(f"{kind + ': to_columns + score + grades_of (median of ' + str(len(runs)) + ')':<58}"
              f"{ours:>9.3f}{ours / n * 1e6:>9.2f}µs{extrapolated / ours:>8.1f}")
        print(f"{'':<4}stages: to_columns {stages[0] * 1e3:.1f} ms, score {stages[1] * 1e3:.1f} ms, grades_of "
              f"{stages[2] * 1e3:.1f} ms; all runs {', '.join(f'{t:.3f}' for t in totals)} s; "
              f"per-row and batch agree on {m:,} rows: "
              f"{'yes' if agree else 'NO'}")
        if kind == "challenger":
            # What-if: the same loop with each one-row prediction on one thread (on a busy 2-core
            # machine the engine's second OpenMP thread costs a wake-up per call, not a speed-up).
            _, _, loop1_s = row_loop(batch, m, one_thread_score(model))
            ext1 = loop1_s / m * n
            print(f"{kind + ': same loop, 1 thread per row (what-if)':<58}"
                  f"{ext1:>9.2f}{loop1_s / m * 1e6:>9.1f}µs{ext1 / ours:>8.1f}")
        top_s = reasons_for_top(kind, model, batch, pd_, 100)
        counts = dict(zip(*np.unique(grade, return_counts=True), strict=True))
        print(f"{'':<4}reasons on demand for the 100 riskiest: {top_s * 1e3:.1f} ms; "
              f"mean PD {pd_.mean():.3f}; grades " + " ".join(f"{g}:{counts[g]}" for g in sorted(counts, key=_rank)))
        if not agree:
            failed.append(f"{kind} disagreement")
        if ours >= TARGET_S * n / 100_000:
            failed.append(f"{kind} target")
        summary.append(f"{kind} {ours:.3f} s ({extrapolated / ours:.0f}x the per-row loop's extrapolated "
                       f"{extrapolated:.1f} s)")
    target = TARGET_S * n / 100_000
    print(f"Summary: {n:,} applicants: " + "; ".join(summary)
          + f"; target < {target:g} s per model: {'met' if not any('target' in f for f in failed) else 'MISSED'}"
          + ("" if not failed else f"; FAILED: {', '.join(failed)}"))
    return 1 if failed else 0


def _rank(grade: str) -> int:
    from bayfin.scoring.engine import grades

    return grades.GRADES.index(grade)


if __name__ == "__main__":
    sys.exit(main())
