"""The synthetic bank: determinism, consistency of its tables, and recovery of its truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data, schemas
from crmresearch.data.simulate import CONTRACT_COLUMNS, _hazard_design, _implied_latent_cov
from crmresearch.errors import ParameterError, ValidationError
from crmresearch.reporting import fingerprint_frame


@pytest.fixture(scope="module")
def bank():
    return data.simulate_bank(n_customers=20_000, seed=0)


def test_same_seed_identical_different_seed_differs():
    a = data.simulate_bank(n_customers=2_000, seed=7)
    b = data.simulate_bank(n_customers=2_000, seed=7)
    c = data.simulate_bank(n_customers=2_000, seed=8)
    for name, table in a.tables().items():
        assert fingerprint_frame(table) == fingerprint_frame(b.tables()[name]), name
        assert fingerprint_frame(table) != fingerprint_frame(c.tables()[name]), name
    per_a = a.truth["campaign"].pop("churn_change_by_customer")
    per_b = b.truth["campaign"].pop("churn_change_by_customer")
    assert a.truth == b.truth and per_a.equals(per_b)


def test_declared_contract_columns_are_the_contracts_columns():
    """The registry checks retention_covariates against CONTRACT_COLUMNS instead of building a bank."""
    assert list(CONTRACT_COLUMNS) == list(data.simulate_bank(n_customers=100, seed=0).contracts.columns)


def test_every_table_meets_its_input_contract(bank):
    end = pd.Timestamp(bank.truth["end"])
    schemas.validate(bank.customers, "customers")
    schemas.validate(bank.transactions, "transactions", date="timestamp", as_of=end)
    schemas.validate(bank.contracts, "spells", as_of=end)
    schemas.validate(bank.tickets, "tickets", as_of=end)
    schemas.validate(bank.calls, "calls")
    items = [c for c in bank.survey.columns if c[-1].isdigit()]
    schemas.validate(bank.survey, "survey", items=items, scale=(1, 10))


def test_customers_transact_only_while_active(bank):
    tx = bank.transactions.merge(bank.contracts[["customer_id", "start", "end"]], on="customer_id")
    start = pd.Timestamp(bank.truth["start"])
    end = pd.Timestamp(bank.truth["end"])
    assert (tx["timestamp"] >= tx["start"]).all()
    assert (tx["timestamp"] >= start).all() and (tx["timestamp"] < end).all()
    ended = tx["end"].notna()
    assert (tx.loc[ended, "timestamp"] <= tx.loc[ended, "end"] + pd.Timedelta(days=1)).all()
    c = bank.contracts
    assert c["churned"].equals(c["end"].notna())
    assert (c.loc[c["churned"], "end"] < end).all()
    assert 0.15 < c["churned"].mean() < 0.40  # a bank-like churn over three years


def test_transaction_and_spend_processes_recover_their_means(bank):
    """Purchases per active month and mean amount per segment match the truth (±5 %)."""
    c = bank.contracts
    start, end = pd.Timestamp(bank.truth["start"]), pd.Timestamp(bank.truth["end"])
    active_m = ((c["end"].fillna(end) - c["start"].clip(lower=start)).dt.days / 30.4375).clip(lower=0)
    per_seg = (bank.transactions.groupby("customer_id").size().reindex(c["customer_id"], fill_value=0)
               .groupby(c["segment"].to_numpy(), observed=True).sum()
               / active_m.groupby(c["segment"].to_numpy(), observed=True).sum())
    spend = bank.transactions.merge(bank.customers[["customer_id", "segment"]], on="customer_id") \
        .groupby("segment", observed=True)["amount"].mean()
    for seg in data.SEGMENTS:
        assert per_seg[seg] == pytest.approx(bank.truth["transactions"]["mean_rate_per_month"][seg], rel=0.05)
        assert spend[seg] == pytest.approx(bank.truth["spend"]["mean_amount"][seg], rel=0.05)


def test_cox_recovers_every_true_log_hazard_ratio(bank):
    """A Cox model with delayed entry on `contracts` puts every true log-hazard ratio inside
    its 95 % interval (seed 0; with ten coefficients the nominal joint coverage is ~60 %, so
    each coefficient is also required to lie within 3 standard errors)."""
    from lifelines import CoxPHFitter

    c = bank.contracts
    end = c["end"].fillna(pd.Timestamp(bank.truth["end"]))
    X, names = _hazard_design(bank.customers)
    df = pd.DataFrame(X, columns=names)
    df["T"] = (end - c["start"]).dt.days / 30.4375
    df["E"] = c["churned"].astype(int)
    df["entry"] = (c["observed_from"] - c["start"]).dt.days / 30.4375
    df = df[df["T"] > df["entry"]]
    fit = CoxPHFitter().fit(df, "T", "E", entry_col="entry").summary
    truth = bank.truth["hazard"]["log_hazard_ratios"]
    for name, row in fit.iterrows():
        assert row["coef lower 95%"] <= truth[name] <= row["coef upper 95%"], name
        assert abs(row["coef"] - truth[name]) < 3 * row["se(coef)"], name


def test_kmeans_recovers_latent_segments(bank):
    """Segments differ in age, income and distance to a branch; k-means on those standardised
    features recovers them (adjusted Rand >= 0.9 at default noise)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    c = bank.customers
    feats = np.column_stack([c["age"], np.log(c["monthly_income"]), np.log(c["distance_km"])])
    labels = KMeans(4, n_init=10, random_state=0).fit_predict(StandardScaler().fit_transform(feats))
    assert adjusted_rand_score(c["segment"].cat.codes, labels) >= 0.9


