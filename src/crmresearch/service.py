"""Call-centre staffing (Erlang C, Erlang A), SLA attainment of service tickets, contact KPIs.

Units: ``arrival_rate`` is calls per ``period_seconds`` (default 3600: calls per hour); ``aht``
(average handle time), ``answer_within`` and ``patience`` are in seconds. Traffic in Erlangs is
A = arrival_rate x aht / period_seconds.

References
----------
Gans, N., Koole, G. and Mandelbaum, A. (2003). Telephone call centers: tutorial, review, and research
prospects. Manufacturing & Service Operations Management 5(2), 79-141.
Garnett, O., Mandelbaum, A. and Reiman, M. (2002). Designing a call center with impatient customers.
MSOM 4(3), 208-227 (Erlang A).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import schemas
from .errors import ValidationError

__all__ = [
    "ErlangA",
    "Staffing",
    "agents_for_target",
    "agents_needed",
    "agents_needed_erlang_a",
    "arrival_profile",
    "average_speed_of_answer",
    "busy_hour",
    "check_interval_length",
    "contact_kpis",
    "erlang_a",
    "erlang_c",
    "occupancy",
    "rounding_comparison",
    "service_level",
    "service_levels",
    "shift_patterns",
    "shift_schedule",
    "simulate_queue",
    "sla_attainment",
    "sla_targets",
    "staffing_plan",
    "staffing_scenarios",
    "staffing_summary",
    "traffic",
    "with_erlang_a",
]


def _finite(value: Any, name: str, caller: str, low: float | None = None, strict: bool = False) -> float:
    """``value`` as a finite float (>= or > ``low``), or a :class:`ValidationError` naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{caller}: {name} must be a number; got {value!r}") from None
    if not math.isfinite(v):
        raise ValidationError(f"{caller}: {name} must be finite; got {value!r}")
    if low is not None and (v <= low if strict else v < low):
        raise ValidationError(f"{caller}: {name} must be {'>' if strict else '>='} {low:g}; got {value!r}")
    return v


#: Largest offered load (Erlangs) and head count per interval the queue formulas accept. The biggest
#: contact centres staff a few thousand agents at once; far beyond that the input is almost always a
#: unit error (calls per day read as calls per hour, handle time in minutes read as seconds), and the
#: Erlang recursions would run for minutes before answering.
MAX_ERLANGS = 100_000.0
MAX_AGENTS = 200_000


def _agents(agents: Any, caller: str) -> int:
    """A whole number of agents >= 1 (fractional agents are an error, not silently truncated)."""
    v = _finite(agents, "agents", caller, 1)
    if v != int(v):
        raise ValidationError(f"{caller}: agents must be a whole number; got {agents!r}")
    if v > MAX_AGENTS:
        raise ValidationError(f"{caller}: {v:,.0f} agents is above the {MAX_AGENTS:,} one interval can plausibly "
                              "staff; check the units")
    return int(v)


def _check_load(a: Any, caller: str) -> None:
    """Refuse an offered load beyond :data:`MAX_ERLANGS` with the likely cause (units)."""
    worst = float(np.max(a, initial=0.0))
    if worst > MAX_ERLANGS:
        raise ValidationError(f"{caller}: an offered load of {worst:,.0f} Erlangs (arrival_rate x aht / "
                              f"period_seconds) is above {MAX_ERLANGS:,.0f}; check the units: arrival_rate is calls "
                              "per period_seconds and aht is in seconds")


def traffic(arrival_rate: float, aht: float, period_seconds: float = 3600.0) -> float:
    """Offered load in Erlangs, A = arrival_rate x aht / period_seconds.

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    float
        Offered load, Erlangs.

    Examples
    --------
    >>> from crmresearch import service
    >>> service.traffic(200, 180)   # 200 calls an hour of 3 minutes each
    10.0
    """
    aht = _finite(aht, "aht (average handle time, seconds)", "traffic", 0, strict=True)
    arrival_rate = _finite(arrival_rate, "arrival_rate (calls per period)", "traffic", 0)
    period_seconds = _finite(period_seconds, "period_seconds", "traffic", 0, strict=True)
    a = arrival_rate * aht / period_seconds
    _check_load(a, "traffic")
    return a


