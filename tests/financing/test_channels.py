"""Requests and deals record the cross-border channel their money takes (issue 3).

The seeded channels (bayfin.fx.seed) decide: an RMB loan from a Macao bank to a Hengqin
enterprise goes through the cross-border RMB loan channel; a MOP, HKD or USD loan is
foreign debt through the cross-border direct loan; equity from a Macao investor goes
through a QFLP fund; and where no channel exists the deal is refused with the reason.
A request's preferred channel with a limit is checked against the enterprise's
macro-prudential cap, whose figures only the enterprise sees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bayfin.common.errors import ValidationFailed
from bayfin.common.i18n import format_amount
from bayfin.common.models import AuditEvent
from bayfin.common.vocab import InstitutionKind, Instrument, Jurisdiction
from bayfin.financing import services
from bayfin.financing.models import Deal, FinancingRequest
from bayfin.financing.transitions import RequestStatus
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate
from bayfin.fx.selectors import limit_parameters_on
from bayfin.fx.services import reference_data_seed
from tests.conftest import member_of
from tests.factories import (
    EnterpriseFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)

from .conftest import future

pytestmark = pytest.mark.django_db

RMB_LOAN = "cross-border-rmb-loan"
DIRECT_LOAN = "cross-border-direct-loan"
QFLP = "qflp-equity"
API = "/api/v1/financing"

NET_ASSETS = Decimal("31000000")  # 52,000,000 - 21,000,000 (FinancialStatementFactory)
DEBT = Decimal("60000000")  # an outstanding CNY loan of 36 months: weighted 1 x 1, no exchange-rate factor


@pytest.fixture
def seeded(db: Any) -> None:
    """The seeded channels and limit parameters, and today's rates."""
    reference_data_seed()
    today = timezone.localdate()
    for base, quote, rate in [("USD", "CNY", "7.12"), ("HKD", "CNY", "0.9148"), ("HKD", "MOP", "1.03"),
                              ("USD", "HKD", "7.78"), ("EUR", "USD", "1.05")]:
        FxRate.objects.create(day=today, base=base, quote=quote, rate=Decimal(rate), source="test")


def channel(code: str) -> Channel:
    return Channel.objects.get(code=code)


def macao_institution(kind: str = InstitutionKind.MACAO_BANK, jurisdiction: str = Jurisdiction.MACAO) -> Any:
    return InstitutionFactory(kind=kind, organisation__jurisdiction=jurisdiction)


def interest(institution: Any, req: Any, *, currency: str = "CNY", instrument: str = Instrument.CREDIT_LOAN) -> Deal:
    product = ProductFactory(institution=institution, ticket_currency=currency, instrument=instrument,
                             name=f"{currency} {instrument}")
    return services.deal_express_interest(actor=member_of(institution.organisation), request_id=req.pk,
                                          message="We can finance this.", product_id=product.pk)


@pytest.fixture
def hengqin_request(enterprise: Any) -> Any:
    assert enterprise.organisation.jurisdiction == Jurisdiction.HENGQIN
    return FinancingRequestFactory(enterprise=enterprise, currency="CNY", amount=Decimal("8000000.00"),
                                   instruments=[Instrument.CREDIT_LOAN, Instrument.EQUITY],
                                   status=RequestStatus.OPEN)


# --------------------------------------------------------------------------- deals record their channel


def test_rmb_loan_from_a_macao_bank_to_hengqin_takes_the_cross_border_rmb_loan(seeded: None,
                                                                                hengqin_request: Any) -> None:
    deal = interest(macao_institution(), hengqin_request, currency="CNY")
    assert deal.channel == channel(RMB_LOAN)
    audit = AuditEvent.objects.get(action="financing.deal_interest", subject_id=str(deal.pk))
    assert audit.new["channel"] == channel(RMB_LOAN).pk


@pytest.mark.parametrize("currency", ["MOP", "HKD", "USD"])
def test_mop_hkd_or_usd_loan_from_a_macao_bank_is_a_cross_border_direct_loan(seeded: None, hengqin_request: Any,
                                                                            currency: str) -> None:
    deal = interest(macao_institution(), hengqin_request, currency=currency)
    assert deal.channel == channel(DIRECT_LOAN)


def test_equity_from_a_macao_vc_goes_through_qflp(seeded: None, hengqin_request: Any) -> None:
    deal = interest(macao_institution(InstitutionKind.VENTURE_CAPITAL), hengqin_request, currency="HKD",
                    instrument=Instrument.EQUITY)
    assert deal.channel == channel(QFLP)


