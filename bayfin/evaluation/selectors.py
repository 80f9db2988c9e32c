"""Reads for evaluations and programmes, scoped by who asks.

- Evaluations, declarations and badges choices are the enterprise's own: its members
  read them; everyone else gets NotFound or PermissionDenied (institutions will read an
  evaluation only under a live consent, in the deals issue). Operators see programme
  applications with the eligibility recorded when they were submitted.
- Published badges are public: a badge shows while the latest evaluation of its rule
  set qualifies.
- ``facts_for`` builds the engine's input from the database, converting amounts to RMB
  through ``bayfin.fx.selectors.convert`` on the evaluation day and recording the rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import is_operator, require_member, require_operator
from bayfin.common.errors import NotFound
from bayfin.common.money import Money
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import MAINLAND_JURISDICTIONS, CertificationKind, Jurisdiction
from bayfin.enterprises.models import Enterprise
from bayfin.enterprises.selectors import enterprise_get_own
from bayfin.fx.engine.rates import RateBook
from bayfin.fx.selectors import RateMissing, convert, rate_book

from .engine import rules as rule_engine
from .engine.facts import Declarations, Facts, YearFigures
from .engine.results import Result
from .engine.rulesets import CURRENT, evaluate_all
from .models import (
    ApplicationStatus,
    Badge,
    Declaration,
    Evaluation,
    Programme,
    ProgrammeApplication,
)
from .programme_fields import FIELDS, field_values

# --------------------------------------------------------------------------- declarations

BOOLEAN_QUESTIONS = (
    "restricted_industry", "serious_incident", "on_credit_blacklist", "national_award_top3",
    "provincial_rd_institution", "led_standard", "macao_scitech_main_business",
)
SHARE_QUESTIONS = ("high_tech_income_share", "rd_in_china_share")
CHOICE_QUESTIONS = ("hnte_field", "macao_tier")
QUESTIONS = (*BOOLEAN_QUESTIONS, *SHARE_QUESTIONS, *CHOICE_QUESTIONS)


def _declared_value(question: str, answer: Any) -> Any:
    if question in SHARE_QUESTIONS:
        try:
            return Decimal(str(answer))
        except (InvalidOperation, ValueError):
            return None
    return answer


def declarations_of(enterprise: Enterprise) -> Declarations:
    answers = {d.question: _declared_value(d.question, d.answer)
               for d in enterprise.declarations.all() if d.question in QUESTIONS}
    return Declarations(**answers)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class FactsBundle:
    """The engine's input and how its RMB figures were obtained."""

    facts: Facts
    conversions: tuple[dict[str, Any], ...] = ()
    unconverted: tuple[dict[str, Any], ...] = ()  # years left out for want of a rate
    certifications: frozenset[str] = field(default_factory=frozenset)

    def inputs_json(self) -> dict[str, Any]:
        return {**self.facts.to_json(), "conversions": list(self.conversions),
                "unconverted": list(self.unconverted), "certifications": sorted(self.certifications)}


_AMOUNTS = ("revenue", "rd_expense", "total_costs", "total_assets")


def valid_certifications(enterprise: Enterprise, on: date) -> frozenset[str]:
    return frozenset(
        c.kind for c in enterprise.certifications.all()
        if c.issued_on <= on and (c.expires_on is None or c.expires_on >= on)
    )


