"""Matching's writes: a request's products, an enterprise's recommendations, embeddings, product
changes and batches; every hard requirement decided through the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bayfin.common.models import AuditEvent
from bayfin.common.vocab import (
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.evaluation.models import EvaluationStatus
from bayfin.financing.transitions import RequestStatus
from bayfin.institutions.models import ProductStatus
from bayfin.matching import index as ix
from bayfin.matching import services
from bayfin.matching.engine.embed import MODEL
from bayfin.matching.engine.weights import CURRENT, PARTS
from bayfin.matching.models import (
    BatchKind,
    BatchStatus,
    Embedding,
    EmbeddingKind,
    IndexChange,
    Match,
    MatchBatch,
    MatchKind,
)
from tests.factories import CertificationFactory, EnterpriseFactory

from .support import (
    bank,
    codes,
    evaluated,
    grade,
    listed,
    product,
    recommended,
    refresh,
    request,
    revenue,
    stored,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _platform(channels: Any, rates: Any) -> None:
    """Channels and today's rates: the platform every test here runs on."""


# --------------------------------------------------------------------------- one request


def test_a_request_gets_its_fitting_products_with_parts_reasons_and_the_weights_version() -> None:
    fits = product(thesis="We lend to chip designers for tape-outs.")
    product(instrument=Instrument.FACTORING)  # the request accepts a credit loan or equity, not factoring
    req = request()
    services.embed_missing()
    assert refresh(req) == [fits.pk]
    match = stored(req, fits.pk)
    assert match.rank == 1 and match.weights_version == CURRENT.version
    assert set(match.parts) == set(PARTS)
    assert all(0.0 <= v <= 1.0 for v in match.parts.values())
    assert match.score == pytest.approx(sum(CURRENT.part_weights()[p] * v for p, v in match.parts.items()))
    assert {"sector_same", "ticket_covers", "term_within", "channel", "thesis_close"} <= set(codes(match))
    channel = next(r for r in match.reasons if r["code"] == "channel")
    assert channel["params"] == {"channel": "domestic-mainland", "lent": "CNY", "currency": "CNY"}


def test_products_rank_by_score_then_by_product_id() -> None:
    first, second = product(thesis=""), product(thesis="")
    near = product(thesis="", ticket_min=Decimal("7000000.00"), ticket_max=Decimal("9000000.00"))
    assert refresh(request()) == [near.pk, first.pk, second.pk]


def test_at_most_twenty_products_are_stored() -> None:
    institution = bank()
    for _ in range(services.K + 3):
        product(institution, thesis="")
    assert len(refresh(request())) == services.K


def test_a_request_that_ended_loses_its_matches_and_a_draft_has_them() -> None:
    product()
    req = request(status=RequestStatus.DRAFT)
    assert refresh(req)
    req.status = RequestStatus.CLOSED
    req.save()
    assert refresh(req) == []


def test_an_audit_event_is_written_only_when_the_list_changes() -> None:
    product()
    req = request()
    refresh(req)
    events = AuditEvent.objects.filter(action="matching.request_matches")
    assert events.count() == 1
    refresh(req)
    assert events.count() == 1
    product()
    ix.reset()
    refresh(req)
    assert events.count() == 2


def test_without_published_products_nothing_is_embedded(embedder: Any) -> None:
    product(status=ProductStatus.DRAFT)
    req = request()
    assert refresh(req) == []
    assert embedder.calls == []


# --------------------------------------------------------------------------- embeddings


def test_a_text_is_embedded_once_and_again_only_when_it_changes(embedder: Any) -> None:
    product()
    req = request()
    refresh(req)
    refresh(req)
    assert sorted(embedder.texts) == sorted([req.purpose, req.enterprise.description])
    req.purpose = "Clinical trial of a new drug."
    req.save()
    refresh(req)
    assert embedder.texts[-1] == req.purpose
    row = Embedding.objects.get(kind=EmbeddingKind.REQUEST, object_id=req.pk)
    assert row.model == MODEL and len(bytes(row.vector)) == 512 * 4


def test_a_blank_text_has_no_embedding() -> None:
    enterprise = EnterpriseFactory(description="Chip design.")
    assert services.embedding_refresh(EmbeddingKind.ENTERPRISE, enterprise)
    enterprise.description = "   "
    services.embedding_refresh(EmbeddingKind.ENTERPRISE, enterprise)
    assert not Embedding.objects.filter(kind=EmbeddingKind.ENTERPRISE, object_id=enterprise.pk).exists()


