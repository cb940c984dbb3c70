"""Customer lifetime value from a BG/NBD and a Gamma-Gamma model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from ..errors import ValidationError
from ..schemas.checks import as_numbers
from .bgnbd import BetaGeoNBD
from .gamma_gamma import GammaGamma

__all__ = ["ANNUAL_DISCOUNT_RATE", "DAYS_PER_YEAR", "HORIZON_WEEKS", "WEEKS_PER_YEAR", "CustomerValue", "clv",
           "clv_intervals", "customer_value", "margin_annuity", "model_check", "period_discount_rate", "rank_auc",
           "value_summary", "weekly_rate"]

#: Days in a year of the calendar (365.25: leap years on average); converts rates between periods.
DAYS_PER_YEAR = 365.25
#: Weeks in a year, the time unit of the weekly customer-base models.
WEEKS_PER_YEAR = 52
#: Default CLV horizon: one year of weeks.
HORIZON_WEEKS = 52
#: Default discount rate per year of a lifetime value.
ANNUAL_DISCOUNT_RATE = 0.10


def weekly_rate(annual_rate: float = ANNUAL_DISCOUNT_RATE) -> float:
    """The weekly discount rate equivalent to ``annual_rate``: ``(1 + annual_rate) ** (1 / 52) - 1``.

    Parameters
    ----------
    annual_rate : float, default 0.10
        Discount rate per year (0.10 = 10 %).

    Returns
    -------
    float
        Discount rate per week (compounded 52 times it gives ``annual_rate``).

    Examples
    --------
    >>> from crmresearch import clv
    >>> round(clv.weekly_rate(0.10), 6), clv.weekly_rate(0.0)
    (0.001835, 0.0)
    """
    return (1 + annual_rate) ** (1 / WEEKS_PER_YEAR) - 1


@dataclass(frozen=True)
class CustomerValue:
    """The BG/NBD -> Gamma-Gamma -> CLV chain fitted on one calibration summary.

    Attributes
    ----------
    bgnbd : BetaGeoNBD
        Repeat buying fitted on every customer of the summary.
    gamma_gamma : GammaGamma or None
        Spend per purchase fitted on the repeat buyers (those with repeat value 0 left out); None for a
        summary without ``monetary_value`` (a log without amounts).
    values : DataFrame
        One row per customer of the summary: :func:`clv`'s columns (with ``intervals``, also
        :func:`clv_intervals`'s), in currency units; without amounts only ``expected_purchases`` (over the
        horizon, undiscounted) and ``probability_alive``.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30', freq='W')
    >>> fit = clv.customer_value(s, margin=0.3)
    >>> type(fit).__name__, sorted(fit.values.columns)[:2]
    ('CustomerValue', ['clv', 'expected_purchases'])
    """

    bgnbd: BetaGeoNBD
    gamma_gamma: GammaGamma | None
    values: pd.DataFrame


def customer_value(summary: pd.DataFrame, horizon: float = HORIZON_WEEKS, discount_rate: float | None = None,
                   margin: float = 1.0, intervals: bool = False) -> CustomerValue:
    """Fit BG/NBD and Gamma-Gamma on a calibration summary and value each customer over ``horizon``.

    The chain of Fader, Hardie & Lee (2005): BG/NBD on frequency, recency and age of every customer;
    Gamma-Gamma on the repeat buyers' mean spend (``nonpositive="drop"``: customers whose repeat
    purchases total 0 are left out of that fit, counted in ``n_dropped_nonpositive_``); then
    :func:`clv` (or :func:`clv_intervals` with ``intervals``). A summary without ``monetary_value``
    (:func:`summary_from_transactions` with ``amount=None``) gets the BG/NBD part only: no Gamma-Gamma,
    no value, the expected purchases over ``horizon`` and P(alive) per customer.

    Parameters
    ----------
    summary : DataFrame
        Per-customer ``frequency``, ``recency``, ``T`` and ``monetary_value`` (from
        :func:`summary_from_transactions`), in the models' time unit (weeks for the defaults).
    horizon : float, default 52
        Projection length in the time unit (52 weeks = one year).
    discount_rate : float or None, optional
        Discount rate per time unit; None: :func:`weekly_rate` of 10 % a year.
    margin : float, default 1.0
        Share of spend kept as margin (0-1).
    intervals : bool, default False
        Add delta-method 95 % intervals of each customer's value and of the total (slower).

    Returns
    -------
    CustomerValue
        The two fitted models and the value table.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for
    customer base analysis. Journal of Marketing Research 42(4), 415-430.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30', freq='W')
    >>> fit = clv.customer_value(s, margin=0.3)
    >>> round(float(fit.bgnbd.params_['r']), 2), fit.gamma_gamma.n_obs_, len(fit.values) == len(s)
    (0.24, 946, True)
    """
    rate = weekly_rate() if discount_rate is None else discount_rate
    # the summary's own unit (summary_from_transactions' freq), so the fit's unit check compares like with like
    bgnbd = BetaGeoNBD(time_unit=summary.attrs.get("time_unit", "W")).fit(summary["frequency"], summary["recency"],
                                                                          summary["T"])
    if "monetary_value" not in summary.columns:  # purchase counts only: nothing to value
        x, tx, T = summary["frequency"], summary["recency"], summary["T"]
        counts = pd.DataFrame({"expected_purchases": bgnbd.expected_purchases(horizon, x, tx, T),
                               "probability_alive": bgnbd.probability_alive(x, tx, T)}, index=summary.index)
        return CustomerValue(bgnbd, None, counts)
    spend = GammaGamma().fit(summary["frequency"], summary["monetary_value"], nonpositive="drop")
    value = clv_intervals if intervals else clv
    return CustomerValue(bgnbd, spend, value(bgnbd, spend, summary, horizon=horizon, discount_rate=rate,
                                             margin=margin))


def clv(bgnbd: BetaGeoNBD, gammagamma: GammaGamma, summary: pd.DataFrame, horizon: float = 52.0,
        discount_rate: float = 0.0, margin: float = 1.0, steps: int | None = None,
        covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected margin per customer over the next ``horizon`` time units, discounted.

    The horizon is cut into ``steps`` equal periods (default: one per time unit); the expected
    purchases of each period (difference of the BG/NBD conditional expectation) are multiplied
    by the Gamma-Gamma expected spend and ``margin`` and discounted at ``discount_rate`` per period
    (continuous compounding inside a period is ignored: payment at the period's end).

    Parameters
    ----------
    summary : DataFrame with frequency, recency, T, monetary_value (one row per customer)
    horizon : float, in the models' time unit (e.g. 52 weeks)
    discount_rate : float, per period (e.g. 0.0015 per week ~ 8 % a year)
    margin : float, share of spend kept as profit (0..1)
    covariates : DataFrame or None, one row per customer of ``summary`` (same order), when the purchase model is
        a covariate model (:class:`~crmresearch.clv.ParetoNBDCovariates`,
        :class:`~crmresearch.clv.BetaGeoNBDCovariates`): each customer's expected purchases and P(alive) with its
        own parameters

    Returns
    -------
    DataFrame (same index): ``expected_purchases``, ``expected_spend`` (currency per purchase),
    ``probability_alive``, ``clv`` (currency).

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), '1997-09-30')
    >>> bg = clv.BetaGeoNBD().fit(s['frequency'], s['recency'], s['T'])
    >>> gg = clv.GammaGamma().fit(s.loc[s['frequency'] > 0, 'frequency'], s.loc[s['frequency'] > 0, 'monetary_value'])
    >>> clv.clv(bg, gg, s, horizon=52).columns.tolist()[:3]
    ['expected_purchases', 'expected_spend', 'probability_alive']
    """
    need = {"frequency", "recency", "T", "monetary_value"}
    if not need <= set(summary.columns):
        raise ValidationError(f"clv: summary lacks column(s) {sorted(need - set(summary.columns))}")
    if horizon <= 0 or not 0 <= margin <= 1 or discount_rate < 0:
        raise ValidationError("clv: horizon must be > 0, margin in [0, 1], discount_rate >= 0")
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    X = _covariates_for(bgnbd, summary, covariates, "clv")
    expected, discounted = _purchase_path(bgnbd, summary, horizon, discount_rate, steps, X)
    spend = gammagamma.expected_spend(x, summary["monetary_value"])
    value = margin * spend * discounted
    alive = bgnbd.probability_alive(x, tx, T) if X is None else bgnbd.probability_alive(x, tx, T, X)
    return pd.DataFrame({"expected_purchases": expected, "expected_spend": spend,
                         "probability_alive": np.asarray(alive, dtype=float), "clv": value}, index=summary.index)


