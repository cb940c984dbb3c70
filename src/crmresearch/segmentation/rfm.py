"""Recency, frequency, monetary (RFM): per-customer table, quantile scores, named segments.

References
----------
Hughes, A. M. (1994). Strategic Database Marketing. Probus.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for
customer base analysis. Journal of Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schemas
from ..errors import ValidationError
from ..schemas.checks import _compare_as_of, _fail
from ..sources import aggregate
from ..sources.aggregate import _finish_rfm, _rfm_from  # shared with clv.customer_tables

__all__ = ["DEFAULT_RFM_SEGMENTS", "rfm", "rfm_scores", "rfm_segments", "segment_summary"]

def rfm(
    transactions: Any,
    as_of: str | pd.Timestamp | None = None,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    duplicates: str = "keep",
    date_format: str | None = None,
    before: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer.

    Parameters
    ----------
    transactions : table, one row per transaction
        A pandas DataFrame, or any table :func:`crmresearch.sources.as_source` accepts (polars,
        DuckDB relation, PySpark DataFrame, Parquet/CSV path or glob): the aggregation then runs in
        that engine and only the per-customer result comes back. Must meet the ``transactions``
        input contract (ids present, dates readable, amounts numeric, finite and >= 0).
    as_of : date-like, optional
        The analysis date. Default: the day after the last transaction (midnight). Transactions
        after ``as_of`` are an error, not silently ignored; filter them first if intended.
    customer, date : str
        Column names.
    amount : str or None, default 'amount'
        Amount column (currency); None for a log without amounts (customer and date only): then the table
        has no ``monetary`` and ``monetary_mean`` columns (recency and frequency need no money).
    duplicates : {"keep", "drop", "error"}
        Rows repeated in every column (a double-loaded file): kept and counted with a warning
        (default), dropped, or an error; the step is in ``attrs["row_account"]``.
    date_format : str, optional
        strftime format of text dates; without it ISO dates are read and ambiguous text such as
        '03/02/2024' is an error.
    before : date-like, optional
        Use only transactions strictly before this date (e.g. the first half of a window, for
        migration between periods); the rows left out are recorded in ``attrs["row_account"]``.

    Returns
    -------
    DataFrame indexed by customer id (sorted)
        ``recency_days`` (days from the last purchase to ``as_of``), ``frequency`` (number of
        transactions), ``monetary`` (total amount, currency), ``monetary_mean`` (mean amount),
        ``first_purchase``, ``last_purchase``, ``tenure_days`` (days from the first purchase to
        ``as_of``). ``attrs["as_of"]`` holds the date used.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
    ...                    "amount": [10.0, 30.0, 5.0]})
    >>> segmentation.rfm(tx, as_of="2024-03-31")[["recency_days", "frequency", "monetary"]].values.tolist()
    [[30.0, 2.0, 40.0], [59.0, 1.0, 5.0]]
    """
    columns = {"customer": customer, "date": date, **({"amount": amount} if amount is not None else {})}
    as_of_ts = schemas.as_date(as_of, "as_of", "rfm") if as_of is not None else None
    before_ts = schemas.as_date(before, "before", "rfm") if before is not None else None
    if not isinstance(transactions, pd.DataFrame):  # the table stays in its engine
        per = aggregate.rfm_table(transactions, columns, caller="rfm", before=before_ts, amount=amount is not None)
        return _rfm_from(per, as_of_ts, customer, date)
    tx = schemas.validate(transactions, "transactions", caller="rfm", date_format=date_format,
                          need=["amount"] if amount is not None else [], **columns)
    account = schemas.RowAccount("transactions", len(tx))
    if before_ts is not None:
        before_ts = _compare_as_of(tx[date], before_ts, "rfm", date)
        tx = account.drop(tx, (tx[date] >= before_ts).to_numpy(), f"transactions on or after before = "
                          f"{before_ts.date()} left out")
        if len(tx) == 0:
            raise ValidationError(f"rfm: no transaction is before {before_ts.date()} (before=)")
    if as_of_ts is None:
        as_of_ts = tx[date].max().normalize() + pd.Timedelta(days=1)
    else:
        as_of_ts = _compare_as_of(tx[date], as_of_ts, "rfm", date)
        future = tx[date] > as_of_ts
        if future.any():
            raise _fail(schemas.FutureDateError, "rfm", date, future, len(tx),
                                f"are after as_of = {as_of_ts.date()}", "check the as_of date or the data")
    tx = schemas.handle_duplicates(tx, list(tx.columns), duplicates, account, "rfm")
    out = _finish_rfm(aggregate.rfm_table(tx[list(columns.values())], columns, caller="rfm",
                                          amount=amount is not None), as_of_ts)
    out.index.name = customer
    out.attrs["as_of"] = str(as_of_ts.date())
    out.attrs["row_account"] = account.steps
    return out


