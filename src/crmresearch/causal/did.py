"""Difference in differences with staggered adoption (Callaway & Sant'Anna 2021) and the naive two-way
fixed-effects estimate it corrects.

A unit (customer, store) joins a programme in period ``g`` (its group, the first period treated) or
never. For each group g and period t the group-time effect is the 2 x 2 comparison

    ATT(g, t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C]

with base period b = g - 1 - anticipation for t >= g - anticipation (and, before it, b = t - 1 with the
"varying" base or b = g - 1 - anticipation with the "universal" one), and controls C the never-treated
units or the units not yet treated by period max(t, b) + anticipation (Callaway & Sant'Anna 2021, eq. 2.4
and 2.5 without covariates). Aggregations weight the cells by the size of their group (their eq. 3.2-3.6):
the event study theta(e) over the cells with t - g = e and the overall effect over all cells with t >= g.
Standard errors come from the influence functions of the cells (their Theorem 2), with the estimation of
the weights included in those of the aggregations.

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2), 200-230.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing. Journal of
Econometrics 225(2), 254-277 (why the two-way fixed-effects estimate is biased).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..core.base import Estimator, parameter_table
from ..errors import DataWarning, MissingValueError, ParameterError, ValidationError
from ..schemas.checks import as_date, as_numbers, check_columns
from ..schemas.validate import validate

__all__ = ["StaggeredDiD", "TwoWayFixedEffects", "programme_panel", "two_way_fixed_effects"]

CONTROLS = ("never_treated", "not_yet_treated")
BASE_PERIODS = ("varying", "universal")


def _first(values: Any, n: int = 5) -> str:
    items = list(values)
    return ", ".join(repr(v) for v in items[:n]) + (", ..." if len(items) > n else "")


@dataclass(frozen=True)
class _Panel:
    """A balanced panel as arrays: outcomes units x periods and each unit's group as a period position."""

    Y: np.ndarray
    G: np.ndarray  # position of the first treated period; inf for never treated (within the panel)
    periods: list[Any]
    units: pd.Index
    account: dict[str, int]


