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


#: the edges of a customer base every customer-base study must finish on (issue: "an answer, never a crash")
EDGES = ("no-dropout", "no-heterogeneity", "no-repeat-buyers", "one-cohort-day", "a-handful", "one-huge-customer")


def edge_log(edge: str, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A transaction log (customer_id, date, amount) at one of :data:`EDGES`, over 2023-01-02..2024-12-31.

    The base story is the BG/NBD's (Fader, Hardie & Lee 2005), written here in days, independently of the package:
    purchase rates gamma(0.5, 1/20) per day (one purchase in 40 days on average, heterogeneous), after each
    purchase a dropout with probability p ~ beta(1, 3), first purchases spread over the first two months,
    amounts gamma(2, 20) with a customer-level mean. The edges change one thing:

    - ``no-dropout``: :func:`steady_log` (steady buyers, nobody leaves);
    - ``no-heterogeneity``: one purchase rate (1/20 per day) and one dropout probability (0.1) for everyone;
    - ``no-repeat-buyers``: every customer buys once (nothing can be estimated: a clear error is the answer);
    - ``one-cohort-day``: every first purchase on 2023-01-02;
    - ``a-handful``: 25 customers;
    - ``one-huge-customer``: the base plus one customer who buys every day of the two years.
    """
    import numpy as np

    if edge == "no-dropout":
        return steady_log(n=n, seed=seed)
    if edge not in EDGES:
        raise ValueError(f"edge_log: {edge!r} is not one of {EDGES}")
    rng = np.random.default_rng(seed)
    n = 25 if edge == "a-handful" else n
    start, end = pd.Timestamp("2023-01-02"), pd.Timestamp("2024-12-31")
    first = start + pd.to_timedelta(np.zeros(n, int) if edge == "one-cohort-day" else rng.integers(0, 60, n),
                                    unit="D")
    if edge == "no-heterogeneity":
        rate, p = np.full(n, 1 / 20), np.full(n, 0.1)
    else:
        rate, p = rng.gamma(0.5, 1 / 20, n), rng.beta(1.0, 3.0, n)
    spend = rng.gamma(4.0, 10.0, n)  # each customer's mean spend
    parts = []
    for i in range(n):
        days, t = [0.0], 0.0
        while edge != "no-repeat-buyers" and rng.random() >= p[i]:  # alive after the last purchase: buy again
            t += rng.exponential(1 / rate[i])
            if t >= (end - first[i]).days:
                break
            days.append(t)
        dates = (first[i] + pd.to_timedelta(np.asarray(days), unit="D")).normalize()
        parts.append(pd.DataFrame({"customer_id": i + 1, "date": dates,
                                   "amount": np.round(rng.gamma(2.0, spend[i] / 2.0, dates.size), 2)}))
    if edge == "one-huge-customer":
        every_day = pd.date_range(start, end, freq="D")
        parts.append(pd.DataFrame({"customer_id": n + 1, "date": every_day,
                                   "amount": np.round(rng.gamma(2.0, 20.0, every_day.size), 2)}))
    return pd.concat(parts, ignore_index=True)
