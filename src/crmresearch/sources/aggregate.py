"""Table-level work written once, run where the table lives (pandas, polars, DuckDB, Spark).

Every function takes anything :func:`crmresearch.sources.as_source` accepts and reads the table **once**:
the input contract is checked inside the same aggregation (per customer, the number of rows with a
missing date, a missing, negative or infinite amount...), so a bad table costs no extra pass and the
message is the same on every engine (the count of bad rows and the first customer ids in sorted
order). Only per-customer (or smaller) results come back as pandas; date arithmetic on them happens in
pandas, so every engine gives the same numbers.

The pandas entry points (:func:`crmresearch.segmentation.rfm`, :func:`~crmresearch.segmentation.customer_totals`,
:func:`crmresearch.clv.summary_from_transactions`) parse and check pandas input, then call these same
aggregations: one aggregation code path for every engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    DateParseError,
    DtypeError,
    DuplicateIdError,
    EmptyTableError,
    FutureDateError,
    MissingColumnError,
    MissingValueError,
    OrderError,
    RangeError,
    SchemaError,
    ValidationError,
)
from ..schemas.checks import _compare_as_of, column_label
from ..schemas.contracts import CONTRACTS, Column, Contract
from ..schemas.validate import RowAccount
from .tables import Source, as_source

__all__ = [
    "bin_counts",
    "call_counts",
    "channel_totals",
    "check_table",
    "check_transactions",
    "clv_summary",
    "customer_aggregates",
    "customer_totals",
    "purchase_periods",
    "repeat_days",
    "rfm_table",
]

_N = "_rows"


def _count(mask: Any) -> Any:
    """Number of rows where ``mask`` holds (booleans cast to integers: Spark cannot sum booleans)."""
    import narwhals as nw

    return mask.cast(nw.Int64).sum()


def _naive_utc(ts: Any) -> pd.Timestamp:
    """A timestamp without zone (aware ones converted to UTC first), for comparisons across engines."""
    ts = pd.Timestamp(ts)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts


def _wall_time(values: pd.Series) -> pd.Series:
    """Timestamps without their zone (local wall time), so engines that return aware values agree."""
    values = pd.to_datetime(values)
    return values.dt.tz_localize(None) if values.dt.tz is not None else values


def _moment(ts: pd.Timestamp, src: Source) -> Any:
    """``ts`` as a Python datetime in the time-zone convention of the source's ``date`` column."""
    tz = getattr(src.schema()["date"], "time_zone", None)
    ts = pd.Timestamp(ts)
    if tz and ts.tz is None:
        ts = ts.tz_localize(tz)
    elif not tz and ts.tz is not None:
        raise ValidationError(f"column 'date' has no time zone but {ts} has one; pass naive dates")
    return ts.to_pydatetime()


def check_transactions(table: Any, columns: Mapping[str, str] | None = None, caller: str = "transactions",
                       amount: bool = True, date: bool = True) -> Source:
    """Check a transactions table where it lives; return it as a :class:`Source`.

    The rules are the transactions contract (:data:`crmresearch.schemas.CONTRACTS`): a customer id on every
    row; ``date`` a date or timestamp type, never missing; ``amount`` numeric, present, finite and >= 0. See
    :func:`check_table`, which this calls.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'transactions'
        Name of the public function, used in error messages.
    amount : bool, default True
        The ``amount`` column is needed and checked (an optional column of the contract: a log without amounts
        is a :class:`~crmresearch.errors.MissingColumnError` here); False: not read (tables without one).
    date : bool, default True
        Check the ``date`` column (False for tables without one).

    Returns
    -------
    Source
        The checked table, still where it lives.

    Raises
    ------
    ValidationError
        A missing column, missing ids or dates, a non-date ``date``, or a missing, negative or infinite amount;
        the message counts the rows and names the first customer ids.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-01-01']), 'amount': [5.0]})
    >>> src = aggregate.check_transactions(tx)
    >>> src.engine
    'pandas'
    """
    only = None if amount and date else ["customer", *(["date"] if date else []), *(["amount"] if amount else [])]
    return check_table(table, "transactions", columns, caller, only=only, need=["amount"] if amount else [])


_FILL = "fill them or drop those rows explicitly"


@dataclass(frozen=True)
class _Rule:
    """One contract rule on one column: the rows breaking it (``mask``) and a cheap aggregate that decides
    whether any row does (``probe``, tested by ``broken``; by default the count of ``mask``)."""

    column: Column
    error: type[SchemaError]
    rule: str
    remedy: str
    mask: Any
    probe: Any = None
    broken: Callable[[Any], bool] = lambda v: v > 0


def _rules(contract: Contract, cols: list[Column], schema: Mapping[str, Any], src: Source,
           caller: str) -> list[_Rule]:
    """Per column, in contract order, the rules of its kind; a dtype that cannot hold the kind at all is an
    error at once (no pass over the rows needed). On a column without missing values (a missing value is
    reported first) the minimum and maximum decide the range rules; other rules count their rows."""
    import narwhals as nw

    rules: list[_Rule] = []
    present = {c.role for c in cols}
    for col in cols:
        name, dtype = col.default_name, schema[col.default_name]
        actual = src.columns.get(col.role, name)
        shown = column_label(name, actual)
        c = nw.col(name)
        is_float = dtype.is_float()
        missing = (c.is_null() | c.is_nan()) if is_float else c.is_null()
        exact = not col.nullable  # no missing value is left when a later rule of this column is decided
        if not col.nullable:
            rules.append(_Rule(col, MissingValueError, "are missing", _FILL, missing,
                               None if is_float else c.null_count()))
        if col.kind == "datetime":
            if not (dtype.is_temporal() and dtype != nw.Duration):
                if dtype == nw.String:
                    _text_column(src, name, col.kind, shown, caller)
                raise (DateParseError if dtype == nw.String else DtypeError)(
                    f"{caller}: column {shown} has type {dtype} in {src.engine}; dates must be a date or timestamp "
                    f"type (parse text dates first, e.g. CAST({actual} AS TIMESTAMP) or pandas.to_datetime)")
        elif col.kind in ("number", "integer"):
            if not dtype.is_numeric():
                if dtype == nw.String:
                    _text_column(src, name, col.kind, shown, caller)
                raise DtypeError(f"{caller}: column {shown} has type {dtype} in {src.engine}; values must be numbers "
                                 f"(convert the column, e.g. CAST({actual} AS DOUBLE) or pandas.to_numeric)")
            if is_float:
                rules.append(_Rule(col, RangeError, "are infinite", "fix or remove those rows explicitly",
                                   c.abs() == float("inf"), c.abs().max() if exact else None,
                                   (lambda v: v == float("inf")) if exact else (lambda v: v > 0)))
                if col.kind == "integer":
                    rules.append(_Rule(col, DtypeError, "are not whole numbers", "", ~missing & (c.round(0) != c)))
            if col.low is not None:
                low = col.low
                rules.append(_Rule(col, RangeError, f"are below {low:g}" + (" (negative)" if low == 0 else ""),
                                   col.advice("range"), (c < low) & ~missing, c.min() if exact else None,
                                   (lambda v, lo=low: v < lo) if exact else (lambda v: v > 0)))
            if col.high is not None:
                high = col.high
                rules.append(_Rule(col, RangeError, f"are above {high:g}", col.advice("range"), (c > high) & ~missing,
                                   c.max() if exact else None,
                                   (lambda v, hi=high: v > hi) if exact else (lambda v: v > 0)))
            if col.positive_when in present:
                flag_name = contract.column(col.positive_when).default_name
                flag = nw.col(flag_name) if schema[flag_name] == nw.Boolean else nw.col(flag_name) == 1
                rules.append(_Rule(col, RangeError, f"are not > 0 for a {col.positive_when} {contract.row}",
                                   col.advice("range"), flag & ~missing & ~(c > 0)))
        elif col.kind in ("event", "bool") and dtype != nw.Boolean:
            wrong = ~c.is_null() if not dtype.is_numeric() else ~missing & ~c.is_in([0, 1])
            rules.append(_Rule(col, RangeError, "are not 0/1", col.advice("binary"), wrong))
    users = src.user_names
    for early, late in contract.ordered:
        if early in present and late in present:
            a, b = contract.column(early).default_name, contract.column(late).default_name
            rules.append(_Rule(contract.column(late), OrderError, f"are before {column_label(a, users.get(a))}",
                               f"'{users.get(b, b)}' must not precede '{users.get(a, a)}'", nw.col(b) < nw.col(a)))
    return rules


