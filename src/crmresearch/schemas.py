"""Input contracts: the columns, types and rules every public function checks.

``validate(df, kind, **column_names)`` checks a table against the contract ``kind``
(``transactions``, ``customers``, ``spells``, ``survey``, ``tickets``, ``calls``) and returns
it with date columns parsed. A violation raises a :class:`SchemaError` subclass whose message
names the caller, the column, the rule, how many rows break it and the first row labels.

Column names are mapped by role: ``validate(tx, "transactions", customer="cust", date="day")``
checks a table whose customer id column is ``cust`` and date column is ``day``.

Cleaning never drops rows silently: :class:`RowAccount` records rows in, rows out and the
reason of every step, and is shown in the notebooks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ValidationError

__all__ = [
    "CONTRACTS",
    "Column",
    "Contract",
    "DateParseError",
    "DtypeError",
    "DuplicateIdError",
    "DuplicateRowError",
    "EmptyTableError",
    "FutureDateError",
    "MissingColumnError",
    "MissingValueError",
    "OrderError",
    "RangeError",
    "RowAccount",
    "SchemaError",
    "as_binary",
    "as_date",
    "as_numbers",
    "date_column",
    "handle_duplicates",
    "latest_date",
    "validate",
]


class SchemaError(ValidationError):
    """A table breaks its input contract.

    Examples
    --------
    >>> from crmresearch import schemas, ValidationError
    >>> issubclass(schemas.SchemaError, ValidationError)
    True
    """


class MissingColumnError(SchemaError):
    """A required column is absent.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.MissingColumnError, schemas.SchemaError)
    True
    """


class EmptyTableError(SchemaError):
    """The table has no rows.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.EmptyTableError, schemas.SchemaError)
    True
    """


class DtypeError(SchemaError):
    """A column has values of the wrong type (text where numbers are required...).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.DtypeError, schemas.SchemaError)
    True
    """


class DateParseError(DtypeError):
    """A date column has values that cannot be read as dates.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.DateParseError, schemas.DtypeError)
    True
    """


class MissingValueError(SchemaError):
    """A required value is missing (NaN / None / NaT).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.MissingValueError, schemas.SchemaError)
    True
    """


class RangeError(SchemaError):
    """Values outside the allowed range (negative amount, Likert outside the scale...).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.RangeError, schemas.SchemaError)
    True
    """


class OrderError(SchemaError):
    """Two date columns in the wrong order (end before start, resolved before created).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.OrderError, schemas.SchemaError)
    True
    """


class DuplicateIdError(SchemaError):
    """Ids that must be unique are repeated.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.DuplicateIdError, schemas.SchemaError)
    True
    """


class DuplicateRowError(SchemaError):
    """Rows repeated in every column (double-loaded transactions...).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.DuplicateRowError, schemas.SchemaError)
    True
    """


class FutureDateError(SchemaError):
    """Dates after the ``as_of`` date of the analysis.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> issubclass(schemas.FutureDateError, schemas.SchemaError)
    True
    """


@dataclass(frozen=True)
class Column:
    """One column of a contract, addressed by its ``role``.

    ``kind``: ``id`` (any hashable, not missing), ``datetime``, ``number`` (float),
    ``integer``, ``bool``, ``event`` (0/1 or bool), ``category`` (any labels).

    Parameters
    ----------
    role : str
        Name of the column in crmresearch (``customer_id``, ``date``...); a user maps theirs to it.
    kind : str
        ``'id'``, ``'datetime'``, ``'number'``, ``'integer'``, ``'bool'``, ``'event'`` or ``'category'``.
    required : bool, default True
        The column must be present.
    nullable : bool, default False
        Missing values are allowed.
    low : float or None, optional
        Smallest allowed value; None: no bound.
    high : float or None, optional
        Largest allowed value; None: no bound.
    unique : bool, default False
        Values must not repeat.
    unit : str, default ''
        Unit, shown in messages and docs.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.Column('amount', 'number', low=0).kind
    'number'
    """

    role: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    unique: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Contract:
    """The columns of one input kind and its cross-column rules ``(earlier, later)``.

    Parameters
    ----------
    kind : str
        Input kind (``transactions``, ``customers``, ``spells``...).
    columns : tuple of Column
        Its columns.
    ordered : tuple of tuple (str, str), default ()
        Pairs of datetime roles that must be in order (earlier, later) on every row.
    description : str, default ''
        What one row is.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> c = schemas.Contract('payments', (schemas.Column('customer', 'id'), schemas.Column('amount', 'number', low=0)))
    >>> [col.role for col in c.columns]
    ['customer', 'amount']
    """

    kind: str
    columns: tuple[Column, ...]
    ordered: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def roles(self) -> list[str]:
        return [c.role for c in self.columns]


CONTRACTS: dict[str, Contract] = {
    "transactions": Contract(
        "transactions",
        (Column("customer", "id"), Column("date", "datetime"),
         Column("amount", "number", low=0.0, unit="currency")),
        description="one row per purchase or account transaction",
    ),
    "amounts": Contract(
        "amounts",
        (Column("customer", "id"), Column("amount", "number", low=0.0, unit="currency")),
        description="one row per transaction, dates not needed (customer totals)",
    ),
    "customers": Contract(
        "customers",
        (Column("customer", "id", unique=True),),
        description="one row per customer; other columns are free",
    ),
    "spells": Contract(
        "spells",
        (Column("customer", "id"), Column("start", "datetime"),
         Column("end", "datetime", nullable=True)),
        ordered=(("start", "end"),),
        description="relationship spells; end missing while the customer is active",
    ),
    "survey": Contract(
        "survey",
        (Column("respondent", "id", required=False, unique=True),),
        description="one row per respondent; item columns on a Likert scale",
    ),
    "tickets": Contract(
        "tickets",
        (Column("ticket", "id", unique=True), Column("created", "datetime"),
         Column("responded", "datetime", required=False, nullable=True),
         Column("on_site", "datetime", required=False, nullable=True),
         Column("resolved", "datetime", nullable=True)),
        ordered=(("created", "responded"), ("created", "on_site"), ("created", "resolved"),
                 ("responded", "resolved")),
        description="service requests; missing timestamps mean 'not yet' (censored)",
    ),
    "calls": Contract(
        "calls",
        (Column("interval", "datetime", unique=True), Column("calls", "integer", low=0)),
        description="call arrivals per interval",
    ),
}

#: Default column name of each role (override by keyword: ``customer="cust_id"``).
DEFAULT_NAMES: dict[str, str] = {
    "customer": "customer_id", "date": "date", "amount": "amount", "start": "start",
    "end": "end", "respondent": "respondent_id", "ticket": "ticket_id", "created": "created",
    "responded": "responded", "on_site": "on_site", "resolved": "resolved",
    "interval": "interval_start", "calls": "calls",
}


def _first(labels: pd.Index, n: int = 5) -> str:
    return ", ".join(map(str, labels[:n])) + (", ..." if len(labels) > n else "")


def _fail(cls: type[SchemaError], caller: str, column: str, bad: pd.Series, n_rows: int,
          rule: str, remedy: str = "") -> SchemaError:
    labels = bad.index[bad.to_numpy()]
    msg = (f"{caller}: column '{column}': {int(bad.sum())} of {n_rows} rows {rule} "
           f"(first rows: {_first(labels)})")
    return cls(msg + (f"; {remedy}" if remedy else ""))


_ISO = r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"


_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T].*)?$"


def _as_datetime(s: pd.Series, caller: str, column: str, nullable: bool,
                 date_format: str | None = None) -> pd.Series:
    """Parse a date column. ISO dates (2024-03-31) and ``date_format`` are read as they are; other
    text must read the same day-first and month-first, or only one way: '03/02/2024' alone is
    ambiguous and an error, while '13/02/2024' shows the column is day-first (said in a warning)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    present = s.notna()

    def parse(**kw: Any) -> pd.Series:
        try:
            return pd.to_datetime(s, errors="coerce", **kw)
        except (ValueError, TypeError) as exc:  # e.g. mixed time zones
            raise DateParseError(f"{caller}: column '{column}': {present.sum()} dates cannot be read together "
                                 f"({exc}); convert them to one time zone first, e.g. pd.to_datetime(..., utc=True)"
                                 ) from None

    if date_format is not None:
        parsed = parse(format=date_format)
        how = f"format {date_format!r}"
    elif s.dtype == object and present.any() and not s[present].map(lambda v: isinstance(v, str)).all():
        parsed = parse(format="mixed")  # Timestamps, datetimes or numbers stored as objects
        how = "as given"
    elif s[present].astype(str).str.match(_ISO).all():
        parsed = parse(format="ISO8601")
        how = "ISO 8601"
    else:
        text = s[present].astype(str)
        parts = text.str.extract(_NUMERIC_DATE)
        numeric = parts.notna().all(axis=1)
        if numeric.any():
            a, b = parts.loc[numeric, 0].astype(int), parts.loc[numeric, 1].astype(int)
            day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
            if day_first and month_first:
                raise _fail(DateParseError, caller, column, s.index.isin(a.index[a > 12]) & s.notna(), len(s),
                            "are day-first while others are month-first", "store one date format (ISO: 2024-03-31)")
            if not (day_first or month_first) and (a != b).any():
                amb = s.index.isin(a.index[a != b])
                raise _fail(DateParseError, caller, column, pd.Series(amb, index=s.index), len(s),
                            f"are ambiguous dates ({s[amb].iloc[0]!r} is day {a[a != b].iloc[0]} or month "
                            f"{a[a != b].iloc[0]})",
                            "pass date_format='%d/%m/%Y' or '%m/%d/%Y', or store ISO dates (2024-03-31)")
            how = "day-first" if day_first else "month-first"
            if day_first or month_first:
                import warnings

                from .errors import DataWarning

                example = text[numeric][(a > 12) if day_first else (b > 12)].iloc[0]
                warnings.warn(f"{caller}: column '{column}' read {how} (dd/mm/yyyy)" if day_first else
                              f"{caller}: column '{column}' read {how} (mm/dd/yyyy)", DataWarning, stacklevel=4)
                how += f", as {example!r} shows"
            parsed = parse(format="mixed", dayfirst=day_first)
        else:
            parsed, how = parse(format="mixed"), "free text"
    bad = parsed.isna() & present
    if bad.any():
        raise _fail(DateParseError, caller, column, bad, len(s), f"cannot be read as dates ({how})",
                    "use ISO dates such as 2024-03-31, or pass date_format")
    return parsed


