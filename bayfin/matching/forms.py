"""Forms of the matching pages. They only parse what the user chose; the selectors decide the rest.

Both forms list products the user may name: "Why not?" any product the enterprise can browse
(published, active, of a verified institution); the recommendations' filter the institution's
own published products. Anything else is refused on the field, in the user's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import StyledFormMixin


def product_choices(products: Iterable[Any], *, with_institution: bool) -> list[tuple[str, str]]:
    """(id, label) for a select: "Product — Institution" when products of many institutions mix."""
    out = []
    for p in products:
        label = p.name
        if with_institution:
            label = f"{p.name} — {p.institution.organisation.display_name()}"
        out.append((str(p.pk), label))
    return out


class WhyNotForm(StyledFormMixin, forms.Form):
    """Which published product the enterprise expected to see among its request's matches."""

    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int,
        help_text=_("Any published product: you see which of its requirements this request does not meet."),
        error_messages={"required": _("Choose a product."),
                        "invalid_choice": _("Choose a published product from the list.")},
        widget=forms.Select(attrs={"col": "col-12"}),
    )

    def __init__(self, *args: Any, products: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Choose a product")),
                                          *product_choices(products, with_institution=True)]


class RecommendationFilterForm(StyledFormMixin, forms.Form):
    """The institution's recommendations, all products or one."""

    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, empty_value=None,
        error_messages={"invalid_choice": _("Choose one of your published products.")},
    )

    def __init__(self, *args: Any, products: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All my products")),
                                          *product_choices(products, with_institution=False)]
