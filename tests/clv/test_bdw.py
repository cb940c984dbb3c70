"""Beta-discrete-Weibull: the sBG at c = 1 exactly, the published / peer estimates on the Fader & Hardie
(2007) cohorts, recovery of known parameters from simulated cohorts, and the edges."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data
from crmresearch.errors import DataWarning, ValidationError


def _survivors(cohort: str, n: int) -> np.ndarray:
    """FH 2007 Table 1 as counts of a cohort of 1,000 (as tests/clv/test_sbg.py)."""
    return (data.load_fh2007_retention()[cohort].iloc[:n] * 10).round().to_numpy()


def _at(params: dict[str, float]) -> clv.BetaDiscreteWeibull:
    """A BdW with the given parameters (for evaluating its functions at a chosen point)."""
    m = clv.BetaDiscreteWeibull()
    m.params_ = pd.Series(params, name="estimate").rename_axis("parameter")
    return m


def _simulate(n: int, alpha: float, beta: float, c: float, periods: int, rng: np.random.Generator) -> list[int]:
    """Survivor counts of a cohort drawn from the BdW process itself (written here, not from the model's
    code): theta ~ Beta(alpha, beta); P(T > t | theta) = (1 - theta)^(t^c), so with U ~ U(0, 1) and
    X = log U / log(1 - theta), T = floor(X^(1/c)) + 1."""
    theta = rng.beta(alpha, beta, n)
    x = np.log(rng.uniform(size=n)) / np.log1p(-theta)
    T = np.floor(x ** (1 / c)) + 1
    return [n] + [int((T > t).sum()) for t in range(1, periods + 1)]


@pytest.mark.parametrize("cohort", ["regular", "high_end"])
def test_at_c_equal_one_the_bdw_is_the_sbg_exactly(cohort):
    s = _survivors(cohort, 8)
    sbg = clv.ShiftedBetaGeometric().fit(survivors=s)
    bdw = clv.BetaDiscreteWeibull().fit(survivors=s)
    point = _at({"alpha": sbg.params_["alpha"], "beta": sbg.params_["beta"], "c": 1.0})
    t, w, tc, wc, _ = clv.sbg.check_retention_data(survivors=s)
    point._t_churn, point._w_churn, point._t_cens, point._w_cens = t, w, tc, wc
    assert -point._negloglik(np.log(point.params_.to_numpy()))[0] == pytest.approx(sbg.log_likelihood_, rel=1e-12)
    ages = np.arange(0, 40)
    np.testing.assert_allclose(point.survival(ages), sbg.survival(ages), rtol=1e-12)
    np.testing.assert_allclose(point.retention_rate(ages[1:]), sbg.retention_rate(ages[1:]), rtol=1e-12)
    for renewals in (0, 4):
        assert point.derl(0.1, renewals) == pytest.approx(sbg.derl(0.1, renewals), rel=1e-10)
    # the nested fit of the likelihood-ratio test is the sBG's, and the BdW is never below it
    assert bdw.lr_test_["sbg_log_likelihood"] == pytest.approx(sbg.log_likelihood_, rel=1e-12)
    assert bdw.log_likelihood_ >= sbg.log_likelihood_
    assert bdw.lr_test_["statistic"] == pytest.approx(2 * (bdw.log_likelihood_ - sbg.log_likelihood_), rel=1e-12)


# Fader, Hardie, Liu, Davin & Steenburgh (2018) fit the BdW to the FH 2007 regular and high-end cohorts on
# years 0-4 (a five-point calibration, Table 1's first five values). Values as printed (4 decimals) by a
# public re-implementation of that paper (github.com/abdullahau/customer-analytics, BdW-Model.ipynb),
# which also gives the sBG on the same points and the LR test; the full 13 points likewise.
PEER = [
    ("regular", 5, 0.5231, 0.8944, 1.1963, -1401.3831, -1401.5594, 0.35),
    ("high_end", 5, 0.2593, 1.7225, 1.5844, -1222.7493, -1225.1349, 4.77),
    ("regular", 13, 0.5083, 0.8688, 1.2094, -1930.9297, None, None),
    ("high_end", 13, 0.2496, 1.6542, 1.5968, -2004.8169, None, None),
]


@pytest.mark.parametrize("cohort, n, alpha, beta, c, ll, ll_sbg, lr", PEER)
def test_published_bdw_estimates_on_the_fh2007_cohorts(cohort, n, alpha, beta, c, ll, ll_sbg, lr):
    m = clv.BetaDiscreteWeibull().fit(survivors=_survivors(cohort, n))
    got = m.params_
    # the peer's optimiser stops at scipy's default tolerance: its 4th decimal is off by one at most
    assert got["alpha"] == pytest.approx(alpha, abs=2e-4)
    assert got["beta"] == pytest.approx(beta, abs=2e-4)
    assert got["c"] == pytest.approx(c, abs=2e-4)
    assert m.log_likelihood_ == pytest.approx(ll, abs=1e-4)
    if ll_sbg is not None:
        assert m.lr_test_["sbg_log_likelihood"] == pytest.approx(ll_sbg, abs=1e-4)
        assert m.lr_test_["statistic"] == pytest.approx(lr, abs=5e-3)


def test_individual_data_give_the_same_fit():
    s = _survivors("high_end", 8)
    lost = -np.diff(s)
    periods = np.concatenate([np.repeat(np.arange(1, 8), lost.astype(int)), np.full(int(s[-1]), 7)])
    churned = np.concatenate([np.ones(int(lost.sum()), bool), np.zeros(int(s[-1]), bool)])
    a = clv.BetaDiscreteWeibull().fit(survivors=s)
    b = clv.BetaDiscreteWeibull().fit(periods=periods, churned=churned)
    np.testing.assert_allclose(b.params_.to_numpy(), a.params_.to_numpy(), rtol=1e-5)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_, rel=1e-9)
    assert b.n_obs_ == a.n_obs_ == 1000


@pytest.mark.parametrize("truth", [(0.8, 2.5, 0.6), (0.5, 1.5, 1.4)])
def test_known_parameters_are_recovered_from_simulated_cohorts(truth):
    """Ground truth: 12 cohorts of 3,000 drawn from the BdW process, 8 periods each, churn falling with
    tenure (c = 0.6) and rising (c = 1.4). Measured: every 95 % interval covered the truth in 12 of 12
    seeds for alpha, beta and c in both settings; a test that demands >= 10 of 12 (P < 2 % of failing
    at the nominal 95 %)."""
    covered, estimates = np.zeros(3), []
    for seed in range(12):
        s = _simulate(3_000, *truth, periods=8, rng=np.random.default_rng(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)  # inside the parameter space: no limit reached
            m = clv.BetaDiscreteWeibull().fit(survivors=s)
        table = m.summary
        covered += ((table["ci_lower"] <= truth) & (table["ci_upper"] >= truth)).to_numpy()
        estimates.append(m.params_.to_numpy())
    assert (covered >= 10).all(), covered
    assert np.median(np.array(estimates)[:, 2]) == pytest.approx(truth[2], rel=0.1)  # c is pinned down well


def test_survival_retention_derl_and_clv_identities():
    m = clv.BetaDiscreteWeibull().fit(survivors=_survivors("high_end", 8))
    t = np.arange(1, 30)
    np.testing.assert_allclose(m.retention_rate(t), m.survival(t) / m.survival(t - 1), rtol=1e-12)
    assert m.survival(0) == 1.0 and (np.diff(m.survival(np.arange(50))) < 0).all()
    d = 0.10
    for renewals in (0, 3):
        k = np.arange(1, 3000)
        brute = float((m.survival(renewals + k) / m.survival(renewals) / (1 + d) ** k).sum())
        assert m.derl(d, renewals) == pytest.approx(brute, rel=1e-10)
    assert m.derl(d, np.array([0, 3])).shape == (2,)
    assert m.clv(margin=100, discount_rate=d) == pytest.approx(100 * (1 + m.derl(d)))
    assert m.clv(margin=100, discount_rate=d, include_current=False) == pytest.approx(100 * m.derl(d))
    proj = m.projection(12)
    assert list(proj.columns) == ["period", "survival", "retention_rate"] and len(proj) == 13
    assert np.isnan(proj["retention_rate"].iloc[0])
    with pytest.raises(ValidationError, match="discount_rate must be > 0"):
        m.derl(0.0)


@pytest.mark.parametrize("survivors, words", [
    ([1000, 1000, 1000, 1000, 1000], "no churn in these data: every customer stays"),
    ([1000, 600, 600, 600, 600, 600], "no churn after the first period"),
    ([1000, 999, 999, 999, 999], "no churn after the first period"),
])
def test_the_edges_give_the_limit_with_one_warning(survivors, words):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = clv.BetaDiscreteWeibull().fit(survivors=survivors)
    ours = [w for w in caught if issubclass(w.category, DataWarning)]
    assert len(ours) == 1 and words in str(ours[0].message), [str(w.message) for w in caught]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(m.limits_) == 1 and words in m.limits_[0]
    s = np.asarray(survivors, dtype=float)
    np.testing.assert_allclose(m.survival(np.arange(len(s))), s / s[0], atol=1e-9)  # the limit fits exactly
    assert np.isfinite(m.log_likelihood_) and 0 <= m.lr_test_["p_value"] <= 1


def test_no_heterogeneity_is_the_discrete_weibull():
    """Every customer with the same theta = 0.2 and c = 0.7: the beta mixing collapses to a point."""
    n, theta, c = 20_000, 0.2, 0.7
    rng = np.random.default_rng(0)
    T = np.floor((np.log(rng.uniform(size=n)) / np.log1p(-theta)) ** (1 / c)) + 1
    s = [n] + [int((T > t).sum()) for t in range(1, 9)]
    with pytest.warns(DataWarning, match="no heterogeneity in churn.*discrete Weibull"):
        m = clv.BetaDiscreteWeibull().fit(survivors=s)
    p = m.params_
    assert p["alpha"] / (p["alpha"] + p["beta"]) == pytest.approx(theta, abs=0.005)
    assert p["c"] == pytest.approx(c, abs=0.03)
    assert m.summary.loc["c", "std_error"] > 0 and np.isnan(m.summary.loc["beta", "std_error"])


@pytest.mark.parametrize("survivors, match", [
    ([1000, 0, 0, 0], "all 1000 customers left in period 1"),
    ([1000, 500, 0, 0, 0], r"all 500 customers still active after period 1 left in period 2.*c -> infinity"),
    ([1000, 600, 500], "need at least three periods observed.*ShiftedBetaGeometric"),
    ([100, 90, 95, 80], r"never increase \(1 of 4 counts"),
    ([100, "many", 80, 70], "survivors .* must be numbers; 1 of 4 values are not"),
])
def test_what_cannot_be_estimated_is_a_clear_error(survivors, match):
    with pytest.raises(ValidationError, match=match):
        clv.BetaDiscreteWeibull().fit(survivors=survivors)


def test_individual_data_errors_count_the_customers():
    with pytest.raises(ValidationError, match=r"BetaDiscreteWeibull\.fit: 1 of 3 churned customers have periods < 1"):
        clv.BetaDiscreteWeibull().fit(periods=[0, 3, 4], churned=[1, 1, 0])
    with pytest.raises(ValidationError, match="churned must be 0/1 or boolean; 1 of 3 customers are not"):
        clv.BetaDiscreteWeibull().fit(periods=[1, 3, 4], churned=[1, "yes", 0])


def test_a_step_in_churn_is_the_limit_c_to_infinity():
    """Half of those left leave in one period and few otherwise: the likelihood rises along c -> infinity."""
    with pytest.warns(DataWarning, match="churn jumps at one tenure.*held at 100"):
        m = clv.BetaDiscreteWeibull().fit(survivors=[481, 480, 221, 217, 94])
    assert m.params_["c"] == pytest.approx(100.0) and np.isnan(m.summary.loc["c", "std_error"])


def test_a_cohort_that_empties_at_a_cliff_still_gets_an_answer():
    """Found by tests/test_properties.py once the c gradient was exact: the optimiser stalled on the way to
    two limits at once (no heterogeneity and a steep c) and raised ConvergenceError; the fit now also tries
    the limits together."""
    with pytest.warns(DataWarning, match="no heterogeneity in churn"):
        m = clv.BetaDiscreteWeibull().fit(survivors=[731, 523, 419, 0])
    assert np.isfinite(m.log_likelihood_) and m.params_["c"] > 1


def test_the_gradient_is_exact_where_t_to_the_c_is_huge():
    """psi(x + a) - psi(x) for x = b + t^c ~ 1e12 loses every digit as a plain difference (the c gradient
    was 40 % off at c = 20 and the optimiser stopped with ABNORMAL); central differences agree to 1e-6."""
    m = clv.BetaDiscreteWeibull()
    m._t_churn, m._w_churn, m._t_cens, m._w_cens, _ = clv.sbg.check_retention_data(survivors=[423, 387, 205, 203, 178])
    for point in ([0.03, 0.3, 20.0], [0.5, 1.0, 2.0], [3.0, 11.0, 1.0]):
        x = np.log(point)
        h = 1e-5
        numeric = [(m._negloglik(x + h * e)[0] - m._negloglik(x - h * e)[0]) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(m._negloglik(x)[1], numeric, rtol=1e-6, atol=1e-5)
