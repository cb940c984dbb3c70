"""Service recovery: complaint cases, first-contact ownership, and what they do to churn.

From case records (opened, resolved, owner kept or transferred, compensated) and relationship
managers' departures, :func:`case_covariates` writes the time-varying covariates of each customer
as changes for :func:`crmresearch.survival.panel`:

- ``open_complaint``: 1 while at least one case is open;
- ``slow_resolution``: 1 from the first resolution that took more than ``slow_days`` days;
- ``compensated``: 1 from the first resolution with compensation;
- ``manager_left``: 1 from the day the customer's relationship manager left.

:func:`resolution_frame` turns cases into a survival frame of time to resolution (open cases
censored at the end of observation), and :func:`rate_by_count` tabulates a rate by a count (churn
by number of service calls) with Wilson intervals.

References
----------
Smith, A. K., Bolton, R. N. and Wagner, J. (1999). A model of customer satisfaction with service
encounters involving failure and recovery. Journal of Marketing Research 36(3), 356-372.
Tax, S. S., Brown, S. W. and Chandrashekaran, M. (1998). Customer evaluations of service complaint
experiences. Journal of Marketing 62(2), 60-76.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ValidationError
from .experiments import rates_by

__all__ = ["COVARIATES", "case_covariates", "ever_frame", "rate_by_count", "resolution_frame"]

COVARIATES = ("open_complaint", "slow_resolution", "compensated", "manager_left")


def _need(df: pd.DataFrame, cols: Sequence[str], table: str, caller: str) -> None:
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise ValidationError(f"{caller}: the {table} table has no column(s) {absent}; it has {list(df.columns)}")


def case_covariates(cases: pd.DataFrame, customers: pd.DataFrame | None = None,
                    managers: pd.DataFrame | None = None, slow_days: float = 7.0) -> pd.DataFrame:
    """Covariate changes (``customer_id``, ``time`` in days, one column per covariate of
    :data:`COVARIATES`) from case records and manager departures.

    ``cases``: ``customer_id``, ``opened_day``, ``resolved_day`` (empty while open),
    ``compensated`` (bool). ``customers`` with ``manager_id`` and ``managers`` with ``manager_id``,
    ``left_day`` (empty if still there) add ``manager_left``. An empty cell means no change.

    Parameters
    ----------
    cases : DataFrame
        One row per complaint case (see above).
    customers : DataFrame or None, optional
        ``customer_id`` and ``manager_id``; None: no manager covariate.
    managers : DataFrame or None, optional
        ``manager_id`` and ``left_day``; None: no manager covariate.
    slow_days : float, default 7.0
        A resolution slower than this many days sets ``slow_resolution``.

    Returns
    -------
    DataFrame
        Long table of covariate changes, ready for :func:`crmresearch.survival.panel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import recovery
    >>> cases = pd.DataFrame({'customer_id': [1], 'opened_day': [10.0], 'resolved_day': [20.0], 'compensated': [True]})
    >>> recovery.case_covariates(cases, slow_days=7).fillna('').values.tolist()   # open 10-20; slow, compensated
    [[1, 10.0, 1.0, '', ''], [1, 20.0, 0.0, 1.0, 1.0]]
    """
    caller = "case_covariates"
    _need(cases, ["customer_id", "opened_day", "resolved_day", "compensated"], "cases", caller)
    opened = pd.to_numeric(cases["opened_day"], errors="coerce")
    resolved = pd.to_numeric(cases["resolved_day"], errors="coerce")
    if opened.isna().any():
        raise ValidationError(f"{caller}: column 'opened_day' has {int(opened.isna().sum())} missing or non-numeric "
                              "rows")
    early = resolved < opened
    if early.any():
        raise ValidationError(f"{caller}: {int(early.sum())} cases are resolved before they were opened")
    if not np.isfinite(slow_days) or slow_days <= 0:
        raise ValidationError(f"{caller}: slow_days must be > 0; got {slow_days}")
    cust = cases["customer_id"].to_numpy()
    # open_complaint: +1 at each opening, -1 at each resolution; 1 while the running count is > 0
    ev = pd.concat([pd.DataFrame({"customer_id": cust, "time": opened.to_numpy(), "d": 1}),
                    pd.DataFrame({"customer_id": cust, "time": resolved.to_numpy(), "d": -1}).dropna(subset=["time"])])
    ev = ev.groupby(["customer_id", "time"], sort=True)["d"].sum().reset_index()
    ev["open_complaint"] = (ev.groupby("customer_id")["d"].cumsum() > 0).astype(int)
    parts = [ev[["customer_id", "time", "open_complaint"]]]
    done = pd.DataFrame({"customer_id": cust, "time": resolved.to_numpy(), "days": (resolved - opened).to_numpy(),
                         "comp": cases["compensated"].astype(bool).to_numpy()}).dropna(subset=["time"])
    for name, mask in (("slow_resolution", done["days"] > slow_days), ("compensated", done["comp"])):
        first = done[mask].groupby("customer_id", sort=True)["time"].min().reset_index()
        parts.append(first.assign(**{name: 1}))
    if customers is not None and managers is not None:
        _need(customers, ["customer_id", "manager_id"], "customers", caller)
        _need(managers, ["manager_id", "left_day"], "managers", caller)
        left = customers[["customer_id", "manager_id"]].merge(managers[["manager_id", "left_day"]], on="manager_id",
                                                              how="left").dropna(subset=["left_day"])
        parts.append(pd.DataFrame({"customer_id": left["customer_id"], "time": left["left_day"].astype(float),
                                   "manager_left": 1}))
    out = pd.concat(parts, ignore_index=True)
    cols = [c for c in COVARIATES if c in out.columns]
    out = out.groupby(["customer_id", "time"], sort=True)[cols].max().reset_index()  # max skips empty cells
    return out


def resolution_frame(cases: pd.DataFrame, end_day: float, by: Sequence[str] = ()) -> pd.DataFrame:
    """Survival frame of time to resolution in days: ``duration`` (resolved - opened, or end_day -
    opened for cases still open: censored), ``event`` (resolved), and the ``by`` columns.

    Parameters
    ----------
    cases : DataFrame
        One row per case: ``opened_day``, ``resolved_day`` (empty while open).
    end_day : float
        Day the data were taken (censoring time).
    by : sequence of str, default ()
        Columns to carry along (e.g. ``owner_kept``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import recovery
    >>> cases = pd.DataFrame({"opened_day": [1.0, 2.0], "resolved_day": [3.0, None]})
    >>> recovery.resolution_frame(cases, end_day=10.0)[["duration", "event"]].values.tolist()   # open case censored
    [[2.0, True], [8.0, False]]
    """
    caller = "resolution_frame"
    _need(cases, ["opened_day", "resolved_day", *by], "cases", caller)
    opened = pd.to_numeric(cases["opened_day"], errors="coerce")
    resolved = pd.to_numeric(cases["resolved_day"], errors="coerce")
    after = opened > end_day
    if after.any():
        raise ValidationError(f"{caller}: {int(after.sum())} cases were opened after end_day {end_day:g}")
    done = resolved.notna() & (resolved <= end_day)
    frame = pd.DataFrame({"duration": np.where(done, resolved - opened, end_day - opened), "event": done.to_numpy()})
    frame["duration"] = frame["duration"].clip(lower=1e-6)  # a case opened and closed the same instant
    for c in by:
        frame[c] = cases[c].to_numpy()
    return frame


def rate_by_count(df: pd.DataFrame, count: str, outcome: str, cap: int | None = None,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Share with ``outcome`` by value of ``count`` (values >= ``cap`` pooled as "cap+"), with
    Wilson intervals: ``count``, customers, events, rate, ci_lower, ci_upper.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    count : str
        Count column (e.g. complaints).
    outcome : str
        Outcome column (0/1).
    cap : int or None, optional
        Pool counts at or above this; None: no pooling.
    alpha : float, default 0.05
        Significance level of the Wilson intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import recovery
    >>> df = pd.DataFrame({'calls': [0, 1, 4, 6], 'churn': [0, 0, 1, 1]})
    >>> recovery.rate_by_count(df, 'calls', 'churn', cap=4)[['calls', 'customers', 'rate']].values.tolist()
    [['0', 1, 0.0], ['1', 1, 0.0], ['4+', 2, 1.0]]
    """
    _need(df, [count, outcome], "input", "rate_by_count")
    n = pd.to_numeric(df[count], errors="coerce")
    if n.isna().any() or (n < 0).any():
        raise ValidationError(f"rate_by_count: column '{count}' has {int((n.isna() | (n < 0)).sum())} rows that are "
                              "not counts >= 0")
    level = n.astype(int).clip(upper=cap) if cap is not None else n.astype(int)
    out = rates_by(df.assign(**{count: level}), count, outcome, alpha)
    out[count] = [f"{v}+" if cap is not None and v == cap else str(v) for v in out[count]]
    return out.rename(columns={"units": "customers"})


def ever_frame(panel: pd.DataFrame, covariates: Sequence[str], id_col: str = "customer_id",
               fixed: Sequence[str] = ()) -> pd.DataFrame:
    """One row per subject of a :func:`crmresearch.survival.panel` with ``duration`` (last stop),
    ``event`` and each time-varying covariate as "ever during follow-up" (its maximum): the common
    mistake of treating a time-varying exposure as known from the start, which credits the time
    before the exposure to the exposed (immortal-time bias). For comparison with the panel model.

    Parameters
    ----------
    panel : DataFrame
        A counting-process panel (``start``, ``stop``, ``event``).
    covariates : sequence of str
        Time-varying covariates to collapse.
    id_col : str, default 'customer_id'
        Subject id column.
    fixed : sequence of str, default ()
        Time-fixed columns to carry along.

    Returns
    -------
    DataFrame
        One row per subject: ``duration`` (days), ``event`` and the collapsed covariates.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import recovery
    >>> panel = pd.DataFrame({'customer_id': [1, 1], 'start': [0.0, 4.0], 'stop': [4.0, 10.0],
    ...                       'event': [False, True], 'complaint': [0, 1]})
    >>> recovery.ever_frame(panel, ['complaint']).values.tolist()   # the exposure as if known from day 0
    [[1, 10.0, True, 1.0]]
    """
    _need(panel, [id_col, "stop", "event", *covariates, *fixed], "panel", "ever_frame")
    g = panel.groupby(id_col, sort=True)
    out = pd.DataFrame({"duration": g["stop"].max(), "event": g["event"].max().astype(bool)})
    for c in covariates:
        out[c] = g[c].max().astype(float)
    for c in fixed:
        out[c] = g[c].first()
    return out.reset_index()
