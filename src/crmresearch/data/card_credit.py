"""A seeded card base with known credit effects: limit increases at a behaviour-score cut-off, and monthly
delinquency paths between buckets from a known roll-rate matrix.

Limit increases (a sharp design, as Agarwal, Chomsisengphet, Mahoney & Stroebel 2018 describe the banks'
rules): every account has a behaviour score; accounts at or above ``cutoff`` get a limit increase. Over the
next 12 months spend rises by ``spend_effect`` USD a month, the probability of closing the card (attrition)
changes by ``attrition_effect`` and that of default by ``default_effect`` (Gross & Souleles 2002 find spend
and debt rising with limits). Outcomes also depend on the score (safer accounts spend more, leave more and
default less), so raised and not-raised accounts differ for reasons other than the increase: the naive
comparison is biased and the jump at the cut-off is the effect. Probabilities are linear in the score within
its range, so the true effect at the cut-off is exactly the parameter.

Delinquency: accounts start current and move monthly between ``current``, ``30``, ``60``, ``90+`` days past due
and the absorbing ``paid_off`` and ``charged_off`` by the matrix ``ROLL_RATES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["ROLL_RATES", "ROLL_STATES", "CreditLimits", "simulate_delinquency", "simulate_limit_increases"]

ROLL_STATES = ("current", "30", "60", "90+", "paid_off", "charged_off")
#: One-month roll rates of the simulator (rows: from, columns: to); rows sum to 1.
ROLL_RATES = np.array([
    [0.930, 0.040, 0.000, 0.000, 0.030, 0.000],
    [0.450, 0.250, 0.300, 0.000, 0.000, 0.000],
    [0.150, 0.100, 0.250, 0.500, 0.000, 0.000],
    [0.050, 0.000, 0.050, 0.500, 0.000, 0.400],
    [0.000, 0.000, 0.000, 0.000, 1.000, 0.000],
    [0.000, 0.000, 0.000, 0.000, 0.000, 1.000],
])


@dataclass
class CreditLimits:
    """Tables of the limit-increase simulator and its truth.

    Attributes
    ----------
    accounts : DataFrame
        account_id, score, limit_increase (bool), spend (USD per month over the next 12, net of refunds: a few are
        below 0), attrited, defaulted.
    truth : dict of str to object
        The true effects at the cut-off (``spend``, ``attrited``, ``defaulted``), ``cutoff`` and the settings.

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_limit_increases(n_accounts=500, seed=0)
    >>> list(sim.accounts.columns), sim.truth["effects"]["spend"]
    (['account_id', 'score', 'limit_increase', 'spend', 'attrited', 'defaulted'], 120.0)
    """

    accounts: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)


def simulate_limit_increases(n_accounts: int = 20_000, seed: int = 0, cutoff: float = 660.0,
                             spend_effect: float = 120.0, attrition_effect: float = -0.04,
                             default_effect: float = 0.015) -> CreditLimits:
    """Simulate a card base whose accounts get a limit increase at a behaviour-score cut-off, with known effects.

    Parameters
    ----------
    n_accounts : int, default 20000
        Accounts.
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    cutoff : float, default 660
        Behaviour score at or above which the limit is raised (scores are normal, mean 650, sd 50, in
        [500, 800]).
    spend_effect : float, default 120
        Effect of the increase on monthly spend, USD.
    attrition_effect : float, default -0.04
        Effect on the probability of closing the card within 12 months.
    default_effect : float, default 0.015
        Effect on the probability of defaulting within 12 months.

    Returns
    -------
    CreditLimits
        The accounts and the truth.

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_limit_increases(n_accounts=1_000, seed=1, cutoff=640)
    >>> bool((sim.accounts["limit_increase"] == (sim.accounts["score"] >= 640)).all()), sim.truth["cutoff"]
    (True, 640.0)
    """
    if n_accounts < 100:
        raise ValidationError(f"simulate_limit_increases: n_accounts must be at least 100; got {n_accounts}")
    rng = np.random.default_rng(seed)
    score = np.clip(np.round(rng.normal(650, 50, n_accounts)), 500, 800)
    s = (score - 650) / 50
    raised = score >= cutoff
    spend = 600 + 150 * s + 10 * s ** 2 + spend_effect * raised + rng.normal(0, 200, n_accounts)  # net of refunds
    p_attr = 0.15 + 0.03 * s + attrition_effect * raised
    p_def = 0.06 - 0.025 * s + 0.004 * s ** 2 + default_effect * raised
    attrited = rng.random(n_accounts) < p_attr
    defaulted = rng.random(n_accounts) < p_def
    accounts = pd.DataFrame({"account_id": np.arange(1, n_accounts + 1), "score": score, "limit_increase": raised,
                             "spend": spend, "attrited": attrited, "defaulted": defaulted})
    effects = {"spend": float(spend_effect), "attrited": float(attrition_effect), "defaulted": float(default_effect)}
    return CreditLimits(accounts, {"effects": effects, "cutoff": float(cutoff), "seed": seed})


def simulate_delinquency(n_accounts: int = 5_000, months: int = 24, seed: int = 0,
                         roll_rates: Any = None) -> pd.DataFrame:
    """Monthly delinquency status of card accounts that move by a known roll-rate matrix.

    Parameters
    ----------
    n_accounts : int, default 5000
        Accounts, all current in month 1.
    months : int, default 24
        Months observed.
    seed : int, default 0
        Random seed.
    roll_rates : array-like or None, optional
        Square matrix over :data:`ROLL_STATES` (rows sum to 1); None: :data:`ROLL_RATES`.

    Returns
    -------
    DataFrame
        account_id, month (1..months), status, balance (USD; 0 once paid off or charged off); an account
        leaves the panel the month after it is absorbed.

    Examples
    --------
    >>> from crmresearch import data
    >>> p = data.simulate_delinquency(n_accounts=50, months=6, seed=0)
    >>> list(p.columns), int(p["month"].max())
    (['account_id', 'month', 'status', 'balance'], 6)
    """
    P = ROLL_RATES if roll_rates is None else np.asarray(roll_rates, dtype=float)
    k = len(ROLL_STATES)
    if P.shape != (k, k) or np.any(np.abs(P.sum(axis=1) - 1) > 1e-9):
        raise ValidationError(f"simulate_delinquency: roll_rates must be {k} x {k} with rows summing to 1")
    rng = np.random.default_rng(seed)
    cum = np.cumsum(P, axis=1)
    state = np.zeros(n_accounts, dtype=int)
    balance = rng.gamma(2.0, 1_000.0, n_accounts)
    alive = np.ones(n_accounts, dtype=bool)
    parts = []
    for m in range(1, months + 1):
        idx = np.flatnonzero(alive)
        parts.append(pd.DataFrame({"account_id": idx + 1, "month": m, "state": state[idx],
                                   "balance": np.where(state[idx] >= 4, 0.0, balance[idx])}))
        alive &= state < 4
        u = rng.random(n_accounts)
        new = (u[:, None] > cum[state]).sum(axis=1)
        state = np.where(alive, np.minimum(new, k - 1), state)
    out = pd.concat(parts, ignore_index=True)
    out["status"] = np.array(ROLL_STATES)[out.pop("state")]
    return out[["account_id", "month", "status", "balance"]]
