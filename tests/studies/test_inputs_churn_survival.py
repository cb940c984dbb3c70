"""The churn-survival inputs: Telco and the bank, or your spells, resolve into the same survival frame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmresearch.studies.inputs import Base
from crmresearch.studies.inputs.churn_survival import churn_survival


@pytest.fixture(scope="module")
def builtin():
    return churn_survival(bank_customers=600, seed=2)


def _your_spells(tmp_path, n=400):
    from crmresearch import data

    c = data.simulate_bank(n_customers=n, seed=5).contracts
    spells = c[["customer_id", "start", "end", "region", "fee_increase", "n_products"]].assign(
        region=lambda d: d["region"].astype(str))
    spells.rename(columns={"customer_id": "cust", "start": "opened", "end": "closed"}) \
        .to_csv(tmp_path / "spells.csv", index=False)
    (tmp_path / "s.yaml").write_text("spells: {path: spells.csv, columns: {customer: cust, start: opened, "
                                     "end: closed}}\n")
    return spells, tmp_path / "s.yaml"


def test_built_in_and_your_spells_give_the_same_shape(builtin, tmp_path):
    spells, yaml = _your_spells(tmp_path)
    yours = churn_survival(str(yaml))
    assert yours.bank is None and isinstance(builtin.bank, Base) and builtin.bank.simulated
    for inp in (builtin, yours):
        b = inp.base
        assert not b.simulated and set(b.tables) == {"frame"} and set(b.texts) == {"suffix", "xlabel"}
        frame = b.tables["frame"]
        assert {"duration", "event", *b.settings["covariates"], *b.settings["groups"]} <= set(frame.columns)
        assert set(frame["event"].unique()) <= {0, 1} and (frame["duration"] >= 0).all()
        assert inp.recorded[0][0] in ("telco_churn", "spells")
    assert (builtin.base.name, builtin.base.label, builtin.base.texts["suffix"]) == ("telco", "Telco", "-telco")
    assert (yours.base.name, yours.base.label, yours.base.texts["suffix"]) == ("yours", "s.yaml", "")
    assert yours.base.source == "s.yaml: your spells"
    from crmresearch import survival

    direct = survival.survival_frame(spells, as_of=survival.latest_date(spells),
                                     keep=["region", "fee_increase", "n_products"])
    pd.testing.assert_frame_equal(yours.base.tables["frame"], direct)
    assert yours.base.settings["covariates"] == ["region", "fee_increase", "n_products"]
    assert yours.base.settings["as_of"] == str(pd.Timestamp(spells[["start", "end"]].stack().max()).date())


def test_telco_frame_is_tenure_and_churn(builtin):
    frame = builtin.base.tables["frame"]
    assert len(frame) == 7043 and (frame["duration"] == 0).sum() == 11  # the 11 customers with tenure 0
    np.testing.assert_array_equal(frame["duration"], frame["tenure"].astype(float))
    np.testing.assert_array_equal(frame["event"], frame["churn"].astype(int))


def test_bank_frame_matches_the_survival_frame_of_its_spells(builtin):
    from crmresearch import data, survival

    bank = data.simulate_bank(n_customers=600, seed=2)
    direct = survival.survival_frame(
        bank.contracts.assign(group=bank.contracts["region"].astype(str), rural=bank.contracts["region"] == "rural"),
        as_of=bank.truth["end"], observed_from=bank.truth["start"], keep=["rural"])
    frame = builtin.bank.tables["frame"]
    np.testing.assert_array_equal(frame["duration"], direct["duration"])
    np.testing.assert_array_equal(frame["event"], direct["event"])
    assert set(builtin.bank.settings["covariates"]) <= set(frame.columns)
    assert set(builtin.bank.settings["truth_names"].values()) <= set(bank.truth["hazard"]["log_hazard_ratios"])


def test_left_truncation_and_as_of_reach_the_frame(tmp_path):
    spells, yaml = _your_spells(tmp_path)
    start = str(pd.Timestamp(spells["start"].quantile(0.5)).date())
    inp = churn_survival(str(yaml), observed_from=start, as_of="2030-01-01")
    assert (inp.base.tables["frame"]["entry"] > 0).any()
    assert inp.base.settings["as_of"] == "2030-01-01" and any("left-truncated" in n for n in inp.notes)


def test_record_fingerprints_every_input(builtin, tmp_path):
    from crmresearch import reporting

    ex = reporting.Exhibits(tmp_path, study="churn-survival")
    builtin.record(ex)
    assert set(reporting.read_inputs(tmp_path)) == {"telco_churn", "bank_contracts"}


def _settings(base) -> dict:
    return {r.parameter: (r.text, r.source) for r in base.resolved}


def test_as_of_auto_takes_observed_to_of_the_source_file_else_warns(tmp_path):
    """The latest date in the table is not the end of observation: observed_to is used when the file states
    it; otherwise the latest date is used with a warning, and either way the settings say which."""
    from crmresearch import survival
    from crmresearch.errors import DataWarning

    spells, yaml = _your_spells(tmp_path)
    latest = survival.latest_date(spells)
    with pytest.warns(DataWarning, match=rf"states no observed_to, so active relationships are censored at the "
                                         rf"latest date in the table, {latest}"):
        guessed = churn_survival(str(yaml))
    assert _settings(guessed.base)["as_of"] == (latest, "data")
    yaml.write_text(yaml.read_text().rstrip().rstrip("}") + "}, observed_to: 2026-01-01}\n")
    stated = churn_survival(str(yaml))
    assert _settings(stated.base)["as_of"] == ("2026-01-01", "source file")
    direct = survival.survival_frame(spells, as_of="2026-01-01", keep=["region", "fee_increase", "n_products"])
    pd.testing.assert_frame_equal(stated.base.tables["frame"], direct)
    assert _settings(churn_survival(str(yaml), as_of="2026-02-01").base)["as_of"] == ("2026-02-01", "parameter")


def test_durations_in_the_unit_of_the_source_file_in_the_unit_of_the_study(tmp_path):
    from crmresearch.errors import DataWarning

    pd.DataFrame({"cust": range(8), "tenure_days": [7.0, 14, 21, 28, 35, 42, 49, 56], "left": [1, 0] * 4,
                  "plan": list("abab") * 2}).to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "t.yaml").write_text("spells: {path: t.csv, columns: {customer: cust, duration: tenure_days, "
                                     "event: left}, unit: days}\n")
    inp = churn_survival(str(tmp_path / "t.yaml"), unit="weeks")
    frame = inp.base.tables["frame"]
    assert frame["duration"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0] and frame["event"].sum() == 4
    assert inp.base.texts["xlabel"] == "Time since the start of the relationship (weeks)"
    assert _settings(inp.base)["duration_unit"] == ("days", "source file")
    assert _settings(inp.base)["unit"] == ("weeks", "parameter") and "as_of" not in _settings(inp.base)
    (tmp_path / "t.yaml").write_text("spells: {path: t.csv, columns: {customer: cust, duration: tenure_days, "
                                     "event: left}}\n")
    with pytest.warns(DataWarning, match=r"states no unit for its durations; they are read as months"):
        months = churn_survival(str(tmp_path / "t.yaml"))
    assert _settings(months.base)["duration_unit"] == ("months", "default")
    assert months.base.tables["frame"]["duration"].iloc[0] == 7.0


def test_the_built_in_bases_report_their_settings_in_any_unit():
    inp = churn_survival(bank_customers=3_000, seed=2, unit="weeks")
    assert inp.base.texts["xlabel"] == "Tenure (weeks)" and inp.bank.texts["xlabel"] == "Relationship age (weeks)"
    telco = inp.base.tables["frame"]
    np.testing.assert_allclose(telco["duration"], telco["tenure"] * 30.4375 / 7)
    assert _settings(inp.bank)["as_of"] == ("2026-01-01", "built-in data")
    assert _settings(inp.base)["groups"] == ("contract, internet_service, payment_method", "built-in data")


def test_the_competing_risks_table_holds_the_relationships_observed_from_their_start(builtin, tmp_path):
    from crmresearch import data

    bank = builtin.bank
    c, frame = bank.tables["competing"], bank.tables["frame"]
    assert len(c) == int((frame["entry"] == 0).sum()) and "entry" not in c.columns  # no delayed entry there
    assert c["cause"].notna().tolist() == (c["event"] == 1).tolist()
    assert set(c["cause"].dropna()) <= set(data.EXIT_CAUSES) and bank.settings["causes"] == list(data.EXIT_CAUSES)
    assert bank.settings["fine_gray_cause"] == "voluntary_closure" and "cause" not in frame.columns
    # your spells: with a cause column it becomes the competing table (not a covariate); without one, no table
    spells, yaml = _your_spells(tmp_path)
    assert "competing" not in churn_survival(str(yaml)).base.tables
    sim = data.simulate_bank(n_customers=400, seed=5)
    spells.assign(why=sim.with_causes()["cause"].map({"voluntary_closure": "fees", "moved_away": "moved",
                                                       "credit_closure": "credit"})) \
        .rename(columns={"customer_id": "cust", "start": "opened", "end": "closed"}).to_csv(tmp_path / "spells.csv",
                                                                                             index=False)
    (tmp_path / "c.yaml").write_text("spells: {path: spells.csv, columns: {customer: cust, start: opened, "
                                     "end: closed, cause: why}}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no observed_to: censored at the latest date, with a warning
        yours = churn_survival(str(tmp_path / "c.yaml"))
    b = yours.base
    assert "cause" not in b.settings["covariates"] and "cause" not in b.tables["frame"].columns
    assert set(b.tables["competing"]["cause"].dropna()) == {"fees", "moved", "credit"}
    assert b.settings["fine_gray_cause"] == "fees" and b.settings["causes"] is None  # the most frequent cause