def _erlang_b(a: float, n: int) -> float:
    """Erlang B by the stable recursion B(k) = A B(k-1) / (k + A B(k-1)) (no factorials)."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(arrival_rate: float, aht: float, agents: int, period_seconds: float = 3600.0) -> float:
    """Probability that a call waits (Erlang C): C = N B / (N - A (1 - B)); 1 when N <= A.

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    float
        Probability of waiting (0-1).

    Examples
    --------
    >>> from crmresearch import service
    >>> round(service.erlang_c(200, 180, 14), 4)   # 10 Erlangs on 14 agents
    0.1741
    """
    a = traffic(arrival_rate, aht, period_seconds)
    n = _agents(agents, "erlang_c")
    if n <= a:
        return 1.0
    b = _erlang_b(a, n)
    return n * b / (n - a * (1 - b))


def _stable(a: float, n: int, caller: str) -> None:
    if n <= a:
        raise ValidationError(f"{caller}: {n} agents cannot serve {a:.2f} Erlangs of traffic (the queue grows without "
                              f"bound); need more than {math.floor(a)} agents")


def service_level(arrival_rate: float, aht: float, agents: int, answer_within: float = 20.0,
                  period_seconds: float = 3600.0) -> float:
    """Share of calls answered within ``answer_within`` seconds: 1 - C exp(-(N - A) t / aht).

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    float
        Share of calls answered within ``answer_within`` (0-1).

    Raises
    ------
    ValidationError
        When agents do not exceed the traffic (the queue grows without bound).

    Examples
    --------
    >>> from crmresearch import service
    >>> round(service.service_level(200, 180, 14, answer_within=20), 4)
    0.8884
    """
    answer_within = _finite(answer_within, "answer_within (seconds)", "service_level", 0)
    a = traffic(arrival_rate, aht, period_seconds)
    agents = _agents(agents, "service_level")
    _stable(a, agents, "service_level")
    c = erlang_c(arrival_rate, aht, agents, period_seconds)
    return 1 - c * math.exp(-(agents - a) * answer_within / aht)


def service_levels(arrival_rate: Any, aht: float, agents: Any, answer_within: float = 20.0,
                   period_seconds: float = 3600.0) -> np.ndarray:
    """:func:`service_level` for arrays of intervals at once (Erlang C, vectorised over intervals).

    An interval whose agents do not exceed its traffic (the queue grows without bound in the
    steady-state model) gets service level 0, and an interval with no calls gets 1.

    Parameters
    ----------
    arrival_rate : array-like
        Calls per ``period_seconds``, one per interval.
    aht : float
        Average handle time per call, seconds.
    agents : array-like
        Agents per interval.
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    ndarray
        Service level per interval (0-1).

    Examples
    --------
    >>> from crmresearch import service
    >>> [round(float(x), 4) for x in service.service_levels([200.0, 200.0], 180, [14, 10])]   # 10 agents: overloaded
    [0.8884, 0.0]
    """
    lam = schemas.as_numbers(arrival_rate, "arrival_rate", "service_levels")
    try:
        n = np.broadcast_to(np.asarray(agents), lam.shape)
    except ValueError:
        raise ValidationError(f"service_levels: agents has shape {np.shape(agents)} but arrival_rate has "
                              f"{lam.shape}; give one agent count per interval (or one for all)") from None
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValidationError(f"service_levels: arrival_rate has {int((~np.isfinite(lam) | (lam < 0)).sum())} values "
                              "that are not finite and >= 0")
    if np.any(n < 0) or np.any(n != np.round(n)):
        raise ValidationError("service_levels: agents must be whole numbers >= 0")
    if n.size and float(np.max(n)) > MAX_AGENTS:
        raise ValidationError(f"service_levels: {float(np.max(n)):,.0f} agents is above the {MAX_AGENTS:,} one "
                              "interval can plausibly staff; check the units")
    n = n.astype(int)
    a = lam * _finite(aht, "aht (average handle time, seconds)", "service_levels", 0, strict=True) / period_seconds
    _check_load(a, "service_levels")
    b = np.ones_like(a)
    b_at_n = np.where(n == 0, 1.0, np.nan)
    for k in range(1, int(n.max(initial=0)) + 1):
        b = a * b / (k + a * b)
        b_at_n = np.where(n == k, b, b_at_n)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b_at_n / (n - a * (1 - b_at_n))
        sl = 1 - c * np.exp(-(n - a) * answer_within / aht)
    return np.where(a == 0, 1.0, np.where(stable, sl, 0.0))


def agents_for_target(arrival_rate: Any, aht: float, target: float = 0.8, answer_within: float = 20.0,
                      period_seconds: float = 3600.0) -> np.ndarray:
    """Fewest whole agents meeting the service-level target, for arrays of intervals at once (the
    ``agents`` of :func:`agents_needed`, vectorised; equal to it interval by interval).

    Parameters
    ----------
    arrival_rate : array-like
        Calls per ``period_seconds``, one per interval.
    aht : float
        Average handle time per call, seconds.
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within`` (0.8 = 80 %).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    ndarray
        Agents per interval (int).

    Examples
    --------
    >>> from crmresearch import service
    >>> service.agents_for_target([200.0, 400.0, 0.0], 180).tolist()
    [14, 24, 0]
    """
    if not 0 < _finite(target, "target", "agents_for_target") < 1:
        raise ValidationError(f"agents_for_target: target must be in (0, 1); got {target}")
    lam = schemas.as_numbers(arrival_rate, "arrival_rate", "agents_for_target")
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValidationError(f"agents_for_target: arrival_rate has {int((~np.isfinite(lam) | (lam < 0)).sum())} "
                              "values that are not finite and >= 0")
    a = lam * _finite(aht, "aht (average handle time, seconds)", "agents_for_target", 0, strict=True) / period_seconds
    _check_load(a, "agents_for_target")
    out = np.where(a == 0, 0, -1)
    b = np.ones_like(a)
    k = 0
    while (out < 0).any():
        k += 1
        b = a * b / (k + a * b)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = k * b / (k - a * (1 - b))
            sl = 1 - c * np.exp(-(k - a) * answer_within / aht)
        hit = (out < 0) & (k > a) & (sl >= target)
        out = np.where(hit, k, out)
    return out


def average_speed_of_answer(arrival_rate: float, aht: float, agents: int, period_seconds: float = 3600.0) -> float:
    """Mean wait in seconds over all calls: C x aht / (N - A).

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    float
        Mean wait, seconds.

    Raises
    ------
    ValidationError
        When agents do not exceed the traffic (the queue grows without bound).

    Examples
    --------
    >>> from crmresearch import service
    >>> round(service.average_speed_of_answer(200, 180, 14), 1)   # seconds
    7.8
    """
    a = traffic(arrival_rate, aht, period_seconds)
    agents = _agents(agents, "average_speed_of_answer")
    _stable(a, agents, "average_speed_of_answer")
    return erlang_c(arrival_rate, aht, agents, period_seconds) * aht / (agents - a)


def occupancy(arrival_rate: float, aht: float, agents: int, period_seconds: float = 3600.0) -> float:
    """Share of agent time busy: A / N (capped at 1).

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    float
        Share of agent time busy (0-1).

    Examples
    --------
    >>> from crmresearch import service
    >>> round(service.occupancy(200, 180, 14), 3)
    0.714
    """
    return min(1.0, traffic(arrival_rate, aht, period_seconds) / _agents(agents, "occupancy"))


@dataclass(frozen=True)
class Staffing:
    """Agents for one interval: ``agents`` on the phones (rounded up: the fewest whole agents that
    meet the target), ``scheduled`` after shrinkage (rounded up), and the fractional planning
    quantities ``agents_fractional`` / ``scheduled_fractional`` (see :func:`agents_needed`).

    Attributes
    ----------
    traffic : float
        Offered load, Erlangs.
    agents : int
        Agents on the phones (rounded up).
    scheduled : int
        Agents scheduled after shrinkage (rounded up).
    service_level : float
        Share answered within the threshold at ``agents``.
    asa_seconds : float
        Average speed of answer at ``agents``, seconds.
    occupancy : float
        Share of agent time busy at ``agents``.
    p_wait : float
        Probability a call waits (Erlang C).
    agents_fractional : float
        Fractional agents where the service level meets the target.
    scheduled_fractional : float
        ``agents_fractional / (1 - shrinkage)``.

    Examples
    --------
    >>> from crmresearch import service
    >>> s = service.agents_needed(200, 180)
    >>> type(s).__name__, s.agents, round(s.agents_fractional, 2)
    ('Staffing', 14, 13.05)
    """

    traffic: float
    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float
    agents_fractional: float = float("nan")
    scheduled_fractional: float = float("nan")


def agents_needed(arrival_rate: float, aht: float, target: float = 0.8, answer_within: float = 20.0,
                  max_occupancy: float | None = None, shrinkage: float = 0.0,
                  period_seconds: float = 3600.0) -> Staffing:
    """Fewest agents meeting the service-level target (e.g. 80 % in 20 s) and, optionally, an
    occupancy cap; ``scheduled`` = ceil(agents / (1 - shrinkage)) covers breaks, training, absence.

    Rounding policy: ``agents`` and ``scheduled`` are whole agents, rounded up (the staffing of one
    interval). ``agents_fractional`` interpolates the service level linearly between n - 1 and n
    agents to the point where it equals the target (never below the traffic, nor below
    traffic / max_occupancy), and ``scheduled_fractional`` = agents_fractional / (1 - shrinkage): the
    quantities to add up over intervals, sites or skills before rounding once (planning FTE), which
    avoids the up to one agent per interval that rounding every interval adds.

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    target : float, default 0.8
        Service-level target: share of calls answered within ``answer_within`` (0.8 = 80 %).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    max_occupancy : float or None, optional
        Highest share of time an agent may be busy (e.g. 0.85); None: no cap.
    shrinkage : float, default 0.0
        Share of paid time off the phones (breaks, training, absence), 0-1.
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    Staffing
        Agents, scheduled agents and the achieved service figures.

    Examples
    --------
    >>> from crmresearch import service
    >>> s = service.agents_needed(200, 180, target=0.8, answer_within=20, shrinkage=0.3)
    >>> s.agents, s.scheduled, round(s.service_level, 3)
    (14, 20, 0.888)
    """
    if not 0 < _finite(target, "target", "agents_needed") < 1:
        raise ValidationError(f"agents_needed: target must be in (0, 1); got {target}")
    if not 0 <= _finite(shrinkage, "shrinkage", "agents_needed") < 1:
        raise ValidationError(f"agents_needed: shrinkage must be in [0, 1); got {shrinkage}")
    answer_within = _finite(answer_within, "answer_within (seconds)", "agents_needed", 0)
    if max_occupancy is not None and not 0 < _finite(max_occupancy, "max_occupancy", "agents_needed") <= 1:
        raise ValidationError(f"agents_needed: max_occupancy must be in (0, 1] (a share of agent time); "
                              f"got {max_occupancy}")
    a = traffic(arrival_rate, aht, period_seconds)
    if a == 0:
        return Staffing(0.0, 0, 0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    n = max(1, math.floor(a) + 1)
    if max_occupancy is not None:  # occupancy a / n <= cap needs at least a / cap agents
        n = max(n, math.ceil(a / max_occupancy - 1e-12))
    while True:
        sl = service_level(arrival_rate, aht, n, answer_within, period_seconds)
        occ = a / n
        if sl >= target and (max_occupancy is None or occ <= max_occupancy):
            break
        n += 1
    s0 = service_level(arrival_rate, aht, n - 1, answer_within, period_seconds) if n - 1 > a else 0.0
    frac = (n - 1) + (target - s0) / (sl - s0) if sl > s0 else float(n)
    frac = min(float(n), max(frac, a if max_occupancy is None else a / max_occupancy))
    return Staffing(a, n, math.ceil(n / (1 - shrinkage) - 1e-9), sl,
                    average_speed_of_answer(arrival_rate, aht, n, period_seconds), occ,
                    erlang_c(arrival_rate, aht, n, period_seconds), frac, frac / (1 - shrinkage))


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
    rows = [agents_needed(c, aht, target, answer_within, max_occupancy, shrinkage, interval_seconds)
            for c in intervals[calls].to_numpy(dtype=float)]
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


# ----------------------------------------------------------------------------------- Erlang A
@dataclass(frozen=True)
class ErlangA:
    """Erlang A (M/M/N+M) results for one interval.

    Attributes
    ----------
    traffic : float
        Offered load, Erlangs.
    agents : int
        Agents on the phones.
    p_wait : float
        Share of calls that wait.
    p_abandon : float
        Share of calls abandoned.
    service_level : float
        Share of all offered calls answered within the threshold.
    asa_seconds : float
        Mean wait of answered calls, seconds.
    occupancy : float
        Share of agent time busy.

    Examples
    --------
    >>> from crmresearch import service
    >>> r = service.erlang_a(200, 180, 12, patience=180)
    >>> type(r).__name__, 0 < r.p_abandon < 1
    ('ErlangA', True)
    """

    traffic: float
    agents: int
    p_wait: float
    p_abandon: float
    service_level: float  # share of ALL offered calls answered within answer_within
    asa_seconds: float  # mean wait of served calls
    occupancy: float


def _served_within(out_rate: np.ndarray, down: np.ndarray, serve: float, t: float) -> np.ndarray:
    """P(a waiting caller with j callers ahead is served within ``t``), j = 0..J, for the pure-death
    chain of :func:`erlang_a` (leave state j at ``out_rate[j]``: to j - 1 at ``down[j-1]``, from 0 to
    service at ``serve``, otherwise abandon). Uniformization: exp(Qt) e as a Poisson mixture of
    powers of the uniformized chain, summed until the Poisson tail is below 1e-14; every term is a
    non-negative vector, so the sum is stable."""
    from scipy.stats import poisson

    rate = float(out_rate.max())
    lt = rate * t
    if lt == 0:
        return np.zeros(out_rate.size)
    k_max = int(poisson.isf(1e-14, lt)) + 1
    pmf = poisson.pmf(np.arange(k_max + 1), lt)
    stay = 1.0 - out_rate / rate
    move = np.r_[0.0, down / rate]  # j -> j - 1
    to_served = np.zeros(out_rate.size)
    to_served[0] = serve / rate
    x = np.zeros(out_rate.size)  # P(absorbed in "served" after k uniformized steps), by start state
    total = pmf[0] * x
    for k in range(1, k_max + 1):
        nxt = stay * x + to_served
        nxt[1:] += move[1:] * x[:-1]
        x = nxt
        total += pmf[k] * x
    return total


def erlang_a(arrival_rate: float, aht: float, agents: int, patience: float, answer_within: float = 20.0,
             period_seconds: float = 3600.0, tol: float = 1e-12) -> ErlangA:
    """M/M/N+M queue with exponential patience of mean ``patience`` seconds (Erlang A).

    The stationary distribution of the birth-death chain (birth rate lambda, death rate
    min(n, N) mu + max(n - N, 0) gamma) is computed in log space and truncated where the tail is
    below ``tol``; the answered-within-t share follows a tagged caller through the queue (number
    ahead decreases at rate N mu + j gamma; the caller abandons at rate gamma) by a matrix
    exponential. Abandoned calls count as not answered within t.

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    patience : float
        Mean time a caller waits before abandoning, seconds (exponential).
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).
    tol : float, default 1e-12
        Truncation of the stationary distribution's tail.

    Examples
    --------
    >>> from crmresearch import service
    >>> r = service.erlang_a(200, 180, 12, patience=180)
    >>> round(r.service_level, 3) > round(service.service_level(200, 180, 12), 3)   # impatient callers leave the queue
    True
    """
    a = traffic(arrival_rate, aht, period_seconds)
    n = int(agents)
    if n < 1 or not patience > 0:
        raise ValidationError("erlang_a: agents must be >= 1 and patience > 0 seconds")
    lam = arrival_rate / period_seconds
    mu, gam = 1 / aht, 1 / patience
    # stationary distribution, log space: log p_k = sum_{i<=k} (log lam - log death_i), truncated where
    # the tail (beyond the mode, where death > lam) is below tol relative to the largest term
    size = max(2 * n, 64)
    while True:
        k = np.arange(1, size + 1, dtype=float)
        death = np.minimum(k, n) * mu + np.maximum(k - n, 0) * gam
        logp = np.r_[0.0, np.cumsum(math.log(lam) - np.log(death))]
        beyond = np.flatnonzero((k > n) & (death > lam) & (logp[1:] - np.maximum.accumulate(logp)[1:]
                                                               < math.log(tol)))
        if beyond.size:
            logp = logp[: beyond[0] + 2]
            break
        if size > 100_000:
            raise ValidationError("erlang_a: state space too large; check the inputs")
        size *= 2
    p = np.exp(logp - logp.max())
    p /= p.sum()
    states = np.arange(p.size)
    queue = np.clip(states - n, 0, None)
    p_wait = float(p[states >= n].sum())
    p_abandon = float(gam * (p * queue).sum() / lam)
    # tagged caller arriving in state m >= n has j = m - n callers ahead (PASTA); the number ahead
    # falls at rate n mu + j gamma, the caller is served from j = 0 at rate n mu and abandons at rate gamma
    from scipy.linalg import solve_banded

    J = int(queue.max())
    j = np.arange(J + 1, dtype=float)
    down = n * mu + j[1:] * gam  # j -> j - 1
    out_rate = np.r_[n * mu, down] + gam
    # -T is lower bidiagonal: out_rate on the diagonal, -down below it (banded storage for solve_banded)
    minus_T = np.vstack([out_rate, np.r_[-down, 0.0]])
    exit_served = np.zeros(J + 1)
    exit_served[0] = n * mu
    served_by_t = _served_within(out_rate, down, n * mu, answer_within)
    weights = p[n:]  # arrivals finding all agents busy, j = 0..J
    sl = float(p[:n].sum() + weights @ served_by_t[: weights.size])
    # mean wait of served callers: E[W 1(served)] = N (N exit) with the fundamental matrix N = (-T)^-1
    prob_served = solve_banded((1, 0), minus_T, exit_served)
    Ew_served = solve_banded((1, 0), minus_T, prob_served)
    served_total = float(p[:n].sum() + weights @ prob_served[: weights.size])
    asa = float(weights @ Ew_served[: weights.size]) / max(served_total, 1e-12)
    occ = float((p * np.minimum(states, n)).sum() / n)
    return ErlangA(a, n, p_wait, p_abandon, sl, asa, occ)


def simulate_queue(arrival_rate: float, aht: float, agents: int, patience: float | None = None,
                   answer_within: float = 20.0, n_calls: int = 200_000, seed: int = 0,
                   period_seconds: float = 3600.0) -> dict[str, float]:
    """Seeded discrete-event simulation of an M/M/N (+M if ``patience``) queue, first come first
    served: share waiting, abandoned, answered within ``answer_within`` (of all calls), mean wait
    of served calls. Used to check the Erlang formulas.

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
    aht : float
        Average handle time per call, seconds.
    agents : int
        Agents on the phones (whole number).
    patience : float or None, optional
        Mean patience, seconds; None: nobody abandons.
    answer_within : float, default 20.0
        Answer-time threshold of the service level, seconds (20 in the 80/20 rule).
    n_calls : int, default 200000
        Calls simulated.
    seed : int, default 0
        Random seed.
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    dict of str to float
        ``p_wait``, ``p_abandon``, ``service_level`` and ``asa_seconds``.

    Examples
    --------
    >>> from crmresearch import service
    >>> r = service.simulate_queue(200, 180, 14, n_calls=50_000, seed=1)
    >>> round(float(r['service_level']), 2)   # Erlang C: 0.89
    0.89
    """
    import heapq

    rng = np.random.default_rng(seed)
    lam = arrival_rate / period_seconds
    arrivals = np.cumsum(rng.exponential(1 / lam, n_calls))
    service = rng.exponential(aht, n_calls)
    pat = rng.exponential(patience, n_calls) if patience else np.full(n_calls, np.inf)
    free_at = [0.0] * int(agents)  # heap of times at which each agent becomes free
    heapq.heapify(free_at)
    waited = abandoned = answered = 0
    wait_sum = 0.0
    served = 0
    warm = n_calls // 10
    for i in range(n_calls):
        t = arrivals[i]
        # the earliest time an agent is free for this caller (FCFS: callers ahead already assigned)
        f = free_at[0]
        start = max(t, f)
        w = start - t
        if w > pat[i]:  # abandons before an agent is free: the agent is not taken
            if i >= warm:
                abandoned += 1
                waited += 1
            continue
        heapq.heapreplace(free_at, start + service[i])
        if i >= warm:
            waited += w > 0
            answered += w <= answer_within
            wait_sum += w
            served += 1
    m = n_calls - warm
    return {"p_wait": waited / m, "p_abandon": abandoned / m, "service_level": answered / m,
            "asa_seconds": wait_sum / max(served, 1)}


# ----------------------------------------------------------------------------------- SLA, KPIs
def _hours(spec: str | float) -> float:
    if isinstance(spec, int | float):
        return float(spec)
    s = str(spec).strip().lower()
    if s.endswith("h"):
        return float(s[:-1])
    if s.endswith("d"):
        return 24 * float(s[:-1])
    if s.endswith("min"):
        return float(s[:-3]) / 60
    raise ValidationError(f"sla_attainment: target {spec!r} must look like '2h', '24h', '2d' or '30min'")


def sla_attainment(tickets: pd.DataFrame, targets: Mapping[str, str | float] | None = None,
                   as_of: str | pd.Timestamp | None = None, by: Sequence[str] | str | None = None,
                   created: str = "created") -> pd.DataFrame:
    """Share of tickets meeting each target (e.g. respond within 2 h, on site within 24 h, resolve
    within 48 h), counting open tickets correctly.

    A ticket whose milestone happened within the target has *met* it; one whose milestone happened
    later, or is still missing while more than the target has elapsed by ``as_of``, has *missed* it;
    one still open and younger than the target is *pending* and left out of the attainment share
    (reported separately). Milestone columns are the target names (``responded``, ``on_site``,
    ``resolved``). Tickets without an on-site step simply have no ``on_site`` milestone and are not
    counted for that target (``not_applicable_column`` names a boolean column if needed).

    Returns
    -------
    DataFrame: group columns, ``target``, ``hours``, ``met``, ``missed``, ``pending``, ``attainment``
    (met / (met + missed)).

    Parameters
    ----------
    tickets : DataFrame
        One row per ticket with ``created`` and milestone timestamps.
    targets : mapping of str to str or float or None, optional
        Milestone -> hours (a number or ``'24h'``); None: :func:`sla_targets`.
    as_of : str or Timestamp or None, optional
        Time the data were taken; None: the latest timestamp in the table.
    by : sequence of str or str or None, optional
        Grouping column(s); None: all tickets.
    created : str, default 'created'
        Creation timestamp column.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> t = pd.DataFrame({'ticket_id': [1, 2], 'created': pd.to_datetime(['2024-01-01 09:00', '2024-01-01 10:00']),
    ...                   'responded': pd.to_datetime(['2024-01-01 10:00', '2024-01-01 13:00']), 'resolved': pd.NaT})
    >>> service.sla_attainment(t, {'respond': '2h'}, as_of='2024-01-02')[['met', 'missed']].values.tolist()
    [[1, 1]]
    """
    from . import schemas

    targets = dict(targets or {"respond": "2h", "on_site": "24h", "resolve": "48h"})
    column = {"respond": "responded", "on_site": "on_site", "resolve": "resolved"}
    t = schemas.validate(tickets, "tickets", created=created, caller="sla_attainment",
                         as_of=as_of if as_of is not None else None)
    now = pd.Timestamp(as_of) if as_of is not None else t[created].max()
    by = [by] if isinstance(by, str) else list(by or [])
    rows = []
    for name, spec in targets.items():
        col = column.get(name, name)
        if col not in t.columns:
            raise ValidationError(f"sla_attainment: no milestone column '{col}' for target '{name}'")
        h = _hours(spec)
        limit = t[created] + pd.Timedelta(hours=h)
        done = t[col].notna()
        applicable = done | (t["type"] == "fault") if col == "on_site" and "type" in t.columns else \
            pd.Series(True, index=t.index)
        met = done & (t[col] <= limit)
        missed = (done & (t[col] > limit)) | (~done & (now > limit))
        pending = ~done & (now <= limit)
        frame = pd.DataFrame({"met": met & applicable, "missed": missed & applicable, "pending": pending & applicable})
        for c in by:
            frame[c] = t[c].astype(str).to_numpy()
        g = frame.groupby(by, observed=True) if by else frame.groupby(lambda _: "all")
        agg = g[["met", "missed", "pending"]].sum().reset_index()
        if not by:
            agg = agg.drop(columns=agg.columns[0])
        agg.insert(len(by), "target", name)
        agg.insert(len(by) + 1, "hours", h)
        agg["attainment"] = agg["met"] / (agg["met"] + agg["missed"]).replace(0, np.nan)
        rows.append(agg)
    return pd.concat(rows, ignore_index=True)


def contact_kpis(calls: pd.DataFrame, tickets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Contact-centre KPIs from interval data (``calls``, ``ivr_contained``, ``agent_calls``,
    ``aht_seconds``) and optional tickets (``first_contact_resolution``, ``customer_id``, ``created``):
    offered calls, IVR containment, average handle time, first-contact resolution, repeat-contact rate
    (share of tickets followed by another from the same customer within 7 days).

    Parameters
    ----------
    calls : DataFrame
        Interval data (see above).
    tickets : DataFrame or None, optional
        Tickets; None: no ticket KPIs.

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi`` (with its unit) and ``value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, service
    >>> bank = data.simulate_bank(n_customers=500, seed=0)
    >>> service.contact_kpis(bank.calls).columns.tolist()
    ['kpi', 'value']
    """
    missing = [c for c in ("calls", "ivr_contained", "agent_calls", "aht_seconds") if c not in calls.columns]
    if tickets is not None:
        missing += [f"tickets.{c}" for c in ("first_contact_resolution", "customer_id", "created")
                    if c not in tickets.columns]
    if missing:
        raise ValidationError(f"contact_kpis: missing column(s) {missing}")
    if calls.empty or calls["calls"].sum() <= 0:
        raise ValidationError("contact_kpis: the calls table has no calls (0 rows or a total of 0)")
    rows = [("calls offered", float(calls["calls"].sum())),
            ("IVR containment (share)", float(calls["ivr_contained"].sum() / calls["calls"].sum())),
            ("average handle time (s)", float(np.average(calls["aht_seconds"].fillna(0),
                                                          weights=calls["agent_calls"])))]
    if tickets is not None:
        rows.append(("first-contact resolution (share)", float(tickets["first_contact_resolution"].mean())))
        t = tickets.sort_values(["customer_id", "created"])
        nxt = t.groupby("customer_id")["created"].shift(-1)
        rows.append(("repeat contact within 7 days (share)",
                     float(((nxt - t["created"]) <= pd.Timedelta(days=7)).mean())))
    return pd.DataFrame(rows, columns=["kpi", "value"])


