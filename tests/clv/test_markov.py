"""Markov-chain customer value (Pfeifer & Carraway 2000): the paper's recency example and retention case
against hand algebra, finite horizons against the partial sums, a Monte-Carlo run of the chain, and the
estimator from counts against simulated customers with a known transition matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, segmentation
from crmresearch.data import reference
from crmresearch.errors import ValidationError

EXAMPLE = reference.published("pc2000_recency_example")


def _example():
    """P & C's recency chain and reward vector: a purchase earns margin - mailing cost, a mailed
    non-buyer costs the mailing, the lost state (no longer mailed) nothing."""
    p = EXAMPLE["purchase_probability"]
    P = clv.recency_chain(p)
    R = np.array([EXAMPLE["margin"] - EXAMPLE["mailing_cost"]] + [-EXAMPLE["mailing_cost"]] * (len(p) - 2) + [0.0])
    return p, P, R


def _by_hand(p, R, d):
    """The recency chain solved by back-substitution, no matrix algebra: V_k = R_k + beta (p_k V_1 +
    (1 - p_k) V_(k+1)), with V_n = R_n / (1 - beta p_n... ) written as V_k = a_k + b_k V_1 from the end."""
    beta = 1 / (1 + d)
    n = len(p)
    # last state: V_n = R_n + beta (p_n V_1 + (1 - p_n) V_n)  ->  V_n = (R_n + beta p_n V_1) / (1 - beta (1 - p_n))
    a = [0.0] * n
    b = [0.0] * n
    a[n - 1] = R[n - 1] / (1 - beta * (1 - p[n - 1]))
    b[n - 1] = beta * p[n - 1] / (1 - beta * (1 - p[n - 1]))
    for k in range(n - 2, -1, -1):
        a[k] = R[k] + beta * (1 - p[k]) * a[k + 1]
        b[k] = beta * p[k] + beta * (1 - p[k]) * b[k + 1]
    v1 = a[0] / (1 - b[0])
    return np.array([a[k] + b[k] * v1 for k in range(n)])


def test_the_recency_example_of_pfeifer_and_carraway():
    p, P, R = _example()
    assert P.to_numpy().tolist() == [[0.3, 0.7, 0, 0, 0], [0.2, 0, 0.8, 0, 0], [0.15, 0, 0, 0.85, 0],
                                     [0.05, 0, 0, 0, 0.95], [0, 0, 0, 0, 1]]
    V = clv.chain_value(P, R, EXAMPLE["discount_rate"])
    np.testing.assert_allclose(V.to_numpy(), _by_hand(p, R, EXAMPLE["discount_rate"]), rtol=0, atol=1e-10)
    assert V.round(2).tolist() == [52.32, 5.55, 1.25, -1.82, 0.0]
    # the negative value of state 4 says mailing it loses money: stop mailing there (p_4 = 0, no cost)
    stop = clv.chain_value(clv.recency_chain([0.3, 0.2, 0.15, 0.0, 0.0]), [36, -4, -4, 0, 0], 0.2)
    assert stop.round(2).tolist() == [53.15, 6.62, 2.64, 0.0, 0.0] and (stop.iloc[:3] > V.iloc[:3]).all()


def test_finite_horizons_are_the_discounted_partial_sums_and_converge():
    _, P, R = _example()
    beta = 1 / 1.2
    M = P.to_numpy()
    for T in (0, 1, 4, 12):
        partial = sum(np.linalg.matrix_power(beta * M, t) @ R for t in range(T + 1))
        np.testing.assert_allclose(clv.chain_value(P, R, 0.2, horizon=T).to_numpy(), partial, atol=1e-12)
    assert clv.chain_value(P, R, 0.2, horizon=0).tolist() == R.tolist()
    np.testing.assert_allclose(clv.chain_value(P, R, 0.2, horizon=200), clv.chain_value(P, R, 0.2), atol=1e-9)


@pytest.mark.parametrize(("r", "m", "d"), [(0.8, 100.0, 0.1), (0.5, 40.0, 0.2), (0.95, 12.5, 0.01)])
def test_the_retention_chain_is_the_closed_form_of_berger_and_nasr(r, m, d):
    """P & C's customer-retention situation: retained with r each period, lost for good otherwise; the
    chain's value of a current customer equals m (1 + d) / (1 + d - r) (Berger & Nasr 1998, case 1)."""
    P = pd.DataFrame([[r, 1 - r], [0, 1]], index=["customer", "lost"], columns=["customer", "lost"])
    V = clv.chain_value(P, {"customer": m, "lost": 0.0}, d)
    assert V["customer"] == pytest.approx(m * (1 + d) / (1 + d - r), rel=1e-12)
    assert V["lost"] == 0.0
    # undiscounted, the value is the margin times the expected lifetime 1 / (1 - r)
    assert clv.chain_value(P, {"customer": m, "lost": 0.0}, 0.0)["customer"] == pytest.approx(m / (1 - r))


