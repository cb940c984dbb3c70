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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..experiments import rates_by
from ..schemas.checks import as_date, latest_date
from ..schemas.validate import RowAccount, validate

__all__ = ["COVARIATES", "QUESTIONS", "DayClock", "case_covariates", "changing_covariates", "day_clock",
           "effects_by_cause", "ever_frame", "exit_causes", "first_resolution", "fixed_covariates",
           "incidence_by_recovery", "rate_by_count",
           "resolution_frame", "with_ownership"]

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
    >>> from crmresearch.survival import recovery
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


@dataclass
class DayClock:
    """Dated service records on each customer's own clock (days since the relationship started).

    Attributes
    ----------
    subjects : DataFrame
        One row per customer: ``customer_id``, ``duration`` (days followed), ``event`` (left by ``as_of``)
        and the other spell columns.
    cases : DataFrame
        One row per case inside follow-up: ``customer_id``, ``opened_day``, ``resolved_day`` (empty while open
        at ``as_of``), ``censor_day`` (``as_of`` on the same clock), ``compensated`` and any ``owner_kept``.
    customers : DataFrame or None
        ``customer_id`` and ``manager_id`` for :func:`case_covariates`; None without managers.
    managers : DataFrame or None
        ``manager_id`` and ``left_day`` on the customer's clock; None without managers.
    as_of : Timestamp
        The date the data describe.
    account : RowAccount
        Cases in and out of every step.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> spells = pd.DataFrame({'customer_id': [1], 'start': pd.to_datetime(['2024-01-01']), 'end': [None]})
    >>> cases = pd.DataFrame({'customer_id': [1, 1], 'opened': pd.to_datetime(['2023-12-01', '2024-03-01']),
    ...                       'resolved': pd.to_datetime(['2023-12-05', None])})
    >>> clock = recovery.day_clock(spells, cases, as_of='2024-06-30')
    >>> len(clock.cases), clock.account.table()['dropped'].tolist()   # the case before the start is counted out
    (1, [1, 0])
    """

    subjects: pd.DataFrame
    cases: pd.DataFrame
    customers: pd.DataFrame | None
    managers: pd.DataFrame | None
    as_of: pd.Timestamp
    account: RowAccount


