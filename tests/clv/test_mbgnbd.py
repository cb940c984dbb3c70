"""MBG/NBD against the `lifetimes` package's ModifiedBetaGeoFitter (test-only peer) on CDNOW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv


@pytest.fixture(scope="module")
def both(cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    s = cdnow_summary
    ours = clv.ModifiedBetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    peer = lifetimes.ModifiedBetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    return ours, peer


def test_parameters_and_log_likelihood_equal_lifetimes(both, cdnow_summary):
    ours, peer = both
    s = cdnow_summary
    for name in ("r", "alpha", "a", "b"):
        assert ours.params_[name] == pytest.approx(peer.params_[name], rel=1e-4), name
    peer_ll = -peer._negative_log_likelihood(np.log(ours.params_.to_numpy()), s["frequency"].to_numpy(),
                                             s["recency"].to_numpy(), s["T"].to_numpy(), np.ones(len(s)), 0.0) * len(s)
    assert ours.log_likelihood_ == pytest.approx(peer_ll, rel=1e-10)
    assert ours.log_likelihood(s["frequency"], s["recency"], s["T"], params=peer.params_.to_dict()) <= \
        ours.log_likelihood_ + 1e-6
    assert ours.summary["std_error"].gt(0).all()


def test_predictions_per_customer_equal_lifetimes(both, cdnow_summary):
    ours, peer = both
    s = cdnow_summary
    f, r, T = s["frequency"], s["recency"], s["T"]
    peer.params_ = pd.Series(ours.params_)[["r", "alpha", "a", "b"]]
    pa = ours.probability_alive(f, r, T)
    np.testing.assert_allclose(pa, peer.conditional_probability_alive(f, r, T), rtol=1e-6)
    assert (pa[f == 0] < 1).all()  # MBG/NBD: no repeat purchase does not mean alive
    for t in (1.0, 39.0, 52.0):
        np.testing.assert_allclose(ours.expected_purchases(t, f, r, T),
                                   peer.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-6)
    ts = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new(ts), peer.expected_number_of_purchases_up_to_time(ts),
                               rtol=1e-6)


def test_recovers_simulated_parameters():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 3.0}
    T = np.random.default_rng(1).uniform(20, 80, 20_000)
    sim = clv.simulate_bgnbd(20_000, T=T, seed=3, modified=True, **truth)
    table = clv.ModifiedBetaGeoNBD().fit(sim["frequency"], sim["recency"], sim["T"]).summary
    for name, value in truth.items():
        assert table.loc[name, "ci_lower"] <= value <= table.loc[name, "ci_upper"], (name, table.loc[name])
