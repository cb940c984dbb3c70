"""Matching on the history before enrolment and the naive member gap, against the programme simulator's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import causal, data
from crmresearch.errors import ParameterError, ValidationError


@pytest.fixture(scope="module")
def programme():
    prog = data.simulate_programme(n_customers=4_000, seed=0)
    enrolled = prog.customers.set_index("customer_id")["enrolled"]
    panel = causal.programme_panel(prog.transactions, enrolled, prog.truth["start"], prog.truth["end"])
    return prog, panel


def test_naive_gap_is_far_from_the_truth_and_the_staggered_did_covers_it(programme):
    prog, panel = programme
    truth = prog.truth["att"]
    naive = causal.naive_gap(panel, outcome="spend")
    did = causal.StaggeredDiD(outcome="spend").fit(panel).summary.loc["att"]
    matched = causal.HistoryMatching(outcome="spend").fit(panel)
    assert not naive.ci_lower <= truth <= naive.ci_upper
    assert naive.estimate > 4 * truth  # the loyal join: most of the gap is who joins
    assert did["ci_lower"] <= truth <= did["ci_upper"]
    # matching on the months before enrolment removes part of the selection, not all of it
    assert truth < matched.att_ < naive.estimate
    assert abs(matched.pre_gap_) < 0.1 * naive.estimate


def test_matching_by_hand_on_a_tiny_panel():
    panel = pd.DataFrame({"customer_id": np.repeat([1, 2, 3, 4], 3), "period": [1, 2, 3] * 4,
                          "first_treated": np.repeat([2, 3, np.nan, np.nan], 3),
                          "outcome": [10, 14, 16, 5, 5, 9, 9.5, 10, 11, 4, 5, 6.0]})
    m = causal.HistoryMatching(pre_periods=1).fit(panel)
    # unit 1 (g=2, y1=10) matches unit 3 (9.5): gaps 4, 5; unit 2 (g=3, y2=5) matches unit 4 (5): gap 3
    assert m.att_ == pytest.approx((4 + 5 + 3) / 3)
    assert m.event_study_.loc[0, "estimate"] == pytest.approx((4 + 3) / 2)
    assert m.summary.index.name == "parameter" and list(m.params_.index[:2]) == ["att", "event:0"]
    gap = causal.naive_gap(panel)
    # members' periods: unit 1 at 2, 3; unit 2 at 3; never-treated means 7.5, 8.5 in periods 2, 3
    assert gap.estimate == pytest.approx(((14 - 7.5) + (16 - 8.5) + (9 - 8.5)) / 3)


def test_bad_settings_and_panels_are_named():
    panel = pd.DataFrame({"customer_id": [1, 1, 2, 2], "period": [1, 2, 1, 2],
                          "first_treated": [2, 2, None, None], "outcome": [1.0, 3.0, 1.0, 2.0]})
    with pytest.raises(ParameterError, match="neighbours must be a whole number"):
        causal.HistoryMatching(neighbours=0).fit(panel)
    with pytest.raises(ValidationError, match=r"1 never-treated units .* for 2 neighbours"):
        causal.HistoryMatching(neighbours=2).fit(panel)
    with pytest.raises(ValidationError, match=r"needs members and never-treated"):
        causal.naive_gap(panel.assign(first_treated=2))
