"""The platform→model feature mapping, the production recipe, and the model card (pure engine)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from bayfin.scoring.engine import card, features, sba, training
from bayfin.scoring.engine.features import Applicant, MissingFeatures
from tests.scoring.test_engine_validation import synthetic


def applicant(**over: Any) -> Applicant:
    base: dict[str, Any] = {"naics_sector": "33", "employees": 40, "years_operating": 6.5,
                            "amount_usd": 250_000.0, "guaranteed": False, "revolving": False}
    base.update(over)
    return Applicant(**base)


# --------------------------------------------------------------------------- mapping


def test_every_sba_feature_is_either_mapped_or_left_out_with_a_reason() -> None:
    assert set(features.FEATURES) | set(features.NOT_MAPPED) == set(sba.APPLICATION_FEATURES)
    assert not set(features.FEATURES) & set(features.NOT_MAPPED)
    assert all(len(why) > 20 for why in features.NOT_MAPPED.values())
    assert set(features.SOURCES) == set(features.FEATURES)


def test_an_applicant_maps_to_the_model_features() -> None:
    f = features.to_features(applicant())
    assert f == {"naics_sector": "33", "no_emp": 40, "new_business": "existing", "gross_approved": 250_000.0,
                 "sba_share": 0.0, "rev_line_cr": "N"}


@pytest.mark.parametrize(("years", "expected"), [(0.0, "new"), (1.99, "new"), (2.0, "existing"), (30, "existing")])
def test_firm_age_becomes_new_or_existing_at_two_years(years: float, expected: str) -> None:
    assert features.to_features(applicant(years_operating=years))["new_business"] == expected


def test_a_guarantee_and_a_revolving_facility() -> None:
    f = features.to_features(applicant(guaranteed=True, revolving=True))
    assert f["sba_share"] == features.GUARANTEED_SHARE == 0.8
    assert f["rev_line_cr"] == "Y"


def test_missing_platform_fields_are_named_never_zero_filled() -> None:
    with pytest.raises(MissingFeatures) as exc:
        features.to_features(applicant(employees=None, amount_usd=None, naics_sector="", guaranteed=None))
    assert exc.value.fields == ["amount", "employees", "guarantee", "sector"]
    assert "employees" in str(exc.value)
    for bad in ({"amount_usd": 0.0}, {"employees": -1}, {"years_operating": -0.5}, {"revolving": None}):
        with pytest.raises(MissingFeatures):
            features.to_features(applicant(**bad))


def test_columns_agree_with_one_applicant_at_a_time() -> None:
    rng = np.random.default_rng(3)
    n = 50
    people = [applicant(naics_sector=str(rng.choice(["33", "51", "52"])), employees=int(rng.integers(0, 500)),
                        years_operating=float(rng.uniform(0, 10)), amount_usd=float(rng.uniform(1e4, 5e6)),
                        guaranteed=bool(rng.random() < 0.3), revolving=bool(rng.random() < 0.2)) for _ in range(n)]
    cols = features.to_columns(
        naics_sector=[p.naics_sector for p in people], employees=[p.employees for p in people],
        years_operating=[p.years_operating for p in people], amount_usd=[p.amount_usd for p in people],
        guaranteed=[p.guaranteed for p in people], revolving=[p.revolving for p in people])
    for i, p in enumerate(people):
        one = features.to_features(p)
        assert {name: cols[name][i].item() for name in features.FEATURES} == one


def test_columns_refuse_missing_values_and_complete_rows_finds_them() -> None:
    kwargs: dict[str, Any] = {"naics_sector": ["33", ""], "employees": [3, np.nan], "years_operating": [1, 2],
                              "amount_usd": [1e5, 2e5], "guaranteed": [False, False], "revolving": [False, True]}
    with pytest.raises(MissingFeatures) as exc:
        features.to_columns(**kwargs)
    assert exc.value.fields == ["employees", "sector"]
    mask = features.complete_rows(naics_sector=kwargs["naics_sector"], employees=kwargs["employees"],
                                  years_operating=kwargs["years_operating"], amount_usd=kwargs["amount_usd"])
    assert mask.tolist() == [True, False]
    with pytest.raises(ValueError, match="one value per applicant"):
        features.to_columns(**{**kwargs, "revolving": [True]})


# --------------------------------------------------------------------------- the recipe


@cache
def data() -> sba.SbaData:
    d = synthetic(n=2500, seed=11)
    # The outcome columns, as the real file has them: they give the outcome away.
    d.columns["chgoff_date_set"] = list(d.columns["default"])
    d.columns["chgoff_prin_gr"] = [5000.0 * v for v in d.columns["default"]]
    d.columns["balance_gross"] = [0.0] * len(d)
    return d


def test_validation_rows_filter_only_the_training_years() -> None:
    d = data()
    kept = training.validation_data(d)
    fy = np.asarray(kept.columns["approval_fy"])
    sector = np.asarray(kept.columns["naics_sector"])
    train = fy <= 2004
    assert fy[train].min() >= training.PRODUCTION.window_from
    assert not (sector[train] == "unknown").any()
    # Every test year's row is kept, whatever its sector.
    all_fy = np.asarray(d.columns["approval_fy"])
    assert (fy > 2004).sum() == (all_fy > 2004).sum()


def test_fit_rows_take_the_window_up_to_the_last_mature_year() -> None:
    cols, y = training.fit_rows(data())
    assert set(cols) == set(training.PRODUCTION.features)
    all_fy = np.asarray(data().columns["approval_fy"])
    all_sector = np.asarray(data().columns["naics_sector"])
    expected = ((all_fy >= 1998) & (all_fy <= 2010) & (all_sector != "unknown")).sum()
    assert len(y) == expected and all(len(v) == expected for v in cols.values())


@pytest.mark.parametrize("kind", training.KINDS)
def test_fit_is_byte_for_byte_reproducible_and_loads(kind: str) -> None:
    text, rows = training.fit(kind, data=data())
    again, _ = training.fit(kind, data=data())
    assert text == again
    assert rows["platform_rows"] == 0 and rows["rows"] == rows["sba_rows"] > 0
    model = training.load(kind, text)
    assert list(model.features) == list(training.PRODUCTION.features)
    assert training.sha256_text(text) == training.sha256_text(again)


def _platform(n: int, defaults: int) -> training.PlatformRows:
    rows = [features.to_features(applicant(employees=10 + i, amount_usd=1e5 + 1000 * i)) for i in range(n)]
    return training.platform_rows(rows, [1] * defaults + [0] * (n - defaults))


def test_platform_outcomes_alone_are_refused_when_too_few() -> None:
    with pytest.raises(ValueError, match="too few outcomes to train: 3 defaulted and 9 repaid"):
        training.fit("scorecard", data=None, platform=_platform(12, 3))


def test_platform_outcomes_join_the_sba_rows() -> None:
    text, rows = training.fit("scorecard", data=data(), platform=_platform(40, 10))
    assert rows["platform_rows"] == 40 and rows["rows"] == rows["sba_rows"] + 40
    training.load("scorecard", text)


def test_fit_refusals_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown model kind 'forest'"):
        training.fit("forest", data=data())
    with pytest.raises(ValueError, match="no training rows"):
        training.fit("scorecard", data=None)
    broken = training.PlatformRows(columns={"no_emp": [1]}, default=[0])
    with pytest.raises(ValueError, match="lack the feature"):
        training.fit("scorecard", data=None, platform=broken)
    with pytest.raises(ValueError, match="unknown model kind"):
        training.load("forest", "{}")


# --------------------------------------------------------------------------- metadata and card


@cache
def validated() -> dict[str, Any]:
    return training.validate(data(), folds=3, with_leakage=True)


def _meta(kind: str, report: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    text, rows = training.fit(kind, data=data())
    meta = training.metadata(name=f"test-{kind}", kind=kind, artefact_file=f"test-{kind}.json", artefact_text=text,
                             recipe=training.PRODUCTION, training_rows=rows, sba_sha256="ab" * 32, report=report,
                             created_on="2026-11-28", trained_by="tests")
    return meta, text


@pytest.mark.parametrize("kind", training.KINDS)
def test_metadata_names_the_file_hash_the_data_and_the_out_of_time_figures(kind: str) -> None:
    meta, text = _meta(kind, validated())
    assert meta["sha256"] == training.sha256_text(text)
    assert meta["training_data"]["sba_sha256"] == "ab" * 32
    assert meta["training_data"]["recipe"]["window_from"] == 1998
    m = meta["metrics"]
    assert 0.5 < m["oot"]["auc"] <= 1 and m["baseline_oot"]["auc"] > 0
    assert m["split"]["train_until"] == 2004 and m["split"]["test_until"] == 2010
    assert set(m["crisis"]) == {str(y) for y in range(2005, 2011)}
    assert m["leakage"]["run"]
    # Canonical and JSON-clean.
    assert json.loads(training.dumps(meta)) == meta
    assert training.dumps(meta) == training.dumps(json.loads(training.dumps(meta)))


@pytest.mark.parametrize("kind", training.KINDS)
def test_the_card_shows_what_a_reader_needs(kind: str) -> None:
    meta, _ = _meta(kind, validated())
    text = card.render(meta, validated())
    assert text == card.render(meta, validated())  # no clock: reproducible
    for needle in (meta["name"], meta["sha256"], "ab" * 32, "Out-of-time validation", "right-censored",
                   "| AAA |", "Leakage", "When to recalibrate", "not** Greater Bay Area", "`sba_share`",
                   "`urban_rural`", f"{meta['metrics']['oot']['auc']:.3f}"):
        assert needle in text, needle
    assert ("TreeSHAP" in text) == (kind == "challenger")
    assert "| `ChgOffDate` | 1.000 |" in text and "| `BalanceGross` | 0.500 |" in text


def test_a_card_without_validation_says_it_was_not_run() -> None:
    meta, _ = _meta("scorecard", None)
    meta["training_data"]["platform_rows"] = 60
    text = card.render(meta, None)
    assert "Not run" in text and "60 of the platform's own outcomes" in text


def test_build_gives_a_version_whose_files_agree() -> None:
    v = training.build("scorecard", name="sba-test", data=data(), report=validated(), created_on="2026-11-28",
                       trained_by="tests")
    assert (v.artefact_file, v.meta_file, v.card_file) == ("sba-test.json", "sba-test.meta.json", "sba-test.md")
    assert v.meta["sha256"] == training.sha256_text(v.artefact_text)
    assert json.loads(v.meta_text) == v.meta and v.meta_text.endswith("\n")
    assert v.meta["sha256"] in v.card_text
    again = training.build("scorecard", name="sba-test", data=data(), report=validated(), created_on="2026-11-28",
                           trained_by="tests")
    assert (again.artefact_text, again.meta_text, again.card_text) == (v.artefact_text, v.meta_text, v.card_text)
