"""Survey tools against hand-computed cases, textbook values and scipy on the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmresearch import data
from crmresearch.errors import ValidationError
from crmresearch.satisfaction import compare_arms, cronbach_alpha, gaps, group_means, reliability, top_box


def test_cronbach_alpha_hand_computed():
    """Item variances 2.5, 1.0, 2.8 (sum 6.3); total-score variance 17.3: alpha = 3/2 (1 - 6.3/17.3)."""
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 4, 4], "c": [1, 3, 3, 5, 5]})
    assert cronbach_alpha(df.to_numpy(float)) == pytest.approx(1.5 * (1 - 6.3 / 17.3), abs=1e-12)
    table = reliability(df, {"X": ["a", "b", "c"]}).iloc[0]
    assert table["cronbach_alpha"] == pytest.approx(0.953757, abs=1e-6)
    assert table["alpha_ci_lower"] < table["cronbach_alpha"] < table["alpha_ci_upper"] <= 1
    # dropping the weakest item: alpha of (a, c) = 2 (1 - (2.5 + 2.8) / var(a + c))
    ac = df["a"] + df["c"]
    assert table["alpha_if_deleted_max"] == pytest.approx(
        max(2 * (1 - (2.5 + 2.8) / ac.var()), 2 * (1 - 3.5 / (df.a + df.b).var()), 2 * (1 - 3.8 / (df.b + df.c).var())))


def test_reliability_on_simulated_blocks_matches_generating_loading(bank_survey):
    """Items load 0.88 on their construct: inter-item r = 0.88^2 = 0.774 before rounding to 1..10, and
    alpha of k parallel items = k r / (1 + (k - 1) r) (Spearman-Brown)."""
    bank = bank_survey
    rel = reliability(bank.survey, bank.truth["survey"]["items"]).set_index("block")
    r = rel["mean_inter_item_r"]
    assert r.between(0.70, 0.80).all()
    k = rel["items"]
    np.testing.assert_allclose(rel["cronbach_alpha"], k * r / (1 + (k - 1) * r), atol=0.01)
    assert (rel["eig_2nd"] < 1).all() and (rel["ave"] > 0.5).all()


def test_top_box_wilson_textbook_value():
    """Newcombe (1998), example (a) / Wilson score interval: 81 of 263 -> 0.2553 to 0.3662."""
    df = pd.DataFrame({"q": [5] * 40 + [4] * 41 + [3] * 182})
    row = top_box(df, ["q"], top=2, scale=(1, 5)).iloc[0]
    assert row["top_box_count"] == 81 and row["n"] == 263
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    top1 = top_box(df, ["q"], top=1, scale=(1, 5)).iloc[0]
    assert top1["top_box_count"] == 40


def test_top_box_by_group_and_errors():
    df = pd.DataFrame({"q": [1, 2, 5, 5, 4, 3], "g": ["a", "a", "a", "b", "b", "b"]})
    t = top_box(df, ["q"], by="g")
    assert t["top_box_count"].tolist() == [1, 2] and t["n"].tolist() == [3, 3]
    with pytest.raises(ValidationError, match=r"outside the scale 1..5 per item \{'q': 1\}"):
        top_box(df.assign(q=[1, 2, 5, 5, 4, 7]), ["q"])
    with pytest.raises(ValidationError, match=r"missing answers per item \{'q': 2\} of 6"):
        top_box(df.assign(q=[1, None, 5, None, 4, 3]), ["q"])
    with pytest.raises(ValidationError, match="not numeric"):
        top_box(df.assign(q=list("abcdef")), ["q"])


def test_gaps_equal_paired_t_and_wilcoxon_on_hand_case():
    e = pd.DataFrame({"e1": [5, 4, 3, 4, 5, 2], "e2": [4, 4, 4, 5, 5, 3]})
    p = pd.DataFrame({"p1": [4, 4, 5, 3, 5, 4], "p2": [3, 5, 4, 4, 4, 4]})
    g = gaps(e, p, {"dim": ["e1", "e2"]}).set_index("dimension")
    pe, pp = e.mean(axis=1), p.mean(axis=1)
    ref = stats.ttest_rel(pp, pe)
    assert g.loc["dim", "gap"] == pytest.approx((pp - pe).mean(), abs=1e-12)
    assert g.loc["dim", "p_value"] == pytest.approx(ref.pvalue, abs=1e-12)
    ci = ref.confidence_interval(0.95)
    assert (g.loc["dim", "ci_lower"], g.loc["dim", "ci_upper"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert g.loc["dim", "wilcoxon_p"] == pytest.approx(stats.wilcoxon(pp - pe).pvalue, abs=1e-12)
    assert g.loc["dim", "share_negative"] == pytest.approx(((pp - pe) < 0).mean())
    assert g.index.tolist() == ["dim", "overall"]
    with pytest.raises(ValidationError, match="paired by position"):
        gaps(e, p[["p1"]])
    with pytest.raises(ValidationError, match="not expectation columns"):
        gaps(e, p, {"dim": ["p1"]})


def test_gaps_recover_simulated_servqual_gaps(bank_survey):
    s, truth = bank_survey.survey, bank_survey.truth["survey"]["servqual_gap"]
    dims = {d: [f"exp_{d[:3]}1", f"exp_{d[:3]}2"] for d in truth}
    g = gaps(s.filter(regex="^exp_"), s.filter(regex="^per_"), dims).set_index("dimension")
    for d, true_gap in truth.items():  # clipping at 10 shrinks the gap of high-expectation dimensions a little
        assert g.loc[d, "gap"] == pytest.approx(true_gap, abs=0.1), d


def _arms(n=40, seed=0, effect=1.0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(2 * n):
        a = "treatment" if i >= n else "control"
        base = rng.normal(6, 1.2)
        for per in ("pre", "post"):
            y = base + (0.3 if per == "post" else 0) + (effect if per == "post" and a == "treatment" else 0)
            rows.append({"id": i, "arm": a, "period": per,
                         **{f"s{j}": int(np.clip(np.rint(y + rng.normal(0, 0.8)), 1, 10)) for j in (1, 2)}})
    return pd.DataFrame(rows)


def test_compare_arms_equals_scipy_and_manual_did():
    df = _arms()
    out = compare_arms(df, "arm", "period", ["s1", "s2"], respondent="id").set_index(["measure", "metric"])
    post = df[df.period == "post"]
    comp = post[["s1", "s2"]].mean(axis=1)
    t, c = comp[post.arm == "treatment"], comp[post.arm == "control"]
    row = out.loc[("composite", "mean")]
    assert row["post_difference"] == pytest.approx(t.mean() - c.mean(), abs=1e-12)
    assert row["post_p_value"] == pytest.approx(stats.ttest_ind(t, c, equal_var=False).pvalue, abs=1e-12)
    wide = df.assign(y=df[["s1", "s2"]].mean(axis=1)).pivot(index=["id", "arm"], columns="period", values="y")
    ch = (wide["post"] - wide["pre"]).reset_index()
    ct, cc = ch.loc[ch.arm == "treatment", 0], ch.loc[ch.arm == "control", 0]
    assert row["did"] == pytest.approx(ct.mean() - cc.mean(), abs=1e-12)
    assert row["did_p_value"] == pytest.approx(stats.ttest_ind(ct, cc, equal_var=False).pvalue, abs=1e-12)
    # top-2-box on 1..10: answers 9 and 10; chi-square p equals scipy's on the 2x2 table
    tb = out.loc[("s1", "top_box")]
    x = post.assign(top=post["s1"] >= 9).groupby("arm")["top"].agg(["sum", "count"])
    table = np.array([[x.loc["treatment", "sum"], x.loc["treatment", "count"] - x.loc["treatment", "sum"]],
                      [x.loc["control", "sum"], x.loc["control", "count"] - x.loc["control", "sum"]]])
    ref = (stats.fisher_exact(table).pvalue if tb["post_test"] == "fisher_exact"
           else stats.chi2_contingency(table, correction=False).pvalue)
    assert tb["post_p_value"] == pytest.approx(ref, abs=1e-12)


def test_compare_arms_fisher_when_counts_are_small_and_cross_section_did():
    df = _arms(n=12, seed=3, effect=2.5)
    out = compare_arms(df, "arm", "period", ["s1"]).set_index(["measure", "metric"])
    assert out.loc[("s1", "top_box"), "post_test"] == "fisher_exact"
    cells = df.groupby(["arm", "period"])["s1"].agg(["mean", "var", "count"])
    did = (cells.loc[("treatment", "post"), "mean"] - cells.loc[("treatment", "pre"), "mean"]
           - cells.loc[("control", "post"), "mean"] + cells.loc[("control", "pre"), "mean"])
    se = np.sqrt((cells["var"] / cells["count"]).sum())
    row = out.loc[("s1", "mean")]
    assert row["did"] == pytest.approx(did, abs=1e-12)
    assert row["did_ci_upper"] - row["did"] == pytest.approx(1.959964 * se, abs=1e-5)


def test_compare_arms_recovers_the_simulated_intervention(bank_survey):
    iv, truth = bank_survey.intervention, bank_survey.truth["survey"]
    out = compare_arms(iv, "arm", "period", ["sat1", "sat2", "sat3"], respondent="respondent_id")
    comp = out.set_index(["measure", "metric"]).loc[("composite", "mean")]
    assert comp["did_ci_lower"] < truth["intervention_effect"] < comp["did_ci_upper"]
    assert comp["did"] == pytest.approx(truth["intervention_effect"], abs=0.25)


def test_compare_arms_bad_input():
    df = _arms(n=5)
    with pytest.raises(ValidationError, match=r"column 'arm' has 2 rows with values \['placebo'\]"):
        compare_arms(df.assign(arm=["placebo"] * 2 + df["arm"].tolist()[2:]), "arm", "period", ["s1"])
    with pytest.raises(ValidationError, match="1 respondents lack a 'pre' or a 'post' row"):
        compare_arms(df.drop(index=0), "arm", "period", ["s1"], respondent="id")
    with pytest.raises(ValidationError, match="no rows with period == 'post'"):
        compare_arms(df.assign(period="pre"), "arm", "period", ["s1"])


def test_group_means_t_interval():
    v = pd.Series([60.0, 70.0, 80.0, 50.0, 55.0])
    g = group_means(v, pd.Series(["u", "u", "u", "r", "r"], name="region")).set_index("group")
    assert g.loc["all", "mean"] == pytest.approx(63.0)
    half = stats.t.ppf(0.975, 2) * 10 / np.sqrt(3)
    assert (g.loc["u", "ci_lower"], g.loc["u", "ci_upper"]) == pytest.approx((70 - half, 70 + half))
    with pytest.raises(ValidationError, match="1 rows have no group"):
        group_means(v, pd.Series(["u", None, "u", "r", "r"], name="region"))
    # several grouping columns (the cells of a two-arm study), categorical order kept (pre before post)
    by = pd.DataFrame({"arm": ["c", "c", "t", "t", "t"],
                       "period": pd.Categorical(["post", "pre", "pre", "post", "post"], ["pre", "post"])})
    cells = group_means(v, by)
    assert cells[["arm", "period"]].values.tolist() == [["all", "all"], ["c", "pre"], ["c", "post"], ["t", "pre"],
                                                        ["t", "post"]]
    assert cells["mean"].tolist()[1:] == [70.0, 60.0, 80.0, 52.5]


@pytest.fixture(scope="module")
def bank_survey():
    return data.simulate_bank(n_customers=20_000, seed=0)
