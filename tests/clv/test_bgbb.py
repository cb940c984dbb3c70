"""BG/BB against Fader, Hardie & Shang (2010) and the `lifetimes` package (test-only peer) on the
donations data lifetimes ships (11,104 donors, 1995 cohort, 6 opportunities)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv
from crmresearch.errors import ValidationError


@pytest.fixture(scope="module")
def donations():
    datasets = pytest.importorskip("lifetimes.datasets")
    return datasets.load_donations()


@pytest.fixture(scope="module")
def fitted(donations):
    d = donations
    return clv.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])


def test_published_parameters(fitted, donations):
    """FHS (2010), Table 2: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783."""
    assert int(donations["weights"].sum()) == 11_104
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4), name
    assert fitted.n_obs_ == 11_104 and fitted.summary["std_error"].gt(0).all() and fitted.limits_ == ()


def test_equal_to_lifetimes(fitted, donations):
    lifetimes = pytest.importorskip("lifetimes")
    d = donations
    f, r, n, w = d["frequency"], d["recency"], d["periods"], d["weights"]
    peer = lifetimes.BetaGeoBetaBinomFitter().fit(f, r, n, w)
    for name in ("alpha", "beta", "gamma", "delta"):
        assert fitted.params_[name] == pytest.approx(peer.params_[name], rel=1e-5), name
    peer.params_ = pd.Series(fitted.params_)
    peer_ll = float((peer._loglikelihood(fitted.params_.to_numpy(), f.to_numpy(), r.to_numpy(), n.to_numpy())
                     * w).sum())
    assert fitted.log_likelihood_ == pytest.approx(peer_ll, rel=1e-10)
    for m in (0, 1, 5):
        np.testing.assert_allclose(fitted.probability_alive(f, r, n, m), peer.conditional_probability_alive(m, f, r, n),
                                   rtol=1e-6)
    for m in (1, 5, 10):
        np.testing.assert_allclose(fitted.expected_purchases(m, f, r, n),
                                   peer.conditional_expected_number_of_purchases_up_to_time(m, f, r, n), rtol=1e-6)


def test_table_and_dert(fitted, donations):
    d = donations
    f, r, n = d["frequency"], d["recency"], d["periods"]
    # one row per customer gives the same table as the weighted rows
    rep = d.loc[d.index.repeat(d["weights"])]
    t = clv.bgbb_table(rep["frequency"], rep["recency"], rep["periods"])
    np.testing.assert_array_equal(t["weights"].to_numpy(), d.sort_values(["frequency", "recency"])["weights"])
    # DERT = sum_k P(transaction at n + k) / (1 + d)^k, the probabilities from the conditional expectation
    k = np.arange(0, 400)
    rate = 0.1
    for i in range(4):
        e = fitted.expected_purchases(k, np.full(k.size, f[i]), np.full(k.size, r[i]), np.full(k.size, n[i]))
        want = float(np.sum(np.diff(e) / (1 + rate) ** k[1:]))
        assert np.asarray(fitted.dert(rate, f[i:i + 1], r[i:i + 1], n[i:i + 1]))[0] == pytest.approx(want, rel=1e-8)
    new = fitted.expected_purchases_new([6, 11])
    assert np.all(np.diff(new) > 0) and new[0] > 0
    with pytest.raises(ValidationError, match="1 of 2 customers have frequency > recency"):
        clv.bgbb_table([2, 1], [1, 1], [6, 6])
    with pytest.raises(ValidationError, match="non-integer recency"):
        clv.bgbb_table([1, 1], [1.5, 1], [6, 6])


def test_the_counted_table_equals_the_group_by():
    """bgbb_table counts whole-number rows with one bincount (issue 28, speed): the same table as a pandas
    group-by, zero weights kept; rows that break a rule still get the error that counts the customers."""
    rng = np.random.default_rng(2)
    n = 5_000
    tx = rng.integers(0, 9, n).astype(float)
    x = np.where(tx > 0, np.minimum(rng.integers(1, 9, n), tx), 0).astype(float)
    periods = np.maximum(tx, 8.0) + rng.integers(0, 2, n)
    w = rng.integers(0, 4, n).astype(float)
    want = (pd.DataFrame({"frequency": x, "recency": tx, "n_periods": periods, "weights": w})
            .groupby(["frequency", "recency", "n_periods"], as_index=False)["weights"].sum())
    pd.testing.assert_frame_equal(clv.bgbb_table(x, tx, periods, w), want)
    bad = x.copy()
    two = np.flatnonzero(tx > 0)[:2]
    bad[two] = tx[two] + 1
    with pytest.raises(ValidationError, match=f"2 of {n} customers have frequency > recency"):
        clv.bgbb_table(bad, tx, periods)
    with pytest.raises(ValidationError, match="1 of 2 customers have a missing or infinite frequency"):
        clv.bgbb_table([np.nan, 1], [1, 1], [6, 6])
