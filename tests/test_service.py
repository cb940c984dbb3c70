"""Erlang C against textbook values, Erlang A against Erlang C and a simulation, SLA attainment, errors."""

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


@pytest.mark.parametrize("call, match", [
    (lambda: service.erlang_c(RATE, 0, 12), r"aht .* must be > 0"),
    (lambda: service.erlang_c(RATE, -5, 12), r"aht .* must be > 0"),
    (lambda: service.service_level(RATE, AHT, 10), r"10 agents cannot serve 10.00 Erlangs"),
    (lambda: service.average_speed_of_answer(RATE, AHT, 9), r"need more than 10 agents"),
])
def test_bad_input(call, match):
    with pytest.raises(ValidationError, match=match):
        call()


def test_sla_attainment_counts_open_tickets_correctly():
    t0 = pd.Timestamp("2024-01-01 00:00")
    h = pd.Timedelta(hours=1)
    as_of = t0 + 60 * h
    tickets = pd.DataFrame({
        "ticket_id": [1, 2, 3, 4, 5],
        "created": [t0, t0, t0, as_of - 30 * h, as_of - 3 * h],  # 4: open for 30 h, 5: open for 3 h
        "responded": [t0 + 1 * h, t0 + 2 * h, t0 + 3 * h, pd.NaT, pd.NaT],  # met, met (exactly 2 h), missed
        "resolved": [t0 + 47 * h, t0 + 49 * h, pd.NaT, pd.NaT, pd.NaT],  # met, missed, open 60 h: missed
        "type": ["request"] * 5, "region": ["urban", "urban", "rural", "rural", "urban"],
    })
    out = service.sla_attainment(tickets, {"respond": "2h", "resolve": "48h"}, as_of=as_of).set_index("target")
    assert out.loc["respond", ["met", "missed", "pending"]].tolist() == [2, 3, 0]
    assert out.loc["resolve", ["met", "missed", "pending"]].tolist() == [1, 2, 2]  # 4 and 5 not yet due
    assert out.loc["respond", "attainment"] == pytest.approx(0.4)
    assert out.loc["resolve", "attainment"] == pytest.approx(1 / 3)
    day = service.sla_attainment(tickets, {"resolve": "24h"}, as_of=as_of).iloc[0]
    assert (day["met"], day["missed"], day["pending"]) == (0, 4, 1)  # open 30 h has missed 24 h; 3 h has not
    by = service.sla_attainment(tickets, {"respond": "2h"}, as_of=as_of, by="region").set_index("region")
    assert by.loc["urban", "met"] == 2 and by.loc["rural", "missed"] == 2


def test_sla_attainment_rejects_resolved_before_created():
    t0 = pd.Timestamp("2024-01-01")
    bad = pd.DataFrame({"ticket_id": [1], "created": [t0], "responded": [t0], "resolved": [t0 - pd.Timedelta(hours=1)]})
    with pytest.raises(ValidationError, match=r"column 'resolved': 1 of 1 rows are before 'created'"):
        service.sla_attainment(bad, {"resolve": "48h"})


