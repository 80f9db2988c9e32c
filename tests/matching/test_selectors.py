"""Reads of matches: who sees which, what an institution may read of a match (privacy), "why not",
and the texts in two languages."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from bayfin.accounts.models import OrganisationKind
from bayfin.common.errors import NotFound, PermissionDenied
from bayfin.common.vocab import (
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.consent.models import GrantStatus, Scope
from bayfin.evaluation.models import EvaluationStatus
from bayfin.financing.transitions import RequestStatus
from bayfin.institutions.models import ProductStatus
from bayfin.matching import index as ix
from bayfin.matching import selectors, services
from bayfin.matching.models import BatchKind
from tests.conftest import member_of
from tests.factories import CertificationFactory, EnterpriseFactory, OrganisationFactory
from tests.i18n.support import ROOT, compile_catalogues

from . import support
from .support import bank, consent, evaluated, grade, product, refresh, request, revenue

pytestmark = pytest.mark.django_db

HIDDEN = "Meets your product's requirements"


@pytest.fixture(autouse=True)
def _platform(channels: Any, rates: Any) -> None:
    """Channels and today's rates."""


def operator() -> Any:
    return member_of(OrganisationFactory(kind=OrganisationKind.OPERATOR))


def observer() -> Any:
    return member_of(OrganisationFactory(kind=OrganisationKind.OBSERVER))


def texts(match: selectors.MatchView) -> list[str]:
    return [r.text for r in match.reasons]


# --------------------------------------------------------------------------- who sees a request's matches


def test_the_enterprise_reads_its_request_matches_with_parts_and_reasons() -> None:
    fits = product()
    req = request()
    refresh(req)
    [match] = selectors.request_matches_for(member_of(req.enterprise.organisation), req.pk)
    assert (match.product_id, match.rank, match.request_id) == (fits.pk, 1, req.pk)
    assert match.institution_name == fits.institution.organisation.display_name()
    assert [p.part for p in match.parts] == ["semantic", "sector", "stage", "ticket", "term", "record", "load"]
    assert sum(p.contribution for p in match.parts) == pytest.approx(match.score)
    assert "Sector matches: Integrated circuits and electronics" in texts(match)
    assert "Accepts CNY via Domestic financing (Mainland)" in texts(match)


def test_operators_read_any_request_matches() -> None:
    product()
    req = request()
    refresh(req)
    assert len(selectors.request_matches_for(operator(), req.pk)) == 1


@pytest.mark.parametrize("who", ["other_enterprise", "institution", "observer"])
def test_nobody_else_reads_a_request_matches(who: str) -> None:
    fits = product()
    req = request()
    refresh(req)
    user = {"other_enterprise": lambda: member_of(EnterpriseFactory().organisation),
            "institution": lambda: member_of(fits.institution.organisation),
            "observer": observer}[who]()
    with pytest.raises(NotFound if who == "other_enterprise" else PermissionDenied):
        selectors.request_matches_for(user, req.pk)


# --------------------------------------------------------------------------- a product's requests


def test_the_institution_reads_its_product_open_requests_best_first() -> None:
    fits = product(ticket_min=Decimal("7000000.00"), ticket_max=Decimal("9000000.00"))
    close, far = request(), request(amount=Decimal("8900000.00"))
    draft = request(status=RequestStatus.DRAFT)
    pending = request(enterprise=EnterpriseFactory(organisation__status="pending"))
    for r in (close, far, draft, pending):
        refresh(r)
    views = selectors.product_matches_for(member_of(fits.institution.organisation), fits.pk)
    assert [(m.request_id, m.rank) for m in views] == [(close.pk, 1), (far.pk, 2)]  # no draft, no pending


def test_another_institution_cannot_read_a_product_matches() -> None:
    fits = product()
    refresh(request())
    with pytest.raises(NotFound):
        selectors.product_matches_for(member_of(bank().organisation), fits.pk)
    with pytest.raises(PermissionDenied):
        selectors.product_matches_for(member_of(EnterpriseFactory().organisation), fits.pk)
    assert len(selectors.product_matches_for(operator(), fits.pk)) == 1


def test_an_institution_match_carries_no_private_field_of_the_request() -> None:
    names = {f.name for f in fields(selectors.MatchView)}
    assert not names & {"amount", "currency", "purpose", "use_of_funds", "title", "term_months", "revenue",
                        "grade", "limits"}


# --------------------------------------------------------------------------- privacy


