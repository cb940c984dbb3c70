"""Exhibits: one figure style, deterministic figure and table files, atomic writes.

A study notebook creates ``Exhibits(output_dir, study=...)`` and saves through it::

    ex = Exhibits("build/scratch", study="value-tiers")
    ex.table(tier_table, "table-tiers")                        # CSV + Markdown
    ex.figure(fig, "fig-lorenz", source="CDNOW master file")   # PNG + SVG

Files are written to a temporary name and renamed into place, so a run killed mid-way
never leaves a half-written exhibit. PNG and SVG carry no timestamps or random ids, so the
same data and code give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import _hooks
from ._extras import require

try:
    import matplotlib as mpl
except ImportError:  # pragma: no cover - depends on the install
    require("matplotlib", by="crmresearch.reporting")
    raise
import numpy as np
import pandas as pd

__all__ = [
    "PALETTE",
    "Exhibits",
    "Saved",
    "atomic_write_bytes",
    "atomic_write_text",
    "fingerprint_frame",
    "format_table",
    "label",
    "save_figure",
    "save_table",
    "sha256_file",
    "to_html",
    "to_markdown",
    "use_style",
]

#: Okabe & Ito (2008) colour-blind-safe palette (blue, orange, green, vermillion,
#: sky blue, reddish purple, yellow, grey).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#7F7F7F",
)

INPUTS_FILE = "_inputs.json"
RESOLVED_FILE = "_resolved.json"
#: Exhibits a run leaves out on purpose, with the reason (:meth:`Exhibits.omit`), read into the manifest.
OMITTED_FILE = "_omitted.json"


# ---------------------------------------------------------------------------- writes
def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder + rename.

    Parameters
    ----------
    path : str or PathLike of str
        Destination file.
    data : bytes
        Bytes to write.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import reporting
    >>> reporting.atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / 'x.bin', b'abc').read_bytes()
    b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomic UTF-8 text write with ``\\n`` line endings.

    Parameters
    ----------
    path : str or PathLike of str
        Destination file.
    text : str
        Text to write.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import reporting
    >>> target = pathlib.Path(tempfile.mkdtemp()) / 'out' / 'note.md'
    >>> path = reporting.atomic_write_text(target, 'written whole or not at all')
    >>> path.read_text()
    'written whole or not at all'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : str or PathLike of str
        The file.

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import reporting
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'a.txt'; _ = path.write_text('abc')
    >>> reporting.sha256_file(path)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint_frame(df: pd.DataFrame) -> str:
    """Content fingerprint (hex SHA-256) of a DataFrame: columns, dtypes, index and values.

    Parameters
    ----------
    df : DataFrame
        The frame.

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import reporting
    >>> a = pd.DataFrame({'x': [1, 2]})
    >>> reporting.fingerprint_frame(a) == reporting.fingerprint_frame(a.copy()), len(reporting.fingerprint_frame(a))
    (True, 64)
    """
    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in df.columns]).encode())
    h.update(json.dumps([str(t) for t in df.dtypes]).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()



def fingerprint_frame_rounded(df: pd.DataFrame, bits: int = 20) -> str:
    """:func:`fingerprint_frame` of the frame with every float rounded to ``bits`` bits of mantissa (about six
    significant digits): equal on machines whose last bits of a simulated input differ (AVX-512 and AVX2 kernels
    of ``exp`` and ``log``); a value flips only within about 2^-32 of a rounding edge. Dates and durations are
    rounded to the whole second: a simulated time of ``exp(...)`` hours in nanoseconds differs there by 1 ns.

    Parameters
    ----------
    df : DataFrame
        The frame.
    bits : int, default 20
        Mantissa bits kept.

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import reporting
    >>> a, b = pd.DataFrame({'x': [0.1 + 0.2]}), pd.DataFrame({'x': [0.3]})
    >>> reporting.fingerprint_frame(a) == reporting.fingerprint_frame(b)
    False
    >>> reporting.fingerprint_frame_rounded(a) == reporting.fingerprint_frame_rounded(b)
    True
    >>> t = pd.DataFrame({'t': pd.to_datetime(['2026-01-01 10:00:00'])})
    >>> reporting.fingerprint_frame_rounded(t) == reporting.fingerprint_frame_rounded(t + pd.Timedelta(1, 'ns'))
    True
    """
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            m, e = np.frexp(out[c].to_numpy(dtype=float))
            out[c] = np.ldexp(np.round(m * 2.0**bits) / 2.0**bits, e)
        elif pd.api.types.is_datetime64_any_dtype(out[c]) or pd.api.types.is_timedelta64_dtype(out[c]):
            out[c] = out[c].dt.round("s")
    return fingerprint_frame(out)

# ---------------------------------------------------------------------------- style
# seaborn's "whitegrid" style at the "notebook" context, written out: the one figure style without
# a seaborn dependency (the figures are byte-identical to the ones seaborn's set_theme gave)
_WHITEGRID = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True, "axes.labelcolor": ".15",
    "axes.labelsize": 12.0, "axes.linewidth": 1.25, "axes.titlesize": 12.0, "axes.facecolor": "white",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0, "grid.color": ".8", "grid.linewidth": 1.0, "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0, "lines.solid_capstyle": "round", "patch.edgecolor": "w",
    "patch.force_edgecolor": True, "text.color": ".15", "xtick.bottom": False, "xtick.color": ".15",
    "xtick.labelsize": 11.0, "xtick.major.size": 6.0, "xtick.major.width": 1.25, "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0, "ytick.color": ".15", "ytick.labelsize": 11.0, "ytick.left": False,
    "ytick.major.size": 6.0, "ytick.major.width": 1.25, "ytick.minor.size": 4.0, "ytick.minor.width": 1.0,
}


def use_style(lang: str = "en") -> None:
    """Apply the one crmresearch figure style (white grid, Okabe-Ito palette, labelled units); with
    ``lang="zh"`` the texts are set in Noto Sans CJK SC (DejaVu Sans for any glyph it lacks).

    Parameters
    ----------
    lang : str, default 'en'
        ``'en'`` or ``'zh'``.

    Raises
    ------
    ValidationError
        With ``lang='zh'`` when the CJK font is missing.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> from crmresearch import reporting
    >>> reporting.use_style()
    >>> mpl.rcParams['svg.hashsalt']   # stable ids in SVG files
    'crmresearch'
    """
    mpl.rcParams.update(_WHITEGRID)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=list(PALETTE))
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 5.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.labelsize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.family": ["Noto Sans CJK SC", "DejaVu Sans"] if lang == "zh" else "DejaVu Sans",
            "svg.hashsalt": "crmresearch",  # stable ids inside SVG files
            "svg.fonttype": "path",
        }
    )


def label(ax: Any, title: str, xlabel: str, ylabel: str) -> Any:
    """Set title and axis labels (say the unit in the label: 'Revenue (USD)'); return ``ax``.

    Parameters
    ----------
    ax : object
        Matplotlib Axes.
    title : str
        Title.
    xlabel : str
        x-axis label, with its unit.
    ylabel : str
        y-axis label, with its unit.

    Returns
    -------
    Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crmresearch import reporting
    >>> fig, ax = plt.subplots()
    >>> reporting.label(ax, 'Revenue by tier', 'Tier', 'Revenue (USD)').get_ylabel()
    'Revenue (USD)'
    """
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def save_figure(fig: Any, path_stem: str | os.PathLike[str], source: str, lang: str = "en") -> list[Path]:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.svg`` with a source line; atomic, deterministic.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : path without suffix, e.g. ``out/fig-lorenz``.
    source : str
        Printed at the bottom left: 'Source: ...'. Required: every exhibit says where its
        data come from.

    Examples
    --------
    >>> import tempfile, pathlib, matplotlib.pyplot as plt
    >>> from crmresearch import reporting
    >>> fig, ax = plt.subplots(); _ = ax.plot([1, 2], [3, 4])
    >>> [p.suffix for p in reporting.save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / 'fig-x', source='example')]
    ['.png', '.svg']
    """
    import io

    if not source or not source.strip():
        raise ValueError("save_figure: 'source' must name the data behind the figure")
    stem = Path(path_stem)
    # put the source line below everything already drawn (tick labels, axis labels)
    fig.draw_without_rendering()  # the layout, not the pixels: savefig renders them
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    prefix = "资料来源：" if lang == "zh" else "Source: "  # the source's own name is a proper name: kept
    fig.text(max(box.x0 / width, 0.0), box.y0 / height - 0.1 / height, f"{prefix}{source}", ha="left",
             va="top", fontsize=8, color="#555555")
    written = []
    for fmt, meta in (
        ("png", {"Software": None}),
        ("svg", {"Date": None, "Creator": None}),
    ):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=meta)
        written.append(atomic_write_bytes(stem.with_suffix(f".{fmt}"), buf.getvalue()))
    return written


