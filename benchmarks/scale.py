"""Benchmark: customer totals + RFM + BG/NBD calibration summary from Parquet files at 10^7-10^8 rows.

Writes N synthetic transactions (the simulator's schema: customer_id int64, timestamp, amount) to Parquet
in chunks, then times each implementation in a fresh process (wall time and peak RSS of that process):

- crmresearch on DuckDB: the package's own functions given the Parquet glob (aggregated in DuckDB);
- crmresearch on polars: the same functions given ``polars.scan_parquet`` (aggregated in polars);
- pandas: ``read_parquet`` + ``groupby`` computing the same three tables (no checks);
- polars: the same with polars' lazy API (no checks);
- crmresearch on Spark ``local[2]`` (10^7 rows only: it is the cluster route, not the laptop one).

Every implementation's per-customer result is checked against the first one's (counts exact, sums to
1e-9 relative). A second section times BG/NBD fitted from the aggregate of 10 M customers.
With ``--head-to-head``: only ``clv.customer_tables`` on DuckDB against the hand-written SQL for the same three
outputs (:data:`HAND_SQL`), alternating in one run, with the ratio to it and to pandas, and the query plans of
both (``benchmarks/scale-plans.md``); the Parquet files are kept in ``$CRMRESEARCH_BENCH_DIR/crmresearch-scale``
(default: the temporary folder) and reused (``--no-pandas``: without the pandas run).
With ``--billion``: ``clv.customer_tables`` at 10^8 and 10^9 rows (or the sizes given) on DuckDB with a memory
limit that forces spilling and on a two-worker Spark standalone cluster, time, peak memory, spill and the time per
row against the smallest size (:func:`billion`; the 10^9 files are ~15 GB, the spill needs ~50 GB more); each
finished run is kept in ``billion-runs.json`` beside the files and a stopped run resumes (``--fresh``: from scratch).
Usage: python benchmarks/scale.py [--head-to-head [--no-pandas] | --billion [--fresh] [--spark-up-to ROWS]]
[rows ...]
(default 10_000_000 100_000_000)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from _results import machine, write_section

CAL_END, OBS_END = "2024-12-31", "2025-12-31"

#: The package's own calls, the same for every engine: only the way the table is opened differs.
OURS = """
        import warnings; warnings.simplefilter("ignore")
        from crmresearch import clv, segmentation
        {open_table}
        totals = segmentation.customer_totals(tx)
        rfm = segmentation.rfm(tx, as_of="2026-01-01", date="timestamp")
        summary = clv.summary_from_transactions(tx, CAL_END, OBS_END, date="timestamp")
"""

RUNNERS = {
    "crmresearch on DuckDB": OURS.format(open_table="tx = GLOB"),
    "crmresearch on polars": OURS.format(open_table="import polars as pl; tx = pl.scan_parquet(GLOB)"),
    "pandas (read_parquet + groupby)": """
        import pandas as pd
        tx = pd.read_parquet(FILES)
        g = tx.groupby("customer_id")
        totals = g["amount"].agg(revenue="sum", transactions="size")
        rfm = g.agg(first=("timestamp", "min"), last=("timestamp", "max"), frequency=("amount", "size"),
                    monetary=("amount", "sum"))
        tx["day"] = tx["timestamp"].dt.normalize()
        daily = tx[tx["day"] <= pd.Timestamp(OBS_END)].groupby(["customer_id", "day"], as_index=False)["amount"].sum()
        first = daily.groupby("customer_id")["day"].transform("min")
        cal = daily["day"] <= pd.Timestamp(CAL_END)
        daily["cal"] = cal
        daily["rep"] = daily["amount"].where(cal & (daily["day"] > first), 0.0)
        daily["day_cal"] = daily["day"].where(cal)
        summary = daily.groupby("customer_id").agg(first=("day", "min"), last_cal=("day_cal", "max"),
                                                   days_cal=("cal", "sum"), repeat=("rep", "sum"), days=("day", "size"))
    """,
    "polars (lazy, no checks)": """
        import datetime as dt
        import polars as pl
        tx = pl.scan_parquet(GLOB)
        totals = tx.group_by("customer_id").agg(pl.col("amount").sum().alias("revenue"), pl.len()).collect()
        rfm = tx.group_by("customer_id").agg(pl.col("timestamp").min(), pl.col("timestamp").max().alias("last"),
                                             pl.len(), pl.col("amount").sum()).collect()
        cal_end, obs_end = dt.datetime.fromisoformat(CAL_END), dt.datetime.fromisoformat(OBS_END)
        daily = (tx.with_columns(day=pl.col("timestamp").dt.truncate("1d")).filter(pl.col("day") <= obs_end)
                 .group_by("customer_id", "day").agg(pl.col("amount").sum()))
        daily = daily.with_columns(first=pl.col("day").min().over("customer_id"))
        summary = (daily.with_columns(cal=pl.col("day") <= cal_end)
                   .group_by("customer_id")
                   .agg(pl.col("first").min(), pl.col("day").filter(pl.col("cal")).max(), pl.col("cal").sum(),
                        pl.len(), pl.col("amount").filter(pl.col("cal") & (pl.col("day") > pl.col("first"))).sum())
                   .collect())
    """,
    "crmresearch on Spark local[2]": OURS.format(open_table="\n        ".join([
        "from pyspark.sql import SparkSession",
        'spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")'
        '.config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "4g").getOrCreate())',
        'spark.sparkContext.setLogLevel("ERROR")',
        "tx = spark.read.parquet(FOLDER)"])),
}

CHECK = """
import numpy as np
out = {"customers": int(len(totals)), "revenue": float(np.asarray(totals["revenue"] if "revenue" in totals
       else totals[1], dtype=float).sum())}
