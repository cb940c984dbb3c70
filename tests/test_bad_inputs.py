"""Bad inputs, over every public entry point: each gives a CRMResearchError naming the function, the column
or argument, the problem and the count of rows, or (where the input is valid) the right answer. Every
case here once gave a raw pandas/numpy/scikit-learn error, a hang or a silently wrong number (two
sweeps: the module-by-module cases, then a sweep of every public entry point)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data, experiments, satisfaction, schemas, segmentation, service, survival, targeting
from crmresearch.errors import CRMResearchError, DataWarning, ParameterError, ValidationError
from crmresearch.service import forecast
from crmresearch.targeting import prospects


# ------------------------------------------------------------- module by module
def _tx(**cols):
    base = {"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-02-01", "2024-03-01"], "amount": [10.0, 5.0, 2.0]}
    return pd.DataFrame(base | cols)


# ----------------------------------------------------------------------------- segmentation
@pytest.mark.parametrize("amount, match", [
    (["10", "1020", "5"], r"customer_totals: column 'amount': 3 of 3 rows are not numbers"),
    ([10.0, 5.0, np.nan], r"column 'amount': 1 of 3 rows are missing"),
    ([10.0, -5.0, 1.0], r"column 'amount': 1 of 3 rows are below 0 \(negative\)"),
    ([10.0, np.inf, 1.0], r"column 'amount': 1 of 3 rows are infinite"),
])
def test_customer_totals_refuses_bad_amounts(amount, match):
    with pytest.raises(ValidationError, match=match):
        segmentation.customer_totals(_tx(amount=amount))


def test_rfm_refuses_infinite_amounts_instead_of_monetary_inf():
    with pytest.raises(ValidationError, match=r"rfm: column 'amount': 1 of 3 rows are infinite"):
        segmentation.rfm(_tx(amount=[1.0, np.inf, 2.0]))


def test_duplicated_rows_are_reported_dropped_or_refused():
    tx = _tx(date=["2024-01-01", "2024-01-01", "2024-03-01"], amount=[1.0, 1.0, 2.0])
    with pytest.warns(DataWarning, match=r"rfm: 1 of 3 rows repeat an earlier row"):
        kept = segmentation.rfm(tx)
    assert kept["frequency"].tolist() == [2, 1]
    assert kept.attrs["row_account"][0]["step"].startswith("1 fully duplicated rows kept")
    dropped = segmentation.rfm(tx, duplicates="drop")
    assert dropped["frequency"].tolist() == [1, 1] and dropped.attrs["row_account"][0]["dropped"] == 1
    with pytest.raises(ValidationError, match="1 of 3 rows repeat"):
        segmentation.customer_totals(tx, duplicates="error")
    with pytest.warns(DataWarning):
        assert segmentation.customer_totals(tx)["revenue"].tolist() == [2.0, 2.0]


def test_time_zone_mismatch_is_a_clear_error_and_aware_dates_work():
    tx = _tx(date=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]).tz_localize("UTC"))
    with pytest.raises(ValidationError, match=r"column 'date' has time zone UTC but as_of"):
        segmentation.rfm(tx, as_of="2024-06-01")
    out = segmentation.rfm(tx, as_of="2024-06-01 00:00+00:00")
    assert out.loc[2, "recency_days"] == 92
    mixed = _tx(date=[pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-02-01", tz="Asia/Shanghai"),
                      pd.Timestamp("2024-03-01", tz="UTC")])
    with pytest.raises(ValidationError, match="column 'date'"):
        segmentation.rfm(mixed)


def test_ambiguous_text_dates_need_a_format_unambiguous_ones_are_inferred_and_said():
    with pytest.raises(ValidationError, match=r"2 of 3 rows are ambiguous dates \('03/02/2024' is day 3 or month 3"):
        segmentation.rfm(_tx(date=["03/02/2024", "04/05/2024", "04/04/2024"]))
    with pytest.warns(DataWarning, match="read day-first"):
        out = segmentation.rfm(_tx(date=["13/02/2024", "04/05/2024", "04/04/2024"]))
    assert str(out.loc[1, "last_purchase"].date()) == "2024-05-04"
    explicit = segmentation.rfm(_tx(date=["03/02/2024", "04/05/2024", "04/04/2024"]), date_format="%m/%d/%Y")
    assert str(explicit.loc[1, "last_purchase"].date()) == "2024-04-05"
    with pytest.raises(ValidationError, match="day-first while others are month-first"):
        segmentation.rfm(_tx(date=["13/02/2024", "02/13/2024", "01/01/2024"]))


# ----------------------------------------------------------------------------- survival
@pytest.fixture
def spells():
    rng = np.random.default_rng(3)
    n = 300
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    end = start + pd.to_timedelta(rng.exponential(500, n).astype(int) + 1, unit="D")
    end = end.where(end < pd.Timestamp("2023-01-01"))
    return pd.DataFrame({"customer_id": range(n), "start": start, "end": end,
                         "region": pd.array(rng.choice(["urban", "rural"], n), dtype="string"),
                         "n_products": rng.integers(1, 5, n)})


def test_cox_on_a_survival_frame_as_the_readme_shows(spells):
    frame = survival.survival_frame(spells, as_of="2023-01-01", keep=["region", "n_products"])
    fit = survival.cox(frame, ["region", "n_products"])  # was: "truth value of a DataFrame is ambiguous"
    assert list(fit.summary.index) == ["region_urban", "n_products"]
    assert pd.concat([frame, frame]).shape[0] == 2 * len(frame)


def test_string_covariates_are_categories_and_other_dtypes_a_clear_error(spells):
    frame = survival.survival_frame(spells, as_of="2023-01-01", keep=["n_products"])
    frame["region"] = spells["region"].astype("string").to_numpy()
    frame["region"] = frame["region"].astype("string")
    assert "region_urban" in survival.cox(frame, ["region"]).summary.index
    frame["when"] = pd.Timestamp("2024-01-01")
    with pytest.raises(ValidationError, match=r"cox: covariate 'when' has dtype datetime64"):
        survival.cox(frame, ["when"])


def test_ph_remedy_never_suggests_stratifying_a_continuous_covariate():
    from crmresearch.survival.models import _ph_remedy

    X = pd.DataFrame({"monthly_charges": np.linspace(20, 120, 50), "contract_One year": [0.0, 1.0] * 25})
    cont = _ph_remedy("monthly_charges", ["monthly_charges", "contract"], X)
    assert "continuous" in cont and "interaction" in cont and "do not stratify on its raw values" in cont
    cat = _ph_remedy("contract_One year", ["monthly_charges", "contract"], X)
    assert "stratify on 'contract'" in cat


def test_logrank_honours_left_truncation_and_equals_lifelines_without_it():
    from lifelines.statistics import multivariate_logrank_test

    rng = np.random.default_rng(1)
    n = 400
    f = pd.DataFrame({"duration": rng.exponential(10, n) + 0.1, "event": (rng.random(n) < 0.7).astype(int),
                      "g": rng.choice(list("abc"), n), "entry": 0.0})
    ours = survival.logrank(f, "g").iloc[0]
    ref = multivariate_logrank_test(f["duration"], f["g"], f["event"])
    assert ours["test_statistic"] == pytest.approx(ref.test_statistic, rel=1e-10)
    assert ours["p_value"] == pytest.approx(ref.p_value, rel=1e-8)
    # entries before the first event time change no risk set; later entries do
    early = f.assign(entry=0.5 * f["duration"].min())
    assert survival.logrank(early, "g").iloc[0]["test_statistic"] == pytest.approx(ref.test_statistic, rel=1e-10)
    late = f.assign(entry=np.minimum(rng.exponential(3, n), 0.9 * f["duration"]))
    assert survival.logrank(late, "g").iloc[0]["test_statistic"] != pytest.approx(ref.test_statistic, rel=1e-3)
    assert survival.logrank(late, "g", entry=False).iloc[0]["test_statistic"] == pytest.approx(ref.test_statistic)


def test_logrank_hand_case_with_delayed_entry():
    # A: events at 2 and 4; B: event at 3, B2 enters at 2.5 and is censored at 5
    f = pd.DataFrame({"duration": [2.0, 4.0, 3.0, 5.0], "event": [1, 1, 1, 0], "g": ["A", "A", "B", "B"],
                      "entry": [0.0, 0.0, 0.0, 2.5]})
    # t=2: at risk A2 B1 (B2 not yet entered): E_A = 2/3; t=3: A1 B2: E_A = 1/3; t=4: A1 B1: E_A = 1/2
    o_minus_e = 2 - (2 / 3 + 1 / 3 + 1 / 2)
    var = (2 / 3) * (1 / 3) + (1 / 3) * (2 / 3) + (1 / 2) * (1 / 2)
    res = survival.logrank(f, "g").iloc[0]
    assert res["test_statistic"] == pytest.approx(o_minus_e**2 / var, rel=1e-12)


def test_start_stop_cause_specific_cox_and_competing_metrics_refuse_bad_rows_with_counts():
    rows = pd.DataFrame({"id": [1, 1, 2, 3, 3, 4], "start": [0.0, 2, 0, 0, 3, 0], "stop": [2.0, 5, 4, 3, 6, 7],
                         "event": [0, 1, 2, 0, 1, 0], "x": [0, 1, 0, 0, 1, 1]})
    fit = survival.CauseSpecificCox(["x"], id_col="id")
    with pytest.raises(ValidationError, match=r"cause_specific_cox: column 'stop': 1 of 6 rows have stop <= start"):
        fit.fit(rows.assign(stop=[2.0, 5, 4, 3, 6, -1]))
    with pytest.raises(ValidationError, match=r"column 'start': 1 of 6 rows start before the previous interval"):
        fit.fit(rows.assign(start=[0.0, 1, 0, 0, 3, 0]))
    with pytest.raises(ValidationError, match=r"column 'event': 1 of 6 rows are intervals of a 'id' after its exit"):
        fit.fit(rows.assign(event=[2, 1, 2, 0, 1, 0]))
    with pytest.raises(ValidationError, match=r"column 'event': 1 of 6 rows hold unknown codes.*first: \[9\]"):
        survival.CauseSpecificCox(["x"], id_col="id", causes=[1, 2]).fit(rows.assign(event=[0, 1, 9, 0, 1, 0]))
    with pytest.raises(ValidationError, match=r"column 'start': 1 of 6 rows are missing or not finite"):
        fit.fit(rows.assign(start=[0.0, np.nan, 0, 0, 3, 0]))
    d, e = np.array([2.0, 3, 4, 6]), np.array([1, 2, 1, 0])
    with pytest.raises(ValidationError, match=r"cause_specific_auc: event: no customer left for cause 3"):
        survival.cause_specific_auc(np.ones(4), d, e, [5.0], cause=3)
    with pytest.raises(ValidationError, match=r"event must hold cause codes .*; 1 of 4 customers do not"):
        survival.cause_specific_brier_score(np.ones(4), d, np.array([1, 2.5, 1, 0]), 5.0)
    with pytest.raises(ValidationError, match=r"competing_concordance: risk is missing \(NaN\) for 1 of 4"):
        survival.competing_concordance(np.array([0.1, np.nan, 0.3, 0.2]), d, e)
    with pytest.raises(ValidationError, match=r"cif_pseudo_values: duration must be finite and >= 0; 1 of 4"):
        survival.cif_pseudo_values(np.array([2.0, -3, 4, 6]), e, 5.0)
    with pytest.raises(ValidationError, match=r"cause_specific_calibration: cif_at_t is missing \(NaN\) for 1 of 4"):
        survival.cause_specific_calibration(np.array([0.1, np.nan, 0.3, 0.2]), d, e, 5.0)


# ----------------------------------------------------------------------------- clv
def test_bgnbd_refuses_data_that_cannot_identify_it_and_warns_on_edges():
    rng = np.random.default_rng(0)
    n = 300
    T = rng.uniform(20, 40, n)
    with pytest.raises(ValidationError, match="none of the 300 customers made a repeat purchase"):
        clv.BetaGeoNBD().fit(np.zeros(n), np.zeros(n), T)
    with pytest.raises(ValidationError, match="1 customers; the model has 4 parameters"):
        clv.BetaGeoNBD().fit([3], [2.0], [5.0])
    x = rng.poisson(2, n) * 20
    tx = np.where(x > 0, rng.uniform(0, 1, n) * T, 0)
    with pytest.warns(DataWarning, match=r"frequency > T"):  # ages declared in days: more purchase days than days
        clv.BetaGeoNBD(time_unit="D").fit(x, tx, T)


def test_parameter_intervals_are_on_the_log_scale_and_positive(cdnow_summary):
    m = clv.BetaGeoNBD().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    s = m.summary
    assert list(s.columns) == ["estimate", "std_error", "ci_lower", "ci_upper", "z", "p_value"]
    assert (s["ci_lower"] > 0).all()
    # log-scale interval: the estimate is the geometric mean of the bounds
    np.testing.assert_allclose(np.sqrt(s["ci_lower"] * s["ci_upper"]), s["estimate"], rtol=1e-12)
    tiny = clv.ShiftedBetaGeometric().fit(survivors=[20, 12, 9, 8])
    assert (tiny.summary["ci_lower"] > 0).all()


# ----------------------------------------------------------------------------- satisfaction
@pytest.fixture(scope="module")
def survey():
    return data.simulate_bank(n_customers=3_000, seed=0, n_survey=300).survey


def test_plspm_refuses_too_few_empty_out_of_scale_and_isolated(survey):
    spec = satisfaction.load_model("ECSI")
    for frame, n in ((survey.iloc[:3], 3), (survey.iloc[:0], 0)):
        with pytest.raises(ValidationError, match=rf"PLSPM.fit: {n} respondents; this model needs at least 10"):
            spec.model(survey.columns).fit(frame)
    with pytest.raises(ValidationError, match=r"answers outside the scale 1..5 per item \{'imag1': "):
        spec.model(survey.columns, scale=(1, 5)).fit(survey)
    blocks = {"SAT": ["sat1", "sat2"], "QUAL": ["qual1", "qual2"], "LOY": ["loy1", "loy2"]}
    with pytest.raises(ValidationError, match=r"construct\(s\) \['LOY'\] take part in no path"):
        satisfaction.PLSPM({"SAT": ["QUAL"]}, blocks).fit(survey)
    with pytest.raises(ValidationError, match="expected a pandas DataFrame"):
        spec.model(survey.columns).fit(survey.to_numpy())


def test_single_item_construct_has_weight_and_loading_one_and_modes_override(survey):
    one = survey.drop(columns=["comp2"])
    m = satisfaction.load_model("ECSI").model(one.columns, scheme="path").fit(one)
    assert m.outer_.loc["comp1", ["weight", "loading"]].tolist() == pytest.approx([1.0, 1.0])
    b = satisfaction.load_model("ECSI").model(survey.columns, modes={"VAL": "B"})
    assert b.modes["VAL"] == "B"


def test_scale_that_does_not_match_the_answers_is_an_error_not_zeros(survey):
    five = survey.assign(**{c: np.clip(np.ceil(survey[c] / 2), 1, 5) for c in ("sat1", "sat2", "sat3")})
    with pytest.raises(ValidationError, match=r"lower half of the declared scale 1..10"):
        satisfaction.top_box(five, ["sat1", "sat2", "sat3"], top=2, scale=(1, 10))
    with pytest.raises(ValidationError, match=r"answers outside the scale 1..5"):
        satisfaction.top_box(survey, ["sat1"], top=2, scale=(1, 5))
    m = satisfaction.load_model("ECSI").model(survey.columns).fit(survey)
    with pytest.raises(ValidationError, match=r"outside the scale 1..5"):
        m.ipma("SAT", scale=(1, 5))
    with pytest.raises(ValidationError, match=r"lower half of the declared scale 1..20"):
        m.index_scores((1, 20))


def test_model_files_without_paths_with_cycles_or_unknown_targets_are_refused(tmp_path):
    cases = {"paths: {}\nblocks: {SAT: sat}\n": "'paths' must map",
             "blocks: {SAT: sat}\n": r"lacks the key\(s\) \['paths'\]",
             "paths: {SAT: [LOY], LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n": "cycle",
             "paths: {SAT: [QUAL]}\nblocks: {SAT: sat, QUAL: qual}\ntarget: LOY\n": "target 'LOY' is not a construct",
             "paths: {SAT: [QUAL]}\nblocks: {SAT: sat, QUAL: qual}\nmodes: {SAT: C}\n": "modes must be 'A' or 'B'",
             "paths: {SAT: [QUAL]}\nblocks: {SAT: [], QUAL: qual}\n": "block 'SAT' must be"}
    for i, (text, match) in enumerate(cases.items()):
        p = tmp_path / f"m{i}.yaml"
        p.write_text(text)
        with pytest.raises(ValidationError, match=match):
            satisfaction.load_model(p)


# ----------------------------------------------------------------------------- service
@pytest.mark.parametrize("kwargs, match", [
    ({"max_occupancy": 0}, r"max_occupancy must be in \(0, 1\]"),
    ({"arrival_rate": float("nan")}, "arrival_rate .* must be finite"),
    ({"arrival_rate": float("inf")}, "arrival_rate .* must be finite"),
    ({"arrival_rate": -1}, "arrival_rate .* must be >= 0"),
    ({"answer_within": -5}, r"answer_within \(seconds\) must be >= 0"),
    ({"aht": 0}, r"aht .* must be > 0"),
    ({"target": 1.0}, r"target must be in \(0, 1\)"),
    ({"shrinkage": float("nan")}, "shrinkage must be finite"),
])
def test_agents_needed_refuses_bad_inputs_and_never_hangs(kwargs, match):
    args = {"arrival_rate": 200.0, "aht": 180.0} | kwargs
    with pytest.raises(ValidationError, match=match):
        service.agents_needed(**args)


def test_occupancy_cap_is_met_exactly_without_a_search_from_below():
    s = service.agents_needed(200, 180, max_occupancy=0.5)  # 10 Erlangs: at least 20 agents
    assert s.agents == 20 and s.occupancy == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="agents must be a whole number"):
        service.erlang_c(200, 180, 14.5)
    with pytest.raises(ValidationError, match="agents must be finite"):
        service.service_level(200, 180, float("nan"))


# ----------------------------------------------------------------------------- experiments, data
@pytest.mark.parametrize("successes, totals, match", [
    ((0, 0), (0, 10), "totals must be > 0"),
    ((1, 2, 3), (10, 10, 10), "exactly two arms"),
    ((1.5, 2), (10, 10), "successes must be whole counts"),
    ((11, 2), (10, 10), "0 <= successes <= totals"),
    (("a", 2), (10, 10), "must be numbers"),
])
def test_two_proportions_refuses_bad_counts(successes, totals, match):
    with pytest.raises(ValidationError, match=match):
        experiments.two_proportions(successes, totals)


def test_qini_is_normalised_by_the_perfect_ranking():
    rng = np.random.default_rng(0)
    n = 4000
    t = rng.random(n) < 0.5
    effect = rng.choice([0.0, 0.3], n)
    y = (rng.random(n) < 0.2 + effect * t).astype(int)
    perfect = y * t - y * ~t
    _, c_perfect = experiments.qini(perfect, t, y)
    _, c_true = experiments.qini(effect, t, y)
    _, c_random = experiments.qini(rng.random(n), t, y)
    assert c_perfect == pytest.approx(1.0)
    assert 0.1 < c_true < 1 and abs(c_random) < 0.1
    with pytest.raises(ValidationError, match="y must be 0/1"):
        experiments.qini(effect, t, y * 2)


@pytest.mark.parametrize("n", ["500", float("nan"), 2.5, None, True])
def test_simulate_bank_refuses_non_integer_sizes(n):
    with pytest.raises(ParameterError, match="n_customers must be a whole number"):
        data.simulate_bank(n_customers=n)


def test_campaign_truth_is_per_customer():
    bank = data.simulate_bank(n_customers=3_000, seed=0)
    per = bank.truth["campaign"]["churn_change_by_customer"]
    assert per.index.equals(pd.Index(bank.campaign["customer_id"]))
    seg = bank.campaign.assign(e=per.to_numpy()).groupby("segment", observed=True)["e"].mean()
    for name, value in bank.truth["campaign"]["churn_ate"].items():
        assert seg[name] == pytest.approx(value, rel=1e-12)
    assert per.groupby(bank.campaign["segment"].to_numpy()).std().min() > 0  # varies within a segment


def test_every_error_above_is_a_crmresearch_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in (lambda: segmentation.customer_totals(_tx(amount=["1", "2", "3"])),
                     lambda: service.agents_needed(float("nan"), 100),
                     lambda: experiments.two_proportions((1, 2), (0, 3))):
            with pytest.raises(CRMResearchError):
                call()


def test_compare_arms_refuses_a_scale_the_answers_do_not_use():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"arm": np.repeat(["control", "treatment"], 40), "period": np.tile(["pre", "post"], 40),
                       "sat1": rng.integers(1, 6, 80)})  # a 1-5 survey
    with pytest.raises(ValidationError, match=r"compare_arms: every answer of the 1 item\(s\) is at most 5"):
        satisfaction.compare_arms(df, arm="arm", period="period", items=["sat1"], scale=(1, 10))



def test_date_parameters_and_columns_that_are_not_dates():
    accounts = pd.DataFrame({"account_id": [1], "issued": pd.to_datetime(["2024-01-01"])})
    tx = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-05"]), "amount": [10.0]})
    with pytest.raises(ValidationError, match="activity_status: as_of 'notadate' is not a date"):
        clv.activity_status(accounts, tx, "notadate")
    with pytest.raises(ValidationError, match="value_growth: split 'x' is not a date"):
        segmentation.value_growth(tx, "x")
    with pytest.raises(ValidationError, match=r"arrival_profile: column 'datetime': 1 of 1 rows cannot be read"):
        service.arrival_profile(pd.DataFrame({"datetime": ["x"], "calls": [1]}))
    with pytest.raises(ValidationError, match=r"activity_status: column 'issued': 1 of 1 rows are missing"):
        clv.activity_status(accounts.assign(issued=[None]), tx, "2024-06-01")


def test_tables_without_the_columns_or_rows_a_function_needs():
    with pytest.raises(ValidationError, match=r"accuracy: the backtest table lacks column\(s\) \['actual'"):
        forecast.accuracy(pd.DataFrame())
    empty = pd.DataFrame(columns=["method", "origin", "date", "actual", "forecast", "k"])
    with pytest.raises(ValidationError, match="staffing_backtest: the backtest table has no rows"):
        forecast.staffing_backtest(empty, aht=200)
    with pytest.raises(ValidationError, match="revenue_per_customer: the status table lacks"):
        clv.revenue_per_customer(pd.DataFrame(), pd.Series(dtype=float))
    with pytest.raises(ValidationError, match="busy_hour: the calls table has no rows"):
        service.busy_hour(pd.DataFrame({"datetime": pd.to_datetime([]), "calls": []}))
    with pytest.raises(ValidationError, match=r"contact_kpis: missing column\(s\) \['ivr_contained'"):
        service.contact_kpis(pd.DataFrame({"calls": [1]}))
    with pytest.raises(ValidationError, match=r"fit_cohorts: the periods table has no customers \(0 rows\)"):
        clv.fit_cohorts(pd.DataFrame(columns=["cohort", "periods", "churned"]))
    with pytest.raises(ValidationError, match=r"NextProductModel.fit: the table lacks column\(s\)"):
        prospects.NextProductModel().fit(pd.DataFrame())


def test_values_of_the_wrong_kind():
    with pytest.raises(ValidationError, match="compare_means: column 'v' must be numeric; 2 of 2 rows"):
        experiments.compare_means(pd.DataFrame({"a": [True, False], "v": ["x", "y"]}), "a", "v")
    with pytest.raises(ValidationError, match=r"service_levels: agents has shape \(2,\) but arrival_rate has \(3,\)"):
        service.service_levels(np.ones(3), 300, np.ones(2))
    with pytest.raises(ValidationError, match=r"simulate_bgnbd: parameters must be finite and > 0; got \{'r': -1\}"):
        clv.simulate_bgnbd(10, -1, 1, 1, 1, T=10)


def test_the_classifier_refuses_labels_it_would_have_truncated_and_too_few_rows_per_fold():
    X = pd.DataFrame({"x": np.arange(30.0)})
    with pytest.raises(ValidationError, match="y must be 0/1 or boolean; 30 of 30 labels are not"):
        targeting.CalibratedClassifier().fit(X, np.full(30, 0.7))   # astype(int) used to make every label 0
    with pytest.raises(ValidationError, match="y must be 0/1 or boolean; 30 of 30"):
        targeting.CalibratedClassifier().fit(X, np.array(["a", "b"] * 15))
    with pytest.raises(ValidationError, match="2 zeros and 1 ones; each class needs at least cv = 5 rows"):
        targeting.CalibratedClassifier(cv=5).fit(X.head(3), np.array([0, 1, 0]))
    fitted = targeting.CalibratedClassifier(cv=3).fit(X, np.array([0, 1] * 15))
    with pytest.raises(ValidationError, match=r"X lacks the feature column\(s\) \['x'\]"):
        fitted.predict_proba(pd.DataFrame({"y": [1.0]}))
    assert fitted.predict_proba(pd.DataFrame({"x": [3.0], "extra": ["ignored"]})).between(0, 1).all()


def test_as_date_refuses_missing_values():
    with pytest.raises(schemas.DateParseError, match="snapshot None is not a date"):
        schemas.as_date(None, "snapshot", "churn_snapshot")
