"""The shared base of every method family: the fitted-object protocol and the design matrix.

- base: :class:`Estimator` (settings in the constructor, ``fit`` returns self, ``_``-suffixed results,
  ``summary``), ``check_is_fitted``, the summary column vocabulary and its builder ``parameter_table``,
  ``deprecated_alias`` for renamed attributes
- design: one encoder from a tidy frame to a numeric design matrix (reference levels, named columns)
- mle: the one maximum-likelihood core (parameter transforms, ``minimise``, ``hessian``, ``invert``)
"""

from . import mle
from .base import SUMMARY_COLUMNS, Estimator, check_is_fitted, deprecated_alias, parameter_table
from .design import design_matrix

__all__ = ["SUMMARY_COLUMNS", "Estimator", "check_is_fitted", "deprecated_alias", "design_matrix", "mle",
           "parameter_table"]
