"""Table-level work written once, run where the table lives (pandas, polars, DuckDB, Spark).

Every function takes anything :func:`crmresearch.sources.as_source` accepts and reads the table **once**:
the input contract is checked inside the same aggregation (per customer, the number of rows with a
missing date, a missing, negative or infinite amount...), so a bad table costs no extra pass and the
message is the same on every engine (the count of bad rows and the first customer ids in sorted
order). Only per-customer (or smaller) results come back as pandas; date arithmetic on them happens in
pandas, so every engine gives the same numbers.

The pandas entry points (:func:`crmresearch.segmentation.rfm`, :func:`~crmresearch.segmentation.customer_totals`,
:func:`crmresearch.clv.summary_from_transactions`) parse and check pandas input, then call these same
aggregations: one aggregation code path for every engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DateParseError, DtypeError, FutureDateError, MissingValueError, RangeError, ValidationError
from .tables import Source, as_source

__all__ = [
    "call_counts",
    "channel_totals",
    "check_transactions",
    "clv_summary",
    "customer_totals",
    "repeat_days",
    "rfm_table",
]

_N = "_rows"


def _count(mask: Any) -> Any:
    """Number of rows where ``mask`` holds (booleans cast to integers: Spark cannot sum booleans)."""
    import narwhals as nw

    return mask.cast(nw.Int64).sum()


def _naive_utc(ts: Any) -> pd.Timestamp:
    """A timestamp without zone (aware ones converted to UTC first), for comparisons across engines."""
    ts = pd.Timestamp(ts)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts


def _wall_time(values: pd.Series) -> pd.Series:
    """Timestamps without their zone (local wall time), so engines that return aware values agree."""
    values = pd.to_datetime(values)
    return values.dt.tz_localize(None) if values.dt.tz is not None else values


def _moment(ts: pd.Timestamp, src: Source) -> Any:
    """``ts`` as a Python datetime in the time-zone convention of the source's ``date`` column."""
    tz = getattr(src.schema()["date"], "time_zone", None)
    ts = pd.Timestamp(ts)
    if tz and ts.tz is None:
        ts = ts.tz_localize(tz)
    elif not tz and ts.tz is not None:
        raise ValidationError(f"column 'date' has no time zone but {ts} has one; pass naive dates")
    return ts.to_pydatetime()


