"""customer-base-clv inputs: CDNOW and the bank, or your transactions, resolve into the same tables."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch.data import reference
from crmresearch.studies.inputs.customer_base_clv import customer_base_clv

from ._own import write_sources


@pytest.fixture(scope="module")
def builtin():
    return customer_base_clv(bank_customers=1_000)


def test_builtin_and_your_data_give_the_same_tables(builtin, tmp_path):
    yours = customer_base_clv(str(write_sources(tmp_path, customers=False)), calibration_end="1997-09-30")
    a, b = builtin.main, yours.main
    assert [x.name for x in builtin.bases] == ["cdnow_sample", "cdnow_master"] and b.name == "yours"
    assert set(a.tables) == set(b.tables) == {"transactions", "summary"}
    assert list(a.tables["summary"].columns) == list(b.tables["summary"].columns)
    assert a.tables["summary"].dtypes.equals(b.tables["summary"].dtypes)
    assert set(a.settings) == set(b.settings) and set(a.texts) == set(b.texts)
    assert a.settings["calibration_end"] == b.settings["calibration_end"] == pd.Timestamp("1997-09-30")
    assert len(b.tables["summary"]) == 500 and b.label == "mine.yaml" and b.source == "mine.yaml: transactions"
    assert yours.bank is None and yours.published["bgnbd"] == yours.published["gamma_gamma"] == []
    assert yours.published["bgbb"] == builtin.published["bgbb"]  # the donations check is of the model: always
    assert [r[0] for r in yours.records] == ["yours"] and yours.records[0][1] is b.tables["summary"]


def test_builtin_wording_and_published_rows(builtin):
    main = builtin.main
    assert main.settings["observation_end"] == pd.Timestamp("1998-06-30")
    assert main.texts["tracking_xlabel"].format(origin="x") == "Week since 1 January 1997"
    assert main.settings["recovery_ages"] == (26.0, 39.0)
    row = builtin.published["bgnbd"][0]
    assert row["dataset"] == "published (FHL 2005, sample)"
    assert row["r"] == reference.published("fhl2005_bgnbd_cdnow_sample")["r"] and row["customers"] == 2357
    assert builtin.published["gamma_gamma"][0]["customers_with_repeats"] == 946
    assert builtin.bank.simulated and {"transactions", "summary", "contracts"} <= set(builtin.bank.tables)
    assert [r[0] for r in builtin.records] == ["cdnow_sample", "cdnow_master", "bank_transactions_new_customers"]


def test_published_rows_only_at_the_papers_calibration():
    other = customer_base_clv(calibration_weeks=30, bank_customers=500)
    assert other.published["bgnbd"] == other.published["gamma_gamma"] == []
    assert other.published["bgbb"][0]["alpha"] == reference.published("fhs2010_bgbb_donations")["alpha"]
    assert other.main.settings["calibration_end"] == pd.Timestamp("1997-07-29")


def test_your_calibration_end_halfway_is_a_resolved_setting_in_the_table_and_manifest(tmp_path):
    """calibration_end='' picks a date from the data: the run's settings table and manifest record it."""
    from crmresearch import reporting
    from crmresearch.studies.inputs import record_settings

    yours = customer_base_clv(str(write_sources(tmp_path, customers=False)))
    main = yours.main
    got = {r.parameter: r for r in main.resolved}
    assert got["calibration_end"].source == "data" and got["calibration_end"].value == main.settings["calibration_end"]
    assert got["calibration_end"].detail.startswith("halfway between the first purchase (1997-01-01) and the last")
    assert got["observation_end"].text == str(main.settings["observation_end"].date())
    ex = reporting.Exhibits(tmp_path / "out", study="customer-base-clv")
    table = record_settings(ex, [*yours.bases, yours.bank])
    assert table.columns.tolist() == ["dataset", "parameter", "value", "source", "detail"]
    assert (tmp_path / "out" / "table-settings.md").is_file()
    resolved = reporting.read_resolved(tmp_path / "out")
    assert resolved["yours"]["calibration_end"] == {"value": got["calibration_end"].text, "source": "data",
                                                    "detail": got["calibration_end"].detail}
    set_by_you = customer_base_clv(str(tmp_path / "mine.yaml"), calibration_end="1997-09-30")
    assert {r.parameter: r.source for r in set_by_you.main.resolved}["calibration_end"] == "parameter"


def test_a_log_without_amounts_resolves_and_says_what_is_left_out(tmp_path):
    """Customer and date only: the summary has no money column (BG/NBD needs none), the same purchase
    columns as with amounts, and the spend and value exhibits are marked left out with the reason."""
    from crmresearch import studies
    from crmresearch.studies.inputs.customer_base_clv import NEED_AMOUNTS

    full = customer_base_clv(str(write_sources(tmp_path, customers=False)), calibration_end="1997-09-30")
    bare = tmp_path / "bare"
    bare.mkdir()
    log = customer_base_clv(str(write_sources(bare, customers=False, amounts=False)), calibration_end="1997-09-30")
    assert full.has_amounts and not log.has_amounts
    s, ref = log.main.tables["summary"], full.main.tables["summary"]
    assert "monetary_value" not in s.columns
    pd.testing.assert_frame_equal(s, ref.drop(columns="monetary_value"))
    assert set(NEED_AMOUNTS) <= set(log.omitted) and "no amount column" in log.omitted["table-gamma-gamma-fit"]
    assert set(full.omitted) == {"table-bank-clv", "table-covariate-models"} and "table-bank-clv" in log.omitted
    assert set(log.omitted) <= set(studies.get("customer-base-clv").exhibits)


def test_opportunity_tables_of_every_base_with_the_banks_truth(builtin, tmp_path):
    from crmresearch import clv
    from crmresearch.studies.inputs.customer_base_clv import opportunity_tables

    tables = opportunity_tables(builtin, 7)
    sample, truth = tables["cdnow_sample"]
    assert truth is None and len(sample) == 2357 and (sample["duration_holdout"] == 39).all()
    bank, alive = tables["bank"]
    assert alive.shape == (len(bank),) and 0 < alive.mean() < 1
    assert len(bank) <= len(builtin.bank.tables["summary"])  # first purchases in the last week: no opportunity
    yours = customer_base_clv(str(write_sources(tmp_path, customers=False)), calibration_end="1997-09-30")
    mine, none = opportunity_tables(yours, 7)["yours"]
    assert none is None and len(mine) == 500  # your file, read where it lives, gives the CDNOW customers' weeks
    pd.testing.assert_frame_equal(mine, sample.loc[mine.index], check_dtype=False)
    assert clv.compare_models(mine, ["bgbb"]).table["status"].tolist() == ["ok"]
