"""Admission trade-off: approvals, bad rates and profit by hand; a stricter rule never approves more; on
lending_club, declining multi-lender applicants lowers the approved bad rate at every cut-off."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import credit, data
from crmresearch.errors import ParameterError, ValidationError


def test_tradeoff_by_hand():
    t = credit.admission_tradeoff([500, 550, 600, 650, 700], [1, 0, 1, 0, 0], [550, 650],
                                  rule=[False, True, True, False, False], amount=[10, 20, 30, 40, 50], margin=0.1,
                                  lgd=0.5, rule_name="no multi-lender")
    r = t.set_index(["cutoff", "policy"])
    assert r.loc[(550.0, "score only"), "approved"] == 4 and r.loc[(550.0, "score only"), "bads"] == 1
    assert r.loc[(550.0, "score only"), "profit"] == pytest.approx(0.1 * (20 + 40 + 50) - 0.5 * 30)
    assert r.loc[(550.0, "no multi-lender"), "profit"] == pytest.approx(0.1 * (40 + 50))
    assert r.loc[(550.0, "no multi-lender"), "declined_by_rule"] == 2
    assert r.loc[(650.0, "score only"), "approval_rate"] == pytest.approx(0.4)
    assert r.loc[(650.0, "score only"), "profit_per_applicant"] == pytest.approx(0.1 * 90 / 5)


def test_lending_club_stricter_rule_lowers_the_bad_rate():
    lc = data.load_lending_club()
    rng = np.random.default_rng(0)
    train = rng.random(len(lc)) < 0.7
    cols = ["annual_inc", "revol_util", "all_util", "term", "verification_status", "num_il_tl", "delinq_2yrs"]
    card = credit.Scorecard(credit.WoEBinning(max_bins=5)).fit(lc.loc[train, cols], lc.loc[train, "bad"])
    test = lc[~train]
    score = card.score(test[cols])
    rule = (test["inq_last_6mths"] > 2) | (test["open_il_6m"] > 2)
    cuts = list(np.quantile(score, [0.1, 0.3, 0.5]))
    t = credit.admission_tradeoff(score, test["bad"], cuts, rule=rule, amount=test["funded_amnt"])
    base, strict = t[t["policy"] == "score only"], t[t["policy"] != "score only"]
    assert (strict["approved"].to_numpy() <= base["approved"].to_numpy()).all()
    assert (strict["bad_rate"].to_numpy() < base["bad_rate"].to_numpy()).all()
    assert base["approval_rate"].is_monotonic_decreasing


def test_bad_settings_are_refused():
    with pytest.raises(ParameterError, match="lgd must be in"):
        credit.admission_tradeoff([1, 2], [0, 1], [1], lgd=2.0)
    with pytest.raises(ValidationError, match="1 of 2 rows are not"):
        credit.admission_tradeoff([1, 2], [0, 1], [1], amount=[1.0, -1.0])
