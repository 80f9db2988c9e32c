"""Reads of matching, scoped by user, every text in the reader's language.

Who reads what:
- an enterprise reads its own requests' matches (every reason: the data is its own) and asks "why
  not" of any published product; "why not" is the enterprise's alone;
- an institution reads, per product of its own, the open requests it matches, and across its
  products the enterprises worth a look (recommendations). What it reads comes from the public
  profile and the request: a reason that rests on private data (revenue: ``statements``; credit
  grade: ``credit``; sci-tech evaluation: ``evaluation``; unpublished certifications: ``profile``)
  shows only under a live consent of that enterprise to this institution for that scope (checked
  at the moment of reading, ``consent.selectors.live_q``), and otherwise the match reads "Meets
  your product's requirements" once. Recommendations show the public profile only. A request's own
  fields (amount, purpose, use of funds) never appear in an institution's match;
- operators read every match; operators and observers the batches' concentration figures.

Stored reasons are codes with parameters (``Match.reasons``); ``reason_text`` turns one into a
sentence when it is read, so a reader sees it in the language of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bayfin.accounts.models import OrganisationKind, OrganisationStatus
from bayfin.accounts.selectors import require_member
from bayfin.common.errors import NotFound
from bayfin.common.i18n import format_amount, format_day, format_number
from bayfin.common.vocab import (
    CertificationKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    SectorFamily,
    Stage,
)
from bayfin.consent.models import ConsentGrant, Scope
from bayfin.consent.selectors import live_q
from bayfin.enterprises.models import Certification
from bayfin.evaluation.selectors import shown_badges
from bayfin.financing.models import FinancingRequest
from bayfin.financing.transitions import REQUEST_VISIBLE_STATUSES
from bayfin.fx.models import Channel
from bayfin.institutions.models import Institution, Product, ProductStatus

from . import index as ix
from .engine.match import why_not
from .engine.weights import CURRENT, WEIGHTS, Weights
from .models import BatchKind, Match, MatchBatch, MatchKind
from .queries import LIMIT, Context, request_queries

PART_LABELS: dict[str, Any] = {
    "semantic": _("Thesis and description"),
    "sector": _("Sector"),
    "stage": _("Stage"),
    "ticket": _("Ticket size"),
    "term": _("Term"),
    "record": _("Record with similar enterprises"),
    "load": _("Exposure balance"),
}
HIDDEN_TEXT = _("Meets your product's requirements")
# Scopes of private data; "profile" reasons are public when the data is (see _public).
PRIVATE_SCOPES = frozenset({Scope.STATEMENTS, Scope.CREDIT, Scope.EVALUATION, Scope.PROFILE})
MAX_RECOMMENDATIONS = 500


@dataclass
class PartView:
    part: str
    label: str
    value: float
    weight: float
    contribution: float


@dataclass
class ReasonView:
    code: str
    text: str
    private: bool  # True: it rested on private data (shown to an institution only under consent)


@dataclass
class MatchView:
    product_id: int
    product_name: str
    institution_id: int
    institution_name: str
    request_id: int | None
    enterprise_id: int
    enterprise_name: str
    score: float
    rank: int
    parts: list[PartView]
    reasons: list[ReasonView]
    weights_version: str
    computed_at: datetime
    kind: str = MatchKind.REQUEST
    hidden_reasons: int = 0  # reasons replaced by "Meets your product's requirements"
    request_title: str = ""  # the request's title (public to institutions it is open to)


@dataclass
class WhyNotView:
    product_id: int
    product_name: str
    passed: bool
    failures: list[str] = field(default_factory=list)  # texts
    codes: list[str] = field(default_factory=list)  # the failed requirements' codes, in order


# --------------------------------------------------------------------------- texts


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def _labels(choices: Any, codes: Iterable[str]) -> str:
    return ", ".join(_label(choices, c) for c in codes)


def _money(amount: Any, currency: str) -> str:
    if amount is None or not currency:
        return ""
    return format_amount(Decimal(str(amount)).quantize(Decimal("0.01")), currency)


def _count(value: Any) -> str:
    number = Decimal(str(value)).quantize(Decimal("0.1")).normalize()
    return format_number(number if number == number.to_integral() else number)


def _channel_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {c.code: c.display_name() for c in Channel.objects.filter(code__in=wanted)}


def _term_range(lo: Any, hi: Any) -> str:
    if lo is not None and hi is not None:
        return gettext("%(min)s–%(max)s months") % {"min": format_number(lo), "max": format_number(hi)}
    if lo is not None:
        return gettext("at least %(min)s months") % {"min": format_number(lo)}
    return gettext("up to %(max)s months") % {"max": format_number(hi)}


def reason_text(reason: Mapping[str, Any], *, currency_reader: Callable[[Any, str], str] | None = None,
                channels: Mapping[str, str] | None = None) -> str:
    """One stored reason as a sentence in the active language. ``currency_reader`` formats an
    amount in a currency (default: the active language's money format); ``channels`` maps channel
    codes to names (read from the database when not given)."""
    money = currency_reader or _money
    code = reason.get("code", "")
    p = reason.get("params") or {}
    if code == "sector_same":
        return gettext("Sector matches: %(sector)s") % {"sector": _label(Sector, p.get("sector", ""))}
    if code == "sector_family":
        return gettext("Sector in the same family: %(sector)s (%(family)s)") % {
            "sector": _label(Sector, p.get("sector", "")), "family": _label(SectorFamily, p.get("family", ""))}
    if code == "stage_fit":
        return gettext("Stage fits: %(stage)s") % {"stage": _label(Stage, p.get("stage", ""))}
    if code == "ticket_covers":
        cur = p.get("currency", "")
        return gettext("Ticket %(min)s – %(max)s covers the %(amount)s asked") % {
            "min": money(p.get("min"), cur), "max": money(p.get("max"), cur), "amount": money(p.get("amount"), cur)}
    if code in ("term_within", "term_near"):
        values = {"term": format_number(p.get("term")), "range": _term_range(p.get("min"), p.get("max"))}
        if code == "term_within":
            return gettext("Term of %(term)s months is within %(range)s") % values
        return gettext("Term of %(term)s months is close to %(range)s") % values
    if code == "thesis_close":
        return gettext("Thesis close to the enterprise's description and purpose")
    if code == "channel":
        names = channels if channels is not None else _channel_names([p.get("channel", "")])
        name = names.get(p.get("channel", ""), p.get("channel", "")) or gettext("a channel")
        if p.get("currency"):
            return gettext("Accepts %(currency)s via %(channel)s") % {"currency": p["currency"], "channel": name}
        return gettext("Money can reach the enterprise via %(channel)s") % {"channel": name}
    if code == "record":
        return gettext("The institution funded %(funded)s of %(deals)s similar deals on the platform") % {
            "funded": _count(p.get("funded", 0)), "deals": _count(p.get("deals", 0))}
    if code == "low_exposure":
        return gettext("Shown to few others in the last matching run")
    if code == "revenue_ok":
        return gettext("Revenue meets the minimum of %(min)s") % {"min": money(p.get("min"), p.get("currency", ""))}
    if code == "grade_ok":
        return gettext("Credit grade meets the minimum of %(grade)s") % {"grade": p.get("min_grade", "")}
    if code == "qualification_ok":
        return gettext("Qualifies as %(qualifications)s") % {
            "qualifications": _labels(Qualification, p.get("qualifications", []))}
    if code == "years_ok":
        n = int(p.get("min_years", 0))
        return ngettext("Operating for at least %(years)s year", "Operating for at least %(years)s years", n) % {
            "years": format_number(n)}
    if code == "certifications_ok":
        return gettext("Holds the required certifications: %(certifications)s") % {
            "certifications": _labels(CertificationKind, p.get("certs", []))}
    return str(code)


def _failure_text(code: str, p: Mapping[str, Any], *, fit_status: str, lender: str) -> str:
    if code == "inactive":
        until = p.get("active_until")
        return gettext("The product is not offered on this date (offered %(from)s – %(until)s).") % {
            "from": format_day(date.fromordinal(p["active_from"])),
            "until": format_day(date.fromordinal(until)) if until else gettext("open-ended")}
    if code == "instrument":
        return gettext("Your request does not accept %(instrument)s.") % {
            "instrument": _label(Instrument, p.get("instrument", ""))}
    if code == "ticket":
        cur = p.get("currency", "")
        return gettext("The amount asked, %(amount)s, is outside the product's ticket range %(min)s – %(max)s.") % {
            "amount": _money(p.get("amount"), cur), "min": _money(p.get("min"), cur), "max": _money(p.get("max"), cur)}
    if code == "no_rate":
        return gettext("There is no exchange rate today to convert the amount asked into %(currency)s.") % {
            "currency": p.get("currency", "")}
    if code == "channel":
        if fit_status == LIMIT:
            return gettext("Every channel that could carry this product's money would take you beyond your "
                           "cross-border borrowing limits.")
        return gettext("No channel in use on the platform carries this product's money (%(currency)s from "
                       "%(jurisdiction)s) to your request.") % {"currency": p.get("lent", ""), "jurisdiction": lender}
    if code == "jurisdiction":
        return gettext("The product does not serve %(jurisdiction)s (it serves %(allowed)s).") % {
            "jurisdiction": _label(Jurisdiction, p.get("jurisdiction", "")),
            "allowed": _labels(Jurisdiction, p.get("allowed", []))}
    if code == "stage":
        return gettext("The product does not finance the %(stage)s stage (it finances %(allowed)s).") % {
            "stage": _label(Stage, p.get("stage", "")), "allowed": _labels(Stage, p.get("allowed", []))}
    if code == "sector":
        return gettext("The product is limited to other sectors: %(allowed)s.") % {
            "allowed": _labels(Sector, p.get("allowed", []))}
    if code == "years":
        return ngettext("The product asks for at least %(min)s year operating; you have %(years)s.",
                        "The product asks for at least %(min)s years operating; you have %(years)s.",
                        int(p.get("min_years", 0))) % {
            "min": format_number(p.get("min_years", 0)), "years": format_number(p.get("years", 0))}
    if code == "revenue":
        minimum = _money(p.get("min"), p.get("currency", ""))
        if p.get("revenue") is None:
            return gettext("The product asks for a yearly revenue of at least %(min)s; you have declared no "
                           "revenue it can be compared with.") % {"min": minimum}
        return gettext("The product asks for a yearly revenue of at least %(min)s; your latest declared "
                       "revenue is %(revenue)s.") % {"min": minimum,
                                                     "revenue": _money(p.get("revenue"), p.get("currency", ""))}
    if code == "certifications":
        return gettext("The product requires certifications you do not hold: %(missing)s.") % {
            "missing": _labels(CertificationKind, p.get("missing", []))}
    if code == "qualification":
        return gettext("The product requires one of these sci-tech qualifications, which your latest evaluation "
                       "says you do not meet yet: %(qualifications)s.") % {
            "qualifications": _labels(Qualification, p.get("qualifications", []))}
    if code == "grade":
        return gettext("The product asks for a credit grade of %(min)s or better; yours is %(grade)s.") % {
            "min": p.get("min_grade", ""), "grade": p.get("grade", "")}
    return str(code)


# --------------------------------------------------------------------------- views of stored rows


def _weights(version: str) -> Weights:
    return WEIGHTS.get(version, CURRENT)


def _parts(m: Match) -> list[PartView]:
    w = _weights(m.weights_version).part_weights()
    return [PartView(part=p, label=str(PART_LABELS.get(p, p)), value=float(m.parts.get(p, 0.0)), weight=w[p],
                     contribution=w[p] * float(m.parts.get(p, 0.0))) for p in w]


@dataclass
class _Visibility:
    """What an institution may read of each enterprise: live scopes, published data."""

    scopes: dict[int, set[str]] = field(default_factory=dict)
    certifications: dict[int, set[str]] = field(default_factory=dict)  # published kinds
    badges: dict[int, set[str]] = field(default_factory=dict)  # shown qualifications
    consent: bool = True  # False: public profile only (recommendations)

    def public(self, enterprise_id: int, reason: Mapping[str, Any]) -> bool:
        """Whether the reason rests only on what the enterprise's public profile shows."""
        if reason.get("scope") not in PRIVATE_SCOPES:
            return True
        p = reason.get("params") or {}
        code = reason.get("code")
        if code == "years_ok":
            return True  # the founding year is on the public profile
        if code == "certifications_ok" and set(p.get("certs", [])) <= self.certifications.get(enterprise_id, set()):
            return True  # every one published
        # a qualification the enterprise shows as a badge
        return code == "qualification_ok" and bool(
            set(p.get("qualifications", [])) & self.badges.get(enterprise_id, set()))

    def allows(self, enterprise_id: int, reason: Mapping[str, Any]) -> bool:
        """Whether an institution may read the reason: public, or under a live consent to its scope."""
        return self.public(enterprise_id, reason) or (
            self.consent and reason.get("scope") in self.scopes.get(enterprise_id, set()))


def _visibility(institution: Institution | None, enterprise_ids: Sequence[int], *, consent: bool) -> _Visibility:
    ids = list(set(enterprise_ids))
    vis = _Visibility(consent=consent)
    if institution is not None and consent:
        for enterprise_id, scopes in (ConsentGrant.objects.filter(live_q(), institution=institution,
                                                                  enterprise_id__in=ids)
                                      .values_list("enterprise_id", "scopes")):
            vis.scopes.setdefault(enterprise_id, set()).update(scopes or [])
    for enterprise_id, kind in (Certification.objects.filter(enterprise_id__in=ids, published=True)
                                .values_list("enterprise_id", "kind")):
        vis.certifications.setdefault(enterprise_id, set()).add(kind)
    vis.badges = {k: set(v) for k, v in shown_badges(ids).items()}
    return vis


def _views(rows: Sequence[Match], *, visibility: _Visibility, institution: bool, rerank: bool) -> list[MatchView]:
    """Stored rows as views; for an institution, private reasons it may not read become one
    "Meets your product's requirements". A reason is ``private`` when it rests on data the public
    profile does not show."""
    channel_codes = [r.get("params", {}).get("channel", "") for m in rows for r in m.reasons if r.get("code") == "channel"]
    names = _channel_names(channel_codes)
    out = []
    for position, m in enumerate(rows, start=1):
        reasons: list[ReasonView] = []
        hidden = 0
        for r in m.reasons:
            private = not visibility.public(m.enterprise_id, r)
            if institution and not visibility.allows(m.enterprise_id, r):
                hidden += 1
                continue
            reasons.append(ReasonView(code=r.get("code", ""), text=reason_text(r, channels=names), private=private))
        if hidden:
            reasons.append(ReasonView(code="hidden", text=str(HIDDEN_TEXT), private=True))
        product = m.product
        out.append(MatchView(
            product_id=m.product_id, product_name=product.name, institution_id=product.institution_id,
            institution_name=product.institution.organisation.display_name(), request_id=m.request_id,
            enterprise_id=m.enterprise_id, enterprise_name=m.enterprise.organisation.display_name(),
            score=float(m.score), rank=position if rerank else m.rank, parts=_parts(m), reasons=reasons,
            weights_version=m.weights_version, computed_at=m.computed_at, kind=m.kind, hidden_reasons=hidden,
            request_title=m.request.title if m.request is not None else ""))
    return out


def _rows() -> QuerySet[Match]:
    return Match.objects.select_related("product__institution__organisation", "enterprise__organisation", "request")


def _institution_of(user: Any) -> Institution | None:
    org = require_member(user, OrganisationKind.INSTITUTION, OrganisationKind.OPERATOR)
    if org.kind == OrganisationKind.OPERATOR:
        return None
    institution = Institution.objects.filter(organisation=org).first()
    if institution is None or org.status != OrganisationStatus.VERIFIED:
        raise NotFound(_("Not found."))
    return institution


# --------------------------------------------------------------------------- the selectors


def request_matches_for(user: Any, request_id: int) -> list[MatchView]:
    """The products that fit a request, best first: for the request's enterprise (every reason)
    and operators."""
    org = require_member(user, OrganisationKind.ENTERPRISE, OrganisationKind.OPERATOR)
    requests = FinancingRequest.objects.filter(pk=request_id)
    if org.kind == OrganisationKind.ENTERPRISE:
        requests = requests.filter(enterprise__organisation=org)
    if not requests.exists():
        raise NotFound(_("Financing request not found."))
    rows = list(_rows().filter(kind=MatchKind.REQUEST, request_id=request_id).order_by("rank", "pk"))
    return _views(rows, visibility=_visibility(None, [m.enterprise_id for m in rows], consent=False),
                  institution=False, rerank=False)


def product_matches_for(user: Any, product_id: int) -> list[MatchView]:
    """The open requests (of verified enterprises) a product matches, best first: for the
    product's institution (private reasons only under a live consent of that scope) and operators."""
    institution = _institution_of(user)
    products = Product.objects.filter(pk=product_id)
    if institution is not None:
        products = products.filter(institution=institution)
    if not products.exists():
        raise NotFound(_("Product not found."))
    rows = list(_rows().filter(kind=MatchKind.REQUEST, product_id=product_id,
                               request__status__in=REQUEST_VISIBLE_STATUSES,
                               request__enterprise__organisation__status=OrganisationStatus.VERIFIED)
                .order_by("-score", "request_id"))
    visibility = _visibility(institution, [m.enterprise_id for m in rows], consent=True)
    return _views(rows, visibility=visibility, institution=institution is not None, rerank=True)


def recommendations_for(user: Any, *, product_id: int | None = None) -> list[MatchView]:
    """Enterprises worth a look across the institution's published products (or one of them),
    best first, one row per enterprise (its best product): public profile only."""
    org = require_member(user, OrganisationKind.INSTITUTION)
    institution = Institution.objects.filter(organisation=org).first()
    if institution is None or org.status != OrganisationStatus.VERIFIED:
        return []
    products = Product.objects.filter(institution=institution, status=ProductStatus.PUBLISHED)
    if product_id is not None:
        products = products.filter(pk=product_id)
        if not products.exists():
            raise NotFound(_("Product not found."))
    rows = (_rows().filter(kind=MatchKind.ENTERPRISE, product__in=products,
                           enterprise__organisation__status=OrganisationStatus.VERIFIED)
            .order_by("-score", "enterprise_id", "product_id"))
    best: list[Match] = []
    seen: set[int] = set()
    for m in rows.iterator(chunk_size=500):
        if m.enterprise_id in seen:
            continue
        seen.add(m.enterprise_id)
        best.append(m)
        if len(best) >= MAX_RECOMMENDATIONS:
            break
    return _views(best, visibility=_visibility(institution, list(seen), consent=False), institution=True,
                  rerank=True)


def why_not_for(user: Any, request_id: int, product_id: int) -> WhyNotView:
    """Which hard requirements of a published product the enterprise's own request fails (none:
    it fits). The enterprise's alone: anyone else, another enterprise's request or a product that
    is not published is NotFound."""
    org = require_member(user, OrganisationKind.ENTERPRISE)
    if not FinancingRequest.objects.filter(pk=request_id, enterprise__organisation=org).exists():
        raise NotFound(_("Financing request not found."))
    product = (Product.objects.select_related("institution__organisation")
               .filter(pk=product_id, status=ProductStatus.PUBLISHED).first())
    if product is None:
        raise NotFound(_("Product not found."))
    snap = ix.current_index(BatchKind.REQUESTS)
    if product.pk not in snap.product_ids:
        raise NotFound(_("Product not found."))
    ctx = Context(snap=snap)
    queries = request_queries(ctx, [request_id])
    failures = why_not(snap.index, queries[0], product.pk)
    fit = ctx.fits.get(request_id)
    cls = snap.index.rows[snap.index.position(product.pk)].channel_class
    status = fit.status[cls] if fit is not None and 0 <= cls < len(fit.status) else ""
    lender = _label(Jurisdiction, product.institution.organisation.jurisdiction)
    texts = []
    for f in failures:
        params = dict(f.params)
        if f.code == "channel":
            params["lent"] = product.ticket_currency
        texts.append(_failure_text(f.code, params, fit_status=status, lender=lender))
    return WhyNotView(product_id=product.pk, product_name=product.name, passed=not failures, failures=texts,
                      codes=[f.code for f in failures])


def batch_list_for(user: Any) -> QuerySet[MatchBatch]:
    """Every batch, newest first, with its concentration figures (operators and observers)."""
    require_member(user, OrganisationKind.OPERATOR, OrganisationKind.OBSERVER)
    return MatchBatch.objects.all().order_by("-started_at", "-pk")
