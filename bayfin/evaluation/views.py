"""Pages for evaluations and policy programmes.

Enterprise members see their evaluation by every rule set (indicators, conditions, missing
inputs, gap advice), answer the self-declared questions, read their history, see the open
programmes with their eligibility and apply. Operators keep the programmes and decide the
applications. Thin views over ``services`` and ``selectors``; ``explain`` turns results into
sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import DomainError, NotFound, ValidationFailed
from bayfin.common.forms import apply_domain_error, form_page
from bayfin.common.i18n import format_number

from . import selectors, services
from .engine import rules as rule_engine
from .explain import explained, rule_set_name
from .explain import programmes as programme_text
from .forms import (
    QUESTION_GROUPS,
    QUESTION_TEXT,
    ApplicationFilterForm,
    ApplicationForm,
    DecisionForm,
    DeclarationsForm,
    HistoryFilterForm,
    ProgrammeForm,
    hnte_field_choices,
    macao_tier_choices,
)
from .models import ApplicationStatus, Evaluation, Programme, ProgrammeApplication, RuleSet
from .programme_fields import FIELD_UNITS, FIELDS, choice_label, field_label

PAGE_SIZE = 25


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _posted(request: HttpRequest) -> Any:
    """The POST data of a submit (even an empty one: a form with no field filled in is still sent)."""
    return request.POST if request.method == "POST" else None


def _error_text(exc: DomainError) -> str:
    reasons = [str(m) for msgs in exc.fields.values() for m in msgs]
    return " ".join([str(exc.message), *reasons]).strip() if exc.message else " ".join(reasons)


# ------------------------------------------------------------------ results, as pages show them


def _missing_link(code: str) -> tuple[str, str] | None:
    """Where the enterprise supplies a missing input (None for the experts' or committee's parts)."""
    if code in selectors.QUESTIONS:
        return f"{reverse('evaluation:declarations')}#q-{code}", _("Answer it")
    if code.startswith("statements"):
        return reverse("enterprises:statements"), _("Add financial statements")
    if code in ("employees", "tech_staff", "founding_date", "class_i_ip", "class_ii_ip"):
        return reverse("enterprises:profile"), _("Complete the profile")
    return None


def _percent_of_today(size: Decimal) -> str:
    return format_number((Decimal(size) * 100).quantize(Decimal("0.1")))


def result_context(row: Evaluation) -> dict[str, Any]:
    """One stored evaluation, re-explained in the reader's language (the ``_result.html`` partial)."""
    result = explained(selectors.result_of(row))
    result["score_max"] = sum(i["max_points"] for i in result["indicators"])
    for item in result["missing"]:
        link = _missing_link(item["code"])
        item["url"], item["action"] = link if link else ("", "")
    for advice in result["advice"]:
        advice["percent"] = _percent_of_today(advice["relative_size"])
        # Built from nothing (no IP of the kind, no R&D yet): a percentage of zero would mislead.
        advice["from_none"] = any(c["value_from"] == 0 for c in advice["changes"])
    conversions = [
        {**c, "rate_day": date.fromisoformat(c["rate_day"]) if c.get("rate_day") else None}
        for c in row.inputs.get("conversions", [])
    ]
    return {"evaluation": row, "result": result, "conversions": conversions,
            "unconverted": row.inputs.get("unconverted", [])}


# Why an evaluation ran, in words (an unknown trigger shows as its code).
TRIGGERS: dict[str, Callable[[], str]] = {
    "requested": lambda: _("You asked"),
    "declarations": lambda: _("Answers changed"),
    "statements": lambda: _("Statements changed"),
    "profile": lambda: _("Profile changed"),
    "certifications": lambda: _("Certifications changed"),
    "nightly": lambda: _("Nightly check"),
    "demo": lambda: _("Demo data"),
}


def trigger_text(trigger: str) -> str:
    text = TRIGGERS.get(trigger)
    return text() if text else trigger


