"""Template helpers available in every template (registered as a builtin)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from bayfin.common.i18n import format_amount, format_day, format_number
from bayfin.common.money import Money
from bayfin.fx import selectors as fx_selectors

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str) -> str:
    """{% money obj.amount obj.currency %} -> formatted for the active language."""
    return format_amount(amount, currency)


@register.simple_tag(takes_context=True)
def money_ref(context: Any, amount: Decimal | None, currency: str, to: str | None = None) -> str:
    """{% money_ref amount currency %}: the amount, and beside it the amount in the viewer's
    reference currency with the rate date ("MOP 10,300,000.00 ≈ CNY 9,148,000.00 at 27 Nov 2026").

    The reference currency is ``to`` or the viewer's organisation's home currency; with no
    rate within the allowed age, or the same currency, only the amount shows. One rate book
    per page (cached on the request).
    """
    text = escape(format_amount(amount, currency))
    if amount is None or not currency:
        return text
    request = context.get("request")
    target = to or fx_selectors.reference_currency_for(getattr(request, "user", None))
    if target == currency:
        return text
    today = timezone.localdate()
    cache = getattr(request, "_fx_books", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._fx_books = cache
    book = cache.get(today)
    if book is None:
        book = cache[today] = fx_selectors.rate_book(today)
    conversion = fx_selectors.convert_or_none(Money(amount, currency), target, today, book=book)
    if conversion is None:
        return text
    note = gettext("≈ %(amount)s at %(day)s") % {"amount": format_amount(conversion.result.amount, target),
                                                 "day": format_day(conversion.rate_day)}
    return format_html('{} <span class="text-body-secondary small text-nowrap">{}</span>', text, note)


@register.filter
def number(value: Decimal | int | None) -> str:
    return format_number(value)


@register.filter
def day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return format_day(value)


@register.filter
def display_name(org: Any) -> str:
    return org.display_name() if org is not None else ""


@register.filter
def choice_label(value: str, choices: Any) -> str:
    """Label of a code in a TextChoices class: {{ code|choice_label:vocab.Sector }}."""
    try:
        return str(choices(value).label)
    except (ValueError, TypeError):
        return value


# A list page's results live in <div id="results">; its GET filter form and its pagination
# links swap that block from the same server-rendered page (progressive: without htmx the
# form and links simply load the page). One place for the attributes.
_RESULTS_SWAP = 'hx-target="#results" hx-select="#results" hx-swap="outerHTML"'


@register.simple_tag(takes_context=True)
def results_filter_attrs(context: Any) -> str:
    path = escape(context["request"].path)
    return mark_safe(f'hx-get="{path}" {_RESULTS_SWAP} hx-push-url="true" hx-trigger="change, submit"')  # noqa: S308


@register.simple_tag
def results_block_attrs() -> str:
    return mark_safe(f'{_RESULTS_SWAP} aria-live="polite"')  # noqa: S308


@register.simple_tag(takes_context=True)
def query_with(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for paging and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
