"""Survival wrappers against lifelines and published values; frames; bad input; evaluation; targeting."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from crmresearch import data, survival, targeting
from crmresearch.errors import ValidationError
from crmresearch.schemas import DuplicateIdError, FutureDateError, OrderError


def test_rossi_efron_coefficients():
    """lifelines' Rossi recidivism data: the published Efron-ties Cox coefficients (±1e-3)."""
    from lifelines.datasets import load_rossi

    rossi = load_rossi().rename(columns={"week": "duration", "arrest": "event"})
    res = survival.cox(rossi, ["fin", "age", "race", "wexp", "mar", "paro", "prio"])
    published = {"fin": -0.3794, "age": -0.0574, "race": 0.3139, "wexp": -0.1498, "mar": -0.4337,
                 "paro": -0.0849, "prio": 0.0915}
    coef = res.params_
    for name, value in published.items():
        assert coef[name] == pytest.approx(value, abs=1e-3), name
    assert set(res.ph_test_.columns) == {"covariate", "statistic", "p_value", "verdict", "remedy"}


@pytest.fixture(scope="module")
def telco():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = data.load_telco_churn()
    return t.assign(duration=t["tenure"].astype(float), event=t["churn"].astype(int),
                    tech_support_yes=t["tech_support"] == "Yes", online_security_yes=t["online_security"] == "Yes")


COVS = ["contract", "internet_service", "payment_method", "monthly_charges", "paperless_billing", "senior_citizen",
        "partner", "dependents", "tech_support_yes", "online_security_yes"]


def test_telco_cox_holdout_concordance(telco):
    train, test = train_test_split(telco, test_size=0.3, random_state=0, stratify=telco["event"])
    res = survival.cox(train, COVS)
    metrics = survival.evaluate_holdout(res, train, test, horizons=(12, 24, 36)).set_index("metric")
    assert metrics.loc["concordance (Harrell)", "value"] == pytest.approx(0.8514, abs=5e-4)  # paper: 0.851
    ibs = metrics.loc["integrated Brier score", "value"]
    assert 0 < ibs < 0.15
    verdicts = res.ph_test_.set_index("covariate")["verdict"]
    assert verdicts["contract_One year"] == "PH rejected at 0.01"
    assert "stratify on 'contract'" in res.ph_test_.set_index("covariate").loc["contract_One year", "remedy"]


def test_km_equals_lifelines(telco):
    from lifelines import KaplanMeierFitter

    res = survival.km(telco, "contract", horizons=(12, 24, 36))
    g = telco[telco["contract"] == "Month-to-month"]
    ref = KaplanMeierFitter().fit(g["duration"], g["event"])
    med = res.medians_.set_index("group").loc["Month-to-month", "median"]
    assert med == ref.median_survival_time_
    at = res.at_horizons_[res.at_horizons_["group"] == "Month-to-month"].set_index("horizon")["survival"]
    np.testing.assert_allclose(at.to_numpy(), ref.survival_function_at_times([12, 24, 36]).to_numpy(), rtol=1e-12)


def test_simulated_bank_truth_inside_intervals():
    """Completes the simulator's recovery test through our own cox() with left truncation."""
    bank = data.simulate_bank(n_customers=20_000, seed=0)
    c = bank.contracts
    spells = c.assign(rural=c["region"] == "rural", rural_no_digital=(c["region"] == "rural") & ~c["digital_user"],
                      distance_10km=c["distance_km"] / 10,
                      value_tier=c["value_tier"].cat.reorder_categories(["lead", "iron", "gold", "platinum"]))
    frame = survival.survival_frame(spells, bank.truth["end"], observed_from=bank.truth["start"],
                                    keep=["rural", "digital_user", "rural_no_digital", "distance_10km",
                                          "fee_increase", "unresolved_complaint", "n_products", "value_tier"])
    res = survival.cox(frame, ["rural", "digital_user", "rural_no_digital", "distance_10km", "fee_increase",
                               "unresolved_complaint", "n_products", "value_tier"])
    table = survival.compare_with_truth(res, bank.truth["hazard"]["log_hazard_ratios"],
                                        rename={f"value_tier_{t}": f"tier_{t}" for t in ("iron", "gold", "platinum")})
    assert table["covers_truth"].all(), table


