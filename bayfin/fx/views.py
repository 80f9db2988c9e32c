"""Pages for fx: exchange rates, channels, limit parameters (operators), the channel catalogue
and the converter (everyone signed in), and an enterprise's cross-border debts and limits.

Thin views over ``services`` and ``selectors``: the services validate every rule and the
pages put their reasons next to the fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.accounts.selectors import is_operator
from bayfin.common.errors import NotFound, ValidationFailed
from bayfin.common.forms import apply_domain_error, form_page
from bayfin.common.i18n import babel_locale
from bayfin.common.money import CURRENCIES

from . import explain, selectors, services
from .engine.channels import CONDITION_FIELDS, OPERATORS
from .engine.rates import Conversion
from .forms import (
    ChannelForm,
    ConverterForm,
    DebtForm,
    LimitParametersForm,
    RateCorrectForm,
    RateFilterForm,
    RateForm,
    RateImportForm,
)
from .models import Channel, ChannelDocument, LimitParameterSet

PAGE_SIZE = 25
EVERYONE = ("enterprise", "institution", "operator", "observer")


def rate_text(value: Decimal | None) -> str:
    """A rate with every significant decimal (babel's default shows three)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##########", locale=babel_locale())


def plain(value: Decimal) -> str:
    """A decimal for an input field: no trailing zeros, never an exponent ("7.8", "100")."""
    return format(value.normalize(), "f")


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))



# ------------------------------------------------------------------ exchange rates (operator)


@role_required("operator")
def rates(request: HttpRequest) -> HttpResponse:
    form = RateFilterForm(request.GET or None)
    filters = {k: request.GET.get(k, "") for k in selectors.RATE_FILTERS}
    try:
        items = selectors.rate_list_for(request.user, filters)
    except ValidationFailed as exc:
        form.is_valid()
        apply_domain_error(form, exc)
        items = selectors.rate_list_for(request.user, {k: v for k, v in filters.items() if k not in exc.fields})
    page_obj = _page(request, items)
    for row in page_obj.object_list:
        row.rate_text = rate_text(row.rate)
    return render(request, "fx/rates.html", {"form": form, "page_obj": page_obj,
                                             "filtered": any(filters.values())})


@role_required("operator")
def rate_new(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST or None, initial={"day": timezone.localdate().isoformat()})
    return form_page(
        request, form, lambda: services.rate_create(actor=request.user, data=form.cleaned_data),
        success=_("The rate is saved."), done=lambda _row: redirect("fx:rates"),
        template="fx/rate_form.html", context={"rate": None})


@role_required("operator")
def rate_edit(request: HttpRequest, rate_id: int) -> HttpResponse:
    row = selectors.rate_get_for_operator(request.user, rate_id)
    form = RateCorrectForm(request.POST or None, initial={"rate": plain(row.rate), "source": row.source})
    return form_page(
        request, form, lambda: services.rate_update(actor=request.user, rate_id=row.pk, data=form.cleaned_data),
        success=_("The rate is corrected."), done=lambda _row: redirect("fx:rates"),
        template="fx/rate_form.html", context={"rate": row})


@require_POST
@role_required("operator")
def rate_delete(request: HttpRequest, rate_id: int) -> HttpResponse:
    services.rate_delete(actor=request.user, rate_id=rate_id)
    messages.success(request, _("The rate is deleted."))
    return redirect("fx:rates")


@role_required("operator")
def rate_import(request: HttpRequest) -> HttpResponse:
    form = RateImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        origin = "file" if form.cleaned_data.get("file") else "text"
        try:
            text, origin = form.csv_text()
            result = services.rate_import(actor=request.user, text=text,
                                          source=(form.cleaned_data.get("source") or "").strip(),
                                          replace=bool(form.cleaned_data.get("replace")))
        except ValidationFailed as exc:
            # The service reports every row's problem under "file": show them beside the input used.
            if "file" in exc.fields and origin == "text":
                exc.fields = {("text" if k == "file" else k): v for k, v in exc.fields.items()}
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Imported: %(created)s new, %(replaced)s replaced, %(unchanged)s "
                                        "unchanged.") % {"created": result.created, "replaced": result.replaced,
                                                         "unchanged": result.unchanged})
            return redirect("fx:rates")
    return render(request, "fx/rate_import.html", {"form": form, "max_rows": services.MAX_IMPORT_ROWS})


# ------------------------------------------------------------------ channels