def _panel(df: pd.DataFrame, unit: str, period: str, outcome: str, group: str, caller: str,
           anticipation: int = 0, keep_early: bool = False) -> _Panel:
    check_columns(df, [unit, period, outcome, group], caller)
    if df.empty:
        raise ValidationError(f"{caller}: the panel has no rows")
    for name in (unit, period):
        missing = df[name].isna()
        if missing.any():
            raise MissingValueError(f"{caller}: column '{name}': {int(missing.sum())} of {len(df)} rows are missing "
                                    f"(first rows: {_first(df.index[missing])}); fill them or drop those rows")
    y = as_numbers(df[outcome].to_numpy(), f"column '{outcome}'", caller)
    if np.isnan(y).any():
        raise ValidationError(f"{caller}: column '{outcome}' has {int(np.isnan(y).sum())} of {len(df)} rows without "
                              f"a value; fill or drop them first (nothing is dropped here)")
    dup = df.duplicated([unit, period])
    if dup.any():
        raise ValidationError(f"{caller}: {int(dup.sum())} rows repeat a ({unit}, {period}) pair (first units: "
                              f"{_first(df.loc[dup, unit].unique())}); a panel has one row per unit and period")
    periods = sorted(pd.unique(df[period]))
    if len(periods) < 2:
        raise ValidationError(f"{caller}: column '{period}' has {len(periods)} period; a difference in differences "
                              f"needs at least 2")
    per_unit = df.groupby(unit, sort=True)[period].size()
    short = per_unit[per_unit < len(periods)]
    if len(short):
        raise ValidationError(f"{caller}: the panel is unbalanced: {len(short)} of {len(per_unit)} units miss some of "
                              f"the {len(periods)} periods (first: {_first(short.index)}); give every unit every "
                              f"period, or keep the units observed throughout")
    g_raw = df.groupby(unit, sort=True)[group].agg(["nunique", "first"])
    g_any_missing = df[group].isna().groupby(df[unit]).agg(["any", "all"])
    mixed = (g_raw["nunique"] > 1) | (g_any_missing["any"] & ~g_any_missing["all"])
    if mixed.any():
        raise ValidationError(f"{caller}: column '{group}' must hold one first-treated period per unit; "
                              f"{int(mixed.sum())} units have several (first: {_first(mixed.index[mixed])})")
    position = {p: i for i, p in enumerate(periods)}
    first = g_raw["first"].where(~g_any_missing["all"])
    never = first.isna() | ((first == 0) & (0 not in position))
    mapped = first.map(position)
    open_ = ~never & mapped.isna()
    try:
        later = open_ & (first.where(open_) > periods[-1]).fillna(False).astype(bool)
    except TypeError:  # a first-treated value that does not compare with the periods
        later = pd.Series(False, index=first.index)
    bad = open_ & ~later
    if bad.any():
        raise ValidationError(f"{caller}: column '{group}' names first-treated periods that are not periods of the "
                              f"panel for {int(bad.sum())} units (first: {_first(first[bad].unique())}); use a "
                              f"period of column '{period}', or 0 or empty for never treated")
    G = mapped.where(~never & ~later).to_numpy(dtype=float)
    G[np.isnan(G)] = np.inf
    wide = df.pivot(index=unit, columns=period, values=outcome).reindex(index=first.index, columns=periods)
    Y = wide.to_numpy(dtype=float)
    early = (G - anticipation <= 0) & (not keep_early)
    account = {"units": len(first), "never_treated": int(never.sum()), "treated_after_panel": int(later.sum()),
               "treated_from_the_start": int(early.sum())}
    if early.any():  # no period before treatment to compare with
        warnings.warn(f"{caller}: {int(early.sum())} of {len(first)} units are treated from the first period on "
                      f"(no period before treatment to compare with); they are left out (see row_account_)",
                      DataWarning, stacklevel=3)
    keep = ~early
    return _Panel(Y[keep], G[keep], periods, first.index[keep], account)


