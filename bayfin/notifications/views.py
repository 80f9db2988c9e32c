"""Pages of the notifications app: the list, opening one, marking all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bayfin.accounts.decorators import role_required

from . import selectors, services
from .services import render as render_message

PAGE_SIZE = 25


@require_GET
@role_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(selectors.notification_list_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for notification in page_obj.object_list:
        # In the reader's current language, whatever language the change was made in.
        notification.text = render_message(notification.message, notification.params)
    return render(request, "notifications/list.html", {"page_obj": page_obj})


@require_GET
@role_required()
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_open(actor=request.user, notification_id=notification_id)
    # Only a path on this site is followed; anything else returns to the list.
    if notification.site_link:
        return HttpResponseRedirect(notification.site_link)
    return redirect("notifications:list")


@require_POST
@role_required()
def mark_read(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")