def _text_casts(src: Source, cols: Sequence[Column], schema: Mapping[str, Any], caller: str) -> dict[str, str]:
    """The text columns of a number or date kind (a Parquet string column, a CSV column DuckDB read as text) whose
    every value reads as that kind, column -> ``number`` / ``datetime``: read as it, not refused for their type.
    A value that does not read is an error counting them (:func:`_text_column`)."""
    import narwhals as nw

    casts: dict[str, str] = {}
    for col in cols:
        name = col.default_name
        if col.kind in ("datetime", "number", "integer") and schema[name] == nw.String:
            _text_column(src, name, col.kind, column_label(name, src.columns.get(col.role, name)), caller)
            casts[name] = "datetime" if col.kind == "datetime" else "number"
    return casts


def _text_column(src: Source, name: str, kind: str, shown: str, caller: str) -> None:
    """Raise for the values of a text column of a number or date kind that do not read as one, counted where the
    table lives in one pass (DuckDB ``TRY_CAST``, Spark ``count_if(try_cast(...))``, pandas ``to_numeric`` /
    ``to_datetime``), with the first three; return when every value reads (the column is only stored as text)."""
    import narwhals as nw

    target = "TIMESTAMP" if kind == "datetime" else "DOUBLE"
    native = nw.to_native(src.lazy())
    engine = src.engine
    if engine == "duckdb":
        q = '"' + name.replace('"', '""') + '"'
        bad = f"{q} IS NOT NULL AND TRY_CAST({q} AS {target}) IS NULL"
        k, n = native.aggregate(f"count(*) FILTER (WHERE {bad}), count(*)").fetchall()[0]
        firsts = [r[0] for r in native.filter(bad).project(q).limit(3).fetchall()] if k else []
    elif engine == "spark":
        q = "`" + name.replace("`", "``") + "`"
        bad = f"{q} IS NOT NULL AND try_cast({q} AS {target}) IS NULL"
        got = native.selectExpr(f"count_if({bad}) AS k", "count(*) AS n").collect()[0]
        k, n = int(got["k"]), int(got["n"])
        firsts = [r[0] for r in native.filter(bad).select(q).limit(3).collect()] if k else []
    else:
        values = src.lazy().select(nw.col(name)).collect(backend="pandas").to_native()[name]
        parsed = (pd.to_datetime(values, errors="coerce", format="ISO8601") if kind == "datetime"
                  else pd.to_numeric(values, errors="coerce"))
        wrong = values.notna() & parsed.isna()
        k, n, firsts = int(wrong.sum()), len(values), values[wrong].head(3).tolist()
    if not k:
        return
    if src.files:  # the file, as the check of a CSV's rows names it
        import os

        caller = f"{caller}: {os.path.basename(src.files[0])}{' ...' if len(src.files) > 1 else ''}"
    quoted = ", ".join(repr(v if len(str(v)) <= 30 else str(v)[:29] + "…") for v in dict.fromkeys(firsts))
    if kind == "datetime":
        raise DateParseError(f"{caller}: column {shown}: {k} of {n} rows cannot be read as dates (first values: "
                             f"{quoted}); write every date in one format, e.g. 2024-01-31 or 2024-01-31 14:05")
    raise DtypeError(f"{caller}: column {shown}: {k} of {n} rows are not numbers (first values: {quoted}); write "
                     "them as numbers with a decimal point and no currency sign or thousands separator")


def check_table(table: Any, role: str, columns: Mapping[str, str] | None = None, caller: str | None = None,
                only: Sequence[str] | None = None, need: Sequence[str] = ()) -> Source:
    """Check a table against its role's contract where it lives; return it as a :class:`Source`.

    The rules are those of :data:`crmresearch.schemas.CONTRACTS` for ``role`` (the same kinds, ranges and unique
    ids :func:`crmresearch.schemas.validate` checks in pandas): the dtype of every column must hold its kind
    (a date or timestamp type for ``datetime``, numbers for ``number``...); then one cheap pass without grouping
    (row count, counts of missing values and of rows breaking each rule, distinct counts of unique columns)
    decides. Only a broken rule costs a second pass, for the first ids of the role's key column in sorted
    order, so the message is the same on every engine.

    Parameters
    ----------
    table : table
        A pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame, a Parquet/CSV path or glob, a
        data-source entry, or a :class:`~crmresearch.sources.Source`.
    role : str
        The contract (``transactions``, ``calls``, ``campaign``...).
    columns : mapping of str to str or None, optional
        Our column name -> yours; None when the table uses ours.
    caller : str or None, optional
        Name of the public function, used in error messages; None: the role.
    only : sequence of str or None, optional
        Check only these roles of the contract (the columns a function needs); None: all.
    need : sequence of str, default ()
        Optional roles of the contract the caller needs all the same (``amount`` of transactions for anything
        that sums money): missing, they are an error like a required column.

    Returns
    -------
    Source
        The checked table, still where it lives; ``checked`` holds ``rows`` and the latest value of each
        datetime column (``date_max``...).

    Raises
    ------
    SchemaError
        The first rule broken: the column, the count of rows, the first ids and a remedy.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> camp = pd.DataFrame({'customer_id': [1, 2, 3], 'treated': [1, 0, 2], 'outcome': [0, 1, 0]})
    >>> aggregate.check_table(camp, 'campaign')   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    crmresearch.errors.RangeError: campaign: column 'treated': 1 of 3 rows are not 0/1 (first customers: 3); ...
    """
    import narwhals as nw

    contract = CONTRACTS[role]
    caller = caller or role
    cols = [c for c in contract.columns if only is None or c.role in only]
    src = as_source(table, columns, name=caller, role=role if only is None else None)
    schema = src.schema()
    absent = [c.default_name for c in cols if c.required and c.default_name not in schema]
    needed = [c.default_name for c in cols if not c.required and c.role in need and c.default_name not in schema]
    if absent or needed:
        why = f" ({', '.join(needed)}: needed here, optional elsewhere)" if needed else ""
        raise MissingColumnError(f"{caller}: missing column(s) {absent + needed}{why}; the table has "
                                 f"{list(schema)[:15]}")
    cols = [c for c in cols if c.default_name in schema]
    casts = _text_casts(src, cols, schema, caller)
    if casts:  # text columns whose every value reads as the kind: read as it from now on (the probe too)
        from .tables import _cast

        src.casts = {**src.casts, **casts}
        src._lazy = _cast(src._lazy, casts, src.engine)
        schema = src.schema()
    rules = _rules(contract, cols, schema, src, caller)
    key = contract.column(contract.key_role).default_name
    aggs = [nw.len().alias("n")]
    aggs += [(r.probe if r.probe is not None else _count(r.mask)).alias(f"rule{i}") for i, r in enumerate(rules)]
    aggs += [nw.col(c.default_name).n_unique().alias(f"distinct_{c.role}") for c in cols
             if (c.unique or c.varies) and not c.nullable]
    aggs += [nw.col(c.default_name).max().alias(f"{c.default_name}_max") for c in cols if c.kind == "datetime"]
    lf = src.lazy()
    probe, con = src.probe()  # a CSV: rows that do not fit the types of its first rows are recorded, not fatal
    try:
        row = probe.lazy().select(*aggs).collect(backend="pandas").to_native().iloc[0]
    except Exception as exc:  # an engine's error: one line, no contents of the file
        if type(exc).__module__.split(".")[0] not in ("duckdb", "pyspark", "py4j", "polars"):
            raise
        from ..errors import SourceError
        from .files import engine_message

        raise SourceError(f"{caller}: the table cannot be read: {engine_message(exc)}") from None
    src.rejected(con, int(row["n"]), caller, role)
    n = int(row["n"])
    if n == 0:
        raise EmptyTableError(f"{caller}: the {contract.kind} table is empty (0 rows)")
    label = f"first {contract.key_role}s"
    users = src.user_names
    for i, r in enumerate(rules):
        probe = row[f"rule{i}"]
        if pd.isna(probe) or not r.broken(probe):
            continue
        col, remedy = r.column, r.remedy
        if col.default_name == key or key not in schema:  # the label is broken or not read: no ids to show
            k = int(probe) if r.error is MissingValueError else int(
                lf.select(_count(r.mask).alias("k")).collect(backend="pandas").to_native()["k"].iloc[0])
            article = "an" if col.role[0] in "aeiou" else "a"
            remedy = f"every {contract.row} needs {article} {col.role} id" if col.kind == "id" else remedy
            shown = col.default_name if key not in schema else key
            raise r.error(f"{caller}: column {column_label(shown, users.get(shown))}: {k} of {n} rows {r.rule}"
                          + (f"; {remedy}" if remedy else ""))
        bad = (lf.filter(r.mask).group_by(key).agg(nw.len().alias("k"))
               .collect(backend="pandas").to_native().set_index(key)["k"])
        raise r.error(f"{caller}: column {column_label(col.default_name, users.get(col.default_name))}: "
                      f"{int(bad.sum())} of {n} rows {r.rule} "
                      f"({label}: {_first_ids(bad.index)})" + (f"; {remedy}" if remedy else ""))
    for col in cols:
        if not (col.unique or col.varies):
            continue
        name = col.default_name
        if col.nullable:  # distinct values among the present ones
            stats = (lf.filter(~nw.col(name).is_null()).select(nw.len().alias("m"), nw.col(name).n_unique().alias("d"))
                     .collect(backend="pandas").to_native().iloc[0])
            present, distinct = int(stats["m"]), int(stats["d"])
        else:
            present, distinct = n, int(row[f"distinct_{col.role}"])
        if col.unique and distinct < present:
            dup = (lf.filter(~nw.col(name).is_null()).group_by(name).agg(nw.len().alias("k"))
                   .filter(nw.col("k") > 1).collect(backend="pandas").to_native().set_index(name)["k"])
            raise DuplicateIdError(f"{caller}: column {column_label(name, users.get(name))}: {int(dup.sum())} of {n} "
                                   "rows repeat an id that must "
                                   f"be unique ({len(dup)} distinct ids, first: {_first_ids(dup.index)}); keep one row "
                                   "per id")
        if col.varies and present and distinct < 2 and not src.sampled(n):  # first rows only: the full read decides
            one = lf.filter(~nw.col(name).is_null()).select(nw.col(name)).head(1).collect(backend="pandas") \
                .to_native()[name]
            value = one.iloc[0] if len(one) else None
            raise SchemaError(f"{caller}: column {column_label(name, users.get(name))} holds one value only ({value} "
                              f"in all {present} rows); "
                              f"{col.advice('varies')}")
    src.checked = {"rows": n, **{f"{c.default_name}_max": row[f"{c.default_name}_max"] for c in cols
                                 if c.kind == "datetime"}}
    return src


