"""The customer-base models at the edges of their parameter space: an estimate at the limit with one
DataWarning naming it, or a clear error when nothing can be estimated (issue 28). Data are simulated
here (numpy only), not with the models' own code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import gammaln

from crmresearch import clv
from crmresearch.errors import DataWarning, ValidationError

CONTINUOUS = [clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD, clv.ParetoNBD]
# Pareto/NBD reaches the no-dropout limit in well under a second (the series of _log_integral_near); on the one
# cohort day it reaches the no-heterogeneity-in-dropout limit (s, beta -> infinity; its own test below), and it
# leaves the one-rate Poisson limit's r short of the limit: it stays out of those parametrised tests.
FAST = [clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD]
NAMES = {clv.BetaGeoNBD: "BG/NBD", clv.ModifiedBetaGeoNBD: "MBG/NBD", clv.ParetoNBD: "Pareto/NBD"}


def steady_buyers(n: int, seed: int = 0, same_rate: bool = False):
    """Customers buying as Poisson processes over up to two years (weeks), nobody drops out."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(52.0, 104.0, n)
    lam = np.full(n, 0.25) if same_rate else rng.gamma(2.0, 1 / 8.0, n)
    x = rng.poisson(lam * T).astype(float)
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1.0), 0.0)  # last of x uniform times
    return x, tx, T


def nbd_log_likelihood(r, alpha, x, T):
    return float(np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)))


def fit_one_warning(model, *data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*data)
    data_warnings = [w for w in caught if issubclass(w.category, DataWarning)]
    assert len(data_warnings) == 1, [str(w.message) for w in data_warnings]
    return model, str(data_warnings[0].message)


def test_bgnbd_on_a_base_without_dropout_answers_at_the_nbd_limit():
    """The issue's case: 20,000 steady buyers, two years, no dropout. main raised ConvergenceError
    ('ABNORMAL' line search) when everyone buys at one rate, and returned a = 4e-8 with a generic
    edge warning otherwise."""
    x, tx, T = steady_buyers(20_000)
    m, message = fit_one_warning(clv.BetaGeoNBD(), x, tx, T)
    assert "no dropout in these data: BG/NBD reduces to the NBD, P(alive) = 1 for everyone" in message
    assert m.limits_ and m.limits_[0].startswith("no dropout")
    assert m.params_["a"] / m.params_["b"] < 1e-29
    assert m.probability_alive(x, tx, T).min() > 1 - 1e-9
    # the likelihood at the limit is the NBD's, maximised over (r, alpha)
    assert m.log_likelihood_ == pytest.approx(nbd_log_likelihood(m.params_["r"], m.params_["alpha"], x, T), rel=1e-9)
    assert 1.5 < m.params_["r"] < 2.5 and 6 < m.params_["alpha"] < 10  # truth 2, 8
    table = m.summary
    assert table.loc[["r", "alpha"], "std_error"].gt(0).all() and table.loc[["a", "b"], "std_error"].isna().all()
    # predictions are the NBD's: (r + x) / (alpha + T) per time unit
    np.testing.assert_allclose(m.expected_purchases(10.0, x[:50], tx[:50], T[:50]),
                               10.0 * (m.params_["r"] + x[:50]) / (m.params_["alpha"] + T[:50]), rtol=1e-6)


@pytest.mark.parametrize("cls", FAST)
def test_one_rate_and_no_dropout_is_the_poisson_limit(cls):
    x, tx, T = steady_buyers(2_000, seed=1, same_rate=True)
    m, message = fit_one_warning(cls(), x, tx, T)
    assert "no heterogeneity in purchase rates" in message and "no dropout in these data" in message
    assert f"{NAMES[cls]} reduces to the NBD" in message
    rate = x.sum() / T.sum()  # the Poisson MLE
    assert m.params_["r"] / m.params_["alpha"] == pytest.approx(rate, rel=1e-4)
    assert f"{rate:.4g} per time unit" in message
    assert m.log_likelihood_ == pytest.approx(float(np.sum(x * np.log(rate) - rate * T)), abs=0.05)


@pytest.mark.parametrize("cls", [clv.ModifiedBetaGeoNBD, clv.ParetoNBD])
def test_other_continuous_models_on_a_base_without_dropout(cls):
    x, tx, T = steady_buyers(3_000, seed=2)
    m, message = fit_one_warning(cls(), x, tx, T)
    assert f"no dropout in these data: {NAMES[cls]} reduces to the NBD, P(alive) = 1 for everyone" in message
    assert m.probability_alive(x, tx, T).min() > 1 - 1e-9
    assert m.log_likelihood_ == pytest.approx(nbd_log_likelihood(m.params_["r"], m.params_["alpha"], x, T), rel=1e-8)


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_nothing_to_estimate_is_a_clear_error(cls):
    name = cls.__name__
    with pytest.raises(ValidationError, match=rf"{name}.fit: none of the 50 customers made a repeat purchase"):
        cls().fit(np.zeros(50), np.zeros(50), np.full(50, 30.0))
    with pytest.raises(ValidationError, match=rf"{name}.fit: 5 customers; the model has 4 parameters"):
        cls().fit([1, 0, 2, 3, 0], [3.0, 0.0, 5.0, 8.0, 0.0], [10.0] * 5)