def test_no_channel_rmb_loan_from_macao_to_zhuhai_is_refused_with_the_reason(seeded: None) -> None:
    zhuhai = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.ZHUHAI)
    req = FinancingRequestFactory(enterprise=zhuhai, currency="CNY", instruments=[Instrument.CREDIT_LOAN])
    with pytest.raises(ValidationFailed) as exc:
        interest(macao_institution(), req, currency="CNY")
    text = " ".join(str(m) for m in exc.value.fields["product_id"])
    assert text.startswith("No channel lets this product serve this request")
    # The RMB loan channel serves Hengqin only; a CNY loan is not foreign debt.
    assert "Cross-border RMB loan (Hengqin)" in text and "It serves only enterprises in: Hengqin" in text
    assert "Cross-border direct loan (foreign debt)" in text and "not CNY" in text
    assert not Deal.objects.exists()
    assert not AuditEvent.objects.filter(action="financing.deal_interest").exists()


def test_no_channel_hong_kong_equity_into_a_macao_enterprise_is_refused_in_the_api(
        seeded: None, api_for: Any) -> None:
    macao = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO)
    req = FinancingRequestFactory(enterprise=macao, currency="MOP", instruments=[Instrument.EQUITY])
    investor = macao_institution(InstitutionKind.VENTURE_CAPITAL, Jurisdiction.HONG_KONG)
    product = ProductFactory(institution=investor, instrument=Instrument.EQUITY, ticket_currency="HKD")
    r = api_for(member_of(investor.organisation)).post(
        f"{API}/requests/{req.pk}/interest", {"message": "Hello", "product_id": product.pk},
        content_type="application/json")
    assert r.status_code == 422, r.content
    reason = " ".join(r.json()["fields"]["product_id"])
    assert "No channel lets this product serve this request" in reason
    assert "It carries money only from: Macao (the lender is in Hong Kong)" in reason
    assert not Deal.objects.exists()


def test_a_product_whose_instrument_the_request_does_not_accept_is_refused_briefly(seeded: None) -> None:
    req = FinancingRequestFactory(currency="CNY", instruments=[Instrument.CREDIT_LOAN])
    with pytest.raises(ValidationFailed) as exc:
        interest(macao_institution(InstitutionKind.VENTURE_CAPITAL), req, currency="HKD",
                 instrument=Instrument.EQUITY)
    assert exc.value.fields["product_id"] == [
        "No channel lets this product serve this request: the request accepts Credit loan, not Equity."]
    assert not Deal.objects.exists()


def test_interest_without_a_product_needs_no_channel(seeded: None, hengqin_request: Any) -> None:
    institution = macao_institution()
    deal = services.deal_express_interest(actor=member_of(institution.organisation),
                                          request_id=hengqin_request.pk, message="Let us talk.")
    assert deal.channel is None


def test_the_request_s_preferred_channel_wins_when_it_fits(seeded: None, hengqin_request: Any) -> None:
    alt = Channel.objects.create(**{**{f.name: getattr(channel(RMB_LOAN), f.name)
                                       for f in Channel._meta.concrete_fields
                                       if f.name not in ("id", "created_at", "updated_at")},
                                    "code": "alt-rmb-loan", "name_en": "Alternative RMB loan", "priority": 90})
    first = interest(macao_institution(), hengqin_request)
    assert first.channel == channel(RMB_LOAN)  # the best (lowest priority) when the request names none
    hengqin_request.channel = alt
    hengqin_request.save()
    assert interest(macao_institution(), hengqin_request).channel == alt


def test_deal_page_and_api_show_channel_and_direction(seeded: None, hengqin_request: Any, client_for: Any,
                                                      api_for: Any, enterprise_user: Any) -> None:
    deal = interest(macao_institution(), hengqin_request, currency="USD")
    html = client_for(enterprise_user).get(reverse("financing:deal_detail", args=[deal.pk])).content.decode()
    assert "Cross-border direct loan (foreign debt)" in html and "Into the Mainland" in html
    body = api_for(enterprise_user).get(f"{API}/deals/{deal.pk}").json()
    assert body["channel"] == {"id": channel(DIRECT_LOAN).pk, "code": DIRECT_LOAN,
                               "name": "Cross-border direct loan (foreign debt)"}


# --------------------------------------------------------------------------- the preferred channel and the cap


