"""Concentration and pyramid: hand-computed cases and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import segmentation as seg
from crmresearch.errors import ValidationError


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_gini_equal_values_is_zero(n):
    assert seg.gini(np.full(n, 3.5)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 100, 23_570])
def test_gini_one_holder_is_n_minus_1_over_n(n):
    x = np.zeros(n)
    x[n // 2] = 42.0
    assert seg.gini(x) == pytest.approx((n - 1) / n, abs=1e-12)


def test_gini_hand_computed_small_case():
    # values 1, 2, 3, 4: G = sum (2i - n - 1) x_i / (n sum x) = (-3 -2 +3 +12) / 40 = 0.25
    assert seg.gini([4, 1, 3, 2]) == pytest.approx(0.25, abs=1e-12)


def test_gini_exponential_is_one_half():
    x = np.random.default_rng(0).exponential(size=2_000_000)
    assert seg.gini(x) == pytest.approx(0.5, abs=0.01)


def test_gini_equals_one_minus_twice_lorenz_area():
    x = np.random.default_rng(1).lognormal(size=5000)
    curve = seg.lorenz(x)
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    # exact for the step-free Lorenz polygon: G = 1 - 2 * area
    assert seg.gini(x) == pytest.approx(1 - 2 * area, abs=1e-12)


def test_lorenz_endpoints_and_shape():
    curve = seg.lorenz([5, 0, 5])
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == [1.0, 1.0]
    assert curve["value_share"].tolist() == pytest.approx([0, 0, 0.5, 1.0])


@pytest.mark.parametrize("bad, match", [
    ([1.0, -2.0, 3.0], r"1 of 3 values are negative"),
    ([1.0, np.nan, np.nan], r"2 of 3 values are missing or infinite"),
    ([], r"empty"),
    ([0.0, 0.0], r"all 2 values are 0"),
])
def test_gini_bad_input_is_a_clear_error(bad, match):
    with pytest.raises(ValidationError, match=match):
        seg.gini(bad)


def test_value_pyramid_counts_and_ties():
    # 200 customers; values descending by id except a tie block
    values = pd.Series(np.arange(200, 0, -1, dtype=float), index=np.arange(1, 201))
    values.loc[[2, 3]] = 199.0  # ids 2 and 3 tie; id 2 must win the rank (index order)
    tiers = seg.value_pyramid(values, cuts=(0.01, 0.05, 0.20))
    counts = tiers.value_counts().reindex(list(seg.DEFAULT_PYRAMID_LABELS)).tolist()
    assert counts == [2, 8, 30, 160]
    assert tiers.loc[[1, 2]].tolist() == ["platinum", "platinum"]
    assert tiers.loc[3] == "gold"
    assert tiers.cat.ordered


def test_value_pyramid_rounds_half_up():
    tiers = seg.value_pyramid(pd.Series(np.arange(1, 51, dtype=float)), cuts=(0.01, 0.05, 0.20))
    # 50 customers: 0.5 -> 1, 2.5 -> 3, 10 -> 10
    assert tiers.value_counts().sort_index().tolist() == [1, 2, 7, 40]


def test_value_pyramid_rejects_bad_cuts():
    with pytest.raises(ValidationError, match="strictly increasing"):
        seg.value_pyramid([1.0, 2.0], cuts=(0.2, 0.1))
    with pytest.raises(ValidationError, match="labels"):
        seg.value_pyramid([1.0, 2.0], cuts=(0.1,), labels=("a", "b", "c"))


def test_shares_to_cuts():
    assert seg.shares_to_cuts(0.01, 0.04, 0.15) == (0.01, 0.05, 0.2)
    with pytest.raises(ValidationError, match="base tier"):
        seg.shares_to_cuts(0.5, 0.5)


def test_tier_summary_shares_sum_to_one():
    df = pd.DataFrame({"revenue": [10.0, 5, 1, 1, 0], "transactions": [3, 2, 1, 1, 1]})
    df["tier"] = seg.value_pyramid(df["revenue"], cuts=(0.2, 0.4), labels=("a", "b", "c"))
    t = seg.tier_summary(df, sums=("revenue", "transactions"))
    assert t["tier"].tolist() == ["a", "b", "c"]
    assert t["customers"].tolist() == [1, 1, 3]
    assert t["revenue"].tolist() == [10.0, 5.0, 2.0]
    assert t["revenue_share"].sum() == pytest.approx(1.0)
    assert t["transactions_per_customer"].tolist() == pytest.approx([3, 2, 1])


def test_concentration_table_matches_pyramid():
    x = pd.Series(np.random.default_rng(2).pareto(2.0, size=1000))
    table = seg.concentration_table(x, top_shares=(0.01, 0.2)).set_index("metric")["value"]
    tiers = seg.value_pyramid(x, cuts=(0.01, 0.2), labels=("top", "mid", "rest"))
    assert table["value_share_top_1pct"] == pytest.approx(x[tiers == "top"].sum() / x.sum())
    assert table["gini"] == pytest.approx(seg.gini(x))


def test_customer_totals():
    tx = pd.DataFrame({"customer_id": [2, 1, 2, 2], "amount": [1.0, 5.0, 2.5, 0.5]})
    out = seg.customer_totals(tx)
    assert out.index.tolist() == [1, 2]
    assert out["revenue"].tolist() == [5.0, 4.0]
    assert out["transactions"].tolist() == [1, 3]
    with pytest.raises(ValidationError, match=r"column 'customer_id': 1 of 2 rows are missing"):
        seg.customer_totals(pd.DataFrame({"customer_id": [1, None], "amount": [1.0, 2.0]}))