def _first_ids(labels: pd.Index, n: int = 5) -> str:
    """The first ``n`` labels in sorted order (by their text when their types do not sort together)."""
    try:
        labels = labels.sort_values()
    except TypeError:
        labels = labels[np.argsort(labels.astype(str), kind="stable")]
    return ", ".join(map(str, labels[:n])) + (", ..." if len(labels) > n else "")


def _collect(lf: Any) -> pd.DataFrame:
    """A per-customer result as pandas, sorted by customer id."""
    return _sorted_by_customer(lf.collect(backend="pandas").to_native().set_index("customer_id"))


def _sorted_by_customer(per: pd.DataFrame) -> pd.DataFrame:
    """A per-customer frame sorted by its customer id index (ids of mixed types by their text)."""
    try:
        return per.sort_index()
    except TypeError:  # ids of mixed types sort by their text
        return per.iloc[np.argsort(per.index.astype(str), kind="stable")]


def customer_totals(table: Any, columns: Mapping[str, str] | None = None,
                    caller: str = "customer_totals", amount: bool = True) -> pd.DataFrame:
    """Revenue (sum of ``amount``) and number of transactions per customer, in one pass in the engine.

    Returns a pandas DataFrame indexed by ``customer_id`` (sorted): ``revenue``, ``transactions``
    (``transactions`` only with ``amount=False``, for a log without amounts).

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'customer_totals'
        Name of the public function, used in error messages.
    amount : bool, default True
        Sum the amounts (False: a log without amounts; no ``revenue`` column).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``revenue`` (currency units) and ``transactions`` (count).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2024-01-01'] * 3),
    ...                    'amount': [10.0, 5.0, 7.0]})
    >>> aggregate.customer_totals(tx).values.tolist()   # computed where the table lives (here pandas)
    [[15.0, 2.0], [7.0, 1.0]]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=amount, date=False)
    sums = [nw.col("amount").sum().alias("revenue")] if amount else []
    per = _collect(src.lazy().group_by("customer_id").agg(*sums, nw.len().alias(_N)))
    out = pd.DataFrame({"transactions": per[_N].astype(np.int64)})
    if amount:
        out.insert(0, "revenue", per["revenue"].astype(float))
    return out


def rfm_table(table: Any, columns: Mapping[str, str] | None = None, caller: str = "rfm",
              before: pd.Timestamp | None = None, amount: bool = True, allow_empty: bool = False) -> pd.DataFrame:
    """Per customer, in one pass in the engine: ``first_purchase``, ``last_purchase``, ``frequency``
    (transactions) and ``monetary`` (sum of amounts; not with ``amount=False``, a log without amounts);
    pandas, indexed by ``customer_id`` (sorted). ``before``: only transactions strictly before this date
    (the count left out is in ``attrs["row_account"]``).

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'rfm'
        Name of the public function, used in error messages.
    before : Timestamp or None, optional
        Keep only transactions strictly before this date (the RFM reference date); None keeps all.
    amount : bool, default True
        Sum the amounts into ``monetary`` (False: a log without amounts; no ``monetary`` column).
    allow_empty : bool, default False
        With ``before``: no transaction before it gives a table with no rows (e.g. the status of cards at a date
        before anyone used one) instead of a ValidationError.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase``, ``last_purchase`` (dates), ``frequency`` (count) and
        ``monetary`` (currency units).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2024-01-01', '2024-02-01', '2024-01-15']),
    ...                    'amount': [10.0, 5.0, 7.0]})
    >>> aggregate.rfm_table(tx)[['frequency', 'monetary']].values.tolist()
    [[2.0, 15.0], [1.0, 7.0]]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=amount)
    lf = src.lazy()
    steps = []
    if before is not None:
        lf = lf.filter(nw.col("date") < _moment(before, src))
        kept = int(lf.select(nw.len().alias("n")).collect(backend="pandas").to_native()["n"].iloc[0])
        rows = src.checked["rows"]
        steps.append({"step": f"transactions on or after before = {pd.Timestamp(before).date()} left out",
                      "rows_in": rows, "rows_out": kept, "dropped": rows - kept})
        if kept == 0 and not allow_empty:
            raise ValidationError(f"{caller}: no transaction is before {pd.Timestamp(before).date()} (before=)")
    per = _collect(lf.group_by("customer_id")
                   .agg(nw.col("date").min().alias("first_purchase"), nw.col("date").max().alias("last_purchase"),
                        nw.len().alias(_N), *([nw.col("amount").sum().alias("monetary")] if amount else [])))
    out = pd.DataFrame({"first_purchase": pd.to_datetime(per["first_purchase"]),
                        "last_purchase": pd.to_datetime(per["last_purchase"]),
                        "frequency": per[_N].astype(np.int64)})
    if amount:
        out["monetary"] = per["monetary"].astype(float)
    out.attrs["row_account"] = steps
    return out


