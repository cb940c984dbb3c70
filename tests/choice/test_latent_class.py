"""The latent-class logit recovers the classes and coefficients of a simulated two-class panel; BIC picks two; on
Ecdat::Catsup and Ecdat::Cracker one class is the conditional logit and two a maximum of the mixture likelihood."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import choice, data
from crmresearch.errors import ValidationError


@pytest.fixture(scope="module")
def panel():
    return data.simulate_choice_panel(households=300, occasions=10, seed=0)


@pytest.fixture(scope="module")
def selection(panel):
    return choice.select_classes(panel[0], classes=(1, 2, 3), price_only="price", starts=2, seed=0)


def test_classes_and_coefficients_recovered(panel, selection):
    table, best, _ = selection
    truth = panel[1]
    assert best.n_classes == 2 and best.price_only == "price"  # BIC: two classes, one of them price-only
    row = table.loc[table["chosen"]].iloc[0]
    assert (row["classes"], row["price_only"]) == (2, True)
    assert best.shares_["class1"] == pytest.approx(truth["shares"]["price_only"], abs=0.05)
    coef = best.coefficients_
    assert coef.loc["price", "class1"] == pytest.approx(-6.0, rel=0.15)
    np.testing.assert_allclose(coef.loc[["asc:b", "asc:c", "asc:d", "price"], "class2"], [1.5, -0.5, 0.8, -1.0],
                               atol=0.3)
    assigned = best.posterior_.idxmax(axis=1).map({"class1": "price_only", "class2": "loyal"})
    assert (assigned == truth["class"].reindex(assigned.index)).mean() > 0.9
    s = best.summary
    assert s.index.name == "parameter" and s["std_error"].notna().all() and (s["std_error"] > 0).all()


def test_segments_price_only_class_is_the_more_elastic(panel, selection):
    _, best, models = selection
    assert models[(2, True)] is best
    seg = best.segments(panel[0], promotion=0.10)
    assert (seg.loc["class1", [f"elasticity:{b}" for b in "abcd"]] < seg.loc["class2", [
        f"elasticity:{b}" for b in "abcd"]]).all()
    assert (seg.loc["class1", [f"promotion_gain:{b}" for b in "abcd"]] >
            seg.loc["class2", [f"promotion_gain:{b}" for b in "abcd"]]).all()
    assert seg[[f"promotion_gain_share:{b}" for b in "abcd"]].sum().round(9).eq(1).all()


def test_several_starts_never_worse_than_one(panel):
    one = choice.LatentClassLogit(2, starts=1, seed=5).fit(panel[0])
    three = choice.LatentClassLogit(2, starts=3, seed=5).fit(panel[0])
    assert three.log_likelihood_ >= one.log_likelihood_ - 1e-9
    assert len(three.start_log_likelihoods_) == 3


def test_bad_settings_are_named(panel):
    with pytest.raises(ValidationError, match="price_only names"):
        choice.LatentClassLogit(2, price_only="display").fit(panel[0])
    with pytest.raises(ValidationError, match="n_classes and starts"):
        choice.LatentClassLogit(0).fit(panel[0])


def _mixture_ll(table, coef, shares, alts):
    """The latent-class likelihood by hand: households' choice sequences under each class, mixed by the shares."""
    from scipy.special import logsumexp

    chosen = table["choice"].map({a: i for i, a in enumerate(alts)}).to_numpy()
    per_class = []
    for c in shares.index:
        b = coef[c].fillna(0.0)
        V = np.column_stack([b.get(f"asc:{a}", 0.0) + sum(b[v] * table[f"{v}_{a}"] for v in VARIABLES)
                             for a in alts])
        logp = V[np.arange(len(V)), chosen] - logsumexp(V, axis=1)
        per_class.append(pd.Series(logp).groupby(table["household"].to_numpy()).sum())
    return float(logsumexp(np.column_stack(per_class) + np.log(shares.to_numpy()), axis=1).sum())


VARIABLES = ["price", "feature", "display"]


@pytest.mark.parametrize("name", ["Catsup", "Cracker"])
def test_on_catsup_and_cracker_one_class_is_the_conditional_logit_and_two_a_likelihood_maximum(name):
    """Ecdat scanner panels: one class equals the conditional logit (itself equal to statsmodels and R's
    survival::clogit, tests/choice/test_logit.py); two classes: the log-likelihood equals the mixture likelihood
    by hand, no nearby point is better (scipy on the hand-coded likelihood from the estimate), and the shares
    are the mean posteriors (the EM fixed point)."""
    from scipy.optimize import minimize

    table = data.load_scanner_panel(name)
    one = choice.LatentClassLogit(1, variables=VARIABLES).fit(table)
    cl = choice.ConditionalLogit(variables=VARIABLES).fit(table)
    np.testing.assert_allclose(one.coefficients_["class1"].to_numpy(), cl.params_.reindex(
        one.coefficients_.index).to_numpy(), atol=1e-5)
    assert one.log_likelihood_ == pytest.approx(cl.log_likelihood_, abs=1e-6)
    two = choice.LatentClassLogit(2, variables=VARIABLES, starts=2, seed=0).fit(table)
    alts, coef = two.alternatives_, two.coefficients_
    assert two.log_likelihood_ == pytest.approx(_mixture_ll(table, coef, two.shares_, alts), abs=1e-6)
    assert two.log_likelihood_ > one.log_likelihood_ + 50
    np.testing.assert_allclose(two.posterior_.mean().to_numpy(), two.shares_.to_numpy(), atol=1e-4)
    rows, k = coef.index, coef.shape[0]

    def neg(x):
        c = pd.DataFrame({"class1": x[:k], "class2": x[k:2 * k]}, index=rows)
        p = 1 / (1 + np.exp(-x[-1]))
        return -_mixture_ll(table, c, pd.Series([p, 1 - p], index=["class1", "class2"]), alts)

    p1 = two.shares_["class1"]
    x0 = np.r_[coef["class1"], coef["class2"], np.log(p1 / (1 - p1))]
    res = minimize(neg, x0, method="BFGS", options={"maxiter": 30})
    assert -res.fun < two.log_likelihood_ + 1e-3
    np.testing.assert_allclose(res.x, x0, atol=2e-3)
