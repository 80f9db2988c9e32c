"""Seed the cross-border reference data: ``manage.py fx_seed``.

Creates the seeded channels and limit parameters (``bayfin.fx.seed``) that are missing,
through ``bayfin.fx.services.reference_data_seed`` (each one audited). Idempotent: it
never changes a channel or a parameter set that exists, since operators own them once
they do. Run it once after ``migrate`` on a new deployment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bayfin.fx.models import Channel, LimitParameterSet
from bayfin.fx.services import reference_data_seed


class Command(BaseCommand):
    help = "Create the seeded cross-border channels and limit parameters that are missing (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        channels_before = set(Channel.objects.values_list("code", flat=True))
        parameters_before = set(LimitParameterSet.objects.values_list("pk", flat=True))
        result = reference_data_seed()
        if not result.channels and not result.parameter_sets:
            self.stdout.write("Nothing to create: every seeded channel and the seeded limit parameters exist "
                              "already (operators maintain them from here).")
            return
        if result.channels:
            self.stdout.write(self.style.SUCCESS(f"Created {result.channels} channel(s):"))
            for channel in Channel.objects.exclude(code__in=channels_before):
                self.stdout.write(f"  {channel.code:<28} {channel.display_name('en')}")
        if result.parameter_sets:
            for row in LimitParameterSet.objects.exclude(pk__in=parameters_before):
                self.stdout.write(self.style.SUCCESS(
                    f"Created the limit parameters in force from {row.effective_from}: leverage ratio "
                    f"{row.leverage_ratio}, macro-prudential parameter {row.adjustment_parameter}, "
                    f"facilitation quota USD {row.facilitation_quota_usd:,}."))
        kept = len(channels_before)
        if kept:
            self.stdout.write(f"{kept} channel(s) existed already and were left as they are.")
