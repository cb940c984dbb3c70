"""Population and characteristic stability: the index by hand, deciles of the development cohort, the
reading's thresholds, the points shift of a characteristic equal to the change of the mean score it causes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import credit
from crmresearch.errors import ValidationError


def test_psi_by_hand():
    t = credit.population_stability([1, 1, 2, 2, 3, 3, 4, 4], [1, 2, 2, 3, 3, 3, 4, 4], bins=[1.5, 2.5, 3.5])
    e, a = np.array([0.25] * 4), np.array([1, 2, 3, 2]) / 8
    assert t.attrs["psi"] == pytest.approx(float(((a - e) * np.log(a / e)).sum()), abs=1e-12)
    assert t["expected_share"].tolist() == [0.25] * 4


def test_psi_on_deciles_is_near_zero_for_the_same_population_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    dev = rng.normal(600, 40, 20_000)
    same = credit.population_stability(dev, rng.normal(600, 40, 20_000))
    assert len(same) == 10 and same["expected_share"].round(6).eq(0.1).all()
    assert same.attrs["psi"] < 0.01 and credit.psi_reading(same.attrs["psi"]) == "stable"
    moved = credit.population_stability(dev, rng.normal(620, 40, 20_000)).attrs["psi"]
    assert 0.1 < moved and credit.psi_reading(0.1) == "watch" and credit.psi_reading(0.2501) == "shifted"
    with pytest.raises(ValidationError, match="1 of 3 rows are not"):
        credit.population_stability(dev, [600.0, np.nan, 610.0])


def test_characteristic_points_shift_is_the_change_of_the_mean_score():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"income": rng.gamma(4, 500, 4_000), "age": rng.integers(18, 70, 4_000).astype(float)})
    y = rng.random(4_000) < 1 / (1 + np.exp(X["income"] / 1000 + X["age"] / 40 - 2))
    card = credit.Scorecard(credit.WoEBinning(max_bins=5)).fit(X, y)
    later = X.assign(income=X["income"] * 0.7)  # only income moves
    t = credit.characteristic_stability(card, X, later).set_index("characteristic")
    assert t.loc["age", "csi"] == 0 and t.loc["age", "points_shift"] == 0
    change = card.score(later).mean() - card.score(X).mean()
    assert t.loc["income", "points_shift"] == pytest.approx(change, abs=1e-9)
    assert t.loc["income", "csi"] > 0.1
