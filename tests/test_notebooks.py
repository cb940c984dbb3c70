"""Study notebooks: stored clean, run through papermill (the CLI's code path), reproducible,
and the committed exhibits are what the code produces."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from conftest import tree

from crmresearch import cli, paths, pipeline, studies

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


@pytest.mark.slow
@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_smoke_run_is_reproducible(study, scratch_root: Path, tmp_path: Path):
    a = pipeline.run(study.name, study.smoke, out=tmp_path / "a", raise_on_error=True)
    b = pipeline.run(study.name, study.smoke, out=tmp_path / "b", raise_on_error=True)
    ma = json.loads((Path(a.output_dir) / "manifest.json").read_text())
    mb = json.loads((Path(b.output_dir) / "manifest.json").read_text())
    assert set(ma["exhibits"]) >= {f"{e}{ext}" for e in study.exhibits
                                   for ext in ((".csv", ".md") if e.startswith("table-")
                                               else (".png", ".svg"))}
    assert ma["exhibits"] == mb["exhibits"]  # byte-identical tables and figures
    assert ma["inputs"] and ma["inputs"] == mb["inputs"]
    for name in ma["exhibits"]:
        assert (Path(a.output_dir) / name).read_bytes() == (Path(b.output_dir) / name).read_bytes()
    executed = nbformat.read(a.executed_notebook, as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_committed_exhibits_match_a_fresh_default_run(study, tmp_path: Path, monkeypatch):
    committed_root = paths.figures_dir()
    monkeypatch.setenv("CRMRESEARCH_ROOT", str(tmp_path))
    result = pipeline.run(study.name, out=tmp_path / "fresh", raise_on_error=True)
    fresh = json.loads((Path(result.output_dir) / "manifest.json").read_text())
    committed = json.loads((committed_root / study.name / "manifest.json").read_text())
    assert fresh["exhibits"] == committed["exhibits"]
    assert fresh["inputs"] == committed["inputs"]
    assert fresh["parameters"] == committed["parameters"] == study.defaults()


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
    monkeypatch.setattr(studies, "REGISTRY", {"good": _tiny_study("good", GOOD),
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
    diffs = {d.exhibit: d.status for d in pipeline.verify("good")}
    assert diffs == {"table-x.csv": "differs", "table-x.md": "new"}


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
