"""Register the builtin model versions committed in bayfin/scoring/artefacts/, so a fresh
``migrate`` can score. A copy of ``registry.sync_builtin`` (migrations must not import app code
that may change): the SHA-256 comes from each meta file, and ``registry.load`` checks every file
against it; the builtin scorecard becomes the champion when none is."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts"
CARDS = Path(__file__).resolve().parents[3] / "docs" / "models"


def register(apps, schema_editor):
    ModelVersion = apps.get_model("scoring", "ModelVersion")
    if not ARTEFACTS.is_dir():
        return
    known = set(ModelVersion.objects.values_list("name", flat=True))
    for meta_path in sorted(ARTEFACTS.glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["name"] in known:
            continue
        card = next((c for c in (ARTEFACTS / f"{meta['name']}.card.md", CARDS / f"{meta['name']}.md")
                     if c.is_file()), ARTEFACTS / "none")
        ModelVersion.objects.create(
            name=meta["name"], kind=meta["kind"], source="builtin", artefact=meta["artefact"],
            sha256=meta["sha256"], features=list(meta.get("features", [])),
            training_data=dict(meta.get("training_data", {})), metrics=dict(meta.get("metrics", {})),
            card=card.read_text(encoding="utf-8") if card.is_file() else "",
            trained_by_name=meta.get("trained_by") or "BayFin maintainers",
        )
    if not ModelVersion.objects.filter(is_champion=True).exists():
        first = (ModelVersion.objects.filter(source="builtin", kind="scorecard")
                 .order_by("-created_at", "-pk").first())
        if first is not None:
            first.is_champion, first.promoted_at = True, timezone.now()
            first.save(update_fields=["is_champion", "promoted_at"])


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