print("RESULT", json.dumps(out))
"""


BREAKDOWN = """
import json, time, warnings
warnings.simplefilter("ignore")
import duckdb
from crmresearch import clv, segmentation
out = {}
for name, call in (("customer_totals", lambda: segmentation.customer_totals(GLOB)),
                   ("rfm", lambda: segmentation.rfm(GLOB, as_of="2026-01-01", date="timestamp")),
                   ("summary_from_transactions", lambda: clv.summary_from_transactions(GLOB, CAL_END, OBS_END,
                                                                                       date="timestamp"))):
    t = time.perf_counter(); call(); out[name] = time.perf_counter() - t
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute(f"SELECT count(*) FROM (SELECT customer_id, date_trunc('day', timestamp) AS day, sum(amount) "
            f"FROM read_parquet('{GLOB}') GROUP BY ALL)").fetchall()
out["raw DuckDB SQL: (customer, day) aggregation alone"] = time.perf_counter() - t
print("RESULT", json.dumps(out))
"""


def breakdown(folder: Path, memory: str | None = None) -> tuple[dict, float]:
    """Seconds per public function (DuckDB on the files, one process) and the process's peak RSS."""
    code = f"GLOB = {str(folder / '*.parquet')!r}\nCAL_END, OBS_END = {CAL_END!r}, {OBS_END!r}\n" + BREAKDOWN
    env = {**os.environ, **({"CRMRESEARCH_DUCKDB_MEMORY": memory} if memory else {})}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read()
    if status != 0:
        raise RuntimeError(proc.stderr.read()[-2000:])
    return _result(out), usage.ru_maxrss / 1024**2


def _result(out: str) -> dict:
    """The JSON after the last 'RESULT ' marker (progress bars may share its line)."""
    return json.loads(out.rsplit("RESULT ", 1)[1].splitlines()[0])


def write_parquet(folder: Path, rows: int, chunk: int = 5_000_000, seed: int = 0) -> None:
    """Synthetic transactions, 40 per customer on average, over 2023-2025 (the simulator's columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_customers = max(rows // 40, 1)
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    span = 3 * 365 * 86_400
    for i, lo in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - lo)
        table = pa.table({
            "customer_id": rng.integers(0, n_customers, n, dtype=np.int64),
            "timestamp": pa.array((start + rng.integers(0, span, n)).astype("datetime64[s]").astype("datetime64[us]")),
            "amount": np.round(rng.gamma(2.0, 40.0, n), 2),
        })
        pq.write_table(table, folder / f"part-{i:04d}.parquet", row_group_size=1_000_000)


def run(name: str, folder: Path) -> dict:
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    code = "import json\n" + f"GLOB = {str(folder / '*.parquet')!r}\nFILES = {files!r}\nFOLDER = {str(folder)!r}\n" \
        + f"CAL_END, OBS_END = {CAL_END!r}, {OBS_END!r}\n" + textwrap.dedent(RUNNERS[name])
    code += CHECK if "pandas" in name or "crmresearch" in name else 'print("RESULT", json.dumps({}))\n'
    env = {**os.environ, "OMP_NUM_THREADS": "2", "POLARS_MAX_THREADS": "2"}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    out, err = proc.stdout.read(), proc.stderr.read()
    if status != 0:
        raise RuntimeError(f"{name} failed:\n{err[-2000:]}")
    result = _result(out)
    return {"seconds": seconds, "peak_gb": usage.ru_maxrss / 1024**2, **result}


AS_OF = "2026-01-01"
#: The three outputs as one hand-written DuckDB query (the fastest we found, ``benchmarks/scale-plans.md``): one
#: aggregation per (customer, day), then per customer, the first day's amount by ``arg_min`` (no join); the final
#: columns (recency and tenure in days, the summary in weeks) in SQL too.
HAND_SQL = """
WITH daily AS (
  SELECT customer_id, date_trunc('day', timestamp) AS day, count(*) AS n, sum(amount) AS amt,
         min(timestamp) AS t0, max(timestamp) AS t1
  FROM read_parquet('{glob}') GROUP BY ALL),
per AS (
  SELECT customer_id, sum(amt) AS revenue, sum(n) AS transactions, min(t0) AS first_purchase,
         max(t1) AS last_purchase, min(day) FILTER (day <= TIMESTAMP '{obs}') AS first,
         max(day) FILTER (day <= TIMESTAMP '{cal}') AS last_cal, count(*) FILTER (day <= TIMESTAMP '{cal}') AS days_cal,
         count(*) FILTER (day > TIMESTAMP '{cal}' AND day <= TIMESTAMP '{obs}') AS days_holdout,
         sum(amt) FILTER (day <= TIMESTAMP '{cal}') - arg_min(amt, day) FILTER (day <= TIMESTAMP '{cal}') AS rep
  FROM daily GROUP BY customer_id)
