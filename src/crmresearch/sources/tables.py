"""Your own tables, wherever they live: one way to name a table, data source files, checks in the engine.

A :class:`Source` wraps a table held by any engine (a pandas or polars DataFrame, a DuckDB relation, a
PySpark DataFrame, or Parquet/CSV files read lazily by DuckDB) as a `narwhals <https://narwhals-dev.github.io>`_
lazy frame whose columns carry crmresearch's names. Table-level work (totals, RFM, calibration
summaries, ...) is written once against narwhals in :mod:`crmresearch.aggregate` and runs where the table
lives; only per-customer (or smaller) results come back as pandas.

Why narwhals: it is a thin, dependency-free translation layer that runs one expression natively on
pandas, polars, DuckDB and PySpark (no copy into pandas, no SQL strings), the approach altair, plotly
and scikit-lego take to accept any dataframe. Ibis would add a heavy dependency and its own backends.

A **data source file** (YAML) names each table by role::

    transactions: {path: "tx/*.parquet", columns: {customer: cust_no, date: txn_ts, amount: amt}}
    customers:    {path: customers.csv, columns: {customer: cust_no, region: area}, features: [area, plan, age]}
    spells:       {duckdb: {database: bank.duckdb, table: spells}}
    calls:        {spark_table: crm.calls, observed_from: 2024-01-01, observed_to: 2024-03-31}
    accounts:     {spark: {path: "accounts/", format: parquet}}   # files Spark reads (a folder, glob, hdfs://...)
    spark:        {master: "spark://10.0.0.5:7077"}  # where Spark tables live (or SPARK_MASTER_URL); config: {k: v}
    name:         Branch sales 2024                # optional: how titles and source lines name the data
    currency:     EUR                              # optional: the currency of its amounts, for labels

``name`` defaults to the file's name; without ``currency`` labels say "amount units" rather than a currency.

A role read by Spark is ``spark_table: name`` (a table of the session's catalog) or ``spark: {table: name}``, or
``spark: {path: folder}`` (Parquet files, or ``format: csv`` with a header row, read by the Spark executors: a
relative path is resolved against the YAML file's folder, a URL such as ``hdfs://`` or ``s3a://`` is passed as
is); such an entry may name its ``master`` too, which must then agree with the file's ``spark: {master: ...}``.

A role's contract may let the file state more about its table (:attr:`crmresearch.schemas.Contract.keys`):
spells and calls take ``observed_from`` / ``observed_to`` (the observation window, YYYY-MM-DD, inclusive: the
days a table covers where its rows cannot, e.g. the days of a call log without a single call) and spells given
as durations their ``unit``::

    spells: {path: tenure.csv, columns: {duration: tenure_days, event: churned}, unit: days,
             observed_to: 2025-12-31}

``features:`` (for a role whose other columns are model features: customers, campaign, prospects) lists the
columns a model may use, by your names; a study takes them as its default features. Paths are relative to the
YAML file. Every key is known or refused with the accepted keys listed. :func:`read_sources` checks every role,
file and column before
anything heavy runs and raises :class:`SourceError` naming each problem; the roles, their columns and default
names come from the one contract table, :data:`crmresearch.schemas.CONTRACTS`, and with ``check=True`` (what a
study does before its kernel starts) the contents are checked against it as well.

Files are checked in bounded time before DuckDB reads them (:mod:`crmresearch.sources.files`: what a path is,
the first 4 MB of a CSV, the magic bytes of a Parquet file), and a CSV's rows that do not fit the types DuckDB
took from its first rows are counted in the one pass of the contract check. The check before a study's kernel
reads the first rows of each table only (``read_sources(rows=...)``, :meth:`Source.head`: at most
:data:`~crmresearch.sources.files.CHECK_ROWS` rows and, of a CSV, :data:`~crmresearch.sources.files.CHECK_BYTES`),
so it takes about the same time on any size of table; the kernel checks the whole table as it reads it (the
aggregations of :mod:`crmresearch.sources.aggregate`, :meth:`Source.to_pandas`). A text column of a number or
date kind whose every value reads as one is read as one. A Spark table needs a Spark
master named (``spark: {master: ...}`` or ``SPARK_MASTER_URL``) unless a session is active; a study's check
before its kernel never starts one.
"""

from __future__ import annotations

import glob as globmod
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._extras import require
from ..errors import MissingColumnError, SchemaError, SourceError
from ..schemas.checks import column_label
from ..schemas.contracts import CONTRACTS, DEFAULT_NAMES, TIME_UNITS, role_contracts
from .files import (
    CHECK_BYTES,
    REJECTS_LIMIT,
    check_path,
    check_prefix,
    csv_prefix,
    engine_message,
    rejected_rows,
    shown,
)

__all__ = ["FILE_KEYS", "ROLES", "SPARK_ENTRY_KEYS", "SPARK_KEYS", "Source", "SourceError", "SourceFile", "as_source",
           "read_sources", "source_file", "spark_master", "spark_settings", "spark_tables", "user_columns"]


#: Roles a data source file may name, with the columns each role must provide (crmresearch names, mapped
#: from the user's with ``columns:``) and the default name of each: a view of
#: :data:`crmresearch.schemas.CONTRACTS`, where every column of every role is declared.
ROLES: dict[str, dict[str, str]] = {role: c.required() for role, c in role_contracts().items()}
_KEYS = ("path", "format", "duckdb", "spark_table", "spark", "columns", "features")
_DUCKDB_KEYS = ("database", "table")
#: Keys of a role's ``spark:`` entry: one of ``table`` (the session's catalog) or ``path`` (files Spark reads, in
#: ``format`` parquet or csv), and optionally the ``master`` it runs on.
SPARK_ENTRY_KEYS = ("table", "path", "format", "master")
_WHERE = ("path", "duckdb", "spark_table", "spark")
_ONE_OF = "one of path, duckdb, spark_table or spark"
#: Keys under ``spark:``: the master URL (``local[2]``, ``spark://host:7077``, ``yarn``) and Spark settings.
SPARK_KEYS = ("master", "config")
#: Rows DuckDB types a CSV's columns from (its sniffer's default sample).
SNIFF_ROWS = 20_480
#: Keys of a data source file that are not roles: where Spark tables live (``spark``), how exhibits name the
#: data (``name``) and the currency of its amounts (``currency``).
FILE_KEYS = ("spark", "name", "currency")


