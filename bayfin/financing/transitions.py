"""Allowed state transitions, as data: who may move what from where to where.

One table per object; ``services`` consults it and refuses anything else with the
reason.
Actors: "enterprise" (a member of the request's enterprise), "institution" (a member
of the deal's institution), "system" (the scheduler or another service).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bayfin.common.vocab import LOAN_INSTRUMENTS, Instrument


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
    DATA_ACCESS = "data_access", _("Data access granted")
    DUE_DILIGENCE = "due_diligence", _("Due diligence")
    TERM_SHEET = "term_sheet", _("Term sheet")
    APPROVED = "approved", _("Approved")
    DISBURSED = "disbursed", _("Disbursed")
    INVESTED = "invested", _("Invested")
    REPAYING = "repaying", _("Repaying")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


REQUEST_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (RequestStatus.DRAFT, RequestStatus.OPEN): frozenset({"enterprise"}),
    (RequestStatus.DRAFT, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.IN_PROGRESS): frozenset({"enterprise", "system"}),
    (RequestStatus.OPEN, RequestStatus.CLOSED): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.OPEN, RequestStatus.EXPIRED): frozenset({"system"}),
    # "system": the platform marks a request funded once its deals' money reaches the amount asked.
    (RequestStatus.IN_PROGRESS, RequestStatus.FUNDED): frozenset({"enterprise", "system"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.CLOSED): frozenset({"enterprise"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.WITHDRAWN): frozenset({"enterprise"}),
    (RequestStatus.IN_PROGRESS, RequestStatus.EXPIRED): frozenset({"system"}),
}

# Requests institutions can see and act on.
REQUEST_VISIBLE_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)
REQUEST_EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.OPEN)
REQUEST_EXPIRABLE_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)

# Stages before any money moves: either side can still walk away (declined, with a reason;
# the enterprise can also withdraw), and a request that ends closes them.
DEAL_OPEN_STAGES = (DealStage.INTEREST, DealStage.ACCEPTED, DealStage.DATA_ACCESS, DealStage.DUE_DILIGENCE,
                    DealStage.TERM_SHEET, DealStage.APPROVED)
# Outcomes: what the credit model learns from (and where a deal ends once money moved).
DEAL_OUTCOME_STAGES = (DealStage.INVESTED, DealStage.REPAID, DealStage.DEFAULTED)
DEAL_TERMINAL_STAGES = (DealStage.DECLINED, DealStage.WITHDRAWN, DealStage.CLOSED, *DEAL_OUTCOME_STAGES)
# Stages at which the money has moved to the enterprise: they count towards funding the request.
DEAL_FUNDED_STAGES = (DealStage.DISBURSED, DealStage.INVESTED, DealStage.REPAYING, DealStage.REPAID,
                      DealStage.DEFAULTED)

# The one table of who may move a deal where. "system" moves are made by services (a confirmed
# consent, the repayment job, a request that ends), never directly by a person.
# Some moves have a precondition checked by the service (``services.DEAL_PRECONDITIONS``):
# data access needs a live consent, the term sheet stage a proposed term sheet, approval a
# term sheet every party confirmed, disbursement a loan and investment an equity instrument.
DEAL_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DealStage.INTEREST, DealStage.ACCEPTED): frozenset({"enterprise"}),
    (DealStage.ACCEPTED, DealStage.DATA_ACCESS): frozenset({"enterprise"}),
    (DealStage.DATA_ACCESS, DealStage.DUE_DILIGENCE): frozenset({"institution"}),
    (DealStage.DUE_DILIGENCE, DealStage.TERM_SHEET): frozenset({"institution", "enterprise"}),
    (DealStage.TERM_SHEET, DealStage.APPROVED): frozenset({"institution"}),
    (DealStage.APPROVED, DealStage.DISBURSED): frozenset({"institution"}),
    (DealStage.APPROVED, DealStage.INVESTED): frozenset({"institution"}),
    (DealStage.DISBURSED, DealStage.REPAYING): frozenset({"system"}),
    (DealStage.REPAYING, DealStage.REPAID): frozenset({"system"}),
    (DealStage.REPAYING, DealStage.DEFAULTED): frozenset({"system"}),
    **{(stage, DealStage.DECLINED): frozenset({"enterprise", "institution"}) for stage in DEAL_OPEN_STAGES},
    **{(stage, DealStage.WITHDRAWN): frozenset({"enterprise"}) for stage in DEAL_OPEN_STAGES},
    **{(stage, DealStage.CLOSED): frozenset({"system"}) for stage in DEAL_OPEN_STAGES},
}

# A confirmed term sheet's instrument decides how the money moves: a loan is disbursed, equity invested.
INVESTED_INSTRUMENTS = frozenset({Instrument.EQUITY, Instrument.CONVERTIBLE})
DISBURSED_INSTRUMENTS = frozenset(LOAN_INSTRUMENTS | {Instrument.BOND})

# Moves that need a comment (the other side is told why).
DEAL_REASON_REQUIRED = frozenset({DealStage.DECLINED, DealStage.WITHDRAWN})


def allowed_targets(table: dict[tuple[str, str], frozenset[str]], current: str, actor: str) -> list[str]:
    """The states this actor may move an object to from ``current``."""
    return [to for (frm, to), actors in table.items() if frm == current and actor in actors]