@pytest.fixture
def cap(seeded: None, enterprise: Any) -> Decimal:
    """A Hengqin enterprise with net assets of CNY 31m and CNY 60m of cross-border debt; its cap
    under the seeded parameters in force (net assets x leverage ratio x adjustment parameter)."""
    FinancialStatementFactory(enterprise=enterprise)
    CrossBorderDebt.objects.create(enterprise=enterprise, lender="Banco Exemplo", balance=DEBT, currency="CNY",
                                   term_months=36, drawn_on=timezone.localdate())
    params = limit_parameters_on()
    # A CNY loan of 24 months on the balance sheet weighs its amount: the arithmetic below relies on it.
    assert (params.long_term_factor, params.on_balance_factor, params.short_term_months) == (1, 1, 12)
    return NET_ASSETS * params.leverage_ratio * params.adjustment_parameter


def borrowing(cap: Decimal, excess: str) -> str:
    """The amount of a 24-month CNY request that ends ``excess`` over the cap (negative: under it)."""
    return str((cap - DEBT + Decimal(excess)).quantize(Decimal("0.01")))


def request_data(amount: str, chosen: Any) -> dict[str, Any]:
    return {"title": "Tape-out", "amount": amount, "currency": "CNY", "instruments": ["credit_loan"],
            "purpose": "Tape-out of our chip.", "term_months": 24, "deadline": future(), "channel": chosen}


def test_request_above_the_mpa_cap_is_refused_with_limit_balance_and_excess(cap: Decimal,
                                                                            enterprise_user: Any) -> None:
    # The balance of 60m plus this request ends 7m over the cap.
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user, data=request_data(borrowing(cap, "7000000"),
                                                                         channel(RMB_LOAN).pk))
    text = " ".join(str(m) for m in exc.value.fields["amount"])
    assert "Macro-prudential cross-border financing cap" in text
    for figure in (cap, DEBT, Decimal("7000000")):
        assert format_amount(figure, "CNY") in text
    assert "over the limit" in text
    assert not FinancingRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="financing.request_create").exists()


def test_the_same_request_within_the_cap_saves_with_its_channel(cap: Decimal, enterprise_user: Any) -> None:
    req = services.request_create(actor=enterprise_user, data=request_data(borrowing(cap, "-3000000"),
                                                                           channel(RMB_LOAN).pk))
    assert req.channel == channel(RMB_LOAN)
    audit = AuditEvent.objects.get(action="financing.request_create", subject_id=str(req.pk))
    assert audit.new["channel"] == channel(RMB_LOAN).pk


def test_raising_the_amount_above_the_cap_is_refused_and_changes_nothing(cap: Decimal,
                                                                         enterprise_user: Any) -> None:
    within, above = borrowing(cap, "-3000000"), borrowing(cap, "2000000")
    req = services.request_create(actor=enterprise_user, data=request_data(within, str(channel(RMB_LOAN).pk)))
    with pytest.raises(ValidationFailed) as exc:
        services.request_update(actor=enterprise_user, request_id=req.pk, data={"amount": above})
    assert format_amount(Decimal("2000000"), "CNY") in " ".join(str(m) for m in exc.value.fields["amount"])
    req.refresh_from_db()
    assert req.amount == Decimal(within)
    # A debt declared since fills the cap; a title edit is not a new borrowing, so it still saves.
    CrossBorderDebt.objects.create(enterprise=req.enterprise, lender="Another bank", balance=Decimal("5000000"),
                                   currency="CNY", term_months=36, drawn_on=timezone.localdate())
    services.request_update(actor=enterprise_user, request_id=req.pk, data={"title": "Tape-out, phase 1"})
    # Without the channel the platform checks no limit: the same amount saves.
    req = services.request_update(actor=enterprise_user, request_id=req.pk, data={"amount": above, "channel": ""})
    assert req.channel is None and req.amount == Decimal(above)


def test_a_channel_that_cannot_reach_the_request_is_refused_with_why(seeded: None, enterprise_user: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user,
                                data=request_data("1000000.00", channel("mainland-bank-to-macao").pk))
    text = " ".join(str(m) for m in exc.value.fields["channel"])
    assert "cannot carry this request" in text and "It serves only enterprises in: Macao" in text
    for bad in ("999999", "abc"):
        with pytest.raises(ValidationFailed) as exc:
            services.request_create(actor=enterprise_user, data=request_data("1000000.00", bad))
        assert "channel" in exc.value.fields
    inactive = channel(QFLP)
    inactive.active = False
    inactive.save()
    data = {**request_data("1000000.00", inactive.pk), "instruments": ["equity"]}
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user, data=data)
    assert "channel" in exc.value.fields
    assert not FinancingRequest.objects.exists()


