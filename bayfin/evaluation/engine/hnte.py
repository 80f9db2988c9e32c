"""High and new technology enterprise (高新技术企业): a pre-check by the 2016 rules.

Sources: 《高新技术企业认定管理办法》(国科发火〔2016〕32号) articles 2 and 11, and
《高新技术企业认定管理工作指引》(国科发火〔2016〕195号).

The certificate is granted after an expert review; the platform checks what it can and
reports the rest as missing, with the range the enterprise could reach. "Qualified"
means: passes every condition and the innovation score is surely above 70. The
transformation of results and the R&D management parts of the score are judged by the
experts and not held by the platform, so in practice the result is ``undetermined``
(the conditions hold and the score range straddles 70) or ``not_qualified`` (a
condition fails, or even the top of the range is 70 or less).

Conditions (codes), in the order they are reported:

- ``mainland_resident``: a resident enterprise registered in the Mainland (art. 2; Hong
  Kong, Macao and Taiwan excluded).
- ``registered_one_year``: registered at least one year (art. 11(1)).
- ``core_ip``: owns at least one IP item playing a core role (art. 11(2)).
- ``hnte_field``: the core technology is in one of the eight supported fields (art. 11(3)).
- ``tech_staff_share``: S&T staff at least 10% of employees (art. 11(4)).
- ``rd_intensity``: R&D over the last three accounting years at least 5% / 4% / 3% of
  sales over the same years, by the latest year's sales up to RMB 50 million / up to
  RMB 200 million / above; an enterprise registered less than three years counts the
  years it has (art. 11(5)).
- ``rd_in_china``: at least 60% of that R&D spent in China (art. 11(5)).
- ``high_tech_income``: high-tech income at least 60% of total income (art. 11(6)).
- ``no_major_incident``: no major safety or quality accident or serious environmental
  violation in the year before (art. 11(8)).

Innovation score (art. 11(7); guidelines, section on 企业创新能力评价), above 70 of 100:
``ip`` (30), ``transformation`` (30), ``rd_management`` (20), ``growth`` (20).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from .facts import HNTE_FIELDS, Facts, YearFigures
from .results import (
    NOT_QUALIFIED,
    QUALIFIED,
    UNDETERMINED,
    Advice,
    Change,
    Condition,
    ConditionStatus,
    Indicator,
    Result,
    Status,
)

RULE_SET = "hnte"

# --------------------------------------------------------------------------- rule data

MIN_MONTHS_2016 = 12
TECH_STAFF_MIN_2016 = Decimal("10")  # percent of employees
# (latest year's sales up to and including, required R&D / sales in percent); None = above.
RD_INTENSITY_2016: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("50000000"), Decimal("5")),
    (Decimal("200000000"), Decimal("4")),
    (None, Decimal("3")),
)
RD_YEARS_2016 = 3
RD_IN_CHINA_MIN_2016 = Decimal("60")
HIGH_TECH_INCOME_MIN_2016 = Decimal("60")
PASS_MARK_2016 = 71  # "above 70"

# IP (30): the quantity part (8) is counted; the rest is judged by the experts.
# Class I items: at least one -> 7-8; otherwise Class II items (at least n -> low-high).
IP_CLASS_I_2016 = (7, 8)
IP_CLASS_II_2016: tuple[tuple[int, int, int], ...] = ((5, 5, 6), (3, 3, 4), (1, 1, 2))
# The judged parts with IP held, as (low, high): technical advancement (A-E: 0-8), core
# support of the main products (0-8), how the IP was obtained (self-developed 1-6, only
# transferred, donated or acquired 1-3), and the standards bonus (0-2; the IP total stays
# at most 30).
IP_JUDGED_2016: tuple[tuple[int, int], ...] = ((0, 8), (0, 8), (1, 6), (0, 2))
IP_MAX_2016 = 30
TRANSFORMATION_MAX_2016 = 30
RD_MANAGEMENT_MAX_2016 = 20
GROWTH_PART_MAX_2016 = 10  # net assets 10 + sales 10
# (lower bound in percent, bound included, low, high); below the last band 0 points.
GROWTH_BANDS_2016: tuple[tuple[Decimal, bool, int, int], ...] = (
    (Decimal("35"), True, 9, 10),
    (Decimal("25"), True, 7, 8),
    (Decimal("15"), True, 5, 6),
    (Decimal("5"), True, 3, 4),
    (Decimal("0"), False, 1, 2),
)
GROWTH_YEARS_2016 = 3

# Input codes the platform does not hold (judged by the experts).
MISSING_IP_QUALITY = "hnte_ip_quality"
MISSING_TRANSFORMATION = "hnte_transformation"
MISSING_RD_MANAGEMENT = "hnte_rd_management"

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
RELATIVE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class HnteRules:
    """One version's thresholds and bands; a new year's rules override what changed."""

    version: str
    pass_mark: int = PASS_MARK_2016
    min_months: int = MIN_MONTHS_2016
    tech_staff_min: Decimal = TECH_STAFF_MIN_2016
    rd_intensity: tuple[tuple[Decimal | None, Decimal], ...] = RD_INTENSITY_2016
    rd_years: int = RD_YEARS_2016
    rd_in_china_min: Decimal = RD_IN_CHINA_MIN_2016
    high_tech_income_min: Decimal = HIGH_TECH_INCOME_MIN_2016
    fields: tuple[str, ...] = HNTE_FIELDS
    ip_class_i: tuple[int, int] = IP_CLASS_I_2016
    ip_class_ii: tuple[tuple[int, int, int], ...] = IP_CLASS_II_2016
    ip_judged: tuple[tuple[int, int], ...] = IP_JUDGED_2016
    ip_max: int = IP_MAX_2016
    transformation_max: int = TRANSFORMATION_MAX_2016
    rd_management_max: int = RD_MANAGEMENT_MAX_2016
    growth_part_max: int = GROWTH_PART_MAX_2016
    growth_bands: tuple[tuple[Decimal, bool, int, int], ...] = GROWTH_BANDS_2016
    growth_years: int = GROWTH_YEARS_2016


RULES_2016 = HnteRules(version="2016")


def evaluate_2016(facts: Facts) -> Result:
    return evaluate(facts, RULES_2016)


# --------------------------------------------------------------------------- helpers


def percent(part: Fraction) -> Decimal:
    """A ratio as a percentage with two decimals, rounded down (so 4.999% shows as 4.99%,
    never as a 5.00% that fails)."""
    return (Decimal(part.numerator) * HUNDRED / Decimal(part.denominator)).quantize(CENT, rounding=ROUND_FLOOR)


def relative(increase: Decimal, current: Decimal) -> Decimal:
    """The increase as a share of the current value; a zero current value counts as one unit."""
    base = current if current > 0 else Decimal(1)
    return (increase / base).quantize(RELATIVE_PLACES)


def met_on(founding: date, months: int) -> date:
    """The first day on which ``Facts.months_operating`` reaches ``months``."""
    total = founding.month - 1 + months
    year, month = founding.year + total // 12, total % 12 + 1
    try:
        return date(year, month, founding.day)
    except ValueError:  # no such day in that month (29 February, 31st): the next month's first
        return date(year + month // 12, month % 12 + 1, 1)


def share_at_least(part: int, whole: int, minimum: Decimal) -> bool:
    return whole > 0 and Fraction(part, whole) * 100 >= Fraction(minimum)


def hires_needed(tech_staff: int, employees: int, minimum: Decimal) -> int:
    """The fewest tech-staff hires x with (t + x) / (e + x) >= minimum (hires are employees too)."""
    x = 0
    m = Fraction(minimum) / 100
    if m >= 1:
        raise ValueError("a share of 100% or more cannot be reached by hiring")
    if not share_at_least(tech_staff, employees, minimum):
        # (t + x) >= m (e + x)  <=>  x >= (m e - t) / (1 - m)
        bound = (m * employees - tech_staff) / (1 - m)
        x = max(1, -(-bound.numerator // bound.denominator))
    return x


def rd_years_used(facts: Facts, rules: HnteRules) -> tuple[tuple[YearFigures, ...], str | None]:
    """The accounting years R&D intensity is measured over, or the missing input code.

    The last three complete years; an enterprise registered less than three years counts
    the years it has. An older enterprise with fewer years on the platform lacks them.
    """
    years = facts.years[-rules.rd_years:]
    if not years:
        return (), "statements"
    if len(years) < rules.rd_years and facts.months_operating >= 12 * rules.rd_years:
        return (), "statements_3y"
    return years, None


def rd_threshold(latest_sales: Decimal, rules: HnteRules) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(required percent, tier's lower bound exclusive, tier's upper bound inclusive)."""
    lower: Decimal | None = None
    for upper, required in rules.rd_intensity:
        if upper is None or latest_sales <= upper:
            return required, lower, upper
        lower = upper
    raise ValueError("the R&D intensity table has no open top tier")


