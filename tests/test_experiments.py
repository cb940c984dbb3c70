"""Two proportions, sample size and power against textbook values; A/B analysis; uplift vs truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data, experiments
from crmresearch.errors import ValidationError


def test_wilson_and_newcombe_published_examples():
    """Newcombe (1998): 81/263 -> Wilson (0.2553, 0.3662); 56/70 vs 48/80 -> difference 0.2000 with
    method-10 interval (0.0524, 0.3339)."""
    lo, hi = experiments.wilson_interval(81, 263)
    assert (lo, hi) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    r = experiments.two_proportions((48, 56), (80, 70))  # control 48/80, treatment 56/70
    assert r.difference == pytest.approx(0.2)
    assert (r.ci_lower, r.ci_upper) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert r.relative_lift == pytest.approx(0.8 / 0.6 - 1)


def test_sample_size_textbook():
    # 10 % -> 12 % (relative +20 %), alpha 0.05 two-sided, power 0.8: 3,841 per arm (Fleiss, no correction)
    assert experiments.sample_size(0.10, 0.20) == 3_841
    assert experiments.sample_size(0.5, 0.1, relative=False) == 388
    with pytest.raises(ValidationError, match="rates must be in"):
        experiments.sample_size(0.5, 1.5)


def test_power_curve_reaches_target_at_sample_size():
    n = experiments.sample_size(0.10, 0.20)
    p = experiments.power_curve(0.10, [0.20], n)["power"].iloc[0]
    assert p == pytest.approx(0.80, abs=0.005)


@pytest.fixture(scope="module")
def campaign():
    bank = data.simulate_bank(n_customers=60_000, seed=0)
    return bank.campaign, bank.truth["campaign"]


def test_ab_analysis_covers_the_truth(campaign):
    camp, truth = campaign
    effects, balance = experiments.analyze_ab(camp, "treated", "churn_90d", covariates=["n_products"],
                                              strata="segment")
    e = effects.set_index("group")
    assert e.loc["all", "ci_lower"] <= truth["churn_ate_overall"] <= e.loc["all", "ci_upper"]
    for seg, ate in truth["churn_ate"].items():
        assert e.loc[seg, "ci_lower"] <= ate <= e.loc[seg, "ci_upper"], seg
    assert balance["balanced"].all()


def test_uplift_model_ranks_segments_like_the_truth(campaign):
    camp, truth = campaign
    half = np.random.default_rng(0).random(len(camp)) < 0.5
    feats = ["segment", "region", "digital_user", "n_products", "tenure_months"]
    model = experiments.uplift_model(camp.loc[half, feats], camp.loc[half, "treated"], camp.loc[half, "churn_90d"])
    test = camp[~half]
    pred = pd.Series(-model.predict(test[feats]), index=test.index).groupby(test["segment"].astype(str)).mean()
    true = pd.Series({k: -v for k, v in truth["churn_ate"].items()})
    assert list(pred.sort_values().index) == list(true[pred.index].sort_values().index)  # same ranking
    helped = true[true > 0.004].index  # segments the offer clearly helps
    assert (pred[helped] > 0).all()
    curve, coef = experiments.qini(-model.predict(test[feats]), test["treated"], 1 - test["churn_90d"])
    assert coef > 0 and curve["incremental"].iloc[-1] > 0


def test_uplift_model_fits_a_60_level_category():
    """A many-level text column (a US state) one-hot encodes to a mostly-zero table; the boosters get it dense."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"state": [f"S{s:02d}" for s in rng.integers(0, 60, 800)], "x": rng.normal(size=800)})
    t, y = rng.integers(0, 2, 800), rng.integers(0, 2, 800)
    model = experiments.UpliftModel(max_iter=20, min_samples_leaf=20).fit(X, y, t)
    assert np.isfinite(model.predict(X.head(5).assign(state="unseen"))).all()


