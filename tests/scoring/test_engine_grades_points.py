"""The master scale and scorecard points."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bayfin.scoring.engine import grades, points


@pytest.mark.parametrize(("pd", "grade"), [
    (0.0, "AAA"), (0.0049, "AAA"), (0.005, "AA"), (0.0099, "AA"), (0.01, "A"), (0.02, "BBB"), (0.04, "BB"),
    (0.0799, "BB"), (0.08, "B"), (0.15, "CCC"), (0.2499, "CCC"), (0.25, "CC"), (0.40, "C"), (1.0, "C"),
])
def test_each_boundary_belongs_to_the_grade_above_it(pd: float, grade: str) -> None:
    assert grades.grade_of(pd) == grade


@pytest.mark.parametrize("pd", [-0.01, 1.01, float("nan")])
def test_a_probability_outside_zero_to_one_is_refused(pd: float) -> None:
    with pytest.raises(ValueError):
        grades.grade_of(pd)


def test_the_ranges_cover_zero_to_one_without_gaps() -> None:
    rs = grades.ranges()
    assert [r.grade for r in rs] == ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"]
    assert rs[0].pd_from == 0.0 and rs[-1].pd_below == 1.0
    assert all(a.pd_below == b.pd_from for a, b in zip(rs, rs[1:], strict=False))
    assert grades.range_of("BBB").pd_from == 0.02
    with pytest.raises(ValueError):
        grades.range_of("D")


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_higher_pd_never_gets_a_better_grade(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert grades.GRADES.index(grades.grade_of(lo)) <= grades.GRADES.index(grades.grade_of(hi))


def test_the_scaling_is_600_points_at_50_to_1_and_20_to_double() -> None:
    assert points.points_from_pd(1 / 51) == pytest.approx(600)
    assert points.points_from_pd(1 / 101) == pytest.approx(620)
    assert points.points_from_pd(1 / 26) == pytest.approx(580)


@given(st.floats(1e-9, 1 - 1e-9))
def test_points_and_pd_are_inverse(pd: float) -> None:
    assert points.pd_from_points(points.points_from_pd(pd)) == pytest.approx(pd, rel=1e-9, abs=1e-12)


def test_characteristic_points_add_up_to_the_score() -> None:
    intercept, betas, woes = -1.5, [-0.8, -1.1, -0.4], [0.3, -0.7, 1.2]
    logit = intercept + sum(b * w for b, w in zip(betas, woes, strict=True))
    total = sum(points.characteristic_points(w, b, intercept, 3) for b, w in zip(betas, woes, strict=True))
    assert total == pytest.approx(points.points_from_pd(1 / (1 + math.exp(-logit))))


def test_reasons_are_the_characteristics_that_cost_most_against_their_best_bin() -> None:
    got = points.reasons({"sector": 40, "employees": 55, "guarantee": 30, "urban": 20},
                         {"sector": 60, "employees": 55, "guarantee": 45, "urban": 35}, top=2)
    assert [(r.characteristic, r.points_lost) for r in got] == [("sector", 20), ("guarantee", 15)]
    # Ties read in the same order every time; a characteristic at its best bin is no reason.
    tied = points.reasons({"b": 10, "a": 10, "c": 30}, {"b": 20, "a": 20, "c": 30})
    assert [r.characteristic for r in tied] == ["a", "b"]
    with pytest.raises(ValueError):
        points.reasons({"x": 1}, {})