def day_clock(spells: pd.DataFrame, cases: pd.DataFrame, as_of: Any = None,
              managers: pd.DataFrame | None = None) -> DayClock:
    """Put your dated spells, complaint cases and manager departures on each customer's own clock.

    Time is days since the customer's relationship started (the time scale of churn), so the tables can
    go to :func:`case_covariates`, :func:`resolution_frame` and :func:`crmresearch.survival.panel`. A
    customer followed until ``as_of`` without leaving is censored there. Cases opened before the
    customer's start or after the customer left cannot change churn during follow-up: they are dropped
    and counted in ``account``; a resolution after ``as_of`` counts as still open. A manager's departure
    is a change for the customers whose ``manager_id`` it is, if it falls inside their follow-up.

    Parameters
    ----------
    spells : DataFrame
        One row per customer: ``customer_id``, ``start``, ``end`` (empty while a customer), optional
        ``manager_id`` and covariates.
    cases : DataFrame
        One row per complaint: ``customer_id``, ``opened``, ``resolved`` (empty while open), optional
        ``case_id``, ``owner_kept`` and ``compensated`` (bool).
    as_of : str or Timestamp, optional
        Date the data describe; None: the latest date in the two tables.
    managers : DataFrame, optional
        ``manager_id`` and ``left`` (empty while still there); needs ``manager_id`` in ``spells``.

    Returns
    -------
    DayClock
        The subjects, cases (and managers) in days, with the row account.

    Raises
    ------
    ValidationError
        Missing columns, unreadable dates, a customer with two spells, cases of customers not in
        ``spells``, cases opened after ``as_of`` or resolved before they were opened; counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> spells = pd.DataFrame({'customer_id': [1, 2], 'start': pd.to_datetime(['2024-01-01', '2024-03-01']),
    ...                        'end': pd.to_datetime([None, '2024-06-30'])})
    >>> cases = pd.DataFrame({'customer_id': [1, 2], 'opened': pd.to_datetime(['2024-02-01', '2024-05-01']),
    ...                       'resolved': pd.to_datetime(['2024-02-11', None])})
    >>> clock = recovery.day_clock(spells, cases, as_of='2024-12-31')
    >>> clock.subjects[['customer_id', 'duration', 'event']].values.tolist()
    [[1, 365.0, False], [2, 121.0, True]]
    >>> clock.cases[['opened_day', 'resolved_day', 'censor_day']].values.tolist()
    [[31.0, 41.0, 365.0], [61.0, nan, 305.0]]
    """
    caller = "day_clock"
    sp = validate(spells, "spells", shape="dates", caller=f"{caller}(spells)")
    dup = sp["customer_id"].duplicated()
    if dup.any():
        raise ValidationError(f"{caller}: {int(dup.sum())} customers have more than one spell (first: "
                              f"{sp.loc[dup, 'customer_id'].head(3).tolist()}); keep one relationship per customer")
    cases = validate(cases, "cases", caller=f"{caller}(cases)")  # the cases contract: dates, order, 0/1 flags
    opened, resolved = cases["opened"], cases["resolved"]
    if as_of is not None:
        as_of_ts = as_date(as_of, "as_of", caller)
    else:
        dates = pd.concat([sp[["start", "end"]], pd.DataFrame({"start": opened, "end": resolved})])
        as_of_ts = latest_date(dates, ["start", "end"], caller)
    future = opened > as_of_ts
    if future.any():
        raise ValidationError(f"{caller}: {int(future.sum())} of {len(cases)} cases were opened after as_of "
                              f"{as_of_ts:%Y-%m-%d}; choose a later as_of or leave those cases out")
    start = dict(zip(sp["customer_id"], sp["start"], strict=True))
    unknown = ~cases["customer_id"].isin(start)
    if unknown.any():
        raise ValidationError(f"{caller}: {int(unknown.sum())} of {len(cases)} cases belong to customers that are not "
                              f"in the spells table (first: {cases.loc[unknown, 'customer_id'].head(3).tolist()})")
    late = sp["start"] > as_of_ts
    if late.any():
        raise ValidationError(f"{caller}: {int(late.sum())} customers start after as_of {as_of_ts:%Y-%m-%d}")
    stop = sp["end"].where(sp["end"].notna() & (sp["end"] <= as_of_ts), as_of_ts)
    subjects = sp.drop(columns=["start", "end"]).assign(
        duration=(stop - sp["start"]).dt.total_seconds().to_numpy() / 86400,
        event=(sp["end"].notna() & (sp["end"] <= as_of_ts)).to_numpy())
    account = RowAccount("cases", len(cases))
    origin = cases["customer_id"].map(start)
    out = pd.DataFrame({"customer_id": cases["customer_id"].to_numpy(),
                        "opened_day": ((opened - origin).dt.total_seconds() / 86400).to_numpy(),
                        "resolved_day": ((resolved.where(resolved <= as_of_ts) - origin).dt.total_seconds()
                                         / 86400).to_numpy(),
                        "censor_day": ((as_of_ts - origin).dt.total_seconds() / 86400).to_numpy()},
                       index=cases.index)
    for col in ("case_id", "owner_kept"):
        if col in cases.columns:
            out[col] = cases[col].to_numpy()
    out["compensated"] = cases["compensated"].astype(bool).to_numpy() if "compensated" in cases.columns else False
    follow = out["customer_id"].map(subjects.set_index("customer_id")["duration"])
    out = account.drop(out, out["opened_day"] < 0, "opened before the customer's start (outside follow-up)")
    out = account.drop(out, out["opened_day"] > follow.loc[out.index], "opened after the customer left "
                       "(cannot change churn)")
    customers = managers_days = None
    if managers is not None:
        if "manager_id" not in sp.columns:
            raise ValidationError(f"{caller}: a managers table needs 'manager_id' in the spells table")
        managers = validate(managers, "managers", caller=f"{caller}(managers)")
        left = managers["left"]
        by_id = dict(zip(managers["manager_id"], left, strict=True))
        day = (sp["manager_id"].map(by_id) - sp["start"]).dt.total_seconds() / 86400
        inside = day.notna() & (day >= 0) & (day <= subjects["duration"].to_numpy())
        customers = pd.DataFrame({"customer_id": sp["customer_id"], "manager_id": sp["customer_id"]})
        managers_days = pd.DataFrame({"manager_id": sp["customer_id"], "left_day": day.where(inside)})
    return DayClock(subjects.reset_index(drop=True), out.reset_index(drop=True), customers, managers_days, as_of_ts,
                    account)


