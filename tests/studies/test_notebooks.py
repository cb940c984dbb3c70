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


#: Every study runs in make test on your data (tests/studies/test_own_data.py; satisfaction-acsi in
#: tests/satisfaction/test_specs.py, call-forecasting in tests/test_extras.py); at default parameters in English
#: in `make verify` (every exhibit against the committed one) and in Chinese, strict, in `make site-test`
#: (tests/website/test_chinese_runs.py: exhibits, manifest, translations, figures in the executed notebook).
#: Here one study runs twice in Chinese, strict (a text without a translation fails the run).
ZH = ({"lang": "zh"}, {"CRMRESEARCH_I18N_STRICT": "1"})


@pytest.mark.slow
def test_same_parameters_give_byte_identical_exhibits(scratch_root: Path, tmp_path: Path, monkeypatch):
    """One study twice: every table and figure byte for byte, every table headed in Chinese (`make verify`
    checks every study against the committed exhibits the same way)."""
    import re

    for k, v in ZH[1].items():
        monkeypatch.setenv(k, v)
    study = studies.get("contractual-retention")
    first, again = (pipeline.run(study.name, {**study.smoke, **ZH[0]}, out=tmp_path / name, raise_on_error=True)
                    for name in ("first", "again"))
    ma = json.loads((Path(first.output_dir) / "manifest.json").read_text())
    mb = json.loads((Path(again.output_dir) / "manifest.json").read_text())
    assert ma["exhibits"] == mb["exhibits"] and ma["inputs"] == mb["inputs"]
    assert tree(Path(first.output_dir)) == sorted([*ma["exhibits"], "manifest.json"])
    for e in study.exhibits:
        if e.startswith("table-"):
            header = (Path(first.output_dir) / f"{e}.csv").read_text(encoding="utf-8").splitlines()[0]
            assert re.search(r"[\u4e00-\u9fff]", header), (e, header)


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
