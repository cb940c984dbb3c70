"""A new account's level from its first days: the ordinal logit beats the majority class."""

from __future__ import annotations

import pytest

from crmresearch import segmentation
from crmresearch.errors import ValidationError


def test_ordinal_level_beats_the_majority_class(cards):
    tx = cards.transactions.rename(columns={"account_id": "customer_id"})
    e = segmentation.early_and_level(tx, cards.truth["end"], 90, 365, (300, 1500))
    train, test = e[e["customer_id"] % 10 < 7], e[e["customer_id"] % 10 >= 7]
    coefs, confusion = segmentation.ordinal_level(train, test, "level", ["early_transactions", "early_log_spend"],
                                            ["low", "mid", "high"])
    assert confusion.to_numpy().sum() == len(test)
    assert confusion.attrs["accuracy"] > test["level"].value_counts(normalize=True).iloc[0] + 0.05
    assert (coefs.set_index("term").loc[["early_transactions", "early_log_spend"], "estimate"] > 0).all()
    with pytest.raises(ValidationError, match="collinear"):
        segmentation.ordinal_level(train.assign(copy=train["early_transactions"]), test.assign(copy=1.0), "level",
                             ["early_transactions", "copy"], ["low", "mid", "high"])
