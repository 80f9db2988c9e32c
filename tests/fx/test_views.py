"""fx pages: operators keep rates, channels and limit parameters; everyone reads the channel
catalogue and converts; an enterprise declares its cross-border debts and sees its limits.

Refused input shows the reason next to its field and saves nothing; other roles are turned
away (403, or the sign-in page when anonymous); another enterprise's debt is 404.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bayfin.common.i18n import format_amount, format_day
from bayfin.common.vocab import Jurisdiction
from bayfin.fx import selectors, services
from bayfin.fx.forms import ChannelForm
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from tests.conftest import member_of
from tests.factories import CertificationFactory, EnterpriseFactory, FinancialStatementFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=2)


def html(response: Any) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    """The text of the errors rendered next to a field (empty when there is none)."""
    found = re.findall(rf'id="id_{field}_error">(.*?)</div>', page, flags=re.S)
    return " ".join(found)


@pytest.fixture
def op(client_for: Any, operator_user: Any) -> Any:
    return client_for(operator_user)


@pytest.fixture
def rates(operator_user: Any) -> list[FxRate]:
    """A consistent day of rates: USD against CNY, HKD and MOP, and HKD/MOP (MOP reaches CNY across USD)."""
    return [services.rate_create(actor=operator_user, data={"day": DAY.isoformat(), "base": b, "quote": q,
                                                            "rate": r, "source": "test"})
            for b, q, r in (("USD", "CNY", "7.1000"), ("USD", "HKD", "7.8000"), ("HKD", "MOP", "1.0300"),
                            ("USD", "MOP", "8.0340"))]


@pytest.fixture
def seeded(db: Any) -> None:
    services.reference_data_seed()


@pytest.fixture
def non_operators(enterprise_user: Any, institution_user: Any, observer_user: Any,
                  pending_enterprise_user: Any) -> dict[str, Any]:
    return {"enterprise": enterprise_user, "institution": institution_user, "observer": observer_user,
            "pending": pending_enterprise_user}


# --------------------------------------------------------------------------- exchange rates


def test_operator_adds_a_rate_and_finds_it_in_the_list(op):
    page = html(op.get("/fx/rates/"))
    assert "No exchange rates yet" in page
    response = op.post("/fx/rates/new/", {"day": DAY.isoformat(), "base": "USD", "quote": "CNY",
                                          "rate": "7.12345678", "source": "PBoC central parity"})
    assert response.status_code == 302 and response["Location"] == "/fx/rates/"
    row = FxRate.objects.get()
    assert (row.day, row.base, row.quote, row.rate) == (DAY, "USD", "CNY", Decimal("7.12345678"))
    page = html(op.get("/fx/rates/"))
    assert "USD/CNY" in page and "7.12345678" in page and "PBoC central parity" in page


def test_a_rate_against_the_peg_is_refused_next_to_the_field_and_not_saved(op):
    response = op.post("/fx/rates/new/", {"day": DAY.isoformat(), "base": "HKD", "quote": "USD", "rate": "9",
                                          "source": "typo"})
    assert response.status_code == 200
    page = html(response)
    assert "breaks the currency peg" in field_error(page, "rate")
    assert 'value="typo"' in page  # what was typed stays
    assert not FxRate.objects.exists()


def test_every_missing_field_is_named_at_once(op):
    page = html(op.post("/fx/rates/new/", {"day": "", "base": "", "quote": "USD", "rate": "", "source": ""}))
    for field in ("day", "base", "rate", "source"):
        assert field_error(page, field), field
    assert not FxRate.objects.exists()


def test_operator_corrects_value_and_source_but_not_the_day(op, rates):
    usd_cny = rates[0]
    page = html(op.get(f"/fx/rates/{usd_cny.pk}/"))
    assert 'value="7.1"' in page
    response = op.post(f"/fx/rates/{usd_cny.pk}/", {"rate": "7.1050", "source": "corrected",
                                                    "day": "2020-01-01"})
    assert response.status_code == 302
    usd_cny.refresh_from_db()
    assert (usd_cny.rate, usd_cny.source, usd_cny.day) == (Decimal("7.105"), "corrected", DAY)


def test_a_correction_against_the_peg_is_refused(op, rates):
    hkd_mop = rates[2]
    page = html(op.post(f"/fx/rates/{hkd_mop.pk}/", {"rate": "1.2", "source": "oops"}))
    assert "breaks the currency peg" in field_error(page, "rate")
    hkd_mop.refresh_from_db()
    assert (hkd_mop.rate, hkd_mop.source) == (Decimal("1.03"), "test")


def test_delete_needs_a_post(op, rates):
    assert op.get(f"/fx/rates/{rates[0].pk}/delete/").status_code == 405
    response = op.post(f"/fx/rates/{rates[0].pk}/delete/")
    assert response.status_code == 302
    assert not FxRate.objects.filter(pk=rates[0].pk).exists()
    assert op.post(f"/fx/rates/{rates[0].pk}/delete/").status_code == 404


def test_rate_list_filters_by_pair_and_dates(op, operator_user, rates):
    services.rate_create(actor=operator_user, data={"day": (DAY - dt.timedelta(days=30)).isoformat(),
                                                    "base": "USD", "quote": "CNY", "rate": "7.2", "source": "old"})
    page = html(op.get("/fx/rates/", {"base": "USD", "quote": "CNY"}))
    assert "2 rates" in page and "USD/HKD" not in page
    page = html(op.get("/fx/rates/", {"base": "USD", "quote": "CNY",
                                      "day_from": (DAY - dt.timedelta(days=5)).isoformat()}))
    assert "1 rate" in page and ">old<" not in page
    page = html(op.get("/fx/rates/", {"quote": "EUR"}))
    assert "No rate matches these filters" in page
    page = html(op.get("/fx/rates/", {"day_to": "not-a-date"}))
    assert "valid date" in field_error(page, "day_to")


def test_rate_list_pages(op):
    FxRate.objects.bulk_create([FxRate(day=TODAY - dt.timedelta(days=i), base="USD", quote="CNY",
                                       rate=Decimal("7.1"), source="bulk") for i in range(30)])
    page = html(op.get("/fx/rates/"))
    assert "Page 1 of 2" in page
    assert "Page 2 of 2" in html(op.get("/fx/rates/", {"page": 2}))


# --------------------------------------------------------------------------- import

GOOD_CSV = (f"day,base,quote,rate,source\n{DAY},USD,CNY,7.1000,PBoC\n{DAY},USD,HKD,7.8000,HKMA\n"
            f"{DAY},HKD,MOP,1.0300,\n")


def test_import_from_pasted_text(op):
    response = op.post("/fx/rates/import/", {"text": GOOD_CSV, "source": "AMCM"})
    assert response.status_code == 302
    assert FxRate.objects.count() == 3
    assert FxRate.objects.get(base="HKD").source == "AMCM"  # the form's source fills the blank cell
    assert "3 new" in html(op.get("/fx/rates/"))


def test_import_from_an_uploaded_file(op):
    upload = SimpleUploadedFile("rates.csv", ("\ufeff" + GOOD_CSV).encode(), content_type="text/csv")
    assert op.post("/fx/rates/import/", {"file": upload, "source": "file"}).status_code == 302
    assert FxRate.objects.count() == 3


def test_import_with_one_bad_row_imports_nothing_and_names_the_row(op):
    bad = GOOD_CSV + f"{DAY},USD,MOP,9,typo\n"
    response = op.post("/fx/rates/import/", {"text": bad, "source": "AMCM"})
    assert response.status_code == 200
    errors = field_error(html(response), "text")
    assert "Row 5" in errors and "peg" in errors
    assert "Row 2" not in errors
    assert not FxRate.objects.exists()


def test_import_replaces_existing_rates_only_when_asked(op, rates):
    csv = f"day,base,quote,rate\n{DAY},USD,CNY,7.1100\n"
    page = html(op.post("/fx/rates/import/", {"text": csv, "source": "again"}))
    assert "exists already" in field_error(page, "text")
    assert FxRate.objects.get(base="USD", quote="CNY").rate == Decimal("7.1")
    assert op.post("/fx/rates/import/", {"text": csv, "source": "again", "replace": "on"}).status_code == 302
    assert FxRate.objects.get(base="USD", quote="CNY").rate == Decimal("7.11")


def test_import_without_input_or_columns_says_what_is_missing(op):
    assert "Paste the CSV" in field_error(html(op.post("/fx/rates/import/", {"text": " "})), "text")
    page = html(op.post("/fx/rates/import/", {"text": "date,from,to\n2026-01-01,USD,CNY\n"}))
    assert "missing: day, base, quote, rate" in field_error(page, "text")
    upload = SimpleUploadedFile("rates.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    assert "UTF-8" in field_error(html(op.post("/fx/rates/import/", {"file": upload})), "file")
    assert not FxRate.objects.exists()


def test_import_page_explains_the_columns(op):
    page = html(op.get("/fx/rates/import/"))
    for column in ("<code>day</code>", "<code>base</code>", "<code>quote</code>", "<code>rate</code>",
                   "<code>source</code>"):
        assert column in page
    assert "All or nothing" in page


# --------------------------------------------------------------------------- channels

CHANNEL = {
    "code": "macao-test-loan", "name_en": "Test loan from Macao", "name_zh_hans": "澳门测试贷款",
    "from_jurisdictions": ["macao"], "to_jurisdictions": ["hengqin", "zhuhai"],
    "instruments": ["credit_loan"], "lender_currencies": ["CNY"], "borrower_currencies": ["CNY"],
    "conditions": json.dumps([{"field": "institution.kind", "op": "in", "value": ["macao_bank"]},
                              {"field": "request.term_months", "op": "gte", "value": 12}]),
    "documents": ["loan_contract"], "limit_rule": "mpa_cap", "priority": "50", "active": "on",
    "notes_en": "Only for testing.", "policy_source": "https://example.org/notice",
}


def test_operator_creates_a_channel_and_everyone_reads_it(op, client_for, enterprise_user, institution_user,
                                                          observer_user):
    response = op.post("/fx/channels/new/", CHANNEL)
    assert response.status_code == 302
    channel = Channel.objects.get(code="macao-test-loan")
    assert response["Location"] == f"/fx/channels/{channel.pk}/"
    assert channel.conditions == [{"field": "institution.kind", "op": "in", "value": ["macao_bank"]},
                                  {"field": "request.term_months", "op": "gte", "value": 12}]
    assert (channel.limit_rule, channel.priority, channel.active) == ("mpa_cap", 50, True)
    for user in (enterprise_user, institution_user, observer_user):
        client = client_for(user)
        assert "Test loan from Macao" in html(client.get("/fx/channels/"))
        page = html(client.get(f"/fx/channels/{channel.pk}/"))
        assert "The lender&#x27;s kind is one of: Macao bank" in page
        assert "The term asked for (months) is at least 12" in page
        assert "Loan contract" in page and "Only for testing." in page
        assert 'href="https://example.org/notice"' in page
        assert "Edit" not in page and "Deactivate" not in page


def test_channel_detail_speaks_the_users_language(op, client_for, enterprise_user):
    op.post("/fx/channels/new/", CHANNEL)
    channel = Channel.objects.get()
    client = client_for(enterprise_user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "澳门测试贷款" in html(client.get(f"/fx/channels/{channel.pk}/"))


@pytest.mark.parametrize(("conditions", "expected"), [
    ("[{\"field\": \"institution.kind\", ", "not valid JSON"),
    (json.dumps([{"field": "enterprise.size", "op": "in", "value": ["big"]}]), "unknown field enterprise.size"),
    (json.dumps([{"field": "request.term_months", "op": "in", "value": [12]}]), "the operator in does not apply"),
    (json.dumps([{"field": "institution.kind", "op": "in", "value": ["pirate_bank"]}]), "pirate_bank"),
    (json.dumps({"field": "institution.kind"}), "must be a list"),
])
def test_bad_conditions_are_refused_next_to_the_field(op, conditions, expected):
    response = op.post("/fx/channels/new/", {**CHANNEL, "conditions": conditions})
    assert response.status_code == 200
    assert expected in field_error(html(response), "conditions")
    assert not Channel.objects.exists()


def test_a_channel_without_places_or_currencies_names_each_field(op):
    data = {k: v for k, v in CHANNEL.items() if k not in ("to_jurisdictions", "lender_currencies")}
    page = html(op.post("/fx/channels/new/", data))
    assert "Select at least one" in field_error(page, "to_jurisdictions")
    assert "Select at least one" in field_error(page, "lender_currencies")
    assert 'value="Test loan from Macao"' in page
    assert not Channel.objects.exists()


def test_channel_form_lists_the_allowed_fields_and_operators(op):
    page = html(op.get("/fx/channels/new/"))
    for text in ("<code>institution.kind</code>", "<code>enterprise.certifications</code>",
                 "<code>any_of</code>", "<code>gte</code>", "<code>macao_bank</code>", "<code>hnte</code>"):
        assert text in page


def test_operator_edits_a_channel_but_not_its_code(op):
    op.post("/fx/channels/new/", CHANNEL)
    channel = Channel.objects.get()
    page = html(op.get(f"/fx/channels/{channel.pk}/edit/"))
    assert "&quot;macao_bank&quot;" in page and 'name="code"' not in page
    response = op.post(f"/fx/channels/{channel.pk}/edit/", {**CHANNEL, "code": "renamed", "name_en": "Renamed",
                                                             "lender_currencies": ["CNY", "MOP"],
                                                             "conditions": ""})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.code, channel.name_en, channel.lender_currencies, channel.conditions) == (
        "macao-test-loan", "Renamed", ["CNY", "MOP"], [])


def test_a_deactivated_channel_leaves_the_catalogue(op, client_for, enterprise_user):
    op.post("/fx/channels/new/", CHANNEL)
    channel = Channel.objects.get()
    assert op.get(f"/fx/channels/{channel.pk}/deactivate/").status_code == 405
    assert op.post(f"/fx/channels/{channel.pk}/deactivate/").status_code == 302
    channel.refresh_from_db()
    assert not channel.active
    client = client_for(enterprise_user)
    assert "Test loan from Macao" not in html(client.get("/fx/channels/"))
    assert client.get(f"/fx/channels/{channel.pk}/").status_code == 404
    page = html(op.get("/fx/channels/"))
    assert "Test loan from Macao" in page and "Inactive" in page
    assert op.post(f"/fx/channels/{channel.pk}/activate/").status_code == 302
    channel.refresh_from_db()
    assert channel.active
    assert client.get(f"/fx/channels/{channel.pk}/").status_code == 200


def test_seeded_channels_show_in_the_catalogue(client_for, institution_user, seeded):
    page = html(client_for(institution_user).get("/fx/channels/"))
    assert Channel.objects.filter(active=True).count() >= 5
    for channel in Channel.objects.filter(active=True):
        assert channel.name_en in page


def test_a_seeded_channel_saves_unchanged_through_its_edit_form(op, seeded):
    """The form shows every stored value (lists ticked, conditions as JSON) so a plain save changes nothing."""
    with_conditions = [c for c in Channel.objects.all() if c.conditions]
    assert with_conditions
    for channel in with_conditions:
        before = {f: getattr(channel, f) for f in services.CHANNEL_FIELDS}
        form = ChannelForm(initial=ChannelForm.initial_for(channel), fixed_code=True)
        data: dict[str, Any] = {}
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if isinstance(value, bool):
                if value:
                    data[name] = "on"
            elif value not in (None, ""):
                data[name] = value
        page = html(op.get(f"/fx/channels/{channel.pk}/edit/"))
        assert 'checked' in page
        assert op.post(f"/fx/channels/{channel.pk}/edit/", data).status_code == 302, channel.code
        channel.refresh_from_db()
        assert {f: getattr(channel, f) for f in services.CHANNEL_FIELDS} == before


def test_empty_catalogue_says_who_maintains_it(client_for, observer_user):
    assert "The platform operator maintains them" in html(client_for(observer_user).get("/fx/channels/"))


# --------------------------------------------------------------------------- converter


def test_converter_shows_the_result_the_path_and_the_rates(client_for, institution_user, rates):
    page = html(client_for(institution_user).get("/fx/converter/", {
        "amount": "10300", "currency": "MOP", "to": "CNY", "on": TODAY.isoformat()}))
    # 10,300 MOP / 8.034 = 1,282.05128… USD x 7.1 = 9,102.56 CNY (rounded once).
    assert "9,102.56" in page
    assert "Across USD" in page
    assert "8.034" in page and "7.1" in page
    assert f"Rates of {format_day(DAY)}" in page
    assert "inverted (MOP to USD)" in page and "as stored (USD to CNY)" in page


def test_converter_direct_and_inverse(client_for, enterprise_user, rates):
    client = client_for(enterprise_user)
    page = html(client.get("/fx/converter/", {"amount": "100", "currency": "USD", "to": "CNY", "on": ""}))
    assert "710.00" in page and "Direct" in page
    page = html(client.get("/fx/converter/", {"amount": "710", "currency": "CNY", "to": "USD"}))
    assert "100.00" in page and "Inverse" in page


def test_converter_without_a_rate_says_so(client_for, observer_user, rates):
    page = html(client_for(observer_user).get("/fx/converter/", {
        "amount": "100", "currency": "EUR", "to": "CNY", "on": TODAY.isoformat()}))
    assert "No EUR/CNY exchange rate" in page
    old = (DAY - dt.timedelta(days=60)).isoformat()
    page = html(client_for(observer_user).get("/fx/converter/", {
        "amount": "100", "currency": "USD", "to": "CNY", "on": old}))
    assert "No USD/CNY exchange rate" in page


def test_converter_refuses_bad_input_next_to_the_field(client_for, observer_user):
    page = html(client_for(observer_user).get("/fx/converter/", {
        "amount": "-5", "currency": "USD", "to": "CNY", "on": "tomorrow"}))
    assert "cannot be negative" in field_error(page, "amount")
    assert "valid date" in field_error(page, "on")


def test_converter_starts_in_the_viewers_currency(client_for, institution_user):
    institution_user.organisation.jurisdiction = Jurisdiction.MACAO
    institution_user.organisation.save()
    page = html(client_for(institution_user).get("/fx/converter/"))
    assert re.search(r'name="to"[^>]*>.*?<option value="MOP" selected>', page, flags=re.S)


# --------------------------------------------------------------------------- limit parameters


PARAMS = {"effective_from": DAY.isoformat(), "leverage_ratio": "2", "adjustment_parameter": "1.75",
          "short_term_factor": "1.5", "long_term_factor": "1", "short_term_months": "12",
          "on_balance_factor": "1", "off_balance_factor": "1", "fx_risk_factor": "0.5",
          "facilitation_quota_usd": "10000000", "facilitation_certifications": ["hnte", "srdi"],
          "facilitation_jurisdictions": ["hengqin", "zhuhai"], "source": "A test notice"}


def test_operator_sees_the_sets_and_adds_one_prefilled_from_the_current(op, seeded):
    current = selectors.limit_parameters_on()
    page = html(op.get("/fx/limits/"))
    assert "current" in page and "银发〔2017〕9号" in page
    form = html(op.get("/fx/limits/new/"))
    assert f'name="adjustment_parameter" value="{current.adjustment_parameter.normalize():f}"' in form
    before = LimitParameterSet.objects.count()
    response = op.post("/fx/limits/new/", {**PARAMS, "adjustment_parameter": "1.8"})
    assert response.status_code == 302
    new = LimitParameterSet.objects.get(effective_from=DAY)
    assert new.adjustment_parameter == Decimal("1.8")
    assert new.facilitation_jurisdictions == ["hengqin", "zhuhai"]
    assert LimitParameterSet.objects.count() == before + 1  # past sets stay
    assert selectors.limit_parameters_on() == new


def test_bad_parameters_are_refused_next_to_the_field(op):
    page = html(op.post("/fx/limits/new/", {**PARAMS, "leverage_ratio": "0", "fx_risk_factor": "-1",
                                            "facilitation_quota_usd": "lots"}))
    assert "greater than zero" in field_error(page, "leverage_ratio")
    assert "cannot be negative" in field_error(page, "fx_risk_factor")
    assert field_error(page, "facilitation_quota_usd")
    assert not LimitParameterSet.objects.exists()


def test_no_parameter_sets_says_what_to_do(op):
    assert "No parameter sets yet" in html(op.get("/fx/limits/"))


# --------------------------------------------------------------------------- cross-border financing


DEBT = {"lender": "Banco Nacional Ultramarino", "balance": "5000000", "currency": "MOP", "term_months": "24",
        "drawn_on": (TODAY - dt.timedelta(days=100)).isoformat()}


@pytest.fixture
def with_statement(enterprise: Any) -> Any:
    # Net assets CNY 31,000,000 (52M assets, 21M liabilities).
    return FinancialStatementFactory(enterprise=enterprise)


def test_enterprise_declares_edits_and_removes_a_debt(client_for, enterprise_user, enterprise):
    client = client_for(enterprise_user)
    assert "No cross-border debts declared" in html(client.get("/fx/cross-border/"))
    response = client.post("/fx/cross-border/debts/new/", DEBT)
    assert response.status_code == 302 and response["Location"] == "/fx/cross-border/"
    debt = CrossBorderDebt.objects.get()
    assert (debt.enterprise, debt.balance, debt.currency) == (enterprise, Decimal("5000000"), "MOP")
    assert "Banco Nacional Ultramarino" in html(client.get("/fx/cross-border/"))
    page = html(client.get(f"/fx/cross-border/debts/{debt.pk}/"))
    assert 'value="5000000.00"' in page
    assert client.post(f"/fx/cross-border/debts/{debt.pk}/", {**DEBT, "balance": "4000000"}).status_code == 302
    debt.refresh_from_db()
    assert debt.balance == Decimal("4000000")
    assert client.get(f"/fx/cross-border/debts/{debt.pk}/delete/").status_code == 405
    assert client.post(f"/fx/cross-border/debts/{debt.pk}/delete/").status_code == 302
    assert not CrossBorderDebt.objects.exists()


def test_a_debt_keeps_its_channel_after_the_channel_is_deactivated(op, client_for, enterprise_user, seeded):
    channel = Channel.objects.get(code="cross-border-direct-loan")
    client = client_for(enterprise_user)
    client.post("/fx/cross-border/debts/new/", {**DEBT, "channel": str(channel.pk)})
    debt = CrossBorderDebt.objects.get()
    assert debt.channel == channel
    op.post(f"/fx/channels/{channel.pk}/deactivate/")
    page = html(client.get(f"/fx/cross-border/debts/{debt.pk}/"))
    assert f'<option value="{channel.pk}" selected>' in page
    assert client.post(f"/fx/cross-border/debts/{debt.pk}/", {**DEBT, "channel": str(channel.pk),
                                                               "balance": "1000"}).status_code == 302
    debt.refresh_from_db()
    assert (debt.channel, debt.balance) == (channel, Decimal("1000"))


def test_a_bad_debt_is_refused_next_to_the_fields(client_for, enterprise_user):
    page = html(client_for(enterprise_user).post("/fx/cross-border/debts/new/", {
        **DEBT, "balance": "0", "term_months": "zero",
        "drawn_on": (TODAY + dt.timedelta(days=3)).isoformat()}))
    assert "greater than zero" in field_error(page, "balance")
    assert "whole number" in field_error(page, "term_months")
    assert "future" in field_error(page, "drawn_on")
    assert not CrossBorderDebt.objects.exists()


def test_an_enterprise_cannot_see_or_change_another_enterprises_debt(client_for, enterprise_user,
                                                                    other_enterprise_user):
    client_for(enterprise_user).post("/fx/cross-border/debts/new/", DEBT)
    debt = CrossBorderDebt.objects.get()
    other = client_for(other_enterprise_user)
    assert "Banco Nacional Ultramarino" not in html(other.get("/fx/cross-border/"))
    assert other.get(f"/fx/cross-border/debts/{debt.pk}/").status_code == 404
    assert other.post(f"/fx/cross-border/debts/{debt.pk}/", {**DEBT, "balance": "1"}).status_code == 404
    assert other.post(f"/fx/cross-border/debts/{debt.pk}/delete/").status_code == 404
    debt.refresh_from_db()
    assert debt.balance == Decimal("5000000")


def test_limit_position_shows_the_cap_the_balance_and_the_headroom(client_for, enterprise_user, enterprise,
                                                                   with_statement, rates, seeded):
    client = client_for(enterprise_user)
    client.post("/fx/cross-border/debts/new/", {**DEBT, "balance": "10300000", "currency": "MOP"})
    page = html(client.get("/fx/cross-border/"))
    p = selectors.limit_parameters_on()
    cap = Decimal("31000000") * p.leverage_ratio * p.adjustment_parameter
    # MOP 10,300,000 = CNY 9,102,564.10 (across USD); 24 months is long term, plus the foreign-currency weight.
    balance = Decimal("9102564.10") * (p.long_term_factor * p.on_balance_factor + p.fx_risk_factor)
    assert format_amount(Decimal("31000000"), "CNY") in page
    assert format_amount(cap, "CNY") in page
    assert format_amount(balance, "CNY") in page
    assert format_amount(cap - balance, "CNY") in page  # the headroom
    # Not certified: no quota, and why.
    assert "Not eligible" in page and "Only HNTE or SRDI enterprises" in page
    assert "How the cap works" in page


def test_a_certified_enterprise_sees_its_quota(client_for, enterprise_user, enterprise, with_statement, rates,
                                               seeded):
    CertificationFactory(enterprise=enterprise, kind="srdi", issued_on=TODAY - dt.timedelta(days=30),
                         expires_on=None)
    page = html(client_for(enterprise_user).get("/fx/cross-border/"))
    assert "Eligible" in page and "10,000,000.00" in page


def test_without_a_statement_the_cap_says_to_add_one(client_for, enterprise_user, seeded):
    page = html(client_for(enterprise_user).get("/fx/cross-border/"))
    assert "No financial statement" in page and 'href="/enterprise/statements/"' in page


def test_limit_position_lists_the_missing_rates(client_for, enterprise_user, with_statement, rates, seeded):
    client = client_for(enterprise_user)
    client.post("/fx/cross-border/debts/new/", {**DEBT, "currency": "EUR"})
    page = html(client.get("/fx/cross-border/"))
    assert "cannot be fully worked out" in page and "No EUR/CNY exchange rate" in page


def test_without_parameters_the_page_says_so(client_for, enterprise_user):
    assert "no limit parameters in force" in html(client_for(enterprise_user).get("/fx/cross-border/"))


def test_a_macao_enterprise_is_told_the_limits_are_for_the_mainland(client_for, seeded):
    macao = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO)
    page = html(client_for(member_of(macao.organisation)).get("/fx/cross-border/"))
    assert "outside the Mainland" in page
    assert "How the cap works" not in page


# --------------------------------------------------------------------------- permissions

OPERATOR_PAGES = ["/fx/rates/", "/fx/rates/new/", "/fx/rates/import/", "/fx/channels/new/", "/fx/limits/",
                  "/fx/limits/new/"]


def test_only_operators_reach_operator_pages(client_for, non_operators, operator_user, rates, seeded):
    channel = Channel.objects.first()
    pages = [*OPERATOR_PAGES, f"/fx/rates/{rates[0].pk}/", f"/fx/channels/{channel.pk}/edit/"]
    for role, user in non_operators.items():
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 403, (role, url)
        assert client.post("/fx/rates/new/", {"day": DAY.isoformat(), "base": "EUR", "quote": "CNY",
                                              "rate": "7.7", "source": "x"}).status_code == 403
        assert client.post(f"/fx/rates/{rates[0].pk}/delete/").status_code == 403
        assert client.post("/fx/rates/import/", {"text": GOOD_CSV, "replace": "on"}).status_code == 403
        assert client.post(f"/fx/channels/{channel.pk}/deactivate/").status_code == 403
        assert client.post("/fx/limits/new/", PARAMS).status_code == 403
    assert FxRate.objects.count() == 4 and not FxRate.objects.filter(base="EUR").exists()
    assert Channel.objects.filter(active=False).count() == 0
    assert not LimitParameterSet.objects.filter(effective_from=DAY).exists()
    for url in pages:
        assert client_for(operator_user).get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client_for):
    client = client_for(None)
    for url in [*OPERATOR_PAGES, "/fx/channels/", "/fx/converter/", "/fx/cross-border/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_cross_border_page_is_for_enterprises_only(client_for, institution_user, observer_user, operator_user,
                                                   pending_enterprise_user):
    for user in (institution_user, observer_user, operator_user):
        assert client_for(user).get("/fx/cross-border/").status_code == 403
        assert client_for(user).post("/fx/cross-border/debts/new/", DEBT).status_code == 403
    assert not CrossBorderDebt.objects.exists()
    # A pending enterprise keeps its own books (like its statements) while it waits.
    assert client_for(pending_enterprise_user).get("/fx/cross-border/").status_code == 200


def test_everyone_signed_in_reads_the_catalogue_and_converts(client_for, non_operators, operator_user, seeded):
    channel = Channel.objects.filter(active=True).first()
    for user in [*non_operators.values(), operator_user]:
        client = client_for(user)
        assert client.get("/fx/channels/").status_code == 200
        assert client.get(f"/fx/channels/{channel.pk}/").status_code == 200
        assert client.get("/fx/converter/").status_code == 200


def test_navigation_has_one_cross_border_entry_per_role(client_for, enterprise_user, institution_user,
                                                        observer_user, operator_user):
    expected = {enterprise_user: "/fx/cross-border/", institution_user: "/fx/channels/",
                observer_user: "/fx/channels/", operator_user: "/fx/rates/"}
    for user, url in expected.items():
        page = html(client_for(user).get("/fx/converter/"))
        assert re.search(rf'class="nav-link[^"]*" href="{url}"[^>]*>Cross-border<', page), user.role
    tabs = html(client_for(operator_user).get("/fx/converter/"))
    assert "/fx/limits/" in tabs and "/fx/cross-border/" not in tabs
    tabs = html(client_for(enterprise_user).get("/fx/converter/"))
    assert "/fx/cross-border/" in tabs and "/fx/rates/" not in tabs


def test_converter_gives_one_reason_per_blank_field(client_for, enterprise_user, rates):
    page = html(client_for(enterprise_user).get("/fx/converter/", {"amount": "", "currency": "", "to": "CNY"}))
    assert page.count("This field is required.") == 2  # amount and currency, once each
    assert "Unknown currency" not in page
