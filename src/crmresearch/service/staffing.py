"""Staffing plans from the queueing formulas: agents per interval, scenarios (IVR containment,
SMS deflection), Erlang A beside Erlang C, shrinkage, shift patterns and an integer shift schedule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from .erlang import _agents_needed, _fewest_agents_a, agents_needed, traffic  # sib

__all__ = [
    "rounding_comparison",
    "shift_patterns",
    "shift_schedule",
    "staffing_plan",
    "staffing_scenarios",
    "staffing_summary",
    "with_erlang_a",
]


def staffing_plan(intervals: pd.DataFrame, aht: float, target: float = 0.8, answer_within: float = 20.0,
                  shrinkage: float = 0.0, max_occupancy: float | None = None, calls: str = "calls",
                  interval_seconds: float = 300.0) -> pd.DataFrame:
    """Agents per interval for an arrival profile: ``intervals[calls]`` are calls per interval of
    ``interval_seconds`` (e.g. mean calls per 5-minute slot). Adds traffic, agents, scheduled,
    service level, ASA (s), occupancy and agent-hours of each interval.

    Parameters
    ----------
    intervals : DataFrame
        One row per interval with the calls column.
    aht : float
        Average handle time per call, seconds.
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within`` (0.8 = 80 %).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    shrinkage : float, default 0.0
        Share of paid time off the phones (breaks, training, absence), 0-1.
    max_occupancy : float or None, optional
        Highest share of time an agent may be busy (e.g. 0.85); None: no cap.
    calls : str, default 'calls'
        Column of calls per interval.
    interval_seconds : float, default 300.0
        Length of one interval, seconds (300 = 5 minutes).

    Returns
    -------
    DataFrame
        ``intervals`` with traffic, agents, scheduled, fractional agents, service_level, asa_seconds, occupancy
        and agent_hours.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> profile = pd.DataFrame({'slot': ['09:00', '09:05'], 'calls': [20.0, 40.0]})
    >>> service.staffing_plan(profile, aht=180, interval_seconds=300)['agents'].tolist()
    [16, 29]
    """
    if calls not in intervals.columns:
        raise ValidationError(f"staffing_plan: missing column '{calls}'")
    agents_needed(0.0, aht, target, answer_within, max_occupancy, shrinkage, interval_seconds)  # the checks, once
    rows, excess = [], 0
    for c in intervals[calls].to_numpy(dtype=float):  # first guess: the excess over the least of the interval before
        r, excess = _agents_needed(c, aht, target, answer_within, max_occupancy, shrinkage, interval_seconds,
                                   above_least=excess)
        rows.append(r)
    out = intervals.copy()
    out["traffic_erlangs"] = [r.traffic for r in rows]
    out["agents"] = [r.agents for r in rows]
    out["scheduled"] = [r.scheduled for r in rows]
    out["service_level"] = [r.service_level for r in rows]
    out["asa_seconds"] = [r.asa_seconds for r in rows]
    out["occupancy"] = [r.occupancy for r in rows]
    out["agents_fractional"] = [r.agents_fractional for r in rows]
    out["scheduled_fractional"] = [r.scheduled_fractional for r in rows]
    out["agent_hours"] = out["scheduled"] * interval_seconds / 3600
    return out


def staffing_scenarios(intervals: pd.DataFrame, scenarios: Mapping[str, float], aht: float, target: float = 0.8,
                       answer_within: float = 20.0, shrinkage: float = 0.0, calls: str = "calls",
                       interval_seconds: float = 300.0) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Staffing plans when a share of the calls still reaches agents (e.g. 0.9 after an IVR or SMS
    measure removes 10 %): ``scenarios`` maps name -> share of ``intervals[calls]``. Returns the plan
    per scenario (:func:`staffing_plan`) and one row per scenario: agent_calls_share, peak_agents,
    peak_scheduled, agent_hours_per_week (the profile is one week) and agent_hours_saved against
    the first scenario.

    Parameters
    ----------
    intervals : DataFrame
        One row per interval of a week's profile.
    scenarios : mapping of str to float
        Name -> share of the calls that reach agents (1 = all).
    aht : float
        Average handle time per call, seconds.
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within`` (0.8 = 80 %).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    shrinkage : float, default 0.0
        Share of paid time off the phones (breaks, training, absence), 0-1.
    calls : str, default 'calls'
        Column of calls per interval.
    interval_seconds : float, default 300.0
        Length of one interval, seconds (300 = 5 minutes).

    Returns
    -------
    plans : dict of str to DataFrame
        The plan per scenario.
    summary : DataFrame
        One row per scenario.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> profile = pd.DataFrame({'weekday': ['Monday'] * 2, 'slot': ['09:00', '09:05'], 'calls': [20.0, 40.0]})
    >>> scenarios = {'baseline': 1.0, 'IVR +5 pts': 0.93}
    >>> plans, table = service.staffing_scenarios(profile, scenarios, aht=180, interval_seconds=300)
    >>> table['scenario'].tolist()
    ['baseline', 'IVR +5 pts']
    """
    if calls not in intervals.columns:
        raise ValidationError(f"staffing_scenarios: missing column '{calls}'")
    bad = {k: v for k, v in scenarios.items() if not 0 <= float(v) <= 1}
    if bad:
        raise ValidationError(f"staffing_scenarios: each scenario is a share of calls in [0, 1]; got {bad}")
    plans = {name: staffing_plan(intervals.assign(**{calls: intervals[calls] * share}), aht=aht, target=target,
                                 answer_within=answer_within, shrinkage=shrinkage, calls=calls,
                                 interval_seconds=interval_seconds)
             for name, share in scenarios.items()}
    table = pd.DataFrame([{"scenario": name, "agent_calls_share": float(share),
                           "peak_agents": int(p["agents"].max()), "peak_scheduled": int(p["scheduled"].max()),
                           "agent_hours_per_week": float(p["agent_hours"].sum())}
                          for (name, share), p in zip(scenarios.items(), plans.values(), strict=True)])
    table["agent_hours_saved"] = table["agent_hours_per_week"].iloc[0] - table["agent_hours_per_week"]
    return plans, table