def test_survival_frame_hand_built():
    spells = pd.DataFrame({"customer_id": [1, 2, 3, 4],
                           "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2023-07-01", "2024-03-01"]),
                           "end": pd.to_datetime(["2024-01-31", None, "2024-04-10", "2024-03-31"]),
                           "segment": ["a", "b", "a", "b"]})
    f = survival.survival_frame(spells, as_of="2024-12-31", unit="days", observed_from="2024-01-01",
                                keep=["segment"])
    assert f["duration"].tolist() == [30.0, 365.0, 284.0, 30.0]  # ties (30) kept; censored at as_of
    assert f["event"].tolist() == [1, 0, 1, 1]
    assert f["entry"].tolist() == [0.0, 0.0, 184.0, 0.0]  # customer 3 was acquired before observation
    assert f["segment"].tolist() == ["a", "b", "a", "b"]
    months = survival.survival_frame(spells, as_of="2024-12-31")
    assert months["duration"].iloc[1] == pytest.approx(365 / 30.4375)


def test_survival_frame_from_durations_equals_the_frame_from_dates():
    """A tenure-and-flag extract gives the frame of the dated spells it came from, in any unit."""
    spells = pd.DataFrame({"customer_id": [1, 2, 3],
                           "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01"]),
                           "end": pd.to_datetime(["2024-01-31", None, "2024-06-08"]), "segment": ["a", "b", "a"]})
    tenure = pd.DataFrame({"customer_id": [1, 2, 3], "tenure_days": [30, 365, 99], "left": [1, 0, 1],
                           "segment": ["a", "b", "a"]})
    for unit in ("days", "weeks", "months"):
        dated = survival.survival_frame(spells, as_of="2024-12-31", unit=unit, keep=["segment"])
        short = survival.survival_frame(tenure, unit=unit, duration="tenure_days", event="left", duration_unit="days",
                                        keep=["segment"])
        pd.testing.assert_frame_equal(short, dated, rtol=1e-15)
        assert short.attrs["unit"] == unit
    same = survival.survival_frame(tenure.assign(tenure_days=tenure["tenure_days"] / 7), unit="weeks",
                                   duration="tenure_days", event="left", duration_unit="weeks")
    assert same["duration"].tolist() == (tenure["tenure_days"] / 7).tolist()  # the same unit: values kept exactly


@pytest.mark.parametrize("kwargs, error, match", [
    ({"as_of": "2024-12-31"}, ValidationError, r"as_of applies to spells with start and end dates"),
    ({"observed_from": "2024-01-01"}, ValidationError, r"observed_from applies to spells with start and end dates"),
    ({"duration_unit": "fortnights"}, ValidationError, r"duration_unit must be one of \['days', 'weeks'"),
])
def test_survival_frame_refuses_what_durations_cannot_take(kwargs, error, match):
    tenure = pd.DataFrame({"customer_id": [1, 2], "duration": [3.0, 5.0], "event": [1, 0]})
    with pytest.raises(error, match=match):
        survival.survival_frame(tenure, **kwargs)


def test_survival_frame_names_both_shapes_when_neither_is_there():
    from crmresearch.errors import MissingColumnError

    with pytest.raises(MissingColumnError, match=r"needs the columns start, end \(dates\) or duration, event "
                                                 r"\(durations\)"):
        survival.survival_frame(pd.DataFrame({"customer_id": [1], "tenure": [3.0]}), as_of="2024-01-01")
    with pytest.raises(ValidationError, match=r"need as_of, the censoring date"):
        survival.survival_frame(pd.DataFrame({"customer_id": [1], "start": ["2024-01-01"], "end": [None]}))


