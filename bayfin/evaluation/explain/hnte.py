"""The HNTE pre-check's codes as sentences (国科发火〔2016〕32号 and its 2016 guidelines).

Each function receives a result part's ``detail`` as a dict (plus, for indicators and
changes, the object's own fields), either fresh from the engine or read back from a
stored result's JSON (numbers and dates as strings), and names the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ._format import day as _day
from ._format import dec as _dec
from ._format import num as _num
from ._format import pct
from ._format import rmb as _rmb


def _pct(value: Any) -> str:
    return pct(value, None)

Explainer = Callable[[dict[str, Any]], str]


# --------------------------------------------------------------------------- formatting












def _years(value: Any) -> str:
    years = [str(y) for y in value]
    return years[0] if len(years) == 1 else _("%(first)s to %(last)s") % {"first": years[0], "last": years[-1]}


def _range(low: Any, high: Any) -> str:
    if int(low) == int(high):
        return _num(low)
    return _("%(low)s to %(high)s") % {"low": _num(low), "high": _num(high)}


FIELD_LABELS: dict[str, Callable[[], str]] = {
    "electronic_information": lambda: _("electronic information"),
    "biomedicine": lambda: _("biology and new medicine"),
    "aerospace": lambda: _("aviation and aerospace"),
    "new_materials": lambda: _("new materials"),
    "high_tech_services": lambda: _("high-tech services"),
    "new_energy": lambda: _("new energy and energy saving"),
    "resources_environment": lambda: _("resources and environment"),
    "advanced_manufacturing": lambda: _("advanced manufacturing and automation"),
}


# --------------------------------------------------------------------------- indicators


def _ip(d: dict[str, Any]) -> str:
    if int(d["high"]) == 0:
        return _("No Class I or Class II IP: the IP indicator scores 0 of %(max)s.") % {"max": d["max_points"]}
    return _(
        "IP: %(class_i)s Class I and %(class_ii)s Class II items give %(quantity)s of the 8 points for "
        "quantity; the experts judge advancement, core support, how the IP was obtained and standards: "
        "%(range)s of %(max)s."
    ) % {"class_i": d["class_i"], "class_ii": d["class_ii"], "quantity": _range(d["quantity_low"], d["quantity_high"]),
         "range": _range(d["low"], d["high"]), "max": d["max_points"]}


def _transformation(d: dict[str, Any]) -> str:
    return _("Transformation of results: judged by the experts, %(range)s of %(max)s.") % {
        "range": _range(d["low"], d["high"]), "max": d["max_points"]}


def _rd_management(d: dict[str, Any]) -> str:
    return _("R&D management: judged by the experts, %(range)s of %(max)s.") % {
        "range": _range(d["low"], d["high"]), "max": d["max_points"]}


def _growth_part(d: dict[str, Any], part: str) -> str:
    label = _("net assets") if part == "net_assets" else _("sales")
    points = _range(d[f"{part}_low"], d[f"{part}_high"])
    rule = d[f"{part}_rule"]
    if rule == "year2_zero":
        return _("%(label)s: the second year's figure is zero or less, which scores 0") % {"label": label}
    rate = _pct(d[f"{part}_rate"])
    band = d[f"{part}_band"]
    if band is None:
        text = _("%(label)s grew %(rate)s a year: no growth scores 0") % {"label": label, "rate": rate}
    elif _dec(band) == 0:
        text = _("%(label)s grew %(rate)s a year: above 0%%, %(points)s points") % {
            "label": label, "rate": rate, "points": points}
    else:
        text = _("%(label)s grew %(rate)s a year: %(band)s or more, %(points)s points") % {
            "label": label, "rate": rate, "band": _pct(band), "points": points}
    if rule == "later_two_years":
        text += _(" (the later two years only, the first year's figure being zero or less)")
    return text


def _growth(d: dict[str, Any]) -> str:
    if "years_available" in d:
        return _(
            "Growth is measured over three complete years (%(n)s on file): %(range)s of %(max)s until they are in."
        ) % {"n": d["years_available"], "range": _range(d["low"], d["high"]), "max": d["max_points"]}
    return _("Growth over %(years)s: %(net)s; %(sales)s. Growth: %(range)s of %(max)s.") % {
        "years": _years(d["years"]), "net": _growth_part(d, "net_assets"), "sales": _growth_part(d, "sales"),
        "range": _range(d["low"], d["high"]), "max": d["max_points"]}


INDICATORS: dict[str, Explainer] = {
    "ip": _ip,
    "transformation": _transformation,
    "rd_management": _rd_management,
    "growth": _growth,
}


# --------------------------------------------------------------------------- conditions


def _mainland(d: dict[str, Any]) -> str:
    if d.get("mainland"):
        return _("A resident enterprise registered in the Mainland.")
    return _("Not a resident enterprise registered in the Mainland; the HNTE rules cover only those "
             "(not Hong Kong, Macao or Taiwan).")


def _registered(d: dict[str, Any]) -> str:
    if int(d["months"]) >= int(d["required"]):
        return _("Registered %(months)s months ago; at least %(required)s months are required.") % {
            "months": d["months"], "required": d["required"]}
    return _("Registered %(months)s months ago; at least %(required)s months are required, reached on %(day)s.") % {
        "months": d["months"], "required": d["required"], "day": _day(d["met_on"])}


def _core_ip(d: dict[str, Any]) -> str:
    return _("Owns %(class_i)s Class I and %(class_ii)s Class II IP items; at least one core IP item is required.") % {
        "class_i": d["class_i"], "class_ii": d["class_ii"]}


def _field(d: dict[str, Any]) -> str:
    if "field" not in d:
        return _("Not answered yet: which of the eight supported high-tech fields the core technology is in.")
    label = FIELD_LABELS.get(str(d["field"]))
    if label is None:
        return _("The core technology is in none of the eight supported high-tech fields, which the rules require.")
    return _("The core technology is in a supported high-tech field: %(field)s.") % {"field": label()}


def _tech_staff(d: dict[str, Any]) -> str:
    return _("Tech staff are %(share)s of employees (%(tech)s of %(employees)s); at least %(required)s is required.") % {
        "share": _pct(d["share"]), "tech": d["tech_staff"], "employees": d["employees"], "required": _pct(d["required"])}


def _tier(d: dict[str, Any]) -> str:
    above, up_to = d.get("tier_above"), d.get("tier_up_to")
    if above is None:
        return _("for latest-year sales up to %(up_to)s") % {"up_to": _rmb(up_to)}
    if up_to is None:
        return _("for latest-year sales above %(above)s") % {"above": _rmb(above)}
    return _("for latest-year sales above %(above)s and up to %(up_to)s") % {"above": _rmb(above), "up_to": _rmb(up_to)}


def _rd_intensity(d: dict[str, Any]) -> str:
    if "years_available" in d:
        if int(d["years_available"]) == 0:
            return _("R&D intensity needs the statements of at least one complete year; none are on file.")
        return _("R&D intensity is measured over the last three complete years; %(n)s are on file.") % {
            "n": d["years_available"]}
    values = {"years": _years(d["years"]), "required": _pct(d["required"]), "tier": _tier(d)}
    if d.get("ratio") is None:
        return _("No sales in %(years)s, so R&D cannot be measured against sales; %(required)s is required "
                 "%(tier)s.") % values
    return _("R&D over %(years)s is %(ratio)s of sales (%(rd)s of %(sales)s); %(required)s is required %(tier)s.") % {
        **values, "ratio": _pct(d["ratio"]), "rd": _rmb(d["rd_total"]), "sales": _rmb(d["sales_total"])}


def _declared_share(subject: Callable[[], str]) -> Explainer:
    def explain(d: dict[str, Any]) -> str:
        if d.get("share") is None:
            return _("Not answered yet: %(subject)s; at least %(required)s is required.") % {
                "subject": subject(), "required": _pct(d["required"])}
        return _("Declared %(subject)s: %(share)s; at least %(required)s is required.") % {
            "subject": subject(), "share": _pct(d["share"]), "required": _pct(d["required"])}
    return explain


def _incident(d: dict[str, Any]) -> str:
    if "serious_incident" not in d:
        return _("Not answered yet: whether there was a major safety or quality accident or a serious "
                 "environmental violation in the year before.")
    if d["serious_incident"] in (True, "true", "True"):
        return _("A major safety or quality accident or a serious environmental violation in the year before "
                 "was declared; the rules exclude the enterprise for that year.")
    return _("No major safety or quality accident or serious environmental violation in the year before (declared).")


CONDITIONS: dict[str, Explainer] = {
    "mainland_resident": _mainland,
    "registered_one_year": _registered,
    "core_ip": _core_ip,
    "hnte_field": _field,
    "tech_staff_share": _tech_staff,
    "rd_intensity": _rd_intensity,
    "rd_in_china": _declared_share(lambda: _("the share of R&D spent in China")),
    "high_tech_income": _declared_share(lambda: _("high-tech income as a share of total income")),
    "no_major_incident": _incident,
}


# --------------------------------------------------------------------------- changes


def _hire(d: dict[str, Any]) -> str:
    n = int(_dec(d["amount"]))
    return ngettext(
        "Hiring %(n)s more tech staff member (tech staff from %(from)s to %(to)s of employees) meets the "
        "tech-staff condition.",
        "Hiring %(n)s more tech staff (tech staff from %(from)s to %(to)s of employees) meets the tech-staff "
        "condition.", n,
    ) % {"n": _num(n), "from": _pct(d["value_from"]), "to": _pct(d["value_to"])}


def _rd_expense(d: dict[str, Any]) -> str:
    return _("R&D expense of %(amount)s more in the latest year (three-year R&D / sales from %(from)s to %(to)s) "
             "meets the R&D condition.") % {
        "amount": _rmb(d["amount"]), "from": _pct(d["value_from"]), "to": _pct(d["value_to"])}


def _ip_item(d: dict[str, Any]) -> str:
    return _("One IP item (Class I or Class II) supporting the core technology meets the core IP condition.")


def _share_change(subject: Callable[[], str]) -> Explainer:
    def explain(d: dict[str, Any]) -> str:
        return _("Raising %(subject)s by %(n)s percentage points, from %(from)s to %(to)s, meets its condition.") % {
            "subject": subject(), "n": _num(d["amount"]), "from": _pct(d["value_from"]), "to": _pct(d["value_to"])}
    return explain


CHANGES: dict[str, Explainer] = {
    "tech_staff": _hire,
    "rd_expense": _rd_expense,
    "ip_item": _ip_item,
    "rd_in_china_share": _share_change(lambda: _("the share of R&D spent in China")),
    "high_tech_income_share": _share_change(lambda: _("high-tech income as a share of total income")),
}


# --------------------------------------------------------------------------- missing inputs and paths


def _const(text: Callable[[], str]) -> Explainer:
    return lambda d: text()


MISSING: dict[str, Explainer] = {
    "statements": _const(lambda: _("The statements of at least one complete year.")),
    "statements_3y": _const(lambda: _("The statements of the last three complete years.")),
    "hnte_field": _const(lambda: _("Which of the eight supported high-tech fields the core technology is in.")),
    "rd_in_china_share": _const(lambda: _("The share of R&D spent in China.")),
    "high_tech_income_share": _const(lambda: _("High-tech income as a share of total income.")),
    "serious_incident": _const(lambda: _("Whether there was a major accident or a serious environmental "
                                         "violation in the year before.")),
    "hnte_ip_quality": _const(lambda: _("The experts' judgement of the IP: its advancement, its support of the "
                                        "main products, how it was obtained, and standards.")),
    "hnte_transformation": _const(lambda: _("The experts' judgement of how results are transformed into "
                                            "products and services.")),
    "hnte_rd_management": _const(lambda: _("The experts' judgement of how R&D is organised and managed.")),
}

PATHS: dict[str, Explainer] = {
    "pre_check": _const(lambda: _("Passes every condition the platform can check, and the innovation score "
                                  "is surely above 70.")),
}


def score(d: dict[str, Any]) -> str:
    """The innovation score line, from a result's ``score``, ``score_low``, ``score_high`` and ``pass_mark``."""
    required = int(d["pass_mark"]) - 1  # the rules say "above 70"
    values = {"range": _range(d["score_low"], d["score_high"]), "required": required}
    if d.get("score") is not None:
        return _("Innovation score: %(range)s of 100; above %(required)s is required.") % values
    if int(d["score_high"]) <= required:
        return _("Innovation score: %(range)s of 100; above %(required)s is required, which even the top of "
                 "the range does not reach.") % values
    if int(d["score_low"]) > required:
        return _("Innovation score: %(range)s of 100; above %(required)s is required, which even the bottom of "
                 "the range reaches.") % values
    return _("Innovation score: %(range)s of 100; above %(required)s is required; the experts' parts decide.") % values
