"""Benchmark: monotone optimal WoE binning, ours (`credit.WoEBinning`) vs optbinning's `BinningProcess`.

Two data sets, the same settings for both (min bin share 5 %, 20 pre-bins of >= 5 % cut by a Gini tree,
trend chosen automatically: ours solves both trends, optbinning's `auto_asc_desc` guesses one): the 13
characteristics of modeldata::credit_data (4,454 applicants) and 200,000 simulated applicants with 8 numeric
characteristics of known monotone log-odds. Best of 2 runs each; total IV of each fit reported.

Where the table lives (section ``credit_binning_where``): 10^7 simulated applicants in one Parquet file. The bins
are fitted on a 200,000-row subsample (ours, and optbinning's on the same subsample, timed); then the per-bin
good/bad counts, WoE and IV of the 8 characteristics on all 10^7 rows: ours on DuckDB (`credit.binning_tables` on
the file: one grouped aggregation per characteristic, nothing loaded into pandas) against the pandas path (read
the file into pandas, then the same counts); one run each (the data are too large for a second in the time).
Usage: python benchmarks/credit_binning.py [n_simulated] [n_where]   (n_where 0: skip that section)
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd
from _results import machine, write_section

from crmresearch import credit, data

REPEAT = 2


def simulated(n: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({f"x{j}": rng.gamma(2 + j, 1.0, n).round(2) for j in range(8)})
    eta = -2 + sum((0.3 if j % 2 else -0.3) * (X[f"x{j}"] - X[f"x{j}"].mean()) for j in range(8))
    return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int).to_numpy()


def best_of(fit) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(REPEAT):
        t = time.perf_counter()
        out = fit()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(X: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    from optbinning import BinningProcess

    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours_s, ours = best_of(lambda: credit.WoEBinning().fit(X, y))
        params = {c: {"monotonic_trend": "auto_asc_desc"} for c in X.columns if c not in categorical}
        params.update({c: {"monotonic_trend": "ascending"} for c in categorical})
        peer_s, peer = best_of(lambda: BinningProcess(list(X.columns), categorical_variables=categorical,
                                                      min_prebin_size=0.05, binning_fit_params=params).fit(X, y))
    peer_iv = sum(float(peer.get_binned_variable(c).binning_table.build().loc["Totals", "IV"]) for c in X.columns)
    return {"ours": ours_s, "peer": peer_s, "ours_iv": float(ours.iv_.sum()), "peer_iv": peer_iv}


def main(n: int = 200_000) -> None:
    import optbinning

    c = data.load_credit_data()
    rows = [("credit_data, 4,454 x 13", run(c.drop(columns=["applicant_id", "bad"]), c["bad"].astype(int).to_numpy())),
            (f"simulated, {n:,} x 8", run(*simulated(n)))]
    lines = ["## Monotone WoE binning (benchmarks/credit_binning.py)", "",
             f"Machine: {machine()}. Same settings for both (min bin share 5 %, 20 tree pre-bins, trend chosen "
             f"automatically); best of {REPEAT} runs; optbinning {optbinning.__version__}.", "",
             "| data | crmresearch `WoEBinning` (s) | optbinning `BinningProcess` (s) | time ratio (peer / ours) "
             "| total IV, ours | total IV, optbinning |", "|---|---:|---:|---:|---:|---:|"]
    for label, r in rows:
        lines.append(f"| {label} | {r['ours']:.2f} | {r['peer']:.2f} | {r['peer'] / r['ours']:.1f} | "
                     f"{r['ours_iv']:.6f} | {r['peer_iv']:.6f} |")
    write_section("credit_binning", "\n".join(lines))
    print("\n".join(lines))


def where(n: int = 10_000_000, sample: int = 200_000) -> None:
    """The binning counts of an applications table of ``n`` rows in Parquet: DuckDB vs pandas (section
    ``credit_binning_where``)."""
    import os
    import resource
    import tempfile

    import duckdb
    import optbinning
    from optbinning import BinningProcess

    X, y = simulated(n)
    apps = X.assign(outcome=y)
    del X
    folder = tempfile.mkdtemp(prefix="credit-binning-")
    path = os.path.join(folder, "applications.parquet")
    apps.to_parquet(path, index=False)
    size = os.path.getsize(path) / 2**20
    sub = apps.sample(sample, random_state=0)
    del apps
    cols = [c for c in sub.columns if c != "outcome"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        fitted = credit.WoEBinning().fit(sub[cols], sub["outcome"])
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        BinningProcess(cols, min_prebin_size=0.05,
                       binning_fit_params={c: {"monotonic_trend": "auto_asc_desc"} for c in cols}).fit(
            sub[cols], sub["outcome"].to_numpy())
        peer_s = time.perf_counter() - t
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    t = time.perf_counter()
    on_duck = credit.binning_tables(path, fitted)
    duck_s = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    t = time.perf_counter()
    on_pandas = credit.binning_tables(pd.read_parquet(path), fitted)
    pandas_s = time.perf_counter() - t
    rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    iv_d = on_duck.groupby("characteristic")["iv"].sum()
    iv_p = on_pandas.groupby("characteristic")["iv"].sum()
    lines = ["## WoE and IV where the table lives (benchmarks/credit_binning.py)", "",
             f"Machine: {machine()}; DuckDB {duckdb.__version__}, optbinning {optbinning.__version__}. {n:,} "
             f"simulated applicants x 8 numeric characteristics in one Parquet file ({size:,.0f} MiB); bins fitted "
             f"on a {sample:,}-row subsample; one run each.", "",
             "| step | rows | time (s) | peak memory of the process after it (MiB) |", "|---|---:|---:|---:|",
             f"| fit the bins, crmresearch `WoEBinning` | {sample:,} | {fit_s:.2f} | |",
             f"| fit the bins, optbinning `BinningProcess` | {sample:,} | {peer_s:.2f} | |",
             f"| counts, WoE and IV of 8 characteristics: `credit.binning_tables` on DuckDB (the file) | {n:,} | "
             f"{duck_s:.2f} | {rss1:,.0f} |",
             f"| the same in pandas: `pd.read_parquet` then `credit.binning_tables` | {n:,} | {pandas_s:.2f} | "
             f"{rss2:,.0f} |", "",
             f"Total IV on all rows: DuckDB {iv_d.sum():.12f}, pandas {iv_p.sum():.12f} (largest difference per "
             f"characteristic {float((iv_d - iv_p).abs().max()):.1e}). Peak memory is the process's high-water "
             f"mark: {rss0:,.0f} MiB before the counts (reached while generating the data); the counts on DuckDB "
             "leave it where it was, the pandas read raises it. The machine is shared, so times are indicative."]
    write_section("credit_binning_where", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    n_where = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    if not (len(sys.argv) > 1 and sys.argv[1] == "0"):
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
    if n_where:
        where(n_where)
