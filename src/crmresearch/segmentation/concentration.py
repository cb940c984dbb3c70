"""Customer segmentation by value: concentration (Lorenz, Gini) and the customer pyramid.

References
----------
Zeithaml, V. A., Rust, R. T. and Lemon, K. N. (2001). The customer pyramid: creating and
serving profitable customers. California Management Review 43(4), 118-142.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from ..sources import aggregate

__all__ = [
    "DEFAULT_PYRAMID_CUTS",
    "DEFAULT_PYRAMID_LABELS",
    "PyramidReport",
    "concentration_table",
    "customer_totals",
    "gini",
    "lorenz",
    "pyramid_report",
    "shares_to_cuts",
    "tier_summary",
    "value_pyramid",
]

#: Cumulative top shares of customers closing each pyramid tier: top 1 %, next 4 %,
#: next 15 %; the remaining 80 % form the base.
DEFAULT_PYRAMID_CUTS: tuple[float, ...] = (0.01, 0.05, 0.20)
#: Tier names of Zeithaml, Rust & Lemon (2001), from the top down.
DEFAULT_PYRAMID_LABELS: tuple[str, ...] = ("platinum", "gold", "iron", "lead")


def _values(values: Sequence[float] | np.ndarray | pd.Series, caller: str) -> np.ndarray:
    """Check customer values: 1-d, numeric, finite, non-negative, not all zero."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValidationError(f"{caller}: values must be one-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ValidationError(f"{caller}: values are empty (0 customers)")
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{caller}: values must be numeric ({exc})") from None
    labels = values.index if isinstance(values, pd.Series) else pd.RangeIndex(arr.size)
    for bad, rule in ((~np.isfinite(arr), "are missing or infinite"), (arr < 0, "are negative")):
        bad = bad & ~np.isnan(arr) if rule == "are negative" else bad
        if bad.any():
            first = ", ".join(map(str, labels[bad][:5]))
            raise ValidationError(
                f"{caller}: {int(bad.sum())} of {arr.size} values {rule} (first: {first}); "
                "value concentration needs finite values >= 0 — fix or remove those customers "
                "explicitly before calling"
            )
    if arr.sum() == 0:
        raise ValidationError(f"{caller}: all {arr.size} values are 0; concentration is undefined")
    return arr


