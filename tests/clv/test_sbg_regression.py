"""sBG with covariates: recovers known group differences, nests the pooled sBG exactly, and its
likelihood-ratio test holds its level when the groups do not differ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv
from crmresearch.errors import ValidationError

TRUE = {"alpha:Intercept": np.log(1.2), "alpha:group_b": np.log(0.7 / 1.2),
        "beta:Intercept": np.log(3.0), "beta:group_b": np.log(1.5 / 3.0)}


def _customers(seed: int, n: int = 4000, effect: bool = True):
    rng = np.random.default_rng(seed)
    g = rng.random(n) < 0.5
    a = np.where(g & effect, 0.7, 1.2)
    b = np.where(g & effect, 1.5, 3.0)
    churn_period = rng.geometric(rng.beta(a, b))
    observed = rng.integers(4, 13, n)
    churned = churn_period <= observed
    return np.where(churned, churn_period, observed), churned, pd.DataFrame({"group_b": g})


def test_known_group_differences_are_recovered_within_their_intervals():
    errors = []
    for seed in range(5):
        periods, churned, X = _customers(seed)
        m = clv.SBGRegression().fit(periods, churned, X)
        s = m.summary
        errors.append((s["estimate"] - pd.Series(TRUE)) / s["std_error"])
        assert m.lr_test_["p_value"] < 0.01  # the groups differ (measured p from 1e-8 to 2e-4)
    z = pd.DataFrame(errors)
    assert (z.abs() < 3).all().all()
    assert z.mean().abs().max() < 1.0  # no systematic bias over 5 replications (measured |mean z| <= 0.6)


def test_the_pooled_model_is_the_plain_sbg_and_the_lr_test_holds_its_level():
    periods, churned, X = _customers(11, effect=False)
    m = clv.SBGRegression().fit(periods, churned, X)
    plain = clv.ShiftedBetaGeometric().fit(periods=periods, churned=churned)
    assert m.lr_test_["pooled_log_likelihood"] == pytest.approx(plain.log_likelihood_, rel=1e-9)
    pvalues = [clv.SBGRegression().fit(*_customers(s, n=1500, effect=False)).lr_test_["p_value"] for s in range(20)]
    assert np.mean(np.array(pvalues) < 0.05) <= 0.15  # nominal 5 %; 20 draws
    groups = m.group_table(X)
    assert groups["customers"].sum() == len(X) and groups["group_b"].tolist() == [False, True]
    ab = m.alpha_beta(pd.DataFrame({"group_b": [False, True]}))
    np.testing.assert_allclose(groups["mean_churn"], ab["mean_churn"])
    assert ab["mean_churn"].between(0, 1).all()
    surv = m.survival([0, 1, 4], pd.DataFrame({"group_b": [False]}))
    assert surv.iloc[0, 0] == pytest.approx(1.0) and surv.iloc[0, 2] < surv.iloc[0, 1] < 1


def test_bad_inputs_are_named():
    periods, churned, X = _customers(0, n=200)
    with pytest.raises(ValidationError, match="constant"):
        clv.SBGRegression().fit(periods, churned, X.assign(group_b=True))
    with pytest.raises(ValidationError, match="one row per customer"):
        clv.SBGRegression().fit(periods[:-1], churned, X)
    with pytest.raises(ValidationError, match="missing covariates"):
        clv.SBGRegression().fit(periods, churned, X.assign(extra=np.where(np.arange(200) < 3, np.nan, 1.0)))
