"""The sector focus of a product: its own sectors, else its institution's for a single-mandate
investor, else none (the neutral sector part, and no "sector matches" reason)."""

from __future__ import annotations

import pytest

from bayfin.common import vocab
from bayfin.matching.engine import (
    CURRENT,
    FOCUS_INHERITING_KINDS,
    build_index,
    match_one,
    product_focus,
    synthetic,
)

from .support import CB, no_records, product, query

INSTITUTION = frozenset({"ic", "ai"})


@pytest.mark.parametrize("kind", sorted(FOCUS_INHERITING_KINDS))
def test_an_open_product_of_an_investor_takes_its_institutions_focus(kind: str) -> None:
    assert product_focus(frozenset(), INSTITUTION, kind) == INSTITUTION


@pytest.mark.parametrize(
    "kind",
    [
        "commercial_bank",
        "macao_bank",
        "hong_kong_bank",
        "guarantee_company",
        "financial_leasing",
        "micro_credit",
        "securities_firm",
        "",
    ],
)
def test_an_open_product_of_a_bank_or_guarantor_has_no_focus(kind: str) -> None:
    assert product_focus(frozenset(), INSTITUTION, kind) == frozenset()


@pytest.mark.parametrize("kind", ["venture_capital", "commercial_bank"])
def test_a_product_that_restricts_sectors_is_focused_on_them(kind: str) -> None:
    assert product_focus(frozenset({"biotech"}), INSTITUTION, kind) == {"biotech"}


def test_an_investor_without_restricted_products_has_no_focus() -> None:
    assert product_focus((), (), "venture_capital") == frozenset()


def test_the_kinds_are_the_platforms_single_mandate_investors() -> None:
    assert set(vocab.InstitutionKind.values) >= FOCUS_INHERITING_KINDS
    assert sorted(FOCUS_INHERITING_KINDS) == [
        "angel",
        "fund_management",
        "guidance_fund",
        "private_equity",
        "qflp_fund",
        "venture_capital",
    ]
    # the synthetic market's coarse kinds stand for real ones, and only its investors inherit
    assert set(synthetic.VOCAB_KIND) == set(synthetic.KINDS)
    assert set(synthetic.VOCAB_KIND.values()) <= set(vocab.InstitutionKind.values)
    inheriting = {k for k, v in synthetic.VOCAB_KIND.items() if v in FOCUS_INHERITING_KINDS}
    assert inheriting == {"investor"}


def test_a_banks_open_product_gives_no_sector_reason() -> None:
    """Request 212's case: a bank's IoT IP-pledge loan no longer makes its open e-commerce loan
    "match" an IoT company; an investor's open fund still carries its house's focus."""
    house = frozenset({"ic"})
    rows = [
        product(1, institution_id=100, focus_sectors=product_focus((), house, "commercial_bank")),
        product(2, institution_id=200, focus_sectors=product_focus((), house, "venture_capital")),
    ]
    ix = build_index(rows, CB, records=no_records(), exposure={}, version=1)
    out = {e.candidate.product_id: e for e in match_one(ix, query(sector="ic"), CURRENT)}
    assert out[1].candidate.parts["sector"] == CURRENT.neutral
    assert "sector_same" not in {r.code for r in out[1].reasons}
    assert out[2].candidate.parts["sector"] == 1.0
    assert "sector_same" in {r.code for r in out[2].reasons}


def test_synthetic_open_products_inherit_only_for_investors() -> None:
    rows = synthetic.products(400, seed=3)
    open_rows = [r for r in rows if not r.sectors]
    assert open_rows
    for r in rows:
        if r.sectors:
            assert r.focus_sectors == r.sectors
    assert any(r.focus_sectors for r in open_rows)  # some investors' open funds inherit
    assert any(not r.focus_sectors for r in open_rows)  # banks' open lines do not
