"""Gamma-Gamma against Fader, Hardie & Lee (2005) on the CDNOW sample."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import clv
from crmresearch.errors import DataWarning, ValidationError


def test_published_parameters(cdnow_summary):
    """FHL 'RFM and CLV' (2005) / Fader & Hardie (2013) note: p = 6.25, q = 3.74, gamma = 15.44."""
    g = clv.GammaGamma().fit(cdnow_summary["frequency"], cdnow_summary["monetary_value"])
    assert g.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert g.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert g.params_["v"] == pytest.approx(15.44, abs=0.01)
    assert g.n_obs_ == 946 and g.n_excluded_ == 2_357 - 946


def test_expected_spend_equals_lifetimes(cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    import pandas as pd

    s = cdnow_summary[cdnow_summary["frequency"] > 0]
    g = clv.GammaGamma().fit(s["frequency"], s["monetary_value"])
    peer = lifetimes.GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    peer.params_ = pd.Series(g.params_)[["p", "q", "v"]]
    np.testing.assert_allclose(g.expected_spend(s["frequency"], s["monetary_value"]),
                               peer.conditional_expected_average_profit(s["frequency"], s["monetary_value"]),
                               rtol=1e-9)


def test_correlated_spend_warns():
    x = np.arange(1, 201, dtype=float)
    m = 10 + 0.5 * x + np.random.default_rng(0).gamma(2.0, 1.0, 200)
    with pytest.warns(DataWarning, match="frequency and mean spend correlate"):
        clv.GammaGamma().fit(x, m)


def test_bad_spend_is_a_clear_error():
    with pytest.raises(ValidationError, match=r"1 of 2 customers .* non-positive mean spend"):
        clv.GammaGamma().fit([1, 2], [0.0, 5.0])


def _one_mean_spend(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Repeat buyers with many purchases and one spend rate nu for everyone (no heterogeneity in mean spend):
    the mean of x purchases is Gamma(p x, rate nu x)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(30, 60, n).astype(float)
    return x, rng.gamma(3.5 * x, 1 / (x * 3.5 / 41.5))


def test_no_heterogeneity_in_spend_is_a_limit_not_a_crash():
    """The way to q, v -> infinity (one mean spend for everyone) used to end in a ConvergenceError ("ABNORMAL"
    line search) for about a third of the orders of the same customers; the fit now reports the limit in words,
    for every order."""
    x, m = _one_mean_spend()
    for seed in range(12):
        o = np.random.default_rng(seed).permutation(x.size)
        with pytest.warns(DataWarning, match="no heterogeneity in spend: every customer has the same mean spend"):
            g = clv.GammaGamma().fit(x[o], m[o])
        assert g.params_["q"] == pytest.approx(1e6) and len(g.limits_) == 1
        mean = g.params_["p"] * g.params_["v"] / (g.params_["q"] - 1)
        assert mean == pytest.approx(np.average(m, weights=x), rel=1e-3)
        assert np.isfinite(g.summary.loc["p", "std_error"]) and np.isnan(g.summary.loc["q", "std_error"])


def test_the_likelihood_without_cancellation_equals_the_direct_one_where_both_are_exact():
    """Across q = 1e4 (where the form switches) the two forms of the log-likelihood agree to 1e-10."""
    x, m = _one_mean_spend(50)
    g = clv.GammaGamma()
    g._x, g._m, g._w = x, m, np.ones_like(x)
    below = g._negloglik(np.log([3.0, 1e4, 1.2e5]))
    above = g._negloglik(np.log([3.0, 1e4 * (1 + 1e-13), 1.2e5]))
    assert above[0] == pytest.approx(below[0], rel=1e-10)
    np.testing.assert_allclose(above[1], below[1], rtol=1e-6)
