"""Admin for accounts: read everything; every change goes through the services."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from bayfin.common.admin_base import ReadOnlyMixin
from bayfin.common.errors import DomainError

from . import services
from .models import ApiToken, Invitation, Membership, Organisation, User


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """View-only: no add, change or delete here (use the pages or the actions)."""


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, done: int, failed: list[str]) -> None:
    if done:
        modeladmin.message_user(request, _("%(n)d done.") % {"n": done}, messages.SUCCESS)
    for failure in failed:
        modeladmin.message_user(request, failure, messages.ERROR)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "first_name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    exclude = ("password",)
    ordering = ("email",)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "is_admin", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RejectActionForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "jurisdiction", "created_at", "verified_at")
    list_filter = ("kind", "status", "jurisdiction")
    search_fields = ("name_zh_hans", "name_zh_hant", "name_en", "name_pt")
    inlines = [MembershipInline]
    actions = ["verify", "reject"]

    @admin.action(description=_("Verify the selected pending organisations"))
    def verify(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        done, failed = 0, []
        for org in queryset:
            try:
                services.organisation_verify(actor=request.user, organisation_id=org.pk)
                done += 1
            except DomainError as exc:
                failed.append(f"{org}: {exc.message}")
        _report(self, request, done, failed)

    @admin.action(description=_("Reject the selected pending organisations (asks for a reason)"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> HttpResponse | None:
        form = RejectActionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, failed = 0, []
            for org in queryset:
                try:
                    services.organisation_reject(actor=request.user, organisation_id=org.pk,
                                                 reason=form.cleaned_data["reason"])
                    done += 1
                except DomainError as exc:
                    failed.append(f"{org}: {exc.message}")
            _report(self, request, done, failed)
            return None
        return TemplateResponse(request, "accounts/admin_reject.html", {
            **self.admin_site.each_context(request), "form": form, "organisations": queryset,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "title": _("Reject organisations"),
        })


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "is_admin", "created_at")
    list_filter = ("is_admin", "organisation__kind")
    search_fields = ("user__email",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_remove(actor=request.user, membership_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            services.membership_remove(actor=request.user, membership_id=membership.pk)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organisation", "created_at", "expires_at", "accepted_at", "revoked_at", "expired_at")
    search_fields = ("email",)
    exclude = ("token_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    search_fields = ("user__email", "name", "prefix")
    exclude = ("token_hash",)


# Roles come from organisation memberships, not Django groups; an editable Group admin
# would be a way to change permissions that writes no audit event. (Our apps load before
# django.contrib.auth, so its admin module is imported here first, then undone.)
import_module("django.contrib.auth.admin")
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
