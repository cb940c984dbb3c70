"""Composite customer value: value score and classes, current x potential matrix, cost to serve.

The five value dimensions of bank customer-value practice are contribution (profit brought),
support (share of wallet / products held), credit (creditworthiness), growth (trend of
business) and influence (referrals, word of mouth). Customers are scored on a weighted sum of
standardised dimensions and classed core / general / problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..schemas.checks import as_numbers

__all__ = [
    "DEFAULT_CHANNEL_COSTS",
    "DEFAULT_SERVICE_MODEL",
    "DEFAULT_VALUE_WEIGHTS",
    "class_summary",
    "cost_to_serve",
    "current_potential_matrix",
    "peak_profit_share",
    "service_table",
    "value_growth",
    "value_score",
]

#: Weights of the five value dimensions (sum 1): contribution dominates, as in bank practice.
DEFAULT_VALUE_WEIGHTS: dict[str, float] = {
    "contribution": 0.40, "support": 0.20, "credit": 0.20, "growth": 0.10, "influence": 0.10,
}
#: Cost per transaction by channel, USD (orders of magnitude of published bank cost-per-
#: transaction comparisons: branch teller ~4, call centre ~3, ATM < 1, digital ~0.1-0.2).
DEFAULT_CHANNEL_COSTS: dict[str, float] = {
    "branch": 4.00, "phone": 3.00, "atm": 0.75, "pos": 0.05, "online": 0.15, "mobile": 0.10,
}
#: Differentiated service model per pyramid tier (Zeithaml, Rust & Lemon 2001).
DEFAULT_SERVICE_MODEL: dict[str, str] = {
    "platinum": "dedicated relationship manager; proactive retention",
    "gold": "priority line and named advisor team",
    "iron": "standard service with targeted digital offers",
    "lead": "digital self-service first; review below-cost accounts",
}
CLASSES = ("core", "general", "problem")


def value_score(
    df: pd.DataFrame,
    weights: Mapping[str, float] = DEFAULT_VALUE_WEIGHTS,
    class_cuts: tuple[float, float] = (0.20, 0.90),
    robust: bool = True,
) -> pd.DataFrame:
    """Composite value score and core / general / problem classes.

    Each dimension is standardised (``robust``: (x - median) / IQR-based scale, so a few
    extreme customers do not dominate; else the z-score), multiplied by its weight and summed.
    Customers are ranked by score: the top ``class_cuts[0]`` share is *core*, down to
    ``class_cuts[1]`` *general*, the rest *problem* (ties broken by index order).

    Parameters
    ----------
    df : DataFrame, one row per customer, holding every column named in ``weights``
    weights : mapping column -> weight
        Default :data:`DEFAULT_VALUE_WEIGHTS`. Negative weights are allowed (a risk measure).
    class_cuts : (float, float)
        Cumulative top shares closing the core and general classes.

    Returns
    -------
    DataFrame (same index)
        ``z_<column>`` per dimension, ``value_score`` and ``value_class`` (ordered categorical).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> df = pd.DataFrame({'contribution': [100.0, 50, 10, 5, 1], 'support': [3, 2, 1, 1, 1],
    ...                    'credit': [700, 650, 600, 580, 500], 'growth': [0.1, 0, 0, -0.1, -0.2],
    ...                    'influence': [2, 1, 0, 0, 0]})
    >>> segmentation.value_score(df)['value_class'].tolist()
    ['core', 'general', 'general', 'general', 'general']
    """
    missing = [c for c in weights if c not in df.columns]
    if missing:
        raise ValidationError(f"value_score: missing dimension column(s) {missing}; have {list(df.columns)}")
    lo, hi = class_cuts
    if not 0 < lo < hi < 1:
        raise ValidationError(f"value_score: class_cuts must satisfy 0 < core < general < 1; got {class_cuts}")
    out = pd.DataFrame(index=df.index)
    score = np.zeros(len(df))
    for col, w in weights.items():
        x = pd.to_numeric(df[col], errors="coerce").astype(float)
        bad = x.isna()
        if bad.any():
            raise ValidationError(f"value_score: column '{col}' has {int(bad.sum())} of {len(df)} missing or "
                                  f"non-numeric values (first rows: {', '.join(map(str, df.index[bad][:5]))})")
        if robust:
            q1, med, q3 = np.percentile(x, [25, 50, 75])
            scale = (q3 - q1) / 1.349
            if scale == 0:
                scale = x.std(ddof=0)
            centre = med
        else:
            centre, scale = x.mean(), x.std(ddof=0)
        if not scale > 0:
            raise ValidationError(f"value_score: column '{col}' is constant; it cannot rank customers")
        z = (x - centre) / scale
        out[f"z_{col}"] = z
        score += w * z.to_numpy()
    out["value_score"] = score
    n = len(df)
    order = np.argsort(-score, kind="stable")
    bounds = np.floor(np.array(class_cuts) * n + 0.5).astype(int)
    codes = np.empty(n, dtype=int)
    codes[order] = np.searchsorted(bounds, np.arange(n), side="right")
    out["value_class"] = pd.Categorical.from_codes(codes, list(CLASSES), ordered=True)
    return out


def current_potential_matrix(
    current: pd.Series,
    potential: pd.Series,
    grid: int = 2,
) -> tuple[pd.Series, pd.DataFrame]:
    """Place customers in a ``grid`` x ``grid`` matrix of current value by future potential.

    Each axis is cut at its quantiles (median for 2, terciles for 3); ties share a band.

    Returns
    -------
    cell : Series (same index), labels like ``"high current / low potential"``
    table : DataFrame, one row per cell
        ``current_band``, ``potential_band``, ``customers``, ``customer_share``,
        ``current_value``, ``current_share``, ``potential_value``, ``potential_share``.

    Parameters
    ----------
    current : Series
        Current value per customer.
    potential : Series
        Potential (future) value per customer, same index.
    grid : int, default 2
        Bands per axis: 2 (median split) or 3 (terciles).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> bands, matrix = segmentation.current_potential_matrix(pd.Series([1.0, 2, 3, 4]), pd.Series([4.0, 3, 2, 1]))
    >>> bands.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['low current / high potential', 'low current / high potential', 'high current / low potential',
     'high current / low potential']
    """
    if grid not in (2, 3):
        raise ValidationError(f"current_potential_matrix: grid must be 2 or 3; got {grid}")
    if not current.index.equals(potential.index):
        raise ValidationError("current_potential_matrix: current and potential must share one customer index")
    names = ("low", "high") if grid == 2 else ("low", "medium", "high")

    def band(s: pd.Series) -> pd.Series:
        rank = s.rank(method="min", pct=False).to_numpy()
        codes = np.minimum(np.floor(grid * (rank - 1) / len(s)).astype(int), grid - 1)
        return pd.Series(pd.Categorical.from_codes(codes, list(names), ordered=True), index=s.index)

    cb, pb = band(current), band(potential)
    cell = cb.astype(str) + " current / " + pb.astype(str) + " potential"
    frame = pd.DataFrame({"current_band": cb, "potential_band": pb, "current": current, "potential": potential})
    g = frame.groupby(["current_band", "potential_band"], observed=False)
    table = pd.DataFrame({"customers": g.size(), "current_value": g["current"].sum(),
                          "potential_value": g["potential"].sum()}).reset_index()
    table["customer_share"] = table["customers"] / table["customers"].sum()
    table["current_share"] = table["current_value"] / table["current_value"].sum()
    table["potential_share"] = table["potential_value"] / table["potential_value"].sum()
    table = table.sort_values(["current_band", "potential_band"], ascending=False, ignore_index=True)
    for c in ("current_band", "potential_band"):
        table[c] = table[c].astype(str)
    cols = ["current_band", "potential_band", "customers", "customer_share", "current_value",
            "current_share", "potential_value", "potential_share"]
    return cell.rename("cell"), table[cols]


def cost_to_serve(
    transactions: Any,
    margin_rate: float,
    channel_costs: Mapping[str, float] | float = DEFAULT_CHANNEL_COSTS,
    fixed_cost: float = 0.0,
    customer: str = "customer_id",
    amount: str = "amount",
    channel: str | None = "channel",
    all_customers: Sequence[object] | pd.Series | None = None,
) -> pd.DataFrame:
    """Margin minus cost to serve per customer; flags customers served below cost.

    margin = ``margin_rate`` x sum of amounts; cost = sum of per-transaction channel costs +
    ``fixed_cost`` per customer (account keeping over the period); profit = margin - cost.

    Parameters
    ----------
    margin_rate : float
        Margin earned per currency unit of transaction amount (e.g. 0.01 for 1 %).
    channel_costs : mapping channel -> cost per transaction, or one cost for every transaction
        Currency units. Default :data:`DEFAULT_CHANNEL_COSTS`. A channel missing from the
        mapping is an error, not a zero cost.
    fixed_cost : float
        Cost per customer over the period (currency units).
    all_customers : ids, optional
        Customers without transactions get margin 0 and the fixed cost.

    Returns
    -------
    DataFrame indexed by customer
        ``transactions``, ``margin``, ``cost``, ``profit``, ``below_cost`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> days = pd.to_datetime(['2024-01-05', '2024-03-01', '2024-02-01', '2024-02-20'])
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2, 3], 'date': days, 'amount': [40.0, 60.0, 15.0, 300.0]})
    >>> segmentation.cost_to_serve(tx, margin_rate=0.1, channel_costs=2.0).columns.tolist()[:4]
    ['transactions', 'margin', 'cost', 'profit']
    """
    if margin_rate < 0 or fixed_cost < 0:
        raise ValidationError("cost_to_serve: margin_rate and fixed_cost must be >= 0")
    from ..sources import aggregate

    by_channel = isinstance(channel_costs, Mapping)
    if isinstance(transactions, pd.DataFrame) and by_channel and (channel is None or channel not in transactions):
        raise ValidationError(f"cost_to_serve: channel costs by channel need the column '{channel}'")
    # transactions and amount per customer and channel, computed where the table lives
    per = aggregate.channel_totals(transactions, channel if by_channel else None,
                                   columns={"customer": customer, "amount": amount})
    if by_channel:
        unknown = sorted(set(per["channel"]) - set(channel_costs))
        if unknown:
            n_bad = int(per.loc[per["channel"].isin(unknown), "transactions"].sum())
            raise ValidationError(f"cost_to_serve: {n_bad} of {int(per['transactions'].sum())} transactions use "
                                  f"channel(s) {unknown} without a cost; give channel_costs for every channel")
        unit = per["channel"].map(channel_costs).astype(float)
    else:
        unit = pd.Series(float(channel_costs), index=per.index)
    g = per.assign(cost=unit * per["transactions"]).groupby("customer_id", sort=True)
    out = pd.DataFrame({"transactions": g["transactions"].sum(), "margin": g["amount"].sum() * margin_rate,
                        "cost": g["cost"].sum()})
    if all_customers is not None:
        book = pd.Index(pd.unique(np.asarray(all_customers))).sort_values()
        out = out.reindex(book, fill_value=0)
    out["cost"] = out["cost"] + fixed_cost
    out["profit"] = out["margin"] - out["cost"]
    out["below_cost"] = out["profit"] < 0
    out.index.name = customer
    return out


def service_table(
    customers: pd.DataFrame,
    tier: str = "tier",
    service_model: Mapping[str, str] = DEFAULT_SERVICE_MODEL,
) -> pd.DataFrame:
    """Differentiated service per tier: customers, value, margin, cost, profit, share below cost.

    ``customers`` needs columns ``tier``, ``revenue``, ``margin``, ``cost``, ``profit`` and
    ``below_cost`` (see :func:`cost_to_serve`).

    Parameters
    ----------
    customers : DataFrame
        One row per customer (see above).
    tier : str, default 'tier'
        Tier column.
    service_model : mapping of str to str, default the four tiers' service models
        Tier -> the service it gets (the bank's documented policy).

    Returns
    -------
    DataFrame
        One row per tier (categorical order, else the order of ``service_model``, then by name): customers,
        revenue, margin, cost to serve, profit, profit per customer, below-cost share, profit share and the
        service model.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> customers = pd.DataFrame({'tier': ['platinum', 'gold', 'lead', 'lead'], 'revenue': [900.0, 300, 40, 10],
    ...                           'margin': [450.0, 150, 20, 5], 'cost': [100.0, 60, 25, 25]})
    >>> customers['profit'] = customers['margin'] - customers['cost']
    >>> customers['below_cost'] = customers['profit'] < 0
    >>> t = segmentation.service_table(customers)
    >>> t[['tier', 'customers', 'profit']].values.tolist()
    [['platinum', 1, 350.0], ['gold', 1, 90.0], ['lead', 2, -25.0]]
    """
    need = [tier, "revenue", "margin", "cost", "profit", "below_cost"]
    missing = [c for c in need if c not in customers.columns]
    if missing:
        raise ValidationError(f"service_table: missing column(s) {missing}")
    g = customers.groupby(tier, observed=False)
    out = pd.DataFrame({
        "customers": g.size(), "revenue": g["revenue"].sum(), "margin": g["margin"].sum(),
        "cost_to_serve": g["cost"].sum(), "profit": g["profit"].sum(),
        "profit_per_customer": g["profit"].mean(), "share_below_cost": g["below_cost"].mean(),
    })
    out["profit_share"] = out["profit"] / out["profit"].sum()
    out.index = out.index.astype(str)
    out = out.reset_index().rename(columns={tier: "tier", "index": "tier"})
    if not isinstance(customers[tier].dtype, pd.CategoricalDtype):  # plain labels: the service model's order
        rank = {name: i for i, name in enumerate(service_model)}
        out = out.sort_values("tier", key=lambda t: t.map(lambda v: (rank.get(v, len(rank)), v)),
                              ignore_index=True)
    out["service_model"] = out["tier"].map(dict(service_model)).fillna("")
    return out


def value_growth(
    transactions: pd.DataFrame,
    split: str | pd.Timestamp,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    all_customers: Sequence[object] | pd.Series | None = None,
) -> pd.Series:
    """Growth of each customer's business: log(1 + value after ``split``) - log(1 + value before).

    0 = unchanged, log(2) ~ 0.69 = doubled; customers without transactions on one side count 0
    there. Used as the *growth* dimension of :func:`value_score`.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction.
    split : str or Timestamp
        Date that separates before from after.
    customer : str, default 'customer_id'
        Customer id column.
    date : str, default 'date'
        Date column.
    amount : str, default 'amount'
        Amount column (currency units).
    all_customers : sequence of object or Series or None, optional
        Every customer to score (those without transactions get 0); None: customers in ``transactions``.

    Returns
    -------
    Series
        Log growth per customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2024-01-10', '2024-08-10', '2024-02-01']),
    ...                    'amount': [10.0, 30.0, 5.0]})
    >>> segmentation.value_growth(tx, '2024-07-01').round(2).tolist()
    [1.04, -1.79]
    """
    from ..schemas.checks import as_date, date_column

    split_ts = as_date(split, "split", "value_growth")
    when = date_column(transactions, date, "value_growth")
    before = transactions.loc[when < split_ts].groupby(customer)[amount].sum()
    after = transactions.loc[when >= split_ts].groupby(customer)[amount].sum()
    ids = pd.Index(pd.unique(np.asarray(all_customers))) if all_customers is not None \
        else before.index.union(after.index)
    ids = ids.sort_values()
    g = np.log1p(after.reindex(ids, fill_value=0.0)) - np.log1p(before.reindex(ids, fill_value=0.0))
    g.index.name = customer
    return g.rename("growth")


def peak_profit_share(profit: pd.Series) -> float:
    """Height of the whale curve: the most profitable customers' cumulative profit at its peak,
    as a share of total profit (e.g. 1.6 = the profitable customers earn 160 % of the total and
    the rest destroy 60 %). Requires a positive total profit.

    Parameters
    ----------
    profit : Series
        Profit per customer (currency units).

    Returns
    -------
    float
        Peak cumulative profit / total profit (>= 1).

    Raises
    ------
    ValidationError
        When the total profit is not positive.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> segmentation.peak_profit_share(pd.Series([50.0, 30.0, 20.0, -20.0]))   # the best earn 125 % of the total
    1.25
    """
    p = np.sort(as_numbers(profit, "profit", "peak_profit_share"))[::-1]
    if not np.all(np.isfinite(p)):
        raise ValidationError(f"peak_profit_share: {int((~np.isfinite(p)).sum())} of {p.size} profits are missing "
                              "or infinite")
    total = p.sum()
    if not total > 0:
        raise ValidationError(f"peak_profit_share: total profit must be positive; got {total:.2f}")
    return float(np.max(np.cumsum(p)) / total)


def class_summary(df: pd.DataFrame, dimensions: Sequence[str], value_class: str = "value_class",
                  value: str = "revenue", profit: str = "profit") -> pd.DataFrame:
    """Per value class: customers, share, mean of each raw dimension, share of value and profit.

    Parameters
    ----------
    df : DataFrame
        One row per customer with the value class, dimensions, value and profit.
    dimensions : sequence of str
        Raw dimension columns whose means are reported.
    value_class : str, default 'value_class'
        Value-class column.
    value : str, default 'revenue'
        Value column (currency units).
    profit : str, default 'profit'
        Profit column (currency units).

    Returns
    -------
    DataFrame
        One row per value class.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> df = pd.DataFrame({'value_class': ['core', 'general', 'problem'], 'revenue': [900.0, 200.0, 30.0],
    ...                    'profit': [300.0, 20.0, -10.0],
    ...                    'contribution': [300.0, 20.0, -10.0]})
    >>> segmentation.class_summary(df, ['contribution'])['value_class'].tolist()
    ['core', 'general', 'problem']
    """
    need = [value_class, value, profit, *dimensions]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValidationError(f"class_summary: missing column(s) {missing}")
    g = df.groupby(value_class, observed=False)
    out = pd.DataFrame({"customers": g.size()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    for d in dimensions:
        out[f"{d}_mean"] = g[d].mean()
    out[f"{value}_share"] = g[value].sum() / df[value].sum()
    out[f"{profit}_total"] = g[profit].sum()
    out.index = out.index.astype(str)
    return out.reset_index().rename(columns={value_class: "value_class", "index": "value_class"})
