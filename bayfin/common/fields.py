from __future__ import annotations

from typing import Any

from django.db import models

from .money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """The Decimal column of a money value; its currency sits in a sibling CharField."""
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )
