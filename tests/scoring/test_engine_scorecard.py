"""The scorecard: trained on a synthetic SBA-like file drawn from a known logistic model."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bayfin.scoring.engine import points, sba
from bayfin.scoring.engine.scorecard import (
    FORMAT_VERSION,
    Scorecard,
    characteristic_points_of,
    explain,
    from_json,
    points_of,
    score,
    train_scorecard,
)

SECTORS = ("11", "23", "31", "44", "54", "62", "72", "81", "unknown")
# The true model's sector effects on the log-odds of default (72: restaurants, the riskiest).
SECTOR_EFFECT = {"11": -0.6, "23": 0.2, "31": -0.3, "44": 0.3, "54": -0.5, "62": -0.9, "72": 1.0,
                 "81": 0.4, "unknown": 0.0}
MONOTONIC = {"sba_share": "descending", "no_emp": "descending"}


def synthetic(n: int, seed: int) -> tuple[dict[str, list], list[int]]:
    """Rows with SbaData's columns, defaults drawn from a known, strong logistic model."""
    rng = np.random.default_rng(seed)
    no_emp = rng.geometric(0.15, n)
    create_job = rng.poisson(1.0, n)
    retained_job = rng.poisson(3.0, n)
    gross = np.round(np.exp(rng.normal(11.5, 1.0, n)), -2)
    sba_share = np.round(rng.uniform(0.4, 0.9, n), 3)
    sector = rng.choice(SECTORS, n)
    new_business = rng.choice(["Y", "N", "unknown"], n, p=[0.3, 0.69, 0.01])
    franchise = rng.choice(["Y", "N"], n, p=[0.05, 0.95])
    urban_rural = rng.choice(["urban", "rural", "undefined"], n)
    rev_line = rng.choice(["Y", "N", "unknown"], n)
    low_doc = rng.choice(["Y", "N", "unknown"], n, p=[0.2, 0.78, 0.02])
    same_state = rng.choice(["Y", "N"], n)
    z = (-1.2 - 5.0 * (sba_share - 0.65) - 0.08 * np.minimum(no_emp, 20)
         + np.array([SECTOR_EFFECT[s] for s in sector]) + 0.5 * (new_business == "Y")
         + 0.6 * (rev_line == "Y") - 0.4 * (low_doc == "Y") + 0.3 * (same_state == "N"))
    default = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    cols: dict[str, list] = {
        "no_emp": no_emp.tolist(), "create_job": create_job.tolist(), "retained_job": retained_job.tolist(),
        "gross_approved": gross.tolist(), "sba_share": sba_share.tolist(), "naics_sector": sector.tolist(),
        "new_business": new_business.tolist(), "franchise": franchise.tolist(),
        "urban_rural": urban_rural.tolist(), "rev_line_cr": rev_line.tolist(), "low_doc": low_doc.tolist(),
        "same_state": same_state.tolist(), "approval_fy": [2000] * n, "state": ["CA"] * n,
        "bank_state": ["CA"] * n, "term_months": [84] * n, "default": default.tolist(),
    }
    assert set(cols) == set(sba.COLUMN_NAMES)
    return cols, default.tolist()


def train(cols: dict[str, list], y: list[int]) -> Scorecard:
    return train_scorecard(cols, y, features=sba.APPLICATION_FEATURES, categorical=sba.CATEGORICAL_FEATURES,
                           monotonic=MONOTONIC, seed=0)


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """The rank AUC (Mann-Whitney), ties counted half."""
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    for value in np.unique(s):  # average ranks over ties
        tie = s == value
        ranks[tie] = ranks[tie].mean()
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@pytest.fixture(scope="module")
def data() -> tuple[dict[str, list], list[int]]:
    return synthetic(4000, seed=7)


@pytest.fixture(scope="module")
def card(data: tuple[dict[str, list], list[int]]) -> Scorecard:
    return train(*data)


@pytest.fixture(scope="module")
def held_out() -> tuple[dict[str, list], list[int]]:
    return synthetic(3000, seed=8)


def test_the_scorecard_ranks_held_out_loans_well(card: Scorecard, held_out: tuple[dict, list]) -> None:
    cols, y = held_out
    pd_ = score(card, cols)
    assert auc(np.asarray(y), pd_) > 0.7
    assert pd_.min() > 0.0 and pd_.max() < 1.0
    # Calibrated in the large: the mean PD is near the observed default rate.
    assert abs(pd_.mean() - np.mean(y)) < 0.03


