"""Pareto/NBD against Fader, Hardie & Lee (2005) / CLVTools and the `lifetimes` package (test-only peer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import gammaln

from crmresearch import clv
from crmresearch.clv.paretonbd import log_hyp2f1_c_a1
from crmresearch.errors import ValidationError


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    s = cdnow_summary
    return clv.ParetoNBD().fit(s["frequency"], s["recency"], s["T"])


def test_published_parameters_standard_errors_and_log_likelihood(fitted):
    """FHL (2005) / CLVTools' tests, CDNOW sample weeks 1-39: r 0.5531, alpha 10.5763, s 0.6062,
    beta 11.6715, LL -9594.98; SE 0.0476, 0.8427, 0.1873, 6.2105. The likelihood is flat in beta:
    the parameters agree to 3e-4 relative and our maximum is not below CLVTools' point."""
    m = fitted
    published = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
    for name, value in published.items():
        assert m.params_[name] == pytest.approx(value, rel=3e-4), name
    assert m.log_likelihood_ == pytest.approx(-9594.976, abs=5e-3)
    s_ = m.summary
    for name, se in {"r": 0.0476, "alpha": 0.8427, "s": 0.1873, "beta": 6.2105}.items():
        assert s_.loc[name, "std_error"] == pytest.approx(se, abs=1.5e-3), name
    assert m.limits_ == ()


def test_predictions_equal_lifetimes(fitted, cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    s = cdnow_summary
    f, r, T = s["frequency"], s["recency"], s["T"]
    peer = lifetimes.ParetoNBDFitter()
    peer.params_ = pd.Series(fitted.params_)[["r", "alpha", "s", "beta"]]
    np.testing.assert_allclose(fitted.probability_alive(f, r, T), peer.conditional_probability_alive(f, r, T),
                               rtol=1e-6)
    for t in (1.0, 39.0, 52.0):
        np.testing.assert_allclose(fitted.expected_purchases(t, f, r, T),
                                   peer.conditional_expected_number_of_purchases_up_to_time(t, f, r, T), rtol=1e-6)
    ts = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(fitted.expected_purchases_new(ts), peer.expected_number_of_purchases_up_to_time(ts),
                               rtol=1e-6)
    # the same likelihood: lifetimes' own function at our optimum
    ll = peer._conditional_log_likelihood(fitted.params_.to_numpy(), f.to_numpy(), r.to_numpy(), T.to_numpy())
    assert float(ll.sum()) == pytest.approx(fitted.log_likelihood_, rel=1e-10)


def test_probability_alive_is_finite_for_customers_with_hundreds_of_purchases(fitted):
    """Customers with x = 161-254 (as in CLVTools' test): (alpha + T)^(r + x) overflows a float, so a
    formula that forms the powers returns NaN; ours stays in log space. Checked against quadrature of
    A0's integral (FHL 2005 note: A0 = int_tx^T (alpha+y)^-(r+x) (beta+y)^-(s+1) dy), scaled by the
    'alive' term so that nothing under- or overflows."""
    x = np.array([161.0, 200.0, 254.0, 254.0])
    tx = np.array([350.0, 300.0, 385.0, 200.0])
    T = np.array([400.0, 400.0, 390.0, 400.0])
    r, al, s, be = fitted.params_
    with np.errstate(over="ignore"):
        assert not np.isfinite((al + T) ** (r + x)).all()
    ours = fitted.probability_alive(x, tx, T)
    assert np.isfinite(ours).all()
    for i in range(x.size):
        def scaled(y, i=i):
            return np.exp((r + x[i]) * np.log((al + T[i]) / (al + y)) + s * np.log((be + T[i]) / (be + y))) / (be + y)
        a0, _ = integrate.quad(scaled, tx[i], T[i], epsabs=0, epsrel=1e-12, limit=200)
        assert 1 / (1 + s * a0) == pytest.approx(ours[i], rel=1e-8)


def test_log_hypergeometric_series_where_scipy_overflows():
    """ln 2F1(a, b; a + 1; z) = ln a + ln int_0^1 t^(a-1) (1 - z t)^(-b) dt, by quadrature around the peak
    (quad reaches ~1e-8 relative on the sharpest case, the bound asserted)."""
    a = np.array([3.0, 400.0, 2_000.0])
    b = np.array([1.6, 255.0, 900.0])
    z = np.array([0.5, 0.97, 0.99])
    got = log_hyp2f1_c_a1(a, b, z)
    for ai, bi, zi, gi in zip(a, b, z, got, strict=True):
        grid = np.linspace(1e-9, 1, 200_001)
        logf = (ai - 1) * np.log(grid) - bi * np.log1p(-zi * grid)
        peak = logf.max()
        val, _ = integrate.quad(lambda t, ai=ai, bi=bi, zi=zi, peak=peak: np.exp(
            (ai - 1) * np.log(t) - bi * np.log1p(-zi * t) - peak), 0, 1, epsabs=0, epsrel=1e-12, limit=500,
            points=[grid[np.argmax(logf)]])
        assert gi == pytest.approx(np.log(ai) + np.log(val) + peak, rel=1e-7)


def test_dert_is_the_discounted_integral_of_the_expected_purchase_rate(fitted, cdnow_summary):
    """DERT = int_0^inf e^(-delta t) d/dt E[X(T, T + t) | history] dt (FHL 2005 JMR eq. 2)."""
    s = cdnow_summary.iloc[:6]
    f, r, T = s["frequency"], s["recency"], s["T"]
    delta = np.log(1.15) / 52
    got = fitted.dert(delta, f, r, T)
    for i in range(len(s)):
        def rate(t, i=i):
            h = 1e-4
            e = fitted.expected_purchases(np.array([t + h, max(t - h, 0.0)]), f.iloc[[i, i]], r.iloc[[i, i]],
                                          T.iloc[[i, i]])
            return np.exp(-delta * t) * (e.iloc[0] - e.iloc[1]) / (t + h - max(t - h, 0.0))
        want, _ = integrate.quad(rate, 0, np.inf, limit=200)
        assert got.iloc[i] == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValidationError, match="discount_rate must be > 0"):
        fitted.dert(0.0, f, r, T)