def arrival_profile(calls: pd.DataFrame, time: str = "datetime", calls_col: str = "calls",
                    slot_minutes: int = 5) -> pd.DataFrame:
    """Mean calls per weekday x time-of-day slot (the arrival profile used for staffing), with the
    number of days averaged. Slots never observed are absent, not zero.

    Parameters
    ----------
    calls : DataFrame
        One row per interval: a timestamp and a count.
    time : str, default 'datetime'
        Timestamp column (interval start).
    calls_col : str, default 'calls'
        Column of calls per interval.
    slot_minutes : int, default 5
        Slot length, minutes.

    Returns
    -------
    DataFrame
        One row per weekday and slot: ``weekday_index``, ``weekday``, ``slot``, ``mean_calls`` and ``days``
        averaged.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({'datetime': pd.to_datetime(['2024-01-01 09:00', '2024-01-08 09:00']), 'calls': [10, 14]})
    >>> service.arrival_profile(calls)[['weekday', 'slot', 'mean_calls', 'days']].values.tolist()
    [['Monday', '09:00', 12.0, 2]]
    """
    if time not in calls.columns or calls_col not in calls.columns:
        raise ValidationError(f"arrival_profile: need columns '{time}' and '{calls_col}'")
    ts = schemas.date_column(calls, time, "arrival_profile")
    slot = ts.dt.floor(f"{slot_minutes}min")
    frame = pd.DataFrame({"weekday": ts.dt.day_name(), "weekday_index": ts.dt.dayofweek,
                          "slot": slot.dt.strftime("%H:%M"),
                          "calls": schemas.as_numbers(calls[calls_col], f"column '{calls_col}'", "arrival_profile")})
    out = frame.groupby(["weekday_index", "weekday", "slot"]).agg(mean_calls=("calls", "mean"),
                                                                 days=("calls", "size")).reset_index()
    return out.sort_values(["weekday_index", "slot"], ignore_index=True)


