"""Pareto/NBD and BG/NBD with time-invariant covariates (Fader & Hardie 2007): the models without covariates
when a covariate is constant, simulated effects recovered, the LR test, predictions with each customer's own
parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from crmresearch import clv
from crmresearch.errors import DataWarning, ValidationError


def simulate_pnbd(z: np.ndarray, r, alpha0, s, beta0, g_p, g_d, T, rng) -> pd.DataFrame:
    """Pareto/NBD's own process with alpha_i = alpha0 exp(-g_p z_i), beta_i = beta0 exp(-g_d z_i); times in
    days (so the rows compress, as a real log's do)."""
    n = z.size
    lam = rng.gamma(r, 1 / (alpha0 * np.exp(-g_p * z)))
    mu = rng.gamma(s, 1 / (beta0 * np.exp(-g_d * z)))
    end = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * end)
    tx = np.where(x > 0, end * rng.beta(np.maximum(x, 1), 1, n), 0.0)
    tx = np.where(x > 0, np.maximum(np.ceil(tx * 7), 1) / 7, 0.0)
    return pd.DataFrame({"frequency": x, "recency": np.minimum(tx, T), "T": np.full(n, float(T))})


def simulate_bgnbd_groups(z: np.ndarray, r, alpha0, a0, b0, g_p, g_a, g_b, T, seed) -> pd.DataFrame:
    """BG/NBD's own process (clv.simulate_bgnbd) for each value of a 0/1 covariate, recency in days."""
    out = pd.DataFrame(index=range(z.size), columns=["frequency", "recency", "T"], dtype=float)
    for v in (0, 1):
        idx = np.flatnonzero(z == v)
        sim = clv.simulate_bgnbd(idx.size, r, alpha0 * np.exp(-g_p * v), a0 * np.exp(g_a * v), b0 * np.exp(g_b * v),
                                 T, seed=seed + v)
        out.loc[idx] = sim.to_numpy(dtype=float)
    out["recency"] = np.where(out["frequency"] > 0, np.maximum(np.ceil(out["recency"] * 7), 1) / 7, 0.0)
    return out.astype({"frequency": int})


@pytest.fixture(scope="module")
def constant(cdnow_summary):
    s = cdnow_summary.iloc[:1200]
    X = pd.DataFrame({"c": np.full(len(s), 2.0)}, index=s.index)
    with pytest.warns(DataWarning, match="constant in these data.*held at 0"):
        pnbd = clv.ParetoNBDCovariates().fit(s["frequency"], s["recency"], s["T"], X)
    with pytest.warns(DataWarning, match="constant in these data.*held at 0"):
        bg = clv.BetaGeoNBDCovariates().fit(s["frequency"], s["recency"], s["T"], X)
    return X, pnbd, bg


@pytest.mark.parametrize(("which", "plain", "names"), [("pnbd", clv.ParetoNBD, ("r", "alpha", "s", "beta")),
                                                       ("bg", clv.BetaGeoNBD, ("r", "alpha", "a", "b"))])
def test_a_constant_covariate_gives_the_model_without_covariates(constant, cdnow_summary, which, plain, names):
    s = cdnow_summary.iloc[:1200]
    X, pnbd, bg = constant
    m = pnbd if which == "pnbd" else bg
    ref = plain().fit(s["frequency"], s["recency"], s["T"])
    assert m.log_likelihood_ == pytest.approx(ref.log_likelihood_, abs=1e-6)
    for k in names:
        assert m.params_[k] == pytest.approx(ref.params_[k], rel=1e-6), k
        assert m.summary.loc[k, "std_error"] == pytest.approx(ref.summary.loc[k, "std_error"], rel=1e-3), k
    held = [k for k in m.params_.index if ":" in k]
    assert (m.params_[held] == 0).all() and m.summary.loc[held, "std_error"].isna().all()
    assert m.lr_test_["df"] == 0 and m.lr_test_["statistic"] == pytest.approx(0, abs=1e-6)
    # the likelihood itself (an independent implementation, with alpha_i etc. per customer) at the fitted point
    assert m.log_likelihood(s["frequency"], s["recency"], s["T"], X) == pytest.approx(ref.log_likelihood_, abs=1e-6)
    # predictions per customer equal the model's own at the same parameters
    ref.params_ = m.params_[list(names)].rename("estimate")
    f, r, T = s["frequency"], s["recency"], s["T"]
    np.testing.assert_allclose(m.probability_alive(f, r, T, X), ref.probability_alive(f, r, T), rtol=1e-9)
    np.testing.assert_allclose(m.expected_purchases(39.0, f, r, T, X), ref.expected_purchases(39.0, f, r, T),
                               rtol=1e-9)
    np.testing.assert_allclose(m.expected_purchases_new([10.0, 39.0], X.iloc[:2]), ref.expected_purchases_new(
        [10.0, 39.0]), rtol=1e-9)


