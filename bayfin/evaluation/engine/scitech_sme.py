"""Sci-tech SME (科技型中小企业): the Ministry of Science and Technology's rules.

Source: 《科技型中小企业评价办法》 (国科发政〔2017〕115号), applied as in the 2022
service guidelines (《科技型中小企业评价工作指引》, 2022). Version "2022".

Conditions, all required (codes in brackets; none can be changed by effort, so gap
advice never touches them):

- resident enterprise in the Mainland (``resident_mainland``);
- no more than 500 staff (``staff_limit``), sales no more than RMB 200 million
  (``sales_limit``) and total assets no more than RMB 200 million (``assets_limit``),
  read from the latest complete year;
- not in a restricted or eliminated industry (``restricted_industry``);
- no major safety or quality accident, serious environmental violation, fraud or
  research misconduct (``serious_incident``), and not on the abnormal-operations or
  serious-dishonesty lists (``credit_blacklist``), in the previous and current year.
  These three are self-declared: an unanswered one is a missing input, never assumed.

Score out of 100, from the latest complete year:

- tech staff as a share of employees (``tech_staff_share``, 20 points);
- R&D (``rd``, 50 points): the better of R&D / sales and R&D / total costs;
- IP related to the main products (``ip``, 30 points): one Class I item scores 30,
  otherwise Class II items by count.

Ratios are compared exactly (cross-multiplied in Decimal, never divided and rounded):
29.99% is in the band below 30%, 30% in the 30% band. Shown values are percentages
truncated to two places, so a shown value is never in a higher band than its points.

Qualifies (path ``score``) with a total of at least 60 and a non-zero tech-staff score;
or directly, with the conditions met, by a valid HNTE certificate
(``hnte_certificate``), a national S&T award in the last five years ranked in the top
three (``national_award``), a recognised provincial or ministerial R&D institution
(``provincial_rd_institution``), or having led an international, national or industry
standard in the last five years (``led_standard``). The score path is named when both
hold.

A new year's rules are a new :class:`Rules` (``dataclasses.replace(RULES_2022, ...)``)
and a new ``evaluate_YYYY`` calling :func:`evaluate` with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from . import gaps
from .facts import Declarations, Facts
from .gaps import Position
from .results import (
    NOT_QUALIFIED,
    QUALIFIED,
    UNDETERMINED,
    Advice,
    Condition,
    ConditionStatus,
    Indicator,
    Result,
    Status,
)

RULE_SET = "scitech_sme"

# Bands: (lower bound, points), highest first. Percentages for ratios, counts for IP.
Bands = tuple[tuple[Decimal, int], ...]

TECH_STAFF_BANDS: Bands = (
    (Decimal(30), 20), (Decimal(25), 16), (Decimal(20), 12), (Decimal(15), 8), (Decimal(10), 4),
)
RD_SALES_BANDS: Bands = (
    (Decimal(6), 50), (Decimal(5), 40), (Decimal(4), 30), (Decimal(3), 20), (Decimal(2), 10),
)
RD_COSTS_BANDS: Bands = (
    (Decimal(30), 50), (Decimal(25), 40), (Decimal(20), 30), (Decimal(15), 20), (Decimal(10), 10),
)
CLASS_I_IP_POINTS = 30
CLASS_II_IP_BANDS: Bands = ((Decimal(4), 24), (Decimal(3), 18), (Decimal(2), 12), (Decimal(1), 6))

TECH_STAFF_POINTS = 20
RD_POINTS = 50
IP_POINTS = 30
PASS_MARK = 60
STAFF_LIMIT = 500
SALES_LIMIT = Decimal(200_000_000)
ASSETS_LIMIT = Decimal(200_000_000)

# Every code this rule set emits (the explanations must cover each one).
CONDITION_CODES: tuple[str, ...] = (
    "resident_mainland", "staff_limit", "sales_limit", "assets_limit",
    "restricted_industry", "serious_incident", "credit_blacklist",
)
INDICATOR_CODES: tuple[str, ...] = ("tech_staff_share", "rd", "ip")
PATH_CODES: tuple[str, ...] = (
    "score", "hnte_certificate", "national_award", "provincial_rd_institution", "led_standard",
)
STATEMENTS = "statements"
# The self-declared conditions: condition code -> the declaration it reads (True = failed).
DECLARED_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("restricted_industry", "restricted_industry"),
    ("serious_incident", "serious_incident"),
    ("credit_blacklist", "on_credit_blacklist"),
)
# The declared direct paths: path code -> the declaration it reads (True = qualifies).
DECLARED_PATHS: tuple[tuple[str, str], ...] = (
    ("national_award", "national_award_top3"),
    ("provincial_rd_institution", "provincial_rd_institution"),
    ("led_standard", "led_standard"),
)
MISSING_CODES: tuple[str, ...] = (
    *(field for _, field in DECLARED_CONDITIONS), STATEMENTS, *(field for _, field in DECLARED_PATHS),
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Enough digits that products of any real figures are exact (the default 28 could round).
EXACT_DIGITS = 100


@dataclass(frozen=True)
class Rules:
    """One version's thresholds and band tables."""

    version: str = "2022"
    pass_mark: int = PASS_MARK
    staff_limit: int = STAFF_LIMIT
    sales_limit: Decimal = SALES_LIMIT
    assets_limit: Decimal = ASSETS_LIMIT
    tech_staff_bands: Bands = TECH_STAFF_BANDS
    rd_sales_bands: Bands = RD_SALES_BANDS
    rd_costs_bands: Bands = RD_COSTS_BANDS
    class_i_ip_points: int = CLASS_I_IP_POINTS
    class_ii_ip_bands: Bands = CLASS_II_IP_BANDS


