"""From a transaction log to the per-customer table of the customer-base models."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from ..sources import aggregate

__all__ = ["conditional_expectations", "contract_periods", "customer_tables", "first_purchase_amounts",
           "opportunity_summary", "repeat_tracking", "summary_from_transactions"]

_UNITS = {"D": 1.0, "W": 7.0, "M": 30.4375}


def summary_from_transactions(
    transactions: Any,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "W",
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Calibration / holdout table: one row per customer, times in ``freq`` units.

    Purchases on the same day are merged into one transaction (their amounts summed), as in
    Fader, Hardie & Lee (2005). Purchases up to and including the day ``calibration_end`` are in the
    calibration period; times are day differences from the customer's first purchase day, so the
    age is T = (calibration_end - first purchase day) (the convention of FHL's CDNOW summary,
    where a customer who first bought on 1997-01-01 has T = 272 / 7 = 38.86 weeks at 1997-09-30).
    Transactions after ``observation_end`` are an error, not silently ignored.

    Returns
    -------
    DataFrame indexed by customer. Customers whose first purchase is after ``calibration_end`` are
    not in the calibration table (count in ``attrs["excluded_after_calibration"]``), nor are those
    whose first purchase is on that day, with age T = 0 (``attrs["excluded_zero_age"]``); both steps,
    customers in and out, are in ``attrs["row_account"]`` (records of :class:`~crmresearch.schemas.RowAccount`).
        ``frequency`` (repeat purchase days in the calibration period), ``recency`` (time of the
        last repeat purchase), ``T`` (age at the end of calibration), ``monetary_value`` (mean
        amount of the repeat purchases; 0 if none; not with ``amount=None``), and with ``observation_end``:
        ``frequency_holdout`` (purchase days after calibration up to ``observation_end``) and
        ``duration_holdout`` (holdout length).

    Parameters
    ----------
    transactions : object
        One row per transaction with customer, date and amount columns, anywhere
        :func:`~crmresearch.sources.as_source` reads.
    calibration_end : str or Timestamp
        Last day of calibration (inclusive).
    observation_end : str or Timestamp or None, optional
        Last day of the holdout (inclusive); None: no holdout columns.
    freq : str, default 'W'
        Time unit of the output: ``'W'`` weeks, ``'D'`` days, ``'M'`` months (30.4375 days).
    customer : str, default 'customer_id'
        Customer id column.
    date : str, default 'date'
        Transaction date column.
    amount : str or None, default 'amount'
        Amount column (currency); None for a table without amounts.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> days = pd.to_datetime(['2024-01-01', '2024-01-15', '2024-02-05', '2024-01-10'])
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2], 'date': days,
    ...                    'amount': [10.0, 20.0, 30.0, 5.0]})
    >>> s = clv.summary_from_transactions(tx, '2024-03-04')   # weeks
    >>> s[['frequency', 'recency', 'T', 'monetary_value']].round(2).values.tolist()
    [[2.0, 5.0, 9.0, 25.0], [0.0, 0.0, 7.71, 0.0]]
    """
    if freq not in _UNITS:
        raise ValidationError(f"summary_from_transactions: freq must be one of {list(_UNITS)}; got {freq!r}")
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if obs_end is not None and obs_end < cal_end:
        raise ValidationError("summary_from_transactions: observation_end is before calibration_end")
    cols = {"customer": customer, "date": date}
    if amount is not None:
        cols["amount"] = amount
    as_of = obs_end + pd.Timedelta(days=1) - pd.Timedelta(1, "ns") if obs_end is not None else None
    if isinstance(transactions, pd.DataFrame):  # parse and check pandas input; other engines check in place
        frame = transactions if amount is not None else transactions[list(cols.values())]
        tx = schemas.validate(frame, "transactions", caller="summary_from_transactions", as_of=as_of,
                              need=["amount"] if amount is not None else [], **cols)
        table = tx[list(cols.values())]
    else:
        table = transactions
    per = aggregate.clv_summary(table, cal_end, obs_end, columns=cols, amount=amount is not None)
    return _summary(per, cal_end, obs_end, freq, customer, amount is not None)


