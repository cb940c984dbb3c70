"""Exceptions and warnings of crmresearch, in one place.

Every error names the caller, the column or parameter, the rule that was broken and how
many rows broke it, so that the message alone tells the user what to fix.
"""

from __future__ import annotations

__all__ = [
    "CRMResearchError",
    "CRMResearchWarning",
    "ConvergenceError",
    "DataWarning",
    "MissingExtraError",
    "NotFittedError",
    "ParameterError",
    "StudyError",
    "ValidationError",
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