class StaggeredDiD(Estimator):
    """Staggered difference in differences (Callaway & Sant'Anna 2021): group-time effects and aggregations.

    Parameters
    ----------
    unit, period, outcome, group : str
        Columns of the panel: the unit id, the period (sortable: numbers, dates or pandas periods), the
        outcome (e.g. spend per period, currency units) and the first period the unit is treated (the same on
        all its rows; missing, or 0 when 0 is not a period, for never treated; after the last period: not yet
        treated throughout).
    control : {'never_treated', 'not_yet_treated'}, default 'never_treated'
        The comparison units of each cell.
    base_period : {'varying', 'universal'}, default 'varying'
        Base of the cells before treatment: the period before (placebo effects period to period) or the
        last period before treatment for every cell.
    anticipation : int, default 0
        Periods before ``group`` in which units may already react; the base moves back by as many.
    alpha : float, default 0.05
        Significance level of the pointwise intervals (1 - alpha coverage).

    Attributes
    ----------
    params_ : Series, index ``parameter``: ``att`` (the overall effect, cells t >= g weighted by group size)
        and ``event:e`` for each event time e = t - g of the event study (outcome units)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper, z, p_value, then ``cells``
    att_gt_ : DataFrame, one row per cell: group, period, event_time, estimate, std_error, ci_lower,
        ci_upper, treated, controls, post
    event_study_ : DataFrame per event time: estimate, std_error, ci_lower, ci_upper, cells
    att_ : float, the overall effect; influence_ : ndarray (units x cells), the cells' influence functions
    row_account_ : dict, units read, never treated, treated after the panel, treated from the start (left out)
    n_obs_ : int, units in the fit

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
    Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import causal
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
    ...                       "first_treated": [2, 2, 2, 2, None, None, None, None],
    ...                       "outcome": [10.0, 14.0, 12.0, 17.0, 9.0, 10.0, 11.0, 13.0]})
    >>> m = causal.StaggeredDiD().fit(panel)
    >>> m.att_gt_[["group", "period", "estimate"]].to_dict("records")   # (4.5 - 1.5): a 2 x 2 DiD
    [{'group': 2, 'period': 2, 'estimate': 3.0}]
    """

    def __init__(self, unit: str = "customer_id", period: str = "period", outcome: str = "outcome",
                 group: str = "first_treated", control: str = "never_treated", base_period: str = "varying",
                 anticipation: int = 0, alpha: float = 0.05) -> None:
        self.unit = unit
        self.period = period
        self.outcome = outcome
        self.group = group
        self.control = control
        self.base_period = base_period
        self.anticipation = anticipation
        self.alpha = alpha

    def _check_settings(self) -> None:
        if self.control not in CONTROLS:
            raise ParameterError(f"StaggeredDiD: control must be one of {CONTROLS}; got {self.control!r}")
        if self.base_period not in BASE_PERIODS:
            raise ParameterError(f"StaggeredDiD: base_period must be one of {BASE_PERIODS}; got {self.base_period!r}")
        if int(self.anticipation) != self.anticipation or self.anticipation < 0:
            raise ParameterError(f"StaggeredDiD: anticipation must be a whole number of periods >= 0; got "
                                 f"{self.anticipation!r}")

    def fit(self, panel: pd.DataFrame) -> StaggeredDiD:
        """Estimate every group-time effect and aggregate them.

        Parameters
        ----------
        panel : DataFrame
            One row per unit and period (balanced) with the ``unit``, ``period``, ``outcome`` and ``group``
            columns.

        Returns
        -------
        StaggeredDiD
            ``self``, fitted.

        Raises
        ------
        ValidationError
            For missing columns, an unbalanced panel, repeated unit-period rows, outcomes that are not
            numbers, a group that varies within a unit or is not a period, or no comparison units.
        ParameterError
            For an unknown ``control`` or ``base_period``.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import causal
        >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2], "period": [1, 2, 1, 2],
        ...                       "first_treated": [2, 2, None, None], "outcome": [1.0, 3.0, 1.0, 2.0]})
        >>> causal.StaggeredDiD().fit(panel).att_
        1.0
        """
        caller = "StaggeredDiD.fit"
        self._check_settings()
        a = int(self.anticipation)
        p = _panel(panel, self.unit, self.period, self.outcome, self.group, caller, a)
        Y, G, n = p.Y, p.G, p.Y.shape[0]
        never = np.isinf(G)
        if self.control == "never_treated" and not never.any():
            raise ValidationError(f"{caller}: no unit is never treated (column '{self.group}'), so control "
                                  f"'never_treated' has no comparison units; use control='not_yet_treated'")
        groups = np.unique(G[~never]).astype(int)
        T = Y.shape[1]
        rows, infl, skipped = [], [], 0
        for g in groups:
            for t in range(T):
                post = t >= g - a
                if post or self.base_period == "universal":
                    b = g - 1 - a
                else:
                    b = t - 1
                if b < 0:
                    continue
                treat = G == g
                if self.control == "never_treated":
                    ctrl = never
                else:
                    ctrl = never | ((G > max(t, b) + a) & (G != g))
                n1, n0 = int(treat.sum()), int(ctrl.sum())
                if n0 == 0:
                    skipped += 1
                    continue
                dy = Y[:, t] - Y[:, b]  # zero in the reference cell t == b of the universal base
                m1, m0 = dy[treat].mean(), dy[ctrl].mean()
                inf_i = np.where(treat, (dy - m1) * n / n1, 0.0) - np.where(ctrl, (dy - m0) * n / n0, 0.0)
                rows.append({"group": p.periods[g], "period": p.periods[t], "event_time": t - g, "estimate": m1 - m0,
                             "treated": n1, "controls": n0, "post": bool(t >= g), "_g": g, "_b": b, "_t": t})
                infl.append(inf_i)
        if not rows:
            raise ValidationError(f"{caller}: no group-time effect can be estimated: each needs a period before "
                                  f"treatment and comparison units")
        att = pd.DataFrame(rows)
        psi = np.column_stack(infl)
        reference = np.array([r["_b"] == r["_t"] for r in rows])
        se = np.where(reference, np.nan, np.sqrt((psi**2).sum(axis=0)) / n)
        zc = special.ndtri(1 - self.alpha / 2)
        att.insert(4, "std_error", se)
        att.insert(5, "ci_lower", att["estimate"] - zc * se)
        att.insert(6, "ci_upper", att["estimate"] + zc * se)
        share = {g: float((G == g).mean()) for g in groups}
        onehot = {g: (G == g).astype(float) for g in groups}

        cell_group = att["_g"].to_numpy()
        cell_est = att["estimate"].to_numpy()

        def aggregate(keep: np.ndarray) -> tuple[float, float]:
            gk = cell_group[keep]
            pg = np.array([share[g] for g in gk])
            w = pg / pg.sum()
            ind = np.column_stack([onehot[g] for g in gk])
            if1 = (ind - pg) / pg.sum()
            if2 = np.outer((ind - pg).sum(axis=1), pg) / pg.sum() ** 2
            est = cell_est[keep]
            psi_agg = psi[:, keep] @ w + (if1 - if2) @ est
            only_reference = bool(reference[keep].all())  # the universal base's normalised cells: 0 by definition
            return float(w @ est), float("nan") if only_reference else float(np.sqrt((psi_agg**2).sum()) / n)

        events = []
        for e in sorted(att["event_time"].unique()):
            est, s = aggregate((att["event_time"] == e).to_numpy())
            events.append({"event_time": int(e), "estimate": est, "std_error": s,
                           "cells": int((att["event_time"] == e).sum())})
        ev = pd.DataFrame(events).set_index("event_time")
        ev.insert(2, "ci_lower", ev["estimate"] - zc * ev["std_error"])
        ev.insert(3, "ci_upper", ev["estimate"] + zc * ev["std_error"])
        post = att["post"].to_numpy()
        if not post.any():
            raise ValidationError(f"{caller}: no period at or after a first-treated period has comparison units, so "
                                  f"no effect after treatment can be estimated")
        overall, overall_se = aggregate(post)
        self.influence_ = psi
        self.att_gt_ = att.drop(columns=["_g", "_b", "_t"])
        self.event_study_ = ev
        self.att_ = overall
        self._att_se = overall_se
        names = ["att"] + [f"event:{e}" for e in ev.index]
        self.params_ = pd.Series([overall, *ev["estimate"]], index=pd.Index(names, name="parameter"), name="estimate")
        self._std_errors = np.array([overall_se, *ev["std_error"]])
        self._cells = np.array([int(post.sum()), *ev["cells"]])
        self.row_account_ = {**p.account, "skipped_cells_without_controls": skipped}
        self.n_obs_ = int(n)
        return self

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_, std_error=self._std_errors, alpha=self.alpha,
                               extra={"cells": self._cells})


