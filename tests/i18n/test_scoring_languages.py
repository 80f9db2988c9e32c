"""The "My credit score" page reads in Simplified Chinese, Traditional Chinese (Macao) and Portuguese.

Headings, reason labels and missing-field labels come from bayfin/scoring/locale (the menu from
locale/), compiled here when missing or stale, as .mo files are not committed. The terms are the
lenders' ones: 信用评分 / 違約概率 / 参考贷款, "pontuação de crédito", "probabilidade de incumprimento",
"notação", "empréstimo de referência".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from bayfin.scoring import registry
from bayfin.scoring.models import ModelVersion
from tests.i18n.support import compile_catalogues, in_language, visible_text
from tests.scoring.ui_support import RISKY, register, store_score

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = (ROOT / "bayfin" / "scoring" / "locale", ROOT / "locale")
OWN = reverse("scoring:own")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> None:
    compile_catalogues(*CATALOGUES)



def reason_labels(response: Any) -> list[str]:
    return re.findall(r'<div class="fw-semibold">(.*?)</div>', response.content.decode())


def assert_reads(page: str, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
    for word in present:
        assert word in page, f"{word!r} missing"
    for word in absent:
        assert word not in page, f"English {word!r} left on the page"


@pytest.fixture
def version(settings: Any, tmp_path: Path) -> ModelVersion:
    settings.BAYFIN_MODEL_DIR = str(tmp_path)
    registry.clear_cache()
    yield register(tmp_path)
    registry.clear_cache()


ENGLISH = ("My credit score", "Probability of default", "Reference loan", "What lowers the score",
           "points below the best band", "The grades")

SCORED = {
    # heading, page words, and every reason label the model may give
    "zh-hans": ("我的信用评分", ("违约概率", "参考贷款", "无担保定期贷款", "拉低评分的因素", "等级说明", "分"),
                {"所属行业", "员工人数", "经营年限", "贷款金额", "融资担保", "循环贷款或定期贷款"}),
    "pt": ("A minha pontuação de crédito",
           ("Probabilidade de incumprimento", "Empréstimo de referência", "um empréstimo a prazo sem garantia",
            "As notações", "pontos abaixo do melhor escalão"),
           {"Sector", "Número de trabalhadores", "Anos de actividade", "Montante do empréstimo", "Garantia",
            "Empréstimo rotativo ou a prazo"}),
}


@pytest.mark.parametrize("language", SCORED)
def test_my_score_reads_with_its_reasons(language: str, client_for: Any, enterprise: Any, enterprise_user: Any,
                                         version: ModelVersion) -> None:
    store_score(version, enterprise, inputs=RISKY)
    response = in_language(client_for(enterprise_user), language).get(OWN)
    assert response.status_code == 200
    heading, words, labels = SCORED[language]
    page = visible_text(response)
    assert f"<h1 class=\"h3 mb-2\">{heading}</h1>" in response.content.decode()
    assert_reads(page, words, ENGLISH)
    reasons = reason_labels(response)
    assert reasons and set(reasons) <= labels, reasons
    # The risky row's sector is among its costs, named in words (NAICS 71).
    assert {"zh-hans": "所属行业", "pt": "Sector"}[language] in reasons
    assert {"zh-hans": "艺术、娱乐和休闲业（NAICS 71）", "pt": "artes, espectáculos e actividades recreativas "
            "(NAICS 71)"}[language] in page


def test_a_refused_score_names_its_missing_fields_in_traditional_chinese(client_for: Any, enterprise: Any,
                                                                        enterprise_user: Any,
                                                                        version: ModelVersion) -> None:
    store_score(version, enterprise, missing=["employees", "founding_date"])
    response = in_language(client_for(enterprise_user), "zh-hant").get(OWN)
    assert response.status_code == 200
    page = visible_text(response)
    assert_reads(page, ("我的信用評分", "貴企業暫時無法評分", "員工人數", "成立日期", "在企業檔案中補充"),
                 ("My credit score", "cannot be scored yet", "Number of employees", "Founding date",
                  "Add it to the company profile"))
