"""PLS-PM assessment beyond the fit: VIF, PLSpredict, blindfolding Q² and multigroup analysis,
checked on data with known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data, satisfaction
from crmresearch.errors import ValidationError


def _two_blocks(n: int, path: float, seed: int) -> pd.DataFrame:
    """A -> B with standardised path ``path``; three reflective indicators each (loadings 0.8)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = path * a + np.sqrt(1 - path**2) * rng.normal(size=n)
    cols = {f"a{i}": 0.8 * a + 0.6 * rng.normal(size=n) for i in (1, 2, 3)}
    cols |= {f"b{i}": 0.8 * b + 0.6 * rng.normal(size=n) for i in (1, 2, 3)}
    return pd.DataFrame(cols)


def _model(df: pd.DataFrame) -> satisfaction.PLSPM:
    return satisfaction.PLSPM({"B": ["A"]}, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}).fit(df)


@pytest.fixture(scope="module")
def ecsi():
    survey = data.simulate_bank(n_customers=20_000, seed=0).survey
    return survey, satisfaction.load_model("ECSI").model(survey.columns, scheme="path", consistent=True).fit(survey)


def test_mga_finds_a_real_path_difference_and_not_an_absent_one():
    g1, g2 = _two_blocks(300, 0.6, 1), _two_blocks(300, 0.2, 2)
    m = _model(pd.concat([g1, g2], ignore_index=True))
    res = satisfaction.mga(m, np.r_[np.zeros(300), np.ones(300)], n_permutations=300, n_bootstrap=300)
    assert res["difference"].iloc[0] > 0.25
    assert res["p_permutation"].iloc[0] < 0.01 and res["p_henseler"].iloc[0] < 0.01
    same = _model(pd.concat([_two_blocks(300, 0.4, 3), _two_blocks(300, 0.4, 4)], ignore_index=True))
    none = satisfaction.mga(same, np.r_[np.zeros(300), np.ones(300)], n_permutations=300, n_bootstrap=300)
    assert none["p_permutation"].iloc[0] > 0.05 and none["p_henseler"].iloc[0] > 0.05


def test_mga_on_the_simulated_survey_whose_groups_share_their_paths(ecsi):
    """The simulator shifts rural image and tier satisfaction levels but keeps the paths: after
    Holm's adjustment no path differs between urban and rural respondents."""
    survey, m = ecsi
    res = satisfaction.mga(m, survey["region"], n_permutations=200, n_bootstrap=200)
    assert (res["p_permutation_holm"] > 0.05).all()
    assert res.attrs["groups"] == {"rural": int((survey["region"] == "rural").sum()),
                                   "urban": int((survey["region"] == "urban").sum())}
    with pytest.raises(ValidationError, match="exactly two values"):
        satisfaction.mga(m, survey["value_tier"])


def test_mga_refits_in_batches_equal_one_refit_at_a_time(ecsi, monkeypatch):
    """The permutation and bootstrap refits go through the batched core in stacks: every path, p-value
    and failure count equal to the bit to refitting one data set at a time (the study's exhibits)."""
    from crmresearch.satisfaction import assessment

    survey, m = ecsi
    labels = np.where(survey["value_tier"].astype(str) == "lead", "lead", "rest")  # unequal groups: two n's
    batched = satisfaction.mga(m, labels, n_permutations=40, n_bootstrap=30, seed=3)
    monkeypatch.setattr(assessment, "_MGA_BATCH", 1)
    one = satisfaction.mga(m, labels, n_permutations=40, n_bootstrap=30, seed=3)
    pd.testing.assert_frame_equal(batched, one, check_exact=True)
    assert batched.attrs == one.attrs
    # and each batched refit equals _paths on that data set alone, to rounding: a stacked product may take
    # another BLAS kernel than the 2-D one on some CPUs (CI saw 1.7e-16 on two of twelve paths)
    rows = [m._raw[np.random.default_rng(s).integers(0, m.n_obs_, m.n_obs_)] for s in range(5)]
    for got, raw in zip(assessment._paths_batch(m, rows), rows, strict=True):
        np.testing.assert_allclose(got, assessment._paths(m, raw), rtol=1e-12, atol=1e-15)


def test_plspredict_and_blindfolding_see_predictive_relevance(ecsi):
    survey, m = ecsi
    pp = satisfaction.plspredict(m, survey, k=10)
    assert (pp["q2_predict"] > 0).all()
    assert (pp["rmse_pls"] <= 1.02 * pp["rmse_lm"]).all()  # a correct model predicts like the regression
    bf = satisfaction.blindfolding(m, distance=7)
    assert set(bf["construct"]) == {"EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY"}
    assert (bf["q2"] > 0).all() and (bf["q2"] < m.r2_[bf["construct"]].to_numpy() + 0.2).all()
    unrelated = _two_blocks(500, 0.0, 7)
    q2 = satisfaction.plspredict(_model(unrelated), unrelated, k=5)["q2_predict"]
    assert (q2 < 0.01).all()  # nothing to predict from an unrelated block
    with pytest.raises(ValidationError, match="divides"):
        satisfaction.blindfolding(m, distance=10)


def test_vif_of_formative_blocks_and_of_the_inner_model():
    df = _two_blocks(400, 0.5, 5)
    df["a4"] = df["a1"] + 0.05 * np.random.default_rng(0).normal(size=400)  # nearly a copy
    m = satisfaction.PLSPM({"B": ["A"]}, {"A": ["a1", "a2", "a3", "a4"], "B": ["b1", "b2", "b3"]},
                           modes={"A": "B"}).fit(df)
    v = satisfaction.vif(m).set_index(["kind", "variable"])["vif"]
    assert v[("outer", "a1")] > 100 and v[("outer", "a2")] < 3
    assert v[("inner", "A")] == pytest.approx(1.0)