def busy_hour(calls: pd.DataFrame, time: str = "datetime", calls_col: str = "calls") -> dict[str, Any]:
    """The busiest weekday hour of the mean arrival profile: weekday, hour ("HH:00") and mean calls
    in that hour (the sum of its intervals' means), the usual load for sizing lines.

    Parameters
    ----------
    calls : DataFrame
        One row per interval: a timestamp and a count.
    time : str, default 'datetime'
        Timestamp column (interval start).
    calls_col : str, default 'calls'
        Column of calls per interval.

    Returns
    -------
    dict of str to object
        ``weekday``, ``hour`` and ``calls_per_hour``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({"datetime": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:30", "2024-01-01 10:00"]),
    ...                       "calls": [10, 20, 5]})
    >>> service.busy_hour(calls)
    {'weekday': 'Monday', 'hour': '09:00', 'calls_per_hour': 30.0}
    """
    for col in (time, calls_col):
        if col not in calls.columns:
            raise ValidationError(f"busy_hour: missing column '{col}'; the table has {list(calls.columns)}")
    if calls.empty:
        raise ValidationError("busy_hour: the calls table has no rows")
    ts = schemas.date_column(calls, time, "busy_hour")
    frame = pd.DataFrame({"weekday": ts.dt.day_name(), "date": ts.dt.normalize(), "hour": ts.dt.strftime("%H:00"),
                          "calls": schemas.as_numbers(calls[calls_col], f"column '{calls_col}'", "busy_hour")})
    per_day = frame.groupby(["weekday", "hour", "date"])["calls"].sum()
    mean = per_day.groupby(["weekday", "hour"]).mean()
    weekday, hour = mean.idxmax()
    return {"weekday": weekday, "hour": hour, "calls_per_hour": float(mean.max())}


