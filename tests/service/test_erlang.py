"""Erlang C against textbook values, Erlang A against Erlang C and a simulation, the one core, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crmresearch import service
from crmresearch.errors import ValidationError

# 10 Erlangs: 100 calls per 30 minutes = 200 per hour, AHT 180 s
RATE, AHT = 200.0, 180.0


@pytest.mark.parametrize("agents, p_wait", [(11, 0.6821), (12, 0.4494), (14, 0.1741)])
def test_erlang_c_textbook_values(agents, p_wait):
    assert service.erlang_c(RATE, AHT, agents) == pytest.approx(p_wait, abs=1e-4)


def test_service_level_and_minimum_agents():
    assert service.service_level(RATE, AHT, 14, answer_within=20) == pytest.approx(0.8884, abs=1e-4)
    s = service.agents_needed(RATE, AHT, target=0.8, answer_within=20)
    assert s.agents == 14 and s.service_level >= 0.8
    assert service.service_level(RATE, AHT, 13, 20) < 0.8
    assert service.agents_needed(RATE, AHT, shrinkage=0.3).scheduled == 20  # ceil(14 / 0.7)
    assert service.agents_needed(RATE, AHT, max_occupancy=0.65).agents == 16  # 10 / 16 = 0.625


def test_erlang_c_stable_and_monotone_for_large_centres():
    rate = 4_900 * 3600 / AHT  # 4,900 Erlangs
    values = [service.erlang_c(rate, AHT, n) for n in range(4_905, 5_006, 20)]
    assert all(0 < v < 1 for v in values)
    assert all(a > b for a, b in itertools.pairwise(values))
    assert 0 < service.service_level(rate, AHT, 5_000, 20) <= 1


def test_erlang_a_tends_to_erlang_c_with_patience():
    a = service.erlang_a(RATE, AHT, 12, patience=1e8)
    assert a.p_wait == pytest.approx(service.erlang_c(RATE, AHT, 12), abs=1e-4)
    assert a.service_level == pytest.approx(service.service_level(RATE, AHT, 12, 20), abs=1e-4)
    assert a.p_abandon < 1e-5


def test_erlang_a_matches_a_seeded_simulation():
    formula = service.erlang_a(RATE, AHT, 12, patience=120, answer_within=20)
    sim = service.simulate_queue(RATE, AHT, 12, patience=120, answer_within=20, n_calls=200_000, seed=1)
    assert sim["p_abandon"] == pytest.approx(formula.p_abandon, abs=0.01)
    assert sim["service_level"] == pytest.approx(formula.service_level, abs=0.01)
    assert sim["p_wait"] == pytest.approx(formula.p_wait, abs=0.01)
    assert sim["asa_seconds"] == pytest.approx(formula.asa_seconds, rel=0.05)


def test_erlang_a_needs_fewer_agents_than_c():
    n_a, _, res = service.agents_needed_erlang_a(RATE * 10, AHT, patience=120)
    assert n_a < service.agents_needed(RATE * 10, AHT).agents and res.service_level >= 0.8



@pytest.mark.parametrize("rate, target, cap", [(200.0, 0.8, None), (20_000.0, 0.9, None), (3.0, 0.95, None),
                                               (2000.0, 0.6, 0.7), (200.0, 0.8, 0.95)])
def test_the_erlang_c_search_from_any_guess_finds_the_fewest_agents_of_a_scan(rate, target, cap):
    """Erlang C staffing steps from a guess (in a plan: the excess of the interval before) and bisects; whatever
    the guess, the fewest agents are those of a scan up from the traffic, and the whole answer is the same."""
    import dataclasses
    import math

    from crmresearch.service.erlang import _agents_needed

    a = service.traffic(rate, AHT)
    least = max(math.floor(a) + 1, math.ceil(a / cap - 1e-12) if cap else 0)
    scan = next(n for n in range(least, least + 10_000) if service.service_level(rate, AHT, n) >= target
                and (cap is None or a / n <= cap))
    answer = service.agents_needed(rate, AHT, target, max_occupancy=cap, shrinkage=0.25)
    assert answer.agents == scan
    for above in (None, 0, 1, 3, scan - least, scan - least + 1, 2 * (scan - least) + 7, 500, -4):
        got, excess = _agents_needed(rate, AHT, target, 20.0, cap, 0.25, 3600.0, above_least=above)
        assert dataclasses.astuple(got) == dataclasses.astuple(answer) and excess == scan - least, above


def test_a_guess_beyond_the_agent_limit_still_finds_an_answer_below_it_and_a_plan_checks_its_settings_once():
    """A plan whose interval before needed far more agents than this one (or a wild guess) does not step past
    MAX_AGENTS when the answer is below it; the settings are checked once, at zero traffic (a tiny plan with a
    long handle time is no error)."""
    from crmresearch.service.erlang import MAX_AGENTS, _agents_needed

    rate = 99_999.5 * 12  # calls per hour: the answer lies just below the limit at 99 % with a 50 % occupancy cap
    answer = service.agents_needed(rate, AHT, 0.99, max_occupancy=0.5)
    assert answer.agents <= MAX_AGENTS
    for above in (10**6, MAX_AGENTS, answer.agents):
        assert _agents_needed(rate, AHT, 0.99, 20.0, 0.5, 0.0, 3600.0, above_least=above)[0] == answer
    plan = service.staffing_plan(pd.DataFrame({"calls": [0.25 * 300 / 180, rate / 12]}), aht=AHT, target=0.99,
                                 max_occupancy=0.5, interval_seconds=300)
    assert plan["agents"].iloc[-1] == answer.agents
    tiny = service.staffing_plan(pd.DataFrame({"calls": [0.0, 0.001]}), aht=604_800, interval_seconds=1)
    assert tiny["agents"].tolist()[0] == 0
    with pytest.raises(ValidationError, match="patience must be > 0"):
        service.with_erlang_a(plan, AHT, patience=0)

@pytest.mark.parametrize("rate, patience, target", [(200.0, 120.0, 0.8), (2000.0, 30.0, 0.9), (5000.0, 600.0, 0.7),
                                                    (30.0, 15.0, 0.95)])
def test_the_erlang_a_search_from_any_guess_finds_the_fewest_agents_of_a_full_scan(rate, patience, target):
    """The search steps from a guess (in a week's plan: the Erlang C gap of the interval before) and bisects;
    whatever the guess, the answer is the smallest staffing that a scan from one agent up finds."""
    from crmresearch.service.erlang import _fewest_agents_a

    c = service.agents_needed(rate, AHT, target).agents
    scan = next(n for n in range(1, c + 1) if service.erlang_a(rate, AHT, n, patience).service_level >= target)
    for below_c in (None, 0, 1, 2, c - scan, c - scan + 1, c - scan - 1, c // 2, c - 1, c + 5, -3):
        n, queue, erlang_c_agents = _fewest_agents_a(rate, AHT, patience, target, 20.0, 3600.0, below_c=below_c)
        assert (n, erlang_c_agents) == (scan, c), below_c
        assert queue == service.erlang_a(rate, AHT, scan, patience)
    plan = service.staffing_plan(pd.DataFrame({"calls": [rate / 12, 0.0, rate / 6, rate / 24]}), aht=AHT,
                                 target=target, interval_seconds=300)
    week = service.with_erlang_a(plan, AHT, patience, target, interval_seconds=300)
    assert week["agents_erlang_a"].tolist() == [service.agents_needed_erlang_a(c * 12, AHT, patience, target)[0]
                                                for c in plan["calls"]]

@pytest.mark.parametrize("call, match", [
    (lambda: service.erlang_c(RATE, 0, 12), r"aht .* must be > 0"),
    (lambda: service.erlang_c(RATE, -5, 12), r"aht .* must be > 0"),
    (lambda: service.service_level(RATE, AHT, 10), r"10 agents cannot serve 10.00 Erlangs"),
    (lambda: service.average_speed_of_answer(RATE, AHT, 9), r"need more than 10 agents"),
])
def test_bad_input(call, match):
    with pytest.raises(ValidationError, match=match):
        call()


def test_fractional_agents_interpolate_to_the_target_and_round_up_to_the_whole_answer():
    for rate, aht in ((200, 180), (37, 300), (1200, 240)):
        r = service.agents_needed(rate, aht, 0.8, 20, shrinkage=0.25)
        assert r.agents - 1 < r.agents_fractional <= r.agents
        assert r.agents_fractional > r.traffic
        assert r.scheduled_fractional == pytest.approx(r.agents_fractional / 0.75)
        lo = service.service_level(rate, aht, r.agents - 1, 20)
        hi = service.service_level(rate, aht, r.agents, 20)
        # linear interpolation: the target sits at the fractional point between n - 1 and n
        frac = r.agents_fractional - (r.agents - 1)
        assert lo + frac * (hi - lo) == pytest.approx(0.8, abs=1e-9) or lo == 0


def test_one_erlang_core_gives_the_same_answer_scalar_vectorised_and_by_search():
    """erlang_c / service_level (one interval), service_levels (many) and agents_for_target (the search)
    run the same recursion: equal to the last bit, interval by interval, from tiny to large centres."""
    rates = np.array([0.0, 3.0, 57.0, 200.0, 731.0, 4_000.0])
    for aht in (45.0, 180.0, 600.0):
        needed = service.agents_for_target(rates, aht, target=0.8, answer_within=20)
        for rate, n in zip(rates, needed, strict=True):
            if rate == 0:
                assert n == 0
                continue
            assert n == service.agents_needed(rate, aht, target=0.8, answer_within=20).agents
            for agents in (max(n - 1, 1), n, n + 3):
                a = service.traffic(rate, aht)
                vector = service.service_levels([rate], aht, [agents], answer_within=20)[0]
                if agents > a:
                    assert service.service_level(rate, aht, agents, answer_within=20) == vector
                    assert 0 < service.erlang_c(rate, aht, agents) < 1
                else:
                    assert vector == 0.0 and service.erlang_c(rate, aht, agents) == 1.0


def test_erlang_b_kept_steps_equal_the_recursion_from_b0():
    # the per-load memory of the recursion gives the same doubles as recomputing it, in any order asked
    from crmresearch.service import erlang

    for a in (0.3, 7.25, 181.4):
        steps = erlang._erlang_b_steps(a)
        fresh = [b for _, b in (next(steps) for _ in range(400))]
        for n in (5, 400, 1, 250, 399, 37):
            assert erlang._erlang_b(a, n) == fresh[n - 1]
            assert erlang._erlang_b(np.float64(a), n) == fresh[n - 1]
