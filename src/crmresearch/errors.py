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
    """Base class of every error raised on purpose by crmresearch."""


class ValidationError(CRMResearchError, ValueError):
    """Input data break a contract (missing column, wrong type, value out of range...)."""


class ParameterError(CRMResearchError, ValueError):
    """A study or function parameter is unknown, of the wrong type or out of range."""


class NotFittedError(CRMResearchError, AttributeError):
    """A fitted-object method was called before ``fit``."""


class MissingExtraError(CRMResearchError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""


class ConvergenceError(CRMResearchError, RuntimeError):
    """An iterative estimator did not converge within its iteration budget."""


class StudyError(CRMResearchError, RuntimeError):
    """A study notebook failed; the message says where the executed notebook is."""


class CRMResearchWarning(UserWarning):
    """Base class of crmresearch warnings."""


class DataWarning(CRMResearchWarning):
    """Data were loaded or cleaned with a caveat the user should know (rows kept as NaN...)."""
