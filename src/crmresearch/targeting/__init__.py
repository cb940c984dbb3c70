"""Targeting: scores, lift, calibration and the profit of acting on them.

- classifier: :class:`CalibratedClassifier`, a calibrated binary classifier (logistic or boosting)
- churn: the churn table, its features (checked for ids and outcomes), :class:`ChurnClassifier`, the churn
  snapshot of a base at a date
- lift: lift and gain, calibration by bin, targeted vs mass offer profit, the best depth
- prospects: prospect grades by expected value, conversion and value models, next product to buy

Needs scikit-learn (the ``[ml]`` extra) only when a classifier is fitted; lifelines never.
"""

from . import prospects
from .churn import ChurnClassifier, churn_classifier, churn_features, churn_snapshot, churn_table
from .classifier import CalibratedClassifier
from .lift import calibration_table, depth_grid, lift_table, targeting_profit
from .prospects import (
    GRADES,
    ConversionValue,
    NextProductModel,
    approach_profit,
    grade_table,
    grades,
    hit_rates,
    next_product_pairs,
    offer_profit,
    prospect_table,
    source_effects,
)

__all__ = [
    "GRADES",
    "CalibratedClassifier",
    "ChurnClassifier",
    "ConversionValue",
    "NextProductModel",
    "approach_profit",
    "calibration_table",
    "churn_classifier",
    "churn_features",
    "churn_snapshot",
    "churn_table",
    "depth_grid",
    "grade_table",
    "grades",
    "hit_rates",
    "lift_table",
    "next_product_pairs",
    "offer_profit",
    "prospect_table",
    "prospects",
    "source_effects",
    "targeting_profit",
]