def gini(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Gini coefficient of customer values (0 = all equal, (n-1)/n = one customer holds all).

    Computed exactly from the sorted values, ``G = sum_i (2i - n - 1) x_(i) / (n sum x)``,
    which equals one minus twice the area under the Lorenz curve of :func:`lorenz`.

    Parameters
    ----------
    values : array-like, shape (n_customers,)
        Non-negative value per customer (e.g. revenue in USD).

    Returns
    -------
    float

    Examples
    --------
    >>> from crmresearch import segmentation
    >>> segmentation.gini([1, 1, 1, 1])
    0.0
    >>> round(segmentation.gini([0, 0, 0, 10]), 2)
    0.75
    """
    x = np.sort(_values(values, "gini"))
    n = x.size
    i = np.arange(1, n + 1, dtype=float)
    return float(np.sum((2 * i - n - 1) * x) / (n * x.sum()))


def lorenz(values: Sequence[float] | np.ndarray | pd.Series) -> pd.DataFrame:
    """Lorenz curve of customer values, from the smallest customer up.

    Returns
    -------
    DataFrame, n_customers + 1 rows
        ``customer_share`` (cumulative share of customers, 0..1) and ``value_share``
        (their cumulative share of total value, 0..1), starting at (0, 0).

    Parameters
    ----------
    values : sequence of float or ndarray or Series
        Value per customer (>= 0).

    Examples
    --------
    >>> from crmresearch import segmentation
    >>> segmentation.lorenz([1, 1, 2]).round(3).values.tolist()
    [[0.0, 0.0], [0.333, 0.25], [0.667, 0.5], [1.0, 1.0]]
    """
    x = np.sort(_values(values, "lorenz"))
    n = x.size
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate([[0.0], np.cumsum(x) / x.sum()]),
    })


def _check_cuts(cuts: Sequence[float], labels: Sequence[str]) -> None:
    c = np.asarray(cuts, dtype=float)
    if c.ndim != 1 or c.size == 0:
        raise ValidationError("value_pyramid: cuts must be a non-empty sequence of top shares")
    if not (np.all(c > 0) and np.all(c < 1) and np.all(np.diff(c) > 0)):
        raise ValidationError(
            f"value_pyramid: cuts must be cumulative top shares, strictly increasing in (0, 1); "
            f"got {tuple(cuts)} (e.g. (0.01, 0.05, 0.20) = top 1 %, next 4 %, next 15 %)"
        )
    if len(labels) != c.size + 1:
        raise ValidationError(
            f"value_pyramid: {c.size} cuts make {c.size + 1} tiers but {len(labels)} labels were given"
        )


def value_pyramid(
    values: pd.Series | Sequence[float] | np.ndarray,
    cuts: Sequence[float] = DEFAULT_PYRAMID_CUTS,
    labels: Sequence[str] = DEFAULT_PYRAMID_LABELS,
) -> pd.Series:
    """Assign each customer a pyramid tier by rank of value.

    Customers are ranked by value, highest first; ties are broken by the order of the
    index (ascending), so the assignment is deterministic. The top ``cuts[0]`` share of
    customers form the first tier, and so on: tier ``k`` holds ranks
    ``(round(cuts[k-1] * n), round(cuts[k] * n)]``, rounding halves up.

    Parameters
    ----------
    values : Series indexed by customer id (or array-like), shape (n_customers,)
        Value per customer, e.g. revenue (USD). Must be finite and >= 0.
    cuts : sequence of float, default (0.01, 0.05, 0.20)
        Cumulative shares of customers (from the top) closing each tier.
    labels : sequence of str, default ("platinum", "gold", "iron", "lead")
        Tier names from the top down; one more than ``cuts``.

    Returns
    -------
    Series of ordered Categorical, same index as ``values``
        Tier per customer; category order is from the top tier down.

    Examples
    --------
    >>> from crmresearch import segmentation
    >>> tiers = segmentation.value_pyramid(list(range(100)), cuts=(0.01, 0.05, 0.20))
    >>> tiers.value_counts().sort_index().tolist()
    [1, 4, 15, 80]
    """
    _check_cuts(cuts, labels)
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    x = _values(s, "value_pyramid")
    n = x.size
    # Stable sort on (-value) keeps index order among ties.
    idx_order = np.argsort(s.index.to_numpy(), kind="stable")
    order = idx_order[np.argsort(-x[idx_order], kind="stable")]
    bounds = np.floor(np.asarray(cuts, dtype=float) * n + 0.5).astype(int)
    rank_tier = np.searchsorted(bounds, np.arange(n), side="right")
    codes = np.empty(n, dtype=int)
    codes[order] = rank_tier
    tiers = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
    return pd.Series(tiers, index=s.index, name="tier")


def tier_summary(
    frame: pd.DataFrame,
    tier: str = "tier",
    sums: Sequence[str] = ("revenue",),
) -> pd.DataFrame:
    """Customers and summed columns per tier, with each tier's share of the total.

    Parameters
    ----------
    frame : DataFrame, one row per customer
        Must hold the ``tier`` column and every column in ``sums``.
    tier : str
        Name of the tier column (categorical order is kept).
    sums : sequence of str
        Columns to total per tier (e.g. revenue in USD, transactions as a count).

    Returns
    -------
    DataFrame, one row per tier
        ``tier``, ``customers``, ``customer_share``, then for each column ``c`` of ``sums``:
        ``c``, ``c_share``, and ``c_per_customer``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> frame = pd.DataFrame({'tier': ['gold', 'gold', 'lead'], 'revenue': [80.0, 60.0, 10.0]})
    >>> segmentation.tier_summary(frame, 'tier')[['tier', 'customers', 'revenue']].values.tolist()
    [['gold', 2, 140.0], ['lead', 1, 10.0]]
    """
    missing = [c for c in [tier, *sums] if c not in frame.columns]
    if missing:
        raise ValidationError(f"tier_summary: missing column(s) {missing}; have {list(frame.columns)}")
    g = frame.groupby(tier, observed=False, sort=True)
    out = pd.DataFrame({"customers": g.size()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    for col in sums:
        total = g[col].sum()
        out[col] = total
        out[f"{col}_share"] = total / total.sum()
        out[f"{col}_per_customer"] = total / out["customers"].where(out["customers"] > 0)
    out.index = out.index.astype(str)
    return out.reset_index().rename(columns={tier: "tier", "index": "tier"})


def shares_to_cuts(*tier_shares: float) -> tuple[float, ...]:
    """Tier shares from the top (e.g. 0.01, 0.04, 0.15) -> cumulative cuts (0.01, 0.05, 0.20).

    Parameters
    ----------
    *tier_shares : float
        Share of customers in each tier from the top, the last tier excluded.

    Returns
    -------
    tuple of float
        Cumulative cuts, one per share.

    Examples
    --------
    >>> from crmresearch import segmentation
    >>> segmentation.shares_to_cuts(0.01, 0.04, 0.15)   # top 1 %, next 4 %, next 15 %
    (0.01, 0.05, 0.2)
    """
    cuts, total = [], 0.0
    for share in tier_shares:
        if not 0 < share < 1:
            raise ValidationError(f"shares_to_cuts: every tier share must be in (0, 1); got {share}")
        total += share
        cuts.append(round(total, 12))
    if total >= 1:
        raise ValidationError(f"shares_to_cuts: tier shares sum to {total:g}; the base tier needs > 0")
    return tuple(cuts)


def customer_totals(
    transactions: Any,
    customer: str = "customer_id",
    amount: str | None = "amount",
    all_customers: Sequence[Any] | pd.Series | None = None,
    duplicates: str = "keep",
) -> pd.DataFrame:
    """Revenue and number of transactions per customer.

    Parameters
    ----------
    transactions : DataFrame, one row per transaction
    customer : str
        Column name of the customer id.
    amount : str or None, default 'amount'
        Column name of the transaction amount (currency units); None for a log without amounts (then only
        ``transactions`` per customer, no ``revenue``).
    all_customers : sequence of ids, optional
        The whole customer book. Customers without transactions get revenue 0 and 0
        transactions instead of being left out; transactions of ids not in the book are an error.

    Returns
    -------
    DataFrame indexed by customer id (sorted)
        ``revenue`` (sum of ``amount``) and ``transactions`` (row count).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'amount': [10.0, 5.0, 7.0]})
    >>> segmentation.customer_totals(tx).values.tolist()
    [[15.0, 2.0], [7.0, 1.0]]
    """
    columns = {"customer": customer, **({"amount": amount} if amount is not None else {})}
    if isinstance(transactions, pd.DataFrame):
        # amounts checked here; the ids are checked by the aggregation (which needs no date)
        tx = schemas.validate(transactions, "amounts", caller="customer_totals", **columns) if amount is not None \
            else transactions
        account = schemas.RowAccount("transactions", len(tx))
        tx = schemas.handle_duplicates(tx, list(tx.columns), duplicates, account, "customer_totals")
        out = aggregate.customer_totals(tx[list(columns.values())], columns, amount=amount is not None)
    else:  # a table in another engine: checked and aggregated there
        account = schemas.RowAccount("transactions", 0)
        out = aggregate.customer_totals(transactions, columns, amount=amount is not None)
    if all_customers is not None:
        book = pd.Index(pd.unique(np.asarray(all_customers))).sort_values()
        stray = out.index.difference(book)
        if len(stray):
            raise ValidationError(
                f"customer_totals: {len(stray)} customer ids in the transactions are not in all_customers "
                f"(first: {', '.join(map(str, stray[:5]))})")
        out = out.reindex(book, fill_value=0)
    out.index.name = customer
    out.attrs["row_account"] = account.steps
    return out


@dataclass(frozen=True)
class PyramidReport:
    """Concentration and pyramid of one customer base (see :func:`pyramid_report`).

    Attributes
    ----------
    gini : float
        Gini coefficient of the value (0 = equal, 1 = one customer holds all).
    lorenz : DataFrame
        Lorenz curve (:func:`lorenz`).
    concentration : DataFrame
        Headline concentration figures (:func:`concentration_table`).
    tiers : DataFrame
        One row per tier (:func:`tier_summary`).
    assignment : Series
        Tier per customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> customers = pd.DataFrame({'revenue': [900.0, 50, 30, 20], 'transactions': [9, 5, 3, 2]})
    >>> report = segmentation.pyramid_report(customers, cuts=(0.25, 0.5, 0.75))
    >>> type(report).__name__, round(report.gini, 3)
    ('PyramidReport', 0.665)
    """

    gini: float
    lorenz: pd.DataFrame
    concentration: pd.DataFrame
    tiers: pd.DataFrame
    assignment: pd.Series


def pyramid_report(
    customers: pd.DataFrame,
    value: str = "revenue",
    cuts: Sequence[float] = DEFAULT_PYRAMID_CUTS,
    labels: Sequence[str] = DEFAULT_PYRAMID_LABELS,
    sums: Sequence[str] = ("revenue", "transactions"),
    measure: str = "value",
) -> PyramidReport:
    """Gini, Lorenz curve, concentration table, tier assignment and tier table in one call.

    ``customers`` has one row per customer (e.g. from :func:`customer_totals`); ``value``
    names the column that ranks them; ``sums`` are totalled per tier.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with the ``value`` and ``sums`` columns.
    value : str, default 'revenue'
        Column that ranks customers (currency units).
    cuts : sequence of float, default (0.01, 0.05, 0.2)
        Cumulative top shares where tiers end (0.01, 0.05, 0.2 = top 1 %, next 4 %, next 15 %).
    labels : sequence of str, default ('platinum', 'gold', 'iron', 'lead')
        Tier names, top first (one more than ``cuts``).
    sums : sequence of str, default ('revenue', 'transactions')
        Columns totalled per tier.
    measure : str, default 'value'
        What ``value`` measures, in the concentration table's metric names (``total_value``...;
        ``'transactions'`` for customers ranked by purchase counts, a log without amounts).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> customers = pd.DataFrame({'revenue': [5000.0, 1200, 800, 400, 300, 200, 100, 50, 30, 20],
    ...                           'transactions': [40, 20, 15, 9, 8, 6, 4, 2, 2, 1]})
    >>> report = segmentation.pyramid_report(customers, cuts=(0.1, 0.3, 0.6))
    >>> report.tiers[['tier', 'customers', 'revenue']].values.tolist()
    [['platinum', 1, 5000.0], ['gold', 2, 2000.0], ['iron', 3, 900.0], ['lead', 4, 200.0]]
    """
    tier = value_pyramid(customers[value], cuts=cuts, labels=labels)
    frame = customers.assign(tier=tier)
    return PyramidReport(
        gini=gini(customers[value]),
        lorenz=lorenz(customers[value]),
        concentration=concentration_table(customers[value], top_shares=(*cuts, 0.5), measure=measure),
        tiers=tier_summary(frame, sums=sums),
        assignment=tier,
    )


def concentration_table(
    values: pd.Series | Sequence[float] | np.ndarray,
    top_shares: Sequence[float] = (0.01, 0.05, 0.20, 0.50),
    measure: str = "value",
) -> pd.DataFrame:
    """Headline concentration figures: customers, total value, Gini, and top-s value shares.

    Top shares use the same rank and rounding rule as :func:`value_pyramid`.

    Returns
    -------
    DataFrame with columns ``metric`` and ``value``
        ``customers``, ``total_value``, ``mean_value``, ``median_value``, ``gini`` and one
        ``value_share_top_<p>pct`` row per requested top share.

    Parameters
    ----------
    values : Series or sequence of float or ndarray
        Value per customer (currency units, >= 0).
    top_shares : sequence of float, default (0.01, 0.05, 0.2, 0.5)
        Shares of customers from the top (0.2 = top 20 %).
    measure : str, default 'value'
        What the values measure, in the metric names (``total_<measure>``, ``<measure>_share_top_...``).

    Examples
    --------
    >>> from crmresearch import segmentation
    >>> table = segmentation.concentration_table(list(range(1, 101)), top_shares=(0.1, 0.5))
    >>> table.round(3).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['customers', 100.0], ['total_value', 5050.0], ['mean_value', 50.5], ['median_value', 50.5], ['gini', 0.33],
     ['value_share_top_10pct', 0.189], ['value_share_top_50pct', 0.748]]
    """
    x = _values(values, "concentration_table")
    n = x.size
    desc = np.sort(x)[::-1]
    m = measure
    rows = [("customers", float(n)), (f"total_{m}", float(x.sum())),
            (f"mean_{m}", float(x.mean())), (f"median_{m}", float(np.median(x))),
            ("gini", gini(x))]
    csum = np.cumsum(desc)
    for s in top_shares:
        if not 0 < s < 1:
            raise ValidationError(f"concentration_table: top shares must be in (0, 1); got {s}")
        k = int(np.floor(s * n + 0.5))
        share = float(csum[k - 1] / csum[-1]) if k > 0 else 0.0
        rows.append((f"{m}_share_top_{100 * s:g}pct", share))
    return pd.DataFrame(rows, columns=["metric", "value"])
