"""The ``bayfin`` command installed with the package: Django's management commands under
the platform's name, so ``bayfin ledger init`` is ``python manage.py ledger init``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bayfin", *(sys.argv[1:] if argv is None else argv)])
