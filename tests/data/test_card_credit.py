"""The credit simulators: limit increases exactly at the cut-off with the documented truth; delinquency
paths that start current, stop once absorbed and follow the roll-rate matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data
from crmresearch.errors import ValidationError


def test_limit_increases_follow_the_cut_off_and_seed():
    a = data.simulate_limit_increases(n_accounts=5_000, seed=4).accounts
    assert (a["limit_increase"] == (a["score"] >= 660)).all()
    assert a["score"].between(500, 800).all() and (a["score"] == a["score"].round()).all()
    b = data.simulate_limit_increases(n_accounts=5_000, seed=4).accounts
    assert a.equals(b)
    with pytest.raises(ValidationError, match="at least 100"):
        data.simulate_limit_increases(n_accounts=10)


def test_delinquency_paths_start_current_and_stop_once_absorbed():
    p = data.simulate_delinquency(n_accounts=2_000, months=12, seed=1)
    assert (p.loc[p["month"] == 1, "status"] == "current").all() and p.loc[p["month"] == 1].shape[0] == 2_000
    last = p.groupby("account_id")["month"].transform("max")
    absorbed = p["status"].isin(["paid_off", "charged_off"])
    assert (p.loc[absorbed, "month"] == last[absorbed]).all()  # nothing after absorption
    assert (p.loc[absorbed, "balance"] == 0).all()
    moves = p.assign(nxt=p.groupby("account_id")["status"].shift(-1)).dropna()
    rate = (moves.loc[moves["status"] == "current", "nxt"] == "30").mean()
    assert rate == pytest.approx(data.ROLL_RATES[0, 1], abs=0.005)
    with pytest.raises(ValidationError, match="rows summing to 1"):
        data.simulate_delinquency(roll_rates=np.eye(3))


def test_collections_calls_are_random_and_raise_the_cure_rate_by_the_known_uplift():
    a = data.simulate_collections(n_history=30_000, n_queue=500, seed=4)
    b = data.simulate_collections(n_history=30_000, n_queue=500, seed=4)
    assert a.history.equals(b.history) and a.queue.equals(b.queue)
    h = a.history
    assert abs(h["called"].mean() - 0.5) < 0.01 and set(h["bucket"]) == {"30", "60", "90+"}
    assert not set(h["account_id"]) & set(a.queue["account_id"])
    rates = h.groupby(["bucket", "called"])["cured"].mean().unstack()
    assert (rates[True] > rates[False]).all()
    assert rates.loc["60", True] - rates.loc["60", False] > rates.loc["30", True] - rates.loc["30", False]
    assert a.truth["p_cure_called"].index.equals(pd.Index(a.queue["account_id"], name="account_id"))
    with pytest.raises(ValidationError, match="call_share must be in"):
        data.simulate_collections(call_share=1.0)