def test_the_thesis_closest_to_the_request_ranks_first(embedder: Any) -> None:
    institution = bank()
    tourism = product(institution, thesis="Hotels and tourism in Macao.")
    chips = product(institution, thesis="芯片设计企业的流片贷款")  # "tape-out loans for chip designers"
    services.embed_missing()
    ix.reset()
    req = request()
    assert refresh(req) == [chips.pk, tourism.pk]
    assert "thesis_close" in codes(stored(req, chips.pk))
    assert "thesis_close" not in codes(stored(req, tourism.pk))


# --------------------------------------------------------------------------- hard requirements, end to end


def test_minimum_credit_grade() -> None:
    needs_a = product(min_credit_grade="A")
    req = request()
    assert refresh(req) == [needs_a.pk]  # no grade yet: not excluded, and nothing said about it
    assert "grade_ok" not in codes(stored(req, needs_a.pk))
    grade(req.enterprise, "BB")
    assert refresh(req) == []
    grade(req.enterprise, "AA")
    assert refresh(req) == [needs_a.pk]
    reason = next(r for r in stored(req, needs_a.pk).reasons if r["code"] == "grade_ok")
    assert reason["scope"] == "credit" and reason["params"] == {"min_grade": "A"}


def test_sci_tech_qualification_any_of_fails_only_when_each_is_decided_negative() -> None:
    needs = product(required_qualifications=[Qualification.HNTE, Qualification.SCITECH_SME])
    req = request()
    enterprise = req.enterprise
    assert refresh(req) == [needs.pk]  # never evaluated
    evaluated(enterprise, Qualification.HNTE, EvaluationStatus.NOT_QUALIFIED)
    evaluated(enterprise, Qualification.SCITECH_SME, EvaluationStatus.UNDETERMINED)
    assert refresh(req) == [needs.pk]  # one still undecided
    evaluated(enterprise, Qualification.SCITECH_SME, EvaluationStatus.NOT_QUALIFIED)
    assert refresh(req) == []
    evaluated(enterprise, Qualification.SCITECH_SME, EvaluationStatus.QUALIFIED)  # the latest counts
    assert refresh(req) == [needs.pk]
    reason = next(r for r in stored(req, needs.pk).reasons if r["code"] == "qualification_ok")
    assert reason["scope"] == "evaluation" and reason["params"] == {"qualifications": ["scitech_sme"]}


def test_minimum_revenue_in_another_currency_is_compared_after_conversion() -> None:
    # MOP 5,000,000; CNY 4,000,000 = USD 563,380.28 = MOP 4,526,197 (below); CNY 5,000,000 = MOP 5,657,746.
    needs = product(min_revenue_amount=Decimal("5000000.00"), min_revenue_currency="MOP")
    req = request()
    assert refresh(req) == []  # no statement: revenue unknown
    revenue(req.enterprise, "4000000.00", year=2024)
    assert refresh(req) == []
    revenue(req.enterprise, "5000000.00", year=2025)  # the latest year counts
    assert refresh(req) == [needs.pk]
    reason = next(r for r in stored(req, needs.pk).reasons if r["code"] == "revenue_ok")
    assert reason["scope"] == "statements" and reason["params"] == {"min": 5000000.0, "currency": "MOP"}


def test_ticket_range_after_conversion_of_the_amount() -> None:
    # A Macao enterprise asks MOP 10,000,000 = USD 1,244,709.98 = CNY 8,837,440.88 of Macao banks
    # lending renminbi (the domestic Macao channel carries any of its currencies).
    macao = bank(Jurisdiction.MACAO, InstitutionKind.MACAO_BANK)
    narrow = product(macao, jurisdictions=[], ticket_min=Decimal("1000000.00"), ticket_max=Decimal("8800000.00"))
    wide = product(macao, jurisdictions=[], ticket_min=Decimal("1000000.00"), ticket_max=Decimal("8900000.00"))
    req = request(amount=Decimal("10000000.00"), currency="MOP",
                  enterprise=EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO))
    assert refresh(req) == [wide.pk]
    ticket = next(r for r in stored(req, wide.pk).reasons if r["code"] == "ticket_covers")
    assert ticket["params"]["currency"] == "CNY"
    assert ticket["params"]["amount"] == pytest.approx(8837440.88, abs=0.01)
    assert narrow.pk not in listed(req)


def test_without_a_rate_the_amount_cannot_be_compared(db: Any) -> None:
    from bayfin.fx.models import FxRate

    FxRate.objects.all().delete()
    product(bank(Jurisdiction.MACAO, InstitutionKind.MACAO_BANK), jurisdictions=[])
    in_macao = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO)
    assert refresh(request(amount=Decimal("10000000.00"), currency="MOP", enterprise=in_macao)) == []
    assert refresh(request(enterprise=in_macao)) != []  # the same currency needs no rate


