"""Markov-chain customer value (Pfeifer & Carraway 2000): state values over a transition matrix.

A customer sits in one of a finite set of states (recency states, RFM segments, an absorbing "lost"
state); ``P[i, j]`` is the probability of moving from state i to state j in one period, ``R[i]`` the
net contribution (margin less marketing spend, currency units) of a period spent in state i. With a
discount rate ``d`` per period and ``beta = 1 / (1 + d)``, the expected present value of a customer
in each state (P & C eq. 4 and 5), counting the current period as t = 0, is

    V_T = sum_{t=0..T} (beta P)^t R          (finite horizon of T further periods)
    V   = (I - beta P)^-1 R                  (infinite horizon)

The functions here are the calculators (:func:`recency_chain`, :func:`chain_value`, :func:`state_moves`,
:func:`reactivation_break_even`); :class:`MarkovChainValue` estimates ``P`` from a migration table of
counts (e.g. :func:`crmresearch.segmentation.migration` with ``normalize=False``) and adds standard
errors by the delta method (each row of counts multinomial) and a parametric bootstrap.

References
----------
Pfeifer, P. E. and Carraway, R. L. (2000). Modeling customer relationships as Markov chains. Journal
of Interactive Marketing 14(2), 43-55.
Berger, P. D. and Nasr, N. I. (1998). Customer lifetime value: marketing models and applications.
Journal of Interactive Marketing 12(1), 17-30 (their case 5, the migration model P & C reproduce).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from ..core.base import Estimator, parameter_table
from ..errors import ValidationError
from ..schemas.checks import as_date, as_numbers
from ..schemas.validate import validate

__all__ = ["MarkovChainValue", "chain_value", "reactivation_break_even", "recency_chain", "recency_migration",
           "state_moves"]

#: Rows of a transition matrix must add up to 1 within this tolerance.
ROW_SUM_TOLERANCE = 1e-9


def _first(labels: Sequence[Any], n: int = 5) -> str:
    items = list(labels)
    return ", ".join(repr(v) for v in items[:n]) + (", ..." if len(items) > n else "")


def recency_chain(purchase_probability: ArrayLike, states: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """The recency-state transition matrix of Pfeifer & Carraway's migration example.

    State k (k = 1..n) holds the customers whose last purchase was k periods ago, state 1 those who
    bought in the current period. From state k a customer buys with probability ``p_k`` (back to state
    1) or moves on to state k + 1; the last state keeps those who do not buy (with ``p_n = 0`` it is the
    absorbing "lost" state).

    Parameters
    ----------
    purchase_probability : array-like, shape (n_states,)
        ``p_1 .. p_n``: probability of a purchase in the next period by state, each in [0, 1].
    states : sequence of hashable or None, optional
        State labels; None: 1..n.

    Returns
    -------
    DataFrame
        The n x n transition matrix, rows ``from`` and columns ``to``; each row sums to 1.

    Raises
    ------
    ValidationError
        For probabilities outside [0, 1] (count named) or labels of another length.

    Examples
    --------
    >>> from crmresearch import clv
    >>> clv.recency_chain([0.3, 0.2, 0.15, 0.05, 0.0]).to_numpy().tolist()[0]
    [0.3, 0.7, 0.0, 0.0, 0.0]
    """
    p = as_numbers(purchase_probability, "purchase_probability", "recency_chain").ravel()
    n = p.size
    bad = ~((p >= 0) & (p <= 1))
    if n < 2 or bad.any():
        raise ValidationError(f"recency_chain: purchase_probability needs at least 2 states, each in [0, 1]; "
                              f"{int(bad.sum())} of {n} are not (first: {p[bad][:3].tolist()})")
    labels = list(range(1, n + 1)) if states is None else list(states)
    if len(labels) != n:
        raise ValidationError(f"recency_chain: {len(labels)} state labels for {n} purchase probabilities")
    P = np.zeros((n, n))
    P[:, 0] = p
    for k in range(n):
        P[k, min(k + 1, n - 1)] += 1 - p[k]
    return pd.DataFrame(P, index=pd.Index(labels, name="from"), columns=pd.Index(labels, name="to"))


def recency_migration(transactions: pd.DataFrame, freq: str = "Q", n_states: int = 5, end: Any = None,
                      customer: str = "customer_id", date: str = "date", amount: str | None = "amount"
                      ) -> pd.DataFrame:
    """Migration counts between recency states, period to period, from a transaction log.

    Each customer is followed from the period of the first purchase to the period holding ``end``: in a
    period with a purchase the state is 1, otherwise one more than the period before, capped at
    ``n_states`` (the state of those ``n_states`` or more periods since the last purchase). Every pair of
    consecutive periods of a customer is one transition; the table pools them (a stationary chain).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase: ``customer``, ``date`` and (optional) ``amount`` columns.
    freq : str, default 'Q'
        Length of a period (a pandas period alias: 'M', 'Q', 'Y').
    n_states : int, default 5
        Recency states 1..n_states (at least 2).
    end : date-like or None, optional
        Last day observed; None: the last purchase date. Purchases after it are left out (counted in
        ``attrs['row_account']``).
    customer, date, amount : str
        Column names; ``amount`` None: no spend summary.

    Returns
    -------
    DataFrame
        Counts, rows ``from`` and columns ``to`` the states 1..n_states, for
        :class:`MarkovChainValue`. ``attrs``: ``periods`` (labels of the periods followed), ``customers``,
        ``mean_spend`` (mean spend of a customer in a period with purchases, currency units; NaN without
        ``amount``) and ``row_account`` (rows in, rows after ``end``).

    Raises
    ------
    ValidationError
        The transactions contract's errors (missing columns or ids, dates that do not read, negative or
        text amounts, an empty log), or n_states < 2.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 30.0, 20.0],
    ...                    "date": ["2024-01-05", "2024-07-01", "2024-02-01"]})
    >>> clv.recency_migration(tx, n_states=3, end="2024-12-31").to_numpy().tolist()
    [[0, 3, 0], [1, 0, 1], [0, 0, 1]]
    """
    caller = "recency_migration"
    if int(n_states) != n_states or n_states < 2:
        raise ValidationError(f"{caller}: n_states must be a whole number >= 2; got {n_states!r}")
    n_states = int(n_states)
    names = {"customer": customer, "date": date} | ({"amount": amount} if amount else {})
    transactions = validate(transactions, "transactions", caller=caller, need=["amount"] if amount else [], **names)
    when = transactions[date]
    spend = transactions[amount].to_numpy(dtype=float) if amount else np.zeros(len(transactions))
    last_day = when.max() if end is None else as_date(end, "end", caller)
    inside = (when <= last_day).to_numpy()
    per = when[inside].dt.to_period(freq)
    end_period = last_day.to_period(freq)
    buys = pd.DataFrame({"c": transactions[customer].to_numpy()[inside], "t": per.map(lambda p: p.ordinal),
                         "s": spend[inside]}).groupby(["c", "t"], sort=True)["s"].sum().reset_index()
    first = buys.groupby("c")["t"].min()
    length = (end_period.ordinal - first + 1).to_numpy()
    cust = np.repeat(first.index.to_numpy(), length)
    t = np.repeat(first.to_numpy(), length) + (np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length))
    panel = pd.DataFrame({"c": cust, "t": t}).merge(buys.assign(b=True), on=["c", "t"], how="left")
    bought = panel["b"].notna().to_numpy()
    last_buy = pd.Series(np.where(bought, panel["t"], np.nan)).groupby(panel["c"].to_numpy()).ffill().to_numpy()
    state = np.minimum(panel["t"].to_numpy() - last_buy + 1, n_states).astype(int)
    same = panel["c"].to_numpy()[1:] == panel["c"].to_numpy()[:-1]
    states = list(range(1, n_states + 1))
    table = pd.crosstab(pd.Series(state[:-1][same], name="from"), pd.Series(state[1:][same], name="to"))
    table = table.reindex(index=states, columns=states, fill_value=0)
    table.index.name, table.columns.name = "from", "to"
    labels = pd.period_range(end=end_period, periods=int(length.max()) if length.size else 0, freq=freq)
    table.attrs.update(periods=[str(p) for p in labels], customers=int(first.size),
                       mean_spend=float(buys["s"].mean()) if amount and len(buys) else float("nan"),
                       row_account={"rows_in": len(transactions), "after_end": int((~inside).sum())})
    return table


def _matrix(transition: pd.DataFrame | ArrayLike, caller: str) -> tuple[np.ndarray, list[Any]]:
    if isinstance(transition, pd.DataFrame):
        if list(transition.index) != list(transition.columns):
            raise ValidationError(f"{caller}: the transition matrix must list the same states in the same order as "
                                  f"rows and columns; rows {_first(transition.index)}, columns "
                                  f"{_first(transition.columns)}")
        labels = list(transition.index)
        P = as_numbers(transition.to_numpy(), "transition probabilities", caller)
    else:
        P = as_numbers(transition, "transition probabilities", caller)
        labels = list(range(1, P.shape[0] + 1)) if P.ndim == 2 else []
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] == 0:
        raise ValidationError(f"{caller}: the transition matrix must be square; its shape is {P.shape}")
    bad_cells = ~((P >= 0) & (P <= 1))
    if bad_cells.any():
        rows = [labels[i] for i in np.flatnonzero(bad_cells.any(axis=1))]
        raise ValidationError(f"{caller}: transition probabilities must lie in [0, 1]; {int(bad_cells.sum())} "
                              f"cells do not, in {len(rows)} rows (first: {_first(rows)})")
    off = np.abs(P.sum(axis=1) - 1) > ROW_SUM_TOLERANCE
    if off.any():
        rows = [labels[i] for i in np.flatnonzero(off)]
        raise ValidationError(f"{caller}: each row of the transition matrix must sum to 1; {len(rows)} of "
                              f"{len(labels)} rows do not (first: {_first(rows)}); normalise the counts by row")
    return P, labels


def _rewards(rewards: Mapping[Hashable, float] | pd.Series | ArrayLike, labels: list[Any], caller: str) -> np.ndarray:
    if isinstance(rewards, Mapping | pd.Series):
        given = pd.Series(rewards, dtype=object) if isinstance(rewards, Mapping) else rewards
        missing = [s for s in labels if s not in given.index]
        extra = [s for s in given.index if s not in labels]
        if missing or extra:
            raise ValidationError(f"{caller}: rewards must name every state once; {len(missing)} states have none "
                                  f"(first: {_first(missing)}) and {len(extra)} rewards name no state "
                                  f"(first: {_first(extra)})")
        R = as_numbers(given.reindex(labels).to_numpy(), "rewards", caller)
    else:
        R = as_numbers(rewards, "rewards", caller).ravel()
        if R.size != len(labels):
            raise ValidationError(f"{caller}: {R.size} rewards for {len(labels)} states")
    if not np.isfinite(R).all():
        bad = [labels[i] for i in np.flatnonzero(~np.isfinite(R))]
        raise ValidationError(f"{caller}: rewards must be finite numbers; {len(bad)} states have none "
                              f"(first: {_first(bad)})")
    return R


def _check_rate(discount_rate: float, horizon: int | None, caller: str) -> float:
    d = float(discount_rate)
    if not np.isfinite(d) or d <= -1:
        raise ValidationError(f"{caller}: discount_rate must be a rate per period above -1 (0.1 = 10 %); got "
                              f"{discount_rate!r}")
    if horizon is not None and (int(horizon) != horizon or horizon < 0):
        raise ValidationError(f"{caller}: horizon must be a whole number of periods >= 0, or None (infinite); "
                              f"got {horizon!r}")
    return 1.0 / (1.0 + d)


def _values(P: np.ndarray, R: np.ndarray, beta: float, horizon: int | None, caller: str) -> np.ndarray:
    """The one core: V_T by the recursion V_t = R + beta P V_(t-1), or V = (I - beta P)^-1 R."""
    if horizon is not None:
        V = R.copy()
        for _ in range(int(horizon)):
            V = R + beta * (P @ V)
        return V
    # states never left that earn nothing are worth 0 at any rate; the others solve (I - beta Q) V = R
    stay = (np.abs(np.diag(P) - 1) <= ROW_SUM_TOLERANCE) & (R == 0)
    V = np.zeros_like(R)
    keep = ~stay
    A = np.eye(int(keep.sum())) - beta * P[np.ix_(keep, keep)]
    try:
        solved = np.linalg.solve(A, R[keep]) if keep.any() else V[keep]
    except np.linalg.LinAlgError:
        solved = np.full(int(keep.sum()), np.nan)
    if not np.isfinite(solved).all() or (keep.any() and np.linalg.cond(A) > 1e12):
        raise ValidationError(f"{caller}: the infinite-horizon value does not exist: without discounting "
                              f"(discount_rate 0) some customers never reach a state that ends their rewards; "
                              f"give a discount rate above 0 or a finite horizon")
    V[keep] = solved
    return V


def chain_value(transition: pd.DataFrame | ArrayLike, rewards: Mapping[Hashable, float] | pd.Series | ArrayLike,
                discount_rate: float, horizon: int | None = None) -> pd.Series:
    """Expected present value of a customer in each state of a Markov chain (Pfeifer & Carraway eq. 4, 5).

    ``V_T = sum_{t=0..T} (P / (1 + d))^t R`` for a finite ``horizon`` T, ``V = (I - P / (1 + d))^-1 R``
    without one. The reward of the current period (t = 0) is counted undiscounted.

    Parameters
    ----------
    transition : DataFrame or array-like, shape (n_states, n_states)
        One-period transition probabilities, rows ``from`` and columns ``to`` with the same labels; each
        row sums to 1.
    rewards : mapping, Series or array-like, shape (n_states,)
        Net contribution of one period in each state (currency units), by state label or in state order.
    discount_rate : float
        Discount rate per period (0.2 = 20 %).
    horizon : int or None, default None
        Further periods counted after the current one; None: infinite horizon.

    Returns
    -------
    Series
        Value per state (currency units), index ``state``.

    Raises
    ------
    ValidationError
        For a matrix that is not square, probabilities outside [0, 1], rows not adding up to 1, rewards
        missing for some states, or an infinite-horizon value that does not exist.

    Examples
    --------
    >>> from crmresearch import clv
    >>> P = clv.recency_chain([0.3, 0.2, 0.15, 0.05, 0.0])   # Pfeifer & Carraway's recency example
    >>> clv.chain_value(P, [36, -4, -4, -4, 0], discount_rate=0.2).round(2).tolist()
    [52.32, 5.55, 1.25, -1.82, 0.0]
    """
    P, labels = _matrix(transition, "chain_value")
    R = _rewards(rewards, labels, "chain_value")
    V = _values(P, R, _check_rate(discount_rate, horizon, "chain_value"), horizon, "chain_value")
    return pd.Series(V, index=pd.Index(labels, name="state"), name="value")


def state_moves(values: pd.Series, order: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """The value of moving a customer up one state: ``V[next better state] - V[state]`` for each state.

    Parameters
    ----------
    values : Series
        Value per state (currency units), e.g. :func:`chain_value`.
    order : sequence of hashable or None, optional
        The states from best to worst (states left out, such as an absorbing "lost" state, are not
        ranked); None: the order of ``values``.

    Returns
    -------
    DataFrame
        One row per state below the best (index ``state``): ``to`` (the state one up), ``value``,
        ``value_to`` and ``gain`` (currency units).

    Raises
    ------
    ValidationError
        When ``order`` names states without a value.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> clv.state_moves(pd.Series({1: 52.0, 2: 5.5, 3: 1.0}))["gain"].tolist()
    [46.5, 4.5]
    """
    ranked = list(values.index if order is None else order)
    unknown = [s for s in ranked if s not in values.index]
    if unknown:
        raise ValidationError(f"state_moves: order names {len(unknown)} states without a value "
                              f"(first: {_first(unknown)}); states are {_first(values.index, 10)}")
    v = values.astype(float)
    rows = [{"state": s, "to": up, "value": v[s], "value_to": v[up], "gain": v[up] - v[s]}
            for up, s in pairwise(ranked)]
    out = pd.DataFrame(rows, columns=["state", "to", "value", "value_to", "gain"])
    return out.set_index("state")


def reactivation_break_even(values: pd.Series, to: Hashable, response: float = 1.0,
                            states: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Most a reactivation offer may cost per customer offered: ``response x (V[to] - V[state])``.

    An offer that a share ``response`` of the customers in a state accept moves them to state ``to``
    (e.g. "bought this period") now; it pays while it costs less per customer offered than the expected
    gain in value (Pfeifer & Carraway's valuation of a marketing action as the change in state values).

    Parameters
    ----------
    values : Series
        Value per state (currency units), e.g. :func:`chain_value`.
    to : hashable
        The state an accepted offer moves a customer to.
    response : float, default 1.0
        Share of the customers offered who accept, in [0, 1].
    states : sequence of hashable or None, optional
        States offered the reactivation; None: every state but ``to``.

    Returns
    -------
    DataFrame
        Per state offered (index ``state``): ``value``, ``value_reactivated``, ``gain`` (per customer who
        accepts) and ``break_even`` (per customer offered), currency units.

    Raises
    ------
    ValidationError
        For an unknown state or a response outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> v = pd.Series({1: 52.32, 2: 5.55, 3: 1.25})
    >>> clv.reactivation_break_even(v, to=1, response=0.1)["break_even"].round(3).tolist()
    [4.677, 5.107]
    """
    offered = [s for s in values.index if s != to] if states is None else list(states)
    unknown = [s for s in [to, *offered] if s not in values.index]
    if unknown:
        raise ValidationError(f"reactivation_break_even: {len(unknown)} states without a value "
                              f"(first: {_first(unknown)}); states are {_first(values.index, 10)}")
    if not 0 <= float(response) <= 1:
        raise ValidationError(f"reactivation_break_even: response must be a share in [0, 1]; got {response!r}")
    v = values.astype(float)
    gain = float(v[to]) - v.reindex(offered).to_numpy()
    return pd.DataFrame({"value": v.reindex(offered).to_numpy(), "value_reactivated": float(v[to]), "gain": gain,
                         "break_even": float(response) * gain}, index=pd.Index(offered, name="state"))


