"""Mixture cure model and Maller-Zhou's follow-up test: simulated truth (cure fraction and coefficients inside
their intervals over seeds), the Kaplan-Meier plateau, the plain Weibull AFT of lifelines when no one is cured,
and the refusals. R's smcure and flexsurvcure are not packaged in Debian, so there is no R peer here."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from crmresearch import survival
from crmresearch.errors import FollowUpWarning, ParameterError, ValidationError
from crmresearch.survival import cure

TRUTH = {"incidence:intercept": 0.4, "incidence:x": -0.8, "incidence:z": 0.5,
         "latency:intercept": np.log(10.0), "latency:x": 0.3, "latency:log_shape": np.log(1.4)}


def _simulate(seed: int, n: int = 1500, follow: float = 120.0) -> pd.DataFrame:
    """Incidence logit 0.4 - 0.8 x + 0.5 z; latency Weibull, log lambda = log 10 + 0.3 x, rho 1.4; uniform
    staggered entry censoring between follow/2 and follow."""
    rng = np.random.default_rng(seed)
    x, z = rng.integers(0, 2, n), rng.normal(size=n)
    leaves = rng.random(n) < expit(TRUTH["incidence:intercept"] + TRUTH["incidence:x"] * x + TRUTH["incidence:z"] * z)
    lam = np.exp(TRUTH["latency:intercept"] + TRUTH["latency:x"] * x)
    t = np.where(leaves, lam * rng.weibull(np.exp(TRUTH["latency:log_shape"]), n), np.inf)
    c = rng.uniform(follow / 2, follow, n)
    return pd.DataFrame({"duration": np.minimum(t, c), "event": (t <= c).astype(int), "x": x, "z": z,
                         "cured": ~leaves})


def test_the_gradient_is_that_of_the_likelihood():
    f = _simulate(0, n=300)
    fit = survival.MixtureCure(["x"], incidence=["x", "z"]).fit(f)
    Z, X = fit._inc.matrix, fit._lat.matrix
    logt, e = np.log(f["duration"].to_numpy()), f["event"].to_numpy()
    theta = fit.params_.to_numpy() + 0.1
    _, g = cure._negloglik(theta, Z, X, logt, e)
    h = 1e-6
    num = [(cure._negloglik(theta + h * np.eye(theta.size)[j], Z, X, logt, e)[0]
            - cure._negloglik(theta - h * np.eye(theta.size)[j], Z, X, logt, e)[0]) / (2 * h)
           for j in range(theta.size)]
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5)


def test_the_simulated_truth_lies_inside_the_intervals_over_seeds():
    inside, cure_inside, seeds = [], [], range(8)
    for seed in seeds:
        f = _simulate(seed)
        fit = survival.MixtureCure(["x"], incidence=["x", "z"]).fit(f)
        s = fit.summary
        assert list(s.index) == list(TRUTH)
        truth = pd.Series(TRUTH)
        inside.append(((s["ci_lower"] <= truth) & (truth <= s["ci_upper"])).to_numpy())
        true_cure = float((1 - expit(0.4 - 0.8 * f["x"] + 0.5 * f["z"])).mean())  # the model's own target
        lo, hi = fit.cure_fraction_ci_
        cure_inside.append(lo <= true_cure <= hi)
        assert fit.followup_.sufficient
    coverage = np.mean(inside)
    assert coverage >= 0.85, f"95% intervals cover the truth in {coverage:.0%} of {len(seeds)} x 6 cases"
    assert np.mean(cure_inside) >= 0.75
    assert np.all(np.mean(inside, axis=0) >= 0.6)  # no parameter biased off its interval


def test_the_km_plateau_equals_the_cure_fraction_with_long_follow_up():
    rng = np.random.default_rng(7)
    n = 6000
    cured = rng.random(n) < 0.35
    t = np.where(cured, np.inf, 6 * rng.weibull(1.2, n))
    c = rng.uniform(100, 150, n)
    f = pd.DataFrame({"duration": np.minimum(t, c), "event": (t <= c).astype(int)})
    test = survival.followup_test(f)
    se = np.sqrt(0.35 * 0.65 / n)
    assert test.sufficient and test.p_value < 1e-6
    assert abs(test.plateau - cured.mean()) < 1e-12  # every uncured exit is seen: KM ends at the cured share
    assert abs(test.plateau - 0.35) < 3 * se
    fit = survival.MixtureCure().fit(f)
    assert abs(fit.cure_fraction_ - test.plateau) < 0.002
    at = fit.predict_survival(f.head(1), [1e6]).iloc[0, 0]
    assert at == pytest.approx(fit.cure_fraction_, abs=1e-9)  # the population curve levels off at 1 - pi


def test_without_a_cure_fraction_the_latency_is_the_plain_weibull_aft():
    from lifelines import WeibullAFTFitter

    rng = np.random.default_rng(11)
    n = 800
    x = rng.integers(0, 2, n)
    t = 5 * np.exp(0.5 * x) * rng.weibull(1.3, n)
    f = pd.DataFrame({"duration": t, "event": 1, "x": x})  # everyone leaves, all seen: pi runs to 1
    fit = survival.MixtureCure(["x"], incidence=[], followup="ignore").fit(f)
    ref = WeibullAFTFitter().fit(f, "duration", "event")
    lam = ref.params_.loc["lambda_"]
    assert fit.params_["latency:intercept"] == pytest.approx(lam["Intercept"], abs=1e-5)
    assert fit.params_["latency:x"] == pytest.approx(lam["x"], abs=1e-5)
    assert fit.params_["latency:log_shape"] == pytest.approx(ref.params_.loc[("rho_", "Intercept")], abs=1e-5)
    assert fit.cure_fraction_ < 1e-4
    assert fit.log_likelihood_ == pytest.approx(ref.log_likelihood_, abs=1e-4)
    assert fit.summary.loc["latency:x", "std_error"] == pytest.approx(ref.summary.loc[("lambda_", "x"), "se(coef)"],
                                                                     rel=1e-3)


def test_predictions_cure_probability_and_conditional_survival():
    f = _simulate(3, n=1000)
    fit = survival.MixtureCure(["x"], incidence=["x", "z"]).fit(f)
    prof = pd.DataFrame({"x": [0, 1], "z": [0.0, 0.0]})
    p0 = fit.predict_cure_probability(prof)
    g = fit.params_
    np.testing.assert_allclose(p0, 1 - expit(g["incidence:intercept"] + g["incidence:x"] * prof["x"]))
    later = fit.predict_cure_probability(prof, survived_to=30.0)
    assert (later > p0).all()  # still there after 30 months: more likely one who never leaves
    su = fit.predict_survival(prof, [0.0, 10.0, 30.0], uncured=True)
    pop = fit.predict_survival(prof, [0.0, 10.0, 30.0])
    np.testing.assert_allclose(pop.to_numpy(), p0.to_numpy() + (1 - p0.to_numpy()) * su.to_numpy())
    np.testing.assert_allclose(su.iloc[0], 1.0)
    np.testing.assert_allclose(later.to_numpy(), p0.to_numpy() / pop.iloc[2].to_numpy())


def test_short_follow_up_warns_or_refuses_the_cure_fraction():
    rng = np.random.default_rng(2)
    t = rng.exponential(10, 500)  # no one is cured; follow-up ends at 12 months, the curve still falls
    f = pd.DataFrame({"duration": np.minimum(t, 12.0), "event": (t <= 12).astype(int)})
    test = survival.followup_test(f)
    assert not test.sufficient and test.n_tail == 1 and test.p_value == pytest.approx((1 - 1 / 500) ** 500)
    with pytest.warns(FollowUpWarning, match="too short to identify a cure fraction"):
        survival.MixtureCure().fit(f)
    with pytest.raises(ValidationError, match=r"Maller-Zhou q_n 0.0020: 1 of 500 exits"):
        survival.MixtureCure(followup="raise").fit(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        survival.MixtureCure(followup="ignore").fit(f)


def test_bad_input_is_refused_with_the_column_and_the_row_count():
    f = _simulate(1, n=200)
    with pytest.raises(ValidationError, match=r"column 'duration': 2 of 200 rows are 0"):
        survival.MixtureCure().fit(f.assign(duration=np.r_[0.0, 0.0, f["duration"].to_numpy()[2:]]))
    with pytest.raises(ValidationError, match=r"column 'event': none of 200 rows"):
        survival.MixtureCure().fit(f.assign(event=0))
    with pytest.raises(ValidationError, match="column 'event'"):
        survival.followup_test(f.assign(event=2))
    fit = survival.MixtureCure(["region"]).fit(f.assign(region=np.where(f["x"] == 1, "urban", "rural")))
    with pytest.raises(ValidationError, match="column 'region'"):
        fit.predict_cure_probability(pd.DataFrame({"region": ["coastal"]}))
    with pytest.raises(ParameterError, match="followup"):
        survival.MixtureCure(followup="maybe").fit(f)
