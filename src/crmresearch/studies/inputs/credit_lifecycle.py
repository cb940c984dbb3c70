"""Inputs of the credit-lifecycle study: real applications and loans, and the simulated card base."""

from __future__ import annotations

from ... import data as datasets
from . import Base

__all__ = ["credit_bases"]

#: lending_club columns a scorecard may not use: the lender's own price and grade (set from its score) and the
#: borrower's state (a regional proxy most fair-lending rules keep out of an application score).
LENDER_OWN = ("int_rate", "sub_grade", "addr_state")


def credit_bases(seed: int = 0, limit_accounts: int = 20_000, limit_cutoff: float = 660.0,
                 delinquency_accounts: int = 20_000, months: int = 24) -> dict[str, Base]:
    """The four bases the study analyses, by name.

    Parameters
    ----------
    seed : int, default 0
        Seed of the simulators.
    limit_accounts : int, default 20000
        Accounts of the limit-increase simulator.
    limit_cutoff : float, default 660
        Behaviour score at or above which the simulated bank raises limits.
    delinquency_accounts : int, default 20000
        Accounts of the delinquency simulator.
    months : int, default 24
        Months of the delinquency panel.

    Returns
    -------
    dict of str to Base
        ``applications`` (``modeldata::credit_data``: table ``applications``, settings ``outcome`` and
        ``characteristics``), ``loans`` (``modeldata::lending_club``: table ``loans``, settings ``outcome``,
        ``characteristics``, ``amount``), ``limits`` (table ``accounts``, truth) and ``delinquency`` (table
        ``panel``, truth ``roll_rates``). Each has ``settings['inputs']`` (name, table, description) to record.

    Examples
    --------
    >>> from crmresearch.studies.inputs.credit_lifecycle import credit_bases
    >>> b = credit_bases(limit_accounts=500, delinquency_accounts=100, months=6)
    >>> sorted(b), len(b["applications"].tables["applications"]), b["limits"].simulated
    (['applications', 'delinquency', 'limits', 'loans'], 4454, True)
    """
    apps = datasets.load_credit_data()
    loans = datasets.load_lending_club()
    sim = datasets.simulate_limit_increases(n_accounts=limit_accounts, seed=seed, cutoff=limit_cutoff)
    panel = datasets.simulate_delinquency(n_accounts=delinquency_accounts, months=months, seed=seed)
    lim_text = f"simulate_limit_increases(n_accounts={limit_accounts}, seed={seed}, cutoff={limit_cutoff:g})"
    del_text = f"simulate_delinquency(n_accounts={delinquency_accounts}, months={months}, seed={seed})"
    return {
        "applications": Base("applications", "credit_data", apps.attrs["source"], tables={"applications": apps},
                             settings={"outcome": "bad",
                                       "characteristics": [c for c in apps.columns if c not in ("applicant_id",
                                                                                                "bad")],
                                       "inputs": [("credit_data", "applications", apps.attrs["source"])]}),
        "loans": Base("loans", "lending_club", loans.attrs["source"], tables={"loans": loans},
                      settings={"outcome": "bad", "amount": "funded_amnt",
                                "characteristics": [c for c in loans.columns
                                                    if c not in ("loan_id", "bad", *LENDER_OWN)],
                                "inputs": [("lending_club", "loans", loans.attrs["source"])]}),
        "limits": Base("limits", "simulated card base", f"crmresearch limit-increase simulator (n = "
                       f"{limit_accounts:,}, seed {seed})", tables={"accounts": sim.accounts}, truth=sim.truth,
                       settings={"inputs": [("sim_limit_accounts", "accounts", lim_text)]}),
        "delinquency": Base("delinquency", "simulated card base", f"crmresearch delinquency simulator (n = "
                            f"{delinquency_accounts:,}, seed {seed})", tables={"panel": panel},
                            truth={"roll_rates": datasets.ROLL_RATES, "states": datasets.ROLL_STATES},
                            settings={"inputs": [("sim_delinquency", "panel", del_text)]}),
    }
