"""Customer referral value (Kumar, Petersen & Leone 2007, 2010): what a customer is worth through the customers
they bring in, set against what they are worth as a buyer (their lifetime value).

A referral link says customer ``i`` (the referrer) brought in customer ``y``. Of the customers referred, a share
``q_y`` would have joined anyway (in practice a survey answer: "would you have joined without the referral?").
For them the referral only saved the acquisition cost ``s`` a customer costs when acquired otherwise; the others
bring their own value ``V_y`` (their CLV at joining). Every referral pays the reward ``b``. With ``w_y`` the
referrer's share of the credit (1, or 1/k when k customers referred ``y``) and ``t_y`` the periods after the
valuation date at which ``y`` joined,

    CRV_i = sum_y w_y [(1 - q_y) V_y + q_y s - b] / (1 + d) ** t_y          (USD)

the discounted value of the customers ``i`` brought in who would not have joined otherwise, plus the
acquisition costs saved on those who would have, less the rewards paid (Kumar, Petersen & Leone 2010, eq. 1:
direct referrals only; what ``y``'s own referrals bring is ``y``'s CRV, not ``i``'s).

References
----------
Kumar, V., Petersen, J. A. & Leone, R. P. (2007). How valuable is word of mouth? Harvard Business Review
85(10), 139-146. Kumar, V., Petersen, J. A. & Leone, R. P. (2010). Driving profitability by encouraging
customer referrals: who, when, and how. Journal of Marketing Research 47(5), 1-17.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..schemas.checks import _first, as_numbers, check_columns, check_links

__all__ = ["referral_deciles", "referral_links", "referral_value"]

_COLUMNS = ["referrals", "incremental", "value_incremental", "acquisition_savings", "rewards", "crv"]


def referral_value(links: pd.DataFrame, value: pd.Series, *, referrer: str = "referrer_id",
                   referred: str = "referred_id", anyway: float | str = 0.0, acquisition_cost: float = 0.0,
                   reward: float = 0.0, period: str | None = None, discount_rate: float = 0.0,
                   duplicates: str = "error", customers: Sequence | pd.Index | None = None) -> pd.DataFrame:
    """Customer referral value (CRV) of every referrer, USD: the module docstring's equation.

    Parameters
    ----------
    links : DataFrame
        One row per referral: ``referrer`` (who referred) and ``referred`` (the customer brought in), and
        optionally the ``anyway`` and ``period`` columns.
    value : Series
        Each referred customer's own value ``V_y`` (their CLV at joining, USD), indexed by customer id.
    referrer, referred : str, default 'referrer_id', 'referred_id'
        Columns of ``links`` holding the two ids.
    anyway : float or str, default 0.0
        ``q``: the share of referred customers who would have joined anyway (0 to 1), or the column of
        ``links`` holding it per referral (0/1 survey answers or probabilities).
    acquisition_cost : float, default 0.0
        ``s``: what acquiring a customer costs without a referral, USD.
    reward : float, default 0.0
        ``b``: the reward paid per referral, USD.
    period : str or None, optional
        Column of ``links``: periods after the valuation date at which the referred customer joined (``t_y``,
        in the unit of ``discount_rate``); None: all now.
    discount_rate : float, default 0.0
        ``d``: discount rate per period.
    duplicates : {'error', 'split'}, default 'error'
        A customer referred by two or more referrers: refused, or the credit split equally (``w_y`` = 1/k).
    customers : sequence or Index, optional
        Every customer to report (those without referrals get zeros); None: the referrers only.

    Returns
    -------
    DataFrame
        Indexed by the referrer's id (``customer_id``): ``referrals`` (customers referred, credit-weighted),
        ``incremental`` (of them, the expected number who would not have joined otherwise), ``value_incremental``
        (their discounted value, USD), ``acquisition_savings`` and ``rewards`` (USD, discounted) and ``crv``
        (USD).

    Raises
    ------
    ValidationError
        For links to oneself, circles of links, a customer referred twice (with ``duplicates='error'``), a
        referred customer without a value, or an ``anyway`` outside [0, 1] (column and rows named).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> links = pd.DataFrame({"referrer_id": [1, 1, 2], "referred_id": [2, 3, 4]})
    >>> own = pd.Series({2: 500.0, 3: 100.0, 4: 300.0})
    >>> clv.referral_value(links, own, anyway=0.5, acquisition_cost=40.0, reward=10.0)["crv"].tolist()
    [320.0, 160.0]
    """
    caller = "referral_value"
    if duplicates not in ("error", "split"):
        raise ValidationError(f"{caller}: duplicates must be 'error' or 'split'; got {duplicates!r}")
    for name, v in (("acquisition_cost", acquisition_cost), ("reward", reward), ("discount_rate", discount_rate)):
        if not (np.isfinite(v) and v >= 0):
            raise ValidationError(f"{caller}: {name} must be a finite number >= 0; got {v!r}")
    check_columns(links, [c for c in (referrer, referred, anyway if isinstance(anyway, str) else None, period)
                          if c], caller)
    check_links(links, referrer, referred, caller, once=duplicates == "error")
    out_index = pd.Index(customers if customers is not None else [], name="customer_id")
    if links.empty:
        return pd.DataFrame(0.0, index=out_index, columns=_COLUMNS)
    if isinstance(anyway, str):
        q = as_numbers(links[anyway], f"column {anyway!r}", caller)
        bad = ~((q >= 0) & (q <= 1))
        if bad.any():
            raise ValidationError(f"{caller}: column {anyway!r}: {int(bad.sum())} of {len(q)} rows are not a share "
                                  f"in [0, 1] (first rows: {_first(links.index[bad])}); give 1 = would have "
                                  "joined anyway, 0 = would not")
    else:
        if not 0 <= anyway <= 1:
            raise ValidationError(f"{caller}: anyway must be a share in [0, 1]; got {anyway!r}")
        q = np.full(len(links), float(anyway))
    own = pd.Series(value, dtype=float).reindex(links[referred].to_numpy())
    if own.isna().any():
        bad = own.isna().to_numpy()
        raise ValidationError(f"{caller}: column {referred!r}: {int(bad.sum())} of {len(links)} rows name a "
                              f"customer without a value (first rows: {_first(links.index[bad])}); give every "
                              "referred customer's value")
    t = as_numbers(links[period], f"column {period!r}", caller) if period else np.zeros(len(links))
    disc = (1 + discount_rate) ** -t
    w = 1 / links.groupby(referred)[referred].transform("size").to_numpy(dtype=float)
    v = own.to_numpy()
    parts = pd.DataFrame({"referrals": w, "incremental": w * (1 - q), "value_incremental": w * (1 - q) * v * disc,
                          "acquisition_savings": w * q * acquisition_cost * disc, "rewards": w * reward * disc},
                         index=pd.Index(links[referrer].to_numpy(), name="customer_id"))
    out = parts.groupby(level=0, sort=True).sum()
    out["crv"] = out["value_incremental"] + out["acquisition_savings"] - out["rewards"]
    if customers is not None:
        out = out.reindex(out_index.union(out.index, sort=False), fill_value=0.0)
        out.index.name = "customer_id"
    return out[_COLUMNS]


def referral_links(customers: pd.DataFrame, referred_by: str = "referred_by", customer: str = "customer_id",
                   value: str | None = "value", caller: str = "referral_links") -> pd.DataFrame:
    """The referral links of a customer table whose ``referred_by`` column names each customer's referrer:
    one row per referred customer, checked (known referrers, no self-links, no circles; a value for every
    referred customer).

    Parameters
    ----------
    customers : DataFrame
        One row per customer: ``customer`` and ``referred_by`` (the id of the customer who referred this one;
        missing for none) and, unless None, ``value``.
    referred_by, customer : str, default 'referred_by', 'customer_id'
        The columns of the two ids.
    value : str or None, default 'value'
        Column that every referred customer needs (their value); None: not checked.
    caller : str, default 'referral_links'
        Name for the messages.

    Returns
    -------
    DataFrame
        ``referrer_id``, ``referred_id``.

    Raises
    ------
    ValidationError
        For a ``referred_by`` that names no customer of the table, a customer referring themselves, circles of
        referrals, or a referred customer without a value (column and rows named).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> c = pd.DataFrame({"customer_id": [1, 2, 3], "referred_by": [None, 1, 1], "value": [90.0, 50.0, 70.0]})
    >>> clv.referral_links(c).to_dict("list")
    {'referrer_id': [1, 1], 'referred_id': [2, 3]}
    """
    check_columns(customers, [customer, referred_by] + ([value] if value else []), caller)
    has = customers[referred_by].notna()
    known = customers[referred_by].isin(customers[customer]) | ~has
    if not known.all():
        bad = ~known
        raise ValidationError(f"{caller}: column {referred_by!r}: {int(bad.sum())} of {len(customers)} rows name no "
                              f"customer of the table (first rows: {_first(customers.index[bad])}); a referrer "
                              "must be a customer: add them or leave the column empty")
    if value:
        missing = has & customers[value].isna()
        if missing.any():
            raise ValidationError(f"{caller}: column {value!r}: {int(missing.sum())} of {len(customers)} rows are "
                                  f"referred customers without a value (first rows: "
                                  f"{_first(customers.index[missing])}); a referral is valued by the customer "
                                  "it brought in")
    links = pd.DataFrame({"referrer_id": customers.loc[has, referred_by].to_numpy(),
                          "referred_id": customers.loc[has, customer].to_numpy()}, index=customers.index[has])
    if len(links) and links["referrer_id"].dtype.kind == "f" and customers[customer].dtype.kind in "iu":
        links["referrer_id"] = links["referrer_id"].astype(customers[customer].dtype)  # ids read with gaps as floats
    # each customer has one row, so one referrer; messages name the referred_by column
    check_links(links.rename(columns={"referrer_id": referred_by, "referred_id": customer}), customer, referred_by,
                caller, once=False)
    return links.reset_index(drop=True)


def referral_deciles(clv: pd.Series, crv: pd.Series, deciles: int = 10) -> pd.DataFrame:
    """Customers in deciles of lifetime value, with their referral value beside it: who is worth more as a
    referrer than as a buyer (Kumar, Petersen & Leone 2007, the CLV-CRV comparison).

    Parameters
    ----------
    clv : Series
        Each customer's lifetime value as a buyer, USD, indexed by customer id.
    crv : Series
        Their referral value (:func:`referral_value`'s ``crv``), USD; customers absent have none (0).
    deciles : int, default 10
        Groups of equal size by CLV (ties broken by order).

    Returns
    -------
    DataFrame
        Indexed by ``clv_decile`` (1 = the highest CLV): ``customers``, ``clv_mean`` and ``crv_mean`` (USD),
        ``referrers`` (share with a referral value above 0), ``crv_above_clv`` (share worth more as a referrer
        than as a buyer), ``clv_share`` and ``crv_share`` (the decile's share of all CLV and all CRV).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> own = pd.Series([400.0, 300.0, 200.0, 100.0], index=[1, 2, 3, 4])
    >>> clv.referral_deciles(own, pd.Series({4: 250.0}), deciles=2)["crv_above_clv"].tolist()
    [0.0, 0.5]
    """
    if not (isinstance(deciles, int | np.integer) and deciles >= 2):
        raise ValidationError(f"referral_deciles: deciles must be a whole number >= 2; got {deciles!r}")
    values = pd.Series(as_numbers(clv, "clv", "referral_deciles"), index=clv.index)
    if values.isna().any() or len(values) < deciles:
        raise ValidationError(f"referral_deciles: clv needs at least {deciles} customers and no missing value; got "
                              f"{len(values)} customers, {int(values.isna().sum())} missing")
    ref = pd.Series(crv, dtype=float).reindex(values.index, fill_value=0.0)
    rank = values.rank(ascending=False, method="first")
    decile = np.ceil(rank * deciles / len(values)).astype(int).rename("clv_decile")
    frame = pd.DataFrame({"clv": values, "crv": ref, "decile": decile})
    g = frame.groupby("decile")
    out = pd.DataFrame({"customers": g.size(), "clv_mean": g["clv"].mean(), "crv_mean": g["crv"].mean(),
                        "referrers": g["crv"].apply(lambda s: float((s > 0).mean())),
                        "crv_above_clv": (frame["crv"] > frame["clv"]).groupby(frame["decile"]).mean(),
                        "clv_share": g["clv"].sum() / values.sum(),
                        "crv_share": g["crv"].sum() / ref.sum() if ref.sum() else 0.0})
    out.index.name = "clv_decile"
    return out
