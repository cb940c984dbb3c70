"""opportunity_summary and the BG/BB in the model comparison: a log simulated in the BG/BB's own story
(Fader, Hardie & Shang 2010, section 2), written here independently of the package, gives back exactly the
opportunities it was drawn with and, fitted, the parameters that drew it; the comparison's BG/BB row is the model
fitted alone; the donations data reproduce the published estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data
from crmresearch.data import reference
from crmresearch.errors import FutureDateError, ValidationError

TRUTH = {"alpha": 1.2, "beta": 2.5, "gamma": 0.6, "delta": 4.0}
CAL_END = pd.Timestamp("2024-06-30")  # a Sunday: the week-periods counted back from it are Monday..Sunday


def _bgbb_log(n: int, periods: int, holdout: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers who first buy in one of the four weeks before opportunity 1 of theirs, then at each week: drop out
    with probability theta at its start (FHS 2010), and if alive buy with probability p, once or twice, on random
    days of that week. Returns the log and, per customer, the x, t_x, n and holdout count it was drawn with."""
    rng = np.random.default_rng(seed)
    p = rng.beta(TRUTH["alpha"], TRUTH["beta"], n)
    theta = rng.beta(TRUTH["gamma"], TRUTH["delta"], n)
    cohort = rng.integers(0, 4, n)  # 0..3 weeks later than the oldest cohort
    rows, truth = [], []
    for i in range(n):
        n_i = periods - cohort[i]
        week0 = CAL_END - pd.Timedelta(days=7 * n_i + 6)  # the Monday of the first purchase's week
        days = [week0 + pd.Timedelta(days=int(rng.integers(0, 7)))]
        bought, alive = [], True
        for j in range(1, n_i + holdout + 1):
            alive = alive and rng.random() >= theta[i]
            if alive and rng.random() < p[i]:
                bought.append(j)
                start = week0 + pd.Timedelta(days=7 * j)
                days += [start + pd.Timedelta(days=int(d)) for d in rng.integers(0, 7, rng.integers(1, 3))]
        cal = [j for j in bought if j <= n_i]
        truth.append({"customer_id": i, "frequency": len(cal), "recency": max(cal, default=0), "T": n_i,
                      "frequency_holdout": len(bought) - len(cal)})
        rows.append(pd.DataFrame({"customer_id": i, "date": days}))
    return pd.concat(rows, ignore_index=True), pd.DataFrame(truth).set_index("customer_id")


@pytest.fixture(scope="module")
def simulated():
    log, truth = _bgbb_log(4_000, periods=26, holdout=13, seed=3)
    return log, truth, clv.opportunity_summary(log, CAL_END, CAL_END + pd.Timedelta(weeks=13))


def test_the_summary_is_the_opportunities_each_customer_was_drawn_with(simulated):
    _, truth, s = simulated
    assert list(s.columns) == ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(s.drop(columns="duration_holdout"), truth, check_names=False, check_dtype=False)
    assert (s["duration_holdout"] == 13).all() and s.attrs["holdout_days_unused"] == 0
    assert [r["dropped"] for r in s.attrs["row_account"]] == [0, 0]


def test_the_bgbb_fitted_to_the_summary_recovers_the_parameters_that_drew_it(simulated):
    _, _, s = simulated
    m = clv.BetaGeoBetaBinom().fit(s["frequency"], s["recency"], s["T"])
    for name, value in TRUTH.items():  # within 4 standard errors on the log scale (Wald, as summary's intervals)
        est, se = m.params_[name], m.summary.loc[name, "std_error"]
        assert abs(np.log(est / value)) < 4 * se / est, (name, est, se)
    assert m.limits_ == ()


def test_customers_without_an_opportunity_and_later_customers_are_counted_out():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "date": pd.to_datetime(
        ["2024-06-03", "2024-06-20", "2024-06-26", "2024-07-02", "2024-07-20"])})
    s = clv.opportunity_summary(tx, CAL_END, "2024-07-20")  # 20 days of holdout: 2 whole weeks and 6 days
    assert s.index.tolist() == [1] and s.loc[1].tolist() == [1, 2, 3, 0, 2]
    steps = s.attrs["row_account"]
    assert [(r["rows_in"], r["rows_out"]) for r in steps] == [(3, 2), (2, 1)]
    assert "no opportunity yet" in steps[1]["step"] and s.attrs["holdout_days_unused"] == 0  # customer 3 is out
    yearly = clv.opportunity_summary(tx, CAL_END, period_days=365)
    assert yearly.empty and [r["rows_out"] for r in yearly.attrs["row_account"]] == [2, 0]


