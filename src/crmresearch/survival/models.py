"""Kaplan-Meier, log-rank, Cox PH with assumption checks, AFT models: thin, checked wrappers of lifelines."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataWarning, ValidationError

__all__ = [
    "AFTResult",
    "CoxResult",
    "KMResult",
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
    if not ev.isin([0, 1, True, False]).all():
        n = int((~ev.isin([0, 1, True, False])).sum())
        raise ValidationError(f"{caller}: column 'event': {n} of {len(frame)} rows are not 0/1")
    if int(ev.sum()) == 0:
        raise ValidationError(f"{caller}: all {len(frame)} rows are censored (no event): survival cannot be estimated")


@dataclass
class KMResult:
    """Kaplan-Meier estimates per group: ``curves`` (timeline, survival, CI, at risk), ``medians``,
    ``at_horizons`` and the fitted lifelines objects in ``fitters``."""

    curves: pd.DataFrame
    medians: pd.DataFrame
    at_horizons: pd.DataFrame
    fitters: dict[str, Any] = field(repr=False)


def km(frame: pd.DataFrame, group: str | None = None, horizons: Sequence[float] = (12, 24, 36),
       alpha: float = 0.05, entry: bool = True) -> KMResult:
    """Kaplan-Meier curves per group with (1 - alpha) confidence bands (lifelines' exponential
    Greenwood), median survival with its interval and survival at ``horizons`` (frame units)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    _check_frame(frame, "km")
    if group is not None:
        if group not in frame.columns:
            raise ValidationError(f"km: group column '{group}' not in the frame")
        if frame[group].isna().any():
            raise ValidationError(f"km: column '{group}': {int(frame[group].isna().sum())} of {len(frame)} rows have "
                                  "no group; fill or drop them explicitly")
    groups = [("all", frame)] if group is None else [(str(k), g) for k, g in frame.groupby(group, observed=True)]
    curves, medians, horizon_rows, fitters = [], [], [], {}
    for name, g in groups:
        f = KaplanMeierFitter(alpha=alpha).fit(
            g["duration"], g["event"], entry=g["entry"] if entry and "entry" in g else None, label=name)
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
        for h in horizons:
            s = float(f.survival_function_at_times(h).iloc[0])
            idx = np.searchsorted(ci.index.to_numpy(), h, side="right") - 1
            lo, hi = float(ci.iloc[max(idx, 0), 0]), float(ci.iloc[max(idx, 0), 1])
            horizon_rows.append({"group": name, "horizon": h, "survival": s, "ci_lower": lo, "ci_upper": hi})
    return KMResult(pd.concat(curves, ignore_index=True), pd.DataFrame(medians), pd.DataFrame(horizon_rows), fitters)


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
    set only after entry; without it the test equals lifelines' ``multivariate_logrank_test``."""
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
             "df": df, "p": p, "p_adjusted": p}]
    if pairwise:
        pairs = []
        for a, b in itertools.combinations(sorted(labels.unique()), 2):
            m = (labels == a) | (labels == b)
            st, _, pv = _logrank_stat(frame[m.to_numpy()], labels[m], use_entry)
            pairs.append({"comparison": f"{a} vs {b}", "test_statistic": st, "df": 1, "p": pv})
        p = np.array([x["p"] for x in pairs])
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


def design_matrix(frame: pd.DataFrame, covariates: Sequence[str], caller: str = "cox") -> pd.DataFrame:
    """Numeric covariates as they are, booleans as 0/1, categoricals as treatment dummies (first
    level = reference). Constant or perfectly collinear columns are a clear error (they would
    give NaN or infinite estimates)."""
    missing = [c for c in covariates if c not in frame.columns]
    if missing:
        raise ValidationError(f"{caller}: covariate column(s) {missing} not in the frame")
    parts = []
    for c in covariates:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
            d = pd.get_dummies(s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category"), prefix=c,
                               drop_first=True, dtype=float)
            if s.isna().any():
                d.loc[s.isna().to_numpy()] = np.nan
            parts.append(d)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).rename(c))
        else:
            raise ValidationError(f"{caller}: covariate '{c}' has dtype {s.dtype}; covariates must be numbers, "
                                  "booleans or categories (convert dates to durations first)")
    X = pd.concat(parts, axis=1)
    na = X.isna().any(axis=1)
    if na.any():
        cols = [c for c in X.columns if X[c].isna().any()]
        raise ValidationError(f"{caller}: {int(na.sum())} of {len(X)} rows have missing covariates ({cols}); "
                              "impute them or drop the rows explicitly")
    const = [c for c in X.columns if X[c].nunique() <= 1]
    if const:
        raise ValidationError(f"{caller}: covariate(s) {const} are constant; a constant has no estimable effect")
    rank = np.linalg.matrix_rank(np.column_stack([np.ones(len(X)), X.to_numpy()]))
    if rank < X.shape[1] + 1:
        raise ValidationError(f"{caller}: the covariates are perfectly collinear (rank {rank - 1} of {X.shape[1]} "
                              f"columns: {list(X.columns)}); drop one of the dependent columns")
    return X


