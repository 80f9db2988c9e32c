"""The evaluation API: an enterprise's evaluations (explained), its self-declared answers and
badges; policy programmes with eligibility, applications and their decisions.

Money travels as ``{"amount": "1000.00", "currency": "CNY"}`` and every decimal as a string,
never a float; a JSON number for an amount or a percentage is refused by the service with a
clear reason (integers are parsed exactly). Results carry codes and numbers plus the sentences
``explain`` makes of them in the reader's language.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from bayfin.accounts.selectors import is_operator
from bayfin.common.schemas import ErrorOut, MoneyOut, Pagination, StrictIn, money_out

from . import selectors, services
from .explain import explained
from .explain import programmes as programme_text
from .models import Badge, Declaration, Evaluation, Programme, ProgrammeApplication

router = Router(tags=["evaluations"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# Amounts and percentages: strings. Numbers are accepted only to be refused with a clear
# reason (floats) or parsed exactly (integers).
Number = str | int | float | None

# --------------------------------------------------------------------------- schemas: evaluations


class IndicatorOut(Schema):
    code: str
    points: int | None
    low: int
    high: int
    max_points: int
    text: str


class ConditionOut(Schema):
    code: str
    status: str
    text: str


class MissingOut(Schema):
    code: str
    text: str


class ChangeOut(Schema):
    kind: str
    amount: str
    text: str


class AdviceOut(Schema):
    text: str
    relative_size: str
    changes: list[ChangeOut]


class ResultOut(Schema):
    rule_set: str
    rule_set_name: str
    version: str
    status: str
    status_name: str
    path: str | None
    path_text: str
    score: int | None
    score_low: int
    score_high: int
    pass_mark: int | None
    indicators: list[IndicatorOut]
    conditions: list[ConditionOut]
    missing: list[MissingOut]
    advice: list[AdviceOut]


class RateUsedOut(Schema):
    year: int
    currency: str
    rate: str
    rate_day: date | None
    path: str


class EvaluationSummaryOut(Schema):
    id: int
    rule_set: str
    version: str
    as_of: date
    created_at: datetime
    trigger: str
    status: str
    path: str
    score: int | None
    score_low: int
    score_high: int


class EvaluationOut(Schema):
    id: int
    rule_set: str
    version: str
    as_of: date
    created_at: datetime
    trigger: str
    result: ResultOut
    conversions: list[RateUsedOut]


class EvaluationDetailOut(EvaluationOut):
    inputs: dict[str, Any]


class RunOut(Schema):
    changed: list[str]
    evaluations: list[EvaluationOut]


def _result(row: Evaluation) -> dict[str, Any]:
    data = explained(selectors.result_of(row))
    for advice in data["advice"]:
        advice["relative_size"] = str(advice["relative_size"])
        for change in advice["changes"]:
            change["amount"] = str(change["amount"])
    return data


def evaluation_out(row: Evaluation, *, with_inputs: bool = False) -> dict[str, Any]:
    out = {
        "id": row.pk, "rule_set": row.rule_set, "version": row.version, "as_of": row.as_of,
        "created_at": row.created_at, "trigger": row.trigger, "result": _result(row),
        "conversions": [{"year": c.get("year"), "currency": c.get("currency"), "rate": str(c.get("rate")),
                         "rate_day": c.get("rate_day") or None, "path": c.get("path", "")}
                        for c in row.inputs.get("conversions", [])],
    }
    if with_inputs:
        out["inputs"] = row.inputs
    return out


class HistoryFilters(Schema):
    rule_set: str | None = None


# --------------------------------------------------------------------------- schemas: declarations


class DeclarationOut(Schema):
    question: str
    answer: bool | str | None
    declared_by: str | None
    declared_at: datetime | None


class DeclarationsPatch(StrictIn):
    """Any of the questions; ``null`` clears an answer. Yes/no questions take true or false,
    the two shares a percentage as a string ("62.5"), the choices a code."""

    restricted_industry: bool | str | None = None
    serious_incident: bool | str | None = None
    on_credit_blacklist: bool | str | None = None
    national_award_top3: bool | str | None = None
    provincial_rd_institution: bool | str | None = None
    led_standard: bool | str | None = None
    macao_scitech_main_business: bool | str | None = None
    high_tech_income_share: Number = None
    rd_in_china_share: Number = None
    hnte_field: str | None = None
    macao_tier: str | None = None


def declarations_out(stored: dict[str, Declaration]) -> list[dict[str, Any]]:
    out = []
    for question in selectors.QUESTIONS:
        row = stored.get(question)
        out.append({"question": question, "answer": row.answer if row else None,
                    "declared_by": row.declared_by.email if row else None,
                    "declared_at": row.declared_at if row else None})
    return out


# --------------------------------------------------------------------------- schemas: badges


class BadgeIn(StrictIn):
    rule_set: str | None = None


class BadgeOut(Schema):
    rule_set: str
    shown: bool
    published_at: datetime

    @staticmethod
    def resolve_published_at(obj: Badge) -> datetime:
        return obj.created_at


# --------------------------------------------------------------------------- schemas: programmes


class EligibilityOut(Schema):
    status: str
    failures: list[str]
    unknown: list[str]


class ApplicationRefOut(Schema):
    id: int
    status: str


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    name_pt: str
    benefit: str
    benefit_en: str
    benefit_zh_hans: str
    benefit_zh_hant: str
    benefit_pt: str
    sponsor: str
    policy_source: str
    rule: Any
    criteria: list[str]
    cap: MoneyOut | None
    active_from: date
    active_until: date | None
    open: bool
    eligibility: EligibilityOut | None
    application: ApplicationRefOut | None


class ProgrammePatch(StrictIn):
    """Any of a programme's fields but its code (which never changes). ``rule`` is JSON Logic
    (an object, or its JSON text); the cap's amount is a string."""

    name_en: str | None = None
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_pt: str | None = None
    benefit_en: str | None = None
    benefit_zh_hans: str | None = None
    benefit_zh_hant: str | None = None
    benefit_pt: str | None = None
    sponsor: str | None = None
    policy_source: str | None = None
    rule: Any = None
    cap_amount: Number = None
    cap_currency: str | None = None
    active_from: date | None = None
    active_until: date | None = None


