"""The model card: one Markdown page per model version, written from its metadata and report.

``render(meta, report)``: ``meta`` is ``training.metadata(...)``; ``report`` is the recipe's
validation report (``training.validate``), or ``None`` for a version trained on platform
outcomes alone (too few rows for an out-of-time test; the card says so). The text is a pure
function of its inputs (no clock), so a retrain reproduces the card byte for byte too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bayfin.scoring.engine import features, grades, training

KIND_TITLES = {"scorecard": "scorecard (weight of evidence, logistic regression, points)",
               "challenger": "gradient-boosting challenger (LightGBM, isotonic calibration)"}

REASONS = {
    "scorecard": "Reason codes are the characteristics that cost the applicant the most points against "
                 "the best bin of each characteristic (at most four, most costly first; only "
                 "characteristics that cost something).",
    "challenger": "Reason codes are the features that push the applicant's log-odds of default up the "
                  "most, from LightGBM's own TreeSHAP contributions (`pred_contrib`), measured "
                  "**before** the isotonic calibration, against the training average. The calibration "
                  "is monotone, so the order of the reasons holds after it, but their sizes are in "
                  "raw log-odds, not in PD.",
}


def _pct(x: Any, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * float(x):.{digits}f} %"


def _num(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{float(x):.{digits}f}"


def _summary_row(label: str, s: Mapping[str, Any] | None) -> str:
    if not s:
        return f"| {label} | n/a | n/a | n/a | n/a |"
    return (f"| {label} | {_num(s.get('auc'))} | {_num(s.get('ks'))} | {_num(s.get('brier'))} | "
            f"{_pct(s.get('mean_pd', s.get('mean_p')))} |")


def render(meta: Mapping[str, Any], report: Mapping[str, Any] | None) -> str:
    kind = meta["kind"]
    td = meta["training_data"]
    recipe = td.get("recipe", {})
    m = meta.get("metrics") or {}
    out: list[str] = []
    w = out.append
    w(f"# Model card: {meta['name']}")
    w("")
    w(f"- **Model:** {KIND_TITLES.get(kind, kind)}.")
    w(f"- **Artefact:** `{meta['artefact']}`, SHA-256 `{meta['sha256']}` (checked every time the "
      "platform loads it).")
    w(f"- **Created:** {meta['created_on']}, by {meta['trained_by']}.")
    if td.get("sba_sha256"):
        w(f"- **Training data:** the SBA 7(a) loan file, SHA-256 `{td['sba_sha256']}` "
          "(`make sba-data` installs it).")
    w(f"- **Training rows:** {td.get('rows', 0):,} ({td.get('sba_rows', 0):,} SBA loans, "
      f"{td.get('platform_rows', 0):,} platform outcomes), {_pct(td.get('default_rate'))} defaulted.")
    w("")
    w("## What the data is, and what it is not")
    w("")
    w("The U.S. Small Business Administration's 7(a) loans (Li, Mickel and Taylor, 2018): loans to "
      "American small businesses, approved 1962–2014, each with its outcome (paid in full or charged "
      "off). They are **not** Greater Bay Area enterprises: the model carries the risk pattern of U.S. "
      "small-business lending (sector, size, age, loan size, guarantee cover, revolving or term), not "
      "the levels of Hengqin, Zhuhai or Macao. Treat its PD as a ranking and a first level, to be "
      "recalibrated on the platform's own outcomes as they accumulate.")
    if td.get("platform_rows"):
        w("")
        w(f"It also learned from {td['platform_rows']:,} of the platform's own outcomes (deals "
          "disbursed, then repaid or defaulted).")
    w("")
    w("## Inputs")
    w("")
    if recipe:
        w(f"Loans approved from {recipe.get('window_from')} to {recipe.get('fit_until')} whose NAICS "
          "sector is recorded. Older loans and loans with no sector carry artefacts of their era "
          "(docs/scoring.md, variant (c)). The out-of-time validation below trains the same recipe "
          f"only up to {recipe.get('validate_until')}; this version is the refit on every mature year, "
          "so it has seen the crisis the validation could not.")
        w("")
    w("| Model feature | From the platform |")
    w("| --- | --- |")
    descriptions = {
        "naics_sector": "the enterprise's sector, as its NAICS 2-digit code",
        "no_emp": "employees",
        "new_business": f"firm age: new under {features.NEW_BUSINESS_YEARS:g} years since founding",
        "gross_approved": "the amount (the request's, or the reference loan's), in USD on the day",
        "sba_share": f"{features.GUARANTEED_SHARE:g} when a guarantee company stands behind the loan, else 0",
        "rev_line_cr": "Y for a revolving facility (factoring), N for a term loan",
    }
    for name in meta["features"]:
        w(f"| `{name}` | {descriptions.get(name, ', '.join(features.SOURCES.get(name, ())))} |")
    w("")
    w("Left out, and why:")
    w("")
    for name, why in features.NOT_MAPPED.items():
        w(f"- `{name}`: {why}.")
    w("")
    w("A platform field that is missing (no head-count, no exchange rate to USD on the day) refuses "
      "the score and names the field; nothing is filled with zero.")
    w("")
    w("## Grades")
    w("")
    w("| Grade | PD from | PD below |")
    w("| --- | --- | --- |")
    for r in grades.ranges():
        w(f"| {r.grade} | {_pct(r.pd_from, 1)} | {_pct(r.pd_below, 1)} |")
    w("")
    w("## Reasons")
    w("")
    w(REASONS.get(kind, ""))
    w("")
    if report is None or not m:
        w("## Validation")
        w("")
        w("Not run: this version was trained on platform outcomes alone, too few for an out-of-time "
          "test. Compare it with the champion on the next outcomes before promoting it.")
        return "\n".join(out) + "\n"
    split = m["split"]
    w("## Out-of-time validation (the headline)")
    w("")
    w(f"Trained on loans approved up to {split['train_until']} ({split['train_rows']:,} rows, "
      f"{_pct(split['train_default_rate'])} defaulted); tested on {split['test_from']}–{split['test_until']} "
      f"({split['test_rows']:,} rows, {_pct(split['test_default_rate'])} defaulted). Loans approved after "
      f"{split['test_until']} are not tested on: they are right-censored (their loans had not had time to "
      "default when the file was made, so their charge-off rates fall year by year).")
    w("")
    w("| Model | AUC | KS | Brier | Mean PD |")
    w("| --- | --- | --- | --- | --- |")
    w(_summary_row(f"this {kind}", m.get("oot")))
    w(_summary_row("baseline: logistic regression on raw features", m.get("baseline_oot")))
    w("")
    cv = m.get("cv") or {}
    if cv.get("run"):
        w(f"Random stratified {cv['folds']}-fold on the mature loans ({cv['rows']:,} rows): AUC "
          f"{_num(cv['auc_mean'])} ± {_num(cv['auc_std'])}, KS {_num(cv['ks_mean'])}, Brier "
          f"{_num(cv['brier_mean'])}. The random folds score higher because every fold trains on every "
          "year, the crisis included, and tests on the same population; the out-of-time test asks what "
          "a lender could have known in advance.")
        w("")
    w(f"Population stability index of the PD, training → test: {_num(m.get('psi'), 2)} "
      "(above 0.25 is the usual alarm level).")
    w("")
    w("### Calibration by grade, out of time")
    w("")
    w("| Grade | Loans | Predicted | Observed |")
    w("| --- | --- | --- | --- |")
    for row in m.get("calibration") or []:
        w(f"| {row['grade']} | {row['n']:,} | {_pct(row['predicted'])} | {_pct(row['observed'])} |")
    w("")
    w("### The 2008 crisis")
    w("")
    w("| Year | Loans | Observed | Predicted (mean PD) |")
    w("| --- | --- | --- | --- |")
    for year, row in sorted((m.get("crisis") or {}).items()):
        w(f"| {year} | {row['loans']:,} | {_pct(row['observed'])} | {_pct(row['predicted'])} |")
    w("")
    rec = m.get("recalibration") or {}
    if rec.get("run"):
        years = rec["applied_to"]
        w(f"Recalibration: an intercept shift of {_num(rec['offset'])} in log-odds (odds × "
          f"{_num(rec['odds_factor'], 2)}), fitted on {rec['fitted_on']} and applied to "
          f"{years[0]}–{years[-1]}, moves the mean PD from {_pct(rec['before']['mean_pd'])} to "
          f"{_pct(rec['after']['mean_pd'])} against {_pct(rec['observed'])} observed, and the Brier score "
          f"from {_num(rec['before']['brier'])} to {_num(rec['after']['brier'])}. Ranking (AUC, KS) does "
          "not change.")
        w("")
    leak = m.get("leakage") or {}
    if leak.get("run"):
        w("### Leakage")
        w("")
        w(f"With `{leak['feature']}` (the SBA's `Term`) added, the challenger's AUC goes from "
          f"{_num(leak['oot']['auc_without'])} to {_num(leak['oot']['auc_with'])} out of time and from "
          f"{_num(leak['random_fold']['auc_without'])} to {_num(leak['random_fold']['auc_with'])} on a random "
          "fold. `Term` is partly set by the outcome (a loan charged off early records a short term), so no "
          "lender has it at approval.")
        w("")
        outcome = leak.get("outcome_columns") or {}
        if outcome:
            w("The columns that describe the outcome itself, each used alone as a score on the out-of-time "
              "test rows:")
            w("")
            w("| Column | AUC on its own | Why it is not a feature |")
            w("| --- | --- | --- |")
            for source, row in sorted(outcome.items()):
                w(f"| `{source}` | {_num(row['auc_oot'])} | {row['why_excluded']} |")
            w("")
    w("## When to recalibrate")
    w("")
    w("- When the platform's scored population drifts from the training population: PSI of the PD "
      "above 0.25 (the operator's distribution page shows the grades).")
    w("- When a grade's observed default rate on platform outcomes leaves its PD range for two "
      "quarters running.")
    w(f"- As soon as the platform has {training.MIN_ROWS_PER_CLASS} or more defaulted and "
      f"{training.MIN_ROWS_PER_CLASS} or more repaid loans: train a "
      "combined version (`bayfin scoring train --platform-outcomes`) and compare it with this one.")
    w("- After any shock like 2008: an intercept shift fitted on the most recent mature window, as "
      "above, recovers the level without retraining.")
    return "\n".join(out) + "\n"
