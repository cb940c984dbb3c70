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


@pytest.mark.parametrize("backend, close, shown", [("agg", False, True), ("agg", True, True),
                                                   ("module://matplotlib_inline.backend_inline", False, False),
                                                   ("module://matplotlib_inline.backend_inline", True, True)])
def test_figure_in_a_kernel_displays_the_saved_png(tmp_path: Path, monkeypatch, backend, close, shown):
    """Studies run with Agg, which shows nothing: the executed notebook must hold the exhibit itself
    (the website's notebook pages show it); the inline backend shows a figure left open by itself."""
    import IPython
    import IPython.display

    shown_here: list = []
    fig = _figure()  # before the fake kernel: pyplot asks IPython for its hooks
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown_here.append((obj, kw)))
    monkeypatch.setattr(reporting.mpl, "get_backend", lambda: backend)
    ex = reporting.Exhibits(tmp_path, study="example")
    ex.figure(fig, "fig-x", source="test", close=close)
    png = tmp_path / "fig-x.png"
    if not shown:
        assert shown_here == []
    else:
        (image, kw), = shown_here
        assert image.data == png.read_bytes() and kw["metadata"]["crmresearch"]["exhibit"] == "fig-x"
    plt.close("all")


def test_figure_outside_a_kernel_displays_nothing(tmp_path: Path, monkeypatch):
    import IPython
    import IPython.display

    fig = _figure()
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    monkeypatch.setattr(IPython.display, "display", lambda *a, **kw: pytest.fail("displayed outside a kernel"))
    reporting.Exhibits(tmp_path, study="example").figure(fig, "fig-x", source="test")
