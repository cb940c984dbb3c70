"""BG/NBD against Fader, Hardie & Lee (2005) and the `lifetimes` package (test-only peer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv
from crmresearch.errors import NotFittedError, ValidationError


def test_summary_table_matches_fhl(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 2_357
    assert s["frequency"].sum() == 2_457  # repeat transactions in weeks 1-39
    assert s["frequency_holdout"].sum() == 1_882  # and in weeks 40-78
    assert s.loc[4, ["frequency", "recency", "T"]].tolist() == pytest.approx([2, 30.428571, 38.857143], abs=1e-6)
    assert (s["recency"] <= s["T"]).all() and (s["duration_holdout"] == 39.0).all()


def test_published_parameters_and_log_likelihood(cdnow_summary):
    """FHL (2005), p. 280: r = 0.2426, alpha = 4.4135, a = 0.7929, b = 2.4258, LL = -9582.4."""
    m = clv.BetaGeoNBD().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    for name, value in {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}.items():
        assert m.params_[name] == pytest.approx(value, abs=1e-3), name
    assert m.log_likelihood_ == pytest.approx(-9582.43, abs=0.05)
    table = m.summary
    assert list(table.columns) == ["estimate", "std_error", "ci_lower", "ci_upper", "z", "p_value"]
    assert (table["std_error"] > 0).all()


def test_predictions_equal_lifetimes(cdnow_summary):
    """Expected purchases, P(alive) and the unconditional expectation equal lifetimes' own
    formulas (evaluated at our parameters) to 1e-6 relative."""
    lifetimes = pytest.importorskip("lifetimes")
    s = cdnow_summary
    ours = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    peer = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    assert peer.params_["r"] == pytest.approx(ours.params_["r"], rel=1e-5)
    peer.params_ = pd.Series(ours.params_)[["r", "alpha", "a", "b"]]
    for t in (1.0, 39.0, 52.0):
        np.testing.assert_allclose(
            ours.expected_purchases(t, s["frequency"], s["recency"], s["T"]),
            peer.conditional_expected_number_of_purchases_up_to_time(t, s["frequency"], s["recency"], s["T"]),
            rtol=1e-6)
    np.testing.assert_allclose(ours.probability_alive(s["frequency"], s["recency"], s["T"]),
                               peer.conditional_probability_alive(s["frequency"], s["recency"], s["T"]), rtol=1e-6)
    ts = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new(ts), peer.expected_number_of_purchases_up_to_time(ts),
                               rtol=1e-6)


def test_compression_gives_the_same_fit(cdnow_summary):
    s = cdnow_summary
    a = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"], compress=True)
    b = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"], compress=False)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-10)


def test_recovers_simulated_parameters_within_their_intervals():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 3.0}
    T = np.random.default_rng(1).uniform(20, 80, 20_000)
    sim = clv.simulate_bgnbd(20_000, T=T, seed=3, **truth)
    m = clv.BetaGeoNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    table = m.summary
    for name, value in truth.items():
        assert table.loc[name, "ci_lower"] <= value <= table.loc[name, "ci_upper"], (name, table.loc[name])


def test_numerically_hard_inputs_stay_finite():
    m = clv.BetaGeoNBD()
    m.fit([500, 0, 3, 1], [10_000.0, 0.0, 5.0, 10_000.0], [10_000.0, 10_000.0, 10.0, 10_000.0],
          weights=[5, 5, 5, 5])
    assert np.isfinite(m.log_likelihood_)
    nobody_back = m.log_likelihood(np.zeros(50), np.zeros(50), np.full(50, 30.0))  # finite likelihood...
    assert np.isfinite(nobody_back)
    with pytest.raises(ValidationError, match="none of the 50 customers made a repeat purchase"):
        clv.BetaGeoNBD().fit(np.zeros(50), np.zeros(50), np.full(50, 30.0))  # ...but nothing to fit
    p = m.probability_alive([500], [10_000.0], [10_000.0])
    assert np.isfinite(p).all()


@pytest.mark.parametrize("x, tx, T, match", [
    ([1, 2], [5.0, 11.0], [10.0, 10.0], r"1 of 2 customers have recency > T"),
    ([-1, 2], [0.0, 1.0], [10.0, 10.0], r"1 of 2 customers have negative frequency"),
    ([0, 2], [3.0, 1.0], [10.0, 10.0], r"frequency 0 needs recency 0"),
    ([1, 2], [1.0, np.nan], [10.0, 10.0], r"missing or infinite recency"),
])
def test_invalid_inputs_are_clear_errors(x, tx, T, match):
    with pytest.raises(ValidationError, match=match):
        clv.BetaGeoNBD().fit(x, tx, T)


def test_repeat_purchases_with_recency_0_are_refused_with_a_count(cdnow_summary):
    """x > 0 with t_x = 0 is impossible (a repeat comes after the first purchase); main fitted it and
    returned r = 1.2e15, alpha = 1.7e-23 on 40 such customers."""
    s = cdnow_summary
    impossible = s.index[s["frequency"] > 0][:3]
    recency = s["recency"].copy()
    recency[impossible] = 0.0
    first = ", ".join(map(str, impossible))
    with pytest.raises(ValidationError, match=rf"BetaGeoNBD.fit: 3 of {len(s)} customers have repeat purchases "
                                              rf"but recency 0 .*\(first ids: {first}\)"):
        clv.BetaGeoNBD().fit(s["frequency"], recency, s["T"])
    x = np.arange(1.0, 41.0) % 4 + 1
    with pytest.raises(ValidationError, match="40 of 40 customers have repeat purchases but recency 0"):
        clv.BetaGeoNBD().fit(x, np.zeros(40), np.full(40, 30.0))
    fitted = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    with pytest.raises(ValidationError, match="probability_alive: 1 of 2 customers have repeat purchases"):
        fitted.probability_alive([0, 3], [0.0, 0.0], [10.0, 10.0])


def test_predict_before_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        clv.BetaGeoNBD().probability_alive([1], [1.0], [2.0])


def test_expected_purchases_takes_a_horizon_per_customer(cdnow_summary):
    """t as an array (one horizon per customer, e.g. the weeks each has left to a common end date)
    equals the scalar version customer by customer, and lifetimes' formula with the same array."""
    s = cdnow_summary
    m = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    t = (78.0 - s["T"]).to_numpy()
    per = m.expected_purchases(t, s["frequency"], s["recency"], s["T"])
    assert isinstance(per, pd.Series) and per.index.equals(s.index)
    picks = np.r_[0:40, len(s) - 40:len(s)]
    one = [m.expected_purchases(t[i], s["frequency"], s["recency"], s["T"]).iloc[i] for i in picks]
    np.testing.assert_allclose(per.iloc[picks], one, rtol=1e-13)
    lifetimes = pytest.importorskip("lifetimes")
    peer = lifetimes.BetaGeoFitter()
    peer.params_ = pd.Series(m.params_)[["r", "alpha", "a", "b"]]
    np.testing.assert_allclose(per, peer.conditional_expected_number_of_purchases_up_to_time(
        t, s["frequency"], s["recency"], s["T"]), rtol=1e-6)
    with pytest.raises(ValidationError, match="one number or one per customer"):
        m.expected_purchases(t[:5], s["frequency"], s["recency"], s["T"])
    with pytest.raises(ValidationError, match="1 of 2357 horizons are negative"):
        m.expected_purchases(np.r_[-1.0, t[1:]], s["frequency"], s["recency"], s["T"])


