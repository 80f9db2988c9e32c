"""Load the demo data set: ``manage.py demo_seed [--if-empty] [--seed N] [--enterprises N ...]``.

With ``--if-empty`` on a database that has data already (``make run`` on a later day),
nothing is loaded, but a demo rate history is carried on to today so that conversions
keep working.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bayfin.accounts.models import Organisation
from bayfin.demo.generator import Sizes
from bayfin.demo.loader import DEMO_PASSWORD, extend_demo_rates, seed_demo


class Command(BaseCommand):
    help = "Generate and load the BayFin demo data (fictional Greater Bay Area enterprises and institutions)."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Sizes()
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when any organisation exists already.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="The date the data is generated for (YYYY-MM-DD; default: today).")
        parser.add_argument("--enterprises", type=int, default=defaults.enterprises)
        parser.add_argument("--institutions", type=int, default=defaults.institutions)
        parser.add_argument("--products", type=int, default=defaults.products)
        parser.add_argument("--requests", type=int, default=defaults.requests)
        parser.add_argument("--deals", type=int, default=defaults.deals)
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data not loaded: the database already has organisations.")
                today = options["today"] or timezone.localdate()
                added = extend_demo_rates(today)
                if added:
                    self.stdout.write(f"Demo exchange rates carried on to {today}: {added:,} rates added.")
                return
            raise CommandError("The database already has organisations; use --if-empty, or start from an empty database.")
        if options["enterprises"] < 2 or options["institutions"] < 2:
            raise CommandError("At least 2 enterprises and 2 institutions (the demo logins need them).")
        sizes = Sizes(enterprises=options["enterprises"], institutions=options["institutions"],
                      products=options["products"], requests=options["requests"], deals=options["deals"])
        today = options["today"] or timezone.localdate()
        counts = seed_demo(seed=options["seed"], today=today, sizes=sizes, batch_size=options["batch"])
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (seed {options['seed']}, as of {today}):"))
        for model, n in counts.items():
            self.stdout.write(f"  {model:<24} {n:>8,}")
        self._match()
        self.stdout.write(f"Demo logins share the password {DEMO_PASSWORD!r}; see `manage.py demo_logins`.")

    def _match(self) -> None:
        """Every text embedded and the matching batch run, so the pages show matches at once
        (on a fresh platform the nightly job would otherwise be the first to make them)."""
        from bayfin.matching import services as matching

        started = time.perf_counter()
        embedded = sum(matching.embed_missing().values())
        embedding = time.perf_counter() - started
        batches = matching.match_all()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Matching: {embedded:,} texts embedded in {embedding:.1f} s; "
            + "; ".join(f"{b.kind} {b.queries:,} against {b.products:,} products" for b in batches)
            + f"; {seconds:.1f} s in all.")
