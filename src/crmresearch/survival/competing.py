"""Competing risks: customers leave for different causes. Cumulative incidence by cause (Aalen-Johansen)
with Aalen's variance and Gray's test, cause-specific Cox models, and Fine-Gray subdistribution-hazard
regression with its censoring weights, robust variance and predicted cumulative incidence.

The numbers are those of R's cmprsk (Gray): ``cuminc`` (estimates, variances, Gray's K-sample test) and
``crr``/``predict.crr`` (coefficients, sandwich variance, baseline); ``tests/survival/test_competing.py``
compares them on the Melanoma data. Cause-specific hazards answer "what drives this cause"; the
subdistribution (Fine-Gray) model answers "how many will leave for this cause by t".

References: Aalen (1978), Nonparametric estimation of partial transition probabilities in multiple decrement
models, Ann. Statist. 6; Gray (1988), A class of K-sample tests for comparing the cumulative incidence of a
competing risk, Ann. Statist. 16; Fine & Gray (1999), A proportional hazards model for the subdistribution
of a competing risk, JASA 94.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ..core.base import Estimator, parameter_table
from ..core.design import design_matrix
from ..errors import ConvergenceError, ValidationError
from ..schemas.checks import as_binary, as_codes, as_durations, check_columns

__all__ = ["CauseSpecificCox", "CumulativeIncidence", "FineGray", "cause_codes", "cause_table", "competing_events",
           "cuminc", "fine_gray", "gray_test"]


# ---------------------------------------------------------------------------------------------- inputs
def competing_events(frame: pd.DataFrame, caller: str, cause: str | None = None,
                     causes: Sequence[Hashable] | None = None, required: Sequence[Hashable] = (),
                     entry: bool = False) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    """Durations, cause codes (0 = censored, k = the k-th cause of ``labels``) and the cause labels of a
    competing-risks frame.

    Two shapes: ``event`` coded 0 (censored), 1, 2, ... (``cause=None``), or ``event`` 0/1 with the cause of
    each event in the column ``cause`` (labels of any kind; censored rows' cause is ignored). ``causes``
    lists the known causes (unknown ones are an error); None: every cause that occurs.

    Parameters
    ----------
    frame : DataFrame
        ``duration``, ``event`` (and the ``cause`` column).
    caller : str
        Name of the public function, for the messages.
    cause : str or None, optional
        Column holding the cause of each event; None: ``event`` holds the cause codes.
    causes : sequence or None, optional
        The known causes, in the order to report them; None: those that occur, sorted.
    required : sequence, default ()
        Causes that must have at least one event.
    entry : bool, default False
        The caller honours an ``entry`` column (delayed entry); if not, rows with ``entry`` > 0 are an error
        rather than silently treated as observed from time 0.

    Returns
    -------
    tuple of (ndarray, ndarray, list)
        Durations (float), codes (int, 0 = censored, k = ``labels[k - 1]``), labels.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import competing
    >>> f = pd.DataFrame({'duration': [3.0, 5, 2], 'event': [1, 0, 1], 'why': ['fees', None, 'moved']})
    >>> d, code, labels = competing.competing_events(f, 'cuminc', cause='why')
    >>> code.tolist(), labels
    ([1, 0, 2], ['fees', 'moved'])
    """
    check_columns(frame, ["duration", "event"] + ([cause] if cause else []), caller)
    dur = as_durations(frame["duration"].to_numpy(), "column 'duration'", caller)
    if not entry and "entry" in frame.columns:
        late = pd.to_numeric(frame["entry"], errors="coerce").fillna(0).to_numpy() > 0
        if late.any():
            raise ValidationError(f"{caller}: column 'entry': {int(late.sum())} of {len(frame)} rows enter after "
                                  "time 0 (left truncation), which this estimator does not handle; use "
                                  "survival.CauseSpecificCox, or drop the column to treat every row as observed "
                                  "from time 0")
    code, labels = cause_codes(frame, caller, cause, causes, required)
    return dur, code, labels


def cause_codes(frame: pd.DataFrame, caller: str, cause: str | None = None,
                causes: Sequence[Hashable] | None = None,
                required: Sequence[Hashable] = ()) -> tuple[np.ndarray, list[Hashable]]:
    """Cause codes (0 = censored, k = the k-th cause of ``labels``) and the cause labels of the ``event``
    (and ``cause``) columns of a competing-risks frame, in either shape of :func:`competing_events`; unknown
    codes and required causes without an event are refused with counts.

    Parameters
    ----------
    frame : DataFrame
        ``event`` (and the ``cause`` column).
    caller : str
        Name of the public function, for the messages.
    cause : str or None, optional
        Column holding the cause of each event; None: ``event`` holds the cause codes.
    causes : sequence or None, optional
        The known causes, in the order to report them; None: those that occur, sorted.
    required : sequence, default ()
        Causes that must have at least one event.

    Returns
    -------
    tuple of (ndarray, list)
        Codes (int, 0 = censored, k = ``labels[k - 1]``) and labels.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.survival import competing
    >>> code, labels = competing.cause_codes(pd.DataFrame({'event': [0, 2, 5, 2]}), 'cuminc')
    >>> code.tolist(), labels
    ([0, 1, 2, 1], [2, 5])
    """
    check_columns(frame, ["event"] + ([cause] if cause else []), caller)
    if cause is None:
        raw = pd.Series(frame["event"].to_numpy(dtype=object))
        num = pd.to_numeric(raw, errors="coerce")
        whole = num.notna() & (num >= 0) & (num == np.floor(num.fillna(0)))
        observed = sorted({int(v) for v in num[whole & (num > 0)]})
        labels = list(causes) if causes is not None else observed
        shown = raw.copy()
        shown[whole] = num[whole].astype("int64")
        as_codes(shown, [0, *labels],
                 "column 'event'", caller, required=list(required), meaning="codes (0 = censored, then the causes)")
        lookup = {lab: k + 1 for k, lab in enumerate(labels)}
        code = np.array([0 if v == 0 else lookup[v] for v in num.astype(int)], dtype=int)
        return code, labels
    ev = as_binary(frame["event"].to_numpy(), "column 'event'", caller)
    why = pd.Series(frame[cause].to_numpy(dtype=object))[ev == 1]
    labels = list(causes) if causes is not None else sorted(why.dropna().unique().tolist(), key=str)
    as_codes(why, labels, f"column '{cause}' (rows with event 1)", caller, required=list(required),
             meaning="causes")
    lookup = {lab: k + 1 for k, lab in enumerate(labels)}
    code = np.zeros(len(frame), dtype=int)
    code[ev == 1] = [lookup[v] for v in why]
    return code, labels


def _groups(frame: pd.DataFrame, group: str | None, caller: str) -> tuple[np.ndarray, list[str]]:
    if group is None:
        return np.zeros(len(frame), dtype=int), ["all"]
    check_columns(frame, [group], caller)
    g = frame[group]
    if g.isna().any():
        raise ValidationError(f"{caller}: column '{group}': {int(g.isna().sum())} of {len(frame)} rows have no group; "
                              "fill or drop them explicitly")
    codes, levels = pd.factorize(g.astype(str), sort=True)
    return codes, [str(v) for v in levels]


# ------------------------------------------------------------------------------------ Aalen-Johansen
def _aalen_johansen(t: np.ndarray, code: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative incidence of cause ``k`` and Aalen's variance at the distinct times of cause k (cmprsk's
    ``cinc``: the variance is updated at cause-k times and held between them)."""
    times, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
    at_risk = len(t) - np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(float)
    d1 = np.bincount(inv, weights=(code == k).astype(float), minlength=times.size)
    d = np.bincount(inv, weights=(code > 0).astype(float), minlength=times.size)
    keep = d > 0
    times, rs, d1, d = times[keep], at_risk[keep], d1[keep], d[keep]
    d2 = d - d1
    fkn = np.cumprod((rs - d) / rs)
    fk = np.concatenate([[1.0], fkn[:-1]])
    F = np.cumsum(fk * d1 / rs)
    inv_fkn = np.divide(1.0, fkn, out=np.zeros_like(fkn), where=fkn > 0)
    v1 = np.zeros_like(F)
    v2 = np.zeros_like(F)
    v3 = np.zeros_like(F)
    for dj, other in ((d2, True), (d1, False)):
        t5 = np.where(dj > 1, 1 - (dj - 1) / np.maximum(rs - 1, 1), 1.0)
        t6 = fk * fk * t5 * dj / (rs * rs)
        if other:
            on = (dj > 0) & (fkn > 0)
            t3, t4 = inv_fkn, F * inv_fkn
        else:
            on = dj > 0
            t3, t4 = inv_fkn, 1 + inv_fkn * F
        t6 = np.where(on, t6, 0.0)
        v1 += t4 * t4 * t6
        v2 += t3 * t4 * t6
        v3 += t3 * t3 * t6
    v1, v2, v3 = np.cumsum(v1), np.cumsum(v2), np.cumsum(v3)
    jump = d1 > 0
    var = (v1 + F * F * v3 - 2 * F * v2)[jump]
    return times[jump], F[jump], var


def _band(F: np.ndarray, var: np.ndarray, alpha: float, conf_type: str) -> tuple[np.ndarray, np.ndarray]:
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    se = np.sqrt(np.maximum(var, 0))
    if conf_type == "plain":
        return np.clip(F - z * se, 0, 1), np.clip(F + z * se, 0, 1)
    inside = (F > 0) & (F < 1)
    safe = np.where(inside, F, 0.5)
    s = np.where(inside, se / (safe * np.abs(np.log(safe))), 0.0)
    lo = np.where(inside, safe ** np.exp(np.minimum(z * s, 700.0)), F)  # exp(700): F**inf = 0, no overflow
    hi = np.where(inside, safe ** np.exp(-z * s), F)
    return lo, hi


def _gray_statistic(t: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, rho: float,
                    strata: np.ndarray | None = None) -> float:
    """Gray's (1988) K-sample statistic for one cause, ``m`` 0 censored, 1 the cause, 2 another cause, groups
    ``g`` coded 0..ng-1: scores and their covariance summed over ``strata`` (cmprsk's ``crstm``)."""
    strata = np.zeros(t.size, dtype=int) if strata is None else strata
    s, v = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    for k in np.unique(strata):
        sk, vk = _gray_score(t[strata == k], m[strata == k], g[strata == k], ng, rho)
        s, v = s + sk, v + vk
    try:
        return float(s @ np.linalg.solve(v, s))
    except np.linalg.LinAlgError:
        return float("nan")


def _gray_score(t: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Scores of the first ng - 1 groups and their covariance in one stratum: cmprsk's ``crst``, its recursion
    over the event times as cumulative sums over (time, group) arrays."""
    ng1 = ng - 1
    times, inv = np.unique(t, return_inverse=True)
    count, d1, d2 = (np.zeros((times.size, ng)) for _ in range(3))
    np.add.at(count, (inv, g), 1.0)
    np.add.at(d1, (inv[m == 1], g[m == 1]), 1.0)
    np.add.at(d2, (inv[m == 2], g[m == 2]), 1.0)
    rs = np.cumsum(count[::-1], axis=0)[::-1]  # at risk: time >= t
    events = (d1 + d2).sum(axis=1) > 0
    rs, d1, d2 = rs[events], d1[events], d2[events]
    pos = rs > 0
    rs1 = np.where(pos, rs, 1.0)
    skm = np.cumprod(np.where(pos, 1 - (d1 + d2) / rs1, 1.0), axis=0)  # Kaplan-Meier per group, right-continuous
    skmm = np.vstack([np.ones(ng), skm[:-1]])  # and left-continuous
    sk1 = np.where(pos, skmm, 1.0)
    jump = np.where(pos, skmm * d1 / rs1, 0.0)
    f1m = np.cumsum(jump, axis=0) - jump  # the group's incidence, left-continuous
    h = np.where(pos, rs / sk1, 0.0)
    tr = h.sum(axis=1)
    tq = np.where(pos, rs * (1 - f1m) / sk1, 0.0).sum(axis=1)
    nd1 = d1.sum(axis=1)
    inc = nd1 / tr
    f = np.cumsum(inc)
    fm = f - inc  # the pooled incidence, left-continuous
    fb = (1 - fm) ** rho
    a = fb[:, None, None] * (h[:, :, None] * np.eye(ng) - h[:, :, None] * h[:, None, :] / tr[:, None, None])
    w = np.divide(nd1, tr * (1 - fm), out=np.zeros_like(nd1), where=nd1 > 0)
    c = np.cumsum(a * w[:, None, None], axis=0)
    score = np.where(pos, fb[:, None] * (d1 - nd1[:, None] * rs * (1 - f1m) / (sk1 * tq[:, None])), 0.0)
    s = score.sum(axis=0)[:ng1]
    skm1 = np.where(skm > 0, skm, 1.0)
    # failures from the cause
    t4 = np.where(skm > 0, 1 - (1 - f)[:, None] / skm1, 1.0)
    den = tr[:, None] * skmm - 1
    t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / np.where(den != 0, den, 1.0), 1.0)
    t3 = np.where(pos & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * rs1), 0.0)
    v3 = (t4 * t4 * t3).sum(axis=0)
    t1 = a[:, :ng1, :] - t4[:, None, :] * c[:, :ng1, :]
    v2 = np.einsum("tik,tk,tk->ik", t1, t4, t3)
    v = np.einsum("tik,tjk,tk->ij", t1, t1, t3)
    # failures from the other causes
    on = (skm > 0) & (d2 > 0)
    t4 = np.where(on, (1 - f)[:, None] / skm1, 0.0)
    t5 = np.where(d2 > 1, 1 - (d2 - 1) / np.where(rs > 1, rs - 1, 1.0), 1.0)
    t3 = np.where(on, t5 * skmm ** 2 * d2 / rs1 ** 2, 0.0)
    v3 += (t4 * t4 * t3).sum(axis=0)
    t1 = t4[:, None, :] * c[:, :ng1, :]
    v2 -= np.einsum("tik,tk,tk->ik", t1, t4, t3)
    v += np.einsum("tik,tjk,tk->ij", t1, t1, t3)
    cc = c[-1, :ng1]
    v += (cc * v3) @ cc.T + cc @ v2.T + v2 @ cc.T
    return s, v


class CumulativeIncidence(Estimator):
    """Cumulative incidence of each cause (Aalen-Johansen) per group, with Aalen's (1978) variance and
    pointwise (1 - alpha) bands, at ``horizons`` as a tidy table, and Gray's (1988) test of equal
    incidence between the groups for each cause. Estimates and variances equal R's ``cmprsk::cuminc``;
    ``naive`` is 1 - Kaplan-Meier with the other causes censored, which overstates the incidence.

    Parameters
    ----------
    cause : str or None, optional
        Column holding each event's cause (``event`` then 0/1); None: ``event`` holds codes 0 (censored),
        1, 2, ...
    causes : sequence or None, optional
        The known causes in reporting order (unknown ones are an error); None: those that occur.
    group : str or None, optional
        Column to estimate one set of curves per value of (and to test between); None: one set.
    horizons : sequence of float, default (12, 24, 36)
        Times at which the incidence is reported (frame units).
    alpha : float, default 0.05
        Significance level of the bands (1 - alpha coverage).
    conf_type : str, default 'log-log'
        Band on the log(-log) scale (stays within 0 and 1) or ``'plain'`` (estimate -+ z SE, clipped).
    rho : float, default 0.0
        Power of the weight (1 - F(t-))^rho in Gray's test (0: the log-rank-like test).
    strata : str or None, optional
        Column to stratify Gray's test by (groups compared within each stratum); None: none.

    Attributes
    ----------
    curves_ : DataFrame (group, cause, time, cif, variance, ci_lower, ci_upper): the step function at 0 and
        at each time of the cause
    at_horizons_ : DataFrame (group, cause, horizon, cif, std_error, ci_lower, ci_upper, naive, overstated):
        NaN beyond the group's last follow-up time (as ``cmprsk::timepoints``)
    gray_test_ : DataFrame (cause, statistic, df, p_value), with a group; else None
    causes_ : list of the causes; groups_ : list of the groups; n_obs_ : int, rows in the fit
    summary : the horizon table. Cumulative incidence is a curve, not a parameter vector: there is no
        ``params_``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> f = pd.DataFrame({'duration': [1.0, 2, 3, 4, 5], 'event': [1, 2, 0, 1, 2]})
    >>> fit = survival.CumulativeIncidence(horizons=(4,)).fit(f)
    >>> fit.at_horizons_.set_index('cause')['cif'].round(3).to_dict()   # 1/5 + (3/5)(1/2); 1/5
    {1: 0.5, 2: 0.2}
    """

    def __init__(self, cause: str | None = None, causes: Sequence[Hashable] | None = None,
                 group: str | None = None, horizons: Sequence[float] = (12, 24, 36), alpha: float = 0.05,
                 conf_type: str = "log-log", rho: float = 0.0, strata: str | None = None) -> None:
        self.cause = cause
        self.causes = causes
        self.group = group
        self.horizons = horizons
        self.alpha = alpha
        self.conf_type = conf_type
        self.rho = rho
        self.strata = strata

    def fit(self, frame: pd.DataFrame) -> CumulativeIncidence:
        """Estimate from a competing-risks frame (``duration``, ``event``, optional cause and group columns).

        Parameters
        ----------
        frame : DataFrame
            One row per customer: ``duration``, ``event`` (codes, or 0/1 with the cause column).

        Returns
        -------
        CumulativeIncidence
            ``self``, fitted.
        """
        from scipy import stats

        if self.conf_type not in ("log-log", "plain"):
            raise ValidationError(f"cuminc: conf_type must be 'log-log' or 'plain'; got {self.conf_type!r}")
        t, code, labels = competing_events(frame, "cuminc", self.cause, self.causes)
        if not (code > 0).any():
            raise ValidationError(f"cuminc: all {len(frame)} rows are censored (no event): incidence cannot be "
                                  "estimated")
        g, groups = _groups(frame, self.group, "cuminc")
        horizons = np.asarray(list(self.horizons), dtype=float)
        curves, rows = [], []
        for gi, gname in enumerate(groups):
            m = g == gi
            tg, cg = t[m], code[m]
            for k, lab in enumerate(labels, start=1):
                times, F, var = _aalen_johansen(tg, cg, k)
                times, F, var = np.r_[0.0, times], np.r_[0.0, F], np.r_[0.0, var]
                lo, hi = _band(F, var, self.alpha, self.conf_type)
                curves.append(pd.DataFrame({"group": gname, "cause": [lab] * times.size, "time": times,
                                            "cif": F, "variance": var, "ci_lower": lo, "ci_upper": hi}))
                idx = np.searchsorted(times, horizons, side="right") - 1
                beyond = horizons > tg.max()
                naive = self._naive(tg, cg, k, horizons)
                cif = np.where(beyond, np.nan, F[idx])
                rows.append(pd.DataFrame({
                    "group": gname, "cause": [lab] * horizons.size, "horizon": horizons, "cif": cif,
                    "std_error": np.where(beyond, np.nan, np.sqrt(var[idx])),
                    "ci_lower": np.where(beyond, np.nan, lo[idx]), "ci_upper": np.where(beyond, np.nan, hi[idx]),
                    "naive": np.where(beyond, np.nan, naive), "overstated": np.where(beyond, np.nan, naive - cif)}))
        self.curves_ = pd.concat(curves, ignore_index=True)
        self.at_horizons_ = pd.concat(rows, ignore_index=True)
        self.gray_test_ = None
        if len(groups) > 1:
            strata = None if self.strata is None else _groups(frame, self.strata, "cuminc")[0]
            tests = []
            for k, lab in enumerate(labels, start=1):
                mk = np.where(code == 0, 0, np.where(code == k, 1, 2))
                stat = _gray_statistic(t, mk, g, len(groups), float(self.rho), strata)
                df = len(groups) - 1
                tests.append({"cause": lab, "statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df))})
            self.gray_test_ = pd.DataFrame(tests)
        self.causes_ = labels
        self.groups_ = groups
        self.n_obs_ = len(frame)
        return self

    @staticmethod
    def _naive(t: np.ndarray, code: np.ndarray, k: int, horizons: np.ndarray) -> np.ndarray:
        """1 - Kaplan-Meier of cause k with the other causes censored, at the horizons."""
        times, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
        at_risk = len(t) - np.concatenate([[0], np.cumsum(counts)[:-1]])
        dk = np.bincount(inv, weights=(code == k).astype(float), minlength=times.size)
        surv = np.cumprod(1 - dk / at_risk)
        idx = np.searchsorted(times, horizons, side="right") - 1
        return 1 - np.where(idx >= 0, surv[np.maximum(idx, 0)], 1.0)

    def _summary(self) -> pd.DataFrame:
        return self.at_horizons_.copy()


def cuminc(frame: pd.DataFrame, cause: str | None = None, causes: Sequence[Hashable] | None = None,
           group: str | None = None, horizons: Sequence[float] = (12, 24, 36), alpha: float = 0.05,
           conf_type: str = "log-log", rho: float = 0.0) -> CumulativeIncidence:
    """:class:`CumulativeIncidence` fitted on ``frame`` (see there).

    Parameters
    ----------
    frame : DataFrame
        One row per customer: ``duration``, ``event`` (codes 0, 1, 2, ..., or 0/1 with ``cause``).
    cause : str or None, optional
        Column holding each event's cause; None: ``event`` holds the codes.
    causes : sequence or None, optional
        The known causes; None: those that occur.
    group : str or None, optional
        Column to estimate and test by.
    horizons : sequence of float, default (12, 24, 36)
        Times at which the incidence is reported.
    alpha : float, default 0.05
        Significance level of the bands.
    conf_type : str, default 'log-log'
        ``'log-log'`` or ``'plain'``.
    rho : float, default 0.0
        Power of the weight in Gray's test.

    Returns
    -------
    CumulativeIncidence
        The fitted estimator.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> f = pd.DataFrame({'duration': [1.0, 2, 3, 4, 5, 6], 'event': [1, 2, 1, 0, 2, 1], 'g': list('ababab')})
    >>> survival.cuminc(f, group='g', horizons=(5,)).gray_test_.columns.tolist()
    ['cause', 'statistic', 'df', 'p_value']
    """
    return CumulativeIncidence(cause=cause, causes=causes, group=group, horizons=horizons, alpha=alpha,
                               conf_type=conf_type, rho=rho).fit(frame)


def gray_test(frame: pd.DataFrame, group: str, cause: str | None = None, causes: Sequence[Hashable] | None = None,
              rho: float = 0.0, strata: str | None = None) -> pd.DataFrame:
    """Gray's (1988) test of equal cumulative incidence of each cause across the groups of ``group``
    (statistic as R's ``cmprsk::cuminc``, chi-square on groups - 1 degrees of freedom).

    Parameters
    ----------
    frame : DataFrame
        One row per customer: ``duration``, ``event`` (codes, or 0/1 with ``cause``) and ``group``.
    group : str
        Group column (two or more values).
    cause : str or None, optional
        Column holding each event's cause; None: ``event`` holds the codes.
    causes : sequence or None, optional
        The known causes; None: those that occur.
    rho : float, default 0.0
        Power of the weight (1 - F(t-))^rho.
    strata : str or None, optional
        Column to stratify by: the groups are compared within each stratum; None: none.

    Returns
    -------
    DataFrame
        One row per cause: ``cause``, ``statistic``, ``df``, ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import survival
    >>> f = pd.DataFrame({'duration': [1.0, 2, 3, 4, 5, 6], 'event': [1, 2, 1, 0, 2, 1], 'g': list('aabbab')})
    >>> survival.gray_test(f, 'g')['df'].tolist()
    [1, 1]
    """
    check_columns(frame, [group], "gray_test")
    if frame[group].nunique() < 2:
        raise ValidationError(f"gray_test: column '{group}' has fewer than two groups")
    fit = CumulativeIncidence(cause=cause, causes=causes, group=group, horizons=(), rho=rho, strata=strata).fit(frame)
    return fit.gray_test_


# ------------------------------------------------------------------------------------ cause-specific Cox
class CauseSpecificCox(Estimator):
    """One Cox model per cause, each with the other causes censored (:class:`CoxPH`, Efron ties): the
    cause-specific hazard ratios answer "what drives leaving for this cause". A hazard ratio is not a
    ratio of probabilities: for "how many leave for this cause by t" use :class:`FineGray` or the
    cumulative incidence.

    Parameters
    ----------
    covariates : sequence of str, default ()
        Covariate columns.
    cause : str or None, optional
        Column holding each event's cause (``event`` then 0/1); None: ``event`` holds codes 0, 1, 2, ...
    causes : sequence or None, optional
        The causes to model (each needs an event); None: every cause that occurs.
    strata : sequence of str or None, optional
        Columns to stratify each baseline hazard by; None: none.
    penalizer : float, default 0.0
        L2 penalty on the coefficients (0 = none).
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    entry : bool, default True
        Treat an ``entry`` column above 0 as delayed entry (left truncation).
    ph_alpha : float, default 0.01
        Level of each model's proportional-hazards test.
    id_col : str or None, optional
        Time-varying covariates: the frame is in counting-process form, one row per (start, stop] interval
        of a customer (``id_col``, ``start``, ``stop``, ``event`` on the interval that ends in the exit, the
        covariates in force during the interval), and each cause gets a :class:`TimeVaryingCox` (Efron ties,
        model-based standard errors: R's ``coxph(Surv(start, stop, cause == k) ~ ..., id = id)``). Intervals
        must not overlap within an id, and an exit ends its follow-up; a first ``start`` above 0 is delayed
        entry. None: one row per customer with ``duration``.

    Attributes
    ----------
    params_ : Series of log cause-specific hazard ratios indexed by ``cause:design column`` (``parameter``)
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value,
        hazard_ratio, hr_lower, hr_upper, cause, covariate
    models_ : dict cause -> fitted :class:`CoxPH` (its ``ph_test_``, ``concordance_`` ...), or
        :class:`TimeVaryingCox` with ``id_col``
    log_likelihood_ : float, the sum of the partial log-likelihoods (the likelihood factorises by cause);
        aic_ : float, -2 LL + 2k over all causes
    causes_ : list; n_obs_ : int, rows in the fit (customers with ``id_col``); n_events_ : dict cause -> events

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.integers(0, 2, 400)
    >>> t1, t2 = rng.exponential(1 / np.exp(0.7 * x)), rng.exponential(1.0, 400)
    >>> f = pd.DataFrame({'duration': np.minimum(t1, t2), 'event': np.where(t1 < t2, 1, 2), 'x': x})
    >>> fit = survival.CauseSpecificCox(['x']).fit(f)
    >>> fit.params_.round(1).to_dict()   # truth 0.7 for cause 1, 0 for cause 2
    {'1:x': 0.8, '2:x': 0.0}

    With a time-varying covariate, in (start, stop] rows:

    >>> rows = pd.DataFrame({'customer_id': [1, 1, 2, 3, 3, 4, 5, 6, 7, 7, 8, 9, 10, 10],
    ...                      'start': [0.0, 2, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 4],
    ...                      'stop': [2.0, 5, 4, 3, 6, 7, 3, 8, 1, 9, 2, 5, 4, 6],
    ...                      'event': [0, 1, 2, 0, 1, 0, 2, 1, 0, 2, 1, 0, 0, 2],
    ...                      'complaint': [0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1]})
    >>> fit = survival.CauseSpecificCox(['complaint'], id_col='customer_id').fit(rows)
    >>> fit.n_events_, fit.n_obs_
    ({1: 4, 2: 4}, 10)
    """

    def __init__(self, covariates: Sequence[str] = (), cause: str | None = None,
                 causes: Sequence[Hashable] | None = None, strata: Sequence[str] | None = None,
                 penalizer: float = 0.0, alpha: float = 0.05, entry: bool = True, ph_alpha: float = 0.01,
                 id_col: str | None = None) -> None:
        self.covariates = covariates
        self.cause = cause
        self.causes = causes
        self.strata = strata
        self.penalizer = penalizer
        self.alpha = alpha
        self.entry = entry
        self.ph_alpha = ph_alpha
        self.id_col = id_col

    def fit(self, frame: pd.DataFrame) -> CauseSpecificCox:
        """Fit one Cox model per cause on a competing-risks frame.

        Parameters
        ----------
        frame : DataFrame
            One row per customer: ``duration``, ``event`` (codes, or 0/1 with the cause column), the covariates;
            with ``id_col``, one row per (start, stop] interval: ``id_col``, ``start``, ``stop``, ``event``
            (and the cause column), the covariates.

        Returns
        -------
        CauseSpecificCox
            ``self``, fitted.
        """
        from .models import CoxPH
        from .timevarying import TimeVaryingCox, check_intervals

        caller = "cause_specific_cox"
        if self.id_col is None:
            _, code, labels = competing_events(frame, caller, self.cause, self.causes,
                                               required=list(self.causes or []), entry=True)
        else:
            if self.strata or self.penalizer:
                raise ValidationError(f"{caller}: strata and penalizer are not available with id_col (start/stop "
                                      "rows); drop them or fit one row per customer")
            code, labels = cause_codes(frame, caller, self.cause, self.causes, required=list(self.causes or []))
            check_intervals(frame, self.id_col, caller, events=code)
        if not labels:
            raise ValidationError(f"{caller}: all {len(frame)} rows are censored (no event of any cause)")
        models, tables = {}, []
        for k, lab in enumerate(labels, start=1):
            one = frame.assign(event=(code == k).astype(int))
            if self.id_col is None:
                m = CoxPH(covariates=self.covariates, strata=self.strata, penalizer=self.penalizer,
                          alpha=self.alpha, entry=self.entry, ph_alpha=self.ph_alpha).fit(one)
            else:
                m = TimeVaryingCox(covariates=self.covariates, id_col=self.id_col, alpha=self.alpha).fit(one)
            models[lab] = m
            s = m.summary
            tables.append(s.assign(cause=[lab] * len(s), covariate=s.index.to_numpy())
                          .set_axis(pd.Index([f"{lab}:{c}" for c in s.index], name="parameter")))
        self._table = pd.concat(tables)
        self.params_ = self._table["estimate"].copy()
        self.models_ = models
        self.causes_ = labels
        self.log_likelihood_ = float(sum(m.log_likelihood_ for m in models.values()))
        self.aic_ = float(-2 * self.log_likelihood_ + 2 * len(self.params_))
        self.n_obs_ = len(frame) if self.id_col is None else int(frame[self.id_col].nunique())
        self.n_events_ = {lab: m.n_events_ for lab, m in models.items()}
        return self

    def _summary(self) -> pd.DataFrame:
        return self._table.copy()


# ------------------------------------------------------------------------------------------ Fine-Gray
def _censoring_km_left(t: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """G(t_i-): Kaplan-Meier of the censoring distribution just before each (sorted) time."""
    times, inv, counts = np.unique(t, return_inverse=True, return_counts=True)
    at_risk = len(t) - np.concatenate([[0], np.cumsum(counts)[:-1]])
    c = np.bincount(inv, weights=censored.astype(float), minlength=times.size)
    G = np.cumprod(1 - c / at_risk)
    G_left = np.concatenate([[1.0], G[:-1]])
    return G_left[inv]


class _Risk:
    """The weighted risk sets of the subdistribution hazard at the distinct times of the cause (Fine & Gray
    1999): everyone still under observation with weight 1, and those who left for another cause earlier
    with weight G(s-)/G(t_j-); sums by cumulative sums over the sorted rows (no n x times matrix)."""

    def __init__(self, t: np.ndarray, e: np.ndarray, X: np.ndarray) -> None:
        self.t, self.e, self.X = t, e, X
        self.Gm = _censoring_km_left(t, e == 0)
        self.s, self.d = np.unique(t[e == 1], return_counts=True)
        self.d = self.d.astype(float)
        self.a = np.searchsorted(t, self.s, side="left")  # first row at risk at s
        self.Gs = self.Gm[self.a]
        self.other = (e == 2) / self.Gm

    @staticmethod
    def _tail(v: np.ndarray) -> np.ndarray:  # sum over rows >= a, for a = 0..n
        out = np.zeros((v.shape[0] + 1, *v.shape[1:]))
        out[:-1] = np.cumsum(v[::-1], axis=0)[::-1]
        return out

    @staticmethod
    def _head(v: np.ndarray) -> np.ndarray:  # sum over rows < a, for a = 0..n
        out = np.zeros((v.shape[0] + 1, *v.shape[1:]))
        out[1:] = np.cumsum(v, axis=0)
        return out

    def sums(self, b: np.ndarray, second: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        X, a, Gs = self.X, self.a, self.Gs
        r = np.exp(X @ b)
        w = r * self.other
        S0 = self._tail(r)[a] + Gs * self._head(w)[a]
        S1 = self._tail(r[:, None] * X)[a] + Gs[:, None] * self._head(w[:, None] * X)[a]
        S2 = None
        if second:
            XX = X[:, :, None] * X[:, None, :]
            S2 = self._tail(r[:, None, None] * XX)[a] + Gs[:, None, None] * self._head(w[:, None, None] * XX)[a]
        return S0, S1, S2

    def loglik(self, b: np.ndarray) -> float:
        S0, _, _ = self.sums(b, second=False)
        return float((self.X[self.e == 1] @ b).sum() - (self.d * np.log(S0)).sum())

    def derivatives(self, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        S0, S1, S2 = self.sums(b)
        ebar = S1 / S0[:, None]
        ll = float((self.X[self.e == 1] @ b).sum() - (self.d * np.log(S0)).sum())
        score = self.X[self.e == 1].sum(axis=0) - (self.d[:, None] * ebar).sum(axis=0)
        info = np.einsum("s,skl->kl", self.d, S2 / S0[:, None, None] - ebar[:, :, None] * ebar[:, None, :])
        return ll, score, info

    def robust_meat(self, b: np.ndarray) -> np.ndarray:
        """Sum over rows of (eta_i + psi_i)(eta_i + psi_i)': the score residuals plus the term for the
        estimated censoring weights (Fine & Gray 1999, section 4; cmprsk's ``crrvv``)."""
        t, e, X, Gm = self.t, self.e, self.X, self.Gm
        n = t.size
        S0, S1, _ = self.sums(b, second=False)
        ebar = S1 / S0[:, None]
        r = np.exp(X @ b)
        d, Gs = self.d, self.Gs
        # eta: dN part minus the compensator over each row's (weighted) time at risk
        j = np.searchsorted(self.s, t, side="right")  # causes' times <= t_i: s[:j]
        C0 = np.r_[0.0, np.cumsum(d / S0)][j]
        C1 = np.vstack([np.zeros(X.shape[1]), np.cumsum((d / S0)[:, None] * ebar, axis=0)])[j]
        D0all = np.cumsum((d * Gs / S0)[::-1])[::-1]
        D1all = np.cumsum(((d * Gs / S0)[:, None] * ebar)[::-1], axis=0)[::-1]
        D0 = np.r_[D0all, 0.0][j]
        D1 = np.vstack([D1all, np.zeros(X.shape[1])])[j]
        own = np.searchsorted(self.s, t, side="left")
        eta = np.where((e == 1)[:, None], X - ebar[np.minimum(own, len(self.s) - 1)], 0.0)
        eta -= r[:, None] * (X * C0[:, None] - C1)
        eta -= np.where((e == 2)[:, None], (r / Gm)[:, None] * (X * D0[:, None] - D1), 0.0)
        # psi: the censoring martingale integrated against q(u)/Y(u)
        u, first = np.unique(t, return_index=True)
        Y = (n - first).astype(float)
        cens = np.bincount(np.searchsorted(u, t), weights=(e == 0).astype(float), minlength=u.size)
        w = r * self.other
        A0 = self._head(w)[first]
        A1 = self._head(w[:, None] * X)[first]
        ju = np.searchsorted(self.s, u, side="left")  # causes' times >= u: s[ju:]
        B0 = np.r_[D0all, 0.0][ju]
        B1 = np.vstack([D1all, np.zeros(X.shape[1])])[ju]
        q = A1 * B0[:, None] - A0[:, None] * B1
        drift = np.cumsum((cens / Y ** 2)[:, None] * q, axis=0)
        iu = np.searchsorted(u, t)
        psi = -drift[iu] + np.where((e == 0)[:, None], q[iu] / Y[iu, None], 0.0)
        res = eta + psi
        return res.T @ res


class FineGray(Estimator):
    """Fine & Gray (1999) proportional subdistribution-hazards regression for one cause: covariate effects
    on the cumulative incidence of that cause, with the other causes competing. Risk sets keep customers
    who left for another cause, weighted by the Kaplan-Meier of the censoring distribution G(t-)/G(t_j-);
    Breslow ties; the variance is the robust sandwich of Fine & Gray that also accounts for the estimated
    weights. Coefficients, standard errors and predicted incidence equal R's ``cmprsk::crr`` and
    ``predict.crr``. exp(coef) is a subdistribution hazard ratio: its sign tells whether the covariate
    raises the incidence of the cause, not how fast the cause acts among those still there.

    Parameters
    ----------
    covariates : sequence of str, default ()
        Covariate columns.
    cause_of_interest : hashable, default 1
        The cause modelled (an event code, or a label of the ``cause`` column).
    cause : str or None, optional
        Column holding each event's cause (``event`` then 0/1); None: ``event`` holds codes 0, 1, 2, ...
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).
    max_iter : int, default 50
        Newton iterations at most.
    tol : float, default 1e-9
        Convergence: largest Newton step below ``tol``.

    Attributes
    ----------
    params_ : Series of log subdistribution hazard ratios indexed by design column (``parameter``)
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value,
        shr (subdistribution hazard ratio), shr_lower, shr_upper
    vcov_ : DataFrame, robust (sandwich) covariance; information_ : DataFrame, minus the Hessian of the
        pseudo log-likelihood
    pseudo_log_likelihood_ : float (weighted partial likelihood: no AIC)
    baseline_ : DataFrame (time, jump, cumulative): the baseline cumulative subdistribution hazard at the
        cause's times
    covariates_ : design columns; n_obs_ : int, rows; n_events_ : int, events of the cause; n_iter_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.integers(0, 2, 400)
    >>> t1, t2 = rng.exponential(1 / np.exp(0.7 * x)), rng.exponential(1.0, 400)
    >>> f = pd.DataFrame({'duration': np.minimum(t1, t2), 'event': np.where(t1 < t2, 1, 2), 'x': x})
    >>> fit = survival.FineGray(['x']).fit(f)
    >>> fit.summary.columns.tolist()[:7]
    ['estimate', 'std_error', 'ci_lower', 'ci_upper', 'z', 'p_value', 'shr']
    >>> fit.predict_cumulative_incidence(pd.DataFrame({'x': [0, 1]}), times=[1.0]).round(2).values.tolist()
    [[0.42, 0.63]]
    """

    def __init__(self, covariates: Sequence[str] = (), cause_of_interest: Hashable = 1, cause: str | None = None,
                 alpha: float = 0.05, max_iter: int = 50, tol: float = 1e-9) -> None:
        self.covariates = covariates
        self.cause_of_interest = cause_of_interest
        self.cause = cause
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, frame: pd.DataFrame) -> FineGray:
        """Fit on a competing-risks frame.

        Parameters
        ----------
        frame : DataFrame
            One row per customer: ``duration``, ``event`` (codes, or 0/1 with the cause column), the covariates.

        Returns
        -------
        FineGray
            ``self``, fitted.
        """
        t, code, labels = competing_events(frame, "fine_gray", self.cause, required=[self.cause_of_interest])
        k = labels.index(self.cause_of_interest) + 1
        covariates = list(self.covariates)
        if not covariates:
            raise ValidationError("fine_gray: give at least one covariate (without covariates the cumulative "
                                  "incidence is survival.cuminc)")
        X = design_matrix(frame, covariates, "fine_gray")
        self._levels = {c: list(pd.Series(frame[c]).astype("category").cat.categories) for c in covariates
                        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))}
        order = np.argsort(t, kind="stable")
        e = np.where(code == 0, 0, np.where(code == k, 1, 2))[order]
        risk = _Risk(t[order], e, X.to_numpy(dtype=float)[order])
        b = np.zeros(X.shape[1])
        ll, score, info = risk.derivatives(b)
        n_iter = 0
        for n_iter in range(1, int(self.max_iter) + 1):  # noqa: B007 - the count is reported
            try:
                step = np.linalg.solve(info, score)
            except np.linalg.LinAlgError:
                raise ConvergenceError("fine_gray: singular information matrix; check the covariates for "
                                       "separation (a covariate value with no event of the cause)") from None
            shrink = 1.0
            while True:  # backtracking: the pseudo log-likelihood must not fall
                new = b + shrink * step
                ll_new = risk.loglik(new)
                if np.isfinite(ll_new) and ll_new >= ll + 1e-4 * shrink * float(step @ score) - 1e-12 * abs(ll):
                    break
                shrink /= 2
                if shrink < 1e-6:
                    raise ConvergenceError("fine_gray: the Newton step cannot raise the pseudo likelihood")
            b = new
            ll, score, info = risk.derivatives(b)
            if np.max(np.abs(shrink * step)) < self.tol:
                break
        else:
            raise ConvergenceError(f"fine_gray: no convergence in {self.max_iter} iterations (largest step "
                                   f"{np.max(np.abs(step)):.2g}); raise max_iter or check the covariates")
        bread = np.linalg.inv(info)
        vcov = bread @ risk.robust_meat(b) @ bread
        names = list(X.columns)
        se = np.sqrt(np.diag(vcov))
        table = parameter_table(pd.Series(b, index=names), se, self.alpha)
        table["shr"] = np.exp(table["estimate"])
        table["shr_lower"] = np.exp(table["ci_lower"])
        table["shr_upper"] = np.exp(table["ci_upper"])
        S0, _, _ = risk.sums(b, second=False)
        jump = risk.d / S0
        self._table = table
        self.params_ = table["estimate"].copy()
        self.vcov_ = pd.DataFrame(vcov, index=names, columns=names)
        self.information_ = pd.DataFrame(info, index=names, columns=names)
        self.pseudo_log_likelihood_ = float(ll)
        self.baseline_ = pd.DataFrame({"time": risk.s, "jump": jump, "cumulative": np.cumsum(jump)})
        self.covariates_ = names
        self.n_obs_ = len(frame)
        self.n_events_ = int((e == 1).sum())
        self.n_iter_ = n_iter
        return self

    def _design(self, profiles: pd.DataFrame) -> np.ndarray:
        cols = list(self.covariates)
        if set(self.covariates_) <= set(profiles.columns) and not set(cols) <= set(profiles.columns):
            return profiles[self.covariates_].to_numpy(dtype=float)
        p = profiles.copy()
        for c, levels in self._levels.items():
            if c in p.columns:
                as_codes(p[c], levels, f"column '{c}'", "FineGray.predict_cumulative_incidence",
                         meaning="levels of the fit")
                p[c] = pd.Categorical(p[c], categories=levels)
        return design_matrix(p, cols, "FineGray.predict_cumulative_incidence", check=False).reindex(
            columns=self.covariates_, fill_value=0.0).to_numpy(dtype=float)

    def predict_cumulative_incidence(self, profiles: pd.DataFrame, times: Sequence[float] | None = None
                                     ) -> pd.DataFrame:
        """Predicted cumulative incidence of the cause, 1 - exp(-exp(x'b) Lambda0(t)), for covariate profiles
        (as ``predict.crr``).

        Parameters
        ----------
        profiles : DataFrame
            One row per profile: the covariate columns (or the design columns ``covariates_``).
        times : sequence of float or None, optional
            Times to predict at (frame units); None: the cause's event times.

        Returns
        -------
        DataFrame
            One row per time (index ``time``), one column per profile (the profiles' index).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from crmresearch import survival
        >>> rng = np.random.default_rng(1); x = rng.normal(size=300)
        >>> t1, t2 = rng.exponential(1 / np.exp(0.5 * x)), rng.exponential(1.0, 300)
        >>> f = pd.DataFrame({'duration': np.minimum(t1, t2), 'event': np.where(t1 < t2, 1, 2), 'x': x})
        >>> cif = survival.FineGray(['x']).fit(f).predict_cumulative_incidence(pd.DataFrame({'x': [-1, 1]}), [2.0])
        >>> bool(cif.iloc[0, 0] < cif.iloc[0, 1])
        True
        """
        from ..core.base import check_is_fitted

        check_is_fitted(self, "params_", "predict_cumulative_incidence")
        lp = self._design(profiles) @ self.params_.to_numpy()
        base = self.baseline_
        if times is None:
            at, cum = base["time"].to_numpy(), base["cumulative"].to_numpy()
        else:
            at = np.asarray(list(times), dtype=float)
            idx = np.searchsorted(base["time"].to_numpy(), at, side="right") - 1
            cum = np.where(idx >= 0, base["cumulative"].to_numpy()[np.maximum(idx, 0)], 0.0)
        out = 1 - np.exp(-np.outer(cum, np.exp(lp)))
        return pd.DataFrame(out, index=pd.Index(at, name="time"), columns=profiles.index)

    def _summary(self) -> pd.DataFrame:
        return self._table.copy()


def fine_gray(frame: pd.DataFrame, covariates: Sequence[str], cause_of_interest: Hashable = 1,
              cause: str | None = None, alpha: float = 0.05) -> FineGray:
    """:class:`FineGray` fitted on ``frame`` (see there).

    Parameters
    ----------
    frame : DataFrame
        One row per customer: ``duration``, ``event`` (codes, or 0/1 with ``cause``), the covariates.
    covariates : sequence of str
        Covariate columns.
    cause_of_interest : hashable, default 1
        The cause modelled.
    cause : str or None, optional
        Column holding each event's cause; None: ``event`` holds the codes.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    FineGray
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.integers(0, 2, 300)
    >>> t1, t2 = rng.exponential(1 / np.exp(0.7 * x)), rng.exponential(1.0, 300)
    >>> f = pd.DataFrame({'duration': np.minimum(t1, t2), 'event': np.where(t1 < t2, 1, 2), 'x': x})
    >>> bool(survival.fine_gray(f, ['x']).params_['x'] > 0)
    True
    """
    return FineGray(covariates=covariates, cause_of_interest=cause_of_interest, cause=cause, alpha=alpha).fit(frame)


def cause_table(incidence: CumulativeIncidence, fine_gray: FineGray | None = None) -> pd.DataFrame:
    """One table of a competing-risks analysis: the cumulative incidence of each cause at the horizons with the
    naive 1 - Kaplan-Meier (the other causes censored) beside it, then the subdistribution hazard ratios of a
    Fine-Gray model for one cause.

    Parameters
    ----------
    incidence : CumulativeIncidence
        Fitted, one group (the first group is reported if there are several).
    fine_gray : FineGray or None, optional
        Fitted Fine-Gray model of one cause; None: incidence rows only.

    Returns
    -------
    DataFrame
        Columns quantity (``cumulative incidence`` or ``subdistribution hazard ratio``), cause, at (the horizon,
        or the covariate), estimate, ci_lower, ci_upper, naive_1_minus_km, overstated (naive minus the
        incidence), p_value (Fine-Gray rows).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); x = rng.integers(0, 2, 400)
    >>> t1, t2 = rng.exponential(1 / np.exp(0.7 * x)), rng.exponential(1.0, 400)
    >>> f = pd.DataFrame({'duration': np.minimum(t1, t2), 'event': np.where(t1 < t2, 1, 2), 'x': x})
    >>> t = survival.cause_table(survival.cuminc(f, horizons=(1,)), survival.fine_gray(f, ['x']))
    >>> t['quantity'].tolist()
    ['cumulative incidence', 'cumulative incidence', 'subdistribution hazard ratio']
    >>> bool((t['naive_1_minus_km'].iloc[:2] > t['estimate'].iloc[:2]).all())   # censoring the other cause overstates
    True
    """
    from ..core.base import check_is_fitted

    check_is_fitted(incidence, "at_horizons_", "cause_table")
    h = incidence.at_horizons_
    h = h[h["group"] == incidence.groups_[0]]
    rows = pd.DataFrame({"quantity": "cumulative incidence", "cause": h["cause"].to_numpy(),
                         "at": [f"{v:g}" for v in h["horizon"]], "estimate": h["cif"].to_numpy(),
                         "ci_lower": h["ci_lower"].to_numpy(), "ci_upper": h["ci_upper"].to_numpy(),
                         "naive_1_minus_km": h["naive"].to_numpy(), "overstated": h["overstated"].to_numpy(),
                         "p_value": np.nan})
    if fine_gray is None:
        return rows
    check_is_fitted(fine_gray, "params_", "cause_table")
    s = fine_gray.summary
    fg = pd.DataFrame({"quantity": "subdistribution hazard ratio", "cause": [fine_gray.cause_of_interest] * len(s),
                       "at": list(s.index), "estimate": s["shr"].to_numpy(), "ci_lower": s["shr_lower"].to_numpy(),
                       "ci_upper": s["shr_upper"].to_numpy(), "naive_1_minus_km": np.nan, "overstated": np.nan,
                       "p_value": s["p_value"].to_numpy()})
    return pd.concat([rows, fg], ignore_index=True)
