"""Competing risks on the bone-marrow transplant data of Klein & Moeschberger (``KMsurv::bmt``: 137 patients,
relapse 42 and death in remission 41, in days with tied exit times) against R, the field's reference: the
cumulative incidence and Gray's test (``cmprsk::cuminc``), Fine-Gray (``cmprsk::crr``), the cause-specific Cox
models with fixed covariates and with time-varying ones in (start, stop] rows (``survival::coxph(Surv(start, stop,
event == k) ~ ..., id = ...)``: platelet recovery and acute graft-versus-host disease, the book's example), and the
cause-specific metrics on the same Fine-Gray predictions (``riskRegression::Score(..., cause = 1)`` for the AUC and
the Brier score, ``pec::cindex(..., cause = 1)`` for the concordance) and the Aalen-Johansen pseudo-values of the
calibration (``prodlim::jackknife(..., cause = k)``). One R process for the module
(``tests/rpeer.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import data, survival
from crmresearch.errors import ValidationError

GRID = [50.0, 100, 200, 365, 500, 730, 1000, 1500]
COVS = ["group", "age", "fab", "mtx"]
TV_COVS = ["platelets", "acute_gvhd", "age", "fab"]
TAU = 1000.0


@pytest.fixture(scope="module")
def bmt() -> pd.DataFrame:
    return data.load_bmt()


@pytest.fixture(scope="module")
def rows(bmt) -> pd.DataFrame:
    """Counting-process rows: platelet recovery and acute GVHD switch on at their day (survival.panel), the exit's
    cause on the last interval."""
    subjects = bmt[["patient_id", "duration", "event", "age", "fab"]].rename(columns={"event": "code"})
    changes = pd.concat([
        pd.DataFrame({"patient_id": bmt["patient_id"], "time": bmt["platelet_days"], "platelets": 1})
        [bmt["platelets_recovered"] == 1],
        pd.DataFrame({"patient_id": bmt["patient_id"], "time": bmt["acute_gvhd_days"], "acute_gvhd": 1})
        [bmt["acute_gvhd"] == 1]])
    p = survival.panel(subjects.assign(event=subjects["code"] > 0), changes, id_col="patient_id",
                       initial={"platelets": 0, "acute_gvhd": 0})
    return p.assign(event=np.where(p["event"], p["code"], 0)).drop(columns="code")


@pytest.fixture(scope="module")
def fg(bmt) -> survival.FineGray:
    return survival.FineGray(COVS, cause_of_interest=1).fit(bmt)


@pytest.fixture(scope="module")
def cif(bmt, fg) -> np.ndarray:
    """Each patient's predicted incidence of relapse on the grid (patients x times)."""
    return fg.predict_cumulative_incidence(bmt, times=GRID).to_numpy().T