def clv_summary(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                columns: Mapping[str, str] | None = None, amount: bool = True,
                caller: str = "summary_from_transactions") -> pd.DataFrame:
    """Per-customer purchase-day statistics for BG/NBD and Gamma-Gamma, in one pass in the engine.

    Purchases are merged by calendar day (amounts summed). Returns pandas indexed by ``customer_id``:
    ``first`` (first purchase day), ``last_cal`` (last purchase day up to ``calibration_end``), ``days_cal``
    (purchase days up to it), ``repeat_amount_cal`` (amount of the repeat days), ``days_holdout`` (purchase
    days after ``calibration_end`` up to ``observation_end``). With ``observation_end``, a purchase after it
    is an error; without it, purchases after ``calibration_end`` are outside the summary. Customers whose
    first purchase is after ``calibration_end`` are returned too, with ``days_cal`` 0.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    calibration_end : Timestamp
        Last day of the calibration period (inclusive).
    observation_end : Timestamp or None
        Last day of the holdout period (inclusive); None for no holdout.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    amount : bool, default True
        Sum the repeat-day amounts (False for a table without ``amount``: no ``repeat_amount_cal`` column).
    caller : str, default 'summary_from_transactions'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, with the day-level statistics above (dates and counts
        of days).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1], 'date': pd.to_datetime(['2024-01-01', '2024-01-15']),
    ...                    'amount': [5.0, 7.0]})
    >>> aggregate.clv_summary(tx, pd.Timestamp('2024-02-01'), None).columns.tolist()[:3]
    ['first', 'last_cal', 'days_cal']
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=amount)
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end if observation_end is not None else calibration_end).normalize(),
                  src)
    lf = src.lazy()
    if observation_end is not None:
        _no_purchase_after(src, end, caller)
    # pass 2: purchase days in the window, joined to each customer's first purchase day
    day = nw.col("date").dt.truncate("1d")
    window = lf.filter(nw.col("date") < end + pd.Timedelta(days=1))
    # a log without amounts: purchase days only (no money column is made up)
    daily = window.group_by("customer_id", day.alias("day")).agg(
        nw.col("amount").sum().alias("amt") if amount else nw.len().alias("k"))
    firsts = (window.group_by("customer_id").agg(nw.col("date").min().alias("first"))
              .with_columns(nw.col("first").dt.truncate("1d")))
    in_cal = nw.col("day") <= cal_end
    money = [nw.when(in_cal & (nw.col("day") > nw.col("first"))).then(nw.col("amt")).otherwise(0.0)
             .alias("repeat_amt")] if amount else []
    # simple aggregations of prepared columns (min / max / sum), which every engine runs natively
    per = (daily.join(firsts, on="customer_id")
           .with_columns(nw.when(in_cal).then(nw.col("day")).otherwise(None).alias("day_cal"),
                         in_cal.cast(nw.Int64).alias("cal"), (~in_cal).cast(nw.Int64).alias("hold"), *money)
           .group_by("customer_id")
           .agg(nw.col("first").min().alias("first"), nw.col("day_cal").max().alias("last_cal"),
                nw.col("cal").sum().alias("days_cal"), nw.col("hold").sum().alias("days_holdout"),
                *([nw.col("repeat_amt").sum().alias("repeat_amount_cal")] if amount else []), nw.len().alias(_N)))
    out = _collect(per).drop(columns=_N)
    for c in ("first", "last_cal"):
        out[c] = pd.to_datetime(out[c])
    for c in ("days_cal", "days_holdout"):
        out[c] = out[c].astype(np.int64)
    if amount:
        out["repeat_amount_cal"] = out["repeat_amount_cal"].astype(float)
    return out


RFM_COLUMNS = ["recency_days", "frequency", "monetary", "monetary_mean", "first_purchase",
               "last_purchase", "tenure_days"]


def _finish_rfm(per: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Recency, tenure and mean spend from the per-customer aggregate (pandas; small); without amounts
    (no ``monetary`` column) the table has no money columns."""
    out = per.copy()
    if "monetary" in out.columns:
        out["monetary_mean"] = out["monetary"] / out["frequency"]
    out["recency_days"] = (as_of - out["last_purchase"]).dt.days.astype(np.int64)
    out["tenure_days"] = (as_of - out["first_purchase"]).dt.days.astype(np.int64)
    return out[[c for c in RFM_COLUMNS if c in out.columns]]


def _rfm_from(per: pd.DataFrame, as_of_ts: pd.Timestamp | None, customer: str, date: str) -> pd.DataFrame:
    """The RFM table from the per-customer aggregate of a table checked in its engine (first and last purchase,
    frequency, monetary): ``as_of`` defaulted or checked against the last purchases, then recency and tenure."""
    last = per["last_purchase"].max()
    if as_of_ts is None:
        as_of_ts = last.normalize() + pd.Timedelta(days=1)
    else:
        as_of_ts = _compare_as_of(per["last_purchase"], as_of_ts, "rfm", date)
        late = per["last_purchase"] > as_of_ts
        if late.any():
            raise late_as_of_error(date, int(late.sum()), len(per), as_of_ts)
    out = _finish_rfm(per, as_of_ts)
    out.index.name = customer
    out.attrs["as_of"] = str(as_of_ts.date())
    out.attrs["row_account"] = per.attrs.get("row_account", [])
    return out


def summary_attrs(cal_end: pd.Timestamp, window: int, seen: int, kept: int, freq: str) -> dict[str, Any]:
    """The ``attrs`` of the calibration summary from its customer counts: ``window`` customers with a first
    purchase in the summary window, ``seen`` of them by calibration end, ``kept`` with an age T > 0 (pandas and
    Spark routes alike)."""
    account = RowAccount("customers", window)
    account.note(f"first purchase after calibration_end = {cal_end.date()} (not yet a customer then)", window, seen)
    account.note(f"first purchase on calibration_end = {cal_end.date()} (age T = 0: no time to repeat)", seen, kept)
    return {"row_account": account.steps, "excluded_zero_age": seen - kept,
            "excluded_after_calibration": window - seen, "time_unit": freq}


def late_as_of_error(date: str, late: int, n: int, as_of: pd.Timestamp) -> FutureDateError:
    """The error for an RFM ``as_of`` before the last purchase of ``late`` of ``n`` customers."""
    return FutureDateError(f"rfm: column '{date}': {late} of {n} customers have transactions after "
                           f"as_of = {as_of.date()}; check the as_of date or the data")


def _no_purchase_after(src: Source, end: Any, caller: str) -> None:
    """Raise :class:`~crmresearch.errors.FutureDateError` for purchases after the day ``end`` (a second pass only when
    the contract check saw a later date), with their count and first customers."""
    import narwhals as nw

    last = src.checked["date_max"]
    if last is None or pd.isna(last) or _naive_utc(last) < _naive_utc(end) + pd.Timedelta(days=1):
        return
    late = src.lazy().filter(nw.col("date") >= end + pd.Timedelta(days=1))
    bad = late.group_by("customer_id").agg(nw.len().alias("k")).collect(backend="pandas").to_native()
    if len(bad):
        bad = bad.set_index("customer_id")["k"]
        raise FutureDateError(f"{caller}: column 'date': {int(bad.sum())} rows are after the end of the "
                              f"observation ({pd.Timestamp(end).date()}; first customers: {_first_ids(bad.index)}); "
                              "filter them first if intended, or check the dates")


