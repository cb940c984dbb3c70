"""Forecasting call arrivals per interval, evaluated by rolling origin.

A day of intervals is one row of a *day matrix* (rows: observed days, columns: time-of-day slots).
Four methods forecast whole days ahead:

- ``seasonal_naive``: the same slot on the most recent observed day with the same weekday;
- ``profile``: the mean of that slot over the last ``weeks`` same-weekday days;
- ``harmonic``: a Poisson regression (statsmodels GLM, log link) on weekday, a linear trend and
  ``harmonics`` Fourier pairs of the time of day, each pair allowed to differ by weekday;
- ``ets``: daily totals, divided by a weekday index, forecast by exponential smoothing with a damped
  additive trend (statsmodels), times the weekday's intraday shares over the last ``weeks`` weeks.

Each forecast carries a predictive distribution for the count of an interval: negative binomial with
the forecast as mean and variance ``mu + k mu^2`` (``k = 0``: Poisson), ``k`` estimated by moments from
the method's errors on its own history. Accuracy is reported as MAE, RMSE and MASE (scaled by the
in-sample MAE of the weekly seasonal naive, Hyndman & Koehler 2006) and as the coverage of the
central prediction intervals.

References
----------
Hyndman, R. J. and Athanasopoulos, G. (2021). Forecasting: Principles and Practice, 3rd ed.
(rolling-origin evaluation; the ``bank_calls`` data). Hyndman, R. J. and Koehler, A. B. (2006).
Another look at measures of forecast accuracy. IJF 22(4), 679-688 (MASE).
Ibrahim, R., Ye, H., L'Ecuyer, P. and Shen, H. (2016). Modeling and forecasting call center arrivals:
a literature survey and a case study. IJF 32(3), 865-874.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import schemas
from .._extras import require
from ..core.progress import tracker
from ..errors import ValidationError

__all__ = ["METHODS", "accuracy", "day_matrix", "forecast_days", "mase_scale", "predictive_quantile", "rolling_origin",
           "staffing_backtest"]

METHODS = ("seasonal_naive", "profile", "harmonic", "ets")


def day_matrix(calls: pd.DataFrame, time: str = "datetime", calls_col: str = "calls") -> pd.DataFrame:
    """Calls per interval as a matrix: one row per observed day (index: the date), one column per
    time-of-day slot ("HH:MM"). Every day must have the same slots; a day with missing or extra
    intervals is an error naming the days and the count of intervals, never filled in silently.

    Parameters
    ----------
    calls : DataFrame
        One row per interval: a timestamp and a count.
    time : str, default 'datetime'
        Timestamp column (interval start).
    calls_col : str, default 'calls'
        Count column (calls per interval).

    Returns
    -------
    DataFrame
        Calls per interval: rows are days (index: date), columns time-of-day slots "HH:MM".

    Raises
    ------
    ValidationError
        A missing column, counts that are not whole numbers >= 0, repeated intervals, or days lacking some
        slots; the message counts them.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.service import forecast
    >>> stamps = ["2024-01-01 09:00", "2024-01-01 09:05", "2024-01-02 09:00", "2024-01-02 09:05"]
    >>> calls = pd.DataFrame({"datetime": pd.to_datetime(stamps), "calls": [3, 4, 5, 6]})
    >>> forecast.day_matrix(calls).values.tolist()
    [[3.0, 4.0], [5.0, 6.0]]
    """
    for col in (time, calls_col):
        if col not in calls.columns:
            raise ValidationError(f"day_matrix: missing column '{col}'; the table has {list(calls.columns)}")
    ts = schemas.date_column(calls, time, "day_matrix")
    counts = pd.to_numeric(calls[calls_col], errors="coerce")
    bad = counts.isna() | (counts < 0) | ~np.isfinite(counts.fillna(0))
    if bad.any():
        raise ValidationError(f"day_matrix: column '{calls_col}' has {int(bad.sum())} rows that are not a count >= 0")
    frame = pd.DataFrame({"date": ts.dt.normalize(), "slot": ts.dt.strftime("%H:%M"), "calls": counts.to_numpy()})
    dup = frame.duplicated(["date", "slot"])
    if dup.any():
        raise ValidationError(f"day_matrix: {int(dup.sum())} rows repeat an interval already in column '{time}'")
    wide = frame.pivot(index="date", columns="slot", values="calls").sort_index()
    holes = wide.isna().sum(axis=1)
    if holes.any():
        days = [d.strftime("%Y-%m-%d") for d in holes[holes > 0].index[:5]]
        raise ValidationError(f"day_matrix: {int((holes > 0).sum())} days lack some of the {wide.shape[1]} slots "
                              f"({int(holes.sum())} intervals missing, e.g. {days}); give every day the same "
                              "intervals (zeros where no call came)")
    wide.columns.name = None
    return wide.astype(float)


def _nb_k(y: np.ndarray, mu: np.ndarray) -> float:
    """Moment estimate of k in Var = mu + k mu^2 from counts ``y`` and their forecasts ``mu``."""
    ok = np.isfinite(mu) & (mu > 0)
    if not ok.any():
        return 0.0
    return float(max(0.0, (((y[ok] - mu[ok]) ** 2 - mu[ok]).sum()) / (mu[ok] ** 2).sum()))


def predictive_quantile(mean: Any, k: Any, q: float) -> np.ndarray:
    """The ``q`` quantile of a count with mean ``mean`` and variance ``mean + k mean^2`` (negative
    binomial; Poisson where ``k = 0``). ``k`` is a number or an array like ``mean``.

    Parameters
    ----------
    mean : float or array-like
        Forecast mean (calls per interval).
    k : float or array-like
        Dispersion, >= 0 (0 = Poisson).
    q : float
        Probability of the quantile, in (0, 1).

    Returns
    -------
    ndarray
        Quantile per element of ``mean`` (calls; whole numbers).

    Examples
    --------
    >>> from crmresearch.service import forecast
    >>> forecast.predictive_quantile([100.0], 0.0, 0.9).tolist()   # Poisson
    [113.0]
    >>> forecast.predictive_quantile([100.0], 0.05, 0.9).tolist()  # overdispersed: wider
    [132.0]
    """
    mu = schemas.as_numbers(mean, "mean", "predictive_quantile")
    if not 0 < q < 1:
        raise ValidationError(f"predictive_quantile: q must be in (0, 1); got {q}")
    kk = np.broadcast_to(schemas.as_numbers(k, "k", "predictive_quantile"), mu.shape)
    if not (np.all(np.isfinite(mu)) and np.all(mu >= 0) and np.all(np.isfinite(kk)) and np.all(kk >= 0)):
        raise ValidationError("predictive_quantile: mean and k must be finite and >= 0")
    n = 1.0 / np.maximum(kk, 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        nb = stats.nbinom.ppf(q, n, n / (n + mu))
    return np.where(kk <= 1e-12, stats.poisson.ppf(q, mu), nb)


def _same_weekday(history: pd.DataFrame, day: pd.Timestamp, weeks: int) -> np.ndarray:
    rows = history[history.index.dayofweek == day.dayofweek]
    if rows.empty:
        raise ValidationError(f"forecast_days: the history has no {day.day_name()} to forecast {day:%Y-%m-%d} from")
    return rows.to_numpy()[-weeks:]


def _fourier(n_slots: int, harmonics: int) -> np.ndarray:
    pos = np.arange(n_slots) / n_slots
    cols = [f(2 * np.pi * j * pos) for j in range(1, harmonics + 1) for f in (np.sin, np.cos)]
    return np.column_stack(cols) if cols else np.empty((n_slots, 0))


def _harmonic_design(dates: pd.DatetimeIndex, n_slots: int, harmonics: int, origin: pd.Timestamp,
                     weekday_harmonics: int) -> np.ndarray:
    """Columns: intercept, Tuesday..Friday (Monday the base; weekends share Friday's), trend in years
    from ``origin``, Fourier pairs of the time of day, and the first ``weekday_harmonics`` pairs
    times each weekday dummy (the daily shape may differ by weekday). Built for all days at once (the
    same numbers as day by day)."""
    four = _fourier(n_slots, harmonics)
    shape = four[:, : 2 * weekday_harmonics]
    n_days, n_four, n_shape = len(dates), four.shape[1], shape.shape[1]
    dow = np.zeros((n_days, 4))
    wd = np.asarray(dates.dayofweek)
    dow[np.flatnonzero(wd > 0), np.minimum(wd[wd > 0], 4) - 1] = 1.0
    trend = np.asarray((dates - origin).days) / 365.25
    X = np.empty((n_days, n_slots, 6 + n_four + 4 * n_shape))
    X[:, :, 0] = 1.0
    X[:, :, 1:5] = dow[:, None, :]
    X[:, :, 5] = trend[:, None]
    X[:, :, 6:6 + n_four] = four
    for i in range(4):
        X[:, :, 6 + n_four + i * n_shape:6 + n_four + (i + 1) * n_shape] = shape[None, :, :] * dow[:, i, None, None]
    return X.reshape(n_days * n_slots, -1)


def _poisson_irls(X: np.ndarray, y: np.ndarray):
    """Poisson GLM (log link) by statsmodels' own IRLS, step for step: its family functions, the
    least-squares solve of each iteration, its deviance stopping rule (atol 1e-8) and its final
    pseudo-inverse solve, which gives the coefficients. The same coefficients to the bit as
    ``sm.GLM(y, X, family=Poisson()).fit()``, without what the fit computes besides them (the
    rank of the design twice, the covariance, the results object): about half the time per fit."""
    from statsmodels.genmod.families import Poisson
    from statsmodels.tools.tools import pinv_extended

    family = Poisson()
    ones = np.ones(y.shape[0])
    mu = family.starting_mu(y)
    lin_pred = family.predict(mu)
    deviance = [np.inf, family.deviance(y, mu, ones, ones, 1.0)]
    weights = z = None
    for _ in range(100):
        weights = ones * ones * family.weights(mu)
        z = lin_pred + family.link.deriv(mu) * (y - mu) - 0.0
        w_half = np.sqrt(weights)
        if not (np.all(np.isfinite(w_half)) and np.all(np.isfinite(z))):
            raise ValidationError("forecast_days: the harmonic regression's weights or working counts are not "
                                  "finite (estimation infeasible)")
        params = np.linalg.lstsq(np.asarray(w_half)[:, None] * X, w_half * z, rcond=-1)[0]
        lin_pred = np.dot(X, params)
        lin_pred += 0.0
        mu = family.fitted(lin_pred)
        deviance.append(family.deviance(y, mu, ones, ones, 1.0))
        if np.allclose(deviance[-2], deviance[-1], atol=1e-8, rtol=0.0):
            break
    w_half = np.sqrt(weights)
    pinv, _ = pinv_extended(w_half[:, None] * X)
    return np.dot(pinv, z * w_half)


def _fit_harmonic(history: pd.DataFrame, days: pd.DatetimeIndex, harmonics: int, weekday_harmonics: int):
    require("statsmodels", by="service.forecast method 'harmonic'")
    import statsmodels.api as sm

    n_slots = history.shape[1]
    origin = history.index[-1]
    X = _harmonic_design(history.index, n_slots, harmonics, origin, weekday_harmonics)
    y = history.to_numpy().ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        beta = _poisson_irls(X, y)
    family = sm.families.Poisson()
    new = _harmonic_design(days, n_slots, harmonics, origin, weekday_harmonics)
    mean = family.fitted(np.dot(new, beta) + 0.0 + 0.0).reshape(len(days), -1)
    return mean, family.fitted(np.dot(X, beta) + 0.0 + 0.0).reshape(history.shape)


def _shares(history: pd.DataFrame, day: pd.Timestamp, weeks: int) -> np.ndarray:
    rows = _same_weekday(history, day, weeks)
    return rows.sum(axis=0) / rows.sum()


def _fit_ets(history: pd.DataFrame, days: pd.DatetimeIndex, weeks: int):
    require("statsmodels", by="service.forecast method 'ets'")
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    totals = history.sum(axis=1)
    index = totals.groupby(totals.index.dayofweek).mean() / totals.mean()
    adjusted = (totals / index.reindex(totals.index.dayofweek).to_numpy()).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(adjusted, trend="add", damped_trend=True, initialization_method="estimated").fit()
    level = fit.forecast(len(days))
    mean = np.vstack([level[i] * index.get(d.dayofweek, 1.0) * _shares(history, d, weeks)
                      for i, d in enumerate(days)])
    fitted_totals = fit.fittedvalues * index.reindex(totals.index.dayofweek).to_numpy()
    tail = history.index[-weeks * 5:]
    fitted = np.vstack([fitted_totals[history.index.get_loc(d)] * _shares(history.loc[:d].iloc[:-1], d, weeks)
                        if (history.loc[:d].iloc[:-1].index.dayofweek == d.dayofweek).any() else
                        np.full(history.shape[1], np.nan) for d in tail])
    return mean, fitted, history.loc[tail].to_numpy()


def forecast_days(history: pd.DataFrame, days: Sequence[Any], method: str = "profile", weeks: int = 4,
                  harmonics: int = 10, weekday_harmonics: int = 3) -> tuple[pd.DataFrame, float]:
    """Forecast the intervals of ``days`` (dates after the history) from a :func:`day_matrix`.

    Returns the forecast means (a day matrix for ``days``) and ``k``, the dispersion of the predictive
    negative binomial, estimated from the method's errors on the last ``weeks`` weeks of the history
    (out of sample for ``seasonal_naive``, ``profile`` and the shares of ``ets``; in sample for the
    regression and the smoothed totals). ``weeks``: weeks averaged by ``profile`` and for intraday
    shares; ``harmonics``: Fourier pairs of the time of day; ``weekday_harmonics``: how many of them
    differ by weekday (``harmonic``).

    Parameters
    ----------
    history : DataFrame
        A :func:`day_matrix` of past days.
    days : sequence of object
        Dates to forecast (after the history).
    method : str, default 'profile'
        ``'seasonal_naive'``, ``'profile'``, ``'harmonic'`` (Poisson GLM with Fourier terms) or ``'ets'``.
    weeks : int, default 4
        Weeks averaged by ``profile`` and for intraday shares; also the weeks used to estimate ``k``.
    harmonics : int, default 10
        Fourier pairs of the time of day (``harmonic``).
    weekday_harmonics : int, default 3
        How many of those pairs differ by weekday (``harmonic``).

    Returns
    -------
    means : DataFrame
        Forecast calls per interval, a day matrix for ``days``.
    k : float
        Dispersion of the negative binomial predictive distribution (0 = Poisson).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.service import forecast
    >>> days = pd.bdate_range('2024-01-01', periods=15)
    >>> history = pd.DataFrame([[10.0 + d.dayofweek, 20.0] for d in days], index=days, columns=['09:00', '09:05'])
    >>> mean, k = forecast.forecast_days(history, [pd.Timestamp('2024-01-22')], 'seasonal_naive')
    >>> mean.values.tolist()   # last Monday's calls
    [[10.0, 20.0]]
    """
    if method not in METHODS:
        raise ValidationError(f"forecast_days: method must be one of {METHODS}; got {method!r}")
    if weeks < 1 or harmonics < 0 or not 0 <= weekday_harmonics <= harmonics:
        raise ValidationError(f"forecast_days: need weeks >= 1 and 0 <= weekday_harmonics <= harmonics; got "
                              f"weeks={weeks}, harmonics={harmonics}, weekday_harmonics={weekday_harmonics}")
    days = pd.DatetimeIndex(pd.to_datetime(list(days))).normalize()
    if len(history) < 10:
        raise ValidationError(f"forecast_days: the history has {len(history)} days; need at least 10 (two weeks)")
    if len(days) and days.min() <= history.index.max():
        raise ValidationError(f"forecast_days: forecast days must come after the history's last day "
                              f"{history.index.max():%Y-%m-%d}; got {days.min():%Y-%m-%d}")
    tail = history.index[-weeks * 5:]
    if method in ("seasonal_naive", "profile"):
        w = 1 if method == "seasonal_naive" else weeks
        mean = np.vstack([_same_weekday(history, d, w).mean(axis=0) for d in days]) if len(days) else \
            np.empty((0, history.shape[1]))
        pairs = [(history.loc[d].to_numpy(), _same_weekday(history.loc[:d].iloc[:-1], d, w).mean(axis=0))
                 for d in tail if (history.loc[:d].iloc[:-1].index.dayofweek == d.dayofweek).any()]
        y = np.concatenate([p[0] for p in pairs]) if pairs else np.empty(0)
        mu = np.concatenate([p[1] for p in pairs]) if pairs else np.empty(0)
    elif method == "harmonic":
        mean, fitted = _fit_harmonic(history, days, harmonics, weekday_harmonics)
        y, mu = history.loc[tail].to_numpy().ravel(), fitted[-len(tail):].ravel()
    else:
        mean, fitted, actual = _fit_ets(history, days, weeks)
        y, mu = actual.ravel(), fitted.ravel()
    out = pd.DataFrame(mean, index=days, columns=history.columns)
    return out, _nb_k(y, mu)


def mase_scale(history: pd.DataFrame) -> float:
    """In-sample MAE of the weekly seasonal naive (same slot, previous same weekday) on ``history``.

    Parameters
    ----------
    history : DataFrame
        A :func:`day_matrix`.

    Returns
    -------
    float
        Mean absolute error of the seasonal naive forecast, calls per interval (the MASE denominator).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.service import forecast
    >>> m = pd.DataFrame([[10.0, 20.0], [12.0, 18.0]], index=pd.to_datetime(["2024-01-01", "2024-01-08"]))
    >>> forecast.mase_scale(m)   # |12 - 10| and |18 - 20|, same slot a week apart
    2.0
    """
    errs = []
    for dow in range(7):
        rows = history[history.index.dayofweek == dow].to_numpy()
        if len(rows) > 1:
            errs.append(np.abs(np.diff(rows, axis=0)).ravel())
    if not errs:
        raise ValidationError("mase_scale: the history has no weekday observed twice")
    return float(np.concatenate(errs).mean())


def rolling_origin(matrix: pd.DataFrame, methods: Sequence[str] = METHODS, test_days: int = 50,
                   horizon_days: int = 5, levels: Sequence[float] = (0.80, 0.95),
                   progress: bool | Callable[[int, int], Any] | None = None, **settings: Any) -> pd.DataFrame:
    """Rolling-origin evaluation: every one of the last ``test_days`` observed days is an origin;
    each method, fitted on the days before it, forecasts the next ``horizon_days`` observed days.

    Returns one row per (method, origin, horizon, day, slot): ``actual``, ``forecast``, the
    ``lower_XX``/``upper_XX`` bounds of each central prediction interval in ``levels`` and the
    origin's MASE ``scale``. Forecast days beyond the data are left out (the last origins have
    shorter horizons).

    Parameters
    ----------
    matrix : DataFrame
        A :func:`day_matrix` of all observed days.
    methods : sequence of str, default ('seasonal_naive', 'profile', 'harmonic', 'ets')
        Methods to evaluate (see :func:`forecast_days`).
    test_days : int, default 50
        Forecast origins: the last this many observed days.
    horizon_days : int, default 5
        Days forecast from each origin.
    levels : sequence of float, default (0.8, 0.95)
        Central prediction interval levels (0.8 = 80 %).
    progress : bool or callable or None, optional
        A progress bar of the origins (:mod:`crmresearch.core.progress`); None: shown in an interactive
        JupyterLab run, silent in batch runs. Results do not depend on it.
    **settings : object
        Passed to :func:`forecast_days` (``weeks``, ``harmonics``, ``weekday_harmonics``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch.service import forecast
    >>> days = pd.bdate_range('2024-01-01', periods=30)
    >>> counts = np.random.default_rng(0).poisson(50, (30, 4)).astype(float)
    >>> m = pd.DataFrame(counts, index=days, columns=['09:00', '09:05', '09:10', '09:15'])
    >>> bt = forecast.rolling_origin(m, methods=('profile',), test_days=5, horizon_days=2)
    >>> sorted(bt['horizon'].unique().tolist()), bt['origin'].nunique()
    ([1, 2], 5)
    """
    if not 1 <= test_days < len(matrix) - 10:
        raise ValidationError(f"rolling_origin: test_days must be in [1, {len(matrix) - 11}] so that ten days remain "
                              f"to fit on; got {test_days}")
    if horizon_days < 1:
        raise ValidationError(f"rolling_origin: horizon_days must be >= 1; got {horizon_days}")
    dates = matrix.index
    slots = np.asarray(matrix.columns)
    parts = []
    with tracker(test_days, "rolling-origin forecasts", "origins", progress) as bar:
        for o in range(len(dates) - test_days, len(dates)):
            history = matrix.iloc[:o]
            days = dates[o:o + horizon_days]
            scale = mase_scale(history)
            for method in methods:
                mean, k = forecast_days(history, days, method, **settings)
                part = {"method": method, "origin": dates[o],
                        "horizon": np.repeat(np.arange(1, len(days) + 1), len(slots)),
                        "date": np.repeat(days, len(slots)), "slot": np.tile(slots, len(days)),
                        "actual": matrix.loc[days].to_numpy().ravel(), "forecast": mean.to_numpy().ravel(),
                        "k": k, "scale": scale}
                for lev in levels:
                    tag = f"{round(100 * lev):d}"
                    part[f"lower_{tag}"] = predictive_quantile(part["forecast"], k, (1 - lev) / 2)
                    part[f"upper_{tag}"] = predictive_quantile(part["forecast"], k, (1 + lev) / 2)
                parts.append(pd.DataFrame(part))
            bar.update()
    return pd.concat(parts, ignore_index=True)


def _need_backtest(backtest: pd.DataFrame, columns: Sequence[str], caller: str) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in backtest.columns]
    if missing:
        raise ValidationError(f"{caller}: the backtest table lacks column(s) {missing}; pass the output of "
                              f"rolling_origin (it has {list(backtest.columns)})")
    if backtest.empty:
        raise ValidationError(f"{caller}: the backtest table has no rows (0 forecasts to score)")


def accuracy(backtest: pd.DataFrame, by: Sequence[str] = ("method",)) -> pd.DataFrame:
    """MAE, RMSE and MASE (calls per interval) and the coverage of each prediction interval of a
    :func:`rolling_origin` table, by ``by`` (e.g. method and horizon).

    Parameters
    ----------
    backtest : DataFrame
        A :func:`rolling_origin` table (one row per method, origin, horizon, day and slot).
    by : sequence of str, default ('method',)
        Columns to group by (e.g. ``('method', 'horizon')``).

    Returns
    -------
    DataFrame
        One row per group: ``mae``, ``rmse`` (calls per interval), ``mase`` and the coverage of each interval
        level (share, 0-1).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.service import forecast
    >>> bt = pd.DataFrame({'method': ['m', 'm'], 'actual': [10.0, 20.0], 'forecast': [12.0, 17.0], 'scale': [5.0, 5.0]})
    >>> forecast.accuracy(bt)[['mae', 'mase']].values.tolist()
    [[2.5, 0.5]]
    """
    by = list(by)
    _need_backtest(backtest, ["actual", "forecast", "scale", *by], "accuracy")
    err = backtest["actual"] - backtest["forecast"]
    frame = backtest.assign(abs_err=err.abs(), sq_err=err ** 2, scaled=err.abs() / backtest["scale"])
    agg = {"intervals": ("actual", "size"), "mae": ("abs_err", "mean"), "rmse": ("sq_err", "mean"),
           "mase": ("scaled", "mean"), "mean_actual": ("actual", "mean")}
    for col in backtest.columns:
        if col.startswith("lower_"):
            tag = col.removeprefix("lower_")
            inside = (backtest["actual"] >= backtest[col]) & (backtest["actual"] <= backtest[f"upper_{tag}"])
            frame[f"coverage_{tag}"] = inside
            agg[f"coverage_{tag}"] = (f"coverage_{tag}", "mean")
    out = frame.groupby(by, sort=False).agg(**agg).reset_index()
    out["rmse"] = np.sqrt(out["rmse"])
    return out


def staffing_backtest(backtest: pd.DataFrame, aht: float, target: float = 0.8, answer_within: float = 20.0,
                      interval_seconds: float = 300.0, quantiles: Sequence[float] = (0.5, 0.75, 0.9),
                      factors: Sequence[float] = (1.0,)) -> pd.DataFrame:
    """Staff every held-out interval of a :func:`rolling_origin` table from its forecast and run the
    real arrivals through Erlang C.

    Policies: ``mean`` staffs for the point forecast, ``qXX`` for the XX % quantile of the
    predictive distribution, each with the forecast multiplied by each of ``factors`` (below 1: an
    under-forecast); ``perfect foresight`` staffs for the calls that came (the floor no forecast can
    beat). Per method and policy: agent-hours on the phones per day, the service level achieved
    (share of calls answered within ``answer_within`` s; an interval with no more agents than its
    traffic counts as 0) and the share of intervals meeting the ``target``.

    Parameters
    ----------
    backtest : DataFrame
        A :func:`rolling_origin` table (one row per method, origin, horizon, day and slot).
    aht : float
        Average handle time, seconds.
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within``.
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds.
    interval_seconds : float, default 300.0
        Length of one interval, seconds (300 = 5 minutes).
    quantiles : sequence of float, default (0.5, 0.75, 0.9)
        Predictive quantiles to staff for (0.9 = staff for the 90 % quantile).
    factors : sequence of float, default (1.0,)
        Multipliers of the forecast (below 1 simulates an under-forecast).

    Returns
    -------
    DataFrame
        One row per method, policy and factor: ``agent_hours_per_day``, ``service_level`` achieved (share),
        ``intervals_meeting_target`` (share) and ``extra_hours_vs_foresight_pct``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch.service import forecast
    >>> bt = pd.DataFrame({'method': 'profile', 'origin': pd.Timestamp('2024-03-01'),
    ...                    'date': pd.Timestamp('2024-03-04'), 'actual': [20.0, 30.0, 25.0],
    ...                    'forecast': [22.0, 27.0, 25.0], 'k': 0.01})
    >>> t = forecast.staffing_backtest(bt, aht=240, quantiles=(0.9,))
    >>> t[['method', 'policy', 'agent_hours_per_day']].round(2).values.tolist()
    [['perfect foresight', 'actual', 6.17], ['profile', 'mean', 6.08], ['profile', 'q90', 7.67]]
    """
    from .erlang import agents_for_target, service_levels

    _need_backtest(backtest, ["method", "origin", "date", "actual", "forecast", "k"], "staffing_backtest")
    hours = interval_seconds / 3600

    def row(method: str, policy: str, factor: float, staff_for: np.ndarray, frame: pd.DataFrame) -> dict[str, Any]:
        calls = frame["actual"].to_numpy(float)
        agents = agents_for_target(staff_for, aht, target, answer_within, interval_seconds)
        sl = service_levels(calls, aht, agents, answer_within, interval_seconds)
        days = len(frame[["origin", "date"]].drop_duplicates())
        return {"method": method, "policy": policy, "factor": factor,
                "agent_hours_per_day": float(agents.sum() * hours / days),
                "service_level": float((sl * calls).sum() / calls.sum()),
                "intervals_meeting_target": float((sl >= target).mean())}

    rows = []
    for method, frame in backtest.groupby("method", sort=False):
        if not rows:
            rows.append(row("perfect foresight", "actual", 1.0, frame["actual"].to_numpy(float), frame))
        for factor in factors:
            mu = frame["forecast"].to_numpy(float) * factor
            rows.append(row(str(method), "mean", factor, mu, frame))
            rows.extend(row(str(method), f"q{round(100 * q):d}", factor, predictive_quantile(mu, frame["k"], q), frame)
                        for q in quantiles)
    out = pd.DataFrame(rows)
    out["extra_hours_vs_foresight_pct"] = 100 * (out["agent_hours_per_day"] / out["agent_hours_per_day"].iloc[0] - 1)
    return out
