"""``validate(df, kind, **column_names)``: a table checked against its contract, dates parsed;
and :class:`RowAccount`, the record of rows in, rows out and the reason of every cleaning step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (  # sib
    DtypeError,
    DuplicateIdError,
    DuplicateRowError,
    EmptyTableError,
    FutureDateError,
    MissingColumnError,
    MissingValueError,
    OrderError,
    RangeError,
    SchemaError,
    ValidationError,
)
from .checks import _as_datetime, _compare_as_of, _fail, _first, after_as_of, column_label  # sib
from .contracts import CONTRACTS, Column, Contract  # sib

__all__ = ["RowAccount", "handle_duplicates", "validate"]


def _check_column(df: pd.DataFrame, col: Column, name: str, caller: str,
                  as_of: pd.Timestamp | None, date_format: str | None = None, user: str | None = None) -> pd.Series:
    """The rules of ``col`` on ``df[name]``; ``user``: the user's name of the column (messages name both)."""
    s = df[name]
    n = len(s)
    missing = s.isna()
    if missing.any() and not col.nullable:
        raise _fail(MissingValueError, caller, name, missing, n, "are missing",
                    "fill them or drop those rows explicitly (schemas.RowAccount.drop)", user=user)
    if col.kind == "datetime":
        s = _as_datetime(s, caller, name, col.nullable, date_format, user)
        if as_of is not None:
            future = after_as_of(s, _compare_as_of(s, as_of, caller, name, user))
            if future.any():
                raise _fail(FutureDateError, caller, name, future, n,
                            f"are after as_of = {as_of.date()}", "check the as_of date or the data", user=user)
    elif col.kind in ("number", "integer"):
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            coerced = pd.to_numeric(s, errors="coerce")
            bad = coerced.isna() & s.notna()
            raise _fail(DtypeError, caller, name, bad if bad.any() else s.notna(), n,
                        f"are not numbers (dtype {s.dtype})", "convert the column with pd.to_numeric", user=user)
        inf = pd.Series(np.isinf(s.to_numpy(dtype=float, na_value=np.nan)), index=s.index)
        if inf.any():
            raise _fail(RangeError, caller, name, inf, n, "are infinite", "fix or remove those rows explicitly",
                        user=user)
        if col.kind == "integer":
            frac = s.notna() & (s != np.floor(s))
            if frac.any():
                raise _fail(DtypeError, caller, name, frac, n, "are not whole numbers", user=user)
        if col.low is not None:
            low = s < col.low
            if low.any():
                raise _fail(RangeError, caller, name, low, n, f"are below {col.low:g}"
                            + (" (negative)" if col.low == 0 else ""), col.advice("range"), user=user)
        if col.high is not None:
            high = s > col.high
            if high.any():
                raise _fail(RangeError, caller, name, high, n, f"are above {col.high:g}", col.advice("range"),
                            user=user)
    elif col.kind in ("event", "bool"):
        ok = s.isin([0, 1, True, False]) | (s.isna() & col.nullable)
        if not ok.all():
            values = ", ".join(map(str, pd.unique(s[~ok])[:3]))
            raise _fail(RangeError, caller, name, ~ok, n, f"are not 0/1 (values such as {values})",
                        col.advice("binary"), user=user)
    if col.unique:
        dup = s.duplicated(keep=False) & s.notna()
        if dup.any():
            ids = pd.Index(pd.unique(s[dup]))
            try:
                ids = ids.sort_values()
            except TypeError:  # ids of mixed types: in the order they come
                pass
            raise _fail(DuplicateIdError, caller, name, dup, n,
                        f"repeat an id that must be unique ({len(ids)} distinct ids, first: {_first(ids)})",
                        "keep one row per id", user=user)
    present = s.dropna()
    if col.varies and len(present) and present.nunique() < 2:
        raise SchemaError(f"{caller}: column {column_label(name, user)} holds one value only ({present.iloc[0]} in all "
                          f"{len(present)} rows); {col.advice('varies')}")
    return s


