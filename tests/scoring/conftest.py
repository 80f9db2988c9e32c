"""A tiny SBA 7(a) file, generated with the real columns and the real quirks (never a download)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

HEADER = ["LoanNr_ChkDgt", "Name", "City", "State", "Zip", "Bank", "BankState", "NAICS", "ApprovalDate", "ApprovalFY", "Term", "NoEmp", "NewExist", "CreateJob", "RetainedJob", "FranchiseCode", "UrbanRural", "RevLineCr", "LowDoc", "ChgOffDate", "DisbursementDate", "DisbursementGross", "BalanceGross", "MIS_Status", "ChgOffPrinGr", "GrAppv", "SBA_Appv"]


def row(**over: str) -> dict[str, str]:
    base = {
        "LoanNr_ChkDgt": "1000014003", "Name": "ABC HOBBYCRAFT", "City": "EVANSVILLE", "State": "IN",
        "Zip": "47711", "Bank": "FIFTH THIRD BANK", "BankState": "OH", "NAICS": "451120",
        "ApprovalDate": "28-Feb-97", "ApprovalFY": "1997", "Term": "84", "NoEmp": "4", "NewExist": "2",
        "CreateJob": "0", "RetainedJob": "0", "FranchiseCode": "1", "UrbanRural": "0", "RevLineCr": "N",
        "LowDoc": "Y", "ChgOffDate": "", "DisbursementDate": "28-Feb-99", "DisbursementGross": "$60,000.00 ",
        "BalanceGross": "$0.00 ", "MIS_Status": "P I F", "ChgOffPrinGr": "$0.00 ", "GrAppv": "$60,000.00 ",
        "SBA_Appv": "$48,000.00 ",
    }
    base.update(over)
    return base


ROWS = [
    row(),  # the file's first loan, as it is
    row(LoanNr_ChkDgt="2", NAICS="0", ApprovalFY="1976A", UrbanRural="1", NewExist="1", State="CA",
        BankState="CA", MIS_Status="CHGOFF", ChgOffDate="1-Mar-80", ChgOffPrinGr="$12,000.00 ", Term="12",
        GrAppv="$1,000,000.00 ", SBA_Appv="$750,000.00 ", FranchiseCode="76500", RevLineCr="T"),
    row(LoanNr_ChkDgt="3", MIS_Status=""),  # no outcome
    row(LoanNr_ChkDgt="4", GrAppv="n/a"),  # an amount that does not parse
    row(LoanNr_ChkDgt="5", NAICS="541511", UrbanRural="2", NewExist="0", LowDoc="C", ApprovalFY="2006",
        MIS_Status="CHGOFF"),
]


@pytest.fixture
def sba_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(ROWS)
    return path


# The Django-side tests' trained models (tests/scoring/support.py), available to every test here.
from tests.scoring.support import artefacts, challenger, champion, model_dir  # noqa: E402, F401
