"""Roll rates as an absorbing chain: absorption probabilities, months to absorption and the allowance equal a
chain solved by hand (to 1e-10); the roll rates estimated from the simulator's panel recover its matrix; bad
panels are refused with counts; the one step between two snapshots (credit_cards) against statsmodels' Wilson
intervals, and the monthly matrix behind it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import credit, data
from crmresearch.errors import ValidationError

STATES = ["current", "30", "60+", "paid_off", "charged_off"]
# current: stays 0.8, rolls to 30 0.1, pays off 0.1; 30: cures 0.5, rolls 0.5; 60+: cures 0.2, charged off 0.8
HAND = pd.DataFrame([[0.8, 0.1, 0.0, 0.1, 0.0], [0.5, 0.0, 0.5, 0.0, 0.0], [0.2, 0.0, 0.0, 0.0, 0.8],
                     [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]], index=STATES, columns=STATES, dtype=float)


def test_absorbing_chain_equals_the_hand_solution():
    """By hand: b_60 = 0.2 b_c + 0.8, b_30 = 0.5 b_c + 0.5 b_60, b_c = 0.8 b_c + 0.1 b_30 give b_c = 2/7,
    b_30 = 4/7, b_60 = 6/7; the same equations with 1 + ... give 115/14, 45/7 and 37/14 months."""
    chain = credit.absorbing_chain(HAND, ["paid_off", "charged_off"])
    np.testing.assert_allclose(chain.absorption["charged_off"], [2 / 7, 4 / 7, 6 / 7], rtol=0, atol=1e-10)
    np.testing.assert_allclose(chain.absorption.sum(axis=1), 1.0, rtol=0, atol=1e-10)
    np.testing.assert_allclose(chain.months_to_absorption, [115 / 14, 45 / 7, 37 / 14], rtol=0, atol=1e-10)


def _panel_of(P: pd.DataFrame, per_row: int = 100) -> pd.DataFrame:
    """Accounts whose one observed move from each state is exactly per_row x its roll rates (no sampling)."""
    rows, acc = [], 0
    for a in P.index[:3]:
        for b in P.columns:
            for _ in range(round(P.loc[a, b] * per_row)):
                acc += 1
                rows += [(acc, 1, a), (acc, 2, b)]
    return pd.DataFrame(rows, columns=["account_id", "month", "status"])


def test_roll_rate_chain_counts_roll_rates_and_the_allowance_by_hand():
    chain = credit.RollRateChain(states=STATES).fit(_panel_of(HAND))
    np.testing.assert_allclose(chain.transition_.to_numpy(), HAND.to_numpy(), rtol=0, atol=1e-12)
    loss = chain.expected_loss({"current": 1_000.0, "30": 200.0, "60+": 100.0}, lgd=0.5).set_index("bucket")
    assert loss.loc["total", "expected_loss"] == pytest.approx(1_700 / 7, abs=1e-10)
    assert loss.loc["30", "expected_loss"] == pytest.approx(0.5 * 200 * 4 / 7, abs=1e-10)
    assert chain.params_["60+->charged_off"] == pytest.approx(0.8) and chain.n_obs_ == 300
    s = chain.summary
    assert s.loc["current->30", "std_error"] == pytest.approx(np.sqrt(0.1 * 0.9 / 100))


def test_roll_rates_from_the_simulator_recover_its_matrix():
    panel = data.simulate_delinquency(n_accounts=20_000, months=24, seed=3)
    chain = credit.RollRateChain().fit(panel)
    est = chain.transition_.to_numpy()[:4]
    truth = data.ROLL_RATES[:4]
    n = chain.counts_.to_numpy()[:4].sum(axis=1, keepdims=True)
    se = np.sqrt(np.maximum(truth * (1 - truth), 1e-12) / n)
    assert np.all(np.abs(est - truth) <= 4 * se + 1e-12)
    true_b = credit.absorbing_chain(pd.DataFrame(data.ROLL_RATES, index=data.ROLL_STATES, columns=data.ROLL_STATES),
                                    ["paid_off", "charged_off"]).absorption
    np.testing.assert_allclose(chain.chain_.absorption, true_b, atol=0.02)


def test_bad_panels_are_refused_with_counts():
    ok = _panel_of(HAND)
    typo = ok.copy()
    typo.loc[1, "status"] = "31"
    with pytest.raises(ValidationError, match="1 of 600 rows hold unknown"):
        credit.RollRateChain(states=STATES).fit(typo)
    gap = ok.assign(month=ok["month"].where(ok.index != 1, 3))
    with pytest.raises(ValidationError, match="skips months for 1 rows"):
        credit.RollRateChain(states=STATES).fit(gap)
    with pytest.raises(ValidationError, match="2 duplicated rows"):
        credit.RollRateChain(states=STATES).fit(pd.concat([ok, ok.head(2)]))
    back = pd.concat([ok, pd.DataFrame({"account_id": [999, 999], "month": [1, 2], "status": ["paid_off", "current"]})])
    with pytest.raises(ValidationError, match="1 transitions out of an absorbing state"):
        credit.RollRateChain(states=STATES).fit(back)
    leaky = HAND.copy()
    leaky.loc["paid_off"] = [0.1, 0, 0, 0.9, 0]
    with pytest.raises(ValidationError, match="leave themselves"):
        credit.absorbing_chain(leaky, ["paid_off", "charged_off"])


@pytest.fixture(scope="module")
def cards():
    c = data.load_credit_cards()
    status = {True: "late", False: "on time"}
    return c["late_april"].map(status), c["late_september"].map(status)


def test_roll_rates_between_two_snapshots_equal_the_counts_and_statsmodels_wilson_intervals(cards):
    """credit_cards, April to September 2005: the rates are the row shares of the cross-table, the intervals
    statsmodels' Wilson intervals (to 1e-12)."""
    sm = pytest.importorskip("statsmodels.stats.proportion")
    april, september = cards
    t = credit.roll_rates_between(april, september, states=["on time", "late"])
    assert t[["from", "to"]].values.tolist() == [["on time", "on time"], ["on time", "late"], ["late", "on time"],
                                                ["late", "late"]]
    assert t["transitions"].tolist() == [21_985, 4_936, 1_197, 1_882]
    assert t["accounts_from"].tolist() == [26_921, 26_921, 3_079, 3_079]
    share = pd.crosstab(april, september, normalize="index")
    np.testing.assert_allclose(t["rate"], [share.loc[a, b] for a, b in zip(t["from"], t["to"], strict=True)],
                               rtol=0, atol=1e-15)
    lo, hi = sm.proportion_confint(t["transitions"], t["accounts_from"], alpha=0.05, method="wilson")
    np.testing.assert_allclose(t["ci_lower"], lo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t["ci_upper"], hi, rtol=0, atol=1e-12)
    assert not t.attrs  # a plain table: it concatenates with others


