"""Validation metrics for a PD model: discrimination, accuracy, calibration by grade, stability.

Pure numpy, so the platform can compute them at run time without scikit-learn or scipy (the
tests cross-check every one against those libraries).

Conventions, for every function:

* ``y`` is the outcome, 1 for a default (a "bad") and 0 for a good loan; booleans are accepted.
* ``p`` is the model's output. For :func:`auc` and :func:`ks` any real score will do, higher
  meaning riskier (only the order matters); for :func:`brier`, :func:`calibration_by_grade`
  and :func:`summary` it must be a probability of default in [0, 1].
* ``y`` and ``p`` are one-dimensional array-likes of the same, non-zero length, with no NaN
  or infinity; anything else raises ``ValueError`` naming the problem.

What the numbers mean:

* **AUC** — the probability that a random default scores riskier than a random good loan
  (ties count one half); 0.5 is a coin, 1 is perfect. The Gini coefficient is ``2·AUC − 1``.
* **KS** — the largest gap between the cumulative score distributions of the defaults and of
  the good loans, over every threshold; 0 is no separation, 1 is complete.
* **Brier** — the mean squared error of the PD against the 0/1 outcome; lower is better, and
  unlike AUC and KS it punishes a miscalibrated PD as well as a badly ordered one.
* **Calibration by grade** — per master-scale grade (see :mod:`.grades`), the mean predicted
  PD next to the observed default rate.
* **PSI** — the population stability index of a score between a reference sample (the one
  the model was built on) and a recent one. The usual reading: below 0.1 stable, 0.1 to 0.25
  some shift worth watching, above 0.25 a major shift (review or recalibrate the model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bayfin.scoring.engine.grades import GRADES, MASTER_SCALE

# Upper bounds of every grade but the last, as grades.grade_of uses them (a PD equal to a
# bound belongs to the grade above it, hence searchsorted(side="right")).
_UPPERS = np.array([upper for _, upper in MASTER_SCALE[:-1]], dtype=np.float64)
_GRADE_NAMES = np.array(GRADES)

PSI_FLOOR = 1e-6  # share floor in psi(), so an empty bin does not give log(0)


# --- input checks -----------------------------------------------------------------------


def _scores(x: Any, name: str) -> npt.NDArray[np.float64]:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from exc
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return a


def _outcomes(y: Any) -> npt.NDArray[np.int64]:
    a = _scores(y, "y")
    if not np.all((a == 0.0) | (a == 1.0)):
        raise ValueError("y must hold only 0 (good) and 1 (default)")
    return a.astype(np.int64)


def _pair(y: Any, p: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    ya, pa = _outcomes(y), _scores(p, "p")
    if ya.shape != pa.shape:
        raise ValueError(f"y and p must have the same length, not {ya.size} and {pa.size}")
    return ya, pa


def _probabilities(p: npt.NDArray[np.float64], name: str = "p") -> None:
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError(f"{name} must be probabilities in [0, 1]")


def _both_classes(y: npt.NDArray[np.int64], what: str) -> tuple[int, int]:
    n_bad = int(y.sum())
    n_good = int(y.size - n_bad)
    if n_bad == 0 or n_good == 0:
        only = "defaults" if n_good == 0 else "good loans"
        raise ValueError(f"{what} needs both defaults and good loans; y holds only {only}")
    return n_bad, n_good


# --- discrimination and accuracy --------------------------------------------------------


def _average_ranks(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Ranks 1..n of x, tied values sharing the average of their ranks."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # rank of the last member of each group of equal values
    avg = ends - (counts - 1) / 2.0
    return np.asarray(avg[inverse], dtype=np.float64)


def auc(y: Any, p: Any) -> float:
    """ROC AUC by the Mann–Whitney U statistic on average ranks (ties count one half)."""
    ya, pa = _pair(y, p)
    n_bad, n_good = _both_classes(ya, "AUC")
    ranks = _average_ranks(pa)
    u = float(ranks[ya == 1].sum()) - n_bad * (n_bad + 1) / 2.0
    return u / (n_bad * n_good)


def ks(y: Any, p: Any) -> float:
    """Kolmogorov–Smirnov statistic: max |F_default(t) − F_good(t)| over every threshold t.

    The empirical CDFs are evaluated at every distinct score (``F(t)`` = share with score
    ≤ t), so tied scores move both curves together, as in scipy's two-sample KS.
    """
    ya, pa = _pair(y, p)
    _both_classes(ya, "KS")
    bad, good = np.sort(pa[ya == 1]), np.sort(pa[ya == 0])
    t = np.unique(pa)
    cdf_bad = np.searchsorted(bad, t, side="right") / bad.size
    cdf_good = np.searchsorted(good, t, side="right") / good.size
    return float(np.max(np.abs(cdf_bad - cdf_good)))


def brier(y: Any, p: Any) -> float:
    """Brier score: the mean of (p − y)², with p a probability of default."""
    ya, pa = _pair(y, p)
    _probabilities(pa)
    return float(np.mean((pa - ya) ** 2))


# --- calibration by grade ---------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationRow:
    grade: str
    n: int  # loans in the grade
    predicted: float  # mean PD of those loans
    observed: float  # their default rate


def grades_of(p: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The master-scale grade of each PD, vectorised; the same answer as grades.grade_of."""
    pa = _scores(p, "p")
    _probabilities(pa)
    return np.asarray(_GRADE_NAMES[np.searchsorted(_UPPERS, pa, side="right")])


