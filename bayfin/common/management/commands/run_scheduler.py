"""The embedded scheduler: runs each due job in a loop (``make run`` starts it)."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from bayfin.common.scheduling import JOBS, run_job

log = logging.getLogger("bayfin.scheduler")


class Command(BaseCommand):
    help = "Run the platform's clock-driven jobs in a loop (embedded mode)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="Run every job once and exit")
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between checks")

    def handle(self, *args, once: bool = False, tick: float = 5.0, **options):  # type: ignore[no-untyped-def]
        last_run: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for job in JOBS:
                if once or now - last_run.get(job.name, -job.every_seconds) >= job.every_seconds:
                    try:
                        result = run_job(job)
                        log.info("job %s done: %s", job.name, result)
                    except Exception:  # a failing job must not stop the others
                        log.exception("job %s failed", job.name)
                    last_run[job.name] = now
            if once:
                return
            time.sleep(tick)
