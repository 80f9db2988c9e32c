"""The demo generator: deterministic, believable and consistent with the vocabularies."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import uscc

from bayfin.common import vocab
from bayfin.demo import vocabulary as V
from bayfin.demo.generator import DemoGenerator, Sizes, make_hk_number, make_macao_number
from bayfin.enterprises.registration import normalise
from bayfin.financing.transitions import DealStage, RequestStatus

TODAY = date(2026, 3, 1)
SMALL = Sizes(enterprises=60, institutions=30, products=45, requests=50, deals=30)


@pytest.fixture(scope="module")
def dataset():
    return DemoGenerator(7, SMALL, today=TODAY).dataset()


def test_same_seed_gives_identical_data_and_another_seed_different_data(dataset):
    again = DemoGenerator(7, SMALL, today=TODAY).dataset()
    assert dataclasses.asdict(again) == dataclasses.asdict(dataset)
    other = DemoGenerator(8, SMALL, today=TODAY).dataset()
    assert [e.organisation.name_zh_hans for e in other.enterprises] != [
        e.organisation.name_zh_hans for e in dataset.enterprises]


def test_streamed_enterprises_match_the_data_set(dataset):
    gen = DemoGenerator(7, SMALL, today=TODAY)
    assert dataclasses.asdict(gen.enterprise_at(10)) == dataclasses.asdict(dataset.enterprises[10])
    assert [e.index for e in gen.iter_enterprises(3, start=100)] == [100, 101, 102]


def test_the_generator_uses_the_platform_vocabularies():
    assert set(V.JURISDICTIONS) == set(vocab.Jurisdiction.values)
    assert set(V.MAINLAND) == set(vocab.MAINLAND_JURISDICTIONS)
    assert set(V.STAGES) == set(vocab.Stage.values)
    assert set(V.INSTRUMENTS) == set(vocab.Instrument.values)
    assert set(V.INSTITUTION_KINDS) == set(vocab.InstitutionKind.values)
    assert set(V.CERTIFICATION_KINDS) == set(vocab.CertificationKind.values)
    assert set(V.SECTORS) == set(vocab.Sector.values)
    assert set(V.REQUEST_STATUSES) == set(RequestStatus.values)
    assert set(V.DEAL_STAGES) == set(DealStage.values)


def test_registration_numbers_are_valid_and_unique(dataset):
    numbers = [e.registration_number for e in dataset.enterprises]
    assert len(set(numbers)) == len(numbers)
    for e in dataset.enterprises:
        j = e.organisation.jurisdiction
        if j in V.MAINLAND:
            assert uscc.is_valid(e.registration_number), e.registration_number
        assert normalise(j, e.registration_number) == e.registration_number


def test_registration_numbers_stay_unique_across_a_large_stream():
    gen = DemoGenerator(1, today=TODAY)
    numbers = [e.registration_number for e in gen.iter_enterprises(20_000, details=False)]
    assert len(set(numbers)) == len(numbers)
    assert all(uscc.is_valid(n) for n in numbers if len(n) == 18)
    assert len({make_macao_number(i) for i in range(0, 1_800_000, 997)}) == len(range(0, 1_800_000, 997))
    assert make_hk_number(5).isdigit() and len(make_hk_number(5)) == 8


def test_enterprises_are_consistent(dataset):
    for e in dataset.enterprises:
        org = e.organisation
        assert any(getattr(org, f) for f in ("name_zh_hans", "name_zh_hant", "name_en", "name_pt"))
        assert 0 < e.tech_staff <= e.employees
        assert date(1998, 1, 1) <= e.founding_date < TODAY
        assert e.stage in V.STAGES and e.sector in V.SECTORS
        shares = sum(Decimal(o.share_percent) for o in e.owners)
        assert e.owners and Decimal(0) < shares <= Decimal(100)
        expected_currency = {"macao": "MOP", "hong_kong": "HKD"}.get(org.jurisdiction, "CNY")
        for s in e.statements:
            assert s.year >= e.founding_date.year
            assert TODAY.year - 3 <= s.year < TODAY.year
            if org.jurisdiction != "elsewhere":
                assert s.currency == expected_currency
            revenue = Decimal(s.revenue)
            assert revenue > 0 and Decimal(s.rd_expense) <= Decimal(s.total_costs)
            for name in ("revenue", "rd_expense", "total_costs", "total_assets", "total_liabilities"):
                value = Decimal(getattr(s, name))
                assert value >= 0 and value.as_tuple().exponent == -2
        for c in e.certifications:
            assert e.founding_date <= c.issued_on < TODAY
            if c.kind == "macao_tech":
                assert org.jurisdiction == "macao"


def test_statuses_kinds_and_stages_are_all_present(dataset):
    assert {i.kind for i in dataset.institutions} == set(V.INSTITUTION_KINDS)
    assert {r.status for r in dataset.requests} == set(V.REQUEST_STATUSES)
    assert {d.stage for d in dataset.deals} == set(V.DEAL_STAGES)
    statuses = {e.organisation.status for e in dataset.enterprises}
    assert "verified" in statuses and "pending" in statuses


def test_requests_deadlines_and_deals_are_consistent(dataset):
    ent_status = {e.index: e.organisation.status for e in dataset.enterprises}
    for r in dataset.requests:
        assert ent_status[r.enterprise_index] == "verified"
        assert Decimal(r.amount) > 0 and r.instruments
        if r.status == "expired":
            assert r.deadline < TODAY
        if r.status in ("open", "in_progress"):
            assert r.deadline > TODAY
        assert (r.submitted_at is None) == (r.status == "draft")
    pairs = [(d.request_index, d.institution_index) for d in dataset.deals]
    assert len(set(pairs)) == len(pairs)
    inst_status = {i.index: i.organisation.status for i in dataset.institutions}
    for d in dataset.deals:
        assert inst_status[d.institution_index] == "verified"
        assert d.events[0].from_stage == "" and d.events[0].to_stage == "interest"
        assert d.events[-1].to_stage == d.stage
        assert all(a.at <= b.at for a, b in zip(d.events, d.events[1:], strict=False))


def test_products_fit_their_institution(dataset):
    kinds = {i.index: i.kind for i in dataset.institutions}
    loans = {"commercial_bank", "policy_bank", "rural_credit_cooperative", "macao_bank", "hong_kong_bank"}
    for p in dataset.products:
        kind = kinds[p.institution_index]
        assert Decimal(p.ticket_min) <= Decimal(p.ticket_max)
        if kind in loans:
            assert p.instrument not in ("equity", "convertible")
        if kind in ("venture_capital", "private_equity", "angel", "qflp_fund", "guidance_fund"):
            assert p.instrument in ("equity", "convertible", "venture_debt")
        if kind == "guarantee_company":
            assert p.instrument == "guarantee"
        if p.term_min_months is not None:
            assert p.term_min_months <= p.term_max_months
        assert p.ticket_currency in p.currencies


def test_demo_logins_are_fixed(dataset):
    logins = {u.email: (u, org) for u, org in dataset.demo_logins()}
    assert set(logins) == {f"{n}@bayfin.demo" for n in
                           ("operator", "enterprise", "enterprise2", "pending", "institution", "vc", "observer")}
    ent_user, ent_org = logins["enterprise@bayfin.demo"]
    assert ent_org.jurisdiction == "hengqin" and ent_org.status == "verified" and ent_user.is_admin
    assert not logins["enterprise2@bayfin.demo"][0].is_admin
    assert logins["pending@bayfin.demo"][1].status == "pending"
    assert logins["operator@bayfin.demo"][0].is_superuser
    demo_requests = [r for r in dataset.requests if r.enterprise_index == 0]
    assert any(r.status == "open" for r in demo_requests)
    demo_open = {r.index for r in demo_requests if r.status == "open"}
    assert any(d.request_index in demo_open and d.stage == "interest" for d in dataset.deals)
    bank_stages = {d.stage for d in dataset.deals if d.institution_index == 0}
    assert len(bank_stages) >= 3