class MarkovChainValue(Estimator):
    """Markov-chain customer value with the transition matrix estimated from a migration table of counts.

    Each row of the table (the customers seen in a state at the start of a period, by the state they were
    in one period later) estimates one row of ``P`` by its shares, the maximum-likelihood estimate of a
    multinomial; the state values follow :func:`chain_value`. Standard errors of the values come from the
    delta method (the rows are independent multinomials); :meth:`bootstrap` redraws each row's counts.

    Parameters
    ----------
    discount_rate : float, default 0.1
        Discount rate per period of the table (0.1 = 10 %; :func:`period_discount_rate` converts a yearly
        rate).
    horizon : int or None, default None
        Further periods counted after the current one; None: infinite horizon.
    absorbing : sequence of hashable or None, optional
        States never left (e.g. "lost"): their rows are fixed to staying, with no sampling error. A column
        of the table without a row of its own (a state entered but never observed at the start, such as
        the ``(gone)`` column of :func:`~crmresearch.segmentation.migration`) is absorbing too.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).

    Attributes
    ----------
    params_ : Series of the state values (currency units), index ``parameter`` (the state labels)
    summary : DataFrame per state: estimate, std_error, ci_lower, ci_upper, z, p_value (delta method), then
        ``reward`` and ``customers`` (counted in the state at the start of a period)
    values_ : Series of the state values, index ``state``
    values_cov_ : DataFrame, delta-method covariance of the values (currency units squared)
    transition_ : DataFrame, the estimated transition matrix (rows ``from``, columns ``to``)
    counts_ : DataFrame, the square count table the fit used (absorbing rows zero)
    rewards_ : Series, reward per state
    n_obs_ : int, transitions counted

    References
    ----------
    Pfeifer, P. E. and Carraway, R. L. (2000). Modeling customer relationships as Markov chains. Journal of
    Interactive Marketing 14(2), 43-55.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> counts = pd.DataFrame([[30, 70, 0], [20, 0, 80], [0, 0, 0]], index=[1, 2, 3], columns=[1, 2, 3])
    >>> m = clv.MarkovChainValue(discount_rate=0.2, absorbing=[3]).fit(counts, {1: 36, 2: -4, 3: 0})
    >>> m.values_.round(2).tolist()
    [51.57, 4.6, 0.0]
    >>> round(float(m.summary.loc[1, "std_error"]), 2)
    3.15
    """

    def __init__(self, discount_rate: float = 0.1, horizon: int | None = None,
                 absorbing: Sequence[Hashable] | None = None, alpha: float = 0.05) -> None:
        self.discount_rate = discount_rate
        self.horizon = horizon
        self.absorbing = absorbing
        self.alpha = alpha

    # data ------------------------------------------------------------------------------------
    def _table(self, counts: pd.DataFrame) -> tuple[np.ndarray, list[Any], np.ndarray]:
        caller = "MarkovChainValue.fit"
        if not isinstance(counts, pd.DataFrame) or counts.empty:
            raise ValidationError(f"{caller}: counts must be a non-empty DataFrame of transitions (rows: state at "
                                  f"the start of a period, columns: state one period later)")
        rows, cols = list(counts.index), list(counts.columns)
        labels = rows + [c for c in cols if c not in rows]
        absorbing = list(self.absorbing or [])
        unknown = [s for s in absorbing if s not in labels]
        if unknown:
            raise ValidationError(f"{caller}: absorbing names {len(unknown)} states that are not in the table "
                                  f"(first: {_first(unknown)})")
        N = as_numbers(counts.reindex(index=labels, columns=labels, fill_value=0).to_numpy(), "counts", caller)
        bad = ~(np.isfinite(N) & (N >= 0) & (N == np.round(N)))
        if bad.any():
            where = [labels[i] for i in np.flatnonzero(bad.any(axis=1))]
            raise ValidationError(f"{caller}: counts must be whole numbers >= 0; {int(bad.sum())} cells are not, "
                                  f"in {len(where)} rows (first: {_first(where)})")
        if "(new)" in rows and "(new)" not in cols:
            n_new = int(N[labels.index("(new)")].sum())
            raise ValidationError(f"{caller}: the row '(new)' holds {n_new} customers first seen in the second "
                                  f"period, who made no transition from a state; drop it "
                                  f"(counts.drop(index='(new)')) and value new customers by the state they "
                                  f"entered")
        fixed = np.array([s in absorbing or s not in rows for s in labels])
        for i in np.flatnonzero(fixed):
            leaving = N[i].sum() - N[i, i]
            if leaving > 0:
                raise ValidationError(f"{caller}: state {labels[i]!r} is absorbing but {int(leaving)} customers "
                                      f"left it; drop it from absorbing or fix its row")
            N[i] = 0.0
        empty = [labels[i] for i in np.flatnonzero(~fixed & (N.sum(axis=1) == 0))]
        if empty:
            raise ValidationError(f"{caller}: {len(empty)} states have no customer at the start of a period "
                                  f"(first: {_first(empty)}), so their transitions cannot be estimated; merge "
                                  f"them with a neighbour or list them in absorbing")
        return N, labels, fixed

    @staticmethod
    def _shares(N: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        P = np.zeros_like(N)
        live = ~fixed
        P[live] = N[live] / N[live].sum(axis=1, keepdims=True)
        P[fixed, np.flatnonzero(fixed)] = 1.0
        return P

    def _jacobian(self, P: np.ndarray, R: np.ndarray, beta: float) -> np.ndarray:
        """J[k, i, j] = dV_k / dP_ij (rows of P varied freely; the multinomial covariance keeps their sums)."""
        n = P.shape[0]
        if self.horizon is None:
            V = _values(P, R, beta, None, "MarkovChainValue.fit")
            M = np.linalg.inv(np.eye(n) - beta * P)
            return beta * M[:, :, None] * V[None, None, :]
        V_prev = R.copy()
        J = np.zeros((n, n, n))
        eye = np.eye(n)
        for _ in range(int(self.horizon)):
            J = beta * (eye[:, :, None] * V_prev[None, None, :] + np.einsum("kl,lij->kij", P, J))
            V_prev = R + beta * (P @ V_prev)
        return J

    def fit(self, counts: pd.DataFrame, rewards: Mapping[Hashable, float] | pd.Series | ArrayLike
            ) -> MarkovChainValue:
        """Estimate the transition matrix from counts and value every state.

        Parameters
        ----------
        counts : DataFrame
            Customers by state at the start of a period (rows) and one period later (columns), e.g.
            ``segmentation.migration(before, after, normalize=False)`` without its ``(new)`` row.
        rewards : mapping, Series or array-like
            Net contribution of one period in each state (currency units), by state label (or in the order
            rows, then columns not among the rows).

        Returns
        -------
        MarkovChainValue
            ``self``, fitted.

        Raises
        ------
        ValidationError
            For counts that are not whole numbers >= 0, a state without customers that is not absorbing, a
            ``(new)`` row, rewards missing for some states, or values that do not exist.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import clv
        >>> counts = pd.DataFrame({"active": [60, 10], "(gone)": [40, 90]}, index=["active", "lapsed"])
        >>> m = clv.MarkovChainValue(discount_rate=0.1).fit(counts, {"active": 10, "lapsed": 0, "(gone)": 0})
        >>> m.transition_.loc["lapsed"].tolist()
        [0.1, 0.0, 0.9]
        """
        caller = "MarkovChainValue.fit"
        beta = _check_rate(self.discount_rate, self.horizon, caller)
        N, labels, fixed = self._table(counts)
        R = _rewards(rewards, labels, caller)
        P = self._shares(N, fixed)
        V = _values(P, R, beta, self.horizon, caller)
        J = self._jacobian(P, R, beta)
        n_i = N.sum(axis=1)
        cov = np.zeros((len(labels), len(labels)))
        for i in np.flatnonzero(~fixed):
            C = (np.diag(P[i]) - np.outer(P[i], P[i])) / n_i[i]
            cov += J[:, i, :] @ C @ J[:, i, :].T
        index = pd.Index(labels, name="state")
        self.counts_ = pd.DataFrame(N.astype(int), index=pd.Index(labels, name="from"),
                                    columns=pd.Index(labels, name="to"))
        self.transition_ = pd.DataFrame(P, index=self.counts_.index, columns=self.counts_.columns)
        self.rewards_ = pd.Series(R, index=index, name="reward")
        self.values_ = pd.Series(V, index=index, name="value")
        self.values_cov_ = pd.DataFrame(cov, index=index, columns=index)
        self.params_ = pd.Series(V, index=pd.Index(labels, name="parameter"), name="estimate")
        self.n_obs_ = int(N.sum())
        return self

    def _summary(self) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(self.values_cov_.to_numpy()), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, self.params_.to_numpy() / np.where(se > 0, se, 1), np.nan)
        p = np.where(se > 0, 2 * special.ndtr(-np.abs(z)), np.nan)
        return parameter_table(self.params_, std_error=se, alpha=self.alpha, z=z, p_value=p,
                               extra={"reward": self.rewards_.to_numpy(),
                                      "customers": self.counts_.sum(axis=1).to_numpy()})

    # uses --------------------------------------------------------------------------------------
    def moves(self, order: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """The value of moving a customer up one state, with its delta-method standard error.

        Parameters
        ----------
        order : sequence of hashable or None, optional
            States from best to worst; None: the order of the table's rows.

        Returns
        -------
        DataFrame
            :func:`state_moves`'s columns, then ``std_error``, ``ci_lower``, ``ci_upper`` of the gain.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import clv
        >>> counts = pd.DataFrame([[30, 70], [20, 80]], index=["a", "b"], columns=["a", "b"])
        >>> m = clv.MarkovChainValue(discount_rate=0.2).fit(counts, {"a": 36, "b": -4})
        >>> m.moves()["gain"].round(2).tolist()
        [43.64]
        """
        self._check_fitted("moves")
        rows = list(self.counts_.index[self.counts_.sum(axis=1) > 0]) if order is None else list(order)
        out = state_moves(self.values_, rows)
        C = self.values_cov_
        var = [C.loc[s, s] + C.loc[t, t] - 2 * C.loc[s, t] for s, t in zip(out.index, out["to"], strict=True)]
        se = np.sqrt(np.clip(np.asarray(var, dtype=float), 0, None))
        zc = special.ndtri(1 - self.alpha / 2)
        return out.assign(std_error=se, ci_lower=out["gain"] - zc * se, ci_upper=out["gain"] + zc * se)

    def reactivation(self, to: Hashable, response: float = 1.0,
                     states: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """Break-even spend per customer offered a reactivation to state ``to`` (:func:`reactivation_break_even`).

        Parameters
        ----------
        to : hashable
            The state an accepted offer moves a customer to.
        response : float, default 1.0
            Share of the customers offered who accept.
        states : sequence of hashable or None, optional
            States offered; None: every state but ``to``.

        Returns
        -------
        DataFrame
            :func:`reactivation_break_even`'s table (currency units).

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import clv
        >>> counts = pd.DataFrame([[30, 70], [20, 80]], index=["a", "b"], columns=["a", "b"])
        >>> m = clv.MarkovChainValue(discount_rate=0.2).fit(counts, {"a": 36, "b": -4})
        >>> m.reactivation("a", response=0.25)["break_even"].round(2).tolist()
        [10.91]
        """
        self._check_fitted("reactivation")
        return reactivation_break_even(self.values_, to, response, states)

    def bootstrap(self, n: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Percentile intervals of the state values from redrawn count tables.

        Each row of counts is redrawn from a multinomial with its observed total and estimated shares (the
        customers of a state resampled), and the values recomputed by the same core as the fit.

        Parameters
        ----------
        n : int, default 1000
            Resamples.
        seed : int, default 0
            Seed of the random generator.

        Returns
        -------
        DataFrame
            Per state (index ``state``): ``estimate``, ``std_error`` (of the resamples), ``ci_lower``,
            ``ci_upper`` (percentiles at alpha / 2 and 1 - alpha / 2), ``n_resamples``.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import clv
        >>> counts = pd.DataFrame([[30, 70], [20, 80]], index=["a", "b"], columns=["a", "b"])
        >>> m = clv.MarkovChainValue(discount_rate=0.2).fit(counts, {"a": 36, "b": -4})
        >>> b = m.bootstrap(n=200, seed=1)
        >>> bool((b["ci_lower"] < b["estimate"]).all() and (b["estimate"] < b["ci_upper"]).all())
        True
        """
        self._check_fitted("bootstrap")
        if int(n) != n or n < 2:
            raise ValidationError(f"MarkovChainValue.bootstrap: n must be a whole number of resamples >= 2; "
                                  f"got {n!r}")
        rng = np.random.default_rng(seed)
        N = self.counts_.to_numpy(dtype=float)
        P = self.transition_.to_numpy()
        fixed = N.sum(axis=1) == 0
        totals = N.sum(axis=1).astype(int)
        beta = 1.0 / (1.0 + float(self.discount_rate))
        R = self.rewards_.to_numpy()
        draws = np.empty((int(n), len(R)))
        for b in range(int(n)):
            Nb = np.zeros_like(N)
            for i in np.flatnonzero(~fixed):
                Nb[i] = rng.multinomial(totals[i], P[i])
            draws[b] = _values(self._shares(Nb, fixed), R, beta, self.horizon, "MarkovChainValue.bootstrap")
        lo, hi = np.quantile(draws, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
        return pd.DataFrame({"estimate": self.values_.to_numpy(), "std_error": draws.std(axis=0, ddof=1),
                             "ci_lower": lo, "ci_upper": hi, "n_resamples": int(n)}, index=self.values_.index)
