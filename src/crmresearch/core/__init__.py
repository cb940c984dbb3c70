"""The shared base of every method family: the fitted-object protocol and the design matrix.

- base: :class:`Estimator` (settings in the constructor, ``fit`` returns self, ``_``-suffixed results,
  ``summary``), ``check_is_fitted`` and the summary column vocabulary
- design: one encoder from a tidy frame to a numeric design matrix (reference levels, named columns)
"""

from .base import SUMMARY_COLUMNS, Estimator, check_is_fitted
from .design import design_matrix

__all__ = ["SUMMARY_COLUMNS", "Estimator", "check_is_fitted", "design_matrix"]
