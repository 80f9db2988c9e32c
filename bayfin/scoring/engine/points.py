"""Scorecard points: the usual scaling of log-odds to points, and reason codes from points.

A score is ``offset + factor · ln(odds)``, with the odds those of a good loan to a bad one.
``factor = pdo / ln 2`` (points to double the odds) and ``offset`` puts ``base_points`` at
``base_odds``. BayFin's scale: 600 points at odds of 50:1, 20 points to double the odds.

A scorecard built on weight of evidence (WOE, ln(good share / bad share) of a bin) and a
logistic regression of the *bad* outcome, ``logit(PD) = intercept + Σ βᵢ·WOEᵢ``, gives each
characteristic its points: ``−(βᵢ·WOEᵢ + intercept / n) · factor + offset / n`` for ``n``
characteristics, so the points add up to the score. (With WOE defined on goods over bads,
the fitted β are negative: more WOE, fewer defaults, more points.)

Reason codes are the characteristics that cost the applicant the most points compared with
the best bin of that characteristic (the adverse-action convention of U.S. scorecards).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Scaling:
    base_points: float = 600.0
    base_odds: float = 50.0  # good : bad
    pdo: float = 20.0  # points to double the odds

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)


BAYFIN_SCALING = Scaling()


def points_from_pd(pd: float, scaling: Scaling = BAYFIN_SCALING) -> float:
    """The score of a probability of default (0 < pd < 1)."""
    if not 0.0 < pd < 1.0:
        raise ValueError(f"a probability of default must be strictly between 0 and 1, not {pd!r}")
    return scaling.offset + scaling.factor * math.log((1.0 - pd) / pd)


def pd_from_points(points: float, scaling: Scaling = BAYFIN_SCALING) -> float:
    """The probability of default of a score (the inverse of ``points_from_pd``)."""
    log_odds = (points - scaling.offset) / scaling.factor
    return 1.0 / (1.0 + math.exp(log_odds))


def characteristic_points(woe: float, beta: float, intercept: float, n: int,
                          scaling: Scaling = BAYFIN_SCALING) -> float:
    """The points one characteristic's bin contributes (they add up to the score)."""
    if n < 1:
        raise ValueError("a scorecard needs at least one characteristic")
    return -(beta * woe + intercept / n) * scaling.factor + scaling.offset / n


@dataclass(frozen=True)
class Reason:
    characteristic: str
    points_lost: float  # compared with the best bin of the characteristic


def reasons(points: Mapping[str, float], best: Mapping[str, float], *, top: int = 4) -> list[Reason]:
    """The characteristics that cost the most points against their best bin, most costly first.

    Only characteristics that cost something are reasons; ties keep the characteristics'
    alphabetical order, so the same applicant always reads the same reasons.
    """
    missing = set(points) - set(best)
    if missing:
        raise ValueError(f"no best bin for {sorted(missing)}")
    lost = [Reason(name, best[name] - value) for name, value in points.items() if best[name] - value > 1e-9]
    lost.sort(key=lambda r: (-r.points_lost, r.characteristic))
    return lost[:top]
