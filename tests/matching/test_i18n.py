"""Matching reads in Simplified Chinese and Portuguese, and its catalogue is complete.

The request page's "Matching products" panel (heading, the score's disclosure, its parts and
reasons, "Why not?"), the "Why not?" answer and a reason sentence built by the selector come
from bayfin/matching/locale (sector and stage names from locale/), compiled here when missing or
stale, as .mo files are not committed. The terms are the lenders' ones: 匹配 / 融资需求 / 硬性条件 /
经营年限, "produtos correspondentes", "requisitos obrigatórios", "anos de actividade".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.urls import reverse
from django.utils import translation

from bayfin.matching.selectors import reason_text
from tests.factories import FinancingRequestFactory, InstitutionFactory, ProductFactory
from tests.i18n.support import compile_catalogues, in_language, visible_text

from .ui_support import SECTOR_REASON, store_match

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = (ROOT / "locale", *sorted(ROOT.glob("bayfin/*/locale")))
MATCHING_PO = sorted(ROOT.glob("bayfin/matching/locale/*/LC_MESSAGES/django.po"))


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> None:
    compile_catalogues(*CATALOGUES)


def assert_reads(page: str, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
    for word in present:
        assert word in page, f"{word!r} missing"
    for word in absent:
        assert word not in page, f"English {word!r} left on the page"


ENGLISH_PANEL = ("Matching products", "How the score is made", "Thesis and description", "Sector matches",
                 "from your private data", "Why not?", "Expected a product that is not listed")

PANEL = {
    "zh-hans": ("匹配的产品", "得分如何构成及原因", "投资逻辑与企业简介", "行业相符：集成电路与电子",
                "来自贵企业的非公开数据", "为何不匹配？", "预期的产品不在列表中？请选择该产品："),
    "pt": ("Produtos correspondentes", "Como se forma a pontuação, e porquê", "Tese e descrição",
           "Sector coincidente: Circuitos integrados e electrónica", "dos seus dados privados", "Porquê não?",
           "Esperava um produto que não está na lista? Escolha-o:"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", PANEL)
def test_the_request_pages_matching_panel_reads_in_the_language(language: str, client_for: Any,
                                                                enterprise: Any, enterprise_user: Any,
                                                                institution: Any) -> None:
    req = FinancingRequestFactory(enterprise=enterprise, title="Tape-out loan")
    store_match(request=req, product=ProductFactory(institution=institution, name="Lotus chip credit"))
    url = reverse("financing:request_detail", kwargs={"request_id": req.pk})
    response = in_language(client_for(enterprise_user), language).get(url)
    assert response.status_code == 200
    page = visible_text(response)
    assert "Lotus chip credit" in page
    assert_reads(page, PANEL[language], ENGLISH_PANEL)


WHY_NOT = {
    "zh-hans": ("“Veterans only”未能匹配：该融资需求有 2 项硬性条件未满足：", "该产品要求经营年限至少 40 年",
                "该产品不适用于“A 轮”发展阶段"),
    "pt": ("Veterans only fica de fora porque este pedido não cumpre 2 dos seus requisitos obrigatórios:",
           "O produto exige pelo menos 40 anos de actividade", "O produto não financia a fase «Série A»"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", WHY_NOT)
def test_why_not_names_the_failed_requirements_in_the_language(language: str, client_for: Any, enterprise: Any,
                                                               enterprise_user: Any, channels: Any,
                                                               rates: Any) -> None:
    bank = InstitutionFactory(organisation__jurisdiction="hengqin", kind="commercial_bank",
                              organisation__name_en="Hengqin Harbour Bank")
    picky = ProductFactory(institution=bank, name="Veterans only", min_years_operating=40, stages=["mature"])
    req = FinancingRequestFactory(enterprise=enterprise, title="Tape-out loan")
    url = reverse("matching:why_not", kwargs={"request_id": req.pk})
    response = in_language(client_for(enterprise_user), language).get(f"{url}?product={picky.pk}")
    assert response.status_code == 200
    page = visible_text(response)
    assert_reads(page, WHY_NOT[language],
                 ("is out because", "hard requirements", "years operating", "does not finance"))


@pytest.mark.parametrize(("language", "text"), [
    ("zh-hans", "行业相符：集成电路与电子"),
    ("pt", "Sector coincidente: Circuitos integrados e electrónica"),
])
def test_a_reason_is_a_sentence_in_the_active_language(language: str, text: str) -> None:
    with translation.override(language):
        assert reason_text(SECTOR_REASON) == text
    with translation.override("en"):
        assert reason_text(SECTOR_REASON) == "Sector matches: Integrated circuits and electronics"


@pytest.mark.parametrize("path", MATCHING_PO, ids=lambda p: p.parts[-3])
def test_every_matching_message_is_translated(path: Path) -> None:
    """No entry empty or fuzzy, in Simplified and Traditional Chinese and Portuguese."""
    with path.open("rb") as f:
        catalog = read_po(f)
    assert len(catalog) > 100
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_there_is_a_matching_catalogue_for_every_language() -> None:
    assert {p.parts[-3] for p in MATCHING_PO} == {"zh_Hans", "zh_Hant", "pt"}
