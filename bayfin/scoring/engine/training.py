"""The production recipe: which rows and features a model version is trained on, and its files.

A *recipe* fixes the inputs (``features.FEATURES``, the platform-mappable SBA features), the
training window and the rows kept; ``validate`` runs the out-of-time validation of the
recipe (``validation.evaluate``: train up to 2004, test 2005–2010) and ``fit`` then trains
the version the platform uses on every mature year of the window (1998–2010), because
the validation says how the recipe generalises and the refit gives the platform the most
recent mature evidence, the crisis included. The card says both.

Rows kept (docs/scoring.md, "Variants against the era-dependent inputs", variant (c)):
loans approved from ``window_from`` (1998), whose NAICS sector is recorded. Older loans
and loans with no sector carry era artefacts (an undefined urban/rural flag, a missing
sector) that the platform's applicants never have.

Platform outcomes (``PlatformRows``): deals that were disbursed and then repaid or
defaulted, mapped to the same features by the Django side. ``fit`` trains on them alone
(``sba=None``) or appended to the SBA rows.

A version's files are byte-for-byte reproducible: the models' training is deterministic
(fixed seeds, LightGBM's deterministic mode), the artefact is canonical JSON (sorted keys),
and the metadata holds no clock: ``created_on`` is the recipe's, passed in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bayfin.scoring.engine import challenger, sba, scorecard, validation
from bayfin.scoring.engine import features as fmap

KINDS = ("scorecard", "challenger")
META_FORMAT = "bayfin-model-version/v1"


@dataclass(frozen=True)
class Recipe:
    features: tuple[str, ...] = fmap.FEATURES
    categorical: tuple[str, ...] = fmap.CATEGORICAL
    window_from: int = 1998
    fit_until: int = validation.TEST_UNTIL
    recorded: tuple[str, ...] = ("naics_sector",)
    seed: int = 0
    scorecard_trends: Mapping[str, str] = field(default_factory=lambda: {"sba_share": "descending"})
    challenger_monotone: Mapping[str, int] = field(default_factory=lambda: {"sba_share": -1})

    def config(self) -> validation.ModelConfig:
        return validation.ModelConfig(features=self.features, categorical=self.categorical,
                                      scorecard_trends=dict(self.scorecard_trends),
                                      challenger_monotone=dict(self.challenger_monotone))

    def describe(self) -> dict[str, Any]:
        return {"features": list(self.features), "categorical": list(self.categorical),
                "window_from": self.window_from, "fit_until": self.fit_until,
                "validate_until": validation.TRAIN_UNTIL, "recorded": list(self.recorded), "seed": self.seed,
                "scorecard_trends": dict(self.scorecard_trends),
                "challenger_monotone": dict(self.challenger_monotone)}


PRODUCTION = Recipe()


@dataclass
class PlatformRows:
    """Training rows from the platform's own outcomes: model columns and 1 = defaulted."""

    columns: dict[str, list[Any]]
    default: list[int]

    def __len__(self) -> int:
        return len(self.default)


def _kept(data: sba.SbaData, recipe: Recipe) -> np.ndarray:
    fy = np.asarray(data.columns["approval_fy"], dtype=np.int64)
    keep = fy >= recipe.window_from
    for name in recipe.recorded:
        keep &= np.asarray(data.columns[name], dtype=str) != "unknown"
    return keep


def _subset(data: sba.SbaData, mask: np.ndarray) -> sba.SbaData:
    idx = np.flatnonzero(mask)
    cols = {name: [values[i] for i in idx] for name, values in data.columns.items()}
    return sba.SbaData(columns=cols, report=data.report, sha256=data.sha256)


def validation_data(data: sba.SbaData, recipe: Recipe = PRODUCTION) -> sba.SbaData:
    """The recipe's rows for validation: training years filtered as the recipe says; the
    out-of-time test years (2005–2010) have no unrecorded sectors, and are kept as they are."""
    fy = np.asarray(data.columns["approval_fy"], dtype=np.int64)
    return _subset(data, _kept(data, recipe) | (fy > validation.TRAIN_UNTIL))


