"""Reading the SBA 7(a) file: every quirk handled and counted, nothing leaky among the features."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bayfin.scoring.engine import sba


def test_the_file_is_read_cleaned_and_its_quirks_counted(sba_file: Path) -> None:
    data = sba.read(sba_file)
    rep = data.report
    assert (rep.rows, rep.kept, rep.no_outcome, rep.bad_rows) == (5, 3, 1, 1)
    assert (rep.fiscal_year_suffix, rep.naics_unknown, rep.urban_rural_undefined) == (1, 1, 1)
    assert (rep.new_exist_unknown, rep.rev_line_unknown, rep.low_doc_unknown, rep.defaults) == (1, 1, 1, 2)
    cols = data.columns
    assert cols["default"] == [0, 1, 1]
    assert cols["gross_approved"] == [60000.0, 1000000.0, 60000.0]
    assert cols["sba_share"] == [0.8, 0.75, 0.8]
    assert cols["approval_fy"] == [1997, 1976, 2006]
    assert cols["naics_sector"] == ["45", "unknown", "54"]
    assert cols["new_business"] == ["new", "existing", "unknown"]
    assert cols["urban_rural"] == ["undefined", "urban", "rural"]
    assert cols["franchise"] == ["no", "yes", "no"]
    assert cols["rev_line_cr"] == ["N", "unknown", "N"]
    assert cols["same_state"] == ["no", "yes", "no"]
    assert data.sha256 == hashlib.sha256(sba_file.read_bytes()).hexdigest()
    assert len(data) == 3 and all(len(v) == 3 for v in data.columns.values())


def test_no_leaky_column_is_a_feature() -> None:
    assert "term_months" not in sba.APPLICATION_FEATURES
    assert "approval_fy" not in sba.APPLICATION_FEATURES  # a split, not a feature
    assert set(sba.LEAKY_COLUMNS) == {"ChgOffDate", "ChgOffPrinGr", "BalanceGross", "Term"}


@pytest.mark.parametrize(("text", "value"), [("$60,000.00 ", 60000.0), ("$0.00 ", 0.0), ("1,234.5", 1234.5)])
def test_amounts_are_parsed(text: str, value: float) -> None:
    assert sba.parse_amount(text) == value


@pytest.mark.parametrize("text", ["", " ", "$", "abc"])
def test_a_malformed_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        sba.parse_amount(text)


@pytest.mark.parametrize(("text", "year"), [("1997", 1997), ("1976A", 1976), (" 2004 ", 2004)])
def test_fiscal_years_keep_their_year(text: str, year: int) -> None:
    assert sba.parse_fiscal_year(text) == year


def test_another_file_is_refused_naming_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(sba.SbaFileError, match="MIS_Status"):
        sba.read(path)


def test_default_rates_by_year(sba_file: Path) -> None:
    assert sba.default_rate_by_year(sba.read(sba_file)) == {1976: (1, 1.0), 1997: (1, 0.0), 2006: (1, 1.0)}


def test_the_outcome_columns_are_read_for_the_leakage_report_only(sba_file: Path) -> None:
    data = sba.read(sba_file)
    assert data.columns["chgoff_date_set"] == [0, 1, 0]  # the fixture's last charge-off has no date
    assert data.columns["chgoff_prin_gr"] == [0.0, 12000.0, 0.0]
    assert data.columns["balance_gross"] == [0.0, 0.0, 0.0]
    assert not set(sba.OUTCOME_COLUMNS.values()) & set(sba.APPLICATION_FEATURES)