def rd_increase_needed(years: tuple[YearFigures, ...], rules: HnteRules) -> Decimal:
    """The least whole-RMB R&D added to the latest year that makes the ratio reach the threshold."""
    rd = sum((y.rd_expense for y in years), Decimal(0))
    sales = sum((y.revenue for y in years), Decimal(0))
    required, _, _ = rd_threshold(years[-1].revenue, rules)
    gap = Fraction(required) / 100 * Fraction(sales) - Fraction(rd)
    if gap <= 0:
        return Decimal(0)
    x = (Decimal(gap.numerator) / Decimal(gap.denominator)).to_integral_value(rounding=ROUND_CEILING)
    while Fraction(rd + x) * 100 < Fraction(required) * Fraction(sales):  # verify on the exact ratio
        x += 1
    return x


def ratio(part: Decimal, whole: Decimal) -> Fraction:
    return Fraction(part) / Fraction(whole)


# --------------------------------------------------------------------------- conditions


def _condition(code: str, ok: bool | None, changeable: bool = True, **detail: Any) -> Condition:
    status: ConditionStatus = "missing" if ok is None else ("met" if ok else "failed")
    return Condition(code, status, changeable, tuple(detail.items()))


def _declared_share(code: str, value: Decimal | None, minimum: Decimal) -> Condition:
    if value is None:
        return _condition(code, None, required=minimum)
    return _condition(code, value >= minimum, share=value, required=minimum)


