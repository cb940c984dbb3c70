"""Out-of-sample evaluation of survival models that accounts for censoring: Harrell's and Uno's concordance,
the cumulative/dynamic time-dependent AUC and its integral, the Brier score and the integrated Brier score with
the Kaplan-Meier null model, calibration at a horizon (slope, intercept, ICI). The metrics take predictions as
arrays (any model); :func:`evaluate_model` scores a fitted Cox or AFT model on a holdout frame. With competing
causes, the cause-specific AUC, Brier and integrated Brier scores of a cause's cumulative incidence and Wolbers'
concordance. Checked against R's ``survival::concordance``, ``riskRegression::Score`` and ``pec::cindex``
(tests/survival/test_r_evaluate.py, test_r_competing.py) and scikit-survival (test_sksurv_peer.py)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataWarning, ParameterError, ValidationError
from ..schemas.checks import as_binary, as_numbers

__all__ = [
    "HorizonCalibration",
    "brier_score",
    "cause_specific_auc",
    "cause_specific_brier_score",
    "cause_specific_calibration",
    "cause_specific_integrated_brier_score",
    "censoring_survival",
    "cif_pseudo_values",
    "competing_concordance",
    "cumulative_dynamic_auc",
    "evaluate_holdout",
    "evaluate_model",
    "harrell_concordance",
    "horizon_calibration",
    "integrated_brier_score",
    "km_pseudo_values",
    "survival_scores",
    "time_dependent_auc",
    "uno_concordance",
]


def censoring_survival(duration: np.ndarray, event: np.ndarray, exits_first: bool = True):
    """Kaplan-Meier estimate G of the censoring distribution (events and censorings swapped), for
    inverse-probability-of-censoring weights; returns a function ``G(t, left=True)``: G(t-) by default,
    G(t) with ``left=False``.

    With ``exits_first`` (the convention of R's ``survival`` and ``riskRegression``) a censoring at t comes
    after the exits at t, so those customers are not at risk of being censored at t; ``False`` keeps them
    in the censoring risk set (lifelines' KM of the swapped indicator; :func:`evaluate_holdout` keeps it so
    that its published exhibits stay as they are).

    Parameters
    ----------
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    exits_first : bool, default True
        Exits at t leave the censoring risk set before the censorings at t.

    Returns
    -------
    callable
        ``G(t, left=True)`` -> ndarray of censoring survival probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.survival.evaluate import censoring_survival
    >>> G = censoring_survival(np.array([1.0, 2, 2, 3]), np.array([1, 1, 0, 0]))
    >>> G(np.array([2.0, 3.0]), left=False).tolist()   # at 2: 1 censored of the 2 left after the exit
    [0.5, 0.0]
    >>> G = censoring_survival(np.array([1.0, 2, 2, 3]), np.array([1, 1, 0, 0]), exits_first=False)
    >>> G(np.array([2.0, 3.0]), left=False).round(3).tolist()   # 1 of 3
    [0.667, 0.0]
    """
    d = np.asarray(duration, dtype=float)
    e = np.asarray(event)
    times = np.unique(d[e == 0])
    at_risk = (d.size - np.searchsorted(np.sort(d), times, side="left")).astype(float)
    if exits_first:
        at_risk -= np.bincount(np.searchsorted(times, d[(e == 1) & np.isin(d, times)]), minlength=times.size)
    censored = np.bincount(np.searchsorted(times, d[e == 0]), minlength=times.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.cumprod(np.where(at_risk > 0, 1.0 - censored / at_risk, 1.0))

    def G(t: np.ndarray, left: bool = True) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if times.size == 0:  # nobody censored
            return np.ones_like(t)
        idx = np.searchsorted(times, t, side="left" if left else "right") - 1
        return np.where(idx >= 0, values[np.clip(idx, 0, None)], 1.0)

    return G


def time_dependent_auc(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                       train_duration: np.ndarray | None = None, train_event: np.ndarray | None = None) -> float:
    """Cumulative/dynamic AUC at t with IPCW weights (Uno et al. 2007): probability that a customer
    who churned by t has a higher risk than one still a customer after t.

    Parameters
    ----------
    risk : ndarray
        Risk score per test customer (higher = earlier event).
    duration : ndarray
        Test durations.
    event : ndarray
        Test events (0/1).
    t : float
        Time (frame units).
    train_duration, train_event : ndarray, optional
        Training outcomes (censoring weights); default: ``duration`` and ``event``.

    Returns
    -------
    float
        AUC at t (0.5 = random).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 1, 0, 1])
    >>> auc = survival.time_dependent_auc(np.array([0.9, 0.8, 0.2, 0.1]), d, e, 5.0, d, e)
    >>> round(float(auc), 3)   # the high-risk customers failed first
    1.0
    """
    d, e = _outcomes(duration, event, "time_dependent_auc")
    r = _scores(risk, d.size, "risk", "time_dependent_auc").ravel()
    return _auc_at(r, d, e, t, _censoring(d, e, train_duration, train_event, "time_dependent_auc"))


def brier_score(surv_at_t: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                train_duration: np.ndarray | None = None, train_event: np.ndarray | None = None) -> float:
    """IPCW Brier score at t (Graf et al. 1999) of predicted survival probabilities S(t | x).

    Parameters
    ----------
    surv_at_t : ndarray
        Predicted S(t | x) per test customer.
    duration : ndarray
        Test durations.
    event : ndarray
        Test events (0/1).
    t : float
        Time of the score (frame units).
    train_duration, train_event : ndarray, optional
        Training outcomes (for the censoring distribution); default: ``duration`` and ``event``.

    Returns
    -------
    float
        Brier score (0 = perfect; 0.25 = coin flip at 50 %).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 1, 0, 1])
    >>> round(float(survival.brier_score(np.array([0.2, 0.3, 0.9, 0.8]), d, e, 5.0, d, e)), 3)
    0.045
    """
    d, e = _outcomes(duration, event, "brier_score")
    s = _scores(surv_at_t, d.size, "surv_at_t", "brier_score").ravel()
    return _brier_at(s, d, e, t, _censoring(d, e, train_duration, train_event, "brier_score"))


def evaluate_holdout(result, train: pd.DataFrame, test: pd.DataFrame, horizons: Sequence[float] = (12, 24, 36),
                     n_grid: int = 50) -> pd.DataFrame:
    """Holdout metrics of a fitted :func:`cox` (or :func:`aft`) result: Harrell's concordance, the
    time-dependent AUC at each horizon and the integrated Brier score over (min, max horizon].

    Returns a tidy table: ``metric``, ``horizon``, ``value``. Its censoring weights keep lifelines' ties
    convention (``censoring_survival(..., exits_first=False)``) so that the published exhibits stay as they
    are; :func:`evaluate_model` gives R's convention, Uno's C, calibration and the null model.

    Left-truncated test rows (``entry`` > 0) are scored as if observed from their start: the metrics
    have no delayed-entry form here, so a :class:`~crmresearch.errors.DataWarning` says how many.

    Parameters
    ----------
    result
        A fitted :class:`CoxPH` or :class:`AFT`.
    train : DataFrame
        Training frame (for the censoring weights).
    test : DataFrame
        Holdout frame.
    horizons : sequence of float, default (12, 24, 36)
        Times of the AUC and the Brier grid (frame units).
    n_grid : int, default 50
        Grid points of the integrated Brier score.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 600)
    >>> frame = pd.DataFrame({'duration': np.minimum(rng.exponential(30 / np.exp(x)), 48), 'x': x})
    >>> frame['event'] = (frame['duration'] < 48).astype(int)
    >>> fit = survival.cox(frame.iloc[:400], ['x'])
    >>> t = survival.evaluate_holdout(fit, frame.iloc[:400], frame.iloc[400:], horizons=(12, 24))
    >>> t['metric'].tolist()
    ['concordance (Harrell)', 'time-dependent AUC', 'time-dependent AUC', 'integrated Brier score']
    >>> bool(t['value'].iloc[0] > 0.55)   # concordance well above 0.5
    True
    """
    from lifelines.utils import concordance_index

    _warn_truncated(test, "evaluate_holdout")
    times = np.linspace(min(horizons), max(horizons), n_grid)
    surv, risk = _predict(result, test, times, "evaluate_holdout")
    d, e = test["duration"].to_numpy(), test["event"].to_numpy()
    td, te = train["duration"].to_numpy(), train["event"].to_numpy()
    d, e = d.astype(float), e.astype(float)
    G = censoring_survival(td, te, exits_first=False)  # this table's published convention (see censoring_survival)
    rows = [{"metric": "concordance (Harrell)", "horizon": np.nan,
             "value": float(concordance_index(d, -risk, e))}]
    for h in horizons:
        j = int(np.argmin(np.abs(times - h)))
        rows.append({"metric": "time-dependent AUC", "horizon": float(h),
                     "value": _auc_at(1 - surv[:, j], d, e, h, G)})
    bs = np.array([_brier_at(surv[:, j], d, e, t, G) for j, t in enumerate(times)])
    ibs = float(np.trapezoid(bs, times) / (times[-1] - times[0])) if times[-1] > times[0] else float(bs[0])
    rows.append({"metric": "integrated Brier score", "horizon": float(max(horizons)), "value": ibs})
    return pd.DataFrame(rows)


def _warn_truncated(test: pd.DataFrame, caller: str) -> None:
    if "entry" in test and (n_late := int((test["entry"] > 0).sum())):
        warnings.warn(f"{caller}: {n_late:,} of {len(test):,} test rows are left-truncated (entry > 0); "
                      "concordance, AUC and Brier score treat them as observed from their start", DataWarning,
                      stacklevel=3)


def _predict(result, test: pd.DataFrame, times: np.ndarray, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """S(t | x) of the test customers at ``times`` (n x len(times)) and their risk score, minus the restricted
    mean lifetime over [0, max(times)] on a grid of 4 x len(times) points (higher = riskier)."""
    X_test = model_frame(result, test, caller)
    # lifelines groups stratified predictions by stratum: realign the columns to the customers
    sf = result.model_.predict_survival_function(X_test, times=times)
    surv = sf[X_test.index].to_numpy().T  # (n, len(times))
    grid0 = np.linspace(0, max(times), 4 * len(times))
    s0 = result.model_.predict_survival_function(X_test, times=grid0)[X_test.index].to_numpy().T
    return surv, -np.trapezoid(s0, grid0, axis=1)


def model_frame(result, frame: pd.DataFrame, caller: str) -> pd.DataFrame:
    """The design matrix a fitted :class:`CoxPH` / :class:`AFT` predicts from, built for new rows:
    the fitted design columns (a category absent from ``frame`` is a column of 0), the strata as
    text, and a 0..n-1 index (lifelines groups stratified predictions by stratum; callers realign
    by this index)."""
    from .models import _strata, design_matrix

    X = design_matrix(frame, _source_covariates(result, frame), caller)
    for c in result.covariates_:
        if c not in X.columns:
            X[c] = 0.0
    X = X[result.covariates_]
    for c in _strata(result.model_):
        X[c] = frame[c].astype(str).to_numpy()
    X.index = pd.RangeIndex(len(X))
    return X


def _source_covariates(result, frame: pd.DataFrame) -> list[str]:
    """The original covariate names behind the design columns of a fitted result."""
    names = []
    for col in result.covariates_:
        if col in frame.columns:
            names.append(col)
            continue
        for c in sorted(frame.columns, key=len, reverse=True):
            if col.startswith(f"{c}_"):
                names.append(c)
                break
        else:
            raise ValidationError(f"evaluate_holdout: covariate '{col}' not found in the test frame")
    return list(dict.fromkeys(names))


# --- censoring-aware evaluation from predictions (arrays): Uno/Harrell C, AUC(t), Brier, calibration -------------


def _outcomes(duration, event, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Durations and 0/1 events as arrays, refusing what no metric can score (missing, negative, mismatched)."""
    d = as_numbers(duration, "duration", caller).ravel()
    e = as_binary(event, "event", caller).ravel()
    if d.size != e.size:
        raise ValidationError(f"{caller}: duration has {d.size:,} values but event {e.size:,}; give one of each per "
                              "customer")
    if bad := int((~np.isfinite(d) | (d < 0)).sum()):
        raise ValidationError(f"{caller}: duration must be finite and >= 0; {bad:,} of {d.size:,} customers are not "
                              "(drop them, with their predictions)")
    return d, e


