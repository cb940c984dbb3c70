"""Inputs of the customer-base-health study: the simulated card base, or your accounts and transactions."""

from __future__ import annotations

import pandas as pd

from ... import data as datasets
from ... import sources
from . import Base

__all__ = ["card_base"]


def card_base(data: str = "", as_of: str = "", *, n_accounts: int = 20_000, n_merchants: int = 2_000,
              months: int = 24, seed: int = 0, never_activated_share: float = 0.25) -> Base:
    """The accounts and their transactions the study analyses: the card-base simulator's, or a data source's.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``accounts`` and ``transactions`` (the account id in
        ``customer_id``); '' = :func:`crmresearch.data.simulate_card_base`.
    as_of : str, default ''
        Your data: date of the account status (YYYY-MM-DD); '' = the last transaction date.
    n_accounts, n_merchants, months, seed : int
        Size, window and seed of the simulator (built-in data only).
    never_activated_share : float, default 0.25
        Share of cards never used (simulator).

    Returns
    -------
    Base
        ``tables``: ``accounts`` (one row per account: account_id, issued, balance...), ``transactions``
        (customer_id = the account, date as datetime, amount; up to the whole as-of day), the tables as read
        or simulated for the record (``transaction_records``) and, for the simulator only, ``merchants``.
        ``settings``: ``start`` and ``end`` (the window, Timestamps) and ``inputs`` (name, role, description
        of each input to record). ``truth``: the simulator's truth (None for your data).

    Examples
    --------
    >>> from crmresearch.studies.inputs.customer_base_health import card_base
    >>> b = card_base(n_accounts=1_000, n_merchants=100, seed=1)
    >>> sorted(b.tables), f"{b.settings['end']:%Y-%m-%d}", b.simulated
    (['accounts', 'merchants', 'transaction_records', 'transactions'], '2025-12-31', True)
    """
    if not data:
        sim = datasets.simulate_card_base(n_accounts=n_accounts, n_merchants=n_merchants, months=months, seed=seed,
                                          never_activated_share=never_activated_share)
        text = f"simulate_card_base(n_accounts={n_accounts}, seed={seed})"
        return Base("simulator", "simulator", f"crmresearch card-base simulator (n = {n_accounts:,}, seed {seed})",
                    tables={"accounts": sim.accounts,
                            "transactions": sim.transactions.rename(columns={"account_id": "customer_id"}),
                            "transaction_records": sim.transactions, "merchants": sim.merchants},
                    truth=sim.truth, settings={"start": sim.truth["start"], "end": sim.truth["end"],
                                               "inputs": [("sim_accounts", "accounts", text),
                                                          ("sim_transactions", "transaction_records", text),
                                                          ("sim_merchants", "merchants", text)]})
    # your accounts and their transactions (the account id in customer_id)
    name = sources.source_file(data).name  # the name: key of your file, else its file name
    yours = sources.read_sources(data, roles=["accounts", "transactions"])
    accounts = yours["accounts"].to_pandas()
    records = yours["transactions"].to_pandas()
    end = pd.Timestamp(as_of) if as_of else pd.to_datetime(records["date"]).max().normalize()
    start = min(pd.to_datetime(accounts["issued"]).min(), pd.to_datetime(records["date"]).min())
    tx = records.assign(date=pd.to_datetime(records["date"]))
    tx = tx[tx["date"] < end + pd.Timedelta(days=1)]  # the whole as-of day, as activity_status counts it
    return Base("yours", name, f"{name}: your accounts and transactions",
                tables={"accounts": accounts, "transactions": tx, "transaction_records": records},
                settings={"start": start, "end": end,
                          "inputs": [("accounts", "accounts", f"{name}: accounts"),
                                     ("transactions", "transaction_records", f"{name}: transactions")]})