def check_transactions(table: Any, columns: Mapping[str, str] | None = None, caller: str = "transactions",
                       amount: bool = True, date: bool = True) -> Source:
    """Check a transactions table where it lives; return it as a :class:`Source`.

    Rules: a customer id on every row; ``date`` a date or timestamp type, never missing; ``amount``
    numeric, present, finite and >= 0. One cheap pass without grouping (row count, null counts,
    minimum and maximum) decides; only a broken rule costs a second pass, for its exact count and
    the first customer ids in sorted order, so the message is the same on every engine.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'transactions'
        Name of the public function, used in error messages.
    amount : bool, default True
        Check the ``amount`` column (False for tables without one).
    date : bool, default True
        Check the ``date`` column (False for tables without one).

    Returns
    -------
    Source
        The checked table, still where it lives.

    Raises
    ------
    ValidationError
        A missing column, missing ids or dates, a non-date ``date``, or a missing, negative or infinite amount;
        the message counts the rows and names the first customer ids.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-01-01']), 'amount': [5.0]})
    >>> src = aggregate.check_transactions(tx)
    >>> src.engine
    'pandas'
    """
    import narwhals as nw

    src = as_source(table, columns, name=caller, role="transactions" if amount and date else None)
    schema = src.schema()
    needed = ["customer_id", *(["date"] if date else []), *(["amount"] if amount else [])]
    absent = [c for c in needed if c not in schema]
    if absent:
        raise ValidationError(f"{caller}: missing column(s) {absent}; the table has {list(schema)[:15]}")
    aggs = [nw.len().alias("n"), nw.col("customer_id").null_count().alias("customer_missing")]
    if date:
        dtype = schema["date"]
        if not (dtype.is_temporal() and dtype != nw.Duration):
            raise (DateParseError if dtype == nw.String else DtypeError)(
                f"{caller}: column 'date' has type {dtype} in {src.engine}; dates must be a date or timestamp type "
                "(parse text dates first, e.g. CAST(txn_ts AS TIMESTAMP) or pandas.to_datetime)")
        aggs += [nw.col("date").null_count().alias("date_missing"), nw.col("date").max().alias("date_max")]
    is_float = False
    if amount:
        dtype = schema["amount"]
        if not dtype.is_numeric():
            raise DtypeError(f"{caller}: column 'amount' has type {dtype} in {src.engine}; amounts must be numbers "
                             "(convert the column, e.g. CAST(amt AS DOUBLE) or pandas.to_numeric)")
        is_float = dtype.is_float()
        a = nw.col("amount")
        aggs += [a.null_count().alias("amount_null"), a.min().alias("amount_min"), a.max().alias("amount_max")]
        if is_float:
            aggs.append(_count(a.is_nan()).alias("amount_nan"))
    lf = src.lazy()
    row = lf.select(*aggs).collect(backend="pandas").to_native().iloc[0]
    n = int(row["n"])
    if n == 0:
        raise ValidationError(f"{caller}: the transactions table is empty (0 rows)")
    if row["customer_missing"]:
        raise MissingValueError(f"{caller}: column 'customer_id': {int(row['customer_missing'])} of {n} rows are "
                                "missing; every transaction needs a customer id")
    rules: list[tuple[str, Any]] = []
    if date and row["date_missing"]:
        rules.append(("date_missing", nw.col("date").is_null()))
    if amount:
        a = nw.col("amount")
        missing = (a.is_null() | a.is_nan()) if is_float else a.is_null()
        if row["amount_null"] or (is_float and row.get("amount_nan", 0)):
            rules.append(("amount_missing", missing))
        top, bottom = row["amount_max"], row["amount_min"]
        if is_float and (np.isinf(top) or np.isinf(bottom)):
            rules.append(("amount_infinite", a.abs() == float("inf")))
        if bottom < 0:
            rules.append(("amount_negative", (a < 0) & ~missing))
    for name, mask in rules[:1]:
        column, cls, rule, remedy = _RULES[name]
        bad = (lf.filter(mask).group_by("customer_id").agg(nw.len().alias("k"))
               .collect(backend="pandas").to_native().set_index("customer_id")["k"].sort_index())
        first = ", ".join(map(str, bad.index[:5])) + (", ..." if len(bad) > 5 else "")
        raise cls(f"{caller}: column '{column}': {int(bad.sum())} of {n} rows {rule} (first customers: {first}); "
                  f"{remedy}")
    src.checked = {"rows": n, "date_max": row["date_max"] if date else None}
    return src


_RULES = {
    "date_missing": ("date", MissingValueError, "are missing", "fill them or drop those rows explicitly"),
    "amount_missing": ("amount", MissingValueError, "are missing", "fill them or drop those rows explicitly"),
    "amount_infinite": ("amount", RangeError, "are infinite", "fix or remove those rows explicitly"),
    "amount_negative": ("amount", RangeError, "are below 0 (negative)",
                        "returns and refunds need their own treatment; remove or net them explicitly"),
    "after_end": ("date", FutureDateError, "are after the end of the observation",
                  "filter them first if intended, or check the dates"),
}


def _collect(lf: Any) -> pd.DataFrame:
    """A per-customer result as pandas, sorted by customer id."""
    per = lf.collect(backend="pandas").to_native().set_index("customer_id")
    try:
        return per.sort_index()
    except TypeError:  # ids of mixed types sort by their text
        return per.iloc[np.argsort(per.index.astype(str), kind="stable")]