def _check_table(df: pd.DataFrame, contract: Contract, names: Mapping[str, str], caller: str,
                 as_of: pd.Timestamp | None = None, date_format: str | None = None,
                 need: Sequence[str] = (), users: Mapping[str, str] | None = None,
                 shape: str = "") -> pd.DataFrame:
    """The rules of ``contract`` on ``df`` (its columns named by ``names``: role -> column); dates parsed.
    ``need``: optional roles the caller needs all the same (missing: an error like a required column);
    ``users``: column -> the user's name of it, for a table a data source file renamed (messages name both);
    ``shape``: the one of the contract's alternative sets of columns the caller needs ('' = any)."""
    users = users or {}
    if len(df) == 0:
        raise EmptyTableError(f"{caller}: the {contract.kind} table is empty (0 rows)")
    absent = [names[c.role] for c in contract.columns
              if (c.required or c.role in need) and names[c.role] not in df.columns]
    optional = [names[c.role] for c in contract.columns if not c.required and c.role in need
                and names[c.role] in absent]
    if not absent and contract.shapes:  # one of its alternative sets of columns (spells: dates or durations)
        present = {c.role for c in contract.columns if names[c.role] in df.columns}
        try:
            found = contract.shape(present)
        except MissingColumnError as exc:
            raise MissingColumnError(f"{caller}: {exc}; the table has {list(df.columns)[:12]}") from None
        wanted = dict(contract.shapes).get(shape, ())
        if not set(wanted) <= present:
            raise MissingColumnError(f"{caller}: needs {contract.kind} with {shape} "
                                     f"({', '.join(names[r] for r in wanted)}); the table has {found} "
                                     f"({list(df.columns)[:12]})")
    if absent:
        raise MissingColumnError(
            f"{caller}: missing column(s) {absent} of the {contract.kind} contract"
            + (f" ({', '.join(optional)}: optional in the contract, needed here)" if optional else "")
            + "; the table has "
            f"{list(df.columns)[:12]}; pass the actual name, e.g. "
            f"{contract.columns[0].role}='your_column'")
    parsed: dict[str, pd.Series] = {}
    for col in contract.columns:
        name = names[col.role]
        if name not in df.columns:
            continue
        s = _check_column(df, col, name, caller, as_of, date_format, users.get(name))
        if col.positive_when and names[col.positive_when] in df.columns:
            flag = df[names[col.positive_when]].astype(bool)
            wrong = flag & ~(s > 0)
            if wrong.any():
                raise _fail(RangeError, caller, name, wrong, len(df),
                            f"are not > 0 for a {col.positive_when} {contract.row}", col.advice("range"),
                            user=users.get(name))
        if s is not df[name]:
            parsed[name] = s
    out = df.assign(**parsed) if parsed else df
    for early, late in contract.ordered:
        a, b = names[early], names[late]
        if a in out.columns and b in out.columns:
            wrong = (out[b] < out[a]).fillna(False)
            if wrong.any():
                ua, ub = users.get(a, a), users.get(b, b)
                raise _fail(OrderError, caller, b, wrong, len(out), f"are before {column_label(a, users.get(a))}",
                            f"'{ub}' must not precede '{ua}'", user=users.get(b))
    return out


def validate(
    df: pd.DataFrame,
    kind: str,
    *,
    as_of: Any = None,
    items: Sequence[str] | None = None,
    scale: tuple[float, float] | None = None,
    caller: str | None = None,
    date_format: str | None = None,
    need: Sequence[str] = (),
    shape: str = "",
    **column_names: str,
) -> pd.DataFrame:
    """Check ``df`` against the input contract ``kind``; return it with dates parsed.

    Parameters
    ----------
    df : DataFrame
    kind : str
        A contract of :data:`~crmresearch.schemas.CONTRACTS`: a role (``transactions``, ``spells``, ``campaign``,
        ``prospects``, ``accounts``, ``cases``...) or ``amounts`` (transactions without dates).
    as_of : date-like, optional
        Dates after it are an error (data from the future of the analysis).
    items, scale : for ``kind="survey"``: the item columns and the Likert scale ``(low, high)``.
    caller : str, optional
        Name of the calling function, shown first in error messages.
    date_format : str, optional
        strftime format of text dates (e.g. ``"%d/%m/%Y"``). Without it ISO dates are read as such;
        other text must be unambiguous (see ``_as_datetime``).
    need : sequence of str, default ()
        Optional roles of the contract the caller needs (e.g. ``['amount']`` of transactions to sum money):
        missing, they are an error like a required column.
    shape : str, default ''
        For a contract with alternative sets of columns (``spells``: ``'dates'`` or ``'durations'``): the one
        the caller needs; '' = either.
    **column_names : str
        Actual column name per role, e.g. ``customer="cust_id"``; defaults: each column's default name in
        :data:`~crmresearch.schemas.CONTRACTS` (also in ``DEFAULT_NAMES``).

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
    names = {c.role: column_names.get(c.role, c.default_name) for c in contract.columns}
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    unknown_need = set(need) - set(contract.roles())
    if unknown_need:
        raise ValidationError(f"{caller}: need names role(s) {sorted(unknown_need)} the '{kind}' contract has not")
    if shape and shape not in dict(contract.shapes):
        raise ValidationError(f"{caller}: unknown shape {shape!r} of '{kind}'; shapes: {list(dict(contract.shapes))}")
    out = _check_table(df, contract, names, caller, as_of_ts, date_format, need, shape=shape)
    if contract.free == "items":  # the survey's questionnaire items
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

    from ..errors import DataWarning

    warnings.warn(message + "; kept and counted (pass duplicates='drop' to drop them)", DataWarning, stacklevel=3)
    account.note(f"{n} fully duplicated rows kept (duplicates='keep')", len(df), len(df))
    return df
