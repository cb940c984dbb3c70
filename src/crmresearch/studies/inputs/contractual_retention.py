"""Inputs of the contractual-retention study: the synthetic bank's contracts or yours, as one :class:`Base`."""

from __future__ import annotations

from ... import data as datasets
from ... import sources, survival
from . import Base

__all__ = ["SIMULATED_COVARIATES", "contract_base"]

#: Contract columns of the synthetic bank that ``retention_covariates='auto'`` puts in the sBG regression.
SIMULATED_COVARIATES = ("region", "digital_user")


def contract_base(data: str = "", bank_customers: int = 20_000, seed: int = 0, observed_from: str = "",
                  retention_covariates: list[str] | str = "auto") -> Base:
    """The contracts the study analyses: the synthetic bank's, or those of a data source file.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``contracts`` (customer, start, end); '' = the synthetic bank.
    bank_customers : int, default 20000
        Customers of the synthetic bank (built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    observed_from : str, default ''
        Your data: first day of observation YYYY-MM-DD; '' = the earliest start (the bank: its window start).
    retention_covariates : list of str or 'auto', default 'auto'
        Contract columns of the sBG regression; 'auto': :data:`SIMULATED_COVARIATES` on the bank, none on yours.

    Returns
    -------
    Base
        ``tables['contracts']`` (one row per contract: customer_id, start, end and covariates);
        ``texts['suffix']`` (exhibit-name prefix, ``'bank-'`` or ``''``); ``settings``: ``observation_end``,
        ``observed_from`` (date or None), ``covariates`` (list of str) and ``inputs`` (name, role, description
        of each input to record); ``truth``: the simulator's truth (None for your data).

    Examples
    --------
    >>> from crmresearch.studies.inputs.contractual_retention import contract_base
    >>> b = contract_base(bank_customers=500, seed=1)
    >>> b.label, b.texts["suffix"], b.settings["covariates"], b.simulated
    ('Bank', 'bank-', ['region', 'digital_user'], True)
    """
    auto = retention_covariates == "auto"
    if not data:
        bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
        contracts = bank.contracts
        return Base("bank", "Bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                    tables={"contracts": contracts}, truth=bank.truth, texts={"suffix": "bank-"},
                    settings={"observation_end": bank.truth["end"], "observed_from": bank.truth["start"],
                              "covariates": list(SIMULATED_COVARIATES) if auto else list(retention_covariates),
                              "inputs": [("bank_contracts", "contracts",
                                          f"simulate_bank(n_customers={bank_customers}, seed={seed})")]})
    name = sources.source_file(data).name  # the name: key of your file, else its file name
    contracts = sources.read_sources(data, roles=["contracts"])["contracts"].to_pandas()  # one row per contract
    return Base("yours", name, f"{name}: your contracts", tables={"contracts": contracts}, texts={"suffix": ""},
                settings={"observation_end": survival.latest_date(contracts), "observed_from": observed_from or None,
                          "covariates": [] if auto else list(retention_covariates),
                          "inputs": [("contracts", "contracts", f"{name}: contracts")]})