def facts_for(enterprise: Enterprise, on: date | None = None, *, book: RateBook | None = None) -> FactsBundle:
    """Everything the rules read about an enterprise on a day (complete years only: before ``on``'s year).

    Pass ``book`` (the rates of ``on``) when evaluating many enterprises at once."""
    day = on or timezone.localdate()
    jurisdiction = enterprise.organisation.jurisdiction
    statements = sorted((s for s in enterprise.statements.all() if s.year < day.year), key=lambda s: s.year)
    if book is None and any(s.currency != "CNY" for s in statements):
        book = rate_book(day)
    years: list[YearFigures] = []
    conversions: list[dict[str, Any]] = []
    unconverted: list[dict[str, Any]] = []
    for st in statements:
        values: dict[str, Decimal] = {}
        try:
            for name in (*_AMOUNTS, "total_liabilities"):
                amount = getattr(st, name)
                if st.currency == "CNY":
                    values[name] = amount
                    continue
                conv = convert(Money(amount, st.currency), "CNY", day, book=book)
                values[name] = conv.result.amount
                if name == "revenue":
                    conversions.append({"year": st.year, "currency": st.currency, "rate": str(conv.effective_rate()),
                                        "rate_day": str(conv.rate_day), "path": conv.path})
        except RateMissing as exc:
            unconverted.append({"year": st.year, "currency": st.currency, "reason": str(exc.message)})
            continue
        years.append(YearFigures(
            year=st.year, revenue=values["revenue"], rd_expense=values["rd_expense"],
            total_costs=values["total_costs"], total_assets=values["total_assets"],
            net_assets=values["total_assets"] - values["total_liabilities"],
        ))
    certifications = valid_certifications(enterprise, day)
    facts = Facts(
        as_of=day,
        jurisdiction=jurisdiction,
        mainland=jurisdiction in MAINLAND_JURISDICTIONS,
        macao=jurisdiction == Jurisdiction.MACAO,
        founding_date=enterprise.founding_date,
        employees=enterprise.employees,
        tech_staff=enterprise.tech_staff,
        class_i_ip=enterprise.class_i_ip,
        class_ii_ip=enterprise.class_ii_ip,
        years=tuple(years),
        hnte_certificate_valid=CertificationKind.HNTE in certifications,
        declarations=declarations_of(enterprise),
    )
    return FactsBundle(facts, tuple(conversions), tuple(unconverted), certifications)