def customer_totals(table: Any, columns: Mapping[str, str] | None = None,
                    caller: str = "customer_totals") -> pd.DataFrame:
    """Revenue (sum of ``amount``) and number of transactions per customer, in one pass in the engine.

    Returns a pandas DataFrame indexed by ``customer_id`` (sorted): ``revenue``, ``transactions``.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'customer_totals'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``revenue`` (currency units) and ``transactions`` (count).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2024-01-01'] * 3),
    ...                    'amount': [10.0, 5.0, 7.0]})
    >>> aggregate.customer_totals(tx).values.tolist()   # computed where the table lives (here pandas)
    [[15.0, 2.0], [7.0, 1.0]]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, date=False)
    per = _collect(src.lazy().group_by("customer_id").agg(nw.col("amount").sum().alias("revenue"), nw.len().alias(_N)))
    return pd.DataFrame({"revenue": per["revenue"].astype(float), "transactions": per[_N].astype(np.int64)})


def rfm_table(table: Any, columns: Mapping[str, str] | None = None, caller: str = "rfm",
              before: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per customer, in one pass in the engine: ``first_purchase``, ``last_purchase``, ``frequency``
    (transactions) and ``monetary`` (sum of amounts); pandas, indexed by ``customer_id`` (sorted).
    ``before``: only transactions strictly before this date (the count left out is in
    ``attrs["row_account"]``).

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'rfm'
        Name of the public function, used in error messages.
    before : Timestamp or None, optional
        Keep only transactions strictly before this date (the RFM reference date); None keeps all.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase``, ``last_purchase`` (dates), ``frequency`` (count) and
        ``monetary`` (currency units).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2024-01-01', '2024-02-01', '2024-01-15']),
    ...                    'amount': [10.0, 5.0, 7.0]})
    >>> aggregate.rfm_table(tx)[['frequency', 'monetary']].values.tolist()
    [[2.0, 15.0], [1.0, 7.0]]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller)
    lf = src.lazy()
    steps = []
    if before is not None:
        lf = lf.filter(nw.col("date") < _moment(before, src))
        kept = int(lf.select(nw.len().alias("n")).collect(backend="pandas").to_native()["n"].iloc[0])
        rows = src.checked["rows"]
        steps.append({"step": f"transactions on or after before = {pd.Timestamp(before).date()} left out",
                      "rows_in": rows, "rows_out": kept, "dropped": rows - kept})
        if kept == 0:
            raise ValidationError(f"{caller}: no transaction is before {pd.Timestamp(before).date()} (before=)")
    per = _collect(lf.group_by("customer_id")
                   .agg(nw.col("date").min().alias("first_purchase"), nw.col("date").max().alias("last_purchase"),
                        nw.len().alias(_N), nw.col("amount").sum().alias("monetary")))
    out = pd.DataFrame({"first_purchase": pd.to_datetime(per["first_purchase"]),
                        "last_purchase": pd.to_datetime(per["last_purchase"]),
                        "frequency": per[_N].astype(np.int64), "monetary": per["monetary"].astype(float)})
    out.attrs["row_account"] = steps
    return out


def clv_summary(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                columns: Mapping[str, str] | None = None, amount: bool = True,
                caller: str = "summary_from_transactions") -> pd.DataFrame:
    """Per-customer purchase-day statistics for BG/NBD and Gamma-Gamma, in one pass in the engine.

    Purchases are merged by calendar day (amounts summed). Returns pandas indexed by ``customer_id``:
    ``first`` (first purchase day), ``last_cal`` (last purchase day up to ``calibration_end``), ``days_cal``
    (purchase days up to it), ``repeat_amount_cal`` (amount of the repeat days), ``days_holdout`` (purchase
    days after ``calibration_end`` up to ``observation_end``). With ``observation_end``, a purchase after it
    is an error; without it, purchases after ``calibration_end`` are outside the summary. Customers whose
    first purchase is after ``calibration_end`` are returned too, with ``days_cal`` 0.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    calibration_end : Timestamp
        Last day of the calibration period (inclusive).
    observation_end : Timestamp or None
        Last day of the holdout period (inclusive); None for no holdout.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    amount : bool, default True
        Sum the repeat-day amounts (False for a table without ``amount``).
    caller : str, default 'summary_from_transactions'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, with the day-level statistics above (dates and counts
        of days).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1], 'date': pd.to_datetime(['2024-01-01', '2024-01-15']),
    ...                    'amount': [5.0, 7.0]})
    >>> aggregate.clv_summary(tx, pd.Timestamp('2024-02-01'), None).columns.tolist()[:3]
    ['first', 'last_cal', 'days_cal']
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=amount)
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end if observation_end is not None else calibration_end).normalize(),
                  src)
    lf = src.lazy()
    last = src.checked["date_max"]
    if observation_end is not None and last is not None and pd.notna(last) \
            and _naive_utc(last) >= _naive_utc(end) + pd.Timedelta(days=1):
        late = lf.filter(nw.col("date") >= end + pd.Timedelta(days=1))
        bad = late.group_by("customer_id").agg(nw.len().alias("k")).collect(backend="pandas").to_native()
        if len(bad):
            bad = bad.set_index("customer_id")["k"].sort_index()
            first = ", ".join(map(str, bad.index[:5])) + (", ..." if len(bad) > 5 else "")
            column, cls, rule, remedy = _RULES["after_end"]
            raise cls(f"{caller}: column '{column}': {int(bad.sum())} rows {rule} ({pd.Timestamp(end).date()}; "
                      f"first customers: {first}); {remedy}")
    # pass 2: purchase days in the window, joined to each customer's first purchase day
    day = nw.col("date").dt.truncate("1d")
    window = lf.filter(nw.col("date") < end + pd.Timedelta(days=1))
    amt = nw.col("amount") if amount else nw.lit(0.0)
    daily = window.group_by("customer_id", day.alias("day")).agg(amt.sum().alias("amt"))
    firsts = (window.group_by("customer_id").agg(nw.col("date").min().alias("first"))
              .with_columns(nw.col("first").dt.truncate("1d")))
    in_cal = nw.col("day") <= cal_end
    # simple aggregations of prepared columns (min / max / sum), which every engine runs natively
    per = (daily.join(firsts, on="customer_id")
           .with_columns(day_cal=nw.when(in_cal).then(nw.col("day")).otherwise(None),
                         cal=in_cal.cast(nw.Int64), hold=(~in_cal).cast(nw.Int64),
                         repeat_amt=nw.when(in_cal & (nw.col("day") > nw.col("first"))).then(nw.col("amt"))
                         .otherwise(0.0))
           .group_by("customer_id")
           .agg(nw.col("first").min().alias("first"), nw.col("day_cal").max().alias("last_cal"),
                nw.col("cal").sum().alias("days_cal"), nw.col("hold").sum().alias("days_holdout"),
                nw.col("repeat_amt").sum().alias("repeat_amount_cal"), nw.len().alias(_N)))
    out = _collect(per).drop(columns=_N)
    for c in ("first", "last_cal"):
        out[c] = pd.to_datetime(out[c])
    for c in ("days_cal", "days_holdout"):
        out[c] = out[c].astype(np.int64)
    out["repeat_amount_cal"] = out["repeat_amount_cal"].astype(float)
    return out


