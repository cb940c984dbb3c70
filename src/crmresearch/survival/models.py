"""Kaplan-Meier, log-rank, Cox PH with assumption checks, AFT models: thin, checked wrappers of lifelines."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.base import Estimator, deprecated_alias, parameter_table
from ..core.design import design_matrix
from ..errors import DataWarning, ValidationError
from ..schemas.checks import as_binary

__all__ = [
    "AFT",
    "CoxPH",
    "KaplanMeier",
    "aft",
    "compare_aft",
    "compare_with_truth",
    "cox",
    "design_matrix",
    "km",
    "logrank",
    "strata_for_ph",
]


def _check_frame(frame: pd.DataFrame, caller: str, entry: bool = True) -> None:
    for col in ("duration", "event"):
        if col not in frame.columns:
            raise ValidationError(f"{caller}: missing column '{col}'; build the frame with survival.survival_frame()")
    d = frame["duration"]
    bad = ~np.isfinite(d.to_numpy(dtype=float)) | (d < 0).to_numpy()
    if bad.any():
        raise ValidationError(f"{caller}: column 'duration': {int(bad.sum())} of {len(frame)} rows are negative "
                              "or missing")
    ev = frame["event"]
    as_binary(ev, "column 'event'", caller)
    if int(ev.sum()) == 0:
        raise ValidationError(f"{caller}: all {len(frame)} rows are censored (no event): survival cannot be estimated")


def _from_lifelines(s: pd.DataFrame, alpha: float, ratio: tuple[str, str, str]) -> pd.DataFrame:
    """The one translation of a lifelines regression summary (``coef``, ``se(coef)``, its bounds, ``z``,
    ``p``, ``exp(coef)`` and its bounds) into the package's summary: :data:`~crmresearch.core.SUMMARY_COLUMNS`
    indexed by covariate, then the ratio and its bounds under the names ``ratio`` gives (hazard ratio for
    Cox, time ratio for AFT)."""
    level = f"{100 * (1 - alpha):g}%"
    return parameter_table(
        pd.Series(s["coef"].to_numpy(), index=list(s.index)), s["se(coef)"], alpha,
        ci_lower=s[f"coef lower {level}"], ci_upper=s[f"coef upper {level}"], z=s["z"], p_value=s["p"],
        extra={ratio[0]: s["exp(coef)"], ratio[1]: s[f"exp(coef) lower {level}"],
               ratio[2]: s[f"exp(coef) upper {level}"]})


class KaplanMeier(Estimator):
    """Kaplan-Meier curves per group with (1 - alpha) confidence bands (lifelines' exponential
    Greenwood), median survival with its interval and survival at ``horizons`` (frame units).
    An ``entry`` column above 0 is delayed entry (left truncation) unless ``entry=False``.

    Parameters
    ----------
    group : str or None, optional
        Column to draw one curve per value of; None: one curve.
    horizons : sequence of float, default (12, 24, 36)
        Times at which survival is reported (frame units).
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Attributes
    ----------
    curves_ : DataFrame (group, time, survival, ci_lower, ci_upper, at_risk)
    medians_ : DataFrame (group, customers, events, median, median_ci_lower, median_ci_upper)
    at_horizons_ : DataFrame (group, horizon, survival, ci_lower, ci_upper)
    fitters_ : dict group -> fitted lifelines KaplanMeierFitter
    n_obs_ : int, customers (rows of the frame) in the fit
    summary : medians and survival at the horizons, one row per group and horizon (columns group,
        customers, events, median, median_ci_lower, median_ci_upper, horizon, survival, ci_lower,
        ci_upper). Kaplan-Meier estimates a curve, not a parameter vector: there is no ``params_``,
        and the summary is this table rather than the parameter table of the other models.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> frame = pd.DataFrame({'duration': [1.0, 2, 3, 4], 'event': [1, 1, 1, 1]})
    >>> survival.KaplanMeier(horizons=(2,)).fit(frame).medians_['median'].tolist()
    [2.0]
    """

    def __init__(self, group: str | None = None, horizons: Sequence[float] = (12, 24, 36), alpha: float = 0.05,
                 entry: bool = True) -> None:
        self.group = group
        self.horizons = horizons
        self.alpha = alpha
        self.entry = entry

    def fit(self, frame: pd.DataFrame) -> KaplanMeier:
        """Estimate from a survival frame (``duration``, ``event``, optional ``entry``).

        Parameters
        ----------
        frame : DataFrame
            Survival frame: ``duration``, ``event``, optional ``entry`` and the group column.

        Returns
        -------
        KaplanMeier
            ``self``, fitted.
        """
        from lifelines import KaplanMeierFitter
        from lifelines.utils import median_survival_times

        _check_frame(frame, "km")
        group = self.group
        if group is not None:
            if group not in frame.columns:
                raise ValidationError(f"km: group column '{group}' not in the frame")
            if frame[group].isna().any():
                raise ValidationError(f"km: column '{group}': {int(frame[group].isna().sum())} of {len(frame)} rows "
                                      "have no group; fill or drop them explicitly")
        groups = [("all", frame)] if group is None else [(str(k), g) for k, g in frame.groupby(group, observed=True)]
        curves, medians, horizon_rows, fitters = [], [], [], {}
        for name, g in groups:
            f = KaplanMeierFitter(alpha=self.alpha).fit(
                g["duration"], g["event"], entry=g["entry"] if self.entry and "entry" in g else None, label=name)
            fitters[name] = f
            sf = f.survival_function_.iloc[:, 0]
            ci = f.confidence_interval_survival_function_
            curves.append(pd.DataFrame({"group": name, "time": sf.index.to_numpy(), "survival": sf.to_numpy(),
                                        "ci_lower": ci.iloc[:, 0].to_numpy(), "ci_upper": ci.iloc[:, 1].to_numpy(),
                                        "at_risk": f.event_table["at_risk"].reindex(sf.index).to_numpy()}))
            med_ci = median_survival_times(f.confidence_interval_)
            medians.append({"group": name, "customers": len(g), "events": int(g["event"].sum()),
                            "median": float(f.median_survival_time_),
                            "median_ci_lower": float(med_ci.iloc[0, 0]), "median_ci_upper": float(med_ci.iloc[0, 1])})
            for h in self.horizons:
                s = float(f.survival_function_at_times(h).iloc[0])
                idx = np.searchsorted(ci.index.to_numpy(), h, side="right") - 1
                lo, hi = float(ci.iloc[max(idx, 0), 0]), float(ci.iloc[max(idx, 0), 1])
                horizon_rows.append({"group": name, "horizon": h, "survival": s, "ci_lower": lo, "ci_upper": hi})
        self.curves_ = pd.concat(curves, ignore_index=True)
        self.medians_ = pd.DataFrame(medians)
        self.at_horizons_ = pd.DataFrame(horizon_rows)
        self.fitters_ = fitters
        self.n_obs_ = len(frame)
        return self

    def _summary(self) -> pd.DataFrame:
        return self.medians_.merge(self.at_horizons_, on="group")


def km(frame: pd.DataFrame, group: str | None = None, horizons: Sequence[float] = (12, 24, 36),
       alpha: float = 0.05, entry: bool = True) -> KaplanMeier:
    """:class:`KaplanMeier` fitted on ``frame`` (see there).

    Parameters
    ----------
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    group : str or None, optional
        Column to draw one curve per value of; None: one curve.
    horizons : sequence of float, default (12, 24, 36)
        Times at which survival is reported.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Returns
    -------
    KaplanMeier
        The fitted estimator.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> frame = pd.DataFrame({'duration': [2.0, 3.0, 3.0, 5.0, 8.0], 'event': [1, 1, 0, 1, 0]})
    >>> survival.km(frame, horizons=(4,)).at_horizons_[['horizon', 'survival']].round(3).values.tolist()
    [[4.0, 0.6]]
    """
    return KaplanMeier(group=group, horizons=horizons, alpha=alpha, entry=entry).fit(frame)


def _logrank_stat(frame: pd.DataFrame, group: pd.Series, use_entry: bool) -> tuple[float, int, float]:
    """k-group log-rank statistic with risk sets that honour delayed entry: a customer is at risk at
    event time t when entry < t <= duration (Klein & Moeschberger 2003, sections 7.3 and 9.4)."""
    from scipy import stats

    dur = frame["duration"].to_numpy(dtype=float)
    ev = frame["event"].to_numpy().astype(bool)
    entry = frame["entry"].to_numpy(dtype=float) if use_entry else np.zeros(len(frame))
    codes, levels = pd.factorize(group, sort=True)
    k = len(levels)
    times = np.unique(dur[ev])
    # at risk per group at each event time: entered before t, still there at t
    at_risk = np.zeros((times.size, k))
    events = np.zeros((times.size, k))
    for g in range(k):
        m = codes == g
        d_sorted, e_sorted = np.sort(dur[m]), np.sort(entry[m])
        at_risk[:, g] = (np.searchsorted(e_sorted, times, side="left")
                         - np.searchsorted(d_sorted, times, side="left"))
        events[:, g] = np.bincount(np.searchsorted(times, dur[m & ev]), minlength=times.size)[: times.size]
    n, d = at_risk.sum(axis=1), events.sum(axis=1)
    ok = n > 0
    at_risk, events, n, d = at_risk[ok], events[ok], n[ok], d[ok]
    expected = (d / n)[:, None] * at_risk
    o_minus_e = (events - expected).sum(axis=0)
    factor = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0) / n
    V = np.einsum("t,tg,th->gh", factor, at_risk, -at_risk / n[:, None])
    V[np.diag_indices(k)] += (factor[:, None] * at_risk).sum(axis=0)
    stat = float(o_minus_e[:-1] @ np.linalg.pinv(V[:-1, :-1]) @ o_minus_e[:-1])
    return stat, k - 1, float(stats.chi2.sf(stat, k - 1))


def logrank(frame: pd.DataFrame, group: str, pairwise: bool = False, correction: str = "holm",
            entry: bool = True) -> pd.DataFrame:
    """Log-rank test of equal survival across the groups of ``group`` (two or more); with
    ``pairwise``, every pair with p-values adjusted by ``correction`` ("holm" or "bonferroni").

    With an ``entry`` column (left truncation, as :func:`km` honours it) a customer joins the risk
    set only after entry; without it the test equals lifelines' ``multivariate_logrank_test``.

    Parameters
    ----------
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    group : str
        Group column (two or more values).
    pairwise : bool, default False
        Test every pair.
    correction : str, default 'holm'
        ``'holm'`` or ``'bonferroni'`` for pairwise p-values.
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Returns
    -------
    DataFrame
        One row for the overall test, plus one per pair with ``pairwise``: ``comparison``, ``test_statistic``,
        ``df``, ``p_value`` (and ``p_adjusted``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> frame = pd.DataFrame({'duration': [1.0, 2, 3, 4, 6, 7, 8, 9], 'event': [1] * 8, 'g': ['a'] * 4 + ['b'] * 4})
    >>> round(float(survival.logrank(frame, 'g')['p_value'].iloc[0]), 4)
    0.0067
    """
    _check_frame(frame, "logrank")
    if group not in frame.columns:
        raise ValidationError(f"logrank: group column '{group}' not in the frame")
    if frame[group].isna().any():
        raise ValidationError(f"logrank: column '{group}': {int(frame[group].isna().sum())} of {len(frame)} rows "
                              "have no group; fill or drop them explicitly")
    if correction not in ("holm", "bonferroni"):
        raise ValidationError(f"logrank: correction must be 'holm' or 'bonferroni'; got {correction!r}")
    if frame[group].nunique() < 2:
        raise ValidationError(f"logrank: column '{group}' has fewer than two groups")
    use_entry = entry and "entry" in frame.columns and bool((frame["entry"] > 0).any())
    labels = frame[group].astype(str)
    stat, df, p = _logrank_stat(frame, labels, use_entry)
    rows = [{"comparison": f"all {frame[group].nunique()} groups of {group}", "test_statistic": stat,
             "df": df, "p_value": p, "p_adjusted": p}]
    if pairwise:
        pairs = []
        for a, b in itertools.combinations(sorted(labels.unique()), 2):
            m = (labels == a) | (labels == b)
            st, _, pv = _logrank_stat(frame[m.to_numpy()], labels[m], use_entry)
            pairs.append({"comparison": f"{a} vs {b}", "test_statistic": st, "df": 1, "p_value": pv})
        p = np.array([x["p_value"] for x in pairs])
        m = len(p)
        if correction == "bonferroni":
            adj = np.minimum(p * m, 1)
        else:
            order = np.argsort(p)
            adj_sorted = np.maximum.accumulate(np.minimum((m - np.arange(m)) * p[order], 1))
            adj = np.empty(m)
            adj[order] = adj_sorted
        for x, a in zip(pairs, adj, strict=True):
            x["p_adjusted"] = float(a)
        rows += pairs
    return pd.DataFrame(rows)


class CoxPH(Estimator):
    """Cox proportional-hazards model (Efron ties; lifelines) with the scaled-Schoenfeld test of
    proportional hazards (rank-transformed time) per covariate, each with a plain-language verdict
    and remedy. ``ph_alpha`` is the level at which a covariate is flagged as violating PH; an
    ``entry`` column above 0 is delayed entry (left truncation) unless ``entry=False``.

    Parameters
    ----------
    covariates : sequence of str, default ()
        Covariate columns.
    strata : sequence of str or None, optional
        Columns to stratify the baseline hazard by; None: none.
    penalizer : float, default 0.0
        L2 penalty on the coefficients (0 = none).
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).
    ph_alpha : float, default 0.01
        Level of the proportional-hazards test at which a covariate is flagged.

    Attributes
    ----------
    params_ : Series of log hazard ratios indexed by design column (``parameter``)
    summary : DataFrame indexed by ``parameter`` (the design columns): estimate (log hazard ratio),
        std_error, ci_lower, ci_upper, z, p_value, hazard_ratio, hr_lower, hr_upper;
        ``summary.rename_axis("covariate").reset_index()`` is the table with a ``covariate`` column
    concordance_ : float (Harrell, training data)
    ph_test_ : DataFrame per covariate: statistic, p_value, verdict, remedy
    covariates_ : design columns (categories one-hot encoded); model_ : fitted lifelines CoxPHFitter
    log_likelihood_ : float, partial log-likelihood; aic_ : float, partial AIC (-2 LL + 2k)
    n_obs_ : int, customers (rows) in the fit; n_events_ : int
    coefficients_ : deprecated: the summary with a ``covariate`` column (removed in the next release)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); x = rng.integers(0, 2, 300)
    >>> frame = pd.DataFrame({'duration': rng.exponential(1 / np.exp(0.5 * x)), 'event': 1, 'x': x})
    >>> m = survival.CoxPH(covariates=['x']).fit(frame)
    >>> m.summary.columns.tolist()[:6], m.summary.index.tolist()
    (['estimate', 'std_error', 'ci_lower', 'ci_upper', 'z', 'p_value'], ['x'])
    """

    coefficients_ = deprecated_alias("summary", lambda m: m.summary.rename_axis("covariate").reset_index())

    def __init__(self, covariates: Sequence[str] = (), strata: Sequence[str] | None = None, penalizer: float = 0.0,
                 alpha: float = 0.05, entry: bool = True, ph_alpha: float = 0.01) -> None:
        self.covariates = covariates
        self.strata = strata
        self.penalizer = penalizer
        self.alpha = alpha
        self.entry = entry
        self.ph_alpha = ph_alpha

    def _set(self, summary: pd.DataFrame, m: Any, ph: pd.DataFrame, X: pd.DataFrame, events: int) -> CoxPH:
        self._table = summary
        self.params_ = summary["estimate"].copy()
        self.concordance_ = float(m.concordance_index_)
        self.ph_test_ = ph
        self.model_ = m
        self.covariates_ = list(X.columns)
        self.log_likelihood_ = float(m.log_likelihood_)
        self.aic_ = float(m.AIC_partial_)
        self.n_obs_ = len(X)
        self.n_events_ = int(events)
        return self

    def fit(self, frame: pd.DataFrame) -> CoxPH:
        """Fit on a survival frame (``duration``, ``event``, optional ``entry``, the covariates).

        Parameters
        ----------
        frame : DataFrame
            Survival frame: one row per customer with ``duration``, ``event`` (optional ``entry``) and the
            covariates.

        Returns
        -------
        CoxPH
            ``self``, fitted.
        """
        from lifelines import CoxPHFitter
        from lifelines.statistics import proportional_hazard_test

        _check_frame(frame, "cox")
        covariates = list(self.covariates)
        X = design_matrix(frame, covariates, "cox")
        data = X.assign(duration=frame["duration"].to_numpy(), event=frame["event"].astype(int).to_numpy())
        use_entry = self.entry and "entry" in frame and (frame["entry"] > 0).any()
        if use_entry:
            data["entry"] = frame["entry"].to_numpy()
        for s in self.strata or []:
            data[s] = frame[s].astype(str).to_numpy()
        m = CoxPHFitter(penalizer=self.penalizer, alpha=self.alpha)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.fit(data, "duration", "event", entry_col="entry" if use_entry else None,
                  strata=list(self.strata or []) or None)
        for w in caught:
            if "convergence" in str(w.message).lower():
                warnings.warn(f"cox: {w.message}", DataWarning, stacklevel=2)
        summary = _from_lifelines(m.summary, self.alpha, ("hazard_ratio", "hr_lower", "hr_upper"))
        events = int(data["event"].sum())
        if np.any(~np.isfinite(summary[["estimate", "std_error"]].to_numpy())):
            raise ValidationError("cox: non-finite estimates (separation or collinearity); check the covariates")
        if getattr(self, "_predict_only", False):  # a bootstrap refit (survival_clv_intervals): no diagnostics
            self._table, self.params_, self.model_ = summary, summary["estimate"].copy(), m
            self.covariates_, self.n_obs_, self.n_events_ = list(X.columns), len(X), events
            return self
        try:
            ph = proportional_hazard_test(m, data, time_transform="rank").summary
        except NotImplementedError:  # lifelines has no Schoenfeld residuals with entry (left truncation)
            ph = pd.DataFrame({"covariate": list(X.columns), "statistic": np.nan, "p_value": np.nan,
                               "verdict": "not tested (left-truncated data)", "remedy": ""})
            return self._set(summary, m, ph, X, events)
        ph = ph.reset_index().rename(columns={"index": "covariate", "test_statistic": "statistic", "p": "p_value"})
        if "covariate" not in ph.columns:
            ph = ph.rename(columns={ph.columns[0]: "covariate"})
        # a test can reject proportional hazards; failing to reject does not show that they hold
        ph["verdict"] = np.where(ph["p_value"] < self.ph_alpha, f"PH rejected at {self.ph_alpha:g}",
                                 f"PH not rejected at {self.ph_alpha:g}")
        ph["remedy"] = [_ph_remedy(c, covariates, X) if p < self.ph_alpha else ""
                        for c, p in zip(ph["covariate"], ph["p_value"], strict=True)]
        return self._set(summary, m, ph[["covariate", "statistic", "p_value", "verdict", "remedy"]], X, events)

    def _summary(self) -> pd.DataFrame:
        return self._table.copy()


def cox(frame: pd.DataFrame, covariates: Sequence[str], strata: Sequence[str] | None = None,
        penalizer: float = 0.0, alpha: float = 0.05, entry: bool = True, ph_alpha: float = 0.01) -> CoxPH:
    """:class:`CoxPH` fitted on ``frame`` (see there).

    Parameters
    ----------
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    covariates : sequence of str
        Covariate columns.
    strata : sequence of str or None, optional
        Columns to stratify by; None: none.
    penalizer : float, default 0.0
        L2 penalty (0 = none).
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).
    ph_alpha : float, default 0.01
        Level of the proportional-hazards test.

    Returns
    -------
    CoxPH
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.integers(0, 2, 400)
    >>> frame = pd.DataFrame({'duration': rng.exponential(1 / np.exp(0.7 * x)), 'event': 1, 'x': x})
    >>> round(float(survival.cox(frame, ['x']).summary['estimate'].iloc[0]), 1)   # truth 0.7
    0.7
    """
    return CoxPH(covariates=covariates, strata=strata, penalizer=penalizer, alpha=alpha, entry=entry,
                 ph_alpha=ph_alpha).fit(frame)


def strata_for_ph(result: CoxPH, frame: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """The categorical covariates (text, category or boolean columns of ``frame``) with at least one
    column that violates proportional hazards in ``result.ph_test_``: the ones to stratify on. A
    continuous covariate that violates PH is not returned (it needs a time interaction or banding).

    Parameters
    ----------
    result : CoxPH
        A fitted :class:`CoxPH`.
    frame : DataFrame
        The frame it was fitted on.
    covariates : sequence of str
        Its covariates.

    Returns
    -------
    list of str
        Columns to stratify on.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); x = rng.integers(0, 2, 300)
    >>> frame = pd.DataFrame({'duration': rng.exponential(1 / np.exp(0.5 * x)), 'event': 1, 'x': x})
    >>> fit = survival.cox(frame, ['x'])
    >>> survival.strata_for_ph(fit, frame, ['x'])   # proportional hazards hold: nothing to stratify
    []
    """
    rejected = result.ph_test_.loc[result.ph_test_["verdict"].str.startswith("PH rejected"), "covariate"]
    out = []
    for c in covariates:
        s = frame[c]
        categorical = (isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object
                       or pd.api.types.is_string_dtype(s) or pd.api.types.is_bool_dtype(s))
        if categorical and any(r == c or r.startswith(f"{c}_") for r in rejected):
            out.append(c)
    return out


def _ph_remedy(column: str, covariates: Sequence[str], X: pd.DataFrame) -> str:
    """Stratify on a category (few levels); for a continuous covariate, a time interaction or binning."""
    source = _source(column, covariates)
    if X[column].nunique() <= 2 or source != column:
        return (f"stratify on '{source}' (strata=['{source}']), or add an interaction of '{column}' with time "
                "(or split time into periods)")
    return (f"'{column}' is continuous: add an interaction of '{column}' with time (e.g. with log time), or bin it "
            "into a few bands and stratify on the bands; do not stratify on its raw values")


def _source(column: str, covariates: Sequence[str]) -> str:
    for c in sorted(covariates, key=len, reverse=True):
        if column == c or column.startswith(f"{c}_"):
            return c
    return column


class AFT(Estimator):
    """Accelerated-failure-time model, ``family`` "weibull", "loglogistic" or "lognormal" (lifelines):
    time ratios exp(coef) with intervals; a time ratio of 2 means the covariate doubles expected
    lifetime. An ``entry`` column above 0 (left truncation, see :func:`survival_frame`) enters the
    likelihood as delayed entry unless ``entry=False``.

    Parameters
    ----------
    covariates : sequence of str, default ()
        Covariate columns.
    family : str, default 'weibull'
        ``'weibull'``, ``'loglogistic'`` or ``'lognormal'``.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    penalizer : float, default 0.0
        L2 penalty on the coefficients (0 = none).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Attributes
    ----------
    params_ : Series of log time ratios indexed by design column (``parameter``; the intercept and the
        shape parameter are in ``model_.summary``)
    summary : DataFrame indexed by ``parameter`` (the design columns): estimate (log time ratio),
        std_error, ci_lower, ci_upper, z, p_value, time_ratio, tr_lower, tr_upper;
        ``summary.rename_axis("covariate").reset_index()`` is the table with a ``covariate`` column
    log_likelihood_, aic_ (-2 LL + 2k), bic_ (-2 LL + k ln n) : float, k every fitted parameter
        (coefficients, intercepts, shape)
    n_obs_ : int, customers (rows) in the fit; covariates_ ; model_ (lifelines fitter)
    coefficients_ : deprecated: the summary with a ``covariate`` column (removed in the next release)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(2); x = rng.integers(0, 2, 300)
    >>> frame = pd.DataFrame({'duration': rng.weibull(1.5, 300) * np.exp(0.4 * x), 'event': 1, 'x': x})
    >>> fit = survival.AFT(covariates=['x']).fit(frame)
    >>> round(float(fit.params_['x']), 1)   # truth 0.4 (300 customers)
    0.3
    """

    coefficients_ = deprecated_alias("summary", lambda m: m.summary.rename_axis("covariate").reset_index())

    def __init__(self, covariates: Sequence[str] = (), family: str = "weibull", alpha: float = 0.05,
                 penalizer: float = 0.0, entry: bool = True) -> None:
        self.covariates = covariates
        self.family = family
        self.alpha = alpha
        self.penalizer = penalizer
        self.entry = entry

    def fit(self, frame: pd.DataFrame) -> AFT:
        """Fit on a survival frame (``duration`` > 0, ``event``, optional ``entry``, the covariates).

        Parameters
        ----------
        frame : DataFrame
            Survival frame: one row per customer with ``duration``, ``event`` (optional ``entry``) and the
            covariates.

        Returns
        -------
        AFT
            ``self``, fitted.
        """
        from lifelines import LogLogisticAFTFitter, LogNormalAFTFitter, WeibullAFTFitter

        fitters = {"weibull": WeibullAFTFitter, "loglogistic": LogLogisticAFTFitter, "lognormal": LogNormalAFTFitter}
        if self.family not in fitters:
            raise ValidationError(f"aft: family must be one of {list(fitters)}; got {self.family!r}")
        _check_frame(frame, "aft")
        X = design_matrix(frame, list(self.covariates), "aft")
        dur = frame["duration"].to_numpy(dtype=float)
        if (dur <= 0).any():
            raise ValidationError(f"aft: {int((dur <= 0).sum())} rows have duration 0; AFT models need durations > 0 "
                                  "(shift by a small amount, e.g. half a period, and say so)")
        data = X.assign(duration=dur, event=frame["event"].astype(int).to_numpy())
        use_entry = self.entry and "entry" in frame and bool((frame["entry"] > 0).any())
        if use_entry:
            data["entry"] = frame["entry"].to_numpy(dtype=float)
        m = fitters[self.family](alpha=self.alpha, penalizer=self.penalizer).fit(data, "duration", "event",
                                                                   entry_col="entry" if use_entry else None)
        s = m.summary
        first = s.index.get_level_values(0)[0]
        main = s.xs(first, level=0)
        main = main.drop(index="Intercept", errors="ignore")
        self._table = _from_lifelines(main, self.alpha, ("time_ratio", "tr_lower", "tr_upper"))
        self.params_ = self._table["estimate"].copy()
        self.aic_ = float(m.AIC_)
        self.log_likelihood_ = float(m.log_likelihood_)
        self.n_obs_ = len(data)
        self.bic_ = float(-2 * self.log_likelihood_ + m.params_.shape[0] * np.log(self.n_obs_))
        self.model_ = m
        self.covariates_ = list(X.columns)
        return self

    def _summary(self) -> pd.DataFrame:
        return self._table.copy()


def aft(frame: pd.DataFrame, covariates: Sequence[str], family: str = "weibull", alpha: float = 0.05,
        penalizer: float = 0.0, entry: bool = True) -> AFT:
    """:class:`AFT` fitted on ``frame`` (see there).

    Parameters
    ----------
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    covariates : sequence of str
        Covariate columns.
    family : str, default 'weibull'
        ``'weibull'``, ``'loglogistic'`` or ``'lognormal'``.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    penalizer : float, default 0.0
        L2 penalty (0 = none).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Returns
    -------
    AFT
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(2); x = rng.integers(0, 2, 200)
    >>> frame = pd.DataFrame({'duration': rng.weibull(1.5, 200) * np.exp(0.4 * x), 'event': 1, 'x': x})
    >>> type(survival.aft(frame, ['x'])).__name__
    'AFT'
    """
    return AFT(covariates=covariates, family=family, alpha=alpha, penalizer=penalizer, entry=entry).fit(frame)


def compare_aft(frame: pd.DataFrame, covariates: Sequence[str],
                families: Sequence[str] = ("weibull", "loglogistic", "lognormal"), entry: bool = True) -> pd.DataFrame:
    """AIC and log-likelihood of each AFT family on the same data, best (lowest AIC) first.

    Parameters
    ----------
    frame : DataFrame
        Survival frame: one row per customer with ``duration``, ``event`` (and optional ``entry``) in one time
        unit.
    covariates : sequence of str
        Covariate columns.
    families : sequence of str, default ('weibull', 'loglogistic', 'lognormal')
        AFT families to compare.
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).

    Returns
    -------
    DataFrame
        One row per family: ``family``, ``log_likelihood``, ``aic`` and ``delta_aic``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(2); x = rng.integers(0, 2, 200)
    >>> frame = pd.DataFrame({'duration': rng.weibull(1.5, 200) * np.exp(0.4 * x), 'event': 1, 'x': x})
    >>> survival.compare_aft(frame, ['x'])['family'].tolist()
    ['weibull', 'loglogistic', 'lognormal']
    """
    rows = []
    for fam in families:
        r = aft(frame, covariates, family=fam, entry=entry)
        rows.append({"family": fam, "log_likelihood": r.log_likelihood_, "aic": r.aic_})
    out = pd.DataFrame(rows).sort_values("aic", ignore_index=True)
    out["delta_aic"] = out["aic"] - out["aic"].iloc[0]
    return out


def compare_with_truth(result: CoxPH, truth: dict[str, float], rename: dict[str, str] | None = None,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Estimated log-hazard ratios next to known true values (simulation studies): estimate, SE,
    (1 - alpha) interval, truth, error in standard errors and whether the interval covers the truth.

    Parameters
    ----------
    result : CoxPH
        A fitted :class:`CoxPH`.
    truth : dict of str to float
        Covariate -> true log hazard ratio.
    rename : dict of str to str or None, optional
        Design column -> name in ``truth``; None: same names.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).

    Returns
    -------
    DataFrame
        One row per covariate in ``truth``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); x = rng.integers(0, 2, 500)
    >>> frame = pd.DataFrame({'duration': rng.exponential(1 / np.exp(0.5 * x)), 'event': 1, 'x': x})
    >>> survival.compare_with_truth(survival.cox(frame, ['x']), {'x': 0.5}).columns.tolist()[:4]
    ['parameter', 'estimate', 'std_error', 'ci_lower']
    """
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    s = result.summary.rename_axis("covariate").reset_index()
    s["parameter"] = s["covariate"].map(lambda c: (rename or {}).get(c, c))
    missing = [p for p in s["parameter"] if p not in truth]
    if missing:
        raise ValidationError(f"compare_with_truth: no true value for {missing}; pass rename={{...}}")
    s["truth"] = s["parameter"].map(truth)
    s["ci_lower"] = s["estimate"] - z * s["std_error"]
    s["ci_upper"] = s["estimate"] + z * s["std_error"]
    s["error_in_se"] = (s["estimate"] - s["truth"]) / s["std_error"]
    s["covers_truth"] = (s["ci_lower"] <= s["truth"]) & (s["truth"] <= s["ci_upper"])
    return s[["parameter", "estimate", "std_error", "ci_lower", "ci_upper", "truth", "error_in_se", "covers_truth"]]


def _strata(model: Any) -> list[str]:
    """The strata columns of a fitted lifelines model as a list (lifelines keeps one as a string)."""
    strata = getattr(model, "strata", None)
    if not strata:
        return []
    return [strata] if isinstance(strata, str) else list(strata)