_MILESTONES = {"respond": "responded", "on_site": "on_site", "resolve": "resolved"}


def sla_targets(tickets: pd.DataFrame, respond_hours: float | None = 2.0, on_site_hours: float | None = 24.0,
                resolve_hours: float | None = 48.0) -> dict[str, str]:
    """SLA targets for :func:`sla_attainment` (hours) whose milestone column the tickets table has
    (``responded``, ``on_site``, ``resolved``); a target given as None is left out.

    Parameters
    ----------
    tickets : DataFrame
        The tickets table.
    respond_hours : float or None, default 2.0
        Hours to respond; None: no target.
    on_site_hours : float or None, default 24.0
        Hours to be on site; None: no target.
    resolve_hours : float or None, default 48.0
        Hours to resolve; None: no target.

    Returns
    -------
    dict of str to str
        Milestone -> hours, as text.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> tickets = pd.DataFrame(columns=['created', 'responded', 'resolved'])
    >>> service.sla_targets(tickets)   # no on_site column: that target is left out
    {'respond': '2h', 'resolve': '48h'}
    """
    hours = {"respond": respond_hours, "on_site": on_site_hours, "resolve": resolve_hours}
    out = {name: f"{_finite(h, f'{name}_hours', 'sla_targets', 0, strict=True):g}h" for name, h in hours.items()
           if h is not None and _MILESTONES[name] in tickets.columns}
    if not out:
        raise ValidationError(f"sla_targets: the tickets table has none of the milestone columns "
                              f"{list(_MILESTONES.values())}")
    return out


