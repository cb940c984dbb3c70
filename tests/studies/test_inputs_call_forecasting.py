"""call-forecasting inputs: the fpp3 bank calls, or your calls per interval or call log, as one calls table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmresearch import data
from crmresearch.studies.inputs.call_forecasting import BANK_CALLS_SOURCE, call_forecasting


def test_builtin_and_your_calls_give_the_same_table(tmp_path):
    builtin = call_forecasting()
    calls = builtin.tables["calls"]
    calls.iloc[:2000].rename(columns={"datetime": "slot_start", "calls": "n_calls"}) \
        .to_csv(tmp_path / "calls.csv", index=False)
    (tmp_path / "mine.yaml").write_text("calls: {path: calls.csv, columns: {interval: slot_start, calls: n_calls}}\n")
    yours = call_forecasting(str(tmp_path / "mine.yaml"), interval_minutes=5.0)
    assert list(yours.tables["calls"].columns) == list(calls.columns) == ["datetime", "calls"]
    assert yours.tables["calls"]["calls"].sum() == calls.iloc[:2000]["calls"].sum()
    assert not builtin.simulated and not yours.simulated
    assert (builtin.name, builtin.source) == ("bank_calls", BANK_CALLS_SOURCE)
    assert (yours.name, yours.source) == ("yours", "mine.yaml: your calls per interval")
    assert yours.settings["inputs"] == [("calls", "calls", "mine.yaml: calls per 5 minutes")]
    assert builtin.settings["inputs"] == [("bank_calls", "calls", calls.attrs["source"])]


def test_a_call_log_is_counted_per_interval(tmp_path):
    c = data.load_bank_calls().iloc[:500]
    stamps = np.repeat(c["datetime"].to_numpy(), c["calls"].to_numpy()) + pd.Timedelta(seconds=61).to_numpy()
    pd.DataFrame({"rang_at": stamps}).to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "log.yaml").write_text("calls: {path: log.csv, columns: {interval: rang_at}}\n")
    counted = call_forecasting(str(tmp_path / "log.yaml")).tables["calls"]
    merged = c.merge(counted, on="datetime", how="left", suffixes=("", "_log")).fillna({"calls_log": 0})
    assert (merged["calls"] == merged["calls_log"]).all()
    recorded = call_forecasting(str(tmp_path / "log.yaml")).settings["inputs"][0][2]
    assert recorded == ("log.yaml: calls per 5 minutes, a call log counted on 2003-03-03 to 2003-03-05 "
                        "(3 open days x 169 intervals, 7 without a call)")  # the rest of the last day
