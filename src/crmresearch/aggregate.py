"""Table-level work written once, run where the table lives (pandas, polars, DuckDB, Spark).

Every function takes anything :func:`crmresearch.sources.as_source` accepts, checks the input contract
*in the engine* (counts of bad rows and the first offending ids, the same message on every engine),
aggregates there, and returns only per-customer (or smaller) results as pandas. Date arithmetic on the
per-customer result happens in pandas, so every engine gives the same numbers.

The pandas entry points (:func:`crmresearch.segmentation.rfm`, :func:`~crmresearch.segmentation.customer_totals`,
:func:`crmresearch.clv.summary_from_transactions`) parse and check pandas input, then call these same
aggregations, so there is one aggregation code path for all engines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import ValidationError
from .schemas import DateParseError, DtypeError, MissingValueError, RangeError
from .sources import Source, as_source

__all__ = ["check_transactions", "clv_summary", "count_after", "customer_totals", "rfm_table"]


def _source(table: Any, columns: Mapping[str, str] | None, role: str, caller: str) -> Source:
    src = as_source(table, columns, name=caller, role=role)
    return src


def _moment(ts: pd.Timestamp, src: Source) -> Any:
    """``ts`` as a Python datetime in the time-zone convention of the source's ``date`` column."""
    tz = getattr(src.schema()["date"], "time_zone", None)
    ts = pd.Timestamp(ts)
    if tz and ts.tz is None:
        ts = ts.tz_localize(tz)
    elif not tz and ts.tz is not None:
        raise ValidationError(f"column 'date' has no time zone but {ts} has one; pass naive dates")
    return ts.to_pydatetime()


def _count(mask: Any) -> Any:
    """Number of rows where ``mask`` holds (booleans cast to integers: Spark cannot sum booleans)."""
    import narwhals as nw

    return mask.cast(nw.Int64).sum()


def _first_ids(lf: Any, mask: Any, id_col: str, n: int = 5) -> str:
    import narwhals as nw

    ids = lf.filter(mask).select(nw.col(id_col)).head(n).collect(backend="pandas").to_native()[id_col].tolist()
    return ", ".join(map(str, ids)) + (", ..." if len(ids) == n else "")


def check_transactions(table: Any, columns: Mapping[str, str] | None = None, caller: str = "transactions",
                       amount: bool = True, date: bool = True) -> tuple[Source, int]:
    """Check the transactions contract in the engine; return the source and its row count.

    Rules: a customer id on every row; ``date`` a date/timestamp type with no missing value;
    ``amount`` numeric, present, finite and >= 0. Errors name the column, count the rows and give
    the first customer ids (the first rows with a missing id are shown as row counts only).
    """
    import narwhals as nw

    src = _source(table, columns, "transactions" if amount and date else None, caller)
    lf = src.lazy()
    schema = src.schema()
    needed = ["customer_id", *(["date"] if date else []), *(["amount"] if amount else [])]
    absent = [c for c in needed if c not in schema]
    if absent:
        raise ValidationError(f"{caller}: missing column(s) {absent}; the table has {list(schema)[:15]}")
    checks = [nw.len().alias("n"), _count(nw.col("customer_id").is_null()).alias("customer_missing")]
    if date:
        dtype = schema["date"]
        if not (dtype.is_temporal() and dtype != nw.Duration):
            raise (DateParseError if dtype == nw.String else DtypeError)(
                f"{caller}: column 'date' has type {dtype} in {src.engine}; dates must be a date or timestamp type "
                "(parse text dates first, e.g. CAST(txn_ts AS TIMESTAMP) or pandas.to_datetime)")
        checks.append(_count(nw.col("date").is_null()).alias("date_missing"))
    if amount:
        dtype = schema["amount"]
        if not dtype.is_numeric():
            raise DtypeError(f"{caller}: column 'amount' has type {dtype} in {src.engine}; amounts must be numbers "
                             "(convert the column, e.g. CAST(amt AS DOUBLE) or pandas.to_numeric)")
        a = nw.col("amount")
        bad_value = a.is_null() | (a.is_nan() if dtype.is_float() else nw.lit(False))
        checks += [_count(bad_value).alias("amount_missing"),
                   _count((a < 0) & ~bad_value).alias("amount_negative")]
        if dtype.is_float():
            checks.append(_count(a.abs() == float("inf")).alias("amount_infinite"))
    counts = {k: int(v or 0) for k, v in lf.select(*checks).collect(backend="pandas").to_native().iloc[0].items()}
    n = counts["n"]
    if n == 0:
        raise ValidationError(f"{caller}: the transactions table is empty (0 rows)")
    if counts["customer_missing"]:
        raise MissingValueError(f"{caller}: column 'customer_id': {counts['customer_missing']} of {n} rows are "
                                "missing; every transaction needs a customer id")
    rules = [("date_missing", "date", nw.col("date").is_null() if date else None, MissingValueError,
              "are missing", "fill them or drop those rows explicitly"),
             ("amount_missing", "amount", None, MissingValueError, "are missing",
              "fill them or drop those rows explicitly")]
    if amount:
        a = nw.col("amount")
        nan = a.is_nan() if schema["amount"].is_float() else nw.lit(False)
        rules[1] = ("amount_missing", "amount", a.is_null() | nan, MissingValueError, "are missing",
                    "fill them or drop those rows explicitly")
        rules += [("amount_infinite", "amount", a.abs() == float("inf"), RangeError, "are infinite",
                   "fix or remove those rows explicitly"),
                  ("amount_negative", "amount", (a < 0) & ~(a.is_null() | nan), RangeError, "are below 0 (negative)",
                   "returns and refunds need their own treatment; remove or net them explicitly")]
    for key, column, mask, cls, rule, remedy in rules:
        if counts.get(key):
            first = _first_ids(lf, mask, "customer_id")
            raise cls(f"{caller}: column '{column}': {counts[key]} of {n} rows {rule} (first customers: {first}); "
                      f"{remedy}")
    return src, n