def validate(data: sba.SbaData, recipe: Recipe = PRODUCTION, *, folds: int = 5, with_leakage: bool = True,
             rows_limit: int | None = None) -> dict[str, Any]:
    """The out-of-time validation of the recipe (``validation.evaluate`` on its rows)."""
    report = validation.evaluate(validation_data(data, recipe), seed=recipe.seed, folds=folds,
                                 with_leakage=with_leakage, rows_limit=rows_limit, config=recipe.config())
    report["recipe"] = recipe.describe()
    return report


def fit_rows(data: sba.SbaData, recipe: Recipe = PRODUCTION) -> tuple[dict[str, list[Any]], list[int]]:
    """The production fit's SBA rows: the recipe's window up to ``fit_until``."""
    fy = np.asarray(data.columns["approval_fy"], dtype=np.int64)
    mask = _kept(data, recipe) & (fy <= recipe.fit_until)
    sub = _subset(data, mask)
    return {name: sub.columns[name] for name in recipe.features}, [int(d) for d in sub.columns["default"]]


def _combine(sba_rows: tuple[dict[str, list[Any]], list[int]] | None, platform: PlatformRows | None,
             recipe: Recipe) -> tuple[dict[str, list[Any]], list[int]]:
    cols: dict[str, list[Any]] = {name: [] for name in recipe.features}
    y: list[int] = []
    for part in (sba_rows, (platform.columns, platform.default) if platform is not None else None):
        if part is None:
            continue
        pcols, py = part
        missing = [name for name in recipe.features if name not in pcols]
        if missing:
            raise ValueError(f"training rows lack the feature(s) {', '.join(missing)}")
        for name in recipe.features:
            if len(pcols[name]) != len(py):
                raise ValueError(f"training rows: column {name!r} has {len(pcols[name])} values, not {len(py)}")
            cols[name].extend(pcols[name])
        y.extend(int(v) for v in py)
    if not y:
        raise ValueError("no training rows: give the SBA data, platform outcomes, or both")
    return cols, y


