"""Documents forms: they only carry what the user sent; services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bayfin.common.forms import ServiceFormMixin, StyledFormMixin

from .models import DocumentKind
from .sniffing import ACCEPT

BLANK = [("", "—")]


class UploadForm(ServiceFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx), at most %(limit)s. The type is "
            "checked from the file's content, not its name."
        ),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=BLANK + list(DocumentKind.choices))
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the file's name."),
    )

    def __init__(self, *args: Any, limit: str = "", prefix_id: str = "", **kwargs: Any) -> None:
        if prefix_id:
            kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {"limit": limit}
        self.fields["file"].widget.attrs["col"] = "col-12 col-md-6"
        self.fields["kind"].widget.attrs["col"] = "col-12 col-md-6"
        self.fields["title"].widget.attrs["col"] = "col-12"


class KindFilterForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types"))] + list(DocumentKind.choices)
    )
