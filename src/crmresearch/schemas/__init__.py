"""Input contracts and the shared checks every public function uses.

- contracts: the one table of input contracts, :data:`CONTRACTS`: every role a table can play (transactions,
  spells, campaign, accounts ...) as columns by role, with kinds, ranges, unique ids and default column names;
  ``validate``, :mod:`crmresearch.sources` (roles and column mappings), the engine checks of
  :mod:`crmresearch.sources.aggregate` and the studies' pre-kernel checks all read it
- validate: ``validate(df, kind, **column_names)`` checks a table against its contract and returns it
  with dates parsed; :class:`RowAccount` records rows in / rows out / reason of every cleaning step
- checks: single values and columns (``as_date``, ``as_binary``, ``as_numbers``, ``as_durations``,
  ``as_codes``, ``date_column``, ``latest_date``, ``check_columns``, ``check_varies``, ``check_links``)

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
from .checks import (
    as_binary,
    as_codes,
    as_date,
    as_durations,
    as_numbers,
    check_columns,
    check_links,
    check_varies,
    column_label,
    date_column,
    latest_date,
    name_user_columns,
)
from .contracts import CONTRACTS, DEFAULT_NAMES, KINDS, Column, Contract, contract_table
from .validate import RowAccount, handle_duplicates, validate

__all__ = [
    "CONTRACTS",
    "DEFAULT_NAMES",
    "KINDS",
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
    "as_codes",
    "as_date",
    "as_durations",
    "as_numbers",
    "check_columns",
    "check_links",
    "check_varies",
    "column_label",
    "contract_table",
    "date_column",
    "handle_duplicates",
    "latest_date",
    "name_user_columns",
    "validate",
]