def test_pareto_nbd_likelihood_per_customer_equals_the_model_without_covariates_away_from_the_optimum(
        cdnow_summary):
    """The per-customer likelihood with alpha_i, beta_i against ParetoNBD's own, at points where alpha < beta and
    alpha > beta (both hypergeometric branches) and near no dropout (beta >> T)."""
    from crmresearch.clv.covariates import _pnbd_rows

    s = cdnow_summary
    x, tx, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    for p in ({"r": 0.5, "alpha": 3.0, "s": 0.8, "beta": 20.0}, {"r": 1.5, "alpha": 30.0, "s": 0.3, "beta": 2.0},
              {"r": 0.5, "alpha": 10.0, "s": 2.0, "beta": 1e9}):
        ours = _pnbd_rows(tuple(np.full(x.size, p[k]) for k in ("r", "alpha", "s", "beta")), x, tx, T)[0].sum()
        assert ours == pytest.approx(clv.ParetoNBD().log_likelihood(x, tx, T, params=p), rel=1e-10), p


def _recovered(tables: list[pd.DataFrame], truth: dict, names: list[str]) -> float:
    """Every effect within its 99 % interval on every seed; the share of 95 % intervals holding the truth."""
    hits = []
    for table in tables:
        for k in names:
            est, se = table.loc[k, ["estimate", "std_error"]]
            assert abs(est - truth[k]) < ndtri(0.995) * se, (k, table)
            hits.append(table.loc[k, "ci_lower"] < truth[k] < table.loc[k, "ci_upper"])
    return float(np.mean(hits))


def test_pareto_nbd_effects_recovered_from_its_own_process():
    truth = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0, "purchase:z": 0.6, "dropout:z": -0.8}
    tables = []
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        z = rng.integers(0, 2, 1500).astype(float)
        sim = simulate_pnbd(z, *truth.values(), 52.0, rng)
        m = clv.ParetoNBDCovariates().fit(sim["frequency"], sim["recency"], sim["T"], pd.DataFrame({"z": z}))
        assert m.lr_test_["df"] == 2 and m.lr_test_["p_value"] < 1e-3
        tables.append(m.summary)
    assert _recovered(tables, truth, list(truth)) >= 5 / 6


def test_bg_nbd_effects_recovered_from_its_own_process():
    truth = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 3.0, "purchase:z": 0.5, "dropout_a:z": 0.6, "dropout_b:z": -0.3}
    tables = []
    for seed in (11, 12, 13):
        z = np.random.default_rng(seed).integers(0, 2, 2000).astype(float)
        sim = simulate_bgnbd_groups(z, *truth.values(), 52.0, seed * 10)
        m = clv.BetaGeoNBDCovariates().fit(sim["frequency"], sim["recency"], sim["T"], pd.DataFrame({"z": z}))
        assert m.lr_test_["df"] == 3 and m.lr_test_["p_value"] < 1e-3
        tables.append(m.summary)
    assert _recovered(tables, truth, list(truth)) >= 5 / 6


