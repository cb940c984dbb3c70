"""Value score and classes, current x potential matrix, cost to serve, whale curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import segmentation as seg
from crmresearch.errors import ValidationError


def test_value_score_weights_and_classes():
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)[::-1]})
    out = seg.value_score(df, weights={"a": 1.0, "b": 0.0}, class_cuts=(0.2, 0.9), robust=False)
    assert out["value_class"].tolist() == ["problem"] + ["general"] * 7 + ["core"] * 2
    assert out["z_a"].mean() == pytest.approx(0) and out["z_a"].std(ddof=0) == pytest.approx(1)
    flipped = seg.value_score(df, weights={"a": 0.0, "b": 1.0}, class_cuts=(0.2, 0.9))
    assert flipped["value_class"].iloc[0] == "core"


def test_value_score_errors():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": [1.0, 1.0, 1.0]})
    with pytest.raises(ValidationError, match=r"missing dimension column\(s\) \['b'\]"):
        seg.value_score(df, weights={"b": 1.0})
    with pytest.raises(ValidationError, match=r"column 'c' is constant"):
        seg.value_score(df, weights={"c": 1.0})
    with pytest.raises(ValidationError, match=r"column 'a' has 1 of 3 missing"):
        seg.value_score(df.assign(a=[1.0, None, 2.0]), weights={"a": 1.0})


def test_current_potential_matrix_two_by_two():
    cur = pd.Series([1.0, 2, 3, 4])
    pot = pd.Series([4.0, 3, 2, 1])
    cell, table = seg.current_potential_matrix(cur, pot, grid=2)
    assert cell.tolist() == ["low current / high potential", "low current / high potential",
                             "high current / low potential", "high current / low potential"]
    assert table["customers"].sum() == 4 and table["customer_share"].sum() == pytest.approx(1)
    row = table[(table.current_band == "high") & (table.potential_band == "low")].iloc[0]
    assert row["current_value"] == 7.0 and row["current_share"] == pytest.approx(0.7)


def test_cost_to_serve_known_answer():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [100.0, 300.0, 10.0],
                       "channel": ["branch", "mobile", "branch"]})
    out = seg.cost_to_serve(tx, margin_rate=0.02, fixed_cost=1.0, all_customers=[1, 2, 3])
    assert out.loc[1, "margin"] == pytest.approx(8.0)
    assert out.loc[1, "cost"] == pytest.approx(4.0 + 0.10 + 1.0)
    assert out.loc[2, "profit"] == pytest.approx(0.2 - 5.0)
    assert out.loc[3].tolist() == [0, 0.0, 1.0, -1.0, True]  # no transactions: fixed cost only
    assert out["below_cost"].tolist() == [False, True, True]


def test_cost_to_serve_unknown_channel_is_an_error():
    tx = pd.DataFrame({"customer_id": [1, 2], "amount": [1.0, 2.0], "channel": ["branch", "pigeon"]})
    with pytest.raises(ValidationError, match=r"1 of 2 transactions use channel\(s\) \['pigeon'\]"):
        seg.cost_to_serve(tx, margin_rate=0.01)


def test_peak_profit_share_whale_curve():
    assert seg.peak_profit_share(pd.Series([10.0, 5.0, -5.0])) == pytest.approx(1.5)
    assert seg.peak_profit_share(pd.Series([1.0, 1.0])) == pytest.approx(1.0)
    with pytest.raises(ValidationError, match="total profit must be positive"):
        seg.peak_profit_share(pd.Series([-1.0, 0.5]))


def test_value_growth():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-01-05"]),
                       "amount": [0.0, 1.0, 3.0]})
    g = seg.value_growth(tx, "2024-06-01", all_customers=[1, 2, 3])
    assert g.tolist() == pytest.approx([np.log(2), -np.log(4), 0.0])


def test_service_table_keeps_the_pyramid_order_for_plain_text_tiers():
    customers = pd.DataFrame({"tier": ["lead", "gold", "platinum", "iron", "lead", "vip"],
                              "revenue": [10.0, 300, 900, 80, 20, 50], "margin": [5.0, 150, 450, 40, 10, 25],
                              "cost": [25.0, 60, 100, 30, 25, 20]})
    customers["profit"] = customers["margin"] - customers["cost"]
    customers["below_cost"] = customers["profit"] < 0
    t = seg.service_table(customers)
    assert t["tier"].tolist() == ["platinum", "gold", "iron", "lead", "vip"]   # unknown tiers last
    assert t.loc[t["tier"] == "vip", "service_model"].item() == ""