def check_interval_length(calls: pd.DataFrame, minutes: float, time: str = "datetime") -> None:
    """Raise unless consecutive intervals of ``calls`` are ``minutes`` apart (the most common gap
    within a day): counts per 15 minutes read as counts per 5 minutes would triple the staffing.

    Parameters
    ----------
    calls : DataFrame
        One row per interval.
    minutes : float
        Expected interval length, minutes.
    time : str, default 'datetime'
        Timestamp column (interval start).

    Raises
    ------
    ValidationError
        When the most common gap within a day differs from ``minutes``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> calls = pd.DataFrame({'datetime': pd.to_datetime(['2024-01-01 09:00', '2024-01-01 09:15', '2024-01-01 09:30'])})
    >>> service.check_interval_length(calls, 15) is None   # 5 would stop with 'set interval_minutes=15'
    True
    """
    ts = schemas.date_column(calls, time, "check_interval_length").sort_values()
    gaps = ts.diff().dropna()
    gaps = gaps[gaps < pd.Timedelta(hours=6)]  # overnight and weekend gaps are not interval lengths
    if gaps.empty:
        raise ValidationError(f"check_interval_length: column '{time}' has no two intervals on the same day")
    modal = gaps.dt.total_seconds().round().mode().iloc[0] / 60
    if abs(modal - minutes) > 1e-9:
        raise ValidationError(f"check_interval_length: intervals in column '{time}' are {modal:g} minutes apart, "
                              f"but the interval length is set to {minutes:g}; set interval_minutes={modal:g}")


