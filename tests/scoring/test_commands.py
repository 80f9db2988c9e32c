"""`bayfin scoring ...`: training on the platform's outcomes alone is refused while they are too
few; combined with an SBA file (a synthetic one with the real columns) it trains, writes the
files and registers versions with their card and SHA-256; promote, score-all and sync-builtin."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bayfin.financing.transitions import DealStage
from bayfin.scoring import mapping, registry
from bayfin.scoring.engine import sba, training
from bayfin.scoring.models import CreditScore, ModelSource, ModelVersion
from tests.factories import DealFactory, EnterpriseFactory, FinancingRequestFactory

from .conftest import HEADER, row

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def run(*args: str) -> str:
    out = StringIO()
    call_command("scoring", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def sba_csv(tmp_path_factory) -> Path:
    """800 synthetic SBA loans, 1998-2010, with the file's columns and a learnable risk."""
    rng = np.random.default_rng(5)
    path = tmp_path_factory.mktemp("sba") / "train.csv"
    rows = []
    for i in range(800):
        emp = int(rng.integers(1, 200))
        amount = float(np.exp(rng.normal(11.5, 0.9)))
        guaranteed = rng.random() < 0.5
        new = rng.random() < 0.3
        naics = str(rng.choice(["334111", "511210", "325412", "722110", "484110"]))
        z = -1.5 - 0.008 * emp + 0.3 * (np.log(amount) - 11.5) - 1.0 * guaranteed + 0.5 * new \
            + (0.9 if naics.startswith("72") else 0.0)
        bad = rng.random() < 1 / (1 + np.exp(-z))
        rows.append(row(LoanNr_ChkDgt=str(i), NAICS=naics, ApprovalFY=str(1998 + i % 13), NoEmp=str(emp),
                        NewExist="2" if new else "1", RevLineCr=str(rng.choice(["Y", "N"])),
                        GrAppv=f"${amount:,.2f} ", SBA_Appv=f"${amount * (0.75 if guaranteed else 0.5):,.2f} ",
                        MIS_Status="CHGOFF" if bad else "P I F", UrbanRural="1"))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    assert set(sba.REQUIRED_COLUMNS) <= set(HEADER)
    return path


def outcomes(n_repaid: int, n_defaulted: int) -> list:
    usd_ent = [EnterpriseFactory(employees=e, tech_staff=0) for e in (5, 40, 150)]
    deals = []
    for i in range(n_repaid + n_defaulted):
        req = FinancingRequestFactory(enterprise=usd_ent[i % 3], currency="USD", amount=Decimal(50_000 + 1000 * i),
                                      instruments=["credit_loan"])
        deals.append(DealFactory(request=req, stage=DealStage.REPAID if i < n_repaid else DealStage.DEFAULTED,
                                 disbursed_on=TODAY - dt.timedelta(days=400), outcome_on=TODAY,
                                 agreed_amount=req.amount, agreed_currency="USD", agreed_instrument="credit_loan"))
    DealFactory(stage=DealStage.INVESTED, outcome_on=TODAY)  # equity: no default, never a training row
    return deals


def test_platform_outcomes_are_mapped_as_on_the_disbursal_day_and_equity_is_left_out(db):
    deals = outcomes(3, 2)
    got = mapping.platform_outcomes()
    assert sorted(got.deal_ids) == sorted(d.pk for d in deals)
    assert sum(got.defaults) == 2 and got.skipped == {}
    assert all(r["sba_share"] == 0.0 and r["rev_line_cr"] == "N" for r in got.rows)


def test_training_on_too_few_platform_outcomes_alone_is_refused(db, model_dir):
    outcomes(10, 3)
    with pytest.raises(CommandError, match=r"refused: too few outcomes to train: 3 defaulted and 10 repaid"):
        run("train", "--no-sba", "--platform-outcomes", "--name", "p", "--kind", "scorecard")
    assert not ModelVersion.objects.filter(source=ModelSource.TRAINED).exists()


def test_no_sba_without_platform_outcomes_is_refused(db):
    with pytest.raises(CommandError, match="needs --platform-outcomes"):
        run("train", "--no-sba", "--name", "p")