class ProgrammeIn(ProgrammePatch):
    code: str | None = None


def programme_out(programme: Programme, view: selectors.ProgrammeView | None = None) -> dict[str, Any]:
    fields = (*Programme.NAME_FIELDS, *Programme.BENEFIT_FIELDS, "sponsor", "policy_source", "rule",
              "active_from", "active_until")
    out: dict[str, Any] = {name: getattr(programme, name) for name in fields}
    out.update({
        "id": programme.pk, "code": programme.code, "name": programme.display_name(),
        "benefit": programme.benefit(),
        "criteria": [programme_text.leaf_text(leaf) for leaf in selectors.compiled_rule(programme).leaves()],
        "cap": money_out(programme.cap_amount, programme.cap_currency),
        "open": programme.is_open_on(timezone.localdate()), "eligibility": None, "application": None,
    })
    if view is not None:
        outcome = view.eligibility.outcome
        out["eligibility"] = {"status": view.eligibility.status,
                              "failures": [programme_text.leaf_text(leaf) for leaf in outcome.failures],
                              "unknown": [programme_text.unknown_text(f) for f in outcome.unknown]}
        if view.application is not None:
            out["application"] = {"id": view.application.pk, "status": view.application.status}
    return out


# --------------------------------------------------------------------------- schemas: applications


class ApplicationIn(StrictIn):
    """The amount asked (optional, a string) in the programme's currency, and a note."""

    amount: Number = None
    currency: str | None = None
    note: str | None = None


class DecisionIn(StrictIn):
    """``approve`` (optionally with the amount granted, a string) or ``reject`` (with a reason in ``note``)."""

    decision: str | None = None
    note: str | None = None
    amount_granted: Number = None


class ApplicationFilters(Schema):
    status: str | None = None
    programme: str | None = None


class RefOut(Schema):
    id: int
    name: str


class ProgrammeRefOut(RefOut):
    code: str


