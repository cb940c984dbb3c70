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
Usage: python benchmarks/scale.py [rows ...]   (default 10_000_000 100_000_000)
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
    main([int(a.replace("_", "")) for a in sys.argv[1:]] or [10_000_000, 100_000_000])
