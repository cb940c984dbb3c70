"""Expected remaining lifetime and survival-based customer lifetime value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..core import progress as progress_
from ..errors import ValidationError

__all__ = ["calibration_at", "survival_clv", "survival_clv_intervals"]


def survival_clv(result, frame: pd.DataFrame, margin: np.ndarray | pd.Series | float, discount_rate: float,
                 horizon: int = 60) -> pd.DataFrame:
    """Expected remaining lifetime and discounted margin of each (active) customer.

    For a customer with current tenure t0 and covariates x, the probability of still being a
    customer k periods ahead is S(t0 + k | x) / S(t0 | x) from the fitted model; the expected
    remaining lifetime over the horizon is the sum of those probabilities (periods), and the CLV
    discounts ``margin`` per period at ``discount_rate`` per period.

    Parameters
    ----------
    result : a fitted :func:`cox` or :func:`aft` result
    frame : survival frame of the customers to value (``duration`` = current tenure)
    margin : margin per period, one value or one per customer (currency)
    discount_rate : per period
    horizon : periods ahead

    Returns
    -------
    DataFrame (same index): ``expected_lifetime`` (periods, within the horizon) and ``clv`` (currency).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); x = rng.integers(0, 2, 300)
    >>> frame = pd.DataFrame({'duration': rng.exponential(24 / np.exp(0.5 * x)), 'event': 1, 'x': x})
    >>> m = survival.cox(frame, ['x'])
    >>> survival.survival_clv(m, frame.head(2), margin=30.0, discount_rate=0.1, horizon=12).columns.tolist()[:3]
    ['expected_lifetime', 'clv']
    """
    from .evaluate import model_frame

    if discount_rate < 0 or horizon < 1:
        raise ValidationError("survival_clv: discount_rate must be >= 0 and horizon >= 1")
    X = model_frame(result, frame, "survival_clv")
    t0 = frame["duration"].to_numpy(dtype=float)
    grid = np.arange(0, horizon + 1, dtype=float)
    # survival on a fine common grid of absolute times, then interpolated at t0 + k
    t_max = float(t0.max() + horizon)
    abs_grid = np.linspace(0, t_max, int(np.ceil(t_max)) * 2 + 1)
    S = result.model_.predict_survival_function(X, times=abs_grid)[X.index].to_numpy().T  # (n, grid)
    cond = np.empty((len(frame), grid.size))
    for i in range(len(frame)):
        s_at = np.interp(t0[i] + grid, abs_grid, S[i])
        cond[i] = s_at / max(s_at[0], 1e-12)
    disc = (1 + discount_rate) ** -grid[1:]
    m = np.broadcast_to(np.asarray(margin, dtype=float), (len(frame),))
    return pd.DataFrame({"expected_lifetime": cond[:, 1:].sum(axis=1),
                         "clv": m * (cond[:, 1:] @ disc)}, index=frame.index)


def survival_clv_intervals(result, train: pd.DataFrame, frame: pd.DataFrame, margin: np.ndarray | pd.Series | float,
                           discount_rate: float, horizon: int = 60, n_boot: int = 50, seed: int = 0,
                           alpha: float = 0.05,
                           progress: bool | Callable[[int, int], Any] | None = None) -> pd.DataFrame:
    """:func:`survival_clv` with (1 - alpha) percentile intervals from a bootstrap of the model.

    The fitted model (a :class:`CoxPH` or :class:`AFT`) is cloned with its settings and refitted on
    ``n_boot`` resamples of ``train`` (customers drawn with replacement, seeded), so the intervals
    carry the uncertainty of the coefficients and of the baseline hazard together; each refit values
    the same customers of ``frame``. Resamples whose refit fails are counted in
    ``attrs["failed_resamples"]``.

    Returns :func:`survival_clv`'s table plus ``clv_ci_lower`` and ``clv_ci_upper``; ``attrs["total"]``
    holds estimate, std_error (bootstrap), ci_lower and ci_upper of the summed CLV.

    Parameters
    ----------
    result
        A fitted :class:`CoxPH` or :class:`AFT`.
    train : DataFrame
        The frame it was fitted on (resampled).
    frame : DataFrame
        Customers to value.
    margin : ndarray or Series or float
        Margin per customer and month (currency units): one number or one per customer.
    discount_rate : float
        Discount rate per month.
    horizon : int, default 60
        Months valued.
    n_boot : int, default 50
        Bootstrap resamples.
    seed : int, default 0
        Random seed.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    progress : bool or callable or None, optional
        A progress bar of the refits (:mod:`crmresearch.core.progress`); None: shown in an interactive
        JupyterLab run, silent in batch runs.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1)
    >>> x = rng.integers(0, 2, 300)
    >>> frame = pd.DataFrame({'duration': np.minimum(rng.exponential(40 / np.exp(x)), 36), 'x': x})
    >>> frame['event'] = (frame['duration'] < 36).astype(int)
    >>> fit = survival.cox(frame, ['x'])
    >>> values = survival.survival_clv_intervals(fit, frame, frame.head(3), margin=10.0, discount_rate=0.01, n_boot=20)
    >>> bool((values['clv_ci_lower'] <= values['clv']).all() and (values['clv'] <= values['clv_ci_upper']).all())
    True
    >>> sorted(values.attrs['total'])
    ['ci_lower', 'ci_upper', 'estimate', 'std_error']
    """
    from ..core.base import Estimator
    from ..errors import CRMResearchError

    if not isinstance(result, Estimator) or not hasattr(result, "model_"):
        raise ValidationError("survival_clv_intervals: result must be a fitted survival.CoxPH or survival.AFT")
    if n_boot < 10:
        raise ValidationError(f"survival_clv_intervals: n_boot must be >= 10; got {n_boot}")
    base = survival_clv(result, frame, margin, discount_rate, horizon)
    rng = np.random.default_rng(seed)
    draws, failed = [], 0
    with progress_.tracker(n_boot, "survival CLV bootstrap", "refits", progress) as bar:
        for _ in range(n_boot):
            sample = train.iloc[rng.integers(0, len(train), len(train))]
            try:
                refit = type(result)(**result.get_params(deep=False))
                refit._predict_only = True  # a Cox refit skips its PH test and concordance (not used here)
                refit = refit.fit(sample)
                draws.append(survival_clv(refit, frame, margin, discount_rate, horizon)["clv"].to_numpy())
            except (CRMResearchError, ValueError, np.linalg.LinAlgError):
                failed += 1
            bar.update()
    if len(draws) < max(10, n_boot // 2):
        raise ValidationError(f"survival_clv_intervals: {failed} of {n_boot} refits failed; too few to form intervals")
    D = np.array(draws)
    lo, hi = np.percentile(D, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    out = base.assign(clv_ci_lower=lo, clv_ci_upper=hi)
    totals = D.sum(axis=1)
    t_lo, t_hi = np.percentile(totals, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    out.attrs["total"] = {"estimate": float(base["clv"].sum()), "std_error": float(totals.std(ddof=1)),
                          "ci_lower": float(t_lo), "ci_upper": float(t_hi)}
    out.attrs["failed_resamples"] = failed
    return out


def calibration_at(result, frame: pd.DataFrame, t: float, bins: int = 10) -> pd.DataFrame:
    """Calibration of predicted survival at time ``t`` (frame units): customers grouped into
    ``bins`` quantile groups of predicted P(event by t) = 1 - S(t | x); per group the mean
    prediction and the observed share with the event by t, by Kaplan-Meier within the group (so
    censored customers count correctly). ``attrs["ici"]`` is the customer-weighted mean absolute
    gap (integrated calibration index over groups) and ``attrs["max_gap"]`` the largest.

    Parameters
    ----------
    result
        A fitted :class:`CoxPH` or :class:`AFT`.
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    t : float
        Time (frame units).
    bins : int, default 10
        Quantile groups.

    Returns
    -------
    DataFrame
        One row per group: customers, predicted and observed P(event by t).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); x = rng.integers(0, 2, 400)
    >>> frame = pd.DataFrame({'duration': rng.exponential(24 / np.exp(0.5 * x)), 'event': 1, 'x': x})
    >>> survival.calibration_at(survival.cox(frame, ['x']), frame, t=12, bins=2).columns.tolist()[:3]
    ['group', 'customers', 'events']
    """
    from lifelines import KaplanMeierFitter

    from .evaluate import model_frame

    if not t > 0:
        raise ValidationError(f"calibration_at: t must be > 0; got {t}")
    X = model_frame(result, frame, "calibration_at")
    pred = 1 - result.model_.predict_survival_function(X, times=[t])[X.index].to_numpy().ravel()
    groups = pd.qcut(pd.Series(pred).rank(method="first"), q=min(bins, len(pred)), labels=False).to_numpy()
    rows = []
    for g in np.unique(groups):
        m = groups == g
        km = KaplanMeierFitter().fit(frame["duration"].to_numpy()[m], frame["event"].to_numpy()[m])
        rows.append({"group": int(g) + 1, "customers": int(m.sum()), "events": int(frame["event"].to_numpy()[m].sum()),
                     "mean_predicted": float(pred[m].mean()),
                     "observed": float(1 - km.survival_function_at_times(t).iloc[0])})
    out = pd.DataFrame(rows)
    gap = (out["observed"] - out["mean_predicted"]).abs()
    out.attrs["ici"] = float(np.average(gap, weights=out["customers"]))
    out.attrs["max_gap"] = float(gap.max())
    return out
