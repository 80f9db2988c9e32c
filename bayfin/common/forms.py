"""Form helpers shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import forms

from .errors import DomainError


class StyledFormMixin:
    """Bootstrap classes and accessible error wiring on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                css = "form-check-input"
            elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = ""
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"id_{self.add_prefix(name)}_helptext")  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "_errors", {}) or {}:
            if name in self.fields:  # type: ignore[attr-defined]
                w = self.fields[name].widget  # type: ignore[attr-defined]
                w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()
                w.attrs["aria-invalid"] = "true"
                w.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_error"  # type: ignore[attr-defined]


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's DomainError onto a bound form: each field's reason next to it."""
    for name, messages in error.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, str(error.message))


class DateInput(forms.DateInput):
    input_type = "date"