def test_a_channel_must_carry_the_money_within_the_enterprise_limits() -> None:
    macao = bank(Jurisdiction.MACAO, InstitutionKind.MACAO_BANK)
    cross_border = product(macao, thesis="")  # CNY credit loan: the cross-border RMB loan, under the MPA cap
    req = request()
    assert refresh(req) == []  # no statement: no net assets, no cap
    revenue(req.enterprise, "30000000.00")  # net assets of CNY 899m: room under the cap
    assert refresh(req) == [cross_border.pk]
    channel = next(r for r in stored(req, cross_border.pk).reasons if r["code"] == "channel")
    assert channel["params"]["channel"] == "cross-border-rmb-loan"


def test_no_channel_at_all() -> None:
    hong_kong = bank(Jurisdiction.HONG_KONG, InstitutionKind.HONG_KONG_BANK)
    product(hong_kong, jurisdictions=[], ticket_currency="CNY")
    macao_enterprise = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO)
    assert refresh(request(enterprise=macao_enterprise)) == []


@pytest.mark.parametrize("product_kw", [
    {"instrument": Instrument.BOND},
    {"jurisdictions": [Jurisdiction.ZHUHAI]},
    {"stages": [Stage.SEED]},
    {"sectors": [Sector.BIOMEDICINE]},
    {"min_years_operating": 30},
    {"required_certifications": [CertificationKind.SRDI]},
    {"active_until": timezone.localdate() - dt.timedelta(days=1)},
], ids=["instrument", "jurisdiction", "stage", "sector", "years", "certifications", "inactive"])
def test_every_other_hard_requirement_excludes(product_kw: dict[str, Any]) -> None:
    product(**product_kw)
    ok = product()
    assert refresh(request()) == [ok.pk]


def test_a_held_certification_passes_and_says_so() -> None:
    needs = product(required_certifications=[CertificationKind.HNTE])
    req = request()
    assert refresh(req) == []
    CertificationFactory(enterprise=req.enterprise, kind=CertificationKind.HNTE,
                         issued_on=dt.date(2025, 1, 1), expires_on=None)
    assert refresh(req) == [needs.pk]
    assert "certifications_ok" in codes(stored(req, needs.pk))


# --------------------------------------------------------------------------- enterprises


def test_recommendations_go_to_verified_enterprises_only() -> None:
    fits = product()
    verified = EnterpriseFactory()
    pending = EnterpriseFactory(organisation__status="pending")
    services.enterprise_recommendations_refresh(enterprise_id=verified.pk)
    services.enterprise_recommendations_refresh(enterprise_id=pending.pk)
    assert recommended(verified) == [fits.pk]
    assert recommended(pending) == []
    rec = Match.objects.get(kind=MatchKind.ENTERPRISE, enterprise=verified)
    assert rec.request_id is None and "ticket_covers" not in codes(rec)  # no amount: no ticket reason


def test_an_enterprise_refresh_covers_its_requests() -> None:
    fits = product()
    req = request()
    services.enterprise_refresh(enterprise_id=req.enterprise_id)
    assert listed(req) == [fits.pk] and recommended(req.enterprise) == [fits.pk]


# --------------------------------------------------------------------------- products


def test_a_product_change_bumps_the_index_for_the_institution_products() -> None:
    institution = bank()
    changed, sibling = product(institution), product(institution)
    before = ix.stored_version()
    version = services.product_changed(product_id=changed.pk)
    assert version == before + 1 == ix.stored_version()
    assert set(IndexChange.objects.filter(version=version).values_list("product_id", flat=True)) == {
        changed.pk, sibling.pk}


def test_after_a_product_change_its_thesis_is_embedded_and_requests_rematched(embedder: Any) -> None:
    req = request()
    other = request(instruments=[Instrument.BOND])
    new = product(thesis="Chip design loans.")
    assert services.product_matches_refresh(product_id=new.pk) > 0
    assert embedder.texts[0] == "Chip design loans."
    assert listed(req) == [new.pk]
    assert listed(other) == []  # a bond request is not one this credit loan can move
    assert services.affected_requests([new.pk]) == [req.pk]


def test_an_archived_product_leaves_the_requests_that_listed_it() -> None:
    gone = product()
    req = request()
    assert refresh(req) == [gone.pk]
    gone.status = ProductStatus.ARCHIVED
    gone.save()
    services.product_changed(product_id=gone.pk)
    services.product_matches_refresh(product_id=gone.pk)
    assert listed(req) == []


# --------------------------------------------------------------------------- batches


