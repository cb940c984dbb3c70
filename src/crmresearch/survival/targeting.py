"""Churn scoring and targeting: classifier pipeline, lift and gain, profit of targeted vs mass offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..classify import CalibratedClassifier
from ..errors import ValidationError

__all__ = ["ChurnClassifier", "calibration_table", "churn_classifier", "churn_snapshot", "depth_grid", "lift_table",
           "targeting_profit"]


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
    >>> from crmresearch import survival
    >>> df = pd.DataFrame({'customer_id': [1, 2], 'churned': [1, 0], 'value': [100.0, 250.0]})
    >>> survival.churn_table(df)['churned'].tolist()
    [1, 0]
    """
    from ..errors import ValidationError

    for c in (customer, churned, value):
        if c not in df.columns:
            raise ValidationError(f"churn_table: missing column '{c}'; the table has {list(df.columns)[:15]}")
        n = int(df[c].isna().sum())
        if n:
            raise ValidationError(f"churn_table: column '{c}': {n} of {len(df)} rows are missing")
    dup = int(df[customer].duplicated().sum())
    if dup:
        raise ValidationError(f"churn_table: column '{customer}': {dup} of {len(df)} rows repeat a customer")
    bad = ~df[churned].isin([0, 1, True, False])
    if bad.any():
        raise ValidationError(f"churn_table: column '{churned}': {int(bad.sum())} of {len(df)} rows are not 0/1")
    v = pd.to_numeric(df[value], errors="coerce")
    nonfinite = ~np.isfinite(v.to_numpy(dtype=float))
    if nonfinite.any():
        raise ValidationError(f"churn_table: column '{value}': {int(nonfinite.sum())} of {len(df)} rows are not "
                              "finite numbers")
    if df[churned].astype(int).nunique() < 2:
        raise ValidationError(f"churn_table: column '{churned}' has one value only; a churn model needs churners "
                              "and stayers")
    return df.assign(**{churned: df[churned].astype(int), value: v.astype(float)})


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

    Attributes
    ----------
    pipeline_ : fitted scikit-learn CalibratedClassifierCV around preprocessing + model
    cv_auc_, cv_auc_sd_ : mean and SD of the fold AUCs; n_customers_, churn_rate_
    summary : one row: model, calibration, customers, churn_rate, cv_auc, cv_auc_sd

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'tenure': rng.uniform(0, 60, 300)})
    >>> y = (rng.random(300) < np.exp(-X['tenure'] / 20)).astype(int)
    >>> survival.ChurnClassifier(cv=3).fit(X, y).predict_proba(X.head(1)).name
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
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'tenure': rng.uniform(0, 60, 300)})
    >>> y = (rng.random(300) < np.exp(-X['tenure'] / 20)).astype(int)
    >>> survival.churn_classifier(X, y, cv=3).summary.columns.tolist()
    ['model', 'calibration', 'customers', 'churn_rate', 'cv_auc', 'cv_auc_sd']
    """
    return ChurnClassifier(model=model, cv=cv, seed=seed, calibration=calibration).fit(X, y)


def _scores_and_labels(scores: Any, y: Any, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Finite scores and 0/1 labels of equal, non-zero length (labels such as 0.7 are refused, not truncated)."""
    from ..schemas import as_binary, as_numbers

    s, yy = as_numbers(scores, "scores", caller), as_binary(y, "y", caller, unit="labels")
    if s.shape != yy.shape or s.size == 0:
        raise ValidationError(f"{caller}: scores and y must be non-empty and of equal length; got {s.size} and "
                              f"{yy.size}")
    if not np.all(np.isfinite(s)):
        raise ValidationError(f"{caller}: {int((~np.isfinite(s)).sum())} of {s.size} scores are missing or infinite")
    return s, yy


