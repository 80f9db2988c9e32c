"""The validation pipeline: scorecard, challenger and a one-line baseline, side by side, out of time.

``evaluate(data)`` trains every model and returns a JSON-able report (plain dicts, lists,
numbers and strings; ``json.dumps(report, sort_keys=True)`` works) with these sections:

- ``split``: the out-of-time (OOT) split. Train on loans approved in fiscal years up to 2004,
  test on 2005–2010. **Later years are right-censored and never tested on**: when the file
  was made their loans had not had time to default, so their charge-off rates fall with the
  year (docs/scoring.md: 13.7 % in 2010, 7.9 % in 2011, 5.7 % in 2012, 2.9 % in 2013,
  against 11–18 % for the mature years before the crisis). A model "tested" on them would be
  scored against defaults that had not happened yet. The report lists the rate of each
  excluded year found in the data.
- ``models.<name>.oot``: ``metrics.summary`` on the OOT test; ``.calibration``: calibration by
  grade on the OOT test; ``.psi``: the population stability index of the PD between the
  training rows (in-sample scores) and the OOT test rows.
- ``models.<name>.cv``: random stratified k-fold (default 5) on the mature loans (approved up
  to 2010), mean and standard deviation (ddof=1) of AUC, KS and Brier over the folds. It
  differs from OOT because random folds mix the years: every fold's training rows already
  hold the crisis years' default rates, which no model trained in 2004 could know, and the
  test rows come from the same population. OOT is the honest headline; CV says how well
  the features rank risk within a known population.
- ``crisis``: per test year (2005..2010), loans, observed default rate and each model's mean
  predicted PD. Default rates doubled (25 % → 43 %) in 2005–2007 against a training
  population of about 11–18 %, so a model trained before it under-predicts.
- ``recalibration``: an intercept shift fitted on the most recent mature window (loans
  approved in 2005: by 2005 the lender would have seen its outcomes start) and applied to
  2006–2010. It is Platt scaling with the slope fixed at 1: ``logit(p') = logit(p) + b``,
  ``b`` the maximum-likelihood offset, i.e. the ``b`` for which the mean of ``p'`` on 2005
  equals its observed default rate (``recalibration_offset``). AUC and KS do not move (the
  shift is monotone); the report shows mean PD, Brier and calibration by grade on 2006–2010
  before and after, and per year.
- ``leakage``: the challenger retrained with ``term_months`` (``Term``) as one more feature,
  AUC with and without, out of time and on one random stratified fold (the issue reports
  0.83 → 0.98 on random splits). ``Term`` is partly set by the outcome (a loan charged off
  early records a short term), so the lift is what no lender has at approval.
- ``timings``: seconds per model and phase (the only part of the report that is not
  deterministic; compare reports without it).

Determinism: folds and subsamples come from ``numpy.random.default_rng(seed)``; the models
are trained with the same seed (the scorecard's and the challenger's training is itself
deterministic, the baseline's lbfgs too).

``rows_limit`` keeps a seeded stratified subsample: within each (approval year, outcome)
stratum ``round(n_stratum · rows_limit / n)`` rows, so each year's default rate is kept and
the total is ``rows_limit`` up to rounding.

Training needs the ``train`` extra (scikit-learn, optbinning), imported only inside the
functions that train.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bayfin.scoring.engine import challenger, metrics, sba, scorecard

TRAIN_UNTIL = 2004
TEST_FROM = 2005
TEST_UNTIL = 2010
RECALIBRATION_YEAR = 2005  # the most recent mature window before the years recalibrated
LEAKY_FEATURE = "term_months"
MODELS = ("scorecard", "challenger", "baseline")
PD_CLIP = 1e-6  # PDs are clipped to [PD_CLIP, 1 - PD_CLIP] before taking a logit

Predictor = Callable[[Mapping[str, Any]], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class ModelConfig:
    """The production model's inputs and its monotone constraints.

    ``sba_share``: a larger guaranteed share means a lower default rate (the SBA guarantees
    more of the loans it judges sound, and a lender with less at stake still screens them),
    a business sense clear enough to impose: the scorecard's bins are ``"descending"`` (the
    default rate falls as the share rises) and the challenger's constraint is −1.

    ``gross_approved`` and ``no_emp`` are left to the data. A bigger loan goes to a bigger,
    older business (lower risk) but is also a bigger bet for a small one (higher risk); more
    employees usually means an established business, yet the file's head-counts hold zeros
    and outliers. Neither direction is clear enough to impose: the scorecard uses
    ``"auto_asc_desc"`` (optbinning picks ascending or descending, still monotone, so points
    stay explainable) and the challenger has no constraint (0). ``create_job`` and
    ``retained_job`` are treated the same way.
    """

    features: tuple[str, ...] = sba.APPLICATION_FEATURES
    categorical: tuple[str, ...] = sba.CATEGORICAL_FEATURES
    scorecard_trends: Mapping[str, str] = field(default_factory=lambda: {"sba_share": "descending"})
    challenger_monotone: Mapping[str, int] = field(default_factory=lambda: {"sba_share": -1})


MODEL_CONFIG = ModelConfig()


# ---------------------------------------------------------------------------------------------
# Splits


def oot_masks(approval_fy: Sequence[int] | npt.ArrayLike, *, train_until: int = TRAIN_UNTIL,
              test_from: int = TEST_FROM, test_until: int = TEST_UNTIL) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the out-of-time training rows (approved ≤ ``train_until``) and test rows
    (``test_from`` ≤ approved ≤ ``test_until``). Years after ``test_until`` are in neither: they
    are right-censored (see the module's docstring)."""
    if not train_until < test_from <= test_until:
        raise ValueError(f"the OOT split needs train_until < test_from <= test_until, "
                         f"not {train_until}, {test_from}, {test_until}")
    fy = np.asarray(approval_fy, dtype=np.int64)
    return fy <= train_until, (fy >= test_from) & (fy <= test_until)


