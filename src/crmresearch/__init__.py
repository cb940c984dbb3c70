"""crmresearch: reproducible customer-relationship (CRM) strategy studies.

Import the modules you need::

    from crmresearch import data, segmentation
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

from .errors import CRMResearchError, NotFittedError, ParameterError, ValidationError

_MODULES = ("data", "schemas", "segmentation", "survival", "clv", "credit", "causal", "satisfaction", "service",
            "experiments", "reporting", "plots", "studies", "pipeline", "paths", "sources", "aggregate", "classify",
            "forecast", "skills", "recovery", "prospects", "health", "design")

__all__ = [
    "CRMResearchError",
    "NotFittedError",
    "ParameterError",
    "ValidationError",
    "__version__",
    *_MODULES,
]


def __getattr__(name: str) -> Any:  # lazy: `import crmresearch` stays fast
    if name in _MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'crmresearch' has no attribute {name!r}")
