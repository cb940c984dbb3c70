"""Matching members to non-members on their behaviour before enrolment (nearest neighbour on the history).

Each unit first treated in period g is matched, with replacement, to the ``neighbours`` never-treated
units closest to it in the outcome of the ``pre_periods`` periods before g: by their mean (``on='mean'``,
the default), or by each period (``on='each'``: Euclidean distance on the outcomes divided by their
standard deviation among those controls). The effect at t >= g is the unit's
outcome less the mean of its neighbours' in the same period; the overall effect averages the
member-periods from enrolment on, as :class:`~crmresearch.causal.StaggeredDiD` weights its cells, so the
two estimate the same quantity. It removes what the history reveals (the loyal enrol earlier and spend
more) but, unlike the difference in differences, keeps any gap that the few periods before enrolment
measure with noise (regression to the mean of the matched controls).

References
----------
Abadie, A. and Imbens, G. W. (2006). Large sample properties of matching estimators for average treatment
effects. Econometrica 74(1), 235-267 (matching with replacement; the variance with control reuse).
Leenheer, J., van Heerde, H. J., Bijmolt, T. H. A. and Smidts, A. (2007). Do loyalty programs really enhance
behavioral loyalty? International Journal of Research in Marketing 24(1), 31-47.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..core.base import Estimator, parameter_table
from ..errors import ParameterError, ValidationError
from .did import _panel

__all__ = ["HistoryMatching", "NaiveGap", "naive_gap"]


class HistoryMatching(Estimator):
    """Nearest-neighbour matching of treated units to never-treated ones on the outcomes before treatment.

    Parameters
    ----------
    unit, period, outcome, group : str
        Columns of the balanced panel, as for :class:`~crmresearch.causal.StaggeredDiD` (``group``: the
        first period treated, missing for never treated).
    pre_periods : int, default 6
        Periods before enrolment matched on (fewer when the panel starts later).
    neighbours : int, default 1
        Controls per treated unit (with replacement).
    on : {'mean', 'each'}, default 'mean'
        Match on the mean outcome of the periods before, or on each of them.
    alpha : float, default 0.05
        Significance level of the intervals.

    Attributes
    ----------
    params_ : Series, index ``parameter``: ``att`` (mean over treated unit-periods from the first treated
        period on, outcome units) and ``event:e`` per period since treatment
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper, z, p_value, then ``units``
    att_ : float, the overall effect
    event_study_ : DataFrame per event time: estimate, std_error, ci_lower, ci_upper, units
    pre_gap_ : float, mean outcome gap of the matched pairs over the matched periods (balance; 0 is perfect)
    reuse_ : int, largest number of treated units one control serves
    n_obs_ : int, treated units matched

    Notes
    -----
    Standard errors condition on the matches: the variance of the treated units' summed differences plus,
    for a control used K times, (K^2 - K) times half the variance of a matched difference (Abadie & Imbens
    2006, the term of control reuse).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import causal
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3], "period": [1, 2] * 3,
    ...                       "first_treated": [2, 2, None, None, None, None],
    ...                       "outcome": [10.0, 15.0, 10.5, 11.0, 3.0, 3.0]})
    >>> causal.HistoryMatching(pre_periods=1).fit(panel).att_   # unit 1 against unit 2 (closest before)
    4.0
    """

    def __init__(self, unit: str = "customer_id", period: str = "period", outcome: str = "outcome",
                 group: str = "first_treated", pre_periods: int = 6, neighbours: int = 1,
                 on: str = "mean", alpha: float = 0.05) -> None:
        self.unit = unit
        self.period = period
        self.outcome = outcome
        self.group = group
        self.pre_periods = pre_periods
        self.neighbours = neighbours
        self.on = on
        self.alpha = alpha

    def fit(self, panel: pd.DataFrame) -> HistoryMatching:
        """Match every treated unit and average the matched differences.

        Parameters
        ----------
        panel : DataFrame
            One row per unit and period (balanced) with the ``unit``, ``period``, ``outcome`` and ``group``
            columns.

        Returns
        -------
        HistoryMatching
            ``self``, fitted.

        Raises
        ------
        ValidationError
            The panel errors of :class:`~crmresearch.causal.StaggeredDiD`, or fewer never-treated units than
            ``neighbours``.
        ParameterError
            For ``pre_periods`` or ``neighbours`` below 1.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import causal
        >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2], "period": [1, 2, 1, 2],
        ...                       "first_treated": [2, 2, None, None], "outcome": [1.0, 3.0, 1.0, 2.0]})
        >>> causal.HistoryMatching().fit(panel).n_obs_
        1
        """
        caller = "HistoryMatching.fit"
        for name in ("pre_periods", "neighbours"):
            v = getattr(self, name)
            if int(v) != v or v < 1:
                raise ParameterError(f"HistoryMatching: {name} must be a whole number >= 1; got {v!r}")
        if self.on not in ("mean", "each"):
            raise ParameterError(f"HistoryMatching: on must be 'mean' or 'each'; got {self.on!r}")
        p = _panel(panel, self.unit, self.period, self.outcome, self.group, caller)
        Y, G = p.Y, p.G
        never = np.isinf(G)
        k_nn = int(self.neighbours)
        if never.sum() < k_nn:
            raise ValidationError(f"{caller}: {int(never.sum())} never-treated units (column '{self.group}') for "
                                  f"{k_nn} neighbours per treated unit; matching needs at least as many")
        C = Y[never]
        T = Y.shape[1]
        uses = np.zeros(C.shape[0])
        unit_sum, unit_n, pre_gaps = [], [], []
        event_diff: dict[int, list[float]] = {}
        for g in np.unique(G[~never]).astype(int):
            lo = max(0, g - int(self.pre_periods))
            X1, X0 = Y[G == g][:, lo:g], C[:, lo:g]
            if self.on == "mean":
                X1, X0 = X1.mean(axis=1, keepdims=True), X0.mean(axis=1, keepdims=True)
            scale = X0.std(axis=0)
            scale[scale <= 0] = 1.0
            d2 = (((X1[:, None, :] - X0[None, :, :]) / scale) ** 2).sum(axis=2)
            nn = np.argsort(d2, axis=1, kind="stable")[:, :k_nn]
            np.add.at(uses, nn.ravel(), 1.0 / k_nn)
            ctrl = C[nn].mean(axis=1)  # treated x periods
            diff = Y[G == g] - ctrl
            pre_gaps.append(diff[:, lo:g].mean(axis=1))
            post = diff[:, g:T]
            unit_sum.append(post.sum(axis=1))
            unit_n.append(np.full(post.shape[0], T - g))
            for j, e in enumerate(range(0, T - g)):
                event_diff.setdefault(e, []).extend(post[:, j].tolist())
        D, n_i = np.concatenate(unit_sum), np.concatenate(unit_n).astype(float)
        if not n_i.sum():
            raise ValidationError(f"{caller}: no treated unit has a period from its first treated period on")
        N = D.size
        att = float(D.sum() / n_i.sum())
        resid = D - att * n_i
        reuse_var = float(((uses**2 - uses).clip(min=0)).sum()) * 0.5 * float((resid**2).mean())
        se = float(np.sqrt((resid**2).sum() + reuse_var) / n_i.sum())
        zc = special.ndtri(1 - self.alpha / 2)
        events = []
        for e in sorted(event_diff):
            d = np.asarray(event_diff[e])
            s = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
            events.append({"event_time": e, "estimate": float(d.mean()), "std_error": s, "units": int(d.size)})
        ev = pd.DataFrame(events).set_index("event_time")
        ev.insert(2, "ci_lower", ev["estimate"] - zc * ev["std_error"])
        ev.insert(3, "ci_upper", ev["estimate"] + zc * ev["std_error"])
        self.att_ = att
        self.event_study_ = ev
        self.pre_gap_ = float(np.concatenate(pre_gaps).mean())
        self.reuse_ = int(np.ceil(uses.max())) if uses.size else 0
        self.n_obs_ = int(N)
        names = ["att"] + [f"event:{e}" for e in ev.index]
        self.params_ = pd.Series([att, *ev["estimate"]], index=pd.Index(names, name="parameter"), name="estimate")
        self._std_errors = np.array([se, *ev["std_error"]])
        self._units = np.array([N, *ev["units"]])
        return self

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_, std_error=self._std_errors, alpha=self.alpha,
                               extra={"units": self._units})


@dataclass(frozen=True)
class NaiveGap:
    """The member vs non-member comparison, period by period.

    Attributes
    ----------
    estimate : float
        Mean outcome of members from enrolment on less that of never-treated units in the same periods
        (outcome units; periods weighted by their member count).
    std_error : float
        Standard error, units as clusters (members' summed gaps; never-treated period means).
    ci_lower, ci_upper : float
        Normal interval at the requested level.
    members, non_members : int
        Treated and never-treated units.

    Examples
    --------
    >>> from crmresearch.causal import NaiveGap
    >>> NaiveGap(1.0, 0.5, 0.02, 1.98, 10, 20).members
    10
    """

    estimate: float
    std_error: float
    ci_lower: float
    ci_upper: float
    members: int
    non_members: int


def naive_gap(panel: pd.DataFrame, unit: str = "customer_id", period: str = "period", outcome: str = "outcome",
              group: str = "first_treated", alpha: float = 0.05) -> NaiveGap:
    """The naive programme effect: members' outcome against non-members' in the same periods.

    What a report comparing members with non-members shows; with self-selected enrolment (the loyal join)
    it measures who joins as much as what the programme does (Leenheer et al. 2007).

    Parameters
    ----------
    panel : DataFrame
        Balanced panel, as for :class:`~crmresearch.causal.StaggeredDiD`.
    unit, period, outcome, group : str
        Column names, as for :class:`~crmresearch.causal.StaggeredDiD`.
    alpha : float, default 0.05
        Significance level of the interval.

    Returns
    -------
    NaiveGap
        The gap with its standard error.

    Raises
    ------
    ValidationError
        For the panel errors of :class:`~crmresearch.causal.StaggeredDiD`, or no member or no non-member.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import causal
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2], "period": [1, 2, 1, 2],
    ...                       "first_treated": [2, 2, None, None], "outcome": [5.0, 9.0, 1.0, 2.0]})
    >>> causal.naive_gap(panel).estimate
    7.0
    """
    caller = "naive_gap"
    p = _panel(panel, unit, period, outcome, group, caller)
    Y, G = p.Y, p.G
    never = np.isinf(G)
    T = Y.shape[1]
    treated = ~never & (G < T)
    if not never.any() or not treated.any():
        raise ValidationError(f"{caller}: the panel needs members and never-treated units (column '{group}'); it "
                              f"has {int(treated.sum())} members and {int(never.sum())} never treated")
    post = np.arange(T)[None, :] >= G[treated][:, None]
    mean0 = Y[never].mean(axis=0)
    D = ((Y[treated] - mean0) * post).sum(axis=1)
    n_i = post.sum(axis=1).astype(float)
    est = float(D.sum() / n_i.sum())
    w = post.sum(axis=0) / n_i.sum()  # weight of each period
    resid = D - est * n_i
    y0 = Y[never] @ w
    var = (resid**2).sum() / n_i.sum() ** 2 + float(y0.var(ddof=1)) / int(never.sum())
    se = float(np.sqrt(var))
    zc = special.ndtri(1 - alpha / 2)
    return NaiveGap(est, se, est - zc * se, est + zc * se, int(treated.sum()), int(never.sum()))
