"""Whom collections should call first when calls are scarce: expected recovery per call.

A call is worth what it changes: the expected recovery of calling a delinquent account is
``(P(cure | called) - P(cure | not called)) x balance``, the balance brought back to current by the call and not
by the account's own cure. With ``capacity`` calls a day the best list calls the accounts of highest expected
recovery (a knapsack of unit weights: the greedy order is optimal). The cure uplift is learned from a history in
which calls were assigned at random (a holdout): by delinquency bucket and balance band, the difference of
the cure rates of called and not-called accounts. With one balance band this is the roll rate back to
``current`` of each bucket, counted separately for called and not-called accounts. Calling by balance or by
days past due spends calls on accounts that cure on their own or do not answer; on data with known cure
probabilities :func:`compare_call_policies` gives the recovery per call of each order (Radcliffe 2007 on
targeting the uplift rather than the response).

References
----------
Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building and assessing uplift models.
*Direct Marketing Analytics Journal* 1, 14-21.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.base import Estimator, parameter_table
from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_binary, as_codes, as_numbers, check_columns

__all__ = ["CureUplift", "call_list", "compare_call_policies"]


class CureUplift(Estimator):
    """Uplift of a collections call on the cure rate, by delinquency bucket and balance band, from random calls.

    Parameters
    ----------
    buckets : sequence of str, default ('30', '60', '90+')
        The delinquency buckets, in order.
    balance_bands : int, default 4
        Balance bands per bucket, cut at the quantiles of the history's balances (1: by bucket only).

    Attributes
    ----------
    balance_edges_ : ndarray
        Inner edges of the balance bands (USD), ``balance_bands - 1`` of them.
    cells_ : DataFrame
        One row per bucket and band: ``bucket``, ``band``, ``balance_from``, ``balance_to``, ``called``,
        ``not_called`` (accounts), ``cure_called``, ``cure_not_called`` (rates), ``uplift``, ``std_error``.
    params_ : Series
        The uplift of each cell, named ``bucket | band`` (index ``parameter``).
    n_obs_ : int
        Accounts of the history.

    Examples
    --------
    >>> from crmresearch import credit, data
    >>> sim = data.simulate_collections(n_history=20_000, n_queue=100, seed=0)
    >>> model = credit.CureUplift(balance_bands=1).fit(sim.history)
    >>> model.params_.round(2).tolist()
    [0.11, 0.24, 0.05]
    """

    def __init__(self, buckets: Sequence[str] = ("30", "60", "90+"), balance_bands: int = 4) -> None:
        self.buckets = buckets
        self.balance_bands = balance_bands

    def fit(self, history: pd.DataFrame, bucket: str = "bucket", balance: str = "balance", called: str = "called",
            cured: str = "cured") -> CureUplift:
        """Cure rates of called and not-called accounts in every bucket and balance band, and their difference.

        Parameters
        ----------
        history : DataFrame
            One row per past delinquent account: ``bucket``, ``balance`` (currency units), ``called`` (the call
            assigned at random; 1 = called) and ``cured`` (back to current the next month; 1 = cured).
        bucket, balance, called, cured : str
            Column names.

        Returns
        -------
        CureUplift
            ``self``, fitted.
        """
        caller = f"{type(self).__name__}.fit"
        if not (isinstance(self.balance_bands, int | np.integer) and 1 <= self.balance_bands <= 20):
            raise ParameterError(f"{caller}: balance_bands must be a whole number in [1, 20]; got "
                                 f"{self.balance_bands!r}")
        check_columns(history, [bucket, balance, called, cured], caller)
        b = as_codes(history[bucket].astype(str), list(self.buckets), f"column '{bucket}'", caller,
                     meaning="buckets").to_numpy()
        bal = as_numbers(history[balance], f"column '{balance}'", caller)
        if (~np.isfinite(bal)).any() or (bal < 0).any():
            n = int(((~np.isfinite(bal)) | (bal < 0)).sum())
            raise ValidationError(f"{caller}: column '{balance}' has {n} rows missing or below 0 (a balance owed "
                                  "is needed to weigh a call)")
        c = as_binary(history[called].to_numpy(), f"column '{called}'", caller).astype(bool)
        y = as_binary(history[cured].to_numpy(), f"column '{cured}'", caller).astype(float)
        q = np.linspace(0, 1, int(self.balance_bands) + 1)[1:-1]
        self.balance_edges_ = np.unique(np.quantile(bal, q)) if len(q) else np.array([])
        band = self._bands_of(bal)
        rows, empty = [], []
        edges = np.concatenate([[-np.inf], self.balance_edges_, [np.inf]])
        for bk in self.buckets:
            for j in range(len(edges) - 1):
                cell = (b == bk) & (band == j)
                n1, n0 = int((cell & c).sum()), int((cell & ~c).sum())
                if n1 == 0 or n0 == 0:
                    empty.append(f"{bk} | {j + 1} ({n1} called, {n0} not)")
                    continue
                r1, r0 = y[cell & c].mean(), y[cell & ~c].mean()
                rows.append({"bucket": bk, "band": j + 1, "balance_from": edges[j], "balance_to": edges[j + 1],
                             "called": n1, "not_called": n0, "cure_called": r1, "cure_not_called": r0,
                             "uplift": r1 - r0,
                             "std_error": float(np.sqrt(r1 * (1 - r1) / n1 + r0 * (1 - r0) / n0))})
        if empty:
            raise ValidationError(f"{caller}: columns '{bucket}', '{called}' leave {len(empty)} bucket | balance "
                                  f"band cells without called or without not-called accounts: {empty[:5]}; use "
                                  "fewer balance_bands")
        self.cells_ = pd.DataFrame(rows)
        self.params_ = pd.Series(self.cells_["uplift"].to_numpy(), name="estimate",
                                 index=pd.Index([f"{r.bucket} | {r.band}" for r in self.cells_.itertuples()],
                                                name="parameter"))
        self.n_obs_ = len(history)
        return self

    def _bands_of(self, balance: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.balance_edges_, balance, side="right")

    def _summary(self) -> pd.DataFrame:
        se = self.cells_["std_error"].to_numpy()
        return parameter_table(self.params_, std_error=np.where(se > 0, se, np.nan),
                               extra={"called": self.cells_["called"].to_numpy(),
                                      "not_called": self.cells_["not_called"].to_numpy()})

    def predict(self, accounts: pd.DataFrame, bucket: str = "bucket", balance: str = "balance") -> pd.Series:
        """Estimated uplift of a call on each account's cure probability.

        Parameters
        ----------
        accounts : DataFrame
            Delinquent accounts: ``bucket`` and ``balance``.
        bucket, balance : str
            Column names.

        Returns
        -------
        Series
            The uplift of each account's bucket and balance band, indexed as ``accounts``.
        """
        caller = f"{type(self).__name__}.predict"
        self._check_fitted("predict")
        check_columns(accounts, [bucket, balance], caller)
        b = as_codes(accounts[bucket].astype(str), list(self.buckets), f"column '{bucket}'", caller,
                     meaning="buckets").to_numpy()
        bal = as_numbers(accounts[balance], f"column '{balance}'", caller)
        if (~np.isfinite(bal)).any():
            raise ValidationError(f"{caller}: column '{balance}' has {int((~np.isfinite(bal)).sum())} missing rows")
        table = self.cells_.set_index(["bucket", "band"])["uplift"]
        keys = pd.MultiIndex.from_arrays([b, self._bands_of(bal) + 1])
        return pd.Series(table.reindex(keys).to_numpy(), index=accounts.index, name="uplift")

    def expected_recovery(self, accounts: pd.DataFrame, bucket: str = "bucket",
                          balance: str = "balance") -> pd.Series:
        """Expected recovery of calling each account: estimated uplift x balance.

        Parameters
        ----------
        accounts : DataFrame
            Delinquent accounts: ``bucket`` and ``balance``.
        bucket, balance : str
            Column names.

        Returns
        -------
        Series
            Currency units per call, indexed as ``accounts``.
        """
        up = self.predict(accounts, bucket, balance)
        return (up * accounts[balance].astype(float)).rename("expected_recovery")


def call_list(priority: Any, capacity: int, tiebreak: Any = None) -> np.ndarray:
    """The accounts to call today: the ``capacity`` of highest priority.

    Parameters
    ----------
    priority : array-like, shape (n,)
        Higher is called first (e.g. expected recovery, balance, days past due).
    capacity : int
        Calls that can be made (all accounts if it is larger).
    tiebreak : array-like or None, optional
        Among equal priorities, higher is called first; then the order of the rows.

    Returns
    -------
    ndarray of bool, shape (n,)
        True for the accounts called.

    Examples
    --------
    >>> from crmresearch import credit
    >>> credit.call_list([3, 1, 3, 2], 2, tiebreak=[0, 0, 5, 0]).tolist()
    [True, False, True, False]
    """
    caller = "call_list"
    p = as_numbers(priority, "priority", caller)
    if not (isinstance(capacity, int | np.integer) and capacity >= 0):
        raise ParameterError(f"{caller}: capacity must be a whole number of calls >= 0; got {capacity!r}")
    if np.isnan(p).any():
        raise ValidationError(f"{caller}: priority has {int(np.isnan(p).sum())} missing rows")
    keys = [np.arange(len(p)), -p] if tiebreak is None else [np.arange(len(p)),
                                                            -as_numbers(tiebreak, "tiebreak", caller), -p]
    order = np.lexsort(keys)
    out = np.zeros(len(p), dtype=bool)
    out[order[:int(capacity)]] = True
    return out


def compare_call_policies(balance: Any, p_cure_called: Any, p_cure_not_called: Any,
                          priorities: Mapping[str, Any], capacity: int) -> pd.DataFrame:
    """Recovered amount per call of each calling order, on accounts whose true cure probabilities are known.

    Parameters
    ----------
    balance : array-like, shape (n,)
        Balance of each delinquent account (currency units).
    p_cure_called, p_cure_not_called : array-like, shape (n,)
        True probabilities of curing with and without a call.
    priorities : mapping of str to array-like or tuple
        Policy name to its priority (higher called first), or to ``(priority, tiebreak)``.
    capacity : int
        Calls a day.

    Returns
    -------
    DataFrame
        One row per policy, and ``best possible`` (the true uplift x balance order): ``policy``, ``calls``,
        ``cures_added`` (expected extra cures), ``recovered`` (expected balance brought back to current by the
        calls), ``recovered_per_call`` and ``share_of_best``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.compare_call_policies([100, 1000, 500], [0.5, 0.3, 0.9], [0.4, 0.25, 0.5],
    ...                                  {"balance": [100, 1000, 500]}, capacity=1)
    >>> t[["policy", "recovered_per_call"]].round(6).values.tolist()
    [['balance', 50.0], ['best possible', 200.0]]
    """
    caller = "compare_call_policies"
    bal = as_numbers(balance, "balance", caller)
    p1, p0 = as_numbers(p_cure_called, "p_cure_called", caller), as_numbers(p_cure_not_called,
                                                                              "p_cure_not_called", caller)
    if not (len(bal) == len(p1) == len(p0)):
        raise ValidationError(f"{caller}: balance and the cure probabilities must have one value per account; got "
                              f"{len(bal)}, {len(p1)} and {len(p0)}")
    uplift = p1 - p0
    rows = []
    for name, pr in {**priorities, "best possible": uplift * bal}.items():
        pr, tb = pr if isinstance(pr, tuple) else (pr, None)
        called = call_list(pr, capacity, tb)
        if len(called) != len(bal):
            raise ValidationError(f"{caller}: the priority of {name!r} has {len(called)} values for {len(bal)} "
                                  "accounts")
        n = int(called.sum())
        recovered = float((uplift * bal)[called].sum())
        rows.append({"policy": name, "calls": n, "cures_added": float(uplift[called].sum()),
                     "recovered": recovered, "recovered_per_call": recovered / n if n else np.nan})
    out = pd.DataFrame(rows)
    best = out["recovered"].iloc[-1]
    out["share_of_best"] = out["recovered"] / best if best > 0 else np.nan
    return out