@dataclass
class CoxResult:
    """A fitted Cox model: ``summary`` (hazard ratios with intervals), ``concordance``, ``ph_test``
    (per covariate: statistic, p, verdict, remedy) and the lifelines ``model``."""

    summary: pd.DataFrame
    concordance: float
    ph_test: pd.DataFrame
    model: Any = field(repr=False)
    covariates: list[str] = field(default_factory=list)


def cox(frame: pd.DataFrame, covariates: Sequence[str], strata: Sequence[str] | None = None,
        penalizer: float = 0.0, alpha: float = 0.05, entry: bool = True, ph_alpha: float = 0.01) -> CoxResult:
    """Cox proportional-hazards model (Efron ties) with the scaled-Schoenfeld test of proportional
    hazards (rank-transformed time) per covariate, each with a plain-language verdict and remedy.

    ``ph_alpha`` is the significance level at which a covariate is flagged as violating PH.
    """
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    _check_frame(frame, "cox")
    X = design_matrix(frame, covariates, "cox")
    data = X.assign(duration=frame["duration"].to_numpy(), event=frame["event"].astype(int).to_numpy())
    use_entry = entry and "entry" in frame and (frame["entry"] > 0).any()
    if use_entry:
        data["entry"] = frame["entry"].to_numpy()
    for s in strata or []:
        data[s] = frame[s].astype(str).to_numpy()
    m = CoxPHFitter(penalizer=penalizer, alpha=alpha)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.fit(data, "duration", "event", entry_col="entry" if use_entry else None, strata=list(strata or []) or None)
    for w in caught:
        if "convergence" in str(w.message).lower():
            warnings.warn(f"cox: {w.message}", DataWarning, stacklevel=2)
    s = m.summary
    summary = pd.DataFrame({
        "coef": s["coef"], "se": s["se(coef)"], "hazard_ratio": s["exp(coef)"],
        "hr_lower": s[f"exp(coef) lower {100 * (1 - alpha):g}%"],
        "hr_upper": s[f"exp(coef) upper {100 * (1 - alpha):g}%"],
        "z": s["z"], "p": s["p"],
    }).rename_axis("covariate").reset_index()
    if np.any(~np.isfinite(summary[["coef", "se"]].to_numpy())):
        raise ValidationError("cox: non-finite estimates (separation or collinearity); check the covariates")
    try:
        ph = proportional_hazard_test(m, data, time_transform="rank").summary
    except NotImplementedError:  # lifelines has no Schoenfeld residuals with entry (left truncation)
        ph = pd.DataFrame({"covariate": list(X.columns), "statistic": np.nan, "p": np.nan,
                           "verdict": "not tested (left-truncated data)", "remedy": ""})
        return CoxResult(summary, float(m.concordance_index_), ph, m, list(X.columns))
    ph = ph.reset_index().rename(columns={"index": "covariate", "test_statistic": "statistic"})
    if "covariate" not in ph.columns:
        ph = ph.rename(columns={ph.columns[0]: "covariate"})
    # a test can reject proportional hazards; failing to reject does not show that they hold
    ph["verdict"] = np.where(ph["p"] < ph_alpha, f"PH rejected at {ph_alpha:g}", f"PH not rejected at {ph_alpha:g}")
    ph["remedy"] = [_ph_remedy(c, covariates, X) if p < ph_alpha else ""
                    for c, p in zip(ph["covariate"], ph["p"], strict=True)]
    return CoxResult(summary, float(m.concordance_index_), ph[["covariate", "statistic", "p", "verdict", "remedy"]],
                     m, list(X.columns))


