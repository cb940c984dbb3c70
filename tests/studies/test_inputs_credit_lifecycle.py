"""The credit-lifecycle adapter: the real applications and loans with their characteristics (the lender's own
price and grade kept out), the two simulators with their truth; the study's parameter checks."""

from __future__ import annotations

import re

import pandas as pd
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


def test_your_applications_and_delinquency_statuses_resolve_to_the_tables_the_study_reads(tmp_path):
    """Your applications (CSV, id and outcome renamed) replace credit_data and lending_club, with the inquiries
    column as the multi-lender rule; your Parquet panel (statuses partly as days past due) replaces the delinquency
    simulator; the limit-increase RD stays on the simulation and says so."""
    from crmresearch import credit

    from ._own import credit_sources

    path, mine, panel = credit_sources(tmp_path)
    b = credit_bases(seed=0, limit_accounts=2_000, delinquency_accounts=200, months=6, data=str(path))
    apps = b["applications"].tables["applications"]
    assert len(apps) == len(mine) and b["applications"].label == "Card book" and not b["applications"].simulated
    assert apps["outcome"].tolist() == mine["defaulted"].tolist()
    assert "outcome" not in b["applications"].settings["characteristics"]
    assert {"inquiries", "amount", "income"} <= set(b["applications"].settings["characteristics"])
    loans = b["loans"].settings
    assert (loans["inquiries"], loans["open_accounts"], loans["amount"]) == ("inquiries", None, "amount")
    yours = b["delinquency"].tables["panel"]
    assert not b["delinquency"].simulated and "built_in" not in b["delinquency"].settings
    assert yours["status"].tolist() == panel["status"].tolist()  # 0, 45, 75, 120 days past due: the buckets
    assert b["limits"].simulated and b["limits"].source.startswith(
        "built-in simulation: your data have no limit-increase table")
    chain = credit.RollRateChain().fit(yours)
    assert chain.params_.equals(credit.RollRateChain().fit(panel).params_)
    (tmp_path / "apps_only.yaml").write_text(path.read_text().split("delinquency:")[0])
    only = credit_bases(limit_accounts=2_000, delinquency_accounts=200, months=6, data=str(tmp_path / "apps_only.yaml"))
    assert only["delinquency"].simulated
    assert only["delinquency"].settings["built_in"] == "built-in simulation: your data have no delinquency table"


def _bad_sources(tmp_path, apps=None, panel=None):
    """The sources of :func:`credit_sources` with your applications or your panel (your column names) replaced."""
    from ._own import credit_sources

    path, mine, _ = credit_sources(tmp_path)
    if apps is not None:
        apps(mine).to_csv(tmp_path / "apps.csv", index=False)
    if panel is not None:
        panel(pd.read_parquet(tmp_path / "panel.parquet")).to_parquet(tmp_path / "panel.parquet", index=False)
    return str(path)


@pytest.mark.parametrize("apps, panel, message", [
    (lambda a: a.assign(defaulted=a["defaulted"].where(a.index % 1000 != 5, 2)), None,
     r"column 'defaulted' \(mapped to outcome\): 5 of 4454 rows are not 0/1"),
    (None, lambda p: p.assign(dq=p["dq"].where(p.index % 500 != 3, "late")),
     r"column 'dq' \(mapped to status\): \d+ of \d+ rows hold unknown statuses \(first: \['late', 'late', 'late'\]\)"),
    (None, lambda p: p.assign(dq=p["dq"].where(p.index != 0, "-5")),
     r"column 'dq' \(mapped to status\): 1 of \d+ rows hold unknown statuses \(first: \['-5'\]\)"),
    (None, lambda p: pd.concat([p, p.head(4)], ignore_index=True),
     r"columns 'acct' \(mapped to account_id\) and 'mth' \(mapped to month\): 8 of \d+ rows repeat an \(account, "
     r"month\) pair \(4 distinct pairs, first accounts: "),
], ids=["outcome not 0/1", "unknown status", "negative days past due", "two statuses in a month"])
def test_your_credit_tables_are_refused_before_the_kernel_with_counts(tmp_path, apps, panel, message):
    """An outcome other than 0/1, a status that is neither a bucket nor days past due, and two statuses of an account
    in one month stop the run before any kernel starts: the parameter, your column and the count of rows."""
    study = studies.get("credit-lifecycle")
    values = study.resolve({"data": _bad_sources(tmp_path, apps, panel)})
    with pytest.raises(ParameterError, match=r"credit-lifecycle: parameter 'data' \(.*credit.yaml\): ") as err:
        study.preflight(values)
    assert re.search(message, str(err.value)), str(err.value)
