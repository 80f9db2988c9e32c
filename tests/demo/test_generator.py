"""The demo generator: deterministic, believable and consistent with the vocabularies."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum.cn import uscc

from bayfin.common import vocab
from bayfin.common.money import Money
from bayfin.common.validation import FieldErrors
from bayfin.demo import programmes as demo_programmes
from bayfin.demo import vocabulary as V
from bayfin.demo.generator import (
    DECLARATION_QUESTIONS,
    DEMO_RATE_SOURCE,
    RATE_PAIRS,
    DemoGenerator,
    Sizes,
    extend_rate_history,
    make_hk_number,
    make_macao_number,
    open_channels,
    rate_history,
    seeded_channel,
)
from bayfin.enterprises.registration import normalise
from bayfin.evaluation.engine.facts import HNTE_FIELDS, MACAO_TIERS, NO_HNTE_FIELD
from bayfin.evaluation.models import Programme
from bayfin.evaluation.selectors import QUESTIONS
from bayfin.evaluation.services import clean_answer, clean_programme
from bayfin.financing.transitions import DealStage, RequestStatus
from bayfin.fx.engine.rates import Rate, RateBook, RateRefused, check_rate, convert
from bayfin.fx.seed import CHANNELS

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
    # The generator writes the stages before any step needs a service (the demo pipeline takes
    # a few deals further through the services themselves).
    assert set(V.DEAL_STAGES) <= set(DealStage.values)


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


# ---------------------------------------------------------------------------------------
# Cross-border money: rates, channels, the showcase organisations


def _as_rate(r) -> Rate:
    return Rate(r.day, r.base, r.quote, Decimal(r.rate), r.source)


def _check_in_order(rates, today: date, book: RateBook | None = None) -> RateBook:
    """Store the rates one by one as an operator would, each checked against those before it."""
    book = book or RateBook()
    for r in rates:
        rate = _as_rate(r)
        check_rate(rate, book, today=today)  # raises RateRefused on a rate that breaks a peg or a cross
        book.add(rate)
    return book


@pytest.mark.parametrize("seed", [7, 2026, 31337])
def test_every_generated_rate_passes_the_entry_checks_in_insertion_order(seed):
    rates = rate_history(seed, TODAY)
    _check_in_order(rates, TODAY)


def test_the_entry_checks_would_catch_a_rate_off_its_peg():
    rates = rate_history(7, TODAY)
    book = _check_in_order(rates[:2], TODAY)  # USD/CNY, USD/HKD of the first day
    hkd_mop = _as_rate(rates[2])
    with pytest.raises(RateRefused):
        check_rate(dataclasses.replace(hkd_mop, rate=Decimal("1.10")), book, today=TODAY)


def test_the_rate_history_is_business_days_up_to_today_with_every_pair():
    today = date(2026, 11, 28)  # a Saturday: the newest rates are Friday's
    rates = rate_history(3, today)
    days = sorted({r.day for r in rates})
    assert days[-1] == date(2026, 11, 27)
    assert days[0] >= today - timedelta(days=399)
    assert len(days) >= 280 and all(d.weekday() < 5 for d in days)
    by_day: dict[date, dict[tuple[str, str], Decimal]] = {}
    for r in rates:
        by_day.setdefault(r.day, {})[(r.base, r.quote)] = Decimal(r.rate)
        assert r.source == DEMO_RATE_SOURCE
        assert -Decimal(r.rate).as_tuple().exponent <= 6
    for values in by_day.values():
        assert list(values) == list(RATE_PAIRS)
        assert Decimal("7.10") <= values[("USD", "CNY")] <= Decimal("7.30")
        assert Decimal("7.76") <= values[("USD", "HKD")] <= Decimal("7.84")
        assert Decimal("1.029") <= values[("HKD", "MOP")] <= Decimal("1.031")
        assert Decimal("1.03") <= values[("EUR", "USD")] <= Decimal("1.12")
        implied = values[("USD", "CNY")] / values[("USD", "HKD")]
        assert abs(values[("HKD", "CNY")] - implied) <= Decimal("0.0000005")
        assert abs(values[("EUR", "CNY")] - values[("EUR", "USD")] * values[("USD", "CNY")]) <= Decimal("0.00005")
    # A gentle walk: it moves, but never by more than a few tenths of a percent a day.
    usd_cny = [v[("USD", "CNY")] for _, v in sorted(by_day.items())]
    assert len(set(usd_cny)) > 50
    assert max(abs(a - b) / b for a, b in zip(usd_cny, usd_cny[1:], strict=False)) < Decimal("0.01")


def test_the_rate_history_is_deterministic():
    assert rate_history(5, TODAY) == rate_history(5, TODAY)
    assert rate_history(5, TODAY) != rate_history(6, TODAY)


def test_a_weekend_conversion_uses_fridays_rates_and_mop_reaches_every_currency():
    today = date(2026, 11, 29)  # a Sunday
    book = RateBook(_as_rate(r) for r in rate_history(3, today))
    mop = Money(Decimal("10300000"), "MOP")
    to_cny = convert(mop, "CNY", today, book)
    assert to_cny.rate_day == date(2026, 11, 27) and to_cny.path.startswith("pivot:")
    assert Decimal("9000000") < to_cny.result.amount < Decimal("9700000")
    for currency in ("HKD", "USD", "EUR"):
        assert convert(mop, currency, today, book).result.currency == currency


def test_extending_the_history_continues_it_and_passes_the_checks():
    rates = rate_history(3, TODAY)
    last_day = rates[-1].day
    last = {(r.base, r.quote): Decimal(r.rate) for r in rates if r.day == last_day}
    later = TODAY + timedelta(days=12)
    more = extend_rate_history(last, last_day, later)
    assert more == extend_rate_history(last, last_day, later)
    assert min(r.day for r in more) > last_day and max(r.day for r in more) <= later
    assert all(r.day.weekday() < 5 for r in more)
    _check_in_order(more, later, book=_check_in_order(rates, TODAY))
    assert extend_rate_history(last, last_day, last_day) == []


def test_deals_name_a_product_only_when_a_seeded_channel_carries_it(dataset):
    requests = {r.index: r for r in dataset.requests}
    enterprises = {e.index: e for e in dataset.enterprises}
    institutions = {i.index: i for i in dataset.institutions}
    products = {p.index: p for p in dataset.products}
    with_product = [d for d in dataset.deals if d.product_index is not None]
    assert with_product
    for d in dataset.deals:
        if d.product_index is None:
            assert d.channel == ""
            continue
        req, product = requests[d.request_index], products[d.product_index]
        assert product.institution_index == d.institution_index and product.status == "published"
        assert d.channel and d.channel == seeded_channel(
            req, enterprises[req.enterprise_index], institutions[d.institution_index], product, TODAY)


def test_the_showcase_organisations_show_the_channels(dataset):
    bank, vc, mainland_bank = dataset.institutions[:3]
    assert (bank.kind, bank.organisation.jurisdiction) == ("macao_bank", "macao")
    assert (vc.kind, vc.organisation.jurisdiction) == ("venture_capital", "macao")
    assert mainland_bank.kind == "commercial_bank" and mainland_bank.organisation.jurisdiction in ("zhuhai", "hengqin")
    published = [p for p in dataset.products if p.status == "published"]

    def offers(inst, instruments, currencies):
        return [p for p in published if p.institution_index == inst.index and p.instrument in instruments
                and p.ticket_currency in currencies]

    assert offers(bank, {"credit_loan"}, {"CNY"}) and offers(bank, {"credit_loan"}, {"MOP", "HKD"})
    assert offers(vc, {"equity"}, {"USD", "MOP"})
    assert offers(mainland_bank, {"credit_loan", "ip_pledge_loan"}, {"CNY"})

    demo, macao = dataset.enterprises[0], dataset.enterprises[2]
    assert demo.organisation.jurisdiction == "hengqin" and demo.statements
    assert {c.kind for c in demo.certifications
            if c.issued_on <= TODAY and (c.expires_on is None or c.expires_on >= TODAY)} & {"hnte", "srdi"}
    assert (macao.organisation.jurisdiction, macao.organisation.status, macao.currency) == ("macao", "verified", "MOP")
    debts = [d for d in dataset.debts if d.enterprise_index == 0]
    assert 1 <= len(debts) <= 2 and {d.channel for d in debts} <= {c["code"] for c in CHANNELS}
    assert all(d.drawn_on <= TODAY and Decimal(d.balance) > 0 for d in debts)

    # The preferred channels are open to their requests, and the deals show each channel.
    preferred = {r.channel: r for r in dataset.requests if r.channel}
    assert set(preferred) == {"cross-border-rmb-loan", "qflp-equity", "mainland-bank-to-macao"}
    for code, req in preferred.items():
        ent = dataset.enterprises[req.enterprise_index]
        assert req.status == "open" and code in open_channels(ent.organisation.jurisdiction, req.currency,
                                                               req.instruments)
    assert preferred["cross-border-rmb-loan"].currency == "CNY" and preferred["cross-border-rmb-loan"].enterprise_index == 0
    assert preferred["mainland-bank-to-macao"].enterprise_index == 2
    shown = {d.channel for d in dataset.deals}
    assert {"cross-border-rmb-loan", "qflp-equity", "mainland-bank-to-macao", "domestic-mainland"} <= shown


# ---------------------------------------------------------------------------------------
# Self-declared answers and programmes


def _answers_errors(declarations):
    errors = FieldErrors()
    cleaned = {q: clean_answer(errors, q, a) for q, a in declarations.items()}
    return cleaned, errors


def test_declarations_are_deterministic_and_in_the_form_the_evaluation_service_stores(dataset):
    assert set(DECLARATION_QUESTIONS) == set(QUESTIONS)
    gen = DemoGenerator(7, SMALL, today=TODAY)
    for ent in dataset.enterprises:
        assert gen.enterprise_at(ent.index).declarations == ent.declarations
        assert set(ent.declarations) <= set(QUESTIONS)
        cleaned, errors = _answers_errors(ent.declarations)
        assert not errors, (ent.index, errors.errors)
        assert cleaned == ent.declarations  # already the stored form: the service would not change them
    assert not DemoGenerator(7, SMALL, today=TODAY).enterprise_at(5, details=False).declarations


def test_every_sector_has_an_honest_hnte_field():
    assert set(V.HNTE_FIELD_OF_SECTOR) == set(vocab.Sector.values)
    assert set(V.HNTE_FIELD_OF_SECTOR.values()) <= {*HNTE_FIELDS, NO_HNTE_FIELD}
    assert V.NO_HNTE_FIELD == NO_HNTE_FIELD and V.MACAO_TIERS == MACAO_TIERS
    assert V.HNTE_FIELD_OF_SECTOR["integrated_circuits"] == "electronic_information"
    assert V.HNTE_FIELD_OF_SECTOR["culture_tourism"] == NO_HNTE_FIELD


def test_declarations_are_mostly_clean_with_a_few_incidents_rare_paths_and_some_unanswered():
    enterprises = list(DemoGenerator(11, today=TODAY).iter_enterprises(600))
    answers = [e.declarations for e in enterprises[3:]]
    n = len(answers)

    def share(test):
        return sum(1 for a in answers if test(a)) / n

    everyone = set(QUESTIONS) - {"macao_tier"}  # the tier is for Macao enterprises that choose one
    assert 0.05 <= share(lambda a: bool(everyone - set(a))) <= 0.2  # about one in ten leaves some out
    assert 0.01 <= share(lambda a: a.get("serious_incident") or a.get("on_credit_blacklist")) <= 0.12
    assert share(lambda a: a.get("restricted_industry")) <= 0.05
    for path in ("national_award_top3", "provincial_rd_institution", "led_standard"):
        assert share(lambda a, p=path: a.get(p)) <= 0.1
    clean = share(lambda a: not any(a.get(q) for q in ("restricted_industry", "serious_incident",
                                                         "on_credit_blacklist")))
    assert clean >= 0.85
    for e in enterprises:
        if "hnte_field" in e.declarations:
            assert e.declarations["hnte_field"] == V.HNTE_FIELD_OF_SECTOR[e.sector]
        if "macao_tier" in e.declarations:
            assert e.organisation.jurisdiction == "macao"
    macao = [e for e in enterprises if e.organisation.jurisdiction == "macao"]
    assert sum("macao_scitech_main_business" in e.declarations for e in macao) >= 0.8 * len(macao)
    assert any("macao_tier" in e.declarations for e in macao)
    shares = [Decimal(a[q]) for a in answers for q in ("high_tech_income_share", "rd_in_china_share") if q in a]
    assert all(0 <= s <= 100 for s in shares) and max(shares) <= 95


def test_the_demo_enterprise_and_the_pending_one_answer_everything_clean(dataset):
    demo, pending = dataset.enterprises[0], dataset.enterprises[1]
    for ent in (demo, pending):
        assert set(ent.declarations) == set(QUESTIONS) - {"macao_tier"}  # neither applies in Macao
        assert not any(ent.declarations[q] for q in ("restricted_industry", "serious_incident", "on_credit_blacklist",
                                                     "national_award_top3", "provincial_rd_institution",
                                                     "led_standard"))
    assert demo.declarations["hnte_field"] == "electronic_information"
    assert Decimal(demo.declarations["high_tech_income_share"]) >= 60
    assert Decimal(demo.declarations["rd_in_china_share"]) >= 60
    assert demo.publishes_badges
    # The pending enterprise is close to sci-tech SME status, with no certificate that would qualify it.
    assert pending.invention_patents + pending.other_class_i == 0
    assert pending.utility_models + pending.designs + pending.software_copyrights + pending.other_class_ii == 2
    assert pending.certifications == []
    latest = pending.statements[-1]
    assert Decimal("3") <= Decimal(latest.rd_expense) * 100 / Decimal(latest.revenue) < Decimal("4")


def test_only_verified_enterprises_publish_badges_and_about_a_third_do():
    enterprises = list(DemoGenerator(11, today=TODAY).iter_enterprises(300))
    assert all(e.organisation.status == "verified" for e in enterprises if e.publishes_badges)
    verified = [e for e in enterprises[3:] if e.organisation.status == "verified"]
    assert 0.2 <= sum(e.publishes_badges for e in verified) / len(verified) <= 0.4


def test_the_demo_programmes_pass_the_programme_service_validation():
    data = demo_programmes.programme_data(TODAY)
    assert [p["code"] for p in data] == list(demo_programmes.CODES)
    for programme in data:
        errors = FieldErrors()
        cleaned = clean_programme(errors, programme)
        assert not errors, errors.errors
        assert cleaned["active_from"] < TODAY and cleaned["active_until"] == date(TODAY.year + 1, 12, 31)
        for name in (*Programme.NAME_FIELDS, *Programme.BENEFIT_FIELDS):
            assert programme[name], name
        assert "demo" in programme["benefit_en"].lower() and "not an official text" in programme["policy_source"].lower()
    january = demo_programmes.programme_data(date(2027, 1, 1))
    assert all(date.fromisoformat(p["active_from"]) < date(2027, 1, 1) for p in january)


def test_the_application_plan_spreads_over_the_programmes_with_a_few_decided():
    eligible = {demo_programmes.INTEREST_SUBSIDY: [3, 9, 14, 20], demo_programmes.RISK_POOL: list(range(3, 40)),
                demo_programmes.BOND_SUBSIDY: [5]}
    plan = demo_programmes.application_plan(eligible, seed=1)
    assert plan == demo_programmes.application_plan(eligible, seed=1)
    assert len(plan) == demo_programmes.TARGET_APPLICATIONS
    assert {p.programme for p in plan} == set(demo_programmes.CODES)
    assert len({(p.programme, p.enterprise_index) for p in plan}) == len(plan)
    assert all(p.enterprise_index in eligible[p.programme] for p in plan)
    statuses = [p.status for p in plan]
    assert statuses.count("approved") == 2 and statuses.count("rejected") == 1 and statuses.count("submitted") == 3
    for p in plan:
        cap = Decimal(next(x["cap_amount"] for x in demo_programmes.PROGRAMMES if x["code"] == p.programme))
        assert 0 < p.amount <= cap
        assert (p.amount_granted is not None) == (p.status == "approved")
        assert bool(p.decision_note) == (p.status != "submitted")
    assert demo_programmes.application_plan({}) == []