@pytest.mark.parametrize("cls", FAST)
def test_a_handful_a_single_cohort_day_and_one_huge_customer_give_an_answer(cls, cdnow_summary):
    s = cdnow_summary
    few = s.iloc[:25]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # 25 customers may well sit at a limit: named, not raised
        m = cls().fit(few["frequency"], few["recency"], few["T"])
    assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all()
    one_day = s[s["T"] > 35.0]  # the first month's customers, as if all had joined on one day: one age
    assert len(one_day) > 300
    m = cls().fit(one_day["frequency"], one_day["recency"], np.full(len(one_day), 39.0))
    assert np.isfinite(m.log_likelihood_) and not m.limits_
    x, tx, T = (s[c].to_numpy(float, copy=True) for c in ("frequency", "recency", "T"))  # copies: the fixture is shared
    x[0], tx[0] = 5_000.0, T[0]  # one huge customer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        m = cls().fit(x, tx, T)
    assert np.isfinite(m.log_likelihood_)
    p = m.probability_alive(x, tx, T)
    assert np.isfinite(p).all() and p[0] > 0.99


def test_pareto_nbd_on_a_handful_and_with_one_huge_customer_gives_an_answer(cdnow_summary):
    """The edges of the parametrised test above for Pareto/NBD (its single cohort day has its own test below):
    25 customers, and CDNOW with one customer of 5,000 repeat purchases, whose (alpha + T)^(r + x) overflows."""
    s = cdnow_summary
    few = s.iloc[:25]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # 25 customers may well sit at a limit: named, not raised
        m = clv.ParetoNBD().fit(few["frequency"], few["recency"], few["T"])
    assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all()
    x, tx, T = (s[c].to_numpy(float, copy=True) for c in ("frequency", "recency", "T"))
    x[0], tx[0] = 5_000.0, T[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        m = clv.ParetoNBD().fit(x, tx, T)
    assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all()
    p = m.probability_alive(x, tx, T)
    assert np.isfinite(p).all() and p[0] > 0.99
    # the extreme customer really moves the gamma mixing (r falls, P(alive) of the others shifts by ~0.13), so the
    # check is that the optimiser found the maximum of these data: above the plain CDNOW fit and every 1 % step
    plain = clv.ParetoNBD().fit(s["frequency"], s["recency"], s["T"]).params_.to_dict()
    best = m.log_likelihood_
    assert best > m.log_likelihood(x, tx, T, params=plain)
    for name in plain:
        for step in (0.99, 1.01):
            assert best >= m.log_likelihood(x, tx, T, params={**m.params_.to_dict(), name: m.params_[name] * step})


def test_gamma_gompertz_nbd_on_a_handful_and_with_one_huge_customer_gives_an_answer(cdnow_summary):
    """GG/NBD at the same edges: 25 customers (interior fit, no warning), and CDNOW with one customer of 5,000
    repeat purchases, counted in one DataWarning (more purchases than days) and fitted at the Pareto/NBD limit
    (b -> 0, said in a second one), that customer alive."""
    s = cdnow_summary
    few = s.iloc[:25]
    m = clv.GammaGompertzNBD().fit(few["frequency"], few["recency"], few["T"])
    assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all()
    x, tx, T = (s[c].to_numpy(float, copy=True) for c in ("frequency", "recency", "T"))
    x[0], tx[0] = 5_000.0, T[0]
    with pytest.warns(DataWarning) as said:
        m = clv.GammaGompertzNBD().fit(x, tx, T)
    assert any("1 of 2357 customers" in str(w.message) for w in said)
    assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all()
    p = m.probability_alive(x, tx, T)
    assert np.isfinite(p).all() and p[0] > 0.99


def test_pareto_nbd_on_a_single_cohort_day_answers_at_the_one_dropout_rate_limit(cdnow_summary):
    """The first month's CDNOW customers as if all had joined on one day (one age): the likelihood rises towards
    s, beta -> infinity with s/beta fixed. One DataWarning naming the limit, in about a second; main took over two
    minutes (the series of the integral needed ~beta / (alpha + T) terms and the likelihood, a difference of two
    terms of ~1e7, lost its last digits there)."""
    import time

    s = cdnow_summary
    one_day = s[s["T"] > 35.0]
    x, tx, T = one_day["frequency"].to_numpy(float), one_day["recency"].to_numpy(float), np.full(len(one_day), 39.0)
    start = time.process_time()
    m, message = fit_one_warning(clv.ParetoNBD(), x, tx, T)
    seconds = time.process_time() - start
    assert seconds < 10.0, seconds
    rate = m.params_["s"] / m.params_["beta"]
    assert "no heterogeneity in dropout: every customer has the same dropout rate" in message
    assert f"{rate:.4g} per time unit" in message and m.limits_ and m.limits_[0].startswith("no heterogeneity")
    assert m.params_["s"] > 1e5 and 0.01 < rate < 0.05
    # the likelihood at the limit: gamma-Poisson purchases, one exponential lifetime with rate mu for everyone,
    # by quadrature of the dropout time
    from scipy import integrate
    from scipy.special import gammaln as lg

    r, alpha = m.params_["r"], m.params_["alpha"]

    def one(xi, ti):
        head = lg(r + xi) - lg(r) + r * np.log(alpha)
        alive = np.exp(-rate * 39.0 - (r + xi) * np.log(alpha + 39.0))
        dead, _ = integrate.quad(lambda y: rate * np.exp(-rate * y - (r + xi) * np.log(alpha + y)), ti, 39.0,
                                 epsabs=0, epsrel=1e-12)
        return head + np.log(alive + dead)

    pairs = {(a, b) for a, b in zip(x, tx, strict=True)}
    ll = {p: one(*p) for p in pairs}
    assert m.log_likelihood_ == pytest.approx(sum(ll[(a, b)] for a, b in zip(x, tx, strict=True)), rel=1e-6)


def test_bgbb_without_dropout_is_the_beta_binomial_limit():
    rng = np.random.default_rng(3)
    n_cust, n = 3_000, 8
    p = rng.beta(2.0, 3.0, n_cust)
    buys = rng.random((n_cust, n)) < p[:, None]
    x = buys.sum(axis=1).astype(float)
    last = np.where(x > 0, n - np.argmax(buys[:, ::-1], axis=1), 0).astype(float)
    m, message = fit_one_warning(clv.BetaGeoBetaBinom(), x, last, np.full(n_cust, float(n)))
    assert "no dropout in these data: BG/BB reduces to the beta-binomial, P(alive) = 1 for everyone" in message
    assert m.probability_alive(x, last, np.full(n_cust, float(n))).min() > 1 - 1e-9
    a, b = m.params_["alpha"], m.params_["beta"]
    from scipy.special import betaln
    assert m.log_likelihood_ == pytest.approx(float(np.sum(betaln(a + x, b + n - x) - betaln(a, b))), rel=1e-8)
    with pytest.raises(ValidationError, match="none of the 3000 customers transacted"):
        clv.BetaGeoBetaBinom().fit(np.zeros(n_cust), np.zeros(n_cust), np.full(n_cust, 8.0))


def test_interior_fits_name_no_limit(cdnow_summary):
    s = cdnow_summary
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        m = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    assert m.limits_ == ()


EDGE_MODELS = [clv.BetaGeoNBD, clv.ModifiedBetaGeoNBD, clv.ParetoNBD, clv.GammaGompertzNBD, clv.BetaGeoBetaBinom]
#: the limit each edge must name, per model, where the limit is certain (the rest: an interior fit or some limit)
EDGE_SAYS = {("no-dropout", m): "no dropout in these data" for m in EDGE_MODELS[:4]} | {
    ("no-heterogeneity", clv.ParetoNBD): "no heterogeneity in purchase rates"}


@pytest.mark.slow
@pytest.mark.parametrize("days", [7, 1], ids=["weeks", "days"])
@pytest.mark.parametrize("cls", EDGE_MODELS, ids=lambda c: c.__name__)
def test_every_model_answers_on_every_edge_base(cls, days):
    """The edge logs of the CLI tests (tests/studies/_own.py, simulated there in the BG/NBD's story), in weeks and in
    days: every customer-base model returns finite estimates and predictions with at most one DataWarning, which names
    every limit in ``limits_``; no repeat buyers is a clear error. BG/BB on the same logs cut into opportunities of
    that length. (Days once broke the GG/NBD on the no-heterogeneity log: its line search reached r ~ 1e200, where
    the log-likelihood cancels to 0 in floats.)"""
    from studies._own import EDGES, edge_log

    for edge in EDGES:
        log = edge_log(edge)
        if cls is clv.BetaGeoBetaBinom:
            s = clv.opportunity_summary(log, "2024-12-31", period_days=days)
        else:
            s = clv.summary_from_transactions(log, "2024-12-31", freq="W" if days == 7 else "D")
        x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        if edge == "no-repeat-buyers":
            nothing = rf"none of the {len(s)} customers (made a repeat purchase|transacted)"
            with pytest.raises(ValidationError, match=nothing):
                cls().fit(x, tx, T)
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = cls().fit(x, tx, T)
        said = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
        assert len(said) <= 1, (edge, said)
        assert np.isfinite(m.log_likelihood_) and np.isfinite(m.params_).all(), (edge, m.params_)
        for words in m.limits_:
            assert words in said[0], (edge, words, said)
        if (edge, cls) in EDGE_SAYS:
            assert m.limits_ and EDGE_SAYS[edge, cls] in said[0], (edge, said)
        alive = np.asarray(m.probability_alive(x, tx, T))
        assert np.isfinite(alive).all() and alive.min() >= 0 and alive.max() <= 1 + 1e-12, edge
        ahead = np.asarray(m.expected_purchases(10, x, tx, T))
        assert np.isfinite(ahead).all() and ahead.min() >= 0, edge