def test_a_batch_matches_every_request_and_measures_concentration() -> None:
    institution = bank()
    products = [product(institution, thesis="") for _ in range(3)]
    requests = [request() for _ in range(4)]
    closed = request(status=RequestStatus.CLOSED)
    batch = services.batch_start(kind=BatchKind.REQUESTS, chunk_size=3)
    assert (batch.status, batch.queries, batch.chunks_total, batch.chunks_done) == (BatchStatus.DONE, 4, 2, 2)
    for req in requests:
        assert listed(req) == [p.pk for p in products]
        assert stored(req, products[0].pk).batch_id == batch.pk
    assert listed(closed) == []
    assert batch.exposure == {str(p.pk): 4 for p in products}
    assert batch.concentration["slots"] == 12 and batch.concentration["distinct_products"] == 3
    assert batch.concentration["gini"] == 0.0
    assert AuditEvent.objects.filter(action="matching.batch_chunk").count() == 2


def test_a_second_identical_batch_changes_no_stored_list_and_writes_no_audit_event() -> None:
    product()
    request()
    services.batch_start(kind=BatchKind.REQUESTS)
    services.batch_start(kind=BatchKind.REQUESTS)  # reads the first one's exposure (one product: same list)
    events = AuditEvent.objects.filter(action="matching.batch_chunk").count()
    services.batch_start(kind=BatchKind.REQUESTS)
    assert AuditEvent.objects.filter(action="matching.batch_chunk").count() == events
    assert MatchBatch.objects.filter(status=BatchStatus.DONE).count() == 3


def test_a_new_batch_marks_one_left_running_as_failed() -> None:
    stale = MatchBatch.objects.create(kind=BatchKind.REQUESTS, weights_version=CURRENT.version, chunks_total=2)
    services.batch_start(kind=BatchKind.REQUESTS)
    stale.refresh_from_db()
    assert stale.status == BatchStatus.FAILED


def test_the_next_batch_reads_the_previous_exposure_in_the_load_part() -> None:
    institution = bank()
    busy, quiet = product(institution, thesis=""), product(institution, thesis="", name="Quiet")
    req = request()
    services.batch_start(kind=BatchKind.REQUESTS)
    assert stored(req, busy.pk).parts["load"] == 1.0  # no previous batch
    MatchBatch.objects.update(exposure={str(busy.pk): 9})
    ix.bump([ix.REBUILD])
    services.batch_start(kind=BatchKind.REQUESTS)
    assert stored(req, busy.pk).parts["load"] < stored(req, quiet.pk).parts["load"]
    assert listed(req) == [quiet.pk, busy.pk]
    assert "low_exposure" in codes(stored(req, quiet.pk))


def test_an_enterprise_batch_recommends_to_verified_enterprises() -> None:
    fits = product()
    verified, pending = EnterpriseFactory(), EnterpriseFactory(organisation__status="pending")
    batch = services.batch_start(kind=BatchKind.ENTERPRISES)
    assert batch.queries == 1 and recommended(verified) == [fits.pk] and recommended(pending) == []


def test_match_all_runs_one_batch_per_kind() -> None:
    product()
    request()
    kinds = [b.kind for b in services.match_all()]
    assert kinds == [BatchKind.REQUESTS, BatchKind.ENTERPRISES]


@pytest.mark.parametrize(("counts", "products", "expected"), [
    ([5, 5, 5, 5], 4, {"share_top_1pct": 0.25, "share_top_10pct": 0.25, "gini": 0.0, "distinct_products": 4}),
    ([20], 4, {"share_top_1pct": 1.0, "share_top_10pct": 1.0, "gini": 0.75, "distinct_products": 1}),
    ([], 10, {"share_top_1pct": 0.0, "share_top_10pct": 0.0, "gini": 0.0, "distinct_products": 0}),
])
def test_concentration_figures(counts: list[int], products: int, expected: dict[str, float]) -> None:
    figures = services.concentration(counts, products)
    assert {k: figures[k] for k in expected} == expected
    assert figures["slots"] == sum(counts) and figures["products"] == products


def test_two_hundred_products_make_the_busiest_one_percent_two_products() -> None:
    figures = services.concentration([10, 6, 4] + [0] * 197, 200)
    assert figures["share_top_1pct"] == 0.8 and figures["share_top_10pct"] == 1.0


def test_a_product_not_yet_active_today_is_out() -> None:
    product(active_from=timezone.localdate() + dt.timedelta(days=1))
    assert refresh(request()) == []


def test_the_embedder_threads_follow_the_setting(settings: Any, embedder: Any) -> None:
    assert services.embedder() is embedder  # the engine's process-wide one (2 threads)
    settings.BAYFIN_MATCHING_EMBED_THREADS = 1
    own = services.embedder()
    assert own.threads == 1 and services.embedder() is own
