"""Macao technology enterprise certification (科技企業認證計劃 / Programa de Certificação
de Empresas Tecnológicas), by the Economic and Technological Development Bureau (DSEDT),
launched in 2023: an eligibility check.

The published necessary conditions (codes):

- ``operating_in_macao``: the enterprise actually operates in Macao.
- ``scitech_main_business``: sci-tech innovation is its main business (declared) ...
- ``registered_one_year``: ... for at least one year (12 months of operation).

An evaluation committee then scores business content and scale, R&D, and the degree of
innovation, and grants a tier: "Promising" (potential), "Growth" or "Key" technology
enterprise, valid three years (applications in May and November). The scoring is not
public, so a result never carries a score: it says whether the enterprise meets the
published conditions (``qualified`` with the path ``eligible_to_apply``) and always names
the committee's parts as missing. The tier applied for, when declared, is recorded in the
``scitech_main_business`` condition's detail (``tier``); the tier itself is the committee's.
"""

from __future__ import annotations

from .facts import MACAO_TIERS, Facts
from .hnte import met_on
from .results import NOT_QUALIFIED, QUALIFIED, UNDETERMINED, Condition, Result, Status

RULE_SET = "macao_tech"
MIN_MONTHS_2023 = 12
# What the committee judges, never held by the platform.
COMMITTEE_PARTS_2023: tuple[str, ...] = ("macao_business_scale", "macao_rd_status", "macao_innovation_level")
TIERS_2023: tuple[str, ...] = MACAO_TIERS


def evaluate_2023(facts: Facts) -> Result:
    return evaluate(facts, version="2023", min_months=MIN_MONTHS_2023, committee_parts=COMMITTEE_PARTS_2023)


def evaluate(facts: Facts, *, version: str, min_months: int, committee_parts: tuple[str, ...]) -> Result:
    d = facts.declarations
    missing: list[str] = []
    main_detail: tuple[tuple[str, object], ...] = ()
    if d.macao_tier is not None:
        main_detail = (("tier", d.macao_tier),)
    if d.macao_scitech_main_business is None:
        main = Condition("scitech_main_business", "missing", True, main_detail)
        missing.append("macao_scitech_main_business")
    else:
        main = Condition("scitech_main_business", "met" if d.macao_scitech_main_business else "failed", True,
                         (("declared", d.macao_scitech_main_business), *main_detail))
    months = facts.months_operating
    conditions = (
        Condition("operating_in_macao", "met" if facts.macao else "failed", False, (("macao", facts.macao),)),
        main,
        Condition("registered_one_year", "met" if months >= min_months else "failed", False,
                  (("months", months), ("required", min_months), ("met_on", met_on(facts.founding_date, min_months)))),
    )
    status: Status
    if any(c.status == "failed" for c in conditions):
        status, path = NOT_QUALIFIED, None
    elif any(c.status == "missing" for c in conditions):
        status, path = UNDETERMINED, None
    else:
        status, path = QUALIFIED, "eligible_to_apply"
    return Result(
        rule_set=RULE_SET,
        version=version,
        status=status,
        path=path,
        score=None,
        score_low=0,
        score_high=0,
        pass_mark=None,
        indicators=(),
        conditions=conditions,
        missing=(*missing, *committee_parts),
    )