def answer_text(question: str, answer: Any) -> str:
    if answer is None or answer == "":
        return _("Not answered")
    if question in selectors.BOOLEAN_QUESTIONS:
        return _("Yes") if answer in (True, "yes", "true") else _("No")
    if question in selectors.SHARE_QUESTIONS:
        return _("%(n)s%%") % {"n": format_number(Decimal(str(answer)))}
    choices = dict(hnte_field_choices() if question == "hnte_field" else macao_tier_choices())
    return str(choices.get(answer, answer))


def _inputs_summary(row: Evaluation) -> dict[str, Any]:
    inputs = row.inputs
    declared = inputs.get("declarations", {}) or {}
    return {
        "as_of": date.fromisoformat(inputs["as_of"]) if inputs.get("as_of") else row.as_of,
        "employees": inputs.get("employees"),
        "tech_staff": inputs.get("tech_staff"),
        "class_i_ip": inputs.get("class_i_ip"),
        "class_ii_ip": inputs.get("class_ii_ip"),
        "hnte_certificate_valid": inputs.get("hnte_certificate_valid"),
        "certifications": inputs.get("certifications", []),
        "years": [{k: (Decimal(v) if k != "year" else v) for k, v in y.items()} for y in inputs.get("years", [])],
        "declarations": [{"label": QUESTION_TEXT[q][0], "answer": answer_text(q, declared.get(q))}
                         for q in selectors.QUESTIONS if declared.get(q) is not None],
    }


# ------------------------------------------------------------------ enterprise: evaluation


@role_required("enterprise")
def overview(request: HttpRequest) -> HttpResponse:
    try:
        latest = selectors.evaluation_latest_own(request.user)
        badges = selectors.badges_own(request.user)
    except NotFound:
        return render(request, "evaluation/overview.html", {"no_profile": True, "cards": []})
    cards = []
    for rule_set in RuleSet.values:
        row = latest.get(rule_set)
        card: dict[str, Any] = {"rule_set": rule_set, "name": rule_set_name(rule_set), "badge": badges.get(rule_set)}
        if row is not None:
            card.update(result_context(row))
        cards.append(card)
    return render(request, "evaluation/overview.html", {"cards": cards, "no_profile": False})


@require_POST
@role_required("enterprise")
def evaluate(request: HttpRequest) -> HttpResponse:
    try:
        written = services.evaluation_request(actor=request.user)
    except NotFound:
        messages.error(request, _("Complete your company profile first: the evaluation reads it."))
        return redirect("evaluation:overview")
    if written:
        messages.success(request, _("Evaluated now: %(names)s changed.")
                         % {"names": ", ".join(rule_set_name(r.rule_set) for r in written)})
    else:
        messages.info(request, _("Evaluated now: nothing changed since the last evaluation."))
    return redirect("evaluation:overview")


@require_POST
@role_required("enterprise")
def badge_publish(request: HttpRequest) -> HttpResponse:
    rule_set = request.POST.get("rule_set", "")
    try:
        services.badge_publish(actor=request.user, rule_set=rule_set)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s now shows on your public profile (the qualification only, never the "
                                    "score).") % {"name": rule_set_name(rule_set)})
    return redirect("evaluation:overview")


@require_POST
@role_required("enterprise")
def badge_withdraw(request: HttpRequest) -> HttpResponse:
    rule_set = request.POST.get("rule_set", "")
    try:
        services.badge_withdraw(actor=request.user, rule_set=rule_set)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s no longer shows on your public profile.")
                         % {"name": rule_set_name(rule_set)})
    return redirect("evaluation:overview")


@role_required("enterprise")
def declarations(request: HttpRequest) -> HttpResponse:
    stored = selectors.declarations_own(request.user)
    form = DeclarationsForm(_posted(request), initial=DeclarationsForm.initial_for(stored))
    if request.method == "POST" and form.is_valid():
        try:
            written = services.declarations_save(actor=request.user, data=form.service_data())
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            if written:
                messages.success(request, _("Your answers are saved and the evaluation is updated: %(names)s "
                                            "changed.") % {"names": ", ".join(rule_set_name(r.rule_set)
                                                                              for r in written)})
            else:
                messages.success(request, _("Your answers are saved."))
            return redirect("evaluation:overview")
    groups = [{"title": title, "fields": [{"field": form[name], "declared": stored.get(name)} for name in names]}
              for title, names in QUESTION_GROUPS]
    return render(request, "evaluation/declarations.html", {"form": form, "groups": groups})


