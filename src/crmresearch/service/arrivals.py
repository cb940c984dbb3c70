"""Call arrivals: the average profile per interval of the day, the busy hour, interval checks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import schemas
from ..errors import MissingValueError, ValidationError
from ..schemas.checks import _fail

__all__ = ["arrival_profile", "busy_hour", "check_interval_length"]


def _observed(calls: pd.DataFrame, time: str, calls_col: str, caller: str) -> pd.DataFrame:
    """Timestamp, its day and weekday, and the count of every row of ``calls``, checked."""
    ts = schemas.date_column(calls, time, caller)
    counts = pd.Series(schemas.as_numbers(calls[calls_col], f"column '{calls_col}'", caller), index=calls.index)
    if counts.isna().any():  # a missing count is not a quiet interval
        raise _fail(MissingValueError, caller, calls_col, counts.isna(), len(calls), "are missing",
                    "give 0 where no call came, or drop those intervals explicitly")
    return pd.DataFrame({"weekday": ts.dt.day_name(), "weekday_index": ts.dt.dayofweek, "ts": ts,
                         "date": ts.dt.normalize(), "calls": counts})


def _days_per_weekday(frame: pd.DataFrame) -> pd.Series:
    """Observed days of each weekday: the dates with at least one row."""
    return frame.groupby("weekday_index")["date"].nunique()


def arrival_profile(calls: pd.DataFrame, time: str = "datetime", calls_col: str = "calls",
                    slot_minutes: int = 5) -> pd.DataFrame:
    """Mean calls per weekday x time-of-day slot (the arrival profile used for staffing), with the
    number of days averaged.

    The mean of a slot is its calls summed over the observed days of its weekday, divided by the number
    of those days; an observed day is a date with at least one row. A slot without a row on an observed
    day counts as 0 calls there, so a table that lists only intervals with calls (a call log counted
    per interval without its quiet intervals) gives the same profile as the full interval grid with
    zeros (:func:`crmresearch.sources.aggregate.call_counts` fills that grid for a log). Rows finer than
    ``slot_minutes`` are summed into their slot (calls per slot). Slots without a row on any day of
    the weekday are absent.

    Parameters
    ----------
    calls : DataFrame
        One row per interval: a timestamp and a count.
    time : str, default 'datetime'
        Timestamp column (interval start).
    calls_col : str, default 'calls'
        Column of calls per interval.
    slot_minutes : int, default 5
        Slot length, minutes.

    Returns
    -------
    DataFrame
        One row per weekday and slot: ``weekday_index``, ``weekday``, ``slot``, ``mean_calls`` (calls per
        slot) and ``days`` (observed days of the weekday averaged over).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({'datetime': pd.to_datetime(['2024-01-01 09:00', '2024-01-08 09:00']), 'calls': [10, 14]})
    >>> service.arrival_profile(calls)[['weekday', 'slot', 'mean_calls', 'days']].values.tolist()
    [['Monday', '09:00', 12.0, 2]]
    >>> quiet = pd.DataFrame({'datetime': pd.to_datetime(['2024-01-01 09:00', '2024-01-08 09:05']), 'calls': [3, 1]})
    >>> service.arrival_profile(quiet)['mean_calls'].tolist()   # 09:00 had no call on Jan 8: (3 + 0) / 2
    [1.5, 0.5]
    """
    if time not in calls.columns or calls_col not in calls.columns:
        raise ValidationError(f"arrival_profile: need columns '{time}' and '{calls_col}'")
    frame = _observed(calls, time, calls_col, "arrival_profile")
    frame["slot"] = frame["ts"].dt.floor(f"{slot_minutes}min").dt.strftime("%H:%M")
    out = frame.groupby(["weekday_index", "weekday", "slot"])["calls"].sum().rename("total").reset_index()
    days = out["weekday_index"].map(_days_per_weekday(frame)).astype("int64")
    out = out.assign(mean_calls=out["total"] / days, days=days).drop(columns="total")
    return out.sort_values(["weekday_index", "slot"], ignore_index=True)


def busy_hour(calls: pd.DataFrame, time: str = "datetime", calls_col: str = "calls") -> dict[str, Any]:
    """The busiest weekday hour of the mean arrival profile: weekday, hour ("HH:00") and mean calls
    in that hour (the sum of its intervals' means), the usual load for sizing lines. Means are over the
    observed days of the weekday (dates with a row), an hour without a row on such a day counting 0,
    as in :func:`arrival_profile`.

    Parameters
    ----------
    calls : DataFrame
        One row per interval: a timestamp and a count.
    time : str, default 'datetime'
        Timestamp column (interval start).
    calls_col : str, default 'calls'
        Column of calls per interval.

    Returns
    -------
    dict of str to object
        ``weekday``, ``hour`` and ``calls_per_hour``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({"datetime": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:30", "2024-01-01 10:00"]),
    ...                       "calls": [10, 20, 5]})
    >>> service.busy_hour(calls)
    {'weekday': 'Monday', 'hour': '09:00', 'calls_per_hour': 30.0}
    """
    for col in (time, calls_col):
        if col not in calls.columns:
            raise ValidationError(f"busy_hour: missing column '{col}'; the table has {list(calls.columns)}")
    if calls.empty:
        raise ValidationError("busy_hour: the calls table has no rows")
    frame = _observed(calls, time, calls_col, "busy_hour")
    frame["hour"] = frame["ts"].dt.strftime("%H:00")
    total = frame.groupby(["weekday_index", "weekday", "hour"])["calls"].sum()
    mean = total / total.index.get_level_values("weekday_index").map(_days_per_weekday(frame)).to_numpy()
    _, weekday, hour = mean.idxmax()
    return {"weekday": weekday, "hour": hour, "calls_per_hour": float(mean.max())}


def check_interval_length(calls: pd.DataFrame, minutes: float, time: str = "datetime") -> None:
    """Raise unless consecutive intervals of ``calls`` are ``minutes`` apart (the most common gap
    within a day): counts per 15 minutes read as counts per 5 minutes would triple the staffing.

    Parameters
    ----------
    calls : DataFrame
        One row per interval.
    minutes : float
        Expected interval length, minutes.
    time : str, default 'datetime'
        Timestamp column (interval start).

    Raises
    ------
    ValidationError
        When the most common gap within a day differs from ``minutes``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({'datetime': pd.to_datetime(['2024-01-01 09:00', '2024-01-01 09:15', '2024-01-01 09:30'])})
    >>> service.check_interval_length(calls, 15) is None   # 5 would stop with 'set interval_minutes=15'
    True
    """
    ts = schemas.date_column(calls, time, "check_interval_length").sort_values()
    gaps = ts.diff().dropna()
    gaps = gaps[gaps < pd.Timedelta(hours=6)]  # overnight and weekend gaps are not interval lengths
    if gaps.empty:
        raise ValidationError(f"check_interval_length: column '{time}' has no two intervals on the same day")
    modal = gaps.dt.total_seconds().round().mode().iloc[0] / 60
    if abs(modal - minutes) > 1e-9:
        raise ValidationError(f"check_interval_length: intervals in column '{time}' are {modal:g} minutes apart, "
                              f"but the interval length is set to {minutes:g}; set interval_minutes={modal:g}")