def _quantile_score(values: pd.Series, bins: int, higher_is_better: bool) -> pd.Series:
    """Score 1..bins by rank; tied customers share the score of the tie's lowest rank."""
    v = values if higher_is_better else -values
    rank_min = v.rank(method="min").to_numpy()  # 1..n, ties get their lowest rank
    n = len(v)
    score = 1 + np.floor(bins * (rank_min - 1) / n).astype(np.int64)
    return pd.Series(np.clip(score, 1, bins), index=values.index)


def rfm_scores(table: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """R, F and M scores 1..``bins`` by quantile of rank, and the ``rfm_code``.

    Higher is better on every score: recent (small ``recency_days``), frequent and high-value
    customers score ``bins``. Tie rule (deterministic, order-free): customers with equal values
    get the same score, that of the lowest rank in the tie, ``1 + floor(bins * (rank_min - 1) / n)``.
    So when most customers bought once, all of them score 1 on F and the F bins are uneven:
    the scores report ties honestly rather than splitting equal customers by row order.

    Returns
    -------
    DataFrame (same index)
        ``r_score``, ``f_score``, ``m_score`` (int) and ``rfm_code`` (str, e.g. "545"); for a table without
        ``monetary`` (a log without amounts) no ``m_score`` and a two-digit code of R and F ("54").

    Parameters
    ----------
    table : DataFrame
        Output of :func:`rfm`: ``recency_days``, ``frequency`` and (when the amounts are known) ``monetary``
        per customer.
    bins : int, default 5
        Score levels (5 = quintiles).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> table = pd.DataFrame({"recency_days": [5, 50, 200, 400], "frequency": [9, 4, 2, 1],
    ...                       "monetary": [900.0, 300.0, 80.0, 20.0]}, index=pd.Index([1, 2, 3, 4], name="customer_id"))
    >>> segmentation.rfm_scores(table, bins=2)["rfm_code"].tolist()
    ['222', '222', '111', '111']
    """
    for col in ("recency_days", "frequency"):
        if col not in table.columns:
            raise ValidationError(f"rfm_scores: missing column '{col}'; build the table with segmentation.rfm()")
    if not 2 <= int(bins) <= 10:
        raise ValidationError(f"rfm_scores: bins must be in [2, 10]; got {bins}")
    if len(table) == 0:
        raise ValidationError("rfm_scores: the RFM table is empty (0 customers)")
    out = pd.DataFrame(index=table.index)
    out["r_score"] = _quantile_score(table["recency_days"], bins, higher_is_better=False)
    out["f_score"] = _quantile_score(table["frequency"], bins, higher_is_better=True)
    out["rfm_code"] = out["r_score"].astype(str) + out["f_score"].astype(str)
    if "monetary" in table.columns:
        out.insert(2, "m_score", _quantile_score(table["monetary"], bins, higher_is_better=True))
        out["rfm_code"] += out["m_score"].astype(str)
    return out


#: Named RFM segments on 5-point R and F scores; first matching row wins. Every (R, F)
#: cell of the 5 x 5 grid is covered. Override with your own table of the same columns.
DEFAULT_RFM_SEGMENTS = pd.DataFrame(
    [
        ("champions", 4, 5, 4, 5, "bought recently, buy often"),
        ("loyal", 3, 5, 3, 5, "buy often, still recent"),
        ("new_customers", 5, 5, 1, 1, "first purchase very recently"),
        ("potential_loyalists", 3, 5, 1, 2, "recent, not yet frequent"),
        ("cant_lose_them", 1, 1, 4, 5, "used to buy often, long gone"),
        ("at_risk", 1, 2, 3, 5, "bought often, but not lately"),
        ("about_to_sleep", 2, 2, 1, 2, "infrequent and fading"),
        ("hibernating", 1, 1, 1, 2, "infrequent and long gone"),
    ],
    columns=["segment", "r_min", "r_max", "f_min", "f_max", "description"],
)


def rfm_segments(scores: pd.DataFrame, rules: pd.DataFrame | None = None, bins: int = 5) -> pd.Series:
    """Name each customer's RFM segment from its R and F scores by a rule table.

    Parameters
    ----------
    scores : DataFrame from :func:`rfm_scores`
    rules : DataFrame, optional
        Columns ``segment, r_min, r_max, f_min, f_max`` (inclusive score ranges); the first
        matching row wins. Default :data:`DEFAULT_RFM_SEGMENTS` (for ``bins=5``).
    bins : int
        The score scale of ``scores``. The default rules are written for 5 points; other scales
        are mapped onto 5 points first by ``1 + floor(5 (s - 1) / bins)``.

    Returns
    -------
    Series of Categorical (categories in rule order), same index as ``scores``.

    Raises
    ------
    ValidationError
        If a customer matches no rule (the count and first ids are given).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> ids = pd.Index([1, 2], name='customer_id')
    >>> scores = pd.DataFrame({'r_score': [5, 1], 'f_score': [5, 1], 'm_score': [5, 1]}, index=ids)
    >>> segmentation.rfm_segments(scores).tolist()
    ['champions', 'hibernating']
    """
    r, f = scores["r_score"].to_numpy(), scores["f_score"].to_numpy()
    if rules is None:
        rules = DEFAULT_RFM_SEGMENTS
        if bins != 5:
            r, f = (1 + np.floor(5 * (x - 1) / bins).astype(int) for x in (r, f))
    missing = {"segment", "r_min", "r_max", "f_min", "f_max"} - set(rules.columns)
    if missing:
        raise ValidationError(f"rfm_segments: the rules table lacks column(s) {sorted(missing)}")
    code = np.full(len(scores), -1)
    for i, rule in enumerate(rules.itertuples(index=False)):
        hit = (code < 0) & (r >= rule.r_min) & (r <= rule.r_max) & (f >= rule.f_min) & (f <= rule.f_max)
        code[hit] = i
    if (code < 0).any():
        bad = scores.index[code < 0]
        raise ValidationError(f"rfm_segments: {len(bad)} of {len(scores)} customers match no rule "
                              f"(first: {', '.join(map(str, bad[:5]))}); the rules must cover every (R, F) cell")
    names = list(rules["segment"])
    return pd.Series(pd.Categorical.from_codes(code, names), index=scores.index, name="rfm_segment")


def segment_summary(rfm_table: pd.DataFrame, segments: pd.Series, min_cell: int = 10) -> pd.DataFrame:
    """Per segment: customers, share of customers and of monetary value, mean recency (days),
    frequency and monetary value. Segments under ``min_cell`` customers show only their count.
    Without amounts (an RFM table without ``monetary``) the money columns give way to
    ``frequency_share``, the segment's share of all transactions.

    Parameters
    ----------
    rfm_table : DataFrame
        Output of :func:`rfm`.
    segments : Series
        Segment per customer (same index).
    min_cell : int, default 10
        Smallest segment shown in full.

    Returns
    -------
    DataFrame
        One row per segment.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> days = pd.to_datetime(['2024-01-05', '2024-03-01', '2024-02-01', '2024-02-20'])
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2, 3], 'date': days, 'amount': [40.0, 60.0, 15.0, 300.0]})
    >>> table = segmentation.rfm(tx, as_of='2024-03-31')
    >>> segments = pd.Series(['a', 'a', 'b'], index=table.index)
    >>> segmentation.segment_summary(table, segments, min_cell=1).columns.tolist()[:3]
    ['segment', 'customers', 'customer_share']
    """
    frame = rfm_table.assign(segment=segments)
    g = frame.groupby("segment", observed=False)
    if "monetary" not in frame.columns:  # a log without amounts: the segments' shares of transactions instead
        out = pd.DataFrame({"customers": g.size(), "frequency_total": g["frequency"].sum(),
                            "recency_days_mean": g["recency_days"].mean(), "frequency_mean": g["frequency"].mean()})
        out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
        out.insert(2, "frequency_share", out.pop("frequency_total") / frame["frequency"].sum())
    else:
        out = pd.DataFrame({
            "customers": g.size(),
            "monetary_total": g["monetary"].sum(),
            "recency_days_mean": g["recency_days"].mean(),
            "frequency_mean": g["frequency"].mean(),
            "monetary_mean": g["monetary"].mean(),
        })
        out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
        out.insert(3, "monetary_share", out["monetary_total"] / out["monetary_total"].sum())
    small = out["customers"] < min_cell
    out.loc[small, out.columns[1:]] = np.nan
    out.index = out.index.astype(str)
    return out.reset_index().rename(columns={"index": "segment"})
