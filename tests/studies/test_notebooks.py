"""Study notebooks: stored clean, run through papermill (the CLI's code path), reproducible.
That the committed exhibits are what the code produces is `make verify` (crmresearch verify
--strict), which CI runs after `make test`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from conftest import tree

from crmresearch import cli, paths, studies
from crmresearch.studies import pipeline

NOTEBOOKS = sorted(Path(paths.notebooks_dir()).glob("*.ipynb"))


def test_every_study_has_a_notebook_and_a_paper():
    root = paths.notebooks_dir().parent
    assert {p.stem for p in NOTEBOOKS} == set(studies.REGISTRY)
    for s in studies.all_studies():
        paper = root / s.paper
        assert paper.is_file(), paper
        text = paper.read_text()
        for exhibit in s.exhibits:  # the paper shows every exhibit the study makes
            assert f"figures/{s.name}/{exhibit}" in text, (s.name, exhibit)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs_and_has_parameters_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
            assert "def " not in cell.source, f"{path.name}: functions belong in the package"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: every cell needs a unique id (nbformat 4.5)"


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_notebook_parameters_cell_is_generated_from_the_registry(study):
    """A parameter is declared once, in the registry; the notebook's parameters cell is its generated
    text, byte for byte (help comments included)."""
    nb = nbformat.read(study.notebook, as_version=4)
    cell = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert cell == study.parameters_cell(), (
        f"{study.notebook.name}: the parameters cell differs from the registry (studies/registry.py); "
        "run `crmresearch cells --write` to regenerate it")


def _run_all_smoke(root: Path, extra: dict | None = None, env: dict | None = None) -> dict[str, pipeline.RunResult]:
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    settings = {"CRMRESEARCH_ROOT": str(root), **(env or {})}
    old = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
            futures = {s.name: pool.submit(pipeline.run, s.name, {**s.smoke, **(extra or {})},
                                           out=root / "out" / s.name)
                       for s in studies.all_studies()}
            return {name: f.result() for name, f in futures.items()}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _shared_runs(tmp_path_factory, tag: str, extra: dict | None = None,
                 env: dict | None = None) -> dict[str, pipeline.RunResult]:
    """Every study once at its smoke parameters (plus ``extra``), two at a time in spawned processes
    (the CLI's code path), into a scratch project root. Under pytest-xdist the first worker that needs
    them runs them and the others read its results (one run per test session, behind a file lock)."""
    import dataclasses
    import fcntl
    import os

    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:
        return _run_all_smoke(tmp_path_factory.mktemp(f"{tag}-project"), extra, env)
    root = tmp_path_factory.getbasetemp().parent / f"{tag}-project-{run_id}"
    with open(tmp_path_factory.getbasetemp().parent / f"{tag}-{run_id}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "results.json"
        if not done.exists():
            root.mkdir(parents=True, exist_ok=True)
            results = _run_all_smoke(root, extra, env)
            done.write_text(json.dumps({k: dataclasses.asdict(v) for k, v in results.items()}))
        return {k: pipeline.RunResult(**v) for k, v in json.loads(done.read_text()).items()}


#: The one smoke run of every study is in Chinese, strict (a text without a translation fails the run):
#: it checks the manifest, the exhibits and every translation at once. Every study also runs in English in
#: make test (tests/studies/test_own_data.py; satisfaction-acsi in tests/satisfaction/test_specs.py,
#: call-forecasting in tests/test_extras.py) and, at default parameters, in `make verify`.
ZH = ({"lang": "zh"}, {"CRMRESEARCH_I18N_STRICT": "1"})


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory) -> dict[str, pipeline.RunResult]:
    """Every study once at its smoke parameters, in Chinese, strict (see :func:`_shared_runs`)."""
    return _shared_runs(tmp_path_factory, "zh", *ZH)


@pytest.fixture(scope="session")
def zh_runs(smoke_runs) -> dict[str, pipeline.RunResult]:
    """The smoke runs (they are in Chinese)."""
    return smoke_runs


@pytest.mark.slow
@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_every_study_writes_its_exhibits_in_chinese(study, zh_runs):
    import re

    result = zh_runs[study.name]
    assert result.status == "ok", result.error  # strict: every figure text and table header translated
    out = Path(result.output_dir)
    for e in study.exhibits:
        if e.startswith("table-") and (out / f"{e}.csv").exists():
            header = (out / f"{e}.csv").read_text(encoding="utf-8").splitlines()[0]
            assert re.search(r"[\u4e00-\u9fff]", header), (e, header)


@pytest.mark.slow
@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_smoke_run_writes_every_exhibit_and_an_honest_manifest(study, smoke_runs):
    import hashlib

    result = smoke_runs[study.name]
    assert result.status == "ok", result.error
    out = Path(result.output_dir)
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["exhibits"]) >= {f"{e}{ext}" for e in study.exhibits
                                         for ext in ((".csv", ".md") if e.startswith("table-")
                                                     else (".png", ".svg"))}
    for name, digest in manifest["exhibits"].items():  # the manifest tells the truth about every file
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert manifest["inputs"] and manifest["parameters"] == {**study.defaults(), **study.smoke, **ZH[0]}
    assert tree(out) == sorted([*manifest["exhibits"], "manifest.json"])
    executed = nbformat.read(result.executed_notebook, as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    blind = [c.source.splitlines()[0] for c in executed.cells if c.cell_type == "code" and "ex.figure(" in c.source
             and not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not blind, f"figure cells without the figure in the executed notebook: {blind}"  # the site shows them


@pytest.mark.slow
def test_same_parameters_give_byte_identical_exhibits(smoke_runs, scratch_root: Path, tmp_path: Path):
    """One study again: every table and figure byte for byte (`make verify` checks every study
    against the committed exhibits the same way)."""
    study = studies.get("contractual-retention")
    again = pipeline.run(study.name, {**study.smoke, **ZH[0]}, out=tmp_path / "again", raise_on_error=True)
    first = Path(smoke_runs[study.name].output_dir)
    ma = json.loads((first / "manifest.json").read_text())
    mb = json.loads((Path(again.output_dir) / "manifest.json").read_text())
    assert ma["exhibits"] == mb["exhibits"] and ma["inputs"] == mb["inputs"]


def _tiny_study(name: str, body: str) -> studies.Study:
    return studies.Study(name=name, title=name, question="", data="none", params=(),
                         smoke={}, exhibits=("table-x",))


def _write_notebook(folder: Path, name: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir: str = ""  # set by crmresearch run')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")


GOOD = ("import pandas as pd\nfrom crmresearch import reporting\n"
        "ex = reporting.Exhibits(output_dir, study='good')\n"
        "ex.table(pd.DataFrame({'a': [1, 2]}), 'table-x')\n")
BAD = ("import pandas as pd\nfrom crmresearch import reporting\n"
       "ex = reporting.Exhibits(output_dir, study='bad')\n"
       "ex.table(pd.DataFrame({'a': [99]}), 'table-x')\n"
       "raise RuntimeError('boom in the middle of the study')\n")


@pytest.fixture
def fake_registry(scratch_root: Path, tmp_path: Path, monkeypatch):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _write_notebook(nbdir, "good", GOOD)
    _write_notebook(nbdir, "bad", BAD)
    monkeypatch.setattr(paths, "notebooks_dir", lambda: nbdir)
    monkeypatch.setattr(studies.registry, "REGISTRY", {"good": _tiny_study("good", GOOD),
                                              "bad": _tiny_study("bad", BAD)})
    return scratch_root


@pytest.mark.slow
def test_failed_run_leaves_previous_exhibits_intact(fake_registry: Path):
    target = fake_registry / "figures" / "bad"
    target.mkdir(parents=True)
    (target / "table-x.csv").write_text("a\n1\n")
    (target / "manifest.json").write_text(json.dumps({"study": "bad", "exhibits": {"table-x.csv": "0"}}))
    result = pipeline.run("bad")
    assert result.status == "failed" and "boom in the middle" in result.error
    assert (target / "table-x.csv").read_text() == "a\n1\n"
    assert tree(target) == ["manifest.json", "table-x.csv"]
    assert not any((fake_registry / "build" / "staging").iterdir())  # staging cleaned up
    executed = nbformat.read(result.executed_notebook, as_version=4)
    assert "boom in the middle" in json.dumps(executed.cells[-1].outputs)


@pytest.mark.slow
def test_reproduce_runs_all_reports_failures_and_exits_1(fake_registry: Path):
    result = CliRunner().invoke(cli.main, ["reproduce"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "good" in result.output and "FAILED" in result.output
    assert "boom in the middle" in result.output
    assert (fake_registry / "figures" / "good" / "table-x.csv").read_text() == "a\n1\n2\n"
    assert not (fake_registry / "figures" / "bad").exists()


@pytest.mark.slow
def test_verify_reports_a_changed_table(fake_registry: Path):
    shutil.rmtree(fake_registry / "figures", ignore_errors=True)
    target = fake_registry / "figures" / "good"
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(json.dumps({"exhibits": {"table-x.csv": "0" * 64}}))
    diffs = {d.exhibit: d.status for d in pipeline.verify("good") if d.kind == "table"}
    assert diffs == {"table-x.csv": "differs", "table-x.md": "new"}


@pytest.mark.slow
def test_verify_compares_by_content_only_on_another_machine_kind(fake_registry: Path):
    """A table made on another CPU kind (last digits differ) is "close"; on the kind that made it, "differs"."""
    from crmresearch.studies import closeness

    shutil.rmtree(fake_registry / "figures", ignore_errors=True)
    target = fake_registry / "figures" / "good"
    target.mkdir(parents=True)
    (target / "table-x.csv").write_text("a\n1.0000001\n2\n")  # the fresh run writes a = 1, 2
    for machine, status in (("AVX512F/SkylakeX" + closeness.machine_kind(), "close"),
                            (closeness.machine_kind(), "differs")):
        manifest = {"exhibits": {"table-x.csv": "0" * 64}, "environment": {"machine": machine}}
        (target / "manifest.json").write_text(json.dumps(manifest))
        diffs = {d.exhibit: d.status for d in pipeline.verify("good") if d.kind == "table"}
        assert diffs["table-x.csv"] == status, machine


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_a_table_under_its_exhibit_link_in_the_paper_is_that_exhibit(study):
    """A Markdown table a paper prints right after the link to ``table-x.csv`` is ``table-x.md`` verbatim,
    whatever its header (a stale copy with an old header escapes the header-based check above)."""
    import re

    root = paths.notebooks_dir().parent
    lines = (root / study.paper).read_text().splitlines()
    link = re.compile(r"\[`(table-[A-Za-z0-9_-]+)`\]\(\.\./figures/" + re.escape(study.name) + r"/\1\.csv\)")
    stale = []
    for i, line in enumerate(lines):
        m = link.match(line)
        if not m or (i and lines[i - 1].strip()):  # a paragraph that starts with the link
            continue
        end = i
        while end + 1 < len(lines) and lines[end + 1].strip():
            end += 1
        paragraph = " ".join(lines[i:end + 1])
        if paragraph.count("[`table-") != 1 or end + 2 >= len(lines) or not lines[end + 2].startswith("|"):
            continue  # it names several tables, or no table follows
        j = end + 2
        while j < len(lines) and lines[j].startswith("|"):
            j += 1
        quoted = "\n".join(lines[end + 2:j])
        table = (paths.figures_dir() / study.name / f"{m.group(1)}.md").read_text().strip()
        if quoted != table:
            stale.append(f"{m.group(1)} (line {end + 3})")
    assert not stale, f"{study.paper} prints an outdated copy of {stale}"


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_tables_quoted_in_the_paper_are_the_committed_tables(study):
    """A Markdown table of figures/<study>/ that the paper embeds must be embedded verbatim,
    so the paper's numbers are the numbers a fresh `make reproduce` gives."""
    root = paths.notebooks_dir().parent
    paper = (root / study.paper).read_text()
    quoted = 0
    for md in sorted((paths.figures_dir() / study.name).glob("table-*.md")):
        table = md.read_text().strip()
        header = table.splitlines()[0]
        if header in paper:
            assert table in paper, f"{study.paper} quotes an outdated {md.name}"
            quoted += 1
    assert quoted >= 1
