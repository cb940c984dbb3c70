"""Roll rates between delinquency buckets as an absorbing Markov chain, and the expected loss (allowance) it implies.

An account's monthly status moves between transient buckets (``current``, ``30``, ``60``, ``90+`` days past due)
until it reaches an absorbing state (``paid_off`` or ``charged_off``). With ``Q`` the transient-to-transient and
``R`` the transient-to-absorbing block of the one-month transition matrix, the fundamental matrix
``N = (I - Q)^-1`` gives the expected months spent in each bucket, and ``B = N R`` the probability that an
account now in a bucket ends in each absorbing state (Kemeny & Snell 1960, ch. 3). Cyert, Davidson & Thompson
(1962) read ``B`` as the share of today's balance in each bucket that will be charged off: the allowance for
losses is ``sum_i balance_i B_i,charged_off LGD``.

References
----------
Cyert, R. M., Davidson, H. J. & Thompson, G. L. (1962). Estimation of the allowance for doubtful accounts by
Markov chains. *Management Science* 8(3), 287-303.
Kemeny, J. G. & Snell, J. L. (1960). *Finite Markov Chains*. Van Nostrand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.base import Estimator, parameter_table
from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_codes, check_columns

__all__ = ["BUCKETS", "AbsorbingChain", "RollRateChain", "absorbing_chain", "implied_step_matrix",
           "observed_roll_rates", "roll_rates_between", "snapshot_pair", "status_buckets"]

#: Delinquency states, transient first: current and days past due, then the absorbing states.
BUCKETS = ("current", "30", "60", "90+", "paid_off", "charged_off")
_ABSORBING = ("paid_off", "charged_off")
#: lower bounds (days past due) of the transient buckets after ``current``
_DPD = ((90, "90+"), (60, "60"), (30, "30"))


def status_buckets(values: Any, name: str = "column 'status'", caller: str = "status_buckets") -> pd.Series:
    """Monthly statuses as the buckets of :data:`BUCKETS`: bucket codes are kept, days past due (a number, or
    text that reads as one) are bucketed (below 30 ``current``, 30-59 ``30``, 60-89 ``60``, 90 and over ``90+``).
    The codes and the lower bounds agree, so ``'30'`` is the same bucket read either way.

    Parameters
    ----------
    values : array-like
        Statuses, one per account and month: ``current``, ``30``, ``60``, ``90+``, ``paid_off``,
        ``charged_off`` (case and surrounding spaces ignored), or days past due.
    name : str, default "column 'status'"
        What the values are, for the message.
    caller : str, default 'status_buckets'
        Name of the public function, for the message.

    Returns
    -------
    Series
        The bucket of each row (text), on a fresh 0..n-1 index.

    Raises
    ------
    ValidationError
        Statuses that are neither a bucket nor days past due (missing and negative ones too), counted, with the
        first values.

    Examples
    --------
    >>> from crmresearch import credit
    >>> credit.status_buckets([0, 12, 30, 45, "60", 95, "Charged_Off", "90+"]).tolist()
    ['current', 'current', '30', '30', '60', '90+', 'charged_off', '90+']
    """
    raw = pd.Series(np.asarray(values, dtype=object).ravel())
    text = raw.astype(str).str.strip().str.lower().where(raw.notna())
    days = pd.to_numeric(text.where(~text.isin(BUCKETS)), errors="coerce")
    bucket = text.where(text.isin(BUCKETS))
    ok_days = days.notna() & (days >= 0) & np.isfinite(days.fillna(0))
    dpd = pd.Series("current", index=raw.index, dtype=object)
    for low, code in reversed(_DPD):
        dpd = dpd.where(~(days >= low), code)
    out = bucket.where(bucket.notna(), dpd.where(ok_days))
    as_codes(out.where(out.notna(), raw), BUCKETS, name, caller, meaning="statuses")
    return out.astype(str)


@dataclass(frozen=True)
class AbsorbingChain:
    """The absorbing-chain quantities of a transition matrix (Kemeny & Snell 1960).

    Attributes
    ----------
    fundamental : DataFrame
        ``N = (I - Q)^-1``: expected months in each transient state (columns) from each (rows).
    absorption : DataFrame
        ``B = N R``: probability of ending in each absorbing state (columns) from each transient state (rows).
    months_to_absorption : Series
        ``N 1``: expected months until absorption from each transient state.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import credit
    >>> P = pd.DataFrame([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], index=list("abz"), columns=list("abz"))
    >>> credit.absorbing_chain(P, ["z"]).months_to_absorption.tolist()
    [3.0, 1.0]
    """

    fundamental: pd.DataFrame
    absorption: pd.DataFrame
    months_to_absorption: pd.Series


def _check_matrix(P: pd.DataFrame, caller: str) -> np.ndarray:
    if not isinstance(P, pd.DataFrame) or list(P.index) != list(P.columns):
        raise ValidationError(f"{caller}: the transition matrix must be a square DataFrame with the same states "
                              "as index and columns")
    M = P.to_numpy(dtype=float)
    bad = ~np.isfinite(M) | (M < -1e-12) | (M > 1 + 1e-12)
    if bad.any():
        raise ValidationError(f"{caller}: {int(bad.sum())} transition probabilities are not in [0, 1]")
    off = np.abs(M.sum(axis=1) - 1) > 1e-9
    if off.any():
        raise ValidationError(f"{caller}: rows {list(P.index[off])} of the transition matrix do not sum to 1")
    return M


def absorbing_chain(P: pd.DataFrame, absorbing: Sequence[Any]) -> AbsorbingChain:
    """Fundamental matrix, absorption probabilities and expected time to absorption of an absorbing chain.

    Parameters
    ----------
    P : DataFrame
        One-step transition matrix, states as index and columns (rows sum to 1).
    absorbing : sequence
        The absorbing states (each must stay in itself with probability 1).

    Returns
    -------
    AbsorbingChain
        ``fundamental`` (N), ``absorption`` (B = N R) and ``months_to_absorption`` (N 1), in steps of ``P``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import credit
    >>> P = pd.DataFrame([[0.9, 0.05, 0.05, 0.0], [0.5, 0.2, 0.0, 0.3], [0, 0, 1, 0], [0, 0, 0, 1]],
    ...                  index=["current", "30", "paid_off", "charged_off"], columns=["current", "30", "paid_off",
    ...                  "charged_off"], dtype=float)
    >>> credit.absorbing_chain(P, ["paid_off", "charged_off"]).absorption.round(4).values.tolist()
    [[0.7273, 0.2727], [0.4545, 0.5455]]
    """
    caller = "absorbing_chain"
    M = _check_matrix(P, caller)
    states = list(P.index)
    missing = [a for a in absorbing if a not in states]
    if missing or not absorbing:
        raise ParameterError(f"{caller}: absorbing states {missing or '(none)'} are not states of the matrix {states}")
    a_idx = [states.index(a) for a in absorbing]
    leaky = [states[i] for i in a_idx if abs(M[i, i] - 1) > 1e-12]
    if leaky:
        raise ValidationError(f"{caller}: absorbing states {leaky} leave themselves with positive probability")
    t_idx = [i for i in range(len(states)) if i not in a_idx]
    Q, R = M[np.ix_(t_idx, t_idx)], M[np.ix_(t_idx, a_idx)]
    try:
        N = np.linalg.inv(np.eye(len(t_idx)) - Q)
    except np.linalg.LinAlgError:
        raise ValidationError(f"{caller}: some transient states never reach an absorbing state (I - Q is "
                              "singular)") from None
    transient = [states[i] for i in t_idx]
    return AbsorbingChain(pd.DataFrame(N, index=transient, columns=transient),
                          pd.DataFrame(N @ R, index=transient, columns=list(absorbing)),
                          pd.Series(N.sum(axis=1), index=transient, name="months_to_absorption"))


class RollRateChain(Estimator):
    """Roll rates between delinquency buckets from monthly account statuses, as an absorbing Markov chain.

    Parameters
    ----------
    states : sequence of str, default BUCKETS
        Every status, transient first (``current``, ``30``, ``60``, ``90+``), then the absorbing ones.
    absorbing : sequence of str, default ('paid_off', 'charged_off')
        The absorbing states; an account is followed until it first reaches one.
    loss_state : str, default 'charged_off'
        The absorbing state whose balances are lost.

    Attributes
    ----------
    counts_ : DataFrame
        Observed month-to-month transitions (from rows to columns).
    transition_ : DataFrame
        Roll rates: ``counts_`` divided by their row sums (absorbing rows: stay).
    chain_ : AbsorbingChain
        Fundamental matrix and absorption probabilities of ``transition_``.
    params_ : Series
        Each transient row's roll rates, named ``from->to`` (index ``parameter``).
    n_obs_ : int
        Transitions counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import credit
    >>> panel = pd.DataFrame({"account_id": [1, 1, 1, 2, 2, 3, 3], "month": [1, 2, 3, 1, 2, 1, 2],
    ...                       "status": ["current", "30", "charged_off", "current", "paid_off", "30", "current"]})
    >>> chain = credit.RollRateChain(states=["current", "30", "paid_off", "charged_off"]).fit(panel)
    >>> chain.transition_.loc["current", ["30", "paid_off"]].tolist()
    [0.5, 0.5]
    """

    def __init__(self, states: Sequence[str] = BUCKETS, absorbing: Sequence[str] = _ABSORBING,
                 loss_state: str = "charged_off") -> None:
        self.states = states
        self.absorbing = absorbing
        self.loss_state = loss_state

    def fit(self, panel: pd.DataFrame, account: str = "account_id", period: str = "month",
            status: str = "status") -> RollRateChain:
        """Count the month-to-month transitions of every account and normalise them into roll rates.

        Parameters
        ----------
        panel : DataFrame
            One row per account and month: ``account``, ``period`` (consecutive integers), ``status``.
        account, period, status : str
            Column names.

        Returns
        -------
        RollRateChain
            ``self``, fitted.
        """
        caller = f"{type(self).__name__}.fit"
        states = list(self.states)
        if self.loss_state not in self.absorbing or any(a not in states for a in self.absorbing):
            raise ParameterError(f"{caller}: absorbing {list(self.absorbing)} and loss_state {self.loss_state!r} "
                                 f"must be among the states {states}")
        check_columns(panel, [account, period, status], caller)
        as_codes(panel[status].astype(str), states, f"column '{status}'", caller, meaning="statuses")
        if panel.duplicated([account, period]).any():
            n = int(panel.duplicated([account, period]).sum())
            raise ValidationError(f"{caller}: columns '{account}', '{period}' have {n} duplicated rows (one status "
                                  "per account and month)")
        p = panel[[account, period, status]].sort_values([account, period])
        nxt = p.groupby(account, sort=False)[[period, status]].shift(-1)
        step = nxt[period] - p[period]
        gaps = step.notna() & (step != 1)
        if gaps.any():
            raise ValidationError(f"{caller}: column '{period}' skips months for {int(gaps.sum())} rows (consecutive "
                                  "months are needed to count roll rates)")
        pairs = pd.DataFrame({"from": p[status].astype(str), "to": nxt[status]}).dropna()
        counts = pd.crosstab(pairs["from"], pairs["to"]).reindex(index=states, columns=states, fill_value=0)
        absorbing = list(self.absorbing)
        leaving = counts.loc[absorbing].to_numpy().sum() - np.trace(counts.loc[absorbing, absorbing].to_numpy())
        if leaving:
            raise ValidationError(f"{caller}: column '{status}' has {int(leaving)} transitions out of an absorbing "
                                  f"state {absorbing}")
        transient = [s for s in states if s not in absorbing]
        empty = [s for s in transient if counts.loc[s].sum() == 0]
        if empty:
            raise ValidationError(f"{caller}: no account is observed leaving {empty}; their roll rates are unknown")
        P = counts.astype(float).copy()
        P.loc[transient] = P.loc[transient].div(P.loc[transient].sum(axis=1), axis=0)
        P.loc[absorbing] = np.eye(len(states))[[states.index(a) for a in absorbing]]
        self.counts_ = counts
        self.transition_ = P
        self.chain_ = absorbing_chain(P, absorbing)
        self.params_ = pd.Series({f"{a}->{b}": float(P.loc[a, b]) for a in transient for b in states},
                                 name="estimate").rename_axis("parameter")
        self._n_from = {f"{a}->{b}": float(counts.loc[a].sum()) for a in transient for b in states}
        self.n_obs_ = len(pairs)
        return self

    def _summary(self) -> pd.DataFrame:
        n = np.array([self._n_from[k] for k in self.params_.index])
        se = np.sqrt(self.params_.to_numpy() * (1 - self.params_.to_numpy()) / n)  # binomial, per row
        with np.errstate(divide="ignore", invalid="ignore"):  # a rate of 0 or 1 has no binomial spread: z is NaN
            return parameter_table(self.params_, std_error=np.where(se > 0, se, np.nan),
                                   extra={"transitions_from": n})

    def expected_loss(self, balances: Mapping[str, float] | pd.Series, lgd: float = 1.0) -> pd.DataFrame:
        """Expected charge-offs of today's balances by bucket and the allowance (Cyert, Davidson & Thompson 1962).

        Parameters
        ----------
        balances : mapping or Series of str to float
            Outstanding balance in each transient bucket (currency units); buckets left out hold none.
        lgd : float, default 1
            Loss given default: the share of a charged-off balance that is lost.

        Returns
        -------
        DataFrame
            One row per transient bucket and a ``total`` row: ``balance``, ``p_charge_off`` (absorption
            probability), ``months_to_absorption``, ``expected_loss`` (balance x p_charge_off x lgd) and
            ``loss_rate`` (expected loss over balance).
        """
        self._check_fitted("expected_loss")
        if not (isinstance(lgd, int | float) and 0 <= lgd <= 1):
            raise ParameterError(f"expected_loss: lgd must be in [0, 1]; got {lgd!r}")
        chain = self.chain_
        bal = pd.Series(balances, dtype=float)
        unknown = [b for b in bal.index if b not in chain.absorption.index]
        if unknown or (bal < 0).any() or not np.isfinite(bal).all():
            raise ValidationError(f"expected_loss: balances must be finite and >= 0, by transient bucket "
                                  f"{list(chain.absorption.index)}; got {dict(bal)}")
        bal = bal.reindex(chain.absorption.index, fill_value=0.0)
        p = chain.absorption[self.loss_state]
        out = pd.DataFrame({"bucket": list(bal.index), "balance": bal.to_numpy(), "p_charge_off": p.to_numpy(),
                            "months_to_absorption": chain.months_to_absorption.to_numpy(),
                            "expected_loss": (bal * p * lgd).to_numpy()})
        total = {"bucket": "total", "balance": out["balance"].sum(), "expected_loss": out["expected_loss"].sum(),
                 "p_charge_off": np.nan, "months_to_absorption": np.nan}
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["loss_rate"] = out["expected_loss"] / out["balance"]
        return out


def _wilson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of binomial proportions k / n (Wilson 1927)."""
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def roll_rates_between(before: Any, after: Any, states: Sequence[Any] | None = None,
                       level: float = 0.95) -> pd.DataFrame:
    """Roll rates between two observed statuses of the same accounts, with Wilson confidence intervals.

    Two snapshots of a card file (say April and September) give one step of the chain: the share of the
    accounts in each status at the first that are in each status at the second. With ``k`` of ``n`` moving
    from ``a`` to ``b``, the rate is ``k / n`` and its interval Wilson's score interval (Wilson 1927), which
    stays inside [0, 1] for rates near 0 or 1. The step is the time between the snapshots, not a month:
    :func:`implied_step_matrix` gives the monthly matrix only under assumptions the two snapshots cannot test.

    Parameters
    ----------
    before, after : array-like, shape (n,)
        Status of each account at the first and the second snapshot (same order); no missing values.
    states : sequence or None, optional
        The statuses, in table order; None: those that occur, sorted.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per pair of statuses: ``from``, ``to``, ``transitions`` (k), ``accounts_from`` (n), ``rate``,
        ``ci_lower``, ``ci_upper`` (:func:`implied_step_matrix` takes it as the matrix of rates).

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.roll_rates_between(["on time"] * 8 + ["late"] * 2, ["on time"] * 6 + ["late"] * 4)
    >>> t[["from", "to", "transitions", "accounts_from", "rate"]].values.tolist()
    [['late', 'late', 2, 2, 1.0], ['late', 'on time', 0, 2, 0.0], ['on time', 'late', 2, 8, 0.25], \
['on time', 'on time', 6, 8, 0.75]]
    """
    caller = "roll_rates_between"
    if not (isinstance(level, float) and 0 < level < 1):
        raise ParameterError(f"{caller}: level must be in (0, 1); got {level!r}")
    a, b = pd.Series(np.asarray(before, dtype=object)), pd.Series(np.asarray(after, dtype=object))
    if len(a) != len(b) or a.ndim != 1:
        raise ValidationError(f"{caller}: before and after must be one status per account, of the same length; "
                              f"got {len(a)} and {len(b)} rows")
    if states is None:
        seen = pd.concat([a, b]).dropna().unique().tolist()
        states = sorted(seen, key=str)
    states = list(states)
    as_codes(a, states, "before", caller, meaning="statuses")
    as_codes(b, states, "after", caller, meaning="statuses")
    counts = pd.crosstab(a, b).reindex(index=states, columns=states, fill_value=0)
    n_from = counts.sum(axis=1)
    empty = [s for s in states if n_from[s] == 0]
    if len(empty) == len(states) or not len(a):
        raise ValidationError(f"{caller}: no accounts to count ({len(a)} rows)")
    k = counts.to_numpy(dtype=float)
    n = np.repeat(n_from.to_numpy(dtype=float)[:, None], len(states), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = k / n
        lo, hi = _wilson(k, n, level)
    out = pd.DataFrame({"from": np.repeat(states, len(states)), "to": np.tile(states, len(states)),
                        "transitions": k.ravel().astype(int), "accounts_from": n.ravel().astype(int),
                        "rate": rate.ravel(), "ci_lower": lo.ravel(), "ci_upper": hi.ravel()})
    return out[out["accounts_from"] > 0].reset_index(drop=True)  # a status nobody starts in has no rates


def implied_step_matrix(P: pd.DataFrame, steps: int) -> pd.DataFrame:
    """The one-period matrix whose ``steps``-th power is ``P``: the monthly roll rates behind a multi-month step.

    Only under two assumptions the multi-month step cannot test: the chain is the same in every period
    (time-homogeneous: stationarity of the roll rates) and the statuses are all the state there is (first-order
    Markov). The principal matrix root is used (Higham 2008, via ``scipy.linalg.fractional_matrix_power``); a
    ``P`` with no real stochastic root (the "embedding problem", Israel, Rosenthal & Wei 2001) is refused.

    Parameters
    ----------
    P : DataFrame
        Square transition matrix over ``steps`` periods, states as index and columns (rows sum to 1), or the
        table of :func:`roll_rates_between` (columns ``from``, ``to``, ``rate``; every state observed at the start).
    steps : int
        Periods between the two observations (e.g. 5 months from April to September).

    Returns
    -------
    DataFrame
        The one-period matrix, as ``P``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import credit
    >>> P1 = pd.DataFrame([[0.9, 0.1], [0.4, 0.6]], index=["on time", "late"], columns=["on time", "late"])
    >>> credit.implied_step_matrix(P1 @ P1 @ P1, 3).round(10).values.tolist()
    [[0.9, 0.1], [0.4, 0.6]]
    """
    from scipy.linalg import fractional_matrix_power

    caller = "implied_step_matrix"
    if isinstance(P, pd.DataFrame) and {"from", "to", "rate"} <= set(P.columns):
        order = list(dict.fromkeys(P["to"]))
        P = P.pivot(index="from", columns="to", values="rate").reindex(index=order, columns=order)
        P.index.name = P.columns.name = None
    M = _check_matrix(P, caller)
    if not (isinstance(steps, int | np.integer) and steps >= 1):
        raise ParameterError(f"{caller}: steps must be a whole number of periods >= 1; got {steps!r}")
    root = np.asarray(fractional_matrix_power(M, 1.0 / int(steps)))
    if np.iscomplexobj(root):
        if np.abs(root.imag).max() > 1e-9:
            raise ValidationError(f"{caller}: the {steps}-period matrix has no real {steps}-th root (no "
                                  "time-homogeneous chain of one-period roll rates produces it)")
        root = root.real
    if (root < -1e-9).any():
        raise ValidationError(f"{caller}: the {steps}-th root of the matrix has {int((root < -1e-9).sum())} negative "
                              "entries: no time-homogeneous chain of one-period roll rates produces it")
    return pd.DataFrame(np.clip(root, 0.0, 1.0), index=P.index, columns=P.columns)


def observed_roll_rates(before: Any, after: Any, months: int, states: Sequence[Any] | None = None,
                        level: float = 0.95) -> pd.DataFrame:
    """:func:`roll_rates_between` two snapshots ``months`` apart, with the monthly rate each step implies if
    every month rolled alike (``implied_monthly_rate``, from :func:`implied_step_matrix`; an assumption of
    stationarity that two snapshots cannot test).

    Parameters
    ----------
    before, after : array-like, shape (n,)
        Status of each account at the two snapshots (same order).
    months : int
        Months between the snapshots.
    states : sequence or None, optional
        The statuses, in table order; None: those that occur, sorted.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        The columns of :func:`roll_rates_between` and ``implied_monthly_rate``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.observed_roll_rates(["on time"] * 8 + ["late"] * 2, ["on time"] * 6 + ["late"] * 4, months=1)
    >>> bool((t["implied_monthly_rate"] - t["rate"]).abs().max() < 1e-12)   # one month: the step itself
    True
    """
    t = roll_rates_between(before, after, states=states, level=level)
    monthly = implied_step_matrix(t, months)
    return t.assign(implied_monthly_rate=[monthly.loc[a, b] for a, b in zip(t["from"], t["to"], strict=True)])


def snapshot_pair(panel: pd.DataFrame, months: int, current: Any = "current",
                  closed: Sequence[Any] = ("paid_off", "charged_off")) -> tuple[pd.Series, pd.Series]:
    """The statuses of a monthly panel's accounts ``months`` before its last month and at it, folded into
    'on time' (``current``) and 'late' (any bucket past due), for the accounts open at both: the panel seen
    as two snapshots, to set beside real two-snapshot data (:func:`observed_roll_rates`).

    Parameters
    ----------
    panel : DataFrame
        ``account_id``, ``month`` (whole numbers), ``status`` (:data:`BUCKETS`).
    months : int
        Months between the two snapshots.
    current : object, default 'current'
        The status that is on time.
    closed : sequence, default ('paid_off', 'charged_off')
        Statuses of closed accounts, left out.

    Returns
    -------
    tuple of Series
        Status at the first and at the second snapshot, indexed by ``account_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import credit
    >>> p = pd.DataFrame({'account_id': [1, 1, 2, 2, 3, 3], 'month': [0, 1, 0, 1, 0, 1],
    ...                   'status': ['current', '30', '60', 'current', 'current', 'paid_off']})
    >>> a, b = credit.snapshot_pair(p, 1)
    >>> a.tolist(), b.tolist()
    (['on time', 'late'], ['late', 'on time'])
    """
    end = int(panel["month"].max())
    pair = (panel[panel["month"].isin([end - months, end])]
            .pivot(index="account_id", columns="month", values="status").dropna())
    pair = pair[~pair.isin(list(closed)).any(axis=1)]

    def fold(s: pd.Series) -> pd.Series:
        return s.map(lambda v: "on time" if v == current else "late")

    return fold(pair[end - months]), fold(pair[end])