def translate_figure(fig: Any, lang: str) -> None:
    """Translate every text of ``fig`` in place (:mod:`crmresearch.i18n`): titles, axis labels, legends,
    annotations and the category tick labels (frozen at their current positions)."""
    from matplotlib.text import Text

    from .i18n import translate

    fig.draw_without_rendering()  # tick labels exist only once laid out
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(re.search(r"[A-Za-z]", t) for t in labels):
                axis.set_ticks(axis.get_ticklocs(), [translate(t, lang) for t in labels])
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels()}
    for t in fig.findobj(Text):
        if id(t) not in ticks and t.get_text():
            t.set_text(translate(t.get_text(), lang))


# ---------------------------------------------------------------------------- tables
def _format_cell(value: Any, decimals: int, whole: bool = False) -> str:
    """One cell as the exhibits print it: thousands separators, ``decimals`` (none when ``whole``), no ``-0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return str(float(value))
        if whole:
            return f"{round(float(value)):,}"
        text = f"{float(value):,.{decimals}f}"
        # a value that rounds to zero prints as 0 (a -5.9e-17 of floating-point noise is not "-0.000")
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return str(value)


def _whole_column(col: pd.Series) -> bool:
    """A float column of whole numbers (counts stored as floats after a pivot or a NaN), some of them
    beyond 0 and 1 (a column of 0.0/1.0 shares keeps its decimals)."""
    if not pd.api.types.is_float_dtype(col):
        return False
    v = col.to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    return bool(v.size) and bool(np.all(v == np.round(v))) and bool(np.abs(v).max() >= 2)


def format_table(df: pd.DataFrame, decimals: int | Mapping[str, int] = 3, index: bool = False,
                 markdown: bool = False) -> tuple[list[str], list[bool], list[list[str]]]:
    """The cells of a table as its exhibit prints them: the one formatter of the Markdown exhibits
    and of tables displayed in a notebook.

    Integers and float columns of whole numbers (counts) get thousands separators and no decimals;
    other floats ``decimals`` (one number, or column -> decimals: a column named there keeps its
    decimals even when whole); values that round to zero print without a sign; missing values blank.

    Parameters
    ----------
    df : DataFrame
        The table.
    decimals : int or mapping of str to int, default 3
        Decimals of floats: one number or column -> decimals (3 for a column not named).
    index : bool, default False
        Include the index as the first column(s).
    markdown : bool, default False
        Escape every ``|`` of a column name or cell as ``\\|`` (a Markdown table's cell separator; a
        class ``price_high|volume_low`` would split its column in two). HTML displays take the cells as they are.

    Returns
    -------
    tuple (list of str, list of bool, list of list of str)
        Column names, which columns are numeric (right-aligned), and the rows of formatted cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import reporting
    >>> t = pd.DataFrame({"tier": ["gold", "rest"], "customers": [2357.0, 20000.0], "gap": [-5.9e-17, 0.0104]})
    >>> reporting.format_table(t)[2]
    [['gold', '2,357', '0.000'], ['rest', '20,000', '0.010']]
    >>> reporting.format_table(pd.DataFrame({"high|low": ["a|b"]}), markdown=True)[::2]
    (['high\\\\|low'], [['a\\\\|b']])
    """
    frame = df.reset_index() if index else df
    cols = [str(c) for c in frame.columns]

    def dec(col: str) -> int:
        if isinstance(decimals, Mapping):
            return int(decimals.get(col, 3))
        return int(decimals)

    named = set(decimals) if isinstance(decimals, Mapping) else set()
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    whole = [c not in named and _whole_column(frame.iloc[:, i]) for i, c in enumerate(cols)]
    rows = [[_format_cell(v, dec(c), w) for v, c, w in zip(row, cols, whole, strict=True)]
            for row in frame.itertuples(index=False, name=None)]
    if markdown:
        cols = [c.replace("|", "\\|") for c in cols]
        rows = [[v.replace("|", "\\|") for v in cells] for cells in rows]
    return cols, numeric, rows


def to_markdown(df: pd.DataFrame, decimals: int | Mapping[str, int] = 3, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned with thousands separators
    (cells as :func:`format_table` gives them).

    ``decimals`` is one number for every float column or a mapping column -> decimals.

    Parameters
    ----------
    df : DataFrame
        The table.
    decimals : int or mapping of str to int, default 3
        Decimals of floats: one number or column -> decimals.
    index : bool, default False
        Include the index.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import reporting
    >>> print(reporting.to_markdown(pd.DataFrame({"tier": ["gold"], "customers": [1200], "share": [0.0412]})))
    | tier | customers | share |
    |---|---:|---:|
    | gold | 1,200 | 0.041 |
    <BLANKLINE>
    """
    cols, numeric, rows = format_table(df, decimals, index, markdown=True)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def to_html(df: pd.DataFrame, decimals: int | Mapping[str, int] = 3, index: bool = False,
            max_rows: int = 60) -> str:
    """An HTML table with the cells of the Markdown exhibit (:func:`format_table`), for notebooks.

    Parameters
    ----------
    df : DataFrame
        The table.
    decimals : int or mapping of str to int, default 3
        Decimals of floats: one number or column -> decimals.
    index : bool, default False
        Include the index.
    max_rows : int, default 60
        Longer tables show their first and last 10 rows and the number of rows.

    Returns
    -------
    str
        ``<table>`` markup, numbers right-aligned.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import reporting
    >>> '<td style="text-align: right">2,357</td>' in reporting.to_html(pd.DataFrame({"customers": [2357.0]}))
    True
    """
    from html import escape

    n = len(df)
    shown = pd.concat([df.head(10), df.tail(10)]) if n > max_rows else df
    cols, numeric, rows = format_table(shown, decimals, index)
    if n > max_rows:
        rows = [*rows[:10], ["…"] * len(cols), *rows[10:]]

    def cell(tag: str, text: str, right: bool) -> str:
        style = ' style="text-align: right"' if right else ' style="text-align: left"'
        return f"<{tag}{style}>{escape(text)}</{tag}>"

    head = "".join(cell("th", c, r) for c, r in zip(cols, numeric, strict=True))
    body = "".join("<tr>" + "".join(cell("td", v, r) for v, r in zip(cells, numeric, strict=True)) + "</tr>"
                   for cells in rows)
    caption = f"<p>{n:,} rows × {len(cols)} columns</p>" if n > max_rows else ""
    return f'<table class="crmresearch-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{caption}'