def test_predictions_use_each_customers_own_parameters():
    rng = np.random.default_rng(5)
    z = rng.integers(0, 2, 1000).astype(float)
    sim = simulate_pnbd(z, 0.8, 8.0, 0.7, 12.0, 0.6, -0.8, 52.0, rng)
    X = pd.DataFrame({"z": z})
    m = clv.ParetoNBDCovariates().fit(sim["frequency"], sim["recency"], sim["T"], X)
    P = m.individual_parameters(X)
    one = P.iloc[[0]].iloc[0]
    plain = clv.ParetoNBD()
    plain.params_ = pd.Series(one.to_numpy(), index=pd.Index(["r", "alpha", "s", "beta"], name="parameter"))
    f, r, T = sim["frequency"].iloc[:1], sim["recency"].iloc[:1], sim["T"].iloc[:1]
    assert m.probability_alive(f, r, T, X.iloc[:1])[0] == pytest.approx(plain.probability_alive(f, r, T)[0],
                                                                          rel=1e-10)
    assert m.expected_purchases(26.0, f, r, T, X.iloc[:1])[0] == pytest.approx(
        plain.expected_purchases(26.0, f, r, T)[0], rel=1e-10)
    # the group with the positive purchase effect buys more, the group with the negative dropout effect stays
    new = m.expected_purchases_new(52.0, pd.DataFrame({"z": [0.0, 1.0]}))
    assert new[1] > new[0]
    assert P.loc[z == 1, "alpha"].iloc[0] < P.loc[z == 0, "alpha"].iloc[0]


