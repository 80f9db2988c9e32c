"""The notifications API router (mounted at /api/v1/notifications/): one's own only."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from bayfin.common.schemas import Pagination, StrictIn

from . import selectors, services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., examples=["deal.stage_changed"])
    text: str = Field(..., description="The notification in the request's language")
    link: str = Field(
        ..., description='A path on this site ("/financing/deals/5/"), or "" for none'
    )
    subject: str = Field(..., description='What it is about ("financing.deal:5"), or ""')
    read: bool
    read_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_text(obj: Notification) -> str:
        return services.render(obj.message, obj.params)

    @staticmethod
    def resolve_link(obj: Notification) -> str:
        return obj.site_link

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.is_read


class ListFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications")


class UnreadCountOut(Schema):
    unread: int


class MarkReadIn(StrictIn):
    ids: list[int] | None = Field(
        None, description="Your notifications to mark read; omit for all of them"
    )


class MarkReadOut(Schema):
    marked: int = Field(..., description="How many of your unread notifications became read")
    unread: int = Field(..., description="How many remain unread")


@router.get("/", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(Pagination)
def list_notifications(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    return selectors.notification_list_for(request.user, unread_only=filters.unread)


@router.get(
    "/unread-count", response=UnreadCountOut, summary="How many of my notifications are unread"
)
def unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count_for(request.user)}


@router.post(
    "/read", response=MarkReadOut, summary="Mark my notifications read (the given ids, or all)"
)
def mark_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    marked = services.notification_mark_read(actor=request.user, notification_ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_count_for(request.user)}