def _week(n_slots: int = 48) -> pd.DataFrame:
    t = np.arange(n_slots)
    return pd.DataFrame({"weekday": np.where(t < n_slots // 2, "Monday", "Tuesday"),
                         "slot": [f"{8 + (i % 24) // 2:02d}:{30 * (i % 2):02d}" for i in t],
                         "mean_calls": 20 + 60 * np.exp(-((t % 24 - 8) ** 2) / 18)})


def test_staffing_scenarios_scale_the_calls_and_report_numbers():
    week = _week()
    plans, table = service.staffing_scenarios(week, {"baseline": 1.0, "sms": 0.8}, aht=240, target=0.8,
                                              answer_within=20, shrinkage=0.3, calls="mean_calls",
                                              interval_seconds=1800)
    direct = service.staffing_plan(week, aht=240, target=0.8, answer_within=20, shrinkage=0.3, calls="mean_calls",
                                   interval_seconds=1800)
    pd.testing.assert_frame_equal(plans["baseline"], direct)
    assert table.loc[0, "agent_hours_saved"] == 0 and table.loc[1, "agent_hours_saved"] > 0
    assert table.loc[0, "agent_hours_per_week"] == pytest.approx(direct["agent_hours"].sum())
    assert table.loc[1, "peak_agents"] < table.loc[0, "peak_agents"]
    with pytest.raises(ValidationError, match="share of calls in"):
        service.staffing_scenarios(week, {"more": 1.3}, aht=240, calls="mean_calls")


def test_staffing_summary_holds_numbers_and_names_the_peak():
    week = _week()
    plan = service.staffing_plan(week, aht=240, shrinkage=0.3, calls="mean_calls", interval_seconds=1800)
    plan = service.with_erlang_a(plan, aht=240, patience=120, shrinkage=0.3, calls="mean_calls",
                                 interval_seconds=1800)
    assert (plan["agents_erlang_a"] <= plan["agents"]).all()  # abandonment lightens the queue
    summary = service.staffing_summary(plan, interval_minutes=30, shrinkage=0.3, calls="mean_calls")
    assert pd.api.types.is_float_dtype(summary["value"])
    peak = plan.loc[plan["agents"].idxmax()]
    assert f"({peak['weekday']} {peak['slot']})" in summary["metric"].iloc[0]
    hours = summary.set_index("metric")["value"]
    assert hours["scheduled agent-hours per week, Erlang C"] == pytest.approx(plan["agents"].sum() * 0.5 / 0.7)
    assert 0 < hours["calls abandoned under Erlang A staffing"] < 100


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


def test_shift_schedule_is_optimal_on_a_case_small_enough_to_enumerate():
    import itertools

    req = np.array([1, 3, 3, 2, 2, 1, 0, 2], dtype=float)
    shifts = service.shift_patterns(8, 1, lengths_hours=(4.0, 2.0), start_every_hours=2.0)  # 7 shifts
    out = service.shift_schedule(req, shifts)
    A = np.zeros((8, len(shifts)))
    for j, c in enumerate(shifts["covers"]):
        A[list(c), j] = 1
    cost = shifts["paid_hours"].to_numpy()
    assert len(shifts) == 7
    best = min(cost @ np.array(x) for x in itertools.product(range(4), repeat=len(shifts))
               if (A @ np.array(x) >= req).all())
    assert out.attrs["paid_hours"] == pytest.approx(best)
    assert (out.attrs["coverage"] >= req).all()
    assert out.attrs["required_hours"] <= out.attrs["lp_bound"] <= out.attrs["paid_hours"]
    assert out["paid_hours_total"].sum() == pytest.approx(out.attrs["paid_hours"])


def test_shift_schedule_covers_a_day_with_breaks_and_says_what_it_cannot_cover():
    t = np.arange(96)
    req = 40 * np.exp(-((t - 40) / 10) ** 2) + 30 * np.exp(-((t - 64) / 8) ** 2) + 3
    shifts = service.shift_patterns(96, 4, (8.0, 4.0), break_after_hours=4.0, break_intervals=2)
    out = service.shift_schedule(req, shifts)
    assert (out.attrs["coverage"] >= req - 1e-9).all()
    assert out.attrs["paid_hours"] <= 1.25 * out.attrs["required_hours"]  # measured 419 vs 356 hours
    plan = pd.DataFrame({"scheduled_fractional": req, "scheduled": np.ceil(req)})
    rounding = service.rounding_comparison(plan, out, interval_minutes=15).set_index("measure")["hours"]
    assert rounding.iloc[0] == pytest.approx(req.sum() / 4) and rounding.iloc[3] == out.attrs["paid_hours"]
    h = rounding.to_numpy()
    assert h[0] <= h[1] and h[0] <= h[2] <= h[3]  # fractional below rounded-up and below the LP bound <= milp
    late = service.shift_patterns(96, 4, (4.0,), start_every_hours=1.0)
    with pytest.raises(ValidationError, match="covered by no shift"):
        service.shift_schedule(np.r_[req, 5.0], late)


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