def test_a_monte_carlo_run_of_the_chain_agrees_with_the_values():
    """10,000 customers per state walk the recency chain for 80 periods (beta^80 ~ 5e-7 of a reward);
    the mean discounted reward lies within 4 standard errors of the matrix value."""
    _, P, R = _example()
    M = P.to_numpy()
    cum = M.cumsum(axis=1)
    rng = np.random.default_rng(7)
    n, periods, beta = 10_000, 80, 1 / 1.2
    V = clv.chain_value(P, R, 0.2).to_numpy()
    for start in range(5):
        state = np.full(n, start)
        total = np.zeros(n)
        for t in range(periods):
            total += beta**t * R[state]
            u = rng.random(n)
            state = (u[:, None] > cum[state]).sum(axis=1)
        se = total.std(ddof=1) / np.sqrt(n)
        assert abs(total.mean() - V[start]) < 4 * se + 1e-9, (start, total.mean(), V[start], se)


def test_moves_up_one_state_and_the_break_even_of_a_reactivation():
    _, P, R = _example()
    V = clv.chain_value(P, R, 0.2)
    moves = clv.state_moves(V, order=[1, 2, 3, 4])
    assert moves.index.tolist() == [2, 3, 4] and moves["to"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(moves["gain"], [V[1] - V[2], V[2] - V[3], V[3] - V[4]])
    offer = clv.reactivation_break_even(V, to=1, response=0.1, states=[3, 4])
    np.testing.assert_allclose(offer["break_even"], 0.1 * (V[1] - V[[3, 4]].to_numpy()))
    # at the break-even spend the offer leaves the expected value of a state-4 customer unchanged
    c = float(offer.loc[4, "break_even"])
    assert 0.1 * V[1] + 0.9 * V[4] - c == pytest.approx(V[4])
    with pytest.raises(ValidationError, match="reactivation_break_even: response must be a share"):
        clv.reactivation_break_even(V, to=1, response=1.5)
    with pytest.raises(ValidationError, match="state_moves: order names 1 states without a value"):
        clv.state_moves(V, order=[1, 9])


def _simulated_counts(P, n_per_state, rng):
    """Customers observed in each live state make one transition drawn from the true row."""
    live = [s for s in P.index if P.loc[s, s] < 1.0]
    return pd.DataFrame([rng.multinomial(n_per_state, P.loc[s].to_numpy()) for s in live], index=live,
                        columns=P.columns)


def test_the_estimator_recovers_the_chain_and_its_intervals_cover():
    """Counts from the recency chain (400 customers a live state): shares are the estimated rows, the
    delta-method standard errors match the bootstrap's, and over simulated tables the 95 % interval of
    V_1 covers the true value about 95 % of the time (150 tables; 1,000 gave 93-95 % for V_1..V_4)."""
    _, P, R = _example()
    truth = clv.chain_value(P, R, 0.2)
    rewards = dict(zip(P.index, R, strict=True))
    rng = np.random.default_rng(3)
    counts = _simulated_counts(P, 400, rng)
    m = clv.MarkovChainValue(discount_rate=0.2, absorbing=[5]).fit(counts, rewards)
    np.testing.assert_allclose(m.transition_.loc[1:4].to_numpy(), counts.div(counts.sum(axis=1), axis=0).to_numpy())
    assert m.n_obs_ == 1600 and m.summary.loc[5, "std_error"] == 0.0
    boot = m.bootstrap(n=300, seed=1)
    np.testing.assert_allclose(boot["std_error"].iloc[:4], m.summary["std_error"].iloc[:4], rtol=0.15)
    covered = 0
    for _ in range(150):
        fit = clv.MarkovChainValue(discount_rate=0.2, absorbing=[5]).fit(_simulated_counts(P, 400, rng), rewards)
        row = fit.summary.loc[1]
        covered += row["ci_lower"] <= truth[1] <= row["ci_upper"]
    assert 0.90 <= covered / 150 <= 0.99, covered


def _partial_sum(P, R, T, beta=1 / 1.2):
    if T is None:
        return np.linalg.inv(np.eye(len(R)) - beta * P) @ R
    return sum(np.linalg.matrix_power(beta * P, t) @ R for t in range(T + 1))


@pytest.mark.parametrize("horizon", [6, None])
def test_standard_errors_match_a_numerical_derivative(horizon):
    _, P, R = _example()
    rng = np.random.default_rng(5)
    counts = _simulated_counts(P, 200, rng)
    rewards = dict(zip(P.index, R, strict=True))
    m = clv.MarkovChainValue(discount_rate=0.2, horizon=horizon, absorbing=[5]).fit(counts, rewards)
    # the delta method by central differences of the same values, one free share per cell of each row
    Phat = m.transition_.to_numpy()
    n_i = counts.sum(axis=1).to_numpy()
    var = np.zeros(5)
    for i in range(4):
        grads = np.zeros((5, 5))
        for j in range(5):
            h = 1e-6
            Pp, Pm = Phat.copy(), Phat.copy()
            Pp[i, j] += h
            Pm[i, j] -= h
            grads[:, j] = (_partial_sum(Pp, R, horizon) - _partial_sum(Pm, R, horizon)) / (2 * h)
        C = (np.diag(Phat[i]) - np.outer(Phat[i], Phat[i])) / n_i[i]
        var += np.einsum("kj,jl,kl->k", grads, C, grads)
    np.testing.assert_allclose(m.summary["std_error"], np.sqrt(var), rtol=1e-6, atol=1e-9)


def test_the_migration_table_of_rfm_segments_is_valued():
    """segmentation.migration's count table (with its (gone) column) fits once the (new) row is dropped."""
    before = pd.Series(["top", "top", "mid", "mid", "mid", "low", "low", "low"], index=range(8))
    after = pd.Series(["top", "mid", "top", "mid", "low", "low", "mid", "top", "top"],
                      index=[0, 1, 2, 3, 4, 5, 6, 8, 9])
    counts = segmentation.migration(before, after, normalize=False)
    rewards = {"top": 30.0, "mid": 10.0, "low": 2.0, "(gone)": 0.0}
    with pytest.raises(ValidationError, match=r"the row '\(new\)' holds 2 customers first seen.*drop it"):
        clv.MarkovChainValue().fit(counts, rewards)
    m = clv.MarkovChainValue(discount_rate=0.05).fit(counts.drop(index="(new)"), rewards)
    assert m.transition_.loc["low"].to_dict() == pytest.approx({"low": 1 / 3, "mid": 1 / 3, "top": 0, "(gone)": 1 / 3})
    assert m.transition_.loc["(gone)", "(gone)"] == 1.0 and m.values_["(gone)"] == 0.0
    moves = m.moves(order=["top", "mid", "low"])
    assert (moves["gain"] > 0).all() and (moves["std_error"] > 0).all()


def test_bad_inputs_are_named():
    counts = pd.DataFrame([[3, 1], [1, 3]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ValidationError, match=r"rewards must name every state once; 1 states have none \(first: 'b'\)"):
        clv.MarkovChainValue().fit(counts, {"a": 1.0})
    with pytest.raises(ValidationError, match="counts must be whole numbers >= 0; 1 cells are not, in 1 rows"):
        clv.MarkovChainValue().fit(counts.astype(float).assign(a=[3.5, 1]), {"a": 1.0, "b": 0.0})
    with pytest.raises(ValidationError, match=r"1 states have no customer at the start.*\(first: 'b'\)"):
        clv.MarkovChainValue().fit(counts.assign(a=[3, 0], b=[1, 0]), {"a": 1.0, "b": 0.0})
    with pytest.raises(ValidationError, match="state 'b' is absorbing but 1 customers left it"):
        clv.MarkovChainValue(absorbing=["b"]).fit(counts, {"a": 1.0, "b": 0.0})
    with pytest.raises(ValidationError, match="chain_value: each row of the transition matrix must sum to 1; 1 of 2"):
        clv.chain_value(pd.DataFrame([[0.5, 0.4], [0, 1]]), [1, 0], 0.1)
    with pytest.raises(ValidationError, match="infinite-horizon value does not exist"):
        clv.chain_value(pd.DataFrame([[0.5, 0.5], [0.5, 0.5]]), [1, 0], 0.0)
    with pytest.raises(ValidationError, match="recency_chain: purchase_probability needs at least 2 states"):
        clv.recency_chain([0.3, 1.2])


def test_recency_migration_counts_a_log_by_hand():
    """A buys in Q1 and Q3, B in Q1 only (twice: one purchase period), C after the end; followed to Q4 with
    3 states: A 1-2-1-2, B 1-2-3-3."""
    tx = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "C"],
                       "date": ["2024-01-10", "2024-08-01", "2024-02-01", "2024-03-30", "2025-01-02"],
                       "amount": [10.0, 30.0, 5.0, 15.0, 99.0]})
    counts = clv.recency_migration(tx, freq="Q", n_states=3, end="2024-12-31")
    assert counts.to_numpy().tolist() == [[0, 3, 0], [1, 0, 1], [0, 0, 1]]
    assert counts.attrs["periods"] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert counts.attrs["customers"] == 2 and counts.attrs["row_account"] == {"rows_in": 5, "after_end": 1}
    assert counts.attrs["mean_spend"] == pytest.approx((10 + 30 + 20) / 3)
    with pytest.raises(ValidationError, match="recency_migration: n_states must be a whole number >= 2"):
        clv.recency_migration(tx, n_states=1)