def stratified_folds(y: Sequence[int] | npt.ArrayLike, k: int = 5, seed: int = 0) -> list[np.ndarray]:
    """``k`` disjoint folds covering every row, each the (sorted) test indices of one fold, with
    the defaults and the good loans each shuffled (seeded) and dealt out as evenly as they go."""
    ya = np.asarray(y)
    if ya.ndim != 1:
        raise ValueError("y must be one-dimensional")
    if k < 2:
        raise ValueError(f"k-fold needs k >= 2, not {k}")
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(k)]
    for label in (0, 1):
        idx = np.flatnonzero(ya == label)
        if len(idx) < k:
            raise ValueError(f"{k} folds need at least {k} rows of each class; class {label} has {len(idx)}")
        for i, chunk in enumerate(np.array_split(rng.permutation(idx), k)):
            parts[i].append(chunk)
    if sum(len(c) for p in parts for c in p) != len(ya):
        raise ValueError("y must hold only 0 and 1")
    return [np.sort(np.concatenate(p)) for p in parts]


def stratified_subsample(strata: npt.ArrayLike, limit: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices: about ``limit`` rows, ``round(n_s · limit / n)`` from each stratum."""
    s = np.asarray(strata)
    n = len(s)
    if limit >= n:
        return np.arange(n)
    if limit < 1:
        raise ValueError(f"rows_limit must be positive, not {limit}")
    rng = np.random.default_rng(seed)
    keep = []
    for value in np.unique(s):
        idx = np.flatnonzero(s == value)
        keep.append(rng.permutation(idx)[: round(len(idx) * limit / n)])
    return np.sort(np.concatenate(keep))


# ---------------------------------------------------------------------------------------------
# The one-line baseline


@dataclass(frozen=True)
class Baseline:
    """Logistic regression on the raw features: numeric ones standardised with the training
    mean and standard deviation (a constant column gets scale 1; a missing number becomes the
    mean, i.e. 0), categorical ones one-hot on the training vocabulary (a value never seen in
    training is all zeros, the average of nothing)."""

    numeric: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    vocabularies: Mapping[str, tuple[str, ...]]
    coefficients: tuple[float, ...]
    intercept: float

    def design(self, columns: Mapping[str, Any]) -> np.ndarray:
        blocks = []
        if self.numeric:
            x = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in self.numeric])
            z = (x - np.asarray(self.means)) / np.asarray(self.scales)
            blocks.append(np.where(np.isnan(z), 0.0, z))
        for name, vocab in self.vocabularies.items():
            values = np.asarray(columns[name], dtype=str)
            blocks.append((values[:, None] == np.asarray(vocab, dtype=str)[None, :]).astype(np.float64))
        return np.hstack(blocks)

    def predict(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Probabilities of default (vectorised)."""
        z = self.design(columns) @ np.asarray(self.coefficients) + self.intercept
        return _sigmoid(z)


def baseline(columns: Mapping[str, Any], target: Sequence[int] | npt.ArrayLike, features: Sequence[str],
             categorical: Sequence[str]) -> Baseline:
    """Fit the baseline (scikit-learn ``LogisticRegression``, its defaults: L2, C=1, lbfgs)."""
    from sklearn.linear_model import LogisticRegression

    missing = [name for name in features if name not in columns]
    if missing:
        raise ValueError(f"baseline: missing feature column(s): {', '.join(missing)}")
    numeric = tuple(name for name in features if name not in categorical)
    means, scales = [], []
    for name in numeric:
        x = np.asarray(columns[name], dtype=np.float64)
        mean, std = float(np.nanmean(x)), float(np.nanstd(x))
        means.append(mean)
        scales.append(std if std > 0 and math.isfinite(std) else 1.0)
    vocabularies = {name: tuple(sorted({str(v) for v in columns[name]})) for name in features if name in categorical}
    shell = Baseline(numeric, tuple(means), tuple(scales), vocabularies, (), 0.0)
    y = np.asarray(target, dtype=np.int64)
    model = LogisticRegression(max_iter=2000).fit(shell.design(columns), y)
    return Baseline(numeric, tuple(means), tuple(scales), vocabularies,
                    tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]))


