"""Files of a data source checked in bounded time, and DuckDB's errors about them in one line.

Before DuckDB reads a path named by a data source file, :func:`check_path` says what the path is when it is not a
readable regular file (a folder, a symbolic link loop, a device), and :func:`check_prefix` reads at most the first
:data:`PREFIX_BYTES` of it: a CSV file must be UTF-8 text without NUL bytes and with a line break in that prefix, a
Parquet file must carry the ``PAR1`` magic bytes at both ends. So a 2 GB file that is not a table is refused in
milliseconds instead of being sniffed whole.

Messages quote at most the column names and a few values of the user's own table, never a raw line of a file:
:func:`engine_message` keeps the first line of a DuckDB error with its quoted parts left out, and
:func:`rejected_rows` turns the rows a CSV read could not take (DuckDB's ``store_rejects``) into one line per
column or kind of fault: the count, the first values of that column, the first line numbers.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import DateParseError, DtypeError, SchemaError, SourceError, shown

__all__ = ["CHECK_BYTES", "CHECK_ROWS", "PREFIX_BYTES", "REJECTS_LIMIT", "check_path", "check_prefix", "check_rows",
           "csv_prefix", "engine_message", "rejected_rows", "shown"]

#: Bytes of a file read to decide whether it can be a CSV or Parquet table (4 MB).
PREFIX_BYTES = 4 << 20
#: Rejected rows a check records per file (more are counted as "at least" this many).
REJECTS_LIMIT = 100_000
#: Rows of each table the contract check before a study's kernel reads at most (its first rows; 1,000,000 rows
#: of a transaction log are about 30 MB of CSV, read in about a second); the whole table is checked when the
#: kernel reads it. The environment variable ``CRMRESEARCH_CHECK_ROWS`` sets another budget.
CHECK_ROWS = 1_000_000
#: Bytes of a CSV table the check before a study's kernel reads at most (64 MB; a table of long rows reaches it
#: before :data:`CHECK_ROWS`): the first rows within both budgets are checked.
CHECK_BYTES = 64 << 20

_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def check_path(path: str, name: str, fmt: str | None = None) -> None:
    """Raise :class:`SourceError` unless ``path`` is a readable regular file: a folder, a symbolic link loop, a
    link to nothing, a device or pipe, or an unreadable file is named as what it is.

    Parameters
    ----------
    path : str
        A path a data source file names (after glob expansion).
    name : str
        Name shown first in the message (file and role).
    fmt : str or None, optional
        ``csv`` or ``parquet``, for the example of a folder's files.

    Examples
    --------
    >>> import tempfile
    >>> from crmresearch.sources.files import check_path
    >>> folder = tempfile.mkdtemp(suffix='.csv')
    >>> try:
    ...     check_path(folder, 'sales.yaml: transactions', 'csv')
    ... except Exception as exc:
    ...     print(type(exc).__name__, 'is a folder' in str(exc))
    SourceError True
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(f"{name}: {path} is a symbolic link loop (it points, through links, back to itself); "
                              "name the file itself") from None
        if os.path.islink(path):
            raise SourceError(f"{name}: {path} is a symbolic link to {os.readlink(path)!r}, which does not "
                              "exist") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise SourceError(f"{name}: {path} cannot be read (permission denied)") from None
        raise SourceError(f"{name}: {path} cannot be read ({os.strerror(exc.errno or 0)})") from None
    if stat.S_ISDIR(st.st_mode):
        ext = fmt or (Path(path).suffix.lstrip(".").lower() if Path(path).suffix.lower() in (".csv", ".parquet")
                      else "parquet")
        raise SourceError(f"{name}: {path} is a folder; name its files, e.g. {os.path.basename(path) or path}/*.{ext}")
    if not stat.S_ISREG(st.st_mode):
        raise SourceError(f"{name}: {path} is not a regular file (a device, pipe or socket); name a CSV or Parquet "
                          "file")
    if not os.access(path, os.R_OK):
        raise SourceError(f"{name}: {path} cannot be read (permission denied)")