def save_table(
    df: pd.DataFrame,
    path_stem: str | os.PathLike[str],
    decimals: int = 6,
    md_decimals: int | Mapping[str, int] = 3,
    index: bool = False,
) -> list[Path]:
    """Save ``<stem>.csv`` (machines) and ``<stem>.md`` (papers); atomic, stable formatting.

    Floats are written with a fixed number of ``decimals`` in the CSV so that the same data
    give the same bytes on every machine.

    Parameters
    ----------
    df : DataFrame
        The table.
    path_stem : str or PathLike of str
        Path without extension.
    decimals : int, default 6
        Decimals of floats in the CSV.
    md_decimals : int or mapping of str to int, default 3
        Decimals of floats in the Markdown: one number or column -> decimals.
    index : bool, default False
        Write the index as a column.

    Returns
    -------
    list of Path
        The CSV and Markdown paths.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from crmresearch import reporting
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in reporting.save_table(pd.DataFrame({'x': [1.5]}), folder / 'table-x')]
    ['table-x.csv', 'table-x.md']
    """
    stem = Path(path_stem)
    csv = df.to_csv(index=index, float_format=f"%.{decimals}f", lineterminator="\n")  # machines: unchanged
    return [
        atomic_write_text(stem.with_suffix(".csv"), csv),
        atomic_write_text(stem.with_suffix(".md"), to_markdown(df, md_decimals, index=index)),
    ]


