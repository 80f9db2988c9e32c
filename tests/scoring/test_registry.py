"""The model registry: loading checks the file's SHA-256 on every load, unknown versions and bad
files are refused naming the version and why, builtin artefacts are registered from their meta
files, and a corrupted version cannot be promoted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayfin.common.errors import PermissionDenied, ValidationFailed
from bayfin.common.models import AuditEvent
from bayfin.scoring import registry, services
from bayfin.scoring.models import ModelKind, ModelSource, ModelVersion

from .support import write_version

pytestmark = pytest.mark.django_db


def test_a_registered_version_loads_and_scores(champion):
    loaded = registry.load(champion)
    assert (loaded.name, loaded.kind) == ("test-scorecard", ModelKind.SCORECARD)
    pds = loaded.score({"naics_sector": ["33", "71"], "no_emp": [200, 2], "gross_approved": [50_000.0, 900_000.0],
                        "sba_share": [0.8, 0.0], "new_business": ["existing", "new"], "rev_line_cr": ["N", "Y"]})
    assert pds.shape == (2,) and 0 < pds[0] < pds[1] < 1
    assert registry.load(champion) is loaded  # cached by (id, sha256)


def test_champion_and_get(champion):
    assert registry.champion() == champion
    assert registry.get("test-scorecard") == champion


def test_an_unknown_version_is_refused_by_name(db):
    with pytest.raises(registry.ModelUnavailable, match=r"'nope'.*unknown model version"):
        registry.get("nope")


def test_no_champion_is_refused(db):
    ModelVersion.objects.update(is_champion=False)
    with pytest.raises(registry.ModelUnavailable, match="no model version is the champion"):
        registry.champion()


def test_a_corrupted_file_is_refused_naming_the_hash_mismatch(champion, model_dir):
    registry.load(champion)  # cached first: a change after a load is still caught
    path = registry.artefact_path(champion)
    path.write_text(path.read_text().replace('"intercept":', '"intercept": ', 1))
    with pytest.raises(registry.ModelUnavailable, match="SHA-256 of the file does not match the registry"):
        registry.load(champion)


def test_a_missing_file_is_refused(champion):
    registry.artefact_path(champion).unlink()
    with pytest.raises(registry.ModelUnavailable, match="is missing"):
        registry.load(champion)


def test_a_file_that_does_not_parse_is_refused(db, model_dir):
    model_dir.mkdir(parents=True)
    (model_dir / "bad.json").write_text("{not json")
    v = ModelVersion.objects.create(name="bad", kind="scorecard", source=ModelSource.TRAINED, artefact="bad.json",
                                    sha256=registry.sha256_bytes(b"{not json"))
    with pytest.raises(registry.ModelUnavailable, match="does not parse"):
        registry.load(v)


def test_promoting_a_corrupted_version_is_refused(challenger, champion, operator_user):
    path = registry.artefact_path(challenger)
    path.write_bytes(path.read_bytes() + b" ")
    with pytest.raises(ValidationFailed, match="SHA-256 of the file does not match") as info:
        services.model_promote(actor=operator_user, version_id=challenger.pk)
    assert "version" in info.value.fields
    assert ModelVersion.objects.get(is_champion=True) == champion


def test_promote_makes_one_champion_audits_it_and_only_operators_may(challenger, champion, operator_user,
                                                                     enterprise_user, observer_user):
    for user in (enterprise_user, observer_user):
        with pytest.raises(PermissionDenied):
            services.model_promote(actor=user, version_id=challenger.pk)
    services.model_promote(actor=operator_user, version_id=challenger.pk)
    assert list(ModelVersion.objects.filter(is_champion=True)) == [challenger]
    event = AuditEvent.objects.get(action="scoring.model_promoted")
    assert event.old == {"champion": "test-scorecard"} and event.new["champion"] == "test-challenger"


def test_register_refuses_a_file_whose_sha_differs_from_its_metadata(db, model_dir, artefacts):
    text, rows = artefacts["scorecard"]
    meta, path = write_version(model_dir, "scorecard", "tampered", text, rows)
    path.write_text(text + " ")
    with pytest.raises(ValidationFailed, match="does not match its metadata"):
        services.model_register(actor=None, meta=meta, artefact_file=path, card="", source=ModelSource.TRAINED)
    assert not ModelVersion.objects.filter(name="tampered").exists()


def test_register_copies_a_trained_file_into_the_model_dir(db, model_dir, artefacts, tmp_path):
    text, rows = artefacts["challenger"]
    meta, path = write_version(tmp_path / "elsewhere", "challenger", "ch-1", text, rows)
    v = services.model_register(actor=None, meta=meta, artefact_file=path, card="# card", source="trained")
    assert registry.artefact_path(v) == model_dir / "ch-1.json" and (model_dir / "ch-1.json").is_file()
    assert v.sha256 == meta["sha256"] and v.card == "# card" and v.trained_by_name == "tests"
    assert AuditEvent.objects.filter(action="scoring.model_registered", subject_id=str(v.pk)).exists()


def test_sync_builtin_registers_meta_files_with_their_sha_and_makes_the_scorecard_champion(db, artefacts, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setattr(registry, "ARTEFACTS_DIR", tmp_path)
    ModelVersion.objects.all().delete()
    for kind in ("scorecard", "challenger"):
        text, rows = artefacts[kind]
        meta, _ = write_version(tmp_path, kind, f"builtin-{kind}", text, rows)
        (tmp_path / f"builtin-{kind}.meta.json").write_text(json.dumps(meta))
    (tmp_path / "builtin-scorecard.card.md").write_text("# The card")
    created = services.model_sync_builtin()
    assert {v.name for v in created} == {"builtin-scorecard", "builtin-challenger"}
    sc = ModelVersion.objects.get(name="builtin-scorecard")
    assert sc.is_champion and sc.source == ModelSource.BUILTIN and sc.card == "# The card"
    assert sc.trained_by_name == "tests"
    assert registry.artefact_path(sc) == tmp_path / "builtin-scorecard.json"
    assert registry.load(sc).kind == "scorecard"
    assert services.model_sync_builtin() == []  # idempotent
    assert AuditEvent.objects.filter(action="scoring.model_registered", subject_id=str(sc.pk)).exists()
    assert AuditEvent.objects.filter(action="scoring.model_promoted", subject_id=str(sc.pk)).exists()


def test_challenger_explains_with_log_odds_contributions(challenger):
    loaded = registry.load(challenger)
    row = {"naics_sector": "71", "no_emp": 2, "gross_approved": 900_000.0, "sba_share": 0.0,
           "new_business": "new", "rev_line_cr": "Y"}
    e = loaded.explain(row)
    assert e.points is None and 0 < e.pd < 1
    assert e.reasons and all(impact > 0 for _, impact in e.reasons)
    assert np.isclose(e.pd, loaded.score({k: [v] for k, v in row.items()})[0])


def test_a_fresh_database_can_score_with_the_builtin_versions(db):
    """The data migration registered the committed artefacts with their cards; their files match."""
    metas = registry.builtin_metas()
    if not metas:
        pytest.skip("no builtin artefacts committed")
    for meta in metas:
        v = ModelVersion.objects.get(name=meta["name"])
        assert (v.source, v.sha256, v.kind) == (ModelSource.BUILTIN, meta["sha256"], meta["kind"])
        assert v.card.startswith("# Model card") and meta["sha256"] in v.card
        assert registry.load(v).kind == meta["kind"]
    champion = registry.champion()
    assert champion.source == ModelSource.BUILTIN and champion.kind == ModelKind.SCORECARD