def agents_needed_erlang_a(arrival_rate: float, aht: float, patience: float, target: float = 0.8,
                           answer_within: float = 20.0, shrinkage: float = 0.0,
                           period_seconds: float = 3600.0) -> tuple[int, int, ErlangA]:
    """Fewest agents whose Erlang A service level (share of all offered calls answered within t,
    abandoned calls counting as missed) meets ``target``; returns (agents, scheduled, result).

    Parameters
    ----------
    arrival_rate : float
        Calls arriving per ``period_seconds``.
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
    period_seconds : float, default 3600.0
        Length of the period of ``arrival_rate``, seconds (3600 = calls per hour).

    Returns
    -------
    agents : int
        Agents on the phones.
    scheduled : int
        Agents scheduled after shrinkage.
    result : ErlangA
        The queue at ``agents``.

    Examples
    --------
    >>> from crmresearch import service
    >>> staffing_a = service.agents_needed_erlang_a(200, 180, patience=120)
    >>> staffing_a[0] <= service.agents_needed(200, 180).agents   # impatient callers need no more agents
    True
    """
    a = traffic(arrival_rate, aht, period_seconds)
    if a == 0:
        return 0, 0, ErlangA(0.0, 0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # the service level rises with agents: bisect between a surely-too-small and the Erlang C answer
    hi = agents_needed(arrival_rate, aht, target, answer_within, period_seconds=period_seconds).agents
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if erlang_a(arrival_rate, aht, mid, patience, answer_within, period_seconds).service_level >= target:
            hi = mid
        else:
            lo = mid
    r = erlang_a(arrival_rate, aht, hi, patience, answer_within, period_seconds)
    return hi, math.ceil(hi / (1 - shrinkage) - 1e-9), r


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
    rows = [agents_needed_erlang_a(c * per_hour, aht, patience, target, answer_within, shrinkage)
            for c in plan[calls].to_numpy(dtype=float)]
    return plan.assign(agents_erlang_a=[a for a, _, _ in rows], abandon_erlang_a=[r.p_abandon for _, _, r in rows])


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
