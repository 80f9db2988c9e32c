"""``manage.py scoring <train|evaluate|promote|score-all|sync-builtin>`` (also ``bayfin scoring ...``).

- ``train``: fit a scorecard, a challenger or both by the production recipe on the SBA file
  (``--sba PATH``, default: where ``make sba-data`` put it), on the platform's own outcomes
  (``--platform-outcomes``: deals repaid or defaulted, mapped as on the disbursal day), or both;
  ``--no-sba --platform-outcomes`` trains on the platform alone and is refused, naming the
  counts, while there are too few outcomes. Writes ``<name>-<kind>.json``, ``.meta.json`` and
  ``.card.md`` to ``--out`` (default ``BAYFIN_MODEL_DIR``; ``--cards DIR`` puts the card in DIR
  as ``<name>.md``, as ``make model`` does for the shipped versions); ``--register`` registers each
  version (its file's SHA-256 checked). With the SBA file the recipe is validated out of time
  first (``--no-validate`` skips it; the card then says there is no validation).
- ``evaluate``: the recipe's out-of-time validation on the SBA file, printed and optionally
  written as JSON.
- ``promote NAME``: make a registered version the champion (its file is checked first);
  everything is rescored by it.
- ``score-all``: rescore every enterprise and open request now.
- ``sync-builtin``: register the builtin versions committed in ``bayfin/scoring/artefacts/``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bayfin.common.errors import DomainError
from bayfin.scoring import mapping, registry, services
from bayfin.scoring.engine import sba, training
from bayfin.scoring.models import ModelSource


class Command(BaseCommand):
    help = "Credit models: train, evaluate, promote, score-all, sync-builtin."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train model versions by the production recipe")
        train.add_argument("--kind", choices=("scorecard", "challenger", "both"), default="both")
        source = train.add_mutually_exclusive_group()
        source.add_argument("--sba", type=Path, help="the SBA 7(a) CSV (default: make sba-data's copy)")
        source.add_argument("--no-sba", action="store_true", help="do not use the SBA file")
        train.add_argument("--platform-outcomes", action="store_true",
                           help="add the platform's repaid and defaulted deals to the training rows")
        train.add_argument("--name", required=True, help="version name prefix; each version is NAME-KIND")
        train.add_argument("--out", type=Path, help="where to write the files (default: BAYFIN_MODEL_DIR)")
        train.add_argument("--cards", type=Path,
                           help="write each card as <name>.md here (the shipped versions': docs/models) "
                                "instead of <name>.card.md beside the artefact")
        train.add_argument("--created-on", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        train.add_argument("--trained-by", default="bayfin scoring train")
        train.add_argument("--register", action="store_true", help="register each version trained")
        train.add_argument("--no-validate", action="store_true", help="skip the out-of-time validation")
        train.add_argument("--folds", type=int, default=5, help="cross-validation folds in the validation")
        train.add_argument("--rows-limit", type=int, help="subsample the validation to this many rows")
        evaluate = sub.add_parser("evaluate", help="validate the recipe out of time on the SBA file")
        evaluate.add_argument("--sba", type=Path)
        evaluate.add_argument("--rows-limit", type=int)
        evaluate.add_argument("--folds", type=int, default=5)
        evaluate.add_argument("--json", type=Path, help="write the report here")
        promote = sub.add_parser("promote", help="make a registered version the champion")
        promote.add_argument("name")
        score_all = sub.add_parser("score-all", help="rescore every enterprise and open request now")
        score_all.add_argument("--chunk-size", type=int, default=2000)
        sub.add_parser("sync-builtin", help="register the builtin model versions")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except registry.ModelUnavailable as exc:
            raise CommandError(f"refused: {exc}") from exc
        except DomainError as exc:
            raise CommandError(f"refused: {exc.message}") from exc
        except sba.SbaFileError as exc:
            raise CommandError(str(exc)) from exc

    # ----------------------------------------------------------------------- train

    def _sba(self, path: Path | None) -> sba.SbaData:
        try:
            csv = path or sba.csv_path()
        except Exception as exc:  # PackageNotFoundError: make sba-data was not run
            raise CommandError("no SBA file: run `make sba-data` or pass --sba PATH (or --no-sba)") from exc
        if not Path(csv).is_file():
            raise CommandError(f"no SBA file at {csv}")
        self.stdout.write(f"Reading {csv} ...")
        return sba.read(Path(csv))

    def do_train(self, options: dict[str, Any]) -> None:
        if options["no_sba"] and not options["platform_outcomes"]:
            raise CommandError("--no-sba needs --platform-outcomes: there would be nothing to train on")
        data = None if options["no_sba"] else self._sba(options["sba"])
        platform = None
        if options["platform_outcomes"]:
            outcomes = mapping.platform_outcomes()
            platform = training.platform_rows(outcomes.rows, outcomes.defaults)
            self.stdout.write(f"Platform outcomes: {len(platform)} deals ({sum(outcomes.defaults)} defaulted); "
                              f"{len(outcomes.skipped)} left out for missing data.")
        report = None
        if data is not None and not options["no_validate"]:
            self.stdout.write("Validating the recipe out of time ...")
            try:
                report = training.validate(data, folds=options["folds"], rows_limit=options["rows_limit"])
            except ValueError as exc:
                raise CommandError(f"refused: the validation could not run: {exc} (--no-validate skips it)") from exc
        out = options["out"] or Path(settings.BAYFIN_MODEL_DIR)
        out.mkdir(parents=True, exist_ok=True)
        created_on = (options["created_on"] or timezone.localdate()).isoformat()
        kinds = training.KINDS if options["kind"] == "both" else (options["kind"],)
        for kind in kinds:
            name = f"{options['name']}-{kind}"
            try:
                built = training.build(kind, name=name, data=data, platform=platform, report=report,
                                       created_on=created_on, trained_by=options["trained_by"])
            except ValueError as exc:
                raise CommandError(f"refused: {exc}") from exc
            meta, card_text = built.meta, built.card_text
            artefact = out / built.artefact_file
            artefact.write_text(built.artefact_text, encoding="utf-8")
            (out / f"{name}{registry.META_SUFFIX}").write_text(training.dumps(meta), encoding="utf-8")
            if options["cards"]:
                options["cards"].mkdir(parents=True, exist_ok=True)
                (options["cards"] / built.card_file).write_text(card_text, encoding="utf-8")
            else:
                (out / f"{name}.card.md").write_text(card_text, encoding="utf-8")
            td = meta["training_data"]
            self.stdout.write(f"Wrote {artefact} (SHA-256 {meta['sha256']}): {td['rows']} rows, "
                              f"{td['defaults']} defaulted.")
            if options["register"]:
                version = services.model_register(actor=None, meta=meta, artefact_file=artefact, card=card_text,
                                                  source=ModelSource.TRAINED)
                self.stdout.write(f"Registered {version.name} (not the champion: `bayfin scoring promote "
                                  f"{version.name}` makes it one).")

    # ----------------------------------------------------------------------- the rest

    def do_evaluate(self, options: dict[str, Any]) -> None:
        data = self._sba(options["sba"])
        report = training.validate(data, folds=options["folds"], rows_limit=options["rows_limit"])
        for model, figures in report["models"].items():
            oot = figures.get("oot") or {}
            self.stdout.write(f"{model}: out-of-time AUC {oot.get('auc')}, KS {oot.get('ks')}, "
                              f"Brier {oot.get('brier')}")
        if options["json"]:
            options["json"].write_text(training.dumps(json.loads(json.dumps(report, default=str))),
                                       encoding="utf-8")
            self.stdout.write(f"Wrote {options['json']}")

    def do_promote(self, options: dict[str, Any]) -> None:
        version = services.model_promote_by_name(name=options["name"])
        self.stdout.write(f"{version.name} is the champion; every enterprise and open request is being rescored.")

    def do_score_all(self, options: dict[str, Any]) -> None:
        written = services.score_all(trigger="manual", chunk_size=options["chunk_size"])
        self.stdout.write(f"Scored everyone with {registry.champion().name}: {written} scores changed.")

    def do_sync_builtin(self, options: dict[str, Any]) -> None:
        created = services.model_sync_builtin()
        names = ", ".join(v.name for v in created) or "none (all registered already)"
        self.stdout.write(f"Registered builtin versions: {names}. Champion: {registry.champion().name}.")
