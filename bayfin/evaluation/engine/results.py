"""What the rules return: codes and numbers, never sentences.

``bayfin.evaluation.explain`` turns each code and its ``detail`` into a sentence in the
reader's language, so one result reads the same in Chinese, Portuguese and English and
stays reproducible: a stored result is re-explained, never re-computed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from .facts import _jsonable

Status = Literal["qualified", "not_qualified", "undetermined"]
ConditionStatus = Literal["met", "failed", "missing"]

QUALIFIED: Status = "qualified"
NOT_QUALIFIED: Status = "not_qualified"
UNDETERMINED: Status = "undetermined"  # the answer depends on inputs the platform lacks


@dataclass(frozen=True)
class Indicator:
    """One scored indicator.

    ``points`` is ``None`` when an input is missing or the part is judged by experts;
    ``low``/``high`` then give the range the enterprise could reach (equal to
    ``points`` when known). ``value`` is the measured figure (a percentage for ratios,
    a count for IP); ``band`` the lower bound of the band it fell in (same unit), or
    ``None``.
    """

    code: str
    max_points: int
    points: int | None
    low: int
    high: int
    value: Decimal | None = None
    band: Decimal | None = None
    detail: tuple[tuple[str, Any], ...] = ()  # numbers for the explanation, as pairs


@dataclass(frozen=True)
class Condition:
    """One condition. ``changeable`` is False for what effort cannot change (a list status)."""

    code: str
    status: ConditionStatus
    changeable: bool = True
    detail: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Change:
    """One concrete change: ``amount`` more of ``kind`` (RMB for expenses, a count otherwise)."""

    kind: str  # "rd_expense" | "tech_staff" | "class_i_ip" | "class_ii_ip" | ...
    amount: Decimal
    indicator: str  # the indicator or condition it moves
    value_from: Decimal | None
    value_to: Decimal | None
    points_from: int | None
    points_to: int | None
    relative_size: Decimal  # the increase as a share of the current value


@dataclass(frozen=True)
class Advice:
    """A set of changes that together make the enterprise qualify."""

    changes: tuple[Change, ...]
    relative_size: Decimal  # the sum of the changes' relative sizes: the ranking key


@dataclass(frozen=True)
class Result:
    rule_set: str  # "scitech_sme" | "hnte" | "macao_tech"
    version: str
    status: Status
    path: str | None  # how it qualifies: "score", "hnte_certificate", ... (None unless qualified)
    score: int | None  # the total when every part is known
    score_low: int  # the range the total could reach (equal to score when known)
    score_high: int
    pass_mark: int | None
    indicators: tuple[Indicator, ...]
    conditions: tuple[Condition, ...]
    missing: tuple[str, ...]  # input codes the result lacked (declarations, statements, ...)
    advice: tuple[Advice, ...] = ()

    @property
    def qualified(self) -> bool:
        return self.status == QUALIFIED

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))  # type: ignore[no-any-return]
