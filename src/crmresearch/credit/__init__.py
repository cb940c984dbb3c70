"""Credit risk: application scorecards on monotone weight-of-evidence bins.

- binning: :func:`optimal_bins` (exact monotone optimal binning of one characteristic, a missing bin of its own),
  :func:`woe_table`, :class:`WoEBinning` (the fitted transformer of several characteristics)
- scorecard: :class:`Scorecard` (logistic regression on WoE, scaled to points), :func:`points_scaling`,
  :func:`discrimination` (AUC, Gini, KS), :func:`score_bands` (calibration by score band)

Numpy, pandas and scipy only (the core install).
"""

from .binning import MONOTONIC, Binning, WoEBinning, optimal_bins, woe_table
from .scorecard import PointsScaling, Scorecard, discrimination, points_scaling, score_bands

__all__ = ["MONOTONIC", "Binning", "PointsScaling", "Scorecard", "WoEBinning", "discrimination", "optimal_bins",
           "points_scaling", "score_bands", "woe_table"]
