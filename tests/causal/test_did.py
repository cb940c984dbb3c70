"""Staggered difference in differences (Callaway & Sant'Anna 2021) against hand-computed 2 x 2 comparisons,
the two-sample variance, the Python port of R's did (csdid 0.4.3, values stored below), a simulated
programme with known effects and staggered, self-selected enrolment, and statsmodels for the naive
two-way fixed-effects estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import causal
from crmresearch.errors import DataWarning, ParameterError, ValidationError

# 24 customers x 5 periods: 8 enrol in period 3, 8 in period 4, 8 never (integer outcomes, seed 32)
SMALL_Y = [[12, 17, 18, 20, 21], [7, 10, 13, 13, 18], [15, 15, 18, 19, 23], [15, 17, 18, 23, 23],
           [12, 11, 17, 17, 19], [6, 8, 10, 13, 12], [11, 16, 16, 18, 22], [11, 11, 11, 13, 17],
           [14, 13, 16, 16, 17], [8, 9, 10, 13, 16], [10, 10, 13, 14, 16], [16, 13, 17, 19, 21],
           [12, 13, 12, 14, 16], [14, 14, 17, 17, 21], [13, 10, 11, 16, 20], [10, 11, 14, 14, 17],
           [10, 9, 14, 14, 13], [15, 13, 15, 16, 19], [10, 11, 11, 15, 16], [5, 7, 10, 9, 9],
           [11, 12, 15, 15, 15], [7, 7, 6, 10, 8], [11, 14, 17, 18, 19], [12, 11, 15, 12, 13]]
SMALL_G = [3.0] * 8 + [4.0] * 8 + [np.nan] * 8


def _small():
    return pd.DataFrame({"customer_id": np.repeat(np.arange(1, 25), 5), "period": np.tile(np.arange(1, 6), 24),
                         "first_treated": np.repeat(SMALL_G, 5), "outcome": np.ravel(SMALL_Y).astype(float)})


def _simulate(n=1200, T=8, seed=0):
    """Customers enrol in period 3, 5 or 7 (20 % each) or never; early enrolees spend more anyway (selection
    on levels, parallel trends hold); the programme adds 1 + 0.8 e in the e-th period after enrolment."""
    rng = np.random.default_rng(seed)
    k = np.searchsorted([0.2, 0.4, 0.6], rng.random(n))
    G = np.array([3.0, 5.0, 7.0, np.nan])[k]
    t = np.arange(1, T + 1)
    alpha = rng.normal(0, 1, n) + np.where(np.isnan(G), 0.0, 0.3 * (10 - np.nan_to_num(G)))
    e = t[None, :] - G[:, None]
    tau = np.nan_to_num(np.where(e >= 0, 1.0 + 0.8 * e, 0.0))
    Y = alpha[:, None] + 0.5 * t[None, :] + tau + rng.normal(0, 1, (n, T))
    return pd.DataFrame({"customer_id": np.repeat(np.arange(n), T), "period": np.tile(t, n),
                         "first_treated": np.repeat(G, T), "outcome": Y.ravel()})


def test_each_cell_is_the_hand_computed_two_by_two():
    panel = _small()
    wide = panel.pivot(index="customer_id", columns="period", values="outcome")
    g = panel.groupby("customer_id")["first_treated"].first()
    m = causal.StaggeredDiD().fit(panel)
    cells = m.att_gt_.set_index(["group", "period"])
    for (grp, t), row in cells.iterrows():
        base = grp - 1 if t >= grp else t - 1
        change = wide[t] - wide[base]
        by_hand = change[g == grp].mean() - change[g.isna()].mean()
        assert row["estimate"] == pytest.approx(by_hand, abs=1e-12), (grp, t)
        # the influence-function variance is the two-sample one with n (not n - 1) denominators
        var = change[g == grp].var(ddof=0) / (g == grp).sum() + change[g.isna()].var(ddof=0) / g.isna().sum()
        assert row["std_error"] == pytest.approx(np.sqrt(var), rel=1e-12)
    # not yet treated: in period 3 the customers enrolling in 4 join the never treated as controls of group 3
    ny = causal.StaggeredDiD(control="not_yet_treated").fit(panel).att_gt_.set_index(["group", "period"])
    change = wide[3] - wide[2]
    ctrl = g.isna() | (g == 4)
    assert ny.loc[(3, 3), "estimate"] == pytest.approx(change[g == 3].mean() - change[ctrl].mean(), abs=1e-12)
    assert ny.loc[(3, 3), "controls"] == 16 and ny.loc[(3, 4), "controls"] == 8


def test_two_periods_give_the_classic_did_and_twfe_agrees():
    panel = _small()
    two = panel[panel["period"].isin([2, 3]) & (panel["first_treated"] != 4)]
    m = causal.StaggeredDiD().fit(two)
    means = two.groupby([two["first_treated"].notna(), "period"])["outcome"].mean()
    by_hand = (means[(True, 3)] - means[(True, 2)]) - (means[(False, 3)] - means[(False, 2)])
    assert m.att_ == pytest.approx(by_hand, abs=1e-12)
    assert causal.two_way_fixed_effects(two).estimate == pytest.approx(by_hand, abs=1e-12)


def test_equal_to_the_python_port_of_rs_did():
    """csdid 0.4.3 (PyPI; a port of R's did), on the panel above with first_treated 0 for never:
    ATTgt(yname='outcome', tname='period', idname='customer_id', gname='first_treated', data=df,
    control_group=[...]).fit(est_method='dr', base_period='varying', bstrap=False), then
    aggte(typec='dynamic' / 'simple', bstrap=False). Without covariates 'dr' is the plain 2 x 2."""
    peer = {
        "never_treated": {
            "cells": [(1.625, 0.9343697742), (-0.375, 0.9343697742), (0.75, 0.6817945072), (2.75, 0.8052561704),
                      (-0.875, 0.7893331838), (-0.25, 0.8546746457), (0.875, 0.979277476), (3.125, 1.1481983169)],
            "event": [(-0.875, 0.7893331838), (0.6875, 0.6627284394), (0.25, 0.5115845482), (1.9375, 0.7767055326),
                      (2.75, 0.8052561704)],
            "att": (1.425, 0.5487400341)},
        "not_yet_treated": {
            "cells": [(2.0625, 0.8545318071), (-0.25, 0.7880950133), (0.75, 0.6817945072), (2.75, 0.8052561704),
                      (-1.6875, 0.7563210194), (-0.25, 0.8546746457), (0.875, 0.979277476), (3.125, 1.1481983169)],
            "event": [(-1.6875, 0.7563210194), (0.90625, 0.6708294918), (0.3125, 0.5900377371),
                      (1.9375, 0.7767055326), (2.75, 0.8052561704)],
            "att": (1.45, 0.5805896787)},
    }
    for control, want in peer.items():
        m = causal.StaggeredDiD(control=control).fit(_small())
        assert m.att_gt_[["group", "period"]].to_numpy().tolist() == [[3, 2], [3, 3], [3, 4], [3, 5], [4, 2], [4, 3],
                                                                    [4, 4], [4, 5]]
        np.testing.assert_allclose(m.att_gt_[["estimate", "std_error"]].to_numpy(), want["cells"], atol=1e-9)
        assert m.event_study_.index.tolist() == [-2, -1, 0, 1, 2]
        np.testing.assert_allclose(m.event_study_[["estimate", "std_error"]].to_numpy(), want["event"], atol=1e-9)
        np.testing.assert_allclose(m.summary.loc["att", ["estimate", "std_error"]].to_numpy(float), want["att"],
                                   atol=1e-9)


def test_a_simulated_programme_naive_twfe_is_biased_and_the_staggered_did_is_not():
    panel = _simulate()
    # the truth of the overall effect: cells t >= g weighted by the (equal) group shares
    cells = [1 + 0.8 * (t - g) for g in (3, 5, 7) for t in range(g, 9)]
    truth = float(np.mean(cells))
    m = causal.StaggeredDiD().fit(panel)
    s = m.summary
    assert s.loc["att", "ci_lower"] <= truth <= s.loc["att", "ci_upper"]
    for e in range(6):
        row = s.loc[f"event:{e}"]
        assert abs(row["estimate"] - (1 + 0.8 * e)) < 3 * row["std_error"], e
    pre = m.event_study_.loc[m.event_study_.index < 0]
    assert (np.abs(pre["estimate"]) < 3 * pre["std_error"]).all()  # no effect before enrolment
    ny = causal.StaggeredDiD(control="not_yet_treated").fit(panel).summary
    assert ny.loc["att", "ci_lower"] <= truth <= ny.loc["att", "ci_upper"]
    tw = causal.two_way_fixed_effects(panel)
    assert not tw.ci_lower <= truth <= tw.ci_upper
    assert truth - tw.estimate > 10 * tw.std_error  # visibly biased: below the truth by > 10 standard errors
    assert m.row_account_ == {"units": 1200, "never_treated": int(panel.groupby("customer_id")["first_treated"]
                                                                  .first().isna().sum()),
                              "treated_after_panel": 0, "treated_from_the_start": 0,
                              "skipped_cells_without_controls": 0}


def test_twfe_equals_statsmodels_ols_with_dummies_and_clustered_errors():
    sm = pytest.importorskip("statsmodels.formula.api")
    panel = _small()
    panel = panel.assign(d=(panel["period"] >= panel["first_treated"]).astype(float))
    fit = sm.ols("outcome ~ d + C(customer_id) + C(period)", data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": panel["customer_id"]})
    ours = causal.two_way_fixed_effects(panel)
    assert ours.estimate == pytest.approx(fit.params["d"], rel=1e-10)
    assert ours.std_error == pytest.approx(fit.bse["d"], rel=1e-8)
    assert (ours.n_obs, ours.n_units) == (120, 24)


def test_universal_base_and_units_treated_from_the_start():
    panel = _small()
    m = causal.StaggeredDiD(base_period="universal").fit(panel)
    ref = m.att_gt_[m.att_gt_["event_time"] == -1]
    assert (ref["estimate"] == 0).all() and ref["std_error"].isna().all()  # the normalised cells
    assert np.isnan(m.event_study_.loc[-1, "std_error"])
    early = panel.assign(first_treated=np.where(panel["customer_id"] == 1, 1, panel["first_treated"]))
    with pytest.warns(DataWarning, match="1 of 24 units are treated from the first period on"):
        fitted = causal.StaggeredDiD().fit(early)
    assert fitted.row_account_["treated_from_the_start"] == 1 and fitted.n_obs_ == 23
    later = panel.assign(first_treated=np.where(panel["customer_id"] == 1, 9, panel["first_treated"]))
    assert causal.StaggeredDiD().fit(later).row_account_["treated_after_panel"] == 1


def test_bad_panels_are_named():
    panel = _small()
    with pytest.raises(ValidationError, match="the panel is unbalanced: 1 of 24 units miss some"):
        causal.StaggeredDiD().fit(panel.iloc[1:])
    with pytest.raises(ValidationError, match=r"1 rows repeat a \(customer_id, period\) pair"):
        causal.StaggeredDiD().fit(pd.concat([panel, panel.iloc[:1]]))
    varying = panel.assign(first_treated=np.where(panel.index == 0, 4, panel["first_treated"]))
    with pytest.raises(ValidationError, match="must hold one first-treated period per unit; 1 units have several"):
        causal.StaggeredDiD().fit(varying)
    with pytest.raises(ValidationError, match="names first-treated periods that are not periods of the panel for 8"):
        causal.StaggeredDiD().fit(panel.assign(first_treated=panel["first_treated"].replace(3, 2.5)))
    with pytest.raises(ValidationError, match=r"no unit is never treated.*use control='not_yet_treated'"):
        causal.StaggeredDiD().fit(panel.assign(first_treated=panel["first_treated"].fillna(5)))
    with pytest.raises(ValidationError, match="column 'outcome' has 1 of 120 rows without a value"):
        causal.StaggeredDiD().fit(panel.assign(outcome=np.where(panel.index == 3, np.nan, panel["outcome"])))
    with pytest.raises(ParameterError, match="control must be one of"):
        causal.StaggeredDiD(control="matched").fit(panel)


def test_programme_panel_fills_every_customer_period():
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3, 9], "amount": [10.0, 5.0, 20.0, 7.0, 1.0, 3.0],
                       "date": ["2024-01-03", "2024-01-20", "2024-03-09", "2024-02-11", "2023-12-31", "2024-01-05"]})
    enrolled = pd.Series(pd.to_datetime(["2024-02-15", None, "2023-06-01", "2024-09-01"]), index=[1, 2, 3, 4])
    p = causal.programme_panel(tx, enrolled, "2024-01-01", "2024-03-31", freq="M")
    assert len(p) == 12 and p.groupby("customer_id").size().tolist() == [3, 3, 3, 3]
    one = p[p["customer_id"] == 1]
    assert one["spend"].tolist() == [15.0, 0.0, 20.0] and one["purchases"].tolist() == [2, 0, 1]
    assert one["active"].tolist() == [True, False, True]
    g = p.groupby("customer_id")["first_treated"].first()
    assert g[1] == 2 and np.isnan(g[2]) and g[3] == 1 and np.isnan(g[4])  # 3 enrolled before, 4 after the panel
    assert p.attrs["row_account"] == {"purchases_in": 6, "outside_window": 1, "unknown_customers": 1}
    assert str(p["period_start"].iloc[1].date()) == "2024-02-01"
    with pytest.warns(DataWarning, match="1 of 4 units are treated from the first period on"):
        m = causal.StaggeredDiD(outcome="spend", control="not_yet_treated").fit(p)
    assert m.att_gt_["group"].tolist() == [2, 2]
    with pytest.raises(ValidationError, match="enrolled lists 1 customers twice"):
        causal.programme_panel(tx, pd.concat([enrolled, enrolled.iloc[:1]]), "2024-01-01", "2024-03-31")


def test_missing_ids_are_named():
    panel = _small()
    with pytest.raises(ValidationError, match=r"StaggeredDiD\.fit: column 'customer_id': 5 of 120 rows are missing"):
        causal.StaggeredDiD().fit(panel.assign(customer_id=panel["customer_id"].where(panel["customer_id"] != 2)))
