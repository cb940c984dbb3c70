"""R, the field's reference, as a test peer: run a short R script on pandas frames, read back JSON.

``make test`` installs R and the CRAN packages survival, cmprsk, riskRegression, pec, lme4 and eRm when run as root
(``make rpeer``). Without them a peer test skips, naming what is missing; with
``CRMRESEARCH_REQUIRE_R=1`` (set by ``.ci/run``) it fails instead, so CI always compares with R.

Use one R process per test module (a module-scoped fixture): each start costs about a second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

PRELUDE = """\
args <- commandArgs(trailingOnly = TRUE)
.dir <- args[1]
out <- function(x) jsonlite::write_json(x, file.path(.dir, "out.json"), digits = NA, auto_unbox = TRUE)
"""


def _missing(packages: Sequence[str]) -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is not on PATH"
    check = "for (p in commandArgs(TRUE)) if (!requireNamespace(p, quietly = TRUE)) cat(p, '')"
    proc = subprocess.run(["Rscript", "-e", check, *packages], capture_output=True, text=True, timeout=120)
    return f"R package(s) missing: {proc.stdout.strip()}" if proc.stdout.strip() else None


def run_r(script: str, data: Mapping[str, pd.DataFrame] | None = None,
          packages: Sequence[str] = ("survival",), timeout: float = 300) -> dict[str, Any]:
    """Run ``script`` in R with each frame of ``data`` loaded under its name; return what ``out(...)`` wrote.

    The script loads ``packages`` itself (``library(...)``); ``out(list(a = ..., b = ...))`` writes the
    JSON this returns (numbers at full precision, length-1 vectors unboxed). Frames travel as CSV
    without the index; booleans become 0/1.
    """
    reason = _missing(["jsonlite", *packages])
    if reason:
        if os.environ.get("CRMRESEARCH_REQUIRE_R") == "1":
            pytest.fail(f"{reason} (CRMRESEARCH_REQUIRE_R=1: run `make rpeer` as root to install R)")
        pytest.skip(f"{reason}; `make rpeer` installs R as root")
    with tempfile.TemporaryDirectory(prefix="crm-r-") as tmp:
        d = Path(tmp)
        loads = []
        for name, frame in (data or {}).items():
            frame.replace({True: 1, False: 0}).to_csv(d / f"{name}.csv", index=False)
            loads.append(f'{name} <- read.csv(file.path(.dir, "{name}.csv"))')
        (d / "script.R").write_text(PRELUDE + "\n".join(loads) + "\n" + textwrap.dedent(script))
        proc = subprocess.run(["Rscript", str(d / "script.R"), str(d)], capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"R failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads((d / "out.json").read_text())
