"""Every write of evaluations, declarations, badges, programmes and applications.

Each function is one transaction and writes its audit event in it. Evaluations are
re-run in the same transaction as a declaration change, and enqueued on commit when the
enterprises app changes statements, staff, IP or certifications
(``reevaluate_on_commit``); a nightly job re-runs every enterprise, because the rules
depend on the date (years operating, certificates expiring, the latest complete year).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member, require_operator
from bayfin.common.audit import audit_record, changed, snapshot
from bayfin.common.errors import Conflict, NotFound, ValidationFailed
from bayfin.common.i18n import format_amount
from bayfin.common.validation import FieldErrors
from bayfin.enterprises.models import Enterprise

from .engine import rules as rule_engine
from .engine.facts import HNTE_FIELDS, MACAO_TIERS, NO_HNTE_FIELD
from .engine.results import Result
from .explain import programmes as programme_text
from .models import (
    ApplicationStatus,
    Badge,
    Declaration,
    Evaluation,
    EvaluationStatus,
    Programme,
    ProgrammeApplication,
    RuleSet,
)
from .programme_fields import FIELDS
from .selectors import (
    BOOLEAN_QUESTIONS,
    QUESTIONS,
    SHARE_QUESTIONS,
    eligibility,
    enterprise_for_evaluation,
    facts_for,
    latest_evaluations,
    results_now,
)

NIGHTLY = "nightly"


# --------------------------------------------------------------------------- evaluations


def _material(result: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a reader would notice changing: the nightly run stores a row only when this does."""
    return (
        result.get("version"), result.get("status"), result.get("path"), result.get("score"),
        result.get("score_low"), result.get("score_high"), tuple(result.get("missing", ())),
        tuple((c["code"], c["status"]) for c in result.get("conditions", ())),
        tuple((i["code"], i["points"], i["low"], i["high"]) for i in result.get("indicators", ())),
    )


def _store(enterprise: Enterprise, result: Result, inputs: dict[str, Any], *, as_of: date, trigger: str,
           previous: Evaluation | None, actor: Any) -> Evaluation | None:
    payload = result.to_json()
    if previous is not None and previous.version == result.version:
        same = (_material(previous.result) == _material(payload) if trigger == NIGHTLY
                else previous.result == payload)
        if same:
            return None
    row = Evaluation.objects.create(
        enterprise=enterprise, rule_set=result.rule_set, version=result.version, as_of=as_of,
        status=result.status, path=result.path or "", score=result.score, score_low=result.score_low,
        score_high=result.score_high, inputs=inputs, result=payload, trigger=trigger,
    )
    audit_record(actor=actor, action="evaluation.evaluate", subject=row,
                 organisation_id=enterprise.organisation_id,
                 new={"rule_set": row.rule_set, "version": row.version, "status": row.status,
                      "score": row.score, "trigger": trigger})
    return row


@transaction.atomic
def evaluation_run(*, enterprise_id: int, trigger: str, actor: Any = None, on: date | None = None
                   ) -> list[Evaluation]:
    """Evaluate an enterprise by every current rule set; store each result that changed.

    Returns the rows written (none when nothing changed). Locks the enterprise so two
    runs for one enterprise do not interleave."""
    if not Enterprise.objects.select_for_update().filter(pk=enterprise_id).exists():
        raise NotFound(_("Enterprise not found."))
    enterprise = enterprise_for_evaluation(enterprise_id)
    assert enterprise is not None
    bundle = facts_for(enterprise, on)
    inputs = bundle.inputs_json()
    latest = latest_evaluations(enterprise)
    written: list[Evaluation] = []
    for rule_set, result in results_now(bundle).items():
        previous = latest.get(rule_set)
        row = _store(enterprise, result, inputs, as_of=bundle.facts.as_of, trigger=trigger,
                     previous=previous, actor=actor)
        if row is not None:
            written.append(row)
            if previous is None or previous.status != row.status:
                _matches_on_commit(enterprise.pk)  # a product's qualification requirement
        Badge.objects.filter(enterprise=enterprise, rule_set=rule_set).update(
            shown=result.status == EvaluationStatus.QUALIFIED)
    return written