@pytest.fixture(scope="module")
def r_ref(bmt, rows, fg, cif) -> dict:
    X = survival.design_matrix(bmt, COVS, "test")
    d = pd.concat([bmt[["duration", "event", "group"]], X.set_axis([f"x{k}" for k in range(X.shape[1])], axis=1)],
                  axis=1)
    risk = pd.DataFrame(cif, columns=[f"t{int(t)}" for t in GRID])
    tv = rows[["patient_id", "start", "stop", "event", *TV_COVS]]
    at_tau = pd.DataFrame({"r": cif[:, GRID.index(TAU)]})
    return run_r(f"""
        library(cmprsk); library(survival); library(riskRegression); library(pec)
        tp <- function(ci, times) {{ p <- timepoints(ci, times); list(rows = rownames(p$est),
            est = as.vector(t(p$est)), var = as.vector(t(p$var))) }}
        ci <- cuminc(d$duration, d$event, d$group)
        X <- as.matrix(d[, grep("^x", names(d))])
        f1 <- crr(d$duration, d$event, X, failcode = 1, gtol = 1e-12, maxiter = 50)
        f2 <- crr(d$duration, d$event, X, failcode = 2, gtol = 1e-12, maxiter = 50)
        cs <- lapply(1:2, function(k) coxph(Surv(d$duration, d$event == k) ~ X, ties = "efron",
                                            control = coxph.control(eps = 1e-12, iter.max = 50)))
        tvc <- lapply(1:2, function(k) coxph(Surv(start, stop, event == k) ~ platelets + acute_gvhd + age + fab,
                                             data = tv, id = patient_id, ties = "efron",
                                             control = coxph.control(eps = 1e-12, iter.max = 50)))
        sc <- Score(list(fg = as.matrix(risk)), formula = Hist(duration, event) ~ 1, data = d[, c("duration", "event")],
                    times = c({", ".join(map(str, GRID))}), cause = 1, metrics = c("auc", "brier"), cens.model = "km",
                    null.model = TRUE, conf.int = FALSE, se.fit = FALSE)
        a <- as.data.frame(sc$AUC$score); b <- as.data.frame(sc$Brier$score)
        dd <- d[, c("duration", "event")]
        cix <- pec::cindex(list(fg = as.matrix(at_tau$r)), formula = Hist(duration, event) ~ 1, data = dd,
                           eval.times = {TAU}, cause = 1, cens.model = "marginal", verbose = FALSE)
        cix0 <- pec::cindex(list(fg = as.matrix(at_tau$r)), formula = Hist(duration, event) ~ 1, data = dd,
                            eval.times = {TAU}, cause = 1, cens.model = "none", verbose = FALSE)
        pj <- prodlim::prodlim(Hist(duration, event) ~ 1, data = dd)
        jk <- lapply(c(1, 2), function(k) as.vector(prodlim::jackknife(pj, times = c(365, {TAU}), cause = k)))
        crr_out <- function(f) list(coef = unname(f$coef), se = unname(sqrt(diag(f$var))))
        cox_out <- function(f) list(coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))), loglik = f$loglik[2])
        out(list(ci = tp(ci, c({", ".join(map(str, GRID))})), gray = unname(ci$Tests[, "stat"]),
                 crr1 = crr_out(f1), crr2 = crr_out(f2), cs1 = cox_out(cs[[1]]), cs2 = cox_out(cs[[2]]),
                 tv1 = cox_out(tvc[[1]]), tv2 = cox_out(tvc[[2]]),
                 auc_model = as.character(a$model), auc = a$AUC, brier_model = as.character(b$model), brier = b$Brier,
                 cindex = unname(cix$AppCindex$fg), cindex_none = unname(cix0$AppCindex$fg),
                 jackknife1 = jk[[1]], jackknife2 = jk[[2]]))
    """, {"d": d, "risk": risk, "tv": tv, "at_tau": at_tau},
        packages=("cmprsk", "survival", "riskRegression", "pec"))


def _r(r_ref: dict, metric: str, model: str) -> np.ndarray:
    values = pd.to_numeric(pd.Series(r_ref[metric]), errors="coerce").to_numpy()
    return values[np.asarray(r_ref[f"{metric}_model"]) == model]


def test_bmt_cumulative_incidence_and_gray_test_equal_cmprsk(bmt, r_ref):
    """Relapse and death in remission by disease group, 8 times from 50 days to 4 years, and Gray's test."""
    fit = survival.cuminc(bmt, group="group", horizons=GRID)
    a = fit.at_horizons_.assign(key=lambda x: x["group"] + " " + x["cause"].astype(str))
    ours = np.vstack([a.loc[a["key"] == row].sort_values("horizon")[["cif", "std_error"]].to_numpy()
                      for row in r_ref["ci"]["rows"]])
    est = pd.to_numeric(pd.Series(r_ref["ci"]["est"]), errors="coerce").to_numpy()
    var = pd.to_numeric(pd.Series(r_ref["ci"]["var"]), errors="coerce").to_numpy()
    np.testing.assert_array_equal(np.isnan(ours[:, 0]), np.isnan(est))
    np.testing.assert_allclose(ours[:, 0], est, atol=1e-9, rtol=0)
    np.testing.assert_allclose(ours[:, 1] ** 2, var, atol=1e-10, rtol=1e-8)
    np.testing.assert_allclose(fit.gray_test_["statistic"], r_ref["gray"], rtol=1e-8)


