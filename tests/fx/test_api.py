"""The fx API: rates and conversion, channels, limit parameters, own debts and limits, and the
channel assessment. Success paths, refusals (422 naming the field, nothing saved) and
permissions (401 anonymous, 403 wrong role, 404 another enterprise's debt)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, localcontext
from typing import Any

import pytest
from django.utils import timezone

from bayfin.accounts.models import OrganisationKind
from bayfin.common.money import quantize
from bayfin.common.vocab import Jurisdiction
from bayfin.fx.models import Channel, CrossBorderDebt, FxRate, LimitParameterSet
from tests.factories import (
    EnterpriseFactory,
    FinancialStatementFactory,
    FinancingRequestFactory,
    InstitutionFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fx"
NON_OPERATORS = ["enterprise_user", "institution_user", "observer_user", "pending_enterprise_user"]


def send(client: Any, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(body if body is not None else {}),
                                   content_type="application/json", **extra)


def today() -> dt.date:
    return timezone.localdate()


def rate(base: str, quote: str, value: str, day: dt.date | None = None) -> FxRate:
    return FxRate.objects.create(day=day or today(), base=base, quote=quote, rate=Decimal(value), source="test")


def standard_rates(day: dt.date | None = None) -> None:
    rate("USD", "CNY", "7.1", day)
    rate("USD", "HKD", "7.8", day)
    rate("USD", "MOP", "8.034", day)


def make_channel(**overrides: Any) -> Channel:
    data: dict[str, Any] = {
        "code": "cross-border-rmb-loan", "name_en": "Cross-border RMB loan", "name_zh_hans": "跨境人民币贷款",
        "notes_en": "Macao banks lend renminbi to Hengqin enterprises.",
        "from_jurisdictions": ["macao"], "to_jurisdictions": ["hengqin", "zhuhai"],
        "instruments": ["credit_loan"], "lender_currencies": ["CNY"], "borrower_currencies": ["CNY"],
        "conditions": [{"field": "institution.kind", "op": "in", "value": ["macao_bank"]}],
        "limit_rule": "mpa_cap", "priority": 10,
    }
    data.update(overrides)
    return Channel.objects.create(**data)


def parameters() -> LimitParameterSet:
    return LimitParameterSet.objects.create(
        effective_from=dt.date(2023, 7, 20), leverage_ratio=Decimal("2"), adjustment_parameter=Decimal("1.5"),
        short_term_factor=Decimal("1.5"), long_term_factor=Decimal("1"), on_balance_factor=Decimal("1"),
        off_balance_factor=Decimal("1"), fx_risk_factor=Decimal("0.5"), short_term_months=12,
        facilitation_quota_usd=Decimal("10000000"), facilitation_certifications=["hnte", "srdi"],
        facilitation_jurisdictions=["hengqin", "zhuhai"], source="PBoC 2017 No. 9; SAFE 2022 No. 16")


def rate_body(**overrides: Any) -> dict[str, Any]:
    body = {"day": today().isoformat(), "base": "USD", "quote": "HKD", "rate": "7.8", "source": "HKMA"}
    body.update(overrides)
    return body


# ------------------------------------------------------------------ rates


def test_operator_enters_lists_corrects_and_deletes_a_rate(api_for, operator_user):
    client = api_for(operator_user)
    response = send(client, "post", f"{BASE}/rates", rate_body(rate="7.8123"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rate"] == "7.8123" and body["base"] == "USD" and body["quote"] == "HKD"
    rid = body["id"]
    listing = client.get(f"{BASE}/rates?base=USD").json()
    assert listing["count"] == 1 and listing["items"][0]["rate"] == "7.8123"
    assert client.get(f"{BASE}/rates?base=MOP").json()["count"] == 0
    response = send(client, "patch", f"{BASE}/rates/{rid}", {"rate": "7.79", "source": "HKMA close"})
    assert response.status_code == 200, response.content
    assert response.json()["rate"] == "7.79" and response.json()["source"] == "HKMA close"
    assert FxRate.objects.get(pk=rid).rate == Decimal("7.79")
    assert client.delete(f"{BASE}/rates/{rid}").status_code == 204
    assert not FxRate.objects.exists()
    assert client.delete(f"{BASE}/rates/{rid}").status_code == 404


@pytest.mark.parametrize("role", [*NON_OPERATORS, "operator_user"])
def test_every_signed_in_user_reads_rates(api_for, request, role):
    standard_rates()
    rate("USD", "CNY", "7.2", today() - dt.timedelta(days=3))
    response = api_for(request.getfixturevalue(role)).get(
        f"{BASE}/rates?base=USD&quote=CNY&day_from={(today() - dt.timedelta(days=1)).isoformat()}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["rate"] == "7.1"
    assert isinstance(body["items"][0]["rate"], str)


def test_rates_refuse_a_malformed_date_filter(api_for, enterprise_user):
    response = api_for(enterprise_user).get(f"{BASE}/rates?day_to=yesterday")
    assert response.status_code == 422
    assert "day_to" in response.json()["fields"]


@pytest.mark.parametrize("overrides, field, words", [
    ({"rate": "0"}, "rate", "greater than zero"),
    ({"rate": "-7.8"}, "rate", "greater than zero"),
    ({"rate": "8.9"}, "rate", "peg"),
    ({"base": "HKD", "quote": "MOP", "rate": "1.2"}, "rate", "peg"),
    ({"day": "2999-01-01"}, "day", "after today"),
    ({"base": "XYZ"}, "base", "Unknown currency"),
    ({"quote": "BTC"}, "quote", "Unknown currency"),
    ({"rate": 7.8}, "rate", "as a string"),
    ({"rate": "seven"}, "rate", "number"),
    ({"day": "28/11/2026"}, "day", "YYYY-MM-DD"),
    ({"rat": "7.8"}, "rat", "Unknown field"),
])
def test_rate_entry_refuses_bad_input_with_the_field_and_saves_nothing(api_for, operator_user, overrides, field,
                                                                       words):
    response = send(api_for(operator_user), "post", f"{BASE}/rates", rate_body(**overrides))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_failed"
    assert words in " ".join(body["fields"][field])
    assert not FxRate.objects.exists()


def test_a_rate_against_the_pivot_path_is_refused(api_for, operator_user):
    standard_rates()
    rate("USD", "EUR", "0.9")
    # CNY/EUR through USD is 0.9 / 7.1 = 0.1268; 0.2 is far off.
    response = send(api_for(operator_user), "post", f"{BASE}/rates",
                    rate_body(base="CNY", quote="EUR", rate="0.2"))
    assert response.status_code == 422
    assert "USD" in response.json()["fields"]["rate"][0]
    assert FxRate.objects.count() == 4


@pytest.mark.parametrize("body, field", [
    ({"rate": 7.81}, "rate"),
    ({"rate": "9.5"}, "rate"),
    ({"rate": None}, "rate"),
    ({"day": "2026-01-01"}, "day"),
    ({"quote": "MOP"}, "quote"),
])
def test_rate_correction_refuses_bad_input_and_keeps_the_rate(api_for, operator_user, body, field):
    row = rate("USD", "HKD", "7.8")
    response = send(api_for(operator_user), "patch", f"{BASE}/rates/{row.pk}", body)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    row.refresh_from_db()
    assert row.rate == Decimal("7.8") and row.day == today() and row.quote == "HKD"


def test_import_creates_replaces_and_reports_counts(api_for, operator_user):
    client = api_for(operator_user)
    day = today().isoformat()
    csv = f"day,base,quote,rate\n{day},USD,HKD,7.8\n{day},USD,CNY,7.1\n"
    response = send(client, "post", f"{BASE}/rates/import", {"csv": csv, "source": "Bank feed"})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "replaced": 0, "unchanged": 0}
    assert set(FxRate.objects.values_list("source", flat=True)) == {"Bank feed"}
    # The same pairs again without replace: refused, nothing changes.
    again = f"day,base,quote,rate\n{day},USD,HKD,7.8\n{day},USD,CNY,7.12\n"
    response = send(client, "post", f"{BASE}/rates/import", {"csv": again, "source": "Bank feed"})
    assert response.status_code == 422
    assert FxRate.objects.get(base="USD", quote="CNY").rate == Decimal("7.1")
    response = send(client, "post", f"{BASE}/rates/import", {"csv": again, "source": "Bank feed", "replace": True})
    assert response.json() == {"created": 0, "replaced": 1, "unchanged": 1}
    assert FxRate.objects.get(base="USD", quote="CNY").rate == Decimal("7.12")


def test_import_with_a_bad_row_saves_nothing_and_names_the_row(api_for, operator_user):
    day = today().isoformat()
    csv = f"day,base,quote,rate\n{day},USD,HKD,7.8\n{day},USD,CNY,-1\n{day},USD,EUR,0.9\n"
    response = send(api_for(operator_user), "post", f"{BASE}/rates/import", {"csv": csv, "source": "Feed"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Nothing was imported."
    problems = body["fields"]["file"]
    assert len(problems) == 1 and problems[0].startswith("Row 3: rate:")
    assert not FxRate.objects.exists()


def test_import_without_the_columns_is_refused(api_for, operator_user):
    response = send(api_for(operator_user), "post", f"{BASE}/rates/import", {"csv": "date,from,to\n"})
    assert response.status_code == 422
    assert "missing: day, base, quote, rate" in response.json()["fields"]["file"][0]


# ------------------------------------------------------------------ conversion


def test_convert_direct_inverse_and_through_a_pivot(api_for, observer_user):
    standard_rates()
    client = api_for(observer_user)
    body = client.get(f"{BASE}/convert?amount=1000.00&currency=USD&to=HKD").json()
    assert body["amount"] == {"amount": "1000.00", "currency": "USD"}
    assert body["result"] == {"amount": "7800.00", "currency": "HKD"}
    assert body["path"] == "direct" and body["rate_day"] == today().isoformat()
    assert body["legs"] == [{"base": "USD", "quote": "HKD", "rate": "7.8", "day": today().isoformat(),
                             "inverted": False}]
    body = client.get(f"{BASE}/convert?amount=710&currency=CNY&to=USD").json()
    assert body["result"] == {"amount": "100.00", "currency": "USD"} and body["path"] == "inverse"
    assert body["legs"][0]["inverted"] is True
    body = client.get(f"{BASE}/convert?amount=10300000&currency=MOP&to=CNY").json()
    assert body["path"] == "pivot:USD"
    assert [(leg["base"], leg["quote"], leg["inverted"]) for leg in body["legs"]] == [
        ("USD", "MOP", True), ("USD", "CNY", False)]
    with localcontext(prec=40):
        expected = quantize(Decimal("10300000") / Decimal("8.034") * Decimal("7.1"), "CNY")
    assert body["result"] == {"amount": str(expected), "currency": "CNY"}


def test_convert_on_a_past_date_uses_that_days_rate(api_for, enterprise_user):
    standard_rates()
    old = today() - dt.timedelta(days=30)
    rate("USD", "HKD", "7.75", old)
    body = api_for(enterprise_user).get(f"{BASE}/convert?amount=100&currency=USD&to=HKD&on={old}").json()
    assert body["result"]["amount"] == "775.00" and body["rate_day"] == old.isoformat()


def test_convert_without_a_rate_is_a_clear_422(api_for, enterprise_user):
    rate("USD", "HKD", "7.8", today() - dt.timedelta(days=40))
    response = api_for(enterprise_user).get(f"{BASE}/convert?amount=100&currency=USD&to=HKD")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rate_unavailable"
    assert "No USD/HKD exchange rate in the 7 days up to" in body["message"]
    assert body["fields"]["currency"] == [body["message"]]


@pytest.mark.parametrize("query, field", [
    ("amount=12.345&currency=USD&to=HKD", "amount"),
    ("amount=-5&currency=USD&to=HKD", "amount"),
    ("currency=USD&to=HKD", "amount"),
    ("amount=10&currency=BTC&to=HKD", "currency"),
    ("amount=10&currency=USD&to=XXX", "to"),
    ("amount=10&currency=USD&to=HKD&on=soon", "on"),
])
def test_convert_refuses_bad_input_with_the_field(api_for, enterprise_user, query, field):
    standard_rates()
    response = api_for(enterprise_user).get(f"{BASE}/convert?{query}")
    assert response.status_code == 422
    assert field in response.json()["fields"]


# ------------------------------------------------------------------ channels


def channel_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "qflp-equity", "name_en": "QFLP fund equity", "name_pt": "Capital via fundo QFLP",
        "from_jurisdictions": ["macao", "hong_kong"], "to_jurisdictions": ["hengqin"],
        "instruments": ["equity", "convertible"], "lender_currencies": ["USD", "HKD", "MOP"],
        "borrower_currencies": ["CNY"],
        "conditions": [{"field": "enterprise.years_operating", "op": "gte", "value": 1}],
        "documents": ["qflp_approval"], "limit_rule": "none", "policy_source": "Hengqin QFLP measures",
    }
    body.update(overrides)
    return body


def test_channels_list_active_ones_and_operators_may_see_retired_ones(api_for, enterprise_user, operator_user):
    make_channel()
    make_channel(code="retired", name_en="Retired", active=False)
    listing = api_for(enterprise_user).get(f"{BASE}/channels?include_inactive=true").json()
    assert [c["code"] for c in listing["items"]] == ["cross-border-rmb-loan"]
    listing = api_for(operator_user).get(f"{BASE}/channels").json()
    assert listing["count"] == 1
    listing = api_for(operator_user).get(f"{BASE}/channels?include_inactive=true").json()
    assert sorted(c["code"] for c in listing["items"]) == ["cross-border-rmb-loan", "retired"]


def test_channel_detail_speaks_the_users_language(api_for, institution_user):
    channel = make_channel()
    client = api_for(institution_user)
    body = client.get(f"{BASE}/channels/{channel.pk}").json()
    assert body["name"] == "Cross-border RMB loan"
    assert body["condition_texts"] == ["the lender's kind is one of: Macao bank"]
    assert body["conditions"] == [{"field": "institution.kind", "op": "in", "value": ["macao_bank"]}]
    assert body["limit_rule"] == "mpa_cap"
    body = client.get(f"{BASE}/channels/{channel.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["name"] == "跨境人民币贷款"
    assert body["notes"] == "Macao banks lend renminbi to Hengqin enterprises."  # falls back to English


def test_a_retired_channel_is_hidden_from_all_but_operators(api_for, enterprise_user, operator_user):
    channel = make_channel(active=False)
    assert api_for(enterprise_user).get(f"{BASE}/channels/{channel.pk}").status_code == 404
    assert api_for(operator_user).get(f"{BASE}/channels/{channel.pk}").status_code == 200
    assert api_for(operator_user).get(f"{BASE}/channels/99999").status_code == 404


def test_operator_creates_and_changes_a_channel(api_for, operator_user):
    client = api_for(operator_user)
    response = send(client, "post", f"{BASE}/channels", channel_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "qflp-equity" and body["active"] is True
    assert body["condition_texts"] == ["the enterprise's years in operation is at least 1"]
    cid = body["id"]
    response = send(client, "patch", f"{BASE}/channels/{cid}", {"active": False, "priority": 5})
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False and response.json()["priority"] == 5
    assert response.json()["name_en"] == "QFLP fund equity"  # untouched fields stay
    channel = Channel.objects.get(pk=cid)
    assert channel.active is False and channel.instruments == ["equity", "convertible"]


@pytest.mark.parametrize("overrides, field, words", [
    ({"conditions": [{"field": "enterprise.revenue", "op": "gte", "value": 1}]}, "conditions",
     "unknown field enterprise.revenue"),
    ({"conditions": [{"field": "institution.kind", "op": "gte", "value": ["macao_bank"]}]}, "conditions",
     "operator gte"),
    ({"conditions": [{"field": "institution.kind", "op": "in", "value": ["casino"]}]}, "conditions", "casino"),
    ({"from_jurisdictions": ["atlantis"]}, "from_jurisdictions", "atlantis"),
    ({"lender_currencies": ["BTC"]}, "lender_currencies", "BTC"),
    ({"instruments": []}, "instruments", "Select at least one"),
    ({"limit_rule": "unlimited"}, "limit_rule", "unlimited"),
    ({"code": "no spaces"}, "code", "letters, digits"),
    ({"documents": ["horoscope"]}, "documents", "horoscope"),
    ({"colour": "red"}, "colour", "Unknown field"),
])
def test_channel_creation_refuses_bad_input_and_saves_nothing(api_for, operator_user, overrides, field, words):
    response = send(api_for(operator_user), "post", f"{BASE}/channels", channel_body(**overrides))
    assert response.status_code == 422, response.content
    assert words in " ".join(response.json()["fields"][field])
    assert not Channel.objects.exists()


def test_channel_code_is_unique_and_cannot_change(api_for, operator_user):
    channel = make_channel()
    client = api_for(operator_user)
    response = send(client, "post", f"{BASE}/channels", channel_body(code="cross-border-rmb-loan"))
    assert response.status_code == 422 and "code" in response.json()["fields"]
    response = send(client, "patch", f"{BASE}/channels/{channel.pk}", {"code": "renamed"})
    assert response.status_code == 422 and "code" in response.json()["fields"]
    response = send(client, "patch", f"{BASE}/channels/{channel.pk}",
                    {"conditions": [{"field": "lender.mood", "op": "in", "value": ["happy"]}]})
    assert response.status_code == 422 and "conditions" in response.json()["fields"]
    channel.refresh_from_db()
    assert channel.code == "cross-border-rmb-loan" and channel.conditions[0]["field"] == "institution.kind"


# ------------------------------------------------------------------ limit parameters


def parameters_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "effective_from": "2025-01-13", "leverage_ratio": "2", "adjustment_parameter": "1.75",
        "short_term_factor": "1.5", "long_term_factor": "1", "on_balance_factor": "1", "off_balance_factor": "1",
        "fx_risk_factor": "0.5", "short_term_months": 12, "facilitation_quota_usd": "10000000",
        "facilitation_certifications": ["hnte", "srdi"], "facilitation_jurisdictions": ["hengqin"],
        "source": "PBoC and SAFE announcement of 13 January 2025",
    }
    body.update(overrides)
    return body


def test_operator_adds_limit_parameters_and_everyone_reads_them(api_for, operator_user, observer_user):
    response = send(api_for(operator_user), "post", f"{BASE}/limit-parameters", parameters_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["adjustment_parameter"] == "1.75"
    assert body["facilitation_quota"] == {"amount": "10000000.00", "currency": "USD"}
    listing = api_for(observer_user).get(f"{BASE}/limit-parameters").json()
    assert listing["count"] == 1 and listing["items"][0]["effective_from"] == "2025-01-13"
    assert listing["items"][0]["adjustment_parameter"] == "1.75"  # read back as it was saved


@pytest.mark.parametrize("overrides, field", [
    ({"leverage_ratio": 2.5}, "leverage_ratio"),
    ({"adjustment_parameter": "0"}, "adjustment_parameter"),
    ({"fx_risk_factor": "-0.5"}, "fx_risk_factor"),
    ({"facilitation_quota_usd": 10000000.0}, "facilitation_quota_usd"),
    ({"facilitation_certifications": ["iso9001"]}, "facilitation_certifications"),
    ({"source": ""}, "source"),
])
def test_limit_parameters_refuse_bad_input(api_for, operator_user, overrides, field):
    response = send(api_for(operator_user), "post", f"{BASE}/limit-parameters", parameters_body(**overrides))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not LimitParameterSet.objects.exists()


# ------------------------------------------------------------------ operator writes: who may not


def _operator_writes(rate_id: int, channel_id: int) -> list[tuple[str, str, Any]]:
    return [
        ("post", f"{BASE}/rates", rate_body(quote="MOP", rate="8.03")),
        ("patch", f"{BASE}/rates/{rate_id}", {"rate": "7.81"}),
        ("delete", f"{BASE}/rates/{rate_id}", None),
        ("post", f"{BASE}/rates/import", {"csv": f"day,base,quote,rate\n{today()},USD,MOP,8.03\n",
                                          "source": "x"}),
        ("post", f"{BASE}/channels", channel_body()),
        ("patch", f"{BASE}/channels/{channel_id}", {"active": False}),
        ("post", f"{BASE}/limit-parameters", parameters_body()),
    ]


@pytest.mark.parametrize("role, status", [*[(r, 403) for r in NON_OPERATORS], ("anonymous_user", 401)])
def test_only_operators_write_rates_channels_and_parameters(api_for, request, role, status):
    row = rate("USD", "HKD", "7.8")
    channel = make_channel()
    client = api_for(request.getfixturevalue(role))
    for method, url, body in _operator_writes(row.pk, channel.pk):
        response = send(client, method, url, body)
        assert response.status_code == status, (method, url, response.content)
        assert response.json()["code"] in {"permission_denied", "not_authenticated"}
    assert list(FxRate.objects.values_list("rate", flat=True)) == [Decimal("7.8")]
    assert list(Channel.objects.values_list("code", "active")) == [("cross-border-rmb-loan", True)]
    assert not LimitParameterSet.objects.exists()


@pytest.mark.parametrize("path", ["/rates", "/convert?amount=1&currency=USD&to=HKD", "/channels",
                                  "/limit-parameters", "/debts", "/limits", "/assessment?request_id=1&product_id=1"])
def test_anonymous_reads_nothing(api_for, path):
    response = api_for(None).get(f"{BASE}{path}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# ------------------------------------------------------------------ own debts


def debt_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"lender": "Banco Exemplo de Macau", "balance": "5000000.00", "currency": "MOP",
                            "term_months": 36, "drawn_on": "2025-06-30"}
    body.update(overrides)
    return body


def test_enterprise_declares_lists_changes_and_removes_its_debts(api_for, enterprise_user):
    channel = make_channel(code="cross-border-direct-loan", name_en="Cross-border direct loan")
    client = api_for(enterprise_user)
    response = send(client, "post", f"{BASE}/debts", debt_body(channel=channel.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == {"amount": "5000000.00", "currency": "MOP"}
    assert body["channel"] == {"id": channel.pk, "code": "cross-border-direct-loan",
                               "name": "Cross-border direct loan"}
    did = body["id"]
    assert client.get(f"{BASE}/debts").json()["count"] == 1
    response = send(client, "patch", f"{BASE}/debts/{did}", {"balance": "4000000", "channel": None})
    assert response.status_code == 200, response.content
    assert response.json()["balance"]["amount"] == "4000000.00" and response.json()["channel"] is None
    assert response.json()["lender"] == "Banco Exemplo de Macau"
    assert client.get(f"{BASE}/debts/{did}").json()["term_months"] == 36
    assert client.delete(f"{BASE}/debts/{did}").status_code == 204
    assert not CrossBorderDebt.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"drawn_on": "2999-01-01"}, "drawn_on"),
    ({"balance": 5000000.5}, "balance"),
    ({"balance": "0"}, "balance"),
    ({"currency": "GBP"}, "currency"),
    ({"term_months": 0}, "term_months"),
    ({"channel": 99999}, "channel"),
    ({"lender": ""}, "lender"),
])
def test_debt_declaration_refuses_bad_input_and_saves_nothing(api_for, enterprise_user, overrides, field):
    response = send(api_for(enterprise_user), "post", f"{BASE}/debts", debt_body(**overrides))
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert not CrossBorderDebt.objects.exists()


def test_a_debt_correction_to_a_future_date_is_refused(api_for, enterprise_user):
    client = api_for(enterprise_user)
    did = send(client, "post", f"{BASE}/debts", debt_body()).json()["id"]
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = send(client, "patch", f"{BASE}/debts/{did}", {"drawn_on": tomorrow})
    assert response.status_code == 422 and "drawn_on" in response.json()["fields"]
    assert CrossBorderDebt.objects.get(pk=did).drawn_on == dt.date(2025, 6, 30)


def test_another_enterprises_debt_is_not_found(api_for, enterprise_user, other_enterprise_user):
    did = send(api_for(enterprise_user), "post", f"{BASE}/debts", debt_body()).json()["id"]
    other = api_for(other_enterprise_user)
    assert other.get(f"{BASE}/debts").json()["count"] == 0
    assert other.get(f"{BASE}/debts/{did}").status_code == 404
    assert send(other, "patch", f"{BASE}/debts/{did}", {"balance": "1"}).status_code == 404
    assert other.delete(f"{BASE}/debts/{did}").status_code == 404
    assert CrossBorderDebt.objects.get(pk=did).balance == Decimal("5000000.00")


@pytest.mark.parametrize("role", ["institution_user", "observer_user", "operator_user"])
def test_only_enterprises_have_debts_and_limits(api_for, request, enterprise_user, role):
    did = send(api_for(enterprise_user), "post", f"{BASE}/debts", debt_body()).json()["id"]
    client = api_for(request.getfixturevalue(role))
    assert client.get(f"{BASE}/debts").status_code == 403
    assert send(client, "post", f"{BASE}/debts", debt_body()).status_code == 403
    assert send(client, "patch", f"{BASE}/debts/{did}", {"balance": "1"}).status_code == 403
    assert client.delete(f"{BASE}/debts/{did}").status_code == 403
    assert client.get(f"{BASE}/limits").status_code == 403
    assert CrossBorderDebt.objects.count() == 1


def test_anonymous_cannot_declare_a_debt(api_for):
    assert send(api_for(None), "post", f"{BASE}/debts", debt_body()).status_code == 401
    assert not CrossBorderDebt.objects.exists()


# ------------------------------------------------------------------ own limits


def test_limits_show_the_cap_and_the_quota_with_headroom(api_for, enterprise, enterprise_user):
    standard_rates()
    parameters()
    FinancialStatementFactory(enterprise=enterprise)  # net assets CNY 31,000,000
    CrossBorderDebt.objects.create(enterprise=enterprise, lender="Bank", balance=Decimal("10000000"),
                                   currency="CNY", term_months=24, drawn_on=dt.date(2025, 1, 1))
    body = api_for(enterprise_user).get(f"{BASE}/limits").json()
    assert body["net_assets"] == {"amount": "31000000.00", "currency": "CNY"}
    assert body["statement_year"] == 2025
    assert body["parameters"]["leverage_ratio"] == "2"
    assert body["missing_rates"] == []
    cap, quota = body["checks"]
    assert cap["rule"] == "mpa_cap" and cap["applies"] is True and cap["ok"] is True
    assert cap["limit"] == {"amount": "93000000.00", "currency": "CNY"}  # 31m x 2 x 1.5
    assert cap["balance"] == {"amount": "10000000.00", "currency": "CNY"}
    assert cap["headroom"] == {"amount": "83000000.00", "currency": "CNY"}
    assert cap["excess"]["amount"] == "0.00"
    assert "within the limit" in cap["text"]
    # Hengqin is a pilot area, but the enterprise holds no HNTE or SRDI certificate.
    assert quota["rule"] == "facilitation_quota" and quota["currency"] == "USD"
    assert quota["applies"] is False and quota["ok"] is False and quota["reason"] == "not_certified"
    assert quota["reason_text"] == "Only HNTE or SRDI enterprises can use the quota."


def test_limits_without_a_statement_say_so(api_for, enterprise_user):
    parameters()
    body = api_for(enterprise_user).get(f"{BASE}/limits").json()
    cap = body["checks"][0]
    assert body["net_assets"] is None
    assert cap["applies"] is False and cap["reason"] == "no_statement"
    assert "add your latest statement" in cap["reason_text"]


# ------------------------------------------------------------------ assessment


@pytest.fixture
def cross_border(enterprise: Any, institution: Any) -> Any:
    """A Hengqin enterprise asking CNY 8m (loan or equity), a Macao bank offering a MOP loan."""
    standard_rates()
    parameters()
    FinancialStatementFactory(enterprise=enterprise)
    make_channel()
    make_channel(code="cross-border-direct-loan", name_en="Cross-border direct loan", conditions=[],
                 lender_currencies=["MOP", "HKD", "USD"], borrower_currencies=["CNY", "MOP", "HKD", "USD"],
                 limit_rule="mpa_cap_or_facilitation_quota", priority=20)
    make_channel(code="qflp-equity", name_en="QFLP fund equity", instruments=["equity"], conditions=[],
                 lender_currencies=["MOP", "HKD", "USD"], limit_rule="none", priority=30)
    req = FinancingRequestFactory(enterprise=enterprise, amount=Decimal("8000000.00"), currency="CNY",
                                  instruments=["credit_loan", "equity"])
    product = ProductFactory(institution=institution, ticket_currency="MOP", currencies=["MOP"],
                             ticket_min=Decimal("1000000"), ticket_max=Decimal("50000000"))
    return req, product


def _url(req: Any, product: Any) -> str:
    return f"{BASE}/assessment?request_id={req.pk}&product_id={product.pk}"


def test_the_enterprise_sees_the_fitting_channel_the_refusals_and_its_limits(api_for, enterprise_user,
                                                                              cross_border):
    req, product = cross_border
    response = api_for(enterprise_user).get(_url(req, product))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["direction"] == "into_mainland"
    assert [(c["code"], c["limit_rule"], c["within_limits"]) for c in body["fitting"]] == [
        ("cross-border-direct-loan", "mpa_cap_or_facilitation_quota", True)]
    refused = {c["code"]: c["reasons"] for c in body["refused"]}
    assert refused["cross-border-rmb-loan"] == ["Money is lent or invested through it only in CNY, not MOP."]
    assert refused["qflp-equity"] == ["It carries only: Equity (asked: Credit loan)."]
    conversion = body["conversion"]
    assert conversion["amount"] == {"amount": "8000000.00", "currency": "CNY"}
    assert conversion["result"]["currency"] == "MOP" and conversion["path"] == "pivot:USD"
    with localcontext(prec=40):
        expected = quantize(Decimal("8000000") / Decimal("7.1") * Decimal("8.034"), "MOP")
    assert conversion["result"]["amount"] == str(expected)
    assert [c["rule"] for c in body["limits"]["checks"]] == ["mpa_cap", "facilitation_quota"]
    assert body["limits"]["checks"][0]["ok"] is True


def test_an_amount_above_the_cap_shows_the_excess(api_for, enterprise, enterprise_user, cross_border):
    req, product = cross_border
    req.amount = Decimal("90000000.00")
    req.save()
    body = api_for(enterprise_user).get(_url(req, product)).json()
    assert body["fitting"][0]["within_limits"] is False
    cap = body["limits"]["checks"][0]
    # Foreign-currency debt weighs 1 (term) + 0.5 (exchange-rate risk): CNY 135m against a CNY 93m cap.
    assert cap["ok"] is False and cap["excess"]["currency"] == "CNY"
    assert Decimal(cap["excess"]["amount"]) == Decimal(cap["requested"]["amount"]) - Decimal("93000000.00")
    assert "over the limit" in cap["text"]


def test_the_institution_sees_the_channels_but_not_the_enterprises_limits(api_for, institution_user,
                                                                          cross_border):
    req, product = cross_border
    body = api_for(institution_user).get(_url(req, product)).json()
    assert [c["code"] for c in body["fitting"]] == ["cross-border-direct-loan"]
    assert body["fitting"][0]["within_limits"] is None
    assert body["limits"] is None
    assert "31000000" not in json.dumps(body)


def test_the_operator_sees_the_limits(api_for, operator_user, cross_border):
    req, product = cross_border
    body = api_for(operator_user).get(_url(req, product)).json()
    assert body["limits"] is not None and body["fitting"][0]["within_limits"] is True


def test_no_channel_fits_and_every_refusal_says_why(api_for, enterprise_user, cross_border):
    req, product = cross_border
    product.instrument = "factoring"
    product.save()
    body = api_for(enterprise_user).get(_url(req, product)).json()
    assert body["fitting"] == [] and body["limits"] is None
    assert len(body["refused"]) == 3 and all(c["reasons"] for c in body["refused"])


def test_without_a_rate_the_conversion_is_null(api_for, enterprise_user, cross_border):
    req, product = cross_border
    FxRate.objects.all().delete()
    body = api_for(enterprise_user).get(_url(req, product)).json()
    assert body["conversion"] is None
    assert body["limits"]["missing_rates"]


@pytest.mark.parametrize("role", ["other_enterprise_user", "other_institution_user", "observer_user"])
def test_others_cannot_assess_someone_elses_request_or_product(api_for, request, cross_border, role):
    req, product = cross_border
    response = api_for(request.getfixturevalue(role)).get(_url(req, product))
    assert response.status_code == 404
    assert "limits" not in response.json()


def test_an_institution_cannot_assess_another_institutions_product(api_for, institution_user, cross_border):
    req, _ = cross_border
    foreign = ProductFactory(institution=InstitutionFactory(), ticket_currency="CNY")
    assert api_for(institution_user).get(_url(req, foreign)).status_code == 404


def test_assessment_needs_both_ids(api_for, enterprise_user):
    response = api_for(enterprise_user).get(f"{BASE}/assessment?request_id=1")
    assert response.status_code == 422
    assert "product_id" in response.json()["fields"]


def test_a_mainland_lender_to_a_macao_enterprise_is_out_of_the_mainland(api_for, operator_user):
    enterprise = EnterpriseFactory(organisation__jurisdiction=Jurisdiction.MACAO)
    bank = InstitutionFactory(organisation__jurisdiction=Jurisdiction.ZHUHAI, kind="commercial_bank")
    assert bank.organisation.kind == OrganisationKind.INSTITUTION
    make_channel(code="mainland-bank-to-macao", name_en="Mainland bank lending to Macao enterprises",
                 from_jurisdictions=["zhuhai", "hengqin"], to_jurisdictions=["macao"], conditions=[],
                 lender_currencies=["CNY"], borrower_currencies=["CNY"], limit_rule="none")
    req = FinancingRequestFactory(enterprise=enterprise, currency="CNY", instruments=["credit_loan"])
    product = ProductFactory(institution=bank, ticket_currency="CNY")
    body = api_for(operator_user).get(_url(req, product)).json()
    assert body["direction"] == "out_of_mainland"
    assert [c["code"] for c in body["fitting"]] == ["mainland-bank-to-macao"]
    assert body["fitting"][0]["within_limits"] is None and body["limits"] is None
    assert body["conversion"]["path"] == "identity"
