"""The command line: listing, parameter errors (exit 2, nothing written), run destinations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tree

from crmresearch import cli


def invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_list_prints_one_line_per_study():
    from crmresearch import studies

    result = invoke("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    every = studies.all_studies()
    assert len(lines) == len(every) + 2  # a blank line, then how to see one study's parameters
    for line, study in zip(lines, every, strict=False):
        assert line.startswith(f"{study.name} ") and study.title in line
        assert line.endswith(f"({len(study.params)} parameters)")
    assert "crmresearch list STUDY" in lines[-1]


def test_list_study_shows_its_parameters_in_full():
    result = invoke("list", "value-tiers")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("value-tiers: Customer value tiers")
    assert "top_share: float = 0.01  # share of customers in the top tier" in out  # type, default, help
    assert "accepts a number in [0.001, 0.5]" in out and "cdnow_master" in out
    assert "your data: -p data=sources.yaml naming transactions" in out
    assert "churn-survival" not in out
    unknown = invoke("list", "no-such-study")
    assert unknown.exit_code == 2 and "known: value-tiers" in unknown.output


@pytest.mark.parametrize("args, key", [
    (["-p", "top_sahre=0.02"], "top_sahre"),
    (["-p", "top_share=abc"], "top_share"),
    (["-p", "top_share=0.9"], "top_share"),
    (["-p", "dataset=../../outside"], "dataset"),
    (["-p", "output_dir=../../outside"], "output_dir"),
    (["-p", "top_share"], "key=value"),
])
def test_bad_parameters_exit_2_and_write_nothing(scratch_root: Path, args, key):
    result = invoke("run", "value-tiers", *args)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and key in lines[0]
    assert tree(scratch_root) == []


def test_unknown_study_exits_2(scratch_root: Path):
    result = invoke("run", "no-such-study")
    assert result.exit_code == 2 and "known: value-tiers" in result.output
    assert tree(scratch_root) == []


@pytest.mark.slow
def test_non_default_run_goes_to_build_runs(scratch_root: Path):
    result = invoke("run", "value-tiers", "-p", "dataset=cdnow_sample", "-p", "top_share=0.02")
    assert result.exit_code == 0, result.output
    assert not (scratch_root / "figures").exists()
    runs = list((scratch_root / "build" / "runs" / "value-tiers").iterdir())
    assert len(runs) == 1
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["parameters"]["top_share"] == 0.02
    assert manifest["default_parameters"] is False
    assert (scratch_root / "build" / "executed" / "value-tiers" / f"{runs[0].name}.ipynb").is_file()


@pytest.mark.slow
def test_explicit_out_folder(scratch_root: Path, tmp_path: Path, capfd):
    out = tmp_path / "elsewhere"
    result = invoke("run", "value-tiers", "-p", "dataset=cdnow_sample", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file() and (out / "table-tiers.csv").is_file()
    assert not (scratch_root / "figures").exists()
    assert "ERROR" not in capfd.readouterr().err  # the kernel is shut down without an interrupt


def test_cells_checks_and_rewrites_the_parameters_cells(tmp_path: Path):
    """`crmresearch cells` passes on the checkout; sync_parameter_cells rewrites a stale cell and
    leaves the rest of the notebook byte for byte."""
    import shutil

    import nbformat

    from crmresearch import paths
    from crmresearch.studies import registry

    assert invoke("cells").exit_code == 0
    for nb in paths.notebooks_dir().glob("*.ipynb"):
        shutil.copy(nb, tmp_path / nb.name)
    target = tmp_path / "churn-survival.ipynb"
    original = target.read_text(encoding="utf-8")
    nb = nbformat.read(target, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = cell.source.replace("[12, 24, 36]", '"12,24,36"')
    target.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    assert registry.sync_parameter_cells(folder=tmp_path) == ["churn-survival"]
    assert registry.sync_parameter_cells(write=True, folder=tmp_path) == ["churn-survival"]
    assert target.read_text(encoding="utf-8") == original
    assert registry.sync_parameter_cells(folder=tmp_path) == []


def test_the_command_does_not_compile_the_iri_grammar_it_never_uses():
    """jsonschema's optional rfc3987_syntax builds a Lark grammar on import (about 1 s of CPU in every
    run and spawned job); the command blocks it, and papermill still imports and validates notebooks."""
    import subprocess
    import sys

    code = ("import sys, crmresearch.cli, papermill, nbformat\n"
            "assert sys.modules['rfc3987_syntax'] is None\n"
            "nbformat.validate(nbformat.v4.new_notebook())\n")
    subprocess.run([sys.executable, "-c", code], check=True)
