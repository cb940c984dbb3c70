"""The censoring-aware metrics on simulator truth, brute force and bad input (R comparisons:
test_r_evaluate.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmresearch import survival
from crmresearch.errors import DataWarning, ParameterError, ValidationError


def _simulate(n: int, seed: int, scale: float = 12.0, censor: float = 30.0):
    """Exponential exits with hazard exp(x) / scale, uniform censoring on (0, censor): the truth is known."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(scale / np.exp(x))
    c = rng.uniform(0, censor, n)
    return x, np.minimum(t, c), (t <= c).astype(int)


def _brute_concordance(risk, d, e, tau=None, G=None):
    num = den = 0.0
    for i in range(d.size):
        if e[i] != 1 or (tau is not None and d[i] > tau):
            continue
        w = 1.0 if G is None else 1.0 / G(np.array([d[i]]))[0] ** 2
        later = (d > d[i]) | ((d == d[i]) & (e == 0))
        num += w * ((risk[later] < risk[i]).sum() + 0.5 * (risk[later] == risk[i]).sum())
        den += w * later.sum()
    return num / den


def test_concordance_equals_brute_force_with_ties():
    """The O(n log n) count equals the pairwise definition, with ties in time, in risk and between an exit
    and a censoring at the same time (the censoring counts as later)."""
    rng = np.random.default_rng(3)
    d = rng.integers(1, 15, 300).astype(float)
    e = rng.integers(0, 2, 300)
    risk = rng.integers(0, 6, 300).astype(float)
    G = survival.evaluate.censoring_survival(d, e)
    assert survival.harrell_concordance(risk, d, e) == pytest.approx(_brute_concordance(risk, d, e), abs=1e-12)
    assert survival.uno_concordance(risk, d, e, tau=10) == pytest.approx(
        _brute_concordance(risk, d, e, tau=10, G=G), abs=1e-12)


def test_harrell_equals_lifelines_concordance_index():
    from lifelines.utils import concordance_index

    x, d, e = _simulate(500, 1)
    assert survival.harrell_concordance(x, d, e) == pytest.approx(concordance_index(d, -x, e), abs=1e-12)


def test_uno_concordance_does_not_depend_on_censoring_harrell_does():
    """Log-normal exits (the covariate separates early exits best) under heavy censoring (exponential, mean 3;
    71 % censored): Harrell's C over-weights the early pairs and drifts from the uncensored value by ~0.05,
    Uno's stays within 0.005 (Uno et al. 2011). Truth: the concordance of the uncensored times, by tau."""
    rng = np.random.default_rng(5)
    n = 6000
    x = rng.normal(size=n)
    t = np.exp(1.5 + 0.8 * x + rng.normal(size=n))
    c = rng.exponential(3.0, n)
    d, e = np.minimum(t, c), (t <= c).astype(int)
    truth = survival.harrell_concordance(-x, t, np.ones(n), tau=8)
    assert abs(survival.uno_concordance(-x, d, e, tau=8) - truth) < 0.005
    assert survival.harrell_concordance(-x, d, e, tau=8) - truth > 0.03


def test_km_pseudo_values_equal_leave_one_out():
    """Exact jackknife: n F(t) - (n - 1) F_{-i}(t) by refitting lifelines' Kaplan-Meier without each customer."""
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(2)
    d = rng.integers(1, 12, 30).astype(float)
    e = rng.integers(0, 2, 30)
    t = 7.0

    def F(dd, ee):
        return 1 - KaplanMeierFitter().fit(dd, ee).survival_function_at_times(t).iloc[0]

    full = F(d, e)
    brute = [30 * full - 29 * F(np.delete(d, i), np.delete(e, i)) for i in range(30)]
    np.testing.assert_allclose(survival.km_pseudo_values(d, e, t), brute, atol=1e-12)


def test_calibration_of_the_true_model():
    """Predictions = the simulator's P(exit by t | x): intercept ~ 0, slope ~ 1, ICI ~ 0 at two horizons."""
    x, d, e = _simulate(6000, 7)
    for t in (6.0, 12.0):
        cal = survival.horizon_calibration(1 - np.exp(-t / 12 * np.exp(x)), d, e, t)
        assert cal.slope == pytest.approx(1.0, abs=0.08)
        assert cal.intercept == pytest.approx(0.0, abs=0.08)
        assert cal.ici < 0.015 and cal.e90 < 0.03
        assert cal.observed == pytest.approx(cal.mean_predicted, abs=0.02)


