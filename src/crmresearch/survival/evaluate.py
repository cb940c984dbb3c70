"""Out-of-sample evaluation of survival models: concordance, time-dependent AUC, integrated Brier score."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataWarning, ValidationError

__all__ = ["brier_score", "censoring_survival", "evaluate_holdout", "time_dependent_auc"]


def censoring_survival(duration: np.ndarray, event: np.ndarray):
    """Kaplan-Meier estimate G(t) of the censoring distribution (events and censorings swapped);
    returns a function t -> G(t-) used for inverse-probability-of-censoring weights."""
    from lifelines import KaplanMeierFitter

    f = KaplanMeierFitter().fit(duration, 1 - np.asarray(event))
    times = f.survival_function_.index.to_numpy()
    values = f.survival_function_.iloc[:, 0].to_numpy()

    def G(t: np.ndarray, left: bool = True) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        idx = np.searchsorted(times, t, side="left" if left else "right") - 1
        return np.where(idx >= 0, values[np.clip(idx, 0, None)], 1.0)

    return G


def time_dependent_auc(risk: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                       train_duration: np.ndarray, train_event: np.ndarray) -> float:
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
    train_duration : ndarray
        Training durations (censoring weights).
    train_event : ndarray
        Training events.

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
    G = censoring_survival(train_duration, train_event)
    risk, d, e = (np.asarray(a, dtype=float) for a in (risk, duration, event))
    case = (d <= t) & (e == 1)
    control = d > t
    if not case.any() or not control.any():
        return float("nan")
    w = 1.0 / np.clip(G(d[case]), 1e-8, None)
    ctrl = np.sort(risk[control])
    below = np.searchsorted(ctrl, risk[case], side="left")
    ties = np.searchsorted(ctrl, risk[case], side="right") - below
    return float((w * (below + 0.5 * ties)).sum() / (w.sum() * ctrl.size))


def brier_score(surv_at_t: np.ndarray, duration: np.ndarray, event: np.ndarray, t: float,
                train_duration: np.ndarray, train_event: np.ndarray) -> float:
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
    train_duration : ndarray
        Training durations (for the censoring distribution).
    train_event : ndarray
        Training events.

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
    G = censoring_survival(train_duration, train_event)
    s, d, e = (np.asarray(a, dtype=float) for a in (surv_at_t, duration, event))
    died = (d <= t) & (e == 1)
    alive = d > t
    w_died = 1.0 / np.clip(G(d), 1e-8, None)
    w_alive = 1.0 / max(float(G(np.array([t]), left=False)[0]), 1e-8)
    return float(np.mean(np.where(died, s**2 * w_died, 0.0) + np.where(alive, (1 - s) ** 2 * w_alive, 0.0)))


def evaluate_holdout(result, train: pd.DataFrame, test: pd.DataFrame, horizons: Sequence[float] = (12, 24, 36),
                     n_grid: int = 50) -> pd.DataFrame:
    """Holdout metrics of a fitted :func:`cox` (or :func:`aft`) result: Harrell's concordance, the
    time-dependent AUC at each horizon and the integrated Brier score over (min, max horizon].

    Returns a tidy table: ``metric``, ``horizon``, ``value``.

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


    if "entry" in test and (n_late := int((test["entry"] > 0).sum())):
        warnings.warn(f"evaluate_holdout: {n_late:,} of {len(test):,} test rows are left-truncated (entry > 0); "
                      "concordance, AUC and Brier score treat them as observed from their start", DataWarning,
                      stacklevel=2)
    X_test = model_frame(result, test, "evaluate_holdout")
    times = np.linspace(min(horizons), max(horizons), n_grid)
    # lifelines groups stratified predictions by stratum: realign the columns to the customers
    sf = result.model_.predict_survival_function(X_test, times=times)
    surv = sf[X_test.index].to_numpy().T  # (n, len(times))
    grid0 = np.linspace(0, max(horizons), 4 * n_grid)
    s0 = result.model_.predict_survival_function(X_test, times=grid0)[X_test.index].to_numpy().T
    risk = -np.trapezoid(s0, grid0, axis=1)  # minus the restricted mean lifetime: higher = riskier
    d, e = test["duration"].to_numpy(), test["event"].to_numpy()
    td, te = train["duration"].to_numpy(), train["event"].to_numpy()
    rows = [{"metric": "concordance (Harrell)", "horizon": np.nan,
             "value": float(concordance_index(d, -risk, e))}]
    for h in horizons:
        j = int(np.argmin(np.abs(times - h)))
        rows.append({"metric": "time-dependent AUC", "horizon": float(h),
                     "value": time_dependent_auc(1 - surv[:, j], d, e, h, td, te)})
    bs = np.array([brier_score(surv[:, j], d, e, t, td, te) for j, t in enumerate(times)])
    ibs = float(np.trapezoid(bs, times) / (times[-1] - times[0])) if times[-1] > times[0] else float(bs[0])
    rows.append({"metric": "integrated Brier score", "horizon": float(max(horizons)), "value": ibs})
    return pd.DataFrame(rows)


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
