"""Exhibits compared by content on another machine kind: tables within one printed unit / 1e-3 of their column's
scale, SVG coordinates within half a point, PNG by its SVG, inputs by a fingerprint of rounded floats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crmresearch import reporting
from crmresearch.studies import closeness


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_markdown_tables_may_differ_by_one_printed_unit_and_no_more(tmp_path):
    head = "| method | rmse | staff |\n|---|---:|---:|\n"
    a = _write(tmp_path, "a.md", head + "| ets | 26.33 | 2,825.5 |\n| naive | 31.30 | 2,900.0 |\n")
    assert closeness.tables_close(a, _write(tmp_path, "b.md", head + "| ets | 26.32 | 2,825.4 |\n"
                                                                      "| naive | 31.30 | 2,900.0 |\n"))
    assert not closeness.tables_close(a, _write(tmp_path, "c.md", head + "| ets | 26.20 | 2,825.4 |\n"
                                                                          "| naive | 31.30 | 2,900.0 |\n"))
    assert not closeness.tables_close(a, _write(tmp_path, "d.md", head + "| arima | 26.33 | 2,825.5 |\n"
                                                                          "| naive | 31.30 | 2,900.0 |\n"))
    assert not closeness.tables_close(a, _write(tmp_path, "e.md", head + "| ets | 26.33 | 2,825.5 |\n"))


def test_csv_numbers_within_1e_3_of_their_columns_scale(tmp_path):
    a = _write(tmp_path, "a.csv", "model,bias_pct,mase\nets,-0.091025,0.902997\nnaive,13.089262,1.087145\n")
    # -0.091 -> -0.094 is 2e-4 of the column's 13.09; 0.9030 -> 0.9027 is 3e-4
    assert closeness.tables_close(a, _write(tmp_path, "b.csv", "model,bias_pct,mase\nets,-0.094036,0.902723\n"
                                                                 "naive,13.085483,1.087145\n"))
    assert not closeness.tables_close(a, _write(tmp_path, "c.csv", "model,bias_pct,mase\nets,-0.091025,0.912997\n"
                                                                     "naive,13.089262,1.087145\n"))
    assert not closeness.tables_close(a, _write(tmp_path, "d.csv", "model,bias_pct\nets,-0.091025\n"
                                                                     "naive,13.089262\n"))


def test_svg_coordinates_within_half_a_point_and_png_follows_its_svg(tmp_path):
    svg = '<svg><path id="p1a2b3c4d5e" d="M 114.523086 20.5 L 117.684862 30"/><text>Week 3</text></svg>'
    moved = '<svg><path id="pfe98dc76ba" d="M 114.60854 20.5 L 117.770315 30"/><text>Week 3</text></svg>'
    far = '<svg><path id="p1a2b3c4d5e" d="M 116.523086 20.5 L 117.684862 30"/><text>Week 3</text></svg>'
    other = '<svg><path id="p1a2b3c4d5e" d="M 114.523086 20.5 L 117.684862 30"/><text>Week 4</text></svg>'
    for name, text in (("old", svg), ("new", moved), ("far", far), ("other", other)):
        (tmp_path / name).mkdir()
        _write(tmp_path / name, "fig.svg", text)
        (tmp_path / name / "fig.png").write_bytes(name.encode())
    old = tmp_path / "old"
    assert closeness.exhibit_close(old / "fig.svg", tmp_path / "new" / "fig.svg")
    assert closeness.exhibit_close(old / "fig.png", tmp_path / "new" / "fig.png")
    assert not closeness.exhibit_close(old / "fig.svg", tmp_path / "far" / "fig.svg")
    assert not closeness.exhibit_close(old / "fig.png", tmp_path / "other" / "fig.png")
    assert not closeness.exhibit_close(old / "fig.svg", tmp_path / "missing.svg")


def test_the_rounded_fingerprint_ignores_the_last_bits_only():
    rng = np.random.default_rng(0)
    x = rng.lognormal(3.0, 1.0, 10_000)
    a = pd.DataFrame({"id": np.arange(x.size), "hours": x, "kind": "call"})
    b = a.assign(hours=np.nextafter(x, np.inf))  # one ulp: what another CPU kind's exp and log give
    assert reporting.fingerprint_frame(a) != reporting.fingerprint_frame(b)
    assert reporting.fingerprint_frame_rounded(a) == reporting.fingerprint_frame_rounded(b)
    c = a.assign(hours=x * (1 + 1e-4))
    assert reporting.fingerprint_frame_rounded(a) != reporting.fingerprint_frame_rounded(c)


def test_the_machine_kind_names_simd_and_blas():
    simd, blas = closeness.machine_kind().split("/")
    assert simd and blas
