"""``manage.py matching <batch|embed|evaluate>`` (also ``bayfin matching ...``).

- ``batch [--kind requests|enterprises|all] [--chunk-size N]``: match every request that gets
  matches and/or recommend products to every verified enterprise now (the nightly job's work), in
  chunks (Celery workers take them when there is a broker); prints each batch's figures.
- ``embed [--all]``: embed the texts that have no vector for the current model or changed since
  (``--all``: every text again); prints the counts and the rate.
- ``evaluate [SCENARIOS] ...``: the labelled scenario set (``bayfin.matching.evaluation``):
  precision@5 and nDCG@10 of the engine and the two baselines.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bayfin.matching import services
from bayfin.matching.models import BatchKind


class Command(BaseCommand):
    help = "Matching: run the batch, embed the texts, evaluate on a scenario set."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        batch = sub.add_parser("batch", help="match every open request and/or every verified enterprise now")
        batch.add_argument("--kind", choices=("requests", "enterprises", "all"), default="all")
        batch.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)
        embed = sub.add_parser("embed", help="embed the texts that changed (or every text with --all)")
        embed.add_argument("--all", action="store_true", dest="force", help="embed every text again")
        evaluate = sub.add_parser("evaluate", help="precision@5 and nDCG@10 on a labelled scenario set")
        from bayfin.matching import evaluation

        evaluation.add_arguments(evaluate)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "batch":
            self._batch(options)
        elif action == "embed":
            self._embed(options)
        else:
            from bayfin.matching import evaluation

            code = evaluation.run(options, self.stdout)
            if code:
                raise CommandError(f"evaluate failed (exit {code})", returncode=code)

    def _batch(self, options: dict[str, Any]) -> None:
        kinds = [BatchKind.REQUESTS, BatchKind.ENTERPRISES] if options["kind"] == "all" else [options["kind"]]
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1")
        for kind in kinds:
            started = time.perf_counter()
            batch = services.batch_start(kind=kind, chunk_size=options["chunk_size"])
            seconds = time.perf_counter() - started
            c = batch.concentration or {}
            self.stdout.write(
                f"{kind}: batch #{batch.pk} {batch.status}, {batch.queries:,} queries against {batch.products:,} "
                f"products in {batch.chunks_total} chunk(s), {seconds:.1f} s")
            if c:
                self.stdout.write(
                    f"  top-{c.get('top')} lists: {c.get('slots', 0):,} slots, {c.get('distinct_products', 0):,} "
                    f"distinct products; busiest 1 % hold {100 * c.get('share_top_1pct', 0):.1f} %, busiest 10 % "
                    f"{100 * c.get('share_top_10pct', 0):.1f} %; Gini {c.get('gini', 0):.3f}")

    def _embed(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        counts = services.embed_missing(force=options["force"])
        seconds = time.perf_counter() - started
        total = sum(counts.values())
        rate = f", {total / seconds:,.0f} texts/s" if total and seconds > 0 else ""
        self.stdout.write(", ".join(f"{kind}: {n:,}" for kind, n in counts.items())
                          + f" embedded in {seconds:.1f} s{rate}")
