"""The contractual-retention adapter gives the same tables for the synthetic bank and for your contracts."""

from __future__ import annotations

import numpy as np

from crmresearch import clv, data
from crmresearch.studies.inputs.contractual_retention import contract_base


def _your_contracts(tmp_path, n=600, seed=2):
    bank = data.simulate_bank(n_customers=n, seed=seed)
    bank.contracts[["customer_id", "start", "end", "region"]].rename(
        columns={"customer_id": "acct", "start": "opened", "end": "closed"}).to_csv(tmp_path / "contracts.csv",
                                                                                   index=False)
    (tmp_path / "s.yaml").write_text("contracts: {path: contracts.csv, columns: {customer: acct, start: opened, "
                                     "end: closed}}\n")
    return tmp_path / "s.yaml", bank


def test_built_in_and_your_contracts_give_the_same_shape(tmp_path):
    path, bank = _your_contracts(tmp_path)
    built_in = contract_base(bank_customers=600, seed=2)
    yours = contract_base(str(path), observed_from=bank.truth["start"])
    assert set(built_in.tables) == set(yours.tables) == {"contracts"}
    cols = {"customer_id", "start", "end"}
    assert cols <= set(built_in.tables["contracts"].columns) and cols <= set(yours.tables["contracts"].columns)
    assert built_in.simulated and not yours.simulated
    assert (built_in.label, built_in.texts["suffix"], yours.label, yours.texts["suffix"]) == ("Bank", "bank-",
                                                                                               "s.yaml", "")
    assert yours.settings["covariates"] == [] and built_in.settings["covariates"] == ["region", "digital_user"]
    assert contract_base(str(path), retention_covariates=["region"]).settings["covariates"] == ["region"]
    assert [i[1] for i in built_in.settings["inputs"]] == [i[1] for i in yours.settings["inputs"]] == ["contracts"]


def test_your_contracts_give_the_periods_the_bank_gives(tmp_path):
    """The same contracts read from a file and from the simulator give the same contract periods."""
    path, bank = _your_contracts(tmp_path)
    built_in = contract_base(bank_customers=600, seed=2)
    yours = contract_base(str(path), observed_from=bank.truth["start"])
    a, b = (clv.contract_periods(x.tables["contracts"], x.settings["observation_end"],
                                 observed_from=x.settings["observed_from"]) for x in (built_in, yours))
    assert list(a.columns) == list(b.columns) == ["customer_id", "cohort", "periods", "churned", "days"]
    assert len(a) > 0 and len(b) > 0 and len(b) == len(a)


def test_period_discount_rate_equals_the_formula_it_replaces():
    for rate, days in ((0.1, 91.3125), (0.05, 30.4375), (0.2, 365.25)):
        assert clv.period_discount_rate(rate, days) == (1 + rate) ** (days / 365.25) - 1
    assert np.isclose(clv.period_discount_rate(0.1, 365.25), 0.1)
