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
    ex = reporting.Exhibits(tmp_path, study="example")  # and Exhibits registers its table display
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown_here.append((obj, kw)))
    monkeypatch.setattr(reporting.mpl, "get_backend", lambda: backend)
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


# ----------------------------------------------------------------------------- one formatter (issue 27)
def test_markdown_prints_whole_number_floats_as_counts_and_noise_as_zero():
    df = pd.DataFrame({"dataset": ["sample", "master"], "customers": [2357.0, 23570.0],
                       "mixed": [23570.0, 2.0e4], "gap": [-5.861978e-17, 0.010013],
                       "share": [0.0, 1.0], "total": [148102.4046, float("nan")]})
    assert reporting.to_markdown(df).splitlines()[2:] == [
        "| sample | 2,357 | 23,570 | 0.000 | 0.000 | 148,102.405 |",
        "| master | 23,570 | 20,000 | 0.010 | 1.000 |  |",
    ]
    # a column named in the decimals keeps them; a 0/1 column keeps its decimals
    assert reporting.to_markdown(df[["customers"]], {"customers": 1}).splitlines()[2] == "| 2,357.0 |"


def test_a_bar_in_a_header_or_cell_stays_inside_its_markdown_column():
    # the grid classes of customer-base-health are named "price_high|volume_low"
    df = pd.DataFrame({"from": ["price_high|volume_low"], "price_high|volume_low": [0.5], "no purchase": [0.5]})
    md = reporting.to_markdown(df)
    header, _, row = md.splitlines()
    assert header == "| from | price_high\\|volume_low | no purchase |"
    assert row == "| price_high\\|volume_low | 0.500 | 0.500 |"
    # as the papers and the site read it: three columns, the bar shown as written
    import markdown

    html = markdown.markdown(md, extensions=["tables"])
    assert html.count("</th>") == 3 and html.count("</td>") == 3
    assert "<th style=\"text-align: right;\">price_high|volume_low</th>" in html
    # the cells of a notebook display (HTML) are not escaped
    assert reporting.format_table(df)[0][1] == "price_high|volume_low"
    assert ">price_high|volume_low</td>" in reporting.to_html(df)


def test_csv_exhibits_stay_as_they_were(tmp_path: Path):
    df = pd.DataFrame({"customers": [2357.0, 23570.0], "gap": [-5.861978e-17, 0.010013]})
    csv, _ = reporting.save_table(df, tmp_path / "table-x")
    assert csv.read_text() == "customers,gap\n2357.000000,-0.000000\n23570.000000,0.010013\n"  # machines read it


def test_tables_display_in_a_notebook_as_their_markdown_exhibit(tmp_path: Path):
    df = pd.DataFrame({"tier": ["a|b", "<c>"], "customers": [2357.0, 20000.0], "share": [0.0104, -1e-17]})
    ex = reporting.Exhibits(tmp_path, study="example")
    saved = ex.table(df, "table-x", md_decimals=2)
    assert [p.name for p in saved] == ["table-x.csv", "table-x.md"]
    html = saved._repr_html_()
    md_cells = [line.strip("|").split(" | ") for line in (tmp_path / "table-x.md").read_text().splitlines()[2:]]
    for cells in md_cells:
        for cell in cells:
            text = cell.strip().replace("\\|", "|").replace("<", "&lt;").replace(">", "&gt;")
            assert f">{text}</td>" in html
    assert "2,357" in html and "0.00<" in html and "-0.00" not in html and "e-17" not in html
    assert repr(saved) == f"table-x saved in {tmp_path} (csv, md)"
    long = reporting.to_html(pd.DataFrame({"n": range(100)}))
    assert long.count("<tr>") == 1 + 21 and "100 rows × 1 columns" in long


def test_a_figure_cell_shows_a_caption_not_a_list_of_paths(tmp_path: Path):
    ex = reporting.Exhibits(tmp_path, study="example")
    saved = ex.figure(_figure(), "fig-x", source="test")
    assert [p.suffix for p in saved] == [".png", ".svg"]
    assert repr(saved) == f"fig-x saved in {tmp_path} (png, svg)" and "PosixPath" not in repr(saved)
    assert saved._repr_html_() is None


def test_in_a_jupyter_kernel_every_frame_displays_as_an_exhibit(tmp_path: Path, monkeypatch):
    import IPython
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.setattr(shell, "kernel", object(), raising=False)  # what ipykernel's shell has
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    html = shell.display_formatter.formatters["text/html"]
    try:
        reporting.Exhibits(tmp_path, study="example")
        data, _ = shell.display_formatter.format(pd.DataFrame({"customers": [23570.0, 2.0e4],
                                                               "gap": [-5.861978e-17, 0.010013]}))
        assert ">23,570<" in data["text/html"] and ">20,000<" in data["text/html"] and "e-17" not in data["text/html"]
        clash = pd.DataFrame({"a": [1]}, index=pd.Index([0], name="a"))  # cannot be one table: pandas' own
        assert "<table" in shell.display_formatter.format(clash)[0]["text/html"]
    finally:
        html.pop(pd.DataFrame, None)
