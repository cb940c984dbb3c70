"""Customer segmentation by value and behaviour.

- concentration: Lorenz curve, Gini, the customer pyramid and its tier table
- rfm: recency / frequency / monetary tables, quantile scores, named RFM segments
- scoring: composite value score and classes, current x potential matrix, cost to serve
- clustering: data-driven segments with model selection and stability, profiles, migration
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
    "PyramidReport",
    "SegmentClustering",
    "class_summary",
    "cluster",
    "concentration_table",
    "cost_to_serve",
    "current_potential_matrix",
    "customer_totals",
    "gini",
    "lorenz",
    "migration",
    "peak_profit_share",
    "profile",
    "pyramid_report",
    "rfm",
    "rfm_scores",
    "rfm_segments",
    "segment_change",
    "segment_summary",
    "service_table",
    "shares_to_cuts",
    "tier_summary",
    "value_growth",
    "value_pyramid",
    "value_score",
]