@role_required("enterprise")
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET or None)
    rule_set = request.GET.get("rule_set") or None
    try:
        rows = selectors.evaluation_history_own(request.user, rule_set)
    except ValidationFailed as exc:
        form.is_valid()
        apply_domain_error(form, exc)
        rows = selectors.evaluation_history_own(request.user)
        rule_set = None
    page_obj = _page(request, rows)
    for row in page_obj.object_list:
        row.rule_set_name = rule_set_name(row.rule_set)
        row.trigger_text = trigger_text(row.trigger)
    return render(request, "evaluation/history.html", {"form": form, "page_obj": page_obj,
                                                       "filtered": bool(rule_set)})


@role_required("enterprise")
def detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    row = selectors.evaluation_get_own(request.user, evaluation_id)
    return render(request, "evaluation/detail.html", {**result_context(row), "inputs": _inputs_summary(row),
                                                      "name": rule_set_name(row.rule_set),
                                                      "trigger": trigger_text(row.trigger)})


# ------------------------------------------------------------------ enterprise: programmes


def _eligibility_texts(outcome: rule_engine.Outcome) -> dict[str, list[str]]:
    return {"failures": [programme_text.leaf_text(leaf) for leaf in outcome.failures],
            "unknown": [programme_text.unknown_text(f) for f in outcome.unknown]}


@role_required("enterprise")
def programmes(request: HttpRequest) -> HttpResponse:
    views = selectors.programmes_for_enterprise(request.user)
    items = [{"view": v, "programme": v.programme, "status": v.eligibility.status,
              "application": v.application, **_eligibility_texts(v.eligibility.outcome)} for v in views]
    return render(request, "evaluation/programmes.html", {"items": items})


@role_required("enterprise")
def programme(request: HttpRequest, programme_id: int) -> HttpResponse:
    view = selectors.programme_view_own(request.user, programme_id)
    item = view.programme
    rule = selectors.compiled_rule(item)
    form = ApplicationForm(_posted(request), initial={"currency": item.cap_currency})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(actor=request.user, programme_id=item.pk, data=form.cleaned_data)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except NotFound:
            raise
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Your application is submitted. The platform operator decides it; its "
                                        "status shows below."))
            return redirect("evaluation:programme", programme_id=item.pk)
    applications = selectors.application_list_own(request.user).filter(programme=item).order_by("-created_at", "-id")
    open_application = any(a.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)
                           for a in applications)
    return render(request, "evaluation/programme.html", {
        "programme": item, "view": view, "status": view.eligibility.status,
        **_eligibility_texts(view.eligibility.outcome),
        "criteria": programme_text.rule_outline(rule),
        "form": form, "applications": applications, "can_apply": view.eligibility.eligible and not open_application,
    })


@require_POST
@role_required("enterprise")
def application_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for(request.user, application_id)
    try:
        services.application_withdraw(actor=request.user, application_id=application.pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("evaluation:programme", programme_id=application.programme_id)


# ------------------------------------------------------------------ operators: programmes

_TYPE_TEXT: dict[str, Callable[[], str]] = {
    "number": lambda: _("a number"),
    "integer": lambda: _("a whole number"),
    "string": lambda: _("a code"),
    "boolean": lambda: _("true or false"),
    "list": lambda: _("a list of codes"),
}
# The operators a field of each type takes, as the operator writes them.
_OPERATORS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    "number": ("==", "!=", "<", "<=", ">", ">=", "in"),
    "integer": ("==", "!=", "<", "<=", ">", ">=", "in"),
    "string": ("==", "!=", "in"),
    "boolean": ("==", "!="),
    "list": ("in",),
}
_UNIT_TEXT: dict[str, Callable[[], str]] = {"percent": lambda: _("percent, 0 to 100")}