PRIVATE = {
    # scope: (the product's requirement, what makes the enterprise meet it, the reason's text)
    Scope.STATEMENTS: ({"min_revenue_amount": Decimal("1000000.00"), "min_revenue_currency": "CNY"},
                       lambda e: revenue(e, "38000000.00"), "Revenue meets the minimum of CN¥1,000,000.00"),
    Scope.CREDIT: ({"min_credit_grade": "BBB"}, lambda e: grade(e, "A"), "Credit grade meets the minimum of BBB"),
    Scope.EVALUATION: ({"required_qualifications": [Qualification.HNTE]},
                       lambda e: evaluated(e, Qualification.HNTE, EvaluationStatus.QUALIFIED),
                       "Qualifies as High and New Technology Enterprise (pre-check)"),
}


@pytest.fixture(params=list(PRIVATE), ids=[str(s) for s in PRIVATE])
def private_match(request: Any) -> tuple[str, Any, Any, str]:
    scope = request.param
    requirement, meet, text = PRIVATE[scope]
    fits = product(**requirement)
    req = support.request()
    meet(req.enterprise)
    refresh(req)
    return scope, fits, req, text


def _institution_reads(fits: Any) -> selectors.MatchView:
    [match] = selectors.product_matches_for(member_of(fits.institution.organisation), fits.pk)
    return match


def test_without_consent_an_institution_reads_meets_your_requirements(private_match: Any) -> None:
    _scope, fits, req, text = private_match
    match = _institution_reads(fits)
    assert text not in texts(match)
    assert texts(match).count(HIDDEN) == 1 and match.hidden_reasons == 1
    assert next(r for r in match.reasons if r.code == "hidden").private
    # The enterprise itself reads the reason, marked private.
    [own] = selectors.request_matches_for(member_of(req.enterprise.organisation), req.pk)
    reason = next(r for r in own.reasons if r.text == text)
    assert reason.private


def test_with_a_live_consent_to_that_scope_the_institution_reads_the_reason(private_match: Any) -> None:
    scope, fits, req, text = private_match
    consent(req.enterprise, fits.institution, scope)
    match = _institution_reads(fits)
    assert text in texts(match) and HIDDEN not in texts(match)


def test_a_consent_to_another_scope_or_one_no_longer_live_does_not_show_it(private_match: Any) -> None:
    scope, fits, req, text = private_match
    other = next(s for s in PRIVATE if s != scope)
    consent(req.enterprise, fits.institution, other)
    consent(req.enterprise, fits.institution, scope, status=GrantStatus.REVOKED)
    consent(req.enterprise, fits.institution, scope, valid_until=timezone.localdate() - dt.timedelta(days=1))
    consent(req.enterprise, bank(), scope)  # another institution's consent
    match = _institution_reads(fits)
    assert text not in texts(match) and HIDDEN in texts(match)


def test_published_certifications_and_years_operating_are_public() -> None:
    fits = product(required_certifications=[CertificationKind.HNTE], min_years_operating=3)
    req = request()
    CertificationFactory(enterprise=req.enterprise, kind=CertificationKind.HNTE, issued_on=dt.date(2025, 1, 1),
                         expires_on=None, published=True)
    refresh(req)
    match = _institution_reads(fits)
    assert "Holds the required certifications: High and New Technology Enterprise (HNTE)" in texts(match)
    assert "Operating for at least 3 years" in texts(match)
    assert HIDDEN not in texts(match)


def test_an_unpublished_certification_needs_a_profile_consent() -> None:
    fits = product(required_certifications=[CertificationKind.HNTE])
    req = request()
    CertificationFactory(enterprise=req.enterprise, kind=CertificationKind.HNTE, issued_on=dt.date(2025, 1, 1),
                         expires_on=None, published=False)
    refresh(req)
    assert HIDDEN in texts(_institution_reads(fits))
    consent(req.enterprise, fits.institution, Scope.PROFILE)
    assert HIDDEN not in texts(_institution_reads(fits))


def test_the_request_amount_asked_is_what_the_institution_reads_never_the_revenue_figure() -> None:
    fits = product(min_revenue_amount=Decimal("1000000.00"), min_revenue_currency="CNY")
    req = request()
    revenue(req.enterprise, "38000000.00")
    refresh(req)
    consent(req.enterprise, fits.institution, Scope.STATEMENTS)
    shown = " ".join(texts(_institution_reads(fits)))
    assert "38,000,000" not in shown and "38000000" not in shown


# --------------------------------------------------------------------------- recommendations