def customer_totals(table: Any, columns: Mapping[str, str] | None = None,
                    caller: str = "customer_totals") -> pd.DataFrame:
    """Revenue (sum of ``amount``) and number of transactions per customer, computed in the engine.

    Returns a pandas DataFrame indexed by ``customer_id`` (sorted): ``revenue``, ``transactions``.
    """
    import narwhals as nw

    src, _ = check_transactions(table, columns, caller, date=False)
    out = (src.lazy().group_by("customer_id")
           .agg(nw.col("amount").sum().alias("revenue"), nw.len().alias("transactions"))
           .collect(backend="pandas").to_native())
    out = out.set_index("customer_id").sort_index()
    out["transactions"] = out["transactions"].astype(np.int64)
    out["revenue"] = out["revenue"].astype(float)
    return out


def rfm_table(table: Any, columns: Mapping[str, str] | None = None, caller: str = "rfm") -> pd.DataFrame:
    """Per customer, computed in the engine: ``first_purchase``, ``last_purchase``, ``frequency``
    (transactions) and ``monetary`` (sum of amounts); pandas, indexed by ``customer_id`` (sorted)."""
    import narwhals as nw

    src, _ = check_transactions(table, columns, caller)
    out = (src.lazy().group_by("customer_id")
           .agg(nw.col("date").min().alias("first_purchase"), nw.col("date").max().alias("last_purchase"),
                nw.len().alias("frequency"), nw.col("amount").sum().alias("monetary"))
           .collect(backend="pandas").to_native())
    out = out.set_index("customer_id").sort_index()
    out["frequency"] = out["frequency"].astype(np.int64)
    out["monetary"] = out["monetary"].astype(float)
    for c in ("first_purchase", "last_purchase"):
        out[c] = pd.to_datetime(out[c])
    return out


def clv_summary(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                columns: Mapping[str, str] | None = None, amount: bool = True,
                caller: str = "summary_from_transactions") -> pd.DataFrame:
    """Per-customer purchase-day statistics for BG/NBD and Gamma-Gamma, computed in the engine.

    Purchases are merged by calendar day (amounts summed). Returns pandas indexed by ``customer_id``:
    ``first`` (first purchase day), ``last_cal`` (last purchase day up to ``calibration_end``), ``days_cal``
    (purchase days up to it), ``repeat_amount_cal`` (amount of the repeat days), ``days_holdout`` (purchase
    days after ``calibration_end`` up to ``observation_end``). Customers whose first purchase is after
    ``calibration_end`` are returned too, with ``days_cal`` 0.
    """
    import narwhals as nw

    src, _ = check_transactions(table, columns, caller, amount=amount)
    lf = src.lazy()
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end if observation_end is not None else calibration_end).normalize(), src)
    day = nw.col("date").dt.truncate("1d")
    amt = nw.col("amount") if amount else nw.lit(0.0)
    daily = (lf.with_columns(day=day, amt=amt)
             .filter(nw.col("day") <= end)
             .group_by("customer_id", "day").agg(nw.col("amt").sum().alias("amt")))
    firsts = daily.group_by("customer_id").agg(nw.col("day").min().alias("first"))
    in_cal = nw.col("day") <= cal_end
    # simple aggregations only (min / max / sum of prepared columns), which every engine runs natively
    out = (daily.join(firsts, on="customer_id")
           .with_columns(day_cal=nw.when(in_cal).then(nw.col("day")),
                         cal=in_cal.cast(nw.Int64),
                         repeat_amt=nw.when(in_cal & (nw.col("day") > nw.col("first"))).then(nw.col("amt"))
                         .otherwise(0.0))
           .group_by("customer_id")
           .agg(nw.col("first").min().alias("first"), nw.col("day_cal").max().alias("last_cal"),
                nw.col("cal").sum().alias("days_cal"), nw.col("repeat_amt").sum().alias("repeat_amount_cal"),
                nw.len().alias("days_all"))
           .collect(backend="pandas").to_native())
    out["days_holdout"] = out.pop("days_all") - out["days_cal"]
    out = out.set_index("customer_id").sort_index()
    for c in ("first", "last_cal"):
        out[c] = pd.to_datetime(out[c])
    for c in ("days_cal", "days_holdout"):
        out[c] = out[c].astype(np.int64)
    out["repeat_amount_cal"] = out["repeat_amount_cal"].astype(float)
    return out


def count_after(table: Any, columns: Mapping[str, str] | None, moment: pd.Timestamp) -> int:
    """Rows whose ``date`` is on or after ``moment`` (counted in the engine)."""
    import narwhals as nw

    src = _source(table, columns, None, "count_after")
    lf = src.lazy()
    return int(lf.select(_count(nw.col("date") >= _moment(moment, src)).alias("n"))
               .collect(backend="pandas").to_native()["n"].iloc[0] or 0)
