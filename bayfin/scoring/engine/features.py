"""From what BayFin knows about an applicant to the features the production model reads.

The SBA file describes U.S. loans; BayFin's enterprises are Greater Bay Area companies. The
production model (``training.PRODUCTION``) is trained only on the SBA features the platform
can fill in honestly; every other SBA feature is listed in ``NOT_MAPPED`` with the reason it
is left out, so no feature is ever silently zero-filled. A platform field that is missing
(an enterprise that never gave its head-count, an amount with no exchange rate to USD) makes
``to_features``/``to_columns`` raise ``MissingFeatures`` naming every missing field: the
score is refused, not guessed.

| Model feature | From the platform | How |
| --- | --- | --- |
| ``naics_sector`` | the enterprise's sector | the sector's NAICS 2-digit code (``bayfin.common.vocab.SECTORS``) |
| ``no_emp`` | employees | as given |
| ``new_business`` | firm age | ``"new"`` under ``NEW_BUSINESS_YEARS`` (2) years since founding, else ``"existing"`` (the SBA's own definition) |
| ``gross_approved`` | the amount (the request's, or the reference loan's) | converted to USD on the day by the exchange-rate service |
| ``sba_share`` | a guarantee | ``GUARANTEED_SHARE`` (0.8) when a guarantee company stands behind the loan, else 0 |
| ``rev_line_cr`` | revolving or term | ``"Y"`` for a revolving facility (factoring), ``"N"`` for a term loan |

The guaranteed share: the SBA guarantees 50–85 % of each loan; on the platform a loan is
guaranteed when the request's instrument is a guaranteed loan or its deal names a
guarantor. China's policy financing guarantees share risk with the bank at no more than
80 % (the bank keeps at least 20 %), so a guaranteed loan is scored at 0.8. A loan with no
guarantee scores 0, below anything in the SBA file: the model puts it in its lowest bin
(the riskiest), which is the honest reading of "nobody else shares the risk".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

NEW_BUSINESS_YEARS = 2.0
GUARANTEED_SHARE = 0.8

NUMERIC = ("no_emp", "gross_approved", "sba_share")
CATEGORICAL = ("naics_sector", "new_business", "rev_line_cr")
FEATURES = NUMERIC + CATEGORICAL

# Each model feature, the platform field(s) it comes from (the names ``MissingFeatures`` uses).
SOURCES: dict[str, tuple[str, ...]] = {
    "naics_sector": ("sector",),
    "no_emp": ("employees",),
    "new_business": ("founding_date",),
    "gross_approved": ("amount",),
    "sba_share": ("guarantee",),
    "rev_line_cr": ("instrument",),
}

# SBA features the production model leaves out, and why.
NOT_MAPPED: dict[str, str] = {
    "create_job": "the platform does not ask how many jobs a loan will create",
    "retained_job": "the platform does not ask how many jobs a loan will keep",
    "franchise": "franchising is a U.S. retail form; the platform's sci-tech enterprises do not report it",
    "low_doc": "the SBA's LowDoc programme has no counterpart on the platform",
    "urban_rural": "undefined on most older SBA loans (an artefact of the era, not a fact about the "
                   "business), and every jurisdiction the platform serves is urban",
    "same_state": "the lending institution is not known for an enterprise score, and cross-border lending "
                  "is the platform's purpose rather than a risk signal",
}


class MissingFeatures(ValueError):
    """The platform lacks a field the model needs; ``fields`` names them (platform names)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = sorted(set(fields))
        super().__init__(f"cannot score: missing {', '.join(self.fields)}")


@dataclass(frozen=True)
class Applicant:
    """What the platform knows, already in plain units (the Django side converts).

    ``naics_sector``: the 2-digit NAICS code of the enterprise's sector; ``years_operating``:
    years since founding on the scoring day; ``amount_usd``: the loan in U.S. dollars;
    ``guaranteed``: a guarantee company stands behind it; ``revolving``: a revolving facility.
    ``None`` means the platform does not know.
    """

    naics_sector: str | None
    employees: int | None
    years_operating: float | None
    amount_usd: float | None
    guaranteed: bool | None
    revolving: bool | None