def conditions(facts: Facts, rules: HnteRules) -> tuple[tuple[Condition, ...], list[str]]:
    """The conditions and the input codes they lacked."""
    d = facts.declarations
    missing: list[str] = []
    out: list[Condition] = [
        _condition("mainland_resident", facts.mainland, changeable=False, mainland=facts.mainland),
        _condition(
            "registered_one_year", facts.months_operating >= rules.min_months, changeable=False,
            months=facts.months_operating, required=rules.min_months,
            met_on=met_on(facts.founding_date, rules.min_months),
        ),
        _condition("core_ip", facts.class_i_ip + facts.class_ii_ip >= 1,
                   class_i=facts.class_i_ip, class_ii=facts.class_ii_ip),
    ]
    if d.hnte_field is None:
        out.append(_condition("hnte_field", None, changeable=False))
        missing.append("hnte_field")
    else:
        out.append(_condition("hnte_field", d.hnte_field in rules.fields, changeable=False, field=d.hnte_field))

    share = percent(Fraction(facts.tech_staff, facts.employees)) if facts.employees > 0 else Decimal(0)
    out.append(_condition(
        "tech_staff_share", share_at_least(facts.tech_staff, facts.employees, rules.tech_staff_min),
        tech_staff=facts.tech_staff, employees=facts.employees, share=share, required=rules.tech_staff_min,
    ))

    years, lacking = rd_years_used(facts, rules)
    if lacking:
        out.append(_condition("rd_intensity", None, years_available=len(facts.years)))
        missing.append(lacking)
    else:
        rd = sum((y.rd_expense for y in years), Decimal(0))
        sales = sum((y.revenue for y in years), Decimal(0))
        required, lower, upper = rd_threshold(years[-1].revenue, rules)
        tier: dict[str, Any] = {"required": required, "tier_above": lower, "tier_up_to": upper,
                "latest_sales": years[-1].revenue, "rd_total": rd, "sales_total": sales,
                "years": tuple(y.year for y in years)}
        if sales <= 0:  # no sales to measure R&D against: more R&D cannot fix it
            out.append(_condition("rd_intensity", False, changeable=False, ratio=None, **tier))
        else:
            exact = ratio(rd, sales) * 100
            out.append(_condition("rd_intensity", exact >= Fraction(required), ratio=percent(ratio(rd, sales)), **tier))

    for code, field_name, value, minimum in (
        ("rd_in_china", "rd_in_china_share", d.rd_in_china_share, rules.rd_in_china_min),
        ("high_tech_income", "high_tech_income_share", d.high_tech_income_share, rules.high_tech_income_min),
    ):
        out.append(_declared_share(code, value, minimum))
        if value is None:
            missing.append(field_name)

    if d.serious_incident is None:
        missing.append("serious_incident")
        out.append(_condition("no_major_incident", None, changeable=False))
    else:
        out.append(_condition("no_major_incident", not d.serious_incident, changeable=False,
                              serious_incident=d.serious_incident))
    return tuple(out), missing


