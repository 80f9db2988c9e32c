"""Stream a large generated data set into the database for benchmarks.

``manage.py demo_scale --enterprises 1000000 [--batch 5000] [--statements]``
writes enterprises with their organisations (and, with ``--statements``, their three
years of statements and beneficial owners) in batches of one transaction each.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bayfin.demo.generator import MAX_ENTERPRISES, DemoGenerator
from bayfin.demo.loader import next_scale_index, scale_enterprises


class Command(BaseCommand):
    help = "Stream N generated enterprises into the database in batches (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enterprises", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--start", type=int, default=None,
                            help="First generator index (default: after the enterprises already loaded).")
        parser.add_argument("--statements", action="store_true",
                            help="Also write three years of statements and the beneficial owners.")

    def handle(self, *args: Any, **options: Any) -> None:
        count, batch = options["enterprises"], options["batch"]
        if count < 1 or batch < 1:
            raise CommandError("--enterprises and --batch must be positive.")
        start = options["start"] if options["start"] is not None else next_scale_index()
        if start + count > MAX_ENTERPRISES:
            raise CommandError(f"At most {MAX_ENTERPRISES:,} generated enterprises.")
        gen = DemoGenerator(options["seed"], today=timezone.localdate())
        began = time.perf_counter()
        step = max(batch, count // 20)

        def progress(done: int, counts: dict[str, int]) -> None:
            if done % step < batch or done == count:
                rate = done / max(time.perf_counter() - began, 1e-9)
                self.stdout.write(f"  {done:>10,} / {count:,} enterprises  ({rate:,.0f}/s)")

        counts = scale_enterprises(gen, count=count, start=start, batch_size=batch,
                                   statements=options["statements"], progress=progress)
        elapsed = time.perf_counter() - began
        rows = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {rows:,} rows in {elapsed:,.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)))