def _missing(a: Applicant) -> list[str]:
    out = []
    if not a.naics_sector:
        out.append("sector")
    if a.employees is None or a.employees < 0:
        out.append("employees")
    if a.years_operating is None or a.years_operating < 0:
        out.append("founding_date")
    if a.amount_usd is None or not a.amount_usd > 0:
        out.append("amount")
    if a.guaranteed is None:
        out.append("guarantee")
    if a.revolving is None:
        out.append("instrument")
    return out


def to_features(a: Applicant) -> dict[str, Any]:
    """One applicant's model features; ``MissingFeatures`` if the platform lacks any."""
    missing = _missing(a)
    if missing:
        raise MissingFeatures(missing)
    assert a.employees is not None and a.years_operating is not None and a.amount_usd is not None
    return {
        "naics_sector": str(a.naics_sector),
        "no_emp": int(a.employees),
        "new_business": "new" if a.years_operating < NEW_BUSINESS_YEARS else "existing",
        "gross_approved": float(a.amount_usd),
        "sba_share": GUARANTEED_SHARE if a.guaranteed else 0.0,
        "rev_line_cr": "Y" if a.revolving else "N",
    }


def to_columns(*, naics_sector: Sequence[str] | npt.ArrayLike, employees: npt.ArrayLike,
               years_operating: npt.ArrayLike, amount_usd: npt.ArrayLike, guaranteed: npt.ArrayLike,
               revolving: npt.ArrayLike) -> dict[str, np.ndarray]:
    """Many applicants at once, as model columns (vectorised: no per-row Python loop).

    Every input is one value per applicant; missing values are ``""`` (sector) or NaN
    (numbers). Any missing value raises ``MissingFeatures`` naming the fields: a batch is
    built only from applicants that can be scored (``complete_rows`` finds them).
    """
    sector = np.asarray(naics_sector, dtype=str)
    emp = np.asarray(employees, dtype=np.float64)
    years = np.asarray(years_operating, dtype=np.float64)
    amount = np.asarray(amount_usd, dtype=np.float64)
    guar = np.asarray(guaranteed, dtype=bool)
    rev = np.asarray(revolving, dtype=bool)
    n = len(sector)
    if any(len(a) != n for a in (emp, years, amount, guar, rev)):
        raise ValueError("to_columns: every input needs one value per applicant")
    bad = [name for name, ok in (("sector", sector != ""), ("employees", np.isfinite(emp) & (emp >= 0)),
                                 ("founding_date", np.isfinite(years) & (years >= 0)),
                                 ("amount", np.isfinite(amount) & (amount > 0))) if not ok.all()]
    if bad:
        raise MissingFeatures(bad)
    return {
        "naics_sector": sector,
        "no_emp": emp.astype(np.int64),
        "new_business": np.where(years < NEW_BUSINESS_YEARS, "new", "existing"),
        "gross_approved": amount,
        "sba_share": np.where(guar, GUARANTEED_SHARE, 0.0),
        "rev_line_cr": np.where(rev, "Y", "N"),
    }


def complete_rows(*, naics_sector: npt.ArrayLike, employees: npt.ArrayLike, years_operating: npt.ArrayLike,
                  amount_usd: npt.ArrayLike) -> np.ndarray:
    """Boolean mask of the applicants ``to_columns`` accepts."""
    sector = np.asarray(naics_sector, dtype=str)
    emp = np.asarray(employees, dtype=np.float64)
    years = np.asarray(years_operating, dtype=np.float64)
    amount = np.asarray(amount_usd, dtype=np.float64)
    return (sector != "") & np.isfinite(emp) & (emp >= 0) & np.isfinite(years) & (years >= 0) \
        & np.isfinite(amount) & (amount > 0)


def describe(features: Mapping[str, Any]) -> dict[str, Any]:
    """The features as stored beside a score (plain JSON values)."""
    return {name: (float(v) if name in NUMERIC and name != "no_emp" else
                   int(v) if name == "no_emp" else str(v)) for name, v in features.items()}
