"""The churn-targeting inputs: Telco and the bank, or your customers, resolve into the same churn tables."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from crmresearch.studies.inputs.churn_targeting import churn_targeting


@pytest.fixture(scope="module")
def builtin():
    return churn_targeting(bank_customers=600, seed=2, model="logistic")


def _your_customers(tmp_path, n=300):
    from crmresearch import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        telco = data.load_telco_churn().iloc[:n]
    mine = telco.drop(columns=["total_charges"]).assign(left=telco["churn"].astype(int),
                                                         keep_value=0.3 * 12 * telco["monthly_charges"]) \
        .drop(columns=["churn"]).rename(columns={"customer_id": "cid"})
    mine.to_csv(tmp_path / "customers.csv", index=False)
    (tmp_path / "c.yaml").write_text("customers: {path: customers.csv, columns: {customer: cid, churned: left, "
                                     "value: keep_value}}\n")
    return mine, tmp_path / "c.yaml"


def test_built_in_and_your_customers_give_the_same_shape(builtin, tmp_path):
    mine, yaml = _your_customers(tmp_path)
    yours = churn_targeting(str(yaml))
    assert [b.name for b in builtin.bases] == ["telco", "bank"] and [b.name for b in yours.bases] == ["yours"]
    for inp in (builtin, yours):
        main = inp.bases[0]
        assert not main.simulated and set(main.tables) == {"customers"}
        assert main.settings["models"] == ("logistic", "gradient_boosting")
        customers = main.tables["customers"]
        assert {"customer_id", "churn", *main.settings["features"]} <= set(customers.columns)
        assert "churn" not in main.settings["features"] and "value" not in main.settings["features"]
        assert set(customers["churn"].unique()) <= {0, 1}
    telco = builtin.bases[0].tables["customers"]
    assert len(telco) == 7043 and "total_charges" not in builtin.bases[0].settings["features"]
    # Telco's features are yours when your table is Telco without total charges
    assert builtin.bases[0].settings["features"] == yours.bases[0].settings["features"]
    ours = yours.bases[0]
    assert (ours.label, ours.source) == ("c.yaml", "c.yaml: your customers") and len(ours.tables["customers"]) == 300
    np.testing.assert_allclose(ours.tables["customers"]["value"], mine["keep_value"])
    assert "cox" in builtin.bases[0].settings and "cox" not in ours.settings
    assert [r[0] for r in builtin.recorded] == ["telco_churn", "bank_customers"]
    assert [r[0] for r in yours.recorded] == ["customers"]


def test_bank_table_is_the_churn_snapshot_and_its_value_the_margin_annuity(builtin):
    """Equal to what the notebook computed before: the snapshot, and the annuity on the holdout customers."""
    from sklearn.model_selection import train_test_split

    from crmresearch import clv, data, targeting

    bank = data.simulate_bank(n_customers=600, seed=2)
    snap = targeting.churn_snapshot(bank.contracts, bank.transactions, snapshot=bank.truth["campaign"]["date"],
                                    window_months=12, date="timestamp")
    bank_x = snap.merge(bank.customers[["customer_id", "age", "monthly_income"]], on="customer_id")
    _, btest = train_test_split(bank_x, test_size=0.3, random_state=0, stratify=bank_x["churned_12m"])
    before = clv.margin_annuity(0.03 * btest["volume_12m"].to_numpy(), 3, 0.10)
    b = builtin.bases[1]
    assert b.simulated and b.settings["models"] == ("logistic",)
    customers = b.tables["customers"]
    _, test = train_test_split(customers, test_size=0.3, random_state=0, stratify=customers["churn"])
    np.testing.assert_array_equal(test["value"].to_numpy(), before)
    np.testing.assert_array_equal(test.index, btest.index)
    np.testing.assert_array_equal(customers["churn"], bank_x["churned_12m"])
    assert set(b.settings["features"]) <= set(customers.columns)


def test_record_fingerprints_every_input(builtin, tmp_path):
    from crmresearch import reporting

    ex = reporting.Exhibits(tmp_path, study="churn-targeting")
    builtin.record(ex)
    assert set(reporting.read_inputs(tmp_path)) == {"telco_churn", "bank_customers"}
