"""Exhibit writing: atomic, deterministic, readable tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmresearch import reporting


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "table.csv"
    reporting.atomic_write_text(target, "old\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(reporting.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        reporting.atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]  # no temp file left


def test_save_table_is_stable_and_readable(tmp_path: Path):
    df = pd.DataFrame({"tier": ["a", "b"], "customers": [1234, 5], "share": [0.123456789, 1 / 3]})
    csv, md = reporting.save_table(df, tmp_path / "table-x", decimals=4, md_decimals=2)
    assert csv.read_text() == "tier,customers,share\na,1234,0.1235\nb,5,0.3333\n"
    assert md.read_text().splitlines() == [
        "| tier | customers | share |",
        "|---|---:|---:|",
        "| a | 1,234 | 0.12 |",
        "| b | 5 | 0.33 |",
    ]


def _figure():
    reporting.use_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 3, 2])
    reporting.label(ax, "Title", "x (months)", "y (USD)")
    return fig


def test_figures_are_byte_identical_across_saves(tmp_path: Path):
    a = reporting.save_figure(_figure(), tmp_path / "a" / "fig-x", source="test")
    b = reporting.save_figure(_figure(), tmp_path / "b" / "fig-x", source="test")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.suffix
    assert b"Software" not in a[0].read_bytes()
    assert b"<dc:date>" not in a[1].read_bytes()
    plt.close("all")


def test_figure_needs_a_source(tmp_path: Path):
    with pytest.raises(ValueError, match="source"):
        reporting.save_figure(_figure(), tmp_path / "fig-x", source=" ")
    plt.close("all")


def test_fingerprint_changes_with_content():
    df = pd.DataFrame({"a": [1, 2]})
    assert reporting.fingerprint_frame(df) == reporting.fingerprint_frame(df.copy())
    assert reporting.fingerprint_frame(df) != reporting.fingerprint_frame(df.assign(a=[1, 3]))
