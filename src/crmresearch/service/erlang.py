"""Queueing formulas of the call centre: Erlang C and Erlang A, service level, the agents a
target needs, and a discrete-event queue to check them.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import schemas
from ..errors import ValidationError

__all__ = [
    "ErlangA",
    "Staffing",
    "agents_for_target",
    "agents_needed",
    "agents_needed_erlang_a",
    "average_speed_of_answer",
    "erlang_a",
    "erlang_c",
    "occupancy",
    "service_level",
    "service_levels",
    "simulate_queue",
    "traffic",
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


# ------------------------------------------------------------------------------ the Erlang core
# One implementation of the Erlang recursion serves every formula below: one interval (erlang_c,
# service_level, average_speed_of_answer, agents_needed), many intervals at once (service_levels) and
# the search for the fewest agents (agents_for_target). Each function takes floats (one interval: plain
# float arithmetic, fast in the per-interval loops of a staffing plan) or arrays (intervals at once);
# the operations are the same, so both give the same bits (IEEE +, *, / are exactly rounded, and
# np.exp of a float is np.exp of an array element).

def _erlang_b_steps(a):
    """Erlang B for N = 1, 2, ... agents at load(s) ``a`` (Erlangs, float or array): yields ``(N, B(N))`` by
    the stable recursion B(N) = A B(N-1) / (N + A B(N-1)), B(0) = 1 (no factorials, no overflow)."""
    b = 1.0 if np.ndim(a) == 0 else np.ones_like(a, dtype=float)
    k = 0
    while True:
        k += 1
        b = a * b / (k + a * b)
        yield k, b


#: B(0), B(1), ... of the recursion per load (float), as far as asked: the searches for the fewest agents
#: ask B at n, n + 1, ... of one load, which the recursion from B(0) would recompute each time.
_B_SEQUENCES: dict[float, list[float]] = {}


def _erlang_b_float(a: float, n: int) -> float:
    """Erlang B of one load ``a`` at ``n`` >= 1 agents: the recursion of :func:`_erlang_b_steps` on floats, its
    steps kept per load (the same doubles as recomputing them)."""
    seq = _B_SEQUENCES.get(a)
    if seq is None:
        if len(_B_SEQUENCES) >= 1024:
            _B_SEQUENCES.clear()
        seq = _B_SEQUENCES[a] = [1.0]
    k = len(seq) - 1
    b = seq[k]
    while k < n:
        k += 1
        b = a * b / (k + a * b)
        seq.append(b)
    return seq[n]


def _erlang_b(a, n):
    """Erlang B at ``n`` agents (whole numbers >= 0) and loads ``a``: floats, or arrays of one shape."""
    if np.ndim(a) == 0 and np.ndim(n) == 0:
        if n == 0:
            return 1.0
        return _erlang_b_float(float(a), int(n))
    out = np.where(n == 0, 1.0, np.nan)
    top = int(n.max(initial=0))
    if top:
        for k, b in _erlang_b_steps(a):
            out = np.where(n == k, b, out)
            if k == top:
                break
    return out


def _wait_probability(a, n, b):
    """Erlang C from Erlang B: C = N B / (N - A (1 - B)); 1 where N <= A (every call waits)."""
    if np.ndim(a) == 0 and np.ndim(n) == 0:
        return n * b / (n - a * (1 - b)) if n > a else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > a, n * b / (n - a * (1 - b)), 1.0)


def _answered_within(a, n, c, answer_within: float, aht: float):
    """Service level 1 - C exp(-(N - A) t / aht); 0 where N <= A (unstable), 1 where A = 0 (no calls)."""
    if np.ndim(a) == 0 and np.ndim(n) == 0:
        return 1.0 if a == 0 else (float(1 - c * np.exp(-(n - a) * answer_within / aht)) if n > a else 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1 - c * np.exp(-(n - a) * answer_within / aht)
    return np.where(a == 0, 1.0, np.where(n > a, sl, 0.0))


def _erlang_c(a: float, n: int) -> float:
    """Erlang C of one interval."""
    return float(_wait_probability(a, n, _erlang_b(a, n)))


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
    return _erlang_c(a, _agents(agents, "erlang_c"))


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
    c = _wait_probability(a, agents, _erlang_b(a, agents))
    return float(_answered_within(a, agents, c, answer_within, aht))


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
    c = _wait_probability(a, n, _erlang_b(a, n))
    return _answered_within(a, n, c, answer_within, aht)


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
    if (out < 0).any():
        for k, b in _erlang_b_steps(a):
            sl = _answered_within(a, k, _wait_probability(a, k, b), answer_within, aht)
            out = np.where((out < 0) & (k > a) & (sl >= target), k, out)
            if not (out < 0).any():
                break
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


def _fewest_meeting(meets: Callable[[int], bool], start: int, lo: int, hi: int | None = None,
                    limit: int | None = None) -> int:
    """The smallest whole number above ``lo`` for which ``meets`` holds, ``meets`` rising with it (False ... True):
    ``lo`` misses (never evaluated), ``hi`` meets when given (never evaluated; None: no bound known). From the
    guess ``start`` step by 1, 2, 4, ... down while met or up while missed, then bisect between the last two; a
    guess on or next to the answer takes 2 evaluations. ``limit``: the steps up stop there, and a miss at
    ``limit`` evaluates ``limit + 1`` (where ``meets`` raises its own error, as a scan would)."""
    start = max(lo + 1, start if hi is None else min(start, hi))
    if start != hi:
        if meets(start):
            hi = start
        else:
            lo = start
    step = 1
    if hi is not None and hi == start:  # down from hi while met
        while hi - step > lo and meets(hi - step):
            hi -= step
            step *= 2
        lo = max(lo, hi - step)
    else:  # up from lo while missed
        while hi is None or lo + step < hi:
            nxt = lo + step if limit is None else (min(lo + step, limit) if lo < limit else lo + 1)
            if meets(nxt):
                hi = nxt
                break
            lo, step = nxt, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return hi


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
    return _agents_needed(arrival_rate, aht, target, answer_within, max_occupancy, shrinkage, period_seconds)[0]


def _agents_needed(arrival_rate: float, aht: float, target: float, answer_within: float,
                   max_occupancy: float | None, shrinkage: float, period_seconds: float,
                   above_least: int | None = None) -> tuple[Staffing, int]:
    """:func:`agents_needed` (its checks done) and the excess of its answer over the least staffing it could be
    (more agents than the traffic, and the occupancy cap's). The service level rises and the occupancy falls with
    agents, so :func:`_fewest_meeting` finds the same fewest agents from any guess: ``above_least`` agents above
    the least (e.g. the excess of the interval before; default 0). A good guess takes 2 service levels, not one
    per agent above the traffic."""
    a = traffic(arrival_rate, aht, period_seconds)
    if a == 0:
        return Staffing(0.0, 0, 0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0), 0
    least = max(1, math.floor(a) + 1)
    if max_occupancy is not None:  # occupancy a / n <= cap needs at least a / cap agents
        least = max(least, math.ceil(a / max_occupancy - 1e-12))
    levels: dict[int, float] = {}

    def meets(n: int) -> bool:
        levels[n] = service_level(arrival_rate, aht, n, answer_within, period_seconds)
        return levels[n] >= target and (max_occupancy is None or a / n <= max_occupancy)

    # the guess and the steps up stay within MAX_AGENTS: only an answer above it raises (at MAX_AGENTS + 1)
    start = min(least + max(int(above_least or 0), 0), max(least, MAX_AGENTS))
    n = _fewest_meeting(meets, start, lo=least - 1, limit=MAX_AGENTS)  # least - 1: below the least, never run
    sl, occ = levels[n], a / n
    s0 = service_level(arrival_rate, aht, n - 1, answer_within, period_seconds) if n - 1 > a else 0.0
    frac = (n - 1) + (target - s0) / (sl - s0) if sl > s0 else float(n)
    frac = min(float(n), max(frac, a if max_occupancy is None else a / max_occupancy))
    return Staffing(a, n, math.ceil(n / (1 - shrinkage) - 1e-9), sl,
                    average_speed_of_answer(arrival_rate, aht, n, period_seconds), occ,
                    erlang_c(arrival_rate, aht, n, period_seconds), frac, frac / (1 - shrinkage)), n - least


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


def _fewest_agents_a(arrival_rate: float, aht: float, patience: float, target: float, answer_within: float,
                     period_seconds: float, below_c: int | None = None) -> tuple[int, ErlangA, int]:
    """The fewest agents whose Erlang A service level meets ``target``, the queue there, and the Erlang C answer.

    The service level rises with agents, and the Erlang C answer meets the target (callers who abandon only
    shorten the queue): :func:`_fewest_meeting` below it, from a guess ``below_c`` agents fewer than the Erlang C
    answer (e.g. the gap of the interval before; default 0). A good guess takes 2 queues, not log2(C) + 1."""
    erlang_c_agents = agents_needed(arrival_rate, aht, target, answer_within, period_seconds=period_seconds).agents
    queues: dict[int, ErlangA] = {}

    def meets(n: int) -> bool:
        queues[n] = erlang_a(arrival_rate, aht, n, patience, answer_within, period_seconds)
        return queues[n].service_level >= target

    n = _fewest_meeting(meets, erlang_c_agents - int(below_c or 0), lo=0, hi=erlang_c_agents)
    return n, queues[n] if n in queues else erlang_a(arrival_rate, aht, n, patience, answer_within,
                                                     period_seconds), erlang_c_agents


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
    hi, r, _ = _fewest_agents_a(arrival_rate, aht, patience, target, answer_within, period_seconds)
    return hi, math.ceil(hi / (1 - shrinkage) - 1e-9), r
