"""Plot helpers: each takes results (never fits), draws on ``ax`` (new if None), returns it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .reporting import PALETTE, label

__all__ = [
    "plot_cumulative_incidence",
    "plot_distributions",
    "plot_dumbbell",
    "plot_fit_by_group",
    "plot_group_means",
    "plot_groups",
    "plot_heatmap",
    "plot_intervals",
    "plot_ipma",
    "plot_km",
    "plot_lines",
    "plot_lorenz",
    "plot_path_diagram",
    "plot_pyramid",
    "plot_selection",
    "plot_share_bars",
    "plot_share_intervals",
    "plot_whale_curve",
]


def _ax(ax: Any, figsize: tuple[float, float] = (8.0, 5.0)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def plot_lorenz(
    curve: pd.DataFrame,
    gini: float,
    top_shares: Sequence[float] = (),
    ax: Any = None,
    title: str = "Concentration of customer value",
    max_points: int = 1001,
    name: str = "Lorenz curve",
    color: str = PALETTE[0],
    equality: bool = True,
) -> Any:
    """Lorenz curve from :func:`crmresearch.segmentation.lorenz`, with the Gini in the legend.

    Call again on the same ``ax`` (with ``equality=False`` and another ``color``) to compare
    customer bases. ``top_shares`` marks the value held by the top ``s`` share of customers.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`crmresearch.segmentation.lorenz`.
    gini : float
        Gini coefficient, shown in the legend.
    top_shares : sequence of float, default ()
        Customer shares (e.g. 0.2) whose value share is marked.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default 'Concentration of customer value'
        Figure title.
    max_points : int, default 1001
        Points drawn at most (the curve is thinned evenly).
    name : str, default 'Lorenz curve'
        Legend label of the curve.
    color : str, default '#0072B2'
        Line colour.
    equality : bool, default True
        Draw the line of equality.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> from crmresearch import plots, segmentation
    >>> ax = plots.plot_lorenz(segmentation.lorenz([1, 2, 3, 10]), segmentation.gini([1, 2, 3, 10]))
    >>> ax.get_title(loc='left')
    'Concentration of customer value'
    """
    ax = _ax(ax, (6.5, 6.0))
    x = curve["customer_share"].to_numpy() * 100
    y = curve["value_share"].to_numpy() * 100
    if x.size > max_points:  # the curve is piecewise linear: a fine grid loses nothing visible
        grid = np.linspace(0, 100, max_points)
        x, y = grid, np.interp(grid, x, y)
    if equality:
        ax.plot([0, 100], [0, 100], color=PALETTE[7], lw=1, ls="--", label="perfect equality")
    ax.fill_between(x, y, x, color=color, alpha=0.10, lw=0)
    ax.plot(x, y, color=color, lw=2, label=f"{name} (Gini = {gini:.3f})")
    for s in top_shares:
        xs = 100 * (1 - s)
        ys = float(np.interp(xs, x, y))
        ax.plot([xs], [ys], "o", color=color, ms=5)
        ax.annotate(f"top {100 * s:g} %: {100 - ys:.1f} %", (xs, ys), xytext=(-8, 6),
                    textcoords="offset points", ha="right", fontsize=8.5, color=color)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.legend(loc="upper left")
    return label(ax, title, "Customers, ranked from lowest to highest value (cumulative %)",
                 "Share of total value (cumulative %)")


def plot_pyramid(
    tiers: pd.DataFrame,
    value: str = "revenue",
    ax: Any = None,
    title: str = "Customer pyramid: share of customers vs share of value",
    value_label: str = "revenue",
    legend: bool = True,
) -> Any:
    """Back-to-back bars per tier (top tier on top): % of customers left, % of value right.

    ``tiers`` is a :func:`crmresearch.segmentation.tier_summary` table; ``legend=False`` for the second
    and later panels of a figure (one legend is enough).

    Parameters
    ----------
    tiers : DataFrame
        Output of :func:`crmresearch.segmentation.tier_summary`.
    value : str, default 'revenue'
        Value column whose shares are drawn.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default 'Customer pyramid: share of customers vs share of value'
        Figure title.
    value_label : str, default 'revenue'
        Name of the value in the axis label.
    legend : bool, default True
        Draw the legend (False for later panels).

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots, segmentation
    >>> customers = pd.DataFrame({'revenue': [1000.0, 400, 200, 100, 50, 30, 20, 10, 5, 5]})
    >>> tier = segmentation.value_pyramid(customers['revenue'], cuts=(0.1, 0.3, 0.6))
    >>> tiers = segmentation.tier_summary(customers.assign(tier=tier))
    >>> ax = plots.plot_pyramid(tiers)
    >>> ax.get_title(loc='left')
    'Customer pyramid: share of customers vs share of value'
    """
    ax = _ax(ax, (8.5, 4.5))
    t = tiers.iloc[::-1].reset_index(drop=True)  # base at the bottom
    ypos = np.arange(len(t))
    cust = 100 * t["customer_share"].to_numpy()
    val = 100 * t[f"{value}_share"].to_numpy()
    ax.barh(ypos, -cust, color=PALETTE[4], label="% of customers")
    ax.barh(ypos, val, color=PALETTE[0], label=f"% of {value_label}")
    lim = max(cust.max(), val.max()) * 1.3
    for y, c, v in zip(ypos, cust, val, strict=True):
        ax.text(-c - lim * 0.01, y, f"{c:.1f} %", ha="right", va="center", fontsize=9)
        ax.text(v + lim * 0.01, y, f"{v:.1f} %", ha="left", va="center", fontsize=9)
    ax.set_yticks(ypos, [str(s) for s in t["tier"]])
    ax.set_xlim(-lim, lim)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(v):.0f}" for v in ticks])
    ax.set_xlim(-lim, lim)
    ax.axvline(0, color="#333333", lw=0.8)
    if legend:
        ax.legend(loc="upper left")
    ax.grid(axis="y", visible=False)
    return label(ax, title, f"% of customers (left) | % of {value_label} (right)", "Tier")


def plot_heatmap(
    matrix: pd.DataFrame,
    ax: Any = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    fmt: str = "{:.0%}",
    annotations: pd.DataFrame | None = None,
    cmap: str = "cividis",
    colorbar_label: str = "",
) -> Any:
    """Annotated heat-map of a small matrix (shares or counts); ``annotations`` overrides cell text.
    The colour bar carries ``colorbar_label`` and, when ``fmt`` shows percentages, percent ticks.

    Parameters
    ----------
    matrix : DataFrame
        Small matrix of shares or counts (rows and columns labelled).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.
    fmt : str, default '{:.0%}'
        Format of the cell text.
    annotations : DataFrame or None, optional
        Cell texts to use instead of ``fmt`` (same shape); None: formatted values.
    cmap : str, default 'cividis'
        Matplotlib colour map (colour-blind safe by default).
    colorbar_label : str, default ''
        Label of the colour bar.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> m = pd.DataFrame([[0.5, 0.1], [0.1, 0.3]], index=['low', 'high'], columns=['low', 'high'])
    >>> plots.plot_heatmap(m, title='Migration').get_title(loc='left')
    'Migration'
    """
    ax = _ax(ax, (1.2 * matrix.shape[1] + 3, 0.6 * matrix.shape[0] + 2))
    values = matrix.to_numpy(dtype=float)
    im = ax.imshow(values, cmap=cmap, aspect="auto", vmin=np.nanmin(values), vmax=np.nanmax(values))
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=30, ha="right")
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index])
    ax.grid(False)
    mid = (np.nanmax(values) + np.nanmin(values)) / 2
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            if np.isnan(v):
                continue
            text = annotations.iat[i, j] if annotations is not None else fmt.format(v)
            ax.text(j, i, text, ha="center", va="center", fontsize=8.5,
                    color="black" if v > mid else "white")
    bar = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    if "%" in fmt:
        from matplotlib.ticker import PercentFormatter

        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    if colorbar_label:
        bar.set_label(colorbar_label)
    return label(ax, title, xlabel, ylabel)


def plot_whale_curve(
    profit: pd.Series,
    ax: Any = None,
    name: str = "customers",
    color: str = PALETTE[0],
    title: str = "Whale curve: cumulative profit by customer profitability",
) -> Any:
    """Cumulative share of total profit against customers ranked from most to least profitable.

    The curve rises above 100 % and falls back to 100 % at the right end: the hump is the
    profit that the unprofitable customers destroy (Kaplan & Narayanan 2001).

    Parameters
    ----------
    profit : Series
        Profit per customer (currency units).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    name : str, default 'customers'
        Legend label.
    color : str, default '#0072B2'
        Line colour.
    title : str, default 'Whale curve: cumulative profit by customer profitability'
        Figure title.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> plots.plot_whale_curve(pd.Series([50.0, 30.0, -10.0])).get_title(loc='left')
    'Whale curve: cumulative profit by customer profitability'
    """
    ax = _ax(ax, (7.5, 5.0))
    p = np.sort(profit.to_numpy(dtype=float))[::-1]
    total = p.sum()
    cum = np.concatenate([[0.0], np.cumsum(p)]) / total * 100
    x = np.linspace(0, 100, cum.size)
    if x.size > 2001:
        grid = np.linspace(0, 100, 2001)
        cum, x = np.interp(grid, x, cum), grid
    ax.plot(x, cum, color=color, lw=2, label=f"{name} (peak {cum.max():.0f} % of profit)")
    ax.axhline(100, color=PALETTE[7], lw=1, ls="--")
    ax.legend(loc="lower right")
    return label(ax, title, "Customers ranked from most to least profitable (cumulative %)",
                 "Cumulative profit (% of total profit)")


def plot_selection(selection: pd.DataFrame, ax: Any = None, name: str = "", color: str = PALETTE[0],
                   title: str = "Choosing the number of segments") -> Any:
    """Silhouette by number of segments ``k`` (from ``SegmentClustering.selection_``); chosen k marked.

    Parameters
    ----------
    selection : DataFrame
        ``selection_`` of a fitted ``SegmentClustering``: silhouette per k.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    name : str, default ''
        Legend label.
    color : str, default '#0072B2'
        Line colour.
    title : str, default 'Choosing the number of segments'
        Figure title.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> sel = pd.DataFrame({'k': [2, 3, 4], 'silhouette': [0.5, 0.6, 0.4], 'chosen': [False, True, False]})
    >>> plots.plot_selection(sel).get_title(loc='left')
    'Choosing the number of segments'
    """
    ax = _ax(ax, (7.0, 4.5))
    ax.plot(selection["k"], selection["silhouette"], "o-", color=color, label=name or None)
    chosen = selection[selection["chosen"]]
    ax.plot(chosen["k"], chosen["silhouette"], "o", ms=13, mfc="none", mec=color, mew=2)
    ax.set_xticks(sorted(selection["k"]))
    if name:
        ax.legend(loc="upper right")
    return label(ax, title, "Number of segments k", "Mean silhouette (−1..1, higher = better separated)")


def plot_share_bars(table: pd.DataFrame, category: str, shares: dict[str, str], ax: Any = None,
                    title: str = "", xlabel: str = "Share (%)") -> Any:
    """Grouped horizontal bars of several share columns (0..1) per category; ``shares`` maps
    column -> legend label.

    Parameters
    ----------
    table : DataFrame
        One row per category.
    category : str
        Column of category names.
    shares : dict of str to str
        Column (shares 0-1) -> legend label.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default 'Share (%)'
        x-axis label, with its unit.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'tier': ['gold', 'lead'], 'customers': [0.2, 0.8], 'value': [0.6, 0.4]})
    >>> plots.plot_share_bars(t, 'tier', {'customers': 'customers', 'value': 'value'}).get_xlabel()
    'Share (%)'
    """
    ax = _ax(ax, (8.0, 0.45 * len(table) * len(shares) + 1.5))
    t = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(t))
    h = 0.8 / len(shares)
    for i, (col, lab) in enumerate(shares.items()):
        ax.barh(y + (i - (len(shares) - 1) / 2) * h, 100 * t[col].to_numpy(), height=h,
                color=PALETTE[i], label=lab)
    ax.set_yticks(y, [str(v) for v in t[category]])
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return label(ax, title, xlabel, "")


def plot_km(curves: pd.DataFrame, ax: Any = None, title: str = "", xlabel: str = "Time (months)",
            ylabel: str = "Still a customer (%)", bands: bool = True, legend_loc: str = "lower left") -> Any:
    """Kaplan-Meier step curves per group from ``survival.km(...).curves_``, with confidence bands
    and the number at risk at the end of each curve in the legend.

    Parameters
    ----------
    curves : DataFrame
        ``curves_`` of a fitted :class:`~crmresearch.survival.KaplanMeier`.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default 'Time (months)'
        x-axis label, with its unit.
    ylabel : str, default 'Still a customer (%)'
        y-axis label, with its unit.
    bands : bool, default True
        Draw the confidence bands.
    legend_loc : str, default 'lower left'
        Matplotlib legend location.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots, survival
    >>> frame = pd.DataFrame({'duration': [2.0, 3, 5, 8], 'event': [1, 1, 0, 1]})
    >>> plots.plot_km(survival.km(frame).curves_, title='Still a customer').get_ylabel()
    'Still a customer (%)'
    """
    ax = _ax(ax, (8.0, 5.0))
    for i, (name, g) in enumerate(curves.groupby("group", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        ax.step(g["time"], 100 * g["survival"], where="post", color=color, lw=1.8,
                label=f"{name} (n = {int(g['at_risk'].iloc[0]):,})")
        if bands:
            ax.fill_between(g["time"], 100 * g["ci_lower"], 100 * g["ci_upper"], step="post", color=color,
                            alpha=0.15, lw=0)
    ax.set_ylim(0, 101)
    ax.legend(loc=legend_loc, fontsize=8.5)
    return label(ax, title, xlabel, ylabel)


def plot_cumulative_incidence(curves: pd.DataFrame, ax: Any = None, title: str = "",
                              xlabel: str = "Time (months)", ylabel: str = "Left, by cause (%)",
                              group: str | None = None, legend_loc: str = "upper left") -> Any:
    """Cumulative incidence of each cause stacked (Aalen-Johansen), from ``survival.cuminc(...).curves_``: the
    height of each band is the share of customers gone for that cause by the time, the top edge the share gone
    for any cause (1 - Kaplan-Meier of all exits).

    Parameters
    ----------
    curves : DataFrame
        ``curves_`` of a fitted :class:`~crmresearch.survival.CumulativeIncidence` (group, cause, time, cif).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default 'Time (months)'
        x-axis label, with its unit.
    ylabel : str, default 'Left, by cause (%)'
        y-axis label, with its unit.
    group : str or None, optional
        Group of the curves to draw; None: the first.
    legend_loc : str, default 'upper left'
        Matplotlib legend location.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots, survival
    >>> f = pd.DataFrame({'duration': [1.0, 2, 3, 4, 5], 'event': [1, 2, 0, 1, 2]})
    >>> plots.plot_cumulative_incidence(survival.cuminc(f).curves_).get_ylabel()
    'Left, by cause (%)'
    """
    ax = _ax(ax, (8.0, 5.0))
    g = curves[curves["group"] == (curves["group"].iloc[0] if group is None else group)]
    grid = np.unique(g["time"].to_numpy(dtype=float))
    layers, names = [], []
    for cause, c in g.groupby("cause", sort=False):
        t, f = c["time"].to_numpy(dtype=float), c["cif"].to_numpy(dtype=float)
        layers.append(100 * f[np.maximum(np.searchsorted(t, grid, side="right") - 1, 0)])
        names.append(str(cause))
    ax.stackplot(grid, np.vstack(layers), labels=names, colors=[PALETTE[i % len(PALETTE)] for i in range(len(names))],
                 step="post", alpha=0.85, lw=0)
    ax.set_ylim(0, max(5.0, float(np.vstack(layers).sum(axis=0).max()) * 1.1))
    ax.set_xlim(0, grid.max())
    ax.legend(loc=legend_loc, fontsize=8.5)
    return label(ax, title, xlabel, ylabel)


def _layers(paths: dict[str, list[str]], nodes: list[str]) -> dict[str, tuple[float, float]]:
    """Default diagram positions: x = longest chain of predecessors, y spread within each layer."""
    depth: dict[str, int] = {}

    def d(v: str) -> int:
        if v not in depth:
            depth[v] = 1 + max((d(s) for s in paths.get(v, [])), default=-1)
        return depth[v]

    for v in nodes:
        d(v)
    pos = {}
    for level in sorted(set(depth.values())):
        members = [v for v in nodes if depth[v] == level]
        for i, v in enumerate(members):
            pos[v] = (1.5 * level, 1.1 * ((len(members) - 1) / 2 - i) + 0.7 * (level % 2))
    return pos


def plot_path_diagram(path_coefs: pd.DataFrame, r2: pd.Series, layout: dict[str, tuple[float, float]] | None = None,
                      significant: pd.DataFrame | None = None, labels: dict[str, str] | None = None, ax: Any = None,
                      title: str = "Structural model") -> Any:
    """Path diagram of a PLS path model: constructs as ellipses (with R² for endogenous ones), arrows
    from source to target labelled with the path coefficient. ``path_coefs`` has rows = target,
    columns = source (``PLSPM.path_coefs_``); ``significant`` (same shape, bool) draws paths whose
    interval excludes 0 solid and the others dashed; ``layout`` maps construct -> (x, y).

    Parameters
    ----------
    path_coefs : DataFrame
        Path coefficients: rows = target, columns = source (``PLSPM.path_coefs_``).
    r2 : Series
        R² per endogenous construct.
    layout : dict of str to tuple (float, float) or None, optional
        Construct -> (x, y) position; None: constructs placed in layers from sources to targets.
    significant : DataFrame or None, optional
        Same shape as ``path_coefs``, True where the interval excludes 0; None: every path solid.
    labels : dict of str to str or None, optional
        Construct -> display name; None: the names.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default 'Structural model'
        Figure title.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> paths = pd.DataFrame([[0.0, 0.0], [0.6, 0.0]], index=['QUAL', 'SAT'], columns=['QUAL', 'SAT'])
    >>> ax = plots.plot_path_diagram(paths, pd.Series({'SAT': 0.36}))
    >>> [t.get_text() for t in ax.texts if t.get_text() in ('QUAL', '0.60')]   # a construct and a path
    ['0.60', 'QUAL']
    """
    from matplotlib.patches import Ellipse

    ax = _ax(ax, (10.0, 6.0))
    nodes = list(path_coefs.index)
    paths = {t: [s for s in nodes if path_coefs.loc[t, s] != 0] for t in nodes}
    pos = dict(layout) if layout else _layers(paths, nodes)
    missing = [v for v in nodes if v not in pos]
    if missing:
        pos |= {v: p for v, p in _layers(paths, nodes).items() if v in missing}
    labels = labels or {}
    w, h = 0.95, 0.42

    def edge(c: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
        """Point where the segment from ellipse centre ``c`` toward ``toward`` leaves the ellipse."""
        dx, dy = toward[0] - c[0], toward[1] - c[1]
        t = 1 / np.hypot(dx / (w / 2), dy / (h / 2))
        return c[0] + t * dx, c[1] + t * dy

    for t in nodes:
        for s in paths[t]:
            b = path_coefs.loc[t, s]
            sig = True if significant is None else bool(significant.loc[t, s])
            (x0, y0), (x1, y1) = edge(pos[s], pos[t]), edge(pos[t], pos[s])
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=2,
                        arrowprops={"arrowstyle": "-|>", "lw": 0.8 + 4 * abs(b), "color": PALETTE[0 if b > 0 else 5],
                                    "ls": "-" if sig else "--", "shrinkA": 0, "shrinkB": 1, "mutation_scale": 16})
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{b:.2f}", ha="center", va="center", fontsize=10, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    for v in nodes:
        x, y = pos[v]
        ax.add_patch(Ellipse((x, y), w, h, fc="#e8f1f8", ec=PALETTE[4], lw=1.5, zorder=3))
        text = labels.get(v, v)
        if r2.get(v, 0) > 0:
            text += f"\nR² = {r2[v]:.2f}"
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5, zorder=4)
    xs, ys = zip(*pos.values(), strict=True)
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, loc="left")
    return ax


def plot_ipma(ipma: pd.DataFrame, target: str, ax: Any = None, labels: dict[str, str] | None = None) -> Any:
    """Importance-performance map from ``PLSPM.ipma``: total effect on the target (x, per 0-100 point)
    vs mean performance (y, 0-100), with the mean importance and performance as quadrant lines.

    Parameters
    ----------
    ipma : DataFrame
        Output of ``PLSPM.ipma``: importance and performance per construct.
    target : str
        Target construct (named in the title).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    labels : dict of str to str or None, optional
        Construct -> display name; None: the construct names.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> ipma = pd.DataFrame({'construct': ['QUAL', 'VAL', 'IMAG'], 'importance': [0.45, 0.2, 0.3],
    ...                      'performance': [72.0, 64.0, 70.0]})
    >>> ax = plots.plot_ipma(ipma, 'LOY')
    >>> ax.get_xlabel()
    'Importance: total effect on LOY (index points per point)'
    """
    ax = _ax(ax, (7.5, 5.0))
    labels = labels or {}
    for i, r in enumerate(ipma.itertuples()):
        ax.scatter(r.importance, r.performance, s=90, color=PALETTE[i % len(PALETTE)], zorder=3)
        ax.annotate(labels.get(r.construct, r.construct), (r.importance, r.performance), xytext=(7, 5),
                    textcoords="offset points", fontsize=10)
    ax.axvline(ipma["importance"].mean(), color=PALETTE[7], ls=":", lw=1)
    ax.axhline(ipma["performance"].mean(), color=PALETTE[7], ls=":", lw=1)
    xmax = ipma["importance"].max()
    ax.set_xlim(min(0.0, ipma["importance"].min()) - 0.02, xmax * 1.25 + 0.02)
    ax.text(0.99, 0.02, "high importance, low performance: improve first", transform=ax.transAxes, ha="right",
            fontsize=8.5, color=PALETTE[7])
    return label(ax, f"Importance-performance map for {labels.get(target, target)}",
                 f"Importance: total effect on {labels.get(target, target)} (index points per point)",
                 "Performance (index 0-100)")


def plot_intervals(table: pd.DataFrame, category: str, estimate: str, low: str, high: str, ax: Any = None,
                   title: str = "", xlabel: str = "", reference: float | None = None,
                   truth: pd.Series | None = None) -> Any:
    """Estimates with interval bars, one row per category (top to bottom in table order); optional
    reference line (e.g. 0) and true values drawn as open diamonds.

    Parameters
    ----------
    table : DataFrame
        One row per category.
    category : str
        Column of category names.
    estimate : str
        Column of estimates.
    low : str
        Column of interval lower ends.
    high : str
        Column of interval upper ends.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    reference : float or None, optional
        Draw a vertical line at this value; None: none.
    truth : Series or None, optional
        True value per category (simulation), drawn as open diamonds; None: none.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'term': ['a', 'b'], 'est': [0.5, -0.2], 'lo': [0.3, -0.4], 'hi': [0.7, 0.0]})
    >>> plots.plot_intervals(t, 'term', 'est', 'lo', 'hi', reference=0.0, title='Effects').get_title(loc='left')
    'Effects'
    """
    ax = _ax(ax, (8.0, 0.5 * len(table) + 1.6))
    y = np.arange(len(table))[::-1]
    est = table[estimate].to_numpy(dtype=float)
    ax.errorbar(est, y, xerr=[est - table[low].to_numpy(dtype=float), table[high].to_numpy(dtype=float) - est],
                fmt="o", color=PALETTE[0], ecolor=PALETTE[0], capsize=3, label="estimate, 95 % interval")
    if truth is not None:
        ax.plot(truth.to_numpy(dtype=float), y, "D", mfc="none", mec=PALETTE[5], ms=8, label="true value")
    if reference is not None:
        ax.axvline(reference, color=PALETTE[7], lw=1)
    ax.set_yticks(y, [str(v) for v in table[category]])
    ax.grid(axis="y", visible=False)
    ax.legend(loc="best", fontsize=9)
    return label(ax, title, xlabel, "")


def plot_lines(table: pd.DataFrame, x: str, lines: dict[str, str], ax: Any = None, title: str = "",
               xlabel: str = "", ylabel: str = "", styles: dict[str, str] | None = None,
               colors: dict[str, str] | None = None, scale: float = 1.0, marker_size: float | None = None,
               vline: float | None = None, vline_label: str = "", step: bool = False,
               legend_loc: str = "best") -> Any:
    """Several columns of one table against ``x``: ``lines`` maps column -> legend label. ``scale``
    multiplies the y values (100 for percentages); ``vline`` marks e.g. the end of calibration,
    with ``vline_label`` written beside it; ``step`` draws steps centred on x (interval data).

    Parameters
    ----------
    table : DataFrame
        Wide table: one row per x.
    x : str
        Column on the x axis.
    lines : dict of str to str
        Column -> legend label, one line each.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.
    styles : dict of str to str or None, optional
        Column -> Matplotlib line style.
    colors : dict of str to str or None, optional
        Column -> colour; None: the palette in order.
    scale : float, default 1.0
        Multiplier of the y values (100 for percentages).
    marker_size : float or None, optional
        Marker size in points; None: Matplotlib's default.
    vline : float or None, optional
        Draw a vertical line at this x (e.g. end of calibration); None: none.
    vline_label : str, default ''
        Text beside the vertical line.
    step : bool, default False
        Draw steps centred on x (interval data).
    legend_loc : str, default 'best'
        Matplotlib legend location.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'week': [1, 2, 3], 'actual': [5, 7, 6], 'model': [5, 6, 7]})
    >>> ax = plots.plot_lines(t, 'week', {'actual': 'actual', 'model': 'BG/NBD'}, title='Repeat purchases',
    ...                       xlabel='Week', ylabel='Purchases')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['actual', 'BG/NBD']
    """
    ax = _ax(ax)
    styles, colors = styles or {}, colors or {}
    for i, (col, name) in enumerate(lines.items()):
        y = scale * table[col].to_numpy(dtype=float)
        color = colors.get(col, PALETTE[i % len(PALETTE)])
        if step:
            ax.step(table[x], y, where="mid", color=color, label=name)
        else:
            kw = {"ms": marker_size} if marker_size else {}
            ax.plot(table[x], y, styles.get(col, "-"), color=color, lw=2, label=name, **kw)
    if vline is not None:
        ax.axvline(vline, color=PALETTE[7], ls=":", lw=1)
        if vline_label:
            ax.annotate(vline_label, (vline, 0.92), xycoords=("data", "axes fraction"), xytext=(4, 0),
                        textcoords="offset points", color=PALETTE[7], fontsize=9)
    ax.legend(loc=legend_loc)
    return label(ax, title, xlabel, ylabel)


def plot_groups(table: pd.DataFrame, x: str, y: str, group: str, ax: Any = None, title: str = "",
                xlabel: str = "", ylabel: str = "", style: str = "-", scale_x: float = 1.0, scale_y: float = 1.0,
                reference: float | None = None, diagonal: bool = False, diagonal_label: str = "y = x",
                color_step: int = 1, start_at_origin: bool = False, legend_loc: str = "best") -> Any:
    """One line per ``group`` of a long table (in order of appearance): ``y`` against ``x``, scaled
    by ``scale_x``/``scale_y`` (100 for percentages). ``reference`` draws a horizontal line (e.g. 0
    profit, the target power); ``diagonal`` the line y = x (perfect calibration, random targeting);
    ``start_at_origin`` prepends (0, 0) to each line (cumulative gain).

    Parameters
    ----------
    table : DataFrame
        Long table: one row per group and x.
    x : str
        Column on the x axis.
    y : str
        Column on the y axis.
    group : str
        Column of the groups (one line each).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.
    style : str, default '-'
        Matplotlib line style.
    scale_x : float, default 1.0
        Multiplier of x (100 for percentages).
    scale_y : float, default 1.0
        Multiplier of y.
    reference : float or None, optional
        Draw a horizontal line at this y; None: none.
    diagonal : bool, default False
        Draw the line y = x.
    diagonal_label : str, default 'y = x'
        Legend label of the diagonal.
    color_step : int, default 1
        Step through the palette.
    start_at_origin : bool, default False
        Prepend (0, 0) to each line.
    legend_loc : str, default 'best'
        Matplotlib legend location.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'x': [1, 2, 1, 2], 'y': [1.0, 2.0, 1.5, 2.5], 'g': ['a', 'a', 'b', 'b']})
    >>> [t.get_text() for t in plots.plot_groups(t, 'x', 'y', 'g').get_legend().get_texts()]
    ['a', 'b']
    """
    ax = _ax(ax)
    hi = 0.0
    for i, (name, g) in enumerate(table.groupby(group, sort=False)):
        xs, ys = scale_x * g[x].to_numpy(dtype=float), scale_y * g[y].to_numpy(dtype=float)
        if start_at_origin:
            xs, ys = np.r_[0.0, xs], np.r_[0.0, ys]
        ax.plot(xs, ys, style, ms=3.5, color=PALETTE[(color_step * i) % len(PALETTE)], label=str(name))
        hi = max(hi, float(np.nanmax(xs)) if len(xs) else 0.0)
    if diagonal:
        ax.plot([0, hi], [0, hi], "--", color=PALETTE[7], lw=1, label=diagonal_label)
    if reference is not None:
        ax.axhline(reference, color=PALETTE[7], ls=":" if reference else "-", lw=1)
    ax.legend(loc=legend_loc)
    return label(ax, title, xlabel, ylabel)


def plot_dumbbell(table: pd.DataFrame, category: str, left: str, right: str, ax: Any = None, title: str = "",
                  xlabel: str = "", labels: tuple[str, str] | None = None) -> Any:
    """Two values per category joined by a bar (e.g. expectation and perception of each service
    dimension), one row per category, top to bottom in table order.

    Parameters
    ----------
    table : DataFrame
        One row per category.
    category : str
        Column of category names.
    left : str
        Column of the first value.
    right : str
        Column of the second value.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    labels : tuple (str, str) or None, optional
        Legend labels of (left, right); None: the column names.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'dimension': ['tangibles', 'empathy'], 'expectation': [8.0, 8.5], 'perception': [7.2, 6.9]})
    >>> plots.plot_dumbbell(t, 'dimension', 'expectation', 'perception', title='Gaps').get_title(loc='left')
    'Gaps'
    """
    ax = _ax(ax, (6.0, 0.5 * len(table) + 1.6))
    y = np.arange(len(table))[::-1]
    for i, col in enumerate((left, right)):
        ax.plot(table[col], y, "o", color=PALETTE[i], ms=8, label=(labels or (left, right))[i])
    ax.hlines(y, table[[left, right]].min(axis=1), table[[left, right]].max(axis=1), color=PALETTE[7], lw=2,
              zorder=0)
    ax.set_yticks(y, [str(v) for v in table[category]])
    ax.legend(loc="lower left")
    return label(ax, title, xlabel, "")


def plot_share_intervals(table: pd.DataFrame, item: str, share: str, low: str, high: str, group: str,
                         ax: Any = None, title: str = "", xlabel: str = "", ylabel: str = "") -> Any:
    """Shares (0-1) with interval bars per item, one marker row per ``group`` (e.g. expectation and
    perception), drawn in percent; items top to bottom in table order.

    Parameters
    ----------
    table : DataFrame
        Long table: one row per item and group.
    item : str
        Column of item names.
    share : str
        Column of shares (0-1).
    low : str
        Column of interval lower ends.
    high : str
        Column of interval upper ends.
    group : str
        Column of the groups (one marker row each).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'item': ['q1', 'q1'], 'share': [0.4, 0.5], 'lo': [0.3, 0.4], 'hi': [0.5, 0.6],
    ...                   'arm': ['pre', 'post']})
    >>> plots.plot_share_intervals(t, 'item', 'share', 'lo', 'hi', 'arm', title='Top-2-box').get_title(loc='left')
    'Top-2-box'
    """
    groups = list(dict.fromkeys(table[group]))
    items = list(dict.fromkeys(table[item]))
    ax = _ax(ax, (8.0, 0.35 * len(items) + 2.0))
    offsets = np.linspace(0.18, -0.18, len(groups)) if len(groups) > 1 else [0.0]
    rows = {v: k for k, v in enumerate(items[::-1])}
    for i, (name, g) in enumerate(table.groupby(group, sort=False)):
        yy = np.array([rows[v] for v in g[item]]) + offsets[i]
        s = g[share].to_numpy(dtype=float)
        ax.errorbar(100 * s, yy, xerr=[100 * (s - g[low].to_numpy(dtype=float)),
                                       100 * (g[high].to_numpy(dtype=float) - s)],
                    fmt="o", color=PALETTE[i % len(PALETTE)], capsize=3, label=str(name))
    ax.set_yticks(list(rows.values()), list(rows))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return label(ax, title, xlabel, ylabel)


def plot_group_means(cells: pd.DataFrame, x: str, group: str, ax: Any = None, title: str = "", xlabel: str = "",
                     ylabel: str = "", x_labels: Sequence[str] | None = None) -> Any:
    """Means with interval bars (columns ``mean``, ``ci_lower``, ``ci_upper``, ``n``) across the
    values of ``x`` (e.g. pre and post), one line per ``group`` (e.g. arm), slightly offset.

    Parameters
    ----------
    cells : DataFrame
        One row per x and group with ``mean``, ``ci_lower``, ``ci_upper`` and ``n``.
    x : str
        Column on the x axis (e.g. wave: pre, post).
    group : str
        Column of the lines (e.g. arm).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.
    x_labels : sequence of str or None, optional
        Tick labels for the values of ``x``; None: the values.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> cells = pd.DataFrame({'period': ['pre', 'post'] * 2, 'arm': ['control'] * 2 + ['treatment'] * 2,
    ...                       'mean': [7.0, 7.1, 7.0, 7.8], 'ci_lower': [6.6, 6.7, 6.6, 7.4],
    ...                       'ci_upper': [7.4, 7.5, 7.4, 8.2], 'n': [60] * 4})
    >>> ax = plots.plot_group_means(cells, 'period', 'arm', title='Satisfaction before and after', ylabel='Mean (1-10)')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['control (n = 60)', 'treatment (n = 60)']
    """
    ax = _ax(ax, (7.0, 4.5))
    groups = list(cells.groupby(group, sort=True))
    for i, (name, g) in enumerate(groups):
        xs = np.arange(len(g)) + (i - (len(groups) - 1) / 2) * 0.06
        ax.errorbar(xs, g["mean"], yerr=[g["mean"] - g["ci_lower"], g["ci_upper"] - g["mean"]], fmt="o-",
                    capsize=4, color=PALETTE[i % len(PALETTE)], label=f"{name} (n = {int(g['n'].iloc[0])})")
    n = len(groups[0][1]) if groups else 0
    ax.set_xticks(range(n), list(x_labels) if x_labels is not None else [str(v) for v in groups[0][1][x]])
    ax.legend(loc="upper left")
    return label(ax, title, xlabel, ylabel)


def plot_distributions(values: dict[str, Sequence[float]], ax: Any = None, title: str = "", xlabel: str = "",
                       ylabel: str = "Density", bins: Sequence[float] | int = 40, log_x: bool = False,
                       floor: float | None = None, color_step: int = 1) -> Any:
    """Step histograms (density) of several samples on common ``bins``; with ``log_x`` the bins are
    read on a log axis and values below ``floor`` are drawn at ``floor``.

    Parameters
    ----------
    values : dict of str to sequence of float
        Sample name -> values; one step histogram each.
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default 'Density'
        y-axis label.
    bins : sequence of float or int, default 40
        Number of bins, or their edges (in the values' unit).
    log_x : bool, default False
        Log-spaced bins and a log x axis.
    floor : float or None, optional
        Values below this are drawn at it (e.g. 0 on a log axis); None: values drawn as they are.
    color_step : int, default 1
        Step through the palette (2 skips every other colour, to match another figure).

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> from crmresearch import plots
    >>> plots.plot_distributions({'CLV': [10.0, 20.0, 30.0, 25.0]}, title='Customer value', xlabel='USD').get_xlabel()
    'USD'
    """
    ax = _ax(ax)
    for i, (name, v) in enumerate(values.items()):
        arr = np.asarray(v, dtype=float)
        if floor is not None:
            arr = np.maximum(arr, floor)
        ax.hist(arr, bins=bins, density=True, histtype="step", lw=2, color=PALETTE[(color_step * i) % len(PALETTE)],
                label=name)
    if log_x:
        ax.set_xscale("log")
    ax.legend()
    return label(ax, title, xlabel, ylabel)


def plot_fit_by_group(table: pd.DataFrame, x: str, observed: str, fitted: str, group: str, ax: Any = None,
                      title: str = "", xlabel: str = "", ylabel: str = "", scale: float = 1.0,
                      legend_columns: int = 2) -> Any:
    """Observed values as dots and a model's fitted values as lines, one colour per ``group`` (e.g.
    acquisition cohort), so each model line can be read against its own data.

    Parameters
    ----------
    table : DataFrame
        Long table: one row per group and x.
    x : str
        Column on the x axis.
    observed : str
        Column of observed values (dots).
    fitted : str
        Column of fitted values (lines).
    group : str
        Column of the groups (one colour each).
    ax : Axes, optional
        Axes to draw on; None creates a new figure.
    title : str, default ''
        Figure title.
    xlabel : str, default ''
        x-axis label, with its unit.
    ylabel : str, default ''
        y-axis label, with its unit.
    scale : float, default 1.0
        Multiplier of the y values (100 for percentages).
    legend_columns : int, default 2
        Columns of the legend.

    Returns
    -------
    Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import plots
    >>> t = pd.DataFrame({'period': [1, 2, 1, 2], 'obs': [0.9, 0.8, 0.95, 0.9], 'fit': [0.9, 0.81, 0.94, 0.9],
    ...                   'cohort': ['a', 'a', 'b', 'b']})
    >>> plots.plot_fit_by_group(t, 'period', 'obs', 'fit', 'cohort', title='Retention').get_title(loc='left')
    'Retention'
    """
    ax = _ax(ax)
    for i, (name, g) in enumerate(table.groupby(group, sort=False)):
        color = PALETTE[i % (len(PALETTE) - 1)]  # the last colour (grey) is kept for reference lines
        ax.plot(g[x], scale * g[observed].to_numpy(dtype=float), "o", ms=3, color=color)
        ax.plot(g[x], scale * g[fitted].to_numpy(dtype=float), "-", lw=1.3, color=color, label=str(name))
    ax.legend(ncol=legend_columns, fontsize=8, loc="lower left")
    return label(ax, title, xlabel, ylabel)


def plot_bars(table: pd.DataFrame, category: str, value: str, ax: Any = None, title: str = "", xlabel: str = "",
              fmt: str = "{:.0f}", highlight: Sequence[str] = ()) -> Any:
    """One horizontal bar per category (top to bottom in table order) with its value written at the
    end; categories in ``highlight`` in the second palette colour."""
    ax = _ax(ax, (8.0, 0.45 * len(table) + 1.5))
    t = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(t))
    vals = t[value].to_numpy(dtype=float)
    colors = [PALETTE[1] if str(c) in set(highlight) else PALETTE[0] for c in t[category]]
    ax.barh(y, vals, color=colors, height=0.7)
    for yi, v in zip(y, vals, strict=True):
        ax.annotate(fmt.format(v), (v, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=10)
    ax.set_yticks(y, [str(v) for v in t[category]])
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, 1.12 * float(np.nanmax(vals)) if len(vals) else 1)
    return label(ax, title, xlabel, "")


def plot_forecast(table: pd.DataFrame, x: str, actual: str, forecasts: dict[str, str], low: str, high: str,
                  band_label: str, ax: Any = None, title: str = "", xlabel: str = "", ylabel: str = "") -> Any:
    """What came (dots) against forecasts (lines, ``forecasts`` maps column -> legend label) with a
    prediction interval band between ``low`` and ``high`` (of the first forecast)."""
    ax = _ax(ax, (11.0, 4.8))
    xs = np.arange(len(table))
    ax.fill_between(xs, table[low].to_numpy(float), table[high].to_numpy(float), color=PALETTE[0], alpha=0.18,
                    lw=0, label=band_label)
    for i, (col, name) in enumerate(forecasts.items()):
        ax.plot(xs, table[col].to_numpy(float), color=PALETTE[i % len(PALETTE)], lw=1.8, label=name)
    ax.plot(xs, table[actual].to_numpy(float), "o", ms=2.5, color=PALETTE[7], label="calls that came")
    step = max(1, len(xs) // 12)
    ax.set_xticks(xs[::step], [str(v) for v in table[x].iloc[::step]])
    ax.legend(loc="best", fontsize=9, ncol=2)
    return label(ax, title, xlabel, ylabel)