class ApplicationOut(Schema):
    id: int
    programme: ProgrammeRefOut
    enterprise: RefOut
    status: str
    amount: MoneyOut | None
    note: str
    eligibility: EligibilityOut
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str
    amount_granted: MoneyOut | None

    @staticmethod
    def resolve_programme(obj: ProgrammeApplication) -> dict[str, Any]:
        return {"id": obj.programme_id, "code": obj.programme.code, "name": obj.programme.display_name()}

    @staticmethod
    def resolve_enterprise(obj: ProgrammeApplication) -> dict[str, Any]:
        return {"id": obj.enterprise_id, "name": obj.enterprise.organisation.display_name()}

    @staticmethod
    def resolve_amount(obj: ProgrammeApplication) -> dict[str, str] | None:
        return money_out(obj.amount, obj.currency)

    @staticmethod
    def resolve_amount_granted(obj: ProgrammeApplication) -> dict[str, str] | None:
        return money_out(obj.amount_granted, obj.currency)

    @staticmethod
    def resolve_submitted_at(obj: ProgrammeApplication) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_eligibility(obj: ProgrammeApplication) -> dict[str, Any]:
        """As recorded when submitted (the failures in the words of that day)."""
        recorded = obj.eligibility or {}
        return {"status": recorded.get("status", ""), "failures": list(recorded.get("failures", [])),
                "unknown": [programme_text.unknown_text(f) for f in recorded.get("unknown", [])]}


# --------------------------------------------------------------------------- evaluations
# Fixed paths first: "/{evaluation_id}" comes last.


@router.get("", response={200: list[EvaluationOut], **ERRORS},
            summary="My enterprise's latest evaluation by each rule set, explained",
            description="One entry per rule set evaluated so far (sci-tech SME, HNTE pre-check, Macao technology "
            "enterprise): status, qualification path, score or reachable range, indicators, conditions, missing "
            "inputs and gap advice (ranked by the size of the change relative to today's value), with the "
            "rule-set version and the exchange rates used.")
def latest(request: HttpRequest) -> Any:
    return [evaluation_out(row) for row in selectors.evaluation_latest_own(request.user).values()]


@router.post("/run", response={200: RunOut, **ERRORS}, summary="Evaluate my enterprise now",
             description="Results that did not change are not stored again; `changed` names the rule sets "
             "whose result did.")
def run(request: HttpRequest) -> Any:
    written = services.evaluation_request(actor=request.user)
    return {"changed": [row.rule_set for row in written],
            "evaluations": [evaluation_out(row) for row in selectors.evaluation_latest_own(request.user).values()]}


@router.get("/history", response={200: list[EvaluationSummaryOut], **ERRORS},
            summary="My enterprise's stored evaluations (newest first)")
@paginate(Pagination)
def history(request: HttpRequest, filters: Query[HistoryFilters]) -> Any:
    return selectors.evaluation_history_own(request.user, filters.rule_set or None)


# --------------------------------------------------------------------------- declarations


@router.get("/declarations", response={200: list[DeclarationOut], **ERRORS},
            summary="My enterprise's self-declared answers",
            description="Every question the rules ask that the profile does not hold; `answer` is null when "
            "unanswered (reported as missing, never assumed).")
def declarations(request: HttpRequest) -> Any:
    return declarations_out(selectors.declarations_own(request.user))


@router.patch("/declarations", response={200: list[DeclarationOut], **ERRORS},
              summary="Answer some questions (null clears one); the enterprise is re-evaluated",
              description="All or nothing: any invalid answer refuses the whole change, naming the question.")
def declarations_update(request: HttpRequest, payload: DeclarationsPatch) -> Any:
    services.declarations_save(actor=request.user, data=payload.dict(exclude_unset=True))
    return declarations_out(selectors.declarations_own(request.user))


# --------------------------------------------------------------------------- badges


@router.post("/badges", response={201: BadgeOut, **ERRORS},
             summary="Publish a qualification as a badge on my public profile",
             description="Only while the latest evaluation of the rule set qualifies; the score is never shown.")
def badge_publish(request: HttpRequest, payload: BadgeIn) -> Any:
    return Status(201, services.badge_publish(actor=request.user, rule_set=payload.rule_set or ""))


@router.delete("/badges/{rule_set}", response={204: None, **ERRORS}, summary="Withdraw a badge")
def badge_withdraw(request: HttpRequest, rule_set: str) -> Any:
    services.badge_withdraw(actor=request.user, rule_set=rule_set)
    return Status(204, None)


# --------------------------------------------------------------------------- programmes


