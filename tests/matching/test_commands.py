"""`bayfin matching batch|embed|evaluate`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bayfin.matching.models import BatchStatus, Embedding, EmbeddingKind, MatchBatch

from .support import listed, product, recommended, request

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("matching", *args, stdout=out)
    return out.getvalue()


def test_batch_runs_both_kinds_and_prints_the_concentration(channels: Any, rates: Any) -> None:
    fits = product()
    req = request()
    out = run("batch")
    assert "requests: batch #" in out and "enterprises: batch #" in out
    assert "busiest 1 % hold 100.0 %" in out
    assert listed(req) == [fits.pk] and recommended(req.enterprise) == [fits.pk]
    assert set(MatchBatch.objects.values_list("status", flat=True)) == {BatchStatus.DONE}


def test_batch_of_one_kind_in_small_chunks(channels: Any, rates: Any) -> None:
    product()
    request(), request()
    out = run("batch", "--kind", "requests", "--chunk-size", "1")
    assert "2 queries" in out and "in 2 chunk(s)" in out
    assert MatchBatch.objects.get().chunks_done == 2


def test_batch_refuses_a_chunk_size_below_one() -> None:
    with pytest.raises(CommandError):
        run("batch", "--chunk-size", "0")


def test_embed_embeds_what_changed_and_all_again_on_request(embedder: Any) -> None:
    product(thesis="Chip loans.")
    request()
    out = run("embed")
    assert "product: 1, enterprise: 1, request: 1 embedded" in out
    assert "product: 0, enterprise: 0, request: 0 embedded" in run("embed")
    assert "product: 1, enterprise: 1, request: 1 embedded" in run("embed", "--all")
    assert Embedding.objects.filter(kind=EmbeddingKind.PRODUCT).count() == 1
    assert len(embedder.texts) == 6


def test_evaluate_delegates_to_the_evaluation_module(monkeypatch: Any) -> None:
    from bayfin.matching import evaluation

    seen: dict[str, Any] = {}

    def fake_run(options: Any, stdout: Any) -> int:
        seen.update(options)
        stdout.write("table\n")
        return 0

    monkeypatch.setattr(evaluation, "run", fake_run)
    assert run("evaluate", "scenarios.json", "--json") == "table\n"
    assert seen["scenarios"] == "scenarios.json" and seen["json_output"] is True


def test_evaluate_fails_with_the_module_exit_code(monkeypatch: Any) -> None:
    from bayfin.matching import evaluation

    monkeypatch.setattr(evaluation, "run", lambda options, stdout: 2)
    with pytest.raises(CommandError) as exc:
        run("evaluate", "missing.json")
    assert exc.value.returncode == 2
