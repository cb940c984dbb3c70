"""Skill lines: the simulation against Erlang C in its two limits; staffing with cross-training; costs."""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np
import pandas as pd
import pytest

from crmresearch import service
from crmresearch.errors import ValidationError
from crmresearch.service import skills


def test_all_cross_trained_is_one_erlang_c_queue():
    # one run's service level has a standard deviation of about 0.009 at 88 % occupancy (waits are
    # autocorrelated); the mean of four seeded runs is within 0.015 (3 standard deviations)
    runs = [skills.simulate_lines([400, 200], 300, [0, 0], 57, n_calls=300_000, seed=s) for s in range(4)]
    assert np.mean([r["service_level"].iloc[-1] for r in runs]) == pytest.approx(service.service_level(600, 300, 57),
                                                                                 abs=0.015)
    assert runs[0]["cross_trained_share"].iloc[-1] == 1.0


def test_no_cross_training_is_separate_erlang_c_queues():
    res = skills.simulate_lines([300, 100], 300, [28, 11], 0, n_calls=300_000, seed=2)
    assert res["service_level"].iloc[0] == pytest.approx(service.service_level(300, 300, 28), abs=0.02)
    assert res["service_level"].iloc[1] == pytest.approx(service.service_level(100, 300, 11), abs=0.02)
    assert res["cross_trained_share"].iloc[-1] == 0.0


def test_simulation_is_seeded_and_refuses_unstable_or_unserved_lines():
    a = skills.simulate_lines([100, 50], 300, [10, 5], 2, n_calls=20_000, seed=5)
    b = skills.simulate_lines([100, 50], 300, [10, 5], 2, n_calls=20_000, seed=5)
    assert a.equals(b)
    with pytest.raises(ValidationError, match="cannot serve"):
        skills.simulate_lines([1000], 300, [50], 0)
    with pytest.raises(ValidationError, match="line 1 has calls but no agent"):
        skills.simulate_lines([100, 50], 300, [40, 0], 0)


def _event_by_event(rates, aht, dedicated, cross_trained, answer_within, n_calls, seed):
    """The simulation as a loop over events (arrivals and agents freed, a heap of busy agents): the
    definition that simulate_lines' arrival-order recursion must reproduce to the bit."""
    rates = np.asarray(rates, dtype=float)
    rng = np.random.default_rng(seed)
    arr = np.cumsum(rng.exponential(1 / (rates.sum() / 3600.0), n_calls)).tolist()
    line = rng.choice(len(rates), size=n_calls, p=rates / rates.sum())
    serve = rng.exponential(aht, n_calls).tolist()
    lines, free, free_x = line.tolist(), list(dedicated), cross_trained
    queues = [deque() for _ in rates]
    waits, by_x = [0.0] * n_calls, [False] * n_calls
    busy, queued, nxt = [], 0, 0
    while nxt < n_calls or queued:
        if nxt < n_calls and (not busy or arr[nxt] <= busy[0][0]):
            i, t, s = nxt, arr[nxt], lines[nxt]
            nxt += 1
            if free[s] > 0:
                free[s] -= 1
                heapq.heappush(busy, (t + serve[i], s))
            elif free_x > 0:
                free_x -= 1
                by_x[i] = True
                heapq.heappush(busy, (t + serve[i], -1))
            else:
                queues[s].append(i)
                queued += 1
            continue
        t, agent_line = heapq.heappop(busy)
        if agent_line >= 0 and queues[agent_line]:
            i = queues[agent_line].popleft()
        elif agent_line < 0 and queued:
            i = queues[min((arr[q[0]], s) for s, q in enumerate(queues) if q)[1]].popleft()
            by_x[i] = True
        else:
            if agent_line >= 0:
                free[agent_line] += 1
            else:
                free_x += 1
            continue
        queued -= 1
        waits[i] = t - arr[i]
        heapq.heappush(busy, (t + serve[i], agent_line))
    wait, by_x = np.asarray(waits), np.asarray(by_x)
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


@pytest.mark.parametrize("rates, dedicated, cross", [
    ([400.0, 200.0], [0, 0], 57),                    # the pooled limit (M/M/N)
    ([300.0, 100.0], [28, 11], 0),                   # the dedicated limit (M/M/n per line)
    ([300.0, 60.0, 40.0, 0.0], [24, 4, 3, 0], 6),    # dedicated plus cross-trained, a line without calls
    ([250.0, 60.0, 40.0], [20, 1, 0], 9),            # busy: long queues, a line served by cross-trained only
])
def test_simulation_equals_the_event_by_event_definition(rates, dedicated, cross):
    # every wait to the bit: the mean waits are equal as floats, not only close
    for seed in (0, 3):
        got = skills.simulate_lines(rates, 300, dedicated, cross, 20.0, n_calls=30_000, seed=seed)
        pd.testing.assert_frame_equal(got, _event_by_event(rates, 300, dedicated, cross, 20.0, 30_000, seed),
                                      check_exact=True)


def test_allocate_and_parse_mix():
    assert list(skills.allocate(10, [0.5, 0.3, 0.2])) == [5, 3, 2]
    assert skills.allocate(7, [1, 1, 1]).sum() == 7
    assert skills.parse_mix("general:0.7,vip:0.3") == {"general": 0.7, "vip": 0.3}
    with pytest.raises(ValidationError, match=r"add up to 0\.9000"):
        skills.parse_mix("general:0.6,vip:0.3")
    with pytest.raises(ValidationError, match="name:share"):
        skills.parse_mix("general:0.6,vip")


def test_pooling_saves_agents_and_cross_training_lies_between():
    mix = {"general": 0.7, "vip": 0.1, "fraud": 0.1, "disputes": 0.1}
    tab = skills.pooling_table(mix, 400, 300, shares=(0.2,), n_calls=40_000).set_index("design")
    dedicated = int(sum(service.agents_needed(400 * s, 300).agents for s in mix.values()))
    assert tab.loc["dedicated lines", "agents"] == dedicated
    assert tab.loc["one pooled line", "agents"] == service.agents_needed(400, 300).agents
    mid = tab.loc["20 % cross-trained", "agents"]
    assert tab.loc["one pooled line", "agents"] <= mid <= dedicated
    assert tab.loc["20 % cross-trained", "worst_line_service_level"] >= 0.8
    costs = skills.line_costs(tab.reset_index(), 4, 400, 25, 0.1, 30_000, (3, 5))
    per = costs.set_index("design")
    wages = dedicated * 3_500 / 0.7 * 25
    assert per.loc["dedicated lines", "cost_per_call_3y"] == pytest.approx((wages + 4 * 30_000 / 3) / (400 * 3_500))
    assert (per["cost_per_call_5y"] < per["cost_per_call_3y"]).all()
    assert np.isfinite(per.to_numpy()[:, 2:].astype(float)).all()


def test_erlang_c_check_rows_are_the_two_limits():
    mix = {"general": 0.8, "vip": 0.2}
    check = skills.erlang_c_check(mix, 300, 300, 0.8, 20, n_calls=100_000, seed=1)
    assert list(check["line"]) == ["general", "vip", "all"]
    assert check["agents"].iloc[-1] == service.agents_needed(300, 300).agents
    assert check["erlang_c"].iloc[0] == pytest.approx(service.agents_needed(240, 300).service_level)
    assert (check["difference"].abs() < 0.05).all()
