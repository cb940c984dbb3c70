"""The conditional logit against statsmodels' ConditionalLogit and a hand-coded likelihood on Ecdat::Yogurt, and
against statsmodels and R's survival::clogit on Ecdat::Catsup and Ecdat::Cracker (price, feature and display;
one R process for the module, see ``tests/rpeer.py``); Guadagni & Little's loyalty by hand; the smoothing
constant at its profile maximum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import choice, data
from crmresearch.errors import ValidationError


@pytest.fixture(scope="module")
def yogurt():
    return data.load_scanner_panel("Yogurt")


@pytest.fixture(scope="module")
def fitted(yogurt):
    return choice.ConditionalLogit(variables=["price", "feature"]).fit(yogurt)


def _long(table, alts, variables=("price", "feature")):
    n, J = len(table), len(alts)
    rows = pd.DataFrame({"occasion": np.repeat(np.arange(n), J), "alternative": np.tile(alts, n)})
    rows["chosen"] = (np.repeat(table["choice"].to_numpy(), J) == rows["alternative"]).astype(float)
    for a in alts[1:]:
        rows[f"asc:{a}"] = (rows["alternative"] == a).astype(float)
    for v in variables:
        rows[v] = table[[f"{v}_{a}" for a in alts]].to_numpy().ravel()
    return rows


def test_equal_to_statsmodels_conditional_logit_on_yogurt(yogurt, fitted):
    from statsmodels.discrete.conditional_models import ConditionalLogit

    long = _long(yogurt, fitted.alternatives_)
    names = list(fitted.params_.index)
    res = ConditionalLogit(long["chosen"], long[names], groups=long["occasion"]).fit(method="newton", maxiter=100,
                                                                                     tol=1e-12, disp=False)
    np.testing.assert_allclose(fitted.params_.to_numpy(), np.asarray(res.params), atol=1e-6)
    np.testing.assert_allclose(fitted.summary["std_error"].to_numpy(), np.asarray(res.bse), rtol=1e-4)
    assert fitted.log_likelihood_ == pytest.approx(res.llf, abs=1e-6)


def test_log_likelihood_equals_the_hand_coded_one(yogurt, fitted):
    b = fitted.params_
    alts = fitted.alternatives_
    V = np.column_stack([b.get(f"asc:{a}", 0.0) + b["price"] * yogurt[f"price_{a}"] + b["feature"] *
                         yogurt[f"feature_{a}"] for a in alts])
    chosen = yogurt["choice"].map({a: i for i, a in enumerate(alts)}).to_numpy()
    ll = (V[np.arange(len(V)), chosen] - np.log(np.exp(V).sum(axis=1))).sum()
    assert fitted.log_likelihood_ == pytest.approx(ll, abs=1e-6)
    assert fitted.params_["price"] < 0 and fitted.n_obs_ == 2412


def test_loyalty_by_hand_and_the_smoothing_constant_at_the_profile_maximum(yogurt):
    t = pd.DataFrame({"household": [1, 1, 1, 1], "occasion": [4, 1, 2, 3], "choice": ["a", "a", "c", "c"]})
    L = choice.brand_loyalty(t, smoothing=0.8, alternatives=["a", "b", "c"])
    np.testing.assert_allclose(L[["loyalty_a", "loyalty_b", "loyalty_c"]].to_numpy(),
                               [[0.8, 0.1, 0.1], [0.84, 0.08, 0.08], [0.672, 0.064, 0.264],
                                [0.5376, 0.0512, 0.4112]])
    m = choice.LoyaltyLogit(variables=["price", "feature"]).fit(yogurt)
    a = m.smoothing_
    assert 0.3 < a < 0.95 and m.params_["loyalty"] > 0
    for step in (-0.02, 0.02):
        other = choice.LoyaltyLogit(variables=["price", "feature"], smoothing=a + step).fit(yogurt)
        assert other.log_likelihood_ < m.log_likelihood_
    assert m.log_likelihood_ > choice.ConditionalLogit(variables=["price", "feature"]).fit(
        yogurt[yogurt["occasion"] > 1]).log_likelihood_  # loyalty explains choices price does not
    assert m.row_account_["first_occasions_not_fitted"] == 100


def test_bad_tables_are_named(yogurt):
    with pytest.raises(ValidationError, match="price_hiland"):
        choice.ConditionalLogit().fit(yogurt.drop(columns="price_hiland"))
    bad = yogurt.assign(choice=yogurt["choice"].where(yogurt.index > 2, "store"))
    with pytest.raises(ValidationError, match=r"3 of 2412 rows choose no listed alternative"):
        choice.ConditionalLogit(alternatives=["dannon", "hiland", "weight", "yoplait"]).fit(bad)
    with pytest.raises(ValidationError, match=r"smoothing must lie in \(0, 1\)"):
        choice.brand_loyalty(yogurt, smoothing=1.0)


PANELS = ("Catsup", "Cracker")
VARIABLES = ["price", "feature", "display"]


@pytest.fixture(scope="module")
def panels():
    return {name: data.load_scanner_panel(name) for name in PANELS}


@pytest.fixture(scope="module")
def panel_fits(panels):
    return {name: choice.ConditionalLogit(variables=VARIABLES).fit(t) for name, t in panels.items()}


def test_equal_to_statsmodels_on_cracker(panels, panel_fits):
    """statsmodels on one of the two panels (its Newton fit takes seconds); R's clogit below checks both."""
    from statsmodels.discrete.conditional_models import ConditionalLogit

    name = "Cracker"
    fitted = panel_fits[name]
    long = _long(panels[name], fitted.alternatives_, VARIABLES)
    names = list(fitted.params_.index)
    res = ConditionalLogit(long["chosen"], long[names], groups=long["occasion"]).fit(method="newton", maxiter=100,
                                                                                     tol=1e-12, disp=False)
    np.testing.assert_allclose(fitted.params_.to_numpy(), np.asarray(res.params), atol=1e-6)
    np.testing.assert_allclose(fitted.summary["std_error"].to_numpy(), np.asarray(res.bse), rtol=1e-4)
    assert fitted.log_likelihood_ == pytest.approx(res.llf, abs=1e-6)
    assert fitted.n_obs_ == len(panels[name]) and fitted.params_["price"] < 0