def _summary(per: pd.DataFrame, cal_end: pd.Timestamp, obs_end: pd.Timestamp | None, freq: str, customer: str,
             amount: bool) -> pd.DataFrame:
    """The calibration / holdout table from the per-customer day statistics of :func:`~crmresearch.sources.
    aggregate.clv_summary` (pandas; one row per customer)."""
    unit = _UNITS[freq]
    per = per.loc[per["first"].notna()]  # customers without a purchase in the summary window
    seen = per["days_cal"] > 0
    cal = per.loc[seen]
    out = pd.DataFrame(index=cal.index)
    out["frequency"] = (cal["days_cal"] - 1).astype(np.int64)
    out["recency"] = ((cal["last_cal"] - cal["first"]).dt.days / unit).astype(float)
    out["T"] = (cal_end - cal["first"]).dt.days / unit
    repeat = out["frequency"] > 0
    if amount:
        out["monetary_value"] = np.where(repeat, cal["repeat_amount_cal"] / out["frequency"].clip(lower=1), 0.0)
    if obs_end is not None:
        out["frequency_holdout"] = cal["days_holdout"].astype(np.int64)
        out["duration_holdout"] = (obs_end - cal_end).days / unit
    out.index.name = customer
    zero_age = out["T"] <= 0  # first purchase on the calibration end day: no time to repeat yet
    out = out.loc[~zero_age].copy()
    out.attrs.update(aggregate.summary_attrs(cal_end, len(per), int(seen.sum()), len(out), freq))
    return out


