"""The scorecard: optimal monotonic binning into weight of evidence, a logistic regression, points.

Training (``train_scorecard``) needs the ``train`` extra (optbinning, scikit-learn), imported
only inside it; scoring from an artefact (``score``, ``points_of``, ``explain``) needs only numpy.

How a scorecard is built:

1. Each feature is binned by optbinning's ``OptimalBinning`` (CP solver, which optbinning runs
   with one worker and a fixed seed, so binning is deterministic). Numeric features get the
   monotonic trend asked for in ``monotonic`` (optbinning's ``monotonic_trend``, which is about
   the *default rate*: ``"descending"`` means the default rate falls as the value rises), else
   ``"auto_asc_desc"``. Categorical features are binned with ``dtype="categorical"``: each bin is
   a set of categories.
2. **WOE sign.** optbinning's weight of evidence is ``ln(non-event share / event share)`` of a
   bin, that is goods over bads: a safe bin has a *positive* WOE. The logistic regression of the
   default flag on the WOE matrix therefore has *negative* coefficients, which is the convention
   ``points.characteristic_points`` expects (more WOE, fewer defaults, more points).
3. A logistic regression (scikit-learn, lbfgs) of the default flag on the WOE matrix, with
   ``C = 1e6``: practically unpenalised, so the coefficients are the maximum-likelihood ones
   (WOE features are already on a log-odds scale and few, so shrinkage is not needed for
   stability; a small L2 only guards against a perfectly separating fixture).
4. Each bin's points are ``points.characteristic_points(woe, β, intercept, n)``: the points of
   an applicant's bins add up to ``points.points_from_pd(PD)`` exactly (up to float rounding),
   where ``PD = 1 / (1 + exp(−(intercept + Σ βᵢ·WOEᵢ)))``.

**Missing values and unseen categories.** Every characteristic also has a *missing* bin: the
WOE of optbinning's "Missing" bin (the rows whose value was missing at training; 0 when there
were none, i.e. the population's average odds, a neutral value). A missing number (NaN) and a
category not seen in training (for example a NAICS sector absent from the training years) fall
in it. The training data's categories are explicit strings (``"unknown"``, ``"undefined"``), so
in practice only categories the training data never had land there. The best points of a
characteristic (for reason codes) are the best of its ordinary bins, not of the missing bin.

Numeric bins are optbinning's: bin ``i`` holds ``splits[i-1] <= x < splits[i]`` (``np.digitize``
with ``right=False``).

The artefact is JSON (``to_json``/``from_json``), version ``bayfin-scorecard/v1``; floats are
written by ``json.dumps`` (shortest repr, so byte-stable), keys sorted.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayfin.scoring.engine import points as pts

FORMAT_VERSION = "bayfin-scorecard/v1"
NUMERIC = "numeric"
CATEGORICAL = "categorical"
# optbinning's monotonic trends (for the default rate); "auto_asc_desc" unless told.
TRENDS = ("auto", "auto_heuristic", "auto_asc_desc", "ascending", "descending", "concave", "convex",
          "peak", "valley", "peak_heuristic", "valley_heuristic")
DEFAULT_TREND = "auto_asc_desc"
REGULARISATION_C = 1e6
# Points stored in an artefact must agree with its weights to this many points.
_POINTS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Characteristic:
    """One feature's bins, their WOE and points.

    Numeric: ``splits`` (increasing), ``len(woe) == len(splits) + 1``. Categorical:
    ``categories`` (one tuple of categories per bin), ``len(woe) == len(categories)``.
    ``missing_woe``/``missing_points``: the missing bin (NaN, unseen categories).
    """

    name: str
    kind: str
    coefficient: float
    woe: tuple[float, ...]
    points: tuple[float, ...]
    missing_woe: float
    missing_points: float
    splits: tuple[float, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    trend: str = ""

    @property
    def best_points(self) -> float:
        return max(self.points)

    @property
    def n_bins(self) -> int:
        return len(self.woe)

    def labels(self) -> list[str]:
        """A readable label per bin (for the model card)."""
        if self.kind == CATEGORICAL:
            return [", ".join(cats) for cats in self.categories]
        edges = [-math.inf, *self.splits, math.inf]
        return [f"[{lo:g}, {hi:g})" for lo, hi in zip(edges, edges[1:], strict=False)]


@dataclass(frozen=True)
class Scorecard:
    characteristics: tuple[Characteristic, ...]
    intercept: float
    scaling: pts.Scaling = pts.BAYFIN_SCALING
    training: dict[str, Any] = field(default_factory=dict)  # rows, defaults: for the card

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.characteristics)

    @property
    def coefficients(self) -> dict[str, float]:
        return {c.name: c.coefficient for c in self.characteristics}

    @property
    def best_points(self) -> dict[str, float]:
        return {c.name: c.best_points for c in self.characteristics}

    def characteristic(self, name: str) -> Characteristic:
        for c in self.characteristics:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> str:
        doc = {
            "version": FORMAT_VERSION,
            "features": list(self.features),
            "intercept": self.intercept,
            "scaling": {"base_points": self.scaling.base_points, "base_odds": self.scaling.base_odds,
                        "pdo": self.scaling.pdo},
            "training": self.training,
            "characteristics": {c.name: _characteristic_doc(c) for c in self.characteristics},
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        return from_json(text)


@dataclass(frozen=True)
class Explanation:
    """One applicant's points per characteristic, total, PD and reasons (most costly first)."""

    points: dict[str, float]
    total_points: float
    pd: float
    reasons: list[pts.Reason]


