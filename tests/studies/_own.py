"""A small own-data source (YAML + CSV) for the input adapters' tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_sources(folder: Path, customers: bool = True, amounts: bool = True) -> Path:
    """CDNOW sample purchases of the first 500 customers as your CSV, renamed, with a book of 3 non-buyers;
    ``amounts=False``: customer and date only (a transaction log without amounts)."""
    from crmresearch import data

    tx = data.load("cdnow_sample")[["customer_id", "date", "amount"]]
    tx = tx[tx["customer_id"].isin(tx["customer_id"].unique()[:500])]
    mine = tx.rename(columns={"customer_id": "cust_no", "date": "day", "amount": "amt"})
    (mine if amounts else mine.drop(columns="amt")).to_csv(folder / "tx.csv", index=False)
    lines = ('transactions: {path: tx.csv, columns: {customer: cust_no, date: day, amount: amt}}\n' if amounts
             else 'transactions: {path: tx.csv, columns: {customer: cust_no, date: day}}\n')
    if customers:
        pd.DataFrame({"cust": [*tx["customer_id"].unique(), 90_001, 90_002, 90_003]}).to_csv(folder / "book.csv",
                                                                                            index=False)
        lines += "customers: {path: book.csv, columns: {customer: cust}}\n"
    (folder / "mine.yaml").write_text(lines)
    return folder / "mine.yaml"
