"""What the rules return: codes and numbers, never sentences.

``bayfin.evaluation.explain`` turns each code and its ``detail`` into a sentence in the
reader's language, so one result reads the same in Chinese, Portuguese and English and
stays reproducible: a stored result is re-explained, never re-computed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Indicator:
        return cls(
            code=data["code"], max_points=data["max_points"], points=data["points"],
            low=data["low"], high=data["high"], value=_decimal(data["value"]), band=_decimal(data["band"]),
            detail=_detail(data.get("detail", ())),
        )


@dataclass(frozen=True)
class Condition:
    """One condition. ``changeable`` is False for what effort cannot change (a list status)."""

    code: str
    status: ConditionStatus
    changeable: bool = True
    detail: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        return cls(code=data["code"], status=data["status"], changeable=data["changeable"],
                   detail=_detail(data.get("detail", ())))


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
    detail: tuple[tuple[str, Any], ...] = ()  # numbers for the explanation, as pairs

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            kind=data["kind"], amount=Decimal(data["amount"]), indicator=data["indicator"],
            value_from=_decimal(data["value_from"]), value_to=_decimal(data["value_to"]),
            points_from=data["points_from"], points_to=data["points_to"],
            relative_size=Decimal(data["relative_size"]), detail=_detail(data.get("detail", ())),
        )


@dataclass(frozen=True)
class Advice:
    """A set of changes that together make the enterprise qualify."""

    changes: tuple[Change, ...]
    relative_size: Decimal  # the sum of the changes' relative sizes: the ranking key

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Advice:
        return cls(changes=tuple(Change.from_json(c) for c in data["changes"]),
                   relative_size=Decimal(data["relative_size"]))


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
        return _jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """The exact inverse of :meth:`to_json` (also after a trip through ``json``).

        Typed fields come back by their type (Decimals as Decimal, lists as tuples). In
        ``detail`` a string shaped like a decimal number (as ``str(Decimal)`` writes it)
        comes back as a Decimal: so ``detail`` holds numbers, booleans, ``None`` and codes
        (lowercase words), never text that looks like a number.
        """
        return cls(
            rule_set=data["rule_set"], version=data["version"], status=cast(Status, data["status"]),
            path=data["path"], score=data["score"], score_low=data["score_low"],
            score_high=data["score_high"], pass_mark=data["pass_mark"],
            indicators=tuple(Indicator.from_json(i) for i in data["indicators"]),
            conditions=tuple(Condition.from_json(c) for c in data["conditions"]),
            missing=tuple(data["missing"]),
            advice=tuple(Advice.from_json(a) for a in data.get("advice", ())),
        )


# What str(Decimal) writes for a finite number: 12, -0.50, 1E+3, 0E-8.
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?(E[+-]\d+)?")


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _detail_value(value: Any) -> Any:
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    if isinstance(value, list | tuple):
        return tuple(_detail_value(v) for v in value)
    return value


def _detail(pairs: Sequence[Sequence[Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple((str(key), _detail_value(value)) for key, value in pairs)