def strata_for_ph(result: CoxResult, frame: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """The categorical covariates (text, category or boolean columns of ``frame``) with at least one
    column that violates proportional hazards in ``result.ph_test``: the ones to stratify on. A
    continuous covariate that violates PH is not returned (it needs a time interaction or banding)."""
    rejected = result.ph_test.loc[result.ph_test["verdict"].str.startswith("PH rejected"), "covariate"]
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


@dataclass
class AFTResult:
    """A fitted accelerated-failure-time model: ``time_ratios`` table, ``aic``, ``model``."""

    family: str
    time_ratios: pd.DataFrame
    aic: float
    log_likelihood: float
    model: Any = field(repr=False)
    covariates: list[str] = field(default_factory=list)


def aft(frame: pd.DataFrame, covariates: Sequence[str], family: str = "weibull", alpha: float = 0.05,
        penalizer: float = 0.0) -> AFTResult:
    """AFT model ("weibull", "loglogistic" or "lognormal"): time ratios exp(coef) with intervals;
    a time ratio of 2 means the covariate doubles expected lifetime."""
    from lifelines import LogLogisticAFTFitter, LogNormalAFTFitter, WeibullAFTFitter

    fitters = {"weibull": WeibullAFTFitter, "loglogistic": LogLogisticAFTFitter, "lognormal": LogNormalAFTFitter}
    if family not in fitters:
        raise ValidationError(f"aft: family must be one of {list(fitters)}; got {family!r}")
    _check_frame(frame, "aft")
    X = design_matrix(frame, covariates, "aft")
    dur = frame["duration"].to_numpy(dtype=float)
    if (dur <= 0).any():
        raise ValidationError(f"aft: {int((dur <= 0).sum())} rows have duration 0; AFT models need durations > 0 "
                              "(shift by a small amount, e.g. half a period, and say so)")
    data = X.assign(duration=dur, event=frame["event"].astype(int).to_numpy())
    m = fitters[family](alpha=alpha, penalizer=penalizer).fit(data, "duration", "event")
    s = m.summary
    first = s.index.get_level_values(0)[0]
    main = s.xs(first, level=0)
    main = main.drop(index="Intercept", errors="ignore")
    tr = pd.DataFrame({"covariate": main.index, "coef": main["coef"].to_numpy(),
                       "time_ratio": main["exp(coef)"].to_numpy(),
                       "tr_lower": main[f"exp(coef) lower {100 * (1 - alpha):g}%"].to_numpy(),
                       "tr_upper": main[f"exp(coef) upper {100 * (1 - alpha):g}%"].to_numpy(),
                       "p": main["p"].to_numpy()})
    return AFTResult(family, tr, float(m.AIC_), float(m.log_likelihood_), m, list(X.columns))


def compare_aft(frame: pd.DataFrame, covariates: Sequence[str],
                families: Sequence[str] = ("weibull", "loglogistic", "lognormal")) -> pd.DataFrame:
    """AIC and log-likelihood of each AFT family on the same data, best (lowest AIC) first."""
    rows = []
    for fam in families:
        r = aft(frame, covariates, family=fam)
        rows.append({"family": fam, "log_likelihood": r.log_likelihood, "aic": r.aic})
    out = pd.DataFrame(rows).sort_values("aic", ignore_index=True)
    out["delta_aic"] = out["aic"] - out["aic"].iloc[0]
    return out


def compare_with_truth(result: CoxResult, truth: dict[str, float], rename: dict[str, str] | None = None,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Estimated log-hazard ratios next to known true values (simulation studies): estimate, SE,
    (1 - alpha) interval, truth, error in standard errors and whether the interval covers the truth."""
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    s = result.summary.copy()
    s["parameter"] = s["covariate"].map(lambda c: (rename or {}).get(c, c))
    missing = [p for p in s["parameter"] if p not in truth]
    if missing:
        raise ValidationError(f"compare_with_truth: no true value for {missing}; pass rename={{...}}")
    s["truth"] = s["parameter"].map(truth)
    s["lower"] = s["coef"] - z * s["se"]
    s["upper"] = s["coef"] + z * s["se"]
    s["error_in_se"] = (s["coef"] - s["truth"]) / s["se"]
    s["covers_truth"] = (s["lower"] <= s["truth"]) & (s["truth"] <= s["upper"])
    return s[["parameter", "coef", "se", "lower", "upper", "truth", "error_in_se", "covers_truth"]]


def _strata(model: Any) -> list[str]:
    """The strata columns of a fitted lifelines model as a list (lifelines keeps one as a string)."""
    strata = getattr(model, "strata", None)
    if not strata:
        return []
    return [strata] if isinstance(strata, str) else list(strata)
