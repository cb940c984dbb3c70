"""From a transaction log to the per-customer table of the customer-base models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError

__all__ = ["summary_from_transactions"]

_UNITS = {"D": 1.0, "W": 7.0, "M": 30.4375}


def summary_from_transactions(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "W",
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Calibration / holdout table: one row per customer, times in ``freq`` units.

    Purchases on the same day are merged into one transaction (their amounts summed), as in
    Fader, Hardie & Lee (2005). Purchases up to and including the day ``calibration_end`` are in the
    calibration period; times are day differences from the customer's first purchase day, so the
    age is T = (calibration_end - first purchase day) (the convention of FHL's CDNOW summary,
    where a customer who first bought on 1997-01-01 has T = 272 / 7 = 38.86 weeks at 1997-09-30).
    Transactions after ``observation_end`` are an error, not silently ignored.

    Returns
    -------
    DataFrame indexed by customer (customers whose first purchase is after ``calibration_end``
    are not in the calibration table; their number is in ``attrs["excluded_after_calibration"]``)
        ``frequency`` (repeat purchase days in the calibration period), ``recency`` (time of the
        last repeat purchase), ``T`` (age at the end of calibration), ``monetary_value`` (mean
        amount of the repeat purchases; 0 if none), and with ``observation_end``:
        ``frequency_holdout`` (purchase days after calibration up to ``observation_end``) and
        ``duration_holdout`` (holdout length).
    """
    if freq not in _UNITS:
        raise ValidationError(f"summary_from_transactions: freq must be one of {list(_UNITS)}; got {freq!r}")
    unit = _UNITS[freq]
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if obs_end is not None and obs_end < cal_end:
        raise ValidationError("summary_from_transactions: observation_end is before calibration_end")
    cols = {"customer": customer, "date": date}
    if amount is not None:
        cols["amount"] = amount
    as_of = obs_end + pd.Timedelta(days=1) - pd.Timedelta(1, "ns") if obs_end is not None else None
    tx = schemas.validate(transactions, "transactions", caller="summary_from_transactions", as_of=as_of, **cols) \
        if amount is not None else transactions
    day = pd.to_datetime(tx[date]).dt.normalize()
    daily = pd.DataFrame({"c": tx[customer].to_numpy(), "day": day.to_numpy(),
                          "amt": tx[amount].to_numpy() if amount is not None else 0.0}) \
        .groupby(["c", "day"], sort=True, as_index=False)["amt"].sum()
    first = daily.groupby("c")["day"].transform("min")
    daily["is_repeat"] = daily["day"] > first
    cal = daily[daily["day"] <= cal_end]
    firsts = cal.groupby("c")["day"].min()
    rep = cal[cal["is_repeat"]]
    g = rep.groupby("c")
    out = pd.DataFrame(index=firsts.index)
    out["frequency"] = g.size().reindex(out.index, fill_value=0).astype(np.int64)
    last = g["day"].max().reindex(out.index)
    out["recency"] = ((last - firsts).dt.days / unit).fillna(0.0)
    out["T"] = (cal_end - firsts).dt.days / unit
    out["monetary_value"] = g["amt"].mean().reindex(out.index).fillna(0.0)
    if obs_end is not None:
        hold = daily[(daily["day"] > cal_end) & (daily["day"] <= obs_end)]
        out["frequency_holdout"] = hold.groupby("c").size().reindex(out.index, fill_value=0).astype(np.int64)
        out["duration_holdout"] = (obs_end - cal_end).days / unit
    out.index.name = customer
    out.attrs["excluded_after_calibration"] = int(daily["c"].nunique() - len(out))
    out.attrs["time_unit"] = freq
    return out
