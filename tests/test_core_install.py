"""The light core: `pip install crmresearch` pulls numpy, pandas, scipy and narwhals only, and the
customer-base, segmentation and service functions work from it; a module whose extra is missing
says which extra to install, in one line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import importlib.metadata as md, json
    from crmresearch import clv, data, segmentation, service, experiments
    from crmresearch.errors import MissingExtraError

    tx = data.load_cdnow_transactions(sample=True)
    s = clv.summary_from_transactions(tx, "1997-09-30", amount="amount")
    bg = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    rfm = segmentation.rfm(tx)
    tiers = segmentation.value_pyramid(rfm["monetary"])
    agents = service.agents_needed(arrival_rate=200, aht=180, target=0.8, answer_within=20).agents
    test = experiments.two_proportions((48, 56), (80, 70))
    errors = {}
    for name in ("survival", "plots", "cli"):
        try:
            __import__(f"crmresearch.{name}")
        except MissingExtraError as exc:
            errors[name] = str(exc)
    installed = sorted(d.metadata["Name"].lower() for d in md.distributions())
    print(json.dumps({"params": bg.params_.round(4).to_dict(), "customers": len(rfm),
                      "tiers": int(tiers.nunique()), "agents": int(agents), "p": float(test.p_value),
                      "errors": errors, "installed": installed}))
''')


@pytest.mark.slow
def test_core_install_fits_bgnbd_and_names_missing_extras(tmp_path):
    import json

    venv = tmp_path / "core"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-c", str(ROOT / "constraints.txt"), str(ROOT)], check=True, cwd=tmp_path)
    out = subprocess.run([str(py), "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = {"lifelines", "scikit-learn", "matplotlib", "seaborn", "papermill", "duckdb", "pyspark", "polars",
             "jupyterlab", "click", "rich", "pyyaml"}
    assert not heavy & set(res["installed"]), res["installed"]
    # FHL (2005) on the CDNOW sample: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    assert res["params"] == pytest.approx({"r": 0.2426, "alpha": 4.4137, "a": 0.7930, "b": 2.4259}, abs=2e-4)
    assert res["customers"] == 2357 and res["tiers"] == 4 and res["agents"] > 0 and 0 < res["p"] < 1
    assert "pip install 'crmresearch[survival]'" in res["errors"]["survival"]
    assert "pip install 'crmresearch[plots]'" in res["errors"]["plots"]
    assert "pip install 'crmresearch[studies]'" in res["errors"]["cli"]
    assert all("\n" not in e for e in res["errors"].values())
