"""Reads about financing requests and deals, scoped by who is asking.

A forgotten check fails closed: every function starts from the user's organisation.
Another organisation's request or deal is NotFound (404), never 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member, require_operator, require_signed_in
from bayfin.common.errors import NotFound, PermissionDenied
from bayfin.common.money import Money
from bayfin.common.validation import FieldErrors
from bayfin.common.vocab import (
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.enterprises.models import Certification, Enterprise
from bayfin.enterprises.selectors import PublicProfile
from bayfin.institutions.models import Institution, Product, ProductStatus

from .models import Deal, DealEvent, FinancingRequest, Payment, TermSheet
from .transitions import (
    DEAL_FUNDED_STAGES,
    DEAL_OUTCOME_STAGES,
    DEAL_TERMINAL_STAGES,
    DEAL_TRANSITIONS,
    DISBURSED_INSTRUMENTS,
    INVESTED_INSTRUMENTS,
    REQUEST_EDITABLE_STATUSES,
    REQUEST_TRANSITIONS,
    REQUEST_VISIBLE_STATUSES,
    DealStage,
    allowed_targets,
)

BROWSE_SORTS = {
    "newest": ("-submitted_at", "-pk"),
    "deadline": ("deadline", "pk"),
    "amount": ("currency", "-amount", "pk"),
}


def public_profile(enterprise: Enterprise) -> PublicProfile:
    """The public face of an enterprise, as the enterprises app defines it (one rule)."""
    return PublicProfile.of(enterprise)


def _published_certifications(path: str) -> Prefetch:
    """What PublicProfile.of reads, fetched once per page instead of once per row."""
    return Prefetch(path, queryset=Certification.objects.filter(published=True))


def _requests() -> QuerySet[FinancingRequest]:
    return FinancingRequest.objects.select_related("enterprise__organisation", "channel").prefetch_related(
        _published_certifications("enterprise__certifications"), "enterprise__badges")


def _visible_to_institutions() -> Q:
    return Q(status__in=REQUEST_VISIBLE_STATUSES,
             enterprise__organisation__status=OrganisationStatus.VERIFIED)


def request_list_own(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FinancingRequest]:
    """The enterprise's own requests, newest first (any status)."""
    org = require_member(user, OrganisationKind.ENTERPRISE)
    qs = _requests().filter(enterprise__organisation=org)
    status = (filters or {}).get("status")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def request_get_for(user: Any, request_id: int) -> FinancingRequest:
    """One request as this user may see it, or NotFound."""
    require_signed_in(user)
    org = user.organisation
    qs = _requests()
    if org is None:
        raise NotFound(_("Not found."))
    if org.kind == OrganisationKind.ENTERPRISE:
        qs = qs.filter(enterprise__organisation=org)
    elif org.kind == OrganisationKind.INSTITUTION:
        if org.status != OrganisationStatus.VERIFIED:
            raise NotFound(_("Not found."))
        qs = qs.filter(_visible_to_institutions() | Q(deals__institution__organisation=org)).distinct()
    elif org.kind != OrganisationKind.OPERATOR:
        raise NotFound(_("Not found."))
    req = qs.filter(pk=request_id).first()
    if req is None:
        raise NotFound(_("Not found."))
    return req


