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
