"""The one maximum-likelihood core: transforms, the optimiser's refusals, the Hessian and the covariance,
and the models that run on it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmresearch import clv
from crmresearch.core import mle
from crmresearch.errors import ConvergenceError, DataWarning


@pytest.mark.parametrize("transform, natural", [(mle.POSITIVE, [0.01, 1.0, 250.0]),
                                                 (mle.UNBOUNDED, [-3.0, 0.0, 7.5]),
                                                 (mle.UNIT_INTERVAL, [0.001, 0.5, 0.97])])
def test_transforms_round_trip_and_their_slope_is_the_derivative(transform, natural):
    x = transform.to_free(np.array(natural))
    np.testing.assert_allclose(transform.to_natural(x), natural, rtol=1e-12)
    numeric = (transform.to_natural(x + 1e-6) - transform.to_natural(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(transform.slope(x), numeric, rtol=1e-6)


def test_minimise_finds_a_normal_mean_and_its_standard_error():
    """-LL of N(mu, 1) data: mu-hat = mean, SE = 1 / sqrt(n), from the Hessian of the analytic gradient."""
    y = stats.norm.rvs(loc=2.0, size=400, random_state=0)

    def nll(p):
        return 0.5 * float(((y - p[0]) ** 2).sum()), np.array([-(y - p[0]).sum()])

    opt = mle.minimise(nll, np.zeros(1), caller="demo", gtol=1e-10)
    cov = mle.invert(mle.hessian(lambda p: nll(p)[1], opt.x, 1e-5))
    assert opt.x[0] == pytest.approx(y.mean(), abs=1e-8)
    assert np.sqrt(cov[0, 0]) == pytest.approx(1 / np.sqrt(y.size), rel=1e-6)


def test_minimise_refuses_a_likelihood_that_is_not_finite():
    with pytest.raises(ConvergenceError, match="demo: the likelihood is not finite"):
        mle.minimise(lambda p: (float("nan"), np.zeros(1)), np.zeros(1), caller="demo")


def test_the_customer_base_models_and_sbg_regression_run_on_the_core(monkeypatch):
    calls = []
    real = mle.minimise

    def spy(*args, **kwargs):
        calls.append(kwargs["caller"])
        return real(*args, **kwargs)

    monkeypatch.setattr("crmresearch.clv._base.minimise", spy)
    monkeypatch.setattr("crmresearch.clv.sbg_regression.minimise", spy)
    clv.ShiftedBetaGeometric().fit(survivors=[1000, 631, 468, 382, 326])
    rng = np.random.default_rng(0)
    g = rng.integers(0, 2, 1000)
    periods = np.minimum(rng.geometric(rng.beta(np.where(g, 1.0, 2.0), 3.0)), 8)
    clv.SBGRegression().fit(periods, periods < 8, pd.DataFrame({"g": g}))
    assert calls == ["ShiftedBetaGeometric.fit", "SBGRegression.fit", "SBGRegression.fit (pooled model)"]


@pytest.mark.parametrize("model", ["ParetoNBD", "BetaGeoBetaBinom", "GammaGompertzNBD"])
def test_the_fits_hold_blas_to_one_thread(model, monkeypatch):
    """Inside the fit BLAS runs on one thread (core.mle.blas_threads): on shared cores its threads cost more
    than the small products of a likelihood give."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not threadpoolctl.threadpool_info():
        pytest.skip("no BLAS library reported by threadpoolctl")
    cls = getattr(clv, model)
    seen = []
    original = cls._negloglik

    def spy(self, log_params):
        seen.append(max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"))
        return original(self, log_params)

    monkeypatch.setattr(cls, "_negloglik", spy)
    with threadpoolctl.threadpool_limits(2, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # these small bases may sit at a limit: named, not the point
        if model == "BetaGeoBetaBinom":
            cls().fit([0, 1, 2, 3, 1, 2] * 10, [0, 1, 3, 4, 4, 6] * 10, [6] * 60)
        else:
            s = clv.simulate_ggnbd(300, 0.8, 8.0, 0.05, 1.0, 5.0, T=np.linspace(30, 80, 300), seed=1)
            try:
                cls(max_iter=5).fit(s["frequency"], s["recency"], s["T"])
            except ConvergenceError:  # five iterations need not converge; the threads are the point
                pass
    assert seen and set(seen) == {1}
