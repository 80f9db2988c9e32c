"""The accounts pages speak Chinese (and Portuguese) when the browser asks for it.

The autouse fixture sets LANGUAGE_CODE="en"; each test asks for another language the way
a browser does (Accept-Language header) or the way the language switcher does (cookie).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from bayfin.accounts.models import OrganisationStatus
from bayfin.common.vocab import Jurisdiction, Sector, Stage
from tests.factories import BeneficialOwnerFactory, EnterpriseFactory, MembershipFactory, valid_uscc

pytestmark = pytest.mark.django_db

ZH = "zh-hans"
PASSWORD = "Lantern-Harbour-8841"


def speaking(client: Client, language: str = ZH) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, html[:500]
    return match.group(1).strip()


def field_errors(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block"[^>]*>(.*?)</div>', html, re.S)


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Language"] == client.defaults["HTTP_ACCEPT_LANGUAGE"]
    return response.content.decode()


def bad_uscc() -> str:
    good = valid_uscc(990002)
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    return good[:-1] + wrong


def enterprise_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "founder@chipco.example", "password": PASSWORD,
        "name_zh_hans": "横琴芯片科技有限公司", "jurisdiction": Jurisdiction.HENGQIN.value,
        "registration_number": valid_uscc(990001), "founding_date": "2019-05-01",
        "employees": "40", "tech_staff": "12", "sector": Sector.INTEGRATED_CIRCUITS.value,
        "stage": Stage.SERIES_A.value, "description": "低功耗芯片。",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------
# Pages anyone can open


def test_signup_chooser_in_chinese() -> None:
    html = get(speaking(Client()), "/accounts/signup/")
    assert h1(html) == "注册您的机构"
    for text in ("注册企业", "注册金融机构", "注册为观察方", "寻求融资的科技型企业", "已经注册？"):
        assert text in html
    for text in ("Register your organisation", "Register an enterprise", "Already registered?"):
        assert text not in html


def test_enterprise_signup_form_in_chinese() -> None:
    html = get(speaking(Client()), "/accounts/signup/enterprise/")
    assert h1(html) == "注册企业"
    for text in ("统一社会信用代码", "成立日期", "科技人员人数", "您将成为该机构的管理员", ">注册</button>", "返回"):
        assert text in html
    for text in ("Register an enterprise", "Founding date", "Tech staff", "Unified Social Credit Code"):
        assert text not in html


def test_login_in_chinese() -> None:
    html = get(speaking(Client()), "/accounts/login/")
    assert h1(html) == "登录"
    assert "首次使用 BayFin？" in html and "密码" in html
    assert "New to BayFin?" not in html and ">Sign in<" not in html


def test_language_cookie_works_too() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    html = client.get("/accounts/signup/").content.decode()
    assert h1(html) == "注册您的机构"


def test_traditional_chinese_uses_macao_wording() -> None:
    html = get(speaking(Client(), "zh-hant"), "/accounts/signup/enterprise/")
    assert h1(html) == "註冊企業"
    assert "統一社會信用代碼" in html and "澳門" in html
    html = get(speaking(Client(), "zh-hant"), "/accounts/login/")
    assert h1(html) == "登入"


def test_portuguese_signup_chooser() -> None:
    html = get(speaking(Client(), "pt"), "/accounts/signup/")
    assert h1(html) == "Registe a sua organização"
    assert "Registar uma empresa" in html and "Register an enterprise" not in html


# ---------------------------------------------------------------------------------------
# Sign-up errors come back in Chinese, next to their fields


def test_signup_with_taken_email_and_wrong_uscc_answers_in_chinese(enterprise_user: Any) -> None:
    client = speaking(Client())
    response = client.post("/accounts/signup/enterprise/",
                           enterprise_form(email=enterprise_user.email, registration_number=bad_uscc()))
    assert response.status_code == 200
    html = response.content.decode()
    assert h1(html) == "注册企业"
    errors = field_errors(html)
    assert "该电子邮箱地址已注册过账户。" in errors
    assert "An account with this email address already exists." not in html
    assert "横琴芯片科技有限公司" in html  # what the user typed is kept


def test_signup_without_any_name_answers_in_chinese() -> None:
    client = speaking(Client())
    response = client.post("/accounts/signup/enterprise/", enterprise_form(name_zh_hans=""))
    assert response.status_code == 200
    errors = field_errors(response.content.decode())
    assert "请至少填写一种语言的名称。" in errors
    assert not any("Give the name" in e for e in errors)


# ---------------------------------------------------------------------------------------
# Signed-in pages


def test_team_page_in_chinese(client_for: Any, enterprise_user: Any) -> None:
    html = get(speaking(client_for(enterprise_user)), "/accounts/team/")
    assert h1(html) == "团队"
    for text in ("邀请同事", "发送邀请", "待接受的邀请", "加入时间", "您本人"):
        assert text in html
    for text in ("Invite a colleague", "Send invitation", "Pending invitations"):
        assert text not in html


def test_invitation_is_sent_in_chinese(client_for: Any, enterprise_user: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    client = speaking(client_for(enterprise_user))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/team/", {"email": "colleague@chipco.example"}, follow=True)
    assert "邀请已发送至 colleague@chipco.example。" in response.content.decode()
    assert mail.outbox[-1].subject.startswith("邀请您加入 BayFin 上的")
    assert "大湾区科技金融服务平台" in mail.outbox[-1].body


def test_tokens_page_in_chinese(client_for: Any, enterprise_user: Any) -> None:
    client = speaking(client_for(enterprise_user))
    html = get(client, "/accounts/tokens/")
    assert h1(html) == "API 令牌"
    assert "创建令牌" in html and "您还没有 API 令牌" in html
    assert "Create a token" not in html and "You have no API tokens" not in html

    html = client.post("/accounts/tokens/", {"name": "ERP 同步"}, follow=True).content.decode()
    assert "这是您的新令牌。请立即复制：它不会再次显示。" in html
    assert "有效令牌" in html and "最近使用" in html and "从未使用" in html
    assert "Copy it now" not in html


# ---------------------------------------------------------------------------------------
# Operator pages


@pytest.fixture
def pending_with_owner(db: Any) -> Any:
    enterprise = EnterpriseFactory(organisation__status=OrganisationStatus.PENDING,
                                   organisation__verified_at=None)
    MembershipFactory(organisation=enterprise.organisation, is_admin=True)
    BeneficialOwnerFactory(enterprise=enterprise)
    return enterprise


def test_verification_queue_in_chinese(client_for: Any, operator_user: Any, pending_with_owner: Any) -> None:
    html = get(speaking(client_for(operator_user)), "/accounts/operator/verification/")
    assert h1(html) == "审核队列"
    for text in ("共有 1 个机构等待审核", "受益所有人", "持股比例（%）", "审核通过", "驳回原因（必填）"):
        assert text in html
    for text in ("Verification queue", "wait for verification", "Beneficial owners", "Reason for rejection"):
        assert text not in html


def test_empty_verification_queue_in_chinese(client_for: Any, operator_user: Any) -> None:
    html = get(speaking(client_for(operator_user)), "/accounts/operator/verification/")
    assert "暂无待审核的机构。新的注册申请将显示在这里。" in html
    assert "Nothing to verify" not in html


def test_rejecting_without_reason_answers_in_chinese(
    client_for: Any, operator_user: Any, pending_with_owner: Any
) -> None:
    client = speaking(client_for(operator_user))
    org = pending_with_owner.organisation
    response = client.post(f"/accounts/operator/organisations/{org.pk}/reject/", {"reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "驳回原因（必填）" in html and "Reason for rejection" not in html
    errors = field_errors(html)
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    assert "This field is required." not in html


def test_organisation_pages_in_chinese(client_for: Any, operator_user: Any, pending_with_owner: Any) -> None:
    client = speaking(client_for(operator_user))
    html = get(client, "/accounts/operator/organisations/")
    assert h1(html) == "机构与企业"
    html = get(client, f"/accounts/operator/organisations/{pending_with_owner.organisation.pk}/")
    for text in ("注册信息", "成员", "成立日期", "员工人数 / 科技人员人数"):
        assert text in html
    assert "Registration details" not in html and "Founding date" not in html


def test_audit_log_in_chinese(client_for: Any, operator_user: Any) -> None:
    html = get(speaking(client_for(operator_user)), "/accounts/operator/audit/")
    assert h1(html) == "审计日志"
    assert "操作人邮箱" in html and "起始日期" in html
    assert "Audit log" not in html and "Actor email" not in html