def _scores(values, n: int, name: str, caller: str, columns: int | None = None) -> np.ndarray:
    """Predictions as floats: one per customer (or a customer x time matrix), none missing."""
    v = as_numbers(values, name, caller)
    v = v.reshape(-1, 1) if v.ndim == 1 and columns is not None else v
    if v.shape[0] != n or (columns is not None and (v.ndim != 2 or v.shape[1] != columns)):
        want = f"({n:,}, {columns})" if columns is not None else f"{n:,}"
        raise ValidationError(f"{caller}: {name} has shape {v.shape}, expected {want} (customers x times)")
    if bad := int(np.isnan(v).reshape(n, -1).any(axis=1).sum()):
        raise ValidationError(f"{caller}: {name} is missing (NaN) for {bad:,} of {n:,} customers; predict every "
                              "customer or drop them from duration and event too")
    return v


def _censoring(duration: np.ndarray, event: np.ndarray, train_duration, train_event, caller: str):
    """G(t) from the training outcomes when given, else from the scored ones (as R's Score and concordance do)."""
    if (train_duration is None) != (train_event is None):
        raise ValidationError(f"{caller}: give both train_duration and train_event, or neither")
    if train_duration is None:
        return censoring_survival(duration, event)
    return censoring_survival(*_outcomes(train_duration, train_event, caller))


def _ranks(x: np.ndarray) -> np.ndarray:
    """Dense ranks 1..K of x (ties share a rank)."""
    return np.unique(x, return_inverse=True)[1].ravel() + 1


def _concordance(risk: np.ndarray, d: np.ndarray, e: np.ndarray, tau: float | None, weight_at) -> float:
    """Weighted concordance: over pairs with T_i < T_j and an event at T_i (<= tau), the share with
    risk_i > risk_j, ties in risk counted 1/2; a censoring at T_i counts as later than the event (R's
    convention); each pair weighted by ``weight_at(T_i)``. O(n log n) by a Fenwick tree over risk ranks."""
    r = _ranks(risk)
    size = int(r.max()) + 1
    tree = np.zeros(size + 1, dtype=np.int64)

    def add(i: int) -> None:
        while i <= size:
            tree[i] += 1
            i += i & -i

    def count(i: int) -> int:  # inserted customers with rank <= i
        s = 0
        while i > 0:
            s += tree[i]
            i -= i & -i
        return int(s)

    order = np.lexsort((e, -d))  # descending time; within a time the censored first
    ds, es, rs = d[order], e[order], r[order]
    starts = np.flatnonzero(np.r_[True, ds[1:] != ds[:-1]])
    ends = np.r_[starts[1:], ds.size]
    num = den = 0.0
    inserted = 0
    for a, b in zip(starts, ends, strict=True):
        t = ds[a]
        censored = np.arange(a, b)[es[a:b] == 0]
        for k in censored:
            add(int(rs[k]))
        inserted += censored.size
        events = np.arange(a, b)[es[a:b] == 1]
        if events.size and inserted and (tau is None or t <= tau):
            w = float(weight_at(t))
            for k in events:
                below, upto = count(int(rs[k]) - 1), count(int(rs[k]))
                num += w * (below + 0.5 * (upto - below))
                den += w * inserted
        for k in events:
            add(int(rs[k]))
        inserted += events.size
    return num / den if den > 0 else float("nan")