def _clean_browse_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Check the browse filters; unknown codes or bad amounts are refused with the field."""
    errors = FieldErrors()
    out: dict[str, Any] = {
        "sector": errors.choice("sector", filters.get("sector"), Sector, required=False),
        "stage": errors.choice("stage", filters.get("stage"), Stage, required=False),
        "jurisdiction": errors.choice("jurisdiction", filters.get("jurisdiction"), Jurisdiction, required=False),
        "instrument": errors.choice("instrument", filters.get("instrument"), Instrument, required=False),
        "badge": errors.choice("badge", filters.get("badge"), Qualification, required=False),
        "sort": errors.choice("sort", filters.get("sort"), list(BROWSE_SORTS), required=False),
        "currency": None, "amount_min": None, "amount_max": None,
    }
    if filters.get("currency") not in (None, ""):
        out["currency"] = errors.currency("currency", filters.get("currency"))
        for name in ("amount_min", "amount_max"):
            if filters.get(name) not in (None, ""):
                out[name] = errors.money(name, filters.get(name), out["currency"], allow_zero=True)
        low, high = out["amount_min"], out["amount_max"]
        if low is not None and high is not None and low > high:
            errors.add("amount_max", _("The maximum must not be below the minimum."))
    errors.raise_if_any()
    return out


def request_browse_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FinancingRequest]:
    """Open and in-progress requests of verified enterprises, for institutions and operators.

    Filters: sector, jurisdiction, stage (of the enterprise), a published qualification
    badge, instrument, currency,
    amount_min / amount_max (compared only within the given currency), sort
    (newest, deadline, amount).
    """
    org = require_member(user, OrganisationKind.INSTITUTION, OrganisationKind.OPERATOR)
    if org.kind == OrganisationKind.INSTITUTION and org.status != OrganisationStatus.VERIFIED:
        require_member(user, OrganisationKind.INSTITUTION, verified=True)
    f = _clean_browse_filters(filters or {})
    qs = _requests().filter(_visible_to_institutions())
    if f.get("sector"):
        qs = qs.filter(enterprise__sector=f["sector"])
    if f.get("stage"):
        qs = qs.filter(enterprise__stage=f["stage"])
    if f.get("jurisdiction"):
        qs = qs.filter(enterprise__organisation__jurisdiction=f["jurisdiction"])
    if f.get("instrument"):
        qs = qs.filter(instruments__icontains=f'"{f["instrument"]}"')
    if f.get("badge"):
        qs = qs.filter(enterprise__badges__rule_set=f["badge"], enterprise__badges__shown=True)
    if f.get("currency"):
        # Amounts are compared only within one currency: never across currencies.
        qs = qs.filter(currency=f["currency"])
        if f.get("amount_min") is not None:
            qs = qs.filter(amount__gte=f["amount_min"])
        if f.get("amount_max") is not None:
            qs = qs.filter(amount__lte=f["amount_max"])
    return qs.order_by(*BROWSE_SORTS.get(f.get("sort") or "newest", BROWSE_SORTS["newest"]))


def operator_request_list(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FinancingRequest]:
    """Every request, for the operator console. Filters: status, jurisdiction."""
    require_operator(user)
    f = filters or {}
    qs = _requests()
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("jurisdiction"):
        qs = qs.filter(enterprise__organisation__jurisdiction=f["jurisdiction"])
    return qs.order_by("-created_at", "-pk")


def _owns(user: Any, req: FinancingRequest) -> bool:
    org = getattr(user, "organisation", None)
    return org is not None and org.kind == OrganisationKind.ENTERPRISE and req.enterprise.organisation_id == org.pk


def request_actions_for(user: Any, req: FinancingRequest) -> list[str]:
    """The statuses this user may move the request to (owners only)."""
    if not _owns(user, req):
        return []
    return allowed_targets(REQUEST_TRANSITIONS, req.status, "enterprise")


def request_editable_for(user: Any, req: FinancingRequest) -> bool:
    """Whether this user may edit the request now (its owner, while it is draft or open)."""
    return _owns(user, req) and req.status in REQUEST_EDITABLE_STATUSES


def _deals() -> QuerySet[Deal]:
    return Deal.objects.select_related(
        "request__enterprise__organisation", "institution__organisation", "guarantor__organisation", "product",
        "channel"
    ).prefetch_related(_published_certifications("request__enterprise__certifications"),
                       "request__enterprise__badges")


def _deals_scoped(user: Any) -> QuerySet[Deal]:
    require_signed_in(user)
    org = user.organisation
    if org is None:
        raise PermissionDenied(_("Your role cannot do this."))
    if org.kind == OrganisationKind.ENTERPRISE:
        return _deals().filter(request__enterprise__organisation=org)
    if org.kind == OrganisationKind.INSTITUTION:
        # The lender, or the guarantee company that guarantees the deal.
        return _deals().filter(Q(institution__organisation=org) | Q(guarantor__organisation=org))
    if org.kind == OrganisationKind.OPERATOR:
        return _deals()
    raise PermissionDenied(_("Your role cannot do this."))


def deal_list_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Deal]:
    """Deals the user is party to (operators: all; observers: refused). Filters: stage, request."""
    qs = _deals_scoped(user)
    f = filters or {}
    if f.get("stage"):
        qs = qs.filter(stage=f["stage"])
    if f.get("request"):
        qs = qs.filter(request_id=f["request"])
    return qs.order_by("-updated_at", "-pk")


def deal_get_for(user: Any, deal_id: int) -> Deal:
    """One deal with its history (``events``), or NotFound."""
    try:
        qs = _deals_scoped(user)
    except PermissionDenied:
        raise NotFound(_("Not found.")) from None
    events = Prefetch("events", queryset=DealEvent.objects.select_related("actor").prefetch_related("documents")
                      .order_by("at", "pk"))
    deal = qs.prefetch_related(events).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(_("Not found."))
    return deal


def deal_side(actor: Any, deal: Deal) -> str | None:
    """'enterprise', 'institution' (the lender or investor) or 'guarantor' if the actor is a
    party to the deal, else None."""
    org = getattr(actor, "organisation", None) if getattr(actor, "is_authenticated", False) else None
    if org is None:
        return None
    if org.kind == OrganisationKind.ENTERPRISE and deal.request.enterprise.organisation_id == org.pk:
        return "enterprise"
    if org.kind == OrganisationKind.INSTITUTION and deal.institution.organisation_id == org.pk:
        return "institution"
    if (org.kind == OrganisationKind.INSTITUTION and deal.guarantor is not None
            and deal.guarantor.organisation_id == org.pk):
        return "guarantor"
    return None


def deal_is_live(deal: Deal) -> bool:
    """A deal still in play (not declined or closed)."""
    return deal.stage not in DEAL_TERMINAL_STAGES


def deal_actions_for(user: Any, deal: Deal) -> list[str]:
    """The stages this user may move the deal to with a plain move (the term sheet stage is
    reached by proposing terms, data access by confirming the consent: the page offers those
    steps in their own forms)."""
    side = deal_side(user, deal)
    if side is None:
        return []
    own_step = {DealStage.TERM_SHEET, DealStage.DATA_ACCESS}
    # An approved deal's money moves one way, by its agreed instrument: offer only that one.
    if deal.agreed_instrument not in DISBURSED_INSTRUMENTS:
        own_step.add(DealStage.DISBURSED)
    if deal.agreed_instrument not in INVESTED_INSTRUMENTS:
        own_step.add(DealStage.INVESTED)
    return [s for s in allowed_targets(DEAL_TRANSITIONS, deal.stage, side) if s not in own_step]


def deal_next_steps_for(user: Any, deal: Deal) -> list[str]:
    """Every stage the viewer may take the deal to next, including those with their own form."""
    side = deal_side(user, deal)
    return allowed_targets(DEAL_TRANSITIONS, deal.stage, side) if side else []


def term_sheets_for(user: Any, deal: Deal) -> QuerySet[TermSheet]:
    """The deal's term sheets, newest first (the deal was already fetched for this user)."""
    if deal_side(user, deal) is None and not _is_operator(user):
        return TermSheet.objects.none()
    return deal.term_sheets.select_related("proposed_by", "enterprise_confirmed_by", "institution_confirmed_by",
                                           "guarantor_confirmed_by").order_by("-number")