def customer_aggregates(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                        columns: Mapping[str, str] | None = None, amount: bool = True,
                        caller: str = "customer_tables") -> pd.DataFrame:
    """What :func:`customer_totals`, :func:`rfm_table` and :func:`clv_summary` compute, from one contract check and
    one aggregation in the engine.

    The rows are aggregated once per customer and calendar day (count, amount, first and last timestamp); every
    per-customer figure is an aggregate of those daily rows, joined to each customer's first purchase day in the
    summary window (a second, cheap aggregation of the rows per customer). On DuckDB this is one query (its plan:
    ``benchmarks/scale-plans.md``); no per-row data leaves the engine.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    calibration_end : Timestamp
        Last day of the calibration period (inclusive).
    observation_end : Timestamp or None
        Last day of the holdout period (inclusive; a purchase after it is an error); None for no holdout.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    amount : bool, default True
        Sum the amounts (False: a log without amounts; no ``revenue`` nor ``repeat_amount_cal``).
    caller : str, default 'customer_tables'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), every customer: ``revenue`` and ``transactions`` (all rows),
        ``first_purchase`` and ``last_purchase`` (timestamps), and :func:`clv_summary`'s columns ``first``,
        ``last_cal``, ``days_cal``, ``days_holdout``, ``repeat_amount_cal`` (NaT / 0 for a customer without a
        purchase up to the end of the summary window).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1], 'amount': [5.0, 7.0, 2.0],
    ...                    'date': pd.to_datetime(['2024-01-01 10:00', '2024-01-15 09:00', '2024-01-15 18:00'])})
    >>> per = aggregate.customer_aggregates(tx, pd.Timestamp('2024-02-01'), None)
    >>> per[['transactions', 'days_cal', 'repeat_amount_cal']].values.tolist()
    [[3.0, 2.0, 9.0]]
    """
    import narwhals as nw

    src, cal_end, end = _checked_window(table, calibration_end, observation_end, columns, amount, caller)
    if amount and src.engine == "duckdb" and _naive_dates(src):
        passes = duckdb_passes()
        if passes == 1:
            return _typed(_collect_duckdb(_duckdb_aggregates(src, cal_end, end)))
        # one pass per hash bucket of customers: each pass holds 1/passes of the (customer, day) state
        parts = [_collect_duckdb(_duckdb_aggregates(src, cal_end, end, part=(i, passes))) for i in range(passes)]
        return _typed(_sorted_by_customer(pd.concat(parts)))
    lf = src.lazy()
    if src.engine == "spark" and spark_passes() > 1:
        from pyspark.sql import functions as F

        k, native = spark_passes(), nw.to_native(lf)
        # one pass per hash bucket of customers: each pass shuffles 1/k of the (customer, day) groups and brings
        # 1/k of the customers back to the driver
        bucket = F.pmod(F.hash(F.col("customer_id")), F.lit(k))
        parts = [_collect(_lazy_aggregates(nw.from_native(native.filter(bucket == i)), cal_end, end, amount))
                 for i in range(k)]
        return _typed(_sorted_by_customer(pd.concat(parts)))
    return _typed(_collect(_lazy_aggregates(lf, cal_end, end, amount)))


def _checked_window(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                    columns: Mapping[str, str] | None, amount: bool, caller: str) -> tuple[Source, Any, Any]:
    """The transactions checked where they live, and the calibration and observation ends as moments in the
    date column's time-zone convention (a purchase after the observation end is an error)."""
    src = check_transactions(table, columns, caller, amount=amount)
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end if observation_end is not None else calibration_end).normalize(),
                  src)
    if observation_end is not None:
        _no_purchase_after(src, end, caller)
    return src, cal_end, end


def spark_customer_aggregates(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None,
                              columns: Mapping[str, str] | None = None, amount: bool = True,
                              caller: str = "customer_tables") -> list[Any] | None:
    """:func:`customer_aggregates` left on the cluster: Spark DataFrames of one row per customer, one per pass
    (:func:`spark_passes`; each a hash bucket of the customers), or None when ``table`` is not held by Spark
    (:func:`held_by_spark`). Used by ``customer_tables(..., collect=False)``, which writes the tables from them
    without collecting them (:mod:`crmresearch.sources.spark_write`)."""
    import narwhals as nw

    if not held_by_spark(table):
        return None
    src, cal_end, end = _checked_window(table, calibration_end, observation_end, columns, amount, caller)
    k = spark_passes()
    if k == 1:
        return [nw.to_native(_lazy_aggregates(src.lazy(), cal_end, end, amount))]
    from pyspark.sql import functions as F

    native = nw.to_native(src.lazy())
    bucket = F.pmod(F.hash(F.col("customer_id")), F.lit(k))
    return [nw.to_native(_lazy_aggregates(nw.from_native(native.filter(bucket == i)), cal_end, end, amount))
            for i in range(k)]


def held_by_spark(table: Any) -> bool:
    """Whether ``table`` lives in Spark: a Spark DataFrame, a :class:`Source` on Spark, or a data-source entry
    naming ``spark:`` / ``spark_table:`` (told from its type alone, without reading it)."""
    if isinstance(table, Source):
        return table.engine == "spark"
    if isinstance(table, Mapping):
        return "spark" in table or "spark_table" in table
    return type(table).__module__.startswith("pyspark.")


def _lazy_aggregates(lf: Any, cal_end: Any, end: Any, amount: bool) -> Any:
    """:func:`customer_aggregates` as a narwhals lazy query on ``lf`` (every engine but DuckDB's own SQL)."""
    import narwhals as nw

    money = [nw.col("amount").sum().alias("amt")] if amount else []
    daily = lf.group_by("customer_id", nw.col("date").dt.truncate("1d").alias("day")).agg(
        nw.len().alias("n"), *money, nw.col("date").min().alias("t0"), nw.col("date").max().alias("t1"))
    # the first purchase day from the rows (a cheap aggregation per customer), not from ``daily``: a relation used
    # twice is computed twice by DuckDB (the costly (customer, day) grouping would run again)
    firsts = (lf.filter(nw.col("date") < end + pd.Timedelta(days=1)).group_by("customer_id")
              .agg(nw.col("date").min().alias("first")).with_columns(nw.col("first").dt.truncate("1d")))
    in_cal = nw.col("day") <= cal_end
    repeat = [nw.when(in_cal & (nw.col("day") > nw.col("first"))).then(nw.col("amt")).otherwise(0.0)
              .alias("rep")] if amount else []
    per = (daily.join(firsts, on="customer_id", how="left")
           .with_columns(nw.when(in_cal).then(nw.col("day")).otherwise(None).alias("day_cal"),
                         in_cal.cast(nw.Int64).alias("cal"),
                         (~in_cal & (nw.col("day") <= end)).cast(nw.Int64).alias("hold"), *repeat)
           .group_by("customer_id")
           .agg(*([nw.col("amt").sum().alias("revenue")] if amount else []), nw.col("n").sum().alias("transactions"),
                nw.col("t0").min().alias("first_purchase"), nw.col("t1").max().alias("last_purchase"),
                nw.col("first").min().alias("first"), nw.col("day_cal").max().alias("last_cal"),
                nw.col("cal").sum().alias("days_cal"), nw.col("hold").sum().alias("days_holdout"),
                *([nw.col("rep").sum().alias("repeat_amount_cal")] if amount else [])))
    return per


def _naive_dates(src: Source) -> bool:
    """The ``date`` column is a date or a timestamp without zone (DuckDB's day arithmetic is then the same as
    narwhals')."""
    import narwhals as nw

    dtype = src.schema()["date"]
    return dtype == nw.Date or (dtype == nw.Datetime and getattr(dtype, "time_zone", None) is None)


def duckdb_passes() -> int:
    """Passes of the DuckDB per-customer aggregation over the data, from ``CRMRESEARCH_DUCKDB_PASSES`` (default 1).

    With k passes, pass i aggregates only the customers with ``hash(customer_id) % k = i``: the (customer, day)
    state, which DuckDB spills to ``temp_directory`` when it exceeds ``memory_limit``, is 1/k as large, for k
    scans of the files. At 10^9 rows (about 60 GB of state) one pass does not fit a disk with 59 GB free; four
    do (``benchmarks/results.md``, 10^9 rows). The result is the same for every k.

    Returns
    -------
    int
        The number of passes (at least 1).

    Raises
    ------
    ValidationError
        For a value that is not a whole number >= 1.

    Examples
    --------
    >>> from crmresearch.sources.aggregate import duckdb_passes
    >>> duckdb_passes() >= 1
    True
    """
    return _passes("CRMRESEARCH_DUCKDB_PASSES")


