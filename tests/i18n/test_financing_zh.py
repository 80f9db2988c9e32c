"""The financing pages read in Chinese (and Portuguese) when the browser asks for it.

Headings, table headers, status and stage labels come from bayfin/financing/locale;
data (titles, messages) stays as typed. Refusals from the request form and from a
transition come back in the user's language too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bayfin.financing.transitions import DealStage, RequestStatus
from tests.factories import DealEventFactory, DealFactory, FinancingRequestFactory
from tests.i18n.support import compile_catalogues, visible_text

LOCALE = Path(__file__).resolve().parents[2] / "bayfin" / "financing" / "locale"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> None:
    compile_catalogues(LOCALE)



def assert_chinese(text: str, present: list[str], absent: list[str]) -> None:
    for word in present:
        assert word in text, f"{word!r} missing"
    for word in absent:
        assert word not in text, f"English {word!r} left on the page"


@pytest.fixture
def open_request(enterprise: Any) -> Any:
    return FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.OPEN, title="芯片流片")


@pytest.fixture
def deal(open_request: Any, institution: Any) -> Any:
    d = DealFactory(request=open_request, institution=institution, stage=DealStage.INTEREST)
    DealEventFactory(deal=d, from_stage="", to_stage=DealStage.INTEREST)
    return d


def get(client: Client, url: str, **headers: Any) -> Any:
    response = client.get(url, **(headers or ZH))
    assert response.status_code == 200
    return response


def test_my_requests_in_chinese(client_for: Any, enterprise_user: Any, enterprise: Any,
                                open_request: Any) -> None:
    FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.DRAFT, submitted_at=None)
    text = visible_text(get(client_for(enterprise_user), reverse("financing:my_requests")))
    assert_chinese(text, ["融资需求", "新建融资需求", "全部状态", "标题", "金额", "状态", "草稿", "征集中"],
                   ["Financing requests", "New request", "All statuses", "Draft", "Amount"])


def test_request_form_in_chinese(client_for: Any, enterprise_user: Any) -> None:
    text = visible_text(get(client_for(enterprise_user), reverse("financing:request_create")))
    assert_chinese(text, ["新建融资需求", "标题", "币种", "可接受的融资方式", "资金用途", "期限（月）",
                          "截止日期", "保存", "取消"],
                   ["New financing request", "Use of funds", "Term (months)", "Deadline", "Save"])


def test_past_deadline_refused_in_chinese(client_for: Any, enterprise_user: Any) -> None:
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {"title": "扩产贷款", "amount": "8000000.00", "currency": "CNY", "instruments": ["credit_loan"],
            "purpose": "扩大产能", "term_months": "24", "deadline": past}
    response = client_for(enterprise_user).post(reverse("financing:request_create"), data, **ZH)
    assert response.status_code == 200  # the form comes back with the error, nothing saved
    text = visible_text(response)
    assert "截止日期必须晚于今天。" in text
    assert "The deadline must be after today." not in text
    assert "扩产贷款" in response.content.decode()  # what the user typed is kept


def test_refused_transition_in_chinese(client_for: Any, enterprise_user: Any, enterprise: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, status=RequestStatus.FUNDED)
    response = client_for(enterprise_user).post(reverse("financing:request_transition", args=[req.pk]),
                                                {"to": "open"}, follow=True, **ZH)
    text = visible_text(response)
    assert "不能变更为" in text and "征集中" in text
    assert "cannot become" not in text
    req.refresh_from_db()
    assert req.status == RequestStatus.FUNDED


def test_request_detail_in_chinese_for_the_enterprise(client_for: Any, enterprise_user: Any,
                                                      open_request: Any, deal: Any) -> None:
    url = reverse("financing:request_detail", args=[open_request.pk])
    text = visible_text(get(client_for(enterprise_user), url))
    assert_chinese(text, ["芯片流片", "征集中", "资金用途", "截止日期", "对接项目", "意向", "接受", "拒绝原因", "拒绝"],
                   ["Use of funds", "Deadline", "Deals", "Institution", "Accept", "Decline", "Withdraw"])


def test_request_detail_in_chinese_for_an_institution(client_for: Any, institution_user: Any,
                                                      open_request: Any) -> None:
    url = reverse("financing:request_detail", args=[open_request.pk])
    text = visible_text(get(client_for(institution_user), url))
    assert_chinese(text, ["表达意向", "企业（公开信息）", "致企业的留言"],
                   ["Express interest", "Enterprise (public profile)", "Message to the enterprise"])


def test_browse_in_chinese(client_for: Any, institution_user: Any, open_request: Any) -> None:
    text = visible_text(get(client_for(institution_user), reverse("financing:request_browse")))
    assert_chinese(text, ["浏览融资需求", "最低金额", "最高金额", "融资方式", "截止日期", "芯片流片", "征集中"],
                   ["Browse requests", "Filter", "Reset", "Instruments", "Deadline", "Sort by"])


def test_deals_in_chinese(client_for: Any, enterprise_user: Any, institution_user: Any, deal: Any) -> None:
    for user in (enterprise_user, institution_user):
        text = visible_text(get(client_for(user), reverse("financing:deals")))
        assert_chinese(text, ["对接项目", "全部阶段", "阶段", "更新时间", "意向"],
                       ["Deals", "All stages", "Updated", "Interest"])


def test_deal_detail_in_chinese(client_for: Any, institution_user: Any, deal: Any) -> None:
    text = visible_text(get(client_for(institution_user), reverse("financing:deal_detail", args=[deal.pk])))
    assert_chinese(text, [f"对接项目 #{deal.pk}", "意向", "拒绝", "企业（公开信息）"],
                   [f"Deal #{deal.pk}", "History", "Interest", "Decline"])


def test_operator_requests_in_chinese(client_for: Any, operator_user: Any, open_request: Any) -> None:
    text = visible_text(get(client_for(operator_user), reverse("financing:operator_requests")))
    assert_chinese(text, ["融资需求", "企业", "状态", "征集中", "芯片流片"],
                   ["Financing requests", "Enterprise", "Status", "Open"])


def test_traditional_chinese_and_portuguese(client_for: Any, enterprise_user: Any, open_request: Any) -> None:
    c = client_for(enterprise_user)
    hant = visible_text(get(c, reverse("financing:my_requests"), HTTP_ACCEPT_LANGUAGE="zh-hant"))
    assert_chinese(hant, ["融資需求", "新建融資需求", "徵集中"], ["New request", "Open"])
    pt = visible_text(get(c, reverse("financing:my_requests"), HTTP_ACCEPT_LANGUAGE="pt"))
    assert_chinese(pt, ["Pedidos de financiamento", "Novo pedido", "Aberto"], ["New request", "All statuses"])