# ---------------------------------------------------------------------------- exhibits
_NON_DISPLAY_BACKENDS = ("agg", "pdf", "ps", "svg", "pgf", "cairo", "template")


def _show_in_notebook(png: Path, name: str, shown_by_backend: bool) -> None:
    """In a Jupyter kernel, display the saved ``png`` as the cell's output, so an executed notebook
    holds the exhibit itself (the studies run with the Agg backend, which shows nothing); skipped
    outside a kernel and when the backend shows the still-open figure anyway (inline, widgets)."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):
        return
    backend = str(mpl.get_backend()).lower()
    if shown_by_backend and backend not in _NON_DISPLAY_BACKENDS:
        return
    from IPython.display import Image, display

    display(Image(filename=str(png)), metadata={"crmresearch": {"exhibit": name, "file": png.name}})


class Saved(list):
    """The files one exhibit was saved as (a list of Path), shown in a notebook as a one-line caption
    (a figure) or as the formatted table (a table) rather than as a list of paths.

    Parameters
    ----------
    paths : iterable of Path
        The files written (``.png``/``.svg`` of a figure, ``.csv``/``.md`` of a table).

    Examples
    --------
    >>> from pathlib import Path
    >>> from crmresearch import reporting
    >>> reporting.Saved([Path('out/fig-x.png'), Path('out/fig-x.svg')])
    fig-x saved in out (png, svg)
    """

    html: str = ""

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        super().__init__(paths)

    def __repr__(self) -> str:
        if not self:
            return "nothing saved"
        first = Path(self[0])
        kinds = ", ".join(Path(p).suffix.lstrip(".") for p in self)
        return f"{first.stem} saved in {first.parent} ({kinds})"

    def _repr_html_(self) -> str | None:
        return self.html or None


def _display_frames_as_exhibits() -> None:
    """In a Jupyter kernel, show every DataFrame with the exhibit formatter (:func:`to_html`, 3 decimals);
    outside one, nothing."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    def show(df: pd.DataFrame) -> str:
        try:
            return to_html(df, index=not isinstance(df.index, pd.RangeIndex))
        except (ValueError, TypeError):  # e.g. an index named like a column: pandas' own table
            return df._repr_html_()

    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, show)


