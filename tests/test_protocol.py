"""One estimator protocol for every public model: settings in the constructor, stored unchanged;
fit returns self; clone / get_params / set_params as in scikit-learn; pickle round trip; summary a
DataFrame property indexed by parameter with the shared columns; params_, n_obs_, aic_ and
log_likelihood_ under one name each; one NotFittedError; HTML display. A walk of the package makes
sure no model skips the loop."""

from __future__ import annotations

import importlib
import inspect
import math
import pickle
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from crmresearch import causal, choice, clv, credit, data, experiments, satisfaction, segmentation, survival, targeting
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


def _mbgnbd(bank):
    s = _cdnow()
    return clv.ModifiedBetaGeoNBD(), lambda m: m.fit(s["frequency"], s["recency"], s["T"])


def _paretonbd(bank):
    s = _cdnow()
    return clv.ParetoNBD(), lambda m: m.fit(s["frequency"], s["recency"], s["T"])


def _ggnbd(bank):
    ages = np.random.default_rng(100).uniform(30, 80, 3_000)  # a base whose optimum is inside the model
    s = clv.simulate_ggnbd(3_000, 0.8, 8.0, 0.05, 1.0, 5.0, T=ages, seed=0)
    return clv.GammaGompertzNBD(), lambda m: m.fit(s["frequency"], s["recency"], s["T"])


def _covariate_base():
    """The first 800 CDNOW customers with a 0/1 covariate (drawn, seed 0)."""
    s = _cdnow().iloc[:800]
    return s, pd.DataFrame({"web": np.random.default_rng(0).integers(0, 2, len(s)).astype(bool)}, index=s.index)


def _paretonbd_cov(bank):
    s, X = _covariate_base()
    return clv.ParetoNBDCovariates(), lambda m: m.fit(s["frequency"], s["recency"], s["T"], X)


def _bgnbd_cov(bank):
    s, X = _covariate_base()
    return clv.BetaGeoNBDCovariates(), lambda m: m.fit(s["frequency"], s["recency"], s["T"], X)


def _bgbb(bank):
    # FHS (2010) donations table as lifetimes ships it (frequency, recency, weights; 6 opportunities)
    t = {"frequency": [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6],
         "recency": [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6],
         "weights": [3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234, 322, 181, 225, 357, 240, 284, 512,
                     335, 728, 1203]}
    return clv.BetaGeoBetaBinom(), lambda m: m.fit(t["frequency"], t["recency"], [6] * 22, t["weights"])


def _gamma(bank):
    s = _cdnow()
    s = s[s["frequency"] > 0]
    return clv.GammaGamma(corr_warn=1.0), lambda m: m.fit(s["frequency"], s["monetary_value"])


def _sbg(bank):
    return clv.ShiftedBetaGeometric(), lambda m: m.fit(survivors=[1000, 631, 468, 382, 326, 289, 262, 241])


def _bdw(bank):
    return clv.BetaDiscreteWeibull(), lambda m: m.fit(survivors=[1000, 869, 743, 653, 593, 551, 517, 491])


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


def _churn_boosting(bank):
    c = bank.contracts
    X, y = c[["region", "n_products", "distance_km"]], c["churned"]
    return targeting.ChurnClassifier(model="gradient_boosting", cv=3, boosting_max_iter=20), lambda m: m.fit(X, y)


def _calibrated(bank):
    c = bank.contracts
    X, y = c[["n_products", "distance_km", "digital_user"]], c["fee_increase"]
    return targeting.CalibratedClassifier(cv=3, calibration="sigmoid"), lambda m: m.fit(X, y)


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


def _cause_specific_tv(bank):
    """The service-recovery panel with each exit given one of two causes (drawn, seed 3), as (start, stop] rows."""
    sim = data.simulate_service_cases(n_customers=800, n_managers=20, seed=2)
    from crmresearch.survival import recovery

    changes = recovery.case_covariates(sim.cases, sim.customers, sim.managers)
    subjects = sim.customers.rename(columns={"duration_days": "duration", "churned": "event"})
    panel = survival.panel(subjects[["customer_id", "duration", "event", "rural"]], changes,
                           initial=dict.fromkeys(recovery.COVARIATES, 0))
    why = np.random.default_rng(3).choice(["moved", "fees"], len(panel))
    panel = panel.assign(why=np.where(panel["event"], why, None))
    return (survival.CauseSpecificCox(["rural", "open_complaint", "manager_left"], cause="why", id_col="customer_id"),
            lambda m: m.fit(panel))