def test_an_incomplete_last_holdout_period_is_counted_out_and_said():
    tx = pd.DataFrame({"customer_id": [1, 1, 1], "date": pd.to_datetime(["2024-06-03", "2024-07-03",
                                                                         "2024-07-18"])})
    s = clv.opportunity_summary(tx, CAL_END, "2024-07-18")  # weeks to Jul 14, then 4 days
    assert s.loc[1, "frequency_holdout"] == 1 and s.loc[1, "duration_holdout"] == 2
    assert s.attrs["holdout_days_unused"] == 1


def test_every_engine_gives_the_same_table(tmp_path, simulated):
    log, _, s = simulated
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    pd.testing.assert_frame_equal(clv.opportunity_summary(str(path), CAL_END, CAL_END + pd.Timedelta(weeks=13)), s,
                                  check_dtype=False)
    pl = pytest.importorskip("polars")
    pd.testing.assert_frame_equal(clv.opportunity_summary(pl.from_pandas(log), CAL_END,
                                                          CAL_END + pd.Timedelta(weeks=13)), s, check_dtype=False)


def test_bad_input_is_named():
    tx = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-06-03", "2024-08-01"])})
    with pytest.raises(ValidationError, match="period_days must be a whole number"):
        clv.opportunity_summary(tx, CAL_END, period_days=0)
    with pytest.raises(ValidationError, match="before calibration_end"):
        clv.opportunity_summary(tx, CAL_END, "2024-06-01")
    with pytest.raises(FutureDateError, match="1 rows are after the end of the observation"):
        clv.opportunity_summary(tx, CAL_END, "2024-07-31")
    with pytest.raises(ValidationError, match="customer_id"):
        clv.opportunity_summary(tx.rename(columns={"customer_id": "client"}), CAL_END)


def test_the_comparisons_bgbb_row_is_the_model_fitted_alone_and_likelihoods_are_labelled(simulated):
    _, _, s = simulated
    cmp = clv.compare_models(s, ["bgbb", "bgnbd"])
    t = cmp.table.set_index("model")
    alone = clv.BetaGeoBetaBinom().fit(s["frequency"], s["recency"], s["T"])
    assert t.loc["bgbb", "log_likelihood"] == pytest.approx(alone.log_likelihood_, rel=1e-9)
    pred = alone.expected_purchases(13, s["frequency"], s["recency"], s["T"])
    assert t.loc["bgbb", "holdout_predicted"] == pytest.approx(float(pred.sum()), rel=1e-9)
    assert t["likelihood_of"].tolist() == ["probability", "density"] and cmp.table.attrs["mixed_likelihoods"]
    # drawn from the BG/BB, judged on the holdout, the BG/BB is favoured and within 3 % of the actual total
    assert cmp.favoured == "bgbb" and abs(t.loc["bgbb", "holdout_error_pct"]) < 3
    with pytest.raises(ValidationError, match="criterion 'bic' cannot rank a discrete-time model"):
        clv.compare_models(s, ["bgbb", "bgnbd"], criterion="bic")
    assert "likelihood_of" not in clv.compare_models(s, ["bgnbd", "paretonbd"]).table


def test_the_donations_data_give_the_published_estimates_and_lifetimes_rows():
    d = data.load_donations()
    published = reference.published("fhs2010_bgbb_donations")
    assert len(d) == 22 and int(d["weights"].sum()) == published["customers"] and (d["periods"] == 6).all()
    m = clv.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    for name in ("alpha", "beta", "gamma", "delta"):
        assert m.params_[name] == pytest.approx(published[name], abs=6e-4), name
    assert m.log_likelihood_ == pytest.approx(published["log_likelihood"], abs=0.05)
    datasets = pytest.importorskip("lifetimes.datasets")
    pd.testing.assert_frame_equal(d, datasets.load_donations(), check_dtype=False)
