"""The enterprise and institution pages read in Chinese when the user chooses Chinese.

The catalogues live in bayfin/enterprises/locale and bayfin/institutions/locale; their .mo files
are compiled by `make messages` (part of `make test`), not committed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from bayfin.enterprises.models import FinancialStatement
from tests.factories import (
    BeneficialOwnerFactory,
    CertificationFactory,
    FinancialStatementFactory,
    ProductFactory,
)
from tests.i18n.support import in_language

pytestmark = pytest.mark.django_db


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def valid_statement(**overrides: Any) -> dict[str, Any]:
    data = {"year": "2024", "currency": "CNY", "revenue": "38000000.00", "rd_expense": "3100000.00",
            "total_costs": "33000000.00", "net_profit": "-120000.00", "total_assets": "52000000.00",
            "total_liabilities": "21000000.00", "operating_cash_flow": "1800000.00",
            "tax_credit_grade": "A"}
    data.update(overrides)
    return data


class TestEnterprisePagesInSimplifiedChinese:
    def test_profile(self, client_for: Any, enterprise: Any, enterprise_user: Any) -> None:
        BeneficialOwnerFactory(enterprise=enterprise)
        CertificationFactory(enterprise=enterprise)
        html = page(in_language(client_for(enterprise_user), "zh-hans"), "/enterprise/profile/")
        for text in ("<title>企业档案", "注册与经营信息", "统一社会信用代码", "科技人员人数", "受益所有人",
                     "持股比例（%）", "资质认定", "发证日期", "已保存的知识产权：Ⅰ类 3 项，Ⅱ类 5 项。"):
            assert text in html
        for english in ("Company profile", "Beneficial owners", "Registration and business",
                        "Certifications", "Tech staff"):
            assert english not in html

    def test_statements(self, client_for: Any, enterprise: Any, enterprise_user: Any) -> None:
        FinancialStatementFactory(enterprise=enterprise, year=2025)
        html = page(in_language(client_for(enterprise_user), "zh-hans"), "/enterprise/statements/")
        for text in ("<h1", "财务报表", "营业收入", "研发费用", "净利润", "经营活动现金流量净额",
                     "纳税信用等级", "保密信息：财务报表仅贵团队可见。", "编辑 2025 年度"):
            assert text in html
        for english in ("Financial statements", "Revenue", "R&amp;D expense", "Tax credit grade",
                        "Add a year"):
            assert english not in html

    def test_statements_empty_state_keeps_the_founding_year(self, client_for: Any,
                                                             enterprise_user: Any) -> None:
        html = page(in_language(client_for(enterprise_user), "zh-hans"), "/enterprise/statements/")
        assert "请添加自 2018 年起每个年度的报表" in html
        assert "No statements yet" not in html

    def test_statement_form_refusals_are_in_chinese(self, client_for: Any, enterprise: Any,
                                                    enterprise_user: Any) -> None:
        client = in_language(client_for(enterprise_user), "zh-hans")
        next_year = str(dt.date.today().year + 1)
        response = client.post("/enterprise/statements/add/", valid_statement(year=next_year))
        html = response.content.decode()
        assert response.status_code == 200
        assert "年度不能晚于当前年份。" in html
        assert "The year cannot be in the future." not in html
        assert f'value="{next_year}"' in html  # what the user typed is kept

        response = client.post("/enterprise/statements/add/", valid_statement(year="2015"))
        html = response.content.decode()
        assert "年度不能早于成立年份（2018）。" in html
        assert not FinancialStatement.objects.filter(enterprise=enterprise).exists()

    def test_traditional_chinese_for_macao(self, client_for: Any, enterprise_user: Any) -> None:
        html = page(in_language(client_for(enterprise_user), "zh-hant"), "/enterprise/profile/")
        for text in ("<title>企業檔案", "實益擁有人", "科技人員人數", "資質認定", "內地：18位統一社會信用代碼"):
            assert text in html
        assert "Beneficial owners" not in html

    def test_accept_language_header_is_enough(self, client_for: Any, enterprise_user: Any) -> None:
        response = client_for(enterprise_user).get("/enterprise/statements/",
                                                   HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "财务报表" in response.content.decode()


class TestInstitutionPagesInSimplifiedChinese:
    def test_products(self, client_for: Any, institution: Any, institution_user: Any) -> None:
        ProductFactory(institution=institution)
        ProductFactory(institution=institution, status="draft")
        html = page(in_language(client_for(institution_user), "zh-hans"), "/institution/products/")
        for text in ("<title>金融产品", "新建产品", "融资方式", "单笔金额范围", "草稿", "已发布", "发布", "归档"):
            assert text in html
        for english in ("New product", "Ticket range", "Instrument", ">Publish<", ">Archive<"):
            assert english not in html

    def test_products_empty_state(self, client_for: Any, institution_user: Any) -> None:
        html = page(in_language(client_for(institution_user), "zh-hans"), "/institution/products/")
        assert "尚无产品。请创建第一个产品" in html
        assert "No products yet" not in html

    def test_browse(self, client_for: Any, enterprise_user: Any) -> None:
        ProductFactory()
        ProductFactory()
        client = in_language(client_for(enterprise_user), "zh-hans")
        html = page(client, "/institution/products/browse/?amount=5000000&currency=MOP")
        for text in ("<title>浏览金融产品", "共 2 个产品", "参考利率", "期限（月）", "未比对",
                     "以 MOP 计价的金额按当日汇率换算后，与各产品的单笔金额范围进行比对"):
            assert text in html
        for english in ("Browse products", "2 products", "Indicative rate", "not compared"):
            assert english not in html

    def test_browse_with_no_match(self, client_for: Any, enterprise_user: Any) -> None:
        ProductFactory()
        client = in_language(client_for(enterprise_user), "zh-hans")
        html = page(client, "/institution/products/browse/?sector=biomedicine")
        assert "没有符合筛选条件的产品" in html
        assert "No product matches" not in html

    def test_product_detail(self, client_for: Any, institution: Any, institution_user: Any) -> None:
        product = ProductFactory(institution=institution)
        client = in_language(client_for(institution_user), "zh-hans")
        html = page(client, f"/institution/products/{product.pk}/")
        for text in ("12 至 36 个月", "适用行业", "长期有效", "投资逻辑"):
            assert text in html
        assert "open-ended" not in html

    def test_profile(self, client_for: Any, institution_user: Any) -> None:
        html = page(in_language(client_for(institution_user), "zh-hans"), "/institution/profile/")
        for text in ("<title>机构档案", "机构类型", "牌照编号", "管理资产规模", "查看公开主页"):
            assert text in html
        for english in ("Institution profile", "Licence number", "Assets under management"):
            assert english not in html

    def test_product_form_refusal_is_in_chinese(self, client_for: Any, institution_user: Any) -> None:
        client = in_language(client_for(institution_user), "zh-hans")
        response = client.post("/institution/products/new/", {
            "name": "横琴科创贷", "instrument": "credit_loan", "currencies": ["CNY"],
            "ticket_currency": "CNY", "ticket_min": "2000000", "ticket_max": "1000000"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "单笔最低金额不能高于单笔最高金额。" in html
        assert "The minimum ticket cannot be above the maximum ticket." not in html