@pytest.mark.parametrize("spells, error, match", [
    (pd.DataFrame({"customer_id": [1], "start": pd.to_datetime(["2024-02-01"]), "end": pd.to_datetime(["2024-01-01"])}),
     OrderError, r"column 'end': 1 of 1 rows are before 'start'"),
    (pd.DataFrame({"customer_id": [1], "start": pd.to_datetime(["2026-02-01"]), "end": pd.NaT}),
     FutureDateError, r"are after as_of"),
    (pd.DataFrame({"customer_id": [1, 1], "start": pd.to_datetime(["2024-02-01"] * 2), "end": pd.NaT}),
     ValidationError, r"2 of 2 rows are duplicated spells"),
])
def test_survival_frame_bad_input(spells, error, match):
    with pytest.raises(error, match=match):
        survival.survival_frame(spells, as_of="2025-01-01")
    assert DuplicateIdError  # imported for completeness of the error family


@pytest.mark.parametrize("frame, match", [
    (pd.DataFrame({"duration": [-1.0, 2.0, 3.0], "event": [1, 0, 1], "x": [1.0, 2.0, 3.0]}),
     r"column 'duration': 1 of 3 rows are negative"),
    (pd.DataFrame({"duration": [1.0, 2.0, 3.0], "event": [1, 2, 1], "x": [1.0, 2.0, 3.0]}),
     r"column 'event' must be 0/1 or boolean; 1 of 3 rows are not"),
    (pd.DataFrame({"duration": [1.0, 2.0, 3.0], "event": [0, 0, 0], "x": [1.0, 2.0, 3.0]}),
     r"all 3 rows are censored"),
    (pd.DataFrame({"duration": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 1], "x": [1.0] * 4}),
     r"covariate\(s\) \['x'\] are constant"),
    (pd.DataFrame({"duration": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 1], "x": [1.0, 2.0, 3.0, 5.0],
                   "y": [2.0, 4.0, 6.0, 10.0]}), r"perfectly collinear"),
])
def test_cox_bad_input_is_a_clear_error(frame, match):
    covs = [c for c in frame.columns if c not in ("duration", "event")]
    with pytest.raises(ValidationError, match=match):
        survival.cox(frame, covs)


def test_time_dependent_auc_and_brier_extremes():
    rng = np.random.default_rng(0)
    d = rng.exponential(10, 2000)
    e = np.ones(2000)
    assert survival.time_dependent_auc(-d, d, e, 10.0, d, e) == pytest.approx(1.0)  # perfect risk ranking
    assert survival.time_dependent_auc(rng.random(2000), d, e, 10.0, d, e) == pytest.approx(0.5, abs=0.05)
    perfect = (d > 10.0).astype(float)
    assert survival.brier_score(perfect, d, e, 10.0, d, e) == pytest.approx(0.0)


def test_targeting_profit_hand_case():
    p = np.array([0.9, 0.5, 0.1])
    clv = np.array([100.0, 100.0, 100.0])
    curve, best = targeting.targeting_profit(p, clv, offer_cost=10, acceptance_rate=0.5, contact_cost=1,
                                            depths=[0, 1 / 3, 2 / 3, 1])
    # per customer: p*0.5*(100-10) - (1-p)*10 - 1 -> 38.5, 16.5, -5.5
    assert curve["expected_profit"].tolist() == pytest.approx([0.0, 38.5, 55.0, 49.5])
    assert best["best_customers"] == 2 and best["best_profit"] == pytest.approx(55.0)
    assert best["mass_profit"] == pytest.approx(49.5)
    with pytest.raises(ValidationError, match="calibrated probabilities"):
        targeting.targeting_profit(np.array([1.2]), np.array([1.0]), 1, 0.5)


def test_lift_and_calibration_tables():
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    s = np.linspace(1, 0, 10)
    lift = targeting.lift_table(s, y, bins=2)
    assert lift["churners"].tolist() == [3, 0] and lift["gain"].iloc[-1] == 1.0
    assert lift["lift"].iloc[0] == pytest.approx(2.0)
    cal = targeting.calibration_table(s, y, bins=5)
    assert cal["customers"].sum() == 10