def repeat_days(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp,
                columns: Mapping[str, str] | None = None,
                caller: str = "repeat_tracking") -> tuple[pd.Series, pd.Series]:
    """Inputs of the tracking plot (FHL 2005, Fig. 2), computed in the engine.

    Returns ``(first_days, repeats)``: the first purchase day of every customer whose first purchase
    is on or before ``calibration_end`` (one row per customer), and the number of repeat purchase
    days of those customers on each calendar day up to ``observation_end`` (one row per day).

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    calibration_end : Timestamp
        Last day on which a first purchase counts (inclusive).
    observation_end : Timestamp
        Last calendar day of the tracking series (inclusive).
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'repeat_tracking'
        Name of the public function, used in error messages.

    Returns
    -------
    first_days : Series
        First purchase day per customer (index ``customer_id``).
    repeats : Series
        Repeat purchase days per calendar day (index: day), zeros included.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2], 'amount': [5.0, 7.0, 3.0, 9.0],
    ...                    'date': pd.to_datetime(['2024-01-01', '2024-01-03', '2024-01-03', '2024-01-02'])})
    >>> first, repeats = aggregate.repeat_days(tx, pd.Timestamp('2024-01-02'), pd.Timestamp('2024-01-04'))
    >>> first.dt.strftime('%m-%d').to_dict()
    {1: '01-01', 2: '01-02'}
    >>> repeats.tolist()   # one repeat day (customer 1 on Jan 3; two purchases merged)
    [1]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=False)
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end).normalize(), src)
    lf = src.lazy().filter(nw.col("date") < end + pd.Timedelta(days=1))
    days = lf.group_by("customer_id", nw.col("date").dt.truncate("1d").alias("day")).agg(nw.len().alias("k"))
    firsts = (lf.group_by("customer_id").agg(nw.col("date").min().alias("first"))
              .with_columns(nw.col("first").dt.truncate("1d"))
              .filter(nw.col("first") <= cal_end))
    repeats = (days.join(firsts, on="customer_id").filter(nw.col("day") > nw.col("first"))
               .group_by("day").agg(nw.len().alias("repeat_days"))
               .collect(backend="pandas").to_native())
    first = _wall_time(_collect(firsts)["first"])
    out = pd.Series(repeats["repeat_days"].to_numpy(dtype=np.int64), index=pd.Index(_wall_time(repeats["day"])),
                    name="repeat_days").sort_index()
    return first, out


def channel_totals(table: Any, channel: str | None, columns: Mapping[str, str] | None = None,
                   caller: str = "cost_to_serve") -> pd.DataFrame:
    """Transactions and amount per customer and channel (one row per customer when ``channel`` is None),
    in one pass in the engine; pandas with columns ``customer_id``, ``channel``, ``transactions``, ``amount``.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    channel : str or None
        Channel column (e.g. branch, ATM, online); None for totals per customer only.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'cost_to_serve'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        ``customer_id``, ``channel``, ``transactions`` (count) and ``amount`` (currency units).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1], 'date': pd.to_datetime(['2024-01-01'] * 2),
    ...                    'amount': [5.0, 7.0], 'channel': ['atm', 'mobile']})
    >>> aggregate.channel_totals(tx, 'channel').columns.tolist()
    ['customer_id', 'channel', 'transactions', 'amount']
    """
    import narwhals as nw

    cols = dict(columns or {})
    src = check_transactions(table, cols, caller, date=False)
    lf = src.lazy()
    if channel is not None:
        if channel not in src.schema():
            raise ValidationError(f"{caller}: channel costs by channel need the column '{channel}'; the table has "
                                  f"{list(src.schema())[:15]}")
        keys = ["customer_id", nw.col(channel).cast(nw.String).alias("channel")]
    else:
        keys = ["customer_id"]
    out = (lf.group_by(*keys).agg(nw.len().alias("transactions"), nw.col("amount").sum().alias("amount"))
           .collect(backend="pandas").to_native())
    if channel is None:
        out["channel"] = ""
    return out.sort_values(["customer_id", "channel"], kind="stable").reset_index(drop=True)


def call_counts(table: Any, minutes: float, columns: Mapping[str, str] | None = None,
                caller: str = "call_counts") -> pd.DataFrame:
    """Calls per interval, computed where the table lives.

    A table with a ``calls`` column holds counts already (one row per interval; intervals repeated
    are summed); one without it is a call log (one row per call) whose ``interval_start`` timestamps
    are counted per ``minutes``-long interval. Returns pandas: ``datetime`` (interval start), ``calls``.

    Parameters
    ----------
    table : table
        A call log (one row per call, ``interval_start`` timestamps) or interval counts (with a ``calls``
        column), anywhere :func:`~crmresearch.sources.as_source` reads.
    minutes : float
        Interval length in minutes (e.g. 15 or 30).
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'call_counts'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        One row per interval: ``datetime`` (interval start) and ``calls`` (count).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> stamps = pd.to_datetime(['2024-01-01 09:01', '2024-01-01 09:03', '2024-01-01 09:07'])
    >>> log = pd.DataFrame({'interval_start': stamps})
    >>> aggregate.call_counts(log, 5)['calls'].tolist()   # a call log counted per 5 minutes
    [2, 1]
    """
    import narwhals as nw

    src = as_source(table, columns, name=caller, role="calls")
    schema = src.schema()
    dtype = schema["interval_start"]
    if not (dtype.is_temporal() and dtype != nw.Duration):
        raise DtypeError(f"{caller}: column 'interval_start' has type {dtype} in {src.engine}; it must be a "
                         "timestamp")
    lf = src.lazy()
    n_missing = int(lf.select(nw.col("interval_start").null_count().alias("n")).collect(backend="pandas")
                    .to_native()["n"].iloc[0])
    if n_missing:
        raise MissingValueError(f"{caller}: column 'interval_start': {n_missing} rows are missing")
    if not (float(minutes).is_integer() and 60 % int(minutes) == 0):
        raise ValidationError(f"{caller}: the interval length must divide an hour (1, 5, 10, 15, 20, 30 or 60 "
                              f"minutes); got {minutes}")
    m = int(minutes)
    # hour + minute bucket: every engine truncates to the hour and reads the minute
    keys = [nw.col("interval_start").dt.truncate("1h").alias("hour"),
            (nw.col("interval_start").dt.minute() // m).alias("bucket")]
    if "calls" in schema:
        if not schema["calls"].is_numeric():
            raise DtypeError(f"{caller}: column 'calls' has type {schema['calls']}; counts must be numbers")
        counted = lf.group_by(*keys).agg(nw.col("calls").sum().alias("calls"))
    else:
        counted = lf.group_by(*keys).agg(nw.len().alias("calls"))
    out = counted.collect(backend="pandas").to_native()
    out["datetime"] = pd.to_datetime(out["hour"]) + pd.to_timedelta(out["bucket"].astype(np.int64) * m, unit="min")
    out = out[["datetime", "calls"]].sort_values("datetime", ignore_index=True)
    out["datetime"] = _wall_time(out["datetime"])
    if (out["calls"] < 0).any():
        raise RangeError(f"{caller}: column 'calls': {int((out['calls'] < 0).sum())} intervals have a negative count")
    return out
