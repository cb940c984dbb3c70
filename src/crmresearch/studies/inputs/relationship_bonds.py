"""Inputs of the relationship-bonds study: the programme simulator, CDNOW, the bank, a scanner panel, Caravan and
the prospect simulator's referrals, or your transactions, customers (with an ``enrolled`` date, ``owns_``
columns or a ``referred_by`` id) and choices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import data as datasets
from ... import sources
from ...errors import ValidationError
from . import Base

__all__ = ["choice_base", "ladder_bases", "programme_base", "recency_bases", "referral_base"]


def _yours(data: str, roles: list[str]) -> tuple[str, dict[str, pd.DataFrame]]:
    name = sources.source_file(data).name
    tables = sources.read_sources(data, roles=roles[:1], optional=roles[1:])
    return name, {r: tables[r].to_pandas() for r in roles if r in tables}


def programme_base(data: str = "", *, n_customers: int = 4_000, months: int = 24, seed: int = 0,
                   spend_effect: float = 3.0, churn_ratio: float = 0.8) -> Base | None:
    """The customers and purchases of a reward programme: the simulator's, or your customers' ``enrolled`` dates.

    Parameters
    ----------
    data : str, default ''
        Data source file naming your ``transactions`` and ``customers`` (with an ``enrolled`` date, empty for
        never enrolled); '' = :func:`crmresearch.data.simulate_programme`.
    n_customers, months, seed : int
        Size, months and seed of the simulator (built-in data only).
    spend_effect, churn_ratio : float
        The simulator's programme effects: extra spend per month at enrolment; hazard ratio of churn.

    Returns
    -------
    Base or None
        ``tables``: ``transactions`` (customer_id, date, amount), ``customers`` (customer_id, enrolled and,
        where known, churned). ``settings``: ``start``, ``end`` (the panel window), ``inputs``. ``truth``: the
        simulator's (None for your data). None when your customers have no ``enrolled`` column.

    Examples
    --------
    >>> from crmresearch.studies.inputs.relationship_bonds import programme_base
    >>> b = programme_base(n_customers=300)
    >>> sorted(b.tables), b.simulated
    (['customers', 'transactions'], True)
    """
    if not data:
        sim = datasets.simulate_programme(n_customers=n_customers, months=months, seed=seed,
                                          spend_effect=spend_effect, churn_ratio=churn_ratio)
        text = f"simulate_programme(n_customers={n_customers}, seed={seed})"
        return Base("simulator", "simulator", f"crmresearch reward-programme simulator (n = {n_customers:,}, "
                    f"seed {seed})", tables={"transactions": sim.transactions, "customers": sim.customers},
                    truth=sim.truth, settings={"start": sim.truth["start"], "end": sim.truth["end"],
                                               "inputs": [("sim_transactions", "transactions", text),
                                                          ("sim_customers", "customers", text)]})
    name, yours = _yours(data, ["transactions", "customers"])
    customers = yours.get("customers")
    if customers is None or "enrolled" not in customers:
        return None
    tx = yours["transactions"].assign(date=lambda d: pd.to_datetime(d["date"]))
    customers = customers.assign(enrolled=pd.to_datetime(customers["enrolled"]))
    start = tx["date"].min().to_period("M").start_time
    end = tx["date"].max().to_period("M").end_time.normalize()
    return Base("yours", name, f"{name}: your customers and transactions", tables={"transactions": tx,
                                                                                   "customers": customers},
                settings={"start": start, "end": end, "inputs": [("transactions", "transactions",
                                                                   f"{name}: transactions"),
                                                                  ("customers", "customers", f"{name}: customers")]})


def recency_bases(data: str = "", dataset: str = "cdnow_master", *, bank_customers: int = 10_000,
                  seed: int = 0) -> list[Base]:
    """The purchase logs whose recency states are valued: CDNOW and the synthetic bank, or your transactions.

    Parameters
    ----------
    data : str, default ''
        Data source file naming your ``transactions`` (with amounts); '' = the built-in logs.
    dataset : str, default 'cdnow_master'
        The CDNOW file.
    bank_customers, seed : int
        Size and seed of the synthetic bank.

    Returns
    -------
    list of Base
        Each with ``tables['transactions']`` (customer_id, date, amount).

    Examples
    --------
    >>> from crmresearch.studies.inputs.relationship_bonds import recency_bases
    >>> [b.name for b in recency_bases(dataset="cdnow_sample", bank_customers=3_000)]
    ['cdnow', 'bank']
    """
    if data:
        name, yours = _yours(data, ["transactions"])
        tx = yours["transactions"]
        return [Base("yours", name, f"{name}: your transactions", tables={"transactions": tx},
                     settings={"inputs": [("transactions", "transactions", f"{name}: transactions")]})]
    cd = datasets.load(dataset)
    bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
    btx = bank.transactions.rename(columns={"timestamp": "date"})[["customer_id", "date", "amount"]]
    return [Base("cdnow", "CDNOW", cd.attrs.get("source", "CDNOW"), tables={"transactions": cd},
                 settings={"inputs": [(dataset, "transactions", cd.attrs.get("source", "CDNOW"))]}),
            Base("bank", "bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                 tables={"transactions": btx}, truth=bank.truth,
                 settings={"inputs": [("bank_transactions", "transactions",
                                       f"simulate_bank(n_customers={bank_customers}, seed={seed})")]})]


def choice_base(data: str = "", panel: str = "Yogurt") -> Base | None:
    """The brand choices whose segments are found: an Ecdat scanner panel, or your choices.

    Parameters
    ----------
    data : str, default ''
        Data source file naming your ``choices`` (household, occasion, choice and ``price_<brand>`` columns,
        optional ``feature_<brand>``); '' = :func:`crmresearch.data.load_scanner_panel`.
    panel : str, default 'Yogurt'
        The Ecdat panel.

    Returns
    -------
    Base or None
        ``tables['choices']``; ``settings``: ``brands``, ``variables`` (price and, where every brand has one,
        feature), ``price_unit``. None when your data source names no ``choices``.

    Examples
    --------
    >>> from crmresearch.studies.inputs.relationship_bonds import choice_base
    >>> b = choice_base(panel="Yogurt")
    >>> b.settings["variables"], len(b.tables["choices"])
    (['price', 'feature'], 2412)
    """
    if data:
        name, yours = _yours(data, ["choices"])
        if "choices" not in yours:
            return None
        table, label, source, unit = yours["choices"], name, f"{name}: your choices", "your price unit"
        brands = sorted(table["choice"].astype(str).unique())
        table = table.assign(choice=table["choice"].astype(str))
    else:
        table = datasets.load_scanner_panel(panel)
        label, source, unit, brands = panel, table.attrs["source"], table.attrs["price_unit"], table.attrs["brands"]
    variables = ["price"] + (["feature"] if all(f"feature_{b}" in table for b in brands) else [])
    return Base("yours" if data else panel.lower(), label, source, tables={"choices": table},
                settings={"brands": brands, "variables": variables, "price_unit": unit,
                          "inputs": [(panel.lower() if not data else "choices", "choices", source)]})


#: Prefix of the customers' columns that hold products owned (a count or 0/1), by your column names.
OWNS = "owns_"


def ladder_bases(data: str = "", *, bank_customers: int = 10_000, seed: int = 0,
                 holdout_share: float = 0.3) -> list[Base]:
    """The product holdings whose ladder is fitted, split into fit and holdout customers: ISLR::Caravan and the
    synthetic bank's customers; or your customers' ``owns_<product>`` columns (all customers fit, no holdout).

    Caravan: the 22 policies owned (count above 0; :func:`crmresearch.data.load_caravan`); the holdout target is
    the mobile home policy, ``CARAVAN``, scored from the other 21. The bank: the product holdings of
    :func:`crmresearch.data.simulate_prospects` in acquisition order; the holdout target is each holdout
    customer's last acquired product, scored from the products held before it.

    Parameters
    ----------
    data : str, default ''
        Data source file whose ``customers`` have two or more ``owns_<product>`` columns (the number of the
        product held, or 0/1); '' = Caravan and the bank.
    bank_customers, seed : int
        Customers and seed of the holdings simulator; ``seed + 1`` draws the holdout customers.
    holdout_share : float, default 0.3
        Share of customers held out (drawn at random, each independently).

    Returns
    -------
    list of Base
        ``tables``: ``owned`` (0/1 per product, all customers), ``fit`` (the rows of ``owned`` not held out);
        for Caravan ``holdout`` (the held-out rows); for the bank ``pairs`` (the fit customers' rows of
        :func:`crmresearch.targeting.next_product_pairs`, with age and income) and ``last`` (each holdout
        customer's last acquisition, as a row of the same table).
        ``settings``: ``products`` (column -> label), ``target`` (Caravan's ``'CARAVAN'``), ``inputs``.
        For your data one Base (``owned`` = ``fit``, columns without the prefix), or none when your data source
        names no customers or they have no ``owns_`` columns.

    Raises
    ------
    ValidationError
        For fewer than two ``owns_`` columns, counts that are missing, not numbers or negative, or a product
        that every customer or none owns (column and rows named).

    Examples
    --------
    >>> from crmresearch.studies.inputs.relationship_bonds import ladder_bases
    >>> caravan, bank = ladder_bases(bank_customers=500)
    >>> caravan.tables["owned"].shape, sorted(bank.tables)
    ((5822, 22), ['fit', 'last', 'owned', 'pairs'])
    """
    from ...choice import ownership
    from ...schemas.checks import check_varies
    from ...targeting import next_product_pairs

    if data:
        name, yours = _yours(data, ["transactions", "customers"])
        customers = yours.get("customers")
        columns = [c for c in (customers.columns if customers is not None else []) if str(c).startswith(OWNS)]
        if not columns:
            return []
        caller = "relationship-bonds: customers"
        if len(columns) < 2:
            raise ValidationError(f"{caller}: a product ladder needs two or more {OWNS}<product> columns; got "
                                  f"{columns}")
        owned = ownership(customers.set_index("customer_id"), columns)
        check_varies(owned, columns, caller)
        owned.columns = [c.removeprefix(OWNS) for c in columns]
        return [Base("yours", name, f"{name}: your customers' products", tables={"owned": owned, "fit": owned},
                     settings={"products": {c: c for c in owned.columns}, "target": None,
                               "inputs": [("customers", "owned", f"{name}: customers' {OWNS} columns")]})]
    rng = np.random.default_rng(seed + 1)
    car = datasets.load_caravan()
    labels = car.attrs["products"]
    owned = ownership(car.set_index("customer_id"), list(labels))
    test = rng.random(len(owned)) < holdout_share
    caravan = Base("caravan", "Caravan", car.attrs["source"],
                   tables={"owned": owned, "fit": owned[~test], "holdout": owned[test]},
                   settings={"products": labels, "target": "CARAVAN",
                             "inputs": [("caravan", "owned", car.attrs["source"])]})
    sim = datasets.simulate_prospects(n_prospects=100, n_customers=bank_customers, seed=seed)
    h = sim.holdings
    products = list(datasets.PRODUCTS)
    held = (pd.crosstab(h["customer_id"], h["product"]).reindex(columns=products, fill_value=0) > 0).astype(int)
    held.columns.name = None
    test_customer = np.random.default_rng(seed + 1).random(bank_customers + 1) < holdout_share
    pairs = next_product_pairs(h, products, traits=["age", "income_k"])
    is_test = test_customer[pairs["customer_id"].to_numpy()]
    last = pairs[is_test & (pairs["step"] == pairs.groupby("customer_id")["step"].transform("max"))]
    text = f"simulate_prospects(n_customers={bank_customers}, seed={seed}).holdings"
    bank = Base("bank", "bank", f"crmresearch synthetic bank's product holdings (n = {bank_customers:,}, seed {seed})",
                tables={"owned": held, "fit": held[~test_customer[held.index.to_numpy()]],
                        "pairs": pairs[~is_test], "last": last},
                settings={"products": {p: p.replace("_", " ") for p in products}, "target": None,
                          "inputs": [("bank_holdings", "owned", text)]})
    return [caravan, bank]


def referral_base(data: str = "", *, n_prospects: int = 20_000, seed: int = 0,
                  anyway_share: float = 0.3) -> Base | None:
    """Who referred whom and what each customer is worth a year: the prospect simulator's converted prospects and
    their referral links, or your customers' ``referred_by`` column with their ``value``.

    Parameters
    ----------
    data : str, default ''
        Data source file whose ``customers`` have ``referred_by`` (the customer_id of the referrer, empty for none)
        and ``value`` (USD a year); '' = :func:`crmresearch.data.simulate_prospects`.
    n_prospects, seed : int
        Prospects and seed of the simulator (its converted prospects are the customers).
    anyway_share : float, default 0.3
        The simulator's true share of referred customers who would have joined anyway.

    Returns
    -------
    Base or None
        ``tables``: ``customers`` (customer_id, value: USD a year), ``links`` (referrer_id, referred_id and, for
        the simulator, month: 0 to 11). ``truth`` (simulator): ``anyway`` (0/1 by referred_id). None when your
        customers have no ``referred_by`` column.

    Raises
    ------
    ValidationError
        For referrers that are no customer, self-referrals, circles or referred customers without a value
        (:func:`crmresearch.clv.referral_links`).

    Examples
    --------
    >>> from crmresearch.studies.inputs.relationship_bonds import referral_base
    >>> b = referral_base(n_prospects=2_000)
    >>> sorted(b.tables), list(b.tables["links"].columns)
    (['customers', 'links'], ['referrer_id', 'referred_id', 'month'])
    """
    from ...clv import referral_links

    if data:
        name, yours = _yours(data, ["transactions", "customers"])
        customers = yours.get("customers")
        if customers is None or "referred_by" not in customers:
            return None
        links = referral_links(customers, caller="relationship-bonds: customers")
        return Base("yours", name, f"{name}: your customers' referrals",
                    tables={"customers": customers[["customer_id", "value"]], "links": links},
                    settings={"inputs": [("customers", "customers", f"{name}: customers' referred_by and value")]})
    sim = datasets.simulate_prospects(n_prospects=n_prospects, n_customers=1, seed=seed,
                                      referral_anyway_share=anyway_share)
    p = sim.prospects
    customers = p.loc[p["converted"], ["prospect_id", "value"]].rename(columns={"prospect_id": "customer_id"})
    text = f"simulate_prospects(n_prospects={n_prospects}, seed={seed})"
    return Base("prospects", "simulator", f"crmresearch prospect simulator's referrals (n = {n_prospects:,} "
                f"prospects, seed {seed})", tables={"customers": customers.reset_index(drop=True),
                                                    "links": sim.referrals},
                truth={"anyway": sim.truth["referral_anyway"]},
                settings={"inputs": [("referral_customers", "customers", text + ".prospects (converted)"),
                                     ("referral_links", "links", text + ".referrals")]})