@pytest.fixture(scope="module")
def r_clogit(panels, panel_fits):
    frames = {}
    for name, table in panels.items():
        long = _long(table, panel_fits[name].alternatives_, VARIABLES)
        frames[name.lower()] = long.rename(columns=lambda c: c.replace(":", "_"))
    return run_r("""
        library(survival)
        fit <- function(d) {
          x <- setdiff(names(d), c("occasion", "alternative", "chosen"))
          m <- clogit(as.formula(paste("chosen ~", paste(x, collapse = " + "), "+ strata(occasion)")), data = d)
          list(coef = as.list(coef(m)), se = as.list(sqrt(diag(vcov(m)))), loglik = m$loglik[2])
        }
        out(list(Catsup = fit(catsup), Cracker = fit(cracker)))
    """, frames)


@pytest.mark.parametrize("name", PANELS)
def test_equal_to_r_clogit_on_catsup_and_cracker(name, panel_fits, r_clogit):
    """R: survival::clogit(chosen ~ asc_<brand> + price + feature + display + strata(occasion))."""
    fitted, r = panel_fits[name], r_clogit[name]
    for p in fitted.params_.index:
        assert fitted.params_[p] == pytest.approx(r["coef"][p.replace(":", "_")], abs=1e-5), p
        assert fitted.summary.loc[p, "std_error"] == pytest.approx(r["se"][p.replace(":", "_")], rel=1e-4), p
    assert fitted.log_likelihood_ == pytest.approx(r["loglik"], abs=1e-6)


def test_logsumexp_equals_scipy_to_the_bit():
    # the likelihoods' own logsumexp must give SciPy's doubles (the exhibits are compared byte for byte)
    from scipy import special

    from crmresearch.choice.logit import _logsumexp

    rng = np.random.default_rng(7)
    V = rng.normal(scale=3.0, size=(500, 4))
    V[3] = V[3, 0]                           # ties at the maximum
    V[4, 1:] = -np.inf                       # one alternative left
    V[5] = -np.inf                           # none left
    V[6, 2] = np.nan
    F = np.asfortranarray(V)
    for a, axis in ((V, 1), (F, 1), (V, 0), (V, None), (V[0], None), (V[:, :1], 1)):
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(_logsumexp(a, axis=axis), special.logsumexp(a, axis=axis))