# ---------------------------------------------------------------------------------------------
# Training


def train_scorecard(columns: Mapping[str, Sequence], target: Sequence[int], *, features: Sequence[str],
                    categorical: Collection[str], monotonic: Mapping[str, str] | None = None,
                    seed: int = 0, scaling: pts.Scaling = pts.BAYFIN_SCALING) -> Scorecard:
    """Bin, weigh and scale a scorecard on ``columns`` (equal-length sequences) and ``target``
    (1 = default). ``categorical`` names the features binned as categories; ``monotonic`` the
    default-rate trend of numeric features (optbinning's names)."""
    from optbinning import OptimalBinning
    from sklearn.linear_model import LogisticRegression

    monotonic = dict(monotonic or {})
    y = _check_training_input(columns, target, features, categorical, monotonic)
    n = len(y)
    woe_matrix = np.empty((n, len(features)), dtype=float)
    fitted: list[dict[str, Any]] = []
    for j, name in enumerate(features):
        is_cat = name in categorical
        if is_cat:
            x = np.asarray([str(v) for v in columns[name]], dtype=object)
            trend = ""
            binning = OptimalBinning(name=name, dtype="categorical", solver="cp")
        else:
            x = np.asarray(columns[name], dtype=float)
            trend = monotonic.get(name, DEFAULT_TREND)
            binning = OptimalBinning(name=name, dtype="numerical", solver="cp", monotonic_trend=trend)
        binning.fit(x, y)
        if binning.status not in ("OPTIMAL", "FEASIBLE"):
            raise RuntimeError(f"optbinning found no binning for {name!r}: {binning.status}")
        with warnings.catch_warnings():  # optbinning's table trips a pandas deprecation warning
            warnings.simplefilter("ignore", DeprecationWarning)
            table = binning.binning_table.build()
        woe_all = [float(w) for w in table["WoE"].iloc[:-1]]  # the last row is the totals
        bin_woe, missing_woe = woe_all[:-2], woe_all[-1]  # ..., Special, Missing
        if is_cat:
            cats = tuple(tuple(sorted(str(c) for c in group)) for group in binning.splits)
            spec: dict[str, Any] = {"categories": cats}
            if len(cats) != len(bin_woe):
                raise RuntimeError(f"optbinning returned {len(cats)} category groups and {len(bin_woe)} bins")
        else:
            splits = tuple(float(s) for s in binning.splits)
            spec = {"splits": splits}
            if len(splits) + 1 != len(bin_woe):
                raise RuntimeError(f"optbinning returned {len(splits)} splits and {len(bin_woe)} bins")
        fitted.append({"name": name, "kind": CATEGORICAL if is_cat else NUMERIC, "woe": tuple(bin_woe),
                       "missing_woe": missing_woe, "trend": trend, **spec})
        woe_matrix[:, j] = _bin_woe(fitted[-1], x)

    model = LogisticRegression(C=REGULARISATION_C, solver="lbfgs", max_iter=1000, random_state=seed)
    model.fit(woe_matrix, y)
    intercept = float(model.intercept_[0])
    betas = [float(b) for b in model.coef_[0]]
    k = len(features)

    def points_of_woe(w: float, beta: float) -> float:
        return pts.characteristic_points(w, beta, intercept, k, scaling)

    chars = tuple(
        Characteristic(
            name=f["name"], kind=f["kind"], coefficient=beta, woe=f["woe"],
            points=tuple(points_of_woe(w, beta) for w in f["woe"]), missing_woe=f["missing_woe"],
            missing_points=points_of_woe(f["missing_woe"], beta), splits=f.get("splits", ()),
            categories=f.get("categories", ()), trend=f["trend"])
        for f, beta in zip(fitted, betas, strict=True))
    return Scorecard(chars, intercept, scaling, {"rows": n, "defaults": int(y.sum())})


