"""Staffing plans: scenarios, summaries, and the integer shift schedule."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crmresearch import service
from crmresearch.errors import ValidationError


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


def test_shift_schedule_is_optimal_on_a_case_small_enough_to_enumerate():

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
