"""The customer-base-health adapter gives the same tables for the card-base simulator and your accounts."""

from __future__ import annotations

import pandas as pd

from crmresearch import clv, data
from crmresearch.studies.inputs.customer_base_health import card_base


def _your_accounts(tmp_path, n=1_000, seed=4):
    sim = data.simulate_card_base(n_accounts=n, n_merchants=50, seed=seed)
    sim.accounts.rename(columns={"account_id": "card"}).to_csv(tmp_path / "cards.csv", index=False)
    sim.transactions.rename(columns={"account_id": "card", "date": "posted"}).to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text("accounts: {path: cards.csv, columns: {account: card}}\n"
                                     "transactions: {path: tx.csv, columns: {customer: card, date: posted}}\n")
    return tmp_path / "s.yaml", sim


def test_simulator_and_your_accounts_give_the_same_tables(tmp_path):
    path, _ = _your_accounts(tmp_path)
    built_in = card_base(n_accounts=1_000, n_merchants=50, seed=4)
    yours = card_base(str(path), as_of="2025-12-31")
    for b in (built_in, yours):
        assert {"customer_id", "date", "amount"} <= set(b.tables["transactions"].columns)
        assert pd.api.types.is_datetime64_any_dtype(b.tables["transactions"]["date"])
        assert {"account_id", "issued"} <= set(b.tables["accounts"].columns)
        assert isinstance(b.settings["start"], pd.Timestamp) and isinstance(b.settings["end"], pd.Timestamp)
        assert [r for _, r, _ in b.settings["inputs"]][:2] == ["accounts", "transaction_records"]
    assert len(yours.tables["accounts"]) == len(built_in.tables["accounts"]) == 1_000
    assert built_in.simulated and "merchants" in built_in.tables
    assert not yours.simulated and "merchants" not in yours.tables
    assert f"{yours.settings['end']:%Y-%m-%d}" == "2025-12-31"
    assert yours.source == "s.yaml: your accounts and transactions"
    # the same status on both (your transactions cut at the whole as-of day)
    a, b = (clv.activity_status(x.tables["accounts"], x.tables["transactions"], "2025-12-31", 180, 10.0)
            for x in (built_in, yours))
    assert a["status"].value_counts().to_dict() == b["status"].value_counts().to_dict()