def _competing_frame(bank):
    """The bank's survival frame with each ending given one of two causes (drawn, seed 3): a competing-risks frame."""
    f = _survival_frame(bank)
    cause = np.random.default_rng(3).integers(1, 3, len(f))
    return f.assign(event=np.where(f["event"] == 1, cause, 0))


def _cuminc(bank):
    return (survival.CumulativeIncidence(group="region", horizons=(12, 24)),
            lambda m: m.fit(_competing_frame(bank)))


def _cause_specific(bank):
    return survival.CauseSpecificCox(["n_products", "fee_increase"]), lambda m: m.fit(_competing_frame(bank))


def _fine_gray(bank):
    return survival.FineGray(["region", "n_products", "fee_increase"]), lambda m: m.fit(_competing_frame(bank))


def _cure_frame():
    """3 in 10 never leave (incidence and latency on x), follow-up 100: a mixture cure frame."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, 600)
    cured = rng.random(600) < 0.3
    t = np.where(cured, np.inf, 8 * np.exp(0.3 * x) * rng.weibull(1.4, 600))
    return pd.DataFrame({"duration": np.minimum(t, 100.0), "event": (t <= 100).astype(int), "x": x})


def _mixture_cure(bank):
    return survival.MixtureCure(["x"]), lambda m: m.fit(_cure_frame())


def _cox_mixture_cure(bank):
    return survival.CoxMixtureCure(["x"], n_boot=5), lambda m: m.fit(_cure_frame())


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


def _woe_binning(bank):
    c = bank.contracts
    return credit.WoEBinning(max_bins=4), lambda m: m.fit(c[["region", "n_products", "distance_km"]], c["churned"])


def _scorecard(bank):
    c = bank.contracts
    return (credit.Scorecard(credit.WoEBinning(max_bins=4), pdo=40),
            lambda m: m.fit(c[["region", "n_products", "distance_km"]], c["churned"]))


def _roll_rates(bank):
    panel = data.simulate_delinquency(n_accounts=1_000, months=12, seed=2)
    return credit.RollRateChain(), lambda m: m.fit(panel)


def _rd(bank):
    limits = data.simulate_limit_increases(n_accounts=3_000, seed=2).accounts
    return credit.RegressionDiscontinuity(cutoff=660.0), lambda m: m.fit(limits["score"], limits["spend"])


def _cure_uplift(bank):
    history = data.simulate_collections(n_history=4_000, n_queue=50, seed=2).history
    return credit.CureUplift(balance_bands=2), lambda m: m.fit(history)


def _markov(bank):
    counts = pd.DataFrame([[30, 70, 0], [20, 0, 80]], index=[1, 2], columns=[1, 2, 3])
    return clv.MarkovChainValue(discount_rate=0.2), lambda m: m.fit(counts, {1: 36.0, 2: -4.0, 3: 0.0})


def _did(bank):
    rng = np.random.default_rng(0)
    g = np.repeat([3.0, 4.0, np.nan], 10)
    t = np.arange(1, 6)
    y = rng.normal(size=(30, 5)) + np.nan_to_num((t[None, :] >= g[:, None]) * 1.0)
    panel = pd.DataFrame({"customer_id": np.repeat(np.arange(30), 5), "period": np.tile(t, 30),
                          "first_treated": np.repeat(g, 5), "outcome": y.ravel()})
    return causal.StaggeredDiD(), lambda m: m.fit(panel)


def _matching(bank):
    return causal.HistoryMatching(pre_periods=2), _did(bank)[1]


def _choice_panel():
    return data.simulate_choice_panel(households=80, occasions=6, seed=2)[0]


def _clogit(bank):
    return choice.ConditionalLogit(), lambda m: m.fit(_choice_panel())


def _loyalty_logit(bank):
    return choice.LoyaltyLogit(smoothing=0.7), lambda m: m.fit(_choice_panel())


def _latent_class(bank):
    return choice.LatentClassLogit(2, price_only="price", starts=1), lambda m: m.fit(_choice_panel())


def _ladder(bank):
    sim = data.simulate_prospects(n_prospects=100, n_customers=600, seed=5).holdings
    owned = (pd.crosstab(sim["customer_id"], sim["product"]) > 0).astype(int)
    return choice.ProductLadder(nodes=21), lambda m: m.fit(owned)


MODELS = {"BetaGeoNBD": _bgnbd, "ModifiedBetaGeoNBD": _mbgnbd, "ParetoNBD": _paretonbd, "BetaGeoBetaBinom": _bgbb,
          "GammaGompertzNBD": _ggnbd, "ParetoNBDCovariates": _paretonbd_cov, "BetaGeoNBDCovariates": _bgnbd_cov,
          "GammaGamma": _gamma, "ShiftedBetaGeometric": _sbg, "BetaDiscreteWeibull": _bdw,
          "SBGRegression": _sbg_regression, "PLSPM": _plspm,
          "SegmentClustering": _clustering, "KaplanMeier": _km, "CoxPH": _cox, "AFT": _aft,
          "ChurnClassifier": _churn, "ChurnClassifier[gradient_boosting]": _churn_boosting,
          "CalibratedClassifier": _calibrated, "UpliftModel": _uplift, "TimeVaryingCox": _tv_cox,
          "CumulativeIncidence": _cuminc, "CauseSpecificCox": _cause_specific, "FineGray": _fine_gray,
          "CauseSpecificCox[start-stop]": _cause_specific_tv,
          "MixtureCure": _mixture_cure, "CoxMixtureCure": _cox_mixture_cure,
          "ConversionValue": _conversion_value, "NextProductModel": _next_product,
          "WoEBinning": _woe_binning, "Scorecard": _scorecard, "MarkovChainValue": _markov, "StaggeredDiD": _did,
          "RollRateChain": _roll_rates, "RegressionDiscontinuity": _rd, "CureUplift": _cure_uplift,
          "HistoryMatching": _matching, "ConditionalLogit": _clogit, "LoyaltyLogit": _loyalty_logit,
          "LatentClassLogit": _latent_class, "ProductLadder": _ladder}

# Models whose natural summary is not a parameter table: they have no params_ and keep their own table.
NO_PARAMETERS = {
    "KaplanMeier": "a survival curve per group: the summary is medians and survival at the horizons",
    "CumulativeIncidence": "a curve per group and cause: the summary is the incidence at the horizons",
    "SegmentClustering": "a partition: the summary is the k-selection table",
    "UpliftModel": "boosted trees: the summary is the observed outcome rate per arm",
    "ChurnClassifier[gradient_boosting]": "boosted trees: the summary is the one-row performance card",
    "WoEBinning": "a binning: the summary is the information value per characteristic",
}
# Parameter models with standard errors: summary columns start with SUMMARY_COLUMNS. The others
# (penalised logistic regressions, PLS paths whose SEs come from the bootstrap) report estimate only.
WITH_STANDARD_ERRORS = {"BetaGeoNBD", "ModifiedBetaGeoNBD", "ParetoNBD", "BetaGeoBetaBinom", "GammaGompertzNBD",
                        "ParetoNBDCovariates", "BetaGeoNBDCovariates",
                        "GammaGamma", "ShiftedBetaGeometric", "BetaDiscreteWeibull", "SBGRegression", "CoxPH", "AFT",
                        "TimeVaryingCox", "ConversionValue", "CauseSpecificCox", "CauseSpecificCox[start-stop]",
                        "FineGray", "Scorecard",
                        "MixtureCure", "CoxMixtureCure", "MarkovChainValue", "StaggeredDiD", "RollRateChain",
                        "RegressionDiscontinuity", "HistoryMatching", "ConditionalLogit", "LatentClassLogit",
                        "LoyaltyLogit", "ProductLadder", "CureUplift"}
# Models with a (partial) likelihood: log_likelihood_ and aic_; bic_ where the sample size is defined.
LIKELIHOOD = {"BetaGeoNBD": True, "ModifiedBetaGeoNBD": True, "ParetoNBD": True, "BetaGeoBetaBinom": True,
              "GammaGompertzNBD": True, "GammaGamma": True, "ShiftedBetaGeometric": True, "BetaDiscreteWeibull": True,
              "ParetoNBDCovariates": True, "BetaGeoNBDCovariates": True,
              "SBGRegression": True, "AFT": True, "CoxPH": False, "TimeVaryingCox": False, "CauseSpecificCox": False,
              "CauseSpecificCox[start-stop]": False,
              "Scorecard": True, "MixtureCure": True, "ConditionalLogit": True, "LoyaltyLogit": True,
              "LatentClassLogit": True, "ProductLadder": True}


def _predictions(name, model, bank):
    """Something each model predicts (or, without a predict method, its fitted curves), for the pickle test."""
    s = _cdnow()
    if name in ("BetaGeoNBD", "ModifiedBetaGeoNBD", "ParetoNBD", "GammaGompertzNBD"):
        return model.probability_alive(s["frequency"], s["recency"], s["T"])
    if name in ("ParetoNBDCovariates", "BetaGeoNBDCovariates"):
        c, X = _covariate_base()
        return model.probability_alive(c["frequency"], c["recency"], c["T"], X)
    if name == "BetaGeoBetaBinom":
        return model.probability_alive([0, 3, 6], [0, 5, 6], [6, 6, 6])
    if name == "GammaGamma":
        buyers = s[s["frequency"] > 0]
        return model.expected_spend(buyers["frequency"], buyers["monetary_value"])
    if name in ("ShiftedBetaGeometric", "BetaDiscreteWeibull"):
        return model.survival(np.arange(10))
    if name == "SBGRegression":
        return model.alpha_beta(bank.contracts[["digital_user"]])
    if name == "PLSPM":
        return model.index_scores()
    if name == "SegmentClustering":
        return model.predict(bank.customers[["age", "monthly_income", "n_products"]].astype(float))
    if name in ("KaplanMeier", "CumulativeIncidence"):
        return model.curves_
    if name == "FineGray":
        return model.predict_cumulative_incidence(_competing_frame(bank).head(20), times=[6, 12, 24])
    if name in ("MixtureCure", "CoxMixtureCure"):
        return model.predict_survival(_cure_frame().head(20), [6, 12, 24])
    if name == "CauseSpecificCox":
        X = survival.design_matrix(_competing_frame(bank), list(model.covariates), "test")
        return model.models_[1].model_.predict_partial_hazard(X)
    if name in ("CoxPH", "AFT"):
        X = survival.design_matrix(_survival_frame(bank), list(model.covariates), "test")
        return model.model_.predict_partial_hazard(X) if name == "CoxPH" else model.model_.predict_median(X)
    if name.startswith("ChurnClassifier"):
        return model.predict_proba(bank.contracts[["region", "n_products", "distance_km"]])
    if name == "CalibratedClassifier":
        return model.predict_proba(bank.contracts[["n_products", "distance_km", "digital_user"]])
    if name == "UpliftModel":
        return model.predict(bank.campaign[["segment", "region", "n_products"]])
    if name == "ConversionValue":
        return model.predict(data.simulate_prospects(n_prospects=500, n_customers=10, seed=3).prospects)
    if name == "MarkovChainValue":
        return model.moves()
    if name == "StaggeredDiD":
        return model.att_gt_
    if name == "CureUplift":
        return model.predict(data.simulate_collections(n_history=200, n_queue=30, seed=5).queue)
    if name == "RollRateChain":
        return model.expected_loss({"current": 1_000.0, "90+": 500.0})
    if name == "HistoryMatching":
        return model.event_study_
    if name in ("ConditionalLogit", "LoyaltyLogit", "LatentClassLogit"):
        return model.params_
    if name == "ProductLadder":
        return model.ownership_proba(pd.DataFrame(0, index=range(3), columns=model.products_))
    if name == "NextProductModel":
        from crmresearch.targeting import prospects

        sim = data.simulate_prospects(n_prospects=100, n_customers=300, seed=4)
        return model.predict_proba(prospects.next_product_pairs(sim.holdings, data.PRODUCTS, traits=["age"]))
    if name in ("WoEBinning", "Scorecard"):
        X = bank.contracts[["region", "n_products", "distance_km"]]
        return model.transform(X) if name == "WoEBinning" else model.score(X)
    return model.params_  # TimeVaryingCox: no prediction method; its coefficients


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_constructor_stores_every_setting_unchanged(name, bank):
    model, _ = MODELS[name](bank)
    cls = type(model)
    names = cls._get_param_names()
    sig = inspect.signature(cls.__init__).parameters
    assert set(names) == {p for p in sig if p != "self"}
    markers = {n: object() for n in names}  # no validation and no copying in __init__ (scikit-learn's rule)
    marked = cls(**markers)
    for n in names:
        assert getattr(marked, n) is markers[n], n
    given = model.get_params(deep=False)
    rebuilt = cls(**given)
    for n in names:
        assert getattr(rebuilt, n) is given[n], n
    assert not rebuilt.is_fitted and not [k for k in vars(rebuilt) if k.endswith("_")]


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

    # the same names for the same things
    assert type(model.n_obs_) is int and model.n_obs_ > 0, model.n_obs_
    if name in NO_PARAMETERS:
        assert not hasattr(model, "params_"), f"{name}: {NO_PARAMETERS[name]}"
        assert "params_" in (type(model).__doc__ or ""), "the class docstring says why there is no params_"
    else:
        assert isinstance(model.params_, pd.Series)
        assert table.index.name == "parameter"
        assert model.params_.index.equals(table.index)
        np.testing.assert_array_equal(model.params_.to_numpy(dtype=float), table["estimate"].to_numpy(dtype=float))
        cols = list(table.columns)
        if name in WITH_STANDARD_ERRORS:
            assert cols[:len(base.SUMMARY_COLUMNS)] == list(base.SUMMARY_COLUMNS), cols
        else:
            assert cols[0] == "estimate" and "std_error" not in cols, cols
    if name in LIKELIHOOD:
        assert type(model.log_likelihood_) is float and math.isfinite(model.log_likelihood_)
        assert type(model.aic_) is float and math.isfinite(model.aic_)
        if LIKELIHOOD[name]:
            assert type(model.bic_) is float and math.isfinite(model.bic_)
    else:
        assert not hasattr(model, "aic_") and not hasattr(model, "log_likelihood_")

    fresh = clone(model)  # scikit-learn's clone: same settings, not fitted
    assert type(fresh) is type(model) and not fresh.is_fitted
    assert fresh.get_params().keys() == params.keys()
    for key, value in params.items():
        if not hasattr(value, "get_params"):
            assert repr(fresh.get_params()[key]) == repr(value), key

    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.summary, table)
    _assert_same(_predictions(name, again, bank), _predictions(name, model, bank))
    assert "<table" in model._repr_html_()


def test_every_model_of_the_package_is_in_the_protocol_loop(bank):
    """Walk the package: a new Estimator subclass with a fit method cannot skip the loop above."""
    import crmresearch

    found = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the old module paths still import
        for info in pkgutil.walk_packages(crmresearch.__path__, prefix="crmresearch."):
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if (isinstance(obj, type) and issubclass(obj, base.Estimator) and obj is not base.Estimator
                        and obj.__module__.startswith("crmresearch") and callable(getattr(obj, "fit", None))):
                    found.add(obj)
    covered = {type(MODELS[name](bank)[0]) for name in MODELS}
    assert found, "the walk found no model"
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in found - covered)
    assert not missing, f"add these models to MODELS in tests/test_protocol.py: {missing}"


RENAMED = [("BetaGeoNBD", "AIC_", "aic_"), ("BetaGeoNBD", "BIC_", "bic_"), ("ShiftedBetaGeometric", "AIC_", "aic_"),
           ("TimeVaryingCox", "n_subjects_", "n_obs_"), ("ChurnClassifier", "n_customers_", "n_obs_"),
           ("CalibratedClassifier", "n_customers_", "n_obs_")]


@pytest.mark.parametrize(("name", "old", "new"), RENAMED)
def test_old_attribute_names_still_read_for_one_release(name, old, new, bank):
    model, fit = MODELS[name](bank)
    fit(model)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*use {new}"):
        value = getattr(model, old)
    assert value == getattr(model, new)
    with pytest.raises(AttributeError, match="read-only"):
        setattr(model, old, 1)


@pytest.mark.parametrize("name", ["CoxPH", "AFT", "TimeVaryingCox"])
def test_coefficients_is_the_old_covariate_table_for_one_release(name, bank):
    model, fit = MODELS[name](bank)
    fit(model)
    with pytest.warns(DeprecationWarning, match="coefficients_ is deprecated"):
        old = model.coefficients_
    assert list(old.columns[:2]) == ["covariate", "estimate"] and isinstance(old.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(old.set_index("covariate").rename_axis("parameter"), model.summary)


def test_classifier_settings_reach_the_fitted_models(bank):
    """Every hyperparameter is a constructor setting that the fit uses; a clone refits to the same numbers."""
    c = bank.contracts
    X, y = c[["region", "n_products", "distance_km"]], c["churned"]
    logit = targeting.ChurnClassifier(cv=3, C=0.5, max_iter=500).fit(X, y)
    inner = logit.pipeline_.calibrated_classifiers_[0].estimator.named_steps["model"].get_params()
    assert (inner["C"], inner["max_iter"]) == (0.5, 500)
    boost = targeting.ChurnClassifier(model="gradient_boosting", cv=3, learning_rate=0.1, max_leaf_nodes=7,
                                      boosting_max_iter=30, seed=3).fit(X, y)
    inner = boost.pipeline_.calibrated_classifiers_[0].estimator.named_steps["model"].get_params()
    got = (inner["learning_rate"], inner["max_leaf_nodes"], inner["max_iter"], inner["random_state"])
    assert got == (0.1, 7, 30, 3)
    again = clone(boost).fit(X, y)
    pd.testing.assert_series_equal(again.predict_proba(X), boost.predict_proba(X))
    default = targeting.ChurnClassifier(cv=3).fit(X, y)
    assert not np.allclose(default.params_.to_numpy(), targeting.ChurnClassifier(cv=3, C=0.001).fit(X, y).params_)


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
