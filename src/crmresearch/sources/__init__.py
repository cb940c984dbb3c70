"""Your own tables, wherever they live, and the table-level work that runs there.

- tables: naming a table (pandas, polars, a DuckDB relation, a PySpark DataFrame, a Parquet/CSV path
  or glob) as a :class:`Source`, and reading a data source file (YAML: role -> location + columns; the file's
  ``name`` and ``currency``)
- files: what a path holds, checked in bounded time before DuckDB reads it, and DuckDB's errors in one line
- aggregate: the backend-neutral aggregations (customer totals, RFM, calibration summary, cohorts,
  spells, interval counts), written once with narwhals and run by the table's own engine
"""

from ..errors import SourceError
from . import aggregate, files
from .tables import (
    FILE_KEYS,
    ROLES,
    Source,
    SourceFile,
    as_source,
    read_sources,
    source_file,
    spark_tables,
    user_columns,
)

__all__ = ["FILE_KEYS", "ROLES", "Source", "SourceError", "SourceFile", "aggregate", "as_source", "files",
           "read_sources", "source_file", "spark_tables", "user_columns"]
