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
