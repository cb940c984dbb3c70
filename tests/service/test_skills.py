"""Skill lines: the simulation against Erlang C in its two limits; staffing with cross-training; costs."""

from __future__ import annotations

import numpy as np
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
