"""Validation metrics, cross-checked against scikit-learn and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp
from sklearn.metrics import brier_score_loss, roc_auc_score

from bayfin.scoring.engine import grades, metrics


def _data(seed: int, n: int = 2000, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    p = 1.0 / (1.0 + np.exp(-(-1.5 + 1.2 * x)))
    y = (rng.random(n) < p).astype(int)
    if ties:  # a lumpy score, as from a scorecard with few bins
        p = np.round(p, 2)
    return y, p


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_auc_agrees_with_sklearn(seed: int, ties: bool) -> None:
    y, p = _data(seed, ties=ties)
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_auc_with_all_scores_tied_is_one_half() -> None:
    assert metrics.auc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]) == 0.5


def test_auc_of_a_perfect_and_a_reversed_ranking() -> None:
    assert metrics.auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_ks_agrees_with_scipy(seed: int, ties: bool) -> None:
    y, p = _data(seed, ties=ties)
    expected = ks_2samp(p[y == 1], p[y == 0]).statistic
    assert metrics.ks(y, p) == pytest.approx(expected, abs=1e-12)


def test_ks_of_separated_and_identical_scores() -> None:
    assert metrics.ks([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.ks([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_brier_agrees_with_sklearn(seed: int) -> None:
    y, p = _data(seed)
    assert metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-12)


def test_grades_of_agrees_with_grade_of_on_every_boundary() -> None:
    bounds = [upper for _, upper in grades.MASTER_SCALE]
    p = np.array([0.0, 1.0] + bounds + [np.nextafter(b, 0.0) for b in bounds] + list(np.linspace(0, 1, 101)))
    assert list(metrics.grades_of(p)) == [grades.grade_of(float(v)) for v in p]


def test_grades_of_refuses_a_pd_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.grades_of([0.1, 1.2])


def test_calibration_rows_cover_every_loan_in_master_scale_order() -> None:
    y, p = _data(1, n=3000)
    rows = metrics.calibration_by_grade(y, p)
    assert sum(r.n for r in rows) == len(y)
    order = [grades.GRADES.index(r.grade) for r in rows]
    assert order == sorted(order)
    assert all(r.n > 0 for r in rows)
    g = metrics.grades_of(p)
    for r in rows:
        mask = g == r.grade
        assert r.n == int(mask.sum())
        assert r.predicted == pytest.approx(float(p[mask].mean()))
        assert r.observed == pytest.approx(float(y[mask].mean()))
        assert grades.grade_of(r.predicted) == r.grade  # a mean of PDs in a grade stays in it


def test_calibration_omits_empty_grades() -> None:
    rows = metrics.calibration_by_grade([0, 1, 0], [0.001, 0.5, 0.6])
    assert [(r.grade, r.n, r.observed) for r in rows] == [("AAA", 1, 0.0), ("C", 2, 0.5)]
    assert [r.predicted for r in rows] == pytest.approx([0.001, 0.55])


def test_psi_of_identical_samples_is_about_zero() -> None:
    _, p = _data(2)
    assert metrics.psi(p, p) == pytest.approx(0.0, abs=1e-12)
    _, p2 = _data(3)  # another draw from the same population
    assert metrics.psi(p, p2) < 0.1


def test_psi_of_a_shifted_sample_is_a_major_shift() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=5000)
    assert metrics.psi(a, a + 1.0) > 0.25
    assert metrics.psi(a, a + 0.3) > 0.05


def test_psi_with_an_empty_bin_is_finite() -> None:
    a = np.linspace(0.0, 1.0, 1000)
    value = metrics.psi(a, np.full(100, 0.05))  # everything in the first decile
    assert math.isfinite(value) and value > 1.0


def test_psi_on_a_lumpy_score_drops_duplicate_edges() -> None:
    e = np.array([0.1] * 80 + [0.2] * 20)
    assert metrics.psi_edges(e).tolist() == [0.1, 0.2]
    assert metrics.psi(e, e) == pytest.approx(0.0, abs=1e-12)


def test_psi_edges_are_deciles_giving_ten_equal_bins() -> None:
    e = np.arange(1.0, 1001.0)
    inner = metrics.psi_edges(e)
    assert inner.tolist() == [100.0 * k for k in range(1, 10)]
    # (-inf, 100], (100, 200], ..., (900, +inf): 100 values each, so PSI against itself is 0
    assert metrics.psi(e, e) == 0.0
    # moving the bottom decile to the top: two bins 0.1 → ~0 and 0.1 → 0.2
    shifted = np.concatenate([e[100:], e[900:] + 0.5])
    expected = (1e-6 - 0.1) * math.log(1e-6 / 0.1) + (0.2 - 0.1) * math.log(0.2 / 0.1)
    assert metrics.psi(e, shifted) == pytest.approx(expected)


@pytest.mark.parametrize("bins", [1, 0, 2.5, True])
def test_psi_refuses_bad_bins(bins: object) -> None:
    with pytest.raises(ValueError, match="bins"):
        metrics.psi([1.0, 2.0], [1.0, 2.0], bins=bins)  # type: ignore[arg-type]


def test_summary() -> None:
    y, p = _data(5)
    s = metrics.summary(y, p)
    assert set(s) == {"auc", "ks", "brier", "n", "default_rate", "mean_pd"}
    assert s["n"] == len(y)
    assert s["auc"] == pytest.approx(roc_auc_score(y, p))
    assert s["auc"] > 0.7
    assert s["default_rate"] == pytest.approx(y.mean())
    assert s["mean_pd"] == pytest.approx(p.mean())


@pytest.mark.parametrize(("y", "p", "message"), [
    ([0, 1, 0], [0.1, 0.2], "same length"),
    ([0, 1, 2], [0.1, 0.2, 0.3], "0 \\(good\\) and 1"),
    ([0, 1], [0.1, float("nan")], "p holds NaN"),
    ([], [], "y is empty"),
    ([[0, 1]], [[0.1, 0.2]], "one-dimensional"),
    ([0, 1], ["a", "b"], "p must be numbers"),
])
def test_bad_inputs_are_refused_naming_the_problem(y: object, p: object, message: str) -> None:
    for f in (metrics.auc, metrics.ks, metrics.brier, metrics.calibration_by_grade, metrics.summary):
        with pytest.raises(ValueError, match=message):
            f(y, p)


@pytest.mark.parametrize("f", [metrics.auc, metrics.ks])
def test_one_class_only_is_refused(f: object) -> None:
    with pytest.raises(ValueError, match="both defaults and good loans"):
        f([0, 0, 0], [0.1, 0.2, 0.3])  # type: ignore[operator]


@pytest.mark.parametrize("f", [metrics.brier, metrics.calibration_by_grade, metrics.summary])
def test_a_pd_outside_zero_to_one_is_refused(f: object) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        f([0, 1], [0.1, 1.5])  # type: ignore[operator]


def test_boolean_outcomes_are_accepted() -> None:
    assert metrics.auc([False, True], [0.1, 0.9]) == 1.0


@settings(max_examples=200, deadline=None)
@given(st.lists(
    st.tuples(st.booleans(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
    min_size=2, max_size=60,
).filter(lambda rows: len({r[0] for r in rows}) == 2))
def test_auc_of_the_reversed_score_is_its_complement(rows: list[tuple[bool, float]]) -> None:
    y = np.array([r[0] for r in rows], dtype=int)
    p = np.array([r[1] for r in rows])
    assert metrics.auc(y, p) + metrics.auc(y, -p) == pytest.approx(1.0, abs=1e-12)