def evaluation_request(*, actor: Any) -> list[Evaluation]:
    """A member asks for a fresh evaluation now; results that did not change are not stored again."""
    organisation = require_member(actor, OrganisationKind.ENTERPRISE)
    enterprise = Enterprise.objects.filter(organisation=organisation).first()
    if enterprise is None:
        raise NotFound(_("Your organisation has no enterprise profile."))
    return evaluation_run(enterprise_id=enterprise.pk, trigger="requested", actor=actor)


def _matches_on_commit(enterprise_id: int) -> None:
    from bayfin.matching.services import enterprise_matches_on_commit  # matching reads evaluations

    enterprise_matches_on_commit(enterprise_id)


def reevaluate_on_commit(enterprise_id: int, trigger: str) -> None:
    """Called by the enterprises services inside their transaction: re-evaluate once it commits."""
    from .tasks import evaluate_enterprise  # tasks import this module

    # robust: a failing re-evaluation must not turn the committed save into an error (the
    # nightly run catches up); it is logged.
    transaction.on_commit(lambda: evaluate_enterprise.delay(enterprise_id, trigger), robust=True)


def evaluation_run_all(*, trigger: str = NIGHTLY, on: date | None = None) -> int:
    """Re-evaluate every enterprise (the nightly job); returns how many rows were written."""
    written = 0
    for enterprise_id in Enterprise.objects.order_by("pk").values_list("pk", flat=True).iterator():
        written += len(evaluation_run(enterprise_id=enterprise_id, trigger=trigger, on=on))
    return written


# --------------------------------------------------------------------------- declarations


def _own_enterprise_locked(actor: Any) -> Enterprise:
    organisation = require_member(actor, OrganisationKind.ENTERPRISE)
    enterprise = Enterprise.objects.select_for_update().filter(organisation=organisation).first()
    if enterprise is None:
        raise NotFound(_("Your organisation has no enterprise profile."))
    return enterprise


_TRUE_WORDS = ("true", "yes", "1")
_FALSE_WORDS = ("false", "no", "0")


def clean_answer(errors: FieldErrors, question: str, value: Any) -> Any:
    """The stored form of one answer (JSON), or None to clear it; errors name the question."""
    if value is None or value == "":
        return None
    if question in BOOLEAN_QUESTIONS:
        if isinstance(value, bool):
            return value
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
        errors.add(question, _("Answer yes or no."))
        return None
    if question in SHARE_QUESTIONS:
        if isinstance(value, (bool, float)):
            errors.add(question, _("Send the percentage as a string, for example \"62.5\"."))
            return None
        try:
            share = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            errors.add(question, _("Enter a percentage between 0 and 100."))
            return None
        if not share.is_finite() or share < 0 or share > 100:
            errors.add(question, _("Enter a percentage between 0 and 100."))
            return None
        share = share.normalize()
        if share.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.add(question, _("Use at most 2 decimal places."))
            return None
        return format(share + 0, "f")  # plain fixed point ("62.5", "10", "0"), never "1E+1" or "-0"
    allowed = (*HNTE_FIELDS, NO_HNTE_FIELD) if question == "hnte_field" else MACAO_TIERS
    if value not in allowed:
        errors.add(question, _("Select a valid choice: %(value)s is not one of the available choices.")
                   % {"value": value})
        return None
    return str(value)


