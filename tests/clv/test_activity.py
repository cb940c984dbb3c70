"""Activity rules: account status by the documented rules on a hand case."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import clv
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
