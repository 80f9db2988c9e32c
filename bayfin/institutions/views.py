"""Pages for the institutions app: thin views over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bayfin.accounts.decorators import role_required
from bayfin.accounts.models import OrganisationKind
from bayfin.accounts.selectors import require_member
from bayfin.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from bayfin.common.forms import apply_domain_error
from bayfin.financing import selectors as financing_selectors

from . import selectors, services
from .forms import AssociationForm, BrowseFilterForm, InstitutionProfileForm, ProductForm
from .models import Product, ProductStatus
from .services import ORGANISATION_FIELDS, PRODUCT_FIELDS, PROFILE_FIELDS

PAGE_SIZE = 20


def _refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A 403 page that says why (for example: the institution is not verified yet)."""
    return render(request, "institutions/refused.html", {"reason": str(exc.message)}, status=403)


def _text(value: Any) -> Any:
    return "" if value is None else value


def _id(value: Any) -> int:
    """A posted id; anything that is not one finds nothing (404) instead of failing (500)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else 0


# ------------------------------------------------------------------ profile


@role_required("institution")
def profile(request: HttpRequest) -> HttpResponse:
    institution = selectors.institution_get_own(request.user)
    org = institution.organisation
    if request.method == "POST":
        form = InstitutionProfileForm(request.POST)
        if form.is_valid():
            try:
                services.institution_update_profile(actor=request.user, institution_id=institution.pk,
                                                    data=form.cleaned_data)
            except ValidationFailed as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("The institution profile was saved."))
                return redirect("institutions:profile")
    else:
        initial = {f: getattr(org, f) for f in ORGANISATION_FIELDS}
        initial.update({f: _text(getattr(institution, f)) for f in PROFILE_FIELDS})
        form = InstitutionProfileForm(initial=initial)
    return render(request, "institutions/profile.html", {"institution": institution, "form": form})


# ------------------------------------------------------------------ own products


@role_required("institution")
def products(request: HttpRequest) -> HttpResponse:
    institution = selectors.institution_get_own(request.user)
    items = selectors.product_list_own(request.user, {"status": request.GET.get("status")})
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutions/products.html", {
        "institution": institution, "page_obj": page_obj, "statuses": ProductStatus,
        "status": request.GET.get("status", ""),
    })


def _product_form_page(request: HttpRequest, product: Product | None) -> HttpResponse:
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                if product is None:
                    saved = services.product_create(actor=request.user, data=form.cleaned_data)
                    messages.success(request, _("The product was saved as a draft. Publish it when it is ready."))
                else:
                    saved = services.product_update(actor=request.user, product_id=product.pk,
                                                    data=form.cleaned_data)
                    messages.success(request, _("The product was saved."))
            except ValidationFailed as exc:
                apply_domain_error(form, exc)
            except InvalidTransition as exc:
                form.add_error(None, str(exc.message))
            else:
                return redirect("institutions:product_detail", product_id=saved.pk)
    elif product is None:
        form = ProductForm(initial={"currencies": ["CNY"], "ticket_currency": "CNY", "min_years_operating": "0"})
    else:
        form = ProductForm(initial={f: _text(getattr(product, f)) for f in PRODUCT_FIELDS})
    return render(request, "institutions/product_form.html", {"form": form, "product": product})


@role_required("institution")
def product_new(request: HttpRequest) -> HttpResponse:
    try:
        # Asked before the form is shown, so an unverified institution is told why at once;
        # the rule itself lives in require_member, which product_create asks too.
        require_member(request.user, OrganisationKind.INSTITUTION, verified=True)
        return _product_form_page(request, None)
    except PermissionDenied as exc:
        return _refused(request, exc)


@role_required("institution")
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = selectors.product_get_own(request.user, product_id)
    return _product_form_page(request, product)


def _product_action(request: HttpRequest, product_id: int, action: str) -> HttpResponse:
    # Another institution's product is 404 before any other refusal (an unverified
    # institution is told it must be verified only about its own products).
    selectors.product_get_own(request.user, product_id)
    try:
        if action == "publish":
            services.product_publish(actor=request.user, product_id=product_id)
            messages.success(request, _("The product is published: enterprises can find it now."))
        elif action == "archive":
            services.product_archive(actor=request.user, product_id=product_id)
            messages.success(request, _("The product is archived: enterprises no longer see it."))
        else:
            services.product_delete(actor=request.user, product_id=product_id)
            messages.success(request, _("The draft was deleted."))
            return redirect("institutions:products")
    except PermissionDenied as exc:
        return _refused(request, exc)
    except (InvalidTransition, ValidationFailed) as exc:
        reasons = [str(m) for msgs in exc.fields.values() for m in msgs]
        messages.error(request, " ".join([str(exc.message), *reasons]))
    return redirect("institutions:product_detail", product_id=product_id)


@require_POST
@role_required("institution")
def product_publish(request: HttpRequest, product_id: int) -> HttpResponse:
    return _product_action(request, product_id, "publish")


@require_POST
@role_required("institution")
def product_archive(request: HttpRequest, product_id: int) -> HttpResponse:
    return _product_action(request, product_id, "archive")


@require_POST
@role_required("institution")
def product_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    return _product_action(request, product_id, "delete")


# ------------------------------------------------------------------ browsing


@role_required(*selectors.BROWSE_ROLES)
def product_browse(request: HttpRequest) -> HttpResponse:
    form = BrowseFilterForm(request.GET or None)
    filters = selectors.BrowseFilters()
    if request.GET:
        try:
            filters = selectors.clean_browse_filters(request.GET)
        except ValidationFailed as exc:
            form.is_valid()
            apply_domain_error(form, exc)
    items = selectors.product_browse_for(request.user, filters)
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutions/product_browse.html", {
        "form": form, "page_obj": page_obj, "filters": filters,
        "filtered": any(request.GET.get(k) for k in ("sector", "jurisdiction", "amount", "currency",
                                                      "instrument", "stage")),
    })


@role_required(*selectors.BROWSE_ROLES)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = selectors.product_get_for(request.user, product_id)
    own = product.institution.organisation_id == getattr(request.user.organisation, "pk", None)  # type: ignore[union-attr]
    # For an enterprise: which channels would carry this product's money to each of its open requests.
    return render(request, "institutions/product_detail.html", {
        "product": product, "own": own,
        "request_fits": financing_selectors.request_fits_for_product(request.user, product),
    })


@role_required()
def public_profile(request: HttpRequest, institution_id: int) -> HttpResponse:
    profile = selectors.institution_public_get_for(request.user, institution_id)
    return render(request, "institutions/public_profile.html", {"profile": profile,
                                                                "institution": profile.institution})


# ------------------------------------------------------------------ operator


@role_required("operator")
def associations(request: HttpRequest) -> HttpResponse:
    association_form = AssociationForm(prefix="new")
    if request.method == "POST" and request.POST.get("action") == "create":
        association_form = AssociationForm(request.POST, prefix="new")
        if association_form.is_valid():
            try:
                services.association_create(actor=request.user, name=association_form.cleaned_data["name"])
            except ValidationFailed as exc:
                apply_domain_error(association_form, exc)
            else:
                messages.success(request, _("The association was created."))
                return redirect("institutions:associations")
    elif request.method == "POST" and request.POST.get("action") == "memberships":
        try:
            services.institution_set_associations(
                actor=request.user, institution_id=_id(request.POST.get("institution")),
                association_ids=request.POST.getlist("associations"))
        except ValidationFailed as exc:
            messages.error(request, " ".join(str(m) for msgs in exc.fields.values() for m in msgs))
        else:
            messages.success(request, _("The memberships were saved."))
            return redirect("institutions:associations")
    institutions = selectors.institution_list_for_operator(request.user)
    page_obj = Paginator(institutions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutions/associations.html", {
        "association_form": association_form, "form": association_form,
        "associations": list(selectors.association_list_for(request.user)), "page_obj": page_obj,
    })
