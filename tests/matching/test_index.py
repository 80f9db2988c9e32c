"""The per-process product index: built from the database, current by version, updated
incrementally (equal to a rebuild), channel classes, the record table and the exposure."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bayfin.common.vocab import (
    SECTORS,
    CertificationKind,
    InstitutionKind,
    Instrument,
    Jurisdiction,
    Qualification,
    Sector,
    Stage,
)
from bayfin.financing.transitions import DealStage
from bayfin.institutions.models import ProductStatus
from bayfin.matching import index as ix
from bayfin.matching import services
from bayfin.matching.models import BatchKind, BatchStatus, IndexChange, MatchBatch
from bayfin.scoring.engine.grades import GRADES
from tests.factories import DealFactory, EnterpriseFactory, FinancingRequestFactory

from .support import bank, product

pytestmark = pytest.mark.django_db


def test_the_codebook_is_the_vocabulary() -> None:
    cb = ix.codebook()
    assert cb.instruments == tuple(Instrument.values) and cb.stages == tuple(Stage.values)
    assert cb.sectors == tuple(Sector.values)
    assert cb.sector_family == tuple(SECTORS[s].family for s in Sector.values)
    assert cb.jurisdictions == tuple(Jurisdiction.values)
    assert cb.certifications == tuple(CertificationKind.values)
    assert cb.qualifications == tuple(Qualification.values)
    assert cb.grades == GRADES and set(cb.currencies) == {"CNY", "EUR", "HKD", "MOP", "USD"}


def test_published_products_only_with_their_requirements() -> None:
    shown = product(min_credit_grade="BBB", required_qualifications=[Qualification.HNTE])
    product(status=ProductStatus.DRAFT)
    product(status=ProductStatus.ARCHIVED)
    snap = ix.current_index()
    assert snap.product_ids == {shown.pk}
    row = snap.index.rows[0]
    assert (row.min_grade, row.required_qualifications) == ("BBB", frozenset({"hnte"}))
    assert row.ticket_min == 1_000_000.0 and row.currency == "CNY"


def test_a_product_open_to_every_sector_takes_its_institution_focus_only_at_an_investor() -> None:
    fund, lender = bank(kind=InstitutionKind.VENTURE_CAPITAL), bank()
    opens = []
    for institution in (fund, lender):
        product(institution, sectors=[Sector.BIOMEDICINE])
        opens.append(product(institution, sectors=[]).pk)
    rows = {r.product_id: r for r in ix.current_index().index.rows}
    fund_open, lender_open = rows[opens[0]], rows[opens[1]]
    assert fund_open.sectors == frozenset() and fund_open.focus_sectors == frozenset({"biomedicine"})
    # a bank's other lines say nothing about an open one: no focus (the neutral sector part)
    assert lender_open.sectors == frozenset() and lender_open.focus_sectors == frozenset()


def test_the_copy_at_the_stored_version_is_reused_with_two_small_queries(django_assert_num_queries: Any) -> None:
    product()
    first = ix.current_index()
    with django_assert_num_queries(2):
        assert ix.current_index() is first


def test_a_product_written_behind_the_services_back_rebuilds_the_copy() -> None:
    """A bulk load, a shell, a rolled-back version number: the copy's products disagree with the
    table's, so it is rebuilt, not served stale."""
    first = product()
    assert ix.current_index().product_ids == {first.pk}
    second = product()  # no new version
    assert ix.current_index().product_ids == {first.pk, second.pk}
    type(second).objects.filter(pk=second.pk).update(status=ProductStatus.ARCHIVED)
    assert ix.current_index().product_ids == {first.pk}


def test_an_incremental_update_equals_a_rebuild() -> None:
    institution = bank()
    a, b = product(institution), product(institution, thesis="")
    old = ix.current_index()
    c = product(institution, sectors=[Sector.AI_BIG_DATA])
    b.status = ProductStatus.ARCHIVED
    b.save()
    a.ticket_max = a.ticket_max * 2
    a.save()
    version = ix.bump([a.pk, b.pk, c.pk])
    updated = ix.current_index()
    assert updated.version == version and updated.product_ids == {a.pk, c.pk}
    assert len(updated.classes) == len(old.classes)  # the same (place, kind, instrument, currency)
    ix.reset()
    rebuilt = ix.current_index()
    assert updated.index.rows == rebuilt.index.rows
    assert np.array_equal(updated.index.ids, rebuilt.index.ids)
    assert np.array_equal(updated.index.ticket_max, rebuilt.index.ticket_max)


def test_a_rebuild_marker_or_too_many_changes_rebuild_the_copy(monkeypatch: Any) -> None:
    product()
    first = ix.current_index()
    ix.bump([ix.REBUILD])
    second = ix.current_index()
    assert second is not first and second.version == first.version + 1
    monkeypatch.setattr(ix, "MAX_INCREMENT", 1)
    ix.bump([product().pk, product().pk])
    assert ix.current_index().product_ids == set(second.product_ids) | set(
        IndexChange.objects.filter(version=second.version + 1).values_list("product_id", flat=True))