RULES_2022 = Rules()


# --------------------------------------------------------------------------- scoring


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """``part / whole`` as a percentage truncated to two places (for showing, not banding)."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_DOWN)


def ratio_band(part: Decimal | int, whole: Decimal | int, bands: Bands) -> tuple[int, Decimal | None]:
    """Points and band lower bound of the percentage ``part / whole`` (``whole`` > 0), exactly:
    ``part x 100 >= bound x whole``, so no rounding can lift a ratio into a higher band."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        for bound, points in bands:
            if Decimal(part) * HUNDRED >= bound * Decimal(whole):
                return points, bound
    return 0, None


def count_band(count: int, bands: Bands) -> tuple[int, Decimal | None]:
    for bound, points in bands:
        if count >= bound:
            return points, bound
    return 0, None


def tech_staff_indicator(tech_staff: int, employees: int, rules: Rules = RULES_2022) -> Indicator:
    detail: tuple[tuple[str, Any], ...] = (
        ("tech_staff", tech_staff), ("employees", employees), ("lowest_band", rules.tech_staff_bands[-1][0]),
    )
    if employees <= 0:
        return Indicator("tech_staff_share", TECH_STAFF_POINTS, 0, 0, 0, None, None, detail)
    points, band = ratio_band(tech_staff, employees, rules.tech_staff_bands)
    return Indicator("tech_staff_share", TECH_STAFF_POINTS, points, points, points,
                     percent(tech_staff, employees), band, detail)


def rd_indicator(revenue: Decimal | None, rd_expense: Decimal | None, total_costs: Decimal | None,
                 rules: Rules = RULES_2022, *, year: int | None = None) -> Indicator:
    """The better of R&D / sales and R&D / total costs. A ratio over zero is not scored (sales 0:
    only the cost ratio; costs 0: only the sales ratio). ``None`` figures: no statements."""
    if revenue is None or rd_expense is None or total_costs is None:
        return Indicator("rd", RD_POINTS, None, 0, RD_POINTS)
    sales_points, sales_band = ratio_band(rd_expense, revenue, rules.rd_sales_bands) if revenue > 0 else (0, None)
    costs_points, costs_band = (ratio_band(rd_expense, total_costs, rules.rd_costs_bands)
                                if total_costs > 0 else (0, None))
    sales_pct = percent(rd_expense, revenue) if revenue > 0 else None
    costs_pct = percent(rd_expense, total_costs) if total_costs > 0 else None
    # The better ratio wins; on equal points the sales ratio is the one named.
    ratio: str | None
    value: Decimal | None
    band: Decimal | None
    if sales_pct is not None and (costs_pct is None or sales_points >= costs_points):
        ratio, points, value, band = "rd_sales", sales_points, sales_pct, sales_band
    elif costs_pct is not None:
        ratio, points, value, band = "rd_costs", costs_points, costs_pct, costs_band
    else:
        ratio, points, value, band = None, 0, None, None
    detail: tuple[tuple[str, Any], ...] = (
        ("ratio", ratio), ("rd_sales", sales_pct), ("rd_costs", costs_pct),
        ("rd_sales_points", sales_points), ("rd_costs_points", costs_points),
        ("rd_expense", rd_expense), ("revenue", revenue), ("total_costs", total_costs), ("year", year),
    )
    return Indicator("rd", RD_POINTS, points, points, points, value, band, detail)


def ip_indicator(class_i: int, class_ii: int, rules: Rules = RULES_2022) -> Indicator:
    """One Class I item scores the full 30; otherwise Class II items by count."""
    band: Decimal | None
    which: str | None
    if class_i >= 1:
        points, value, band, which = rules.class_i_ip_points, Decimal(class_i), Decimal(1), "i"
    else:
        points, band = count_band(class_ii, rules.class_ii_ip_bands)
        value, which = Decimal(class_ii), ("ii" if class_ii else None)
    detail: tuple[tuple[str, Any], ...] = (("class", which), ("class_i", class_i), ("class_ii", class_ii))
    return Indicator("ip", IP_POINTS, points, points, points, value, band, detail)