def _check_training_input(columns: Mapping[str, Sequence], target: Sequence[int], features: Sequence[str],
                          categorical: Collection[str], monotonic: Mapping[str, str]) -> np.ndarray:
    if not features:
        raise ValueError("a scorecard needs at least one feature")
    if len(set(features)) != len(features):
        raise ValueError(f"features named twice: {sorted({f for f in features if list(features).count(f) > 1})}")
    missing = [f for f in features if f not in columns]
    if missing:
        raise ValueError(f"no column for features {missing}")
    stray = sorted(set(categorical) - set(features))
    if stray:
        raise ValueError(f"categorical names features not in the scorecard: {stray}")
    for name, trend in monotonic.items():
        if name not in features or name in categorical:
            raise ValueError(f"a monotonic trend is for numeric features of the scorecard, not {name!r}")
        if trend not in TRENDS:
            raise ValueError(f"unknown monotonic trend {trend!r} for {name!r} (one of {TRENDS})")
    y = np.asarray(target, dtype=int)
    if y.ndim != 1 or not np.isin(y, (0, 1)).all():
        raise ValueError("the target must be a sequence of 0 (repaid) and 1 (defaulted)")
    if y.min(initial=1) == y.max(initial=0) or len(y) == 0:
        raise ValueError("the target needs both defaults and repaid loans")
    for f in features:
        if len(columns[f]) != len(y):
            raise ValueError(f"column {f!r} has {len(columns[f])} values, the target {len(y)}")
    return y


# ---------------------------------------------------------------------------------------------
# Scoring (numpy only)


def _bin_index(c: Characteristic | Mapping[str, Any], values: Any) -> np.ndarray:
    """The bin of each value, ``-1`` for the missing bin (NaN, unseen category). Vectorised."""
    kind = c.kind if isinstance(c, Characteristic) else c["kind"]
    if kind == NUMERIC:
        splits = c.splits if isinstance(c, Characteristic) else c["splits"]
        x = np.asarray(values, dtype=float)
        idx = np.digitize(x, np.asarray(splits, dtype=float), right=False)
        return np.where(np.isnan(x), -1, idx)
    categories = c.categories if isinstance(c, Characteristic) else c["categories"]
    lookup = {cat: i for i, group in enumerate(categories) for cat in group}
    # One dict look-up per distinct value, not per row.
    uniques, inverse = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    mapped = np.array([lookup.get(str(u), -1) for u in uniques], dtype=np.intp)
    return mapped[inverse.reshape(-1)]


