"""Customer referral value (Kumar, Petersen & Leone 2010): a small example by hand, the prospect simulator's
true referral value recovered, and the links that cannot be a referral tree refused with counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data, schemas
from crmresearch.errors import DuplicateIdError, SchemaError, ValidationError

LINKS = pd.DataFrame({"referrer_id": [1, 1, 2, 5], "referred_id": [2, 3, 4, 6], "month": [0, 12, 0, 6],
                      "anyway": [0, 1, 0.5, 0]})
OWN = pd.Series({2: 500.0, 3: 200.0, 4: 300.0, 6: 80.0})


def test_hand_computed_example():
    out = clv.referral_value(LINKS, OWN, anyway="anyway", acquisition_cost=40.0, reward=10.0, period="month",
                             discount_rate=0.01, customers=[1, 2, 3, 4, 5, 6, 7])
    d12, d6 = 1.01 ** -12, 1.01 ** -6
    # 1 -> 2: 500 - 10 now; 1 -> 3 would have joined anyway: (40 - 10) a year later
    assert out.loc[1, "crv"] == pytest.approx(490 + 30 * d12, abs=1e-9)
    assert out.loc[1, "value_incremental"] == pytest.approx(500.0)
    assert out.loc[1, "acquisition_savings"] == pytest.approx(40 * d12)
    assert out.loc[1, ["referrals", "incremental"]].tolist() == [2.0, 1.0]
    assert out.loc[2, "crv"] == pytest.approx(0.5 * 300 + 0.5 * 40 - 10)  # half would have joined anyway
    assert out.loc[5, "crv"] == pytest.approx((80 - 10) * d6)
    assert out.loc[[3, 4, 6, 7], "crv"].eq(0).all() and out.index.name == "customer_id"
    # a share instead of a column: every referral counted at q
    q = clv.referral_value(LINKS, OWN, anyway=0.25)
    assert q["crv"].tolist() == pytest.approx([0.75 * 700, 0.75 * 300, 0.75 * 80])


def test_no_referrals_and_a_customer_referred_twice():
    none = clv.referral_value(LINKS.iloc[:0], OWN, customers=[1, 2])
    assert none["crv"].tolist() == [0.0, 0.0] and list(none.columns)[-1] == "crv"
    twice = pd.DataFrame({"referrer_id": [1, 2, 3], "referred_id": [9, 9, 8]})
    with pytest.raises(DuplicateIdError, match=r"column 'referred_id': 2 of 3 rows repeat an id \(1 customers"):
        clv.referral_value(twice, pd.Series({9: 100.0, 8: 50.0}))
    split = clv.referral_value(twice, pd.Series({9: 100.0, 8: 50.0}), duplicates="split")
    assert split["crv"].tolist() == [50.0, 50.0, 50.0] and split["referrals"].tolist() == [0.5, 0.5, 1.0]


def test_links_that_are_no_tree_are_refused_with_counts():
    own = pd.Series(100.0, index=range(1, 10))
    self_link = pd.DataFrame({"referrer_id": [1, 2, 3], "referred_id": [2, 2, 4]})
    with pytest.raises(SchemaError, match=r"column 'referred_id': 1 of 3 rows name the same id as 'referrer_id'"):
        clv.referral_value(self_link, own)
    circle = pd.DataFrame({"referrer_id": [1, 2, 3, 4, 7], "referred_id": [2, 3, 1, 5, 8]})
    with pytest.raises(SchemaError, match=r"3 of 5 rows link ids in a circle .*first rows: 0, 1, 2\)"):
        clv.referral_value(circle, own)
    with pytest.raises(SchemaError, match="2 of 2 rows link ids in a circle"):  # also when credit is split
        schemas.check_links(pd.DataFrame({"a": [1, 2], "b": [2, 1]}), "a", "b", "mine", once=False)
    with pytest.raises(ValidationError, match=r"column 'referred_id': 1 of 2 rows name a customer without a value"):
        clv.referral_value(pd.DataFrame({"referrer_id": [1, 2], "referred_id": [2, 99]}), own)
    with pytest.raises(ValidationError, match=r"column 'anyway': 1 of 4 rows are not a share in \[0, 1\]"):
        clv.referral_value(LINKS.assign(anyway=[0, 1, 2, 0]), OWN, anyway="anyway")
    with pytest.raises(ValidationError, match=r"column 'referrer_id': 1 of 2 rows are missing"):
        clv.referral_value(pd.DataFrame({"referrer_id": [1, None], "referred_id": [2, 3]}), own)


@pytest.fixture(scope="module")
def sim():
    return data.simulate_prospects(n_prospects=20_000, n_customers=100, seed=11)


def test_simulator_links_form_a_tree_of_converted_customers(sim):
    links, p = sim.referrals, sim.prospects.set_index("prospect_id")
    schemas.check_links(links, "referrer_id", "referred_id", "test")
    assert (links["referrer_id"] < links["referred_id"]).all()
    assert p.loc[links["referrer_id"], "converted"].all() and p.loc[links["referred_id"], "converted"].all()
    referred = p.index[p["converted"] & (p["source"] == "referral_customer")]
    assert set(links["referred_id"]) <= set(referred) and len(links) >= len(referred) - 1  # the first has no one
    assert sim.truth["referral_anyway"].mean() == pytest.approx(0.3, abs=0.05)
    assert links["month"].between(0, 11).all()


def test_true_referral_value_recovered(sim):
    """The referral value from the survey share (0.3) against the truth from each referred customer's flag."""
    p = sim.prospects.set_index("prospect_id")
    own = pd.Series(clv.margin_annuity(p["value"], years=3), index=p.index)
    kw = dict(acquisition_cost=50.0, reward=20.0, period="month", discount_rate=clv.period_discount_rate(
        0.1, 365.25 / 12))
    est = clv.referral_value(sim.referrals, own, anyway=0.3, **kw)
    flags = sim.referrals.assign(anyway=sim.truth["referral_anyway"].reindex(sim.referrals["referred_id"])
                                 .to_numpy())
    true = clv.referral_value(flags, own, anyway="anyway", **kw)
    # the truth by hand: each link's (1 - flag) V + flag s - b, discounted by its month
    disc = (1 + kw["discount_rate"]) ** -flags["month"].to_numpy()
    v = own.reindex(flags["referred_id"]).to_numpy()
    by_hand = ((1 - flags["anyway"]) * v + flags["anyway"] * 50 - 20) * disc
    np.testing.assert_allclose(true["crv"].sum(), by_hand.sum(), rtol=1e-12)
    assert est["crv"].sum() == pytest.approx(true["crv"].sum(), rel=0.05)
    # per referrer the share cannot tell which referral would have joined anyway; the ranking still holds
    assert np.corrcoef(est["crv"], true["crv"])[0, 1] > 0.75
    # lower incomes refer more: the lowest CLV decile holds more of the referral value than the highest
    customers = p.index[p["converted"]]
    dec = clv.referral_deciles(own[customers], est["crv"])
    assert dec["customers"].sum() == len(customers) and dec["clv_share"].sum() == pytest.approx(1)
    assert dec.loc[10, "crv_above_clv"] > dec.loc[1, "crv_above_clv"]
    assert dec.loc[10, "referrers"] > dec.loc[1, "referrers"]


def test_deciles_by_hand_and_bad_settings():
    own = pd.Series([400.0, 300.0, 200.0, 100.0], index=[1, 2, 3, 4])
    dec = clv.referral_deciles(own, pd.Series({4: 250.0, 1: 50.0}), deciles=2)
    assert dec.index.tolist() == [1, 2] and dec["customers"].tolist() == [2, 2]
    assert dec["clv_mean"].tolist() == [350.0, 150.0] and dec["crv_mean"].tolist() == [25.0, 125.0]
    assert dec["crv_share"].tolist() == pytest.approx([50 / 300, 250 / 300])
    with pytest.raises(ValidationError, match="deciles must be a whole number >= 2"):
        clv.referral_deciles(own, own, deciles=1)
    with pytest.raises(ValidationError, match="duplicates must be 'error' or 'split'"):
        clv.referral_value(LINKS, OWN, duplicates="first")
