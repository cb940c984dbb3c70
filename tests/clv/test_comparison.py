"""compare_models: every customer-base model on the same customers, each row equal to the model fitted and
checked alone, and the truth of a simulated Pareto/NBD base recovered by the model that generated it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, data
from crmresearch.errors import ConvergenceError, ValidationError

CAL, END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def cdnow():
    tx = data.load_cdnow_transactions(sample=True)
    s = clv.summary_from_transactions(tx, CAL, END)
    buyers = s[s["frequency"] > 0]
    gg = clv.GammaGamma().fit(buyers["frequency"], buyers["monetary_value"])
    cmp = clv.compare_models(s, transactions=tx, calibration_end=CAL, observation_end=END, spend=gg, horizon=52,
                             discount_rate=clv.weekly_rate(0.10), margin=0.3)
    return tx, s, gg, cmp


def test_each_row_is_the_model_fitted_and_checked_alone(cdnow):
    """Log-likelihood, holdout prediction, tracking and CLV of each row equal the same model's own methods."""
    tx, s, gg, cmp = cdnow
    t = cmp.table.set_index("model")
    assert list(t.index) == ["bgnbd", "mbgnbd", "paretonbd", "ggnbd"] and (t["status"] == "ok").all()
    published = {"bgnbd": -9582.43, "mbgnbd": -9582.14, "paretonbd": -9594.98}  # FHL 2005; lifetimes' MBG/NBD
    # GG/NBD nests the Pareto/NBD (b -> 0): its maximum is at least the Pareto/NBD's
    assert t.loc["ggnbd", "log_likelihood"] >= t.loc["paretonbd", "log_likelihood"] - 1e-6
    for name in [*published, "ggnbd"]:
        cls = clv.comparison.MODELS[name]
        alone = cls().fit(s["frequency"], s["recency"], s["T"])
        assert t.loc[name, "log_likelihood"] == pytest.approx(alone.log_likelihood_, abs=1e-6)
        if name in published:
            assert t.loc[name, "log_likelihood"] == pytest.approx(published[name], abs=0.01)
        k = len(alone.params_)
        assert t.loc[name, "bic"] == pytest.approx(k * np.log(len(s)) - 2 * alone.log_likelihood_, rel=1e-9)
        pred = alone.expected_purchases(s["duration_holdout"].iloc[0], s["frequency"], s["recency"], s["T"])
        assert t.loc[name, "holdout_predicted"] == pytest.approx(float(np.sum(pred)), rel=1e-9)
        err = np.abs(np.asarray(pred) - s["frequency_holdout"].to_numpy())
        assert t.loc[name, "holdout_mae"] == pytest.approx(err.mean(), rel=1e-9)
        track = clv.repeat_tracking(tx, alone, CAL, END)
        np.testing.assert_allclose(cmp.tracking[name], track["expected"], rtol=1e-9)
        cum = (track["expected"].iloc[-1] - track["actual"].iloc[-1]) / track["actual"].iloc[-1] * 100
        assert t.loc[name, "cumulative_error_pct"] == pytest.approx(cum, rel=1e-9)
        total = clv.clv_intervals(alone, gg, s, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3)
        assert t.loc[name, "clv_total"] == pytest.approx(total.attrs["total"]["estimate"], rel=1e-9)
        assert t.loc[name, "clv_ci_lower"] < t.loc[name, "clv_total"] < t.loc[name, "clv_ci_upper"]
    assert (cmp.tracking["actual"].to_numpy() == clv.repeat_tracking(tx, cmp.models["bgnbd"], CAL, END)["actual"]
            .to_numpy()).all()
    assert t.loc["bgnbd", "holdout_actual"] == s["frequency_holdout"].sum()


def test_the_favoured_model_has_the_lowest_criterion_and_the_reference_its_own_top_decile(cdnow):
    _, s, _, cmp = cdnow
    t = cmp.table.set_index("model")
    assert cmp.favoured == t["holdout_mae"].idxmin() == cmp.table.attrs["favoured"]
    assert t.loc["bgnbd", "top_decile_overlap"] == 1.0 and t.loc["bgnbd", "top_decile_change_pct"] == 0.0
    k = int(np.ceil(0.1 * len(s)))
    for name, v in cmp.values.items():
        assert t.loc[name, "top_decile_clv"] == pytest.approx(np.sort(v["clv"].to_numpy())[::-1][:k].sum(), rel=1e-12)
        assert 0.5 < t.loc[name, "top_decile_overlap"] <= 1.0
    by_bic = clv.compare_models(s, ["bgnbd", "paretonbd"], criterion="bic")
    assert by_bic.favoured == "bgnbd"  # -9582.43 against -9594.98, the same k