RULE_EXAMPLE = """{"and": [
  {"in": [{"var": "enterprise.jurisdiction"}, ["hengqin", "macao"]]},
  {">=": [{"var": "enterprise.rd_share_of_revenue"}, "3"]},
  {"or": [
    {"==": [{"var": "evaluation.scitech_sme.status"}, "qualified"]},
    {"in": ["hnte", {"var": "enterprise.certifications"}]}
  ]}
]}"""


def _field_help() -> list[dict[str, Any]]:
    rows = []
    for name, spec in FIELDS.items():
        unit = FIELD_UNITS.get(name)
        unit_text = _UNIT_TEXT[unit]() if unit in _UNIT_TEXT else (unit or "")
        rows.append({
            "field": name, "label": field_label(name), "type": _TYPE_TEXT[spec.type](), "unit": unit_text,
            "operators": _OPERATORS_FOR_TYPE.get(spec.type, ()),
            "codes": [{"code": c, "label": choice_label(name, c)} for c in sorted(spec.choices or ())],
        })
    return rows



@role_required("operator")
def operator_programmes(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(selectors.programme_list_for(request.user))
    return render(request, "evaluation/operator_programmes.html", {
        "programmes": rows, "open_ids": {row.pk for row in rows if row.is_open_on(today)}})


def _programme_form_page(request: HttpRequest, item: Programme | None) -> HttpResponse:
    if item is None:
        form = ProgrammeForm(_posted(request), initial={"active_from": timezone.localdate().isoformat(),
                                                            "rule": "{\"and\": [\n  \n]}"})
    else:
        form = ProgrammeForm(_posted(request), initial=ProgrammeForm.initial_for(item), fixed_code=True)

    def save() -> Programme:
        data = form.service_data()
        if item is None:
            return services.programme_create(actor=request.user, data=data)
        return services.programme_update(actor=request.user, programme_id=item.pk, data=data)

    return form_page(
        request, form, save, success=_("The programme is saved."),
        done=lambda _saved: redirect("evaluation:operator_programmes"), template="evaluation/programme_form.html",
        context={"programme": item, "field_help": _field_help(), "rule_example": RULE_EXAMPLE,
                 "max_depth": rule_engine.MAX_DEPTH, "max_nodes": rule_engine.MAX_NODES})


@role_required("operator")
def operator_programme_new(request: HttpRequest) -> HttpResponse:
    return _programme_form_page(request, None)


@role_required("operator")
def operator_programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    return _programme_form_page(request, selectors.programme_get_for(request.user, programme_id))


# ------------------------------------------------------------------ operators: applications


@role_required("operator")
def operator_applications(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or None, programmes=selectors.programme_list_for(request.user))
    filters = {k: request.GET.get(k, "") for k in selectors.APPLICATION_FILTERS}
    try:
        rows = selectors.application_list_for_operator(request.user, filters)
    except ValidationFailed as exc:
        form.is_valid()
        apply_domain_error(form, exc)
        rows = selectors.application_list_for_operator(
            request.user, {k: v for k, v in filters.items() if k not in exc.fields})
    return render(request, "evaluation/operator_applications.html", {
        "form": form, "page_obj": _page(request, rows.order_by("-created_at", "-id")),
        "filtered": any(filters.values())})


@role_required("operator")
def operator_application(request: HttpRequest, application_id: int) -> HttpResponse:
    application: ProgrammeApplication = selectors.application_get_for(request.user, application_id)
    form = DecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_decide(actor=request.user, application_id=application.pk,
                                        decision=data.get("decision"), note=data.get("note") or "",
                                        amount_granted=data.get("amount_granted"))
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except NotFound:
            raise
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The decision is recorded; the enterprise sees it."))
            return redirect("evaluation:operator_application", application_id=application.pk)
    recorded = application.eligibility or {}
    return render(request, "evaluation/operator_application.html", {
        "application": application, "form": form,
        "recorded_status": recorded.get("status"),
        "recorded_failures": recorded.get("failures", []),
        "recorded_unknown": [programme_text.unknown_text(f) for f in recorded.get("unknown", [])],
        "decidable": application.status == ApplicationStatus.SUBMITTED,
    })