class Exhibits:
    """The output folder of one study run; saves figures and tables and records inputs.

    Parameters
    ----------
    output_dir : path or None
        Where to write. ``None`` or ``""`` (an interactive session in JupyterLab) writes to
        ``build/interactive/<study>/`` so canonical ``figures/`` are never touched by hand runs.
    study : str
        The study's registry name.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from crmresearch import reporting
    >>> ex = reporting.Exhibits(tempfile.mkdtemp(), study='example')
    >>> [p.name for p in ex.table(pd.DataFrame({'x': [1]}), 'table-x')]
    ['table-x.csv', 'table-x.md']
    """

    def __init__(self, output_dir: str | os.PathLike[str] | None, study: str, lang: str = "en") -> None:
        from . import i18n, paths

        if lang not in i18n.LANGS:
            raise ValueError(f"Exhibits: lang must be one of {i18n.LANGS}; got {lang!r}")
        if lang != "en":
            i18n.check_font()

        #: an interactive session (JupyterLab, ``output_dir=""``): the ``crmresearch._hooks.INTERACTIVE`` run
        self.interactive = output_dir in (None, "")
        if self.interactive:
            output_dir = paths.build_dir() / "interactive" / study
        self.output_dir = Path(output_dir)
        self.study = study
        self.lang = lang
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._inputs: dict[str, dict[str, Any]] = {}
        self._resolved: dict[str, Any] = {}
        self._omitted: dict[str, str] = {}
        use_style(lang)
        _display_frames_as_exhibits()
        self._hooks("start")

    def figure(self, fig: Any, name: str, source: str, close: bool = True) -> Saved:
        """Save ``fig`` as ``<name>.png/.svg`` (name should start with ``fig-``).

        Parameters
        ----------
        fig : object
            Matplotlib figure.
        name : str
            Exhibit name, ``fig-...``.
        source : str
            Data source line printed under the figure.
        close : bool, default True
            Close the figure after saving.

        Returns
        -------
        Saved
            The PNG and SVG paths (a list), shown in a notebook as a one-line caption.
        """
        import matplotlib.pyplot as plt

        if self.lang != "en":
            translate_figure(fig, self.lang)
            self._check_translated(name)
        out = Saved(save_figure(fig, self.output_dir / name, source=source, lang=self.lang))
        if close:
            plt.close(fig)
        _show_in_notebook(out[0], name, shown_by_backend=not close)
        self._written()
        return out

    def table(self, df: pd.DataFrame, name: str, **kwargs: Any) -> Saved:
        """Save ``df`` as ``<name>.csv/.md`` (name should start with ``table-``); with ``lang="zh"`` the
        headers are translated (the values are data and stay as they are).

        Parameters
        ----------
        df : DataFrame
            The table.
        name : str
            Exhibit name, ``table-...``.
        **kwargs : object
            Passed to :func:`save_table` (``md_decimals``, ``index``...).

        Returns
        -------
        Saved
            The CSV and Markdown paths (a list), shown in a notebook as the table formatted as its Markdown
            exhibit (:func:`to_html`).
        """
        if self.lang != "en":
            from .i18n import translate

            decimals = kwargs.get("md_decimals")
            if isinstance(decimals, Mapping):
                kwargs["md_decimals"] = {translate(str(k), self.lang): v for k, v in decimals.items()}
            df = df.rename(columns=lambda c: translate(str(c), self.lang))
            self._check_translated(name)
        out = Saved(save_table(df, self.output_dir / name, **kwargs))
        out.html = to_html(df, kwargs.get("md_decimals", 3), index=kwargs.get("index", False))
        self._written()
        return out

    def _hooks(self, event: str) -> None:
        if self.interactive:
            for hook in _hooks.INTERACTIVE[event]:
                hook(self)

    def _written(self) -> None:
        """After each exhibit or input of an interactive run (batch runs: the pipeline records them)."""
        self._hooks("written")

    def _check_translated(self, name: str) -> None:
        from . import i18n

        left = i18n.missing()
        report = os.environ.get("CRMRESEARCH_I18N_REPORT")  # translators: collect what is missing
        if left and report:
            with open(report, "a", encoding="utf-8") as fh:
                fh.write("".join(f"{self.study}\t{name}\t{t!r}\n" for t in left))
        if left and i18n.strict():
            raise ValueError(f"{name}: {len(left)} texts have no {self.lang} translation: {left}")

    def record_input(self, name: str, df: pd.DataFrame, description: str = "") -> str:
        """Record an input table's content fingerprint for the run manifest; return it.

        Parameters
        ----------
        name : str
            Name of the input in the manifest.
        df : DataFrame
            The input table.
        description : str, default ''
            Where it came from.

        Returns
        -------
        str
            The content fingerprint (hex SHA-256).
        """
        fp = fingerprint_frame(df)
        self._inputs[name] = {
            "sha256": fp,
            "sha256_rounded": fingerprint_frame_rounded(df),
            "rows": len(df),
            "columns": [str(c) for c in df.columns],
            "description": description,
        }
        atomic_write_text(self.output_dir / INPUTS_FILE, json.dumps(self._inputs, indent=2, sort_keys=True))
        self._written()
        return fp

    def record_resolved(self, resolved: Mapping[str, Any]) -> None:
        """Record the settings the run resolved (a censoring date found in the data ...) for the manifest's
        ``resolved`` map; a later call adds to it.

        Parameters
        ----------
        resolved : mapping of str to object
            JSON-ready values, e.g. base -> parameter -> ``{value, source, detail}``.
        """
        self._resolved.update(resolved)
        atomic_write_text(self.output_dir / RESOLVED_FILE, dumps_json(self._resolved))

    def omit(self, omitted: Mapping[str, str]) -> None:
        """Record exhibits of the study this run leaves out on purpose, each with its reason (the data have no
        amounts, the truth exists for simulated data only ...); printed in the run log and kept in the
        manifest's ``omitted``, so a run says which of its study's exhibits are missing and why.

        Parameters
        ----------
        omitted : mapping of str to str
            Exhibit name (``table-...``, ``fig-...``) -> why it is left out, one clause.

        Examples
        --------
        >>> import tempfile
        >>> from crmresearch import reporting
        >>> ex = reporting.Exhibits(tempfile.mkdtemp(), study='example')
        >>> ex.omit({'table-gamma-gamma-fit': 'needs amounts: the transactions have none'})
        left out: table-gamma-gamma-fit (needs amounts: the transactions have none)
        """
        for name, reason in omitted.items():
            print(f"left out: {name} ({reason})")
            self._omitted[str(name)] = str(reason)
        atomic_write_text(self.output_dir / OMITTED_FILE, json.dumps(self._omitted, indent=2, sort_keys=True))

    def files(self) -> list[Path]:
        """Exhibit files written so far (figures and tables), sorted by name."""
        return _exhibit_files(self.output_dir)