@router.get("/programmes", response={200: list[ProgrammeOut], **ERRORS}, summary="Policy programmes",
            description="For an enterprise member: the programmes open today with its eligibility (the failing "
            "conditions as sentences, and the fields the platform does not know yet), eligible first. For "
            "operators: every programme, open or closed, without eligibility.")
@paginate(Pagination)
def programmes(request: HttpRequest) -> Any:
    if is_operator(request.user):
        return [programme_out(p) for p in selectors.programme_list_for(request.user)]
    return [programme_out(v.programme, v) for v in selectors.programmes_for_enterprise(request.user)]


@router.post("/programmes", response={201: ProgrammeOut, **ERRORS}, summary="Create a programme (operators)",
             description="The rule is checked against the field catalogue; every problem is named under "
             "`fields.rule` with its place in the rule (for example `and[1]: unknown field ...`).")
def programme_create(request: HttpRequest, payload: ProgrammeIn) -> Any:
    return Status(201, programme_out(services.programme_create(actor=request.user,
                                                               data=payload.dict(exclude_unset=True))))


@router.get("/programmes/{int:programme_id}", response={200: ProgrammeOut, **ERRORS}, summary="One programme")
def programme_detail(request: HttpRequest, programme_id: int) -> Any:
    if is_operator(request.user):
        return programme_out(selectors.programme_get_for(request.user, programme_id))
    view = selectors.programme_view_own(request.user, programme_id)
    return programme_out(view.programme, view)


@router.patch("/programmes/{int:programme_id}", response={200: ProgrammeOut, **ERRORS},
              summary="Change a programme (operators)")
def programme_update(request: HttpRequest, programme_id: int, payload: ProgrammePatch) -> Any:
    return programme_out(services.programme_update(actor=request.user, programme_id=programme_id,
                                                   data=payload.dict(exclude_unset=True)))


@router.post("/programmes/{int:programme_id}/applications", response={201: ApplicationOut, **ERRORS},
             summary="Apply to an open programme my enterprise is eligible for",
             description="Eligibility is checked now and recorded with the application; one open or approved "
             "application per programme (409 otherwise).")
def application_submit(request: HttpRequest, programme_id: int, payload: ApplicationIn) -> Any:
    return Status(201, services.application_submit(actor=request.user, programme_id=programme_id,
                                                   data=payload.dict(exclude_unset=True)))


# --------------------------------------------------------------------------- applications


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS}, summary="Programme applications",
            description="An enterprise's own; for operators every application, filtered by `status` and "
            "`programme` (an id).")
@paginate(Pagination)
def applications(request: HttpRequest, filters: Query[ApplicationFilters]) -> Any:
    if is_operator(request.user):
        rows = selectors.application_list_for_operator(request.user, filters.dict())
    else:
        rows = selectors.application_list_own(request.user)
    return rows.select_related("programme", "enterprise__organisation").order_by("-created_at", "-id")


@router.get("/applications/{int:application_id}", response={200: ApplicationOut, **ERRORS},
            summary="One application")
def application_detail(request: HttpRequest, application_id: int) -> Any:
    return selectors.application_get_for(request.user, application_id)


@router.post("/applications/{int:application_id}/withdraw", response={200: ApplicationOut, **ERRORS},
             summary="Withdraw my enterprise's submitted application")
def application_withdraw(request: HttpRequest, application_id: int) -> Any:
    return services.application_withdraw(actor=request.user, application_id=application_id)


@router.post("/applications/{int:application_id}/decision", response={200: ApplicationOut, **ERRORS},
             summary="Approve or reject a submitted application (operators)")
def application_decide(request: HttpRequest, application_id: int, payload: DecisionIn) -> Any:
    data = payload.dict(exclude_unset=True)
    return services.application_decide(actor=request.user, application_id=application_id,
                                       decision=data.get("decision"), note=data.get("note") or "",
                                       amount_granted=data.get("amount_granted"))


# --------------------------------------------------------------------------- one evaluation (last: "/{id}")


@router.get("/{int:evaluation_id}", response={200: EvaluationDetailOut, **ERRORS},
            summary="One stored evaluation, re-explained, with the inputs it read")
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> Any:
    return evaluation_out(selectors.evaluation_get_own(request.user, evaluation_id), with_inputs=True)
