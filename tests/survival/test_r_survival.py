"""The survival models against R's survival package (Therneau), the field's reference, on the same data.

One R process for the module; see ``tests/rpeer.py`` (skips without R unless CRMRESEARCH_REQUIRE_R=1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import survival

COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    from lifelines.datasets import load_rossi

    r = load_rossi().rename(columns={"week": "duration", "arrest": "event"})
    return r.assign(group=np.where(r["fin"] == 1, "aid", "none"))


@pytest.fixture(scope="module")
def r_fits(rossi) -> dict:
    return run_r("""
        library(survival)
        f <- Surv(duration, event) ~ fin + age + race + wexp + mar + paro + prio
        cx <- coxph(f, data = rossi, ties = "efron")
        km <- survfit(Surv(duration, event) ~ 1, data = rossi, conf.type = "log-log")
        s <- summary(km, times = c(10, 26, 52))
        lr <- survdiff(Surv(duration, event) ~ group, data = rossi)
        wb <- survreg(f, data = rossi, dist = "weibull")
        out(list(
          cox_coef = as.list(coef(cx)), cox_se = as.list(sqrt(diag(vcov(cx)))),
          cox_loglik = cx$loglik[2], cox_concordance = unname(cx$concordance["concordance"]),
          km_surv = s$surv, km_lower = s$lower, km_upper = s$upper,
          logrank_chisq = lr$chisq,
          aft_coef = as.list(coef(wb)), aft_log_scale = log(wb$scale), aft_loglik = wb$loglik[2]))
    """, {"rossi": rossi})


def test_cox_matches_r_coxph_efron(rossi, r_fits):
    """Efron-ties Cox: coefficients and standard errors to 1e-6 relative, partial log-likelihood to 1e-8."""
    res = survival.cox(rossi, COVS)
    s = res.summary
    for name in COVS:
        assert s.loc[name, "estimate"] == pytest.approx(r_fits["cox_coef"][name], rel=1e-6), name
        assert s.loc[name, "std_error"] == pytest.approx(r_fits["cox_se"][name], rel=1e-5), name
    assert res.log_likelihood_ == pytest.approx(r_fits["cox_loglik"], rel=1e-8)
    assert res.concordance_ == pytest.approx(r_fits["cox_concordance"], abs=1e-4)


def test_kaplan_meier_matches_r_survfit(rossi, r_fits):
    """KM survival and its log-log (Kalbfleisch-Prentice) 95% band at 10, 26 and 52 weeks, to 1e-6."""
    fit = survival.KaplanMeier(horizons=(10, 26, 52)).fit(rossi)
    at = fit.at_horizons_
    np.testing.assert_allclose(at["survival"], r_fits["km_surv"], rtol=1e-6)
    np.testing.assert_allclose(at["ci_lower"], r_fits["km_lower"], rtol=1e-4)
    np.testing.assert_allclose(at["ci_upper"], r_fits["km_upper"], rtol=1e-4)


def test_logrank_matches_r_survdiff(rossi, r_fits):
    res = survival.logrank(rossi, "group")
    assert res["test_statistic"].iloc[0] == pytest.approx(r_fits["logrank_chisq"], rel=1e-6)


def test_weibull_aft_matches_r_survreg(rossi, r_fits):
    """Weibull AFT: survreg's log-time coefficients and log scale, and the log-likelihood, to 1e-4."""
    res = survival.aft(rossi, COVS, family="weibull")
    s = res.summary
    assert res.log_likelihood_ == pytest.approx(r_fits["aft_loglik"], rel=1e-6)
    for name in COVS:
        assert s.loc[name, "estimate"] == pytest.approx(r_fits["aft_coef"][name], rel=1e-4, abs=1e-5), name