def opportunity_summary(
    transactions: Any,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    period_days: int = 7,
    customer: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """Calibration / holdout table at discrete opportunities, for the BG/BB (Fader, Hardie & Shang 2010).

    Time is cut into periods of ``period_days`` days counted back from ``calibration_end`` (the last period of
    calibration ends on that day), and a customer either buys in a period or not, as a donor gives in a year or not
    (FHS 2010, section 2). The period of a customer's first purchase is the cohort's start; the opportunities are the
    whole periods after it. Several purchases in one period count as one transaction.

    Returns
    -------
    DataFrame indexed by customer, one row per customer with at least one opportunity:
        ``frequency`` (x: periods after the first with a purchase), ``recency`` (t_x: the opportunity of the
        last of them, 1..n; 0 when x = 0), ``T`` (n: opportunities observed; named as in
        :func:`summary_from_transactions` so that :func:`~crmresearch.clv.compare_models` fits BG/BB and the
        continuous-time models to the same table, in periods), and with ``observation_end``:
        ``frequency_holdout`` (holdout periods with a purchase) and ``duration_holdout`` (whole holdout periods,
        n*). Customers whose first purchase is after ``calibration_end`` or in its last period (n = 0) are not
        in the table; both steps, customers in and out, are in ``attrs["row_account"]``. Purchase days in an
        incomplete last holdout period are not counted (their count: ``attrs["holdout_days_unused"]``).

    Parameters
    ----------
    transactions : object
        One row per transaction with customer and date columns, anywhere :func:`~crmresearch.sources.as_source`
        reads (amounts are not needed).
    calibration_end : str or Timestamp
        Last day of calibration (inclusive).
    observation_end : str or Timestamp or None, optional
        Last day of the holdout (inclusive); None: no holdout columns.
    period_days : int, default 7
        Length of one opportunity in days (7: weeks; 365 for yearly opportunities as in FHS's donations).
    customer, date : str
        Customer id and transaction date columns.

    Raises
    ------
    ValidationError
        ``period_days`` below 1, ``observation_end`` before ``calibration_end``, or a transactions table that
        breaks its contract (:func:`~crmresearch.sources.aggregate.check_transactions`).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> days = pd.to_datetime(['2024-01-01', '2024-01-03', '2024-01-16', '2024-01-10', '2024-02-01'])
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2, 1], 'date': days})
    >>> s = clv.opportunity_summary(tx, '2024-01-28', observation_end='2024-02-11')   # weeks back from Jan 28
    >>> s.values.tolist()   # customer 1: first week Jan 1-7, a purchase in week 3 of 3; customer 2: none in 2
    [[1, 2, 3, 1, 2], [0, 0, 2, 0, 2]]
    """
    from ..sources import aggregate as agg

    caller = "opportunity_summary"
    if isinstance(period_days, bool) or not isinstance(period_days, (int, np.integer)) or period_days < 1:
        raise ValidationError(f"{caller}: period_days must be a whole number of days >= 1, got {period_days!r}")
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if obs_end is not None and obs_end < cal_end:
        raise ValidationError(f"{caller}: observation_end {obs_end.date()} is before calibration_end {cal_end.date()}")
    pairs = agg.purchase_periods(transactions, cal_end, obs_end, int(period_days),
                                 columns={"customer": customer, "date": date}, caller=caller)
    k, ids = pairs["period"].to_numpy(dtype=np.int64), pairs["customer_id"]
    first = pairs.groupby("customer_id", sort=True)["period"].max()  # the earliest period: counted back
    known = first[first >= 0]  # first purchase on or before calibration_end
    n = known.to_numpy(dtype=np.int64)
    out = pd.DataFrame(index=pd.Index(known.index, name=customer))
    first_of = ids.map(known)
    cal = (k >= 0) & (k < first_of.to_numpy(dtype=float))  # repeat periods in calibration
    rep = pd.DataFrame({"customer_id": ids[cal], "period": k[cal]}).groupby("customer_id")["period"]
    x = rep.size().reindex(known.index, fill_value=0).to_numpy(dtype=np.int64)
    last = rep.min().reindex(known.index)  # the latest repeat period
    out["frequency"] = x
    out["recency"] = np.where(x > 0, n - last.fillna(0).to_numpy(dtype=np.int64), 0).astype(np.int64)
    out["T"] = n
    if obs_end is not None:
        whole = (obs_end - cal_end).days // period_days
        hold = (k < 0) & (k >= -whole) & first_of.notna().to_numpy()
        out["frequency_holdout"] = (pd.Series(ids[hold]).value_counts().reindex(known.index, fill_value=0)
                                    .to_numpy(dtype=np.int64))
        out["duration_holdout"] = int(whole)
        out.attrs["holdout_days_unused"] = int(((k < -whole) & first_of.notna().to_numpy()).sum())
    seen = len(known)
    out = out.loc[n > 0].copy()
    account = schemas.RowAccount("customers", len(first))
    account.note(f"first purchase after calibration_end = {cal_end.date()} (not yet a customer then)",
                 len(first), seen)
    account.note(f"first purchase in the last period of calibration (the {period_days} days to {cal_end.date()}: "
                 "no opportunity yet)", seen, len(out))
    out.attrs["row_account"] = account.steps
    out.attrs["time_unit"] = f"{period_days}D"
    return out


#: The tables :func:`customer_tables` returns, by name (and the Parquet files it writes, ``<name>.parquet``).
CUSTOMER_TABLES = ("totals", "rfm", "summary")


def customer_tables(
    transactions: Any,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    as_of: str | pd.Timestamp | None = None,
    freq: str = "W",
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    out: str | os.PathLike[str] | None = None,
    collect: bool = True,
) -> dict[str, pd.DataFrame] | dict[str, Path]:
    """Customer totals, RFM and the calibration / holdout summary of one transactions table, read once.

    The same three tables as :func:`crmresearch.segmentation.customer_totals`,
    :func:`crmresearch.segmentation.rfm` and :func:`summary_from_transactions` called one by one, but a table held
    by another engine (Parquet files, DuckDB, polars, Spark) is checked once and aggregated once, per customer and
    day, where it lives (:func:`crmresearch.sources.aggregate.customer_aggregates`): on DuckDB within 1.3 times the
    time of the fastest hand-written SQL for the three (``benchmarks/results.md``, scale section). A pandas table
    is checked and aggregated the same way (``duplicates`` of the two segmentation functions: kept, not counted).

    Parameters
    ----------
    transactions : table
        One row per transaction, anywhere :func:`~crmresearch.sources.as_source` reads.
    calibration_end : str or Timestamp
        Last day of calibration (inclusive).
    observation_end : str or Timestamp or None, optional
        Last day of the holdout (inclusive); None: no holdout columns.
    as_of : str or Timestamp or None, optional
        The RFM analysis date; None: the day after the last transaction.
    freq : str, default 'W'
        Time unit of the summary: ``'W'`` weeks, ``'D'`` days, ``'M'`` months (30.4375 days).
    customer : str, default 'customer_id'
        Customer id column.
    date : str, default 'date'
        Transaction date column.
    amount : str or None, default 'amount'
        Amount column (currency); None for a table without amounts.
    out : str or PathLike or None, optional
        A folder to write the three tables to as Parquet (``totals.parquet``, ``rfm.parquet``,
        ``summary.parquet``, customer id as a column, sorted by it); None: not written.
    collect : bool, default True
        False (with ``out``): return the paths of the written tables, not the tables. On Spark the three tables are
        then computed and written by the executors (each ``NAME.parquet`` a folder of part files, the ``attrs`` in
        ``out``/tables.json) and nothing per customer comes to the driver, which is how 25 million customers fit
        beside the JVM heaps; ``out`` must be a folder the driver and the executors both see. On other engines the
        tables are computed as with True and written.

    Returns
    -------
    dict of str to DataFrame, or dict of str to Path
        ``totals``, ``rfm`` and ``summary``, each equal to what its own function returns (with its ``attrs``);
        with ``collect=False`` their Parquet paths, which read back to the same tables.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> days = pd.to_datetime(['2024-01-01', '2024-01-15', '2024-02-05', '2024-01-10'])
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2], 'date': days, 'amount': [10.0, 20.0, 30.0, 5.0]})
    >>> tables = clv.customer_tables(tx, '2024-03-04', as_of='2024-03-05')
    >>> tables['totals']['revenue'].tolist(), tables['summary']['frequency'].tolist()
    ([60.0, 5.0], [2, 0])
    """
    from ..sources.aggregate import _rfm_from, customer_aggregates

    if freq not in _UNITS:
        raise ValidationError(f"customer_tables: freq must be one of {list(_UNITS)}; got {freq!r}")
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if obs_end is not None and obs_end < cal_end:
        raise ValidationError("customer_tables: observation_end is before calibration_end")
    cols = {"customer": customer, "date": date, **({"amount": amount} if amount is not None else {})}
    if not collect:
        if out is None:
            raise ValidationError("customer_tables: collect=False writes the tables instead of returning them; "
                                  "give the folder as out=")
        from ..sources.aggregate import spark_customer_aggregates
        from ..sources.spark_write import write_customer_tables

        native = spark_customer_aggregates(transactions, cal_end, obs_end, columns=cols, amount=amount is not None,
                                           caller="customer_tables")
        if native is not None:
            as_of_ts = schemas.as_date(as_of, "as_of", "rfm") if as_of is not None else None
            return write_customer_tables(native, out, cal_end, obs_end, as_of_ts, _UNITS[freq], freq, customer,
                                         date, amount is not None)
    per = customer_aggregates(transactions, cal_end, obs_end, columns=cols, amount=amount is not None,
                              caller="customer_tables")
    money = amount is not None
    totals = per[["revenue", "transactions"] if money else ["transactions"]].copy()
    totals.index.name = customer
    totals.attrs["row_account"] = []
    by_customer = per[["first_purchase", "last_purchase", "transactions", *(["revenue"] if money else [])]]
    as_of_ts = schemas.as_date(as_of, "as_of", "rfm") if as_of is not None else None
    tables = {"totals": totals,
              "rfm": _rfm_from(by_customer.rename(columns={"transactions": "frequency", "revenue": "monetary"}),
                               as_of_ts, customer, date),
              "summary": _summary(per, cal_end, obs_end, freq, customer, money)}
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name in CUSTOMER_TABLES:  # each file whole or not at all: a temporary file in the folder, renamed
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".parquet.tmp", dir=folder)
            os.close(fd)
            try:
                tables[name].reset_index().to_parquet(tmp, index=False)
                os.replace(tmp, folder / f"{name}.parquet")
            finally:
                Path(tmp).unlink(missing_ok=True)
        attrs = {name: tables[name].attrs for name in CUSTOMER_TABLES}
        fd, tmp = tempfile.mkstemp(prefix=".tables.", suffix=".json.tmp", dir=folder)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(attrs, indent=1, default=str) + "\n")
        os.replace(tmp, folder / "tables.json")
        if not collect:
            return {name: folder / f"{name}.parquet" for name in CUSTOMER_TABLES}
    return tables


