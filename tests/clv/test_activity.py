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


def test_a_date_before_any_card_was_used_counts_issued_cards_as_not_yet_activated():
    """Cards issued in late December, first used in January: the funnel's December quarter end has issued cards and
    no activity (it raised 'no transaction is before ...' on such a book)."""
    import pandas as pd

    from crmresearch import clv

    accounts = pd.DataFrame({"account_id": [1, 2, 3],
                             "issued": pd.to_datetime(["2023-12-20", "2023-12-27", "2024-02-01"])})
    tx = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-10", "2024-03-05"]),
                       "amount": [20.0, 5.0]})
    table = clv.funnel(accounts, tx, ["2023-12-31", "2024-03-31"])
    assert table[["issued", "activated", "active"]].to_numpy().tolist() == [[2, 0, 0], [3, 2, 2]]
    status = clv.activity_status(accounts, tx, "2023-12-31")
    assert status["status"].tolist() == ["never activated", "never activated", "not yet issued"]
    assert status["days_since_last"].isna().all()