def harrell_concordance(risk: np.ndarray, duration: np.ndarray, event: np.ndarray,
                        tau: float | None = None) -> float:
    """Harrell's concordance: the share of comparable pairs (the earlier time an event, by ``tau``) in which the
    customer who left first had the higher risk; ties in risk count 1/2, pairs tied on an event time are not
    comparable (R's ``survival::concordance(..., timewt = "n")``).

    Harrell's C depends on the censoring of the sample (it weights late pairs by how many remain); for a
    statistic whose limit does not, use :func:`uno_concordance`.

    Parameters
    ----------
    risk : ndarray, shape (n,)
        Risk score per customer, higher = earlier exit (a Cox linear predictor, 1 - S(t | x), minus the
        restricted mean lifetime, a classifier's probability).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    tau : float, optional
        Only pairs whose earlier event time is <= ``tau`` count; default: all.

    Returns
    -------
    float
        Concordance (0.5 = random, 1 = perfect ranking).

    References
    ----------
    Harrell, Califf, Pryor, Lee & Rosati (1982), JAMA 247(18), 2543-2546.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 1, 0, 1])
    >>> survival.harrell_concordance(np.array([0.9, 0.8, 0.2, 0.85]), d, e)   # 4 of 5 pairs right
    0.8
    """
    d, e = _outcomes(duration, event, "harrell_concordance")
    r = _scores(risk, d.size, "risk", "harrell_concordance").ravel()
    return _concordance(r, d, e, tau, lambda t: 1.0)


def uno_concordance(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, tau: float | None = None,
                    train_duration: np.ndarray | None = None, train_event: np.ndarray | None = None) -> float:
    """Uno's IPCW concordance truncated at ``tau`` (Uno et al. 2011): Harrell's pairs weighted by 1 / G(T_i)^2,
    G the Kaplan-Meier survival of the censoring, so that its limit does not depend on the censoring
    (R's ``survival::concordance(..., timewt = "n/G2", ymax = tau)``).

    Parameters
    ----------
    risk : ndarray, shape (n,)
        Risk score per customer, higher = earlier exit.
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    tau : float, optional
        Truncation time: pairs whose earlier event time is > ``tau`` do not count. Choose it where G is
        still well above 0 (weights explode where few customers remain under observation); default: all.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate G (a training sample); default: ``duration`` and ``event`` themselves.

    Returns
    -------
    float
        Concordance (0.5 = random, 1 = perfect ranking).

    References
    ----------
    Uno, Cai, Pencina, D'Agostino & Wei (2011), Statistics in Medicine 30(10), 1105-1117.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8, 9]), np.array([1, 0, 1, 1, 0])
    >>> risk = np.array([0.9, 0.1, 0.8, 0.3, 0.5])
    >>> round(survival.uno_concordance(risk, d, e, tau=8), 3), round(survival.harrell_concordance(risk, d, e, tau=8), 3)
    (0.81, 0.857)
    """
    d, e = _outcomes(duration, event, "uno_concordance")
    r = _scores(risk, d.size, "risk", "uno_concordance").ravel()
    G = _censoring(d, e, train_duration, train_event, "uno_concordance")
    return _concordance(r, d, e, tau, lambda t: 1.0 / max(float(G(np.array([t]))[0]), 1e-8) ** 2)


def _times(times, caller: str) -> np.ndarray:
    t = as_numbers(times, "times", caller).ravel()
    if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise ValidationError(f"{caller}: times must be finite, > 0 and increasing; got {t[:6].tolist()}"
                              f"{' ...' if t.size > 6 else ''}")
    return t