def term_sheet_get_for(user: Any, deal_id: int, number: int) -> TermSheet:
    deal = deal_get_for(user, deal_id)
    ts = deal.term_sheets.filter(number=number).first()
    if ts is None:
        raise NotFound(_("Not found."))
    ts.deal = deal
    return ts


def _is_operator(user: Any) -> bool:
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    return org is not None and org.kind == OrganisationKind.OPERATOR


@dataclass
class Repayment:
    """A loan's schedule with what was paid against each line, and its payments."""

    position: Any  # engine.schedule.Position
    payments: list[Payment]
    currency: str
    default_days: int
    on: date | None = None

    @property
    def rows(self) -> list[InstalmentRow]:
        """Each instalment with what was paid against it and its status (paid, late or due)."""
        out = []
        for status in self.position.lines:
            line = status.line
            paid = status.interest_paid + status.principal_paid
            if status.outstanding <= 0:
                state = "paid"
            elif self.on is not None and line.due_on < self.on:
                state = "late"
            else:
                state = "due"
            out.append(InstalmentRow(line.number, line.due_on, line.principal, line.interest, line.total, paid,
                                     status.outstanding, status.paid_in_full_on, state))
        return out


@dataclass(frozen=True)
class InstalmentRow:
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    paid_in_full_on: date | None
    status: str  # "paid", "late" or "due"


