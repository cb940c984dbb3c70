"""Inputs of the churn-targeting study: Telco and the synthetic bank, or your customers, as churn tables.

Every customer base the notebook scores is one row per customer with a 0/1 ``churn`` column, the
classifier's features and, where the data give it, the ``value`` of keeping the customer (your
``value`` column; the bank's margin annuity). Telco's value comes from a Cox model fitted in the
study (``settings['cox']``), so its survival-CLV exhibits exist for Telco alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import Base

__all__ = ["ACCEPTANCE_RATES", "MONTHS_PER_YEAR", "OFFER_COSTS", "ChurnTargetingInputs", "churn_targeting"]

TELCO_SOURCE = "IBM Telco customer churn (R modeldata::wa_churn)"
#: classifiers compared on the main base (Telco or yours); the bank is scored by the study's ``model`` only
MODELS = ("logistic", "gradient_boosting")
#: offer costs (USD per accepting customer) and acceptance rates of the profit-maximising-depth grid
OFFER_COSTS = (5.0, 10.0, 20.0, 40.0, 80.0)
ACCEPTANCE_RATES = (0.1, 0.2, 0.3, 0.5, 0.7)
MONTHS_PER_YEAR = 12
#: Telco: columns that are not classifier features; the Cox model of the survival-based CLV
TELCO_NOT_FEATURES = ("customer_id", "churn", "total_charges")
TELCO_COX = {"duration": "tenure", "monthly_charge": "monthly_charges", "strata": ["contract"],
             "covariates": ["internet_service", "payment_method", "monthly_charges", "paperless_billing",
                            "senior_citizen", "partner", "dependents"]}
#: the bank: churn within this many months of the snapshot; value = this many more years of the last year's margin
BANK_WINDOW_MONTHS = 12
BANK_VALUE_YEARS = 3
BANK_FEATURES = ("region", "age", "monthly_income", "digital_user", "distance_km", "n_products", "fee_increase",
                 "unresolved_complaint", "value_tier", "tenure_months", "transactions_12m", "volume_12m",
                 "recency_days")


@dataclass(frozen=True)
class ChurnTargetingInputs:
    """The resolved inputs of churn-targeting.

    Attributes
    ----------
    bases : tuple of Base
        The main base (Telco, or your customers) first, then the synthetic bank (built-in data only).
        Each has ``tables['customers']`` (one row per customer: ``churn`` 0/1, the features, ``value``
        in ``texts['currency']`` where the data give it), ``settings['features']`` and ``settings['models']`` (the
        classifiers fitted on it); Telco has ``settings['cox']``, the Cox model of its value.
    recorded : tuple of (str, DataFrame, str)
        Input tables to fingerprint in the run manifest: name, table, description.
    notes : tuple of str
        What resolving the inputs found (loader warnings, the bank's snapshot), for the notebook to print.
    """

    bases: tuple[Base, ...]
    recorded: tuple[tuple[str, pd.DataFrame, str], ...]
    notes: tuple[str, ...]

    def record(self, exhibits: Any) -> None:
        """Fingerprint every input table in the manifest of ``exhibits`` (a :class:`reporting.Exhibits`)."""
        for name, df, description in self.recorded:
            exhibits.record_input(name, df, description)


def churn_targeting(data: str = "", *, model: str = "gradient_boosting", bank_customers: int = 20_000,
                    seed: int = 0, bank_margin_rate: float = 0.03, annual_discount_rate: float = 0.10,
                    features: Sequence[str] | str = "auto") -> ChurnTargetingInputs:
    """The customer bases of churn-targeting: Telco and the synthetic bank, or your customers.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``customers`` (customer, churned 0/1, value, features);
        ``''`` = the built-in Telco customers and the synthetic bank.
    model : {'gradient_boosting', 'logistic'}, default 'gradient_boosting'
        The classifier that scores the bank (the main base compares both).
    bank_customers : int, default 20000
        Customers of the synthetic bank (built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    bank_margin_rate : float, default 0.03
        Bank margin per USD of transaction volume (share).
    annual_discount_rate : float, default 0.1
        Discount rate per year of the bank's margin annuity (0.1 = 10 %).
    features : sequence of str or 'auto', default 'auto'
        Your data: the classifiers' features; ``'auto'``: the data source file's ``features:``, else every
        column besides customer, churned and value (see :func:`crmresearch.targeting.churn_features`).

    Returns
    -------
    ChurnTargetingInputs
        The bases (main first), the tables to record and notes.

    Examples
    --------
    >>> from crmresearch.studies.inputs.churn_targeting import churn_targeting
    >>> inp = churn_targeting(bank_customers=500, seed=1)
    >>> [(b.name, b.label, len(b.settings["models"])) for b in inp.bases]
    [('telco', 'Telco', 2), ('bank', 'bank', 1)]
    >>> "value" in inp.bases[1].tables["customers"], "value" in inp.bases[0].tables["customers"]
    (True, False)
    """
    if data:
        base, recorded, notes = _your_customers(data, features)
        return ChurnTargetingInputs((base,), recorded, notes)
    telco, recorded, notes = _telco()
    bank, bank_recorded, bank_notes = _bank(bank_customers, seed, model, bank_margin_rate, annual_discount_rate)
    return ChurnTargetingInputs((telco, bank), recorded + bank_recorded, notes + bank_notes)


def _telco() -> tuple[Base, tuple, tuple[str, ...]]:
    from ...data import load_telco_churn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        telco = load_telco_churn()
    base = Base("telco", "Telco", TELCO_SOURCE, tables={"customers": telco}, texts={"currency": "USD"},
                settings={"features": [c for c in telco.columns if c not in TELCO_NOT_FEATURES],
                          "models": MODELS, "cox": TELCO_COX})
    notes = ("\n".join(str(w.message) for w in caught),)
    return base, (("telco_churn", telco, telco.attrs["source"]),), notes


def _your_customers(data: str, features: Sequence[str] | str) -> tuple[Base, tuple, tuple[str, ...]]:
    from ...sources import read_sources, source_file
    from ...targeting import churn_features, churn_table

    file = source_file(data)  # its name: (else the file's name) and currency: (else "amount units")
    name = file.name
    source = read_sources(data, roles=["customers"])["customers"]
    # one row per customer: it comes back as pandas; churned = left within your window
    customers = churn_table(source.to_pandas())
    chosen, cautions = churn_features(customers, features, listed=source.features)
    customers = customers.rename(columns={"churned": "churn"})
    origin = ("the features parameter" if features != "auto" else
              "the data source file's features" if source.features is not None else
              "every column besides customer, churned and value")
    for caution in cautions:
        warnings.warn(caution, UserWarning, stacklevel=2)
    base = Base("yours", name, f"{name}: your customers", tables={"customers": customers},
                settings={"features": chosen, "models": MODELS}, texts={"currency": file.money})
    notes = (f"{name}: {len(chosen)} features ({origin}): {', '.join(chosen)}", *cautions)
    return base, (("customers", customers, f"{name}: customers"),), notes


def _bank(bank_customers: int, seed: int, model: str, margin_rate: float,
          annual_discount_rate: float) -> tuple[Base, tuple, tuple[str, ...]]:
    from ...clv import margin_annuity
    from ...data import simulate_bank
    from ...targeting import churn_snapshot

    bank = simulate_bank(n_customers=bank_customers, seed=seed)
    snapshot = bank.truth["campaign"]["date"]
    snap = churn_snapshot(bank.contracts, bank.transactions, snapshot=snapshot, window_months=BANK_WINDOW_MONTHS,
                          date="timestamp")
    label = f"churned_{BANK_WINDOW_MONTHS}m"
    customers = snap.merge(bank.customers[["customer_id", "age", "monthly_income"]], on="customer_id") \
        .rename(columns={label: "churn"})
    # value of keeping a customer: BANK_VALUE_YEARS more years of the last year's margin, discounted
    customers["value"] = margin_annuity(margin_rate * customers["volume_12m"].to_numpy(), BANK_VALUE_YEARS,
                                        annual_discount_rate)
    base = Base("bank", "bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                tables={"customers": customers}, truth=bank.truth, texts={"currency": "USD"},
                settings={"features": list(BANK_FEATURES), "models": (model,), "snapshot": str(snapshot)})
    notes = (f"bank: {len(snap):,} active customers at {snapshot}, "
             f"{snap[label].mean():.1%} churn within {BANK_WINDOW_MONTHS} months",)
    recorded = (("bank_customers", bank.customers, f"simulate_bank(n_customers={bank_customers}, seed={seed})"),)
    return base, recorded, notes