@dataclass(frozen=True)
class TwoWayFixedEffects:
    """The two-way fixed-effects estimate: outcome on unit and period effects and a treated dummy.

    Attributes
    ----------
    estimate : float
        Coefficient of the treated dummy (outcome units).
    std_error : float
        Standard error clustered by unit, as statsmodels' OLS with unit and period dummies and
        ``cov_type='cluster'`` (small-sample factor G / (G - 1) x (N - 1) / (N - K)).
    ci_lower, ci_upper : float
        Normal interval at the requested level.
    n_obs : int
        Unit-period rows.
    n_units : int
        Units (clusters).

    Examples
    --------
    >>> from crmresearch.causal import TwoWayFixedEffects
    >>> TwoWayFixedEffects(1.0, 0.5, 0.02, 1.98, 8, 4).estimate
    1.0
    """

    estimate: float
    std_error: float
    ci_lower: float
    ci_upper: float
    n_obs: int
    n_units: int


def two_way_fixed_effects(panel: pd.DataFrame, unit: str = "customer_id", period: str = "period",
                          outcome: str = "outcome", group: str = "first_treated",
                          alpha: float = 0.05) -> TwoWayFixedEffects:
    """The naive two-way fixed-effects difference in differences of a staggered panel.

    Regresses the outcome on unit and period effects and D = 1{period >= group} (within transformation of
    the balanced panel). With effects that differ by cohort or grow with time since adoption it compares
    later adopters with earlier ones already treated and is biased, even in sign (Goodman-Bacon 2021).

    Parameters
    ----------
    panel : DataFrame
        Balanced panel, as for :class:`StaggeredDiD`.
    unit, period, outcome, group : str
        Column names, as for :class:`StaggeredDiD`.
    alpha : float, default 0.05
        Significance level of the interval.

    Returns
    -------
    TwoWayFixedEffects
        The coefficient of D with its unit-clustered standard error.

    Raises
    ------
    ValidationError
        For the panel errors of :class:`StaggeredDiD`, or no variation in D.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import causal
    >>> panel = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
    ...                       "first_treated": [2, 2, 2, 2, None, None, None, None],
    ...                       "outcome": [10.0, 14.0, 12.0, 17.0, 9.0, 10.0, 11.0, 13.0]})
    >>> round(causal.two_way_fixed_effects(panel).estimate, 6)   # in a 2 x 2 panel, the DiD of the means
    3.0
    """
    caller = "two_way_fixed_effects"
    p = _panel(panel, unit, period, outcome, group, caller, keep_early=True)  # the always treated stay in
    Y = p.Y
    n_units, T = Y.shape
    D = (np.arange(T)[None, :] >= p.G[:, None]).astype(float)

    def within(M: np.ndarray) -> np.ndarray:
        return M - M.mean(axis=1, keepdims=True) - M.mean(axis=0, keepdims=True) + M.mean()

    Dw, Yw = within(D), within(Y)
    sxx = float((Dw**2).sum())
    if sxx <= 1e-12:
        raise ValidationError(f"{caller}: the treated dummy does not vary within units and periods (column "
                              f"'{group}'); there is no staggered adoption to estimate")
    beta = float((Dw * Yw).sum() / sxx)
    u = Yw - beta * Dw
    score = (Dw * u).sum(axis=1)
    k = n_units + T - 1 + 1
    n_obs = n_units * T
    if n_obs <= k:  # as many parameters as rows: no residual variation left for a standard error
        se = float("nan")
    else:
        factor = n_units / (n_units - 1) * (n_obs - 1) / (n_obs - k)
        se = float(np.sqrt(factor * (score**2).sum()) / sxx)
    zc = special.ndtri(1 - alpha / 2)
    return TwoWayFixedEffects(beta, se, beta - zc * se, beta + zc * se, int(n_obs), int(n_units))