def loan_position(deal: Deal, *, on: date) -> tuple[Any, list[Payment], str] | None:
    """A loan's position on a day (``engine.schedule.position`` over its stored instalments and
    payments), the payments, and the loan's currency; None for a deal without a schedule.
    The one place the stored rows meet the engine: the page, the API and the daily job use it."""
    from .engine import schedule

    instalments = list(deal.instalments.order_by("number"))
    if not instalments:
        return None
    payments = list(deal.payments.select_related("recorded_by").order_by("paid_on", "pk"))
    lines = [schedule.Line(i.number, i.due_on, i.principal, i.interest) for i in instalments]
    pos = schedule.position(lines, [schedule.PaymentIn(p.paid_on, p.amount) for p in payments], on=on)
    return pos, payments, instalments[0].currency


def repayment_for(user: Any, deal: Deal) -> Repayment | None:
    """The repayment schedule and payments of a disbursed loan, for its parties and operators."""
    if deal_side(user, deal) is None and not _is_operator(user):
        return None
    from django.conf import settings
    from django.utils import timezone

    today = timezone.localdate()
    found = loan_position(deal, on=today)
    if found is None:
        return None
    pos, payments, currency = found
    return Repayment(pos, payments, currency, settings.BAYFIN_DEFAULT_DAYS_PAST_DUE, today)


@dataclass
class Funding:
    """How much of a request its deals have funded, converted into the request's currency today."""

    asked: Any
    funded: Any
    missing_rates: list[str]
    deals: list[Deal]
    # Each deal's agreed money and its conversion into the request's currency today (None: no rate).
    lines: list[tuple[Deal, Money, Any]] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return self.funded.amount >= self.asked.amount


def funded_amount(req: FinancingRequest, *, on: date) -> tuple[Money, list[str]]:
    """The money the request's deals disbursed or invested, converted into the request's currency
    at the rate of ``on``, and the currencies that had no rate that day (not counted)."""
    from bayfin.fx import selectors as fx_selectors  # fx.selectors imports this module

    total = Money(Decimal(0), req.currency)
    missing: list[str] = []
    for amount, currency in (Deal.objects.filter(request=req, stage__in=DEAL_FUNDED_STAGES)
                             .exclude(agreed_amount=None).values_list("agreed_amount", "agreed_currency")):
        money = Money(amount, currency)
        if currency == req.currency:
            total = total + money
            continue
        converted = fx_selectors.convert_or_none(money, req.currency, on)
        if converted is None:
            missing.append(currency)
        else:
            total = total + converted.result
    return total, missing


def funding_for(user: Any, req: FinancingRequest) -> Funding | None:
    """For the request's enterprise and operators: the deals that moved money and their total."""
    if not (_owns(user, req) or _is_operator(user)):
        return None
    from django.utils import timezone

    from bayfin.fx import selectors as fx_selectors

    today = timezone.localdate()
    total, missing = funded_amount(req, on=today)
    deals = list(_deals().filter(request=req, stage__in=DEAL_FUNDED_STAGES).order_by("pk"))
    lines = []
    for deal in deals:
        if deal.agreed_amount is None:
            continue
        money = Money(deal.agreed_amount, deal.agreed_currency)
        converted: Money | None = money
        if money.currency != req.currency:
            conversion = fx_selectors.convert_or_none(money, req.currency, today)
            converted = conversion.result if conversion is not None else None
        lines.append((deal, money, converted))
    return Funding(Money(req.amount, req.currency), total, missing, deals, lines)