def test_more_noise_blurs_segments():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    c = data.simulate_bank(n_customers=5_000, seed=0, segment_noise=3.0).customers
    feats = np.column_stack([c["age"], np.log(c["monthly_income"]), np.log(c["distance_km"])])
    labels = KMeans(4, n_init=10, random_state=0).fit_predict(StandardScaler().fit_transform(feats))
    assert adjusted_rand_score(c["segment"].cat.codes, labels) < 0.8


def test_survey_latent_structure(bank):
    cov = _implied_latent_cov(data.simulate.ACSI_PATHS,
                              ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY"])
    assert np.allclose(np.diag(cov), 1) and np.all(np.linalg.eigvalsh(cov) > 0)
    s = bank.survey
    assert len(s) == 1_000 and s["customer_id"].is_unique
    assert set(s["customer_id"]) <= set(bank.contracts.loc[~bank.contracts["churned"], "customer_id"])
    # block means of strongly linked constructs correlate positively and clearly
    qual = s.filter(regex=r"^qual\d").mean(axis=1)
    sat = s.filter(regex=r"^sat\d").mean(axis=1)
    assert 0.4 < np.corrcoef(qual, sat)[0, 1] < 0.9
    gaps = {d: (s.filter(regex=f"^per_{d[:3]}").mean(axis=1) - s.filter(regex=f"^exp_{d[:3]}")
                .mean(axis=1)).mean() for d in bank.truth["survey"]["servqual_gap"]}
    for d, g in bank.truth["survey"]["servqual_gap"].items():
        assert gaps[d] == pytest.approx(g, abs=0.15), d


def test_intervention_is_60_60_pre_post(bank):
    iv = bank.intervention
    assert iv.groupby("arm")["respondent_id"].nunique().tolist() == [60, 60]
    assert set(iv["period"]) == {"pre", "post"} and len(iv) == 240
    wide = iv.pivot_table(index=["respondent_id", "arm"], columns="period", values="sat1",
                          observed=True).reset_index()
    did = ((wide["post"] - wide["pre"])[wide["arm"] == "treatment"].mean()
           - (wide["post"] - wide["pre"])[wide["arm"] == "control"].mean())
    assert did == pytest.approx(bank.truth["survey"]["intervention_effect"], abs=0.5)


def test_tickets_censoring_and_regional_slas(bank):
    t = bank.tickets
    assert t["resolved"].isna().sum() > 0  # some still open at the end
    assert (t.loc[t["on_site"].notna(), "type"] == "fault").all()  # only faults need a visit
    within_2h = (t["responded"] - t["created"]) <= pd.Timedelta(hours=2)
    by_region = within_2h.groupby(t["region"], observed=True).mean()
    assert 0.6 < by_region["urban"] < 0.95 and by_region["rural"] < by_region["urban"] - 0.05


def test_calls_containment_and_handle_time(bank):
    calls = bank.calls
    assert len(calls) == pd.date_range("2023-01-01", "2026-01-01", freq="5min", inclusive="left").size
    share = calls["ivr_contained"].sum() / calls["calls"].sum()
    assert share == pytest.approx(bank.truth["calls"]["ivr_containment"], abs=0.01)
    aht = np.average(calls["aht_seconds"].fillna(0), weights=calls["agent_calls"])
    assert aht == pytest.approx(bank.truth["calls"]["aht_seconds"], rel=0.02)
    hourly = calls.groupby(calls["interval_start"].dt.hour)["calls"].mean()
    assert hourly.idxmax() in range(9, 14) and hourly.min() < 0.3 * hourly.max()


def test_campaign_is_randomised_with_the_true_effect(bank):
    camp = bank.campaign
    assert camp["treated"].mean() == pytest.approx(0.5, abs=0.02)
    assert camp["n_products"].groupby(camp["treated"]).mean().diff().abs().iloc[-1] < 0.05
    rural = camp[camp["segment"] == "rural_traditional"]
    est = rural.groupby("treated")["churn_90d"].mean()
    diff = est[True] - est[False]
    se = np.sqrt(est[True] * (1 - est[True]) / rural["treated"].sum()
                 + est[False] * (1 - est[False]) / (~rural["treated"]).sum())
    assert abs(diff - bank.truth["campaign"]["churn_ate"]["rural_traditional"]) < 3 * se
    assert diff < 0
    calls = camp.groupby("treated")["inbound_contacts_90d"].mean()
    assert calls[True] / calls[False] == pytest.approx(0.85, abs=0.05)


@pytest.mark.parametrize("kwargs, match", [
    ({"segment_shares": (0.5, 0.5)}, r"'segment_shares' needs 4 values"),
    ({"segment_shares": (0.5, 0.5, 0.5, 0.5)}, r"must sum to 1"),
    ({"not_a_setting": 1}, r"unknown setting\(s\) \['not_a_setting'\]"),
    ({"n_customers": 5}, r"n_customers must be >= 100"),
    ({"item_loading": 1.2}, r"'item_loading' must be in \(0, 1\)"),
])
def test_bad_settings_are_clear_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        data.simulate_bank(**kwargs)


# ----------------------------------------------------------------------------- exit causes
def test_every_exit_has_one_cause_and_the_other_tables_did_not_move():
    bank = data.simulate_bank(n_customers=2_000, seed=7)
    ended = bank.contracts[bank.contracts["churned"]]
    assert list(bank.exits.columns) == ["customer_id", "end", "cause"]
    assert bank.exits["customer_id"].tolist() == ended["customer_id"].tolist()
    assert set(bank.exits["cause"]) == set(data.EXIT_CAUSES) and bank.exits["cause"].notna().all()
    spells = bank.with_causes()
    assert spells["cause"].notna().tolist() == spells["churned"].tolist()
    assert list(bank.contracts.columns) == list(CONTRACT_COLUMNS)  # the contracts table itself is unchanged
    # the causes come from their own stream after every other table: the tables are those before causes were added
    before = {"customers": "f4f7ba3862c3fb37", "transactions": "3ab363e5be3755f4", "contracts": "d86fdd86bc3fe8ca",
              "survey": "476658c23136abd1", "intervention": "9b7fe986dd492a9f", "tickets": "e206fd505bd31cae",
              "calls": "2bfca2ef961121dd", "campaign": "8204047c2b41766e"}
    assert {k: fingerprint_frame(getattr(bank, k))[:16] for k in before} == before
    sim = data.simulate_service_cases(n_customers=2_000, n_managers=20, seed=3)
    assert sim.exits["customer_id"].tolist() == sim.customers.loc[sim.customers["churned"], "customer_id"].tolist()
    np.testing.assert_array_equal(sim.exits["duration_days"],
                                  sim.customers.loc[sim.customers["churned"], "duration_days"])
    assert list(sim.customers.columns) == ["customer_id", "rural", "manager_id", "duration_days", "churned"]
    before = {"customers": "9ace0ea79337eb5f", "cases": "9867636ea6e0f8de", "managers": "d39df32d556d337c"}
    assert {k: fingerprint_frame(getattr(sim, k))[:16] for k in before} == before
    assert set(sim.exits["cause"]) == set(data.EXIT_CAUSES)


def test_aalen_johansen_on_the_bank_recovers_the_true_incidence_of_each_cause():
    """New customers (observed from relationship age 0), campaign without effect: the true incidence of cause k
    by age t is the mean over customers of p_k(x) (1 - S(t | x)), from the truth alone."""
    from crmresearch import survival

    bank = data.simulate_bank(n_customers=20_000, seed=4, campaign_churn_rr=(1.0, 1.0, 1.0, 1.0))
    t0 = pd.Timestamp(bank.truth["start"])
    new = bank.customers["join_date"].to_numpy() >= np.datetime64(t0)
    spells = bank.with_causes()[new]
    frame = survival.survival_frame(spells, as_of=bank.truth["end"], keep=["cause"])
    horizons = (6.0, 12.0, 24.0)
    fit = survival.cuminc(frame, cause="cause", causes=list(data.EXIT_CAUSES),
                          horizons=horizons, alpha=0.01)
    # truth: Weibull PH h(t | x) = (k / s)(t / s)^(k - 1) exp(x'b); causes split by multinomial logit
    cust = bank.customers[new]
    X, names = _hazard_design(cust)
    hz = bank.truth["hazard"]
    eta = X @ np.array([hz["log_hazard_ratios"][n] for n in names])
    z = {"intercept": 1.0, "credit_score_100": (cust["credit_score"].to_numpy() - 650) / 100,
         "age_10": (cust["age"].to_numpy() - 40) / 10, "distance_10km": cust["distance_km"].to_numpy() / 10,
         "fee_increase": cust["fee_increase"].to_numpy(float),
         "unresolved_complaint": cust["unresolved_complaint"].to_numpy(float)}
    odds = bank.truth["causes"]["log_odds"]
    logits = np.column_stack([np.zeros(len(cust))] + [sum(b * z[c] for c, b in odds[k].items())
                                                      for k in data.EXIT_CAUSES[1:]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rows = fit.at_horizons_.set_index(["cause", "horizon"])
    for j, cause in enumerate(data.EXIT_CAUSES):
        for h in horizons:
            true = float(np.mean(p[:, j] * (1 - np.exp(-(h / hz["scale_months"]) ** hz["shape"] * np.exp(eta)))))
            got = rows.loc[(cause, h)]
            assert got["ci_lower"] <= true <= got["ci_upper"], (cause, h, true, got["cif"])
            assert abs(got["cif"] - true) < 0.1 * true + 0.003
    assert (rows["naive"] >= rows["cif"] - 1e-12).all()  # censoring the other causes overstates each


def test_the_service_simulator_splits_exits_by_the_covariates_at_the_exit():
    """Voluntary closure takes s_v of the churn hazard, credit closure s_c h0 whatever the covariates (so its share
    of the exits falls as the churn hazard rises), moving away the rest: the causes drawn match these shares."""
    sim = data.simulate_service_cases(n_customers=20_000, n_managers=200, seed=5)
    from crmresearch.data._truth import covariate_path

    path = covariate_path(sim.cases, sim.customers, sim.managers, sim.truth["slow_days"], sim.truth["end_day"])
    ex = sim.exits.set_index("customer_id")
    last = path[path["customer_id"].isin(ex.index) & (path["start"].to_numpy() < ex["duration_days"].reindex(
        path["customer_id"]).to_numpy()) & (path["stop"].to_numpy() >= ex["duration_days"].reindex(
        path["customer_id"]).to_numpy())].drop_duplicates("customer_id", keep="first").set_index("customer_id")
    truth = sim.truth["causes"]
    state = last.reindex(ex.index)
    beta = sim.truth["log_hazard_ratios"]
    lp = sum(b * state[c].to_numpy(float) for c, b in beta.items())
    p_credit = truth["credit_share"] * np.exp(-lp)
    p = np.column_stack([np.full(len(state), truth["voluntary_share"]), p_credit,
                         1 - truth["voluntary_share"] - p_credit])
    seen = np.column_stack([(ex["cause"] == k).to_numpy() for k in data.EXIT_CAUSES])
    for mask in (state["open_complaint"].to_numpy() == 1, state["open_complaint"].to_numpy() == 0,
                 state["compensated"].to_numpy() == 1):
        expected, observed = p[mask].sum(axis=0), seen[mask].sum(axis=0)
        assert np.all(np.abs(observed - expected) < 4 * np.sqrt(expected) + 1), (observed, expected)
    assert truth["log_hazard_ratios"]["voluntary_closure"] == beta
    assert set(truth["log_hazard_ratios"]["credit_closure"].values()) == {0.0}


def test_the_service_simulator_refuses_a_cause_split_without_room_for_moving_away():
    with pytest.raises(ValidationError, match=r"credit_share \* exp\(0\.4\) <= 1 - voluntary_share"):
        data.simulate_service_cases(n_customers=100, n_managers=5, voluntary_share=0.9, credit_share=0.1)