def _compare_as_of(s: pd.Series, as_of: pd.Timestamp, caller: str, column: str) -> pd.Timestamp:
    """``as_of`` in the time zone convention of ``s`` (both naive or both aware), or a clear error."""
    tz = getattr(s.dt, "tz", None)
    if (tz is None) == (as_of.tz is None):
        return as_of
    if tz is not None:
        raise ValidationError(f"{caller}: column '{column}' has time zone {tz} but as_of = {as_of} has none; pass "
                              f"as_of with a time zone (e.g. '{as_of.date()} 00:00+00:00') or drop the zone with "
                              ".dt.tz_convert(None)")
    raise ValidationError(f"{caller}: column '{column}' has no time zone but as_of = {as_of} has one ({as_of.tz}); "
                          "pass a naive as_of or localise the column with .dt.tz_localize(...)")


def _check_column(df: pd.DataFrame, col: Column, name: str, caller: str,
                  as_of: pd.Timestamp | None, date_format: str | None = None) -> pd.Series:
    s = df[name]
    n = len(s)
    missing = s.isna()
    if missing.any() and not col.nullable:
        raise _fail(MissingValueError, caller, name, missing, n, "are missing",
                    "fill them or drop those rows explicitly (schemas.RowAccount.drop)")
    if col.kind == "datetime":
        s = _as_datetime(s, caller, name, col.nullable, date_format)
        if as_of is not None:
            future = s > _compare_as_of(s, as_of, caller, name)
            if future.any():
                raise _fail(FutureDateError, caller, name, future, n,
                            f"are after as_of = {as_of.date()}", "check the as_of date or the data")
    elif col.kind in ("number", "integer"):
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            coerced = pd.to_numeric(s, errors="coerce")
            bad = coerced.isna() & s.notna()
            raise _fail(DtypeError, caller, name, bad if bad.any() else s.notna(), n,
                        f"are not numbers (dtype {s.dtype})", "convert the column with pd.to_numeric")
        inf = pd.Series(np.isinf(s.to_numpy(dtype=float, na_value=np.nan)), index=s.index)
        if inf.any():
            raise _fail(RangeError, caller, name, inf, n, "are infinite", "fix or remove those rows explicitly")
        if col.kind == "integer":
            frac = s.notna() & (s != np.floor(s))
            if frac.any():
                raise _fail(DtypeError, caller, name, frac, n, "are not whole numbers")
        if col.low is not None:
            low = s < col.low
            if low.any():
                raise _fail(RangeError, caller, name, low, n, f"are below {col.low:g}"
                            + (" (negative)" if col.low == 0 else ""))
        if col.high is not None:
            high = s > col.high
            if high.any():
                raise _fail(RangeError, caller, name, high, n, f"are above {col.high:g}")
    elif col.kind == "event":
        ok = s.isin([0, 1, True, False])
        if not ok.all():
            raise _fail(RangeError, caller, name, ~ok, n, "are not 0/1 (event indicator)",
                        "code the event as 1 = happened, 0 = censored")
    if col.unique:
        dup = s.duplicated(keep=False) & s.notna()
        if dup.any():
            raise _fail(DuplicateIdError, caller, name, dup, n,
                        f"repeat an id that must be unique ({int(s[dup].nunique())} distinct ids)")
    return s