# --------------------------------------------------------------------------- score


def _indicator(code: str, max_points: int, low: int, high: int, *, value: Decimal | None = None,
               band: Decimal | None = None, **detail: Any) -> Indicator:
    return Indicator(code, max_points, low if low == high else None, low, high, value, band, tuple(detail.items()))


def ip_quantity(class_i: int, class_ii: int, rules: HnteRules) -> tuple[int, int]:
    if class_i >= 1:
        return rules.ip_class_i
    for at_least, low, high in rules.ip_class_ii:
        if class_ii >= at_least:
            return low, high
    return 0, 0


def ip_indicator(facts: Facts, rules: HnteRules) -> tuple[Indicator, list[str]]:
    count = facts.class_i_ip + facts.class_ii_ip
    q_low, q_high = ip_quantity(facts.class_i_ip, facts.class_ii_ip, rules)
    if count == 0:  # nothing for the experts to judge: the whole indicator is 0
        return _indicator("ip", rules.ip_max, 0, 0, value=Decimal(0), class_i=0, class_ii=0,
                          quantity_low=0, quantity_high=0), []
    low = min(rules.ip_max, q_low + sum(lo for lo, _ in rules.ip_judged))
    high = min(rules.ip_max, q_high + sum(hi for _, hi in rules.ip_judged))
    return _indicator("ip", rules.ip_max, low, high, value=Decimal(count), class_i=facts.class_i_ip,
                      class_ii=facts.class_ii_ip, quantity_low=q_low, quantity_high=q_high), [MISSING_IP_QUALITY]


def growth_rate(y1: Decimal, y2: Decimal, y3: Decimal) -> tuple[Fraction | None, str]:
    """The guidelines' growth rate ½(Y2/Y1 + Y3/Y2) − 1 and the rule applied.

    A first year of 0 (or less) counts the later two years only (Y3/Y2 − 1); a second
    year of 0 (or less, where the ratios mean nothing) scores 0 (rate ``None``).
    """
    if y2 <= 0:
        return None, "year2_zero"
    if y1 <= 0:
        return ratio(y3, y2) - 1, "later_two_years"
    return (ratio(y2, y1) + ratio(y3, y2)) / 2 - 1, "three_years"


def growth_band(rate: Fraction | None, rules: HnteRules) -> tuple[Decimal | None, int, int]:
    """(band's lower bound in percent, low, high); a negative or zero rate scores 0."""
    if rate is not None:
        pct = rate * 100
        for bound, inclusive, low, high in rules.growth_bands:
            if pct > Fraction(bound) or (inclusive and pct == Fraction(bound)):
                return bound, low, high
    return None, 0, 0


def growth_indicator(facts: Facts, rules: HnteRules) -> tuple[Indicator, list[str]]:
    top = 2 * rules.growth_part_max
    years = facts.years[-rules.growth_years:]
    if len(years) < rules.growth_years:
        return _indicator("growth", top, 0, top, years_available=len(facts.years)), ["statements_3y"]
    detail: dict[str, Any] = {"years": tuple(y.year for y in years)}
    low = high = 0
    for part, figures in (("net_assets", [y.net_assets for y in years]), ("sales", [y.revenue for y in years])):
        rate, rule = growth_rate(*figures)
        band, lo, hi = growth_band(rate, rules)
        detail.update({f"{part}_rate": None if rate is None else percent(rate), f"{part}_rule": rule,
                       f"{part}_band": band, f"{part}_low": lo, f"{part}_high": hi})
        low, high = low + lo, high + hi
    return _indicator("growth", top, low, high, **detail), []