def test_sba_and_platform_outcomes_train_write_and_register_both_kinds(db, model_dir, sba_csv, tmp_path):
    outcomes(4, 2)
    out = tmp_path / "out"
    text = run("train", "--sba", str(sba_csv), "--platform-outcomes", "--no-validate", "--name", "t-2026.11",
               "--out", str(out), "--created-on", "2026-11-28", "--register")
    assert "Platform outcomes: 6 deals (2 defaulted)" in text
    for kind in ("scorecard", "challenger"):
        name = f"t-2026.11-{kind}"
        meta = json.loads((out / f"{name}.meta.json").read_text())
        artefact = (out / f"{name}.json").read_text()
        assert meta["sha256"] == training.sha256_text(artefact) and meta["created_on"] == "2026-11-28"
        assert meta["training_data"]["platform_rows"] == 6 and meta["training_data"]["sba_rows"] > 700
        assert meta["training_data"]["sba_sha256"] == sba.file_sha256(sba_csv)
        v = ModelVersion.objects.get(name=name)
        assert (v.kind, v.source, v.sha256, v.is_champion) == (kind, "trained", meta["sha256"], False)
        assert v.card == (out / f"{name}.card.md").read_text() and meta["sha256"] in v.card
        assert registry.artefact_path(v) == model_dir / f"{name}.json"  # copied where the registry reads
        assert registry.load(v).kind == kind


def test_the_same_training_twice_writes_byte_identical_files(db, sba_csv, tmp_path):
    args = ("train", "--sba", str(sba_csv), "--no-validate", "--kind", "scorecard", "--name", "same",
            "--created-on", "2026-11-28")
    run(*args, "--out", str(tmp_path / "a"))
    run(*args, "--out", str(tmp_path / "b"))
    for suffix in (".json", ".meta.json", ".card.md"):
        assert (tmp_path / "a" / f"same-scorecard{suffix}").read_bytes() == \
            (tmp_path / "b" / f"same-scorecard{suffix}").read_bytes()


def test_an_sba_file_without_the_columns_is_refused(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("NAICS,ApprovalFY\n1,2000\n")
    with pytest.raises(CommandError, match="not the SBA 7\\(a\\) file: missing"):
        run("train", "--sba", str(bad), "--name", "x")


def test_promote_by_name_checks_the_file(champion, challenger, enterprise):
    assert "test-challenger is the champion" in run("promote", "test-challenger")
    assert ModelVersion.objects.get(is_champion=True) == challenger
    with pytest.raises(CommandError, match="refused: .*unknown model version"):
        run("promote", "nope")
    path = registry.artefact_path(champion)
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(CommandError, match="SHA-256 of the file does not match"):
        run("promote", "test-scorecard")


def test_score_all_scores_everyone(champion):
    EnterpriseFactory()
    assert "1 scores changed" in run("score-all")
    assert CreditScore.objects.filter(trigger="manual").count() == 1


def test_score_all_without_a_champion_is_refused(db):
    ModelVersion.objects.update(is_champion=False)
    with pytest.raises(CommandError, match="no model version is the champion"):
        run("score-all")


def test_sync_builtin_registers_and_names_the_champion(db, artefacts, tmp_path, monkeypatch):
    from .support import write_version

    monkeypatch.setattr(registry, "ARTEFACTS_DIR", tmp_path)
    ModelVersion.objects.all().delete()
    text, rows = artefacts["scorecard"]
    meta, _ = write_version(tmp_path, "scorecard", "b-scorecard", text, rows)
    (tmp_path / "b-scorecard.meta.json").write_text(json.dumps(meta))
    out = run("sync-builtin")
    assert "Registered builtin versions: b-scorecard. Champion: b-scorecard." in out
    assert "none (all registered already)" in run("sync-builtin")


# --------------------------------------------------------------------------- the demo


def test_the_demo_scores_everyone_and_its_outcomes_are_too_few_to_train_on_alone(champion):
    from bayfin.financing.transitions import REQUEST_VISIBLE_STATUSES

    call_command("demo_seed", "--if-empty", "--enterprises", "60", "--institutions", "30", "--products", "45",
                 "--requests", "50", "--deals", "30", "--seed", "3", stdout=StringIO())
    from bayfin.enterprises.models import Enterprise
    from bayfin.financing.models import Deal, FinancingRequest

    scored = set(CreditScore.objects.filter(kind="enterprise", is_current=True).values_list("enterprise_id",
                                                                                             flat=True))
    assert scored == set(Enterprise.objects.values_list("pk", flat=True))
    open_ids = set(FinancingRequest.objects.filter(status__in=REQUEST_VISIBLE_STATUSES).values_list("pk", flat=True))
    assert open_ids <= set(CreditScore.objects.filter(kind="request", is_current=True).values_list("request_id",
                                                                                                    flat=True))
    assert CreditScore.objects.filter(status="scored").exists()
    stages = set(Deal.objects.filter(stage__in=(DealStage.REPAID, DealStage.DEFAULTED)).values_list("stage",
                                                                                                   flat=True))
    assert stages == {DealStage.REPAID, DealStage.DEFAULTED}
    with pytest.raises(CommandError, match=r"too few outcomes to train: 1 defaulted and 1 repaid; a model needs "
                                           r"at least 30 of each"):
        run("train", "--no-sba", "--platform-outcomes", "--name", "demo", "--kind", "scorecard")