def spark_passes() -> int:
    """Passes of the Spark per-customer aggregation over the data, from ``CRMRESEARCH_SPARK_PASSES`` (default 1).

    As :func:`duckdb_passes`: pass i aggregates the customers with ``pmod(hash(customer_id), k) = i``, so each
    pass shuffles 1/k of the (customer, day) groups to the executors' local disks and brings 1/k of the
    customers back to the driver, for k scans of the files. The result is the same for every k.

    Returns
    -------
    int
        The number of passes (at least 1).

    Raises
    ------
    ValidationError
        For a value that is not a whole number >= 1.

    Examples
    --------
    >>> from crmresearch.sources.aggregate import spark_passes
    >>> spark_passes() >= 1
    True
    """
    return _passes("CRMRESEARCH_SPARK_PASSES")


def _passes(variable: str) -> int:
    text = os.environ.get(variable, "").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValidationError(f"{variable} must be a whole number >= 1 (passes over the data); got {text!r}")
    return int(text)


def _duckdb_aggregates(src: Source, cal_end: Any, end: Any, part: tuple[int, int] | None = None) -> Any:
    """:func:`customer_aggregates` on DuckDB as one query: the first day's amount by ``arg_min`` over the daily
    rows instead of a join to the first days (``benchmarks/scale-plans.md``). The same numbers as the narwhals
    route (the repeat amount as a difference of sums: equal to 1e-12 relative). ``part=(i, k)``: only the
    customers whose id hashes to bucket i of k (:func:`duckdb_passes`)."""
    import narwhals as nw

    rel = nw.to_native(src.lazy())
    cal, last = (f"TIMESTAMP '{pd.Timestamp(t).isoformat(sep=' ')}'" for t in (cal_end, end))
    where = f"WHERE hash(customer_id) % {int(part[1])} = {int(part[0])}" if part is not None else ""
    return rel.query("tx", f"""
        WITH daily AS (
          SELECT customer_id, date_trunc('day', "date") AS day, count(*) AS n, sum(amount) AS amt,
                 min("date") AS t0, max("date") AS t1
          FROM tx {where} GROUP BY ALL)
        SELECT customer_id, sum(amt) AS revenue, sum(n) AS transactions, min(t0) AS first_purchase,
               max(t1) AS last_purchase, min(day) FILTER (day <= {last}) AS "first",
               max(day) FILTER (day <= {cal}) AS last_cal, count(*) FILTER (day <= {cal}) AS days_cal,
               count(*) FILTER (day > {cal} AND day <= {last}) AS days_holdout,
               coalesce(sum(amt) FILTER (day <= {cal}) - arg_min(amt, day) FILTER (day <= {cal}), 0.0)
                 AS repeat_amount_cal
        FROM daily GROUP BY customer_id""")


def _collect_duckdb(rel: Any) -> pd.DataFrame:
    """A DuckDB relation's per-customer result as pandas, sorted by customer id (as :func:`_collect`)."""
    import narwhals as nw

    return _collect(nw.from_native(rel))


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    """:func:`customer_aggregates`' columns in their pandas types (timestamps, int64 counts, float amounts)."""
    for c in ("first_purchase", "last_purchase", "first", "last_cal"):
        out[c] = pd.to_datetime(out[c])
    for c in ("transactions", "days_cal", "days_holdout"):
        out[c] = out[c].astype(np.int64)
    for c in ("revenue", "repeat_amount_cal"):
        if c in out.columns:
            out[c] = out[c].astype(float)
    return out


def repeat_days(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp,
                columns: Mapping[str, str] | None = None,
                caller: str = "repeat_tracking") -> tuple[pd.Series, pd.Series]:
    """Inputs of the tracking plot (FHL 2005, Fig. 2), computed in the engine.

    Returns ``(first_days, repeats)``: the first purchase day of every customer whose first purchase
    is on or before ``calibration_end`` (one row per customer), and the number of repeat purchase
    days of those customers on each calendar day up to ``observation_end`` (one row per day).

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    calibration_end : Timestamp
        Last day on which a first purchase counts (inclusive).
    observation_end : Timestamp
        Last calendar day of the tracking series (inclusive).
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'repeat_tracking'
        Name of the public function, used in error messages.

    Returns
    -------
    first_days : Series
        First purchase day per customer (index ``customer_id``).
    repeats : Series
        Repeat purchase days per calendar day (index: day), zeros included.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1, 2], 'amount': [5.0, 7.0, 3.0, 9.0],
    ...                    'date': pd.to_datetime(['2024-01-01', '2024-01-03', '2024-01-03', '2024-01-02'])})
    >>> first, repeats = aggregate.repeat_days(tx, pd.Timestamp('2024-01-02'), pd.Timestamp('2024-01-04'))
    >>> first.dt.strftime('%m-%d').to_dict()
    {1: '01-01', 2: '01-02'}
    >>> repeats.tolist()   # one repeat day (customer 1 on Jan 3; two purchases merged)
    [1]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=False)
    cal_end = _moment(pd.Timestamp(calibration_end).normalize(), src)
    end = _moment(pd.Timestamp(observation_end).normalize(), src)
    lf = src.lazy().filter(nw.col("date") < end + pd.Timedelta(days=1))
    days = lf.group_by("customer_id", nw.col("date").dt.truncate("1d").alias("day")).agg(nw.len().alias("k"))
    firsts = (lf.group_by("customer_id").agg(nw.col("date").min().alias("first"))
              .with_columns(nw.col("first").dt.truncate("1d"))
              .filter(nw.col("first") <= cal_end))
    repeats = (days.join(firsts, on="customer_id").filter(nw.col("day") > nw.col("first"))
               .group_by("day").agg(nw.len().alias("repeat_days"))
               .collect(backend="pandas").to_native())
    first = _wall_time(_collect(firsts)["first"])
    out = pd.Series(repeats["repeat_days"].to_numpy(dtype=np.int64), index=pd.Index(_wall_time(repeats["day"])),
                    name="repeat_days").sort_index()
    return first, out


def purchase_periods(table: Any, calibration_end: pd.Timestamp, observation_end: pd.Timestamp | None, period_days: int,
                     columns: Mapping[str, str] | None = None,
                     caller: str = "opportunity_summary") -> pd.DataFrame:
    """The distinct (customer, period) pairs with a purchase, periods of ``period_days`` days counted back from
    ``calibration_end``, computed in the engine (the input of :func:`~crmresearch.clv.opportunity_summary`).

    Period ``k`` = floor((calibration_end - day) / period_days): 0 is the last period of calibration (the
    ``period_days`` days ending on ``calibration_end``), 1 the one before, -1 the first of the holdout.

    Parameters
    ----------
    table : table
        A transactions table where it lives (anywhere :func:`~crmresearch.sources.as_source` reads).
    calibration_end : Timestamp
        Last day of calibration (inclusive).
    observation_end : Timestamp or None
        Last day of the holdout (inclusive): purchases after it are an error; None: every purchase is read.
    period_days : int
        Length of one opportunity (days).
    columns : mapping of str to str or None, optional
        Our column name -> yours; None when the table uses ours.
    caller : str, default 'opportunity_summary'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        ``customer_id`` and ``period`` (int64), one row per customer and period with a purchase.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1, 1], 'amount': [5.0, 7.0, 3.0],
    ...                    'date': pd.to_datetime(['2024-01-01', '2024-01-03', '2024-01-20'])})
    >>> aggregate.purchase_periods(tx, pd.Timestamp('2024-01-14'), pd.Timestamp('2024-01-21'), 7)['period'].tolist()
    [1, -1]
    """
    import narwhals as nw

    src = check_transactions(table, columns, caller, amount=False)
    lf = src.lazy()
    if observation_end is not None:
        end = _moment(pd.Timestamp(observation_end).normalize(), src)
        _no_purchase_after(src, end, caller)
        lf = lf.filter(nw.col("date") < end + pd.Timedelta(days=1))
    days = (lf.group_by("customer_id", nw.col("date").dt.truncate("1d").alias("day")).agg(nw.len().alias("k"))
            .collect(backend="pandas").to_native())
    day = _wall_time(days["day"]).dt.normalize()
    period = (pd.Timestamp(calibration_end).normalize() - day).dt.days.to_numpy(dtype=np.int64) // int(period_days)
    out = pd.DataFrame({"customer_id": days["customer_id"].to_numpy(), "period": period}).drop_duplicates()
    return out.sort_values(["customer_id", "period"], ascending=[True, False], kind="stable").reset_index(drop=True)


def channel_totals(table: Any, channel: str | None, columns: Mapping[str, str] | None = None,
                   caller: str = "cost_to_serve") -> pd.DataFrame:
    """Transactions and amount per customer and channel (one row per customer when ``channel`` is None),
    in one pass in the engine; pandas with columns ``customer_id``, ``channel``, ``transactions``, ``amount``.

    Parameters
    ----------
    table : table
        A transactions table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    channel : str or None
        Channel column (e.g. branch, ATM, online); None for totals per customer only.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}``); None when the
        table uses ours.
    caller : str, default 'cost_to_serve'
        Name of the public function, used in error messages.

    Returns
    -------
    DataFrame
        ``customer_id``, ``channel``, ``transactions`` (count) and ``amount`` (currency units).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> tx = pd.DataFrame({'customer_id': [1, 1], 'date': pd.to_datetime(['2024-01-01'] * 2),
    ...                    'amount': [5.0, 7.0], 'channel': ['atm', 'mobile']})
    >>> aggregate.channel_totals(tx, 'channel').columns.tolist()
    ['customer_id', 'channel', 'transactions', 'amount']
    """
    import narwhals as nw

    cols = dict(columns or {})
    src = check_transactions(table, cols, caller, date=False)
    lf = src.lazy()
    if channel is not None:
        if channel not in src.schema():
            raise ValidationError(f"{caller}: channel costs by channel need the column '{channel}'; the table has "
                                  f"{list(src.schema())[:15]}")
        keys = ["customer_id", nw.col(channel).cast(nw.String).alias("channel")]
    else:
        keys = ["customer_id"]
    out = (lf.group_by(*keys).agg(nw.len().alias("transactions"), nw.col("amount").sum().alias("amount"))
           .collect(backend="pandas").to_native())
    if channel is None:
        out["channel"] = ""
    return out.sort_values(["customer_id", "channel"], kind="stable").reset_index(drop=True)


def _day(value: Any, key: str, caller: str) -> pd.Timestamp:
    """A date given as ``observed_from`` / ``observed_to`` (a date, timestamp or 'YYYY-MM-DD'), as midnight."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ValidationError(f"{caller}: {key} must be a date YYYY-MM-DD; got {value!r}")
    return _naive_utc(ts).normalize()