def guarantor_choices_for(user: Any, deal: Deal) -> QuerySet[Institution]:
    """The guarantee companies the deal's lender may name: verified, not itself. Empty for anyone
    but the lending institution."""
    if deal_side(user, deal) != "institution":
        return Institution.objects.none()
    return (Institution.objects.select_related("organisation")
            .filter(kind=InstitutionKind.GUARANTEE_COMPANY, organisation__status=OrganisationStatus.VERIFIED)
            .exclude(pk=deal.institution_id).order_by("organisation__name_en", "pk"))


def deal_outcomes(*, since: Any = None) -> QuerySet[Deal]:
    """Deals with an outcome (invested, repaid, defaulted): what the credit model retrains on.
    Not scoped by user: for the scoring pipeline only, never for a page or the API."""
    qs = Deal.objects.filter(stage__in=DEAL_OUTCOME_STAGES).select_related("request__enterprise")
    if since is not None:
        qs = qs.filter(outcome_on__gte=since)
    return qs.order_by("outcome_on", "pk")


def deals_on_request_for(user: Any, req: FinancingRequest) -> QuerySet[Deal]:
    """The deals on a request that this user may see (the owner: all; an institution: its own)."""
    return _deals_scoped(user).filter(request=req).order_by("-created_at", "-pk")


def own_published_products(user: Any) -> QuerySet[Product]:
    """The published products of the user's own institution (for the interest form)."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        return Product.objects.none()
    return Product.objects.filter(institution__organisation=org, status=ProductStatus.PUBLISHED).order_by("name")


# --------------------------------------------------------------------------- channels (fx)
# fx.selectors imports this module, so fx is imported inside the functions below.

DIRECTION_LABELS = {
    "domestic": _("Domestic (no border crossed)"),
    "into_mainland": _("Into the Mainland"),
    "out_of_mainland": _("Out of the Mainland"),
    "offshore": _("Between places outside the Mainland"),
}


def direction_label(code: str) -> str:
    return str(DIRECTION_LABELS.get(code, code))


@dataclass
class ChannelFit:
    """Which channels carry one product's money to one request, or why none does.

    ``fitting`` pairs each channel with whether the enterprise's limits allow it (None:
    not checked, or no limit). ``limits`` is set only for the enterprise itself.
    """

    request: FinancingRequest
    product: Product
    direction: str
    fitting: list[tuple[Any, bool | None]]
    refusals: list[tuple[Any, list[str]]]
    conversion: Any = None
    limit_texts: list[str] = field(default_factory=list)

    @property
    def instrument_accepted(self) -> bool:
        """False when the request does not accept the product's instrument (no channel can help)."""
        return self.product.instrument in self.request.instruments

    @property
    def direction_label(self) -> str:
        return direction_label(self.direction)


def _fits(pairs: list[tuple[FinancingRequest, Product]], *, with_limits: bool) -> list[ChannelFit]:
    from bayfin.fx import selectors as fx_selectors

    out = []
    for (req, product), assessment in zip(pairs, fx_selectors.assess_all(pairs, with_limits=with_limits),
                                          strict=True):
        fitting = [(c, assessment.within_limits(c) if c.limit_rule != "none" else None)
                   for c in assessment.fitting]
        limit_texts = (assessment.limits.texts_for(*(c.limit_rule for c in assessment.fitting))
                       if assessment.limits is not None else [])
        out.append(ChannelFit(req, product, assessment.direction, fitting, assessment.refusals(),
                              assessment.conversion, limit_texts))
    return out


def product_fits_for_request(user: Any, req: FinancingRequest) -> list[ChannelFit]:
    """For an institution viewing a request open to it: each of its published products and the
    channels that fit, without the enterprise's private limits. Empty for anyone else."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if (org is None or org.kind != OrganisationKind.INSTITUTION or org.status != OrganisationStatus.VERIFIED
            or req.status not in REQUEST_VISIBLE_STATUSES):
        return []
    products = own_published_products(user).select_related("institution__organisation")
    return _fits([(req, product) for product in products], with_limits=False)


def request_fits_for_product(user: Any, product: Product, *, limit: int = 10) -> list[ChannelFit] | None:
    """For an enterprise viewing a product: its open requests and the channels that would carry
    this product's money to each (with its own limits). None for anyone but an enterprise."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if org is None or org.kind != OrganisationKind.ENTERPRISE:
        return None
    requests = (_requests().filter(enterprise__organisation=org, status__in=REQUEST_VISIBLE_STATUSES)
                .order_by("-submitted_at", "-pk")[:limit])
    return _fits([(req, product) for req in requests], with_limits=True)


