"""One estimator protocol for every public model: settings in the constructor, fit returns self,
clone / get_params / set_params as in scikit-learn, pickle round trip, summary a DataFrame
property, one NotFittedError, HTML display."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crmresearch import clv, data, experiments, satisfaction, segmentation, survival, targeting
from crmresearch.core import base
from crmresearch.errors import NotFittedError


@pytest.fixture(scope="module")
def bank():
    return data.simulate_bank(n_customers=2_000, seed=11)


def _cdnow():
    tx = data.load_cdnow_transactions(sample=True)
    return clv.summary_from_transactions(tx, "1997-09-30", amount="amount")


def _survival_frame(bank):
    return survival.survival_frame(bank.contracts, bank.truth["end"], keep=["region", "n_products", "fee_increase"])


def _bgnbd(bank):
    s = _cdnow()
    return clv.BetaGeoNBD(), lambda m: m.fit(s["frequency"], s["recency"], s["T"])


def _gamma(bank):
    s = _cdnow()
    s = s[s["frequency"] > 0]
    return clv.GammaGamma(corr_warn=1.0), lambda m: m.fit(s["frequency"], s["monetary_value"])


def _sbg(bank):
    return clv.ShiftedBetaGeometric(), lambda m: m.fit(survivors=[1000, 631, 468, 382, 326, 289, 262, 241])


def _sbg_regression(bank):
    p = clv.contract_periods(bank.contracts, bank.truth["end"], period_days=91.3125, observed_from=bank.truth["start"])
    X = bank.contracts.set_index("customer_id").loc[p["customer_id"], ["digital_user"]].reset_index(drop=True)
    return clv.SBGRegression(), lambda m: m.fit(p["periods"], p["churned"], X)


def _plspm(bank):
    spec = satisfaction.load_model("ECSI")
    m = spec.model(bank.survey.columns, scheme="path")
    return m, lambda est: est.fit(bank.survey)


def _clustering(bank):
    f = bank.customers[["age", "monthly_income", "n_products"]].astype(float)
    return segmentation.SegmentClustering(k=range(2, 4), n_bootstrap=2, n_init=2), lambda m: m.fit(f)


def _km(bank):
    frame = _survival_frame(bank)
    return survival.KaplanMeier(group="region", horizons=(12, 24)), lambda m: m.fit(frame)


def _cox(bank):
    frame = _survival_frame(bank)
    return survival.CoxPH(covariates=["region", "n_products", "fee_increase"]), lambda m: m.fit(frame)


def _aft(bank):
    frame = _survival_frame(bank)
    frame = frame[frame["duration"] > 0]
    return survival.AFT(covariates=["n_products", "fee_increase"]), lambda m: m.fit(frame)


def _churn(bank):
    c = bank.contracts
    X, y = c[["region", "n_products", "distance_km"]], c["churned"]
    return targeting.ChurnClassifier(cv=3), lambda m: m.fit(X, y)


def _uplift(bank):
    camp = bank.campaign
    X = camp[["segment", "region", "n_products"]]
    return experiments.UpliftModel(max_iter=20), lambda m: m.fit(X, camp["churn_90d"], camp["treated"])


def _tv_cox(bank):
    sim = data.simulate_service_cases(n_customers=800, n_managers=20, seed=2)
    from crmresearch.survival import recovery

    changes = recovery.case_covariates(sim.cases, sim.customers, sim.managers)
    subjects = sim.customers.rename(columns={"duration_days": "duration", "churned": "event"})
    panel = survival.panel(subjects[["customer_id", "duration", "event", "rural"]], changes,
                           initial=dict.fromkeys(recovery.COVARIATES, 0))
    return survival.TimeVaryingCox(["rural", "open_complaint", "manager_left"]), lambda m: m.fit(panel)


def _conversion_value(bank):
    from crmresearch.targeting import prospects

    p = data.simulate_prospects(n_prospects=3_000, n_customers=100, seed=1).prospects
    return (prospects.ConversionValue(["source", "age", "income_k"], cv=3),
            lambda m: m.fit(p, p["converted"], p["value"]))


def _next_product(bank):
    from crmresearch.targeting import prospects

    sim = data.simulate_prospects(n_prospects=100, n_customers=1_500, seed=1)
    pairs = prospects.next_product_pairs(sim.holdings, data.PRODUCTS, traits=["age"])
    return prospects.NextProductModel(), lambda m: m.fit(pairs)


MODELS = {"BetaGeoNBD": _bgnbd, "GammaGamma": _gamma, "ShiftedBetaGeometric": _sbg, "SBGRegression": _sbg_regression,
          "PLSPM": _plspm,
          "SegmentClustering": _clustering, "KaplanMeier": _km, "CoxPH": _cox, "AFT": _aft,
          "ChurnClassifier": _churn, "UpliftModel": _uplift, "TimeVaryingCox": _tv_cox,
          "ConversionValue": _conversion_value, "NextProductModel": _next_product}


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_follows_the_protocol(name, bank):
    model, fit = MODELS[name](bank)
    assert isinstance(model, base.Estimator)
    params = model.get_params()
    assert model.set_params(**params) is model
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.summary  # noqa: B018 - the property raises
    assert "not fitted" in model._repr_html_()

    assert fit(model) is model  # fit returns self
    table = model.summary
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    learned = [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    assert learned, "learned values end in _"

    fresh = clone(model)  # scikit-learn's clone: same settings, not fitted
    assert type(fresh) is type(model) and not fresh.is_fitted
    assert fresh.get_params().keys() == params.keys()
    for key, value in params.items():
        if not hasattr(value, "get_params"):
            assert repr(fresh.get_params()[key]) == repr(value), key

    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.summary, table)
    assert "<table" in model._repr_html_()


def test_a_refit_clone_gives_the_same_numbers(bank):
    model, fit = _bgnbd(bank)
    a = fit(model).summary
    b = fit(clone(model)).summary
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == list(base.SUMMARY_COLUMNS)
    assert isinstance(model.params_, pd.Series)


@pytest.mark.parametrize("name", ["BetaGeoNBD", "CoxPH", "AFT", "SBGRegression"])
def test_summaries_share_one_column_vocabulary(name, bank):
    model, fit = MODELS[name](bank)
    cols = list(fit(model).summary.columns)
    assert set(base.SUMMARY_COLUMNS) <= set(cols), cols


def test_set_params_rejects_unknown_settings():
    with pytest.raises(ValueError, match="no setting 'alpah'"):
        clv.BetaGeoNBD().set_params(alpah=0.1)


def test_uplift_model_is_a_pipeline_step(bank):
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    camp = bank.campaign
    X = camp[["segment", "region", "n_products"]]
    prep = make_column_transformer((OneHotEncoder(sparse_output=False), ["segment", "region"]),
                                   remainder="passthrough")
    pipe = make_pipeline(prep, experiments.UpliftModel(max_iter=20))
    pipe.fit(X, camp["churn_90d"], upliftmodel__treatment=camp["treated"])
    u = pipe.predict(X)
    assert u.shape == (len(X),) and np.isfinite(u).all() and (np.abs(u) <= 1).all()
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), u)


def test_predictions_are_indexed_by_customer(bank):
    c = bank.contracts.set_index("customer_id")
    X, y = c[["region", "n_products", "distance_km"]], c["churned"]
    p = targeting.churn_classifier(X, y, cv=3).predict_proba(X)
    assert isinstance(p, pd.Series) and p.index.equals(X.index)
    f = c[["distance_km", "n_products"]].astype(float)
    seg = segmentation.SegmentClustering(k=[2], n_bootstrap=0, n_init=2).fit(f)
    assert seg.predict(f).index.equals(f.index)


def test_customer_predictions_keep_the_customer_index(cdnow_summary):
    s = cdnow_summary
    bg = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    for pred in (bg.probability_alive(s["frequency"], s["recency"], s["T"]),
                 bg.expected_purchases(39, s["frequency"], s["recency"], s["T"])):
        assert isinstance(pred, pd.Series) and pred.index.equals(s.index)
    plain = bg.probability_alive(s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy())
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(plain, bg.probability_alive(s["frequency"], s["recency"], s["T"]).to_numpy())
