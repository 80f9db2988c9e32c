"""The gradient-boosting challenger, trained on a synthetic SBA-like file from a known logistic model."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

from bayfin.scoring.engine import challenger, sba
from bayfin.scoring.engine.challenger import Challenger
from tests.scoring.synthetic_sba import draw_applications

SECTORS = {"23": 0.3, "44": 0.1, "54": -0.6, "62": -0.8, "72": 2.2, "unknown": 0.0}


def synthetic(n: int, seed: int) -> tuple[dict[str, list], np.ndarray]:
    """Columns named as ``SbaData.columns``; defaults drawn from a known, strong logistic model."""
    rng = np.random.default_rng(seed)
    app = draw_applications(rng, n, list(SECTORS))
    sector, new, rev, low = app["naics_sector"], app["new_business"], app["rev_line_cr"], app["low_doc"]
    franchise, same_state, no_emp = app["franchise"], app["same_state"], app["no_emp"]
    gross, share = app["gross_approved"], app["sba_share"]
    logit = (-1.8 + np.array([SECTORS[s] for s in sector]) - 4.0 * (share - 0.6)
             + 0.8 * (new == "new") + 0.9 * (rev == "Y") - 0.5 * (low == "Y") + 0.6 * (same_state == "no")
             - 0.35 * np.log1p(no_emp) + 0.2 * (gross > 250_000) - 0.3 * (franchise == "yes"))
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    columns: dict[str, list] = {
        **{name: values.tolist() for name, values in app.items()},
        "approval_fy": rng.integers(1990, 2005, size=n).tolist(), "state": ["CA"] * n, "bank_state": ["CA"] * n,
        "term_months": rng.integers(12, 240, size=n).tolist(), "default": default.tolist(),
    }
    assert set(columns) == set(sba.COLUMN_NAMES)
    return columns, default


def train(seed: int = 0, n: int = 4000) -> Challenger:
    columns, default = synthetic(n, seed=11)
    return challenger.train_challenger(columns, default, features=sba.APPLICATION_FEATURES,
                                       categorical=sba.CATEGORICAL_FEATURES, monotone={"sba_share": -1},
                                       seed=seed, num_boost_round=150)


@cache
def trained() -> Challenger:
    return train()


def auc(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def good_row(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "no_emp": 20, "create_job": 0, "retained_job": 5, "gross_approved": 100_000.0, "sba_share": 0.85,
        "naics_sector": "62", "new_business": "existing", "franchise": "no", "urban_rural": "urban",
        "rev_line_cr": "N", "low_doc": "Y", "same_state": "yes",
    }
    row.update(over)
    return row


def test_discriminates_on_held_out_data_and_is_calibrated() -> None:
    ch = trained()
    columns, default = synthetic(3000, seed=99)
    pd_ = challenger.score(ch, columns)
    assert pd_.shape == (3000,)
    assert auc(default, pd_) > 0.75
    assert np.all((pd_ > 0) & (pd_ < 1))
    # Calibrated on a held-out fold: the mean PD is close to the observed default rate.
    assert abs(pd_.mean() - default.mean()) < 0.03
    # The calibration is a non-decreasing map of the raw log-odds.
    assert np.all(np.diff(ch.calibration_x) >= 0) and np.all(np.diff(ch.calibration_y) >= 0)
    raw = challenger.raw_log_odds(ch, columns)
    order = np.argsort(raw)
    assert np.all(np.diff(pd_[order]) >= 0)


def test_more_guarantee_never_raises_the_log_odds() -> None:
    ch = trained()
    columns, _ = synthetic(200, seed=5)
    shares = np.linspace(0.0, 1.0, 21)
    for share_a, share_b in zip(shares[:-1], shares[1:], strict=True):
        low = challenger.raw_log_odds(ch, {**columns, "sba_share": [share_a] * 200})
        high = challenger.raw_log_odds(ch, {**columns, "sba_share": [share_b] * 200})
        assert np.all(high <= low + 1e-12)
    # And it is learnt, not flat: a low share is scored riskier than a high one.
    assert (challenger.raw_log_odds(ch, {**columns, "sba_share": [0.3] * 200})
            > challenger.raw_log_odds(ch, {**columns, "sba_share": [0.9] * 200})).mean() > 0.5


def test_reasons_name_the_characteristic_a_row_is_bad_on() -> None:
    ch = trained()
    bad_sector = challenger.explain(ch, good_row(naics_sector="72"))
    assert bad_sector and bad_sector[0][0] == "naics_sector"
    assert all(c > 0 for _, c in bad_sector)
    assert [c for _, c in bad_sector] == sorted((c for _, c in bad_sector), reverse=True)
    bad_guarantee = challenger.explain(ch, good_row(sba_share=0.3), top=2)
    assert bad_guarantee[0][0] == "sba_share" and len(bad_guarantee) <= 2
    # Contributions are to the raw log-odds: they add up with the bias to the row's log-odds.
    row = good_row(naics_sector="72", rev_line_cr="Y")
    full = ch.booster.predict(challenger._encode({k: [v] for k, v in row.items()}, ch.features, ch.vocabularies),
                              pred_contrib=True)[0]
    assert full.sum() == pytest.approx(challenger.raw_log_odds(ch, {k: [v] for k, v in row.items()})[0])


def test_round_trip_gives_the_same_predictions() -> None:
    ch = trained()
    text = ch.to_json()
    doc = json.loads(text)
    assert doc["format"] == "bayfin-challenger/v1" and isinstance(doc["model"], str)
    loaded = Challenger.from_json(text)
    columns, _ = synthetic(500, seed=7)
    np.testing.assert_array_equal(challenger.score(loaded, columns), challenger.score(ch, columns))
    assert loaded.to_json() == text
    assert "pickle" not in text[:100]


def test_retraining_is_byte_identical_and_the_seed_matters() -> None:
    assert train().to_json() == trained().to_json()
    assert train(seed=1).to_json() != trained().to_json()


def test_unknown_category_and_missing_number_are_scored() -> None:
    ch = trained()
    columns = {name: [value] * 3 for name, value in good_row().items()}
    columns["naics_sector"] = ["62", "99", "never-seen"]
    columns["no_emp"] = [20, None, float("nan")]
    pd_ = challenger.score(ch, columns)
    assert pd_.shape == (3,) and np.all(np.isfinite(pd_))
    assert pd_[1] == pd_[2]  # both unknown sectors get the same dedicated code
    assert challenger.explain(ch, good_row(naics_sector="never-seen")) is not None


def test_scoring_refuses_a_missing_feature_column() -> None:
    ch = trained()
    columns = {name: [value] for name, value in good_row().items() if name != "sba_share"}
    with pytest.raises(ValueError, match="sba_share"):
        challenger.score(ch, columns)
    with pytest.raises(ValueError, match="sba_share"):
        challenger.explain(ch, {k: v for k, v in good_row().items() if k != "sba_share"})


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format="bayfin-scorecard/v1"), "format"),
    (lambda d: d.pop("model"), "model"),
    (lambda d: d["vocabularies"].pop("naics_sector"), "naics_sector"),
    (lambda d: d.update(features=[f for f in d["features"] if f != "no_emp"]), "features"),
    (lambda d: d.update(model="not a model"), "model"),
    (lambda d: d["calibration"].update(y=list(reversed(d["calibration"]["y"]))), "calibration"),
    (lambda d: d.update(monotone={"sba_share": 5}), "monotone"),
])
def test_refuses_a_broken_artefact(mutate: Callable[[dict[str, Any]], object], message: str) -> None:
    doc = json.loads(trained().to_json())
    mutate(doc)
    with pytest.raises(ValueError, match=message):
        Challenger.from_json(json.dumps(doc))


def test_refuses_not_json_and_bad_training_arguments() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        Challenger.from_json("{")
    columns, default = synthetic(300, seed=1)
    with pytest.raises(ValueError, match="naics_sector"):
        challenger.train_challenger(columns, default, features=sba.APPLICATION_FEATURES,
                                    categorical=sba.CATEGORICAL_FEATURES, monotone={"naics_sector": 1})
    with pytest.raises(ValueError, match="not_a_column"):
        challenger.train_challenger(columns, default, features=("not_a_column",), categorical=())