@pytest.mark.parametrize("cause", [1, 2])
def test_bmt_fine_gray_and_cause_specific_cox_equal_crr_and_coxph(bmt, r_ref, cause):
    """Both causes, a three-level group and tied days: coefficients and standard errors to 1e-6."""
    fg = survival.FineGray(COVS, cause_of_interest=cause).fit(bmt)
    np.testing.assert_allclose(fg.params_.to_numpy(), r_ref[f"crr{cause}"]["coef"], rtol=1e-6)
    np.testing.assert_allclose(fg.summary["std_error"].to_numpy(), r_ref[f"crr{cause}"]["se"], rtol=1e-6)
    # one row per patient as (0, duration] rows: the counting-process fit, run to 1e-9, equals coxph to 1e-6
    cp = survival.CauseSpecificCox(COVS, id_col="patient_id").fit(bmt.assign(start=0.0, stop=bmt["duration"]))
    one = cp.summary[cp.summary["cause"] == cause]
    np.testing.assert_allclose(one["estimate"].to_numpy(), r_ref[f"cs{cause}"]["coef"], rtol=1e-6)
    np.testing.assert_allclose(one["std_error"].to_numpy(), r_ref[f"cs{cause}"]["se"], rtol=1e-6)
    # the default fit (lifelines' CoxPHFitter) stops at its own tolerance: 4.3e-4 relative off coxph here
    cs = survival.CauseSpecificCox(COVS).fit(bmt).summary
    np.testing.assert_allclose(cs[cs["cause"] == cause]["estimate"].to_numpy(), r_ref[f"cs{cause}"]["coef"],
                               rtol=1e-3)


