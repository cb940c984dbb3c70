"""The real-data loaders return the documented rows, customers, columns and types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data
from crmresearch.errors import DataWarning, ParameterError


def test_cdnow_master_counts_fhl2005():
    tx = data.load_cdnow_transactions(sample=False)
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    assert list(tx.columns) == ["customer_id", "date", "quantity", "amount"]
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    assert tx["amount"].sum() == pytest.approx(2_500_315.63, abs=0.01)


def test_cdnow_sample_counts_fhl2005():
    tx = data.load_cdnow_transactions(sample=True)
    assert len(tx) == 6_919
    assert tx["customer_id"].nunique() == 2_357
    assert tx["date"].dtype == np.dtype("datetime64[ns]")
    assert tx["quantity"].dtype == np.int64 and tx["amount"].dtype == np.float64
    # the sample is a subset of the master file, row for row
    master = data.load_cdnow_transactions(sample=False)
    merged = tx.merge(master, on=["customer_id", "date", "quantity", "amount"], how="left",
                      indicator=True)
    assert (merged["_merge"] == "both").all()


def test_telco_churn_rows_and_reported_missing_charges():
    with pytest.warns(DataWarning, match=r"11 of 7043 rows have missing total_charges"):
        df = data.load_telco_churn()
    assert len(df) == 7_043 and df["customer_id"].is_unique
    assert df["churn"].dtype == bool and int(df["churn"].sum()) == 1_869
    assert df["tenure"].between(0, 72).all()
    assert df["total_charges"].isna().sum() == 11  # kept, not dropped
    assert (df.loc[df["total_charges"].isna(), "tenure"] == 0).all()
    assert list(df["contract"].cat.categories) == ["Month-to-month", "One year", "Two year"]
    assert len(df.attrs["data_notes"]) == 1


def test_bank_calls_intervals():
    df = data.load_bank_calls()
    assert len(df) == 27_716
    assert list(df.columns) == ["datetime", "calls"]
    assert df["datetime"].min() == pd.Timestamp("2003-03-03 07:00")
    assert (df["datetime"].diff().dropna() >= pd.Timedelta("5min")).all()
    assert df["calls"].min() > 0


def test_fh2007_retention_table():
    df = data.load_fh2007_retention()
    assert list(df["year"]) == list(range(13))
    assert df.loc[0, ["high_end", "regular"]].tolist() == [100.0, 100.0]
    assert df.loc[12, "high_end"] == pytest.approx(39.4)
    assert df.loc[12, "regular"] == pytest.approx(17.3)
    assert (df[["high_end", "regular"]].diff().dropna() < 0).all().all()


def test_load_by_name_and_unknown_name():
    assert len(data.load("cdnow_sample")) == 6_919
    with pytest.raises(ParameterError, match=r"unknown data set 'cdnow'.*cdnow_master"):
        data.load("cdnow")


def test_lending_club_rows_bads_and_multi_lender_columns():
    lc = data.load_lending_club()
    assert len(lc) == 9_857 and lc["loan_id"].is_unique and int(lc["bad"].sum()) == 517
    assert lc["bad"].dtype == bool and "Class" not in lc.columns
    assert set(data.loaders.MULTI_LENDER) <= set(lc.columns)
    assert lc["inq_last_6mths"].dtype == np.int64 and lc["int_rate"].dtype == np.float64


def test_bmt_has_the_books_counts():
    """Klein & Moeschberger's bone-marrow transplants: 137 patients, 42 relapses and 41 deaths in remission."""
    bmt = data.load_bmt()
    assert len(bmt) == 137 and bmt["patient_id"].is_unique
    assert bmt["event"].value_counts().to_dict() == {0: 54, 1: 42, 2: 41}
    assert bmt.groupby("event")["cause"].first().fillna("-").to_dict() == {0: "-", 1: "relapse",
                                                                           2: "death in remission"}
    assert bmt["group"].value_counts().to_dict() == {"AML low risk": 54, "AML high risk": 45, "ALL": 38}
    assert bmt.loc[bmt["event"] > 0, "duration"].duplicated().sum() == 7  # tied exit days
    assert (bmt["death_days"] >= bmt["duration"]).all() and "KMsurv::bmt" in bmt.attrs["source"]


def test_credit_cards_rows_late_counts_and_provenance():
    c = data.load_credit_cards()
    assert len(c) == 30_000 and c["customer_id"].is_unique
    assert list(c.columns) == ["customer_id", "late_april", "late_september", "bill_april", "age"]
    assert c["late_april"].dtype == bool and c["late_september"].dtype == bool
    assert int(c["late_april"].sum()) == 3_079 and int(c["late_september"].sum()) == 6_818
    assert int((c["late_april"] & c["late_september"]).sum()) == 1_882
    assert int((c["bill_april"] < 0).sum()) == 688 and c.notna().all().all()  # credit balances kept
    assert "causaldata::credit_cards" in c.attrs["source"] and len(data.load("credit_cards")) == 30_000
