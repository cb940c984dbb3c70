"""campaign-experiment inputs: the bank's randomised campaign, or yours, resolve into the same campaign table."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch.studies.inputs.campaign_experiment import BANK_BALANCE, BANK_FEATURES, campaign_experiment


@pytest.fixture(scope="module")
def builtin():
    return campaign_experiment(bank_customers=3_000, seed=2)


def _write(folder, camp):
    mine = camp[["customer_id", "treated", "churn_90d", "segment", "region", "n_products"]].rename(
        columns={"customer_id": "client", "treated": "got_sms", "churn_90d": "left"})
    mine.assign(got_sms=mine["got_sms"].astype(int)).to_csv(folder / "camp.csv", index=False)
    (folder / "mine.yaml").write_text("campaign: {path: camp.csv, columns: {customer: client, treated: got_sms, "
                                      "outcome: left}}\n")
    return str(folder / "mine.yaml")


def test_builtin_and_your_campaign_give_the_same_table(builtin, tmp_path):
    yours = campaign_experiment(_write(tmp_path, builtin.tables["campaign"]))
    b, y = builtin.tables["campaign"], yours.tables["campaign"]
    assert {"customer_id", "treated", "churn_90d"} <= set(b.columns) & set(y.columns)
    assert b["treated"].dtype == y["treated"].dtype == bool and len(b) == len(y)
    assert (y["churn_90d"].to_numpy() == b["churn_90d"].to_numpy()).all()
    assert set(builtin.settings) == set(yours.settings) and set(builtin.texts) == set(yours.texts)
    assert yours.settings["features"] == ["segment", "region", "n_products"]
    assert yours.settings["balance"] == ["n_products"] and yours.settings["segment"] == "segment"
    assert (yours.settings["judged"], builtin.settings["judged"]) == ("profit", "profit_true")
    assert not yours.simulated and yours.source == "mine.yaml: your randomised campaign"
    assert yours.settings["inputs"] == [("campaign", "campaign", "mine.yaml: campaign")]


def test_builtin_wording_and_truth(builtin):
    assert builtin.simulated and {"churn_ate", "churn_change_by_customer"} <= set(builtin.truth)
    assert builtin.source == "crmresearch synthetic bank (n = 3,000, seed 2), randomised campaign"
    assert builtin.settings["features"] == list(BANK_FEATURES) and builtin.settings["balance"] == list(BANK_BALANCE)
    assert builtin.texts["profit_title"] == "Campaign profit on the held-out half (true uplift)"
    assert builtin.settings["inputs"] == [("bank_campaign", "campaign", "simulate_bank(n_customers=3000, seed=2)")]


def test_your_features_and_no_segment(builtin, tmp_path):
    yours = campaign_experiment(_write(tmp_path, builtin.tables["campaign"]), features=["region", "n_products"],
                                segment_column="none")
    assert yours.settings["features"] == ["region", "n_products"] and yours.settings["segment"] is None
    assert campaign_experiment(_write(tmp_path, builtin.tables["campaign"]), segment_column="tier") \
        .settings["segment"] is None
    assert isinstance(yours.tables["campaign"], pd.DataFrame)
