"""Cohort helpers: contract periods from spells, discrete Kaplan-Meier, cohort fits, recovery check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data
from crmresearch.errors import ValidationError
from crmresearch.schemas import OrderError


def test_contract_periods_counts_renewal_periods():
    spells = pd.DataFrame({"customer_id": [1, 2, 3, 4],
                           "start": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-04-01", "2022-06-01"]),
                           "end": pd.to_datetime(["2023-03-15", None, "2023-12-31", None])})
    out = clv.contract_periods(spells, "2024-01-01", period_days=91.3125, observed_from="2023-01-01")
    assert out.attrs["left_out"] == 1  # customer 4 was acquired before the window
    # 73 d: left in period 1; 365 d: 3 whole periods; customer 3 left on day 274, inside period 4, which
    # is only partly observed by 2024-01-01 (275 days = 3.01 periods): censored at 3 whole periods
    assert out["periods"].tolist() == [1, 3, 3]
    assert out["churned"].tolist() == [True, False, False]
    assert out.attrs["censored_partial_period"] == 1
    assert out["cohort"].tolist() == ["2023Q1", "2023Q1", "2023Q2"]
    bad = spells.assign(end=pd.to_datetime(["2022-12-01", None, None, None]))
    with pytest.raises(OrderError, match="contract_periods: column 'end'"):
        clv.contract_periods(bad, "2024-01-01")


def test_discrete_survival_matches_lifelines_km():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(0)
    periods = rng.integers(1, 10, 500)
    churned = rng.random(500) < 0.6
    ours = clv.discrete_survival(periods, churned, 9)
    # lifelines on the same data: a churner in period t has duration t; a censored one survived t
    km = KaplanMeierFitter().fit(periods + np.where(churned, 0, 0.5), churned)
    theirs = km.survival_function_at_times(np.arange(10) + 0.25).to_numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_fit_cohorts_and_constant_retention():
    m = clv.ShiftedBetaGeometric()
    m.params_ = {"alpha": 0.7, "beta": 1.2}
    rows = []
    rng = np.random.default_rng(1)
    theta = rng.beta(0.7, 1.2, 3000)
    life = rng.geometric(theta)
    for cohort, horizon in (("A", 12), ("B", 3)):
        idx = slice(0, 1500) if cohort == "A" else slice(1500, 3000)
        lt = life[idx]
        rows.append(pd.DataFrame({"cohort": cohort, "periods": np.minimum(lt, horizon), "churned": lt <= horizon}))
    periods = pd.concat(rows, ignore_index=True)
    table = clv.fit_cohorts(periods, min_periods=6, discount_rate=0.05, margin=10).set_index("cohort")
    assert table.loc["A", "fitted"] and not table.loc["B", "fitted"] and table.loc["all", "fitted"]
    assert table.loc["all", "alpha"] == pytest.approx(0.7, rel=0.15)
    assert table.loc["all", "beta"] == pytest.approx(1.2, rel=0.2)
    naive = clv.constant_retention(np.array([1.0, 0.8, 0.64]), periods=4)
    np.testing.assert_allclose(naive, [1, 0.8, 0.64, 0.512, 0.4096])


def test_bgnbd_recovery_is_unbiased_with_nominal_coverage():
    table = clv.bgnbd_recovery({"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}, n_customers=5_000,
                               replications=8, seed=1).set_index("parameter")
    assert (table["bias"].abs() < 2 * table["mean_std_error"]).all()
    assert (table["coverage"] >= 0.6).all()
    assert (table["empirical_sd"] / table["mean_std_error"]).between(0.5, 2.0).all()


def test_the_sbg_beside_the_bdw_per_cohort():
    fh = data.load_fh2007_retention()
    counts = {c: (fh[c] * 10).round().to_numpy() for c in ("high_end", "regular")}
    t = clv.compare_retention_models(counts, fit_periods=7, discount_rate=0.1, margin=100)
    assert t[["cohort", "model"]].values.tolist() == [["high_end", "sbg"], ["high_end", "bdw"],
                                                       ["regular", "sbg"], ["regular", "bdw"]]
    for cohort, s in counts.items():
        sbg = clv.ShiftedBetaGeometric().fit(survivors=s[:8])
        bdw = clv.BetaDiscreteWeibull().fit(survivors=s[:8])
        rows = t[t["cohort"] == cohort].set_index("model")
        assert rows.loc["sbg", "c"] == 1.0 and rows.loc["sbg", ["c_se", "lr_statistic"]].isna().all()
        assert rows.loc["sbg", "log_likelihood"] == sbg.log_likelihood_
        assert rows.loc["bdw", ["alpha", "beta", "c"]].tolist() == bdw.params_.tolist()
        assert rows.loc["bdw", "lr_p_value"] == bdw.lr_test_["p_value"]
        assert rows.loc["bdw", "clv_new_customer"] == pytest.approx(float(bdw.clv(100, 0.1)))
        shares = s / s[0]
        later = np.arange(8, 13)
        mape = 100 * np.mean(np.abs(bdw.survival(later) - shares[later]) / shares[later])
        assert rows.loc["bdw", "mape"] == pytest.approx(mape, rel=1e-12)
    # FH 2007's high-end cohort: churn rises with tenure (c > 1) and the sBG is rejected at 1 %
    high = t[(t["cohort"] == "high_end") & (t["model"] == "bdw")].iloc[0]
    assert high["c"] > 1 and high["lr_p_value"] < 0.01


def _bdw_spells(n: int, cohort: str, observed: int, c: float, rng: np.random.Generator) -> pd.DataFrame:
    """Per-customer contract spells drawn from the BdW process (theta ~ Beta(0.8, 4); P(T > t) = (1 - theta)^(t^c),
    T = floor((log U / log(1 - theta))^(1/c)) + 1), right-censored after ``observed`` periods."""
    theta = rng.beta(0.8, 4.0, n)
    T = np.floor((np.log(rng.uniform(size=n)) / np.log1p(-theta)) ** (1 / c)) + 1
    return pd.DataFrame({"cohort": cohort, "periods": np.minimum(T, observed).astype(int), "churned": T <= observed})


def test_the_sbg_beside_the_bdw_on_censored_customer_spells():
    rng = np.random.default_rng(3)
    periods = pd.concat([_bdw_spells(6_000, "2023Q1", 12, 0.7, rng), _bdw_spells(6_000, "2023Q2", 11, 0.7, rng),
                         _bdw_spells(500, "2025Q4", 2, 0.7, rng)], ignore_index=True)
    t = clv.compare_cohort_models(periods, min_periods=6, discount_rate=0.025, margin=30)
    # the cohort seen for 2 periods is too short for its own fits but is in the pool
    assert t[["cohort", "model"]].values.tolist() == [["2023Q1", "sbg"], ["2023Q1", "bdw"], ["2023Q2", "sbg"],
                                                       ["2023Q2", "bdw"], ["all", "sbg"], ["all", "bdw"]]
    assert t.set_index(["cohort", "model"]).loc[("all", "bdw"), "customers"] == 12_500
    pooled = periods
    sbg = clv.ShiftedBetaGeometric().fit(periods=pooled["periods"], churned=pooled["churned"])
    row = t[(t["cohort"] == "all") & (t["model"] == "sbg")].iloc[0]
    assert row["log_likelihood"] == sbg.log_likelihood_ and row["c"] == 1.0
    bdw = t[t["model"] == "bdw"].set_index("cohort")
    # truth c = 0.7 (churn falls with tenure beyond heterogeneity): within 3 standard errors, sBG rejected
    assert (np.abs(bdw["c"] - 0.7) < 3 * bdw["c_se"]).all(), bdw[["c", "c_se"]]
    assert (bdw["lr_p_value"] < 1e-3).all()
    assert bdw.loc["all", "alpha"] == pytest.approx(0.8, rel=0.25)


def test_compare_cohort_models_edges():
    rng = np.random.default_rng(4)
    short = _bdw_spells(300, "2025Q4", 4, 1.0, rng)
    t = clv.compare_cohort_models(short, min_periods=6)
    assert t.empty and list(t.columns[:3]) == ["cohort", "model", "customers"]
    with pytest.raises(ValidationError, match="at least 3"):
        clv.compare_cohort_models(short, min_periods=2)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['churned'\]"):
        clv.compare_cohort_models(short.drop(columns="churned"))
