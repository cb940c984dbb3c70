"""The shared checks of single values and columns (dates, 0/1 outcomes, numbers, required
columns): one message shape naming the caller, the column, the count and the first rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (  # sib
    DateParseError,
    DuplicateIdError,
    MissingColumnError,
    MissingValueError,
    RangeError,
    SchemaError,
    ValidationError,
)

__all__ = ["as_binary", "as_codes", "as_date", "as_durations", "as_numbers", "check_links", "check_varies",
           "column_label", "date_column", "latest_date", "name_user_columns"]


def _first(labels: pd.Index, n: int = 5) -> str:
    return ", ".join(map(str, labels[:n])) + (", ..." if len(labels) > n else "")


def column_label(column: str, user: str | None = None) -> str:
    """How a message names a column: ``'churned'``, or ``'Exited' (mapped to churned)`` when a data source
    file maps the user's column ``Exited`` to crmresearch's ``churned`` (the name the user knows first).

    Parameters
    ----------
    column : str
        crmresearch's name of the column (the contract's).
    user : str or None, optional
        The user's name for it (from a data source file's ``columns:``); None or the same name: not mapped.

    Returns
    -------
    str
        The column, quoted, as messages show it.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.column_label('churned', 'Exited'), schemas.column_label('churned')
    ("'Exited' (mapped to churned)", "'churned'")
    """
    return f"'{user}' (mapped to {column})" if user and user != column else f"'{column}'"


_COLUMN = re.compile(r"(\bcolumns?(?:\(s\))? )'([^']+)'(?! \(mapped to )")


def name_user_columns(message: str, users: Mapping[str, str]) -> str:
    """``message`` with every column it names by crmresearch's name (``column 'churned'``) named as the user
    knows it too (``column 'Exited' (mapped to churned)``): for messages of code that sees a table only after a
    data source file renamed its columns.

    Parameters
    ----------
    message : str
        An error message.
    users : mapping of str to str
        crmresearch's column name -> the user's (:func:`crmresearch.sources.user_columns`).

    Returns
    -------
    str
        The message, renamed columns named both ways (other text unchanged).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.name_user_columns("churn_table: column 'value': 3 of 9 rows are missing", {'value': 'clv'})
    "churn_table: column 'clv' (mapped to value): 3 of 9 rows are missing"
    """
    def rename(match: re.Match[str]) -> str:
        ours = match.group(2)
        return f"{match.group(1)}{column_label(ours, users[ours])}" if ours in users else match.group(0)

    return _COLUMN.sub(rename, message)


def _fail(cls: type[SchemaError], caller: str, column: str, bad: pd.Series, n_rows: int,
          rule: str, remedy: str = "", user: str | None = None) -> SchemaError:
    labels = bad.index[bad.to_numpy()]
    msg = (f"{caller}: column {column_label(column, user)}: {int(bad.sum())} of {n_rows} rows {rule} "
           f"(first rows: {_first(labels)})")
    return cls(msg + (f"; {remedy}" if remedy else ""))


_ISO = r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"


_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T].*)?$"


def _as_datetime(s: pd.Series, caller: str, column: str, nullable: bool,
                 date_format: str | None = None, user: str | None = None) -> pd.Series:
    """Parse a date column. ISO dates (2024-03-31) and ``date_format`` are read as they are; other
    text must read the same day-first and month-first, or only one way: '03/02/2024' alone is
    ambiguous and an error, while '13/02/2024' shows the column is day-first (said in a warning).
    ``user``: the user's name of the column when a data source file maps it (messages name both)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    present = s.notna()
    shown = column_label(column, user)

    def parse(**kw: Any) -> pd.Series:
        try:
            return pd.to_datetime(s, errors="coerce", **kw)
        except (ValueError, TypeError) as exc:  # e.g. mixed time zones
            raise DateParseError(f"{caller}: column {shown}: {present.sum()} dates cannot be read together "
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
                            "are day-first while others are month-first", "store one date format (ISO: 2024-03-31)",
                            user)
            if not (day_first or month_first) and (a != b).any():
                amb = s.index.isin(a.index[a != b])
                raise _fail(DateParseError, caller, column, pd.Series(amb, index=s.index), len(s),
                            f"are ambiguous dates ({s[amb].iloc[0]!r} is day {a[a != b].iloc[0]} or month "
                            f"{a[a != b].iloc[0]})",
                            "pass date_format='%d/%m/%Y' or '%m/%d/%Y', or store ISO dates (2024-03-31)", user)
            how = "day-first" if day_first else "month-first"
            if day_first or month_first:
                import warnings

                from ..errors import DataWarning

                example = text[numeric][(a > 12) if day_first else (b > 12)].iloc[0]
                warnings.warn(f"{caller}: column {shown} read {how} (dd/mm/yyyy)" if day_first else
                              f"{caller}: column {shown} read {how} (mm/dd/yyyy)", DataWarning, stacklevel=4)
                how += f", as {example!r} shows"
            parsed = parse(format="mixed", dayfirst=day_first)
        else:
            parsed, how = parse(format="mixed"), "free text"
    bad = parsed.isna() & present
    if bad.any():
        raise _fail(DateParseError, caller, column, bad, len(s), f"cannot be read as dates ({how})",
                    "use ISO dates such as 2024-03-31, or pass date_format", user)
    return parsed


