"""Customer-base health: status rules, grids, migration, P(alive) against the simulator's truth, ordinal level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data, segmentation
from crmresearch.errors import ValidationError


def test_activity_status_hand_case():
    accounts = pd.DataFrame({"account_id": [1, 2, 3, 4], "issued": pd.to_datetime(["2024-01-01"] * 3 + ["2025-02-01"]),
                             "balance": [100.0, 5.0, 100.0, 0.0]})
    tx = pd.DataFrame({"customer_id": [1, 2, 3], "date": pd.to_datetime(["2024-12-15", "2024-12-20", "2024-03-01"]),
                       "amount": [10.0, 20.0, 30.0]})
    s = clv.activity_status(accounts, tx, "2024-12-31", inactive_days=180, balance_floor=10).set_index("account_id")
    assert s["status"].to_dict() == {1: "effective", 2: "active, low balance", 3: "dormant", 4: "not yet issued"}
    assert s.loc[3, "days_since_last"] == 305
    with pytest.raises(ValidationError, match="1 accounts have transactions but are not in the accounts table"):
        clv.activity_status(accounts[accounts["account_id"] != 1], tx, "2024-12-31")
    rev = clv.revenue_per_customer(s.reset_index(), pd.Series({1: 10.0, 2: 6.0, 3: 4.0})).set_index("customer_base")
    assert rev.loc["issued", "revenue_per_account"] == pytest.approx(20 / 3)  # account 4 is not yet issued
    assert rev.loc["effective", "revenue_per_account"] == 10.0


def test_rule_grid_any_dimensions_and_migration():
    units = pd.DataFrame({"format": ["a", "a", "b", "b"], "volume": [10.0, 300.0, 999.0, 1000.0]})
    g = segmentation.rule_grid(units, {"format": None, "volume": [250, 1000]}, {"volume": ["S", "M", "L"]})
    assert g.tolist() == ["a|S", "a|M", "b|M", "b|L"]  # a cut-off belongs to the band above
    t = segmentation.grid_table(g, units["volume"], min_cell=2)
    assert t["share_of_units"].sum() == pytest.approx(1.0) and t["share_of_value"].isna().all()
    with pytest.raises(ValidationError, match="cut-offs of 'volume' must increase"):
        segmentation.rule_grid(units, {"volume": [1000, 250]})
    with pytest.raises(ValidationError, match="column 'format' has 1 missing values"):
        segmentation.rule_grid(units.assign(format=["a", None, "b", "b"]), {"format": None})
    before = pd.Series(["S", "S", "M", "L"], index=[1, 2, 3, 4])
    after = pd.Series(["S", "M", "M", "M"], index=[1, 2, 3, 4])
    m = segmentation.grid_migration(before, after, ["S", "M", "L"])
    assert m.loc["S", "M"] == 0.5 and m.loc["L", "M"] == 1.0 and np.allclose(m.sum(axis=1), 1)
    with pytest.raises(ValidationError, match="1 units are classed in only one"):
        segmentation.grid_migration(before, after.iloc[:3])


def test_price_volume_counts_customers_without_purchases():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-10"]),
                       "amount": [30.0, 15.0, 9.0], "quantity": [2, 1, 1]})
    pv = segmentation.price_volume(tx, "2024-01-01", "2024-03-31", (12, 16), (3, 7), customers=[1, 2, 3]).set_index(
        "customer_id")
    assert pv.loc[1, "grid_class"] == "price_mid|volume_mid" and pv.loc[1, "price_per_unit"] == 15.0
    assert pv.loc[2, "grid_class"] == "price_low|volume_low" and pv.loc[3, "grid_class"] == "no purchase"
    matrix = segmentation.grid_matrix(pv["grid_class"], ["price_low", "price_mid"], ["volume_low", "volume_mid"])
    assert matrix.to_numpy().sum() == pytest.approx(1.0) and matrix.loc["price_mid", "volume_mid"] == 0.5


@pytest.fixture(scope="module")
def cards() -> data.CardBase:
    return data.simulate_card_base(n_accounts=8_000, n_merchants=200, seed=4)


def test_card_base_truth_shares_and_bgnbd_recovery(cards):
    status = cards.truth["status"]
    assert (status == "never activated").mean() == pytest.approx(0.25, abs=0.02)
    tx = cards.transactions.rename(columns={"account_id": "customer_id"})
    s = clv.summary_from_transactions(tx, cards.truth["end"].strftime("%Y-%m-%d"), freq="W")
    fit = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).summary  # indexed by parameter
    truth = {"r": 0.5, "alpha": 25 / 7, "a": 0.6, "b": 6.0}
    for name, value in truth.items():  # the simulator tells the BG/NBD story: parameters within 25 %
        assert fit.loc[name, "estimate"] == pytest.approx(value, rel=0.25), name
    pa = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).probability_alive(s["frequency"], s["recency"],
                                                                                        s["T"])
    alive = status.eq("alive").reindex(pa.index)
    st = clv.activity_status(cards.accounts, tx, cards.truth["end"]).set_index("account_id")
    acc = clv.rule_accuracy({"180": (st["days_since_last"] <= 180).reindex(pa.index), "p": pa > 0.5}, alive)
    acc = acc.set_index("rule")
    assert acc.loc["p", "accuracy"] > acc.loc["180", "accuracy"] + 0.1


def test_ordinal_level_beats_the_majority_class(cards):
    tx = cards.transactions.rename(columns={"account_id": "customer_id"})
    e = segmentation.early_and_level(tx, cards.truth["end"], 90, 365, (300, 1500))
    train, test = e[e["customer_id"] % 10 < 7], e[e["customer_id"] % 10 >= 7]
    coefs, confusion = segmentation.ordinal_level(train, test, "level", ["early_transactions", "early_log_spend"],
                                            ["low", "mid", "high"])
    assert confusion.to_numpy().sum() == len(test)
    assert confusion.attrs["accuracy"] > test["level"].value_counts(normalize=True).iloc[0] + 0.05
    assert (coefs.set_index("term").loc[["early_transactions", "early_log_spend"], "estimate"] > 0).all()
    with pytest.raises(ValidationError, match="collinear"):
        segmentation.ordinal_level(train.assign(copy=train["early_transactions"]), test.assign(copy=1.0), "level",
                             ["early_transactions", "copy"], ["low", "mid", "high"])