def _covariates_for(model: Any, summary: pd.DataFrame, covariates: pd.DataFrame | None,
                    caller: str) -> pd.DataFrame | None:
    """The covariates of a covariate purchase model, one row per customer of ``summary``; None for the others."""
    wants = hasattr(model, "covariates_")
    if covariates is None and not wants:
        return None
    if covariates is None or not wants:
        raise ValidationError(f"{caller}: covariates go with a covariate model (ParetoNBDCovariates, "
                              f"BetaGeoNBDCovariates) and it needs them; got {type(model).__name__} with "
                              f"covariates={'None' if covariates is None else 'a DataFrame'}")
    if not isinstance(covariates, pd.DataFrame) or len(covariates) != len(summary):
        got = len(covariates) if isinstance(covariates, pd.DataFrame) else type(covariates).__name__
        raise ValidationError(f"{caller}: covariates must be a DataFrame with one row per customer of the summary "
                              f"({len(summary)}); got {got}")
    return covariates.reset_index(drop=True)


def _distinct_histories(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (x, t_x, T) rows of ``summary`` and each customer's row among them."""
    distinct, row = np.unique(summary[["frequency", "recency", "T"]].to_numpy(dtype=float), axis=0,
                              return_inverse=True)
    return distinct, row.ravel()


def _purchase_path(model: Any, summary: pd.DataFrame, horizon: float, discount_rate: float,
                   steps: int | None, covariates: pd.DataFrame | None = None,
                   histories: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases over the horizon, and their discounted sum (purchases of each period discounted to
    now), per customer: the purchase-model half of :func:`clv` (with ``covariates``: each customer's own
    parameters, so no two customers share a path). ``histories``: :func:`_distinct_histories` of ``summary``
    when the caller already has them (the delta method calls this once per moved parameter)."""
    n = int(steps or max(1, round(horizon)))
    edges = np.linspace(0, horizon, n + 1)
    if covariates is not None:
        x, tx, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        cum = np.column_stack([np.asarray(model.expected_purchases(t, x, tx, T, covariates), dtype=float) if t > 0
                               else np.zeros(len(x)) for t in edges])
        disc = 1 / (1 + discount_rate) ** np.arange(1, n + 1)
        return cum[:, -1], np.diff(cum, axis=1) @ disc
    # customers with the same history have the same path: each distinct (x, t_x, T) is computed once (the
    # many one-time buyers of a cohort share a handful), then every customer gets the row of its history
    distinct, row = histories if histories is not None else _distinct_histories(summary)
    x, tx, T = distinct[:, 0], distinct[:, 1], distinct[:, 2]
    if hasattr(model, "expected_purchases_path"):  # every horizon in one pass (Pareto/NBD: P(alive) once)
        cum = np.column_stack([np.zeros(len(x)), model.expected_purchases_path(edges[1:], x, tx, T)])
    else:
        cum = np.column_stack([np.asarray(model.expected_purchases(t, x, tx, T), dtype=float) if t > 0
                               else np.zeros(len(x)) for t in edges])
    per = np.diff(cum[row], axis=1)
    cum = cum[row]
    disc = 1 / (1 + discount_rate) ** np.arange(1, n + 1)
    return cum[:, -1], per @ disc


def value_summary(values: pd.Series, probability_alive: pd.Series | None = None) -> dict[str, float]:
    """Headline figures of a CLV distribution: customers, total, mean, median, top-decile share
    (share of total value held by the 10 % most valuable), and the share with P(alive) < 0.5.

    Parameters
    ----------
    values : Series
        CLV per customer (currency units).
    probability_alive : Series or None, optional
        P(alive) per customer; None skips the at-risk share.

    Returns
    -------
    dict of str to float
        customers, total_clv, mean_clv, median_clv, top_decile_share and (with ``probability_alive``)
        share_p_alive_below_half.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> {k: round(v, 2) for k, v in clv.value_summary(pd.Series([10.0, 20.0, 30.0, 40.0])).items()}
    {'customers': 4.0, 'total_clv': 100.0, 'mean_clv': 25.0, 'median_clv': 25.0, 'top_decile_share': 0.4}
    """
    v = np.sort(as_numbers(values, "values", "value_summary"))[::-1]
    if v.size == 0:
        raise ValidationError("value_summary: no customers")
    if not np.all(np.isfinite(v)):
        raise ValidationError(f"value_summary: {int((~np.isfinite(v)).sum())} of {v.size} values are missing or "
                              "infinite")
    k = max(1, int(np.floor(0.1 * v.size + 0.5)))
    out = {"customers": float(v.size), "total_clv": float(v.sum()), "mean_clv": float(v.mean()),
           "median_clv": float(np.median(v)), "top_decile_share": float(v[:k].sum() / v.sum())}
    if probability_alive is not None:
        out["share_p_alive_below_half"] = float(np.mean(np.asarray(probability_alive) < 0.5))
    return out


def period_discount_rate(annual_rate: float, period_days: float) -> float:
    """The discount rate per period of ``period_days`` equivalent to ``annual_rate`` per year.

    Compounds the annual rate over the period's share of a year: (1 + d) ** (period_days / 365.25) - 1.

    Parameters
    ----------
    annual_rate : float
        Discount rate per year (0.1 = 10 %).
    period_days : float
        Length of one period, days (91.3125: a quarter).

    Returns
    -------
    float
        Discount rate per period (0.0241 = 2.41 %).

    Examples
    --------
    >>> from crmresearch import clv
    >>> round(clv.period_discount_rate(0.1, 91.3125), 5)
    0.02411
    """
    return (1 + annual_rate) ** (period_days / DAYS_PER_YEAR) - 1


def margin_annuity(annual_margin: ArrayLike, years: int = 3, annual_discount_rate: float = 0.10) -> np.ndarray:
    """Value of a customer who keeps earning ``annual_margin`` (currency per year) for ``years``
    more years, each discounted at the end of its year: margin x sum_{k=1..years} (1 + d)^-k.
    The simple bank CLV of retention practice when no transaction model is fitted.

    Parameters
    ----------
    annual_margin : array-like
        Margin per customer and year (currency units).
    years : int, default 3
        Future years counted.
    annual_discount_rate : float, default 0.1
        Discount rate per year (0.1 = 10 %).

    Returns
    -------
    ndarray
        Present value per customer (currency units), same shape as ``annual_margin``.

    Examples
    --------
    >>> from crmresearch import clv
    >>> [round(float(v), 2) for v in clv.margin_annuity([100.0], years=3, annual_discount_rate=0.10)]
    [248.69]
    """
    if not (isinstance(years, int | np.integer) and years >= 1):
        raise ValidationError(f"margin_annuity: years must be a whole number >= 1; got {years!r}")
    if not annual_discount_rate > -1:
        raise ValidationError(f"margin_annuity: annual_discount_rate must be > -1; got {annual_discount_rate!r}")
    factor = sum((1 + annual_discount_rate) ** -k for k in range(1, years + 1))
    return as_numbers(annual_margin, "annual_margin", "margin_annuity") * factor


def rank_auc(score: ArrayLike, positive: ArrayLike) -> float:
    """Area under the ROC curve of ``score`` for the 0/1 ``positive`` labels, by the Mann-Whitney
    rank sum with average ranks for ties (equal to scikit-learn's ``roc_auc_score``).

    Parameters
    ----------
    score : array-like
        Score per unit (higher = more likely positive).
    positive : array-like
        0/1 label per unit.

    Returns
    -------
    float
        AUC in [0, 1]; 0.5 is a random ranking.

    Examples
    --------
    >>> from crmresearch import clv
    >>> clv.rank_auc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    0.75
    """
    from scipy.stats import rankdata

    s = as_numbers(score, "score", "rank_auc")
    labels = as_numbers(positive, "positive", "rank_auc")
    if s.shape != labels.shape or not np.all(np.isfinite(s)) or not np.isin(labels, (0.0, 1.0)).all():
        raise ValidationError("rank_auc: score must be finite and positive 0/1, both of one length")
    y = labels.astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise ValidationError(f"rank_auc: needs both classes; got {n1} positive and {n0} negative")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def model_check(bgnbd: BetaGeoNBD, gammagamma: GammaGamma | None, summary: pd.DataFrame, values: pd.DataFrame,
                alive: ArrayLike | None = None, observed_mean_amount: float | None = None, time_unit: str = "weeks",
                currency: str = "USD") -> pd.DataFrame:
    """The BG/NBD + Gamma-Gamma fit checked on a holdout (and, in a simulation, against the truth):
    one row per metric with a numeric ``value``. ``summary`` needs the holdout columns of
    :func:`summary_from_transactions`; ``values`` is :func:`clv`'s output for the same customers;
    ``alive`` (optional, 0/1 per customer) is the true status at the end of calibration; ``time_unit``
    and ``currency`` only label the rows.

    Parameters
    ----------
    bgnbd : BetaGeoNBD
        Fitted BG/NBD.
    gammagamma : GammaGamma or None
        Fitted Gamma-Gamma; None (a log without amounts): the purchase and truth rows only.
    summary : DataFrame
        Calibration/holdout table of the same customers (:func:`summary_from_transactions` with
        ``observation_end``).
    values : DataFrame
        Output of :func:`clv` for those customers.
    alive : array-like or None, optional
        True 0/1 status at calibration end (simulation only); None skips the truth rows.
    observed_mean_amount : float or None, optional
        Mean observed amount per transaction (currency) to compare with the model's; None skips it.
    time_unit : str, default 'weeks'
        Label of the time unit in the metric names.
    currency : str, default 'USD'
        Label of the currency in the metric names.

    Returns
    -------
    DataFrame
        ``metric`` and ``value``: holdout purchases actual vs expected, fit statistics, mean spend and the CLV
        top-decile share.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> tx = data.load('cdnow_sample')
    >>> summary = clv.summary_from_transactions(tx, '1997-09-30', observation_end='1998-06-30')
    >>> bg = clv.BetaGeoNBD().fit(summary['frequency'], summary['recency'], summary['T'])
    >>> buyers = summary[summary['frequency'] > 0]
    >>> gg = clv.GammaGamma().fit(buyers['frequency'], buyers['monetary_value'])
    >>> check = clv.model_check(bg, gg, summary, clv.clv(bg, gg, summary))
    >>> check['metric'].iloc[0]
    'customers (with a purchase by calibration end)'
    """
    need = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not need <= set(summary.columns):
        raise ValidationError(f"model_check: summary lacks {sorted(need - set(summary.columns))}; build it with "
                              "summary_from_transactions(..., observation_end=...)")
    pred = np.asarray(bgnbd.expected_purchases(summary["duration_holdout"].iloc[0], summary["frequency"],
                                               summary["recency"], summary["T"]), dtype=float)
    actual = summary["frequency_holdout"].to_numpy(dtype=float)
    rows = [("customers (with a purchase by calibration end)", float(len(summary))),
            *((name, float(bgnbd.params_[k])) for k, name in
              (("r", "r"), ("alpha", f"alpha ({time_unit})"), ("a", "a"), ("b", "b"))),
            ("holdout transactions, actual", float(actual.sum())),
            ("holdout transactions, predicted", float(pred.sum())),
            ("holdout: mean absolute error per customer", float(np.mean(np.abs(pred - actual)))),
            ("holdout: root mean squared error per customer", float(np.sqrt(np.mean((pred - actual) ** 2))))]
    if alive is not None:
        a = np.asarray(alive).astype(bool)
        pa = values["probability_alive"].to_numpy(dtype=float)
        rows += [("truly active at calibration end (share)", float(a.mean())),
                 ("mean P(alive), truly active", float(pa[a].mean()) if a.any() else float("nan")),
                 ("mean P(alive), truly churned", float(pa[~a].mean()) if (~a).any() else float("nan")),
                 ("AUC of P(alive) for the true status", rank_auc(pa, a))]
    if gammagamma is None:  # a log without amounts: the purchase rows only
        return pd.DataFrame(rows, columns=["metric", "value"])
    p = gammagamma.params_
    rows.append((f"Gamma-Gamma mean spend p*v/(q-1), {currency}", float(p["p"] * p["v"] / (p["q"] - 1)) if p["q"] > 1
                 else float("nan")))
    if observed_mean_amount is not None:
        rows.append((f"observed mean amount, {currency}", float(observed_mean_amount)))
    rows.append(("CLV top-decile share", value_summary(values["clv"], values["probability_alive"])["top_decile_share"]))
    return pd.DataFrame(rows, columns=["metric", "value"])


def _variance(model: Any) -> pd.DataFrame:
    """The parameters' covariance a value's interval uses: at a limit (``limits_``), the one with the held
    coordinates fixed (``variance_matrix_at_limit_``: a GG/NBD at b -> 0 keeps the uncertainty of its
    Pareto/NBD beta / b), else ``variance_matrix_``."""
    if getattr(model, "limits_", ()) and hasattr(model, "variance_matrix_at_limit_"):
        return model.variance_matrix_at_limit_
    return model.variance_matrix_


def clv_intervals(bgnbd: BetaGeoNBD, gammagamma: GammaGamma, summary: pd.DataFrame, horizon: float = 52.0,
                  discount_rate: float = 0.0, margin: float = 1.0, steps: int | None = None,
                  alpha: float = 0.05, rel_step: float = 1e-4, covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`clv` with (1 - alpha) intervals from the parameters' uncertainty (delta method).

    The gradient of each customer's CLV (and of the total) with respect to the log of the seven
    parameters (r, alpha, a, b of BG/NBD; p, q, v of Gamma-Gamma) is taken by central differences;
    with the covariance of the log parameters (the two models are fitted separately, so their blocks
    are independent) it gives the standard error. A model at a limit of its parameter space (``limits_``,
    e.g. no dropout) holds some coordinates there: they count as fixed, and the others vary with the covariance
    of the reduced model (``variance_matrix_at_limit_``). Intervals are built
    on the log scale, as for the parameters: CLV x exp(+-z se / CLV), never below 0. They reflect estimation
    uncertainty of the population parameters, not the randomness of a single customer's future purchases.

    Returns :func:`clv`'s table plus ``clv_std_error``, ``clv_ci_lower``, ``clv_ci_upper``;
    ``attrs["total"]`` holds estimate, std_error, ci_lower, ci_upper of the summed CLV.

    Parameters
    ----------
    bgnbd : BetaGeoNBD
        Fitted BG/NBD.
    gammagamma : GammaGamma
        Fitted Gamma-Gamma.
    summary : DataFrame
        Per-customer ``frequency``, ``recency``, ``T`` and ``monetary_value`` (from
        :func:`summary_from_transactions`).
    horizon : float, default 52.0
        Projection length in the model's time unit (52 weeks = one year).
    discount_rate : float, default 0.0
        Discount rate per time unit (0 = undiscounted).
    margin : float, default 1.0
        Share of spend kept as margin (0-1).
    steps : int or None, optional
        Time steps of the discounted sum; None: one per time unit of ``horizon``.
    alpha : float, default 0.05
        Significance level of the intervals.
    rel_step : float, default 0.0001
        Relative step of the central differences on the log parameters (an absolute step on a covariate
        model's coefficients).
    covariates : DataFrame or None, optional
        With a covariate purchase model (:class:`~crmresearch.clv.ParetoNBDCovariates`,
        :class:`~crmresearch.clv.BetaGeoNBDCovariates`): one row per customer of ``summary``, in its order;
        each customer's CLV uses its own parameters, and the delta method runs over the coefficients too.

    Returns
    -------
    DataFrame
        One row per customer: :func:`clv`'s columns plus the standard error and interval of the CLV (currency).

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> summary = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30')
    >>> bg = clv.BetaGeoNBD().fit(summary['frequency'], summary['recency'], summary['T'])
    >>> buyers = summary[summary['frequency'] > 0]
    >>> gg = clv.GammaGamma().fit(buyers['frequency'], buyers['monetary_value'])
    >>> values = clv.clv_intervals(bg, gg, summary.head(3), horizon=52)
    >>> ['clv_std_error', 'clv_ci_lower', 'clv_ci_upper'] == values.columns[-3:].tolist()
    True
    """
    for m, name in ((bgnbd, "bgnbd"), (gammagamma, "gammagamma")):
        m._check_fitted("clv_intervals")
        finite = np.isfinite(np.diag(_variance(m).to_numpy())) if hasattr(m, "variance_matrix_") else None
        # a model at a limit (limits_) holds some parameters there, and a covariate model the coefficients of
        # constant covariates at 0, with NaN variance: they count as fixed
        held = bool(getattr(m, "limits_", ())) or hasattr(m, "covariates_")
        if finite is None or not (finite.all() or (held and finite.any())):
            raise ValidationError(f"clv_intervals: {name} has no finite parameter covariance (refit with "
                                  "covariance, or the data do not identify the model)")
    base = clv(bgnbd, gammagamma, summary, horizon, discount_rate, margin, steps, covariates)
    X = _covariates_for(bgnbd, summary, covariates, "clv_intervals")
    histories = None if X is not None else _distinct_histories(summary)
    _, path = _purchase_path(bgnbd, summary, horizon, discount_rate, steps, X, histories)
    spend = gammagamma.expected_spend(summary["frequency"], summary["monetary_value"])
    blocks = []
    for m in (bgnbd, gammagamma):
        theta = m.params_.to_numpy(dtype=float)
        V = _variance(m).to_numpy()
        d = np.diag(V)
        free = np.flatnonzero(np.isfinite(d) & (d > 0))  # held at a limit: fixed
        # positive parameters move on the log scale; a covariate model's coefficients (after its four) as they are
        on_log = np.arange(theta.size) < (4 if hasattr(m, "covariates_") else theta.size)
        scale = np.where(on_log, theta, 1.0)
        cov_log = (V / np.outer(scale, scale))[np.ix_(free, free)]  # d log theta
        blocks.append((m, theta, cov_log, free, on_log))
    grads, covs = [], []
    for m, theta, cov_log, free, on_log in blocks:
        for k in free:
            vals = []
            for sign in (1, -1):
                moved = m.__class__.__new__(m.__class__)
                moved.__dict__.update(m.__dict__)
                step = theta.copy()
                if on_log[k]:
                    step[k] *= np.exp(sign * rel_step)
                else:
                    step[k] += sign * rel_step
                moved.params_ = pd.Series(step, index=m.params_.index, name="estimate")
                if m is bgnbd:  # the purchase path moves, the spend does not
                    _, moved_path = _purchase_path(moved, summary, horizon, discount_rate, steps, X, histories)
                    vals.append(np.asarray(margin * spend * moved_path, dtype=float))
                else:  # the spend moves: the purchase path is the fitted one
                    moved_spend = moved.expected_spend(summary["frequency"], summary["monetary_value"])
                    vals.append(np.asarray(margin * moved_spend * path, dtype=float))
            grads.append((vals[0] - vals[1]) / (2 * rel_step))
        covs.append(cov_log)
    G = np.column_stack(grads)  # (n customers, 7) derivatives by log parameter
    C = np.zeros((G.shape[1], G.shape[1]))  # the purchase and spend models' blocks, of any size
    k = covs[0].shape[0]
    C[:k, :k], C[k:, k:] = covs
    var = np.einsum("ij,jk,ik->i", G, C, G)
    se = np.sqrt(np.clip(var, 0, None))
    z = special.ndtri(1 - alpha / 2)
    v = base["clv"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(v > 0, np.exp(z * se / np.where(v > 0, v, 1.0)), 1.0)
    out = base.assign(clv_std_error=se, clv_ci_lower=v / spread, clv_ci_upper=v * spread)
    g_total = G.sum(axis=0)
    total, se_total = float(v.sum()), float(np.sqrt(max(g_total @ C @ g_total, 0.0)))
    s_total = np.exp(z * se_total / total) if total > 0 else 1.0
    out.attrs["total"] = {"estimate": total, "std_error": se_total, "ci_lower": total / s_total,
                          "ci_upper": total * s_total}
    return out
