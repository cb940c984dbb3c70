"""From relationship spells to survival data (duration, event, optional entry for left truncation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from ..schemas.contracts import TIME_UNITS

__all__ = ["latest_date", "spell_covariates", "spell_groups", "survival_frame"]

_SPELL_COLUMNS = ("customer_id", "start", "end", "duration", "event", "cause")  # cause: why it ended, an outcome


def survival_frame(
    spells: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    unit: str = "months",
    observed_from: str | pd.Timestamp | None = None,
    customer: str = "customer_id",
    start: str = "start",
    end: str = "end",
    keep: list[str] | None = None,
    duration: str = "duration",
    event: str = "event",
    duration_unit: str = "months",
) -> pd.DataFrame:
    """Duration and event per spell: from start and end dates right-censored at ``as_of``, or from a
    duration and an event flag as most survival extracts hold them (the two shapes of the spells contract).

    Parameters
    ----------
    spells : DataFrame
        ``customer`` with ``start`` and ``end`` (missing = still active), or with ``duration`` (time from the
        start to the end or to the end of observation, in ``duration_unit``) and ``event`` (1 = ended,
        0 = censored).
    as_of : date, optional
        Censoring date of dated spells (required for them; dates after it are an error). Durations are
        already censored and take none.
    unit : {"days", "weeks", "months", "years"}
        Unit of ``duration`` and ``entry`` in the frame (a month is 30.4375 days).
    observed_from : date, optional
        Start of observation of dated spells. Spells that began before it are left-truncated: ``entry`` is
        the time already survived when observation starts (pass it to the fitters as the entry column).
        Spells that ended before it cannot be observed and are an error. Durations take none.
    customer, start, end, duration, event : str
        Column names.
    keep : list of str
        Covariate columns to carry over.
    duration_unit : {"days", "weeks", "months", "years"}, default 'months'
        Unit of the ``duration`` column of durations-only spells.

    Returns
    -------
    DataFrame (one row per spell): ``customer``, ``duration``, ``event`` (1 = churned), ``entry``
    (0 unless left-truncated) and the ``keep`` columns. ``attrs["row_account"]`` records rows in/out,
    ``attrs["unit"]`` the unit.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> spells = pd.DataFrame({'customer_id': [1, 2], 'start': pd.to_datetime(['2023-01-01', '2023-06-01']),
    ...                        'end': pd.to_datetime(['2023-07-01', None])})
    >>> survival.survival_frame(spells, as_of='2024-01-01')[['duration', 'event']].round(2).values.tolist()   # months
    [[5.95, 1.0], [7.03, 0.0]]
    >>> tenure = pd.DataFrame({'customer_id': [1, 2], 'duration': [14.0, 70.0], 'event': [1, 0]})   # days
    >>> survival.survival_frame(tenure, unit='weeks', duration_unit='days')[['duration', 'event']].values.tolist()
    [[2.0, 1.0], [10.0, 0.0]]
    """
    for name, u in (("unit", unit), ("duration_unit", duration_unit)):
        if u not in TIME_UNITS:
            raise ValidationError(f"survival_frame: {name} must be one of {list(TIME_UNITS)}; got {u!r}")
    keep = list(keep or [])
    dated = start in spells.columns or duration not in spells.columns
    u = TIME_UNITS[unit]
    if dated:
        if as_of is None:
            raise ValidationError(f"survival_frame: spells with dates ({start}, {end}) need as_of, the censoring "
                                  "date (e.g. survival.latest_date(spells))")
        sp, days, event_flag, entry_days = _from_dates(spells, pd.Timestamp(as_of), observed_from, customer,
                                                       start, end)
        dur, entry = days / u, entry_days / u
    else:
        for name, value in (("as_of", as_of), ("observed_from", observed_from)):
            if value is not None:
                raise ValidationError(f"survival_frame: {name} applies to spells with start and end dates; these "
                                      f"spells give durations ({duration}, {event}), already censored")
        sp = schemas.validate(spells, "spells", shape="durations", customer=customer, duration=duration,
                              event=event, caller="survival_frame")
        dur = sp[duration].to_numpy(dtype=float) * (TIME_UNITS[duration_unit] / u)  # exact when the units agree
        event_flag, entry = sp[event].astype(bool).to_numpy(), np.zeros(len(sp))
    missing = [c for c in keep if c not in sp.columns]
    if missing:
        raise ValidationError(f"survival_frame: covariate column(s) {missing} not in the spells table")
    out = pd.DataFrame({customer: sp[customer].to_numpy(), "duration": dur, "event": event_flag.astype(np.int64),
                        "entry": entry})
    for c in keep:
        out[c] = sp[c].to_numpy() if not isinstance(sp[c].dtype, pd.CategoricalDtype) else sp[c].values
    zero = out["duration"] <= out["entry"]
    acct = schemas.RowAccount("spells", len(out))
    if zero.any():  # a spell that ends the day observation starts carries no information
        out = acct.drop(out, zero.to_numpy(), "no time at risk after entry (duration <= entry)")
    else:
        acct.note("no spell dropped", len(out), len(out))
    out.attrs["row_account"] = acct.steps  # plain records (a DataFrame in attrs breaks pandas' concat)
    out.attrs["unit"] = unit
    return out.reset_index(drop=True)


def _from_dates(spells: pd.DataFrame, as_of_ts: pd.Timestamp, observed_from: str | pd.Timestamp | None,
                customer: str, start: str, end: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Dated spells: the checked table, days at risk, the event flag and days before entry."""
    sp = schemas.validate(spells, "spells", shape="dates", customer=customer, start=start, end=end, as_of=as_of_ts,
                          caller="survival_frame")
    dup = sp.duplicated([customer, start], keep=False)
    if dup.any():
        raise ValidationError(f"survival_frame: {int(dup.sum())} of {len(sp)} rows are duplicated spells "
                              f"(same {customer} and {start}; first rows: {', '.join(map(str, sp.index[dup][:5]))})")
    event = sp[end].notna().to_numpy()
    stop = sp[end].where(sp[end].notna(), as_of_ts)
    days = (stop - sp[start]).dt.total_seconds().to_numpy() / 86_400
    entry_days = np.zeros(len(sp))
    if observed_from is not None:
        obs = pd.Timestamp(observed_from)
        gone = (sp[end] < obs).to_numpy()
        if gone.any():
            raise ValidationError(f"survival_frame: {int(gone.sum())} spells ended before observed_from = "
                                  f"{obs.date()}; they cannot be observed — remove them explicitly")
        entry_days = np.clip((obs - sp[start]).dt.total_seconds().to_numpy() / 86_400, 0, None)
    return sp, days, event, entry_days


