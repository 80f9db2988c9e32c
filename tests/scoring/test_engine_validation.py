"""The validation pipeline on a synthetic SBA-like file: a crisis in 2005–2008 and a leaky term."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from bayfin.scoring.engine import sba, validation
from tests.scoring.synthetic_sba import draw_applications

SECTORS = {"23": 0.3, "44": 0.1, "54": -0.6, "62": -0.8, "72": 1.5, "unknown": 0.0}
# The year's shift of the log-odds: a crisis for loans approved in 2005–2008.
CRISIS = {2005: 0.6, 2006: 1.1, 2007: 1.4, 2008: 1.2}


def synthetic(n: int = 3000, seed: int = 7) -> sba.SbaData:
    """Columns as ``sba.read_rows`` builds them, defaults from a known logistic model plus a year effect."""
    rng = np.random.default_rng(seed)
    fy = rng.integers(1995, 2013, size=n)
    app = draw_applications(rng, n, list(SECTORS))
    sector, new, rev, low = app["naics_sector"], app["new_business"], app["rev_line_cr"], app["low_doc"]
    same_state, no_emp, share = app["same_state"], app["no_emp"], app["sba_share"]
    logit = (-1.9 + np.array([SECTORS[s] for s in sector]) - 4.0 * (share - 0.6)
             + 0.8 * (new == "new") + 0.9 * (rev == "Y") - 0.5 * (low == "Y") + 0.6 * (same_state == "no")
             - 0.35 * np.log1p(no_emp) + np.array([CRISIS.get(int(y), 0.0) for y in fy]))
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    # Leaky: a loan charged off early records a short term.
    term = np.where(default == 1, rng.integers(6, 60, size=n), rng.choice([60, 84, 120, 240], size=n))
    term = np.where(rng.random(n) < 0.1, rng.integers(6, 240, size=n), term)
    columns: dict[str, list] = {
        **{name: values.tolist() for name, values in app.items()},
        "approval_fy": fy.tolist(), "state": ["CA"] * n, "bank_state": ["CA"] * n,
        "term_months": term.tolist(), "default": default.tolist(),
    }
    assert set(columns) == set(sba.COLUMN_NAMES)
    return sba.SbaData(columns=columns, sha256="0" * 64)


@cache
def report() -> dict[str, Any]:
    return validation.evaluate(synthetic(), seed=0, folds=3)


def without_timings(r: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in r.items() if k != "timings"}, sort_keys=True, separators=(",", ":"))


# --- splits ----------------------------------------------------------------------------------


def test_oot_masks_train_up_to_2004_and_test_2005_to_2010_only() -> None:
    fy = np.arange(1990, 2015)
    train, test = validation.oot_masks(fy)
    assert fy[train].max() == 2004 and fy[train].min() == 1990
    assert fy[test].tolist() == [2005, 2006, 2007, 2008, 2009, 2010]
    assert not (train & test).any()
    assert not (train | test)[fy > 2010].any()  # right-censored years are in neither
    with pytest.raises(ValueError, match="train_until"):
        validation.oot_masks(fy, train_until=2006, test_from=2005)


def test_stratified_folds_partition_the_rows_and_keep_the_default_rate() -> None:
    y = (np.random.default_rng(1).random(1003) < 0.2).astype(int)
    folds = validation.stratified_folds(y, k=5, seed=3)
    assert len(folds) == 5
    together = np.sort(np.concatenate(folds))
    assert together.tolist() == list(range(len(y)))
    for f in folds:
        assert abs(y[f].mean() - y.mean()) < 0.01
        assert abs(len(f) - len(y) / 5) <= 2
    assert all(np.array_equal(a, b) for a, b in zip(folds, validation.stratified_folds(y, k=5, seed=3),
                                                    strict=True))
    assert not np.array_equal(folds[0], validation.stratified_folds(y, k=5, seed=4)[0])
    with pytest.raises(ValueError, match="at least 5 rows"):
        validation.stratified_folds([0] * 10 + [1] * 3, k=5)


def test_stratified_subsample_keeps_each_stratum_share() -> None:
    strata = np.repeat([0, 1, 2], [600, 300, 100])
    idx = validation.stratified_subsample(strata, 100, seed=0)
    assert np.bincount(strata[idx]).tolist() == [60, 30, 10]
    assert np.all(np.diff(idx) > 0)
    assert validation.stratified_subsample(strata, 5000).tolist() == list(range(1000))


# --- baseline and recalibration --------------------------------------------------------------


def test_baseline_standardises_with_train_statistics_and_zeroes_unknown_categories() -> None:
    data = synthetic(2000, seed=3)
    cols, y = data.columns, np.asarray(data.columns["default"])
    b = validation.baseline(cols, y, sba.APPLICATION_FEATURES, sba.CATEGORICAL_FEATURES)
    assert b.means[b.numeric.index("sba_share")] == pytest.approx(np.mean(cols["sba_share"]))
    held = synthetic(2000, seed=4)
    from bayfin.scoring.engine import metrics
    assert metrics.auc(held.columns["default"], b.predict(held.columns)) > 0.7
    row = {name: [cols[name][0]] for name in sba.APPLICATION_FEATURES}
    design = b.design({**row, "naics_sector": ["99-never-seen"]})
    sector_block = design[0, len(b.numeric):len(b.numeric) + len(b.vocabularies["naics_sector"])]
    assert not sector_block.any()
    assert 0 < b.predict({**row, "naics_sector": ["99-never-seen"]})[0] < 1


def test_recalibration_offset_matches_the_observed_rate() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.3, size=5000)
    y = (rng.random(5000) < np.clip(p * 2, 0, 1)).astype(int)
    offset = validation.recalibration_offset(y, p)
    assert offset > 0
    assert validation.recalibrate(p, offset).mean() == pytest.approx(y.mean(), abs=1e-9)
    # Order is kept: the shift is monotone.
    assert np.array_equal(np.argsort(p, kind="stable"), np.argsort(validation.recalibrate(p, offset), kind="stable"))
    with pytest.raises(ValueError, match="both defaults"):
        validation.recalibration_offset([0, 0, 0], [0.1, 0.2, 0.3])


def test_model_config_is_the_production_features() -> None:
    cfg = validation.MODEL_CONFIG
    assert cfg.features == sba.APPLICATION_FEATURES
    assert "term_months" not in cfg.features and "approval_fy" not in cfg.features
    assert cfg.scorecard_trends["sba_share"] == "descending" and cfg.challenger_monotone["sba_share"] == -1


# --- the report ------------------------------------------------------------------------------


def test_report_has_every_section_for_every_model_and_is_json() -> None:
    r = report()
    json.dumps(r, allow_nan=False)  # plain JSON, no NaN
    for key in ("data", "config", "split", "models", "crisis", "recalibration", "leakage", "timings"):
        assert key in r
    for name in validation.MODELS:
        m = r["models"][name]
        assert set(m["oot"]) == {"auc", "ks", "brier", "n", "default_rate", "mean_pd"}
        assert m["oot"]["auc"] > 0.6
        assert m["cv"]["run"] and m["cv"]["folds"] == 3
        assert {"auc_mean", "auc_std", "ks_mean", "ks_std", "brier_mean", "brier_std"} <= set(m["cv"])
        assert m["calibration"] and sum(row["n"] for row in m["calibration"]) == m["oot"]["n"]
        assert m["psi"] >= 0
        assert r["timings"][name]["oot_train_s"] > 0
    assert r["models"]["challenger"]["oot"]["n"] == r["split"]["test_rows"]


def test_oot_test_years_are_2005_to_2010_and_later_years_are_reported_as_censored() -> None:
    r = report()
    assert r["split"]["test_years"] == [2005, 2006, 2007, 2008, 2009, 2010]
    assert sorted(r["crisis"]) == ["2005", "2006", "2007", "2008", "2009", "2010"]
    assert sorted(r["split"]["excluded_censored_years"]) == ["2011", "2012"]
    data = synthetic()
    fy = np.asarray(data.columns["approval_fy"])
    assert r["split"]["test_rows"] == int(((fy >= 2005) & (fy <= 2010)).sum())
    assert r["split"]["train_rows"] == int((fy <= 2004).sum())


def test_the_crisis_shows_under_prediction_and_recalibration_moves_towards_observed() -> None:
    r = report()
    for name in ("scorecard", "challenger"):
        assert r["crisis"]["2007"][name] < r["crisis"]["2007"]["observed"]
        rc = r["recalibration"][name]
        assert rc["offset"] > 0
        gap_before = abs(rc["before"]["mean_pd"] - rc["observed"])
        gap_after = abs(rc["after"]["mean_pd"] - rc["observed"])
        assert gap_after < gap_before
        assert sorted(rc["by_year"]) == ["2006", "2007", "2008", "2009", "2010"]
    assert r["recalibration"]["fitted_on"] == 2005


def test_leakage_term_lifts_the_auc() -> None:
    leak = report()["leakage"]
    assert leak["feature"] == "term_months"
    assert leak["oot"]["auc_with"] > leak["oot"]["auc_without"] + 0.05
    assert leak["random_fold"]["auc_with"] > leak["random_fold"]["auc_without"] + 0.05


def test_evaluate_is_deterministic() -> None:
    # Everything but the timings: CV folds, models, leakage and recalibration.
    assert without_timings(report()) == without_timings(validation.evaluate(synthetic(), seed=0, folds=3))


def test_rows_limit_subsamples_by_year_and_outcome_and_is_seeded() -> None:
    data = synthetic()
    a = validation.evaluate(data, seed=0, folds=2, rows_limit=1500, with_leakage=False, models=("baseline",))
    b = validation.evaluate(data, seed=0, folds=2, rows_limit=1500, with_leakage=False, models=("baseline",))
    assert without_timings(a) == without_timings(b)
    assert abs(a["data"]["rows_used"] - 1500) <= 40 and a["data"]["rows_read"] == 3000
    assert a["split"]["test_default_rate"] == pytest.approx(report()["split"]["test_default_rate"], abs=0.02)
    assert a["leakage"] == {"run": False}


def test_cv_can_be_limited_to_some_models() -> None:
    r = validation.evaluate(synthetic(1500, seed=5), folds=2, cv_models=("baseline",), with_leakage=False,
                            models=("challenger", "baseline"))
    assert r["models"]["challenger"]["cv"] == {"run": False}
    assert r["models"]["baseline"]["cv"]["run"]
    assert set(r["models"]) == {"challenger", "baseline"}
    with pytest.raises(ValueError, match="unknown model"):
        validation.evaluate(synthetic(200), models=("forest",))
