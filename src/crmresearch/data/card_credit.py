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

Collections: delinquent accounts (30, 60 and 90+ days past due) cure (roll back to current next month) with a
probability that falls with the bucket and the balance; a call raises it by an uplift that is largest at 60
days and small at 90+, and shrinks with the balance. A history of past calls assigned at random (a holdout)
shows the uplift; today's queue is whom to call.

Delinquency: accounts start current and move monthly between ``current``, ``30``, ``60``, ``90+`` days past due
and the absorbing ``paid_off`` and ``charged_off`` by the matrix ``ROLL_RATES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["ROLL_RATES", "ROLL_STATES", "CollectionsQueue", "CreditLimits", "simulate_collections",
           "simulate_delinquency", "simulate_limit_increases"]

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


#: Cure rates (next month back to current) without a call, at a balance of 2,000 USD: those of ROLL_RATES.
CURE_NOT_CALLED = {"30": 0.45, "60": 0.15, "90+": 0.05}
#: Uplift of a call on the cure rate at a balance of 2,000 USD.
CALL_UPLIFT = {"30": 0.10, "60": 0.20, "90+": 0.03}


@dataclass
class CollectionsQueue:
    """Tables of the collections simulator and its truth.

    Attributes
    ----------
    history : DataFrame
        Past delinquent accounts: account_id, bucket ('30', '60', '90+'), balance (USD), called (bool, at random),
        cured (bool: back to current the next month).
    queue : DataFrame
        Today's delinquent accounts: account_id, bucket, balance.
    truth : dict of str to object
        ``p_cure_not_called`` and ``p_cure_called`` (Series by the queue's account_id) and the settings.

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_collections(n_history=1_000, n_queue=200, seed=0)
    >>> list(sim.history.columns), len(sim.queue)
    (['account_id', 'bucket', 'balance', 'called', 'cured'], 200)
    """

    history: pd.DataFrame
    queue: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)


def _cure_probabilities(bucket: np.ndarray, balance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True P(cure | not called) and P(cure | called) by bucket and balance (USD)."""
    rel = balance / 2_000.0
    p0 = np.array([CURE_NOT_CALLED[b] for b in bucket]) * rel ** -0.15
    up = np.array([CALL_UPLIFT[b] for b in bucket]) * rel ** -0.4
    p0 = np.clip(p0, 0.0, 0.9)
    return p0, np.clip(p0 + up, 0.0, 0.97)


def simulate_collections(n_history: int = 40_000, n_queue: int = 10_000, seed: int = 0,
                         call_share: float = 0.5) -> CollectionsQueue:
    """Simulate delinquent card accounts whose chance to cure rises by a known amount when collections call.

    Parameters
    ----------
    n_history : int, default 40000
        Past delinquent accounts, each called with probability ``call_share`` at random.
    n_queue : int, default 10000
        Today's delinquent accounts (whom to call).
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    call_share : float, default 0.5
        Share of the history called (the rest is the holdout).

    Returns
    -------
    CollectionsQueue
        History, queue and the true cure probabilities of the queue. Buckets are 55 % 30 days, 27 % 60 days and
        18 % 90+; balances are gamma (shape 2, scale 1,000 USD). Without a call an account cures with
        :data:`CURE_NOT_CALLED` times (balance / 2,000) ^ -0.15; a call adds :data:`CALL_UPLIFT` times
        (balance / 2,000) ^ -0.4 (probabilities capped at 0.9 and 0.97).

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_collections(n_history=2_000, n_queue=100, seed=1)
    >>> bool((sim.truth["p_cure_called"] >= sim.truth["p_cure_not_called"]).all())
    True
    """
    if n_history < 100 or n_queue < 10:
        raise ValidationError(f"simulate_collections: n_history must be at least 100 and n_queue at least 10; "
                              f"got {n_history} and {n_queue}")
    if not 0 < call_share < 1:
        raise ValidationError(f"simulate_collections: call_share must be in (0, 1); got {call_share!r}")
    rng = np.random.default_rng(seed)
    buckets = np.array(["30", "60", "90+"])

    def accounts(n: int, start: int) -> pd.DataFrame:
        return pd.DataFrame({"account_id": np.arange(start, start + n),
                             "bucket": buckets[rng.choice(3, n, p=[0.55, 0.27, 0.18])],
                             "balance": np.round(rng.gamma(2.0, 1_000.0, n), 2)})

    history = accounts(n_history, 1)
    p0, p1 = _cure_probabilities(history["bucket"].to_numpy(), history["balance"].to_numpy())
    history["called"] = rng.random(n_history) < call_share
    history["cured"] = rng.random(n_history) < np.where(history["called"], p1, p0)
    queue = accounts(n_queue, n_history + 1)
    q0, q1 = _cure_probabilities(queue["bucket"].to_numpy(), queue["balance"].to_numpy())
    idx = pd.Index(queue["account_id"], name="account_id")
    truth = {"p_cure_not_called": pd.Series(q0, index=idx, name="p_cure_not_called"),
             "p_cure_called": pd.Series(q1, index=idx, name="p_cure_called"),
             "cure_not_called": dict(CURE_NOT_CALLED), "call_uplift": dict(CALL_UPLIFT), "seed": seed}
    return CollectionsQueue(history, queue, truth)
