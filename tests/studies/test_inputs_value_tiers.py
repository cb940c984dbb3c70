"""value-tiers inputs: CDNOW and the bank, or your transactions and customers, resolve into the same tables."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import segmentation
from crmresearch.studies.inputs.value_tiers import value_tiers

from ._own import write_sources


@pytest.fixture(scope="module")
def builtin():
    return value_tiers(dataset="cdnow_sample", bank_customers=1_000)


def test_builtin_and_your_data_give_the_same_tables(builtin, tmp_path):
    yours = value_tiers(str(write_sources(tmp_path)), margin_rate=0.2, order_cost=2.0)
    assert [b.name for b in builtin.bases] == ["CDNOW", "bank"] and [b.name for b in yours.bases] == ["yours"]
    for b in (*builtin.bases, *yours.bases):
        assert set(b.tables) >= {"transactions"} and set(b.settings) >= {"all_customers", "cost_to_serve", "date"}
        totals = segmentation.customer_totals(b.tables["transactions"], all_customers=b.settings["all_customers"])
        costs = segmentation.cost_to_serve(b.tables["transactions"], **b.settings["cost_to_serve"])
        assert list(totals.columns) == list(segmentation.customer_totals(builtin.bases[0].tables["transactions"])
                                            .columns)
        assert {"margin", "cost", "profit", "below_cost"} <= set(costs.columns) and len(costs) == len(totals)
    p, q = builtin.potential, yours.potential
    assert (p.name, q.name) == ("bank", "yours") and set(p.settings) == set(q.settings)
    assert set(p.texts) == set(q.texts) and isinstance(q.settings["as_of"], pd.Timestamp)
    assert q.settings["margin_rate"] == 0.2 and q.settings["cost_to_serve"]["channel_costs"] == 2.0
    assert len(q.settings["all_customers"]) == 503  # the book: 500 buyers and 3 who never bought
    assert yours.bank is None and yours.source == q.source == "mine.yaml: your transactions"
    assert [r[0] for r in yours.records] == ["transactions"]


def test_builtin_wording(builtin):
    assert builtin.bank is builtin.potential and builtin.bank.simulated
    assert builtin.source == ("CDNOW purchases 1997-01 to 1998-06 (Fader, Hardie & Lee 2005); "
                              "crmresearch synthetic bank (n = 1,000, seed 0)")
    assert builtin.potential.texts["matrix_title"] == "Bank: current value x potential"
    assert [r[0] for r in builtin.records] == ["cdnow_sample", "bank_transactions", "bank_customers"]


def test_without_a_customers_role_the_book_is_the_buyers(tmp_path):
    yours = value_tiers(str(write_sources(tmp_path, customers=False)))
    assert yours.bases[0].settings["all_customers"] is None


def test_a_log_without_amounts_ranks_by_transactions_and_leaves_out_costs(tmp_path):
    """Customer and date only: customers ranked by transactions (current) and BG/NBD expected transactions
    (potential); margin and cost to serve, which are money, are left out with the reason."""
    from crmresearch import clv, studies
    from crmresearch.studies.inputs.value_tiers import NEED_AMOUNTS

    log = value_tiers(str(write_sources(tmp_path, amounts=False)))
    b = log.potential
    assert not log.has_amounts and b.settings["amount"] is None and b.settings["value"] == "transactions"
    totals = segmentation.customer_totals(b.tables["transactions"], all_customers=b.settings["all_customers"],
                                          amount=b.settings["amount"])
    assert list(totals.columns) == ["transactions"] and len(totals) == 503
    report = segmentation.pyramid_report(totals, value=b.settings["value"], sums=b.settings["sums"],
                                         measure=b.settings["measure"])
    assert report.tiers["customers"].sum() == 503 and "total_transactions" in set(report.concentration["metric"])
    s = clv.summary_from_transactions(b.tables["transactions"], b.settings["as_of"], amount=b.settings["amount"])
    assert b.settings["potential"] in clv.customer_value(s).values.columns
    assert set(NEED_AMOUNTS) <= set(log.omitted) and "margin and cost to serve" in log.omitted["fig-whale-curve"]
    assert "table-value-classes" in log.omitted and set(log.omitted) <= set(studies.get("value-tiers").exhibits)
    assert "transactions" in log.texts["lorenz_title"] and "no amounts" in b.texts["description"]