def fixed_covariates(spells: pd.DataFrame, spec: str | Sequence[str] = "auto") -> list[str]:
    """Time-fixed covariates of the churn model from a spells table (see
    :func:`crmresearch.survival.spell_covariates`); ``manager_id`` is an id, never a covariate, and with
    ``"auto"`` a table with no such column gives none (the time-varying covariates still apply).

    Parameters
    ----------
    spells : DataFrame
        One row per customer.
    spec : str or sequence of str, default 'auto'
        Column names (a list or comma-separated text), or ``'auto'``.

    Returns
    -------
    list of str
        The covariate columns (may be empty with ``'auto'``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> spells = pd.DataFrame({'customer_id': [1], 'start': pd.to_datetime(['2024-01-01']), 'end': [None],
    ...                        'manager_id': ['m1'], 'rural': [True]})
    >>> recovery.fixed_covariates(spells), recovery.fixed_covariates(spells[['customer_id', 'start', 'end']])
    (['rural'], [])
    """
    from . import spell_covariates

    table = spells.drop(columns=["manager_id"], errors="ignore")
    others = [c for c in table.columns if c not in ("customer_id", "start", "end")]
    if isinstance(spec, str) and spec.strip().lower() == "auto" and not others:
        return []
    return spell_covariates(table, spec)


def changing_covariates(changes: pd.DataFrame) -> list[str]:
    """The covariates of :data:`COVARIATES` that change for at least one customer in ``changes`` (from
    :func:`case_covariates`): a covariate with no change (no compensation recorded, no managers, no slow
    case) is constant at 0 and cannot be estimated, so it is left out of the model.

    Parameters
    ----------
    changes : DataFrame
        Output of :func:`case_covariates`.

    Returns
    -------
    list of str
        The covariates to model, in :data:`COVARIATES` order.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> cases = pd.DataFrame({'customer_id': [1], 'opened_day': [2.0], 'resolved_day': [4.0], 'compensated': [False]})
    >>> recovery.changing_covariates(recovery.case_covariates(cases))
    ['open_complaint']
    """
    return [c for c in COVARIATES if c in changes.columns and changes[c].max() == 1]


