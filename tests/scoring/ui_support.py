"""Model versions and stored scores for the page and API tests (never the real SBA file).

The models are CORE's (``tests.scoring.support``: trained once per session on synthetic
platform rows, registered through ``services.model_register``), given validation figures
and a card here; scores are stored rows whose ``inputs`` the model explains on demand.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

from bayfin.scoring.engine import features, grades, training
from bayfin.scoring.models import CreditScore, ModelVersion, ScoreKind, ScoreStatus

from . import support

# A risky applicant (the synthetic data's risky sector, 2 staff, new, unguaranteed, large,
# revolving) and a safe one.
RISKY = {"naics_sector": "71", "no_emp": 2, "new_business": "new", "gross_approved": 900000.0,
         "sba_share": 0.0, "rev_line_cr": "Y"}
SAFE = {"naics_sector": "33", "no_emp": 250, "new_business": "existing", "gross_approved": 50000.0,
        "sba_share": 0.8, "rev_line_cr": "N"}

# Validation figures as ``training.metadata`` stores them (made up, plausible).
METRICS: dict[str, Any] = {
    "oot": {"auc": 0.7312, "ks": 0.3521, "brier": 0.1234, "n": 5000, "default_rate": 0.171, "mean_pd": 0.165},
    "cv": {"run": True, "folds": 5, "rows": 9000, "auc_mean": 0.7401, "auc_std": 0.0042, "ks_mean": 0.361,
           "ks_std": 0.006, "brier_mean": 0.1201, "brier_std": 0.0011},
    "psi": 0.0871,
    "calibration": [{"grade": g, "n": 10 * (i + 1), "predicted": 0.01 * (i + 1), "observed": 0.011 * (i + 1)}
                    for i, g in enumerate(grades.GRADES)],
    "baseline_oot": {"auc": 0.6123, "ks": 0.2011, "brier": 0.1388, "n": 5000, "default_rate": 0.171,
                     "mean_pd": 0.17},
    "split": {"train_until": 2004, "test_from": 2005, "test_until": 2010, "train_rows": 9000, "test_rows": 5000},
}
CARD = ("# Model card: tiny-scorecard\n\n## Intended use\n\nTests only. <script>alert(1)</script>\n\n"
        "| Grade | Loans |\n| --- | --- |\n| BB | 12 |\n")


@functools.cache
def _artefacts() -> dict[str, tuple[str, dict[str, Any]]]:
    """CORE's session artefacts (``tests.scoring.support``), trained once here too when the
    pytest fixture is not requested: the same synthetic rows, the same models."""
    rows = support.synthetic_rows(1500, seed=11)
    return {kind: training.fit(kind, data=None, platform=rows) for kind in training.KINDS}


def register(model_dir: Path, *, kind: str = "scorecard", name: str = "tiny-scorecard",
             champion: bool = True) -> ModelVersion:
    """A trained version registered through ``services.model_register`` (CORE's helper), with
    validation figures and a card so the pages have something to show."""
    version = support.register(Path(model_dir), _artefacts(), kind, name, champion=champion)
    ModelVersion.objects.filter(pk=version.pk).update(
        metrics=METRICS, card=CARD, trained_by_name="Test suite",
        training_data={**version.training_data, "rows": 1500, "platform_rows": 1500})
    version.refresh_from_db()
    return version


def store_score(version: ModelVersion, enterprise: Any, *, request: Any = None, inputs: dict[str, Any] | None = None,
                missing: list[str] | None = None) -> CreditScore:
    """A current score as the services store it: scored from ``inputs``, or refused for ``missing``."""
    from bayfin.scoring import registry

    kind = ScoreKind.REQUEST if request is not None else ScoreKind.ENTERPRISE
    fields: dict[str, Any] = {"enterprise": enterprise, "request": request, "kind": kind,
                              "model_version": version, "trigger": "manual"}
    if missing:
        return CreditScore.objects.create(status=ScoreStatus.REFUSED, missing=sorted(missing), **fields)
    row = dict(inputs or RISKY)
    loaded = registry.load(version)
    explained = loaded.explain(row)
    reference = {} if request is not None else {"amount": "150000.00", "currency": "USD", "basis": "default",
                                                "sector": ""}
    return CreditScore.objects.create(
        status=ScoreStatus.SCORED, pd=Decimal(f"{explained.pd:.8f}"), grade=grades.grade_of(explained.pd),
        points=Decimal(f"{explained.points:.2f}") if explained.points is not None else None,
        inputs=features.describe(row), reference=reference, **fields)