def lift_table(scores: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Deciles (or ``bins``) of customers by score, highest first: customers, churners, churn rate,
    lift (rate / overall rate), cumulative share of churners captured (gain).

    Parameters
    ----------
    scores : ndarray
        Churn score per customer.
    y : ndarray
        Churn (0/1).
    bins : int, default 10
        Groups (10 = deciles).

    Examples
    --------
    >>> from crmresearch import survival
    >>> survival.lift_table([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], bins=2)[['bin', 'churn_rate', 'lift']].values.tolist()
    [[1.0, 1.0, 2.0], [2.0, 0.0, 0.0]]
    """
    s, y = _scores_and_labels(scores, y, "lift_table")
    order = np.argsort(-s, kind="stable")
    groups = np.floor(np.arange(s.size) * bins / s.size).astype(int)
    frame = pd.DataFrame({"bin": groups + 1, "y": y[order], "score": s[order]})
    t = frame.groupby("bin").agg(customers=("y", "size"), churners=("y", "sum"), mean_score=("score", "mean"))
    t["churn_rate"] = t["churners"] / t["customers"]
    t["lift"] = t["churn_rate"] / y.mean()
    t["cumulative_customers_share"] = t["customers"].cumsum() / s.size
    t["gain"] = t["churners"].cumsum() / max(y.sum(), 1)
    t["cumulative_lift"] = t["gain"] / t["cumulative_customers_share"]
    return t.reset_index()


def targeting_profit(scores: np.ndarray, clv: np.ndarray, offer_cost: float, acceptance_rate: float,
                     contact_cost: float = 0.0, depths: Sequence[float] | None = None) -> tuple[pd.DataFrame, dict]:
    """Expected profit of a retention offer to the top share of customers by churn score.

    A contacted customer costs ``contact_cost``. A would-be churner (probability = calibrated score
    p) accepts with ``acceptance_rate`` and is retained, bringing ``clv`` minus ``offer_cost``; a
    customer who would have stayed takes the offer anyway (cost ``offer_cost``), as in Neslin et al.
    (2006). Expected profit of contacting i: p γ (CLV - c) - (1 - p) c - contact_cost.

    Returns
    -------
    curve : DataFrame by depth (share of customers contacted, highest scores first): customers,
        expected_profit.
    best : dict with the profit-maximising depth and profit, and the mass (everyone) profit.

    Parameters
    ----------
    scores : ndarray
        Calibrated churn probability per customer.
    clv : ndarray
        Value of keeping each customer (currency units).
    offer_cost : float
        Cost of the offer (currency units).
    acceptance_rate : float
        Share of would-be churners who accept and stay.
    contact_cost : float, default 0.0
        Cost per contact (currency units).
    depths : sequence of float or None, optional
        Shares contacted; None: 0, 0.01, ..., 1.

    Examples
    --------
    >>> from crmresearch import survival
    >>> curve, best = survival.targeting_profit([0.8, 0.1], [500.0, 500.0], offer_cost=20, acceptance_rate=0.5)
    >>> round(best['best_profit'], 1), best['best_customers']   # 0.8 x 0.5 x 480 - 0.2 x 20: contact the first only
    (194.0, 2)
    """
    p, v = np.asarray(scores, dtype=float), np.asarray(clv, dtype=float)
    if p.shape != v.shape:
        raise ValidationError("targeting_profit: scores and clv must have equal length")
    if not (0 <= acceptance_rate <= 1) or offer_cost < 0 or contact_cost < 0:
        raise ValidationError("targeting_profit: acceptance_rate in [0, 1], costs >= 0")
    if ((p < 0) | (p > 1)).any():
        raise ValidationError("targeting_profit: scores must be calibrated probabilities in [0, 1]")
    gain = p * acceptance_rate * (v - offer_cost) - (1 - p) * offer_cost - contact_cost
    order = np.argsort(-p, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(gain[order])])
    n = p.size
    if depths is None:
        depths = np.linspace(0, 1, 101)
    k = np.floor(np.asarray(depths) * n + 0.5).astype(int)
    curve = pd.DataFrame({"depth": depths, "customers": k, "expected_profit": cum[k]})
    best_k = int(np.argmax(cum))
    best = {"best_depth": best_k / n, "best_customers": best_k, "best_profit": float(cum[best_k]),
            "mass_profit": float(cum[-1]), "no_offer_profit": 0.0}
    return curve, best


def calibration_table(scores: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability table: customers in equal-count bins of predicted probability, mean predicted
    vs observed churn rate (a calibrated model has them equal).

    Parameters
    ----------
    scores : ndarray
        Predicted probabilities.
    y : ndarray
        Observed outcomes (0/1).
    bins : int, default 10
        Equal-count bins.

    Returns
    -------
    DataFrame
        One row per bin: customers, mean predicted and observed rate.

    Examples
    --------
    >>> from crmresearch import survival
    >>> survival.calibration_table([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], bins=2).round(2).values.tolist()
    [[1.0, 2.0, 0.15, 0.0], [2.0, 2.0, 0.85, 1.0]]
    """
    s, y = _scores_and_labels(scores, y, "calibration_table")
    order = np.argsort(s, kind="stable")
    groups = np.empty(s.size, dtype=int)
    groups[order] = np.floor(np.arange(s.size) * bins / s.size).astype(int)
    t = pd.DataFrame({"bin": groups + 1, "p": s, "y": y}).groupby("bin").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean"))
    return t.reset_index()


def depth_grid(scores: np.ndarray, clv: np.ndarray, offer_costs: Sequence[float], acceptance_rates: Sequence[float],
               contact_cost: float = 0.0) -> pd.DataFrame:
    """Profit-maximising targeting depth and its profit vs the mass offer over a grid of offer
    costs and acceptance rates (long table).

    Parameters
    ----------
    scores : ndarray
        Calibrated churn probability per customer.
    clv : ndarray
        Value of keeping each customer (currency units).
    offer_costs : sequence of float
        Offer costs to try (currency units).
    acceptance_rates : sequence of float
        Acceptance rates to try (shares).
    contact_cost : float, default 0.0
        Cost per contact (currency units).

    Returns
    -------
    DataFrame
        One row per offer cost and acceptance rate: best depth and customers, its profit, the mass-offer and
        no-offer profits.

    Examples
    --------
    >>> from crmresearch import survival
    >>> grid = survival.depth_grid([0.8, 0.5, 0.1], [500.0] * 3, offer_costs=[20, 50], acceptance_rates=[0.3])
    >>> grid.columns.tolist()
    ['offer_cost', 'acceptance_rate', 'best_depth', 'best_customers', 'best_profit', 'mass_profit', 'no_offer_profit']
    """
    rows = []
    for c in offer_costs:
        for a in acceptance_rates:
            _, best = targeting_profit(scores, clv, offer_cost=c, acceptance_rate=a, contact_cost=contact_cost)
            rows.append({"offer_cost": c, "acceptance_rate": a, **best})
    return pd.DataFrame(rows)


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
    >>> from crmresearch import survival
    >>> spells = pd.DataFrame({'customer_id': [1, 2, 3],
    ...                        'start': pd.to_datetime(['2020-01-01', '2021-06-01', '2023-01-01']),
    ...                        'end': pd.to_datetime([None, '2023-03-01', None]), 'rural': [True, False, False]})
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2022-06-01', '2022-11-15', '2022-12-20']),
    ...                    'amount': [120.0, 80.0, 40.0]})
    >>> snap = survival.churn_snapshot(spells, tx, '2023-01-01', window_months=6)
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