def _pareto_base(n: int, seed: int, weeks_cal: float = 39.0, weeks_all: float = 78.0):
    """Customers acquired over 12 weeks, buying at rate lambda ~ Gamma(r, alpha) until a lifetime
    tau ~ Exp(mu), mu ~ Gamma(s, beta) (the Pareto/NBD process); their log, and who is alive at week 39."""
    rng = np.random.default_rng(seed)
    r, alpha, s, beta = 0.6, 8.0, 0.7, 10.0
    lam = rng.gamma(r, 1 / alpha, n)
    tau = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    start = rng.integers(0, 12 * 7, n) / 7.0  # acquisition week (first purchase)
    rows = [(i, start[i]) for i in range(n)]
    for i in range(n):
        horizon = min(tau[i], weeks_all - start[i])
        k = rng.poisson(lam[i] * horizon)
        rows += [(i, start[i] + t) for t in rng.uniform(0, horizon, k)]
    log = pd.DataFrame(rows, columns=["customer_id", "week"])
    origin = pd.Timestamp("2020-01-01")
    log["date"] = origin + pd.to_timedelta(np.floor(log["week"] * 7), unit="D")
    log["amount"] = 20.0
    cal_end = origin + pd.Timedelta(days=weeks_cal * 7 - 1)
    end = origin + pd.Timedelta(days=weeks_all * 7 - 1)
    alive = pd.Series(start + tau > weeks_cal, index=range(n))
    return log[["customer_id", "date", "amount"]], cal_end, end, alive, (r, alpha, s, beta)


def test_a_simulated_pareto_nbd_base_is_tracked_by_its_own_model_and_p_alive_ranks_the_truth():
    log, cal_end, end, alive, truth = _pareto_base(4_000, seed=5)
    s = clv.summary_from_transactions(log, cal_end, end)
    cmp = clv.compare_models(s, transactions=log, calibration_end=cal_end, observation_end=end,
                             alive=alive.loc[s.index].to_numpy())
    t = cmp.table.set_index("model")
    pnbd = cmp.models["paretonbd"]
    se = pnbd.summary["std_error"]
    for name, value in zip(("r", "alpha", "s", "beta"), truth, strict=True):
        assert abs(pnbd.params_[name] - value) < 3.5 * se[name], name  # the generating parameters, within 3.5 SE
    assert abs(t.loc["paretonbd", "holdout_error_pct"]) < 5  # the holdout total of the true model, within 5 %
    # the true model's P(alive) ranks the truly alive first (AUC 0.76 here); BG/NBD's cannot, since it calls every
    # customer without a repeat purchase alive (P(alive) = 1) however long ago the one purchase was (AUC 0.42)
    assert t.loc["paretonbd", "palive_auc"] > 0.7 > t.loc["bgnbd", "palive_auc"] + 0.2
    assert abs(t.loc["paretonbd", "palive_mean_error"]) < 0.05


class _Fails:
    def fit(self, *args):
        raise ConvergenceError("ABNORMAL line search")


def test_a_model_that_cannot_be_fitted_is_reported_and_the_others_compared(cdnow):
    _, s, _, _ = cdnow
    cmp = clv.compare_models(s, {"broken": _Fails(), "bgnbd": clv.BetaGeoNBD()})
    t = cmp.table.set_index("model")
    assert t.loc["broken", "status"] == "not fitted: ABNORMAL line search" and cmp.favoured == "bgnbd"
    with pytest.raises(ConvergenceError, match="no model could be fitted"):
        clv.compare_models(s, {"broken": _Fails()})


def test_bad_input_is_named(cdnow):
    _, s, _, _ = cdnow
    with pytest.raises(ValidationError, match=r"lacks column\(s\) \['duration_holdout', 'frequency_holdout'\]"):
        clv.compare_models(s.drop(columns=["frequency_holdout", "duration_holdout"]))
    with pytest.raises(ValidationError, match=r"unknown model\(s\) \['bgnbd2'\]"):
        clv.compare_models(s, ["bgnbd", "bgnbd2"])
    # the BG/BB on a continuous-time table: said on its row, the others compared
    t = clv.compare_models(s, ["bgnbd", "bgbb"]).table.set_index("model")
    assert t.loc["bgbb", "status"].startswith("not fitted: a discrete-time model needs a table at opportunities")
    assert t.loc["bgnbd", "status"] == "ok"
    with pytest.raises(ValidationError, match="alive has 3 values for 2357 customers"):
        clv.compare_models(s, ["bgnbd"], alive=[1, 0, 1])
    with pytest.raises(ValidationError, match="criterion 'aic'"):
        clv.compare_models(s, ["bgnbd"], criterion="aic")
    with pytest.raises(ValidationError, match="needs calibration_end and observation_end"):
        clv.compare_models(s, ["bgnbd"], transactions=pd.DataFrame())


def test_a_fit_at_its_limit_says_so_and_gives_the_reduced_models_value_and_interval(cdnow):
    """GG/NBD on CDNOW ends at b -> 0, its Pareto/NBD limit (Bemmaor & Glady 2012, Table 2): the row names the
    limit and has Pareto/NBD's likelihood, value and interval (the held coordinate fixed, the others varying
    with the reduced model's covariance)."""
    import warnings

    _, s, gg, cmp = cdnow
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at = clv.compare_models(s, ["ggnbd"], spend=gg, horizon=52, discount_rate=clv.weekly_rate(0.10),
                                margin=0.3).table.iloc[0]
    pareto = cmp.table.set_index("model").loc["paretonbd"]
    assert at["limit"] == "the dropout hazard does not change with age" and at["status"] == "ok"
    assert at["log_likelihood"] == pytest.approx(pareto["log_likelihood"], abs=1e-4)
    assert at["clv_total"] == pytest.approx(pareto["clv_total"], rel=1e-5)
    assert at["clv_ci_lower"] == pytest.approx(pareto["clv_ci_lower"], rel=1e-3)
    assert at["clv_ci_upper"] == pytest.approx(pareto["clv_ci_upper"], rel=1e-3)
    assert (cmp.table.set_index("model")["limit"].drop("ggnbd") == "").all()


