"""Forecasts for customers not yet acquired (cohorts joining at given times, CLV at acquisition) with
delta-method intervals, for every purchase model; CLV intervals of existing customers for every model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv
from crmresearch.errors import ValidationError

DONATIONS = {"frequency": [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6],
             "recency": [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6],
             "weights": [3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234, 322, 181, 225, 357, 240, 284,
                         512, 335, 728, 1203]}


@pytest.fixture(scope="module")
def models(cdnow_summary):
    s = cdnow_summary
    f, r, T = s["frequency"], s["recency"], s["T"]
    out = {M.__name__: M().fit(f, r, T) for M in (clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD, clv.ParetoNBD)}
    out["BetaGeoBetaBinom"] = clv.BetaGeoBetaBinom().fit(DONATIONS["frequency"], DONATIONS["recency"], [6] * 22,
                                                          DONATIONS["weights"])
    buyers = s[s["frequency"] > 0]
    return out, clv.GammaGamma().fit(buyers["frequency"], buyers["monetary_value"])


@pytest.mark.parametrize("name", ["BetaGeoNBD", "ModifiedBetaGeoNBD", "ParetoNBD", "BetaGeoBetaBinom"])
def test_a_cohort_forecast_sums_each_joiners_expected_purchases(models, name):
    m = models[0][name]
    joins, sizes, times = np.array([0.0, 2.0, 5.0]), np.array([100.0, 50.0, 20.0]), np.array([1.0, 3.0, 6.0, 10.0])
    f = clv.new_customer_purchases(m, joins, times, sizes)
    direct = [sum(n * float(m.expected_purchases_new(t - j)) for j, n in zip(joins, sizes, strict=True) if t > j)
              for t in times]
    np.testing.assert_allclose(f["expected_purchases"], direct, rtol=1e-12)
    np.testing.assert_allclose(f["per_period"].cumsum(), f["expected_purchases"], rtol=1e-12)
    assert (f["ci_lower"] < f["expected_purchases"]).all() and (f["expected_purchases"] < f["ci_upper"]).all()
    assert "delta method" in f.attrs["method"]
    one = clv.new_customer_purchases(m, [4.0], [3.0, 4.0, 9.0])  # one customer joining at t = 4
    assert one["expected_purchases"].iloc[:2].tolist() == [0.0, 0.0]
    assert one["expected_purchases"].iloc[2] == pytest.approx(float(m.expected_purchases_new(5.0)), rel=1e-12)


@pytest.mark.parametrize("name", ["BetaGeoNBD", "ModifiedBetaGeoNBD", "ParetoNBD"])
def test_a_new_customer_is_a_customer_of_age_zero(models, name):
    """E[X(t)] of a new customer is the conditional expectation of a customer with x = 0 at age T -> 0 (the
    one formula checks the other)."""
    m = models[0][name]
    t = np.array([5.0, 26.0, 52.0])
    tiny = np.full(3, 1e-9)
    np.testing.assert_allclose(m.expected_purchases_new(t), m.expected_purchases(t, np.zeros(3), np.zeros(3), tiny),
                               rtol=1e-6)
    assert name != "BetaGeoNBD" or clv.BetaGeoNBD.cumulative_expected_purchases(
        m, np.array([0.0, 4.0]), np.array([30.0]))[0] == pytest.approx(
        clv.new_customer_purchases(m, [0.0, 4.0], [30.0])["expected_purchases"].iloc[0], rel=1e-12)


def test_the_delta_method_agrees_with_parameter_draws(models):
    """The delta-method standard error of a cohort forecast against the SD over 2,000 parameter vectors drawn
    from N(theta, (0.05)^2 V), divided by 0.05: the same first-order approximation (the spread shrunk so the
    forecast is linear over it), computed another way."""
    m = models[0]["ParetoNBD"]
    f = clv.new_customer_purchases(m, [0.0, 10.0], [52.0], [1000.0, 500.0])
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(m.params_.to_numpy(), 0.05 ** 2 * m.variance_matrix_.to_numpy(), 2000)
    vals = []
    for d in draws:
        moved = clv.ParetoNBD()
        moved.params_ = pd.Series(d, index=m.params_.index)
        vals.append(1000 * moved.expected_purchases_new(52.0) + 500 * moved.expected_purchases_new(42.0))
    assert f["std_error"].iloc[0] == pytest.approx(np.std(vals) / 0.05, rel=0.05)


def test_new_customer_value_is_the_discounted_sum_of_its_purchases(models):
    m, gg = models[0]["BetaGeoNBD"], models[1]
    v = clv.new_customer_value(m, gg, horizon=52, discount_rate=0.002, margin=0.3)
    p, q, g = gg.params_["p"], gg.params_["q"], gg.params_["v"]
    cum = np.array([0.0] + [float(m.expected_purchases_new(k)) for k in range(1, 53)])
    manual = 0.3 * p * g / (q - 1) * np.diff(cum) @ (1 / 1.002 ** np.arange(1, 53))
    assert v.loc[0, "clv"] == pytest.approx(manual, rel=1e-12)
    assert v.loc[0, "expected_purchases"] == pytest.approx(cum[-1], rel=1e-12)
    fixed = clv.new_customer_value(m, p * g / (q - 1), horizon=52, discount_rate=0.002, margin=0.3)
    assert fixed.loc[0, "clv"] == pytest.approx(manual, rel=1e-12)
    # the spend model's uncertainty adds to the purchase model's (independent blocks)
    assert 0 < fixed.loc[0, "clv_std_error"] < v.loc[0, "clv_std_error"]
    assert v.loc[0, "clv_ci_lower"] < v.loc[0, "clv"] < v.loc[0, "clv_ci_upper"]


@pytest.mark.parametrize("name", ["BetaGeoNBD", "ModifiedBetaGeoNBD", "ParetoNBD", "BetaGeoBetaBinom"])
def test_every_model_gives_clv_with_intervals(models, cdnow_summary, name):
    m, gg = models[0][name], models[1]
    if name == "BetaGeoBetaBinom":  # opportunities: 6 observed, 5 ahead, one row per donor pattern
        s = pd.DataFrame({"frequency": DONATIONS["frequency"], "recency": DONATIONS["recency"], "T": 6,
                          "monetary_value": 50.0})
        horizon = 5
    else:
        s, horizon = cdnow_summary.head(40), 52
    v = clv.clv_intervals(m, gg, s, horizon=horizon, discount_rate=0.002, margin=0.3)
    assert (v["clv_ci_lower"] <= v["clv"]).all() and (v["clv"] <= v["clv_ci_upper"]).all()
    assert v["clv_std_error"].gt(0).all() and np.isfinite(v.attrs["total"]["std_error"])
    new = clv.new_customer_value(m, gg, horizon=horizon, discount_rate=0.002, margin=0.3)
    assert new.loc[0, "clv_ci_lower"] < new.loc[0, "clv"] < new.loc[0, "clv_ci_upper"]


def test_covariate_models_forecast_new_customers_with_their_covariates():
    sim = clv.simulate_bgnbd(600, r=0.5, alpha=6.0, a=0.8, b=3.0, T=52.0, seed=3)
    X = pd.DataFrame({"web": (np.arange(600) % 2).astype(float)})
    m = clv.BetaGeoNBDCovariates(dropout=[]).fit(sim["frequency"], sim["recency"], sim["T"], X)
    cohorts = pd.DataFrame({"web": [0.0, 1.0]})
    f = clv.new_customer_purchases(m, [0.0, 0.0], [26.0], [30.0, 70.0], X=cohorts)
    each = m.expected_purchases_new(26.0, cohorts)
    assert f["expected_purchases"].iloc[0] == pytest.approx(30 * each[0] + 70 * each[1], rel=1e-12)
    assert f["std_error"].iloc[0] > 0
    v = clv.new_customer_value(m, 20.0, horizon=26, X=cohorts)
    assert v.index.equals(cohorts.index) and (v["clv_std_error"] > 0).all()


def test_bad_input_is_refused(models):
    m, gg = models[0]["BetaGeoNBD"], models[1]
    with pytest.raises(ValidationError, match="has no expected_purchases_new"):
        clv.new_customer_purchases(gg, [0.0], [1.0])
    with pytest.raises(ValidationError, match="equal length"):
        clv.new_customer_purchases(m, [0.0, 1.0], [5.0], sizes=[10.0])
    with pytest.raises(ValidationError, match="1 of 2 cohort sizes are negative"):
        clv.new_customer_purchases(m, [0.0, 1.0], [5.0], sizes=[10.0, -1.0])
    with pytest.raises(ValidationError, match="margin in"):
        clv.new_customer_value(m, gg, margin=2.0)


def test_new_customer_values_is_one_row_of_new_customer_value_per_model_and_a_limit_gives_the_reduced_models(
        models, cdnow_summary):
    """Each row equals new_customer_value of its model; GG/NBD at its b -> 0 limit (CDNOW) gives the Pareto/NBD's
    value and interval (its covariance with b held, variance_matrix_at_limit_)."""
    import warnings

    fits, gg = models
    s = cdnow_summary
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ggnbd = clv.GammaGompertzNBD().fit(s["frequency"], s["recency"], s["T"])
    chosen = {"BG/NBD": fits["BetaGeoNBD"], "Pareto/NBD": fits["ParetoNBD"], "GG/NBD": ggnbd}
    table = clv.new_customer_values(chosen, gg, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3)
    assert table["model"].tolist() == list(chosen)
    for i, (label, m) in enumerate(chosen.items()):
        alone = clv.new_customer_value(m, gg, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3)
        for col in alone.columns:
            assert table.loc[i, col] == pytest.approx(alone.loc[0, col], rel=1e-12), (label, col)
    pareto, at_limit = table.set_index("model").loc["Pareto/NBD"], table.set_index("model").loc["GG/NBD"]
    for col in ("clv", "clv_ci_lower", "clv_ci_upper"):
        assert at_limit[col] == pytest.approx(pareto[col], rel=1e-3), col
    with pytest.raises(ValidationError, match="at least one"):
        clv.new_customer_values({}, gg)