@pytest.mark.parametrize("cause", [1, 2])
def test_time_varying_cause_specific_cox_equals_coxph_start_stop(rows, r_ref, cause):
    """282 (start, stop] rows of 137 patients: platelet recovery and acute GVHD switch on during follow-up;
    coefficients, model-based standard errors and the partial log-likelihood equal coxph(Surv(start, stop,
    event == k) ~ ..., id = patient_id) with Efron ties to 1e-6."""
    fit = survival.CauseSpecificCox(TV_COVS, id_col="patient_id").fit(rows)
    s = fit.summary[fit.summary["cause"] == cause]
    r = r_ref[f"tv{cause}"]
    assert s["covariate"].tolist() == TV_COVS
    np.testing.assert_allclose(s["estimate"].to_numpy(), r["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(s["std_error"].to_numpy(), r["se"], rtol=1e-6)
    assert fit.models_[cause].log_likelihood_ == pytest.approx(r["loglik"], rel=1e-9)
    assert fit.n_obs_ == 137 and fit.n_events_ == {1: 42, 2: 41}
    assert isinstance(fit.models_[cause], survival.TimeVaryingCox)


def test_cause_specific_auc_equals_riskregression_score(bmt, cif, r_ref):
    """AUC of the predicted relapse incidence at 8 times = Score(cause = 1, metrics = "auc"): cases relapsed by t,
    controls everyone else whose status is known (still in remission, or died in remission by t)."""
    auc = survival.cause_specific_auc(cif, bmt["duration"], bmt["event"], GRID, cause=1)
    np.testing.assert_allclose(auc, _r(r_ref, "auc", "fg"), rtol=0, atol=1e-10)
    naive = survival.cumulative_dynamic_auc(cif, bmt["duration"], (bmt["event"] == 1).astype(int), GRID)[0]
    assert np.abs(naive - auc).max() > 1e-3  # censoring the deaths in remission gives another number


def test_cause_specific_brier_and_integrated_brier_equal_riskregression_score(bmt, cif, r_ref):
    """Brier score of the relapse incidence at 8 times = Score(cause = 1, metrics = "brier"), the null model
    (everyone predicted the Aalen-Johansen incidence) = Score's "Null model"; the integrated score = the trapezoid
    of Score's curve over the span."""
    d, e = bmt["duration"], bmt["event"]
    mine = [survival.cause_specific_brier_score(cif[:, k], d, e, t, cause=1) for k, t in enumerate(GRID)]
    np.testing.assert_allclose(mine, _r(r_ref, "brier", "fg"), rtol=0, atol=1e-10)
    aj = survival.cuminc(bmt, horizons=GRID).at_horizons_.query("cause == 1")["cif"].to_numpy()
    null = [survival.cause_specific_brier_score(np.full(len(bmt), aj[k]), d, e, t) for k, t in enumerate(GRID)]
    np.testing.assert_allclose(null, _r(r_ref, "brier", "Null model"), rtol=0, atol=1e-10)
    ibs = survival.cause_specific_integrated_brier_score(cif, d, e, GRID, cause=1)
    assert ibs == pytest.approx(np.trapezoid(_r(r_ref, "brier", "fg"), GRID) / (GRID[-1] - GRID[0]), abs=1e-10)


def test_competing_concordance_equals_pec_cindex(bmt, cif, r_ref):
    """Wolbers' concordance of the relapse incidence at 1000 days = pec::cindex(cause = 1) with the marginal
    (Kaplan-Meier) censoring weights and without weights (cens.model = "none")."""
    r = cif[:, GRID.index(TAU)]
    d, e = bmt["duration"], bmt["event"]
    assert survival.competing_concordance(r, d, e, cause=1, tau=TAU) == pytest.approx(r_ref["cindex"], abs=1e-10)
    assert survival.competing_concordance(r, d, e, cause=1, tau=TAU, ipcw=False) == pytest.approx(
        r_ref["cindex_none"], abs=1e-10)


# ------------------------------------------------------------------------------------------ bad input
def test_start_stop_rows_with_bad_intervals_are_refused_with_their_counts(rows):
    fit = survival.CauseSpecificCox(TV_COVS, id_col="patient_id")
    with pytest.raises(ValidationError, match=r"column 'stop': 2 of 282 rows have stop <= start"):
        fit.fit(rows.assign(stop=rows["stop"].where(rows.index >= 2, 0.0)))
    second = rows.index[rows["patient_id"].duplicated()][:3]
    overlap = rows.copy()
    overlap.loc[second, "start"] -= 0.5
    with pytest.raises(ValidationError, match=r"column 'start': 3 of 282 rows start before the previous interval of "
                                              r"the same 'patient_id' ends"):
        fit.fit(overlap)
    first = rows.index[rows["patient_id"].duplicated(keep="last")][:4]
    early = rows.copy()
    early.loc[first, "event"] = 1
    with pytest.raises(ValidationError, match=r"column 'event': 4 of 282 rows are intervals of a 'patient_id' after "
                                              r"its exit"):
        fit.fit(early)
    with pytest.raises(ValidationError, match=r"column 'event': 1 of 282 rows hold unknown codes.*first: \[7\]"):
        survival.CauseSpecificCox(TV_COVS, id_col="patient_id", causes=[1, 2]).fit(
            rows.assign(event=rows["event"].where(rows.index != 5, 7)))
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['start'\]"):
        fit.fit(rows.drop(columns="start"))
    with pytest.raises(ValidationError, match="strata and penalizer are not available with id_col"):
        survival.CauseSpecificCox(TV_COVS, id_col="patient_id", penalizer=0.1).fit(rows)


def test_cause_specific_metrics_refuse_unknown_codes_and_absent_causes(bmt, cif):
    d, e = bmt["duration"], bmt["event"]
    with pytest.raises(ValidationError, match=r"no customer left for cause 3 \(customers by code: 0: 54, 1: 42, "
                                              r"2: 41\)"):
        survival.cause_specific_auc(cif, d, e, GRID, cause=3)
    with pytest.raises(ValidationError, match=r"event must hold cause codes .*; 2 of 137 customers do not"):
        survival.cause_specific_brier_score(cif[:, 0], d, e.where(e.index >= 2, -1), 100.0)
    with pytest.raises(ValidationError, match="cause 0 is the code of censoring"):
        survival.competing_concordance(cif[:, 0], d, e, cause=0)
    with pytest.raises(ValidationError, match=r"cif has shape \(137, 8\), expected \(137, 3\)"):
        survival.cause_specific_integrated_brier_score(cif, d, e, GRID[:3])


@pytest.mark.parametrize("cause", [1, 2])
def test_cif_pseudo_values_equal_prodlim_jackknife(bmt, r_ref, cause):
    """Leave-one-out Aalen-Johansen pseudo-values of relapse and of death in remission at 365 and 1,000 days, with
    bmt's tied exit days and censorings: equal to R's prodlim::jackknife to 1e-10 (their mean is the AJ estimate)."""
    r = np.asarray(r_ref[f"jackknife{cause}"], float).reshape(2, len(bmt))  # R: patients x times, by column
    for j, t in enumerate((365.0, TAU)):
        ours = survival.cif_pseudo_values(bmt["duration"], bmt["event"], t, cause=cause)
        np.testing.assert_allclose(ours, r[j], atol=1e-10)