def with_erlang_a(plan: pd.DataFrame, aht: float, patience: float, target: float = 0.8, answer_within: float = 20.0,
                  shrinkage: float = 0.0, calls: str = "calls", interval_seconds: float = 300.0) -> pd.DataFrame:
    """``plan`` with ``agents_erlang_a`` (fewest agents meeting the target when callers abandon after
    an exponential patience of mean ``patience`` seconds) and ``abandon_erlang_a`` (share abandoned).

    Parameters
    ----------
    plan : DataFrame
        A :func:`staffing_plan`.
    aht : float
        Average handle time per call, seconds.
    patience : float
        Mean time a caller waits before abandoning, seconds (exponential).
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within`` (0.8 = 80 %).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    shrinkage : float, default 0.0
        Share of paid time off the phones (breaks, training, absence), 0-1.
    calls : str, default 'calls'
        Column of calls per interval.
    interval_seconds : float, default 300.0
        Length of one interval, seconds (300 = 5 minutes).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> plan = service.staffing_plan(pd.DataFrame({'calls': [40.0]}), aht=180, interval_seconds=300)
    >>> out = service.with_erlang_a(plan, 180, patience=120, interval_seconds=300)
    >>> int(out['agents_erlang_a'].iloc[0]) <= int(out['agents'].iloc[0])
    True
    """
    per_hour = 3600.0 / interval_seconds
    agents_needed(0.0, aht, target, answer_within, shrinkage=shrinkage)  # the settings' checks, once
    if not patience > 0:
        raise ValidationError(f"with_erlang_a: patience must be > 0 seconds; got {patience}")
    agents, abandon, gap = [], [], None
    for c in plan[calls].to_numpy(dtype=float):
        if traffic(c * per_hour, aht) == 0:
            n, p_abandon = 0, 0.0
        else:  # first guess: as many agents fewer than Erlang C as in the interval before
            n, q, erlang_c_agents = _fewest_agents_a(c * per_hour, aht, patience, target, answer_within, 3600.0,
                                                     below_c=gap)
            gap, p_abandon = erlang_c_agents - n, q.p_abandon
        agents.append(n)
        abandon.append(p_abandon)
    return plan.assign(agents_erlang_a=agents, abandon_erlang_a=abandon)