@transaction.atomic
def declarations_save(*, actor: Any, data: Mapping[str, Any]) -> list[Evaluation]:
    """Save some self-declared answers (an empty value clears one) and re-evaluate.

    All or nothing: any invalid answer refuses the whole change."""
    enterprise = _own_enterprise_locked(actor)
    errors = FieldErrors()
    for key in data:
        if key not in QUESTIONS:
            errors.add(key, _("Unknown question."))
    cleaned = {q: clean_answer(errors, q, data[q]) for q in QUESTIONS if q in data}
    errors.raise_if_any()
    current = {d.question: d for d in Declaration.objects.filter(enterprise=enterprise)}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    now = timezone.now()
    for question, answer in cleaned.items():
        row = current.get(question)
        before = row.answer if row else None
        if before == answer:
            continue
        old[question], new[question] = before, answer
        if answer is None:
            assert row is not None
            row.delete()
        elif row is None:
            Declaration.objects.create(enterprise=enterprise, question=question, answer=answer,
                                       declared_by=actor, declared_at=now)
        else:
            row.answer, row.declared_by, row.declared_at = answer, actor, now
            row.save(update_fields=["answer", "declared_by", "declared_at", "updated_at"])
    if not new:
        return []
    audit_record(actor=actor, action="evaluation.declare", subject=enterprise,
                 organisation_id=enterprise.organisation_id, old=old, new=new)
    return evaluation_run(enterprise_id=enterprise.pk, trigger="declarations", actor=actor)


# --------------------------------------------------------------------------- badges


@transaction.atomic
def badge_publish(*, actor: Any, rule_set: str) -> Badge:
    """Show a qualification (never a score) on the public profile; only while it qualifies."""
    enterprise = _own_enterprise_locked(actor)
    errors = FieldErrors()
    errors.choice("rule_set", rule_set, RuleSet)
    errors.raise_if_any()
    latest = latest_evaluations(enterprise).get(rule_set)
    if latest is None or latest.status != EvaluationStatus.QUALIFIED:
        raise ValidationFailed(
            _("Only a qualification can be published, and the latest evaluation does not qualify."),
            fields={"rule_set": [_("The latest evaluation of this rule set does not qualify.")]},
        )
    badge, created = Badge.objects.get_or_create(enterprise=enterprise, rule_set=rule_set,
                                                 defaults={"shown": True})
    if not created:
        raise Conflict(_("This badge is published already."))
    audit_record(actor=actor, action="evaluation.badge_publish", subject=badge,
                 organisation_id=enterprise.organisation_id, new={"rule_set": rule_set})
    return badge


@transaction.atomic
def badge_withdraw(*, actor: Any, rule_set: str) -> None:
    enterprise = _own_enterprise_locked(actor)
    badge = Badge.objects.filter(enterprise=enterprise, rule_set=rule_set).first()
    if badge is None:
        raise NotFound(_("This badge is not published."))
    audit_record(actor=actor, action="evaluation.badge_withdraw", subject=badge,
                 organisation_id=enterprise.organisation_id, old={"rule_set": rule_set})
    badge.delete()


# --------------------------------------------------------------------------- programmes

PROGRAMME_FIELDS = (
    "code", *Programme.NAME_FIELDS, *Programme.BENEFIT_FIELDS, "sponsor", "policy_source", "rule",
    "cap_amount", "cap_currency", "active_from", "active_until",
)