def indicators(facts: Facts, rules: HnteRules) -> tuple[tuple[Indicator, ...], list[str]]:
    ip, missing = ip_indicator(facts, rules)
    growth, growth_missing = growth_indicator(facts, rules)
    judged = (
        _indicator("transformation", rules.transformation_max, 0, rules.transformation_max),
        _indicator("rd_management", rules.rd_management_max, 0, rules.rd_management_max),
    )
    return (ip, *judged, growth), [*missing, MISSING_TRANSFORMATION, MISSING_RD_MANAGEMENT, *growth_missing]


# --------------------------------------------------------------------------- status and advice


def decide(conds: tuple[Condition, ...], score_low: int, score_high: int, pass_mark: int) -> tuple[Status, str | None]:
    """Any failed condition, or a top of the range below the pass mark: not qualified.
    Every condition met and the bottom of the range at the pass mark: qualified."""
    if any(c.status == "failed" for c in conds) or score_high < pass_mark:
        return NOT_QUALIFIED, None
    if all(c.status == "met" for c in conds) and score_low >= pass_mark:
        return QUALIFIED, "pre_check"
    return UNDETERMINED, None


def advice(facts: Facts, conds: tuple[Condition, ...], rules: HnteRules) -> tuple[Advice, ...]:
    """One set of minimal changes fixing every failed condition, when effort can fix them all."""
    failed = [c for c in conds if c.status == "failed"]
    if not failed or not all(c.changeable for c in failed):
        return ()
    changes: list[Change] = []
    for c in failed:
        changes.append(_change(facts, c, rules))
    return (Advice(tuple(changes), sum((ch.relative_size for ch in changes), Decimal(0))),)


def _change(facts: Facts, c: Condition, rules: HnteRules) -> Change:
    detail = dict(c.detail)
    if c.code == "tech_staff_share":
        hires = hires_needed(facts.tech_staff, facts.employees, rules.tech_staff_min)
        after = percent(Fraction(facts.tech_staff + hires, facts.employees + hires))
        return Change("tech_staff", Decimal(hires), c.code, detail["share"], after, None, None,
                      relative(Decimal(hires), Decimal(facts.tech_staff)))
    if c.code == "rd_intensity":
        years, _ = rd_years_used(facts, rules)
        more = rd_increase_needed(years, rules)
        after = percent(ratio(detail["rd_total"] + more, detail["sales_total"]))
        return Change("rd_expense", more, c.code, detail["ratio"], after, None, None,
                      relative(more, years[-1].rd_expense))
    if c.code == "core_ip":
        return Change("ip_item", Decimal(1), c.code, Decimal(0), Decimal(1), None, None, relative(Decimal(1), Decimal(0)))
    if c.code in ("rd_in_china", "high_tech_income"):
        current, required = detail["share"], detail["required"]
        return Change(f"{c.code}_share", required - current, c.code, current, required, None, None,
                      relative(required - current, current))
    raise ValueError(f"no change fixes {c.code}")  # pragma: no cover - every changeable condition is above


# --------------------------------------------------------------------------- the rule set


def evaluate(facts: Facts, rules: HnteRules) -> Result:
    conds, missing = conditions(facts, rules)
    inds, score_missing = indicators(facts, rules)
    low = sum(i.low for i in inds)
    high = sum(i.high for i in inds)
    known = all(i.points is not None for i in inds)
    status, path = decide(conds, low, high, rules.pass_mark)
    return Result(
        rule_set=RULE_SET,
        version=rules.version,
        status=status,
        path=path,
        score=low if known else None,
        score_low=low,
        score_high=high,
        pass_mark=rules.pass_mark,
        indicators=inds,
        conditions=conds,
        missing=tuple(dict.fromkeys([*missing, *score_missing])),
        advice=advice(facts, conds, rules) if status == NOT_QUALIFIED else (),
    )
