"""Benchmark: stream N generated enterprises into a fresh temporary SQLite database.

    .venv/bin/python benchmarks/demo_scale.py [N] [--batch 5000] [--baseline 500]

Prints our rows/second (bulk_create in batches, one transaction each) next to a
baseline measured in the same run: a small sample of the same rows inserted one by one
with ``Model.objects.create`` (autocommit, as naive code would), extrapolated per row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("enterprises", nargs="?", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--baseline", type=int, default=500, help="enterprises in the one-by-one sample")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database file")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bayfin-bench-")
    db_path = Path(tmp) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("BAYFIN_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command

    from bayfin.accounts.models import Organisation
    from bayfin.demo.generator import DemoGenerator
    from bayfin.demo.loader import _enterprise, _organisation, scale_enterprises
    from bayfin.enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    gen = DemoGenerator(2026, today=date(2026, 1, 15))

    # Baseline: the same rows, one by one (the generator's time is included in both).
    began = time.perf_counter()
    for data in gen.iter_enterprises(args.baseline, start=0, details=False):
        org = _organisation(data.organisation)
        org.save()
        Enterprise.objects.create(**{f.attname: getattr(_enterprise(data, org.pk), f.attname)
                                     for f in Enterprise._meta.concrete_fields if f.attname != "id"})
    baseline_s = time.perf_counter() - began
    baseline_rows = args.baseline * 2

    began = time.perf_counter()
    counts = scale_enterprises(gen, count=args.enterprises, start=args.baseline, batch_size=args.batch)
    ours_s = time.perf_counter() - began
    ours_rows = sum(counts.values())
    assert Organisation.objects.count() == args.baseline + args.enterprises

    base_rate = baseline_rows / baseline_s
    ours_rate = ours_rows / ours_s
    per_enterprise = ours_s / args.enterprises
    print(f"BayFin demo_scale benchmark: {args.enterprises:,} enterprises (+ their organisations), "
          f"SQLite, batch {args.batch:,}, Python {sys.version.split()[0]}")
    print(f"{'method':<44}{'rows':>12}{'seconds':>10}{'rows/s':>10}{'ratio':>8}")
    print(f"{'one by one, Model.objects.create (sample)':<44}{baseline_rows:>12,}{baseline_s:>10.2f}"
          f"{base_rate:>10,.0f}{1:>8.1f}")
    print(f"{'demo_scale: generator + bulk_create batches':<44}{ours_rows:>12,}{ours_s:>10.2f}"
          f"{ours_rate:>10,.0f}{ours_rate / base_rate:>8.1f}")
    print(f"Extrapolated to 1,000,000 enterprises: demo_scale {per_enterprise * 1e6 / 60:,.1f} min; "
          f"one by one {2e6 / base_rate / 60:,.1f} min.")
    print(f"Database file: {db_path.stat().st_size / 1e6:,.0f} MB"
          + (f" kept at {db_path}" if args.keep else " (deleted)"))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
