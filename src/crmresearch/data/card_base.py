"""A seeded card base with empty and dormant accounts, and a merchant base for rule grids.

Cards are issued over the first ``issue_months`` months. A share is never activated (cards issued
but never used). An activated card transacts as in the BG/NBD story (Fader, Hardie & Lee 2005): while
alive it buys at a rate lambda ~ Gamma(r, alpha) per day, and after each repeat purchase (not the
first) it goes dormant with probability p ~ Beta(a, b). The truth at the end of the window is known for every account:
never activated, dormant, or alive. Balances at the end are high for alive accounts and run down
for dormant ones. Merchants have one of 7 formats, an urban or rural location and an annual card
volume in two consecutive years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["FORMATS", "CardBase", "simulate_card_base"]

FORMATS = ("supermarket", "department_store", "restaurant", "fuel", "pharmacy", "electronics", "apparel")
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class CardBase:
    """Tables of the card-base simulator and the truth that generated them.

    Attributes
    ----------
    accounts : DataFrame
        Account_id, issued, balance (at the end).
    transactions : DataFrame
        Account_id, date, amount.
    merchants : DataFrame
        Merchant_id, format, urban, volume_year1, volume_year2, avg_ticket.
    truth : dict of str to object
        The true status of every account and the generating parameters.

    Examples
    --------
    >>> from crmresearch import data
    >>> cards = data.simulate_card_base(n_accounts=200, n_merchants=20, seed=0)
    >>> list(cards.accounts.columns), list(cards.merchants.columns)[:3]
    (['account_id', 'issued', 'balance'], ['merchant_id', 'format', 'urban'])
    """

    accounts: pd.DataFrame  # account_id, issued, balance (at the end)
    transactions: pd.DataFrame  # account_id, date, amount
    merchants: pd.DataFrame  # merchant_id, format, urban, volume_year1, volume_year2, avg_ticket
    truth: dict[str, Any] = field(default_factory=dict)


def simulate_card_base(n_accounts: int = 20_000, n_merchants: int = 2_000, months: int = 24, seed: int = 0,
                       never_activated_share: float = 0.25, issue_months: int = 18, r: float = 0.5,
                       alpha: float = 25.0, a: float = 0.6, b: float = 6.0,
                       start: str = "2024-01-01") -> CardBase:
    """Simulate card accounts (issued, never activated, dormant, alive), their transactions and end
    balances, and a merchant base. Rates: ``r``/``alpha`` give purchases per day while alive (mean r /
    alpha = 0.02: one every 50 days); ``a``/``b`` the dormancy probability after a purchase.

    Parameters
    ----------
    n_accounts : int, default 20000
        Card accounts issued.
    n_merchants : int, default 2000
        Merchants in the merchant base.
    months : int, default 24
        Observation window in months.
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    never_activated_share : float, default 0.25
        Share of cards issued but never used.
    issue_months : int, default 18
        Cards are issued uniformly over the first this many months.
    r : float, default 0.5
        Gamma shape of the purchase rate per day.
    alpha : float, default 25.0
        Gamma rate of the purchase rate (days).
    a : float, default 0.6
        Beta shape a of the dormancy probability after a repeat purchase.
    b : float, default 6.0
        Beta shape b of that probability.
    start : str, default '2024-01-01'
        First day of the window (ISO date).

    Returns
    -------
    CardBase
        The accounts, transactions and merchants tables and the truth.

    Examples
    --------
    >>> from crmresearch import data
    >>> cards = data.simulate_card_base(n_accounts=1_000, n_merchants=50, seed=0)
    >>> sorted(cards.truth['status'].unique())
    ['alive', 'dormant', 'never activated']
    """
    for name, v in (("n_accounts", n_accounts), ("n_merchants", n_merchants), ("months", months)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise ValidationError(f"simulate_card_base: {name} must be a whole number >= 1; got {v!r}")
    if not 0 <= never_activated_share < 1 or not 0 < issue_months <= months:
        raise ValidationError("simulate_card_base: never_activated_share in [0, 1) and 0 < issue_months <= months")
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    end = months * DAYS_PER_MONTH
    n = n_accounts
    issued = rng.uniform(0, issue_months * DAYS_PER_MONTH, n)
    activated = rng.random(n) >= never_activated_share
    first = issued + rng.exponential(20.0, n)  # first use a few weeks after issue
    activated &= first < end
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    ticket = np.exp(rng.normal(np.log(60), 0.6, n))
    acc_ids, days, amounts = [], [], []
    alive_end = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(activated):
        t = first[i]
        repeat = False
        while True:
            acc_ids.append(i + 1)
            days.append(t)
            amounts.append(rng.gamma(4.0, ticket[i] / 4.0))
            if repeat and rng.random() < p[i]:  # goes dormant after this repeat purchase (BG/NBD: not the first)
                break
            repeat = True
            t += rng.exponential(1 / lam[i])
            if t >= end:
                alive_end[i] = True
                break
    tx = pd.DataFrame({"account_id": np.asarray(acc_ids, dtype=np.int64),
                       "date": t0 + pd.to_timedelta(np.asarray(days), unit="D"), "amount": np.round(amounts, 2)})
    status = np.where(~activated, "never activated", np.where(alive_end, "alive", "dormant"))
    balance = np.where(alive_end, np.exp(rng.normal(np.log(800), 1.0, n)),
                       np.where(activated, np.exp(rng.normal(np.log(25), 1.0, n)), 0.0))
    accounts = pd.DataFrame({"account_id": np.arange(1, n + 1), "issued": t0 + pd.to_timedelta(issued, unit="D"),
                             "balance": np.round(balance, 2)})
    merchants = _merchants(rng, n_merchants)
    truth = {"status": pd.Series(status, index=accounts["account_id"], name="status"),
             "params": {"r": r, "alpha": alpha, "a": a, "b": b},
             # the same rates per week (lambda per week is 7 lambda per day, so the gamma rate alpha is / 7)
             "params_per_week": {"r": r, "alpha": alpha / 7, "a": a, "b": b},
             "never_activated_share": never_activated_share,
             "end": t0 + pd.Timedelta(days=end), "start": t0}
    return CardBase(accounts, tx.sort_values(["account_id", "date"], ignore_index=True), merchants, truth)


def _merchants(rng: np.random.Generator, n: int) -> pd.DataFrame:
    fmt = rng.choice(len(FORMATS), size=n, p=[0.22, 0.08, 0.25, 0.12, 0.12, 0.08, 0.13])
    scale = np.array([900, 1500, 250, 600, 300, 1200, 400])[fmt]  # annual card volume, thousand USD
    urban = rng.random(n) < 0.7
    y1 = scale * np.where(urban, 1.3, 0.7) * np.exp(rng.normal(0, 0.8, n))
    y2 = y1 * np.exp(rng.normal(0.05, 0.3, n))
    ticket = np.array([45, 120, 35, 50, 25, 300, 80])[fmt] * np.exp(rng.normal(0, 0.3, n))
    return pd.DataFrame({"merchant_id": np.arange(1, n + 1), "format": np.asarray(FORMATS)[fmt], "urban": urban,
                         "volume_year1": np.round(y1, 1), "volume_year2": np.round(y2, 1),
                         "avg_ticket": np.round(ticket, 2)})