def calibration_by_grade(y: Any, p: Any) -> list[CalibrationRow]:
    """Predicted PD against observed default rate per grade, best grade first; empty grades omitted."""
    ya, pa = _pair(y, p)
    _probabilities(pa)
    idx = np.searchsorted(_UPPERS, pa, side="right")
    k = len(GRADES)
    n = np.bincount(idx, minlength=k)
    sum_p = np.bincount(idx, weights=pa, minlength=k)
    sum_y = np.bincount(idx, weights=ya.astype(np.float64), minlength=k)
    return [
        CalibrationRow(GRADES[i], int(n[i]), float(sum_p[i] / n[i]), float(sum_y[i] / n[i]))
        for i in range(k)
        if n[i] > 0
    ]


# --- stability --------------------------------------------------------------------------


def psi_edges(expected: Any, bins: int = 10) -> npt.NDArray[np.float64]:
    """The inner bin edges psi() uses: the distinct quantiles of ``expected`` at 1/bins, 2/bins, …

    Empirical quantiles (the smallest value with at least that share at or below it).
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer of at least 2, not {bins!r}")
    e = _scores(expected, "expected")
    # inverted_cdf: each edge is a value of the sample (no interpolated edge between two
    # points of a lumpy score), and with bins closed on the right the first holds ⌈n/bins⌉.
    inner = np.quantile(e, np.arange(1, bins) / bins, method="inverted_cdf")
    return np.unique(inner)


def psi(expected: Any, actual: Any, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (the reference sample).

    ``Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)`` over bins whose edges are the deciles (for ``bins=10``) of
    ``expected``, duplicates dropped (a lumpy score gives fewer bins), with −∞ and +∞ as the
    outer edges so every value of ``actual`` falls in a bin. Bins are closed on the right:
    (edgeᵢ, edgeᵢ₊₁]. Shares are floored at 1e-6 so an empty bin counts as a large but finite
    shift instead of an infinite one. The two samples may differ in size.

    Reading: < 0.1 stable; 0.1–0.25 some shift, worth watching; > 0.25 major shift.
    """
    inner = psi_edges(expected, bins)
    e = _scores(expected, "expected")
    a = _scores(actual, "actual")
    k = inner.size + 1
    e_share = np.bincount(np.searchsorted(inner, e, side="left"), minlength=k) / e.size
    a_share = np.bincount(np.searchsorted(inner, a, side="left"), minlength=k) / a.size
    e_share = np.maximum(e_share, PSI_FLOOR)
    a_share = np.maximum(a_share, PSI_FLOOR)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


# --- summary ----------------------------------------------------------------------------


def summary(y: Any, p: Any) -> dict[str, float | int]:
    """The headline numbers of a validation: auc, ks, brier, n, default_rate, mean_pd."""
    ya, pa = _pair(y, p)
    _probabilities(pa)
    return {
        "auc": auc(ya, pa),
        "ks": ks(ya, pa),
        "brier": brier(ya, pa),
        "n": int(ya.size),
        "default_rate": float(ya.mean()),
        "mean_pd": float(pa.mean()),
    }
