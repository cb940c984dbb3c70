"""The call-centre-staffing adapter gives the same tables for the built-in data and for your calls and tickets."""

from __future__ import annotations

from crmresearch import data
from crmresearch.studies.inputs.call_centre_staffing import call_centre_base


def _your_calls(tmp_path, tickets=True):
    c = data.load_bank_calls().head(2_000)
    c.rename(columns={"datetime": "slot_start", "calls": "n_calls"}).to_csv(tmp_path / "calls.csv", index=False)
    text = "calls: {path: calls.csv, columns: {interval: slot_start, calls: n_calls}}\n"
    if tickets:
        data.simulate_bank(n_customers=500, seed=1).tickets.to_csv(tmp_path / "tickets.csv", index=False)
        text += "tickets: {path: tickets.csv}\n"
    (tmp_path / "s.yaml").write_text(text)
    return tmp_path / "s.yaml"


def test_built_in_and_your_calls_give_the_same_tables(tmp_path):
    built_in = call_centre_base(bank_customers=500, seed=1)
    yours = call_centre_base(str(_your_calls(tmp_path)))
    assert list(built_in.tables["calls"].columns) == list(yours.tables["calls"].columns) == ["datetime", "calls"]
    assert len(yours.tables["calls"]) == 2_000
    assert list(built_in.tables["tickets"].columns) == list(yours.tables["tickets"].columns)
    assert built_in.simulated and not yours.simulated and "contacts" not in yours.tables
    assert yours.settings["as_of"] is not None and built_in.settings["as_of"] == built_in.truth["end"]
    assert (yours.source, yours.texts["calls_source"]) == ("s.yaml: your tickets", "s.yaml: your calls per interval")
    assert [r for _, r, _ in built_in.settings["inputs"]] == [r for _, r, _ in yours.settings["inputs"]] \
        == ["calls", "tickets"]


def test_your_calls_without_tickets(tmp_path):
    yours = call_centre_base(str(_your_calls(tmp_path, tickets=False)))
    assert set(yours.tables) == {"calls"} and yours.settings["as_of"] is None
    assert [r for _, r, _ in yours.settings["inputs"]] == ["calls"]
