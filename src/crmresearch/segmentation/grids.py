"""Class grids: units (retailers, accounts) classed on several dimensions with documented
cut-offs, cell shares, migration between two periods, and the price x volume grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError

__all__ = ["grid_matrix", "grid_migration", "grid_table", "price_volume", "rule_grid"]


def rule_grid(units: pd.DataFrame, dimensions: Mapping[str, Sequence[Any] | None],
              labels: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """Class of each unit on a grid of any number of dimensions. ``dimensions`` maps a column to its
    cut-offs (numeric column: ``[c1, c2]`` gives three bands ``< c1``, ``c1..c2``, ``>= c2``) or to
    ``None`` (a categorical column used as it is). ``labels`` names the bands of numeric columns.
    Returns the class as "value|band|..." in the order of ``dimensions``; every unit gets a class (a
    missing value is an error naming the column and count).

    Parameters
    ----------
    units : DataFrame
        One row per unit (customer, merchant...).
    dimensions : mapping of str to sequence of object or None
        Column -> cut-offs (numeric) or None (categorical), in class order.
    labels : mapping of str to sequence of str or None, optional
        Column -> names of its bands (one more than its cut-offs).

    Raises
    ------
    ValidationError
        A missing column or missing values (named, with their count).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> shops = pd.DataFrame({"format": ["fuel", "pharmacy"], "volume": [120.0, 1500.0]})
    >>> bands = {"volume": ["small", "medium", "large"]}
    >>> segmentation.rule_grid(shops, {"format": None, "volume": [250, 1000]}, bands).tolist()
    ['fuel|small', 'pharmacy|large']
    """
    parts = []
    for col, cuts in dimensions.items():
        if col not in units.columns:
            raise ValidationError(f"rule_grid: no column '{col}'; the table has {list(units.columns)}")
        s = units[col]
        if s.isna().any():
            raise ValidationError(f"rule_grid: column '{col}' has {int(s.isna().sum())} missing values")
        if cuts is None:
            parts.append(s.astype(str))
            continue
        cuts = list(cuts)
        if sorted(cuts) != cuts:
            raise ValidationError(f"rule_grid: the cut-offs of '{col}' must increase; got {cuts}")
        names = list((labels or {}).get(col, [f"{col}_{i + 1}" for i in range(len(cuts) + 1)]))
        if len(names) != len(cuts) + 1:
            raise ValidationError(f"rule_grid: '{col}' has {len(cuts) + 1} bands but {len(names)} labels")
        idx = np.searchsorted(np.asarray(cuts, dtype=float), schemas.as_numbers(s, f"column '{col}'", "rule_grid"),
                              side="right")
        parts.append(pd.Series(np.asarray(names)[idx], index=units.index))
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out.rename("grid_class")


def grid_table(classes: pd.Series, value: pd.Series | None = None, min_cell: int = 1) -> pd.DataFrame:
    """Units and share per grid class (all classes that occur), with the total and share of ``value``
    (e.g. card volume); classes with fewer than ``min_cell`` units have their value suppressed.

    Parameters
    ----------
    classes : Series
        Grid class per unit.
    value : Series or None, optional
        Value per unit (e.g. card volume, currency); None: units only.
    min_cell : int, default 1
        Smallest cell whose value is shown (privacy suppression).

    Returns
    -------
    DataFrame
        One row per ``grid_class``: ``units``, ``share_of_units``, and with ``value`` its total ``value`` and
        ``share_of_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> table = segmentation.grid_table(pd.Series(['a|S', 'a|S', 'b|L']), pd.Series([1.0, 1.0, 8.0]))
    >>> table[['grid_class', 'units', 'share_of_value']].values.tolist()
    [['a|S', 2, 0.2], ['b|L', 1, 0.8]]
    """
    df = pd.DataFrame({"grid_class": classes.to_numpy(), "v": np.ones(len(classes)) if value is None
                       else schemas.as_numbers(value, "value", "grid_table")})
    t = df.groupby("grid_class").agg(units=("v", "size"), value=("v", "sum")).reset_index()
    t["share_of_units"] = t["units"] / t["units"].sum()
    t["share_of_value"] = t["value"] / t["value"].sum()
    small = t["units"] < min_cell
    t.loc[small, ["value", "share_of_value"]] = np.nan
    return t.drop(columns=["value"] if value is None else [])


def grid_migration(before: pd.Series, after: pd.Series, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of the units in each class of the first period that sit in each class of the second
    (rows add up to 1); units present in only one period are an error (count named).

    Parameters
    ----------
    before : Series
        Class per unit in the first period.
    after : Series
        Class per unit in the second period (same index).
    order : sequence of str or None, optional
        Classes in display order; None: sorted.

    Returns
    -------
    DataFrame
        Migration matrix: rows the first period's classes, columns the second's; each row sums to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> before = pd.Series(["S", "S", "L"], index=[1, 2, 3]); after = pd.Series(["S", "L", "L"], index=[1, 2, 3])
    >>> segmentation.grid_migration(before, after, ["S", "L"]).values.tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    b, a = before.dropna(), after.dropna()
    missing = b.index.symmetric_difference(a.index)
    if len(missing):
        raise ValidationError(f"grid_migration: {len(missing)} units are classed in only one of the two periods")
    t = pd.crosstab(b, a.reindex(b.index), normalize="index")
    if order is not None:
        t = t.reindex(index=[o for o in order if o in t.index], columns=[o for o in order if o in t.columns],
                      fill_value=0.0)
    t.index.name, t.columns.name = "from", "to"
    return t


def price_volume(transactions: pd.DataFrame, start: Any, end: Any, price_cuts: Sequence[float],
                 volume_cuts: Sequence[float], customers: Sequence[Any] | None = None,
                 quantity: str = "quantity") -> pd.DataFrame:
    """Per customer over [start, end]: units bought (``quantity``), spend, price per unit and the
    price x volume grid class (:func:`rule_grid` bands "price_low/mid/high" x "volume_low/mid/high").
    ``customers`` lists every customer to class: those without a purchase in the period get the class
    "no purchase" (they are counted, not dropped).

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction: ``customer_id``, ``date``, ``amount`` and ``quantity``.
    start : object
        First day of the period (inclusive).
    end : object
        Last day of the period (inclusive).
    price_cuts : sequence of float
        Two cut-offs of the price per unit (currency), low/mid/high.
    volume_cuts : sequence of float
        Two cut-offs of the units bought, low/mid/high.
    customers : sequence of object or None, optional
        Every customer to class; None: those with a purchase in the period.
    quantity : str, default 'quantity'
        Units column.

    Returns
    -------
    DataFrame
        One row per customer: ``units``, ``spend``, ``price_per_unit`` and ``grid_class``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> tx = pd.DataFrame({'customer_id': [1, 2], 'date': pd.to_datetime(['2024-01-05', '2024-01-06']),
    ...                    'amount': [30.0, 9.0],
    ...                    'quantity': [2, 1]})
    >>> grid = segmentation.price_volume(tx, '2024-01-01', '2024-03-31', (12, 16), (3, 7), customers=[1, 2, 3])
    >>> grid['grid_class'].tolist()
    ['price_mid|volume_low', 'price_low|volume_low', 'no purchase']
    """
    for col in ("customer_id", "date", "amount", quantity):
        if col not in transactions.columns:
            raise ValidationError(f"price_volume: the transactions have no column '{col}'")
    d = schemas.date_column(transactions, "date", "price_volume")
    window = transactions[(d >= schemas.as_date(start, "start", "price_volume"))
                          & (d <= schemas.as_date(end, "end", "price_volume"))]
    for col in ("amount", quantity):  # text or mixed: refused with a count, never summed
        if not pd.api.types.is_numeric_dtype(window[col]):
            window = window.assign(**{col: schemas.as_numbers(window[col], col, "price_volume")})
    per = window.groupby("customer_id").agg(units=(quantity, "sum"), spend=("amount", "sum"))
    zero = per["units"] <= 0
    if zero.any():
        raise ValidationError(f"price_volume: {int(zero.sum())} customers have purchases but no units in column "
                              f"'{quantity}'")
    per["price_per_unit"] = per["spend"] / per["units"]
    bands = {"price_per_unit": list(price_cuts), "units": list(volume_cuts)}
    names = {"price_per_unit": ["price_low", "price_mid", "price_high"], "units": ["volume_low", "volume_mid",
                                                                                 "volume_high"]}
    if len(price_cuts) != 2 or len(volume_cuts) != 2:
        raise ValidationError("price_volume: give two cut-offs each for price and volume (three bands)")
    per["grid_class"] = rule_grid(per, bands, names)
    if customers is not None:
        per = per.reindex(pd.Index(customers, name="customer_id"))
        per["grid_class"] = per["grid_class"].fillna("no purchase")
        per[["units", "spend"]] = per[["units", "spend"]].fillna(0)
    return per.reset_index()


def grid_matrix(classes: pd.Series, rows: Sequence[str], columns: Sequence[str],
                value: pd.Series | None = None) -> pd.DataFrame:
    """A two-dimensional grid ("row|column" classes) as a matrix of shares of units (or of ``value``),
    rows and columns in the given band order; classes outside the grid (e.g. "no purchase") are left
    out of the matrix and its shares.

    Parameters
    ----------
    classes : Series
        Grid class per unit, ``"row|column"`` (from :func:`rule_grid`).
    rows : sequence of str
        Row bands in display order.
    columns : sequence of str
        Column bands in display order.
    value : Series or None, optional
        Value per unit to share out (e.g. card volume); None: shares of units.

    Returns
    -------
    DataFrame
        Shares (0-1) with ``rows`` as index and ``columns`` as columns; the cells sum to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> classes = pd.Series(['high|low', 'low|low', 'low|high', 'no purchase'])
    >>> segmentation.grid_matrix(classes, ['high', 'low'], ['low', 'high']).round(3).values.tolist()
    [[0.333, 0.0], [0.333, 0.333]]
    """
    parts = classes.str.split("|", n=1, expand=True)
    if parts.shape[1] != 2:
        raise ValidationError("grid_matrix: classes must be 'row|column'")
    w = pd.Series(1.0 if value is None else schemas.as_numbers(value, "value", "grid_matrix"), index=classes.index)
    inside = parts[0].isin(rows) & parts[1].isin(columns)
    m = w[inside].groupby([parts[0][inside], parts[1][inside]]).sum().unstack(fill_value=0.0)
    m = m.reindex(index=list(rows), columns=list(columns), fill_value=0.0)
    return m / m.to_numpy().sum()