def programme_panel(transactions: pd.DataFrame, enrolled: pd.Series, start: Any, end: Any, freq: str = "M",
                    customer: str = "customer_id", date: str = "date", amount: str = "amount") -> pd.DataFrame:
    """The balanced customer x period panel of a programme: spend, purchases and activity per period.

    Every customer of ``enrolled`` gets one row per period from the period holding ``start`` to the one
    holding ``end`` (no purchase: spend 0, purchases 0, active False); ``first_treated`` is the period of the
    enrolment date (missing for customers never enrolled, and for those enrolling after ``end``), ready for
    :class:`StaggeredDiD` and :func:`two_way_fixed_effects`.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase with ``customer``, ``date`` and ``amount`` columns.
    enrolled : Series
        Enrolment date per customer (index: customer id; missing: never enrolled). Its index is the panel's
        set of customers.
    start, end : date-like
        First and last day of the panel.
    freq : str, default 'M'
        Length of a period (a pandas period alias: 'W', 'M', 'Q').
    customer, date, amount : str
        Column names of ``transactions``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``period`` (position 1, 2, ... of the period), ``period_start`` (its first day),
        ``spend`` (currency units), ``purchases`` (count), ``active`` and ``first_treated`` (position of
        the enrolment period). ``attrs['row_account']``: purchases in, outside the window, of customers not
        in ``enrolled``.

    Raises
    ------
    ValidationError
        The transactions contract's errors (missing columns or ids, dates that do not read, negative or text
        amounts), a duplicated customer in ``enrolled``, enrolment dates that do not read, ``end`` before
        ``start``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import causal
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-03", "2024-03-09", "2024-02-11"],
    ...                    "amount": [10.0, 20.0, 5.0]})
    >>> enrolled = pd.Series(pd.to_datetime(["2024-02-15", None]), index=[1, 2])
    >>> p = causal.programme_panel(tx, enrolled, "2024-01-01", "2024-03-31")
    >>> p[["customer_id", "period", "spend", "first_treated"]].values.tolist()[:3]
    [[1.0, 1.0, 10.0, 2.0], [1.0, 2.0, 0.0, 2.0], [1.0, 3.0, 20.0, 2.0]]
    """
    caller = "programme_panel"
    transactions = validate(transactions, "transactions", caller=caller, need=["amount"], customer=customer,
                            date=date, amount=amount)
    first_day, last_day = as_date(start, "start", caller), as_date(end, "end", caller)
    if last_day < first_day:
        raise ValidationError(f"{caller}: end ({last_day.date()}) is before start ({first_day.date()})")
    if enrolled.index.has_duplicates:
        dup = enrolled.index[enrolled.index.duplicated()]
        raise ValidationError(f"{caller}: enrolled lists {len(dup)} customers twice (first: {_first(dup.unique())}); "
                              f"give one enrolment date per customer")
    when = transactions[date]
    spend = transactions[amount].to_numpy(dtype=float)
    enrol = pd.to_datetime(pd.Series(enrolled), errors="coerce")
    unread = enrol.isna() & pd.Series(enrolled).notna()
    if unread.any():
        raise ValidationError(f"{caller}: {int(unread.sum())} enrolment dates do not read as dates (first customers: "
                              f"{_first(enrol.index[unread])})")
    periods = pd.period_range(first_day.to_period(freq), last_day.to_period(freq), freq=freq)
    known = transactions[customer].isin(enrol.index).to_numpy()
    inside = ((when >= first_day) & (when <= last_day)).to_numpy()
    use = known & inside
    tx = pd.DataFrame({"c": transactions[customer].to_numpy()[use], "p": when[use].dt.to_period(freq),
                       "s": spend[use]})
    sums = tx.groupby(["c", "p"]).agg(spend=("s", "sum"), purchases=("s", "size"))
    grid = pd.MultiIndex.from_product([enrol.index, periods], names=["c", "p"])
    panel = sums.reindex(grid, fill_value=0).reset_index()
    position = {p: i + 1 for i, p in enumerate(periods)}
    enrol_period = enrol.dt.to_period(freq)
    g = enrol_period.map(lambda p: position.get(p, np.nan) if pd.notna(p) else np.nan)
    g[enrol_period.notna() & (enrol < first_day)] = 1  # enrolled before the panel: treated from the start
    panel = pd.DataFrame({customer: panel["c"].to_numpy(), "period": panel["p"].map(position).to_numpy(),
                          "period_start": panel["p"].dt.start_time.to_numpy(), "spend": panel["spend"].to_numpy(float),
                          "purchases": panel["purchases"].to_numpy(int), "active": panel["purchases"].to_numpy() > 0,
                          "first_treated": np.repeat(g.to_numpy(dtype=float), len(periods))})
    panel.attrs["row_account"] = {"purchases_in": len(transactions), "outside_window": int((known & ~inside).sum()),
                                  "unknown_customers": int((~known).sum())}
    return panel
