"""The sci-tech SME rules' codes as sentences (国科发政〔2017〕115号, 2022 guidelines).

Each function receives a result part's ``detail`` as a dict (plus the object's own
fields where the caller passes them), fresh from the engine or read back from a stored
result's JSON (numbers as strings), and names the numbers. Ratios are shown with two
decimals in indicators ("18.50%") and one in changes ("from 3.6% to 5.0%"), always
truncated, so a shown figure is never in a higher band than its points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ._format import dec as _dec
from ._format import num as _num
from ._format import pct as _pct
from ._format import rmb as _rmb
from ._format import yes as _yes

Explainer = Callable[[dict[str, Any]], str]


# --------------------------------------------------------------------------- formatting












def _ratio_name(code: Any) -> str:
    return {"rd_sales": _("R&D / sales"), "rd_costs": _("R&D / total costs")}.get(str(code), str(code))


def _points(d: dict[str, Any]) -> dict[str, Any]:
    return {"points": d.get("points"), "max": d.get("max_points")}


# --------------------------------------------------------------------------- indicators


def _tech_staff(d: dict[str, Any]) -> str:
    if d.get("value") is None:
        return _("No employees recorded: %(points)s of %(max)s points.") % _points(d)
    params = {**_points(d), "share": _pct(d["value"]), "tech_staff": _num(d["tech_staff"]),
              "employees": _num(d["employees"])}
    if d.get("band") is None:
        return _("Tech staff are %(share)s of employees (%(tech_staff)s of %(employees)s): %(points)s of "
                 "%(max)s points (below the lowest band, %(lowest)s).") % {
            **params, "lowest": _pct(d["lowest_band"], 0)}
    return _("Tech staff are %(share)s of employees (%(tech_staff)s of %(employees)s): %(points)s of "
             "%(max)s points (band %(band)s).") % {**params, "band": _pct(d["band"], 0)}


def _rd(d: dict[str, Any]) -> str:
    if d.get("points") is None:
        return _("No complete year of financial statements: R&D scores between %(low)s and %(high)s of "
                 "%(max)s points.") % {"low": d.get("low"), "high": d.get("high"), "max": d.get("max_points")}
    ratio = d.get("ratio")
    if ratio is None:
        return _("No sales and no total costs in %(year)s: R&D scores %(points)s of %(max)s points.") % {
            **_points(d), "year": d.get("year")}
    shown = [f"{_ratio_name(code)} {_pct(d[code])}" for code in ("rd_sales", "rd_costs") if d.get(code) is not None]
    band = (_("band %(band)s") % {"band": _pct(d["band"], 0)} if d.get("band") is not None
            else _("below the lowest band"))
    return _("R&D in %(year)s: %(ratios)s; the better, %(ratio)s, scores %(points)s of %(max)s "
             "points (%(band)s).") % {
        **_points(d), "year": d.get("year"), "ratios": _(", ").join(shown), "ratio": _ratio_name(ratio),
        "band": band}


def _ip(d: dict[str, Any]) -> str:
    which = d.get("class")
    if which == "i":
        return ngettext(
            "%(n)s Class I IP item: %(points)s of %(max)s points.",
            "%(n)s Class I IP items: %(points)s of %(max)s points.", int(d["class_i"]),
        ) % {**_points(d), "n": _num(d["class_i"])}
    if which == "ii":
        return ngettext(
            "%(n)s Class II IP item and no Class I: %(points)s of %(max)s points.",
            "%(n)s Class II IP items and no Class I: %(points)s of %(max)s points.", int(d["class_ii"]),
        ) % {**_points(d), "n": _num(d["class_ii"])}
    return _("No Class I or Class II IP: %(points)s of %(max)s points.") % _points(d)


INDICATORS: dict[str, Explainer] = {
    "tech_staff_share": _tech_staff,
    "rd": _rd,
    "ip": _ip,
}


# --------------------------------------------------------------------------- conditions


def _mainland(d: dict[str, Any]) -> str:
    if _yes(d.get("mainland")):
        return _("A resident enterprise in the Mainland.")
    return _("Not a resident enterprise in the Mainland: the rules are for Mainland enterprises.")


def _staff(d: dict[str, Any]) -> str:
    return _("Staff: %(actual)s (at most %(limit)s).") % {"actual": _num(d["actual"]), "limit": _num(d["limit"])}


def _money_limit(label: Callable[[], str]) -> Explainer:
    def explain(d: dict[str, Any]) -> str:
        if d.get("actual") is None:
            return _("%(what)s: not known without a complete year of financial statements (at most "
                     "%(limit)s).") % {"what": label(), "limit": _rmb(d["limit"])}
        return _("%(what)s in %(year)s: %(actual)s (at most %(limit)s).") % {
            "what": label(), "year": d.get("year"), "actual": _rmb(d["actual"]), "limit": _rmb(d["limit"])}

    return explain


def _declared(yes: Callable[[], str], no: Callable[[], str], unanswered: Callable[[], str]) -> Explainer:
    def explain(d: dict[str, Any]) -> str:
        answer = _yes(d.get("declared"))
        return (unanswered if answer is None else yes if answer else no)()

    return explain


CONDITIONS: dict[str, Explainer] = {
    "resident_mainland": _mainland,
    "staff_limit": _staff,
    "sales_limit": _money_limit(lambda: _("Sales")),
    "assets_limit": _money_limit(lambda: _("Total assets")),
    "restricted_industry": _declared(
        lambda: _("Declared to be in a restricted or eliminated industry."),
        lambda: _("Declared not to be in a restricted or eliminated industry."),
        lambda: _("Not yet answered: is the enterprise in a restricted or eliminated industry?"),
    ),
    "serious_incident": _declared(
        lambda: _("Declared a major safety or quality accident, serious environmental violation, fraud or "
                  "research misconduct in the previous or current year."),
        lambda: _("Declared no major safety or quality accident, serious environmental violation, fraud or "
                  "research misconduct in the previous or current year."),
        lambda: _("Not yet answered: any major safety or quality accident, serious environmental violation, "
                  "fraud or research misconduct in the previous or current year?"),
    ),
    "credit_blacklist": _declared(
        lambda: _("Declared to be on the abnormal-operations or serious-dishonesty list in the previous or "
                  "current year."),
        lambda: _("Declared not to be on the abnormal-operations or serious-dishonesty list in the previous "
                  "or current year."),
        lambda: _("Not yet answered: on the abnormal-operations or serious-dishonesty list in the previous "
                  "or current year?"),
    ),
}


# --------------------------------------------------------------------------- changes


def _rd_change(d: dict[str, Any]) -> str:
    params = {"amount": _rmb(d["amount"]), "from": d.get("points_from"), "to": d.get("points_to")}
    if d.get("value_from") is None or d.get("value_to") is None:
        return _("R&D expense of %(amount)s more in the year raises the R&D score from %(from)s to %(to)s.") % params
    return _("R&D expense of %(amount)s more in the year (%(ratio)s from %(value_from)s to %(value_to)s) raises "
             "the R&D score from %(from)s to %(to)s.") % {
        **params, "ratio": _ratio_name(d.get("ratio")),
        "value_from": _pct(d["value_from"], 1), "value_to": _pct(d["value_to"], 1)}


def _tech_change(d: dict[str, Any]) -> str:
    n = int(_dec(d["amount"]))
    params = {"n": _num(n), "from": d.get("points_from"), "to": d.get("points_to"),
              "value_from": _pct(d["value_from"], 1) if d.get("value_from") is not None else "0%",
              "value_to": _pct(d["value_to"], 1)}
    return ngettext(
        "Hiring %(n)s more tech staff member (tech staff from %(value_from)s to %(value_to)s of employees) "
        "raises the tech-staff score from %(from)s to %(to)s.",
        "Hiring %(n)s more tech staff (tech staff from %(value_from)s to %(value_to)s of employees) "
        "raises the tech-staff score from %(from)s to %(to)s.", n,
    ) % params


def _class_i_change(d: dict[str, Any]) -> str:
    n = int(_dec(d["amount"]))
    params = {"n": _num(n), "from": d.get("points_from"), "to": d.get("points_to")}
    return ngettext(
        "%(n)s Class I IP item raises IP from %(from)s to %(to)s.",
        "%(n)s Class I IP items raise IP from %(from)s to %(to)s.", n,
    ) % params


def _class_ii_change(d: dict[str, Any]) -> str:
    n = int(_dec(d["amount"]))
    params = {"n": _num(n), "from": d.get("points_from"), "to": d.get("points_to"),
              "count_from": _num(d["value_from"]), "count_to": _num(d["value_to"])}
    return ngettext(
        "%(n)s more Class II IP item (from %(count_from)s to %(count_to)s) raises IP from %(from)s to %(to)s.",
        "%(n)s more Class II IP items (from %(count_from)s to %(count_to)s) raise IP from %(from)s to %(to)s.",
        n,
    ) % params


CHANGES: dict[str, Explainer] = {
    "rd_expense": _rd_change,
    "tech_staff": _tech_change,
    "class_i_ip": _class_i_change,
    "class_ii_ip": _class_ii_change,
}


# --------------------------------------------------------------------------- missing inputs and paths


MISSING: dict[str, Explainer] = {
    "restricted_industry": lambda d: _("Whether the enterprise is in a restricted or eliminated industry."),
    "serious_incident": lambda d: _("Whether the enterprise had a major safety or quality accident, serious "
                                    "environmental violation, fraud or research misconduct in the previous "
                                    "or current year."),
    "on_credit_blacklist": lambda d: _("Whether the enterprise was on the abnormal-operations or "
                                       "serious-dishonesty list in the previous or current year."),
    "statements": lambda d: _("A complete year of financial statements (sales, R&D expense, total costs, "
                              "total assets)."),
    "national_award_top3": lambda d: _("Whether the enterprise won a national science and technology award "
                                       "in the last five years, ranked in the top three."),
    "provincial_rd_institution": lambda d: _("Whether the enterprise has a recognised provincial or "
                                             "ministerial R&D institution."),
    "led_standard": lambda d: _("Whether the enterprise led an international, national or industry "
                                "standard in the last five years."),
}

PATHS: dict[str, Explainer] = {
    "score": lambda d: _("Qualifies on its score: a total of at least 60 of 100, with a non-zero tech-staff "
                         "score."),
    "hnte_certificate": lambda d: _("Qualifies directly: it holds a valid High and New Technology "
                                    "Enterprise certificate."),
    "national_award": lambda d: _("Qualifies directly: a national science and technology award in the last "
                                  "five years, ranked in the top three."),
    "provincial_rd_institution": lambda d: _("Qualifies directly: a recognised provincial or ministerial R&D "
                                             "institution."),
    "led_standard": lambda d: _("Qualifies directly: it led an international, national or industry standard "
                                "in the last five years."),
}

def ranking_rule() -> str:
    """How gap advice is ranked, for pages that show the advice (the engine's rule in ``gaps``)."""
    return _(
        "Changes are ranked by their relative size: the increase as a share of the current value (one IP item "
        "or one hire counted as its share of the current count; from zero, by the plain count), smallest "
        "first."
    )
