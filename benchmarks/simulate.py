"""Benchmark: build the synthetic bank with 1,000,000 customers over 36 months.

Goal (issue: synthetic bank): within 2 minutes and under 8 GB peak memory on 2 cores.
Each size runs in a fresh process so peak memory (max RSS) is the build's own.
Usage: python benchmarks/simulate.py [n_customers ...]
"""

from __future__ import annotations

import json
import subprocess
import sys

from _results import machine, write_section

CHILD = r"""
import json, resource, time
from crmresearch import data
t = time.perf_counter()
bank = data.simulate_bank(n_customers={n}, seed=0, months=36)
seconds = time.perf_counter() - t
rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps({{"seconds": seconds, "peak_gb": rss_gb,
                  "rows": {{k: len(v) for k, v in bank.tables().items()}}}}))
"""


def run(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(n=n)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    lines = ["## simulate_bank (benchmarks/simulate.py)", "",
             f"Machine: {machine()}. Goal: 1,000,000 customers x 36 months in <= 120 s and < 8 GB.", "",
             "| customers | seconds | peak memory (GB) | transactions | tickets | meets goal |",
             "|---:|---:|---:|---:|---:|---|"]
    for n in sizes:
        r = run(n)
        ok = "yes" if (n < 1_000_000 or (r["seconds"] <= 120 and r["peak_gb"] < 8)) else "NO"
        lines.append(f"| {n:,} | {r['seconds']:.1f} | {r['peak_gb']:.2f} | "
                     f"{r['rows']['transactions']:,} | {r['rows']['tickets']:,} | {ok} |")
        print(lines[-1], flush=True)
    write_section("simulate", "\n".join(lines))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 1_000_000])