def _bin_woe(spec: Mapping[str, Any], values: Any) -> np.ndarray:
    table = np.append(np.asarray(spec["woe"], dtype=float), spec["missing_woe"])
    return table[_bin_index(spec, values)]  # index -1 is the missing bin, the last entry


def _column(columns: Mapping[str, Any], name: str) -> Any:
    try:
        return columns[name]
    except KeyError:
        raise ValueError(f"no column for the scorecard's feature {name!r}") from None


def _length(columns: Mapping[str, Any], sc: Scorecard) -> int:
    lengths = {name: len(_column(columns, name)) for name in sc.features}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"the feature columns differ in length: {lengths}")
    return next(iter(lengths.values()))


def characteristic_points_of(sc: Scorecard, columns: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Each characteristic's points for each row (vectorised)."""
    _length(columns, sc)
    out = {}
    for c in sc.characteristics:
        table = np.append(np.asarray(c.points, dtype=float), c.missing_points)
        out[c.name] = table[_bin_index(c, _column(columns, c.name))]
    return out


def points_of(sc: Scorecard, columns: Mapping[str, Any]) -> np.ndarray:
    """The total points of each row (vectorised)."""
    n = _length(columns, sc)
    total = np.zeros(n, dtype=float)
    for values in characteristic_points_of(sc, columns).values():
        total += values
    return total


def log_odds_of_default(sc: Scorecard, columns: Mapping[str, Any]) -> np.ndarray:
    """``intercept + Σ βᵢ·WOEᵢ`` for each row (vectorised)."""
    n = _length(columns, sc)
    z = np.full(n, sc.intercept, dtype=float)
    for c in sc.characteristics:
        table = np.append(np.asarray(c.woe, dtype=float), c.missing_woe)
        z += c.coefficient * table[_bin_index(c, _column(columns, c.name))]
    return z


def score(sc: Scorecard, columns: Mapping[str, Any]) -> np.ndarray:
    """The probability of default of each row (vectorised, no reasons)."""
    z = log_odds_of_default(sc, columns)
    # A numerically stable logistic: exp of a non-positive number only.
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + ez), ez / (1.0 + ez))


def explain(sc: Scorecard, row: Mapping[str, Any], top: int = 4) -> Explanation:
    """One applicant's points per characteristic and the reasons: the characteristics that
    cost the most points against their best bin (``points.reasons``)."""
    per = characteristic_points_of(sc, {name: [_column(row, name)] for name in sc.features})
    char_points = {name: float(values[0]) for name, values in per.items()}
    total = math.fsum(char_points.values())
    pd_ = float(score(sc, {name: [_column(row, name)] for name in sc.features})[0])
    return Explanation(char_points, total, pd_, pts.reasons(char_points, sc.best_points, top=top))


# ---------------------------------------------------------------------------------------------
# The JSON artefact


def _characteristic_doc(c: Characteristic) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": c.kind, "coefficient": c.coefficient, "woe": list(c.woe),
                           "points": list(c.points), "missing_woe": c.missing_woe,
                           "missing_points": c.missing_points, "best_points": c.best_points,
                           "trend": c.trend}
    if c.kind == NUMERIC:
        doc["splits"] = list(c.splits)
    else:
        doc["categories"] = [list(group) for group in c.categories]
    return doc


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _numbers(value: Any, what: str) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list of numbers")
    return tuple(_number(v, what) for v in value)


