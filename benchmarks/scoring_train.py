"""Benchmark: train the production credit models on the real SBA 7(a) file.

    .venv/bin/python benchmarks/scoring_train.py [--check-determinism] [--quick]

Needs the SBA file that ``make sba-data`` installs (exits 2 without it): this is a
benchmark, not a test, and never downloads anything.

It reads and cleans the file (``sba.read``, SHA-256 included), selects the production
recipe's rows (``training.fit_rows``: loans approved 1998-2010 with a recorded sector), and
times ``training.fit`` for the scorecard and for the challenger, exactly as the platform's
training command calls it (each call selects the rows again; that selection is timed on its
own as well). Beside them, in the same run and on the same rows: the one-line baseline
(``validation.baseline``, scikit-learn's logistic regression on the raw features, one-hot
categories). Ratios are each model's time over the baseline's.

Target (issue 7, docs/benchmarks.md): scorecard + challenger under 3 minutes on 2 cores.

``--check-determinism`` trains each model a second time and checks the artefact text is
byte-identical (exit 1 if not). If the committed artefacts
(``bayfin/scoring/artefacts/sba-2026.11-<kind>.json``) are present, the full run also says
whether the fresh text has the same SHA-256 (information only: it changes whenever the
recipe does). ``--quick`` trains on a seeded stratified sample of the file (``--rows``,
40,000 by default) as a smoke run; the target is for the full file.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTEFACTS = ROOT / "bayfin" / "scoring" / "artefacts"
VERSION = "sba-2026.11"
TARGET_S = 180.0
MISSING_EXIT = 2


def require_sba_csv() -> Path:
    """The installed SBA file, or exit 2 saying how to get it."""
    from importlib import metadata

    from bayfin.scoring.engine import sba

    try:
        path = sba.csv_path()
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        print(f"The SBA 7(a) file is not installed (package {sba.PACKAGE!r}, {sba.CSV_IN_PACKAGE}).\n"
              "This benchmark needs the real file: run `make sba-data` first.", file=sys.stderr)
        raise SystemExit(MISSING_EXIT)
    return path


def sample(data: Any, limit: int, seed: int) -> Any:
    """A seeded stratified sample (approval year x outcome) of the file, as ``SbaData``."""
    import numpy as np

    from bayfin.scoring.engine import sba, validation

    strata = np.char.add(np.asarray(data.columns["approval_fy"], dtype=str),
                         np.char.add("/", np.asarray(data.columns["default"], dtype=str)))
    idx = validation.stratified_subsample(strata, limit, seed=seed)
    cols = {name: [values[i] for i in idx] for name, values in data.columns.items()}
    return sba.SbaData(columns=cols, report=data.report, sha256=data.sha256)


def timed(call: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    out = call()
    return out, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-determinism", action="store_true",
                        help="train each model twice and compare the artefact bytes")
    parser.add_argument("--quick", action="store_true", help="smoke run on a stratified sample of the file")
    parser.add_argument("--rows", type=int, default=40_000, help="sample size for --quick")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    path = require_sba_csv()
    import numpy as np

    from bayfin.scoring.engine import features, sba, training, validation

    # The training libraries are imported once before any clock starts (reported, not counted).
    _, import_s = timed(_import_training_libraries)
    data, read_s = timed(lambda: sba.read(path))
    where = f"full file, {len(data):,} loans with an outcome"
    if args.quick:
        data = sample(data, args.rows, args.seed)
        where = f"--quick: stratified sample of {len(data):,} loans (the target is for the full file)"
    (cols, y), rows_s = timed(lambda: training.fit_rows(data))
    n, bad = len(y), sum(y)

    _, base_s = timed(lambda: validation.baseline(cols, np.asarray(y), features.FEATURES, features.CATEGORICAL))
    texts: dict[str, str] = {}
    secs: dict[str, float] = {}
    for kind in training.KINDS:
        (texts[kind], _), secs[kind] = timed(lambda kind=kind: training.fit(kind, data=data))

    print(f"BayFin scoring train benchmark: {where}; "
          f"production rows {n:,} ({bad / n:.1%} defaulted, approved {training.PRODUCTION.window_from}-"
          f"{training.PRODUCTION.fit_until}, sector recorded); Python {platform.python_version()}, "
          f"LightGBM {_version('lightgbm')}, optbinning {_version('optbinning')}, "
          f"scikit-learn {_version('scikit-learn')}")
    print(f"Read and clean the file (sba.read, SHA-256 included): {read_s:.2f} s; "
          f"select the recipe's rows (training.fit_rows): {rows_s:.2f} s; "
          f"import the training libraries (before timing): {import_s:.2f} s")
    print(f"{'model (training.fit; rows selected inside)':<48}{'rows':>10}{'seconds':>10}{'x baseline':>12}")
    print(f"{'baseline: logistic regression, raw features':<48}{n:>10,}{base_s:>10.2f}{1.0:>12.1f}")
    for kind in training.KINDS:
        print(f"{kind:<48}{n:>10,}{secs[kind]:>10.2f}{secs[kind] / base_s:>12.1f}")
    total = sum(secs.values())
    print(f"{'scorecard + challenger':<48}{n:>10,}{total:>10.2f}{total / base_s:>12.1f}")
    print(f"With reading the file: {read_s + total:.1f} s. "
          f"Artefacts: " + ", ".join(f"{k} {len(t) / 1e3:,.1f} kB sha256 {_sha(t)[:12]}" for k, t in texts.items()))

    failed = []
    if args.check_determinism:
        same = {}
        for kind in training.KINDS:
            again, again_s = timed(lambda kind=kind: training.fit(kind, data=data)[0])
            same[kind] = again == texts[kind]
            print(f"Determinism: {kind} trained again in {again_s:.2f} s: "
                  f"{'byte-identical' if same[kind] else 'DIFFERENT (' + _sha(again)[:12] + ')'}")
        if not all(same.values()):
            failed.append("determinism")
    if not args.quick:
        for kind, text in texts.items():
            committed = ARTEFACTS / f"{VERSION}-{kind}.json"
            if committed.is_file():
                disk = committed.read_text(encoding="utf-8")
                print(f"Committed {committed.relative_to(ROOT)}: "
                      f"{'same bytes' if disk == text else 'differs (sha256 ' + _sha(disk)[:12] + ')'} "
                      "(information: changes with the recipe)")

    met = total < TARGET_S
    if not met:
        failed.append("target")
    print(f"Summary: scorecard {secs['scorecard']:.1f} s + challenger {secs['challenger']:.1f} s = {total:.1f} s "
          f"(target < {TARGET_S:.0f} s: {'met' if met else 'MISSED'}; {total / base_s:.1f}x the baseline's "
          f"{base_s:.1f} s); read {read_s:.1f} s"
          + (f"; determinism {'ok' if 'determinism' not in failed else 'FAILED'}" if args.check_determinism else ""))
    return 1 if failed else 0


def _import_training_libraries() -> None:
    import lightgbm  # noqa: F401
    import optbinning  # noqa: F401
    import sklearn.isotonic  # noqa: F401
    import sklearn.linear_model  # noqa: F401


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


if __name__ == "__main__":
    sys.exit(main())