def test_calibration_of_a_miscalibrated_model_gives_the_known_line():
    """Predictions squeezed towards 0.1 + truth / 2 (too timid): the truth is 2 p - 0.2, so the calibration line
    has slope 2 and intercept -0.2, and the ICI is the mean gap |truth - p| (0.145 here)."""
    x, d, e = _simulate(20000, 8)
    t = 6.0
    truth = 1 - np.exp(-t / 12 * np.exp(x))
    pred = 0.1 + truth / 2
    cal = survival.horizon_calibration(pred, d, e, t)
    assert cal.slope == pytest.approx(2.0, abs=0.06)
    assert cal.intercept == pytest.approx(-0.2, abs=0.03)
    assert cal.ici == pytest.approx(np.abs(truth - pred).mean(), abs=0.006)
    assert cal.e90 == pytest.approx(np.quantile(np.abs(truth - pred), 0.9), abs=0.02)


def test_survival_scores_of_the_true_model_beat_the_null_model():
    x, d, e = _simulate(2000, 9)
    times = np.arange(1.0, 19.0)
    surv = np.exp(-np.outer(np.exp(x), times) / 12)
    table = survival.survival_scores(surv, times, d, e, horizons=[6, 12, 18]).set_index(["metric", "horizon"])
    for h in (6.0, 12.0, 18.0):
        assert table.loc[("Brier score", h), "value"] < table.loc[("Brier score", h), "km_null"]
        assert table.loc[("time-dependent AUC", h), "value"] > 0.7
        assert table.loc[("time-dependent AUC", h), "km_null"] == pytest.approx(0.5)
        assert table.loc[("calibration slope", h), "value"] == pytest.approx(1.0, abs=0.15)
    assert table.loc[("concordance (Uno)", 18.0), "value"] > 0.65
    ibs = table.loc[("integrated Brier score", 18.0)]
    assert ibs["value"] < ibs["km_null"]


@pytest.mark.parametrize("family", ["cox", "weibull"])
def test_evaluate_model_scores_a_fitted_model_on_a_holdout(family):
    """The convenience predicts on the grid (Cox or AFT) and agrees with evaluate_holdout where both report
    (Harrell's C); the model beats the null model and is roughly calibrated (the truth is PH and Weibull)."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=900)
    t, c = rng.weibull(1.5, 900) * 12 / np.exp(x / 1.5), rng.uniform(0, 30, 900)
    frame = pd.DataFrame({"duration": np.minimum(t, c), "event": (t <= c).astype(int), "x": x})
    train, test = frame.iloc[:600], frame.iloc[600:]
    fit = survival.cox(train, ["x"]) if family == "cox" else survival.aft(train, ["x"], family=family)
    table = survival.evaluate_model(fit, train, test, horizons=(6, 12))
    old = survival.evaluate_holdout(fit, train, test, horizons=(6, 12)).set_index("metric")
    rows = table.set_index(["metric", "horizon"])
    assert rows["value"].xs("concordance (Harrell)", level="metric").iloc[0] == pytest.approx(
        old.loc["concordance (Harrell)", "value"], abs=1e-9)
    assert rows.loc[("integrated Brier score", 12.0), "value"] < rows.loc[("integrated Brier score", 12.0), "km_null"]
    assert rows.loc[("concordance (Uno)", 12.0), "value"] > 0.7
    assert rows.loc[("calibration slope", 12.0), "value"] == pytest.approx(1.0, abs=0.25)
    assert rows.loc[("ICI", 6.0), "value"] < 0.08


def test_evaluate_model_keeps_the_metrics_asked_for_in_the_tables_order():
    """churn-survival's holdout table: a subset of the full table, rows unchanged; an unknown name is refused."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=600)
    t, c = rng.exponential(12 / np.exp(x)), rng.uniform(0, 30, 600)
    frame = pd.DataFrame({"duration": np.minimum(t, c), "event": (t <= c).astype(int), "x": x})
    train, test = frame.iloc[:400], frame.iloc[400:]
    fit = survival.cox(train, ["x"])
    full = survival.evaluate_model(fit, train, test, horizons=(6, 12))
    keep = ["integrated Brier score", "concordance (Uno)", "time-dependent AUC"]
    some = survival.evaluate_model(fit, train, test, horizons=(6, 12), metrics=keep)
    assert some["metric"].tolist() == ["concordance (Uno)", "time-dependent AUC", "time-dependent AUC",
                                       "integrated Brier score"]
    pd.testing.assert_frame_equal(some, full[full["metric"].isin(keep)].reset_index(drop=True))
    with pytest.raises(ParameterError, match=r"metrics \['Uno C'\] are not in the table"):
        survival.evaluate_model(fit, train, test, horizons=(6, 12), metrics=["Uno C"])


