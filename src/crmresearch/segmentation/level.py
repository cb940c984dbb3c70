"""A new account's level from its first days: early behaviour and the later level, and an
ordinal logit (statsmodels ``OrderedModel``) that predicts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from .._extras import require
from ..errors import ValidationError

__all__ = ["LEVEL_DAYS", "early_and_level", "ordinal_level"]

#: Days over which an account's level is measured: its first year's spend.
LEVEL_DAYS = 365


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
    >>> from crmresearch import segmentation
    >>> rng = np.random.default_rng(0); x = rng.normal(size=300)
    >>> level = np.where(x + rng.normal(0, 0.5, 300) > 0.5, 'high', np.where(x > -0.5, 'mid', 'low'))
    >>> df = pd.DataFrame({'x': x, 'level': level})
    >>> coefs, confusion = segmentation.ordinal_level(df[:200], df[200:], 'level', ['x'], ['low', 'mid', 'high'])
    >>> confusion.attrs['accuracy'] > 0.6
    True
    """
    require("statsmodels", by="segmentation.ordinal_level")
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    for df, name in ((train, "train"), (test, "test")):
        absent = [c for c in (level, *features) if c not in df.columns]
        if absent:
            raise ValidationError(f"ordinal_level: the {name} table has no column(s) {absent}")
        bad = ~df[level].isin(levels)
        if bad.any():
            raise ValidationError(f"ordinal_level: {int(bad.sum())} {name} rows have a level not in {list(levels)}")
    from ..core.design import design_matrix

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
    >>> from crmresearch import segmentation
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2023-01-01', '2023-02-01', '2023-01-10']),
    ...                    'amount': [200.0, 150.0, 20.0]})
    >>> table = segmentation.early_and_level(tx, '2024-06-30', 90, 365, (300, 1500))
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
    if not pd.api.types.is_numeric_dtype(tx["amount"]):  # text or mixed: refused with a count, never summed
        tx = tx.assign(amount=schemas.as_numbers(tx["amount"], "amount", "early_and_level"))
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
