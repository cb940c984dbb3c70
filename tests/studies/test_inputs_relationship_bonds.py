"""relationship-bonds' inputs, before the kernel: your customers' owns_<product> columns become the ladder's
holdings, and bad counts are refused naming your column and rows; their referred_by column becomes the referral
links, and the simulator's links keep the converted prospects as customers."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch.errors import ValidationError
from crmresearch.studies.inputs.relationship_bonds import ladder_bases, referral_base


def _source(tmp_path, customers: pd.DataFrame):
    customers.to_csv(tmp_path / "cust.csv", index=False)
    pd.DataFrame({"cust": [1, 2], "day": ["2020-01-01", "2020-02-01"], "spend": [1.0, 2.0]}).to_csv(
        tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "transactions: {path: tx.csv, columns: {customer: cust, date: day, amount: spend}}\n"
        "customers: {path: cust.csv, columns: {customer: cust}}\n")
    return str(tmp_path / "s.yaml")


def test_your_owns_columns_are_the_holdings(tmp_path):
    c = pd.DataFrame({"cust": [1, 2, 3, 4], "owns_card": [0, 2, 1, 0], "owns_loan": [1, 0, 0, 3],
                      "age": [30, 40, 50, 60]})
    (base,) = ladder_bases(_source(tmp_path, c))
    owned = base.tables["owned"]
    assert owned.columns.tolist() == ["card", "loan"] and owned.index.tolist() == [1, 2, 3, 4]
    assert owned.to_numpy().tolist() == [[0, 1], [1, 0], [1, 0], [0, 1]]
    assert base.settings["target"] is None and base.tables["fit"] is owned
    assert ladder_bases(_source(tmp_path, c[["cust", "age"]])) == []  # no owns_ columns: no ladder


def test_bad_counts_are_refused_with_your_column(tmp_path):
    c = pd.DataFrame({"cust": [1, 2, 3], "owns_card": [0, -1, 1], "owns_loan": [1, 0, 0]})
    with pytest.raises(ValidationError, match=r"column 'owns_card': 1 of 3 rows are missing or negative"):
        ladder_bases(_source(tmp_path, c))
    with pytest.raises(ValidationError, match=r"column 'owns_loan'.*3 of 3 rows hold one value"):
        ladder_bases(_source(tmp_path, c.assign(owns_card=[0, 1, 1], owns_loan=[2, 1, 5])))
    with pytest.raises(ValidationError, match="two or more owns_<product> columns"):
        ladder_bases(_source(tmp_path, c[["cust", "owns_loan"]]))


def test_your_referred_by_column_is_the_referral_links(tmp_path):
    c = pd.DataFrame({"cust": [1, 2, 3, 4], "referred_by": [None, 1, 1, 3], "value": [90.0, 50.0, 70.0, 20.0]})
    base = referral_base(_source(tmp_path, c))
    assert base.tables["links"].to_dict("list") == {"referrer_id": [1, 1, 3], "referred_id": [2, 3, 4]}
    assert base.tables["customers"]["value"].tolist() == [90.0, 50.0, 70.0, 20.0] and base.truth is None
    assert referral_base(_source(tmp_path, c[["cust", "value"]])) is None  # no referred_by: no referral exhibits
    with pytest.raises(ValidationError, match=r"column 'referred_by': 1 of 4 rows name no customer"):
        referral_base(_source(tmp_path, c.assign(referred_by=[None, 1, 1, 7])))
    sim = referral_base(n_prospects=3_000, seed=2)
    links, customers = sim.tables["links"], sim.tables["customers"]
    assert set(links["referrer_id"]) | set(links["referred_id"]) <= set(customers["customer_id"])
    assert sim.truth["anyway"].index.tolist() == links["referred_id"].tolist()