def test_woe_is_goods_over_bads_so_the_coefficients_are_negative(card: Scorecard, data: tuple) -> None:
    cols, y = data
    share = card.characteristic("sba_share")
    # The lowest-guarantee bin defaults most: its WOE (ln good share / bad share) is the lowest.
    assert share.woe[0] == min(share.woe)
    informative = [c for c in card.characteristics if c.n_bins > 1 and max(c.woe) - min(c.woe) > 0.2]
    assert {c.name for c in informative} >= {"sba_share", "naics_sector", "rev_line_cr"}
    assert all(c.coefficient < 0 for c in informative)


def test_monotonic_features_have_monotonic_default_rates(card: Scorecard) -> None:
    for name in MONOTONIC:  # descending default rate: WOE and points rise with the value
        c = card.characteristic(name)
        assert c.trend == "descending"
        assert list(c.woe) == sorted(c.woe)
        assert list(c.points) == sorted(c.points)
    assert card.characteristic("sba_share").n_bins >= 3


def test_the_riskiest_sector_gets_the_fewest_points(card: Scorecard) -> None:
    sector = card.characteristic("naics_sector")
    bin_of = {cat: i for i, group in enumerate(sector.categories) for cat in group}
    assert set(bin_of) == set(SECTORS)
    assert sector.points[bin_of["72"]] == min(sector.points)
    assert sector.points[bin_of["62"]] > sector.points[bin_of["72"]]


def test_characteristic_points_add_up_to_the_score(card: Scorecard, held_out: tuple) -> None:
    cols, _ = held_out
    per = characteristic_points_of(card, cols)
    total = points_of(card, cols)
    np.testing.assert_allclose(sum(per.values()), total, rtol=0, atol=1e-9)
    pd_ = score(card, cols)
    rng = np.random.default_rng(3)
    for i in rng.choice(len(total), 50, replace=False):
        assert abs(points.pd_from_points(float(total[i])) - pd_[i]) < 1e-9
        assert abs(points.points_from_pd(float(pd_[i])) - total[i]) < 1e-6
        row = {name: cols[name][i] for name in card.features}
        ex = explain(card, row)
        assert math.isclose(ex.total_points, total[i], abs_tol=1e-9)
        assert abs(ex.pd - pd_[i]) < 1e-12
        assert ex.points == pytest.approx({name: per[name][i] for name in card.features}, abs=1e-12)


def test_binning_agrees_with_optbinning_on_the_training_data(data: tuple) -> None:
    from optbinning import OptimalBinning

    cols, y = data
    sc = train_scorecard(cols, y, features=["gross_approved", "naics_sector"], categorical=["naics_sector"])
    ob = OptimalBinning(name="gross_approved", dtype="numerical", solver="cp", monotonic_trend="auto_asc_desc")
    ob.fit(np.asarray(cols["gross_approved"], dtype=float), np.asarray(y))
    theirs = ob.transform(np.asarray(cols["gross_approved"], dtype=float), metric="woe")
    c = sc.characteristic("gross_approved")
    ours = np.append(c.woe, c.missing_woe)[np.digitize(cols["gross_approved"], c.splits)]
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    ob = OptimalBinning(name="naics_sector", dtype="categorical", solver="cp")
    ob.fit(np.asarray(cols["naics_sector"], dtype=object), np.asarray(y))
    theirs = ob.transform(np.asarray(cols["naics_sector"], dtype=object), metric="woe")
    c = sc.characteristic("naics_sector")
    woe_of = {cat: w for group, w in zip(c.categories, c.woe, strict=True) for cat in group}
    np.testing.assert_allclose([woe_of[v] for v in cols["naics_sector"]], theirs, atol=1e-12)


