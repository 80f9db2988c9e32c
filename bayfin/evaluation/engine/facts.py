"""What the evaluation rules read: plain, immutable data, every amount in RMB.

The platform builds ``Facts`` from the enterprise's profile, statements, IP,
certifications and self-declared answers (converting amounts to RMB through the
exchange-rate service before it gets here); the engine never looks anything up.

A declared answer is ``None`` until the enterprise has answered it: the rules report
an unanswered question as a missing input and never assume an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

# The eight high-tech fields supported by the HNTE rules (国家重点支持的高新技术领域).
HNTE_FIELDS: tuple[str, ...] = (
    "electronic_information",
    "biomedicine",
    "aerospace",
    "new_materials",
    "high_tech_services",
    "new_energy",
    "resources_environment",
    "advanced_manufacturing",
)
# The answer for "our core technology is in none of the eight fields".
NO_HNTE_FIELD = "none"


@dataclass(frozen=True)
class YearFigures:
    """One financial year's figures, in RMB."""

    year: int
    revenue: Decimal
    rd_expense: Decimal
    total_costs: Decimal
    total_assets: Decimal
    net_assets: Decimal


@dataclass(frozen=True)
class Declarations:
    """Self-declared answers (``None`` = not answered). Shares are percentages 0-100."""

    # Sci-tech SME conditions (previous and current year) and HNTE's "year before".
    restricted_industry: bool | None = None
    serious_incident: bool | None = None  # major safety/quality accident, serious environmental violation, fraud, research misconduct
    on_credit_blacklist: bool | None = None  # abnormal-operations or serious-dishonesty list
    # Sci-tech SME direct paths (last five years where the rules say so).
    national_award_top3: bool | None = None
    provincial_rd_institution: bool | None = None
    led_standard: bool | None = None
    # HNTE.
    hnte_field: str | None = None  # one of HNTE_FIELDS or NO_HNTE_FIELD
    high_tech_income_share: Decimal | None = None
    rd_in_china_share: Decimal | None = None
    # Macao technology enterprise.
    macao_scitech_main_business: bool | None = None
    macao_tier: str | None = None  # "potential" | "growth" | "key": the tier applied for

    def answered(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


DECLARATION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Declarations))
MACAO_TIERS: tuple[str, ...] = ("potential", "growth", "key")


@dataclass(frozen=True)
class Facts:
    as_of: date
    jurisdiction: str
    mainland: bool  # resident enterprise in the Mainland
    macao: bool  # registered and operating in Macao
    founding_date: date
    employees: int
    tech_staff: int
    class_i_ip: int
    class_ii_ip: int
    years: tuple[YearFigures, ...] = ()  # sorted oldest first; only complete years
    hnte_certificate_valid: bool = False  # a valid HNTE certificate on as_of
    declarations: Declarations = field(default_factory=Declarations)

    @property
    def latest(self) -> YearFigures | None:
        return self.years[-1] if self.years else None

    @property
    def months_operating(self) -> int:
        d, f = self.as_of, self.founding_date
        return (d.year - f.year) * 12 + (d.month - f.month) - (1 if d.day < f.day else 0)

    def to_json(self) -> dict[str, Any]:
        """The inputs as recorded with every result (decimals and dates as strings)."""
        return _jsonable(self)  # type: ignore[no-any-return]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _jsonable(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists, Decimals and dates as strings.

    Walks the dataclasses directly with their field names cached (``dataclasses.asdict``
    deep-copies everything first and is about half as fast, which shows when the nightly
    run stores thousands of results)."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    if kind is dict:
        return {k: _jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | date):
        return str(value)
    return value
