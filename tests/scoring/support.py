"""Credit models for the Django-side tests: trained once per session on a small synthetic
platform dataset (never the real SBA file), written to a temporary ``BAYFIN_MODEL_DIR`` and
registered through ``services.model_register`` like `bayfin scoring train --register` does.

Import the fixtures into a test module: ``from tests.scoring.support import champion, ...``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bayfin.fx.models import FxRate
from bayfin.scoring import registry, services
from bayfin.scoring.engine import training
from bayfin.scoring.models import ModelSource, ModelVersion

SECTORS = ("33", "51", "32", "22", "52", "71", "48")


def synthetic_rows(n: int, seed: int) -> training.PlatformRows:
    """Model columns with a known risk: small, new, unguaranteed, large loans default more."""
    rng = np.random.default_rng(seed)
    sector = rng.choice(SECTORS, size=n)
    no_emp = rng.integers(1, 300, size=n)
    amount = np.exp(rng.normal(11.5, 1.0, size=n))
    share = np.where(rng.random(n) < 0.5, 0.8, 0.0)
    new = np.where(rng.random(n) < 0.3, "new", "existing")
    rev = np.where(rng.random(n) < 0.2, "Y", "N")
    z = (-1.6 - 0.006 * no_emp + 0.35 * (np.log(amount) - 11.5) - 1.2 * share + 0.6 * (new == "new")
         + 0.4 * (rev == "Y") + np.where(sector == "71", 0.8, 0.0))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    cols = {"naics_sector": sector.tolist(), "no_emp": no_emp.tolist(), "gross_approved": amount.tolist(),
            "sba_share": share.tolist(), "new_business": new.tolist(), "rev_line_cr": rev.tolist()}
    return training.PlatformRows(columns=cols, default=y.tolist())


class _Trained(dict):
    """kind -> (artefact text, training rows), each kind trained on first use (LightGBM is the
    slow one: a test that needs only the scorecard never waits for it)."""

    def __missing__(self, kind: str) -> tuple[str, dict[str, Any]]:
        self[kind] = training.fit(kind, data=None, platform=synthetic_rows(1500, seed=11))
        return self[kind]


@pytest.fixture(scope="session")
def artefacts() -> dict[str, tuple[str, dict[str, Any]]]:
    return _Trained()


def write_version(directory: Path, kind: str, name: str, text: str, rows: dict[str, Any]) -> tuple[dict, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    artefact = directory / f"{name}.json"
    artefact.write_text(text, encoding="utf-8")
    meta = training.metadata(name=name, kind=kind, artefact_file=artefact.name, artefact_text=text,
                             recipe=training.PRODUCTION, training_rows=rows, sba_sha256=None, report=None,
                             created_on="2026-11-28", trained_by="tests")
    return meta, artefact


def register(model_dir: Path, artefacts: dict[str, tuple[str, dict[str, Any]]], kind: str, name: str, *,
             champion: bool = False) -> ModelVersion:
    text, rows = artefacts[kind]
    meta, artefact = write_version(model_dir, kind, name, text, rows)
    version = services.model_register(actor=None, meta=meta, artefact_file=artefact, card=f"# {name}\n",
                                      source=ModelSource.TRAINED)
    if champion:
        ModelVersion.objects.filter(is_champion=True).update(is_champion=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_champion=True)
        version.refresh_from_db()
    return version


@pytest.fixture
def model_dir(settings: Any, tmp_path: Path) -> Path:
    settings.BAYFIN_MODEL_DIR = tmp_path / "models"
    registry.clear_cache()
    yield settings.BAYFIN_MODEL_DIR
    registry.clear_cache()


@pytest.fixture
def champion(db: Any, model_dir: Path, artefacts: dict) -> ModelVersion:
    """A trained scorecard, the champion."""
    return register(model_dir, artefacts, "scorecard", "test-scorecard", champion=True)


@pytest.fixture
def challenger(db: Any, model_dir: Path, artefacts: dict) -> ModelVersion:
    """A trained challenger (not the champion)."""
    return register(model_dir, artefacts, "challenger", "test-challenger")


def usd_rate(currency: str, per_usd: str, day: dt.date | None = None) -> FxRate:
    """1 USD = ``per_usd`` ``currency`` on ``day`` (today by default)."""
    from django.utils import timezone

    return FxRate.objects.create(day=day or timezone.localdate(), base="USD", quote=currency,
                                 rate=Decimal(per_usd), source="test")
