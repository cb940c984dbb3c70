"""Which customer-base model holds for these customers: every model fitted to the same calibration table
and judged side by side on the holdout (Fader, Hardie & Lee 2005, section 4; Batislam et al. 2007, Table 3).

One row per model: fit (log-likelihood, AIC, BIC), the holdout (total purchases, per-customer error, the
period-by-period tracking of repeat purchases), P(alive) against the true status where a simulation knows
it, and the lifetime value with its interval, plus how far each model's top decile of customers by value
is from the reference model's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, ValidationError
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeoNBD
from .covariates import BetaGeoNBDCovariates, ParetoNBDCovariates
from .ggnbd import GammaGompertzNBD
from .mbgnbd import ModifiedBetaGeoNBD
from .paretonbd import ParetoNBD

#: the models :func:`compare_models` fits by name (all take frequency, recency, T of one calibration table; the
#: BG/BB, a discrete-time model, only a table at opportunities: :func:`~crmresearch.clv.opportunity_summary`)
MODELS: dict[str, type] = {"bgnbd": BetaGeoNBD, "mbgnbd": ModifiedBetaGeoNBD, "paretonbd": ParetoNBD,
                           "ggnbd": GammaGompertzNBD, "bgbb": BetaGeoBetaBinom}
#: how tables and figures name them
LABELS: dict[str, str] = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "paretonbd": "Pareto/NBD", "ggnbd": "GG/NBD",
                          "bgbb": "BG/BB"}
#: the columns of a comparison table, in order (those a comparison cannot fill are left out)
COLUMNS = ("model", "label", "status", "limit", "parameters", "customers", "likelihood_of", "log_likelihood", "aic",
           "bic",
           "holdout_actual", "holdout_predicted", "holdout_error_pct", "holdout_mae", "tracking_mae",
           "tracking_mape_pct", "cumulative_error_pct", "palive_auc", "palive_mean_error", "clv_total", "clv_ci_lower",
           "clv_ci_upper", "top_decile_clv", "top_decile_overlap", "top_decile_change_pct")
#: the holdout criteria a comparison may favour a model by (lower is better)
CRITERIA = ("holdout_mae", "bic", "tracking_mape_pct")


@dataclass
class ModelComparison:
    """The result of :func:`compare_models`.

    Attributes
    ----------
    table : DataFrame
        One row per model (see :func:`compare_models`).
    tracking : DataFrame or None
        Cumulative repeat purchases per period: ``period``, ``date``, ``holdout``, ``actual`` and one column per
        model (its expectation); None without ``transactions``.
    values : dict
        Model name -> per-customer value table (:func:`~crmresearch.clv.clv_intervals`); empty without ``spend``.
    models : dict
        Model name -> fitted model (converged fits only).
    favoured : str
        The converged model with the lowest ``criterion``.
    criterion : str
        The column that chose ``favoured``.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30', observation_end='1998-06-30')
    >>> result = clv.compare_models(s, ['bgnbd', 'paretonbd'])
    >>> result.favoured, sorted(result.models)
    ('paretonbd', ['bgnbd', 'paretonbd'])
    """

    table: pd.DataFrame
    tracking: pd.DataFrame | None
    values: dict[str, pd.DataFrame] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    favoured: str = ""
    criterion: str = "holdout_mae"


def compare_models(summary: pd.DataFrame,
                   models: Sequence[str] | Mapping[str, Any] = ("bgnbd", "mbgnbd", "paretonbd", "ggnbd"),
                   *, transactions: Any = None, calibration_end: Any = None, observation_end: Any = None,
                   freq: str = "W", spend: Any = None, horizon: float = 52.0, discount_rate: float = 0.0,
                   margin: float = 1.0, alive: Any = None, alpha: float = 0.05, reference: str = "bgnbd",
                   criterion: str = "holdout_mae", top_share: float = 0.10,
                   reuse: Mapping[str, tuple[Any, pd.DataFrame | None]] | None = None) -> ModelComparison:
    """Fit every model in ``models`` to one calibration/holdout table and compare them on the holdout.

    Columns of ``table`` (one row per model, in the order given):

    The BG/BB (a discrete-time model) fits only a table at opportunities
    (:func:`~crmresearch.clv.opportunity_summary`), where the continuous-time models read the periods as their
    time unit; its log-likelihood (of a probability) and the others' (of a density) are then not on one scale, so
    ``aic``/``bic`` rank within each kind only (the column ``likelihood_of`` says which: "probability" or
    "density"; ``table.attrs["mixed_likelihoods"]`` is True) and ``criterion`` 'bic' is refused.

    - ``model``, ``label``, ``status`` ("ok", or why the model could not be fitted: the others are still
      compared), ``limit`` (the limit a fit ended at, in words, e.g. GG/NBD reducing to Pareto/NBD; its value's
      interval is then the reduced model's, the held coordinates fixed), ``parameters`` (k),
      ``customers``, ``log_likelihood``, ``aic``, ``bic`` (k ln n - 2 LL);
    - ``holdout_actual``, ``holdout_predicted`` (purchases of all customers over the holdout),
      ``holdout_error_pct`` (predicted - actual, % of actual), ``holdout_mae`` (mean absolute error of each
      customer's holdout purchases, FHL 2005 Fig. 4's conditional expectation per customer);
    - with ``transactions``: ``tracking_mae`` (mean absolute error of the purchases per holdout period, count),
      ``tracking_mape_pct`` (the same in % of the actual per period), ``cumulative_error_pct`` (cumulative
      repeat purchases since the start of calibration at the holdout's end, % of actual; FHL 2005 Fig. 2);
    - with ``alive`` (a simulation's true status at calibration end): ``palive_auc`` (AUC of P(alive) for that
      status) and ``palive_mean_error`` (mean P(alive) minus the true alive share);
    - with ``spend`` (a fitted :class:`~crmresearch.clv.GammaGamma`): ``clv_total`` and its (1 - alpha) interval
      ``clv_ci_lower``/``clv_ci_upper`` (delta method on the log parameters, :func:`~crmresearch.clv.clv_intervals`),
      ``top_decile_clv`` (value of the top ``top_share`` of customers), ``top_decile_overlap`` (share of the
      reference model's top customers that are also this model's) and ``top_decile_change_pct`` (this model's
      top-decile value against the reference model's, %).

    Parameters
    ----------
    summary : DataFrame
        One row per customer with ``frequency``, ``recency``, ``T``, ``frequency_holdout`` and ``duration_holdout``
        (:func:`~crmresearch.clv.summary_from_transactions` with ``observation_end``), and ``monetary_value``
        when ``spend`` is given.
    models : sequence of str or mapping, default ('bgnbd', 'mbgnbd', 'paretonbd', 'ggnbd')
        Names from :data:`MODELS`, or a mapping name -> unfitted model object (fitted here).
    transactions : object, optional
        The transaction log the summary came from (anywhere :func:`~crmresearch.sources.as_source` reads), for
        the period-by-period tracking; needs ``calibration_end`` and ``observation_end``.
    calibration_end, observation_end : str or Timestamp, optional
        Last days of the calibration period and of the holdout.
    freq : str, default 'W'
        Time unit of the summary (``'W'`` weeks, ``'D'`` days).
    spend : GammaGamma, optional
        Fitted spend model; None leaves the value columns out (a log without amounts).
    horizon : float, default 52.0
        Lifetime-value horizon in ``freq`` units.
    discount_rate : float, default 0.0
        Discount rate per ``freq`` unit.
    margin : float, default 1.0
        Share of spend kept as margin (0-1).
    alive : array-like, optional
        True 0/1 status of each customer (row order of ``summary``) at calibration end.
    alpha : float, default 0.05
        Level of the value intervals.
    reference : str, default 'bgnbd'
        The model the top-decile columns compare with (the first model when it is not compared).
    criterion : str, default 'holdout_mae'
        Column that names the favoured model, one of :data:`CRITERIA` (lower is better).
    top_share : float, default 0.1
        Share of customers in the "top decile".
    reuse : mapping of str to (model, values), optional
        Models already fitted to this summary, with their value table from
        :func:`~crmresearch.clv.clv_intervals` at the same settings (or None), used instead of fitting and
        valuing them again (e.g. the BG/NBD and values of :func:`~crmresearch.clv.customer_value`).

    Returns
    -------
    ModelComparison
        ``table``, ``tracking``, ``values``, ``models``, ``favoured``.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30', observation_end='1998-06-30')
    >>> cmp = clv.compare_models(s, ['bgnbd', 'mbgnbd'])
    >>> cmp.table[['model', 'parameters', 'holdout_actual']].values.tolist()
    [['bgnbd', 4, 1882.0], ['mbgnbd', 4, 1882.0]]
    """
    from .utils import repeat_tracking
    from .value import clv_intervals, rank_auc

    need = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not need <= set(summary.columns):
        raise ValidationError(f"compare_models: summary lacks column(s) {sorted(need - set(summary.columns))}; build "
                              "it with summary_from_transactions(..., observation_end=...)")
    if criterion not in CRITERIA:
        raise ValidationError(f"compare_models: criterion {criterion!r} is not one of {list(CRITERIA)}")
    if not 0 < top_share < 1:
        raise ValidationError(f"compare_models: top_share must be in (0, 1), got {top_share}")
    chosen = _models(models)
    discrete = {bool(getattr(m, "discrete_time", False)) for m in chosen.values()}
    if len(discrete) > 1 and criterion == "bic":  # a probability against a density: not on one scale
        raise ValidationError("compare_models: criterion 'bic' cannot rank a discrete-time model (BG/BB: the "
                              "probability of (x, t_x)) against continuous-time ones (a density in t_x); favour by "
                              "'holdout_mae' or 'tracking_mape_pct'")
    if spend is not None and "monetary_value" not in summary.columns:
        raise ValidationError("compare_models: spend is given but the summary has no monetary_value column")
    if alive is not None:
        alive = np.asarray(alive).astype(bool)
        if alive.shape != (len(summary),):
            raise ValidationError(f"compare_models: alive has {alive.size} values for {len(summary)} customers")
    if transactions is not None and (calibration_end is None or observation_end is None):
        raise ValidationError("compare_models: the tracking needs calibration_end and observation_end")

    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    actual = summary["frequency_holdout"].to_numpy(dtype=float)
    t_hold = float(summary["duration_holdout"].iloc[0])
    fitted: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    tracks: dict[str, pd.DataFrame] = {}
    values: dict[str, pd.DataFrame] = {}
    for name, model in chosen.items():
        row: dict[str, Any] = {"model": name, "label": LABELS.get(name, name), "customers": len(summary)}
        if len(discrete) > 1:  # say on each row what its log-likelihood measures
            row["likelihood_of"] = ("probability" if getattr(model, "discrete_time", False) else "density")
        given, given_values = (reuse or {}).get(name, (None, None))
        if given is not None:
            model = given
        elif getattr(model, "discrete_time", False) and not _whole(summary):
            rows.append({**row, "status": "not fitted: a discrete-time model needs a table at opportunities (whole "
                         "periods: clv.opportunity_summary)"})
            continue
        else:
            try:
                model.fit(x, tx, T)
            except (ConvergenceError, ValidationError) as err:
                rows.append({**row, "status": f"not fitted: {str(err).splitlines()[0]}"})
                continue
        fitted[name] = model
        limits = tuple(getattr(model, "limits_", ()) or ())
        row["limit"] = "; ".join(text.split(":")[0] for text in limits)
        pred = np.asarray(model.expected_purchases(t_hold, x, tx, T), dtype=float)
        row.update(status="ok", parameters=len(model.params_), log_likelihood=model.log_likelihood_, aic=model.aic_,
                   bic=model.bic_, holdout_actual=float(actual.sum()), holdout_predicted=float(pred.sum()),
                   holdout_error_pct=_pct(pred.sum(), actual.sum()), holdout_mae=float(np.mean(np.abs(pred - actual))))
        if transactions is not None:
            track = repeat_tracking(transactions, model, calibration_end, observation_end, freq=freq)
            tracks[name] = track
            hold = track[track["holdout"]]
            inc_a = np.diff(track["actual"].to_numpy(dtype=float), prepend=0.0)[track["holdout"].to_numpy()]
            inc_e = np.diff(track["expected"].to_numpy(dtype=float), prepend=0.0)[track["holdout"].to_numpy()]
            ok = inc_a > 0
            row.update(tracking_mae=float(np.mean(np.abs(inc_e - inc_a))),
                       tracking_mape_pct=float(np.mean(np.abs(inc_e[ok] - inc_a[ok]) / inc_a[ok]) * 100) if ok.any()
                       else float("nan"),
                       cumulative_error_pct=_pct(hold["expected"].iloc[-1], hold["actual"].iloc[-1]))
        if alive is not None:
            pa = np.asarray(model.probability_alive(x, tx, T), dtype=float)
            row.update(palive_auc=rank_auc(pa, alive), palive_mean_error=float(pa.mean() - alive.mean()))
        if spend is not None:
            if given_values is not None and "total" in given_values.attrs:
                v, total = given_values, given_values.attrs["total"]
            else:  # at a limit: the interval of the reduced model (clv_intervals, variance_matrix_at_limit_)
                v = clv_intervals(model, spend, summary, horizon=horizon, discount_rate=discount_rate,
                                  margin=margin, alpha=alpha)
                total = v.attrs["total"]
            values[name] = v
            row.update(clv_total=float(total["estimate"]), clv_ci_lower=float(total["ci_lower"]),
                       clv_ci_upper=float(total["ci_upper"]))
        rows.append(row)
    if not fitted:
        raise ConvergenceError("compare_models: no model could be fitted to these customers: "
                               + "; ".join(f"{r['label']}: {r['status']}" for r in rows))
    table = pd.DataFrame(rows)
    if values:
        _top_deciles(table, values, reference if reference in values else next(iter(values)), top_share)
    ranked = table[table["status"] == "ok"]
    if criterion not in ranked or ranked[criterion].isna().all():
        criterion = "holdout_mae"
    favoured = str(ranked.sort_values([criterion, "parameters"], kind="stable")["model"].iloc[0])
    tracking = None
    if tracks:
        first = next(iter(tracks.values()))
        tracking = first[["period", "date", "holdout", "actual"]].copy()
        for name, track in tracks.items():
            tracking[name] = track["expected"].to_numpy()
    table = table.reindex(columns=[c for c in COLUMNS if c in table.columns])
    table.attrs.update(favoured=favoured, criterion=criterion, reference=reference,
                       mixed_likelihoods=len(discrete) > 1)
    return ModelComparison(table=table, tracking=tracking, values=values, models=fitted, favoured=favoured,
                           criterion=criterion)


def _models(models: Sequence[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(models, Mapping):
        chosen = dict(models)
    else:
        if isinstance(models, str):
            models = [models]
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ValidationError(f"compare_models: unknown model(s) {unknown}; known: {sorted(MODELS)}")
        chosen = {m: MODELS[m]() for m in models}
    if not chosen:
        raise ValidationError("compare_models: name at least one model")
    return chosen


def _whole(summary: pd.DataFrame) -> bool:
    """Recency and age are whole numbers of periods (a table at opportunities)."""
    times = summary[["recency", "T"]].to_numpy(dtype=float)
    return bool(np.all(times == np.round(times)))


def _pct(predicted: float, actual: float) -> float:
    return float((predicted - actual) / actual * 100) if actual else float("nan")


def _top_deciles(table: pd.DataFrame, values: dict[str, pd.DataFrame], reference: str, share: float) -> None:
    """Add the top-decile columns in place: value of each model's top customers, and how far they are from
    the reference model's (which customers, and how much value)."""
    n = len(next(iter(values.values())))
    k = max(1, int(np.ceil(share * n)))

    def top(v: pd.DataFrame) -> tuple[set, float]:
        order = np.argsort(-v["clv"].to_numpy(), kind="stable")[:k]
        return set(v.index[order]), float(v["clv"].to_numpy()[order].sum())

    ref_ids, ref_value = top(values[reference])
    for name, v in values.items():
        ids, value = top(v)
        at = table["model"] == name
        table.loc[at, "top_decile_clv"] = value
        table.loc[at, "top_decile_overlap"] = len(ids & ref_ids) / k
        table.loc[at, "top_decile_change_pct"] = _pct(value, ref_value)


#: the covariate models :func:`compare_covariate_models` fits by name (Fader & Hardie 2007)
COVARIATE_MODELS: dict[str, type] = {"paretonbd": ParetoNBDCovariates, "bgnbd": BetaGeoNBDCovariates}


def compare_covariate_models(summary: pd.DataFrame, covariates: pd.DataFrame,
                             models: Sequence[str] = ("paretonbd", "bgnbd"), *, alpha: float = 0.05) -> pd.DataFrame:
    """Each model with time-invariant covariates beside itself without them, on the same customers (Fader &
    Hardie 2007): the covariates' coefficients, the likelihood-ratio test and the holdout error of both.

    Parameters
    ----------
    summary : DataFrame
        One row per customer with ``frequency``, ``recency``, ``T`` and, for the holdout columns,
        ``frequency_holdout`` and ``duration_holdout`` (:func:`~crmresearch.clv.summary_from_transactions`).
    covariates : DataFrame
        One row per customer of ``summary`` (same index), the covariates of both processes (numbers, booleans
        or categories).
    models : sequence of str, default ('paretonbd', 'bgnbd')
        Names from :data:`COVARIATE_MODELS`.
    alpha : float, default 0.05
        Significance level of the coefficients' Wald intervals.

    Returns
    -------
    DataFrame
        One row per model and coefficient: ``model`` (label), ``coefficient`` (``purchase:<covariate>``,
        ``dropout:<covariate>``; BG/NBD ``dropout_a:``/``dropout_b:``), ``estimate``, ``std_error``, ``ci_lower``,
        ``ci_upper``, ``p_value``; per model ``log_likelihood`` and ``log_likelihood_without``, the LR test
        ``lr_statistic``, ``lr_df``, ``lr_p_value``; with a holdout ``holdout_mae`` and ``holdout_mae_without``
        (mean absolute error of each customer's holdout purchases, count).

    Raises
    ------
    ValidationError
        An unknown model name, or covariates whose index is not the summary's.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> sim = clv.simulate_bgnbd(800, r=0.5, alpha=6.0, a=0.8, b=3.0, T=52.0, seed=1)
    >>> X = pd.DataFrame({'web': np.arange(800) % 2 == 0}, index=sim.index)
    >>> t = clv.compare_covariate_models(sim, X)
    >>> t['coefficient'].tolist()
    ['purchase:web', 'dropout:web', 'purchase:web', 'dropout_a:web', 'dropout_b:web']
    """
    unknown = [m for m in models if m not in COVARIATE_MODELS]
    if unknown:
        raise ValidationError(f"compare_covariate_models: unknown model(s) {unknown}; known: "
                              f"{sorted(COVARIATE_MODELS)}")
    if not covariates.index.equals(summary.index):
        raise ValidationError(f"compare_covariate_models: the covariates' index is not the summary's "
                              f"({len(covariates)} rows against {len(summary)} customers): give one row per "
                              "customer, in its order")
    x, tx, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    holdout = {"frequency_holdout", "duration_holdout"} <= set(summary.columns)
    rows = []
    for name in models:
        m = COVARIATE_MODELS[name](alpha=alpha).fit(x, tx, T, covariates)
        plain = m._plain().fit(x, tx, T)
        per = {"model": LABELS[name], "log_likelihood": m.log_likelihood_,
               "log_likelihood_without": plain.log_likelihood_, "lr_statistic": m.lr_test_["statistic"],
               "lr_df": int(m.lr_test_["df"]), "lr_p_value": m.lr_test_["p_value"]}
        if holdout:
            t_hold, actual = summary["duration_holdout"].to_numpy(dtype=float), summary["frequency_holdout"].to_numpy()
            pred = np.asarray(m.expected_purchases(t_hold, x, tx, T, covariates), dtype=float)
            pred0 = np.asarray(plain.expected_purchases(t_hold, x, tx, T), dtype=float)
            per.update(holdout_mae=float(np.mean(np.abs(pred - actual))),
                       holdout_mae_without=float(np.mean(np.abs(pred0 - actual))))
        coefs = m.summary.loc[[p for p in m.summary.index if ":" in p]]
        for coef, r in coefs.iterrows():
            rows.append({"model": per["model"], "coefficient": coef,
                         **{k: float(r[k]) for k in ("estimate", "std_error", "ci_lower", "ci_upper", "p_value")},
                         **{k: v for k, v in per.items() if k != "model"}})
    return pd.DataFrame(rows)
