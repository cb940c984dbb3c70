"""What every input adapter takes from your data source file besides its tables: the ``name`` titles and source
lines use (default: the file's name) and the ``currency`` money labels use (default: none, "amount units"),
while the built-in data keep their currency (USD)."""

from __future__ import annotations

import warnings

import pytest

from ._own import write_sources

pytest.importorskip("duckdb")
pytest.importorskip("yaml")


def _named(path, lines: str):
    path.write_text(lines + path.read_text())
    return str(path)


def _adapters():
    from crmresearch.studies.inputs.customer_base_clv import customer_base_clv
    from crmresearch.studies.inputs.rfm_segments import rfm_segments
    from crmresearch.studies.inputs.value_tiers import value_tiers

    return {"value-tiers": lambda d: value_tiers(d).bases[0],
            "rfm-segments": lambda d: rfm_segments(d).bases[0],
            "customer-base-clv": lambda d: customer_base_clv(d, calibration_end="1997-09-30").main}


@pytest.mark.parametrize("study", ["value-tiers", "rfm-segments", "customer-base-clv"])
def test_the_name_key_titles_your_base(tmp_path, study):
    resolve = _adapters()[study]
    plain = resolve(str(write_sources(tmp_path, customers=False)))
    assert plain.label == "mine.yaml" and plain.source.startswith("mine.yaml: ")  # the default: the file's name
    named = resolve(_named(tmp_path / "mine.yaml", "name: Shop 2024\n"))
    assert named.label == "Shop 2024" and named.source.startswith("Shop 2024: ")
    assert not any("mine.yaml" in text for text in named.texts.values())
    if study == "customer-base-clv":
        assert named.texts["value_title"].startswith("Shop 2024: ")


def test_the_currency_key_labels_your_amounts(tmp_path):
    from crmresearch.studies.inputs.customer_base_clv import customer_base_clv
    from crmresearch.studies.inputs.value_tiers import value_tiers

    path = write_sources(tmp_path, customers=False)
    plain = customer_base_clv(str(path), calibration_end="1997-09-30").main
    assert plain.texts["currency"] == "amount units" and plain.texts["value_xlabel"] == "CLV (amount units, log scale)"
    _named(path, "currency: EUR\n")
    euros = customer_base_clv(str(path), calibration_end="1997-09-30").main
    assert euros.texts["currency"] == "EUR" and euros.texts["value_xlabel"] == "CLV (EUR, log scale)"
    assert value_tiers(str(path)).bases[0].texts["description"].endswith(" EUR")
    assert not any("USD" in text for text in euros.texts.values())


def test_your_customers_and_campaign_say_your_currency(tmp_path):
    """churn-targeting's profit and offer-cost axes and campaign-experiment's profit axis read the base's currency."""
    import numpy as np
    import pandas as pd

    from crmresearch import data
    from crmresearch.studies.inputs.campaign_experiment import campaign_experiment
    from crmresearch.studies.inputs.churn_targeting import churn_targeting

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        telco = data.load_telco_churn().iloc[:200]
    telco.drop(columns=["total_charges"]).assign(churn=telco["churn"].astype(int), value=telco["monthly_charges"]) \
        .rename(columns={"churn": "churned"}).to_csv(tmp_path / "customers.csv", index=False)
    (tmp_path / "c.yaml").write_text("currency: EUR\ncustomers: {path: customers.csv}\n")
    assert churn_targeting(str(tmp_path / "c.yaml")).bases[0].texts["currency"] == "EUR"
    rng = np.random.default_rng(0)
    pd.DataFrame({"customer_id": range(400), "treated": rng.integers(0, 2, 400), "outcome": rng.integers(0, 2, 400),
                  "age": rng.integers(20, 70, 400)}).to_csv(tmp_path / "camp.csv", index=False)
    (tmp_path / "camp.yaml").write_text("campaign: {path: camp.csv}\n")
    assert campaign_experiment(str(tmp_path / "camp.yaml")).texts["profit_ylabel"] == \
        "Expected profit (thousand amount units)"


def test_built_in_data_keep_their_currency():
    from crmresearch.studies.inputs.churn_targeting import churn_targeting
    from crmresearch.studies.inputs.customer_base_clv import customer_base_clv

    assert {b.texts["currency"] for b in churn_targeting(bank_customers=500, seed=1).bases} == {"USD"}
    main = customer_base_clv(bank_customers=500).main
    assert main.texts["currency"] == "USD" and main.texts["value_xlabel"] == "CLV (USD, log scale)"
