"""Inputs of the rfm-segments study: CDNOW and the synthetic bank, or your transactions.

Either way the study gets customer bases with their transactions, their RFM table at the end of
the data, the features they are clustered on and the mid-period date of the migration split, and
one base whose clusters are profiled (the bank by its customer profile, or yours by its RFM
behaviour); the bank (whose latent segments are known) only for the built-in data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ... import data as datasets
from ... import schemas, segmentation, sources
from ...errors import DataWarning
from . import Base, has_amounts
from .value_tiers import CDNOW_END

__all__ = ["BANK_PROFILE", "CDNOW_AS_OF", "CDNOW_MID", "RFM_FEATURES", "RfmSegmentsInputs", "rfm_segments"]

#: CDNOW: RFM as of the day after the last purchase; the migration split at the start of 1997-Q4.
CDNOW_AS_OF = "1998-07-01"
CDNOW_MID = "1997-10-01"
#: Columns of the RFM table whose logs (log1p) are clustered (CDNOW, yours) and profiled (yours).
RFM_FEATURES = ("recency_days", "frequency", "monetary")
#: Columns of the bank's customer profile that describe its clusters.
BANK_PROFILE = ("age", "monthly_income", "distance_km", "n_products", "digital_user", "region", "credit_score",
                "referrals", "transactions")


@dataclass(frozen=True)
class RfmSegmentsInputs:
    """The resolved inputs of rfm-segments.

    Attributes
    ----------
    bases : tuple of Base
        The bases segmented (``CDNOW`` and ``bank``, or ``yours``): tables ``transactions``, ``rfm``
        (:func:`crmresearch.segmentation.rfm` as of ``settings['end']``) and ``features`` (the clustering
        features: log1p RFM, one row per row of ``rfm``; for the bank its customers' age, log income and log
        distance, one row per row of ``tables['customers']``);
        settings ``date`` (the date column), ``end`` (the RFM as-of date) and ``mid`` (the migration split).
    profiled : Base
        The base whose clusters are profiled (the bank, or yours): also ``tables['customers']`` (one row
        per row of its features) and ``settings['profile_columns']``.
    bank : Base or None
        The synthetic bank (``truth`` with its latent ``segment`` in ``tables['customers']``), None on your data.
    source : str
        The source line of the figures over all bases.
    records : tuple of (str, DataFrame, str)
        The input tables the manifest fingerprints: name, table, description.
    has_amounts : bool, default True
        The transactions have amounts. False (a log of customer and date only): RFM without M (R and F scores;
        the named segments need only those), clusters on recency and frequency, each segment's share of
        transactions in place of its share of value; every base's ``settings['amount']`` is then None.
    shares : dict of str to str
        Columns of the segment summary the share figure draws, with their labels (customers vs value, or
        customers vs transactions).
    omitted : dict of str to str
        Exhibits of the study this run leaves out, with the reason (for ``Exhibits.omit``).
    """

    bases: tuple[Base, ...]
    profiled: Base
    bank: Base | None
    source: str
    records: tuple[tuple[str, pd.DataFrame, str], ...]
    has_amounts: bool = True
    shares: dict[str, str] = field(default_factory=lambda: {"customer_share": "% of customers",
                                                             "monetary_share": "% of value"})
    omitted: dict[str, str] = field(default_factory=dict)

    @property
    def shares_title(self) -> str:
        """Title of the share figure."""
        return ("RFM segments: share of customers vs share of value" if self.has_amounts
                else "RFM segments: share of customers vs share of transactions")


def _rfm_base(name: str, source: str, tx, end, mid: str, date: str = "date", rfm: pd.DataFrame | None = None,
              label: str = "") -> Base:
    rfm = segmentation.rfm(tx, as_of=end, date=date) if rfm is None else rfm
    features = [c for c in RFM_FEATURES if c in rfm.columns]  # no monetary without amounts
    return Base(name, label or name, source, {"transactions": tx, "rfm": rfm, "features": np.log1p(rfm[features])},
                settings={"date": date, "end": end, "mid": mid,
                          "amount": "amount" if "monetary" in rfm.columns else None})


def rfm_segments(data: str = "", dataset: str = "cdnow_master", bank_customers: int = 20_000,
                 seed: int = 0) -> RfmSegmentsInputs:
    """The customer bases of rfm-segments: CDNOW and the synthetic bank, or your transactions.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your transactions; '' = CDNOW and the synthetic bank.
    dataset : str, default 'cdnow_master'
        CDNOW transactions: ``'cdnow_master'`` or ``'cdnow_sample'``.
    bank_customers : int, default 20000
        Customers of the synthetic bank.
    seed : int, default 0
        Seed of the synthetic bank.

    Returns
    -------
    RfmSegmentsInputs
        The bases, the profiled base, the bank (None on your data), the figures' source line and the
        input records.

    Examples
    --------
    >>> from crmresearch.studies.inputs.rfm_segments import rfm_segments
    >>> inputs = rfm_segments(dataset='cdnow_sample', bank_customers=1_000)
    >>> [b.name for b in inputs.bases], inputs.profiled.name, inputs.bank.simulated
    (['CDNOW', 'bank'], 'bank', True)
    >>> [(b.settings['end'], b.settings['mid']) for b in inputs.bases][0]
    ('1998-07-01', '1997-10-01')
    """
    if data:  # your transactions, aggregated where they live (DuckDB for files, Spark for Spark tables)
        tx = sources.read_sources(data, roles=["transactions"])["transactions"]
        money = has_amounts(tx)  # a log of customer and date: R and F only
        span = segmentation.rfm(tx, amount="amount" if money else None)  # one pass, as of the end of the data
        name = sources.source_file(data).name  # the name: key of your file, else its file name
        start, stop = span["first_purchase"].min(), span["last_purchase"].max()
        source = f"{name}: transactions"
        base = _rfm_base("yours", source, tx, span.attrs["as_of"], str((start + (stop - start) / 2).normalize().date()),
                         rfm=span, label=name)
        base.tables["customers"] = span
        base.settings["profile_columns"] = list(base.tables["features"].columns)
        records = (("transactions", span, f"{name}: per-customer RFM aggregate of the transactions"),)
        shares = ({"customer_share": "% of customers", "monetary_share": "% of value"} if money
                  else {"customer_share": "% of customers", "frequency_share": "% of transactions"})
        omitted = {"table-cluster-vs-truth": "the simulator's latent segments check the clusters: built-in data "
                                             "only"}
        if not money:
            warnings.warn(f"{name}: the transactions have no amounts; RFM without M: R and F scores, clusters on "
                          "recency and frequency, each segment's share of transactions instead of its share of "
                          "value", DataWarning, stacklevel=2)
        return RfmSegmentsInputs((base,), base, None, source, records, money, shares, omitted)
    cdnow = schemas.validate(datasets.load(dataset), "transactions", as_of=CDNOW_END)
    bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
    start, end = pd.Timestamp(bank.truth["start"]), pd.Timestamp(bank.truth["end"])
    described = f"simulate_bank(n_customers={bank_customers}, seed={seed})"
    bank_source = f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})"
    retail = _rfm_base("CDNOW", "CDNOW purchases 1997-01 to 1998-06 (Fader, Hardie & Lee 2005)", cdnow, CDNOW_AS_OF,
                       CDNOW_MID)
    bank_base = _rfm_base("bank", bank_source, bank.transactions, bank.truth["end"],
                          str((start + (end - start) / 2).date()), date="timestamp")
    customers = bank.customers
    bank_base.truth = bank.truth
    bank_base.tables["features"] = pd.DataFrame({"age": customers["age"],
                                                 "log_income": np.log(customers["monthly_income"]),
                                                 "log_distance_km": np.log(customers["distance_km"])})
    bank_base.tables["customers"] = customers.assign(
        transactions=bank_base.tables["rfm"]["frequency"].reindex(customers["customer_id"]).fillna(0).to_numpy())
    bank_base.settings["profile_columns"] = list(BANK_PROFILE)
    records = ((dataset, cdnow, cdnow.attrs.get("source", "")), ("bank_transactions", bank.transactions, described),
               ("bank_customers", customers, described))
    return RfmSegmentsInputs((retail, bank_base), bank_base, bank_base, f"{retail.source}; {bank_source}", records)
