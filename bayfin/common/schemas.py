"""Schemas shared by every app's API router. Amounts travel as strings, never floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from pydantic import ConfigDict, PlainSerializer, WithJsonSchema

from .money import Money

# A Decimal that travels as a JSON string ("38000000.00"): money never becomes a float.
DecimalString = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(value), return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["1000000.00"]}),
]


class StrictIn(Schema):
    """A request body: an unknown (say, misspelt) field is refused with 422, never ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class MoneyOut(Schema):
    amount: str
    currency: str


class OkOut(Schema):
    ok: bool = True


def money_out(amount: Any, currency: str) -> dict[str, str] | None:
    """``{"amount": "1000.00", "currency": "MOP"}``, rounded once like every Money; None if unset."""
    if amount is None or not currency:
        return None
    return Money(amount, currency).as_json()


class Pagination(PaginationBase):
    """``?page=1&page_size=20``; answers ``{items, count, page, page_size}``."""

    class Input(Schema):
        # Bounded so the offset fits the databases' 64-bit integers (a 422, not a 500).
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(settings.BAYFIN_API_PAGE_SIZE, ge=1, le=settings.BAYFIN_API_MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Any, request: Any = None, **params: Any) -> Any:
        start = (pagination.page - 1) * pagination.page_size
        items = queryset[start : start + pagination.page_size]
        count = queryset.count() if hasattr(queryset, "count") and not isinstance(queryset, list) else len(queryset)
        return {"items": list(items), "count": count, "page": pagination.page,
                "page_size": pagination.page_size}