def test_reasons_name_the_characteristic_a_row_is_built_to_be_bad_on(card: Scorecard) -> None:
    best = {}
    for c in card.characteristics:  # a row in the best bin of everything
        i = int(np.argmax(c.points))
        if c.kind == "categorical":
            best[c.name] = c.categories[i][0]
        else:
            edges = [-1e12, *c.splits, 1e12]
            best[c.name] = edges[i] if i > 0 else edges[1] - 1e-6
    ex = explain(card, best)
    assert ex.reasons == []
    share = card.characteristic("sba_share")
    bad = dict(best, sba_share=share.splits[0] - 0.01)  # the lowest guarantee share
    ex = explain(card, bad)
    assert ex.reasons[0].characteristic == "sba_share"
    assert ex.reasons[0].points_lost == pytest.approx(share.best_points - share.points[0])
    assert ex.pd > explain(card, best).pd
    worse = dict(bad, naics_sector="72", rev_line_cr="Y")
    names = [r.characteristic for r in explain(card, worse, top=4).reasons]
    assert names[0] == "sba_share" and {"naics_sector", "rev_line_cr"} <= set(names)
    assert len(explain(card, worse, top=1).reasons) == 1


def test_unseen_categories_and_missing_numbers_fall_in_the_missing_bin(card: Scorecard, held_out: tuple) -> None:
    cols, _ = held_out
    sector = card.characteristic("naics_sector")
    assert sector.missing_woe == 0.0  # no missing value at training: the population's odds
    one = {name: [cols[name][0]] for name in card.features}
    unseen = dict(one, naics_sector=["99"], sba_share=[float("nan")])
    per = characteristic_points_of(card, unseen)
    assert per["naics_sector"][0] == sector.missing_points
    assert per["sba_share"][0] == card.characteristic("sba_share").missing_points
    assert np.isfinite(score(card, unseen)).all()


def test_round_trip_gives_the_same_predictions(card: Scorecard, held_out: tuple) -> None:
    cols, _ = held_out
    text = card.to_json()
    again = Scorecard.from_json(text)
    assert again == card
    assert again.to_json() == text
    np.testing.assert_array_equal(score(again, cols), score(card, cols))
    doc = json.loads(text)
    assert doc["version"] == FORMAT_VERSION
    assert doc["characteristics"]["sba_share"]["best_points"] == card.best_points["sba_share"]


def test_training_twice_gives_byte_identical_artefacts(data: tuple, card: Scorecard) -> None:
    assert train(*data).to_json() == card.to_json()


def _corrupt(card: Scorecard, change) -> str:
    doc = json.loads(card.to_json())
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(version="bayfin-scorecard/v0"), "version"),
    (lambda d: d.pop("version"), "version"),
    (lambda d: d["characteristics"].pop("sba_share"), "sba_share"),
    (lambda d: d["features"].append("term_months"), "term_months"),
    (lambda d: d["characteristics"]["no_emp"].pop("splits"), "no_emp"),
    (lambda d: d["characteristics"]["low_doc"]["points"].pop(), "low_doc"),
    (lambda d: d["characteristics"]["sba_share"].update(coefficient=0.5), "sba_share"),
    (lambda d: d["characteristics"]["franchise"].update(kind="ordinal"), "ordinal"),
    (lambda d: d.pop("intercept"), "intercept"),
])
def test_a_wrong_artefact_is_refused_naming_what_is_wrong(card: Scorecard, change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_json(_corrupt(card, change))


def test_not_json_is_refused() -> None:
    with pytest.raises(ValueError, match="not a scorecard"):
        from_json("tree\nversion=v4\n")


def test_scoring_without_a_feature_names_it(card: Scorecard, held_out: tuple) -> None:
    cols = dict(held_out[0])
    del cols["low_doc"]
    with pytest.raises(ValueError, match="low_doc"):
        score(card, cols)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"features": ["no_emp", "nope"]}, "nope"),
    ({"monotonic": {"naics_sector": "ascending"}}, "naics_sector"),
    ({"monotonic": {"sba_share": "upwards"}}, "upwards"),
    ({"categorical": ["naics_sector", "state"]}, "state"),
])
def test_training_refuses_inconsistent_arguments(data: tuple, kwargs: dict, message: str) -> None:
    cols, y = data
    args = {"features": ["sba_share", "naics_sector"], "categorical": ["naics_sector"], **kwargs}
    with pytest.raises(ValueError, match=message):
        train_scorecard(cols, y, **args)


def test_training_refuses_a_target_with_one_class(data: tuple) -> None:
    cols, y = data
    with pytest.raises(ValueError, match="both"):
        train_scorecard(cols, [0] * len(y), features=["sba_share"], categorical=[])
