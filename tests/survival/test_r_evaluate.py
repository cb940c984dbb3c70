"""The censoring-aware metrics against R, the field's reference, on the same predictions: Harrell's and Uno's C
against ``survival::concordance`` (timewt "n" and "n/G2"), the time-dependent AUC and the Brier score against
``riskRegression::Score`` (cens.model "km", with its Kaplan-Meier null model), the integrated Brier score against
the trapezoid of Score's Brier curve, the Kaplan-Meier pseudo-values against ``prodlim::jackknife``.

Data: R survival's ``lung`` (lifelines' copy; 227 patients with ECOG score, censoring throughout follow-up,
tied times), a Cox model on age, sex and ECOG fitted in Python; a second, coarse predictor (risks rounded) has
many ties in the risk. The definitions coincide (both count ties in risk 1/2, exclude pairs tied on an event
time, weight events by 1 / G(T_i-) and survivors by 1 / G(t), and let exits at t leave the censoring risk set
before the censorings at t), so they agree to 1e-10. One R process for the module; see ``tests/rpeer.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import survival

GRID = np.arange(30.0, 751.0, 30.0)  # days
HORIZONS = [180.0, 360.0, 540.0]
TAU = 540.0


@pytest.fixture(scope="module")
def lung() -> dict:
    from lifelines.datasets import load_lung

    frame = (load_lung().dropna(subset=["ph.ecog"]).reset_index(drop=True)
             .rename(columns={"time": "duration", "status": "event", "ph.ecog": "ecog"}))
    frame["duration"] = frame["duration"].astype(float)
    fit = survival.cox(frame, ["age", "sex", "ecog"])
    X = frame[["age", "sex", "ecog"]]
    surv = fit.model_.predict_survival_function(X, times=GRID).to_numpy().T  # (customers, times)
    lp = fit.model_.predict_log_partial_hazard(X).to_numpy()
    return {"frame": frame, "surv": surv, "lp": lp, "coarse": np.round(lp, 1), "surv_coarse": np.round(surv, 2)}


@pytest.fixture(scope="module")
def r_scores(lung) -> dict:
    f = lung["frame"]
    d = pd.DataFrame({"time": f["duration"], "status": f["event"], "lp": lung["lp"], "coarse": lung["coarse"]})
    risk = pd.DataFrame(1 - lung["surv"], columns=[f"t{int(t)}" for t in GRID])
    risk_coarse = pd.DataFrame(1 - lung["surv_coarse"], columns=risk.columns)
    return run_r(f"""
        library(survival); library(riskRegression)
        cc <- function(x, timewt, ymax = NULL) unname(concordance(Surv(time, status) ~ x, data = d, reverse = TRUE,
                                                                  timewt = timewt, ymax = ymax)$concordance)
        sc <- Score(list(cox = as.matrix(risk), coarse = as.matrix(risk_coarse)), formula = Hist(time, status) ~ 1,
                    data = d[, c("time", "status")], times = seq(30, 750, 30), metrics = c("auc", "brier"),
                    cens.model = "km", null.model = TRUE, conf.int = FALSE, se.fit = FALSE)
        a <- as.data.frame(sc$AUC$score); b <- as.data.frame(sc$Brier$score)
        pv <- prodlim::jackknife(prodlim::prodlim(prodlim::Hist(time, status) ~ 1, data = d), times = 365)
        out(list(harrell = cc(d$lp, "n"), harrell_coarse = cc(d$coarse, "n"),
                 uno = cc(d$lp, "n/G2", {TAU}), uno_coarse = cc(d$coarse, "n/G2", {TAU}), uno_all = cc(d$lp, "n/G2"),
                 auc_model = as.character(a$model), auc = a$AUC,
                 brier_model = as.character(b$model), brier = b$Brier, pseudo_surv_365 = as.numeric(pv)))
    """, {"d": d, "risk": risk, "risk_coarse": risk_coarse}, packages=("survival", "riskRegression"))


def _r(r_scores, metric: str, model: str) -> np.ndarray:
    values = pd.to_numeric(pd.Series(r_scores[metric]), errors="coerce").to_numpy()
    return values[np.asarray(r_scores[f"{metric}_model"]) == model]


def test_harrell_and_uno_concordance_equal_r_concordance(lung, r_scores):
    """Harrell's C = concordance(timewt = "n"); Uno's C = concordance(timewt = "n/G2", ymax = tau), ties included."""
    f = lung["frame"]
    d, e = f["duration"], f["event"]
    assert survival.harrell_concordance(lung["lp"], d, e) == pytest.approx(r_scores["harrell"], abs=1e-10)
    assert survival.harrell_concordance(lung["coarse"], d, e) == pytest.approx(r_scores["harrell_coarse"], abs=1e-10)
    assert survival.uno_concordance(lung["lp"], d, e, tau=TAU) == pytest.approx(r_scores["uno"], abs=1e-10)
    assert survival.uno_concordance(lung["coarse"], d, e, tau=TAU) == pytest.approx(r_scores["uno_coarse"], abs=1e-10)
    assert survival.uno_concordance(lung["lp"], d, e) == pytest.approx(r_scores["uno_all"], abs=1e-10)
    assert r_scores["uno"] != pytest.approx(r_scores["harrell"], abs=1e-3)  # the weights matter on these data


@pytest.mark.parametrize("model", ["cox", "coarse"])
def test_time_dependent_auc_equals_riskregression_score(lung, r_scores, model):
    """Cumulative/dynamic AUC at 25 times (30 to 750 days) = Score(metrics = "auc", cens.model = "km")."""
    f = lung["frame"]
    surv = lung["surv"] if model == "cox" else lung["surv_coarse"]
    auc, integrated = survival.cumulative_dynamic_auc(1 - surv, f["duration"], f["event"], GRID)
    np.testing.assert_allclose(auc, _r(r_scores, "auc", model), rtol=0, atol=1e-10)
    one = survival.time_dependent_auc(1 - surv[:, 5], f["duration"], f["event"], GRID[5])
    assert one == pytest.approx(auc[5], abs=1e-12)
    assert 0.5 < integrated < 1


def test_brier_and_integrated_brier_equal_riskregression_score(lung, r_scores):
    """Brier score at 25 times = Score(metrics = "brier"); the null model = Score's "Null model" (Kaplan-Meier);
    the integrated Brier score = the trapezoid of Score's curve over the span."""
    f = lung["frame"]
    d, e = f["duration"], f["event"]
    r_cox, r_null = _r(r_scores, "brier", "cox"), _r(r_scores, "brier", "Null model")
    mine = [survival.brier_score(lung["surv"][:, k], d, e, t) for k, t in enumerate(GRID)]
    np.testing.assert_allclose(mine, r_cox, rtol=0, atol=1e-10)
    ibs = survival.integrated_brier_score(lung["surv"], d, e, GRID)
    assert ibs == pytest.approx(np.trapezoid(r_cox, GRID) / (GRID[-1] - GRID[0]), abs=1e-10)
    table = survival.survival_scores(lung["surv"], GRID, d, e, horizons=HORIZONS, risk=lung["lp"], tau=TAU)
    rows = table.set_index(["metric", "horizon"])
    cols = [int(np.flatnonzero(GRID == h)[0]) for h in HORIZONS]
    for h, k in zip(HORIZONS, cols, strict=True):
        assert rows.loc[("Brier score", h), "value"] == pytest.approx(r_cox[k], abs=1e-10)
        assert rows.loc[("Brier score", h), "km_null"] == pytest.approx(r_null[k], abs=1e-10)
        assert rows.loc[("time-dependent AUC", h), "value"] == pytest.approx(_r(r_scores, "auc", "cox")[k], abs=1e-10)
    ibs_row = rows.loc[("integrated Brier score", GRID[-1])]
    assert ibs_row["value"] == pytest.approx(ibs, abs=1e-12)
    assert ibs_row["km_null"] == pytest.approx(np.trapezoid(r_null, GRID) / (GRID[-1] - GRID[0]), abs=1e-10)
    assert rows.loc[("concordance (Uno)", TAU), "value"] == pytest.approx(r_scores["uno"], abs=1e-10)


def test_km_pseudo_values_equal_prodlim_jackknife(lung, r_scores):
    """Pseudo-observations of P(exit by 365 days) = 1 - prodlim::jackknife's (of the survival), the input of the
    calibration at a horizon."""
    f = lung["frame"]
    mine = survival.km_pseudo_values(f["duration"], f["event"], 365.0)
    np.testing.assert_allclose(mine, 1 - np.asarray(r_scores["pseudo_surv_365"]), rtol=0, atol=1e-10)
