"""RFM on a hand-built transaction table with known answers (ties, a one-time buyer)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import segmentation as seg
from crmresearch.schemas import EmptyTableError, FutureDateError, MissingValueError, RangeError

TX = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-15", "2024-03-01",
                            "2024-02-10", "2024-01-05", "2024-01-20"]),
    "amount": [10.0, 20.0, 30.0, 50.0, 50.0, 5.0, 40.0, 0.0],
})


def test_rfm_known_answers_default_as_of():
    r = seg.rfm(TX)
    assert r.attrs["as_of"] == "2024-03-02"  # the day after the last transaction
    assert r.index.tolist() == ["a", "b", "c", "d"]
    assert r["recency_days"].tolist() == [1, 1, 21, 42]
    assert r["frequency"].tolist() == [3, 2, 1, 2]
    assert r["monetary"].tolist() == [60.0, 100.0, 5.0, 40.0]
    assert r["monetary_mean"].tolist() == [20.0, 50.0, 5.0, 20.0]
    assert r["tenure_days"].tolist() == [61, 47, 21, 57]
    assert r.loc["c", "first_purchase"] == r.loc["c", "last_purchase"]  # single-transaction customer


def test_rfm_explicit_as_of_and_column_names():
    tx = TX.rename(columns={"customer_id": "cust", "date": "day", "amount": "usd"})
    r = seg.rfm(tx, as_of="2024-04-01", customer="cust", date="day", amount="usd")
    assert r["recency_days"].tolist() == [31, 31, 51, 72]


def test_rfm_scores_tie_rule():
    r = seg.rfm(TX)
    s = seg.rfm_scores(r, bins=2)
    # recency 1, 1 tie (a, b) -> both best; ranks by -recency: c=2nd worst... n = 4
    assert s["r_score"].tolist() == [2, 2, 1, 1]
    # frequency 3, 2, 1, 2: b and d tie at 2 -> same score
    assert s.loc["b", "f_score"] == s.loc["d", "f_score"]
    assert s["f_score"].tolist() == [2, 1, 1, 1]
    assert s["rfm_code"].tolist() == ["222", "212", "111", "111"]


def test_rfm_scores_equal_values_share_a_score_and_span_1_to_bins():
    r = pd.DataFrame({"recency_days": range(100), "frequency": [1] * 60 + list(range(2, 42)),
                      "monetary": [float(i) for i in range(100)]})
    s = seg.rfm_scores(r, bins=5)
    assert s["f_score"].iloc[:60].nunique() == 1 and s["f_score"].iloc[0] == 1
    assert sorted(s["m_score"].unique()) == [1, 2, 3, 4, 5]
    assert s["m_score"].value_counts().tolist() == [20] * 5
    assert s.loc[0, "r_score"] == 5 and s.loc[99, "r_score"] == 1


def test_default_segment_rules_cover_every_cell():
    grid = pd.DataFrame([(r, f) for r in range(1, 6) for f in range(1, 6)], columns=["r_score", "f_score"])
    names = seg.rfm_segments(grid)
    assert names.notna().all()
    assert names[(grid.r_score == 5) & (grid.f_score == 5)].iloc[0] == "champions"
    assert names[(grid.r_score == 1) & (grid.f_score == 1)].iloc[0] == "hibernating"
    assert names[(grid.r_score == 1) & (grid.f_score == 5)].iloc[0] == "cant_lose_them"


def test_custom_rules_and_uncovered_cells():
    rules = pd.DataFrame({"segment": ["top"], "r_min": [2], "r_max": [2], "f_min": [1], "f_max": [2]})
    with pytest.raises(ValueError, match=r"1 of 2 customers match no rule"):
        seg.rfm_segments(pd.DataFrame({"r_score": [2, 1], "f_score": [1, 1]}), rules=rules, bins=2)
    # other scales map onto 5 points for the default rules: 10-point (10, 10) -> (5, 5)
    ten = seg.rfm_segments(pd.DataFrame({"r_score": [10, 1], "f_score": [10, 1]}), bins=10)
    assert ten.tolist() == ["champions", "hibernating"]


@pytest.mark.parametrize("tx, error, match", [
    (TX.assign(amount=[10.0, -5, 30, 50, 50, 5, 40, 0]), RangeError, r"rfm: column 'amount': 1 of 8 rows are below 0"),
    (TX.assign(customer_id=["a", None, "a", "b", "b", "c", "d", None]), MissingValueError,
     r"rfm: column 'customer_id': 2 of 8 rows are missing"),
    (TX.iloc[:0], EmptyTableError, r"rfm: the transactions table is empty"),
])
def test_rfm_bad_input(tx, error, match):
    with pytest.raises(error, match=match):
        seg.rfm(tx)


def test_rfm_dates_after_as_of_are_an_error():
    match = r"rfm: column 'date': 2 of 8 rows are after as_of = 2024-02-15 \(first rows: 2, 4\)"
    with pytest.raises(FutureDateError, match=match):
        seg.rfm(TX, as_of="2024-02-15")


def test_segment_summary_suppresses_small_segments():
    r = seg.rfm(TX)
    names = pd.Series(["x", "x", "y", "x"], index=r.index)
    out = seg.segment_summary(r, names, min_cell=2).set_index("segment")
    assert out.loc["x", "customers"] == 3 and out.loc["x", "monetary_total"] == 200.0
    assert out.loc["y", "customers"] == 1 and pd.isna(out.loc["y", "monetary_total"])
