"""Why customers left after a complaint: the cause-specific effects of recovery recovered from the
service-recovery simulator's truth, the incidence of each cause by the recovery, and the checks of a cause
column (unknown codes, one cause only, a named cause without exits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data, survival
from crmresearch.errors import ValidationError
from crmresearch.survival import recovery


@pytest.fixture(scope="module")
def caused():
    """12,000 simulated customers: the panel with each exit's cause, the customers followed from their first
    resolution, and the truth."""
    sim = data.simulate_service_cases(n_customers=12_000, n_managers=120, seed=11)
    subjects = sim.with_causes().rename(columns={"duration_days": "duration", "churned": "event"})
    changes = recovery.case_covariates(sim.cases, sim.customers, sim.managers, sim.truth["slow_days"])
    panel = survival.panel(subjects[["customer_id", "duration", "event", "rural", "cause"]], changes,
                           initial=dict.fromkeys(recovery.COVARIATES, 0))
    landmark = recovery.first_resolution(sim.cases, subjects, sim.truth["slow_days"], fixed=["rural"])
    return sim, subjects, panel, landmark


def test_cause_specific_effects_of_recovery_recover_the_simulators_truth(caused):
    """A good recovery lowers voluntary closure (truth -0.4) and does not move credit closure (truth 0): every
    true cause-specific log hazard ratio inside its 99% interval; moving away, the rest of the hazard, has no
    true value. The Fine-Gray rows answer the other question and carry no truth."""
    sim, _, panel, landmark = caused
    covs = ["rural", *recovery.COVARIATES]
    table = recovery.effects_by_cause(panel, covs, data.EXIT_CAUSES, landmark,
                                      ["compensated", "slow_resolution", "rural"],
                                      truth=sim.truth["causes"]["log_hazard_ratios"], alpha=0.01)
    cs = table[table["model"] == "cause-specific Cox"].set_index(["cause", "covariate"])
    for cause in ("voluntary_closure", "credit_closure"):
        for c in covs:
            row = cs.loc[(cause, c)]
            assert row["truth"] == sim.truth["causes"]["log_hazard_ratios"][cause][c]
            assert row["truth_inside_interval"], (cause, c, row["estimate"], row["truth"])
    assert cs.loc[("voluntary_closure", "compensated"), "ci_upper"] < 0  # a good recovery keeps customers
    assert cs.loc[("moved_away", "compensated"), ["truth", "truth_inside_interval"]].isna().all()
    # the cause-specific rows are the time-varying Cox model with the other causes censored
    direct = survival.TimeVaryingCox(covs, alpha=0.01).fit(
        panel.assign(event=panel["event"].astype(bool) & (panel["cause"] == "credit_closure"))).summary
    np.testing.assert_allclose(cs.loc["credit_closure"].loc[covs, "estimate"], direct.loc[covs, "estimate"])
    fg = table[table["model"] == "Fine-Gray"]
    assert fg["truth"].isna().all() and set(fg["covariate"]) == {"compensated", "slow_resolution", "rural"}
    assert set(table["question"]) == set(recovery.QUESTIONS.values())
    vol = fg.set_index(["cause", "covariate"]).loc[("voluntary_closure", "compensated")]
    assert vol["ci_upper"] < 0  # fewer leave voluntarily after compensation


def test_incidence_by_recovery_and_cause(caused):
    """After a compensated first resolution fewer customers close voluntarily by two years; credit closure, which
    the recovery does not drive, is not lowered (its incidence is equal or higher: more customers stay at risk);
    the incidence is the package's Aalen-Johansen on the same customers, and censoring the other causes
    overstates it."""
    _, _, _, landmark = caused
    fit, table = recovery.incidence_by_recovery(landmark, data.EXIT_CAUSES, horizons=(365, 730), alpha=0.01)
    t = table.set_index(["group", "cause", "horizon"]).sort_index()
    assert t.loc[("compensated", "voluntary_closure", 730), "ci_upper"] < \
        t.loc[("not compensated", "voluntary_closure", 730), "ci_lower"]
    assert t.loc[("compensated", "credit_closure", 730), "ci_upper"] >= \
        t.loc[("not compensated", "credit_closure", 730), "cif"]
    gray = fit.gray_test_.set_index("cause")["p_value"]
    assert gray["voluntary_closure"] < 0.001 and gray["credit_closure"] > 0.01
    assert (t["gray_p_value"].groupby("cause").nunique() == 1).all()
    assert (t["naive"] >= t["cif"] - 1e-12).all()
    alone = survival.cuminc(landmark[landmark["recovery"] == "compensated"].assign(event=lambda d: d["event"]
                            .astype(int)), cause="cause", causes=list(data.EXIT_CAUSES), horizons=(365, 730))
    got = table[table["group"] == "compensated"]["cif"].to_numpy()
    np.testing.assert_allclose(got, alone.at_horizons_["cif"].to_numpy())


def test_first_resolution_starts_each_customer_at_the_first_resolved_complaint_and_counts_the_others():
    cases = pd.DataFrame({"customer_id": [1, 1, 2, 3, 4], "opened_day": [10.0, 40, 5, 8, 3],
                          "resolved_day": [20.0, 41, 30, np.nan, 12], "compensated": [True, False, False, True, False]})
    subjects = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "duration": [100.0, 25, 60, 50, 70],
                             "event": [True, True, False, False, True],
                             "cause": ["fees", "credit", None, None, "fees"]})
    lm = recovery.first_resolution(cases, subjects, slow_days=7.0)
    assert lm[["customer_id", "duration", "cause", "compensated", "slow_resolution", "recovery"]].values.tolist() == [
        [1, 80.0, "fees", 1, 1, "compensated"], [4, 38.0, None, 0, 1, "not compensated"]]
    rows = lm.attrs["rows"].table()  # customer 2 left before the resolution, customer 3's case is open
    assert rows["rows_in"].iloc[0] == 4 and rows["dropped"].iloc[0] == 2


@pytest.mark.parametrize(("cause", "causes", "match"), [
    (["fees", "lost", "moved", "lost"], ["fees", "moved"], r"1 of 3 rows hold unknown causes \(first: \['lost'\]\)"),
    (["fees", "fees", "fees", None], None, r"all 3 of the 3 exits have the same cause \('fees'\)"),
    (["fees", "moved", "fees", None], ["fees", "moved", "credit"], r"no row holds credit \(rows by value: fees: 2, "
                                                                   r"moved: 1\)"),
    (["fees", None, "fees", None], None, r"1 of 3 rows hold unknown causes \(first: \[None\]\)"),
])
def test_exit_causes_refuses_unknown_single_and_missing_causes_with_counts(cause, causes, match):
    subjects = pd.DataFrame({"duration": [5.0, 6, 7, 8], "event": [True, True, True, False], "cause": cause})
    with pytest.raises(ValidationError, match=match):
        recovery.exit_causes(subjects, causes)