SELECT customer_id, revenue, transactions,
       (epoch(TIMESTAMP '{as_of}') - epoch(last_purchase)) // 86400 AS recency_days,
       transactions AS frequency_rfm, revenue AS monetary, revenue / transactions AS monetary_mean,
       first_purchase, last_purchase, (epoch(TIMESTAMP '{as_of}') - epoch(first_purchase)) // 86400 AS tenure_days,
       CASE WHEN days_cal > 0 AND first < TIMESTAMP '{cal}' THEN days_cal - 1 END AS frequency,
       datediff('day', first, last_cal) / 7 AS recency, datediff('day', first, TIMESTAMP '{cal}') / 7 AS T,
       CASE WHEN days_cal > 1 THEN rep / (days_cal - 1) ELSE 0 END AS monetary_value,
       days_holdout AS frequency_holdout, datediff('day', TIMESTAMP '{cal}', TIMESTAMP '{obs}') / 7 AS duration_holdout
FROM per"""

#: DuckDB's settings for both sides of the head-to-head (the package reads them from the environment).
DUCKDB_SETTINGS = {"memory_limit": "2GB", "threads": "2"}

HEAD = {
    "crmresearch (clv.customer_tables) on DuckDB": """
        import time, warnings; warnings.simplefilter("ignore")
        from crmresearch import clv
        t, c = time.perf_counter(), time.process_time()
        tables = clv.customer_tables(GLOB, CAL_END, OBS_END, as_of=AS_OF, date="timestamp")
        call, call_cpu = time.perf_counter() - t, time.process_time() - c
        out = {"customers": len(tables["totals"]), "revenue": float(tables["totals"]["revenue"].sum()),
               "repeat_days": int(tables["summary"]["frequency"].sum()), "call": call, "call_cpu": call_cpu}
    """,
    "hand-written DuckDB SQL (one query, Arrow result)": """
        import time
        import duckdb
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        for k, v in SETTINGS.items():
            con.execute(f"SET {k} = '{v}'")
        t, c = time.perf_counter(), time.process_time()
        res = con.sql(HAND).to_arrow_table()
        call, call_cpu = time.perf_counter() - t, time.process_time() - c
        import pyarrow.compute as pc
        out = {"customers": res.num_rows, "revenue": pc.sum(res["revenue"]).as_py(),
               "repeat_days": int(pc.sum(res["frequency"]).as_py()), "call": call, "call_cpu": call_cpu}
    """,
}


def head_to_head(folder: Path, rounds: int = 2, spill: str | None = None) -> dict[str, dict]:
    """Ours and the hand-written SQL on the same files, alternating, ``rounds`` times each (best kept): a fresh
    process per run (wall time of the process, of the call alone, CPU seconds and peak RSS), DuckDB's settings
    :data:`DUCKDB_SETTINGS` on both sides."""
    glob = str(folder / "*.parquet")
    settings = {**DUCKDB_SETTINGS, **({"temp_directory": spill} if spill else {})}
    env = {**os.environ, "CRMRESEARCH_DUCKDB_MEMORY": settings["memory_limit"],
           "CRMRESEARCH_DUCKDB_THREADS": settings["threads"],
           **({"CRMRESEARCH_DUCKDB_TEMP": spill} if spill else {})}
    hand = HAND_SQL.format(glob=glob, cal=CAL_END, obs=OBS_END, as_of=AS_OF)
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for name, body in HEAD.items():
            code = (f"import json\nGLOB = {glob!r}\nCAL_END, OBS_END, AS_OF = {CAL_END!r}, {OBS_END!r}, {AS_OF!r}\n"
                    f"SETTINGS = {settings!r}\nHAND = {hand!r}\n" + textwrap.dedent(body)
                    + 'print("RESULT", json.dumps(out))\n')
            t = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t
            out, err = proc.stdout.read(), proc.stderr.read()
            if status != 0:
                raise RuntimeError(f"{name} failed:\n{err[-2000:]}")
            r = {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_gb": usage.ru_maxrss / 1024**2,
                 **_result(out)}
            print(name, r, flush=True)
            if name not in best or r["call"] < best[name]["call"]:
                best[name] = {**r, "call_cpu": min(r["call_cpu"], best.get(name, r)["call_cpu"])}
            else:
                best[name]["call_cpu"] = min(r["call_cpu"], best[name]["call_cpu"])
    ours, ref = best.values()
    for key in ("customers", "repeat_days"):
        assert ours[key] == ref[key], key
    assert abs(ours["revenue"] - ref["revenue"]) <= 1e-9 * ref["revenue"]
    return best


def plans(folder: Path, path: Path) -> None:
    """EXPLAIN ANALYZE of our query (the relation :func:`crmresearch.sources.aggregate.customer_aggregates` runs)
    and of the hand-written SQL, on the same files, into ``path`` (Markdown)."""
    code = textwrap.dedent(f"""
        import warnings; warnings.simplefilter("ignore")
        import duckdb, narwhals as nw, pandas as pd
        from crmresearch.sources import aggregate
        seen = {{}}
        def keep(lf):
            seen["rel"] = nw.to_native(lf)
            return ORIG(lf)
        ORIG = aggregate._collect
        aggregate._collect = keep
        aggregate.customer_aggregates({str(folder / '*.parquet')!r}, pd.Timestamp({CAL_END!r}),
                                      pd.Timestamp({OBS_END!r}), columns={{"date": "timestamp"}})
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        ours = seen["rel"].explain(type="analyze")
        hand = con.sql("EXPLAIN ANALYZE " + {HAND_SQL.format(glob=str(folder / '*.parquet'), cal=CAL_END, obs=OBS_END,
                                                             as_of=AS_OF)!r}).fetchall()[0][1]
        print("PLANS" + ours + "@@HAND@@" + hand)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ours, hand = out.split("PLANS", 1)[1].split("@@HAND@@")
    path.write_text("# Query plans: totals + RFM + BG/NBD summary on DuckDB (benchmarks/scale.py)\n\n"
                    f"Both on the same {folder.name} Parquet files, EXPLAIN ANALYZE, DuckDB defaults.\n\n"
                    "## crmresearch: `clv.customer_tables` (`sources.aggregate.customer_aggregates`)\n\n"
                    "Its contract check (one scan without grouping) runs before, and is not in this plan.\n\n"
                    f"```\n{ours.strip()}\n```\n\n## Hand-written SQL (`HAND_SQL` in benchmarks/scale.py)\n\n"
                    f"```sql\n{HAND_SQL.strip()}\n```\n\n```\n{hand.strip()}\n```\n")