def validate(
    df: pd.DataFrame,
    kind: str,
    *,
    as_of: Any = None,
    items: Sequence[str] | None = None,
    scale: tuple[float, float] | None = None,
    caller: str | None = None,
    date_format: str | None = None,
    **column_names: str,
) -> pd.DataFrame:
    """Check ``df`` against the input contract ``kind``; return it with dates parsed.

    Parameters
    ----------
    df : DataFrame
    kind : {"transactions", "amounts", "customers", "spells", "survey", "tickets", "calls"}
    as_of : date-like, optional
        Dates after it are an error (data from the future of the analysis).
    items, scale : for ``kind="survey"``: the item columns and the Likert scale ``(low, high)``.
    caller : str, optional
        Name of the calling function, shown first in error messages.
    date_format : str, optional
        strftime format of text dates (e.g. ``"%d/%m/%Y"``). Without it ISO dates are read as such;
        other text must be unambiguous (see ``_as_datetime``).
    **column_names : str
        Actual column name per role, e.g. ``customer="cust_id"``; defaults in ``DEFAULT_NAMES``.

    Returns
    -------
    DataFrame
        ``df`` itself when nothing needed parsing; otherwise a copy with date columns as
        datetime64.

    Raises
    ------
    EmptyTableError, MissingColumnError, DtypeError, DateParseError, MissingValueError,
    RangeError, OrderError, DuplicateIdError, FutureDateError (all :class:`SchemaError`,
    which is a ``ValueError``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> tx = pd.DataFrame({'customer_id': [1, 2], 'date': ['2024-01-01', '2024-01-02'], 'amount': [5.0, 7.0]})
    >>> schemas.validate(tx, 'transactions')['date'].dtype.kind   # dates parsed, amounts checked
    'M'
    """
    try:
        contract = CONTRACTS[kind]
    except KeyError:
        raise ValidationError(f"validate: unknown kind {kind!r}; known: {', '.join(CONTRACTS)}") from None
    caller = caller or f"validate[{kind}]"
    unknown = set(column_names) - set(contract.roles())
    if unknown:
        raise ValidationError(f"{caller}: unknown column role(s) {sorted(unknown)} for kind "
                              f"'{kind}'; roles: {contract.roles()}")
    if not isinstance(df, pd.DataFrame):
        raise ValidationError(f"{caller}: expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise EmptyTableError(f"{caller}: the {kind} table is empty (0 rows)")
    names = {c.role: column_names.get(c.role, DEFAULT_NAMES.get(c.role, c.role))
             for c in contract.columns}
    absent = [names[c.role] for c in contract.columns if c.required and names[c.role] not in df.columns]
    if absent:
        raise MissingColumnError(
            f"{caller}: missing column(s) {absent} of the {kind} contract; the table has "
            f"{list(df.columns)[:12]}; pass the actual name, e.g. "
            f"{contract.columns[0].role}='your_column'")
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    parsed: dict[str, pd.Series] = {}
    for col in contract.columns:
        name = names[col.role]
        if name not in df.columns:
            continue
        s = _check_column(df, col, name, caller, as_of_ts, date_format)
        if s is not df[name]:
            parsed[name] = s
    out = df.assign(**parsed) if parsed else df
    for early, late in contract.ordered:
        a, b = names[early], names[late]
        if a in out.columns and b in out.columns:
            wrong = (out[b] < out[a]).fillna(False)
            if wrong.any():
                raise _fail(OrderError, caller, b, wrong, len(out), f"are before '{a}'",
                            f"'{b}' must not precede '{a}'")
    if kind == "survey":
        _check_items(out, items, scale, caller)
    return out


def _check_items(df: pd.DataFrame, items: Sequence[str] | None, scale: tuple[float, float] | None,
                 caller: str) -> None:
    if not items:
        raise ValidationError(f"{caller}: survey validation needs the item columns (items=[...])")
    absent = [c for c in items if c not in df.columns]
    if absent:
        raise MissingColumnError(f"{caller}: missing item column(s) {absent}")
    counts = {c: int(df[c].isna().sum()) for c in items if df[c].isna().any()}
    if counts:
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise MissingValueError(f"{caller}: missing answers per item ({detail}) of {len(df)} "
                                "respondents; impute or use listwise deletion with row accounting")
    for c in items:
        s = df[c]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
            if not bad.any():  # every value reads as a number, but the column is text
                raise DtypeError(f"{caller}: column '{c}' holds numbers stored as text (dtype {s.dtype}, "
                                 f"e.g. {s.dropna().iloc[0]!r} in all {len(df)} rows); convert it with "
                                 "pd.to_numeric before validating")
            raise _fail(DtypeError, caller, c, bad, len(df),
                        f"are not numbers (dtype {s.dtype})", "Likert answers must be numeric")
        if scale is not None:
            lo, hi = scale
            out = (s < lo) | (s > hi)
            if out.any():
                raise _fail(RangeError, caller, c, out, len(df),
                            f"are outside the Likert scale {lo:g}..{hi:g}")


@dataclass
class RowAccount:
    """Rows in / rows out / reason of every cleaning step of one table.

    >>> acct = RowAccount("transactions", 100)
    >>> df = acct.drop(df, df["amount"] < 0, "negative amount (refunds)")   # doctest: +SKIP
    >>> acct.table()                                                        # doctest: +SKIP

    Parameters
    ----------
    table_name : str
        Name of the table (in messages).
    rows : int
        Rows read.
    steps : list of dict of str to object, default <factory>
        Recorded steps: step, rows_in, rows_out, dropped, reason.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> acct = schemas.RowAccount('transactions', 3)
    >>> df = acct.drop(pd.DataFrame({'amount': [5.0, -2.0, 7.0]}), [False, True, False], 'negative amount (refunds)')
    >>> acct.table()[['step', 'rows_in', 'rows_out', 'dropped']].values.tolist()
    [['negative amount (refunds)', 3, 2, 1]]
    """

    table_name: str
    rows: int
    steps: list[dict[str, Any]] = field(default_factory=list)

    def drop(self, df: pd.DataFrame, mask: pd.Series | np.ndarray, reason: str) -> pd.DataFrame:
        """Drop the rows where ``mask`` is True and record the step.

        Parameters
        ----------
        df : DataFrame
            The table.
        mask : Series or ndarray
            True for the rows to drop.
        reason : str
            Why, in words (shown in the account).

        Returns
        -------
        DataFrame
            The rows kept.
        """
        mask = np.asarray(mask, dtype=bool)
        out = df.loc[~mask]
        self.steps.append({"step": reason, "rows_in": len(df), "rows_out": len(out),
                           "dropped": int(mask.sum())})
        self.rows = len(out)
        return out

    def note(self, reason: str, rows_in: int, rows_out: int) -> None:
        """Record a step done elsewhere (aggregation, a join...).

        Parameters
        ----------
        reason : str
            The step, in words.
        rows_in : int
            Rows before.
        rows_out : int
            Rows after.
        """
        self.steps.append({"step": reason, "rows_in": rows_in, "rows_out": rows_out,
                           "dropped": rows_in - rows_out})
        self.rows = rows_out

    def table(self) -> pd.DataFrame:
        """The steps as a DataFrame: table, step, rows_in, rows_out, dropped."""
        cols = ["table", "step", "rows_in", "rows_out", "dropped"]
        return pd.DataFrame([{"table": self.table_name, **s} for s in self.steps], columns=cols)

    def _repr_html_(self) -> str:  # shown in notebooks
        return self.table().to_html(index=False)


def check_columns(df: pd.DataFrame, columns: Mapping[str, str] | Sequence[str], caller: str) -> None:
    """Raise :class:`MissingColumnError` naming every absent column."""
    cols = list(columns.values()) if isinstance(columns, Mapping) else list(columns)
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise MissingColumnError(f"{caller}: missing column(s) {absent}; the table has "
                                 f"{list(df.columns)[:12]}")




def handle_duplicates(df: pd.DataFrame, columns: Sequence[str], how: str, account: RowAccount,
                      caller: str) -> pd.DataFrame:
    """Rows repeated in every one of ``columns``: ``how="keep"`` keeps them and says so (a
    :class:`~crmresearch.errors.DataWarning` and a row-account step), ``"drop"`` drops the repeats
    (first copy kept, step recorded), ``"error"`` raises :class:`DuplicateRowError`.

    Parameters
    ----------
    df : DataFrame
        The table.
    columns : sequence of str
        Columns that define a repeat.
    how : str
        ``'keep'``, ``'drop'`` or ``'error'``.
    account : RowAccount
        Row account that records the step.
    caller : str
        Name used in messages.

    Returns
    -------
    DataFrame
        The table (repeats dropped with ``how='drop'``).

    Raises
    ------
    DuplicateRowError
        With ``how='error'`` when rows repeat; the message counts them.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> df = pd.DataFrame({'customer_id': [1, 1], 'amount': [5.0, 5.0]}); acct = schemas.RowAccount('transactions', 2)
    >>> kept = schemas.handle_duplicates(df, ['customer_id', 'amount'], 'drop', acct, 'example')
    >>> len(kept), acct.table()['dropped'].tolist()
    (1, [1])
    """
    if how not in ("keep", "drop", "error"):
        raise ValidationError(f"{caller}: duplicates must be 'keep', 'drop' or 'error'; got {how!r}")
    dup = df.duplicated(subset=list(columns), keep="first")
    n = int(dup.sum())
    if how == "drop":
        return account.drop(df, dup.to_numpy(), f"fully duplicated rows dropped ({', '.join(columns)} equal)")
    if n == 0:
        return df
    first = _first(df.index[dup.to_numpy()])
    message = (f"{caller}: {n} of {len(df)} rows repeat an earlier row in every column ({', '.join(columns)}; "
               f"first rows: {first})")
    if how == "error":
        raise DuplicateRowError(message + "; pass duplicates='drop' to drop them or 'keep' to count them")
    import warnings

    from .errors import DataWarning

    warnings.warn(message + "; kept and counted (pass duplicates='drop' to drop them)", DataWarning, stacklevel=3)
    account.note(f"{n} fully duplicated rows kept (duplicates='keep')", len(df), len(df))
    return df


def as_date(value: Any, name: str, caller: str) -> pd.Timestamp:
    """One date given as a parameter (an as-of date, a split, a snapshot), read or refused by name.

    Parameters
    ----------
    value : str, date or Timestamp
        The date, e.g. ``'2024-06-30'``.
    name : str
        Parameter name, for the message.
    caller : str
        Name of the public function, for the message.

    Returns
    -------
    Timestamp
        The date.

    Raises
    ------
    DateParseError
        When ``value`` is missing or not a date.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.as_date('2024-06-30', 'as_of', 'activity_status').day
    30
    >>> try:
    ...     schemas.as_date('mid-June', 'as_of', 'activity_status')
    ... except schemas.DateParseError as err:
    ...     print(err)
    activity_status: as_of 'mid-June' is not a date; give it as YYYY-MM-DD, e.g. '2024-06-30'
    """
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise DateParseError(f"{caller}: {name} {value!r} is not a date; give it as YYYY-MM-DD, e.g. '2024-06-30'")
    return ts


def as_binary(values: Any, name: str, caller: str, unit: str = "rows") -> np.ndarray:
    """0/1 outcomes or labels as an int array; anything else (missing, 0.7, 'yes') is refused, never truncated.

    Parameters
    ----------
    values : array-like
        0/1 numbers or booleans.
    name : str
        What the values are, for the message (e.g. ``"column 'churn'"``).
    caller : str
        Name of the public function, for the message.
    unit : str, default 'rows'
        What one value is, for the count in the message.

    Returns
    -------
    ndarray of int
        The values as 0 and 1, in their shape.

    Raises
    ------
    ValidationError
        When some values are not 0/1 or boolean; the message counts them and shows the first.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.as_binary([True, 0, 1.0], 'y', 'lift_table').tolist()
    [1, 0, 1]
    >>> try:
    ...     schemas.as_binary([1, 0.7, None], 'y', 'lift_table', unit='labels')
    ... except schemas.ValidationError as err:
    ...     print(err)
    lift_table: y must be 0/1 or boolean; 2 of 3 labels are not (first: [0.7, None])
    """
    raw = np.asarray(values, dtype=object)
    flat = pd.Series(raw.ravel())
    numbers = pd.to_numeric(flat.map(lambda v: int(v) if isinstance(v, bool | np.bool_) else v), errors="coerce")
    bad = ~numbers.isin([0, 1])
    if bad.any():
        raise ValidationError(f"{caller}: {name} must be 0/1 or boolean; {int(bad.sum())} of {len(flat)} {unit} are "
                              f"not (first: {flat[bad].head(3).tolist()})")
    return numbers.to_numpy(dtype=int).reshape(raw.shape)


def as_numbers(values: Any, name: str, caller: str) -> np.ndarray:
    """``values`` as a float array, or a :class:`ValidationError` counting the values that are not numbers.

    Parameters
    ----------
    values : array-like
        Numbers (bools count as 0/1; missing values stay NaN for the caller to judge).
    name : str
        What the values are, for the message.
    caller : str
        Name of the public function, for the message.

    Returns
    -------
    ndarray
        The values as floats, in their shape.

    Raises
    ------
    ValidationError
        When some values are text or other objects that do not read as numbers.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.as_numbers([1, 2.5, True], 'scores', 'lift_table').tolist()
    [1.0, 2.5, 1.0]
    >>> try:
    ...     schemas.as_numbers([1, 'high', None], 'scores', 'lift_table')
    ... except schemas.ValidationError as err:
    ...     print(err)
    lift_table: scores must be numbers; 1 of 3 values are not (first: ['high'])
    """
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        flat = pd.Series(np.asarray(values, dtype=object).ravel())
        bad = pd.to_numeric(flat, errors="coerce").isna() & flat.notna()
        raise ValidationError(f"{caller}: {name} must be numbers; {int(bad.sum())} of {len(flat)} values are not "
                              f"(first: {flat[bad].head(3).tolist()})") from None


def date_column(df: pd.DataFrame, column: str, caller: str, nullable: bool = False) -> pd.Series:
    """A date column read by the contract rules (ISO dates; ambiguous day/month orders refused).

    Parameters
    ----------
    df : DataFrame
        The table.
    column : str
        The date column.
    caller : str
        Name of the public function, for the message.
    nullable : bool, default False
        Allow missing dates (kept as NaT).

    Returns
    -------
    Series
        The column as datetime64.

    Raises
    ------
    ValidationError
        A missing column, text that is not a date, or (unless ``nullable``) missing dates; counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> schemas.date_column(pd.DataFrame({'day': ['2024-01-31', '2024-02-01']}), 'day', 'busy_hour').dt.month.tolist()
    [1, 2]
    """
    if column not in df.columns:
        raise MissingColumnError(f"{caller}: missing column '{column}'; the table has {list(df.columns)}")
    parsed = _as_datetime(df[column], caller, column, nullable)
    if not nullable and parsed.isna().any():
        raise _fail(MissingValueError, caller, column, parsed.isna(), len(df), "have no date",
                    "fill or drop them first (nothing is dropped here)")
    return parsed


def latest_date(df: pd.DataFrame, columns: Sequence[str], caller: str = "latest_date") -> pd.Timestamp:
    """The latest readable timestamp in any of ``columns`` that ``df`` has (a table's natural as-of
    date: spells' start/end, tickets' milestones).

    Parameters
    ----------
    df : DataFrame
        The table.
    columns : sequence of str
        Date columns to look in (absent ones are skipped).
    caller : str, default 'latest_date'
        Name used in messages.

    Returns
    -------
    Timestamp
        The latest timestamp.

    Raises
    ------
    ValidationError
        When none of ``columns`` is in the table or none holds a readable date.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> df = pd.DataFrame({'opened': pd.to_datetime(['2024-01-05', '2024-02-01']),
    ...                    'closed': pd.to_datetime(['2024-01-09', None])})
    >>> str(schemas.latest_date(df, ['opened', 'closed']).date())
    '2024-02-01'
    """
    present = [c for c in columns if c in df.columns]
    if not present:
        raise ValidationError(f"{caller}: none of the columns {list(columns)} is in the table")
    latest = max(pd.to_datetime(df[c], errors="coerce").max() for c in present)
    if pd.isna(latest):
        raise ValidationError(f"{caller}: the table has no readable date in {present}")
    return pd.Timestamp(latest)