def check_prefix(path: str, fmt: str, name: str) -> None:
    """Raise :class:`SourceError` unless the first :data:`PREFIX_BYTES` of ``path`` can start a ``fmt`` table.

    A CSV must be non-empty UTF-8 text without NUL bytes, with a line break in the prefix (a header row); a
    Parquet file must start and end with ``PAR1``. Reads at most 4 MB and 4 bytes, whatever the file's size.

    Parameters
    ----------
    path : str
        The file.
    fmt : str
        ``csv`` or ``parquet``.
    name : str
        Name shown first in the message (file and role).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from crmresearch.sources.files import check_prefix
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 'x.csv'
    >>> _ = f.write_bytes(b'\\0' * 64)
    >>> try:
    ...     check_prefix(str(f), 'csv', 'x.yaml: calls')
    ... except Exception as exc:
    ...     print('NUL bytes' in str(exc))
    True
    """
    size = os.path.getsize(path)
    if size == 0:
        raise SourceError(f"{name}: {path} is empty (0 bytes)")
    with open(path, "rb") as f:
        if fmt == "parquet":
            head = f.read(4)
            f.seek(max(0, size - 4))
            tail = f.read(4)
            if head != b"PAR1" or tail != b"PAR1":
                raise SourceError(f"{name}: {path} is not a Parquet file (no PAR1 marks at its start and end); "
                                  "set format: csv for a CSV file, or export the table as Parquet again")
            return
        head = f.read(PREFIX_BYTES)
    mb = PREFIX_BYTES >> 20
    if b"\0" in head:
        raise SourceError(f"{name}: {path} is not a CSV text file (it holds NUL bytes, as binary files do, in its "
                          f"first {mb} MB); name a CSV or Parquet file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: {path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as "
                          "UTF-8 CSV") from None
    if b"\n" not in head and b"\r" not in head and len(head) < size:
        raise SourceError(f"{name}: {path} has no line break in its first {mb} MB, so no header row; a CSV table "
                          "has one row per line")


def check_rows() -> int:
    """Rows of each table the check before a study's kernel reads: ``CRMRESEARCH_CHECK_ROWS`` when set (a
    positive whole number), else :data:`CHECK_ROWS`.

    Returns
    -------
    int
        The row budget of the check before the kernel.

    Raises
    ------
    SourceError
        ``CRMRESEARCH_CHECK_ROWS`` is set but is not a positive whole number.

    Examples
    --------
    >>> from crmresearch.sources.files import CHECK_ROWS, check_rows
    >>> check_rows() == CHECK_ROWS   # without CRMRESEARCH_CHECK_ROWS in the environment
    True
    """
    text = os.environ.get("CRMRESEARCH_CHECK_ROWS", "").strip().replace("_", "")
    if not text:
        return CHECK_ROWS
    if not text.isdigit() or int(text) < 1:
        raise SourceError(f"CRMRESEARCH_CHECK_ROWS must be a positive whole number of rows; got {shown(text)}")
    return int(text)


