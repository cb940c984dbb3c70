"""Churn scores: the churn table of a base, the calibrated churn classifier, and the churn
snapshot (features and 12-month outcome at a date) built from spells and transactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .classifier import CalibratedClassifier

__all__ = ["ChurnClassifier", "churn_classifier", "churn_features", "churn_snapshot", "churn_table"]


def churn_table(df: pd.DataFrame, churned: str = "churned", value: str = "value",
                customer: str = "customer_id") -> pd.DataFrame:
    """A churn snapshot, checked: one row per customer, ``churned`` 0/1 (left within the window),
    ``value`` the finite value of keeping the customer (currency units, e.g. a CLV or a year's margin).
    Missing values are an error; returns a copy with ``churned`` integer and ``value`` float.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    churned : str, default 'churned'
        Churn column (0/1).
    value : str, default 'value'
        Value column (currency units).
    customer : str, default 'customer_id'
        Customer id column.

    Raises
    ------
    ValidationError
        Duplicate ids, missing values, churn other than 0/1, or non-finite values; counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival, targeting
    >>> df = pd.DataFrame({'customer_id': [1, 2], 'churned': [1, 0], 'value': [100.0, 250.0]})
    >>> targeting.churn_table(df)['churned'].tolist()
    [1, 0]
    """
    from ..errors import ValidationError
    from ..schemas.checks import as_binary

    for c in (customer, churned, value):
        if c not in df.columns:
            raise ValidationError(f"churn_table: missing column '{c}'; the table has {list(df.columns)[:15]}")
        n = int(df[c].isna().sum())
        if n:
            raise ValidationError(f"churn_table: column '{c}': {n} of {len(df)} rows are missing")
    dup = int(df[customer].duplicated().sum())
    if dup:
        raise ValidationError(f"churn_table: column '{customer}': {dup} of {len(df)} rows repeat a customer")
    as_binary(df[churned], f"column '{churned}'", "churn_table")
    v = pd.to_numeric(df[value], errors="coerce")
    nonfinite = ~np.isfinite(v.to_numpy(dtype=float))
    if nonfinite.any():
        raise ValidationError(f"churn_table: column '{value}': {int(nonfinite.sum())} of {len(df)} rows are not "
                              "finite numbers")
    if df[churned].astype(int).nunique() < 2:
        raise ValidationError(f"churn_table: column '{churned}' has one value only; a churn model needs churners "
                              "and stayers")
    return df.assign(**{churned: df[churned].astype(int), value: v.astype(float)})


def churn_features(customers: pd.DataFrame, features: Sequence[str] | str = "auto",
                   listed: Sequence[str] | None = None, churned: str = "churned",
                   exclude: Sequence[str] = ("customer_id", "churned", "value")) -> tuple[list[str], list[str]]:
    """The feature columns of a churn model on a churn table, checked: ``features`` if named, else ``listed``
    (a data source file's ``features:``), else every column but ``exclude`` (the id, the outcome, the value).

    Every chosen column is screened (:func:`crmresearch.core.design.screen_features`): a name like ``churn*``,
    ``cancel*``, ``*_id``, an identifier (a different value on every row) or a column that alone separates the
    outcome almost perfectly. Taken by default (every other column) such a column is an error, since it would
    leak the outcome or memorise ids; named by you (``features`` or ``listed``) it is kept with a warning.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (a :func:`churn_table`).
    features : sequence of str or 'auto', default 'auto'
        The features; ``'auto'``: ``listed``, or every column but ``exclude``.
    listed : sequence of str or None, optional
        The features a data source file lists; None: none listed.
    churned : str, default 'churned'
        The 0/1 outcome column.
    exclude : sequence of str, default ('customer_id', 'churned', 'value')
        Columns that are never features.

    Returns
    -------
    tuple of (list of str, list of str)
        The features, and warnings about named columns that look like an id or the outcome.

    Raises
    ------
    ValidationError
        A column that is absent, excluded, a date, has missing values (counted), or (taken by default)
        looks like an id or the outcome; no feature at all.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import targeting
    >>> df = pd.DataFrame({"customer_id": range(60), "churned": [0, 1, 1] * 20, "value": 9.0,
    ...                    "plan": ["a", "b", "b", "a"] * 15, "calls": [0, 1, 2, 3, 4, 5] * 10})
    >>> targeting.churn_features(df)
    (['plan', 'calls'], [])
    >>> reason = df.assign(churn_reason=df["churned"].map({0: "", 1: "price"}))
    >>> targeting.churn_features(reason, listed=["plan", "churn_reason"])[1]  # taken by default: an error
    ["feature 'churn_reason' is kept because you named it, but its name looks like an outcome or an id"]
    """
    from ..core.design import screen_features
    from ..errors import ValidationError

    named = features != "auto" or listed is not None
    if features != "auto":
        chosen = list(dict.fromkeys(features))
    elif listed is not None:
        chosen = list(dict.fromkeys(listed))
    else:
        chosen = [c for c in customers.columns if c not in exclude]
    if not chosen:
        raise ValidationError("churn_features: no feature columns; the table has only "
                              f"{list(customers.columns)[:15]}")
    absent = [c for c in chosen if c not in customers.columns]
    if absent:
        raise ValidationError(f"churn_features: column(s) {absent} are not in your customers; they have "
                              f"{list(customers.columns)[:15]}")
    roles = [c for c in chosen if c in exclude]
    if roles:
        raise ValidationError(f"churn_features: {roles} are the customer id, the outcome or the value, not features")
    suspects = screen_features(customers, churned, chosen)
    if suspects and not named:
        what = "; ".join(f"'{c}': {why}" for c, why in suspects.items())
        raise ValidationError(f"churn_features: column(s) that look like an id or the outcome would become "
                              f"features ({what}); name the features (features: [...] in the data source file, "
                              "or the study's features parameter) without them")
    dates = [c for c in chosen if pd.api.types.is_datetime64_any_dtype(customers[c])
             or pd.api.types.is_timedelta64_dtype(customers[c])]
    if dates:
        raise ValidationError(f"churn_features: column(s) {dates} are dates; a churn model takes numbers, booleans "
                              "or categories (turn a date into a duration, e.g. tenure in months, or leave it out)")
    na = customers[chosen].isna()
    if na.to_numpy().any():
        counts = {c: int(n) for c, n in na.sum().items() if n}
        raise ValidationError(f"churn_features: missing values in {counts} (rows per column) of "
                              f"{len(customers)} customers; impute them or leave the column out")
    warnings = [f"feature '{c}' is kept because you named it, but {why}" for c, why in suspects.items()]
    return chosen, warnings


class ChurnClassifier(CalibratedClassifier):
    """Calibrated churn classifier (:class:`crmresearch.classify.CalibratedClassifier` under the name
    of the churn studies): ``predict_proba`` returns ``churn_probability`` per customer.

    Parameters
    ----------
    model : str, default 'logistic'
        ``'logistic'`` or ``'gradient_boosting'``.
    cv : int, default 5
        Folds for calibration and the cross-validated AUC.
    seed : int, default 0
        Random state.
    calibration : str, default 'isotonic'
        ``'isotonic'`` or ``'sigmoid'``.
    C, max_iter, learning_rate, max_leaf_nodes, boosting_max_iter : float or int
        Settings of the logistic regression and the boosting model, as in
        :class:`~crmresearch.targeting.CalibratedClassifier`.

    Attributes
    ----------
    pipeline_ : fitted scikit-learn CalibratedClassifierCV around preprocessing + model
    cv_auc_, cv_auc_sd_ : mean and SD of the fold AUCs; n_obs_ (customers), churn_rate_
    params_ : ``model='logistic'`` only: fold-averaged log-odds coefficients (see CalibratedClassifier)
    summary : ``logistic``: estimate and fold_sd per coefficient (index ``parameter``);
        ``gradient_boosting`` (no coefficients): ``performance``
    performance : one row: model, calibration, customers, churn_rate, cv_auc, cv_auc_sd
    n_customers_ : deprecated alias of ``n_obs_`` (removed in the next release)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival, targeting
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'tenure': rng.uniform(0, 60, 300)})
    >>> y = (rng.random(300) < np.exp(-X['tenure'] / 20)).astype(int)
    >>> targeting.ChurnClassifier(cv=3).fit(X, y).predict_proba(X.head(1)).name
    'churn_probability'
    """

    _caller = "churn_classifier"
    _probability = "churn_probability"
    _rate = "churn_rate"


def churn_classifier(X: pd.DataFrame, y: pd.Series | np.ndarray, model: str = "logistic", cv: int = 5,
                     seed: int = 0, calibration: str = "isotonic") -> ChurnClassifier:
    """:class:`ChurnClassifier` fitted on ``X``, ``y`` (see there).

    Parameters
    ----------
    X : DataFrame
        Features, one row per customer.
    y : Series or ndarray
        Churn (0/1).
    model : str, default 'logistic'
        ``'logistic'`` or ``'gradient_boosting'``.
    cv : int, default 5
        Folds.
    seed : int, default 0
        Random state.
    calibration : str, default 'isotonic'
        ``'isotonic'`` or ``'sigmoid'``.

    Returns
    -------
    ChurnClassifier
        The fitted classifier.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival, targeting
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'tenure': rng.uniform(0, 60, 300)})
    >>> y = (rng.random(300) < np.exp(-X['tenure'] / 20)).astype(int)
    >>> targeting.churn_classifier(X, y, cv=3).performance.columns.tolist()
    ['model', 'calibration', 'customers', 'churn_rate', 'cv_auc', 'cv_auc_sd']
    """
    return ChurnClassifier(model=model, cv=cv, seed=seed, calibration=calibration).fit(X, y)


def churn_snapshot(spells: pd.DataFrame, transactions: pd.DataFrame, snapshot: str | pd.Timestamp,
                   window_months: int = 12, customer: str = "customer_id", date: str = "date",
                   amount: str = "amount") -> pd.DataFrame:
    """Customers active at ``snapshot`` with their spell covariates, tenure (months), transactions and
    volume (currency) in the 12 months before, recency (days since the last transaction), and
    ``churned_<w>m``: whether the spell ended within ``window_months`` after the snapshot (the label of a
    churn classifier).

    A customer with no transaction in the table before the snapshot has a right-censored recency: one
    day more than the longest recency the table can show (snapshot minus its first date, plus one);
    their count is in ``attrs["no_transaction"]``.

    Parameters
    ----------
    spells : DataFrame
        One row per customer: ``customer_id``, ``start``, ``end`` (missing while active) and covariates.
    transactions : DataFrame
        One row per transaction.
    snapshot : str or Timestamp
        Date of the snapshot.
    window_months : int, default 12
        Months after the snapshot in which a spell end counts as churn.
    customer : str, default 'customer_id'
        Customer id column.
    date : str, default 'date'
        Transaction date column.
    amount : str, default 'amount'
        Amount column (currency units).

    Returns
    -------
    DataFrame
        One row per customer active at the snapshot.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival, targeting
    >>> spells = pd.DataFrame({'customer_id': [1, 2, 3],
    ...                        'start': pd.to_datetime(['2020-01-01', '2021-06-01', '2023-01-01']),
    ...                        'end': pd.to_datetime([None, '2023-03-01', None]), 'rural': [True, False, False]})
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2022-06-01', '2022-11-15', '2022-12-20']),
    ...                    'amount': [120.0, 80.0, 40.0]})
    >>> snap = targeting.churn_snapshot(spells, tx, '2023-01-01', window_months=6)
    >>> snap[['customer_id', 'transactions_12m', 'churned_6m']].values.tolist()
    [[1, 2, 0], [2, 1, 1], [3, 0, 0]]
    """
    from .. import schemas

    snap = schemas.as_date(snapshot, "snapshot", "churn_snapshot")
    sp = schemas.validate(spells, "spells", customer=customer, caller="churn_snapshot")
    active = (sp["start"] <= snap) & (sp["end"].isna() | (sp["end"] > snap))
    out = sp.loc[active].copy()
    horizon = snap + pd.DateOffset(months=window_months)
    out[f"churned_{window_months}m"] = (out["end"].notna() & (out["end"] <= horizon)).astype(int)
    out["tenure_months"] = (snap - out["start"]).dt.days / 30.4375
    when = schemas.date_column(transactions, date, "churn_snapshot")
    recent = transactions.loc[(when <= snap) & (when > snap - pd.DateOffset(months=12))]
    g = recent.groupby(customer)
    out["transactions_12m"] = out[customer].map(g.size()).fillna(0).astype(np.int64)
    out["volume_12m"] = out[customer].map(g[amount].sum()).fillna(0.0)
    seen = when <= snap
    last = transactions.loc[seen].groupby(customer)[date].max()
    recency = (snap - pd.to_datetime(out[customer].map(last))).dt.days
    # no transaction in the data before the snapshot: right-censored at the data's horizon, one day past the
    # longest recency the table can show (so a ranking puts these customers last, next to the longest gaps)
    horizon_days = (snap - when[seen].min()).days + 1 if seen.any() else 0
    out["recency_days"] = recency.fillna(horizon_days).astype(float)
    out.attrs["no_transaction"] = int(recency.isna().sum())
    return out.drop(columns=["end", "churned"], errors="ignore").reset_index(drop=True)