def clean_programme(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    code = errors.text("code", data.get("code"), max_length=60)
    if code and slugify(code) != code:
        errors.add("code", _("Use lowercase letters, digits and hyphens only."))
    out["code"] = code
    for name in Programme.NAME_FIELDS:
        out[name] = errors.text(name, data.get(name), required=name == "name_en", max_length=200)
    for name in Programme.BENEFIT_FIELDS:
        out[name] = errors.text(name, data.get(name), required=name == "benefit_en", max_length=4000)
    out["sponsor"] = errors.text("sponsor", data.get("sponsor"), required=False, max_length=200)
    out["policy_source"] = errors.text("policy_source", data.get("policy_source"), required=False,
                                       max_length=4000)
    rule = data.get("rule")
    if rule in (None, ""):
        errors.add("rule", _("This field is required."))
    else:
        try:
            out["rule"] = rule_engine.compile_rule(rule, FIELDS).to_json()
        except rule_engine.RuleErrors as exc:
            for err in exc.errors:
                errors.add("rule", programme_text.rule_error_text(err))
    cap_currency = data.get("cap_currency") or ""
    cap_amount = data.get("cap_amount")
    if cap_amount in (None, "") and not cap_currency:
        out["cap_amount"], out["cap_currency"] = None, ""
    else:
        currency = errors.currency("cap_currency", cap_currency)
        out["cap_amount"] = errors.money("cap_amount", cap_amount, currency)
        out["cap_currency"] = currency or ""
    out["active_from"] = errors.iso_date("active_from", data.get("active_from"))
    out["active_until"] = errors.iso_date("active_until", data.get("active_until"), required=False)
    if out["active_from"] and out["active_until"] and out["active_until"] < out["active_from"]:
        errors.add("active_until", _("The end cannot be before the start."))
    return out


def _programme_snapshot(programme: Programme) -> dict[str, Any]:
    return snapshot(programme, PROGRAMME_FIELDS)


@transaction.atomic
def programme_create(*, actor: Any, data: Mapping[str, Any]) -> Programme:
    require_operator(actor)
    errors = FieldErrors()
    values = clean_programme(errors, data)
    if values.get("code") and Programme.objects.filter(code=values["code"]).exists():
        errors.add("code", _("A programme with this code exists already."))
    errors.raise_if_any()
    programme = Programme.objects.create(**values)
    audit_record(actor=actor, action="evaluation.programme_create", subject=programme,
                 new=_programme_snapshot(programme))
    return programme


@transaction.atomic
def programme_update(*, actor: Any, programme_id: int, data: Mapping[str, Any]) -> Programme:
    """Change a programme; ``data`` may hold only some fields. The code never changes."""
    require_operator(actor)
    programme = Programme.objects.select_for_update().filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(_("Programme not found."))
    merged = _programme_snapshot(programme)
    merged.update({k: v for k, v in data.items() if k in PROGRAMME_FIELDS and k != "code"})
    errors = FieldErrors()
    values = clean_programme(errors, merged)
    errors.raise_if_any()
    old = _programme_snapshot(programme)
    for name, value in values.items():
        setattr(programme, name, value)
    programme.save()
    before, after = changed(old, _programme_snapshot(programme))
    if after:
        audit_record(actor=actor, action="evaluation.programme_update", subject=programme, old=before, new=after)
    return programme


# --------------------------------------------------------------------------- applications


def eligibility_record(outcome: rule_engine.Outcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "failures": [programme_text.leaf_text(leaf, getattr(leaf, "actual", None)) for leaf in outcome.failures],
        "unknown": list(outcome.unknown),
    }


@transaction.atomic
def application_submit(*, actor: Any, programme_id: int, data: Mapping[str, Any]) -> ProgrammeApplication:
    """Apply to an open programme the enterprise is eligible for (checked now, recorded)."""
    require_member(actor, OrganisationKind.ENTERPRISE, verified=True)
    enterprise = _own_enterprise_locked(actor)
    today = timezone.localdate()
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None or not programme.is_open_on(today):
        raise NotFound(_("Programme not found."))
    errors = FieldErrors()
    amount = None
    currency = ""
    if data.get("amount") not in (None, ""):
        currency = errors.currency("currency", data.get("currency") or programme.cap_currency or "CNY") or ""
        amount = errors.money("amount", data.get("amount"), currency or None)
        if programme.cap_amount is not None and currency and currency != programme.cap_currency:
            errors.add("currency", _("Ask in %(currency)s, the programme's currency.")
                       % {"currency": programme.cap_currency})
        elif programme.cap_amount is not None and amount is not None and amount > programme.cap_amount:
            errors.add("amount", _("The programme gives at most %(cap)s to one enterprise.")
                       % {"cap": format_amount(programme.cap_amount, programme.cap_currency)})
    note = errors.text("note", data.get("note"), required=False, max_length=4000)
    errors.raise_if_any()
    fresh = enterprise_for_evaluation(enterprise.pk)
    assert fresh is not None
    bundle = facts_for(fresh, today)
    check = eligibility(programme, bundle, results_now(bundle), fresh)
    record = eligibility_record(check.outcome)
    if check.status == "fail":
        raise ValidationFailed(_("Your enterprise does not meet this programme's conditions: %(failures)s")
                               % {"failures": "; ".join(record["failures"])})
    if check.status == "unknown":
        raise ValidationFailed(_("The platform lacks what this programme's conditions need: %(missing)s")
                               % {"missing": "; ".join(programme_text.unknown_text(f) for f in record["unknown"])})
    if ProgrammeApplication.objects.filter(programme=programme, enterprise=enterprise,
                                           status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]
                                           ).exists():
        raise Conflict(_("Your enterprise has an open or approved application to this programme already."))
    try:
        with transaction.atomic():
            application = ProgrammeApplication.objects.create(
                programme=programme, enterprise=enterprise, amount=amount, currency=currency, note=note,
                eligibility=record, submitted_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("Your enterprise has an open or approved application to this programme already.")) from None
    audit_record(actor=actor, action="evaluation.application_submit", subject=application,
                 organisation_id=enterprise.organisation_id,
                 new={"programme": programme.code, "amount": amount, "currency": currency})
    return application


