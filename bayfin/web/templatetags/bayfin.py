"""Template helpers available in every template (registered as a builtin)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from bayfin.common.i18n import format_amount, format_day, format_number

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str) -> str:
    """{% money obj.amount obj.currency %} -> formatted for the active language."""
    return format_amount(amount, currency)


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
