"""Pages of the documents app: the data room, downloads, uploads in a deal, shared data rooms.

The bytes are served only here (and by the API), after ``selectors.document_get_for``: never
from a media URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bayfin.accounts.decorators import role_required
from bayfin.common.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from bayfin.common.forms import apply_domain_error

from . import selectors, services
from .forms import KindFilterForm, UploadForm
from .responses import file_response

PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(exc: DomainError) -> str:
    parts = [str(m) for messages_ in exc.fields.values() for m in messages_] or [str(exc.message)]
    return " ".join(dict.fromkeys(p for p in parts if p))


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _kind_filter(request: HttpRequest) -> tuple[KindFilterForm, dict[str, Any]]:
    form = KindFilterForm(request.GET or None, auto_id="filter_%s")
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


# --------------------------------------------------------------------------- the enterprise's data room


@role_required("enterprise")
def data_room(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, limit=services.size_limit_text())
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_upload(
                actor=request.user,
                file=form.cleaned_data.get("file"),
                kind=form.cleaned_data.get("kind"),
                title=form.cleaned_data.get("title"),
            )
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("“%(title)s” was uploaded to your data room.") % {"title": document.title},
            )
            return redirect("documents:data_room")
    filter_form, filters = _kind_filter(request)
    qs = selectors.document_list_own(request.user, filters)
    status = 422 if form.errors else 200
    return render(
        request,
        "documents/data_room.html",
        {
            "form": form,
            "filter_form": filter_form,
            "page_obj": _page(request, qs),
            "filtered": bool(filters.get("kind")),
        },
        status=status,
    )


@role_required("enterprise", "institution")
@require_POST
def delete(request: HttpRequest, document_id: int) -> HttpResponse:
    target = _safe_next(request, reverse("documents:data_room"))
    try:
        document = services.document_delete(actor=request.user, document_id=document_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(target)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": document.title})
    return redirect(target)


# --------------------------------------------------------------------------- downloads


@role_required("enterprise", "institution")
@require_GET
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_get_for(request.user, document_id, via="page")
    return file_response(document)


# --------------------------------------------------------------------------- uploads in a deal


@role_required("enterprise", "institution")
@require_POST
def deal_upload(request: HttpRequest, deal_id: int) -> HttpResponse:
    target = reverse("financing:deal_detail", args=[deal_id])
    form = UploadForm(request.POST, request.FILES)
    form.is_valid()
    try:
        document = services.document_upload(
            actor=request.user,
            file=form.cleaned_data.get("file"),
            kind=form.cleaned_data.get("kind"),
            title=form.cleaned_data.get("title"),
            deal_id=deal_id,
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(
            request, _("The document was not uploaded: %(reasons)s") % {"reasons": _error_text(exc)}
        )
        return redirect(target)
    messages.success(request, _("“%(title)s” was added to the deal.") % {"title": document.title})
    return redirect(target)


# --------------------------------------------------------------------------- an institution reads a data room


@role_required("institution")
def shared_for(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    filter_form, filters = _kind_filter(request)
    enterprise, qs = selectors.document_list_shared(request.user, enterprise_id, filters=filters)
    return render(
        request,
        "documents/shared_for.html",
        {
            "enterprise": enterprise,
            "filter_form": filter_form,
            "page_obj": _page(request, qs),
            "filtered": bool(filters.get("kind")),
        },
    )
