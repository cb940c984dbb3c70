"""The latent-class logit recovers the classes and coefficients of a simulated two-class panel; BIC picks two."""

from __future__ import annotations

import numpy as np
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
