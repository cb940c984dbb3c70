"""Exceptions and warnings of crmresearch, in one place.

Every error names the caller, the column or parameter, the rule that was broken and how
many rows broke it, so that the message alone tells the user what to fix.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CRMResearchError",
    "CRMResearchWarning",
    "ConvergenceError",
    "DataWarning",
    "DateParseError",
    "DtypeError",
    "DuplicateIdError",
    "DuplicateRowError",
    "EmptyTableError",
    "FollowUpWarning",
    "FutureDateError",
    "MissingColumnError",
    "MissingExtraError",
    "MissingValueError",
    "NotFittedError",
    "OrderError",
    "OutputError",
    "ParameterError",
    "RangeError",
    "SchemaError",
    "SourceError",
    "StudyError",
    "ValidationError",
    "shown",
]


class CRMResearchError(Exception):
    """Base class of every error raised on purpose by crmresearch.

    Examples
    --------
    >>> from crmresearch import errors, survival
    >>> try:
    ...     survival.KaplanMeier().fit(__import__('pandas').DataFrame({'duration': [1.0]}))
    ... except errors.CRMResearchError as err:   # catches every error crmresearch raises on purpose
    ...     print(type(err).__name__)
    ValidationError
    """


class ValidationError(CRMResearchError, ValueError):
    """Input data break a contract (missing column, wrong type, value out of range...).

    Examples
    --------
    >>> from crmresearch import errors, experiments
    >>> try:
    ...     experiments.two_proportions([30, 600], [500, 500])
    ... except ValueError as err:   # a ValidationError is also a ValueError
    ...     print(type(err).__name__)
    ValidationError
    """



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


class SourceError(ValidationError):
    """A data source (file, table, column mapping) cannot be used as given.

    Examples
    --------
    >>> from crmresearch import sources, ValidationError
    >>> issubclass(sources.SourceError, ValidationError)
    True
    """

class ParameterError(CRMResearchError, ValueError):
    """A study or function parameter is unknown, of the wrong type or out of range.

    Examples
    --------
    >>> from crmresearch import errors, studies
    >>> try:
    ...     studies.get('no-such-study')
    ... except errors.ParameterError as err:
    ...     print(type(err).__name__)
    ParameterError
    """


class NotFittedError(CRMResearchError, AttributeError):
    """A fitted-object method was called before ``fit``.

    Examples
    --------
    >>> from crmresearch import clv, errors
    >>> try:
    ...     clv.BetaGeoNBD().summary
    ... except errors.NotFittedError as err:
    ...     print(str(err).split(';')[0])
    BetaGeoNBD.summary: this model is not fitted yet
    """


class MissingExtraError(CRMResearchError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it.

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.MissingExtraError, ImportError), issubclass(errors.MissingExtraError, errors.CRMResearchError)
    (True, True)
    """


class ConvergenceError(CRMResearchError, RuntimeError):
    """An iterative estimator did not converge within its iteration budget.

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.ConvergenceError, errors.CRMResearchError)
    True
    """


class StudyError(CRMResearchError, RuntimeError):
    """A study notebook failed; the message says where the executed notebook is.

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.StudyError, errors.CRMResearchError)
    True
    """


class OutputError(CRMResearchError, OSError):
    """A run cannot write its output folder (no space left on its disk, or another run writing it
    for longer than the lock timeout); the old exhibits are untouched.

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.OutputError, OSError), issubclass(errors.OutputError, errors.CRMResearchError)
    (True, True)
    """


class CRMResearchWarning(UserWarning):
    """Base class of crmresearch warnings.

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.DataWarning, errors.CRMResearchWarning), issubclass(errors.CRMResearchWarning, UserWarning)
    (True, True)
    """


class DataWarning(CRMResearchWarning):
    """Data were loaded or cleaned with a caveat the user should know (rows kept as NaN...).

    Examples
    --------
    >>> import warnings
    >>> from crmresearch import data, errors
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     telco = data.load_telco_churn()   # 11 customers never billed are kept, with a warning
    >>> [w.category.__name__ for w in caught if issubclass(w.category, errors.DataWarning)]
    ['DataWarning']
    """


class FollowUpWarning(CRMResearchWarning):
    """Follow-up is too short to identify what a model reports (a cure fraction without a Kaplan-Meier plateau,
    Maller & Zhou's test).

    Examples
    --------
    >>> from crmresearch import errors
    >>> issubclass(errors.FollowUpWarning, errors.CRMResearchWarning)
    True
    """


def shown(value: Any, width: int = 80) -> str:
    """``value`` as a message quotes it: its repr, cut to ``width`` characters with the length of the whole (how
    errors echo a value the user gave, e.g. a 120 KB ``-p horizons=...``).

    Parameters
    ----------
    value : object
        The value to quote.
    width : int, default 80
        Characters of its repr kept.

    Returns
    -------
    str
        The repr, or its first ``width`` characters and the length of the whole.

    Examples
    --------
    >>> from crmresearch.errors import shown
    >>> shown('1,2,3'), shown('9' * 200)[-18:]
    ("'1,2,3'", '… (200 characters)')
    """
    text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[:width]}… ({len(str(value))} characters)"