def csv_prefix(files: Sequence[str], rows: int, folder: str,
               max_bytes: int = CHECK_BYTES) -> tuple[list[str], int, bool]:
    """Copy the first ``rows`` data rows (at most ``max_bytes`` bytes) of CSV ``files`` into ``folder``, each file's
    header kept, for a check that reads a bounded part of a table wherever its rows are.

    A file is read in one block of at most ``max_bytes`` and cut after a line break; the copies keep the files'
    names (one subfolder each), so messages about them name your files, and their line numbers are your files'.

    Parameters
    ----------
    files : sequence of str
        The CSV files of one table, in order.
    rows : int
        Data rows (header lines not counted) copied at most, over all files.
    folder : str
        Where the copies go.
    max_bytes : int, default CHECK_BYTES
        Bytes read at most, over all files.

    Returns
    -------
    copies : list of str
        The copies (the files the prefix reaches).
    taken : int
        Data rows copied (lines after each header; a quoted value spanning lines counts each line).
    cut : bool
        Whether the table has rows past the copies (the check sees its first ``taken`` rows only).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from crmresearch.sources.files import csv_prefix
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 'tx.csv'
    >>> _ = f.write_text('amount\\n' + '1.5\\n' * 10)
    >>> copies, taken, cut = csv_prefix([str(f)], 4, tempfile.mkdtemp())
    >>> taken, cut, pathlib.Path(copies[0]).read_text().count('\\n')
    (4, True, 5)
    """
    copies: list[str] = []
    taken, budget = 0, max_bytes
    for i, path in enumerate(files):
        if taken >= rows or budget <= 0:
            return copies, taken, True
        dest = Path(folder, str(i), os.path.basename(path))
        dest.parent.mkdir(parents=True, exist_ok=True)
        want = rows - taken + 1  # its header line, then the rows still wanted
        lines, cut = 0, False
        with open(path, "rb") as f, open(dest, "wb") as out:
            while True:
                block = f.read(min(_BLOCK, budget))
                if not block:  # the whole file (a last line without a line break counts too)
                    lines += 1 if f.tell() and not _ends_line(f) else 0
                    break
                k = block.count(b"\n")
                if lines + k >= want:  # cut after the line break that ends the last row wanted
                    at = -1
                    for _ in range(want - lines):
                        at = block.index(b"\n", at + 1)
                    block, k, cut = block[:at + 1], want - lines, True
                elif len(block) == budget:  # the byte budget ends in this block: cut after its last line break
                    block, cut = block[:block.rfind(b"\n") + 1], True
                out.write(block)
                lines += k
                budget -= len(block)
                if cut:
                    break
        if cut and lines <= 1:  # not one whole row within the budget
            dest.unlink()
            if not copies:  # no line break in the budget (CR-only line ends?): the files as they are, unbounded
                return list(files), 0, False
            return copies, taken, True
        copies.append(str(dest))
        taken += max(lines - 1, 0)
        if cut:
            return copies, taken, _more(path, dest) or i + 1 < len(files)
    return copies, taken, False


_BLOCK = 4 << 20


def _ends_line(f: Any) -> bool:
    """Whether the file open in ``f`` (at its end) ends with a line break."""
    f.seek(-1, os.SEEK_END)
    return f.read(1) == b"\n"


def _more(path: str, copy: Path) -> bool:
    """Whether ``path`` holds more than its ``copy`` (a prefix of it) beyond blank space."""
    size = copy.stat().st_size
    with open(path, "rb") as f:
        f.seek(size)
        return f.read(1 << 16).strip() != b"" or os.path.getsize(path) > size + (1 << 16)


def engine_message(exc: BaseException) -> str:
    """The first line of an engine's error with its quoted parts (file contents, paths) left out, at most
    120 characters: what a message may quote of an error about an arbitrary file.

    Parameters
    ----------
    exc : BaseException
        The engine's error.

    Returns
    -------
    str
        One line.

    Examples
    --------
    >>> from crmresearch.sources.files import engine_message
    >>> engine_message(ValueError('Invalid Input Error: Error when sniffing file "x.csv".\\nOriginal Line: a,b'))
    'Invalid Input Error: Error when sniffing file ….'
    """
    lines = str(exc).strip().splitlines()
    first = _QUOTED.sub("…", lines[0]) if lines else type(exc).__name__
    return first if len(first) <= 120 else first[:119] + "…"


_FAULTS = {
    "MISSING COLUMNS": "have fewer fields than the header",
    "TOO MANY COLUMNS": "have more fields than the header (a value holding the delimiter needs quotes)",
    "UNQUOTED VALUE": "have a value with a stray quote",
    "LINE SIZE OVER MAXIMUM": "are longer than DuckDB's 2 MB line limit",
    "INVALID UNICODE": "are not UTF-8 text",
}
_WORDS = {"number": "numbers", "integer": "whole numbers", "datetime": "dates", "bool": "0/1 values",
          "event": "0/1 values"}
_VALUE = re.compile(r'Could not convert string "(.*)" to')


def _value(message: str) -> str | None:
    found = _VALUE.search(message or "")
    if found is None:
        return None
    value = found.group(1)
    return value if len(value) <= 30 else value[:29] + "…"


