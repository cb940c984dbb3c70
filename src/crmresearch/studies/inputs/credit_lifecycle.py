"""Inputs of the credit-lifecycle study: real applications and loans, and the simulated card base; or your
applications (and monthly delinquency statuses) from ``-p data=``.

Your ``applications`` replace credit_data (the scorecard, its comparison with gradient boosting, the stability)
and lending_club (the admission trade-off: the rule on multi-lender applicants needs your ``inquiries`` or
``open_accounts`` columns, profit your ``amount``); your ``delinquency`` panel replaces the delinquency simulator.
The regression discontinuity on limit increases needs a simulated truth: it runs on the built-in simulation, and
its exhibits say so (as the roll rates do when your data have no ``delinquency`` table).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ... import data as datasets
from . import Base

__all__ = ["BUILT_IN", "check_delinquency", "credit_bases"]

#: the words of an exhibit that runs on the built-in simulation in a run on your data
BUILT_IN = "built-in simulation: your data have no {what} table"

#: lending_club columns a scorecard may not use: the lender's own price and grade (set from its score) and the
#: borrower's state (a regional proxy most fair-lending rules keep out of an application score).
LENDER_OWN = ("int_rate", "sub_grade", "addr_state")


def credit_bases(seed: int = 0, limit_accounts: int = 20_000, limit_cutoff: float = 660.0,
                 delinquency_accounts: int = 20_000, months: int = 24, data: str = "") -> dict[str, Base]:
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
    data : str, default ''
        Data source file (YAML) naming your ``applications`` (and optionally ``delinquency``); '' = the built-in
        data. With it, ``applications`` and ``loans`` are your applications (table ``applications``; settings
        ``inquiries``, ``open_accounts``, ``amount``: the column or None), ``delinquency`` your panel when given,
        and a base on the built-in simulation has ``settings['built_in']``, the words its exhibits add.

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
    if data:
        return _yours(data, seed, limit_accounts, limit_cutoff, delinquency_accounts, months)
    apps = datasets.load_credit_data()
    loans = datasets.load_lending_club()
    return {**_real(apps, loans), **_simulated(seed, limit_accounts, limit_cutoff, delinquency_accounts, months)}


def _real(apps: pd.DataFrame, loans: pd.DataFrame) -> dict[str, Base]:
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
                                "inputs": [("lending_club", "loans", loans.attrs["source"])],
                                "inquiries": "inq_last_6mths", "open_accounts": "open_il_6m"}),
    }


def _simulated(seed: int, limit_accounts: int, limit_cutoff: float, delinquency_accounts: int,
               months: int) -> dict[str, Base]:
    sim = datasets.simulate_limit_increases(n_accounts=limit_accounts, seed=seed, cutoff=limit_cutoff)
    panel = datasets.simulate_delinquency(n_accounts=delinquency_accounts, months=months, seed=seed)
    lim_text = f"simulate_limit_increases(n_accounts={limit_accounts}, seed={seed}, cutoff={limit_cutoff:g})"
    del_text = f"simulate_delinquency(n_accounts={delinquency_accounts}, months={months}, seed={seed})"
    return {
        "limits": Base("limits", "simulated card base", f"crmresearch limit-increase simulator (n = "
                       f"{limit_accounts:,}, seed {seed})", tables={"accounts": sim.accounts}, truth=sim.truth,
                       settings={"inputs": [("sim_limit_accounts", "accounts", lim_text)]}),
        "delinquency": Base("delinquency", "simulated card base", f"crmresearch delinquency simulator (n = "
                            f"{delinquency_accounts:,}, seed {seed})", tables={"panel": panel},
                            truth={"roll_rates": datasets.ROLL_RATES, "states": datasets.ROLL_STATES},
                            settings={"inputs": [("sim_delinquency", "panel", del_text)]}),
    }


def check_delinquency(panel: pd.DataFrame, users: dict[str, str] | None = None,
                      caller: str = "delinquency") -> pd.DataFrame:
    """Your monthly delinquency statuses as the buckets of the roll-rate chain, checked: statuses that are neither
    a bucket nor days past due, and an account with two rows for one month, are refused with their counts.

    Parameters
    ----------
    panel : DataFrame
        One row per account and month, crmresearch's column names (``account_id``, ``month``, ``status``,
        optional ``balance``).
    users : dict of str to str or None, optional
        crmresearch's column name -> yours (from the data source file), for the messages.
    caller : str, default 'delinquency'
        Name shown first in messages.

    Returns
    -------
    DataFrame
        ``panel`` with ``status`` as bucket codes (:func:`crmresearch.credit.status_buckets`).

    Raises
    ------
    ValidationError
        Unknown statuses, or repeated (account, month) pairs (rows, distinct pairs and the first accounts).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.studies.inputs.credit_lifecycle import check_delinquency
    >>> p = pd.DataFrame({"account_id": [1, 1, 2], "month": [1, 2, 1], "status": [0, 35, "paid_off"]})
    >>> check_delinquency(p)["status"].tolist()
    ['current', '30', 'paid_off']
    """
    from ...credit import status_buckets
    from ...errors import DuplicateIdError
    from ...schemas import column_label

    users = users or {}
    label = {c: column_label(c, users.get(c)) for c in ("account_id", "month", "status")}
    out = panel.copy()
    out["status"] = status_buckets(panel["status"], f"column {label['status']}", caller).to_numpy()
    repeated = out.duplicated(["account_id", "month"], keep=False)
    if repeated.any():
        pairs = out.loc[repeated, ["account_id", "month"]].drop_duplicates()
        first = ", ".join(map(str, sorted(pairs["account_id"].unique(), key=str)[:5]))
        raise DuplicateIdError(f"{caller}: columns {label['account_id']} and {label['month']}: {int(repeated.sum())} "
                               f"of {len(out)} rows repeat an (account, month) pair ({len(pairs)} distinct pairs, "
                               f"first accounts: {first}); keep one status per account and month")
    return out


def _yours(data: str, seed: int, limit_accounts: int, limit_cutoff: float, delinquency_accounts: int,
           months: int) -> dict[str, Base]:
    from ...sources import read_sources, source_file

    name = source_file(data).name
    money = source_file(data).money
    yours = read_sources(data, roles=["applications"], optional=["delinquency"])
    src = yours["applications"]
    apps = src.to_pandas()  # checked where it lives (contract applications), then read
    present = set(apps.columns)
    characteristics = (list(src.features) if src.features is not None else
                       [c for c in apps.columns if c not in ("applicant_id", "outcome")])
    inputs = [("applications", "applications", f"{name}: applications")]
    settings: dict[str, Any] = {"outcome": "outcome", "characteristics": characteristics, "inputs": inputs,
                                "amount": "amount" if "amount" in present else None,
                                "inquiries": "inquiries" if "inquiries" in present else None,
                                "open_accounts": "open_accounts" if "open_accounts" in present else None}
    label = f"{name}: your applications"
    bases = {"applications": Base("yours", name, label, tables={"applications": apps}, texts={"currency": money},
                                  settings=settings),
             "loans": Base("yours_admission", name, label, tables={"loans": apps}, texts={"currency": money},
                           settings={**settings, "inputs": []})}
    simulated = _simulated(seed, limit_accounts, limit_cutoff, delinquency_accounts, months)
    limits = simulated["limits"]
    limits.settings["built_in"] = BUILT_IN.format(what="limit-increase")
    limits.source = f"{limits.settings['built_in']} ({limits.source})"
    bases["limits"] = limits
    if "delinquency" in yours:
        dq = yours["delinquency"]
        panel = check_delinquency(dq.to_pandas(), dq.user_names, dq.name)
        notes = []
        if "balance" not in panel.columns:
            panel["balance"] = 1.0
            notes.append(f"{name}: the delinquency table has no balance column: the expected loss counts accounts "
                         "(a balance of 1 each)")
        bases["delinquency"] = Base("yours_delinquency", name, f"{name}: your delinquency statuses",
                                    tables={"panel": panel}, texts={"currency": money},
                                    settings={"inputs": [("delinquency", "panel", f"{name}: delinquency")],
                                              "notes": notes})
    else:
        dq = simulated["delinquency"]
        dq.settings["built_in"] = BUILT_IN.format(what="delinquency")
        dq.source = f"{dq.settings['built_in']} ({dq.source})"
        bases["delinquency"] = dq
    return bases
