"""Customer segmentation by value and behaviour.

- concentration: Lorenz curve, Gini, the customer pyramid and its tier table
- rfm: recency / frequency / monetary tables, quantile scores, named RFM segments
- scoring: composite value score and classes, current x potential matrix, cost to serve
- clustering: data-driven segments with model selection and stability, profiles, migration
- grids: units classed on several dimensions (format x area x size, price x volume), cell shares, migration
- level: a new account's level from its first days (ordinal logit)
"""

from .clustering import SegmentClustering, cluster, migration, profile, segment_change
from .concentration import (
    DEFAULT_PYRAMID_CUTS,
    DEFAULT_PYRAMID_LABELS,
    PyramidReport,
    concentration_table,
    customer_totals,
    gini,
    lorenz,
    pyramid_report,
    shares_to_cuts,
    tier_summary,
    value_pyramid,
)
from .grids import grid_matrix, grid_migration, grid_table, price_volume, rule_grid
from .level import LEVEL_DAYS, early_and_level, ordinal_level
from .rfm import DEFAULT_RFM_SEGMENTS, rfm, rfm_scores, rfm_segments, segment_summary
from .scoring import (
    DEFAULT_CHANNEL_COSTS,
    DEFAULT_SERVICE_MODEL,
    DEFAULT_VALUE_WEIGHTS,
    class_summary,
    cost_to_serve,
    current_potential_matrix,
    peak_profit_share,
    service_table,
    value_growth,
    value_score,
)

__all__ = [
    "DEFAULT_CHANNEL_COSTS",
    "DEFAULT_PYRAMID_CUTS",
    "DEFAULT_PYRAMID_LABELS",
    "DEFAULT_RFM_SEGMENTS",
    "DEFAULT_SERVICE_MODEL",
    "DEFAULT_VALUE_WEIGHTS",
    "LEVEL_DAYS",
    "PyramidReport",
    "SegmentClustering",
    "class_summary",
    "cluster",
    "concentration_table",
    "cost_to_serve",
    "current_potential_matrix",
    "customer_totals",
    "early_and_level",
    "gini",
    "grid_matrix",
    "grid_migration",
    "grid_table",
    "lorenz",
    "migration",
    "ordinal_level",
    "peak_profit_share",
    "price_volume",
    "profile",
    "pyramid_report",
    "rfm",
    "rfm_scores",
    "rfm_segments",
    "rule_grid",
    "segment_change",
    "segment_summary",
    "service_table",
    "shares_to_cuts",
    "tier_summary",
    "value_growth",
    "value_pyramid",
    "value_score",
]