def staffing_summary(plan: pd.DataFrame, interval_minutes: float, shrinkage: float = 0.0,
                     calls: str = "calls") -> pd.DataFrame:
    """The headline numbers of a week's plan with Erlang C and Erlang A agents (:func:`with_erlang_a`):
    one row per metric with a numeric ``value`` and its ``unit``; the peak interval (the one needing
    most Erlang C agents) is named in the metric.

    Parameters
    ----------
    plan : DataFrame
        A :func:`staffing_plan` with :func:`with_erlang_a` columns.
    interval_minutes : float
        Interval length, minutes.
    shrinkage : float, default 0.0
        Share of paid time off the phones (breaks, training, absence), 0-1.
    calls : str, default 'calls'
        Column of calls per interval.

    Returns
    -------
    DataFrame
        ``metric``, ``value`` and ``unit``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> plan = service.staffing_plan(pd.DataFrame({'calls': [20.0, 35, 50]}), aht=240, interval_seconds=1800)
    >>> plan = service.with_erlang_a(plan, aht=240, patience=120, interval_seconds=1800)
    >>> service.staffing_summary(plan, 30)['metric'].tolist()[:3]
    ['calls in the peak interval (2)', 'traffic in the peak interval', 'agents in the peak interval, Erlang C']
    """
    need = {calls, "traffic_erlangs", "agents", "scheduled", "agents_erlang_a", "abandon_erlang_a"}
    missing = sorted(need - set(plan.columns))
    if missing:
        raise ValidationError(f"staffing_summary: missing column(s) {missing}; build the plan with staffing_plan() "
                              "and with_erlang_a()")
    peak = plan.loc[plan["agents"].idxmax()]
    where = " ".join(str(peak[c]) for c in ("weekday", "slot") if c in plan.columns) or str(peak.name)
    hours = interval_minutes / 60 / (1 - shrinkage)
    rows = [
        (f"calls in the peak interval ({where})", float(peak[calls]), f"calls per {interval_minutes:g} min"),
        ("traffic in the peak interval", float(peak["traffic_erlangs"]), "Erlangs"),
        ("agents in the peak interval, Erlang C", float(peak["agents"]), "agents"),
        ("agents in the peak interval, Erlang A", float(peak["agents_erlang_a"]), "agents"),
        ("scheduled agents in the peak interval, Erlang C with shrinkage", float(peak["scheduled"]), "agents"),
        ("scheduled agent-hours per week, Erlang C", float((plan["agents"] * hours).sum()), "hours"),
        ("scheduled agent-hours per week, Erlang A", float((plan["agents_erlang_a"] * hours).sum()), "hours"),
        ("calls abandoned under Erlang A staffing",
         100 * float(np.average(plan["abandon_erlang_a"], weights=plan[calls])) if plan[calls].sum() > 0 else 0.0,
         "% of calls"),
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def shift_patterns(n_intervals: int, intervals_per_hour: int, lengths_hours: Sequence[float] = (8.0, 4.0),
                   start_every_hours: float = 1.0, break_after_hours: float | None = 4.0,
                   break_intervals: int = 0) -> pd.DataFrame:
    """Candidate shifts over one day of ``n_intervals`` intervals: every length in ``lengths_hours``
    starting every ``start_every_hours``, plus one that ends with the day (shifts that would run past
    the day are not offered).
    With ``break_intervals`` > 0, shifts longer than ``break_after_hours`` leave that many intervals
    off the phones in their middle (an unpaid meal break). Returns one row per shift: ``shift``,
    ``start`` and ``end`` (interval index, end exclusive), ``paid_hours`` and ``covers`` (a tuple of
    the interval indices on the phones).

    Parameters
    ----------
    n_intervals : int
        Intervals in the day.
    intervals_per_hour : int
        Intervals per hour (12 for 5-minute intervals).
    lengths_hours : sequence of float, default (8.0, 4.0)
        Shift lengths offered, hours.
    start_every_hours : float, default 1.0
        Spacing of the start times, hours.
    break_after_hours : float or None, default 4.0
        Shifts longer than this get a break; None: no breaks.
    break_intervals : int, default 0
        Length of the break, intervals (0 = none).

    Examples
    --------
    >>> from crmresearch import service
    >>> shifts = service.shift_patterns(16, 2, [4.0], start_every_hours=2.0)   # 8 hours of half-hours
    >>> shifts[["start", "end", "paid_hours"]].values.tolist()
    [[0.0, 8.0, 4.0], [4.0, 12.0, 4.0], [8.0, 16.0, 4.0]]
    """
    step = max(1, round(start_every_hours * intervals_per_hour))
    rows = []
    for hours in lengths_hours:
        length = round(hours * intervals_per_hour)
        if length < 1 or length > n_intervals:
            raise ValidationError(f"shift_patterns: a {hours:g}-hour shift does not fit a day of {n_intervals} "
                                  f"intervals of {60 / intervals_per_hour:g} minutes")
        for start in sorted(set(range(0, n_intervals - length + 1, step)) | {n_intervals - length}):
            cover = list(range(start, start + length))
            if break_intervals and break_after_hours is not None and hours > break_after_hours:
                mid = start + length // 2 - break_intervals // 2
                cover = [i for i in cover if not mid <= i < mid + break_intervals]
            rows.append({"shift": f"{hours:g}h from {start}", "start": start, "end": start + length,
                         "paid_hours": len(cover) / intervals_per_hour, "covers": tuple(cover)})
    return pd.DataFrame(rows)


def rounding_comparison(plan: pd.DataFrame, schedule: pd.DataFrame, interval_minutes: float) -> pd.DataFrame:
    """Scheduled agent-hours of one day under each rounding policy: the fractional requirement
    (``scheduled_fractional`` summed), every interval rounded up (``scheduled``), the best shift
    plan with fractional agents (the LP bound of :func:`shift_schedule`) and with whole agents;
    ``over_fractional_pct`` is each against the first.

    Parameters
    ----------
    plan : DataFrame
        A :func:`staffing_plan` of one day.
    schedule : DataFrame
        The :func:`shift_schedule` for that day.
    interval_minutes : float
        Interval length, minutes.

    Returns
    -------
    DataFrame
        One row per policy: ``measure``, ``hours`` and ``over_fractional_pct``.

    Examples
    --------
    >>> from crmresearch import service
    >>> import pandas as pd
    >>> calls = pd.DataFrame({'calls': [20.0, 35, 50, 35, 20, 10, 10, 20]})   # one day in half-hours
    >>> plan = service.staffing_plan(calls, aht=240, shrinkage=0.3, interval_seconds=1800)
    >>> shifts = service.shift_patterns(8, 2, lengths_hours=(2.0,), start_every_hours=0.5)
    >>> schedule = service.shift_schedule(plan['scheduled_fractional'], shifts)
    >>> service.rounding_comparison(plan, schedule, 30)['hours'].round(1).tolist()
    [31.0, 36.5, 40.4, 42.0]
    """
    hours = interval_minutes / 60
    out = pd.DataFrame([
        ("scheduled agent-hours, fractional requirement", float(plan["scheduled_fractional"].sum() * hours)),
        ("scheduled agent-hours, every interval rounded up", float(plan["scheduled"].sum() * hours)),
        ("paid hours of the best shift plan, fractional agents (LP bound)", float(schedule.attrs["lp_bound"])),
        ("paid hours of the best shift plan, whole agents (milp)", float(schedule.attrs["paid_hours"])),
    ], columns=["measure", "hours"])
    out["over_fractional_pct"] = 100 * (out["hours"] / out["hours"].iloc[0] - 1)
    return out


def shift_schedule(required: Sequence[float], shifts: pd.DataFrame, time_limit: float = 30.0) -> pd.DataFrame:
    """Whole agents per candidate shift that cover ``required`` agents in every interval at the
    fewest paid hours: the integer programme min sum_s paid_hours_s x_s subject to
    sum_{s covers i} x_s >= required_i, x_s >= 0 integer (scipy.optimize.milp, HiGHS). ``required``
    may be fractional (e.g. ``scheduled_fractional``): coverage must reach it, so it rounds up only
    where shifts overlap.

    Returns the shifts used (``agents`` > 0) with their paid hours; ``attrs`` hold ``paid_hours``,
    ``required_hours`` (the lower bound: the requirement summed over intervals), ``lp_bound`` (the
    LP relaxation's optimum), ``coverage`` (agents on the phones per interval) and ``status``.

    Parameters
    ----------
    required : sequence of float
        Agents required per interval.
    shifts : DataFrame
        Candidate shifts (:func:`shift_patterns`).
    time_limit : float, default 30.0
        Most seconds the solver may take.

    Examples
    --------
    >>> from crmresearch import service
    >>> shifts = service.shift_patterns(8, 2, [2.0], start_every_hours=1.0)
    >>> int(service.shift_schedule([1, 1, 2, 2, 2, 2, 1, 1], shifts)['agents'].sum())
    3
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    req = schemas.as_numbers(required, "required agents", "shift_schedule")
    if req.ndim != 1 or not np.all(np.isfinite(req)) or (req < 0).any():
        raise ValidationError(f"shift_schedule: required must be finite agents >= 0 per interval; got "
                              f"{int((~np.isfinite(req) | (req < 0)).sum())} bad of {req.size}")
    need = {"covers", "paid_hours"}
    if not need <= set(shifts.columns):
        raise ValidationError(f"shift_schedule: shifts lack {sorted(need - set(shifts.columns))}; build them "
                              "with shift_patterns()")
    A = np.zeros((req.size, len(shifts)))
    for j, cover in enumerate(shifts["covers"]):
        idx = np.asarray(cover, dtype=int)
        if idx.size and (idx.min() < 0 or idx.max() >= req.size):
            raise ValidationError(f"shift_schedule: shift {j} covers intervals outside 0..{req.size - 1}")
        A[idx, j] = 1.0
    uncovered = np.flatnonzero((A.sum(axis=1) == 0) & (req > 0))
    if uncovered.size:
        raise ValidationError(f"shift_schedule: {uncovered.size} intervals with agents required are covered by "
                              f"no shift (first: {uncovered[:5].tolist()}); offer shifts that reach them")
    cost = shifts["paid_hours"].to_numpy(dtype=float)
    cons = LinearConstraint(A, lb=req, ub=np.inf)
    res = milp(cost, constraints=cons, integrality=np.ones(len(shifts)), bounds=Bounds(0, np.inf),
               options={"time_limit": time_limit})
    if res.x is None:
        raise ValidationError(f"shift_schedule: no schedule found ({res.message})")
    lp = milp(cost, constraints=cons, integrality=np.zeros(len(shifts)), bounds=Bounds(0, np.inf))
    x = np.round(res.x).astype(int)
    out = shifts.drop(columns="covers").assign(agents=x)
    out = out[out["agents"] > 0].reset_index(drop=True)
    out["paid_hours_total"] = out["agents"] * out["paid_hours"]
    per_hour = float(np.median([len(c) / h for c, h in zip(shifts["covers"], shifts["paid_hours"], strict=True)
                                if h > 0]))
    out.attrs.update({"paid_hours": float(cost @ x), "required_hours": float(req.sum() / per_hour),
                      "lp_bound": float(lp.fun) if lp.x is not None else float("nan"),
                      "coverage": A @ x, "status": res.message})
    return out
