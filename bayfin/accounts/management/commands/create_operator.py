"""Create a platform operator: ``manage.py create_operator --email ... --password ...``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bayfin.accounts.services import operator_create
from bayfin.common.errors import DomainError


class Command(BaseCommand):
    help = "Create an operator (a member of BayFin Operations with admin access)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = operator_create(email=options["email"], password=options["password"],
                                   name=options["name"])
        except DomainError as exc:
            details = "; ".join(f"{field}: {' '.join(str(m) for m in msgs)}"
                                for field, msgs in exc.fields.items())
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"Operator {user.email} created."))
