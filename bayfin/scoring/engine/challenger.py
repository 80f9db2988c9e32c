"""The gradient-boosting challenger: LightGBM with monotone constraints, calibrated by isotonic regression.

Training (``train_challenger``) needs scikit-learn (the ``train`` extra); scoring needs only
numpy and LightGBM. The artefact is one JSON document (``Challenger.to_json``, format
``bayfin-challenger/v1``) holding the features, the vocabulary of each categorical feature,
LightGBM's own text model (``Booster.model_to_string()``) as a string, and the calibration
points; never pickle.

Inputs are columns (a mapping of feature name to an equal-length sequence, as
``SbaData.columns``):

- numeric features become float64; ``None`` or NaN is "missing", which LightGBM routes
  by what it learnt for missing values (no zero-filling);
- categorical features are compared as strings (``str(value)``; SbaData spells its own
  unknowns, e.g. ``"unknown"``, ``"undefined"``), encoded as their position in the
  feature's sorted training vocabulary. A value never seen in training gets the dedicated
  code ``len(vocabulary)``, which no tree has seen: at every categorical split LightGBM
  sends a category outside the split's listed set to the "other" side, so an unknown
  value is scored like the categories a split did not single out. It never raises.

Determinism: ``deterministic=True``, ``force_row_wise=True``, ``num_threads=2`` and a fixed
seed for both LightGBM and the stratified calibration split, so training twice on the same
data gives a byte-identical ``to_json``.

Calibration: a stratified held-out fold (``calibration_share`` of each class, drawn with
``numpy.random.default_rng(seed)``) is kept out of boosting. Isotonic regression of the
outcome on the booster's raw log-odds over that fold (``out_of_bounds="clip"``) is stored
as its thresholds, and applied at scoring time with ``np.interp`` (which clips at both ends
just as the fitted regression does). The calibrated PD is kept within
``[PD_FLOOR, 1 - PD_FLOOR]`` so grades and points are always defined.

Reasons (``explain``) are LightGBM's own TreeSHAP contributions (``pred_contrib=True``) to the
log-odds *before* calibration: calibration is monotone, so a feature that raises the raw
log-odds raises (or leaves unchanged) the calibrated PD.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm
import numpy as np

FORMAT = "bayfin-challenger/v1"
PD_FLOOR = 1e-4
PREDICT_THREADS = 2
# Below this many rows a prediction runs on one thread: starting OpenMP's second thread costs
# more than the work (a one-row score took ~16 ms on 2 threads on a busy machine, 0.03 ms on 1).
# Predictions are the same whatever the thread count.
SMALL_BATCH = 2048

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "max_cat_to_onehot": 4,
    "verbose": -1,
}
# Not overridable: what makes a retrain byte-identical.
FIXED_PARAMS: dict[str, Any] = {"deterministic": True, "force_row_wise": True, "num_threads": 2}


@dataclass
class Challenger:
    """A trained challenger: what ``to_json`` writes, and the LightGBM booster rebuilt from it."""

    features: list[str]
    categorical: list[str]
    vocabularies: dict[str, list[str]]  # sorted training values per categorical feature
    monotone: dict[str, int]
    model_text: str  # Booster.model_to_string()
    calibration_x: list[float]  # IsotonicRegression.X_thresholds_ (raw log-odds)
    calibration_y: list[float]  # IsotonicRegression.y_thresholds_ (PD), clipped to [PD_FLOOR, 1 - PD_FLOOR]
    training: dict[str, Any] = field(default_factory=dict)  # seed, rows, params: what reproduces it
    booster: lightgbm.Booster = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            self.booster = lightgbm.Booster(model_str=self.model_text)
        except lightgbm.basic.LightGBMError as exc:
            raise ValueError(f"challenger: the model text does not load: {exc}") from exc
        names = list(self.booster.feature_name())
        if names != list(self.features):
            raise ValueError(f"challenger: the model's features {names} are not the artefact's {self.features}")

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "features": list(self.features),
            "categorical": list(self.categorical),
            "vocabularies": {name: list(v) for name, v in self.vocabularies.items()},
            "monotone": dict(self.monotone),
            "model": self.model_text,
            "calibration": {"x": [float(x) for x in self.calibration_x],
                            "y": [float(y) for y in self.calibration_y]},
            "training": self.training,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Challenger:
        """Load and validate an artefact; ValueError naming what is wrong."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"challenger: not JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise ValueError("challenger: the artefact is not a JSON object")
        if doc.get("format") != FORMAT:
            raise ValueError(f"challenger: format {doc.get('format')!r} is not {FORMAT!r}")
        for key in ("features", "categorical", "vocabularies", "monotone", "model", "calibration"):
            if key not in doc:
                raise ValueError(f"challenger: the artefact has no {key!r}")
        features, categorical, vocabularies = doc["features"], doc["categorical"], doc["vocabularies"]
        if not isinstance(features, list) or not features or not all(isinstance(f, str) for f in features):
            raise ValueError("challenger: 'features' must be a non-empty list of names")
        if len(set(features)) != len(features):
            raise ValueError("challenger: 'features' names a feature twice")
        if not isinstance(categorical, list) or not set(categorical) <= set(features):
            raise ValueError(f"challenger: categorical features {categorical} are not all among the features")
        if not isinstance(vocabularies, dict):
            raise ValueError("challenger: 'vocabularies' must be an object")
        for name in categorical:
            vocab = vocabularies.get(name)
            if vocab is None:
                raise ValueError(f"challenger: no vocabulary for the categorical feature {name!r}")
            if not isinstance(vocab, list) or not all(isinstance(v, str) for v in vocab) or vocab != sorted(set(vocab)):
                raise ValueError(f"challenger: the vocabulary of {name!r} must be sorted distinct strings")
        extra = set(vocabularies) - set(categorical)
        if extra:
            raise ValueError(f"challenger: vocabularies for features that are not categorical: {sorted(extra)}")
        monotone = doc["monotone"]
        if not isinstance(monotone, dict) or any(k not in features or v not in (-1, 0, 1)
                                                 for k, v in monotone.items()):
            raise ValueError("challenger: 'monotone' must map features to -1, 0 or 1")
        if not isinstance(doc["model"], str) or not doc["model"]:
            raise ValueError("challenger: 'model' must be LightGBM's model text")
        xs, ys = _calibration_points(doc["calibration"])
        return cls(features=features, categorical=categorical, vocabularies=vocabularies, monotone=monotone,
                   model_text=doc["model"], calibration_x=xs, calibration_y=ys,
                   training=doc.get("training") or {})