def score_position(position: Position, rules: Rules = RULES_2022) -> tuple[Indicator, ...]:
    """The three indicators of a position (what the gap advice changes and re-scores)."""
    return (
        tech_staff_indicator(position.tech_staff, position.employees, rules),
        rd_indicator(position.revenue, position.rd_expense, position.total_costs, rules),
        ip_indicator(position.class_i_ip, position.class_ii_ip, rules),
    )


def passes_score(indicators: tuple[Indicator, ...], rules: Rules = RULES_2022) -> bool:
    """The score path: every part known, a total of at least the pass mark, tech staff > 0."""
    by_code = {i.code: i for i in indicators}
    if any(i.points is None for i in indicators):
        return False
    total = sum(i.points or 0 for i in indicators)
    return total >= rules.pass_mark and (by_code["tech_staff_share"].points or 0) > 0


# --------------------------------------------------------------------------- conditions


def _limit(code: str, actual: Decimal | int | None, limit: Decimal | int, year: int | None = None) -> Condition:
    status: ConditionStatus = "missing" if actual is None else ("met" if actual <= limit else "failed")
    detail: tuple[tuple[str, Any], ...] = (("actual", actual), ("limit", limit))
    if code != "staff_limit":
        detail += (("year", year),)
    return Condition(code, status, changeable=False, detail=detail)


def _declared(code: str, answer: bool | None) -> Condition:
    status: ConditionStatus = "missing" if answer is None else ("failed" if answer else "met")
    return Condition(code, status, changeable=False, detail=(("declared", answer),))


def conditions(facts: Facts, rules: Rules = RULES_2022) -> tuple[Condition, ...]:
    latest = facts.latest
    year = latest.year if latest else None
    declared: Declarations = facts.declarations
    return (
        Condition("resident_mainland", "met" if facts.mainland else "failed", changeable=False,
                  detail=(("mainland", facts.mainland),)),
        _limit("staff_limit", facts.employees, rules.staff_limit),
        _limit("sales_limit", latest.revenue if latest else None, rules.sales_limit, year),
        _limit("assets_limit", latest.total_assets if latest else None, rules.assets_limit, year),
        *(_declared(code, getattr(declared, field)) for code, field in DECLARED_CONDITIONS),
    )


# --------------------------------------------------------------------------- evaluation


def evaluate(facts: Facts, rules: Rules = RULES_2022) -> Result:
    latest = facts.latest
    conds = conditions(facts, rules)
    indicators = (
        tech_staff_indicator(facts.tech_staff, facts.employees, rules),
        rd_indicator(latest.revenue if latest else None, latest.rd_expense if latest else None,
                     latest.total_costs if latest else None, rules, year=latest.year if latest else None),
        ip_indicator(facts.class_i_ip, facts.class_ii_ip, rules),
    )
    known = all(i.points is not None for i in indicators)
    score = sum(i.points or 0 for i in indicators) if known else None
    low, high = sum(i.low for i in indicators), sum(i.high for i in indicators)
    tech_points = indicators[0].points or 0
    by_score = passes_score(indicators, rules)
    score_cannot = high < rules.pass_mark or tech_points == 0

    declared = facts.declarations
    paths: list[tuple[str, bool | None, str | None]] = [("hnte_certificate", facts.hnte_certificate_valid, None)]
    paths += [(code, getattr(declared, field), field) for code, field in DECLARED_PATHS]
    direct = next((code for code, answer, _ in paths if answer), None)

    failed = any(c.status == "failed" for c in conds)
    all_met = all(c.status == "met" for c in conds)

    missing: list[str] = [field for code, field in DECLARED_CONDITIONS
                          if next(c for c in conds if c.code == code).status == "missing"]
    if latest is None:
        missing.append(STATEMENTS)
    if not by_score and direct is None:  # the direct paths are read only while qualification is open
        missing += [field for _, answer, field in paths if answer is None and field]

    status: Status
    path: str | None = None
    if failed or (score_cannot and all(answer is False for _, answer, _ in paths)):
        status = NOT_QUALIFIED
    elif all_met and (by_score or direct):
        status, path = QUALIFIED, ("score" if by_score else direct)
    else:
        status = UNDETERMINED

    advice: tuple[Advice, ...] = ()
    if status != QUALIFIED and not failed and latest is not None:
        position = Position(
            employees=facts.employees, tech_staff=facts.tech_staff,
            class_i_ip=facts.class_i_ip, class_ii_ip=facts.class_ii_ip,
            revenue=latest.revenue, rd_expense=latest.rd_expense, total_costs=latest.total_costs,
        )
        advice = gaps.advise(
            position,
            lambda p: score_position(p, rules),
            lambda indicators: passes_score(indicators, rules),
            max_employees=rules.staff_limit,
        )

    return Result(
        rule_set=RULE_SET, version=rules.version, status=status, path=path,
        score=score, score_low=low, score_high=high, pass_mark=rules.pass_mark,
        indicators=indicators, conditions=conds, missing=tuple(missing), advice=advice,
    )


def evaluate_2022(facts: Facts) -> Result:
    return evaluate(facts, RULES_2022)
