"""Inputs of the churn-survival study: Telco and the synthetic bank, or your spells, as survival frames.

The notebook analyses one customer base (Telco, or your spells) the same way whatever its source: a
survival frame (``duration`` in months, ``event`` 0/1, optional ``entry``, the covariates) with the
covariates of the Cox and AFT models and the groupings of the Kaplan-Meier curves. With the built-in
data it also gets the synthetic bank, whose true log-hazard ratios are known (its exhibits exist for
simulated truth alone).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import Base

__all__ = ["ChurnSurvivalInputs", "churn_survival"]

TELCO_SOURCE = "IBM Telco customer churn (R modeldata::wa_churn)"
#: Telco covariates of the Cox and AFT models, and the groupings of the Kaplan-Meier curves
TELCO_COVARIATES = ("contract", "internet_service", "payment_method", "monthly_charges", "paperless_billing",
                    "senior_citizen", "partner", "dependents", "tech_support_yes", "online_security_yes")
TELCO_GROUPS = ("contract", "internet_service", "payment_method")
#: the bank's spell covariates kept in its survival frame, and those of its Cox model (against the truth)
BANK_KEEP = ("group", "rural", "digital_user", "rural_no_digital", "distance_10km", "fee_increase",
             "unresolved_complaint", "n_products", "value_tier")
BANK_COVARIATES = ("rural", "digital_user", "rural_no_digital", "distance_10km", "fee_increase",
                   "unresolved_complaint", "n_products", "value_tier")
#: value tiers from the lowest (the Cox model's reference level) to the highest
BANK_VALUE_TIERS = ("lead", "iron", "gold", "platinum")
#: Cox dummy names -> the simulator's names of the same true log-hazard ratios
BANK_TRUTH_NAMES = {"value_tier_iron": "tier_iron", "value_tier_gold": "tier_gold",
                    "value_tier_platinum": "tier_platinum"}


@dataclass(frozen=True)
class ChurnSurvivalInputs:
    """The resolved inputs of churn-survival.

    Attributes
    ----------
    base : Base
        Telco or your spells: ``tables['frame']`` the survival frame (months); ``settings`` its
        ``covariates`` and ``groups`` (and, for your data, ``as_of`` and ``observed_from``);
        ``texts`` the exhibit-name ``suffix`` and the duration axis label ``xlabel``.
    bank : Base or None
        The synthetic bank (built-in data only): ``tables['frame']`` its survival frame,
        ``settings['covariates']`` of its Cox model, ``settings['truth_names']``, ``truth``.
    recorded : tuple of (str, DataFrame, str)
        Input tables to fingerprint in the run manifest: name, table, description.
    notes : tuple of str
        What resolving the inputs found (loader warnings, row accounts), for the notebook to print.
    """

    base: Base
    bank: Base | None
    recorded: tuple[tuple[str, pd.DataFrame, str], ...]
    notes: tuple[str, ...]

    def record(self, exhibits: Any) -> None:
        """Fingerprint every input table in the manifest of ``exhibits`` (a :class:`reporting.Exhibits`)."""
        for name, df, description in self.recorded:
            exhibits.record_input(name, df, description)


def churn_survival(data: str = "", *, bank_customers: int = 20_000, seed: int = 0,
                   covariates: Sequence[str] | str = "auto", groups: Sequence[str] | str = "auto",
                   as_of: str = "auto", observed_from: str = "") -> ChurnSurvivalInputs:
    """The customer base of churn-survival as a survival frame: Telco and the synthetic bank, or your spells.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``spells`` (customer, start, end, covariates); ``''`` = the
        built-in Telco customers (tenure in months, churn in the last month) and the synthetic bank.
    bank_customers : int, default 20000
        Customers of the synthetic bank (built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    covariates, groups : list of str or 'auto', default 'auto'
        Your data: covariate columns of the spells, and the columns of the Kaplan-Meier curves
        (see :func:`crmresearch.survival.spell_covariates` and :func:`~crmresearch.survival.spell_groups`).
    as_of : str, default 'auto'
        Your data: censoring date YYYY-MM-DD; ``'auto'`` = the latest start or end date.
    observed_from : str, default ''
        Your data: first day of observation YYYY-MM-DD (earlier relationships are left-truncated);
        ``''`` = every relationship observed from its start.

    Returns
    -------
    ChurnSurvivalInputs
        The base (durations in months), the bank or None, the tables to record and notes.

    Examples
    --------
    >>> from crmresearch.studies.inputs.churn_survival import churn_survival
    >>> inp = churn_survival(bank_customers=500, seed=1)
    >>> inp.base.label, inp.base.texts["suffix"], len(inp.base.tables["frame"])
    ('Telco', '-telco', 7043)
    >>> inp.bank.simulated, "event" in inp.bank.tables["frame"]
    (True, True)
    """
    if data:
        base, recorded, notes = _your_spells(data, covariates, groups, as_of, observed_from)
        return ChurnSurvivalInputs(base, None, recorded, notes)
    base, recorded, notes = _telco()
    bank, bank_recorded, bank_notes = _bank(bank_customers, seed)
    return ChurnSurvivalInputs(base, bank, recorded + bank_recorded, notes + bank_notes)


def _telco() -> tuple[Base, tuple, tuple[str, ...]]:
    from ...data import load_telco_churn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        telco = load_telco_churn()
    frame = telco.assign(duration=telco["tenure"].astype(float), event=telco["churn"].astype(int),
                         tech_support_yes=telco["tech_support"] == "Yes",
                         online_security_yes=telco["online_security"] == "Yes")
    base = Base("telco", "Telco", TELCO_SOURCE, tables={"frame": frame},
                texts={"suffix": "-telco", "xlabel": "Tenure (months)"},
                settings={"covariates": list(TELCO_COVARIATES), "groups": list(TELCO_GROUPS)})
    notes = ("\n".join(str(w.message) for w in caught),)
    return base, (("telco_churn", telco, telco.attrs["source"]),), notes


def _your_spells(data: str, covariates: Sequence[str] | str, groups: Sequence[str] | str, as_of: str,
                 observed_from: str) -> tuple[Base, tuple, tuple[str, ...]]:
    from ... import survival
    from ...sources import read_sources, source_file

    name = source_file(data).name  # the name: key of your file, else its file name
    # one row per customer relationship, so the spells come back as pandas
    spells = read_sources(data, roles=["spells"])["spells"].to_pandas()
    cov = survival.spell_covariates(spells, covariates)
    grp = survival.spell_groups(spells, cov, groups)
    censor = survival.latest_date(spells) if as_of == "auto" else as_of
    frame = survival.survival_frame(spells, as_of=censor, observed_from=observed_from or None, keep=cov)
    notes = [pd.DataFrame(frame.attrs["row_account"]).to_string(),
             f"censored at {censor}; covariates {cov}; Kaplan-Meier by {grp}"]
    if observed_from:
        notes.append(f"observed from {observed_from}: {int((frame.entry > 0).sum()):,} relationships left-truncated")
    base = Base("yours", name, f"{name}: your spells", tables={"frame": frame},
                texts={"suffix": "", "xlabel": "Time since the start of the relationship (months)"},
                settings={"covariates": cov, "groups": grp, "as_of": str(censor), "observed_from": observed_from})
    return base, (("spells", spells, f"{name}: spells"),), tuple(notes)


def _bank(bank_customers: int, seed: int) -> tuple[Base, tuple, tuple[str, ...]]:
    from ... import survival
    from ...data import simulate_bank

    bank = simulate_bank(n_customers=bank_customers, seed=seed)
    c = bank.contracts
    spells = c.assign(
        group=c["region"].astype(str) + " / " + c["digital_user"].map({True: "digital", False: "not digital"}),
        rural=(c["region"] == "rural"),
        rural_no_digital=(c["region"] == "rural") & ~c["digital_user"],
        distance_10km=c["distance_km"] / 10,
        value_tier=c["value_tier"].cat.reorder_categories(list(BANK_VALUE_TIERS)))
    frame = survival.survival_frame(spells, as_of=bank.truth["end"], observed_from=bank.truth["start"],
                                    keep=list(BANK_KEEP))
    base = Base("bank", "Bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                tables={"frame": frame}, truth=bank.truth,
                texts={"xlabel": "Relationship age (months)"},
                settings={"covariates": list(BANK_COVARIATES), "group": "group", "truth_names": BANK_TRUTH_NAMES})
    recorded = (("bank_contracts", c, f"simulate_bank(n_customers={bank_customers}, seed={seed})"),)
    return base, recorded, (str(frame.attrs["row_account"]),)
