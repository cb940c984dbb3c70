"""Benchmark: PLS-PM bootstrap of a 250-respondent, 27-item, 6-construct model, ours vs python plspm.

Goal (issue 25): 5,000 resamples in <= 2 s, resamples batched through the estimation core in one process
(4.3 s with a refit per resample over 2 processes, 10-11 s after the shared-core refactor); and the ratio
against the python `plspm` package on the same model (timed on 100 resamples and scaled up, as it is slow).
Usage: python benchmarks/plspm.py [resamples]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _results import machine, write_section

from crmresearch.satisfaction import PLSPM

SIZES = {"A": 5, "B": 4, "C": 6, "D": 4, "E": 4, "F": 4}  # 27 items
PATHS = {"B": ["A"], "C": ["A", "B"], "D": ["B", "C"], "E": ["C", "D"], "F": ["A", "E"]}


def make_data(n: int = 250, seed: int = 0) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    lv = {"A": rng.standard_normal(n)}
    for t, sources in PATHS.items():
        lv[t] = sum(0.4 * lv[s] for s in sources) + rng.standard_normal(n)
    cols, blocks = {}, {}
    for name, k in SIZES.items():
        z = (lv[name] - lv[name].mean()) / lv[name].std()
        blocks[name] = [f"{name.lower()}{i}" for i in range(1, k + 1)]
        for item in blocks[name]:
            cols[item] = np.clip(np.rint(7 + 1.5 * (0.85 * z + 0.53 * rng.standard_normal(n))), 1, 10)
    return pd.DataFrame(cols), blocks


def main(resamples: int = 5000) -> None:
    df, blocks = make_data()
    model = PLSPM(PATHS, blocks).fit(df)
    model.bootstrap(n=20, seed=1)  # warm up
    t = time.perf_counter()
    model.bootstrap(n=resamples, seed=0)
    ours = time.perf_counter() - t
    peer_line, ratio = "| python plspm 0.5.7 | not installed | | |", float("nan")
    # this file is called plspm.py: take its folder off the path so `import plspm` finds the package
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != here]
    try:
        import plspm.config as c
        from plspm.mode import Mode
        from plspm.plspm import Plspm

        lvs = list(blocks)
        P = pd.DataFrame(0, index=lvs, columns=lvs)
        for tgt, sources in PATHS.items():
            for s in sources:
                P.loc[tgt, s] = 1
        cfg = c.Config(P, scaled=False)
        for lv in lvs:
            cfg.add_lv(lv, Mode.A, *[c.MV(i) for i in blocks[lv]])
        peer_n = 100
        t = time.perf_counter()
        Plspm(df, cfg, bootstrap=True, bootstrap_iterations=peer_n, processes=2)
        peer = (time.perf_counter() - t) * resamples / peer_n
        ratio = peer / ours
        peer_line = (f"| python plspm 0.5.7 (timed on {peer_n} resamples, scaled) | {peer:.1f} | 2 processes "
                     f"| {ratio:.0f} |")
    except ImportError:
        pass
    lines = ["## PLS-PM bootstrap (benchmarks/plspm.py)", "",
             f"Machine: {machine()}. 250 respondents, 27 items, 6 constructs, {resamples:,} resamples; "
             "goal <= 2 s.", "",
             "| implementation | seconds | parallelism | time ratio (peer / ours) |", "|---|---:|---|---:|",
             f"| crmresearch `PLSPM.bootstrap` (resamples batched through the core) | {ours:.1f} | 1 process | 1 |",
             peer_line]
    print("\n".join(lines))
    write_section("plspm", "\n".join(lines))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
