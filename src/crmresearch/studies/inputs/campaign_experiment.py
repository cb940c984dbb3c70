"""Inputs of the campaign-experiment study: the synthetic bank's randomised campaign, or yours.

Either way the study gets one row per customer with a boolean ``treated`` arm and a 0/1 ``churn_90d``
outcome (the event the campaign tries to prevent; your ``outcome``), the uplift features, the numeric
balance covariates and the column the effect is broken down by; the simulator's true effects only
for the built-in campaign.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ... import data as datasets
from ... import experiments, sources
from . import Base

__all__ = ["ARM_FRACTIONS", "BANK_BALANCE", "BANK_FEATURES", "CURVE_LIFTS", "OUTCOME", "POWER_LIFTS", "TRAIN_SHARE",
           "campaign_experiment"]

#: The outcome column the study analyses (your ``outcome`` is renamed to it).
OUTCOME = "churn_90d"
#: The bank's uplift features and covariate-balance columns.
BANK_FEATURES = ("segment", "region", "digital_user", "n_products", "tenure_months")
BANK_BALANCE = ("n_products", "tenure_months", "digital_user")
#: Relative churn changes tabulated by the power table, and the grid of the power curves.
POWER_LIFTS = (-0.05, -0.1, -0.15, -0.2, -0.3, -0.4, -0.5)
CURVE_LIFTS = tuple(-np.linspace(0.02, 0.6, 59))
#: Arm sizes of the power curves, as fractions of the campaign's smaller arm.
ARM_FRACTIONS = (4, 2, 1)
#: Share of customers the uplift and risk models are fitted on (the rest is held out).
TRAIN_SHARE = 0.5


def campaign_experiment(data: str = "", bank_customers: int = 60_000, seed: int = 0,
                        features: Sequence[str] | str = "auto", segment_column: str = "segment") -> Base:
    """The randomised campaign that campaign-experiment analyses: the synthetic bank's, or yours.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``campaign`` (customer, treated 0/1, outcome 0/1 and
        features); '' = the synthetic bank's 50/50 campaign among customers active at month 24.
    bank_customers : int, default 60000
        Customers of the synthetic bank (built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    features : list of str or 'auto', default 'auto'
        Your data: uplift features; 'auto' = every column besides customer_id, treated and outcome.
        The bank's are :data:`BANK_FEATURES`.
    segment_column : str, default 'segment'
        Column the effect is broken down by, or 'none'; ignored when the campaign has no such column.

    Returns
    -------
    Base
        ``tables['campaign']``: one row per customer, ``customer_id``, ``treated`` (bool), ``churn_90d``
        (0/1) and the features; ``settings``: ``features``, ``balance`` (numeric covariates of the
        balance table), ``segment`` (column name or None), ``judged`` (profit column the targeting is
        judged by) and ``inputs`` (name, role, description of the input to record); ``texts``:
        ``profit_title``, ``profit_ylabel``; ``truth``: the simulator's ``truth['campaign']`` (true
        effects per segment and per customer), None for your data.

    Examples
    --------
    >>> from crmresearch.studies.inputs.campaign_experiment import campaign_experiment
    >>> b = campaign_experiment(bank_customers=2_000, seed=1)
    >>> b.simulated, b.settings["segment"], b.settings["judged"], b.tables["campaign"]["treated"].dtype
    (True, 'segment', 'profit_true', dtype('bool'))
    """
    if not data:
        bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
        camp = bank.campaign
        return Base("bank", "bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed}), "
                    "randomised campaign", tables={"campaign": camp}, truth=bank.truth["campaign"],
                    texts={"profit_title": "Campaign profit on the held-out half (true uplift)",
                           "profit_ylabel": "Expected profit (thousand USD)", "currency": "USD"},
                    settings={"features": list(BANK_FEATURES), "balance": list(BANK_BALANCE),
                              "segment": _segment(camp, segment_column), "judged": "profit_true",
                              "inputs": [("bank_campaign", "campaign",
                                          f"simulate_bank(n_customers={bank_customers}, seed={seed})")]})
    file = sources.source_file(data)  # its name: (else the file's name) and currency: (else "amount units")
    name = file.name
    # one row per customer: it comes back as pandas; the outcome is the event to prevent (e.g. churn)
    camp = experiments.campaign_table(sources.read_sources(data, roles=["campaign"])["campaign"].to_pandas()) \
        .rename(columns={"outcome": OUTCOME})
    others = [c for c in camp.columns if c not in ("customer_id", "treated", OUTCOME)]
    chosen = others if features == "auto" else list(features)
    balance = [c for c in chosen if pd.api.types.is_numeric_dtype(camp[c]) or pd.api.types.is_bool_dtype(camp[c])]
    return Base("yours", name, f"{name}: your randomised campaign", tables={"campaign": camp},
                texts={"profit_title": "Campaign profit on the held-out half (predicted uplift)",
                       "profit_ylabel": f"Expected profit (thousand {file.money})", "currency": file.money},
                settings={"features": chosen, "balance": balance, "segment": _segment(camp, segment_column),
                          "judged": "profit", "inputs": [("campaign", "campaign", f"{name}: campaign")]})


def _segment(camp: pd.DataFrame, segment_column: str) -> str | None:
    return segment_column if segment_column != "none" and segment_column in camp.columns else None