def _calibration_points(cal: Any) -> tuple[list[float], list[float]]:
    if not isinstance(cal, dict) or not isinstance(cal.get("x"), list) or not isinstance(cal.get("y"), list):
        raise ValueError("challenger: 'calibration' must hold lists 'x' and 'y'")
    xs, ys = cal["x"], cal["y"]
    if not xs or len(xs) != len(ys):
        raise ValueError("challenger: calibration 'x' and 'y' must be non-empty and of equal length")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in xs + ys):
        raise ValueError("challenger: calibration points must be numbers")
    x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(np.diff(x) >= 0)):
        raise ValueError("challenger: calibration 'x' must be finite and non-decreasing")
    if not (np.all(np.diff(y) >= 0) and np.all((y > 0) & (y < 1))):
        raise ValueError("challenger: calibration 'y' must be non-decreasing PDs strictly between 0 and 1")
    return [float(v) for v in xs], [float(v) for v in ys]


def _encode(columns: Mapping[str, Sequence[Any]], features: Sequence[str],
            vocabularies: Mapping[str, Sequence[str]]) -> np.ndarray:
    """The feature matrix (float64, one column per feature; categories as vocabulary codes)."""
    missing = [name for name in features if name not in columns]
    if missing:
        raise ValueError(f"challenger: missing feature column(s): {', '.join(missing)}")
    lengths = {len(columns[name]) for name in features}
    if len(lengths) != 1:
        raise ValueError(f"challenger: feature columns differ in length: {sorted(lengths)}")
    n = lengths.pop()
    matrix = np.empty((n, len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        if name in vocabularies:
            vocab = np.asarray(vocabularies[name], dtype=str)
            values = np.asarray(columns[name], dtype=str)
            if len(vocab) == 0:
                matrix[:, j] = 0.0
                continue
            pos = np.minimum(np.searchsorted(vocab, values), len(vocab) - 1)
            matrix[:, j] = np.where(vocab[pos] == values, pos, len(vocab))
        else:
            try:
                matrix[:, j] = np.asarray(columns[name], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"challenger: feature {name!r} is not numeric ({exc})") from exc
    return matrix


def train_challenger(columns: Mapping[str, Sequence[Any]], target: Sequence[int] | np.ndarray, *,
                     features: Sequence[str], categorical: Sequence[str],
                     monotone: Mapping[str, int] | None = None, seed: int = 0,
                     calibration_share: float = 0.2, num_boost_round: int = 200,
                     params: Mapping[str, Any] | None = None) -> Challenger:
    """Train LightGBM on (1 − calibration_share) of each class, calibrate on the rest.

    ``target`` is 1 for a default. ``monotone`` maps numeric features to +1 (more of it, more
    default) or −1 (e.g. ``{"sba_share": -1}``: more guarantee, less default). ``params``
    overrides ``DEFAULT_PARAMS`` (not the determinism settings, nor the seed).
    """
    from sklearn.isotonic import IsotonicRegression  # training only

    features, categorical = list(features), list(categorical)
    monotone = dict(monotone or {})
    if len(set(features)) != len(features):
        raise ValueError("challenger: a feature is named twice")
    unknown = [c for c in categorical if c not in features]
    if unknown:
        raise ValueError(f"challenger: categorical features not among the features: {unknown}")
    for name, direction in monotone.items():
        if name not in features or name in categorical:
            raise ValueError(f"challenger: a monotone constraint needs a numeric feature, not {name!r}")
        if direction not in (-1, 0, 1):
            raise ValueError(f"challenger: the constraint on {name!r} must be -1, 0 or 1, not {direction!r}")
    if not 0.0 < calibration_share < 1.0:
        raise ValueError("challenger: calibration_share must be strictly between 0 and 1")
    y = np.asarray(target, dtype=np.float64)
    if y.ndim != 1 or not np.all((y == 0) | (y == 1)):
        raise ValueError("challenger: the target must be a column of 0 and 1")

    missing = [name for name in features if name not in columns]
    if missing:
        raise ValueError(f"challenger: missing feature column(s): {', '.join(missing)}")
    vocabularies = {name: sorted({str(v) for v in columns[name]}) for name in categorical}
    matrix = _encode(columns, features, vocabularies)
    if matrix.shape[0] != y.shape[0]:
        raise ValueError("challenger: the target and the feature columns differ in length")

    # Stratified split: the same share of defaults and non-defaults held out for calibration.
    rng = np.random.default_rng(seed)
    held = []
    for label in (0.0, 1.0):
        idx = np.flatnonzero(y == label)
        if len(idx) < 2:
            raise ValueError("challenger: the target needs at least two rows of each class")
        held.append(rng.permutation(idx)[: max(1, round(len(idx) * calibration_share))])
    calibrate = np.zeros(len(y), dtype=bool)
    calibrate[np.concatenate(held)] = True

    merged = {**DEFAULT_PARAMS, **dict(params or {}), **FIXED_PARAMS, "seed": seed,
              "monotone_constraints": [int(monotone.get(name, 0)) for name in features]}
    dataset = lightgbm.Dataset(matrix[~calibrate], label=y[~calibrate], feature_name=features,
                               categorical_feature=categorical, params={"verbose": -1}, free_raw_data=True)
    booster = lightgbm.train(merged, dataset, num_boost_round=num_boost_round)

    raw = booster.predict(matrix[calibrate], raw_score=True, num_threads=PREDICT_THREADS)
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(raw, y[calibrate])
    cal_y = np.clip(iso.y_thresholds_, PD_FLOOR, 1.0 - PD_FLOOR)
    return Challenger(
        features=features, categorical=categorical, vocabularies=vocabularies, monotone=monotone,
        model_text=booster.model_to_string(), calibration_x=[float(v) for v in iso.X_thresholds_],
        calibration_y=[float(v) for v in cal_y],
        training={"seed": seed, "calibration_share": calibration_share, "num_boost_round": num_boost_round,
                  "rows": int(len(y)), "calibration_rows": int(calibrate.sum()),
                  "defaults": int(y.sum()), "params": {k: v for k, v in merged.items()
                                                       if k != "monotone_constraints"}},
    )


def raw_log_odds(ch: Challenger, columns: Mapping[str, Sequence[Any]]) -> np.ndarray:
    """The booster's log-odds of default, before calibration (vectorised)."""
    matrix = _encode(columns, ch.features, ch.vocabularies)
    threads = 1 if len(matrix) < SMALL_BATCH else PREDICT_THREADS
    return np.asarray(ch.booster.predict(matrix, raw_score=True, num_threads=threads))


def score(ch: Challenger, columns: Mapping[str, Sequence[Any]]) -> np.ndarray:
    """Calibrated probabilities of default, one per row (vectorised: no per-row Python loop)."""
    return np.interp(raw_log_odds(ch, columns), ch.calibration_x, ch.calibration_y)


def explain(ch: Challenger, row: Mapping[str, Any], top: int = 4) -> list[tuple[str, float]]:
    """The features that push this row's PD up the most, most first, with their contributions.

    Contributions are TreeSHAP values from the booster itself (``pred_contrib=True``) in
    log-odds *before* calibration, relative to the training average (the bias term, not
    listed). Only features that push the PD up are reasons; ties read in name order.
    """
    matrix = _encode({name: [row[name]] for name in ch.features if name in row}, ch.features, ch.vocabularies)
    contrib = np.asarray(ch.booster.predict(matrix, pred_contrib=True, num_threads=1))[0, :-1]
    pushes = [(name, float(c)) for name, c in zip(ch.features, contrib, strict=True) if c > 1e-12]
    pushes.sort(key=lambda item: (-item[1], item[0]))
    return pushes[:top]
