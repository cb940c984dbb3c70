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


def steady_log(n: int = 300, seed: int = 0, amounts: bool = True) -> pd.DataFrame:
    """Steady buyers, no visible dropout: each of ``n`` customers buys at a constant rate (one purchase in about
    two weeks, little heterogeneity) from a first purchase in the first two months of 2023 to the end of 2024,
    spending about 40 per purchase (no heterogeneity in mean spend). Every customer-base model fitted on it is at
    a limit of its parameter space (no dropout; BG/NBD, Pareto/NBD reduce to the NBD)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2023-01-02"), pd.Timestamp("2024-12-31")
    first = start + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    rate = rng.gamma(20.0, 1 / 20.0 / 14, n)  # purchases per day
    parts = []
    for i in range(n):
        t = np.cumsum(rng.exponential(1 / rate[i], 200))
        t = t[t < (end - first[i]).days]
        dates = (first[i] + pd.to_timedelta(np.r_[0, t], unit="D")).normalize()
        parts.append(pd.DataFrame({"customer_id": i + 1, "date": dates,
                                   "amount": np.round(rng.gamma(4.0, 10.0, dates.size), 2)}))
    log = pd.concat(parts, ignore_index=True)
    return log if amounts else log.drop(columns="amount")
