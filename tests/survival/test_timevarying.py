"""survival.panel against lifelines' to_long_format + add_covariate_to_timeline; TimeVaryingCox against
lifelines' CoxTimeVaryingFitter; the service-recovery simulator's effects recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxTimeVaryingFitter
from lifelines.utils import add_covariate_to_timeline, to_long_format

from crmresearch import data, survival
from crmresearch.errors import ValidationError
from crmresearch.survival import recovery

SUBJECTS = pd.DataFrame({"id": [1, 2, 3, 4], "duration": [10.0, 8.0, 5.0, 6.0], "event": [True, False, True, True],
                         "age": [30, 40, 50, 60]})


def _lifelines(subjects: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    long = add_covariate_to_timeline(to_long_format(subjects, "duration"), changes.copy(), "id", "time", "event")
    return long.sort_values(["id", "start"]).reset_index(drop=True)


@pytest.mark.parametrize("changes", [
    # a change inside, one at time 0 (sets the start value), one after the end (not applied)
    pd.DataFrame({"id": [1, 1, 2, 3, 3, 4], "time": [0.0, 4.0, 0.0, 0.0, 7.0, 0.0], "z": [0, 1, 0, 1, 0, 0]}),
    # two covariates changing at different times; a change exactly at the event time is not applied
    pd.DataFrame({"id": [1, 1, 1, 2, 3, 4, 4], "time": [0.0, 2.0, 10.0, 0.0, 0.0, 0.0, 3.0],
                  "z": [0, 1, 0, 1, 1, 0, 1], "w": [5.0, 6.0, 7.0, 1.0, 2.0, 3.0, 3.0]}),
])
def test_panel_equals_lifelines_on_hand_cases(changes):
    ours = survival.panel(SUBJECTS, changes, id_col="id")
    theirs = _lifelines(SUBJECTS, changes)
    cols = ["id", "start", "stop", "event", "age", *[c for c in changes.columns if c not in ("id", "time")]]
    pd.testing.assert_frame_equal(ours[cols].astype(float), theirs[cols].astype(float), check_exact=False)
    assert ours["event"].sum() == SUBJECTS["event"].sum()


def test_panel_never_drops_an_event_and_accounts_for_every_change():
    changes = pd.DataFrame({"id": [1, 3, 3, 4], "time": [4.0, 5.0, 9.0, 2.0], "z": [1, 1, 1, np.nan]})
    p = survival.panel(SUBJECTS, changes, id_col="id", initial={"z": 0})
    assert p["event"].sum() == 3 and p.groupby("id")["event"].sum().to_dict() == {1: 1, 2: 0, 3: 1, 4: 1}
    # subject 3 ends at 5 with the event: its changes at 5 and 9 are not applied
    assert p[p["id"] == 3][["start", "stop", "z"]].to_numpy().tolist() == [[0.0, 5.0, 0.0]]
    steps = p.attrs["rows"].table()
    assert steps["rows_out"].iloc[0] == 3  # one empty cell: no change
    assert steps["dropped"].iloc[1] == 2  # two changes after the end of follow-up, counted
    # no gaps and no overlaps: every subject's intervals tile (entry, duration]
    for sid, g in p.groupby("id"):
        assert g["start"].iloc[0] == 0 and g["stop"].iloc[-1] == SUBJECTS.set_index("id").loc[sid, "duration"]
        assert (g["start"].iloc[1:].to_numpy() == g["stop"].iloc[:-1].to_numpy()).all()


def test_panel_with_entry_and_refusals():
    subjects = SUBJECTS.assign(entry=[2.0, 0.0, 1.0, 0.0])
    changes = pd.DataFrame({"id": [1, 1], "time": [1.0, 6.0], "z": [1, 2]})
    p = survival.panel(subjects, changes, id_col="id", entry="entry", initial={"z": 0})
    assert p[p["id"] == 1][["start", "stop", "z"]].to_numpy().tolist() == [[2.0, 6.0, 1.0], [6.0, 10.0, 2.0]]
    with pytest.raises(ValidationError, match=r"covariate 'z' has no value at the start of observation for 4 subjects"):
        survival.panel(SUBJECTS, changes, id_col="id")
    with pytest.raises(ValidationError, match=r"1 changes belong to ids that are not in the subjects table"):
        survival.panel(SUBJECTS, pd.DataFrame({"id": [9], "time": [1.0], "z": [1]}), id_col="id", initial={"z": 0})
    with pytest.raises(ValidationError, match=r"2 changes set the same covariate of the same subject at the same time"):
        survival.panel(SUBJECTS, pd.DataFrame({"id": [1, 1], "time": [1.0, 1.0], "z": [1, 2]}), id_col="id",
                       initial={"z": 0})
    with pytest.raises(ValidationError, match=r"1 subjects have a 'duration' that is missing"):
        survival.panel(SUBJECTS.assign(duration=[10.0, 0.0, 5.0, 6.0]), changes, id_col="id", initial={"z": 0})


@pytest.fixture(scope="module")
def cases() -> data.ServiceCases:
    return data.simulate_service_cases(n_customers=6_000, n_managers=60, seed=3)


@pytest.fixture(scope="module")
def recovery_panel(cases) -> pd.DataFrame:
    changes = recovery.case_covariates(cases.cases, cases.customers, cases.managers, cases.truth["slow_days"])
    subjects = cases.customers.rename(columns={"duration_days": "duration", "churned": "event"})
    return survival.panel(subjects[["customer_id", "duration", "event", "rural"]], changes,
                          initial=dict.fromkeys(recovery.COVARIATES, 0))


def test_time_varying_cox_equals_lifelines(recovery_panel):
    sample = recovery_panel[recovery_panel["customer_id"] <= 1_500]
    covs = ["rural", "open_complaint", "slow_resolution", "compensated", "manager_left"]
    ours = survival.TimeVaryingCox(covs).fit(sample)
    frame = sample[covs].astype(float).assign(id=sample["customer_id"], start=sample["start"], stop=sample["stop"],
                                              event=sample["event"].astype(int))
    theirs = CoxTimeVaryingFitter().fit(frame, id_col="id", event_col="event", start_col="start", stop_col="stop")
    np.testing.assert_allclose(ours.summary["estimate"], theirs.params_.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.summary["std_error"], theirs.standard_errors_.to_numpy(), atol=1e-6)
    assert ours.log_likelihood_ == pytest.approx(theirs.log_likelihood_, abs=1e-6)


def test_time_varying_cox_handles_tied_event_times_like_lifelines():
    rng = np.random.default_rng(0)
    n = 300
    subjects = pd.DataFrame({"id": np.arange(n), "duration": rng.integers(1, 15, n).astype(float),
                             "event": rng.random(n) < 0.7, "x": rng.normal(size=n)})
    changes = pd.DataFrame({"id": np.arange(0, n, 2), "time": rng.integers(1, 10, n // 2).astype(float), "z": 1})
    p = survival.panel(subjects, changes, id_col="id", initial={"z": 0})
    ours = survival.TimeVaryingCox(["x", "z"], id_col="id").fit(p)
    frame = p[["x", "z"]].astype(float).assign(id=p["id"], start=p["start"], stop=p["stop"],
                                               event=p["event"].astype(int))
    theirs = CoxTimeVaryingFitter().fit(frame, id_col="id", event_col="event", start_col="start", stop_col="stop")
    np.testing.assert_allclose(ours.summary["estimate"], theirs.params_.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.summary["std_error"], theirs.standard_errors_.to_numpy(), atol=1e-6)


def test_time_varying_cox_refuses_overlapping_or_empty_intervals_with_counts():
    rows = pd.DataFrame({"customer_id": [1, 1, 2, 3], "start": [0.0, 2, 0, 0], "stop": [3.0, 5, 4, 6],
                         "event": [0, 1, 1, 0], "x": [0, 1, 0, 1]})
    with pytest.raises(ValidationError, match=r"time_varying_cox: column 'start': 1 of 4 rows start before the "
                                              r"previous interval of the same 'customer_id' ends"):
        survival.TimeVaryingCox(["x"]).fit(rows)
    with pytest.raises(ValidationError, match=r"column 'stop': 1 of 4 rows have stop <= start"):
        survival.TimeVaryingCox(["x"]).fit(rows.assign(start=[0.0, 3, 4, 0]))


def test_simulated_effects_are_recovered_inside_their_intervals(cases, recovery_panel):
    fit = survival.TimeVaryingCox(["rural", *recovery.COVARIATES]).fit(recovery_panel).summary
    truth = cases.truth["log_hazard_ratios"]
    for name, beta in truth.items():
        lo, hi = fit.loc[name, "ci_lower"], fit.loc[name, "ci_upper"]
        # 99.7 % intervals (3 standard errors): five checks at 95 % would fail together one time in four
        se = fit.loc[name, "std_error"]
        assert fit.loc[name, "estimate"] - 3 * se <= beta <= fit.loc[name, "estimate"] + 3 * se, (name, lo, hi, beta)


def test_case_covariates_hand_case():
    cases = pd.DataFrame({"customer_id": [1, 1, 2], "opened_day": [10.0, 12.0, 5.0],
                          "resolved_day": [20.0, 14.0, np.nan], "compensated": [False, True, False]})
    customers = pd.DataFrame({"customer_id": [1, 2], "manager_id": [7, 8]})
    managers = pd.DataFrame({"manager_id": [7, 8], "left_day": [30.0, np.nan]})
    ch = recovery.case_covariates(cases, customers, managers, slow_days=7)
    one = ch[ch["customer_id"] == 1].set_index("time")
    # open from 10 to 20 (the second case nests inside), slow from 20 (10 days), compensated from 14
    assert one["open_complaint"].dropna().to_dict() == {10.0: 1, 12.0: 1, 14.0: 1, 20.0: 0}
    assert one["slow_resolution"].dropna().to_dict() == {20.0: 1}
    assert one["compensated"].dropna().to_dict() == {14.0: 1}
    assert one["manager_left"].dropna().to_dict() == {30.0: 1}
    assert ch[ch["customer_id"] == 2]["open_complaint"].tolist() == [1]  # still open
    with pytest.raises(ValidationError, match="1 cases are resolved before they were opened"):
        recovery.case_covariates(cases.assign(resolved_day=[5.0, 14.0, np.nan]))


def test_resolution_frame_censors_open_cases_and_rate_by_count():
    cases = pd.DataFrame({"opened_day": [1.0, 2.0, 8.0], "resolved_day": [3.0, np.nan, 12.0], "owner_kept": [1, 0, 1]})
    f = recovery.resolution_frame(cases, end_day=10.0, by=["owner_kept"])
    assert f["duration"].tolist() == [2.0, 8.0, 2.0] and f["event"].tolist() == [True, False, False]
    df = pd.DataFrame({"calls": [0, 0, 1, 5, 7], "churn": [0, 1, 0, 1, 1]})
    t = recovery.rate_by_count(df, "calls", "churn", cap=4)
    assert t["calls"].tolist() == ["0", "1", "4+"] and t["rate"].tolist() == [0.5, 0.0, 1.0]
    assert t["ci_lower"].iloc[0] == pytest.approx(0.0945, abs=1e-4)  # Wilson 1 of 2


def _dated():
    spells = pd.DataFrame({"customer_id": [1, 2, 3],
                           "start": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
                           "end": pd.to_datetime([None, "2024-06-30", None]), "manager_id": ["a", "b", "a"]})
    cases = pd.DataFrame({"customer_id": [1, 2, 2, 3], "opened": pd.to_datetime(["2024-02-01", "2024-05-01",
                                                                                   "2024-08-01", "2024-01-15"]),
                          "resolved": pd.to_datetime(["2024-02-11", None, "2024-08-02", "2024-01-20"])})
    managers = pd.DataFrame({"manager_id": ["a", "b"], "left": pd.to_datetime(["2024-04-01", None])})
    return spells, cases, managers


def test_day_clock_puts_dated_records_on_each_customers_clock_and_counts_what_it_leaves_out():
    spells, cases, managers = _dated()
    clock = recovery.day_clock(spells, cases, "2024-12-31", managers)
    assert clock.subjects[["customer_id", "duration", "event"]].values.tolist() == [[1, 365.0, False],
                                                                                   [2, 121.0, True],
                                                                                   [3, 334.0, False]]
    # customer 2's August case came after they left; customer 3's January case before they joined
    steps = clock.account.table()
    assert steps["dropped"].tolist() == [1, 1] and len(clock.cases) == 2
    assert clock.cases[["opened_day", "resolved_day"]].values.tolist()[0] == [31.0, 41.0]
    # manager a left on 2024-04-01: day 91 for customer 1, day 60 for customer 3; manager b never left
    left = clock.managers.set_index("manager_id")["left_day"]
    assert left.loc[1] == 91.0 and left.loc[3] == 60.0 and np.isnan(left.loc[2])
    changes = recovery.case_covariates(clock.cases, clock.customers, clock.managers)
    assert changes.loc[changes["customer_id"] == 3, "manager_left"].tolist() == [1.0]


def test_day_clock_refusals():
    spells, cases, managers = _dated()
    with pytest.raises(ValidationError, match=r"1 of 4 cases belong to customers that are not in the spells"):
        recovery.day_clock(spells, cases.assign(customer_id=[1, 2, 2, 9]))
    with pytest.raises(ValidationError, match=r"1 of 4 cases were opened after as_of 2024-07-01"):
        recovery.day_clock(spells, cases, "2024-07-01")
    with pytest.raises(ValidationError, match="1 customers have more than one spell"):
        recovery.day_clock(pd.concat([spells, spells.head(1)]), cases, "2024-12-31")
    with pytest.raises(ValidationError, match="needs 'manager_id' in the spells table"):
        recovery.day_clock(spells.drop(columns="manager_id"), cases, "2024-12-31", managers)
    bad = cases.assign(resolved=pd.to_datetime(["2024-01-01", None, None, None]))
    with pytest.raises(ValidationError, match=r"day_clock\(cases\): column 'resolved': 1 of 4 rows are before 'opened"):
        recovery.day_clock(spells, bad, "2024-12-31")