def rejected_rows(con: Any, good_rows: int, caller: str, kinds: Mapping[str, str],
                  label: Callable[[str], str], first_rows: int, sample: int | None = None) -> None:
    """Raise for the rows a CSV read with ``store_rejects`` could not take (:class:`DtypeError` or
    :class:`DateParseError` for a value of a contract column, :class:`SchemaError` otherwise); return when none.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection the read ran on (its ``reject_errors`` and ``reject_scans`` tables).
    good_rows : int
        Rows the read took.
    caller : str
        Name shown first in the message (file and role).
    kinds : mapping of str to str
        The file's column name -> the contract's kind of it (``number``, ``datetime`` ...), for the typed columns.
    label : callable
        The file's column name -> how a message names it (both names when a mapping renamed it).
    first_rows : int
        Rows DuckDB typed the columns from (its sample), for the message.
    sample : int or None, optional
        The read took the first ``sample`` rows of a longer table (the check before a kernel,
        :func:`csv_prefix`): the message says "of the first ``sample`` rows". None: the whole table.

    Examples
    --------
    >>> import duckdb, pathlib, tempfile
    >>> from crmresearch.sources.files import rejected_rows
    >>> f = pathlib.Path(tempfile.mkdtemp()) / 'tx.csv'
    >>> _ = f.write_text('amount\\n' + '1.5\\n' * 30000 + 'ten\\n')   # a text amount after DuckDB's sample
    >>> con = duckdb.connect()
    >>> good = len(con.read_csv(str(f), header=True, store_rejects=True).fetchall())
    >>> try:
    ...     rejected_rows(con, good, 'tx.yaml: transactions', {'amount': 'number'}, repr, 20480)
    ... except Exception as exc:
    ...     print(type(exc).__name__, str(exc).split(': ', 2)[2][:60])
    DtypeError tx.csv: column 'amount': 1 of 30001 rows cannot be read as n
    """
    sampled = sample is not None
    within = f"WHERE e.line <= {int(sample) + 1}" if sampled else ""  # line 1: the header
    rows = con.execute(
        "SELECT e.column_name, e.error_type, count(*) AS k, count(DISTINCT e.line) AS lines, "
        "list(e.line ORDER BY e.line)[1:3] AS first_lines, list(e.error_message ORDER BY e.line)[1:3] AS messages, "
        f"min(s.file_path) AS file FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) {within} "
        "GROUP BY ALL ORDER BY min(e.line), any_value(e.error_type = 'CAST')").fetchall()
    if not rows:
        return
    column, fault, k, lines, first_lines, messages, file = rows[0]
    total = con.execute(f"SELECT count(DISTINCT (file_id, line)) FROM reject_errors e {within}").fetchone()[0]
    n = f"the first {sample}" if sampled else good_rows + int(total)
    count = f"at least {k}" if k >= REJECTS_LIMIT else str(k)
    where = f"first lines: {', '.join(map(str, first_lines))}"
    fname = os.path.basename(str(file))
    if fault == "CAST" and column:
        kind = kinds.get(column)
        values = [v for v in (_value(m) for m in messages) if v is not None]
        quoted = ", ".join(repr(v) for v in dict.fromkeys(values))
        what = (f"cannot be read as {_WORDS[kind]}" if kind in _WORDS else
                f"do not fit the type DuckDB took from the first {first_rows} rows")
        cls: type[SchemaError] = DateParseError if kind == "datetime" else DtypeError
        remedy = ("write every date in one format, e.g. 2024-01-31" if kind == "datetime" else
                  "fix or remove those rows (a missing value is an empty field)")
        raise cls(f"{caller}: {fname}: column {label(column)}: {count} of {n} rows {what} (first values: "
                  f"{quoted or '?'}; {where}); {remedy}")
    words = _FAULTS.get(str(fault), f"cannot be read ({str(fault).lower()})")
    raise SchemaError(f"{caller}: {fname}: {lines} of {n} lines {words} ({where}); fix those lines")

