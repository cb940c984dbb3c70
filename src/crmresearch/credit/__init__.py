"""Credit risk: application scorecards on monotone weight-of-evidence bins, admission rules, stability, limit
increases by regression discontinuity and roll rates between delinquency buckets.

- binning: :func:`optimal_bins` (exact monotone optimal binning of one characteristic, a missing bin of its own),
  :func:`woe_table`, :class:`WoEBinning` (the fitted transformer of several characteristics),
  :func:`binning_tables` (WoE and IV of fitted bins counted where the table lives: DuckDB, Spark ...)
- scorecard: :class:`Scorecard` (logistic regression on WoE, scaled to points), :func:`points_scaling`,
  :func:`discrimination` (AUC, Gini, KS), :func:`score_bands` (calibration by score band), :func:`ks_curve`
- admission: :func:`admission_tradeoff` (approval rate, bad rate, profit by cut-off, with a stricter rule)
- stability: :func:`population_stability` (PSI), :func:`characteristic_stability`, :func:`psi_reading`
- rd: :class:`RegressionDiscontinuity` (local linear, triangular kernel), :func:`ik_bandwidth`,
  :func:`density_test` (McCrary), :func:`placebo_cutoffs`, :func:`binned_means` (the RD chart)
- rollrates: :class:`RollRateChain` (roll rates as an absorbing chain, expected loss and allowance),
  :func:`absorbing_chain`, :func:`status_buckets` (bucket codes or days past due as buckets),
  :func:`roll_rates_between` (one step between two snapshots, Wilson intervals),
  :func:`implied_step_matrix` (the monthly matrix behind a multi-month step, if time-homogeneous)
- calls: :class:`CureUplift` (a call's uplift on the cure rate from random calls), :func:`call_list`,
  :func:`compare_call_policies` (whom collections call first: expected recovery per call)

Numpy, pandas and scipy only (the core install); the counts where a table lives go through
:mod:`crmresearch.sources.aggregate`.
"""

from .admission import admission_tradeoff
from .binning import MONOTONIC, Binning, WoEBinning, binning_tables, optimal_bins, woe_table
from .calls import CureUplift, call_list, compare_call_policies
from .rd import RegressionDiscontinuity, binned_means, density_test, ik_bandwidth, placebo_cutoffs
from .rollrates import (
    BUCKETS,
    AbsorbingChain,
    RollRateChain,
    absorbing_chain,
    implied_step_matrix,
    observed_roll_rates,
    roll_rates_between,
    snapshot_pair,
    status_buckets,
)
from .scorecard import PointsScaling, Scorecard, discrimination, ks_curve, points_scaling, score_bands
from .stability import characteristic_stability, population_stability, psi_reading

__all__ = [
    "BUCKETS",
    "MONOTONIC",
    "AbsorbingChain",
    "Binning",
    "CureUplift",
    "PointsScaling",
    "RegressionDiscontinuity",
    "RollRateChain",
    "Scorecard",
    "WoEBinning",
    "absorbing_chain",
    "admission_tradeoff",
    "binned_means",
    "binning_tables",
    "call_list",
    "characteristic_stability",
    "compare_call_policies",
    "density_test",
    "discrimination",
    "ik_bandwidth",
    "implied_step_matrix",
    "ks_curve",
    "observed_roll_rates",
    "optimal_bins",
    "placebo_cutoffs",
    "points_scaling",
    "population_stability",
    "psi_reading",
    "roll_rates_between",
    "score_bands",
    "snapshot_pair",
    "status_buckets",
    "woe_table",
]
