"""Dedicated skill lines, one pooled line, or dedicated lines with cross-trained agents.

A card service centre runs lines for VIP, English, Cantonese, instalments, disputes, fraud and
collections beside the general line. Separate lines each need their own safety margin; pooling
them into one queue (every agent serves every call) needs fewer agents for the same service level
(Erlang C economies of scale), and a share of cross-trained agents who take the overflow of every
line recovers most of that saving while most agents keep one skill (Wallace & Whitt 2005:
"a little flexibility goes a long way").

:func:`simulate_lines` is a seeded discrete-event simulation of the lines (Poisson arrivals,
exponential handle times, first come first served within a line; a call goes to a free agent of
its own line first, else to a free cross-trained agent; a freed cross-trained agent takes the
longest-waiting call of any line). With only cross-trained agents it is the M/M/N queue of Erlang C,
and with none it is independent M/M/n_i queues: both limits are tested against the formulas.

References
----------
Wallace, R. B. and Whitt, W. (2005). A staffing algorithm for call centers with skill-based routing.
MSOM 7(4), 276-294. Gans, Koole & Mandelbaum (2003), section 5 (skills-based routing).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from .erlang import agents_for_target, service_levels

__all__ = ["allocate", "erlang_c_check", "line_costs", "parse_mix", "pooling_table", "simulate_lines",
           "staff_cross_trained"]


def parse_mix(spec: str | Mapping[str, float]) -> dict[str, float]:
    """Skill lines and their shares of calls from ``"general:0.6,vip:0.08,..."`` or a mapping;
    shares must be positive and add up to 1 (within 0.001).

    Parameters
    ----------
    spec : str or mapping of str to float
        ``'line:share,...'`` or a mapping line -> share.

    Returns
    -------
    dict of str to float
        Line -> share of calls.

    Raises
    ------
    ValidationError
        A malformed entry, a share <= 0, or shares not adding up to 1.

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> skills.parse_mix("general:0.8,vip:0.2")
    {'general': 0.8, 'vip': 0.2}
    """
    if isinstance(spec, Mapping):
        mix = {str(k): float(v) for k, v in spec.items()}
    else:
        mix = {}
        for part in str(spec).split(","):
            name, sep, share = part.partition(":")
            try:
                mix[name.strip()] = float(share) if sep else float("nan")
            except ValueError:
                mix[name.strip()] = float("nan")
    bad = [k for k, v in mix.items() if not k or not np.isfinite(v) or v <= 0]
    if bad or not mix:
        raise ValidationError(f"parse_mix: each line needs a name and a share > 0 as name:share; bad: {bad or spec!r}")
    total = sum(mix.values())
    if abs(total - 1) > 1e-3:
        raise ValidationError(f"parse_mix: the shares of the lines add up to {total:.4f}, not 1")
    return mix


def simulate_lines(rates: Sequence[float], aht: float, dedicated: Sequence[int], cross_trained: int = 0,
                   answer_within: float = 20.0, n_calls: int = 200_000, seed: int = 0,
                   period_seconds: float = 3600.0) -> pd.DataFrame:
    """Seeded simulation of skill lines: ``rates`` are calls per period of each line, ``dedicated``
    the agents of each line, ``cross_trained`` agents serve every line. Returns per line (and
    ``all``): calls simulated after a 10 % warm-up, service level (share answered within
    ``answer_within`` s), mean wait (s) and the share of calls served by cross-trained agents.

    Parameters
    ----------
    rates : sequence of float
        Calls per ``period_seconds`` of each line.
    aht : float
        Average handle time, seconds.
    dedicated : sequence of int
        Agents of each line.
    cross_trained : int, default 0
        Agents who serve every line.
    answer_within : float, default 20.0
        Answer-time threshold, seconds.
    n_calls : int, default 200000
        Calls simulated.
    seed : int, default 0
        Random seed.
    period_seconds : float, default 3600.0
        Length of the period of ``rates``, seconds.

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> r = skills.simulate_lines([300.0], 180, dedicated=[0], cross_trained=18, n_calls=20_000, seed=1)
    >>> round(float(r["service_level"].iloc[-1]), 2)   # Erlang C: 0.74 for 15 Erlangs on 18 agents
    0.73
    """
    rates = np.asarray(rates, dtype=float)
    ded = np.asarray(dedicated, dtype=int)
    if rates.ndim != 1 or len(rates) != len(ded) or (rates < 0).any() or rates.sum() <= 0:
        raise ValidationError("simulate_lines: rates (>= 0, not all 0) and dedicated need one entry per line")
    if (ded < 0).any() or cross_trained < 0:
        raise ValidationError("simulate_lines: agents must be >= 0")
    load = rates * aht / period_seconds
    for i, a in enumerate(load):
        if a > 0 and ded[i] + cross_trained == 0:
            raise ValidationError(f"simulate_lines: line {i} has calls but no agent can serve them")
    if load.sum() >= ded.sum() + cross_trained:
        raise ValidationError(f"simulate_lines: {ded.sum() + cross_trained} agents cannot serve {load.sum():.2f} "
                              "Erlangs (the queues grow without bound)")
    rng = np.random.default_rng(seed)
    total = rates.sum() / period_seconds
    arrivals = np.cumsum(rng.exponential(1 / total, n_calls))
    line = rng.choice(len(rates), size=n_calls, p=rates / rates.sum())
    service = rng.exponential(aht, n_calls)
    # Calls are taken in arrival order, each by the eligible agent who is free first (first come first
    # served with skills: an older call never waits for an agent a younger one gets). Per call: one
    # look at the earliest free time of its line's dedicated agents and of the cross-trained agents, one
    # heapreplace. An agent free strictly before the arrival is idle: the own line's first, else a
    # cross-trained one; else the call waits for whichever frees first, a cross-trained agent on a tie.
    # The same doubles are compared and added as in the event-by-event simulation (its departure times
    # and waits, to the bit), about three times faster on Python floats.
    arr, lines, serve = arrivals.tolist(), line.tolist(), service.tolist()
    idle = float("-inf")
    own = [[idle] * int(n) for n in ded.tolist()]  # free times of each line's dedicated agents (heaps)
    cross = [idle] * int(cross_trained)             # free times of the cross-trained agents (a heap)
    waits = [0.0] * n_calls
    by_x_list = [False] * n_calls
    replace = heapq.heapreplace
    inf = float("inf")
    for i in range(n_calls):
        a = arr[i]
        h = own[lines[i]]
        fd = h[0] if h else inf
        if fd < a:
            replace(h, a + serve[i])
            continue
        fx = cross[0] if cross else inf
        if fx < a:
            replace(cross, a + serve[i])
            by_x_list[i] = True
        elif fx <= fd:
            waits[i] = fx - a
            replace(cross, fx + serve[i])
            by_x_list[i] = True
        else:
            waits[i] = fd - a
            replace(h, fd + serve[i])
    wait = np.asarray(waits)
    by_x = np.asarray(by_x_list, dtype=bool)
    keep = np.arange(n_calls) >= n_calls // 10
    rows = []
    for s in [*range(len(rates)), None]:
        m = keep if s is None else keep & (line == s)
        n = int(m.sum())
        rows.append({"line": "all" if s is None else s, "calls": n,
                     "service_level": float((wait[m] <= answer_within).mean()) if n else float("nan"),
                     "mean_wait_seconds": float(wait[m].mean()) if n else float("nan"),
                     "cross_trained_share": float(by_x[m].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def allocate(total: int, weights: Sequence[float]) -> np.ndarray:
    """Split ``total`` whole agents in proportion to ``weights`` (largest remainder; ties to the
    first line), at least one per line with weight > 0 when ``total`` allows.

    Parameters
    ----------
    total : int
        Agents to split.
    weights : sequence of float
        Weight per line (e.g. its traffic).

    Returns
    -------
    ndarray
        Agents per line (int), summing to ``total``.

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> skills.allocate(10, [0.5, 0.3, 0.2]).tolist()
    [5, 3, 2]
    """
    if not (isinstance(total, int | np.integer) and not isinstance(total, bool) and total >= 0):
        raise ValidationError(f"allocate: total must be a whole number of agents >= 0; got {total!r}")
    w = schemas.as_numbers(weights, "weights", "allocate")
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValidationError(f"allocate: weights must be finite, >= 0 and not all 0; got {list(np.ravel(w))[:5]}")
    raw = total * w / w.sum()
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return out


def staff_cross_trained(rates: Sequence[float], aht: float, share: float, target: float = 0.8,
                        answer_within: float = 20.0, n_calls: int = 100_000, seed: int = 0,
                        period_seconds: float = 3600.0) -> dict[str, Any]:
    """Fewest agents, ``share`` of them cross-trained and the rest split over the lines in proportion
    to their traffic, with which every line meets the service-level target in :func:`simulate_lines`
    (the same seeded calls for every head count). Searched by bisection between the pooled Erlang C
    head count (a lower bound) and the dedicated lines' total (enough when ``share`` is 0).

    Parameters
    ----------
    rates : sequence of float
        Calls per ``period_seconds`` of each line.
    aht : float
        Average handle time, seconds.
    share : float
        Share of agents cross-trained, 0-1.
    target : float, default 0.8
        Service-level target (share).
    answer_within : float, default 20.0
        Answer-time threshold, seconds.
    n_calls : int, default 100000
        Calls simulated.
    seed : int, default 0
        Random seed.
    period_seconds : float, default 3600.0
        Length of the period of ``rates``, seconds.

    Returns
    -------
    dict of str to object
        ``agents`` (total), ``cross_trained``, ``dedicated`` (per line) and ``lines`` (the simulation at that
        head count).

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> res = skills.staff_cross_trained([80.0, 20.0], 180, share=0.2, n_calls=10_000)
    >>> res['agents'] <= 4 + 2 + 3, res['cross_trained'] == round(0.2 * res['agents'])
    (True, True)
    """
    if not 0 <= share <= 1:
        raise ValidationError(f"staff_cross_trained: share must be in [0, 1]; got {share}")
    rates = np.asarray(rates, dtype=float)
    load = rates * aht / period_seconds
    low = int(agents_for_target(rates.sum(), aht, target, answer_within, period_seconds)) - 1
    ded_total = int(agents_for_target(rates, aht, target, answer_within, period_seconds).sum())
    cache: dict[int, tuple[bool, pd.DataFrame, int, np.ndarray]] = {}

    def meets(n: int) -> bool:
        if n not in cache:
            x = round(share * n)
            ded = allocate(n - x, load) if n > x else np.zeros(len(rates), dtype=int)
            try:
                res = simulate_lines(rates, aht, ded, x, answer_within, n_calls, seed, period_seconds)
                ok = bool((res["service_level"].iloc[:-1].fillna(1) >= target).all())
            except ValidationError:
                res, ok = pd.DataFrame(), False
            cache[n] = (ok, res, x, ded)
        return cache[n][0]

    high = ded_total
    while not meets(high):
        high += max(1, high // 20)
    while high - low > 1:
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    _, res, x, ded = cache[high]
    return {"agents": high, "cross_trained": x, "dedicated": ded, "lines": res}


def pooling_table(mix: Mapping[str, float], calls_per_hour: float, aht: float, target: float = 0.8,
                  answer_within: float = 20.0, shares: Sequence[float] = (0.1, 0.2, 0.3),
                  n_calls: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """Agents needed for every line to meet the target: dedicated lines (Erlang C per line), one
    pooled line (Erlang C on the total), and dedicated lines plus each share of cross-trained agents
    (simulated), with the worst line's simulated service level of each design.

    Parameters
    ----------
    mix : mapping of str to float
        Line -> share of calls.
    calls_per_hour : float
        Calls per hour over all lines.
    aht : float
        Average handle time, seconds.
    target : float, default 0.8
        Service-level target (share).
    answer_within : float, default 20.0
        Answer-time threshold, seconds.
    shares : sequence of float, default (0.1, 0.2, 0.3)
        Shares of cross-trained agents to try.
    n_calls : int, default 100000
        Calls simulated per design.
    seed : int, default 0
        Random seed.

    Returns
    -------
    DataFrame
        One row per design: agents, cross-trained agents, the worst line's service level, how it was found and
        ``agents_saved_vs_dedicated``.

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> t = skills.pooling_table({'general': 0.8, 'vip': 0.2}, 200, 180, shares=(0.2,), n_calls=10_000)
    >>> t['design'].tolist()
    ['dedicated lines', '20 % cross-trained', 'one pooled line']
    """
    names = list(mix)
    rates = np.array([mix[k] * calls_per_hour for k in names])
    ded = agents_for_target(rates, aht, target, answer_within)
    pooled = int(agents_for_target(rates.sum(), aht, target, answer_within))
    rows = [{"design": "dedicated lines", "cross_trained_share": 0.0, "agents": int(ded.sum()), "cross_trained": 0,
             "worst_line_service_level": float(service_levels(rates, aht, ded, answer_within).min()),
             "method": "Erlang C per line"}]
    for share in shares:
        res = staff_cross_trained(rates, aht, share, target, answer_within, n_calls, seed)
        rows.append({"design": f"{100 * share:g} % cross-trained", "cross_trained_share": share,
                     "agents": res["agents"], "cross_trained": res["cross_trained"],
                     "worst_line_service_level": float(res["lines"]["service_level"].iloc[:-1].min()),
                     "method": "simulation"})
    rows.append({"design": "one pooled line", "cross_trained_share": 1.0, "agents": pooled, "cross_trained": pooled,
                 "worst_line_service_level": float(service_levels(rates.sum(), aht, pooled, answer_within)),
                 "method": "Erlang C on the total"})
    out = pd.DataFrame(rows)
    out["agents_saved_vs_dedicated"] = out["agents"].iloc[0] - out["agents"]
    return out


def line_costs(table: pd.DataFrame, lines: int, calls_per_hour: float, hourly_cost: float, cross_trained_premium: float,
               setup_cost_per_line: float, amortisation_years: Sequence[float], shrinkage: float = 0.3,
               open_hours_per_year: float = 3_500.0) -> pd.DataFrame:
    """Cost per call of each design of :func:`pooling_table`: paid agent hours (agents / (1 -
    shrinkage) over the opening hours, cross-trained agents paid ``cross_trained_premium`` more)
    plus the set-up cost of each separate line (routing, IVR branch, training material) amortised
    over each horizon in ``amortisation_years``. The busy hour's staffing stands for every open hour
    (an upper bound: the study reports costs relative to the dedicated design).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`pooling_table`.
    lines : int
        Number of skill lines.
    calls_per_hour : float
        Calls per hour over all lines.
    hourly_cost : float
        Cost of one paid agent hour (currency units).
    cross_trained_premium : float
        Extra pay of a cross-trained agent, share (0.1 = +10 %).
    setup_cost_per_line : float
        One-off cost of each separate line (currency units).
    amortisation_years : sequence of float
        Horizons over which the set-up cost is spread, years.
    shrinkage : float, default 0.3
        Share of paid time off the phones, 0-1.
    open_hours_per_year : float, default 3500.0
        Opening hours per year.

    Returns
    -------
    DataFrame
        One row per design: ``agents``, ``cross_trained`` and ``cost_per_call_<years>y`` per horizon (currency
        units).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.service import skills
    >>> designs = pd.DataFrame({'design': ['dedicated lines', 'one pooled line'], 'agents': [20, 17],
    ...                         'cross_trained': [0, 17]})
    >>> skills.line_costs(designs, lines=2, calls_per_hour=200, hourly_cost=25, cross_trained_premium=0.1,
    ...                   setup_cost_per_line=30_000, amortisation_years=(3,), shrinkage=0.3).round(3).values.tolist()
    [['dedicated lines', 20, 0, 3.6], ['one pooled line', 17, 17, 3.354]]
    """
    calls = calls_per_hour * open_hours_per_year
    paid = open_hours_per_year / (1 - shrinkage)
    out = table[["design", "agents", "cross_trained"]].copy()
    weighted = out["agents"] + out["cross_trained"] * cross_trained_premium  # cross-trained paid the premium
    wages = weighted * paid * hourly_cost
    n_lines = np.where(out["cross_trained"] == out["agents"], 1, lines)
    for years in amortisation_years:
        out[f"cost_per_call_{years:g}y"] = (wages + n_lines * setup_cost_per_line / years) / calls
    return out


def erlang_c_check(mix: Mapping[str, float], calls_per_hour: float, aht: float, target: float = 0.8,
                   answer_within: float = 20.0, n_calls: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """The simulation of :func:`simulate_lines` against Erlang C in its two limits, at the head
    counts :func:`pooling_table` gives them: the dedicated lines (no cross-trained agent; each line
    an M/M/n queue) and the pooled line (every agent cross-trained; one M/M/N queue).

    Parameters
    ----------
    mix : mapping of str to float
        Line -> share of calls.
    calls_per_hour : float
        Calls per hour over all lines.
    aht : float
        Average handle time, seconds.
    target : float, default 0.8
        Service-level target (share).
    answer_within : float, default 20.0
        Answer-time threshold, seconds.
    n_calls : int, default 100000
        Calls simulated.
    seed : int, default 0
        Random seed.

    Returns
    -------
    DataFrame
        One row per design and line: ``agents``, ``erlang_c`` and ``simulated`` service level and their
        ``difference``.

    Examples
    --------
    >>> from crmresearch.service import skills
    >>> skills.erlang_c_check({'general': 0.8, 'vip': 0.2}, 200, 180, n_calls=10_000)['line'].tolist()
    ['general', 'vip', 'all']
    """
    names = list(mix)
    rates = np.array([mix[k] * calls_per_hour for k in names])
    ded = agents_for_target(rates, aht, target, answer_within)
    pooled = int(agents_for_target(rates.sum(), aht, target, answer_within))
    sim_ded = simulate_lines(rates, aht, ded, 0, answer_within, n_calls, seed)
    sim_pool = simulate_lines(rates, aht, np.zeros(len(rates), dtype=int), pooled, answer_within, n_calls, seed)
    rows = [{"design": "dedicated lines", "line": names[i], "agents": int(ded[i]),
             "erlang_c": float(service_levels(rates[i], aht, ded[i], answer_within)),
             "simulated": float(sim_ded["service_level"].iloc[i])} for i in range(len(names))]
    rows.append({"design": "one pooled line", "line": "all", "agents": pooled,
                 "erlang_c": float(service_levels(rates.sum(), aht, pooled, answer_within)),
                 "simulated": float(sim_pool["service_level"].iloc[-1])})
    out = pd.DataFrame(rows)
    out["difference"] = out["simulated"] - out["erlang_c"]
    return out
