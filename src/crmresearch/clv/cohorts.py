"""Cohort helpers around the sBG: constant-retention benchmark, projection errors, per-cohort fits, the
sBG beside the beta-discrete-Weibull."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .bdw import BetaDiscreteWeibull
from .sbg import ShiftedBetaGeometric

__all__ = ["cohort_curves", "compare_retention_models", "constant_retention", "discrete_survival", "fit_cohorts",
           "projection_errors"]


def compare_retention_models(survivors: Mapping[str, np.ndarray], fit_periods: int, discount_rate: float,
                             margin: float = 1.0) -> pd.DataFrame:
    """The sBG and the beta-discrete-Weibull side by side per cohort: both fitted on periods 0..``fit_periods``
    of the cohort's survivor counts, the likelihood-ratio test of c = 1 (the sBG), and both projected over
    the later periods.

    Parameters
    ----------
    survivors : mapping of str to array-like
        Cohort name -> customers active at the start of periods 0, 1, 2, ... (count).
    fit_periods : int
        Last period used in the fit (at least 3: the BdW has three parameters); later ones are projected.
    discount_rate : float
        Discount rate per period for DERL and CLV.
    margin : float, default 1.0
        Margin per period of a retained customer (currency units).

    Returns
    -------
    DataFrame
        Two rows per cohort (``model`` 'sbg', 'bdw'): alpha, beta, c (1 for the sBG) with standard errors,
        log-likelihood, BIC, the LR test (``lr_statistic``, ``lr_p_value``, on the BdW row), the mean
        absolute percentage error of the projected share surviving over the later periods (``mape``, %) and
        its error at the last one (``last_error_pts``, percentage points), DERL (periods) and the CLV of a
        new customer (currency).

    Examples
    --------
    >>> from crmresearch import clv
    >>> t = clv.compare_retention_models({'regular': [1000, 631, 468, 382, 326, 289, 262, 241]}, fit_periods=4,
    ...                                  discount_rate=0.1, margin=100)
    >>> t[['model', 'c', 'log_likelihood']].round(3).values.tolist()
    [['sbg', 1.0, -1401.559], ['bdw', 1.196, -1401.383]]
    """
    rows = []
    for cohort, counts in survivors.items():
        s = np.asarray(counts, dtype=float)
        bdw = BetaDiscreteWeibull().fit(survivors=s[: fit_periods + 1])
        sbg = ShiftedBetaGeometric().fit(survivors=s[: fit_periods + 1])
        t = np.arange(s.size)
        projection = pd.DataFrame({"cohort": cohort, "actual": s / s[0], "sbg": sbg.survival(t),
                                   "bdw": bdw.survival(t), "fitted": t <= fit_periods})
        later = (~projection["fitted"]).any()
        errors = projection_errors(projection, models=("sbg", "bdw")).iloc[0] if later else None
        for name, m in (("sbg", sbg), ("bdw", bdw)):
            extra = {"mape": errors[f"mape_{name}"] if later else np.nan,
                     "last_error_pts": errors[f"last_error_{name}_pts"] if later else np.nan}
            rows.append(_model_row(cohort, name, m, bdw, discount_rate, margin, extra))
    return pd.DataFrame(rows)


def _model_row(cohort: str, name: str, m, bdw: BetaDiscreteWeibull, discount_rate: float, margin: float,
               extra: dict) -> dict:
    """One row of the sBG / BdW comparison: parameters with standard errors, fit, LR test of c = 1 (BdW row),
    ``extra`` columns, DERL and CLV."""
    se = m.summary["std_error"]
    return {"cohort": cohort, "model": name,
            "alpha": m.params_["alpha"], "alpha_se": se["alpha"],
            "beta": m.params_["beta"], "beta_se": se["beta"],
            "c": m.params_.get("c", 1.0), "c_se": se.get("c", np.nan),
            "log_likelihood": m.log_likelihood_, "bic": m.bic_,
            "lr_statistic": bdw.lr_test_["statistic"] if name == "bdw" else np.nan,
            "lr_p_value": bdw.lr_test_["p_value"] if name == "bdw" else np.nan,
            **extra,
            "derl_periods": float(m.derl(discount_rate)),
            "clv_new_customer": float(m.clv(margin, discount_rate))}


def compare_cohort_models(periods: pd.DataFrame, min_periods: int = 6, discount_rate: float = 0.025,
                          margin: float = 1.0) -> pd.DataFrame:
    """The sBG and the beta-discrete-Weibull side by side on per-customer contract spells: fitted per cohort
    (cohorts observed for at least ``min_periods`` periods) and on all customers pooled, each customer's
    spell right-censored where the observation ends (Fader, Hardie, Liu, Davin & Steenburgh 2018), with the
    likelihood-ratio test of c = 1 (the sBG).

    Parameters
    ----------
    periods : DataFrame
        Per-customer ``cohort``, ``periods`` and ``churned`` (from :func:`contract_periods`).
    min_periods : int, default 6
        Fewest observed periods for a cohort to get its own fits (the BdW needs at least 3).
    discount_rate : float, default 0.025
        Discount rate per period for DERL and CLV.
    margin : float, default 1.0
        Margin per period of a retained customer (currency units).

    Returns
    -------
    DataFrame
        Two rows per fitted cohort and for ``all`` (``model`` 'sbg', 'bdw'): customers, alpha, beta, c (1 for
        the sBG) with standard errors, log-likelihood, BIC, the LR test (``lr_statistic``, ``lr_p_value``, on the
        BdW row), DERL (periods) and the CLV of a new customer (currency). A fit at a limit of the BdW says so
        in one DataWarning (e.g. no churn after the first period).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> rng = np.random.default_rng(0); p = rng.geometric(rng.beta(1.0, 3.0, 800))
    >>> periods = pd.DataFrame({'cohort': ['2023Q1'] * 800, 'periods': np.minimum(p, 8), 'churned': p <= 8})
    >>> t = clv.compare_cohort_models(periods)
    >>> t[['cohort', 'model']].values.tolist()
    [['2023Q1', 'sbg'], ['2023Q1', 'bdw'], ['all', 'sbg'], ['all', 'bdw']]
    """
    need = {"cohort", "periods", "churned"}
    if not need <= set(periods.columns):
        raise ValidationError(f"compare_cohort_models: missing column(s) {sorted(need - set(periods.columns))}")
    if periods.empty:
        raise ValidationError("compare_cohort_models: the periods table has no customers (0 rows)")
    if min_periods < 3:
        raise ValidationError(f"compare_cohort_models: min_periods must be at least 3 (the BdW has three "
                              f"parameters), got {min_periods}")
    rows = []
    for cohort, g in [*periods.groupby("cohort", sort=True), ("all", periods)]:
        if int(g["periods"].max()) < min_periods:
            continue
        sbg = ShiftedBetaGeometric().fit(periods=g["periods"], churned=g["churned"])
        bdw = BetaDiscreteWeibull().fit(periods=g["periods"], churned=g["churned"])
        for name, m in (("sbg", sbg), ("bdw", bdw)):
            rows.append({"customers": len(g), **_model_row(cohort, name, m, bdw, discount_rate, margin, {})})
    columns = ["cohort", "model", "customers", "alpha", "alpha_se", "beta", "beta_se", "c", "c_se",
               "log_likelihood", "bic", "lr_statistic", "lr_p_value", "derl_periods", "clv_new_customer"]
    return pd.DataFrame(rows, columns=columns)  # no rows when no cohort (nor all pooled) reaches min_periods


def constant_retention(survival: np.ndarray, periods: int) -> np.ndarray:
    """Naive projection: one retention rate r = S(k)^(1/k) from the last observed share S(k) at k,
    so S(t) = r^t for t = 0..periods (the homogeneous geometric model).

    Parameters
    ----------
    survival : ndarray
        Observed shares surviving at periods 0, 1, ..., k (first > 0).
    periods : int
        Last period of the projection.

    Returns
    -------
    ndarray
        Projected share surviving at periods 0..``periods``.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import clv
    >>> clv.constant_retention(np.array([1.0, 0.8, 0.64]), 5).round(3).tolist()
    [1.0, 0.8, 0.64, 0.512, 0.41, 0.328]
    """
    s = np.asarray(survival, dtype=float)
    k = s.size - 1
    if k < 1 or s[0] <= 0 or s[-1] <= 0:
        raise ValidationError("constant_retention: need shares for at least periods 0 and 1, all > 0")
    r = (s[-1] / s[0]) ** (1 / k)
    return s[0] * r ** np.arange(periods + 1)


def projection_errors(projection: pd.DataFrame, actual: str = "actual",
                      models: tuple[str, ...] = ("sbg",), fitted: str = "fitted") -> pd.DataFrame:
    """Mean absolute percentage error of each model over the projected (not fitted) periods, and the
    error at the last period, per cohort.

    Parameters
    ----------
    projection : DataFrame
        One row per cohort and period with ``cohort``, the ``actual`` share, one column per model and the
        ``fitted`` flag.
    actual : str, default 'actual'
        Column of the observed share surviving.
    models : tuple of str, default ('sbg',)
        Columns of the models' projected shares.
    fitted : str, default 'fitted'
        Boolean column: True for periods used in the fit (excluded from the errors).

    Returns
    -------
    DataFrame
        One row per cohort: ``projected_periods``, ``mape_<model>`` (%) and ``last_error_<model>_pts``
        (percentage points, model - actual).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> projection = pd.DataFrame({'cohort': 'regular', 'period': range(6), 'fitted': [True] * 3 + [False] * 3,
    ...                            'actual': [1.0, 0.63, 0.47, 0.38, 0.33, 0.29],
    ...                            'sbg': [1.0, 0.63, 0.47, 0.39, 0.34, 0.30]})
    >>> clv.projection_errors(projection).round(2).values.tolist()
    [['regular', 3, 3.04, 1.0]]
    """
    rows = []
    for cohort, g in projection.groupby("cohort", sort=False):
        out = g[~g[fitted]]
        row = {"cohort": cohort, "projected_periods": len(out)}
        for m in models:
            ape = (out[m] - out[actual]).abs() / out[actual]
            row[f"mape_{m}"] = float(100 * ape.mean())
            row[f"last_error_{m}_pts"] = float(100 * (out[m].iloc[-1] - out[actual].iloc[-1]))
        rows.append(row)
    return pd.DataFrame(rows)


def discrete_survival(periods: np.ndarray, churned: np.ndarray, max_period: int) -> np.ndarray:
    """Kaplan-Meier survival at the end of periods 0..max_period for discrete periods: a churner with
    ``periods = t`` left in period t; a censored customer with ``periods = t`` survived t periods.

    Parameters
    ----------
    periods : ndarray
        Periods per customer (integers >= 1 for churners, >= 0 for censored).
    churned : ndarray
        1 when the customer left, 0 when censored.
    max_period : int
        Last period of the curve.

    Returns
    -------
    ndarray
        Share surviving at the end of periods 0..``max_period`` (starts at 1).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import clv
    >>> clv.discrete_survival(np.array([1, 2, 2, 3]), np.array([1, 1, 0, 0]), 3).round(3).tolist()
    [1.0, 0.75, 0.5, 0.5]
    """
    p = np.asarray(periods)
    c = np.asarray(churned, dtype=bool)
    s, out = 1.0, [1.0]
    for t in range(1, max_period + 1):
        at_risk = ((p >= t) & c).sum() + ((p >= t) & ~c).sum()
        d = ((p == t) & c).sum()
        s *= 1 - d / at_risk if at_risk else 1.0
        out.append(s)
    return np.array(out)


def fit_cohorts(periods: pd.DataFrame, min_periods: int = 6, discount_rate: float = 0.025,
                margin: float = 1.0) -> pd.DataFrame:
    """Fit an sBG per cohort (cohorts observed for at least ``min_periods`` periods) and one on all
    customers pooled; DERL per period's ``discount_rate`` and CLV of a new customer at ``margin``
    per period (currency).

    Returns one row per cohort plus ``all``: customers, churned share, observed periods, fitted,
    alpha, beta, log-likelihood, retention in periods 1, 4 and 8, DERL, CLV.

    Parameters
    ----------
    periods : DataFrame
        Per-customer ``cohort``, ``periods`` and ``churned`` (from :func:`contract_periods`).
    min_periods : int, default 6
        Fewest observed periods for a cohort to get its own fit.
    discount_rate : float, default 0.025
        Discount rate per period for DERL (0.025 per quarter is about 10 % a year).
    margin : float, default 1.0
        Margin per period of a retained customer (currency units).

    Returns
    -------
    DataFrame
        One row per cohort and one for ``all``, with the fit, projected retention, DERL (periods) and CLV
        (currency).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> rng = np.random.default_rng(0); p = rng.geometric(rng.beta(1.0, 3.0, 800))
    >>> periods = pd.DataFrame({'cohort': ['2023Q1'] * 800, 'periods': np.minimum(p, 8), 'churned': p <= 8,
    ...                         'observed_periods': 8})
    >>> clv.fit_cohorts(periods)[['cohort', 'customers']].values.tolist()
    [['2023Q1', 800], ['all', 800]]
    """
    need = {"cohort", "periods", "churned"}
    if not need <= set(periods.columns):
        raise ValidationError(f"fit_cohorts: missing column(s) {sorted(need - set(periods.columns))}")
    if periods.empty:
        raise ValidationError("fit_cohorts: the periods table has no customers (0 rows)")
    rows = []
    groups = [*periods.groupby("cohort", sort=True), ("all", periods)]
    for cohort, g in groups:
        observed = int(g["periods"].max())
        row = {"cohort": cohort, "customers": len(g), "churned_share": float(g["churned"].mean()),
               "observed_periods": observed, "fitted": bool(observed >= min_periods)}
        if row["fitted"]:
            m = ShiftedBetaGeometric().fit(periods=g["periods"], churned=g["churned"])
            r = m.retention_rate([1, 4, 8])
            row.update({"alpha": m.params_["alpha"], "beta": m.params_["beta"], "log_likelihood": m.log_likelihood_,
                        "retention_p1": r[0], "retention_p4": r[1], "retention_p8": r[2],
                        "derl_periods": float(m.derl(discount_rate)),
                        "clv_new_customer": float(m.clv(margin, discount_rate))})
        rows.append(row)
    return pd.DataFrame(rows)


def cohort_curves(periods: pd.DataFrame, cohorts: pd.DataFrame) -> pd.DataFrame:
    """Observed (Kaplan-Meier, discrete) and sBG survival per fitted cohort, over its observed periods.

    Parameters
    ----------
    periods : DataFrame
        Per-customer ``cohort``, ``periods`` and ``churned`` (from :func:`contract_periods`).
    cohorts : DataFrame
        The fitted cohorts (:func:`fit_cohorts`).

    Returns
    -------
    DataFrame
        One row per cohort and period: ``cohort``, ``period``, ``observed`` (Kaplan-Meier share surviving) and
        ``sbg`` (fitted share).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> periods = pd.DataFrame({'cohort': ['2023Q1'] * 8, 'periods': [1, 2, 2, 3, 6, 6, 6, 6],
    ...                         'churned': [True, True, False, True, False, False, False, False]})
    >>> cohorts = clv.fit_cohorts(periods, min_periods=3)
    >>> curves = clv.cohort_curves(periods, cohorts)
    >>> curves.columns.tolist()
    ['cohort', 'period', 'observed', 'sbg']
    """
    out = []
    for row in cohorts[cohorts["fitted"] & (cohorts["cohort"] != "all")].itertuples(index=False):
        g = periods[periods["cohort"] == row.cohort]
        k = int(row.observed_periods)
        obs = discrete_survival(g["periods"].to_numpy(), g["churned"].to_numpy(), k)
        m = ShiftedBetaGeometric()
        m.params_ = pd.Series({"alpha": row.alpha, "beta": row.beta}, name="estimate")
        out.append(pd.DataFrame({"cohort": row.cohort, "period": np.arange(k + 1), "observed": obs,
                                 "sbg": m.survival(np.arange(k + 1))}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["cohort", "period", "observed", "sbg"])