def spell_covariates(spells: pd.DataFrame, spec: str | Sequence[str] = "auto") -> list[str]:
    """Covariate columns of a spells table: ``spec`` names them, or is ``"auto"`` for every column
    besides ``customer_id``, ``start``, ``end``, ``duration``, ``event`` and ``cause`` (why the relationship ended:
    an outcome, never a covariate; dates and free-text ids are left out).

    Parameters
    ----------
    spells : DataFrame
        Spells table.
    spec : str or sequence of str, default 'auto'
        Column names (a list, as the studies' ``covariates`` parameter gives them, or comma-separated
        text), or ``'auto'``.

    Returns
    -------
    list of str
        Covariate column names.

    Raises
    ------
    ValidationError
        A named column that the table lacks, or no covariate column at all.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> spells = pd.DataFrame({'customer_id': [1], 'start': ['2023-01-01'], 'end': [None], 'region': ['urban'],
    ...                        'n_products': [2]})
    >>> survival.spell_covariates(spells), survival.spell_covariates(spells, ['region'])
    (['region', 'n_products'], ['region'])
    """
    if not _is_auto(spec):
        cols = _names(spec)
        absent = [c for c in cols if c not in spells.columns]
        if absent:
            raise ValidationError(f"spell_covariates: column(s) {absent} are not in the spells table; it has "
                                  f"{list(spells.columns)[:15]}")
        return cols
    out = []
    for c in spells.columns:
        if c in _SPELL_COLUMNS or pd.api.types.is_datetime64_any_dtype(spells[c]):
            continue
        s = spells[c]
        numeric = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        if numeric or s.nunique(dropna=True) <= 50:  # a text column with many values is an id, not a covariate
            out.append(c)
    if not out:
        raise ValidationError("spell_covariates: the spells table has no covariate column besides customer_id "
                              "and its start and end (or duration and event); add columns or name them")
    return out


def spell_groups(spells: pd.DataFrame, covariates: list[str], spec: str | Sequence[str] = "auto",
                 max_levels: int = 8) -> list[str]:
    """Columns to draw Kaplan-Meier curves by: ``spec`` names them, or is ``"auto"`` for the covariates
    with 2 to ``max_levels`` distinct values.

    Parameters
    ----------
    spells : DataFrame
        Spells table.
    covariates : list of str
        Covariates to choose from.
    spec : str or sequence of str, default 'auto'
        Column names (a list or comma-separated text), or ``'auto'``.
    max_levels : int, default 8
        Most distinct values of an ``auto`` group column.

    Returns
    -------
    list of str
        Group column names.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> spells = pd.DataFrame({'region': ['urban', 'rural'] * 5, 'n_products': list(range(10))})
    >>> survival.spell_groups(spells, ['region', 'n_products'])   # few levels: a grouping column
    ['region']
    """
    if not _is_auto(spec):
        cols = _names(spec)
        absent = [c for c in cols if c not in spells.columns]
        if absent:
            raise ValidationError(f"spell_groups: column(s) {absent} are not in the spells table")
        return cols
    out = [c for c in covariates if 2 <= spells[c].nunique(dropna=True) <= max_levels]
    if not out:
        raise ValidationError(f"spell_groups: no covariate has 2 to {max_levels} values to group by; name the "
                              "columns with groups=...")
    return out


def _is_auto(spec: str | Sequence[str]) -> bool:
    return isinstance(spec, str) and spec.strip().lower() == "auto"


def _names(spec: str | Sequence[str]) -> list[str]:
    """Column names from a list, or from comma-separated text (the form these functions took first)."""
    parts = spec.split(",") if isinstance(spec, str) else spec
    return [c.strip() for c in parts if c.strip()]


def latest_date(spells: pd.DataFrame, start: str = "start", end: str = "end") -> str:
    """The latest start or end date of a spells table (the natural censoring date), as YYYY-MM-DD.

    Parameters
    ----------
    spells : DataFrame
        Spells table.
    start : str, default 'start'
        Start column.
    end : str, default 'end'
        End column.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> spells = pd.DataFrame({'start': pd.to_datetime(['2023-01-01', '2023-05-01']),
    ...                        'end': pd.to_datetime(['2023-03-01', None])})
    >>> survival.latest_date(spells)
    '2023-05-01'
    """
    return str(schemas.latest_date(spells, (start, end), caller="latest_date").date())