def test_request_form_lists_channels_and_shows_the_cap_refusal(cap: Decimal, client_for: Any,
                                                              enterprise_user: Any) -> None:
    client = client_for(enterprise_user)
    html = client.get(reverse("financing:request_create")).content.decode()
    assert "Channel (optional)" in html and "Cross-border RMB loan (Hengqin)" in html
    zh = client.get(reverse("financing:request_create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "跨境人民币贷款（横琴）" in zh
    r = client.post(reverse("financing:request_create"), request_data(borrowing(cap, "7000000"),
                                                                      str(channel(RMB_LOAN).pk)))
    assert r.status_code == 200 and format_amount(Decimal("7000000"), "CNY") in r.content.decode()
    assert not FinancingRequest.objects.exists()
    r = client.post(reverse("financing:request_create"), request_data(borrowing(cap, "-1000000"),
                                                                      str(channel(RMB_LOAN).pk)))
    req = FinancingRequest.objects.get()
    assert r.status_code == 302 and req.channel == channel(RMB_LOAN)
    edit = client.get(reverse("financing:request_edit", args=[req.pk])).content.decode()
    assert f'<option value="{channel(RMB_LOAN).pk}" selected>' in edit


def test_request_api_takes_and_returns_the_channel(seeded: None, api_for: Any, enterprise_user: Any) -> None:
    api = api_for(enterprise_user)
    data = {**request_data("1000000.00", channel(QFLP).pk), "instruments": ["equity"]}
    r = api.post(f"{API}/requests", data, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == {"id": channel(QFLP).pk, "code": QFLP, "name": channel(QFLP).name_en}
    r = api.patch(f"{API}/requests/{body['id']}", {"channel": None}, content_type="application/json")
    assert r.status_code == 200 and r.json()["channel"] is None


# --------------------------------------------------------------------------- who sees what


@pytest.fixture
def request_with_cap(cap: Decimal, enterprise_user: Any) -> Any:
    req = services.request_create(actor=enterprise_user, data=request_data(borrowing(cap, "-3000000"),
                                                                           channel(RMB_LOAN).pk))
    FinancingRequest.objects.filter(pk=req.pk).update(status=RequestStatus.OPEN, submitted_at=timezone.now())
    return req


def test_owner_sees_its_limit_position_on_the_request_page(request_with_cap: Any, cap: Decimal,
                                                           client_for: Any, enterprise_user: Any) -> None:
    html = client_for(enterprise_user).get(
        reverse("financing:request_detail", args=[request_with_cap.pk])).content.decode()
    assert "Cross-border RMB loan (Hengqin)" in html
    assert "Your cross-border borrowing limit" in html and "Macro-prudential cross-border financing cap" in html
    assert format_amount(cap, "CNY") in html and format_amount(DEBT, "CNY") in html
    assert "Within the limit" in html
    # The RMB loan channel's rule is the cap alone: the foreign-debt quota is not its business.
    assert "Foreign-debt facilitation quota" not in html


def test_an_institution_never_sees_the_enterprise_s_limit_figures(request_with_cap: Any, cap: Decimal,
                                                                  client_for: Any, institution: Any,
                                                                  institution_user: Any) -> None:
    ProductFactory(institution=institution, name="Pataca credit", ticket_currency="MOP")
    ProductFactory(institution=institution, name="Equity in patacas", instrument=Instrument.EQUITY,
                   ticket_currency="MOP")
    html = client_for(institution_user).get(
        reverse("financing:request_detail", args=[request_with_cap.pk])).content.decode()
    assert "Cross-border RMB loan (Hengqin)" in html  # the preferred channel is public
    assert "Your cross-border borrowing limit" not in html
    assert "Macro-prudential cross-border financing cap" not in html
    for figure in (cap, DEBT):
        assert format_amount(figure, "CNY") not in html
    # Its own products, with the channel that fits or why none does.
    assert "Can your product serve this?" in html and "Pataca credit" in html
    assert "Cross-border direct loan (foreign debt)" in html
    assert "Equity in patacas" in html and "The request does not accept Equity." in html


def test_another_enterprise_cannot_see_the_request(request_with_cap: Any, client_for: Any, api_for: Any,
                                                   other_enterprise_user: Any) -> None:
    url = reverse("financing:request_detail", args=[request_with_cap.pk])
    assert client_for(other_enterprise_user).get(url).status_code == 404
    assert api_for(other_enterprise_user).get(f"{API}/requests/{request_with_cap.pk}").status_code == 404


def test_request_page_links_the_channel_to_its_fx_page(request_with_cap: Any, client_for: Any,
                                                       enterprise_user: Any) -> None:
    try:
        target = reverse("fx:channel_detail", args=[channel(RMB_LOAN).pk])
    except NoReverseMatch:
        pytest.skip("the fx channel pages are not there yet")
    html = client_for(enterprise_user).get(
        reverse("financing:request_detail", args=[request_with_cap.pk])).content.decode()
    assert f'href="{target}"' in html


# --------------------------------------------------------------------------- product page


def test_product_page_tells_an_enterprise_which_channels_carry_it(seeded: None, hengqin_request: Any,
                                                                  client_for: Any, enterprise_user: Any,
                                                                  institution_user: Any) -> None:
    product = ProductFactory(institution=macao_institution(), ticket_currency="HKD", name="HKD credit")
    url = reverse("institutions:product_detail", args=[product.pk])
    html = client_for(enterprise_user).get(url).content.decode()
    assert hengqin_request.title in html and "Cross-border direct loan (foreign debt)" in html
    # The ticket in the enterprise's reference currency (CNY), at today's rate.
    assert format_amount(Decimal("914800.00"), "CNY") in html
    # Another viewer (an institution) gets no such section.
    assert "could carry this product" not in client_for(institution_user).get(url).content.decode()


def test_product_page_asks_an_enterprise_without_requests_to_post_one(seeded: None, client_for: Any,
                                                                      enterprise_user: Any) -> None:
    product = ProductFactory(institution=macao_institution())
    html = client_for(enterprise_user).get(reverse("institutions:product_detail", args=[product.pk])).content.decode()
    assert "Post a request to see which channels apply." in html


def test_a_cny_request_through_the_direct_loan_channel_counts_as_foreign_currency_debt(
        cap: Decimal, enterprise_user: Any) -> None:
    """The direct loan lends no RMB: asked in CNY, the loan is foreign debt and carries the
    exchange-rate weight, so an amount that fits the RMB loan channel does not fit this one."""
    amount = borrowing(cap, "-3000000")
    services.request_create(actor=enterprise_user, data=request_data(amount, channel(RMB_LOAN).pk))
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user,
                                data=request_data(amount, channel("cross-border-direct-loan").pk))
    assert "over the limit" in " ".join(str(m) for m in exc.value.fields["amount"])
    assert FinancingRequest.objects.count() == 1


def test_a_request_keeps_a_channel_the_operator_retired_since(cap: Decimal, enterprise_user: Any) -> None:
    req = services.request_create(actor=enterprise_user,
                                  data=request_data(borrowing(cap, "-3000000"), channel(RMB_LOAN).pk))
    Channel.objects.filter(code=RMB_LOAN).update(active=False)
    services.request_update(actor=enterprise_user, request_id=req.pk, data={"title": "Tape-out, second run"})
    req.refresh_from_db()
    assert req.title == "Tape-out, second run" and req.channel.code == RMB_LOAN
    # A new request cannot choose the retired channel.
    with pytest.raises(ValidationFailed) as exc:
        services.request_create(actor=enterprise_user,
                                data=request_data(borrowing(cap, "-3000000"), channel(RMB_LOAN).pk))
    assert "channel" in exc.value.fields


def test_channel_sections_cost_the_same_queries_for_few_products_or_requests_as_for_many(
        seeded: None, hengqin_request: Any, client_for: Any, institution: Any, institution_user: Any,
        enterprise: Any, enterprise_user: Any) -> None:
    """Channels and rates are read once per page, not once per product or request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user: Any, url: str) -> int:
        client = client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    request_page = reverse("financing:request_detail", args=[hengqin_request.pk])
    ProductFactory(institution=institution, ticket_currency="MOP")
    few = queries(institution_user, request_page)
    for currency in ("CNY", "HKD", "USD", "MOP"):
        ProductFactory(institution=institution, ticket_currency=currency)
    assert queries(institution_user, request_page) == few

    product = ProductFactory(institution=institution, ticket_currency="MOP")
    product_page = reverse("institutions:product_detail", args=[product.pk])
    few = queries(enterprise_user, product_page)
    for _ in range(3):
        FinancingRequestFactory(enterprise=enterprise, currency="CNY", instruments=[Instrument.CREDIT_LOAN],
                                status=RequestStatus.OPEN)
    assert queries(enterprise_user, product_page) == few
