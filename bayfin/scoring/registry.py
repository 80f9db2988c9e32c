"""The model registry: which versions exist, which one is the champion, and loading one safely.

Every load reads the artefact's bytes and checks their SHA-256 against the registry before
parsing: a file edited, truncated or swapped behind the registry's back is refused
(``ModelUnavailable``) rather than scoring with a model nobody validated. Loaded models are
cached per process by ``(version id, sha256)``; the cache is re-checked against the file's
modification time and size, so a file changed after a load is caught on the next load.

Builtin versions are committed in ``bayfin/scoring/artefacts/`` (``<name>.json`` and
``<name>.meta.json``); trained ones are written to ``settings.BAYFIN_MODEL_DIR``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from .engine import challenger as challenger_engine
from .engine import scorecard as scorecard_engine
from .engine import training
from .models import ModelKind, ModelSource, ModelVersion

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"
# The builtin versions' model cards (Markdown, published with the docs).
CARDS_DIR = Path(__file__).resolve().parents[2] / "docs" / "models"
BUILTIN_TRAINER = "BayFin maintainers"
META_SUFFIX = ".meta.json"


class ModelUnavailable(Exception):
    """A model version cannot be used; the message names the version and why."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"model version {name!r} is unavailable: {reason}")


@dataclass(frozen=True)
class Explained:
    pd: float
    points: float | None  # scorecard only
    reasons: list[tuple[str, float]]  # (feature, impact): points lost, or log-odds pushed up


@dataclass(frozen=True)
class LoadedModel:
    version_id: int
    name: str
    kind: str
    model: Any  # scorecard.Scorecard | challenger.Challenger

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.model.features)

    def score(self, columns: dict[str, Any]) -> np.ndarray:
        """Vectorised PDs of many applicants (model columns)."""
        if self.kind == ModelKind.SCORECARD:
            return scorecard_engine.score(self.model, columns)
        return challenger_engine.score(self.model, columns)

    def points(self, columns: dict[str, Any]) -> np.ndarray | None:
        """Vectorised scorecard points; None for a challenger."""
        if self.kind == ModelKind.SCORECARD:
            return scorecard_engine.points_of(self.model, columns)
        return None

    def explain(self, inputs: dict[str, Any], top: int = 4) -> Explained:
        if self.kind == ModelKind.SCORECARD:
            e = scorecard_engine.explain(self.model, inputs, top=top)
            return Explained(e.pd, e.total_points, [(r.characteristic, float(r.points_lost)) for r in e.reasons])
        pd_ = float(challenger_engine.score(self.model, {name: [inputs[name]] for name in self.features})[0])
        return Explained(pd_, None, challenger_engine.explain(self.model, inputs, top=top))


def artefact_path(v: ModelVersion) -> Path:
    if v.source == ModelSource.BUILTIN:
        return ARTEFACTS_DIR / v.artefact
    return Path(settings.BAYFIN_MODEL_DIR) / v.artefact


def get(name: str) -> ModelVersion:
    v = ModelVersion.objects.filter(name=name).first()
    if v is None:
        raise ModelUnavailable(name, "unknown model version (not in the registry)")
    return v


def champion() -> ModelVersion:
    v = ModelVersion.objects.filter(is_champion=True).first()
    if v is None:
        raise ModelUnavailable("champion", "no model version is the champion (run `bayfin scoring sync-builtin`)")
    return v


_cache: dict[tuple[int, str], tuple[tuple[int, int], LoadedModel]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(v: ModelVersion) -> LoadedModel:
    """The version's model, its file checked against the registry's SHA-256."""
    path = artefact_path(v)
    try:
        stat = path.stat()
    except OSError:
        raise ModelUnavailable(v.name, f"the artefact file {v.artefact} is missing") from None
    key, stamp = (v.pk, v.sha256), (stat.st_mtime_ns, stat.st_size)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    data = path.read_bytes()
    actual = sha256_bytes(data)
    if actual != v.sha256:
        raise ModelUnavailable(v.name, f"SHA-256 of the file does not match the registry "
                                       f"(file {actual[:12]}…, registry {v.sha256[:12]}…)")
    try:
        model = training.load(v.kind, data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelUnavailable(v.name, f"the artefact does not parse: {exc}") from exc
    loaded = LoadedModel(v.pk, v.name, v.kind, model)
    with _lock:
        _cache[key] = (stamp, loaded)
    return loaded


def fields_from_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The ModelVersion fields a metadata document fills in."""
    return {
        "name": meta["name"], "kind": meta["kind"], "artefact": meta["artefact"], "sha256": meta["sha256"],
        "features": list(meta.get("features", [])), "training_data": dict(meta.get("training_data", {})),
        "metrics": dict(meta.get("metrics", {})), "trained_by_name": meta.get("trained_by", ""),
    }


def builtin_metas(directory: Path | None = None) -> list[dict[str, Any]]:
    folder = directory or ARTEFACTS_DIR
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob(f"*{META_SUFFIX}"))]


def builtin_card(meta: dict[str, Any], directory: Path | None = None) -> str:
    """The committed card of a builtin version: ``<name>.card.md`` beside the artefact, else
    ``docs/models/<name>.md``; empty when neither exists."""
    for card in ((directory or ARTEFACTS_DIR) / f"{meta['name']}.card.md", CARDS_DIR / f"{meta['name']}.md"):
        if card.is_file():
            return card.read_text(encoding="utf-8")
    return ""