# the analytic gradient ---------------------------------------------------------------------------------
GRADIENT_POINTS = [
    (0.5531, 10.5763, 0.6062, 11.6715),  # CDNOW's optimum (alpha < beta: the series in b = r + x)
    (0.55, 10.58, 0.606, 1.67),  # alpha > beta: the series in b = s + 1
    (0.5, 10.0, 0.6, 10.0),  # alpha = beta: z = 0
    (2.0, 3.0, 0.3, 50.0),
    (0.5, 0.01, 0.6, 100.0),  # z near 1: series too long, the rows' fallback
    (0.5, 300.0, 0.6, 0.05),
]


@pytest.mark.parametrize("params", GRADIENT_POINTS)
def test_analytic_gradient_equals_finite_differences(cdnow_summary, params):
    """The fit's log-likelihood and gradient (the series of A0's integral) against the hypergeometric
    log-likelihood and its central differences (step 1e-5 in log parameters: truncation ~1e-10 relative,
    rounding ~1e-7 absolute), on 400 CDNOW customers plus CLVTools' customers with x = 161-254."""
    from crmresearch.clv.paretonbd import _log_lik, _log_lik_grad

    s = cdnow_summary.iloc[::6]
    x = np.r_[s["frequency"].to_numpy(float), 161, 200, 254, 254]
    tx = np.r_[s["recency"].to_numpy(float), 350, 300, 385, 200]
    T = np.r_[s["T"].to_numpy(float), 400, 400, 390, 400]
    p = np.array(params)
    ll, grad = _log_lik_grad(p, x, tx, T, np.ones(x.size))  # the gradient summed over the customers
    assert np.isfinite(ll).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(ll, _log_lik(p, x, tx, T)[0], rtol=1e-12, atol=1e-12)

    def total(log_p):
        return _log_lik(np.exp(log_p), x, tx, T)[0].sum()

    h = 1e-5
    numeric = np.array([(total(np.log(p) + h * e) - total(np.log(p) - h * e)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(grad * p, numeric, rtol=1e-7, atol=1e-5)


@pytest.mark.parametrize("params", GRADIENT_POINTS)
def test_closed_form_hessian_equals_differences_of_the_gradient(cdnow_summary, params):
    """The closed-form Hessian (second derivatives of the 2F1 series, the large fits' standard errors) against
    central differences of the analytic gradient (step 1e-5 relative), on the customers of the gradient test;
    where a row needs another route (series too long) it declines and the fit differentiates the gradient."""
    from crmresearch.clv.paretonbd import _log_lik_grad, _log_lik_hessian

    s = cdnow_summary.iloc[::6]
    x = np.r_[s["frequency"].to_numpy(float), 161, 200, 254, 254]
    tx = np.r_[s["recency"].to_numpy(float), 350, 300, 385, 200]
    T = np.r_[s["T"].to_numpy(float), 400, 400, 390, 400]
    w = np.linspace(0.5, 2.0, x.size)  # weights, as compressed rows carry
    p = np.array(params)
    both = _log_lik_hessian(p, x, tx, T, w)
    if both is None:
        # alpha = beta; customers with x = 254 at (2, 3, 0.3, 50) and z near 1: the series too long
        assert params in [(0.5, 10.0, 0.6, 10.0), (2.0, 3.0, 0.3, 50.0), (0.5, 0.01, 0.6, 100.0),
                          (0.5, 300.0, 0.6, 0.05)]
        return
    H, g = both
    np.testing.assert_allclose(g, _log_lik_grad(p, x, tx, T, w)[1], rtol=1e-10)
    h = 1e-5 * p
    numeric = np.array([(_log_lik_grad(p + h[k] * e, x, tx, T, w)[1] - _log_lik_grad(p - h[k] * e, x, tx, T, w)[1])
                        / (2 * h[k]) for k, e in enumerate(np.eye(4))])
    np.testing.assert_allclose(H, (numeric + numeric.T) / 2, rtol=1e-6, atol=1e-8 * np.abs(H).max())


def test_fit_uses_the_analytic_gradient(cdnow_summary, monkeypatch):
    """The CDNOW fit never falls back to central differences of the whole likelihood (9 evaluations a step)."""
    from crmresearch.clv import paretonbd

    def refuse(*args, **kwargs):
        raise AssertionError("numeric gradient used")

    monkeypatch.setattr(paretonbd, "gradient", refuse)
    s = cdnow_summary
    m = clv.ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
    assert m.log_likelihood_ == pytest.approx(-9594.976, abs=5e-3)


# near the no-dropout limit ------------------------------------------------------------------------------
def test_the_integral_far_from_alpha_equals_quadrature():
    """beta >> alpha + T (the way to no dropout) and alpha >> beta + T: the alternating series of
    _log_integral_near against adaptive quadrature (1e-13), its gradient against central differences of it.
    main summed ~beta / (alpha + T) terms of the 2F1 series there (seconds per evaluation)."""
    from crmresearch.clv.paretonbd import _log_integral_near, _near

    rng = np.random.default_rng(1)
    for case in range(40):
        r, s = rng.uniform(0.2, 20), rng.uniform(0.1, 3)
        x = float(rng.integers(0, 250))
        T = rng.uniform(5, 100)
        tx = rng.uniform(0, T) if x > 0 else 0.0
        if case % 2:
            alpha = rng.uniform(1, 50)
            beta = (alpha + T) * (s + 1) * 10 ** rng.uniform(1, 8)
        else:
            beta = rng.uniform(0.1, 50)
            alpha = (beta + T) * (r + x) * 10 ** rng.uniform(1, 5)
        p = np.array([r, alpha, s, beta])
        rows = (np.array([x]), np.array([tx]), np.array([T]))
        assert _near(r, alpha, s, beta, rows[0], rows[2]).all()
        value, grad = _log_integral_near(*p, *rows, grad=True)
        lead = -(r + x) * np.log(alpha + tx) - (s + 1) * np.log(beta + tx)  # the integrand's value at t_x
        want, _ = integrate.quad(lambda y, k=(r + x, s + 1, alpha, beta, lead):
                                 np.exp(-k[0] * np.log(k[2] + y) - k[1] * np.log(k[3] + y) - k[4]),
                                 tx, T, epsabs=0, epsrel=1e-13, limit=200)
        assert value[0] == pytest.approx(np.log(want) + lead, rel=1e-13)
        numeric = []
        for k in range(4):
            up, down = p.copy(), p.copy()
            up[k] *= 1 + 1e-6
            down[k] *= 1 - 1e-6
            numeric.append((_log_integral_near(*up, *rows)[0][0] - _log_integral_near(*down, *rows)[0][0])
                           / (2e-6 * p[k]))
        # central differences: rounding ~1e-16 |value| / 1e-6 relative step
        np.testing.assert_allclose(grad[0] * p, np.array(numeric) * p, rtol=1e-6, atol=1e-9 * max(1, abs(value[0])))


def test_the_panel_quadrature_equals_adaptive_quadrature():
    """_log_integral_quad (Gauss-Legendre panels) against scipy's adaptive quadrature (1e-12 relative) and its
    gradient against central differences of it, over the parameter space: CDNOW-like values, shapes near 0,
    r + x and s + 1 in the hundreds, and alpha, beta far above T with r / alpha fixed (the way to no heterogeneity
    in purchase rates, where the 2F1 series needs ~(s + 1) / (1 - z) terms: >10^5 at r = 10^6)."""
    from crmresearch.clv.paretonbd import _log_integral_quad

    rng = np.random.default_rng(3)
    for case in range(60):
        T = rng.uniform(5, 100)
        x = float(rng.integers(0, 300)) if case % 3 else 0.0
        tx = rng.uniform(0, T) if x > 0 else 0.0
        r, s = 10 ** rng.uniform(-2, 1.5), 10 ** rng.uniform(-2, 1.5)
        alpha, beta = 10 ** rng.uniform(-2, 2), 10 ** rng.uniform(-2, 2)
        if case % 4 == 1:  # r, alpha -> infinity at a rate of 0.05 to 1 per time unit
            r = 10 ** rng.uniform(3, 7)
            alpha = r / 10 ** rng.uniform(-1.3, 0)
        elif case % 4 == 2:  # both shapes huge: one purchase rate and one dropout rate for everyone
            r, s = 10 ** rng.uniform(3, 7), 10 ** rng.uniform(3, 7)
            alpha, beta = r / 10 ** rng.uniform(-1.3, 0), s / 10 ** rng.uniform(-3, -1)
        p = np.array([r, alpha, s, beta])
        rows = (np.array([x]), np.array([tx]), np.array([T]))
        value, grad, done = _log_integral_quad(*p, *rows, grad=True)
        assert done.all(), p
        k1, k2, c1, c2 = r + x, s + 1, alpha + tx, beta + tx
        def integrand(v, k=(k1, k2, c1, c2)):
            return np.exp(-k[0] * np.log1p(v / k[2]) - k[1] * np.log1p(v / k[3]))

        want, _ = integrate.quad(integrand, 0, T - tx, epsabs=0, epsrel=1e-13, limit=500,
                                 points=[min(T - tx, q / (k1 / c1 + k2 / c2)) for q in (1, 5, 20)][:2])
        lead = -k1 * np.log(c1) - k2 * np.log(c2)  # rounding of ~1e-16 |lead| in the value and here
        assert value[0] - lead == pytest.approx(np.log(want), rel=1e-12, abs=1e-12 + 2e-15 * abs(lead)), p
        numeric = []
        for k in range(4):
            up, down = p.copy(), p.copy()
            up[k] *= 1 + 1e-6
            down[k] *= 1 - 1e-6
            numeric.append((_log_integral_quad(*up, *rows)[0][0] - _log_integral_quad(*down, *rows)[0][0])
                           / (2e-6 * p[k]))
        np.testing.assert_allclose(grad[0] * p, np.array(numeric) * p, rtol=1e-5, atol=1e-9 * max(1, abs(value[0])))


def _simulate_pareto_nbd(rate, s, beta, n, T, seed):
    """Pareto/NBD customers written here, independently of the package: a purchase rate per customer (``rate``, an
    array), an exponential lifetime with dropout rate ~ gamma(s, 1 / beta), observed for T from the first purchase.
    Returns x, t_x."""
    rng = np.random.default_rng(seed)
    life = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        times = np.cumsum(rng.exponential(1 / rate[i], 400))
        times = times[times < min(life[i], T)]
        x[i], tx[i] = times.size, times[-1] if times.size else 0.0
    return x, tx


def test_one_purchase_rate_for_everyone_is_fitted_at_its_limit():
    """Every customer buys at 0.3 a week while alive, dropout rates gamma(1, 20): the fit reaches r, alpha ->
    infinity with one DataWarning naming it, recovers the rate within 4 standard errors of a Poisson rate and the
    dropout within 4 of theirs, and its log-likelihood is the limit's (Poisson purchases, gamma dropout), written here
    in closed form and integrated by scipy: L = lambda^x [exp(-lambda T) (beta / (beta + T))^s + int_tx^T exp(-lambda
    u) (s / beta) (beta / (beta + u))^(s + 1) du]. main did not finish (each evaluation summed >10^5 terms)."""
    import warnings

    from crmresearch.errors import DataWarning

    n, T = 2_000, 52.0
    x, tx = _simulate_pareto_nbd(np.full(n, 0.3), 1.0, 20.0, n, T, seed=11)
    TT = np.full(n, T)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = clv.ParetoNBD().fit(x, tx, TT)
    said = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(said) == 1 and "no heterogeneity in purchase rates" in said[0], said
    assert m.limits_[0].startswith("no heterogeneity in purchase rates")
    rate = m.params_["r"] / m.params_["alpha"]
    assert abs(rate - 0.3) < 4 * np.sqrt(0.3 / np.sum(np.where(x > 0, tx, 0) + 1e-9)) + 0.02
    assert np.isnan(m.summary.loc["r", "std_error"]) and np.isfinite(m.summary.loc["s", "std_error"])
    s_hat, b_hat = m.params_["s"], m.params_["beta"]
    mean_se = np.sqrt(m.variance_matrix_.loc["s", "s"]) / b_hat  # of s / beta, at beta fixed (rough)
    assert abs(s_hat / b_hat - 1 / 20) < 4 * mean_se + 0.01

    def limit_loglik(lam, s, beta):
        out = 0.0
        for xi, ti in zip(x, tx, strict=True):
            dead, _ = integrate.quad(lambda u: np.exp(-lam * u + np.log(s / beta) - (s + 1) * np.log1p(u / beta)),
                                     ti, T, epsabs=0, epsrel=1e-12)
            out += xi * np.log(lam) + np.log(np.exp(-lam * T - s * np.log1p(T / beta)) + dead)
        return out

    # at r = 10^6 the gamma's coefficient of variation is 0.001: the likelihood within ~x^2 / r of the limit's
    assert m.log_likelihood_ == pytest.approx(limit_loglik(rate, s_hat, b_hat), abs=0.05)
    assert np.all(np.isfinite(m.probability_alive(x, tx, TT)))
    assert np.all(np.isfinite(m.expected_purchases(10.0, x, tx, TT)))


def test_steady_buyers_reach_the_no_dropout_limit_in_well_under_a_second():
    """300 steady buyers (the steady-buyer CLI tests' log): one DataWarning naming the no-dropout limit, the
    NBD's likelihood, P(alive) = 1. main took 32 s (seconds per evaluation on the way to beta ~ 1e6)."""
    import time
    import warnings

    from studies._own import steady_log

    from crmresearch.errors import DataWarning

    log = steady_log()
    s = clv.summary_from_transactions(log, log["date"].max().normalize(), amount=None)
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    start = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = clv.ParetoNBD().fit(x, tx, T)
    seconds = time.process_time() - start
    said = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(said) == 1 and "no dropout in these data: Pareto/NBD reduces to the NBD, P(alive) = 1" in said[0]
    assert m.limits_ and m.limits_[0].startswith("no dropout")
    assert seconds < 3.0, seconds
    r, alpha = m.params_["r"], m.params_["alpha"]
    nbd = float(np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)))
    assert m.log_likelihood_ == pytest.approx(nbd, rel=1e-9)
    assert np.min(m.probability_alive(x, tx, T)) > 1 - 1e-9
    # the GG/NBD on the same customers: the same limit, also fast (it never had the long series)
    g = clv.GammaGompertzNBD()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        g.fit(x, tx, T)
    assert g.log_likelihood_ == pytest.approx(m.log_likelihood_, rel=1e-9)


def test_the_warm_start_of_large_fits_reaches_the_same_optimum(cdnow_summary, monkeypatch):
    """Above WARM_ROWS rows the fit starts from a subsample's optimum and Newton steps with its Hessian (half the
    evaluations on 1,000,000 customers); here forced on CDNOW's 2,357: the same estimates, likelihood and standard
    errors as the fit from the usual start, to the optimiser's tolerance."""
    from crmresearch.clv import paretonbd

    s = cdnow_summary
    data = (s["frequency"], s["recency"], s["T"])
    cold = clv.ParetoNBD().fit(*data)
    monkeypatch.setattr(paretonbd, "WARM_ROWS", 1_000)
    monkeypatch.setattr(paretonbd, "WARM_SAMPLE", 1_000)
    warm = clv.ParetoNBD().fit(*data)
    assert warm.n_iter_ == 0  # the Newton path, not L-BFGS-B
    np.testing.assert_allclose(warm.params_, cold.params_, rtol=1e-5)
    assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-12)
    assert warm.log_likelihood_ >= cold.log_likelihood_ - 1e-9
    np.testing.assert_allclose(warm.summary["std_error"], cold.summary["std_error"], rtol=1e-4)