def _application_locked(application_id: int) -> ProgrammeApplication:
    application = (ProgrammeApplication.objects.select_for_update().select_related("programme", "enterprise")
                   .filter(pk=application_id).first())
    if application is None:
        raise NotFound(_("Application not found."))
    return application


@transaction.atomic
def application_withdraw(*, actor: Any, application_id: int) -> ProgrammeApplication:
    organisation = require_member(actor, OrganisationKind.ENTERPRISE)
    application = _application_locked(application_id)
    if application.enterprise.organisation_id != organisation.pk:
        raise NotFound(_("Application not found."))
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(_("Only a submitted application can be withdrawn; this one is %(status)s.")
                       % {"status": application.get_status_display()})
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="evaluation.application_withdraw", subject=application,
                 organisation_id=organisation.pk, old={"status": "submitted"}, new={"status": "withdrawn"})
    return application


DECISIONS = ("approve", "reject")


@transaction.atomic
def application_decide(*, actor: Any, application_id: int, decision: Any, note: Any = "",
                       amount_granted: Any = None) -> ProgrammeApplication:
    """An operator approves (optionally with the amount granted, within the cap) or rejects (with a reason)."""
    require_operator(actor)
    application = _application_locked(application_id)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(_("This application was decided already: it is %(status)s.")
                       % {"status": application.get_status_display()})
    errors = FieldErrors()
    decision = errors.choice("decision", decision, DECISIONS)
    reason = errors.text("note", note, required=decision == "reject", max_length=4000)
    programme = application.programme
    granted = None
    currency = application.currency or programme.cap_currency or "CNY"
    if decision == "approve" and amount_granted not in (None, ""):
        granted = errors.money("amount_granted", amount_granted, currency)
        if granted is not None and programme.cap_amount is not None and currency != programme.cap_currency:
            errors.add("amount_granted", _("The programme's cap is in %(currency)s; this application is in "
                                           "%(other)s.") % {"currency": programme.cap_currency, "other": currency})
        elif granted is not None and programme.cap_amount is not None and granted > programme.cap_amount:
            errors.add("amount_granted", _("The programme gives at most %(cap)s to one enterprise.")
                       % {"cap": format_amount(programme.cap_amount, programme.cap_currency)})
    errors.raise_if_any()
    application.status = ApplicationStatus.APPROVED if decision == "approve" else ApplicationStatus.REJECTED
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_note = reason
    if granted is not None:
        application.amount_granted, application.currency = granted, currency
    application.save()
    audit_record(actor=actor, action="evaluation.application_decide", subject=application,
                 organisation_id=application.enterprise.organisation_id, old={"status": "submitted"},
                 new={"status": application.status, "amount_granted": granted, "note": reason})
    return application

