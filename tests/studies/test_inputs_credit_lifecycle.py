"""The credit-lifecycle adapter: the real applications and loans with their characteristics (the lender's own
price and grade kept out), the two simulators with their truth; the study's parameter checks."""

from __future__ import annotations

import pytest

from crmresearch import studies
from crmresearch.errors import ParameterError
from crmresearch.studies.inputs.credit_lifecycle import LENDER_OWN, credit_bases


def test_the_bases_hold_the_real_data_and_the_simulators():
    b = credit_bases(seed=3, limit_accounts=1_000, limit_cutoff=640.0, delinquency_accounts=200, months=6)
    apps, loans = b["applications"].tables["applications"], b["loans"].tables["loans"]
    assert len(apps) == 4_454 and len(loans) == 9_857
    assert "bad" not in b["applications"].settings["characteristics"]
    assert not set(LENDER_OWN) & set(b["loans"].settings["characteristics"])
    assert {"inq_last_6mths", "open_il_6m"} <= set(b["loans"].settings["characteristics"])
    acc = b["limits"].tables["accounts"]
    assert len(acc) == 1_000 and (acc["limit_increase"] == (acc["score"] >= 640)).all()
    assert b["limits"].truth["cutoff"] == 640.0 and b["delinquency"].tables["panel"]["month"].max() == 6
    assert not b["applications"].simulated and b["delinquency"].simulated
    for base in b.values():
        assert all(table in base.tables for _, table, _ in base.settings["inputs"])


def test_the_parameters_are_checked_before_any_kernel():
    study = studies.get("credit-lifecycle")
    assert study.resolve()["cutoffs"] == [500.0, 520.0, 540.0, 560.0, 580.0, 600.0]
    with pytest.raises(ParameterError, match="'cutoffs' must be increasing"):
        study.resolve({"cutoffs": "600,580"})
    with pytest.raises(ParameterError, match="'placebo_offsets' must be distinct and non-zero"):
        study.resolve({"placebo_offsets": "-20,0"})
    with pytest.raises(ParameterError, match="limit_cutoff"):
        study.resolve({"limit_cutoff": "900"})
    with pytest.raises(ParameterError, match=r"'call_capacity' \(2000\) must not exceed 'collection_queue' \(1000\)"):
        study.resolve({"call_capacity": "2000", "collection_queue": "1000"})