def test_recency_migration_on_cdnow_has_the_recency_structure():
    """CDNOW (1/10 sample) by quarter: only moves back to state 1 or one state on are counted, every customer
    contributes one transition per quarter followed, and the fitted chain is P & C's recency chain."""
    from crmresearch import data

    tx = data.load_cdnow_transactions(sample=True)
    counts = clv.recency_migration(tx, freq="Q", n_states=5)
    N = counts.to_numpy()
    allowed = np.zeros((5, 5), dtype=bool)
    allowed[:, 0] = True
    allowed[np.arange(5), np.minimum(np.arange(5) + 1, 4)] = True
    assert N[~allowed].sum() == 0
    first = pd.to_datetime(tx["date"]).dt.to_period("Q").groupby(tx["customer_id"]).min()
    assert counts.attrs["customers"] == 2357
    assert N.sum() == int((pd.Period("1998Q2") - first).map(lambda off: off.n).sum())
    m = clv.MarkovChainValue(discount_rate=0.03).fit(counts, {1: 10.0, 2: -1.0, 3: -1.0, 4: -1.0, 5: -1.0})
    p = m.transition_[1].to_numpy()
    np.testing.assert_allclose(m.transition_.to_numpy(), clv.recency_chain(p).to_numpy(), atol=1e-12)
    assert p[0] > p[1] > p[2]  # recent buyers buy again more often (the recency trap)


def test_recency_migration_reads_the_log_by_the_transactions_contract():
    tx = pd.DataFrame({"customer_id": [1, None, 2], "date": ["2024-01-01", "2024-02-01", "2024-05-01"],
                       "amount": [1.0, 2.0, 3.0]})
    with pytest.raises(ValidationError, match="recency_migration: column 'customer_id': 1 of 3 rows are missing"):
        clv.recency_migration(tx)
    with pytest.raises(ValidationError, match="recency_migration: column 'amount': 1 of 2 rows are below 0"):
        clv.recency_migration(tx.dropna().assign(amount=[1.0, -2.0]))
    assert clv.recency_migration(tx.dropna(), amount=None).attrs["customers"] == 2