def _km_at(d: np.ndarray, e: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Kaplan-Meier S(t) of (d, e) at ``times`` (right-continuous)."""
    ut = np.unique(d[e == 1])
    n_risk = d.size - np.searchsorted(np.sort(d), ut, side="left")
    n_event = np.bincount(np.searchsorted(ut, d[e == 1]), minlength=ut.size)
    s = np.cumprod(1.0 - n_event / n_risk)
    idx = np.searchsorted(ut, times, side="right") - 1
    return np.where(idx >= 0, s[np.clip(idx, 0, None)], 1.0)


def cumulative_dynamic_auc(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, times: Sequence[float],
                           train_duration: np.ndarray | None = None,
                           train_event: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Cumulative/dynamic time-dependent AUC at several times, IPCW-weighted (Uno et al. 2007; Hung & Chiang
    2010), and its integral over the times weighted by the Kaplan-Meier event density (Lambert & Chevret 2016).

    At each t the cases are the customers who left by t (weighted 1 / G(T_i-)), the controls those still
    customers after t; the AUC is the weighted share of case-control pairs ranked right (ties 1/2), as
    :func:`time_dependent_auc` and R's ``riskRegression::Score(..., metrics = "auc", cens.model = "km")``.

    Parameters
    ----------
    risk : ndarray, shape (n,) or (n, len(times))
        Risk per customer, higher = earlier exit; a matrix gives the risk at each time (P(exit by t | x) of a
        model without proportional hazards, or of a classifier trained for each horizon).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    times : sequence of float
        Increasing times > 0 (frame units).
    train_duration, train_event : ndarray, optional
        Outcomes that estimate the censoring survival G; default: ``duration`` and ``event``.

    Returns
    -------
    auc : ndarray, shape (len(times),)
        AUC at each time (NaN where no customer left by t or none remains after it).
    integrated : float
        Sum of AUC(t_k) (S(t_{k-1}) - S(t_k)) over the times, divided by S(t_0) - S(t_K), S the Kaplan-Meier
        survival of the scored customers and S(t_0) = 1 (the weighting of scikit-survival's ``mean_auc``).

    References
    ----------
    Uno, Cai, Tian & Wei (2007), JASA 102(478), 527-537; Hung & Chiang (2010), Canadian Journal of Statistics
    38(1), 8-26; Lambert & Chevret (2016), Statistical Methods in Medical Research 25(5), 2088-2102.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8, 9]), np.array([1, 0, 1, 1, 0])
    >>> auc, mean_auc = survival.cumulative_dynamic_auc(np.array([0.9, 0.1, 0.8, 0.3, 0.2]), d, e, [3, 7])
    >>> auc.round(3).tolist(), round(mean_auc, 3)
    ([1.0, 1.0], 1.0)
    """
    caller = "cumulative_dynamic_auc"
    d, e = _outcomes(duration, event, caller)
    t = _times(times, caller)
    r = _scores(risk, d.size, "risk", caller, columns=None)
    r = np.repeat(r.reshape(-1, 1), t.size, axis=1) if r.ndim == 1 else _scores(r, d.size, "risk", caller, t.size)
    G = _censoring(d, e, train_duration, train_event, caller)
    auc = np.array([_auc_at(r[:, k], d, e, tk, G) for k, tk in enumerate(t)])
    s = _km_at(d, e, t)
    mass = -np.diff(np.r_[1.0, s])
    ok = np.isfinite(auc)
    integrated = float((auc[ok] * mass[ok]).sum() / mass[ok].sum()) if mass[ok].sum() > 0 else float("nan")
    return auc, integrated


def _auc_at(risk: np.ndarray, d: np.ndarray, e: np.ndarray, t: float, G) -> float:
    case = (d <= t) & (e == 1)
    control = d > t
    if not case.any() or not control.any():
        return float("nan")
    w = 1.0 / np.clip(G(d[case]), 1e-8, None)
    ctrl = np.sort(risk[control])
    below = np.searchsorted(ctrl, risk[case], side="left")
    ties = np.searchsorted(ctrl, risk[case], side="right") - below
    return float((w * (below + 0.5 * ties)).sum() / (w.sum() * ctrl.size))


def _brier_at(s: np.ndarray, d: np.ndarray, e: np.ndarray, t: float, G) -> float:
    died = (d <= t) & (e == 1)
    alive = d > t
    w_died = 1.0 / np.clip(G(d), 1e-8, None)
    w_alive = 1.0 / max(float(G(np.array([t]), left=False)[0]), 1e-8)
    return float(np.mean(np.where(died, s**2 * w_died, 0.0) + np.where(alive, (1 - s) ** 2 * w_alive, 0.0)))


def integrated_brier_score(surv: np.ndarray, duration: np.ndarray, event: np.ndarray, times: Sequence[float],
                           train_duration: np.ndarray | None = None,
                           train_event: np.ndarray | None = None) -> float:
    """Integrated IPCW Brier score over ``times`` (Graf et al. 1999): the trapezoid of the Brier score
    :func:`brier_score` at each time, divided by the time span (one time: the Brier score there).

    Parameters
    ----------
    surv : ndarray, shape (n, len(times))
        Predicted survival S(t | x) per customer at each time (a classifier's 1 - P(exit by t)).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    times : sequence of float
        Increasing times > 0 (frame units): the grid of the integral.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate the censoring survival G; default: ``duration`` and ``event``.

    Returns
    -------
    float
        Mean Brier score over the span (0 = perfect; the Kaplan-Meier null model's value is the benchmark).

    References
    ----------
    Graf, Schmoor, Sauerbrei & Schumacher (1999), Statistics in Medicine 18(17-18), 2529-2545.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 1, 0, 1])
    >>> surv = np.array([[0.5, 0.2], [0.6, 0.3], [0.9, 0.8], [0.9, 0.8]])
    >>> round(survival.integrated_brier_score(surv, d, e, [3, 5]), 3)
    0.08
    """
    caller = "integrated_brier_score"
    d, e = _outcomes(duration, event, caller)
    t = _times(times, caller)
    s = _scores(surv, d.size, "surv", caller, t.size)
    G = _censoring(d, e, train_duration, train_event, caller)
    bs = np.array([_brier_at(s[:, k], d, e, tk, G) for k, tk in enumerate(t)])
    return float(np.trapezoid(bs, t) / (t[-1] - t[0])) if t.size > 1 else float(bs[0])


def km_pseudo_values(duration: np.ndarray, event: np.ndarray, t: float) -> np.ndarray:
    """Jackknife pseudo-observations of P(exit by t) from the Kaplan-Meier estimator (Andersen & Perme 2010):
    n F(t) - (n - 1) F_{-i}(t), F = 1 - KM; their mean given x estimates P(exit by t | x) under censoring
    independent of x. Exact leave-one-out, in O(n log n).

    Parameters
    ----------
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    t : float
        Horizon (frame units).

    Returns
    -------
    ndarray, shape (n,)
        One pseudo-value per customer (may lie outside [0, 1]).

    References
    ----------
    Andersen & Perme (2010), Statistical Methods in Medical Research 19(1), 71-99.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 1, 1, 1])
    >>> survival.km_pseudo_values(d, e, 5.0).round(3).tolist()   # no censoring: the indicator T <= 5
    [1.0, 1.0, 0.0, 0.0]
    """
    d, e = _outcomes(duration, event, "km_pseudo_values")
    n = d.size
    ut = np.unique(d[(e == 1) & (d <= t)])
    if ut.size == 0:
        return np.zeros(n)
    n_k = (n - np.searchsorted(np.sort(d), ut, side="left")).astype(float)
    d_k = np.bincount(np.searchsorted(ut, d[(e == 1) & (d <= t)]), minlength=ut.size).astype(float)
    full = 1.0 - d_k / n_k
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(n_k > 1, 1.0 - d_k / (n_k - 1), 1.0)  # i at risk at s_k, no exit there
    prefix = np.r_[1.0, np.cumprod(out)]  # product over s_k < T_i
    suffix = np.r_[np.cumprod(full[::-1])[::-1], 1.0]  # product over s_k >= position
    pos = np.searchsorted(ut, d, side="left")  # number of exit times before T_i
    at = (pos < ut.size) & (ut[np.clip(pos, 0, ut.size - 1)] == d)
    p = np.clip(pos, 0, ut.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mid = np.where(at & (n_k[p] > 1), 1.0 - (d_k[p] - e) / (n_k[p] - 1), 1.0)
    s_minus = prefix[pos] * mid * suffix[pos + at]
    return n * (1.0 - suffix[0]) - (n - 1) * (1.0 - s_minus)


@dataclass(frozen=True)
class HorizonCalibration:
    """Calibration of predicted P(exit by t) at one horizon, as :func:`horizon_calibration` returns it.

    Parameters
    ----------
    horizon : float
        The horizon t (frame units).
    intercept, slope : float
        Calibration line observed = intercept + slope * predicted P(exit by t); perfect: 0 and 1.
    ici, e50, e90 : float
        Mean, median and 90th percentile of |smoothed observed - predicted| P(exit by t).
    observed : float
        Kaplan-Meier P(exit by t) of the scored customers.
    mean_predicted : float
        Mean predicted P(exit by t).

    Examples
    --------
    >>> from crmresearch import survival
    >>> cal = survival.HorizonCalibration(12.0, 0.0, 1.0, 0.01, 0.008, 0.02, 0.3, 0.31)
    >>> cal.slope, cal.ici
    (1.0, 0.01)
    """

    horizon: float
    intercept: float
    slope: float
    ici: float
    e50: float
    e90: float
    observed: float
    mean_predicted: float


def _loess(x: np.ndarray, y: np.ndarray, span: float = 0.75, points: int = 100) -> np.ndarray:
    """Local quadratic regression of y on x with tricube weights over the nearest ``span`` share of the data
    (R's ``loess`` defaults, no robustness iterations), evaluated at ``points`` quantiles of x and
    interpolated linearly to every x."""
    grid = np.unique(np.quantile(x, np.linspace(0, 1, points)))
    k = max(int(np.ceil(span * x.size)), 3)
    fitted = np.empty(grid.size)
    for j, g in enumerate(grid):
        dist = np.abs(x - g)
        near = np.argpartition(dist, k - 1)[:k]
        h = max(float(dist[near].max()), 1e-12)
        w = (1 - (dist[near] / h) ** 3) ** 3
        u = x[near] - g
        B = np.column_stack([np.ones(k), u, u**2]) * np.sqrt(w)[:, None]
        fitted[j] = np.linalg.lstsq(B, y[near] * np.sqrt(w), rcond=None)[0][0]
    return np.interp(x, grid, fitted)


def horizon_calibration(risk_at_t: np.ndarray, duration: np.ndarray, event: np.ndarray,
                        t: float) -> HorizonCalibration:
    """Calibration of predicted P(exit by t | x) at horizon ``t`` on censored outcomes, from Kaplan-Meier
    pseudo-observations (:func:`km_pseudo_values`).

    * **slope, intercept**: the calibration line P(exit by t | p) = intercept + slope * p, fitted by least
      squares to the pseudo-values (a GEE with identity link; Andersen & Perme 2010). Perfect calibration: 0
      and 1; a slope below 1 says the predictions spread too far (overfitting), above 1 too little. The
      identity scale always has a solution; on the cloglog scale, where a Cox model with its linear predictor
      c times too small would have slope c, the estimating equations have no root when pseudo-values above
      1 meet predictions near 1, as they do on real holdouts.
    * **ICI, E50, E90**: mean, median and 90th percentile of |smoothed observed - predicted| over the
      customers (Austin, Harrell & van Klaveren 2020), the smooth a loess of the pseudo-values on p (local
      quadratic, span 0.75, tricube weights: R's defaults), cut to [0, 1].

    The pseudo-values assume censoring independent of the covariates (KM censoring model, as R's ``Score``
    with ``cens.model = "km"``).

    Parameters
    ----------
    risk_at_t : ndarray, shape (n,)
        Predicted P(exit by t | x) per customer, in [0, 1] (1 - S(t | x); a classifier's probability).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    t : float
        Horizon (frame units).

    Returns
    -------
    HorizonCalibration
        ``horizon, intercept, slope, ici, e50, e90`` and the Kaplan-Meier ``observed`` and ``mean_predicted``
        P(exit by t); slope and intercept are NaN (with a warning) when every prediction is the same.

    References
    ----------
    Austin, Harrell & van Klaveren (2020), Statistics in Medicine 39(21), 2714-2742; Andersen & Perme (2010),
    Statistical Methods in Medical Research 19(1), 71-99.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.normal(size=4000)
    >>> d = rng.exponential(12 / np.exp(x)); c = rng.uniform(0, 30, 4000)
    >>> true = 1 - np.exp(-6 / 12 * np.exp(x))       # P(exit by 6 | x), the truth
    >>> cal = survival.horizon_calibration(true, np.minimum(d, c), (d <= c).astype(int), t=6)
    >>> bool(abs(cal.slope - 1) < 0.1 and cal.ici < 0.02)
    True
    """
    caller = "horizon_calibration"
    d, e = _outcomes(duration, event, caller)
    p = _scores(risk_at_t, d.size, "risk_at_t", caller).ravel()
    if bad := int(((p < 0) | (p > 1)).sum()):
        raise ValidationError(f"{caller}: risk_at_t must be probabilities in [0, 1]; {bad:,} of {p.size:,} "
                              "customers are not (pass 1 - S(t | x), not a linear predictor)")
    if not t > 0:
        raise ValidationError(f"{caller}: t must be > 0; got {t}")
    y = km_pseudo_values(d, e, t)
    return _calibration(p, y, float(1.0 - _km_at(d, e, np.array([t]))[0]), float(t), caller)


def _calibration(p: np.ndarray, y: np.ndarray, observed: float, t: float, caller: str) -> HorizonCalibration:
    """The calibration line and ICI/E50/E90 of predictions ``p`` against pseudo-values ``y`` at horizon t."""
    if np.ptp(p) < 1e-12:
        warnings.warn(f"{caller}: all {p.size:,} predictions at t={t:g} are equal; the calibration slope is "
                      "undefined (NaN)", DataWarning, stacklevel=3)
        gap = abs(observed - float(p.mean()))
        return HorizonCalibration(t, float("nan"), float("nan"), gap, gap, gap, observed, float(p.mean()))
    # the calibration line: least squares of the pseudo-values on p (a GEE with identity link, independence)
    intercept, slope = np.linalg.lstsq(np.column_stack([np.ones_like(p), p]), y, rcond=None)[0]
    smooth = np.clip(_loess(p, y), 0.0, 1.0)  # observed P(exit by t) as a smooth of the pseudo-values in p
    gap = np.abs(smooth - p)
    return HorizonCalibration(t, float(intercept), float(slope), float(gap.mean()),
                              float(np.median(gap)), float(np.quantile(gap, 0.9)), observed, float(p.mean()))


def survival_scores(surv: np.ndarray, times: Sequence[float], duration: np.ndarray, event: np.ndarray,
                    horizons: Sequence[float] | None = None, risk: np.ndarray | None = None,
                    tau: float | None = None, train_duration: np.ndarray | None = None,
                    train_event: np.ndarray | None = None) -> pd.DataFrame:
    """The censoring-aware evaluation of one model's predictions as one tidy table: Harrell's and Uno's
    concordance, the time-dependent AUC at each horizon and its integral, the Brier score at each horizon
    and the integrated Brier score over ``times``, and the calibration at each horizon (intercept, slope,
    ICI, E90); beside each value the Kaplan-Meier null model's (every customer predicted the training KM).

    Any model that predicts survival probabilities fits: a Cox or AFT model (``S(t | x)`` on the grid), a
    classifier turned into risks (its P(exit by h | x) at horizon h: ``surv = 1 - p``, one column per
    horizon it was trained for; train it only on customers whose status at h is known, or weight by
    1 / G, else censoring biases it). Competing risks need the cause-specific versions of these metrics
    (an exit for another cause is not a censoring: it stays a control): :func:`cause_specific_auc`,
    :func:`cause_specific_brier_score`, :func:`cause_specific_integrated_brier_score` and
    :func:`competing_concordance`.

    Parameters
    ----------
    surv : ndarray, shape (n, len(times))
        Predicted S(t | x) per customer at each time.
    times : sequence of float
        Increasing times > 0 of the columns of ``surv`` (frame units); the grid of the integrals.
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        1 = left at ``duration``, 0 = censored.
    horizons : sequence of float, optional
        Times (among ``times``) of the AUC, Brier score and calibration rows; default: every time.
    risk : ndarray, shape (n,), optional
        Risk score of the concordance rows (higher = earlier exit); default: minus the restricted mean
        lifetime over [0, max(times)] (the trapezoid of ``surv``, S(0) = 1).
    tau : float, optional
        Truncation time of Uno's concordance; default: the last horizon.
    train_duration, train_event : ndarray, optional
        Training outcomes: the censoring survival G and the null model's KM; default: the scored ones.

    Returns
    -------
    DataFrame
        Columns ``metric``, ``horizon`` (frame units; NaN for Harrell's C), ``value`` and ``km_null``.

    References
    ----------
    Graf et al. (1999), Statistics in Medicine 18, 2529-2545; Uno et al. (2007), JASA 102, 527-537; Uno et al.
    (2011), Statistics in Medicine 30, 1105-1117; Austin, Harrell & van Klaveren (2020), Statistics in Medicine
    39, 2714-2742.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.normal(size=500)
    >>> d = rng.exponential(12 / np.exp(x)); c = rng.uniform(0, 30, 500)
    >>> times = np.arange(1.0, 13.0)
    >>> surv = np.exp(-np.outer(np.exp(x), times) / 12)   # the true model
    >>> table = survival.survival_scores(surv, times, np.minimum(d, c), (d <= c).astype(int), horizons=[6, 12])
    >>> table['metric'].unique().tolist()[:4]
    ['concordance (Harrell)', 'concordance (Uno)', 'time-dependent AUC', 'integrated AUC']
    >>> brier = table.set_index(['metric', 'horizon']).loc[('Brier score', 12.0)]
    >>> bool(brier['value'] < brier['km_null'])   # better than the Kaplan-Meier null model
    True
    """
    caller = "survival_scores"
    d, e = _outcomes(duration, event, caller)
    t = _times(times, caller)
    s = _scores(surv, d.size, "surv", caller, t.size)
    h = t if horizons is None else _times(horizons, caller)
    if missing := [float(x) for x in h if not np.any(np.isclose(t, x, rtol=0, atol=1e-9))]:
        raise ValidationError(f"{caller}: horizons {missing} are not among the times of surv; predict there too")
    cols = [int(np.argmin(np.abs(t - x))) for x in h]
    tau = float(h[-1]) if tau is None else float(tau)
    if risk is None:
        grid = np.r_[0.0, t]
        risk = -np.trapezoid(np.column_stack([np.ones(d.size), s]), grid, axis=1)
    r = _scores(risk, d.size, "risk", caller).ravel()
    if train_duration is None:
        td, te = d, e
    else:
        td, te = _outcomes(train_duration, train_event, caller)
    G = censoring_survival(td, te)
    null = np.broadcast_to(_km_at(td, te, t), s.shape)
    flat = np.zeros(d.size)
    rows = [("concordance (Harrell)", np.nan, _concordance(r, d, e, None, lambda u: 1.0), 0.5)]
    uno = lambda u: 1.0 / max(float(G(np.array([u]))[0]), 1e-8) ** 2  # noqa: E731
    rows.append(("concordance (Uno)", tau, _concordance(r, d, e, tau, uno), 0.5))
    auc = [_auc_at(1 - s[:, k], d, e, t[k], G) for k in range(t.size)]
    for x, k in zip(h, cols, strict=True):
        rows.append(("time-dependent AUC", float(x), auc[k], _auc_at(flat, d, e, t[k], G)))
    mass = -np.diff(np.r_[1.0, _km_at(d, e, t)])
    ok = np.isfinite(auc) & (mass > 0)
    rows.append(("integrated AUC", float(t[-1]),
                 float(np.sum(np.asarray(auc)[ok] * mass[ok]) / mass[ok].sum()) if ok.any() else np.nan, 0.5))
    bs = np.array([_brier_at(s[:, k], d, e, t[k], G) for k in range(t.size)])
    bs0 = np.array([_brier_at(null[:, k], d, e, t[k], G) for k in range(t.size)])
    for x, k in zip(h, cols, strict=True):
        rows.append(("Brier score", float(x), bs[k], bs0[k]))
    span = t[-1] - t[0]
    rows.append(("integrated Brier score", float(t[-1]), float(np.trapezoid(bs, t) / span) if span else bs[0],
                 float(np.trapezoid(bs0, t) / span) if span else bs0[0]))
    for x, k in zip(h, cols, strict=True):
        cal = horizon_calibration(1 - s[:, k], d, e, float(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            cal0 = horizon_calibration(1 - null[:, k], d, e, float(x))
        rows += [("calibration intercept", float(x), cal.intercept, cal0.intercept),
                 ("calibration slope", float(x), cal.slope, cal0.slope),
                 ("ICI", float(x), cal.ici, cal0.ici), ("E90", float(x), cal.e90, cal0.e90)]
    return pd.DataFrame(rows, columns=["metric", "horizon", "value", "km_null"])


def evaluate_model(result, train: pd.DataFrame, test: pd.DataFrame, horizons: Sequence[float] = (12, 24, 36),
                   n_grid: int = 50, tau: float | None = None, metrics: Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """:func:`survival_scores` of a fitted :class:`CoxPH` or :class:`AFT` on a holdout frame: the model
    predicts S(t | x) for the test customers on a grid of ``n_grid`` times from the first to the last horizon
    (and at each horizon), the training frame gives the censoring weights and the null model.

    Left-truncated test rows (``entry`` > 0) are scored as if observed from their start, with a
    :class:`~crmresearch.errors.DataWarning` counting them (as :func:`evaluate_holdout`).

    Parameters
    ----------
    result
        A fitted :class:`CoxPH` or :class:`AFT`.
    train : DataFrame
        Training frame (``duration``, ``event``).
    test : DataFrame
        Holdout frame with the model's covariates.
    horizons : sequence of float, default (12, 24, 36)
        Times of the AUC, Brier and calibration rows (frame units).
    n_grid : int, default 50
        Grid points of the integrated AUC and Brier score.
    tau : float, optional
        Truncation time of Uno's concordance; default: the last horizon.
    metrics : sequence of str, optional
        Keep only these metrics (names as in the ``metric`` column), in the table's order; default: all.

    Returns
    -------
    DataFrame
        ``metric``, ``horizon``, ``value``, ``km_null`` (see :func:`survival_scores`).

    Raises
    ------
    ParameterError
        A name in ``metrics`` that the table does not have.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 600)
    >>> frame = pd.DataFrame({'duration': np.minimum(rng.exponential(30 / np.exp(x)), 48), 'x': x})
    >>> frame['event'] = (frame['duration'] < 48).astype(int)
    >>> fit = survival.cox(frame.iloc[:400], ['x'])
    >>> t = survival.evaluate_model(fit, frame.iloc[:400], frame.iloc[400:], horizons=(12, 24))
    >>> t.set_index(['metric', 'horizon']).loc[('concordance (Uno)', 24.0), 'value'] > 0.55
    np.True_
    >>> survival.evaluate_model(fit, frame.iloc[:400], frame.iloc[400:], horizons=(12, 24),
    ...                         metrics=['concordance (Uno)', 'integrated Brier score'])['metric'].tolist()
    ['concordance (Uno)', 'integrated Brier score']
    """
    _warn_truncated(test, "evaluate_model")
    times = np.unique(np.r_[np.linspace(min(horizons), max(horizons), n_grid), np.asarray(horizons, float)])
    surv, risk = _predict(result, test, times, "evaluate_model")
    table = survival_scores(surv, times, test["duration"].to_numpy(), test["event"].to_numpy(), horizons=horizons,
                            risk=risk, tau=tau, train_duration=train["duration"].to_numpy(),
                            train_event=train["event"].to_numpy())
    if metrics is None:
        return table
    if unknown := [m for m in metrics if m not in set(table["metric"])]:
        raise ParameterError(f"evaluate_model: metrics {unknown} are not in the table; it has "
                             f"{list(dict.fromkeys(table['metric']))}")
    return table[table["metric"].isin(list(metrics))].reset_index(drop=True)


# --- competing risks: cause-specific AUC(t), Brier score and concordance ---------------------------------------


def _competing_outcomes(duration, event, cause, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Durations and cause codes (0 = censored, 1, 2, ... the causes) as arrays; the cause of interest must
    occur among the codes."""
    d = as_numbers(duration, "duration", caller).ravel()
    code = as_numbers(event, "event", caller).ravel()
    if d.size != code.size:
        raise ValidationError(f"{caller}: duration has {d.size:,} values but event {code.size:,}; give one of each per "
                              "customer")
    if bad := int((~np.isfinite(d) | (d < 0)).sum()):
        raise ValidationError(f"{caller}: duration must be finite and >= 0; {bad:,} of {d.size:,} customers are not "
                              "(drop them, with their predictions)")
    if bad := int((~np.isfinite(code) | (code < 0) | (code != np.round(code))).sum()):
        raise ValidationError(f"{caller}: event must hold cause codes 0 (censored), 1, 2, ...; {bad:,} of "
                              f"{code.size:,} customers do not")
    code = code.astype(int)
    if cause == 0:
        raise ValidationError(f"{caller}: cause 0 is the code of censoring; give the code of a cause")
    if not (code == cause).any():
        seen = dict(zip(*np.unique(code, return_counts=True), strict=True))
        raise ValidationError(f"{caller}: event: no customer left for cause {cause!r} (customers by code: "
                              + ", ".join(f"{int(k)}: {int(v):,}" for k, v in seen.items()) + ")")
    return d, code


def _competing_censoring(d: np.ndarray, code: np.ndarray, train_duration, train_event, caller: str):
    """G of the censoring (every exit, of any cause, is an event of the swapped KM), from the training outcomes
    when given."""
    if (train_duration is None) != (train_event is None):
        raise ValidationError(f"{caller}: give both train_duration and train_event, or neither")
    if train_duration is None:
        return censoring_survival(d, (code > 0).astype(int))
    td = as_numbers(train_duration, "train_duration", caller).ravel()
    tc = as_numbers(train_event, "train_event", caller).ravel()
    if td.size != tc.size or not np.all(np.isfinite(td)) or np.any(td < 0) or np.any(~np.isfinite(tc)):
        raise ValidationError(f"{caller}: train_duration and train_event must be finite, one of each per customer")
    return censoring_survival(td, (tc > 0).astype(int))


def cause_specific_auc(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, times: Sequence[float],
                       cause: int = 1, train_duration: np.ndarray | None = None,
                       train_event: np.ndarray | None = None) -> np.ndarray:
    """Cumulative/dynamic time-dependent AUC of one cause with competing causes, IPCW-weighted (Blanche, Dartigues
    & Jacqmin-Gadda 2013, the second definition of controls).

    At each t the cases are the customers who left for ``cause`` by t (weighted 1 / G(T_i-)); the controls are
    everyone else whose status at t is known: still customers after t (weighted 1 / G(t)) and those who left
    for another cause by t (weighted 1 / G(T_j-)). G is the Kaplan-Meier survival of the censoring, every exit
    being an event (exits at t leave before the censorings at t). The AUC is the weighted share of case-control
    pairs ranked right, ties 1/2: R's ``riskRegression::Score(..., cause = k, metrics = "auc",
    cens.model = "km")``.

    Parameters
    ----------
    risk : ndarray, shape (n,) or (n, len(times))
        Risk of the cause per customer, higher = more likely to leave for it (its predicted cumulative
        incidence F_k(t | x), one column per time, or one score).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit (1, 2, ...).
    times : sequence of float
        Increasing times > 0 (frame units).
    cause : int, default 1
        Code of the cause of interest.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate G (a training sample); default: ``duration`` and ``event``.

    Returns
    -------
    ndarray, shape (len(times),)
        AUC at each time (NaN where no case or no control).

    References
    ----------
    Blanche, Dartigues & Jacqmin-Gadda (2013), Statistics in Medicine 32(30), 5381-5397.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 3, 4, 6, 8, 9]), np.array([1, 2, 1, 0, 2, 0])
    >>> survival.cause_specific_auc(np.array([0.9, 0.2, 0.7, 0.5, 0.1, 0.3]), d, e, [5.0]).tolist()
    [1.0]
    """
    caller = "cause_specific_auc"
    d, code = _competing_outcomes(duration, event, cause, caller)
    t = _times(times, caller)
    r = _scores(risk, d.size, "risk", caller)
    r = np.repeat(r.reshape(-1, 1), t.size, axis=1) if r.ndim == 1 else _scores(r, d.size, "risk", caller, t.size)
    G = _competing_censoring(d, code, train_duration, train_event, caller)
    g_left = np.clip(G(d), 1e-8, None)
    out = np.full(t.size, np.nan)
    for k, tk in enumerate(t):
        case = (d <= tk) & (code == cause)
        other = (d <= tk) & (code > 0) & (code != cause)
        alive = d > tk
        if not case.any() or not (other.any() or alive.any()):
            continue
        wc = 1.0 / g_left[case]
        w_ctrl = np.r_[1.0 / g_left[other], np.full(int(alive.sum()), 1.0 / max(float(G(np.array([tk]), left=False)[0]),
                                                                                 1e-8))]
        rc = np.r_[r[other, k], r[alive, k]]
        order = np.argsort(rc, kind="stable")
        rs, cum = rc[order], np.r_[0.0, np.cumsum(w_ctrl[order])]
        below = cum[np.searchsorted(rs, r[case, k], side="left")]
        upto = cum[np.searchsorted(rs, r[case, k], side="right")]
        out[k] = float((wc * (below + 0.5 * (upto - below))).sum() / (wc.sum() * cum[-1]))
    return out


def _cs_brier_at(f: np.ndarray, d: np.ndarray, code: np.ndarray, cause: int, t: float, G) -> float:
    ended = (d <= t) & (code > 0)
    y = ((d <= t) & (code == cause)).astype(float)
    w = np.where(ended, 1.0 / np.clip(G(d), 1e-8, None), 0.0)
    w = np.where(d > t, 1.0 / max(float(G(np.array([t]), left=False)[0]), 1e-8), w)
    return float(np.mean(w * (y - f) ** 2))


def cause_specific_brier_score(cif_at_t: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                               cause: int = 1, train_duration: np.ndarray | None = None,
                               train_event: np.ndarray | None = None) -> float:
    """IPCW Brier score at t of predicted cumulative incidences F_k(t | x) of one cause with competing causes:
    the mean of w_i (1{T_i <= t, cause k} - F_k(t | x_i))^2, w_i = 1 / G(T_i-) for an exit (of any cause) by t,
    1 / G(t) for a customer still there after t, 0 for a censoring by t (R's ``riskRegression::Score(...,
    cause = k, metrics = "brier", cens.model = "km")``).

    Parameters
    ----------
    cif_at_t : ndarray, shape (n,)
        Predicted cumulative incidence of ``cause`` by t per customer.
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit.
    t : float
        Time of the score (frame units).
    cause : int, default 1
        Code of the cause of interest.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate G; default: ``duration`` and ``event``.

    Returns
    -------
    float
        Brier score (0 = perfect).

    References
    ----------
    Graf et al. (1999), Statistics in Medicine 18, 2529-2545; Schoop, Beyersmann, Schumacher & Binder (2011),
    Statistics in Medicine 30(3), 272-288.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 3, 4, 6]), np.array([1, 2, 1, 0])
    >>> round(survival.cause_specific_brier_score(np.array([0.8, 0.1, 0.6, 0.3]), d, e, 5.0), 4)   # (.04+.01+.16+.09)/4
    0.075
    """
    caller = "cause_specific_brier_score"
    d, code = _competing_outcomes(duration, event, cause, caller)
    f = _scores(cif_at_t, d.size, "cif_at_t", caller).ravel()
    return _cs_brier_at(f, d, code, cause, float(t),
                        _competing_censoring(d, code, train_duration, train_event, caller))


def cause_specific_integrated_brier_score(cif: np.ndarray, duration: np.ndarray, event: np.ndarray,
                                          times: Sequence[float], cause: int = 1,
                                          train_duration: np.ndarray | None = None,
                                          train_event: np.ndarray | None = None) -> float:
    """Integrated cause-specific Brier score: the trapezoid of :func:`cause_specific_brier_score` over ``times``
    divided by the span (one time: the Brier score there).

    Parameters
    ----------
    cif : ndarray, shape (n, len(times))
        Predicted cumulative incidence of ``cause`` per customer at each time.
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit.
    times : sequence of float
        Increasing times > 0 (frame units).
    cause : int, default 1
        Code of the cause of interest.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate G; default: ``duration`` and ``event``.

    Returns
    -------
    float
        Mean Brier score over the span.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 3, 4, 6]), np.array([1, 2, 1, 0])
    >>> cif = np.array([[0.5, 0.8], [0.1, 0.1], [0.3, 0.6], [0.2, 0.3]])
    >>> round(survival.cause_specific_integrated_brier_score(cif, d, e, [3.0, 5.0]), 4)
    0.0863
    """
    caller = "cause_specific_integrated_brier_score"
    d, code = _competing_outcomes(duration, event, cause, caller)
    t = _times(times, caller)
    f = _scores(cif, d.size, "cif", caller, t.size)
    G = _competing_censoring(d, code, train_duration, train_event, caller)
    bs = np.array([_cs_brier_at(f[:, k], d, code, cause, tk, G) for k, tk in enumerate(t)])
    return float(np.trapezoid(bs, t) / (t[-1] - t[0])) if t.size > 1 else float(bs[0])


def competing_concordance(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, cause: int = 1,
                          tau: float | None = None, ipcw: bool = True, train_duration: np.ndarray | None = None,
                          train_event: np.ndarray | None = None) -> float:
    """Concordance of a risk of one cause with competing causes (Wolbers et al. 2009; with IPCW weights, Wolbers,
    Blanche, Koller, Witteman & Gerds 2014): over pairs in which i left for ``cause`` at T_i <= ``tau`` and j
    either was still there after T_i (A: T_j > T_i, or censored at T_i) or had left for another cause by T_i
    (B), the (weighted) share with risk_i > risk_j, ties in risk 1/2. Weights 1 / (G(T_i-) G(T_i)) for A and
    1 / (G(T_i-) G(T_j-)) for B, G the Kaplan-Meier of the censoring (R's ``pec::cindex(..., cause = k,
    cens.model = "marginal")``); ``ipcw=False``: every pair weighs 1 (Wolbers et al. 2009).

    Parameters
    ----------
    risk : ndarray, shape (n,)
        Risk of the cause per customer, higher = more likely to leave for it (e.g. F_k(tau | x)).
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit.
    cause : int, default 1
        Code of the cause of interest.
    tau : float, optional
        Only customers who left for the cause by ``tau`` are cases; default: all.
    ipcw : bool, default True
        Weight the pairs by the inverse censoring probabilities.
    train_duration, train_event : ndarray, optional
        Outcomes that estimate G; default: ``duration`` and ``event``.

    Returns
    -------
    float
        Concordance (0.5 = random, 1 = perfect ranking).

    References
    ----------
    Wolbers, Koller, Witteman & Steyerberg (2009), Epidemiology 20(4), 555-561; Wolbers, Blanche, Koller,
    Witteman & Gerds (2014), Biostatistics 15(3), 526-539.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 3, 4, 6, 8]), np.array([1, 2, 1, 0, 1])
    >>> survival.competing_concordance(np.array([0.9, 0.1, 0.7, 0.8, 0.6]), d, e, ipcw=False)   # 7 of 8 pairs
    0.875
    """
    caller = "competing_concordance"
    d, code = _competing_outcomes(duration, event, cause, caller)
    r = _scores(risk, d.size, "risk", caller).ravel()
    G = _competing_censoring(d, code, train_duration, train_event, caller)
    g_left = np.clip(G(d), 1e-8, None) if ipcw else np.ones(d.size)
    g_at = np.clip(G(d, left=False), 1e-8, None) if ipcw else np.ones(d.size)
    cases = np.flatnonzero((code == cause) & (d <= (np.inf if tau is None else float(tau))))
    other = (code > 0) & (code != cause)
    num = den = 0.0
    for chunk in np.array_split(cases, max(1, cases.size // 256)):
        di, ri = d[chunk, None], r[chunk, None]
        a = (d[None, :] > di) | ((d[None, :] == di) & (code[None, :] == 0))
        b = ~a & other[None, :] & (d[None, :] <= di)
        w = np.where(a, 1.0 / (g_left[chunk, None] * g_at[chunk, None]),
                     np.where(b, 1.0 / (g_left[chunk, None] * g_left[None, :]), 0.0))
        w[np.arange(chunk.size), chunk] = 0.0
        num += float((w * ((ri > r[None, :]) + 0.5 * (ri == r[None, :]))).sum())
        den += float(w.sum())
    return num / den if den > 0 else float("nan")


# --- competing risks: calibration of a cause's cumulative incidence at a horizon -------------------------------
def _aalen_johansen_at(n_k: np.ndarray, d_k: np.ndarray, c_k: np.ndarray) -> np.ndarray:
    """Aalen-Johansen F_k(t) from risk-set sizes ``n_k``, exits of any cause ``d_k`` and of the cause ``c_k`` at
    the exit times up to t, one row per (leave-one-out) sample: sum over s of S(s-) c(s) / n(s)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_all = np.where(n_k > 0, d_k / n_k, 0.0)
        hazard_cause = np.where(n_k > 0, c_k / n_k, 0.0)
    s_before = np.cumprod(np.concatenate([np.ones((n_k.shape[0], 1)), 1.0 - hazard_all[:, :-1]], axis=1), axis=1)
    return (s_before * hazard_cause).sum(axis=1)


