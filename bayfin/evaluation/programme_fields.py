"""The fields programme rules may read, and their values for one enterprise.

The catalogue (``FIELDS``) is what ``engine.rules.compile_rule`` checks a rule
against; ``field_values`` is what ``Rule.check`` reads. Both are pure: the caller loads
the enterprise's facts, latest results, sector, stage and valid certifications, so the
same values serve the page, the API and the background re-check.

A value is ``None`` where the platform does not know it (no complete year of
statements, no evaluation yet): the rule language treats it as unknown, never as zero.
Percentages are 0-100; amounts are RMB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bayfin.common.vocab import CertificationKind, Jurisdiction, Sector, Stage

from .engine.facts import Facts
from .engine.results import NOT_QUALIFIED, QUALIFIED, UNDETERMINED, Result
from .engine.rules import FieldSpec

EVALUATION_STATUSES: dict[str, Promise] = {
    QUALIFIED: _("Qualified"),
    NOT_QUALIFIED: _("Not qualified"),
    UNDETERMINED: _("Undetermined"),
}
# The rule sets whose status a rule may read (the registry's names).
RULE_SET_FIELDS: tuple[str, ...] = ("scitech_sme", "hnte", "macao_tech")


def _codes(choices: Any) -> frozenset[str]:
    return frozenset(str(value) for value, _label in choices.choices)


def _spec(name: str, kind: Any, choices: frozenset[str] | None = None) -> tuple[str, FieldSpec]:
    return name, FieldSpec(name, kind, choices)


_STATUS_CODES = frozenset(EVALUATION_STATUSES)

FIELDS: dict[str, FieldSpec] = dict(
    [
        _spec("enterprise.jurisdiction", "string", _codes(Jurisdiction)),
        _spec("enterprise.sector", "string", _codes(Sector)),
        _spec("enterprise.stage", "string", _codes(Stage)),
        _spec("enterprise.employees", "integer"),
        _spec("enterprise.tech_staff_share", "number"),
        _spec("enterprise.years_operating", "integer"),
        _spec("enterprise.revenue_cny", "number"),
        _spec("enterprise.total_assets_cny", "number"),
        _spec("enterprise.rd_share_of_revenue", "number"),
        _spec("enterprise.class_i_ip", "integer"),
        _spec("enterprise.class_ii_ip", "integer"),
        _spec("enterprise.certifications", "list", _codes(CertificationKind)),
        *(_spec(f"evaluation.{name}.status", "string", _STATUS_CODES) for name in RULE_SET_FIELDS),
        _spec("evaluation.scitech_sme.score", "integer"),
    ]
)

# How a field's numbers read: "percent" (0-100) or a currency code.
FIELD_UNITS: dict[str, str] = {
    "enterprise.tech_staff_share": "percent",
    "enterprise.rd_share_of_revenue": "percent",
    "enterprise.revenue_cny": "CNY",
    "enterprise.total_assets_cny": "CNY",
}

FIELD_LABELS: dict[str, Promise] = {
    "enterprise.jurisdiction": _("Jurisdiction"),
    "enterprise.sector": _("Sector"),
    "enterprise.stage": _("Stage"),
    "enterprise.employees": _("Employees"),
    "enterprise.tech_staff_share": _("Tech staff as a share of employees"),
    "enterprise.years_operating": _("Years in operation"),
    "enterprise.revenue_cny": _("Revenue in the latest year"),
    "enterprise.total_assets_cny": _("Total assets"),
    "enterprise.rd_share_of_revenue": _("R&D expense as a share of revenue in the latest year"),
    "enterprise.class_i_ip": _("Class I IP items"),
    "enterprise.class_ii_ip": _("Class II IP items"),
    "enterprise.certifications": _("Certifications"),
    "evaluation.scitech_sme.status": _("Sci-tech SME evaluation"),
    "evaluation.hnte.status": _("HNTE pre-check"),
    "evaluation.macao_tech.status": _("Macao technology enterprise check"),
    "evaluation.scitech_sme.score": _("Sci-tech SME score"),
}

_CHOICE_LABELS: dict[str, Mapping[str, Any]] = {
    "enterprise.jurisdiction": dict(Jurisdiction.choices),
    "enterprise.sector": dict(Sector.choices),
    "enterprise.stage": dict(Stage.choices),
    "enterprise.certifications": dict(CertificationKind.choices),
    **{f"evaluation.{name}.status": EVALUATION_STATUSES for name in RULE_SET_FIELDS},
}


def field_label(name: str) -> str:
    """The field's label in the active language (the name itself if unknown)."""
    return str(FIELD_LABELS.get(name, name))


def choice_label(field: str, code: str) -> str:
    """A code's label in the active language (the code itself if unknown)."""
    return str(_CHOICE_LABELS.get(field, {}).get(code, code))


def field_values(facts: Facts, results: Mapping[str, Result], *, sector: str, stage: str,
                 certifications: Iterable[str]) -> dict[str, Any]:
    """Every field of ``FIELDS`` for one enterprise; ``None`` where it is unknown.

    ``results`` maps a rule set's name to its latest result; ``certifications`` are the
    codes valid on ``facts.as_of``.
    """
    latest = facts.latest
    employees = facts.employees
    values: dict[str, Any] = {
        "enterprise.jurisdiction": facts.jurisdiction or None,
        "enterprise.sector": sector or None,
        "enterprise.stage": stage or None,
        "enterprise.employees": employees,
        "enterprise.tech_staff_share": (Decimal(facts.tech_staff) * 100 / employees
                                        if employees > 0 else None),
        "enterprise.years_operating": max(facts.months_operating, 0) // 12,
        "enterprise.revenue_cny": latest.revenue if latest else None,
        "enterprise.total_assets_cny": latest.total_assets if latest else None,
        "enterprise.rd_share_of_revenue": (latest.rd_expense * 100 / latest.revenue
                                           if latest and latest.revenue > 0 else None),
        "enterprise.class_i_ip": facts.class_i_ip,
        "enterprise.class_ii_ip": facts.class_ii_ip,
        "enterprise.certifications": sorted(set(certifications)),
        "evaluation.scitech_sme.score": (results["scitech_sme"].score
                                         if "scitech_sme" in results else None),
    }
    for name in RULE_SET_FIELDS:
        result = results.get(name)
        values[f"evaluation.{name}.status"] = result.status if result else None
    return values
