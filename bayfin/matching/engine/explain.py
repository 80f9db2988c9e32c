"""Reasons (why a product ranks) and failures (why it is out): codes and parameters, never words.

The caller renders text in the user's language. ``Reason.scope`` is None when the reason rests on
the public profile or the request; otherwise the consent scope it rests on ("statements" for
revenue, "credit" for grade, "evaluation" for qualification) or "profile" for profile data whose
publication the caller decides (years operating, certifications).

Failure codes, in the order the hard requirements are checked (``REQUIREMENTS``): ``inactive``,
``instrument``, ``ticket`` / ``no_rate``, ``channel``, ``jurisdiction``, ``stage``, ``sector``,
``years``, ``revenue``, ``certifications``, ``qualification``, ``grade``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .types import Codebook, ProductRow, Query

REQUIREMENTS: tuple[str, ...] = (
    "inactive",
    "instrument",
    "ticket",  # or "no_rate" when the query has no amount in the product's currency
    "channel",
    "jurisdiction",
    "stage",
    "sector",
    "years",
    "revenue",
    "certifications",
    "qualification",
    "grade",
)


@dataclass(frozen=True)
class Reason:
    code: str
    part: str | None  # the score part it explains; None for a passed requirement or the channel
    scope: str | None  # None = public profile / request; else the scope it rests on
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def failures(p: ProductRow, q: Query, cb: Codebook) -> list[Failure]:
    """Every hard requirement ``p`` fails for ``q``, in order ([] = it passes). Plain per-pair rules."""
    out: list[Failure] = []
    if q.day < p.active_from or (p.active_until is not None and q.day > p.active_until):
        out.append(
            Failure(
                "inactive",
                {"active_from": p.active_from, "active_until": p.active_until, "day": q.day},
            )
        )
    if p.instrument not in q.instruments:
        out.append(Failure("instrument", {"instrument": p.instrument}))
    if q.amount is not None:
        if p.currency not in q.amount:
            out.append(Failure("no_rate", {"currency": p.currency}))
        else:
            a = float(q.amount[p.currency])
            if not p.ticket_min <= a <= p.ticket_max:
                out.append(
                    Failure(
                        "ticket",
                        {
                            "amount": a,
                            "currency": p.currency,
                            "min": p.ticket_min,
                            "max": p.ticket_max,
                        },
                    )
                )
    if not (0 <= p.channel_class < len(q.channel_ok) and bool(q.channel_ok[p.channel_class])):
        out.append(Failure("channel", {"channel_class": p.channel_class}))
    if p.jurisdictions and q.jurisdiction not in p.jurisdictions:
        out.append(
            Failure(
                "jurisdiction",
                {
                    "jurisdiction": q.jurisdiction,
                    "allowed": _ordered(p.jurisdictions, cb.jurisdictions),
                },
            )
        )
    if p.stages and q.stage not in p.stages:
        out.append(Failure("stage", {"stage": q.stage, "allowed": _ordered(p.stages, cb.stages)}))
    if p.sectors and q.sector not in p.sectors:
        out.append(
            Failure("sector", {"sector": q.sector, "allowed": _ordered(p.sectors, cb.sectors)})
        )
    if q.years_operating < p.min_years:
        out.append(Failure("years", {"years": q.years_operating, "min_years": p.min_years}))
    if p.min_revenue > 0:
        rev = None if q.revenue is None else q.revenue.get(p.min_revenue_currency)
        if rev is None or not rev >= p.min_revenue:
            out.append(
                Failure(
                    "revenue",
                    {"min": p.min_revenue, "currency": p.min_revenue_currency, "revenue": rev},
                )
            )
    missing = p.required_certifications - q.certifications
    if missing:
        out.append(Failure("certifications", {"missing": _ordered(missing, cb.certifications)}))
    if p.required_qualifications and p.required_qualifications <= q.not_qualified:
        out.append(
            Failure(
                "qualification",
                {"qualifications": _ordered(p.required_qualifications, cb.qualifications)},
            )
        )
    if p.min_grade and q.grade and cb.grades.index(q.grade) > cb.grades.index(p.min_grade):
        out.append(Failure("grade", {"grade": q.grade, "min_grade": p.min_grade}))
    return out


def requirement_reasons(p: ProductRow, q: Query, cb: Codebook) -> list[Reason]:
    """The passed requirements worth saying (the product asks for them and the query meets them)."""
    out: list[Reason] = []
    if p.min_years > 0:
        out.append(Reason("years_ok", None, "profile", {"min_years": p.min_years}))
    if p.required_certifications:
        certs = _ordered(p.required_certifications, cb.certifications)
        out.append(Reason("certifications_ok", None, "profile", {"certs": certs}))
    if p.min_revenue > 0:
        out.append(
            Reason(
                "revenue_ok",
                None,
                "statements",
                {"min": p.min_revenue, "currency": p.min_revenue_currency},
            )
        )
    held = p.required_qualifications & q.qualified
    if held:
        quals = _ordered(held, cb.qualifications)
        out.append(Reason("qualification_ok", None, "evaluation", {"qualifications": quals}))
    if p.min_grade and q.grade:
        out.append(Reason("grade_ok", None, "credit", {"min_grade": p.min_grade}))
    return out


def _ordered(codes: frozenset[str], order: tuple[str, ...]) -> list[str]:
    pos = {c: i for i, c in enumerate(order)}
    return sorted(codes, key=lambda c: (pos.get(c, len(order)), c))
