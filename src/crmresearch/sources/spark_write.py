"""Totals, RFM and the calibration summary computed and written by Spark, never collected to the driver.

:func:`crmresearch.clv.customer_tables` on a Spark table brings one row per customer back to the driver's
Python, which at 25 million customers (10^9 transactions) needs ~0.6 KB a customer beside the JVM heaps
(``benchmarks/results.md``). With ``collect=False`` the three tables are derived from the per-customer aggregate
on the executors and each is written as a Parquet folder of part files, sorted by customer id, so that
``pandas.read_parquet`` (or Spark, DuckDB, polars) reads back exactly what the collected route returns. Only
a handful of numbers (the latest purchase, the row account) come to the driver.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from .._extras import require
from .aggregate import late_as_of_error, summary_attrs

#: Microseconds in a day: Spark timestamps are counted in microseconds (``unix_micros``).
_DAY_US = 86_400 * 10**6


def _replace_folder(tmp: Path, final: Path) -> None:
    """Put the written folder ``tmp`` at ``final``: the old folder (if any) is moved aside first and deleted after,
    so a reader sees the old tables or the new ones, never half of a write."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:  # written before by the pandas route: one file
        old.unlink(missing_ok=True)


def write_customer_tables(parts: list[Any], out: str | os.PathLike[str], cal_end: pd.Timestamp,
                          obs_end: pd.Timestamp | None, as_of: pd.Timestamp | None, unit: float, freq: str,
                          customer: str, date: str, amount: bool) -> dict[str, Path]:
    """Write ``totals``, ``rfm`` and ``summary`` from the Spark per-customer aggregate (``parts``: one DataFrame per
    pass, each a bucket of customers, with the columns of :func:`crmresearch.sources.aggregate.customer_aggregates`)
    to ``out``/NAME.parquet; return their paths.

    The per-customer aggregate is written once, pass after pass (``out``/.per-*, removed at the end: each pass
    shuffles its bucket only), and the three tables read it back, so the costly (customer, day) aggregation runs
    once. Every figure is computed as the pandas route
    computes it: recency and tenure in whole days (floor) from ``as_of``; the summary's recency and age T in
    ``unit`` days from the first purchase day. ``out``/tables.json holds each table's ``attrs`` (as_of, the row
    account, the time unit). ``out`` must be a folder the executors and the driver both see (one machine, or a
    shared file system).
    """
    require("pyspark", by="customer_tables(..., collect=False) on Spark")
    from pyspark.sql import functions as F

    folder = Path(out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    spark = parts[0].sparkSession
    tag = uuid.uuid4().hex[:8]
    scratch = folder / f".per-{tag}"
    try:
        for part in parts:
            part.write.mode("append").parquet(scratch.as_uri())
        per = spark.read.parquet(scratch.as_uri())
        seen = (F.col("first").isNotNull() & (F.col("days_cal") > 0))
        t_days = F.datediff(F.lit(cal_end.date()), F.to_date("first"))
        stats = per.agg(F.count(F.lit(1)).alias("n"), F.max("last_purchase").alias("last"),
                        F.sum(F.col("first").isNotNull().cast("long")).alias("window"),
                        F.sum(seen.cast("long")).alias("seen"),
                        F.sum((seen & (t_days > 0)).cast("long")).alias("kept")).collect()[0]
        n = int(stats["n"])
        if as_of is None:
            as_of = pd.Timestamp(stats["last"]).normalize() + pd.Timedelta(days=1)
        else:
            late = per.filter(F.col("last_purchase") > F.lit(as_of.to_pydatetime())).count()
            if late:
                raise late_as_of_error(date, late, n, as_of)
        since = F.unix_micros(F.lit(as_of.to_pydatetime()))

        def days_to_as_of(column: str) -> Any:
            return F.floor((since - F.unix_micros(F.col(column))) / _DAY_US).cast("long")

        cid = F.col("customer_id").alias(customer)
        money = ["revenue"] if amount else []
        tables = {
            "totals": per.select(cid, *money, F.col("transactions").cast("long")),
            "rfm": per.select(cid, days_to_as_of("last_purchase").alias("recency_days"),
                              F.col("transactions").cast("long").alias("frequency"),
                              *([F.col("revenue").alias("monetary"),
                                 (F.col("revenue") / F.col("transactions")).alias("monetary_mean")] if amount else []),
                              "first_purchase", "last_purchase", days_to_as_of("first_purchase").alias("tenure_days")),
        }
        frequency = (F.col("days_cal") - 1).cast("long")
        summary = per.filter(seen & (t_days > 0)).select(
            cid, frequency.alias("frequency"),
            (F.datediff(F.to_date("last_cal"), F.to_date("first")) / F.lit(unit)).alias("recency"),
            (t_days / F.lit(unit)).alias("T"),
            *([F.when(frequency > 0, F.col("repeat_amount_cal") / frequency).otherwise(F.lit(0.0))
               .alias("monetary_value")] if amount else []),
            *([F.col("days_holdout").cast("long").alias("frequency_holdout"),
               F.lit((obs_end - cal_end).days / unit).alias("duration_holdout")] if obs_end is not None else []))
        tables["summary"] = summary
        window, n_seen, kept = int(stats["window"] or 0), int(stats["seen"] or 0), int(stats["kept"] or 0)
        attrs = {"totals": {"row_account": []}, "rfm": {"as_of": str(as_of.date()), "row_account": []},
                 "summary": summary_attrs(cal_end, window, n_seen, kept, freq)}
        paths = {}
        for name, frame in tables.items():
            tmp = folder / f".{name}.tmp-{tag}"
            frame.orderBy(customer).write.parquet(tmp.as_uri())
            _replace_folder(tmp, folder / f"{name}.parquet")
            paths[name] = folder / f"{name}.parquet"
        fd_tmp = folder / f".tables.json.tmp-{tag}"
        fd_tmp.write_text(json.dumps(attrs, indent=1, default=str) + "\n")
        os.replace(fd_tmp, folder / "tables.json")
        return paths
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
