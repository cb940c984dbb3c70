"""Customer-base activity: effective customers, the activity funnel, inactivity rules.

Reported customer counts include empty and dormant accounts (cards issued but never used).
:func:`activity_status` classes every account at a date by documented rules — activated (ever
transacted), active (a transaction within ``inactive_days``), effective (active and a balance of at
least ``balance_floor``) — and :func:`funnel` follows issued → activated → active → effective over
time. :func:`rule_accuracy` compares inactivity rules and BG/NBD P(alive) with the true status
(precision and recall of "still alive").

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way. Marketing
Science 24(2), 275-284. Wübben, M. and von Wangenheim, F. (2008). Instant customer base analysis:
managerial heuristics often "get it right". Journal of Marketing 72(3), 82-93.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError

__all__ = ["REVENUE_DAYS", "STATUSES", "activity_status", "funnel", "revenue_per_customer", "rule_accuracy",
           "rule_agreement"]

#: Days of revenue that revenue per customer counts (the last year up to the as-of date).
REVENUE_DAYS = 365


STATUSES = ("not yet issued", "never activated", "dormant", "active, low balance", "effective")


def activity_status(accounts: pd.DataFrame, transactions: Any, as_of: Any, inactive_days: float = 180,
                    balance_floor: float = 10.0, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Status of every account on ``as_of``: ``issued``, ``activated`` (a transaction on or before
    ``as_of``), ``active`` (the last one within ``inactive_days``), ``effective`` (active with a
    balance of at least ``balance_floor``; without a ``balance`` column, active), and ``status``.

    ``accounts``: ``account_id``, ``issued`` (date) and optionally ``balance`` (at ``as_of``).
    ``transactions``: any table :mod:`crmresearch.aggregate` reads (pandas, polars, DuckDB, a Parquet
    path...) with ``customer_id`` (the account), ``date``, ``amount`` (rename with ``columns``);
    the last transaction per account is computed where the table lives.

    Parameters
    ----------
    accounts : DataFrame
        One row per account: ``account_id``, ``issued`` (date), optional ``balance``.
    transactions : object
        Transaction table with ``customer_id`` (the account), ``date`` and ``amount``, anywhere
        :func:`~crmresearch.sources.as_source` reads.
    as_of : object
        Date of the status (Timestamp or ISO string).
    inactive_days : float, default 180
        An account with no transaction in this many days is inactive (180 = the usual six months).
    balance_floor : float, default 10.0
        Smallest balance (currency) of an effective account.
    columns : mapping of str to str or None, optional
        Our column name -> yours for the transactions; None when they use ours.

    Returns
    -------
    DataFrame
        One row per account: ``issued``, ``activated``, ``days_since_last``, ``active``, ``effective`` (bool)
        and ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> accounts = pd.DataFrame({'account_id': [1, 2], 'issued': pd.to_datetime(['2024-01-01', '2024-01-01']),
    ...                          'balance': [50.0, 0.0]})
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-06-01']), 'amount': [20.0]})
    >>> clv.activity_status(accounts, tx, '2024-06-30')['status'].tolist()
    ['effective', 'never activated']
    """
    from ..sources.aggregate import rfm_table

    if inactive_days <= 0 or balance_floor < 0:
        raise ValidationError(f"activity_status: inactive_days must be > 0 and balance_floor >= 0; got {inactive_days} "
                              f"and {balance_floor}")
    as_of = schemas.as_date(as_of, "as_of", "activity_status")
    accounts = schemas.validate(accounts, "accounts", caller="activity_status")  # ids, issue dates, balances
    issued = accounts["issued"]
    # a date before any card was used (e.g. the first quarter end of a funnel): every account not yet activated
    per = rfm_table(transactions, columns, caller="activity_status", before=as_of + pd.Timedelta(days=1),
                    allow_empty=True)
    last = accounts["account_id"].map(per["last_purchase"])
    unknown = ~per.index.isin(accounts["account_id"])
    if unknown.any():
        raise ValidationError(f"activity_status: {int(unknown.sum())} accounts have transactions but are not in the "
                              "accounts table")
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(), "issued": (issued <= as_of).to_numpy()})
    out["activated"] = last.notna().to_numpy()
    out["days_since_last"] = (as_of - pd.to_datetime(last)).dt.days.to_numpy()
    out["active"] = out["activated"] & (out["days_since_last"] <= inactive_days)
    has_balance = "balance" in accounts.columns
    out["effective"] = out["active"] & ((accounts["balance"].to_numpy() >= balance_floor) if has_balance else True)
    out["status"] = np.select([~out["issued"], ~out["activated"], ~out["active"], ~out["effective"]],
                              list(STATUSES[:4]), STATUSES[4])
    return out


