"""The simulators' own truth, written from its definition (numpy and pandas only).

A simulator that is used to check an estimator must not build its truth with that estimator's
code, or a bug shared by both would pass unnoticed. These functions write the truth from what it
means; the tests compare them with the package's estimators (``recovery.case_covariates`` +
``survival.panel``, ``segmentation.value_pyramid``) on simulated data, value for value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__: list[str] = []

PATH_COVARIATES = ("open_complaint", "slow_resolution", "compensated", "manager_left")


def covariate_path(cases: pd.DataFrame, customers: pd.DataFrame, managers: pd.DataFrame, slow_days: float,
                   end: float) -> pd.DataFrame:
    """Each customer's true covariate path over ``[0, end)``, one row per stretch of constant covariates.

    At time ``t`` (days), counting everything that happens at ``t`` itself:

    - ``open_complaint`` is 1 while at least one case is open: more cases opened at or before ``t``
      than resolved at or before ``t`` (a case without ``resolved_day`` stays open);
    - ``slow_resolution`` is 1 once a case was resolved (at or before ``t``) more than ``slow_days``
      days after it was opened;
    - ``compensated`` is 1 once a case was resolved with compensation;
    - ``manager_left`` is 1 once the customer's manager left (``left_day`` at or before ``t``).

    Parameters
    ----------
    cases : DataFrame
        ``customer_id``, ``opened_day``, ``resolved_day`` (NaN while open), ``compensated``.
    customers : DataFrame
        ``customer_id`` (unique), ``rural``, ``manager_id``.
    managers : DataFrame
        ``manager_id``, ``left_day`` (NaN if the manager stayed).
    slow_days : float
        A resolution slower than this many days is slow.
    end : float
        End of observation (days); the path covers ``[0, end)``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``start``, ``stop``, ``rural`` and the four covariates (0.0 or 1.0), sorted
        by customer and time; a new row starts only where some covariate changes.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> cases = pd.DataFrame({'customer_id': [1], 'opened_day': [10.0], 'resolved_day': [20.0],
    ...                       'compensated': [True]})
    >>> customers = pd.DataFrame({'customer_id': [1, 2], 'rural': [False, True], 'manager_id': [1, 2]})
    >>> managers = pd.DataFrame({'manager_id': [1, 2], 'left_day': [np.nan, 5.0]})
    >>> print(covariate_path(cases, customers, managers, slow_days=7.0, end=30.0).to_string())
       customer_id  start  stop  rural  open_complaint  slow_resolution  compensated  manager_left
    0            1    0.0  10.0  False             0.0              0.0          0.0           0.0
    1            1   10.0  20.0  False             1.0              0.0          0.0           0.0
    2            1   20.0  30.0  False             0.0              1.0          1.0           0.0
    3            2    0.0   5.0   True             0.0              0.0          0.0           0.0
    4            2    5.0  30.0   True             0.0              0.0          0.0           1.0
    """
    opened = cases["opened_day"].to_numpy(float)
    resolved = cases["resolved_day"].to_numpy(float)
    who = cases["customer_id"].to_numpy()
    done = np.isfinite(resolved)
    slow = (resolved - opened) > slow_days
    comp = cases["compensated"].astype(bool).to_numpy()
    left_day = customers["manager_id"].map(managers.set_index("manager_id")["left_day"]).to_numpy(float)
    gone = np.isfinite(left_day)
    ids = customers["customer_id"].to_numpy()

    # every dated event: (customer, time, +1/-1 open cases, slow, compensated, manager left), plus a
    # start row per customer so that each customer has a first row at time 0
    def events(c, t, n_open=0, s=False, k=False, m=False):
        return pd.DataFrame({"customer_id": c, "time": np.asarray(t, float), "n_open": n_open, "slow": s,
                             "comp": k, "mgr": m})

    ev = pd.concat([events(ids, np.zeros(len(ids))),
                    events(who, opened, 1),
                    events(who[done], resolved[done], -1, slow[done], comp[done]),
                    events(ids[gone], left_day[gone], m=True)], ignore_index=True)
    ev = ev[ev["time"] < end]
    ev = ev.assign(time=ev["time"].clip(lower=0.0))  # anything before the start of observation holds from day 0
    ev = ev.sort_values(["customer_id", "time"], kind="stable")
    by = ev.groupby("customer_id", sort=False)
    state = pd.DataFrame({"customer_id": ev["customer_id"], "time": ev["time"],
                          "open_complaint": by["n_open"].cumsum() > 0,
                          "slow_resolution": by["slow"].cummax(), "compensated": by["comp"].cummax(),
                          "manager_left": by["mgr"].cummax()})
    # the state after everything that happens at a time; a row only where the state changes
    state = state.drop_duplicates(["customer_id", "time"], keep="last")
    flags = state[list(PATH_COVARIATES)].to_numpy()
    first = state["customer_id"].ne(state["customer_id"].shift()).to_numpy()
    changed = first | (flags != np.roll(flags, 1, axis=0)).any(axis=1)
    path = state[changed].reset_index(drop=True)
    last = path["customer_id"].ne(path["customer_id"].shift(-1)).to_numpy()
    stop = np.where(last, end, path["time"].shift(-1).to_numpy())
    out = pd.DataFrame({"customer_id": path["customer_id"].to_numpy(), "start": path["time"].to_numpy(),
                        "stop": stop.astype(float),
                        "rural": path["customer_id"].map(customers.set_index("customer_id")["rural"]).to_numpy()})
    for c in PATH_COVARIATES:
        out[c] = path[c].to_numpy(float)
    return out


def rank_tiers(values: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Tier codes (0 = top) of customers ranked by value, highest first.

    The top ``cuts[0]`` share of the ``n`` customers (rounded to the nearest whole customer, halves
    up) is tier 0, the customers up to the top ``cuts[1]`` share tier 1, and so on; the rest form the
    last tier. Equal values keep their order (the earlier customer ranks higher).

    Parameters
    ----------
    values : ndarray, shape (n,)
        Value per customer.
    cuts : sequence of float
        Cumulative top shares closing each tier, strictly increasing in (0, 1).

    Returns
    -------
    ndarray of int, shape (n,)
        Tier code per customer, ``0 .. len(cuts)``.

    Examples
    --------
    >>> rank_tiers(np.array([5.0, 9.0, 1.0, 9.0, 3.0]), cuts=(0.2, 0.6)).tolist()
    [1, 0, 2, 1, 2]
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    position = np.arange(n)
    by_rank = np.lexsort((position, -x))  # highest value first; among equals, the earlier customer
    rank = np.empty(n, dtype=int)
    rank[by_rank] = position
    # how many customers the top tiers hold, from the top: the nearest whole number, halves up
    sizes = np.floor(np.asarray(cuts, dtype=float) * n + 0.5).astype(int)
    return (rank[:, None] >= sizes[None, :]).sum(axis=1)