def test_a_reused_fit_and_its_values_give_the_same_row(cdnow):
    """customer_value's BG/NBD and value table, reused, give the row a fresh fit gives."""
    tx, s, _, _ = cdnow
    chain = clv.customer_value(s, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3, intervals=True)
    again = clv.compare_models(s, ["bgnbd"], transactions=tx, calibration_end=CAL, observation_end=END,
                               spend=chain.gamma_gamma, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3,
                               reuse={"bgnbd": (chain.bgnbd, chain.values)})
    assert again.models["bgnbd"] is chain.bgnbd and again.values["bgnbd"] is chain.values
    fresh = clv.compare_models(s, ["bgnbd"], transactions=tx, calibration_end=CAL, observation_end=END,
                               spend=chain.gamma_gamma, horizon=52, discount_rate=clv.weekly_rate(0.10), margin=0.3)
    pd.testing.assert_frame_equal(again.table, fresh.table, rtol=1e-9)


def test_covariate_comparison_rows_are_the_models_fitted_alone_and_a_constant_covariate_changes_nothing(cdnow):
    """compare_covariate_models: coefficients, LR test and holdout errors equal each covariate model and its
    model without covariates fitted alone; a covariate that does not vary gives the model without it."""
    tx, s, _, _ = cdnow
    first = np.log1p(clv.first_purchase_amounts(tx).reindex(s.index))
    X = pd.DataFrame({"ln_first_amount": first - first.mean()}, index=s.index)
    t = clv.compare_covariate_models(s, X)
    assert t["model"].tolist() == ["Pareto/NBD"] * 2 + ["BG/NBD"] * 3
    alone = clv.ParetoNBDCovariates().fit(s["frequency"], s["recency"], s["T"], X)
    pnbd = t[t["model"] == "Pareto/NBD"].set_index("coefficient")
    for coef in ("purchase:ln_first_amount", "dropout:ln_first_amount"):
        assert pnbd.loc[coef, "estimate"] == pytest.approx(alone.params_[coef], rel=1e-9)
        assert pnbd.loc[coef, "std_error"] == pytest.approx(alone.summary.loc[coef, "std_error"], rel=1e-9)
    assert pnbd["log_likelihood_without"].iloc[0] == pytest.approx(-9594.976, abs=5e-3)  # FHL 2005
    assert pnbd["lr_statistic"].iloc[0] == pytest.approx(2 * (alone.log_likelihood_ + 9594.9762), abs=1e-2)
    pred = alone.expected_purchases(s["duration_holdout"].to_numpy(), s["frequency"], s["recency"], s["T"], X)
    assert pnbd["holdout_mae"].iloc[0] == pytest.approx(np.mean(np.abs(np.asarray(pred) - s["frequency_holdout"])),
                                                         rel=1e-9)
    # the covariate raises the purchase rate (FH 2007's direction for CDNOW's initial purchase), p < 1e-6
    assert pnbd.loc["purchase:ln_first_amount", "estimate"] > 0 and pnbd.loc["purchase:ln_first_amount",
                                                                             "p_value"] < 1e-6
    flat = clv.compare_covariate_models(s, X.assign(ln_first_amount=1.0), ["paretonbd"])
    assert flat["log_likelihood"].iloc[0] == pytest.approx(flat["log_likelihood_without"].iloc[0], abs=1e-4)
    with pytest.raises(ValidationError, match="index is not the summary's"):
        clv.compare_covariate_models(s, X.iloc[:10])
    with pytest.raises(ValidationError, match="unknown model"):
        clv.compare_covariate_models(s, X, ["ggnbd"])


def test_first_purchase_amounts_sums_the_first_day_and_names_bad_columns():
    tx = pd.DataFrame({"customer_id": [2, 1, 1, 1], "date": ["2024-01-05", "2024-01-02 10:00", "2024-01-02 18:00",
                                                              "2024-01-01"], "amount": [3.0, 10.0, 5.0, 7.0]})
    assert clv.first_purchase_amounts(tx).to_dict() == {1: 7.0, 2: 3.0}
    assert clv.first_purchase_amounts(tx.iloc[:3]).to_dict() == {1: 15.0, 2: 3.0}  # same-day purchases summed
    with pytest.raises(ValidationError, match=r"column 'amount' has 1 of 4 rows"):
        clv.first_purchase_amounts(tx.assign(amount=[1.0, None, 2.0, 3.0]))
    with pytest.raises(ValidationError, match=r"\['spend'\] not in the transactions"):
        clv.first_purchase_amounts(tx, amount="spend")