def _exhibit_files(folder: Path) -> list[Path]:
    keep = {".png", ".svg", ".csv", ".md"}
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in keep
                  and not p.name.startswith("."))


def exhibit_hashes(folder: str | os.PathLike[str]) -> dict[str, str]:
    """``{file name: sha256}`` for every exhibit in ``folder``."""
    return {p.name: sha256_file(p) for p in _exhibit_files(Path(folder))}


def read_inputs(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The input fingerprints a notebook recorded with :meth:`Exhibits.record_input`."""
    p = Path(folder) / INPUTS_FILE
    return json.loads(p.read_text()) if p.is_file() else {}


def read_resolved(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings a notebook recorded with :meth:`Exhibits.record_resolved` ({} when none)."""
    p = Path(folder) / RESOLVED_FILE
    return json.loads(p.read_text()) if p.is_file() else {}


def read_omitted(folder: str | os.PathLike[str]) -> dict[str, str]:
    """The exhibits a notebook left out on purpose, with their reasons (:meth:`Exhibits.omit`)."""
    p = Path(folder) / OMITTED_FILE
    return json.loads(p.read_text()) if p.is_file() else {}


def dumps_json(obj: Any) -> str:
    """Stable JSON (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"


def versions(packages: Iterable[str]) -> dict[str, str]:
    """Installed versions of ``packages`` (``'not installed'`` where missing)."""
    from importlib import metadata

    out = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