def test_recommendations_show_enterprises_once_with_their_best_product_and_public_reasons_only() -> None:
    institution = bank()
    best = product(institution, ticket_min=Decimal("1000000.00"), min_credit_grade="BBB")
    product(institution, sectors=[Sector.BIOMEDICINE, Sector.INTEGRATED_CIRCUITS], stages=[Stage.SEED])
    enterprise = EnterpriseFactory()
    grade(enterprise, "A")
    consent(enterprise, institution, Scope.CREDIT)  # recommendations stay public even so
    services.enterprise_recommendations_refresh(enterprise_id=enterprise.pk)
    user = member_of(institution.organisation)
    [view] = selectors.recommendations_for(user)
    assert (view.enterprise_id, view.request_id) == (enterprise.pk, None)
    assert view.product_id == best.pk
    assert "Credit grade meets the minimum of BBB" not in texts(view) and HIDDEN in texts(view)
    assert [v.product_id for v in selectors.recommendations_for(user, product_id=best.pk)] == [best.pk]
    with pytest.raises(NotFound):
        selectors.recommendations_for(user, product_id=product().pk)  # not its product


def test_recommendations_are_for_institutions() -> None:
    with pytest.raises(PermissionDenied):
        selectors.recommendations_for(member_of(EnterpriseFactory().organisation))


# --------------------------------------------------------------------------- why not


def test_why_not_names_every_failed_requirement_for_the_enterprise() -> None:
    strict = product(instrument=Instrument.BOND, stages=[Stage.SEED], min_credit_grade="AAA")
    req = request()
    grade(req.enterprise, "BB")
    view = selectors.why_not_for(member_of(req.enterprise.organisation), req.pk, strict.pk)
    assert not view.passed
    assert view.codes == ["instrument", "stage", "grade"]
    assert view.failures == [
        "Your request does not accept Bond.",
        "The product does not finance the Series A stage (it finances Seed).",
        "The product asks for a credit grade of AAA or better; yours is BB.",
    ]


def test_why_not_says_it_fits() -> None:
    fits = product()
    req = request()
    view = selectors.why_not_for(member_of(req.enterprise.organisation), req.pk, fits.pk)
    assert view.passed and view.failures == [] and view.product_name == fits.name


def test_why_not_explains_the_channel_limit_and_the_missing_channel() -> None:
    macao_loan = product(bank(Jurisdiction.MACAO, InstitutionKind.MACAO_BANK))
    req = request()
    user = member_of(req.enterprise.organisation)
    view = selectors.why_not_for(user, req.pk, macao_loan.pk)
    assert view.codes == ["channel"]
    assert "beyond your cross-border borrowing limits" in view.failures[0]
    hong_kong_loan = product(bank(Jurisdiction.HONG_KONG, InstitutionKind.HONG_KONG_BANK), jurisdictions=[],
                             ticket_currency="USD")
    ix.reset()  # a factory's product skips the service that moves the index version
    view = selectors.why_not_for(user, req.pk, hong_kong_loan.pk)
    assert "channel" in view.codes


def test_why_not_revenue_and_qualification_texts() -> None:
    strict = product(min_revenue_amount=Decimal("50000000.00"), min_revenue_currency="CNY",
                     required_qualifications=[Qualification.SCITECH_SME])
    req = request()
    revenue(req.enterprise, "38000000.00")
    evaluated(req.enterprise, Qualification.SCITECH_SME, EvaluationStatus.NOT_QUALIFIED)
    view = selectors.why_not_for(member_of(req.enterprise.organisation), req.pk, strict.pk)
    assert view.codes == ["revenue", "qualification"]
    assert view.failures[0] == ("The product asks for a yearly revenue of at least CN¥50,000,000.00; your latest "
                                "declared revenue is CN¥38,000,000.00.")
    assert view.failures[1].endswith(": Sci-tech SME.")


def test_why_not_is_the_enterprise_alone() -> None:
    fits = product()
    req = request()
    with pytest.raises(PermissionDenied):
        selectors.why_not_for(member_of(fits.institution.organisation), req.pk, fits.pk)
    with pytest.raises(PermissionDenied):
        selectors.why_not_for(operator(), req.pk, fits.pk)
    with pytest.raises(NotFound):
        selectors.why_not_for(member_of(EnterpriseFactory().organisation), req.pk, fits.pk)
    draft = product(status=ProductStatus.DRAFT)
    with pytest.raises(NotFound):
        selectors.why_not_for(member_of(req.enterprise.organisation), req.pk, draft.pk)


# --------------------------------------------------------------------------- batches


def test_batches_are_for_operators_and_observers() -> None:
    services.batch_start(kind=BatchKind.REQUESTS)
    assert selectors.batch_list_for(operator()).count() == 1
    assert selectors.batch_list_for(observer()).count() == 1
    with pytest.raises(PermissionDenied):
        selectors.batch_list_for(member_of(bank().organisation))


# --------------------------------------------------------------------------- texts in two languages


