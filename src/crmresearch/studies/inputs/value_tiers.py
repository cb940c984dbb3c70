"""Inputs of the value-tiers study: CDNOW and the synthetic bank, or your transactions (and customers).

Either way the study gets customer bases with their transactions, the book of customers to keep
with value 0, the cost-to-serve settings, and one base whose current value is set against its
potential (the bank, or yours); the bank's customer profile (for the composite value score) only
for the built-in data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ... import data as datasets
from ... import schemas, segmentation, sources
from . import Base, has_amounts, without_amounts

__all__ = ["CDNOW_END", "NEED_AMOUNTS", "ValueTiersInputs", "value_tiers"]

#: Last day of the CDNOW purchases (Fader, Hardie & Lee 2005).
CDNOW_END = "1998-06-30"
#: Exhibits that need amounts: margin and cost to serve are money. Without amounts the concentration, the
#: pyramid and the current x potential matrix rank customers by transactions (current) and BG/NBD expected
#: transactions (potential): purchase activity, not value, and labelled so.
NEED_AMOUNTS = ("table-cost-to-serve", "fig-whale-curve", "table-service")
_VALUE_SETTINGS = {"amount": "amount", "value": "revenue", "sums": ("revenue", "transactions"), "measure": "value",
                   "potential": "clv"}
_VALUE_TEXTS = {"lorenz_title": "Concentration of customer value",
                "pyramid_title": "Customer pyramid: share of customers vs share of value", "value_label": "value",
                "potential_label": "Potential (predicted {weeks}-week margin, BG/NBD x Gamma-Gamma)",
                "share_of": "of value"}


@dataclass(frozen=True)
class ValueTiersInputs:
    """The resolved inputs of value-tiers.

    Attributes
    ----------
    bases : tuple of Base
        The bases tiered and costed (``CDNOW`` and ``bank``, or ``yours``): table ``transactions``;
        settings ``all_customers`` (the book, or None: the buyers), ``cost_to_serve`` (keyword
        arguments of :func:`crmresearch.segmentation.cost_to_serve`) and ``date`` (the date column).
    potential : Base
        The base of the current x potential matrix (the bank, or yours); settings also ``as_of``
        (end of the purchase histories) and ``margin_rate``; texts ``matrix_title``, ``current_value``.
    bank : Base or None
        The synthetic bank (tables also ``customers``, the profile), None on your data.
    source : str
        The source line of the figures over all bases.
    records : tuple of (str, DataFrame, str)
        The input tables the manifest fingerprints: name, table, description.
    has_amounts : bool, default True
        The transactions have amounts. False (a log of customer and date only): customers are ranked by
        transactions, potential is BG/NBD expected transactions, cost to serve is left out (``omitted``).
        Each base's settings say how: ``amount`` (column, or None), ``value`` (the ranking column of
        :func:`~crmresearch.segmentation.customer_totals`), ``sums``, ``measure`` and ``potential`` (the
        column of :func:`crmresearch.clv.customer_value`'s values).
    texts : dict of str to str
        Titles and labels of the figures over all bases (``lorenz_title``, ``pyramid_title``, ``value_label``,
        ``potential_label`` with ``{weeks}``, ``share_of``: what the matrix cells' second share is of).
    omitted : dict of str to str
        Exhibits of the study this run leaves out, with the reason (for ``Exhibits.omit``).
    """

    bases: tuple[Base, ...]
    potential: Base
    bank: Base | None
    source: str
    records: tuple[tuple[str, pd.DataFrame, str], ...]
    has_amounts: bool = True
    texts: dict[str, str] = field(default_factory=lambda: dict(_VALUE_TEXTS))
    omitted: dict[str, str] = field(default_factory=dict)


def _describe(name: str, tx: pd.DataFrame, date: str, currency: str) -> str:
    return (f"{name}: {len(tx):,} transactions of {tx.customer_id.nunique():,} customers, "
            f"{tx[date].min():%Y-%m-%d} to {tx[date].max():%Y-%m-%d}; value {tx.amount.sum():,.0f}{currency}")


def value_tiers(data: str = "", dataset: str = "cdnow_master", bank_customers: int = 20_000, seed: int = 0,
                bank_margin_rate: float = 0.03, bank_fixed_cost: float = 30.0, cdnow_margin_rate: float = 0.25,
                cdnow_order_cost: float = 3.0, margin_rate: float = 0.25,
                order_cost: float = 3.0) -> ValueTiersInputs:
    """The customer bases of value-tiers: CDNOW and the synthetic bank, or your transactions.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your transactions (and optionally customers, the book);
        '' = CDNOW and the synthetic bank.
    dataset : str, default 'cdnow_master'
        CDNOW transactions: ``'cdnow_master'`` or ``'cdnow_sample'``.
    bank_customers : int, default 20000
        Customers of the synthetic bank.
    seed : int, default 0
        Seed of the synthetic bank.
    bank_margin_rate : float, default 0.03
        Bank margin per USD of transaction volume.
    bank_fixed_cost : float, default 30.0
        Bank account-keeping cost per customer over the window, USD.
    cdnow_margin_rate : float, default 0.25
        CDNOW gross margin per USD of sales.
    cdnow_order_cost : float, default 3.0
        CDNOW fulfilment cost per order, USD.
    margin_rate : float, default 0.25
        Your data: gross margin per currency unit of sales.
    order_cost : float, default 3.0
        Your data: cost to serve one transaction, currency units.

    Returns
    -------
    ValueTiersInputs
        The bases, the base of the potential matrix, the bank (None on your data), the figures'
        source line and the input records.

    Examples
    --------
    >>> from crmresearch.studies.inputs.value_tiers import value_tiers
    >>> inputs = value_tiers(dataset='cdnow_sample', bank_customers=1_000)
    >>> [b.name for b in inputs.bases], inputs.potential.name, inputs.bank.simulated
    (['CDNOW', 'bank'], 'bank', True)
    >>> inputs.bases[0].settings['cost_to_serve']
    {'margin_rate': 0.25, 'channel_costs': 3.0, 'channel': None}
    """
    if data:
        yours = sources.read_sources(data, roles=["transactions"])  # your tables stay where they are
        tx = yours["transactions"]
        money = has_amounts(tx)  # a log of customer and date: purchase activity, not value
        book = yours["customers"].to_pandas()["customer_id"] if "customers" in yours else None
        # one pass: first and last purchase, count and value per customer
        span = segmentation.rfm(tx, amount="amount" if money else None)
        file = sources.source_file(data)  # its name: (else the file's name) and currency: (else "amount units")
        name = file.name
        source = f"{name}: your transactions"
        measures = dict(_VALUE_SETTINGS) if money else {"amount": None, "value": "transactions",
                                                         "sums": ("transactions",), "measure": "transactions",
                                                         "potential": "expected_purchases"}
        value = f"; value {span['monetary'].sum():,.0f} {file.money}" if money else "; no amounts"
        base = Base("yours", name, source, {"transactions": tx},
                    texts={"matrix_title": f"{name}: current value x potential" if money
                           else f"{name}: current x potential transactions",
                           "current_value": "Current value (revenue)" if money else "Current activity (transactions)",
                           "description": f"your data: {int(span['frequency'].sum()):,} transactions of "
                                          f"{len(span):,} customers, {span['first_purchase'].min():%Y-%m-%d} to "
                                          f"{span['last_purchase'].max():%Y-%m-%d}{value}",
                           "currency": file.money},
                    settings={"all_customers": book, "date": "date",
                              "cost_to_serve": {"margin_rate": margin_rate, "channel_costs": order_cost,
                                                "channel": None, "all_customers": book},
                              "as_of": span["last_purchase"].max().normalize(), "margin_rate": margin_rate,
                              **measures})
        records = (("transactions", span, f"{name}: per-customer RFM aggregate of the transactions"),)
        texts = dict(_VALUE_TEXTS) if money else {
            "lorenz_title": "Concentration of purchases (transactions per customer)",
            "pyramid_title": "Customer pyramid by transactions: share of customers vs share of transactions",
            "value_label": "transactions",
            "potential_label": "Potential (BG/NBD expected transactions in {weeks} weeks)",
            "share_of": "of transactions"}
        omitted = {**({} if money else without_amounts(name, NEED_AMOUNTS, "margin and cost to serve")),
                   "table-value-classes": "the composite value score needs the synthetic bank's customer profile: "
                                          "built-in data only"}
        return ValueTiersInputs((base,), base, None, source, records, money, texts, omitted)
    cdnow = schemas.validate(datasets.load(dataset), "transactions", as_of=CDNOW_END)
    bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
    bank_tx = schemas.validate(bank.transactions, "transactions", date="timestamp", as_of=bank.truth["end"])
    ids = bank.customers["customer_id"]
    described = f"simulate_bank(n_customers={bank_customers}, seed={seed})"
    bank_source = f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})"
    retail = Base("CDNOW", "CDNOW", "CDNOW purchases 1997-01 to 1998-06 (Fader, Hardie & Lee 2005)",
                  {"transactions": cdnow}, texts={"description": _describe("CDNOW", cdnow, "date", " USD"),
                                                  "currency": "USD"},
                  settings={"all_customers": None, "date": "date",
                            "cost_to_serve": {"margin_rate": cdnow_margin_rate, "channel_costs": cdnow_order_cost,
                                              "channel": None}, **_VALUE_SETTINGS})
    bank_base = Base("bank", "bank", bank_source, {"transactions": bank_tx, "customers": bank.customers},
                     truth=bank.truth,
                     texts={"matrix_title": "Bank: current value x potential",
                            "current_value": "Current value (transaction volume)",
                            "description": _describe("bank", bank_tx, "timestamp", " USD"), "currency": "USD"},
                     settings={"all_customers": ids, "date": "timestamp",
                               "cost_to_serve": {"margin_rate": bank_margin_rate, "fixed_cost": bank_fixed_cost,
                                                 "all_customers": ids},
                               "as_of": pd.Timestamp(bank.truth["end"]) - pd.Timedelta(days=1),
                               "margin_rate": bank_margin_rate, **_VALUE_SETTINGS})
    records = ((dataset, cdnow, cdnow.attrs.get("source", "")), ("bank_transactions", bank_tx, described),
               ("bank_customers", bank.customers, described))
    return ValueTiersInputs((retail, bank_base), bank_base, bank_base,
                            f"{retail.source}; {bank_source}", records)