def test_bad_covariates_are_named():
    sim = clv.simulate_bgnbd(200, r=0.5, alpha=6.0, a=0.8, b=3.0, T=52.0, seed=1)
    f, r, T = sim["frequency"], sim["recency"], sim["T"]
    with pytest.raises(ValidationError, match="one row per customer"):
        clv.ParetoNBDCovariates().fit(f, r, T, pd.DataFrame({"z": [1.0] * 10}))
    with pytest.raises(ValidationError, match=r"1 of 200 rows have missing covariates \(\['z'\]\)"):
        clv.ParetoNBDCovariates().fit(f, r, T, pd.DataFrame({"z": [np.nan] + [1.0] * 199}))
    with pytest.raises(ValidationError, match="collinear"):
        z = np.arange(200) % 2
        clv.BetaGeoNBDCovariates().fit(f, r, T, pd.DataFrame({"z": z, "w": 1 - z}))
    m = clv.BetaGeoNBDCovariates(dropout=[]).fit(f, r, T, pd.DataFrame({"z": np.arange(200) % 2}))
    with pytest.raises(ValidationError, match="covariate 'z' \\(purchase\\) not in X"):
        m.probability_alive(f, r, T, pd.DataFrame({"q": np.zeros(200)}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(m.params_.index) == ["r", "alpha", "a", "b", "purchase:z"]


# CLV of existing customers with their own covariates ----------------------------------------------------------
def _spend_model(frequency: np.ndarray, rng) -> tuple[clv.GammaGamma, np.ndarray]:
    """Gamma-Gamma's own process (p 6, q 4, gamma 15): nu_i ~ Gamma(q, rate gamma), the sum of x spends ~
    Gamma(p x, rate nu_i); a Gamma-Gamma fitted on the repeat buyers' mean spends."""
    nu = rng.gamma(4.0, 1 / 15.0, frequency.size)
    k = np.maximum(frequency, 1)
    mean = np.where(frequency > 0, rng.gamma(6.0 * k, 1 / nu) / k, 0.0)
    buyers = frequency > 0
    return clv.GammaGamma().fit(frequency[buyers], mean[buyers]), mean


@pytest.mark.parametrize("which", ["pnbd", "bg"])
def test_clv_with_a_constant_covariate_equals_the_model_without_covariates(constant, cdnow_summary, which):
    """clv_intervals with a covariate model and its (constant) covariates equals clv_intervals with the model
    without covariates at the same parameters and covariance: values, P(alive), standard errors (1e-8)."""
    s = cdnow_summary.iloc[:1200].copy()
    X, pnbd, bg = constant
    m = pnbd if which == "pnbd" else bg
    plain = clv.ParetoNBD() if which == "pnbd" else clv.BetaGeoNBD()
    names = list(m._names)
    plain.params_ = m.params_[names].rename("estimate")
    plain.variance_matrix_ = m.variance_matrix_.loc[names, names]
    plain.limits_ = ()
    buyers = s[s["frequency"] > 0]
    gg = clv.GammaGamma().fit(buyers["frequency"], buyers["monetary_value"])
    part = s.iloc[:300]
    got = clv.clv_intervals(m, gg, part, horizon=26, discount_rate=0.002, covariates=X.iloc[:300])
    want = clv.clv_intervals(plain, gg, part, horizon=26, discount_rate=0.002)
    for col in ("expected_purchases", "probability_alive", "clv", "clv_std_error", "clv_ci_lower", "clv_ci_upper"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-8, err_msg=col)
    assert got.attrs["total"]["std_error"] == pytest.approx(want.attrs["total"]["std_error"], rel=1e-8)
    with pytest.raises(ValidationError, match="covariates go with a covariate model"):
        clv.clv_intervals(m, gg, part, horizon=26)
    with pytest.raises(ValidationError, match="one row per customer of the summary \\(300\\)"):
        clv.clv(m, gg, part, horizon=26, covariates=X.iloc[:10])


def test_clv_with_covariate_effects_against_the_simulators_truth():
    """Pareto/NBD with effects on purchase and dropout: each group's expected holdout purchases against the
    simulated holdout (the process run on past the calibration end), and the CLV at the true parameters inside the
    fitted model's 95 % interval of the total; the model without covariates misses the groups' difference."""
    truth = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0, "g_p": 0.6, "g_d": -0.8}
    rng = np.random.default_rng(21)
    n, T, horizon = 4000, 52.0, 52.0
    z = rng.integers(0, 2, n).astype(float)
    lam = rng.gamma(truth["r"], 1 / (truth["alpha"] * np.exp(-truth["g_p"] * z)))
    mu = rng.gamma(truth["s"], 1 / (truth["beta"] * np.exp(-truth["g_d"] * z)))
    death = rng.exponential(1 / mu)
    x = rng.poisson(lam * np.minimum(death, T))
    tx = np.where(x > 0, np.minimum(death, T) * rng.beta(np.maximum(x, 1), 1, n), 0.0)
    future = rng.poisson(lam * np.clip(death - T, 0, horizon))  # purchases in (T, T + horizon]
    s = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    gg, s["monetary_value"] = _spend_model(x.astype(float), rng)
    X = pd.DataFrame({"z": z})
    m = clv.ParetoNBDCovariates().fit(s["frequency"], s["recency"], s["T"], X)
    got = clv.clv_intervals(m, gg, s, horizon=horizon, steps=13, covariates=X)
    for v in (0.0, 1.0):
        grp = z == v
        assert got.loc[grp, "expected_purchases"].sum() == pytest.approx(future[grp].sum(), rel=0.1), v
    plain = clv.ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
    flat = clv.clv(plain, gg, s, horizon=horizon, steps=13)
    gap_cov = got.loc[z == 1, "expected_purchases"].mean() - got.loc[z == 0, "expected_purchases"].mean()
    gap_true = future[z == 1].mean() - future[z == 0].mean()
    gap_flat = flat.loc[z == 1, "expected_purchases"].mean() - flat.loc[z == 0, "expected_purchases"].mean()
    assert abs(gap_cov - gap_true) < abs(gap_flat - gap_true)
    # the CLV at the true parameters: inside the total's interval
    at_truth = clv.ParetoNBDCovariates.__new__(clv.ParetoNBDCovariates)
    at_truth.__dict__.update(m.__dict__)
    at_truth.params_ = pd.Series([truth["r"], truth["alpha"], truth["s"], truth["beta"], truth["g_p"], truth["g_d"]],
                                 index=m.params_.index, name="estimate")
    true_total = clv.clv(at_truth, gg, s, horizon=horizon, steps=13, covariates=X)["clv"].sum()
    total = got.attrs["total"]
    assert total["ci_lower"] < true_total < total["ci_upper"], (total, true_total)
    assert (got["clv_ci_lower"] <= got["clv"]).all() and (got["clv"] <= got["clv_ci_upper"]).all()