def _aj_counts(d: np.ndarray, code: np.ndarray, t: float, cause: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exit times up to t, and at each the risk-set size, the exits of any cause and those of ``cause``."""
    times = np.unique(d[(code > 0) & (d <= t)])
    n_k = (d.size - np.searchsorted(np.sort(d), times, side="left")).astype(float)
    at = np.searchsorted(times, d)
    exits = (code > 0) & (d <= t)
    d_k = np.bincount(at[exits], minlength=times.size).astype(float)
    c_k = np.bincount(at[exits & (code == cause)], minlength=times.size).astype(float)
    return times, n_k, d_k, c_k


def cif_pseudo_values(duration: np.ndarray, event: np.ndarray, t: float, cause: int = 1) -> np.ndarray:
    """Jackknife pseudo-observations of a cause's cumulative incidence F_k(t) from the Aalen-Johansen estimator
    (Andersen, Klein & Rosthøj 2003): n F_k(t) - (n - 1) F_k,-i(t); their mean given x estimates
    P(exit for cause k by t | x) under censoring independent of x. Exact leave-one-out; customers with the same
    time and code share one computation.

    Parameters
    ----------
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit.
    t : float
        Horizon (frame units).
    cause : int, default 1
        Code of the cause of interest.

    Returns
    -------
    ndarray, shape (n,)
        One pseudo-value per customer (may lie outside [0, 1]); equal to R's ``prodlim::jackknife(...,
        cause = k)``.

    References
    ----------
    Andersen, Klein & Rosthøj (2003), Biometrika 90(1), 15-27; Andersen & Perme (2010), Statistical Methods in
    Medical Research 19(1), 71-99.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> d, e = np.array([2.0, 4, 6, 8]), np.array([1, 2, 1, 0])
    >>> survival.cif_pseudo_values(d, e, 5.0, cause=1).round(3).tolist()   # no censoring by 5: 1{T <= 5, cause 1}
    [1.0, 0.0, 0.0, 0.0]
    """
    caller = "cif_pseudo_values"
    d, code = _competing_outcomes(duration, event, cause, caller)
    if not t > 0:
        raise ValidationError(f"{caller}: t must be > 0; got {t}")
    n = d.size
    times, n_k, d_k, c_k = _aj_counts(d, code, t, cause)
    if times.size == 0:
        return np.zeros(n)
    full = float(_aalen_johansen_at(n_k[None, :], d_k[None, :], c_k[None, :])[0])
    # leave customer i out: one fewer at risk at every exit time up to T_i, and its own exit removed
    groups, inverse = np.unique(np.column_stack([np.minimum(d, np.nextafter(t, np.inf)), code * (d <= t)]), axis=0,
                                return_inverse=True)
    loo = np.empty(groups.shape[0])
    for start in range(0, groups.shape[0], 256):
        g = groups[start:start + 256]
        gd, gc = g[:, 0:1], g[:, 1:2]
        on = times[None, :] == gd
        n_g = n_k[None, :] - (times[None, :] <= gd)
        d_g = d_k[None, :] - (on & (gc > 0))
        c_g = c_k[None, :] - (on & (gc == cause))
        loo[start:start + 256] = _aalen_johansen_at(n_g, d_g, c_g)
    return n * full - (n - 1) * loo[inverse.ravel()]


def cause_specific_calibration(cif_at_t: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                               cause: int = 1) -> HorizonCalibration:
    """Calibration of predicted cumulative incidences F_k(t | x) of one cause at horizon ``t`` with competing
    causes, from Aalen-Johansen pseudo-observations (:func:`cif_pseudo_values`): the calibration line
    (intercept, slope) and ICI/E50/E90, as :func:`horizon_calibration` does for P(exit by t).

    Parameters
    ----------
    cif_at_t : ndarray, shape (n,)
        Predicted cumulative incidence of ``cause`` by t per customer, in [0, 1].
    duration : ndarray, shape (n,)
        Observed times (frame units).
    event : ndarray, shape (n,)
        0 = censored, else the code of the cause of the exit.
    t : float
        Horizon (frame units).
    cause : int, default 1
        Code of the cause of interest.

    Returns
    -------
    HorizonCalibration
        ``observed`` is the Aalen-Johansen F_k(t) of the scored customers.

    References
    ----------
    Andersen & Perme (2010); Austin, Putter, Giardiello & van Klaveren (2022), Diagnostic and Prognostic
    Research 6, 2 (calibration of competing-risks models).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.normal(size=4000)
    >>> h1, h2 = 0.1 * np.exp(x), 0.1
    >>> t = rng.exponential(1 / (h1 + h2)); first = rng.uniform(size=4000) < h1 / (h1 + h2)
    >>> c = rng.uniform(0, 30, 4000); e = np.where(t <= c, np.where(first, 1, 2), 0)
    >>> true = h1 / (h1 + h2) * (1 - np.exp(-(h1 + h2) * 6))      # F_1(6 | x), the truth
    >>> cal = survival.cause_specific_calibration(true, np.minimum(t, c), e, t=6, cause=1)
    >>> bool(abs(cal.slope - 1) < 0.1 and cal.ici < 0.02)
    True
    """
    caller = "cause_specific_calibration"
    d, code = _competing_outcomes(duration, event, cause, caller)
    p = _scores(cif_at_t, d.size, "cif_at_t", caller).ravel()
    if bad := int(((p < 0) | (p > 1)).sum()):
        raise ValidationError(f"{caller}: cif_at_t must be probabilities in [0, 1]; {bad:,} of {p.size:,} "
                              "customers are not (pass the predicted cumulative incidence of the cause by t)")
    y = cif_pseudo_values(d, code, t, cause)
    times, n_k, d_k, c_k = _aj_counts(d, code, float(t), cause)
    observed = float(_aalen_johansen_at(n_k[None, :], d_k[None, :], c_k[None, :])[0]) if times.size else 0.0
    return _calibration(p, y, observed, float(t), caller)
