"""``manage.py ledger <init|integrate|checkpoint|audit|keys>`` (also ``bayfin ledger ...``).

- ``init``: create the log's signing key (and, with ``--witness``, the witness key) in the
  files the settings name; an existing key is kept. ``make run`` calls it when there is none.
- ``integrate``: append every pending entry to the tree, then sign a checkpoint if due
  (``--checkpoint`` signs one now).
- ``checkpoint``: sign a checkpoint of the current tree now.
- ``audit``: recompute the tree from the stored entries and compare it with every signed
  checkpoint and stored hash; exits 1 naming each problem.
- ``keys``: print the verifier keys (what a verifier trusts).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bayfin.ledger import keys, services


class Command(BaseCommand):
    help = "The verifiable ledger: init, integrate, checkpoint, audit, keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the signing key (and the witness key) if missing")
        init.add_argument("--witness", action="store_true", help="also create the witness key")
        integrate = sub.add_parser("integrate", help="append pending entries; sign a checkpoint if due")
        integrate.add_argument("--checkpoint", action="store_true", help="sign a checkpoint now")
        sub.add_parser("checkpoint", help="sign a checkpoint of the current tree now")
        sub.add_parser("audit", help="recompute the tree and check every checkpoint")
        sub.add_parser("keys", help="print the verifier keys")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except keys.LedgerKeyMissing as exc:
            raise CommandError(str(exc)) from exc
        except services.LedgerCorrupt as exc:
            raise CommandError(f"refused: {exc}") from exc

    def do_init(self, options: dict[str, Any]) -> None:
        made = keys.init_log_key()
        self.stdout.write(("Created" if made.created else "Kept the existing") + f" signing key {made.path}")
        self.stdout.write(f"Verifier key: {made.verifier_key}")
        if options["witness"]:
            witness = keys.init_witness_key(settings.BAYFIN_LEDGER_WITNESS_NAME)
            if witness is None:
                self.stdout.write("No witness key file is configured (BAYFIN_LEDGER_WITNESS_KEY_FILE).")
            else:
                self.stdout.write(("Created" if witness.created else "Kept the existing")
                                  + f" witness key {witness.path}")
                self.stdout.write(f"Witness verifier key: {witness.verifier_key}")

    def do_integrate(self, options: dict[str, Any]) -> None:
        done = services.integrate()
        self.stdout.write(f"Integrated {done} entries; the log holds {services.tree_size()}.")
        checkpoint = services.checkpoint_if_due(force=options["checkpoint"])
        if checkpoint is not None:
            self.stdout.write(f"Signed the checkpoint at size {checkpoint.size}"
                              + (" (cosigned)" if checkpoint.cosigned else "") + ".")

    def do_checkpoint(self, options: dict[str, Any]) -> None:
        checkpoint = services.checkpoint_if_due(force=True)
        if checkpoint is None:
            self.stdout.write("The latest checkpoint already covers the whole log.")
        else:
            self.stdout.write(f"Signed the checkpoint at size {checkpoint.size}"
                              + (" (cosigned)" if checkpoint.cosigned else "") + ".")
            self.stdout.write(checkpoint.note)

    def do_audit(self, options: dict[str, Any]) -> None:
        report = services.audit()
        if report.ok:
            self.stdout.write(f"OK: {report.entries} entries and {report.checkpoints} signed checkpoints agree.")
            return
        for problem in report.problems:
            self.stderr.write(f"PROBLEM: {problem}")
        raise CommandError(f"the audit found {len(report.problems)} problem(s)")

    def do_keys(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"Log verifier key: {keys.log_verifier_key()}")
        witness = keys.witness_verifier_key()
        self.stdout.write(f"Witness verifier key: {witness}" if witness else "No witness key.")