# ---------------------------------------------------------------------------------------------
# Recalibration


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    ez = np.exp(-np.abs(z))
    return np.asarray(np.where(z >= 0, 1.0 / (1.0 + ez), ez / (1.0 + ez)), dtype=np.float64)


def _logit(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    q = np.clip(np.asarray(p, dtype=np.float64), PD_CLIP, 1.0 - PD_CLIP)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def recalibration_offset(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """The maximum-likelihood ``b`` of ``logit(p') = logit(p) + b`` (Platt with the slope fixed at 1).

    Its score equation is ``Σ sigmoid(logit(pᵢ) + b) = Σ yᵢ``: the recalibrated mean PD equals
    the observed default rate. The left side increases with ``b``, so bisection finds it
    (deterministic, no solver tolerance to tune).
    """
    ya = np.asarray(y, dtype=np.float64)
    z = _logit(p)
    if ya.shape != z.shape or ya.size == 0:
        raise ValueError("recalibration needs y and p of the same, non-zero length")
    target = float(ya.sum())
    if target <= 0 or target >= ya.size:
        raise ValueError("recalibration needs both defaults and good loans in its window")
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if float(_sigmoid(z + mid).sum()) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def recalibrate(p: npt.ArrayLike, offset: float) -> npt.NDArray[np.float64]:
    return _sigmoid(_logit(p) + offset)


# ---------------------------------------------------------------------------------------------
# Training each model the same way


def _train(model: str, columns: Mapping[str, Any], y: np.ndarray, seed: int, config: ModelConfig,
           extra_features: Sequence[str] = ()) -> Predictor:
    features = (*config.features, *extra_features)
    if model == "scorecard":
        sc = scorecard.train_scorecard(columns, y.tolist(), features=features, categorical=config.categorical,
                                       monotonic=config.scorecard_trends, seed=seed)
        return lambda c: scorecard.score(sc, c)
    if model == "challenger":
        ch = challenger.train_challenger(columns, y, features=features, categorical=config.categorical,
                                         monotone=config.challenger_monotone, seed=seed)
        return lambda c: challenger.score(ch, c)
    if model == "baseline":
        b = baseline(columns, y, features, config.categorical)
        return b.predict
    raise ValueError(f"unknown model {model!r}")


def _take(columns: Mapping[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[idx] for name, values in columns.items()}


def _arrays(data: sba.SbaData, config: ModelConfig) -> dict[str, np.ndarray]:
    needed = {*config.features, LEAKY_FEATURE, "approval_fy", "default"}
    missing = sorted(needed - set(data.columns))
    if missing:
        raise ValueError(f"validation: the data has no column(s) {', '.join(missing)}")
    needed |= {c for c in sba.OUTCOME_COLUMNS.values() if c in data.columns}
    out = {}
    for name in sorted(needed):
        values = data.columns[name]
        out[name] = np.asarray(values, dtype=str) if name in config.categorical else np.asarray(values)
    return out


def _rows(cal: list[metrics.CalibrationRow]) -> list[dict[str, Any]]:
    return [{"grade": r.grade, "n": r.n, "predicted": r.predicted, "observed": r.observed} for r in cal]


def _clean(value: Any) -> Any:
    """Plain JSON types: numpy numbers to int/float, NaN to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


# ---------------------------------------------------------------------------------------------
# The report


def evaluate(data: sba.SbaData, *, seed: int = 0, folds: int = 5, with_leakage: bool = True,
             rows_limit: int | None = None, models: Sequence[str] = MODELS,
             cv_models: Sequence[str] | None = None, config: ModelConfig = MODEL_CONFIG) -> dict[str, Any]:
    """Train and validate ``models`` on ``data``; the report described in the module's docstring.

    ``folds=0`` skips cross-validation; ``cv_models`` (default: all ``models``) limits it, the
    others are reported as ``{"run": False}``. ``rows_limit`` subsamples first (stratified by
    approval year and outcome, seeded).
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {MODELS}")
    cv_models = list(models if cv_models is None else cv_models)
    timings: dict[str, dict[str, float]] = {m: {} for m in models}
    cols = _arrays(data, config)
    n_read = len(cols["default"])
    if rows_limit is not None:
        strata = cols["approval_fy"].astype(np.int64) * 2 + cols["default"].astype(np.int64)
        cols = _take(cols, stratified_subsample(strata, rows_limit, seed))
    y = cols["default"].astype(np.int64)
    fy = cols["approval_fy"].astype(np.int64)
    train_mask, test_mask = oot_masks(fy)
    if not train_mask.any() or not test_mask.any():
        raise ValueError("validation: the data has no loans on one side of the out-of-time split")
    train_cols, test_cols = _take(cols, np.flatnonzero(train_mask)), _take(cols, np.flatnonzero(test_mask))
    y_train, y_test, fy_test = y[train_mask], y[test_mask], fy[test_mask]
    test_years = sorted(int(v) for v in np.unique(fy_test))

    censored = {int(year): {"loans": int((fy == year).sum()), "default_rate": float(y[fy == year].mean())}
                for year in np.unique(fy[fy > TEST_UNTIL])}
    report: dict[str, Any] = {
        "data": {"sha256": data.sha256, "rows_read": n_read, "rows_used": int(len(y)),
                 "rows_limit": rows_limit, "default_rate": float(y.mean()), "seed": seed},
        "config": {"features": list(config.features), "categorical": list(config.categorical),
                   "scorecard_trends": dict(config.scorecard_trends),
                   "challenger_monotone": dict(config.challenger_monotone)},
        "split": {"train_until": TRAIN_UNTIL, "test_from": TEST_FROM, "test_until": TEST_UNTIL,
                  "train_rows": int(train_mask.sum()), "train_default_rate": float(y_train.mean()),
                  "test_rows": int(test_mask.sum()), "test_default_rate": float(y_test.mean()),
                  "test_years": test_years, "excluded_censored_years": censored,
                  "why_excluded": "right-censored: loans approved after the test window had not had time "
                                  "to default when the file was made, so their charge-off rates fall "
                                  "year by year (7.9 % in 2011, 5.7 % in 2012, 2.9 % in 2013 on the full "
                                  "file); testing on them would count defaults that had not happened yet"},
        "models": {},
    }

    oot_pd: dict[str, np.ndarray] = {}
    for name in models:
        start = time.perf_counter()
        predict = _train(name, train_cols, y_train, seed, config)
        timings[name]["oot_train_s"] = time.perf_counter() - start
        p_test, p_train = predict(test_cols), predict(train_cols)
        oot_pd[name] = p_test
        report["models"][name] = {
            "oot": metrics.summary(y_test, p_test),
            "calibration": _rows(metrics.calibration_by_grade(y_test, p_test)),
            "psi": metrics.psi(p_train, p_test),
        }

    # Random stratified k-fold on the mature loans.
    mature = np.flatnonzero(fy <= TEST_UNTIL)
    fold_list = stratified_folds(y[mature], folds, seed) if folds else []
    for name in models:
        if not folds or name not in cv_models:
            report["models"][name]["cv"] = {"run": False}
            continue
        per_fold: dict[str, list[float]] = {"auc": [], "ks": [], "brier": []}
        start = time.perf_counter()
        for test_idx in fold_list:
            is_test = np.zeros(len(mature), dtype=bool)
            is_test[test_idx] = True
            tr, te = mature[~is_test], mature[is_test]
            predict = _train(name, _take(cols, tr), y[tr], seed, config)
            s = metrics.summary(y[te], predict(_take(cols, te)))
            for key in per_fold:
                per_fold[key].append(float(s[key]))
        timings[name]["cv_s"] = time.perf_counter() - start
        report["models"][name]["cv"] = {
            "run": True, "folds": folds, "rows": int(len(mature)),
            **{f"{k}_mean": float(np.mean(v)) for k, v in per_fold.items()},
            **{f"{k}_std": float(np.std(v, ddof=1)) for k, v in per_fold.items()},
            "per_fold": per_fold,
        }

    # The crisis: mean predicted PD against the observed default rate, per test year.
    report["crisis"] = {
        str(year): {"loans": int((fy_test == year).sum()), "observed": float(y_test[fy_test == year].mean()),
                    **{name: float(oot_pd[name][fy_test == year].mean()) for name in models}}
        for year in test_years}

    report["recalibration"] = _recalibration(y_test, fy_test, oot_pd)

    if with_leakage and "challenger" in models:
        report["leakage"] = _leakage(cols, y, train_cols, y_train, test_cols, y_test, fold_list, mature,
                                     report["models"]["challenger"]["oot"]["auc"], seed, config, timings)
    else:
        report["leakage"] = {"run": False}
    report["timings"] = timings
    return dict(_clean(report))


def _recalibration(y_test: np.ndarray, fy_test: np.ndarray, oot_pd: Mapping[str, np.ndarray]) -> dict[str, Any]:
    fit_mask = fy_test == RECALIBRATION_YEAR
    apply_mask = fy_test > RECALIBRATION_YEAR
    out: dict[str, Any] = {"fitted_on": RECALIBRATION_YEAR,
                           "applied_to": sorted(int(v) for v in np.unique(fy_test[apply_mask]))}
    if not fit_mask.any() or not apply_mask.any():
        out["run"] = False
        return out
    out["run"] = True
    y_apply, fy_apply = y_test[apply_mask], fy_test[apply_mask]
    for name, p in oot_pd.items():
        offset = recalibration_offset(y_test[fit_mask], p[fit_mask])
        before = p[apply_mask]
        after = recalibrate(before, offset)
        out[name] = {
            "offset": offset,
            "odds_factor": math.exp(offset),
            "observed": float(y_apply.mean()),
            "before": {"mean_pd": float(before.mean()), "brier": metrics.brier(y_apply, before),
                       "calibration": _rows(metrics.calibration_by_grade(y_apply, before))},
            "after": {"mean_pd": float(after.mean()), "brier": metrics.brier(y_apply, after),
                      "calibration": _rows(metrics.calibration_by_grade(y_apply, after))},
            "by_year": {str(year): {"observed": float(y_apply[fy_apply == year].mean()),
                                    "before": float(before[fy_apply == year].mean()),
                                    "after": float(after[fy_apply == year].mean())}
                        for year in sorted(int(v) for v in np.unique(fy_apply))},
        }
    return out


def _leakage(cols: Mapping[str, np.ndarray], y: np.ndarray, train_cols: Mapping[str, np.ndarray],
             y_train: np.ndarray, test_cols: Mapping[str, np.ndarray], y_test: np.ndarray,
             fold_list: list[np.ndarray], mature: np.ndarray, oot_auc_without: float, seed: int,
             config: ModelConfig, timings: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The challenger with ``term_months`` added: out of time, and on one random stratified fold."""
    start = time.perf_counter()
    with_term = _train("challenger", train_cols, y_train, seed, config, extra_features=(LEAKY_FEATURE,))
    oot_with = metrics.auc(y_test, with_term(test_cols))
    # One random fold (the first of the k-fold split, or a 5-fold split's first when CV is off).
    test_idx = fold_list[0] if fold_list else stratified_folds(y[mature], 5, seed)[0]
    is_test = np.zeros(len(mature), dtype=bool)
    is_test[test_idx] = True
    tr, te = mature[~is_test], mature[is_test]
    tr_cols, te_cols = _take(cols, tr), _take(cols, te)
    random_without = metrics.auc(y[te], _train("challenger", tr_cols, y[tr], seed, config)(te_cols))
    random_with = metrics.auc(y[te], _train("challenger", tr_cols, y[tr], seed, config,
                                            extra_features=(LEAKY_FEATURE,))(te_cols))
    timings["challenger"]["leakage_s"] = time.perf_counter() - start
    # The columns that describe the outcome need no model: each, used as a score on its own, is
    # compared with the challenger (AUC on the out-of-time test rows).
    outcome = {source: {"column": column, "auc_oot": metrics.auc(y_test, test_cols[column].astype(np.float64)),
                        "why_excluded": sba.LEAKY_COLUMNS[source]}
               for source, column in sba.OUTCOME_COLUMNS.items() if column in test_cols}
    return {
        "run": True, "feature": LEAKY_FEATURE, "why_excluded": sba.LEAKY_COLUMNS["Term"],
        "oot": {"auc_without": oot_auc_without, "auc_with": oot_with},
        "random_fold": {"auc_without": random_without, "auc_with": random_with},
        "outcome_columns": outcome,
    }
