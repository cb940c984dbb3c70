"""The censoring-aware metrics against scikit-survival (``sksurv.metrics``), the Python peer, on the same
predictions: Uno's concordance (``concordance_index_ipcw``), the cumulative/dynamic AUC and its mean
(``cumulative_dynamic_auc``), the Brier score (``brier_score``) and the integrated Brier score
(``integrated_brier_score``: the trapezoid over the times divided by the span, as ours).

Both estimate the censoring survival G by Kaplan-Meier with the exits at t leaving before the censorings at t.
The one documented difference is where a customer's own weight is read: scikit-survival takes 1 / G(T_i), R and
this package 1 / G(T_i-) (``riskRegression::Score``, ``survival::concordance``). They differ only where customers
are censored at the very time of an exit: on continuous times the metrics are equal to 1e-12; on R's ``lung``
(13 days with both an exit and a censoring) they differ by up to 2.4e-4, and reading G at T_i in our formulas
gives scikit-survival's numbers to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import survival
from crmresearch.survival.evaluate import _auc_at, _brier_at, _concordance, censoring_survival

sksurv_metrics = pytest.importorskip("sksurv.metrics", reason="scikit-survival (the dev extra) is not installed")


def _sk(d, e):
    from sksurv.util import Surv

    return Surv.from_arrays(np.asarray(e).astype(bool), np.asarray(d, dtype=float))


@pytest.fixture(scope="module")
def continuous() -> dict:
    """400 customers, exponential exits with a log hazard ratio of 1 on x, uniform censoring: no ties."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    t, c = rng.exponential(10 / np.exp(x)), rng.uniform(0, 25, 400)
    d, e = np.minimum(t, c), (t <= c).astype(int)
    grid = np.quantile(d[e == 1], [0.1, 0.3, 0.5, 0.7, 0.9])
    return {"d": d, "e": e, "risk": x, "surv": np.exp(-np.outer(np.exp(x), grid) / 10), "grid": grid}


@pytest.fixture(scope="module")
def lung() -> dict:
    from lifelines.datasets import load_lung

    frame = (load_lung().dropna(subset=["ph.ecog"]).reset_index(drop=True)
             .rename(columns={"time": "duration", "status": "event", "ph.ecog": "ecog"}))
    frame["duration"] = frame["duration"].astype(float)
    fit = survival.cox(frame, ["age", "sex", "ecog"])
    grid = np.arange(30.0, 751.0, 30.0)
    X = frame[["age", "sex", "ecog"]]
    return {"d": frame["duration"].to_numpy(), "e": frame["event"].to_numpy(), "grid": grid,
            "surv": fit.model_.predict_survival_function(X, times=grid).to_numpy().T,
            "risk": fit.model_.predict_log_partial_hazard(X).to_numpy()}


def _ours(case: dict) -> dict:
    d, e, grid, surv = case["d"], case["e"], case["grid"], case["surv"]
    auc, mean_auc = survival.cumulative_dynamic_auc(1 - surv, d, e, grid)
    return {"uno": survival.uno_concordance(case["risk"], d, e, tau=grid[-1]), "auc": auc, "mean_auc": mean_auc,
            "brier": np.array([survival.brier_score(surv[:, k], d, e, t) for k, t in enumerate(grid)]),
            "ibs": survival.integrated_brier_score(surv, d, e, grid)}


def _theirs(case: dict) -> dict:
    y = _sk(case["d"], case["e"])
    grid, surv = case["grid"], case["surv"]
    auc, mean_auc = sksurv_metrics.cumulative_dynamic_auc(y, y, 1 - surv, grid)
    return {"uno": sksurv_metrics.concordance_index_ipcw(y, y, case["risk"], tau=grid[-1])[0], "auc": auc,
            "mean_auc": mean_auc, "brier": sksurv_metrics.brier_score(y, y, surv, grid)[1],
            "ibs": sksurv_metrics.integrated_brier_score(y, y, surv, grid)}


def test_metrics_equal_scikit_survival_on_continuous_times(continuous):
    ours, theirs = _ours(continuous), _theirs(continuous)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=1e-12, err_msg=key)


def test_on_tied_exit_and_censoring_days_the_difference_is_only_where_g_is_read(lung):
    """lung: our numbers (R's) differ from scikit-survival's by at most 2.4e-4; with each customer's weight read at
    G(T_i) instead of G(T_i-) our formulas give scikit-survival's to 1e-12."""
    d, e, grid, surv = lung["d"], lung["e"], lung["grid"], lung["surv"]
    assert np.intersect1d(d[e == 1], d[e == 0]).size == 13
    ours, theirs = _ours(lung), _theirs(lung)
    gaps = {k: float(np.max(np.abs(np.asarray(ours[k]) - theirs[k]))) for k in ours}
    assert 1e-6 < max(gaps.values()) < 3e-4, gaps
    G = censoring_survival(d, e)
    at_t = lambda t, left=True: G(t, left=False)  # noqa: E731 - G(T_i), not G(T_i-)
    uno = _concordance(lung["risk"], d, e, grid[-1], lambda t: 1.0 / float(at_t(np.array([t]))[0]) ** 2)
    assert uno == pytest.approx(theirs["uno"], abs=1e-12)
    np.testing.assert_allclose([_auc_at(1 - surv[:, k], d, e, t, at_t) for k, t in enumerate(grid)], theirs["auc"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose([_brier_at(surv[:, k], d, e, t, at_t) for k, t in enumerate(grid)], theirs["brier"],
                               rtol=0, atol=1e-12)
