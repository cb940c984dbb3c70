"""rfm-segments inputs: CDNOW and the bank, or your transactions, resolve into the same tables."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import segmentation
from crmresearch.studies.inputs.rfm_segments import RFM_FEATURES, rfm_segments

from ._own import write_sources


@pytest.fixture(scope="module")
def builtin():
    return rfm_segments(dataset="cdnow_sample", bank_customers=1_000)


def test_builtin_and_your_data_give_the_same_tables(builtin, tmp_path):
    yours = rfm_segments(str(write_sources(tmp_path, customers=False)))
    assert [b.name for b in builtin.bases] == ["CDNOW", "bank"] and [b.name for b in yours.bases] == ["yours"]
    columns = list(builtin.bases[0].tables["rfm"].columns)
    for b in (*builtin.bases, *yours.bases):
        assert set(b.tables) >= {"transactions", "rfm", "features"} and set(b.settings) >= {"date", "end", "mid"}
        rows = b.tables["customers" if b.name == "bank" else "rfm"]  # the bank clusters its whole profile
        assert list(b.tables["rfm"].columns) == columns and len(b.tables["features"]) == len(rows)
        assert b.tables["features"].notna().all().all()
    p, q = builtin.profiled, yours.profiled
    assert (p.name, q.name) == ("bank", "yours") and q.settings["profile_columns"] == list(RFM_FEATURES)
    for b in (p, q):
        assert len(b.tables["customers"]) == len(b.tables["features"])
        assert set(b.settings["profile_columns"]) <= set(b.tables["customers"].columns)
    assert yours.bank is None and yours.source == "mine.yaml: transactions" and q.settings["end"] == "1998-07-01"
    assert [r[0] for r in yours.records] == ["transactions"] and q.tables["rfm"]["frequency"].sum() == len(
        q.tables["transactions"].to_pandas())


def test_builtin_equals_the_rfm_of_the_notebook(builtin):
    cdnow, bank = builtin.bases
    direct = segmentation.rfm(cdnow.tables["transactions"], as_of="1998-07-01", date="date")
    assert cdnow.tables["rfm"].equals(direct) and cdnow.settings["mid"] == "1997-10-01"
    np.testing.assert_array_equal(cdnow.tables["features"], np.log1p(direct[list(RFM_FEATURES)]))
    assert list(bank.tables["features"].columns) == ["age", "log_income", "log_distance_km"]
    assert bank.settings["date"] == "timestamp" and builtin.bank is bank and bank.simulated
    assert builtin.source == ("CDNOW purchases 1997-01 to 1998-06 (Fader, Hardie & Lee 2005); "
                              "crmresearch synthetic bank (n = 1,000, seed 0)")
    assert [r[0] for r in builtin.records] == ["cdnow_sample", "bank_transactions", "bank_customers"]


def test_a_log_without_amounts_resolves_to_r_and_f(tmp_path):
    """Customer and date only: RFM without M, clusters and profiles on recency and frequency, the share
    figure of transactions instead of value; only the simulator's exhibit is left out."""
    from crmresearch import studies
    from crmresearch.errors import DataWarning

    with pytest.warns(DataWarning, match="no amounts; RFM without M"):
        log = rfm_segments(str(write_sources(tmp_path, customers=False, amounts=False)))
    full = rfm_segments(str(write_sources(tmp_path, customers=False)))
    b, ref = log.bases[0], full.bases[0]
    assert not log.has_amounts and full.has_amounts and b.settings["amount"] is None
    assert "monetary" not in b.tables["rfm"].columns
    assert list(b.tables["features"].columns) == ["recency_days", "frequency"]
    assert b.settings["profile_columns"] == ["recency_days", "frequency"]
    np.testing.assert_array_equal(b.tables["features"], ref.tables["features"][["recency_days", "frequency"]])
    assert list(log.shares) == ["customer_share", "frequency_share"] and "transactions" in log.shares_title
    summary = segmentation.segment_summary(b.tables["rfm"], segmentation.rfm_segments(
        segmentation.rfm_scores(b.tables["rfm"])), min_cell=1)
    assert set(log.shares) <= set(summary.columns) and summary["frequency_share"].sum() == pytest.approx(1.0)
    assert set(log.omitted) == {"table-cluster-vs-truth"} <= set(studies.get("rfm-segments").exhibits)