def _interval_grid(counted: pd.DataFrame, minutes: int, observed_from: Any, observed_to: Any,
                   caller: str) -> pd.DataFrame:
    """The counts of a call log on the full interval grid of its observed days, zeros where no call came.

    Observed days: every calendar day from ``observed_from`` (default: the day of the first call) to
    ``observed_to`` (default: the day of the last call), both included, on the weekdays the log has calls on
    (a weekday without a single call in the log, a Sunday say, is a closed day, not a quiet one; a day of an
    open weekday without a call is a day of zero calls). Intervals: every time of day at which a call came
    on some day (outside those the centre is taken to be closed). A call outside the window is an error.
    """
    stamps = counted["datetime"]
    days = stamps.dt.normalize()
    first = _day(observed_from, "observed_from", caller) if observed_from is not None else days.min()
    last = _day(observed_to, "observed_to", caller) if observed_to is not None else days.max()
    if last < first:
        raise ValidationError(f"{caller}: observed_to ({last.date()}) is before observed_from ({first.date()})")
    for outside, word, key, day in ((days < first, "before", "observed_from", first),
                                    (days > last, "after", "observed_to", last)):
        if outside.any():
            n = int(counted.loc[outside, "calls"].sum())
            raise ValidationError(f"{caller}: {n} calls of the log are {word} {key} = {day.date()} (first: "
                                  f"{stamps[outside].min()}); widen the observed window or filter the log")
    open_days = set(days.dt.dayofweek)
    grid_days = [d for d in pd.date_range(first, last, freq="D") if d.dayofweek in open_days]
    slots = np.sort((stamps - days).unique())
    grid = pd.DatetimeIndex(np.add.outer(np.asarray(grid_days, dtype="datetime64[ns]"), slots).ravel())
    calls = counted.set_index("datetime")["calls"].reindex(grid, fill_value=0)
    out = pd.DataFrame({"datetime": grid, "calls": calls.to_numpy(dtype=np.int64)})
    out.attrs["observed"] = {"from": first, "to": last, "days": len(grid_days), "intervals_per_day": len(slots),
                             "zero_intervals": int((out["calls"] == 0).sum()), "minutes": minutes}
    return out


