"""Input contracts and the shared checks every public function uses.

- contracts: each kind of table (transactions, spells, tickets ...) as columns by role, with kinds,
  ranges and default column names
- validate: ``validate(df, kind, **column_names)`` checks a table against its contract and returns it
  with dates parsed; :class:`RowAccount` records rows in / rows out / reason of every cleaning step
- checks: single values and columns (``as_date``, ``as_binary``, ``as_numbers``, ``date_column``,
  ``latest_date``, ``check_columns``)

Column names are mapped by role: ``validate(tx, "transactions", customer="cust", date="day")``
checks a table whose customer id column is ``cust`` and date column is ``day``. A violation raises
a :class:`SchemaError` subclass (defined in :mod:`crmresearch.errors`) whose message names the caller,
the column, the rule, how many rows break it and the first row labels.
"""

from ..errors import (
    DateParseError,
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
from .checks import as_binary, as_date, as_numbers, check_columns, date_column, latest_date
from .contracts import CONTRACTS, DEFAULT_NAMES, Column, Contract
from .validate import RowAccount, handle_duplicates, validate

__all__ = [
    "CONTRACTS",
    "DEFAULT_NAMES",
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
    "ValidationError",
    "as_binary",
    "as_date",
    "as_numbers",
    "check_columns",
    "date_column",
    "handle_duplicates",
    "latest_date",
    "validate",
]
