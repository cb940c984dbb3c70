"""Regression discontinuity: the local linear estimate equals weighted least squares done by hand; on the
limit-increase simulator it recovers the true effects within its interval over seeds while the naive raised vs
not-raised comparison is biased; the density test finds a manipulated cut-off and not an honest one; placebo
cut-offs find nothing; the IK bandwidth shrinks with curvature and sample size."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import credit, data
from crmresearch.errors import ParameterError, ValidationError

SEEDS = range(5)


def test_the_estimate_is_the_triangular_kernel_wls_fit_on_each_side():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 3_000)
    y = 1.5 * (x >= 0) + np.sin(x) + rng.normal(0, 0.5, x.size)
    rd = credit.RegressionDiscontinuity(cutoff=0.0, bandwidth=0.8).fit(x, y)
    limits = []
    for side in (x < 0, x >= 0):
        w = np.maximum(1 - np.abs(x[side]) / 0.8, 0)
        X = np.column_stack([np.ones(side.sum()), x[side]])
        beta = np.linalg.solve((X.T * w) @ X, (X.T * w) @ y[side])
        limits.append(beta[0])
    assert rd.effect_ == pytest.approx(limits[1] - limits[0], abs=1e-10)
    assert rd.bandwidth_ == 0.8 and rd.n_obs_ == int((np.abs(x) < 0.8).sum())
    assert list(rd.summary.index) == ["effect", "intercept", "slope_left", "slope_right"]


@pytest.fixture(scope="module")
def replications():
    out = []
    for seed in SEEDS:
        sim = data.simulate_limit_increases(n_accounts=20_000, seed=seed)
        a = sim.accounts
        for outcome, truth in sim.truth["effects"].items():
            rd = credit.RegressionDiscontinuity(cutoff=sim.truth["cutoff"]).fit(a["score"], a[outcome].astype(float))
            naive = a.loc[a["limit_increase"], outcome].mean() - a.loc[~a["limit_increase"], outcome].mean()
            out.append((seed, outcome, truth, rd, naive))
    return out


def test_rd_recovers_the_true_effects_within_its_interval_over_seeds(replications):
    missed = [(s, o, t, round(rd.ci_lower_, 4), round(rd.ci_upper_, 4)) for s, o, t, rd, _ in replications
              if not rd.ci_lower_ <= t <= rd.ci_upper_]
    assert not missed, missed


def test_the_naive_comparison_is_biased(replications):
    for outcome in ("spend", "attrited", "defaulted"):
        rows = [(t, rd.effect_, naive) for _, o, t, rd, naive in replications if o == outcome]
        truth = rows[0][0]
        rd_bias = abs(np.mean([r[1] for r in rows]) - truth)
        naive_bias = abs(np.mean([r[2] for r in rows]) - truth)
        assert naive_bias > 5 * rd_bias and naive_bias > abs(truth) / 2, (outcome, rd_bias, naive_bias)


def test_density_test_finds_a_manipulated_cut_off_and_not_an_honest_one():
    honest = data.simulate_limit_increases(n_accounts=20_000, seed=1).accounts["score"].to_numpy()
    assert credit.density_test(honest, 660.0)["p_value"] > 0.05
    rng = np.random.default_rng(1)
    pushed = honest.copy()
    near = (pushed >= 645) & (pushed < 660) & (rng.random(pushed.size) < 0.4)  # scores nudged over the line
    pushed[near] = 660 + rng.integers(0, 5, near.sum())
    t = credit.density_test(pushed, 660.0)
    assert t["p_value"] < 0.001 and t["log_difference"] > 0 and t["bin_size"] == 1.0


def test_placebo_cut_offs_find_nothing():
    a = data.simulate_limit_increases(n_accounts=20_000, seed=2).accounts
    t = credit.placebo_cutoffs(a["score"], a["spend"], 660.0, [620.0, 640.0, 680.0, 700.0])
    assert (t["p_value"] > 0.01).all() and len(t) == 4
    with pytest.raises(ParameterError, match="equals the true one"):
        credit.placebo_cutoffs(a["score"], a["spend"], 660.0, [660.0])


def test_ik_bandwidth_narrows_with_curvature_and_data():
    rng = np.random.default_rng(3)

    def h(n, bend):
        x = rng.uniform(-1, 1, n)
        y = (x >= 0) + x + bend * x ** 2 * (x >= 0) + rng.normal(0, 0.3, n)
        return credit.ik_bandwidth(x, y)

    assert h(4_000, 6.0) < h(4_000, 1.0)
    assert h(40_000, 3.0) < h(4_000, 3.0)


def test_bad_inputs_are_refused_with_counts():
    x = np.r_[np.arange(50.0), np.nan]
    with pytest.raises(ValidationError, match="1 of 51 rows have a missing"):
        credit.RegressionDiscontinuity(cutoff=25.0).fit(x, np.ones(51))
    with pytest.raises(ValidationError, match="5 rows below and 45 at or above"):
        credit.RegressionDiscontinuity(cutoff=5.0).fit(np.arange(50.0), np.ones(50))
    with pytest.raises(ParameterError, match="bandwidth must be"):
        credit.RegressionDiscontinuity(bandwidth=-1.0).fit(np.arange(50.0) - 25, np.ones(50))
