"""The product ladder recovers simulated rungs and discriminations with honest intervals; its Rasch special
case equals R's lme4 (the same marginal likelihood by adaptive quadrature) and is close to eRm's conditional ML;
customers' positions, the next rung and the checks of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rpeer import run_r

from crmresearch import choice, data
from crmresearch.errors import ValidationError

B = np.array([-1.2, -0.4, 0.3, 1.0, 1.8])
A = np.array([0.8, 1.2, 1.6, 1.0, 2.0])
PRODUCTS = ["current", "savings", "card", "loan", "fund"]


def _simulate(n: int, seed: int, b=B, a=A) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    return pd.DataFrame((rng.random(p.shape) < p).astype(int), columns=PRODUCTS), theta


@pytest.fixture(scope="module")
def fitted():
    owned, theta = _simulate(6_000, seed=0)
    return choice.ProductLadder().fit(owned), owned, theta


def test_rungs_and_discriminations_recovered(fitted):
    m, _, _ = fitted
    s = m.summary
    est = s["estimate"]
    np.testing.assert_allclose(est[[f"difficulty:{p}" for p in PRODUCTS]], B, atol=0.1)
    np.testing.assert_allclose(est[[f"discrimination:{p}" for p in PRODUCTS]], A, rtol=0.12)
    assert ((s["estimate"] - s["ci_lower"]).abs() / s["std_error"]).round(2).eq(1.96).all()
    assert m.ladder_.index.tolist() == PRODUCTS and m.ladder_["on_ladder"].all()
    assert m.ladder_["rung"].tolist() == [1, 2, 3, 4, 5]


def test_intervals_cover_the_truth_at_their_level():
    truth = np.concatenate([B, A])
    hits = []
    for rep in range(40):
        owned, _ = _simulate(800, seed=100 + rep)
        s = choice.ProductLadder(nodes=21).fit(owned).summary
        hits.append((s["ci_lower"].to_numpy() <= truth) & (truth <= s["ci_upper"].to_numpy()))
    coverage = np.mean(hits)
    assert 0.90 <= coverage <= 0.99, coverage  # 400 intervals at 95 %: 0.95 +- 0.022 (2 SE)


def test_positions_track_the_trait_and_the_next_rung_is_not_owned(fitted):
    m, owned, theta = fitted
    pos = m.positions(owned)
    assert np.corrcoef(pos["position"], theta)[0, 1] > 0.7
    assert pos["position"].mean() == pytest.approx(0, abs=0.05)
    assert (pos["position_sd"] > 0).all() and (pos["position_sd"] < 1).all()
    nxt = m.next_rung(owned)
    held = owned.to_numpy()[np.arange(len(owned)), [PRODUCTS.index(p) if p else 0 for p in nxt.fillna("current")]]
    assert (held[nxt.notna().to_numpy()] == 0).all()
    assert nxt[owned.all(axis=1)].isna().all()
    # a customer with only the lowest rung: the next is the second
    one = pd.DataFrame([[1, 0, 0, 0, 0]], columns=PRODUCTS)
    assert m.next_rung(one).iloc[0] == "savings"
    # a missing product is not observed: it leaves the position as if the product were not in the data
    masked = m.positions(pd.DataFrame([[1, np.nan, 0, 0, 0]], columns=PRODUCTS))["position"].iloc[0]
    assert masked > m.positions(one)["position"].iloc[0]  # not owning savings would have pulled it down


def test_posterior_predictive_of_a_held_out_product_ranks_its_owners(fitted):
    from crmresearch import clv

    m, owned, _ = fitted
    p = m.ownership_proba(owned.assign(loan=np.nan))["loan"]
    assert clv.rank_auc(p, owned["loan"]) > 0.65  # from the other four products alone


@pytest.fixture(scope="module")
def peers():
    owned, _ = _simulate(800, seed=7, a=np.full(5, 1.3))  # Rasch data: one discrimination
    long = owned.reset_index(names="person").melt(id_vars="person", var_name="item", value_name="y")
    r = run_r("""
        suppressMessages({library(lme4); library(eRm)})
        long$item <- factor(long$item, levels = c("current", "savings", "card", "loan", "fund"))
        g <- glmer(y ~ 0 + item + (1 | person), data = long, family = binomial, nAGQ = 20,
                   control = glmerControl(optCtrl = list(maxfun = 1e5)))
        rm <- RM(as.matrix(wide[, c("current", "savings", "card", "loan", "fund")]), sum0 = TRUE)
        out(list(intercepts = unname(fixef(g)), sd = attr(VarCorr(g)$person, "stddev")[[1]],
                 loglik = as.numeric(logLik(g)), cml_easiness = unname(rm$betapar)))
    """, data={"long": long, "wide": owned}, packages=("lme4", "eRm"))
    return owned, r


def test_rasch_equals_lme4_marginal_likelihood(peers):
    owned, r = peers
    m = choice.ProductLadder(discrimination="common", nodes=61).fit(owned)
    a = m.params_["discrimination"]
    intercepts = -a * m.params_[[f"difficulty:{p}" for p in PRODUCTS]].to_numpy()
    np.testing.assert_allclose(intercepts, r["intercepts"], atol=2e-3)
    assert a == pytest.approx(r["sd"], abs=2e-3)
    assert m.log_likelihood_ == pytest.approx(r["loglik"], abs=1e-2)


def test_rasch_close_to_erm_conditional_ml(peers):
    owned, r = peers
    m = choice.ProductLadder(discrimination="common").fit(owned)
    logit_difficulty = m.params_["discrimination"] * m.params_[[f"difficulty:{p}" for p in PRODUCTS]].to_numpy()
    # CML conditions the trait out; MML assumes it normal: on the logit scale, centred, they agree to ~0.03
    np.testing.assert_allclose(logit_difficulty - logit_difficulty.mean(), -np.asarray(r["cml_easiness"]), atol=0.03)


def test_bad_input_is_refused_with_the_column_and_the_count():
    owned, _ = _simulate(300, seed=1)
    with pytest.raises(ValidationError, match=r"column 'card': 1 of 300 rows are missing or not 0/1"):
        choice.ProductLadder().fit(owned.assign(card=owned["card"].where(owned.index != 5, 2)))
    with pytest.raises(ValidationError, match=r"column 'fund'.*300 of 300 rows hold one value"):
        choice.ProductLadder().fit(owned.assign(fund=1))
    with pytest.raises(ValidationError, match="at least two products"):
        choice.ProductLadder().fit(owned[["card"]])
    with pytest.raises(ValidationError, match=r"column 'car': 1 of 2 rows are missing or negative"):
        choice.ownership(pd.DataFrame({"car": [1, -1]}), ["car"])
    m = choice.ProductLadder().fit(owned)
    with pytest.raises(ValidationError, match=r"no column\(s\) \['fund'\]"):
        m.positions(owned.drop(columns="fund"))


def test_caravan_ladder_and_loader():
    c = data.load_caravan()
    assert len(c) == 5_822 and int(c["CARAVAN"].sum()) == 348
    owned = choice.ownership(c, list(c.attrs["products"]))
    assert owned.shape == (5_822, 22) and set(np.unique(owned)) == {0, 1}
    m = choice.ProductLadder().fit(owned)
    lad = m.ladder_
    # household policies are the bottom rungs; the moped policy falls as the others rise (off the ladder)
    assert set(lad.index[:3]) == {"ABRAND", "APERSAUT", "AWAPART"}
    assert lad.loc["ABROM", "discrimination"] < 0 and not lad.loc["ABROM", "on_ladder"]
    assert lad.loc["CARAVAN", "on_ladder"]