@role_required(*EVERYONE)
def channels(request: HttpRequest) -> HttpResponse:
    """The catalogue: active channels for everyone; operators also see inactive ones and manage them."""
    items = selectors.channel_list_for(request.user, include_inactive=True)
    return render(request, "fx/channels.html", {"channels": list(items),
                                                "operator": is_operator(request.user)})


@role_required(*EVERYONE)
def channel_detail(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel_get_for(request.user, channel_id)
    documents = dict(ChannelDocument.choices)
    return render(request, "fx/channel_detail.html", {
        "channel": channel,
        "conditions": selectors.condition_texts(channel),
        "documents": [documents.get(code, code) for code in channel.documents],
        "operator": is_operator(request.user),
    })


def _condition_help() -> list[dict[str, Any]]:
    """The fields a condition may name, their operators and codes, for the channel form."""
    rows = []
    for name, kind in CONDITION_FIELDS.items():
        rows.append({"field": name, "label": explain.field_label(name), "operators": OPERATORS[kind],
                     "codes": list(selectors.KNOWN_CODES.get(name, ())), "number": kind == "number"})
    return rows


CONDITION_EXAMPLE = ('[\n  {"field": "institution.kind", "op": "in", "value": ["macao_bank"]},\n'
                     '  {"field": "request.term_months", "op": "gte", "value": 12}\n]')


def _channel_form_page(request: HttpRequest, channel: Channel | None) -> HttpResponse:
    if channel is None:
        form = ChannelForm(request.POST or None, initial={"active": True, "priority": "100", "limit_rule": "none"})
    else:
        form = ChannelForm(request.POST or None, initial=ChannelForm.initial_for(channel), fixed_code=True)

    def save() -> Channel:
        data = form.service_data()
        if channel is None:
            return services.channel_create(actor=request.user, data=data)
        return services.channel_update(actor=request.user, channel_id=channel.pk, data=data)

    return form_page(
        request, form, save, success=_("The channel is saved."),
        done=lambda saved: redirect("fx:channel_detail", channel_id=saved.pk), template="fx/channel_form.html",
        context={"channel": channel, "condition_help": _condition_help(), "condition_example": CONDITION_EXAMPLE})


@role_required("operator")
def channel_new(request: HttpRequest) -> HttpResponse:
    return _channel_form_page(request, None)


@role_required("operator")
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    return _channel_form_page(request, selectors.channel_get_for(request.user, channel_id))


def _channel_active(request: HttpRequest, channel_id: int, active: bool) -> HttpResponse:
    try:
        channel = services.channel_update(actor=request.user, channel_id=channel_id, data={"active": active})
    except ValidationFailed as exc:
        reasons = [str(m) for msgs in exc.fields.values() for m in msgs]
        messages.error(request, " ".join([_("Edit the channel first:"), *reasons]))
        return redirect("fx:channel_edit", channel_id=channel_id)
    if active:
        messages.success(request, _("%(name)s is active: it shows in the catalogue and is used in matching.")
                         % {"name": channel.display_name()})
    else:
        messages.success(request, _("%(name)s is inactive: only operators see it, and matching ignores it.")
                         % {"name": channel.display_name()})
    return redirect("fx:channel_detail", channel_id=channel.pk)


@require_POST
@role_required("operator")
def channel_activate(request: HttpRequest, channel_id: int) -> HttpResponse:
    return _channel_active(request, channel_id, True)


@require_POST
@role_required("operator")
def channel_deactivate(request: HttpRequest, channel_id: int) -> HttpResponse:
    return _channel_active(request, channel_id, False)


# ------------------------------------------------------------------ converter


def _path_text(conversion: Conversion) -> str:
    if conversion.path == "identity":
        return _("The same currency: no rate is needed.")
    if conversion.path == "direct":
        return _("Direct: the stored %(base)s/%(quote)s rate.") % {"base": conversion.legs[0].base,
                                                                    "quote": conversion.legs[0].quote}
    if conversion.path == "inverse":
        return _("Inverse: the stored %(base)s/%(quote)s rate, divided into one.") % {
            "base": conversion.legs[0].base, "quote": conversion.legs[0].quote}
    pivot = conversion.path.partition(":")[2]
    return _("Across %(pivot)s: no rate links the two currencies directly, so the amount goes through "
             "%(pivot)s.") % {"pivot": pivot}


@role_required(*EVERYONE)
def converter(request: HttpRequest) -> HttpResponse:
    asked = "amount" in request.GET
    form = ConverterForm(request.GET if asked else None, initial={
        "currency": "MOP", "to": selectors.reference_currency_for(request.user),
        "on": timezone.localdate().isoformat()})
    context: dict[str, Any] = {"form": form, "currencies": list(CURRENCIES)}
    if asked:
        try:
            money, to, day = form.parse()
            conversion = selectors.convert(money, to, day)
        except selectors.RateMissing as exc:
            context["missing"] = str(exc.message)
        except ValidationFailed as exc:
            form.is_valid()
            # The form's own "required" already stands next to a blank field: one reason per field.
            remaining = {name: msgs for name, msgs in exc.fields.items() if name not in form.errors}
            if remaining or not exc.fields:
                exc.fields = remaining
                apply_domain_error(form, exc)
        else:
            context.update({
                "conversion": conversion, "path_text": _path_text(conversion),
                "legs": [{"leg": leg, "rate": rate_text(leg.rate)} for leg in conversion.legs],
                "effective": rate_text(conversion.effective_rate()) if conversion.legs else "",
            })
    return render(request, "fx/converter.html", context)


# ------------------------------------------------------------------ limit parameters (operator)


@role_required("operator")
def limit_parameters(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.limit_parameter_list_for(request.user))
    current = selectors.limit_parameters_on()
    return render(request, "fx/limit_parameters.html", {"sets": rows, "current": current})


@role_required("operator")
def limit_parameters_new(request: HttpRequest) -> HttpResponse:
    form = LimitParametersForm(request.POST or None,
                               initial=LimitParametersForm.initial_from(selectors.limit_parameters_on()))
    return form_page(
        request, form, lambda: services.limit_parameters_create(actor=request.user, data=form.cleaned_data),
        success=_("The new parameter set is saved."), done=lambda _row: redirect("fx:limit_parameters"),
        template="fx/limit_parameters_form.html", context={})


# ------------------------------------------------------------------ cross-border financing (enterprise)


@role_required("enterprise")
def cross_border(request: HttpRequest) -> HttpResponse:
    debts = list(selectors.debt_list_own(request.user))
    try:
        limits = selectors.limits_own(request.user)
    except NotFound:
        limits = None
    params: LimitParameterSet | None = limits.parameters if limits else None
    return render(request, "fx/cross_border.html", {
        "debts": debts, "limits": limits, "params": params,
        "mainland": request.user.organisation.jurisdiction in selectors.MAINLAND,  # type: ignore[union-attr]
        "mpa": limits.mpa if limits else None, "facilitation": limits.facilitation if limits else None,
        "facilitation_reason": (explain.limit_reason_text(limits.facilitation)
                                if limits and limits.facilitation and not limits.facilitation.applies else ""),
        "mpa_reason": (explain.limit_reason_text(limits.mpa)
                       if limits and limits.mpa and not limits.mpa.applies else ""),
    })


def _debt_form_page(request: HttpRequest, debt: Any) -> HttpResponse:
    channel_choices = list(selectors.channel_list_for(request.user))
    if debt is not None and debt.channel is not None and debt.channel not in channel_choices:
        channel_choices.append(debt.channel)  # a channel since deactivated stays the debt's own
    if debt is None:
        form = DebtForm(request.POST or None, channels=channel_choices)
    else:
        form = DebtForm(request.POST or None, channels=channel_choices, initial=DebtForm.initial_for(debt))

    def save() -> Any:
        if debt is None:
            return services.debt_create(actor=request.user, data=form.cleaned_data)
        return services.debt_update(actor=request.user, debt_id=debt.pk, data=form.cleaned_data)

    return form_page(
        request, form, save,
        success=_("The debt is saved; the limits below count it."), done=lambda _d: redirect("fx:cross_border"),
        template="fx/debt_form.html", context={"debt": debt})


@role_required("enterprise")
def debt_new(request: HttpRequest) -> HttpResponse:
    return _debt_form_page(request, None)


@role_required("enterprise")
def debt_edit(request: HttpRequest, debt_id: int) -> HttpResponse:
    return _debt_form_page(request, selectors.debt_get_own(request.user, debt_id))


@require_POST
@role_required("enterprise")
def debt_delete(request: HttpRequest, debt_id: int) -> HttpResponse:
    services.debt_delete(actor=request.user, debt_id=debt_id)
    messages.success(request, _("The debt is removed."))
    return redirect("fx:cross_border")
