"""Every study's Chinese run at default parameters, the one `make site` makes for the zh site (into
``build/runs/<study>/``, strict: `make site-test` sets ``CRMRESEARCH_I18N_STRICT=1``, so a figure text or table
header without a translation fails the run and the build): every declared exhibit written, the manifest true to
every file and to the parameters, every table headed in Chinese, every figure cell's figure in the executed
notebook (the site shows it). Marker ``browser``: run by `make site-test` after `make site`, not by `make test`
(these are the 16 study runs that `make test` no longer repeats at smoke size; `make verify` runs every study in
English at default parameters against the committed exhibits)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import tree

from crmresearch import paths, studies
from crmresearch.studies import pipeline

from .test_browser import _missing

pytestmark = pytest.mark.browser

ZH = {"lang": "zh"}


def _run_folder(study: studies.Study) -> Path:
    folder = pipeline.output_dir_for(study, {**study.defaults(), **ZH})
    if not (folder / pipeline.MANIFEST).is_file():
        _missing(f"no Chinese run of {study.name} in {folder}: run `make site` first")
    return folder


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_every_study_runs_in_chinese_with_every_exhibit_and_an_honest_manifest(study):
    out = _run_folder(study)
    manifest = json.loads((out / pipeline.MANIFEST).read_text())
    assert set(manifest["exhibits"]) >= {f"{e}{ext}" for e in study.exhibits
                                         for ext in ((".csv", ".md") if e.startswith("table-")
                                                     else (".png", ".svg"))}
    for name, digest in manifest["exhibits"].items():  # the manifest tells the truth about every file
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert manifest["inputs"] and manifest["parameters"] == {**study.defaults(), **ZH}
    assert tree(out) == sorted([*manifest["exhibits"], pipeline.MANIFEST])
    for e in study.exhibits:  # every table headed in Chinese
        if e.startswith("table-"):
            header = (out / f"{e}.csv").read_text(encoding="utf-8").splitlines()[0]
            assert re.search(r"[\u4e00-\u9fff]", header), (e, header)
    params = {**study.defaults(), **ZH}
    executed = paths.build_dir() / "executed" / study.name / f"{pipeline._label(study, params)}.ipynb"
    assert executed.is_file(), f"{study.name}: no executed notebook of its Chinese run at {executed}"
    nb = nbformat.read(executed, as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    blind = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code" and "ex.figure(" in c.source
             and not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not blind, f"figure cells without the figure in the executed notebook: {blind}"  # the site shows them
