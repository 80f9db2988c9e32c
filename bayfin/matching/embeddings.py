"""Which text of each object is embedded, and reading the stored vectors.

The product's thesis, the enterprise's business description and the request's purpose. Each is
embedded once per change of its text (``Embedding.text_sha256``) by ``services.embedding_refresh``
or ``services.embed_missing``; every match reads the stored float32 vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from .engine.embed import DIM, MODEL
from .models import Embedding, EmbeddingKind


def text_of(kind: str, obj: Any) -> str:
    if kind == EmbeddingKind.PRODUCT:
        text = obj.thesis
    elif kind == EmbeddingKind.ENTERPRISE:
        text = obj.description
    elif kind == EmbeddingKind.REQUEST:
        text = obj.purpose
    else:
        raise ValueError(f"unknown embedding kind {kind!r}")
    return (text or "").strip()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    vector = np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)
    if vector.shape != (DIM,):
        raise ValueError(f"a stored embedding has {vector.shape[0]} dimensions, not {DIM}")
    return vector


def vectors(kind: str, ids: Iterable[int]) -> dict[int, np.ndarray]:
    """The stored vectors of these objects (objects without one are absent)."""
    wanted = list({int(i) for i in ids})
    out: dict[int, np.ndarray] = {}
    for start in range(0, len(wanted), 5000):  # SQLite's limit on query parameters
        for object_id, data in (Embedding.objects.filter(kind=kind, model=MODEL,
                                                         object_id__in=wanted[start:start + 5000])
                                .values_list("object_id", "vector")):
            out[int(object_id)] = from_bytes(data)
    return out


def stored_hashes(kind: str, ids: Iterable[int]) -> dict[int, str]:
    wanted = list({int(i) for i in ids})
    out: dict[int, str] = {}
    for start in range(0, len(wanted), 5000):
        out.update({int(o): h for o, h in Embedding.objects.filter(
            kind=kind, model=MODEL, object_id__in=wanted[start:start + 5000]).values_list("object_id", "text_sha256")})
    return out