REASONS = [
    {"code": "sector_same", "params": {"sector": "integrated_circuits"}},
    {"code": "sector_family", "params": {"sector": "iot", "family": "information_technology"}},
    {"code": "stage_fit", "params": {"stage": "series_a"}},
    {"code": "ticket_covers", "params": {"amount": 8000000.0, "currency": "CNY", "min": 5000000.0, "max": 2e7}},
    {"code": "term_within", "params": {"term": 24, "min": 12, "max": 36}},
    {"code": "term_near", "params": {"term": 48, "min": None, "max": 36}},
    {"code": "thesis_close", "params": {"similarity": 0.5}},
    {"code": "channel", "params": {"channel": "cross-border-rmb-loan", "lent": "CNY", "currency": "MOP"}},
    {"code": "record", "params": {"funded": 3.5, "deals": 5.0}},
    {"code": "low_exposure", "params": {}},
    {"code": "revenue_ok", "params": {"min": 5000000.0, "currency": "MOP"}},
    {"code": "grade_ok", "params": {"min_grade": "BBB"}},
    {"code": "qualification_ok", "params": {"qualifications": ["hnte"]}},
    {"code": "years_ok", "params": {"min_years": 3}},
    {"code": "certifications_ok", "params": {"certs": ["hnte", "srdi"]}},
]

ENGLISH = [
    "Sector matches: Integrated circuits and electronics",
    "Sector in the same family: Internet of things (Information technology)",
    "Stage fits: Series A",
    "Ticket CN¥5,000,000.00 – CN¥20,000,000.00 covers the CN¥8,000,000.00 asked",
    "Term of 24 months is within 12–36 months",
    "Term of 48 months is close to up to 36 months",
    "Thesis close to the enterprise's description and purpose",
    "Accepts MOP via Cross-border RMB loan",
    "The institution funded 3.5 of 5 similar deals on the platform",
    "Shown to few others in the last matching run",
    "Revenue meets the minimum of MOP5,000,000.00",
    "Credit grade meets the minimum of BBB",
    "Qualifies as High and New Technology Enterprise (pre-check)",
    "Operating for at least 3 years",
    "Holds the required certifications: High and New Technology Enterprise (HNTE), "
    "Specialised, refined, distinctive and novel (SRDI)",
]


def test_every_reason_reads_in_english() -> None:
    with translation.override("en"):
        got = [selectors.reason_text(r, channels={"cross-border-rmb-loan": "Cross-border RMB loan"})
               for r in REASONS]
    assert got == ENGLISH


@pytest.fixture
def chinese() -> Any:
    compile_catalogues(ROOT / "locale", *sorted(Path(ROOT / "bayfin").glob("*/locale")))
    with translation.override("zh-hans"):
        yield


def test_reasons_read_in_simplified_chinese(chinese: Any) -> None:
    """The vocabulary inside the sentences is translated already (sectors, stages, certifications,
    qualifications, money); each sentence itself is translated with the matching catalogue."""
    got = {r["code"]: selectors.reason_text(r, channels={}) for r in REASONS}
    assert "集成电路与电子" in got["sector_same"]
    assert "物联网" in got["sector_family"]
    assert "A 轮" in got["stage_fit"]
    assert "¥5,000,000.00" in got["ticket_covers"]
    assert "高新技术企业" in got["qualification_ok"]
    assert "专精特新" in got["certifications_ok"]
    # Once the matching catalogue is translated, no sentence is left in English.
    catalogue = ROOT / "bayfin/matching/locale/zh_Hans/LC_MESSAGES/django.po"
    if catalogue.exists():
        for code, text in got.items():
            assert not any(word in text for word in ("matches", "covers", "months", "Thesis", "Accepts",
                                                     "funded", "Shown", "meets", "Qualifies", "Operating",
                                                     "Holds", "Stage fits")), (code, text)


def test_part_labels_and_the_hidden_text_follow_the_language(chinese: Any) -> None:
    fits = product()
    req = request()
    refresh(req)
    [match] = selectors.request_matches_for(member_of(req.enterprise.organisation), req.pk)
    labels = {p.part: p.label for p in match.parts}
    assert (labels["sector"], labels["term"]) == ("所属行业", "期限")
    assert fits.pk == match.product_id


def test_a_reason_on_published_data_is_not_marked_private_and_one_on_private_data_is() -> None:
    fits = product(required_certifications=[CertificationKind.HNTE], min_years_operating=3, min_credit_grade="BBB")
    req = request()
    CertificationFactory(enterprise=req.enterprise, kind=CertificationKind.HNTE, issued_on=dt.date(2025, 1, 1),
                         expires_on=None, published=True)
    grade(req.enterprise, "A")
    refresh(req)
    consent(req.enterprise, fits.institution, Scope.CREDIT)
    for match in (_institution_reads(fits),
                  selectors.request_matches_for(member_of(req.enterprise.organisation), req.pk)[0]):
        private = {r.code: r.private for r in match.reasons}
        assert (private["certifications_ok"], private["years_ok"], private["grade_ok"]) == (False, False, True)
