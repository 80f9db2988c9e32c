"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import DomainError, ValidationFailed


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
            self._mark_invalid(name)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        if field is not None:
            self._mark_invalid(field)

    def _mark_invalid(self, name: str) -> None:
        if name in self.fields:  # type: ignore[attr-defined]
            w = self.fields[name].widget  # type: ignore[attr-defined]
            if "is-invalid" not in w.attrs.get("class", ""):
                w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()
            w.attrs["aria-invalid"] = "true"
            w.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_error"  # type: ignore[attr-defined]


class ServiceFormMixin(StyledFormMixin):
    """A form for a write: it renders the fields and carries what the user typed, and the
    service validates all of it.

    Django's own field validation is skipped, so a rule lives only in the service and the
    user sees every failing field at once (a form that checked "required" itself would
    hide the service's reasons until the next submit). ``cleaned_data`` holds the raw
    values (lists for multiple choices, booleans for checkboxes); the view passes them to
    the service and puts a ``ValidationFailed`` back with ``apply_domain_error``.
    Required markers still show, but no HTML ``required`` attribute blocks the submit, so
    the reasons come from the server in the user's language.
    """

    use_required_attribute = False

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data: dict[str, Any] = {}
        if not self.is_bound:  # type: ignore[attr-defined]
            return
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            self.cleaned_data[name] = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(name)  # type: ignore[attr-defined]
            )


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's DomainError onto a bound form: each field's reason next to it."""
    for name, reasons in error.fields.items():
        target = name if name in form.fields else None
        for message in reasons:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, str(error.message))


class DateInput(forms.DateInput):
    input_type = "date"


def form_page(request: HttpRequest, form: forms.Form, save: Callable[[], Any], *, success: str,
              done: Callable[[Any], HttpResponse], template: str, context: dict[str, Any]) -> HttpResponse:
    """The add/edit flow of a page: on POST call the service, keep what was typed and show
    its reasons next to the fields; on success say so and go on."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, success)
            return done(saved)
    return render(request, template, {"form": form, **context})