def with_ownership(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases with an ``ownership`` label from ``owner_kept``: 'owner kept' (the first agent kept the case
    until it closed) or 'transferred'; cases without an ``owner_kept`` column come back unchanged.

    Parameters
    ----------
    cases : DataFrame
        One row per case; ``owner_kept`` (bool or 0/1) optional.

    Returns
    -------
    DataFrame
        A copy with ``ownership`` (str) added when ``owner_kept`` is there; else ``cases`` itself.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> recovery.with_ownership(pd.DataFrame({"owner_kept": [1, 0]}))["ownership"].tolist()
    ['owner kept', 'transferred']
    """
    if "owner_kept" not in cases.columns:
        return cases
    return cases.assign(ownership=cases["owner_kept"].astype(bool).map({True: "owner kept", False: "transferred"}))


def resolution_frame(cases: pd.DataFrame, end_day: float | str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Survival frame of time to resolution in days: ``duration`` (resolved - opened, or end_day -
    opened for cases still open: censored), ``event`` (resolved), and the ``by`` columns.

    Parameters
    ----------
    cases : DataFrame
        One row per case: ``opened_day``, ``resolved_day`` (empty while open).
    end_day : float or str
        Day the data were taken (censoring time), or the column holding it per case (e.g. ``censor_day``
        of :func:`day_clock`).
    by : sequence of str, default ()
        Columns to carry along (e.g. ``owner_kept``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> cases = pd.DataFrame({"opened_day": [1.0, 2.0], "resolved_day": [3.0, None]})
    >>> recovery.resolution_frame(cases, end_day=10.0)[["duration", "event"]].values.tolist()   # open case censored
    [[2.0, True], [8.0, False]]
    """
    caller = "resolution_frame"
    _need(cases, ["opened_day", "resolved_day", *by, *([end_day] if isinstance(end_day, str) else [])], "cases",
          caller)
    opened = pd.to_numeric(cases["opened_day"], errors="coerce")
    resolved = pd.to_numeric(cases["resolved_day"], errors="coerce")
    if isinstance(end_day, str):
        end_day = pd.to_numeric(cases[end_day], errors="coerce").to_numpy(dtype=float)
    after = opened > end_day
    if after.any():
        raise ValidationError(f"{caller}: {int(after.sum())} cases were opened after the end of observation")
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
    >>> from crmresearch.survival import recovery
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
    >>> from crmresearch.survival import recovery
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


# ------------------------------------------------------------------------------ why customers left
#: The question each competing-risks model answers, as the effects table states it.
QUESTIONS = {"cause-specific Cox": "what drives this cause",
             "Fine-Gray": "how many leave for this cause by t"}


def exit_causes(subjects: pd.DataFrame, causes: Sequence[Any] | None = None,
                caller: str = "service-recovery") -> list[Any]:
    """The causes of the exits in the ``cause`` column of a subjects table, checked before any model: every
    exit has a known cause, at least two causes occur, and each cause named in ``causes`` has an exit.

    Parameters
    ----------
    subjects : DataFrame
        One row per customer: ``event`` (left) and ``cause`` (why; ignored where ``event`` is 0).
    causes : sequence or None, optional
        The known causes in reporting order; None: those that occur, sorted.
    caller : str, default 'service-recovery'
        Name for the messages.

    Returns
    -------
    list
        The causes, in reporting order.

    Raises
    ------
    ValidationError
        Exits with no or an unknown cause, a named cause without exits, or one cause only (counts in the
        message).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> s = pd.DataFrame({'duration': [30.0, 90, 45], 'event': [True, False, True],
    ...                   'cause': ['fees', None, 'credit']})
    >>> recovery.exit_causes(s)
    ['credit', 'fees']
    """
    from .competing import competing_events

    check = subjects[["event", "cause"]].assign(duration=0.0, event=subjects["event"].astype(int))
    _, code, labels = competing_events(check, caller, cause="cause", causes=causes, required=list(causes or []))
    if len(labels) < 2:
        n = int((code > 0).sum())
        raise ValidationError(f"{caller}: column 'cause': all {n} of the {n} exits have the same cause "
                              f"({labels[0]!r}); competing risks need exits of two causes or more: record why the "
                              "others left, or drop the column to model churn as one event")
    return labels


def first_resolution(cases: pd.DataFrame, subjects: pd.DataFrame, slow_days: float = 7.0,
                     fixed: Sequence[str] = ()) -> pd.DataFrame:
    """Each customer with a resolved complaint, followed from the first resolution (a landmark): what the
    recovery was and when, and for what cause, the customer left after it.

    Parameters
    ----------
    cases : DataFrame
        ``customer_id``, ``opened_day``, ``resolved_day`` (empty while open), ``compensated`` (days since the
        customer's start).
    subjects : DataFrame
        One row per customer: ``customer_id``, ``duration`` (days), ``event``, optional ``cause`` and the
        ``fixed`` columns.
    slow_days : float, default 7.0
        A resolution slower than this many days is slow.
    fixed : sequence of str, default ()
        Columns of ``subjects`` to carry along.

    Returns
    -------
    DataFrame
        One row per customer resolved before leaving or the end of follow-up: ``customer_id``, ``duration`` (days
        since the first resolution), ``event``, ``cause`` (if given), ``compensated`` and ``slow_resolution`` (0/1,
        of that resolution), ``recovery`` (``compensated`` or ``not compensated``) and ``fixed``;
        ``attrs['rows']`` the :class:`~crmresearch.schemas.RowAccount` of the customers with a complaint.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import recovery
    >>> cases = pd.DataFrame({'customer_id': [1, 1, 2], 'opened_day': [10.0, 40, 5], 'resolved_day': [20.0, 41, 30],
    ...                       'compensated': [True, False, False]})
    >>> subjects = pd.DataFrame({'customer_id': [1, 2], 'duration': [100.0, 25], 'event': [True, True]})
    >>> lm = recovery.first_resolution(cases, subjects)   # customer 2 left before the resolution
    >>> lm['customer_id'].tolist(), lm['duration'].tolist(), lm['recovery'].tolist()
    ([1], [80.0], ['compensated'])
    """
    _need(cases, ["customer_id", "opened_day", "resolved_day", "compensated"], "cases", "first_resolution")
    _need(subjects, ["customer_id", "duration", "event", *fixed], "subjects", "first_resolution")
    done = cases[cases["resolved_day"].notna()].sort_values(["customer_id", "resolved_day"], kind="stable")
    first = done.drop_duplicates("customer_id").set_index("customer_id")
    who = subjects[subjects["customer_id"].isin(cases["customer_id"])].reset_index(drop=True)
    account = RowAccount("customers with a complaint", len(who))
    at = who["customer_id"].map(first["resolved_day"])
    who = account.drop(who, at.isna() | (at >= who["duration"]),
                       "no resolution before leaving or the end of follow-up")
    rec = first.loc[who["customer_id"]]
    keep = ["cause"] if "cause" in who.columns else []
    out = pd.DataFrame({"customer_id": who["customer_id"].to_numpy(),
                        "duration": who["duration"].to_numpy(float) - rec["resolved_day"].to_numpy(float),
                        "event": who["event"].astype(bool).to_numpy()})
    for c in keep:
        out[c] = who[c].to_numpy(dtype=object)
    out["compensated"] = rec["compensated"].astype(bool).to_numpy().astype(int)
    out["slow_resolution"] = ((rec["resolved_day"] - rec["opened_day"]).to_numpy(float) > slow_days).astype(int)
    out["recovery"] = np.where(out["compensated"] == 1, "compensated", "not compensated")
    for c in fixed:
        out[c] = who[c].to_numpy()
    out.attrs["rows"] = account
    return out


def effects_by_cause(panel: pd.DataFrame, covariates: Sequence[str], causes: Sequence[Any],
                     landmark: pd.DataFrame | None = None, landmark_covariates: Sequence[str] = (),
                     truth: dict[str, dict[str, float]] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Effects on each exit cause: a cause-specific time-varying Cox model per cause on the panel ("what drives
    this cause"), and a Fine-Gray model per cause on the customers followed from their first resolution ("how
    many leave for this cause by t"), in one table with the true cause-specific log hazard ratios beside.

    Parameters
    ----------
    panel : DataFrame
        A :func:`crmresearch.survival.panel` with a ``cause`` column (the customer's exit cause on every row).
    covariates : sequence of str
        Covariates of the cause-specific models (panel columns).
    causes : sequence
        The causes, in reporting order (from :func:`exit_causes`).
    landmark : DataFrame or None, optional
        :func:`first_resolution` for the Fine-Gray models; None: cause-specific rows only.
    landmark_covariates : sequence of str, default ()
        Covariates of the Fine-Gray models (``landmark`` columns, fixed at the first resolution); one that takes
        a single value there (no compensation recorded, no slow case) cannot be estimated and is left out, as
        :func:`changing_covariates` leaves out covariates that never change.
    truth : dict or None, optional
        Cause -> covariate -> true cause-specific log hazard ratio (the simulator's); None: no truth columns.
    alpha : float, default 0.05
        1 - confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``model``, ``question``, ``cause``, ``covariate``, ``estimate`` (log cause-specific or subdistribution
        hazard ratio), ``std_error``, ``ci_lower``, ``ci_upper``, ``p_value``, ``events``; with ``truth`` also
        ``truth`` (empty where the simulator has none) and ``truth_inside_interval``.

    References
    ----------
    Prentice et al. (1978), Biometrics 34, 541-554; Fine & Gray (1999), JASA 94, 496-509; Putter, Fiocco &
    Geskus (2007), Tutorial in biostatistics: competing risks and multi-state models, Stat. Med. 26, 2389-2430.

    Examples
    --------
    >>> from crmresearch import data, survival
    >>> from crmresearch.survival import recovery
    >>> sim = data.simulate_service_cases(n_customers=3000, n_managers=30, seed=1)
    >>> subjects = sim.with_causes().rename(columns={'duration_days': 'duration', 'churned': 'event'})
    >>> changes = recovery.case_covariates(sim.cases, sim.customers, sim.managers)
    >>> panel = survival.panel(subjects[['customer_id', 'duration', 'event', 'rural', 'cause']], changes,
    ...                        initial=dict.fromkeys(recovery.COVARIATES, 0))
    >>> t = recovery.effects_by_cause(panel, ['compensated'], data.EXIT_CAUSES)
    >>> t[['cause', 'covariate']].values.tolist()[:2]
    [['voluntary_closure', 'compensated'], ['credit_closure', 'compensated']]
    """
    from .competing import FineGray
    from .timevarying import TimeVaryingCox

    _need(panel, ["event", "cause", *covariates], "panel", "effects_by_cause")
    ended = panel["event"].astype(bool).to_numpy()
    rows = []
    for k in causes:
        m = TimeVaryingCox(list(covariates), alpha=alpha).fit(panel.assign(event=ended & (panel["cause"] == k)))
        rows.append(m.summary.assign(model="cause-specific Cox", cause=k, events=m.n_events_))
    if landmark is not None:
        varies = [c for c in landmark_covariates if landmark[c].nunique(dropna=False) > 1]
        for k in causes:
            fg = FineGray(varies, cause_of_interest=k, cause="cause", alpha=alpha)
            fg.fit(landmark.assign(event=landmark["event"].astype(int)))
            rows.append(fg.summary.assign(model="Fine-Gray", cause=k, events=fg.n_events_))
    out = pd.concat(rows).rename_axis("covariate").reset_index()
    out["question"] = out["model"].map(QUESTIONS)
    out = out[["model", "question", "cause", "covariate", "estimate", "std_error", "ci_lower", "ci_upper",
               "p_value", "events"]]
    if truth is not None:
        true = [truth.get(k, {}).get(c, np.nan) if m == "cause-specific Cox" else np.nan
                for m, k, c in zip(out["model"], out["cause"], out["covariate"], strict=True)]
        out["truth"] = np.asarray(true, dtype=float)
        inside = (out["ci_lower"] <= out["truth"]) & (out["truth"] <= out["ci_upper"])
        out["truth_inside_interval"] = inside.where(out["truth"].notna()).astype(object)
    return out.reset_index(drop=True)


def incidence_by_recovery(landmark: pd.DataFrame, causes: Sequence[Any], horizons: Sequence[float] = (180, 365, 730),
                          alpha: float = 0.05) -> tuple[Any, pd.DataFrame]:
    """Cumulative incidence of each exit cause (Aalen-Johansen) after the first resolution, by the recovery
    (compensated or not), with Gray's test of equal incidence between the two per cause.

    Parameters
    ----------
    landmark : DataFrame
        :func:`first_resolution` with a ``cause`` column.
    causes : sequence
        The causes, in reporting order.
    horizons : sequence of float, default (180, 365, 730)
        Days after the first resolution.
    alpha : float, default 0.05
        1 - confidence level of the bands.

    Returns
    -------
    tuple of (CumulativeIncidence, DataFrame)
        The fit (its ``curves_`` for the figure) and its horizon table: ``group`` (the recovery), ``cause``,
        ``horizon`` (days), ``cif``, ``std_error``, ``ci_lower``, ``ci_upper``, ``naive`` (1 - Kaplan-Meier with
        the other causes censored), ``overstated`` and ``gray_p_value`` (empty with one recovery group).

    Examples
    --------
    >>> from crmresearch import data
    >>> from crmresearch.survival import recovery
    >>> sim = data.simulate_service_cases(n_customers=2000, n_managers=20, seed=1)
    >>> subjects = sim.with_causes().rename(columns={'duration_days': 'duration', 'churned': 'event'})
    >>> lm = recovery.first_resolution(sim.cases, subjects)
    >>> fit, table = recovery.incidence_by_recovery(lm, data.EXIT_CAUSES, horizons=(365,))
    >>> fit.groups_, len(table)
    (['compensated', 'not compensated'], 6)
    """
    from .competing import CumulativeIncidence

    _need(landmark, ["duration", "event", "cause", "recovery"], "landmark", "incidence_by_recovery")
    fit = CumulativeIncidence(cause="cause", causes=list(causes), group="recovery", horizons=horizons,
                              alpha=alpha).fit(landmark.assign(event=landmark["event"].astype(int)))
    table = fit.at_horizons_.copy()
    gray = fit.gray_test_.set_index("cause")["p_value"] if fit.gray_test_ is not None else pd.Series(dtype=float)
    table["gray_p_value"] = table["cause"].map(gray).astype(float)
    return fit, table