@dataclass
class LimitPosition:
    """The owner's position under its preferred channel's limit rule (never shown to others)."""

    channel: Any
    texts: list[str]
    within: bool
    missing_rates: list[str]
    no_parameters: bool


def request_limit_position_for(user: Any, req: FinancingRequest) -> LimitPosition | None:
    """The request's enterprise only, and only when its preferred channel has a limit rule."""
    if not _owns(user, req) or req.channel is None or req.channel.limit_rule == "none":
        return None
    from bayfin.common.money import Money
    from bayfin.fx import selectors as fx_selectors
    from bayfin.fx.engine.limits import within

    amount = Money(req.amount, req.currency)
    limits = fx_selectors.limits_for_enterprise(
        req.enterprise, amount=amount, term_months=req.term_months,
        foreign_currency=fx_selectors.lent_in_foreign_currency(req.channel, amount))
    return LimitPosition(req.channel, limits.texts_for(req.channel.limit_rule),
                         bool(limits.checks) and not limits.missing_rates and within(req.channel.limit_rule,
                                                                                    limits.checks),
                         limits.missing_rates, limits.parameters is None)


# --------------------------------------------------------------------------- the dashboard

WAITING_REASONS = {
    "answer_interest": _("Answer this interest: accept or decline"),
    "confirm_consent": _("Confirm what the institution may read"),
    "start_due_diligence": _("Data shared: start due diligence"),
    "confirm_terms": _("Read and confirm the proposed terms"),
    "record_money": _("Approved: record the disbursement or the investment"),
    "overdue": _("Repayment overdue"),
}


def deals_waiting_for(user: Any, *, limit: int = 5) -> list[tuple[Deal, str]]:
    """The deals on which the viewer's side has the next step, most recently moved first, with
    what that step is (a key of WAITING_REASONS). Empty for roles that are not party to deals."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if org is None or org.kind not in (OrganisationKind.ENTERPRISE, OrganisationKind.INSTITUTION):
        return []
    stages = (DealStage.INTEREST, DealStage.ACCEPTED, DealStage.DATA_ACCESS, DealStage.TERM_SHEET,
              DealStage.APPROVED, DealStage.REPAYING)
    open_sheets = Prefetch("term_sheets", queryset=TermSheet.objects.filter(status="proposed"),
                           to_attr="open_sheets")
    deals = (_deals_scoped(user).filter(stage__in=stages).prefetch_related(open_sheets, "consents")
             .order_by("-updated_at", "-pk")[:50])
    out: list[tuple[Deal, str]] = []
    for deal in deals:
        side = deal_side(user, deal)
        reason = None
        if deal.stage == DealStage.TERM_SHEET:
            sheet = next(iter(deal.open_sheets), None)  # type: ignore[attr-defined]
            if sheet is not None and side and getattr(sheet, f"{side}_confirmed_at", None) is None:
                reason = "confirm_terms"
        elif side == "enterprise":
            if deal.stage == DealStage.INTEREST:
                reason = "answer_interest"
            elif deal.stage == DealStage.ACCEPTED and any(g.status == "proposed" for g in deal.consents.all()):
                reason = "confirm_consent"
        elif side == "institution":
            lender_steps: dict[str, str] = {DealStage.DATA_ACCESS: "start_due_diligence",
                                            DealStage.APPROVED: "record_money"}
            reason = lender_steps.get(deal.stage)
            if deal.stage == DealStage.REPAYING and deal.days_past_due > 0:
                reason = "overdue"
        if reason:
            out.append((deal, reason))
        if len(out) >= limit:
            break
    return out
