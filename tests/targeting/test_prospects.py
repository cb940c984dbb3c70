"""Prospects: grades, approach profit, source effects against the simulator's truth, next product."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data, experiments
from crmresearch.errors import ValidationError
from crmresearch.targeting import prospects


@pytest.fixture(scope="module")
def sim() -> data.Prospects:
    return data.simulate_prospects(n_prospects=20_000, n_customers=3_000, seed=5)


def test_grades_cut_at_the_documented_shares():
    ev = pd.Series(np.arange(100, 0, -1.0))
    g = prospects.grades(ev, (0.1, 0.2, 0.3))
    assert g.value_counts().reindex(list(prospects.GRADES)).tolist() == [10, 20, 30, 40]
    assert g.iloc[0] == "A" and g.iloc[-1] == "D"
    with pytest.raises(ValidationError, match="three top shares"):
        prospects.grades(ev, (0.5, 0.3, 0.3))
    with pytest.raises(ValidationError, match="1 expected values are missing"):
        prospects.grades(pd.Series([1.0, np.nan]))


def test_approach_profit_hand_case():
    ev, y, v = [3.0, 2.0, 1.0, 0.5], [1, 0, 1, 0], [100.0, 0.0, 40.0, 0.0]
    t = prospects.approach_profit(ev, y, v, contact_cost=10, mail_cost=1, mail_response_ratio=0.5,
                                  depths=(0.25, 0.5, 1.0)).set_index("plan")
    assert t.loc["approach top 25 %", "profit"] == 90.0  # 100 - 10
    assert t.loc["approach top 50 %", "profit"] == 80.0  # 100 - 20
    assert t.loc["approach top 100 %", "profit"] == 100.0  # 140 - 40
    assert t.loc["mail everyone", "profit"] == 66.0  # 0.5 x 140 - 4


def test_source_effects_recover_the_truth_and_the_raw_effect_is_biased_by_the_mix(sim):
    r = sim.prospects[sim.prospects["reached"]]
    r = r.assign(log_income=np.log(r["income_k"] / 45), age10=(r["age"] - 45) / 10)
    eff = prospects.source_effects(r, "source", "converted", ["log_income", "age10", "urban"], "mass_mailing")
    eff = eff.set_index("source")
    for source, beta in sim.truth["source_effects"].items():
        if source == "mass_mailing":
            continue
        est, se = eff.loc[source, "adjusted_estimate"], eff.loc[source, "std_error"]
        assert abs(est - beta) < 3 * se, (source, est, beta)
    # referred prospects earn more: the raw effect overstates the true one
    assert eff.loc["referral_customer", "raw_estimate"] > eff.loc["referral_customer", "adjusted_estimate"]


def test_reach_by_time_band_matches_the_truth(sim):
    c = sim.contacts.assign(slot=lambda d: d["band"] + np.where(d["weekend"], "+w", ""))
    t = experiments.rates_by(c, "slot", "reached").set_index("slot")
    for band, p in sim.truth["reach_by_band"].items():
        assert t.loc[band, "ci_lower"] - 0.01 <= p <= t.loc[band, "ci_upper"] + 0.01


def test_conversion_value_ranks_the_true_expected_value(sim):
    p = sim.prospects
    train, test = p[p["prospect_id"] % 10 < 7], p[p["prospect_id"] % 10 >= 7]
    m = prospects.ConversionValue(["source", "age", "income_k", "urban"], model="gradient_boosting").fit(
        train, train["converted"], train["value"])
    pred = m.predict(test)
    truth = sim.truth["expected_value"].loc[test["prospect_id"]].to_numpy()
    assert np.corrcoef(pred["expected_value"], truth)[0, 1] > 0.75  # 0.80 to 0.94 over seeds
    assert pred["p_convert"].mean() == pytest.approx(test["converted"].mean(), abs=0.03)
    grades = prospects.grade_table(prospects.grades(pred["expected_value"]), pred["p_convert"], pred["expected_value"],
                                   test["converted"], test["value"]).set_index("grade")
    assert grades.loc["A", "value_lift"] > 2 > 1 > grades.loc["D", "value_lift"]
    with pytest.raises(ValidationError, match="converted prospects have no value"):
        prospects.ConversionValue(["age"]).fit(train, train["converted"], train["value"] * 0)


def test_next_product_pairs_and_model_beat_the_popularity_baseline(sim):
    pairs = prospects.next_product_pairs(sim.holdings, data.PRODUCTS, traits=["age", "income_k"])
    first = sim.holdings[sim.holdings["order"] == 2].iloc[0]
    row = pairs[(pairs["customer_id"] == first["customer_id"]) & (pairs["step"] == 2)].iloc[0]
    assert row["next_product"] == first["product"]
    assert sum(row[f"held_{p}"] for p in data.PRODUCTS) == 1  # one product held before the second
    test = pairs["customer_id"] % 10 >= 7
    m = prospects.NextProductModel().fit(pairs[~test])
    last = pairs[test & (pairs["step"] == pairs.groupby("customer_id")["step"].transform("max"))]
    proba = m.predict_proba(last)
    held = last[[f"held_{p}" for p in data.PRODUCTS]].to_numpy() > 0
    assert (proba.to_numpy()[held] == 0).all() and np.allclose(proba.sum(axis=1), 1)
    ours = prospects.hit_rates(proba, last["next_product"])
    base = prospects.hit_rates(m.baseline_proba(last), last["next_product"])
    assert ours["hit_at_1"] > base["hit_at_1"] + 0.1 and ours["hit_at_3"] >= base["hit_at_3"]
    with pytest.raises(ValidationError, match="repeat a product"):
        prospects.next_product_pairs(pd.concat([sim.holdings.iloc[:2], sim.holdings.iloc[:1]]), data.PRODUCTS)