def fit(kind: str, *, data: sba.SbaData | None, platform: PlatformRows | None = None,
        recipe: Recipe = PRODUCTION) -> tuple[str, dict[str, Any]]:
    """Train one model of ``kind`` on the recipe's SBA rows and/or the platform's outcomes.

    Returns the artefact's text (canonical JSON) and a description of the training rows.
    Refuses (ValueError) with fewer than ``MIN_ROWS_PER_CLASS`` defaults or repaid loans:
    a model cannot learn a risk from a handful of outcomes.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    sba_rows = fit_rows(data, recipe) if data is not None else None
    cols, y = _combine(sba_rows, platform, recipe)
    n_bad = sum(y)
    if min(n_bad, len(y) - n_bad) < MIN_ROWS_PER_CLASS:
        raise ValueError(f"too few outcomes to train: {n_bad} defaulted and {len(y) - n_bad} repaid; "
                         f"a model needs at least {MIN_ROWS_PER_CLASS} of each")
    config = recipe.config()
    if kind == "scorecard":
        text = scorecard.train_scorecard(cols, y, features=config.features, categorical=config.categorical,
                                         monotonic=config.scorecard_trends, seed=recipe.seed).to_json()
    else:
        text = challenger.train_challenger(cols, np.asarray(y), features=config.features,
                                           categorical=config.categorical, monotone=config.challenger_monotone,
                                           seed=recipe.seed).to_json()
    rows = {"rows": len(y), "defaults": n_bad, "default_rate": n_bad / len(y),
            "sba_rows": len(sba_rows[1]) if sba_rows else 0,
            "platform_rows": len(platform) if platform is not None else 0}
    return text, rows


MIN_ROWS_PER_CLASS = 30


def load(kind: str, text: str) -> scorecard.Scorecard | challenger.Challenger:
    """Rebuild a model from its artefact text (ValueError if it does not parse)."""
    if kind == "scorecard":
        return scorecard.from_json(text)
    if kind == "challenger":
        return challenger.Challenger.from_json(text)
    raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def metadata(*, name: str, kind: str, artefact_file: str, artefact_text: str, recipe: Recipe,
             training_rows: Mapping[str, Any], sba_sha256: str | None, report: Mapping[str, Any] | None,
             created_on: str, trained_by: str) -> dict[str, Any]:
    """The version's metadata (what the registry stores beside the file's SHA-256)."""
    metrics: dict[str, Any] = {}
    if report is not None:
        model = report["models"].get(kind, {})
        metrics = {
            "oot": model.get("oot"), "cv": {k: v for k, v in (model.get("cv") or {}).items() if k != "per_fold"},
            "psi": model.get("psi"), "calibration": model.get("calibration"),
            "baseline_oot": report["models"].get("baseline", {}).get("oot"),
            "split": {k: v for k, v in report["split"].items() if k != "why_excluded"},
            "crisis": {year: {"observed": row["observed"], "predicted": row.get(kind), "loans": row["loans"]}
                       for year, row in report.get("crisis", {}).items()},
            "recalibration": _recalibration_summary(report.get("recalibration", {}), kind),
            "leakage": {k: v for k, v in (report.get("leakage") or {}).items() if k != "why_excluded"},
        }
    return {
        "format": META_FORMAT, "name": name, "kind": kind, "artefact": artefact_file,
        "sha256": sha256_text(artefact_text), "features": list(recipe.features),
        "training_data": {"sba_sha256": sba_sha256, **dict(training_rows), "recipe": recipe.describe()},
        "metrics": metrics, "created_on": created_on, "trained_by": trained_by,
    }


def _recalibration_summary(rec: Mapping[str, Any], kind: str) -> dict[str, Any]:
    if not rec.get("run") or kind not in rec:
        return {"run": False}
    r = rec[kind]
    return {"run": True, "fitted_on": rec["fitted_on"], "applied_to": rec["applied_to"], "offset": r["offset"],
            "odds_factor": r["odds_factor"], "observed": r["observed"],
            "before": {"mean_pd": r["before"]["mean_pd"], "brier": r["before"]["brier"]},
            "after": {"mean_pd": r["after"]["mean_pd"], "brier": r["after"]["brier"]}}


def dumps(doc: Mapping[str, Any]) -> str:
    """Canonical JSON for metadata files: sorted keys, two-space indent, newline at the end."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def with_seed(recipe: Recipe, seed: int) -> Recipe:
    return replace(recipe, seed=seed)


def platform_rows(rows: Sequence[Mapping[str, Any]], defaults: Sequence[int]) -> PlatformRows:
    """Platform outcomes (one model-feature dict per deal, from ``features.to_features``)."""
    cols: dict[str, list[Any]] = {name: [] for name in fmap.FEATURES}
    for row in rows:
        for name in fmap.FEATURES:
            cols[name].append(row[name])
    return PlatformRows(columns=cols, default=[int(d) for d in defaults])


@dataclass(frozen=True)
class Version:
    """One model version's files: the artefact, its metadata and its card (all text)."""

    name: str
    artefact_file: str
    artefact_text: str
    meta: dict[str, Any]
    card_text: str

    @property
    def meta_file(self) -> str:
        return f"{self.name}.meta.json"

    @property
    def meta_text(self) -> str:
        return dumps(self.meta)

    @property
    def card_file(self) -> str:
        return f"{self.name}.md"


def build(kind: str, *, name: str, data: sba.SbaData | None, platform: PlatformRows | None = None,
          recipe: Recipe = PRODUCTION, report: Mapping[str, Any] | None = None, created_on: str,
          trained_by: str) -> Version:
    """Train one version and write its metadata and card (no files: the caller saves them).

    ``report`` is the recipe's validation (``validate``), shared by the scorecard and the
    challenger of one training run; ``None`` for platform outcomes alone.
    """
    from bayfin.scoring.engine import card

    text, rows = fit(kind, data=data, platform=platform, recipe=recipe)
    artefact_file = f"{name}.json"
    meta = metadata(name=name, kind=kind, artefact_file=artefact_file, artefact_text=text, recipe=recipe,
                    training_rows=rows, sba_sha256=data.sha256 if data is not None else None, report=report,
                    created_on=created_on, trained_by=trained_by)
    return Version(name=name, artefact_file=artefact_file, artefact_text=text, meta=meta,
                   card_text=card.render(meta, report))