def head_to_head_section(sizes: list[int], pandas_runs: bool = True) -> None:
    """The head-to-head at each size (files reused from ``CRMRESEARCH_BENCH_DIR`` when there), into results.md."""
    import shutil

    root = Path(os.environ.get("CRMRESEARCH_BENCH_DIR") or tempfile.gettempdir()) / "crmresearch-scale"
    load = [os.getloadavg()]
    lines = ["## Scale on DuckDB: our API against hand-written SQL (benchmarks/scale.py --head-to-head)", "",
             f"Machine: {machine()}, shared (load averages in the last column). Totals + RFM + BG/NBD summary from "
             "one Parquet folder: `clv.customer_tables(glob, ...)` (one contract check, one aggregation per customer "
             "and day) against the hand-written query `HAND_SQL` (one aggregation per customer and day, the first "
             "day's amount by `arg_min`, no join). Each is run in a fresh process, alternating, best of 2 (by the "
             "time of the call; CPU: the least of the two); both with DuckDB settings "
             + ", ".join(f"`{k}={v}`" for k, v in DUCKDB_SETTINGS.items())
             + " and `temp_directory` on the local disk (the package: `CRMRESEARCH_DUCKDB_MEMORY`, "
             "`CRMRESEARCH_DUCKDB_THREADS`, `CRMRESEARCH_DUCKDB_TEMP`). Seconds: the call alone (the process, "
             "imports included, in brackets); CPU: user + system seconds of all threads during the call (of the "
             "process); the ratio of CPU seconds is the one a shared machine's load disturbs least; peak: its maximum "
             "resident memory. Results checked equal (customers, repeat days exactly, revenue to 1e-9). "
             "Query plans: [scale-plans.md](scale-plans.md).", "",
             "| rows | implementation | seconds (process) | CPU s of the call (process) | peak RSS (GB) | "
             "ratio to hand SQL: seconds, CPU | ratio to pandas | load |", "|---:|---|---:|---:|---:|---:|---:|---|"]
    for rows in sizes:
        folder = root / f"tx-{rows}"
        if not (folder.is_dir() and any(folder.glob("*.parquet"))):
            write_parquet(folder, rows)
        spill = root / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        before = os.getloadavg()[0]
        best = head_to_head(folder, spill=str(spill))
        # pandas needs ~19 GB at 10^8 rows (the Scale table above): run at 10^7 only on a shared machine
        pandas_s = run("pandas (read_parquet + groupby)", folder)["seconds"] if pandas_runs and rows <= 10**7 \
            else None
        after = os.getloadavg()[0]
        hand = best["hand-written DuckDB SQL (one query, Arrow result)"]
        for name, r in best.items():
            vs_pandas = f"{pandas_s / r['seconds']:.1f}x faster" if pandas_s else "not run (see Scale)"
            lines.append(f"| {rows:,} | {name} | {r['call']:.1f} ({r['seconds']:.1f}) | {r['call_cpu']:.1f} "
                         f"({r['cpu']:.1f}) | {r['peak_gb']:.2f} | {r['call'] / hand['call']:.2f}, "
                         f"{r['call_cpu'] / hand['call_cpu']:.2f} | {vs_pandas} | "
                         f"{before:.1f} → {after:.1f} |")
        if pandas_s:
            lines.append(f"| {rows:,} | pandas (read_parquet + groupby), once | ({pandas_s:.1f}) | | | | 1.0 | |")
        shutil.rmtree(spill, ignore_errors=True)
        if rows == min(sizes):
            plans(folder, Path(__file__).with_name("scale-plans.md"))
    del load
    print("\n".join(lines))
    write_section("scale-duckdb", "\n".join(lines))