@pytest.mark.parametrize("call, match", [
    (lambda: survival.uno_concordance([0.1, np.nan, 0.3], [1, 2, 3], [1, 1, 0]),
     r"risk is missing \(NaN\) for 1 of 3 customers"),
    (lambda: survival.harrell_concordance([0.1, 0.2], [1, 2, 3], [1, 1, 0]), r"risk has shape \(2,\), expected 3"),
    (lambda: survival.harrell_concordance([0.1, 0.2, 0.3], [1, -2, 3], [1, 1, 0]),
     r"duration must be finite and >= 0; 1 of 3 customers"),
    (lambda: survival.brier_score([0.1, 0.2, 0.3], [1, 2, 3], [1, 2, 0], 2.0), r"event must be 0/1"),
    (lambda: survival.cumulative_dynamic_auc([0.1, 0.2, 0.3], [1, 2, 3], [1, 1, 0], [2, 1]),
     r"times must be finite, > 0 and increasing"),
    (lambda: survival.survival_scores(np.full((3, 2), 0.5), [1, 2], [1, 2, 3], [1, 1, 0], horizons=[1.5]),
     r"horizons \[1.5\] are not among the times"),
    (lambda: survival.integrated_brier_score(np.full((3, 3), 0.5), [1, 2, 3], [1, 1, 0], [1, 2]),
     r"surv has shape \(3, 3\), expected \(3, 2\)"),
    (lambda: survival.horizon_calibration([0.1, 1.4, -0.3], [1, 2, 3], [1, 1, 0], 2.0),
     r"probabilities in \[0, 1\]; 2 of 3 customers"),
    (lambda: survival.uno_concordance([0.1, 0.2, 0.3], [1, 2, 3], [1, 1, 0], train_duration=[1, 2]),
     r"give both train_duration and train_event"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValidationError, match=match):
        call()


def test_constant_predictions_warn_and_give_no_slope():
    """The edge answers with a warning naming the limit, not an exception."""
    _, d, e = _simulate(300, 4)
    with pytest.warns(DataWarning, match="all 300 predictions at t=6 are equal"):
        cal = survival.horizon_calibration(np.full(300, 0.3), d, e, 6.0)
    assert np.isnan(cal.slope) and cal.ici == pytest.approx(abs(cal.observed - 0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert survival.harrell_concordance(np.zeros(300), d, e) == pytest.approx(0.5)


def test_cause_specific_calibration_of_the_true_incidence_and_of_a_miscalibrated_one():
    """Two causes with hazards 0.1 exp(x) and 0.1: the true F_1(6 | x) has slope 1 and ICI < 0.02; predictions
    pulled halfway to their mean have slope near 2 (they spread too little); a cause without exits is refused."""
    rng = np.random.default_rng(5)
    n = 6000
    x = rng.normal(size=n)
    h1, h2 = 0.1 * np.exp(x), 0.1
    t = rng.exponential(1 / (h1 + h2))
    first = rng.uniform(size=n) < h1 / (h1 + h2)
    c = rng.uniform(0, 30, n)
    d, e = np.minimum(t, c), np.where(t <= c, np.where(first, 1, 2), 0)
    true = h1 / (h1 + h2) * (1 - np.exp(-(h1 + h2) * 6))
    cal = survival.cause_specific_calibration(true, d, e, t=6.0, cause=1)
    assert abs(cal.slope - 1) < 0.08 and abs(cal.intercept) < 0.02 and cal.ici < 0.02, cal
    aj = survival.cuminc(pd.DataFrame({"duration": d, "event": e}), horizons=(6.0,)).at_horizons_
    assert cal.observed == pytest.approx(float(aj.loc[aj["cause"] == 1, "cif"].iloc[0]), abs=1e-12)
    shrunk = true.mean() + 0.5 * (true - true.mean())
    assert 1.8 < survival.cause_specific_calibration(shrunk, d, e, t=6.0, cause=1).slope < 2.2
    with pytest.raises(ValidationError, match="no customer left for cause 3"):
        survival.cause_specific_calibration(true, d, e, t=6.0, cause=3)
    with pytest.raises(ValidationError, match="probabilities in"):
        survival.cause_specific_calibration(true + 1, d, e, t=6.0, cause=1)