def _engine(native: Any) -> str:
    mod = type(native).__module__.split(".")[0]
    return {"pandas": "pandas", "polars": "polars", "duckdb": "duckdb", "pyspark": "spark"}.get(mod, mod)


@dataclass
class Source:
    """A table wherever it lives, with crmresearch column names.

    Parameters
    ----------
    native : pandas/polars DataFrame, DuckDB relation or PySpark DataFrame
    columns : mapping crmresearch role -> the table's column name (e.g. ``{"customer": "cust_no"}``);
        roles not named keep their default names (``customer_id``, ``date``, ``amount`` ...).
    name : str
        How messages name the table (a role, a file name).
    role : str, optional
        The role (``transactions``...) whose contract names the columns: the required ones are checked, and
        ``columns`` may map only the roles it declares.
    meta : mapping of str to object, optional
        What the data source file states about the table beside its location and columns, by the keys its
        contract accepts (:attr:`crmresearch.schemas.Contract.keys`: ``observed_from``, ``observed_to``,
        ``unit``); checked here.
    features : sequence of str or None, optional
        The columns a model may use as features, by the table's names (a role whose contract calls its other
        columns features: customers, campaign, prospects); kept in crmresearch names. None: not listed.
    limit : int or None, optional
        The source holds the first ``limit`` rows of a longer table only (:meth:`head`: what the check before a
        kernel reads), so that messages count "of the first ``limit`` rows"; None: the whole table.
    casts : mapping of str to str, optional
        Text columns read as the contract's kind, crmresearch name -> ``number`` or ``datetime`` (set by the
        contract check when every value of a text column reads as that kind).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import sources
    >>> src = sources.as_source(pd.DataFrame({'customer_id': [1, 2]}), role='customers')
    >>> type(src).__name__, src.to_pandas()['customer_id'].tolist()
    ('Source', [1, 2])
    """

    native: Any
    columns: Mapping[str, str] = field(default_factory=dict)
    name: str = "table"
    role: str | None = None
    features: Sequence[str] | None = None
    checked: dict[str, Any] = field(default_factory=dict, repr=False)  # what the last contract check saw
    meta: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = field(default=(), repr=False)  # the CSV / Parquet files DuckDB reads it from
    file_format: str = field(default="", repr=False)  # 'csv' or 'parquet' with files
    limit: int | None = None
    casts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import narwhals as nw

        try:
            frame = nw.from_native(self.native)
        except TypeError:
            raise SourceError(f"{self.name}: cannot use a {type(self.native).__name__} as a table; give a pandas "
                              "or polars DataFrame, a DuckDB relation, a PySpark DataFrame or a Parquet/CSV path"
                              ) from None
        self._lazy = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
        contract = role_contracts().get(self.role or "")
        if self.role is not None and contract is None:
            raise SourceError(f"{self.name}: unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        required = contract.required() if contract is not None else {}
        if contract is not None:
            unknown = sorted(set(self.columns) - set(contract.roles()))
            if unknown:
                raise SourceError(f"{self.name}: unknown column role(s) {unknown} for '{self.role}'; roles: "
                                  f"{sorted(contract.roles())}")
        names = contract.names() if contract is not None else DEFAULT_NAMES
        rename = {actual: names.get(role, role) for role, actual in self.columns.items()}
        have = list(self._lazy.collect_schema().names())
        absent = [f"{actual} (for {role})" for role, actual in self.columns.items() if actual not in have]
        missing = [required[r] for r in required if r not in self.columns and required[r] not in have]
        if absent or missing:
            detail = ", ".join(absent + [f"{c} (default name)" for c in missing])
            if self.file_format == "csv" and len(have) == 1 and len(absent) + len(missing) > 1:
                # no delimiter structure: the "column name" would be a raw line of an arbitrary file
                raise SourceError(f"{self.name}: missing column(s) {detail}; {os.path.basename(self.files[0])} reads "
                                  "as one column only (no , ; | or tab in its first line): is it a CSV table with a "
                                  "header row?")
            raise SourceError(f"{self.name}: missing column(s) {detail}; the table has {_names(have)}; map them "
                              "with columns: {role: your_column}")
        self.shape = ""  # which of the contract's alternative sets of columns the table has (spells: dates ...)
        if contract is not None:
            present = set(self.columns) | {r for r, n in names.items() if n in have and r in contract.roles()}
            try:
                self.shape = contract.shape(present)
            except MissingColumnError as exc:
                raise SourceError(f"{self.name}: {exc}; the table has {have[:15]}; map them with columns: "
                                  "{role: your_column}") from None
            self.meta = _check_meta(self.meta, contract, self.shape, self.name)
        if self.features is not None:
            self.features = _listed_features(self.features, contract, self.columns, rename, have, self.name)
        rename = {k: v for k, v in rename.items() if k != v}
        clash = [v for v in rename.values() if v in have and v not in rename]
        if clash:  # a column already holds a name the mapping gives to another: the mapping wins
            self._lazy = self._lazy.drop(*clash)
        self._lazy = self._lazy.rename(rename)
        self.casts = dict(self.casts)
        if self.casts:
            self._lazy = _cast(self._lazy, self.casts, self.engine)

    def head(self, n: int, max_bytes: int | None = None) -> Source:
        """The table's first ``n`` rows as a :class:`Source` of the same role and mapping, read as far as those rows
        only: of CSV files, a copy of their first rows within ``max_bytes`` (:func:`~crmresearch.sources.files.
        csv_prefix`, so that DuckDB's count of the rows that do not fit their types covers them all); of Parquet
        files and DuckDB or Spark tables a ``LIMIT``; of a DataFrame its ``head``.

        Parameters
        ----------
        n : int
            Rows kept at most.
        max_bytes : int or None, optional
            CSV files: bytes read at most; None: :data:`crmresearch.sources.files.CHECK_BYTES`.

        Returns
        -------
        Source
            With ``limit`` set when it may hold fewer rows than the table.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import sources
        >>> src = sources.as_source(pd.DataFrame({'customer_id': range(5)}), role='customers')
        >>> src.head(2).to_pandas()['customer_id'].tolist()
        [0, 1]
        """
        files, limit = self.files, n
        if self.file_format == "csv":
            import shutil
            import tempfile
            import weakref

            folder = tempfile.mkdtemp(prefix="crmresearch-check-")
            try:
                copies, taken, cut = csv_prefix(self.files, n, folder, CHECK_BYTES if max_bytes is None else max_bytes)
                limited = _read_files(copies, "csv", self.name)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            files, limit = tuple(copies), taken if cut else None
        else:
            limited = self.native.limit(n) if self.engine in ("duckdb", "spark") else self.native.head(n)
        out = Source(limited, self.columns, name=self.name, role=self.role, meta=self.meta, files=files,
                     file_format=self.file_format, limit=limit, casts=self.casts)
        out.features = self.features  # already checked, in crmresearch names
        if self.file_format == "csv":
            weakref.finalize(out, shutil.rmtree, folder, True)
        return out

    def sampled(self, rows: int) -> bool:
        """Whether a check that saw ``rows`` rows of this table saw only its first rows (:meth:`head` reached its
        limit), so that counts are of "the first ``limit`` rows".

        Parameters
        ----------
        rows : int
            Rows the check saw.

        Returns
        -------
        bool

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import sources
        >>> src = sources.as_source(pd.DataFrame({'customer_id': range(5)}), role='customers')
        >>> src.head(2).sampled(2), src.head(10).sampled(5), src.sampled(5)
        (True, False, False)
        """
        return self.limit is not None and rows >= self.limit

    @property
    def observed(self) -> dict[str, Any]:
        """The days the table covers, from the entry's ``observed_from`` / ``observed_to`` (Timestamps, midnight)."""
        import pandas as pd

        return {k: pd.Timestamp(self.meta[k]) for k in ("observed_from", "observed_to") if k in self.meta}

    @property
    def user_names(self) -> dict[str, str]:
        """crmresearch's column name -> the table's own, for every column ``columns`` renamed: how messages
        about this table name a column (both names, e.g. ``'Exited' (mapped to churned)``)."""
        contract = role_contracts().get(self.role or "")
        names = contract.names() if contract is not None else DEFAULT_NAMES
        return {names.get(role, role): actual for role, actual in self.columns.items()
                if names.get(role, role) != actual}

    @property
    def engine(self) -> str:
        """Where the table lives: ``pandas``, ``polars``, ``duckdb`` or ``spark``."""
        return _engine(self.native)

    def lazy(self) -> Any:
        """The table as a narwhals LazyFrame with crmresearch column names."""
        return self._lazy

    def probe(self) -> tuple[Source, Any]:
        """The table for its contract check: a CSV read again so that rows that do not fit the types DuckDB took
        from its first rows are recorded (``store_rejects``) instead of stopping the read, with the connection
        holding them (:func:`crmresearch.sources.files.rejected_rows`); any other table: itself and None."""
        if self.file_format != "csv":
            return self, None
        duckdb = _duckdb()
        con = _connect(duckdb)
        try:
            rel = con.read_csv(list(self.files), header=True, store_rejects=True, rejects_limit=REJECTS_LIMIT)
        except duckdb.Error as exc:
            raise SourceError(f"{self.name}: DuckDB cannot read {os.path.basename(self.files[0])} as CSV: "
                              f"{engine_message(exc)}") from None
        return Source(rel, self.columns, name=self.name, role=self.role, limit=self.limit, casts=self.casts), con

    def rejected(self, con: Any, good_rows: int, caller: str, role: str | None = None) -> None:
        """Raise for the rows of a :meth:`probe` read that DuckDB could not take (none: return).

        Parameters
        ----------
        con : duckdb connection or None
            The connection of the :meth:`probe` read (None: nothing was read; return).
        good_rows : int
            Rows the read took.
        caller : str
            Name shown first in the message.
        role : str or None, optional
            The contract naming the typed columns when the table has no role of its own.
        """
        if con is None:
            return
        contract = role_contracts().get(self.role or role or "")
        names = contract.names() if contract is not None else DEFAULT_NAMES
        kinds: dict[str, str] = {}
        ours: dict[str, str] = {}
        if contract is not None:
            for col in contract.columns:
                actual = self.columns.get(col.role, col.default_name)
                kinds[actual], ours[actual] = col.kind, col.default_name
        ours |= {actual: names.get(role, role) for role, actual in self.columns.items()}
        rejected_rows(con, good_rows, caller, kinds, lambda c: column_label(ours.get(c, c), c), SNIFF_ROWS,
                      sample=self.limit)

    def schema(self) -> dict[str, Any]:
        return dict(self._lazy.collect_schema())

    def to_pandas(self, check: bool = True) -> Any:
        """The whole table as pandas (per-customer tables: customers, spells, a survey, a campaign's cells).

        With ``check`` (the default) a table of a role is checked against its contract as it is read, in the same
        read: a CSV's rows that do not fit its column types are counted (all of them), and the rules of the
        contract are applied (:meth:`check`, which before a study's kernel sees only the first rows).

        Parameters
        ----------
        check : bool, default True
            Check the table against its role's contract; False: only read it.

        Returns
        -------
        DataFrame
            With crmresearch column names; values as read (text dates stay text).

        Raises
        ------
        SchemaError
            With ``check``: the first rule the table breaks (its count of rows over the whole table).

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import sources
        >>> sources.as_source(pd.DataFrame({'customer_id': [1, 2]}), role='customers').to_pandas().shape
        (2, 1)
        """
        contract = CONTRACTS.get(self.role or "") if check else None
        if contract is not None and contract.engine:  # checked where it lives, then read
            from .aggregate import check_table

            return check_table(self, self.role, caller=self.name)._lazy.collect(backend="pandas").to_native()
        probe, con = self.probe() if contract is not None else (self, None)
        try:
            table = probe._lazy.collect(backend="pandas").to_native()
        except Exception as exc:  # an engine's error: one line, no contents of the file
            if type(exc).__module__.split(".")[0] not in ("duckdb", "pyspark", "py4j", "polars"):
                raise
            raise SourceError(f"{self.name}: the table cannot be read: {engine_message(exc)}") from None
        if contract is not None:
            from ..schemas.validate import _check_table

            self.rejected(con, len(table), self.name)
            try:
                _check_table(table, contract, contract.names(), self.name, users=self.user_names)
            except SchemaError as exc:
                problem = _in_sample(exc, self, len(table))
                if problem is not None:
                    raise problem from None
        return table

    def check(self, caller: str | None = None, need: Sequence[str] = (), rows: int | None = None) -> Source:
        """Check the table against its role's contract (:data:`crmresearch.schemas.CONTRACTS`); return it.

        A role whose table-level work runs where the table lives (transactions, calls) is checked there, in
        one cheap pass (:func:`crmresearch.sources.aggregate.check_table`); the others come back as pandas and
        are checked by the same rules as :func:`crmresearch.schemas.validate` (text dates parsed, nothing kept).

        Parameters
        ----------
        caller : str or None, optional
            Name shown first in messages; None: the table's name (file and role).
        need : sequence of str, default ()
            Optional columns of the contract the caller needs (e.g. ``['amount']``): missing, an error.
        rows : int or None, optional
            Check only the table's first ``rows`` rows (:meth:`head`; the check before a study's kernel, bounded in
            time whatever the table's size): counts in messages are then of "the first ``rows`` rows", and a rule
            only the whole table can decide (a column holding one value only) is left to the full read. None: the
            whole table.

        Returns
        -------
        Source
            ``self``.

        Raises
        ------
        SchemaError
            The first rule the table breaks: the column, the count of rows, the first rows (or ids), a remedy.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import sources
        >>> src = sources.as_source(pd.DataFrame({'lead': [1, 2], 'won': [1, 0], 'value': [90.0, 0.0]}),
        ...                         {'prospect': 'lead', 'converted': 'won'}, name='leads.csv', role='prospects')
        >>> src.check().name
        'leads.csv'
        """
        if self.role is None:
            raise SourceError(f"{self.name}: a table without a role has no contract to check")
        contract = CONTRACTS[self.role]
        target = self.head(rows) if rows is not None else self
        if contract.engine:
            from .aggregate import check_table

            try:
                check_table(target, self.role, caller=caller or self.name, need=need)
            except SchemaError as exc:
                raise _in_sample(exc, target, target.limit or 0) or exc from None
        else:
            from ..schemas.validate import _check_table

            probe, con = target.probe()
            try:
                table = probe.to_pandas(check=False)
            except Exception as exc:  # an engine's error: one line, no contents of the file
                raise SourceError(f"{caller or self.name}: the table cannot be read: {engine_message(exc)}") from None
            target.rejected(con, len(table), caller or self.name)
            try:
                _check_table(table, contract, contract.names(), caller or self.name, need=need,
                             users=self.user_names)
            except SchemaError as exc:
                problem = _in_sample(exc, target, len(table))
                if problem is not None:
                    raise problem from None
        return self


def _in_sample(exc: SchemaError, src: Source, rows: int) -> SchemaError | None:
    """A broken rule found in the first rows of a table (:meth:`Source.head`), said so: "k of the first N rows";
    None for a rule only the whole table decides (a column holding one value only in its first rows). Any
    other error (the whole table was read): itself."""
    if not src.sampled(rows):
        return exc
    text = str(exc)
    if " holds one value only " in text:
        return None
    first = re.sub(rf" of {src.limit} (rows|lines)\b", rf" of the first {src.limit} \1", text, count=1)
    return exc if first == text else type(exc)(first)


def _cast(lazy: Any, casts: Mapping[str, str], engine: str) -> Any:
    """Text columns read as numbers (``number``) or timestamps (``datetime``) where the table lives."""
    import narwhals as nw

    if engine in ("duckdb", "spark"):
        return lazy.with_columns(*(nw.col(c).cast(nw.Float64 if k == "number" else nw.Datetime()) for c, k in
                                   casts.items()))
    import pandas as pd

    table = lazy.collect(backend="pandas").to_native().copy()
    for c, k in casts.items():
        table[c] = (pd.to_datetime(table[c], format="ISO8601") if k == "datetime"
                    else pd.to_numeric(table[c]).astype(float))
    return nw.from_native(table).lazy()


def _check_meta(meta: Mapping[str, Any], contract: Any, shape: str, name: str) -> dict[str, Any]:
    """The keys a data source file states about a table, checked against its contract; dates as YYYY-MM-DD."""
    import pandas as pd

    unknown = sorted(set(meta) - set(contract.keys))
    if unknown:
        accepted = f"it accepts {', '.join(contract.keys)}" if contract.keys else "it accepts none"
        raise SourceError(f"{name}: key(s) {unknown} do not apply to a {contract.kind} table; {accepted}")
    out = dict(meta)
    for key in ("observed_from", "observed_to"):
        if key in out:  # YAML reads an unquoted YYYY-MM-DD as a date
            text = str(out[key])
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    raise ValueError(text)
                out[key] = str(pd.Timestamp(text).date())
            except ValueError:
                raise SourceError(f"{name}: {key} must be a date YYYY-MM-DD; got {meta[key]!r}") from None
    if "observed_from" in out and "observed_to" in out and out["observed_from"] > out["observed_to"]:
        raise SourceError(f"{name}: observed_from ({out['observed_from']}) must not be after observed_to "
                          f"({out['observed_to']}; both days are included)")
    if "unit" in out:
        if out["unit"] not in TIME_UNITS:
            raise SourceError(f"{name}: unit must be one of {', '.join(TIME_UNITS)}; got {meta['unit']!r}")
        if shape != "durations":
            raise SourceError(f"{name}: unit applies to a duration column; this table has {shape or 'no durations'}"
                              " (dates carry their own unit)")
    return out


def _listed_features(features: Any, contract: Any, columns: Mapping[str, str], rename: Mapping[str, str],
                     have: Sequence[str], name: str) -> tuple[str, ...]:
    """The ``features:`` of a table entry, checked (a list of its columns, free or categories of the role) and
    in crmresearch names."""
    if contract is None or contract.free != "features":
        roles = [k for k, c in role_contracts().items() if c.free == "features"]
        raise SourceError(f"{name}: features: lists model features, for the roles {', '.join(roles)} only")
    if isinstance(features, str) or not all(isinstance(f, str) for f in features) or not features:
        raise SourceError(f"{name}: features: must be a list of column names, e.g. [plan, state]; got {features!r}")
    absent = [f for f in features if f not in have]
    if absent:
        raise SourceError(f"{name}: features: column(s) {absent} are not in the table; it has {list(have)[:15]}")
    role_of = {actual: role for role, actual in columns.items()} | {
        c.default_name: c.role for c in contract.columns if c.role not in columns}
    roles = [f"{f} ({role_of[f]})" for f in features
             if f in role_of and contract.column(role_of[f]).kind != "category"]
    if roles:
        raise SourceError(f"{name}: features: {', '.join(roles)} is a column the {contract.kind} table maps by "
                          "role (an id, an outcome, a value or a date), not a feature; leave it out of features:")
    return tuple(rename.get(f, f) for f in dict.fromkeys(features))


def _names(have: Sequence[str], n: int = 15) -> list[str]:
    """The first ``n`` column names of a table, each cut to 40 characters, for messages."""
    return [c if len(c) <= 40 else c[:39] + "…" for c in map(str, have[:n])]


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - the extra is missing
        raise SourceError("files and DuckDB tables need the 'duckdb' extra: pip install 'crmresearch[duckdb]'") \
            from None
    return duckdb


def _files(spec: str, base: Path, name: str) -> list[str]:
    """The files a ``path:`` names (a path or glob), each checked to be a readable regular file."""
    pattern = spec if os.path.isabs(spec) else str(base / spec)
    found = sorted(globmod.glob(pattern))
    if not found:
        raise SourceError(f"{name}: no file matches {shown(spec)} (from {base})")
    for path in found:
        check_path(path, name)
    return found


def _connect(duckdb: Any) -> Any:
    con = duckdb.connect()
    try:  # no progress bars in logs (inside Jupyter DuckDB refuses the setting without ipywidgets)
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    # threads, memory and where to spill: DuckDB's defaults (all cores, 80 % of RAM, .tmp) unless set in the
    # environment (benchmarks/scale.py: 10^8 rows in under 3 GB with CRMRESEARCH_DUCKDB_MEMORY=2GB)
    for setting, env in (("threads", "CRMRESEARCH_DUCKDB_THREADS"), ("memory_limit", "CRMRESEARCH_DUCKDB_MEMORY"),
                         ("temp_directory", "CRMRESEARCH_DUCKDB_TEMP")):
        if os.environ.get(env):
            con.execute(f"SET {setting} = ?", [os.environ[env]])
    return con


def _read_files(files: list[str], fmt: str, name: str) -> Any:
    """The files as one lazy DuckDB relation, each file's first bytes checked first (bounded time); an error of
    DuckDB's in one line that quotes nothing of the file."""
    for path in files:
        check_prefix(path, fmt, name)
    duckdb = _duckdb()
    con = _connect(duckdb)
    try:
        if fmt == "parquet":
            return con.read_parquet(files)
        return con.read_csv(files, header=True)
    except duckdb.Error as exc:
        kind = "Parquet" if fmt == "parquet" else "a CSV table (a header row, one delimiter: , ; | or tab)"
        raise SourceError(f"{name}: DuckDB cannot read {os.path.basename(files[0])}{' ...' if len(files) > 1 else ''} "
                          f"as {kind}: {engine_message(exc)}") from None


def spark_settings(settings: Any, name: str) -> dict[str, Any]:
    """The ``spark:`` settings of a data source file, checked: a mapping of ``master`` (text) and ``config`` (a
    mapping of Spark settings); any other key is refused with the accepted ones listed.

    Examples
    --------
    >>> from crmresearch.sources.tables import spark_settings
    >>> spark_settings({'master': 'local[2]'}, 'sources.yaml')
    {'master': 'local[2]'}
    """
    if settings is None:
        return {}
    if not isinstance(settings, Mapping):
        raise SourceError(f"{name}: spark: must map {' and '.join(SPARK_KEYS)} to values, e.g. spark: {{master: "
                          f"'local[2]'}}; got {shown(settings)}")
    unknown = sorted(map(str, set(settings) - set(SPARK_KEYS)))
    if unknown:
        raise SourceError(f"{name}: unknown key(s) {unknown} under spark:; accepted: {', '.join(SPARK_KEYS)}")
    master = settings.get("master")
    if master is not None and (not isinstance(master, str) or not master.strip()):
        raise SourceError(f"{name}: spark: master must be a Spark master URL (local[2], spark://host:7077, yarn); "
                          f"got {shown(master)}")
    if settings.get("config") is not None and not isinstance(settings["config"], Mapping):
        raise SourceError(f"{name}: spark: config must map Spark settings to values; got {shown(settings['config'])}")
    return dict(settings)


def spark_master(settings: Mapping[str, Any] | None, name: str, table: str) -> str | None:
    """The Spark master a data source file's Spark table runs on: ``spark: {master: ...}``, else the
    ``SPARK_MASTER_URL`` environment variable; None when a Spark session is already active. Raises
    :class:`SourceError` in one line when neither is set (no local session is started unasked)."""
    master = (settings or {}).get("master") or os.environ.get("SPARK_MASTER_URL", "").strip()
    if master:
        return str(master)
    active = None
    if "pyspark" in sys.modules:  # a session can only be active where pyspark is imported already
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
    if active is not None:
        return None
    raise SourceError(f"{name}: names the Spark table {shown(table)} but no Spark is configured: set spark.master "
                      "(spark: {master: 'local[2]'} in the data source file, or spark://host:7077 for a cluster) or "
                      "the SPARK_MASTER_URL environment variable, or run in a Spark session")


def _spark(settings: Mapping[str, Any] | None, name: str = "spark", table: str = "") -> Any:
    master = spark_master(settings, name, table)
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - the extra is missing
        raise SourceError("Spark tables need the 'spark' extra: pip install 'crmresearch[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(str(master))
    for k, v in ((settings or {}).get("config") or {}).items():
        builder = builder.config(str(k), str(v))
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def _spark_entry_keys(entry: Any, name: str) -> dict[str, Any]:
    """A role's ``spark:`` entry, checked: a mapping of one of ``table`` / ``path`` (and ``format``, ``master``)."""
    if not isinstance(entry, Mapping):
        raise SourceError(f"{name}: spark: must map table or path (and format, master) to values, e.g. spark: "
                          f"{{path: tx/, format: parquet}}; got {shown(entry)}")
    unknown = sorted(map(str, set(entry) - set(SPARK_ENTRY_KEYS)))
    if unknown:
        raise SourceError(f"{name}: unknown key(s) {unknown} under spark:; accepted: {', '.join(SPARK_ENTRY_KEYS)}")
    where = [k for k in ("table", "path") if k in entry]
    if len(where) != 1:
        raise SourceError(f"{name}: spark: give exactly one of table (a table of the session) or path (files Spark "
                          f"reads); got {where or 'none'}")
    for key in (*where, "master"):
        if key in entry and (not isinstance(entry[key], str | os.PathLike) or not str(entry[key]).strip()):
            raise SourceError(f"{name}: spark: {key} must be a non-empty text; got {shown(entry[key])}")
    if entry.get("format") is not None and (entry["format"] not in ("parquet", "csv") or "path" not in entry):
        raise SourceError(f"{name}: spark: format (of a path) must be parquet or csv; got {shown(entry['format'])}")
    return dict(entry)


def _entry_settings(settings: Mapping[str, Any] | None, entry: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The file's Spark settings with a role entry's ``master``, which must agree with the file's."""
    out = dict(settings or {})
    if entry.get("master"):
        if out.get("master") and str(out["master"]) != str(entry["master"]):
            raise SourceError(f"{name}: spark: master {shown(entry['master'])} differs from the file's spark: master "
                              f"{shown(out['master'])}; one Spark session reads every table of a file")
        out["master"] = str(entry["master"])
    return out


def _spark_path(what: str, base: Path, name: str) -> str:
    """The path of a ``spark: {path: ...}`` entry as Spark reads it: a URL (``hdfs://``, ``s3a://``) or an absolute
    path as given (it may be on the cluster's default file system); a relative one resolved against the YAML
    file's folder, required to exist there and given to Spark as ``file://``."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", what) or os.path.isabs(what):
        return what
    path = str(base / what)
    if not globmod.glob(path.rstrip("/")):
        raise SourceError(f"{name}: spark: no file or folder matches {shown(what)} (from {base})")
    return "file://" + path


def _spark_read(obj: Mapping[str, Any], name: str, base: Path, settings: Mapping[str, Any] | None) -> Any:
    """A Spark DataFrame of a ``spark_table`` or ``spark:`` entry (a catalog table, or files the executors read)."""
    if "spark_table" in obj:
        entry: dict[str, Any] = {"table": str(obj["spark_table"])}
    else:
        entry = _spark_entry_keys(obj["spark"], name)
    what = str(entry.get("table") or entry.get("path"))
    session = _spark(_entry_settings(settings, entry, name), name, what)
    if "table" in entry:
        try:
            return session.table(what)
        except Exception as exc:  # AnalysisException: table not found
            raise SourceError(f"{name}: Spark cannot read table {shown(what)}: {engine_message(exc)}") from None
    path = _spark_path(what, base, name)
    fmt = str(entry.get("format") or "parquet")
    try:
        if fmt == "csv":
            return session.read.csv(path, header=True, inferSchema=True)
        return session.read.parquet(path)
    except Exception as exc:  # AnalysisException: not Parquet, no files, nanosecond timestamps
        text = engine_message(exc)
        hint = ("; Spark reads timestamps in microseconds, not nanoseconds: write the files with pyarrow's "
                "coerce_timestamps='us' (pandas: to_parquet(..., coerce_timestamps='us'))"
                if "TIMESTAMP(NANOS" in str(exc) else "")
        raise SourceError(f"{name}: Spark cannot read {shown(what)} as {'CSV' if fmt == 'csv' else 'Parquet'}: "
                          f"{text}{hint}") from None


def as_source(obj: Any, columns: Mapping[str, str] | None = None, *, name: str = "table",
              role: str | None = None, base: str | os.PathLike[str] | None = None,
              spark: Mapping[str, Any] | None = None) -> Source:
    """Name a table: a DataFrame / relation (kept where it is), a Parquet or CSV path or glob (read lazily by
    DuckDB), or a data-source entry ``{path: ..., columns: ...}``, ``{duckdb: {database, table}}``,
    ``{spark_table: name}``, ``{spark: {path: folder}}`` (files Spark reads). Returns a checked :class:`Source`.

    Parameters
    ----------
    obj : object
        The table, a path or glob, or a data-source entry.
    columns : mapping of str to str or None, optional
        Our column name -> yours.
    name : str, default 'table'
        Name used in messages.
    role : str or None, optional
        Role the table plays (``transactions``, ``spells``...), whose columns are checked.
    base : str or PathLike of str or None, optional
        Folder relative paths are resolved against; None: the working directory.
    spark : mapping of str to object or None, optional
        Spark session settings (``master``, ``config``) for ``spark_table`` and ``spark:`` entries.

    Raises
    ------
    SourceError
        Unknown keys, a missing file, or missing columns; the message names them.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import sources
    >>> src = sources.as_source(pd.DataFrame({'cust_no': [1], 'amt': [9.5], 'day': pd.to_datetime(['2024-01-01'])}),
    ...                         {'customer': 'cust_no', 'amount': 'amt', 'date': 'day'}, role='transactions')
    >>> src.engine, sorted(src.schema())
    ('pandas', ['amount', 'customer_id', 'date'])
    """
    if isinstance(obj, Source):
        return obj
    base_dir = Path(base) if base is not None else Path.cwd()
    if isinstance(obj, str | os.PathLike):
        obj = {"path": str(obj)}
    if isinstance(obj, Mapping):
        stated = set(role_contracts()[role].keys) if role in role_contracts() else set()
        unknown = sorted(map(str, set(obj) - set(_KEYS) - stated))
        if unknown:
            more = f"; a {role} table may also state {', '.join(sorted(stated))}" if stated else ""
            raise SourceError(f"{name}: unknown key(s) {unknown}; accepted: {', '.join(_KEYS)} ({_ONE_OF}){more}")
        where = [k for k in _WHERE if k in obj]
        if len(where) != 1:
            raise SourceError(f"{name}: give exactly {_ONE_OF}; got {where or 'none'}")
        given = obj.get("columns")
        if given is not None and not isinstance(given, Mapping):
            raise SourceError(f"{name}: columns: must map each role to your column name, e.g. columns: {{customer: "
                              f"cust_no, date: day}}; got a {type(given).__name__} ({shown(given)})")
        cols = dict(given or {})
        if not all(isinstance(v, str) for v in cols.values()):
            raise SourceError(f"{name}: columns must map each role to one column name; got {shown(cols)}")
        if columns:
            cols |= dict(columns)
        files: list[str] = []
        fmt = ""
        if "path" in obj:
            if not isinstance(obj["path"], str | os.PathLike) or not str(obj["path"]).strip():
                raise SourceError(f"{name}: path: must be a file name or glob, e.g. tx/*.parquet; got "
                                  f"{shown(obj['path'])}")
            if obj.get("format") is not None and obj["format"] not in ("parquet", "csv"):
                raise SourceError(f"{name}: format: must be parquet or csv; got {shown(obj['format'])}")
            files = _files(str(obj["path"]), base_dir, name)
            fmt = str(obj.get("format") or Path(files[0]).suffix.lstrip(".").lower())
            if fmt not in ("parquet", "csv"):
                raise SourceError(f"{name}: {os.path.basename(files[0])} is neither Parquet nor CSV; set format: "
                                  "parquet or csv")
            native = _read_files(files, fmt, name)
        elif "duckdb" in obj:
            spec = obj["duckdb"]
            if not isinstance(spec, Mapping) or not {"database", "table"} <= set(spec) \
                    or set(spec) - set(_DUCKDB_KEYS):
                raise SourceError(f"{name}: duckdb: takes exactly the keys {', '.join(_DUCKDB_KEYS)}, e.g. "
                                  f"{{database: file.duckdb, table: name}}; got {shown(spec)}")
            db = Path(spec["database"]) if os.path.isabs(spec["database"]) else base_dir / spec["database"]
            if not db.exists():
                raise SourceError(f"{name}: no DuckDB database {str(db)!r}")
            check_path(str(db), name)
            duckdb = _duckdb()
            try:
                con = duckdb.connect(str(db), read_only=True)
            except duckdb.Error as exc:
                raise SourceError(f"{name}: {db.name} is not a DuckDB database DuckDB can open: "
                                  f"{engine_message(exc)}") from None
            try:
                native = con.table(str(spec["table"]))
            except duckdb.Error:
                tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
                raise SourceError(f"{name}: no table {shown(spec['table'])} in {db.name}; it has "
                                  f"{_names(tables)}") from None
        else:
            native = _spark_read(obj, name, base_dir, spark)
        meta = {k: v for k, v in obj.items() if k in stated}
        features = obj.get("features")
        return Source(native, cols, name=name, role=role, features=features, files=tuple(files), file_format=fmt,
                      meta=meta)
    return Source(obj, dict(columns or {}), name=name, role=role)


def read_sources(path: str | os.PathLike[str], roles: Sequence[str] | None = None, *,
                 optional: Sequence[str] = (), check: bool = False,
                 needs: Mapping[str, Sequence[str]] | None = None, open_spark: bool = True,
                 rows: int | None = None) -> dict[str, Source]:
    """Read a data source file; check every role, file and column; return ``{role: Source}``.

    ``roles``: the roles the caller needs (a study's); a missing one is an error that lists them all.
    With ``check=True`` the tables of ``roles`` and ``optional`` (every table, when ``roles`` is None) are
    also checked against their contracts (:meth:`Source.check`): kinds, missing values, ranges, unique ids.

    Parameters
    ----------
    path : str or PathLike of str
        Data source file (YAML or JSON).
    roles : sequence of str or None, optional
        Roles the caller needs; None: every role in the file.
    optional : sequence of str, default ()
        Roles the caller uses when present (checked with ``check=True``).
    check : bool, default False
        Check the contents of those tables too, not only their columns.
    needs : mapping of str to sequence of str or None, optional
        With ``check=True``: per role, optional contract columns the caller needs (``{'transactions':
        ['amount']}``); missing, an error.
    open_spark : bool, default True
        Open the Spark tables the file names; False (a study's check before its kernel): their entries and the
        Spark settings are checked, no session is started, and they are left out of the result.
    rows : int or None, optional
        With ``check=True``: check only the first ``rows`` rows of each table (a study's check before its kernel
        passes :func:`crmresearch.sources.files.check_rows`, so its time and the bytes it reads do not grow with
        the table); a rule broken there is reported as "k of the first ``rows`` rows". None: whole tables.

    Raises
    ------
    SourceError
        A missing role, file or column.
    SchemaError
        With ``check=True``: the first contract rule a table breaks (its message names the file and role).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from crmresearch import sources
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({'cust_no': [1], 'day': ['2024-01-01'], 'amt': [9.5]}).to_csv(folder / 'tx.csv', index=False)
    >>> spec = 'transactions: {path: tx.csv, columns: {customer: cust_no, date: day, amount: amt}}'
    >>> _ = (folder / 'sources.yaml').write_text(spec)
    >>> sorted(sources.read_sources(folder / 'sources.yaml'))
    ['transactions']
    """
    path = Path(path)
    raw = _load(path)
    _file_keys(raw, path)  # name and currency: checked here, read by source_file
    spark = spark_settings(raw.pop("spark", None), path.name)
    for key in FILE_KEYS:
        raw.pop(key, None)
    unknown = sorted(set(raw) - set(ROLES))
    if unknown:
        raise SourceError(f"{path.name}: unknown role(s) {unknown}; roles: {', '.join(ROLES)} (and the keys "
                          f"{', '.join(FILE_KEYS)})")
    missing = [r for r in (roles or ()) if r not in raw]
    if missing:
        raise SourceError(f"{path.name}: missing role(s) {missing}; this study needs {list(roles or ())}")
    out, problems = {}, []
    for role, spec in raw.items():
        try:
            if not open_spark and isinstance(spec, Mapping) and ("spark_table" in spec or "spark" in spec):
                _spark_entry(spec, f"{path.name}: {role}", spark, path.parent)
                continue
            out[role] = as_source(spec, name=f"{path.name}: {role}", role=role, base=path.parent, spark=spark)
        except SourceError as exc:
            problems.append(str(exc))
    if problems:
        raise SourceError("; ".join(problems))
    if check:
        wanted = list(out) if roles is None else [*roles, *(r for r in optional if r not in roles)]
        for role in wanted:
            if role in out:
                out[role].check(need=(needs or {}).get(role, ()), rows=rows)
    return out


def spark_tables(path: str | os.PathLike[str]) -> dict[str, str]:
    """The roles of a data source file that name Spark tables, role -> table (or the path Spark reads; reads the
    file only).

    Parameters
    ----------
    path : str or PathLike
        The data source file (YAML).

    Returns
    -------
    dict of str to str
        Role -> Spark table name (``spark: {path: ...}``: the path).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import sources
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 's.yaml'
    >>> _ = f.write_text('calls: {spark_table: crm.calls}\\ntransactions: {path: tx.csv}\\n')
    >>> sources.spark_tables(f)
    {'calls': 'crm.calls'}
    """
    raw = _load(Path(path))
    out = {}
    for role, spec in raw.items():
        if role in FILE_KEYS or not isinstance(spec, Mapping):
            continue
        if "spark_table" in spec:
            out[role] = str(spec["spark_table"])
        elif isinstance(spec.get("spark"), Mapping):
            entry = spec["spark"]
            out[role] = str(entry.get("table") or entry.get("path") or "")
    return out


def _spark_entry(spec: Mapping[str, Any], name: str, spark: Mapping[str, Any], base: Path) -> None:
    """A Spark entry (``spark_table`` or ``spark:``) checked without a session: its keys, its columns and a Spark
    master named."""
    unknown = sorted(map(str, set(spec) - set(_KEYS)))
    if unknown:
        raise SourceError(f"{name}: unknown key(s) {unknown}; accepted: {', '.join(_KEYS)} ({_ONE_OF})")
    where = [k for k in _WHERE if k in spec]
    if len(where) != 1:
        raise SourceError(f"{name}: give exactly {_ONE_OF}; got {where}")
    given = spec.get("columns")
    if given is not None and (not isinstance(given, Mapping) or not all(isinstance(v, str) for v in given.values())):
        raise SourceError(f"{name}: columns: must map each role to your column name, e.g. columns: {{customer: "
                          f"cust_no, date: day}}; got {shown(given)}")
    if "spark" in spec:
        entry = _spark_entry_keys(spec["spark"], name)
        if "path" in entry:
            _spark_path(str(entry["path"]), base, name)
        spark_master(_entry_settings(spark, entry, name), name, str(entry.get("table") or entry.get("path")))
        return
    spark_master(spark, name, str(spec["spark_table"]))


def _load(path: Path) -> dict[str, Any]:
    """The data source file as a mapping (refused when missing, not YAML, or not a mapping)."""
    require("yaml", by="data source files (YAML)")
    import yaml

    if not path.is_file():
        raise SourceError(f"data source file {str(path)!r} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise SourceError(f"{path.name}: must map roles ({', '.join(ROLES)}) to tables")
    return raw


@dataclass(frozen=True)
class SourceFile:
    """What a data source file says about its data as a whole, beside its tables.

    Parameters
    ----------
    path : Path
        The file.
    name : str
        How figure titles, source lines and table rows name the data (``name:``; default: the file's name).
    currency : str or None, optional
        Currency of the amounts (``currency:``, e.g. ``EUR``); None: the file names none, and labels say
        "amount units" rather than a currency.

    Examples
    --------
    >>> from pathlib import Path
    >>> from crmresearch.sources import SourceFile
    >>> SourceFile(Path('sales.yaml'), 'sales.yaml').money, SourceFile(Path('s.yaml'), 'Shop', 'EUR').money
    ('amount units', 'EUR')
    """

    path: Path
    name: str
    currency: str | None = None

    @property
    def money(self) -> str:
        """The unit of amounts in labels: the currency, or ``'amount units'`` when the file names none."""
        return self.currency or "amount units"


def source_file(path: str | os.PathLike[str]) -> SourceFile:
    """The file-wide keys of a data source file (``name``, ``currency``), with their defaults.

    Parameters
    ----------
    path : str or PathLike of str
        Data source file (YAML or JSON).

    Returns
    -------
    SourceFile
        Its name (default: the file's name) and currency (default: None).

    Raises
    ------
    SourceError
        A missing or unreadable file, or a ``name`` / ``currency`` that is not a non-empty text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import sources
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 'shop.yaml'
    >>> _ = f.write_text('name: Shop 2024\\ncurrency: EUR\\ntransactions: {path: tx.csv}\\n')
    >>> s = sources.source_file(f); s.name, s.currency
    ('Shop 2024', 'EUR')
    """
    path = Path(path)
    return _file_keys(_load(path), path)


def _file_keys(raw: Mapping[str, Any], path: Path) -> SourceFile:
    values: dict[str, str | None] = {}
    for key in ("name", "currency"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise SourceError(f"{path.name}: '{key}' must be a non-empty text (e.g. {key}: "
                              f"{'Branch sales 2024' if key == 'name' else 'EUR'}); got {value!r}")
        values[key] = value.strip() if isinstance(value, str) else None
    return SourceFile(path, values["name"] or path.name, values["currency"])


def user_columns(path: str | os.PathLike[str]) -> dict[str, str]:
    """crmresearch's column name -> yours, for every column the ``columns:`` of a data source file rename
    (a name two roles map to different columns of yours is left out: a message could mean either).

    Reads the file only, not its tables; what a message about a renamed column uses to name both
    (:func:`crmresearch.schemas.name_user_columns`).

    Parameters
    ----------
    path : str or PathLike of str
        Data source file.

    Returns
    -------
    dict of str to str
        E.g. ``{'churned': 'Exited', 'customer_id': 'cid'}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import sources
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 's.yaml'
    >>> _ = f.write_text('customers: {path: c.csv, columns: {customer: cid, churned: Exited}}\\n')
    >>> sources.user_columns(f)
    {'customer_id': 'cid', 'churned': 'Exited'}
    """
    raw = _load(Path(path))
    found: dict[str, set[str]] = {}
    for role, spec in raw.items():
        contract = role_contracts().get(role)
        if contract is None or not isinstance(spec, Mapping) or not isinstance(spec.get("columns"), Mapping):
            continue
        names = contract.names()
        for column_role, actual in spec["columns"].items():
            ours = names.get(str(column_role), str(column_role))
            if isinstance(actual, str) and actual != ours:
                found.setdefault(ours, set()).add(actual)
    return {ours: next(iter(yours)) for ours, yours in found.items() if len(yours) == 1}
