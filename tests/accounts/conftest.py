"""Fixtures for the accounts tests: valid sign-up data for each kind."""

from __future__ import annotations

from typing import Any

import pytest

from bayfin.common.vocab import InstitutionKind, Jurisdiction, Sector, Stage
from tests.factories import valid_uscc

STRONG_PASSWORD = "Lantern-Harbour-8841"


@pytest.fixture
def enterprise_signup() -> dict[str, Any]:
    return {
        "email": "founder@chipco.example", "password": STRONG_PASSWORD,
        "name_en": "ChipCo Hengqin", "name_zh_hans": "芯片科技", "jurisdiction": Jurisdiction.HENGQIN.value,
        "registration_number": valid_uscc(990001), "founding_date": "2019-05-01",
        "employees": "40", "tech_staff": "12", "sector": Sector.INTEGRATED_CIRCUITS.value,
        "stage": Stage.SERIES_A.value, "description": "Low-power chips.",
    }


@pytest.fixture
def institution_signup() -> dict[str, Any]:
    return {
        "email": "cfo@bank.example", "password": STRONG_PASSWORD, "name_pt": "Banco da Baía",
        "jurisdiction": Jurisdiction.MACAO.value, "kind": InstitutionKind.MACAO_BANK.value,
        "licence_number": "AMCM-77777", "aum_amount": "1000000.00", "aum_currency": "MOP",
    }


@pytest.fixture
def observer_signup() -> dict[str, Any]:
    return {"email": "stats@bureau.example", "password": STRONG_PASSWORD,
            "name_en": "Statistics Bureau", "jurisdiction": Jurisdiction.HENGQIN.value}


def api_payload(kind: str, form: dict[str, Any]) -> dict[str, Any]:
    """The API body for the same data the page form takes."""
    names = {k: form[k] for k in ("name_zh_hans", "name_zh_hant", "name_en", "name_pt") if k in form}
    top = {"email", "password", "jurisdiction", *names}
    profile = {k: v for k, v in form.items() if k not in top}
    return {"kind": kind, "email": form["email"], "password": form["password"], "names": names,
            "jurisdiction": form["jurisdiction"], "profile": profile}
