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
    "atomic_write_bytes",
    "atomic_write_text",
    "fingerprint_frame",
    "label",
    "save_figure",
    "save_table",
    "sha256_file",
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
    fig.canvas.draw()
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

    fig.canvas.draw()  # tick labels exist only once drawn
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
def _format_cell(value: Any, decimals: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.{decimals}f}"
    return str(value).replace("|", "\\|")


def to_markdown(df: pd.DataFrame, decimals: int | Mapping[str, int] = 3, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned with thousands separators.

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
    frame = df.reset_index() if index else df
    cols = [str(c) for c in frame.columns]

    def dec(col: str) -> int:
        if isinstance(decimals, Mapping):
            return int(decimals.get(col, 3))
        return int(decimals)

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in frame.itertuples(index=False, name=None):
        cells = [_format_cell(v, dec(c)) for v, c in zip(row, cols, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
    csv = df.to_csv(index=index, float_format=f"%.{decimals}f", lineterminator="\n")
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

        if output_dir in (None, ""):
            output_dir = paths.build_dir() / "interactive" / study
        self.output_dir = Path(output_dir)
        self.study = study
        self.lang = lang
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._inputs: dict[str, dict[str, Any]] = {}
        use_style(lang)

    def figure(self, fig: Any, name: str, source: str, close: bool = True) -> list[Path]:
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
        list of Path
            The PNG and SVG paths.
        """
        import matplotlib.pyplot as plt

        if self.lang != "en":
            translate_figure(fig, self.lang)
            self._check_translated(name)
        out = save_figure(fig, self.output_dir / name, source=source, lang=self.lang)
        if close:
            plt.close(fig)
        _show_in_notebook(out[0], name, shown_by_backend=not close)
        return out

    def table(self, df: pd.DataFrame, name: str, **kwargs: Any) -> list[Path]:
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
        list of Path
            The CSV and Markdown paths.
        """
        if self.lang != "en":
            from .i18n import translate

            decimals = kwargs.get("md_decimals")
            if isinstance(decimals, Mapping):
                kwargs["md_decimals"] = {translate(str(k), self.lang): v for k, v in decimals.items()}
            df = df.rename(columns=lambda c: translate(str(c), self.lang))
            self._check_translated(name)
        return save_table(df, self.output_dir / name, **kwargs)

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
            "rows": len(df),
            "columns": [str(c) for c in df.columns],
            "description": description,
        }
        atomic_write_text(self.output_dir / INPUTS_FILE, json.dumps(self._inputs, indent=2, sort_keys=True))
        return fp

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