def test_the_implied_monthly_matrix_is_the_root_that_gives_back_the_step(cards):
    """A known monthly matrix is recovered from its fifth power (1e-10); on credit_cards the implied monthly
    matrix, raised to the fifth power, gives back April-to-September; a chain with no real root is refused."""
    states = ["on time", "30", "60+"]  # eigenvalues 1, 0.73 and 0.47: real and positive, so the root is unique
    monthly = pd.DataFrame([[0.9, 0.08, 0.02], [0.3, 0.6, 0.1], [0.1, 0.2, 0.7]], index=states, columns=states)
    five = pd.DataFrame(np.linalg.matrix_power(monthly.to_numpy(), 5), index=monthly.index, columns=monthly.index)
    np.testing.assert_allclose(credit.implied_step_matrix(five, 5), monthly, rtol=0, atol=1e-10)
    april, september = cards
    t = credit.roll_rates_between(april, september, states=["on time", "late"])
    P1 = credit.implied_step_matrix(t, 5)  # from the long table
    P5 = t.pivot(index="from", columns="to", values="rate").loc[P1.index, P1.columns]
    assert list(P1.index) == ["on time", "late"] and P5.loc["late", "late"] == pytest.approx(1_882 / 3_079)
    np.testing.assert_allclose(np.linalg.matrix_power(P1.to_numpy(), 5), P5, rtol=0, atol=1e-12)
    assert P1.loc["on time", "late"] == pytest.approx(0.0500, abs=5e-5)
    swap = pd.DataFrame([[0.0, 1.0], [1.0, 0.0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ValidationError, match=r"no time-homogeneous chain|no real 2-th root"):
        credit.implied_step_matrix(swap, 2)


def test_roll_rates_between_refuses_unknown_statuses_and_unequal_lengths():
    with pytest.raises(ValidationError, match="1 of 3 rows hold unknown"):
        credit.roll_rates_between(["a", "b", "c"], ["a", "a", "b"], states=["a", "b"])
    with pytest.raises(ValidationError, match="same length; got 2 and 3"):
        credit.roll_rates_between(["a", "b"], ["a", "a", "b"])


def test_status_buckets_read_days_past_due_at_the_bucket_bounds_and_refuse_the_rest():
    """Days past due are bucketed at 30, 60 and 90 (the codes are the lower bounds, so '30' reads the same either
    way); bucket codes are kept whatever their case; a status that is neither is refused with its count."""
    got = credit.status_buckets([0, 29, 30, 59.5, 60, 89, 90, 400, "30", " 90+ ", "PAID_OFF", "charged_off", "7"])
    assert got.tolist() == ["current", "current", "30", "30", "60", "60", "90+", "90+", "30", "90+", "paid_off",
                            "charged_off", "current"]
    with pytest.raises(ValidationError, match=r"column 'dq': 3 of 5 rows hold unknown statuses \(first: "
                                              r"\['late', -1, None\]\)"):
        credit.status_buckets(["late", -1, None, "current", 30], "column 'dq'")