def call_counts(table: Any, minutes: float, columns: Mapping[str, str] | None = None,
                caller: str = "call_counts", observed_from: Any = None, observed_to: Any = None) -> pd.DataFrame:
    """Calls per interval, counted where the table lives.

    A table with a ``calls`` column holds counts already (one row per interval; intervals repeated
    are summed; the intervals it lists are the ones returned). One without it is a call log (one row per
    call) whose ``interval_start`` timestamps are counted per ``minutes``-long interval, on the full
    interval grid of the observed days: a quiet interval is a row with 0 calls, not a missing row (an
    average over the rows would otherwise overstate demand wherever intervals can be quiet).

    Observed days of a log: every calendar day from ``observed_from`` to ``observed_to`` (both included;
    by default the days of the first and of the last call), on the weekdays the log has calls on (a
    weekday without any call in the whole log is taken as closed); intervals: every time of day at which
    some call came. A data-source entry may give the window as ``observed_from:`` / ``observed_to:``.
    The counting runs in the engine; the grid (one row per interval, like the result) is filled on the
    counts, the same way for every engine.

    Parameters
    ----------
    table : table
        A call log (one row per call, ``interval_start`` timestamps) or interval counts (with a ``calls``
        column), anywhere :func:`~crmresearch.sources.as_source` reads.
    minutes : float
        Interval length in minutes (e.g. 15 or 30).
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'interval': 'rang_at'}``); None when the table uses ours.
    caller : str, default 'call_counts'
        Name of the public function, used in error messages.
    observed_from, observed_to : date or str or None, optional
        First and last day the log covers (inclusive; a call log only); None: the source's
        ``observed_from`` / ``observed_to`` keys, else the days of the first and the last call.

    Returns
    -------
    DataFrame
        One row per interval: ``datetime`` (interval start) and ``calls`` (count). For a log,
        ``attrs['observed']`` holds the window (``from``, ``to``), ``days``, ``intervals_per_day`` and the
        number of ``zero_intervals``.

    Raises
    ------
    ValidationError
        A broken contract rule, an interval length that does not divide an hour, a bad window, or calls of
        the log outside the window.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> stamps = pd.to_datetime(['2024-01-01 09:01', '2024-01-01 09:03', '2024-01-01 09:07'])
    >>> log = pd.DataFrame({'interval_start': stamps})
    >>> aggregate.call_counts(log, 5)['calls'].tolist()   # a call log counted per 5 minutes
    [2, 1]
    >>> quiet = pd.DataFrame({'interval_start': pd.to_datetime(['2024-01-01 09:01', '2024-01-02 09:06'])})
    >>> aggregate.call_counts(quiet, 5)['calls'].tolist()   # 09:00 and 09:05 on both days
    [1, 0, 0, 1]
    """
    import narwhals as nw

    src = check_table(table, "calls", columns, caller)
    schema = src.schema()
    lf = src.lazy()
    if not (float(minutes).is_integer() and 60 % int(minutes) == 0):
        raise ValidationError(f"{caller}: the interval length must divide an hour (1, 5, 10, 15, 20, 30 or 60 "
                              f"minutes); got {minutes}")
    m = int(minutes)
    # hour + minute bucket: every engine truncates to the hour and reads the minute
    keys = [nw.col("interval_start").dt.truncate("1h").alias("hour"),
            (nw.col("interval_start").dt.minute() // m).alias("bucket")]
    log = "calls" not in schema
    if log:
        counted = lf.group_by(*keys).agg(nw.len().alias("calls"))
    else:
        counted = lf.group_by(*keys).agg(nw.col("calls").sum().alias("calls"))
    out = counted.collect(backend="pandas").to_native()
    out["datetime"] = pd.to_datetime(out["hour"]) + pd.to_timedelta(out["bucket"].astype(np.int64) * m, unit="min")
    out = out[["datetime", "calls"]].sort_values("datetime", ignore_index=True)
    out["datetime"] = _wall_time(out["datetime"])
    window = src.observed
    observed_from = observed_from if observed_from is not None else window.get("observed_from")
    observed_to = observed_to if observed_to is not None else window.get("observed_to")
    if not log:
        if observed_from is not None or observed_to is not None:
            raise ValidationError(f"{caller}: observed_from / observed_to apply to a call log; a table of counts "
                                  "per interval lists its intervals itself")
        return out
    return _interval_grid(out, m, observed_from, observed_to, caller)


#: how a boolean read from a CSV (DuckDB reads yes/no, true/false, y/n as booleans) may have been written
_BOOL_TEXT = {True: ("yes", "true", "y", "t", "1"), False: ("no", "false", "n", "f", "0")}


def _as_text(value: Any, text: Mapping[str, int]) -> int:
    """The bin of a category by its text (a CSV's ``yes`` that an engine read as True), -1 for none."""
    if isinstance(value, bool | np.bool_):
        return next((text[t] for t in _BOOL_TEXT[bool(value)] if t in text), -1)
    return text.get(str(value).strip().lower(), -1)


def bin_counts(table: Any, characteristic: str, splits: Sequence[float] | None = None,
               groups: Sequence[Sequence[Any]] | None = None, columns: Mapping[str, str] | None = None,
               caller: str = "bin_counts", check: bool = True) -> pd.DataFrame:
    """Goods and bads per bin of one scorecard characteristic for given bins, one grouped aggregation where the
    table lives (pandas, polars, DuckDB, Spark): an applications table of any size never comes to pandas.

    Numeric bins are the cut points ``splits`` (bin ``i`` holds ``splits[i-1] <= x < splits[i]``, as
    :meth:`crmresearch.credit.Binning.bin_index`); categorical bins are ``groups`` of categories (the table is
    grouped by category, the groups summed in pandas). Missing values (null or NaN) count in a last ``Missing``
    bin. The outcome is checked by the ``applications`` contract (0/1, 1 = bad) in the same read.

    Parameters
    ----------
    table : table
        An applications table where it lives: a pandas or polars DataFrame, a DuckDB relation, a Spark DataFrame,
        a Parquet/CSV path or glob, a data-source entry, or a :class:`~crmresearch.sources.Source`.
    characteristic : str
        The column to bin (its name in the table).
    splits : sequence of float or None, optional
        Numeric bins: increasing cut points (empty: one bin).
    groups : sequence of sequence or None, optional
        Categorical bins: the categories of each bin. Exactly one of ``splits`` and ``groups``.
    columns : mapping of str to str or None, optional
        Our column name -> yours (``{'outcome': 'bad'}``); None when the table uses ours.
    caller : str, default 'bin_counts'
        Name of the public function, used in error messages.
    check : bool, default True
        Check the outcome first (one pass); False: ``table`` is a :class:`~crmresearch.sources.Source` that
        :func:`check_table` returned for the ``applications`` role (several characteristics, one check).

    Returns
    -------
    DataFrame
        One row per bin, then ``Missing``: ``bin`` (its number, ``Missing`` last), ``goods`` and ``bads``
        (counts of outcome 0 and 1, floats).

    Raises
    ------
    ValidationError
        A missing column, an outcome that is not 0/1, a characteristic of text for ``splits``, or categories in
        no group (counted; nothing is dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.sources import aggregate
    >>> apps = pd.DataFrame({'income': [10.0, 20.0, 35.0, None, 50.0], 'bad': [1, 1, 0, 0, 0]})
    >>> aggregate.bin_counts(apps, 'income', splits=[30.0], columns={'outcome': 'bad'}).values.tolist()
    [[0, 0.0, 2.0], [1, 2.0, 0.0], ['Missing', 1.0, 0.0]]
    """
    import narwhals as nw

    if (splits is None) == (groups is None):
        raise ValidationError(f"{caller}: give the bins of '{characteristic}' as splits (numeric) or groups "
                              "(categorical), one of them")
    if check:
        src = check_table(table, "applications", columns, caller, only=["outcome"])
    elif isinstance(table, Source) and table.checked:
        src = table
    else:
        raise ValidationError(f"{caller}: check=False needs the Source that check_table returned")
    schema = src.schema()
    if characteristic not in schema:
        raise MissingColumnError(f"{caller}: missing column(s) ['{characteristic}']; the table has "
                                 f"{list(schema)[:15]}")
    dtype = schema[characteristic]
    c = nw.col(characteristic)
    missing = (c.is_null() | c.is_nan()) if dtype.is_float() else c.is_null()
    bad = (nw.col("outcome") == 1) if schema["outcome"] != nw.Boolean else nw.col("outcome")
    bads = nw.col("_bad").sum().alias("bads")
    lf = src.lazy().with_columns(nw.when(bad).then(1).otherwise(0).cast(nw.Int64).alias("_bad"))
    if splits is not None:
        cuts = np.asarray(splits, dtype=float)
        if len(cuts) > 1 and not (np.diff(cuts) > 0).all():
            raise ValidationError(f"{caller}: the splits of '{characteristic}' must increase; got {cuts.tolist()}")
        if not (dtype.is_numeric() or dtype == nw.Boolean):
            raise DtypeError(f"{caller}: column '{characteristic}' has type {dtype} in {src.engine}; numeric bins "
                             "need numbers (or bin it by groups of categories)")
        k = len(cuts)
        if dtype == nw.Boolean:
            c = c.cast(nw.Int64)
        index = sum(((c >= float(s)).cast(nw.Int64) for s in cuts), nw.lit(0).cast(nw.Int64)) if k else \
            nw.lit(0).cast(nw.Int64)
        binned = lf.with_columns(nw.when(missing).then(k + 1).otherwise(index).cast(nw.Int64).alias("_bin"))
        got = (binned.group_by("_bin").agg(nw.len().alias("n"), bads).collect(backend="pandas").to_native()
               .astype({"_bin": np.int64}).set_index("_bin"))
        per = got.reindex(range(k + 2), fill_value=0)
    else:
        key = nw.when(missing).then(nw.lit(None)).otherwise(c)
        got = (lf.with_columns(key.alias("_cat"), missing.alias("_missing"))
               .group_by("_cat", "_missing").agg(nw.len().alias("n"), bads)
               .collect(backend="pandas").to_native())
        where = {v: i for i, g in enumerate(groups) for v in g}
        text = {str(v).strip().lower(): i for i, g in enumerate(groups) for v in g}
        k = len(groups) - 1
        is_missing = got["_missing"].astype(bool).to_numpy()
        idx = np.array([k + 1 if m else where.get(v, _as_text(v, text)) for v, m in
                        zip(got["_cat"], is_missing, strict=True)], dtype=np.int64)
        if (idx < 0).any():
            unseen = got[idx < 0]
            raise ValidationError(f"{caller}: column '{characteristic}': {int(unseen['n'].sum())} of "
                                  f"{int(got['n'].sum())} rows hold categories in no bin (first: "
                                  f"{_first_ids(pd.Index(unseen['_cat'].astype(object)), 3)}); bin them or map them "
                                  "to a category of a bin")
        per = got.assign(_bin=idx).groupby("_bin")[["n", "bads"]].sum().reindex(range(k + 2), fill_value=0)
    n, b = per["n"].to_numpy(dtype=float), per["bads"].to_numpy(dtype=float)
    return pd.DataFrame({"bin": [*range(len(per) - 1), "Missing"], "goods": n - b, "bads": b})
