"""Forecasts for customers not yet acquired: the expected repeat purchases of cohorts that join at given
times, and the lifetime value of a customer at acquisition, with delta-method intervals from the fitted
parameters' covariance.

Any purchase model with ``expected_purchases_new`` works (:class:`~crmresearch.clv.BetaGeoNBD`,
:class:`~crmresearch.clv.ModifiedBetaGeoNBD`, :class:`~crmresearch.clv.ParetoNBD`,
:class:`~crmresearch.clv.BetaGeoBetaBinom` in opportunities, and the covariate models with the new
customers' covariates ``X``). The intervals reflect the estimation uncertainty of the population
parameters (delta method: central differences of the forecast in each parameter, with the model's
``variance_matrix_``), not the randomness of the future customers' purchases. Parameters whose variance is
not finite (held at a limit of the model, or a constant covariate's coefficient held at 0) are treated
as fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtri

from ..errors import ValidationError
from .value import _variance

__all__ = ["new_customer_purchases", "new_customer_value"]


def _moved(model: Any, k: int, value: float) -> Any:
    """A shallow copy of a fitted model with parameter k set to ``value``."""
    out = model.__class__.__new__(model.__class__)
    out.__dict__.update(model.__dict__)
    theta = model.params_.to_numpy(dtype=float).copy()
    theta[k] = value
    out.params_ = pd.Series(theta, index=model.params_.index, name=model.params_.name)
    return out


def _gradient(model: Any, fn: Callable[[Any], np.ndarray], rel_step: float) -> tuple[np.ndarray, np.ndarray]:
    """d fn / d theta_k (central differences, step rel_step |theta_k|) for the parameters with a finite variance;
    returns (gradient columns, their covariance)."""
    V = _variance(model).to_numpy(dtype=float)  # at a limit: the reduced model's, the held coordinates fixed
    theta = model.params_.to_numpy(dtype=float)
    free = [k for k in range(theta.size) if np.isfinite(V[k, k]) and V[k, k] > 0]
    free = [k for k in free if np.isfinite(V[k, free]).all()]
    cols = []
    for k in free:
        h = rel_step * (abs(theta[k]) if theta[k] != 0 else 1.0)
        up = np.asarray(fn(_moved(model, k, theta[k] + h)), dtype=float)
        dn = np.asarray(fn(_moved(model, k, theta[k] - h)), dtype=float)
        cols.append((up - dn) / (2 * h))
    G = np.column_stack(cols) if cols else np.zeros((np.size(fn(model)), 0))
    return G, V[np.ix_(free, free)]


def _check_model(model: Any, caller: str) -> None:
    if not hasattr(model, "expected_purchases_new"):
        raise ValidationError(f"{caller}: {type(model).__name__} has no expected_purchases_new (a purchase "
                              "model of crmresearch.clv is needed: BetaGeoNBD, ModifiedBetaGeoNBD, ParetoNBD, "
                              "BetaGeoBetaBinom or a covariate model)")
    model._check_fitted(caller)
    if not hasattr(model, "variance_matrix_"):
        raise ValidationError(f"{caller}: {type(model).__name__} has no variance_matrix_ (refit with covariance)")


def _new(model: Any, t: np.ndarray, X: pd.DataFrame | None) -> np.ndarray:
    """E[X(t)] of a new customer, one column per row of X (or one column without covariates)."""
    t = np.asarray(t, dtype=float)
    if X is None:
        return np.asarray(model.expected_purchases_new(t), dtype=float)
    return np.asarray(model.expected_purchases_new(t[..., None], X), dtype=float)


def new_customer_purchases(model: Any, joins: ArrayLike, times: ArrayLike, sizes: ArrayLike | None = None,
                           X: pd.DataFrame | None = None, alpha: float = 0.05,
                           rel_step: float = 1e-4) -> pd.DataFrame:
    """Expected cumulative repeat purchases, at calendar ``times``, of cohorts that join at ``joins``.

    A customer who joins at t_j has made E[X(t - t_j)] repeat purchases by time t (0 before joining;
    ``expected_purchases_new`` of the model); a cohort of N_j customers N_j times that. The table sums the
    cohorts and gives the delta-method (1 - alpha) interval of the sum from the model's parameter covariance
    (log scale, never below 0).

    Parameters
    ----------
    model : fitted purchase model
        Any model of :mod:`crmresearch.clv` with ``expected_purchases_new``, ``params_`` and ``variance_matrix_``.
    joins : array-like, shape (n_cohorts,)
        Join (first-purchase) time of each cohort on the calendar clock, in the model's time unit (BG/BB:
        opportunities).
    times : array-like, shape (n_times,)
        Calendar times at which to count, same clock and unit.
    sizes : array-like, shape (n_cohorts,), optional
        Customers joining at each time N_j; None: 1 each (one new customer per join time).
    X : DataFrame, shape (n_cohorts, n_covariates), optional
        The cohorts' covariates (covariate models only).
    alpha : float, default 0.05
        Significance level of the intervals.
    rel_step : float, default 1e-4
        Relative step of the central differences in the parameters.

    Returns
    -------
    DataFrame
        Indexed by ``time``: ``expected_purchases`` (cumulative, count), ``std_error``, ``ci_lower``,
        ``ci_upper`` and ``per_period`` (the increase since the previous time); ``attrs['method']`` says how the
        intervals were made.

    Raises
    ------
    ValidationError
        A model without new-customer forecasts, sizes of another length than joins, negative sizes, or
        times and joins that are not finite.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way. Marketing
    Science 24(2), 275-284, eq. (9) and the cohort forecasts of section 4.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30')
    >>> bg = clv.BetaGeoNBD().fit(s['frequency'], s['recency'], s['T'])
    >>> f = clv.new_customer_purchases(bg, joins=[0, 4, 8], times=[13, 26, 52], sizes=[100, 100, 100])
    >>> f.columns.tolist()
    ['expected_purchases', 'std_error', 'ci_lower', 'ci_upper', 'per_period']
    >>> bool((f['ci_lower'] < f['expected_purchases']).all())
    True
    """
    caller = "new_customer_purchases"
    _check_model(model, caller)
    starts = np.atleast_1d(np.asarray(joins, dtype=float))
    at = np.atleast_1d(np.asarray(times, dtype=float))
    n = np.ones(starts.size) if sizes is None else np.atleast_1d(np.asarray(sizes, dtype=float))
    if starts.ndim != 1 or at.ndim != 1 or n.shape != starts.shape:
        raise ValidationError(f"{caller}: joins ({starts.size}) and sizes ({n.size}) must be 1-d and of equal length; "
                              "times 1-d")
    if not (np.isfinite(starts).all() and np.isfinite(at).all()):
        raise ValidationError(f"{caller}: {int((~np.isfinite(starts)).sum())} join times and "
                              f"{int((~np.isfinite(at)).sum())} times are missing or infinite")
    if (n < 0).any() or not np.isfinite(n).all():
        raise ValidationError(f"{caller}: {int(((n < 0) | ~np.isfinite(n)).sum())} of {n.size} cohort sizes are "
                              "negative or not finite")
    if X is not None and len(X) != starts.size:
        raise ValidationError(f"{caller}: X needs one row per cohort ({starts.size}); got {len(X)}")
    age = np.clip(at[:, None] - starts[None, :], 0, None)  # (times, cohorts)

    def total(m: Any) -> np.ndarray:
        if X is None:
            per = np.asarray(m.expected_purchases_new(age), dtype=float)
        else:
            per = np.column_stack([np.asarray(m.expected_purchases_new(age[:, j], X.iloc[np.full(at.size, j)]),
                                              dtype=float) for j in range(starts.size)])
        return (np.where(age > 0, per, 0.0) * n[None, :]).sum(axis=1)

    value = total(model)
    G, V = _gradient(model, total, rel_step)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", G, V, G), 0, None))
    lo, hi = _log_interval(value, se, alpha)
    out = pd.DataFrame({"expected_purchases": value, "std_error": se, "ci_lower": lo, "ci_upper": hi,
                        "per_period": np.diff(np.r_[0.0, value])}, index=pd.Index(at, name="time"))
    out.attrs["method"] = ("delta method: central differences in the parameters with the model's variance_matrix_ "
                           "(estimation uncertainty of the population parameters)")
    return out


def _log_interval(v: np.ndarray, se: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """value x exp(-+z se / value): the interval on the log scale, never below 0 (the value itself where 0)."""
    z = ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(v > 0, np.exp(z * se / np.where(v > 0, v, 1.0)), 1.0)
    return v / spread, v * spread


def new_customer_value(model: Any, spend: Any, horizon: float = 52.0, discount_rate: float = 0.0,
                       margin: float = 1.0, steps: int | None = None, X: pd.DataFrame | None = None,
                       alpha: float = 0.05, rel_step: float = 1e-4) -> pd.DataFrame:
    """Lifetime value of a customer at acquisition, over ``horizon``, with a delta-method interval.

    The horizon is cut into ``steps`` periods (default one per time unit); the expected repeat purchases of
    each period (differences of ``expected_purchases_new``) times the expected spend per purchase of a new
    customer and ``margin``, discounted at ``discount_rate`` per period (paid at the period's end), as
    :func:`~crmresearch.clv.clv` does for existing customers. With a Gamma-Gamma ``spend`` its population mean
    p v / (q - 1) is the spend, and its parameters' uncertainty enters the interval (a block independent of
    the purchase model's: the two are fitted separately).

    Parameters
    ----------
    model : fitted purchase model
        Any model of :mod:`crmresearch.clv` with ``expected_purchases_new`` and ``variance_matrix_``.
    spend : GammaGamma or float
        Fitted Gamma-Gamma, or a known spend per purchase (currency; no uncertainty).
    horizon : float, default 52.0
        Projection length in the model's time unit.
    discount_rate : float, default 0.0
        Discount rate per period (0 = undiscounted).
    margin : float, default 1.0
        Share of spend kept as margin (0-1).
    steps : int or None, optional
        Periods of the discounted sum; None: one per time unit of ``horizon``.
    X : DataFrame, optional
        Covariates of the new customers (covariate models only): one value per row.
    alpha : float, default 0.05
        Significance level of the intervals.
    rel_step : float, default 1e-4
        Relative step of the central differences in the parameters.

    Returns
    -------
    DataFrame
        One row (or one per row of ``X``): ``expected_purchases`` (over the horizon, undiscounted),
        ``expected_spend``, ``clv``, ``clv_std_error``, ``clv_ci_lower``, ``clv_ci_upper`` (currency);
        ``attrs['method']`` says how the intervals were made.

    Raises
    ------
    ValidationError
        A model without new-customer forecasts, horizon <= 0, margin outside [0, 1] or a negative rate.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30')
    >>> pnbd = clv.ParetoNBD().fit(s['frequency'], s['recency'], s['T'])
    >>> v = clv.new_customer_value(pnbd, spend=35.0, horizon=52, margin=0.3)
    >>> bool(v.loc[0, 'clv_ci_lower'] < v.loc[0, 'clv'] < v.loc[0, 'clv_ci_upper'])
    True
    """
    caller = "new_customer_value"
    _check_model(model, caller)
    if not (horizon > 0 and 0 <= margin <= 1 and discount_rate >= 0):
        raise ValidationError(f"{caller}: horizon must be > 0, margin in [0, 1], discount_rate >= 0; got {horizon}, "
                              f"{margin}, {discount_rate}")
    k = int(steps or max(1, round(horizon)))
    edges = np.linspace(0, horizon, k + 1)
    disc = 1 / (1 + discount_rate) ** np.arange(1, k + 1)

    def path(m: Any) -> tuple[np.ndarray, np.ndarray]:
        cum = np.vstack([np.zeros(1 if X is None else len(X))] +
                        [np.atleast_1d(_new(m, np.array(t), X)) for t in edges[1:]])  # (k + 1, rows)
        return cum[-1], disc @ np.diff(cum, axis=0)

    def mean_spend(g: Any) -> float:
        return float(np.asarray(g.expected_spend(np.zeros(1), np.zeros(1)), dtype=float)[0])

    fitted_spend = hasattr(spend, "expected_spend")
    if fitted_spend:
        spend._check_fitted(caller)
    elif not (np.isfinite(float(spend)) and float(spend) >= 0):
        raise ValidationError(f"{caller}: spend must be a fitted GammaGamma or a number >= 0; got {spend!r}")
    s0 = mean_spend(spend) if fitted_spend else float(spend)
    expected, discounted = path(model)
    value = margin * s0 * discounted
    G, V = _gradient(model, lambda m: margin * s0 * path(m)[1], rel_step)
    var = np.einsum("ij,jk,ik->i", G, V, G)
    if fitted_spend:
        Gs, Vs = _gradient(spend, lambda g: margin * mean_spend(g) * discounted, rel_step)
        var = var + np.einsum("ij,jk,ik->i", Gs, Vs, Gs)
    se = np.sqrt(np.clip(var, 0, None))
    lo, hi = _log_interval(value, se, alpha)
    out = pd.DataFrame({"expected_purchases": expected, "expected_spend": s0, "clv": value, "clv_std_error": se,
                        "clv_ci_lower": lo, "clv_ci_upper": hi}, index=None if X is None else X.index)
    out.attrs["method"] = ("delta method: central differences in the parameters with the models' variance_matrix_ "
                           "(purchase and spend blocks independent)")
    return out


def new_customer_values(models: Mapping[str, Any], spend: Any, horizon: float = 52.0, discount_rate: float = 0.0,
                        margin: float = 1.0, steps: int | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`new_customer_value` of several fitted models, one row each: what a customer acquired today is
    worth under each model of the same customers, with its delta-method interval.

    Parameters
    ----------
    models : mapping of str to fitted model
        Label -> fitted purchase model (e.g. ``compare_models(...).models``).
    spend : GammaGamma or float
        As in :func:`new_customer_value`.
    horizon, discount_rate, margin, steps, alpha
        As in :func:`new_customer_value`.

    Returns
    -------
    DataFrame
        One row per model: ``model`` and :func:`new_customer_value`'s columns.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30')
    >>> fits = {'BG/NBD': clv.BetaGeoNBD().fit(s['frequency'], s['recency'], s['T'])}
    >>> clv.new_customer_values(fits, spend=35.0, margin=0.3)['model'].tolist()
    ['BG/NBD']
    """
    rows = [new_customer_value(m, spend, horizon=horizon, discount_rate=discount_rate, margin=margin, steps=steps,
                               alpha=alpha).assign(model=label) for label, m in models.items()]
    if not rows:
        raise ValidationError("new_customer_values: give at least one fitted model")
    out = pd.concat(rows, ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]
