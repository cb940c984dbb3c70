"""Clustering with model selection and stability, profiles, migration; recovery on the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from crmresearch import data
from crmresearch import segmentation as seg
from crmresearch.errors import NotFittedError, ValidationError


@pytest.fixture(scope="module")
def bank_features():
    c = data.simulate_bank(n_customers=6_000, seed=0).customers
    return c, pd.DataFrame({"age": c["age"], "log_income": np.log(c["monthly_income"]),
                            "log_distance": np.log(c["distance_km"])})


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_cluster_recovers_simulated_segments(bank_features, method):
    """Completes the simulator's recovery test: adjusted Rand >= 0.9 at default noise."""
    c, f = bank_features
    fit = seg.cluster(f, k=range(2, 7), method=method, seed=0, n_bootstrap=5)
    assert fit.k_ == 4
    assert adjusted_rand_score(c["segment"].cat.codes, fit.labels_) >= 0.9
    assert fit.stability_ > 0.9
    assert fit.selection_["chosen"].sum() == 1 and list(fit.selection_["k"]) == [2, 3, 4, 5, 6]
    counts = np.bincount(fit.labels_)
    assert (np.diff(counts) <= 0).all()  # label 0 is the largest segment
    assert fit.centres_.shape == (4, 3)


def test_cluster_predict_and_not_fitted(bank_features):
    _, f = bank_features
    model = seg.SegmentClustering(k=[4], n_bootstrap=0)
    with pytest.raises(NotFittedError):
        model.predict(f)
    model.fit(f)
    assert (model.predict(f.to_numpy()) == model.labels_).mean() > 0.99
    assert np.isnan(model.stability_)


def test_cluster_bad_input():
    f = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 10, "b": np.arange(40.0)})
    with pytest.raises(ValidationError, match=r"10 of 40 customers have missing or infinite features"):
        seg.cluster(f)
    with pytest.raises(ValidationError, match=r"constant feature\(s\) \['c'\]"):
        seg.cluster(pd.DataFrame({"c": [1.0] * 40, "b": np.arange(40.0)}), k=[2])
    with pytest.raises(ValidationError, match="method must be"):
        seg.cluster(pd.DataFrame({"b": np.arange(40.0)}), method="dbscan")


def test_profile_suppresses_small_cells():
    df = pd.DataFrame({"seg": ["a"] * 12 + ["b"] * 3, "x": np.arange(15.0), "flag": [True, False] * 7 + [True],
                       "region": pd.Categorical(["urban"] * 15, ["urban", "rural"])})
    out = seg.profile(df, "seg", min_cell=10).set_index("seg")
    assert out.loc["a", "customers"] == 12 and out.loc["a", "x"] == pytest.approx(5.5)
    assert out.loc["b", "customers"] == 3 and out.loc["b", "suppressed"] and pd.isna(out.loc["b", "x"])
    assert out.loc["a", "region_urban"] == 1.0


def test_migration_counts_new_and_gone():
    before = pd.Series(["x", "x", "y"], index=[1, 2, 3])
    after = pd.Series(["x", "y", "y"], index=[1, 2, 4])
    m = seg.migration(before, after, normalize=False)
    assert m.loc["x", "x"] == 1 and m.loc["x", "y"] == 1
    assert m.loc["y", "(gone)"] == 1 and m.loc["(new)", "y"] == 1
    assert int(m.to_numpy().sum()) == 4  # every customer counted once
    shares = seg.migration(before, after)
    assert shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_segment_change_trend_uses_shares():
    before = pd.Series(["a"] * 50 + ["b"] * 50)
    after = pd.Series(["a"] * 100 + ["b"] * 60 + ["c"] * 40)
    out = seg.segment_change(before, after).set_index("segment")
    assert out.loc["a", "trend"] == "stable" and out.loc["b", "trend"] == "decayed"
    assert out.loc["c", "trend"] == "new" and out.loc["a", "change"] == 50
