"""Bad inputs that used to surface as raw pandas/numpy/scikit-learn errors: each is now our error, naming
the column or parameter and counting the rows (found by a sweep of every public entry point)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, experiments, schemas, segmentation, service, targeting
from crmresearch.errors import ValidationError
from crmresearch.service import forecast
from crmresearch.targeting import prospects


def test_date_parameters_and_columns_that_are_not_dates():
    accounts = pd.DataFrame({"account_id": [1], "issued": pd.to_datetime(["2024-01-01"])})
    tx = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-05"]), "amount": [10.0]})
    with pytest.raises(ValidationError, match="activity_status: as_of 'notadate' is not a date"):
        clv.activity_status(accounts, tx, "notadate")
    with pytest.raises(ValidationError, match="value_growth: split 'x' is not a date"):
        segmentation.value_growth(tx, "x")
    with pytest.raises(ValidationError, match=r"arrival_profile: column 'datetime': 1 of 1 rows cannot be read"):
        service.arrival_profile(pd.DataFrame({"datetime": ["x"], "calls": [1]}))
    with pytest.raises(ValidationError, match=r"activity_status: column 'issued': 1 of 1 rows are missing"):
        clv.activity_status(accounts.assign(issued=[None]), tx, "2024-06-01")


def test_tables_without_the_columns_or_rows_a_function_needs():
    with pytest.raises(ValidationError, match=r"accuracy: the backtest table lacks column\(s\) \['actual'"):
        forecast.accuracy(pd.DataFrame())
    empty = pd.DataFrame(columns=["method", "origin", "date", "actual", "forecast", "k"])
    with pytest.raises(ValidationError, match="staffing_backtest: the backtest table has no rows"):
        forecast.staffing_backtest(empty, aht=200)
    with pytest.raises(ValidationError, match="revenue_per_customer: the status table lacks"):
        clv.revenue_per_customer(pd.DataFrame(), pd.Series(dtype=float))
    with pytest.raises(ValidationError, match="busy_hour: the calls table has no rows"):
        service.busy_hour(pd.DataFrame({"datetime": pd.to_datetime([]), "calls": []}))
    with pytest.raises(ValidationError, match=r"contact_kpis: missing column\(s\) \['ivr_contained'"):
        service.contact_kpis(pd.DataFrame({"calls": [1]}))
    with pytest.raises(ValidationError, match=r"fit_cohorts: the periods table has no customers \(0 rows\)"):
        clv.fit_cohorts(pd.DataFrame(columns=["cohort", "periods", "churned"]))
    with pytest.raises(ValidationError, match=r"NextProductModel.fit: the table lacks column\(s\)"):
        prospects.NextProductModel().fit(pd.DataFrame())


def test_values_of_the_wrong_kind():
    with pytest.raises(ValidationError, match="compare_means: column 'v' must be numeric; 2 of 2 rows"):
        experiments.compare_means(pd.DataFrame({"a": [True, False], "v": ["x", "y"]}), "a", "v")
    with pytest.raises(ValidationError, match=r"service_levels: agents has shape \(2,\) but arrival_rate has \(3,\)"):
        service.service_levels(np.ones(3), 300, np.ones(2))
    with pytest.raises(ValidationError, match=r"simulate_bgnbd: parameters must be finite and > 0; got \{'r': -1\}"):
        clv.simulate_bgnbd(10, -1, 1, 1, 1, T=10)


def test_the_classifier_refuses_labels_it_would_have_truncated_and_too_few_rows_per_fold():
    X = pd.DataFrame({"x": np.arange(30.0)})
    with pytest.raises(ValidationError, match="y must be 0/1 or boolean; 30 of 30 labels are not"):
        targeting.CalibratedClassifier().fit(X, np.full(30, 0.7))   # astype(int) used to make every label 0
    with pytest.raises(ValidationError, match="y must be 0/1 or boolean; 30 of 30"):
        targeting.CalibratedClassifier().fit(X, np.array(["a", "b"] * 15))
    with pytest.raises(ValidationError, match="2 zeros and 1 ones; each class needs at least cv = 5 rows"):
        targeting.CalibratedClassifier(cv=5).fit(X.head(3), np.array([0, 1, 0]))
    fitted = targeting.CalibratedClassifier(cv=3).fit(X, np.array([0, 1] * 15))
    with pytest.raises(ValidationError, match=r"X lacks the feature column\(s\) \['x'\]"):
        fitted.predict_proba(pd.DataFrame({"y": [1.0]}))
    assert fitted.predict_proba(pd.DataFrame({"x": [3.0], "extra": ["ignored"]})).between(0, 1).all()


def test_as_date_refuses_missing_values():
    with pytest.raises(schemas.DateParseError, match="snapshot None is not a date"):
        schemas.as_date(None, "snapshot", "churn_snapshot")
