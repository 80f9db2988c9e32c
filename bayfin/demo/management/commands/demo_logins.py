"""Print the demo logins that exist in the database, with their role and password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from bayfin.demo.loader import DEMO_PASSWORD, demo_login_rows


class Command(BaseCommand):
    help = "Print the demo logins (email, role, organisation, password) and the URL to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_login_rows()
        if not rows:
            self.stdout.write("No demo logins in this database (run `manage.py demo_seed`).")
            return
        self.stdout.write(f"BayFin demo logins — sign in at {settings.SITE_URL.rstrip('/')}/")
        headers = ("Email", "Password", "Role", "Organisation", "Try")
        table = [headers, *[(email, DEMO_PASSWORD, role, org, notes) for email, role, org, notes in rows]]
        widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(line)
        for n, row in enumerate(table):
            self.stdout.write("| " + " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) + " |")
            if n == 0:
                self.stdout.write(line)
        self.stdout.write(line)