def test_class_transformation_needs_balanced_arms():
    X = pd.DataFrame({"x": np.arange(100.0)})
    with pytest.raises(ValidationError, match="needs ~50 % treated"):
        experiments.uplift_model(X, np.arange(100) < 20, np.arange(100) % 2, method="class_transformation")


def test_uplift_targeting_profit_hand_case():
    uplift = np.array([0.10, 0.00, 0.05])
    risk = np.array([0.1, 0.9, 0.5])
    out = experiments.uplift_targeting_profit(uplift, risk, np.full(3, 100.0), cost=2.0, depths=[0, 1 / 3, 1],
                                              true_uplift=np.array([0.10, -0.02, 0.05]))
    by = out.set_index(["ranking", "customers"])
    assert by.loc[("uplift", 1), "profit"] == pytest.approx(8.0)  # 0.10 * 100 - 2
    assert by.loc[("churn risk", 1), "profit"] == pytest.approx(-2.0)  # the riskiest is not persuadable
    assert by.loc[("churn risk", 1), "profit_true"] == pytest.approx(-4.0)  # and the offer harms them
    assert by.loc[("uplift", 3), "profit"] == by.loc[("churn risk", 3), "profit"] == pytest.approx(9.0)


def test_compare_means_is_the_welch_z_test():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"arm": np.r_[np.zeros(4000, bool), np.ones(5000, bool)],
                       "y": np.r_[rng.poisson(0.6, 4000), rng.poisson(0.5, 5000)]})
    res = experiments.compare_means(df, "arm", "y")
    a, b = df.loc[~df["arm"], "y"], df.loc[df["arm"], "y"]
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    assert res["z"] == pytest.approx((b.mean() - a.mean()) / se, rel=1e-12)
    assert res["relative_change"] == pytest.approx(b.mean() / a.mean() - 1, rel=1e-12)
    assert res["ci_lower"] < res["difference"] < res["ci_upper"] and res["p_value"] < 1e-3
    with pytest.raises(ValidationError, match="at least 2 customers in each arm"):
        experiments.compare_means(df[df["arm"]], "arm", "y")


def test_control_risk_ranks_the_untreated_outcome(campaign):
    from sklearn.metrics import roc_auc_score

    camp, _ = campaign
    half = np.random.default_rng(0).random(len(camp)) < 0.5
    feats = ["segment", "region", "digital_user", "n_products", "tenure_months"]
    risk = experiments.control_risk(camp[half], camp[~half], feats, outcome="churn_90d")
    test = camp[~half]
    assert risk.index.equals(test.index) and risk.between(0, 1).all()
    ctrl = ~test["treated"].astype(bool)
    assert roc_auc_score(test.loc[ctrl, "churn_90d"], risk[ctrl]) > 0.6


def test_analyze_ab_balances_categories_level_by_level_and_refuses_missing_outcomes():
    df = pd.DataFrame({"arm": [True, False] * 50, "y": [0, 1, 1, 0] * 25,
                       "seg": ["a"] * 30 + ["b"] * 70})
    _, balance = experiments.analyze_ab(df, "arm", "y", covariates=["seg"])
    assert balance["covariate"].tolist() == ["seg=a", "seg=b"]
    assert balance["mean_control"].sum() == pytest.approx(1.0)   # shares of the levels in each arm
    df.loc[5, "y"] = None
    with pytest.raises(ValidationError, match="'y' has 1 missing values of 100 rows"):
        experiments.analyze_ab(df, "arm", "y")


def test_analyze_ab_balances_a_boolean_as_one_share_row():
    df = pd.DataFrame({"arm": [True, False] * 50, "y": [0, 1] * 50, "digital": [True, True, False, True] * 25})
    _, balance = experiments.analyze_ab(df, "arm", "y", covariates=["digital"])
    assert balance["covariate"].tolist() == ["digital"]
    assert balance["mean_treatment"].iloc[0] == pytest.approx(0.5)