def funnel(accounts: pd.DataFrame, transactions: Any, dates: Sequence[Any], inactive_days: float = 180,
           columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Issued → activated → active counts at each date, with the shares of issued (balances are known
    only at the end, so the funnel over time stops at active; :func:`revenue_per_customer` adds the
    effective step at the end date).

    Parameters
    ----------
    accounts : DataFrame
        One row per account: ``account_id`` and ``issued`` (date).
    transactions : object
        Transaction table with ``customer_id`` (the account), ``date`` and ``amount``, anywhere
        :func:`~crmresearch.sources.as_source` reads.
    dates : sequence of object
        Dates at which to count.
    inactive_days : float, default 180
        An account with no transaction in this many days is inactive.
    columns : mapping of str to str or None, optional
        Our column name -> yours for the transactions; None when they use ours.

    Returns
    -------
    DataFrame
        One row per date: ``issued``, ``activated``, ``active`` counts, ``activated_share`` and ``active_share``
        of issued.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> accounts = pd.DataFrame({'account_id': [1, 2], 'issued': pd.to_datetime(['2024-01-01', '2024-03-01'])})
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-01-10']), 'amount': [20.0]})
    >>> table = clv.funnel(accounts, tx, ['2024-01-31', '2024-03-31'])
    >>> table[['date', 'issued', 'activated', 'active']].values.tolist()
    [['2024-01-31', 1, 1, 1], ['2024-03-31', 2, 1, 1]]
    """
    rows = []
    acc = accounts.drop(columns=["balance"], errors="ignore")
    for d in dates:
        s = activity_status(acc, transactions, d, inactive_days, columns=columns)
        issued = int(s["issued"].sum())
        rows.append({"date": pd.Timestamp(d).strftime("%Y-%m-%d"), "issued": issued,
                     "activated": int(s["activated"].sum()), "active": int(s["active"].sum()),
                     "activated_share": int(s["activated"].sum()) / max(issued, 1),
                     "active_share": int(s["active"].sum()) / max(issued, 1)})
    return pd.DataFrame(rows)


def revenue_per_customer(status: pd.DataFrame, revenue: pd.Series) -> pd.DataFrame:
    """Customer counts and revenue per customer on each definition of the base (issued, activated,
    active, effective): the same revenue divided by ever fewer, truer customers. ``revenue`` is per
    account (indexed by account_id; accounts without revenue count 0).

    Parameters
    ----------
    status : DataFrame
        Output of :func:`activity_status`.
    revenue : Series
        Revenue per account (currency), indexed by account_id.

    Returns
    -------
    DataFrame
        One row per base definition (``customer_base``): ``accounts``, ``share_of_issued``, ``revenue`` and
        ``revenue_per_account`` (currency).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> status = pd.DataFrame({'account_id': [1, 2, 3], 'issued': [True] * 3, 'activated': [True, True, False],
    ...                        'active': [True, False, False], 'effective': [True, False, False]})
    >>> table = clv.revenue_per_customer(status, pd.Series({1: 9.0, 2: 3.0}))
    >>> table[['customer_base', 'revenue_per_account']].values.tolist()
    [['issued', 4.0], ['activated', 6.0], ['active', 9.0], ['effective', 9.0]]
    """
    missing = [c for c in ("account_id", "issued", "activated", "active", "effective") if c not in status.columns]
    if missing:
        raise ValidationError(f"revenue_per_customer: the status table lacks column(s) {missing}; pass the output "
                              "of activity_status")
    rev = status["account_id"].map(revenue).fillna(0.0).to_numpy(dtype=float)
    rows = []
    for base in ("issued", "activated", "active", "effective"):
        m = status[base].to_numpy(dtype=bool)
        rows.append({"customer_base": base, "accounts": int(m.sum()), "share_of_issued": m.sum() / max(
            int(status["issued"].sum()), 1), "revenue": float(rev[m].sum()),
            "revenue_per_account": float(rev[m].sum() / max(int(m.sum()), 1))})
    return pd.DataFrame(rows)


def rule_agreement(predicted: Mapping[str, pd.Series], reference: str) -> pd.DataFrame:
    """How many accounts each rule calls "still alive" and how often it agrees with the ``reference`` rule: the
    comparison available when the true status is unknown (your data), where :func:`rule_accuracy` needs it.

    Parameters
    ----------
    predicted : mapping of str to Series
        Rule name -> boolean "still alive" per account, all on the same accounts.
    reference : str
        The rule the others are compared with (e.g. BG/NBD P(alive) above a threshold).

    Returns
    -------
    DataFrame
        One row per rule: ``rule``, ``accounts``, ``called_alive`` (count), ``share_called_alive`` and
        ``agreement`` (share of accounts on which it agrees with ``reference``).

    Raises
    ------
    ValidationError
        When ``reference`` is not one of the rules.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> calls = {'90 days': pd.Series([True, False, False, True]), 'P(alive)': pd.Series([True, True, False, True])}
    >>> clv.rule_agreement(calls, 'P(alive)')[['rule', 'called_alive', 'agreement']].values.tolist()
    [['90 days', 2, 0.75], ['P(alive)', 3, 1.0]]
    """
    if reference not in predicted:
        raise ValidationError(f"rule_agreement: reference {reference!r} is not one of the rules {list(predicted)}")
    ref = predicted[reference].astype(bool)
    return pd.DataFrame([{"rule": name, "accounts": len(call), "called_alive": int(call.astype(bool).sum()),
                          "share_called_alive": float(call.astype(bool).mean()),
                          "agreement": float((call.astype(bool) == ref).mean())} for name, call in predicted.items()])


def rule_accuracy(predicted: Mapping[str, pd.Series], truth_alive: pd.Series) -> pd.DataFrame:
    """Precision, recall and accuracy of each rule's "still alive" call against the true status, for
    accounts that were ever activated: ``predicted`` maps rule name -> boolean Series by account.

    Parameters
    ----------
    predicted : mapping of str to Series
        Rule name -> boolean "still alive" per account.
    truth_alive : Series
        True status per account (bool).

    Returns
    -------
    DataFrame
        One row per rule: ``called_alive``, ``truly_alive`` (counts), ``precision``, ``recall`` and ``accuracy``
        (shares).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import clv
    >>> truth = pd.Series([True, True, False, False])
    >>> table = clv.rule_accuracy({"rule": pd.Series([True, False, False, True])}, truth)
    >>> table[["precision", "recall"]].values.tolist()
    [[0.5, 0.5]]
    """
    rows = []
    t = truth_alive.astype(bool)
    for name, pred in predicted.items():
        p = pred.reindex(t.index).astype(bool)
        tp = int((p & t).sum())
        rows.append({"rule": name, "called_alive": int(p.sum()), "truly_alive": int(t.sum()),
                     "precision": tp / max(int(p.sum()), 1), "recall": tp / max(int(t.sum()), 1),
                     "accuracy": float((p == t).mean())})
    return pd.DataFrame(rows)
