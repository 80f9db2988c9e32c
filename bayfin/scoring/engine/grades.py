"""The master scale: one fixed mapping from probability of default to a grade, for every model.

Nine grades, each a half-open PD range [lower, upper). The scale is the platform's own,
calibrated for small-business lending, where the default rates of whole portfolios run from
a few per cent to over 20 % (the SBA 7(a) file charges off 17.6 % of its loans), so most
of the resolution sits between 1 % and 40 %:

| Grade | PD from | PD below |
| --- | --- | --- |
| AAA | 0 | 0.5 % |
| AA | 0.5 % | 1 % |
| A | 1 % | 2 % |
| BBB | 2 % | 4 % |
| BB | 4 % | 8 % |
| B | 8 % | 15 % |
| CCC | 15 % | 25 % |
| CC | 25 % | 40 % |
| C | 40 % | 100 % |

BBB and better are "investment grade" in the usual sense of the letters; the boundaries
roughly double from grade to grade, so one grade is about twice the risk of the one above.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

# (grade, upper bound of its PD range, exclusive); the last range ends at 1 inclusive.
MASTER_SCALE: tuple[tuple[str, float], ...] = (
    ("AAA", 0.005),
    ("AA", 0.01),
    ("A", 0.02),
    ("BBB", 0.04),
    ("BB", 0.08),
    ("B", 0.15),
    ("CCC", 0.25),
    ("CC", 0.40),
    ("C", 1.0),
)
GRADES = tuple(g for g, _ in MASTER_SCALE)
_UPPERS = [upper for _, upper in MASTER_SCALE[:-1]]


@dataclass(frozen=True)
class GradeRange:
    grade: str
    pd_from: float
    pd_below: float  # 1.0 for the last grade, whose range includes 1


def grade_of(pd: float) -> str:
    """The grade of a probability of default in [0, 1]."""
    if not 0.0 <= pd <= 1.0 or pd != pd:  # also refuses NaN
        raise ValueError(f"a probability of default must be in [0, 1], not {pd!r}")
    return GRADES[bisect_right(_UPPERS, pd)]


def ranges() -> list[GradeRange]:
    """Each grade with its PD range, best first (for the card and the pages)."""
    out, lower = [], 0.0
    for grade, upper in MASTER_SCALE:
        out.append(GradeRange(grade, lower, upper))
        lower = upper
    return out


def range_of(grade: str) -> GradeRange:
    for r in ranges():
        if r.grade == grade:
            return r
    raise ValueError(f"unknown grade {grade!r}")