def from_json(text: str) -> Scorecard:
    """Read a scorecard artefact; ValueError naming what is wrong with it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a scorecard artefact: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError("not a scorecard artefact: not a JSON object")
    version = doc.get("version")
    if version != FORMAT_VERSION:
        raise ValueError(f"not a scorecard artefact: version is {version!r}, expected {FORMAT_VERSION!r}")
    for key in ("features", "intercept", "scaling", "characteristics"):
        if key not in doc:
            raise ValueError(f"scorecard artefact has no {key!r}")
    features, chars_doc = doc["features"], doc["characteristics"]
    if not isinstance(features, list) or not features or not all(isinstance(f, str) for f in features):
        raise ValueError("scorecard artefact: 'features' must be a non-empty list of names")
    if not isinstance(chars_doc, dict):
        raise ValueError("scorecard artefact: 'characteristics' must be an object")
    missing = [f for f in features if f not in chars_doc]
    if missing:
        raise ValueError(f"scorecard artefact has no characteristic for features {missing}")
    extra = sorted(set(chars_doc) - set(features))
    if extra:
        raise ValueError(f"scorecard artefact has characteristics that are not features: {extra}")
    intercept = _number(doc["intercept"], "intercept")
    sdoc = doc["scaling"]
    if not isinstance(sdoc, dict):
        raise ValueError("scorecard artefact: 'scaling' must be an object")
    try:
        scaling = pts.Scaling(*(_number(sdoc[k], f"scaling.{k}") for k in ("base_points", "base_odds", "pdo")))
    except KeyError as exc:
        raise ValueError(f"scorecard artefact: scaling has no {exc.args[0]!r}") from None
    chars = tuple(_read_characteristic(name, chars_doc[name], intercept, len(features), scaling)
                  for name in features)
    training = doc.get("training", {})
    return Scorecard(chars, intercept, scaling, training if isinstance(training, dict) else {})


def _read_characteristic(name: str, d: Any, intercept: float, n: int, scaling: pts.Scaling) -> Characteristic:
    if not isinstance(d, dict):
        raise ValueError(f"characteristic {name!r} must be an object")
    try:
        kind = d["kind"]
        beta = _number(d["coefficient"], f"{name}.coefficient")
        woe = _numbers(d["woe"], f"{name}.woe")
        points = _numbers(d["points"], f"{name}.points")
        missing_woe = _number(d["missing_woe"], f"{name}.missing_woe")
        missing_points = _number(d["missing_points"], f"{name}.missing_points")
    except KeyError as exc:
        raise ValueError(f"characteristic {name!r} has no {exc.args[0]!r}") from None
    if not woe or len(points) != len(woe):
        raise ValueError(f"characteristic {name!r}: {len(woe)} WOE values and {len(points)} points")
    splits: tuple[float, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    if kind == NUMERIC:
        splits = _numbers(d.get("splits"), f"{name}.splits")
        if len(splits) + 1 != len(woe):
            raise ValueError(f"characteristic {name!r}: {len(splits)} splits for {len(woe)} bins")
        if any(a >= b for a, b in zip(splits, splits[1:], strict=False)):
            raise ValueError(f"characteristic {name!r}: splits are not increasing")
    elif kind == CATEGORICAL:
        groups = d.get("categories")
        if not isinstance(groups, list) or not all(
                isinstance(g, list) and all(isinstance(c, str) for c in g) for g in groups):
            raise ValueError(f"characteristic {name!r}: categories must be lists of strings")
        categories = tuple(tuple(g) for g in groups)
        if len(categories) != len(woe):
            raise ValueError(f"characteristic {name!r}: {len(categories)} category groups for {len(woe)} bins")
        flat = [c for g in categories for c in g]
        if len(flat) != len(set(flat)):
            raise ValueError(f"characteristic {name!r}: a category is in two bins")
    else:
        raise ValueError(f"characteristic {name!r}: unknown kind {kind!r}")
    for w, p in zip((*woe, missing_woe), (*points, missing_points), strict=True):
        if abs(pts.characteristic_points(w, beta, intercept, n, scaling) - p) > _POINTS_TOLERANCE:
            raise ValueError(f"characteristic {name!r}: its points do not match its WOE and coefficient")
    trend = d.get("trend", "")
    return Characteristic(name, kind, beta, woe, points, missing_woe, missing_points, splits, categories,
                          trend if isinstance(trend, str) else "")