#: The 10^9-row run (``--billion``): DuckDB's memory limit (forcing spilling: the (customer, day) state of 10^9
#: rows is ~50 GB, of 10^8 ~5 GB), the cluster's worker and executor memory, the driver's.
BILLION_DUCKDB = {"memory_limit": "4GB", "threads": "2"}
#: Passes over the files (``CRMRESEARCH_DUCKDB_PASSES``) by size: at 10^9 rows one pass spilled 56 GB and was
#: stopped with 3.7 GB of disk left (2026-12-03, 59 GB free with the files); four hold a quarter each.
BILLION_DUCKDB_PASSES = {1_000_000_000: 4}
#: Passes of the cluster (``CRMRESEARCH_SPARK_PASSES``) by size: at 10^9 rows one pass ran 42 min, its shuffle
#: files reached 53 GB, and it ended with no error message (most likely the driver, bringing back 25 million
#: customers; 2026-12-03); four
#: passes shuffle a quarter each and bring back a quarter of the customers each time.
BILLION_SPARK_PASSES = {1_000_000_000: 4}
#: Heaps: each worker 5g (executor 4g); the driver 4g, since with ``collect=False`` it only plans (it was 8g
#: when the tables came back to it).
BILLION_WORKER_MEMORY, BILLION_EXECUTOR_MEMORY, BILLION_DRIVER_MEMORY = "5g", "4g", "4g"
#: Free disk (GB) below which a run is stopped (the spill would fill the disk).
MIN_FREE_GB = 4.0

BILLION_DUCKDB_CODE = """
import time, warnings; warnings.simplefilter("ignore")
from crmresearch import clv
t, c = time.perf_counter(), time.process_time()
tables = clv.customer_tables(GLOB, CAL_END, OBS_END, as_of=AS_OF, date="timestamp")
out = {"call": time.perf_counter() - t, "call_cpu": time.process_time() - c, "customers": len(tables["totals"]),
       "revenue": float(tables["totals"]["revenue"].sum()), "repeat_days": int(tables["summary"]["frequency"].sum())}
"""

BILLION_SPARK_CODE = """
import time, warnings; warnings.simplefilter("ignore")
from pyspark.sql import SparkSession
builder = SparkSession.builder.master(MASTER).appName("crmresearch-scale")
for k, v in CONFIG.items():
    builder = builder.config(k, v)
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
from crmresearch import clv
t, c = time.perf_counter(), time.process_time()
# written by the executors (collect=False): nothing per customer comes to the driver's Python
paths = clv.customer_tables(spark.read.parquet(FOLDER), CAL_END, OBS_END, as_of=AS_OF, date="timestamp",
                            out=OUT, collect=False)
out = {"call": time.perf_counter() - t, "call_cpu": time.process_time() - c}
import pyarrow.compute as pc, pyarrow.dataset as ds
totals, summary = ds.dataset(paths["totals"]), ds.dataset(paths["summary"])
out.update({"customers": totals.count_rows(),
            "revenue": float(pc.sum(totals.to_table(columns=["revenue"])["revenue"]).as_py()),
            "repeat_days": int(pc.sum(summary.to_table(columns=["frequency"])["frequency"]).as_py())})
import json, urllib.request
ui = spark.sparkContext.uiWebUrl
app = spark.sparkContext.applicationId
ex = json.loads(urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/allexecutors").read())
out["tasks_per_executor"] = {e["id"]: e["totalTasks"] for e in ex if e["id"] != "driver"}
spark.stop()
"""


