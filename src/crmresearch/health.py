"""Customer-base health: effective customers, the activity funnel, inactivity rules, class grids.

Reported customer counts include empty and dormant accounts (cards issued but never used).
:func:`activity_status` classes every account at a date by documented rules — activated (ever
transacted), active (a transaction within ``inactive_days``), effective (active and a balance of at
least ``balance_floor``) — and :func:`funnel` follows issued → activated → active → effective over
time. :func:`rule_accuracy` compares inactivity rules and BG/NBD P(alive) with the true status
(precision and recall of "still alive"). :func:`rule_grid` classes units (retailers, accounts) on any
number of dimensions with documented cut-offs, :func:`grid_table` gives cell shares and
:func:`grid_migration` the movement between two periods. :func:`ordinal_level` predicts a new account's
grid level from its first days with an ordinal logit (statsmodels ``OrderedModel``).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way. Marketing
Science 24(2), 275-284. Wübben, M. and von Wangenheim, F. (2008). Instant customer base analysis:
managerial heuristics often "get it right". Journal of Marketing 72(3), 82-93.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import schemas
from .errors import ValidationError

__all__ = [
    "STATUSES",
    "activity_status",
    "early_and_level",
    "funnel",
    "grid_matrix",
    "grid_migration",
    "grid_table",
    "ordinal_level",
    "price_volume",
    "revenue_per_customer",
    "rule_accuracy",
    "rule_agreement",
    "rule_grid",
]

STATUSES = ("not yet issued", "never activated", "dormant", "active, low balance", "effective")


def activity_status(accounts: pd.DataFrame, transactions: Any, as_of: Any, inactive_days: float = 180,
                    balance_floor: float = 10.0, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Status of every account on ``as_of``: ``issued``, ``activated`` (a transaction on or before
    ``as_of``), ``active`` (the last one within ``inactive_days``), ``effective`` (active with a
    balance of at least ``balance_floor``; without a ``balance`` column, active), and ``status``.

    ``accounts``: ``account_id``, ``issued`` (date) and optionally ``balance`` (at ``as_of``).
    ``transactions``: any table :mod:`crmresearch.aggregate` reads (pandas, polars, DuckDB, a Parquet
    path...) with ``customer_id`` (the account), ``date``, ``amount`` (rename with ``columns``);
    the last transaction per account is computed where the table lives.

    Parameters
    ----------
    accounts : DataFrame
        One row per account: ``account_id``, ``issued`` (date), optional ``balance``.
    transactions : object
        Transaction table with ``customer_id`` (the account), ``date`` and ``amount``, anywhere
        :func:`~crmresearch.sources.as_source` reads.
    as_of : object
        Date of the status (Timestamp or ISO string).
    inactive_days : float, default 180
        An account with no transaction in this many days is inactive (180 = the usual six months).
    balance_floor : float, default 10.0
        Smallest balance (currency) of an effective account.
    columns : mapping of str to str or None, optional
        Our column name -> yours for the transactions; None when they use ours.

    Returns
    -------
    DataFrame
        One row per account: ``issued``, ``activated``, ``days_since_last``, ``active``, ``effective`` (bool)
        and ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> accounts = pd.DataFrame({'account_id': [1, 2], 'issued': pd.to_datetime(['2024-01-01', '2024-01-01']),
    ...                          'balance': [50.0, 0.0]})
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-06-01']), 'amount': [20.0]})
    >>> health.activity_status(accounts, tx, '2024-06-30')['status'].tolist()
    ['effective', 'never activated']
    """
    from .aggregate import rfm_table

    for col in ("account_id", "issued"):
        if col not in accounts.columns:
            raise ValidationError(f"activity_status: the accounts table has no column '{col}'; it has "
                                  f"{list(accounts.columns)}")
    if inactive_days <= 0 or balance_floor < 0:
        raise ValidationError(f"activity_status: inactive_days must be > 0 and balance_floor >= 0; got {inactive_days} "
                              f"and {balance_floor}")
    dup = accounts["account_id"].duplicated()
    if dup.any():
        raise ValidationError(f"activity_status: column 'account_id' repeats {int(dup.sum())} accounts")
    as_of = schemas.as_date(as_of, "as_of", "activity_status")
    issued = schemas.date_column(accounts, "issued", "activity_status")
    per = rfm_table(transactions, columns, caller="activity_status", before=as_of + pd.Timedelta(days=1))
    last = accounts["account_id"].map(per["last_purchase"])
    unknown = ~per.index.isin(accounts["account_id"])
    if unknown.any():
        raise ValidationError(f"activity_status: {int(unknown.sum())} accounts have transactions but are not in the "
                              "accounts table")
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(), "issued": (issued <= as_of).to_numpy()})
    out["activated"] = last.notna().to_numpy()
    out["days_since_last"] = (as_of - pd.to_datetime(last)).dt.days.to_numpy()
    out["active"] = out["activated"] & (out["days_since_last"] <= inactive_days)
    has_balance = "balance" in accounts.columns
    out["effective"] = out["active"] & ((accounts["balance"].to_numpy() >= balance_floor) if has_balance else True)
    out["status"] = np.select([~out["issued"], ~out["activated"], ~out["active"], ~out["effective"]],
                              list(STATUSES[:4]), STATUSES[4])
    return out


