"""The card-base simulator: its truth's shares, and BG/NBD recovering its P(alive)."""

from __future__ import annotations

import pytest

from crmresearch import clv


def test_card_base_truth_shares_and_bgnbd_recovery(cards):
    status = cards.truth["status"]
    assert (status == "never activated").mean() == pytest.approx(0.25, abs=0.02)
    tx = cards.transactions.rename(columns={"account_id": "customer_id"})
    s = clv.summary_from_transactions(tx, cards.truth["end"].strftime("%Y-%m-%d"), freq="W")
    fit = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).summary  # indexed by parameter
    truth = {"r": 0.5, "alpha": 25 / 7, "a": 0.6, "b": 6.0}
    for name, value in truth.items():  # the simulator tells the BG/NBD story: parameters within 25 %
        assert fit.loc[name, "estimate"] == pytest.approx(value, rel=0.25), name
    pa = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).probability_alive(s["frequency"], s["recency"],
                                                                                        s["T"])
    alive = status.eq("alive").reindex(pa.index)
    st = clv.activity_status(cards.accounts, tx, cards.truth["end"]).set_index("account_id")
    acc = clv.rule_accuracy({"180": (st["days_since_last"] <= 180).reindex(pa.index), "p": pa > 0.5}, alive)
    acc = acc.set_index("rule")
    assert acc.loc["p", "accuracy"] > acc.loc["180", "accuracy"] + 0.1
