"""churn_snapshot: who is active, the churn label, and the behaviour before the snapshot."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import targeting
from crmresearch.errors import ValidationError


def _spells():
    return pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                         "start": pd.to_datetime(["2020-01-01", "2021-06-01", "2022-10-01", "2019-01-01",
                                                  "2023-02-01"]),
                         "end": pd.to_datetime([None, "2023-03-01", None, "2022-12-01", None]),
                         "rural": [True, False, False, True, False]})


def _transactions():
    return pd.DataFrame({"customer_id": [1, 1, 2, 1, 4],
                         "date": pd.to_datetime(["2021-12-15", "2022-11-15", "2022-12-20", "2023-03-01",
                                                 "2022-06-01"]),
                         "amount": [50.0, 80.0, 40.0, 999.0, 10.0]})


def test_active_customers_labels_and_twelve_month_behaviour():
    snap = targeting.churn_snapshot(_spells(), _transactions(), "2023-01-01", window_months=6)
    # 4 left before the snapshot and 5 joined after it: neither is active on 2023-01-01
    assert snap["customer_id"].tolist() == [1, 2, 3]
    assert snap["churned_6m"].tolist() == [0, 1, 0]
    # the purchase of 2021-12-15 is more than 12 months back and the one of 2023-03-01 after the snapshot
    assert snap["transactions_12m"].tolist() == [1, 1, 0]
    assert snap["volume_12m"].tolist() == [80.0, 40.0, 0.0]
    assert snap["tenure_months"].iloc[0] == pytest.approx((pd.Timestamp("2023-01-01") - pd.Timestamp("2020-01-01")).days
                                                          / 30.4375)


def test_a_customer_without_transactions_has_a_recency_censored_at_the_data_horizon():
    snap = targeting.churn_snapshot(_spells(), _transactions(), "2023-01-01")
    horizon = (pd.Timestamp("2023-01-01") - pd.Timestamp("2021-12-15")).days + 1   # first date in the table
    assert snap["recency_days"].tolist() == [47.0, 12.0, float(horizon)]
    assert snap["recency_days"].iloc[2] > snap["recency_days"].iloc[:2].max()
    assert snap.attrs["no_transaction"] == 1


def test_spells_that_break_their_contract_are_refused():
    bad = _spells()
    bad.loc[0, "end"] = pd.Timestamp("2019-01-01")   # ends before it starts
    with pytest.raises(ValidationError, match="churn_snapshot"):
        targeting.churn_snapshot(bad, _transactions(), "2023-01-01")


def _customers(n: int = 200) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(0)
    return pd.DataFrame({"customer_id": range(n), "churned": rng.integers(0, 2, n), "value": 10.0,
                         "plan": rng.choice(["a", "b"], n), "calls": rng.poisson(2, n), "row": range(n)})


def test_churn_features_by_default_refuse_an_id_and_named_ones_keep_it_with_a_warning():
    df = _customers()
    with pytest.raises(ValidationError, match=r"'row': every row has its own value \(an identifier\)"):
        targeting.churn_features(df)
    assert targeting.churn_features(df, listed=["plan", "calls"]) == (["plan", "calls"], [])
    features, warnings = targeting.churn_features(df, ["plan", "row"], listed=["plan"])  # the parameter wins
    assert features == ["plan", "row"] and len(warnings) == 1 and "'row' is kept because you named it" in warnings[0]
    with pytest.raises(ValidationError, match=r"\['churned'\] are the customer id, the outcome or the value"):
        targeting.churn_features(df, ["plan", "churned"])


def test_churn_features_refuse_dates_and_count_missing_values():
    df = _customers().drop(columns="row")
    with pytest.raises(ValidationError, match=r"\['joined'\] are dates"):
        targeting.churn_features(df.assign(joined=pd.Timestamp("2024-01-01")))
    with pytest.raises(ValidationError, match=r"missing values in \{'calls': 3\} \(rows per column\) of 200"):
        targeting.churn_features(df.assign(calls=df["calls"].where(df.index >= 3)))
