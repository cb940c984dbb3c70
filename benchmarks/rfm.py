"""Benchmark: RFM of ~10 million transactions from the synthetic bank (pandas backend).

Times `segmentation.rfm` (input contract checks + aggregation) and, in the same run, a bare
pandas named aggregation that computes the same columns without any checks, so the ratio shows
what validation costs. Peak memory is the extra memory allocated during the call (tracemalloc,
which numpy and pandas report to). Usage: python benchmarks/rfm.py [n_customers]
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import pandas as pd
from _results import machine, write_section

from crmresearch import data, segmentation


def bare(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    out = tx.groupby("customer_id").agg(first=("timestamp", "min"), last=("timestamp", "max"),
                                        frequency=("amount", "size"), monetary=("amount", "sum"))
    out["recency_days"] = (as_of - out["last"]).dt.days
    return out


def measure(fn, *args, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak / 1024**3, out


def main(n_customers: int = 240_000) -> None:
    bank = data.simulate_bank(n_customers=n_customers, seed=0)
    tx = bank.transactions
    as_of = pd.Timestamp(bank.truth["end"])
    ours_s, ours_gb, r = measure(lambda: segmentation.rfm(tx, as_of=as_of, date="timestamp"))
    bare_s, bare_gb, b = measure(lambda: bare(tx, as_of))
    assert (r["frequency"].to_numpy() == b["frequency"].to_numpy()).all()
    lines = [
        "## RFM (benchmarks/rfm.py)", "",
        f"Machine: {machine()}. {len(tx):,} transactions of {r.shape[0]:,} customers (synthetic bank, "
        f"{n_customers:,} customers, seed 0). Best of 3 runs; peak = extra memory allocated during the call.", "",
        "| implementation | seconds | peak extra memory (GB) | ratio to bare pandas |",
        "|---|---:|---:|---:|",
        f"| crmresearch `segmentation.rfm` (checks + RFM) | {ours_s:.2f} | {ours_gb:.2f} | {ours_s / bare_s:.2f} |",
        f"| bare pandas `groupby.agg` (no checks) | {bare_s:.2f} | {bare_gb:.2f} | 1.00 |",
    ]
    print("\n".join(lines))
    write_section("rfm", "\n".join(lines))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
