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
    customers:    {path: customers.csv, columns: {customer: cust_no, region: area}}
    spells:       {duckdb: {database: bank.duckdb, table: spells}}
    calls:        {spark_table: crm.calls, observed_from: 2024-01-01, observed_to: 2024-03-31}
    spark:        {master: "local[2]"}        # optional: where Spark tables live (default: local[2])

``observed_from`` / ``observed_to`` (optional, dates, inclusive) say which days a table covers where
its rows cannot (the days of a call log without a single call).
Paths are relative to the YAML file. :func:`read_sources` checks every role, file and column before
anything heavy runs and raises :class:`SourceError` naming each problem; the roles, their columns and default
names come from the one contract table, :data:`crmresearch.schemas.CONTRACTS`, and with ``check=True`` (what a
study does before its kernel starts) the contents are checked against it as well.
"""

from __future__ import annotations

import glob as globmod
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._extras import require
from ..errors import SourceError
from ..schemas.contracts import CONTRACTS, DEFAULT_NAMES, role_contracts

__all__ = ["ROLES", "Source", "SourceError", "as_source", "read_sources"]


#: Roles a data source file may name, with the columns each role must provide (crmresearch names, mapped
#: from the user's with ``columns:``) and the default name of each: a view of
#: :data:`crmresearch.schemas.CONTRACTS`, where every column of every role is declared.
ROLES: dict[str, dict[str, str]] = {role: c.required() for role, c in role_contracts().items()}
_KEYS = {"path", "columns", "duckdb", "spark_table", "format", "observed_from", "observed_to"}
_WINDOW = ("observed_from", "observed_to")


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
    observed : mapping of str to Timestamp, optional
        The days the table covers, from a data-source entry's ``observed_from`` / ``observed_to`` keys.

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
    checked: dict[str, Any] = field(default_factory=dict, repr=False)  # what the last contract check saw
    observed: Mapping[str, Any] = field(default_factory=dict)  # observed_from / observed_to of the entry

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
            raise SourceError(f"{self.name}: missing column(s) {detail}; the table has {have[:15]}; map them with "
                              "columns: {role: your_column}")
        rename = {k: v for k, v in rename.items() if k != v}
        clash = [v for v in rename.values() if v in have and v not in rename]
        if clash:  # a column already holds a name the mapping gives to another: the mapping wins
            self._lazy = self._lazy.drop(*clash)
        self._lazy = self._lazy.rename(rename)

    @property
    def engine(self) -> str:
        """Where the table lives: ``pandas``, ``polars``, ``duckdb`` or ``spark``."""
        return _engine(self.native)

    def lazy(self) -> Any:
        """The table as a narwhals LazyFrame with crmresearch column names."""
        return self._lazy

    def schema(self) -> dict[str, Any]:
        return dict(self._lazy.collect_schema())

    def to_pandas(self) -> Any:
        """The whole table as pandas (small tables only: a survey, a campaign's cells)."""
        return self._lazy.collect(backend="pandas").to_native()

    def check(self, caller: str | None = None) -> Source:
        """Check the table against its role's contract (:data:`crmresearch.schemas.CONTRACTS`); return it.

        A role whose table-level work runs where the table lives (transactions, calls) is checked there, in
        one cheap pass (:func:`crmresearch.sources.aggregate.check_table`); the others come back as pandas and
        are checked by the same rules as :func:`crmresearch.schemas.validate` (text dates parsed, nothing kept).

        Parameters
        ----------
        caller : str or None, optional
            Name shown first in messages; None: the table's name (file and role).

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
        if contract.engine:
            from .aggregate import check_table

            check_table(self, self.role, caller=caller or self.name)
        else:
            from ..schemas.validate import _check_table

            _check_table(self.to_pandas(), contract, contract.names(), caller or self.name)
        return self


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - the extra is missing
        raise SourceError("files and DuckDB tables need the 'duckdb' extra: pip install 'crmresearch[duckdb]'") \
            from None
    return duckdb


def _files(spec: str, base: Path, name: str) -> list[str]:
    pattern = spec if os.path.isabs(spec) else str(base / spec)
    found = sorted(globmod.glob(pattern))
    if not found:
        raise SourceError(f"{name}: no file matches {spec!r} (from {base})")
    return found


def _read_files(files: list[str], fmt: str, name: str) -> Any:
    duckdb = _duckdb()
    con = duckdb.connect()
    try:  # no progress bars in logs (inside Jupyter DuckDB refuses the setting without ipywidgets)
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    # threads and memory: DuckDB's defaults (all cores, 80 % of RAM) unless set in the environment
    for setting, env in (("threads", "CRMRESEARCH_DUCKDB_THREADS"), ("memory_limit", "CRMRESEARCH_DUCKDB_MEMORY")):
        if os.environ.get(env):
            con.execute(f"SET {setting} = ?", [os.environ[env]])
    try:
        if fmt == "parquet":
            return con.read_parquet(files)
        return con.read_csv(files, header=True)
    except duckdb.Error as exc:
        raise SourceError(f"{name}: DuckDB cannot read {files[0]}{' ...' if len(files) > 1 else ''}: {exc}") from None


def _spark(settings: Mapping[str, Any] | None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - the extra is missing
        raise SourceError("Spark tables need the 'spark' extra: pip install 'crmresearch[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(str((settings or {}).get("master", "local[2]")))
    for k, v in ((settings or {}).get("config") or {}).items():
        builder = builder.config(str(k), str(v))
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def as_source(obj: Any, columns: Mapping[str, str] | None = None, *, name: str = "table",
              role: str | None = None, base: str | os.PathLike[str] | None = None,
              spark: Mapping[str, Any] | None = None) -> Source:
    """Name a table: a DataFrame / relation (kept where it is), a Parquet or CSV path or glob (read lazily by
    DuckDB), or a data-source entry ``{path: ..., columns: ...}``, ``{duckdb: {database, table}}``,
    ``{spark_table: name}``. Returns a checked :class:`Source`.

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
        Spark session settings for ``spark_table`` entries.

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
        unknown = sorted(set(obj) - _KEYS)
        if unknown:
            raise SourceError(f"{name}: unknown key(s) {unknown}; use path (with optional format), duckdb or "
                              "spark_table, columns, and optionally observed_from / observed_to")
        where = [k for k in ("path", "duckdb", "spark_table") if k in obj]
        if len(where) != 1:
            raise SourceError(f"{name}: give exactly one of path, duckdb or spark_table; got {where or 'none'}")
        cols = dict(obj.get("columns") or {})
        if not all(isinstance(v, str) for v in cols.values()):
            raise SourceError(f"{name}: columns must map each role to one column name; got {cols}")
        if columns:
            cols |= dict(columns)
        observed = {k: _window_day(obj[k], k, name) for k in _WINDOW if obj.get(k) is not None}
        if len(observed) == 2 and observed["observed_to"] < observed["observed_from"]:
            raise SourceError(f"{name}: observed_to ({observed['observed_to'].date()}) is before observed_from "
                              f"({observed['observed_from'].date()})")
        if "path" in obj:
            files = _files(str(obj["path"]), base_dir, name)
            fmt = str(obj.get("format") or Path(files[0]).suffix.lstrip(".").lower())
            if fmt not in ("parquet", "csv"):
                raise SourceError(f"{name}: {files[0]} is neither Parquet nor CSV; set format: parquet or csv")
            native = _read_files(files, fmt, name)
        elif "duckdb" in obj:
            spec = obj["duckdb"]
            if not isinstance(spec, Mapping) or not {"database", "table"} <= set(spec):
                raise SourceError(f"{name}: duckdb needs {{database: file.duckdb, table: name}}; got {spec!r}")
            db = Path(spec["database"]) if os.path.isabs(spec["database"]) else base_dir / spec["database"]
            if not db.is_file():
                raise SourceError(f"{name}: no DuckDB database {str(db)!r}")
            duckdb = _duckdb()
            con = duckdb.connect(str(db), read_only=True)
            try:
                native = con.table(str(spec["table"]))
            except duckdb.Error:
                tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
                raise SourceError(f"{name}: no table {spec['table']!r} in {db.name}; it has {tables}") from None
        else:
            session = _spark(spark)
            try:
                native = session.table(str(obj["spark_table"]))
            except Exception as exc:  # AnalysisException: table not found
                raise SourceError(f"{name}: Spark cannot read table {obj['spark_table']!r}: "
                                  f"{str(exc).splitlines()[0]}") from None
        return Source(native, cols, name=name, role=role, observed=observed)
    return Source(obj, dict(columns or {}), name=name, role=role)


def _window_day(value: Any, key: str, name: str) -> Any:
    """``observed_from`` / ``observed_to`` of a data-source entry as a Timestamp (midnight of that day)."""
    import pandas as pd

    try:
        day = pd.Timestamp(str(value)) if not isinstance(value, bool) else pd.NaT
    except ValueError:
        day = pd.NaT
    if pd.isna(day) or day != day.normalize():
        raise SourceError(f"{name}: {key} must be a date YYYY-MM-DD; got {value!r}")
    return day


def read_sources(path: str | os.PathLike[str], roles: Sequence[str] | None = None, *,
                 optional: Sequence[str] = (), check: bool = False) -> dict[str, Source]:
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
    require("yaml", by="data source files (YAML)")
    import yaml

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"data source file {str(path)!r} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise SourceError(f"{path.name}: must map roles ({', '.join(ROLES)}) to tables")
    spark = raw.pop("spark", None)
    unknown = sorted(set(raw) - set(ROLES))
    if unknown:
        raise SourceError(f"{path.name}: unknown role(s) {unknown}; roles: {', '.join(ROLES)}")
    missing = [r for r in (roles or ()) if r not in raw]
    if missing:
        raise SourceError(f"{path.name}: missing role(s) {missing}; this study needs {list(roles or ())}")
    out, problems = {}, []
    for role, spec in raw.items():
        try:
            out[role] = as_source(spec, name=f"{path.name}: {role}", role=role, base=path.parent, spark=spark)
        except SourceError as exc:
            problems.append(str(exc))
    if problems:
        raise SourceError("; ".join(problems))
    if check:
        wanted = list(out) if roles is None else [*roles, *(r for r in optional if r not in roles)]
        for role in wanted:
            if role in out:
                out[role].check()
    return out