def _frequent_buyers(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """A bank-like log: a third of the customers buy on 3-6 days of every week, the rest now and then."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for c in range(n):
        first = start + pd.Timedelta(days=int(rng.integers(0, 60)))
        days = np.arange(0, 120 - (first - start).days)
        share = rng.uniform(0.45, 0.85) if c % 3 == 0 else 0.03
        keep = days[(days == 0) | (rng.uniform(size=days.size) < share)]
        amounts = rng.gamma(4, 5, keep.size)
        rows += [(c, first + pd.Timedelta(days=int(d)), float(a)) for d, a in zip(keep, amounts, strict=True)]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_frequent_buyers_are_no_unit_alarm_when_ages_are_in_weeks():
    """Issue 27: bank customers buying several days a week have more repeat purchase days than weeks of age;
    that is what the declared units allow (purchase days, ages in weeks), so no warning."""
    import warnings

    from crmresearch.errors import DataWarning

    s = clv.summary_from_transactions(_frequent_buyers(), "2024-04-29", freq="W")
    assert (s["frequency"] > s["T"]).sum() >= 10  # the old rule (frequency > T) fired on these
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
        clv.customer_value(s, margin=0.3)
    assert not [w for w in caught if "repeat purchases than" in str(w.message)]


def test_unit_warning_when_the_data_contradict_the_declared_unit():
    from crmresearch.errors import DataWarning

    s = clv.summary_from_transactions(_frequent_buyers(), "2024-04-29", freq="W")
    years = s[["recency", "T"]] * 7 / 365.25  # ages in years passed as weeks: more purchase days than days of age
    with pytest.warns(DataWarning, match=r"customers have more repeat purchases than days of age .*time_unit='W'"):
        clv.BetaGeoNBD().fit(s["frequency"], years["recency"], years["T"])
    with pytest.raises(ValueError, match="time_unit must be one of"):
        clv.BetaGeoNBD(time_unit="weeks").fit(s["frequency"], s["recency"], s["T"])


def test_simulating_from_a_fit_at_the_no_dropout_limit_draws_customers_who_never_drop_out():
    """a / b = 1e-30 (a fit at the limit): the dropout probability underflows to 0 and the customer never drops
    out (it was a ValueError of numpy's geometric draw, which stopped customer-base-clv's recovery check)."""
    sim = clv.simulate_bgnbd(2_000, r=18.0, alpha=38.0, a=1.7e-26, b=1.7e4, T=52.0, seed=1)
    free = clv.simulate_bgnbd(2_000, r=18.0, alpha=38.0, a=1e-12, b=1e12, T=52.0, seed=1)
    assert sim["frequency"].mean() == pytest.approx(free["frequency"].mean(), rel=0.05)
    assert sim["frequency"].min() > 0


@pytest.mark.parametrize("cls", [clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD])
def test_analytic_hessian_equals_central_differences_of_the_gradient(cls, cdnow_summary):
    """The Hessian large bases use for the warm start and the standard errors (issue 28, speed)."""
    from crmresearch.clv import bgnbd
    from crmresearch.core.mle import hessian

    s = cdnow_summary
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    d = bgnbd._prepare(x, tx, T, np.ones(x.size), cls._shift)
    for theta in (np.array([0.24, 4.4, 0.79, 2.4]), np.array([1.3, 0.8, 0.2, 7.0])):  # at and away from the optimum
        numeric = hessian(lambda t: bgnbd._negloglik(d, np.log(t), map)[1] / t, theta, 1e-5 * theta)
        np.testing.assert_allclose(bgnbd._hessian(d, np.log(theta)), numeric, rtol=1e-6,
                                   atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize("cls", [clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD])
def test_the_large_base_path_gives_the_same_fit(cls, monkeypatch):
    """Above WARM_ROWS rows: warm start from a subsample, Newton steps, analytic standard errors."""
    from crmresearch.clv import bgnbd

    sim = clv.simulate_bgnbd(60_000, 0.5, 6.0, 0.8, 3.0, np.random.default_rng(4).uniform(20, 80, 60_000), seed=5,
                             modified=cls is clv.ModifiedBetaGeoNBD)
    data = (sim["frequency"], sim["recency"], sim["T"])
    plain = cls().fit(*data)
    monkeypatch.setattr(bgnbd, "WARM_ROWS", 55_000)
    large = cls().fit(*data)
    assert large.n_iter_ == 0  # the Newton path ran
    # the same maximum: within 1e-3 standard errors of L-BFGS-B's optimum (which stops up to ~3e-4 SE short of it;
    # the Newton steps stop within 1e-6 SE), at a log-likelihood at least as high
    se = plain.summary["std_error"]
    assert ((large.params_ - plain.params_).abs() / se).max() < 1e-3
    assert large.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    np.testing.assert_allclose(large.summary["std_error"], se, rtol=2e-4)
