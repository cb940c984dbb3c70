"""`make lab`: a real Jupyter server with the project's settings never saves outputs into notebooks/."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from crmresearch import studies
from crmresearch.studies import lab

pytest.importorskip("jupyter_server", reason="jupyter_server is not installed (pip install 'crmresearch[lab]')")

TOKEN = "crmresearch-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


@pytest.fixture
def server(tmp_path: Path):
    """A Jupyter server on a free port, root ``tmp_path``, with the settings file ``make lab`` passes."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "build").mkdir()
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyter_server", f"--config={lab.CONFIG}", f"--ServerApp.root_dir={root}",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={TOKEN}", "--ServerApp.open_browser=False", "--ServerApp.log_level=ERROR"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _request(f"{url}/api/status")
                break
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter server did not start: {proc.stderr.read().decode()[-2000:]}") from exc
                time.sleep(0.2)
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _with_outputs(parameters: str) -> dict:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}, execution_count=1)
    body = nbformat.v4.new_code_cell("frame", execution_count=2, metadata={"execution": {"shell.execute_reply": "x"}})
    body.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "   share\n0  0.010013"},
                                           execution_count=2),
                    nbformat.v4.new_output("stream", name="stdout", text="[PosixPath('fig.png')]\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# a study"), params, body]
    return json.loads(nbformat.writes(nb))


@pytest.mark.slow
def test_a_lab_session_never_saves_outputs_or_edited_parameters_into_notebooks(server):
    """Issue 27: saving through the contents API (as JupyterLab's autosave does) writes notebooks/ clean,
    with the study's parameters cell as the registry generates it; a copy under build/ keeps its outputs."""
    url, root = server
    study = studies.get("value-tiers")
    edited = study.parameters_cell().replace("seed: int = 0", "seed: int = 7")
    for name in ("x.ipynb", "value-tiers.ipynb"):
        _request(f"{url}/api/contents/notebooks/{name}", "PUT",
                 {"type": "notebook", "format": "json", "content": _with_outputs(edited)})
    _request(f"{url}/api/contents/build/copy.ipynb", "PUT",
             {"type": "notebook", "format": "json", "content": _with_outputs(edited)})

    for name in ("x.ipynb", "value-tiers.ipynb"):
        nb = nbformat.read(root / "notebooks" / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        assert all("execution" not in c.metadata for c in code), name
    assert nbformat.read(root / "notebooks" / "x.ipynb", as_version=4).cells[1].source == edited  # not a study
    assert nbformat.read(root / "notebooks" / "value-tiers.ipynb", as_version=4).cells[1].source \
        == study.parameters_cell()
    copy = nbformat.read(root / "build" / "copy.ipynb", as_version=4)
    assert len(copy.cells[2].outputs) == 2 and copy.cells[1].source == edited


def test_the_makefile_starts_lab_with_the_shipped_settings_and_allows_root():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "--config=src/crmresearch/studies/jupyter_server_config.py" in recipe
    assert '[ "$$(id -u)" = 0 ]' in recipe and "--allow-root" in recipe
    assert lab.CONFIG.is_file()


def test_an_interactive_run_records_a_manifest_and_keeps_the_previous_run(tmp_path: Path, monkeypatch):
    """Issue 27: build/interactive/<study>/ gets the pipeline's manifest (parameters, inputs, versions, hashes);
    a re-run moves the previous one to runs/<its parameter hash>/ instead of overwriting it."""
    import pandas as pd

    from crmresearch import reporting
    from crmresearch.core import progress
    from crmresearch.studies import pipeline

    monkeypatch.setattr(progress, "_DEFAULT", False)  # an interactive run turns the bars on: not for other tests
    monkeypatch.setenv("CRMRESEARCH_ROOT", str(tmp_path))
    notebook = {"top_share": 0.02, "lang": "en", "output_dir": ""}  # the notebook's variables
    monkeypatch.setattr(lab, "_namespace", lambda: notebook)
    study = studies.get("value-tiers")
    ex = reporting.Exhibits("", study="value-tiers")
    folder = tmp_path / "build" / "interactive" / "value-tiers"
    assert ex.output_dir == folder
    ex.record_input("customers", pd.DataFrame({"customer_id": [1, 2]}), "two customers")
    ex.table(pd.DataFrame({"tier": ["top"], "customers": [2.0]}), "table-tiers")
    manifest = json.loads((folder / "manifest.json").read_text())
    params = {**study.defaults(), "top_share": 0.02}
    assert manifest["parameters"] == params and manifest["interactive"] is True
    assert manifest["parameters_hash"] == pipeline.param_hash(study, params)
    assert manifest["inputs"]["customers"]["rows"] == 2 and set(manifest["exhibits"]) == {"table-tiers.csv",
                                                                                          "table-tiers.md"}
    assert manifest["environment"]["packages"]["pandas"] == pd.__version__

    notebook["top_share"] = 0.03  # the analyst changes a parameter and runs all cells again
    ex = reporting.Exhibits("", study="value-tiers")
    kept = folder / "runs" / manifest["parameters_hash"]
    assert sorted(p.name for p in kept.iterdir()) == ["_inputs.json", "manifest.json", "table-tiers.csv",
                                                      "table-tiers.md"]
    assert sorted(p.name for p in folder.iterdir()) == ["runs"]
    ex.table(pd.DataFrame({"tier": ["top"], "customers": [3.0]}), "table-tiers")
    assert json.loads((folder / "manifest.json").read_text())["parameters"]["top_share"] == 0.03
    assert set(json.loads((folder / "manifest.json").read_text())["exhibits"]) == {"table-tiers.csv",
                                                                                   "table-tiers.md"}


def test_a_batch_run_writes_no_manifest_of_its_own(tmp_path: Path):
    import pandas as pd

    from crmresearch import reporting

    ex = reporting.Exhibits(tmp_path / "staging", study="value-tiers")  # papermill: the pipeline writes it
    ex.table(pd.DataFrame({"x": [1]}), "table-x")
    assert not (tmp_path / "staging" / "manifest.json").exists()
