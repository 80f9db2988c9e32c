"""The cross-border pages read in Simplified Chinese, Traditional Chinese (Macao) and Portuguese.

Labels, limits and refusals come from bayfin/fx/locale (compiled here when missing or stale, as
.mo files are not committed); channel names are data stored per language. The regulators' terms
are used: 跨境融资宏观审慎 / 外债便利化额度, 匯率 / 掛鈎, "taxa de câmbio" / "paridade".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bayfin.fx import services
from bayfin.fx.models import FxRate
from tests.factories import FinancialStatementFactory
from tests.i18n.support import compile_catalogues, in_language, visible_text

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "bayfin" / "fx" / "locale"
TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=2)


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> None:
    compile_catalogues(LOCALE)



def assert_reads(page: str, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
    for word in present:
        assert word in page, f"{word!r} missing"
    for word in absent:
        assert word not in page, f"English {word!r} left on the page"


@pytest.fixture
def seeded(db: Any) -> None:
    services.reference_data_seed()


@pytest.fixture
def rates(operator_user: Any) -> None:
    for base, quote, rate in (("USD", "CNY", "7.1000"), ("USD", "HKD", "7.8000"), ("HKD", "MOP", "1.0300"),
                              ("USD", "MOP", "8.0340")):
        services.rate_create(actor=operator_user, data={"day": DAY.isoformat(), "base": base, "quote": quote,
                                                        "rate": rate, "source": "test"})


CATALOGUE = {
    "zh-hans": ("跨境渠道", "资金来源地", "企业所在地", "额度规则", "跨境人民币贷款（横琴）", "澳门"),
    "zh-hant": ("跨境渠道", "資金來源地", "企業所在地", "額度規則", "跨境人民幣貸款（橫琴）", "澳門"),
    "pt": ("Canais transfronteiriços", "Dinheiro proveniente de", "Regra de limite",
           "Empréstimo transfronteiriço em renminbi (Hengqin)", "Macau"),
}


@pytest.mark.parametrize("language", CATALOGUE)
def test_channel_catalogue(language: str, seeded: None, client_for: Any, institution_user: Any) -> None:
    page = visible_text(in_language(client_for(institution_user), language).get("/fx/channels/"))
    assert_reads(page, CATALOGUE[language], ("Cross-border channels", "Money from", "Enterprise in", "Limit rule"))


LIMITS = {
    "zh-hans": ("跨境融资宏观审慎上限", "外债便利化额度", "净资产（2024 年度报表）", "× 宏观审慎调节参数",
                "风险加权余额", "不符合条件", "仅高新技术企业或专精特新企业可使用该额度。", "汇发〔2022〕16号"),
    "zh-hant": ("跨境融資宏觀審慎上限", "外債便利化額度", "× 宏觀審慎調節參數", "風險加權餘額", "不符合條件",
                "僅高新技術企業或專精特新企業可使用該額度。", "匯發〔2022〕16號"),
    "pt": ("Limite macroprudencial do financiamento transfronteiriço", "Quota de facilitação da dívida externa",
           "Saldo ponderado pelo risco", "Não elegível", "Interior da China"),
}


@pytest.mark.parametrize("language", LIMITS)
def test_an_enterprise_reads_its_limits(language: str, seeded: None, rates: None, client_for: Any,
                                        enterprise: Any, enterprise_user: Any) -> None:
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    page = visible_text(in_language(client_for(enterprise_user), language).get("/fx/cross-border/"))
    assert_reads(page, LIMITS[language], ("Macro-prudential", "Foreign-debt facilitation quota", "Not eligible",
                                          "How the cap works", "Declared cross-border debts"))


PEG_REFUSAL = {
    "zh-hans": "该汇率偏离货币挂钩水平",
    "zh-hant": "該匯率偏離貨幣掛鈎水平",
    "pt": "A taxa viola a paridade cambial",
}


@pytest.mark.parametrize("language", PEG_REFUSAL)
def test_a_rate_against_the_peg_is_refused_in_the_operators_language(language: str, client_for: Any,
                                                                     operator_user: Any) -> None:
    client = in_language(client_for(operator_user), language)
    response = client.post("/fx/rates/new/", {"day": DAY.isoformat(), "base": "HKD", "quote": "MOP",
                                              "rate": "1.2000", "source": "AMCM"})
    assert response.status_code == 200
    page = visible_text(response)
    assert PEG_REFUSAL[language] in page and "breaks the currency peg" not in page
    assert not FxRate.objects.exists()


CONVERTER = {
    "zh-hans": ("货币换算", "经 USD 套算", "取倒数（从 MOP 换算为 USD）", "按存储值（从 USD 换算为 CNY）", "四舍六入五成双"),
    "zh-hant": ("貨幣換算", "經 USD 套算", "取倒數（從 MOP 換算為 USD）", "按儲存值（從 USD 換算為 CNY）", "四捨六入五成雙"),
    "pt": ("Conversor de moedas", "Através de USD", "invertida (de MOP para USD)",
           "tal como registada (de USD para CNY)", "Taxa efectiva"),
}


@pytest.mark.parametrize("language", CONVERTER)
def test_the_converter_explains_its_path(language: str, rates: None, client_for: Any,
                                         enterprise_user: Any) -> None:
    client = in_language(client_for(enterprise_user), language)
    page = visible_text(client.get("/fx/converter/", {"amount": "10300", "currency": "MOP", "to": "CNY",
                                              "on": TODAY.isoformat()}))
    assert_reads(page, CONVERTER[language], ("Currency converter", "Across USD", "inverted (", "as stored (",
                                             "Effective rate"))