def _tree_rss_gb(root_pids: list[int]) -> float:
    """Resident memory (GB) now of the processes in ``root_pids`` and all their descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(d.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(stat[1]), []).append(int(d.name))
        except (OSError, IndexError, ValueError):
            continue
    seen, stack = set(), list(root_pids)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return sum(rss.get(p, 0) for p in seen) / 1024**3


def _folder_gb(folder: Path) -> float:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total / 1024**3


def _watched(code: str, env: dict, spill: Path, extra_pids: list[int] | None = None) -> dict:
    """Run ``code`` in a fresh process; every 2 s sample the resident memory of it (and of ``extra_pids``' process
    trees: the cluster's JVMs) and the size of ``spill``; stop it if the disk's free space falls below
    :data:`MIN_FREE_GB`. Returns its RESULT with seconds, peaks and the run's load averages."""
    import shutil
    import threading

    t = time.perf_counter()
    load0 = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    peaks = {"rss": 0.0, "spill": 0.0, "min_free": float("inf")}
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(2.0):
            peaks["rss"] = max(peaks["rss"], _tree_rss_gb([proc.pid, *(extra_pids or [])]))
            peaks["spill"] = max(peaks["spill"], _folder_gb(spill))
            free = shutil.disk_usage(spill).free / 1024**3
            peaks["min_free"] = min(peaks["min_free"], free)
            if free < MIN_FREE_GB:
                proc.kill()
                peaks["killed"] = True

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    stop.set()
    watcher.join()
    seconds = time.perf_counter() - t
    if proc.returncode != 0:  # the reason goes last: the "not measured" line quotes the last line
        if peaks.get("killed"):
            why = f"stopped: the disk's free space fell below {MIN_FREE_GB:.0f} GB"
        elif proc.returncode == -9:
            why = (f"killed by SIGKILL, not by this script: on Linux the kernel's out-of-memory killer (the run's "
                   f"processes held {peaks['rss']:.1f} GB at the last sample; dmesg names the process)")
        else:
            why = f"exit code {proc.returncode}"
        raise RuntimeError(f"{err[-3000:]}\nrun failed: {why}")
    return {**_result(out), "seconds": seconds, "peak_gb": peaks["rss"], "spill_gb": peaks["spill"],
            "min_free_gb": peaks["min_free"], "load": (load0, os.getloadavg()[0])}


def billion(sizes: list[int], spark_up_to: int | None = None) -> None:
    """Totals + RFM + summary (``clv.customer_tables``) at each size on DuckDB with :data:`BILLION_DUCKDB` (spilling
    to the bench folder) and on a two-worker Spark standalone cluster (tests/spark_cluster.py), into results.md.
    ``spark_up_to``: the cluster runs only at sizes up to it (``--spark-up-to ROWS``; 10^9 rows take it ~1 h)."""
    import shutil

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import spark_cluster as sc

    root = Path(os.environ.get("CRMRESEARCH_BENCH_DIR") or tempfile.gettempdir()) / "crmresearch-scale"
    spill = root / "spill"
    # each finished run is kept in a JSON file beside the data, so a stopped 10^9 run resumes where it stopped
    # (delete the file, or give --fresh, to measure everything again)
    done_file = root / "billion-runs.json"
    done = {} if "--fresh" in sys.argv or not done_file.exists() else json.loads(done_file.read_text())
    results: dict[tuple[int, str], dict] = {}
    failed: dict[tuple[int, str], str] = {}

    def keep(rows: int, engine: str, r: dict) -> None:
        results[(rows, engine)] = r
        done[f"{rows} {engine}"] = r
        tmp = done_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(done, indent=1))
        tmp.replace(done_file)
        print(rows, engine, r, flush=True)

    header = (f"GLOB = {{glob!r}}\nFOLDER = {{folder!r}}\nCAL_END, OBS_END, AS_OF = {CAL_END!r}, {OBS_END!r}, "
              f"{AS_OF!r}\n")
    for rows in sizes:
        folder = root / f"tx-{rows}"
        if not (folder.is_dir() and any(folder.glob("*.parquet"))):
            t = time.perf_counter()
            write_parquet(folder, rows)
            print(f"wrote {rows:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
        files_gb = _folder_gb(folder)
        if f"{rows} DuckDB" in done and (f"{rows} Spark" in done or (spark_up_to or rows) < rows):
            results[(rows, "DuckDB")] = done[f"{rows} DuckDB"]
            if f"{rows} Spark" in done:
                results[(rows, "Spark")] = done[f"{rows} Spark"]
            print(rows, "measured before (", done_file, ")", flush=True)
            continue
        spill.mkdir(parents=True, exist_ok=True)
        passes = BILLION_DUCKDB_PASSES.get(rows, 1)
        env = {**os.environ, "CRMRESEARCH_DUCKDB_MEMORY": BILLION_DUCKDB["memory_limit"],
               "CRMRESEARCH_DUCKDB_THREADS": BILLION_DUCKDB["threads"], "CRMRESEARCH_DUCKDB_TEMP": str(spill),
               "CRMRESEARCH_DUCKDB_PASSES": str(passes)}
        code = "import json\n" + header.format(glob=str(folder / "*.parquet"), folder=str(folder)) \
            + textwrap.dedent(BILLION_DUCKDB_CODE) + 'print("RESULT", json.dumps(out))\n'
        if f"{rows} DuckDB" in done:
            results[(rows, "DuckDB")] = done[f"{rows} DuckDB"]
        else:
            r = _watched(code, env, spill)
            r["files_gb"], r["passes"] = files_gb, passes
            keep(rows, "DuckDB", r)
        shutil.rmtree(spill, ignore_errors=True)
        if spark_up_to is not None and rows > spark_up_to:
            continue
        # the cluster: master + 2 workers x 1 core, bigger memory than the tests' cluster
        sc.WORKER_MEMORY, sc.EXECUTOR_MEMORY = BILLION_WORKER_MEMORY, BILLION_EXECUTOR_MEMORY
        local = root / "spark"
        os.environ["SPARK_LOCAL_DIRS"] = str(local / "local")  # the executors' shuffle and spill files
        cluster = sc.SparkCluster(local).start()
        try:
            config = {**sc.session_config(cluster), "spark.driver.memory": BILLION_DRIVER_MEMORY,
                      "spark.sql.shuffle.partitions": "64", "spark.driver.maxResultSize": "4g",
                      "spark.sql.execution.arrow.pyspark.enabled": "true",
                      # zstd, not lz4, for the shuffle and spill files: at 10^9 rows lz4's ~64 GB would not fit
                      "spark.io.compression.codec": "zstd"}
            code = (f"import json\nMASTER = {cluster.url!r}\nCONFIG = {config!r}\nOUT = {str(local / 'out')!r}\n"
                    + header.format(glob=str(folder / "*.parquet"), folder=str(folder))
                    + textwrap.dedent(BILLION_SPARK_CODE) + 'print("RESULT", json.dumps(out))\n')
            spark_passes = BILLION_SPARK_PASSES.get(rows, 1)
            t_run = time.perf_counter()
            try:
                r = _watched(code, {**os.environ, "CRMRESEARCH_SPARK_PASSES": str(spark_passes)}, local,
                             extra_pids=cluster.pids)
                r["passes"] = spark_passes
            except RuntimeError as exc:  # kept, with its reason, in the "not measured" line
                failed[(rows, "Spark")] = (f"failed after {time.perf_counter() - t_run:.0f} s in {spark_passes} "
                                           f"pass(es): {str(exc).strip().splitlines()[-1][:300]}")
                print(failed[(rows, "Spark")], flush=True)
                continue
        finally:
            cluster.stop()
            shutil.rmtree(local, ignore_errors=True)
        keep(rows, "Spark", r)
        ref = results[(rows, "DuckDB")]
        for key in ("customers", "repeat_days"):
            assert r[key] == ref[key], (rows, key, r[key], ref[key])
        assert abs(r["revenue"] - ref["revenue"]) <= 1e-9 * ref["revenue"]
    base = min(sizes)
    lines = ["## 10^9 rows: DuckDB spilling and a two-worker Spark cluster (benchmarks/scale.py --billion)", "",
             f"Machine: {machine()}. `clv.customer_tables` (totals + RFM + BG/NBD summary, one aggregation per "
             "customer and day) on the same synthetic Parquet folders (40 transactions per customer over 2023-2025, "
             "so nearly every transaction is its own (customer, day) group: the state to aggregate grows with the "
             "rows). "
             "DuckDB: " + ", ".join(f"`{k}={v}`" for k, v in BILLION_DUCKDB.items()) + " (it spills to "
             "`CRMRESEARCH_DUCKDB_TEMP` on the local disk); at 10^9 rows in 4 passes over the files "
             "(`CRMRESEARCH_DUCKDB_PASSES=4`, one hash bucket of customers each): in one pass the spill reached 56 GB "
             "and the run was stopped with 3.7 GB of the disk left. Spark: a standalone master and two workers on "
             "127.0.0.1 "
             "(at 10^9 rows in 4 passes, `CRMRESEARCH_SPARK_PASSES=4`; in one pass the shuffle files reached 53 GB "
             "and the run ended after 42 min with no error message; in 4 passes the kernel's out-of-memory killer "
             "stopped the driver's Python after 39 min, holding 13.5 GiB of the 25 million customers' tables beside "
             "16 GiB of JVM heaps (driver and executors) on this 24 GiB machine, when the tables came back to the "
             "driver as pandas; now the executors write them, `customer_tables(..., out=, collect=False)`) "
             f"(tests/spark_cluster.py), each worker 1 core and {BILLION_WORKER_MEMORY} (executor heap "
             f"{BILLION_EXECUTOR_MEMORY}), driver {BILLION_DRIVER_MEMORY}, 64 shuffle partitions, shuffle and "
             "spill files compressed with zstd; the executors write the three tables as sorted Parquet folders "
             "(`collect=False`: nothing per customer reaches the driver, which reads the sums back with pyarrow). "
             "Seconds: the call alone (the process, start-up and imports included, in "
             "brackets). Peak: the largest resident memory sampled every 2 s of the process and, for Spark, of the "
             "master, workers and executors. Spill: the largest size of DuckDB's temporary folder or of the "
             "executors' local folders. Results checked equal between the engines (customers and repeat days "
             "exactly, revenue to 1e-9).", "",
             "| rows | Parquet (GB) | engine | seconds (process) | CPU s of the driver's call | peak RSS (GB) | "
             "spill peak (GB) | seconds per 10^8 rows | per row, against " + f"{base:,}" + " | load |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for (rows, engine), r in sorted(results.items()):
        per = r["call"] / (rows / 1e8)
        ref = results[(base, engine)]
        ratio = per / (ref["call"] / (base / 1e8))
        tasks = f" (tasks per executor: {r['tasks_per_executor']})" if "tasks_per_executor" in r else ""
        if r.get("passes", 1) > 1:
            tasks = f" ({r['passes']} passes{'; ' + tasks[2:-1] if tasks else ''})"
        lines.append(f"| {rows:,} | {results[(rows, 'DuckDB')]['files_gb']:.1f} | {engine}{tasks} | "
                     f"{r['call']:.0f} ({r['seconds']:.0f}) | {r['call_cpu']:.0f} | {r['peak_gb']:.2f} | "
                     f"{r['spill_gb']:.1f} | {per:.0f} | {ratio:.2f} | {r['load'][0]:.1f} → {r['load'][1]:.1f} |")
    for rows in sorted({rows for rows, _ in results}):  # what the engines agreed on
        r = results.get((rows, "DuckDB")) or results[(rows, "Spark")]
        agreed = "both engines" if (rows, "Spark") in results and (rows, "DuckDB") in results else "one engine"
        lines.append(f"\n{rows:,} rows, {agreed}: {r['customers']:,} customers, {r['repeat_days']:,} repeat days, "
                     f"revenue {r['revenue']:,.2f}.")
    missing = [f"{rows:,} on {engine}" + (f" ({failed[(rows, engine)]})" if (rows, engine) in failed else "")
               for rows in sizes for engine in ("DuckDB", "Spark") if (rows, engine) not in results]
    if missing:
        lines += ["", "Not measured in this run: " + ", ".join(missing) + "."]
    print("\n".join(lines))
    write_section("scale-billion", "\n".join(lines))


def bgnbd_from_aggregate(n_customers: int = 10_000_000) -> list[str]:
    """BG/NBD fitted on the distinct (x, t_x, T) rows of 10 M customers with their counts."""
    from crmresearch import clv

    rng = np.random.default_rng(1)
    sim = clv.simulate_bgnbd(1_000_000, T=np.round(rng.uniform(26, 39, 1_000_000) * 7) / 7, seed=1,
                             r=0.24, alpha=4.41, a=0.79, b=2.43)
    # 10 M customers = the 1 M simulated ones, each standing for 10 identical customers (weights), in days
    x, tx, T = sim["frequency"].to_numpy(), np.round(sim["recency"].to_numpy() * 7) / 7, sim["T"].to_numpy()
    rows = np.column_stack([x, tx, T])
    uniq, inv = np.unique(rows, axis=0, return_inverse=True)
    weights = np.bincount(inv.ravel(), minlength=len(uniq)) * 10.0
    t = time.perf_counter()
    m = clv.BetaGeoNBD().fit(uniq[:, 0], uniq[:, 1], uniq[:, 2], weights=weights)
    seconds = time.perf_counter() - t
    return [
        "### BG/NBD from the aggregate of 10 M customers", "",
        f"{int(weights.sum()):,} customers with recency and age in days (FHL's resolution) collapse to "
        f"{len(uniq):,} distinct (x, t_x, T) rows with counts; `BetaGeoNBD().fit(..., weights=counts)` takes "
        f"**{seconds:.2f} s** (goal 3 s); estimates r {m.params_['r']:.3f}, alpha {m.params_['alpha']:.2f}, "
        f"a {m.params_['a']:.3f}, b {m.params_['b']:.3f} (truth 0.24, 4.41, 0.79, 2.43).",
    ]


def main(sizes: list[int]) -> None:
    lines = ["## Scale: totals + RFM + BG/NBD summary from Parquet (benchmarks/scale.py)", "",
             f"Machine: {machine()}. Each row is a fresh process reading the same Parquet files; peak = the "
             "process's maximum resident memory. Every result is checked against the first row's "
             "(customers exactly, revenue to 1e-9 relative).", "",
             "| rows | implementation | seconds | peak RSS (GB) | ratio to pandas |", "|---:|---|---:|---:|---:|"]
    split_rows: list = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("CRMRESEARCH_BENCH_DIR")) as tmp:
        for rows in sizes:
            folder = Path(tmp) / f"tx-{rows}"
            t = time.perf_counter()
            write_parquet(folder, rows)
            print(f"wrote {rows:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
            results = {}
            for name in RUNNERS:
                if "Spark" in name and rows > 10_000_000:
                    continue
                results[name] = run(name, folder)
                print(name, results[name], flush=True)
            ref = results["crmresearch on DuckDB"]
            for name, r in results.items():
                if "customers" in r:
                    assert r["customers"] == ref["customers"], name
                    assert abs(r["revenue"] - ref["revenue"]) <= 1e-9 * ref["revenue"], name
            base = results["pandas (read_parquet + groupby)"]["seconds"]
            parts, peak = breakdown(folder)
            parts_1g, peak_1g = breakdown(folder, memory="1GB")
            split_rows.append((rows, parts, peak, parts_1g, peak_1g))
            for name, r in results.items():
                lines.append(f"| {rows:,} | {name} | {r['seconds']:.1f} | {r['peak_gb']:.2f} | "
                             f"{base / r['seconds']:.1f}x faster |" if name != "pandas (read_parquet + groupby)"
                             else f"| {rows:,} | {name} | {r['seconds']:.1f} | {r['peak_gb']:.2f} | 1.0 |")
            import shutil

            shutil.rmtree(folder)
    lines += ["", "### Where the time goes (crmresearch on DuckDB, one process per column)", "",
              "| rows | step | seconds | seconds with memory_limit 1GB |", "|---:|---|---:|---:|"]
    for rows, parts, peak, parts_1g, peak_1g in split_rows:
        for step in parts:
            lines.append(f"| {rows:,} | {step} | {parts[step]:.1f} | {parts_1g[step]:.1f} |")
        lines.append(f"| {rows:,} | peak RSS of the process (GB) | {peak:.2f} | {peak_1g:.2f} |")
    lines += ["", *bgnbd_from_aggregate()]
    print("\n".join(lines))
    write_section("scale", "\n".join(lines))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = [int(a.replace("_", "")) for a in args] or [10_000_000, 100_000_000]
    if "--billion" in sys.argv:
        upto = sys.argv[sys.argv.index("--spark-up-to") + 1] if "--spark-up-to" in sys.argv else None
        sizes = [int(a.replace("_", "")) for a in args if a != upto] or [100_000_000, 1_000_000_000]
        billion(sizes, int(upto.replace("_", "")) if upto else None)
    elif "--head-to-head" in sys.argv:
        head_to_head_section(sizes, pandas_runs="--no-pandas" not in sys.argv)
    else:
        main(sizes)