def _compare_as_of(s: pd.Series, as_of: pd.Timestamp, caller: str, column: str,
                   user: str | None = None) -> pd.Timestamp:
    """``as_of`` in the time zone convention of ``s`` (both naive or both aware), or a clear error."""
    tz = getattr(s.dt, "tz", None)
    if (tz is None) == (as_of.tz is None):
        return as_of
    shown = column_label(column, user)
    if tz is not None:
        raise ValidationError(f"{caller}: column {shown} has time zone {tz} but as_of = {as_of} has none; pass "
                              f"as_of with a time zone (e.g. '{as_of.date()} 00:00+00:00') or drop the zone with "
                              ".dt.tz_convert(None)")
    raise ValidationError(f"{caller}: column {shown} has no time zone but as_of = {as_of} has one ({as_of.tz}); "
                          "pass a naive as_of or localise the column with .dt.tz_localize(...)")


def after_as_of(s: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Which moments of ``s`` are after ``as_of``: a date (midnight, as "2024-12-31" gives) stands for its whole day,
    so a timestamp at 13:42 on that day is not after it; a moment with a time of day is compared exactly."""
    if as_of == as_of.normalize():
        return s >= as_of + pd.Timedelta(days=1)
    return s > as_of


def check_columns(df: pd.DataFrame, columns: Mapping[str, str] | Sequence[str], caller: str) -> None:
    """Raise :class:`MissingColumnError` naming every absent column.

    Parameters
    ----------
    df : DataFrame
        The table to check.
    columns : mapping of str to str, or sequence of str
        The columns it must have (for a mapping role -> column, the values).
    caller : str
        Function name, for the message.

    Raises
    ------
    MissingColumnError
        Listing every absent column and the first columns the table has.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> try:
    ...     schemas.check_columns(pd.DataFrame({'id': [1]}), {'customer': 'id', 'date': 'day'}, 'mine')
    ... except schemas.MissingColumnError as err:
    ...     print(err)
    mine: missing column(s) ['day']; the table has ['id']
    """
    cols = list(columns.values()) if isinstance(columns, Mapping) else list(columns)
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise MissingColumnError(f"{caller}: missing column(s) {absent}; the table has "
                                 f"{list(df.columns)[:12]}")


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
    typed = np.asarray(values)
    if typed.dtype.kind in "biuf":  # numbers or booleans: checked in one vectorised pass
        as_float = typed.astype(float)
        if np.isin(as_float, (0.0, 1.0)).all():
            return as_float.astype(int)
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


def check_varies(df: pd.DataFrame, columns: Sequence[str], caller: str,
                 users: Mapping[str, str] | None = None) -> None:
    """Refuse a column that cannot tell rows apart: all values missing, or one value in every row that has one
    (a characteristic to bin, an outcome with one class).

    Parameters
    ----------
    df : DataFrame
        The table.
    columns : sequence of str
        The columns to check.
    caller : str
        Name of the public function, for the message.
    users : mapping of str to str or None, optional
        crmresearch's column name -> the user's (messages name both).

    Raises
    ------
    MissingValueError
        When every row of a column is missing.
    SchemaError
        When the rows with a value all hold the same one; the message counts them and names the value.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> df = pd.DataFrame({'income': [None, None, None], 'term': [36, 36, None]})
    >>> try:
    ...     schemas.check_varies(df, ['income'], 'WoEBinning.fit')
    ... except schemas.MissingValueError as err:
    ...     print(err)
    WoEBinning.fit: column 'income': 3 of 3 rows are missing, every one (first rows: 0, 1, 2); a column with no value \
cannot be binned or modelled: drop it or fill it
    >>> try:
    ...     schemas.check_varies(df, ['term'], 'WoEBinning.fit')
    ... except schemas.SchemaError as err:
    ...     print(err)
    WoEBinning.fit: column 'term': 2 of 3 rows hold one value, 36.0, and the others are missing (first rows: 0, 1); \
a constant column tells no rows apart: drop it
    """
    check_columns(df, columns, caller)
    users = users or {}
    for column in columns:
        s = df[column]
        present = s.notna()
        if not present.any():
            raise _fail(MissingValueError, caller, column, ~present, len(s), "are missing, every one",
                        "a column with no value cannot be binned or modelled: drop it or fill it", users.get(column))
        values = s[present].unique().tolist()
        if len(values) == 1:
            rest = ", and the others are missing" if not present.all() else ""
            raise _fail(SchemaError, caller, column, present, len(s), f"hold one value, {values[0]!r}{rest}",
                        "a constant column tells no rows apart: drop it", users.get(column))


def check_links(df: pd.DataFrame, source: str, target: str, caller: str, once: bool = True,
                users: Mapping[str, str] | None = None) -> None:
    """Refuse links between ids (who referred whom: ``source`` -> ``target``) that cannot be a referral tree:
    missing ids, a row linking an id to itself, links that run in a circle (A -> B -> A, of any length) and,
    with ``once``, a ``target`` linked from two or more sources.

    Parameters
    ----------
    df : DataFrame
        One row per link.
    source, target : str
        The columns of the linking id (the referrer) and the linked id (the customer referred).
    caller : str
        Name of the public function, for the message.
    once : bool, default True
        Each ``target`` may appear in one row only (a customer is referred once).
    users : mapping of str to str or None, optional
        crmresearch's column name -> the user's (messages name both).

    Raises
    ------
    MissingValueError
        When an id is missing.
    SchemaError
        For self-links and circles; the message counts the rows and shows the first.
    DuplicateIdError
        With ``once``, for a ``target`` in two or more rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import schemas
    >>> links = pd.DataFrame({'referrer_id': [1, 2, 3], 'referred_id': [2, 3, 1]})
    >>> try:
    ...     schemas.check_links(links, 'referrer_id', 'referred_id', 'referral_value')
    ... except schemas.SchemaError as err:
    ...     print(err)
    referral_value: column 'referred_id': 3 of 3 rows link ids in a circle (each is, through others, linked to \
itself) (first rows: 0, 1, 2); a customer cannot be referred by one they referred: correct the links
    """
    check_columns(df, [source, target], caller)
    users = users or {}
    n = len(df)
    for column in (source, target):
        missing = df[column].isna()
        if missing.any():
            raise _fail(MissingValueError, caller, column, missing, n, "are missing",
                        "every link needs both ids", users.get(column))
    src, tgt = df[source].to_numpy(dtype=object), df[target].to_numpy(dtype=object)
    self_link = pd.Series(src == tgt, index=df.index)
    if self_link.any():
        raise _fail(SchemaError, caller, target, self_link, n, f"name the same id as {source!r}",
                    "a customer cannot refer themselves: drop those rows", users.get(target))
    if once:
        twice = df[target].duplicated(keep=False)
        if twice.any():
            raise _fail(DuplicateIdError, caller, target, twice, n,
                        f"repeat an id ({df[target][twice].nunique()} customers referred more than once)",
                        "keep one referrer per customer, or split the credit between them", users.get(target))
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    codes, ids = pd.factorize(np.concatenate([src, tgt]))
    a, b = codes[:n], codes[n:]
    graph = coo_matrix((np.ones(n), (a, b)), shape=(len(ids), len(ids)))
    _, label = connected_components(graph, directed=True, connection="strong")
    size = np.bincount(label)
    circle = pd.Series((label[a] == label[b]) & (size[label[a]] > 1), index=df.index)
    if circle.any():
        raise _fail(SchemaError, caller, target, circle, n,
                    "link ids in a circle (each is, through others, linked to itself)",
                    "a customer cannot be referred by one they referred: correct the links", users.get(target))


def as_durations(values: Any, name: str, caller: str) -> np.ndarray:
    """Durations (time from start to event or censoring) as a float array; negative, infinite or missing
    values are refused with their count, never dropped.

    Parameters
    ----------
    values : array-like
        Durations in one time unit.
    name : str
        What the values are, for the message (e.g. ``"column 'duration'"``).
    caller : str
        Name of the public function, for the message.

    Returns
    -------
    ndarray of float
        The durations.

    Raises
    ------
    ValidationError
        When some values are not numbers, or are negative, infinite or missing.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.as_durations([0, 2.5, 7], "column 'duration'", 'cuminc').tolist()
    [0.0, 2.5, 7.0]
    >>> try:
    ...     schemas.as_durations([3, -1, None], "column 'duration'", 'cuminc')
    ... except schemas.ValidationError as err:
    ...     print(err)
    cuminc: column 'duration': 2 of 3 rows are negative or missing (first: [-1.0, nan])
    """
    d = as_numbers(values, name, caller).ravel()
    bad = ~np.isfinite(d) | (d < 0)
    if bad.any():
        raise RangeError(f"{caller}: {name}: {int(bad.sum())} of {d.size} rows are negative or missing "
                         f"(first: {d[bad][:3].tolist()})")
    return d


def as_codes(values: Any, allowed: Sequence[Any], name: str, caller: str, required: Sequence[Any] = (),
             meaning: str = "codes") -> pd.Series:
    """Coded values (event types, causes, arms) checked against the codes they may take: values outside
    ``allowed`` (missing ones too) and ``required`` codes that never occur are refused, with counts.

    Parameters
    ----------
    values : array-like
        The codes, one per row.
    allowed : sequence
        Every code a row may hold.
    name : str
        What the values are, for the message (e.g. ``"column 'event'"``).
    caller : str
        Name of the public function, for the message.
    required : sequence, default ()
        Codes that must occur at least once (e.g. the cause a model is fitted for).
    meaning : str, default 'codes'
        What the allowed values are, for the message (e.g. ``'causes'``).

    Returns
    -------
    Series
        The values (on a fresh 0..n-1 index).

    Raises
    ------
    ValidationError
        Unknown codes (count, the first values and what is allowed), or a required code with no rows
        (with the count of every code that occurs).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.as_codes([0, 1, 2, 1], [0, 1, 2], "column 'event'", 'cuminc').tolist()
    [0, 1, 2, 1]
    >>> try:
    ...     schemas.as_codes([0, 1, 7, 1], [0, 1, 2], "column 'event'", 'cuminc')
    ... except schemas.ValidationError as err:
    ...     print(err)
    cuminc: column 'event': 1 of 4 rows hold unknown codes (first: [7]); the codes are [0, 1, 2]
    >>> try:
    ...     schemas.as_codes([0, 1, 1], [0, 1, 2], "column 'event'", 'fine_gray', required=[2], meaning='causes')
    ... except schemas.ValidationError as err:
    ...     print(err)
    fine_gray: column 'event': no row holds 2 (rows by value: 0: 1, 1: 2); each of the causes [2] needs at least one
    """
    s = pd.Series(np.asarray(values, dtype=object).ravel())
    allowed = list(allowed)
    known = s.isin(allowed) & s.notna()
    if not known.all():
        raise ValidationError(f"{caller}: {name}: {int((~known).sum())} of {len(s)} rows hold unknown {meaning} "
                              f"(first: {s[~known].head(3).tolist()}); the {meaning} are {allowed}")
    counts = s.value_counts()
    absent = [c for c in required if counts.get(c, 0) == 0]
    if absent:
        shown = ", ".join(f"{k}: {int(v)}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
        raise ValidationError(f"{caller}: {name}: no row holds {', '.join(map(str, absent))} (rows by value: "
                              f"{shown}); each of the {meaning} {list(required)} needs at least one")
    return s
