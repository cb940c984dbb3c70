"""Collections call priority: the cure uplift by bucket and balance band equals the cell means by hand and
covers the simulator's true uplift; ordering calls by expected recovery (uplift x balance) recovers more per call
than calling by balance or by days past due at every capacity; ties, capacities and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import credit, data
from crmresearch.errors import ParameterError, ValidationError

DPD = {"30": 1, "60": 2, "90+": 3}


@pytest.fixture(scope="module")
def sim():
    return data.simulate_collections(n_history=40_000, n_queue=10_000, seed=3)


def test_cell_uplifts_equal_the_cure_rates_by_hand(sim):
    h = sim.history
    model = credit.CureUplift(balance_bands=1).fit(h)
    rates = h.groupby(["bucket", "called"])["cured"].mean().unstack()
    np.testing.assert_allclose(model.params_.to_numpy(), (rates[True] - rates[False]).loc[["30", "60", "90+"]],
                               rtol=0, atol=1e-15)
    banded = credit.CureUplift(balance_bands=3).fit(h)
    assert len(banded.balance_edges_) == 2 and list(banded.params_.index[:3]) == ["30 | 1", "30 | 2", "30 | 3"]
    band = np.searchsorted(banded.balance_edges_, h["balance"], side="right") + 1
    cell = h[(h["bucket"] == "60") & (band == 2)]
    hand = cell.loc[cell["called"], "cured"].mean() - cell.loc[~cell["called"], "cured"].mean()
    assert banded.params_["60 | 2"] == pytest.approx(hand, abs=1e-15)
    q = sim.queue.head(5)
    np.testing.assert_allclose(banded.expected_recovery(q), banded.predict(q) * q["balance"], rtol=0, atol=1e-12)


def test_the_estimated_uplift_covers_the_true_uplift_of_each_cell(sim):
    """Calls at random: each cell's difference of cure rates is unbiased for the mean true uplift of its
    accounts; all 12 cells within 3 standard errors."""
    h = sim.history
    model = credit.CureUplift(balance_bands=4).fit(h)
    p0, p1 = data.card_credit._cure_probabilities(h["bucket"].to_numpy(), h["balance"].to_numpy())
    band = np.searchsorted(model.balance_edges_, h["balance"], side="right") + 1
    truth = pd.Series(p1 - p0).groupby([h["bucket"].to_numpy(), band]).mean()
    s = model.summary
    cells = list(zip(model.cells_["bucket"], model.cells_["band"], strict=True))
    z = (s["estimate"].to_numpy() - truth.loc[cells].to_numpy()) / s["std_error"].to_numpy()
    assert np.abs(z).max() < 3, z


@pytest.mark.parametrize("capacity", [250, 1_000, 4_000])
def test_calling_by_expected_recovery_beats_balance_and_days_past_due(sim, capacity):
    q, t = sim.queue, sim.truth
    model = credit.CureUplift().fit(sim.history)
    table = credit.compare_call_policies(q["balance"], t["p_cure_called"], t["p_cure_not_called"],
                                         {"expected recovery": model.expected_recovery(q), "balance": q["balance"],
                                          "days past due": (q["bucket"].map(DPD), q["balance"])}, capacity)
    per_call = table.set_index("policy")["recovered_per_call"]
    assert (table["calls"] == capacity).all()
    assert per_call["expected recovery"] > per_call["balance"] > per_call["days past due"]
    assert table.set_index("policy").loc["expected recovery", "share_of_best"] > 0.9
    assert table["share_of_best"].iloc[-1] == 1.0 and table["share_of_best"].max() == 1.0
    # the recovered amount is the true uplift x balance of the accounts called
    called = credit.call_list(q["balance"], capacity)
    uplift = (t["p_cure_called"] - t["p_cure_not_called"]).to_numpy()
    assert per_call["balance"] == pytest.approx((uplift * q["balance"].to_numpy())[called].mean(), rel=1e-12)


def test_call_list_orders_ties_and_caps_at_the_queue():
    assert credit.call_list([1.0, 2.0, 2.0], 1).tolist() == [False, True, False]  # tie: the first row
    assert credit.call_list([1.0, 2.0, 2.0], 1, tiebreak=[0, 1, 9]).tolist() == [False, False, True]
    assert credit.call_list([1.0, 2.0], 10).all() and not credit.call_list([1.0, 2.0], 0).any()
    with pytest.raises(ParameterError, match="capacity must be a whole number"):
        credit.call_list([1.0], -1)
    with pytest.raises(ValidationError, match="priority has 1 missing rows"):
        credit.call_list([1.0, np.nan], 1)


def test_bad_histories_are_refused_with_the_column_and_count(sim):
    h = sim.history.head(2_000).copy()
    h.loc[h.index[:3], "balance"] = np.nan
    with pytest.raises(ValidationError, match="column 'balance' has 3 rows missing or below 0"):
        credit.CureUplift().fit(h)
    typo = sim.history.head(200).assign(bucket=lambda d: d["bucket"].where(d.index != 5, "120"))
    with pytest.raises(ValidationError, match="1 of 200 rows hold unknown"):
        credit.CureUplift().fit(typo)
    all_called = sim.history.head(500).assign(called=True)
    with pytest.raises(ValidationError, match="without called or without not-called accounts"):
        credit.CureUplift(balance_bands=2).fit(all_called)
    with pytest.raises(ParameterError, match="balance_bands must be"):
        credit.CureUplift(balance_bands=0).fit(sim.history)
