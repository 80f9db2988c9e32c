"""Allowed state transitions, as data: who may move what from where to where.

One table per object; ``services`` consults it and refuses anything else with the
reason. A later issue extends the deal table with the rest of the pipeline.
Actors: "enterprise" (a member of the request's enterprise), "institution" (a member
of the deal's institution), "system" (the scheduler or another service).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    FUNDED = "funded", _("Funded")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class DealStage(models.TextChoices):
    INTEREST = "interest", _("Interest")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")


REQUEST_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (RequestStatus.DRAFT, RequestStatus.OPEN): frozenset({"enterprise"}),
    (RequestStatus.DRAFT, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.IN_PROGRESS): frozenset({"enterprise", "system"}),
    (RequestStatus.OPEN, RequestStatus.CLOSED): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.EXPIRED): frozenset({"system"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.FUNDED): frozenset({"enterprise"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.CLOSED): frozenset({"enterprise"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.EXPIRED): frozenset({"system"}),
}

# Requests institutions can see and act on.
REQUEST_VISIBLE_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)
REQUEST_EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.OPEN)
REQUEST_EXPIRABLE_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)

DEAL_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DealStage.INTEREST, DealStage.ACCEPTED): frozenset({"enterprise"}),
    (DealStage.INTEREST, DealStage.DECLINED): frozenset({"enterprise"}),
    (DealStage.INTEREST, DealStage.CLOSED): frozenset({"enterprise", "institution"}),
    (DealStage.ACCEPTED, DealStage.CLOSED): frozenset({"enterprise", "institution"}),
}

DEAL_TERMINAL_STAGES = (DealStage.DECLINED, DealStage.CLOSED)


def allowed_targets(table: dict[tuple[str, str], frozenset[str]], current: str, actor: str) -> list[str]:
    """The states this actor may move an object to from ``current``."""
    return [to for (frm, to), actors in table.items() if frm == current and actor in actors]
