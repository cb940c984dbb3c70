"""The service-recovery adapter gives the same tables for the simulator and for your dated records."""

from __future__ import annotations

import pandas as pd

from crmresearch import data
from crmresearch.studies.inputs.service_recovery import recovery_base
from crmresearch.survival import recovery


def _your_records(tmp_path, n=400, seed=3):
    """The simulator's day counts written as dated CSV files from 2022-01-01 (every customer starts then)."""
    sim = data.simulate_service_cases(n_customers=n, n_managers=20, seed=seed)
    origin = pd.Timestamp("2022-01-01")
    day = lambda d: origin + pd.to_timedelta(d, unit="D")  # noqa: E731
    pd.DataFrame({"client": sim.customers["customer_id"], "start": origin,
                  "end": day(sim.customers["duration_days"]).where(sim.customers["churned"]),
                  "rm": sim.customers["manager_id"], "rural": sim.customers["rural"]}).to_csv(tmp_path / "spells.csv",
                                                                                            index=False)
    pd.DataFrame({"client": sim.cases["customer_id"], "opened": day(sim.cases["opened_day"]),
                  "resolved": day(sim.cases["resolved_day"]), "owner_kept": sim.cases["owner_kept"],
                  "compensated": sim.cases["compensated"]}).to_csv(tmp_path / "cases.csv", index=False)
    pd.DataFrame({"rm": sim.managers["manager_id"], "left": day(sim.managers["left_day"])}).to_csv(
        tmp_path / "managers.csv", index=False)
    (tmp_path / "s.yaml").write_text("spells: {path: spells.csv, columns: {customer: client, manager_id: rm}}\n"
                                     "cases: {path: cases.csv, columns: {customer: client}}\n"
                                     "managers: {path: managers.csv, columns: {manager: rm}}\n")
    return tmp_path / "s.yaml", day(sim.truth["end_day"])


def test_simulator_and_your_records_give_the_same_tables(tmp_path):
    path, end = _your_records(tmp_path)
    built_in = recovery_base(n_customers=400, n_managers=20, seed=3)
    yours = recovery_base(str(path), as_of=f"{end:%Y-%m-%d %H:%M:%S}")
    for b in (built_in, yours):
        assert {"customer_id", "duration", "event"} <= set(b.tables["subjects"].columns)
        assert {"customer_id", "opened_day", "resolved_day", "owner_kept"} <= set(b.tables["cases"].columns)
        frame = recovery.resolution_frame(recovery.with_ownership(b.tables["cases"]), b.settings["end_day"],
                                          by=["ownership"])
        assert list(frame.columns) == ["duration", "event", "ownership"] and len(frame) == len(b.tables["cases"])
        changes = recovery.case_covariates(b.tables["cases"], b.tables["customers"], b.tables["managers"], 7.0)
        assert set(recovery.changing_covariates(changes)) == set(recovery.COVARIATES)
    assert len(built_in.tables["cases"]) == len(yours.tables["cases"])
    assert built_in.simulated and not yours.simulated
    assert built_in.settings["causes"] == list(data.EXIT_CAUSES) and yours.settings["causes"] is None  # no column
    assert built_in.settings["fixed"] == ["rural"] and "rural" in yours.settings["fixed"]
    assert built_in.settings["row_accounts"] == {} and list(yours.settings["row_accounts"]) == ["table-case-rows"]
    assert [n for n, _, _ in yours.settings["inputs"]] == ["spells", "cases", "managers"]
    assert [n for n, _, _ in built_in.settings["inputs"]] == ["sim_customers", "sim_cases", "sim_managers"]
    assert yours.source.startswith("s.yaml: your spells and complaint cases to ")


def test_with_ownership_equals_the_labels_it_replaces():
    sim = data.simulate_service_cases(n_customers=300, n_managers=10, seed=1)
    old = sim.cases.assign(ownership=sim.cases["owner_kept"].map({True: "owner kept", False: "transferred"}))
    pd.testing.assert_frame_equal(recovery.with_ownership(sim.cases), old)
    as_int = sim.cases.assign(owner_kept=sim.cases["owner_kept"].astype(int))
    assert recovery.with_ownership(as_int)["ownership"].tolist() == old["ownership"].tolist()
    no_owner = sim.cases.drop(columns="owner_kept")
    assert recovery.with_ownership(no_owner) is no_owner


def test_a_cause_column_is_checked_before_the_kernel(tmp_path):
    """Your spells' cause column: yours in the order named, and refused before any kernel when one cause is all
    there is or causes are named without the column (a named cause without exits: tests/survival/test_recovery)."""
    import pytest

    from crmresearch import studies
    from crmresearch.errors import ParameterError, ValidationError

    _your_records(tmp_path)
    spells = pd.read_csv(tmp_path / "spells.csv")
    ended = int(spells["end"].notna().sum())
    study = studies.get("service-recovery")
    yaml = tmp_path / "s.yaml"
    text = yaml.read_text()
    with pytest.raises(ValidationError, match=r"'causes' names exit causes .* has no cause column"):
        recovery_base(str(yaml), causes=["fees", "credit"])
    yaml.write_text(text.replace("manager_id: rm}", "manager_id: rm, cause: why}"))
    spells.assign(why=spells["end"].notna().map({True: "fees", False: None})).to_csv(tmp_path / "spells.csv",
                                                                                       index=False)
    with pytest.raises(ParameterError, match=rf"all {ended} of the {ended} exits have the same cause \('fees'\)"):
        study.preflight(study.resolve({"data": str(yaml)}))
    why = pd.Series(["fees", "credit"] * len(spells)).iloc[:len(spells)].where(spells["end"].notna().to_numpy())
    spells.assign(why=why.to_numpy()).to_csv(tmp_path / "spells.csv", index=False)
    base = recovery_base(str(yaml), causes=["fees", "credit"])
    assert base.settings["causes"] == ["fees", "credit"] and "cause" not in base.settings["fixed"]
    assert base.tables["subjects"]["cause"].notna().sum() == ended
