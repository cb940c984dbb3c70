"""Weight-of-evidence binning with monotone bins: the optimal partition of a characteristic's pre-bins into
contiguous bins that maximises information value under a monotone bad rate, a minimum bin share and a
maximum number of bins, with a bin of its own for missing values.

Conventions (Siddiqi 2017, ch. 7): the outcome is 1 for a bad (the event) and 0 for a good; the weight of
evidence of bin ``i`` is ``WoE_i = ln(g_i / b_i)`` with ``g_i`` and ``b_i`` the bin's shares of all goods and
of all bads (the missing bin included), so a bin of low bad rate has positive WoE; its information value is
``IV_i = (g_i - b_i) WoE_i`` and a characteristic's IV is their sum. These are optbinning's definitions
(Navas-Palencia 2020).

The solver is exact: IV is a sum over bins, so the best partition of ``n`` pre-bins into at most ``K``
contiguous bins, each adjacent pair ordered by bad rate, is a dynamic programme over (bins used, last bin)
in ``O(K n^3)`` operations (vectorised over the last bin's start) -- the same optimum optbinning finds with
a constraint-programming solver, without one.

References
----------
Siddiqi, N. (2017). *Intelligent Credit Scoring*, 2nd ed. Wiley.
Navas-Palencia, G. (2020). Optimal binning: mathematical programming formulation. arXiv:2001.08025.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.base import Estimator
from ..errors import DataWarning, ParameterError, ValidationError
from ..schemas.checks import as_binary, as_numbers, check_columns, check_varies

__all__ = ["MONOTONIC", "Binning", "WoEBinning", "binning_tables", "optimal_bins", "woe_table"]

#: The bad-rate trends a binning can be asked for (``None``: no order imposed).
MONOTONIC = ("auto", "ascending", "descending", None)
_TOL = 1e-12  # bad rates equal to this are "equal" for the monotone order


def woe_table(goods: Sequence[float], bads: Sequence[float]) -> pd.DataFrame:
    """Counts, shares, bad rate, weight of evidence and information value of bins from their good/bad counts.

    Parameters
    ----------
    goods, bads : sequence of float, shape (n_bins,)
        Goods (outcome 0) and bads (outcome 1) per bin, the missing bin included: the shares are of their totals.

    Returns
    -------
    DataFrame
        One row per bin: ``n``, ``share`` (of all rows), ``goods``, ``bads``, ``bad_rate``, ``woe``
        (``ln(good share / bad share)``, natural log; 0 for an empty bin) and ``iv``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.woe_table([90, 60], [10, 40])
    >>> t[["bad_rate", "woe", "iv"]].round(4).values.tolist()
    [[0.1, 1.0986, 0.4394], [0.4, -0.6931, 0.2773]]
    """
    g = np.asarray(goods, dtype=float)
    b = np.asarray(bads, dtype=float)
    n = g + b
    with np.errstate(divide="ignore", invalid="ignore"):
        pg, pb = g / g.sum(), b / b.sum()
        woe = np.where(n > 0, np.log(pg / pb), 0.0)
        rate = np.where(n > 0, b / n, np.nan)
    return pd.DataFrame({"n": n.astype(int) if np.all(n == np.round(n)) else n, "share": n / n.sum(),
                         "goods": g, "bads": b, "bad_rate": rate, "woe": woe, "iv": (pg - pb) * woe})


def _segments(goods: np.ndarray, bads: np.ndarray, total_goods: float, total_bads: float,
              min_count: float) -> tuple[np.ndarray, np.ndarray]:
    """IV (-inf where the run cannot be a bin) and bad rate of every run of pre-bins [a, b), indexed [a, b]."""
    cg = np.concatenate([[0.0], np.cumsum(goods)])
    cb = np.concatenate([[0.0], np.cumsum(bads)])
    g = cg[None, :] - cg[:, None]
    b = cb[None, :] - cb[:, None]
    n = len(goods)
    a_idx, b_idx = np.indices((n + 1, n + 1))
    ok = (b_idx > a_idx) & (g > 0) & (b > 0) & (g + b >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        pg, pb = g / total_goods, b / total_bads
        iv = np.where(ok, (pg - pb) * np.log(pg / pb), -np.inf)
        rate = np.where(g + b > 0, b / (g + b), np.nan)
    return iv, rate


def _solve(goods: np.ndarray, bads: np.ndarray, total_goods: float, total_bads: float, min_count: float,
           max_bins: int, trend: str | None) -> tuple[list[int], float]:
    """The best cut positions (pre-bin indices where a new bin starts) and their IV; ([], -inf) if none fits."""
    n = len(goods)
    iv, rate = _segments(goods, bads, total_goods, total_bads, min_count)
    K = min(max_bins, n)
    # best[k, a, b]: best IV of pre-bins [0, b) cut into k + 1 bins whose last one is [a, b)
    best = np.full((K, n + 1, n + 1), -np.inf)
    back = np.full((K, n + 1, n + 1), -1, dtype=int)
    best[0, 0, :] = iv[0, :]
    for k in range(1, K):
        for b in range(1, n):
            prev = best[k - 1, :, b]  # over the last bin's start a: [a, b)
            if not np.isfinite(prev).any():
                continue
            cand = prev[:, None] + iv[b, None, :]  # [a, c]: then bin [b, c)
            if trend == "ascending":
                cand = np.where(rate[:, b, None] <= rate[None, b, :] + _TOL, cand, -np.inf)
            elif trend == "descending":
                cand = np.where(rate[:, b, None] >= rate[None, b, :] - _TOL, cand, -np.inf)
            arg = np.argmax(cand, axis=0)
            val = cand[arg, np.arange(n + 1)]
            better = val > best[k, b, :]
            best[k, b, better] = val[better]
            back[k, b, better] = arg[better]
    ends = best[:, :, n]
    if not np.isfinite(ends).any():
        return [], -math.inf
    # most IV; among equal IV (to 1e-12) the fewest bins
    top = ends.max()
    k, a = min(zip(*np.nonzero(ends >= top - 1e-12), strict=True))
    starts, b = [], n
    while k >= 0:
        starts.append(int(a))
        a, b, k = back[k, a, b], a, k - 1
    return sorted(starts)[1:], float(top)


@dataclass
class Binning:
    """The fitted bins of one characteristic.

    Attributes
    ----------
    name : str
        The characteristic (column).
    kind : str
        ``'numeric'`` or ``'categorical'``.
    splits : ndarray
        Numeric: the cut points; bin ``i`` holds ``splits[i-1] <= x < splits[i]``. Categorical: empty.
    groups : list of list
        Categorical: the categories of each bin, in bin order (ascending bad rate); numeric: empty.
    trend : str or None
        The bad-rate order of the bins (``'ascending'`` in x, ``'descending'``, or None).
    table : DataFrame
        The binning table (:func:`woe_table` columns with ``bin`` labels; the last row is ``Missing``).
    prebin_splits : ndarray
        Numeric: the pre-bin cut points the solver chose from.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> x = np.r_[np.arange(100.0), np.nan, np.nan]
    >>> y = np.r_[np.arange(100) % 10 < np.arange(100) // 25, 0, 1].astype(int)
    >>> b = credit.optimal_bins(x, y, name="age", min_bin_share=0.2, prebinning="quantile")
    >>> b.kind, b.trend, b.splits.tolist()
    ('numeric', 'ascending', [39.5, 69.5])
    """

    name: str
    kind: str
    splits: np.ndarray
    groups: list[list[Any]]
    trend: str | None
    table: pd.DataFrame
    prebin_splits: np.ndarray = field(default_factory=lambda: np.array([]))

    @property
    def iv(self) -> float:
        """Information value of the characteristic (sum over bins, missing included)."""
        return float(self.table["iv"].sum())

    def bin_index(self, values: Any) -> np.ndarray:
        """Bin number (row of :attr:`table`) of each value; missing values go to the last (``Missing``) row,
        categories not seen in the fit to -1.

        Parameters
        ----------
        values : array-like
            Values of the characteristic.

        Returns
        -------
        ndarray of int
            Row of the binning table per value.

        Examples
        --------
        >>> import numpy as np
        >>> from crmresearch import credit
        >>> x = np.r_[np.arange(100.0), np.nan, np.nan]
        >>> y = np.r_[np.arange(100) % 10 < np.arange(100) // 25, 0, 1].astype(int)
        >>> b = credit.optimal_bins(x, y, min_bin_share=0.2, prebinning="quantile")
        >>> b.bin_index([0.0, 39.0, 99.0, np.nan]).tolist()
        [0, 0, 2, 3]
        """
        s = pd.Series(np.asarray(values, dtype=object) if self.kind == "categorical" else values)
        missing = s.isna().to_numpy()
        out = np.full(len(s), len(self.table) - 1, dtype=int)
        if self.kind == "numeric":
            x = as_numbers(s[~missing].to_numpy(), f"the values of '{self.name}'", "Binning.bin_index")
            out[~missing] = np.searchsorted(self.splits, x, side="right")
        else:
            where = {c: i for i, g in enumerate(self.groups) for c in g}
            out[~missing] = [where.get(v, -1) for v in s[~missing]]
        return out


def _prebins(x: np.ndarray, y: np.ndarray, method: str, max_prebins: int, min_count: int) -> np.ndarray:
    """Pre-bin cut points of the non-missing ``x`` (midpoints between distinct values), at most ``max_prebins``
    pre-bins of at least ``min_count`` rows each.

    ``'cart'``: a best-first Gini classification tree on ``x`` alone (scikit-learn's ``DecisionTreeClassifier``
    with ``max_leaf_nodes`` and ``min_samples_leaf``, the pre-binning of optbinning), written out for one feature;
    ``'quantile'``: equal-count cut points.
    """
    import heapq

    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    if len(values) <= 1:
        return np.array([])
    cum = np.cumsum(counts)
    if method == "quantile":
        targets = len(x) * np.arange(1, max_prebins) / max_prebins
        idx = np.unique(np.searchsorted(cum, targets, side="left"))
        keep, last = [], 0
        for i in idx[idx < len(values) - 1]:  # each pre-bin (and the last) at least min_count rows
            if cum[i] - last >= min_count and len(x) - cum[i] >= min_count:
                keep.append(i)
                last = cum[i]
        k = np.asarray(keep, dtype=int)
        return (values[k] + values[k + 1]) / 2
    bads = np.bincount(inverse, weights=y, minlength=len(values))
    cn, cb = np.r_[0.0, cum.astype(float)], np.r_[0.0, np.cumsum(bads)]
    total = float(len(x))

    def gini(n: np.ndarray, b: np.ndarray) -> np.ndarray:
        p = b / n
        return 1.0 - p * p - (1.0 - p) * (1.0 - p)

    def best(lo: int, hi: int) -> tuple[float, int] | None:  # groups [lo, hi): (improvement, cut after group j)
        n, b = cn[hi] - cn[lo], cb[hi] - cb[lo]
        node = float(gini(np.array(n), np.array(b)))
        if hi - lo < 2 or n < 2 * min_count or node <= np.finfo(float).eps:
            return None
        nl, bl = cn[lo + 1:hi] - cn[lo], cb[lo + 1:hi] - cb[lo]
        nr, br = n - nl, b - bl
        ok = (nl >= min_count) & (nr >= min_count)
        if not ok.any():
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            proxy = np.where(ok, -(nl * gini(nl, bl) + nr * gini(nr, br)), -np.inf)
        j = int(np.argmax(proxy))  # the first best, as the tree's left-to-right scan
        gain = n / total * (node - (nl[j] * gini(nl[j], bl[j]) + nr[j] * gini(nr[j], br[j])) / n)
        return float(gain), lo + j + 1

    frontier: list[tuple[float, int, int, int, int]] = []
    order = 0

    def push(lo: int, hi: int) -> None:
        nonlocal order
        found = best(lo, hi)
        if found is not None and found[0] >= -np.finfo(float).eps:
            heapq.heappush(frontier, (-found[0], order, lo, hi, found[1]))
            order += 1

    push(0, len(values))
    cuts: list[int] = []
    while frontier and len(cuts) + 1 < max_prebins:
        _, _, lo, hi, j = heapq.heappop(frontier)
        cuts.append(j)
        push(lo, j)
        push(j, hi)
    k = np.sort(np.asarray(cuts, dtype=int))
    return values[k - 1] / 2 + values[k] / 2


def _counts(index: np.ndarray, y: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    bads = np.bincount(index, weights=y, minlength=n_bins)
    return np.bincount(index, minlength=n_bins) - bads, bads


def optimal_bins(x: Any, y: Any, name: str = "x", *, kind: str | None = None, monotonic: str | None = "auto",
                 min_bin_share: float = 0.05, max_bins: int | None = None, max_prebins: int = 20,
                 min_prebin_share: float = 0.05, prebinning: str = "cart",
                 prebin_splits: Sequence[float] | None = None) -> Binning:
    """Optimal monotone WoE bins of one characteristic: the partition of its pre-bins with the most information
    value under the constraints, found exactly by dynamic programming.

    Parameters
    ----------
    x : array-like, shape (n,)
        The characteristic; missing values (NaN/None) get a bin of their own.
    y : array-like, shape (n,)
        Outcome, 1 = bad (the event), 0 = good.
    name : str, default 'x'
        The characteristic's name, for tables and messages.
    kind : {'numeric', 'categorical'} or None, optional
        None: numeric for numbers and booleans, categorical otherwise.
    monotonic : {'auto', 'ascending', 'descending'} or None, default 'auto'
        Numeric characteristics: the order of the bins' bad rates in ``x``; ``'auto'`` solves both and keeps the one
        with more IV; None imposes no order. Categorical characteristics: bins of categories ordered by bad rate
        (always monotone; None lets any contiguous groups of the ordered categories form).
    min_bin_share : float, default 0.05
        Fewest rows a bin holds, as a share of all rows (missing included), as in optbinning's ``min_bin_size``.
    max_bins : int or None, optional
        Most bins, besides the missing bin; None: as many as the constraints allow.
    max_prebins : int, default 20
        Numeric: most pre-bins (cut points are midpoints between distinct values).
    min_prebin_share : float, default 0.05
        Numeric: fewest rows of a pre-bin, as a share of all rows.
    prebinning : {'cart', 'quantile'}, default 'cart'
        Numeric: how the pre-bins are cut: a best-first Gini tree on ``x`` (optbinning's default) or equal counts.
    prebin_splits : sequence of float or None, optional
        Numeric: given pre-bin cut points instead of ``prebinning``'s (bin ``i``: ``s[i-1] <= x < s[i]``).

    Returns
    -------
    Binning
        Cut points or category groups, the trend and the binning table.

    Raises
    ------
    ValidationError
        For an outcome that is not 0/1, a characteristic with no value or one value, or bad settings.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000)
    >>> y = rng.random(2000) < 1 / (1 + np.exp(1 - x))
    >>> b = credit.optimal_bins(x, y, name="utilisation", max_bins=5)
    >>> len(b.splits), b.trend, round(b.iv, 2)
    (4, 'ascending', 0.88)
    """
    caller = "optimal_bins"
    _check_settings(caller, monotonic, min_bin_share, max_bins, max_prebins, min_prebin_share, prebinning)
    yy = as_binary(y, f"the outcome of '{name}'", caller)
    s = pd.Series(np.asarray(x, dtype=object) if kind == "categorical" else x, name=name)
    if len(s) != len(yy):
        raise ValidationError(f"{caller}: '{name}' has {len(s)} rows but the outcome has {len(yy)}")
    check_varies(s.reset_index(drop=True).to_frame(), [name], caller)
    if kind is None:
        kind = "numeric" if (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) else "categorical"
    if kind not in ("numeric", "categorical"):
        raise ParameterError(f"{caller}: kind must be 'numeric', 'categorical' or None; got {kind!r}")
    n = len(s)
    missing = s.isna().to_numpy()
    min_count = math.ceil(min_bin_share * n - 1e-9)
    y_present = yy[~missing]
    total_goods, total_bads = float((yy == 0).sum()), float(yy.sum())
    if total_bads == 0 or total_goods == 0:
        check_varies(pd.DataFrame({f"outcome of {name}": yy}), [f"outcome of {name}"], caller)
    miss_goods, miss_bads = float((yy[missing] == 0).sum()), float(yy[missing].sum())

    if kind == "numeric":
        xp = as_numbers(s[~missing].to_numpy(), f"column '{name}' (kind='numeric')", caller)
        cuts = (np.sort(np.unique(np.asarray(prebin_splits, dtype=float))) if prebin_splits is not None
                else _prebins(xp, y_present, prebinning, max_prebins, math.ceil(min_prebin_share * n - 1e-9)))
        goods, bads = _counts(np.searchsorted(cuts, xp, side="right"), y_present, len(cuts) + 1)
        trends = ["ascending", "descending"] if monotonic == "auto" else [monotonic]
        found = [(*_solve(goods, bads, total_goods, total_bads, min_count, max_bins or len(goods), t), t)
                 for t in trends]
        starts, top, trend = max(found, key=lambda f: f[1])
        if not math.isfinite(top):
            starts, trend = [], None  # no partition meets the constraints: one bin
            warnings.warn(f"{caller}: no binning of '{name}' has both goods and bads and {min_count} rows "
                          f"(min_bin_share {min_bin_share}) in every bin; it is kept as one bin", DataWarning,
                          stacklevel=2)
        splits = cuts[np.asarray(starts, dtype=int) - 1] if starts else np.array([])
        groups: list[list[Any]] = []
        labels = _interval_labels(splits)
    else:
        cats = s[~missing]
        order = (pd.DataFrame({"c": cats.to_numpy(), "y": y_present}).groupby("c", sort=True)["y"]
                 .agg(["mean", "size"]).sort_values(["mean", "size"], kind="stable"))
        categories = order.index.tolist()
        code = {c: i for i, c in enumerate(categories)}
        goods, bads = _counts(np.array([code[c] for c in cats]), y_present, len(categories))
        starts, top = _solve(goods, bads, total_goods, total_bads, min_count, max_bins or len(goods),
                             None if monotonic is None else "ascending")
        edges = [0, *starts, len(categories)] if math.isfinite(top) else [0, len(categories)]
        groups = [categories[a:b] for a, b in itertools.pairwise(edges)]
        splits, cuts, trend = np.array([]), np.array([]), "ascending"
        labels = [", ".join(map(str, g)) for g in groups]
    bounds = [0, *starts, len(goods)] if math.isfinite(top) else [0, len(goods)]
    g_bin = np.add.reduceat(goods, bounds[:-1]) if len(goods) else np.array([0.0])
    b_bin = np.add.reduceat(bads, bounds[:-1]) if len(bads) else np.array([0.0])
    table = woe_table(np.r_[g_bin, miss_goods], np.r_[b_bin, miss_bads])
    if miss_goods + miss_bads > 0 and (miss_goods == 0 or miss_bads == 0):
        warnings.warn(f"{caller}: the {int(miss_goods + miss_bads)} rows of '{name}' with no value are all "
                      f"{'bads' if miss_goods == 0 else 'goods'}: their WoE is infinite and set to 0 (no evidence)",
                      DataWarning, stacklevel=2)
        table.loc[table.index[-1], ["woe", "iv"]] = 0.0
    table.insert(0, "bin", [*labels, "Missing"])
    table.insert(0, "characteristic", name)
    return Binning(name, kind, splits, groups, trend, table, cuts)


def _missing_rule(table: pd.DataFrame) -> pd.DataFrame:
    """A missing bin of goods only or bads only has infinite WoE: set to 0 (no evidence), as the fit does."""
    g, b = table["goods"].iloc[-1], table["bads"].iloc[-1]
    if g + b > 0 and (g == 0 or b == 0):
        table.loc[table.index[-1], ["woe", "iv"]] = 0.0
    return table


def binning_tables(table: Any, bins: WoEBinning | Binning | Mapping[str, Binning],
                   columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The binning tables (counts, WoE, IV) of fitted bins, counted where the table lives: one grouped
    aggregation per characteristic in pandas, polars, DuckDB or Spark
    (:func:`crmresearch.sources.aggregate.bin_counts`), so the WoE and IV of an applications table in a Parquet
    file or a Spark table never bring it into pandas.

    On the rows the bins were fitted on, the tables equal the fit's (:attr:`Binning.table`); on other rows (a
    later cohort, the full table when the bins were fitted on a sample) they are those rows' WoE and IV for the
    same bins.

    Parameters
    ----------
    table : table
        An applications table: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame, a Parquet/CSV
        path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`; the characteristics under
        the names they were fitted with.
    bins : WoEBinning, Binning or mapping of str to Binning
        Fitted bins (a fitted :class:`WoEBinning`, one :class:`Binning`, or characteristic -> Binning).
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'outcome': 'bad'}``: the 0/1 bad flag); None when the table calls it
        ``outcome``.

    Returns
    -------
    DataFrame
        One row per bin of each characteristic (the missing bin last): ``characteristic``, ``bin`` (label),
        then :func:`woe_table`'s columns; IV per characteristic is ``groupby('characteristic')['iv'].sum()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(0)
    >>> apps = pd.DataFrame({"income": rng.gamma(4, 500, 2000)})
    >>> apps["bad"] = (rng.random(2000) < 1 / (1 + np.exp(apps["income"] / 1000 - 1))).astype(int)
    >>> woe = credit.WoEBinning(max_bins=4).fit(apps[["income"]], apps["bad"])
    >>> t = credit.binning_tables(apps, woe, columns={"outcome": "bad"})
    >>> bool(abs(t["iv"].sum() - woe.iv_["income"]) < 1e-12)
    True
    """
    from ..sources.aggregate import bin_counts, check_table

    if isinstance(bins, WoEBinning):
        bins._check_fitted("binning_tables")
        fitted = dict(bins.bins_)
    elif isinstance(bins, Binning):
        fitted = {bins.name: bins}
    else:
        fitted = dict(bins)
    src = check_table(table, "applications", columns, "binning_tables", only=["outcome"])  # one check for all
    out = []
    for name, b in fitted.items():
        counted = (bin_counts(src, name, splits=b.splits, caller="binning_tables", check=False)
                   if b.kind == "numeric" else
                   bin_counts(src, name, groups=b.groups, caller="binning_tables", check=False))
        t = _missing_rule(woe_table(counted["goods"], counted["bads"]))
        t.insert(0, "bin", b.table["bin"].to_numpy())
        t.insert(0, "characteristic", name)
        out.append(t)
    return pd.concat(out, ignore_index=True)


def _interval_labels(splits: np.ndarray) -> list[str]:
    edges = ["-inf", *(f"{v:g}" for v in splits), "inf"]
    return [f"[{lo}, {hi})" if lo != "-inf" else f"(-inf, {hi})" for lo, hi in itertools.pairwise(edges)]


def _check_settings(caller: str, monotonic: Any, min_bin_share: Any, max_bins: Any, max_prebins: Any,
                    min_prebin_share: Any, prebinning: Any) -> None:
    if prebinning not in ("cart", "quantile"):
        raise ParameterError(f"{caller}: prebinning must be 'cart' or 'quantile'; got {prebinning!r}")
    if monotonic not in MONOTONIC:
        raise ParameterError(f"{caller}: monotonic must be one of {list(MONOTONIC)}; got {monotonic!r}")
    for label, share in (("min_bin_share", min_bin_share), ("min_prebin_share", min_prebin_share)):
        if not (isinstance(share, int | float) and 0 <= share <= 0.5):
            raise ParameterError(f"{caller}: {label} must be a share in [0, 0.5]; got {share!r}")
    if max_bins is not None and not (isinstance(max_bins, int) and max_bins >= 1):
        raise ParameterError(f"{caller}: max_bins must be a whole number >= 1 or None; got {max_bins!r}")
    if not (isinstance(max_prebins, int) and max_prebins >= 2):
        raise ParameterError(f"{caller}: max_prebins must be a whole number >= 2; got {max_prebins!r}")


def _checked(X: Any, y: Any, columns: Sequence[str] | None, caller: str) -> tuple[list[str], np.ndarray]:
    """The characteristics to bin and the 0/1 outcome, or the first clear error (shared checks)."""
    if not isinstance(X, pd.DataFrame):
        raise ValidationError(f"{caller}: X must be a DataFrame of characteristics; got {type(X).__name__}")
    names = list(X.columns if columns is None else columns)
    check_columns(X, names, caller)
    name = getattr(y, "name", None) or "y"
    yy = as_binary(y.to_numpy() if isinstance(y, pd.Series) else y, f"the outcome column '{name}'", caller)
    if len(yy) != len(X):
        raise ValidationError(f"{caller}: X has {len(X)} rows but the outcome '{name}' has {len(yy)}")
    check_varies(pd.DataFrame({name: yy}), [name], caller)
    check_varies(X, names, caller)
    return names, yy


class WoEBinning(Estimator):
    """Monotone optimal WoE binning of several characteristics, as a scikit-learn-style transformer.

    ``fit(X, y)`` bins every column of ``X`` (or of ``columns``) with :func:`optimal_bins`; ``transform(X)``
    replaces each value by its bin's weight of evidence. A binning has no parameter vector, so there is no
    ``params_``: the ``summary`` is the information value per characteristic.

    Parameters
    ----------
    columns : sequence of str or None, optional
        The characteristics to bin; None: every column of ``X``.
    categorical : sequence of str or None, optional
        Columns binned as labels even when they hold numbers (codes); text columns are categorical anyway.
    monotonic : {'auto', 'ascending', 'descending'} or None, default 'auto'
        Bad-rate order of numeric bins (see :func:`optimal_bins`).
    min_bin_share : float, default 0.05
        Fewest rows of a bin, as a share of all rows (Siddiqi's 5 %).
    max_bins : int or None, optional
        Most bins per characteristic besides the missing bin; None: as the constraints allow.
    max_prebins : int, default 20
        Most equal-count pre-bins of a numeric characteristic.
    min_prebin_share : float, default 0.05
        Fewest rows of a pre-bin, as a share of all rows.
    prebinning : {'cart', 'quantile'}, default 'cart'
        How numeric pre-bins are cut (see :func:`optimal_bins`).

    Attributes
    ----------
    bins_ : dict of str to Binning
        The fitted bins per characteristic.
    iv_ : Series
        Information value per characteristic (index ``characteristic``).
    n_obs_ : int
        Rows fitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"income": rng.gamma(4, 500, 3000), "home": rng.choice(["own", "rent", "other"], 3000)})
    >>> y = rng.random(3000) < 1 / (1 + np.exp(X["income"] / 1000 - 1 - (X["home"] == "rent")))
    >>> woe = credit.WoEBinning(max_bins=4).fit(X, y)
    >>> woe.summary[["n_bins", "trend"]].values.tolist()
    [[4, 'descending'], [3, 'ascending']]
    >>> woe.transform(X).shape
    (3000, 2)
    """

    def __init__(self, columns: Sequence[str] | None = None, categorical: Sequence[str] | None = None,
                 monotonic: str | None = "auto", min_bin_share: float = 0.05, max_bins: int | None = None,
                 max_prebins: int = 20, min_prebin_share: float = 0.05, prebinning: str = "cart") -> None:
        self.columns = columns
        self.categorical = categorical
        self.monotonic = monotonic
        self.min_bin_share = min_bin_share
        self.max_bins = max_bins
        self.max_prebins = max_prebins
        self.min_prebin_share = min_prebin_share
        self.prebinning = prebinning

    def fit(self, X: pd.DataFrame, y: Any) -> WoEBinning:
        """Bin every characteristic.

        Parameters
        ----------
        X : DataFrame
            Characteristics, one row per applicant.
        y : array-like, shape (n,)
            Outcome, 1 = bad, 0 = good.

        Returns
        -------
        WoEBinning
            ``self``, fitted.
        """
        caller = f"{type(self).__name__}.fit"
        _check_settings(caller, self.monotonic, self.min_bin_share, self.max_bins, self.max_prebins,
                        self.min_prebin_share, self.prebinning)
        columns, yy = _checked(X, y, self.columns, caller)
        cat = set(self.categorical or ())
        self.bins_ = {c: optimal_bins(X[c].to_numpy(), yy, name=str(c),
                                      kind="categorical" if c in cat else None, monotonic=self.monotonic,
                                      min_bin_share=self.min_bin_share, max_bins=self.max_bins,
                                      max_prebins=self.max_prebins, min_prebin_share=self.min_prebin_share,
                                      prebinning=self.prebinning)
                      for c in columns}
        self.iv_ = pd.Series({c: b.iv for c, b in self.bins_.items()}, name="iv").rename_axis("characteristic")
        self.n_obs_ = len(X)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each value replaced by the weight of evidence of its bin.

        Parameters
        ----------
        X : DataFrame
            The fitted characteristics (other columns are ignored).

        Returns
        -------
        DataFrame
            WoE per characteristic (natural log of good share / bad share), indexed as ``X``. A category not seen
            in the fit gets WoE 0 (no evidence), with a :class:`~crmresearch.errors.DataWarning` counting it.
        """
        self._check_fitted("transform")
        caller = f"{type(self).__name__}.transform"
        check_columns(X, list(self.bins_), caller)
        out = {}
        for c, b in self.bins_.items():
            idx = b.bin_index(X[c].to_numpy())
            woe = b.table["woe"].to_numpy()[np.maximum(idx, 0)]
            if (idx < 0).any():
                warnings.warn(f"{caller}: column '{c}': {int((idx < 0).sum())} of {len(idx)} rows hold categories "
                              f"not seen in the fit (first: {X[c][idx < 0].head(3).tolist()}); their WoE is 0",
                              DataWarning, stacklevel=2)
                woe = np.where(idx < 0, 0.0, woe)
            out[c] = woe
        return pd.DataFrame(out, index=X.index)

    def fit_transform(self, X: pd.DataFrame, y: Any) -> pd.DataFrame:
        """``fit(X, y).transform(X)``.

        Parameters
        ----------
        X : DataFrame
            Characteristics.
        y : array-like
            Outcome, 1 = bad.

        Returns
        -------
        DataFrame
            WoE per characteristic.
        """
        return self.fit(X, y).transform(X)

    def binning_table(self, name: str | None = None) -> pd.DataFrame:
        """The binning table of one characteristic: per bin its rows, share, goods, bads, bad rate, WoE and IV,
        with a ``Totals`` row; or, without a name, the bins of every characteristic in one tidy table.

        Parameters
        ----------
        name : str or None, optional
            A fitted characteristic; None: all of them, one after the other (each with its ``Totals`` row).

        Returns
        -------
        DataFrame
            One row per bin (the missing bin last), then ``Totals``.
        """
        self._check_fitted("binning_table")
        if name is None:
            return pd.concat([self.binning_table(c) for c in self.bins_], ignore_index=True)
        if name not in self.bins_:
            raise ParameterError(f"{type(self).__name__}.binning_table: no characteristic {name!r}; fitted are "
                                 f"{list(self.bins_)}")
        t = self.bins_[name].table
        total = {"characteristic": name, "bin": "Totals", "n": t["n"].sum(), "share": t["share"].sum(),
                 "goods": t["goods"].sum(), "bads": t["bads"].sum(), "bad_rate": t["bads"].sum() / t["n"].sum(),
                 "woe": np.nan, "iv": t["iv"].sum()}
        return pd.concat([t, pd.DataFrame([total])], ignore_index=True)

    def _summary(self) -> pd.DataFrame:
        rows = []
        for c, b in self.bins_.items():
            t = b.table
            rows.append({"characteristic": c, "kind": b.kind, "n_bins": len(t) - 1, "trend": b.trend,
                         "missing_share": float(t["share"].iloc[-1]), "iv": b.iv})
        return pd.DataFrame(rows).set_index("characteristic")