def funnel(accounts: pd.DataFrame, transactions: Any, dates: Sequence[Any], inactive_days: float = 180,
           columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Issued → activated → active counts at each date, with the shares of issued (balances are known
    only at the end, so the funnel over time stops at active; :func:`revenue_per_customer` adds the
    effective step at the end date).

    Parameters
    ----------
    accounts : DataFrame
        One row per account: ``account_id`` and ``issued`` (date).
    transactions : object
        Transaction table with ``customer_id`` (the account), ``date`` and ``amount``, anywhere
        :func:`~crmresearch.sources.as_source` reads.
    dates : sequence of object
        Dates at which to count.
    inactive_days : float, default 180
        An account with no transaction in this many days is inactive.
    columns : mapping of str to str or None, optional
        Our column name -> yours for the transactions; None when they use ours.

    Returns
    -------
    DataFrame
        One row per date: ``issued``, ``activated``, ``active`` counts, ``activated_share`` and ``active_share``
        of issued.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> accounts = pd.DataFrame({'account_id': [1, 2], 'issued': pd.to_datetime(['2024-01-01', '2024-03-01'])})
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-01-10']), 'amount': [20.0]})
    >>> table = health.funnel(accounts, tx, ['2024-01-31', '2024-03-31'])
    >>> table[['date', 'issued', 'activated', 'active']].values.tolist()
    [['2024-01-31', 1, 1, 1], ['2024-03-31', 2, 1, 1]]
    """
    rows = []
    acc = accounts.drop(columns=["balance"], errors="ignore")
    for d in dates:
        s = activity_status(acc, transactions, d, inactive_days, columns=columns)
        issued = int(s["issued"].sum())
        rows.append({"date": pd.Timestamp(d).strftime("%Y-%m-%d"), "issued": issued,
                     "activated": int(s["activated"].sum()), "active": int(s["active"].sum()),
                     "activated_share": int(s["activated"].sum()) / max(issued, 1),
                     "active_share": int(s["active"].sum()) / max(issued, 1)})
    return pd.DataFrame(rows)


def revenue_per_customer(status: pd.DataFrame, revenue: pd.Series) -> pd.DataFrame:
    """Customer counts and revenue per customer on each definition of the base (issued, activated,
    active, effective): the same revenue divided by ever fewer, truer customers. ``revenue`` is per
    account (indexed by account_id; accounts without revenue count 0).

    Parameters
    ----------
    status : DataFrame
        Output of :func:`activity_status`.
    revenue : Series
        Revenue per account (currency), indexed by account_id.

    Returns
    -------
    DataFrame
        One row per base definition (``customer_base``): ``accounts``, ``share_of_issued``, ``revenue`` and
        ``revenue_per_account`` (currency).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> status = pd.DataFrame({'account_id': [1, 2, 3], 'issued': [True] * 3, 'activated': [True, True, False],
    ...                        'active': [True, False, False], 'effective': [True, False, False]})
    >>> table = health.revenue_per_customer(status, pd.Series({1: 9.0, 2: 3.0}))
    >>> table[['customer_base', 'revenue_per_account']].values.tolist()
    [['issued', 4.0], ['activated', 6.0], ['active', 9.0], ['effective', 9.0]]
    """
    missing = [c for c in ("account_id", "issued", "activated", "active", "effective") if c not in status.columns]
    if missing:
        raise ValidationError(f"revenue_per_customer: the status table lacks column(s) {missing}; pass the output "
                              "of activity_status")
    rev = status["account_id"].map(revenue).fillna(0.0).to_numpy(dtype=float)
    rows = []
    for base in ("issued", "activated", "active", "effective"):
        m = status[base].to_numpy(dtype=bool)
        rows.append({"customer_base": base, "accounts": int(m.sum()), "share_of_issued": m.sum() / max(
            int(status["issued"].sum()), 1), "revenue": float(rev[m].sum()),
            "revenue_per_account": float(rev[m].sum() / max(int(m.sum()), 1))})
    return pd.DataFrame(rows)


def rule_agreement(predicted: Mapping[str, pd.Series], reference: str) -> pd.DataFrame:
    """How many accounts each rule calls "still alive" and how often it agrees with the ``reference`` rule: the
    comparison available when the true status is unknown (your data), where :func:`rule_accuracy` needs it.

    Parameters
    ----------
    predicted : mapping of str to Series
        Rule name -> boolean "still alive" per account, all on the same accounts.
    reference : str
        The rule the others are compared with (e.g. BG/NBD P(alive) above a threshold).

    Returns
    -------
    DataFrame
        One row per rule: ``rule``, ``accounts``, ``called_alive`` (count), ``share_called_alive`` and
        ``agreement`` (share of accounts on which it agrees with ``reference``).

    Raises
    ------
    ValidationError
        When ``reference`` is not one of the rules.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> calls = {'90 days': pd.Series([True, False, False, True]), 'P(alive)': pd.Series([True, True, False, True])}
    >>> health.rule_agreement(calls, 'P(alive)')[['rule', 'called_alive', 'agreement']].values.tolist()
    [['90 days', 2, 0.75], ['P(alive)', 3, 1.0]]
    """
    if reference not in predicted:
        raise ValidationError(f"rule_agreement: reference {reference!r} is not one of the rules {list(predicted)}")
    ref = predicted[reference].astype(bool)
    return pd.DataFrame([{"rule": name, "accounts": len(call), "called_alive": int(call.astype(bool).sum()),
                          "share_called_alive": float(call.astype(bool).mean()),
                          "agreement": float((call.astype(bool) == ref).mean())} for name, call in predicted.items()])


def rule_accuracy(predicted: Mapping[str, pd.Series], truth_alive: pd.Series) -> pd.DataFrame:
    """Precision, recall and accuracy of each rule's "still alive" call against the true status, for
    accounts that were ever activated: ``predicted`` maps rule name -> boolean Series by account.

    Parameters
    ----------
    predicted : mapping of str to Series
        Rule name -> boolean "still alive" per account.
    truth_alive : Series
        True status per account (bool).

    Returns
    -------
    DataFrame
        One row per rule: ``called_alive``, ``truly_alive`` (counts), ``precision``, ``recall`` and ``accuracy``
        (shares).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> truth = pd.Series([True, True, False, False])
    >>> table = health.rule_accuracy({"rule": pd.Series([True, False, False, True])}, truth)
    >>> table[["precision", "recall"]].values.tolist()
    [[0.5, 0.5]]
    """
    rows = []
    t = truth_alive.astype(bool)
    for name, pred in predicted.items():
        p = pred.reindex(t.index).astype(bool)
        tp = int((p & t).sum())
        rows.append({"rule": name, "called_alive": int(p.sum()), "truly_alive": int(t.sum()),
                     "precision": tp / max(int(p.sum()), 1), "recall": tp / max(int(t.sum()), 1),
                     "accuracy": float((p == t).mean())})
    return pd.DataFrame(rows)


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
    >>> from crmresearch import health
    >>> shops = pd.DataFrame({"format": ["fuel", "pharmacy"], "volume": [120.0, 1500.0]})
    >>> bands = {"volume": ["small", "medium", "large"]}
    >>> health.rule_grid(shops, {"format": None, "volume": [250, 1000]}, bands).tolist()
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
    >>> from crmresearch import health
    >>> table = health.grid_table(pd.Series(['a|S', 'a|S', 'b|L']), pd.Series([1.0, 1.0, 8.0]))
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
    >>> from crmresearch import health
    >>> before = pd.Series(["S", "S", "L"], index=[1, 2, 3]); after = pd.Series(["S", "L", "L"], index=[1, 2, 3])
    >>> health.grid_migration(before, after, ["S", "L"]).values.tolist()
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


def ordinal_level(train: pd.DataFrame, test: pd.DataFrame, level: str, features: Sequence[str],
                  levels: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ordinal logit (statsmodels ``OrderedModel``) of ``level`` (ordered ``levels``) on ``features``,
    fitted on ``train`` and scored on ``test``. Returns the coefficient table (estimate, std_error,
    z, p_value; the thresholds included) and the test confusion table (true level x predicted level,
    with ``accuracy`` in ``attrs``).

    Parameters
    ----------
    train : DataFrame
        Accounts to fit on.
    test : DataFrame
        Accounts to score.
    level : str
        Ordered outcome column.
    features : sequence of str
        Numeric feature columns.
    levels : sequence of str
        The outcome's levels, lowest first.

    Returns
    -------
    coefficients : DataFrame
        estimate, std_error, z, p_value per feature and threshold.
    confusion : DataFrame
        Test accounts by true level (rows) and predicted level (columns); ``attrs['accuracy']``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import health
    >>> rng = np.random.default_rng(0); x = rng.normal(size=300)
    >>> level = np.where(x + rng.normal(0, 0.5, 300) > 0.5, 'high', np.where(x > -0.5, 'mid', 'low'))
    >>> df = pd.DataFrame({'x': x, 'level': level})
    >>> coefs, confusion = health.ordinal_level(df[:200], df[200:], 'level', ['x'], ['low', 'mid', 'high'])
    >>> confusion.attrs['accuracy'] > 0.6
    True
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    for df, name in ((train, "train"), (test, "test")):
        absent = [c for c in (level, *features) if c not in df.columns]
        if absent:
            raise ValidationError(f"ordinal_level: the {name} table has no column(s) {absent}")
        bad = ~df[level].isin(levels)
        if bad.any():
            raise ValidationError(f"ordinal_level: {int(bad.sum())} {name} rows have a level not in {list(levels)}")
    from .design import design_matrix

    y = pd.Categorical(train[level], categories=list(levels), ordered=True)
    X = design_matrix(train, list(features), "ordinal_level")  # constant or collinear features: a clear error
    mean, sd = X.mean(), X.std(ddof=0).replace(0, 1)
    model = OrderedModel(pd.Series(y, index=X.index), (X - mean) / sd, distr="logit")
    fit = model.fit(method="bfgs", disp=False, maxiter=2000)
    coefs = pd.DataFrame({"term": fit.params.index, "estimate": fit.params.to_numpy(), "std_error": fit.bse.to_numpy(),
                          "z": fit.tvalues.to_numpy(), "p_value": fit.pvalues.to_numpy()})
    proba = np.asarray(fit.model.predict(fit.params, exog=((test[list(features)].astype(float) - mean) / sd)))
    pred = np.asarray(levels)[proba.argmax(axis=1)]
    confusion = pd.crosstab(pd.Categorical(test[level], categories=list(levels)),
                            pd.Categorical(pred, categories=list(levels)), dropna=False)
    confusion.index.name, confusion.columns.name = "true_level", "predicted_level"
    confusion.attrs["accuracy"] = float((pred == test[level].to_numpy()).mean())
    return coefs, confusion


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
    >>> from crmresearch import health
    >>> tx = pd.DataFrame({'customer_id': [1, 2], 'date': pd.to_datetime(['2024-01-05', '2024-01-06']),
    ...                    'amount': [30.0, 9.0],
    ...                    'quantity': [2, 1]})
    >>> grid = health.price_volume(tx, '2024-01-01', '2024-03-31', (12, 16), (3, 7), customers=[1, 2, 3])
    >>> grid['grid_class'].tolist()
    ['price_mid|volume_low', 'price_low|volume_low', 'no purchase']
    """
    for col in ("customer_id", "date", "amount", quantity):
        if col not in transactions.columns:
            raise ValidationError(f"price_volume: the transactions have no column '{col}'")
    d = schemas.date_column(transactions, "date", "price_volume")
    window = transactions[(d >= schemas.as_date(start, "start", "price_volume"))
                          & (d <= schemas.as_date(end, "end", "price_volume"))]
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


def early_and_level(transactions: pd.DataFrame, end: Any, early_days: int, level_days: int,
                    level_cuts: Sequence[float], levels: Sequence[str] = ("low", "mid", "high")) -> pd.DataFrame:
    """For accounts whose first transaction is at least ``level_days`` before ``end``: behaviour in the
    first ``early_days`` days (transactions, spend, active days, days to the second purchase, capped)
    and the level reached by spend in the first ``level_days`` days, cut at ``level_cuts``.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction: ``customer_id``, ``date``, ``amount``.
    end : object
        Last day of the data.
    early_days : int
        Days of early behaviour (e.g. 30).
    level_days : int
        Days over which the level is measured (e.g. 365).
    level_cuts : sequence of float
        Spend cut-offs between the levels (currency), increasing.
    levels : sequence of str, default ('low', 'mid', 'high')
        Names of the levels, one more than ``level_cuts``.

    Returns
    -------
    DataFrame
        One row per account: the early-behaviour features and ``level`` (ordered categorical).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import health
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2023-01-01', '2023-02-01', '2023-01-10']),
    ...                    'amount': [200.0, 150.0, 20.0]})
    >>> table = health.early_and_level(tx, '2024-06-30', 90, 365, (300, 1500))
    >>> table[['customer_id', 'early_transactions', 'level']].values.tolist()
    [[1, 2, 'mid'], [2, 1, 'low']]
    """
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise ValidationError(f"early_and_level: the transactions have no column '{col}'")
    if len(level_cuts) != len(levels) - 1:
        raise ValidationError(f"early_and_level: {len(levels)} levels need {len(levels) - 1} cut-offs")
    if transactions.empty:
        raise ValidationError("early_and_level: the transactions table has no rows")
    tx = transactions.assign(date=schemas.date_column(transactions, "date", "early_and_level"))
    first = tx.groupby("customer_id")["date"].transform("min")
    age = (tx["date"] - first).dt.days
    end_ts = schemas.as_date(end, "end", "early_and_level")
    eligible = tx.groupby("customer_id")["date"].min() <= end_ts - pd.Timedelta(days=level_days)
    tx = tx.assign(age=age)[tx["customer_id"].map(eligible)]
    early = tx[tx["age"] < early_days]
    out = early.groupby("customer_id").agg(early_transactions=("amount", "size"), early_spend=("amount", "sum"),
                                           early_active_days=("date", "nunique"))
    out["early_log_spend"] = np.log1p(out["early_spend"])
    spend = tx[tx["age"] < level_days].groupby("customer_id")["amount"].sum()
    out["level_spend"] = spend.reindex(out.index)
    out["level"] = np.asarray(levels)[np.searchsorted(np.asarray(level_cuts, float), out["level_spend"].to_numpy(),
                                                      side="right")]
    return out.reset_index()


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
    >>> from crmresearch import health
    >>> classes = pd.Series(['high|low', 'low|low', 'low|high', 'no purchase'])
    >>> health.grid_matrix(classes, ['high', 'low'], ['low', 'high']).round(3).values.tolist()
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