def test_channel_classes_group_products_by_lender_place_kind_instrument_and_currency() -> None:
    hengqin, macao = bank(), bank(Jurisdiction.MACAO, InstitutionKind.MACAO_BANK)
    p1, p2 = product(hengqin), product(hengqin)
    p3 = product(macao)
    p4 = product(macao, ticket_currency="MOP")
    snap = ix.current_index()
    cls = {r.product_id: r.channel_class for r in snap.index.rows}
    assert cls[p1.pk] == cls[p2.pk] and len({cls[p1.pk], cls[p3.pk], cls[p4.pk]}) == 3
    assert snap.classes[cls[p4.pk]] == ix.ChannelClass("macao", "macao_bank", "credit_loan", "MOP")


def test_the_record_counts_funded_deals_by_sector_and_stage_and_half_at_other_stages() -> None:
    institution = bank()
    ic_a = EnterpriseFactory(sector=Sector.INTEGRATED_CIRCUITS, stage=Stage.SERIES_A)
    for stage in (DealStage.REPAID, DealStage.DISBURSED, DealStage.DECLINED):
        DealFactory(institution=institution, request=FinancingRequestFactory(enterprise=ic_a), stage=stage)
    DealFactory(institution=institution, stage=DealStage.INTEREST)  # not decided yet: not counted
    table = ix.records()
    cb = ix.codebook()
    i = list(table.institution_ids).index(institution.pk)
    s, a, b = cb.sectors.index("integrated_circuits"), cb.stages.index("series_a"), cb.stages.index("series_b")
    assert (table.f[i, s, a], table.n[i, s, a]) == (2.0, 3.0)
    assert (table.f[i, s, b], table.n[i, s, b]) == (1.0, 1.5)
    assert table.platform_rate == pytest.approx(2 / 3)


def test_no_decided_deal_is_an_empty_record() -> None:
    DealFactory(stage=DealStage.INTEREST)
    table = ix.records()
    assert len(table.institution_ids) == 0 and table.platform_rate is None


def test_exposure_is_the_last_finished_batch_of_the_kind() -> None:
    MatchBatch.objects.create(kind=BatchKind.REQUESTS, status=BatchStatus.DONE, weights_version="x",
                              exposure={"7": 3})
    MatchBatch.objects.create(kind=BatchKind.REQUESTS, status=BatchStatus.RUNNING, weights_version="x",
                              exposure={"7": 99})
    MatchBatch.objects.create(kind=BatchKind.ENTERPRISES, status=BatchStatus.DONE, weights_version="x",
                              exposure={"8": 1})
    assert ix.exposure(BatchKind.REQUESTS) == {7: 3}
    assert ix.exposure(BatchKind.ENTERPRISES) == {8: 1}


def test_a_product_embedding_reaches_the_index_through_a_new_version(embedder: Any) -> None:
    p = product(thesis="Chip loans.")
    assert ix.current_index().index.rows[0].embedding is None
    services.embed_missing()
    assert ix.current_index().index.rows[0].embedding is not None
    assert p.pk in ix.current_index().product_ids


def test_the_split_channel_check_agrees_with_the_fx_engine_on_every_flow(channels: Any) -> None:
    """A rule fits a query and a product class when its lender side passes for the class and its
    borrower side for the query: the same verdict as ``fx.engine.channels.check_channel`` on the
    whole flow, for every seeded channel over a grid of places, kinds, instruments, currencies,
    certifications, years and terms."""
    import itertools
    from types import SimpleNamespace

    from bayfin.fx.engine.channels import Flow, check_channel
    from bayfin.matching.queries import Context, _class_rules, _query_rules

    places = ["hengqin", "macao", "hong_kong", "elsewhere", "zhuhai"]
    classes = [ix.ChannelClass(j, k, i, c) for j, k, i, c in itertools.product(
        places, ["macao_bank", "commercial_bank", "venture_capital"], ["credit_loan", "equity", "bond"],
        ["CNY", "MOP", "USD"])]
    snap = SimpleNamespace(classes=classes)
    ctx = Context(snap=snap, book=None)  # type: ignore[arg-type]
    per_class = _class_rules(ctx)
    for place, currency, certs, years, term in itertools.product(
            places, ["CNY", "MOP", "HKD"], [frozenset(), frozenset({"hnte"})], [1, 5], [None, 6, 24]):
        facts = {"enterprise.certifications": certs, "enterprise.years_operating": years,
                 "request.term_months": term}
        passing = _query_rules(ctx, jurisdiction=place, currencies=[currency], facts=facts)
        for cls, rules in zip(classes, per_class, strict=True):
            flow = Flow(cls.jurisdiction, place, frozenset({cls.instrument}), cls.currency, currency,
                        {**facts, "institution.kind": cls.institution_kind})
            whole = [r.code for r in ctx.rules if check_channel(r, flow).fits]
            assert [r.code for r in rules if r.code in passing] == whole, (cls, place, currency, certs, years, term)


def test_a_finished_batch_leaves_only_its_rebuild_marker(channels: Any, rates: Any) -> None:
    p = product()
    services.product_changed(product_id=p.pk)
    ix.current_index()
    services.batch_start(kind=BatchKind.REQUESTS)
    assert list(IndexChange.objects.values_list("version", "product_id")) == [(ix.stored_version(), ix.REBUILD)]
    assert ix.current_index().version == ix.stored_version()  # the older copy rebuilt