def repeat_tracking(
    transactions: Any,
    model,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    freq: str = "W",
    customer: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """Cumulative repeat transactions per period, actual vs the BG/NBD expectation (FHL 2005, Fig. 2).

    Uses the customers whose first purchase is on or before ``calibration_end``; repeat purchases
    are purchase days after a customer's first purchase day. The model's cumulative expectation
    sums E[X(t - s_i)] over customers with first purchase time s_i.

    Returns
    -------
    DataFrame, one row per period end: ``period`` (1, 2, ...), ``date`` (period end),
    ``actual`` and ``expected`` cumulative repeat transactions, ``holdout`` (bool).

    Parameters
    ----------
    transactions : object
        One row per transaction, anywhere :func:`~crmresearch.sources.as_source` reads.
    model
        Fitted :class:`BetaGeoNBD` in ``freq`` units.
    calibration_end : str or Timestamp
        Last day of calibration (inclusive).
    observation_end : str or Timestamp
        Last day of the series (inclusive).
    freq : str, default 'W'
        Time unit of the model (``'W'`` weeks, ``'D'`` days).
    customer : str, default 'customer_id'
        Customer id column.
    date : str, default 'date'
        Transaction date column.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> tx = data.load('cdnow_sample')
    >>> summary = clv.summary_from_transactions(tx, '1997-09-30')
    >>> bg = clv.BetaGeoNBD().fit(summary['frequency'], summary['recency'], summary['T'])
    >>> track = clv.repeat_tracking(tx, bg, '1997-09-30', '1998-06-30')
    >>> track.columns.tolist()
    ['period', 'date', 'actual', 'expected', 'holdout']
    >>> int(track['actual'].iloc[-1])   # cumulative repeat purchase days by the end of June 1998
    4339
    """
    unit = _UNITS[freq]
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize()
    cols = {"customer": customer, "date": date}
    if isinstance(transactions, pd.DataFrame):
        table = schemas.validate(transactions[[customer, date]], "transactions", caller="repeat_tracking",
                                 customer=customer, date=date)
    else:
        table = transactions
    first, per_day = aggregate.repeat_days(table, cal_end, obs_end, columns=cols)
    origin = first.min()
    n_periods = int(np.ceil(((obs_end - origin).days + 1) / unit))
    ends = origin + pd.to_timedelta(np.arange(1, n_periods + 1) * unit, unit="D")
    rep_t = np.repeat(((per_day.index - origin).days.to_numpy() + 1) / unit, per_day.to_numpy())
    actual = np.searchsorted(np.sort(rep_t), np.arange(1, n_periods + 1), side="right")
    starts = ((first - origin).dt.days.to_numpy()) / unit
    t_grid = np.arange(1, n_periods + 1, dtype=float)
    # sum over distinct start times (many customers share a first-purchase day)
    us, cnt = np.unique(starts, return_counts=True)
    expected = np.array([cnt @ model.expected_purchases_new(np.clip(t - us, 0, None)) for t in t_grid])
    return pd.DataFrame({"period": np.arange(1, n_periods + 1), "date": ends, "actual": actual.astype(np.int64),
                         "expected": expected, "holdout": ends > cal_end + pd.Timedelta(days=1)})


def conditional_expectations(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Holdout purchases by calibration frequency: actual mean vs the model's conditional
    expectation (FHL 2005, Fig. 3). Frequencies above ``max_frequency`` are pooled as "7+".

    Parameters
    ----------
    model
        Fitted :class:`BetaGeoNBD`.
    summary : DataFrame
        Calibration/holdout table with ``frequency_holdout`` and ``duration_holdout`` (from
        :func:`summary_from_transactions`).
    max_frequency : int, default 7
        Calibration frequencies above this are pooled into one row.

    Returns
    -------
    DataFrame
        One row per calibration frequency: calibration_purchases, customers, actual and expected mean holdout
        purchases.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), '1997-09-30', '1998-06-30')
    >>> m = clv.BetaGeoNBD().fit(s['frequency'], s['recency'], s['T'])
    >>> clv.conditional_expectations(m, s, max_frequency=2).columns.tolist()[:3]
    ['calibration_purchases', 'customers', 'actual']
    """
    need = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not need <= set(summary.columns):
        raise ValidationError(f"conditional_expectations: summary lacks {sorted(need - set(summary.columns))}; "
                              "build it with summary_from_transactions(..., observation_end=...)")
    t = float(summary["duration_holdout"].iloc[0])
    pred = model.expected_purchases(t, summary["frequency"], summary["recency"], summary["T"])
    group = np.minimum(summary["frequency"].to_numpy(), max_frequency)
    frame = pd.DataFrame({"group": group, "actual": summary["frequency_holdout"].to_numpy(), "expected": pred})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     expected=("expected", "mean")).reset_index()
    out["calibration_purchases"] = [f"{g}+" if g == max_frequency else str(g) for g in out["group"]]
    return out[["calibration_purchases", "customers", "actual", "expected"]]


def contract_periods(
    spells: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period_days: float = 91.3125,
    cohort_freq: str = "Q",
    observed_from: str | pd.Timestamp | None = None,
    customer: str = "customer_id",
    start: str = "start",
    end: str = "end",
) -> pd.DataFrame:
    """Contract spells -> sBG data: one row per customer with cohort, periods and churned.

    A period is a renewal cycle of ``period_days`` (default a quarter, 365.25 / 4 days). A churner
    whose spell lasted d days left in period floor(d / period_days) + 1; an active customer has
    survived floor(d / period_days) periods by ``observation_end``. Only customers acquired on or
    after ``observed_from`` (default: the earliest start) are kept, so every cohort is observed
    from its beginning (no left truncation); the count left out is in ``attrs["left_out"]``.

    Returns
    -------
    DataFrame: ``customer_id``, ``cohort`` (period label of the start, e.g. 2023Q1), ``periods``,
    ``churned`` (bool), ``days``.

    Parameters
    ----------
    spells : DataFrame
        One row per customer with contract start and end (end missing = still active).
    observation_end : str or Timestamp
        Date the data were taken; active spells are censored here.
    period_days : float, default 91.3125
        Length of one renewal period in days (91.3125 = a quarter).
    cohort_freq : str, default 'Q'
        pandas period frequency of the acquisition cohorts (``'Q'`` quarters, ``'M'`` months, ``'Y'`` years).
    observed_from : str or Timestamp or None, optional
        Keep customers acquired on or after this date; None: the earliest start.
    customer : str, default 'customer_id'
        Customer id column.
    start : str, default 'start'
        Contract start column.
    end : str, default 'end'
        Contract end column.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> spells = pd.DataFrame({'customer_id': [1, 2], 'start': pd.to_datetime(['2023-01-01', '2023-01-15']),
    ...                        'end': pd.to_datetime(['2023-07-10', None])})
    >>> periods = clv.contract_periods(spells, '2024-01-01', period_days=91.3125)
    >>> periods[['customer_id', 'periods', 'churned']].values.tolist()
    [[1, 3, True], [2, 3, False]]
    """
    from .. import schemas

    obs_end = schemas.as_date(observation_end, "observation_end", "contract_periods")
    sp = schemas.validate(spells, "spells", customer=customer, start=start, end=end, as_of=obs_end,
                          caller="contract_periods")
    first = pd.Timestamp(observed_from) if observed_from is not None else sp[start].min()
    keep = sp[start] >= first
    sp = sp.loc[keep]
    churned = sp[end].notna().to_numpy()
    days = ((sp[end].fillna(obs_end) - sp[start]).dt.days).to_numpy().astype(float)
    full = np.floor(days / period_days)
    periods = np.where(churned, full + 1, full).astype(np.int64)
    # Only whole periods are observed: a churn inside the customer's last, partly observed period
    # is censored at the last whole period, as survivors of that period are (no edge bias).
    observable = np.floor(((obs_end - sp[start]).dt.days).to_numpy() / period_days).astype(np.int64)
    partial = churned & (periods > observable)
    churned = churned & ~partial
    periods = np.where(partial, observable, periods)
    out = pd.DataFrame({customer: sp[customer].to_numpy(),
                        "cohort": sp[start].dt.to_period(cohort_freq).astype(str).to_numpy(),
                        "periods": periods, "churned": churned, "days": days})
    out.attrs["left_out"] = int((~keep).sum())
    out.attrs["censored_partial_period"] = int(partial.sum())
    return out


def first_purchase_amounts(transactions: pd.DataFrame, customer: str = "customer_id", date: str = "date",
                           amount: str = "amount") -> pd.Series:
    """Each customer's spend on the day of the first purchase (same-day purchases summed, as
    :func:`summary_from_transactions` merges them): the covariate of Fader & Hardie's (2007) CDNOW example.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer, date, amount : str
        Column names (``date`` anything ``pd.to_datetime`` reads; ``amount`` in currency).

    Returns
    -------
    Series
        Indexed by customer (name ``customer``), the first day's amount (currency), name ``first_amount``.

    Raises
    ------
    ValidationError
        A missing column, or amounts or dates that are missing or not numbers/dates (counted).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2], 'amount': [10.0, 5.0, 7.0, 3.0],
    ...                    'date': ['2024-01-02', '2024-01-02', '2024-02-01', '2024-01-05']})
    >>> clv.first_purchase_amounts(tx).tolist()
    [15.0, 3.0]
    """
    missing = [c for c in (customer, date, amount) if c not in transactions.columns]
    if missing:
        raise ValidationError(f"first_purchase_amounts: column(s) {missing} not in the transactions "
                              f"(columns: {list(transactions.columns)})")
    raw = transactions[date]
    days = (raw if pd.api.types.is_datetime64_any_dtype(raw)
            else pd.to_datetime(raw, errors="coerce", format="mixed")).dt.normalize()
    money = pd.to_numeric(transactions[amount], errors="coerce")
    for col, values in ((date, days), (amount, money)):
        bad = int(values.isna().sum())
        if bad:
            raise ValidationError(f"first_purchase_amounts: column '{col}' has {bad:,} of {len(values):,} rows "
                                  "missing or unreadable")
    per_day = pd.DataFrame({customer: transactions[customer].to_numpy(), "day": days.to_numpy(),
                            "amount": money.to_numpy()}).groupby([customer, "day"], sort=True)["amount"].sum()
    first = per_day.groupby(level=0, sort=True).head(1).droplevel("day")
    return first.rename("first_amount")
