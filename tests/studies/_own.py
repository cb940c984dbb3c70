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


def credit_sources(folder: Path, delinquency: bool = True) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """credit_data as your applications CSV (id and outcome renamed, the outcome 0/1, a column of inquiries
    mapped to ``inquiries``) and, with ``delinquency``, 1,500 simulated accounts over 12 months as your Parquet
    panel with renamed columns, statuses as days past due where a bucket is one (0, 45, 75, 120) and as codes
    otherwise. Returns the data source file, the applications and the panel (crmresearch's names, bucket codes)."""
    import numpy as np

    from crmresearch import data

    apps = data.load_credit_data()
    mine = apps.rename(columns={"applicant_id": "app_no", "bad": "defaulted"}).astype({"defaulted": int})
    mine["inq_6m"] = np.random.default_rng(7).poisson(1.5, len(mine))
    mine.to_csv(folder / "apps.csv", index=False)
    lines = "name: Card book\napplications: {path: apps.csv, columns: {applicant: app_no, outcome: defaulted, " \
            "inquiries: inq_6m}}\n"
    panel = data.simulate_delinquency(n_accounts=1_500, months=12, seed=2)
    if delinquency:
        dpd = panel["status"].map({"current": "0", "30": "45", "60": "75", "90+": "120"}).fillna(panel["status"])
        panel.assign(status=dpd).rename(columns={"account_id": "acct", "month": "mth", "status": "dq",
                                                 "balance": "bal"}).to_parquet(folder / "panel.parquet", index=False)
        lines += "delinquency: {path: panel.parquet, columns: {account: acct, month: mth, status: dq, balance: bal}}\n"
    (folder / "credit.yaml").write_text(lines)
    return folder / "credit.yaml", mine, panel