def _with_data(queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return queryset.select_related("organisation").prefetch_related("statements", "certifications", "declarations")


def enterprise_for_evaluation(enterprise_id: int) -> Enterprise | None:
    return _with_data(Enterprise.objects.filter(pk=enterprise_id)).first()


def results_now(bundle: FactsBundle) -> dict[str, Result]:
    return {r.rule_set: r for r in evaluate_all(bundle.facts)}


# --------------------------------------------------------------------------- evaluations (own)


def result_of(evaluation: Evaluation) -> Result:
    return Result.from_json(evaluation.result)


def latest_evaluations(enterprise: Enterprise) -> dict[str, Evaluation]:
    """The newest stored evaluation of each rule set, in the order pages show them."""
    out: dict[str, Evaluation] = {}
    for rule_set in CURRENT:
        row = enterprise.evaluations.filter(rule_set=rule_set).order_by("-created_at", "-id").first()
        if row is not None:
            out[rule_set] = row
    return out


def evaluation_latest_own(user: Any) -> dict[str, Evaluation]:
    return latest_evaluations(enterprise_get_own(user))


def evaluation_history_own(user: Any, rule_set: str | None = None) -> QuerySet[Evaluation]:
    enterprise = enterprise_get_own(user)
    rows = Evaluation.objects.filter(enterprise=enterprise)
    if rule_set:
        errors = FieldErrors()
        errors.choice("rule_set", rule_set, list(CURRENT))
        errors.raise_if_any()
        rows = rows.filter(rule_set=rule_set)
    return rows.order_by("-created_at", "-id")


def evaluation_get_own(user: Any, evaluation_id: int) -> Evaluation:
    row = Evaluation.objects.filter(enterprise=enterprise_get_own(user), pk=evaluation_id).first()
    if row is None:
        raise NotFound(_("Evaluation not found."))
    return row


def declarations_own(user: Any) -> dict[str, Declaration]:
    enterprise = enterprise_get_own(user)
    return {d.question: d for d in enterprise.declarations.select_related("declared_by")}


def badges_own(user: Any) -> dict[str, Badge]:
    return {b.rule_set: b for b in Badge.objects.filter(enterprise=enterprise_get_own(user))}


def shown_badges(enterprise_ids: Iterable[int]) -> dict[int, list[str]]:
    """Public: the badges each enterprise shows (published and still qualifying)."""
    out: dict[int, list[str]] = {}
    for enterprise_id, rule_set in (Badge.objects.filter(enterprise_id__in=list(enterprise_ids), shown=True)
                                    .order_by("rule_set").values_list("enterprise_id", "rule_set")):
        out.setdefault(enterprise_id, []).append(rule_set)
    return out


# --------------------------------------------------------------------------- programmes


@dataclass(frozen=True)
class Eligibility:
    status: str  # "pass" | "fail" | "unknown"
    outcome: rule_engine.Outcome

    @property
    def eligible(self) -> bool:
        return self.status == "pass"


def compiled_rule(programme: Programme) -> rule_engine.Rule:
    return rule_engine.compile_rule(programme.rule, FIELDS)


def eligibility(programme: Programme, bundle: FactsBundle, results: Mapping[str, Result],
                enterprise: Enterprise) -> Eligibility:
    values = field_values(bundle.facts, results, sector=enterprise.sector, stage=enterprise.stage,
                          certifications=bundle.certifications)
    outcome = compiled_rule(programme).check(values)
    return Eligibility(outcome.status, outcome)


def _open_q(day: date) -> Q:
    return Q(active_from__lte=day) & (Q(active_until__isnull=True) | Q(active_until__gte=day))


def programme_list_for(user: Any) -> QuerySet[Programme]:
    """Operators see every programme; enterprise members the open ones; nobody else any."""
    if is_operator(user):
        return Programme.objects.all()
    require_member(user, OrganisationKind.ENTERPRISE)
    return Programme.objects.filter(_open_q(timezone.localdate()))


def programme_get_for(user: Any, programme_id: int) -> Programme:
    row = programme_list_for(user).filter(pk=programme_id).first()
    if row is None:
        raise NotFound(_("Programme not found."))
    return row


@dataclass(frozen=True)
class ProgrammeView:
    programme: Programme
    eligibility: Eligibility
    application: ProgrammeApplication | None


def programmes_for_enterprise(user: Any) -> list[ProgrammeView]:
    """The open programmes with the enterprise's eligibility (computed now) and its latest application."""
    own = enterprise_get_own(user)
    enterprise = enterprise_for_evaluation(own.pk)
    assert enterprise is not None
    bundle = facts_for(enterprise)
    results = results_now(bundle)
    applications: dict[int, ProgrammeApplication] = {}
    for app in ProgrammeApplication.objects.filter(enterprise=enterprise).order_by("created_at", "id"):
        applications[app.programme_id] = app  # the newest wins
    views = [ProgrammeView(p, eligibility(p, bundle, results, enterprise), applications.get(p.pk))
             for p in programme_list_for(user)]
    order = {"pass": 0, "unknown": 1, "fail": 2}
    return sorted(views, key=lambda v: (order[v.eligibility.status], v.programme.code))


def programme_view_own(user: Any, programme_id: int) -> ProgrammeView:
    for view in programmes_for_enterprise(user):
        if view.programme.pk == programme_id:
            return view
    raise NotFound(_("Programme not found."))


# --------------------------------------------------------------------------- applications

APPLICATION_FILTERS = ("status", "programme")


def application_list_own(user: Any) -> QuerySet[ProgrammeApplication]:
    enterprise = enterprise_get_own(user)
    return ProgrammeApplication.objects.filter(enterprise=enterprise).select_related("programme")


def application_list_for_operator(user: Any, filters: Mapping[str, Any] | None = None
                                  ) -> QuerySet[ProgrammeApplication]:
    require_operator(user)
    filters = filters or {}
    errors = FieldErrors()
    status = errors.choice("status", filters.get("status"), ApplicationStatus, required=False)
    programme = filters.get("programme")
    if programme not in (None, "") and not str(programme).isdigit():
        errors.add("programme", _("Enter a programme id."))
    errors.raise_if_any()
    rows = ProgrammeApplication.objects.select_related("programme", "enterprise__organisation")
    if status:
        rows = rows.filter(status=status)
    if programme not in (None, ""):
        rows = rows.filter(programme_id=int(str(programme)))
    return rows


def application_get_for(user: Any, application_id: int) -> ProgrammeApplication:
    """Operators see any application; an enterprise its own; others nothing."""
    if is_operator(user):
        rows = ProgrammeApplication.objects.all()
    else:
        rows = ProgrammeApplication.objects.filter(enterprise=enterprise_get_own(user))
    row = rows.select_related("programme", "enterprise__organisation").filter(pk=application_id).first()
    if row is None:
        raise NotFound(_("Application not found."))
    return row

