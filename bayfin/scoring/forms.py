"""Forms of the scoring pages. They only parse what the user typed; the services decide every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import StyledFormMixin


class PromoteForm(StyledFormMixin, forms.Form):
    """Making a version the champion rescores every enterprise and request: the operator says
    they have read its validation first."""

    confirm = forms.BooleanField(
        label=_("I have read this version's validation and model card"),
        help_text=_("Every enterprise and open request is scored again with it, and the previous champion "
                    "stops scoring."),
        error_messages={"required": _("Tick the box to confirm you have read the validation.")},
        widget=forms.CheckboxInput(attrs={"col": "col-12"}),
    )
