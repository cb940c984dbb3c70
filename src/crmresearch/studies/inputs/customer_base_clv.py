"""Inputs of the customer-base-clv study: CDNOW and the synthetic bank, or your transactions.

Either way the study gets the same thing: customer bases with their transactions and their
per-customer calibration / holdout summary (weeks), the calibration and observation ends, and the
wording of the exhibits; the synthetic bank (with its true churn dates) only for the built-in data.
The calibration and observation ends each base uses, and where they came from, are its resolved
settings (``base.resolved``: the study's settings table and manifest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ... import clv, schemas, segmentation, sources
from ... import data as datasets
from ...data import reference
from . import Base, Resolved, has_amounts, without_amounts

__all__ = ["CDNOW_END", "CDNOW_START", "NEED_AMOUNTS", "RECOVERY_AGES", "CustomerBaseClvInputs",
           "customer_base_clv", "opportunity_tables"]

#: First and last day of the CDNOW purchases (Fader, Hardie & Lee 2005).
CDNOW_START = pd.Timestamp("1997-01-01")
CDNOW_END = pd.Timestamp("1998-06-30")
#: Ages (weeks) of the bases drawn to check BG/NBD recovery on CDNOW: the 1997-Q1 cohort at the end of week 39.
RECOVERY_AGES = (26.0, 39.0)

#: Exhibits that need amounts (Gamma-Gamma spend and lifetime value); a log without amounts runs the rest
#: (BG/NBD fit, tracking, conditional expectations, the holdout check of purchases, recovery).
NEED_AMOUNTS = ("table-gamma-gamma-fit", "table-clv-summary", "fig-clv-distribution", "table-new-customer-value")
_BANK_ONLY = {"table-bank-clv": "the synthetic bank's true churn checks the predictions: built-in data only",
              "table-covariate-models": "the covariate is CDNOW's first-purchase amount (Fader & Hardie 2007's "
              "example), built-in data only; give your own covariates to clv.compare_covariate_models"}

_CDNOW_SOURCE = "CDNOW purchases 1997-01 to 1998-06 (Fader, Hardie & Lee 2005)"
_PUBLISHED_ROW = "published (FHL 2005, sample)"


@dataclass(frozen=True)
class CustomerBaseClvInputs:
    """The resolved inputs of customer-base-clv.

    Attributes
    ----------
    bases : tuple of Base
        The bases fitted, the first the one tracked and plotted (``cdnow_sample`` and ``cdnow_master``,
        or ``yours``); tables ``transactions`` and ``summary``; settings ``calibration_end``,
        ``observation_end`` (Timestamps) and ``recovery_ages`` (weeks); ``resolved`` the same with their origin.
    bank : Base or None
        The synthetic bank's customers acquired in its window (tables ``transactions``, ``summary``,
        ``contracts``; settings ``calibration_end``, ``observation_end``), None on your data.
    published : dict of str to list of dict
        Rows of published estimates to append to the ``'bgnbd'`` and ``'gamma_gamma'`` fit tables
        (empty unless the paper's calibration is studied), and to the ``'bgbb'`` fit to FHS (2010)'s donations
        (always: that check is of the model, on the paper's data).
    records : tuple of (str, DataFrame, str)
        The input tables the manifest fingerprints: name, table, description.
    has_amounts : bool, default True
        The transactions have amounts; False (a log of customer and date only): the summaries have no
        ``monetary_value``, and the spend and value exhibits are left out (``omitted``).
    omitted : dict of str to str
        Exhibits of the study this run leaves out, with the reason (for ``Exhibits.omit``).
    """

    bases: tuple[Base, ...]
    bank: Base | None
    published: dict[str, list[dict[str, Any]]]
    records: tuple[tuple[str, pd.DataFrame, str], ...]
    has_amounts: bool = True
    omitted: dict[str, str] = field(default_factory=dict)

    @property
    def main(self) -> Base:
        """The base tracked and plotted."""
        return self.bases[0]


def _summary(t: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp,
             amount: str | None = "amount") -> pd.DataFrame:
    return clv.summary_from_transactions(t, calibration_end, observation_end, freq="W", amount=amount)


def _builtin(calibration_weeks: int) -> tuple[list[Base], dict[str, list[dict[str, Any]]], list[tuple]]:
    calibration_end = CDNOW_START + pd.Timedelta(weeks=calibration_weeks) - pd.Timedelta(days=1)
    texts = {"tracking_title": "CDNOW sample: cumulative repeat transactions",
             "comparison_title": "CDNOW sample: cumulative repeat transactions by model",
             "tracking_xlabel": "Week since 1 January 1997",
             "conditional_title": "CDNOW sample: holdout purchases by calibration purchases",
             "conditional_xlabel": "Repeat purchases in weeks 1-39",
             "conditional_ylabel": "Mean repeat purchases in weeks 40-78",
             "value_title": "CDNOW: {horizon}-week customer value", "value_xlabel": "CLV (USD, log scale)",
             "currency": "USD"}
    resolved = [Resolved("calibration_end", calibration_end, "parameter",
                         f"{calibration_weeks} weeks (calibration_weeks) from {CDNOW_START.date()}"),
                Resolved("observation_end", CDNOW_END, "built-in data", "last day of the CDNOW purchases"),
                Resolved("recovery_ages", RECOVERY_AGES, "built-in data",
                         "weeks: ages of the 1997-Q1 cohort at the end of week 39")]
    bases, records = [], []
    for name in ("cdnow_sample", "cdnow_master"):
        t = datasets.load(name)
        bases.append(Base(name, name, _CDNOW_SOURCE,
                          {"transactions": t, "summary": _summary(t, calibration_end, CDNOW_END)},
                          texts=texts, settings={"calibration_end": calibration_end, "observation_end": CDNOW_END,
                                                 "recovery_ages": RECOVERY_AGES}, resolved=list(resolved)))
        records.append((name, t, t.attrs["source"]))
    bg = reference.published("fhl2005_bgnbd_cdnow_sample")
    gg = reference.published("fhl2005_gamma_gamma_cdnow_sample")
    published: dict[str, list[dict[str, Any]]] = {"bgnbd": [], "gamma_gamma": []}
    if calibration_weeks == bg["calibration_weeks"]:
        published["bgnbd"].append({"dataset": _PUBLISHED_ROW, "customers": bg["customers"],
                                   **{k: bg[k] for k in ("r", "alpha", "a", "b", "log_likelihood")}})
    if calibration_weeks == gg["calibration_weeks"]:
        published["gamma_gamma"].append({"dataset": _PUBLISHED_ROW, **{k: gg[k] for k in
                                                                        ("customers_with_repeats", "p", "q", "v")}})
    published["bgbb"] = _bgbb_published()
    return bases, published, records


def _bgbb_published() -> list[dict[str, Any]]:
    p = reference.published("fhs2010_bgbb_donations")
    return [{"dataset": "published (FHS 2010, donations)", "customers": p["customers"],
             **{k: p[k] for k in ("alpha", "beta", "gamma", "delta", "log_likelihood")}}]


def _bank(bank_customers: int, seed: int, calibration_months: int) -> tuple[Base, tuple]:
    bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
    start, end = pd.Timestamp(bank.truth["start"]), pd.Timestamp(bank.truth["end"])
    calibration_end = start + pd.DateOffset(months=calibration_months) - pd.Timedelta(days=1)
    new_ids = bank.contracts.loc[bank.contracts["start"] >= start, "customer_id"]
    tx = schemas.validate(bank.transactions[bank.transactions["customer_id"].isin(new_ids)], "transactions",
                          date="timestamp", as_of=bank.truth["end"])
    observation_end = end - pd.Timedelta(days=1)
    summary = clv.summary_from_transactions(tx, calibration_end, observation_end, freq="W", date="timestamp")
    resolved = [Resolved("calibration_end", calibration_end, "parameter",
                         f"{calibration_months} months (bank_calibration_months) from {start.date()}"),
                Resolved("observation_end", observation_end, "built-in data", "last day of the simulated window")]
    base = Base("bank", "bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                {"transactions": tx, "summary": summary, "contracts": bank.contracts}, truth=bank.truth,
                settings={"calibration_end": calibration_end, "observation_end": observation_end}, resolved=resolved)
    return base, ("bank_transactions_new_customers", tx, f"simulate_bank(n_customers={bank_customers}, seed={seed})")


def _yours(data: str, calibration_end: str) -> tuple[Base, tuple]:
    t = sources.read_sources(data, roles=["transactions"])["transactions"]  # stays where it is
    amount = "amount" if has_amounts(t) else None  # a log of customer and date: purchase counts only
    span = segmentation.rfm(t, amount=amount)  # one pass: first and last purchase per customer
    first_day, observation_end = span["first_purchase"].min().normalize(), span["last_purchase"].max().normalize()
    cal_end = (pd.Timestamp(calibration_end) if calibration_end
               else first_day + (observation_end - first_day) / 2).normalize()
    summary = _summary(t, cal_end, observation_end, amount)
    file = sources.source_file(data)  # its name: (else the file's name) and currency: (else "amount units")
    name = file.name
    texts = {"tracking_title": f"{name}: cumulative repeat transactions", "tracking_xlabel": "Week since {origin}",
             "comparison_title": f"{name}: cumulative repeat transactions by model",
             "conditional_title": f"{name}: holdout purchases by calibration purchases",
             "conditional_xlabel": "Repeat purchases in the calibration period",
             "conditional_ylabel": "Mean repeat purchases in the holdout period",
             "value_title": f"{name}: {{horizon}}-week customer value",
             "value_xlabel": f"CLV ({file.money}, log scale)", "currency": file.money}
    ages = (float(summary["T"].min()), float(summary["T"].max()))
    resolved = [Resolved("calibration_end", cal_end, "parameter", "") if calibration_end else
                Resolved("calibration_end", cal_end, "data", f"halfway between the first purchase ({first_day.date()}) "
                         f"and the last ({observation_end.date()})"),
                Resolved("observation_end", observation_end, "data", "day of the last purchase"),
                Resolved("recovery_ages", ages, "data", "weeks: youngest and oldest customer age T at calibration end")]
    base = Base("yours", name, f"{name}: transactions", {"transactions": t, "summary": summary}, texts=texts,
                settings={"calibration_end": cal_end, "observation_end": observation_end, "recovery_ages": ages},
                resolved=resolved)
    return base, ("yours", summary, f"{name}: per-customer calibration summary of the transactions")


def customer_base_clv(data: str = "", calibration_weeks: int = 39, calibration_end: str = "",
                      bank_customers: int = 20_000, seed: int = 0,
                      bank_calibration_months: int = 24) -> CustomerBaseClvInputs:
    """The customer bases of customer-base-clv: CDNOW and the synthetic bank, or your transactions.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your transactions; '' = CDNOW (sample and master) and the bank.
    calibration_weeks : int, default 39
        CDNOW calibration period, weeks from 1997-01-01.
    calibration_end : str, default ''
        Your data: last day of calibration (YYYY-MM-DD); '' = halfway between the first and last purchase.
    bank_customers : int, default 20000
        Customers of the synthetic bank.
    seed : int, default 0
        Seed of the synthetic bank.
    bank_calibration_months : int, default 24
        Bank calibration period, months from the window start.

    Returns
    -------
    CustomerBaseClvInputs
        The bases (each with ``transactions`` and a weekly calibration / holdout ``summary``), the
        bank (None on your data), published rows and the input records.

    Examples
    --------
    >>> from crmresearch.studies.inputs.customer_base_clv import customer_base_clv
    >>> inputs = customer_base_clv(bank_customers=1_000)
    >>> [b.name for b in inputs.bases], inputs.bank.simulated, len(inputs.main.tables['summary'])
    (['cdnow_sample', 'cdnow_master'], True, 2357)
    >>> inputs.main.settings['calibration_end'].date(), inputs.published['bgnbd'][0]['r']
    (datetime.date(1997, 9, 30), 0.2426)
    """
    if data:
        base, record = _yours(data, calibration_end)
        money = "monetary_value" in base.tables["summary"].columns
        omitted = {**(without_amounts(base.label, NEED_AMOUNTS, "spend per purchase and lifetime value")
                      if not money else {}), **_BANK_ONLY}
        return CustomerBaseClvInputs((base,), None, {"bgnbd": [], "gamma_gamma": [], "bgbb": _bgbb_published()},
                                     (record,), money, omitted)
    bases, published, records = _builtin(calibration_weeks)
    bank, record = _bank(bank_customers, seed, bank_calibration_months)
    return CustomerBaseClvInputs(tuple(bases), bank, published, (*records, record))


def opportunity_tables(inputs: CustomerBaseClvInputs, period_days: int = 7) -> dict[str, tuple[pd.DataFrame, Any]]:
    """Each base at discrete opportunities of ``period_days`` days (:func:`~crmresearch.clv.opportunity_summary`,
    same calibration and observation ends), with the true alive status at calibration end where a simulation knows
    it (the bank; None elsewhere).

    Parameters
    ----------
    inputs : CustomerBaseClvInputs
        The study's bases (:func:`customer_base_clv`).
    period_days : int, default 7
        Length of one opportunity (days).

    Returns
    -------
    dict of str to (DataFrame, ndarray or None)
        Base name -> (the opportunity table, 0/1 alive in its row order or None).

    Examples
    --------
    >>> from crmresearch.studies.inputs.customer_base_clv import customer_base_clv, opportunity_tables
    >>> tables = opportunity_tables(customer_base_clv(bank_customers=1_000))
    >>> sorted(tables), len(tables['cdnow_sample'][0]), tables['cdnow_sample'][1] is None
    (['bank', 'cdnow_master', 'cdnow_sample'], 2357, True)
    """
    out: dict[str, tuple[pd.DataFrame, Any]] = {}
    for b in inputs.bases:
        out[b.name] = (clv.opportunity_summary(b.tables["transactions"], b.settings["calibration_end"],
                                               b.settings["observation_end"], period_days=period_days), None)
    if inputs.bank is not None:
        bank, tx = inputs.bank, inputs.bank.tables["transactions"]
        cal_end, obs_end = bank.settings["calibration_end"], bank.settings["observation_end"]
        summary = clv.opportunity_summary(tx, cal_end, obs_end, period_days=period_days, date="timestamp")
        ends = bank.tables["contracts"].set_index("customer_id").loc[summary.index, "end"]
        out[bank.name] = (summary, (ends.isna() | (ends > cal_end)).to_numpy())
    return out