def test_aft_honours_left_truncation_as_lifelines_does():
    """Left-truncated spells enter the AFT likelihood with delayed entry: the same fit as lifelines'
    WeibullAFTFitter(entry_col=...), and a different one from ignoring the entry."""
    from lifelines import WeibullAFTFitter

    bank = data.simulate_bank(n_customers=4_000, seed=5)
    frame = survival.survival_frame(bank.contracts, bank.truth["end"], observed_from=bank.truth["start"],
                                    keep=["fee_increase", "n_products"])
    assert (frame["entry"] > 0).mean() > 0.3
    ours = survival.aft(frame, ["fee_increase", "n_products"]).summary
    ref = WeibullAFTFitter().fit(frame[["duration", "event", "entry", "n_products"]].assign(
        fee_increase=frame["fee_increase"].astype(float)), "duration", "event", entry_col="entry")
    coef = ref.summary.xs("lambda_", level=0)["coef"]
    np.testing.assert_allclose(ours.loc[["fee_increase", "n_products"], "estimate"],
                               coef[["fee_increase", "n_products"]], rtol=1e-6)
    naive = survival.aft(frame, ["fee_increase", "n_products"], entry=False).summary
    assert abs(naive.loc["n_products", "estimate"] - ours.loc["n_products", "estimate"]) > 1e-3


def _exponential_customers(n: int, seed: int) -> pd.DataFrame:
    """Constant monthly hazards 0.02 (g = 0) and 0.06 (g = 1), censored at 36 months."""
    rng = np.random.default_rng(seed)
    g = rng.random(n) < 0.5
    t = rng.exponential(1 / np.where(g, 0.06, 0.02))
    return pd.DataFrame({"g": g, "duration": np.minimum(t, 36.0), "event": (t <= 36).astype(int)})


def test_survival_clv_intervals_cover_the_true_value_of_exponential_customers():
    train, new = _exponential_customers(2_000, 1), _exponential_customers(200, 2)
    new = new.assign(duration=6.0, event=0)  # customers six months in, valued 24 months ahead
    cox = survival.cox(train, ["g"])
    out = survival.survival_clv_intervals(cox, train, new, margin=10.0, discount_rate=0.01, horizon=24, n_boot=20)
    point = survival.survival_clv(cox, new, margin=10.0, discount_rate=0.01, horizon=24)
    np.testing.assert_allclose(out["clv"], point["clv"], rtol=1e-12)
    k = np.arange(1, 25)
    truth = {g: float(10 * (np.exp(-lam * k) * 1.01 ** -k).sum()) for g, lam in ((False, 0.02), (True, 0.06))}
    for g, value in truth.items():
        row = out[new["g"] == g].iloc[0]
        assert row["clv_ci_lower"] <= value <= row["clv_ci_upper"], (g, value, row.to_dict())
    assert out.attrs["failed_resamples"] == 0
    again = survival.survival_clv_intervals(cox, train, new, margin=10.0, discount_rate=0.01, horizon=24, n_boot=20)
    pd.testing.assert_frame_equal(out, again)  # seeded


def test_survival_clv_refits_skip_diagnostics_but_predict_as_full_fits():
    """The bootstrap's Cox refits skip the PH test and the concordance: the same coefficients and
    survival curves to the bit as a full fit, and the full fit still has its diagnostics."""
    train = _exponential_customers(800, 5)
    full = survival.CoxPH(covariates=["g"]).fit(train)
    quick = survival.CoxPH(covariates=["g"])
    quick._predict_only = True
    quick = quick.fit(train)
    pd.testing.assert_series_equal(quick.params_, full.params_, check_exact=True)
    new = _exponential_customers(50, 6).assign(duration=6.0, event=0)
    pd.testing.assert_frame_equal(survival.survival_clv(quick, new, 10.0, 0.01, 24),
                                  survival.survival_clv(full, new, 10.0, 0.01, 24), check_exact=True)
    assert not hasattr(quick, "ph_test_") and len(full.ph_test_) == 1 and 0.5 < full.concordance_ < 1


def test_calibration_at_t_separates_a_right_model_from_a_wrong_one():
    train, test = _exponential_customers(3_000, 3), _exponential_customers(3_000, 4)
    right = survival.calibration_at(survival.cox(train, ["g"]), test, 12, bins=5)
    assert right.attrs["ici"] < 0.03 and right["customers"].sum() == len(test)
    wrong_frame = test.assign(g=~test["g"])  # the model sees the opposite group
    wrong = survival.calibration_at(survival.cox(train, ["g"]), wrong_frame, 12, bins=5)
    assert wrong.attrs["ici"] > 3 * right.attrs["ici"]
