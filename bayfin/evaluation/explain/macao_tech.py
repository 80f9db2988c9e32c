"""The Macao technology enterprise check's codes as sentences (DSEDT, 科技企業認證計劃, 2023).

The committee's scoring is not public: results name the published conditions and say
which parts the committee decides. Each function receives a result part's ``detail`` as a
dict, fresh or read back from a stored result's JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from ._format import day as _day
from ._format import yes as _yes

Explainer = Callable[[dict[str, Any]], str]

TIER_LABELS: dict[str, Callable[[], str]] = {
    "potential": lambda: _("Promising Technology Enterprise"),
    "growth": lambda: _("Growth Technology Enterprise"),
    "key": lambda: _("Key Technology Enterprise"),
}






def _operating(d: dict[str, Any]) -> str:
    if _yes(d.get("macao")):
        return _("Operates in Macao.")
    return _("Does not operate in Macao; the certification is for enterprises actually operating in Macao.")


def _main_business(d: dict[str, Any]) -> str:
    if "declared" not in d:
        text = _("Not answered yet: whether sci-tech innovation is the main business.")
    elif _yes(d["declared"]):
        text = _("Sci-tech innovation is the main business (declared).")
    else:
        text = _("Sci-tech innovation is not the main business (declared); the certification requires it.")
    tier = d.get("tier")
    if tier is not None:
        label = TIER_LABELS.get(str(tier))
        text += " " + _("Applying as: %(tier)s; the committee decides the tier.") % {
            "tier": label() if label else str(tier)}
    return text


def _registered(d: dict[str, Any]) -> str:
    if int(d["months"]) >= int(d["required"]):
        return _("Operating for %(months)s months; at least %(required)s months are required.") % {
            "months": d["months"], "required": d["required"]}
    return _("Operating for %(months)s months; at least %(required)s months are required, reached on %(day)s.") % {
        "months": d["months"], "required": d["required"], "day": _day(d["met_on"])}


def _const(text: Callable[[], str]) -> Explainer:
    return lambda d: text()


INDICATORS: dict[str, Explainer] = {}  # the committee's scoring is not public
CHANGES: dict[str, Explainer] = {}

CONDITIONS: dict[str, Explainer] = {
    "operating_in_macao": _operating,
    "scitech_main_business": _main_business,
    "registered_one_year": _registered,
}

MISSING: dict[str, Explainer] = {
    "macao_scitech_main_business": _const(lambda: _("Whether sci-tech innovation is the main business.")),
    "macao_business_scale": _const(lambda: _("The committee's assessment of the business content and scale.")),
    "macao_rd_status": _const(lambda: _("The committee's assessment of the R&D.")),
    "macao_innovation_level": _const(lambda: _("The committee's assessment of the degree of innovation.")),
}

PATHS: dict[str, Explainer] = {
    "eligible_to_apply": _const(lambda: _(
        "Meets the published conditions and may apply (in May or November); the evaluation committee scores "
        "the application and decides the tier: Promising, Growth or Key Technology Enterprise, valid three years.")),
}
